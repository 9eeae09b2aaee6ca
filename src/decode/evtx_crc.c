/*
 * evtx_crc.c - the CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's
 * crc32) of EVTX file headers, chunk headers and chunk record data. On x86-64 CPUs with
 * carry-less multiplication (PCLMULQDQ) the bulk of the bytes is folded 64 bytes at a
 * time and reduced with a Barrett step (the method of Intel's white paper "Fast CRC
 * Computation for Generic Polynomials Using PCLMULQDQ Instruction"); the remainder and
 * other CPUs go through zlib. The result is always the same as zlib's crc32.
 */
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "evtx_int.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define EVTX_CRC_CLMUL 1

/* Folding constants for the reflected polynomial: x^(4*128+32) mod P and x^(4*128-32)
 * mod P (fold by four), x^(128+32) and x^(128-32) mod P (fold by one), x^64 mod P, and
 * the Barrett constants (P and floor(x^64 / P)), each bit-reflected as the method needs. */
static const uint64_t K12[2] = {0x0154442bd4ull, 0x01c6e41596ull};
static const uint64_t K34[2] = {0x01751997d0ull, 0x00ccaa009eull};
static const uint64_t K5[2] = {0x0163cd6124ull, 0};
static const uint64_t KP[2] = {0x01db710641ull, 0x01f7011641ull};

/* Folds len bytes (len >= 64, a multiple of 16) into the CRC register crc (the
 * pre-inverted state, as inside zlib); returns the new register. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t fold(uint32_t crc, const uint8_t *p,
                                                              size_t len)
{
    __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 0x00));
    __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 0x10));
    __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 0x20));
    __m128i x4 = _mm_loadu_si128((const __m128i *)(const void *)(p + 0x30));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)crc));
    __m128i k = _mm_loadu_si128((const __m128i *)(const void *)K12);
    p += 64;
    len -= 64;
    while (len >= 64) {
        __m128i a1 = _mm_clmulepi64_si128(x1, k, 0x00);
        __m128i a2 = _mm_clmulepi64_si128(x2, k, 0x00);
        __m128i a3 = _mm_clmulepi64_si128(x3, k, 0x00);
        __m128i a4 = _mm_clmulepi64_si128(x4, k, 0x00);
        x1 = _mm_clmulepi64_si128(x1, k, 0x11);
        x2 = _mm_clmulepi64_si128(x2, k, 0x11);
        x3 = _mm_clmulepi64_si128(x3, k, 0x11);
        x4 = _mm_clmulepi64_si128(x4, k, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, a1),
                           _mm_loadu_si128((const __m128i *)(const void *)(p + 0x00)));
        x2 = _mm_xor_si128(_mm_xor_si128(x2, a2),
                           _mm_loadu_si128((const __m128i *)(const void *)(p + 0x10)));
        x3 = _mm_xor_si128(_mm_xor_si128(x3, a3),
                           _mm_loadu_si128((const __m128i *)(const void *)(p + 0x20)));
        x4 = _mm_xor_si128(_mm_xor_si128(x4, a4),
                           _mm_loadu_si128((const __m128i *)(const void *)(p + 0x30)));
        p += 64;
        len -= 64;
    }
    /* four lanes into one */
    k = _mm_loadu_si128((const __m128i *)(const void *)K34);
    __m128i a = _mm_clmulepi64_si128(x1, k, 0x00);
    x1 = _mm_clmulepi64_si128(x1, k, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x2), a);
    a = _mm_clmulepi64_si128(x1, k, 0x00);
    x1 = _mm_clmulepi64_si128(x1, k, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x3), a);
    a = _mm_clmulepi64_si128(x1, k, 0x00);
    x1 = _mm_clmulepi64_si128(x1, k, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, x4), a);
    /* the remaining 16-byte blocks */
    while (len >= 16) {
        __m128i d = _mm_loadu_si128((const __m128i *)(const void *)p);
        a = _mm_clmulepi64_si128(x1, k, 0x00);
        x1 = _mm_clmulepi64_si128(x1, k, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, d), a);
        p += 16;
        len -= 16;
    }
    /* 128 bits to 64 */
    __m128i lo32 = _mm_setr_epi32(-1, 0, -1, 0);
    a = _mm_clmulepi64_si128(x1, k, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), a);
    k = _mm_loadl_epi64((const __m128i *)(const void *)K5);
    a = _mm_srli_si128(x1, 4);
    x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, lo32), k, 0x00);
    x1 = _mm_xor_si128(x1, a);
    /* Barrett reduction to 32 bits */
    k = _mm_loadu_si128((const __m128i *)(const void *)KP);
    a = _mm_clmulepi64_si128(_mm_and_si128(x1, lo32), k, 0x10);
    a = _mm_clmulepi64_si128(_mm_and_si128(a, lo32), k, 0x00);
    x1 = _mm_xor_si128(x1, a);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

static int have_clmul(void)
{
    static int known = -1; /* the same answer whoever computes it first */
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
    }
    return known;
}
#endif

uint32_t evtx_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
#ifdef EVTX_CRC_CLMUL
    if (n >= 64 && have_clmul()) {
        size_t bulk = n & ~(size_t)15;
        crc = ~fold(~crc, p, bulk);
        p += bulk;
        n -= bulk;
    }
#endif
    if (n) crc = (uint32_t)crc32(crc, p, (uInt)n);
    return crc;
}
