/*
 * json_reader.h - the zero-copy JSON event reader: turns a stream of JSON records into
 * flattened events.
 *
 * Accepted shapes (auto-detected, may even be mixed in one file):
 *   - JSON Lines / NDJSON: one object per line;
 *   - concatenated or pretty-printed documents: objects separated by whitespace, each may
 *     span many lines;
 *   - a top-level array of objects: every element is one record.
 * A UTF-8 byte order mark at the start is skipped.
 *
 * Each record is checked against the full RFC 8259 grammar and flattened: nested object
 * keys are joined with '.', array elements get their index ("answers.0.rdata"). String
 * values point into the reader's buffer (zero copy) and keep their escapes until
 * ward_event_value resolves them (WARD_F_ESCAPED); invalid UTF-8 is kept and flagged
 * (WARD_F_BADUTF8). Numbers are WARD_V_NUM (their text), true/false WARD_V_BOOL, null
 * WARD_V_NULL with value "". An empty object or array ({} or []) below the top level gives
 * one WARD_V_NULL field with its path, so the key stays visible. Duplicate keys are kept in
 * document order. docs/internals/json.md has the details, the limits and the error and
 * resynchronisation rules.
 */
#ifndef WARD_JSON_READER_H
#define WARD_JSON_READER_H

#include "ward/decode.h"
#include "ward/event.h"
#include "ward/stream.h"

struct ward_json_reader;

/* Counters for one reader (for callers that want to report them). */
struct ward_json_stats {
    uint64_t records;  /* records seen, good and bad */
    uint64_t events;   /* records turned into events */
    uint64_t errors;   /* bad records reported */
    uint64_t bad_utf8; /* strings with invalid UTF-8 (kept, flagged) */
    uint64_t bytes;    /* bytes consumed from the stream */
    uint64_t refills;  /* stream reads */
};

/*
 * Starts reading JSON records from s (borrowed: it must outlive the reader; its path names
 * the source in errors). o gives max_record, max_depth and max_fields; NULL means the
 * defaults. Returns 0 and *out (free with ward_json_reader_free), or WARD_ENOMEM.
 */
int ward_json_reader_open(struct ward_json_reader **out, struct ward_stream *s,
                          const struct ward_decode_opts *o, struct ward_err *err) WARD_MUST_USE;

/*
 * Decodes the next record into ev, which the caller has reset (ward_event_reset); the
 * reader sets raw/raw_len, line, offset and record, and leaves path and format as they
 * are. Returns 1 with an event, 0 at the end of the input, or a negative code for a bad
 * record, with err holding path, line, column, byte offset and what was expected. After an
 * error, call again: the reader resumes with the next record (or returns 0 when it cannot).
 * The event's values point into the reader's buffer and are valid until the next call.
 */
int ward_json_reader_next(struct ward_json_reader *r, struct ward_event *ev,
                          struct ward_err *err) WARD_MUST_USE;

/* The reader's counters so far. */
void ward_json_reader_stats(const struct ward_json_reader *r, struct ward_json_stats *out);

/* For tests: the most bytes asked of the stream per read (default 1 MiB; minimum 1). */
void ward_json_reader_set_chunk(struct ward_json_reader *r, size_t n);

/*
 * Flattens one JSON value held in memory into ev, with the reader's rules and checks (for
 * decoders that find JSON inside another format, or a record inside a larger document).
 * The text is copied into the event's arena first, so json is borrowed only for the call
 * and the values live as long as the event's record. With a prefix (may be NULL), keys
 * become "prefix.key" and any JSON value is accepted (a scalar gives one field named
 * prefix); without, the value must be an object. Only whitespace may follow the value.
 * Fields are appended to those ev has. Returns 0, or WARD_ESYNTAX / WARD_ELIMIT /
 * WARD_ENOMEM with err (line and column within json, no path); after an error ev may hold
 * some of the fields: reset it.
 */
int ward_json_flatten(struct ward_event *ev, const char *json, size_t n, const char *prefix,
                      const struct ward_decode_opts *o, struct ward_err *err) WARD_MUST_USE;

/* Frees the reader (not the stream). Accepts NULL. */
void ward_json_reader_free(struct ward_json_reader *r);

#endif
