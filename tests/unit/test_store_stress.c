/*
 * test_store_stress.c - concurrency and crashes: two processes writing one store at once
 * lose nothing; a process killed with SIGKILL in the middle of a large import leaves a
 * store that passes the integrity check with consistent counters and an intact journal.
 *
 * With `--bulk DB N TAG [BATCH]` it is the helper of the end-to-end tests: it adds N
 * synthetic alerts (hosts, users and rules derived from TAG and the index) in batches of
 * BATCH (default 100), one transaction each, and exits 0.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "ward/store.h"

static int bulk(const char *db, long n, const char *tag, long batch)
{
    struct ward_store *st = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_store_open(db, &st, &err)) {
        fprintf(stderr, "bulk: %s\n", err.msg);
        return 1;
    }
    ward_store_set_actor(st, tag);
    struct ward_alert *a = calloc((size_t)batch, sizeof *a);
    struct ward_entity *ents = calloc((size_t)batch * 2, sizeof *ents);
    char(*strs)[4][64] = calloc((size_t)batch, sizeof *strs);
    if (!a || !ents || !strs) return 1;
    int rc = 0;
    for (long done = 0; done < n && !rc;) {
        long k = n - done < batch ? n - done : batch;
        for (long i = 0; i < k; i++) {
            long x = done + i;
            snprintf(strs[i][0], 64, "%s-host-%ld", tag, x % 50);
            snprintf(strs[i][1], 64, "%s-user-%ld", tag, x % 7);
            snprintf(strs[i][2], 64, "rule-%ld", x % 13);
            snprintf(strs[i][3], 64, "10.%ld.%ld.%ld", (x >> 16) & 255, (x >> 8) & 255, x & 255);
            memset(&a[i], 0, sizeof a[i]);
            /* one event a minute from 2026-01-01 */
            a[i].ts = (1767225600LL + x * 60) * 1000000000LL;
            a[i].host = strs[i][0];
            a[i].rule.id = strs[i][2];
            a[i].rule.title = strs[i][2];
            a[i].rule.level = (int)(x % 5);
            ents[2 * i] = (struct ward_entity){WARD_ENT_USER, strs[i][1]};
            ents[2 * i + 1] = (struct ward_entity){WARD_ENT_SRC_IP, strs[i][3]};
            a[i].entities = &ents[2 * i];
            a[i].nentities = 2;
            a[i].event_json = "{\"synthetic\":true}";
        }
        ward_err_clear(&err);
        if (ward_store_add_alerts(st, a, (size_t)k, NULL, NULL, &err)) {
            fprintf(stderr, "bulk %s: %s\n", tag, err.msg);
            rc = 1;
        }
        done += k;
    }
    free(a);
    free(ents);
    free(strs);
    ward_store_close(st);
    return rc;
}

static int64_t q(struct ward_store *st, const char *sql)
{
    int64_t v = -1;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_store_query_int(st, sql, &v, &err)) fprintf(stderr, "query: %s\n", err.msg);
    return v;
}

static void check_store(const char *db, int64_t *alerts_out)
{
    struct ward_store *st = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_store_open_existing(db, &st, &err), 0);
    if (!st) return;
    CHECK_INT(ward_store_integrity(st, &err), 0);
    struct ward_journal_check jc;
    CHECK_INT(ward_store_verify(st, &jc, &err), 0);
    CHECK_INT(jc.bad_seq, 0);
    CHECK_INT(jc.bad_count, 0);
    if (jc.bad_seq) fprintf(stderr, "journal: %s\n", jc.reason);
    /* every alert row has its journal entry and every repeat is counted */
    CHECK_INT(q(st, "SELECT count(*) FROM alerts"),
              q(st, "SELECT count(*) FROM journal WHERE action = 'alert.add'"));
    *alerts_out = q(st, "SELECT coalesce(sum(count), 0) FROM alerts");
    ward_store_close(st);
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "--bulk") == 0)
        return bulk(argv[2], atol(argv[3]), argv[4], argc > 5 ? atol(argv[5]) : 100);

    char dir[] = "/tmp/ward-stress-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char db[128];
    snprintf(db, sizeof db, "%s/c.db", dir);

    /* two writers at once: 2 x 600 alerts in batches of 30 */
    struct ward_store *st = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_store_open(db, &st, &err), 0); /* created before the race */
    ward_store_close(st);
    pid_t p1 = fork();
    if (p1 == 0) _exit(bulk(db, 600, "a", 30));
    pid_t p2 = fork();
    if (p2 == 0) _exit(bulk(db, 600, "b", 30));
    int s1 = 0, s2 = 0;
    waitpid(p1, &s1, 0);
    waitpid(p2, &s2, 0);
    CHECK(WIFEXITED(s1) && WEXITSTATUS(s1) == 0);
    CHECK(WIFEXITED(s2) && WEXITSTATUS(s2) == 0);
    int64_t events = 0;
    check_store(db, &events);
    CHECK_INT(events, 1200); /* nothing lost */

    /* SIGKILL in the middle of a large import */
    snprintf(db, sizeof db, "%s/k.db", dir);
    CHECK_INT(ward_store_open(db, &st, &err), 0);
    ward_store_close(st);
    pid_t pk = fork();
    if (pk == 0) _exit(bulk(db, 10000000, "k", 200));
    /* wait until some batches are in (up to a minute on a slow machine), then kill it */
    for (int i = 0; i < 6000; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        struct ward_store *r = NULL;
        if (ward_store_open_existing(db, &r, &err) == 0) {
            int64_t n = q(r, "SELECT count(*) FROM alerts");
            ward_store_close(r);
            if (n >= 400) break;
        }
    }
    kill(pk, SIGKILL);
    int sk = 0;
    waitpid(pk, &sk, 0);
    CHECK(WIFSIGNALED(sk) && WTERMSIG(sk) == SIGKILL);
    events = 0;
    check_store(db, &events);
    CHECK(events >= 400);
    CHECK_INT(events % 200, 0); /* whole batches only */
    fprintf(stderr, "killed after %lld alerts\n", (long long)events);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return test_done("test_store_stress");
}
