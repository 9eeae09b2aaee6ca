/*
 * evtx.c - the Windows XML Event Log (EVTX) decoder: the 4 KiB file header, 64 KiB chunks
 * read one after another until the end of the file (the header's chunk count is not
 * trusted: files that were not closed cleanly hold more), chunk and record checksums,
 * and the record frames. The BinXML inside each record is decoded by evtx_binxml.c.
 *
 * Damaged input never stops the decoder: a bad file header, chunk or record is reported
 * once (file offset, chunk number, record id, what was wrong) and decoding goes on with
 * the next record or chunk.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decoders.h"
#include "evtx_int.h"

/* Bytes of a chunk read by the first pread: the header and, in most chunks of real
 * files, all of the records (the rest of the used area takes a second read). */
#define EVTX_CHUNK_FIRST_READ 8192u

struct evtx_state {
    struct ward_stream *s;
    int fd;              /* a regular file read with pread (only the used part of chunks), or -1 */
    uint64_t size;       /* its size at open (0: unknown) */
    uint64_t data_end;   /* file data (not a hole) known to run up to here */
    int no_seek;         /* the file system cannot tell holes (SEEK_DATA failed) */
    const uint8_t *head; /* the stream's head: the file's first head_len bytes, or NULL */
    size_t head_len;
    const char *path;
    struct evtx_bx bx;
    uint8_t *chunk;
    uint32_t clen;       /* valid bytes of the chunk */
    int have_chunk;      /* records of the chunk remain to be read */
    uint64_t chunk_no;   /* number of the current chunk, 0-based */
    uint64_t next_chunk; /* number of the next chunk to read */
    uint64_t chunk_off;  /* file offset of the current chunk */
    uint32_t pos, end;   /* next record and end of the record area */
    int eof;
    int no_magic;     /* the file header had no magic */
    int chunks_ok;    /* chunks with their magic seen */
    uint64_t ordinal; /* records met so far (good and bad) */
    /* an error found at open, reported by the first next() */
    int pending;
    char pending_msg[WARD_ERR_MSG_MAX];
    uint64_t pending_off;
};

static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    return evtx_crc32(0, p, n);
}

static int evtx_probe(const unsigned char *head, size_t n)
{
    if (n >= 8 && memcmp(head, "ElfFile\0", 8) == 0) return 100;
    return 0;
}

static void state_free(struct evtx_state *st)
{
    if (!st) return;
    evtx_bx_free(&st->bx);
    free(st->chunk);
    free(st);
}

/*
 * One closed decoder state is kept per thread, with its chunk buffer and the BinXML
 * engine's buffers, and reused by the next open: a collection of small files then costs
 * no allocation per file. A state whose buffers grew large (a huge record) is freed
 * instead. A thread's cached state is freed when the thread ends (a key destructor); the
 * main thread's stays reachable from its thread-local pointer until exit.
 */
#define EVTX_CACHE_MAX (4u << 20) /* bytes of buffers a cached state may hold */

static _Thread_local struct evtx_state *cached_state;
static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void cache_destroy(void *p)
{
    if (p == cached_state) cached_state = NULL;
    state_free(p);
}

static void cache_init(void)
{
    cache_key_ok = pthread_key_create(&cache_key, cache_destroy) == 0;
}

static void evtx_close(void *state)
{
    struct evtx_state *st = state;
    if (!st) return;
    pthread_once(&cache_once, cache_init);
    if (cached_state || !cache_key_ok || evtx_bx_bytes(&st->bx) > EVTX_CACHE_MAX ||
        pthread_setspecific(cache_key, st) != 0) {
        state_free(st);
        return;
    }
    cached_state = st;
}

/* A state for a new file: the thread's cached one (buffers kept, all else as new) or a
 * new one. */
static struct evtx_state *state_new(const struct ward_decode_opts *o)
{
    struct evtx_state *st = cached_state;
    if (st) {
        cached_state = NULL;
        pthread_setspecific(cache_key, NULL);
        struct evtx_bx bx = st->bx;
        uint8_t *chunk = st->chunk;
        memset(st, 0, sizeof *st);
        st->bx = bx;
        st->chunk = chunk;
        evtx_bx_reuse(&st->bx, o);
        return st;
    }
    st = calloc(1, sizeof *st);
    if (!st) return NULL;
    evtx_bx_init(&st->bx, o);
    st->chunk = malloc(EVTX_CHUNK_SIZE);
    if (!st->chunk) {
        state_free(st);
        return NULL;
    }
    return st;
}

static int evtx_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                     struct ward_err *err)
{
    struct evtx_state *st = state_new(o);
    if (!st) return ward_err_at(err, WARD_ENOMEM, s->path, 0, 0, "out of memory");
    st->s = s;
    st->path = s->path;
    st->fd = -1;
    /* plain regular files: chunks are read with pread, skipping their unused tail */
    if (s->fd >= 0 && !s->encoding && s->regular) {
        st->fd = s->fd;
        st->size = s->size;
    }
    /* the file header sits in a 4 KiB block; chunks follow. With pread the stream's
     * position does not matter: the header is taken from its head when there. */
    const uint8_t *h = st->chunk;
    ssize_t n;
    if (st->fd >= 0 && s->consumed == 0 && s->head_pos == 0 && s->head_len >= EVTX_FILE_HEADER) {
        h = s->head;
        n = EVTX_FILE_HEADER;
        st->head = s->head; /* also the start of chunk 0 when the head is longer */
        st->head_len = s->head_len;
    } else {
        n = ward_stream_read_full(s, st->chunk, EVTX_FILE_HEADER, err);
    }
    if (n < 0) {
        evtx_close(st);
        return (int)n;
    }
    if (n == 0) {
        st->pending = WARD_ECORRUPT;
        snprintf(st->pending_msg, sizeof st->pending_msg,
                 "empty file (0 bytes): no EVTX file header, no records");
        st->eof = 1;
    } else if ((size_t)n < EVTX_FILE_HEADER) {
        st->pending = WARD_ECORRUPT;
        snprintf(st->pending_msg, sizeof st->pending_msg,
                 "truncated EVTX file: %zd bytes, less than the 4096-byte file header; no "
                 "chunks follow",
                 n);
        st->eof = 1;
    } else if (memcmp(h, "ElfFile\0", 8) != 0) {
        st->no_magic = 1;
        st->pending = WARD_ECORRUPT;
        snprintf(st->pending_msg, sizeof st->pending_msg,
                 "file header: bad magic (not \"ElfFile\"); reading the chunks anyway");
    } else {
        uint32_t want = evtx_u32(h + 124), got = crc32_of(h, 120);
        uint16_t major = evtx_u16(h + 38);
        if (want != got) {
            st->pending = WARD_ECORRUPT;
            snprintf(st->pending_msg, sizeof st->pending_msg,
                     "file header: checksum 0x%08x does not match its content (0x%08x); "
                     "reading the chunks anyway",
                     want, got);
        } else if (major != 3) {
            st->pending = WARD_EUNSUPPORTED;
            snprintf(st->pending_msg, sizeof st->pending_msg,
                     "file header: format version %u.%u (expected 3.x); reading the chunks "
                     "anyway",
                     major, evtx_u16(h + 36));
        }
    }
    st->pending_off = 0;
    st->chunk_off = EVTX_FILE_HEADER;
    *state = st;
    return 0;
}

static int chunk_err(struct evtx_state *st, struct ward_err *err, int code, const char *fmt, ...)
    WARD_PRINTF(4, 5);

static int chunk_err(struct evtx_state *st, struct ward_err *err, int code, const char *fmt, ...)
{
    char msg[WARD_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ward_err_at(err, code, st->path, 0, 0, "chunk %llu (file offset 0x%llx): %s",
                (unsigned long long)st->chunk_no, (unsigned long long)st->chunk_off, msg);
    err->offset = st->chunk_off;
    return code;
}

static int all_zero(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        if (w[0] | w[1] | w[2] | w[3]) return 0;
    }
    for (; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

static ssize_t pread_full(int fd, uint8_t *buf, size_t n, uint64_t off, const char *path,
                          struct ward_err *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + got));
        if (k < 0) {
            if (errno == EINTR) continue;
            return ward_err_at(err, WARD_EIO, path, 0, 0, "read failed: %s", strerror(errno));
        }
        if (k == 0) break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

/* Reads n bytes at file offset off: those already in the stream's head from there, the
 * rest with pread (none past the size seen at open). Returns the count or negative. */
static ssize_t read_at(struct evtx_state *st, uint8_t *buf, size_t n, uint64_t off,
                       struct ward_err *err)
{
    size_t got = 0;
    if (st->head && off < st->head_len) {
        got = st->head_len - (size_t)off < n ? st->head_len - (size_t)off : n;
        memcpy(buf, st->head + off, got);
    }
    if (got == n || (st->size && off + got >= st->size)) return (ssize_t)got;
    ssize_t k = pread_full(st->fd, buf + got, n - got, off + got, st->path, err);
    if (k < 0) return k;
    return (ssize_t)got + k;
}

/*
 * Reads the chunk at st->chunk_off into st->chunk. Returns the bytes that hold data (for
 * files read with pread: the header and the used record area only), 0 at the end, or a
 * negative code. *truncated is set when the file ends inside the chunk's data.
 */
static ssize_t read_chunk(struct evtx_state *st, int *truncated, struct ward_err *err)
{
    if (st->fd < 0) {
        ssize_t n = ward_stream_read_full(st->s, st->chunk, EVTX_CHUNK_SIZE, err);
        if (n > 0 && (size_t)n < EVTX_CHUNK_SIZE) *truncated = 1;
        return n;
    }
    /* one read for the header and the first records; a second one for the rest of the
     * used area when it is larger */
    ssize_t n = read_at(st, st->chunk, EVTX_CHUNK_FIRST_READ, st->chunk_off, err);
    if (n <= 0) return n;
    if ((size_t)n < EVTX_CHUNK_HEADER) {
        *truncated = 1;
        return n;
    }
    size_t want = EVTX_CHUNK_SIZE;
    if (memcmp(st->chunk, "ElfChnk\0", 8) == 0) {
        uint32_t fso = evtx_u32(st->chunk + 48);
        if (fso >= EVTX_CHUNK_HEADER && fso <= EVTX_CHUNK_SIZE) want = fso;
    }
    if ((size_t)n >= want) return (ssize_t)want; /* bytes past the used area are not data */
    if ((size_t)n < EVTX_CHUNK_FIRST_READ) {
        *truncated = 1; /* the file ended inside the first read */
        return n;
    }
    ssize_t m = read_at(st, st->chunk + n, want - (size_t)n, st->chunk_off + (uint64_t)n, err);
    if (m < 0) return m;
    if ((size_t)m < want - (size_t)n) *truncated = 1;
    return n + m;
}

/*
 * Before reading the chunk at st->chunk_off of a file read with pread: asks the file
 * system where data starts (SEEK_DATA). Returns 1 when the chunk lies in a hole (the
 * next chunk to read is set past it), 0 to read the chunk, -1 when only a hole follows
 * (the end: a hole reads as zeros, which the decoder skips as unused space anyway).
 */
static int skip_hole(struct evtx_state *st)
{
#ifdef SEEK_DATA
    off_t d = lseek(st->fd, (off_t)st->chunk_off, SEEK_DATA);
    if (d < 0) {
        if (errno == ENXIO) return -1;
        st->no_seek = 1;
        return 0;
    }
    if ((uint64_t)d >= st->chunk_off + EVTX_CHUNK_SIZE) {
        st->next_chunk = ((uint64_t)d - EVTX_FILE_HEADER) / EVTX_CHUNK_SIZE;
        return 1;
    }
    off_t h = lseek(st->fd, d, SEEK_HOLE);
    st->data_end = h < 0 ? UINT64_MAX : (uint64_t)h;
    return 0;
#else
    st->no_seek = 1;
    return 0;
#endif
}

/*
 * Reads the next chunk. Returns 1 when a chunk with records is ready, 0 at the end of
 * the file, or a negative code with err set: then have_chunk says whether the chunk is
 * still read (a checksum failed) or skipped.
 */
static int load_chunk(struct evtx_state *st, struct ward_err *err)
{
    for (;;) {
        if (st->eof) return 0;
        st->have_chunk = 0;
        st->chunk_no = st->next_chunk++;
        st->chunk_off = EVTX_FILE_HEADER + st->chunk_no * (uint64_t)EVTX_CHUNK_SIZE;
        if (st->fd >= 0 && st->size && st->chunk_off >= st->size) {
            st->eof = 1; /* past the end of the file as it was at open */
            return 0;
        }
        if (st->fd >= 0 && st->chunk_no > 0 && st->chunk_off >= st->data_end && !st->no_seek) {
            /* a hole in a sparse file reads as zeros, that is unused chunks: skip it */
            int hole = skip_hole(st);
            if (hole < 0) {
                st->eof = 1;
                return 0;
            }
            if (hole) continue;
        }
        int truncated = 0;
        ssize_t n = read_chunk(st, &truncated, err);
        if (n < 0) {
            st->eof = 1;
            err->offset = st->chunk_off;
            return (int)n;
        }
        if (n == 0) {
            st->eof = 1;
            return 0;
        }
        st->clen = (uint32_t)n;
        const uint8_t *c = st->chunk;
        if (truncated) st->eof = 1;
        if ((size_t)n < EVTX_CHUNK_HEADER) {
            if (all_zero(c, (size_t)n)) return 0;
            return chunk_err(st, err, WARD_ECORRUPT,
                             "truncated: the file ends %zd bytes into the chunk, before the "
                             "end of its 512-byte header; chunk skipped",
                             n);
        }
        if (memcmp(c, "ElfChnk\0", 8) != 0) {
            if (all_zero(c, (size_t)n)) continue; /* unused space */
            if (st->no_magic && !st->chunks_ok) {
                /* neither a file header nor a first chunk: not EVTX at all */
                st->eof = 1;
                return chunk_err(st, err, WARD_ECORRUPT,
                                 "no chunk magic either: this is not an EVTX file; stopped");
            }
            return chunk_err(st, err, WARD_ECORRUPT, "bad chunk magic (not \"ElfChnk\"); skipped");
        }
        evtx_bx_chunk(&st->bx, c, st->clen);
        st->chunks_ok++;
        st->have_chunk = 1;
        st->pos = EVTX_CHUNK_HEADER;
        uint32_t fso = evtx_u32(c + 48);
        char problems[WARD_ERR_MSG_MAX];
        size_t pl = 0;
        problems[0] = '\0';
        if (truncated)
            pl += (size_t)snprintf(problems + pl, sizeof problems - pl,
                                   "truncated: the file ends %zd bytes into the chunk; ", n);
        uint32_t hwant = evtx_u32(c + 124);
        uint32_t hgot = evtx_crc32(crc32_of(c, 120), c + 128, EVTX_CHUNK_HEADER - 128);
        if (hwant != hgot && pl < sizeof problems)
            pl += (size_t)snprintf(problems + pl, sizeof problems - pl,
                                   "header checksum 0x%08x does not match (0x%08x); ", hwant, hgot);
        if (fso < EVTX_CHUNK_HEADER || fso > EVTX_CHUNK_SIZE) {
            if (pl < sizeof problems)
                pl += (size_t)snprintf(problems + pl, sizeof problems - pl,
                                       "free space offset 0x%x is outside the chunk; ", fso);
            st->end = st->clen;
        } else {
            st->end = fso < st->clen ? fso : st->clen;
            if (fso <= st->clen) {
                uint32_t dwant = evtx_u32(c + 52);
                uint32_t dgot = crc32_of(c + EVTX_CHUNK_HEADER, fso - EVTX_CHUNK_HEADER);
                if (dwant != dgot && pl < sizeof problems)
                    pl += (size_t)snprintf(problems + pl, sizeof problems - pl,
                                           "record data checksum 0x%08x does not match "
                                           "(0x%08x); ",
                                           dwant, dgot);
            }
        }
        if (pl) {
            if (pl >= sizeof problems) pl = sizeof problems - 1;
            while (pl && (problems[pl - 1] == ' ' || problems[pl - 1] == ';')) problems[--pl] = 0;
            return chunk_err(st, err, WARD_ECORRUPT, "%s; reading its records one by one",
                             problems);
        }
        return 1;
    }
}

/* Looks for the next record magic after a damaged record. */
static void resync(struct evtx_state *st, uint32_t from)
{
    const uint8_t *c = st->chunk;
    uint32_t p = (from + 7) & ~7u;
    while ((uint64_t)p + EVTX_RECORD_HEADER <= st->end) {
        if (c[p] == 0x2a && c[p + 1] == 0x2a && c[p + 2] == 0 && c[p + 3] == 0) {
            uint32_t size = evtx_u32(c + p + 4);
            if (size >= EVTX_RECORD_HEADER + 4 && (uint64_t)p + size <= st->end &&
                evtx_u32(c + p + size - 4) == size)
                break;
        }
        p += 8;
    }
    st->pos = (uint64_t)p + EVTX_RECORD_HEADER <= st->end ? p : st->end;
}

static int rec_err(struct evtx_state *st, struct ward_err *err, int code, uint32_t roff,
                   uint64_t id, const char *msg)
{
    uint64_t off = st->chunk_off + roff;
    if (id)
        ward_err_at(err, code, st->path, 0, 0,
                    "chunk %llu record %llu (file offset 0x%llx): %s; record skipped",
                    (unsigned long long)st->chunk_no, (unsigned long long)id,
                    (unsigned long long)off, msg);
    else
        ward_err_at(err, code, st->path, 0, 0,
                    "chunk %llu, record at file offset 0x%llx: %s; record skipped",
                    (unsigned long long)st->chunk_no, (unsigned long long)off, msg);
    err->offset = off;
    return code;
}

static int evtx_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct evtx_state *st = state;
    if (st->pending) {
        int code = st->pending;
        st->pending = 0;
        ward_err_at(err, code, st->path, 0, 0, "%s", st->pending_msg);
        err->offset = st->pending_off;
        return code;
    }
    for (;;) {
        if (!st->have_chunk || st->pos >= st->end) {
            int rc = load_chunk(st, err);
            if (rc <= 0) return rc;
            continue;
        }
        const uint8_t *c = st->chunk;
        uint32_t p = st->pos;
        if ((uint64_t)p + EVTX_RECORD_HEADER > st->end) {
            st->pos = st->end;
            if (all_zero(c + p, st->end - p)) continue;
            st->ordinal++;
            return rec_err(st, err, WARD_ECORRUPT, p, 0,
                           "truncated record header at the end of the record area");
        }
        if (!(c[p] == 0x2a && c[p + 1] == 0x2a && c[p + 2] == 0 && c[p + 3] == 0)) {
            if (all_zero(c + p, st->end - p)) {
                st->pos = st->end;
                continue;
            }
            st->ordinal++;
            resync(st, p + 1);
            return rec_err(st, err, WARD_ECORRUPT, p, 0, "bad record magic (not \"**\\0\\0\")");
        }
        uint32_t size = evtx_u32(c + p + 4);
        uint64_t id = evtx_u64(c + p + 8);
        st->ordinal++;
        if (size < EVTX_RECORD_HEADER + 4 || (uint64_t)p + size > st->end) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "record size 0x%x points outside the chunk's record area (0x%x..0x%x)", size,
                     p, st->end);
            resync(st, p + 1);
            return rec_err(st, err, WARD_ECORRUPT, p, id, msg);
        }
        uint32_t copy = evtx_u32(c + p + size - 4);
        if (copy != size) {
            char msg[160];
            snprintf(msg, sizeof msg, "record size 0x%x does not match its copy at the end (0x%x)",
                     size, copy);
            resync(st, p + 1);
            return rec_err(st, err, WARD_ECORRUPT, p, id, msg);
        }
        st->pos = p + size;
        ev->record = st->ordinal;
        ev->offset = st->chunk_off + p;
        ev->product = "windows";
        int rc = evtx_bx_record(&st->bx, p + EVTX_RECORD_HEADER, p + size - 4, ev);
        if (rc) {
            char msg[WARD_ERR_MSG_MAX - 96];
            snprintf(msg, sizeof msg, "%s", st->bx.msg[0] ? st->bx.msg : ward_strerror(rc));
            return rec_err(st, err, rc == WARD_ENOMEM ? WARD_ENOMEM : rc, p, id, msg);
        }
        if (ev->ts == WARD_TIME_NONE) {
            /* no TimeCreated: the time the record was written */
            uint64_t ft = evtx_u64(c + p + 16);
            if (ft) ev->ts = ward_time_from_filetime(ft);
        }
        return 1;
    }
}

const struct ward_decoder ward_decoder_evtx = {
    "evtx",
    "Windows XML event log (.evtx): chunks, templates, BinXML; damaged files read as far as "
    "possible",
    evtx_probe,
    evtx_open,
    evtx_next,
    evtx_close,
};
