/*
 * bench_evtx.c - EVTX decoding speed: decodes every file given (directories recursively)
 * with ward's EVTX decoder, ROUNDS times, on one thread, and prints records/s and MB/s
 * (file bytes). Every field value is touched, as detection or output would.
 *
 * usage: bench_evtx [-r ROUNDS] PATH...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ward/decode.h"

int main(int argc, char **argv)
{
    int rounds = 5, first = 1;
    if (argc > 2 && strcmp(argv[1], "-r") == 0) {
        rounds = atoi(argv[2]);
        first = 3;
    }
    if (first >= argc || rounds < 1) {
        fprintf(stderr, "usage: bench_evtx [-r ROUNDS] PATH...\n");
        return 64;
    }
    char **paths;
    size_t npaths;
    if (ward_paths_expand(argv + first, (size_t)(argc - first), &paths, &npaths, NULL, NULL))
        return 70;
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) return 70;
    uint64_t records = 0, bytes = 0, errors = 0, fields = 0, files = 0, sink = 0;
    uint64_t t0 = ward_clock_ns();
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < npaths; i++) {
            size_t pl = strlen(paths[i]);
            if (pl < 5 || strcmp(paths[i] + pl - 5, ".evtx") != 0) continue;
            struct ward_reader rd;
            struct ward_err err;
            ward_err_clear(&err);
            if (ward_reader_open(&rd, paths[i], "evtx", NULL, &err)) continue;
            if (r == 0) files++;
            bytes += rd.stream ? rd.stream->size : 0;
            for (;;) {
                int k = ward_reader_next(&rd, &ev, &err);
                if (k == 0) break;
                if (k < 0) {
                    errors++;
                    continue;
                }
                records++;
                fields += ev.nfields;
                for (uint32_t f = 0; f < ev.nfields; f++)
                    sink += (unsigned char)ev.fields[f].val[0];
            }
            ward_reader_close(&rd);
        }
    }
    uint64_t ns = ward_clock_ns() - t0;
    double s = (double)ns / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    printf("ward evtx: %llu files x %d rounds: %llu records (%llu bad), %llu fields, %.1f MB in "
           "%.3f s\n",
           (unsigned long long)files, rounds, (unsigned long long)records,
           (unsigned long long)errors, (unsigned long long)fields, (double)bytes / 1e6, s);
    printf("ward evtx: %.0f records/s, %.1f MB/s (wall clock); %.0f records/s, %.1f MB/s per "
           "CPU second; peak RSS %ld KiB (checksum %llu)\n",
           (double)records / s, (double)bytes / 1e6 / s, (double)records / cpu,
           (double)bytes / 1e6 / cpu, ru.ru_maxrss, (unsigned long long)(sink & 0xff));
    ward_event_free(&ev);
    ward_paths_free(paths);
    return 0;
}
