/*
 * fuzz_evtx_file.c - libFuzzer target for the EVTX decoder's file path: the input (a whole
 * file when it starts with the file magic, else the chunks behind a valid file header) is
 * written to two in-memory files, one plain and one whose all-zero 64 KiB chunks are left
 * as holes, and both are read through the reader (format detection from the short head,
 * pread of the used chunk areas, holes skipped with SEEK_DATA). Both must give the same
 * events (offsets, a hash of every field value) and the same error messages, in order.
 * Seeds: corpus files listed in tests/fuzz/seeds/fuzz_evtx_file.corpus (see fuzz-run.sh).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ward/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What a read gives, in order: per event its offset and field count, per error its
 * message. Compared as a string, with a hash of every field value. */
struct trace {
    char *s;
    size_t len, cap;
};

static void tput(struct trace *t, const char *fmt, unsigned long long a, unsigned long long b,
                 const char *msg)
{
    char line[WARD_ERR_MSG_MAX + 64];
    int k =
        msg ? snprintf(line, sizeof line, "E %s\n", msg) : snprintf(line, sizeof line, fmt, a, b);
    if (k < 0) return;
    size_t n = (size_t)k < sizeof line ? (size_t)k : sizeof line - 1;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->cap ? t->cap * 2 : 4096) + n;
        char *p = realloc(t->s, cap);
        if (!p) abort();
        t->s = p;
        t->cap = cap;
    }
    memcpy(t->s + t->len, line, n);
    t->len += n;
    t->s[t->len] = '\0';
}

static unsigned long long values_hash(const struct ward_event *ev)
{
    unsigned long long h = 1469598103934665603ull;
    for (uint32_t i = 0; i < ev->nfields; i++)
        for (uint32_t j = 0; j < ev->fields[i].vlen; j++)
            h = (h ^ (unsigned char)ev->fields[i].val[j]) * 1099511628211ull;
    return h;
}

static void read_file(const char *path, struct trace *t)
{
    struct ward_reader rd;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_reader_open(&rd, path, NULL, NULL, &err)) abort(); /* the magic is there */
    if (!rd.dec || strcmp(rd.dec->name, "evtx") != 0) abort();
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) abort();
    for (int guard = 0; guard < 1000000; guard++) {
        ward_err_clear(&err);
        int k = ward_reader_next(&rd, &ev, &err);
        if (k == 0) break;
        if (k < 0)
            tput(t, NULL, 0, 0, err.msg);
        else
            tput(t, "R %llx %llx\n", (unsigned long long)ev.offset, values_hash(&ev), NULL);
    }
    ward_event_free(&ev);
    ward_reader_close(&rd);
}

/* An in-memory file holding p[0..n); with sparse, all-zero 64 KiB chunks stay holes. */
static int make_file(const uint8_t *p, size_t n, int sparse)
{
    int fd = memfd_create("fuzz-evtx", 0);
    if (fd < 0) return -1;
    int ok = ftruncate(fd, (off_t)n) == 0;
    for (size_t off = 0; ok && off < n;) {
        size_t len = off < 4096 ? 4096 : 65536;
        if (len > n - off) len = n - off;
        size_t z = 0;
        while (sparse && z < len && p[off + z] == 0) z++;
        if (z < len && pwrite(fd, p + off, len, (off_t)off) != (ssize_t)len) ok = 0;
        off += len;
    }
    if (!ok) {
        close(fd);
        return -1;
    }
    return fd;
}

static void run(const uint8_t *p, size_t n)
{
    int fs = make_file(p, n, 1), fd = make_file(p, n, 0);
    if (fs >= 0 && fd >= 0) {
        char ps[64], pd[64];
        snprintf(ps, sizeof ps, "/proc/self/fd/%d", fs);
        snprintf(pd, sizeof pd, "/proc/self/fd/%d", fd);
        struct trace a = {0}, b = {0};
        read_file(pd, &a);
        read_file(ps, &b);
        if ((a.s || b.s) && (!a.s || !b.s || strcmp(a.s, b.s) != 0)) {
            fprintf(stderr, "plain file:\n%s\nsparse file:\n%s\n", a.s ? a.s : "", b.s ? b.s : "");
            abort();
        }
        free(a.s);
        free(b.s);
    }
    if (fs >= 0) close(fs);
    if (fd >= 0) close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 8 && memcmp(data, "ElfFile\0", 8) == 0) {
        run(data, size);
        return 0;
    }
    if (size < 1) return 0;
    /* byte 0 lays out holes: bit i puts an empty chunk before the i-th 64 KiB piece of
     * the rest, bit 7 an empty chunk and a half at the end */
    unsigned mask = data[0];
    data++;
    size--;
    size_t pieces = (size + 65535) / 65536;
    if (pieces > 4) return 0;
    size_t cap = 4096 + (pieces + 4 + 2) * 65536;
    uint8_t *buf = calloc(1, cap);
    if (!buf) return 0;
    memcpy(buf, "ElfFile\0", 8);
    buf[32] = 128; /* header size */
    buf[36] = 1;   /* version 3.1 */
    buf[38] = 3;
    buf[41] = 0x10; /* 4096-byte header block */
    buf[42] = 1;    /* one chunk */
    size_t at = 4096;
    for (size_t i = 0; i < pieces; i++) {
        if (mask & (1u << i)) at += 65536;
        size_t len = size - i * 65536 < 65536 ? size - i * 65536 : 65536;
        memcpy(buf + at, data + i * 65536, len);
        at += len;
    }
    if (mask & 0x80) at += 65536 + 32768;
    run(buf, at);
    free(buf);
    return 0;
}
