/*
 * report.h - rendering of cases and metrics: the incident report (Markdown, HTML, JSON), the
 * case timeline, the metrics (table, JSON) and the ATT&CK Navigator layer. Pure functions
 * over what the store loaded (store.h): the output is a function of the input only, so
 * reports of a fixed store are byte-for-byte reproducible (the golden tests rely on it).
 */
#ifndef WARD_REPORT_H
#define WARD_REPORT_H

#include "ward/core.h"
#include "ward/event.h"
#include "ward/json.h"
#include "ward/store.h"

/* One line of a case's timeline: the alerts at their event times and the handling steps
 * (the journal) at theirs, in time order. */
struct ward_timeline_item {
    ward_time_t ts;
    const char *source; /* "alert" or "journal" */
    const char *actor;  /* journal: who; alert: the host */
    const char *what;   /* a sentence */
    int64_t ref;        /* alert id or journal seq */
};

/* Builds the timeline of a case into *items (allocated in c->arena; freed with the case). */
int ward_case_timeline(struct ward_case *c, struct ward_timeline_item **items, size_t *n,
                       struct ward_err *err) WARD_MUST_USE;

/* Writes the case as one JSON object (incident, alerts, techniques, tactics, entities,
 * observables, tasks, notes, evidence, custody, journal). */
int ward_case_write_json(struct ward_jw *w, struct ward_case *c) WARD_MUST_USE;

/* The incident report in format "md", "html" or "json", appended to out. `generated` is
 * the report's time (WARD_TIME_NONE leaves it out). */
int ward_report_incident(struct ward_case *c, const char *format, ward_time_t generated,
                         struct ward_buf *out, struct ward_err *err) WARD_MUST_USE;

/* Alerts of a burst named one by one in the readings below (the JSON form of a case has
 * every one the store kept). */
#define WARD_BURST_LIST 5

/* One burst of a stored correlation alert (each firing the store counted on it), read from
 * its correlation object (hunt's form: "alerts" with rule {id, title}, the group as an
 * object; ward_corr_alert_build's: "correlated" with the rule's id, the group as
 * "field=value, ..." text). The strings point into `ev` and live until
 * ward_corr_burst_free. */
struct ward_corr_burst {
    struct ward_event ev;
    struct ward_str type, value, span;
    struct ward_buf group; /* "src_ip=10.0.0.1, ..." */
    /* alerts named in the object, left out by the engine, and in all (at least "events") */
    unsigned long long listed, omitted, all;
    struct {
        struct ward_str time, path, record, title;
    } alert[WARD_BURST_LIST];
    struct ward_str titles[3]; /* distinct titles of the correlated rules, first three */
    size_t ntitles;
};

/* Reads one correlation object (JSON text). On a parse error *err says why and b holds
 * nothing to free. */
int ward_corr_burst_read(struct ward_corr_burst *b, const char *json, size_t len,
                         struct ward_err *err) WARD_MUST_USE;
void ward_corr_burst_free(struct ward_corr_burst *b);

/* The timeline as "table", "md" or "json". */
int ward_report_timeline(struct ward_case *c, const char *format, struct ward_buf *out,
                         struct ward_err *err) WARD_MUST_USE;

/* Metrics as "table" or "json". */
int ward_report_metrics(const struct ward_metrics *m, const char *format, struct ward_buf *out,
                        struct ward_err *err) WARD_MUST_USE;

/* An ATT&CK Navigator layer (format 4.5, enterprise-attack) of the techniques seen: score =
 * number of incidents with the technique. name may be NULL. */
int ward_report_attack_layer(const struct ward_metrics *m, const char *name, struct ward_buf *out,
                             struct ward_err *err) WARD_MUST_USE;

/* "2d 3h", "1h 15m", "4m 10s", "12s" (seconds in, rounded down). */
void ward_format_duration(double seconds, char *out, size_t outsz);

#endif
