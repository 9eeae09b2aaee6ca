/*
 * incident_import.c - alerts from other tools: turns a decoded alert record (the JSON of
 * `ward hunt --format jsonl`, flattened by the JSON reader) into a struct ward_alert, with
 * the triggering event kept verbatim and its entities extracted. Used by `ward case
 * import` and, later, by the service's alert intake.
 */
#include <string.h>

#include "ward/alert.h"
#include "ward/event.h"
#include "ward/json.h"

static int key_is(const char *k, size_t kl, const char *want)
{
    return strlen(want) == kl && memcmp(k, want, kl) == 0;
}

/* "prefix.N" or "prefix.N.suffix": the index N, or -1 */
static long key_index(const char *k, size_t kl, const char *prefix, const char *suffix)
{
    size_t pl = strlen(prefix);
    if (kl <= pl || memcmp(k, prefix, pl) != 0) return -1;
    size_t i = pl;
    long n = 0;
    if (i >= kl || k[i] < '0' || k[i] > '9') return -1;
    while (i < kl && k[i] >= '0' && k[i] <= '9') {
        n = n * 10 + (k[i] - '0');
        if (n > 1000000) return -1;
        i++;
    }
    size_t sl = suffix ? strlen(suffix) : 0;
    if (kl - i != sl || (sl && memcmp(k + i, suffix, sl) != 0)) return -1;
    return n;
}

/* Skips a JSON string starting at p (at the quote); returns the position after it. */
static const char *skip_str(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\') {
            p++;
            continue;
        }
        if (*p == '"') return p + 1;
    }
    return end;
}

/*
 * Finds the text of a top-level member's value in a JSON object held in memory (the
 * record's raw bytes), so that the triggering event is kept byte for byte as it came.
 * Returns 1 with the span, 0 when absent or when the value is not an object.
 */
static int raw_member(const char *raw, size_t n, const char *key, const char **vp, size_t *vn)
{
    const char *p = raw, *end = raw + n;
    size_t klen = strlen(key);
    int depth = 0;
    while (p < end) {
        char c = *p;
        if (c == '"') {
            const char *ks = p + 1;
            const char *ke = skip_str(p, end);
            p = ke;
            if (depth != 1) continue;
            while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
            if (p >= end || *p != ':') continue;
            p++;
            while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
            if ((size_t)(ke - 1 - ks) != klen || memcmp(ks, key, klen) != 0) continue;
            if (p >= end || *p != '{') return 0;
            const char *vs = p;
            int d = 0;
            while (p < end) {
                if (*p == '"') {
                    p = skip_str(p, end);
                    continue;
                }
                if (*p == '{' || *p == '[') d++;
                if ((*p == '}' || *p == ']') && --d == 0) {
                    *vp = vs;
                    *vn = (size_t)(p + 1 - vs);
                    return 1;
                }
                p++;
            }
            return 0;
        }
        if (c == '{' || c == '[') depth++;
        if (c == '}' || c == ']') depth--;
        p++;
    }
    return 0;
}

/*
 * One alert from an event decoded from a JSON line: {"timestamp", "host", "rule": {id,
 * title, level, tags[]}, "attack": {tactics[], techniques[{id, name}]}, "source": {path,
 * record}, "event": {...}} with the keys flattened by the reader; a correlation alert has
 * "correlation": {...} instead of "event".
 */
int ward_alert_from_event(struct ward_event *ev, struct ward_event *sub, struct ward_arena *ar,
                          struct ward_alert *a, struct ward_err *err)
{
    memset(a, 0, sizeof *a);
    a->ts = WARD_TIME_NONE;
    a->rule.level = WARD_SEV_MEDIUM;
    ward_event_reset(sub);
    const char **tags = NULL, **tactics = NULL;
    struct ward_alert_technique *techs = NULL;
    size_t ntags = 0, ntac = 0, ntech = 0;
    enum { MAXN = 64 };
    tags = ward_arena_alloc(ar, MAXN * sizeof *tags);
    tactics = ward_arena_alloc(ar, MAXN * sizeof *tactics);
    techs = ward_arena_alloc(ar, MAXN * sizeof *techs);
    if (!tags || !tactics || !techs) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    memset(techs, 0, MAXN * sizeof *techs);
    memset(tactics, 0, MAXN * sizeof *tactics);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        struct ward_field *f = &ev->fields[i];
        const char *k = ward_field_key(ev, f);
        size_t kl = f->klen;
        struct ward_str v;
        if (ward_event_value(ev, f, &v)) return ward_err_set(err, WARD_ENOMEM, "out of memory");
        if (kl > 6 && memcmp(k, "event.", 6) == 0) {
            if (ward_event_add(sub, k + 6, kl - 6, v.ptr, v.len, (enum ward_vtype)f->type, 0))
                return ward_err_set(err, WARD_ELIMIT, "too many event fields");
            continue;
        }
        char *val = ward_arena_strndup(ar, v.ptr, v.len);
        if (!val) return ward_err_set(err, WARD_ENOMEM, "out of memory");
        long idx;
        if (key_is(k, kl, "timestamp") || key_is(k, kl, "@timestamp") || key_is(k, kl, "time")) {
            if (ward_time_parse(v.ptr, v.len, &a->ts))
                return ward_err_set(err, WARD_EINVAL, "bad timestamp '%s'", val);
        } else if (key_is(k, kl, "host")) {
            if (v.len) a->host = val; /* "" (hunt writes it for alerts of no host): none */
        } else if (key_is(k, kl, "rule.id")) {
            a->rule.id = val;
        } else if (key_is(k, kl, "rule.title")) {
            a->rule.title = val;
        } else if (key_is(k, kl, "rule.level")) {
            int l = ward_level_parse(val);
            if (l < 0) return ward_err_set(err, WARD_EINVAL, "unknown rule level '%s'", val);
            a->rule.level = l;
        } else if ((idx = key_index(k, kl, "rule.tags.", NULL)) >= 0) {
            if (ntags < MAXN) tags[ntags++] = val;
        } else if ((idx = key_index(k, kl, "attack.tactics.", NULL)) >= 0 ||
                   (idx = key_index(k, kl, "attack.tactics.", ".name")) >= 0) {
            /* a list of names, or of {id, name}: the name wins over the id */
            if (idx < MAXN) tactics[idx] = val;
            if ((size_t)idx + 1 > ntac && idx < MAXN) ntac = (size_t)idx + 1;
        } else if ((idx = key_index(k, kl, "attack.tactics.", ".id")) >= 0) {
            if (idx < MAXN && !tactics[idx]) tactics[idx] = val;
            if ((size_t)idx + 1 > ntac && idx < MAXN) ntac = (size_t)idx + 1;
        } else if ((idx = key_index(k, kl, "attack.techniques.", ".id")) >= 0) {
            if (idx < MAXN) techs[idx].id = val;
            if ((size_t)idx + 1 > ntech && idx < MAXN) ntech = (size_t)idx + 1;
        } else if ((idx = key_index(k, kl, "attack.techniques.", ".name")) >= 0) {
            if (idx < MAXN) techs[idx].name = val;
            if ((size_t)idx + 1 > ntech && idx < MAXN) ntech = (size_t)idx + 1;
        } else if ((idx = key_index(k, kl, "attack.techniques.", NULL)) >= 0) {
            /* a plain list of ids */
            if (idx < MAXN) techs[idx].id = val;
            if ((size_t)idx + 1 > ntech && idx < MAXN) ntech = (size_t)idx + 1;
        } else if (key_is(k, kl, "source.path")) {
            a->source.path = val;
        } else if (key_is(k, kl, "source.record")) {
            int64_t r;
            if (!ward_parse_i64(ward_str_make(v.ptr, v.len), &r) && r > 0)
                a->source.record = (uint64_t)r;
        }
    }
    if (!a->rule.id || !a->rule.title)
        return ward_err_set(err, WARD_EINVAL, "the alert has no rule.id or rule.title");
    a->rule.tags = tags;
    a->rule.ntags = ntags;
    a->attack.tactics = tactics;
    a->attack.ntactics = ntac;
    a->attack.techniques = techs;
    a->attack.ntechniques = ntech;
    /* the event verbatim (as flattened JSON) and its entities */
    const char *rv;
    size_t rn;
    if (ev->raw && raw_member(ev->raw, ev->raw_len, "event", &rv, &rn)) {
        char *ej = ward_arena_strndup(ar, rv, rn);
        if (!ej) return ward_err_set(err, WARD_ENOMEM, "out of memory");
        a->event_json = ej;
    } else if (ev->raw && raw_member(ev->raw, ev->raw_len, "correlation", &rv, &rn)) {
        /* a correlation alert (hunt writes no event for it): kept as the store keeps it,
         * {"correlation": {...}}, so the store records it as a burst */
        static const char head[] = "{\"correlation\":";
        char *ej = ward_arena_alloc(ar, sizeof head + rn + 1);
        if (!ej) return ward_err_set(err, WARD_ENOMEM, "out of memory");
        memcpy(ej, head, sizeof head - 1);
        memcpy(ej + sizeof head - 1, rv, rn);
        memcpy(ej + sizeof head - 1 + rn, "}", 2);
        a->event_json = ej;
    }
    if (sub->nfields) {
        struct ward_buf eb;
        struct ward_jw w;
        ward_buf_init(&eb, 16u << 20);
        ward_jw_init(&w, &eb);
        if (ward_json_write_event(&w, sub, 0) || ward_jw_error(&w)) {
            ward_buf_free(&eb);
            return ward_err_set(err, WARD_ENOMEM, "cannot render the event");
        }
        if (!a->event_json) {
            /* no raw text (another decoder): the flattened fields */
            char *ej = ward_arena_strndup(ar, eb.data, eb.len);
            if (!ej) {
                ward_buf_free(&eb);
                return ward_err_set(err, WARD_ENOMEM, "out of memory");
            }
            a->event_json = ej;
        }
        ward_buf_free(&eb);
        struct ward_entity *ents;
        size_t nents;
        if (ward_entities_from_event(sub, ar, 256, &ents, &nents))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        a->entities = ents;
        a->nentities = nents;
        if (!a->host)
            for (size_t i = 0; i < nents; i++)
                if (ents[i].kind == WARD_ENT_HOST) {
                    a->host = ents[i].value;
                    break;
                }
    }
    return 0;
}
