/*
 * test_evtx.c - the EVTX decoder on a corpus file and on damaged copies of it built in
 * memory: 0-byte and truncated files, bad file header checksum, wrong chunk count,
 * flipped bytes in a chunk header, a destroyed chunk magic, bad record sizes, flipped
 * record bytes, sparse files (holes), and a run of random damage. Each damaged input must give
 * clear errors and still yield every readable record. Both read paths are checked: memory streams
 * (sequential reads) and plain files (pread of the used part of chunks).
 */
#include <stdint.h>
#include <unistd.h>

#include "decode/evtx_int.h"
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
    if (l + 2 < sizeof r->all_errs)
        snprintf(r->all_errs + l, sizeof r->all_errs - l, "%s|", err->msg);
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

/* Writes p[0..n) to fd; with sparse, 64 KiB chunks that are all zero become holes. */
static int write_file(int fd, const unsigned char *p, size_t n, int sparse)
{
    if (!sparse) return n && write(fd, p, n) != (ssize_t)n ? -1 : 0;
    if (ftruncate(fd, (off_t)n)) return -1;
    for (size_t off = 0; off < n;) {
        size_t len = off < CHUNK0 ? CHUNK0 : CHUNK;
        if (len > n - off) len = n - off;
        size_t z = 0;
        while (z < len && p[off + z] == 0) z++;
        if (z < len && pwrite(fd, p + off, len, (off_t)off) != (ssize_t)len) return -1;
        off += len;
    }
    return 0;
}

/* Decodes a buffer written to a temporary file (sparse: zero chunks left as holes),
 * through the reader (pread path). */
static void decode_file_as(const unsigned char *p, size_t n, struct result *r, int sparse)
{
    memset(r, 0, sizeof *r);
    char path[] = "/tmp/ward-test-evtx-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write_file(fd, p, n, sparse)) {
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

static void decode_file(const unsigned char *p, size_t n, struct result *r)
{
    decode_file_as(p, n, r, 0);
}

/* A file with holes read with pread (holes skipped by SEEK_DATA) must give exactly what
 * the same bytes give through a memory stream: events and every error message. */
static void check_sparse(const unsigned char *p, size_t n, struct result *r)
{
    struct result f;
    decode_mem(p, n, r);
    decode_file_as(p, n, &f, 1);
    CHECK_INT(f.events, r->events);
    CHECK_INT(f.errors, r->errors);
    CHECK_STR(f.all_errs, r->all_errs);
}

/* Both paths must agree on the counts. */
static void decode(const unsigned char *p, size_t n, struct result *r)
{
    struct result f;
    decode_mem(p, n, r);
    decode_file(p, n, &f);
    CHECK_INT(f.events, r->events);
    if (f.errors != r->errors)
        fprintf(stderr, "file path errors: %s\nmemory path errors: %s\n", f.all_errs, r->all_errs);
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

/* Renders every record of a file as "key=type:value" lines. */
static void render_all(const char *path, struct ward_buf *out)
{
    struct ward_reader rd;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_reader_open(&rd, path, "evtx", NULL, &err)) return;
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) exit(1);
    for (;;) {
        int k = ward_reader_next(&rd, &ev, &err);
        if (k == 0) break;
        if (k < 0) {
            if (ward_buf_printf(out, "error %s\n", err.msg)) exit(1);
            continue;
        }
        if (ward_buf_printf(out, "record %llu ts %lld service %s\n", (unsigned long long)ev.record,
                            (long long)ev.ts, ev.service ? ev.service : "-"))
            exit(1);
        for (uint32_t i = 0; i < ev.nfields; i++) {
            struct ward_field *f = &ev.fields[i];
            if (ward_buf_printf(out, "%s=%d:%.*s\n", ward_field_key(&ev, f), f->type, (int)f->vlen,
                                f->val))
                exit(1);
        }
    }
    ward_event_free(&ev);
    ward_reader_close(&rd);
}

/* The compiled-template fast path gives exactly what the tree path gives, on every corpus
 * file. */
static void check_plans(const char *corpus)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", corpus);
    char *in[] = {dir};
    char **paths;
    size_t np;
    if (ward_paths_expand(in, 1, &paths, &np, NULL, NULL)) exit(1);
    int files = 0, differ = 0;
    for (size_t i = 0; i < np; i++) {
        size_t l = strlen(paths[i]);
        if (l < 5 || strcmp(paths[i] + l - 5, ".evtx") != 0) continue;
        struct ward_buf fast, slow;
        ward_buf_init(&fast, 0);
        ward_buf_init(&slow, 0);
        evtx_use_plans = 1;
        render_all(paths[i], &fast);
        evtx_use_plans = 0;
        render_all(paths[i], &slow);
        evtx_use_plans = 1;
        files++;
        if (fast.len != slow.len || (fast.len && memcmp(fast.data, slow.data, fast.len) != 0)) {
            if (differ++ < 3) {
                size_t k = 0;
                while (k < fast.len && k < slow.len && fast.data[k] == slow.data[k]) k++;
                size_t from = k > 200 ? k - 200 : 0;
                fprintf(stderr,
                        "%s: fast and slow paths differ at byte %zu:\n--- fast\n%.300s\n--- "
                        "slow\n%.300s\n",
                        paths[i], k, fast.data ? fast.data + from : "",
                        slow.data ? slow.data + from : "");
            }
        }
        ward_buf_free(&fast);
        ward_buf_free(&slow);
    }
    ward_paths_free(paths);
    printf("compiled templates: %d files compared, %d differ\n", files, differ);
    CHECK(files > 0);
    CHECK_INT(differ, 0);
}

/* ---- a synthetic file with one record holding a value of every type ------------------ */

struct bw {
    unsigned char *c; /* the chunk */
    size_t pos;
    size_t name_event, name_eventdata, name_data, name_name; /* offsets once written */
};

static void b8(struct bw *b, unsigned v)
{
    b->c[b->pos++] = (unsigned char)v;
}
static void b16(struct bw *b, unsigned v)
{
    b8(b, v & 0xff);
    b8(b, (v >> 8) & 0xff);
}
static void b32(struct bw *b, uint32_t v)
{
    put32(b->c + b->pos, v);
    b->pos += 4;
}
static void bbytes(struct bw *b, const void *p, size_t n)
{
    memcpy(b->c + b->pos, p, n);
    b->pos += n;
}

/* A name reference: inline the first time (*where == 0), else the earlier offset. */
static void bname(struct bw *b, size_t *where, const char *name)
{
    if (*where) {
        b32(b, (uint32_t)*where);
        return;
    }
    *where = b->pos + 4;
    b32(b, (uint32_t)*where);
    b32(b, 0); /* next */
    b16(b, 0); /* hash (not checked) */
    b16(b, (unsigned)strlen(name));
    for (const char *q = name; *q; q++) b16(b, (unsigned char)*q);
    b16(b, 0);
}

static void bopen(struct bw *b, size_t *where, const char *name, int attrs)
{
    b8(b, attrs ? 0x41 : 0x01);
    b16(b, 0xffff); /* dependency id */
    b32(b, 0);      /* data size (not used) */
    bname(b, where, name);
    if (attrs) b32(b, 0); /* attribute list size (not used) */
}

struct tval {
    unsigned type;
    unsigned char bytes[32];
    unsigned len;
    const char *key; /* NULL: the field is Event.EventData.T<n> */
    const char *text;
    int vtype;
};

/* Builds the file: header, one chunk, one record: <Event><EventData><Data Name="Tn">%n
 * </Data>...</EventData></Event> as a template with an inline definition. */
static size_t build_types_file(unsigned char *file, const struct tval *v, unsigned nv)
{
    memset(file, 0, CHUNK0 + CHUNK);
    unsigned char *c = file + CHUNK0;
    struct bw b = {c, 512, 0, 0, 0, 0};
    size_t rec = b.pos;
    b32(&b, 0x00002a2a);
    b32(&b, 0); /* size, later */
    b32(&b, 1);
    b32(&b, 0); /* record id 1 */
    b32(&b, 0);
    b32(&b, 0); /* written time */
    bbytes(&b, "\x0f\x01\x01\x00", 4);
    b8(&b, 0x0c);
    b8(&b, 1);
    b32(&b, 7);                     /* template id */
    b32(&b, (uint32_t)(b.pos + 4)); /* definition right here */
    size_t def = b.pos;
    b32(&b, 0);                             /* next definition */
    for (int i = 0; i < 16; i++) b8(&b, 0); /* GUID */
    b32(&b, 0);                             /* data size, later */
    size_t body = b.pos;
    bbytes(&b, "\x0f\x01\x01\x00", 4);
    bopen(&b, &b.name_event, "Event", 0);
    b8(&b, 0x02);
    bopen(&b, &b.name_eventdata, "EventData", 0);
    b8(&b, 0x02);
    for (unsigned i = 0; i < nv; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "T%u", i);
        bopen(&b, &b.name_data, "Data", 1);
        b8(&b, 0x06);
        bname(&b, &b.name_name, "Name");
        b8(&b, 0x05);
        b8(&b, 0x01);
        b16(&b, (unsigned)strlen(nm));
        for (const char *q = nm; *q; q++) b16(&b, (unsigned char)*q);
        b8(&b, 0x02);
        b8(&b, 0x0e); /* optional substitution */
        b16(&b, i);
        b8(&b, v[i].type);
        b8(&b, 0x04);
    }
    b8(&b, 0x04);
    b8(&b, 0x04);
    b8(&b, 0x00);
    put32(c + def + 20, (uint32_t)(b.pos - body));
    b32(&b, nv);
    for (unsigned i = 0; i < nv; i++) {
        b16(&b, v[i].len);
        b8(&b, v[i].type);
        b8(&b, 0);
    }
    for (unsigned i = 0; i < nv; i++) bbytes(&b, v[i].bytes, v[i].len);
    b8(&b, 0x00);
    while ((b.pos - rec + 4) % 8) b8(&b, 0);
    uint32_t size = (uint32_t)(b.pos - rec + 4);
    b32(&b, size);
    put32(c + rec + 4, size);
    /* chunk header */
    memcpy(c, "ElfChnk", 8);
    c[8] = c[16] = c[24] = c[32] = 1; /* first/last record numbers and ids */
    c[40] = 128;
    put32(c + 44, (uint32_t)rec);
    put32(c + 48, (uint32_t)b.pos);
    put32(c + 52, crc32_ieee(c + 512, b.pos - 512));
    unsigned char tmp[120 + 384];
    memcpy(tmp, c, 120);
    memcpy(tmp + 120, c + 128, 384);
    put32(c + 124, crc32_ieee(tmp, sizeof tmp));
    /* file header */
    memcpy(file, "ElfFile", 8);
    file[24] = 2; /* next record id */
    file[32] = 128;
    file[36] = 1;
    file[38] = 3;
    file[41] = 0x10;
    file[42] = 1;
    put32(file + 124, crc32_ieee(file, 120));
    return CHUNK0 + CHUNK;
}

static void check_types(void)
{
    static const struct tval v[] = {
        {0x01, "h\0\xe9\0l\0l\0o\0\0\0", 12, NULL, "h\xc3\xa9llo", WARD_V_STR},
        {0x02, "abc\xe9", 4, NULL, "abc\xc3\xa9", WARD_V_STR},
        {0x03, "\xfb", 1, NULL, "-5", WARD_V_NUM},
        {0x04, "\xc8", 1, NULL, "200", WARD_V_NUM},
        {0x05, "\xd4\xfe", 2, NULL, "-300", WARD_V_NUM},
        {0x06, "\x60\xea", 2, NULL, "60000", WARD_V_NUM},
        {0x07, "\x90\xee\xfe\xff", 4, NULL, "-70000", WARD_V_NUM},
        {0x08, "\x00\x28\x6b\xee", 4, NULL, "4000000000", WARD_V_NUM},
        {0x09, "\x00\x0e\xfa\xd5\xfe\xff\xff\xff", 8, NULL, "-5000000000", WARD_V_NUM},
        {0x0a, "\xff\xff\xff\xff\xff\xff\xff\xff", 8, NULL, "18446744073709551615", WARD_V_NUM},
        {0x0b, "\x00\x00\xc0\x3f", 4, NULL, "1.5", WARD_V_NUM},
        {0x0c, "\x9a\x99\x99\x99\x99\x99\xb9\x3f", 8, NULL, "0.1", WARD_V_NUM},
        {0x0d, "\x01\x00\x00\x00", 4, NULL, "true", WARD_V_BOOL},
        {0x0e, "\x01\xab", 2, NULL, "01AB", WARD_V_STR},
        {0x0f, "\x5f\x38\x70\x57\x2a\xc2\xe0\x43\xbf\x4c\x06\xf5\x69\x8f\xfb\xd9", 16, NULL,
         "5770385F-C22A-43E0-BF4C-06F5698FFBD9", WARD_V_STR},
        {0x10, "\x2a\0\0\0\0\0\0\0", 8, NULL, "42", WARD_V_NUM},
        /* 1970-01-02T00:00:00.1234567: 116444736000000000 + 864000000000 + 1234567 */
        {0x11, "\x87\x16\xbb\xff\xa7\xb2\x9d\x01", 8, NULL, "1970-01-02T00:00:00.123456Z",
         WARD_V_STR},
        {0x12, "\xe8\x07\x02\x00\x04\x00\x1d\x00\x0d\x00\x0e\x00\x0f\x00\xa6\x02", 16, NULL,
         "2024-02-29T13:14:15.678000Z", WARD_V_STR},
        {0x13, "\x01\x04\0\0\0\0\0\x05\x15\0\0\0\x01\0\0\0\x02\0\0\0\x03\0\0\0", 24, NULL,
         "S-1-5-21-1-2-3", WARD_V_STR},
        {0x14, "\x6d\x00\x00\xc0", 4, NULL, "0xc000006d", WARD_V_STR},
        {0x15, "\0\0\0\0\0\0\0\x80", 8, NULL, "0x8000000000000000", WARD_V_STR},
        {0x81, "a\0\0\0b\0b\0\0\0", 10, "Event.EventData.T21.1", "bb", WARD_V_STR},
        {0x86, "\x01\0\x02\0\x03\0", 6, "Event.EventData.T22.2", "3", WARD_V_NUM},
        {0x00, "", 0, NULL, "", WARD_V_NULL},
        {0x0d, "\x00\x00\x00\x00", 4, NULL, "false", WARD_V_BOOL},
        {0x8f, "\x5f\x38\x70\x57\x2a\xc2\xe0\x43\xbf\x4c\x06\xf5\x69\x8f\xfb\xd9", 16,
         "Event.EventData.T25.0", "5770385F-C22A-43E0-BF4C-06F5698FFBD9", WARD_V_STR},
    };
    unsigned nv = sizeof v / sizeof v[0];
    unsigned char *file = malloc(CHUNK0 + CHUNK);
    if (!file) exit(1);
    size_t n = build_types_file(file, v, nv);
    struct result r;
    decode(file, n, &r);
    CHECK_INT(r.events, 1);
    if (r.errors) fprintf(stderr, "synthetic file errors: %s\n", r.all_errs);
    CHECK_INT(r.errors, 0);
    /* the fields themselves */
    const struct ward_decoder *d = ward_decoder_find("evtx");
    struct ward_stream *st;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_stream_open_mem(&st, file, n, "types.evtx", &err)) exit(1);
    void *state;
    if (d->open(st, NULL, &state, &err)) exit(1);
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) exit(1);
    CHECK_INT(d->next(state, &ev, &err), 1);
    for (unsigned i = 0; i < nv; i++) {
        char key[64];
        if (v[i].key)
            snprintf(key, sizeof key, "%s", v[i].key);
        else
            snprintf(key, sizeof key, "Event.EventData.T%u", i);
        struct ward_field *f = ward_event_find(&ev, key, strlen(key));
        CHECK(f != NULL);
        if (!f) {
            fprintf(stderr, "type 0x%02x: no field %s\n", v[i].type, key);
            continue;
        }
        CHECK_MEM(f->val, f->vlen, v[i].text);
        CHECK_INT(f->type, v[i].vtype);
    }
    CHECK(ward_event_find(&ev, "Event.EventData.T21.0", 21) != NULL);
    CHECK(ward_event_find(&ev, "Event.EventData.T21.2", 21) == NULL);
    CHECK_INT(ev.ts, WARD_TIME_NONE);
    ward_event_free(&ev);
    d->close(state);
    ward_stream_close(st);
    free(file);
}

/* The checksum of headers and record data: the same as the bitwise reference for every
 * length and alignment around the folding block sizes, chained or not. */
static void check_crc(void)
{
    enum { MAX = 70000 };
    unsigned char *buf = malloc(MAX + 16);
    if (!buf) exit(1);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < MAX + 16; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (unsigned char)(seed >> 56);
    }
    int bad = 0;
    for (size_t n = 0; n < 600; n++)
        for (size_t a = 0; a < 3; a++)
            if (evtx_crc32(0, buf + a, n) != crc32_ieee(buf + a, n)) bad++;
    static const size_t big[] = {1023, 4096, 8192 + 13, 61440, 65024, MAX};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        if (evtx_crc32(0, buf + 5, big[i]) != crc32_ieee(buf + 5, big[i])) bad++;
    /* chained: header bytes 0..120 then 128..512, as a chunk header's checksum */
    uint32_t want = crc32_ieee(buf, 120);
    uint32_t c = want ^ 0xffffffffu;
    for (size_t i = 128; i < 512; i++) {
        c ^= buf[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
    }
    want = c ^ 0xffffffffu;
    if (evtx_crc32(evtx_crc32(0, buf, 120), buf + 128, 384) != want) bad++;
    CHECK_INT(bad, 0);
    free(buf);
}

int main(void)
{
    const char *corpus = test_corpus();
    char path[1024];
    snprintf(path, sizeof path,
             "%s/evtx/EVTX-ATTACK-SAMPLES/Execution/rogue_msi_url_1040_1042.evtx", corpus);
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

    /* file header magic destroyed: reported, every chunk still read */
    m = copy_of(orig, n);
    m[0] = 'X';
    decode(m, n, &r);
    CHECK_INT(r.events, total);
    CHECK_INT(r.errors, 1);
    CHECK(strstr(r.first_err, "bad magic") != NULL);
    free(m);

    /* not EVTX at all (forced): two errors, then the decoder stops */
    m = malloc(CHUNK0 + 3 * CHUNK);
    if (!m) return 1;
    memset(m, 'x', CHUNK0 + 3 * CHUNK);
    decode(m, CHUNK0 + 3 * CHUNK, &r);
    CHECK_INT(r.events, 0);
    CHECK_INT(r.errors, 2);
    CHECK(strstr(r.all_errs, "not an EVTX file") != NULL);
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

    /* sparse files: chunks in holes are unused space; data after a hole is still read */
    {
        size_t sn = n + 6 * CHUNK + 30000;
        unsigned char *sp = calloc(1, sn);
        if (!sp) return 1;
        memcpy(sp, orig, n);
        memset(sp + CHUNK0 + CHUNK, 0, CHUNK); /* chunk 1 becomes a hole */
        check_sparse(sp, n, &r);
        CHECK_INT(r.events, total - (int)base.chunk1_events);
        CHECK_INT(r.errors, 0);
        size_t last = CHUNK0 + ((n - CHUNK0) / CHUNK + 4) * CHUNK; /* after 3 empty chunks */
        memcpy(sp + last, orig + CHUNK0, CHUNK);                   /* a valid chunk */
        check_sparse(sp, sn, &r);
        CHECK_INT(r.events, total - (int)base.chunk1_events + (int)base.chunk0_events);
        CHECK_INT(r.errors, 0);
        memset(sp + last + 1000, 'x', 100); /* damage past the hole is still found */
        check_sparse(sp, sn, &r);
        CHECK(r.errors >= 1 && strstr(r.all_errs, "checksum") != NULL);
        memset(sp + last, 'x', 8); /* garbage instead of a chunk, after a hole */
        check_sparse(sp, sn, &r);
        CHECK(r.errors == 1 && strstr(r.first_err, "bad chunk magic") != NULL);
        free(sp);
    }

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
    check_crc();
    check_types();
    check_plans(corpus);
    return test_done("test_evtx");
}
