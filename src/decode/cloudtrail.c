/*
 * cloudtrail.c - AWS CloudTrail logs: the files CloudTrail writes to S3 ({"Records": [ ...
 * ]}, one event per element of Records) and one-record-a-line exports (JSON Lines of
 * records, as SIEMs and the OTRF data sets keep them). Read with the zero-copy JSON reader;
 * nested keys are flattened (userIdentity.type, requestParameters.bucketName ...), the
 * names Sigma's CloudTrail rules read. Logsource: product aws, service cloudtrail; the event
 * time is eventTime.
 *
 * A Records document is read whole (within max_record) as one JSON record, then handed out
 * one element at a time: the element's fields keep pointing into the reader's buffer, which
 * stays untouched until the last element is out.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"
#include "ward/json_reader.h"

#define RECORDS_MAX_FIELDS (16u << 20)

struct ct_state {
    struct ward_json_reader *r;
    struct ward_event doc; /* the current {"Records": [...]} document */
    int in_doc;
    uint32_t pos;   /* next field of doc to look at */
    uint64_t index; /* element number of the next record */
    uint32_t max_fields;
};

static int ct_probe(const unsigned char *head, size_t n)
{
    static const char *const line[] = {
        "\"eventSource\":", "\"eventName\":", "\"awsRegion\":", NULL};
    size_t i = 0;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
    /* {"Records": [ ... (pretty-printed documents put Records on a later line) */
    if (i < n && head[i] == '{') {
        const char *p = (const char *)head + i;
        size_t len = n - i < 512 ? n - i : 512;
        for (size_t k = 0; k + 9 <= len; k++)
            if (memcmp(p + k, "\"Records\"", 9) == 0) {
                /* a Records key early in the document and CloudTrail keys somewhere */
                for (size_t m = k; m + 13 <= n - i; m++)
                    if (memcmp(p + m, "\"eventSource\"", 13) == 0) return 75;
                return 40;
            }
    }
    return text_json_head_has(head, n, line) ? 70 : 0;
}

static int ct_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                   struct ward_err *err)
{
    struct ct_state *st = calloc(1, sizeof *st);
    if (!st) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    struct ward_decode_opts big = *o;
    st->max_fields = o->max_fields;
    /* a Records document holds many events: allow it the fields of all of them */
    if (big.max_fields < RECORDS_MAX_FIELDS) big.max_fields = RECORDS_MAX_FIELDS;
    int rc = ward_json_reader_open(&st->r, s, &big, err);
    if (rc) {
        free(st);
        return rc;
    }
    if (ward_event_init(&st->doc, NULL)) {
        ward_json_reader_free(st->r);
        free(st);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    st->doc.max_fields = big.max_fields;
    *state = st;
    return 0;
}

/* "Records.<n>." at the start of key: returns the prefix length and sets *idx, else 0. */
static size_t records_prefix(const char *key, size_t klen, uint64_t *idx)
{
    if (klen < 10 || memcmp(key, "Records.", 8) != 0) return 0;
    size_t i = 8;
    uint64_t v = 0;
    if (!text_is_digit(key[i])) return 0;
    while (i < klen && text_is_digit(key[i]) && i < 28) v = v * 10 + (uint64_t)(key[i++] - '0');
    if (i >= klen || key[i] != '.') return 0;
    *idx = v;
    return i + 1;
}

/* Hands out the next element of the current Records document; 0 when none is left. */
static int next_element(struct ct_state *st, struct ward_event *ev, struct ward_err *err)
{
    struct ward_event *d = &st->doc;
    /* skip fields outside Records (and an empty Records array) */
    uint64_t idx = 0;
    size_t pl = 0;
    while (st->pos < d->nfields) {
        const struct ward_field *f = &d->fields[st->pos];
        pl = records_prefix(ward_field_key(d, f), f->klen, &idx);
        if (pl) break;
        st->pos++;
    }
    if (st->pos >= d->nfields) return 0;
    ev->line = d->line;
    ev->offset = d->offset;
    ev->product = "aws";
    ev->service = "cloudtrail";
    uint32_t added = 0;
    while (st->pos < d->nfields) {
        const struct ward_field *f = &d->fields[st->pos];
        const char *key = ward_field_key(d, f);
        uint64_t i2;
        size_t l2 = records_prefix(key, f->klen, &i2);
        if (!l2 || i2 != idx) break;
        st->pos++;
        if (++added > st->max_fields)
            continue; /* over the per-event limit: the rest of this record is dropped */
        int rc =
            ward_event_add(ev, key + l2, f->klen - l2, f->val, f->vlen, (enum ward_vtype)f->type,
                           f->flags & (WARD_F_ESCAPED | WARD_F_BADUTF8));
        if (rc) return ward_err_at(err, rc, NULL, d->line, 0, "cannot build CloudTrail event");
    }
    if (added > st->max_fields)
        return ward_err_at(err, WARD_ELIMIT, NULL, d->line, 0,
                           "CloudTrail record %llu has more than %u fields",
                           (unsigned long long)idx, st->max_fields);
    return 1;
}

static int ct_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct ct_state *st = state;
    for (;;) {
        if (st->in_doc) {
            int rc = next_element(st, ev, err);
            if (rc) return rc;
            st->in_doc = 0;
        }
        ward_event_reset(&st->doc);
        int rc = ward_json_reader_next(st->r, &st->doc, err);
        if (rc <= 0) return rc;
        struct ward_event *d = &st->doc;
        /* a document with Records? */
        int has_records = 0;
        for (uint32_t i = 0; i < d->nfields && !has_records; i++) {
            const struct ward_field *f = &d->fields[i];
            const char *k = ward_field_key(d, f);
            if (f->klen >= 7 && memcmp(k, "Records", 7) == 0 && (f->klen == 7 || k[7] == '.'))
                has_records = 1;
        }
        if (has_records) {
            st->in_doc = 1;
            st->pos = 0;
            continue;
        }
        /* a single record: hand it over as it is */
        if (d->nfields > st->max_fields)
            return ward_err_at(err, WARD_ELIMIT, NULL, d->line, 0,
                               "record has %u fields, more than %u", d->nfields, st->max_fields);
        ev->line = d->line;
        ev->offset = d->offset;
        ev->raw = d->raw;
        ev->raw_len = d->raw_len;
        ev->product = "aws";
        ev->service = "cloudtrail";
        for (uint32_t i = 0; i < d->nfields; i++) {
            const struct ward_field *f = &d->fields[i];
            rc = ward_event_add(ev, ward_field_key(d, f), f->klen, f->val, f->vlen,
                                (enum ward_vtype)f->type,
                                f->flags & (WARD_F_ESCAPED | WARD_F_BADUTF8));
            if (rc) return ward_err_at(err, rc, NULL, d->line, 0, "cannot build CloudTrail event");
        }
        return 1;
    }
}

static void ct_close(void *state)
{
    struct ct_state *st = state;
    if (!st) return;
    ward_json_reader_free(st->r);
    ward_event_free(&st->doc);
    free(st);
}

const struct ward_decoder ward_decoder_cloudtrail = {
    "cloudtrail", "AWS CloudTrail JSON ({\"Records\": [...]} files or one record a line)",
    ct_probe,     ct_open,
    ct_next,      ct_close,
};
