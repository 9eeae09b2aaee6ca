/* escape.c - JSON string unescaping (all RFC 8259 escapes, surrogate pairs) and escaping. */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ward/json.h"

static int hex4(const char *p, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = (unsigned char)p[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 32) >= 'a' && (c | 32) <= 'f')
            d = (c | 32) - 'a' + 10;
        else
            return -1;
        v = v << 4 | d;
    }
    *out = v;
    return 0;
}

long ward_json_unescape(const char *in, size_t n, char *out, size_t *partial_len)
{
    size_t o = 0;
    long bad = 0;
    size_t i = 0;
    while (i < n) {
        /* copy up to the next backslash */
#if defined(__SSE2__)
        /* 16 bytes at a time while they are all input: the store may write past the run,
         * but never past out + n (o <= i), and the next step overwrites what it wrote */
        const __m128i bsl = _mm_set1_epi8('\\');
        unsigned mask = 0;
        while (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
            _mm_storeu_si128((__m128i *)(void *)(out + o), v);
            mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bsl));
            if (mask) break;
            i += 16;
            o += 16;
        }
        if (mask) {
            unsigned k = (unsigned)__builtin_ctz(mask);
            i += k;
            o += k;
        } else
#endif
        {
            const char *bs = memchr(in + i, '\\', n - i);
            size_t run = bs ? (size_t)(bs - (in + i)) : n - i;
            memcpy(out + o, in + i, run);
            o += run;
            i += run;
        }
        if (i >= n) break;
        /* at a backslash */
        if (i + 1 >= n) {
            if (!bad) bad = -(long)(i + 1);
            out[o++] = '\\';
            i++;
            break;
        }
        char c = in[i + 1];
        char r = 0;
        switch (c) {
        case '"': r = '"'; break;
        case '\\': r = '\\'; break;
        case '/': r = '/'; break;
        case 'b': r = '\b'; break;
        case 'f': r = '\f'; break;
        case 'n': r = '\n'; break;
        case 'r': r = '\r'; break;
        case 't': r = '\t'; break;
        case 'u': {
            uint32_t cp;
            if (i + 6 > n || hex4(in + i + 2, &cp)) {
                if (!bad) bad = -(long)(i + 1);
                out[o++] = '\\';
                i++;
                continue;
            }
            size_t used = 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (i + 12 <= n && in[i + 6] == '\\' && in[i + 7] == 'u' &&
                    hex4(in + i + 8, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    used = 12;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            /* UTF-8 of a \u escape is never longer than the escape itself */
            o += ward_utf8_put(cp, out + o);
            i += used;
            continue;
        }
        default:
            if (!bad) bad = -(long)(i + 1);
            out[o++] = '\\';
            i++;
            continue;
        }
        out[o++] = r;
        i += 2;
    }
    if (partial_len) *partial_len = o;
    return bad ? bad : (long)o;
}

static const char hexd[] = "0123456789abcdef";

int ward_json_put_str(struct ward_buf *b, const char *s, size_t n)
{
    /* worst case: every byte becomes \u00XX (6) or U+FFFD (3) */
    int rc = ward_buf_reserve(b, n + 2);
    if (rc) return rc;
    rc = ward_buf_putc(b, '"');
    if (rc) return rc;
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\' && p[i] < 0x80) i++;
        if (i > start && (rc = ward_buf_append(b, p + start, i - start))) return rc;
        if (i >= n) break;
        unsigned char c = p[i];
        if (c >= 0x80) {
            /* the length this lead byte announces; invalid sequences become U+FFFD */
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            size_t bad = len <= n - i ? ward_utf8_check((const char *)p + i, len) : 1;
            if (bad == 0) {
                if ((rc = ward_buf_append(b, p + i, len))) return rc;
                i += len;
            } else {
                if ((rc = ward_buf_append(b, "\xEF\xBF\xBD", 3))) return rc;
                i++;
            }
            continue;
        }
        char esc[7];
        size_t el = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hexd[c >> 4];
            esc[5] = hexd[c & 15];
            el = 6;
        }
        if ((rc = ward_buf_append(b, esc, el))) return rc;
        i++;
    }
    return ward_buf_putc(b, '"');
}
