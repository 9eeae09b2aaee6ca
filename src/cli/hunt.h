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
    uint32_t seq; /* orders several alerts of one rule on one event (intel hits) */
};

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
    int err;
};

int hunt_sorter_init(struct hunt_sorter *s, char *const *paths, size_t budget) WARD_MUST_USE;
/* Adds a copy of the alert (scratch is the caller's per-thread buffer). */
int hunt_sorter_add(struct hunt_sorter *s, const struct hunt_alert *a,
                    struct ward_buf *scratch) WARD_MUST_USE;
typedef int (*hunt_alert_fn)(void *ctx, const struct hunt_alert *a);
/* Calls fn for every alert in order; stops at the first non-zero return. */
int hunt_sorter_finish(struct hunt_sorter *s, hunt_alert_fn fn, void *ctx) WARD_MUST_USE;
void hunt_sorter_free(struct hunt_sorter *s);

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

#endif
