/*
 * correlate.h - Sigma correlation rules (event_count, value_count, temporal,
 * temporal_ordered, value_sum, value_avg, value_percentile) evaluated in event time over a
 * stream of base-rule matches, with bounded state, a lateness window for out-of-order
 * events, chained correlations, aliases, and save/restore of the state; and Sigma filters
 * (meta rules that suppress matches of named rules).
 *
 * Use: ward_corr_rules_add_sigma takes the correlation and filter rules that ward's Sigma
 * parser read (ward_corr_rules_load / _parse_text run the parser on files or text);
 * ward_corr_new binds them to the caller's detection rules (by id or name) and
 * to an alert callback; then for every base-rule match ward_corr_feed(engine, base_index,
 * event), and ward_corr_flush(engine, until) when input ends (or periodically, live).
 * docs/internals/correlate.md has the semantics and the limits.
 */
#ifndef WARD_CORRELATE_H
#define WARD_CORRELATE_H

#include "ward/core.h"
#include "ward/event.h"

/*
 * The correlation types and condition operators are sigma.h's (enum ward_corr_type:
 * WARD_CORR_EVENT_COUNT .. WARD_CORR_VALUE_PERCENTILE; enum ward_corr_op: WARD_CMP_GT ..
 * WARD_CMP_NEQ), kept as plain numbers here so that this header does not need sigma.h (whose
 * level names clash with alert.h's). Files that use the enumerators include sigma.h.
 */
/* "event_count", "value_count", ... for a type value. */
const char *ward_corr_type_name(int type);

struct ward_corr_cond {
    uint8_t op; /* enum ward_corr_op (sigma.h) */
    double value;
};

/* aliases: alias name -> (rule name -> field) */
struct ward_corr_alias {
    char *alias;
    char *rule; /* the referenced rule's name (or id) */
    char *field;
};

struct ward_sigma_rule;
/* A parsed correlation rule. Strings are owned by the rule set. */
struct ward_corr_rule {
    char *path;
    uint32_t line;
    char *title, *id, *name;
    int level; /* enum ward_sigma_level values: 0 none .. 5 critical */
    int generate;
    uint8_t type; /* enum ward_corr_type (sigma.h) */
    char **rules;
    size_t nrules;
    char **group_by;
    size_t ngroup_by;
    struct ward_corr_alias *aliases;
    size_t naliases;
    ward_time_t timespan;           /* ns */
    struct ward_corr_cond conds[6]; /* all must hold (a range is two) */
    size_t nconds;
    char *field;                         /* value_count, value_sum, value_avg, value_percentile */
    const struct ward_sigma_rule *sigma; /* the parsed rule it came from (tags ...), or NULL */
};

/* A parsed filter: matches of `rules` are dropped when the filter's detection holds for
 * the event (the filter's own condition, e.g. "not selection", says when to keep). */
struct ward_corr_filter {
    char *path;
    uint32_t line;
    char *title, *id, *name;
    char **rules;
    size_t nrules;
    void *det; /* the filter's detection compiled as a Sigma rule (sigma.h) */
};

struct ward_corr_diag {
    char *path;
    uint32_t line;
    char *reason;
};

struct ward_corr_rules {
    struct ward_arena arena;
    struct ward_corr_rule *rules;
    size_t nrules, rules_cap;
    struct ward_corr_filter *filters;
    size_t nfilters, filters_cap;
    struct ward_corr_diag *diags;
    size_t ndiags, diags_cap;
    void **sigma; /* struct ward_sigma_rules read by _load / _parse_text (owned) */
    size_t nsigma;
};

int ward_corr_rules_new(struct ward_corr_rules **out) WARD_MUST_USE;
/* Reads every *.yml / *.yaml under the paths with ward's Sigma parser and keeps the
 * documents that have a `correlation:` or `filter:` section (detection rules are left out:
 * they belong to the compiled rule set). Every document the parser or the correlation
 * checks reject becomes a diag with file:line and the reason. */
int ward_corr_rules_load(struct ward_corr_rules *set, char *const *paths, size_t npaths,
                         struct ward_err *err) WARD_MUST_USE;
int ward_corr_rules_parse_text(struct ward_corr_rules *set, const char *path, const char *text,
                               size_t len, struct ward_err *err) WARD_MUST_USE;
void ward_corr_rules_free(struct ward_corr_rules *set);
/* Takes the correlation and filter rules that ward's Sigma parser read (rule->extra) into
 * set: hunt parses its rule files once. Strings are borrowed: `rules` must outlive set. */
struct ward_sigma_rules;
int ward_corr_rules_add_sigma(struct ward_corr_rules *set, const struct ward_sigma_rules *rules,
                              struct ward_err *err) WARD_MUST_USE;

/* ---- the engine ---------------------------------------------------------------------- */

/* A detection rule of the caller's rule set, in its rule-index order. */
struct ward_corr_base {
    const char *id;
    const char *name;
    const char *title;
};

/* One correlated event (a base alert, or a correlation alert for chained rules). */
struct ward_corr_ref {
    ward_time_t time;
    const char *path; /* event source (owned by the engine) */
    uint64_t record;
    uint32_t rule; /* base rule index, or WARD_CORR_REF_CHAINED | correlation index */
};
#define WARD_CORR_REF_CHAINED 0x80000000u

struct ward_corr_alert {
    const struct ward_corr_rule *rule;
    size_t rule_index; /* index in the rule set */
    const char *group; /* "field=value, field=value" (empty without group-by) */
    const char *key;   /* the group-by values alone, in group-by order, joined by 0x1f */
    size_t klen;
    ward_time_t first, last;          /* times of the first and last correlated event */
    uint64_t events;                  /* events in the window */
    double value;                     /* count, distinct count, sum, average or percentage */
    const struct ward_corr_ref *refs; /* the first and the last correlated events */
    size_t nrefs;
    uint64_t refs_omitted; /* correlated events between them that are not listed */
};

/* Called for each correlation alert; the alert is valid during the call. */
typedef void (*ward_corr_alert_fn)(void *ctx, const struct ward_corr_alert *a);
/* Reads a Sigma field of an event (default: the key itself, else the last key ending in
 * ".name"). Returns 1 with *out set, 0 when absent. */
typedef int (*ward_corr_field_fn)(void *ctx, struct ward_event *ev, const char *name,
                                  struct ward_str *out);

/* The default lookup: the field of that exact key, else the last field whose key ends in
 * ".name"; ctx is unused. */
int ward_corr_field_default(void *ctx, struct ward_event *ev, const char *name,
                            struct ward_str *out);

struct ward_corr_opts {
    ward_time_t lateness;     /* out-of-order tolerance (default 60 s) */
    size_t max_groups;        /* groups kept over all rules (default 100000); older evicted */
    size_t max_events;        /* events kept per group (default 4096) */
    size_t refs_keep;         /* first and last events named in an alert (default 5 each) */
    ward_corr_field_fn field; /* NULL = the default lookup */
    void *field_ctx;
};
void ward_corr_opts_default(struct ward_corr_opts *o);

struct ward_corr;

/* Binds the rules to the base rules (references by id or name; chained correlations by
 * their id or name). An unresolved reference is an error naming the rule. The engine
 * borrows rules (it must outlive the engine). */
int ward_corr_new(const struct ward_corr_rules *rules, const struct ward_corr_base *bases,
                  size_t nbases, const struct ward_corr_opts *o, ward_corr_alert_fn fn, void *ctx,
                  struct ward_corr **out, struct ward_err *err) WARD_MUST_USE;
void ward_corr_free(struct ward_corr *c);

/* Whether any correlation uses this base rule. */
int ward_corr_uses_base(const struct ward_corr *c, size_t base_index);
/* Whether the base rule's own matches should be reported: 0 when every correlation that
 * uses it has `generate: false` (the default of the specification). */
int ward_corr_base_standalone(const struct ward_corr *c, size_t base_index);
/* The same for a correlation's own alerts (chaining): 0 when other correlations use it and
 * all of them have `generate: false`. */
int ward_corr_rule_standalone(const struct ward_corr *c, size_t corr_index);

/* Feeds a match of base rule base_index on ev (ev->ts is the event time; an event without
 * time is dropped and counted). Matches are buffered and processed in event time once
 * the newest time seen is `lateness` past them; a match older than that is too late:
 * dropped and counted. Returns 0 or WARD_ENOMEM. */
int ward_corr_feed(struct ward_corr *c, size_t base_index, struct ward_event *ev) WARD_MUST_USE;
/*
 * The two halves of ward_corr_feed, for callers that see the event on one thread and feed
 * the engine on another (ward hunt: workers extract, the timeline writer feeds in order).
 * ward_corr_extract appends to out what the engine needs of a match of base rule
 * base_index on ev (the group-by values and the value, per correlation that uses the rule;
 * a few bytes); it only reads c, so several threads may call it at once. field (NULL: the
 * engine's opts.field) reads the fields. ward_corr_feed_extract feeds that match, given its
 * event time, source path and record, as ward_corr_feed would. Returns 0, WARD_ENOMEM, or
 * WARD_EINVAL for an extract that is not this engine's.
 */
int ward_corr_extract(const struct ward_corr *c, size_t base_index, struct ward_event *ev,
                      ward_corr_field_fn field, void *field_ctx,
                      struct ward_buf *out) WARD_MUST_USE;
int ward_corr_feed_extract(struct ward_corr *c, size_t base_index, ward_time_t t, const char *path,
                           uint64_t record, const void *x, size_t xlen) WARD_MUST_USE;
/* Processes buffered matches up to `until` (INT64_MAX: all, at the end of input) and
 * closes the windows that end before it. */
int ward_corr_flush(struct ward_corr *c, ward_time_t until) WARD_MUST_USE;

struct ward_corr_stats {
    uint64_t fed, processed, alerts;
    uint64_t late;     /* dropped: older than the watermark */
    uint64_t no_time;  /* dropped: event without a time */
    uint64_t no_group; /* dropped: a group-by field was missing */
    uint64_t groups;   /* groups alive now */
    uint64_t groups_peak;
    uint64_t evicted;   /* groups dropped to stay under max_groups */
    uint64_t truncated; /* events dropped from groups at max_events */
    uint64_t pending;   /* matches waiting for the watermark */
    size_t memory;      /* approximate bytes of state */
};
void ward_corr_get_stats(const struct ward_corr *c, struct ward_corr_stats *out);

/* Saves the state (pending matches and groups) to a file, and restores it into an engine
 * built from the same rules (matched by rule id, else title). */
int ward_corr_save(const struct ward_corr *c, const char *path, struct ward_err *err) WARD_MUST_USE;
int ward_corr_restore(struct ward_corr *c, const char *path, struct ward_err *err) WARD_MUST_USE;

/* ---- alerts for the case store --------------------------------------------------------- */

struct ward_alert;
/*
 * Fills an alert (alert.h) for a correlation alert: rule id and title of the correlation,
 * its level (medium when it has none), tag "correlation", time of the last correlated
 * event, the event text a JSON object {"correlation": {title, id, type, group, value,
 * events, first, last, correlated: [{time, path, record, rule}], omitted}} naming the base
 * rules by id (bases, as given to ward_corr_new) or the chained correlation, and entities
 * from the group-by values (hosts, users, addresses). Strings live in arena. 0 or ENOMEM.
 */
int ward_corr_alert_build(const struct ward_corr_alert *a, const struct ward_corr_base *bases,
                          size_t nbases, const struct ward_corr_rules *rules,
                          struct ward_arena *arena, struct ward_alert *out) WARD_MUST_USE;

/* ---- filters ------------------------------------------------------------------------- */

struct ward_sigma_rule;
struct ward_taxonomy;
/* Whether a match of base rule (id, name) on ev survives the filters: 1 keep, 0 drop. */
int ward_corr_filter_keep(const struct ward_corr_rules *rules, const struct ward_taxonomy *t,
                          const char *rule_id, const char *rule_name, struct ward_event *ev);

#endif
