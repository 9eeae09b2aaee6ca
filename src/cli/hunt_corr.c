/*
 * hunt_corr.c - Sigma correlation rules and filters in `ward hunt`.
 *
 * Filters run on the workers (they read the event; the reference evaluator only reads the
 * rule and the taxonomy): a match a filter drops never reaches the sorter. For a match of a
 * rule that some correlation uses, the worker also extracts what the engine needs (the
 * group-by values and the value field, ward_corr_extract: a few bytes) and the sorter
 * carries it with the alert. The engine itself is not thread-safe and wants matches in
 * event time: it is fed by one pass over the sorted alerts (pass 1, only when some
 * correlation has matches to see); its alerts go to a second, small sorter in the same
 * timeline order. The output pass (pass 2) merges both streams, leaving out the matches
 * of rules that only feed correlations (`generate: false`), so correlation alerts sit in
 * the timeline at the time of their last correlated event, whatever the thread count.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hunt.h"
#include "sigma_cli.h"
#include "ward/correlate.h"
#include "ward/json.h"

/*
 * Chained correlations: an alert of a correlation that other correlations use is kept (its
 * correlated alerts) in a ring indexed by its ordinal, which is what the engine gives as the
 * "record" of a chained reference; the alerts of the chaining correlation then name the
 * base alerts underneath, not only the intermediate correlation alert (which may not even
 * be shown, with generate: false).
 */
struct chained {
    uint64_t ordinal;
    size_t n;
    struct hunt_corr_ref refs[HC_REFS_MAX];
};

static void on_corr(void *ctx, const struct ward_corr_alert *a);

static int in_list(const struct ward_sigma_rule *r, const struct ward_sigma_rule *const *v,
                   size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == r) return 1;
    return 0;
}

static int names_rule(const char *ref, const char *id, const char *name)
{
    return (id && strcmp(ref, id) == 0) || (name && strcmp(ref, name) == 0);
}

/* Leaves out the correlations whose references are not loaded (a rule that did not compile
 * or was not selected), repeatedly, since correlations may use each other. */
static void drop_unresolved(struct hunt_corr *hc)
{
    struct ward_corr_rules *set = hc->rules;
    for (int changed = 1; changed;) {
        changed = 0;
        size_t keep = 0;
        for (size_t i = 0; i < set->nrules; i++) {
            const struct ward_corr_rule *r = &set->rules[i];
            const char *missing = NULL;
            for (size_t p = 0; p < r->nrules && !missing; p++) {
                int found = 0;
                for (size_t k = 0; k < hc->nbases && !found; k++)
                    found = names_rule(r->rules[p], hc->bases[k].id, hc->bases[k].name);
                for (size_t k = 0; k < set->nrules && !found; k++)
                    found = k != i && names_rule(r->rules[p], set->rules[k].id, set->rules[k].name);
                if (!found) missing = r->rules[p];
            }
            if (missing) {
                ward_warn("%s:%u: correlation '%s' left out: it uses rule '%s', which is not "
                          "loaded",
                          r->path ? r->path : "?", r->line, r->title ? r->title : "", missing);
                changed = 1;
                continue;
            }
            set->rules[keep++] = *r;
        }
        set->nrules = keep;
    }
}

int hunt_corr_init(struct hunt_corr *hc, const struct hunt_corr_opts *o,
                   const struct ward_sigma_rules *set, const struct ward_ruleset *rs,
                   const struct ward_taxonomy *tax, char *const *paths, size_t npaths)
{
    struct ward_err err;
    ward_err_clear(&err);
    memset(hc, 0, sizeof *hc);
    hc->tax = tax;
    hc->paths = paths;
    hc->npaths = npaths;
    hc->nbases = ward_ruleset_count(rs);
    ward_intern_init(&hc->path_ids);
    ward_buf_init(&hc->json, 0);
    ward_buf_init(&hc->details, 0);
    ward_buf_init(&hc->ents, 0);
    ward_buf_init(&hc->host, 0);
    ward_buf_init(&hc->rec, 0);
    if (ward_corr_rules_new(&hc->rules) || ward_corr_rules_add_sigma(hc->rules, set, &err))
        return WARD_ENOMEM;
    for (size_t i = 0; i < hc->rules->ndiags; i++) {
        const struct ward_corr_diag *d = &hc->rules->diags[i];
        ward_warn("%s:%u: %s", d->path ? d->path : "?", d->line, d->reason);
    }
    hc->flags = calloc(hc->nbases ? hc->nbases : 1, 1);
    hc->bases = calloc(hc->nbases ? hc->nbases : 1, sizeof *hc->bases);
    hc->base_ls = calloc(hc->nbases ? hc->nbases : 1, sizeof *hc->base_ls);
    if (!hc->flags || !hc->bases || !hc->base_ls) return WARD_ENOMEM;
    for (size_t i = 0; i < hc->nbases; i++) {
        const struct ward_sigma_rule *r = ward_ruleset_rule(rs, i);
        hc->bases[i] = (struct ward_corr_base){r->id, r->name, r->title};
        char why[128];
        if (!ward_taxonomy_rule_ls(tax, &r->logsource, &hc->base_ls[i], why, sizeof why))
            memset(&hc->base_ls[i], 0, sizeof hc->base_ls[i]);
        if (in_list(r, o->quiet, o->nquiet)) hc->flags[i] |= HC_HIDDEN;
        for (size_t k = 0; k < hc->rules->nfilters; k++) {
            const struct ward_corr_filter *f = &hc->rules->filters[k];
            for (size_t j = 0; j < f->nrules; j++)
                if (names_rule(f->rules[j], r->id, r->name)) hc->flags[i] |= HC_FILTERED;
        }
        if (hc->flags[i] & HC_FILTERED) hc->nfiltered++;
    }
    if (!o->correlate) hc->rules->nrules = 0;
    drop_unresolved(hc);
    hc->ncorr = hc->rules->nrules;
    hc->corr_hidden = calloc(hc->ncorr ? hc->ncorr : 1, 1);
    if (!hc->corr_hidden) return WARD_ENOMEM;
    if (!hc->ncorr) return 0;
    for (size_t i = 0; i < npaths; i++) {
        int64_t id = ward_intern_add(&hc->path_ids, paths[i], strlen(paths[i]));
        if (id < 0) return (int)id;
    }
    struct ward_corr_opts co;
    ward_corr_opts_default(&co);
    co.lateness = o->lateness;
    if (o->max_groups) co.max_groups = o->max_groups;
    co.field = sigma_cli_corr_field;
    if (ward_corr_new(hc->rules, hc->bases, hc->nbases, &co, on_corr, hc, &hc->engine, &err)) {
        ward_log_err(WARD_LOG_ERROR, &err);
        return err.code ? err.code : WARD_EINVAL;
    }
    for (size_t i = 0; i < hc->nbases; i++) {
        if (!ward_corr_uses_base(hc->engine, i)) continue;
        hc->flags[i] |= HC_FEEDS;
        if (!ward_corr_base_standalone(hc->engine, i)) hc->flags[i] |= HC_HIDDEN;
    }
    hc->chained = calloc(hc->ncorr, 1);
    if (!hc->chained) return WARD_ENOMEM;
    int any_chained = 0;
    for (size_t k = 0; k < hc->ncorr; k++) {
        const struct ward_corr_rule *r = &hc->rules->rules[k];
        hc->corr_hidden[k] =
            !ward_corr_rule_standalone(hc->engine, k) || in_list(r->sigma, o->quiet, o->nquiet);
        for (size_t q = 0; q < hc->ncorr; q++)
            for (size_t p = 0; q != k && p < hc->rules->rules[q].nrules; p++)
                if (names_rule(hc->rules->rules[q].rules[p], r->id, r->name)) hc->chained[k] = 1;
        any_chained |= hc->chained[k];
    }
    if (any_chained) {
        hc->ring = calloc(HC_RING, sizeof *hc->ring);
        if (!hc->ring) return WARD_ENOMEM;
    }
    if (hunt_sorter_init(&hc->sorter, paths, 1u << 20)) return WARD_ENOMEM;
    hc->sorter_ready = 1;
    return 0;
}

size_t hunt_corr_count(const struct hunt_corr *hc)
{
    return hc->ncorr;
}

const struct ward_sigma_rule *hunt_corr_rule(const struct hunt_corr *hc, size_t k)
{
    return hc->rules->rules[k].sigma;
}

int hunt_corr_keep(const struct hunt_corr *hc, size_t rule, struct ward_event *ev)
{
    if (rule >= hc->nbases || !(hc->flags[rule] & HC_FILTERED)) return 1;
    return ward_corr_filter_keep(hc->rules, hc->tax, hc->bases[rule].id, hc->bases[rule].name, ev);
}

int hunt_corr_extract(struct hunt_corr *hc, size_t rule, struct ward_event *ev,
                      struct ward_buf *out)
{
    ward_buf_reset(out);
    if (rule >= hc->nbases || !(hc->flags[rule] & HC_FEEDS)) return 0;
    struct sigma_cli_field_ctx fc = {hc->tax, &hc->base_ls[rule]};
    atomic_fetch_add_explicit(&hc->extracts, 1, memory_order_relaxed);
    return ward_corr_extract(hc->engine, rule, ev, sigma_cli_corr_field, &fc, out);
}

/* ---- pass 1: the engine over the sorted matches ------------------------------------------ */

static const char *ref_rule_id(const struct hunt_corr *hc, uint32_t rule, const char **title)
{
    *title = "";
    if (rule & WARD_CORR_REF_CHAINED) {
        size_t k = rule & ~WARD_CORR_REF_CHAINED;
        if (k >= hc->ncorr) return "?";
        const struct ward_corr_rule *r = &hc->rules->rules[k];
        *title = r->title ? r->title : "";
        return r->id ? r->id : r->name ? r->name : *title;
    }
    if (rule >= hc->nbases) return "?";
    const struct ward_corr_base *b = &hc->bases[rule];
    *title = b->title ? b->title : "";
    return b->id ? b->id : b->name ? b->name : *title;
}

static void put_time(struct ward_jw *j, const char *key, ward_time_t t)
{
    ward_jw_key(j, key);
    if (t == WARD_TIME_NONE) {
        ward_jw_null(j);
        return;
    }
    char buf[48];
    size_t n = ward_time_format(t, 6, buf, sizeof buf);
    ward_jw_strn(j, buf, n);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The alert's correlated alerts with chained references replaced by the alerts under them. */
static size_t expand_refs(const struct hunt_corr *hc, const struct ward_corr_alert *a,
                          struct hunt_corr_ref *out, size_t max, uint64_t *omitted)
{
    size_t n = 0;
    for (size_t i = 0; i < a->nrefs; i++) {
        const struct ward_corr_ref *f = &a->refs[i];
        const struct chained *ch =
            (f->rule & WARD_CORR_REF_CHAINED) && hc->ring ? &hc->ring[f->record % HC_RING] : NULL;
        if (ch && ch->ordinal == f->record && ch->n) {
            for (size_t k = 0; k < ch->n; k++) {
                if (n == max) {
                    (*omitted)++;
                    continue;
                }
                out[n] = ch->refs[k];
                if (out[n].via < 0) out[n].via = (int32_t)(f->rule & ~WARD_CORR_REF_CHAINED);
                n++;
            }
            continue;
        }
        if (n == max) {
            (*omitted)++;
            continue;
        }
        out[n++] = (struct hunt_corr_ref){*f, -1};
    }
    return n;
}

/* The correlation as JSON (the alert's "correlation" member) and as the details line. */
static int render(struct hunt_corr *hc, const struct ward_corr_alert *a,
                  const struct hunt_corr_ref *refs, size_t nrefs, uint64_t omitted)
{
    const struct ward_corr_rule *r = a->rule;
    const struct ward_sigma_correlation *sc = r->sigma ? r->sigma->extra : NULL;
    ward_buf_reset(&hc->json);
    ward_buf_reset(&hc->details);
    struct ward_jw j;
    ward_jw_init(&j, &hc->json);
    ward_jw_obj(&j);
    ward_jw_key(&j, "type");
    ward_jw_str(&j, ward_corr_type_name(r->type));
    if (sc && sc->timespan) {
        ward_jw_key(&j, "timespan");
        ward_jw_str(&j, sc->timespan);
    }
    ward_jw_key(&j, "group");
    ward_jw_obj(&j);
    const char *k = a->key ? a->key : "", *kend = k + (a->key ? a->klen : 0);
    int rc = 0;
    for (size_t i = 0; i < r->ngroup_by; i++) {
        const char *e = memchr(k, '\x1f', (size_t)(kend - k));
        size_t len = e ? (size_t)(e - k) : (size_t)(kend - k);
        ward_jw_key(&j, r->group_by[i]);
        ward_jw_strn(&j, k, len);
        rc |= ward_buf_printf(&hc->details, "%s%s=%.*s", i ? " " : "", r->group_by[i], (int)len, k);
        k = e ? e + 1 : kend;
    }
    ward_jw_end(&j);
    if (r->field) {
        ward_jw_key(&j, "field");
        ward_jw_str(&j, r->field);
    }
    ward_jw_key(&j, "value");
    ward_jw_double(&j, a->value);
    ward_jw_key(&j, "events");
    ward_jw_uint(&j, a->events);
    put_time(&j, "first", a->first);
    put_time(&j, "last", a->last);
    rc |= ward_buf_printf(&hc->details, "%s%s %g", hc->details.len ? "  " : "",
                          ward_corr_type_name(r->type), a->value);
    if (sc && sc->timespan) rc |= ward_buf_printf(&hc->details, " in %s", sc->timespan);
    rc |= ward_buf_printf(&hc->details, "  correlates %llu:", (unsigned long long)a->events);
    ward_jw_key(&j, "alerts");
    ward_jw_arr(&j);
    for (size_t i = 0; i < nrefs; i++) {
        const struct ward_corr_ref *f = &refs[i].ref;
        const char *title, *id = ref_rule_id(hc, f->rule, &title);
        ward_jw_obj(&j);
        put_time(&j, "time", f->time);
        if (f->path && f->path[0]) {
            ward_jw_key(&j, "path");
            ward_jw_str(&j, f->path);
            ward_jw_key(&j, "record");
            ward_jw_uint(&j, f->record);
        }
        ward_jw_key(&j, "rule");
        ward_jw_obj(&j);
        ward_jw_key(&j, "id");
        ward_jw_str(&j, id);
        ward_jw_key(&j, "title");
        ward_jw_str(&j, title);
        ward_jw_end(&j);
        if (refs[i].via >= 0) {
            const char *vt,
                *vid = ref_rule_id(hc, WARD_CORR_REF_CHAINED | (uint32_t)refs[i].via, &vt);
            ward_jw_key(&j, "via");
            ward_jw_str(&j, vid);
        }
        ward_jw_end(&j);
        char t[48];
        ward_time_format(f->time, 0, t, sizeof t);
        if (f->path && f->path[0])
            rc |= ward_buf_printf(&hc->details, "%s %s %s:%llu %s", i ? ";" : "", t,
                                  base_name(f->path), (unsigned long long)f->record, title);
        else
            rc |= ward_buf_printf(&hc->details, "%s %s %s", i ? ";" : "", t, title);
    }
    ward_jw_end(&j);
    if (omitted) {
        ward_jw_key(&j, "omitted");
        ward_jw_uint(&j, omitted);
        rc |= ward_buf_printf(&hc->details, " (%llu more not listed)", (unsigned long long)omitted);
    }
    ward_jw_end(&j);
    return rc || ward_jw_error(&j) ? WARD_ENOMEM : 0;
}

static void on_corr(void *ctx, const struct ward_corr_alert *a)
{
    struct hunt_corr *hc = ctx;
    uint64_t ordinal = ++hc->ordinal; /* the engine's count of alerts, this one included */
    if (hc->err) return;
    struct hunt_corr_ref refs[HC_REFS_MAX];
    uint64_t omitted = a->refs_omitted;
    size_t nrefs = expand_refs(hc, a, refs, HC_REFS_MAX, &omitted);
    if (hc->ring && hc->chained[a->rule_index]) {
        struct chained *ch = &hc->ring[ordinal % HC_RING];
        ch->ordinal = ordinal;
        ch->n = nrefs;
        memcpy(ch->refs, refs, nrefs * sizeof *refs);
    }
    if (hc->corr_hidden[a->rule_index]) return;
    /* the alert sits in the timeline at its last correlated event */
    const struct ward_corr_ref *last = NULL;
    for (size_t i = 0; i < nrefs; i++)
        if (refs[i].ref.path && refs[i].ref.path[0] && (!last || refs[i].ref.time >= last->time))
            last = &refs[i].ref;
    int64_t file = last ? ward_intern_find(&hc->path_ids, last->path, strlen(last->path)) : -1;
    if (render(hc, a, refs, nrefs, omitted)) {
        hc->err = WARD_ENOMEM;
        return;
    }
    ward_buf_reset(&hc->ents);
    ward_buf_reset(&hc->host);
    if (hunt_store_corr_entities(a, &hc->ents, &hc->host)) {
        hc->err = WARD_ENOMEM;
        return;
    }
    struct hunt_alert h = {
        .ts = a->last,
        .file = file >= 0 ? (uint32_t)file : 0,
        .rule = hc->rule_first + (uint32_t)a->rule_index,
        .record = last ? last->record : 0,
        .offset = UINT64_MAX, /* after the alerts of the events at that time in that file */
        .host = hc->host.data ? hc->host.data : "",
        .host_len = hc->host.len,
        .details = hc->details.data ? hc->details.data : "",
        .details_len = hc->details.len,
        .event_json = "",
        .format = "correlation",
        .entities = hc->ents.data ? hc->ents.data : "",
        .entities_len = hc->ents.len,
        .extra_json = hc->json.data,
        .extra_json_len = hc->json.len,
        .seq = hc->seq++,
    };
    int rc = hunt_sorter_add(&hc->sorter, &h, &hc->rec);
    if (rc) hc->err = rc;
}

int hunt_corr_run(struct hunt_corr *hc, struct hunt_sorter *main)
{
    if (!hc->engine || atomic_load(&hc->extracts) == 0) return 0;
    struct ward_corr *c = hc->engine;
    struct hunt_sorter_iter it;
    struct hunt_alert a;
    int rc = hunt_sorter_open(main, &it);
    while (!rc && !hc->err) {
        int got = hunt_sorter_next(&it, &a);
        if (got <= 0) {
            rc = got;
            break;
        }
        if (a.corr_len && a.rule < hc->nbases)
            rc = ward_corr_feed_extract(c, a.rule, a.ts, hc->paths[a.file], a.record, a.corr,
                                        a.corr_len);
    }
    hunt_sorter_close(&it);
    if (!rc) rc = ward_corr_flush(c, INT64_MAX);
    if (!rc) rc = hc->err;
    struct ward_corr_stats st;
    ward_corr_get_stats(c, &st);
    ward_info("correlation: %llu matches fed, %llu alerts, %llu without a time, %llu without a "
              "group-by field, %llu late, %llu groups evicted, peak %llu groups",
              (unsigned long long)st.fed, (unsigned long long)st.alerts,
              (unsigned long long)st.no_time, (unsigned long long)st.no_group,
              (unsigned long long)st.late, (unsigned long long)st.evicted,
              (unsigned long long)st.groups_peak);
    if (st.evicted)
        ward_warn("correlation: %llu groups were evicted to stay under --corr-max-groups: "
                  "some correlations may be missed",
                  (unsigned long long)st.evicted);
    return rc;
}

/* ---- pass 2: both streams merged into the output -------------------------------------------- */

struct merge {
    struct hunt_corr *hc;
    struct hunt_sorter_iter it;
    struct hunt_alert next;
    int has_next;
    hunt_alert_fn fn;
    void *ctx;
};

static int advance(struct merge *m)
{
    int got = hunt_sorter_next(&m->it, &m->next);
    m->has_next = got == 1;
    return got < 0 ? got : 0;
}

static int merged(void *ctx, const struct hunt_alert *a)
{
    struct merge *m = ctx;
    struct hunt_corr *hc = m->hc;
    if (a->rule < hc->nbases && (hc->flags[a->rule] & HC_HIDDEN)) return 0;
    while (m->has_next && hunt_alert_cmp(hc->paths, &m->next, a) < 0) {
        int rc = m->fn(m->ctx, &m->next);
        if (!rc) rc = advance(m);
        if (rc) return rc;
    }
    return m->fn(m->ctx, a);
}

int hunt_corr_write(struct hunt_corr *hc, struct hunt_sorter *main, hunt_alert_fn fn, void *ctx)
{
    struct merge m = {.hc = hc, .fn = fn, .ctx = ctx};
    int rc = 0;
    if (hc->sorter_ready) {
        rc = hunt_sorter_open(&hc->sorter, &m.it);
        if (!rc) rc = advance(&m);
    }
    if (!rc) rc = hunt_sorter_finish(main, merged, &m);
    while (!rc && m.has_next) {
        rc = fn(ctx, &m.next);
        if (!rc) rc = advance(&m);
    }
    if (hc->sorter_ready) hunt_sorter_close(&m.it);
    return rc;
}

void hunt_corr_free(struct hunt_corr *hc)
{
    ward_corr_free(hc->engine);
    ward_corr_rules_free(hc->rules);
    if (hc->sorter_ready) hunt_sorter_free(&hc->sorter);
    free(hc->flags);
    free(hc->bases);
    free(hc->base_ls);
    free(hc->corr_hidden);
    free(hc->chained);
    free(hc->ring);
    ward_intern_free(&hc->path_ids);
    ward_buf_free(&hc->json);
    ward_buf_free(&hc->details);
    ward_buf_free(&hc->ents);
    ward_buf_free(&hc->host);
    ward_buf_free(&hc->rec);
}
