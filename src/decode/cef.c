/*
 * cef.c - ArcSight Common Event Format, one event a line, with or without a syslog header:
 * "[header ]CEF:0|Vendor|Product|Version|SignatureID|Name|Severity|k=v k=v ...". Header
 * fields unescape \| and \\; extension values unescape \= \\ \n \r and run until the next
 * " key=". Custom fields with labels (cs1Label=User cs1=bob) also appear under their label.
 * No Sigma logsource of its own: the device says what it is (deviceVendor, deviceProduct).
 */
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"

/* Copies s into event memory, resolving backslash escapes (\n, \r become LF, CR). */
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
            char d = s.ptr[++i];
            c = d == 'n' ? '\n' : d == 'r' ? '\r' : d == 't' ? '\t' : d;
        }
        buf[o++] = c;
    }
    buf[o] = '\0';
    *out = ward_str_make(buf, o);
    return 0;
}

/* Where "CEF:<digit>|" starts in the line, or NULL. */
static const char *find_cef(struct ward_str l)
{
    const char *p = l.ptr, *end = l.ptr + l.len;
    size_t lim = l.len < 1024 ? l.len : 1024;
    const char *last = l.ptr + lim;
    while (p + 6 <= end && p < last) {
        const char *c = memchr(p, 'C', (size_t)(last - p));
        if (!c || c + 6 > end) return NULL;
        if (memcmp(c, "CEF:", 4) == 0 && text_is_digit(c[4])) {
            const char *q = c + 4;
            while (q < end && (text_is_digit(*q) || *q == '.')) q++;
            if (q < end && *q == '|') return c;
        }
        p = c + 1;
    }
    return NULL;
}

static int ext_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || text_is_digit(c) || c == '_' ||
           c == '.' || c == '-' || c == '[' || c == ']';
}

/* Whether a key=value pair starts at p (a key followed by an unescaped '='). */
static const char *key_at(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && ext_key_char(*q)) q++;
    if (q == p || q >= end || *q != '=') return NULL;
    return q;
}

static int is_label_key(struct ward_str k, struct ward_str *base)
{
    /* cs1Label, cn2Label, cfp1Label, deviceCustomDate1Label, flexString1Label ... */
    if (k.len > 5 && memcmp(k.ptr + k.len - 5, "Label", 5) == 0) {
        *base = ward_str_make(k.ptr, k.len - 5);
        return 1;
    }
    return 0;
}

/* "Mmm dd[ yyyy] HH:MM:SS[.mmm]" as CEF's rt/start/end allow, or epoch milliseconds. */
static int parse_cef_time(struct ward_str v, ward_time_t *out)
{
    if (ward_time_parse(v.ptr, v.len, out) == 0) return 0;
    const char *p = v.ptr, *end = v.ptr + v.len;
    if (v.len < 15) return -1;
    int mon = text_month(p);
    if (!mon || p[3] != ' ') return -1;
    p += 4;
    long long day = text_uint(&p, end, 2);
    if (day < 1 || p >= end || *p != ' ') return -1;
    p++;
    long long year = 1970;
    const char *save = p;
    long long y = text_uint(&p, end, 4);
    if (y >= 1970 && p < end && *p == ' ' && p - save == 4) {
        year = y;
        p++;
    } else {
        p = save;
    }
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
    const char *c = find_cef(l);
    if (!c)
        return ward_err_at(err, WARD_ESYNTAX, path, lineno, 0,
                           "not a CEF record (expected \"CEF:0|\")");
    int rc = 0;
    const char *end = l.ptr + l.len;
    if (c > l.ptr) {
        struct ward_str hdr = text_trim(ward_str_make(l.ptr, (size_t)(c - l.ptr)));
        if (hdr.len && (rc = text_add(ev, "syslog_header", hdr, WARD_V_STR))) return rc;
    }
    static const char *const names[7] = {"cefVersion",    "deviceVendor",       "deviceProduct",
                                         "deviceVersion", "deviceEventClassId", "name",
                                         "severity"};
    const char *p = c + 4;
    for (int i = 0; i < 7; i++) {
        const char *s = p;
        while (p < end && *p != '|') {
            if (*p == '\\' && p + 1 < end) p++;
            p++;
        }
        if (p >= end && i < 6)
            return ward_err_at(err, WARD_ESYNTAX, path, lineno, (uint64_t)(p - l.ptr) + 1,
                               "CEF header has %d of 7 fields", i + 1);
        struct ward_str v;
        if ((rc = unescape(ev, ward_str_make(s, (size_t)(p - s)), &v))) return rc;
        enum ward_vtype t = (i == 0 || (i == 6 && text_all_digits(v))) ? WARD_V_NUM : WARD_V_STR;
        if ((rc = text_add(ev, names[i], v, t))) return rc;
        if (p < end) p++;
    }
    /* extension */
    struct ward_str labels_k[32], labels_v[32];
    int nlabels = 0;
    while (p < end && *p == ' ') p++;
    while (p < end) {
        const char *eq = key_at(p, end);
        if (!eq) {
            /* stray text: skip to the next space */
            while (p < end && *p != ' ') p++;
            while (p < end && *p == ' ') p++;
            continue;
        }
        struct ward_str key = ward_str_make(p, (size_t)(eq - p));
        const char *v = eq + 1, *q = v, *vend = end;
        while (q < end) {
            if (*q == '\\' && q + 1 < end) {
                q += 2;
                continue;
            }
            if (*q == ' ' && key_at(q + 1, end)) {
                vend = q;
                break;
            }
            q++;
        }
        struct ward_str val;
        if ((rc = unescape(ev, text_trim(ward_str_make(v, (size_t)(vend - v))), &val))) return rc;
        struct ward_str base;
        if (is_label_key(key, &base) && nlabels < 32) {
            labels_k[nlabels] = base;
            labels_v[nlabels++] = val;
        }
        if ((rc = text_add_auto(ev, key.ptr, key.len, val))) return rc;
        if ((ward_str_eq_c(key, "rt") || (ev->ts == WARD_TIME_NONE && ward_str_eq_c(key, "end")) ||
             (ev->ts == WARD_TIME_NONE && ward_str_eq_c(key, "start"))))
            (void)parse_cef_time(val, &ev->ts);
        p = vend;
        while (p < end && *p == ' ') p++;
    }
    /* custom fields under their labels */
    for (int i = 0; i < nlabels; i++) {
        struct ward_str lab = labels_v[i];
        int ok = lab.len > 0 && lab.len < 128;
        for (size_t j = 0; ok && j < lab.len; j++)
            if ((unsigned char)lab.ptr[j] < 0x21 || lab.ptr[j] == '"') ok = 0;
        if (!ok) continue;
        struct ward_field *f = ward_event_find(ev, labels_k[i].ptr, labels_k[i].len);
        if (!f || ward_event_find(ev, lab.ptr, lab.len)) continue;
        if ((rc = ward_event_add(ev, lab.ptr, lab.len, f->val, f->vlen, f->type, f->flags)))
            return rc;
    }
    return 0;
}

static int probe_line(struct ward_str l)
{
    return find_cef(l) != NULL;
}

static int cef_probe(const unsigned char *head, size_t n)
{
    if (n < 8 || head[0] == '{' || head[0] == '[') return 0;
    int total = 0;
    int good = text_probe_lines(head, n, 10, probe_line, &total);
    if (total && good * 10 >= total * 8) return 90;
    return 0;
}

static int cef_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct text_lines *tl = state;
    struct ward_str l;
    int rc = text_line_record(tl, ev, &l, err);
    if (rc <= 0) return rc;
    rc = decode_line(ev, l, err, tl->s->path, tl->lineno);
    if (rc < 0) {
        if (!err->msg[0]) ward_err_at(err, rc, tl->s->path, tl->lineno, 0, "bad CEF record");
        return rc;
    }
    return 1;
}

const struct ward_decoder ward_decoder_cef = {
    "cef",     "ArcSight Common Event Format (CEF), with or without a syslog header",
    cef_probe, text_line_open,
    cef_next,  text_line_close,
};
