/*
 * rules_seq.c - `ward rules test` for Sigma correlation rules and filters. Their
 * NAME.test.jsonl is a list of cases, each a few events in time order with the correlation
 * alerts the case must raise, or with the matches the filter must drop (format:
 * docs/rules.md, "Tests of correlations and filters"). The events go through the detection
 * rules loaded from the tested paths and --rules as in `ward hunt`: the compiled rule set
 * (or the reference evaluator), the filters, then the correlation engine in event time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sigma_cli.h"
#include "ward/correlate.h"
#include "ward/decode.h"

#define SEQ_HITS 256 /* detection rules one test event may match */

struct seq_ctx {
    int built, reference;
    char why[480]; /* when the rules could not be set up: the failure of every sequence test */
    const struct ward_taxonomy *tax;
    struct ward_sigma_rules *all;
    struct ward_ruleset *rs;
    struct ward_matcher *m;
    const struct ward_sigma_rule **base; /* the detection rules, in the order of bases */
    struct ward_corr_base *bases;
    struct ward_ls_ids *base_ls;
    size_t nbases;
    struct ward_corr_rules *corr; /* the correlations and filters of the paths */
};

int sigma_cli_corr_field(void *ctx, struct ward_event *ev, const char *name, struct ward_str *out)
{
    struct sigma_cli_field_ctx *fc = ctx;
    struct ward_field *f = NULL;
    if (fc && fc->ls && ward_sigma_field_values(fc->tax, fc->ls, name, ev, &f, 1) == 0) f = NULL;
    if (!f) return ward_corr_field_default(NULL, ev, name, out);
    return ward_event_value(ev, f, out) == 0;
}

static int names_rule(const char *ref, const char *id, const char *name)
{
    return (id && strcmp(ref, id) == 0) || (name && strcmp(ref, name) == 0);
}

static int build(struct seq_ctx *x, char *const *paths, size_t npaths, const char *placeholders)
{
    struct ward_err err;
    ward_err_clear(&err);
    int rc = sigma_cli_rules(paths, npaths, placeholders, &x->all);
    if (rc) return rc;
    size_t n = x->all->nrules;
    x->base = calloc(n ? n : 1, sizeof *x->base);
    if (!x->base) return EX_OSERR;
    if (!x->reference) {
        if (ward_ruleset_compile(x->all, x->tax, &x->rs, &err) || ward_matcher_new(x->rs, &x->m)) {
            snprintf(x->why, sizeof x->why, "the rules cannot be compiled: %.300s", err.msg);
            return 0;
        }
        x->nbases = ward_ruleset_count(x->rs);
        for (size_t i = 0; i < x->nbases; i++) x->base[i] = ward_ruleset_rule(x->rs, i);
    } else {
        size_t usable;
        if ((rc = sigma_cli_reference_check(x->all, x->tax, &usable))) return rc;
        for (size_t i = 0; i < n; i++) {
            const struct ward_sigma_rule *r = x->all->rules[i];
            struct ward_ls_ids ls;
            char why[128];
            if (r->kind == WARD_RULE_DETECTION &&
                ward_taxonomy_rule_ls(x->tax, &r->logsource, &ls, why, sizeof why))
                x->base[x->nbases++] = r;
        }
    }
    x->bases = calloc(x->nbases ? x->nbases : 1, sizeof *x->bases);
    x->base_ls = calloc(x->nbases ? x->nbases : 1, sizeof *x->base_ls);
    if (!x->bases || !x->base_ls) return EX_OSERR;
    for (size_t i = 0; i < x->nbases; i++) {
        const struct ward_sigma_rule *r = x->base[i];
        x->bases[i] = (struct ward_corr_base){r->id, r->name, r->title};
        char why[128];
        if (!ward_taxonomy_rule_ls(x->tax, &r->logsource, &x->base_ls[i], why, sizeof why))
            memset(&x->base_ls[i], 0, sizeof x->base_ls[i]);
    }
    if (ward_corr_rules_new(&x->corr) || ward_corr_rules_add_sigma(x->corr, x->all, &err))
        return EX_OSERR;
    if (x->corr->ndiags) {
        const struct ward_corr_diag *d = &x->corr->diags[0];
        snprintf(x->why, sizeof x->why,
                 "%.150s:%u: %.250s (the rules it uses must be among the "
                 "tested paths or given with --rules)",
                 d->path ? d->path : "?", d->line, d->reason);
        return 0;
    }
    x->built = 1;
    return 0;
}

int sigma_cli_seq_new(struct seq_ctx **out, const struct ward_taxonomy *tax, int reference,
                      char *const *paths, size_t npaths, const char *placeholders)
{
    struct seq_ctx *x = calloc(1, sizeof *x);
    *out = x;
    if (!x) return EX_OSERR;
    x->tax = tax;
    x->reference = reference;
    return build(x, paths, npaths, placeholders);
}

void sigma_cli_seq_free(struct seq_ctx *x)
{
    if (!x) return;
    ward_corr_rules_free(x->corr);
    ward_matcher_free(x->m);
    ward_ruleset_free(x->rs);
    ward_sigma_rules_free(x->all);
    free(x->base);
    free(x->bases);
    free(x->base_ls);
    free(x);
}

/* ---- one test file ------------------------------------------------------------------------ */

/* an alert of any correlation in the current case, its references expanded to event numbers */
struct got {
    size_t rule;
    uint64_t ordinal;
    char *key;
    size_t klen;
    double value;
    uint64_t events, omitted;
    uint64_t *recs;
    size_t nrecs;
};

/* an "alert" line */
struct want {
    unsigned long long line;
    char *key; /* the group-by values in group-by order, joined by 0x1f */
    size_t klen;
    int has_value, has_events, has_recs;
    double value;
    uint64_t events;
    uint64_t *recs;
    size_t nrecs;
};

struct run {
    struct seq_ctx *x;
    struct got *got;
    size_t ngot, capgot;
    uint64_t ordinal;
    int oom;
    size_t hits[SEQ_HITS];
    size_t nhits;
};

static int push_rec(uint64_t **v, size_t *n, uint64_t r)
{
    uint64_t *nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return -1;
    nv[(*n)++] = r;
    *v = nv;
    return 0;
}

static void on_alert(void *ctx, const struct ward_corr_alert *a)
{
    struct run *r = ctx;
    uint64_t ordinal = ++r->ordinal; /* the engine's count of alerts: chained refs name it */
    if (r->oom) return;
    if (r->ngot == r->capgot) {
        size_t nc = r->capgot ? r->capgot * 2 : 16;
        struct got *nv = realloc(r->got, nc * sizeof *nv);
        if (!nv) {
            r->oom = 1;
            return;
        }
        r->got = nv;
        r->capgot = nc;
    }
    struct got *g = &r->got[r->ngot];
    memset(g, 0, sizeof *g);
    g->rule = a->rule_index;
    g->ordinal = ordinal;
    g->value = a->value;
    g->events = a->events;
    g->omitted = a->refs_omitted;
    g->klen = a->key ? a->klen : 0;
    g->key = malloc(g->klen + 1);
    if (!g->key) {
        r->oom = 1;
        return;
    }
    if (g->klen) memcpy(g->key, a->key, g->klen);
    g->key[g->klen] = 0;
    r->ngot++;
    for (size_t i = 0; i < a->nrefs && !r->oom; i++) {
        const struct ward_corr_ref *f = &a->refs[i];
        if (!(f->rule & WARD_CORR_REF_CHAINED)) {
            if (push_rec(&g->recs, &g->nrecs, f->record)) r->oom = 1;
            continue;
        }
        for (size_t k = 0; k + 1 < r->ngot; k++)
            if (r->got[k].ordinal == f->record)
                for (size_t j = 0; j < r->got[k].nrecs && !r->oom; j++)
                    if (push_rec(&g->recs, &g->nrecs, r->got[k].recs[j])) r->oom = 1;
    }
}

static void run_reset(struct run *r)
{
    for (size_t i = 0; i < r->ngot; i++) {
        free(r->got[i].key);
        free(r->got[i].recs);
    }
    r->ngot = 0;
    r->ordinal = 0;
}

static void hit(void *ctx, size_t i)
{
    struct run *r = ctx;
    if (r->nhits < SEQ_HITS) r->hits[r->nhits++] = i;
}

/* The detection rules (base indexes) that fire on ev, in r->hits. */
static void detect(struct run *r, struct ward_event *ev)
{
    struct seq_ctx *x = r->x;
    r->nhits = 0;
    if (!x->reference) {
        ward_matcher_run(x->m, ev, hit, r);
        return;
    }
    struct ward_ls_ids ls;
    ward_taxonomy_classify(x->tax, ev, &ls);
    for (size_t i = 0; i < x->nbases; i++)
        if (ward_sigma_ref_eval_ls(x->tax, x->base[i], ev, &ls) > 0) hit(r, i);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void free_wants(struct want *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(w[i].key);
        free(w[i].recs);
    }
}

/* "v1, v2" of a 0x1f-joined key, for messages */
static void key_text(const char *k, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 < outsz; i++) {
        if (k[i] == '\x1f') {
            out[o++] = ',';
            out[o++] = ' ';
        } else {
            out[o++] = k[i];
        }
    }
    out[o] = 0;
}

/* Compares the case's alerts of the tested correlation with its "alert" lines. */
static int check_case(struct run *r, size_t rule, const struct want *w, size_t nw, const char *name,
                      unsigned long long line, char *fail, size_t fsz)
{
    size_t k = 0;
    for (size_t i = 0; i < r->ngot; i++) {
        const struct got *g = &r->got[i];
        if (g->rule != rule) continue;
        char gk[200];
        key_text(g->key, g->klen, gk, sizeof gk);
        if (k == nw) {
            snprintf(fail, fsz,
                     "case '%.80s' (line %llu): an alert not expected: group %s, value %g", name,
                     line, gk, g->value);
            return 1;
        }
        const struct want *e = &w[k++];
        if (e->klen != g->klen || memcmp(e->key, g->key, g->klen) != 0) {
            char ek[200];
            key_text(e->key, e->klen, ek, sizeof ek);
            snprintf(fail, fsz, "line %llu: expected an alert for group %s, got group %s", e->line,
                     ek, gk);
            return 1;
        }
        if (e->has_value && fabs(e->value - g->value) > 1e-9) {
            snprintf(fail, fsz, "line %llu: expected value %g, got %g", e->line, e->value,
                     g->value);
            return 1;
        }
        if (e->has_events && e->events != g->events) {
            snprintf(fail, fsz, "line %llu: expected %llu events, got %llu", e->line,
                     (unsigned long long)e->events, (unsigned long long)g->events);
            return 1;
        }
        if (e->has_recs) {
            uint64_t *gr = malloc((g->nrecs ? g->nrecs : 1) * sizeof *gr);
            if (!gr) return -1;
            if (g->nrecs) memcpy(gr, g->recs, g->nrecs * sizeof *gr);
            qsort(gr, g->nrecs, sizeof *gr, cmp_u64);
            size_t nu = 0;
            for (size_t j = 0; j < g->nrecs; j++)
                if (!nu || gr[nu - 1] != gr[j]) gr[nu++] = gr[j];
            int same = nu == e->nrecs;
            for (size_t j = 0; same && j < nu; j++) same = gr[j] == e->recs[j];
            if (!same) {
                char list[200];
                size_t o = 0;
                list[0] = 0;
                for (size_t j = 0; j < nu && o + 24 < sizeof list; j++)
                    o += (size_t)snprintf(list + o, sizeof list - o, "%s%llu", j ? "," : "",
                                          (unsigned long long)gr[j]);
                snprintf(fail, fsz,
                         "line %llu: the alert correlates events [%s], not the ones "
                         "expected",
                         e->line, list);
                free(gr);
                return 1;
            }
            free(gr);
        }
    }
    if (k < nw) {
        snprintf(fail, fsz,
                 "line %llu: expected alert not raised (%zu of %zu raised in case "
                 "'%.80s')",
                 w[k].line, k, nw, name);
        return 1;
    }
    return 0;
}

/* The string value of a field of the test line, or NULL. */
static const char *line_str(struct ward_event *ev, const char *key, char *buf, size_t bufsz)
{
    struct ward_field *f = ward_event_find(ev, key, strlen(key));
    struct ward_str v;
    if (!f || ward_event_value(ev, f, &v) || v.len >= bufsz) return NULL;
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = 0;
    return buf;
}

/* Reads an "alert" line into w for a correlation grouping by rule->group_by. */
static int read_want(struct ward_event *ev, const struct ward_corr_rule *rule, struct want *w,
                     char *fail, size_t fsz)
{
    memset(w, 0, sizeof *w);
    w->line = ev->line;
    struct ward_buf key;
    ward_buf_init(&key, 0);
    for (size_t i = 0; i < rule->ngroup_by; i++) {
        char k[300], v[1024];
        snprintf(k, sizeof k, "alert.group.%s", rule->group_by[i]);
        if (!line_str(ev, k, v, sizeof v)) {
            snprintf(fail, fsz, "line %llu: the alert has no group value for '%.100s'",
                     (unsigned long long)ev->line, rule->group_by[i]);
            ward_buf_free(&key);
            return 1;
        }
        if ((i && ward_buf_putc(&key, '\x1f')) || ward_buf_puts(&key, v)) {
            ward_buf_free(&key);
            return -1;
        }
    }
    w->klen = key.len;
    w->key = key.data ? ward_buf_take(&key) : calloc(1, 1);
    ward_buf_free(&key);
    if (!w->key) return -1;
    char v[64];
    if (line_str(ev, "alert.value", v, sizeof v)) {
        char *end;
        w->value = strtod(v, &end);
        w->has_value = !*end;
    }
    if (line_str(ev, "alert.events", v, sizeof v)) {
        w->events = strtoull(v, NULL, 10);
        w->has_events = 1;
    }
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const char *k = ward_field_key(ev, &ev->fields[i]);
        if (strncmp(k, "alert.correlates", 16) != 0) continue;
        w->has_recs = 1;
        struct ward_str s;
        if (k[16] != '.' || ward_event_value(ev, &ev->fields[i], &s) || s.len == 0 || s.len > 18)
            continue;
        memcpy(v, s.ptr, s.len);
        v[s.len] = 0;
        if (push_rec(&w->recs, &w->nrecs, strtoull(v, NULL, 10))) return -1;
    }
    if (w->nrecs) qsort(w->recs, w->nrecs, sizeof *w->recs, cmp_u64);
    if (!w->has_value && line_str(ev, "alert.value", v, sizeof v)) {
        snprintf(fail, fsz, "line %llu: the alert's value is not a number",
                 (unsigned long long)ev->line);
        return 1;
    }
    return 0;
}

static int has_prefix(struct ward_event *ev, const char *p)
{
    size_t n = strlen(p);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const struct ward_field *f = &ev->fields[i];
        if (f->klen >= n && memcmp(ward_field_key(ev, f), p, n) == 0) return 1;
    }
    return 0;
}

int sigma_cli_seq_test(struct seq_ctx *x, const char *rule_path, const char *test_path,
                       const char *placeholders, char *fail, size_t fsz, size_t *ncases,
                       size_t *nexpect)
{
    fail[0] = 0;
    *ncases = *nexpect = 0;
    if (!x->built) {
        snprintf(fail, fsz, "%s", x->why[0] ? x->why : "the rules could not be set up");
        return 0;
    }
    struct ward_sigma_rules *mine = NULL;
    struct ward_corr_rules *myfilters = NULL;
    struct ward_corr *eng = NULL;
    struct want *wants = NULL;
    size_t nwants = 0;
    struct run r = {.x = x};
    struct ward_event ev, sub;
    int have_ev = 0, rc = 0;
    struct ward_reader rd;
    int rd_open = 0;
    char *one[1] = {(char *)(uintptr_t)rule_path};
    if ((rc = sigma_cli_rules(one, 1, placeholders, &mine))) return rc;
    struct ward_err err;
    ward_err_clear(&err);

    /* what the file holds: a correlation (found in the context by id or name) or filters */
    long corr = -1;
    int is_filter = 0;
    for (size_t i = 0; i < mine->nrules; i++) {
        const struct ward_sigma_rule *s = mine->rules[i];
        if (s->kind == WARD_RULE_FILTER) is_filter = 1;
        if (s->kind != WARD_RULE_CORRELATION || corr >= 0) continue;
        for (size_t k = 0; k < x->corr->nrules && corr < 0; k++) {
            const struct ward_corr_rule *c = &x->corr->rules[k];
            if ((s->id && c->id && strcmp(s->id, c->id) == 0) ||
                (!s->id && s->name && c->name && strcmp(s->name, c->name) == 0))
                corr = (long)k;
        }
        if (corr < 0) {
            snprintf(fail, fsz, "the correlation is not among the rules loaded for the test");
            goto out;
        }
    }
    if (corr < 0 && !is_filter) {
        snprintf(fail, fsz, "no correlation or filter in the file");
        goto out;
    }
    if (is_filter) {
        if (ward_corr_rules_new(&myfilters) || ward_corr_rules_add_sigma(myfilters, mine, &err)) {
            rc = EX_OSERR;
            goto out;
        }
        if (myfilters->ndiags) {
            snprintf(fail, fsz, "line %u: %.300s", myfilters->diags[0].line,
                     myfilters->diags[0].reason);
            goto out;
        }
    }
    const struct ward_corr_rule *crule = corr >= 0 ? &x->corr->rules[corr] : NULL;
    const struct ward_intern *reg = x->rs ? ward_ruleset_fields(x->rs) : NULL;
    if (ward_event_init(&ev, NULL) || ward_event_init(&sub, reg)) {
        rc = EX_SOFTWARE;
        goto out;
    }
    have_ev = 1;
    if (ward_reader_open(&rd, test_path, "json", NULL, &err)) {
        snprintf(fail, fsz, "%.300s", err.msg);
        goto out;
    }
    rd_open = 1;
    struct ward_corr_opts co;
    ward_corr_opts_default(&co);
    co.lateness = 0;
    co.field = sigma_cli_corr_field;
    char case_name[128] = "";
    unsigned long long case_line = 0;
    uint64_t evno = 0;
    ward_time_t last_ts = WARD_TIME_NONE;
    size_t positives = 0;
    for (int done = 0; !done && !fail[0] && !rc;) {
        ward_err_clear(&err);
        int k = ward_reader_next(&rd, &ev, &err);
        if (k < 0) {
            snprintf(fail, fsz, "test line %llu: %.300s", (unsigned long long)err.line, err.msg);
            break;
        }
        char buf[128];
        int is_case = k > 0 && line_str(&ev, "case", buf, sizeof buf) != NULL;
        if (k == 0 || is_case) {
            /* the case so far ends: its alerts against its expectations */
            if (eng) {
                if (ward_corr_flush(eng, INT64_MAX) || r.oom) {
                    rc = EX_SOFTWARE;
                    break;
                }
                int c =
                    check_case(&r, (size_t)corr, wants, nwants, case_name, case_line, fail, fsz);
                if (c < 0) rc = EX_SOFTWARE;
                ward_corr_free(eng);
                eng = NULL;
            }
            free_wants(wants, nwants);
            nwants = 0;
            run_reset(&r);
            if (k == 0 || fail[0] || rc) break;
            snprintf(case_name, sizeof case_name, "%s", buf);
            case_line = ev.line;
            evno = 0;
            last_ts = WARD_TIME_NONE;
            (*ncases)++;
            if (crule &&
                ward_corr_new(x->corr, x->bases, x->nbases, &co, on_alert, &r, &eng, &err)) {
                snprintf(fail, fsz,
                         "%.400s (the rules it uses must be among the tested paths or "
                         "given with --rules)",
                         err.msg);
                break;
            }
            continue;
        }
        if (!*ncases) {
            snprintf(fail, fsz, "line %llu: the first line must start a case: {\"case\": \"...\"}",
                     (unsigned long long)ev.line);
            break;
        }
        if (has_prefix(&ev, "alert")) {
            if (!crule) {
                snprintf(fail, fsz, "line %llu: an \"alert\" line in the test of a filter",
                         (unsigned long long)ev.line);
                break;
            }
            struct want *nw = realloc(wants, (nwants + 1) * sizeof *nw);
            if (!nw) {
                rc = EX_OSERR;
                break;
            }
            wants = nw;
            int c = read_want(&ev, crule, &wants[nwants], fail, fsz);
            if (c == 0) {
                nwants++;
                (*nexpect)++;
                positives++;
            } else if (c < 0) {
                rc = EX_OSERR;
            }
            continue;
        }
        if (!has_prefix(&ev, "event.")) {
            snprintf(fail, fsz, "line %llu: neither a case, an event nor an alert",
                     (unsigned long long)ev.line);
            break;
        }
        /* an event: detection, the filters, the correlation engine */
        if (sigma_cli_subevent(&sub, &ev, "event.") || sigma_cli_test_logsource(&sub, &ev)) {
            rc = EX_SOFTWARE;
            break;
        }
        sub.path = test_path;
        sub.record = ++evno;
        if (crule) {
            if (sub.ts == WARD_TIME_NONE) {
                snprintf(fail, fsz, "line %llu: the event has no time",
                         (unsigned long long)ev.line);
                break;
            }
            if (last_ts != WARD_TIME_NONE && sub.ts < last_ts) {
                snprintf(fail, fsz, "line %llu: the events of a case must be in time order",
                         (unsigned long long)ev.line);
                break;
            }
            last_ts = sub.ts;
        }
        detect(&r, &sub);
        struct ward_field *ff = ward_event_find(&ev, "filtered", 8);
        struct ward_str fv;
        if (ff) {
            if (!is_filter || ff->type != WARD_V_BOOL || ward_event_value(&ev, ff, &fv)) {
                snprintf(fail, fsz,
                         "line %llu: \"filtered\" is true or false, in the test of a "
                         "filter",
                         (unsigned long long)ev.line);
                break;
            }
            int want = ward_str_eq_c(fv, "true");
            long named = -1;
            for (size_t i = 0; i < r.nhits && named < 0; i++)
                for (size_t f = 0; f < myfilters->nfilters && named < 0; f++)
                    for (size_t j = 0; j < myfilters->filters[f].nrules && named < 0; j++)
                        if (names_rule(myfilters->filters[f].rules[j], x->bases[r.hits[i]].id,
                                       x->bases[r.hits[i]].name))
                            named = (long)r.hits[i];
            if (named < 0) {
                snprintf(fail, fsz,
                         "line %llu: no rule the filter names matches the event (are "
                         "they among the tested paths or --rules?)",
                         (unsigned long long)ev.line);
                break;
            }
            int keep = ward_corr_filter_keep(myfilters, x->tax, x->bases[named].id,
                                             x->bases[named].name, &sub);
            if (keep == want) {
                snprintf(fail, fsz, "line %llu: expected the match to be %s, it was %s",
                         (unsigned long long)ev.line, want ? "dropped" : "kept",
                         keep ? "kept" : "dropped");
                break;
            }
            (*nexpect)++;
            positives += want;
        }
        if (!eng) continue;
        for (size_t i = 0; i < r.nhits; i++) {
            size_t b = r.hits[i];
            if (!ward_corr_uses_base(eng, b)) continue;
            if (!ward_corr_filter_keep(x->corr, x->tax, x->bases[b].id, x->bases[b].name, &sub))
                continue;
            struct sigma_cli_field_ctx fc = {x->tax, &x->base_ls[b]};
            struct ward_buf xb;
            ward_buf_init(&xb, 0);
            int e = ward_corr_extract(eng, b, &sub, sigma_cli_corr_field, &fc, &xb);
            if (!e && xb.len)
                e = ward_corr_feed_extract(eng, b, sub.ts, test_path, sub.record, xb.data, xb.len);
            ward_buf_free(&xb);
            if (e) {
                rc = EX_SOFTWARE;
                break;
            }
        }
    }
    if (!fail[0] && !rc && !positives)
        snprintf(fail, fsz, "%s",
                 crule ? "no case expects an alert" : "no event expects its match to be dropped");
out:
    if (rd_open) ward_reader_close(&rd);
    if (have_ev) {
        ward_event_free(&ev);
        ward_event_free(&sub);
    }
    ward_corr_free(eng);
    free_wants(wants, nwants);
    free(wants);
    run_reset(&r);
    free(r.got);
    ward_corr_rules_free(myfilters);
    ward_sigma_rules_free(mine);
    return rc;
}
