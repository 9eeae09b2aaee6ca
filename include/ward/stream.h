/*
 * stream.h - sequential byte input for decoders: files (and later compressed files and
 * sockets) behind one read interface, with the first bytes kept for format detection.
 */
#ifndef WARD_STREAM_H
#define WARD_STREAM_H

#include <sys/types.h>

#include "ward/core.h"

#define WARD_STREAM_HEAD 65536

struct ward_stream;

struct ward_stream_ops {
    /* Reads up to n bytes; returns the count, 0 at end, or a negative WARD_E* (err set). */
    ssize_t (*read)(struct ward_stream *s, void *buf, size_t n, struct ward_err *err);
    void (*close)(struct ward_stream *s);
};

struct ward_stream {
    const struct ward_stream_ops *ops;
    void *impl;
    const char *path;  /* borrowed display path */
    int fd;            /* -1 when not a plain file */
    uint64_t size;     /* bytes on disk when known, else 0 */
    uint64_t consumed; /* bytes handed out by ward_stream_read */
    /* the head: the first bytes, read at open, handed out first */
    unsigned char *head;
    size_t head_len;
    size_t head_pos;
    const char *encoding; /* "gzip", "zstd" or NULL for plain */
    size_t head_cap;      /* bytes the head was asked to hold at open (see below) */
    int regular;          /* a plain regular file: fd can be read with pread at any offset */
};

/* Opens a file for sequential reading. path "-" is standard input. Compressed input
 * (gzip, zstd) is recognised by its magic and decompressed transparently when the build
 * supports it. Returns 0 and *out, or a negative code with err filled (path set). */
int ward_stream_open_file(struct ward_stream **out, const char *path,
                          struct ward_err *err) WARD_MUST_USE;
/* Like ward_stream_open_file, but a plain file's head holds at most head_max bytes (4 to
 * WARD_STREAM_HEAD): one small read at open for callers that can often decide from the
 * first bytes. ward_stream_head_fill grows the head when they cannot. Compressed input
 * gets the full head as with ward_stream_open_file. */
int ward_stream_open_file_head(struct ward_stream **out, const char *path, size_t head_max,
                               struct ward_err *err) WARD_MUST_USE;
/* Grows the head to WARD_STREAM_HEAD bytes (fewer at the end of the input), as
 * ward_stream_open_file would have read it. Only before the first ward_stream_read
 * (WARD_EINVAL after). Returns 0 or a negative code with err set. */
int ward_stream_head_fill(struct ward_stream *s, struct ward_err *err) WARD_MUST_USE;
/* Opens bytes [offset, offset+length) of a plain (uncompressed) file as a stream: for
 * splitting a large line-oriented file into segments decoded in parallel. */
int ward_stream_open_range(struct ward_stream **out, const char *path, uint64_t offset,
                           uint64_t length, struct ward_err *err) WARD_MUST_USE;
/* Wraps an in-memory buffer (borrowed). */
int ward_stream_open_mem(struct ward_stream **out, const void *data, size_t n, const char *path,
                         struct ward_err *err) WARD_MUST_USE;
/* The first bytes of the stream (up to WARD_STREAM_HEAD), for detection. */
void ward_stream_peek(const struct ward_stream *s, const unsigned char **p, size_t *n);
/* Reads up to n bytes. Returns the count, 0 at end, negative on error. */
ssize_t ward_stream_read(struct ward_stream *s, void *buf, size_t n,
                         struct ward_err *err) WARD_MUST_USE;
/* Reads exactly n bytes unless the stream ends first; returns bytes read or negative. */
ssize_t ward_stream_read_full(struct ward_stream *s, void *buf, size_t n,
                              struct ward_err *err) WARD_MUST_USE;
void ward_stream_close(struct ward_stream *s);

#endif
