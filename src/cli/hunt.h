/* hunt.h - pieces of `ward hunt` shared by hunt.c (pipeline) and hunt_out.c (ordering,
 * output formats and the summary). Private to the CLI. */
#ifndef WARD_CLI_HUNT_H
#define WARD_CLI_HUNT_H

#include <pthread.h>
#include <stdio.h>

#include "ward/attack.h"
#include "ward/core.h"
#include "ward/event.h"
#include "ward/sigma.h"
#include "hunt_store.h"
#include "ward/correlate.h"

enum hunt_format { HUNT_TABLE, HUNT_CSV, HUNT_JSONL, HUNT_JSON };

int hunt_parse_format(const char *s, enum hunt_format *out);
int hunt_parse_level(const char *s, enum ward_sigma_level *out);

/* What the output needs of a compiled rule, computed once. */
struct hunt_rule {
    const struct ward_sigma_rule *r;
    char *tactics;         /* "Credential Access, Execution" */
    char *techniques;      /* "T1003.001 T1059" */
    char *technique_name;  /* name of the first technique, or NULL */
    char *tactics_json;    /* [{"id":"TA0006","name":"Credential Access"}] */
    char *techniques_json; /* [{"id":"T1003.001","name":"OS Credential Dumping: LSASS Memory"}] */
    uint32_t tactic_mask;  /* bit i: the tactic of kill-chain order i */
    /* for the case store */
    char **tech_ids;
    char **tech_names;
    size_t ntech;
    const char **tactic_names; /* short names */
    size_t ntactics;
};

/* One alert on its way to the output. Strings are borrowed. */
struct hunt_alert {
    ward_time_t ts;
    uint32_t file;
    uint32_t rule;
    uint64_t record; /* shown: the line for line-based formats, else the ordinal */
    uint64_t offset; /* byte offset of the record: orders records within a file */
    const char *host;
    size_t host_len;
    const char *details;
    size_t details_len;
    const char *event_json; /* the event's fields as a JSON object, or "" */
    size_t event_json_len;
    const char *format;   /* decoder name (static) */
    const char *entities; /* for the store: "kind\tvalue\n" lines, or "" */
    size_t entities_len;
    const char *extra_json; /* an intel hit's context (JSON object), or "" */
    size_t extra_json_len;
    const void *corr; /* what the correlation engine needs of the match (ward_corr_extract) */
    size_t corr_len;
    uint32_t seq; /* orders several alerts of one rule on one event (intel hits) */
};

/* The timeline order: (time, path, offset, rule, seq). */
int hunt_alert_cmp(char *const *paths, const struct hunt_alert *a, const struct hunt_alert *b);

/*
 * Orders alerts by (time, path, record, rule) with bounded memory: records are kept in a
 * buffer of `budget` bytes; a full buffer is sorted and written as a run to an anonymous
 * temporary file (tmpfile: nothing is left behind); the end merges the runs. Thread-safe.
 */
struct hunt_sorter {
    pthread_mutex_t lock;
    char *const *paths;
    char *mem;
    size_t used, budget;
    size_t *offs;
    size_t noffs, capoffs;
    FILE **runs;
    size_t nruns;
    int sorted;
    int err;
};

/* one run being merged: its current record */
struct hunt_run_cursor {
    FILE *f;
    char *buf;
    size_t cap;
    int live;
};

/* Reads the sorted alerts one by one (after the adds; a sorter may be read several times). */
struct hunt_sorter_iter {
    struct hunt_sorter *s;
    struct hunt_run_cursor *cur; /* NULL: the records are all in memory */
    size_t i, last;
};

int hunt_sorter_init(struct hunt_sorter *s, char *const *paths, size_t budget) WARD_MUST_USE;
/* Adds a copy of the alert (scratch is the caller's per-thread buffer). */
int hunt_sorter_add(struct hunt_sorter *s, const struct hunt_alert *a,
                    struct ward_buf *scratch) WARD_MUST_USE;
typedef int (*hunt_alert_fn)(void *ctx, const struct hunt_alert *a);
/* Calls fn for every alert in order; stops at the first non-zero return. */
int hunt_sorter_finish(struct hunt_sorter *s, hunt_alert_fn fn, void *ctx) WARD_MUST_USE;
void hunt_sorter_free(struct hunt_sorter *s);
int hunt_sorter_open(struct hunt_sorter *s, struct hunt_sorter_iter *it) WARD_MUST_USE;
/* 1 with *a set (valid until the next call), 0 at the end, or a negative code. */
int hunt_sorter_next(struct hunt_sorter_iter *it, struct hunt_alert *a) WARD_MUST_USE;
void hunt_sorter_close(struct hunt_sorter_iter *it);

/* Per-file results for the summary. */
struct hunt_file_stat {
    uint64_t events;
    uint64_t errors;
    uint64_t alerts;
    uint64_t bytes;
    ward_time_t first, last;
    char *first_error;
    int unreadable;
    int skipped; /* not a format ward recognises: left out, not an error */
};

/* The output: alerts in order, then the summary. */
struct hunt_out {
    FILE *out;
    FILE *summary_out; /* where the summary goes (NULL: none) */
    enum hunt_format format;
    int color;
    int width;                /* terminal width for the table, 0 = unlimited */
    struct hunt_store *store; /* record the alerts there too, or NULL */
    const struct ward_attack_db *attack;
    const struct hunt_rule *rules;
    size_t nrules;
    uint32_t corr_first; /* rules from here on are correlation rules */
    char *const *paths;
    size_t npaths;
    /* accumulated while writing */
    uint64_t count;
    uint64_t by_level[6];
    uint64_t *by_rule;
    uint64_t by_tactic[32];
    struct ward_intern hosts;
    uint64_t *by_host;
    size_t cap_host;
    struct ward_intern techs;
    uint64_t *by_tech;
    size_t cap_tech;
    ward_time_t first, last;
    int err;
    /* table: an event's details are printed once, after the last rule that fired on it */
    struct ward_buf pending;
    uint32_t pending_file;
    uint64_t pending_offset;
    int has_pending;
};

int hunt_out_init(struct hunt_out *w) WARD_MUST_USE;
int hunt_out_begin(struct hunt_out *w) WARD_MUST_USE;
int hunt_out_alert(void *ctx, const struct hunt_alert *a);
/* Ends the alert list and writes the summary (files, events, errors per file). */
int hunt_out_end(struct hunt_out *w, const struct hunt_file_stat *files, uint64_t events,
                 uint64_t bytes, double seconds, int threads) WARD_MUST_USE;
void hunt_out_free(struct hunt_out *w);

/* ---- correlation rules and filters (hunt_corr.c) ------------------------------------------ */

enum {
    HC_FEEDS = 1,    /* some correlation uses the rule: its matches carry an extract */
    HC_FILTERED = 2, /* some filter names the rule */
    HC_HIDDEN = 4,   /* its matches only feed correlations (generate: false, or not selected) */
};

struct hunt_corr_opts {
    int correlate;                              /* 0: --no-correlation (filters still apply) */
    ward_time_t lateness;                       /* --lateness */
    size_t max_groups;                          /* --corr-max-groups (0: the engine's default) */
    const struct ward_sigma_rule *const *quiet; /* rules loaded only for a correlation */
    size_t nquiet;
};

#define HC_REFS_MAX 32 /* correlated alerts named by one correlation alert */
#define HC_RING 4096   /* alerts of chained correlations remembered for the ones using them */

/* A correlated alert; via: the chained correlation it came through, or -1. */
struct hunt_corr_ref {
    struct ward_corr_ref ref;
    int32_t via;
};
struct chained;

struct hunt_corr {
    struct ward_corr_rules *rules; /* correlations and filters, from the parsed rules */
    struct ward_corr *engine;      /* NULL when no correlation is loaded */
    struct ward_corr_base *bases;  /* the compiled rules, by rule index */
    size_t nbases;
    size_t ncorr;
    size_t nfiltered;
    const struct ward_taxonomy *tax;
    struct ward_ls_ids *base_ls; /* each compiled rule's logsource, for field lookup */
    uint8_t *flags;              /* per compiled rule: HC_* */
    uint8_t *corr_hidden;        /* per correlation: its alerts only feed other correlations */
    uint8_t *chained;            /* per correlation: other correlations use it */
    struct chained *ring;        /* recent alerts of chained correlations (HC_RING) */
    uint64_t ordinal;            /* correlation alerts so far, hidden ones included */
    uint32_t rule_first;         /* hunt rule index (hunt_out.rules) of correlation 0 */
    char *const *paths;
    size_t npaths;
    struct ward_intern path_ids; /* path -> file index */
    struct hunt_sorter sorter;   /* correlation alerts, in timeline order */
    int sorter_ready;
    _Atomic uint64_t extracts;
    uint32_t seq;
    int err;
    struct ward_buf json, details, ents, host, rec;
};

/* Takes the correlations and filters of the parsed rules and binds them to the compiled
 * rule set. Reports problems itself; returns 0 or a negative code. */
int hunt_corr_init(struct hunt_corr *hc, const struct hunt_corr_opts *o,
                   const struct ward_sigma_rules *set, const struct ward_ruleset *rs,
                   const struct ward_taxonomy *tax, char *const *paths,
                   size_t npaths) WARD_MUST_USE;
size_t hunt_corr_count(const struct hunt_corr *hc);
const struct ward_sigma_rule *hunt_corr_rule(const struct hunt_corr *hc, size_t k);
/* Workers: whether the filters keep a match of rule on ev; the match's extract (empty when
 * no correlation uses the rule). */
int hunt_corr_keep(const struct hunt_corr *hc, size_t rule, struct ward_event *ev);
int hunt_corr_extract(struct hunt_corr *hc, size_t rule, struct ward_event *ev,
                      struct ward_buf *out) WARD_MUST_USE;
/* Writer, after the workers: pass 1 feeds the engine from the sorted matches; pass 2 writes
 * the matches and the correlation alerts merged in timeline order through fn. */
int hunt_corr_run(struct hunt_corr *hc, struct hunt_sorter *main) WARD_MUST_USE;
int hunt_corr_write(struct hunt_corr *hc, struct hunt_sorter *main, hunt_alert_fn fn,
                    void *ctx) WARD_MUST_USE;
void hunt_corr_free(struct hunt_corr *hc);

#endif
