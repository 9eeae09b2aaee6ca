/*
 * alerts.c - alerts into incidents: dedup of repeats, grouping by shared entities within a
 * window, incident roll-ups (severity, ATT&CK, first/last seen), observables. One write
 * transaction per batch. The keys come from src/correlate (incident.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_int.h"

#define MAX_KEYS 64

static const char sql_dedup[] =
    "SELECT a.id, a.incident_id FROM alerts a JOIN incidents i ON i.id = a.incident_id"
    " WHERE a.dedup_key = ?1 AND i.status != 'closed' AND i.merged_into IS NULL"
    " AND a.last_seen >= ?2 AND a.first_seen <= ?3 ORDER BY a.last_seen DESC LIMIT 1";
static const char sql_repeat[] =
    "UPDATE alerts SET count = count + 1, first_seen = min(first_seen, ?2),"
    " last_seen = max(last_seen, ?2) WHERE id = ?1";
static const char sql_group[] =
    "SELECT e.incident_id FROM entities e JOIN incidents i ON i.id = e.incident_id"
    " WHERE e.key = ?1 AND i.status != 'closed' AND i.merged_into IS NULL"
    " AND e.last_seen >= ?2 AND e.first_seen <= ?3 ORDER BY e.last_seen DESC, e.incident_id"
    " LIMIT 4";
static const char sql_new_inc[] =
    "INSERT INTO incidents(title, status, severity, first_seen, last_seen, created_at,"
    " updated_at) VALUES(?1, 'new', ?2, ?3, ?3, ?4, ?4)";
static const char sql_inc_roll[] =
    "UPDATE incidents SET severity = max(severity, ?2), first_seen = min(first_seen, ?3),"
    " last_seen = max(last_seen, ?3), alert_count = alert_count + ?4,"
    " event_count = event_count + 1, updated_at = ?5 WHERE id = ?1";
static const char sql_inc_sev[] = "SELECT severity FROM incidents WHERE id = ?1";
static const char sql_alert_ins[] =
    "INSERT INTO alerts(incident_id, rule_id, rule_title, level, host, dedup_key, first_seen,"
    " last_seen, count, source_path, source_record, tags, tactics, techniques, event_json,"
    " created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char sql_attack[] =
    "INSERT INTO incident_attack(incident_id, kind, attack_id, name, alerts)"
    " VALUES(?1, ?2, ?3, ?4, 1) ON CONFLICT(incident_id, kind, attack_id) DO UPDATE SET"
    " alerts = alerts + 1, name = coalesce(incident_attack.name, excluded.name)";
static const char sql_entity[] =
    "INSERT INTO entities(incident_id, key, first_seen, last_seen, alerts) VALUES(?1, ?2, ?3, ?3,"
    " 1) ON CONFLICT(key, incident_id) DO UPDATE SET first_seen = min(first_seen, ?3),"
    " last_seen = max(last_seen, ?3), alerts = alerts + 1";
static const char sql_entity_seen[] =
    "UPDATE entities SET first_seen = min(first_seen, ?3), last_seen = max(last_seen, ?3)"
    " WHERE incident_id = ?1 AND key = ?2";
static const char sql_has_entity[] =
    "SELECT 1 FROM entities WHERE incident_id = ?1 AND key = ?2 AND last_seen >= ?3"
    " AND first_seen <= ?4";
static const char sql_obs_ins[] =
    "INSERT OR IGNORE INTO observables(incident_id, type, value, source, first_seen, sightings)"
    " VALUES(?1, ?2, ?3, 'alert', ?4, 1)";
static const char sql_obs_seen[] =
    "UPDATE observables SET sightings = sightings + 1, first_seen = min(first_seen, ?4)"
    " WHERE incident_id = ?1 AND type = ?2 AND value = ?3";

static const char sql_burst_has[] =
    "SELECT 1 FROM alert_bursts WHERE alert_id = ?1 AND ts = ?2 AND correlation = ?3";
static const char sql_burst_ins[] =
    "INSERT INTO alert_bursts(alert_id, ts, correlation) VALUES(?1, ?2, ?3)";

#define FAIL_DB(what)                                                                              \
    do {                                                                                           \
        r = st_dberr(st, err, what);                                                               \
        goto out;                                                                                  \
    } while (0)
#define PREP(var, sql)                                                                             \
    do {                                                                                           \
        if (!((var) = st_prep(st, (sql), err))) {                                                  \
            r = WARD_EIO;                                                                          \
            goto out;                                                                              \
        }                                                                                          \
    } while (0)

/* ATT&CK tactic names as their short names: "Privilege Escalation" -> "privilege-escalation"
 * (the form of x_mitre_shortname and of Sigma tags), so every source counts alike. */
static void tactic_shortname(const char *name, char *out, size_t outsz)
{
    size_t n = 0;
    if (strncmp(name, "attack.", 7) == 0) name += 7;
    for (; *name && n + 1 < outsz; name++) {
        char c = *name;
        if (c == ' ' || c == '_') c = '-';
        out[n++] = (char)ward_lower((unsigned char)c);
    }
    out[n] = 0;
}

/* t + d without overflow (times come from untrusted input) */
static ward_time_t sat_add(ward_time_t t, ward_time_t d)
{
    if (d > 0 && t > INT64_MAX - d) return INT64_MAX;
    if (d < 0 && t < INT64_MIN + 1 - d) return INT64_MIN + 1;
    return t + d;
}

static int json_str_array(struct ward_buf *b, const char *const *v, size_t n)
{
    struct ward_jw w;
    ward_buf_reset(b);
    ward_jw_init(&w, b);
    ward_jw_arr(&w);
    for (size_t i = 0; i < n; i++)
        if (v[i]) ward_jw_str(&w, v[i]);
    ward_jw_end(&w);
    return ward_jw_error(&w);
}

static int json_techniques(struct ward_buf *b, const struct ward_alert *a)
{
    struct ward_jw w;
    ward_buf_reset(b);
    ward_jw_init(&w, b);
    ward_jw_arr(&w);
    for (size_t i = 0; i < a->attack.ntechniques; i++) {
        const struct ward_alert_technique *t = &a->attack.techniques[i];
        if (!t->id) continue;
        ward_jw_obj(&w);
        ward_jw_key(&w, "id");
        ward_jw_str(&w, t->id);
        if (t->name) {
            ward_jw_key(&w, "name");
            ward_jw_str(&w, t->name);
        }
        ward_jw_end(&w);
    }
    ward_jw_end(&w);
    return ward_jw_error(&w);
}

/* repeats counted per alert row in this batch, journaled once at the end */
struct repeat {
    int64_t alert, incident;
    int64_t n;
};

static int add_repeat(struct repeat **v, size_t *n, size_t *cap, int64_t alert, int64_t inc)
{
    for (size_t i = *n; i > 0; i--)
        if ((*v)[i - 1].alert == alert) {
            (*v)[i - 1].n++;
            return 0;
        }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        struct repeat *nv = realloc(*v, nc * sizeof *nv);
        if (!nv) return WARD_ENOMEM;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (struct repeat){alert, inc, 1};
    return 0;
}

/* A correlation alert's event is {"correlation": {...}} (docs/hunt.md): the inner object,
 * else NULL. */
static const char *corr_object(const struct ward_alert *a, size_t *len)
{
    static const char head[] = "{\"correlation\":";
    if (!a->event_json) return NULL;
    size_t n = a->event_json_len ? a->event_json_len : strlen(a->event_json);
    if (n < sizeof head || memcmp(a->event_json, head, sizeof head - 1) != 0) return NULL;
    while (n > sizeof head - 1 && (a->event_json[n - 1] == ' ' || a->event_json[n - 1] == '\n' ||
                                   a->event_json[n - 1] == '\r' || a->event_json[n - 1] == '\t'))
        n--;
    if (n <= sizeof head || a->event_json[n - 1] != '}') return NULL;
    *len = n - sizeof head; /* without the head and the closing brace */
    return a->event_json + sizeof head - 1;
}

/* Records one firing of a correlation alert on its row (once: the same burst recorded again,
 * as when the same evidence is hunted twice into the store, is kept once). */
static int add_burst(struct ward_store *st, int64_t alert_id, ward_time_t ts,
                     const struct ward_alert *a, struct ward_err *err)
{
    size_t len;
    const char *obj = corr_object(a, &len);
    if (!obj) return 0;
    if (len > INT32_MAX) return ward_err_set(err, WARD_ELIMIT, "correlation too large to store");
    sqlite3_stmt *s = st_prep(st, sql_burst_has, err);
    if (!s) return WARD_EIO;
    sqlite3_bind_int64(s, 1, alert_id);
    sqlite3_bind_int64(s, 2, ts);
    sqlite3_bind_text(s, 3, obj, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) return 0;
    if (rc != SQLITE_DONE) return st_dberr(st, err, "cannot look for a burst");
    if (!(s = st_prep(st, sql_burst_ins, err))) return WARD_EIO;
    sqlite3_bind_int64(s, 1, alert_id);
    sqlite3_bind_int64(s, 2, ts);
    sqlite3_bind_text(s, 3, obj, (int)len, SQLITE_STATIC);
    return st_step_done(st, s, err, "cannot record a burst");
}

static void incident_title(const struct ward_alert *a, char *out, size_t outsz)
{
    const char *who = NULL;
    for (size_t i = 0; i < a->nentities && !who; i++)
        if (a->entities[i].kind == WARD_ENT_USER) {
            char k[300];
            if (ward_entity_group_key(&a->entities[i], NULL, k, sizeof k) == 0)
                who = a->entities[i].value;
        }
    if (a->host && who)
        snprintf(out, outsz, "%s on %s (%s)", a->rule.title, a->host, who);
    else if (a->host)
        snprintf(out, outsz, "%s on %s", a->rule.title, a->host);
    else if (who)
        snprintf(out, outsz, "%s (%s)", a->rule.title, who);
    else
        snprintf(out, outsz, "%s", a->rule.title);
}

static int one_alert(struct ward_store *st, const struct ward_alert *a,
                     const struct ward_group_opts *o, struct ward_store_stats *stats,
                     struct repeat **reps, size_t *nreps, size_t *capreps, struct ward_buf *tmp,
                     struct ward_err *err)
{
    int r = 0;
    sqlite3_stmt *s;
    ward_time_t now = ward_store_now(st);
    ward_time_t ts = a->ts == WARD_TIME_NONE ? now : a->ts;
    int level = a->rule.level < 0 ? 0 : a->rule.level > 4 ? 4 : a->rule.level;
    char(*keys)[300] = NULL;
    unsigned char shared[MAX_KEYS + 1] = {0};
    char *tags = NULL, *tactics = NULL, *techs = NULL, *detail = NULL;

    /* the grouping keys of its entities (and the host the event is from) */
    keys = malloc(sizeof(*keys) * (MAX_KEYS + 1));
    if (!keys) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    size_t nk = 0;
    if (a->host) {
        struct ward_entity he = {WARD_ENT_HOST, a->host};
        if (ward_entity_group_key(&he, o, keys[nk], sizeof keys[nk]) == 0) nk++;
    }
    for (size_t i = 0; i < a->nentities && nk < MAX_KEYS; i++) {
        if (ward_entity_group_key(&a->entities[i], o, keys[nk], sizeof keys[nk])) continue;
        int dup = 0;
        for (size_t j = 0; j < nk && !dup; j++) dup = strcmp(keys[j], keys[nk]) == 0;
        if (!dup) nk++;
    }

    /* a repeat of the same rule on the same entities? */
    char dkey[65];
    ward_alert_dedup_key(a, dkey);
    PREP(s, sql_dedup);
    st_bind_text(s, 1, dkey);
    sqlite3_bind_int64(s, 2, sat_add(ts, -o->dedup_window));
    sqlite3_bind_int64(s, 3, sat_add(ts, o->dedup_window));
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int64_t alert_id = sqlite3_column_int64(s, 0);
        int64_t inc = sqlite3_column_int64(s, 1);
        sqlite3_reset(s);
        PREP(s, sql_repeat);
        sqlite3_bind_int64(s, 1, alert_id);
        sqlite3_bind_int64(s, 2, ts);
        if ((r = st_step_done(st, s, err, "cannot count the repeat"))) goto out;
        if ((r = add_burst(st, alert_id, ts, a, err))) goto out;
        PREP(s, sql_inc_roll);
        sqlite3_bind_int64(s, 1, inc);
        sqlite3_bind_int(s, 2, level);
        sqlite3_bind_int64(s, 3, ts);
        sqlite3_bind_int(s, 4, 0);
        sqlite3_bind_int64(s, 5, now);
        if ((r = st_step_done(st, s, err, "cannot update the incident"))) goto out;
        for (size_t i = 0; i < nk; i++) {
            PREP(s, sql_entity_seen);
            sqlite3_bind_int64(s, 1, inc);
            st_bind_text(s, 2, keys[i]);
            sqlite3_bind_int64(s, 3, ts);
            if ((r = st_step_done(st, s, err, "cannot update an entity"))) goto out;
        }
        if ((r = add_repeat(reps, nreps, capreps, alert_id, inc))) goto out;
        stats->alerts_repeated++;
        goto out;
    }
    if (rc != SQLITE_DONE) FAIL_DB("cannot look for a repeat");
    sqlite3_reset(s);

    /* the open incident that shares the most entities within the window */
    int64_t best = 0;
    int best_hits = 0;
    int64_t cand[MAX_KEYS * 4];
    int hits[MAX_KEYS * 4];
    size_t ncand = 0;
    for (size_t i = 0; i < nk; i++) {
        PREP(s, sql_group);
        st_bind_text(s, 1, keys[i]);
        sqlite3_bind_int64(s, 2, sat_add(ts, -o->group_window));
        sqlite3_bind_int64(s, 3, sat_add(ts, o->group_window));
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            int64_t inc = sqlite3_column_int64(s, 0);
            size_t j = 0;
            while (j < ncand && cand[j] != inc) j++;
            if (j == ncand) {
                if (ncand == sizeof cand / sizeof cand[0]) continue;
                cand[ncand] = inc;
                hits[ncand++] = 0;
            }
            hits[j]++;
        }
        if (rc != SQLITE_DONE) FAIL_DB("cannot look for an incident to join");
        sqlite3_reset(s);
    }
    for (size_t j = 0; j < ncand; j++)
        if (hits[j] > best_hits || (hits[j] == best_hits && cand[j] < best)) {
            best = cand[j];
            best_hits = hits[j];
        }

    struct ward_jw w;
    int64_t inc = best;
    int old_sev = -1;
    if (!inc) {
        char title[512];
        incident_title(a, title, sizeof title);
        PREP(s, sql_new_inc);
        st_bind_text(s, 1, title);
        sqlite3_bind_int(s, 2, level);
        sqlite3_bind_int64(s, 3, ts);
        sqlite3_bind_int64(s, 4, now);
        if ((r = st_step_done(st, s, err, "cannot open an incident"))) goto out;
        inc = sqlite3_last_insert_rowid(st->db);
        stats->incidents_new++;
        ward_buf_reset(tmp);
        ward_jw_init(&w, tmp);
        ward_jw_obj(&w);
        ward_jw_key(&w, "title");
        ward_jw_str(&w, title);
        ward_jw_key(&w, "severity");
        ward_jw_str(&w, ward_level_name(level));
        ward_jw_key(&w, "status");
        ward_jw_str(&w, "new");
        ward_jw_end(&w);
        if (ward_jw_error(&w)) {
            r = ward_err_set(err, WARD_ENOMEM, "out of memory");
            goto out;
        }
        if ((r = st_journal(st, inc, "incident.open", tmp->data, err))) goto out;
    } else {
        stats->incidents_joined++;
        PREP(s, sql_inc_sev);
        sqlite3_bind_int64(s, 1, inc);
        if (sqlite3_step(s) == SQLITE_ROW) old_sev = sqlite3_column_int(s, 0);
        sqlite3_reset(s);
    }

    /* the alert row */
    if (json_str_array(tmp, a->rule.tags, a->rule.ntags) || !(tags = ward_buf_take(tmp)) ||
        json_str_array(tmp, a->attack.tactics, a->attack.ntactics) ||
        !(tactics = ward_buf_take(tmp)) || json_techniques(tmp, a) ||
        !(techs = ward_buf_take(tmp))) {
        r = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto out;
    }
    PREP(s, sql_alert_ins);
    sqlite3_bind_int64(s, 1, inc);
    st_bind_text(s, 2, a->rule.id);
    st_bind_text(s, 3, a->rule.title);
    sqlite3_bind_int(s, 4, level);
    st_bind_text(s, 5, a->host);
    st_bind_text(s, 6, dkey);
    sqlite3_bind_int64(s, 7, ts);
    st_bind_text(s, 8, a->source.path);
    if (a->source.record)
        sqlite3_bind_int64(s, 9, (sqlite3_int64)a->source.record);
    else
        sqlite3_bind_null(s, 9);
    st_bind_text(s, 10, tags);
    st_bind_text(s, 11, tactics);
    st_bind_text(s, 12, techs);
    if (a->event_json)
        sqlite3_bind_text(s, 13, a->event_json,
                          (int)(a->event_json_len ? a->event_json_len : strlen(a->event_json)),
                          SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 14, now);
    if ((r = st_step_done(st, s, err, "cannot store the alert"))) goto out;
    int64_t alert_id = sqlite3_last_insert_rowid(st->db);
    stats->alerts_new++;
    if ((r = add_burst(st, alert_id, ts, a, err))) goto out;

    PREP(s, sql_inc_roll);
    sqlite3_bind_int64(s, 1, inc);
    sqlite3_bind_int(s, 2, level);
    sqlite3_bind_int64(s, 3, ts);
    sqlite3_bind_int(s, 4, 1);
    sqlite3_bind_int64(s, 5, now);
    if ((r = st_step_done(st, s, err, "cannot update the incident"))) goto out;

    for (size_t i = 0; i < a->attack.ntactics; i++) {
        if (!a->attack.tactics[i]) continue;
        char tac[128];
        tactic_shortname(a->attack.tactics[i], tac, sizeof tac);
        if (!tac[0]) continue;
        PREP(s, sql_attack);
        sqlite3_bind_int64(s, 1, inc);
        st_bind_text(s, 2, "tactic");
        st_bind_text(s, 3, tac);
        sqlite3_bind_null(s, 4);
        if ((r = st_step_done(st, s, err, "cannot record a tactic"))) goto out;
    }
    for (size_t i = 0; i < a->attack.ntechniques; i++) {
        const struct ward_alert_technique *t = &a->attack.techniques[i];
        if (!t->id) continue;
        PREP(s, sql_attack);
        sqlite3_bind_int64(s, 1, inc);
        st_bind_text(s, 2, "technique");
        st_bind_text(s, 3, t->id);
        st_bind_text(s, 4, t->name);
        if ((r = st_step_done(st, s, err, "cannot record a technique"))) goto out;
    }
    for (size_t i = 0; i < nk; i++) {
        if (best) {
            /* which keys it shares with the incident it joins (for the journal) */
            PREP(s, sql_has_entity);
            sqlite3_bind_int64(s, 1, inc);
            st_bind_text(s, 2, keys[i]);
            sqlite3_bind_int64(s, 3, sat_add(ts, -o->group_window));
            sqlite3_bind_int64(s, 4, sat_add(ts, o->group_window));
            shared[i] = sqlite3_step(s) == SQLITE_ROW;
            sqlite3_reset(s);
        }
        PREP(s, sql_entity);
        sqlite3_bind_int64(s, 1, inc);
        st_bind_text(s, 2, keys[i]);
        sqlite3_bind_int64(s, 3, ts);
        if ((r = st_step_done(st, s, err, "cannot record an entity"))) goto out;
    }
    /* observables from every entity that has an observable type and a valid value */
    int64_t obs_new = 0;
    for (size_t i = 0; i <= a->nentities; i++) {
        struct ward_entity he = {WARD_ENT_HOST, a->host};
        const struct ward_entity *e = i < a->nentities ? &a->entities[i] : &he;
        if (!e->value) continue;
        const char *type = ward_entity_observable_type(e->kind);
        char norm[4100];
        if (!type || ward_observable_normalize(type, e->value, norm, sizeof norm, NULL)) continue;
        PREP(s, sql_obs_ins);
        sqlite3_bind_int64(s, 1, inc);
        st_bind_text(s, 2, type);
        st_bind_text(s, 3, norm);
        sqlite3_bind_int64(s, 4, ts);
        if ((r = st_step_done(st, s, err, "cannot record an observable"))) goto out;
        if (sqlite3_changes(st->db) > 0) {
            obs_new++;
            continue;
        }
        PREP(s, sql_obs_seen);
        sqlite3_bind_int64(s, 1, inc);
        st_bind_text(s, 2, type);
        st_bind_text(s, 3, norm);
        sqlite3_bind_int64(s, 4, ts);
        if ((r = st_step_done(st, s, err, "cannot update an observable"))) goto out;
    }
    stats->observables_new += (uint64_t)obs_new;

    /* the journal: the alert joined the incident (and the severity it raised) */
    ward_buf_reset(tmp);
    ward_jw_init(&w, tmp);
    ward_jw_obj(&w);
    ward_jw_key(&w, "alert");
    ward_jw_int(&w, alert_id);
    ward_jw_key(&w, "rule");
    ward_jw_str(&w, a->rule.id);
    ward_jw_key(&w, "title");
    ward_jw_str(&w, a->rule.title);
    ward_jw_key(&w, "level");
    ward_jw_str(&w, ward_level_name(level));
    char tsb[48];
    ward_time_format(ts, 3, tsb, sizeof tsb);
    ward_jw_key(&w, "time");
    ward_jw_str(&w, tsb);
    if (best) {
        ward_jw_key(&w, "shared");
        ward_jw_arr(&w);
        for (size_t i = 0; i < nk; i++)
            if (shared[i]) ward_jw_str(&w, keys[i]);
        ward_jw_end(&w);
    }
    if (ncand > 1) {
        /* other open incidents it shares entities with: candidates for a merge */
        ward_jw_key(&w, "related");
        ward_jw_arr(&w);
        for (size_t j = 0; j < ncand; j++)
            if (cand[j] != inc) ward_jw_int(&w, cand[j]);
        ward_jw_end(&w);
    }
    if (obs_new) {
        ward_jw_key(&w, "observables_new");
        ward_jw_int(&w, obs_new);
    }
    if (old_sev >= 0 && level > old_sev) {
        ward_jw_key(&w, "severity");
        ward_jw_str(&w, ward_level_name(level));
        ward_jw_key(&w, "severity_was");
        ward_jw_str(&w, ward_level_name(old_sev));
    }
    ward_jw_end(&w);
    if (ward_jw_error(&w)) {
        r = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto out;
    }
    if ((r = st_journal(st, inc, "alert.add", tmp->data, err))) goto out;
out:
    free(keys);
    free(tags);
    free(tactics);
    free(techs);
    free(detail);
    return r;
}

int ward_store_add_alerts(struct ward_store *st, const struct ward_alert *alerts, size_t n,
                          const struct ward_group_opts *opts, struct ward_store_stats *stats_out,
                          struct ward_err *err)
{
    struct ward_group_opts o;
    if (opts)
        o = *opts;
    else
        ward_group_opts_default(&o);
    struct ward_store_stats stats = {0};
    struct repeat *reps = NULL;
    size_t nreps = 0, capreps = 0;
    struct ward_buf tmp;
    ward_buf_init(&tmp, 0);
    int r = st_begin(st, err);
    if (r) goto done;
    for (size_t i = 0; i < n; i++) {
        const struct ward_alert *a = &alerts[i];
        stats.alerts++;
        if (!a->rule.id || !*a->rule.id || !a->rule.title || !*a->rule.title) {
            ward_warn("alert %zu of the batch has no rule id or title: skipped", i + 1);
            stats.alerts_rejected++;
            continue;
        }
        if ((r = one_alert(st, a, &o, &stats, &reps, &nreps, &capreps, &tmp, err))) break;
    }
    for (size_t i = 0; !r && i < nreps; i++) {
        char d[128];
        snprintf(d, sizeof d, "{\"alert\":%lld,\"repeats\":%lld}", (long long)reps[i].alert,
                 (long long)reps[i].n);
        r = st_journal(st, reps[i].incident, "alert.repeat", d, err);
    }
    if (r) {
        st_rollback(st);
    } else if (!(r = st_commit(st, err))) {
        /* leave a gap before this process's next batch, so that other writers waiting
         * for the lock get their turn (see the busy handler in store.c) */
        struct timespec ts = {0, 2000000L};
        nanosleep(&ts, NULL);
    }
done:
    free(reps);
    ward_buf_free(&tmp);
    if (!r && stats_out) {
        stats_out->alerts += stats.alerts;
        stats_out->alerts_new += stats.alerts_new;
        stats_out->alerts_repeated += stats.alerts_repeated;
        stats_out->alerts_rejected += stats.alerts_rejected;
        stats_out->incidents_new += stats.incidents_new;
        stats_out->incidents_joined += stats.incidents_joined;
        stats_out->observables_new += stats.observables_new;
    }
    return r;
}
