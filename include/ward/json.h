/*
 * json.h - JSON for ward: string unescaping and escaping, and a small streaming writer for
 * output (dump, alerts, API). The zero-copy event reader is declared in json_reader.h.
 */
#ifndef WARD_JSON_H
#define WARD_JSON_H

#include "ward/core.h"

/*
 * Unescapes JSON string content (the bytes between the quotes) into out, which must have
 * room for n bytes (unescaped text is never longer) and must not overlap in. Handles every escape
 * of RFC 8259, including surrogate pairs; a lone surrogate becomes U+FFFD. Returns the output
 * length, or -(offset+1) of the first invalid escape (out then holds a best-effort rendering:
 * invalid escapes copied literally, and the length of that is stored in *partial_len).
 */
long ward_json_unescape(const char *in, size_t n, char *out, size_t *partial_len);

/* Appends s as a JSON string (with quotes), escaping quotes, backslashes and control
 * characters; invalid UTF-8 bytes become U+FFFD so the output is always valid JSON. */
int ward_json_put_str(struct ward_buf *b, const char *s, size_t n) WARD_MUST_USE;

/*
 * Writer: builds one JSON value into a buffer, tracking commas. Usage:
 *   ward_jw_init(&w, &buf); ward_jw_obj(&w); ward_jw_key(&w, "a"); ward_jw_int(&w, 1);
 *   ward_jw_end(&w);
 * Errors (out of memory, buffer cap) are sticky: check ward_jw_error() at the end.
 */
#define WARD_JW_MAX_DEPTH 64
struct ward_jw {
    struct ward_buf *b;
    int depth;
    int err;
    int pretty;
    unsigned char first[WARD_JW_MAX_DEPTH]; /* 1 when no member written yet at that depth */
    char closer[WARD_JW_MAX_DEPTH];         /* '}' or ']' for each open level */
    unsigned char after_key;
};

void ward_jw_init(struct ward_jw *w, struct ward_buf *b);
void ward_jw_obj(struct ward_jw *w);
void ward_jw_arr(struct ward_jw *w);
void ward_jw_end(struct ward_jw *w);
void ward_jw_key(struct ward_jw *w, const char *k);
void ward_jw_keyn(struct ward_jw *w, const char *k, size_t n);
void ward_jw_str(struct ward_jw *w, const char *s);
void ward_jw_strn(struct ward_jw *w, const char *s, size_t n);
void ward_jw_int(struct ward_jw *w, int64_t v);
void ward_jw_uint(struct ward_jw *w, uint64_t v);
void ward_jw_double(struct ward_jw *w, double v);
void ward_jw_bool(struct ward_jw *w, int v);
void ward_jw_null(struct ward_jw *w);
/* Writes already-serialised JSON text as a value (trusted). */
void ward_jw_raw(struct ward_jw *w, const char *json, size_t n);
static inline int ward_jw_error(const struct ward_jw *w)
{
    return w->err;
}

struct ward_event;
/* Writes an event's fields as one JSON object of flattened keys: numbers, booleans and
 * nulls as themselves, text as strings. With meta, a "_ward" member comes first: source
 * path, record, line, offset, format and time. */
int ward_json_write_event(struct ward_jw *w, struct ward_event *ev, int meta) WARD_MUST_USE;

#endif
