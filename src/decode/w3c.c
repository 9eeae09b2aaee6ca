/*
 * w3c.c - W3C Extended Log File Format, as IIS and web proxies (Blue Coat ProxySG and
 * others) write it: "#Software:", "#Version:", "#Date:" and "#Fields: date time c-ip
 * cs-method ..." directives, then space-separated records ("-" is no value). The field
 * names are the W3C names Sigma's webserver and proxy rules read; cs(User-Agent) is also
 * given as cs-user-agent and c-useragent, cs(Referer) as cs-referer, cs(Cookie) as
 * cs-cookie, cs(Host) as cs-host. Logsource: category proxy when the fields are a proxy's
 * (s-action, cs-uri-scheme, s-hierarchy, r-ip), else webserver. Time from date + time
 * (UTC, as the format says).
 */
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"

#define W3C_MAX_FIELDS 256

struct w3c_state {
    struct text_lines lines;
    struct ward_buf names; /* field names of #Fields, NUL-separated */
    uint32_t off[W3C_MAX_FIELDS];
    unsigned nfields;
    int date_i, time_i; /* indexes of date and time, -1 when absent */
    int proxy;
};

/* Other names for some fields, so that rules written for either spelling match. */
static const char *const aliases[][3] = {
    {"cs(User-Agent)", "cs-user-agent", "c-useragent"},
    {"cs(Referer)", "cs-referer", NULL},
    {"cs(Referrer)", "cs-referer", NULL},
    {"cs(Cookie)", "cs-cookie", NULL},
    {"cs(Host)", "cs-host", NULL},
};

static int directive(struct w3c_state *st, struct ward_str l, struct ward_err *err)
{
    if (!ward_str_starts(l, "#Fields:")) return 0;
    const char *p = l.ptr + 8, *end = l.ptr + l.len;
    ward_buf_reset(&st->names);
    st->nfields = 0;
    st->date_i = st->time_i = -1;
    st->proxy = 0;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        const char *s = p;
        while (p < end && *p != ' ' && *p != '\t') p++;
        if (p == s) break;
        if (st->nfields >= W3C_MAX_FIELDS)
            return ward_err_at(err, WARD_ELIMIT, st->lines.s->path, st->lines.lineno, 0,
                               "#Fields lists more than %d fields", W3C_MAX_FIELDS);
        struct ward_str name = ward_str_make(s, (size_t)(p - s));
        st->off[st->nfields] = (uint32_t)st->names.len;
        if (ward_buf_append(&st->names, s, name.len) || ward_buf_putc(&st->names, '\0'))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        if (ward_str_eq_c(name, "date")) st->date_i = (int)st->nfields;
        if (ward_str_eq_c(name, "time")) st->time_i = (int)st->nfields;
        if (ward_str_eq_c(name, "s-action") || ward_str_eq_c(name, "cs-uri-scheme") ||
            ward_str_eq_c(name, "s-hierarchy") || ward_str_eq_c(name, "r-ip") ||
            ward_str_eq_c(name, "x-virus-id"))
            st->proxy = 1;
        st->nfields++;
    }
    return 0;
}

static struct ward_str value_of(struct ward_event *ev, const char *key)
{
    struct ward_field *f = ward_event_find(ev, key, strlen(key));
    return f ? ward_str_make(f->val, f->vlen) : ward_str_make(NULL, 0);
}

/* Proxies log the URL in parts; Sigma's proxy rules read c-uri, c-uri-stem, c-uri-query
 * and c-uri-extension. */
static int proxy_names(struct ward_event *ev)
{
    struct ward_str path = value_of(ev, "cs-uri-path");
    if (!path.len) path = value_of(ev, "cs-uri-stem");
    struct ward_str query = value_of(ev, "cs-uri-query");
    int rc = 0;
    if (path.len) rc = text_add(ev, "c-uri-stem", path, WARD_V_STR);
    if (!rc && query.len) rc = text_add(ev, "c-uri-query", query, WARD_V_STR);
    const char *seg = path.ptr ? path.ptr + path.len : NULL, *dot = NULL;
    while (seg && seg > path.ptr && seg[-1] != '/') seg--;
    for (const char *q = seg; q && q < path.ptr + path.len; q++)
        if (*q == '.') dot = q;
    if (!rc && dot && dot + 1 < path.ptr + path.len)
        rc = text_add(ev, "c-uri-extension",
                      ward_str_make(dot + 1, (size_t)(path.ptr + path.len - dot - 1)), WARD_V_STR);
    struct ward_str uri = value_of(ev, "cs-uri");
    if (!rc && uri.len) return text_add(ev, "c-uri", uri, WARD_V_STR);
    struct ward_str scheme = value_of(ev, "cs-uri-scheme"), host = value_of(ev, "cs-host");
    struct ward_str port = value_of(ev, "cs-uri-port");
    if (rc || !host.len) return rc;
    size_t n = scheme.len + 3 + host.len + 1 + port.len + path.len + 1 + query.len;
    char *b = ward_event_alloc(ev, n + 1);
    if (!b) return WARD_ENOMEM;
    size_t o = 0;
    if (scheme.len) {
        memcpy(b + o, scheme.ptr, scheme.len);
        o += scheme.len;
        memcpy(b + o, "://", 3);
        o += 3;
    }
    memcpy(b + o, host.ptr, host.len);
    o += host.len;
    int default_port = (port.len == 2 && memcmp(port.ptr, "80", 2) == 0) ||
                       (port.len == 3 && memcmp(port.ptr, "443", 3) == 0);
    if (port.len && !default_port) {
        b[o++] = ':';
        memcpy(b + o, port.ptr, port.len);
        o += port.len;
    }
    if (path.len) {
        memcpy(b + o, path.ptr, path.len);
        o += path.len;
    }
    if (query.len) {
        b[o++] = '?';
        memcpy(b + o, query.ptr, query.len);
        o += query.len;
    }
    b[o] = '\0';
    return ward_event_add(ev, "c-uri", 5, b, o, WARD_V_STR, 0);
}

static int record(struct w3c_state *st, struct ward_event *ev, struct ward_str l,
                  struct ward_err *err)
{
    if (st->nfields == 0)
        return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno, 0,
                           "record before the #Fields directive");
    const char *p = l.ptr, *end = l.ptr + l.len;
    struct ward_str date = {0}, tim = {0};
    unsigned i = 0;
    int rc = 0;
    while (p < end && !rc) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (p >= end) break;
        const char *s;
        struct ward_str v;
        if (*p == '"') {
            /* a quoted value (proxies quote user agents and URLs with spaces) */
            s = ++p;
            while (p < end && *p != '"') p++;
            v = ward_str_make(s, (size_t)(p - s));
            if (p < end) p++;
        } else {
            s = p;
            while (p < end && *p != ' ' && *p != '\t') p++;
            v = ward_str_make(s, (size_t)(p - s));
        }
        if (i >= st->nfields)
            return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno,
                               (uint64_t)(s - l.ptr) + 1,
                               "record has more values than the %u fields of #Fields", st->nfields);
        if ((int)i == st->date_i) date = v;
        if ((int)i == st->time_i) tim = v;
        if (!(v.len == 1 && v.ptr[0] == '-')) {
            const char *key = st->names.data + st->off[i];
            size_t klen = strlen(key);
            rc = text_add_auto(ev, key, klen, v);
            for (size_t a = 0; !rc && a < sizeof aliases / sizeof aliases[0]; a++) {
                if (strcmp(key, aliases[a][0]) != 0) continue;
                for (int k = 1; k < 3 && aliases[a][k] && !rc; k++)
                    rc = text_add(ev, aliases[a][k], v, WARD_V_STR);
            }
        }
        i++;
    }
    if (rc) return ward_err_at(err, rc, st->lines.s->path, st->lines.lineno, 0, "out of memory");
    if (i != st->nfields)
        return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno, 0,
                           "record has %u values, #Fields lists %u", i, st->nfields);
    if (date.len && tim.len && date.len + tim.len < 60) {
        char b[64];
        memcpy(b, date.ptr, date.len);
        b[date.len] = 'T';
        memcpy(b + date.len + 1, tim.ptr, tim.len);
        if (ward_time_parse(b, date.len + 1 + tim.len, &ev->ts) != 0) ev->ts = WARD_TIME_NONE;
    }
    ev->category = st->proxy ? "proxy" : "webserver";
    return st->proxy ? proxy_names(ev) : 0;
}

static int w3c_probe(const unsigned char *head, size_t n)
{
    struct ward_str l = text_first_line(head, n);
    if (!(ward_str_starts(l, "#Software:") || ward_str_starts(l, "#Version:") ||
          ward_str_starts(l, "#Fields:") || ward_str_starts(l, "#Date:") ||
          ward_str_starts(l, "#Remark:") || ward_str_starts(l, "#Start-Date:")))
        return 0;
    /* a #Fields directive in the head */
    const char *p = (const char *)head;
    size_t lim = n < 8192 ? n : 8192;
    for (size_t i = 0; i + 8 <= lim; i++)
        if (p[i] == '#' && (i == 0 || p[i - 1] == '\n') && memcmp(p + i, "#Fields:", 8) == 0)
            return 85;
    return 40;
}

static int w3c_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                    struct ward_err *err)
{
    struct w3c_state *st = calloc(1, sizeof *st);
    if (!st || text_lines_init(&st->lines, s, o->max_record)) {
        free(st);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    ward_buf_init(&st->names, 1u << 16);
    st->date_i = st->time_i = -1;
    *state = st;
    return 0;
}

static int w3c_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct w3c_state *st = state;
    for (;;) {
        struct ward_str l;
        int rc = text_lines_next(&st->lines, &l, err);
        if (rc <= 0) return rc;
        if (l.len == 0) continue;
        if (l.ptr[0] == '#') {
            rc = directive(st, l, err);
            if (rc) return rc;
            continue;
        }
        ev->line = st->lines.lineno;
        ev->offset = st->lines.offset;
        ev->raw = l.ptr;
        ev->raw_len = l.len;
        rc = record(st, ev, l, err);
        return rc < 0 ? rc : 1;
    }
}

static void w3c_close(void *state)
{
    struct w3c_state *st = state;
    if (!st) return;
    text_lines_free(&st->lines);
    ward_buf_free(&st->names);
    free(st);
}

const struct ward_decoder ward_decoder_w3c = {
    "w3c",     "W3C extended log format (IIS, web proxies such as Blue Coat)",
    w3c_probe, w3c_open,
    w3c_next,  w3c_close,
};
