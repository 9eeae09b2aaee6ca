/* test_decode_compressed.c - compressed input is read transparently by content (gzip,
 * zstd, concatenated gzip members), whatever the file is called, and detection sees the
 * decompressed bytes; a corrupt compressed file gives an error, not garbage events. */
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "decode_util.h"

static const char text[] =
    "Jan  1 00:00:01 h sshd[1]: Failed password for root from 192.0.2.1 port 1 ssh2\n"
    "Jan  1 00:00:02 h sshd[1]: Failed password for root from 192.0.2.1 port 2 ssh2\n"
    "Jan  1 00:00:03 h sshd[1]: Accepted password for root from 192.0.2.1 port 3 ssh2\n";

static char *write_tmp(const void *data, size_t n)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ward-test-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    if (write(fd, data, n) != (ssize_t)n) {
        close(fd);
        return NULL;
    }
    close(fd);
    return path;
}

static size_t gz(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t got = cap - z.avail_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? got : 0;
}

/* Reads path through the reader (detection included) and counts events and errors. */
static void read_file(const char *path, const char *want_format, unsigned want_events,
                      int want_error)
{
    struct ward_reader rd;
    struct ward_err err;
    ward_err_clear(&err);
    int rc = ward_reader_open(&rd, path, NULL, NULL, &err);
    if (want_error && rc) {
        CHECK(1);
        return;
    }
    CHECK_INT(rc, 0);
    if (rc) return;
    CHECK_STR(rd.dec ? rd.dec->name : "", want_format);
    struct ward_event ev;
    CHECK(ward_event_init(&ev, NULL) == 0);
    unsigned n = 0, errors = 0;
    for (;;) {
        ward_err_clear(&err);
        int k = ward_reader_next(&rd, &ev, &err);
        if (k == 0) break;
        if (k < 0) {
            errors++;
            if (err.code == WARD_EIO || errors > 10) break;
            continue;
        }
        n++;
    }
    CHECK_INT(n, want_events);
    CHECK(want_error ? errors > 0 : errors == 0);
    ward_event_free(&ev);
    ward_reader_close(&rd);
}

int main(void)
{
    unsigned char buf[4096], buf2[4096];
    /* gzip */
    size_t n = gz(text, sizeof text - 1, buf, sizeof buf);
    CHECK(n > 0);
    char *p = write_tmp(buf, n);
    CHECK(p != NULL);
    if (p) {
        read_file(p, "syslog", 3, 0);
        unlink(p);
    }
    /* two gzip members one after the other */
    size_t n2 = gz(text, sizeof text - 1, buf2, sizeof buf2);
    memcpy(buf + n, buf2, n2);
    p = write_tmp(buf, n + n2);
    if (p) {
        read_file(p, "syslog", 6, 0);
        unlink(p);
    }
    /* zstd */
    size_t zn = ZSTD_compress(buf, sizeof buf, text, sizeof text - 1, 3);
    CHECK(!ZSTD_isError(zn));
    p = write_tmp(buf, zn);
    if (p) {
        read_file(p, "syslog", 3, 0);
        unlink(p);
    }
    /* corrupt gzip: header kept, body damaged */
    n = gz(text, sizeof text - 1, buf, sizeof buf);
    for (size_t i = 12; i < n - 8; i++) buf[i] ^= 0x5a;
    p = write_tmp(buf, n);
    if (p) {
        read_file(p, "syslog", 0, 1);
        unlink(p);
    }
    return test_done("test_decode_compressed");
}
