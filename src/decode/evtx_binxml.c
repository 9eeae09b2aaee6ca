/*
 * evtx_binxml.c - the BinXML engine of the EVTX decoder: reads the token stream of one
 * record (fragments, elements, attributes, text, template instances with their
 * substitution values, nested BinXML), builds a small XML tree with every value already
 * rendered as UTF-8 text, then flattens the tree into event fields with the same keys
 * the JSON path uses ("Event.System.EventID", "Event.EventData.CommandLine" ...).
 * Every offset is checked against the chunk; nothing here trusts the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "evtx_int.h"

#define NONE UINT32_MAX

enum { EN_ELEM = 0, EN_ATTR = 1, EN_VAL = 2 };

/* node flags */
enum {
    NF_ARRAY = 1,   /* value: an item of an array substitution */
    NF_TIME = 2,    /* value: a FILETIME/SYSTEMTIME (t holds it) */
    NF_OPTNULL = 4, /* attribute: an optional substitution without a value */
    NF_NULLSUB = 8, /* value: a substitution without a value */
};

struct evtx_node {
    uint32_t parent;
    uint32_t first, last;   /* children: elements and values, in order (attributes: values) */
    uint32_t afirst, alast; /* element: attributes */
    uint32_t next;
    uint32_t off, len; /* element/attribute: name in bx->names; value: text in bx->txt */
    uint8_t kind;
    uint8_t vtype;
    uint8_t flags;
    uint8_t pad;
    uint32_t depth;
    uint32_t src; /* value: 0 template text, 1 + index of a top-level substitution, or
                     SRC_OTHER */
    int64_t t;    /* value time (NF_TIME) */
};

#define SRC_OTHER UINT32_MAX

/* One field of a compiled template: its key, and a null, a text or a substitution. */
enum { PE_NULL = 0, PE_TEXT = 1, PE_SUB = 2 };
struct evtx_pentry {
    uint32_t koff, klen;
    uint32_t toff, tlen; /* PE_TEXT: in the plan's text */
    uint32_t idx;        /* PE_SUB: the substitution ... */
    uint16_t inst;       /* ... of this template instance (pre-parse order) */
    uint8_t kind;
    uint8_t vtype;
};

/*
 * A compiled record shape: the fields a record flattens to, valid for every record of
 * the chunk with the same signature: its template instances (the record's own and those
 * in BinXML values, in pre-parse order), each as definition offset, value count and one
 * byte per value (its type, or 0 for no value). Lives in the plan arena until the chunk
 * ends.
 */
struct evtx_plan {
    uint64_t hash;
    uint32_t siglen;
    uint32_t ne;
    const uint8_t *sig;
    const struct evtx_pentry *e;
    const char *keys;
    const char *text;
};

int evtx_use_plans = 1;

struct evtx_sub {
    uint32_t off, len;
    uint8_t type;
};

/* ---- buffers ---------------------------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q) return WARD_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

static int txt_reserve(struct evtx_bx *bx, size_t extra)
{
    if (WARD_UNLIKELY(bx->txt_len + extra > bx->max_txt)) {
        snprintf(bx->msg, sizeof bx->msg, "rendered values exceed %zu bytes", bx->max_txt);
        return WARD_ELIMIT;
    }
    if (bx->txt_len + extra <= bx->txt_cap) return 0;
    return grow((void **)&bx->txt, &bx->txt_cap, bx->txt_len + extra, 1);
}

void evtx_bx_init(struct evtx_bx *bx, const struct ward_decode_opts *o)
{
    memset(bx, 0, sizeof *bx);
    bx->max_depth = o && o->max_depth ? o->max_depth : 64;
    bx->max_txt = o && o->max_record ? o->max_record : (16u << 20);
    ward_arena_init(&bx->plan_arena, 65536, 64u << 20);
}

void evtx_bx_reuse(struct evtx_bx *bx, const struct ward_decode_opts *o)
{
    evtx_bx_chunk(bx, NULL, 0); /* forgets names and plans */
    bx->max_depth = o && o->max_depth ? o->max_depth : 64;
    bx->max_txt = o && o->max_record ? o->max_record : (16u << 20);
    bx->nnodes = bx->nsubs = bx->ninst = bx->cur_inst = 0;
    bx->txt_len = bx->scratch_len = bx->siglen = 0;
    bx->npe = bx->pkeys_len = bx->ptext_len = 0;
    bx->tokens = 0;
    bx->cur_src = 0;
    bx->plan_ok = bx->recording = 0;
    bx->msg[0] = '\0';
}

void evtx_bx_free(struct evtx_bx *bx)
{
    free(bx->nc_key);
    free(bx->nc_off);
    free(bx->nc_len);
    free(bx->names);
    free(bx->nodes);
    free(bx->txt);
    free(bx->subs);
    free(bx->key);
    free(bx->scratch);
    free(bx->plans);
    free(bx->pe);
    free(bx->pkeys);
    free(bx->ptext);
    free(bx->rv);
    free(bx->inst);
    free(bx->psubs);
    free(bx->sigbuf);
    ward_arena_free(&bx->plan_arena);
    memset(bx, 0, sizeof *bx);
}

void evtx_bx_chunk(struct evtx_bx *bx, const uint8_t *c, uint32_t clen)
{
    bx->c = c;
    bx->clen = clen;
    if (bx->nc_count && bx->nc_key) memset(bx->nc_key, 0, bx->nc_cap * sizeof *bx->nc_key);
    bx->nc_count = 0;
    bx->names_len = 0;
    if (bx->nplans) memset(bx->plans, 0, bx->plans_cap * sizeof *bx->plans);
    bx->nplans = 0;
    if (bx->plan_arena.total) ward_arena_reset(&bx->plan_arena);
}

/* ---- text ---------------------------------------------------------------------------------- */

/* UTF-16LE to UTF-8 at dst (room for 3 bytes per unit). Unpaired surrogates become
 * U+FFFD. Returns the bytes written. */
static size_t utf16_to_utf8(const uint8_t *p, size_t units, char *dst)
{
    char *o = dst;
    size_t i = 0;
    while (i < units) {
        /* ASCII runs sixteen units at a time (SSE2: packed to bytes), then eight and four:
         * the low bytes of the units packed into one word (a little-endian load gives unit
         * k in bits 16k..16k+15) */
#ifdef __SSE2__
        while (i + 16 <= units) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i));
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 2 * i + 16));
            __m128i hi = _mm_and_si128(_mm_or_si128(a, b), _mm_set1_epi16((short)0xff80));
            if (_mm_movemask_epi8(_mm_cmpeq_epi16(hi, _mm_setzero_si128())) != 0xffff) break;
            _mm_storeu_si128((__m128i *)(void *)o, _mm_packus_epi16(a, b));
            o += 16;
            i += 16;
        }
#endif
        while (i + 8 <= units) {
            uint64_t w, v;
            memcpy(&w, p + 2 * i, 8);
            memcpy(&v, p + 2 * i + 8, 8);
            if ((w | v) & 0xff80ff80ff80ff80ull) break;
            w = (w | (w >> 8)) & 0x0000ffff0000ffffull;
            w = (w | (w >> 16)) & 0xffffffffull;
            v = (v | (v >> 8)) & 0x0000ffff0000ffffull;
            v = (v | (v >> 16)) & 0xffffffffull;
            w |= v << 32;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            memcpy(o, &w, 8);
#else
            for (int k = 0; k < 8; k++) o[k] = (char)(w >> (8 * k));
#endif
            o += 8;
            i += 8;
        }
        while (i + 4 <= units) {
            uint64_t w;
            memcpy(&w, p + 2 * i, 8);
            if (w & 0xff80ff80ff80ff80ull) break;
            o[0] = (char)w;
            o[1] = (char)(w >> 16);
            o[2] = (char)(w >> 32);
            o[3] = (char)(w >> 48);
            o += 4;
            i += 4;
        }
        if (i >= units) break;
        uint32_t u = evtx_u16(p + 2 * i);
        if (u < 0x80) {
            *o++ = (char)u;
            i++;
            continue;
        }
        i++;
        if (u < 0x800) {
            *o++ = (char)(0xc0 | (u >> 6));
            *o++ = (char)(0x80 | (u & 0x3f));
            continue;
        }
        if (u >= 0xd800 && u <= 0xdbff && i < units) {
            uint32_t lo = evtx_u16(p + 2 * i);
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                i++;
                uint32_t cp = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                *o++ = (char)(0xf0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
                *o++ = (char)(0x80 | (cp & 0x3f));
                continue;
            }
        }
        if (u >= 0xd800 && u <= 0xdfff) u = 0xfffd;
        *o++ = (char)(0xe0 | (u >> 12));
        *o++ = (char)(0x80 | ((u >> 6) & 0x3f));
        *o++ = (char)(0x80 | (u & 0x3f));
    }
    return (size_t)(o - dst);
}

/* Appends UTF-16LE text to txt, dropping trailing NUL units. */
static int put_utf16(struct evtx_bx *bx, const uint8_t *p, size_t units)
{
    while (units && evtx_u16(p + 2 * (units - 1)) == 0) units--;
    int rc = txt_reserve(bx, units * 3 + 1);
    if (rc) return rc;
    bx->txt_len += utf16_to_utf8(p, units, bx->txt + bx->txt_len);
    return 0;
}

/* Appends 8-bit text (read as Latin-1, the usual ANSI code page) without trailing NULs. */
static int put_ansi(struct evtx_bx *bx, const uint8_t *p, size_t n)
{
    while (n && p[n - 1] == 0) n--;
    int rc = txt_reserve(bx, n * 2 + 1);
    if (rc) return rc;
    char *o = bx->txt + bx->txt_len;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (b < 0x80) {
            *o++ = (char)b;
        } else {
            *o++ = (char)(0xc0 | (b >> 6));
            *o++ = (char)(0x80 | (b & 0x3f));
        }
    }
    bx->txt_len = (size_t)(o - bx->txt);
    return 0;
}

static int put_bytes(struct evtx_bx *bx, const char *s, size_t n)
{
    int rc = txt_reserve(bx, n + 1);
    if (rc) return rc;
    memcpy(bx->txt + bx->txt_len, s, n);
    bx->txt_len += n;
    return 0;
}

static size_t fmt_u64(char *out, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

static size_t fmt_i64(char *out, int64_t v)
{
    if (v < 0) {
        out[0] = '-';
        return 1 + fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
    }
    return fmt_u64(out, (uint64_t)v);
}

static size_t fmt_hex(char *out, uint64_t v)
{
    static const char hx[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = hx[v & 15];
        v >>= 4;
    } while (v);
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < n; i++) out[2 + i] = tmp[n - 1 - i];
    return n + 2;
}

/* Shortest text that reads back as the same float or double. */
static size_t fmt_real(char *out, size_t outsz, double v, int is_float)
{
    int lo = is_float ? 6 : 15, hi = is_float ? 9 : 17;
    int n = 0;
    if (v != v) return (size_t)snprintf(out, outsz, "NaN");
    for (int prec = lo; prec <= hi; prec++) {
        n = snprintf(out, outsz, "%.*g", prec, v);
        if (n < 0 || (size_t)n >= outsz) return 0;
        double back = strtod(out, NULL);
        if (is_float ? (float)back == (float)v : back == v) break;
    }
    return (size_t)n;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static void put2(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" from seconds since 1970 and microseconds (o: 48 bytes). */
static size_t fmt_time(char *o, int64_t secs, unsigned usec)
{
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999)
        return (size_t)snprintf(o, 48, "%lld-%02u-%02uT%02u:%02u:%02u.%06uZ", (long long)y, m, d,
                                (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60),
                                (unsigned)(rem % 60), usec);
    unsigned yy = (unsigned)y;
    put2(o, yy / 100);
    put2(o + 2, yy % 100);
    o[4] = '-';
    put2(o + 5, m);
    o[7] = '-';
    put2(o + 8, d);
    o[10] = 'T';
    put2(o + 11, (unsigned)(rem / 3600));
    o[13] = ':';
    put2(o + 14, (unsigned)(rem / 60 % 60));
    o[16] = ':';
    put2(o + 17, (unsigned)(rem % 60));
    o[19] = '.';
    put2(o + 20, usec / 10000);
    put2(o + 22, usec / 100 % 100);
    put2(o + 24, usec % 100);
    o[26] = 'Z';
    return 27;
}

/* ---- nodes --------------------------------------------------------------------------------- */

static int new_node(struct evtx_bx *bx, uint32_t parent, int kind, uint32_t *out)
{
    if (WARD_UNLIKELY(bx->nnodes >= EVTX_MAX_NODES)) {
        snprintf(bx->msg, sizeof bx->msg, "more than %u XML nodes", EVTX_MAX_NODES);
        return WARD_ELIMIT;
    }
    if (bx->nnodes == bx->nodes_cap) {
        size_t cap = bx->nodes_cap;
        if (grow((void **)&bx->nodes, &cap, (size_t)bx->nnodes + 1, sizeof *bx->nodes))
            return WARD_ENOMEM;
        bx->nodes_cap = (uint32_t)cap;
    }
    uint32_t i = bx->nnodes++;
    struct evtx_node *n = &bx->nodes[i];
    n->parent = parent;
    n->first = n->last = n->afirst = n->alast = n->next = NONE;
    n->off = n->len = 0;
    n->kind = (uint8_t)kind;
    n->vtype = WARD_V_STR;
    n->flags = 0;
    n->src = 0;
    n->t = 0;
    n->depth = parent == NONE ? 0 : bx->nodes[parent].depth + 1;
    if (parent != NONE) {
        struct evtx_node *p = &bx->nodes[parent];
        if (kind == EN_ATTR) {
            if (p->alast == NONE)
                p->afirst = i;
            else
                bx->nodes[p->alast].next = i;
            p->alast = i;
        } else {
            if (p->last == NONE)
                p->first = i;
            else
                bx->nodes[p->last].next = i;
            p->last = i;
        }
    }
    *out = i;
    return 0;
}

/* Adds a value node under parent for the text txt[start, txt_len). */
static int add_val(struct evtx_bx *bx, uint32_t parent, size_t start, int vtype, int flags,
                   int64_t t)
{
    uint32_t i;
    int rc = new_node(bx, parent, EN_VAL, &i);
    if (rc) return rc;
    struct evtx_node *n = &bx->nodes[i];
    n->off = (uint32_t)start;
    n->len = (uint32_t)(bx->txt_len - start);
    n->vtype = (uint8_t)vtype;
    n->flags = (uint8_t)flags;
    n->src = bx->cur_src;
    n->t = t;
    return 0;
}

/* ---- names ---------------------------------------------------------------------------------- */

/* The UTF-8 text of the name structure at chunk offset off (cached per chunk). */
static int get_name(struct evtx_bx *bx, uint32_t off, uint32_t *noff, uint32_t *nlen)
{
    if (bx->nc_count * 2 >= bx->nc_cap) {
        uint32_t cap = bx->nc_cap ? bx->nc_cap * 2 : 1024;
        uint32_t *k = calloc(cap, sizeof *k), *o = malloc(cap * sizeof *o),
                 *l = malloc(cap * sizeof *l);
        if (!k || !o || !l) {
            free(k);
            free(o);
            free(l);
            return WARD_ENOMEM;
        }
        for (uint32_t i = 0; i < bx->nc_cap; i++) {
            if (!bx->nc_key[i]) continue;
            uint32_t h = (bx->nc_key[i] * 2654435761u) & (cap - 1);
            while (k[h]) h = (h + 1) & (cap - 1);
            k[h] = bx->nc_key[i];
            o[h] = bx->nc_off[i];
            l[h] = bx->nc_len[i];
        }
        free(bx->nc_key);
        free(bx->nc_off);
        free(bx->nc_len);
        bx->nc_key = k;
        bx->nc_off = o;
        bx->nc_len = l;
        bx->nc_cap = cap;
    }
    uint32_t key = off + 1;
    uint32_t h = (key * 2654435761u) & (bx->nc_cap - 1);
    while (bx->nc_key[h]) {
        if (bx->nc_key[h] == key) {
            *noff = bx->nc_off[h];
            *nlen = bx->nc_len[h];
            return 0;
        }
        h = (h + 1) & (bx->nc_cap - 1);
    }
    if (off < EVTX_CHUNK_HEADER || (uint64_t)off + 8 > bx->clen) {
        snprintf(bx->msg, sizeof bx->msg, "name at chunk offset 0x%x is outside the chunk", off);
        return WARD_ECORRUPT;
    }
    uint32_t units = evtx_u16(bx->c + off + 6);
    if ((uint64_t)off + 8 + 2ull * units > bx->clen) {
        snprintf(bx->msg, sizeof bx->msg,
                 "name at chunk offset 0x%x (%u characters) runs past the chunk", off, units);
        return WARD_ECORRUPT;
    }
    size_t need = bx->names_len + units * 3u + 1;
    if (grow((void **)&bx->names, &bx->names_cap, need, 1)) return WARD_ENOMEM;
    size_t n = utf16_to_utf8(bx->c + off + 8, units, bx->names + bx->names_len);
    bx->names[bx->names_len + n] = '\0';
    bx->nc_key[h] = key;
    bx->nc_off[h] = (uint32_t)bx->names_len;
    bx->nc_len[h] = (uint32_t)n;
    bx->nc_count++;
    *noff = (uint32_t)bx->names_len;
    *nlen = (uint32_t)n;
    bx->names_len += n + 1;
    return 0;
}

/* Reads a name reference (u32 chunk offset) at *pos; skips an inline name structure. */
static int read_name_ref(struct evtx_bx *bx, uint32_t *pos, uint32_t end, uint32_t *noff,
                         uint32_t *nlen)
{
    if (*pos + 4 > end) {
        snprintf(bx->msg, sizeof bx->msg, "name reference at 0x%x runs past the data", *pos);
        return WARD_ECORRUPT;
    }
    uint32_t off = evtx_u32(bx->c + *pos);
    *pos += 4;
    int rc = get_name(bx, off, noff, nlen);
    if (rc) return rc;
    if (off == *pos) {
        /* the name structure follows inline: next(4) hash(2) count(2) chars NUL */
        uint32_t units = evtx_u16(bx->c + off + 6);
        uint64_t np = (uint64_t)*pos + 8 + 2ull * units + 2;
        if (np > end) {
            snprintf(bx->msg, sizeof bx->msg, "inline name at 0x%x runs past the data", off);
            return WARD_ECORRUPT;
        }
        *pos = (uint32_t)np;
    }
    return 0;
}

/* ---- values -----------------------------------------------------------------------------------
 */

static const char *type_name(unsigned t)
{
    static const char *const names[] = {
        "null",   "string",   "ansi string", "int8",  "uint8",    "int16",    "uint16", "int32",
        "uint32", "int64",    "uint64",      "float", "double",   "bool",     "binary", "guid",
        "size_t", "filetime", "systemtime",  "sid",   "hexint32", "hexint64",
    };
    t &= 0x7f;
    if (t < sizeof names / sizeof names[0]) return names[t];
    if (t == 0x20) return "handle";
    if (t == 0x21) return "binxml";
    if (t == 0x23) return "evtxml";
    return "unknown";
}

/* Fixed size of a scalar type, 0 when variable. */
static unsigned type_size(unsigned t)
{
    switch (t & 0x7f) {
    case 0x03:
    case 0x04: return 1;
    case 0x05:
    case 0x06: return 2;
    case 0x07:
    case 0x08:
    case 0x0b:
    case 0x0d:
    case 0x14: return 4;
    case 0x09:
    case 0x0a:
    case 0x0c:
    case 0x11:
    case 0x15: return 8;
    case 0x0f:
    case 0x12: return 16;
    default: return 0;
    }
}

/* Renders one scalar value of type t from p[0..n) as a value node under parent. */
/* A rendered value: where its text is in txt and what it is. */
struct rendered {
    size_t start;
    size_t len; /* set by the fast path */
    int vtype;
    int flags;
    int64_t t;
};

/* Renders one scalar value of type t from p[0..n) at the end of txt. */
static int render_scalar(struct evtx_bx *bx, unsigned t, const uint8_t *p, size_t n, int flags,
                         struct rendered *out)
{
    /* short renderings are formatted in place at the end of txt (room made below; the
     * size limit is checked once the length is known, as put_bytes would) */
    enum { TMP = 96 };
    char *tmp;
    size_t k = 0;
    size_t start = bx->txt_len;
    int vt = WARD_V_NUM, rc;
    int64_t tm = 0;
    unsigned need = type_size(t);
    if (need && n < need) {
        snprintf(bx->msg, sizeof bx->msg, "%s value of %zu bytes (expected %u)", type_name(t), n,
                 need);
        return WARD_ECORRUPT;
    }
    if (bx->txt_len + TMP > bx->txt_cap &&
        grow((void **)&bx->txt, &bx->txt_cap, bx->txt_len + TMP, 1))
        return WARD_ENOMEM;
    tmp = bx->txt + bx->txt_len;
    switch (t & 0x7f) {
    case 0x01:
        if ((rc = put_utf16(bx, p, n / 2))) return rc;
        vt = WARD_V_STR;
        goto done;
    case 0x02:
        if ((rc = put_ansi(bx, p, n))) return rc;
        vt = WARD_V_STR;
        goto done;
    case 0x03: k = fmt_i64(tmp, (int8_t)p[0]); break;
    case 0x04: k = fmt_u64(tmp, p[0]); break;
    case 0x05: k = fmt_i64(tmp, (int16_t)evtx_u16(p)); break;
    case 0x06: k = fmt_u64(tmp, evtx_u16(p)); break;
    case 0x07: k = fmt_i64(tmp, (int32_t)evtx_u32(p)); break;
    case 0x08: k = fmt_u64(tmp, evtx_u32(p)); break;
    case 0x09: k = fmt_i64(tmp, (int64_t)evtx_u64(p)); break;
    case 0x0a: k = fmt_u64(tmp, evtx_u64(p)); break;
    case 0x0b: {
        float f;
        uint32_t u = evtx_u32(p);
        memcpy(&f, &u, 4);
        k = fmt_real(tmp, TMP, f, 1);
        if (f != f || f - f != 0) vt = WARD_V_STR;
        break;
    }
    case 0x0c: {
        double d;
        uint64_t u = evtx_u64(p);
        memcpy(&d, &u, 8);
        k = fmt_real(tmp, TMP, d, 0);
        if (d != d || d - d != 0) vt = WARD_V_STR;
        break;
    }
    case 0x0d: {
        int on = 0;
        for (size_t i = 0; i < n && i < 8; i++) on |= p[i];
        vt = WARD_V_BOOL;
        memcpy(tmp, on ? "true" : "false", on ? 4 : 5);
        k = on ? 4 : 5;
        break;
    }
    case 0x0e: {
        static const char hx[] = "0123456789ABCDEF";
        if ((rc = txt_reserve(bx, n * 2 + 1))) return rc;
        char *o = bx->txt + bx->txt_len;
        for (size_t i = 0; i < n; i++) {
            *o++ = hx[p[i] >> 4];
            *o++ = hx[p[i] & 15];
        }
        bx->txt_len += n * 2;
        vt = WARD_V_STR;
        goto done;
    }
    case 0x0f: {
        /* Data1-Data2-Data3 are little-endian numbers, Data4 bytes in order */
        static const char hx[] = "0123456789ABCDEF";
        static const signed char order[] = {3,  2, 1, 0,  -1, 5,  4,  -1, 7,  6,
                                            -1, 8, 9, -1, 10, 11, 12, 13, 14, 15};
        for (size_t i = 0; i < sizeof order; i++) {
            if (order[i] < 0) {
                tmp[k++] = '-';
            } else {
                tmp[k++] = hx[p[order[i]] >> 4];
                tmp[k++] = hx[p[order[i]] & 15];
            }
        }
        vt = WARD_V_STR;
        break;
    }
    case 0x10:
        if (n >= 8)
            k = fmt_u64(tmp, evtx_u64(p));
        else if (n >= 4)
            k = fmt_u64(tmp, evtx_u32(p));
        else {
            snprintf(bx->msg, sizeof bx->msg, "size_t value of %zu bytes", n);
            return WARD_ECORRUPT;
        }
        break;
    case 0x11: {
        uint64_t ft = evtx_u64(p);
        int64_t secs = (int64_t)(ft / 10000000u) - 11644473600LL;
        unsigned usec = (unsigned)(ft % 10000000u / 10);
        k = fmt_time(tmp, secs, usec);
        if (secs > -9000000000LL && secs < 9000000000LL) { /* within ward time */
            tm = secs * 1000000000LL + (int64_t)usec * 1000;
            flags |= NF_TIME;
        }
        vt = WARD_V_STR;
        break;
    }
    case 0x12: {
        unsigned y = evtx_u16(p), mo = evtx_u16(p + 2), d = evtx_u16(p + 6), h = evtx_u16(p + 8),
                 mi = evtx_u16(p + 10), s = evtx_u16(p + 12), ms = evtx_u16(p + 14);
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || ms > 999 ||
            y > 9999) {
            k = (size_t)snprintf(tmp, TMP, "%04u-%02u-%02uT%02u:%02u:%02u.%03u000Z", y % 10000,
                                 mo % 100, d % 100, h % 100, mi % 100, s % 100, ms % 1000);
        } else {
            int64_t days = ward_days_from_civil(y, mo, d);
            int64_t secs = days * 86400 + h * 3600 + mi * 60 + s;
            k = fmt_time(tmp, secs, ms * 1000);
            if (secs > -9000000000LL && secs < 9000000000LL) {
                tm = secs * 1000000000LL + (int64_t)ms * 1000000;
                flags |= NF_TIME;
            }
        }
        vt = WARD_V_STR;
        break;
    }
    case 0x13: {
        if (n < 8 || n < 8u + 4u * p[1]) {
            snprintf(bx->msg, sizeof bx->msg, "SID value of %zu bytes is too short", n);
            return WARD_ECORRUPT;
        }
        uint64_t auth = 0;
        for (int i = 2; i < 8; i++) auth = (auth << 8) | p[i];
        if ((rc = txt_reserve(bx, 24 + 11u * p[1]))) return rc;
        char *o = bx->txt + bx->txt_len;
        *o++ = 'S';
        *o++ = '-';
        o += fmt_u64(o, p[0]);
        *o++ = '-';
        o += fmt_u64(o, auth);
        for (unsigned i = 0; i < p[1]; i++) {
            *o++ = '-';
            o += fmt_u64(o, evtx_u32(p + 8 + 4 * i));
        }
        bx->txt_len = (size_t)(o - bx->txt);
        vt = WARD_V_STR;
        goto done;
    }
    case 0x14:
        k = fmt_hex(tmp, evtx_u32(p));
        vt = WARD_V_STR;
        break;
    case 0x15:
        k = fmt_hex(tmp, evtx_u64(p));
        vt = WARD_V_STR;
        break;
    default: {
        /* handles, EvtXml and unknown types: their bytes in hex */
        static const char hx[] = "0123456789ABCDEF";
        if ((rc = txt_reserve(bx, n * 2 + 1))) return rc;
        char *o = bx->txt + bx->txt_len;
        for (size_t i = 0; i < n; i++) {
            *o++ = hx[p[i] >> 4];
            *o++ = hx[p[i] & 15];
        }
        bx->txt_len += n * 2;
        vt = WARD_V_STR;
        goto done;
    }
    }
    if (WARD_UNLIKELY(bx->txt_len + k + 1 > bx->max_txt)) {
        snprintf(bx->msg, sizeof bx->msg, "rendered values exceed %zu bytes", bx->max_txt);
        return WARD_ELIMIT;
    }
    bx->txt_len += k;
done:
    out->start = start;
    out->vtype = vt;
    out->flags = flags;
    out->t = tm;
    return 0;
}

/* Renders one scalar value as a value node under parent. */
static int put_scalar(struct evtx_bx *bx, uint32_t parent, unsigned t, const uint8_t *p, size_t n,
                      int flags)
{
    struct rendered r;
    int rc = render_scalar(bx, t, p, n, flags, &r);
    if (rc) return rc;
    return add_val(bx, parent, r.start, r.vtype, r.flags, r.t);
}

/* Renders an array value: one value node per item, flagged NF_ARRAY. */
static int put_array(struct evtx_bx *bx, uint32_t parent, unsigned t, const uint8_t *p, size_t n)
{
    unsigned base = t & 0x7f;
    int rc;
    if (base == 0x01 || base == 0x02) {
        /* NUL-separated strings; the last may lack its NUL */
        size_t unit = base == 0x01 ? 2 : 1;
        size_t i = 0, s = 0, units = n / unit;
        while (i <= units) {
            int at_end = i == units;
            int nul = !at_end && (unit == 2 ? evtx_u16(p + 2 * i) == 0 : p[i] == 0);
            if (nul || (at_end && i > s)) {
                size_t start = bx->txt_len;
                rc = unit == 2 ? put_utf16(bx, p + 2 * s, i - s) : put_ansi(bx, p + s, i - s);
                if (rc) return rc;
                if ((rc = add_val(bx, parent, start, WARD_V_STR, NF_ARRAY, 0))) return rc;
                s = i + 1;
            }
            i++;
        }
        return 0;
    }
    if (base == 0x13) {
        size_t i = 0;
        while (i + 8 <= n) {
            size_t len = 8 + 4u * p[i + 1];
            if (i + len > n) break;
            if ((rc = put_scalar(bx, parent, base, p + i, len, NF_ARRAY))) return rc;
            i += len;
        }
        return 0;
    }
    unsigned sz = type_size(base);
    if (base == 0x10) sz = 8;
    if (!sz) return put_scalar(bx, parent, base, p, n, NF_ARRAY); /* binary and the like */
    for (size_t i = 0; i + sz <= n; i += sz)
        if ((rc = put_scalar(bx, parent, base, p + i, sz, NF_ARRAY))) return rc;
    return 0;
}

/* ---- the token stream ---------------------------------------------------------------------- */

static int parse_fragment(struct evtx_bx *bx, uint32_t pos, uint32_t end, uint32_t sbase,
                          uint32_t nsubs, uint32_t parent, int nest, uint32_t *endpos);

/* A substitution token: puts the value (or a nested fragment) under target. */
static int substitute(struct evtx_bx *bx, uint32_t idx, unsigned ttype, int optional,
                      uint32_t sbase, uint32_t nsubs, uint32_t target, int in_attr, int nest)
{
    if (idx >= nsubs) {
        /* a template may name more values than an instance gives: no value */
        if (in_attr && optional) bx->nodes[target].flags |= NF_OPTNULL;
        bx->cur_src =
            bx->cur_inst != NONE && idx < 65536 ? ((bx->cur_inst << 16) | idx) + 1 : SRC_OTHER;
        if (bx->cur_src == SRC_OTHER) bx->plan_ok = 0;
        int rc = add_val(bx, target, bx->txt_len, WARD_V_NULL, NF_NULLSUB, 0);
        bx->cur_src = 0;
        return rc;
    }
    struct evtx_sub s = bx->subs[sbase + idx];
    (void)ttype;
    uint32_t iid = bx->cur_inst;
    if (iid == NONE || (s.type & 0x80) || (s.type == 0x21 && in_attr)) bx->plan_ok = 0;
    bx->cur_src = iid != NONE ? ((iid << 16) | idx) + 1 : SRC_OTHER;
    int rc;
    const uint8_t *p = bx->c + s.off;
    if (s.type == 0x00 || (s.len == 0 && s.type != 0x01 && s.type != 0x02)) {
        if (in_attr && optional) bx->nodes[target].flags |= NF_OPTNULL;
        rc = add_val(bx, target, bx->txt_len, WARD_V_NULL, NF_NULLSUB, 0);
    } else if (s.type == 0x21) {
        uint32_t endp;
        bx->cur_src = 0; /* texts of the nested template are its own */
        /* XML inside an attribute value: nothing to show */
        rc = in_attr ? 0 : parse_fragment(bx, s.off, s.off + s.len, 0, 0, target, nest + 1, &endp);
    } else if (s.type & 0x80) {
        rc = put_array(bx, target, s.type, p, s.len);
    } else {
        rc = put_scalar(bx, target, s.type, p, s.len, 0);
    }
    bx->cur_src = 0;
    return rc;
}

/*
 * Reads the head of the template instance at pos: the definition's offset and size, and
 * the values, which are pushed at bx->subs[bx->nsubs ...] (nsubs itself is not moved).
 * *vend is the offset after the values.
 */
static int instance_head(struct evtx_bx *bx, uint32_t pos, uint32_t end, uint32_t *defp,
                         uint32_t *dsizep, uint32_t *countp, uint32_t *vend)
{
    if ((uint64_t)pos + 10 > end) {
        snprintf(bx->msg, sizeof bx->msg, "template instance at 0x%x runs past the data", pos);
        return WARD_ECORRUPT;
    }
    uint32_t def = evtx_u32(bx->c + pos + 6);
    uint32_t p = pos + 10;
    if ((uint64_t)def + 24 > bx->clen || def < EVTX_CHUNK_HEADER) {
        snprintf(bx->msg, sizeof bx->msg, "template definition offset 0x%x is outside the chunk",
                 def);
        return WARD_ECORRUPT;
    }
    uint32_t dsize = evtx_u32(bx->c + def + 20);
    if ((uint64_t)def + 24 + dsize > bx->clen) {
        snprintf(bx->msg, sizeof bx->msg,
                 "template definition at 0x%x (%u bytes) runs past the chunk", def, dsize);
        return WARD_ECORRUPT;
    }
    if (def == p) {
        /* the definition is inline, before the values */
        if ((uint64_t)p + 24 + dsize > end) {
            snprintf(bx->msg, sizeof bx->msg, "inline template at 0x%x runs past the record", def);
            return WARD_ECORRUPT;
        }
        p += 24 + dsize;
    }
    if ((uint64_t)p + 4 > end) {
        snprintf(bx->msg, sizeof bx->msg, "substitution count at 0x%x runs past the record", p);
        return WARD_ECORRUPT;
    }
    uint32_t count = evtx_u32(bx->c + p);
    p += 4;
    if (count > EVTX_MAX_SUBS || (uint64_t)p + 4ull * count > end) {
        snprintf(bx->msg, sizeof bx->msg,
                 "template instance at 0x%x claims %u values, more than the record holds", pos,
                 count);
        return WARD_ECORRUPT;
    }
    uint32_t sbase = bx->nsubs;
    size_t cap = bx->subs_cap;
    if (grow((void **)&bx->subs, &cap, (size_t)sbase + count, sizeof *bx->subs)) return WARD_ENOMEM;
    bx->subs_cap = (uint32_t)cap;
    uint32_t vp = p + 4 * count;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t size = evtx_u16(bx->c + p + 4 * i);
        uint8_t type = bx->c[p + 4 * i + 2];
        if ((uint64_t)vp + size > end) {
            snprintf(bx->msg, sizeof bx->msg,
                     "value %u (%s, %u bytes) of the template instance at 0x%x runs past the "
                     "record",
                     i, type_name(type), size, pos);
            return WARD_ECORRUPT;
        }
        bx->subs[sbase + i].off = vp;
        bx->subs[sbase + i].len = size;
        bx->subs[sbase + i].type = type;
        vp += size;
    }
    *defp = def;
    *dsizep = dsize;
    *countp = count;
    *vend = vp;
    return 0;
}

/* A template instance token at pos: reads its values and expands its definition. */
static int template_instance(struct evtx_bx *bx, uint32_t pos, uint32_t end, uint32_t parent,
                             int nest, uint32_t *endpos)
{
    if (nest > EVTX_MAX_TEMPLATE_NESTING) {
        snprintf(bx->msg, sizeof bx->msg, "template instances nested more than %d deep",
                 EVTX_MAX_TEMPLATE_NESTING);
        return WARD_ELIMIT;
    }
    uint32_t def, dsize, count, vp, sbase = bx->nsubs;
    int rc0 = instance_head(bx, pos, end, &def, &dsize, &count, &vp);
    if (rc0) return rc0;
    bx->nsubs = sbase + count;
    /* which pre-parsed instance this is (for compiled shapes), by its position */
    uint32_t saved = bx->cur_inst;
    bx->cur_inst = NONE;
    for (uint32_t i = 0; i < bx->ninst; i++)
        if (bx->inst[i].pos == pos) bx->cur_inst = i;
    uint32_t dend;
    int rc = parse_fragment(bx, def + 24, def + 24 + dsize, sbase, count, parent, nest + 1, &dend);
    bx->cur_inst = saved;
    bx->nsubs = sbase;
    *endpos = vp;
    return rc;
}

/*
 * Parses tokens in [pos, end) until the end-of-fragment token (or end), adding elements
 * under parent. sbase/nsubs: the values of the template being expanded.
 */
static int parse_fragment(struct evtx_bx *bx, uint32_t pos, uint32_t end, uint32_t sbase,
                          uint32_t nsubs, uint32_t parent, int nest, uint32_t *endpos)
{
    uint32_t cur = parent; /* the open element */
    uint32_t attr = NONE;  /* the attribute whose value is being read */
    int rc;
    if (end > bx->clen) end = bx->clen;
    if (nest > EVTX_MAX_TEMPLATE_NESTING * 2) {
        snprintf(bx->msg, sizeof bx->msg, "BinXML nested more than %d deep",
                 EVTX_MAX_TEMPLATE_NESTING * 2);
        return WARD_ELIMIT;
    }
    while (pos < end) {
        if (WARD_UNLIKELY(++bx->tokens > EVTX_MAX_TOKENS)) {
            snprintf(bx->msg, sizeof bx->msg, "more than %u BinXML tokens", EVTX_MAX_TOKENS);
            return WARD_ELIMIT;
        }
        uint8_t tok = bx->c[pos];
        uint8_t base = tok & 0xbf;
        switch (base) {
        case 0x00: /* end of fragment */ *endpos = pos + 1; return 0;
        case 0x0f: /* fragment header: major, minor, flags */ pos += 4; break;
        case 0x0c: { /* template instance */
            uint32_t np;
            if ((rc = template_instance(bx, pos, end, cur, nest, &np))) return rc;
            pos = np;
            break;
        }
        case 0x01: { /* open start element */
            uint32_t p = pos + 1;
            if ((uint64_t)p + 10 > end) {
                snprintf(bx->msg, sizeof bx->msg, "element at 0x%x runs past the data", pos);
                return WARD_ECORRUPT;
            }
            p += 2 + 4; /* dependency id, data size */
            uint32_t noff, nlen;
            if ((rc = read_name_ref(bx, &p, end, &noff, &nlen))) return rc;
            if (tok & 0x40) p += 4; /* attribute list size */
            if (cur != NONE && bx->nodes[cur].depth + 1 > bx->max_depth) {
                snprintf(bx->msg, sizeof bx->msg, "elements nested deeper than %u", bx->max_depth);
                return WARD_ELIMIT;
            }
            uint32_t e;
            if ((rc = new_node(bx, cur, EN_ELEM, &e))) return rc;
            bx->nodes[e].off = noff;
            bx->nodes[e].len = nlen;
            cur = e;
            attr = NONE;
            pos = p;
            break;
        }
        case 0x06: { /* attribute */
            uint32_t p = pos + 1, noff, nlen;
            if ((rc = read_name_ref(bx, &p, end, &noff, &nlen))) return rc;
            if (cur == parent) {
                snprintf(bx->msg, sizeof bx->msg, "attribute at 0x%x outside an element", pos);
                return WARD_ECORRUPT;
            }
            uint32_t a;
            if ((rc = new_node(bx, cur, EN_ATTR, &a))) return rc;
            bx->nodes[a].off = noff;
            bx->nodes[a].len = nlen;
            attr = a;
            pos = p;
            break;
        }
        case 0x02: /* close start element */
            attr = NONE;
            pos++;
            break;
        case 0x03: /* close empty element */
        case 0x04: /* end element */
            attr = NONE;
            if (cur == parent) {
                snprintf(bx->msg, sizeof bx->msg, "end of element at 0x%x without a start", pos);
                return WARD_ECORRUPT;
            }
            cur = bx->nodes[cur].parent;
            pos++;
            break;
        case 0x05:   /* value text */
        case 0x07: { /* CDATA section */
            uint32_t p = pos + 1;
            if (base == 0x05) p++; /* value type (string) */
            if ((uint64_t)p + 2 > end) goto short_data;
            uint32_t units = evtx_u16(bx->c + p);
            p += 2;
            if ((uint64_t)p + 2ull * units > end) goto short_data;
            size_t start = bx->txt_len;
            if ((rc = put_utf16(bx, bx->c + p, units))) return rc;
            if ((rc = add_val(bx, attr != NONE ? attr : cur, start, WARD_V_STR, 0, 0))) return rc;
            pos = p + 2 * units;
            break;
        }
        case 0x08: { /* character reference */
            if ((uint64_t)pos + 3 > end) goto short_data;
            char u8[4];
            size_t k = ward_utf8_put(evtx_u16(bx->c + pos + 1), u8);
            size_t start = bx->txt_len;
            if ((rc = put_bytes(bx, u8, k))) return rc;
            if ((rc = add_val(bx, attr != NONE ? attr : cur, start, WARD_V_STR, 0, 0))) return rc;
            pos += 3;
            break;
        }
        case 0x09: { /* entity reference */
            uint32_t p = pos + 1, noff, nlen;
            if ((rc = read_name_ref(bx, &p, end, &noff, &nlen))) return rc;
            const char *nm = bx->names + noff;
            const char *rep = strcmp(nm, "amp") == 0    ? "&"
                              : strcmp(nm, "lt") == 0   ? "<"
                              : strcmp(nm, "gt") == 0   ? ">"
                              : strcmp(nm, "quot") == 0 ? "\""
                              : strcmp(nm, "apos") == 0 ? "'"
                                                        : NULL;
            size_t start = bx->txt_len;
            if (rep) {
                rc = put_bytes(bx, rep, strlen(rep));
            } else {
                rc = put_bytes(bx, "&", 1);
                if (!rc) rc = put_bytes(bx, nm, nlen);
                if (!rc) rc = put_bytes(bx, ";", 1);
            }
            if (rc) return rc;
            if ((rc = add_val(bx, attr != NONE ? attr : cur, start, WARD_V_STR, 0, 0))) return rc;
            pos = p;
            break;
        }
        case 0x0a: { /* processing instruction target */
            uint32_t p = pos + 1, noff, nlen;
            if ((rc = read_name_ref(bx, &p, end, &noff, &nlen))) return rc;
            pos = p;
            break;
        }
        case 0x0b: { /* processing instruction data */
            if ((uint64_t)pos + 3 > end) goto short_data;
            uint32_t units = evtx_u16(bx->c + pos + 1);
            if ((uint64_t)pos + 3 + 2ull * units > end) goto short_data;
            pos += 3 + 2 * units;
            break;
        }
        case 0x0d:   /* normal substitution */
        case 0x0e: { /* optional substitution */
            if ((uint64_t)pos + 4 > end) goto short_data;
            uint32_t idx = evtx_u16(bx->c + pos + 1);
            unsigned ty = bx->c[pos + 3];
            uint32_t target = attr != NONE ? attr : cur;
            if (target == NONE) {
                snprintf(bx->msg, sizeof bx->msg, "substitution at 0x%x outside an element", pos);
                return WARD_ECORRUPT;
            }
            if ((rc = substitute(bx, idx, ty, base == 0x0e, sbase, nsubs, target, attr != NONE,
                                 nest)))
                return rc;
            pos += 4;
            break;
        }
        default:
            snprintf(bx->msg, sizeof bx->msg, "unknown BinXML token 0x%02x at chunk offset 0x%x",
                     tok, pos);
            return WARD_ECORRUPT;
        }
    }
    *endpos = pos;
    return 0;
short_data:
    snprintf(bx->msg, sizeof bx->msg, "BinXML token 0x%02x at chunk offset 0x%x runs past the data",
             bx->c[pos], pos);
    return WARD_ECORRUPT;
}

/* ---- flattening ------------------------------------------------------------------------------ */

struct flat {
    struct evtx_bx *bx;
    struct ward_event *ev;
    size_t klen;
};

static int key_put(struct flat *f, const char *s, size_t n)
{
    struct evtx_bx *bx = f->bx;
    if (f->klen + n + 1 > EVTX_MAX_KEY) {
        snprintf(bx->msg, sizeof bx->msg, "a key is longer than %u bytes", EVTX_MAX_KEY);
        return WARD_ELIMIT;
    }
    if (grow((void **)&bx->key, &bx->key_cap, f->klen + n + 1, 1)) return WARD_ENOMEM;
    memcpy(bx->key + f->klen, s, n);
    f->klen += n;
    return 0;
}

static const char *const EMPTY = "";

static const struct {
    const char *channel;
    const char *service;
} channel_services[] = {
    {"Security", "security"},
    {"System", "system"},
    {"Application", "application"},
    {"Microsoft-Windows-Sysmon/Operational", "sysmon"},
    {"Microsoft-Windows-PowerShell/Operational", "powershell"},
    {"PowerShellCore/Operational", "powershell"},
    {"Windows PowerShell", "powershell-classic"},
    {"Microsoft-Windows-TaskScheduler/Operational", "taskscheduler"},
    {"Microsoft-Windows-WMI-Activity/Operational", "wmi"},
    {"Microsoft-Windows-Windows Defender/Operational", "windefend"},
    {"Microsoft-Windows-Bits-Client/Operational", "bits-client"},
    {"Microsoft-Windows-DNS-Client/Operational", "dns-client"},
    {"Microsoft-Windows-CodeIntegrity/Operational", "codeintegrity-operational"},
    {"Microsoft-Windows-AppLocker/EXE and DLL", "applocker"},
    {"Microsoft-Windows-AppLocker/MSI and Script", "applocker"},
    {"Microsoft-Windows-AppLocker/Packaged app-Deployment", "applocker"},
    {"Microsoft-Windows-AppLocker/Packaged app-Execution", "applocker"},
    {"Microsoft-Windows-NTLM/Operational", "ntlm"},
    {"Microsoft-Windows-PrintService/Admin", "printservice-admin"},
    {"Microsoft-Windows-PrintService/Operational", "printservice-operational"},
    {"Microsoft-Windows-SMBClient/Security", "smbclient-security"},
    {"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall", "firewall-as"},
    {"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
     "terminalservices-localsessionmanager"},
    {"Microsoft-Windows-DriverFrameworks-UserMode/Operational", "driver-framework"},
    {"Microsoft-Windows-Shell-Core/Operational", "shell-core"},
    {"Microsoft-Windows-OpenSSH/Operational", "openssh"},
    {"Microsoft-Windows-Diagnosis-Scripted/Operational", "diagnosis-scripted"},
    {"Microsoft-Windows-LDAP-Client/Debug", "ldap_debug"},
    {"Microsoft-Windows-Kernel-ShimEngine/Operational", "shimengine"},
    {NULL, NULL},
};

static void note_field(struct ward_event *ev, const char *k, size_t kl, const char *val,
                       size_t vlen, int flags, int64_t t)
{
    if ((flags & NF_TIME) && kl == 47 &&
        memcmp(k, "Event.System.TimeCreated.#attributes.SystemTime", 47) == 0) {
        ev->ts = t;
    } else if (kl == 20 && memcmp(k, "Event.System.Channel", 20) == 0) {
        for (int i = 0; channel_services[i].channel; i++) {
            if (strlen(channel_services[i].channel) == vlen &&
                memcmp(channel_services[i].channel, val, vlen) == 0) {
                ev->service = channel_services[i].service;
                break;
            }
        }
    }
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Adds one field to the event (text trimmed); notes the event time and channel. */
static int emit_kv(struct evtx_bx *bx, struct ward_event *ev, const char *key, size_t klen,
                   const char *val, size_t vlen, int type, int flags, int64_t t)
{
    if (type == WARD_V_STR) {
        /* text is trimmed, as in the evtx_dump JSON renderings the JSON path reads */
        while (vlen && is_space(val[vlen - 1])) vlen--;
        while (vlen && is_space(*val)) {
            val++;
            vlen--;
        }
    }
    int rc = ward_event_add(ev, key, klen, val, vlen, (enum ward_vtype)type, 0);
    if (rc) {
        if (rc == WARD_ELIMIT)
            snprintf(bx->msg, sizeof bx->msg, "more than %u fields", ev->max_fields);
        return rc;
    }
    if (klen > 14 && key[6] == 'S') note_field(ev, key, klen, val, vlen, flags, t);
    return 0;
}

static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
    if (grow((void **)buf, cap, *len + n + 1, 1)) return WARD_ENOMEM;
    memcpy(*buf + *len, p, n);
    *len += n;
    return 0;
}

/* Notes a field for the plan being recorded; any field that does not come from a
 * template text or a single top-level substitution makes the record unfit for a plan. */
static void record_entry(struct evtx_bx *bx, const char *key, size_t klen, const char *val,
                         size_t vlen, int type, const struct evtx_node *v)
{
    struct evtx_pentry e;
    memset(&e, 0, sizeof e);
    if (!v) {
        if (type != WARD_V_NULL) goto unfit; /* joined pieces */
        e.kind = PE_NULL;
    } else if (v->src == 0) {
        e.kind = PE_TEXT;
        e.vtype = v->vtype;
        e.toff = (uint32_t)bx->ptext_len;
        e.tlen = (uint32_t)vlen;
        if (append(&bx->ptext, &bx->ptext_len, &bx->ptext_cap, val, vlen)) goto unfit;
    } else if (v->src == SRC_OTHER || (v->flags & NF_ARRAY)) {
        goto unfit;
    } else {
        e.kind = PE_SUB;
        e.inst = (uint16_t)((v->src - 1) >> 16);
        e.idx = (v->src - 1) & 0xffff;
    }
    e.koff = (uint32_t)bx->pkeys_len;
    e.klen = (uint32_t)klen;
    if (append(&bx->pkeys, &bx->pkeys_len, &bx->pkeys_cap, key, klen)) goto unfit;
    if (grow((void **)&bx->pe, &bx->pe_cap, bx->npe + 1, sizeof *bx->pe)) goto unfit;
    bx->pe[bx->npe++] = e;
    return;
unfit:
    bx->plan_ok = 0;
}

static int emit(struct flat *f, const char *val, size_t vlen, int type, const struct evtx_node *v)
{
    struct evtx_bx *bx = f->bx;
    if (bx->recording && bx->plan_ok) record_entry(bx, bx->key, f->klen, val, vlen, type, v);
    return emit_kv(bx, f->ev, bx->key, f->klen, val, vlen, type, v ? v->flags : 0, v ? v->t : 0);
}

/* Whether a node's value list has any real (non-null) value. */
static int has_values(const struct evtx_bx *bx, uint32_t n)
{
    for (uint32_t c = bx->nodes[n].first; c != NONE; c = bx->nodes[c].next)
        if (bx->nodes[c].kind == EN_VAL && !(bx->nodes[c].flags & NF_NULLSUB)) return 1;
    return 0;
}

/* Emits the values of node n (an attribute or an element's text) at the current key. */
static int emit_values(struct flat *f, uint32_t n)
{
    struct evtx_bx *bx = f->bx;
    uint32_t count = 0, arrays = 0, one = NONE;
    size_t total = 0;
    for (uint32_t c = bx->nodes[n].first; c != NONE; c = bx->nodes[c].next) {
        const struct evtx_node *v = &bx->nodes[c];
        if (v->kind != EN_VAL || (v->flags & NF_NULLSUB)) continue;
        count++;
        total += v->len;
        if (v->flags & NF_ARRAY) arrays++;
        one = c;
    }
    if (count == 0) return emit(f, EMPTY, 0, WARD_V_NULL, NULL);
    if (count == 1 && !arrays) {
        const struct evtx_node *v = &bx->nodes[one];
        return emit(f, bx->txt + v->off, v->len, v->vtype, v);
    }
    if (arrays) {
        size_t base = f->klen;
        uint32_t i = 0;
        for (uint32_t c = bx->nodes[n].first; c != NONE; c = bx->nodes[c].next) {
            const struct evtx_node *v = &bx->nodes[c];
            if (v->kind != EN_VAL || (v->flags & NF_NULLSUB)) continue;
            char num[24];
            num[0] = '.';
            size_t nl = 1 + fmt_u64(num + 1, i++);
            int rc = key_put(f, num, nl);
            if (!rc) rc = emit(f, bx->txt + v->off, v->len, v->vtype, v);
            f->klen = base;
            if (rc) return rc;
        }
        return 0;
    }
    /* several pieces of text: join them (room was reserved before flattening) */
    size_t start = bx->txt_len;
    if (start + total > bx->txt_cap) return WARD_ENOMEM;
    for (uint32_t c = bx->nodes[n].first; c != NONE; c = bx->nodes[c].next) {
        const struct evtx_node *v = &bx->nodes[c];
        if (v->kind != EN_VAL || (v->flags & NF_NULLSUB)) continue;
        memcpy(bx->txt + bx->txt_len, bx->txt + v->off, v->len);
        bx->txt_len += v->len;
    }
    return emit(f, bx->txt + start, total, WARD_V_STR, NULL);
}

/* The attribute "Name" of a Data element, or NONE. */
static uint32_t data_name_attr(const struct evtx_bx *bx, uint32_t e)
{
    const struct evtx_node *n = &bx->nodes[e];
    if (n->len != 4 || memcmp(bx->names + n->off, "Data", 4) != 0) return NONE;
    for (uint32_t a = n->afirst; a != NONE; a = bx->nodes[a].next) {
        const struct evtx_node *an = &bx->nodes[a];
        if (an->len == 4 && memcmp(bx->names + an->off, "Name", 4) == 0) return a;
    }
    return NONE;
}

/* The key text of child element e: its name, or the Name of a <Data Name="..."> element
 * (joined text of the attribute, written to txt when it has several pieces). */
static void child_key(struct evtx_bx *bx, uint32_t e, const char **kp, size_t *kl)
{
    uint32_t a = data_name_attr(bx, e);
    if (a != NONE) {
        uint32_t cnt = 0, one = NONE;
        size_t total = 0;
        for (uint32_t c = bx->nodes[a].first; c != NONE; c = bx->nodes[c].next) {
            if (bx->nodes[c].src) bx->plan_ok = 0; /* the key depends on a value */
            if (bx->nodes[c].flags & NF_NULLSUB) continue;
            cnt++;
            total += bx->nodes[c].len;
            one = c;
        }
        if (cnt == 1) {
            *kp = bx->txt + bx->nodes[one].off;
            *kl = bx->nodes[one].len;
            return;
        }
        if (cnt > 1 && bx->txt_len + total <= bx->txt_cap) {
            size_t start = bx->txt_len;
            for (uint32_t c = bx->nodes[a].first; c != NONE; c = bx->nodes[c].next) {
                if (bx->nodes[c].flags & NF_NULLSUB) continue;
                memcpy(bx->txt + bx->txt_len, bx->txt + bx->nodes[c].off, bx->nodes[c].len);
                bx->txt_len += bx->nodes[c].len;
            }
            *kp = bx->txt + start;
            *kl = total;
            return;
        }
    }
    *kp = bx->names + bx->nodes[e].off;
    *kl = bx->nodes[e].len;
}

static int flatten_elem(struct flat *f, uint32_t e);

/* Flattens the child elements of e: repeated keys among siblings get an index suffix. */
static int flatten_children(struct flat *f, uint32_t e)
{
    struct evtx_bx *bx = f->bx;
    uint32_t n = 0;
    for (uint32_t c = bx->nodes[e].first; c != NONE; c = bx->nodes[c].next)
        if (bx->nodes[c].kind == EN_ELEM) n++;
    if (!n) return 0;
    /* scratch: per child [node, key index in pairs] kept as ptr/len via txt offsets */
    size_t sb = bx->scratch_len;
    if (grow((void **)&bx->scratch, &bx->scratch_cap, sb + 2 * (size_t)n, sizeof *bx->scratch))
        return WARD_ENOMEM;
    bx->scratch_len = sb + 2 * (size_t)n;
    /* the children's keys: on the stack for the usual few, else allocated */
    const char *kps_local[64];
    size_t kls_local[64];
    const char **kps = n <= 64 ? kps_local : malloc(n * sizeof *kps);
    size_t *kls = n <= 64 ? kls_local : malloc(n * sizeof *kls);
    int rc = 0;
    if (!kps || !kls) {
        rc = WARD_ENOMEM;
        goto out;
    }
    uint32_t i = 0;
    for (uint32_t c = bx->nodes[e].first; c != NONE; c = bx->nodes[c].next) {
        if (bx->nodes[c].kind != EN_ELEM) continue;
        bx->scratch[sb + 2 * i] = c;
        child_key(bx, c, &kps[i], &kls[i]);
        i++;
    }
    /* index suffix: NONE when the key is unique among siblings, else its ordinal */
    if (n <= 64) {
        uint32_t sig[64];
        for (i = 0; i < n; i++) {
            const unsigned char *k = (const unsigned char *)kps[i];
            sig[i] = (uint32_t)kls[i] << 16;
            if (kls[i])
                sig[i] ^= (uint32_t)k[0] << 8 ^ k[kls[i] - 1] ^ (uint32_t)k[kls[i] / 2] << 4;
        }
        for (i = 0; i < n; i++) {
            uint32_t ord = 0, dup = 0;
            for (uint32_t j = 0; j < n; j++) {
                if (j == i || sig[j] != sig[i] || kls[j] != kls[i] ||
                    memcmp(kps[j], kps[i], kls[i]) != 0)
                    continue;
                dup = 1;
                if (j < i) ord++;
            }
            bx->scratch[sb + 2 * i + 1] = dup ? ord : NONE;
        }
    } else {
        /* many siblings: hash table of keys to counts, then ordinals in order */
        uint32_t cap = 1;
        while (cap < n * 2) cap *= 2;
        uint32_t *slot = calloc(cap, sizeof *slot), *cnt = calloc(n, sizeof *cnt),
                 *first = malloc(n * sizeof *first);
        if (!slot || !cnt || !first) {
            free(slot);
            free(cnt);
            free(first);
            rc = WARD_ENOMEM;
            goto out;
        }
        for (i = 0; i < n; i++) {
            uint32_t h = (uint32_t)ward_hash64(kps[i], kls[i], 0) & (cap - 1);
            for (;;) {
                uint32_t s = slot[h];
                if (!s) {
                    slot[h] = i + 1;
                    first[i] = i;
                    break;
                }
                if (kls[s - 1] == kls[i] && memcmp(kps[s - 1], kps[i], kls[i]) == 0) {
                    first[i] = s - 1;
                    break;
                }
                h = (h + 1) & (cap - 1);
            }
            bx->scratch[sb + 2 * i + 1] = cnt[first[i]]++;
        }
        for (i = 0; i < n; i++)
            if (cnt[first[i]] == 1) bx->scratch[sb + 2 * i + 1] = NONE;
        free(slot);
        free(cnt);
        free(first);
    }
    size_t base = f->klen;
    for (i = 0; i < n && !rc; i++) {
        uint32_t c = bx->scratch[sb + 2 * i];
        uint32_t ord = bx->scratch[sb + 2 * i + 1];
        rc = key_put(f, ".", 1);
        if (!rc) rc = key_put(f, kps[i], kls[i]);
        if (!rc && ord != NONE) {
            char num[24];
            num[0] = '.';
            size_t nl = 1 + fmt_u64(num + 1, ord);
            rc = key_put(f, num, nl);
        }
        if (!rc) rc = flatten_elem(f, c);
        f->klen = base;
    }
out:
    if (kps != kps_local) free(kps);
    if (kls != kls_local) free(kls);
    bx->scratch_len = sb;
    return rc;
}

static int flatten_elem(struct flat *f, uint32_t e)
{
    struct evtx_bx *bx = f->bx;
    size_t base = f->klen;
    uint32_t skip = data_name_attr(bx, e);
    int nattrs = 0, rc;
    for (uint32_t a = bx->nodes[e].afirst; a != NONE; a = bx->nodes[a].next) {
        if (a == skip) continue;
        const struct evtx_node *an = &bx->nodes[a];
        if ((an->flags & NF_OPTNULL) && !has_values(bx, a)) continue; /* dropped */
        rc = key_put(f, ".#attributes.", 13);
        if (!rc) rc = key_put(f, bx->names + an->off, an->len);
        if (!rc) rc = emit_values(f, a);
        f->klen = base;
        if (rc) return rc;
        nattrs++;
    }
    int elems = 0, text = has_values(bx, e);
    for (uint32_t c = bx->nodes[e].first; c != NONE; c = bx->nodes[c].next)
        if (bx->nodes[c].kind == EN_ELEM) {
            elems = 1;
            break;
        }
    if (!nattrs && !elems) {
        if (!text) return emit(f, EMPTY, 0, WARD_V_NULL, NULL);
        return emit_values(f, e);
    }
    if (elems && (rc = flatten_children(f, e))) return rc;
    if (text) {
        rc = key_put(f, ".#text", 6);
        if (!rc) rc = emit_values(f, e);
        f->klen = base;
        if (rc) return rc;
    }
    return 0;
}

/* ---- compiled templates --------------------------------------------------------------------- */

static uint8_t sub_sig(const struct evtx_sub *s)
{
    return (s->type == 0x00 || (s->len == 0 && s->type != 0x01 && s->type != 0x02)) ? 0 : s->type;
}

/*
 * Reads the template instances of a record without expanding them: the fragment at pos
 * must be one template instance, and every BinXML value in it the same, recursively.
 * Fills bx->inst, bx->subs and the signature. Returns 0 when the record fits, else -1.
 */
static int preparse(struct evtx_bx *bx, uint32_t pos, uint32_t end, int depth)
{
    uint32_t p = pos, def, dsize, count, vend;
    if (depth > 8 || bx->ninst >= 64) return -1;
    if ((uint64_t)p + 4 <= end && bx->c[p] == 0x0f) p += 4;
    if (p >= end || bx->c[p] != 0x0c) return -1;
    if (instance_head(bx, p, end, &def, &dsize, &count, &vend) != 0) return -1;
    if (vend >= end || bx->c[vend] != 0x00 || count > 65535) return -1;
    size_t need = bx->siglen + 8 + count;
    if (grow((void **)&bx->sigbuf, &bx->sigcap, need, 1)) return -1;
    if (grow((void **)&bx->inst, &bx->inst_cap, bx->ninst + 1, sizeof *bx->inst)) return -1;
    uint32_t sbase = bx->nsubs;
    bx->inst[bx->ninst].pos = p;
    bx->inst[bx->ninst].sbase = sbase;
    bx->ninst++;
    bx->nsubs += count;
    uint8_t *sg = bx->sigbuf + bx->siglen;
    memcpy(sg, &def, 4);
    memcpy(sg + 4, &count, 4);
    for (uint32_t i = 0; i < count; i++) sg[8 + i] = sub_sig(&bx->subs[sbase + i]);
    bx->siglen = need;
    for (uint32_t i = 0; i < count; i++) {
        struct evtx_sub sb = bx->subs[sbase + i];
        if (sb.type & 0x80) return -1;
        if (sb.type == 0x21 && sb.len && preparse(bx, sb.off, sb.off + sb.len, depth + 1))
            return -1;
    }
    return 0;
}

static struct evtx_plan **plan_slot(struct evtx_bx *bx, uint64_t h)
{
    if (!bx->plans_cap) return NULL;
    uint32_t i = (uint32_t)h & (bx->plans_cap - 1);
    while (bx->plans[i]) {
        const struct evtx_plan *pl = bx->plans[i];
        if (pl->hash == h && pl->siglen == bx->siglen &&
            memcmp(pl->sig, bx->sigbuf, bx->siglen) == 0)
            break;
        i = (i + 1) & (bx->plans_cap - 1);
    }
    return &bx->plans[i];
}

/* Keeps the fields just recorded as the plan of this record shape (best effort: a plan
 * that cannot be stored is simply not used). */
static void plan_store(struct evtx_bx *bx, uint64_t h)
{
    if (!bx->plans_cap) {
        bx->plans = calloc(512, sizeof *bx->plans);
        if (!bx->plans) return;
        bx->plans_cap = 512;
    }
    struct evtx_plan **slot = plan_slot(bx, h);
    if (*slot || bx->nplans >= bx->plans_cap / 2) return;
    struct ward_arena *a = &bx->plan_arena;
    struct evtx_plan *pl = ward_arena_alloc(a, sizeof *pl);
    uint8_t *sig = ward_arena_alloc(a, bx->siglen + 1);
    struct evtx_pentry *e = ward_arena_alloc(a, bx->npe * sizeof *e);
    char *keys = ward_arena_alloc(a, bx->pkeys_len + 1);
    char *text = ward_arena_alloc(a, bx->ptext_len + 1);
    if (!pl || !sig || !e || !keys || !text) return;
    memcpy(sig, bx->sigbuf, bx->siglen);
    memcpy(e, bx->pe, bx->npe * sizeof *e);
    memcpy(keys, bx->pkeys, bx->pkeys_len);
    memcpy(text, bx->ptext, bx->ptext_len);
    pl->hash = h;
    pl->siglen = (uint32_t)bx->siglen;
    pl->ne = (uint32_t)bx->npe;
    pl->sig = sig;
    pl->e = e;
    pl->keys = keys;
    pl->text = text;
    bx->nplans++;
    *slot = pl;
}

/* The fast path: renders the values a plan names and adds its fields. */
static int plan_run(struct evtx_bx *bx, const struct evtx_plan *pl, struct ward_event *ev)
{
    int rc;
    if (grow((void **)&bx->rv, &bx->rv_cap, pl->ne + 1, sizeof *bx->rv)) return WARD_ENOMEM;
    /* all values first: the text may move while it grows */
    for (uint32_t i = 0; i < pl->ne; i++) {
        const struct evtx_pentry *e = &pl->e[i];
        if (e->kind != PE_SUB) continue;
        if (e->inst >= bx->ninst) return WARD_ECORRUPT;
        const struct evtx_sub *sb = &bx->psubs[bx->inst[e->inst].sbase + e->idx];
        if ((rc = render_scalar(bx, sb->type, bx->c + sb->off, sb->len, 0, &bx->rv[i]))) return rc;
        bx->rv[i].len = bx->txt_len - bx->rv[i].start;
    }
    for (uint32_t i = 0; i < pl->ne; i++) {
        const struct evtx_pentry *e = &pl->e[i];
        const char *key = pl->keys + e->koff;
        if (e->kind == PE_NULL) {
            rc = emit_kv(bx, ev, key, e->klen, EMPTY, 0, WARD_V_NULL, 0, 0);
        } else if (e->kind == PE_TEXT) {
            rc = emit_kv(bx, ev, key, e->klen, pl->text + e->toff, e->tlen, e->vtype, 0, 0);
        } else {
            const struct rendered *r = &bx->rv[i];
            rc =
                emit_kv(bx, ev, key, e->klen, bx->txt + r->start, r->len, r->vtype, r->flags, r->t);
        }
        if (rc) return rc;
    }
    return 0;
}

int evtx_bx_record(struct evtx_bx *bx, uint32_t pos, uint32_t end, struct ward_event *ev)
{
    bx->nnodes = 0;
    bx->txt_len = 0;
    bx->nsubs = 0;
    bx->tokens = 0;
    bx->scratch_len = 0;
    bx->msg[0] = '\0';
    /* a record whose shape (template instances, value types, null values) was seen before
     * in this chunk takes the fast path */
    int fit = 0;
    uint64_t h = 0;
    bx->ninst = 0;
    bx->cur_inst = NONE;
    if (evtx_use_plans) {
        bx->siglen = 0;
        fit = preparse(bx, pos, end, 0) == 0;
        /* the pre-parsed values move aside; the tree path reads its own */
        struct evtx_sub *t = bx->psubs;
        uint32_t tc = bx->psubs_cap;
        bx->psubs = bx->subs;
        bx->psubs_cap = bx->subs_cap;
        bx->subs = t;
        bx->subs_cap = tc;
        bx->nsubs = 0;
        if (fit) {
            h = ward_hash64(bx->sigbuf, bx->siglen, 0);
            struct evtx_plan **slot = plan_slot(bx, h);
            if (slot && *slot) return plan_run(bx, *slot, ev);
        } else {
            bx->ninst = 0;
        }
        bx->msg[0] = '\0';
    }
    bx->plan_ok = fit;
    bx->recording = fit;
    bx->npe = bx->pkeys_len = bx->ptext_len = 0;
    uint32_t root, endp;
    int rc = new_node(bx, NONE, EN_ELEM, &root);
    if (rc) return rc;
    rc = parse_fragment(bx, pos, end, 0, 0, root, 0, &endp);
    if (rc) {
        if (rc == WARD_ENOMEM && !bx->msg[0]) snprintf(bx->msg, sizeof bx->msg, "out of memory");
        return rc;
    }
    /* room to join multi-piece values without moving the text that fields point to */
    if ((rc = txt_reserve(bx, bx->txt_len + 1))) return rc;
    struct flat f = {bx, ev, 0};
    if (grow((void **)&bx->key, &bx->key_cap, 256, 1)) return WARD_ENOMEM;
    int any = 0;
    for (uint32_t c = bx->nodes[root].first; c != NONE; c = bx->nodes[c].next) {
        if (bx->nodes[c].kind != EN_ELEM) continue;
        f.klen = 0;
        rc = key_put(&f, bx->names + bx->nodes[c].off, bx->nodes[c].len);
        if (!rc) rc = flatten_elem(&f, c);
        if (rc) return rc;
        any = 1;
    }
    if (!any) {
        snprintf(bx->msg, sizeof bx->msg, "the record holds no XML element");
        return WARD_ECORRUPT;
    }
    bx->recording = 0;
    if (fit && bx->plan_ok && bx->npe) plan_store(bx, h);
    return 0;
}

size_t evtx_bx_bytes(const struct evtx_bx *bx)
{
    return (size_t)bx->nc_cap * 3 * sizeof(uint32_t) + bx->names_cap +
           (size_t)bx->nodes_cap * sizeof *bx->nodes + bx->txt_cap +
           (size_t)bx->subs_cap * sizeof *bx->subs + bx->key_cap +
           bx->scratch_cap * sizeof *bx->scratch + (size_t)bx->plans_cap * sizeof *bx->plans +
           bx->pe_cap * sizeof *bx->pe + bx->pkeys_cap + bx->ptext_cap +
           bx->rv_cap * sizeof *bx->rv + bx->inst_cap * sizeof *bx->inst +
           (size_t)bx->psubs_cap * sizeof *bx->psubs + bx->sigcap + bx->plan_arena.total;
}
