/* event.c - the decoded event: fields with flattened keys, ids, lazy unescaping, time. */
#include <stdlib.h>
#include <string.h>

#include "ward/event.h"
#include "ward/json.h"

int ward_event_init(struct ward_event *ev, const struct ward_intern *registry)
{
    memset(ev, 0, sizeof *ev);
    ev->ts = WARD_TIME_NONE;
    ev->max_fields = WARD_EVENT_MAX_FIELDS_DEFAULT;
    ward_arena_init(&ev->arena, 16384, 0);
    ev->registry = registry;
    ev->gen = 1;
    if (registry && registry->count) {
        ev->nids = registry->count;
        ev->by_id = calloc(ev->nids, sizeof *ev->by_id);
        ev->gen_by_id = calloc(ev->nids, sizeof *ev->gen_by_id);
        if (!ev->by_id || !ev->gen_by_id) {
            ward_event_free(ev);
            return WARD_ENOMEM;
        }
    }
    return 0;
}

void ward_event_free(struct ward_event *ev)
{
    free(ev->fields);
    free(ev->keys);
    free(ev->pkeys);
    free(ev->by_id);
    free(ev->gen_by_id);
    ward_arena_free(&ev->arena);
    memset(ev, 0, sizeof *ev);
}

void ward_event_reset(struct ward_event *ev)
{
    /* keep this record's keys for the next one (see pkeys) */
    char *k = ev->keys;
    size_t kc = ev->keys_cap;
    ev->keys = ev->pkeys;
    ev->keys_cap = ev->pkeys_cap;
    ev->pkeys = k;
    ev->pkeys_cap = kc;
    ev->pnfields = ev->nfields;
    ev->nfields = 0;
    ev->keys_len = 0;
    ev->path = NULL;
    ev->record = ev->line = ev->offset = 0;
    ev->ts = WARD_TIME_NONE;
    ev->format = ev->product = ev->service = ev->category = NULL;
    ev->raw = NULL;
    ev->raw_len = 0;
    if (ev->arena.total) ward_arena_reset(&ev->arena);
    if (++ev->gen == 0) {
        /* generation wrapped: clear stamps so stale ones cannot match */
        if (ev->gen_by_id) memset(ev->gen_by_id, 0, ev->nids * sizeof *ev->gen_by_id);
        ev->gen = 1;
    }
}

/* Makes room for one more field and klen + 1 key bytes. */
static int event_grow(struct ward_event *ev, size_t klen)
{
    if (ev->nfields == ev->fields_cap) {
        uint32_t cap = ev->fields_cap ? ev->fields_cap * 2 : 64;
        struct ward_field *f = realloc(ev->fields, cap * sizeof *f);
        if (!f) return WARD_ENOMEM;
        ev->fields = f;
        ev->fields_cap = cap;
    }
    if (ev->keys_len + klen + 1 > ev->keys_cap) {
        size_t cap = ev->keys_cap ? ev->keys_cap * 2 : 4096;
        while (cap < ev->keys_len + klen + 1) cap *= 2;
        if (cap > UINT32_MAX) return WARD_ELIMIT;
        char *k = realloc(ev->keys, cap);
        if (!k) return WARD_ENOMEM;
        ev->keys = k;
        ev->keys_cap = cap;
    }
    return 0;
}

int ward_event_add(struct ward_event *ev, const char *key, size_t klen, const char *val,
                   size_t vlen, enum ward_vtype type, unsigned flags)
{
    if (WARD_UNLIKELY(ev->nfields >= ev->max_fields)) return WARD_ELIMIT;
    if (WARD_UNLIKELY(klen > UINT32_MAX / 2 || vlen > UINT32_MAX)) return WARD_ELIMIT;
    if (WARD_UNLIKELY(ev->nfields == ev->fields_cap || ev->keys_len + klen + 1 > ev->keys_cap)) {
        int rc = event_grow(ev, klen);
        if (rc) return rc;
    }
    uint32_t idx = ev->nfields++;
    struct ward_field *f = &ev->fields[idx];
    /* the previous record's field at this index (still in place until overwritten) */
    uint32_t prev_id = UINT32_MAX - 1; /* not known */
    if (idx < ev->pnfields && f->klen == klen && ev->pkeys &&
        memcmp(ev->pkeys + f->koff, key, klen) == 0)
        prev_id = f->id;
    f->koff = (uint32_t)ev->keys_len;
    f->klen = (uint32_t)klen;
    memcpy(ev->keys + ev->keys_len, key, klen);
    ev->keys[ev->keys_len + klen] = '\0';
    ev->keys_len += klen + 1;
    f->val = val;
    f->vlen = (uint32_t)vlen;
    f->type = (uint8_t)type;
    f->flags = (uint8_t)flags;
    f->id = WARD_FIELD_NOID;
    if (ev->nids) {
        int64_t id = prev_id != UINT32_MAX - 1
                         ? (prev_id == WARD_FIELD_NOID ? -1 : (int64_t)prev_id)
                         : ward_intern_find(ev->registry, key, klen);
        if (id >= 0 && (uint32_t)id < ev->nids) {
            f->id = (uint32_t)id;
            if (ev->gen_by_id[id] != ev->gen) {
                ev->gen_by_id[id] = ev->gen;
                ev->by_id[id] = idx + 1;
            }
        }
    }
    return 0;
}

int ward_event_add_id(struct ward_event *ev, const char *key, size_t klen, uint32_t id,
                      const char *val, size_t vlen, enum ward_vtype type, unsigned flags)
{
    if (WARD_UNLIKELY(ev->nfields >= ev->max_fields)) return WARD_ELIMIT;
    if (WARD_UNLIKELY(klen > UINT32_MAX / 2 || vlen > UINT32_MAX)) return WARD_ELIMIT;
    if (WARD_UNLIKELY(ev->nfields == ev->fields_cap || ev->keys_len + klen + 1 > ev->keys_cap)) {
        int rc = event_grow(ev, klen);
        if (rc) return rc;
    }
    uint32_t idx = ev->nfields++;
    struct ward_field *f = &ev->fields[idx];
    char *k = ev->keys + ev->keys_len;
    f->koff = (uint32_t)ev->keys_len;
    f->klen = (uint32_t)klen;
    memcpy(k, key, klen);
    k[klen] = '\0';
    ev->keys_len += klen + 1;
    f->val = val;
    f->vlen = (uint32_t)vlen;
    f->type = (uint8_t)type;
    f->flags = (uint8_t)flags;
    f->id = WARD_FIELD_NOID;
    if (id < ev->nids) {
        f->id = id;
        if (ev->gen_by_id[id] != ev->gen) {
            ev->gen_by_id[id] = ev->gen;
            ev->by_id[id] = idx + 1;
        }
    }
    return 0;
}

void *ward_event_alloc(struct ward_event *ev, size_t n)
{
    return ward_arena_alloc(&ev->arena, n);
}

int ward_event_add_copy(struct ward_event *ev, const char *key, size_t klen, const char *val,
                        size_t vlen, enum ward_vtype type)
{
    char *copy = ward_arena_strndup(&ev->arena, val, vlen);
    if (!copy) return WARD_ENOMEM;
    return ward_event_add(ev, key, klen, copy, vlen, type, 0);
}

int ward_event_resolve(struct ward_event *ev, struct ward_field *f, struct ward_str *out)
{
    if ((f->flags & (WARD_F_ESCAPED | WARD_F_RESOLVED)) == WARD_F_ESCAPED) {
        char *buf = ward_arena_alloc(&ev->arena, (size_t)f->vlen + 1);
        if (!buf) return WARD_ENOMEM;
        size_t partial = 0;
        long n = ward_json_unescape(f->val, f->vlen, buf, &partial);
        size_t len = n >= 0 ? (size_t)n : partial;
        buf[len] = '\0';
        f->val = buf;
        f->vlen = (uint32_t)len;
        f->flags |= WARD_F_RESOLVED;
    }
    out->ptr = f->val;
    out->len = f->vlen;
    return 0;
}

struct ward_field *ward_event_find(struct ward_event *ev, const char *key, size_t klen)
{
    if (ev->nids) {
        int64_t id = ward_intern_find(ev->registry, key, klen);
        if (id >= 0 && (uint32_t)id < ev->nids) return ward_event_by_id(ev, (uint32_t)id);
    }
    for (uint32_t i = 0; i < ev->nfields; i++) {
        const struct ward_field *f = &ev->fields[i];
        if (f->klen == klen && memcmp(ev->keys + f->koff, key, klen) == 0) return &ev->fields[i];
    }
    return NULL;
}

static const char *const time_keys[] = {
    "Event.System.TimeCreated.#attributes.SystemTime",
    "Event.System.TimeCreated.SystemTime",
    "@timestamp",
    "timestamp",
    "ts",
    "time",
    "eventTime",
    "EventTime",
    "TimeCreated",
    "UtcTime",
    "Event.EventData.UtcTime",
    "date",
    "datetime",
    NULL,
};

void ward_event_find_time(struct ward_event *ev)
{
    if (ev->ts != WARD_TIME_NONE) return;
    for (int i = 0; time_keys[i]; i++) {
        struct ward_field *f = ward_event_find(ev, time_keys[i], strlen(time_keys[i]));
        if (!f) continue;
        struct ward_str v;
        if (ward_event_value(ev, f, &v)) return;
        ward_time_t t;
        if (ward_time_parse(v.ptr, v.len, &t) == 0) {
            ev->ts = t;
            return;
        }
    }
}
