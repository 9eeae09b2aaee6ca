/* str.c - string slices, ASCII case folding, UTF-8 checks and number parsing. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ward/core.h"

struct ward_str ward_str_c(const char *s)
{
    struct ward_str r = {s, s ? strlen(s) : 0};
    return r;
}

int ward_str_eq(struct ward_str a, struct ward_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

int ward_str_eq_c(struct ward_str a, const char *b)
{
    return ward_str_eq(a, ward_str_c(b));
}

int ward_str_ieq(struct ward_str a, struct ward_str b)
{
    if (a.len != b.len) return 0;
    for (size_t i = 0; i < a.len; i++)
        if (ward_lower((unsigned char)a.ptr[i]) != ward_lower((unsigned char)b.ptr[i])) return 0;
    return 1;
}

int ward_str_ieq_c(struct ward_str a, const char *b)
{
    return ward_str_ieq(a, ward_str_c(b));
}

int ward_str_starts(struct ward_str s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

void ward_ascii_lower(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = (char)ward_lower((unsigned char)p[i]);
}

size_t ward_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(dst, src, k);
        dst[k] = '\0';
    }
    return n;
}

size_t ward_utf8_check(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        /* fast path: 8 ASCII bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            cp = c & 0x07;
        } else {
            return i + 1;
        }
        if (i + need >= n) return i + 1;
        for (size_t k = 1; k <= need; k++) {
            unsigned char cc = s[i + k];
            if ((cc & 0xC0) != 0x80) return i + 1;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i + 1;
        i += need + 1;
    }
    return 0;
}

size_t ward_utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

int ward_parse_i64(struct ward_str s, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (s.len == 0) return WARD_EINVAL;
    if (s.ptr[0] == '-' || s.ptr[0] == '+') {
        neg = s.ptr[0] == '-';
        i = 1;
    }
    if (i == s.len) return WARD_EINVAL;
    uint64_t v = 0;
    for (; i < s.len; i++) {
        unsigned d = (unsigned char)s.ptr[i] - '0';
        if (d > 9) return WARD_EINVAL;
        if (v > (UINT64_MAX - d) / 10) return WARD_EINVAL;
        v = v * 10 + d;
    }
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1) return WARD_EINVAL;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX) return WARD_EINVAL;
        *out = (int64_t)v;
    }
    return 0;
}

int ward_parse_double(struct ward_str s, double *out)
{
    char tmp[64];
    if (s.len == 0 || s.len >= sizeof tmp) return WARD_EINVAL;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
            return WARD_EINVAL;
    }
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (*end || end == tmp || !isfinite(v)) return WARD_EINVAL;
    *out = v;
    return 0;
}
