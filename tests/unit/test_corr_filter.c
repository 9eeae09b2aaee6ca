/*
 * test_corr_filter.c - Sigma filters: a filter document names rules and a detection whose
 * condition must hold for their matches to be kept (its own file: sigma.h and alert.h both
 * name the levels, so the two headers do not meet in one file).
 */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "ward/correlate.h"
#include "ward/sigma.h"

static struct ward_event ev;

static struct ward_corr_rules *parse(const char *yaml)
{
    struct ward_corr_rules *set;
    CHECK_INT(ward_corr_rules_new(&set), 0);
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_corr_rules_parse_text(set, "f.yml", yaml, strlen(yaml), &err), 0);
    for (size_t i = 0; i < set->ndiags; i++)
        fprintf(stderr, "diag: %s:%u: %s\n", set->diags[i].path, set->diags[i].line,
                set->diags[i].reason);
    return set;
}

static void test_filter(void)
{
    struct ward_corr_rules *set = parse("title: no DCs\nlogsource: {product: windows}\n"
                                        "filter:\n  rules: [rule_a]\n  selection:\n"
                                        "    ComputerName|startswith: 'DC-'\n"
                                        "  condition: not selection\n");
    CHECK_INT(set->nfilters, 1);
    struct ward_taxonomy *tax = NULL;
    struct ward_err err;
    CHECK_INT(ward_taxonomy_default(&tax, &err), 0);
    ward_event_reset(&ev);
    ev.product = "windows";
    CHECK_INT(ward_event_add_copy(&ev, "ComputerName", 12, "DC-01", 5, WARD_V_STR), 0);
    CHECK_INT(ward_corr_filter_keep(set, tax, "id-a", "rule_a", &ev), 0);
    CHECK_INT(ward_corr_filter_keep(set, tax, "id-b", "rule_b", &ev), 1); /* not named */
    ward_event_reset(&ev);
    ev.product = "windows";
    CHECK_INT(ward_event_add_copy(&ev, "ComputerName", 12, "WS-07", 5, WARD_V_STR), 0);
    CHECK_INT(ward_corr_filter_keep(set, tax, "id-a", "rule_a", &ev), 1);
    ward_taxonomy_free(tax);
    ward_corr_rules_free(set);
}

static void test_filter_errors(void)
{
    struct ward_corr_rules *set =
        parse("title: f\nfilter:\n  selection: {a: 1}\n  condition: selection\n"
              "---\ntitle: g\nfilter:\n  rules: [x]\n  selection: {a: 1}\n"
              "---\ntitle: h\nlogsource: {product: windows}\nfilter:\n"
              "  rules: [x]\n  selection: {a|frob: 1}\n  condition: selection\n");
    CHECK_INT(set->nfilters, 0);
    CHECK_INT(set->ndiags, 3);
    ward_corr_rules_free(set);
}

/* The same rules read by ward's Sigma parser and taken over with ward_corr_rules_add_sigma. */
static void test_from_sigma(void)
{
    const char *yaml =
        "title: base\nid: 11111111-0000-4000-8000-000000000001\nname: base_rule\n"
        "logsource: {product: windows}\ndetection: {s: {a: 1}, condition: s}\n---\n"
        "title: many\nlevel: high\ncorrelation:\n  type: event_count\n"
        "  rules: [base_rule]\n  group-by: [host]\n  timespan: 5m\n"
        "  condition: {gte: 2, lt: 10}\n---\n"
        "title: pair\ncorrelation:\n  type: temporal\n  rules: [base_rule, base_rule]\n"
        "  aliases:\n    who:\n      base_rule: user\n  group-by: [who]\n  timespan: 1m\n---\n"
        "title: no DCs\nlogsource: {product: windows}\nfilter:\n  rules: [base_rule]\n"
        "  selection:\n    ComputerName|startswith: 'DC-'\n  condition: not selection\n";
    struct ward_sigma_rules *sr;
    CHECK_INT(ward_sigma_rules_new(&sr), 0);
    struct ward_sigma_opts so = {0};
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_sigma_rules_parse_text(sr, "s.yml", yaml, strlen(yaml), &so, &err), 0);
    struct ward_corr_rules *set;
    CHECK_INT(ward_corr_rules_new(&set), 0);
    CHECK_INT(ward_corr_rules_add_sigma(set, sr, &err), 0);
    CHECK_INT(set->nrules, 2);
    CHECK_INT(set->nfilters, 1);
    CHECK_INT(set->ndiags, 0);
    /* the same as this module's own YAML reader makes of it */
    struct ward_corr_rules *own = parse(yaml);
    CHECK_INT(own->nrules, 2);
    for (size_t i = 0; i < 2 && i < set->nrules && i < own->nrules; i++) {
        const struct ward_corr_rule *a = &set->rules[i], *b = &own->rules[i];
        CHECK_INT(a->type, b->type);
        CHECK_INT(a->timespan, b->timespan);
        CHECK_INT(a->nconds, b->nconds);
        CHECK_INT(a->ngroup_by, b->ngroup_by);
        CHECK_INT(a->naliases, b->naliases);
        CHECK_INT(a->level, b->level);
    }
    struct ward_taxonomy *tax = NULL;
    CHECK_INT(ward_taxonomy_default(&tax, &err), 0);
    ward_event_reset(&ev);
    ev.product = "windows";
    CHECK_INT(ward_event_add_copy(&ev, "ComputerName", 12, "DC-02", 5, WARD_V_STR), 0);
    CHECK_INT(ward_corr_filter_keep(set, tax, NULL, "base_rule", &ev), 0);
    /* a Linux event: the Windows filter does not apply, the match is kept */
    ward_event_reset(&ev);
    ev.product = "linux";
    CHECK_INT(ward_event_add_copy(&ev, "ComputerName", 12, "DC-02", 5, WARD_V_STR), 0);
    CHECK_INT(ward_corr_filter_keep(set, tax, NULL, "base_rule", &ev), 1);
    ward_taxonomy_free(tax);
    ward_corr_rules_free(own);
    ward_corr_rules_free(set);
    ward_sigma_rules_free(sr);
}

int main(void)
{
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    test_filter();
    test_filter_errors();
    test_from_sigma();
    ward_event_free(&ev);
    return test_done("test_corr_filter");
}
