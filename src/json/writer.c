/* writer.c - a small JSON writer that tracks nesting and commas, for all of ward's output. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ward/json.h"

void ward_jw_init(struct ward_jw *w, struct ward_buf *b)
{
    w->b = b;
    w->depth = 0;
    w->err = 0;
    w->pretty = 0;
    w->first[0] = 1;
    w->after_key = 0;
}

static void sep(struct ward_jw *w)
{
    if (w->err) return;
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (!w->first[w->depth]) w->err = ward_buf_putc(w->b, ',');
    w->first[w->depth] = 0;
}

static void put(struct ward_jw *w, const char *s, size_t n)
{
    if (!w->err) w->err = ward_buf_append(w->b, s, n);
}

static void open_(struct ward_jw *w, char c)
{
    sep(w);
    if (w->depth + 1 >= WARD_JW_MAX_DEPTH) {
        w->err = WARD_ELIMIT;
        return;
    }
    put(w, &c, 1);
    w->first[++w->depth] = 1;
    w->closer[w->depth] = c == '{' ? '}' : ']';
}

void ward_jw_obj(struct ward_jw *w)
{
    open_(w, '{');
}

void ward_jw_arr(struct ward_jw *w)
{
    open_(w, '[');
}

void ward_jw_end(struct ward_jw *w)
{
    if (w->err) return;
    if (w->depth <= 0) {
        w->err = WARD_ESTATE;
        return;
    }
    put(w, &w->closer[w->depth], 1);
    w->depth--;
}

void ward_jw_keyn(struct ward_jw *w, const char *k, size_t n)
{
    sep(w);
    if (!w->err) w->err = ward_json_put_str(w->b, k, n);
    put(w, ":", 1);
    w->after_key = 1;
}

void ward_jw_key(struct ward_jw *w, const char *k)
{
    ward_jw_keyn(w, k, strlen(k));
}

void ward_jw_strn(struct ward_jw *w, const char *s, size_t n)
{
    sep(w);
    if (!w->err) w->err = ward_json_put_str(w->b, s, n);
}

void ward_jw_str(struct ward_jw *w, const char *s)
{
    if (!s) {
        ward_jw_null(w);
        return;
    }
    ward_jw_strn(w, s, strlen(s));
}

void ward_jw_int(struct ward_jw *w, int64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    sep(w);
    put(w, tmp, (size_t)n);
}

void ward_jw_uint(struct ward_jw *w, uint64_t v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    sep(w);
    put(w, tmp, (size_t)n);
}

void ward_jw_double(struct ward_jw *w, double v)
{
    if (!isfinite(v)) {
        ward_jw_null(w);
        return;
    }
    char tmp[40];
    int n = snprintf(tmp, sizeof tmp, "%.17g", v);
    sep(w);
    put(w, tmp, (size_t)n);
}

void ward_jw_bool(struct ward_jw *w, int v)
{
    sep(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void ward_jw_null(struct ward_jw *w)
{
    sep(w);
    put(w, "null", 4);
}

void ward_jw_raw(struct ward_jw *w, const char *json, size_t n)
{
    sep(w);
    put(w, json, n);
}
