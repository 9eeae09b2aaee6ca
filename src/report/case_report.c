/*
 * case_report.c - the incident report (Markdown, HTML, JSON) and the case timeline, from a
 * case the store loaded. Everything shown comes from the case; nothing reads the clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward/json_reader.h"
#include "ward/report.h"

/* sentences are cut at the buffer size on purpose */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

/* ---- small helpers ------------------------------------------------------------------------ */

void ward_format_duration(double seconds, char *out, size_t outsz)
{
    if (seconds < 0) seconds = 0;
    long long s = (long long)seconds;
    long long d = s / 86400, h = (s % 86400) / 3600, m = (s % 3600) / 60, sec = s % 60;
    if (d)
        snprintf(out, outsz, "%lldd %lldh", d, h);
    else if (h)
        snprintf(out, outsz, "%lldh %lldm", h, m);
    else if (m)
        snprintf(out, outsz, "%lldm %llds", m, sec);
    else
        snprintf(out, outsz, "%llds", sec);
}

static const char *fmt_time(ward_time_t t, char *buf, size_t n)
{
    if (t == WARD_TIME_NONE) return "-";
    ward_time_format(t, 0, buf, n);
    return buf;
}

static const char *dur_between(ward_time_t a, ward_time_t b, char *buf, size_t n)
{
    if (a == WARD_TIME_NONE || b == WARD_TIME_NONE) return "-";
    ward_format_duration(((double)b - (double)a) / 1e9, buf, n);
    return buf;
}

/*
 * Reads a string or number member of a flat JSON object that ward wrote (journal details).
 * Nested values are skipped. Returns 1 and the unescaped text in out, 0 when absent.
 */
static int detail_get(const char *json, const char *key, char *out, size_t outsz)
{
    if (!json || outsz == 0) return 0;
    const char *p = json;
    size_t klen = strlen(key);
    int depth = 0;
    int expect_key = 0;
    while (*p) {
        char c = *p;
        if (c == '{' || c == '[') {
            depth++;
            expect_key = (c == '{' && depth == 1);
            p++;
            continue;
        }
        if (c == '}' || c == ']') {
            depth--;
            p++;
            continue;
        }
        if (c == ',') {
            expect_key = depth == 1;
            p++;
            continue;
        }
        if (c == '"') {
            const char *s = ++p;
            while (*p && *p != '"') p += (*p == '\\' && p[1]) ? 2 : 1;
            size_t len = (size_t)(p - s);
            if (*p) p++;
            if (depth == 1 && expect_key) {
                expect_key = 0;
                while (*p == ' ' || *p == ':') p++;
                if ((size_t)len == klen && memcmp(s, key, klen) == 0) {
                    if (*p == '"') {
                        const char *v = ++p;
                        while (*p && *p != '"') p += (*p == '\\' && p[1]) ? 2 : 1;
                        size_t vl = (size_t)(p - v);
                        char *tmp = malloc(vl + 1);
                        if (!tmp) return 0;
                        size_t part = 0;
                        long k = ward_json_unescape(v, vl, tmp, &part);
                        size_t outl = k >= 0 ? (size_t)k : part;
                        if (outl >= outsz) outl = outsz - 1;
                        memcpy(out, tmp, outl);
                        out[outl] = 0;
                        free(tmp);
                        return 1;
                    }
                    if (*p == '{' || *p == '[') return 0;
                    size_t vl = strcspn(p, ",}");
                    if (vl >= outsz) vl = outsz - 1;
                    memcpy(out, p, vl);
                    out[vl] = 0;
                    return 1;
                }
            }
            continue;
        }
        p++;
    }
    return 0;
}

/* A sentence for a journal entry. */
static void journal_sentence(const struct ward_case_journal *j, char *out, size_t n)
{
    char a[512], b[512], c[1024];
    const char *d = j->detail;
#define G(k, buf) (detail_get(d, k, buf, sizeof buf) ? buf : "")
    if (strcmp(j->action, "incident.open") == 0) {
        snprintf(out, n, "incident opened (%s): %s", G("severity", a), G("title", c));
    } else if (strcmp(j->action, "alert.add") == 0) {
        snprintf(out, n, "alert %s joined: %s", G("alert", a), G("title", c));
    } else if (strcmp(j->action, "alert.repeat") == 0) {
        snprintf(out, n, "alert %s repeated %s time(s)", G("alert", a), G("repeats", b));
    } else if (strcmp(j->action, "status") == 0) {
        int has = detail_get(d, "reason", c, sizeof c);
        snprintf(out, n, "status %s -> %s%s%s%s", G("from", a), G("to", b), has ? " (" : "",
                 has ? c : "", has ? ")" : "");
    } else if (strcmp(j->action, "assign") == 0) {
        const char *to = G("to", a);
        snprintf(out, n, "%s%s", *to ? "assigned to " : "unassigned", to);
    } else if (strcmp(j->action, "note") == 0) {
        snprintf(out, n, "note: %s", G("text", c));
    } else if (strcmp(j->action, "task.add") == 0) {
        snprintf(out, n, "task %s added: %s", G("task", a), G("title", c));
    } else if (strcmp(j->action, "task.state") == 0) {
        snprintf(out, n, "task %s: %s -> %s", G("task", a), G("from", b), G("to", c));
    } else if (strcmp(j->action, "observable.add") == 0) {
        snprintf(out, n, "observable added: %s %s", G("type", a), G("value", c));
    } else if (strcmp(j->action, "evidence.add") == 0) {
        snprintf(out, n, "evidence %s acquired: %s (sha256 %.16s...)", G("evidence", b),
                 G("path", c), G("sha256", a));
    } else if (strcmp(j->action, "evidence.custody") == 0) {
        snprintf(out, n, "evidence %s %s: %s", G("evidence", a), G("action", b), G("reason", c));
    } else if (strcmp(j->action, "evidence.verify") == 0) {
        snprintf(out, n, "evidence %s verified: %s", G("evidence", a), G("result", b));
    } else if (strcmp(j->action, "close") == 0) {
        snprintf(out, n, "closed: %s", G("resolution", c));
    } else if (strcmp(j->action, "reopen") == 0) {
        snprintf(out, n, "reopened: %s", G("reason", c));
    } else if (strcmp(j->action, "merge.in") == 0) {
        snprintf(out, n, "%s merged into this incident", G("from", a));
    } else if (strcmp(j->action, "merge.out") == 0) {
        snprintf(out, n, "merged into %s", G("into", a));
    } else if (strcmp(j->action, "title") == 0) {
        snprintf(out, n, "title set: %s", G("title", c));
    } else {
        snprintf(out, n, "%s %s", j->action, d ? d : "");
    }
#undef G
}

static int cmp_item(const void *x, const void *y)
{
    const struct ward_timeline_item *a = x, *b = y;
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    int sa = a->source[0] == 'a', sb = b->source[0] == 'a';
    if (sa != sb) return sa ? -1 : 1; /* alerts before handling at the same instant */
    return a->ref < b->ref ? -1 : a->ref > b->ref;
}

int ward_case_timeline(struct ward_case *c, struct ward_timeline_item **items, size_t *n,
                       struct ward_err *err)
{
    size_t cap = c->nalerts + c->njournal;
    struct ward_timeline_item *v = ward_arena_alloc(&c->arena, (cap ? cap : 1) * sizeof *v);
    if (!v) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    size_t k = 0;
    char buf[2048];
    for (size_t i = 0; i < c->nalerts; i++) {
        const struct ward_case_alert *a = &c->alerts[i];
        if (a->count > 1)
            snprintf(buf, sizeof buf, "[%s] %s (x%lld until %s)", ward_level_name(a->level),
                     a->rule_title, (long long)a->count, "");
        else
            snprintf(buf, sizeof buf, "[%s] %s", ward_level_name(a->level), a->rule_title);
        if (a->count > 1) {
            char t[48];
            size_t l = strlen(buf);
            /* put the last time in the parenthesis */
            fmt_time(a->last_seen, t, sizeof t);
            if (l >= 1) snprintf(buf + l - 1, sizeof buf - (l - 1), "%s)", t);
        }
        v[k].ts = a->first_seen;
        v[k].source = "alert";
        v[k].actor = a->host ? a->host : "";
        v[k].ref = a->id;
        if (!(v[k].what = ward_arena_strdup(&c->arena, buf)))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        k++;
    }
    for (size_t i = 0; i < c->njournal; i++) {
        const struct ward_case_journal *j = &c->journal[i];
        /* alerts are on the timeline at their own times */
        if (strcmp(j->action, "alert.add") == 0 || strcmp(j->action, "alert.repeat") == 0) continue;
        journal_sentence(j, buf, sizeof buf);
        v[k].ts = j->ts;
        v[k].source = "journal";
        v[k].actor = j->actor;
        v[k].ref = j->seq;
        if (!(v[k].what = ward_arena_strdup(&c->arena, buf)))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        k++;
    }
    qsort(v, k, sizeof *v, cmp_item);
    *items = v;
    *n = k;
    return 0;
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void jw_time(struct ward_jw *w, const char *key, ward_time_t t)
{
    ward_jw_key(w, key);
    if (t == WARD_TIME_NONE) {
        ward_jw_null(w);
        return;
    }
    char b[48];
    ward_jw_strn(w, b, ward_time_format(t, 3, b, sizeof b));
}

static void jw_strk(struct ward_jw *w, const char *key, const char *v)
{
    ward_jw_key(w, key);
    if (v)
        ward_jw_str(w, v);
    else
        ward_jw_null(w);
}

/* Writes stored JSON text as a value after checking it with the JSON reader: text that is
 * not valid JSON (an event handed in by another tool, a row edited by hand) is written as
 * a string, so the output is always valid JSON. */
static void jw_raw_or(struct ward_jw *w, const char *key, const char *json, const char *dflt)
{
    ward_jw_key(w, key);
    const char *v = json && *json ? json : dflt;
    size_t n = strlen(v);
    struct ward_event ev;
    int valid = 0;
    if (ward_event_init(&ev, NULL) == 0) {
        struct ward_err err;
        valid = ward_json_flatten(&ev, v, n, "v", NULL, &err) == 0;
        ward_event_free(&ev);
    }
    if (valid)
        ward_jw_raw(w, v, n);
    else
        ward_jw_strn(w, v, n);
}

static void jw_csv_array(struct ward_jw *w, const char *key, const char *csv)
{
    ward_jw_key(w, key);
    ward_jw_arr(w);
    const char *p = csv ? csv : "";
    while (*p) {
        size_t l = strcspn(p, ",");
        if (l) ward_jw_strn(w, p, l);
        p += l;
        if (*p == ',') p++;
    }
    ward_jw_end(w);
}

static void incident_json(struct ward_jw *w, const struct ward_incident *x)
{
    char b[32];
    snprintf(b, sizeof b, "INC-%04lld", (long long)x->id);
    ward_jw_key(w, "id");
    ward_jw_str(w, b);
    ward_jw_key(w, "number");
    ward_jw_int(w, x->id);
    jw_strk(w, "title", x->title);
    jw_strk(w, "status", ward_status_name(x->status));
    jw_strk(w, "severity", ward_level_name(x->severity));
    jw_strk(w, "assignee", x->assignee);
    jw_time(w, "first_seen", x->first_seen);
    jw_time(w, "last_seen", x->last_seen);
    jw_time(w, "created_at", x->created_at);
    jw_time(w, "updated_at", x->updated_at);
    jw_time(w, "acknowledged_at", x->acked_at);
    jw_time(w, "contained_at", x->contained_at);
    jw_time(w, "closed_at", x->closed_at);
    ward_jw_key(w, "alerts");
    ward_jw_int(w, x->alert_count);
    ward_jw_key(w, "events");
    ward_jw_int(w, x->event_count);
    jw_csv_array(w, "tactics", x->tactics);
    jw_csv_array(w, "techniques", x->techniques);
    jw_strk(w, "resolution", x->resolution);
    jw_strk(w, "root_cause", x->root_cause);
    jw_strk(w, "lessons_learned", x->lessons);
    if (x->merged_into) {
        snprintf(b, sizeof b, "INC-%04lld", (long long)x->merged_into);
        jw_strk(w, "merged_into", b);
    }
}

static void durations_json(struct ward_jw *w, const struct ward_incident *x)
{
    ward_jw_key(w, "durations_seconds");
    ward_jw_obj(w);
    struct {
        const char *k;
        ward_time_t a, b;
    } d[] = {
        {"to_detect", x->first_seen, x->created_at},
        {"to_acknowledge", x->created_at, x->acked_at},
        {"to_contain", x->created_at, x->contained_at},
        {"to_resolve", x->created_at, x->closed_at},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        ward_jw_key(w, d[i].k);
        if (d[i].a == WARD_TIME_NONE || d[i].b == WARD_TIME_NONE)
            ward_jw_null(w);
        else
            ward_jw_int(w, (int64_t)(((double)d[i].b - (double)d[i].a) / 1e9));
    }
    ward_jw_end(w);
}

int ward_case_write_json(struct ward_jw *w, struct ward_case *c)
{
    ward_jw_obj(w);
    ward_jw_key(w, "incident");
    ward_jw_obj(w);
    incident_json(w, &c->inc);
    durations_json(w, &c->inc);
    ward_jw_end(w);

    ward_jw_key(w, "alerts");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->nalerts; i++) {
        const struct ward_case_alert *a = &c->alerts[i];
        ward_jw_obj(w);
        ward_jw_key(w, "id");
        ward_jw_int(w, a->id);
        ward_jw_key(w, "rule");
        ward_jw_obj(w);
        jw_strk(w, "id", a->rule_id);
        jw_strk(w, "title", a->rule_title);
        jw_strk(w, "level", ward_level_name(a->level));
        jw_raw_or(w, "tags", a->tags, "[]");
        ward_jw_end(w);
        jw_strk(w, "host", a->host);
        jw_time(w, "first_seen", a->first_seen);
        jw_time(w, "last_seen", a->last_seen);
        ward_jw_key(w, "count");
        ward_jw_int(w, a->count);
        ward_jw_key(w, "attack");
        ward_jw_obj(w);
        jw_raw_or(w, "tactics", a->tactics, "[]");
        jw_raw_or(w, "techniques", a->techniques, "[]");
        ward_jw_end(w);
        ward_jw_key(w, "source");
        ward_jw_obj(w);
        jw_strk(w, "path", a->source_path);
        ward_jw_key(w, "record");
        ward_jw_uint(w, a->source_record);
        ward_jw_end(w);
        if (a->event_json) jw_raw_or(w, "event", a->event_json, "null");
        /* a correlation alert: every firing the store counted on it, in time order */
        const struct ward_case_burst *bu;
        size_t nb = ward_case_alert_bursts(c, a->id, &bu);
        if (nb) {
            ward_jw_key(w, "bursts");
            ward_jw_arr(w);
            for (size_t k = 0; k < nb; k++) {
                ward_jw_obj(w);
                jw_time(w, "time", bu[k].ts);
                jw_raw_or(w, "correlation", bu[k].correlation, "null");
                ward_jw_end(w);
            }
            ward_jw_end(w);
        }
        ward_jw_end(w);
    }
    ward_jw_end(w);

    ward_jw_key(w, "techniques");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->ntechniques; i++) {
        ward_jw_obj(w);
        jw_strk(w, "id", c->techniques[i].id);
        jw_strk(w, "name", c->techniques[i].name);
        ward_jw_key(w, "alerts");
        ward_jw_int(w, c->techniques[i].alerts);
        ward_jw_end(w);
    }
    ward_jw_end(w);
    ward_jw_key(w, "tactics");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->ntactics; i++) ward_jw_str(w, c->tactics[i] ? c->tactics[i] : "");
    ward_jw_end(w);

    ward_jw_key(w, "entities");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->nentities; i++) {
        const struct ward_case_entity *e = &c->entities[i];
        ward_jw_obj(w);
        jw_strk(w, "type", e->kind);
        jw_strk(w, "value", e->value);
        ward_jw_key(w, "alerts");
        ward_jw_int(w, e->alerts);
        jw_time(w, "first_seen", e->first_seen);
        jw_time(w, "last_seen", e->last_seen);
        ward_jw_end(w);
    }
    ward_jw_end(w);

    ward_jw_key(w, "observables");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->nobservables; i++) {
        const struct ward_case_observable *o = &c->observables[i];
        ward_jw_obj(w);
        ward_jw_key(w, "id");
        ward_jw_int(w, o->id);
        jw_strk(w, "type", o->type);
        jw_strk(w, "value", o->value);
        jw_strk(w, "source", o->source);
        jw_strk(w, "note", o->note);
        jw_time(w, "first_seen", o->first_seen);
        ward_jw_key(w, "sightings");
        ward_jw_int(w, o->sightings);
        ward_jw_end(w);
    }
    ward_jw_end(w);

    ward_jw_key(w, "tasks");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->ntasks; i++) {
        const struct ward_case_task *t = &c->tasks[i];
        ward_jw_obj(w);
        ward_jw_key(w, "id");
        ward_jw_int(w, t->id);
        jw_strk(w, "title", t->title);
        jw_strk(w, "state", t->state);
        jw_strk(w, "assignee", t->assignee);
        jw_strk(w, "created_by", t->created_by);
        jw_time(w, "created_at", t->created_at);
        jw_time(w, "updated_at", t->updated_at);
        ward_jw_end(w);
    }
    ward_jw_end(w);

    ward_jw_key(w, "notes");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->nnotes; i++) {
        ward_jw_obj(w);
        ward_jw_key(w, "id");
        ward_jw_int(w, c->notes[i].id);
        jw_time(w, "time", c->notes[i].ts);
        jw_strk(w, "author", c->notes[i].author);
        jw_strk(w, "text", c->notes[i].text);
        ward_jw_end(w);
    }
    ward_jw_end(w);

    ward_jw_key(w, "evidence");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->nevidence; i++) {
        const struct ward_case_evidence *e = &c->evidence[i];
        ward_jw_obj(w);
        ward_jw_key(w, "id");
        ward_jw_int(w, e->id);
        jw_strk(w, "path", e->path);
        ward_jw_key(w, "size");
        ward_jw_uint(w, e->size);
        jw_strk(w, "sha256", e->sha256);
        jw_strk(w, "added_by", e->added_by);
        jw_time(w, "added_at", e->added_at);
        jw_strk(w, "reason", e->reason);
        ward_jw_key(w, "custody");
        ward_jw_arr(w);
        for (size_t k = 0; k < c->ncustody; k++) {
            const struct ward_case_custody *cu = &c->custody[k];
            if (cu->evidence_id != e->id) continue;
            ward_jw_obj(w);
            jw_time(w, "time", cu->ts);
            jw_strk(w, "actor", cu->actor);
            jw_strk(w, "action", cu->action);
            jw_strk(w, "reason", cu->reason);
            jw_strk(w, "sha256", cu->sha256);
            ward_jw_end(w);
        }
        ward_jw_end(w);
        ward_jw_end(w);
    }
    ward_jw_end(w);

    ward_jw_key(w, "journal");
    ward_jw_arr(w);
    for (size_t i = 0; i < c->njournal; i++) {
        const struct ward_case_journal *j = &c->journal[i];
        ward_jw_obj(w);
        ward_jw_key(w, "seq");
        ward_jw_int(w, j->seq);
        jw_time(w, "time", j->ts);
        jw_strk(w, "actor", j->actor);
        jw_strk(w, "action", j->action);
        jw_raw_or(w, "detail", j->detail, "{}");
        ward_jw_end(w);
    }
    ward_jw_end(w);
    ward_jw_end(w);
    return ward_jw_error(w);
}

/* ---- Markdown and HTML ---------------------------------------------------------------------- */

struct out {
    struct ward_buf *b;
    int html;
    int err;
};

static void put(struct out *o, const char *s)
{
    if (!o->err) o->err = ward_buf_puts(o->b, s);
}

static void putf(struct out *o, const char *fmt, ...) WARD_PRINTF(2, 3);
static void putf(struct out *o, const char *fmt, ...)
{
    if (o->err) return;
    va_list ap;
    va_start(ap, fmt);
    o->err = ward_buf_vprintf(o->b, fmt, ap);
    va_end(ap);
}

/* Text into a cell or a paragraph: escaped for HTML, or for Markdown tables (pipes, line
 * breaks) and inline markup. */
static void text(struct out *o, const char *s)
{
    if (!s) s = "";
    for (; *s && !o->err; s++) {
        char c = *s;
        if (o->html) {
            switch (c) {
            case '<': put(o, "&lt;"); continue;
            case '>': put(o, "&gt;"); continue;
            case '&': put(o, "&amp;"); continue;
            case '"': put(o, "&quot;"); continue;
            case '\'': put(o, "&#39;"); continue;
            default: break;
            }
        } else {
            if (c == '|' || c == '*' || c == '_' || c == '`' || c == '<' || c == '>' || c == '[' ||
                c == ']' || c == '\\') {
                o->err = ward_buf_putc(o->b, '\\');
            } else if (c == '\n' || c == '\r') {
                put(o, " ");
                continue;
            }
        }
        if (!o->err) o->err = ward_buf_putc(o->b, c);
    }
}

static void heading(struct out *o, int level, const char *s)
{
    if (o->html) {
        putf(o, "<h%d>", level);
        text(o, s);
        putf(o, "</h%d>\n", level);
    } else {
        putf(o, "%.*s ", level, "######");
        text(o, s);
        put(o, "\n\n");
    }
}

static void table_start(struct out *o, const char *const *cols, size_t n)
{
    if (o->html) {
        put(o, "<table>\n<tr>");
        for (size_t i = 0; i < n; i++) {
            put(o, "<th>");
            text(o, cols[i]);
            put(o, "</th>");
        }
        put(o, "</tr>\n");
    } else {
        put(o, "|");
        for (size_t i = 0; i < n; i++) putf(o, " %s |", cols[i]);
        put(o, "\n|");
        for (size_t i = 0; i < n; i++) put(o, " --- |");
        put(o, "\n");
    }
}

static void row(struct out *o, const char *const *cells, size_t n)
{
    put(o, o->html ? "<tr>" : "|");
    for (size_t i = 0; i < n; i++) {
        if (o->html) {
            put(o, "<td>");
            text(o, cells[i]);
            put(o, "</td>");
        } else {
            put(o, " ");
            text(o, cells[i] && *cells[i] ? cells[i] : "-");
            put(o, " |");
        }
    }
    put(o, o->html ? "</tr>\n" : "\n");
}

static void table_end(struct out *o)
{
    put(o, o->html ? "</table>\n" : "\n");
}

static void para(struct out *o, const char *s)
{
    put(o, o->html ? "<p>" : "");
    text(o, s && *s ? s : "(none recorded)");
    put(o, o->html ? "</p>\n" : "\n\n");
}

static void none(struct out *o, const char *what)
{
    if (o->html) {
        put(o, "<p><em>No ");
        text(o, what);
        put(o, ".</em></p>\n");
    } else {
        putf(o, "No %s.\n\n", what);
    }
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>%s</title>\n<style>\n"
    "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#1d1d1f}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%%}\n"
    "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top;"
    "font-size:.92em}\n"
    "th{background:#f0f0f3}\nh1{font-size:1.6em}\nh2{border-bottom:1px solid #ddd;"
    "padding-bottom:.2em;margin-top:1.6em}\n"
    "td:nth-child(1){white-space:nowrap}\n</style>\n</head>\n<body>\n";

int ward_report_incident(struct ward_case *c, const char *format, ward_time_t generated,
                         struct ward_buf *out, struct ward_err *err)
{
    if (strcmp(format, "json") == 0) {
        struct ward_jw w;
        ward_jw_init(&w, out);
        ward_jw_obj(&w);
        ward_jw_key(&w, "report");
        ward_jw_obj(&w);
        ward_jw_key(&w, "kind");
        ward_jw_str(&w, "incident");
        jw_time(&w, "generated", generated);
        ward_jw_end(&w);
        ward_jw_key(&w, "case");
        if (ward_case_write_json(&w, c)) return ward_err_set(err, WARD_ENOMEM, "out of memory");
        struct ward_timeline_item *items;
        size_t n;
        int r = ward_case_timeline(c, &items, &n, err);
        if (r) return r;
        ward_jw_key(&w, "timeline");
        ward_jw_arr(&w);
        for (size_t i = 0; i < n; i++) {
            ward_jw_obj(&w);
            jw_time(&w, "time", items[i].ts);
            jw_strk(&w, "source", items[i].source);
            jw_strk(&w, "actor", items[i].actor);
            jw_strk(&w, "what", items[i].what);
            ward_jw_end(&w);
        }
        ward_jw_end(&w);
        ward_jw_end(&w);
        if (ward_jw_error(&w) || ward_buf_putc(out, '\n'))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        return 0;
    }
    struct out o = {out, 0, 0};
    if (strcmp(format, "html") == 0)
        o.html = 1;
    else if (strcmp(format, "md") != 0)
        return ward_err_set(err, WARD_EINVAL, "report format must be md, html or json, not '%s'",
                            format);
    const struct ward_incident *x = &c->inc;
    char idb[32], title[1200], t1[48], t2[48];
    snprintf(idb, sizeof idb, "INC-%04lld", (long long)x->id);
    snprintf(title, sizeof title, "Incident %s: %s", idb, x->title ? x->title : "");
    if (o.html) {
        struct ward_buf esc;
        ward_buf_init(&esc, 0);
        struct out eo = {&esc, 1, 0};
        text(&eo, title);
        putf(&o, html_head, esc.data ? esc.data : "");
        ward_buf_free(&esc);
    }
    heading(&o, 1, title);
    if (generated != WARD_TIME_NONE) {
        char g[96];
        snprintf(g, sizeof g, "Report generated %s by ward.", fmt_time(generated, t1, sizeof t1));
        para(&o, g);
    }

    /* summary */
    heading(&o, 2, "Summary");
    static const char *const kv[] = {"Field", "Value"};
    table_start(&o, kv, 2);
    char cnt[96], d1[32], d2[32], d3[32], d4[32], tactics_list[1024] = "-";
    for (size_t i = 0, n = 0; i < c->ntactics && n < sizeof tactics_list; i++)
        n += (size_t)snprintf(tactics_list + n, sizeof tactics_list - n, "%s%s", i ? ", " : "",
                              c->tactics[i] ? c->tactics[i] : "");
    snprintf(cnt, sizeof cnt, "%lld alerts, %lld events", (long long)x->alert_count,
             (long long)x->event_count);
    struct {
        const char *k, *v;
    } rows[] = {
        {"Status", ward_status_name(x->status)},
        {"Severity", ward_level_name(x->severity)},
        {"Assignee", x->assignee ? x->assignee : "(unassigned)"},
        {"Alerts", cnt},
        {"Tactics", tactics_list},
        {"First activity", fmt_time(x->first_seen, t1, sizeof t1)},
        {"Last activity", fmt_time(x->last_seen, t2, sizeof t2)},
        {"Time to detect", dur_between(x->first_seen, x->created_at, d1, sizeof d1)},
        {"Time to acknowledge", dur_between(x->created_at, x->acked_at, d2, sizeof d2)},
        {"Time to contain", dur_between(x->created_at, x->contained_at, d3, sizeof d3)},
        {"Time to resolve", dur_between(x->created_at, x->closed_at, d4, sizeof d4)},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const char *cells[2] = {rows[i].k, rows[i].v};
        row(&o, cells, 2);
    }
    {
        char a[48], b[48], cl[48];
        const char *r1[2] = {"Opened", fmt_time(x->created_at, a, sizeof a)};
        const char *r2[2] = {"Acknowledged", fmt_time(x->acked_at, b, sizeof b)};
        const char *r3[2] = {"Closed", fmt_time(x->closed_at, cl, sizeof cl)};
        row(&o, r1, 2);
        row(&o, r2, 2);
        row(&o, r3, 2);
        if (x->merged_into) {
            char mb[32];
            snprintf(mb, sizeof mb, "INC-%04lld", (long long)x->merged_into);
            const char *r4[2] = {"Merged into", mb};
            row(&o, r4, 2);
        }
    }
    table_end(&o);

    /* timeline */
    heading(&o, 2, "Timeline");
    struct ward_timeline_item *items;
    size_t nitems;
    int r = ward_case_timeline(c, &items, &nitems, err);
    if (r) return r;
    static const char *const tcols[] = {"Time (UTC)", "Source", "Who / where", "What"};
    table_start(&o, tcols, 4);
    for (size_t i = 0; i < nitems; i++) {
        const char *cells[4] = {fmt_time(items[i].ts, t1, sizeof t1), items[i].source,
                                items[i].actor, items[i].what};
        row(&o, cells, 4);
    }
    table_end(&o);

    /* alerts */
    heading(&o, 2, "Alerts");
    if (!c->nalerts) {
        none(&o, "alerts");
    } else {
        static const char *const acols[] = {"First seen", "Last seen", "Count", "Level",
                                            "Rule",       "Host",      "Source"};
        table_start(&o, acols, 7);
        for (size_t i = 0; i < c->nalerts; i++) {
            const struct ward_case_alert *a = &c->alerts[i];
            char n[32], src[1100];
            snprintf(n, sizeof n, "%lld", (long long)a->count);
            if (a->source_path && a->source_record)
                snprintf(src, sizeof src, "%s #%llu", a->source_path,
                         (unsigned long long)a->source_record);
            else
                snprintf(src, sizeof src, "%s", a->source_path ? a->source_path : "-");
            char rule[1100];
            snprintf(rule, sizeof rule, "%s (%s)", a->rule_title, a->rule_id);
            const char *cells[7] = {fmt_time(a->first_seen, t1, sizeof t1),
                                    fmt_time(a->last_seen, t2, sizeof t2),
                                    n,
                                    ward_level_name(a->level),
                                    rule,
                                    a->host ? a->host : "-",
                                    src};
            row(&o, cells, 7);
        }
        table_end(&o);
    }

    /* correlations: every burst of every correlation alert (each firing the store counted) */
    size_t ncorr = 0;
    for (size_t i = 0; i < c->nalerts; i++) {
        const struct ward_case_burst *bu;
        size_t nb = ward_case_alert_bursts(c, c->alerts[i].id, &bu);
        if (!nb) continue;
        if (ncorr++ == 0) {
            heading(&o, 3, "Correlations");
            static const char *const kcols[] = {"Time (UTC)", "Correlation", "Group",
                                                "Value",      "Alerts",      "First correlated"};
            table_start(&o, kcols, 6);
        }
        for (size_t k = 0; k < nb; k++) {
            struct ward_corr_burst cb;
            struct ward_err e2 = {0};
            char what[1200], val[160], nal[32], first[400];
            if (ward_corr_burst_read(&cb, bu[k].correlation, strlen(bu[k].correlation), &e2)) {
                snprintf(what, sizeof what, "%s", c->alerts[i].rule_title);
                snprintf(first, sizeof first, "unreadable: %s", e2.msg);
                const char *cells[6] = {
                    fmt_time(bu[k].ts, t1, sizeof t1), what, "-", "-", "-", first};
                row(&o, cells, 6);
                continue;
            }
            snprintf(what, sizeof what, "%s (%.*s%s%.*s)", c->alerts[i].rule_title,
                     (int)cb.type.len, cb.type.ptr ? cb.type.ptr : "", cb.span.len ? " in " : "",
                     (int)cb.span.len, cb.span.ptr ? cb.span.ptr : "");
            snprintf(val, sizeof val, "%.*s", (int)cb.value.len, cb.value.ptr ? cb.value.ptr : "");
            snprintf(nal, sizeof nal, "%llu", cb.all);
            if (cb.listed)
                snprintf(first, sizeof first, "%.*s %.*s", (int)cb.alert[0].time.len,
                         cb.alert[0].time.ptr ? cb.alert[0].time.ptr : "",
                         (int)cb.alert[0].title.len,
                         cb.alert[0].title.ptr ? cb.alert[0].title.ptr : "");
            else
                snprintf(first, sizeof first, "-");
            const char *cells[6] = {fmt_time(bu[k].ts, t1, sizeof t1),
                                    what,
                                    cb.group.len ? cb.group.data : "-",
                                    val[0] ? val : "-",
                                    nal,
                                    first};
            row(&o, cells, 6);
            ward_corr_burst_free(&cb);
        }
    }
    if (ncorr) table_end(&o);

    /* ATT&CK */
    heading(&o, 2, "ATT&CK techniques");
    if (c->ntactics) {
        struct ward_buf tb;
        ward_buf_init(&tb, 0);
        int e2 = ward_buf_puts(&tb, "Tactics: ");
        for (size_t i = 0; i < c->ntactics; i++)
            e2 |= ward_buf_printf(&tb, "%s%s", i ? ", " : "", c->tactics[i] ? c->tactics[i] : "");
        e2 |= ward_buf_putc(&tb, '.');
        if (!e2) para(&o, tb.data);
        ward_buf_free(&tb);
    }
    if (!c->ntechniques) {
        none(&o, "techniques");
    } else {
        static const char *const ccols[] = {"Technique", "Name", "Alerts"};
        table_start(&o, ccols, 3);
        for (size_t i = 0; i < c->ntechniques; i++) {
            char n[32];
            snprintf(n, sizeof n, "%lld", (long long)c->techniques[i].alerts);
            const char *cells[3] = {c->techniques[i].id,
                                    c->techniques[i].name ? c->techniques[i].name : "-", n};
            row(&o, cells, 3);
        }
        table_end(&o);
    }

    /* entities and observables */
    heading(&o, 2, "Entities and observables");
    heading(&o, 3, "Entities that tie the alerts together");
    if (!c->nentities) {
        none(&o, "shared entities");
    } else {
        static const char *const ecols[] = {"Type", "Value", "Alerts", "First seen", "Last seen"};
        table_start(&o, ecols, 5);
        for (size_t i = 0; i < c->nentities; i++) {
            const struct ward_case_entity *e = &c->entities[i];
            char n[32];
            snprintf(n, sizeof n, "%lld", (long long)e->alerts);
            const char *cells[5] = {e->kind, e->value, n, fmt_time(e->first_seen, t1, sizeof t1),
                                    fmt_time(e->last_seen, t2, sizeof t2)};
            row(&o, cells, 5);
        }
        table_end(&o);
    }
    heading(&o, 3, "Observables");
    if (!c->nobservables) {
        none(&o, "observables");
    } else {
        static const char *const ocols[] = {"Type", "Value", "Source", "Sightings", "Note"};
        table_start(&o, ocols, 5);
        for (size_t i = 0; i < c->nobservables; i++) {
            const struct ward_case_observable *ob = &c->observables[i];
            char n[32];
            snprintf(n, sizeof n, "%lld", (long long)ob->sightings);
            const char *cells[5] = {ob->type, ob->value, ob->source, n, ob->note ? ob->note : "-"};
            row(&o, cells, 5);
        }
        table_end(&o);
    }

    /* evidence */
    heading(&o, 2, "Evidence");
    if (!c->nevidence) {
        none(&o, "evidence");
    } else {
        static const char *const vcols[] = {"#",        "Path",     "Size (bytes)", "SHA-256",
                                            "Added by", "Added at", "Reason"};
        table_start(&o, vcols, 7);
        for (size_t i = 0; i < c->nevidence; i++) {
            const struct ward_case_evidence *e = &c->evidence[i];
            char id[32], sz[32];
            snprintf(id, sizeof id, "%lld", (long long)e->id);
            snprintf(sz, sizeof sz, "%llu", (unsigned long long)e->size);
            const char *cells[7] = {id,        e->path,     sz,
                                    e->sha256, e->added_by, fmt_time(e->added_at, t1, sizeof t1),
                                    e->reason};
            row(&o, cells, 7);
        }
        table_end(&o);
        heading(&o, 3, "Chain of custody");
        static const char *const ucols[] = {"Evidence", "Time (UTC)", "Who",
                                            "Action",   "Reason",     "SHA-256"};
        table_start(&o, ucols, 6);
        for (size_t i = 0; i < c->ncustody; i++) {
            const struct ward_case_custody *cu = &c->custody[i];
            char id[32];
            snprintf(id, sizeof id, "%lld", (long long)cu->evidence_id);
            const char *cells[6] = {id,         fmt_time(cu->ts, t1, sizeof t1),
                                    cu->actor,  cu->action,
                                    cu->reason, cu->sha256 ? cu->sha256 : "-"};
            row(&o, cells, 6);
        }
        table_end(&o);
    }

    /* actions */
    heading(&o, 2, "Actions");
    heading(&o, 3, "Tasks");
    if (!c->ntasks) {
        none(&o, "tasks");
    } else {
        static const char *const kcols[] = {"#",        "Task",       "State",
                                            "Assignee", "Created by", "Updated"};
        table_start(&o, kcols, 6);
        for (size_t i = 0; i < c->ntasks; i++) {
            const struct ward_case_task *t = &c->tasks[i];
            char id[32];
            snprintf(id, sizeof id, "%lld", (long long)t->id);
            const char *cells[6] = {id,
                                    t->title,
                                    t->state,
                                    t->assignee ? t->assignee : "-",
                                    t->created_by,
                                    fmt_time(t->updated_at, t1, sizeof t1)};
            row(&o, cells, 6);
        }
        table_end(&o);
    }
    heading(&o, 3, "Notes");
    if (!c->nnotes) {
        none(&o, "notes");
    } else {
        static const char *const ncols[] = {"Time (UTC)", "Author", "Note"};
        table_start(&o, ncols, 3);
        for (size_t i = 0; i < c->nnotes; i++) {
            const char *cells[3] = {fmt_time(c->notes[i].ts, t1, sizeof t1), c->notes[i].author,
                                    c->notes[i].text};
            row(&o, cells, 3);
        }
        table_end(&o);
    }

    /* closure */
    heading(&o, 2, "Resolution");
    para(&o, x->resolution);
    heading(&o, 2, "Root cause");
    para(&o, x->root_cause);
    heading(&o, 2, "Lessons learned");
    para(&o, x->lessons);
    if (o.html) put(&o, "</body>\n</html>\n");
    if (o.err) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    return 0;
}

int ward_report_timeline(struct ward_case *c, const char *format, struct ward_buf *out,
                         struct ward_err *err)
{
    struct ward_timeline_item *items;
    size_t n;
    int r = ward_case_timeline(c, &items, &n, err);
    if (r) return r;
    char t[48];
    if (strcmp(format, "json") == 0) {
        struct ward_jw w;
        ward_jw_init(&w, out);
        ward_jw_arr(&w);
        for (size_t i = 0; i < n; i++) {
            ward_jw_obj(&w);
            jw_time(&w, "time", items[i].ts);
            jw_strk(&w, "source", items[i].source);
            jw_strk(&w, "actor", items[i].actor);
            jw_strk(&w, "what", items[i].what);
            ward_jw_end(&w);
        }
        ward_jw_end(&w);
        if (ward_jw_error(&w) || ward_buf_putc(out, '\n'))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        return 0;
    }
    if (strcmp(format, "md") == 0) {
        struct out o = {out, 0, 0};
        static const char *const tcols[] = {"Time (UTC)", "Source", "Who / where", "What"};
        table_start(&o, tcols, 4);
        for (size_t i = 0; i < n; i++) {
            const char *cells[4] = {fmt_time(items[i].ts, t, sizeof t), items[i].source,
                                    items[i].actor, items[i].what};
            row(&o, cells, 4);
        }
        return o.err ? ward_err_set(err, WARD_ENOMEM, "out of memory") : 0;
    }
    if (strcmp(format, "table") != 0)
        return ward_err_set(err, WARD_EINVAL, "timeline format must be table, md or json");
    int rc = ward_buf_printf(out, "%-20s  %-7s  %-16s  %s\n", "TIME (UTC)", "SOURCE", "WHO/WHERE",
                             "WHAT");
    for (size_t i = 0; !rc && i < n; i++)
        rc = ward_buf_printf(out, "%-20s  %-7s  %-16s  %s\n", fmt_time(items[i].ts, t, sizeof t),
                             items[i].source, items[i].actor, items[i].what);
    return rc ? ward_err_set(err, WARD_ENOMEM, "out of memory") : 0;
}
