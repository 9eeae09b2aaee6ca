/*
 * stream.c - sequential input: plain files, standard input, memory, and gzip or zstd
 * compressed files (recognised by magic, decompressed on the fly with zlib and libzstd).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "ward/stream.h"

#define RAW_CHUNK (256 * 1024)

/* ---- plain file descriptor ---- */

static ssize_t fd_read(struct ward_stream *s, void *buf, size_t n, struct ward_err *err)
{
    for (;;) {
        ssize_t k = read(s->fd, buf, n);
        if (k >= 0) return k;
        if (errno == EINTR) continue;
        return ward_err_at(err, WARD_EIO, s->path, 0, 0, "read failed: %s", strerror(errno));
    }
}

static void fd_close(struct ward_stream *s)
{
    if (s->fd > STDIN_FILENO) close(s->fd);
}

static const struct ward_stream_ops fd_ops = {fd_read, fd_close};

/* ---- a byte range of a file ---- */

struct range_impl {
    uint64_t pos, end;
};

static ssize_t range_read(struct ward_stream *s, void *buf, size_t n, struct ward_err *err)
{
    struct range_impl *r = s->impl;
    if (r->pos >= r->end) return 0;
    if (n > r->end - r->pos) n = (size_t)(r->end - r->pos);
    for (;;) {
        ssize_t k = pread(s->fd, buf, n, (off_t)r->pos);
        if (k >= 0) {
            r->pos += (uint64_t)k;
            return k;
        }
        if (errno == EINTR) continue;
        return ward_err_at(err, WARD_EIO, s->path, 0, 0, "read failed: %s", strerror(errno));
    }
}

static void range_close(struct ward_stream *s)
{
    free(s->impl);
    fd_close(s);
}

static const struct ward_stream_ops range_ops = {range_read, range_close};

/* ---- memory ---- */

struct mem_impl {
    const unsigned char *data;
    size_t size, pos;
};

static ssize_t mem_read(struct ward_stream *s, void *buf, size_t n, struct ward_err *err)
{
    (void)err;
    struct mem_impl *m = s->impl;
    size_t k = m->size - m->pos < n ? m->size - m->pos : n;
    memcpy(buf, m->data + m->pos, k);
    m->pos += k;
    return (ssize_t)k;
}

static void mem_close(struct ward_stream *s)
{
    free(s->impl);
}

static const struct ward_stream_ops mem_ops = {mem_read, mem_close};

/* ---- compressed: a raw byte source (fd) below a decompressor ---- */

struct z_impl {
    unsigned char *in;
    size_t in_len, in_pos;
    int eof;
    int kind; /* 1 gzip, 2 zstd */
    z_stream z;
    int z_ended; /* a gzip member finished */
    ZSTD_DCtx *zd;
};

static int raw_fill(struct ward_stream *s, struct z_impl *zi, struct ward_err *err)
{
    if (zi->in_pos < zi->in_len || zi->eof) return 0;
    ssize_t k = fd_read(s, zi->in, RAW_CHUNK, err);
    if (k < 0) return (int)k;
    zi->in_len = (size_t)k;
    zi->in_pos = 0;
    if (k == 0) zi->eof = 1;
    return 0;
}

static ssize_t z_read(struct ward_stream *s, void *buf, size_t n, struct ward_err *err)
{
    struct z_impl *zi = s->impl;
    for (;;) {
        int rc = raw_fill(s, zi, err);
        if (rc) return rc;
        if (zi->in_pos >= zi->in_len && zi->eof) {
            if (zi->kind == 1 && !zi->z_ended && zi->z.total_in)
                return ward_err_at(err, WARD_ECORRUPT, s->path, 0, 0, "gzip stream is truncated");
            return 0;
        }
        if (zi->kind == 1) {
            if (zi->z_ended) {
                /* another gzip member follows (concatenated .gz files) */
                if (inflateReset(&zi->z) != Z_OK) return WARD_ENOMEM;
                zi->z_ended = 0;
            }
            zi->z.next_in = zi->in + zi->in_pos;
            zi->z.avail_in = (uInt)(zi->in_len - zi->in_pos);
            zi->z.next_out = buf;
            zi->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
            int zr = inflate(&zi->z, Z_NO_FLUSH);
            zi->in_pos = zi->in_len - zi->z.avail_in;
            size_t produced = (size_t)((unsigned char *)zi->z.next_out - (unsigned char *)buf);
            if (zr == Z_STREAM_END) {
                zi->z_ended = 1;
            } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
                return ward_err_at(err, WARD_ECORRUPT, s->path, 0, 0,
                                   "gzip data is corrupt near compressed byte %lu: %s",
                                   (unsigned long)zi->z.total_in,
                                   zi->z.msg ? zi->z.msg : "inflate failed");
            }
            if (produced) return (ssize_t)produced;
        } else {
            ZSTD_inBuffer in = {zi->in, zi->in_len, zi->in_pos};
            ZSTD_outBuffer out = {buf, n, 0};
            size_t zr = ZSTD_decompressStream(zi->zd, &out, &in);
            zi->in_pos = in.pos;
            if (ZSTD_isError(zr))
                return ward_err_at(err, WARD_ECORRUPT, s->path, 0, 0, "zstd data is corrupt: %s",
                                   ZSTD_getErrorName(zr));
            if (out.pos) return (ssize_t)out.pos;
        }
    }
}

static void z_close(struct ward_stream *s)
{
    struct z_impl *zi = s->impl;
    if (zi) {
        if (zi->kind == 1) inflateEnd(&zi->z);
        if (zi->zd) ZSTD_freeDCtx(zi->zd);
        free(zi->in);
        free(zi);
    }
    fd_close(s);
}

static const struct ward_stream_ops z_ops = {z_read, z_close};

/* ---- common ---- */

static int fill_head(struct ward_stream *s, struct ward_err *err)
{
    s->head = malloc(WARD_STREAM_HEAD);
    if (!s->head) return WARD_ENOMEM;
    size_t got = 0;
    while (got < WARD_STREAM_HEAD) {
        ssize_t k = s->ops->read(s, s->head + got, WARD_STREAM_HEAD - got, err);
        if (k < 0) return (int)k;
        if (k == 0) break;
        got += (size_t)k;
    }
    s->head_len = got;
    s->head_cap = WARD_STREAM_HEAD;
    s->head_pos = 0;
    return 0;
}

static int start_compressed(struct ward_stream *s, int kind, const unsigned char *pre, size_t npre,
                            struct ward_err *err)
{
    struct z_impl *zi = calloc(1, sizeof *zi);
    if (!zi) return WARD_ENOMEM;
    zi->in = malloc(RAW_CHUNK);
    if (!zi->in) {
        free(zi);
        return WARD_ENOMEM;
    }
    memcpy(zi->in, pre, npre);
    zi->in_len = npre;
    zi->kind = kind;
    s->impl = zi;
    s->ops = &z_ops;
    if (kind == 1) {
        if (inflateInit2(&zi->z, 15 + 16) != Z_OK) return WARD_ENOMEM;
        s->encoding = "gzip";
    } else {
        zi->zd = ZSTD_createDCtx();
        if (!zi->zd) return WARD_ENOMEM;
        s->encoding = "zstd";
    }
    (void)err;
    return 0;
}

/* Opens path with a head of at most head_max bytes for plain input (compressed input
 * always gets the full head of decompressed bytes). */
static int open_file(struct ward_stream **out, const char *path, size_t head_max,
                     struct ward_err *err)
{
    *out = NULL;
    if (head_max < 4) head_max = 4;
    if (head_max > WARD_STREAM_HEAD) head_max = WARD_STREAM_HEAD;
    struct ward_stream *s = calloc(1, sizeof *s);
    if (!s) return WARD_ENOMEM;
    s->path = path;
    s->ops = &fd_ops;
    if (strcmp(path, "-") == 0) {
        s->fd = STDIN_FILENO;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            int e = errno;
            free(s);
            return ward_err_at(err, WARD_EIO, path, 0, 0, "cannot open: %s", strerror(e));
        }
        struct stat st;
        if (fstat(s->fd, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                close(s->fd);
                free(s);
                return ward_err_at(err, WARD_EINVAL, path, 0, 0, "is a directory");
            }
            s->size = (uint64_t)st.st_size;
            s->regular = S_ISREG(st.st_mode) ? 1 : 0;
        }
#ifdef POSIX_FADV_SEQUENTIAL
        /* larger read-ahead pays only on files larger than the default read-ahead */
        if (!s->regular || s->size > 256u * 1024) posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    /* the first bytes: the head of a plain file, or the magic of a compressed one */
    s->head = malloc(head_max);
    if (!s->head) {
        ward_stream_close(s);
        return WARD_ENOMEM;
    }
    size_t got = 0;
    while (got < head_max) {
        ssize_t k = fd_read(s, s->head + got, head_max - got, err);
        if (k < 0) {
            ward_stream_close(s);
            return (int)k;
        }
        if (k == 0) break;
        got += (size_t)k;
    }
    const unsigned char *magic = s->head;
    int rc = 0;
    if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        rc = start_compressed(s, 1, magic, got, err);
    } else if (got >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f &&
               magic[3] == 0xfd) {
        rc = start_compressed(s, 2, magic, got, err);
    } else {
        /* plain: the bytes read are the head */
        s->head_len = got;
        s->head_cap = head_max;
        *out = s;
        return 0;
    }
    free(s->head);
    s->head = NULL;
    if (!rc) rc = fill_head(s, err);
    if (rc) {
        ward_stream_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int ward_stream_open_file(struct ward_stream **out, const char *path, struct ward_err *err)
{
    return open_file(out, path, WARD_STREAM_HEAD, err);
}

int ward_stream_open_file_head(struct ward_stream **out, const char *path, size_t head_max,
                               struct ward_err *err)
{
    return open_file(out, path, head_max, err);
}

int ward_stream_head_fill(struct ward_stream *s, struct ward_err *err)
{
    if (s->head_len >= WARD_STREAM_HEAD || s->head_len < s->head_cap) return 0; /* full or at end */
    if (s->consumed) return WARD_EINVAL;
    unsigned char *h = realloc(s->head, WARD_STREAM_HEAD);
    if (!h) return WARD_ENOMEM;
    s->head = h;
    s->head_cap = WARD_STREAM_HEAD;
    while (s->head_len < WARD_STREAM_HEAD) {
        ssize_t k = s->ops->read(s, s->head + s->head_len, WARD_STREAM_HEAD - s->head_len, err);
        if (k < 0) return (int)k;
        if (k == 0) break;
        s->head_len += (size_t)k;
    }
    return 0;
}

int ward_stream_open_range(struct ward_stream **out, const char *path, uint64_t offset,
                           uint64_t length, struct ward_err *err)
{
    *out = NULL;
    struct ward_stream *s = calloc(1, sizeof *s);
    struct range_impl *r = calloc(1, sizeof *r);
    if (!s || !r) {
        free(s);
        free(r);
        return WARD_ENOMEM;
    }
    s->path = path;
    s->ops = &range_ops;
    s->impl = r;
    r->pos = offset;
    r->end = offset + length;
    s->size = length;
    s->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (s->fd < 0) {
        int e = errno;
        free(r);
        free(s);
        return ward_err_at(err, WARD_EIO, path, 0, 0, "cannot open: %s", strerror(e));
    }
    int rc = fill_head(s, err);
    if (rc) {
        ward_stream_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int ward_stream_open_mem(struct ward_stream **out, const void *data, size_t n, const char *path,
                         struct ward_err *err)
{
    *out = NULL;
    struct ward_stream *s = calloc(1, sizeof *s);
    struct mem_impl *m = calloc(1, sizeof *m);
    if (!s || !m) {
        free(s);
        free(m);
        return WARD_ENOMEM;
    }
    m->data = data;
    m->size = n;
    s->impl = m;
    s->ops = &mem_ops;
    s->fd = -1;
    s->path = path ? path : "(memory)";
    s->size = n;
    int rc = fill_head(s, err);
    if (rc) {
        ward_stream_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void ward_stream_peek(const struct ward_stream *s, const unsigned char **p, size_t *n)
{
    *p = s->head;
    *n = s->head_len;
}

ssize_t ward_stream_read(struct ward_stream *s, void *buf, size_t n, struct ward_err *err)
{
    if (s->head_pos < s->head_len) {
        size_t k = s->head_len - s->head_pos;
        if (k > n) k = n;
        memcpy(buf, s->head + s->head_pos, k);
        s->head_pos += k;
        s->consumed += k;
        return (ssize_t)k;
    }
    ssize_t k = s->ops->read(s, buf, n, err);
    if (k > 0) s->consumed += (uint64_t)k;
    return k;
}

ssize_t ward_stream_read_full(struct ward_stream *s, void *buf, size_t n, struct ward_err *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = ward_stream_read(s, (unsigned char *)buf + got, n - got, err);
        if (k < 0) return k;
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

void ward_stream_close(struct ward_stream *s)
{
    if (!s) return;
    if (s->ops && s->ops->close) s->ops->close(s);
    free(s->head);
    free(s);
}
