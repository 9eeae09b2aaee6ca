/*
 * core.h - the foundation every ward module builds on: error values with a location,
 * arenas, size-capped growable buffers, string slices and helpers, hashing, time parsing
 * and logging. Nothing here knows about events, rules or formats.
 */
#ifndef WARD_CORE_H
#define WARD_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define WARD_VERSION "0.1.0"

#if defined(__GNUC__)
#define WARD_MUST_USE __attribute__((warn_unused_result))
#define WARD_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define WARD_LIKELY(x) __builtin_expect(!!(x), 1)
#define WARD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define WARD_MUST_USE
#define WARD_PRINTF(a, b)
#define WARD_LIKELY(x) (x)
#define WARD_UNLIKELY(x) (x)
#endif

/* ---- errors ---------------------------------------------------------------------------- */

/* Return values: 0 is success, negative values are these codes. */
enum {
    WARD_OK = 0,
    WARD_ENOMEM = -1,       /* allocation failed */
    WARD_EINVAL = -2,       /* bad argument or bad input value */
    WARD_EIO = -3,          /* read/write/open failed (errno in the message) */
    WARD_ELIMIT = -4,       /* a size, depth or count limit was hit */
    WARD_ESYNTAX = -5,      /* malformed input: location in the ward_err */
    WARD_EUNSUPPORTED = -6, /* valid input that ward does not handle (reason in message) */
    WARD_ENOTFOUND = -7,    /* a named thing does not exist */
    WARD_ECORRUPT = -8,     /* a checksum or structural check of binary input failed */
    WARD_ESTATE = -9,       /* operation not allowed in the current state */
};

#define WARD_ERR_MSG_MAX 384
#define WARD_ERR_PATH_MAX 512

/*
 * Details of a failure, filled where it is seen. `path`, `line`, `column` and `offset`
 * say where in the input (0 means unknown). The message never ends with a newline.
 */
struct ward_err {
    int code;
    uint64_t line;
    uint64_t column;
    uint64_t offset;
    char path[WARD_ERR_PATH_MAX];
    char msg[WARD_ERR_MSG_MAX];
};

/* Short name of an error code ("syntax error", "limit exceeded" ...). */
const char *ward_strerror(int code);
/* Clears an error value. */
void ward_err_clear(struct ward_err *err);
/* Sets code and message; keeps the location fields as they are. Returns `code`. err may
 * be NULL, then nothing is recorded. */
int ward_err_set(struct ward_err *err, int code, const char *fmt, ...) WARD_PRINTF(3, 4);
/* Sets code, message and location (path may be NULL). Returns `code`. */
int ward_err_at(struct ward_err *err, int code, const char *path, uint64_t line, uint64_t column,
                const char *fmt, ...) WARD_PRINTF(6, 7);
/* Formats "path:line:column: message" (parts that are unknown are left out) into out. */
void ward_err_format(const struct ward_err *err, char *out, size_t outsz);

/* ---- arena ------------------------------------------------------------------------------ */

/* A bump allocator: many small allocations, one free. Blocks are chained; reset keeps the
 * first block for reuse. Not thread-safe: one arena per event, request or thread. */
struct ward_arena_block;
struct ward_arena {
    struct ward_arena_block *head;
    size_t block_size;
    size_t total; /* bytes allocated from the system */
    size_t max;   /* cap on total, 0 = none */
};

void ward_arena_init(struct ward_arena *a, size_t block_size, size_t max);
/* Returns 8-byte aligned memory, or NULL when out of memory or over the cap. */
void *ward_arena_alloc(struct ward_arena *a, size_t n) WARD_MUST_USE;
/* Copies n bytes and a terminating NUL. */
char *ward_arena_strndup(struct ward_arena *a, const char *s, size_t n) WARD_MUST_USE;
char *ward_arena_strdup(struct ward_arena *a, const char *s) WARD_MUST_USE;
/* Frees every allocation but keeps the first block. */
void ward_arena_reset(struct ward_arena *a);
void ward_arena_free(struct ward_arena *a);

/* ---- growable buffer with a cap ---------------------------------------------------------- */

struct ward_buf {
    char *data; /* always NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    size_t max; /* largest len allowed; 0 = SIZE_MAX/2 */
};

void ward_buf_init(struct ward_buf *b, size_t max);
/* Ensures room for `extra` more bytes plus a NUL. WARD_ELIMIT over the cap. */
int ward_buf_reserve(struct ward_buf *b, size_t extra) WARD_MUST_USE;
int ward_buf_append(struct ward_buf *b, const void *p, size_t n) WARD_MUST_USE;
int ward_buf_puts(struct ward_buf *b, const char *s) WARD_MUST_USE;
int ward_buf_putc(struct ward_buf *b, char c) WARD_MUST_USE;
int ward_buf_printf(struct ward_buf *b, const char *fmt, ...) WARD_PRINTF(2, 3) WARD_MUST_USE;
int ward_buf_vprintf(struct ward_buf *b, const char *fmt, va_list ap)
    WARD_PRINTF(2, 0) WARD_MUST_USE;
void ward_buf_reset(struct ward_buf *b);
/* Hands the data to the caller (who frees it with free()) and resets the buffer. */
char *ward_buf_take(struct ward_buf *b);
void ward_buf_free(struct ward_buf *b);

/* ---- strings ------------------------------------------------------------------------------ */

/* A borrowed, not necessarily NUL-terminated, byte slice. */
struct ward_str {
    const char *ptr;
    size_t len;
};

#define WARD_STR(lit) ((struct ward_str){(lit), sizeof(lit) - 1})

static inline struct ward_str ward_str_make(const char *p, size_t n)
{
    struct ward_str s = {p, n};
    return s;
}
struct ward_str ward_str_c(const char *s);
int ward_str_eq(struct ward_str a, struct ward_str b);
int ward_str_eq_c(struct ward_str a, const char *b);
/* ASCII case-insensitive equality. */
int ward_str_ieq(struct ward_str a, struct ward_str b);
int ward_str_ieq_c(struct ward_str a, const char *b);
int ward_str_starts(struct ward_str s, const char *prefix);
/* Lowers ASCII letters in place. */
void ward_ascii_lower(char *p, size_t n);
static inline unsigned char ward_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}
/* Copies with truncation; always NUL-terminates when size > 0. Returns strlen(src). */
size_t ward_strlcpy(char *dst, const char *src, size_t size);
/* Validates UTF-8 (RFC 3629: no overlongs, no surrogates, max U+10FFFF). Returns 0 when
 * valid, else the byte offset + 1 of the first bad sequence. */
size_t ward_utf8_check(const char *p, size_t n);
/* Encodes a code point as UTF-8 into out (4 bytes room). Returns bytes written, 0 if the
 * code point is not encodable. */
size_t ward_utf8_put(uint32_t cp, char *out);
/* Parses a decimal signed integer from the whole slice. 0 on success. */
int ward_parse_i64(struct ward_str s, int64_t *out) WARD_MUST_USE;
/* Parses a number (integer or floating) from the whole slice. 0 on success. */
int ward_parse_double(struct ward_str s, double *out) WARD_MUST_USE;

/* ---- hashing ------------------------------------------------------------------------------ */

/* A fast 64-bit non-cryptographic hash (for tables, not for security). */
uint64_t ward_hash64(const void *p, size_t n, uint64_t seed);
/* The same over ASCII-lowered bytes. */
uint64_t ward_hash64_lower(const void *p, size_t n, uint64_t seed);

/*
 * String interning: maps names to dense ids 0..n-1. Used for field names. Lookups are
 * thread-safe once no thread adds (freeze before starting threads).
 */
struct ward_intern {
    uint32_t *slots; /* id+1, 0 = empty */
    uint64_t *hashes;
    char **names;
    uint32_t *lens;
    uint32_t count;
    uint32_t slot_cap;
    uint32_t names_cap;
    uint64_t serial; /* unique per ward_intern_init in the process: caches of ids check it */
};

void ward_intern_init(struct ward_intern *t);
void ward_intern_free(struct ward_intern *t);
/* Returns the id of name, adding it if absent; negative on error. */
int64_t ward_intern_add(struct ward_intern *t, const char *name, size_t n) WARD_MUST_USE;
/* Returns the id of name or -1 when absent. */
int64_t ward_intern_find(const struct ward_intern *t, const char *name, size_t n);
/* Same with a precomputed ward_hash64(name, n, 0). */
int64_t ward_intern_find_h(const struct ward_intern *t, const char *name, size_t n, uint64_t h);
static inline const char *ward_intern_name(const struct ward_intern *t, uint32_t id)
{
    return id < t->count ? t->names[id] : NULL;
}

/* ---- time ---------------------------------------------------------------------------------- */

/* Nanoseconds since 1970-01-01T00:00:00Z. */
typedef int64_t ward_time_t;
#define WARD_TIME_NONE INT64_MIN

/*
 * Parses the timestamp forms found in logs: RFC 3339 / ISO 8601 ("2019-04-27T15:57:25.868Z",
 * "2019-04-27 15:57:25.868864", with or without zone offset; no zone means UTC), and
 * epoch seconds, milliseconds, microseconds or nanoseconds (chosen by magnitude, with an
 * optional fraction). Returns 0 and sets *out, or WARD_EINVAL.
 */
int ward_time_parse(const char *s, size_t n, ward_time_t *out) WARD_MUST_USE;
/* Formats as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (digits: 0, 3, 6 or 9). Returns the length. */
size_t ward_time_format(ward_time_t t, int digits, char *out, size_t outsz);
/* Days since the epoch for a civil date (proleptic Gregorian). */
int64_t ward_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Converts a Windows FILETIME (100 ns ticks since 1601) to ward time; WARD_TIME_NONE when
 * it lies outside ward time's range (years 1677 to 2262). */
ward_time_t ward_time_from_filetime(uint64_t ft);
/* Monotonic clock in nanoseconds (for progress and benchmarks). */
uint64_t ward_clock_ns(void);

/* ---- logging ------------------------------------------------------------------------------- */

enum ward_log_level { WARD_LOG_ERROR, WARD_LOG_WARN, WARD_LOG_INFO, WARD_LOG_DEBUG };

/* Messages at or below this level go to stderr (default WARN). Set at start-up. */
void ward_log_set_level(enum ward_log_level lvl);
enum ward_log_level ward_log_get_level(void);
/* Whether stderr is a terminal (colour and progress are allowed). Cached at first use. */
int ward_stderr_is_tty(void);
void ward_log(enum ward_log_level lvl, const char *fmt, ...) WARD_PRINTF(2, 3);
/* Logs a ward_err as "ward: path:line:col: message". */
void ward_log_err(enum ward_log_level lvl, const struct ward_err *err);

#define ward_error(...) ward_log(WARD_LOG_ERROR, __VA_ARGS__)
#define ward_warn(...) ward_log(WARD_LOG_WARN, __VA_ARGS__)
#define ward_info(...) ward_log(WARD_LOG_INFO, __VA_ARGS__)
#define ward_debug(...) ward_log(WARD_LOG_DEBUG, __VA_ARGS__)

#endif
