/*
 * test_store_golden.c - golden tests of the reports: builds the fixture store (fixed
 * times), renders the incident report (md, html, json), the timeline, the metrics and the
 * ATT&CK layer, and compares them byte for byte with tests/golden/. Run with
 * WARD_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change (and review
 * the diff). With `--make-fixture DB` it only builds the fixture store at DB (the
 * end-to-end tests use it). Runs from the repository root (ctest sets that).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "store_fixture.h"
#include "ward/report.h"

#define EVIDENCE "tests/golden/evidence-ws01.txt"

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct ward_buf b;
    ward_buf_init(&b, 0);
    char tmp[8192];
    size_t k;
    int e = 0;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) e |= ward_buf_append(&b, tmp, k);
    fclose(f);
    *n = b.len;
    if (e) {
        ward_buf_free(&b);
        return NULL;
    }
    char *d = ward_buf_take(&b);
    return d ? d : calloc(1, 1);
}

static void golden(const char *name, const struct ward_buf *b)
{
    char path[256];
    snprintf(path, sizeof path, "tests/golden/%s", name);
    const char *data = b->data ? b->data : "";
    if (getenv("WARD_UPDATE_GOLDEN")) {
        FILE *f = fopen(path, "wb");
        CHECK(f != NULL);
        if (f) {
            fwrite(data, 1, b->len, f);
            fclose(f);
        }
        printf("updated %s\n", path);
        return;
    }
    size_t n = 0;
    char *want = slurp(path, &n);
    if (!want) {
        fprintf(stderr, "%s: missing (run with WARD_UPDATE_GOLDEN=1)\n", path);
        CHECK(0);
        return;
    }
    int same = n == b->len && memcmp(want, data, n) == 0;
    if (!same) {
        /* show where it differs */
        size_t i = 0;
        while (i < n && i < b->len && want[i] == data[i]) i++;
        size_t line = 1;
        for (size_t k = 0; k < i; k++) line += want[k] == '\n';
        fprintf(stderr, "%s: differs at byte %zu (line %zu): got \"%.60s\"\n", path, i, line,
                data + i);
    }
    CHECK(same);
    free(want);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--make-fixture") == 0) {
        struct ward_err err;
        ward_err_clear(&err);
        if (fixture_build(argv[2], EVIDENCE, &err)) {
            fprintf(stderr, "fixture: %s\n", err.msg);
            return 1;
        }
        return 0;
    }
    if (access(EVIDENCE, R_OK) != 0) {
        printf("SKIP: run from the repository root (no %s)\n", EVIDENCE);
        return 77;
    }
    char dir[] = "/tmp/ward-golden-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char db[128];
    snprintf(db, sizeof db, "%s/fx.db", dir);
    struct ward_err err;
    ward_err_clear(&err);
    int rc = fixture_build(db, EVIDENCE, &err);
    if (rc) fprintf(stderr, "fixture: %s\n", err.msg);
    CHECK_INT(rc, 0);
    struct ward_store *st = NULL;
    CHECK_INT(ward_store_open_existing(db, &st, &err), 0);
    if (!st) return test_done("test_store_golden");
    ward_time_t gen = fx_time("2026-03-03T00:00:00Z");

    static const char *const fmts[] = {"md", "html", "json"};
    for (int i = 0; i < 3; i++) {
        struct ward_case *c = NULL;
        CHECK_INT(ward_store_load_case(st, 1, 1, &c, &err), 0);
        if (!c) continue;
        struct ward_buf b;
        ward_buf_init(&b, 0);
        CHECK_INT(ward_report_incident(c, fmts[i], gen, &b, &err), 0);
        char name[64];
        snprintf(name, sizeof name, "report-inc1.%s", fmts[i]);
        golden(name, &b);
        ward_buf_free(&b);
        ward_case_free(c);
    }
    struct ward_case *c = NULL;
    CHECK_INT(ward_store_load_case(st, 2, 0, &c, &err), 0);
    if (c) {
        struct ward_buf b;
        ward_buf_init(&b, 0);
        CHECK_INT(ward_report_timeline(c, "table", &b, &err), 0);
        golden("timeline-inc2.txt", &b);
        ward_buf_free(&b);
        ward_case_free(c);
    }
    struct ward_metrics *m = NULL;
    CHECK_INT(ward_store_metrics(st, WARD_TIME_NONE, WARD_TIME_NONE, &m, &err), 0);
    if (m) {
        struct ward_buf b;
        ward_buf_init(&b, 0);
        CHECK_INT(ward_report_metrics(m, "table", &b, &err), 0);
        golden("metrics.txt", &b);
        ward_buf_reset(&b);
        CHECK_INT(ward_report_metrics(m, "json", &b, &err), 0);
        golden("metrics.json", &b);
        ward_buf_reset(&b);
        CHECK_INT(ward_report_attack_layer(m, NULL, &b, &err), 0);
        golden("attack-layer.json", &b);
        ward_buf_free(&b);
        /* MTTR of the two closed incidents: INC-1 opened 10:30 closed 03-02 10:00 (23h30m),
         * INC-2 opened 12:10 closed 12:40 (30m): mean 12h */
        CHECK_INT(m->mttr_n, 2);
        CHECK_INT((int64_t)m->mttr, 12 * 3600);
        CHECK_INT(m->mtta_n, 2);
    }
    ward_metrics_free(m);
    /* a bad format is refused */
    CHECK_INT(ward_store_load_case(st, 1, 0, &c, &err), 0);
    if (c) {
        struct ward_buf b;
        ward_buf_init(&b, 0);
        CHECK_INT(ward_report_incident(c, "pdf", gen, &b, &err), WARD_EINVAL);
        ward_buf_free(&b);
        ward_case_free(c);
    }
    ward_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return test_done("test_store_golden");
}
