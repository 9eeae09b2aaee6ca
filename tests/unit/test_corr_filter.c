/*
 * test_corr_filter.c - Sigma filters: a filter document names rules and a detection whose
 * condition must hold for their matches to be kept; filter errors; and correlation and
 * filter rules taken from what ward's Sigma parser read (the one reader of rule YAML). Its
 * own file: sigma.h and alert.h both name the levels, so the two headers do not meet here.
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

static int has_diag(const struct ward_corr_rules *set, const char *words)
{
    for (size_t i = 0; i < set->ndiags; i++)
        if (strstr(set->diags[i].reason, words)) return 1;
    return 0;
}

static void test_filter_errors(void)
{
    struct ward_corr_rules *set =
        parse("title: f\nlogsource: {product: windows}\nfilter:\n  selection: {a: 1}\n"
              "  condition: selection\n"
              "---\ntitle: g\nlogsource: {product: windows}\nfilter:\n  rules: [x]\n"
              "  selection: {a: 1}\n"
              "---\ntitle: h\nlogsource: {product: windows}\nfilter:\n"
              "  rules: [x]\n  selection: {a|frob: 1}\n  condition: selection\n"
              "---\ntitle: ok\nlogsource: {product: windows}\nfilter:\n"
              "  rules: [x]\n  selection: {a: 1}\n  condition: not selection\n");
    CHECK_INT(set->nfilters, 1);
    CHECK_INT(set->ndiags, 3);
    CHECK(has_diag(set, "rules"));
    CHECK(has_diag(set, "condition"));
    CHECK(has_diag(set, "frob"));
    for (size_t i = 0; i < set->ndiags; i++) CHECK(set->diags[i].line > 0);
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
    /* what the Sigma parser read, as the engine needs it */
    const struct ward_corr_rule *many = set->nrules == 2 ? &set->rules[0] : NULL;
    const struct ward_corr_rule *pair = set->nrules == 2 ? &set->rules[1] : NULL;
    CHECK(many && pair);
    if (many && pair) {
        CHECK_STR(many->title, "many");
        CHECK_INT(many->type, WARD_CORR_EVENT_COUNT);
        CHECK_INT(many->timespan, 300LL * 1000000000LL);
        CHECK_INT(many->nconds, 2);
        CHECK_INT(many->conds[0].op, WARD_CMP_GTE);
        CHECK(many->conds[0].value == 2 && many->conds[1].value == 10);
        CHECK_INT(many->ngroup_by, 1);
        CHECK_STR(many->group_by[0], "host");
        CHECK_INT(many->level, WARD_LEVEL_HIGH);
        CHECK_INT(many->generate, 0);
        CHECK(many->sigma != NULL && many->sigma->kind == WARD_RULE_CORRELATION);
        CHECK_INT(pair->type, WARD_CORR_TEMPORAL);
        CHECK_INT(pair->timespan, 60LL * 1000000000LL);
        CHECK_INT(pair->naliases, 1);
        CHECK_STR(pair->aliases[0].alias, "who");
        CHECK_STR(pair->aliases[0].rule, "base_rule");
        CHECK_STR(pair->aliases[0].field, "user");
    }
    /* and the same text through ward_corr_rules_parse_text (which runs the same parser) */
    struct ward_corr_rules *own = parse(yaml);
    CHECK_INT(own->nrules, 2);
    CHECK_INT(own->nfilters, 1);
    CHECK_INT(own->ndiags, 0);
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
