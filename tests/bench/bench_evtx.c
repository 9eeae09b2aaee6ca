/*
 * bench_evtx.c - EVTX decoding speed: decodes every file given (directories recursively)
 * with ward's EVTX decoder, ROUNDS times, on one thread, and prints records/s and MB/s
 * (file bytes), wall clock and per CPU second, and the peak RSS. Every field value is
 * touched, as detection or output would.
 *
 * From files (the default) the timed work is what ward dump and hunt do for each file:
 * ward_reader_open (open, a head read, format detection by content), ward_reader_next
 * for every event (flattened fields), ward_reader_close.
 *
 * With -m the files are first read into memory and decoded from memory streams: the
 * decoder alone, without the file system.
 *
 * usage: bench_evtx [-m] [-r ROUNDS] PATH...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "ward/decode.h"

/* Bytes this process has read through read/pread so far (/proc/self/io rchar), or 0. */
static unsigned long long bytes_read(void)
{
    FILE *f = fopen("/proc/self/io", "r");
    if (!f) return 0;
    char line[128];
    unsigned long long v = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "rchar: %llu", &v) == 1) break;
    fclose(f);
    return v;
}

int main(int argc, char **argv)
{
    int rounds = 5, first = 1, in_memory = 0;
    for (;;) {
        if (first < argc && strcmp(argv[first], "-m") == 0) {
            in_memory = 1;
            first++;
        } else if (first + 1 < argc && strcmp(argv[first], "-r") == 0) {
            rounds = atoi(argv[first + 1]);
            first += 2;
        } else {
            break;
        }
    }
    if (first >= argc || rounds < 1) {
        fprintf(stderr, "usage: bench_evtx [-m] [-r ROUNDS] PATH...\n");
        return 64;
    }
    char **paths;
    size_t npaths;
    if (ward_paths_expand(argv + first, (size_t)(argc - first), &paths, &npaths, NULL, NULL))
        return 70;
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) return 70;
    /* -m: the .evtx files' bytes, loaded once */
    unsigned char **mem = calloc(npaths + 1, sizeof *mem);
    size_t *mem_len = calloc(npaths + 1, sizeof *mem_len);
    if (!mem || !mem_len) return 70;
    for (size_t i = 0; in_memory && i < npaths; i++) {
        FILE *f = fopen(paths[i], "rb");
        if (!f) continue;
        if (fseek(f, 0, SEEK_END) == 0) {
            long sz = ftell(f);
            rewind(f);
            mem[i] = sz > 0 ? malloc((size_t)sz) : NULL;
            if (mem[i] && fread(mem[i], 1, (size_t)sz, f) == (size_t)sz) mem_len[i] = (size_t)sz;
        }
        fclose(f);
    }
    const struct ward_decoder *dec = ward_decoder_find("evtx");
    uint64_t records = 0, bytes = 0, errors = 0, fields = 0, files = 0, sink = 0;
    unsigned long long rchar0 = bytes_read();
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    uint64_t t0 = ward_clock_ns();
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < npaths; i++) {
            size_t pl = strlen(paths[i]);
            if (pl < 5 || strcmp(paths[i] + pl - 5, ".evtx") != 0) continue;
            struct ward_err err;
            ward_err_clear(&err);
            if (in_memory) {
                struct ward_stream *st;
                void *state;
                if (!mem_len[i] || ward_stream_open_mem(&st, mem[i], mem_len[i], paths[i], &err))
                    continue;
                if (dec->open(st, NULL, &state, &err)) {
                    ward_stream_close(st);
                    continue;
                }
                if (r == 0) files++;
                bytes += mem_len[i];
                for (;;) {
                    ward_event_reset(&ev);
                    int k = dec->next(state, &ev, &err);
                    if (k == 0) break;
                    if (k < 0) {
                        errors++;
                        continue;
                    }
                    records++;
                    fields += ev.nfields;
                    for (uint32_t f = 0; f < ev.nfields; f++)
                        sink += ev.fields[f].vlen ? (unsigned char)ev.fields[f].val[0] : 0;
                }
                dec->close(state);
                ward_stream_close(st);
                continue;
            }
            struct ward_reader rd;
            /* as ward dump and hunt do: the format detected from the content */
            if (ward_reader_open(&rd, paths[i], NULL, NULL, &err)) continue;
            if (!rd.dec || strcmp(rd.dec->name, "evtx") != 0) { /* empty files are not EVTX */
                ward_reader_close(&rd);
                continue;
            }
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
                    sink += ev.fields[f].vlen ? (unsigned char)ev.fields[f].val[0] : 0;
            }
            ward_reader_close(&rd);
        }
    }
    uint64_t ns = ward_clock_ns() - t0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    unsigned long long rchar = bytes_read() - rchar0;
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
    double s = (double)ns / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf(
        "ward evtx (%s): %llu files x %d rounds: %llu records (%llu bad), %llu fields, %.1f MB in "
        "%.3f s\n",
        in_memory ? "from memory" : "from files", (unsigned long long)files, rounds,
        (unsigned long long)records, (unsigned long long)errors, (unsigned long long)fields,
        (double)bytes / 1e6, s);
    printf("ward evtx: %.0f records/s, %.1f MB/s (wall clock); %.0f records/s, %.1f MB/s per "
           "CPU second; peak RSS %ld KiB (checksum %llu)\n",
           (double)records / s, (double)bytes / 1e6 / s, (double)records / cpu,
           (double)bytes / 1e6 / cpu, ru.ru_maxrss, (unsigned long long)(sink & 0xff));
    if (!in_memory && rchar0)
        printf("ward evtx: MB/s counts file sizes; the files were %.1f MB a round, of which "
               "%.1f MB were read (unused chunk space and holes are skipped)\n",
               (double)bytes / rounds / 1e6, (double)rchar / rounds / 1e6);
    if (in_memory)
        printf("ward evtx: (the peak RSS from memory includes the %.1f MB of files loaded)\n",
               (double)bytes / rounds / 1e6);
    for (size_t i = 0; i < npaths; i++) free(mem[i]);
    free(mem);
    free(mem_len);
    ward_event_free(&ev);
    ward_paths_free(paths);
    return 0;
}
