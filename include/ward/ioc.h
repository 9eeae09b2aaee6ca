/*
 * ioc.h - threat intelligence indicators in ward: loading them from STIX 2.1 bundles, MISP
 * events and feeds, CSV and plain lists; compiling them into an immutable indicator set
 * (hash sets for hashes, domains with suffix matching, URLs and e-mail addresses, exact
 * IP addresses and prefix trees for CIDR ranges); and matching events against the set.
 *
 * Life cycle: ward_ioc_set_new, any number of ward_ioc_load_path / ward_ioc_add calls,
 * ward_ioc_set_compile once, then ward_ioc_match_event from any number of threads (the
 * compiled set is read-only). Every indicator that could not be loaded is kept as a
 * problem (source, line, id, reason): nothing is dropped silently.
 * docs/internals/ioc.md describes the structures; docs/intel.md is the user guide.
 */
#ifndef WARD_IOC_H
#define WARD_IOC_H

#include "ward/core.h"
#include "ward/event.h"

enum ward_ioc_type {
    WARD_IOC_IPV4 = 0, /* an address or a CIDR range (prefix < 32) */
    WARD_IOC_IPV6,     /* an address or a CIDR range (prefix < 128) */
    WARD_IOC_DOMAIN,   /* matches the name and every name below it */
    WARD_IOC_URL,      /* scheme and host lower-cased, "/" path added when empty */
    WARD_IOC_MD5,
    WARD_IOC_SHA1,
    WARD_IOC_SHA256,
    WARD_IOC_SHA512,
    WARD_IOC_EMAIL,
    WARD_IOC_NTYPES
};

/* Short type name ("ipv4", "domain", "sha256" ...) and its inverse (also accepts the MISP
 * and STIX spellings: ip-dst, hostname, domain-name, email-addr ...). -1 when unknown. */
const char *ward_ioc_type_name(enum ward_ioc_type t);
int ward_ioc_type_parse(const char *name, size_t n);

/* TLP levels (TLP 1.0 "white" is TLP 2.0 "clear"). */
enum ward_tlp {
    WARD_TLP_NONE = 0,
    WARD_TLP_CLEAR,
    WARD_TLP_GREEN,
    WARD_TLP_AMBER,
    WARD_TLP_AMBER_STRICT,
    WARD_TLP_RED
};
const char *ward_tlp_name(enum ward_tlp t); /* "", "clear", "green", "amber", ... */
/* Parses "tlp:green", "TLP:AMBER+STRICT", "white", "red" ... ; WARD_TLP_NONE when not TLP. */
enum ward_tlp ward_tlp_parse(const char *s, size_t n);

enum {
    WARD_IOC_F_TO_IDS = 1,    /* MISP to_ids was true (or the source has no such flag) */
    WARD_IOC_F_NOT_IDS = 2,   /* MISP to_ids was false: context, not meant for detection */
    WARD_IOC_F_FROM_CIDR = 4, /* IP: the value was written as a range */
};

/*
 * Context shared by the values of one indicator (a STIX indicator object whose pattern has
 * several alternatives, a MISP attribute, a CSV row, a whole plain list). Strings are owned
 * by the set and may be NULL. Times are WARD_TIME_NONE when unknown.
 */
struct ward_ioc_meta {
    const char *source;  /* the file (or feed) it came from */
    const char *id;      /* STIX indicator id, MISP attribute uuid, CSV id column */
    const char *name;    /* STIX name, MISP event info (+ comment), CSV name/description */
    const char *labels;  /* STIX labels / indicator_types, MISP category and tags, comma list */
    const char *pattern; /* the STIX pattern or the MISP type as written */
    const char *event;   /* MISP event uuid, STIX bundle id */
    ward_time_t valid_from, valid_until;
    ward_time_t first_seen, last_seen;
    uint64_t line;      /* line of the record in its source (1-based, 0 unknown) */
    int16_t confidence; /* 0..100, -1 unknown */
    uint8_t tlp;        /* enum ward_tlp */
    uint8_t flags;      /* WARD_IOC_F_* */
};

/* One indicator value. value is the normalised text ("10.0.0.0/8", "evil.com", lower-case
 * hex for hashes). */
struct ward_ioc {
    const char *value;
    const struct ward_ioc_meta *meta;
    uint32_t vlen;
    uint8_t type;   /* enum ward_ioc_type */
    uint8_t prefix; /* IP: prefix length (32 / 128 for a single address) */
    uint8_t flags;  /* WARD_IOC_F_FROM_CIDR */
};

/* What happened to an indicator (or a part of one) that was not loaded. */
enum ward_ioc_problem_kind {
    WARD_IOC_UNSUPPORTED = 0, /* valid intel that ward's matcher cannot express */
    WARD_IOC_INVALID,         /* malformed value or pattern syntax error */
    WARD_IOC_SKIPPED,         /* deliberately not loaded: revoked, deleted, not an indicator */
    WARD_IOC_FILE_ERROR,      /* a whole file or record could not be read or parsed */
};
const char *ward_ioc_problem_kind_name(enum ward_ioc_problem_kind k);

struct ward_ioc_problem {
    const char *source;
    uint64_t line;
    const char *id;   /* indicator / attribute id when known */
    const char *text; /* the pattern, value or type concerned */
    const char *reason;
    uint8_t kind;    /* enum ward_ioc_problem_kind */
    uint8_t partial; /* 1: other parts of the same indicator were loaded */
};

/* Counters of a set (filled as files load). */
struct ward_ioc_stats {
    uint64_t values[WARD_IOC_NTYPES]; /* values loaded per type */
    uint64_t cidrs[2];                /* of which ranges: [0] IPv4, [1] IPv6 */
    uint64_t total;                   /* values loaded */
    uint64_t objects;                 /* indicators seen (STIX objects, MISP attributes, rows) */
    uint64_t objects_loaded;          /* of which loaded whole */
    uint64_t objects_partial;         /* loaded in part (an OR with unsupported alternatives) */
    uint64_t unsupported, invalid, skipped, file_errors; /* problems by kind */
    uint64_t files;
};

struct ward_ioc_set;

/* An empty set. Free with ward_ioc_set_free. */
int ward_ioc_set_new(struct ward_ioc_set **out) WARD_MUST_USE;
void ward_ioc_set_free(struct ward_ioc_set *set);

struct ward_ioc_load_opts {
    int ids_only;       /* MISP: skip attributes with to_ids false (reported as skipped) */
    const char *format; /* force "stix", "misp", "csv" or "list"; NULL detects */
    const char *source; /* source name for the indicators; NULL = the path */
    int16_t confidence; /* default confidence for sources that have none (-1) */
    uint8_t tlp;        /* default TLP for sources that have none */
};
void ward_ioc_load_opts_default(struct ward_ioc_load_opts *o);

/*
 * Loads indicators from a file or directory: STIX 2.1 (bundle, list of objects or one
 * object), MISP (event JSON, {"response": [...]}, a list of events, a feed directory with
 * manifest.json), CSV with a header naming `type` and `value` columns, or a plain list (one
 * value per line, type guessed, defanged values such as hxxp and [.] accepted). Directories
 * that are not MISP feeds are read recursively. Problems are recorded in the set; the
 * return value is 0 unless something fatal happened (out of memory, or the path could not
 * be read at all: then WARD_EIO / WARD_ESYNTAX with err filled, and a FILE_ERROR problem).
 */
int ward_ioc_load_path(struct ward_ioc_set *set, const char *path,
                       const struct ward_ioc_load_opts *o, struct ward_err *err) WARD_MUST_USE;
/* Loads from a memory buffer as if it were the file `path` (format detected). */
int ward_ioc_load_mem(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                      const struct ward_ioc_load_opts *o, struct ward_err *err) WARD_MUST_USE;

/*
 * Adds one value of the given type (or guessed when type < 0) with a copy of meta (NULL:
 * no context). Returns 0, WARD_EINVAL when the value is not a valid value of the type
 * (reason in err), WARD_ESTATE after compile, WARD_ENOMEM.
 */
int ward_ioc_add(struct ward_ioc_set *set, int type, const char *value, size_t n,
                 const struct ward_ioc_meta *meta, struct ward_err *err) WARD_MUST_USE;

/*
 * Copies meta (strings too) into the set once, for any number of ward_ioc_add_shared calls:
 * the values of one indicator, or the rows of one list read back from the case store, then
 * share one context instead of one copy each. NULL when out of memory. Owned by the set.
 */
const struct ward_ioc_meta *ward_ioc_meta_copy(struct ward_ioc_set *set,
                                               const struct ward_ioc_meta *meta);
/* ward_ioc_add with a meta from ward_ioc_meta_copy on the same set (not copied; NULL: none). */
int ward_ioc_add_shared(struct ward_ioc_set *set, int type, const char *value, size_t n,
                        const struct ward_ioc_meta *meta, struct ward_err *err) WARD_MUST_USE;

/*
 * How validity windows apply to an event's time:
 *  - RETRO (the default): valid_until is honoured (an expired indicator does not flag later
 *    events) but valid_from is not: intel published today still flags the past events of a
 *    retrospective hunt, which is what a handler asks ("did we talk to it before?"); live
 *    events come after valid_from anyway;
 *  - STRICT: valid_from <= event time < valid_until;
 *  - IGNORE: every indicator matches at any time.
 */
enum ward_ioc_validity { WARD_IOC_VALID_RETRO = 0, WARD_IOC_VALID_STRICT, WARD_IOC_VALID_IGNORE };
void ward_ioc_set_validity(struct ward_ioc_set *set, enum ward_ioc_validity mode);

/* Builds the lookup tables. After this the set is read-only and shareable by threads. */
int ward_ioc_set_compile(struct ward_ioc_set *set) WARD_MUST_USE;

/* Counters, indicators and problems (borrowed, valid while the set lives). */
const struct ward_ioc_stats *ward_ioc_set_stats(const struct ward_ioc_set *set);
size_t ward_ioc_set_count(const struct ward_ioc_set *set);
const struct ward_ioc *ward_ioc_set_get(const struct ward_ioc_set *set, size_t i);
size_t ward_ioc_set_problem_count(const struct ward_ioc_set *set);
const struct ward_ioc_problem *ward_ioc_set_problem(const struct ward_ioc_set *set, size_t i);
/* Approximate bytes held by the set. */
size_t ward_ioc_set_memory(const struct ward_ioc_set *set);

/* ---- matching ------------------------------------------------------------------------ */

struct ward_ioc_hit {
    const struct ward_ioc *ioc;
    const char *key;       /* the event field's key (NUL-terminated, borrowed from the event) */
    struct ward_str value; /* the part of the field value that matched (a token) */
    struct ward_str field; /* the whole field value */
};
/* Called for each hit; return non-zero to stop matching this event. */
typedef int (*ward_ioc_hit_fn)(void *ctx, const struct ward_ioc_hit *hit);

/*
 * Checks every text field of ev: the value is split into tokens at white space and
 * punctuation that cannot be part of an address, name, URL or hash; each token gets cheap
 * shape tests and only then a lookup: IPv4/IPv6 addresses (optionally with :port) in the
 * exact set and the prefix trees, 32/40/64/128 hex digits in the hash sets (so Sysmon's
 * "SHA256=...,MD5=..." Hashes strings work), dotted names in the domain table (the name
 * and every parent name), URLs (and their host as a domain or address), e-mail addresses.
 * An indicator outside its validity window at the event's time (when the event has one; see
 * ward_ioc_set_validity) does not hit. The same indicator hits at most once per field. Returns the
 * number of hits, or a negative code. The set must be compiled.
 */
int ward_ioc_match_event(const struct ward_ioc_set *set, struct ward_event *ev, ward_ioc_hit_fn fn,
                         void *ctx);
/* Same for one value (key is reported as given). ts may be WARD_TIME_NONE. */
int ward_ioc_match_value(const struct ward_ioc_set *set, const char *key, const char *val, size_t n,
                         ward_time_t ts, ward_ioc_hit_fn fn, void *ctx);

/* ---- alerts ------------------------------------------------------------------------------ */

struct ward_alert;
/*
 * Fills an alert (alert.h) for a hit on ev, for the case store: rule id "intel:<indicator
 * id>" (or "intel:<type>:<value>"), a title naming the value, the level from the
 * confidence (>= 80 high, < 50 low, else medium; to_ids false: low), tags "intel",
 * "intel.source:...", "tlp:...", "intel.labels:...", the event's entities plus the matched
 * value as an entity (ip, domain, url, hash), so it becomes an observable of the incident.
 * Strings and arrays live in arena; the event must outlive the alert. 0 or WARD_ENOMEM.
 */
int ward_ioc_hit_alert(const struct ward_ioc_hit *hit, struct ward_event *ev,
                       struct ward_arena *arena, struct ward_alert *out) WARD_MUST_USE;

/* ---- value helpers (also used by the loaders and tests) ------------------------------ */

/* Parses an IPv4 / IPv6 address with an optional /prefix into 16 bytes (IPv4 in the first
 * 4), the family (4 or 6) and the prefix. Returns 0 or WARD_EINVAL. */
int ward_ioc_parse_ip(const char *s, size_t n, uint8_t addr[16], int *family, int *prefix);
/*
 * Normalises a value of type t into out (cap bytes): lower-cases hex, domains, e-mail
 * addresses, URL schemes and hosts; masks host bits of CIDR ranges. Returns the length, or
 * WARD_EINVAL with a reason (static string) in *why.
 */
long ward_ioc_normalize(enum ward_ioc_type t, const char *s, size_t n, char *out, size_t cap,
                        const char **why);
/* Guesses the type of a value (after refanging); -1 when it is none of them. */
int ward_ioc_guess_type(const char *s, size_t n);
/* Undoes common defanging ("hxxp", "[.]", "(.)", "[:]", "[@]", "[at]", "[dot]") into out
 * (cap >= n + 8). Returns the new length. */
size_t ward_ioc_refang(const char *s, size_t n, char *out, size_t cap);

#endif
