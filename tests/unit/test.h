/*
 * test.h - the unit test harness: checks that count and report failures with file:line,
 * and a closing line "N passed, N failed". A test program exits 0 when all passed, 1 when
 * any failed, 77 when it was skipped (ctest shows it as skipped).
 */
#ifndef WARD_TEST_H
#define WARD_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            t_pass++;                                                                              \
        } else {                                                                                   \
            t_fail++;                                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ == b_) {                                                                            \
            t_pass++;                                                                              \
        } else {                                                                                   \
            t_fail++;                                                                              \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (a_ && b_ && strcmp(a_, b_) == 0) {                                                     \
            t_pass++;                                                                              \
        } else {                                                                                   \
            t_fail++;                                                                              \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,      \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                       \
        }                                                                                          \
    } while (0)

/* Compares a length-delimited slice with a C string. */
#define CHECK_MEM(p, n, s)                                                                         \
    do {                                                                                           \
        const char *p_ = (p), *s_ = (s);                                                           \
        size_t n_ = (n);                                                                           \
        if (p_ && n_ == strlen(s_) && memcmp(p_, s_, n_) == 0) {                                   \
            t_pass++;                                                                              \
        } else {                                                                                   \
            t_fail++;                                                                              \
            fprintf(stderr, "%s:%d: %s == \"%.*s\", expected \"%s\"\n", __FILE__, __LINE__, #p,    \
                    (int)(p_ ? n_ : 6), p_ ? p_ : "(null)", s_);                                   \
        }                                                                                          \
    } while (0)

static inline int test_done(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, t_pass, t_fail);
    return t_fail ? 1 : 0;
}

/* The shared corpus directory, or exit 77 (skip) with a clear message when absent. */
static inline const char *test_corpus(void)
{
    const char *c = getenv("WARD_CORPUS");
    if (!c) c = "../shared/corpus";
    struct stat st;
    if (stat(c, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: the shared corpus is not at %s (set WARD_CORPUS)\n", c);
        exit(77);
    }
    return c;
}

#endif
