/*
 * squid.c - Squid's native access.log: "TIME ELAPSED CLIENT ACTION/STATUS BYTES METHOD URL
 * USER HIERARCHY/PEER TYPE". Fields carry the names Sigma's proxy rules read: c-ip,
 * time-taken, s-action, sc-status, sc-bytes, cs-method, c-uri, c-uri-stem, c-uri-query,
 * c-uri-extension, cs-host (and r-dns), cs-username, s-hierarchy, dst_ip (the peer when it
 * is an address), sc-content-type. Logsource: category proxy.
 */
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"

static struct ward_str tok(const char **pp, const char *end)
{
    const char *p = *pp;
    while (p < end && (*p == ' ' || *p == '\t')) p++;
    const char *s = p;
    while (p < end && *p != ' ' && *p != '\t') p++;
    *pp = p;
    return ward_str_make(s, (size_t)(p - s));
}

static int is_epoch_ms(struct ward_str t)
{
    /* "1286536309.450" */
    const char *dot = memchr(t.ptr, '.', t.len);
    if (!dot || dot == t.ptr) return 0;
    for (const char *q = t.ptr; q < t.ptr + t.len; q++)
        if (q != dot && !text_is_digit(*q)) return 0;
    return (size_t)(dot - t.ptr) >= 9;
}

static int is_ip(struct ward_str s)
{
    if (!s.len || s.len > 45) return 0;
    int sep = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '.' || c == ':')
            sep = 1;
        else if (!(text_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return sep;
}

/* Host, path and query of a URL ("http://h:p/path?q", "h:443" for CONNECT, "/path"). */
static void split_url(struct ward_str u, struct ward_str *host, struct ward_str *path,
                      struct ward_str *query)
{
    const char *p = u.ptr, *end = u.ptr + u.len;
    *host = *path = *query = ward_str_make(end, 0);
    const char *scheme = NULL;
    for (const char *q = p; q + 2 < end && q - p < 16; q++)
        if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
            scheme = q;
            break;
        }
    if (scheme) p = scheme + 3;
    const char *hs = p;
    if (scheme || (p < end && *p != '/')) {
        while (p < end && *p != '/' && *p != '?') p++;
        const char *he = p;
        /* strip user:pass@ and :port */
        const char *at = NULL;
        for (const char *q = hs; q < he; q++)
            if (*q == '@') at = q;
        if (at) hs = at + 1;
        const char *colon = NULL;
        if (hs < he && *hs == '[') {
            const char *rb = memchr(hs, ']', (size_t)(he - hs));
            if (rb) {
                *host = ward_str_make(hs + 1, (size_t)(rb - hs - 1));
                hs = NULL;
            }
        }
        if (hs) {
            for (const char *q = hs; q < he; q++)
                if (*q == ':') colon = q;
            *host = ward_str_make(hs, (size_t)((colon ? colon : he) - hs));
        }
    }
    const char *ps = p;
    const char *qm = memchr(p, '?', (size_t)(end - p));
    *path = ward_str_make(ps, (size_t)((qm ? qm : end) - ps));
    if (qm) *query = ward_str_make(qm + 1, (size_t)(end - qm - 1));
}

static int parse_line(struct ward_event *ev, struct ward_str l, int probe_only)
{
    const char *p = l.ptr, *end = l.ptr + l.len;
    struct ward_str t_time = tok(&p, end);
    struct ward_str t_elapsed = tok(&p, end);
    struct ward_str t_client = tok(&p, end);
    struct ward_str t_code = tok(&p, end);
    struct ward_str t_bytes = tok(&p, end);
    struct ward_str t_method = tok(&p, end);
    struct ward_str t_url = tok(&p, end);
    struct ward_str t_user = tok(&p, end);
    struct ward_str t_hier = tok(&p, end);
    struct ward_str t_type = tok(&p, end);
    if (!is_epoch_ms(t_time)) return -1;
    if (!text_all_digits(t_elapsed) && !(t_elapsed.len > 1 && t_elapsed.ptr[0] == '-')) return -1;
    const char *slash = memchr(t_code.ptr, '/', t_code.len);
    if (!slash || !t_url.len || !t_method.len) return -1;
    struct ward_str action = ward_str_make(t_code.ptr, (size_t)(slash - t_code.ptr));
    struct ward_str status =
        ward_str_make(slash + 1, (size_t)(t_code.ptr + t_code.len - slash - 1));
    if (!text_all_digits(status) || !text_all_digits(t_bytes)) return -1;
    if (probe_only) return 0;
    int rc;
    if (ward_time_parse(t_time.ptr, t_time.len, &ev->ts) != 0) ev->ts = WARD_TIME_NONE;
    ev->category = "proxy";
    if ((rc = text_add(ev, "time", t_time, WARD_V_NUM))) return rc;
    if ((rc = text_add(ev, "time-taken", t_elapsed, WARD_V_NUM))) return rc;
    if ((rc = text_add(ev, "c-ip", t_client, WARD_V_STR))) return rc;
    if (is_ip(t_client) && (rc = text_add(ev, "src_ip", t_client, WARD_V_STR))) return rc;
    if ((rc = text_add(ev, "s-action", action, WARD_V_STR))) return rc;
    if ((rc = text_add(ev, "sc-status", status, WARD_V_NUM))) return rc;
    if ((rc = text_add(ev, "sc-bytes", t_bytes, WARD_V_NUM))) return rc;
    if ((rc = text_add(ev, "cs-method", t_method, WARD_V_STR))) return rc;
    if ((rc = text_add(ev, "c-uri", t_url, WARD_V_STR))) return rc;
    struct ward_str host, path, query;
    split_url(t_url, &host, &path, &query);
    if (host.len) {
        if ((rc = text_add(ev, "cs-host", host, WARD_V_STR))) return rc;
        if ((rc = text_add(ev, "r-dns", host, WARD_V_STR))) return rc;
    }
    if (path.len && (rc = text_add(ev, "c-uri-stem", path, WARD_V_STR))) return rc;
    if (query.len && (rc = text_add(ev, "c-uri-query", query, WARD_V_STR))) return rc;
    /* extension of the last path segment */
    const char *seg = path.ptr + path.len;
    while (seg > path.ptr && seg[-1] != '/') seg--;
    const char *dot = NULL;
    for (const char *q = seg; q < path.ptr + path.len; q++)
        if (*q == '.') dot = q;
    if (dot && dot + 1 < path.ptr + path.len &&
        (rc =
             text_add(ev, "c-uri-extension",
                      ward_str_make(dot + 1, (size_t)(path.ptr + path.len - dot - 1)), WARD_V_STR)))
        return rc;
    if (t_user.len && !ward_str_eq_c(t_user, "-") &&
        (rc = text_add(ev, "cs-username", t_user, WARD_V_STR)))
        return rc;
    if (t_hier.len) {
        const char *hs = memchr(t_hier.ptr, '/', t_hier.len);
        struct ward_str h = hs ? ward_str_make(t_hier.ptr, (size_t)(hs - t_hier.ptr)) : t_hier;
        if ((rc = text_add(ev, "s-hierarchy", h, WARD_V_STR))) return rc;
        if (hs) {
            struct ward_str peer =
                ward_str_make(hs + 1, (size_t)(t_hier.ptr + t_hier.len - hs - 1));
            if ((rc = text_add(ev, "s-peer", peer, WARD_V_STR))) return rc;
            if (is_ip(peer) && (rc = text_add(ev, "dst_ip", peer, WARD_V_STR))) return rc;
        }
    }
    if (t_type.len && !ward_str_eq_c(t_type, "-") &&
        (rc = text_add(ev, "sc-content-type", t_type, WARD_V_STR)))
        return rc;
    return 0;
}

static int probe_line(struct ward_str l)
{
    return parse_line(NULL, l, 1) == 0;
}

static int squid_probe(const unsigned char *head, size_t n)
{
    if (n < 20 || !text_is_digit((char)head[0])) return 0;
    int total = 0;
    int good = text_probe_lines(head, n, 20, probe_line, &total);
    if (total && good == total) return 75;
    if (good && good * 10 >= total * 7) return 50;
    return 0;
}

static int squid_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct text_lines *tl = state;
    struct ward_str l;
    int rc = text_line_record(tl, ev, &l, err);
    if (rc <= 0) return rc;
    rc = parse_line(ev, l, 0);
    if (rc == -1)
        return ward_err_at(err, WARD_ESYNTAX, tl->s->path, tl->lineno, 0,
                           "not a Squid native access.log line (expected 'TIME ELAPSED CLIENT "
                           "ACTION/STATUS BYTES METHOD URL ...')");
    if (rc < 0) return ward_err_at(err, rc, tl->s->path, tl->lineno, 0, "out of memory");
    return 1;
}

const struct ward_decoder ward_decoder_squid = {
    "squid",         "Squid native access.log (proxy)", squid_probe, text_line_open, squid_next,
    text_line_close,
};
