/*
 * sigma_corr_import.c - the correlation rule set: the correlation and filter rules that
 * ward's Sigma parser read (rule->extra of WARD_RULE_CORRELATION / WARD_RULE_FILTER rules)
 * taken into it, with the engine's checks (a rule that fails them becomes a diag). There is
 * one reader of rule YAML, the Sigma parser: ward_corr_rules_load / _parse_text run it and
 * keep its result in the set, hunt hands over the rules it already parsed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward/correlate.h"
#include "ward/sigma.h"

static int add_diag(struct ward_corr_rules *set, const struct ward_sigma_rule *r, uint32_t line,
                    const char *reason)
{
    if (set->ndiags == set->diags_cap) {
        size_t nc = set->diags_cap ? set->diags_cap * 2 : 8;
        struct ward_corr_diag *nd = realloc(set->diags, nc * sizeof *nd);
        if (!nd) return WARD_ENOMEM;
        set->diags = nd;
        set->diags_cap = nc;
    }
    struct ward_corr_diag *d = &set->diags[set->ndiags];
    d->path = ward_arena_strdup(&set->arena, r->path ? r->path : "");
    d->line = line ? line : r->line;
    d->reason = ward_arena_strdup(&set->arena, reason);
    if (!d->path || !d->reason) return WARD_ENOMEM;
    set->ndiags++;
    return 0;
}

static int add_correlation(struct ward_corr_rules *set, const struct ward_sigma_rule *sr)
{
    const struct ward_sigma_correlation *c = sr->extra;
    struct ward_corr_rule r;
    memset(&r, 0, sizeof r);
    r.sigma = sr;
    r.path = sr->path;
    r.line = sr->line;
    r.title = sr->title;
    r.id = sr->id;
    r.name = sr->name;
    r.level = (int)sr->level;
    r.generate = c->generate;
    r.type = c->type;
    r.rules = c->rules;
    r.nrules = c->nrules;
    r.group_by = c->group_by;
    r.ngroup_by = c->ngroup_by;
    r.timespan = (ward_time_t)c->timespan_ms * 1000000LL;
    r.field = c->field;
    if (c->nconds > 6) return add_diag(set, sr, c->line, "more than six condition operators");
    for (size_t i = 0; i < c->nconds; i++)
        r.conds[i] = (struct ward_corr_cond){c->conds[i].op, c->conds[i].value};
    r.nconds = c->nconds;
    size_t total = 0;
    for (size_t i = 0; i < c->naliases; i++) total += c->aliases[i].n;
    if (total) {
        r.aliases = ward_arena_alloc(&set->arena, total * sizeof *r.aliases);
        if (!r.aliases) return WARD_ENOMEM;
        for (size_t i = 0; i < c->naliases; i++)
            for (size_t k = 0; k < c->aliases[i].n; k++) {
                struct ward_corr_alias *a = &r.aliases[r.naliases++];
                a->alias = c->aliases[i].name;
                a->rule = c->aliases[i].rule_names[k];
                a->field = c->aliases[i].fields[k];
            }
    }
    int valued = r.type == WARD_CORR_VALUE_COUNT || r.type == WARD_CORR_VALUE_SUM ||
                 r.type == WARD_CORR_VALUE_AVG || r.type == WARD_CORR_VALUE_PERCENTILE;
    int temporal = r.type == WARD_CORR_TEMPORAL || r.type == WARD_CORR_TEMPORAL_ORDERED;
    char why[160] = "";
    if (r.type > WARD_CORR_VALUE_PERCENTILE)
        snprintf(why, sizeof why, "unknown correlation type");
    else if (!r.nrules)
        snprintf(why, sizeof why, "the correlation has no 'rules'");
    else if (r.timespan <= 0)
        snprintf(why, sizeof why, "the correlation has no 'timespan'");
    else if (!temporal && !r.nconds)
        snprintf(why, sizeof why, "a %s correlation needs a condition",
                 ward_corr_type_name(r.type));
    else if (valued && !r.field)
        snprintf(why, sizeof why, "a %s correlation needs 'field' in its condition",
                 ward_corr_type_name(r.type));
    else if (temporal && r.nrules < 2 && !r.nconds)
        snprintf(why, sizeof why, "a temporal correlation needs two or more rules");
    if (why[0]) return add_diag(set, sr, c->line, why);
    if (set->nrules == set->rules_cap) {
        size_t nc = set->rules_cap ? set->rules_cap * 2 : 8;
        struct ward_corr_rule *nr = realloc(set->rules, nc * sizeof *nr);
        if (!nr) return WARD_ENOMEM;
        set->rules = nr;
        set->rules_cap = nc;
    }
    set->rules[set->nrules++] = r;
    return 0;
}

static int add_filter(struct ward_corr_rules *set, const struct ward_sigma_rule *sr)
{
    const struct ward_sigma_filter *f = sr->extra;
    if (!f->nrules) return add_diag(set, sr, f->line, "the filter has no 'rules'");
    if (!sr->cond) return add_diag(set, sr, f->line, "the filter has no 'condition'");
    if (set->nfilters == set->filters_cap) {
        size_t nc = set->filters_cap ? set->filters_cap * 2 : 8;
        struct ward_corr_filter *nf = realloc(set->filters, nc * sizeof *nf);
        if (!nf) return WARD_ENOMEM;
        set->filters = nf;
        set->filters_cap = nc;
    }
    struct ward_corr_filter *out = &set->filters[set->nfilters++];
    memset(out, 0, sizeof *out);
    out->path = sr->path;
    out->line = sr->line;
    out->title = sr->title;
    out->id = sr->id;
    out->name = sr->name;
    out->rules = f->rules;
    out->nrules = f->nrules;
    /* its selections and condition, as a detection rule (the evaluator matches nothing
     * with a rule of another kind) */
    struct ward_sigma_rule *det = ward_arena_alloc(&set->arena, sizeof *det);
    if (!det) return WARD_ENOMEM;
    *det = *sr;
    det->kind = WARD_RULE_DETECTION;
    det->extra = NULL;
    out->det = det;
    return 0;
}

int ward_corr_rules_add_sigma(struct ward_corr_rules *set, const struct ward_sigma_rules *rules,
                              struct ward_err *err)
{
    for (size_t i = 0; i < rules->nrules; i++) {
        const struct ward_sigma_rule *r = rules->rules[i];
        int rc = 0;
        if (r->kind == WARD_RULE_CORRELATION && r->extra)
            rc = add_correlation(set, r);
        else if (r->kind == WARD_RULE_FILTER && r->extra)
            rc = add_filter(set, r);
        if (rc) return ward_err_set(err, rc, "out of memory");
    }
    return 0;
}

int ward_corr_rules_new(struct ward_corr_rules **out)
{
    struct ward_corr_rules *s = calloc(1, sizeof *s);
    if (!s) return WARD_ENOMEM;
    ward_arena_init(&s->arena, 65536, 0);
    *out = s;
    return 0;
}

void ward_corr_rules_free(struct ward_corr_rules *set)
{
    if (!set) return;
    for (size_t i = 0; i < set->nsigma; i++) ward_sigma_rules_free(set->sigma[i]);
    free(set->sigma);
    free(set->rules);
    free(set->filters);
    free(set->diags);
    ward_arena_free(&set->arena);
    free(set);
}

/* Keeps a parsed Sigma rule set in set (its strings are borrowed by the rules), takes its
 * correlations and filters and its diagnostics. */
static int adopt(struct ward_corr_rules *set, struct ward_sigma_rules *sr, struct ward_err *err)
{
    void **ns = realloc(set->sigma, (set->nsigma + 1) * sizeof *ns);
    if (!ns) {
        ward_sigma_rules_free(sr);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    set->sigma = ns;
    set->sigma[set->nsigma++] = sr;
    for (size_t i = 0; i < sr->ndiags; i++) {
        const struct ward_sigma_diag *d = &sr->diags[i];
        struct ward_sigma_rule fake = {.path = d->path, .line = d->line};
        if (add_diag(set, &fake, d->line, d->reason ? d->reason : "rejected"))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    return ward_corr_rules_add_sigma(set, sr, err);
}

int ward_corr_rules_parse_text(struct ward_corr_rules *set, const char *path, const char *text,
                               size_t len, struct ward_err *err)
{
    struct ward_sigma_rules *sr = NULL;
    if (ward_sigma_rules_new(&sr)) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    struct ward_sigma_opts so = {0};
    int rc = ward_sigma_rules_parse_text(sr, path, text, len, &so, err);
    if (rc) {
        ward_sigma_rules_free(sr);
        return rc;
    }
    return adopt(set, sr, err);
}

int ward_corr_rules_load(struct ward_corr_rules *set, char *const *paths, size_t npaths,
                         struct ward_err *err)
{
    struct ward_sigma_rules *sr = NULL;
    struct ward_sigma_opts so = {0};
    int rc = ward_sigma_rules_load(paths, npaths, &so, &sr, err);
    if (rc) {
        ward_sigma_rules_free(sr);
        return rc;
    }
    return adopt(set, sr, err);
}

const char *ward_corr_type_name(int t)
{
    static const char *const names[] = {"event_count",      "value_count", "temporal",
                                        "temporal_ordered", "value_sum",   "value_avg",
                                        "value_percentile"};
    return (unsigned)t < 7 ? names[t] : "?";
}
