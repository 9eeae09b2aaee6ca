/*
 * zeek.c - Zeek (Bro) logs in their native tab-separated form: "#separator \x09",
 * "#set_separator", "#empty_field", "#unset_field", "#path", "#fields" and "#types" header
 * lines, then one record a line. Unset values ("-") are left out, "(empty)" is an empty
 * value, \xHH escapes are decoded, sets and vectors become indexed keys (answers.0,
 * answers.1 ...) as in Zeek's JSON output, numbers and booleans are typed. A header may
 * repeat (concatenated logs). Logsource: product zeek, service = the log's #path (conn,
 * dns, http ...); dns logs are also category dns.
 *
 * The "zeek-json" row reads Zeek's JSON output (LogAscii::use_json, one object a line with
 * "ts", "uid", "id.orig_h" ... and often "_path") with the zero-copy JSON reader and gives it
 * the same logsource; the service comes from "_path", else from the file name (conn.log,
 * dns.json.gz ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"
#include "ward/json_reader.h"

#define ZEEK_MAX_FIELDS 1024

enum ztype { Z_STR, Z_NUM, Z_TIME, Z_BOOL, Z_LIST };

struct zeek_state {
    struct text_lines lines;
    char sep, set_sep;
    char empty[32], unset[32];
    char path[64];
    const char *service;   /* static name or path[] */
    struct ward_buf names; /* field names, NUL-separated */
    uint32_t name_off[ZEEK_MAX_FIELDS];
    uint8_t type[ZEEK_MAX_FIELDS];
    unsigned nfields;
    int have_types;
    int ts_index;
};

static const char *const known_paths[] = {
    "conn",          "dns",
    "http",          "ssl",
    "x509",          "files",
    "smtp",          "ftp",
    "ssh",           "rdp",
    "kerberos",      "ntlm",
    "smb_files",     "smb_mapping",
    "dce_rpc",       "notice",
    "weird",         "dhcp",
    "snmp",          "sip",
    "software",      "pe",
    "tunnel",        "dpd",
    "irc",           "mysql",
    "radius",        "modbus",
    "dnp3",          "socks",
    "syslog",        "ntp",
    "ocsp",          "rfb",
    "known_hosts",   "known_services",
    "known_certs",   "intel",
    "signatures",    "traceroute",
    "capture_loss",  "stats",
    "reporter",      "loaded_scripts",
    "packet_filter", "analyzer",
    "ldap",          "ldap_search",
    "quic",          "websocket",
    "conn_long",     "mqtt_connect",
    "mqtt_publish",  "mqtt_subscribe",
    "smb_cmd",       "ssh_auth",
    "http2",         NULL,
};

/* The Sigma service for a Zeek path: a static string when known, else the state's copy. */
static const char *zeek_service(const char *path, size_t n, char *copy, size_t copysz)
{
    for (int i = 0; known_paths[i]; i++)
        if (strlen(known_paths[i]) == n && memcmp(known_paths[i], path, n) == 0)
            return known_paths[i];
    if (n == 0) return NULL;
    if (n >= copysz) n = copysz - 1;
    memcpy(copy, path, n);
    copy[n] = '\0';
    return copy;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes \xHH escapes (and "\\") into dst; returns the length. dst has room for n. */
static size_t unescape_x(const char *s, size_t n, char *dst)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 3 < n + 0 && s[i + 1] == 'x' && hexv(s[i + 2]) >= 0 &&
            hexv(s[i + 3]) >= 0) {
            dst[o++] = (char)(hexv(s[i + 2]) << 4 | hexv(s[i + 3]));
            i += 3;
        } else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\') {
            dst[o++] = '\\';
            i++;
        } else {
            dst[o++] = s[i];
        }
    }
    return o;
}

static void set_copy(char *dst, size_t dsz, struct ward_str v)
{
    char tmp[64];
    size_t n = v.len < sizeof tmp ? v.len : sizeof tmp - 1;
    n = unescape_x(v.ptr, n, tmp);
    if (n >= dsz) n = dsz - 1;
    memcpy(dst, tmp, n);
    dst[n] = '\0';
}

static enum ztype type_of(struct ward_str t)
{
    if (ward_str_starts(t, "set[") || ward_str_starts(t, "vector[") || ward_str_starts(t, "table["))
        return Z_LIST;
    if (ward_str_eq_c(t, "time")) return Z_TIME;
    if (ward_str_eq_c(t, "count") || ward_str_eq_c(t, "int") || ward_str_eq_c(t, "port") ||
        ward_str_eq_c(t, "double") || ward_str_eq_c(t, "interval"))
        return Z_NUM;
    if (ward_str_eq_c(t, "bool")) return Z_BOOL;
    return Z_STR;
}

/* Splits s by c, calling back for each part; returns the number of parts. */
static unsigned split(struct ward_str s, char c, struct ward_str *parts, unsigned max)
{
    unsigned n = 0;
    const char *p = s.ptr, *end = s.ptr + s.len;
    for (;;) {
        const char *q = memchr(p, c, (size_t)(end - p));
        const char *e = q ? q : end;
        if (n < max) parts[n] = ward_str_make(p, (size_t)(e - p));
        n++;
        if (!q) break;
        p = q + 1;
    }
    return n;
}

static int header_line(struct zeek_state *st, struct ward_str l, struct ward_err *err)
{
    const char *p = l.ptr, *end = l.ptr + l.len;
    if (ward_str_starts(l, "#separator ")) {
        struct ward_str v = ward_str_make(p + 11, (size_t)(end - p - 11));
        char tmp[8];
        size_t n = unescape_x(v.ptr, v.len < 8 ? v.len : 8, tmp);
        if (n != 1)
            return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno, 0,
                               "bad #separator (expected one character such as \\x09)");
        st->sep = tmp[0];
        return 0;
    }
    /* the other header lines use the separator between name and value */
    const char *s = memchr(p, st->sep, l.len);
    struct ward_str name = ward_str_make(p + 1, (size_t)((s ? s : end) - p - 1));
    struct ward_str val = s ? ward_str_make(s + 1, (size_t)(end - s - 1)) : ward_str_make(end, 0);
    if (ward_str_eq_c(name, "set_separator")) {
        char tmp[8];
        size_t n = unescape_x(val.ptr, val.len < 8 ? val.len : 8, tmp);
        if (n == 1) st->set_sep = tmp[0];
    } else if (ward_str_eq_c(name, "empty_field")) {
        set_copy(st->empty, sizeof st->empty, val);
    } else if (ward_str_eq_c(name, "unset_field")) {
        set_copy(st->unset, sizeof st->unset, val);
    } else if (ward_str_eq_c(name, "path")) {
        set_copy(st->path, sizeof st->path, val);
        st->service = zeek_service(st->path, strlen(st->path), st->path, sizeof st->path);
    } else if (ward_str_eq_c(name, "fields")) {
        struct ward_str parts[ZEEK_MAX_FIELDS];
        unsigned n = split(val, st->sep, parts, ZEEK_MAX_FIELDS);
        if (n > ZEEK_MAX_FIELDS)
            return ward_err_at(err, WARD_ELIMIT, st->lines.s->path, st->lines.lineno, 0,
                               "#fields lists %u fields, more than %d", n, ZEEK_MAX_FIELDS);
        ward_buf_reset(&st->names);
        st->ts_index = -1;
        for (unsigned i = 0; i < n; i++) {
            st->name_off[i] = (uint32_t)st->names.len;
            if (ward_buf_append(&st->names, parts[i].ptr, parts[i].len) ||
                ward_buf_putc(&st->names, '\0'))
                return ward_err_set(err, WARD_ENOMEM, "out of memory");
            st->type[i] = Z_STR;
            if (ward_str_eq_c(parts[i], "ts")) st->ts_index = (int)i;
        }
        st->nfields = n;
        st->have_types = 0;
    } else if (ward_str_eq_c(name, "types")) {
        struct ward_str parts[ZEEK_MAX_FIELDS];
        unsigned n = split(val, st->sep, parts, ZEEK_MAX_FIELDS);
        for (unsigned i = 0; i < n && i < st->nfields; i++)
            st->type[i] = (uint8_t)type_of(parts[i]);
        st->have_types = 1;
    }
    return 0;
}

static int add_value(struct zeek_state *st, struct ward_event *ev, const char *key, size_t klen,
                     struct ward_str v, enum ztype t)
{
    if (memchr(v.ptr, '\\', v.len)) {
        char *buf = ward_event_alloc(ev, v.len + 1);
        if (!buf) return WARD_ENOMEM;
        size_t n = unescape_x(v.ptr, v.len, buf);
        buf[n] = '\0';
        v = ward_str_make(buf, n);
    }
    switch (t) {
    case Z_NUM:
    case Z_TIME: return ward_event_add(ev, key, klen, v.ptr, v.len, WARD_V_NUM, 0);
    case Z_BOOL:
        if (v.len == 1 && (v.ptr[0] == 'T' || v.ptr[0] == 'F'))
            v = v.ptr[0] == 'T' ? WARD_STR("true") : WARD_STR("false");
        return ward_event_add(ev, key, klen, v.ptr, v.len, WARD_V_BOOL, 0);
    default: (void)st; return ward_event_add(ev, key, klen, v.ptr, v.len, WARD_V_STR, 0);
    }
}

static int data_line(struct zeek_state *st, struct ward_event *ev, struct ward_str l,
                     struct ward_err *err)
{
    if (st->nfields == 0)
        return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno, 0,
                           "record before the #fields header");
    const char *p = l.ptr, *end = l.ptr + l.len;
    unsigned i = 0;
    int rc = 0;
    size_t elen = strlen(st->empty), ulen = strlen(st->unset);
    for (;;) {
        const char *q = memchr(p, st->sep, (size_t)(end - p));
        const char *e = q ? q : end;
        if (i >= st->nfields)
            return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno, 0,
                               "record has more values than the %u fields of #fields", st->nfields);
        struct ward_str v = ward_str_make(p, (size_t)(e - p));
        const char *key = st->names.data + st->name_off[i];
        size_t klen = strlen(key);
        enum ztype t = (enum ztype)st->type[i];
        if (v.len == ulen && memcmp(v.ptr, st->unset, ulen) == 0) {
            /* unset: left out */
        } else if (v.len == elen && memcmp(v.ptr, st->empty, elen) == 0) {
            if (t != Z_LIST) rc = ward_event_add(ev, key, klen, "", 0, WARD_V_STR, 0);
        } else if (t == Z_LIST) {
            const char *a = v.ptr, *ve = v.ptr + v.len;
            unsigned k = 0;
            char kb[300];
            for (;;) {
                const char *b = memchr(a, st->set_sep, (size_t)(ve - a));
                const char *be = b ? b : ve;
                int kl =
                    snprintf(kb, sizeof kb, "%.*s.%u", (int)(klen > 256 ? 256 : klen), key, k++);
                rc = add_value(st, ev, kb, (size_t)kl, ward_str_make(a, (size_t)(be - a)), Z_STR);
                if (rc || !b) break;
                a = b + 1;
            }
        } else {
            rc = add_value(st, ev, key, klen, v, t);
            if (!rc && (int)i == st->ts_index && ward_time_parse(v.ptr, v.len, &ev->ts) != 0)
                ev->ts = WARD_TIME_NONE;
        }
        if (rc) return rc;
        i++;
        if (!q) break;
        p = q + 1;
    }
    if (i != st->nfields)
        return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno, 0,
                           "record has %u values, #fields lists %u", i, st->nfields);
    ev->product = "zeek";
    ev->service = st->service;
    if (st->service && strcmp(st->service, "dns") == 0) ev->category = "dns";
    return 0;
}

static int zeek_probe(const unsigned char *head, size_t n)
{
    if (n >= 12 && memcmp(head, "#separator ", 11) == 0) return 95;
    /* a fragment whose header starts with #fields */
    struct ward_str l = text_first_line(head, n);
    if (ward_str_starts(l, "#fields\t")) return 80;
    return 0;
}

static int zeek_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                     struct ward_err *err)
{
    struct zeek_state *st = calloc(1, sizeof *st);
    if (!st || text_lines_init(&st->lines, s, o->max_record)) {
        free(st);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    st->sep = '\t';
    st->set_sep = ',';
    strcpy(st->empty, "(empty)");
    strcpy(st->unset, "-");
    st->ts_index = -1;
    ward_buf_init(&st->names, 1u << 20);
    /* logs without #path: the service from the file name (conn.log, dns.2024-01-02.log) */
    if (s->path) {
        const char *b = strrchr(s->path, '/');
        b = b ? b + 1 : s->path;
        size_t n = strcspn(b, ".");
        if (n > 0 && n < sizeof st->path) {
            memcpy(st->path, b, n);
            st->path[n] = '\0';
            st->service = zeek_service(st->path, n, st->path, sizeof st->path);
            if (st->service == st->path) st->service = NULL; /* not a Zeek log name */
        }
    }
    *state = st;
    return 0;
}

static int zeek_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct zeek_state *st = state;
    for (;;) {
        struct ward_str l;
        int rc = text_lines_next(&st->lines, &l, err);
        if (rc <= 0) return rc;
        if (l.len == 0) continue;
        if (l.ptr[0] == '#') {
            rc = header_line(st, l, err);
            if (rc) return rc;
            continue;
        }
        ev->line = st->lines.lineno;
        ev->offset = st->lines.offset;
        ev->raw = l.ptr;
        ev->raw_len = l.len;
        rc = data_line(st, ev, l, err);
        if (rc < 0) {
            if (rc == WARD_ENOMEM) ward_err_set(err, rc, "out of memory");
            return rc;
        }
        return 1;
    }
}

static void zeek_close(void *state)
{
    struct zeek_state *st = state;
    if (!st) return;
    text_lines_free(&st->lines);
    ward_buf_free(&st->names);
    free(st);
}

const struct ward_decoder ward_decoder_zeek = {
    "zeek",     "Zeek (Bro) tab-separated logs with #fields/#types headers",
    zeek_probe, zeek_open,
    zeek_next,  zeek_close,
};

/* ---- Zeek JSON ---- */

struct zeek_json_state {
    struct ward_json_reader *r;
    const char *file_service; /* from the file name, for logs without _path */
    char name[64];
};

static int zeek_json_probe(const unsigned char *head, size_t n)
{
    static const char *const with_path[] = {"\"_path\":", NULL};
    static const char *const conn_like[] = {"\"ts\":", "\"uid\":", "\"id.orig_h\":", NULL};
    if (text_json_head_has(head, n, with_path)) return 70;
    if (text_json_head_has(head, n, conn_like)) return 65;
    return 0;
}

static int zeek_json_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                          struct ward_err *err)
{
    struct zeek_json_state *st = calloc(1, sizeof *st);
    if (!st) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    int rc = ward_json_reader_open(&st->r, s, o, err);
    if (rc) {
        free(st);
        return rc;
    }
    /* "dir/dns.json.gz" or "conn.log" -> dns, conn */
    if (s->path) {
        const char *b = strrchr(s->path, '/');
        b = b ? b + 1 : s->path;
        size_t n = strcspn(b, ".");
        if (n > 0 && n < sizeof st->name)
            st->file_service = zeek_service(b, n, st->name, sizeof st->name);
    }
    *state = st;
    return 0;
}

static int zeek_json_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct zeek_json_state *st = state;
    int rc = ward_json_reader_next(st->r, ev, err);
    if (rc != 1) return rc;
    ev->product = "zeek";
    ev->service = st->file_service;
    struct ward_field *f = ward_event_find(ev, "_path", 5);
    struct ward_str v;
    if (f && ward_event_value(ev, f, &v) == 0) {
        const char *known = NULL;
        for (int i = 0; known_paths[i]; i++)
            if (ward_str_eq_c(v, known_paths[i])) known = known_paths[i];
        ev->service = known;
    }
    if (ev->service && strcmp(ev->service, "dns") == 0) ev->category = "dns";
    /* logs without ts (loaded_scripts, packet_filter) carry the write time */
    if (!ward_event_find(ev, "ts", 2)) {
        struct ward_field *w = ward_event_find(ev, "_write_ts", 9);
        if (w && ward_event_value(ev, w, &v) == 0 && ward_time_parse(v.ptr, v.len, &ev->ts) != 0)
            ev->ts = WARD_TIME_NONE;
    }
    return 1;
}

static void zeek_json_close(void *state)
{
    struct zeek_json_state *st = state;
    if (!st) return;
    ward_json_reader_free(st->r);
    free(st);
}

const struct ward_decoder ward_decoder_zeek_json = {
    "zeek-json",     "Zeek (Bro) JSON logs, one object a line",
    zeek_json_probe, zeek_json_open,
    zeek_json_next,  zeek_json_close,
};
