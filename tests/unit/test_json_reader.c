/*
 * test_json_reader.c - the JSON event reader: RFC 8259 conformance (valid documents that
 * must parse, invalid ones rejected at the right line and column), flattening, lazy
 * unescaping, invalid UTF-8, limits, framing (JSON Lines, documents, arrays, BOM, CRLF),
 * error resynchronisation, records that span buffer refills; and the JSON writer and
 * escaping (src/json/writer.c, escape.c), round-tripped through the reader.
 *
 * Every input runs through the reader with many read sizes (1 byte up to the default):
 * the transcript of events and errors must be the same for all of them.
 */
#include "test.h"

#include "ward/json.h"
#include "ward/json_reader.h"

/* ---- harness ----------------------------------------------------------------------------- */

static struct ward_buf g_tr;   /* transcript of the last run */
static struct ward_buf g_msgs; /* error messages of the last run, one a line */
static struct ward_json_stats g_stats;

static void put_val(struct ward_buf *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        int rc = (c >= 0x20 && c < 0x7f && c != '\\') ? ward_buf_putc(b, (char)c)
                                                      : ward_buf_printf(b, "\\x%02x", c);
        if (rc) abort();
    }
}

/*
 * Reads text with reads of `chunk` bytes (0 = the default) into a transcript:
 *   an event:  "@LINE key=TVALUE key=TVALUE\n" with T s (string), n, b, z (null) and
 *              '!' after T when the value had invalid UTF-8;
 *   an error:  "!LINE:COL\n" (messages go to g_msgs).
 */
static const char *run_opts(const char *text, size_t n, size_t chunk,
                            const struct ward_decode_opts *o)
{
    ward_buf_reset(&g_tr);
    ward_buf_reset(&g_msgs);
    if (ward_buf_puts(&g_tr, "") || ward_buf_puts(&g_msgs, "")) abort();
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    if (ward_stream_open_mem(&s, text, n, "t.json", &err)) abort();
    struct ward_json_reader *r;
    if (ward_json_reader_open(&r, s, o, &err)) abort();
    if (chunk) ward_json_reader_set_chunk(r, chunk);
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) abort();
    for (int guard = 0; guard < 10000; guard++) {
        ward_event_reset(&ev);
        ward_err_clear(&err);
        int k = ward_json_reader_next(r, &ev, &err);
        if (k == 0) break;
        if (k < 0) {
            if (ward_buf_printf(&g_tr, "!%llu:%llu\n", (unsigned long long)err.line,
                                (unsigned long long)err.column) ||
                ward_buf_printf(&g_msgs, "%s\n", err.msg))
                abort();
            CHECK_STR(err.path, "t.json");
            continue;
        }
        /* the raw text is the record's own bytes in the input */
        CHECK(ev.raw_len > 0 && ev.offset + ev.raw_len <= n &&
              memcmp(ev.raw, text + ev.offset, ev.raw_len) == 0);
        if (ward_buf_printf(&g_tr, "@%llu", (unsigned long long)ev.line)) abort();
        for (uint32_t i = 0; i < ev.nfields; i++) {
            struct ward_field *f = &ev.fields[i];
            struct ward_str v;
            unsigned bad = f->flags & WARD_F_BADUTF8;
            if (ward_event_value(&ev, f, &v)) abort();
            static const char types[] = "snbz";
            if (ward_buf_putc(&g_tr, ' ')) abort();
            put_val(&g_tr, ward_field_key(&ev, f), f->klen);
            if (ward_buf_printf(&g_tr, "=%c%s", types[f->type & 3], bad ? "!" : "")) abort();
            put_val(&g_tr, v.ptr, v.len);
        }
        if (ward_buf_putc(&g_tr, '\n')) abort();
    }
    ward_json_reader_stats(r, &g_stats);
    ward_event_free(&ev);
    ward_json_reader_free(r);
    ward_stream_close(s);
    return g_tr.data;
}

/* Runs text with the default read size and with tiny ones; all must agree. */
static const char *run_n(const char *text, size_t n, const struct ward_decode_opts *o)
{
    static const size_t chunks[] = {1, 2, 3, 5, 16, 100, 4096};
    struct ward_buf first;
    ward_buf_init(&first, 0);
    run_opts(text, n, 0, o);
    if (ward_buf_append(&first, g_tr.data, g_tr.len)) abort();
    struct ward_buf msgs;
    ward_buf_init(&msgs, 0);
    if (ward_buf_append(&msgs, g_msgs.data, g_msgs.len)) abort();
    struct ward_json_stats st = g_stats;
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        run_opts(text, n, chunks[i], o);
        if (strcmp(g_tr.data, first.data) != 0) {
            t_fail++;
            fprintf(stderr, "read size %zu changes the result for '%.60s':\n%s---\n%s\n", chunks[i],
                    text, g_tr.data, first.data);
        } else {
            t_pass++;
        }
    }
    /* leave the default run's transcript, messages and counters in place */
    ward_buf_reset(&g_tr);
    if (ward_buf_append(&g_tr, first.data, first.len)) abort();
    ward_buf_reset(&g_msgs);
    if (ward_buf_append(&g_msgs, msgs.data, msgs.len) || ward_buf_puts(&g_msgs, "")) abort();
    g_stats = st;
    ward_buf_free(&first);
    ward_buf_free(&msgs);
    return g_tr.data;
}

static const char *run_o(const char *text, const struct ward_decode_opts *o)
{
    return run_n(text, strlen(text), o);
}

static const char *run(const char *text)
{
    return run_n(text, strlen(text), NULL);
}

#define MSG_HAS(s)                                                                                 \
    do {                                                                                           \
        if (g_msgs.data && strstr(g_msgs.data, (s))) {                                             \
            t_pass++;                                                                              \
        } else {                                                                                   \
            t_fail++;                                                                              \
            fprintf(stderr, "%s:%d: error messages lack \"%s\": %s\n", __FILE__, __LINE__, (s),    \
                    g_msgs.data ? g_msgs.data : "");                                               \
        }                                                                                          \
    } while (0)

/* ---- RFC 8259: valid documents ------------------------------------------------------------- */

static void test_valid(void)
{
    CHECK_STR(run("{}"), "@1\n");
    CHECK_STR(run(" \t\r\n{ \"a\" : 1 } \n"), "@2 a=n1\n");
    CHECK_STR(run("{\"a\":1}"), "@1 a=n1\n");
    /* numbers: the grammar's corners, kept as text */
    CHECK_STR(run("{\"a\":0,\"b\":-0,\"c\":1.5,\"d\":-1.5e10,\"e\":1E+2,\"f\":1e-2,\"g\":0.0e0}"),
              "@1 a=n0 b=n-0 c=n1.5 d=n-1.5e10 e=n1E+2 f=n1e-2 g=n0.0e0\n");
    CHECK_STR(run("{\"big\":123456789012345678901234567890,\"neg\":-9}"),
              "@1 big=n123456789012345678901234567890 neg=n-9\n");
    /* literals */
    CHECK_STR(run("{\"t\":true,\"f\":false,\"n\":null}"), "@1 t=btrue f=bfalse n=z\n");
    /* strings: every escape of RFC 8259 */
    CHECK_STR(run("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}"),
              "@1 s=s\"\\x5c/\\x08\\x0c\\x0a\\x0d\\x09\n");
    CHECK_STR(run("{\"s\":\"\",\"u\":\"\\u0041\\u00e9\\u20AC\"}"),
              "@1 s=s u=sA\\xc3\\xa9\\xe2\\x82\\xac\n");
    /* surrogate pairs, upper and lower case hex */
    CHECK_STR(run("{\"s\":\"\\uD83D\\uDE00\",\"t\":\"\\ud834\\udd1e\"}"),
              "@1 s=s\\xf0\\x9f\\x98\\x80 t=s\\xf0\\x9d\\x84\\x9e\n");
    /* lone surrogates are accepted and become U+FFFD */
    CHECK_STR(run("{\"a\":\"\\uD800\",\"b\":\"\\uDC00x\",\"c\":\"\\uD800\\u0041\"}"),
              "@1 a=s\\xef\\xbf\\xbd b=s\\xef\\xbf\\xbdx c=s\\xef\\xbf\\xbdA\n");
    /* raw UTF-8 (2, 3 and 4 byte forms) and DEL pass through unflagged */
    CHECK_STR(run("{\"s\":\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\x7f\"}"),
              "@1 s=s\\xc3\\xa9\\xe6\\x97\\xa5\\xf0\\x9f\\x98\\x80\\x7f\n");
    /* escaped keys are unescaped into the path */
    CHECK_STR(run("{\"a\\\"b\":1,\"\\u0041\":{\"x\\ty\":2}}"), "@1 a\"b=n1 A.x\\x09y=n2\n");
    /* duplicate keys are kept in order; the empty key is a key */
    CHECK_STR(run("{\"a\":1,\"a\":2,\"\":3}"), "@1 a=n1 a=n2 =n3\n");
    /* \u0000 is a valid escape (a NUL in the value); spaces around every token */
    CHECK_STR(run("{\"a\":\"x\\u0000y\"}"), "@1 a=sx\\x00y\n");
    CHECK_STR(run(" { \"a\" : [ 1 , { } ] , \"b\" : \"\" } "), "@1 a.0=n1 a.1=z b=s\n");
    /* surrogate pairs in keys */
    CHECK_STR(run("{\"\\ud83d\\ude00\":1}"), "@1 \\xf0\\x9f\\x98\\x80=n1\n");
    /* long strings (vector scan across many blocks) */
    {
        char doc[400];
        strcpy(doc, "{\"k\":\"");
        for (int i = 0; i < 300; i++) doc[6 + i] = (char)('a' + i % 26);
        strcpy(doc + 306, "\\n\"}");
        run(doc);
        CHECK(strstr(g_tr.data, "lmn\\x0a\n") != NULL);
        CHECK_INT(g_stats.events, 1);
    }
}

/* ---- RFC 8259: invalid documents, with line and column ------------------------------------ */

struct bad_case {
    const char *doc;
    const char *where; /* "!line:col\n" */
    const char *msg;   /* part of the message */
    size_t len;        /* 0: strlen(doc) */
};

static void test_invalid(void)
{
    static const struct bad_case cases[] = {
        {"{\"a\":1,}", "!1:8\n", "trailing comma", 0},
        {"{\"a\":[1,]}", "!1:9\n", "trailing comma: expected a value after ','", 0},
        {"{'a':1}", "!1:2\n", "single quotes", 0},
        {"{\"a\":'x'}", "!1:6\n", "single quotes", 0},
        {"{\"a\":01}", "!1:6\n", "leading zeros", 0},
        {"{\"a\":-01}", "!1:6\n", "leading zeros", 0},
        {"{\"a\":\"\\x\"}", "!1:7\n", "invalid escape", 0},
        {"{\"a\":\"\\u12G4\"}", "!1:7\n", "expected 4 hex digits", 0},
        {"{\"a\":\"\\u12\"}", "!1:7\n", "expected 4 hex digits", 0},
        {"{\"a\":\"x\ty\"}", "!1:8\n", "control character", 0},
        {"{\"a\":\"x\001\"}", "!1:8\n", "control character", 0},
        {"{\"a\":\"abc", "!1:6\n", "unterminated string", 0},
        {"{\"a\":\"abc\\", "!1:6\n", "unterminated string", 0},
        {"{\"a\":NaN}", "!1:6\n", "expected a value", 0},
        {"{\"a\":Infinity}", "!1:6\n", "expected a value", 0},
        {"{\"a\":-Infinity}", "!1:7\n", "expected a digit after '-'", 0},
        {"{\"a\":/* c */1}", "!1:6\n", "comments are not allowed", 0},
        {"{// c\n\"a\":1}", "!1:2\n", "comments are not allowed", 0},
        {"{\"a\":tru}", "!1:6\n", "expected true", 0},
        {"{\"a\":nul}", "!1:6\n", "expected null", 0},
        {"{\"a\":False}", "!1:6\n", "expected a value", 0},
        {"{\"a\" 1}", "!1:6\n", "expected ':' after object key", 0},
        {"{\"a\":1 \"b\":2}", "!1:8\n", "expected ',' or '}' after object member, found '\"'", 0},
        {"{\"a\":[1 2]}", "!1:9\n", "expected ',' or ']' after array element", 0},
        {"{\"a\":1.}", "!1:8\n", "expected a digit after '.'", 0},
        {"{\"a\":1.e3}", "!1:8\n", "expected a digit after '.'", 0},
        {"{\"a\":1e}", "!1:8\n", "expected a digit in the exponent", 0},
        {"{\"a\":1e+}", "!1:9\n", "expected a digit in the exponent", 0},
        {"{\"a\":.5}", "!1:6\n", "expected a value", 0},
        {"{\"a\":+1}", "!1:6\n", "expected a value", 0},
        {"{\"a\":0x10}", "!1:7\n", "found 'x'", 0},
        {"{a:1}", "!1:2\n", "expected a string key", 0},
        {"{\"a\":1", "!1:7\n", "unexpected end of input", 0},
        {"{\"a\":", "!1:6\n", "unexpected end of input: expected a value", 0},
        {"{\"a\"", "!1:5\n", "unexpected end of input", 0},
        {"{", "!1:2\n", "unexpected end of input", 0},
        {"{,}", "!1:2\n", "expected a string key", 0},
        {"{\"a\":[}", "!1:7\n", "expected a value", 0},
        {"{\"a\":{]}", "!1:7\n", "expected a string key", 0},
        {"{\"a\":1]", "!1:7\n", "expected ',' or '}'", 0},
        {"{\"a\":\"x\"\x01}", "!1:9\n", "found byte 0x01", 0},
        {"{\"a\":1}}", "@1 a=n1\n!1:8\n", "expected '{' or '[' to start a record, found '}'", 0},
        {"42", "!1:1\n", "expected '{' or '['", 0},
        {"\"str\"", "!1:1\n", "expected '{' or '['", 0},
        /* multi-line: the error is placed on its own line and column */
        {"{\n  \"a\": 1,\n  \"b\": tru\n}", "!3:8\n", "expected true", 0},
        {"{\n  \"a\": 1\n  \"b\": 2\n}", "!3:3\n", "expected ',' or '}'", 0},
        {"{\"a\":[,1]}", "!1:7\n", "expected a value", 0},
        {"{\"a\":[1,,2]}", "!1:9\n", "expected a value", 0},
        {"{\"a\":1e5.5}", "!1:9\n", "expected ',' or '}'", 0},
        {"{\"a\":-}", "!1:7\n", "expected a digit after '-'", 0},
        {"{\"a\":tRue}", "!1:6\n", "expected true", 0},
        {"{\"a\":\f1}", "!1:6\n", "expected a value", 0},
        {"{\"a\":\"\\U0041\"}", "!1:7\n", "invalid escape", 0},
        {"{\"a\":\"\\'\"}", "!1:7\n", "invalid escape", 0},
        {"{\"a\":\"x\"}junk", "@1 a=sx\n!1:10\n", "expected '{' or '['", 0},
        {"{\"a\":\"\x7f\x80\"}", "@1 a=s!\\x7f\\x80\n", "", 0},
        /* NUL bytes are not whitespace */
        {"{\"a\":1,\0\"b\":2}", "!1:8\n", "found byte 0x00", 14},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bad_case *c = &cases[i];
        size_t n = c->len ? c->len : strlen(c->doc);
        run_n(c->doc, n, NULL);
        if (strcmp(g_tr.data, c->where) != 0) {
            t_fail++;
            fprintf(stderr, "case %zu '%s': got\n%sexpected\n%s", i, c->doc, g_tr.data, c->where);
        } else {
            t_pass++;
        }
        MSG_HAS(c->msg);
        CHECK_INT(g_stats.errors, c->where[0] == '!' || strstr(c->where, "\n!") ? 1 : 0);
    }
    /* the message names what was found and what was expected */
    run("{\"a\":1 x}");
    MSG_HAS("expected ',' or '}' after object member, found 'x'");
}

/* ---- flattening ------------------------------------------------------------------------------ */

static void test_flatten(void)
{
    CHECK_STR(
        run("{\"a\":{\"b\":{\"c\":1}},\"d\":[{\"e\":\"x\"},{\"e\":\"y\"}],\"f\":[],\"g\":{}}"),
        "@1 a.b.c=n1 d.0.e=sx d.1.e=sy f=z g=z\n");
    CHECK_STR(run("{\"m\":[[1,2],[3]],\"n\":[[]]}"), "@1 m.0.0=n1 m.0.1=n2 m.1.0=n3 n.0=z\n");
    CHECK_STR(run("{\"a\":[0,1,2,3,4,5,6,7,8,9,10,11]}"),
              "@1 a.0=n0 a.1=n1 a.2=n2 a.3=n3 a.4=n4 a.5=n5 a.6=n6 a.7=n7 a.8=n8 a.9=n9 a.10=n10 "
              "a.11=n11\n");
    CHECK_STR(run("{\"answers\":[{\"rdata\":\"1.2.3.4\",\"ttl\":60}],\"q\":{\"name\":\"x\"}}"),
              "@1 answers.0.rdata=s1.2.3.4 answers.0.ttl=n60 q.name=sx\n");
    /* an EVTX-style record */
    CHECK_STR(
        run("{\"Event\":{\"System\":{\"EventID\":{\"#attributes\":{\"Qualifiers\":\"\"},"
            "\"#text\":4624},\"Channel\":\"Security\"},\"EventData\":{\"Data\":[\"a\","
            "null]}}}"),
        "@1 Event.System.EventID.#attributes.Qualifiers=s Event.System.EventID.#text=n4624 "
        "Event.System.Channel=sSecurity Event.EventData.Data.0=sa Event.EventData.Data.1=z\n");
    /* the key path is restored after a nested value ends */
    CHECK_STR(run("{\"a\":{\"b\":1,\"c\":{\"d\":2},\"e\":3},\"f\":4}"),
              "@1 a.b=n1 a.c.d=n2 a.e=n3 f=n4\n");
    /* mixed array contents */
    CHECK_STR(run("{\"x\":[1,\"s\",true,null,{\"k\":[]},[2]]}"),
              "@1 x.0=n1 x.1=ss x.2=btrue x.3=z x.4.k=z x.5.0=n2\n");
}

/* ---- lazy unescaping, zero copy, invalid UTF-8 ------------------------------------------------
 */

static void test_lazy_and_utf8(void)
{
    const char *text = "{\"path\":\"C:\\\\Windows\\\\x.exe\",\"plain\":\"abc\"}\n";
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    CHECK_INT(ward_stream_open_mem(&s, text, strlen(text), "lazy", &err), 0);
    struct ward_json_reader *r;
    CHECK_INT(ward_json_reader_open(&r, s, NULL, &err), 0);
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    ward_event_reset(&ev);
    CHECK_INT(ward_json_reader_next(r, &ev, &err), 1);
    CHECK_INT(ev.nfields, 2);
    CHECK_INT(ev.record, 1);
    CHECK_INT(ev.line, 1);
    CHECK_INT(ev.offset, 0);
    CHECK_INT(ev.raw_len, strlen(text) - 1);
    struct ward_field *f = ward_event_find(&ev, "path", 4);
    CHECK(f != NULL);
    if (f) {
        /* zero copy: the value points into the record, escapes still in it */
        CHECK(f->val > ev.raw && f->val < ev.raw + ev.raw_len);
        CHECK(f->flags & WARD_F_ESCAPED);
        CHECK_MEM(f->val, f->vlen, "C:\\\\Windows\\\\x.exe");
        struct ward_str v;
        CHECK_INT(ward_event_value(&ev, f, &v), 0);
        CHECK_MEM(v.ptr, v.len, "C:\\Windows\\x.exe");
        CHECK(f->flags & WARD_F_RESOLVED);
        /* resolved once: a second call gives the same pointer */
        struct ward_str v2;
        CHECK_INT(ward_event_value(&ev, f, &v2), 0);
        CHECK(v2.ptr == v.ptr);
    }
    f = ward_event_find(&ev, "plain", 5);
    CHECK(f && !(f->flags & WARD_F_ESCAPED) && f->val > ev.raw);
    ward_event_reset(&ev);
    CHECK_INT(ward_json_reader_next(r, &ev, &err), 0);
    ward_event_free(&ev);
    ward_json_reader_free(r);
    ward_stream_close(s);

    /* invalid UTF-8 is kept, flagged and counted, never fatal */
    CHECK_STR(
        run("{\"a\":\"x\xffy\",\"b\":\"\xc3\",\"c\":\"\xc0\xaf\",\"d\":\"\xed\xa0\x80\","
            "\"e\":\"\xf4\x90\x80\x80\",\"f\":\"\xe2\x82\",\"g\":\"ok\xc3\xa9\"}"),
        "@1 a=s!x\\xffy b=s!\\xc3 c=s!\\xc0\\xaf d=s!\\xed\\xa0\\x80 e=s!\\xf4\\x90\\x80\\x80 "
        "f=s!\\xe2\\x82 g=sok\\xc3\\xa9\n");
    CHECK_INT(g_stats.bad_utf8, 6);
    CHECK_INT(g_stats.errors, 0);
    /* invalid UTF-8 in a key: kept */
    CHECK_STR(run("{\"k\xfe\":1}"), "@1 k\\xfe=n1\n");
}

/* ---- framing: JSON Lines, documents, arrays, BOM, CRLF ------------------------------------- */

static void test_framing(void)
{
    /* JSON Lines, blank lines and CRLF */
    CHECK_STR(run("{\"a\":1}\n{\"a\":2}\r\n\n{\"a\":3}\r\n"), "@1 a=n1\n@2 a=n2\n@4 a=n3\n");
    /* no final newline; several records on one line */
    CHECK_STR(run("{\"a\":1}{\"b\":2} {\"c\":3}"), "@1 a=n1\n@1 b=n2\n@1 c=n3\n");
    /* pretty-printed documents, one after the other */
    CHECK_STR(run("{\n  \"a\": {\n    \"b\": [\n      1\n    ]\n  }\n}\n{\n  \"c\": 2\n}\n"),
              "@1 a.b.0=n1\n@8 c=n2\n");
    /* a top-level array of objects, compact and pretty */
    CHECK_STR(run("[{\"a\":1},{\"b\":2}]"), "@1 a=n1\n@1 b=n2\n");
    CHECK_STR(run("[\n  {\n    \"a\": 1\n  },\n  {\n    \"b\": 2\n  }\n]\n"), "@2 a=n1\n@5 b=n2\n");
    CHECK_STR(run("[]"), "");
    CHECK_STR(run(" [ ] \n"), "");
    /* arrays and objects after each other */
    CHECK_STR(run("[{\"a\":1}]\n{\"b\":2}\n[{\"c\":3}]"), "@1 a=n1\n@2 b=n2\n@3 c=n3\n");
    /* empty and blank input: no events, no errors */
    CHECK_STR(run(""), "");
    CHECK_STR(run(" \n\t\r\n"), "");
    CHECK_INT(g_stats.errors, 0);
    /* a byte order mark is skipped; columns count from after it */
    CHECK_STR(run("\xEF\xBB\xBF{\"a\":1}\n{\"b\":2}"), "@1 a=n1\n@2 b=n2\n");
    CHECK_STR(run("\xEF\xBB\xBF{\"a\":x}"), "!1:6\n");
    /* a BOM alone */
    CHECK_STR(run("\xEF\xBB\xBF"), "");

    /* offsets, lines and record ordinals */
    const char *text = "{\"a\":1}\n\n  {\"b\":2}\n";
    struct ward_err err;
    struct ward_stream *s;
    ward_err_clear(&err);
    CHECK_INT(ward_stream_open_mem(&s, text, strlen(text), "m", &err), 0);
    struct ward_json_reader *r;
    CHECK_INT(ward_json_reader_open(&r, s, NULL, &err), 0);
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    ward_event_reset(&ev);
    CHECK_INT(ward_json_reader_next(r, &ev, &err), 1);
    ward_event_reset(&ev);
    CHECK_INT(ward_json_reader_next(r, &ev, &err), 1);
    CHECK_INT(ev.line, 3);
    CHECK_INT(ev.offset, 11);
    CHECK_INT(ev.record, 2);
    CHECK_MEM(ev.raw, ev.raw_len, "{\"b\":2}");
    ward_event_free(&ev);
    ward_json_reader_free(r);
    ward_stream_close(s);
}

/* ---- errors and resynchronisation ------------------------------------------------------------ */

static void test_resync(void)
{
    /* JSON Lines with a corrupt line in the middle: the error names it, the rest comes out */
    CHECK_STR(run("{\"a\":1}\n{\"a\":2}\n{\"a\":3,}\n{\"a\":4}\n{\"a\":5}\n"),
              "@1 a=n1\n@2 a=n2\n!3:8\n@4 a=n4\n@5 a=n5\n");
    /* a line cut short names its own line, not the next one */
    CHECK_STR(run("{\"a\":1}\n{\"a\":\n{\"a\":3}\n"), "@1 a=n1\n!2:6\n@3 a=n3\n");
    MSG_HAS("unexpected end of line");
    CHECK_STR(run("{\"a\":1}\n{\"a\":\"tru\n{\"a\":3}\n"), "@1 a=n1\n!2:10\n@3 a=n3\n");
    MSG_HAS("the line ends inside it");
    CHECK_STR(run("{\"a\":1}\n{\"a\":1,\n{\"a\":3}\n"), "@1 a=n1\n!2:8\n@3 a=n3\n");
    /* a record spanning lines inside JSON Lines is still read (parsed again across lines) */
    CHECK_STR(run("{\"a\":1}\n{\n  \"b\": [\n    2\n  ]\n}\n{\"c\":3}\n"),
              "@1 a=n1\n@2 b.0=n2\n@7 c=n3\n");
    CHECK_INT(g_stats.errors, 0);
    /* ... but a cut line that the next lines do not complete names its own line */
    CHECK_STR(run("{\"a\":1}\n{\"b\": [\n{\"c\":3}\n{\"d\":4}\n"),
              "@1 a=n1\n!2:8\n@3 c=n3\n@4 d=n4\n");
    MSG_HAS("unexpected end of line: expected a value");
    /* garbage lines are reported one by one */
    CHECK_STR(run("{\"a\":1}\nhello\nworld\n{\"a\":4}\n"), "@1 a=n1\n!2:1\n!3:1\n@4 a=n4\n");
    /* a corrupt first line: the rest still comes out */
    CHECK_STR(run("{\"a\":x}\n{\"a\":2}\n{\"a\":3}\n"), "!1:6\n@2 a=n2\n@3 a=n3\n");
    /* pretty documents: a bad one is skipped up to the next line starting a document */
    CHECK_STR(
        run("{\n  \"a\": 1\n}\n{\n  \"b\": [1,],\n  \"c\": {\"d\": 1}\n}\n{\n  \"e\": 3\n}\n"),
        "@1 a=n1\n!5:11\n@8 e=n3\n");
    /* a document missing its closing brace: the next document still comes out */
    CHECK_STR(run("{\n  \"a\": 1\n}\n{\n  \"b\": 2\n{\n  \"e\": 3\n}\n"),
              "@1 a=n1\n!6:1\n@6 e=n3\n");
    /* arrays: a bad element is skipped, the next one read */
    CHECK_STR(run("[{\"a\":1},{\"b\":tru},{\"c\":3}]"), "@1 a=n1\n!1:15\n@1 c=n3\n");
    CHECK_STR(run("[{\"a\":1},{\"b\":{\"x\":[1,}},{\"c\":3}]"), "@1 a=n1\n!1:23\n@1 c=n3\n");
    CHECK_STR(run("[{\"a\":1},{\"b\":\"}]\"x},{\"c\":3}]"), "@1 a=n1\n!1:19\n@1 c=n3\n");
    /* skipping a bad element respects strings (escaped quotes, brackets inside) and lines */
    CHECK_STR(run("[\n {\"a\": \"x\\\"}]\", \"b\": tru},\n {\"c\": 3}\n]"), "!2:22\n@3 c=n3\n");
    CHECK_STR(run("[\n {\"a\": \"unterminated,\n  \"b\": 1},\n {\"c\": 3}\n]"), "!2:22\n@4 c=n3\n");
    /* a closer implies the closers missing before it */
    CHECK_STR(run("[{\"a\":[1}, {\"c\":3}]"), "!1:9\n@1 c=n3\n");
    /* a ']' with no opener in the element closes the array */
    CHECK_STR(run("[{\"a\":1]\n{\"b\":2}"), "!1:8\n@2 b=n2\n");
    /* elements that are not objects */
    CHECK_STR(run("[{\"a\":1},5,\"s\",{\"b\":2}]"), "@1 a=n1\n!1:10\n!1:12\n@1 b=n2\n");
    MSG_HAS("array element 1 is not an object");
    MSG_HAS("array element 2 is not an object");
    /* a missing comma between objects: reported, the object still read */
    CHECK_STR(run("[{\"a\":1} {\"b\":2}]"), "@1 a=n1\n!1:10\n@1 b=n2\n");
    /* something else between elements: the rest of the input is not read */
    CHECK_STR(run("[{\"a\":1} x {\"b\":2}]\n{\"c\":3}"), "@1 a=n1\n!1:10\n");
    MSG_HAS("the rest of this input is not read");
    /* trailing comma, unclosed array */
    CHECK_STR(run("[{\"a\":1},]"), "@1 a=n1\n!1:10\n");
    MSG_HAS("trailing comma");
    CHECK_STR(run("[{\"a\":1}"), "@1 a=n1\n!1:9\n");
    MSG_HAS("expected ']' to close the array opened at line 1, column 1");
    CHECK_STR(run("[{\"a\":1},"), "@1 a=n1\n!1:10\n");
    /* record ordinals count bad records too */
    CHECK_INT(g_stats.records, 1);
}

/* ---- limits ------------------------------------------------------------------------------------
 */

static void test_limits(void)
{
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);
    CHECK_INT(o.max_depth, 64);
    CHECK_INT(o.max_record, 16u << 20);
    /* depth: 64 levels pass, 65 do not */
    char doc[400];
    size_t n = 0;
    for (int i = 0; i < 63; i++) n += (size_t)sprintf(doc + n, "{\"a\":");
    n += (size_t)sprintf(doc + n, "[1]");
    for (int i = 0; i < 63; i++) doc[n++] = '}';
    doc[n] = '\0';
    run_n(doc, n, NULL);
    CHECK_INT(g_stats.events, 1);
    CHECK_INT(g_stats.errors, 0);
    CHECK(strstr(g_tr.data, "a.a.a.0=n1") != NULL);
    n = 0;
    for (int i = 0; i < 64; i++) n += (size_t)sprintf(doc + n, "{\"a\":");
    n += (size_t)sprintf(doc + n, "[1]");
    for (int i = 0; i < 64; i++) doc[n++] = '}';
    doc[n++] = '\n';
    n += (size_t)sprintf(doc + n, "{\"ok\":1}\n");
    doc[n] = '\0';
    run_n(doc, n, NULL);
    CHECK_INT(g_stats.events, 1);
    CHECK_INT(g_stats.errors, 1);
    MSG_HAS("nesting deeper than 64 levels");
    CHECK(strstr(g_tr.data, "!1:321\n@2 ok=n1\n") != NULL);
    /* a smaller depth limit */
    o.max_depth = 2;
    run_o("{\"a\":{\"b\":1}}\n{\"a\":{\"b\":{\"c\":1}}}\n{\"z\":[[1]]}\n", &o);
    CHECK_STR(g_tr.data, "@1 a.b=n1\n!2:11\n!3:7\n");

    /* record size: a record over the limit is skipped with an error, the next one read */
    ward_decode_opts_default(&o);
    o.max_record = 64;
    char big[512];
    n = (size_t)sprintf(big, "{\"a\":1}\n{\"b\":\"");
    for (int i = 0; i < 200; i++) big[n++] = 'x';
    n += (size_t)sprintf(big + n, "\"}\n{\"c\":3}\n");
    run_n(big, n, &o);
    CHECK_STR(g_tr.data, "@1 a=n1\n!2:1\n@3 c=n3\n");
    MSG_HAS("record larger than 64 bytes");
    /* the same in pretty and array form */
    n = (size_t)sprintf(big, "{\n\"a\":1\n}\n{\n\"b\":\"");
    for (int i = 0; i < 200; i++) big[n++] = 'x';
    n += (size_t)sprintf(big + n, "\"\n}\n{\n\"c\":3\n}\n");
    run_n(big, n, &o);
    CHECK_STR(g_tr.data, "@1 a=n1\n!4:1\n@7 c=n3\n");
    n = (size_t)sprintf(big, "[{\"a\":1},{\"b\":\"");
    for (int i = 0; i < 200; i++) big[n++] = 'x';
    n += (size_t)sprintf(big + n, "\"},{\"c\":3}]");
    run_n(big, n, &o);
    CHECK_STR(g_tr.data, "@1 a=n1\n!1:10\n@1 c=n3\n");

    /* field count */
    ward_decode_opts_default(&o);
    o.max_fields = 3;
    run_o("{\"a\":1,\"b\":2,\"c\":3}\n{\"a\":1,\"b\":2,\"c\":3,\"d\":4}\n{\"e\":5}\n", &o);
    CHECK_STR(g_tr.data, "@1 a=n1 b=n2 c=n3\n!2:1\n@3 e=n5\n");
    MSG_HAS("more than 3 fields");

    /* a large record across many refills and buffer growth */
    size_t bign = 300000;
    char *huge = malloc(bign + 64);
    CHECK(huge != NULL);
    if (huge) {
        size_t k = (size_t)sprintf(huge, "{\"v\":[");
        int items = 0;
        while (k < bign) {
            k += (size_t)sprintf(huge + k, "%s\"item\\t%d\"", items ? "," : "", items);
            items++;
        }
        k += (size_t)sprintf(huge + k, "]}\n{\"end\":true}\n");
        for (size_t chunk = 1000; chunk <= 1000000; chunk *= 1000) {
            run_opts(huge, k, chunk, NULL);
            CHECK_INT(g_stats.events, 2);
            CHECK_INT(g_stats.errors, 0);
            char want[64];
            snprintf(want, sizeof want, " v.%d=sitem\\x09%d\n@2 end=btrue\n", items - 1, items - 1);
            CHECK(strstr(g_tr.data, want) != NULL);
        }
        free(huge);
    }
}

/* ---- the writer and escaping ---------------------------------------------------------------- */

static void test_writer(void)
{
    struct ward_buf b;
    ward_buf_init(&b, 0);
    /* escaping: quotes, backslash, control characters, invalid UTF-8 */
    CHECK_INT(ward_json_put_str(&b, "a\"b\\c\n\t\001\x1f/\x7f", 11), 0);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/\x7f\"");
    ward_buf_reset(&b);
    CHECK_INT(ward_json_put_str(&b, "\xc3\xa9\xff\xf0\x9f\x98\x80\xc3", 8), 0);
    CHECK_STR(b.data, "\"\xc3\xa9\xef\xbf\xbd\xf0\x9f\x98\x80\xef\xbf\xbd\"");
    ward_buf_reset(&b);

    /* the writer: nesting and commas */
    struct ward_jw w;
    ward_jw_init(&w, &b);
    ward_jw_obj(&w);
    ward_jw_key(&w, "s");
    ward_jw_str(&w, "x\"y");
    ward_jw_key(&w, "n");
    ward_jw_int(&w, -42);
    ward_jw_key(&w, "u");
    ward_jw_uint(&w, 18446744073709551615ull);
    ward_jw_key(&w, "d");
    ward_jw_double(&w, 0.5);
    ward_jw_key(&w, "a");
    ward_jw_arr(&w);
    ward_jw_bool(&w, 1);
    ward_jw_bool(&w, 0);
    ward_jw_null(&w);
    ward_jw_obj(&w);
    ward_jw_end(&w);
    ward_jw_end(&w);
    ward_jw_key(&w, "r");
    ward_jw_raw(&w, "[1]", 3);
    ward_jw_end(&w);
    CHECK_INT(ward_jw_error(&w), 0);
    CHECK_STR(b.data,
              "{\"s\":\"x\\\"y\",\"n\":-42,\"u\":18446744073709551615,\"d\":0.5,\"a\":[true,"
              "false,null,{}],\"r\":[1]}");
    /* what the writer produced, the reader reads */
    CHECK_STR(run(b.data),
              "@1 s=sx\"y n=n-42 u=n18446744073709551615 d=n0.5 a.0=btrue a.1=bfalse a.2=z "
              "a.3=z r.0=n1\n");
    /* too many ends is an error */
    ward_buf_reset(&b);
    ward_jw_init(&w, &b);
    ward_jw_end(&w);
    CHECK(ward_jw_error(&w) != 0);

    /* unescape: all escapes, and the position of the first invalid one */
    char out[64];
    size_t part = 0;
    CHECK_INT(ward_json_unescape("a\\nb\\u00e9", 10, out, &part), 5);
    CHECK_MEM(out, 5, "a\nb\xc3\xa9");
    long bad = ward_json_unescape("ab\\qc", 5, out, &part);
    CHECK_INT(bad, -3);
    CHECK_MEM(out, part, "ab\\qc");
    /* long runs (copied 16 bytes at a time) with escapes at every offset, against the
     * byte-by-byte meaning of the simple escapes */
    for (size_t at = 0; at < 40; at++) {
        char in[64], want[64], got[64];
        size_t ni = 0, nw = 0;
        for (size_t j = 0; j < 44; j++) {
            if (j == at || j == at + 17) {
                in[ni++] = '\\';
                in[ni++] = j == at ? '\\' : 't';
                want[nw++] = j == at ? '\\' : '\t';
            } else {
                in[ni++] = (char)('a' + j % 26);
                want[nw++] = (char)('a' + j % 26);
            }
        }
        want[nw] = '\0';
        memset(got, 0x55, sizeof got);
        CHECK_INT(ward_json_unescape(in, ni, got, &part), (long)nw);
        CHECK_MEM(got, nw, want);
    }

    /* round trip: every byte value through put_str and back through the reader */
    char all[256 * 2];
    size_t n = 0;
    for (int c = 1; c < 128; c++) all[n++] = (char)c;
    memcpy(all + n, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9);
    n += 9;
    ward_buf_reset(&b);
    if (ward_buf_puts(&b, "{\"k\":") || ward_json_put_str(&b, all, n) || ward_buf_puts(&b, "}"))
        abort();
    {
        struct ward_err err;
        ward_err_clear(&err);
        struct ward_stream *s;
        CHECK_INT(ward_stream_open_mem(&s, b.data, b.len, "rt", &err), 0);
        struct ward_json_reader *r;
        CHECK_INT(ward_json_reader_open(&r, s, NULL, &err), 0);
        struct ward_event ev;
        CHECK_INT(ward_event_init(&ev, NULL), 0);
        ward_event_reset(&ev);
        CHECK_INT(ward_json_reader_next(r, &ev, &err), 1);
        CHECK_INT(ev.nfields, 1);
        if (ev.nfields == 1) {
            struct ward_str v;
            CHECK_INT(ward_event_value(&ev, &ev.fields[0], &v), 0);
            CHECK(v.len == n && memcmp(v.ptr, all, n) == 0);
            CHECK(!(ev.fields[0].flags & WARD_F_BADUTF8));
        }
        /* and the event written back out reads the same again */
        struct ward_buf o2;
        ward_buf_init(&o2, 0);
        ward_jw_init(&w, &o2);
        CHECK_INT(ward_json_write_event(&w, &ev, 0), 0);
        CHECK(o2.len == b.len && memcmp(o2.data, b.data, b.len) == 0);
        ward_buf_free(&o2);
        ward_event_free(&ev);
        ward_json_reader_free(r);
        ward_stream_close(s);
    }
    /* write_event keeps types: numbers, booleans, nulls */
    const char *doc = "{\"n\":-1.5e3,\"b\":false,\"z\":null,\"s\":\"a\\\\b\",\"e\":{}}";
    run(doc);
    {
        struct ward_err err;
        ward_err_clear(&err);
        struct ward_stream *s;
        CHECK_INT(ward_stream_open_mem(&s, doc, strlen(doc), "rt2", &err), 0);
        struct ward_json_reader *r;
        CHECK_INT(ward_json_reader_open(&r, s, NULL, &err), 0);
        struct ward_event ev;
        CHECK_INT(ward_event_init(&ev, NULL), 0);
        ward_event_reset(&ev);
        CHECK_INT(ward_json_reader_next(r, &ev, &err), 1);
        ward_buf_reset(&b);
        ward_jw_init(&w, &b);
        CHECK_INT(ward_json_write_event(&w, &ev, 0), 0);
        CHECK_STR(b.data, "{\"n\":-1.5e3,\"b\":false,\"z\":null,\"s\":\"a\\\\b\",\"e\":null}");
        ward_event_free(&ev);
        ward_json_reader_free(r);
        ward_stream_close(s);
    }
    ward_buf_free(&b);
}

/* ---- flattening JSON held in memory ------------------------------------------------------- */

static const char *flat_fields(struct ward_event *ev)
{
    ward_buf_reset(&g_tr);
    if (ward_buf_puts(&g_tr, "")) abort();
    for (uint32_t i = 0; i < ev->nfields; i++) {
        struct ward_field *f = &ev->fields[i];
        struct ward_str v;
        if (ward_event_value(ev, f, &v)) abort();
        if (ward_buf_printf(&g_tr, "%s%s=", i ? " " : "", ward_field_key(ev, f))) abort();
        put_val(&g_tr, v.ptr, v.len);
    }
    return g_tr.data;
}

static void test_flatten_mem(void)
{
    struct ward_event ev;
    struct ward_err err;
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    char json[64];
    strcpy(json, "{\"a\":{\"b\":\"x\\ty\"},\"c\":[1,{}]}");
    ward_err_clear(&err);
    CHECK_INT(ward_json_flatten(&ev, json, strlen(json), NULL, NULL, &err), 0);
    memset(json, 'Z', sizeof json); /* the event does not point into the caller's text */
    CHECK_STR(flat_fields(&ev), "a.b=x\\x09y c.0=1 c.1=");
    /* with a prefix, appended after existing fields; scalars allowed */
    CHECK_INT(
        ward_json_flatten(&ev, " [true, \"s\"] ", strlen(" [true, \"s\"] "), "msg", NULL, &err), 0);
    CHECK_INT(ward_json_flatten(&ev, "42", strlen("42"), "n", NULL, &err), 0);
    CHECK_INT(ward_json_flatten(&ev, "{\"k\":{}}", strlen("{\"k\":{}}"), "o", NULL, &err), 0);
    CHECK_STR(flat_fields(&ev), "a.b=x\\x09y c.0=1 c.1= msg.0=true msg.1=s n=42 o.k=");
    /* errors: line and column within the text */
    ward_event_reset(&ev);
    CHECK_INT(ward_json_flatten(&ev, "{\n \"a\": 01}", strlen("{\n \"a\": 01}"), NULL, NULL, &err),
              WARD_ESYNTAX);
    CHECK_INT(err.line, 2);
    CHECK_INT(err.column, 7);
    CHECK(strstr(err.msg, "leading zeros") != NULL);
    ward_event_reset(&ev);
    CHECK_INT(ward_json_flatten(&ev, "{\"a\":1} x", strlen("{\"a\":1} x"), NULL, NULL, &err),
              WARD_ESYNTAX);
    CHECK(strstr(err.msg, "after the JSON value") != NULL);
    CHECK_INT(err.column, 9);
    ward_event_reset(&ev);
    CHECK_INT(ward_json_flatten(&ev, "[1]", strlen("[1]"), NULL, NULL, &err), WARD_ESYNTAX);
    CHECK_INT(ward_json_flatten(&ev, "  ", strlen("  "), NULL, NULL, &err), WARD_ESYNTAX);
    CHECK_INT(ward_json_flatten(&ev, "{\"a\":", strlen("{\"a\":"), NULL, NULL, &err), WARD_ESYNTAX);
    CHECK(strstr(err.msg, "unexpected end of input") != NULL);
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);
    o.max_depth = 1;
    CHECK_INT(ward_json_flatten(&ev, "{\"a\":{}}", strlen("{\"a\":{}}"), NULL, &o, &err),
              WARD_ESYNTAX);
    o.max_record = 4;
    CHECK_INT(ward_json_flatten(&ev, "{\"a\":1}", strlen("{\"a\":1}"), NULL, &o, &err),
              WARD_ELIMIT);
    ward_event_free(&ev);
}

/* ---- the decoder row --------------------------------------------------------------------- */

static void test_decoder(void)
{
    const struct ward_decoder *d = ward_decoder_find("json");
    CHECK(d != NULL);
    if (!d) return;
    CHECK_INT(d->probe((const unsigned char *)"{\"a\":1}", 7), 50);
    CHECK_INT(d->probe((const unsigned char *)"\xEF\xBB\xBF\n  {\n \"a\"", 12), 50);
    CHECK_INT(d->probe((const unsigned char *)"[{\"a\":1}]", 9), 50);
    CHECK_INT(d->probe((const unsigned char *)"[ ]", 3), 50);
    CHECK(d->probe((const unsigned char *)"[2024-01-01] hello", 18) < 50);
    CHECK_INT(d->probe((const unsigned char *)"Jan  1 host sshd", 16), 0);
    CHECK_INT(d->probe((const unsigned char *)"", 0), 0);
    CHECK(ward_decoder_detect((const unsigned char *)"{\"a\":1}", 7) == d);
}

/* ---- the key cache: the reader's fields and ids equal those of ward_json_flatten ---------- */

/* Reads text (reads of chunk bytes) with a field registry; every event must have the fields
 * of its record flattened alone (flatten does not use the key cache), with the registry's
 * ids. Returns the count of events. */
static int cache_run(const char *text, size_t n, size_t chunk, const struct ward_intern *reg)
{
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    if (ward_stream_open_mem(&s, text, n, "kc.json", &err)) abort();
    struct ward_json_reader *r;
    if (ward_json_reader_open(&r, s, NULL, &err)) abort();
    if (chunk) ward_json_reader_set_chunk(r, chunk);
    struct ward_event ev, ev2;
    if (ward_event_init(&ev, reg) || ward_event_init(&ev2, reg)) abort();
    int events = 0, same = 1;
    for (;;) {
        ward_event_reset(&ev);
        int k = ward_json_reader_next(r, &ev, &err);
        if (k == 0) break;
        if (k < 0) {
            same = 0;
            continue;
        }
        events++;
        ward_event_reset(&ev2);
        if (ward_json_flatten(&ev2, ev.raw, ev.raw_len, NULL, NULL, &err) ||
            ev2.nfields != ev.nfields) {
            same = 0;
            continue;
        }
        for (uint32_t j = 0; j < ev.nfields; j++) {
            const struct ward_field *a = &ev.fields[j], *b = &ev2.fields[j];
            int64_t id = ward_intern_find(reg, ward_field_key(&ev, a), a->klen);
            same &= a->klen == b->klen &&
                    memcmp(ward_field_key(&ev, a), ward_field_key(&ev2, b), a->klen) == 0 &&
                    ward_field_key(&ev, a)[a->klen] == '\0' && a->id == b->id &&
                    a->id == (id < 0 ? WARD_FIELD_NOID : (uint32_t)id) && a->type == b->type &&
                    a->flags == b->flags && a->vlen == b->vlen &&
                    memcmp(a->val, b->val, a->vlen) == 0;
        }
    }
    CHECK(same);
    ward_event_free(&ev);
    ward_event_free(&ev2);
    ward_json_reader_free(r);
    ward_stream_close(s);
    return events;
}

static void test_key_cache(void)
{
    struct ward_intern reg;
    ward_intern_init(&reg);
    static const char *const keys[] = {"Event.System.EventID",
                                       "a.b",
                                       "a.0",
                                       "k",
                                       "x\"y",
                                       "kA",
                                       "arr.1.z",
                                       "Event.System.EventID.#text",
                                       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
                                       "u7_3",
                                       NULL};
    for (int i = 0; keys[i]; i++) CHECK(ward_intern_add(&reg, keys[i], strlen(keys[i])) >= 0);
    static const char head[] =
        "{\"Event\": {\"System\": {\"EventID\": 1, \"Level\": 4}}, \"a\": {\"b\": \"x\"}, \"k\": "
        "\"v\"}\n"
        "{\"k\": \"v\", \"a\": {\"b\": \"y\"}, \"Event\": {\"System\": {\"Level\": 4, \"EventID\": "
        "2}}}\n"
        "{\"a\": [1, 2], \"x\\\"y\": 1, \"a\": {\"b\": 3}, \"k\" : 1,\"k\":2}\n"
        "{\"arr\": [{\"z\": 1}, {\"z\": 2}, []], \"a\": {}}\n"
        "{\"Event\": {\"System\": {\"EventIDx\": 1, \"EventID\": {\"#text\": 5}}}}\n"
        "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": 1, "
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\": 2}\n"
        "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\": 1, "
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": 2}\n"
        "{\"\xc3\xa9\": 1, \"k\\u0041\": 1, \"kA\": 2, \"k\\u0041\": 3, \"\": {\"\": 1}}\n"
        "{\"Event\":{\"System\":{\"EventID\":7}},\"k\":\"v\"}\n";
    struct ward_buf b;
    ward_buf_init(&b, 0);
    int want = 0;
    for (int round = 0; round < 2; round++) {
        if (ward_buf_puts(&b, head)) abort();
        want += 9;
    }
    /* enough distinct keys to fill the cache (it is emptied between records) */
    for (int rec = 0; rec < 300; rec++) {
        if (ward_buf_puts(&b, "{")) abort();
        for (int i = 0; i < 300; i++)
            if (ward_buf_printf(&b, "%s\"u%d_%d\": {\"v\": %d}", i ? ", " : "", rec, i, i)) abort();
        if (ward_buf_puts(&b, "}\n")) abort();
        want++;
    }
    if (ward_buf_puts(&b, head)) abort();
    want += 9;
    CHECK_INT(cache_run(b.data, b.len, 0, &reg), want);
    CHECK_INT(cache_run(head, strlen(head), 7, &reg), 9);
    CHECK_INT(cache_run(head, strlen(head), 1, &reg), 9);
    ward_buf_free(&b);
    ward_intern_free(&reg);
}

/* A registry freed and another set up at the same address with the same number of names
 * (in another order) during one reader's life: the cached ids must not outlive the first. */
static void test_key_cache_registry(void)
{
    static const char text[] = "{\"a\": {\"b\": 1}, \"k\": 2}\n{\"a\": {\"b\": 3}, \"k\": 4}\n";
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_stream *s;
    struct ward_json_reader *r;
    if (ward_stream_open_mem(&s, text, sizeof text - 1, "kc2.json", &err)) abort();
    if (ward_json_reader_open(&r, s, NULL, &err)) abort();
    struct ward_intern reg;
    for (int round = 0; round < 2; round++) {
        ward_intern_init(&reg);
        const char *first = round ? "k" : "a.b", *second = round ? "a.b" : "k";
        CHECK(ward_intern_add(&reg, first, strlen(first)) == 0);
        CHECK(ward_intern_add(&reg, second, strlen(second)) == 1);
        struct ward_event ev;
        if (ward_event_init(&ev, &reg)) abort();
        CHECK_INT(ward_json_reader_next(r, &ev, &err), 1);
        CHECK_INT((int)ev.nfields, 2);
        if (ev.nfields == 2) {
            CHECK_INT((int)ev.fields[0].id, (int)ward_intern_find(&reg, "a.b", 3));
            CHECK_INT((int)ev.fields[1].id, (int)ward_intern_find(&reg, "k", 1));
        }
        ward_event_free(&ev);
        ward_intern_free(&reg);
    }
    ward_json_reader_free(r);
    ward_stream_close(s);
}

int main(void)
{
    ward_log_set_level(WARD_LOG_ERROR); /* the once-per-file UTF-8 warning */
    ward_buf_init(&g_tr, 0);
    ward_buf_init(&g_msgs, 0);
    test_valid();
    test_invalid();
    test_flatten();
    test_lazy_and_utf8();
    test_framing();
    test_resync();
    test_limits();
    test_writer();
    test_flatten_mem();
    test_decoder();
    test_key_cache();
    test_key_cache_registry();
    ward_buf_free(&g_tr);
    ward_buf_free(&g_msgs);
    return test_done("test_json_reader");
}
