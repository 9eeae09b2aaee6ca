/*
 * bench_json.c - benchmark of the JSON event reader: scan + validate + flatten every
 * record of a file, and resolve (unescape) every field value, against a baseline over the
 * same file in the same run: plain read() of 1 MiB blocks with memchr counting of lines.
 * Prints MB/s, events/s, fields/s, the ratio to the baseline and peak RSS.
 *
 * usage: bench_json FILE [ROUNDS]      (scripts/bench-json.sh builds a ~1 GB FILE)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "ward/json_reader.h"

/* CPU time of this process: robust against other jobs on a shared machine */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double mbps(uint64_t bytes, uint64_t ns)
{
    return ns ? (double)bytes / 1e6 / ((double)ns / 1e9) : 0;
}

/* the baseline: read() and count newlines */
static int baseline(const char *path, uint64_t *bytes, uint64_t *lines)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    size_t bsz = (size_t)1 << 20;
    char *buf = malloc(bsz);
    if (!buf) {
        close(fd);
        return -1;
    }
    *bytes = *lines = 0;
    for (;;) {
        ssize_t k = read(fd, buf, bsz);
        if (k <= 0) break;
        *bytes += (uint64_t)k;
        const char *p = buf, *end = buf + k;
        while ((p = memchr(p, '\n', (size_t)(end - p)))) {
            (*lines)++;
            p++;
        }
    }
    free(buf);
    close(fd);
    return 0;
}

struct result {
    uint64_t bytes, events, fields, errors, escaped, value_bytes;
};

static int run_reader(const char *path, int unescape, struct result *res)
{
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    if (ward_stream_open_file(&s, path, &err)) {
        fprintf(stderr, "bench_json: %s: %s\n", path, err.msg);
        return -1;
    }
    struct ward_json_reader *r;
    if (ward_json_reader_open(&r, s, NULL, &err)) {
        ward_stream_close(s);
        return -1;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) {
        ward_json_reader_free(r);
        ward_stream_close(s);
        return -1;
    }
    memset(res, 0, sizeof *res);
    for (;;) {
        ward_event_reset(&ev);
        int k = ward_json_reader_next(r, &ev, &err);
        if (k == 0) break;
        if (k < 0) {
            res->errors++;
            if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
            continue;
        }
        res->events++;
        res->fields += ev.nfields;
        if (!unescape) continue;
        for (uint32_t i = 0; i < ev.nfields; i++) {
            struct ward_field *f = &ev.fields[i];
            if (f->flags & WARD_F_ESCAPED) res->escaped++;
            struct ward_str v;
            if (ward_event_value(&ev, f, &v)) return -1;
            res->value_bytes += v.len;
        }
    }
    struct ward_json_stats st;
    ward_json_reader_stats(r, &st);
    res->bytes = st.bytes;
    ward_event_free(&ev);
    ward_json_reader_free(r);
    ward_stream_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_json FILE [ROUNDS]\n");
        return 64;
    }
    const char *path = argv[1];
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    if (rounds < 1) rounds = 1;
    uint64_t best_base = UINT64_MAX, best_scan = UINT64_MAX, best_full = UINT64_MAX;
    uint64_t cpu_base = UINT64_MAX, cpu_scan = UINT64_MAX, cpu_full = UINT64_MAX;
    uint64_t bytes = 0, lines = 0;
    struct result scan, full;
    for (int i = 0; i < rounds; i++) {
        uint64_t c0 = cpu_ns(), t0 = ward_clock_ns();
        if (baseline(path, &bytes, &lines)) {
            perror(path);
            return 66;
        }
        uint64_t c1 = cpu_ns(), t1 = ward_clock_ns();
        if (run_reader(path, 0, &scan)) return 70;
        uint64_t c2 = cpu_ns(), t2 = ward_clock_ns();
        if (run_reader(path, 1, &full)) return 70;
        uint64_t c3 = cpu_ns(), t3 = ward_clock_ns();
        if (c1 - c0 < cpu_base) cpu_base = c1 - c0;
        if (c2 - c1 < cpu_scan) cpu_scan = c2 - c1;
        if (c3 - c2 < cpu_full) cpu_full = c3 - c2;
        if (t1 - t0 < best_base) best_base = t1 - t0;
        if (t2 - t1 < best_scan) best_scan = t2 - t1;
        if (t3 - t2 < best_full) best_full = t3 - t2;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double base_mb = mbps(bytes, best_base);
    double scan_mb = mbps(full.bytes, best_scan);
    double full_mb = mbps(full.bytes, best_full);
    printf("file: %s (%.1f MB, %llu lines), best of %d round(s)\n", path, (double)bytes / 1e6,
           (unsigned long long)lines, rounds);
    printf("baseline read()+memchr('\\n'):      %8.0f MB/s\n", base_mb);
    printf("json scan+validate+flatten:         %8.0f MB/s  %9.0f events/s  %6.1f Mfields/s  "
           "(%.2fx baseline time)\n",
           scan_mb, (double)scan.events / ((double)best_scan / 1e9),
           (double)scan.fields / ((double)best_scan / 1e3), (double)best_scan / (double)best_base);
    printf("  + unescape every field value:     %8.0f MB/s  %9.0f events/s  %6.1f Mfields/s  "
           "(%.2fx baseline time)\n",
           full_mb, (double)full.events / ((double)best_full / 1e9),
           (double)full.fields / ((double)best_full / 1e3), (double)best_full / (double)best_base);
    printf("per CPU second (user+sys of this process, immune to other jobs on the machine):\n"
           "  baseline %.0f MB/s, scan+flatten %.0f MB/s (%.0f events/s), +unescape %.0f MB/s "
           "(%.0f events/s)\n",
           mbps(bytes, cpu_base), mbps(full.bytes, cpu_scan),
           (double)scan.events / ((double)cpu_scan / 1e9), mbps(full.bytes, cpu_full),
           (double)full.events / ((double)cpu_full / 1e9));
    printf("events %llu, fields %llu (%llu escaped), bad records %llu, peak RSS %.1f MB\n",
           (unsigned long long)full.events, (unsigned long long)full.fields,
           (unsigned long long)full.escaped, (unsigned long long)full.errors,
           (double)ru.ru_maxrss / 1024.0);
    if (scan.events != full.events || full.events == 0) {
        fprintf(stderr, "bench_json: event counts differ or zero\n");
        return 1;
    }
    return 0;
}
