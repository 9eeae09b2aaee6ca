/*
 * alert.h - the alert: what detection (hunt, the live service, an import) hands to the case
 * store. A detection of one rule on one event, with its ATT&CK mapping, the triggering event
 * verbatim (JSON text) and the entities (hosts, users, addresses, hashes, files ...) found in
 * that event. Also the entity extraction from a decoded event.
 *
 * Every pointer in these structs is borrowed: the store copies what it keeps.
 */
#ifndef WARD_ALERT_H
#define WARD_ALERT_H

#include "ward/core.h"

struct ward_event;

/* Rule levels, the Sigma scale; also the incident severity. */
enum ward_level {
    WARD_SEV_INFORMATIONAL = 0,
    WARD_SEV_LOW = 1,
    WARD_SEV_MEDIUM = 2,
    WARD_SEV_HIGH = 3,
    WARD_SEV_CRITICAL = 4,
};

/* "informational", "low", "medium", "high", "critical" ("?" out of range). */
const char *ward_level_name(int level);
/* Parses a level name (case-insensitive; "info" is accepted too). Returns the level or -1. */
int ward_level_parse(const char *s);

/* Entity kinds found in events. The observable type each maps to is in brackets. */
enum ward_entity_kind {
    WARD_ENT_HOST = 0, /* a computer name (host) */
    WARD_ENT_USER,     /* an account name (user) */
    WARD_ENT_SRC_IP,   /* a source address (ip) */
    WARD_ENT_DST_IP,   /* a destination address (ip) */
    WARD_ENT_HASH,     /* a file hash, hex (hash) */
    WARD_ENT_FILE,     /* a file path (file) */
    WARD_ENT_DOMAIN,   /* a DNS name that is not a host of the estate (domain) */
    WARD_ENT_URL,      /* a URL (url) */
    WARD_ENT_CMDLINE,  /* a process command line (kept for the record, not an observable) */
    WARD_ENT__COUNT
};

/* "host", "user", "src_ip", "dst_ip", "hash", "file", "domain", "url", "cmdline". */
const char *ward_entity_kind_name(enum ward_entity_kind k);
/* Observable type of an entity kind ("ip" for both address kinds), NULL for cmdline. */
const char *ward_entity_observable_type(enum ward_entity_kind k);
/* Whether alerts sharing an entity of this kind are grouped into one incident
 * (host, user, src_ip, dst_ip, hash). */
int ward_entity_groups(enum ward_entity_kind k);

struct ward_entity {
    enum ward_entity_kind kind;
    const char *value; /* NUL-terminated, as found (the store normalises) */
};

struct ward_alert_technique {
    const char *id;   /* "T1059.001" */
    const char *name; /* "PowerShell", or NULL when unknown */
};

struct ward_alert {
    ward_time_t ts;   /* the event's time; WARD_TIME_NONE: the store uses "now" */
    const char *host; /* the computer the event is from, or NULL */
    struct {
        const char *id;    /* rule id (Sigma uuid or name); required */
        const char *title; /* required */
        int level;         /* enum ward_level */
        const char *const *tags;
        size_t ntags;
    } rule;
    struct {
        const struct ward_alert_technique *techniques;
        size_t ntechniques;
        const char *const *tactics; /* tactic names as hunt resolved them ("execution") */
        size_t ntactics;
    } attack;
    struct {
        const char *path; /* evidence file, or NULL */
        uint64_t record;  /* record number in it, 0 unknown */
    } source;
    const char *event_json; /* the triggering event verbatim (JSON text), or NULL */
    size_t event_json_len;  /* 0: strlen(event_json) */
    const struct ward_entity *entities;
    size_t nentities;
};

/*
 * Extracts the entities of an event: hosts (Event.System.Computer, host, hostname,
 * WorkstationName ...), users (User, TargetUserName, SubjectUserName, user ...), source and
 * destination addresses (IpAddress, SourceIp, src_ip, DestinationIp, dst_ip ...), hashes
 * (Hashes "SHA256=..,MD5=..", md5, sha256 ...), files (Image, ParentImage, TargetFilename,
 * ImageLoaded, and paths named on the command line), domains (QueryName, query ...), URLs
 * and the command line. Keys are matched on their last path component, case-insensitively,
 * so both Event.EventData.IpAddress and a flat "IpAddress" count. Values that mean "none" ("-",
 * "", "N/A", "::1", "127.0.0.1", "0.0.0.0" ...) are skipped; duplicates are dropped.
 *
 * The values and the array live in `arena` (the caller's); at most `max` entities are
 * returned (the rest are dropped). Returns 0, or WARD_ENOMEM.
 */
int ward_entities_from_event(struct ward_event *ev, struct ward_arena *arena, size_t max,
                             struct ward_entity **out, size_t *count) WARD_MUST_USE;

/*
 * Turns an alert record decoded from JSON (flattened keys, as the JSON reader gives them)
 * into an alert: {"timestamp", "host", "rule": {id, title, level, tags[]}, "attack":
 * {tactics[] (names, or {id, name}), techniques[] (ids, or {id, name})}, "source": {path,
 * record}, "event": {...}}. The event is kept verbatim when ev->raw holds the record's text
 * (else re-serialised from its fields); its entities are extracted into the alert, and the
 * host defaults to the event's host. `scratch` is an event the caller owns (reset here)
 * for the event's fields. Everything the alert points to is copied into `arena` (the
 * caller's; reset it per alert once the alert was stored). Returns 0, or WARD_EINVAL (no rule id or
 * title, bad timestamp or level) / WARD_ELIMIT / WARD_ENOMEM with err.
 */
int ward_alert_from_event(struct ward_event *ev, struct ward_event *scratch,
                          struct ward_arena *arena, struct ward_alert *out,
                          struct ward_err *err) WARD_MUST_USE;

#endif
