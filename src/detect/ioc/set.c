/*
 * set.c - the indicator set: storage of indicators and problems, compilation into one
 * open-addressing hash table of exact keys (hashes, domains, URLs, e-mail addresses, single
 * IP addresses; the type is part of the hash) and two binary prefix trees for CIDR ranges,
 * and the matcher that tokenises event values and looks tokens up by their shape.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioc_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define PROBLEM_TEXT_MAX 300

int ward_ioc_set_new(struct ward_ioc_set **out)
{
    struct ward_ioc_set *s = calloc(1, sizeof *s);
    if (!s) return WARD_ENOMEM;
    ward_arena_init(&s->arena, 1 << 20, 0);
    *out = s;
    return 0;
}

void ward_ioc_set_free(struct ward_ioc_set *set)
{
    if (!set) return;
    ward_arena_free(&set->arena);
    free(set->iocs);
    free(set->problems);
    free(set->slots);
    free(set->bloom);
    free(set->v4_jump);
    free(set->tld);
    free(set->next);
    free(set->trie[0].nodes);
    free(set->trie[1].nodes);
    free(set);
}

void ward_ioc_load_opts_default(struct ward_ioc_load_opts *o)
{
    memset(o, 0, sizeof *o);
    o->confidence = -1;
}

const char *ioc_strdup(struct ward_ioc_set *set, const char *s, size_t n)
{
    if (!s) return NULL;
    return ward_arena_strndup(&set->arena, s, n);
}

struct ward_ioc_meta *ioc_meta_new(struct ward_ioc_set *set)
{
    struct ward_ioc_meta *m = ward_arena_alloc(&set->arena, sizeof *m);
    if (!m) return NULL;
    memset(m, 0, sizeof *m);
    m->valid_from = m->valid_until = m->first_seen = m->last_seen = WARD_TIME_NONE;
    m->confidence = -1;
    return m;
}

const char *ioc_source(struct ward_ioc_set *set, const char *src)
{
    if (!src) return NULL;
    if (set->last_source_in && strcmp(set->last_source_in, src) == 0) return set->last_source;
    const char *c = ioc_strdup(set, src, strlen(src));
    set->last_source_in = c;
    set->last_source = c;
    return c;
}

int ioc_problem(struct ward_ioc_set *set, enum ward_ioc_problem_kind kind, const char *source,
                uint64_t line, const char *id, const char *text, size_t text_len, int partial,
                const char *fmt, ...)
{
    if (set->nproblems == set->problems_cap) {
        size_t nc = set->problems_cap ? set->problems_cap * 2 : 64;
        struct ward_ioc_problem *np = realloc(set->problems, nc * sizeof *np);
        if (!np) return WARD_ENOMEM;
        set->problems = np;
        set->problems_cap = nc;
    }
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    struct ward_ioc_problem *p = &set->problems[set->nproblems];
    p->source = ioc_source(set, source);
    p->line = line;
    p->id = id ? ioc_strdup(set, id, strlen(id)) : NULL;
    if (text && text_len > PROBLEM_TEXT_MAX) text_len = PROBLEM_TEXT_MAX;
    p->text = text ? ioc_strdup(set, text, text_len) : NULL;
    if (p->text) /* one line: control characters become spaces */
        for (char *c = (char *)(uintptr_t)p->text; *c; c++)
            if ((unsigned char)*c < 0x20) *c = ' ';
    p->reason = ioc_strdup(set, reason, strlen(reason));
    p->kind = (uint8_t)kind;
    p->partial = (uint8_t)(partial != 0);
    if (!p->reason || (source && !p->source)) return WARD_ENOMEM;
    set->nproblems++;
    switch (kind) {
    case WARD_IOC_UNSUPPORTED: set->stats.unsupported++; break;
    case WARD_IOC_INVALID: set->stats.invalid++; break;
    case WARD_IOC_SKIPPED: set->stats.skipped++; break;
    case WARD_IOC_FILE_ERROR: set->stats.file_errors++; break;
    }
    return 0;
}

int ioc_add_value(struct ward_ioc_set *set, int type, const char *value, size_t n,
                  const struct ward_ioc_meta *meta, const char **why)
{
    static const char *dummy;
    if (!why) why = &dummy;
    if (set->compiled) return *why = "the set is compiled", WARD_ESTATE;
    if (n > 65536) return *why = "value longer than 64 KiB", WARD_EINVAL;
    char stackbuf[1024];
    char *buf = stackbuf;
    size_t cap = n + 64;
    if (cap > sizeof stackbuf) {
        buf = malloc(cap);
        if (!buf) return WARD_ENOMEM;
    }
    if (type < 0) type = ward_ioc_guess_type(value, n);
    if (type == -1 || type >= WARD_IOC_NTYPES) {
        if (buf != stackbuf) free(buf);
        return *why = "not a value of a type ward matches (IP, CIDR, domain, URL, hash, e-mail)",
               WARD_EINVAL;
    }
    long len = ward_ioc_normalize((enum ward_ioc_type)type, value, n, buf, cap, why);
    if (len < 0) {
        if (buf != stackbuf) free(buf);
        return (int)len;
    }
    if (set->n == set->cap) {
        size_t nc = set->cap ? set->cap * 2 : 1024;
        struct ward_ioc *ni = realloc(set->iocs, nc * sizeof *ni);
        if (!ni) {
            if (buf != stackbuf) free(buf);
            return WARD_ENOMEM;
        }
        set->iocs = ni;
        set->cap = nc;
    }
    struct ward_ioc *ioc = &set->iocs[set->n];
    memset(ioc, 0, sizeof *ioc);
    ioc->value = ioc_strdup(set, buf, (size_t)len);
    if (buf != stackbuf) free(buf);
    if (!ioc->value) return WARD_ENOMEM;
    ioc->vlen = (uint32_t)len;
    ioc->type = (uint8_t)type;
    ioc->meta = meta;
    if (type == WARD_IOC_IPV4 || type == WARD_IOC_IPV6) {
        uint8_t a[16];
        int fam, pfx;
        if (ward_ioc_parse_ip(ioc->value, ioc->vlen, a, &fam, &pfx)) return WARD_EINVAL;
        ioc->prefix = (uint8_t)pfx;
        if (pfx < (fam == 4 ? 32 : 128)) {
            ioc->flags |= WARD_IOC_F_FROM_CIDR;
            set->stats.cidrs[fam == 4 ? 0 : 1]++;
        }
    }
    set->n++;
    set->stats.values[type]++;
    set->stats.total++;
    return 0;
}

const struct ward_ioc_meta *ward_ioc_meta_copy(struct ward_ioc_set *set,
                                               const struct ward_ioc_meta *meta)
{
    struct ward_ioc_meta *m = ioc_meta_new(set);
    if (!m) return NULL;
    if (meta) {
        *m = *meta;
        m->source = meta->source ? ioc_source(set, meta->source) : NULL;
#define DUP(f)                                                                                     \
    do {                                                                                           \
        m->f = meta->f ? ioc_strdup(set, meta->f, strlen(meta->f)) : NULL;                         \
        if (meta->f && !m->f) return NULL;                                                         \
    } while (0)
        DUP(id);
        DUP(name);
        DUP(labels);
        DUP(pattern);
        DUP(event);
#undef DUP
        if (meta->source && !m->source) return NULL;
    }
    return m;
}

int ward_ioc_add_shared(struct ward_ioc_set *set, int type, const char *value, size_t n,
                        const struct ward_ioc_meta *meta, struct ward_err *err)
{
    const char *why = NULL;
    int rc = ioc_add_value(set, type, value, n, meta, &why);
    if (rc) ward_err_set(err, rc, "%s", why ? why : ward_strerror(rc));
    return rc;
}

int ward_ioc_add(struct ward_ioc_set *set, int type, const char *value, size_t n,
                 const struct ward_ioc_meta *meta, struct ward_err *err)
{
    const struct ward_ioc_meta *m = ward_ioc_meta_copy(set, meta);
    if (!m) return WARD_ENOMEM;
    return ward_ioc_add_shared(set, type, value, n, m, err);
}

/* ---- compile ---------------------------------------------------------------------------- */

static void init_cls(void);

static uint64_t type_seed(int type)
{
    return 0x9e3779b97f4a7c15ULL * (uint64_t)(type + 1);
}

static inline uint64_t mix64(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* ASCII-lower 8 bytes at once: 0x20 added to each byte in 'A'..'Z' */
static inline uint64_t lower8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t h = x & (0x7f * ones);
    uint64_t ge_a = h + (0x80 - 'A') * ones;
    uint64_t gt_z = h + (0x80 - 'Z' - 1) * ones;
    uint64_t upper = (ge_a ^ gt_z) & ~x & (0x80 * ones);
    return x | (upper >> 2);
}

/* The set's key hash: case-insensitive (ASCII), fast on short keys. */
static uint64_t key_hash(const char *p, size_t n, uint64_t seed)
{
    uint64_t h = seed ^ (n * 0xC2B2AE3D27D4EB4FULL);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = mix64(h ^ lower8(v), 0x9E3779B97F4A7C15ULL);
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = 0;
        memcpy(&v, p, n);
        h = mix64(h ^ lower8(v), 0xC2B2AE3D27D4EB4FULL);
    }
    return mix64(h, 0x9E3779B97F4A7C15ULL ^ (h >> 29));
}

/* A blocked Bloom filter: the three bits of a key are in one 64-bit word, so a miss costs
 * one cache line, not three (with 16 bits per key about 1.5% of misses get through). */
static inline uint64_t bloom_bits3(uint64_t g)
{
    return (1ULL << (g & 63)) | (1ULL << ((g >> 6) & 63)) | (1ULL << ((g >> 12) & 63));
}

static inline int bloom_maybe(const struct ward_ioc_set *set, uint64_t h)
{
    uint64_t g = h * 0x9E3779B97F4A7C15ULL;
    uint64_t want = bloom_bits3(g >> 18);
    return (set->bloom[(g >> 40) & ((set->bloom_bits >> 6) - 1)] & want) == want;
}

static inline void bloom_add(struct ward_ioc_set *set, uint64_t h)
{
    uint64_t g = h * 0x9E3779B97F4A7C15ULL;
    set->bloom[(g >> 40) & ((set->bloom_bits >> 6) - 1)] |= bloom_bits3(g >> 18);
}

/* The hash of a last label (ASCII case-insensitive): labels of up to 8 bytes (almost all
 * TLDs) from two overlapping loads, without the key hash's rounds. */
static inline uint64_t tld_hash(const char *t, size_t n)
{
    uint64_t x;
    if (n > 8) return key_hash(t, n, 7);
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, t, 4);
        memcpy(&b, t + n - 4, 4);
        x = lower8((uint64_t)a | ((uint64_t)b << 32));
    } else if (n) { /* the first, middle and last bytes: all of 1 to 3 */
        x = lower8((uint64_t)(unsigned char)t[0] | (uint64_t)(unsigned char)t[n >> 1] << 8 |
                   (uint64_t)(unsigned char)t[n - 1] << 16);
    } else {
        x = 0;
    }
    return mix64(x ^ ((uint64_t)n << 59), 0x9E3779B97F4A7C15ULL);
}

/* the TLD filter: domain tokens whose last label no indicator has are not looked up */
static void tld_add(struct ward_ioc_set *set, const char *d, size_t n)
{
    const char *dot = memrchr(d, '.', n);
    const char *t = dot ? dot + 1 : d;
    uint64_t h = tld_hash(t, n - (size_t)(t - d)) | 1;
    if (set->tld_hash[0] == UINT64_MAX && set->tld_hash[1] == UINT64_MAX) return; /* full */
    for (size_t i = (size_t)h & (IOC_TLD_SLOTS - 1), k = 0; k < IOC_TLD_SLOTS;
         i = (i + 1) & (IOC_TLD_SLOTS - 1), k++) {
        if (set->tld_hash[i] == h) return;
        if (!set->tld_hash[i]) {
            set->tld_hash[i] = h;
            return;
        }
    }
    /* table full: more than 4096 distinct TLDs; let everything through */
    set->tld_hash[0] = 0;
    memset(set->tld_hash, 0xff, sizeof set->tld_hash);
}

static int tld_known(const struct ward_ioc_set *set, const char *t, size_t n)
{
    if (set->tld_all) return 1;
    if (!set->tld) return 0;
    uint32_t h = (uint32_t)(tld_hash(t, n) >> 32) | 1;
    for (uint32_t i = h & set->tld_mask;; i = (i + 1) & set->tld_mask) {
        if (set->tld[i] == h) return 1;
        if (!set->tld[i]) return 0;
    }
}

/* The TLD filter in a table sized to the TLDs there are (a few dozen usually: a few hundred
 * bytes that stay in L1, instead of the 32 KB build table). */
static int tld_finish(struct ward_ioc_set *set)
{
    if (set->tld_hash[0] == UINT64_MAX && set->tld_hash[1] == UINT64_MAX) {
        set->tld_all = 1;
        return 0;
    }
    size_t n = 0;
    for (size_t i = 0; i < IOC_TLD_SLOTS; i++) n += set->tld_hash[i] != 0;
    if (!n) return 0;
    uint32_t slots = 8;
    while (slots < 2 * n) slots <<= 1;
    set->tld = calloc(slots, sizeof *set->tld);
    if (!set->tld) return WARD_ENOMEM;
    set->tld_mask = slots - 1;
    for (size_t i = 0; i < IOC_TLD_SLOTS; i++) {
        if (!set->tld_hash[i]) continue;
        uint32_t h = (uint32_t)(set->tld_hash[i] >> 32) | 1;
        uint32_t k = h & set->tld_mask;
        while (set->tld[k] && set->tld[k] != h) k = (k + 1) & set->tld_mask;
        set->tld[k] = h;
    }
    return 0;
}

static int trie_node(struct ioc_trie *t, uint32_t *out)
{
    if (t->n == t->cap) {
        uint32_t nc = t->cap ? t->cap * 2 : 256;
        struct ioc_trie_node *nn = realloc(t->nodes, (size_t)nc * sizeof *nn);
        if (!nn) return WARD_ENOMEM;
        t->nodes = nn;
        t->cap = nc;
    }
    memset(&t->nodes[t->n], 0, sizeof t->nodes[0]);
    *out = t->n++;
    return 0;
}

static int trie_insert(struct ward_ioc_set *set, struct ioc_trie *t, const uint8_t *addr,
                       int prefix, uint32_t idx)
{
    uint32_t node = 0;
    if (t->n == 0 && trie_node(t, &node)) return WARD_ENOMEM;
    for (int b = 0; b < prefix; b++) {
        int bit = (addr[b >> 3] >> (7 - (b & 7))) & 1;
        if (!t->nodes[node].child[bit]) {
            uint32_t nn;
            if (trie_node(t, &nn)) return WARD_ENOMEM;
            t->nodes[node].child[bit] = nn;
        }
        node = t->nodes[node].child[bit];
    }
    set->next[idx] = t->nodes[node].head;
    t->nodes[node].head = idx + 1;
    return 0;
}

int ward_ioc_set_compile(struct ward_ioc_set *set)
{
    if (set->compiled) return 0;
    init_cls(); /* before any thread matches */
    size_t nslots = 16;
    while (nslots < set->n * 2) nslots <<= 1;
    set->slots = calloc(nslots, sizeof *set->slots);
    set->next = calloc(set->n ? set->n : 1, sizeof *set->next);
    size_t bits = 1 << 12;
    while (bits < set->n * 16) bits <<= 1;
    set->bloom = calloc(bits / 64, sizeof *set->bloom);
    if (!set->slots || !set->next || !set->bloom) return WARD_ENOMEM;
    set->bloom_bits = bits;
    set->nslots = nslots;
    for (size_t i = 0; i < set->n; i++) {
        struct ward_ioc *ioc = &set->iocs[i];
        set->type_mask |= 1u << ioc->type;
        if (ioc->flags & WARD_IOC_F_FROM_CIDR) {
            uint8_t a[16];
            int fam, pfx;
            if (ward_ioc_parse_ip(ioc->value, ioc->vlen, a, &fam, &pfx)) continue;
            if (trie_insert(set, &set->trie[fam == 4 ? 0 : 1], a, pfx, (uint32_t)i))
                return WARD_ENOMEM;
            continue;
        }
        uint64_t h = key_hash(ioc->value, ioc->vlen, type_seed(ioc->type));
        bloom_add(set, h);
        if (ioc->type == WARD_IOC_DOMAIN) {
            tld_add(set, ioc->value, ioc->vlen);
            if (!memchr(ioc->value, '.', ioc->vlen)) set->bare_labels = 1;
        }
        size_t slot = (size_t)h & (nslots - 1);
        uint32_t tag = (uint32_t)(h >> 32);
        for (;;) {
            uint32_t si = set->slots[slot].idx;
            if (si == 0) {
                set->slots[slot].tag = tag;
                set->slots[slot].idx = (uint32_t)i + 1;
                break;
            }
            const struct ward_ioc *o = &set->iocs[si - 1];
            if (set->slots[slot].tag == tag && o->type == ioc->type && o->vlen == ioc->vlen &&
                memcmp(o->value, ioc->value, ioc->vlen) == 0) {
                /* the same key again (another source): chain it after the first */
                set->next[i] = set->next[si - 1];
                set->next[si - 1] = (uint32_t)i + 1;
                break;
            }
            slot = (slot + 1) & (nslots - 1);
        }
    }
    /* the IPv4 jump table, when every range is /16 or longer */
    const struct ioc_trie *t4 = &set->trie[0];
    int shallow = 0;
    if (t4->n) {
        /* a range shorter than /16 ends at a node of depth < 16: look for heads there */
        uint32_t level[2][256];
        size_t nl = 1;
        level[0][0] = 0;
        for (int d = 0; d < 16 && !shallow; d++) {
            /* breadth-first over at most 2^d nodes; depth 8 and more would be large, so only
             * the heads are checked through a walk per 16-bit slot below */
            if (d >= 8) break;
            size_t nn = 0;
            for (size_t i = 0; i < nl; i++) {
                const struct ioc_trie_node *nd = &t4->nodes[level[d & 1][i]];
                if (nd->head) shallow = 1;
                for (int c = 0; c < 2; c++)
                    if (nd->child[c] && nn < 256) level[(d + 1) & 1][nn++] = nd->child[c];
            }
            nl = nn;
        }
        if (!shallow) {
            set->v4_jump = calloc(65536, sizeof *set->v4_jump);
            if (!set->v4_jump) return WARD_ENOMEM;
            for (uint32_t slot = 0; slot < 65536 && !shallow; slot++) {
                uint32_t node = 0;
                int d;
                for (d = 0; d < 16; d++) {
                    if (d >= 8 && t4->nodes[node].head) shallow = 1;
                    node = t4->nodes[node].child[(slot >> (15 - d)) & 1];
                    if (!node) break;
                }
                if (d == 16) set->v4_jump[slot] = node + 1;
            }
            if (shallow) { /* a range between /8 and /15: the plain walk */
                free(set->v4_jump);
                set->v4_jump = NULL;
            }
        }
    }
    if (tld_finish(set)) return WARD_ENOMEM;
    set->compiled = 1;
    return 0;
}

void ward_ioc_set_validity(struct ward_ioc_set *set, enum ward_ioc_validity mode)
{
    set->validity = (uint8_t)mode;
}

const struct ward_ioc_stats *ward_ioc_set_stats(const struct ward_ioc_set *set)
{
    return &set->stats;
}
size_t ward_ioc_set_count(const struct ward_ioc_set *set)
{
    return set->n;
}
const struct ward_ioc *ward_ioc_set_get(const struct ward_ioc_set *set, size_t i)
{
    return i < set->n ? &set->iocs[i] : NULL;
}
size_t ward_ioc_set_problem_count(const struct ward_ioc_set *set)
{
    return set->nproblems;
}
const struct ward_ioc_problem *ward_ioc_set_problem(const struct ward_ioc_set *set, size_t i)
{
    return i < set->nproblems ? &set->problems[i] : NULL;
}

size_t ward_ioc_set_memory(const struct ward_ioc_set *set)
{
    size_t m = sizeof *set + set->arena.total + set->cap * sizeof *set->iocs +
               set->problems_cap * sizeof *set->problems;
    m += set->nslots * sizeof *set->slots + set->bloom_bits / 8;
    if (set->next) m += set->n * sizeof *set->next;
    m += (size_t)(set->trie[0].cap + set->trie[1].cap) * sizeof(struct ioc_trie_node);
    return m;
}

/* ---- matching --------------------------------------------------------------------------- */

#define FIELD_SEEN_MAX 32

struct match_state {
    const struct ward_ioc_set *set;
    const char *key;
    struct ward_str field;
    ward_time_t ts;
    ward_ioc_hit_fn fn;
    void *ctx;
    int hits;
    int stop;
    uint32_t seen[FIELD_SEEN_MAX];
    int nseen;
    int plain; /* the reference matcher: no filter in front of the lookups */
};

static int valid_at(const struct ward_ioc_set *set, const struct ward_ioc_meta *m, ward_time_t ts)
{
    if (!m || ts == WARD_TIME_NONE || set->validity == WARD_IOC_VALID_IGNORE) return 1;
    if (set->validity == WARD_IOC_VALID_STRICT && m->valid_from != WARD_TIME_NONE &&
        ts < m->valid_from)
        return 0;
    if (m->valid_until != WARD_TIME_NONE && ts >= m->valid_until) return 0;
    return 1;
}

/* Reports the chain of indicators starting at head (index + 1). */
static void report_chain(struct match_state *st, uint32_t head, const char *tok, size_t tlen)
{
    const struct ward_ioc_set *set = st->set;
    for (uint32_t i = head; i && !st->stop; i = set->next[i - 1]) {
        const struct ward_ioc *ioc = &set->iocs[i - 1];
        if (!valid_at(set, ioc->meta, st->ts)) continue;
        int dup = 0;
        for (int k = 0; k < st->nseen; k++)
            if (st->seen[k] == i) dup = 1;
        if (dup) continue;
        if (st->nseen < FIELD_SEEN_MAX) st->seen[st->nseen++] = i;
        struct ward_ioc_hit hit = {ioc, st->key, ward_str_make(tok, tlen), st->field};
        st->hits++;
        if (st->fn && st->fn(st->ctx, &hit)) st->stop = 1;
    }
}

/* Looks up an exact key (compared ASCII case-insensitively except URL paths). */
static void lookup_h(struct match_state *st, int type, const char *key, size_t klen,
                     const char *tok, size_t tlen, uint64_t h)
{
    const struct ward_ioc_set *set = st->set;
    if (!bloom_maybe(set, h)) return;
    size_t mask = set->nslots - 1;
    uint32_t tag = (uint32_t)(h >> 32);
    for (size_t slot = (size_t)h & mask;; slot = (slot + 1) & mask) {
        uint32_t si = set->slots[slot].idx;
        if (!si) return;
        if (set->slots[slot].tag != tag) continue;
        const struct ward_ioc *o = &set->iocs[si - 1];
        if (o->type != type || o->vlen != klen) continue;
        int same = type == WARD_IOC_URL
                       ? memcmp(o->value, key, klen) == 0
                       : ward_str_ieq(ward_str_make(o->value, klen), ward_str_make(key, klen));
        if (!same) continue;
        report_chain(st, si, tok, tlen);
        return;
    }
}

static void lookup(struct match_state *st, int type, const char *key, size_t klen, const char *tok,
                   size_t tlen)
{
    if (!(st->set->type_mask & (1u << type))) return;
    lookup_h(st, type, key, klen, tok, tlen, key_hash(key, klen, type_seed(type)));
}

static inline void bloom_prefetch(const struct ward_ioc_set *set, uint64_t h)
{
    uint64_t g = h * 0x9E3779B97F4A7C15ULL;
    __builtin_prefetch(&set->bloom[(g >> 40) & ((set->bloom_bits >> 6) - 1)]);
}

static void trie_lookup(struct match_state *st, int fam, const uint8_t *addr, const char *tok,
                        size_t tlen)
{
    const struct ioc_trie *t = &st->set->trie[fam == 4 ? 0 : 1];
    if (!t->n) return;
    int bits = fam == 4 ? 32 : 128;
    uint32_t node = 0;
    int b0 = 0;
    if (fam == 4 && st->set->v4_jump) {
        uint32_t j = st->set->v4_jump[((unsigned)addr[0] << 8) | addr[1]];
        if (!j) return;
        node = j - 1;
        b0 = 16;
    }
    for (int b = b0;; b++) {
        if (t->nodes[node].head) report_chain(st, t->nodes[node].head, tok, tlen);
        if (b >= bits || st->stop) break;
        int bit = (addr[b >> 3] >> (7 - (b & 7))) & 1;
        node = t->nodes[node].child[bit];
        if (!node) break;
    }
}

static void match_ip(struct match_state *st, const char *s, size_t n, const char *tok, size_t tlen)
{
    uint8_t a[16];
    int fam, pfx;
    if (ward_ioc_parse_ip(s, n, a, &fam, &pfx) || pfx != (fam == 4 ? 32 : 128)) return;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    int dotted = fam == 4;
    if (fam == 6 && memcmp(a, mapped, 12) == 0) {
        /* ::ffff:a.b.c.d (Windows logs write IPv4 peers so): the IPv4 address */
        memmove(a, a + 12, 4);
        memset(a + 4, 0, 12);
        fam = 4;
    }
    int type = fam == 4 ? WARD_IOC_IPV4 : WARD_IOC_IPV6;
    if (dotted) {
        /* parse_ip takes dotted quads without leading zeros only: the text is canonical */
        lookup(st, type, s, n, tok, tlen);
    } else if (st->set->type_mask & (1u << type)) {
        char buf[INET6_ADDRSTRLEN];
        if (inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, buf, sizeof buf))
            lookup(st, type, buf, strlen(buf), tok, tlen);
    }
    trie_lookup(st, fam, a, tok, tlen);
}

static void match_domain(struct match_state *st, const char *s, size_t n, const char *tok,
                         size_t tlen)
{
    if (n && s[n - 1] == '.') n--;
    if (n < 3 || n > 253) return;
    const char *last = memrchr(s, '.', n);
    if (last && !st->plain && !tld_known(st->set, last + 1, n - (size_t)(last - s) - 1)) return;
    /* the name and each parent name, down to two labels... and the last label itself
     * when some domain indicator is a single label; hashed and their Bloom words prefetched
     * first, so the cache misses overlap */
    if (!(st->set->type_mask & (1u << WARD_IOC_DOMAIN))) return;
    size_t offs[16];
    uint64_t hs[16];
    size_t np = 0;
    for (size_t i = 0; i < n && np < 16;) {
        const char *dot = memchr(s + i, '.', n - i);
        if (!dot && !st->set->bare_labels && !st->plain) break;
        offs[np] = i;
        hs[np] = key_hash(s + i, n - i, type_seed(WARD_IOC_DOMAIN));
        bloom_prefetch(st->set, hs[np]);
        np++;
        if (!dot) break;
        i = (size_t)(dot - s) + 1;
    }
    for (size_t k = 0; k < np && !st->stop; k++)
        lookup_h(st, WARD_IOC_DOMAIN, s + offs[k], n - offs[k], tok, tlen, hs[k]);
    /* names of more than 16 labels: the rest one by one */
    if (np == 16)
        for (size_t i = offs[15]; i < n && !st->stop;) {
            const char *dot = memchr(s + i, '.', n - i);
            if (!dot) break;
            i = (size_t)(dot - s) + 1;
            if (!memchr(s + i, '.', n - i) && !st->set->bare_labels && !st->plain) break;
            lookup(st, WARD_IOC_DOMAIN, s + i, n - i, tok, tlen);
        }
}

enum {
    C_DELIM = 1,  /* splits tokens */
    C_UDELIM = 2, /* ends a URL token */
    C_HEX = 4,
    C_DIGIT = 8,
    C_ALPHA = 16,
    C_NAME = 32,    /* letters, digits, '-', '_' (and UTF-8 bytes) */
    C_SPECIAL = 64, /* '.', ':', '@': every address, name, URL or e-mail has one */
    C_COLAT = 128,  /* ':', '@', '/' */
};

static unsigned char cls[256];
/* the characters of a time after "hh:mm:" */
enum { T_TIME = 2 };
static unsigned char tsc[256];

static void init_cls(void)
{
    for (int c = 0; c < 256; c++) {
        unsigned char v = 0;
        if (c <= ' ' || c == '"' || c == '\'' || c == ',' || c == ';' || c == '(' || c == ')' ||
            c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '|' ||
            c == '=' || c == '\\' || c == '`' || c == '^' || c == '!' || c == '*' || c == 127)
            v |= C_DELIM;
        if (c <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == '\\' ||
            c == '|' || c == '^' || c == '{' || c == '}' || c == 127)
            v |= C_UDELIM;
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= C_HEX;
        if (c >= '0' && c <= '9') v |= C_DIGIT | C_NAME;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) v |= C_ALPHA | C_NAME;
        if (c == '-' || c == '_') v |= C_NAME;
        if (c == '.' || c == ':' || c == '@') v |= C_SPECIAL;
        if (c == ':' || c == '@' || c == '/') v |= C_COLAT;
        cls[c] = v;
        tsc[c] = (unsigned char)((c >= '0' && c <= '9') || c == '.' ? T_TIME : 0);
    }
}

static void match_url(struct match_state *st, const char *s, size_t n, size_t sep)
{
    /* the URL itself, normalised like the indicators */
    const struct ward_ioc_set *set = st->set;
    if (set->type_mask & (1u << WARD_IOC_URL) && n < 4096) {
        char buf[4100];
        long len = ward_ioc_normalize(WARD_IOC_URL, s, n, buf, sizeof buf, NULL);
        if (len > 0) lookup(st, WARD_IOC_URL, buf, (size_t)len, s, n);
    }
    /* its host as an address or a name */
    size_t hs = sep + 3, he = hs;
    while (he < n && s[he] != '/' && s[he] != '?' && s[he] != '#') he++;
    const char *at = memchr(s + hs, '@', he - hs); /* user:pass@host */
    if (at) hs = (size_t)(at - s) + 1;
    if (hs >= he) return;
    const char *h = s + hs;
    size_t hl = he - hs;
    if (h[0] == '[') { /* [v6]:port */
        const char *rb = memchr(h, ']', hl);
        if (rb) match_ip(st, h + 1, (size_t)(rb - h) - 1, s, n);
        return;
    }
    const char *colon = memchr(h, ':', hl);
    if (colon) hl = (size_t)(colon - h);
    if (hl && (cls[(unsigned char)h[hl - 1]] & C_DIGIT) && memchr(h, '.', hl)) {
        size_t k = 0;
        while (k < hl && ((cls[(unsigned char)h[k]] & C_DIGIT) || h[k] == '.')) k++;
        if (k == hl) {
            match_ip(st, h, hl, s, n);
            return;
        }
    }
    if (set->type_mask & (1u << WARD_IOC_DOMAIN)) match_domain(st, h, hl, s, n);
}

#define HASH_TYPES                                                                                 \
    ((1u << WARD_IOC_MD5) | (1u << WARD_IOC_SHA1) | (1u << WARD_IOC_SHA256) |                      \
     (1u << WARD_IOC_SHA512))

#if defined(__SSE2__)
/* bit i set when byte i of the 16 at p is a hex digit */
static inline unsigned hex16(const char *p)
{
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
    __m128i a = _mm_sub_epi8(_mm_or_si128(x, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    __m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
    __m128i isa = _mm_cmpeq_epi8(_mm_min_epu8(a, _mm_set1_epi8(5)), a);
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(isd, isa));
}
#endif

/* The start of the hex run that ends at s[i - 1] (i when s[i - 1] is not hex). */
static inline size_t hex_run_start(const char *s, size_t i)
{
#if defined(__SSE2__)
    while (i >= 16) {
        unsigned m = hex16(s + i - 16);
        if (m != 0xffff) /* after the last byte that is not hex */
            return i - 16 + (size_t)(32 - __builtin_clz(~m & 0xffff));
        i -= 16;
    }
#endif
    while (i > 0 && (cls[(unsigned char)s[i - 1]] & C_HEX)) i--;
    return i;
}

/* The end of the hex run that starts at s[j] (j when s[j] is not hex). */
static inline size_t hex_run_end(const char *s, size_t j, size_t n)
{
#if defined(__SSE2__)
    while (j + 16 <= n) {
        unsigned m = hex16(s + j);
        if (m != 0xffff) return j + (size_t)__builtin_ctz(~m);
        j += 16;
    }
#endif
    while (j < n && (cls[(unsigned char)s[j]] & C_HEX)) j++;
    return j;
}

/*
 * Whether a hex run of 32 or more bytes can pass through s[p] (a hex digit): it would cover
 * s[p - 16] or s[p + 16] too (it starts at p - 16 or before, or ends after p + 16).
 */
static inline int hex_run_possible(const char *s, size_t n, size_t p)
{
    return (p >= 16 && (cls[(unsigned char)s[p - 16]] & C_HEX)) ||
           (p + 16 < n && (cls[(unsigned char)s[p + 16]] & C_HEX));
}

/*
 * The hex runs of a text that have a hash's length and are not part of a longer word. A run
 * of 32 or more covers one of every 32 positions, so only those are probed: text without
 * hashes costs one test per 32 bytes.
 */
static void match_hex_runs(struct match_state *st, const char *s, size_t n)
{
    /* the runs of a value (Sysmon's "SHA1=...,MD5=...,SHA256=...,IMPHASH=...") are hashed
     * and their Bloom words prefetched first, so their cache misses overlap */
    struct {
        size_t off, len;
        uint64_t h;
        int type;
    } runs[8];
    size_t nruns = 0, probe = 31;
    while (probe < n && !st->stop) {
        if (!(cls[(unsigned char)s[probe]] & C_HEX) || !hex_run_possible(s, n, probe)) {
            probe += 32;
            continue;
        }
        size_t i = hex_run_start(s, probe), j = hex_run_end(s, probe + 1, n);
        size_t len = j - i;
        if (len >= 32 && (i == 0 || !(cls[(unsigned char)s[i - 1]] & C_NAME)) &&
            (j == n || !(cls[(unsigned char)s[j]] & C_NAME))) {
            int t = len == 32    ? WARD_IOC_MD5
                    : len == 40  ? WARD_IOC_SHA1
                    : len == 64  ? WARD_IOC_SHA256
                    : len == 128 ? WARD_IOC_SHA512
                                 : -1;
            if (t >= 0 && (st->set->type_mask & (1u << t))) {
                if (nruns == 8) { /* flush */
                    for (size_t k = 0; k < nruns && !st->stop; k++)
                        lookup_h(st, runs[k].type, s + runs[k].off, runs[k].len, s + runs[k].off,
                                 runs[k].len, runs[k].h);
                    nruns = 0;
                }
                uint64_t h = key_hash(s + i, len, type_seed(t));
                bloom_prefetch(st->set, h);
                runs[nruns].off = i;
                runs[nruns].len = len;
                runs[nruns].h = h;
                runs[nruns].type = t;
                nruns++;
            }
        }
        probe = j + 32; /* s[j] is not hex: the next run starts after it */
    }
    for (size_t k = 0; k < nruns && !st->stop; k++)
        lookup_h(st, runs[k].type, s + runs[k].off, runs[k].len, s + runs[k].off, runs[k].len,
                 runs[k].h);
}

/* Whether s has a run of 32 or more hex digits (probed every 32 bytes). */
static int hex_run32(const char *s, size_t n)
{
    size_t probe = 31;
    while (probe < n) {
        if (!(cls[(unsigned char)s[probe]] & C_HEX) || !hex_run_possible(s, n, probe)) {
            probe += 32;
            continue;
        }
        size_t i = probe, j = probe + 1;
        while (i > 0 && probe - i < 31 && (cls[(unsigned char)s[i - 1]] & C_HEX)) i--;
        while (j < n && j - i < 32 && (cls[(unsigned char)s[j]] & C_HEX)) j++;
        if (j - i >= 32) return 1;
        while (j < n && (cls[(unsigned char)s[j]] & C_HEX)) j++;
        probe = j + 32;
    }
    return 0;
}

static void match_token(struct match_state *st, const char *s, size_t n)
{
    const struct ward_ioc_set *set = st->set;
    /* trim punctuation that ends sentences or wraps values */
    while (n && !(n > 2 && s[0] == ':' && s[1] == ':' && s[2] != ':') && /* "::1" stays */
           (s[0] == '.' || s[0] == ':' || s[0] == '/' || s[0] == '?' || s[0] == '#' ||
            s[0] == '&' || s[0] == '+' || s[0] == '~' || s[0] == '%' || s[0] == '$'))
        s++, n--;
    while (n && (s[n - 1] == '.' || s[n - 1] == ':' || s[n - 1] == '?' || s[n - 1] == '&' ||
                 s[n - 1] == '#'))
        n--;
    if (n < 3) return;
    size_t dots = 0, colons = 0, ats = 0, slashes = 0, other = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.')
            dots++;
        else if (c == ':')
            colons++;
        else if (c == '@')
            ats++;
        else if (c == '/')
            slashes++;
        else if (!(cls[c] & C_NAME))
            other++;
    }
    /* (hashes: match_text probes the hex runs of the whole text) */
    /* URLs */
    if (colons && slashes >= 2) {
        for (size_t i = 1; i + 2 < n && i < 32; i++)
            if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
                match_url(st, s, n, i);
                return;
            }
    }
    /* e-mail addresses */
    if (ats == 1 && dots) {
        if (set->type_mask & (1u << WARD_IOC_EMAIL)) lookup(st, WARD_IOC_EMAIL, s, n, s, n);
        return;
    }
    if (ats) return;
    /* IPv4: digits and dots, maybe :port or /prefix */
    if (dots == 3 && (cls[(unsigned char)s[0]] & C_DIGIT) && n <= 21) {
        size_t k = 0;
        while (k < n && ((cls[(unsigned char)s[k]] & C_DIGIT) || s[k] == '.')) k++;
        if (k >= 7 && (k == n || s[k] == ':' || s[k] == '/')) {
            match_ip(st, s, k, s, n);
            return;
        }
    }
    /* IPv6: hex digits and at least two colons (maybe a dotted IPv4 tail) */
    if (colons >= 2 && n <= 45 && !slashes && !other &&
        (colons >= 6 || memmem(s, n, "::", 2))) { /* 8 groups, or "::" */
        int ok = 1;
        for (size_t i = 0; i < n && ok; i++)
            ok = (cls[(unsigned char)s[i]] & C_HEX) || s[i] == ':' || s[i] == '.';
        if (ok) {
            match_ip(st, s, n, s, n);
            return;
        }
    }
    /* domain names: a dot, a letter, name characters; "host:port" and "host/path" too */
    if (dots && (set->type_mask & (1u << WARD_IOC_DOMAIN))) {
        size_t end = 0;
        while (end < n && ((cls[(unsigned char)s[end]] & C_NAME) || s[end] == '.')) end++;
        if (end == n || s[end] == ':' || s[end] == '/') {
            /* the TLD must have a letter */
            size_t k = end;
            while (k && s[k - 1] != '.') k--;
            int alpha = 0;
            for (size_t i = k; i < end; i++)
                if (cls[(unsigned char)s[i]] & C_ALPHA) alpha = 1;
            if (alpha && k > 0) match_domain(st, s, end, s, n);
        }
    }
}

static int domain_possible(const struct ward_ioc_set *set, const char *s, size_t n)
{
    if (!(set->type_mask & (1u << WARD_IOC_DOMAIN))) return 0;
    while (n && (s[n - 1] == '.' || s[n - 1] == '?' || s[n - 1] == '&' || s[n - 1] == '#')) n--;
    size_t k = n; /* the last label is short: a loop, not memrchr */
    while (k && s[k - 1] != '.') k--;
    if (!k) return 0;
    return tld_known(set, s + k, n - k);
}

#if defined(__SSE2__)
/* bit i set when byte i of the 16 is '.', ':' or '@' */
static inline unsigned special16(__m128i x)
{
    __m128i m = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')), _mm_cmpeq_epi8(x, _mm_set1_epi8(':'))),
        _mm_cmpeq_epi8(x, _mm_set1_epi8('@')));
    return (unsigned)_mm_movemask_epi8(m);
}

static inline __m128i load16(const char *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Bytes [0, 8) and [n - 8, n) of a value of 8 to 16 bytes, or [0, 4) and [n - 4, n) of one of
 * 4 to 8 (twice each), in one vector: no read outside the value. */
static inline __m128i load_short(const char *v, size_t n)
{
    if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, v, 8);
        memcpy(&b, v + n - 8, 8);
        return _mm_set_epi64x((long long)b, (long long)a);
    }
    uint32_t a, b;
    memcpy(&a, v, 4);
    memcpy(&b, v + n - 4, 4);
    return _mm_set_epi32((int)b, (int)b, (int)a, (int)a);
}
#else
/* 0x80 in each byte of x that is c, exactly (no borrow between bytes) */
static inline uint64_t bytes_eq(uint64_t x, unsigned char c)
{
    const uint64_t m7f = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t v = x ^ (0x0101010101010101ULL * c);
    return ~(((v & m7f) + m7f) | v | m7f);
}

static inline uint64_t special_bytes(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return bytes_eq(x, '.') | bytes_eq(x, ':') | bytes_eq(x, '@');
}
#endif

/* The position of the first '.', ':' or '@' of v[i, n), or n: sixteen bytes at a time (SSE2;
 * the tail is one more load, overlapping the last one), else eight (SWAR, little-endian) or
 * one. */
static inline size_t next_special(const char *v, size_t i, size_t n)
{
#if defined(__SSE2__)
    if (n - i >= 4) {
        if (n < 16) {
            /* short values (most): both halves in one vector (positions 0-7 of the
             * vector are v[0, 8) or v[0, 4), the rest the value's end) */
            unsigned m = special16(load_short(v, n));
            size_t lo = n >= 8 ? 8 : 4;
            unsigned mlo = m & ((1u << lo) - 1) & (~0u << i);
            if (mlo) return (size_t)__builtin_ctz(mlo);
            unsigned mhi = (m >> 8) & ((1u << lo) - 1);
            /* byte k of the high half is v[n - lo + k] */
            size_t base = n - lo;
            if (i > base) mhi &= ~0u << (i - base);
            return mhi ? base + (size_t)__builtin_ctz(mhi) : n;
        }
        for (; i + 16 <= n; i += 16) {
            unsigned m = special16(load16(v + i));
            if (m) return i + (size_t)__builtin_ctz(m);
        }
        if (i < n) {
            size_t base = n - 16;
            unsigned m = special16(load16(v + base)) & (~0u << (i - base));
            return m ? base + (size_t)__builtin_ctz(m) : n;
        }
        return n;
    }
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; i + 8 <= n; i += 8) {
        uint64_t m = special_bytes(v + i);
        if (m) return i + (size_t)(__builtin_ctzll(m) >> 3);
    }
    if (i < n && n >= 8) {
        size_t base = n - 8;
        uint64_t m = special_bytes(v + base) & (~0ULL << (8 * (i - base)));
        return m ? base + (size_t)(__builtin_ctzll(m) >> 3) : n;
    }
#endif
    for (; i < n; i++)
        if (v[i] == '.' || v[i] == ':' || v[i] == '@') return i;
    return n;
}

/*
 * Tokens are the runs of characters between delimiters. Every type but the hashes has a
 * '.', ':' or '@', so instead of walking every token, the text is searched for those (sixteen
 * bytes at a time) and only the tokens around them are looked at; the hashes are found by
 * probing the hex runs of the whole text.
 */
static void match_text(struct match_state *st, const char *v, size_t n, size_t first)
{
    if (n >= 32 && (st->set->type_mask & HASH_TYPES)) match_hex_runs(st, v, n);
    size_t i = 0;
    while (i < n && !st->stop) {
        size_t p = next_special(v, i > first ? i : first, n);
        if (p >= n) break;
        size_t start = p;
        unsigned any = 0;
        while (start > i) {
            unsigned k = cls[(unsigned char)v[start - 1]];
            if (k & C_DELIM) break;
            any |= k;
            start--;
        }
        i = p;
        while (i < n) {
            unsigned k = cls[(unsigned char)v[i]];
            if (k & C_DELIM) break;
            any |= k;
            i++;
        }
        size_t len = i - start;
        /* ("C:" of a Windows path: match_token takes nothing shorter than 3 bytes, and a
         * URL token is longer than 5) */
        if (len < 3) continue;
        /* a dotted word with a letter ("svchost.exe", "www.evil.com"): only a domain can be
         * in it; when no domain indicator has its last label, nothing is */
        if (!(any & C_COLAT) && (any & C_ALPHA) && len < 32 &&
            !domain_possible(st->set, v + start, len))
            continue;
        /* a URL token runs to the URL's end, not to the next '=' or ',' */
        if (len > 5 && (any & C_COLAT)) {
            const char *sep = NULL;
            for (size_t k = start + 1; k + 2 < i && k < start + 32; k++)
                if (v[k] == ':' && v[k + 1] == '/' && v[k + 2] == '/') {
                    sep = v + k;
                    break;
                }
            if (sep) {
                while (i < n && !(cls[(unsigned char)v[i]] & C_UDELIM)) i++;
                while (i > start && (v[i - 1] == ',' || v[i - 1] == ';' || v[i - 1] == ')' ||
                                     v[i - 1] == '.' || v[i - 1] == ']'))
                    i--;
                len = i - start;
                if (i < n) i++;
            }
        }
        match_token(st, v + start, len);
    }
}

int ward_ioc_match_value(const struct ward_ioc_set *set, const char *key, const char *val, size_t n,
                         ward_time_t ts, ward_ioc_hit_fn fn, void *ctx)
{
    if (!set->compiled) return WARD_ESTATE;
    struct match_state st = {0};
    st.set = set;
    st.key = key;
    st.field = ward_str_make(val, n);
    st.ts = ts;
    st.fn = fn;
    st.ctx = ctx;
    if (set->n) match_text(&st, val, n, 0);
    return st.hits;
}

static int dig(char c)
{
    return c >= '0' && c <= '9';
}

/*
 * Values whose whole shape rules out every indicator, frequent in event logs and otherwise
 * tokenised for nothing: timestamps ("2019-04-27 15:57:25.868", "2019-04-27T15:57:25Z",
 * "2019-04-27T15:57:25+02:00", "15:57:25.868") and, when the value has no '.', ':' or '@'
 * (special == 0), GUIDs ("{365abb72-7acc-5cc4-0000-0010b2470300}": hex runs of 12 at most).
 * A date is followed by nothing or by exactly a time (one '.', three ':' at most, no "::"),
 * so no address, name or hash fits in it ("2019-04-27 10.0.2.15" is not skipped).
 */
static int skip_shape(const char *v, size_t n, int special)
{
    if (n >= 10 && n <= 35 && dig(v[0]) && dig(v[1]) && dig(v[2]) && dig(v[3]) && v[4] == '-' &&
        dig(v[5]) && dig(v[6]) && v[7] == '-' && dig(v[8]) && dig(v[9])) {
        size_t i = 10;
        if (i == n) return 1;
        if (v[i] != ' ' && v[i] != 'T') return 0;
        i++;
        if (i + 5 > n || !dig(v[i]) || !dig(v[i + 1]) || v[i + 2] != ':' || !dig(v[i + 3]) ||
            !dig(v[i + 4]))
            return 0;
        i += 5;
        if (i + 3 <= n && v[i] == ':' && dig(v[i + 1]) && dig(v[i + 2])) {
            i += 3;
            if (i < n && v[i] == '.') {
                size_t d = ++i;
                while (i < n && dig(v[i])) i++;
                if (i == d) return 0;
            }
        }
        if (i < n && v[i] == 'Z') {
            i++;
        } else if (i < n && (v[i] == '+' || v[i] == '-')) { /* +hh:mm, +hhmm, +hh */
            if (i + 3 > n || !dig(v[i + 1]) || !dig(v[i + 2])) return 0;
            i += 3;
            if (i < n && v[i] == ':') i++;
            if (i + 2 <= n && dig(v[i]) && dig(v[i + 1])) i += 2;
        }
        return i == n;
    }
    if (n >= 8 && n <= 18 && dig(v[0]) && dig(v[1]) && v[2] == ':' && dig(v[3]) && dig(v[4]) &&
        v[5] == ':') { /* one token "hh:mm:..." of digits and dots: no shape test takes it */
        for (size_t i = 6; i < n; i++)
            if (!(tsc[(unsigned char)v[i]] & T_TIME)) return 0;
        return 1;
    }
    if (!special && n == 38 && v[0] == '{' && v[37] == '}' && v[9] == '-' && v[14] == '-' &&
        v[19] == '-' && v[24] == '-')
        return 1;
    return 0;
}

enum {
    ESC_U = 1,     /* a backslash before a 'u' in the raw bytes (\u, but \\u counts too) */
    ESC_OTHER = 2, /* an escape other than \\ and \" */
};

/* The run of backslashes starting at p[pos] (unless an earlier run covered it) and the byte
 * after it: an odd run escapes that byte, which must then be '"'; an even one is all
 * pairs (\\). A run followed by 'u' counts as \u. */
static inline void escape_run(const char *p, size_t n, size_t pos, size_t *skip, unsigned *r)
{
    if (pos < *skip) return;
    size_t e = pos + 1;
    while (e < n && p[e] == '\\') e++;
    if (e < n && p[e] == 'u') *r |= ESC_U;
    if (((e - pos) & 1) && (e >= n || p[e] != '"')) *r |= ESC_OTHER;
    *skip = e;
}

/*
 * The escapes of raw JSON string content (ESC_*), from its runs of backslashes, found
 * sixteen bytes at a time. When the only escapes are \\ and \" (no ESC_OTHER), the raw
 * text splits into the same tokens as the unescaped text, both characters being delimiters
 * (Windows paths, command lines), so it need not be unescaped; \/, \n, \uXXXX ... would
 * not. ESC_U: an escape could hide a '.' (\u002e).
 */
static unsigned escapes(const char *p, size_t n)
{
    unsigned r = 0;
    size_t skip = 0;
#if defined(__SSE2__)
    const __m128i bs = _mm_set1_epi8('\\');
    if (n >= 4 && n < 64) {
        /*
         * Up to 63 bytes: masks of '\\', '"' and 'u' in one 64-bit word each, then the runs
         * of backslashes all at once. Adding a run's first bit to the run carries out to the
         * byte after it; done apart for the runs starting at even and at odd positions, an
         * odd run is one whose byte after is at the other parity.
         */
        const __m128i quote = _mm_set1_epi8('"'), u = _mm_set1_epi8('u');
        uint64_t b = 0, q = 0, um = 0;
        if (n >= 16) {
            for (size_t i = 0;; i += 16) {
                size_t at = i + 16 <= n ? i : n - 16; /* the last load ends at n */
                __m128i x = load16(p + at);
                b |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, bs)) << at;
                q |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote)) << at;
                um |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, u)) << at;
                if (at + 16 >= n) break;
            }
        } else {
            __m128i x = load_short(p, n);
            unsigned lo = n >= 8 ? 8 : 4, lm = (1u << lo) - 1, sh = (unsigned)n - lo;
            unsigned mb = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, bs));
            unsigned mq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote));
            unsigned mu = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, u));
            b = (mb & lm) | ((mb >> 8) & lm) << sh;
            q = (mq & lm) | ((mq >> 8) & lm) << sh;
            um = (mu & lm) | ((mu >> 8) & lm) << sh;
        }
        if (!b) return 0;
        const uint64_t even = 0x5555555555555555ULL;
        uint64_t starts = b & ~(b << 1);
        uint64_t after_e = (b + (starts & even)) & ~b;  /* byte after runs starting even */
        uint64_t after_o = (b + (starts & ~even)) & ~b; /* ... starting odd */
        uint64_t odd_after = (after_e & ~even) | (after_o & even);
        if ((after_e | after_o) & um) r |= ESC_U;
        if (odd_after & ~q) r |= ESC_OTHER; /* (bit n, past the end: a lone '\\' at the end) */
        return r;
    }
    if (n >= 64) {
        size_t i = 0;
        for (; i + 16 <= n; i += 16)
            for (unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(load16(p + i), bs)); m;
                 m &= m - 1)
                escape_run(p, n, i + (size_t)__builtin_ctz(m), &skip, &r);
        if (i < n) { /* the last bytes: one more load ending at n */
            size_t base = n - 16;
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(load16(p + base), bs));
            for (m &= ~0u << (i - base); m; m &= m - 1)
                escape_run(p, n, base + (size_t)__builtin_ctz(m), &skip, &r);
        }
        return r;
    }
#endif
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\\') escape_run(p, n, i, &skip, &r);
    return r;
}

/* Whether a key's last component is one of the names (ASCII case-insensitive). */
static int last_is(const char *key, size_t klen, const char *const *names)
{
    const char *dot = memrchr(key, '.', klen);
    struct ward_str last =
        dot ? ward_str_make(dot + 1, klen - (size_t)(dot - key) - 1) : ward_str_make(key, klen);
    for (size_t i = 0; names[i]; i++)
        if (ward_str_ieq_c(last, names[i])) return 1;
    return 0;
}

/*
 * Web logs split a URL into a host and a path (Suricata http.hostname + http.url, Zeek
 * host + uri, proxy logs): the URL indicators are looked up on "http://host/path" and
 * "https://host/path" made from them.
 */
static void match_split_url(struct match_state *st, struct ward_event *ev)
{
    static const char *const hosts[] = {"hostname", "host",      "http_host",
                                        "cs-host",  "dest_host", NULL};
    static const char *const paths[] = {"url", "uri", "cs-uri-stem", "uri_path", "path", NULL};
    struct ward_field *hf = NULL, *pf = NULL;
    /* the path first: a value starting with '/' is rare outside web logs, so most events
     * cost one byte test per field */
    for (uint32_t i = 0; i < ev->nfields && !pf; i++) {
        struct ward_field *f = &ev->fields[i];
        if (f->type == WARD_V_STR && f->vlen > 1 && f->val[0] == '/' &&
            last_is(ward_field_key(ev, f), f->klen, paths))
            pf = f;
    }
    if (!pf) return;
    for (uint32_t i = 0; i < ev->nfields && !hf; i++) {
        struct ward_field *f = &ev->fields[i];
        if (f->type == WARD_V_STR && f->vlen > 2 && !memchr(f->val, '/', f->vlen) &&
            last_is(ward_field_key(ev, f), f->klen, hosts))
            hf = f;
    }
    if (!hf) return;
    struct ward_str h, p;
    if (ward_event_value(ev, hf, &h) || ward_event_value(ev, pf, &p)) return;
    if (h.len + p.len + 16 > 4096) return;
    char url[4100], norm[4100];
    static const char *const schemes[] = {"http://", "https://"};
    st->key = ward_field_key(ev, pf);
    st->field = p;
    st->nseen = 0;
    for (int k = 0; k < 2 && !st->stop; k++) {
        size_t sl = strlen(schemes[k]);
        memcpy(url, schemes[k], sl);
        memcpy(url + sl, h.ptr, h.len);
        memcpy(url + sl + h.len, p.ptr, p.len);
        size_t n = sl + h.len + p.len;
        long len = ward_ioc_normalize(WARD_IOC_URL, url, n, norm, sizeof norm, NULL);
        if (len > 0) lookup(st, WARD_IOC_URL, norm, (size_t)len, p.ptr, p.len);
    }
}

/*
 * The reference matcher (tests, fuzzing): the same lookups by the same shape tests, with
 * nothing in front of them - every value unescaped, every token of it taken apart byte by
 * byte, every hex run looked at, every parent name of a domain looked up (no TLD filter). The
 * matcher above must report exactly what this one reports; it only skips, faster, what
 * cannot be found.
 */
static void plain_text(struct match_state *st, const char *v, size_t n)
{
    /* the hex runs of a hash's length that are not part of a longer word */
    for (size_t i = 0; i < n && !st->stop;) {
        if (!(cls[(unsigned char)v[i]] & C_HEX)) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && (cls[(unsigned char)v[j]] & C_HEX)) j++;
        size_t len = j - i;
        int t = len == 32    ? WARD_IOC_MD5
                : len == 40  ? WARD_IOC_SHA1
                : len == 64  ? WARD_IOC_SHA256
                : len == 128 ? WARD_IOC_SHA512
                             : -1;
        if (t >= 0 && (i == 0 || !(cls[(unsigned char)v[i - 1]] & C_NAME)) &&
            (j == n || !(cls[(unsigned char)v[j]] & C_NAME)))
            lookup(st, t, v + i, len, v + i, len);
        i = j;
    }
    /* every token; a URL token (more than 5 bytes with "://" in its first 32) runs to the
     * URL's end */
    for (size_t i = 0; i < n && !st->stop;) {
        if (cls[(unsigned char)v[i]] & C_DELIM) {
            i++;
            continue;
        }
        size_t start = i;
        while (i < n && !(cls[(unsigned char)v[i]] & C_DELIM)) i++;
        size_t len = i - start;
        for (size_t k = start + 1; len > 5 && k + 2 < i && k < start + 32; k++)
            if (v[k] == ':' && v[k + 1] == '/' && v[k + 2] == '/') {
                while (i < n && !(cls[(unsigned char)v[i]] & C_UDELIM)) i++;
                while (i > start && (v[i - 1] == ',' || v[i - 1] == ';' || v[i - 1] == ')' ||
                                     v[i - 1] == '.' || v[i - 1] == ']'))
                    i--;
                len = i - start;
                if (i < n) i++;
                break;
            }
        match_token(st, v + start, len);
    }
}

int ioc_match_value_plain(const struct ward_ioc_set *set, const char *key, const char *val,
                          size_t n, ward_time_t ts, ward_ioc_hit_fn fn, void *ctx)
{
    if (!set->compiled) return WARD_ESTATE;
    struct match_state st = {0};
    st.set = set;
    st.key = key;
    st.field = ward_str_make(val, n);
    st.ts = ts;
    st.fn = fn;
    st.ctx = ctx;
    st.plain = 1;
    if (set->n) plain_text(&st, val, n);
    return st.hits;
}

int ioc_match_event_plain(const struct ward_ioc_set *set, struct ward_event *ev, ward_ioc_hit_fn fn,
                          void *ctx)
{
    if (!set->compiled) return WARD_ESTATE;
    if (!set->n) return 0;
    struct match_state st = {0};
    st.set = set;
    st.ts = ev->ts;
    st.fn = fn;
    st.ctx = ctx;
    st.plain = 1;
    for (uint32_t i = 0; i < ev->nfields && !st.stop; i++) {
        struct ward_field *f = &ev->fields[i];
        if (f->type != WARD_V_STR || f->vlen < 4) continue; /* (documented: 4 bytes or more) */
        struct ward_str v;
        if (ward_event_value(ev, f, &v)) return WARD_ENOMEM;
        st.key = ward_field_key(ev, f);
        st.field = v;
        st.nseen = 0;
        plain_text(&st, v.ptr, v.len);
    }
    if (!st.stop && (set->type_mask & (1u << WARD_IOC_URL))) match_split_url(&st, ev);
    return st.hits;
}

int ward_ioc_match_event(const struct ward_ioc_set *set, struct ward_event *ev, ward_ioc_hit_fn fn,
                         void *ctx)
{
    if (!set->compiled) return WARD_ESTATE;
    if (!set->n) return 0;
    struct match_state st = {0};
    st.set = set;
    st.ts = ev->ts;
    st.fn = fn;
    st.ctx = ctx;
    const int hashes = (set->type_mask & HASH_TYPES) != 0;
    int paths = 0; /* a value starting with '/' (or \/, \u002f): a web log's path? */
    const uint32_t nf = ev->nfields;
    for (uint32_t i = 0; i < nf; i++) {
        struct ward_field *f = &ev->fields[i];
        if (f->type != WARD_V_STR) continue;
        if (f->vlen > 1 &&
            (f->val[0] == '/' || (f->val[0] == '\\' && (f->val[1] == '/' || f->val[1] == 'u'))))
            paths = 1;
        if (f->vlen < 4) continue;
        const char *raw = f->val; /* ward_event_value may point f->val elsewhere */
        size_t n = f->vlen;
        int esc = (f->flags & (WARD_F_ESCAPED | WARD_F_RESOLVED)) == WARD_F_ESCAPED;
        /* every type but the hashes has a '.', ':' or '@'; escapes could hide one
         * (\u002e): such raw values count as having one */
        size_t first = next_special(raw, 0, n);
        unsigned ei = esc ? escapes(raw, n) : 0;
        int special = first < n || (ei & ESC_U);
        /* without '.', ':' or '@' only a hash can be in a value: the hex runs, without
         * tokenising; when it must be unescaped, only if the raw text has a run of 32
         * (unescaping without \u only shortens hex runs) */
        if (!special && (n < 32 || !hashes || ((ei & ESC_OTHER) && !hex_run32(raw, n)))) continue;
        if (skip_shape(raw, n, special)) continue;
        struct ward_str v;
        if (!(ei & ESC_OTHER))
            v = ward_str_make(raw, n); /* tokenises as its unescaped text would */
        else if (ward_event_value(ev, f, &v))
            return WARD_ENOMEM;
        st.key = ward_field_key(ev, f);
        st.field = v;
        st.nseen = 0;
        if (special) /* the first '.', ':' or '@' is known when the text is the raw one */
            match_text(&st, v.ptr, v.len, v.ptr == raw && first < v.len ? first : 0);
        else
            match_hex_runs(&st, v.ptr, v.len);
        if (st.stop) break;
    }
    if (paths && !st.stop && (set->type_mask & (1u << WARD_IOC_URL))) match_split_url(&st, ev);
    return st.hits;
}
