/*
 * matcher.c - the per-thread side of the compiled Sigma rule set: routes an event by its
 * logsource, scans the values of the slots its rules read for their gate atoms (and every
 * string field with the route's keyword database when keyword rules apply), confirms
 * prefilter hits with PCRE2 or the whole glob, then evaluates the conditions of the
 * candidate rules only: those with a hit gate, plus those that can match without one;
 * deferred atoms are scanned (once per slot and event) or compared when a condition reads
 * them.
 * Layout in compiled.h; design in docs/internals/sigma-matcher.md.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/compiled.h"

#define MAX_ROUTES 256
#define WARD_SCAN_PAD 64 /* see scan() */
#define CMEMO_SIZE 1024  /* classification memo entries (a power of two) */

/* One memoized classification: the values of the classification keys -> logsource. */
struct cmemo {
    uint64_t h;
    char *key;
    size_t len;
    struct ward_ls_ids ls;
};

struct route {
    struct ward_ls_ids ls;
    uint64_t *sel;      /* rules selected by the logsource (bitset) */
    uint64_t *slot_sel; /* slots scanned for them (bitset) */
    uint32_t *slots;    /* the same as a list */
    uint32_t nslots;
    uint32_t *wild_slots; /* those with a "*" key */
    uint32_t nwild;
    uint32_t wild_mask; /* the union of their wild_mask */
    uint32_t *always;   /* selected rules that are not gated: evaluated on every event */
    uint32_t nalways;
    uint32_t nsel;
    uint8_t keywords;
    const hs_database_t *kwdb; /* keyword literals its rules read (see kw_db_for) */
    uint32_t kw_minlen;        /* the shortest of them */
};

/* A keyword database over a subset of rs->kwdb's literals, built by this matcher. */
struct kwcache {
    uint32_t *atoms; /* sorted */
    uint32_t n;
    hs_database_t *db;
    uint32_t minlen;
};

#define MAX_KWDBS 64

struct ward_matcher {
    const struct ward_ruleset *rs;
    hs_scratch_t *scratch;
    pcre2_match_data *md;
    uint32_t gen;
    uint32_t *hit_gen;  /* per atom: == gen when it hit this event */
    uint32_t *lazy_gen; /* per atom: == gen when its lazy value is known */
    uint8_t *lazy_val;
    uint32_t *touched; /* atoms hit this event */
    uint32_t ntouched;
    uint32_t *pending; /* prefilter hits of the current scan, to confirm */
    uint32_t npending;
    uint32_t *rule_gen;  /* per rule: == gen when already a candidate */
    uint32_t *slot_gen;  /* per slot: == gen when already scanned */
    uint32_t *dslot_gen; /* per slot: == gen when its deferred atoms were scanned */
    uint32_t *node_gen;  /* per node: == gen when an N_ANYHIT node holds */
    uint32_t *wp_gen;    /* per "*" key prefix: == gen when wp_has is known */
    uint8_t *wp_has;
    uint32_t wild_gen;             /* == gen when wild_known is for this event */
    uint32_t wild_known, wild_has; /* bits of struct slot's wild_mask known, and holding */
    /* index of the event's fields by the hash of their last key segment (spaces removed),
     * built once per event when a pattern key is first consulted */
    uint32_t seg_gen;   /* == gen when built */
    uint32_t space_gen; /* == gen when key_space is known for this event */
    int key_space;      /* some key of the event holds a space */
    uint64_t *seg_h;    /* open addressing: hash, field index + 1 (0 = empty) */
    uint32_t *seg_ix;
    uint32_t seg_cap;   /* allocated */
    uint32_t seg_mask;  /* of the table built for this event */
    uint32_t *seg_long; /* fields whose last segment is too long to hash */
    uint32_t nseg_long;
    uint32_t *seg_cand; /* candidates of one lookup */
    uint32_t seg_fields_cap;
    uint32_t *cands;
    uint32_t ncands;
    uint64_t *cbits; /* zero between events */
    size_t ncbits;
    struct route *routes;
    uint32_t nroutes;
    struct kwcache kwdbs[MAX_KWDBS];
    uint32_t nkwdbs;
    uint32_t *kwmark; /* per atom: == kwmark_gen when in the list being built */
    uint32_t kwmark_gen;
    uint32_t *kwlist;
    uint32_t nkwlits; /* literals in rs->kwdb */
    struct cmemo *cmemo;
    struct ward_buf ckey; /* the memo key being built */
    struct ward_event *ev;
    struct ward_field **vals;  /* a slot's values (WARD_SLOT_MAX_VALUES) */
    struct ward_field **vals2; /* the other field's values (fieldref) */
    size_t scan_len;           /* length of the value being scanned */
    char *padbuf;              /* the value and WARD_SCAN_PAD NUL bytes (see scan) */
    size_t padcap;
    /* m->vals holds the values of slot vals_slot when vals_gen == gen (lazy atoms) */
    uint32_t vals_gen, vals_slot, vals_n;
    /* keyword literals: every keyword field's value joined in kwbuf, value i spanning
     * [kwseg[2i], kwseg[2i+1]); kw_joined is set while that buffer is scanned */
    struct ward_buf kwbuf;
    uint32_t *kwseg;
    uint32_t kwseg_cap;
    uint32_t nkwseg;
    int kw_joined;
    int err;
    int profile;
    int stop; /* ward_matcher_set_stop */
    struct ward_matcher_prof prof;
};

/* ---- the route of a logsource ------------------------------------------------------------ */

static int ls_eq(const struct ward_ls_ids *a, const struct ward_ls_ids *b)
{
    if (a->product != b->product || a->service != b->service || a->ncategories != b->ncategories)
        return 0;
    for (uint8_t i = 0; i < a->ncategories && i < WARD_LS_MAX_CATEGORIES; i++)
        if (a->categories[i] != b->categories[i]) return 0;
    return 1;
}

static void route_free(struct route *r)
{
    free(r->sel);
    free(r->slot_sel);
    free(r->wild_slots);
    free(r->slots);
    free(r->always);
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

/*
 * The keyword literal database of a route: only the literals its rules read (most
 * routes select a handful of keyword rules, e.g. one with 20 literals, and a small
 * database scans several times faster than the rule set's). Built once per distinct set
 * by this matcher; the rule set's whole database when the set is all of it or the build
 * fails (scanning more literals than needed changes no answer).
 */
static int kw_db_for(struct ward_matcher *m, struct route *r)
{
    const struct ward_ruleset *rs = m->rs;
    r->kwdb = NULL;
    r->kw_minlen = 0;
    if (!r->keywords || !rs->kwdb) return 0;
    uint32_t n = 0;
    if (++m->kwmark_gen == 0) {
        memset(m->kwmark, 0, (rs->natoms ? rs->natoms : 1) * sizeof *m->kwmark);
        m->kwmark_gen = 1;
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        if (!(r->sel[i / 64] >> (i % 64) & 1)) continue;
        const struct crule *cr = &rs->rules[i];
        for (uint32_t k = 0; k < cr->nkwlits; k++) {
            uint32_t a = cr->kwlits[k];
            if (m->kwmark[a] == m->kwmark_gen) continue;
            m->kwmark[a] = m->kwmark_gen;
            m->kwlist[n++] = a;
        }
    }
    if (n == 0) return 0;
    r->kwdb = rs->kwdb;
    r->kw_minlen = rs->kw_minlen;
    if (n >= m->nkwlits) return 0;
    qsort(m->kwlist, n, sizeof *m->kwlist, u32_cmp);
    for (uint32_t i = 0; i < m->nkwdbs; i++) {
        const struct kwcache *c = &m->kwdbs[i];
        if (c->n == n && memcmp(c->atoms, m->kwlist, n * sizeof *m->kwlist) == 0) {
            r->kwdb = c->db;
            r->kw_minlen = c->minlen;
            return 0;
        }
    }
    if (m->nkwdbs == MAX_KWDBS) return 0;
    struct kwcache *c = &m->kwdbs[m->nkwdbs];
    const char **ex = malloc(n * sizeof *ex);
    unsigned *fl = malloc(n * sizeof *fl);
    size_t *lens = malloc(n * sizeof *lens);
    c->atoms = malloc(n * sizeof *c->atoms);
    c->db = NULL;
    int rc = 0;
    if (!ex || !fl || !lens || !c->atoms) {
        rc = WARD_ENOMEM;
        goto done;
    }
    c->minlen = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++) {
        const struct atom *a = &rs->atoms[m->kwlist[i]];
        ex[i] = a->lit;
        lens[i] = a->litlen;
        /* as rs->kwdb: every match reported (a first one may straddle two values) */
        fl[i] = a->cased ? 0 : HS_FLAG_CASELESS;
        if (a->litlen < c->minlen) c->minlen = a->litlen;
    }
    hs_compile_error_t *ce = NULL;
    if (hs_compile_lit_multi(ex, fl, m->kwlist, lens, n, HS_MODE_BLOCK, NULL, &c->db, &ce) !=
        HS_SUCCESS) {
        if (ce) hs_free_compile_error(ce);
        c->db = NULL;
        goto done; /* the whole database then */
    }
    if (hs_alloc_scratch(c->db, &m->scratch) != HS_SUCCESS) {
        hs_free_database(c->db);
        c->db = NULL;
        rc = WARD_ENOMEM;
        goto done;
    }
    memcpy(c->atoms, m->kwlist, n * sizeof *m->kwlist);
    c->n = n;
    r->kwdb = c->db;
    r->kw_minlen = c->minlen;
    m->nkwdbs++;
done:
    if (!c->db) {
        free(c->atoms);
        c->atoms = NULL;
    }
    free(ex);
    free(fl);
    free(lens);
    return rc;
}

static int route_build(struct ward_matcher *m, const struct ward_ls_ids *ls, struct route *r)
{
    const struct ward_ruleset *rs = m->rs;
    memset(r, 0, sizeof *r);
    r->ls = *ls;
    size_t words = (rs->nrules + 63) / 64;
    r->sel = calloc(words ? words : 1, sizeof *r->sel);
    uint8_t *slot_seen = calloc(rs->nslots ? rs->nslots : 1, 1);
    r->slots = malloc((rs->nslots ? rs->nslots : 1) * sizeof *r->slots);
    r->always = malloc((rs->nrules ? rs->nrules : 1) * sizeof *r->always);
    r->slot_sel = calloc((rs->nslots + 63) / 64 + 1, sizeof *r->slot_sel);
    r->wild_slots = malloc((rs->nslots ? rs->nslots : 1) * sizeof *r->wild_slots);
    if (!r->sel || !slot_seen || !r->slots || !r->always || !r->slot_sel || !r->wild_slots) {
        free(slot_seen);
        route_free(r);
        return WARD_ENOMEM;
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct crule *cr = &rs->rules[i];
        if (rs->tax && !ward_taxonomy_selects(&cr->ls, ls)) continue;
        r->sel[i / 64] |= 1ULL << (i % 64);
        r->nsel++;
        if (!cr->gated) r->always[r->nalways++] = (uint32_t)i;
        if (cr->keywords) r->keywords = 1;
        for (uint32_t s = 0; s < cr->nslots; s++) {
            uint32_t slot = cr->slots[s];
            const struct slot *sl = &rs->slots[slot];
            const struct scanset *ss = &sl->now;
            if (slot_seen[slot] || (!ss->db && !ss->dbhi && !ss->db2 && !ss->eq_ci && !ss->eq_cs &&
                                    !ss->ndirect && !ss->tag))
                continue;
            slot_seen[slot] = 1;
            r->slots[r->nslots++] = slot;
            r->slot_sel[slot / 64] |= 1ULL << (slot % 64);
            if (rs->slots[slot].has_wild) {
                r->wild_slots[r->nwild++] = slot;
                r->wild_mask |= rs->slots[slot].wild_mask;
            }
        }
    }
    free(slot_seen);
    return kw_db_for(m, r);
}

static struct route *route_for(struct ward_matcher *m, const struct ward_ls_ids *ls)
{
    for (uint32_t i = 0; i < m->nroutes; i++)
        if (ls_eq(&m->routes[i].ls, ls)) {
            if (i) { /* move to the front: the next event is most often of the same kind */
                struct route tmp = m->routes[i];
                m->routes[i] = m->routes[0];
                m->routes[0] = tmp;
            }
            return &m->routes[0];
        }
    if (m->nroutes == MAX_ROUTES) {
        route_free(&m->routes[MAX_ROUTES - 1]);
        m->nroutes--;
    }
    struct route r;
    if (route_build(m, ls, &r)) return NULL;
    memmove(&m->routes[1], &m->routes[0], m->nroutes * sizeof *m->routes);
    m->routes[0] = r;
    m->nroutes++;
    return &m->routes[0];
}

/* ---- matcher lifetime ---------------------------------------------------------------------- */

int ward_matcher_new(const struct ward_ruleset *rs, struct ward_matcher **out)
{
    *out = NULL;
    struct ward_matcher *m = calloc(1, sizeof *m);
    if (!m) return WARD_ENOMEM;
    m->rs = rs;
    size_t na = rs->natoms ? rs->natoms : 1, nr = rs->nrules ? rs->nrules : 1;
    m->hit_gen = calloc(na, sizeof *m->hit_gen);
    m->lazy_gen = calloc(na, sizeof *m->lazy_gen);
    m->lazy_val = calloc(na, 1);
    m->touched = malloc(na * sizeof *m->touched);
    m->pending = malloc(na * sizeof *m->pending);
    m->rule_gen = calloc(nr, sizeof *m->rule_gen);
    m->cands = malloc(nr * sizeof *m->cands);
    m->ncbits = (nr + 63) / 64;
    m->cbits = calloc(m->ncbits, sizeof *m->cbits);
    m->slot_gen = calloc(rs->nslots ? rs->nslots : 1, sizeof *m->slot_gen);
    m->dslot_gen = calloc(rs->nslots ? rs->nslots : 1, sizeof *m->dslot_gen);
    m->node_gen = calloc(rs->nnodes ? rs->nnodes : 1, sizeof *m->node_gen);
    m->wp_gen = calloc(rs->nwpfx ? rs->nwpfx : 1, sizeof *m->wp_gen);
    m->wp_has = calloc(rs->nwpfx ? rs->nwpfx : 1, 1);
    m->routes = calloc(MAX_ROUTES, sizeof *m->routes);
    m->kwmark = calloc(na, sizeof *m->kwmark);
    m->kwlist = malloc(na * sizeof *m->kwlist);
    m->cmemo = calloc(CMEMO_SIZE, sizeof *m->cmemo);
    ward_buf_init(&m->ckey, 0);
    ward_buf_init(&m->kwbuf, 0);
    m->md = pcre2_match_data_create(1, NULL);
    m->vals = malloc(WARD_SLOT_MAX_VALUES * sizeof *m->vals);
    m->vals2 = malloc(WARD_SLOT_MAX_VALUES * sizeof *m->vals2);
    if (!m->cbits || !m->cmemo || !m->node_gen || !m->slot_gen || !m->dslot_gen || !m->wp_gen ||
        !m->wp_has || !m->vals || !m->vals2 || !m->hit_gen || !m->lazy_gen || !m->lazy_val ||
        !m->touched || !m->pending || !m->rule_gen || !m->cands || !m->routes || !m->md ||
        !m->kwmark || !m->kwlist)
        goto fail;
    for (uint32_t s = 0; s < rs->nslots; s++) {
        const struct slot *sl = &rs->slots[s];
        hs_database_t *dbs[6] = {sl->now.db,   sl->now.dbhi,   sl->now.db2,
                                 sl->later.db, sl->later.dbhi, sl->later.db2};
        for (int d = 0; d < 6; d++)
            if (dbs[d] && hs_alloc_scratch(dbs[d], &m->scratch) != HS_SUCCESS) goto fail;
    }
    if (rs->kwdb && hs_alloc_scratch(rs->kwdb, &m->scratch) != HS_SUCCESS) goto fail;
    if (rs->kwdb2 && hs_alloc_scratch(rs->kwdb2, &m->scratch) != HS_SUCCESS) goto fail;
    for (uint32_t a = 0; a < rs->natoms; a++)
        if (rs->atoms[a].slot == WARD_KW_SLOT && rs->atoms[a].mode != ATOM_LAZY && rs->atoms[a].lit)
            m->nkwlits++;
    m->gen = 1;
    *out = m;
    return 0;
fail:
    ward_matcher_free(m);
    return WARD_ENOMEM;
}

void ward_matcher_free(struct ward_matcher *m)
{
    if (!m) return;
    if (m->scratch) hs_free_scratch(m->scratch);
    pcre2_match_data_free(m->md);
    for (uint32_t i = 0; i < m->nroutes; i++) route_free(&m->routes[i]);
    free(m->routes);
    for (uint32_t i = 0; i < m->nkwdbs; i++) {
        hs_free_database(m->kwdbs[i].db);
        free(m->kwdbs[i].atoms);
    }
    free(m->kwmark);
    free(m->kwlist);
    if (m->cmemo)
        for (size_t i = 0; i < CMEMO_SIZE; i++) free(m->cmemo[i].key);
    free(m->cmemo);
    ward_buf_free(&m->ckey);
    ward_buf_free(&m->kwbuf);
    free(m->kwseg);
    free(m->hit_gen);
    free(m->lazy_gen);
    free(m->lazy_val);
    free(m->touched);
    free(m->pending);
    free(m->rule_gen);
    free(m->cands);
    free(m->cbits);
    free(m->slot_gen);
    free(m->dslot_gen);
    free(m->node_gen);
    free(m->wp_gen);
    free(m->wp_has);
    free(m->vals);
    free(m->vals2);
    free(m->seg_h);
    free(m->seg_ix);
    free(m->seg_long);
    free(m->seg_cand);
    free(m->padbuf);
    free(m->prof.slot_scans);
    free(m->prof.slot_ns);
    free(m->prof.slot_bytes);
    free(m->prof.slot_later);
    free(m->prof.rule_evals);
    free(m->prof.rule_ns);
    free(m);
}

void ward_matcher_set_profile(struct ward_matcher *m, int on)
{
    m->profile = on;
    if (on > 1 && !m->prof.slot_scans) {
        size_t n = m->rs->nslots + 1;
        m->prof.slot_scans = calloc(n, sizeof *m->prof.slot_scans);
        m->prof.slot_ns = calloc(n, sizeof *m->prof.slot_ns);
        m->prof.slot_bytes = calloc(n, sizeof *m->prof.slot_bytes);
        m->prof.slot_later = calloc(n, sizeof *m->prof.slot_later);
        m->prof.rule_evals = calloc(m->rs->nrules + 1, sizeof *m->prof.rule_evals);
        m->prof.rule_ns = calloc(m->rs->nrules + 1, sizeof *m->prof.rule_ns);
        if (!m->prof.slot_scans || !m->prof.slot_ns || !m->prof.slot_bytes || !m->prof.slot_later ||
            !m->prof.rule_evals || !m->prof.rule_ns)
            m->profile = 0;
    }
}

void ward_matcher_set_stop(struct ward_matcher *m, int phase)
{
    m->stop = phase;
}

const struct ward_matcher_prof *ward_matcher_get_prof(const struct ward_matcher *m)
{
    return &m->prof;
}

/* ---- logsource classification, memoized ------------------------------------------------ */

static int wp_present(struct ward_matcher *m, uint32_t wp);
static uint32_t pattern_fields(struct ward_matcher *m, const struct slot_key *k,
                               struct ward_field **out, uint32_t max);
static int field_value(struct ward_matcher *m, struct ward_field *f, struct ward_str *v);

/* Appends to the memo key (inline: this runs for every key of every event). */
static inline int ckey_put(struct ward_buf *b, const void *p, size_t n)
{
    if (WARD_UNLIKELY(b->len + n + 1 > b->cap) && ward_buf_reserve(b, n)) return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0'; /* as ward_buf keeps it */
    return 0;
}

static inline int ckey_byte(struct ward_buf *b, char c)
{
    return ckey_put(b, &c, 1);
}

static int ckey_str(struct ward_buf *b, const char *s, size_t n)
{
    uint32_t l = (uint32_t)n;
    if (ckey_put(b, &l, sizeof l)) return -1;
    return ckey_put(b, s, n);
}

/* The first field of an event key as ward_sigma_field_values reads it with max 1. */
static struct ward_field *ckey_field(struct ward_matcher *m, const struct slot_key *k)
{
    struct ward_event *ev = m->ev;
    if (k->wild) {
        struct ward_field *f = NULL;
        return pattern_fields(m, k, &f, 1) ? f : NULL;
    }
    struct ward_field *f = ward_event_by_id(ev, k->id);
    return f ? f : ward_event_by_id(ev, k->id0);
}

/*
 * ward_taxonomy_classify reads only ev->product/service/category and the first value of
 * the keys of ward_taxonomy_classify_keys: the classification is memoized on exactly
 * those (compared whole on a hit, so a hash collision cannot mislead).
 */
static void classify(struct ward_matcher *m, struct ward_ls_ids *ls)
{
    const struct ward_ruleset *rs = m->rs;
    struct ward_event *ev = m->ev;
    if (!rs->cmemo) {
        ward_taxonomy_classify(rs->tax, ev, ls);
        return;
    }
    struct ward_buf *b = &m->ckey;
    ward_buf_reset(b);
    const char *meta[3] = {ev->product, ev->service, ev->category};
    int bad = 0;
    for (int i = 0; i < 3 && !bad; i++)
        bad = meta[i] ? ckey_str(b, meta[i], strlen(meta[i])) : ckey_byte(b, 0);
    for (uint32_t i = 0; i < rs->nckeys && !bad; i++) {
        struct ward_field *f = ckey_field(m, &rs->ckeys[i]);
        struct ward_str v;
        if (!f) {
            bad = ckey_byte(b, 0);
        } else if (field_value(m, f, &v) == 0) {
            bad = ckey_byte(b, 1) || ckey_str(b, v.ptr, v.len);
        } else {
            bad = 1;
        }
    }
    if (bad) {
        ward_taxonomy_classify(rs->tax, ev, ls);
        return;
    }
    uint64_t h = ward_hash64(b->data, b->len, 0);
    struct cmemo *e = &m->cmemo[h & (CMEMO_SIZE - 1)];
    if (e->key && e->h == h && e->len == b->len && memcmp(e->key, b->data, b->len) == 0) {
        *ls = e->ls;
        return;
    }
    ward_taxonomy_classify(rs->tax, ev, ls);
    char *copy = malloc(b->len ? b->len : 1);
    if (!copy) return;
    memcpy(copy, b->data, b->len);
    free(e->key);
    e->key = copy;
    e->len = b->len;
    e->h = h;
    e->ls = *ls;
}

/* ---- values ---------------------------------------------------------------------------------- */

/* Whether some field of the event starts with the literal prefix of a "*" key. */
static int wp_present(struct ward_matcher *m, uint32_t wp)
{
    if (m->wp_gen[wp] != m->gen) {
        const struct wprefix *p = &m->rs->wpfx[wp];
        const struct ward_event *ev = m->ev;
        uint8_t has = 0;
        if (p->len >= 8) {
            /* most keys differ from the prefix in their first 8 bytes ("Event.Sy" against
             * "Event.Us"): one load each instead of a memcmp call */
            uint64_t head;
            memcpy(&head, p->s, 8);
            for (uint32_t i = 0; i < ev->nfields && !has; i++) {
                const struct ward_field *f = &ev->fields[i];
                if (f->klen < p->len) continue;
                const char *key = ward_field_key(ev, f);
                uint64_t k8;
                memcpy(&k8, key, 8);
                has = k8 == head && memcmp(key + 8, p->s + 8, p->len - 8) == 0;
            }
        } else {
            for (uint32_t i = 0; i < ev->nfields && !has; i++)
                has = ev->fields[i].klen >= p->len &&
                      memcmp(ward_field_key(ev, &ev->fields[i]), p->s, p->len) == 0;
        }
        m->wp_has[wp] = has;
        m->wp_gen[wp] = m->gen;
    }
    return m->wp_has[wp];
}

/* Builds the last-segment index of the event's fields (see struct ward_matcher). */
static int seg_build(struct ward_matcher *m)
{
    const struct ward_event *ev = m->ev;
    uint32_t cap = 16;
    while (cap < 2 * ev->nfields) cap *= 2;
    if (cap > m->seg_cap) {
        uint64_t *h = realloc(m->seg_h, cap * sizeof *h);
        if (h) m->seg_h = h;
        uint32_t *ix = realloc(m->seg_ix, cap * sizeof *ix);
        if (ix) m->seg_ix = ix;
        if (!h || !ix) return WARD_ENOMEM;
        m->seg_cap = cap;
    }
    if (ev->nfields > m->seg_fields_cap) {
        uint32_t *l = realloc(m->seg_long, ev->nfields * sizeof *l);
        if (l) m->seg_long = l;
        uint32_t *c = realloc(m->seg_cand, ev->nfields * sizeof *c);
        if (c) m->seg_cand = c;
        if (!l || !c) return WARD_ENOMEM;
        m->seg_fields_cap = ev->nfields;
    }
    memset(m->seg_ix, 0, cap * sizeof *m->seg_ix);
    m->seg_mask = cap - 1;
    m->nseg_long = 0;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const char *key = ward_field_key(ev, &ev->fields[i]);
        const char *last = memrchr(key, '.', ev->fields[i].klen);
        last = last ? last + 1 : key;
        uint64_t h = ward_sigma_seg_hash(last, (size_t)(key + ev->fields[i].klen - last));
        if (h == UINT64_MAX) {
            m->seg_long[m->nseg_long++] = i;
            continue;
        }
        uint32_t j = (uint32_t)h & (cap - 1);
        while (m->seg_ix[j]) j = (j + 1) & (cap - 1);
        m->seg_h[j] = h;
        m->seg_ix[j] = i + 1;
    }
    m->seg_gen = m->gen;
    return 0;
}

static int keys_have_space(struct ward_matcher *m)
{
    if (m->space_gen != m->gen) {
        m->key_space = m->ev->keys_len && memchr(m->ev->keys, ' ', m->ev->keys_len) != NULL;
        m->space_gen = m->gen;
    }
    return m->key_space;
}

/* The fields a pattern key matches, in event order (at most max). Only the fields whose
 * last segment hashes like the key's are tried, unless the key ends in "*". */
static uint32_t pattern_fields(struct ward_matcher *m, const struct slot_key *k,
                               struct ward_field **out, uint32_t max)
{
    struct ward_event *ev = m->ev;
    uint32_t n = 0;
    if (!wp_present(m, k->wp)) return 0;
    if (k->tilde_last && !keys_have_space(m)) {
        struct ward_field *f = ward_event_by_id(ev, k->tid);
        if (!f || !max) return 0;
        out[0] = f;
        return 1;
    }
    if (k->seg_any || k->seg_h == UINT64_MAX || (m->seg_gen != m->gen && seg_build(m) != 0)) {
        for (uint32_t i = 0; i < ev->nfields && n < max; i++) {
            struct ward_field *f = &ev->fields[i];
            if (ward_taxonomy_key_match(k->name, ward_field_key(ev, f), f->klen)) out[n++] = f;
        }
        return n;
    }
    uint32_t nc = 0, mask = m->seg_mask;
    for (uint32_t j = (uint32_t)k->seg_h & mask; m->seg_ix[j]; j = (j + 1) & mask)
        if (m->seg_h[j] == k->seg_h) m->seg_cand[nc++] = m->seg_ix[j] - 1;
    for (uint32_t i = 0; i < m->nseg_long; i++) m->seg_cand[nc++] = m->seg_long[i];
    for (uint32_t i = 1; i < nc; i++) { /* event order */
        uint32_t x = m->seg_cand[i], j = i;
        for (; j > 0 && m->seg_cand[j - 1] > x; j--) m->seg_cand[j] = m->seg_cand[j - 1];
        m->seg_cand[j] = x;
    }
    for (uint32_t i = 0; i < nc && n < max; i++) {
        struct ward_field *f = &ev->fields[m->seg_cand[i]];
        if (ward_taxonomy_key_match(k->name, ward_field_key(ev, f), f->klen)) out[n++] = f;
    }
    return n;
}

/* The values of a slot (see struct slot_key): fills out, returns the count (0 = absent). */
static uint32_t slot_values(struct ward_matcher *m, uint32_t slot, struct ward_field **out)
{
    const struct slot *s = &m->rs->slots[slot];
    struct ward_event *ev = m->ev;
    for (uint32_t k = 0; k < s->nkeys; k++) {
        const struct slot_key *key = &s->keys[k];
        if (WARD_UNLIKELY(key->wild)) {
            uint32_t n = pattern_fields(m, key, out, WARD_SLOT_MAX_VALUES);
            if (n) return n;
            continue;
        }
        struct ward_field *f = ward_event_by_id(ev, key->id);
        if (f) {
            out[0] = f;
            return 1;
        }
        f = ward_event_by_id(ev, key->id0);
        if (WARD_LIKELY(!f)) continue;
        /* an array: key.0, key.1 ... while present */
        out[0] = f;
        uint32_t n = 1;
        char buf[1100];
        if (key->len + 12 >= sizeof buf) return n;
        memcpy(buf, key->name, key->len);
        for (size_t i = 1; n < WARD_SLOT_MAX_VALUES; i++) {
            int l = snprintf(buf + key->len, sizeof buf - key->len, ".%zu", i);
            f = ward_event_find(ev, buf, key->len + (size_t)l);
            if (!f) break;
            out[n++] = f;
        }
        return n;
    }
    return 0;
}

static int field_value(struct ward_matcher *m, struct ward_field *f, struct ward_str *v)
{
    int rc = ward_event_value(m->ev, f, v);
    if (rc) {
        m->err = rc;
        v->ptr = "";
        v->len = 0;
    }
    return rc;
}

/* Whether a field takes part in keyword (field-less) searches: strings and numbers. */
static int keyword_field(const struct ward_field *f)
{
    return f->type == WARD_V_STR || f->type == WARD_V_NUM;
}

/* ---- lazy evaluation of one pattern on one value ------------------------------------------ */

static int glob_match(const struct ward_sigma_pattern *p, const char *s, size_t n)
{
    int ci = !(p->flags & WARD_SP_CASED);
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
    while (si < n) {
        if (pi < p->len) {
            int w = p->wild ? p->wild[pi] : WARD_GLOB_LIT;
            if (w == WARD_GLOB_STAR) {
                star_p = ++pi;
                star_s = si;
                continue;
            }
            if (w == WARD_GLOB_ONE) {
                pi++;
                si++;
                continue;
            }
            unsigned char a = (unsigned char)p->text[pi], c = (unsigned char)s[si];
            if (a == c || (ci && ward_lower(a) == ward_lower(c))) {
                pi++;
                si++;
                continue;
            }
        }
        if (star_p == SIZE_MAX) return 0;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < p->len && p->wild && p->wild[pi] == WARD_GLOB_STAR) pi++;
    return pi == p->len;
}

static size_t find_lit(const char *s, size_t n, const char *lit, size_t l, int cased);

/* A regex of literals joined by ".*" (struct atom's seq) on a value: each part at its
 * earliest place after the previous one, on one line unless "." matches a newline. */
static int seq_match(const struct atom *a, struct ward_str v, int cased)
{
    const char *p = v.ptr ? v.ptr : "", *end = p + v.len;
    for (;;) {
        const char *le = end;
        if (!a->seq_dotall) {
            le = memchr(p, '\n', (size_t)(end - p));
            if (!le) le = end;
        }
        const char *q = p, *part = a->seq;
        while (*part) {
            size_t l = strlen(part);
            size_t at = find_lit(q, (size_t)(le - q), part, l, cased);
            if (at == SIZE_MAX) break;
            q += at + l;
            part += l + 1;
        }
        if (!*part) return 1;
        if (le == end) return 0;
        p = le + 1;
    }
}

static int re_match(struct ward_matcher *m, const pcre2_code *re, struct ward_str v)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)(v.ptr ? v.ptr : ""), v.len, 0, 0, m->md, NULL);
    return rc >= 0;
}

static int cidr_match(const struct ward_sigma_pattern *p, struct ward_str v)
{
    char buf[64];
    uint8_t addr[16];
    if (v.len == 0 || v.len >= sizeof buf) return 0;
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = '\0';
    if (inet_pton(p->family == 4 ? AF_INET : AF_INET6, buf, addr) != 1) return 0;
    unsigned bits = p->prefix;
    for (unsigned i = 0; i < 16 && bits; i++) {
        unsigned take = bits >= 8 ? 8 : bits;
        uint8_t mask = (uint8_t)(0xFF << (8 - take));
        if ((addr[i] & mask) != (p->addr[i] & mask)) return 0;
        bits -= take;
    }
    return 1;
}

static int64_t weekday_mon1(int64_t days)
{
    return ((days % 7) + 7 + 3) % 7 + 1; /* 1970-01-01 was a Thursday (4) */
}

static int64_t iso_weeks_in_year(int64_t y)
{
    int64_t jan1 = weekday_mon1(ward_days_from_civil(y, 1, 1));
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return (jan1 == 4 || (leap && jan1 == 3)) ? 53 : 52;
}

/* ISO 8601 week number of a day (days since the epoch) in civil year y. */
static int64_t iso_week(int64_t days, int64_t y)
{
    int64_t yday = days - ward_days_from_civil(y, 1, 1) + 1;
    int64_t wk = (yday - weekday_mon1(days) + 10) / 7;
    if (wk < 1) return iso_weeks_in_year(y - 1);
    if (wk > iso_weeks_in_year(y)) return 1;
    return wk;
}

static int timepart_match(const struct ward_sigma_pattern *p, struct ward_str v)
{
    ward_time_t t;
    if (ward_time_parse(v.ptr, v.len, &t)) return 0;
    int64_t secs = t / 1000000000LL - (t % 1000000000LL < 0);
    int64_t days = secs / 86400 - (secs % 86400 < 0);
    int64_t sod = secs - days * 86400;
    /* civil from days (proleptic Gregorian) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t mo = mp < 10 ? mp + 3 : mp - 9;
    if (mo <= 2) y++;
    int64_t val;
    switch (p->time_unit) {
    case WARD_TP_MINUTE: val = (sod / 60) % 60; break;
    case WARD_TP_HOUR: val = sod / 3600; break;
    case WARD_TP_DAY: val = d; break;
    case WARD_TP_WEEK: val = iso_week(days, y); break;
    case WARD_TP_MONTH: val = mo; break;
    default: val = y; break;
    }
    return (double)val == p->num;
}

static int ref_match(const struct ward_sigma_pattern *p, struct ward_str a, struct ward_str b)
{
    int ci = !(p->flags & WARD_SP_CASED);
    if (b.len > a.len) return 0;
    size_t off;
    switch (p->ref_mode) {
    case WARD_REF_EQ:
        if (a.len != b.len) return 0;
        return ci ? ward_str_ieq(a, b) : ward_str_eq(a, b);
    case WARD_REF_STARTS: off = 0; break;
    case WARD_REF_ENDS: off = a.len - b.len; break;
    default:
        for (size_t i = 0; i + b.len <= a.len; i++) {
            struct ward_str s = ward_str_make(a.ptr + i, b.len);
            if (ci ? ward_str_ieq(s, b) : ward_str_eq(s, b)) return 1;
        }
        return 0;
    }
    struct ward_str s = ward_str_make(a.ptr + off, b.len);
    return ci ? ward_str_ieq(s, b) : ward_str_eq(s, b);
}

static int same(const char *a, const char *b, size_t n, int cased);
static int contains(const char *s, size_t n, const char *lit, size_t l, int cased);

/* A bare literal at its position (enum atom_pos) in a value. */
static int lit_match(const struct atom *a, struct ward_str v)
{
    if (a->litlen > v.len) return 0;
    switch (a->pos) {
    case POS_EQ: return a->litlen == v.len && same(v.ptr, a->lit, v.len, a->cased);
    case POS_START: return same(v.ptr, a->lit, a->litlen, a->cased);
    case POS_END: return same(v.ptr + v.len - a->litlen, a->lit, a->litlen, a->cased);
    default: return contains(v.ptr, v.len, a->lit, a->litlen, a->cased);
    }
}

/* A pattern on the value of a present field. */
static int pattern_on_value(struct ward_matcher *m, const struct atom *a, struct ward_field *f,
                            struct ward_str v)
{
    const struct ward_sigma_pattern *p = a->pat;
    double x;
    switch (p->kind) {
    case WARD_SP_GLOB:
        switch (a->lazy) {
        case LZ_GLOB_ANY: return 1;
        case LZ_GLOB_EMPTY: return v.len == 0;
        case LZ_LIT: return lit_match(a, v);
        default: return glob_match(p, v.ptr, v.len);
        }
    case WARD_SP_RE:
        return a->seq ? seq_match(a, v, !(p->flags & WARD_SP_RE_I)) : re_match(m, a->re, v);
    case WARD_SP_CIDR: return cidr_match(p, v);
    case WARD_SP_LT:
    case WARD_SP_LTE:
    case WARD_SP_GT:
    case WARD_SP_GTE:
        if (f->type == WARD_V_BOOL || f->type == WARD_V_NULL || ward_parse_double(v, &x)) return 0;
        if (p->kind == WARD_SP_LT) return x < p->num;
        if (p->kind == WARD_SP_LTE) return x <= p->num;
        if (p->kind == WARD_SP_GT) return x > p->num;
        return x >= p->num;
    case WARD_SP_EXISTS: return p->num != 0;
    case WARD_SP_NULL: return f->type == WARD_V_NULL || v.len == 0;
    case WARD_SP_TIMEPART: return timepart_match(p, v);
    case WARD_SP_FIELDREF: {
        uint32_t n = slot_values(m, a->ref_slot, m->vals2);
        for (uint32_t i = 0; i < n; i++) {
            struct ward_str w;
            if (field_value(m, m->vals2[i], &w)) return 0;
            if (ref_match(p, v, w)) return 1;
        }
        return 0;
    }
    }
    return 0;
}

/* The values of a slot (or of the keyword pseudo slot) in m->vals, kept for the event: the
 * next atom read is most often of the same slot. Returns their count. */
static uint32_t slot_vals_cached(struct ward_matcher *m, uint32_t slot)
{
    if (m->vals_gen == m->gen && m->vals_slot == slot) return m->vals_n;
    struct ward_event *ev = m->ev;
    uint32_t n = 0;
    if (slot == WARD_KW_SLOT) {
        for (uint32_t i = 0; i < ev->nfields && n < WARD_SLOT_MAX_VALUES; i++)
            if (keyword_field(&ev->fields[i])) m->vals[n++] = &ev->fields[i];
    } else {
        n = slot_values(m, slot, m->vals);
    }
    m->vals_gen = m->gen;
    m->vals_slot = slot;
    m->vals_n = n;
    return n;
}

static int lazy_eval(struct ward_matcher *m, const struct atom *a)
{
    struct ward_field **f = m->vals;
    uint32_t n = slot_vals_cached(m, a->slot);
    const struct ward_sigma_pattern *p = a->pat;
    if (p->kind == WARD_SP_EXISTS) return (n > 0) == (p->num != 0);
    if (p->kind == WARD_SP_NULL) {
        if (n == 0) return 1;
        for (uint32_t i = 0; i < n; i++)
            if (f[i]->type == WARD_V_NULL || f[i]->vlen == 0) return 1;
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct ward_str v;
        if (field_value(m, f[i], &v)) return 0;
        if (pattern_on_value(m, a, f[i], v)) return 1;
    }
    return 0;
}

/* ---- conditions ------------------------------------------------------------------------------ */

static void scan_later(struct ward_matcher *m, uint32_t s);
static void mark_hit(struct ward_matcher *m, uint32_t id);

/* What a scan of a deferred atom's `later` set, and the confirmation of its hits, would say
 * of one value: its bare literal at its place, its glob, or its regex (PCRE2, or in C for
 * literals joined by ".*"). */
static int deferred_match(struct ward_matcher *m, const struct atom *a, struct ward_str v)
{
    if (a->lit) return lit_match(a, v);
    if (a->frag && !contains(v.ptr, v.len, a->pat->text + a->frag_off, a->frag_len,
                             (a->pat->flags & WARD_SP_CASED) != 0))
        return 0; /* a glob's longest literal run first (memchr), then the glob */
    if (a->pat->kind == WARD_SP_GLOB) return glob_match(a->pat, v.ptr, v.len);
    if (a->fac && !contains(v.ptr, v.len, a->fac, a->faclen, 0)) return 0; /* its factor first */
    return a->seq ? seq_match(a, v, !(a->pat->flags & WARD_SP_RE_I)) : re_match(m, a->re, v);
}

/*
 * A deferred atom evaluated on its slot's values (a bare literal compared in C, a glob, a
 * regex), instead of a scan of the slot's `later` set (when that scan has not run for this
 * event): a scan of a large `later` set costs many times one PCRE2 call. The answer is the
 * scan's:
 * a hit is stamped as the scan would (hit_gen, its N_ANYHIT nodes), a miss is remembered in
 * lazy_gen (unused otherwise for scanned atoms).
 */
static int defer_direct(struct ward_matcher *m, uint32_t ai)
{
    if (m->hit_gen[ai] == m->gen) return 1;
    if (m->lazy_gen[ai] == m->gen || m->dslot_gen[m->rs->atoms[ai].slot] == m->gen) return 0;
    const struct atom *a = &m->rs->atoms[ai];
    m->lazy_gen[ai] = m->gen;
    uint32_t n = slot_vals_cached(m, a->slot);
    for (uint32_t i = 0; i < n; i++) {
        struct ward_str v;
        if (field_value(m, m->vals[i], &v)) continue;
        if (!v.ptr) v.ptr = "";
        if (deferred_match(m, a, v)) {
            mark_hit(m, ai);
            return 1;
        }
    }
    return 0;
}

static int atom_value(struct ward_matcher *m, uint32_t ai)
{
    const struct atom *a = &m->rs->atoms[ai];
    if (a->mode != ATOM_LAZY) {
        if (a->defer) {
            if (m->dslot_gen[a->slot] != m->gen) return defer_direct(m, ai);
            scan_later(m, a->slot);
        }
        return m->hit_gen[ai] == m->gen;
    }
    if (m->lazy_gen[ai] != m->gen) {
        m->lazy_val[ai] = (uint8_t)lazy_eval(m, a);
        m->lazy_gen[ai] = m->gen;
    }
    return m->lazy_val[ai];
}

static int eval(struct ward_matcher *m, uint32_t i)
{
    const struct node *nodes = m->rs->nodes, *n = &nodes[i];
    switch (n->op) {
    case N_FALSE: return 0;
    case N_TRUE: return 1;
    case N_ATOM: return atom_value(m, n->arg);
    case N_ANYHIT:
        if (m->node_gen[i] == m->gen) return 1;
        if (n->arg == UINT32_MAX) return 0;
        if (n->direct && m->dslot_gen[n->arg] != m->gen) {
            /* its eager children would have stamped it: only the deferred ones remain */
            for (uint32_t j = i + 1; j < n->end; j = nodes[j].end)
                if (m->rs->atoms[nodes[j].arg].defer && defer_direct(m, nodes[j].arg)) return 1;
            return 0;
        }
        scan_later(m, n->arg);
        return m->node_gen[i] == m->gen;
    case N_NOT: return !eval(m, i + 1);
    case N_AND:
        for (uint32_t j = i + 1; j < n->end; j = nodes[j].end)
            if (!eval(m, j)) return 0;
        return 1;
    case N_OR:
        for (uint32_t j = i + 1; j < n->end; j = nodes[j].end)
            if (eval(m, j)) return 1;
        return 0;
    }
    return 0;
}

/* ---- scanning -------------------------------------------------------------------------------- */

static void mark_hit(struct ward_matcher *m, uint32_t id)
{
    const struct atom *a = &m->rs->atoms[id];
    m->hit_gen[id] = m->gen;
    m->touched[m->ntouched++] = id;
    const uint32_t *nodes = m->rs->atom_nodes + a->nodes_off;
    for (uint32_t k = 0; k < a->nodes_n; k++) m->node_gen[nodes[k]] = m->gen;
}

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    (void)from;
    (void)flags;
    struct ward_matcher *m = ctx;
    if (m->hit_gen[id] == m->gen) return 0;
    const struct atom *a = &m->rs->atoms[id];
    if (m->kw_joined) {
        /* the match [to - litlen, to) must lie inside one value of the joined buffer */
        unsigned long long start = to - a->litlen;
        uint32_t lo = 0, hi = m->nkwseg; /* last value starting at or before `start` */
        while (hi - lo > 1) {
            uint32_t mid = (lo + hi) / 2;
            if (m->kwseg[2 * mid] <= start)
                lo = mid;
            else
                hi = mid;
        }
        if (m->nkwseg == 0 || m->kwseg[2 * lo] > start || to > m->kwseg[2 * lo + 1]) return 0;
        if ((a->pos == POS_START || a->pos == POS_EQ) && start != m->kwseg[2 * lo]) return 0;
        if ((a->pos == POS_END || a->pos == POS_EQ) && to != m->kwseg[2 * lo + 1]) return 0;
        mark_hit(m, id);
        return 0;
    }
    if (to > m->scan_len) return 0; /* in the padding (see scan) */
    switch (a->pos) {
    case POS_START:
        if (to != a->litlen) return 0;
        break;
    case POS_END:
        if (to != m->scan_len) return 0;
        break;
    case POS_EQ:
        if (to != m->scan_len || to != a->litlen) return 0;
        break;
    }
    if (a->mode == ATOM_CONFIRM || a->frag) {
        m->pending[m->npending++] = id;
        return 0;
    }
    mark_hit(m, id);
    return 0;
}

/*
 * Scans a value. pad: the scan runs over a copy of the value followed by WARD_SCAN_PAD
 * NUL bytes (pad 2: the value is followed by them where it is), and matches that end past
 * the value are refused (on_hit). Vectorscan 5.4.9
 * (the AVX-512 code path of its small literal matcher) misses literal matches that end in
 * the last bytes of a buffer longer than 64 bytes; with the padding, no match of the value
 * is in that region. Literal databases are scanned so; expression databases cannot be
 * (an anchor at the value's end would no longer hold).
 */
static void scan(struct ward_matcher *m, const hs_database_t *db, struct ward_str v, int pad)
{
    const char *p = v.ptr ? v.ptr : "";
    size_t n = v.len;
    if (pad == 2) {
        n = v.len + WARD_SCAN_PAD; /* the caller's buffer holds the padding already */
    } else if (pad) {
        if (v.len + WARD_SCAN_PAD > m->padcap) {
            size_t cap = (v.len + WARD_SCAN_PAD) * 2;
            char *nb = realloc(m->padbuf, cap);
            if (!nb) {
                m->err = WARD_ENOMEM;
                return;
            }
            m->padbuf = nb;
            m->padcap = cap;
        }
        if (p != m->padbuf) memcpy(m->padbuf, p, v.len);
        memset(m->padbuf + v.len, 0, WARD_SCAN_PAD);
        p = m->padbuf;
        n = v.len + WARD_SCAN_PAD;
    }
    m->npending = 0;
    m->scan_len = v.len;
    hs_error_t he = hs_scan(db, p, (unsigned)n, 0, m->scratch, on_hit, m);
    if (he != HS_SUCCESS && he != HS_SCAN_TERMINATED) m->err = WARD_EINVAL;
    if (m->profile) m->prof.scans++;
    for (uint32_t i = 0; i < m->npending; i++) {
        uint32_t id = m->pending[i];
        if (m->hit_gen[id] == m->gen) continue;
        const struct atom *a = &m->rs->atoms[id];
        int ok = a->frag  ? glob_match(a->pat, v.ptr, v.len)
                 : a->seq ? seq_match(a, v, !(a->pat->flags & WARD_SP_RE_I))
                          : re_match(m, a->re, v);
        if (ok) mark_hit(m, id);
    }
    m->npending = 0;
}

static int same(const char *a, const char *b, size_t n, int cased)
{
    if (cased) return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (ward_lower((unsigned char)a[i]) != ward_lower((unsigned char)b[i])) return 0;
    return 1;
}

static void eq_lookup(struct ward_matcher *m, const uint32_t *t, uint32_t mask, int cased,
                      struct ward_str v)
{
    uint64_t h = cased ? ward_hash64(v.ptr, v.len, 0) : ward_hash64_lower(v.ptr, v.len, 0);
    const struct atom *atoms = m->rs->atoms;
    for (uint32_t j = (uint32_t)h & mask; t[j]; j = (j + 1) & mask) {
        uint32_t id = t[j] - 1;
        const struct atom *a = &atoms[id];
        if (a->litlen == v.len && m->hit_gen[id] != m->gen && same(a->lit, v.ptr, v.len, cased))
            mark_hit(m, id);
    }
}

/* The offset of the first occurrence of a literal (l >= 1) in s, or SIZE_MAX. */
static size_t find_lit(const char *s, size_t n, const char *lit, size_t l, int cased)
{
    if (l > n) return SIZE_MAX;
    /* the places of the first byte found with memchr (in both cases when caseless) */
    unsigned char a = (unsigned char)lit[0], b = a;
    if (!cased) {
        a = ward_lower(a);
        b = a >= 'a' && a <= 'z' ? (unsigned char)(a - 32) : a;
    }
    const char *p = s, *end = s + (n - l + 1); /* the last start is end - 1 */
    while (p < end) {
        const char *q = memchr(p, a, (size_t)(end - p));
        if (b != a) {
            const char *r = memchr(p, b, (size_t)((q ? q : end) - p));
            if (r) q = r;
        }
        if (!q) return SIZE_MAX;
        if (same(q + 1, lit + 1, l - 1, cased)) return (size_t)(q - s);
        p = q + 1;
    }
    return SIZE_MAX;
}

static int contains(const char *s, size_t n, const char *lit, size_t l, int cased)
{
    return find_lit(s, n, lit, l, cased) != SIZE_MAX;
}

static void direct_check(struct ward_matcher *m, const struct scanset *sl, struct ward_str v)
{
    const struct atom *atoms = m->rs->atoms;
    for (uint32_t k = 0; k < sl->ndirect; k++) {
        uint32_t id = sl->direct[k];
        const struct atom *a = &atoms[id];
        if (m->hit_gen[id] == m->gen || a->litlen > v.len) continue;
        int ok;
        switch (a->pos) {
        case POS_START: ok = same(v.ptr, a->lit, a->litlen, a->cased); break;
        case POS_END: ok = same(v.ptr + v.len - a->litlen, a->lit, a->litlen, a->cased); break;
        default: ok = contains(v.ptr, v.len, a->lit, a->litlen, a->cased); break;
        }
        if (ok) mark_hit(m, id);
    }
}

/* The tag table of a scan set (struct scanset): each '=' of the value, for each tag
 * length, is one lookup of the bytes around it; candidates are compared whole. */
static void tag_check(struct ward_matcher *m, const struct scanset *ss, struct ward_str v)
{
    const struct atom *atoms = m->rs->atoms;
    const char *p = v.ptr, *end = v.ptr + v.len;
    while (p < end && (p = memchr(p, '=', (size_t)(end - p))) != NULL) {
        size_t at = (size_t)(p - v.ptr);
        p++;
        if (v.len - at - 1 < WARD_TAG_KEY) break; /* later '=' have even fewer bytes after */
        for (uint8_t k = 0; k < ss->ntag_lens; k++) {
            size_t t = ss->tag_lens[k];
            if (t > at) continue;
            const char *s = v.ptr + at - t;
            uint64_t h = ward_hash64_lower(s, t + 1 + WARD_TAG_KEY, 0);
            const uint32_t *tab = ss->tag, hi = (uint32_t)(h >> 32);
            for (uint32_t j = (uint32_t)h & ss->tag_mask; tab[2 * j]; j = (j + 1) & ss->tag_mask) {
                if (tab[2 * j + 1] != hi) continue;
                uint32_t id = tab[2 * j] - 1;
                const struct atom *a = &atoms[id];
                if (m->hit_gen[id] == m->gen || a->litlen > (size_t)(end - s) || a->lit[t] != '=')
                    continue;
                if (same(s, a->lit, a->litlen, a->cased)) mark_hit(m, id);
            }
        }
    }
}

/* Whether a value has a byte >= 0x80. */
static int has_high(struct ward_str v)
{
    size_t i = 0;
    for (; i + 8 <= v.len; i += 8) {
        uint64_t w;
        memcpy(&w, v.ptr + i, 8);
        if (w & 0x8080808080808080ULL) return 1;
    }
    for (; i < v.len; i++)
        if ((unsigned char)v.ptr[i] >= 0x80) return 1;
    return 0;
}

static void scan_set(struct ward_matcher *m, const struct scanset *ss, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        struct ward_str v;
        if (field_value(m, m->vals[k], &v)) continue;
        if (!v.ptr) v.ptr = "";
        if (ss->eq_lens >> (v.len < 63 ? v.len : 63) & 1) {
            if (ss->eq_ci) eq_lookup(m, ss->eq_ci, ss->eq_ci_mask, 0, v);
            if (ss->eq_cs) eq_lookup(m, ss->eq_cs, ss->eq_cs_mask, 1, v);
        }
        if (ss->ndirect) direct_check(m, ss, v);
        if (ss->tag) tag_check(m, ss, v);
        if (ss->db && v.len >= ss->db_minlen) scan(m, ss->db, v, 1);
        if (ss->dbhi && v.len >= ss->dbhi_minlen && has_high(v)) scan(m, ss->dbhi, v, 1);
        if (ss->db2) scan(m, ss->db2, v, 0);
        if (m->profile > 1) m->prof.slot_bytes[m->vals_slot] += v.len;
    }
}

/* The eager scan of a slot: its gate atoms. */
static void scan_slot(struct ward_matcher *m, uint32_t s)
{
    uint64_t t0 = m->profile > 1 ? ward_clock_ns() : 0;
    uint32_t n = slot_values(m, s, m->vals);
    m->vals_gen = m->gen;
    m->vals_slot = s;
    m->vals_n = n;
    scan_set(m, &m->rs->slots[s].now, n);
    if (m->profile > 1) {
        m->prof.slot_scans[s]++;
        m->prof.slot_ns[s] += ward_clock_ns() - t0;
    }
}

/* The on-demand scan of a slot's deferred atoms, once per event. */
static void scan_later(struct ward_matcher *m, uint32_t s)
{
    if (m->dslot_gen[s] == m->gen) return;
    m->dslot_gen[s] = m->gen;
    uint64_t t0 = m->profile > 1 ? ward_clock_ns() : 0;
    uint32_t n;
    if (m->vals_gen == m->gen && m->vals_slot == s) {
        n = m->vals_n;
    } else {
        n = slot_values(m, s, m->vals);
        m->vals_gen = m->gen;
        m->vals_slot = s;
        m->vals_n = n;
    }
    scan_set(m, &m->rs->slots[s].later, n);
    if (m->profile) m->prof.later_scans++;
    if (m->profile > 1) {
        m->prof.slot_later[s]++;
        m->prof.later_ns += ward_clock_ns() - t0;
    }
}

/* The shortest value the keyword pass looks at: every value when there are keyword
 * patterns other than literals (rs->kwdb2, scanned value by value). */
static uint32_t rs_kw_minlen(const struct ward_matcher *m, const struct route *r)
{
    return m->rs->kwdb2 ? 0 : r->kw_minlen;
}

/* Keywords look at every string and number field: the literal keyword database scans
 * all those values joined, once (matches that straddle two values are refused); other
 * keyword patterns are scanned value by value. The joined buffer is sized once per event
 * (an unescaped value is never longer than its text) and ends with the scan padding, so it
 * is scanned where it is. */
static void keyword_scan(struct ward_matcher *m, const struct route *r)
{
    const hs_database_t *kwdb = r->kwdb;
    uint32_t minlen = rs_kw_minlen(m, r);
    const struct ward_ruleset *rs = m->rs;
    struct ward_event *ev = m->ev;
    ward_buf_reset(&m->kwbuf);
    m->nkwseg = 0;
    /* a value shorter than every keyword literal cannot hold one (its escaped text is never
     * shorter than its value, so it need not even be unescaped) */
    size_t need = 0;
    uint32_t nseg = 0, n = 0;
    for (uint32_t i = 0; i < ev->nfields && n < WARD_SLOT_MAX_VALUES; i++) {
        const struct ward_field *f = &ev->fields[i];
        if (!keyword_field(f)) continue;
        n++;
        if (f->vlen < minlen) continue;
        need += (size_t)f->vlen + 1;
        nseg++;
    }
    if (kwdb) {
        if (need + WARD_SCAN_PAD > UINT32_MAX ||
            ward_buf_reserve(&m->kwbuf, need + WARD_SCAN_PAD)) {
            m->err = WARD_ENOMEM;
            return;
        }
        if (nseg > m->kwseg_cap) {
            uint32_t cap = m->kwseg_cap ? m->kwseg_cap : 64;
            while (cap < nseg) cap *= 2;
            uint32_t *seg = realloc(m->kwseg, 2 * (size_t)cap * sizeof *seg);
            if (!seg) {
                m->err = WARD_ENOMEM;
                return;
            }
            m->kwseg = seg;
            m->kwseg_cap = cap;
        }
    }
    char *buf = m->kwbuf.data;
    size_t len = 0;
    n = 0;
    for (uint32_t i = 0; i < ev->nfields && n < WARD_SLOT_MAX_VALUES; i++) {
        struct ward_field *f = &ev->fields[i];
        struct ward_str v;
        if (!keyword_field(f)) continue;
        n++;
        if (f->vlen < minlen) continue;
        if (field_value(m, f, &v)) continue;
        if (v.len < minlen) continue;
        if (rs->kwdb2) scan(m, rs->kwdb2, v, 0);
        if (!kwdb) continue;
        if (v.len) memcpy(buf + len, v.ptr, v.len);
        m->kwseg[2 * m->nkwseg] = (uint32_t)len;
        len += v.len;
        m->kwseg[2 * m->nkwseg + 1] = (uint32_t)len;
        buf[len++] = '\0';
        m->nkwseg++;
    }
    if (kwdb && m->nkwseg) {
        memset(buf + len, 0, WARD_SCAN_PAD);
        m->kwbuf.len = len;
        m->kw_joined = 1;
        scan(m, kwdb, ward_str_make(buf, len), 2);
        m->kw_joined = 0;
    }
}

/* The bits of mask (struct slot's wild_mask) that hold for the event, each found once per
 * event when first asked. */
static uint32_t wild_bits(struct ward_matcher *m, uint32_t mask)
{
    if (m->wild_gen != m->gen) {
        m->wild_gen = m->gen;
        m->wild_known = m->wild_has = 0;
    }
    for (uint32_t need = mask & ~m->wild_known; need; need &= need - 1) {
        uint32_t bit = (uint32_t)__builtin_ctz(need);
        if (bit == WARD_WILD_SPACE ? keys_have_space(m) : wp_present(m, bit))
            m->wild_has |= 1u << bit;
        m->wild_known |= 1u << bit;
    }
    return mask & m->wild_has;
}

/*
 * Whether the pattern keys of a slot can only give fields that the loop over the event's
 * field ids has seen already: every "*" key's literal prefix is absent from the event, and
 * no key of the event holds a space (then "prefix.~Name" can only be "prefix.Name", whose
 * field id leads to the slot: link_fields). The slot then need not be visited again.
 */
static int wild_absent(struct ward_matcher *m, uint32_t s)
{
    const struct slot *sl = &m->rs->slots[s];
    if (WARD_LIKELY(sl->wild_mask != UINT32_MAX)) return wild_bits(m, sl->wild_mask) == 0;
    for (uint32_t k = 0; k < sl->nkeys; k++) {
        const struct slot_key *key = &sl->keys[k];
        if (!key->wild) continue;
        if (key->tilde_last ? keys_have_space(m) : wp_present(m, key->wp)) return 0;
    }
    return 1;
}

int ward_matcher_run(struct ward_matcher *m, struct ward_event *ev, ward_hit_fn hit, void *ctx)
{
    const struct ward_ruleset *rs = m->rs;
    uint64_t t0 = m->profile ? ward_clock_ns() : 0, t1 = 0, t2 = 0;
    if (++m->gen == 0) {
        size_t na = rs->natoms ? rs->natoms : 1;
        memset(m->hit_gen, 0, na * sizeof *m->hit_gen);
        memset(m->lazy_gen, 0, na * sizeof *m->lazy_gen);
        memset(m->rule_gen, 0, (rs->nrules ? rs->nrules : 1) * sizeof *m->rule_gen);
        memset(m->slot_gen, 0, (rs->nslots ? rs->nslots : 1) * sizeof *m->slot_gen);
        memset(m->dslot_gen, 0, (rs->nslots ? rs->nslots : 1) * sizeof *m->dslot_gen);
        memset(m->node_gen, 0, (rs->nnodes ? rs->nnodes : 1) * sizeof *m->node_gen);
        memset(m->wp_gen, 0, (rs->nwpfx ? rs->nwpfx : 1) * sizeof *m->wp_gen);
        m->seg_gen = 0;
        m->space_gen = 0;
        m->wild_gen = 0;
        m->vals_gen = 0;
        m->gen = 1;
    }
    m->ev = ev;
    m->err = 0;
    m->ntouched = 0;
    m->ncands = 0;
    if (ev->registry != &rs->fields) return WARD_EINVAL; /* ids would not be ours */

    struct ward_ls_ids ls;
    memset(&ls, 0, sizeof ls);
    if (rs->tax) classify(m, &ls);
    struct route *r = route_for(m, &ls);
    if (!r) return WARD_ENOMEM;
    if (m->profile) t1 = ward_clock_ns();
    if (WARD_UNLIKELY(m->stop == 1)) return 0;
    if (r->nsel == 0) goto done_scan;

    /* the slots to scan are found from the event's fields (most slots a route reads are
     * absent from any one event), plus the slots with "*" keys */
    for (uint32_t i = 0; i < ev->nfields; i++) {
        uint32_t id = ev->fields[i].id;
        if (id == WARD_FIELD_NOID || id >= rs->fields.count) continue;
        for (uint32_t k = rs->id_slots_off[id]; k < rs->id_slots_off[id + 1]; k++) {
            uint32_t s = rs->id_slots[k];
            if (m->slot_gen[s] == m->gen || !(r->slot_sel[s / 64] >> (s % 64) & 1)) continue;
            m->slot_gen[s] = m->gen;
            scan_slot(m, s);
        }
    }
    /* the route's slots with pattern keys: none can match when the event offers none of
     * what they need (most events: no Event.UserData. key, no key with a space) */
    uint32_t nwild =
        r->nwild && (r->wild_mask == UINT32_MAX || wild_bits(m, r->wild_mask)) ? r->nwild : 0;
    for (uint32_t i = 0; i < nwild; i++) {
        uint32_t s = r->wild_slots[i];
        if (m->slot_gen[s] == m->gen || wild_absent(m, s)) continue;
        m->slot_gen[s] = m->gen;
        scan_slot(m, s);
    }
    if (WARD_UNLIKELY(m->stop == 3)) return 0;
    if (r->keywords && (r->kwdb || rs->kwdb2)) {
        uint64_t tk = m->profile > 1 ? ward_clock_ns() : 0;
        keyword_scan(m, r);
        if (m->profile > 1) {
            m->prof.slot_scans[rs->nslots]++;
            m->prof.slot_ns[rs->nslots] += ward_clock_ns() - tk;
            m->prof.slot_bytes[rs->nslots] += m->kwbuf.len;
        }
    }
done_scan:
    if (m->profile) t2 = ward_clock_ns();
    if (WARD_UNLIKELY(m->stop == 2)) return 0;

    /* candidates: gated rules with a hit atom, and every ungated selected rule */
    for (uint32_t i = 0; i < m->ntouched; i++) {
        const struct atom *a = &rs->atoms[m->touched[i]];
        const uint32_t *lst = rs->atom_rules + a->rules_off;
        for (uint32_t k = 0; k < a->rules_n; k++) {
            uint32_t ri = lst[k];
            if (m->rule_gen[ri] == m->gen || !(r->sel[ri / 64] >> (ri % 64) & 1)) continue;
            m->rule_gen[ri] = m->gen;
            m->cands[m->ncands++] = ri;
        }
    }
    if (m->ncands > 32) {
        /* many: through a bitset over the rules (no comparison sort) */
        for (uint32_t i = 0; i < m->ncands; i++)
            m->cbits[m->cands[i] / 64] |= 1ULL << (m->cands[i] % 64);
        uint32_t n = 0;
        for (size_t w = 0; w < m->ncbits; w++) {
            for (uint64_t bits = m->cbits[w]; bits; bits &= bits - 1)
                m->cands[n++] = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
            m->cbits[w] = 0;
        }
    } else {
        for (uint32_t i = 1; i < m->ncands; i++) {
            uint32_t x = m->cands[i], j = i;
            for (; j > 0 && m->cands[j - 1] > x; j--) m->cands[j] = m->cands[j - 1];
            m->cands[j] = x;
        }
    }
    if (m->profile) m->prof.candidates += m->ncands + r->nalways;

    /* evaluate in rule order: merge the sorted candidates with the sorted ungated rules */
    int hits = 0;
    uint32_t ci = 0, ai = 0;
    while (ci < m->ncands || ai < r->nalways) {
        uint32_t ri;
        if (ai >= r->nalways || (ci < m->ncands && m->cands[ci] < r->always[ai]))
            ri = m->cands[ci++];
        else
            ri = r->always[ai++];
        const struct crule *cr = &rs->rules[ri];
        uint64_t te = m->profile > 1 ? ward_clock_ns() : 0;
        int matched = eval(m, cr->prog_off);
        if (m->profile > 1) {
            m->prof.rule_evals[ri]++;
            m->prof.rule_ns[ri] += ward_clock_ns() - te;
        }
        if (matched) {
            hits++;
            if (hit) hit(ctx, ri);
        }
    }
    if (m->profile) {
        uint64_t t3 = ward_clock_ns();
        m->prof.events++;
        m->prof.route_ns += t1 - t0;
        m->prof.scan_ns += t2 - t1;
        m->prof.eval_ns += t3 - t2;
    }
    return m->err ? m->err : hits;
}
