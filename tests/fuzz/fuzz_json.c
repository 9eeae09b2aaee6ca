/*
 * fuzz_json.c - libFuzzer target for the JSON event reader and the "json" decoder: the
 * input goes through ward_stream_open_mem and the decoder row; every field of every event
 * is resolved with ward_event_value and the event is written back with
 * ward_json_write_event, whose output must read back as one event with the same count of
 * fields; each event's record is also flattened alone with ward_json_flatten (which does
 * not use the reader's key cache), and must give the same fields, keys, flags and field
 * registry ids; the input is also flattened whole with ward_json_flatten. The first input byte
 * picks the read size and a small record limit, so buffer refills and the record size limit are
 * exercised too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ward/decode.h"
#include "ward/json.h"
#include "ward/json_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(const char *json, size_t n, uint32_t nfields)
{
    struct ward_err err;
    struct ward_stream *s;
    ward_err_clear(&err);
    if (ward_stream_open_mem(&s, json, n, "roundtrip", &err)) return;
    struct ward_json_reader *r;
    if (ward_json_reader_open(&r, s, NULL, &err)) {
        ward_stream_close(s);
        return;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL) == 0) {
        ward_event_reset(&ev);
        int k = ward_json_reader_next(r, &ev, &err);
        /* what ward writes, ward reads: the writer's output is valid JSON */
        if (k != 1 || ev.nfields != nfields) abort();
        ward_event_free(&ev);
    }
    ward_json_reader_free(r);
    ward_stream_close(s);
}

/* A few keys that fuzzed records are likely to have, so that registry ids are exercised. */
static const struct ward_intern *registry(void)
{
    static struct ward_intern reg;
    static int ready;
    static const char *const keys[] = {"a",    "b",   "a.b",   "a.0", "a.b.c",
                                       "0",    "0.a", "a.0.b", "x.y", "Event.System.EventID",
                                       "a\"b", "",    NULL};
    if (!ready) {
        ward_intern_init(&reg);
        for (int i = 0; keys[i]; i++)
            if (ward_intern_add(&reg, keys[i], strlen(keys[i])) < 0) abort();
        ready = 1;
    }
    return &reg;
}

/* The record flattened on its own gives the same fields as the reader gave. */
static void check_flatten_same(struct ward_event *ev, struct ward_event *ev2,
                               const struct ward_decode_opts *o)
{
    struct ward_err err;
    ward_err_clear(&err);
    ward_event_reset(ev2);
    if (ward_json_flatten(ev2, ev->raw, ev->raw_len, NULL, o, &err) != 0) return;
    if (ev2->nfields != ev->nfields) abort();
    for (uint32_t j = 0; j < ev->nfields; j++) {
        const struct ward_field *a = &ev->fields[j], *b = &ev2->fields[j];
        if (a->klen != b->klen || memcmp(ward_field_key(ev, a), ward_field_key(ev2, b), a->klen))
            abort();
        if (a->id != b->id || a->type != b->type || a->flags != b->flags || a->vlen != b->vlen)
            abort();
        if (a->vlen && memcmp(a->val, b->val, a->vlen) != 0) abort();
        int64_t id = ward_intern_find(ev->registry, ward_field_key(ev, a), a->klen);
        if (a->id != (id < 0 ? WARD_FIELD_NOID : (uint32_t)id)) abort();
        if (id >= 0) { /* by id: the first field with the key */
            const struct ward_field *first = ward_event_by_id(ev, (uint32_t)id);
            if (!first || first > a || first->klen != a->klen ||
                memcmp(ward_field_key(ev, first), ward_field_key(ev, a), a->klen) != 0)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t chunks[] = {0, 1, 2, 3, 7, 64, 4096, 0};
    if (size < 1) return 0;
    unsigned mode = data[0];
    data++;
    size--;
    ward_log_set_level(WARD_LOG_ERROR);
    const struct ward_decoder *dec = ward_decoder_find("json");
    if (!dec) abort();
    (void)dec->probe(data, size);
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    if (ward_stream_open_mem(&s, data, size, "fuzz", &err)) return 0;
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);
    if (mode & 0x80) {
        o.max_record = 64 + (mode & 0x0f) * 16;
        o.max_depth = 1 + (mode & 0x30);
        o.max_fields = 8;
    }
    void *state;
    if (dec->open(s, &o, &state, &err)) {
        ward_stream_close(s);
        return 0;
    }
    size_t chunk = chunks[mode & 7];
    if (chunk) ward_json_reader_set_chunk(state, chunk);
    struct ward_event ev, ev2;
    if (ward_event_init(&ev, registry()) || ward_event_init(&ev2, registry())) abort();
    struct ward_buf out;
    ward_buf_init(&out, 0);
    for (int i = 0; i < 100000; i++) {
        ward_event_reset(&ev);
        ward_err_clear(&err);
        int k = dec->next(state, &ev, &err);
        if (k == 0) break;
        if (k < 0) {
            if (!err.msg[0] || !err.line || !err.column) abort(); /* errors say where */
            continue;
        }
        if (!ev.raw || ev.raw_len == 0 || ev.offset + ev.raw_len > size) abort();
        if (memcmp(ev.raw, data + ev.offset, ev.raw_len) != 0) abort();
        check_flatten_same(&ev, &ev2, &o);
        for (uint32_t j = 0; j < ev.nfields; j++) {
            struct ward_str v;
            if (ward_event_value(&ev, &ev.fields[j], &v)) abort();
            if (v.len && !v.ptr) abort();
        }
        struct ward_jw w;
        ward_buf_reset(&out);
        ward_jw_init(&w, &out);
        if (ward_json_write_event(&w, &ev, 1)) abort();
        ward_buf_reset(&out);
        ward_jw_init(&w, &out);
        if (ward_json_write_event(&w, &ev, 0)) abort();
        check_roundtrip(out.data, out.len, ev.nfields);
    }
    /* the same bytes as one in-memory value, with and without a key prefix */
    ward_event_reset(&ev);
    if (ward_json_flatten(&ev, (const char *)data, size, (mode & 0x40) ? "p" : NULL, &o, &err) ==
        0) {
        for (uint32_t j = 0; j < ev.nfields; j++) {
            struct ward_str v;
            if (ward_event_value(&ev, &ev.fields[j], &v)) abort();
        }
    }
    ward_buf_free(&out);
    ward_event_free(&ev);
    ward_event_free(&ev2);
    dec->close(state);
    ward_stream_close(s);
    return 0;
}
