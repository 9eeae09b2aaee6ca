/*
 * bench_corr.c - benchmark of the Sigma correlation engine's state: N distinct group keys
 * (default one million) inside one window, for an event_count and a value_count
 * correlation, first with a cap above N (every group alive: the memory a million groups
 * cost) and then with the default cap (100,000 groups: the memory stays bounded, the rest
 * is evicted and counted). Prints matches/s (CPU time of the process), the engine's own
 * estimate of its state, the growth of the resident memory while feeding, and the peak RSS.
 *
 * usage: bench_corr [N]           (scripts/bench-corr.sh)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ward/correlate.h"
#include "ward/event.h"

#define SEC 1000000000LL

static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

/* Resident memory now (Linux /proc/self/statm), 0 when unknown. */
static double rss_now_mb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &size, &res) != 2) res = 0;
    fclose(f);
    return (double)res * (double)sysconf(_SC_PAGESIZE) / (1024.0 * 1024.0);
}

static unsigned long alerts;

static void on_alert(void *ctx, const struct ward_corr_alert *a)
{
    (void)ctx;
    (void)a;
    alerts++;
}

static const struct ward_corr_base bases[] = {{"bench-base", "bench_base", "Bench base rule"}};

static const char *const rules_yaml[] = {
    "title: many sources\nid: 0b5e3c1e-0000-4000-8000-000000000001\n"
    "correlation: {type: event_count, rules: [bench_base], group-by: [src], timespan: 1d,"
    " condition: {gte: 1000}}\n",
    "title: many users per source\nid: 0b5e3c1e-0000-4000-8000-000000000002\n"
    "correlation: {type: value_count, rules: [bench_base], group-by: [src], timespan: 1d,"
    " condition: {field: user, gte: 1000}}\n",
};

/* Feeds n matches with n distinct keys (one event each, one window) into a new engine with
 * the given cap; returns 0 or -1. */
static int run(const char *yaml, const char *label, long n, size_t cap)
{
    struct ward_corr_rules *set = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_corr_rules_new(&set) ||
        ward_corr_rules_parse_text(set, "bench.yml", yaml, strlen(yaml), &err) || set->ndiags) {
        fprintf(stderr, "bench_corr: the rule did not parse: %s\n", err.msg);
        ward_corr_rules_free(set);
        return -1;
    }
    struct ward_corr_opts o;
    ward_corr_opts_default(&o);
    o.lateness = 0;
    if (cap) o.max_groups = cap;
    struct ward_corr *c = NULL;
    if (ward_corr_new(set, bases, 1, &o, on_alert, NULL, &c, &err)) {
        fprintf(stderr, "bench_corr: %s\n", err.msg);
        ward_corr_rules_free(set);
        return -1;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) return -1;
    double rss0 = rss_now_mb();
    uint64_t t0 = cpu_ns();
    char src[32], user[32];
    int rc = 0;
    alerts = 0;
    for (long i = 0; i < n && !rc; i++) {
        int ns =
            snprintf(src, sizeof src, "10.%ld.%ld.%ld", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        int nu = snprintf(user, sizeof user, "user%ld", i % 997);
        ward_event_reset(&ev);
        ev.ts = 1700000000LL * SEC + (i / 1000) * SEC; /* n/1000 seconds: one window */
        rc = ward_event_add(&ev, "src", 3, src, (size_t)ns, WARD_V_STR, 0) ||
             ward_event_add(&ev, "user", 4, user, (size_t)nu, WARD_V_STR, 0) ||
             ward_corr_feed(c, 0, &ev);
    }
    struct ward_corr_stats st;
    ward_corr_get_stats(c, &st);
    uint64_t t1 = cpu_ns();
    double rss1 = rss_now_mb();
    if (!rc) rc = ward_corr_flush(c, INT64_MAX);
    double secs = (double)(t1 - t0) / 1e9;
    printf("%-30s cap %8zu: %8.0f matches/s; groups alive %8llu (peak %llu), evicted %8llu; "
           "state %6.1f MB (%5.0f B a group), RSS +%6.1f MB; alerts %lu\n",
           label, o.max_groups, secs > 0 ? (double)n / secs : 0, (unsigned long long)st.groups,
           (unsigned long long)st.groups_peak, (unsigned long long)st.evicted,
           (double)st.memory / 1e6, st.groups_peak ? (double)st.memory / (double)st.groups : 0,
           rss1 - rss0, alerts);
    ward_event_free(&ev);
    ward_corr_free(c);
    ward_corr_rules_free(set);
    return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    if (n <= 0 || n > 100000000) {
        fprintf(stderr, "usage: bench_corr [N]   (distinct group keys, default 1000000)\n");
        return 2;
    }
    printf("== bench_corr: %ld distinct group keys in one window (one match each)\n", n);
    static const char *const labels[] = {"event_count by src", "value_count(user) by src"};
    for (size_t r = 0; r < 2; r++) {
        /* every group alive, then the default cap */
        if (run(rules_yaml[r], labels[r], n, (size_t)n + 1) || run(rules_yaml[r], labels[r], n, 0))
            return 1;
    }
    printf("peak RSS of the run: %.1f MB\n", peak_rss_mb());
    return 0;
}
