/*
 * incident.h - the incident lifecycle (ISO/IEC 27035, NIST SP 800-61), observables and
 * their validation, and the rules that turn alerts into incidents (dedup key, grouping
 * keys). Pure functions: the case store (store.h) applies them.
 */
#ifndef WARD_INCIDENT_H
#define WARD_INCIDENT_H

#include "ward/alert.h"
#include "ward/core.h"

/* Lifecycle phases in order. */
enum ward_status {
    WARD_ST_NEW = 0,   /* an incident was opened from alerts, nobody looked yet */
    WARD_ST_TRIAGE,    /* a handler acknowledged it: real? in scope? */
    WARD_ST_ASSESS,    /* scope, impact, priority */
    WARD_ST_CONTAIN,   /* stop the spread */
    WARD_ST_ERADICATE, /* remove the cause */
    WARD_ST_RECOVER,   /* restore service */
    WARD_ST_LEARN,     /* post-incident review */
    WARD_ST_CLOSED,    /* resolved, with resolution, root cause and lessons learned */
    WARD_ST__COUNT
};

const char *ward_status_name(int st);
/* Parses a status name (case-insensitive). Returns the status or -1. */
int ward_status_parse(const char *s);
/*
 * Whether a transition from -> to is allowed: forward to any later phase up to learn (a
 * phase may be skipped, e.g. triage straight to closed-as-false-positive goes through
 * close), back one or more phases while not closed (re-assess after new findings), to
 * closed from any open phase only through ward_store_close (it asks for a resolution),
 * and from closed only back to triage (reopen). Staying in the same phase is not a
 * transition.
 */
int ward_status_transition_ok(int from, int to);

/* Observable types. */
#define WARD_OBS_TYPES "ip, domain, url, hash, user, host, file"
/*
 * Validates and normalises an observable value of a type: ip (IPv4 or IPv6, canonical
 * form), domain (LDH labels, lower case, at least two labels), url (scheme://host...),
 * hash (hex MD5, SHA-1, SHA-256 or SHA-512, lower case), user (printable, no control
 * characters), host (hostname characters, lower case), file (a path, no control
 * characters). Writes the normalised value into out (NUL-terminated). Returns 0, or
 * WARD_EINVAL with the reason in err (or WARD_ELIMIT when out is too small).
 */
int ward_observable_normalize(const char *type, const char *value, char *out, size_t outsz,
                              struct ward_err *err) WARD_MUST_USE;
/* Whether type is one of WARD_OBS_TYPES. */
int ward_observable_type_ok(const char *type);

/* Options of grouping alerts into incidents. */
struct ward_group_opts {
    ward_time_t dedup_window; /* repeats of rule+entities within it count on one alert */
    ward_time_t group_window; /* alerts sharing an entity within it join one incident */
    int group_by_host;        /* share of a host is enough (default 1) */
};

/* Defaults: dedup 1 hour, group 24 hours, group by host. */
void ward_group_opts_default(struct ward_group_opts *o);

/*
 * The dedup key of an alert: hex SHA-256 of the rule id and its grouping entities (sorted,
 * normalised). Two alerts with the same key are "the same rule on the same entity".
 * out must hold 65 bytes.
 */
void ward_alert_dedup_key(const struct ward_alert *a, char out[65]);

/*
 * Normalises an entity of an alert for grouping: "host:ws01", "user:corp\\alice",
 * "ip:10.0.0.5", "hash:<hex>". Returns 0 and writes the key, or -1 when the entity does not
 * group (its kind does not, or its value means "none" ("-", "N/A") or is a well-known service
 * account such as SYSTEM or LOCAL SERVICE that would tie unrelated alerts together).
 */
int ward_entity_group_key(const struct ward_entity *e, const struct ward_group_opts *o, char *out,
                          size_t outsz);

/* SHA-256 of bytes as 64 lower-case hex digits and a NUL (OpenSSL libcrypto). */
int ward_sha256_hex(const void *p, size_t n, char out[65]) WARD_MUST_USE;
/* SHA-256 of a file's content; *size gets its length. WARD_EIO with the reason in err. */
int ward_sha256_file(const char *path, char out[65], uint64_t *size,
                     struct ward_err *err) WARD_MUST_USE;

#endif
