/*
 * corr_int.h - internals of the correlation engine shared by its files (sigma_corr.c,
 * sigma_corr_state.c): bindings of rules to sources, groups, pending matches.
 */
#ifndef WARD_CORR_INT_H
#define WARD_CORR_INT_H

#include "ward/correlate.h"
#include "ward/sigma.h"

#define REFS_MAX 16

struct route_ent {
    uint32_t corr; /* correlation index */
    uint32_t pos;  /* position of the source in its `rules` list */
};
struct route {
    struct route_ent *e;
    size_t n;
};

struct bind {
    const struct ward_corr_rule *r;
    size_t nsrc;
    const char ***gnames; /* [pos][group-by i]: the field to read (aliases applied) */
    const char **vname;   /* [pos]: the value field, NULL when none */
    int bounded;          /* condition with an upper bound: evaluated when the window closes */
};

/* one event in a group's window */
struct gev {
    ward_time_t t;
    double num;
    uint64_t vh;
    uint32_t path;
    uint64_t record;
    uint32_t rule;
};

struct vent {
    uint64_t h;
    uint32_t count;
};

struct group {
    struct group *hnext, *prev, *next;
    uint64_t h;
    uint32_t corr;
    char *key; /* group-by values joined by 0x1f */
    size_t klen;
    ward_time_t last_t;       /* event time of the last update (LRU order) */
    ward_time_t window_start; /* bounded rules: the window's first event */
    struct gev *ev;           /* ring: the window's events (at most max_events) */
    size_t head, n, cap;
    uint64_t total; /* events in the window, truncated ones included */
    double sum;
    struct vent *vmap; /* distinct values of the value field and their counts */
    size_t vcap, vused;
    struct ward_corr_ref *first; /* the window's first events (allocated on first use) */
    size_t nfirst, firstcap;
    /* temporal rules, per source position */
    size_t nsrc;
    ward_time_t *src_t;
    struct ward_corr_ref *src_ref;
    ward_time_t *chain_start, *chain_end;
};

struct pend {
    ward_time_t t;
    uint64_t seq;
    uint32_t corr, pos;
    char *key;
    size_t klen;
    double num;
    uint64_t vh;
    uint32_t path;
    uint64_t record;
    uint32_t rule;
    int internal;
};

struct ward_corr {
    struct ward_corr_opts o;
    const struct ward_corr_rules *rules;
    ward_corr_alert_fn fn;
    void *ctx;
    size_t nbases, ncorr;
    struct route *base_routes;
    struct route *corr_routes;
    struct bind *binds;
    struct group **buckets;
    size_t nbuckets;
    struct group *lru_head, *lru_tail;
    size_t ngroups, groups_peak;
    struct pend *pend;
    size_t npend, pend_cap;
    uint64_t seq;
    char **paths;
    size_t npaths, paths_cap;
    ward_time_t max_seen, watermark, released;
    uint64_t fed, processed, alerts, late, no_time, no_group, evicted, truncated;
    size_t memory;
    struct ward_buf scratch; /* ward_corr_feed's extract */
};

/* shared by the state file code (sigma_corr_state.c) */
struct group *corr_group_new(struct ward_corr *c, uint32_t corr, const char *key, size_t klen);
int corr_group_push(struct ward_corr *c, struct group *g, const struct gev *e, int valued);
/* Makes room for `need` (at most REFS_MAX) entries in g->first. 0 or WARD_ENOMEM. */
int corr_group_first_room(struct ward_corr *c, struct group *g, size_t need);
int ward_corr_restore_group(struct ward_corr *c, uint32_t corr, struct ward_str key,
                            const unsigned char **pp, const unsigned char *end);

#endif
