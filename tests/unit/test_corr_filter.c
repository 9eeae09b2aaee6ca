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

int main(void)
{
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    test_filter();
    test_filter_errors();
    ward_event_free(&ev);
    return test_done("test_corr_filter");
}
