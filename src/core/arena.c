/* arena.c - bump allocator with chained blocks, reset and one free. */
#include <stdlib.h>
#include <string.h>

#include "ward/core.h"

struct ward_arena_block {
    struct ward_arena_block *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

void ward_arena_init(struct ward_arena *a, size_t block_size, size_t max)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 4096;
    a->total = 0;
    a->max = max;
}

void *ward_arena_alloc(struct ward_arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n == 0) n = 8;
    struct ward_arena_block *b = a->head;
    if (b && b->size - b->used >= n) {
        void *p = b->data + b->used;
        b->used += n;
        return p;
    }
    size_t sz = a->block_size;
    if (n > sz / 2) sz = n; /* large allocations get their own block */
    if (a->max && a->total + sz > a->max) return NULL;
    struct ward_arena_block *nb = malloc(sizeof *nb + sz);
    if (!nb) return NULL;
    nb->size = sz;
    nb->used = n;
    a->total += sz;
    if (b && sz == n && b->size - b->used > 64) {
        /* keep filling the current block: put the big one behind it */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        a->head = nb;
    }
    return nb->data;
}

char *ward_arena_strndup(struct ward_arena *a, const char *s, size_t n)
{
    char *p = ward_arena_alloc(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ward_arena_strdup(struct ward_arena *a, const char *s)
{
    return ward_arena_strndup(a, s, strlen(s));
}

void ward_arena_reset(struct ward_arena *a)
{
    struct ward_arena_block *keep = NULL;
    struct ward_arena_block *b = a->head;
    while (b) {
        struct ward_arena_block *next = b->next;
        if (!keep && b->size == a->block_size) {
            keep = b;
        } else {
            a->total -= b->size;
            free(b);
        }
        b = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->head = keep;
}

void ward_arena_free(struct ward_arena *a)
{
    struct ward_arena_block *b = a->head;
    while (b) {
        struct ward_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}
