/*
 * ioc_int.h - internals of the indicator set shared by its files (set.c, the loaders):
 * the set's layout and the helpers loaders use to record indicators and problems.
 */
#ifndef WARD_IOC_INT_H
#define WARD_IOC_INT_H

#include "ward/ioc.h"

/* binary trie node for CIDR ranges */
struct ioc_trie_node {
    uint32_t child[2]; /* node index, 0 = none (node 0 is the root) */
    uint32_t head;     /* first indicator index + 1 ending here, 0 = none */
};

struct ioc_trie {
    struct ioc_trie_node *nodes;
    uint32_t n, cap;
};

struct ioc_slot {
    uint32_t tag; /* upper hash bits */
    uint32_t idx; /* first indicator index + 1, 0 = empty */
};

#define IOC_TLD_SLOTS 4096 /* the last labels of the domain indicators */

struct ward_ioc_set {
    struct ward_arena arena; /* values, metas, problem texts */
    struct ward_ioc *iocs;
    size_t n, cap;
    struct ward_ioc_problem *problems;
    size_t nproblems, problems_cap;
    struct ward_ioc_stats stats;
    int compiled;
    uint8_t validity; /* enum ward_ioc_validity */
    /* compiled: one open-addressing table for every exact key (type in the hash seed) */
    struct ioc_slot *slots;  /* tag + first indicator index + 1 (0 = empty) */
    uint32_t *next;          /* next indicator index + 1 with the same key */
    size_t nslots;           /* power of two */
    struct ioc_trie trie[2]; /* CIDR ranges: [0] IPv4, [1] IPv6 */
    uint32_t *v4_jump;       /* IPv4, no range shorter than /16: node at depth 16 by the first two
                                bytes (+1, 0 = none), so a lookup starts half way down */
    uint32_t type_mask;      /* bit per type present */
    uint64_t *bloom;         /* 2 bits per key: most misses never touch the table */
    size_t bloom_bits;       /* power of two */
    uint64_t tld_hash[IOC_TLD_SLOTS]; /* while compiling: hash | 1 of each domain indicator's
                                         TLD, 0 = empty */
    uint32_t *tld;                    /* compiled: the same, compact (32-bit, 0 = empty) */
    uint32_t tld_mask;                /* slots - 1 */
    int tld_all;                      /* more TLDs than the build table holds: no filter */
    int bare_labels;                  /* a domain indicator without a dot ("local") */
    /* interned strings (source names) to keep metas lean */
    const char *last_source_in;
    const char *last_source;
};

/* Copies a string into the set's arena (NULL stays NULL). */
const char *ioc_strdup(struct ward_ioc_set *set, const char *s, size_t n);
/* A new meta (zeroed, times unknown, confidence -1) owned by the set. */
struct ward_ioc_meta *ioc_meta_new(struct ward_ioc_set *set);
/* The source string for a path (one copy per distinct consecutive source). */
const char *ioc_source(struct ward_ioc_set *set, const char *src);
/* Records a problem (strings copied). Returns 0 or WARD_ENOMEM. */
int ioc_problem(struct ward_ioc_set *set, enum ward_ioc_problem_kind kind, const char *source,
                uint64_t line, const char *id, const char *text, size_t text_len, int partial,
                const char *fmt, ...) WARD_PRINTF(9, 10);
/* Adds a value whose meta is already owned by the set (no copy). */
int ioc_add_value(struct ward_ioc_set *set, int type, const char *value, size_t n,
                  const struct ward_ioc_meta *meta, const char **why);

/* The reference matcher: what ward_ioc_match_event / ward_ioc_match_value report, found
 * without any filter in front of the lookups (every token of every unescaped value, every
 * parent name). Slow; for the differential tests and fuzzing. */
int ioc_match_event_plain(const struct ward_ioc_set *set, struct ward_event *ev, ward_ioc_hit_fn fn,
                          void *ctx);
int ioc_match_value_plain(const struct ward_ioc_set *set, const char *key, const char *val,
                          size_t n, ward_time_t ts, ward_ioc_hit_fn fn, void *ctx);

/* the loaders */
int ioc_load_stix(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                  const struct ward_ioc_load_opts *o, struct ward_err *err);
int ioc_load_misp(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                  const struct ward_ioc_load_opts *o, struct ward_err *err);
int ioc_load_json(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                  const struct ward_ioc_load_opts *o, struct ward_err *err);
int ioc_load_csv(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                 const struct ward_ioc_load_opts *o, struct ward_err *err);
int ioc_load_list(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                  const struct ward_ioc_load_opts *o, struct ward_err *err);

#endif
