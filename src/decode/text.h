/*
 * text.h - helpers shared by the line-based decoders (private to src/decode): a line
 * reader over a ward_stream with a cap on line length, and small scanners for the
 * key=value and delimited shapes that syslog, auditd, CEF, LEEF, Zeek and access logs use.
 */
#ifndef WARD_DECODE_TEXT_H
#define WARD_DECODE_TEXT_H

#include "ward/decode.h"

/*
 * A line reader. Lines end with LF (a CR before it is dropped); the last line may lack its
 * LF. A returned line points into the reader's buffer and stays valid until the next call.
 */
struct text_lines {
    struct ward_stream *s;
    char *buf;
    size_t cap, len, pos;
    size_t max;      /* longest line accepted */
    uint64_t lineno; /* 1-based number of the line last returned */
    uint64_t offset; /* byte offset of the line last returned */
    uint64_t base;   /* stream offset of buf[0] */
    int eof;
    int io_error;
};

int text_lines_init(struct text_lines *l, struct ward_stream *s, size_t max);
void text_lines_free(struct text_lines *l);
/* 1 with a line in *line, 0 at the end, negative on a read error or an over-long line (the
 * line is skipped; err says where; the next call goes on after it). */
int text_lines_next(struct text_lines *l, struct ward_str *line, struct ward_err *err);
/* Reads exactly n bytes (after what is buffered) as one record, for octet-counted framing.
 * 1 with the bytes, 0 at the end, negative when the stream ends short or n is over max. */
int text_lines_take(struct text_lines *l, size_t n, struct ward_str *out, struct ward_err *err);
/* Peeks the bytes buffered after the last record without consuming (fills when empty). */
int text_lines_peek(struct text_lines *l, const char **p, size_t *n, struct ward_err *err);

/* The first line of a probe head (without CR/LF), at most n bytes. */
/*
 * Decoders with one record per line (CEF, LEEF, Squid, web access logs) share their state
 * and framing: the state is a struct text_lines. text_line_open / text_line_close are their
 * open and close rows; text_line_record reads the next non-empty line into *l and sets the
 * event's line, offset and raw text (1 a line, 0 at the end, negative on error).
 */
int text_line_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                   struct ward_err *err);
int text_line_record(struct text_lines *tl, struct ward_event *ev, struct ward_str *l,
                     struct ward_err *err);
void text_line_close(void *state);

struct ward_str text_first_line(const unsigned char *head, size_t n);
/* Splits the probe head into at most max lines, calling fn for each complete or final
 * line; returns how many lines fn scored as matching and sets *total to lines seen. */
int text_probe_lines(const unsigned char *head, size_t n, int max, int (*fn)(struct ward_str),
                     int *total);

static inline int text_is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static inline int text_is_space(char c)
{
    return c == ' ' || c == '\t';
}
/* Parses an unsigned decimal of at most maxdigits digits at *p (advances). -1 when none. */
long long text_uint(const char **p, const char *end, int maxdigits);
/* Trims spaces and tabs on both sides. */
struct ward_str text_trim(struct ward_str s);
/* Whether s is all decimal digits (and not empty). */
int text_all_digits(struct ward_str s);
/* Month number 1..12 from a 3-letter English abbreviation, 0 when none. */
int text_month(const char *p);

/* Whether the head's first non-blank line starts a JSON object and contains every one of
 * keys (literal byte strings such as "\"event_type\":"), for probes of JSON formats. */
int text_json_head_has(const unsigned char *head, size_t n, const char *const *keys);

/* Adds a field with a C-string key, zero copy. */
int text_add(struct ward_event *ev, const char *key, struct ward_str v, enum ward_vtype t);
/* Adds a field whose type is WARD_V_NUM when the value is a decimal integer. */
int text_add_auto(struct ward_event *ev, const char *key, size_t klen, struct ward_str v);

#endif
