/* text.c - the line reader and small scanners shared by the line-based decoders. */
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"

#define READ_CHUNK 65536

int text_lines_init(struct text_lines *l, struct ward_stream *s, size_t max)
{
    memset(l, 0, sizeof *l);
    l->s = s;
    l->max = max ? max : (16u << 20);
    l->cap = READ_CHUNK * 2;
    l->buf = malloc(l->cap);
    return l->buf ? 0 : WARD_ENOMEM;
}

void text_lines_free(struct text_lines *l)
{
    free(l->buf);
    l->buf = NULL;
}

/* Makes room and reads more; 1 when bytes were added, 0 at the end, negative on error. */
static int fill(struct text_lines *l, struct ward_err *err)
{
    if (l->eof) return 0;
    if (l->pos > 0) {
        memmove(l->buf, l->buf + l->pos, l->len - l->pos);
        l->len -= l->pos;
        l->base += l->pos;
        l->pos = 0;
    }
    if (l->cap - l->len < READ_CHUNK) {
        size_t cap = l->cap * 2;
        if (cap > l->max + 2 * READ_CHUNK) cap = l->max + 2 * READ_CHUNK;
        if (cap > l->cap) {
            char *b = realloc(l->buf, cap);
            if (!b) return WARD_ENOMEM;
            l->buf = b;
            l->cap = cap;
        }
    }
    if (l->cap == l->len) return 0;
    ssize_t k = ward_stream_read(l->s, l->buf + l->len, l->cap - l->len, err);
    if (k < 0) {
        l->eof = 1;
        l->io_error = 1;
        return (int)k;
    }
    if (k == 0) {
        l->eof = 1;
        return 0;
    }
    l->len += (size_t)k;
    return 1;
}

int text_lines_next(struct text_lines *l, struct ward_str *line, struct ward_err *err)
{
    size_t scanned = 0;
    int skipping = 0;
    for (;;) {
        char *start = l->buf + l->pos;
        size_t avail = l->len - l->pos;
        char *nl = avail > scanned ? memchr(start + scanned, '\n', avail - scanned) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - start);
            l->lineno++;
            l->offset = l->base + l->pos;
            l->pos += n + 1;
            if (skipping || n > l->max) {
                return ward_err_at(err, WARD_ELIMIT, l->s->path, l->lineno, 0,
                                   "line longer than %zu bytes; skipped", l->max);
            }
            if (n && start[n - 1] == '\r') n--;
            *line = ward_str_make(start, n);
            return 1;
        }
        scanned = avail;
        if (avail > l->max) {
            /* drop what we have of the over-long line and keep looking for its end */
            l->base += l->len;
            l->pos = l->len = 0;
            scanned = 0;
            skipping = 1;
        }
        int rc = fill(l, err);
        if (rc < 0) return rc;
        if (rc == 0) {
            if (l->len - l->pos == 0) return 0;
            /* last line without LF */
            start = l->buf + l->pos;
            size_t n = l->len - l->pos;
            l->lineno++;
            l->offset = l->base + l->pos;
            l->pos = l->len;
            if (skipping || n > l->max)
                return ward_err_at(err, WARD_ELIMIT, l->s->path, l->lineno, 0,
                                   "line longer than %zu bytes; skipped", l->max);
            if (n && start[n - 1] == '\r') n--;
            *line = ward_str_make(start, n);
            return 1;
        }
        /* fill() moved the unconsumed bytes to the start: scanned stays valid */
    }
}

int text_lines_take(struct text_lines *l, size_t n, struct ward_str *out, struct ward_err *err)
{
    if (n > l->max)
        return ward_err_at(err, WARD_ELIMIT, l->s->path, l->lineno + 1, 0,
                           "octet-counted frame of %zu bytes is over the limit", n);
    while (l->len - l->pos < n) {
        int rc = fill(l, err);
        if (rc < 0) return rc;
        if (rc == 0) {
            if (l->len == l->pos) return 0;
            size_t have = l->len - l->pos;
            l->pos = l->len;
            return ward_err_at(err, WARD_ESYNTAX, l->s->path, l->lineno + 1, 0,
                               "octet-counted frame says %zu bytes but only %zu remain", n, have);
        }
    }
    l->lineno++;
    l->offset = l->base + l->pos;
    *out = ward_str_make(l->buf + l->pos, n);
    l->pos += n;
    return 1;
}

int text_lines_peek(struct text_lines *l, const char **p, size_t *n, struct ward_err *err)
{
    if (l->len - l->pos < 32 && !l->eof) {
        int rc = fill(l, err);
        if (rc < 0) return rc;
    }
    *p = l->buf + l->pos;
    *n = l->len - l->pos;
    return 0;
}

struct ward_str text_first_line(const unsigned char *head, size_t n)
{
    const char *p = (const char *)head;
    const char *nl = memchr(p, '\n', n);
    size_t len = nl ? (size_t)(nl - p) : n;
    if (len && p[len - 1] == '\r') len--;
    return ward_str_make(p, len);
}

int text_probe_lines(const unsigned char *head, size_t n, int max, int (*fn)(struct ward_str),
                     int *total)
{
    const char *p = (const char *)head, *end = p + n;
    int good = 0, seen = 0;
    while (p < end && seen < max) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl && seen > 0) break; /* a cut last line is not judged */
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - p);
        if (len && p[len - 1] == '\r') len--;
        if (len > 0) {
            seen++;
            if (fn(ward_str_make(p, len))) good++;
        }
        p = nl ? nl + 1 : end;
    }
    *total = seen;
    return good;
}

long long text_uint(const char **pp, const char *end, int maxdigits)
{
    const char *p = *pp;
    long long v = 0;
    int d = 0;
    while (p < end && text_is_digit(*p) && d < maxdigits) {
        v = v * 10 + (*p - '0');
        p++;
        d++;
    }
    if (d == 0) return -1;
    *pp = p;
    return v;
}

struct ward_str text_trim(struct ward_str s)
{
    while (s.len && text_is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && text_is_space(s.ptr[s.len - 1])) s.len--;
    return s;
}

int text_all_digits(struct ward_str s)
{
    if (!s.len) return 0;
    for (size_t i = 0; i < s.len; i++)
        if (!text_is_digit(s.ptr[i])) return 0;
    return 1;
}

int text_month(const char *p)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (memcmp(p, months + 3 * i, 3) == 0) return i + 1;
    return 0;
}

int text_add(struct ward_event *ev, const char *key, struct ward_str v, enum ward_vtype t)
{
    return ward_event_add(ev, key, strlen(key), v.ptr, v.len, t, 0);
}

int text_add_auto(struct ward_event *ev, const char *key, size_t klen, struct ward_str v)
{
    enum ward_vtype t = WARD_V_STR;
    if (v.len && v.len < 20) {
        size_t i = (v.ptr[0] == '-' && v.len > 1) ? 1 : 0;
        int digits = 1;
        for (; i < v.len; i++)
            if (!text_is_digit(v.ptr[i])) {
                digits = 0;
                break;
            }
        /* leading zeros ("0755", "08:01") are identifiers, not numbers */
        if (digits && !(v.len > 1 && v.ptr[0] == '0')) t = WARD_V_NUM;
    }
    return ward_event_add(ev, key, klen, v.ptr, v.len, t, 0);
}

/* Whether the head's first non-blank line is a JSON object with all the keys named. */
int text_json_head_has(const unsigned char *head, size_t n, const char *const *keys)
{
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
    if (i >= n) return 0;
    if (head[i] == '[') {
        /* an array of records: look into its first element */
        i++;
        while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
            i++;
    }
    if (i >= n || head[i] != '{') return 0;
    const char *p = (const char *)head + i;
    /* the first line when it is a whole object, else (pretty-printed) the first 4 KiB */
    size_t len = n - i;
    const char *nl = memchr(p, '\n', len);
    if (nl && nl > p && nl[-1 - (nl[-1] == '\r' && nl - 1 > p)] == '}')
        len = (size_t)(nl - p);
    else if (len > 4096)
        len = 4096;
    for (int k = 0; keys[k]; k++) {
        size_t kl = strlen(keys[k]);
        int found = 0;
        for (const char *q = p; !found && q + kl <= p + len; q++) {
            q = memchr(q, keys[k][0], (size_t)(p + len - q));
            if (!q || q + kl > p + len) break;
            if (memcmp(q, keys[k], kl) == 0) found = 1;
        }
        if (!found) return 0;
    }
    return 1;
}

int text_line_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                   struct ward_err *err)
{
    struct text_lines *tl = calloc(1, sizeof *tl);
    if (!tl || text_lines_init(tl, s, o->max_record)) {
        free(tl);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    *state = tl;
    return 0;
}

int text_line_record(struct text_lines *tl, struct ward_event *ev, struct ward_str *l,
                     struct ward_err *err)
{
    int rc;
    do {
        rc = text_lines_next(tl, l, err);
        if (rc <= 0) return rc;
    } while (l->len == 0);
    ev->line = tl->lineno;
    ev->offset = tl->offset;
    ev->raw = l->ptr;
    ev->raw_len = l->len;
    return 1;
}

void text_line_close(void *state)
{
    struct text_lines *tl = state;
    if (!tl) return;
    text_lines_free(tl);
    free(tl);
}
