/*
 * reader.c - the zero-copy JSON event reader: buffering over a ward_stream, record
 * framing (JSON Lines, concatenated or pretty-printed documents, top-level arrays), a
 * one-pass RFC 8259 check that flattens each record into an event, error reporting with
 * line and column, and resynchronisation after a bad record.
 *
 * Speed: the buffer always ends with a NUL sentinel and PAD readable bytes, so the
 * scanner never checks bounds in its inner loops; strings are scanned 16 bytes at a time
 * (SSE2) for '"', '\\', control bytes and non-ASCII bytes; the key path is built in one
 * reused buffer; values are pointers into the buffer. When a record runs past the data
 * read so far, the buffer is refilled (grown when needed) and the record is parsed again
 * from its start, so the hot loop never waits for input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ward/json.h"
#include "ward/json_reader.h"

#define CHUNK_DEFAULT ((size_t)1 << 20)
#define PAD 64       /* readable zero bytes after the data (vector loads, lookahead) */
#define NEAR_END 16  /* an error this close to the end of the data may just need more */
#define KEY_SLACK 24 /* per nesting level: '.' and up to 20 digits of an array index */

enum { ST_TOP, ST_ARR_FIRST, ST_ARR_NEXT, ST_ARR_ELEM, ST_END };
enum { RS_NONE, RS_LINE, RS_BRACE, RS_ARRAY };
enum { P_OK, P_MORE, P_ERR, P_NOMEM };

struct frame {
    size_t base;    /* key path length of this container */
    size_t kbase;   /* where its members' segments start: base, + 1 for the '.' (not root) */
    uint64_t index; /* current array index */
    uint32_t node;  /* key cache node of the container's path, 0 when not cached */
    uint32_t last;  /* key cache node of the member (element) read last, 0 before the first */
    uint32_t pred;  /* the node expected next (the one that followed `last` last time) or 0 */
    uint8_t is_arr;
    uint8_t root; /* the record itself: its members get no '.' prefix */
};

/*
 * The key cache: a tree of the key paths seen so far, one node per path, found from its
 * parent's node and its last segment ("EventID" under "Event.System"), and holding the
 * path's field registry id. A member key is resolved by comparing its segment (usually a
 * few bytes) with the node that followed the previous member last time (records mostly
 * repeat their keys in the same order), else by hashing the segment alone: the flattened
 * path is never hashed or compared whole. The cache holds key names only, never values;
 * it is bounded (KC_MAX_NODES nodes, KC_MAX_SEGS bytes of segments) and emptied between
 * records when full; a record that fills it reads its other keys the uncached way
 * (ward_event_add).
 */
struct knode {
    char head[32];   /* the segment's first 32 bytes, zero padded (compared 16 at a time) */
    uint32_t flen;   /* slen when the segment is its own JSON text (printable ASCII without
                      * '"' and '\\') and at most 32 bytes long (all in head), else UINT32_MAX */
    uint32_t lmask;  /* bit i set for i < slen (of head's 32 bytes, those that count) */
    uint32_t parent; /* node of the parent path (1 = the record) */
    uint32_t next;   /* the sibling that followed this one last time, 0 = none yet */
    uint32_t child;  /* the first member (element) of this path last time, 0 = none yet */
    uint32_t id;     /* registry id of the path, WARD_FIELD_NOID when not registered */
    uint32_t soff;   /* the segment: kc_segs + soff, slen bytes */
    uint32_t slen;
    uint32_t hash; /* low bits of the segment's hash (table probes) */
};

#define KC_MAX_NODES 65536
#define KC_MAX_SEGS ((size_t)4 << 20)
#define KC_SEG_PAD 16 /* readable bytes after the segment store (16-byte compares) */

struct ward_json_reader {
    struct ward_stream *s;
    const char *path;
    const char *prefix; /* key prefix for ward_json_flatten, else NULL */
    size_t plen;
    char *buf;      /* data in [0, end), then a NUL and PAD more readable bytes */
    size_t cap;     /* data capacity (allocation is cap + PAD + 1) */
    size_t pos;     /* next unread byte */
    size_t end;     /* end of the data */
    uint64_t base;  /* stream offset of buf[0] */
    uint64_t line;  /* line of pos (1-based) */
    uint64_t lsoff; /* stream offset of the start of that line */
    int eof;
    int started;
    int state;
    int resync;
    int jsonl; /* -1 not known yet, 0 multi-line documents, 1 JSON Lines */
    size_t chunk;
    size_t max_record;
    unsigned max_depth;
    uint32_t max_fields;
    uint64_t arr_line; /* where the open top-level array started */
    uint64_t arr_col;
    uint64_t arr_index; /* index of the next element of that array */
    int warned_utf8;
    struct ward_json_stats st;
    char *kbuf; /* key path */
    size_t kcap;
    struct frame *stack;
    /* the key cache (see struct knode); node 0 is "not cached", node 1 the record */
    int kc_on;
    struct knode *kc;
    uint32_t kc_n, kc_cap;
    char *kc_segs;
    size_t kc_slen, kc_scap;
    uint32_t *kc_slots; /* node index, 0 = empty */
    uint32_t kc_mask;
    const struct ward_intern *kc_reg; /* the registry the ids are from */
    uint64_t kc_serial;               /* and its serial (another one may reuse the address) */
    uint32_t kc_nids;
};

/* the outcome of parse() */
struct pres {
    size_t end;    /* offset just after the value */
    uint64_t line; /* line state at end */
    uint64_t lsoff;
    int is_obj;        /* the value was an object */
    int too_many;      /* more fields than max_fields */
    int at_eol;        /* JSON Lines: failed where the line ended, outside a string */
    uint64_t bad_utf8; /* strings with invalid UTF-8 */
    /* errors */
    uint64_t err_line, err_col, err_off;
    uint64_t utf8_line, utf8_col; /* first invalid UTF-8, for the one warning per file */
    char msg[200];
};

/* ---- buffer ---------------------------------------------------------------------------- */

static int alloc_buf(struct ward_json_reader *r, size_t cap)
{
    char *b = realloc(r->buf, cap + PAD + 1);
    if (!b) return WARD_ENOMEM;
    r->buf = b;
    r->cap = cap;
    memset(r->buf + r->end, 0, PAD + 1);
    return 0;
}

/*
 * Drops the bytes before `keep` (moving the rest to the front) and reads at least min_new
 * more bytes (at least one read; fewer when a read comes back short, so a pipe is never
 * waited on for more than it has), growing the buffer when needed. Sets eof when the
 * stream is at its end. Returns 0 or a negative code (err filled).
 */
static int refill(struct ward_json_reader *r, size_t keep, size_t min_new, struct ward_err *err)
{
    if (keep > 0) {
        size_t n = r->end - keep;
        memmove(r->buf, r->buf + keep, n);
        r->base += keep;
        r->pos = r->pos >= keep ? r->pos - keep : 0;
        r->end = n;
    }
    size_t got = 0;
    do {
        if (r->eof) break;
        size_t need = min_new > got ? min_new - got : 1;
        size_t space = r->cap - r->end;
        if (space < need || space < r->cap / 4) {
            size_t ncap = r->cap * 2;
            if (ncap < r->end + need) ncap = r->end + need;
            if (alloc_buf(r, ncap))
                return ward_err_at(err, WARD_ENOMEM, r->path, 0, 0, "out of memory");
            space = r->cap - r->end;
        }
        size_t want = space < r->chunk ? space : r->chunk;
        ssize_t k = ward_stream_read(r->s, r->buf + r->end, want, err);
        if (k < 0) {
            r->eof = 1;
            r->state = ST_END;
            r->buf[r->end] = '\0';
            return (int)k;
        }
        if (k == 0) r->eof = 1;
        r->end += (size_t)k;
        got += (size_t)k;
        r->st.bytes += (uint64_t)k;
        r->st.refills++;
        if ((size_t)k < want) break; /* a short read: no more for now (pipes, sockets) */
    } while (got < min_new);
    memset(r->buf + r->end, 0, PAD + 1);
    return 0;
}

/* ---- scanning helpers -------------------------------------------------------------------- */

/* The first byte at or after p that is '"', '\\', a control byte (including the NUL
 * sentinel) or a byte >= 0x80. */
static inline const char *find_special(const char *p)
{
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
    const __m128i space = _mm_set1_epi8(0x20);
    for (;;) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask) return p + __builtin_ctz(mask);
        p += 16;
    }
#else
    for (;;) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
        p++;
    }
#endif
}

/* Copies a key into the key path: 16 bytes at a time, inline. Over-reads stay inside the
 * buffer's padding (src ends before the data's end), over-writes inside the key buffer's
 * slack. */
static inline void copy_key(char *dst, const char *src, size_t n)
{
#if defined(__SSE2__)
    for (size_t i = 0; i < n; i += 16)
        _mm_storeu_si128((__m128i *)(void *)(dst + i),
                         _mm_loadu_si128((const __m128i *)(const void *)(src + i)));
#else
    memcpy(dst, src, n);
#endif
}

/* Appends a field whose key is in the key path buffer (16 readable bytes past its end) and
 * whose registry id is known: ward_event_add_id, inline when the event has room. */
static inline int add_field(struct ward_event *ev, const char *key, size_t klen, uint32_t id,
                            const char *v, size_t n, enum ward_vtype t, unsigned fl)
{
    uint32_t idx = ev->nfields;
    if (WARD_UNLIKELY(idx >= ev->fields_cap || idx >= ev->max_fields || n > UINT32_MAX ||
                      ev->keys_len + klen + 17 > ev->keys_cap))
        return ward_event_add_id(ev, key, klen, id, v, n, t, fl);
    struct ward_field *f = &ev->fields[idx];
    char *k = ev->keys + ev->keys_len;
    copy_key(k, key, klen); /* the key store has the 16 bytes of slack tested above */
    k[klen] = '\0';
    f->koff = (uint32_t)ev->keys_len;
    f->klen = (uint32_t)klen;
    ev->keys_len += klen + 1;
    ev->nfields = idx + 1;
    f->val = v;
    f->vlen = (uint32_t)n;
    f->type = (uint8_t)t;
    f->flags = (uint8_t)fl;
    f->id = WARD_FIELD_NOID;
    if (id < ev->nids) {
        f->id = id;
        if (ev->gen_by_id[id] != ev->gen) {
            ev->gen_by_id[id] = ev->gen;
            ev->by_id[id] = idx + 1;
        }
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), or 0 when it is invalid. */
static inline size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    if (c >= 0xC2 && c <= 0xDF) return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return (s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return (s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) ? 4 : 0;
    }
    return 0;
}

static inline int is_hex(unsigned char c)
{
    return (unsigned)(c - '0') < 10 || (unsigned)((c | 32) - 'a') < 6;
}

static inline int is_digit(unsigned char c)
{
    return (unsigned)(c - '0') < 10;
}

/* Writes ".N" (or "N" at the root) at kb+klen; returns the new length. */
static inline size_t put_index(char *kb, size_t klen, uint64_t idx, int root)
{
    if (!root) kb[klen++] = '.';
    if (idx < 10) {
        kb[klen++] = (char)('0' + idx);
        return klen;
    }
    char tmp[24];
    int n = 0;
    while (idx) {
        tmp[n++] = (char)('0' + idx % 10);
        idx /= 10;
    }
    while (n) kb[klen++] = tmp[--n];
    return klen;
}

/* ---- the parser ------------------------------------------------------------------------- */

static int ensure_kbuf(struct ward_json_reader *r, size_t need)
{
    if (need <= r->kcap) return 0;
    size_t cap = r->kcap ? r->kcap : 4096;
    while (cap < need) cap *= 2;
    char *k = realloc(r->kbuf, cap);
    if (!k) return WARD_ENOMEM;
    r->kbuf = k;
    r->kcap = cap;
    return 0;
}

/* ---- the key cache ----------------------------------------------------------------------- */

/* Empties the cache and ties it to the registry of ev (its ids are that registry's). */
static int kc_reset(struct ward_json_reader *r, const struct ward_event *ev)
{
    if (!r->kc) {
        r->kc_cap = 256;
        r->kc = malloc(r->kc_cap * sizeof *r->kc);
        r->kc_scap = 4096;
        r->kc_segs = malloc(r->kc_scap + KC_SEG_PAD);
        r->kc_mask = 511;
        r->kc_slots = malloc((r->kc_mask + 1) * sizeof *r->kc_slots);
        if (!r->kc || !r->kc_segs || !r->kc_slots) return WARD_ENOMEM;
        memset(r->kc_segs, 0, r->kc_scap + KC_SEG_PAD);
    }
    memset(r->kc_slots, 0, (r->kc_mask + 1) * sizeof *r->kc_slots);
    memset(r->kc, 0, 2 * sizeof *r->kc);
    r->kc[0].id = r->kc[1].id = WARD_FIELD_NOID;
    r->kc[0].flen = r->kc[1].flen = UINT32_MAX;
    r->kc_n = 2;
    r->kc_slen = 0;
    r->kc_reg = ev->registry;
    r->kc_serial = ev->registry ? ev->registry->serial : 0;
    r->kc_nids = ev->nids;
    return 0;
}

/* Whether the segment of node k is s[0, n); s has 16 readable bytes (the reader's buffer
 * padding, the key path buffer's slack). */
static inline int kc_seg_eq(const struct ward_json_reader *r, const struct knode *k, const char *s,
                            size_t n)
{
    if (k->slen != n) return 0;
#if defined(__SSE2__)
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)k->head);
    unsigned ne = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)) & 0xFFFFu;
    if (n <= 16) return (ne & ((1u << n) - 1)) == 0;
    if (ne) return 0;
    a = _mm_loadu_si128((const __m128i *)(const void *)(s + 16));
    b = _mm_loadu_si128((const __m128i *)(const void *)(k->head + 16));
    ne = ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)) & 0xFFFFu;
    if (n <= 32) return (ne & (uint32_t)((1ull << (n - 16)) - 1)) == 0;
    return ne == 0 && memcmp(r->kc_segs + k->soff + 32, s + 32, n - 32) == 0;
#else
    return memcmp(r->kc_segs + k->soff, s, n) == 0;
#endif
}

/* The node of segment s[0, n) under parent, added when new (path[0, plen) is its whole key
 * path, for the registry id). 0 when the cache is full or out of memory. */
static uint32_t kc_find(struct ward_json_reader *r, uint32_t parent, const char *s, size_t n,
                        const char *path, size_t plen)
{
    uint32_t h = (uint32_t)ward_hash64(s, n, parent);
    uint32_t mask = r->kc_mask;
    uint32_t i = h & mask;
    for (;; i = (i + 1) & mask) {
        uint32_t c = r->kc_slots[i];
        if (!c) break;
        const struct knode *k = &r->kc[c];
        if (k->hash == h && k->parent == parent && kc_seg_eq(r, k, s, n)) return c;
    }
    if (r->kc_n >= KC_MAX_NODES || r->kc_slen + n > KC_MAX_SEGS) return 0;
    if (r->kc_n == r->kc_cap) {
        struct knode *k = realloc(r->kc, 2 * (size_t)r->kc_cap * sizeof *k);
        if (!k) return 0;
        r->kc = k;
        r->kc_cap *= 2;
    }
    if (r->kc_slen + n > r->kc_scap) {
        size_t cap = r->kc_scap * 2;
        while (cap < r->kc_slen + n) cap *= 2;
        char *g = realloc(r->kc_segs, cap + KC_SEG_PAD);
        if (!g) return 0;
        memset(g + r->kc_scap, 0, cap - r->kc_scap + KC_SEG_PAD);
        r->kc_segs = g;
        r->kc_scap = cap;
    }
    if (2 * ((size_t)r->kc_n + 1) > (size_t)mask + 1) {
        /* keep the table at most half full */
        uint32_t nmask = mask * 2 + 1;
        uint32_t *t = calloc((size_t)nmask + 1, sizeof *t);
        if (!t) return 0;
        for (uint32_t c = 2; c < r->kc_n; c++) {
            uint32_t j = r->kc[c].hash & nmask;
            while (t[j]) j = (j + 1) & nmask;
            t[j] = c;
        }
        free(r->kc_slots);
        r->kc_slots = t;
        r->kc_mask = mask = nmask;
        i = h & mask;
        while (t[i]) i = (i + 1) & mask;
    }
    uint32_t c = r->kc_n++;
    struct knode *k = &r->kc[c];
    memset(k, 0, sizeof *k);
    k->parent = parent;
    k->hash = h;
    k->soff = (uint32_t)r->kc_slen;
    k->slen = (uint32_t)n;
    memcpy(r->kc_segs + r->kc_slen, s, n);
    memcpy(k->head, s, n < 32 ? n : 32);
    k->flen = n <= 32 ? (uint32_t)n : UINT32_MAX;
    k->lmask = (uint32_t)((1ull << (n < 32 ? n : 32)) - 1);
    for (size_t j = 0; j < n; j++) {
        unsigned char b = (unsigned char)s[j];
        if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\') k->flen = UINT32_MAX;
    }
    r->kc_slen += n;
    k->id = WARD_FIELD_NOID;
    if (r->kc_reg && r->kc_nids) {
        int64_t id = ward_intern_find(r->kc_reg, path, plen);
        if (id >= 0 && (uint64_t)id < r->kc_nids) k->id = (uint32_t)id;
    }
    r->kc_slots[i] = c;
    return c;
}

/* The node of the member (element) whose segment is s[0, n) in the container of frame f,
 * path[0, plen) being its whole key path; 0 when it is not cached. */
static inline uint32_t kc_member(struct ward_json_reader *r, struct frame *f, const char *s,
                                 size_t n, const char *path, size_t plen)
{
    if (!f->node) return 0;
    uint32_t c = f->pred;
    if (WARD_LIKELY(c && kc_seg_eq(r, &r->kc[c], s, n))) {
        f->last = c;
        f->pred = r->kc[c].next;
        return c;
    }
    c = kc_find(r, f->node, s, n, path, plen);
    if (c) { /* remember the order for the next record */
        if (f->last)
            r->kc[f->last].next = c;
        else
            r->kc[f->node].child = c;
    }
    f->last = c;
    f->pred = c ? r->kc[c].next : 0;
    return c;
}

/*
 * Parses and flattens the JSON value at buf+start. nl_ends: a line break ends the record
 * (JSON Lines), so a record cut short names its own line. Returns P_OK (res->end set),
 * P_MORE (the data ends inside the value and more may come), P_ERR (res->msg and the
 * location set) or P_NOMEM.
 */
static int parse(struct ward_json_reader *r, struct ward_event *ev, size_t start, int nl_ends,
                 struct pres *res)
{
    const char *const buf = r->buf;
    const char *const end = buf + r->end;
    const char *p = buf + start;
    const uint64_t base = r->base;
    uint64_t line = r->line, lsoff = r->lsoff;
    struct frame *const stack = r->stack;
    const unsigned maxd = r->max_depth;
    const uint32_t maxf = r->max_fields;
    unsigned depth = 0;
    size_t klen = 0;
    uint32_t cur = 0; /* key cache node of the path in kb, 0 when not cached */
    int emit = 1;
    const char *errp = NULL;  /* where the error is reported */
    const char *scanp = NULL; /* where scanning stopped (for the "need more data" test) */
    const char *msg = NULL;
    unsigned flags;
    struct frame *f = stack; /* the frame of depth; stack[0] is the top level */

    if (ensure_kbuf(r, (size_t)(end - p) + r->plen + (size_t)(maxd + 2) * KEY_SLACK + 64))
        return P_NOMEM;
    if (r->kc_on && (!r->kc || r->kc_n >= KC_MAX_NODES || r->kc_slen >= KC_MAX_SEGS / 2 ||
                     r->kc_reg != ev->registry || r->kc_nids != ev->nids ||
                     (ev->registry && r->kc_serial != ev->registry->serial))) {
        if (kc_reset(r, ev)) return P_NOMEM;
    }
    const uint32_t root_node = r->kc_on && !r->plen ? 1 : 0;
    char *const kb = r->kbuf;
    if (r->plen) {
        memcpy(kb, r->prefix, r->plen);
        klen = r->plen;
    }
    res->too_many = 0;
    res->at_eol = 0;
    res->bad_utf8 = 0;
    res->utf8_line = 0;
    res->is_obj = *p == '{';
    if (!res->is_obj && !r->plen) emit = 0; /* with a prefix any value may be flattened */

#define FAIL_AT(report, scan, m)                                                                   \
    do {                                                                                           \
        errp = (report);                                                                           \
        scanp = (scan);                                                                            \
        msg = (m);                                                                                 \
        goto fail;                                                                                 \
    } while (0)
#define FAIL(q, m) FAIL_AT(q, q, m)
#define SKIP_WS()                                                                                  \
    do {                                                                                           \
        if (*p == ' ') p++; /* the common case: one space */                                       \
        for (;;) {                                                                                 \
            unsigned char c_ = (unsigned char)*p;                                                  \
            if (WARD_LIKELY(c_ > ' ')) break;                                                      \
            if (c_ == ' ' || c_ == '\t' || c_ == '\r') {                                           \
                p++;                                                                               \
            } else if (c_ == '\n' && !nl_ends) {                                                   \
                p++;                                                                               \
                line++;                                                                            \
                lsoff = base + (uint64_t)(p - buf);                                                \
            } else {                                                                               \
                break;                                                                             \
            }                                                                                      \
        }                                                                                          \
    } while (0)
#define EMIT(v, n, t, fl)                                                                          \
    do {                                                                                           \
        if (emit) {                                                                                \
            if (WARD_UNLIKELY(ev->nfields >= maxf)) {                                              \
                emit = 0;                                                                          \
                res->too_many = 1;                                                                 \
            } else {                                                                               \
                int rc_ =                                                                          \
                    cur ? add_field(ev, kb, klen, r->kc[cur].id, (v), (size_t)(n), (t), (fl))      \
                        : ward_event_add(ev, kb, klen, (v), (size_t)(n), (t), (fl));               \
                if (WARD_UNLIKELY(rc_)) {                                                          \
                    if (rc_ != WARD_ELIMIT) return P_NOMEM;                                        \
                    emit = 0;                                                                      \
                    res->too_many = 1;                                                             \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    } while (0)
/* Scans string content from p (after the opening quote) to the closing quote; sets flags. */
#define SCAN_STRING(open)                                                                          \
    do {                                                                                           \
        flags = 0;                                                                                 \
        for (;;) {                                                                                 \
            p = find_special(p);                                                                   \
            unsigned char c_ = (unsigned char)*p;                                                  \
            if (WARD_LIKELY(c_ == '"')) break;                                                     \
            if (c_ == '\\') {                                                                      \
                unsigned char e_ = (unsigned char)p[1];                                            \
                flags |= WARD_F_ESCAPED;                                                           \
                if (e_ == 'u') {                                                                   \
                    if (!is_hex((unsigned char)p[2]) || !is_hex((unsigned char)p[3]) ||            \
                        !is_hex((unsigned char)p[4]) || !is_hex((unsigned char)p[5]))              \
                        FAIL_AT(p, p + 6 > end ? end : p,                                          \
                                "invalid \\u escape in string: expected 4 hex digits");            \
                    p += 6;                                                                        \
                } else if (e_ == '"' || e_ == '\\' || e_ == '/' || e_ == 'b' || e_ == 'f' ||       \
                           e_ == 'n' || e_ == 'r' || e_ == 't') {                                  \
                    p += 2;                                                                        \
                } else if (p + 1 >= end) {                                                         \
                    FAIL_AT((open), end, "unterminated string");                                   \
                } else {                                                                           \
                    FAIL(p, "invalid escape in string: expected one of \\\" \\\\ \\/ \\b \\f "     \
                            "\\n \\r \\t \\uXXXX");                                                \
                }                                                                                  \
            } else if (c_ >= 0x80) {                                                               \
                size_t n_ = utf8_len((const unsigned char *)p);                                    \
                if (WARD_LIKELY(n_)) {                                                             \
                    p += n_;                                                                       \
                } else {                                                                           \
                    if (!r->eof && p + 4 >= end) return P_MORE;                                    \
                    if (!(flags & WARD_F_BADUTF8) && !res->utf8_line) {                            \
                        res->utf8_line = line;                                                     \
                        res->utf8_col = base + (uint64_t)(p - buf) - lsoff + 1;                    \
                    }                                                                              \
                    flags |= WARD_F_BADUTF8;                                                       \
                    p++;                                                                           \
                }                                                                                  \
            } else if (p >= end) {                                                                 \
                FAIL_AT((open), end, "unterminated string");                                       \
            } else if (c_ == '\n' && nl_ends) {                                                    \
                FAIL(p, "unterminated string: the line ends inside it");                           \
            } else {                                                                               \
                FAIL(p, "control character in string: it must be escaped");                        \
            }                                                                                      \
        }                                                                                          \
        if (flags & WARD_F_BADUTF8) res->bad_utf8++;                                               \
    } while (0)

value:
    if (WARD_LIKELY(*p == '"')) goto string; /* the most common value: skip the jump table */
    switch (*p) {
    case '"':
    string : {
        const char *open = p++;
        const char *s = p;
        SCAN_STRING(open);
        EMIT(s, p - s, WARD_V_STR, flags);
        p++;
        goto after;
    }
    case '{':
        if (WARD_UNLIKELY(depth >= maxd)) FAIL(p, "nesting too deep (see --max-depth)");
        p++;
        SKIP_WS();
        if (*p == '}') {
            p++;
            if (depth || klen) EMIT("", 0, WARD_V_NULL, 0);
            goto after;
        }
        f = &stack[++depth]; /* frames 1..maxd: stack[0] stands for the top level */
        f->base = klen;
        f->is_arr = 0;
        f->root = depth == 1 && klen == 0;
        f->kbase = klen;
        if (!f->root) kb[f->kbase++] = '.'; /* stays while the object is open */
        f->node = depth == 1 ? root_node : cur;
        f->last = 0;
        f->pred = f->node ? r->kc[f->node].child : 0;
        goto member;
    case '[':
        if (WARD_UNLIKELY(depth >= maxd)) FAIL(p, "nesting too deep (see --max-depth)");
        p++;
        SKIP_WS();
        if (*p == ']') {
            p++;
            if (depth || klen) EMIT("", 0, WARD_V_NULL, 0);
            goto after;
        }
        f = &stack[++depth];
        f->base = klen;
        f->is_arr = 1;
        f->root = depth == 1 && klen == 0;
        f->kbase = klen + (f->root ? 0 : 1);
        f->node = depth == 1 ? root_node : cur;
        f->last = 0;
        f->pred = f->node ? r->kc[f->node].child : 0;
        f->index = 0;
        klen = put_index(kb, klen, 0, f->root);
        cur = kc_member(r, f, kb + klen - 1, 1, kb, klen);
        goto value;
    case 't':
        if (memcmp(p, "true", 4) != 0) FAIL(p, "invalid literal: expected true");
        EMIT(p, 4, WARD_V_BOOL, 0);
        p += 4;
        goto after;
    case 'f':
        if (memcmp(p, "false", 5) != 0) FAIL(p, "invalid literal: expected false");
        EMIT(p, 5, WARD_V_BOOL, 0);
        p += 5;
        goto after;
    case 'n':
        if (memcmp(p, "null", 4) != 0) FAIL(p, "invalid literal: expected null");
        EMIT("", 0, WARD_V_NULL, 0);
        p += 4;
        goto after;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': {
        const char *s = p;
        if (*p == '-') p++;
        if (*p == '0') {
            p++;
            if (is_digit((unsigned char)*p))
                FAIL(s, "invalid number: leading zeros are not allowed");
        } else if (is_digit((unsigned char)*p)) {
            p++;
            while (is_digit((unsigned char)*p)) p++;
        } else {
            FAIL(p, "invalid number: expected a digit after '-'");
        }
        if (*p == '.') {
            p++;
            if (!is_digit((unsigned char)*p)) FAIL(p, "invalid number: expected a digit after '.'");
            while (is_digit((unsigned char)*p)) p++;
        }
        if ((*p | 32) == 'e') {
            p++;
            if (*p == '+' || *p == '-') p++;
            if (!is_digit((unsigned char)*p))
                FAIL(p, "invalid number: expected a digit in the exponent");
            while (is_digit((unsigned char)*p)) p++;
        }
        EMIT(s, p - s, WARD_V_NUM, 0);
        goto after;
    }
    case '\'': FAIL(p, "strings take double quotes, not single quotes");
    case '/': FAIL(p, "comments are not allowed in JSON");
    default: FAIL(p, "expected a value");
    }

member:
    /* p is after '{' or ',' (whitespace skipped) */
    if (WARD_UNLIKELY(*p != '"')) {
        if (*p == '}') FAIL(p, "trailing comma: expected a member after ','");
        if (*p == '\'') FAIL(p, "strings take double quotes, not single quotes");
        if (*p == '/') FAIL(p, "comments are not allowed in JSON");
        FAIL(p, "expected a string key in double quotes");
    }
    /* f is the object's frame */
    if (f->pred) {
        /* the key that followed the previous member last time: when the text is that key
         * (its own JSON text, at most 32 bytes) followed by '"', it needs no scan */
        const struct knode *k = &r->kc[f->pred];
        size_t n = k->flen;
        const char *q = p + 1;
        if (n < (size_t)(end - q) && q[n] == '"') {
#if defined(__SSE2__)
            /* q and head have 32 readable bytes (PAD) */
            __m128i a0 = _mm_loadu_si128((const __m128i *)(const void *)q);
            __m128i a1 = _mm_loadu_si128((const __m128i *)(const void *)(q + 16));
            __m128i b0 = _mm_loadu_si128((const __m128i *)(const void *)k->head);
            __m128i b1 = _mm_loadu_si128((const __m128i *)(const void *)(k->head + 16));
            uint32_t eq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a0, b0)) |
                          (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(a1, b1)) << 16;
            int same = (~eq & k->lmask) == 0;
#else
            int same = memcmp(q, k->head, n) == 0;
#endif
            if (same) {
                cur = f->pred;
                f->last = cur;
                f->pred = k->next;
                klen = f->kbase;
                copy_key(kb + klen, q, n);
                klen += n;
                p = q + n + 1;
                if (WARD_LIKELY(*p == ':')) {
                    p++;
                    SKIP_WS();
                    goto value;
                }
                SKIP_WS();
                if (WARD_UNLIKELY(*p != ':')) FAIL(p, "expected ':' after object key");
                p++;
                SKIP_WS();
                goto value;
            }
        }
    }
    {
        const char *open = p++;
        const char *ks = p;
        SCAN_STRING(open);
        size_t kl = (size_t)(p - ks);
        p++;
        SKIP_WS();
        if (WARD_UNLIKELY(*p != ':')) FAIL(p, "expected ':' after object key");
        p++;
        SKIP_WS();
        klen = f->kbase;
        size_t sbeg = klen;
        if (WARD_UNLIKELY(flags & WARD_F_ESCAPED)) {
            size_t part = 0;
            long n = ward_json_unescape(ks, kl, kb + klen, &part);
            klen += n >= 0 ? (size_t)n : part;
        } else {
            copy_key(kb + klen, ks, kl);
            klen += kl;
        }
        cur = kc_member(r, f, kb + sbeg, klen - sbeg, kb, klen);
        goto value;
    }

after:
    /* f is the frame of depth (stack[0] at the top level) */
    if (WARD_UNLIKELY(depth == 0)) goto done;
    /* the usual ", \"" between members */
    if (WARD_LIKELY(p[0] == ',' && p[1] == ' ' && p[2] == '"') && !f->is_arr) {
        p += 2;
        goto member;
    }
    SKIP_WS();
    if (!f->is_arr) {
        if (WARD_LIKELY(*p == ',')) {
            p++;
            SKIP_WS();
            goto member;
        }
        if (*p == '}') {
            p++;
            klen = f->base;
            depth--;
            f--;
            goto after;
        }
        FAIL(p, "expected ',' or '}' after object member");
    }
    if (*p == ',') {
        p++;
        SKIP_WS();
        if (*p == ']') FAIL(p, "trailing comma: expected a value after ','");
        f->index++;
        klen = put_index(kb, f->base, f->index, f->root);
        cur = kc_member(r, f, kb + f->kbase, klen - f->kbase, kb, klen);
        goto value;
    }
    if (*p == ']') {
        p++;
        klen = f->base;
        depth--;
        f--;
        goto after;
    }
    FAIL(p, "expected ',' or ']' after array element");

done:
    res->end = (size_t)(p - buf);
    res->line = line;
    res->lsoff = lsoff;
    return P_OK;

fail:
    if (!r->eof && scanp + NEAR_END >= end) return P_MORE;
    {
        /* line and column of errp: newlines are only allowed in whitespace, which SKIP_WS
         * counted, so the line state describes errp's line */
        uint64_t off = base + (uint64_t)(errp - buf);
        res->err_line = line;
        res->err_col = off >= lsoff ? off - lsoff + 1 : 1;
        res->err_off = off;
        const char *prefix = "";
        char found[40] = "";
        if (errp >= end) {
            prefix = "unexpected end of input: ";
        } else if (*errp == '\n' && nl_ends) {
            prefix = "unexpected end of line: ";
            res->at_eol = strncmp(msg, "unterminated", 12) != 0;
        } else if (strncmp(msg, "expected", 8) == 0) {
            unsigned char c = (unsigned char)*errp;
            if (c > 0x20 && c < 0x7f)
                snprintf(found, sizeof found, ", found '%c'", c);
            else
                snprintf(found, sizeof found, ", found byte 0x%02x", c);
        }
        if (strncmp(msg, "nesting too deep", 16) == 0)
            snprintf(res->msg, sizeof res->msg, "nesting deeper than %u levels (see --max-depth)",
                     maxd);
        else
            snprintf(res->msg, sizeof res->msg, "%s%s%s", prefix, msg, found);
    }
    return P_ERR;
#undef FAIL_AT
#undef FAIL
#undef SKIP_WS
#undef EMIT
#undef SCAN_STRING
}

/* ---- framing, errors and resynchronisation ----------------------------------------------- */

/* Clears the fields of a half-built event but keeps what the caller set. */
static void event_clear(struct ward_event *ev)
{
    const char *path = ev->path, *format = ev->format;
    ward_event_reset(ev);
    ev->path = path;
    ev->format = format;
}

static uint64_t col_of(const struct ward_json_reader *r, size_t pos)
{
    uint64_t off = r->base + pos;
    return off >= r->lsoff ? off - r->lsoff + 1 : 1;
}

static int report(struct ward_json_reader *r, struct ward_err *err, int code, uint64_t line,
                  uint64_t col, uint64_t off, const char *msg)
{
    r->st.errors++;
    ward_err_at(err, code, r->path, line, col, "%s", msg);
    if (err) err->offset = off;
    return code;
}

/* Skips whitespace between records (counting lines), refilling as needed. */
static int skip_ws_top(struct ward_json_reader *r, struct ward_err *err)
{
    for (;;) {
        const char *p = r->buf + r->pos, *end = r->buf + r->end;
        while (p < end) {
            char c = *p;
            if (c == '\n') {
                r->line++;
                r->lsoff = r->base + (uint64_t)(p + 1 - r->buf);
            } else if (c != ' ' && c != '\t' && c != '\r') {
                break;
            }
            p++;
        }
        r->pos = (size_t)(p - r->buf);
        if (p < end || r->eof) return 0;
        int rc = refill(r, r->pos, 1, err);
        if (rc) return rc;
    }
}

/* Moves past the next line break. Returns 0, 1 at the end of the input, or negative. */
static int skip_line(struct ward_json_reader *r, struct ward_err *err)
{
    for (;;) {
        const char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
        if (nl) {
            r->pos = (size_t)(nl - r->buf) + 1;
            r->line++;
            r->lsoff = r->base + r->pos;
            return 0;
        }
        r->pos = r->end;
        if (r->eof) return 1;
        int rc = refill(r, r->pos, 1, err);
        if (rc) return rc;
    }
}

/* After a bad element of a top-level array: skips to its end by bracket matching
 * (strings respected; a line break also ends a string, and a closer implies the closers
 * missing before it, for robustness). */
#define SKIP_STACK 256
static int skip_element(struct ward_json_reader *r, struct ward_err *err)
{
    char stk[SKIP_STACK];
    size_t depth = 0;
    int in_str = 0, esc = 0;
    for (;;) {
        while (r->pos < r->end) {
            char c = r->buf[r->pos];
            if (c == '\n') {
                r->line++;
                r->lsoff = r->base + r->pos + 1;
                in_str = 0;
            } else if (in_str) {
                if (esc)
                    esc = 0;
                else if (c == '\\')
                    esc = 1;
                else if (c == '"')
                    in_str = 0;
            } else if (c == '"') {
                in_str = 1;
            } else if (c == '{' || c == '[') {
                if (depth < SKIP_STACK) stk[depth] = c;
                depth++;
            } else if (c == '}' || c == ']') {
                char want = c == '}' ? '{' : '[';
                size_t d = depth;
                while (d > 0 && d <= SKIP_STACK && stk[d - 1] != want) d--;
                if (d == 0) {
                    /* no opener for it in this element: a ']' closes the top-level array */
                    if (c == ']' || depth == 0) return 0;
                    d = 1;
                }
                depth = d - 1;
                if (depth == 0) {
                    r->pos++;
                    return 0;
                }
            } else if (c == ',' && depth == 0) {
                return 0;
            }
            r->pos++;
        }
        if (r->eof) return 1;
        int rc = refill(r, r->pos, 1, err);
        if (rc) return rc;
    }
}

static int do_resync(struct ward_json_reader *r, struct ward_err *err)
{
    int kind = r->resync;
    r->resync = RS_NONE;
    int rc = 0;
    if (kind == RS_LINE) {
        rc = skip_line(r, err);
    } else if (kind == RS_BRACE) {
        /* the next line that starts with '{' or '[' (a new document) */
        for (;;) {
            rc = skip_line(r, err);
            if (rc) break;
            if (r->pos == r->end && !r->eof && (rc = refill(r, r->pos, 1, err))) break;
            if (r->pos == r->end) break;
            char c = r->buf[r->pos];
            if (c == '{' || c == '[') break;
        }
    } else if (kind == RS_ARRAY) {
        rc = skip_element(r, err);
        if (rc == 0) r->state = ST_ARR_NEXT;
        if (rc == 1) r->state = ST_END; /* the error was reported; nothing more to read */
    }
    return rc < 0 ? rc : 0;
}

/* Reads one record starting at r->pos (a '{' at the top level, or any value as an array
 * element). */
static int record(struct ward_json_reader *r, struct ward_event *ev, struct ward_err *err,
                  int in_array)
{
    size_t start = r->pos;
    const uint64_t rec_line = r->line;
    const uint64_t rec_col = col_of(r, start);
    const int nl_ends = !in_array && r->jsonl == 1;
    struct pres res;
    r->st.records++;
    if (in_array) r->arr_index++;
    /* a JSON Lines record cut short by its line end may still be a valid record spanning
     * lines (a pretty record in a mostly one-line file): it is parsed again across lines,
     * and only when that fails too is the error about its own line reported */
    int nl = nl_ends;
    int retried = 0;
    struct pres first;
    for (;;) {
        int st = parse(r, ev, start, nl, &res);
        if (st == P_OK) break;
        event_clear(ev);
        if (st == P_ERR && nl && res.at_eol) {
            first = res;
            retried = 1;
            nl = 0;
            continue;
        }
        if (st == P_NOMEM)
            return report(r, err, WARD_ENOMEM, rec_line, rec_col, r->base + start, "out of memory");
        if (st == P_ERR) {
            if (retried) res = first;
            r->resync = in_array ? RS_ARRAY : r->jsonl == 1 ? RS_LINE : RS_BRACE;
            return report(r, err, WARD_ESYNTAX, res.err_line, res.err_col, res.err_off, res.msg);
        }
        /* P_MORE */
        if (r->end - start >= r->max_record) {
            r->resync = in_array ? RS_ARRAY : r->jsonl == 1 ? RS_LINE : RS_BRACE;
            if (retried)
                return report(r, err, WARD_ESYNTAX, first.err_line, first.err_col, first.err_off,
                              first.msg);
            char m[160];
            snprintf(m, sizeof m, "record larger than %zu bytes (see --max-record); skipped",
                     r->max_record);
            return report(r, err, WARD_ELIMIT, rec_line, rec_col, r->base + start, m);
        }
        /* at least double what is buffered of this record, so that a record arriving in
         * small reads is parsed O(log n) times, not once per read */
        size_t have = r->end - start;
        int rc = refill(r, start, have, err);
        if (rc) return rc;
        start = 0;
    }
    size_t len = res.end - start;
    r->pos = res.end;
    r->line = res.line;
    r->lsoff = res.lsoff;
    if (in_array) r->state = ST_ARR_NEXT;
    if (res.utf8_line && !r->warned_utf8) {
        r->warned_utf8 = 1;
        ward_warn("%s:%llu:%llu: invalid UTF-8 in a string: kept as it is and flagged (further "
                  "occurrences in this file are not reported)",
                  r->path, (unsigned long long)res.utf8_line, (unsigned long long)res.utf8_col);
    }
    r->st.bad_utf8 += res.bad_utf8;
    if (len > r->max_record) {
        char m[160];
        snprintf(m, sizeof m, "record larger than %zu bytes (see --max-record); skipped",
                 r->max_record);
        event_clear(ev);
        return report(r, err, WARD_ELIMIT, rec_line, rec_col, r->base + start, m);
    }
    if (res.too_many) {
        char m[160];
        snprintf(m, sizeof m, "record has more than %u fields; skipped", (unsigned)r->max_fields);
        event_clear(ev);
        return report(r, err, WARD_ELIMIT, rec_line, rec_col, r->base + start, m);
    }
    if (!res.is_obj) {
        event_clear(ev);
        if (in_array) {
            char m[120];
            snprintf(m, sizeof m, "array element %llu is not an object; skipped",
                     (unsigned long long)(r->arr_index - 1));
            return report(r, err, WARD_ESYNTAX, rec_line, rec_col, r->base + start, m);
        }
        return report(r, err, WARD_ESYNTAX, rec_line, rec_col, r->base + start,
                      "a record must be a JSON object");
    }
    if (!in_array && r->jsonl < 0 && ev->nfields > 0) r->jsonl = res.line == rec_line;
    ev->raw = r->buf + start;
    ev->raw_len = len;
    ev->line = rec_line;
    ev->offset = r->base + start;
    ev->record = r->st.records;
    r->st.events++;
    return 1;
}

/* ---- public ---------------------------------------------------------------------------- */

int ward_json_reader_open(struct ward_json_reader **out, struct ward_stream *s,
                          const struct ward_decode_opts *o, struct ward_err *err)
{
    struct ward_decode_opts def;
    if (!o) {
        ward_decode_opts_default(&def);
        o = &def;
    }
    *out = NULL;
    struct ward_json_reader *r = calloc(1, sizeof *r);
    if (!r) return ward_err_at(err, WARD_ENOMEM, s->path, 0, 0, "out of memory");
    r->s = s;
    r->path = s->path ? s->path : "(input)";
    r->chunk = CHUNK_DEFAULT;
    r->max_record = o->max_record ? o->max_record : (size_t)16 << 20;
    r->max_depth = o->max_depth ? o->max_depth : 64;
    r->max_fields = o->max_fields ? o->max_fields : WARD_EVENT_MAX_FIELDS_DEFAULT;
    r->line = 1;
    r->jsonl = -1;
    r->state = ST_TOP;
    r->kc_on = 1;
    r->stack = calloc((size_t)r->max_depth + 1, sizeof *r->stack);
    /* a small input gets a small buffer (the size is a hint: it may be wrong) */
    size_t cap = r->chunk;
    if (s->size && !s->encoding && s->size + 1 < cap) cap = (size_t)s->size + 1;
    if (cap < 4096) cap = 4096;
    if (!r->stack || alloc_buf(r, cap)) {
        ward_json_reader_free(r);
        return ward_err_at(err, WARD_ENOMEM, s->path, 0, 0, "out of memory");
    }
    *out = r;
    return 0;
}

void ward_json_reader_set_chunk(struct ward_json_reader *r, size_t n)
{
    if (n < 1) n = 1;
    r->chunk = n;
    if (!r->started && r->end == 0) {
        /* start small too, so buffer growth gets exercised */
        size_t cap = n < 16 ? 16 : n;
        if (alloc_buf(r, cap) == 0) r->cap = cap;
    }
}

void ward_json_reader_stats(const struct ward_json_reader *r, struct ward_json_stats *out)
{
    *out = r->st;
}

int ward_json_reader_next(struct ward_json_reader *r, struct ward_event *ev, struct ward_err *err)
{
    int rc;
    if (!r->started) {
        r->started = 1;
        while (r->end < 3 && !r->eof)
            if ((rc = refill(r, 0, 1, err))) return rc;
        if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
            r->pos = 3;
            r->lsoff = 3;
        }
    }
    if (r->resync && (rc = do_resync(r, err))) return rc;
    for (;;) {
        if (r->state == ST_END) return 0;
        if ((rc = skip_ws_top(r, err))) return rc;
        if (r->pos >= r->end) {
            if (r->state != ST_TOP) {
                r->state = ST_END;
                char m[160];
                snprintf(m, sizeof m,
                         "unexpected end of input: expected ']' to close the array opened at "
                         "line %llu, column %llu",
                         (unsigned long long)r->arr_line, (unsigned long long)r->arr_col);
                return report(r, err, WARD_ESYNTAX, r->line, col_of(r, r->pos), r->base + r->pos,
                              m);
            }
            return 0;
        }
        char c = r->buf[r->pos];
        switch (r->state) {
        case ST_TOP:
            if (c == '{') return record(r, ev, err, 0);
            if (c == '[') {
                r->arr_line = r->line;
                r->arr_col = col_of(r, r->pos);
                r->arr_index = 0;
                r->state = ST_ARR_FIRST;
                r->pos++;
                continue;
            }
            r->st.records++;
            r->resync = r->jsonl == 1 ? RS_LINE : RS_BRACE;
            {
                char m[120];
                unsigned char uc = (unsigned char)c;
                if (uc > 0x20 && uc < 0x7f)
                    snprintf(m, sizeof m, "expected '{' or '[' to start a record, found '%c'", c);
                else
                    snprintf(m, sizeof m,
                             "expected '{' or '[' to start a record, found byte 0x%02x", uc);
                return report(r, err, WARD_ESYNTAX, r->line, col_of(r, r->pos), r->base + r->pos,
                              m);
            }
        case ST_ARR_FIRST:
            if (c == ']') {
                r->pos++;
                r->state = ST_TOP;
                continue;
            }
            return record(r, ev, err, 1);
        case ST_ARR_NEXT:
            if (c == ',') {
                r->pos++;
                r->state = ST_ARR_ELEM;
                continue;
            }
            if (c == ']') {
                r->pos++;
                r->state = ST_TOP;
                continue;
            }
            {
                uint64_t col = col_of(r, r->pos);
                /* a missing comma before the next object: report it, then read that object */
                r->state = c == '{' ? ST_ARR_ELEM : ST_END;
                return report(r, err, WARD_ESYNTAX, r->line, col, r->base + r->pos,
                              c == '{' ? "expected ',' or ']' after array element, found '{'"
                                       : "expected ',' or ']' after array element; the rest of "
                                         "this input is not read");
            }
        case ST_ARR_ELEM:
            if (c == ']') {
                uint64_t col = col_of(r, r->pos);
                r->pos++;
                r->state = ST_TOP;
                return report(r, err, WARD_ESYNTAX, r->line, col, r->base + r->pos - 1,
                              "trailing comma: expected a value after ','");
            }
            return record(r, ev, err, 1);
        default: return 0;
        }
    }
}

int ward_json_flatten(struct ward_event *ev, const char *json, size_t n, const char *prefix,
                      const struct ward_decode_opts *o, struct ward_err *err)
{
    struct ward_decode_opts def;
    if (!o) {
        ward_decode_opts_default(&def);
        o = &def;
    }
    if (o->max_record && n > o->max_record)
        return ward_err_at(err, WARD_ELIMIT, NULL, 0, 0,
                           "JSON text larger than %zu bytes (see --max-record)", o->max_record);
    struct ward_json_reader r;
    memset(&r, 0, sizeof r);
    r.buf = ward_event_alloc(ev, n + PAD + 1);
    if (!r.buf) return ward_err_at(err, WARD_ENOMEM, NULL, 0, 0, "out of memory");
    memcpy(r.buf, json, n);
    memset(r.buf + n, 0, PAD + 1);
    r.cap = r.end = n;
    r.eof = 1;
    r.line = 1;
    r.prefix = prefix;
    r.plen = prefix ? strlen(prefix) : 0;
    r.max_depth = o->max_depth ? o->max_depth : 64;
    r.max_fields = o->max_fields ? o->max_fields : WARD_EVENT_MAX_FIELDS_DEFAULT;
    r.stack = calloc((size_t)r.max_depth + 1, sizeof *r.stack);
    if (!r.stack) return ward_err_at(err, WARD_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = 0;
    struct pres res;
    size_t pos = 0;
    /* leading whitespace */
    while (pos < n &&
           (r.buf[pos] == ' ' || r.buf[pos] == '\t' || r.buf[pos] == '\r' || r.buf[pos] == '\n')) {
        if (r.buf[pos] == '\n') {
            r.line++;
            r.lsoff = pos + 1;
        }
        pos++;
    }
    int st = pos < n ? parse(&r, ev, pos, 0, &res) : P_ERR;
    if (pos >= n) {
        rc = ward_err_at(err, WARD_ESYNTAX, NULL, r.line, pos - r.lsoff + 1,
                         "unexpected end of input: expected a value");
    } else if (st == P_NOMEM) {
        rc = ward_err_at(err, WARD_ENOMEM, NULL, 0, 0, "out of memory");
    } else if (st != P_OK) {
        rc = ward_err_at(err, WARD_ESYNTAX, NULL, res.err_line, res.err_col, "%s", res.msg);
        if (err) err->offset = res.err_off;
    } else if (res.too_many) {
        rc = ward_err_at(err, WARD_ELIMIT, NULL, 0, 0, "more than %u fields",
                         (unsigned)r.max_fields);
    } else if (!res.is_obj && !r.plen) {
        rc = ward_err_at(err, WARD_ESYNTAX, NULL, 1, pos - r.lsoff + 1,
                         "expected a JSON object (or give a key prefix)");
    } else {
        /* only whitespace may follow the value */
        size_t e = res.end;
        uint64_t line = res.line, lsoff = res.lsoff;
        while (e < n &&
               (r.buf[e] == ' ' || r.buf[e] == '\t' || r.buf[e] == '\r' || r.buf[e] == '\n')) {
            if (r.buf[e] == '\n') {
                line++;
                lsoff = e + 1;
            }
            e++;
        }
        if (e < n)
            rc = ward_err_at(err, WARD_ESYNTAX, NULL, line, e - lsoff + 1,
                             "unexpected text after the JSON value");
    }
    free(r.stack);
    free(r.kbuf);
    return rc;
}

void ward_json_reader_free(struct ward_json_reader *r)
{
    if (!r) return;
    free(r->buf);
    free(r->kbuf);
    free(r->stack);
    free(r->kc);
    free(r->kc_segs);
    free(r->kc_slots);
    free(r);
}
