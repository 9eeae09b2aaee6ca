/*
 * weblog.c - web server access logs in the NCSA common and combined log formats (Apache,
 * nginx): 'HOST IDENT USER [dd/Mon/yyyy:HH:MM:SS +zone] "REQUEST" STATUS BYTES ["REFERER"
 * "USER-AGENT"]', with an optional "vhost[:port] " in front (vhost_combined). Fields carry
 * the W3C names that Sigma's webserver rules read: c-ip, cs-username, cs-method, cs-uri,
 * cs-uri-stem, cs-uri-query, cs-version, sc-status, sc-bytes, cs-referer, cs-user-agent
 * (also as c-useragent), cs-host. Logsource: category webserver.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"

static struct ward_str next_token(const char **pp, const char *end)
{
    const char *p = *pp;
    while (p < end && *p == ' ') p++;
    const char *s = p;
    while (p < end && *p != ' ') p++;
    *pp = p;
    return ward_str_make(s, (size_t)(p - s));
}

/* A "quoted" string with \" escapes; returns 0 and the content, or -1. */
static int quoted(const char **pp, const char *end, struct ward_str *out, int *escaped)
{
    const char *p = *pp;
    while (p < end && *p == ' ') p++;
    if (p >= end || *p != '"') return -1;
    p++;
    const char *s = p;
    *escaped = 0;
    while (p < end && *p != '"') {
        if (*p == '\\' && p + 1 < end) {
            *escaped = 1;
            p++;
        }
        p++;
    }
    if (p >= end) return -1;
    *out = ward_str_make(s, (size_t)(p - s));
    *pp = p + 1;
    return 0;
}

/* "[10/Oct/2000:13:55:36 -0700]" -> time; returns 0 or -1, advances past ']'. */
static int clf_time(const char **pp, const char *end, ward_time_t *out, struct ward_str *raw)
{
    const char *p = *pp;
    while (p < end && *p == ' ') p++;
    if (p >= end || *p != '[') return -1;
    const char *rb = memchr(p, ']', (size_t)(end - p));
    if (!rb) return -1;
    *raw = ward_str_make(p + 1, (size_t)(rb - p - 1));
    const char *q = p + 1;
    long long day = text_uint(&q, rb, 2);
    if (day < 1 || day > 31 || q + 4 > rb || *q != '/') return -1;
    int mon = text_month(q + 1);
    if (!mon || q[4] != '/') return -1;
    q += 5;
    long long year = text_uint(&q, rb, 4);
    if (year < 1970 || q >= rb || *q++ != ':') return -1;
    long long hh = text_uint(&q, rb, 2);
    if (hh < 0 || hh > 23 || q >= rb || *q++ != ':') return -1;
    long long mm = text_uint(&q, rb, 2);
    if (mm < 0 || mm > 59 || q >= rb || *q++ != ':') return -1;
    long long ss = text_uint(&q, rb, 2);
    if (ss < 0 || ss > 60) return -1;
    long long frac = 0;
    int fd = 0;
    if (q < rb && *q == '.') {
        q++;
        while (q < rb && text_is_digit(*q)) {
            if (fd < 9) frac = frac * 10 + (*q - '0'), fd++;
            q++;
        }
        for (; fd < 9; fd++) frac *= 10;
    }
    long long off = 0;
    while (q < rb && *q == ' ') q++;
    if (q < rb && (*q == '+' || *q == '-')) {
        int neg = *q == '-';
        q++;
        const char *z = q;
        long long hhmm = text_uint(&q, rb, 4);
        if (hhmm < 0 || q - z != 4) return -1;
        off = (hhmm / 100) * 3600 + (hhmm % 100) * 60;
        if (neg) off = -off;
    }
    int64_t days = ward_days_from_civil(year, (unsigned)mon, (unsigned)day);
    *out = (days * 86400 + hh * 3600 + mm * 60 + ss - off) * 1000000000LL + frac;
    *pp = rb + 1;
    return 0;
}

static int unescape_quotes(struct ward_event *ev, struct ward_str *v)
{
    char *buf = ward_event_alloc(ev, v->len + 1);
    if (!buf) return WARD_ENOMEM;
    size_t o = 0;
    for (size_t i = 0; i < v->len; i++) {
        if (v->ptr[i] == '\\' && i + 1 < v->len && (v->ptr[i + 1] == '"' || v->ptr[i + 1] == '\\'))
            i++;
        buf[o++] = v->ptr[i];
    }
    buf[o] = '\0';
    *v = ward_str_make(buf, o);
    return 0;
}

static int add_request(struct ward_event *ev, struct ward_str req)
{
    int rc;
    const char *p = req.ptr, *end = req.ptr + req.len;
    struct ward_str method = next_token(&p, end);
    struct ward_str uri = next_token(&p, end);
    struct ward_str ver = next_token(&p, end);
    if (!method.len || !uri.len) return 0;
    for (size_t i = 0; i < method.len; i++)
        if (!((method.ptr[i] >= 'A' && method.ptr[i] <= 'Z') || method.ptr[i] == '-' ||
              method.ptr[i] == '_'))
            return 0; /* not a request line (TLS junk, "-") */
    if ((rc = text_add(ev, "cs-method", method, WARD_V_STR))) return rc;
    if ((rc = text_add(ev, "cs-uri", uri, WARD_V_STR))) return rc;
    const char *qm = memchr(uri.ptr, '?', uri.len);
    struct ward_str stem = ward_str_make(uri.ptr, qm ? (size_t)(qm - uri.ptr) : uri.len);
    if ((rc = text_add(ev, "cs-uri-stem", stem, WARD_V_STR))) return rc;
    if (qm &&
        (rc = text_add(ev, "cs-uri-query",
                       ward_str_make(qm + 1, (size_t)(uri.ptr + uri.len - qm - 1)), WARD_V_STR)))
        return rc;
    if (ver.len && (rc = text_add(ev, "cs-version", ver, WARD_V_STR))) return rc;
    return 0;
}

static int parse_line(struct ward_event *ev, struct ward_str l, int probe_only)
{
    const char *p = l.ptr, *end = l.ptr + l.len;
    struct ward_str t1 = next_token(&p, end);
    struct ward_str t2 = next_token(&p, end);
    struct ward_str t3 = next_token(&p, end);
    struct ward_str vhost = {0}, host, ident, user;
    const char *save = p;
    while (save < end && *save == ' ') save++;
    if (save < end && *save == '[') {
        host = t1, ident = t2, user = t3;
    } else {
        /* vhost_combined: one more token before the host */
        struct ward_str t4 = next_token(&p, end);
        vhost = t1, host = t2, ident = t3, user = t4;
    }
    if (!host.len) return -1;
    ward_time_t ts;
    struct ward_str traw;
    if (clf_time(&p, end, &ts, &traw) != 0) return -1;
    struct ward_str req;
    int esc_req;
    if (quoted(&p, end, &req, &esc_req) != 0) return -1;
    struct ward_str status = next_token(&p, end);
    struct ward_str bytes = next_token(&p, end);
    if (!text_all_digits(status) || status.len != 3) return -1;
    if (!(text_all_digits(bytes) || ward_str_eq_c(bytes, "-"))) return -1;
    if (probe_only) return 0;
    struct ward_str ref = {0}, ua = {0};
    int esc_ref = 0, esc_ua = 0;
    int has_ref = quoted(&p, end, &ref, &esc_ref) == 0;
    int has_ua = has_ref && quoted(&p, end, &ua, &esc_ua) == 0;
    int rc;
    ev->ts = ts;
    ev->category = "webserver";
    if (vhost.len) {
        const char *colon = memchr(vhost.ptr, ':', vhost.len);
        struct ward_str h = colon ? ward_str_make(vhost.ptr, (size_t)(colon - vhost.ptr)) : vhost;
        if ((rc = text_add(ev, "cs-host", h, WARD_V_STR))) return rc;
        if (colon &&
            (rc = text_add(ev, "s-port",
                           ward_str_make(colon + 1, (size_t)(vhost.ptr + vhost.len - colon - 1)),
                           WARD_V_NUM)))
            return rc;
    }
    if ((rc = text_add(ev, "c-ip", host, WARD_V_STR))) return rc;
    if (ident.len && !ward_str_eq_c(ident, "-") && (rc = text_add(ev, "ident", ident, WARD_V_STR)))
        return rc;
    if (user.len && !ward_str_eq_c(user, "-") &&
        (rc = text_add(ev, "cs-username", user, WARD_V_STR)))
        return rc;
    if ((rc = text_add(ev, "date", traw, WARD_V_STR))) return rc;
    if (esc_req && (rc = unescape_quotes(ev, &req))) return rc;
    if ((rc = text_add(ev, "request", req, WARD_V_STR))) return rc;
    if ((rc = add_request(ev, req))) return rc;
    if ((rc = text_add(ev, "sc-status", status, WARD_V_NUM))) return rc;
    if (text_all_digits(bytes) && (rc = text_add(ev, "sc-bytes", bytes, WARD_V_NUM))) return rc;
    if (has_ref && ref.len && !ward_str_eq_c(ref, "-")) {
        if (esc_ref && (rc = unescape_quotes(ev, &ref))) return rc;
        if ((rc = text_add(ev, "cs-referer", ref, WARD_V_STR))) return rc;
    }
    if (has_ua && ua.len && !ward_str_eq_c(ua, "-")) {
        if (esc_ua && (rc = unescape_quotes(ev, &ua))) return rc;
        if ((rc = text_add(ev, "cs-user-agent", ua, WARD_V_STR))) return rc;
        if ((rc = text_add(ev, "c-useragent", ua, WARD_V_STR))) return rc;
    }
    return 0;
}

static int probe_line(struct ward_str l)
{
    return parse_line(NULL, l, 1) == 0;
}

static int weblog_probe(const unsigned char *head, size_t n)
{
    if (n < 20 || head[0] == '{' || head[0] == '[' || head[0] == '#') return 0;
    int total = 0;
    int good = text_probe_lines(head, n, 20, probe_line, &total);
    if (total && good == total) return 75;
    if (good && good * 10 >= total * 7) return 50;
    return 0;
}

static int weblog_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct text_lines *tl = state;
    struct ward_str l;
    int rc = text_line_record(tl, ev, &l, err);
    if (rc <= 0) return rc;
    rc = parse_line(ev, l, 0);
    if (rc == -1)
        return ward_err_at(err, WARD_ESYNTAX, tl->s->path, tl->lineno, 0,
                           "not a common/combined log format line (expected 'HOST IDENT USER "
                           "[DATE] \"REQUEST\" STATUS BYTES')");
    if (rc < 0) return ward_err_at(err, rc, tl->s->path, tl->lineno, 0, "out of memory");
    return 1;
}

const struct ward_decoder ward_decoder_weblog = {
    "weblog",     "web server access log, NCSA common/combined (Apache, nginx)",
    weblog_probe, text_line_open,
    weblog_next,  text_line_close,
};
