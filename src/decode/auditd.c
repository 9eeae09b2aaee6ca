/*
 * auditd.c - Linux audit raw logs (/var/log/audit/audit.log): "[node=N ]type=T
 * msg=audit(SECONDS.MILLIS:SERIAL): key=value ...". The records of one event (SYSCALL,
 * EXECVE, CWD, PATH, PROCTITLE ...) share the serial and are joined into one event;
 * hex-encoded values (proctitle, EXECVE arguments, names with spaces ...) are decoded.
 * Logsource: product linux, service auditd.
 *
 * A joined event has every field twice: qualified by its record ("SYSCALL.exe",
 * "EXECVE.a0", "PATH.1.name" when a type occurs more than once), and under its plain name
 * ("exe", "a0", "name") taken from the first record that has it in the order EXECVE,
 * SYSCALL, PATH, then the others -- the values Sigma's auditd rules mean. "type" is the
 * first of those record types; "record_types" lists them all in line order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"

#define MAX_RECORDS_PER_EVENT 1024

struct auditd_state {
    struct text_lines lines;
    struct ward_buf group;   /* the lines of the event being built, NUL-separated */
    struct ward_buf pending; /* the first line of the next event */
    uint64_t group_serial;
    uint64_t group_line, group_offset;
    unsigned group_records;
    int have_group, have_pending;
    uint64_t pending_serial, pending_line, pending_offset;
    int eof;
};

struct rec_head {
    struct ward_str node, type, body;
    uint64_t serial;
    ward_time_t ts;
};

/* Parses "[node=N ]type=T msg=audit(S.M:SERIAL): " */
static int parse_head(struct ward_str l, struct rec_head *h)
{
    const char *p = l.ptr, *end = l.ptr + l.len;
    memset(h, 0, sizeof *h);
    if (end - p > 5 && memcmp(p, "node=", 5) == 0) {
        const char *q = p + 5;
        while (q < end && *q != ' ') q++;
        h->node = ward_str_make(p + 5, (size_t)(q - p - 5));
        p = q;
        while (p < end && *p == ' ') p++;
    }
    if (end - p < 5 || memcmp(p, "type=", 5) != 0) return -1;
    const char *t = p + 5, *q = t;
    while (q < end && *q != ' ') q++;
    h->type = ward_str_make(t, (size_t)(q - t));
    while (q < end && *q == ' ') q++;
    if (end - q < 11 || memcmp(q, "msg=audit(", 10) != 0) return -1;
    q += 10;
    const char *ts = q;
    while (q < end && *q != ':' && *q != ')') q++;
    if (q >= end || *q != ':') return -1;
    if (ward_time_parse(ts, (size_t)(q - ts), &h->ts) != 0) h->ts = WARD_TIME_NONE;
    q++;
    long long serial = text_uint(&q, end, 19);
    if (serial < 0 || q >= end || *q != ')') return -1;
    h->serial = (uint64_t)serial;
    q++;
    if (q < end && *q == ':') q++;
    while (q < end && *q == ' ') q++;
    h->body = ward_str_make(q, (size_t)(end - q));
    return 0;
}

static int is_hex_str(struct ward_str v)
{
    if (v.len < 2 || (v.len & 1)) return 0;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        if (!(text_is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}

/* Fields whose unquoted values are hex-encoded by the kernel or auditd. */
static int encoded_field(struct ward_str type, struct ward_str key)
{
    static const char *const names[] = {
        "proctitle", "cmd",      "comm",     "exe",      "cwd",      "name",  "path",  "data",
        "acct",      "old-acct", "new-acct", "new-name", "old-name", "ocomm", "argc0", NULL};
    if (ward_str_eq_c(type, "EXECVE") && key.len >= 2 && key.ptr[0] == 'a' &&
        text_is_digit(key.ptr[1]))
        return 1;
    for (int i = 0; names[i]; i++)
        if (ward_str_eq_c(key, names[i])) return 1;
    return 0;
}

/* Adds key=val as "PREFIX.key" and, when no record set it yet, as "key". */
static int add_value(struct ward_event *ev, struct ward_str type, struct ward_str prefix,
                     struct ward_str key, struct ward_str val, int quoted, int has_execve)
{
    enum ward_vtype t = WARD_V_STR;
    if (!quoted && encoded_field(type, key) && is_hex_str(val)) {
        size_t n = val.len / 2;
        char *buf = ward_event_alloc(ev, n + 1);
        if (!buf) return WARD_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            char c = (char)(hexval(val.ptr[2 * i]) << 4 | hexval(val.ptr[2 * i + 1]));
            buf[i] = c == '\0' ? ' ' : c; /* argv and proctitle are NUL-separated */
        }
        while (n && buf[n - 1] == ' ') n--;
        buf[n] = '\0';
        val = ward_str_make(buf, n);
    } else if (!quoted && val.len && val.len < 20) {
        size_t i = (val.ptr[0] == '-' && val.len > 1) ? 1 : 0;
        int digits = 1;
        for (; i < val.len; i++)
            if (!text_is_digit(val.ptr[i])) digits = 0;
        if (digits && !(val.len > 1 && val.ptr[0] == '0')) t = WARD_V_NUM;
    }
    char qk[256];
    if (prefix.len + 1 + key.len < sizeof qk) {
        memcpy(qk, prefix.ptr, prefix.len);
        qk[prefix.len] = '.';
        memcpy(qk + prefix.len + 1, key.ptr, key.len);
        int rc = ward_event_add(ev, qk, prefix.len + 1 + key.len, val.ptr, val.len, t, 0);
        if (rc) return rc;
    }
    /* SYSCALL's a0..a3 are raw pointers: a0 means the EXECVE argument when there is one */
    if (has_execve && key.len == 2 && key.ptr[0] == 'a' && text_is_digit(key.ptr[1]) &&
        ward_str_eq_c(type, "SYSCALL"))
        return 0;
    if (ward_event_find(ev, key.ptr, key.len)) return 0;
    return ward_event_add(ev, key.ptr, key.len, val.ptr, val.len, t, 0);
}

/* key=value pairs; values "quoted", 'quoted' (a nested msg) or bare. */
static int add_pairs(struct ward_event *ev, struct ward_str type, struct ward_str prefix,
                     const char *p, const char *end, int depth, int has_execve)
{
    int rc = 0;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\x1d' || *p == ',')) p++;
        if (p >= end) break;
        const char *k = p;
        while (p < end && *p != '=' && *p != ' ' && *p != '\x1d') p++;
        if (p >= end || *p != '=') {
            /* a bare word (e.g. "audit_backlog_limit" messages): skip it */
            while (p < end && *p != ' ' && *p != '\x1d') p++;
            continue;
        }
        struct ward_str key = ward_str_make(k, (size_t)(p - k));
        p++;
        if (key.len == 0) continue;
        if (p < end && (*p == '"' || *p == '\'')) {
            char q = *p++;
            const char *v = p;
            while (p < end && *p != q) p++;
            struct ward_str val = ward_str_make(v, (size_t)(p - v));
            if (p < end) p++;
            if (q == '\'' && ward_str_eq_c(key, "msg") && depth == 0) {
                rc = add_pairs(ev, type, prefix, val.ptr, val.ptr + val.len, 1, has_execve);
            } else {
                rc = add_value(ev, type, prefix, key, val, 1, has_execve);
            }
        } else {
            const char *v = p;
            while (p < end && *p != ' ' && *p != '\x1d') p++;
            rc = add_value(ev, type, prefix, key, ward_str_make(v, (size_t)(p - v)), 0, has_execve);
        }
        if (rc) return rc;
    }
    return 0;
}

static int rank(struct ward_str type)
{
    if (ward_str_eq_c(type, "EXECVE")) return 0;
    if (ward_str_eq_c(type, "SYSCALL")) return 1;
    if (ward_str_eq_c(type, "PATH")) return 2;
    return 3;
}

/* Builds the event from the group buffer (lines separated by NUL). */
static int emit(struct auditd_state *st, struct ward_event *ev)
{
    const char *p = st->group.data, *end = p + st->group.len;
    struct ward_str recs[MAX_RECORDS_PER_EVENT];
    unsigned n = 0;
    while (p < end && n < MAX_RECORDS_PER_EVENT) {
        size_t len = strlen(p);
        recs[n++] = ward_str_make(p, len);
        p += len + 1;
    }
    int rc = 0;
    struct rec_head h;
    ward_time_t ts = WARD_TIME_NONE;
    struct ward_str node = {0};
    /* the record types in line order, for a quick look */
    size_t tl = 0;
    for (unsigned i = 0; i < n; i++)
        if (parse_head(recs[i], &h) == 0) tl += h.type.len + 1;
    char *types = ward_event_alloc(ev, tl + 1);
    if (!types) return WARD_ENOMEM;
    tl = 0;
    for (unsigned i = 0; i < n; i++) {
        if (parse_head(recs[i], &h) != 0) continue;
        if (tl) types[tl++] = ',';
        memcpy(types + tl, h.type.ptr, h.type.len);
        tl += h.type.len;
        if (ts == WARD_TIME_NONE) ts = h.ts;
        if (!node.len) node = h.node;
    }
    types[tl] = '\0';
    int has_execve = 0;
    for (unsigned i = 0; i < n; i++)
        if (parse_head(recs[i], &h) == 0 && ward_str_eq_c(h.type, "EXECVE")) has_execve = 1;
    for (int r = 0; r <= 3 && !rc; r++) {
        for (unsigned i = 0; i < n && !rc; i++) {
            if (parse_head(recs[i], &h) != 0 || rank(h.type) != r) continue;
            if (!ward_event_find(ev, "type", 4)) rc = text_add(ev, "type", h.type, WARD_V_STR);
            /* the record's qualifier: TYPE, or TYPE.k for the k-th record of a repeated type */
            unsigned same = 0, idx = 0;
            struct rec_head o;
            for (unsigned j = 0; j < n; j++) {
                if (parse_head(recs[j], &o) != 0 || !ward_str_eq(o.type, h.type)) continue;
                if (j < i) idx++;
                same++;
            }
            char pre[96];
            int pl = same > 1 ? snprintf(pre, sizeof pre, "%.*s.%u",
                                         (int)(h.type.len > 64 ? 64 : h.type.len), h.type.ptr, idx)
                              : snprintf(pre, sizeof pre, "%.*s",
                                         (int)(h.type.len > 64 ? 64 : h.type.len), h.type.ptr);
            if (!rc)
                rc = add_pairs(ev, h.type, ward_str_make(pre, (size_t)pl), h.body.ptr,
                               h.body.ptr + h.body.len, 0, has_execve);
        }
    }
    if (rc) return rc;
    char serial[24];
    int sl = snprintf(serial, sizeof serial, "%llu", (unsigned long long)st->group_serial);
    if ((rc = ward_event_add_copy(ev, "serial", 6, serial, (size_t)sl, WARD_V_NUM))) return rc;
    if ((rc = text_add(ev, "record_types", ward_str_make(types, tl), WARD_V_STR))) return rc;
    if (node.len && (rc = text_add(ev, "node", node, WARD_V_STR))) return rc;
    ev->ts = ts;
    ev->line = st->group_line;
    ev->offset = st->group_offset;
    ev->product = "linux";
    ev->service = "auditd";
    return 0;
}

static int start_group(struct auditd_state *st, struct ward_str line, uint64_t serial,
                       uint64_t lineno, uint64_t off)
{
    ward_buf_reset(&st->group);
    st->group_serial = serial;
    st->group_line = lineno;
    st->group_offset = off;
    st->group_records = 1;
    st->have_group = 1;
    if (ward_buf_append(&st->group, line.ptr, line.len) || ward_buf_putc(&st->group, '\0'))
        return WARD_ENOMEM;
    return 0;
}

static int auditd_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct auditd_state *st = state;
    if (!st->have_group && st->have_pending) {
        struct ward_str l = ward_str_make(st->pending.data, st->pending.len);
        if (start_group(st, l, st->pending_serial, st->pending_line, st->pending_offset))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        st->have_pending = 0;
    }
    while (!st->eof) {
        struct ward_str line;
        int rc = text_lines_next(&st->lines, &line, err);
        if (rc < 0) {
            if (st->lines.io_error) st->eof = 1;
            return rc;
        }
        if (rc == 0) {
            st->eof = 1;
            break;
        }
        if (line.len == 0) continue;
        struct rec_head h;
        if (parse_head(line, &h) != 0)
            return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno, 0,
                               "not an audit record (expected \"type=... msg=audit(...):\")");
        if (ward_str_eq_c(h.type, "EOE")) {
            if (st->have_group && h.serial == st->group_serial) break;
            continue;
        }
        if (!st->have_group) {
            if (start_group(st, line, h.serial, st->lines.lineno, st->lines.offset))
                return ward_err_set(err, WARD_ENOMEM, "out of memory");
            continue;
        }
        if (h.serial == st->group_serial && st->group_records < MAX_RECORDS_PER_EVENT) {
            st->group_records++;
            if (ward_buf_append(&st->group, line.ptr, line.len) || ward_buf_putc(&st->group, '\0'))
                return ward_err_set(err, WARD_ENOMEM, "out of memory");
            continue;
        }
        /* a new event starts: keep its line for the next call */
        ward_buf_reset(&st->pending);
        if (ward_buf_append(&st->pending, line.ptr, line.len))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        st->pending_serial = h.serial;
        st->pending_line = st->lines.lineno;
        st->pending_offset = st->lines.offset;
        st->have_pending = 1;
        break;
    }
    if (!st->have_group) return 0;
    st->have_group = 0;
    int rc = emit(st, ev);
    if (rc) return ward_err_at(err, rc, st->lines.s->path, st->group_line, 0, "cannot build event");
    return 1;
}

static int probe_line(struct ward_str l)
{
    struct rec_head h;
    return parse_head(l, &h) == 0;
}

static int auditd_probe(const unsigned char *head, size_t n)
{
    if (n < 20 || !(head[0] == 't' || head[0] == 'n')) return 0;
    int total = 0;
    int good = text_probe_lines(head, n, 20, probe_line, &total);
    if (total && good == total) return 80;
    if (good && good * 10 >= total * 8) return 50;
    return 0;
}

static int auditd_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                       struct ward_err *err)
{
    struct auditd_state *st = calloc(1, sizeof *st);
    if (!st || text_lines_init(&st->lines, s, o->max_record)) {
        free(st);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    ward_buf_init(&st->group, o->max_record * 4);
    ward_buf_init(&st->pending, o->max_record + 1);
    *state = st;
    return 0;
}

static void auditd_close(void *state)
{
    struct auditd_state *st = state;
    if (!st) return;
    text_lines_free(&st->lines);
    ward_buf_free(&st->group);
    ward_buf_free(&st->pending);
    free(st);
}

const struct ward_decoder ward_decoder_auditd = {
    "auditd",     "Linux audit raw log, records joined by serial, hex values decoded",
    auditd_probe, auditd_open,
    auditd_next,  auditd_close,
};
