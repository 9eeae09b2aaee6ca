/* case.c - `ward case`: incidents as cases: list, show, the lifecycle, assignment, notes,
 * tasks, observables, evidence with chain of custody, timeline, merge, close, reopen, the
 * journal check, and import of alerts (JSON lines). */
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_cli.h"
#include "ward/decode.h"
#include "ward/json.h"
#include "ward/json_reader.h"
#include "ward/report.h"

/* ---- options shared by the subcommands --------------------------------------------------- */

struct copts {
    const char *store, *actor, *format, *output;
    const char *reason, *resolution, *root_cause, *lessons, *assignee, *note, *status;
    const char *title, *type;
    int severity;
    size_t limit;
    int events, all, open, none, create, help;
    int64_t id;
    ward_time_t since, until;
    struct ward_group_opts group;
    size_t batch;
};

struct sub {
    const char *name;
    const char *summary;
    const char *help;
    int (*fn)(struct copts *o, int argc, char **argv);
};

static const struct sub *cur; /* the subcommand being run, for messages */

static int usage(const char *fmt, ...) WARD_PRINTF(1, 2);
static int usage(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "ward case %s: ", cur ? cur->name : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'ward case %s --help'.\n", cur ? cur->name : "");
    return EX_USAGE;
}

static int fail(const struct ward_err *err)
{
    char name[64];
    snprintf(name, sizeof name, "case %s", cur ? cur->name : "");
    return store_cli_fail(name, err);
}

static int need_incident(int argc, char **argv, int idx, int64_t *id)
{
    if (idx >= argc) return usage("no INCIDENT given");
    if (store_cli_incident(argv[idx], id))
        return usage("'%s' is not an incident id (INC-0001 or 1)", argv[idx]);
    return 0;
}

static int parse_dur(const char *s, ward_time_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0) return -1;
    double mul = 1;
    if (*end == 's' || *end == 0)
        mul = 1;
    else if (*end == 'm')
        mul = 60;
    else if (*end == 'h')
        mul = 3600;
    else if (*end == 'd')
        mul = 86400;
    else
        return -1;
    if (*end && end[1]) return -1;
    *out = (ward_time_t)(v * mul * 1e9);
    return 0;
}

/* ---- list ----------------------------------------------------------------------------------- */

static void trunc_cpy(char *out, size_t n, const char *s)
{
    if (!s) s = "";
    size_t l = strlen(s);
    if (l < n) {
        memcpy(out, s, l + 1);
        return;
    }
    /* cut on a UTF-8 boundary and mark it */
    size_t k = n - 4;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    memcpy(out, s, k);
    memcpy(out + k, "...", 4);
}

static int do_list(struct copts *o, int argc, char **argv)
{
    if (optind < argc) return usage("unexpected argument '%s'", argv[optind]);
    struct ward_incident_filter f;
    ward_incident_filter_default(&f);
    if (o->status) {
        if (strcmp(o->status, "open") == 0)
            f.status = WARD_ST__COUNT;
        else if ((f.status = ward_status_parse(o->status)) < 0)
            return usage("unknown status '%s'", o->status);
    }
    if (o->open) f.status = WARD_ST__COUNT;
    f.min_severity = o->severity;
    f.assignee = o->assignee;
    f.since = o->since;
    f.until = o->until;
    f.include_merged = o->all;
    f.limit = o->limit;
    struct ward_store *st;
    int rc = store_cli_open(store_cli_path(o->store), o->actor, o->create, &st);
    if (rc) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_incident_list *l = NULL;
    if (ward_store_list(st, &f, &l, &err)) {
        ward_store_close(st);
        return fail(&err);
    }
    struct ward_buf b;
    ward_buf_init(&b, 0);
    int e = 0;
    char t1[48], t2[48];
    if (strcmp(o->format, "json") == 0) {
        struct ward_jw w;
        ward_jw_init(&w, &b);
        ward_jw_arr(&w);
        for (size_t i = 0; i < l->n; i++) {
            const struct ward_incident *x = &l->items[i];
            char id[32];
            snprintf(id, sizeof id, "INC-%04lld", (long long)x->id);
            ward_jw_obj(&w);
            ward_jw_key(&w, "id");
            ward_jw_str(&w, id);
            ward_jw_key(&w, "title");
            ward_jw_str(&w, x->title ? x->title : "");
            ward_jw_key(&w, "status");
            ward_jw_str(&w, ward_status_name(x->status));
            ward_jw_key(&w, "severity");
            ward_jw_str(&w, ward_level_name(x->severity));
            ward_jw_key(&w, "assignee");
            if (x->assignee)
                ward_jw_str(&w, x->assignee);
            else
                ward_jw_null(&w);
            ward_jw_key(&w, "alerts");
            ward_jw_int(&w, x->alert_count);
            ward_jw_key(&w, "events");
            ward_jw_int(&w, x->event_count);
            ward_jw_key(&w, "first_seen");
            ward_jw_strn(&w, t1, ward_time_format(x->first_seen, 3, t1, sizeof t1));
            ward_jw_key(&w, "last_seen");
            ward_jw_strn(&w, t2, ward_time_format(x->last_seen, 3, t2, sizeof t2));
            ward_jw_key(&w, "tactics");
            ward_jw_arr(&w);
            for (const char *p = x->tactics ? x->tactics : ""; *p;) {
                size_t tl = strcspn(p, ",");
                if (tl) ward_jw_strn(&w, p, tl);
                p += tl;
                if (*p == ',') p++;
            }
            ward_jw_end(&w);
            if (x->merged_into) {
                ward_jw_key(&w, "merged_into");
                ward_jw_int(&w, x->merged_into);
            }
            ward_jw_end(&w);
        }
        ward_jw_end(&w);
        e = ward_jw_error(&w) || ward_buf_putc(&b, '\n');
    } else {
        e |= ward_buf_printf(&b, "%-9s %-9s %-13s %6s %6s  %-20s %-20s %-14s %s\n", "ID", "STATUS",
                             "SEVERITY", "ALERTS", "EVENTS", "FIRST SEEN", "LAST SEEN", "ASSIGNEE",
                             "TITLE");
        for (size_t i = 0; i < l->n; i++) {
            const struct ward_incident *x = &l->items[i];
            char id[32], title[72], who[15];
            snprintf(id, sizeof id, "INC-%04lld", (long long)x->id);
            trunc_cpy(title, sizeof title, x->title);
            trunc_cpy(who, sizeof who, x->assignee ? x->assignee : "-");
            ward_time_format(x->first_seen, 0, t1, sizeof t1);
            ward_time_format(x->last_seen, 0, t2, sizeof t2);
            e |= ward_buf_printf(&b, "%-9s %-9s %-13s %6lld %6lld  %-20s %-20s %-14s %s\n", id,
                                 ward_status_name(x->status), ward_level_name(x->severity),
                                 (long long)x->alert_count, (long long)x->event_count, t1, t2, who,
                                 title);
        }
    }
    rc = e ? EX_SOFTWARE : store_cli_output(o->output, b.data ? b.data : "", b.len);
    ward_buf_free(&b);
    ward_incident_list_free(l);
    ward_store_close(st);
    return rc;
}

/* ---- show, timeline ------------------------------------------------------------------------ */

static int load(struct copts *o, int64_t id, int events, struct ward_store **st,
                struct ward_case **c)
{
    int rc = store_cli_open(store_cli_path(o->store), o->actor, 0, st);
    if (rc) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_store_load_case(*st, id, events, c, &err)) {
        ward_store_close(*st);
        *st = NULL;
        return fail(&err);
    }
    return 0;
}

/* What `case show` tells of a correlation alert, across its bursts. */
struct corr_sum {
    struct ward_buf group;  /* "src_ip=10.0.0.1, ..." of the first burst */
    struct ward_buf bursts; /* the burst lines */
    char titles[3][160];    /* the distinct titles of the correlated rules (first 3) */
    size_t ntitles;
    unsigned long long total; /* correlated alerts over all bursts */
};

static void corr_title(struct corr_sum *cs, struct ward_str v)
{
    for (size_t j = 0; j < cs->ntitles; j++)
        if (strlen(cs->titles[j]) == v.len && memcmp(cs->titles[j], v.ptr, v.len) == 0) return;
    if (cs->ntitles == 3 || v.len >= sizeof cs->titles[0]) return;
    memcpy(cs->titles[cs->ntitles], v.ptr, v.len);
    cs->titles[cs->ntitles++][v.len] = 0;
}

static const char *path_base(const char *p, size_t n, size_t *len)
{
    const char *s = p;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '/') s = p + i + 1;
    *len = n - (size_t)(s - p);
    return s;
}

/* One burst (a correlation object as JSON text): its line and up to WARD_BURST_LIST alert
 * lines, then "and N more" for the alerts it correlates beyond them (listed in the JSON form
 * or left out by the engine). */
static int corr_burst(struct corr_sum *cs, const char *json, size_t len, size_t k, size_t n,
                      ward_time_t ts)
{
    struct ward_corr_burst bu;
    struct ward_err err = {0};
    if (ward_corr_burst_read(&bu, json, len, &err) != 0)
        return ward_buf_printf(&cs->bursts, "         burst %zu of %zu: unreadable (%s)\n", k + 1,
                               n, err.msg);
    int e = 0;
    for (size_t j = 0; j < bu.ntitles; j++) corr_title(cs, bu.titles[j]);
    if (k == 0 && bu.group.len) e |= ward_buf_append(&cs->group, bu.group.data, bu.group.len);
    cs->total += bu.all;
    char t[48];
    ward_time_format(ts, 0, t, sizeof t);
    e |= ward_buf_printf(
        &cs->bursts, "         burst %zu of %zu  %s  %.*s %.*s%s%.*s, %llu alert%s\n", k + 1, n, t,
        (int)bu.type.len, bu.type.ptr ? bu.type.ptr : "", (int)bu.value.len,
        bu.value.ptr ? bu.value.ptr : "", bu.span.len ? " in " : "", (int)bu.span.len,
        bu.span.ptr ? bu.span.ptr : "", bu.all, bu.all == 1 ? "" : "s");
    size_t shown = bu.listed < WARD_BURST_LIST ? (size_t)bu.listed : WARD_BURST_LIST;
    for (size_t i = 0; i < shown; i++) {
        const struct ward_str *at = &bu.alert[i].time;
        e |= ward_buf_printf(&cs->bursts, "           %.*s", (int)at->len, at->ptr ? at->ptr : "");
        if (bu.alert[i].path.len) {
            size_t bl;
            const char *b = path_base(bu.alert[i].path.ptr, bu.alert[i].path.len, &bl);
            e |=
                ward_buf_printf(&cs->bursts, "  %.*s:%.*s", (int)bl, b, (int)bu.alert[i].record.len,
                                bu.alert[i].record.ptr ? bu.alert[i].record.ptr : "");
        }
        e |= ward_buf_printf(&cs->bursts, "  %.*s\n", (int)bu.alert[i].title.len,
                             bu.alert[i].title.ptr ? bu.alert[i].title.ptr : "");
    }
    if (bu.all > shown)
        e |= ward_buf_printf(&cs->bursts, "           and %llu more\n", bu.all - shown);
    ward_corr_burst_free(&bu);
    return e;
}

/* For a correlation alert (its stored event is {"correlation": {...}}, see docs/hunt.md): a
 * line naming what it correlates over all its bursts, e.g. "correlates 10 alerts (SSH ...)
 * for src_ip=10.0.0.1", then every burst (each firing the store counted on the alert) with
 * its time, value and the first WARD_BURST_LIST alerts it correlates. */
static int show_correlation(const struct ward_case *c, const struct ward_case_alert *a,
                            struct ward_buf *b)
{
    static const char head[] = "{\"correlation\":";
    const struct ward_case_burst *bu;
    size_t n = ward_case_alert_bursts(c, a->id, &bu);
    size_t elen = a->event_json ? strlen(a->event_json) : 0;
    int legacy = !n && elen > sizeof head && memcmp(a->event_json, head, sizeof head - 1) == 0 &&
                 a->event_json[elen - 1] == '}';
    if (!n && !legacy) return 0;
    struct corr_sum cs;
    memset(&cs, 0, sizeof cs);
    ward_buf_init(&cs.group, 0);
    ward_buf_init(&cs.bursts, 0);
    int e = 0;
    if (legacy) /* the alert's own event, when the store has no burst row for it */
        e |= corr_burst(&cs, a->event_json + sizeof head - 1, elen - sizeof head, 0, 1,
                        a->first_seen);
    for (size_t k = 0; k < n; k++)
        e |= corr_burst(&cs, bu[k].correlation, strlen(bu[k].correlation), k, n, bu[k].ts);
    e |= ward_buf_printf(b, "         correlates %llu alert%s (", cs.total,
                         cs.total == 1 ? "" : "s");
    for (size_t j = 0; j < cs.ntitles; j++)
        e |= ward_buf_printf(b, "%s%s", j ? "; " : "", cs.titles[j]);
    e |= ward_buf_printf(b, ")%s%.*s\n", cs.group.len ? " for " : "", (int)cs.group.len,
                         cs.group.len ? cs.group.data : "");
    if (cs.bursts.len) e |= ward_buf_append(b, cs.bursts.data, cs.bursts.len);
    ward_buf_free(&cs.group);
    ward_buf_free(&cs.bursts);
    return e;
}

static int show_text(struct ward_case *c, struct ward_buf *b)
{
    const struct ward_incident *x = &c->inc;
    char t1[48], t2[48];
    int e = 0;
    e |= ward_buf_printf(b, "INC-%04lld  %s\n", (long long)x->id, x->title ? x->title : "");
    e |= ward_buf_printf(b, "  status     %s%s\n", ward_status_name(x->status),
                         x->merged_into ? " (merged)" : "");
    if (x->merged_into)
        e |= ward_buf_printf(b, "  merged     into INC-%04lld\n", (long long)x->merged_into);
    e |= ward_buf_printf(b, "  severity   %s\n", ward_level_name(x->severity));
    e |= ward_buf_printf(b, "  assignee   %s\n", x->assignee ? x->assignee : "(unassigned)");
    e |= ward_buf_printf(b, "  alerts     %lld (%lld events)\n", (long long)x->alert_count,
                         (long long)x->event_count);
    ward_time_format(x->first_seen, 0, t1, sizeof t1);
    ward_time_format(x->last_seen, 0, t2, sizeof t2);
    e |= ward_buf_printf(b, "  activity   %s .. %s\n", t1, t2);
    ward_time_format(x->created_at, 0, t1, sizeof t1);
    e |= ward_buf_printf(b, "  opened     %s\n", t1);
    if (x->tactics && *x->tactics) e |= ward_buf_printf(b, "  tactics    %s\n", x->tactics);
    if (x->techniques && *x->techniques)
        e |= ward_buf_printf(b, "  techniques %s\n", x->techniques);
    if (x->resolution) e |= ward_buf_printf(b, "  resolution %s\n", x->resolution);
    if (x->root_cause) e |= ward_buf_printf(b, "  root cause %s\n", x->root_cause);
    if (x->lessons) e |= ward_buf_printf(b, "  lessons    %s\n", x->lessons);
    e |= ward_buf_printf(b, "\nALERTS (%zu)\n", c->nalerts);
    for (size_t i = 0; i < c->nalerts; i++) {
        const struct ward_case_alert *a = &c->alerts[i];
        ward_time_format(a->first_seen, 0, t1, sizeof t1);
        e |= ward_buf_printf(b, "  %-6lld %s  %-8s x%-4lld %-12s %s (%s)\n", (long long)a->id, t1,
                             ward_level_name(a->level), (long long)a->count,
                             a->host ? a->host : "-", a->rule_title, a->rule_id);
        e |= show_correlation(c, a, b);
    }
    if (c->nentities) {
        e |= ward_buf_printf(b, "\nSHARED ENTITIES (%zu)\n", c->nentities);
        for (size_t i = 0; i < c->nentities; i++)
            e |= ward_buf_printf(b, "  %-7s %-40s %lld alert%s\n", c->entities[i].kind,
                                 c->entities[i].value, (long long)c->entities[i].alerts,
                                 c->entities[i].alerts == 1 ? "" : "s");
    }
    e |= ward_buf_printf(b, "\nOBSERVABLES (%zu)\n", c->nobservables);
    for (size_t i = 0; i < c->nobservables; i++) {
        const struct ward_case_observable *ob = &c->observables[i];
        e |= ward_buf_printf(b, "  %-6lld %-7s %s  [%s, %lld]%s%s\n", (long long)ob->id, ob->type,
                             ob->value, ob->source, (long long)ob->sightings, ob->note ? "  " : "",
                             ob->note ? ob->note : "");
    }
    e |= ward_buf_printf(b, "\nTASKS (%zu)\n", c->ntasks);
    for (size_t i = 0; i < c->ntasks; i++)
        e |= ward_buf_printf(b, "  %-6lld %-9s %-14s %s\n", (long long)c->tasks[i].id,
                             c->tasks[i].state, c->tasks[i].assignee ? c->tasks[i].assignee : "-",
                             c->tasks[i].title);
    e |= ward_buf_printf(b, "\nNOTES (%zu)\n", c->nnotes);
    for (size_t i = 0; i < c->nnotes; i++) {
        ward_time_format(c->notes[i].ts, 0, t1, sizeof t1);
        e |= ward_buf_printf(b, "  %s %s: %s\n", t1, c->notes[i].author, c->notes[i].text);
    }
    e |= ward_buf_printf(b, "\nEVIDENCE (%zu)\n", c->nevidence);
    for (size_t i = 0; i < c->nevidence; i++) {
        const struct ward_case_evidence *v = &c->evidence[i];
        e |= ward_buf_printf(b, "  %-6lld %s  %llu bytes  sha256 %s\n", (long long)v->id, v->path,
                             (unsigned long long)v->size, v->sha256);
        for (size_t k = 0; k < c->ncustody; k++) {
            if (c->custody[k].evidence_id != v->id) continue;
            ward_time_format(c->custody[k].ts, 0, t1, sizeof t1);
            e |= ward_buf_printf(b, "         %s %-14s %s: %s\n", t1, c->custody[k].action,
                                 c->custody[k].actor,
                                 c->custody[k].reason ? c->custody[k].reason : "");
        }
    }
    return e;
}

static int do_show(struct copts *o, int argc, char **argv)
{
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    if (optind + 1 < argc) return usage("unexpected argument '%s'", argv[optind + 1]);
    struct ward_store *st;
    struct ward_case *c;
    if ((rc = load(o, id, o->events, &st, &c))) return rc;
    struct ward_buf b;
    ward_buf_init(&b, 0);
    int e;
    if (strcmp(o->format, "json") == 0) {
        struct ward_jw w;
        ward_jw_init(&w, &b);
        e = ward_case_write_json(&w, c) || ward_buf_putc(&b, '\n');
    } else {
        e = show_text(c, &b);
    }
    rc = e ? EX_SOFTWARE : store_cli_output(o->output, b.data ? b.data : "", b.len);
    ward_buf_free(&b);
    ward_case_free(c);
    ward_store_close(st);
    return rc;
}

static int do_timeline(struct copts *o, int argc, char **argv)
{
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    struct ward_store *st;
    struct ward_case *c;
    if ((rc = load(o, id, 0, &st, &c))) return rc;
    struct ward_buf b;
    ward_buf_init(&b, 0);
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_report_timeline(c, o->format, &b, &err))
        rc = fail(&err);
    else
        rc = store_cli_output(o->output, b.data ? b.data : "", b.len);
    ward_buf_free(&b);
    ward_case_free(c);
    ward_store_close(st);
    return rc;
}

/* ---- changes ----------------------------------------------------------------------------------
 */

/* Opens the store for a change; the caller runs the change, then `done`. */
static int open_rw(struct copts *o, struct ward_store **st)
{
    return store_cli_open(store_cli_path(o->store), o->actor, 0, st);
}

static int done(struct ward_store *st, int r, const struct ward_err *err, const char *okmsg)
{
    ward_store_close(st);
    if (r) return fail(err);
    if (okmsg && *okmsg) printf("%s\n", okmsg);
    return 0;
}

static int do_status(struct copts *o, int argc, char **argv)
{
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    if (optind + 1 >= argc) return usage("no STATUS given");
    int to = ward_status_parse(argv[optind + 1]);
    if (to < 0)
        return usage("unknown status '%s' (new, triage, assess, contain, eradicate, recover, "
                     "learn)",
                     argv[optind + 1]);
    struct ward_store *st;
    if ((rc = open_rw(o, &st))) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    int r = ward_store_set_status(st, id, to, o->reason, &err);
    char msg[96];
    snprintf(msg, sizeof msg, "INC-%04lld: %s", (long long)id, ward_status_name(to));
    return done(st, r, &err, msg);
}

static int do_assign(struct copts *o, int argc, char **argv)
{
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    const char *who = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (!who && !o->none) return usage("no USER given (or --none to unassign)");
    if (o->none) who = NULL;
    struct ward_store *st;
    if ((rc = open_rw(o, &st))) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    int r = ward_store_assign(st, id, who, &err);
    char msg[400];
    snprintf(msg, sizeof msg, "INC-%04lld: %s%s", (long long)id,
             who ? "assigned to " : "unassigned", who ? who : "");
    return done(st, r, &err, msg);
}

static int do_title(struct copts *o, int argc, char **argv)
{
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    if (optind + 1 >= argc) return usage("no TITLE given");
    struct ward_store *st;
    if ((rc = open_rw(o, &st))) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    int r = ward_store_set_title(st, id, argv[optind + 1], &err);
    return done(st, r, &err, NULL);
}

/* Joins the remaining arguments with spaces (note text without quoting), or reads stdin
 * when the only argument is "-". */
static char *join_args(int argc, char **argv, int from)
{
    struct ward_buf b;
    ward_buf_init(&b, 1u << 20);
    if (from == argc - 1 && strcmp(argv[from], "-") == 0) {
        char tmp[4096];
        size_t k;
        while ((k = fread(tmp, 1, sizeof tmp, stdin)) > 0)
            if (ward_buf_append(&b, tmp, k)) break;
        while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
            b.data[--b.len] = 0;
    } else {
        for (int i = from; i < argc; i++)
            if ((i > from && ward_buf_putc(&b, ' ')) || ward_buf_puts(&b, argv[i])) break;
    }
    return ward_buf_take(&b);
}

static int do_note(struct copts *o, int argc, char **argv)
{
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    if (optind + 1 >= argc) return usage("no TEXT given");
    char *text = join_args(argc, argv, optind + 1);
    if (!text) return EX_SOFTWARE;
    struct ward_store *st;
    if ((rc = open_rw(o, &st))) {
        free(text);
        return rc;
    }
    struct ward_err err;
    ward_err_clear(&err);
    int64_t nid = 0;
    int r = ward_store_add_note(st, id, text, &nid, &err);
    free(text);
    char msg[96];
    snprintf(msg, sizeof msg, "INC-%04lld: note %lld added", (long long)id, (long long)nid);
    return done(st, r, &err, msg);
}

static int do_task(struct copts *o, int argc, char **argv)
{
    if (optind >= argc) return usage("no action given (add, done, start, cancel, reopen, list)");
    const char *act = argv[optind++];
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    if (strcmp(act, "list") == 0) {
        struct ward_store *st;
        struct ward_case *c;
        if ((rc = load(o, id, 0, &st, &c))) return rc;
        struct ward_buf b;
        ward_buf_init(&b, 0);
        int e = 0;
        if (strcmp(o->format, "json") == 0) {
            struct ward_jw w;
            ward_jw_init(&w, &b);
            ward_jw_arr(&w);
            for (size_t i = 0; i < c->ntasks; i++) {
                ward_jw_obj(&w);
                ward_jw_key(&w, "id");
                ward_jw_int(&w, c->tasks[i].id);
                ward_jw_key(&w, "title");
                ward_jw_str(&w, c->tasks[i].title);
                ward_jw_key(&w, "state");
                ward_jw_str(&w, c->tasks[i].state);
                ward_jw_key(&w, "assignee");
                if (c->tasks[i].assignee)
                    ward_jw_str(&w, c->tasks[i].assignee);
                else
                    ward_jw_null(&w);
                ward_jw_end(&w);
            }
            ward_jw_end(&w);
            e = ward_jw_error(&w) || ward_buf_putc(&b, '\n');
        } else {
            e |= ward_buf_printf(&b, "%-6s %-9s %-14s %s\n", "ID", "STATE", "ASSIGNEE", "TASK");
            for (size_t i = 0; i < c->ntasks; i++)
                e |= ward_buf_printf(
                    &b, "%-6lld %-9s %-14s %s\n", (long long)c->tasks[i].id, c->tasks[i].state,
                    c->tasks[i].assignee ? c->tasks[i].assignee : "-", c->tasks[i].title);
        }
        rc = e ? EX_SOFTWARE : store_cli_output(o->output, b.data ? b.data : "", b.len);
        ward_buf_free(&b);
        ward_case_free(c);
        ward_store_close(st);
        return rc;
    }
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_store *st;
    if (strcmp(act, "add") == 0) {
        if (optind + 1 >= argc) return usage("no TITLE given");
        char *title = join_args(argc, argv, optind + 1);
        if (!title) return EX_SOFTWARE;
        if ((rc = open_rw(o, &st))) {
            free(title);
            return rc;
        }
        int64_t tid = 0;
        int r = ward_store_add_task(st, id, title, o->assignee, &tid, &err);
        free(title);
        char msg[96];
        snprintf(msg, sizeof msg, "INC-%04lld: task %lld added", (long long)id, (long long)tid);
        return done(st, r, &err, msg);
    }
    const char *state = strcmp(act, "done") == 0     ? "done"
                        : strcmp(act, "start") == 0  ? "doing"
                        : strcmp(act, "cancel") == 0 ? "cancelled"
                        : strcmp(act, "reopen") == 0 ? "open"
                                                     : NULL;
    if (!state)
        return usage("unknown task action '%s' (add, done, start, cancel, reopen, list)", act);
    int64_t tid;
    if (optind + 1 >= argc || store_cli_id(argv[optind + 1], &tid))
        return usage("no TASK number given");
    if ((rc = open_rw(o, &st))) return rc;
    int r = ward_store_task_state(st, id, tid, state, &err);
    char msg[96];
    snprintf(msg, sizeof msg, "INC-%04lld: task %lld %s", (long long)id, (long long)tid, state);
    return done(st, r, &err, msg);
}

static int do_observable_search(struct copts *o, int argc, char **argv)
{
    if (optind >= argc) return usage("no VALUE given");
    const char *value = argv[optind];
    const char *type = o->type;
    struct ward_store *st;
    int rc = store_cli_open(store_cli_path(o->store), o->actor, 0, &st);
    if (rc) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_observable_hits *h = NULL;
    if (ward_store_find_observable(st, type, value, &h, &err)) {
        ward_store_close(st);
        return fail(&err);
    }
    struct ward_buf b;
    ward_buf_init(&b, 0);
    int e = 0;
    char t[48];
    if (strcmp(o->format, "json") == 0) {
        struct ward_jw w;
        ward_jw_init(&w, &b);
        ward_jw_arr(&w);
        for (size_t i = 0; i < h->n; i++) {
            const struct ward_observable_hit *x = &h->items[i];
            char id[32];
            snprintf(id, sizeof id, "INC-%04lld", (long long)x->incident);
            ward_jw_obj(&w);
            ward_jw_key(&w, "incident");
            ward_jw_str(&w, id);
            ward_jw_key(&w, "title");
            ward_jw_str(&w, x->title ? x->title : "");
            ward_jw_key(&w, "status");
            ward_jw_str(&w, ward_status_name(x->status));
            ward_jw_key(&w, "type");
            ward_jw_str(&w, x->type);
            ward_jw_key(&w, "value");
            ward_jw_str(&w, x->value);
            ward_jw_key(&w, "source");
            ward_jw_str(&w, x->source);
            ward_jw_key(&w, "sightings");
            ward_jw_int(&w, x->sightings);
            ward_jw_key(&w, "first_seen");
            ward_jw_strn(&w, t, ward_time_format(x->first_seen, 3, t, sizeof t));
            ward_jw_end(&w);
        }
        ward_jw_end(&w);
        e = ward_jw_error(&w) || ward_buf_putc(&b, '\n');
    } else {
        e |= ward_buf_printf(&b, "%-9s %-9s %-7s %-8s %9s  %-20s %s\n", "INCIDENT", "STATUS",
                             "TYPE", "SOURCE", "SIGHTINGS", "FIRST SEEN", "TITLE");
        for (size_t i = 0; i < h->n; i++) {
            const struct ward_observable_hit *x = &h->items[i];
            ward_time_format(x->first_seen, 0, t, sizeof t);
            e |= ward_buf_printf(&b, "INC-%04lld  %-9s %-7s %-8s %9lld  %-20s %s\n",
                                 (long long)x->incident, ward_status_name(x->status), x->type,
                                 x->source, (long long)x->sightings, t, x->title ? x->title : "");
        }
    }
    rc = e ? EX_SOFTWARE : store_cli_output(o->output, b.data ? b.data : "", b.len);
    ward_buf_free(&b);
    size_t found = h->n;
    ward_observable_hits_free(h);
    ward_store_close(st);
    return rc ? rc : (found ? 0 : 1);
}

static int do_observable(struct copts *o, int argc, char **argv)
{
    if (optind >= argc) return usage("no action given (add, list, search)");
    const char *act = argv[optind++];
    if (strcmp(act, "search") == 0) return do_observable_search(o, argc, argv);
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    if (strcmp(act, "list") == 0) {
        struct ward_store *st;
        struct ward_case *c;
        if ((rc = load(o, id, 0, &st, &c))) return rc;
        struct ward_buf b;
        ward_buf_init(&b, 0);
        int e = 0;
        if (strcmp(o->format, "json") == 0) {
            struct ward_jw w;
            ward_jw_init(&w, &b);
            ward_jw_arr(&w);
            for (size_t i = 0; i < c->nobservables; i++) {
                const struct ward_case_observable *ob = &c->observables[i];
                ward_jw_obj(&w);
                ward_jw_key(&w, "id");
                ward_jw_int(&w, ob->id);
                ward_jw_key(&w, "type");
                ward_jw_str(&w, ob->type);
                ward_jw_key(&w, "value");
                ward_jw_str(&w, ob->value);
                ward_jw_key(&w, "source");
                ward_jw_str(&w, ob->source);
                ward_jw_key(&w, "sightings");
                ward_jw_int(&w, ob->sightings);
                ward_jw_key(&w, "note");
                if (ob->note)
                    ward_jw_str(&w, ob->note);
                else
                    ward_jw_null(&w);
                ward_jw_end(&w);
            }
            ward_jw_end(&w);
            e = ward_jw_error(&w) || ward_buf_putc(&b, '\n');
        } else {
            e |= ward_buf_printf(&b, "%-6s %-7s %-8s %9s  %s\n", "ID", "TYPE", "SOURCE",
                                 "SIGHTINGS", "VALUE");
            for (size_t i = 0; i < c->nobservables; i++) {
                const struct ward_case_observable *ob = &c->observables[i];
                e |= ward_buf_printf(&b, "%-6lld %-7s %-8s %9lld  %s\n", (long long)ob->id,
                                     ob->type, ob->source, (long long)ob->sightings, ob->value);
            }
        }
        rc = e ? EX_SOFTWARE : store_cli_output(o->output, b.data ? b.data : "", b.len);
        ward_buf_free(&b);
        ward_case_free(c);
        ward_store_close(st);
        return rc;
    }
    if (strcmp(act, "add") != 0)
        return usage("unknown observable action '%s' (add, list, search)", act);
    if (optind + 2 >= argc) return usage("give TYPE and VALUE (types: " WARD_OBS_TYPES ")");
    const char *type = argv[optind + 1], *value = argv[optind + 2];
    if (!ward_observable_type_ok(type))
        return usage("unknown observable type '%s' (one of: " WARD_OBS_TYPES ")", type);
    struct ward_store *st;
    if ((rc = open_rw(o, &st))) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    int64_t oid = 0;
    int added = 0;
    int r = ward_store_add_observable(st, id, type, value, o->note, &oid, &added, &err);
    char msg[96];
    snprintf(msg, sizeof msg, "INC-%04lld: observable %lld %s", (long long)id, (long long)oid,
             added ? "added" : "already recorded");
    return done(st, r, &err, msg);
}

static int do_evidence(struct copts *o, int argc, char **argv)
{
    if (optind >= argc) return usage("no action given (add, list, verify, custody)");
    const char *act = argv[optind++];
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_store *st;
    if (strcmp(act, "add") == 0) {
        if (optind + 1 >= argc) return usage("no FILE given");
        if (!o->reason) return usage("--reason TEXT is required: why is this evidence?");
        if ((rc = open_rw(o, &st))) return rc;
        int64_t eid = 0;
        int r = ward_store_add_evidence(st, id, argv[optind + 1], o->reason, &eid, &err);
        char msg[96];
        snprintf(msg, sizeof msg, "INC-%04lld: evidence %lld recorded", (long long)id,
                 (long long)eid);
        return done(st, r, &err, msg);
    }
    if (strcmp(act, "custody") == 0) {
        int64_t eid;
        if (optind + 2 >= argc || store_cli_id(argv[optind + 1], &eid))
            return usage("give EVIDENCE number and ACTION");
        if (!o->reason) return usage("--reason TEXT is required");
        if ((rc = open_rw(o, &st))) return rc;
        int r = ward_store_evidence_custody(st, id, eid, argv[optind + 2], o->reason, &err);
        return done(st, r, &err, "custody step recorded");
    }
    if (strcmp(act, "verify") == 0) {
        if ((rc = open_rw(o, &st))) return rc;
        struct ward_evidence_check *v = NULL;
        size_t n = 0;
        int r = ward_store_evidence_verify(st, id, o->id, &v, &n, &err);
        if (r) return done(st, r, &err, NULL);
        int bad = 0;
        struct ward_buf b;
        ward_buf_init(&b, 0);
        int e = 0;
        if (strcmp(o->format, "json") == 0) {
            struct ward_jw w;
            ward_jw_init(&w, &b);
            ward_jw_arr(&w);
            for (size_t i = 0; i < n; i++) {
                ward_jw_obj(&w);
                ward_jw_key(&w, "id");
                ward_jw_int(&w, v[i].id);
                ward_jw_key(&w, "path");
                ward_jw_str(&w, v[i].path);
                ward_jw_key(&w, "ok");
                ward_jw_bool(&w, v[i].ok);
                ward_jw_key(&w, "expected");
                ward_jw_str(&w, v[i].expected);
                ward_jw_key(&w, "actual");
                if (v[i].actual[0])
                    ward_jw_str(&w, v[i].actual);
                else
                    ward_jw_null(&w);
                if (!v[i].ok) {
                    ward_jw_key(&w, "reason");
                    ward_jw_str(&w, v[i].reason);
                }
                ward_jw_end(&w);
            }
            ward_jw_end(&w);
            e = ward_jw_error(&w) || ward_buf_putc(&b, '\n');
        }
        for (size_t i = 0; i < n; i++) {
            bad += !v[i].ok;
            if (strcmp(o->format, "json") != 0)
                e |= ward_buf_printf(&b, "%-6lld %-6s %s%s%s\n", (long long)v[i].id,
                                     v[i].ok ? "OK" : "FAILED", v[i].path, v[i].ok ? "" : ": ",
                                     v[i].ok ? "" : v[i].reason);
        }
        if (!n && strcmp(o->format, "json") != 0) e |= ward_buf_puts(&b, "no evidence recorded\n");
        rc = e ? EX_SOFTWARE : cli_write(b.data ? b.data : "", b.len);
        ward_buf_free(&b);
        free(v);
        ward_store_close(st);
        return rc ? rc : (bad ? 1 : 0);
    }
    if (strcmp(act, "list") == 0) {
        struct ward_case *c;
        if ((rc = load(o, id, 0, &st, &c))) return rc;
        struct ward_buf b;
        ward_buf_init(&b, 0);
        int e = 0;
        if (strcmp(o->format, "json") == 0) {
            struct ward_jw w;
            ward_jw_init(&w, &b);
            /* the case JSON has evidence with custody; print just that member */
            ward_jw_arr(&w);
            for (size_t i = 0; i < c->nevidence; i++) {
                const struct ward_case_evidence *ev = &c->evidence[i];
                char t[48];
                ward_jw_obj(&w);
                ward_jw_key(&w, "id");
                ward_jw_int(&w, ev->id);
                ward_jw_key(&w, "path");
                ward_jw_str(&w, ev->path);
                ward_jw_key(&w, "size");
                ward_jw_uint(&w, ev->size);
                ward_jw_key(&w, "sha256");
                ward_jw_str(&w, ev->sha256);
                ward_jw_key(&w, "added_by");
                ward_jw_str(&w, ev->added_by);
                ward_jw_key(&w, "added_at");
                ward_jw_strn(&w, t, ward_time_format(ev->added_at, 3, t, sizeof t));
                ward_jw_key(&w, "reason");
                ward_jw_str(&w, ev->reason);
                ward_jw_key(&w, "custody");
                ward_jw_arr(&w);
                for (size_t k = 0; k < c->ncustody; k++) {
                    const struct ward_case_custody *cu = &c->custody[k];
                    if (cu->evidence_id != ev->id) continue;
                    ward_jw_obj(&w);
                    ward_jw_key(&w, "time");
                    ward_jw_strn(&w, t, ward_time_format(cu->ts, 3, t, sizeof t));
                    ward_jw_key(&w, "actor");
                    ward_jw_str(&w, cu->actor);
                    ward_jw_key(&w, "action");
                    ward_jw_str(&w, cu->action);
                    ward_jw_key(&w, "reason");
                    ward_jw_str(&w, cu->reason ? cu->reason : "");
                    ward_jw_end(&w);
                }
                ward_jw_end(&w);
                ward_jw_end(&w);
            }
            ward_jw_end(&w);
            e = ward_jw_error(&w) || ward_buf_putc(&b, '\n');
        } else {
            for (size_t i = 0; i < c->nevidence; i++) {
                const struct ward_case_evidence *ev = &c->evidence[i];
                char t[48];
                e |= ward_buf_printf(&b, "%lld  %s  %llu bytes  sha256 %s\n", (long long)ev->id,
                                     ev->path, (unsigned long long)ev->size, ev->sha256);
                for (size_t k = 0; k < c->ncustody; k++) {
                    const struct ward_case_custody *cu = &c->custody[k];
                    if (cu->evidence_id != ev->id) continue;
                    ward_time_format(cu->ts, 0, t, sizeof t);
                    e |= ward_buf_printf(&b, "    %s  %-14s %-14s %s\n", t, cu->action, cu->actor,
                                         cu->reason ? cu->reason : "");
                }
            }
            if (!c->nevidence) e |= ward_buf_puts(&b, "no evidence recorded\n");
        }
        rc = e ? EX_SOFTWARE : store_cli_output(o->output, b.data ? b.data : "", b.len);
        ward_buf_free(&b);
        ward_case_free(c);
        ward_store_close(st);
        return rc;
    }
    return usage("unknown evidence action '%s' (add, list, verify, custody)", act);
}

static int do_merge(struct copts *o, int argc, char **argv)
{
    int64_t from, into;
    int rc = need_incident(argc, argv, optind, &from);
    if (rc) return rc;
    if ((rc = need_incident(argc, argv, optind + 1, &into))) return rc;
    struct ward_store *st;
    if ((rc = open_rw(o, &st))) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    int r = ward_store_merge(st, from, into, &err);
    char msg[96];
    snprintf(msg, sizeof msg, "INC-%04lld merged into INC-%04lld", (long long)from,
             (long long)into);
    return done(st, r, &err, msg);
}

/* Asks for a line on the terminal; NULL when stdin is not a terminal or at EOF. */
static char *ask(const char *prompt)
{
    if (!isatty(STDIN_FILENO)) return NULL;
    fprintf(stderr, "%s: ", prompt);
    fflush(stderr);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n <= 0) {
        free(line);
        return NULL;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (!n) {
        free(line);
        return NULL;
    }
    return line;
}

static int do_close(struct copts *o, int argc, char **argv)
{
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    char *a1 = NULL, *a2 = NULL, *a3 = NULL;
    const char *res = o->resolution, *root = o->root_cause, *les = o->lessons;
    if (!res) res = a1 = ask("Resolution (what was done)");
    if (!root) root = a2 = ask("Root cause");
    if (!les) les = a3 = ask("Lessons learned");
    if (!res || !root || !les) {
        free(a1);
        free(a2);
        free(a3);
        return usage("closing needs --resolution, --root-cause and --lessons");
    }
    struct ward_store *st;
    if ((rc = open_rw(o, &st))) {
        free(a1);
        free(a2);
        free(a3);
        return rc;
    }
    struct ward_err err;
    ward_err_clear(&err);
    int r = ward_store_close_incident(st, id, res, root, les, &err);
    free(a1);
    free(a2);
    free(a3);
    char msg[96];
    snprintf(msg, sizeof msg, "INC-%04lld: closed", (long long)id);
    return done(st, r, &err, msg);
}

static int do_reopen(struct copts *o, int argc, char **argv)
{
    int64_t id;
    int rc = need_incident(argc, argv, optind, &id);
    if (rc) return rc;
    if (!o->reason) return usage("--reason TEXT is required: why reopen?");
    struct ward_store *st;
    if ((rc = open_rw(o, &st))) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    int r = ward_store_reopen(st, id, o->reason, &err);
    char msg[96];
    snprintf(msg, sizeof msg, "INC-%04lld: reopened (triage)", (long long)id);
    return done(st, r, &err, msg);
}

static int do_verify(struct copts *o, int argc, char **argv)
{
    if (optind < argc) return usage("unexpected argument '%s'", argv[optind]);
    struct ward_store *st;
    int rc = store_cli_open(store_cli_path(o->store), o->actor, 0, &st);
    if (rc) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_journal_check jc;
    int integ = ward_store_integrity(st, &err);
    char integ_msg[WARD_ERR_MSG_MAX] = "ok";
    if (integ) ward_strlcpy(integ_msg, err.msg, sizeof integ_msg);
    ward_err_clear(&err);
    if (ward_store_verify(st, &jc, &err)) {
        ward_store_close(st);
        return fail(&err);
    }
    ward_store_close(st);
    int ok = !integ && !jc.bad_seq && !jc.bad_count;
    if (strcmp(o->format, "json") == 0) {
        struct ward_buf b;
        struct ward_jw w;
        ward_buf_init(&b, 0);
        ward_jw_init(&w, &b);
        ward_jw_obj(&w);
        ward_jw_key(&w, "ok");
        ward_jw_bool(&w, ok);
        ward_jw_key(&w, "integrity");
        ward_jw_str(&w, integ_msg);
        ward_jw_key(&w, "journal_entries");
        ward_jw_uint(&w, jc.entries);
        ward_jw_key(&w, "first_bad_entry");
        if (jc.bad_seq)
            ward_jw_int(&w, jc.bad_seq);
        else
            ward_jw_null(&w);
        ward_jw_key(&w, "reason");
        if (jc.bad_seq)
            ward_jw_str(&w, jc.reason);
        else
            ward_jw_null(&w);
        ward_jw_key(&w, "incidents_with_bad_counts");
        ward_jw_uint(&w, jc.bad_count);
        ward_jw_end(&w);
        int e = ward_jw_error(&w) || ward_buf_putc(&b, '\n');
        rc = e ? EX_SOFTWARE : cli_write(b.data, b.len);
        ward_buf_free(&b);
    } else {
        printf("integrity check: %s\n", integ_msg);
        if (jc.bad_seq)
            printf("journal: FAILED at entry %lld of %llu walked: %s\n", (long long)jc.bad_seq,
                   (unsigned long long)jc.entries, jc.reason);
        else
            printf("journal: ok, %llu entries, hash chain intact\n",
                   (unsigned long long)jc.entries);
        if (jc.bad_count)
            printf("counters: FAILED: %llu incident(s) disagree with their alerts, first "
                   "INC-%04lld\n",
                   (unsigned long long)jc.bad_count, (long long)jc.bad_incident);
        else
            printf("counters: ok\n");
    }
    if (rc) return rc;
    return ok ? 0 : 1;
}

/* ---- import ---------------------------------------------------------------------------------- */

struct imp_alert {
    struct ward_alert a;
    struct ward_arena arena;
};

static int do_import(struct copts *o, int argc, char **argv)
{
    if (optind >= argc) return usage("no FILE given");
    if (!ward_decoder_find("json"))
        return usage("this build has no JSON decoder yet: cannot read '%s'", argv[optind]);
    struct ward_store *st;
    int rc = store_cli_open(store_cli_path(o->store), o->actor, 1, &st);
    if (rc) return rc;
    struct ward_decode_opts dopts;
    ward_decode_opts_default(&dopts);
    struct ward_event ev, sub;
    if (ward_event_init(&ev, NULL)) {
        ward_store_close(st);
        return EX_SOFTWARE;
    }
    if (ward_event_init(&sub, NULL)) {
        ward_event_free(&ev);
        ward_store_close(st);
        return EX_SOFTWARE;
    }
    size_t batch = o->batch ? o->batch : 500;
    struct imp_alert *buf = calloc(batch, sizeof *buf);
    if (!buf) {
        ward_event_free(&ev);
        ward_event_free(&sub);
        ward_store_close(st);
        return EX_SOFTWARE;
    }
    for (size_t i = 0; i < batch; i++) ward_arena_init(&buf[i].arena, 4096, 32u << 20);
    struct ward_store_stats stats = {0};
    uint64_t bad = 0, files_bad = 0;
    rc = 0;
    for (int fi = optind; fi < argc && !rc; fi++) {
        struct ward_reader r;
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_reader_open(&r, argv[fi], "json", &dopts, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            files_bad++;
            continue;
        }
        size_t nb = 0;
        for (;;) {
            ward_err_clear(&err);
            int k = ward_reader_next(&r, &ev, &err);
            if (k < 0) {
                ward_log_err(WARD_LOG_ERROR, &err);
                bad++;
                if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
                continue;
            }
            if (k == 1) {
                ward_arena_reset(&buf[nb].arena);
                ward_err_clear(&err);
                if (ward_alert_from_event(&ev, &sub, &buf[nb].arena, &buf[nb].a, &err)) {
                    ward_error("%s: record %llu: %s", argv[fi], (unsigned long long)ev.record,
                               err.msg);
                    bad++;
                    continue;
                }
                nb++;
            }
            if (nb == batch || (k == 0 && nb)) {
                struct ward_alert *arr = malloc(nb * sizeof *arr);
                if (!arr) {
                    rc = EX_SOFTWARE;
                    break;
                }
                for (size_t i = 0; i < nb; i++) arr[i] = buf[i].a;
                ward_err_clear(&err);
                int r2 = ward_store_add_alerts(st, arr, nb, &o->group, &stats, &err);
                free(arr);
                if (r2) {
                    rc = fail(&err);
                    break;
                }
                nb = 0;
            }
            if (k == 0) break;
        }
        ward_reader_close(&r);
    }
    for (size_t i = 0; i < batch; i++) ward_arena_free(&buf[i].arena);
    free(buf);
    ward_event_free(&ev);
    ward_event_free(&sub);
    ward_store_close(st);
    if (rc) return rc;
    fprintf(stderr,
            "imported %llu alerts: %llu new, %llu repeats; %llu incidents opened, %llu alerts "
            "joined existing ones; %llu new observables%s\n",
            (unsigned long long)stats.alerts, (unsigned long long)stats.alerts_new,
            (unsigned long long)stats.alerts_repeated, (unsigned long long)stats.incidents_new,
            (unsigned long long)stats.incidents_joined, (unsigned long long)stats.observables_new,
            bad ? "; some records were bad (see above)" : "");
    if (files_bad && !stats.alerts) return EX_NOINPUT;
    return (bad || files_bad || stats.alerts_rejected) ? EX_DATAERR : 0;
}

/* ---- the table of subcommands ------------------------------------------------------------ */

#define OUT_HELP "  -f, --format FMT        table (default) or json\n"
#define OUTFILE_HELP "  -o, --output FILE       write to FILE instead of standard output\n"

static const struct sub subs[] = {
    {"list", "list incidents",
     "usage: ward case list [OPTIONS]\n\n"
     "Lists incidents, oldest first: id, status, severity, alert rows and events (with\n"
     "repeats), first and last activity, assignee and title. Incidents merged into another\n"
     "are left out unless --all.\n\nOptions:\n"
     "  -s, --status STATUS     only this status (new, triage, ..., closed) or 'open'\n"
     "      --open              only incidents that are not closed\n"
     "      --severity LEVEL    only this severity or higher (low, medium, high, critical)\n"
     "      --assignee USER     only incidents assigned to USER\n"
     "      --since TIME        created at or after TIME (RFC 3339 or YYYY-MM-DD)\n"
     "      --until TIME        created before TIME\n"
     "  -n, --limit N           at most N incidents\n"
     "      --all               include merged incidents\n"
     "      --create            create an empty store when there is none\n" OUT_HELP OUTFILE_HELP,
     do_list},
    {"show", "show an incident with its alerts, observables, tasks, notes, evidence",
     "usage: ward case show INCIDENT [OPTIONS]\n\n"
     "Shows one incident (INC-0001 or 1): summary, alerts, the entities that tie them\n"
     "together, observables, tasks, notes and evidence with its chain of custody. Under a\n"
     "correlation alert, each of its bursts (every firing counted on it) with the first 5\n"
     "alerts it correlates and the number of the others. The JSON form has everything, the\n"
     "journal and every burst's correlated alerts included.\n\nOptions:\n"
     "      --events            include each alert's triggering event (JSON output)\n" OUT_HELP
         OUTFILE_HELP,
     do_show},
    {"status", "move an incident to another lifecycle phase",
     "usage: ward case status INCIDENT STATUS [--reason TEXT]\n\n"
     "Moves an incident along the lifecycle: new, triage, assess, contain, eradicate,\n"
     "recover, learn (closing is 'ward case close'). Allowed moves:\n"
     "  new -> triage | closed           triage -> assess | contain | closed\n"
     "  assess -> triage | contain | learn | closed\n"
     "  contain -> assess | eradicate | recover\n"
     "  eradicate -> assess | contain | recover\n"
     "  recover -> assess | contain | learn      learn -> assess | closed\n"
     "  closed -> triage (only through 'ward case reopen')\n"
     "Each move is journaled with the actor and the time; the first move out of new is the\n"
     "acknowledgement (MTTA), the first move into contain (or later) the containment.\n"
     "Exit status 1 when the move is not allowed.\n\nOptions:\n"
     "      --reason TEXT       why (kept in the journal)\n",
     do_status},
    {"assign", "assign an incident to a handler",
     "usage: ward case assign INCIDENT USER\n       ward case assign INCIDENT --none\n\n"
     "Sets who handles the incident (journaled with the previous assignee).\n",
     do_assign},
    {"title", "change an incident's title",
     "usage: ward case title INCIDENT TITLE\n\nReplaces the title (journaled).\n", do_title},
    {"note", "add a note to an incident",
     "usage: ward case note INCIDENT TEXT...\n       ward case note INCIDENT -   (text from "
     "standard input)\n\n"
     "Adds a note with the author (the actor) and the time. Notes are never edited: add\n"
     "another to correct one.\n",
     do_note},
    {"task", "add, list and update the tasks of an incident",
     "usage: ward case task add INCIDENT TITLE... [--assignee USER]\n"
     "       ward case task done|start|cancel|reopen INCIDENT TASK\n"
     "       ward case task list INCIDENT [--format table|json]\n\n"
     "Tasks are the response actions of a case; their states are open, doing, done and\n"
     "cancelled. Every change is journaled.\n",
     do_task},
    {"observable", "add, list and search observables",
     "usage: ward case observable add INCIDENT TYPE VALUE [--note TEXT]\n"
     "       ward case observable list INCIDENT [--format table|json]\n"
     "       ward case observable search VALUE [--type TYPE] [--format table|json]\n\n"
     "Observables are the indicators of a case: types ip, domain, url, hash, user, host,\n"
     "file. Values are validated and normalised (addresses in canonical form, hashes and\n"
     "domains in lower case; hashes must be hex MD5, SHA-1, SHA-256 or SHA-512). Those\n"
     "found in the alerts' events are recorded automatically with source 'alert'.\n"
     "search looks a value up in every incident (normalised for each type it is valid for,\n"
     "or only for --type): have we seen this address, hash or user before? Exit status 1\n"
     "when it is nowhere. Exit status 65 when the value is not valid for its type.\n",
     do_observable},
    {"evidence", "record evidence files, their chain of custody, and re-verify them",
     "usage: ward case evidence add INCIDENT FILE --reason TEXT\n"
     "       ward case evidence list INCIDENT [--format table|json]\n"
     "       ward case evidence custody INCIDENT EVIDENCE ACTION --reason TEXT\n"
     "       ward case evidence verify INCIDENT [--id EVIDENCE] [--format table|json]\n\n"
     "add records FILE as evidence: the path as given and resolved, its size, its SHA-256,\n"
     "who, when and why; that is the first custody step ('acquired'). The file is only\n"
     "read, never copied or changed. custody appends a step (ACTION such as transferred,\n"
     "stored, examined, released). verify re-hashes the files and appends a 'verified' or\n"
     "'verify-failed' step to each; exit status 1 when any differs or is missing.\n",
     do_evidence},
    {"timeline", "the timeline of an incident: alerts and handling steps in time order",
     "usage: ward case timeline INCIDENT [--format table|md|json]\n\n"
     "Merges the alerts (at their event times) and the journal (at the times of the\n"
     "handling steps: status changes, notes, tasks, evidence ...) into one timeline.\n",
     do_timeline},
    {"merge", "merge one incident into another",
     "usage: ward case merge FROM INTO\n\n"
     "Moves the alerts, entities, observables, notes, tasks and evidence of FROM into INTO\n"
     "and closes FROM as merged. INTO must be open. Both journals record it.\n",
     do_merge},
    {"close", "close an incident with resolution, root cause and lessons learned",
     "usage: ward case close INCIDENT --resolution TEXT --root-cause TEXT --lessons TEXT\n\n"
     "Closes the incident. All three texts are required; on a terminal, missing ones are\n"
     "asked for. Allowed from new, triage, assess (e.g. a false positive) and learn;\n"
     "an incident being contained, eradicated or recovered goes through learn first.\n",
     do_close},
    {"reopen", "reopen a closed incident",
     "usage: ward case reopen INCIDENT --reason TEXT\n\n"
     "Moves a closed incident back to triage; the closure texts stay until it is closed\n"
     "again.\n",
     do_reopen},
    {"verify", "check the store: integrity, the journal's hash chain, the counters",
     "usage: ward case verify [--format table|json]\n\n"
     "Runs SQLite's integrity check, walks the journal and re-computes each entry's\n"
     "SHA-256 from its content and the previous entry's hash, and checks each incident's\n"
     "counters against its alerts. The first entry that does not hold is named (changed\n"
     "content, a broken link, missing entries, a removed tail). Exit status 0 when all\n"
     "holds, 1 when not.\n",
     do_verify},
    {"import", "record alerts from JSON lines (ward hunt --format jsonl, other tools)",
     "usage: ward case import FILE... [OPTIONS]\n\n"
     "Reads alerts, one JSON object a line:\n"
     "  {\"timestamp\": \"2026-03-01T10:00:00Z\", \"host\": \"WS01\",\n"
     "   \"rule\": {\"id\": \"...\", \"title\": \"...\", \"level\": \"high\", \"tags\": [...]},\n"
     "   \"attack\": {\"tactics\": [\"execution\"], \"techniques\": [{\"id\": \"T1059.001\",\n"
     "   \"name\": \"PowerShell\"}]}, \"source\": {\"path\": \"...\", \"record\": 7},\n"
     "   \"event\": {...the triggering event...}}\n"
     "and records them in batches (one transaction each): repeats of a rule on the same\n"
     "entities within the dedup window count on one alert; alerts sharing a host, user,\n"
     "address or hash within the group window join one incident. Entities and observables\n"
     "are taken from the event. FILE - reads standard input. Creates the store when\n"
     "absent. Exit status 65 when some lines were bad (they are reported with file and\n"
     "line; the rest is imported), 66 when no file could be read.\n\nOptions:\n"
     "      --dedup-window DUR  default 1h (DUR: 30s, 15m, 1h, 2d)\n"
     "      --group-window DUR  default 24h\n"
     "      --no-host-grouping  a shared host alone does not group alerts\n"
     "      --batch N           alerts per transaction (default 500)\n",
     do_import},
};

static const char help_text[] =
    "usage: ward case COMMAND [ARGS...] [OPTIONS]\n\n"
    "Manages incidents as cases in the case store (one SQLite file): from the first alert\n"
    "to the lessons learned, with every change in a tamper-evident journal.\n\n"
    "Commands:\n"
    "  list        list incidents\n"
    "  show        show an incident with its alerts, observables, tasks, notes, evidence\n"
    "  status      move an incident to another lifecycle phase\n"
    "  assign      assign an incident to a handler\n"
    "  title       change an incident's title\n"
    "  note        add a note to an incident\n"
    "  task        add, list and update the tasks of an incident\n"
    "  observable  add, list and search observables\n"
    "  evidence    record evidence files, their chain of custody, and re-verify them\n"
    "  timeline    the timeline of an incident: alerts and handling steps in time order\n"
    "  merge       merge one incident into another\n"
    "  close       close an incident with resolution, root cause and lessons learned\n"
    "  reopen      reopen a closed incident\n"
    "  verify      check the store: integrity, the journal's hash chain, the counters\n"
    "  import      record alerts from JSON lines (ward hunt --format jsonl, other tools)\n"
    "  case        manage incidents: lifecycle, notes, tasks, evidence\n"
    "\nOptions of every command:\n" STORE_CLI_COMMON_HELP
    "  -h, --help              the command's help ('ward case COMMAND "
    "--help')\n\n" STORE_CLI_ENV_HELP
    "\nExit status: 0 done, 1 not allowed or a check failed, 64 usage error,\n"
    "65 invalid value, 66 no such store or incident, 74 I/O error.\n\n"
    "Examples:\n"
    "  ward case import alerts.jsonl -d case.db\n"
    "  ward case list --open\n"
    "  ward case status INC-0001 triage --reason 'confirmed on WS01'\n"
    "  ward case evidence add INC-0001 mem.raw --reason 'memory of WS01'\n"
    "  ward case close INC-0001 --resolution ... --root-cause ... --lessons ...\n"
    "  ward case verify\n";

static int run(int argc, char **argv);
const struct ward_cmd ward_cmd_case = {
    "case", "manage incidents: lifecycle, notes, tasks, evidence", help_text, run};

static int run(int argc, char **argv)
{
    if (argc < 2) {
        fputs(help_text, stderr);
        return EX_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2)
            for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
                if (strcmp(subs[i].name, argv[2]) == 0) {
                    printf("%s\nOptions of every command:\n" STORE_CLI_COMMON_HELP
                           "  -h, --help              this help\n\n" STORE_CLI_ENV_HELP,
                           subs[i].help);
                    return EX_OK;
                }
        fputs(help_text, stdout);
        return EX_OK;
    }
    cur = NULL;
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(subs[i].name, argv[1]) == 0) cur = &subs[i];
    if (!cur) {
        fprintf(stderr, "ward case: no such command '%s'\nTry 'ward case --help'.\n", argv[1]);
        return EX_USAGE;
    }
    enum {
        O_ACTOR = 1000,
        O_REASON,
        O_RES,
        O_ROOT,
        O_LESSONS,
        O_ASSIGNEE,
        O_NOTE,
        O_SEV,
        O_EVENTS,
        O_ALL,
        O_OPEN,
        O_NONE,
        O_ID,
        O_CREATE,
        O_SINCE,
        O_UNTIL,
        O_DEDUP,
        O_GROUP,
        O_NOHOST,
        O_BATCH,
        O_TYPE
    };
    static const struct option opts[] = {
        {"store", required_argument, NULL, 'd'},
        {"actor", required_argument, NULL, O_ACTOR},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"status", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"reason", required_argument, NULL, O_REASON},
        {"resolution", required_argument, NULL, O_RES},
        {"root-cause", required_argument, NULL, O_ROOT},
        {"lessons", required_argument, NULL, O_LESSONS},
        {"assignee", required_argument, NULL, O_ASSIGNEE},
        {"note", required_argument, NULL, O_NOTE},
        {"type", required_argument, NULL, O_TYPE},
        {"severity", required_argument, NULL, O_SEV},
        {"events", no_argument, NULL, O_EVENTS},
        {"all", no_argument, NULL, O_ALL},
        {"open", no_argument, NULL, O_OPEN},
        {"none", no_argument, NULL, O_NONE},
        {"id", required_argument, NULL, O_ID},
        {"create", no_argument, NULL, O_CREATE},
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"dedup-window", required_argument, NULL, O_DEDUP},
        {"group-window", required_argument, NULL, O_GROUP},
        {"no-host-grouping", no_argument, NULL, O_NOHOST},
        {"batch", required_argument, NULL, O_BATCH},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct copts o;
    memset(&o, 0, sizeof o);
    o.format = "table";
    o.severity = -1;
    o.since = o.until = WARD_TIME_NONE;
    ward_group_opts_default(&o.group);
    int c;
    int64_t v;
    argc--; /* the subcommand parses from argv[0] = its name */
    argv++;
    optind = 0;
    while ((c = getopt_long(argc, argv, "d:f:o:s:n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': o.store = optarg; break;
        case O_ACTOR: o.actor = optarg; break;
        case 'f': o.format = optarg; break;
        case 'o': o.output = optarg; break;
        case 's': o.status = optarg; break;
        case 'n':
            if (store_cli_id(optarg, &v)) return usage("bad --limit '%s'", optarg);
            o.limit = (size_t)v;
            break;
        case O_REASON: o.reason = optarg; break;
        case O_RES: o.resolution = optarg; break;
        case O_ROOT: o.root_cause = optarg; break;
        case O_LESSONS: o.lessons = optarg; break;
        case O_ASSIGNEE: o.assignee = optarg; break;
        case O_NOTE: o.note = optarg; break;
        case O_TYPE: o.type = optarg; break;
        case O_SEV:
            if ((o.severity = ward_level_parse(optarg)) < 0)
                return usage("unknown severity '%s'", optarg);
            break;
        case O_EVENTS: o.events = 1; break;
        case O_ALL: o.all = 1; break;
        case O_OPEN: o.open = 1; break;
        case O_NONE: o.none = 1; break;
        case O_ID:
            if (store_cli_id(optarg, &o.id)) return usage("bad --id '%s'", optarg);
            break;
        case O_CREATE: o.create = 1; break;
        case O_SINCE:
            if (store_cli_time(optarg, &o.since)) return usage("bad --since '%s'", optarg);
            break;
        case O_UNTIL:
            if (store_cli_time(optarg, &o.until)) return usage("bad --until '%s'", optarg);
            break;
        case O_DEDUP:
            if (parse_dur(optarg, &o.group.dedup_window))
                return usage("bad --dedup-window '%s' (30s, 15m, 1h, 2d)", optarg);
            break;
        case O_GROUP:
            if (parse_dur(optarg, &o.group.group_window))
                return usage("bad --group-window '%s' (30s, 15m, 1h, 2d)", optarg);
            break;
        case O_NOHOST: o.group.group_by_host = 0; break;
        case O_BATCH:
            if (store_cli_id(optarg, &v) || v > 100000) return usage("bad --batch '%s'", optarg);
            o.batch = (size_t)v;
            break;
        case 'h':
            printf("%s\nOptions of every command:\n" STORE_CLI_COMMON_HELP
                   "  -h, --help              this help\n\n" STORE_CLI_ENV_HELP,
                   cur->help);
            return EX_OK;
        default: return usage("unknown option");
        }
    }
    if (strcmp(o.format, "table") != 0 && strcmp(o.format, "json") != 0 &&
        !(strcmp(o.format, "md") == 0 && strcmp(cur->name, "timeline") == 0))
        return usage("--format must be table or json, not '%s'", o.format);
    return cur->fn(&o, argc, argv);
}
