/*
 * fuzz_decode.h - the body shared by the decoder fuzz targets: runs one named decoder over
 * the input as a stream in memory, reads every value (resolving escapes) and renders every
 * event as JSON, so that ASan/UBSan see every path the decoder and its consumers take.
 */
#ifndef WARD_FUZZ_DECODE_H
#define WARD_FUZZ_DECODE_H

#include <stdlib.h>

#include "ward/decode.h"
#include "ward/json.h"

static inline int fuzz_decoder(const char *name, const uint8_t *data, size_t size)
{
    const struct ward_decoder *d = ward_decoder_find(name);
    if (!d) abort();
    /* detection must cope with any bytes too */
    (void)ward_decoder_detect(data, size < WARD_STREAM_HEAD ? size : WARD_STREAM_HEAD);
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    if (ward_stream_open_mem(&s, data, size, "fuzz", &err)) return 0;
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);
    o.max_record = 1u << 20;
    void *state;
    if (d->open(s, &o, &state, &err)) {
        ward_stream_close(s);
        return 0;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) abort();
    struct ward_buf out;
    ward_buf_init(&out, 0);
    for (int i = 0; i < 100000; i++) {
        ward_event_reset(&ev);
        ward_err_clear(&err);
        int rc = d->next(state, &ev, &err);
        if (rc == 0) break;
        if (rc < 0) {
            if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
            continue;
        }
        ward_event_find_time(&ev);
        struct ward_jw w;
        ward_buf_reset(&out);
        ward_jw_init(&w, &out);
        (void)ward_json_write_event(&w, &ev, 1);
    }
    ward_buf_free(&out);
    ward_event_free(&ev);
    d->close(state);
    ward_stream_close(s);
    return 0;
}

#define WARD_FUZZ_DECODER(NAME)                                                                    \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        return fuzz_decoder(NAME, data, size);                                                     \
    }

#endif
