/*
 * sigma_corr.c - the correlation engine: base-rule matches are buffered in a min-heap by
 * event time and released once the watermark (newest time seen minus the lateness) passes
 * them; each released match updates the state of its (correlation, group key) group: a
 * ring of the window's events, running aggregates, per-rule times for temporal rules.
 * Groups live in one hash table and one LRU list over all correlations: a cap on their
 * number evicts the least recently updated (counted), and groups whose window has passed
 * are freed as the watermark moves. Alerts name the first and last correlated events;
 * a correlation alert also feeds the correlations that reference it (chaining).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corr_int.h"

#define KEY_MAX (1u << 20) /* bytes of a group key (the group-by values) */

/* ---- options, binding ------------------------------------------------------------------- */

void ward_corr_opts_default(struct ward_corr_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lateness = 60LL * 1000000000LL;
    o->max_groups = 100000;
    o->max_events = 4096;
    o->refs_keep = 5;
}

int ward_corr_field_default(void *ctx, struct ward_event *ev, const char *name,
                            struct ward_str *out)
{
    (void)ctx;
    size_t nl = strlen(name);
    struct ward_field *f = ward_event_find(ev, name, nl);
    if (!f) {
        for (uint32_t i = 0; i < ev->nfields; i++) {
            struct ward_field *g = &ev->fields[i];
            const char *k = ward_field_key(ev, g);
            if (g->klen > nl && k[g->klen - nl - 1] == '.' &&
                memcmp(k + g->klen - nl, name, nl) == 0)
                f = g;
        }
    }
    if (!f) return 0;
    return ward_event_value(ev, f, out) == 0;
}

static int ref_matches(const char *ref, const char *id, const char *name)
{
    return (id && strcmp(ref, id) == 0) || (name && strcmp(ref, name) == 0);
}

static int route_add(struct route *r, uint32_t corr, uint32_t pos)
{
    struct route_ent *n = realloc(r->e, (r->n + 1) * sizeof *n);
    if (!n) return WARD_ENOMEM;
    r->e = n;
    r->e[r->n].corr = corr;
    r->e[r->n].pos = pos;
    r->n++;
    return 0;
}

/* The field a correlation reads for group-by name g in matches of the rule at pos. */
static const char *alias_field(const struct ward_corr_rule *r, const char *rule_ref,
                               const char *rule_id, const char *rule_name, const char *g)
{
    for (size_t i = 0; i < r->naliases; i++) {
        const struct ward_corr_alias *a = &r->aliases[i];
        if (strcmp(a->alias, g) != 0) continue;
        if (strcmp(a->rule, rule_ref) == 0 || ref_matches(a->rule, rule_id, rule_name))
            return a->field;
    }
    return g;
}

int ward_corr_new(const struct ward_corr_rules *rules, const struct ward_corr_base *bases,
                  size_t nbases, const struct ward_corr_opts *o, ward_corr_alert_fn fn, void *ctx,
                  struct ward_corr **out, struct ward_err *err)
{
    struct ward_corr *c = calloc(1, sizeof *c);
    if (!c) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    if (o)
        c->o = *o;
    else
        ward_corr_opts_default(&c->o);
    if (!c->o.max_groups) c->o.max_groups = 100000;
    if (!c->o.max_events) c->o.max_events = 4096;
    if (c->o.lateness < 0) c->o.lateness = 0;
    if (!c->o.field) c->o.field = ward_corr_field_default;
    c->rules = rules;
    c->fn = fn;
    c->ctx = ctx;
    c->nbases = nbases;
    c->ncorr = rules->nrules;
    c->watermark = INT64_MIN;
    c->max_seen = INT64_MIN;
    c->released = INT64_MIN;
    c->base_routes = calloc(nbases ? nbases : 1, sizeof *c->base_routes);
    c->corr_routes = calloc(c->ncorr ? c->ncorr : 1, sizeof *c->corr_routes);
    c->binds = calloc(c->ncorr ? c->ncorr : 1, sizeof *c->binds);
    ward_buf_init(&c->scratch, 0);
    c->nbuckets = 1024;
    c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
    c->paths_cap = 0;
    if (!c->base_routes || !c->corr_routes || !c->binds || !c->buckets) goto oom;
    for (size_t i = 0; i < c->ncorr; i++) {
        const struct ward_corr_rule *r = &rules->rules[i];
        struct bind *b = &c->binds[i];
        b->r = r;
        b->nsrc = r->nrules;
        b->gnames = calloc(r->nrules ? r->nrules : 1, sizeof *b->gnames);
        b->vname = calloc(r->nrules ? r->nrules : 1, sizeof *b->vname);
        if (!b->gnames || !b->vname) goto oom;
        for (size_t k = 0; k < r->nconds; k++)
            if (r->conds[k].op != WARD_CMP_GT && r->conds[k].op != WARD_CMP_GTE) b->bounded = 1;
        if (r->type == WARD_CORR_TEMPORAL || r->type == WARD_CORR_TEMPORAL_ORDERED ||
            r->type == WARD_CORR_VALUE_PERCENTILE)
            b->bounded = 0; /* evaluated as each match arrives */
        for (size_t p = 0; p < r->nrules; p++) {
            const char *ref = r->rules[p];
            const char *rid = NULL, *rname = NULL;
            int found = 0;
            for (size_t k = 0; k < nbases; k++)
                if (ref_matches(ref, bases[k].id, bases[k].name)) {
                    if (route_add(&c->base_routes[k], (uint32_t)i, (uint32_t)p)) goto oom;
                    rid = bases[k].id;
                    rname = bases[k].name;
                    found = 1;
                }
            for (size_t k = 0; k < c->ncorr; k++) {
                const struct ward_corr_rule *q = &rules->rules[k];
                if (k != i && ref_matches(ref, q->id, q->name)) {
                    if (route_add(&c->corr_routes[k], (uint32_t)i, (uint32_t)p)) goto oom;
                    rid = q->id;
                    rname = q->name;
                    found = 1;
                }
            }
            if (!found) {
                ward_err_at(err, WARD_ENOTFOUND, r->path, r->line, 0,
                            "correlation '%s' refers to rule '%s', which is not loaded", r->title,
                            ref);
                ward_corr_free(c);
                return WARD_ENOTFOUND;
            }
            b->gnames[p] = calloc(r->ngroup_by ? r->ngroup_by : 1, sizeof *b->gnames[p]);
            if (!b->gnames[p]) goto oom;
            for (size_t g = 0; g < r->ngroup_by; g++)
                b->gnames[p][g] = alias_field(r, ref, rid, rname, r->group_by[g]);
            b->vname[p] = r->field ? alias_field(r, ref, rid, rname, r->field) : NULL;
        }
    }
    *out = c;
    return 0;
oom:
    ward_corr_free(c);
    return ward_err_set(err, WARD_ENOMEM, "out of memory");
}

int ward_corr_uses_base(const struct ward_corr *c, size_t base_index)
{
    return base_index < c->nbases && c->base_routes[base_index].n > 0;
}

int ward_corr_rule_standalone(const struct ward_corr *c, size_t corr_index)
{
    if (corr_index >= c->ncorr) return 0;
    const struct route *r = &c->corr_routes[corr_index];
    if (!r->n) return 1;
    for (size_t i = 0; i < r->n; i++)
        if (c->binds[r->e[i].corr].r->generate) return 1;
    return 0;
}

int ward_corr_base_standalone(const struct ward_corr *c, size_t base_index)
{
    if (!ward_corr_uses_base(c, base_index)) return 1;
    const struct route *r = &c->base_routes[base_index];
    for (size_t i = 0; i < r->n; i++)
        if (c->binds[r->e[i].corr].r->generate) return 1;
    return 0;
}

/* ---- groups ----------------------------------------------------------------------------- */

static void lru_unlink(struct ward_corr *c, struct group *g)
{
    if (g->prev)
        g->prev->next = g->next;
    else
        c->lru_head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    else
        c->lru_tail = g->prev;
    g->prev = g->next = NULL;
}

static void lru_append(struct ward_corr *c, struct group *g)
{
    g->prev = c->lru_tail;
    g->next = NULL;
    if (c->lru_tail)
        c->lru_tail->next = g;
    else
        c->lru_head = g;
    c->lru_tail = g;
}

static size_t group_bytes(const struct group *g)
{
    return sizeof *g + g->klen + 1 + g->cap * sizeof *g->ev + g->vcap * sizeof *g->vmap +
           g->firstcap * sizeof *g->first +
           g->nsrc * (sizeof *g->src_t + sizeof *g->src_ref + 2 * sizeof *g->chain_start);
}

static void group_free(struct ward_corr *c, struct group *g)
{
    c->memory -= group_bytes(g);
    free(g->key);
    free(g->ev);
    free(g->vmap);
    free(g->first);
    free(g->src_t);
    free(g->src_ref);
    free(g->chain_start);
    free(g->chain_end);
    free(g);
}

static void group_remove(struct ward_corr *c, struct group *g)
{
    struct group **pp = &c->buckets[g->h & (c->nbuckets - 1)];
    while (*pp && *pp != g) pp = &(*pp)->hnext;
    if (*pp) *pp = g->hnext;
    lru_unlink(c, g);
    c->ngroups--;
    group_free(c, g);
}

static uint64_t key_hash(uint32_t corr, const char *k, size_t n)
{
    return ward_hash64(k, n, 0x51ed27 + corr);
}

static int rehash(struct ward_corr *c)
{
    size_t nb = c->nbuckets * 2;
    struct group **b = calloc(nb, sizeof *b);
    if (!b) return WARD_ENOMEM;
    for (size_t i = 0; i < c->nbuckets; i++) {
        struct group *g = c->buckets[i];
        while (g) {
            struct group *nx = g->hnext;
            g->hnext = b[g->h & (nb - 1)];
            b[g->h & (nb - 1)] = g;
            g = nx;
        }
    }
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = nb;
    c->memory += c->nbuckets * sizeof *b / 2;
    return 0;
}

static void group_reset(struct group *g)
{
    g->n = g->head = 0;
    g->total = 0;
    g->nfirst = 0;
    g->sum = 0;
    g->vused = 0;
    if (g->vmap) memset(g->vmap, 0, g->vcap * sizeof *g->vmap);
    g->window_start = WARD_TIME_NONE;
    for (size_t i = 0; i < g->nsrc; i++) {
        g->src_t[i] = WARD_TIME_NONE;
        g->chain_start[i] = WARD_TIME_NONE;
        g->chain_end[i] = WARD_TIME_NONE;
    }
}

static int close_window(struct ward_corr *c, struct group *g);

/* A new group; evicts the least recently updated one when at the cap. */
static struct group *group_get(struct ward_corr *c, uint32_t corr, const char *key, size_t klen,
                               int create)
{
    uint64_t h = key_hash(corr, key, klen);
    for (struct group *g = c->buckets[h & (c->nbuckets - 1)]; g; g = g->hnext)
        if (g->h == h && g->corr == corr && g->klen == klen && memcmp(g->key, key, klen) == 0)
            return g;
    if (!create) return NULL;
    while (c->ngroups >= c->o.max_groups && c->lru_head) {
        struct group *old = c->lru_head;
        const struct bind *ob = &c->binds[old->corr];
        if (old->last_t != WARD_TIME_NONE && old->last_t + ob->r->timespan >= c->watermark)
            c->evicted++; /* still inside its window: state is lost */
        if (ob->bounded && old->window_start != WARD_TIME_NONE &&
            old->window_start + ob->r->timespan < c->watermark && close_window(c, old))
            return NULL; /* a closed window is evaluated before its group goes */
        group_remove(c, old);
    }
    if (c->ngroups + 1 > c->nbuckets && rehash(c)) return NULL;
    struct group *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->key = malloc(klen + 1);
    const struct bind *b = &c->binds[corr];
    g->nsrc = b->nsrc;
    g->src_t = malloc(g->nsrc * sizeof *g->src_t);
    g->src_ref = calloc(g->nsrc, sizeof *g->src_ref);
    g->chain_start = malloc(g->nsrc * sizeof *g->chain_start);
    g->chain_end = malloc(g->nsrc * sizeof *g->chain_end);
    if (!g->key || !g->src_t || !g->src_ref || !g->chain_start || !g->chain_end) {
        free(g->key);
        free(g->src_t);
        free(g->src_ref);
        free(g->chain_start);
        free(g->chain_end);
        free(g);
        return NULL;
    }
    memcpy(g->key, key, klen);
    g->key[klen] = 0;
    g->klen = klen;
    g->h = h;
    g->corr = corr;
    g->last_t = WARD_TIME_NONE;
    group_reset(g);
    g->hnext = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = g;
    lru_append(c, g);
    c->ngroups++;
    if (c->ngroups > c->groups_peak) c->groups_peak = c->ngroups;
    c->memory += group_bytes(g);
    return g;
}

/* distinct values: a small open-addressing map vhash -> count */
static int vmap_add(struct ward_corr *c, struct group *g, uint64_t vh, int delta)
{
    if (delta > 0 && (g->vused + 1) * 2 > g->vcap) {
        size_t nc = g->vcap ? g->vcap * 2 : 8;
        struct vent *nm = calloc(nc, sizeof *nm);
        if (!nm) return WARD_ENOMEM;
        for (size_t i = 0; i < g->vcap; i++)
            if (g->vmap[i].count) {
                size_t s = (size_t)g->vmap[i].h & (nc - 1);
                while (nm[s].count) s = (s + 1) & (nc - 1);
                nm[s] = g->vmap[i];
            }
        c->memory += (nc - g->vcap) * sizeof *nm;
        free(g->vmap);
        g->vmap = nm;
        g->vcap = nc;
    }
    if (!g->vcap) return 0;
    size_t s = (size_t)vh & (g->vcap - 1);
    for (size_t k = 0; k < g->vcap; k++, s = (s + 1) & (g->vcap - 1)) {
        if (g->vmap[s].count && g->vmap[s].h == vh) {
            g->vmap[s].count += (uint32_t)delta;
            if (g->vmap[s].count == 0) {
                /* deletion in linear probing: re-insert the rest of the cluster */
                g->vused--;
                size_t j = (s + 1) & (g->vcap - 1);
                while (g->vmap[j].count) {
                    struct vent e = g->vmap[j];
                    g->vmap[j].count = 0;
                    size_t t = (size_t)e.h & (g->vcap - 1);
                    while (g->vmap[t].count) t = (t + 1) & (g->vcap - 1);
                    g->vmap[t] = e;
                    j = (j + 1) & (g->vcap - 1);
                }
            }
            return 0;
        }
        if (!g->vmap[s].count) {
            if (delta <= 0) return 0;
            g->vmap[s].h = vh;
            g->vmap[s].count = (uint32_t)delta;
            g->vused++;
            return 0;
        }
    }
    return 0;
}

static uint32_t vmap_count(const struct group *g, uint64_t vh)
{
    if (!g->vcap) return 0;
    size_t s = (size_t)vh & (g->vcap - 1);
    for (size_t k = 0; k < g->vcap; k++, s = (s + 1) & (g->vcap - 1)) {
        if (!g->vmap[s].count) return 0;
        if (g->vmap[s].h == vh) return g->vmap[s].count;
    }
    return 0;
}

static struct gev *ev_at(const struct group *g, size_t i)
{
    return &g->ev[(g->head + i) % g->cap];
}

/* Drops the oldest event; expired (not truncated) ones also leave the window's count. */
static void ev_pop(struct ward_corr *c, struct group *g, int valued, int expired)
{
    struct gev *e = ev_at(g, 0);
    if (expired) {
        if (g->total) g->total--;
        if (g->nfirst && g->first[0].time == e->t && g->first[0].record == e->record) {
            memmove(g->first, g->first + 1, (g->nfirst - 1) * sizeof g->first[0]);
            g->nfirst--;
        }
    }
    g->sum -= e->num;
    if (valued) vmap_add(c, g, e->vh, -1);
    g->head = (g->head + 1) % g->cap;
    g->n--;
}

static int ev_push(struct ward_corr *c, struct group *g, const struct gev *e, int valued)
{
    if (g->n == g->cap) {
        if (g->cap >= c->o.max_events) {
            ev_pop(c, g, valued, 0);
            c->truncated++;
        } else {
            size_t nc = g->cap ? g->cap * 2 : 1; /* most groups see few events */
            if (nc > c->o.max_events) nc = c->o.max_events;
            struct gev *ne = malloc(nc * sizeof *ne);
            if (!ne) return WARD_ENOMEM;
            for (size_t i = 0; i < g->n; i++) ne[i] = *ev_at(g, i);
            c->memory += (nc - g->cap) * sizeof *ne;
            free(g->ev);
            g->ev = ne;
            g->cap = nc;
            g->head = 0;
        }
    }
    g->ev[(g->head + g->n) % g->cap] = *e;
    g->n++;
    g->sum += e->num;
    if (valued && vmap_add(c, g, e->vh, 1)) return WARD_ENOMEM;
    return 0;
}

struct group *corr_group_new(struct ward_corr *c, uint32_t corr, const char *key, size_t klen)
{
    return group_get(c, corr, key, klen, 1);
}

int corr_group_push(struct ward_corr *c, struct group *g, const struct gev *e, int valued)
{
    return ev_push(c, g, e, valued);
}

int corr_group_first_room(struct ward_corr *c, struct group *g, size_t need)
{
    if (need <= g->firstcap) return 0;
    if (need > REFS_MAX) return WARD_ELIMIT;
    size_t nc = g->firstcap ? g->firstcap * 2 : 1;
    while (nc < need) nc *= 2;
    if (nc > REFS_MAX) nc = REFS_MAX;
    struct ward_corr_ref *nf = realloc(g->first, nc * sizeof *nf);
    if (!nf) return WARD_ENOMEM;
    c->memory += (nc - g->firstcap) * sizeof *nf;
    g->first = nf;
    g->firstcap = nc;
    return 0;
}

/* ---- conditions and alerts ------------------------------------------------------------- */

static int cond_holds(const struct ward_corr_rule *r, double v)
{
    for (size_t i = 0; i < r->nconds; i++) {
        double x = r->conds[i].value;
        int ok;
        switch (r->conds[i].op) {
        case WARD_CMP_GT: ok = v > x; break;
        case WARD_CMP_GTE: ok = v >= x; break;
        case WARD_CMP_LT: ok = v < x; break;
        case WARD_CMP_LTE: ok = v <= x; break;
        case WARD_CMP_EQ: ok = fabs(v - x) < 1e-9; break;
        default: ok = fabs(v - x) >= 1e-9; break;
        }
        if (!ok) return 0;
    }
    return 1;
}

static int is_valued(const struct ward_corr_rule *r)
{
    return r->type == WARD_CORR_VALUE_COUNT || r->type == WARD_CORR_VALUE_PERCENTILE;
}

static int push_pending(struct ward_corr *c, const struct pend *p);

static int fire(struct ward_corr *c, struct group *g, double value)
{
    const struct bind *b = &c->binds[g->corr];
    const struct ward_corr_rule *r = b->r;
    /* the group as "field=value, ..." */
    struct ward_buf gs;
    ward_buf_init(&gs, 0);
    const char *k = g->key;
    for (size_t i = 0; i < r->ngroup_by; i++) {
        const char *e = memchr(k, '\x1f', g->klen - (size_t)(k - g->key));
        size_t len = e ? (size_t)(e - k) : g->klen - (size_t)(k - g->key);
        if (ward_buf_printf(&gs, "%s%s=%.*s", i ? ", " : "", r->group_by[i], (int)len, k) < 0) {
            ward_buf_free(&gs);
            return WARD_ENOMEM;
        }
        k = e ? e + 1 : g->key + g->klen;
    }
    /* refs: temporal rules name the event of each rule; others the first and last events */
    size_t keep = c->o.refs_keep ? c->o.refs_keep : 5;
    struct ward_corr_ref *refs = calloc(2 * keep + g->nsrc + 1, sizeof *refs);
    if (!refs) {
        ward_buf_free(&gs);
        return WARD_ENOMEM;
    }
    size_t nrefs = 0;
    uint64_t events = g->total;
    ward_time_t first = WARD_TIME_NONE, last = WARD_TIME_NONE;
    if (r->type == WARD_CORR_TEMPORAL || r->type == WARD_CORR_TEMPORAL_ORDERED) {
        for (size_t i = 0; i < g->nsrc; i++) {
            if (g->src_t[i] == WARD_TIME_NONE) continue;
            refs[nrefs++] = g->src_ref[i];
            if (first == WARD_TIME_NONE || g->src_t[i] < first) first = g->src_t[i];
            if (last == WARD_TIME_NONE || g->src_t[i] > last) last = g->src_t[i];
        }
        events = nrefs;
    } else {
        for (size_t i = 0; i < g->nfirst && i < keep; i++) refs[nrefs++] = g->first[i];
        size_t tail = g->n < keep ? g->n : keep;
        /* the last events, not repeating the first ones (ring slot i is the window's event
         * number total - n + i) */
        for (size_t i = g->n - tail; i < g->n; i++) {
            if (g->total - g->n + i < g->nfirst) continue;
            const struct gev *e = ev_at(g, i);
            struct ward_corr_ref *rf = &refs[nrefs++];
            rf->time = e->t;
            rf->path = e->path < c->npaths ? c->paths[e->path] : "";
            rf->record = e->record;
            rf->rule = e->rule;
        }
        if (g->n) {
            first = g->nfirst ? g->first[0].time : ev_at(g, 0)->t;
            last = ev_at(g, g->n - 1)->t;
        }
        if (r->type == WARD_CORR_EVENT_COUNT || r->type == WARD_CORR_VALUE_SUM ||
            r->type == WARD_CORR_VALUE_AVG || r->type == WARD_CORR_VALUE_COUNT ||
            r->type == WARD_CORR_VALUE_PERCENTILE)
            events = g->total;
    }
    struct ward_corr_alert a;
    memset(&a, 0, sizeof a);
    a.rule = r;
    a.rule_index = g->corr;
    a.group = gs.data ? gs.data : "";
    a.key = g->key;
    a.klen = g->klen;
    a.first = first;
    a.last = last;
    a.events = events;
    a.value = value;
    a.refs = refs;
    a.nrefs = nrefs;
    a.refs_omitted = events > nrefs ? events - nrefs : 0;
    c->alerts++;
    if (c->fn) c->fn(c->ctx, &a);
    /* chained correlations see this alert as a match with this group's values */
    const struct route *rt = &c->corr_routes[g->corr];
    int rc = 0;
    for (size_t i = 0; i < rt->n && rc == 0; i++) {
        const struct bind *cb = &c->binds[rt->e[i].corr];
        struct ward_buf key;
        ward_buf_init(&key, 0);
        int ok = 1;
        for (size_t gi = 0; gi < cb->r->ngroup_by && ok; gi++) {
            const char *want = cb->gnames[rt->e[i].pos][gi];
            ok = 0;
            const char *kp = g->key;
            for (size_t j = 0; j < r->ngroup_by; j++) {
                const char *e = memchr(kp, '\x1f', g->klen - (size_t)(kp - g->key));
                size_t len = e ? (size_t)(e - kp) : g->klen - (size_t)(kp - g->key);
                if (strcmp(r->group_by[j], want) == 0) {
                    if ((gi && ward_buf_putc(&key, '\x1f')) || ward_buf_append(&key, kp, len))
                        rc = WARD_ENOMEM;
                    ok = 1;
                    break;
                }
                kp = e ? e + 1 : g->key + g->klen;
            }
        }
        if (!ok) {
            c->no_group++;
        } else if (rc == 0) {
            struct pend p;
            memset(&p, 0, sizeof p);
            p.t = last == WARD_TIME_NONE ? c->released : last;
            p.corr = rt->e[i].corr;
            p.pos = rt->e[i].pos;
            p.key = ward_buf_take(&key);
            if (!p.key) p.key = strdup("");
            p.klen = p.key ? strlen(p.key) : 0;
            p.rule = WARD_CORR_REF_CHAINED | (uint32_t)g->corr;
            p.record = c->alerts;
            p.path = UINT32_MAX;
            p.internal = 1;
            if (!p.key || push_pending(c, &p)) rc = WARD_ENOMEM;
        }
        ward_buf_free(&key);
    }
    free(refs);
    ward_buf_free(&gs);
    return rc;
}

/* Evaluates a bounded group's window at its close, then empties it. */
static int close_window(struct ward_corr *c, struct group *g)
{
    const struct bind *b = &c->binds[g->corr];
    if (g->window_start == WARD_TIME_NONE || !g->n) return 0;
    double v;
    switch (b->r->type) {
    case WARD_CORR_VALUE_COUNT: v = (double)g->vused; break;
    case WARD_CORR_VALUE_SUM: v = g->sum; break;
    case WARD_CORR_VALUE_AVG: v = g->n ? g->sum / (double)g->n : 0; break;
    default: v = (double)g->total; break;
    }
    int rc = 0;
    if (cond_holds(b->r, v)) rc = fire(c, g, v);
    group_reset(g);
    return rc;
}

/* ---- processing one match --------------------------------------------------------------- */

static int process(struct ward_corr *c, struct pend *p)
{
    const struct bind *b = &c->binds[p->corr];
    const struct ward_corr_rule *r = b->r;
    struct group *g = group_get(c, p->corr, p->key, p->klen, 1);
    if (!g) return WARD_ENOMEM;
    c->processed++;
    ward_time_t t = p->t;
    int valued = is_valued(r);
    int rc = 0;
    if (b->bounded) {
        if (g->window_start != WARD_TIME_NONE && t > g->window_start + r->timespan)
            rc = close_window(c, g);
        if (g->window_start == WARD_TIME_NONE) g->window_start = t;
    } else {
        /* sliding window: drop events older than the timespan */
        while (g->n && ev_at(g, 0)->t < t - r->timespan) ev_pop(c, g, valued, 1);
        if (!g->n) g->nfirst = 0, g->total = 0;
    }
    if (rc) return rc;
    struct gev e = {t, p->num, p->vh, p->path, p->record, p->rule};
    struct ward_corr_ref ref = {t, p->path < c->npaths ? c->paths[p->path] : "", p->record,
                                p->rule};
    if (r->type == WARD_CORR_TEMPORAL || r->type == WARD_CORR_TEMPORAL_ORDERED) {
        size_t pos = p->pos;
        if (r->type == WARD_CORR_TEMPORAL) {
            g->src_t[pos] = t;
            g->src_ref[pos] = ref;
            size_t have = 0;
            for (size_t i = 0; i < g->nsrc; i++)
                if (g->src_t[i] != WARD_TIME_NONE && g->src_t[i] >= t - r->timespan)
                    have++;
                else
                    g->src_t[i] = WARD_TIME_NONE;
            int hit = r->nconds ? cond_holds(r, (double)have) : have == g->nsrc;
            if (hit) {
                rc = fire(c, g, (double)have);
                group_reset(g);
            }
        } else {
            /* ordered: chain k holds the latest-starting sequence of rules 0..k; the same
             * rule may appear at several positions: later steps first */
            for (size_t k = g->nsrc; k-- > 0;) {
                if (strcmp(r->rules[k], r->rules[pos]) != 0) continue;
                if (k == 0) {
                    g->chain_start[0] = t;
                    g->chain_end[0] = t;
                    g->src_t[0] = t;
                    g->src_ref[0] = ref;
                } else if (g->chain_start[k - 1] != WARD_TIME_NONE && g->chain_end[k - 1] <= t &&
                           g->chain_start[k - 1] >= t - r->timespan &&
                           (g->chain_start[k] == WARD_TIME_NONE ||
                            g->chain_start[k - 1] >= g->chain_start[k])) {
                    g->chain_start[k] = g->chain_start[k - 1];
                    g->chain_end[k] = t;
                    g->src_t[k] = t;
                    g->src_ref[k] = ref;
                }
            }
            size_t last = g->nsrc - 1;
            if (g->chain_start[last] != WARD_TIME_NONE && g->chain_end[last] == t &&
                (!r->nconds || cond_holds(r, (double)g->nsrc))) {
                rc = fire(c, g, (double)g->nsrc);
                group_reset(g);
            }
        }
    } else {
        if (g->nfirst < (c->o.refs_keep ? c->o.refs_keep : 5) && g->nfirst < REFS_MAX) {
            if ((rc = corr_group_first_room(c, g, g->nfirst + 1))) return rc;
            g->first[g->nfirst++] = ref;
        }
        g->total++;
        if ((rc = ev_push(c, g, &e, valued))) return rc;
        if (!b->bounded) {
            double v;
            switch (r->type) {
            case WARD_CORR_VALUE_COUNT: v = (double)g->vused; break;
            case WARD_CORR_VALUE_SUM: v = g->sum; break;
            case WARD_CORR_VALUE_AVG: v = g->sum / (double)g->n; break;
            case WARD_CORR_VALUE_PERCENTILE:
                v = 100.0 * (double)vmap_count(g, p->vh) / (double)g->n;
                break;
            default: v = (double)g->n; break;
            }
            /* a percentile needs a population: not on the group's first event */
            int ready = r->type != WARD_CORR_VALUE_PERCENTILE || g->n > 1;
            if (ready && cond_holds(r, v)) {
                rc = fire(c, g, v);
                group_reset(g);
            }
        }
    }
    g->last_t = t;
    lru_unlink(c, g);
    lru_append(c, g);
    return rc;
}

/* ---- the reorder heap ------------------------------------------------------------------- */

static int pend_less(const struct pend *a, const struct pend *b)
{
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static int push_pending(struct ward_corr *c, const struct pend *p)
{
    if (c->npend == c->pend_cap) {
        size_t nc = c->pend_cap ? c->pend_cap * 2 : 256;
        struct pend *np = realloc(c->pend, nc * sizeof *np);
        if (!np) return WARD_ENOMEM;
        c->pend = np;
        c->pend_cap = nc;
    }
    size_t i = c->npend++;
    c->pend[i] = *p;
    c->pend[i].seq = c->seq++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!pend_less(&c->pend[i], &c->pend[parent])) break;
        struct pend tmp = c->pend[i];
        c->pend[i] = c->pend[parent];
        c->pend[parent] = tmp;
        i = parent;
    }
    c->memory += p->klen + 1;
    return 0;
}

static void pop_pending(struct ward_corr *c, struct pend *out)
{
    *out = c->pend[0];
    c->pend[0] = c->pend[--c->npend];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->npend && pend_less(&c->pend[l], &c->pend[m])) m = l;
        if (r < c->npend && pend_less(&c->pend[r], &c->pend[m])) m = r;
        if (m == i) break;
        struct pend tmp = c->pend[i];
        c->pend[i] = c->pend[m];
        c->pend[m] = tmp;
        i = m;
    }
    c->memory -= out->klen + 1;
}

static int path_id(struct ward_corr *c, const char *path, uint32_t *out)
{
    if (!path) path = "";
    if (c->npaths && strcmp(c->paths[c->npaths - 1], path) == 0) {
        *out = (uint32_t)c->npaths - 1;
        return 0;
    }
    for (size_t i = c->npaths; i-- > 0 && i + 64 > c->npaths;)
        if (strcmp(c->paths[i], path) == 0) {
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
    c->paths[c->npaths] = strdup(path);
    if (!c->paths[c->npaths]) return WARD_ENOMEM;
    c->memory += strlen(path) + 1 + sizeof(char *);
    *out = (uint32_t)c->npaths++;
    return 0;
}

/* Expires groups whose windows lie wholly before the watermark (evaluating bounded ones). */
static int expire(struct ward_corr *c, ward_time_t now)
{
    int rc = 0;
    while (rc == 0 && c->lru_head) {
        struct group *g = c->lru_head;
        const struct bind *b = &c->binds[g->corr];
        if (g->last_t == WARD_TIME_NONE || g->last_t + b->r->timespan >= now) break;
        if (b->bounded) rc = close_window(c, g);
        group_remove(c, g);
    }
    return rc;
}

static int release(struct ward_corr *c, ward_time_t until)
{
    int rc = 0;
    while (rc == 0 && c->npend && c->pend[0].t <= until) {
        struct pend p;
        pop_pending(c, &p);
        if (p.t > c->released) c->released = p.t;
        rc = process(c, &p);
        free(p.key);
        if (rc == 0 && c->released != INT64_MIN) rc = expire(c, c->released - c->o.lateness);
    }
    return rc;
}

/*
 * The extract of a match: for each (correlation, position) route of the base rule, in route
 * order, one byte (1 = the group-by or value field is missing or unusable), then for a usable
 * one the key length (u32), the key (group-by values joined by 0x1f), the value hash (u64)
 * and the number (double). Unaligned, native byte order: it never leaves the process.
 */
int ward_corr_extract(const struct ward_corr *c, size_t base_index, struct ward_event *ev,
                      ward_corr_field_fn field, void *field_ctx, struct ward_buf *out)
{
    if (base_index >= c->nbases) return WARD_EINVAL;
    const struct route *rt = &c->base_routes[base_index];
    if (!field) {
        field = c->o.field;
        field_ctx = c->o.field_ctx;
    }
    for (size_t i = 0; i < rt->n; i++) {
        const struct bind *b = &c->binds[rt->e[i].corr];
        const struct ward_corr_rule *r = b->r;
        size_t pos = rt->e[i].pos;
        size_t at = out->len;
        int rc = ward_buf_putc(out, 0);
        uint32_t klen = 0;
        size_t klen_at = out->len;
        if (!rc) rc = ward_buf_append(out, &klen, sizeof klen);
        if (rc) return WARD_ENOMEM;
        int ok = 1;
        for (size_t g = 0; g < r->ngroup_by && ok; g++) {
            struct ward_str v;
            if (!field(field_ctx, ev, b->gnames[pos][g], &v) || memchr(v.ptr, 0, v.len) ||
                out->len - klen_at + v.len > KEY_MAX) {
                ok = 0;
                break;
            }
            if ((g && ward_buf_putc(out, '\x1f')) || ward_buf_append(out, v.ptr, v.len))
                return WARD_ENOMEM;
        }
        uint64_t vh = 0;
        double num = 0;
        if (ok && b->vname[pos]) {
            struct ward_str v;
            if (!field(field_ctx, ev, b->vname[pos], &v)) {
                ok = 0; /* the value field is missing */
            } else {
                vh = ward_hash64(v.ptr, v.len, 17);
                if ((r->type == WARD_CORR_VALUE_SUM || r->type == WARD_CORR_VALUE_AVG) &&
                    ward_parse_double(v, &num))
                    ok = 0;
            }
        }
        if (!ok) {
            out->len = at;
            if (ward_buf_putc(out, 1)) return WARD_ENOMEM;
            continue;
        }
        klen = (uint32_t)(out->len - klen_at - sizeof klen);
        memcpy(out->data + klen_at, &klen, sizeof klen);
        if (ward_buf_append(out, &vh, sizeof vh) || ward_buf_append(out, &num, sizeof num))
            return WARD_ENOMEM;
    }
    return 0;
}

int ward_corr_feed_extract(struct ward_corr *c, size_t base_index, ward_time_t t, const char *path,
                           uint64_t record, const void *x, size_t xlen)
{
    if (base_index >= c->nbases) return WARD_EINVAL;
    const struct route *rt = &c->base_routes[base_index];
    if (!rt->n) return 0;
    c->fed++;
    if (t == WARD_TIME_NONE) {
        c->no_time++;
        return 0;
    }
    if (c->watermark != INT64_MIN && t < c->watermark) {
        c->late++;
        return 0;
    }
    uint32_t pid;
    if (path_id(c, path ? path : "", &pid)) return WARD_ENOMEM;
    const unsigned char *p = x, *end = p + xlen;
    for (size_t i = 0; i < rt->n; i++) {
        if (p >= end) return WARD_EINVAL; /* not an extract of this engine */
        if (*p++ != 0) {
            c->no_group++;
            continue;
        }
        uint32_t klen;
        if ((size_t)(end - p) < sizeof klen) return WARD_EINVAL;
        memcpy(&klen, p, sizeof klen);
        p += sizeof klen;
        if ((size_t)(end - p) < (size_t)klen + 16) return WARD_EINVAL;
        struct pend pd;
        memset(&pd, 0, sizeof pd);
        pd.t = t;
        pd.corr = rt->e[i].corr;
        pd.pos = rt->e[i].pos;
        pd.path = pid;
        pd.record = record;
        pd.rule = (uint32_t)base_index;
        pd.key = malloc((size_t)klen + 1);
        if (!pd.key) return WARD_ENOMEM;
        memcpy(pd.key, p, klen);
        pd.key[klen] = 0;
        pd.klen = klen;
        p += klen;
        memcpy(&pd.vh, p, sizeof pd.vh);
        memcpy(&pd.num, p + 8, sizeof pd.num);
        p += 16;
        if (push_pending(c, &pd)) {
            free(pd.key);
            return WARD_ENOMEM;
        }
    }
    if (t > c->max_seen) {
        c->max_seen = t;
        c->watermark = t - c->o.lateness;
    }
    return release(c, c->watermark);
}

int ward_corr_feed(struct ward_corr *c, size_t base_index, struct ward_event *ev)
{
    if (base_index >= c->nbases) return WARD_EINVAL;
    if (!c->base_routes[base_index].n) return 0;
    ward_buf_reset(&c->scratch);
    int rc = ward_corr_extract(c, base_index, ev, NULL, NULL, &c->scratch);
    if (rc) return rc;
    return ward_corr_feed_extract(c, base_index, ev->ts, ev->path, ev->record, c->scratch.data,
                                  c->scratch.len);
}

int ward_corr_flush(struct ward_corr *c, ward_time_t until)
{
    int rc = release(c, until);
    if (rc) return rc;
    if (until == INT64_MAX) {
        /* the end: evaluate every open bounded window, chains included */
        for (int pass = 0; pass < 8 && rc == 0; pass++) {
            for (struct group *g = c->lru_head; g && rc == 0; g = g->next)
                if (c->binds[g->corr].bounded) rc = close_window(c, g);
            if (rc == 0 && !c->npend) break;
            if (rc == 0) rc = release(c, INT64_MAX);
        }
        if (c->max_seen != INT64_MIN) c->watermark = c->max_seen;
    } else {
        if (until > c->watermark) c->watermark = until;
        rc = expire(c, until - c->o.lateness);
    }
    return rc;
}

void ward_corr_get_stats(const struct ward_corr *c, struct ward_corr_stats *out)
{
    memset(out, 0, sizeof *out);
    out->fed = c->fed;
    out->processed = c->processed;
    out->alerts = c->alerts;
    out->late = c->late;
    out->no_time = c->no_time;
    out->no_group = c->no_group;
    out->groups = c->ngroups;
    out->groups_peak = c->groups_peak;
    out->evicted = c->evicted;
    out->truncated = c->truncated;
    out->pending = c->npend;
    out->memory = c->memory + c->nbuckets * sizeof *c->buckets + c->pend_cap * sizeof *c->pend;
}

void ward_corr_free(struct ward_corr *c)
{
    if (!c) return;
    while (c->lru_head) group_remove(c, c->lru_head);
    for (size_t i = 0; i < c->npend; i++) free(c->pend[i].key);
    free(c->pend);
    for (size_t i = 0; i < c->npaths; i++) free(c->paths[i]);
    free(c->paths);
    if (c->base_routes)
        for (size_t i = 0; i < c->nbases; i++) free(c->base_routes[i].e);
    if (c->corr_routes)
        for (size_t i = 0; i < c->ncorr; i++) free(c->corr_routes[i].e);
    if (c->binds)
        for (size_t i = 0; i < c->ncorr; i++) {
            if (c->binds[i].gnames)
                for (size_t p = 0; p < c->binds[i].nsrc; p++) free(c->binds[i].gnames[p]);
            free(c->binds[i].gnames);
            free(c->binds[i].vname);
        }
    free(c->base_routes);
    free(c->corr_routes);
    free(c->binds);
    free(c->buckets);
    ward_buf_free(&c->scratch);
    free(c);
}
