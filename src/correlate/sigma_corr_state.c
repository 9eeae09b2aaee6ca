/*
 * sigma_corr_state.c - saving and restoring the correlation engine's state (pending
 * matches and groups) as a compact binary file: "WARDCORR", a version, then
 * length-prefixed little-endian records. Correlations are named by id (else title), so a
 * state restores into an engine built from the same rules in any order; base rules are
 * named by their index in the caller's rule set. Every read is bounds-checked: a damaged
 * file is refused (WARD_ECORRUPT), never trusted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corr_int.h"

#define STATE_MAGIC "WARDCORR"
#define STATE_VERSION 1u

static void put(struct ward_buf *b, const void *p, size_t n, int *err)
{
    if (!*err && ward_buf_append(b, p, n)) *err = 1;
}
static void put_u32(struct ward_buf *b, uint32_t v, int *err)
{
    put(b, &v, 4, err);
}
static void put_u64(struct ward_buf *b, uint64_t v, int *err)
{
    put(b, &v, 8, err);
}
static void put_f64(struct ward_buf *b, double v, int *err)
{
    put(b, &v, 8, err);
}
static void put_str(struct ward_buf *b, const char *s, size_t n, int *err)
{
    put_u32(b, (uint32_t)n, err);
    put(b, s, n, err);
}

static const char *ident(const struct ward_corr_rule *r)
{
    return r->id ? r->id : r->title;
}

static void put_ref(struct ward_buf *b, const struct ward_corr *c, const struct ward_corr_ref *r,
                    int *err)
{
    put_u64(b, (uint64_t)r->time, err);
    put_str(b, r->path ? r->path : "", r->path ? strlen(r->path) : 0, err);
    put_u64(b, r->record, err);
    if (r->rule & WARD_CORR_REF_CHAINED) {
        const char *id = ident(c->binds[r->rule & ~WARD_CORR_REF_CHAINED].r);
        put_u32(b, 1, err);
        put_str(b, id, strlen(id), err);
    } else {
        put_u32(b, 0, err);
        put_u32(b, r->rule, err);
    }
}

int ward_corr_save(const struct ward_corr *c, const char *path, struct ward_err *err)
{
    struct ward_buf b;
    ward_buf_init(&b, 0);
    int e = 0;
    put(&b, STATE_MAGIC, 8, &e);
    put_u32(&b, STATE_VERSION, &e);
    put_u64(&b, (uint64_t)c->max_seen, &e);
    put_u64(&b, (uint64_t)c->watermark, &e);
    put_u64(&b, (uint64_t)c->released, &e);
    put_u64(&b, (uint64_t)c->nbases, &e);
    put_u32(&b, (uint32_t)c->npaths, &e);
    for (size_t i = 0; i < c->npaths; i++) put_str(&b, c->paths[i], strlen(c->paths[i]), &e);
    put_u32(&b, (uint32_t)c->npend, &e);
    for (size_t i = 0; i < c->npend; i++) {
        const struct pend *p = &c->pend[i];
        const char *id = ident(c->binds[p->corr].r);
        put_str(&b, id, strlen(id), &e);
        put_u32(&b, p->pos, &e);
        put_u64(&b, (uint64_t)p->t, &e);
        put_str(&b, p->key, p->klen, &e);
        put_f64(&b, p->num, &e);
        put_u64(&b, p->vh, &e);
        put_u32(&b, p->path, &e);
        put_u64(&b, p->record, &e);
        struct ward_corr_ref r = {p->t, p->path < c->npaths ? c->paths[p->path] : "", p->record,
                                  p->rule};
        put_ref(&b, c, &r, &e);
        put_u32(&b, (uint32_t)p->internal, &e);
    }
    put_u32(&b, (uint32_t)c->ngroups, &e);
    for (const struct group *g = c->lru_head; g; g = g->next) {
        const char *id = ident(c->binds[g->corr].r);
        put_str(&b, id, strlen(id), &e);
        put_str(&b, g->key, g->klen, &e);
        put_u64(&b, (uint64_t)g->last_t, &e);
        put_u64(&b, (uint64_t)g->window_start, &e);
        put_u64(&b, g->total, &e);
        put_u32(&b, (uint32_t)g->n, &e);
        for (size_t i = 0; i < g->n; i++) {
            const struct gev *v = &g->ev[(g->head + i) % g->cap];
            struct ward_corr_ref r = {v->t, v->path < c->npaths ? c->paths[v->path] : "", v->record,
                                      v->rule};
            put_ref(&b, c, &r, &e);
            put_f64(&b, v->num, &e);
            put_u64(&b, v->vh, &e);
        }
        put_u32(&b, (uint32_t)g->nfirst, &e);
        for (size_t i = 0; i < g->nfirst; i++) put_ref(&b, c, &g->first[i], &e);
        put_u32(&b, (uint32_t)g->nsrc, &e);
        for (size_t i = 0; i < g->nsrc; i++) {
            put_u64(&b, (uint64_t)g->src_t[i], &e);
            put_ref(&b, c, &g->src_ref[i], &e);
            put_u64(&b, (uint64_t)g->chain_start[i], &e);
            put_u64(&b, (uint64_t)g->chain_end[i], &e);
        }
    }
    if (e) {
        ward_buf_free(&b);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int rc = 0;
    if (!f || fwrite(b.data, 1, b.len, f) != b.len || fflush(f) != 0) rc = WARD_EIO;
    if (f && fclose(f) != 0) rc = WARD_EIO;
    if (rc == 0 && rename(tmp, path) != 0) rc = WARD_EIO;
    if (rc) {
        ward_err_at(err, rc, path, 0, 0, "cannot write the correlation state: %s", strerror(errno));
        remove(tmp);
    }
    ward_buf_free(&b);
    return rc;
}

/* ---- restore ---------------------------------------------------------------------------- */

struct rd {
    const unsigned char *p, *end;
    int bad;
};

static void get(struct rd *r, void *out, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
}
static uint32_t get_u32(struct rd *r)
{
    uint32_t v;
    get(r, &v, 4);
    return v;
}
static uint64_t get_u64(struct rd *r)
{
    uint64_t v;
    get(r, &v, 8);
    return v;
}
static double get_f64(struct rd *r)
{
    double v;
    get(r, &v, 8);
    return v;
}
/* A borrowed slice of the file. */
static struct ward_str get_str(struct rd *r)
{
    uint32_t n = get_u32(r);
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = 1;
        return ward_str_make("", 0);
    }
    struct ward_str s = ward_str_make((const char *)r->p, n);
    r->p += n;
    return s;
}

static long corr_by_ident(const struct ward_corr *c, struct ward_str id)
{
    for (size_t i = 0; i < c->ncorr; i++)
        if (ward_str_eq_c(id, ident(c->binds[i].r))) return (long)i;
    return -1;
}

static int path_of(struct ward_corr *c, struct ward_str s, uint32_t *out)
{
    for (size_t i = 0; i < c->npaths; i++)
        if (ward_str_eq_c(s, c->paths[i])) {
            *out = (uint32_t)i;
            return 0;
        }
    if (c->npaths == c->paths_cap) {
        size_t nc = c->paths_cap ? c->paths_cap * 2 : 16;
        char **np = realloc(c->paths, nc * sizeof *np);
        if (!np) return WARD_ENOMEM;
        c->paths = np;
        c->paths_cap = nc;
    }
    c->paths[c->npaths] = strndup(s.ptr, s.len);
    if (!c->paths[c->npaths]) return WARD_ENOMEM;
    *out = (uint32_t)c->npaths++;
    return 0;
}

static int get_ref(struct rd *r, struct ward_corr *c, struct ward_corr_ref *out, uint32_t *path_id)
{
    out->time = (ward_time_t)get_u64(r);
    struct ward_str p = get_str(r);
    out->record = get_u64(r);
    uint32_t chained = get_u32(r);
    if (chained) {
        long k = corr_by_ident(c, get_str(r));
        if (k < 0) r->bad = 1;
        out->rule = WARD_CORR_REF_CHAINED | (uint32_t)(k < 0 ? 0 : k);
    } else {
        out->rule = get_u32(r);
        if (out->rule >= c->nbases) r->bad = 1;
    }
    if (r->bad) return WARD_ECORRUPT;
    uint32_t id;
    if (path_of(c, p, &id)) return WARD_ENOMEM;
    out->path = c->paths[id];
    if (path_id) *path_id = id;
    return 0;
}

int ward_corr_restore(struct ward_corr *c, const char *path, struct ward_err *err)
{
    if (c->ngroups || c->npend || c->processed)
        return ward_err_set(err, WARD_ESTATE, "restore into a fresh engine only");
    FILE *f = fopen(path, "rb");
    if (!f) return ward_err_at(err, WARD_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct ward_buf b;
    ward_buf_init(&b, (size_t)1 << 32);
    char chunk[65536];
    size_t k;
    int rc = 0;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (ward_buf_append(&b, chunk, k)) {
            rc = WARD_ENOMEM;
            break;
        }
    fclose(f);
    if (rc) {
        ward_buf_free(&b);
        return ward_err_set(err, rc, "out of memory");
    }
    struct rd r = {(const unsigned char *)b.data, (const unsigned char *)b.data + b.len, 0};
    char magic[8];
    get(&r, magic, 8);
    if (r.bad || memcmp(magic, STATE_MAGIC, 8) != 0 || get_u32(&r) != STATE_VERSION) {
        ward_buf_free(&b);
        return ward_err_at(err, WARD_ECORRUPT, path, 0, 0, "not a ward correlation state file");
    }
    ward_time_t max_seen = (ward_time_t)get_u64(&r), watermark = (ward_time_t)get_u64(&r),
                released = (ward_time_t)get_u64(&r);
    uint64_t nbases = get_u64(&r);
    if (nbases != c->nbases) {
        ward_buf_free(&b);
        return ward_err_at(err, WARD_ECORRUPT, path, 0, 0,
                           "the state was saved with %llu base rules, this rule set has %zu",
                           (unsigned long long)nbases, c->nbases);
    }
    uint32_t np = get_u32(&r);
    for (uint32_t i = 0; i < np && !r.bad && rc == 0; i++) {
        uint32_t id;
        rc = path_of(c, get_str(&r), &id);
    }
    uint32_t npend = get_u32(&r);
    for (uint32_t i = 0; i < npend && !r.bad && rc == 0; i++) {
        struct pend p;
        memset(&p, 0, sizeof p);
        long corr = corr_by_ident(c, get_str(&r));
        p.pos = get_u32(&r);
        p.t = (ward_time_t)get_u64(&r);
        struct ward_str key = get_str(&r);
        p.num = get_f64(&r);
        p.vh = get_u64(&r);
        (void)get_u32(&r); /* path id of the saving engine: the ref below names the path */
        p.record = get_u64(&r);
        struct ward_corr_ref ref;
        if (get_ref(&r, c, &ref, &p.path)) break;
        p.rule = ref.rule;
        p.internal = (int)get_u32(&r);
        if (r.bad || corr < 0 || p.pos >= c->binds[corr].nsrc) {
            r.bad = 1;
            break;
        }
        p.corr = (uint32_t)corr;
        p.key = strndup(key.ptr, key.len);
        if (!p.key) {
            rc = WARD_ENOMEM;
            break;
        }
        p.klen = key.len;
        if (c->npend == c->pend_cap) {
            size_t nc = c->pend_cap ? c->pend_cap * 2 : 256;
            struct pend *nq = realloc(c->pend, nc * sizeof *nq);
            if (!nq) {
                free(p.key);
                rc = WARD_ENOMEM;
                break;
            }
            c->pend = nq;
            c->pend_cap = nc;
        }
        /* saved in heap order: appending keeps the heap property */
        p.seq = c->seq++;
        c->pend[c->npend++] = p;
    }
    uint32_t ngroups = get_u32(&r);
    for (uint32_t i = 0; i < ngroups && !r.bad && rc == 0; i++) {
        long corr = corr_by_ident(c, get_str(&r));
        struct ward_str key = get_str(&r);
        if (r.bad || corr < 0) {
            r.bad = 1;
            break;
        }
        rc = ward_corr_restore_group(c, (uint32_t)corr, key, &r.p, r.end);
        if (rc == WARD_ECORRUPT) r.bad = 1;
    }
    if (!r.bad && rc == 0) {
        c->max_seen = max_seen;
        c->watermark = watermark;
        c->released = released;
    }
    ward_buf_free(&b);
    if (rc == WARD_ENOMEM) return ward_err_set(err, rc, "out of memory");
    if (r.bad || rc)
        return ward_err_at(err, WARD_ECORRUPT, path, 0, 0, "the state file is damaged");
    return 0;
}

/* Reads one group's body (after its rule and key) into a new group. */
int ward_corr_restore_group(struct ward_corr *c, uint32_t corr, struct ward_str key,
                            const unsigned char **pp, const unsigned char *end)
{
    struct rd r = {*pp, end, 0};
    struct group *g = corr_group_new(c, corr, key.ptr, key.len);
    if (!g) return WARD_ENOMEM;
    g->last_t = (ward_time_t)get_u64(&r);
    g->window_start = (ward_time_t)get_u64(&r);
    uint64_t total = get_u64(&r);
    uint32_t n = get_u32(&r);
    if (n > c->o.max_events) r.bad = 1;
    int valued = c->binds[corr].r->type == WARD_CORR_VALUE_COUNT ||
                 c->binds[corr].r->type == WARD_CORR_VALUE_PERCENTILE;
    for (uint32_t i = 0; i < n && !r.bad; i++) {
        struct ward_corr_ref ref;
        struct gev e;
        if (get_ref(&r, c, &ref, &e.path)) break;
        e.t = ref.time;
        e.record = ref.record;
        e.rule = ref.rule;
        e.num = get_f64(&r);
        e.vh = get_u64(&r);
        if (!r.bad && corr_group_push(c, g, &e, valued)) return WARD_ENOMEM;
    }
    g->total = total;
    uint32_t nfirst = get_u32(&r);
    if (nfirst > REFS_MAX) r.bad = 1;
    if (!r.bad && corr_group_first_room(c, g, nfirst)) return WARD_ENOMEM;
    for (uint32_t i = 0; i < nfirst && !r.bad; i++)
        if (get_ref(&r, c, &g->first[i], NULL)) break;
    g->nfirst = r.bad ? 0 : nfirst;
    uint32_t nsrc = get_u32(&r);
    if (nsrc != g->nsrc) r.bad = 1;
    for (uint32_t i = 0; i < nsrc && !r.bad; i++) {
        g->src_t[i] = (ward_time_t)get_u64(&r);
        if (get_ref(&r, c, &g->src_ref[i], NULL)) break;
        g->chain_start[i] = (ward_time_t)get_u64(&r);
        g->chain_end[i] = (ward_time_t)get_u64(&r);
    }
    *pp = r.p;
    return r.bad ? WARD_ECORRUPT : 0;
}
