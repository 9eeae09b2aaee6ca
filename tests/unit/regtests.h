/* regtests.h - finds the SigmaHQ regression tests (info.yml files) of the shared corpus and
 * the id of the rule each one tests; shared by the Sigma corpus tests. */
#ifndef WARD_TEST_REGTESTS_H
#define WARD_TEST_REGTESTS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

#endif
