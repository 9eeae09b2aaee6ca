/*
 * leef.c - IBM QRadar Log Event Extended Format, one event a line, with or without a syslog
 * header: "LEEF:1.0|Vendor|Product|Version|EventID|k=v<TAB>k=v" and LEEF 2.0, which adds a
 * delimiter field after EventID ("^", "x09", "0x7C" ...). Header fields unescape \|; values
 * unescape \<delimiter>, \\, \n. devTime with devTimeFormat (or epoch) gives the event time.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"

static const char *find_leef(struct ward_str l)
{
    const char *end = l.ptr + l.len;
    size_t lim = l.len < 1024 ? l.len : 1024;
    const char *p = l.ptr, *last = l.ptr + lim;
    while (p < last) {
        const char *c = memchr(p, 'L', (size_t)(last - p));
        if (!c || end - c < 9) return NULL;
        if (memcmp(c, "LEEF:", 5) == 0 && text_is_digit(c[5])) {
            const char *q = c + 5;
            while (q < end && (text_is_digit(*q) || *q == '.')) q++;
            if (q < end && *q == '|') return c;
        }
        p = c + 1;
    }
    return NULL;
}

static int hexdig(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* LEEF 2.0 delimiter spec: one character, or x09 / 0x09 / X09 in hex. */
static int parse_delim(struct ward_str s, char *out)
{
    if (s.len == 1) {
        *out = s.ptr[0];
        return 0;
    }
    const char *p = s.ptr;
    size_t n = s.len;
    if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        n -= 2;
    } else if (n >= 1 && (p[0] == 'x' || p[0] == 'X')) {
        p++;
        n--;
    } else {
        return -1;
    }
    if (n < 1 || n > 4) return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = hexdig(p[i]);
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    if (v <= 0 || v > 255) return -1;
    *out = (char)v;
    return 0;
}

static int unescape(struct ward_event *ev, struct ward_str s, struct ward_str *out)
{
    if (!memchr(s.ptr, '\\', s.len)) {
        *out = s;
        return 0;
    }
    char *buf = ward_event_alloc(ev, s.len + 1);
    if (!buf) return WARD_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '\\' && i + 1 < s.len) {
            char d = s.ptr[i + 1];
            if (d == 'n')
                c = '\n', i++;
            else if (d == 't')
                c = '\t', i++;
            else if (d == '\\' || d == '|' || d == '=' || d == '^' ||
                     !((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || text_is_digit(d)))
                c = d, i++;
        }
        buf[o++] = c;
    }
    buf[o] = '\0';
    *out = ward_str_make(buf, o);
    return 0;
}

/* "Mmm dd yyyy HH:mm:ss[.SSS]" (the usual devTimeFormat) or what ward_time_parse knows. */
static int parse_dev_time(struct ward_str v, ward_time_t *out)
{
    if (ward_time_parse(v.ptr, v.len, out) == 0) return 0;
    const char *p = v.ptr, *end = v.ptr + v.len;
    if (v.len < 20) return -1;
    int mon = text_month(p);
    if (!mon || p[3] != ' ') return -1;
    p += 4;
    long long day = text_uint(&p, end, 2);
    if (day < 1 || p >= end || *p++ != ' ') return -1;
    long long year = text_uint(&p, end, 4);
    if (year < 1970 || p >= end || *p++ != ' ') return -1;
    long long hh = text_uint(&p, end, 2);
    if (hh < 0 || p >= end || *p++ != ':') return -1;
    long long mm = text_uint(&p, end, 2);
    if (mm < 0 || p >= end || *p++ != ':') return -1;
    long long ss = text_uint(&p, end, 2);
    if (ss < 0) return -1;
    long long ms = 0;
    if (p < end && *p == '.') {
        p++;
        ms = text_uint(&p, end, 3);
        if (ms < 0) ms = 0;
    }
    int64_t days = ward_days_from_civil(year, (unsigned)mon, (unsigned)day);
    *out = ((days * 86400 + hh * 3600 + mm * 60 + ss) * 1000 + ms) * 1000000LL;
    return 0;
}

static int decode_line(struct ward_event *ev, struct ward_str l, struct ward_err *err,
                       const char *path, uint64_t lineno)
{
    const char *c = find_leef(l);
    if (!c)
        return ward_err_at(err, WARD_ESYNTAX, path, lineno, 0,
                           "not a LEEF record (expected \"LEEF:1.0|\" or \"LEEF:2.0|\")");
    const char *end = l.ptr + l.len;
    int rc = 0;
    if (c > l.ptr) {
        struct ward_str hdr = text_trim(ward_str_make(l.ptr, (size_t)(c - l.ptr)));
        if (hdr.len && (rc = text_add(ev, "syslog_header", hdr, WARD_V_STR))) return rc;
    }
    const char *p = c + 5;
    int v2 = p[0] == '2';
    static const char *const names[6] = {"leefVersion", "vendor",  "product",
                                         "version",     "eventId", "delimiter"};
    int nh = v2 ? 6 : 5;
    char delim = '\t';
    for (int i = 0; i < nh; i++) {
        const char *s = p;
        while (p < end && *p != '|') {
            if (*p == '\\' && p + 1 < end) p++;
            p++;
        }
        if (p >= end && i < nh - 1)
            return ward_err_at(err, WARD_ESYNTAX, path, lineno, (uint64_t)(p - l.ptr) + 1,
                               "LEEF header has %d of %d fields", i + 1, nh);
        struct ward_str raw = ward_str_make(s, (size_t)(p - s));
        if (i == 5) {
            if (raw.len && parse_delim(raw, &delim) != 0)
                return ward_err_at(err, WARD_ESYNTAX, path, lineno, (uint64_t)(s - l.ptr) + 1,
                                   "bad LEEF 2.0 delimiter '%.*s'",
                                   (int)(raw.len > 8 ? 8 : raw.len), raw.ptr);
        }
        struct ward_str v;
        if ((rc = unescape(ev, raw, &v))) return rc;
        if ((rc = text_add(ev, names[i], v, i == 0 ? WARD_V_NUM : WARD_V_STR))) return rc;
        if (p < end) p++;
    }
    /* attributes: key=value separated by the delimiter */
    struct ward_str dev_time = {0}, dev_fmt = {0};
    while (p < end) {
        const char *s = p;
        while (p < end && *p != delim) {
            if (*p == '\\' && p + 1 < end) p++;
            p++;
        }
        struct ward_str pair = ward_str_make(s, (size_t)(p - s));
        if (p < end) p++;
        const char *eq = memchr(pair.ptr, '=', pair.len);
        if (!eq) continue;
        struct ward_str key = text_trim(ward_str_make(pair.ptr, (size_t)(eq - pair.ptr)));
        if (!key.len) continue;
        struct ward_str val;
        if ((rc =
                 unescape(ev, ward_str_make(eq + 1, (size_t)(pair.ptr + pair.len - eq - 1)), &val)))
            return rc;
        if ((rc = text_add_auto(ev, key.ptr, key.len, val))) return rc;
        if (ward_str_eq_c(key, "devTime"))
            dev_time = val;
        else if (ward_str_eq_c(key, "devTimeFormat"))
            dev_fmt = val;
    }
    (void)dev_fmt;
    if (dev_time.len) (void)parse_dev_time(dev_time, &ev->ts);
    return 0;
}

static int probe_line(struct ward_str l)
{
    return find_leef(l) != NULL;
}

static int leef_probe(const unsigned char *head, size_t n)
{
    if (n < 10 || head[0] == '{' || head[0] == '[') return 0;
    int total = 0;
    int good = text_probe_lines(head, n, 10, probe_line, &total);
    if (total && good * 10 >= total * 8) return 90;
    return 0;
}

static int leef_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct text_lines *tl = state;
    struct ward_str l;
    int rc = text_line_record(tl, ev, &l, err);
    if (rc <= 0) return rc;
    rc = decode_line(ev, l, err, tl->s->path, tl->lineno);
    if (rc < 0) {
        if (!err->msg[0]) ward_err_at(err, rc, tl->s->path, tl->lineno, 0, "bad LEEF record");
        return rc;
    }
    return 1;
}

const struct ward_decoder ward_decoder_leef = {
    "leef",     "IBM QRadar Log Event Extended Format (LEEF 1.0 and 2.0)",
    leef_probe, text_line_open,
    leef_next,  text_line_close,
};
