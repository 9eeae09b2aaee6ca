/*
 * json.c - the "json" decoder: JSON Lines, concatenated or pretty-printed JSON documents
 * and top-level arrays of objects, through the zero-copy reader in src/json/reader.c.
 * More specific JSON formats (Suricata EVE, Zeek JSON, CloudTrail) have their own rows
 * that probe higher.
 */
#include "ward/json_reader.h"
#include "decoders.h"

/* 50 when the head starts like a JSON object or an array of objects: a generic answer,
 * so that decoders of specific JSON formats can claim the input with a higher score. */
static int json_probe(const unsigned char *head, size_t n)
{
    size_t i = 0;
    if (n >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
    if (i >= n || (head[i] != '{' && head[i] != '[')) return 0;
    unsigned char open = head[i++];
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) i++;
    if (i >= n) return 30; /* nothing more to see in the head */
    unsigned char c = head[i];
    if (open == '{') return c == '"' || c == '}' ? 50 : 10;
    /* '[': an array of objects (or an empty one); "[2024-..." is more likely a log line */
    return c == '{' || c == ']' ? 50 : 5;
}

static int json_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                     struct ward_err *err)
{
    struct ward_json_reader *r;
    int rc = ward_json_reader_open(&r, s, o, err);
    if (rc) return rc;
    *state = r;
    return 0;
}

static int json_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    return ward_json_reader_next(state, ev, err);
}

static void json_close(void *state)
{
    ward_json_reader_free(state);
}

const struct ward_decoder ward_decoder_json = {
    "json",     "JSON Lines, concatenated or pretty-printed JSON objects, or an array of objects",
    json_probe, json_open,
    json_next,  json_close,
};
