/*
 * test_evtx_sigma.c - the Sigma regression tests of the corpus (regression_data: info.yml,
 * a one-event .evtx file and its evtx_dump-style .json rendering) give the same result
 * from the .evtx file as from the .json file, with the reference evaluator and with the
 * compiled matcher: ward's EVTX decoder and its JSON reader feed detection the same
 * fields.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect/sigma/sigma_int.h"
#include "test.h"
#include "ward/decode.h"

struct regtest {
    char dir[1024];
    char id[64];
};

static struct regtest *tests;
static size_t ntests, tests_cap;

/* Collects every info.yml below dir with the id of the rule it tests. */
static void find_tests(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st)) continue;
        if (S_ISDIR(st.st_mode)) {
            find_tests(path);
            continue;
        }
        if (strcmp(e->d_name, "info.yml") != 0) continue;
        FILE *f = fopen(path, "r");
        if (!f) continue;
        char line[512], id[64] = "";
        int in_meta = 0;
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "rule_metadata:", 14) == 0) in_meta = 1;
            char *p = strstr(line, "- id: ");
            if (in_meta && p && !id[0]) {
                snprintf(id, sizeof id, "%s", p + 6);
                id[strcspn(id, " \r\n")] = 0;
            }
        }
        fclose(f);
        if (ntests == tests_cap) {
            tests_cap = tests_cap ? tests_cap * 2 : 256;
            tests = realloc(tests, tests_cap * sizeof *tests);
            if (!tests) exit(1);
        }
        snprintf(tests[ntests].dir, sizeof tests[ntests].dir, "%s", dir);
        snprintf(tests[ntests].id, sizeof tests[ntests].id, "%s", id);
        ntests++;
    }
    closedir(d);
}

/* The file of a test directory that ends in ext. */
static int file_with(const char *dir, const char *ext, char *out, size_t osz)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    size_t el = strlen(ext);
    while (!found && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > el && strcmp(e->d_name + n - el, ext) == 0) {
            snprintf(out, osz, "%s/%s", dir, e->d_name);
            found = 1;
        }
    }
    closedir(d);
    return found;
}

struct hitctx {
    size_t want;
    int seen;
};

static void on_hit(void *ctx, size_t i)
{
    struct hitctx *h = ctx;
    if (i == h->want) h->seen = 1;
}

/* Whether the rule fires on some event of the file: *ref with the reference evaluator,
 * *fast with the compiled matcher (rule index want). Returns the number of events. */
static size_t fires(const char *file, const char *format, const struct ward_taxonomy *tax,
                    const struct ward_sigma_rule *rule, struct ward_matcher *m, size_t want,
                    struct ward_event *ev, int *ref, int *fast)
{
    struct ward_reader r;
    struct ward_err err;
    ward_err_clear(&err);
    *ref = *fast = 0;
    if (ward_reader_open(&r, file, format, NULL, &err)) {
        printf("cannot open %s: %s\n", file, err.msg);
        return 0;
    }
    struct hitctx h = {want, 0};
    size_t n = 0;
    for (;;) {
        int k = ward_reader_next(&r, ev, &err);
        if (k == 0) break;
        if (k < 0) {
            printf("  bad record in %s: %s\n", file, err.msg);
            continue;
        }
        n++;
        if (ward_sigma_ref_eval(tax, rule, ev) == 1) *ref = 1;
        if (want != SIZE_MAX && ward_matcher_run(m, ev, on_hit, &h) < 0) break;
    }
    ward_reader_close(&r);
    *fast = h.seen;
    return n;
}

int main(void)
{
    const char *corpus = test_corpus();
    char sigma[1024];
    snprintf(sigma, sizeof sigma, "%s/sigma", corpus);
    char p1[1100], p2[1100], p3[1100], reg[1100];
    snprintf(p1, sizeof p1, "%s/rules", sigma);
    snprintf(p2, sizeof p2, "%s/rules-emerging-threats", sigma);
    snprintf(p3, sizeof p3, "%s/rules-threat-hunting", sigma);
    snprintf(reg, sizeof reg, "%s/regression_data", sigma);
    struct stat st;
    if (stat(reg, &st) != 0) {
        printf("SKIP: no Sigma regression data at %s\n", reg);
        return 77;
    }
    char *paths[3] = {p1, p2, p3};
    struct ward_taxonomy *tax;
    struct ward_err err;
    CHECK_INT(ward_taxonomy_default(&tax, &err), 0);
    struct ward_sigma_rules *rules;
    CHECK_INT(ward_sigma_rules_load(paths, 3, NULL, &rules, &err), 0);
    find_tests(reg);
    CHECK(ntests >= 160);

    /* one compiled set of the rules under test (borrowing the rule structs) */
    const struct ward_sigma_rule **rule_of = calloc(ntests + 1, sizeof *rule_of);
    struct ward_sigma_rules *sub;
    CHECK_INT(ward_sigma_rules_new(&sub), 0);
    sub->rules = calloc(ntests + 1, sizeof *sub->rules);
    for (size_t i = 0; i < ntests; i++) {
        for (size_t k = 0; k < rules->nrules && !rule_of[i]; k++)
            if (rules->rules[k]->id && strcmp(rules->rules[k]->id, tests[i].id) == 0)
                rule_of[i] = rules->rules[k];
        if (rule_of[i]) sub->rules[sub->nrules++] = (struct ward_sigma_rule *)(uintptr_t)rule_of[i];
    }
    struct ward_ruleset *rs = NULL;
    struct ward_matcher *m = NULL;
    CHECK_INT(ward_ruleset_compile(sub, tax, &rs, &err), 0);
    CHECK_INT(ward_matcher_new(rs, &m), 0);
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, ward_ruleset_fields(rs)), 0);

    size_t pairs = 0, same = 0, evtx_ref = 0, evtx_fast = 0;
    for (size_t i = 0; i < ntests; i++) {
        char evtx[1200], json[1200];
        if (!rule_of[i] || !file_with(tests[i].dir, ".evtx", evtx, sizeof evtx) ||
            !file_with(tests[i].dir, ".json", json, sizeof json))
            continue;
        size_t want = SIZE_MAX;
        for (size_t k = 0; k < ward_ruleset_count(rs); k++)
            if (ward_ruleset_rule(rs, k) == rule_of[i]) want = k;
        int eref, efast, jref, jfast;
        size_t ne = fires(evtx, NULL, tax, rule_of[i], m, want, &ev, &eref, &efast);
        size_t nj = fires(json, "json", tax, rule_of[i], m, want, &ev, &jref, &jfast);
        pairs++;
        evtx_ref += eref;
        evtx_fast += efast;
        if (ne == nj && eref == jref && efast == jfast) {
            same++;
        } else {
            printf("DIFFER %s: evtx %zu events, reference %d, compiled %d; json %zu events, "
                   "reference %d, compiled %d\n",
                   tests[i].dir, ne, eref, efast, nj, jref, jfast);
        }
    }
    printf("%zu regression tests with .evtx and .json: %zu give the same result; from .evtx "
           "the rule fires in %zu (reference) and %zu (compiled)\n",
           pairs, same, evtx_ref, evtx_fast);
    CHECK(pairs >= 160);
    CHECK_INT(same, pairs);
    CHECK_INT(evtx_ref, pairs);

    ward_event_free(&ev);
    ward_matcher_free(m);
    ward_ruleset_free(rs);
    free(sub->rules);
    sub->rules = NULL;
    sub->nrules = 0;
    ward_sigma_rules_free(sub);
    free(rule_of);
    free(tests);
    ward_sigma_rules_free(rules);
    ward_taxonomy_free(tax);
    return test_done("test_evtx_sigma");
}
