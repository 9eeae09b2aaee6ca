/*
 * fuzz_evtx.c - libFuzzer target for the EVTX decoder. An input that starts with the
 * file magic is decoded as a whole file; any other input is decoded as the first chunk
 * of a file behind a valid file header, so that small inputs reach the chunk, record and
 * BinXML code. Every field value is read and every event rendered as JSON.
 * Seeds: corpus files listed in tests/fuzz/seeds/fuzz_evtx.corpus (see fuzz-run.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ward/decode.h"
#include "ward/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *p, size_t n)
{
    const struct ward_decoder *d = ward_decoder_find("evtx");
    struct ward_stream *s;
    struct ward_err err;
    ward_err_clear(&err);
    if (!d || ward_stream_open_mem(&s, p, n, "fuzz.evtx", &err)) return;
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);
    void *state;
    if (d->open(s, &o, &state, &err)) {
        ward_stream_close(s);
        return;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) abort();
    struct ward_buf out;
    ward_buf_init(&out, 0);
    for (int guard = 0; guard < 1000000; guard++) {
        ward_event_reset(&ev);
        ward_err_clear(&err);
        int k = d->next(state, &ev, &err);
        if (k == 0) break;
        if (k < 0) {
            if (!err.msg[0]) abort(); /* every error says what was wrong */
            continue;
        }
        struct ward_jw w;
        ward_buf_reset(&out);
        ward_jw_init(&w, &out);
        if (ward_json_write_event(&w, &ev, 1)) abort();
    }
    ward_buf_free(&out);
    ward_event_free(&ev);
    d->close(state);
    ward_stream_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 8 && memcmp(data, "ElfFile\0", 8) == 0) {
        run(data, size);
        return 0;
    }
    /* a file header (checksum left wrong: that is reported and reading goes on) */
    uint8_t *buf = calloc(1, 4096 + size);
    if (!buf) return 0;
    memcpy(buf, "ElfFile\0", 8);
    buf[32] = 128; /* header size */
    buf[36] = 1;   /* version 3.1 */
    buf[38] = 3;
    buf[41] = 0x10; /* 4096-byte header block */
    buf[42] = 1;    /* one chunk */
    memcpy(buf + 4096, data, size);
    run(buf, 4096 + size);
    free(buf);
    return 0;
}
