/*
 * event.h - the decoded record that flows from decoders to detection and output.
 *
 * An event is a list of (key, value) fields. Keys are flattened paths
 * ("Event.System.EventID", "answers.0.rdata"): arrays keep their index. Values point into
 * the decoder's record buffer where possible (zero copy) and are unescaped lazily, once,
 * when detection or output first reads them. Every key that the field registry knows
 * (fields that some rule or output reads) gets an integer id, so detection reads a field
 * by id in O(1).
 *
 * Lifetime: an event's values are valid until the decoder's next call or
 * ward_event_reset(). An event is used by one thread at a time.
 */
#ifndef WARD_EVENT_H
#define WARD_EVENT_H

#include "ward/core.h"

enum ward_vtype {
    WARD_V_STR = 0, /* text */
    WARD_V_NUM,     /* a number, kept as its text ("4624", "1.5e3") */
    WARD_V_BOOL,    /* "true" / "false" */
    WARD_V_NULL,    /* JSON null or an empty element: value text is "" */
};

enum {
    WARD_F_ESCAPED = 1,  /* value is JSON string content with escapes still in it */
    WARD_F_BADUTF8 = 2,  /* value bytes were not valid UTF-8 (kept as they were) */
    WARD_F_RESOLVED = 4, /* escapes resolved: val now points to the unescaped text */
};

#define WARD_FIELD_NOID UINT32_MAX

struct ward_field {
    const char *val; /* value bytes; see flags */
    uint32_t vlen;
    uint32_t koff; /* key offset in the event's key store */
    uint32_t klen;
    uint32_t id; /* field registry id or WARD_FIELD_NOID */
    uint8_t type;
    uint8_t flags;
};

#define WARD_EVENT_MAX_FIELDS_DEFAULT 65536

struct ward_event {
    /* where the record came from */
    const char *path;   /* borrowed source path */
    uint64_t record;    /* 1-based ordinal of the record in its source */
    uint64_t line;      /* 1-based line of the record's start, 0 if not line based */
    uint64_t offset;    /* byte offset of the record in the (decompressed) source */
    ward_time_t ts;     /* event time, WARD_TIME_NONE when none was found */
    const char *format; /* decoder name ("json", "evtx" ...) */
    /* logsource as the decoder knows it (static strings or NULL) */
    const char *product;
    const char *service;
    const char *category;
    /* the record's raw bytes when the format has them (JSON text), else NULL */
    const char *raw;
    size_t raw_len;

    struct ward_field *fields;
    uint32_t nfields;
    uint32_t fields_cap;
    uint32_t max_fields;
    char *keys; /* key store: keys are NUL-separated */
    size_t keys_len;
    size_t keys_cap;
    struct ward_arena arena; /* unescaped and decoder-built values; reset per event */

    /* id index: by_id[id] = field index + 1 when gen_by_id[id] == gen */
    const struct ward_intern *registry;
    uint32_t *by_id;
    uint32_t *gen_by_id;
    uint32_t nids;
    uint32_t gen;
    /* the previous record's keys (swapped with `keys` at reset) and field count: a field
     * whose key is the same as the previous record's at that position takes its id from
     * there, without hashing (decoders mostly emit the same keys in the same order) */
    char *pkeys;
    size_t pkeys_cap;
    uint32_t pnfields;
};

/* Prepares an event. registry may be NULL (no ids); it must not grow while the event
 * lives. Returns 0 or WARD_ENOMEM. Free with ward_event_free. */
int ward_event_init(struct ward_event *ev, const struct ward_intern *registry) WARD_MUST_USE;
void ward_event_free(struct ward_event *ev);
/* Clears fields, keys, arena and metadata for the next record. */
void ward_event_reset(struct ward_event *ev);

/* Appends a field. The key is copied; val is borrowed (it must stay valid as long as the
 * event's record). WARD_ELIMIT past max_fields. */
int ward_event_add(struct ward_event *ev, const char *key, size_t klen, const char *val,
                   size_t vlen, enum ward_vtype type, unsigned flags) WARD_MUST_USE;
/* Same, for a decoder that already knows the key's registry id (it looked the key up in
 * ev->registry itself, e.g. once per distinct key): id is that id, or WARD_FIELD_NOID when
 * the registry does not hold the key. Skips the registry lookup. */
int ward_event_add_id(struct ward_event *ev, const char *key, size_t klen, uint32_t id,
                      const char *val, size_t vlen, enum ward_vtype type,
                      unsigned flags) WARD_MUST_USE;
/* Same, with the value copied into the event's arena. */
int ward_event_add_copy(struct ward_event *ev, const char *key, size_t klen, const char *val,
                        size_t vlen, enum ward_vtype type) WARD_MUST_USE;
/* Memory that lives until the next reset, for decoders building values. */
void *ward_event_alloc(struct ward_event *ev, size_t n) WARD_MUST_USE;

static inline const char *ward_field_key(const struct ward_event *ev, const struct ward_field *f)
{
    return ev->keys + f->koff;
}

/* Resolves the escapes of a WARD_F_ESCAPED value (ward_event_value's first call). */
int ward_event_resolve(struct ward_event *ev, struct ward_field *f,
                       struct ward_str *out) WARD_MUST_USE;

/* The value's text with escapes resolved (done once, then cached in the field). Returns 0,
 * or WARD_ENOMEM. Invalid escapes are kept literally (the JSON reader reports them). */
WARD_MUST_USE static inline int ward_event_value(struct ward_event *ev, struct ward_field *f,
                                                 struct ward_str *out)
{
    if (WARD_UNLIKELY((f->flags & (WARD_F_ESCAPED | WARD_F_RESOLVED)) == WARD_F_ESCAPED))
        return ward_event_resolve(ev, f, out);
    out->ptr = f->val;
    out->len = f->vlen;
    return 0;
}

/* Finds a field by exact key (first occurrence), NULL when absent. */
struct ward_field *ward_event_find(struct ward_event *ev, const char *key, size_t klen);
/* Finds a field by registry id, NULL when absent. O(1). */
static inline struct ward_field *ward_event_by_id(struct ward_event *ev, uint32_t id)
{
    if (id >= ev->nids || ev->gen_by_id[id] != ev->gen) return NULL;
    return &ev->fields[ev->by_id[id] - 1];
}

/*
 * Sets ev->ts from the first timestamp field found, in this order:
 * Event.System.TimeCreated.#attributes.SystemTime, Event.System.TimeCreated.SystemTime,
 * @timestamp, timestamp, ts, time, eventTime, EventTime, TimeCreated, UtcTime,
 * Event.EventData.UtcTime, date, datetime. Leaves ts alone when the decoder set it.
 */
void ward_event_find_time(struct ward_event *ev);

#endif
