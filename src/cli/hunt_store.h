/* hunt_store.h - the case-store glue of `ward hunt` in plain values, so that hunt_store.c
 * (which includes the store's alert.h) never meets the detection headers. Private. */
#ifndef WARD_CLI_HUNT_STORE_H
#define WARD_CLI_HUNT_STORE_H

#include <stdio.h>

#include "ward/core.h"
#include "ward/event.h"

/* An alert as the store glue needs it, in plain values. */
struct hunt_store_alert {
    ward_time_t ts;
    const char *host;
    size_t host_len;
    const char *rule_id, *rule_title;
    int severity; /* 0 informational .. 4 critical */
    char *const *tags;
    size_t ntags;
    char *const *tech_ids;
    char *const *tech_names; /* entries may be NULL */
    size_t ntech;
    const char *const *tactics; /* short names ("execution") */
    size_t ntactics;
    const char *path;
    uint64_t record;
    const char *event_json;
    size_t event_json_len;
    const char *entities; /* "kind\tvalue\n" lines, from hunt_store_entities */
    size_t entities_len;
};

struct hunt_store;
/* Opens (creating) the store at path; reports errors itself. Returns a sysexits code. */
int hunt_store_open(const char *path, struct hunt_store **out);
/* Queues an alert (copied); full batches are written in one transaction each. */
int hunt_store_add(struct hunt_store *hs, const struct hunt_store_alert *a) WARD_MUST_USE;
/* Writes what is queued, prints what was recorded to `report` (may be NULL), closes. */
int hunt_store_finish(struct hunt_store *hs, FILE *report) WARD_MUST_USE;
void hunt_store_free(struct hunt_store *hs);
/* Appends the entities of an event as "kind\tvalue\n" lines to out. */
int hunt_store_entities(struct ward_event *ev, struct ward_buf *out) WARD_MUST_USE;

struct ward_corr_alert;
/* The entities of a correlation alert ("kind\tvalue\n" lines, from its group-by values)
 * appended to ents, and its host (a host-like group-by value) to host. */
int hunt_store_corr_entities(const struct ward_corr_alert *a, struct ward_buf *ents,
                             struct ward_buf *host) WARD_MUST_USE;

#endif
