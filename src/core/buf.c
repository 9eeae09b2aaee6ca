/* buf.c - growable byte buffer with a size cap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward/core.h"

#define BUF_DEFAULT_MAX (SIZE_MAX / 2)

void ward_buf_init(struct ward_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : BUF_DEFAULT_MAX;
}

int ward_buf_reserve(struct ward_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra) return WARD_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->max + 1) cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p) return WARD_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int ward_buf_append(struct ward_buf *b, const void *p, size_t n)
{
    int rc = ward_buf_reserve(b, n);
    if (rc) return rc;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int ward_buf_puts(struct ward_buf *b, const char *s)
{
    return ward_buf_append(b, s, strlen(s));
}

int ward_buf_putc(struct ward_buf *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return ward_buf_append(b, &c, 1);
}

int ward_buf_vprintf(struct ward_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap2);
    va_end(ap2);
    if (n < 0) return WARD_EINVAL;
    if ((size_t)n < sizeof tmp) return ward_buf_append(b, tmp, (size_t)n);
    int rc = ward_buf_reserve(b, (size_t)n);
    if (rc) return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int ward_buf_printf(struct ward_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ward_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void ward_buf_reset(struct ward_buf *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

char *ward_buf_take(struct ward_buf *b)
{
    char *p = b->data;
    if (!p) p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void ward_buf_free(struct ward_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
