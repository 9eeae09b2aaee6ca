/*
 * decode.h - the decoder table: one row per input format. A decoder turns a stream into
 * events. Formats are detected by content (magic and shape), never by file name alone.
 */
#ifndef WARD_DECODE_H
#define WARD_DECODE_H

#include "ward/event.h"
#include "ward/stream.h"

struct ward_decode_opts {
    size_t max_record;   /* largest record in bytes (default 16 MiB) */
    unsigned max_depth;  /* deepest nesting (default 64) */
    uint32_t max_fields; /* most fields in one event (default 65536) */
};

void ward_decode_opts_default(struct ward_decode_opts *o);

struct ward_decoder {
    const char *name; /* "json", "evtx" ... (the --format value) */
    const char *help; /* one line for `ward dump --help` */
    /* Confidence 0..100 that the head (first bytes of the stream) is this format. 100
     * means certain from a magic number in the first bytes: the reader then decides from
     * a short head (12 KiB) without reading the full WARD_STREAM_HEAD bytes. */
    int (*probe)(const unsigned char *head, size_t n);
    /* Starts decoding; *state is the decoder's own. Returns 0 or negative with err. */
    int (*open)(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                struct ward_err *err);
    /*
     * Decodes the next record into ev (already reset by the caller). Returns 1 with an
     * event, 0 at the end, or a negative code for a bad record with err describing it
     * (path, line/offset, what was expected). After an error the caller calls next again:
     * the decoder resumes with the following record, or returns 0 when it cannot go on.
     */
    int (*next)(void *state, struct ward_event *ev, struct ward_err *err);
    void (*close)(void *state);
};

/* The table, NULL-terminated. */
extern const struct ward_decoder *const ward_decoders[];

const struct ward_decoder *ward_decoder_find(const char *name);
/* The decoder with the highest probe score (> 0), or NULL. */
const struct ward_decoder *ward_decoder_detect(const unsigned char *head, size_t n);

/*
 * A reader: a file opened, its format detected (or forced), events decoded. The common
 * path for dump, match and hunt.
 */
struct ward_reader {
    struct ward_stream *stream;
    const struct ward_decoder *dec;
    void *state;
    const char *path;
    uint64_t events;
    uint64_t errors;
    uint64_t base_offset; /* added to ev->offset: where a range reader starts */
    uint64_t base_line;   /* added to ev->line (lines before the range) */
};

/* Opens path with the named format or, when format is NULL, the detected one. */
int ward_reader_open(struct ward_reader *r, const char *path, const char *format,
                     const struct ward_decode_opts *o, struct ward_err *err) WARD_MUST_USE;
/* Opens bytes [offset, offset+length) of a plain file that starts `line_base` lines into
 * it, for decoding one segment of a large line-oriented file. The segment must begin at
 * a record boundary. Events report offsets and lines of the whole file. */
int ward_reader_open_range(struct ward_reader *r, const char *path, uint64_t offset,
                           uint64_t length, uint64_t line_base, const char *format,
                           const struct ward_decode_opts *o, struct ward_err *err) WARD_MUST_USE;
/* Like the decoder's next: 1 event, 0 end, negative for a bad record (go on calling). It
 * resets ev, sets path/format and calls ward_event_find_time when the decoder set no time. */
int ward_reader_next(struct ward_reader *r, struct ward_event *ev,
                     struct ward_err *err) WARD_MUST_USE;
void ward_reader_close(struct ward_reader *r);

/*
 * Expands files and directories (recursively, sorted, regular files only, hidden entries
 * skipped inside directories) into a list of paths. *out is a NULL-terminated array the
 * caller frees with ward_paths_free. Unreadable entries are reported through err_cb.
 */
typedef void (*ward_path_err_fn)(void *ctx, const struct ward_err *err);
int ward_paths_expand(char *const *inputs, size_t ninputs, char ***out, size_t *count,
                      ward_path_err_fn err_cb, void *ctx) WARD_MUST_USE;
void ward_paths_free(char **paths);

#endif
