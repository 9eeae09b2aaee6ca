/*
 * query.c - reading back: an incident with all its records (show, timeline, reports), the
 * incident list with filters, and the metrics (counts, MTTD, MTTA, MTTC, MTTR). Reads run
 * in one read transaction each, so they see one consistent snapshot.
 */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static const char *dup_col(struct ward_arena *a, sqlite3_stmt *s, int col, int *oom)
{
    const char *v = (const char *)sqlite3_column_text(s, col);
    if (!v) return NULL;
    char *d = ward_arena_strdup(a, v);
    if (!d) *oom = 1;
    return d;
}

static ward_time_t time_col(sqlite3_stmt *s, int col)
{
    return sqlite3_column_type(s, col) == SQLITE_NULL ? WARD_TIME_NONE
                                                      : sqlite3_column_int64(s, col);
}

/* Runs a query bound with one integer and grows an array of `size`-byte rows through fill. */
typedef int (*fill_fn)(struct ward_arena *a, sqlite3_stmt *s, void *row);

static int load_rows(struct ward_store *st, const char *sql, int64_t id, struct ward_arena *a,
                     size_t size, fill_fn fill, void **out, size_t *n, struct ward_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = st_prep(st, sql, err);
    if (!s) return WARD_EIO;
    sqlite3_bind_int64(s, 1, id);
    char *rows = NULL;
    size_t cnt = 0, cap = 0;
    int rc, r = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char *nr = ward_arena_alloc(a, nc * size);
            if (!nr) {
                r = ward_err_set(err, WARD_ENOMEM, "out of memory");
                break;
            }
            if (cnt) memcpy(nr, rows, cnt * size);
            rows = nr;
            cap = nc;
        }
        memset(rows + cnt * size, 0, size);
        if (fill(a, s, rows + cnt * size)) {
            r = ward_err_set(err, WARD_ENOMEM, "out of memory");
            break;
        }
        cnt++;
    }
    if (!r && rc != SQLITE_DONE) r = st_dberr(st, err, "cannot read the case");
    sqlite3_reset(s);
    if (r) return r;
    *out = rows;
    *n = cnt;
    return 0;
}

/* tactics in the ATT&CK (kill chain) order, unknown names last */
#define TACTIC_ORDER                                                                               \
    " instr(',reconnaissance,resource-development,initial-access,execution,persistence,"           \
    "privilege-escalation,defense-evasion,credential-access,discovery,lateral-movement,"           \
    "collection,command-and-control,exfiltration,impact,', ',' || attack_id || ',') = 0,"          \
    " instr(',reconnaissance,resource-development,initial-access,execution,persistence,"           \
    "privilege-escalation,defense-evasion,credential-access,discovery,lateral-movement,"           \
    "collection,command-and-control,exfiltration,impact,', ',' || attack_id || ','), attack_id"

#define INC_COLS                                                                                   \
    "i.id, i.title, i.status, i.severity, i.assignee, i.first_seen, i.last_seen, i.created_at,"    \
    " i.updated_at, i.acked_at, i.contained_at, i.closed_at, i.alert_count, i.event_count,"        \
    " i.resolution, i.root_cause, i.lessons, i.merged_into,"                                       \
    " (SELECT group_concat(attack_id, ',') FROM (SELECT attack_id FROM incident_attack"            \
    " WHERE incident_id = i.id AND kind = 'tactic' ORDER BY" TACTIC_ORDER ")),"                    \
    " (SELECT group_concat(attack_id, ',') FROM (SELECT attack_id FROM incident_attack"            \
    " WHERE incident_id = i.id AND kind = 'technique' ORDER BY attack_id))"

static int fill_incident(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_incident *x = row;
    int oom = 0;
    x->id = sqlite3_column_int64(s, 0);
    x->title = dup_col(a, s, 1, &oom);
    x->status = ward_status_parse((const char *)sqlite3_column_text(s, 2));
    x->severity = sqlite3_column_int(s, 3);
    x->assignee = dup_col(a, s, 4, &oom);
    x->first_seen = time_col(s, 5);
    x->last_seen = time_col(s, 6);
    x->created_at = time_col(s, 7);
    x->updated_at = time_col(s, 8);
    x->acked_at = time_col(s, 9);
    x->contained_at = time_col(s, 10);
    x->closed_at = time_col(s, 11);
    x->alert_count = sqlite3_column_int64(s, 12);
    x->event_count = sqlite3_column_int64(s, 13);
    x->resolution = dup_col(a, s, 14, &oom);
    x->root_cause = dup_col(a, s, 15, &oom);
    x->lessons = dup_col(a, s, 16, &oom);
    x->merged_into = sqlite3_column_int64(s, 17);
    x->tactics = dup_col(a, s, 18, &oom);
    x->techniques = dup_col(a, s, 19, &oom);
    if (!x->tactics) x->tactics = "";
    if (!x->techniques) x->techniques = "";
    return oom;
}

static int fill_alert(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_alert *x = row;
    int oom = 0;
    x->id = sqlite3_column_int64(s, 0);
    x->rule_id = dup_col(a, s, 1, &oom);
    x->rule_title = dup_col(a, s, 2, &oom);
    x->level = sqlite3_column_int(s, 3);
    x->host = dup_col(a, s, 4, &oom);
    x->first_seen = time_col(s, 5);
    x->last_seen = time_col(s, 6);
    x->count = sqlite3_column_int64(s, 7);
    x->source_path = dup_col(a, s, 8, &oom);
    x->source_record = (uint64_t)sqlite3_column_int64(s, 9);
    x->tags = dup_col(a, s, 10, &oom);
    x->tactics = dup_col(a, s, 11, &oom);
    x->techniques = dup_col(a, s, 12, &oom);
    x->event_json = dup_col(a, s, 13, &oom);
    return oom;
}

static int fill_burst(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_burst *x = row;
    int oom = 0;
    x->alert_id = sqlite3_column_int64(s, 0);
    x->ts = time_col(s, 1);
    x->correlation = dup_col(a, s, 2, &oom);
    if (!x->correlation) x->correlation = "{}";
    return oom;
}

static int fill_technique(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_technique *x = row;
    int oom = 0;
    x->id = dup_col(a, s, 0, &oom);
    x->name = dup_col(a, s, 1, &oom);
    x->alerts = sqlite3_column_int64(s, 2);
    return oom;
}

static int fill_tactic(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    const char **x = row;
    int oom = 0;
    *x = dup_col(a, s, 0, &oom);
    return oom;
}

static int fill_entity(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_entity *x = row;
    int oom = 0;
    const char *key = (const char *)sqlite3_column_text(s, 0);
    const char *colon = key ? strchr(key, ':') : NULL;
    if (colon) {
        x->kind = ward_arena_strndup(a, key, (size_t)(colon - key));
        x->value = ward_arena_strdup(a, colon + 1);
        if (!x->kind || !x->value) oom = 1;
    } else {
        x->kind = "";
        x->value = dup_col(a, s, 0, &oom);
    }
    x->first_seen = time_col(s, 1);
    x->last_seen = time_col(s, 2);
    x->alerts = sqlite3_column_int64(s, 3);
    return oom;
}

static int fill_observable(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_observable *x = row;
    int oom = 0;
    x->id = sqlite3_column_int64(s, 0);
    x->type = dup_col(a, s, 1, &oom);
    x->value = dup_col(a, s, 2, &oom);
    x->source = dup_col(a, s, 3, &oom);
    x->note = dup_col(a, s, 4, &oom);
    x->first_seen = time_col(s, 5);
    x->sightings = sqlite3_column_int64(s, 6);
    return oom;
}

static int fill_note(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_note *x = row;
    int oom = 0;
    x->id = sqlite3_column_int64(s, 0);
    x->ts = time_col(s, 1);
    x->author = dup_col(a, s, 2, &oom);
    x->text = dup_col(a, s, 3, &oom);
    return oom;
}

static int fill_task(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_task *x = row;
    int oom = 0;
    x->id = sqlite3_column_int64(s, 0);
    x->title = dup_col(a, s, 1, &oom);
    x->state = dup_col(a, s, 2, &oom);
    x->assignee = dup_col(a, s, 3, &oom);
    x->created_by = dup_col(a, s, 4, &oom);
    x->created_at = time_col(s, 5);
    x->updated_at = time_col(s, 6);
    return oom;
}

static int fill_evidence(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_evidence *x = row;
    int oom = 0;
    x->id = sqlite3_column_int64(s, 0);
    x->path = dup_col(a, s, 1, &oom);
    x->size = (uint64_t)sqlite3_column_int64(s, 2);
    x->sha256 = dup_col(a, s, 3, &oom);
    x->added_by = dup_col(a, s, 4, &oom);
    x->added_at = time_col(s, 5);
    x->reason = dup_col(a, s, 6, &oom);
    x->abs_path = dup_col(a, s, 7, &oom);
    return oom;
}

static int fill_custody(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_custody *x = row;
    int oom = 0;
    x->evidence_id = sqlite3_column_int64(s, 0);
    x->ts = time_col(s, 1);
    x->actor = dup_col(a, s, 2, &oom);
    x->action = dup_col(a, s, 3, &oom);
    x->reason = dup_col(a, s, 4, &oom);
    x->sha256 = dup_col(a, s, 5, &oom);
    return oom;
}

static int fill_journal(struct ward_arena *a, sqlite3_stmt *s, void *row)
{
    struct ward_case_journal *x = row;
    int oom = 0;
    x->seq = sqlite3_column_int64(s, 0);
    x->ts = time_col(s, 1);
    x->actor = dup_col(a, s, 2, &oom);
    x->action = dup_col(a, s, 3, &oom);
    x->detail = dup_col(a, s, 4, &oom);
    return oom;
}

static const char sql_case_inc[] = "SELECT " INC_COLS " FROM incidents i WHERE i.id = ?1";
static const char sql_case_alerts[] =
    "SELECT id, rule_id, rule_title, level, host, first_seen, last_seen, count, source_path,"
    " source_record, tags, tactics, techniques, event_json FROM alerts WHERE incident_id = ?1"
    " ORDER BY first_seen, id";
static const char sql_case_alerts_noev[] =
    "SELECT id, rule_id, rule_title, level, host, first_seen, last_seen, count, source_path,"
    " source_record, tags, tactics, techniques,"
    " CASE WHEN substr(event_json, 1, 15) = '{\"correlation\":' THEN event_json END"
    " FROM alerts WHERE incident_id = ?1"
    " ORDER BY first_seen, id";
static const char sql_case_bursts[] =
    "SELECT b.alert_id, b.ts, b.correlation FROM alert_bursts b JOIN alerts a ON a.id = b.alert_id"
    " WHERE a.incident_id = ?1 ORDER BY b.alert_id, b.ts, b.id";
static const char sql_case_tech[] =
    "SELECT attack_id, name, alerts FROM incident_attack WHERE incident_id = ?1"
    " AND kind = 'technique' ORDER BY attack_id";
static const char sql_case_tactics[] =
    "SELECT attack_id FROM incident_attack WHERE incident_id = ?1 AND kind = 'tactic'"
    " ORDER BY" TACTIC_ORDER;
static const char sql_case_entities[] =
    "SELECT key, first_seen, last_seen, alerts FROM entities WHERE incident_id = ?1"
    " ORDER BY alerts DESC, key";
static const char sql_case_obs[] =
    "SELECT id, type, value, source, note, first_seen, sightings FROM observables"
    " WHERE incident_id = ?1 ORDER BY type, value";
static const char sql_case_notes[] =
    "SELECT id, ts, author, text FROM notes WHERE incident_id = ?1 ORDER BY ts, id";
static const char sql_case_tasks[] =
    "SELECT id, title, state, assignee, created_by, created_at, updated_at FROM tasks"
    " WHERE incident_id = ?1 ORDER BY id";
static const char sql_case_evidence[] =
    "SELECT id, path, size, sha256, added_by, added_at, reason, abs_path FROM evidence"
    " WHERE incident_id = ?1 ORDER BY id";
static const char sql_case_custody[] =
    "SELECT c.evidence_id, c.ts, c.actor, c.action, c.reason, c.sha256 FROM custody c"
    " JOIN evidence e ON e.id = c.evidence_id WHERE e.incident_id = ?1 ORDER BY c.id";
static const char sql_case_journal[] =
    "SELECT seq, ts, actor, action, detail FROM journal WHERE incident_id = ?1 ORDER BY seq";

int ward_store_load_case(struct ward_store *st, int64_t incident, int with_events,
                         struct ward_case **out, struct ward_err *err)
{
    *out = NULL;
    struct ward_case *c = calloc(1, sizeof *c);
    if (!c) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    ward_arena_init(&c->arena, 65536, 0);
    sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    void *rows;
    size_t n;
    int r = load_rows(st, sql_case_inc, incident, &c->arena, sizeof c->inc, fill_incident, &rows,
                      &n, err);
    if (!r && n == 0)
        r = ward_err_set(err, WARD_ENOTFOUND, "no incident INC-%04lld", (long long)incident);
    if (!r) c->inc = *(struct ward_incident *)rows;
#define LOAD(sql, arr, cnt, fn)                                                                    \
    if (!r) {                                                                                      \
        r = load_rows(st, sql, incident, &c->arena, sizeof *(arr), fn, &rows, &n, err);            \
        (arr) = rows;                                                                              \
        (cnt) = n;                                                                                 \
    }
    LOAD(with_events ? sql_case_alerts : sql_case_alerts_noev, c->alerts, c->nalerts, fill_alert)
    LOAD(sql_case_bursts, c->bursts, c->nbursts, fill_burst)
    LOAD(sql_case_tech, c->techniques, c->ntechniques, fill_technique)
    LOAD(sql_case_tactics, c->tactics, c->ntactics, fill_tactic)
    LOAD(sql_case_entities, c->entities, c->nentities, fill_entity)
    LOAD(sql_case_obs, c->observables, c->nobservables, fill_observable)
    LOAD(sql_case_notes, c->notes, c->nnotes, fill_note)
    LOAD(sql_case_tasks, c->tasks, c->ntasks, fill_task)
    LOAD(sql_case_evidence, c->evidence, c->nevidence, fill_evidence)
    LOAD(sql_case_custody, c->custody, c->ncustody, fill_custody)
    LOAD(sql_case_journal, c->journal, c->njournal, fill_journal)
#undef LOAD
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (r) {
        ward_case_free(c);
        return r;
    }
    *out = c;
    return 0;
}

size_t ward_case_alert_bursts(const struct ward_case *c, int64_t alert_id,
                              const struct ward_case_burst **first)
{
    /* the bursts are ordered by alert id: the first of alert_id's, then its run */
    size_t lo = 0, hi = c->nbursts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->bursts[mid].alert_id < alert_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    while (lo + n < c->nbursts && c->bursts[lo + n].alert_id == alert_id) n++;
    *first = n ? &c->bursts[lo] : NULL;
    return n;
}

void ward_case_free(struct ward_case *c)
{
    if (!c) return;
    ward_arena_free(&c->arena);
    free(c);
}

/* ---- list ---------------------------------------------------------------------------------- */

void ward_incident_filter_default(struct ward_incident_filter *f)
{
    memset(f, 0, sizeof *f);
    f->status = -1;
    f->min_severity = -1;
    f->since = f->until = WARD_TIME_NONE;
}

static const char sql_list[] =
    "SELECT " INC_COLS " FROM incidents i WHERE (?1 IS NULL OR i.status = ?1)"
    " AND (?2 = 0 OR i.status != 'closed') AND i.severity >= ?3"
    " AND (?4 IS NULL OR i.assignee = ?4) AND (?5 IS NULL OR i.created_at >= ?5)"
    " AND (?6 IS NULL OR i.created_at < ?6) AND (?7 = 1 OR i.merged_into IS NULL)"
    " ORDER BY i.id LIMIT ?8";

int ward_store_list(struct ward_store *st, const struct ward_incident_filter *f,
                    struct ward_incident_list **out, struct ward_err *err)
{
    *out = NULL;
    struct ward_incident_list *l = calloc(1, sizeof *l);
    if (!l) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    ward_arena_init(&l->arena, 65536, 0);
    sqlite3_stmt *s = st_prep(st, sql_list, err);
    if (!s) {
        ward_incident_list_free(l);
        return WARD_EIO;
    }
    if (f->status >= 0 && f->status < WARD_ST__COUNT)
        st_bind_text(s, 1, ward_status_name(f->status));
    else
        sqlite3_bind_null(s, 1);
    sqlite3_bind_int(s, 2, f->status == WARD_ST__COUNT);
    sqlite3_bind_int(s, 3, f->min_severity < 0 ? 0 : f->min_severity);
    st_bind_text(s, 4, f->assignee);
    if (f->since != WARD_TIME_NONE) sqlite3_bind_int64(s, 5, f->since);
    if (f->until != WARD_TIME_NONE) sqlite3_bind_int64(s, 6, f->until);
    sqlite3_bind_int(s, 7, f->include_merged ? 1 : 0);
    sqlite3_bind_int64(s, 8, f->limit ? (sqlite3_int64)f->limit : -1);
    size_t cap = 0;
    int rc, r = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (l->n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            struct ward_incident *ni = realloc(l->items, nc * sizeof *ni);
            if (!ni) {
                r = ward_err_set(err, WARD_ENOMEM, "out of memory");
                break;
            }
            l->items = ni;
            cap = nc;
        }
        memset(&l->items[l->n], 0, sizeof l->items[0]);
        if (fill_incident(&l->arena, s, &l->items[l->n])) {
            r = ward_err_set(err, WARD_ENOMEM, "out of memory");
            break;
        }
        l->n++;
    }
    if (!r && rc != SQLITE_DONE) r = st_dberr(st, err, "cannot list the incidents");
    sqlite3_reset(s);
    if (r) {
        ward_incident_list_free(l);
        return r;
    }
    *out = l;
    return 0;
}

void ward_incident_list_free(struct ward_incident_list *l)
{
    if (!l) return;
    free(l->items);
    ward_arena_free(&l->arena);
    free(l);
}

/* ---- observables across incidents ------------------------------------------------------ */

static const char sql_obs_search[] =
    "SELECT o.incident_id, i.title, i.status, o.type, o.value, o.source, o.sightings,"
    " o.first_seen FROM observables o JOIN incidents i ON i.id = o.incident_id"
    " WHERE o.type = ?1 AND o.value = ?2 ORDER BY o.incident_id";

int ward_store_find_observable(struct ward_store *st, const char *type, const char *value,
                               struct ward_observable_hits **out, struct ward_err *err)
{
    static const char *const types[] = {"ip", "domain", "url", "hash", "user", "host", "file"};
    *out = NULL;
    if (type && !ward_observable_type_ok(type))
        return ward_err_set(err, WARD_EINVAL, "unknown observable type '%s' (one of: %s)", type,
                            WARD_OBS_TYPES);
    struct ward_observable_hits *h = calloc(1, sizeof *h);
    if (!h) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    ward_arena_init(&h->arena, 4096, 0);
    size_t cap = 0;
    int r = 0, tried = 0;
    sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    for (size_t t = 0; t < sizeof types / sizeof types[0] && !r; t++) {
        if (type && strcmp(type, types[t]) != 0) continue;
        char norm[4100];
        struct ward_err e2;
        if (ward_observable_normalize(types[t], value, norm, sizeof norm, &e2)) {
            if (type) r = ward_err_set(err, e2.code, "%s", e2.msg);
            continue;
        }
        tried++;
        sqlite3_stmt *s = st_prep(st, sql_obs_search, err);
        if (!s) {
            r = WARD_EIO;
            break;
        }
        st_bind_text(s, 1, types[t]);
        st_bind_text(s, 2, norm);
        int rc;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (h->n == cap) {
                size_t nc = cap ? cap * 2 : 16;
                struct ward_observable_hit *nv = realloc(h->items, nc * sizeof *nv);
                if (!nv) {
                    r = ward_err_set(err, WARD_ENOMEM, "out of memory");
                    break;
                }
                h->items = nv;
                cap = nc;
            }
            struct ward_observable_hit *x = &h->items[h->n];
            int oom = 0;
            x->incident = sqlite3_column_int64(s, 0);
            x->title = dup_col(&h->arena, s, 1, &oom);
            x->status = ward_status_parse((const char *)sqlite3_column_text(s, 2));
            x->type = dup_col(&h->arena, s, 3, &oom);
            x->value = dup_col(&h->arena, s, 4, &oom);
            x->source = dup_col(&h->arena, s, 5, &oom);
            x->sightings = sqlite3_column_int64(s, 6);
            x->first_seen = time_col(s, 7);
            if (oom) {
                r = ward_err_set(err, WARD_ENOMEM, "out of memory");
                break;
            }
            h->n++;
        }
        if (!r && rc != SQLITE_DONE) r = st_dberr(st, err, "cannot search the observables");
        sqlite3_reset(s);
    }
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (!r && !tried)
        r = ward_err_set(err, WARD_EINVAL, "'%s' is not a valid value of any observable type",
                         value);
    if (r) {
        ward_observable_hits_free(h);
        return r;
    }
    *out = h;
    return 0;
}

void ward_observable_hits_free(struct ward_observable_hits *h)
{
    if (!h) return;
    free(h->items);
    ward_arena_free(&h->arena);
    free(h);
}

/* ---- metrics -------------------------------------------------------------------------------- */

#define WINDOW                                                                                     \
    " i.merged_into IS NULL AND (?1 IS NULL OR i.created_at >= ?1)"                                \
    " AND (?2 IS NULL OR i.created_at < ?2)"

static const char sql_m_totals[] =
    "SELECT count(*), coalesce(sum(alert_count), 0), coalesce(sum(event_count), 0),"
    " coalesce(sum(status != 'closed'), 0), coalesce(sum(status = 'closed'), 0),"
    " avg(created_at - first_seen), count(created_at - first_seen),"
    " avg(acked_at - created_at), count(acked_at - created_at),"
    " avg(contained_at - created_at), count(contained_at - created_at),"
    " avg(CASE WHEN status = 'closed' THEN closed_at - created_at END),"
    " count(CASE WHEN status = 'closed' THEN closed_at - created_at END)"
    " FROM incidents i WHERE" WINDOW;
static const char sql_m_sev[] =
    "SELECT severity, count(*) FROM incidents i WHERE" WINDOW " GROUP BY severity";
static const char sql_m_status[] =
    "SELECT status, count(*) FROM incidents i WHERE" WINDOW " GROUP BY status";
static const char sql_m_attack[] =
    "SELECT a.attack_id, count(DISTINCT a.incident_id) AS n FROM incident_attack a"
    " JOIN incidents i ON i.id = a.incident_id WHERE a.kind = ?3 AND" WINDOW
    " GROUP BY a.attack_id ORDER BY n DESC, a.attack_id";

static void bind_window(sqlite3_stmt *s, ward_time_t since, ward_time_t until)
{
    if (since != WARD_TIME_NONE) sqlite3_bind_int64(s, 1, since);
    if (until != WARD_TIME_NONE) sqlite3_bind_int64(s, 2, until);
}

static int load_counts(struct ward_store *st, struct ward_metrics *m, const char *kind,
                       struct ward_metric_count **out, size_t *n, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_m_attack, err);
    if (!s) return WARD_EIO;
    bind_window(s, m->since, m->until);
    st_bind_text(s, 3, kind);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            struct ward_metric_count *nv = ward_arena_alloc(&m->arena, nc * sizeof *nv);
            if (!nv) {
                sqlite3_reset(s);
                return ward_err_set(err, WARD_ENOMEM, "out of memory");
            }
            if (*n) memcpy(nv, *out, *n * sizeof *nv);
            *out = nv;
            cap = nc;
        }
        int oom = 0;
        (*out)[*n].key = dup_col(&m->arena, s, 0, &oom);
        (*out)[*n].n = sqlite3_column_int64(s, 1);
        if (oom || !(*out)[*n].key) {
            sqlite3_reset(s);
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        }
        (*n)++;
    }
    int r = rc == SQLITE_DONE ? 0 : st_dberr(st, err, "cannot compute the metrics");
    sqlite3_reset(s);
    return r;
}

int ward_store_metrics(struct ward_store *st, ward_time_t since, ward_time_t until,
                       struct ward_metrics **out, struct ward_err *err)
{
    *out = NULL;
    struct ward_metrics *m = calloc(1, sizeof *m);
    if (!m) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    ward_arena_init(&m->arena, 4096, 0);
    m->since = since;
    m->until = until;
    for (int i = 0; i < 5; i++) m->by_severity[i].key = ward_level_name(i);
    for (int i = 0; i < WARD_ST__COUNT; i++) m->by_status[i].key = ward_status_name(i);
    int r = 0;
    sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    sqlite3_stmt *s = st_prep(st, sql_m_totals, err);
    if (!s) {
        r = WARD_EIO;
        goto out;
    }
    bind_window(s, since, until);
    if (sqlite3_step(s) == SQLITE_ROW) {
        m->incidents = sqlite3_column_int64(s, 0);
        m->alerts = sqlite3_column_int64(s, 1);
        m->events = sqlite3_column_int64(s, 2);
        m->open = sqlite3_column_int64(s, 3);
        m->closed = sqlite3_column_int64(s, 4);
        double *avgs[4] = {&m->mttd, &m->mtta, &m->mttc, &m->mttr};
        int64_t *ns[4] = {&m->mttd_n, &m->mtta_n, &m->mttc_n, &m->mttr_n};
        for (int i = 0; i < 4; i++) {
            *avgs[i] = sqlite3_column_double(s, 5 + 2 * i) / 1e9;
            *ns[i] = sqlite3_column_int64(s, 6 + 2 * i);
        }
    } else {
        r = st_dberr(st, err, "cannot compute the metrics");
    }
    sqlite3_reset(s);
    if (r) goto out;
    if (!(s = st_prep(st, sql_m_sev, err))) {
        r = WARD_EIO;
        goto out;
    }
    bind_window(s, since, until);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int sev = sqlite3_column_int(s, 0);
        if (sev >= 0 && sev <= 4) m->by_severity[sev].n = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    if (!(s = st_prep(st, sql_m_status, err))) {
        r = WARD_EIO;
        goto out;
    }
    bind_window(s, since, until);
    while (sqlite3_step(s) == SQLITE_ROW) {
        int stv = ward_status_parse((const char *)sqlite3_column_text(s, 0));
        if (stv >= 0) m->by_status[stv].n = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    if ((r = load_counts(st, m, "tactic", &m->by_tactic, &m->ntactics, err))) goto out;
    r = load_counts(st, m, "technique", &m->by_technique, &m->ntechniques, err);
out:
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    if (r) {
        ward_metrics_free(m);
        return r;
    }
    *out = m;
    return 0;
}

void ward_metrics_free(struct ward_metrics *m)
{
    if (!m) return;
    ward_arena_free(&m->arena);
    free(m);
}
