/*
 * test_evtx.c - the EVTX decoder on a corpus file and on damaged copies of it built in
 * memory: 0-byte and truncated files, bad file header checksum, wrong chunk count,
 * flipped bytes in a chunk header, a destroyed chunk magic, bad record sizes, flipped
 * record bytes, and a run of random damage. Each damaged input must give clear errors
 * and still yield every readable record. Both read paths are checked: memory streams
 * (sequential reads) and plain files (pread of the used part of chunks).
 */
#include <stdint.h>
#include <unistd.h>

#include "test.h"
#include "ward/decode.h"

#define CHUNK0 4096u
#define CHUNK 65536u

struct result {
    int events;
    int errors;
    char first_err[WARD_ERR_MSG_MAX];
    char all_errs[4096];
    uint64_t first_offset;
    int first_has_eventid;
    int64_t first_ts;
    uint64_t first_record;
    uint64_t chunk0_events; /* events whose record lies in chunk 0 */
    uint64_t chunk1_events; /* events whose record lies in chunk 1 */
};

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    return c ^ 0xffffffffu;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void collect(struct result *r, int k, struct ward_event *ev, const struct ward_err *err)
{
    if (k == 1) {
        if (r->events == 0) {
            r->first_offset = ev->offset;
            r->first_ts = ev->ts;
            r->first_record = ev->record;
            r->first_has_eventid = ward_event_find(ev, "Event.System.EventID", 20) != NULL ||
                                   ward_event_find(ev, "Event.System.EventID.#text", 26) != NULL;
        }
        if (ev->offset < CHUNK0 + CHUNK) r->chunk0_events++;
        if (ev->offset >= CHUNK0 + CHUNK && ev->offset < CHUNK0 + 2 * CHUNK) r->chunk1_events++;
        r->events++;
        return;
    }
    if (r->errors == 0) snprintf(r->first_err, sizeof r->first_err, "%s", err->msg);
    size_t l = strlen(r->all_errs);
    if (l + 2 < sizeof r->all_errs) snprintf(r->all_errs + l, sizeof r->all_errs - l, "%s|", err->msg);
    r->errors++;
}

/* Decodes a buffer through a memory stream. */
static void decode_mem(const unsigned char *p, size_t n, struct result *r)
{
    memset(r, 0, sizeof *r);
    const struct ward_decoder *d = ward_decoder_find("evtx");
    struct ward_stream *s;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_stream_open_mem(&s, p, n, "mem.evtx", &err)) {
        r->errors = -1;
        return;
    }
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);
    void *state;
    if (d->open(s, &o, &state, &err)) {
        ward_stream_close(s);
        r->errors = -1;
        return;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) exit(1);
    for (int guard = 0; guard < 100000; guard++) {
        ward_event_reset(&ev);
        ward_err_clear(&err);
        int k = d->next(state, &ev, &err);
        if (k == 0) break;
        collect(r, k, &ev, &err);
    }
    ward_event_free(&ev);
    d->close(state);
    ward_stream_close(s);
}

/* Decodes a buffer written to a temporary file, through the reader (pread path). */
static void decode_file(const unsigned char *p, size_t n, struct result *r)
{
    memset(r, 0, sizeof *r);
    char path[] = "/tmp/ward-test-evtx-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n)) {
        r->errors = -1;
        if (fd >= 0) close(fd);
        return;
    }
    close(fd);
    struct ward_reader rd;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_reader_open(&rd, path, "evtx", NULL, &err)) {
        unlink(path);
        r->errors = -1;
        return;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) exit(1);
    for (int guard = 0; guard < 100000; guard++) {
        ward_err_clear(&err);
        int k = ward_reader_next(&rd, &ev, &err);
        if (k == 0) break;
        collect(r, k, &ev, &err);
    }
    ward_event_free(&ev);
    ward_reader_close(&rd);
    unlink(path);
}

/* Both paths must agree on the counts. */
static void decode(const unsigned char *p, size_t n, struct result *r)
{
    struct result f;
    decode_mem(p, n, r);
    decode_file(p, n, &f);
    CHECK_INT(f.events, r->events);
    if (f.errors != r->errors)
        fprintf(stderr, "file path errors: %s\nmemory path errors: %s\n", f.all_errs,
                r->all_errs);
    CHECK_INT(f.errors, r->errors);
}

static unsigned char *copy_of(const unsigned char *p, size_t n)
{
    unsigned char *c = malloc(n ? n : 1);
    if (!c) exit(1);
    memcpy(c, p, n);
    return c;
}

static unsigned char *load(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)sz);
    if (!p || fread(p, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        free(p);
        return NULL;
    }
    fclose(f);
    *n = (size_t)sz;
    return p;
}

int main(void)
{
    const char *corpus = test_corpus();
    char path[1024];
    snprintf(path, sizeof path, "%s/evtx/EVTX-ATTACK-SAMPLES/Execution/rogue_msi_url_1040_1042.evtx",
             corpus);
    size_t n = 0;
    unsigned char *orig = load(path, &n);
    if (!orig || n < CHUNK0 + 3 * CHUNK) {
        printf("SKIP: %s is missing or smaller than three chunks\n", path);
        free(orig);
        return 77;
    }
    struct result base, r;

    /* the intact file */
    decode(orig, n, &base);
    CHECK(base.events > 100);
    CHECK_INT(base.errors, 0);
    CHECK(base.first_has_eventid);
    CHECK_INT(base.first_offset, CHUNK0 + 512);
    CHECK_INT(base.first_record, 1);
    CHECK(base.first_ts != WARD_TIME_NONE);
    CHECK(base.chunk1_events > 0);
    int total = base.events;

    /* probe by magic, not by name */
    CHECK_INT(ward_decoder_detect(orig, 4096) == ward_decoder_find("evtx"), 1);
    CHECK(ward_decoder_detect((const unsigned char *)"{\"a\":1}", 7) != ward_decoder_find("evtx"));

    /* 0 bytes: a clear error, no events */
    decode(orig, 0, &r);
    CHECK_INT(r.events, 0);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_err, "empty file") != NULL);

    /* shorter than the file header */
    decode(orig, 1000, &r);
    CHECK_INT(r.events, 0);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_err, "truncated") != NULL);

    /* truncated inside chunk 1: every record of chunk 0 and those complete in chunk 1 */
    size_t cut = CHUNK0 + CHUNK + 20000;
    decode(orig, cut, &r);
    CHECK_INT(r.chunk0_events, base.chunk0_events);
    CHECK(r.events < total);
    CHECK(r.chunk1_events > 0 && r.chunk1_events < base.chunk1_events);
    CHECK_INT(r.errors, 2); /* the chunk is truncated; its last record is cut */
    CHECK(strstr(r.first_err, "chunk 1") != NULL && strstr(r.first_err, "truncated") != NULL);
    CHECK(strstr(r.all_errs, "points outside the chunk") != NULL);

    /* truncated inside the header of chunk 1 */
    decode(orig, CHUNK0 + CHUNK + 100, &r);
    CHECK_INT(r.events, base.chunk0_events);
    CHECK(r.errors == 1 && strstr(r.first_err, "chunk 1") != NULL);

    /* file header checksum wrong: reported once, every record read */
    unsigned char *m = copy_of(orig, n);
    m[60] ^= 0x55;
    decode(m, n, &r);
    CHECK_INT(r.events, total);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_err, "file header") != NULL);
    free(m);

    /* wrong chunk count in the header (checksum fixed): the count is not trusted */
    m = copy_of(orig, n);
    m[42] = 1;
    m[43] = 0;
    put32(m + 124, crc32_ieee(m, 120));
    decode(m, n, &r);
    CHECK_INT(r.events, total);
    CHECK_INT(r.errors, 0);
    free(m);

    /* a flipped byte in the header of chunk 1: one error naming the chunk, all records */
    m = copy_of(orig, n);
    m[CHUNK0 + CHUNK + 80] ^= 0x01;
    decode(m, n, &r);
    CHECK_INT(r.events, total);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_err, "chunk 1") && strstr(r.first_err, "header checksum"));
    free(m);

    /* chunk 1 without its magic: skipped with an error, the other chunks read */
    m = copy_of(orig, n);
    memcpy(m + CHUNK0 + CHUNK, "XXXXXXXX", 8);
    decode(m, n, &r);
    CHECK_INT(r.events, total - (int)base.chunk1_events);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_err, "chunk 1") && strstr(r.first_err, "magic"));
    free(m);

    /* the first record of chunk 0 claims a size past the chunk: that record is lost */
    m = copy_of(orig, n);
    put32(m + CHUNK0 + 512 + 4, 0x7fff0);
    decode(m, n, &r);
    CHECK_INT(r.events, total - 1);
    CHECK(r.errors >= 1);
    CHECK(strstr(r.all_errs, "points outside the chunk") != NULL);
    free(m);

    /* the size copy at the end of the first record disagrees */
    m = copy_of(orig, n);
    uint32_t rsize = get32(orig + CHUNK0 + 512 + 4);
    put32(m + CHUNK0 + 512 + rsize - 4, rsize + 8);
    decode(m, n, &r);
    CHECK_INT(r.events, total - 1);
    CHECK(strstr(r.all_errs, "does not match its copy") != NULL);
    free(m);

    /* a damaged record magic in the middle of chunk 0: resynchronised */
    m = copy_of(orig, n);
    m[CHUNK0 + 512 + rsize] = 'X';
    decode(m, n, &r);
    CHECK_INT(r.events, total - 1);
    CHECK(strstr(r.all_errs, "bad record magic") != NULL);
    free(m);

    /* a byte flipped inside record data: the data checksum fails; here it hits the
     * template that the first record defines for the others of its chunk, so those fail
     * too, each with its own error, and the other chunks are read in full */
    m = copy_of(orig, n);
    m[CHUNK0 + 512 + rsize / 2] ^= 0x20;
    decode(m, n, &r);
    CHECK(r.events >= total - (int)base.chunk0_events);
    CHECK_INT(r.events + r.errors - 1, total);
    CHECK(strstr(r.all_errs, "record data checksum") != NULL);
    CHECK(strstr(r.all_errs, "chunk 0 record 2 ") != NULL);
    free(m);

    /* free space offset beyond the chunk: reported, records found by their frames */
    m = copy_of(orig, n);
    put32(m + CHUNK0 + 48, 0x20000);
    decode(m, n, &r);
    CHECK_INT(r.events, total);
    CHECK(strstr(r.all_errs, "free space offset") != NULL);
    free(m);

    /* random damage: never a crash or a hang, errors counted, most records survive */
    uint64_t seed = 0x2545f4914f6cdd1dull;
    for (int round = 0; round < 60; round++) {
        m = copy_of(orig, n);
        int flips = 1 + round % 16;
        for (int i = 0; i < flips; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            size_t at = CHUNK0 + (size_t)((seed >> 33) % (3 * CHUNK));
            m[at] ^= (unsigned char)(1u << ((seed >> 20) & 7));
        }
        decode_mem(m, n, &r);
        CHECK(r.errors >= 0 && r.events + r.errors > 0);
        free(m);
    }

    free(orig);
    return test_done("test_evtx");
}
