/* hash.c - a fast 64-bit hash (multiply-mix over 8-byte words) and string interning. */
#include <stdlib.h>
#include <string.h>

#include "ward/core.h"

#define M1 0x9E3779B97F4A7C15ULL
#define M2 0xC2B2AE3D27D4EB4FULL

static inline uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t load_tail(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    memcpy(&v, p, n);
    return v;
}

uint64_t ward_hash64(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ M1 ^ (n * M2);
    while (n >= 8) {
        h = mix(h ^ load8(p), M1);
        p += 8;
        n -= 8;
    }
    if (n) h = mix(h ^ load_tail(p, n), M2);
    return mix(h, M1 ^ (h >> 29));
}

/* ASCII A-Z to a-z in the 8 bytes of a word, other bytes as they are (ward_lower). */
static inline uint64_t lower8(uint64_t w)
{
    const uint64_t hi = 0x8080808080808080ULL;
    uint64_t b7 = w & ~hi;                      /* low 7 bits of each byte */
    uint64_t ge_a = b7 + 0x3f3f3f3f3f3f3f3fULL; /* bit 7 set when byte >= 'A' */
    uint64_t gt_z = b7 + 0x2525252525252525ULL; /* bit 7 set when byte > 'Z' */
    uint64_t up = ge_a & ~gt_z & ~w & hi;       /* 'A'..'Z', and not a byte >= 0x80 */
    return w | (up >> 2);                       /* add 0x20 */
}

uint64_t ward_hash64_lower(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ M1 ^ (n * M2);
    while (n >= 8) { /* ward_hash64 of the text with ward_lower applied to every byte */
        h = mix(h ^ lower8(load8(p)), M1);
        p += 8;
        n -= 8;
    }
    if (n) h = mix(h ^ lower8(load_tail(p, n)), M2); /* zero bytes stay zero */
    return mix(h, M1 ^ (h >> 29));
}

void ward_intern_init(struct ward_intern *t)
{
    static _Atomic uint64_t serials;
    memset(t, 0, sizeof *t);
    t->serial = ++serials;
}

void ward_intern_free(struct ward_intern *t)
{
    for (uint32_t i = 0; i < t->count; i++) free(t->names[i]);
    free(t->names);
    free(t->lens);
    free(t->slots);
    free(t->hashes);
    memset(t, 0, sizeof *t);
}

int64_t ward_intern_find_h(const struct ward_intern *t, const char *name, size_t n, uint64_t h)
{
    if (!t->slot_cap) return -1;
    uint32_t mask = t->slot_cap - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        uint32_t s = t->slots[i];
        if (!s) return -1;
        uint32_t id = s - 1;
        if (t->hashes[id] == h && t->lens[id] == n && memcmp(t->names[id], name, n) == 0) return id;
    }
}

int64_t ward_intern_find(const struct ward_intern *t, const char *name, size_t n)
{
    return ward_intern_find_h(t, name, n, ward_hash64(name, n, 0));
}

static int grow_slots(struct ward_intern *t)
{
    uint32_t cap = t->slot_cap ? t->slot_cap * 2 : 64;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return WARD_ENOMEM;
    for (uint32_t id = 0; id < t->count; id++) {
        uint32_t i = (uint32_t)t->hashes[id] & (cap - 1);
        while (slots[i]) i = (i + 1) & (cap - 1);
        slots[i] = id + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->slot_cap = cap;
    return 0;
}

int64_t ward_intern_add(struct ward_intern *t, const char *name, size_t n)
{
    uint64_t h = ward_hash64(name, n, 0);
    int64_t id = ward_intern_find_h(t, name, n, h);
    if (id >= 0) return id;
    if (t->count >= UINT32_MAX / 4) return WARD_ELIMIT;
    if ((t->count + 1) * 2 > t->slot_cap && grow_slots(t)) return WARD_ENOMEM;
    if (t->count == t->names_cap) {
        uint32_t cap = t->names_cap ? t->names_cap * 2 : 32;
        char **names = realloc(t->names, cap * sizeof *names);
        if (!names) return WARD_ENOMEM;
        t->names = names;
        uint32_t *lens = realloc(t->lens, cap * sizeof *lens);
        if (!lens) return WARD_ENOMEM;
        t->lens = lens;
        uint64_t *hashes = realloc(t->hashes, cap * sizeof *hashes);
        if (!hashes) return WARD_ENOMEM;
        t->hashes = hashes;
        t->names_cap = cap;
    }
    char *copy = malloc(n + 1);
    if (!copy) return WARD_ENOMEM;
    memcpy(copy, name, n);
    copy[n] = '\0';
    uint32_t nid = t->count++;
    t->names[nid] = copy;
    t->lens[nid] = (uint32_t)n;
    t->hashes[nid] = h;
    uint32_t mask = t->slot_cap - 1;
    uint32_t i = (uint32_t)h & mask;
    while (t->slots[i]) i = (i + 1) & mask;
    t->slots[i] = nid + 1;
    return nid;
}
