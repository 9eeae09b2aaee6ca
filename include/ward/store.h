/*
 * store.h - the case store: incidents and everything about them in one SQLite file (WAL).
 *
 * One struct ward_store per process and thread. Every write is one short transaction
 * (BEGIN IMMEDIATE, busy timeout), so several processes can share a store. Every change to
 * a case is appended to the journal, whose entries are chained by SHA-256; the journal
 * records the actor (ward_store_set_actor) and the time (real time, or the fixed "now" of
 * ward_store_set_now, the test hook behind WARD_NOW).
 *
 * Records read back (struct ward_case, lists) live in an arena owned by the result and are
 * freed with the matching *_free function, which accepts NULL.
 */
#ifndef WARD_STORE_H
#define WARD_STORE_H

#include "ward/alert.h"
#include "ward/core.h"
#include "ward/incident.h"

struct ward_store;

/* The schema version this build writes (the last migration). */
#define WARD_STORE_SCHEMA 5

/*
 * Opens (creating it if absent) the store at path and migrates it to WARD_STORE_SCHEMA, one
 * numbered migration per transaction. A store newer than this build is refused
 * (WARD_EUNSUPPORTED). The caller frees *out with ward_store_close.
 */
int ward_store_open(const char *path, struct ward_store **out, struct ward_err *err) WARD_MUST_USE;
/* Opens without creating: WARD_ENOTFOUND when the file does not exist. */
int ward_store_open_existing(const char *path, struct ward_store **out,
                             struct ward_err *err) WARD_MUST_USE;
/* For the migration tests: creates/opens and migrates only up to `version` (0..SCHEMA). */
int ward_store_open_at(const char *path, int version, struct ward_store **out,
                       struct ward_err *err) WARD_MUST_USE;
void ward_store_close(struct ward_store *st);
/* The schema version of the open store. */
int ward_store_schema(struct ward_store *st);
/* Runs one SQL statement without parameters (tests and migrations only). */
int ward_store_exec(struct ward_store *st, const char *sql, struct ward_err *err) WARD_MUST_USE;
/* Runs a query returning one integer (tests): *out = first column of the first row. */
int ward_store_query_int(struct ward_store *st, const char *sql, int64_t *out,
                         struct ward_err *err) WARD_MUST_USE;

/* Who the journal names for changes (copied). Default "ward". */
void ward_store_set_actor(struct ward_store *st, const char *actor);
/* Fixes the clock of the store's writes (tests, golden reports); WARD_TIME_NONE = real. */
void ward_store_set_now(struct ward_store *st, ward_time_t now);
ward_time_t ward_store_now(struct ward_store *st);

/* ---- alerts into incidents --------------------------------------------------------------- */

struct ward_store_stats {
    uint64_t alerts;           /* alerts handed in */
    uint64_t alerts_new;       /* stored as new alert rows */
    uint64_t alerts_repeated;  /* counted on an existing alert (dedup) */
    uint64_t alerts_rejected;  /* bad (no rule id/title): skipped, see the log */
    uint64_t incidents_new;    /* incidents opened */
    uint64_t incidents_joined; /* alerts that joined an existing incident */
    uint64_t observables_new;
};

/*
 * Records a batch of alerts in one transaction: a repeat of the same rule on the same
 * entities within opts->dedup_window is counted on the existing alert; any other alert
 * joins the open incident that shares a grouping entity (host, user, address, hash) within
 * opts->group_window, or opens a new one. Incident severity, ATT&CK tactics and techniques,
 * first and last seen follow from its alerts; observables are recorded from the entities.
 * opts may be NULL (defaults). Stats are added to *stats (may be NULL). Nothing of the
 * batch is kept when it fails.
 */
int ward_store_add_alerts(struct ward_store *st, const struct ward_alert *alerts, size_t n,
                          const struct ward_group_opts *opts, struct ward_store_stats *stats,
                          struct ward_err *err) WARD_MUST_USE;

/* ---- the lifecycle and case work ------------------------------------------------------------ */

/* Moves an incident to another phase (not closed: use ward_store_close_incident). Checked
 * with ward_status_transition_ok; WARD_ESTATE when not allowed. reason may be NULL. */
int ward_store_set_status(struct ward_store *st, int64_t incident, int to, const char *reason,
                          struct ward_err *err) WARD_MUST_USE;
/* Assigns to a user (NULL or "" unassigns). */
int ward_store_assign(struct ward_store *st, int64_t incident, const char *assignee,
                      struct ward_err *err) WARD_MUST_USE;
int ward_store_add_note(struct ward_store *st, int64_t incident, const char *text, int64_t *id,
                        struct ward_err *err) WARD_MUST_USE;
int ward_store_add_task(struct ward_store *st, int64_t incident, const char *title,
                        const char *assignee, int64_t *id, struct ward_err *err) WARD_MUST_USE;
/* Sets a task's state: "open", "doing", "done" or "cancelled". */
int ward_store_task_state(struct ward_store *st, int64_t incident, int64_t task, const char *state,
                          struct ward_err *err) WARD_MUST_USE;
/* Adds an observable by hand (validated, normalised); an existing one is left as it is
 * (*id set, *added 0). */
int ward_store_add_observable(struct ward_store *st, int64_t incident, const char *type,
                              const char *value, const char *note, int64_t *id, int *added,
                              struct ward_err *err) WARD_MUST_USE;
/* Records a file as evidence: path (as given and absolute), size, SHA-256, who, when, why;
 * the first custody step is "acquired". */
int ward_store_add_evidence(struct ward_store *st, int64_t incident, const char *path,
                            const char *reason, int64_t *id, struct ward_err *err) WARD_MUST_USE;
/* Appends a custody step (action like "transferred", "stored", "examined", "released"). */
int ward_store_evidence_custody(struct ward_store *st, int64_t incident, int64_t evidence,
                                const char *action, const char *reason,
                                struct ward_err *err) WARD_MUST_USE;

struct ward_evidence_check {
    int64_t id;
    const char *path;
    const char *expected;
    char actual[65]; /* "" when the file could not be read */
    int ok;
    char reason[128];
};
/* Re-hashes the evidence of an incident (all when evidence is 0), appends a "verified"
 * (or "verify-failed") custody step to each, and fills *out (caller frees with free();
 * strings point into the store's scratch and live until the next call). */
int ward_store_evidence_verify(struct ward_store *st, int64_t incident, int64_t evidence,
                               struct ward_evidence_check **out, size_t *n,
                               struct ward_err *err) WARD_MUST_USE;
/* Merges incident `from` into `into`: alerts, entities, observables, notes, tasks and
 * evidence move; `from` is closed as merged. */
int ward_store_merge(struct ward_store *st, int64_t from, int64_t into,
                     struct ward_err *err) WARD_MUST_USE;
/* Closes with resolution, root cause and lessons learned (all required, non-empty). */
int ward_store_close_incident(struct ward_store *st, int64_t incident, const char *resolution,
                              const char *root_cause, const char *lessons,
                              struct ward_err *err) WARD_MUST_USE;
/* Reopens a closed incident (back to triage). */
int ward_store_reopen(struct ward_store *st, int64_t incident, const char *reason,
                      struct ward_err *err) WARD_MUST_USE;
/* Sets title or description. */
int ward_store_set_title(struct ward_store *st, int64_t incident, const char *title,
                         struct ward_err *err) WARD_MUST_USE;

/* ---- the journal --------------------------------------------------------------------------- */

struct ward_journal_check {
    uint64_t entries;   /* entries walked */
    int64_t bad_seq;    /* first entry that does not hold, 0 when the chain holds */
    char reason[256];   /* why it does not hold */
    uint64_t bad_count; /* incidents whose counters disagree with their alerts */
    int64_t bad_incident;
};
/* Walks the journal chain (each entry's hash, its link to the previous one, the sequence
 * and the head recorded in meta) and checks the incidents' counters. Returns 0 with the
 * findings in *out (bad_seq != 0 or bad_count != 0 means tampering or damage). */
int ward_store_verify(struct ward_store *st, struct ward_journal_check *out,
                      struct ward_err *err) WARD_MUST_USE;
/* SQLite's PRAGMA integrity_check: 0 when "ok", else WARD_ECORRUPT with the first line. */
int ward_store_integrity(struct ward_store *st, struct ward_err *err) WARD_MUST_USE;

/* ---- reading back ------------------------------------------------------------------------- */

struct ward_incident {
    int64_t id;
    const char *title;
    int status;
    int severity;
    const char *assignee; /* NULL when unassigned */
    ward_time_t first_seen, last_seen, created_at, updated_at;
    ward_time_t acked_at, contained_at, closed_at; /* WARD_TIME_NONE when not yet */
    int64_t alert_count;                           /* alert rows */
    int64_t event_count;                           /* events (alerts with their repeats) */
    const char *resolution, *root_cause, *lessons; /* NULL until closed */
    int64_t merged_into;                           /* 0 when not merged */
    const char *tactics;                           /* comma-separated, ATT&CK order */
    const char *techniques;                        /* comma-separated ids */
};

struct ward_case_alert {
    int64_t id;
    const char *rule_id, *rule_title;
    int level;
    const char *host;
    ward_time_t first_seen, last_seen;
    int64_t count;
    const char *source_path;
    uint64_t source_record;
    const char *tags;       /* JSON array text */
    const char *tactics;    /* JSON array text */
    const char *techniques; /* JSON array text of {"id","name"} */
    const char *event_json;
};

/* One firing of a correlation alert (several when the store counted repeats on the alert):
 * its time and its correlation object as JSON text ({"type", "group", "value", "events",
 * "first", "last", "alerts": [...], "omitted"}, see docs/hunt.md). */
struct ward_case_burst {
    int64_t alert_id;
    ward_time_t ts;
    const char *correlation;
};

struct ward_case_technique {
    const char *id, *name;
    int64_t alerts;
};

struct ward_case_entity {
    const char *kind, *value;
    ward_time_t first_seen, last_seen;
    int64_t alerts;
};

struct ward_case_observable {
    int64_t id;
    const char *type, *value, *source, *note;
    ward_time_t first_seen;
    int64_t sightings;
};

struct ward_case_note {
    int64_t id;
    ward_time_t ts;
    const char *author, *text;
};

struct ward_case_task {
    int64_t id;
    const char *title, *state, *assignee, *created_by;
    ward_time_t created_at, updated_at;
};

struct ward_case_custody {
    int64_t evidence_id;
    ward_time_t ts;
    const char *actor, *action, *reason, *sha256;
};

struct ward_case_evidence {
    int64_t id;
    const char *path;     /* as given when it was added */
    const char *abs_path; /* resolved */
    const char *sha256, *added_by, *reason;
    uint64_t size;
    ward_time_t added_at;
};

struct ward_case_journal {
    int64_t seq;
    ward_time_t ts;
    const char *actor, *action, *detail;
};

/* An incident with everything about it, for show, timeline and reports. */
struct ward_case {
    struct ward_incident inc;
    struct ward_case_alert *alerts;
    size_t nalerts;
    struct ward_case_burst *bursts; /* by alert id, then time */
    size_t nbursts;
    struct ward_case_technique *techniques;
    size_t ntechniques;
    const char **tactics;
    size_t ntactics;
    struct ward_case_entity *entities;
    size_t nentities;
    struct ward_case_observable *observables;
    size_t nobservables;
    struct ward_case_note *notes;
    size_t nnotes;
    struct ward_case_task *tasks;
    size_t ntasks;
    struct ward_case_evidence *evidence;
    size_t nevidence;
    struct ward_case_custody *custody;
    size_t ncustody;
    struct ward_case_journal *journal;
    size_t njournal;
    struct ward_arena arena;
};

/* Loads an incident and all its records (alerts with events when with_events; without,
 * correlation alerts still carry theirs, the list of alerts they correlate). The
 * caller frees *out with ward_case_free. WARD_ENOTFOUND when there is no such incident. */
int ward_store_load_case(struct ward_store *st, int64_t incident, int with_events,
                         struct ward_case **out, struct ward_err *err) WARD_MUST_USE;
void ward_case_free(struct ward_case *c);
/* The bursts of one alert of the case, in time order: *first gets the first (NULL when none);
 * returns how many. */
size_t ward_case_alert_bursts(const struct ward_case *c, int64_t alert_id,
                              const struct ward_case_burst **first);

struct ward_incident_filter {
    int status;       /* -1 any; WARD_ST__COUNT = open (not closed) */
    int min_severity; /* -1 any */
    const char *assignee;
    ward_time_t since, until; /* on created_at; WARD_TIME_NONE = unbounded */
    int include_merged;
    size_t limit; /* 0 = no limit */
};
void ward_incident_filter_default(struct ward_incident_filter *f);

struct ward_incident_list {
    struct ward_incident *items;
    size_t n;
    struct ward_arena arena;
};
int ward_store_list(struct ward_store *st, const struct ward_incident_filter *f,
                    struct ward_incident_list **out, struct ward_err *err) WARD_MUST_USE;
void ward_incident_list_free(struct ward_incident_list *l);

/* Where an observable was seen: every incident holding it. */
struct ward_observable_hit {
    int64_t incident;
    const char *title;
    int status;
    const char *type, *value, *source;
    int64_t sightings;
    ward_time_t first_seen;
};
struct ward_observable_hits {
    struct ward_observable_hit *items;
    size_t n;
    struct ward_arena arena;
};
/* Finds an observable across all incidents. type NULL: every type the value is valid for
 * (normalised per type). Free *out with ward_observable_hits_free. */
int ward_store_find_observable(struct ward_store *st, const char *type, const char *value,
                               struct ward_observable_hits **out,
                               struct ward_err *err) WARD_MUST_USE;
void ward_observable_hits_free(struct ward_observable_hits *h);

/* ---- metrics -------------------------------------------------------------------------------- */

struct ward_metric_count {
    const char *key;
    int64_t n;
};

struct ward_metrics {
    ward_time_t since, until;
    int64_t incidents, alerts, events, open, closed;
    struct ward_metric_count by_severity[5];
    struct ward_metric_count by_status[WARD_ST__COUNT];
    struct ward_metric_count *by_tactic;
    size_t ntactics;
    struct ward_metric_count *by_technique;
    size_t ntechniques;
    /* mean durations in seconds and how many incidents each is over (n = 0: undefined) */
    double mttd, mtta, mttc, mttr;
    int64_t mttd_n, mtta_n, mttc_n, mttr_n;
    struct ward_arena arena;
};
/* Metrics over incidents created in [since, until) (WARD_TIME_NONE = unbounded), merged
 * incidents left out. MTTD: first_seen -> created; MTTA: created -> acknowledged (left new);
 * MTTC: created -> contained; MTTR: created -> closed. */
int ward_store_metrics(struct ward_store *st, ward_time_t since, ward_time_t until,
                       struct ward_metrics **out, struct ward_err *err) WARD_MUST_USE;
void ward_metrics_free(struct ward_metrics *m);

/* ---- threat intelligence indicators ------------------------------------------------------
 * One row per value of an indicator and source (type, normalised value, source name, source
 * id: the STIX indicator id, MISP attribute uuid or CSV id, "" when none). first_seen and
 * last_seen are the times of the first and the latest import that brought it; a re-import
 * of the same value from the same source and id updates last_seen and the context (validity,
 * confidence, TLP, labels) instead of adding a row. What an import could not load
 * (unsupported patterns, invalid values, skipped indicators, unreadable files) is recorded
 * with it. docs/internals/store.md has the tables. */

struct ward_ioc;
struct ward_ioc_set;

struct ward_intel_import {
    int64_t id;              /* the intel_imports row */
    uint64_t values;         /* values handed in */
    uint64_t values_new;     /* rows added */
    uint64_t values_updated; /* already there from the same source: refreshed */
    uint64_t problems;       /* problems recorded */
};

/*
 * Records the values of set (loaded; compiled or not) from index first_value on and its
 * problems from index first_problem on (0, 0: all of them) as one import of `path` under the source
 * name `source` (used for values whose meta names no source), in one transaction that ends with an
 * "intel.import" journal entry. counts_json (may be NULL) is kept with the import (per-type counts,
 * for the record). *out (may be NULL) gets the numbers. Nothing is kept when it fails.
 */
int ward_store_intel_import(struct ward_store *st, const struct ward_ioc_set *set,
                            size_t first_value, size_t first_problem, const char *path,
                            const char *source, const char *counts_json,
                            struct ward_intel_import *out, struct ward_err *err) WARD_MUST_USE;
/* Adds (or refreshes) one value with its meta, journaled ("intel.add" / "intel.update");
 * *added (may be NULL) says whether it is a new row. Source "manual" when meta has none. */
int ward_store_indicator_add(struct ward_store *st, const struct ward_ioc *ioc, int *added,
                             struct ward_err *err) WARD_MUST_USE;
/* Removes every indicator (and recorded problem) of a source; journaled ("intel.remove").
 * *removed (may be NULL) gets the number of indicator rows removed (0 is not an error). */
int ward_store_indicators_remove(struct ward_store *st, const char *source, int64_t *removed,
                                 struct ward_err *err) WARD_MUST_USE;

/* An indicator row as read back. Strings are valid during the callback only. */
struct ward_indicator {
    int64_t id;
    const char *type;                    /* "ipv4", "domain", "sha256" ... (ward_ioc_type_name) */
    const char *value;                   /* normalised */
    const char *source;                  /* the source name (file or feed name, --source) */
    const char *source_id;               /* STIX id, MISP attribute uuid ...; "" when none */
    ward_time_t first_seen, last_seen;   /* import times */
    ward_time_t valid_from, valid_until; /* WARD_TIME_NONE when not given */
    int confidence;                      /* 0..100, -1 unknown */
    const char *tlp;                     /* "unknown", "clear", "green", "amber", ... */
    const char *labels;                  /* comma list, may be NULL */
    int flags;                           /* WARD_IOC_F_* of ioc.h */
    const char *context;                 /* JSON: name, pattern, event, line, the intel's own
                                            first_seen / last_seen */
    int64_t import_id;                   /* the latest import that brought it, 0 when none */
};

/* Which indicators: NULL or empty members match all; limit 0 = no limit. */
struct ward_indicator_filter {
    const char *type;   /* canonical type name */
    const char *source; /* exact source name */
    const char *value;  /* exact normalised value */
    size_t limit;
};

/* Called per row; return non-zero to stop. Must not use the store. */
typedef int (*ward_indicator_fn)(void *ctx, const struct ward_indicator *ind);
/* Iterates over the indicators (f may be NULL), in the order they were first recorded. */
int ward_store_indicators_each(struct ward_store *st, const struct ward_indicator_filter *f,
                               ward_indicator_fn fn, void *ctx, struct ward_err *err) WARD_MUST_USE;
/* Counts the indicators (f may be NULL; its limit is ignored). */
int ward_store_indicators_count(struct ward_store *st, const struct ward_indicator_filter *f,
                                int64_t *n, struct ward_err *err) WARD_MUST_USE;

/* A problem recorded by an import. Strings are valid during the callback only. */
struct ward_intel_problem {
    int64_t import_id;
    ward_time_t ts;        /* of the import */
    const char *source;    /* the import's source name */
    const char *path;      /* the file it was in (may be NULL) */
    uint64_t line;         /* 0 unknown */
    const char *source_id; /* the indicator's id, may be NULL */
    const char *kind;      /* "unsupported", "invalid", "skipped", "file-error" */
    int partial;           /* other parts of the indicator were loaded */
    const char *text;      /* the pattern or value concerned, may be NULL */
    const char *reason;
};
typedef int (*ward_intel_problem_fn)(void *ctx, const struct ward_intel_problem *p);
/* Iterates over the recorded problems (of one source, or all when source is NULL). */
int ward_store_intel_problems_each(struct ward_store *st, const char *source,
                                   ward_intel_problem_fn fn, void *ctx,
                                   struct ward_err *err) WARD_MUST_USE;

/*
 * Adds the store's indicators (f may be NULL: all) to an indicator set that is not compiled
 * yet, each with its context (source, id, validity, confidence, TLP, labels, name ...); rows
 * with the same context share one copy of it. *n gets the number of values added.
 */
int ward_store_intel_to_set(struct ward_store *st, struct ward_ioc_set *set,
                            const struct ward_indicator_filter *f, size_t *n,
                            struct ward_err *err) WARD_MUST_USE;
/* The same from the store at path, opened (not created) and closed again: a missing store
 * holds no indicators (0, *n = 0). For `ward hunt --store`. */
int ward_store_intel_load(const char *path, struct ward_ioc_set *set, size_t *n,
                          struct ward_err *err) WARD_MUST_USE;

#endif
