/*
 * decode_util.h - helpers for the decoder unit tests: run a decoder over bytes in memory
 * (or a file) and keep copies of every event (fields, logsource, time) and every error, so
 * that checks can look at them after the decoder moved on.
 */
#ifndef WARD_TEST_DECODE_UTIL_H
#define WARD_TEST_DECODE_UTIL_H

#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "ward/decode.h"

struct tfield_copy {
    char *key, *val;
    int type;
};

struct tevent {
    struct tfield_copy *f;
    unsigned n;
    const char *product, *service, *category;
    ward_time_t ts;
    uint64_t line, offset;
};

struct trun {
    struct tevent *ev;
    unsigned n;
    unsigned errors;
    char first_error[512];
    const struct ward_decoder *dec; /* the decoder used (detected or named) */
};

static inline void trun_free(struct trun *r)
{
    for (unsigned i = 0; i < r->n; i++) {
        for (unsigned j = 0; j < r->ev[i].n; j++) {
            free(r->ev[i].f[j].key);
            free(r->ev[i].f[j].val);
        }
        free(r->ev[i].f);
    }
    free(r->ev);
    memset(r, 0, sizeof *r);
}

/* Decodes data with the named decoder (NULL: detect). Returns 0, or -1 when no decoder. */
static inline int trun_mem(struct trun *r, const char *fmt, const void *data, size_t n)
{
    memset(r, 0, sizeof *r);
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    if (ward_stream_open_mem(&s, data, n, "mem", &err)) return -1;
    if (fmt) {
        r->dec = ward_decoder_find(fmt);
    } else {
        const unsigned char *head;
        size_t hn;
        ward_stream_peek(s, &head, &hn);
        r->dec = ward_decoder_detect(head, hn);
    }
    if (!r->dec) {
        ward_stream_close(s);
        return -1;
    }
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);
    void *state;
    if (r->dec->open(s, &o, &state, &err)) {
        ward_stream_close(s);
        return -1;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) abort();
    for (int guard = 0; guard < 1000000; guard++) {
        ward_event_reset(&ev);
        ward_err_clear(&err);
        int rc = r->dec->next(state, &ev, &err);
        if (rc == 0) break;
        if (rc < 0) {
            if (r->errors++ == 0) ward_err_format(&err, r->first_error, sizeof r->first_error);
            if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
            continue;
        }
        if (ev.ts == WARD_TIME_NONE) ward_event_find_time(&ev);
        r->ev = realloc(r->ev, (r->n + 1) * sizeof *r->ev);
        struct tevent *t = &r->ev[r->n++];
        memset(t, 0, sizeof *t);
        t->product = ev.product;
        t->service = ev.service;
        t->category = ev.category;
        t->ts = ev.ts;
        t->line = ev.line;
        t->offset = ev.offset;
        t->n = ev.nfields;
        t->f = calloc(ev.nfields ? ev.nfields : 1, sizeof *t->f);
        for (uint32_t i = 0; i < ev.nfields; i++) {
            struct ward_str v;
            if (ward_event_value(&ev, &ev.fields[i], &v)) abort();
            t->f[i].key = strdup(ward_field_key(&ev, &ev.fields[i]));
            t->f[i].val = strndup(v.ptr, v.len);
            t->f[i].type = ev.fields[i].type;
        }
    }
    ward_event_free(&ev);
    r->dec->close(state);
    ward_stream_close(s);
    return 0;
}

static inline int trun_str(struct trun *r, const char *fmt, const char *text)
{
    return trun_mem(r, fmt, text, strlen(text));
}

/* The value of key in event i (first occurrence), or NULL. */
static inline const char *tget(const struct trun *r, unsigned i, const char *key)
{
    if (i >= r->n) return NULL;
    for (unsigned j = 0; j < r->ev[i].n; j++)
        if (strcmp(r->ev[i].f[j].key, key) == 0) return r->ev[i].f[j].val;
    return NULL;
}

/* The type of key in event i, or -1. */
static inline int ttype(const struct trun *r, unsigned i, const char *key)
{
    if (i >= r->n) return -1;
    for (unsigned j = 0; j < r->ev[i].n; j++)
        if (strcmp(r->ev[i].f[j].key, key) == 0) return r->ev[i].f[j].type;
    return -1;
}

/* How many fields of event i have this key. */
static inline unsigned tcount(const struct trun *r, unsigned i, const char *key)
{
    unsigned c = 0;
    if (i >= r->n) return 0;
    for (unsigned j = 0; j < r->ev[i].n; j++) c += strcmp(r->ev[i].f[j].key, key) == 0;
    return c;
}

#define CHECK_FIELD(r, i, key, want) CHECK_STR(tget((r), (i), (key)), (want))
#define CHECK_NOFIELD(r, i, key) CHECK(tget((r), (i), (key)) == NULL)

/* The name of the decoder detection picks for text, or "(none)". */
static inline const char *tdetect(const char *text)
{
    const struct ward_decoder *d = ward_decoder_detect((const unsigned char *)text, strlen(text));
    return d ? d->name : "(none)";
}

#endif
