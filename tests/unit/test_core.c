/* test_core.c - unit tests of src/core: errors, arena, buffers, strings, UTF-8, hashing,
 * interning, time, the event type, streams (plain, gzip, zstd, memory) and path lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "test.h"
#include "ward/core.h"
#include "ward/decode.h"
#include "ward/event.h"
#include "ward/json.h"
#include "ward/stream.h"

static void test_err(void)
{
    struct ward_err e;
    ward_err_clear(&e);
    CHECK_INT(ward_err_at(&e, WARD_ESYNTAX, "a.json", 3, 7, "expected '%c'", ':'), WARD_ESYNTAX);
    char buf[256];
    ward_err_format(&e, buf, sizeof buf);
    CHECK_STR(buf, "a.json:3:7: expected ':'");
    ward_err_clear(&e);
    ward_err_set(&e, WARD_ELIMIT, "too deep\n");
    ward_err_format(&e, buf, sizeof buf);
    CHECK_STR(buf, "too deep");
    e.offset = 4096;
    ward_strlcpy(e.path, "x.evtx", sizeof e.path);
    ward_err_format(&e, buf, sizeof buf);
    CHECK_STR(buf, "x.evtx:offset 4096: too deep");
    CHECK_INT(ward_err_set(NULL, WARD_EIO, "ignored"), WARD_EIO);
    CHECK_STR(ward_strerror(WARD_ECORRUPT), "corrupt data");
}

static void test_arena(void)
{
    struct ward_arena a;
    ward_arena_init(&a, 128, 0);
    char *p = ward_arena_strdup(&a, "hello");
    CHECK_STR(p, "hello");
    void *q = ward_arena_alloc(&a, 3);
    CHECK(((uintptr_t)q & 7) == 0);
    void *big = ward_arena_alloc(&a, 10000); /* bigger than a block */
    CHECK(big != NULL);
    memset(big, 1, 10000);
    char *after = ward_arena_strdup(&a, "after");
    CHECK_STR(after, "after");
    CHECK_STR(p, "hello");
    ward_arena_reset(&a);
    CHECK(a.total <= 128);
    CHECK_STR(ward_arena_strndup(&a, "abcdef", 3), "abc");
    ward_arena_free(&a);

    ward_arena_init(&a, 64, 256);
    int got_null = 0;
    for (int i = 0; i < 100; i++)
        if (!ward_arena_alloc(&a, 32)) got_null = 1;
    CHECK(got_null);
    CHECK(a.total <= 256);
    ward_arena_free(&a);
}

static void test_buf(void)
{
    struct ward_buf b;
    ward_buf_init(&b, 16);
    CHECK_INT(ward_buf_puts(&b, "0123456789"), 0);
    CHECK_INT(ward_buf_printf(&b, "%d", 12345), 0);
    CHECK_STR(b.data, "012345678912345");
    CHECK_INT(ward_buf_puts(&b, "xy"), WARD_ELIMIT);
    CHECK_INT(ward_buf_putc(&b, 'z'), 0);
    CHECK_INT(ward_buf_putc(&b, 'z'), WARD_ELIMIT);
    CHECK_INT(b.len, 16);
    ward_buf_reset(&b);
    CHECK_INT(b.len, 0);
    ward_buf_free(&b);
    ward_buf_init(&b, 0);
    for (int i = 0; i < 1000; i++) CHECK_INT(ward_buf_printf(&b, "%04d", i), 0);
    CHECK_INT(b.len, 4000);
    CHECK(memcmp(b.data + 3996, "0999", 4) == 0);
    char *t = ward_buf_take(&b);
    CHECK(b.data == NULL && t != NULL);
    free(t);
    ward_buf_free(&b);
}

static void test_str(void)
{
    CHECK(ward_str_ieq_c(WARD_STR("PowerShell.EXE"), "powershell.exe"));
    CHECK(!ward_str_eq_c(WARD_STR("abc"), "abd"));
    CHECK(ward_str_starts(WARD_STR("Event.System"), "Event."));
    char s[] = "MiXeD";
    ward_ascii_lower(s, 5);
    CHECK_STR(s, "mixed");
    char d[4];
    CHECK_INT(ward_strlcpy(d, "abcdef", sizeof d), 6);
    CHECK_STR(d, "abc");
    int64_t v;
    CHECK_INT(ward_parse_i64(WARD_STR("-9223372036854775808"), &v), 0);
    CHECK(v == INT64_MIN);
    CHECK_INT(ward_parse_i64(WARD_STR("9223372036854775808"), &v), WARD_EINVAL);
    CHECK_INT(ward_parse_i64(WARD_STR("12a"), &v), WARD_EINVAL);
    CHECK_INT(ward_parse_i64(WARD_STR(""), &v), WARD_EINVAL);
    double dv;
    CHECK_INT(ward_parse_double(WARD_STR("1.5e3"), &dv), 0);
    CHECK(dv == 1500.0);
    CHECK_INT(ward_parse_double(WARD_STR("nan"), &dv), WARD_EINVAL);
}

static void test_utf8(void)
{
    CHECK_INT(ward_utf8_check("plain ascii text, long enough for words", 39), 0);
    CHECK_INT(ward_utf8_check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14), 0);
    CHECK_INT(ward_utf8_check("ab\xc0\xaf", 4), 3);       /* overlong */
    CHECK_INT(ward_utf8_check("\xed\xa0\x80", 3), 1);     /* surrogate */
    CHECK_INT(ward_utf8_check("abc\xe2\x82", 5), 4);      /* truncated */
    CHECK_INT(ward_utf8_check("\xf4\x90\x80\x80", 4), 1); /* > U+10FFFF */
    CHECK_INT(ward_utf8_check("12345678\x80", 9), 9);     /* lone continuation */
    char out[4];
    CHECK_INT(ward_utf8_put(0x20AC, out), 3);
    CHECK(memcmp(out, "\xe2\x82\xac", 3) == 0);
    CHECK_INT(ward_utf8_put(0x1F600, out), 4);
    CHECK_INT(ward_utf8_put(0xD800, out), 0);
    CHECK_INT(ward_utf8_put(0x110000, out), 0);
}

static void test_hash_intern(void)
{
    CHECK(ward_hash64("abc", 3, 0) == ward_hash64("abc", 3, 0));
    CHECK(ward_hash64("abc", 3, 0) != ward_hash64("abd", 3, 0));
    CHECK(ward_hash64("abc", 3, 0) != ward_hash64("abc", 3, 1));
    CHECK(ward_hash64_lower("CommandLine", 11, 0) == ward_hash64_lower("COMMANDLINE", 11, 0));
    CHECK(ward_hash64_lower("commandline", 11, 0) == ward_hash64("commandline", 11, 0));
    {
        /* every length (word loop and tail), with the bytes around 'A'..'Z' and non-ASCII */
        const char src[] = "@AZ[`az{\x80\xC1\xDA\xFFMixed-Case.Key_0123456789ABCDEFGHIJ";
        char low[sizeof src];
        for (size_t i = 0; i < sizeof src; i++) low[i] = (char)ward_lower((unsigned char)src[i]);
        int same = 1;
        for (size_t n = 0; n < sizeof src - 1; n++)
            for (size_t off = 0; off + n < sizeof src - 1 && off < 3; off++)
                same &= ward_hash64_lower(src + off, n, 7) == ward_hash64(low + off, n, 7);
        CHECK(same);
    }
    struct ward_intern t;
    ward_intern_init(&t);
    char name[32];
    int ok = 1;
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof name, "field.%d", i);
        if (ward_intern_add(&t, name, strlen(name)) != i) ok = 0;
    }
    CHECK(ok);
    CHECK_INT(t.count, 5000);
    CHECK_INT(ward_intern_add(&t, "field.42", 8), 42);
    CHECK_INT(ward_intern_find(&t, "field.4999", 10), 4999);
    CHECK_INT(ward_intern_find(&t, "field.5000", 10), -1);
    CHECK_STR(ward_intern_name(&t, 7), "field.7");
    CHECK(ward_intern_name(&t, 5000) == NULL);
    ward_intern_free(&t);
}

static ward_time_t tp(const char *s)
{
    ward_time_t t = 0;
    if (ward_time_parse(s, strlen(s), &t) != 0) return WARD_TIME_NONE;
    return t;
}

static void test_time(void)
{
    char buf[64];
    CHECK(tp("1970-01-01T00:00:00Z") == 0);
    CHECK(tp("2019-04-27 15:57:25.868864") == 1556380645868864000LL);
    CHECK(tp("2019-04-27T15:57:25.868864Z") == 1556380645868864000LL);
    CHECK(tp("2019-04-27T17:57:25.868864+02:00") == 1556380645868864000LL);
    CHECK(tp("2019-04-27T10:57:25.868864-0500") == 1556380645868864000LL);
    CHECK(tp("2025-11-27 07:40:10.132") == 1764229210132000000LL);
    CHECK(tp("1556380645") == 1556380645000000000LL);
    CHECK(tp("1556380645.5") == 1556380645500000000LL);
    CHECK(tp("1556380645868") == 1556380645868000000LL);
    CHECK(tp("1556380645868864") == 1556380645868864000LL);
    CHECK(tp("2019-02-30T00:00:00Z") != WARD_TIME_NONE); /* day range only, like most logs */
    CHECK(tp("2019-13-01T00:00:00Z") == WARD_TIME_NONE);
    CHECK(tp("yesterday") == WARD_TIME_NONE);
    CHECK(tp("2019-04-27T15:57:25Zjunk") == WARD_TIME_NONE);
    CHECK(tp("") == WARD_TIME_NONE);
    ward_time_format(1556380645868864000LL, 6, buf, sizeof buf);
    CHECK_STR(buf, "2019-04-27T15:57:25.868864Z");
    ward_time_format(-1, 9, buf, sizeof buf);
    CHECK_STR(buf, "1969-12-31T23:59:59.999999999Z");
    ward_time_format(951782400LL * 1000000000LL, 0, buf, sizeof buf);
    CHECK_STR(buf, "2000-02-29T00:00:00Z");
    CHECK(ward_time_from_filetime(116444736000000000ULL) == 0);
    CHECK(ward_time_from_filetime(0) == WARD_TIME_NONE);
    CHECK(ward_time_from_filetime(UINT64_MAX) == WARD_TIME_NONE);
    CHECK(ward_days_from_civil(2000, 3, 1) == 11017);
}

static void test_event(void)
{
    struct ward_intern reg;
    ward_intern_init(&reg);
    CHECK_INT(ward_intern_add(&reg, "Event.EventData.CommandLine", 27), 0);
    CHECK_INT(ward_intern_add(&reg, "Event.System.EventID", 20), 1);
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, &reg), 0);
    for (int round = 0; round < 3; round++) {
        ward_event_reset(&ev);
        CHECK(ward_event_by_id(&ev, 0) == NULL);
        const char *cmd = "cmd.exe /c \\\"whoami\\\" \\u00e9";
        CHECK_INT(ward_event_add(&ev, "Event.EventData.CommandLine", 27, cmd, strlen(cmd),
                                 WARD_V_STR, WARD_F_ESCAPED),
                  0);
        CHECK_INT(ward_event_add(&ev, "Event.System.TimeCreated.#attributes.SystemTime", 47,
                                 "2019-04-27T15:57:25.868864Z", 27, WARD_V_STR, 0),
                  0);
        if (round == 1)
            CHECK_INT(ward_event_add(&ev, "Event.System.EventID", 20, "1", 1, WARD_V_NUM, 0), 0);
        struct ward_field *f = ward_event_by_id(&ev, 0);
        CHECK(f != NULL);
        struct ward_str v;
        CHECK_INT(ward_event_value(&ev, f, &v), 0);
        CHECK_MEM(v.ptr, v.len, "cmd.exe /c \"whoami\" \xc3\xa9");
        CHECK_INT(ward_event_value(&ev, f, &v), 0); /* cached, same result */
        CHECK_MEM(v.ptr, v.len, "cmd.exe /c \"whoami\" \xc3\xa9");
        CHECK((ward_event_by_id(&ev, 1) != NULL) == (round == 1));
        CHECK(ward_event_find(&ev, "Event.System.TimeCreated.#attributes.SystemTime", 47) != NULL);
        CHECK(ward_event_find(&ev, "nope", 4) == NULL);
        ward_event_find_time(&ev);
        CHECK(ev.ts == 1556380645868864000LL);
    }
    ev.max_fields = 3;
    ward_event_reset(&ev);
    int rc = 0;
    for (int i = 0; i < 4 && rc == 0; i++) rc = ward_event_add(&ev, "k", 1, "v", 1, WARD_V_STR, 0);
    CHECK_INT(rc, WARD_ELIMIT);
    ward_event_free(&ev);
    ward_intern_free(&reg);

    /* an event without a registry, many fields, time fallbacks */
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    char key[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "a.%d", i);
        CHECK_INT(ward_event_add_copy(&ev, key, strlen(key), key, strlen(key), WARD_V_STR), 0);
    }
    CHECK_INT(ward_event_add(&ev, "ts", 2, "1556380645.25", 13, WARD_V_NUM, 0), 0);
    struct ward_field *f = ward_event_find(&ev, "a.999", 5);
    CHECK(f && f->vlen == 5 && memcmp(f->val, "a.999", 5) == 0);
    ward_event_find_time(&ev);
    CHECK(ev.ts == 1556380645250000000LL);
    ward_event_free(&ev);
}

static void test_json_out(void)
{
    struct ward_buf b;
    ward_buf_init(&b, 0);
    struct ward_jw w;
    ward_jw_init(&w, &b);
    ward_jw_obj(&w);
    ward_jw_key(&w, "s");
    ward_jw_str(&w, "a\"b\\c\n\x01\xff");
    ward_jw_key(&w, "n");
    ward_jw_int(&w, -5);
    ward_jw_key(&w, "a");
    ward_jw_arr(&w);
    ward_jw_bool(&w, 1);
    ward_jw_null(&w);
    ward_jw_double(&w, 0.5);
    ward_jw_end(&w);
    ward_jw_end(&w);
    CHECK_INT(ward_jw_error(&w), 0);
    CHECK_STR(b.data,
              "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\",\"n\":-5,\"a\":[true,null,0.5]}");
    char out[64];
    size_t partial = 0;
    const char *esc = "x\\ud83d\\ude00y\\ud800z\\q";
    long n = ward_json_unescape(esc, strlen(esc), out, &partial);
    CHECK(n < 0); /* \q is invalid */
    CHECK_MEM(out, partial, "x\xf0\x9f\x98\x80y\xef\xbf\xbdz\\q");
    ward_buf_free(&b);
}

static void gz_write(const char *path, const char *data, size_t n)
{
    gzFile g = gzopen(path, "wb");
    gzwrite(g, data, (unsigned)n);
    gzclose(g);
}

static size_t read_all(const char *path, char *out, size_t cap, int *rc)
{
    struct ward_stream *s;
    struct ward_err e;
    ward_err_clear(&e);
    *rc = ward_stream_open_file(&s, path, &e);
    if (*rc) return 0;
    size_t got = 0;
    for (;;) {
        ssize_t k = ward_stream_read(s, out + got, cap - got, &e);
        if (k < 0) {
            *rc = (int)k;
            break;
        }
        if (k == 0) break;
        got += (size_t)k;
    }
    ward_stream_close(s);
    return got;
}

static void test_stream(void)
{
    char dir[] = "/tmp/ward-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    size_t n = 300000;
    char *data = malloc(n), *back = malloc(n + 16);
    for (size_t i = 0; i < n; i++) data[i] = (char)('a' + (i * 7 + i / 13) % 26);
    int rc;

    snprintf(path, sizeof path, "%s/plain.txt", dir);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    CHECK_INT(read_all(path, back, n + 16, &rc), n);
    CHECK(rc == 0 && memcmp(back, data, n) == 0);

    snprintf(path, sizeof path, "%s/data.gz", dir);
    gz_write(path, data, n);
    CHECK_INT(read_all(path, back, n + 16, &rc), n);
    CHECK(rc == 0 && memcmp(back, data, n) == 0);

    /* two gzip members concatenated read as one stream */
    snprintf(path, sizeof path, "%s/two.gz", dir);
    gz_write(path, "first\n", 6);
    char p2[256];
    snprintf(p2, sizeof p2, "%s/second.gz", dir);
    gz_write(p2, "second\n", 7);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "cat %s >> %s", p2, path);
    CHECK_INT(system(cmd), 0);
    CHECK_INT(read_all(path, back, n, &rc), 13);
    CHECK(rc == 0 && memcmp(back, "first\nsecond\n", 13) == 0);

    /* truncated gzip: an error, not a silent short read */
    snprintf(path, sizeof path, "%s/data.gz", dir);
    CHECK_INT(truncate(path, 1000), 0);
    read_all(path, back, n + 16, &rc);
    CHECK_INT(rc, WARD_ECORRUPT);

    snprintf(path, sizeof path, "%s/data.zst", dir);
    size_t zcap = ZSTD_compressBound(n);
    char *z = malloc(zcap);
    size_t zn = ZSTD_compress(z, zcap, data, n, 3);
    CHECK(!ZSTD_isError(zn));
    f = fopen(path, "wb");
    fwrite(z, 1, zn, f);
    fclose(f);
    CHECK_INT(read_all(path, back, n + 16, &rc), n);
    CHECK(rc == 0 && memcmp(back, data, n) == 0);
    free(z);

    struct ward_stream *s;
    struct ward_err e;
    CHECK_INT(ward_stream_open_mem(&s, data, 10, "mem", &e), 0);
    const unsigned char *head;
    size_t hn;
    ward_stream_peek(s, &head, &hn);
    CHECK_INT(hn, 10);
    CHECK_INT(ward_stream_read_full(s, back, 100, &e), 10);
    ward_stream_close(s);

    snprintf(path, sizeof path, "%s/missing", dir);
    ward_err_clear(&e);
    CHECK_INT(ward_stream_open_file(&s, path, &e), WARD_EIO);
    CHECK(strstr(e.msg, "cannot open") != NULL && strcmp(e.path, path) == 0);
    CHECK_INT(ward_stream_open_file(&s, dir, &e), WARD_EINVAL);

    /* path expansion: recursive, sorted, hidden entries skipped */
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/t/b %s/t/a/.hid && touch %s/t/b/2 %s/t/a/1 %s/t/z %s/t/.h "
             "%s/t/a/.hid/x",
             dir, dir, dir, dir, dir, dir, dir);
    CHECK_INT(system(cmd), 0);
    snprintf(path, sizeof path, "%s/t", dir);
    char *inputs[] = {path};
    char **paths;
    size_t count;
    CHECK_INT(ward_paths_expand(inputs, 1, &paths, &count, NULL, NULL), 0);
    CHECK_INT(count, 3);
    if (count == 3) {
        CHECK(strstr(paths[0], "/t/a/1") != NULL);
        CHECK(strstr(paths[1], "/t/b/2") != NULL);
        CHECK(strstr(paths[2], "/t/z") != NULL);
        CHECK(paths[3] == NULL);
    }
    ward_paths_free(paths);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    free(data);
    free(back);
}

int main(void)
{
    test_err();
    test_arena();
    test_buf();
    test_str();
    test_utf8();
    test_hash_intern();
    test_time();
    test_event();
    test_json_out();
    test_stream();
    return test_done("core");
}
