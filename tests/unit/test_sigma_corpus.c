/* test_sigma_corpus.c - the SigmaHQ corpus: every rule document of rules/,
 * rules-emerging-threats/ and rules-threat-hunting/ parses (the only rejections allowed are
 * |expand placeholders without a placeholders file), the taxonomy knows every logsource,
 * and every regression test (every info.yml under regression_data) fires: its rule, found by id,
 * matches its event file with the reference evaluator and with the compiled matcher.
 * Nothing is skipped: a test without an event file fails. */
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

static void find_info(const char *dir)
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
            find_info(path);
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

/* The event file of a test directory: *.json, else *.raw (syslog text). */
static int event_file(const char *dir, char *out, size_t osz, const char **format)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    int found = 0;
    while ((e = readdir(d)) && found < 2) {
        size_t n = strlen(e->d_name);
        if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
            snprintf(out, osz, "%s/%s", dir, e->d_name);
            *format = "json";
            found = 2;
        } else if (!found && n > 4 && strcmp(e->d_name + n - 4, ".raw") == 0) {
            snprintf(out, osz, "%s/%s", dir, e->d_name);
            *format = "syslog";
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

int main(void)
{
    const char *corpus = test_corpus();
    char sigma[1024];
    snprintf(sigma, sizeof sigma, "%s/sigma", corpus);
    char p1[1100], p2[1100], p3[1100];
    snprintf(p1, sizeof p1, "%s/rules", sigma);
    snprintf(p2, sizeof p2, "%s/rules-emerging-threats", sigma);
    snprintf(p3, sizeof p3, "%s/rules-threat-hunting", sigma);
    char *paths[3] = {p1, p2, p3};
    struct ward_taxonomy *tax;
    struct ward_err err;
    CHECK_INT(ward_taxonomy_default(&tax, &err), 0);

    /* 1. every document parses */
    uint64_t t0 = ward_clock_ns();
    struct ward_sigma_rules *rules;
    CHECK_INT(ward_sigma_rules_load(paths, 3, NULL, &rules, &err), 0);
    double secs = (double)(ward_clock_ns() - t0) / 1e9;
    printf("parsed %zu files, %zu documents: %zu rules, %zu rejected, in %.3f s\n", rules->files,
           rules->documents, rules->nrules, rules->ndiags, secs);
    CHECK(rules->files >= 3754);
    CHECK_INT(rules->nrules + rules->ndiags, rules->documents);
    size_t expand_only = 0;
    for (size_t i = 0; i < rules->ndiags; i++) {
        printf("  rejected %s:%u: %s\n", rules->diags[i].path, rules->diags[i].line,
               rules->diags[i].reason);
        if (strstr(rules->diags[i].reason, "expand: placeholder")) expand_only++;
    }
    CHECK_INT(expand_only, rules->ndiags);
    CHECK(rules->nrules * 100 >= rules->documents * 99);

    /* 2. the taxonomy knows every logsource */
    size_t known = 0, det = 0;
    for (size_t i = 0; i < rules->nrules; i++) {
        const struct ward_sigma_rule *r = rules->rules[i];
        if (r->kind != WARD_RULE_DETECTION) continue;
        det++;
        struct ward_ls_ids ls;
        char why[256];
        if (ward_taxonomy_rule_ls(tax, &r->logsource, &ls, why, sizeof why))
            known++;
        else
            printf("  logsource: %s:%u: %s\n", r->path, r->line, why);
    }
    printf("%zu of %zu detection rules have a logsource the taxonomy knows\n", known, det);
    CHECK_INT(known, det);

    /* 3. regression tests */
    char reg[1100];
    snprintf(reg, sizeof reg, "%s/regression_data", sigma);
    find_info(reg);
    printf("%zu regression tests\n", ntests);
    CHECK(ntests >= 164);
    /* one compiled rule set over the rules under test */
    struct ward_sigma_rules *sub;
    CHECK_INT(ward_sigma_rules_new(&sub), 0);
    size_t *sub_index = calloc(ntests + 1, sizeof *sub_index);
    const struct ward_sigma_rule **rule_of = calloc(ntests + 1, sizeof *rule_of);
    for (size_t i = 0; i < ntests; i++) {
        for (size_t k = 0; k < rules->nrules && !rule_of[i]; k++)
            if (rules->rules[k]->id && strcmp(rules->rules[k]->id, tests[i].id) == 0)
                rule_of[i] = rules->rules[k];
    }
    /* the sub set borrows the rule structs (it never frees them: they live in `rules`) */
    sub->rules = calloc(ntests + 1, sizeof *sub->rules);
    for (size_t i = 0; i < ntests; i++)
        if (rule_of[i]) sub->rules[sub->nrules++] = (struct ward_sigma_rule *)(uintptr_t)rule_of[i];
    struct ward_ruleset *rs = NULL;
    struct ward_matcher *m = NULL;
    CHECK_INT(ward_ruleset_compile(sub, tax, &rs, &err), 0);
    CHECK_INT(ward_matcher_new(rs, &m), 0);
    for (size_t i = 0; i < sub->ndiags; i++)
        printf("  not compiled: %s: %s\n", sub->diags[i].path, sub->diags[i].reason);
    size_t pass_ref = 0, pass_fast = 0;
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, ward_ruleset_fields(rs)), 0);
    for (size_t i = 0; i < ntests; i++) {
        char file[1200];
        const char *format = NULL;
        if (!rule_of[i]) {
            printf("FAIL %s: no rule with id %s\n", tests[i].dir, tests[i].id);
            continue;
        }
        if (!event_file(tests[i].dir, file, sizeof file, &format)) {
            printf("FAIL %s: no event file\n", tests[i].dir);
            continue;
        }
        /* the compiled index of this rule */
        struct hitctx h = {SIZE_MAX, 0};
        for (size_t k = 0; k < ward_ruleset_count(rs); k++)
            if (ward_ruleset_rule(rs, k) == rule_of[i]) h.want = k;
        struct ward_reader r;
        if (ward_reader_open(&r, file, format, NULL, &err)) {
            printf("FAIL %s: %s\n", file, err.msg);
            continue;
        }
        int ref = 0;
        size_t nev = 0;
        for (;;) {
            int k = ward_reader_next(&r, &ev, &err);
            if (k == 0) break;
            if (k < 0) {
                printf("  bad record in %s: %s\n", file, err.msg);
                continue;
            }
            nev++;
            if (ward_sigma_ref_eval(tax, rule_of[i], &ev) == 1) ref = 1;
            if (h.want != SIZE_MAX && ward_matcher_run(m, &ev, on_hit, &h) < 0) break;
        }
        ward_reader_close(&r);
        if (ref)
            pass_ref++;
        else
            printf("FAIL reference: %s (%s, %zu events)\n", rule_of[i]->path, file, nev);
        if (h.seen)
            pass_fast++;
        else
            printf("FAIL fast: %s (%s, %zu events)\n", rule_of[i]->path, file, nev);
    }
    printf("regression: reference %zu/%zu, fast %zu/%zu\n", pass_ref, ntests, pass_fast, ntests);
    CHECK_INT(pass_ref, ntests);
    CHECK_INT(pass_fast, ntests);
    ward_event_free(&ev);
    ward_matcher_free(m);
    ward_ruleset_free(rs);
    free(sub->rules);
    sub->rules = NULL;
    sub->nrules = 0;
    ward_sigma_rules_free(sub);
    free(sub_index);
    free(rule_of);
    free(tests);
    ward_sigma_rules_free(rules);
    ward_taxonomy_free(tax);
    return test_done("test_sigma_corpus");
}
