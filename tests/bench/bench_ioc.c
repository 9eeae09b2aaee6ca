/*
 * bench_ioc.c - benchmark of indicator matching: N generated indicators (default 1,000,000:
 * IPv4 addresses and ranges, IPv6, domains, URLs, MD5/SHA-1/SHA-256 hashes, e-mail
 * addresses) are written to a plain list, loaded and compiled (load time, memory of the
 * set, RSS); then the events of a JSON Lines file are decoded alone (the baseline), decoded
 * and matched against the indicators, and, when a Sigma rule directory is given, decoded
 * and matched by the Sigma rule set with and without the indicators (the hunt's case).
 * Prints events/s of each pass (thread CPU time: steadier than wall time on a shared machine;
 * each pass reads the file 10 times, the configurations alternate, the best pass of each
 * counts), the slowdown in percent and the cost per event.
 *
 * With the case store (WARD_BENCH_STORE=0 leaves it out): the indicators are imported into a
 * new store in one transaction (`ward intel import`), then read back into a new set and
 * compiled (what `ward hunt --store` does), with times and RSS.
 *
 * WARD_BENCH_LIST=PATH keeps the generated indicator list at PATH; with "-" for the events
 * the list is only written (`WARD_BENCH_LIST=iocs.txt bench_ioc - - N`). WARD_BENCH_LOOPS=N reads
 * the file N times per pass instead of 10 (e.g. 1 under valgrind --tool=callgrind).
 *
 * usage: bench_ioc EVENTS.jsonl [SIGMA_RULES_DIR] [N_INDICATORS] [ROUNDS]
 *        (scripts/bench-ioc.sh runs it on the corpus' EVTX samples)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ward/decode.h"
#include "ward/ioc.h"
#include "ward/sigma.h"
#include "ward/store.h"

static uint64_t rng = 0x243f6a8885a308d3ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static long rss_kb(const char *what)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t wl = strlen(what);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, what, wl) == 0) v = strtol(line + wl, NULL, 10);
    fclose(f);
    return v;
}

static int gen(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    static const char *const tlds[] = {"com", "net", "org", "info", "ru", "cn", "io", "xyz"};
    static const char hex[] = "0123456789abcdef";
    for (long i = 0; i < n; i++) {
        uint64_t r = rnd(), k = r % 100;
        if (k < 38) { /* IPv4 address */
            fprintf(f, "%u.%u.%u.%u\n", (unsigned)(r >> 8) & 255, (unsigned)(r >> 16) & 255,
                    (unsigned)(r >> 24) & 255, (unsigned)(r >> 32) & 255);
        } else if (k < 40) { /* IPv4 range */
            unsigned pfx = 16 + (unsigned)((r >> 40) % 13);
            fprintf(f, "%u.%u.%u.0/%u\n", (unsigned)(r >> 8) & 255, (unsigned)(r >> 16) & 255,
                    (unsigned)(r >> 24) & 255, pfx);
        } else if (k < 45) { /* IPv6 */
            fprintf(f, "2001:db8:%x:%x::%x\n", (unsigned)(r >> 8) & 0xffff,
                    (unsigned)(r >> 24) & 0xffff, (unsigned)(r >> 40) & 0xffff);
        } else if (k < 70) { /* domain */
            fprintf(f, "h%llx.example-%u.%s\n", (unsigned long long)(r >> 20), (unsigned)(r & 1023),
                    tlds[(r >> 12) & 7]);
        } else if (k < 75) { /* URL */
            fprintf(f, "http://u%llx.example.%s/p/%u.php\n", (unsigned long long)(r >> 24),
                    tlds[(r >> 12) & 7], (unsigned)(r & 65535));
        } else if (k < 95) { /* hashes */
            int len = k < 80 ? 32 : k < 85 ? 40 : 64;
            char h[65];
            for (int j = 0; j < len; j++) h[j] = hex[rnd() & 15];
            h[len] = 0;
            fprintf(f, "%s\n", h);
        } else { /* e-mail */
            fprintf(f, "u%llx@mail%u.example.%s\n", (unsigned long long)(r >> 28),
                    (unsigned)(r & 255), tlds[(r >> 12) & 7]);
        }
    }
    return fclose(f);
}

struct pass {
    uint64_t events, ns, ioc_hits, rule_hits;
};

static int count_hit(void *ctx, const struct ward_ioc_hit *h)
{
    (void)h;
    (*(uint64_t *)ctx)++;
    return 0;
}

static void rule_hit(void *ctx, size_t i)
{
    (void)i;
    (*(uint64_t *)ctx)++;
}

/* CPU time of this thread: on a shared machine far steadier than the wall clock */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int loops = 10; /* the file is read this many times per pass */

/* The matcher alone: per event, the least time of ward_ioc_match_event over the passes
 * (the clock read around each call; its own cost is measured and taken off). On a machine
 * shared with other work the least time of each event is far steadier than the difference
 * of two passes, which carries every disturbance of both. */
static uint64_t *ev_min;
static size_t ev_min_n;

static int run1(const char *path, const struct ward_ioc_set *set, const struct ward_ruleset *rs,
                struct pass *out);

static int run(const char *path, const struct ward_ioc_set *set, const struct ward_ruleset *rs,
               struct pass *out)
{
    struct pass total, one;
    memset(&total, 0, sizeof total);
    uint64_t t0 = cpu_ns();
    for (int i = 0; i < loops; i++) {
        if (run1(path, set, rs, &one)) return -1;
        total.events += one.events;
        total.ioc_hits += one.ioc_hits;
        total.rule_hits += one.rule_hits;
    }
    total.ns = cpu_ns() - t0;
    *out = total;
    return 0;
}

static int run1(const char *path, const struct ward_ioc_set *set, const struct ward_ruleset *rs,
                struct pass *out)
{
    struct ward_reader r;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_reader_open(&r, path, NULL, NULL, &err)) {
        fprintf(stderr, "bench_ioc: %s: %s\n", path, err.msg);
        return -1;
    }
    struct ward_event ev;
    struct ward_matcher *m = NULL;
    if (ward_event_init(&ev, rs ? ward_ruleset_fields(rs) : NULL)) return -1;
    if (rs && ward_matcher_new(rs, &m)) return -1;
    memset(out, 0, sizeof *out);
    uint64_t t0 = ward_clock_ns();
    for (;;) {
        int k = ward_reader_next(&r, &ev, &err);
        if (k == 0) break;
        if (k < 0) continue;
        out->events++;
        if (m) ward_matcher_run(m, &ev, rule_hit, &out->rule_hits);
        if (set && ev_min) {
            size_t e = (size_t)out->events - 1;
            uint64_t a = ward_clock_ns();
            ward_ioc_match_event(set, &ev, count_hit, &out->ioc_hits);
            uint64_t d = ward_clock_ns() - a;
            if (e < ev_min_n && d < ev_min[e]) ev_min[e] = d;
        } else if (set) {
            ward_ioc_match_event(set, &ev, count_hit, &out->ioc_hits);
        }
    }
    out->ns = ward_clock_ns() - t0;
    ward_matcher_free(m);
    ward_event_free(&ev);
    ward_reader_close(&r);
    return 0;
}

static double eps(const struct pass *p)
{
    return p->ns ? (double)p->events / ((double)p->ns / 1e9) : 0;
}

/* Alternates the two configurations round by round and keeps the best of each. */
static void best_of2(const char *path, const struct ward_ioc_set *set_a,
                     const struct ward_ruleset *rs_a, const struct ward_ioc_set *set_b,
                     const struct ward_ruleset *rs_b, int rounds, struct pass *a, struct pass *b)
{
    memset(a, 0, sizeof *a);
    memset(b, 0, sizeof *b);
    for (int i = 0; i < rounds; i++) {
        struct pass p;
        if (run(path, set_a, rs_a, &p)) exit(1);
        if (!a->ns || p.ns < a->ns) *a = p;
        if (run(path, set_b, rs_b, &p)) exit(1);
        if (!b->ns || p.ns < b->ns) *b = p;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr,
                "usage: bench_ioc EVENTS.jsonl|- [SIGMA_RULES_DIR|-] [N_INDICATORS] [ROUNDS]\n");
        return 64;
    }
    const char *events = argv[1];
    const char *keep = getenv("WARD_BENCH_LIST");
    if (strcmp(events, "-") == 0) { /* only the list (scripts/bench-ioc-hunt.sh) */
        long nl = argc > 3 ? atol(argv[3]) : 1000000;
        if (!keep || !*keep || gen(keep, nl)) {
            fprintf(stderr, "bench_ioc: with '-' for the events, WARD_BENCH_LIST=PATH names the "
                            "list to write\n");
            return 1;
        }
        return 0;
    }
    const char *lp = getenv("WARD_BENCH_LOOPS"); /* reads of the file per pass (default 10) */
    if (lp && atoi(lp) > 0) loops = atoi(lp);
    const char *rules = argc > 2 && strcmp(argv[2], "-") != 0 ? argv[2] : NULL;
    long n = argc > 3 ? atol(argv[3]) : 1000000;
    int rounds = argc > 4 ? atoi(argv[4]) : 3;
    char list[] = "/tmp/bench_ioc_XXXXXX";
    int fd = mkstemp(list);
    if (fd < 0) return 1;
    close(fd);
    if (gen(list, n)) return 1;

    long rss0 = rss_kb("VmRSS:");
    struct ward_ioc_set *set;
    if (ward_ioc_set_new(&set)) return 1;
    struct ward_err err;
    ward_err_clear(&err);
    uint64_t t0 = ward_clock_ns();
    if (ward_ioc_load_path(set, list, NULL, &err)) {
        fprintf(stderr, "bench_ioc: load: %s\n", err.msg);
        return 1;
    }
    uint64_t t1 = ward_clock_ns();
    if (ward_ioc_set_compile(set)) return 1;
    uint64_t t2 = ward_clock_ns();
    /* WARD_BENCH_LIST=PATH keeps the generated list there (scripts/bench-ioc.sh hunts with
     * it through the real `ward hunt`) */
    if (keep && *keep && rename(list, keep) != 0) {
        FILE *in = fopen(list, "r"), *out = fopen(keep, "w");
        int ch;
        while (in && out && (ch = getc(in)) != EOF) putc(ch, out);
        if (in) fclose(in);
        if (out) fclose(out);
    }
    unlink(list);
    long rss1 = rss_kb("VmRSS:");
    const struct ward_ioc_stats *st = ward_ioc_set_stats(set);
    printf("indicators: %llu values loaded (%llu rejected) from %ld generated\n",
           (unsigned long long)st->total, (unsigned long long)st->invalid, n);
    printf("load: %.2f s parse, %.2f s compile; set %.1f MB; RSS +%.1f MB (%.1f bytes/indicator)\n",
           (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9, (double)ward_ioc_set_memory(set) / 1e6,
           (double)(rss1 - rss0) / 1e3,
           st->total ? (double)(rss1 - rss0) * 1024.0 / (double)st->total : 0);

    const char *bs = getenv("WARD_BENCH_STORE");
    if (!bs || strcmp(bs, "0") != 0) {
        char db[] = "/tmp/bench_ioc_store_XXXXXX";
        int dfd = mkstemp(db);
        if (dfd < 0) return 1;
        close(dfd);
        unlink(db);
        struct ward_store *store = NULL;
        struct ward_intel_import res;
        uint64_t s0 = ward_clock_ns();
        if (ward_store_open(db, &store, &err) ||
            ward_store_intel_import(store, set, 0, 0, list, "bench", NULL, &res, &err)) {
            fprintf(stderr, "bench_ioc: store: %s\n", err.msg);
            return 1;
        }
        uint64_t s1 = ward_clock_ns();
        struct ward_ioc_set *set2;
        size_t n2 = 0;
        if (ward_ioc_set_new(&set2) || ward_store_intel_to_set(store, set2, NULL, &n2, &err)) {
            fprintf(stderr, "bench_ioc: store load: %s\n", err.msg);
            return 1;
        }
        uint64_t s2 = ward_clock_ns();
        if (ward_ioc_set_compile(set2)) return 1;
        uint64_t s3 = ward_clock_ns();
        struct stat sb;
        long long dbsize = stat(db, &sb) == 0 ? (long long)sb.st_size : -1;
        /* (no RSS difference here: the import's freed page cache is reused by the set) */
        printf("store: import %.2f s (%llu rows, one transaction, %.1f MB file); read back %.2f s, "
               "compile %.2f s; set %.1f MB\n",
               (double)(s1 - s0) / 1e9, (unsigned long long)res.values_new, (double)dbsize / 1e6,
               (double)(s2 - s1) / 1e9, (double)(s3 - s2) / 1e9,
               (double)ward_ioc_set_memory(set2) / 1e6);
        if (n2 != res.values_new) { /* the generator repeats a few values */
            fprintf(stderr, "bench_ioc: the store gave %zu values back, %llu rows went in\n", n2,
                    (unsigned long long)res.values_new);
            return 1;
        }
        ward_ioc_set_free(set2);
        ward_store_close(store);
        char side[64];
        unlink(db);
        snprintf(side, sizeof side, "%s-wal", db);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", db);
        unlink(side);
    }

    struct pass base, with_ioc;
    best_of2(events, NULL, NULL, set, NULL, rounds, &base, &with_ioc);
    printf("decode only:          %8.0f events/s (%llu events)\n", eps(&base),
           (unsigned long long)base.events);
    printf("decode + indicators:  %8.0f events/s, %llu hits; +%.1f%% time, %.2f us/event\n",
           eps(&with_ioc), (unsigned long long)with_ioc.ioc_hits,
           100.0 * ((double)with_ioc.ns - (double)base.ns) / (double)base.ns,
           ((double)with_ioc.ns - (double)base.ns) / 1e3 / (double)(base.events ? base.events : 1));

    /* the matcher alone, timed per event */
    ev_min_n = (size_t)base.events / (size_t)loops;
    ev_min = malloc((ev_min_n ? ev_min_n : 1) * sizeof *ev_min);
    if (!ev_min) return 1;
    for (size_t i = 0; i < ev_min_n; i++) ev_min[i] = UINT64_MAX;
    uint64_t clk = UINT64_MAX;
    for (int i = 0; i < 100000; i++) {
        uint64_t a = ward_clock_ns(), d = ward_clock_ns() - a;
        if (d < clk) clk = d;
    }
    for (int i = 0; i < rounds; i++) {
        struct pass p;
        if (run(events, set, NULL, &p)) return 1;
    }
    double sum = 0;
    for (size_t i = 0; i < ev_min_n; i++) sum += ev_min[i] > clk ? (double)(ev_min[i] - clk) : 0;
    printf("matcher alone:        %.3f us/event (per event the least time of %d passes, the "
           "clock's %llu ns taken off)\n",
           ev_min_n ? sum / 1e3 / (double)ev_min_n : 0, rounds * loops, (unsigned long long)clk);
    free(ev_min);
    ev_min = NULL;

    if (rules) {
        struct ward_sigma_rules *rset = NULL;
        struct ward_taxonomy *tax = NULL;
        struct ward_ruleset *rs = NULL;
        char *paths[1] = {(char *)(uintptr_t)rules};
        struct ward_sigma_opts so = {0};
        if (ward_sigma_rules_load(paths, 1, &so, &rset, &err) ||
            ward_taxonomy_default(&tax, &err) || ward_ruleset_compile(rset, tax, &rs, &err)) {
            fprintf(stderr, "bench_ioc: rules: %s\n", err.msg);
            return 1;
        }
        struct pass hunt, hunt_ioc;
        /* same pass length as above */
        best_of2(events, NULL, rs, set, rs, rounds, &hunt, &hunt_ioc);
        printf("decode + sigma (%zu rules): %8.0f events/s, %llu rule hits\n",
               ward_ruleset_count(rs), eps(&hunt), (unsigned long long)hunt.rule_hits);
        printf("decode + sigma + indicators: %8.0f events/s; +%.1f%% over the sigma hunt\n",
               eps(&hunt_ioc), 100.0 * ((double)hunt_ioc.ns - (double)hunt.ns) / (double)hunt.ns);
        ward_ruleset_free(rs);
        ward_taxonomy_free(tax);
        ward_sigma_rules_free(rset);
    }
    printf("peak RSS: %.1f MB\n", (double)rss_kb("VmHWM:") / 1e3);
    ward_ioc_set_free(set);
    return 0;
}
