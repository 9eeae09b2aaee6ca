/*
 * load.c - reading intel files: paths (files, directories, MISP feed directories), format
 * detection by content (JSON: STIX or MISP per record; text: CSV with a header or a plain
 * list), and the CSV and plain-list loaders.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ioc_int.h"
#include "ioc_stix.h"
#include "ward/decode.h"
#include "ward/json_reader.h"
#include "ward/stream.h"

#define MAX_INTEL_FILE ((size_t)2 << 30)

/* ---- JSON ------------------------------------------------------------------------------- */

static int starts(const char *k, size_t n, const char *pfx)
{
    size_t l = strlen(pfx);
    return n >= l && memcmp(k, pfx, l) == 0;
}

enum rec_kind { REC_UNKNOWN, REC_STIX, REC_MISP, REC_MANIFEST, REC_SCHEMA };

static enum rec_kind classify(struct ward_event *ev)
{
    int has_type = 0, has_stix_id = 0, has_uuid_key = 0, has_info = 0, has_event_key = 0;
    for (uint32_t i = 0; i < ev->nfields && i < 4096; i++) {
        struct ward_field *f = &ev->fields[i];
        const char *k = ward_field_key(ev, f);
        size_t kn = f->klen;
        if (starts(k, kn, "objects.")) return REC_STIX;
        if (starts(k, kn, "Event.") || starts(k, kn, "Attribute.") || starts(k, kn, "Object.") ||
            starts(k, kn, "response."))
            return REC_MISP;
        if (kn == 4 && memcmp(k, "type", 4) == 0) has_type = 1;
        if (kn == 7 && memcmp(k, "$schema", 7) == 0) return REC_SCHEMA;
        if (kn == 4 && memcmp(k, "info", 4) == 0) has_info = 1;
        if ((kn == 4 && memcmp(k, "date", 4) == 0) || (kn == 8 && memcmp(k, "analysis", 8) == 0) ||
            (kn == 15 && memcmp(k, "threat_level_id", 15) == 0))
            has_event_key = 1;
        if (kn == 2 && memcmp(k, "id", 2) == 0 && f->vlen > 2 && memmem(f->val, f->vlen, "--", 2))
            has_stix_id = 1;
        if (kn > 37 && k[36] == '.' && k[8] == '-' && k[13] == '-') has_uuid_key = 1;
    }
    if (has_type && has_stix_id) return REC_STIX;
    if (has_info && has_event_key) return REC_MISP; /* an event without attributes */
    if (has_uuid_key) return REC_MANIFEST;
    return REC_UNKNOWN;
}

int ioc_load_json(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                  const struct ward_ioc_load_opts *o, struct ward_err *err)
{
    struct ward_stream *s = NULL;
    int rc = ward_stream_open_mem(&s, data, len, path, err);
    if (rc) return rc;
    struct ward_decode_opts dopts;
    ward_decode_opts_default(&dopts);
    dopts.max_record = len + 1;
    dopts.max_fields = 1u << 26;
    dopts.max_depth = 64;
    struct ward_json_reader *r = NULL;
    rc = ward_json_reader_open(&r, s, &dopts, err);
    if (rc) {
        ward_stream_close(s);
        return rc;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) {
        ward_json_reader_free(r);
        ward_stream_close(s);
        return WARD_ENOMEM;
    }
    ev.max_fields = dopts.max_fields;
    struct ioc_stix_ctx sctx;
    ioc_stix_ctx_init(&sctx);
    int records = 0;
    for (;;) {
        ward_event_reset(&ev);
        struct ward_err e;
        ward_err_clear(&e);
        int k = ward_json_reader_next(r, &ev, &e);
        if (k == 0) break;
        if (k < 0) {
            char msg[WARD_ERR_MSG_MAX + 64];
            snprintf(msg, sizeof msg, "%s", e.msg);
            rc = ioc_problem(set, WARD_IOC_FILE_ERROR, path, e.line, NULL, NULL, 0, 0, "JSON: %s",
                             msg);
            if (rc || e.code == WARD_EIO || e.code == WARD_ENOMEM) break;
            continue;
        }
        records++;
        switch (classify(&ev)) {
        case REC_STIX: rc = ioc_stix_record(set, &sctx, &ev, path, o); break;
        case REC_MISP: rc = ioc_misp_record(set, &ev, path, o); break;
        case REC_MANIFEST:
            rc = ioc_problem(set, WARD_IOC_FILE_ERROR, path, ev.line, NULL, NULL, 0, 0,
                             "a MISP feed manifest: give the feed's directory instead");
            break;
        case REC_SCHEMA:
            rc = ioc_problem(set, WARD_IOC_FILE_ERROR, path, ev.line, NULL, NULL, 0, 0,
                             "a JSON schema, not intel");
            break;
        default:
            if (o->format && strcmp(o->format, "misp") == 0)
                rc = ioc_misp_record(set, &ev, path, o);
            else
                rc = ioc_problem(set, WARD_IOC_FILE_ERROR, path, ev.line, NULL, NULL, 0, 0,
                                 "JSON record is neither STIX 2.1 (bundle or object) nor a MISP "
                                 "event");
            break;
        }
        if (rc) break;
    }
    ioc_stix_finish(set, &sctx);
    ioc_stix_ctx_free(&sctx);
    ward_event_free(&ev);
    ward_json_reader_free(r);
    ward_stream_close(s);
    if (rc == WARD_ENOMEM) return ward_err_set(err, rc, "out of memory");
    return 0;
}

/* ---- CSV -------------------------------------------------------------------------------- */

#define CSV_MAX_COLS 64

struct csv_row {
    struct ward_str col[CSV_MAX_COLS];
    int n;
    char *scratch; /* unquoted copies */
    size_t scratch_len, scratch_cap;
};

/* Splits one record starting at *pos; returns 0 at end of data, 1 with a row. Quoted
 * fields may hold the separator, doubled quotes and newlines. */
static int csv_next(const char *d, size_t len, size_t *pos, char sep, struct csv_row *row,
                    uint64_t *line)
{
    if (*pos >= len) return 0;
    row->n = 0;
    row->scratch_len = 0;
    size_t i = *pos;
    for (;;) {
        struct ward_str c = {d + i, 0};
        if (i < len && d[i] == '"') {
            i++;
            size_t start = row->scratch_len;
            while (i < len) {
                if (d[i] == '"') {
                    if (i + 1 < len && d[i + 1] == '"') {
                        row->scratch[row->scratch_len++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                if (d[i] == '\n') (*line)++;
                row->scratch[row->scratch_len++] = d[i++];
            }
            /* text after the closing quote up to the separator is kept */
            while (i < len && d[i] != sep && d[i] != '\n' && d[i] != '\r')
                row->scratch[row->scratch_len++] = d[i++];
            c.ptr = row->scratch + start;
            c.len = row->scratch_len - start;
        } else {
            size_t s = i;
            while (i < len && d[i] != sep && d[i] != '\n') i++;
            size_t e = i;
            if (e > s && d[e - 1] == '\r') e--;
            c.ptr = d + s;
            c.len = e - s;
        }
        if (row->n < CSV_MAX_COLS) row->col[row->n++] = c;
        if (i < len && d[i] == sep) {
            i++;
            continue;
        }
        while (i < len && d[i] == '\r') i++;
        if (i < len && d[i] == '\n') i++;
        break;
    }
    *pos = i;
    return 1;
}

enum {
    COL_TYPE,
    COL_VALUE,
    COL_SOURCE,
    COL_TLP,
    COL_CONF,
    COL_VFROM,
    COL_VUNTIL,
    COL_FSEEN,
    COL_LSEEN,
    COL_NAME,
    COL_ID,
    COL_LABELS,
    COL_TOIDS,
    COL_N
};

static const struct {
    const char *name;
    int col;
} csv_names[] = {
    {"type", COL_TYPE},        {"indicator_type", COL_TYPE},
    {"ioc_type", COL_TYPE},    {"attribute_type", COL_TYPE},
    {"value", COL_VALUE},      {"indicator", COL_VALUE},
    {"ioc", COL_VALUE},        {"observable", COL_VALUE},
    {"ioc_value", COL_VALUE},  {"source", COL_SOURCE},
    {"feed", COL_SOURCE},      {"tlp", COL_TLP},
    {"confidence", COL_CONF},  {"score", COL_CONF},
    {"valid_from", COL_VFROM}, {"valid_until", COL_VUNTIL},
    {"first_seen", COL_FSEEN}, {"last_seen", COL_LSEEN},
    {"name", COL_NAME},        {"description", COL_NAME},
    {"comment", COL_NAME},     {"id", COL_ID},
    {"uuid", COL_ID},          {"labels", COL_LABELS},
    {"tags", COL_LABELS},      {"category", COL_LABELS},
    {"to_ids", COL_TOIDS},
};

/* Whether the first line is a CSV header with a value column; fills the column map. */
static int csv_header(const char *d, size_t len, char *sep_out, int map[COL_N])
{
    size_t e = 0;
    while (e < len && d[e] != '\n') e++;
    const char seps[] = {',', ';', '\t'};
    for (int s = 0; s < 3; s++) {
        if (!memchr(d, seps[s], e)) continue;
        for (int c = 0; c < COL_N; c++) map[c] = -1;
        size_t i = 0;
        int col = 0;
        while (i <= e && col < CSV_MAX_COLS) {
            size_t st = i;
            while (i < e && d[i] != seps[s]) i++;
            struct ward_str name = ward_str_make(d + st, i - st);
            while (name.len && (name.ptr[0] == ' ' || name.ptr[0] == '"' || name.ptr[0] == '#'))
                name.ptr++, name.len--;
            while (name.len && (name.ptr[name.len - 1] == ' ' || name.ptr[name.len - 1] == '"' ||
                                name.ptr[name.len - 1] == '\r'))
                name.len--;
            for (size_t k = 0; k < sizeof csv_names / sizeof csv_names[0]; k++)
                if (ward_str_ieq_c(name, csv_names[k].name) && map[csv_names[k].col] < 0)
                    map[csv_names[k].col] = col;
            col++;
            i++;
        }
        if (map[COL_VALUE] >= 0) {
            *sep_out = seps[s];
            return 1;
        }
    }
    return 0;
}

static struct ward_str col_of(const struct csv_row *r, const int map[COL_N], int c)
{
    if (map[c] < 0 || map[c] >= r->n) return ward_str_make(NULL, 0);
    struct ward_str s = r->col[map[c]];
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return s;
}

static ward_time_t csv_time(struct ward_str s)
{
    ward_time_t t;
    if (s.len && ward_time_parse(s.ptr, s.len, &t) == 0) return t;
    return WARD_TIME_NONE;
}

/* Whether a header name is a type name ward or MISP knows (for typed-column CSV). */
static int is_type_name(struct ward_str name)
{
    int kind, nparts;
    const char *why;
    struct ward_ioc_set *probe;
    if (!name.len || name.len > 64) return 0;
    /* ask the type mapper on a scratch set with an empty value: known types fail on the
     * value (INVALID), unknown ones say UNSUPPORTED */
    if (ward_ioc_set_new(&probe)) return 0;
    int got = ioc_add_typed(probe, name.ptr, name.len, "", 0, NULL, &kind, &why, &nparts);
    ward_ioc_set_free(probe);
    return got == 0 && kind == WARD_IOC_INVALID;
}

/* CSV whose columns are named by types ("md5, sha1, sha256", MISP's CSV import): every
 * cell of a typed column is a value of that type; other columns are reported once. */
static int load_typed_columns(struct ward_ioc_set *set, const char *path, const char *data,
                              size_t len, const struct ward_ioc_load_opts *o, struct ward_err *err)
{
    size_t e = 0;
    while (e < len && data[e] != '\n') e++;
    char sep = memchr(data, ',', e) ? ',' : memchr(data, ';', e) ? ';' : '\t';
    struct csv_row hdr, row;
    memset(&hdr, 0, sizeof hdr);
    memset(&row, 0, sizeof row);
    hdr.scratch = malloc(e + 1);
    row.scratch = malloc(len + 1);
    if (!hdr.scratch || !row.scratch) {
        free(hdr.scratch);
        free(row.scratch);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    size_t pos = 0;
    uint64_t line = 1;
    csv_next(data, e, &pos, sep, &hdr, &line);
    pos = e < len ? e + 1 : len;
    line = 2;
    int typed[CSV_MAX_COLS];
    for (int c = 0; c < hdr.n; c++) {
        struct ward_str h = hdr.col[c];
        while (h.len && h.ptr[0] == ' ') h.ptr++, h.len--;
        while (h.len && (h.ptr[h.len - 1] == ' ' || h.ptr[h.len - 1] == '\r')) h.len--;
        hdr.col[c] = h;
        typed[c] = is_type_name(h);
    }
    struct ward_ioc_meta *m = ioc_meta_new(set);
    int rc = m ? 0 : WARD_ENOMEM;
    if (m) {
        m->source = ioc_source(set, o->source ? o->source : path);
        m->confidence = o->confidence;
        m->tlp = o->tlp;
        m->flags = WARD_IOC_F_TO_IDS;
    }
    char refang[4096];
    while (rc == 0) {
        uint64_t rec_line = line;
        if (!csv_next(data, len, &pos, sep, &row, &line)) break;
        line++;
        if (row.n == 1 && row.col[0].len == 0) continue;
        for (int c = 0; c < row.n && c < hdr.n && rc == 0; c++) {
            struct ward_str v = row.col[c];
            while (v.len && (v.ptr[0] == ' ' || v.ptr[0] == '\t')) v.ptr++, v.len--;
            while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '\t')) v.len--;
            if (!v.len) continue;
            set->stats.objects++;
            if (!typed[c]) {
                rc = ioc_problem(set, WARD_IOC_UNSUPPORTED, path, rec_line, NULL, v.ptr, v.len, 0,
                                 "column '%.*s' is not an indicator type ward matches",
                                 (int)(hdr.col[c].len < 60 ? hdr.col[c].len : 60), hdr.col[c].ptr);
                continue;
            }
            size_t vl = v.len < sizeof refang - 16 ? v.len : sizeof refang - 16;
            vl = ward_ioc_refang(v.ptr, vl, refang, sizeof refang);
            int kind = 0, nparts = 0;
            const char *why = NULL;
            int got = ioc_add_typed(set, hdr.col[c].ptr, hdr.col[c].len, refang, vl, m, &kind, &why,
                                    &nparts);
            if (got < 0)
                rc = got;
            else if (got == nparts)
                set->stats.objects_loaded++;
            else
                rc = ioc_problem(set, (enum ward_ioc_problem_kind)kind, path, rec_line, NULL, v.ptr,
                                 v.len, 0, "column '%.*s': %s",
                                 (int)(hdr.col[c].len < 60 ? hdr.col[c].len : 60), hdr.col[c].ptr,
                                 why ? why : "bad value");
        }
    }
    free(hdr.scratch);
    free(row.scratch);
    if (rc == WARD_ENOMEM) return ward_err_set(err, rc, "out of memory");
    return 0;
}

/* Whether the first line names at least one type column (and no value column). */
static int typed_header(const char *data, size_t len)
{
    size_t e = 0;
    while (e < len && data[e] != '\n') e++;
    if (!memchr(data, ',', e) && !memchr(data, ';', e) && !memchr(data, '\t', e)) return 0;
    int any = 0;
    size_t i = 0;
    while (i < e) {
        size_t st = i;
        while (i < e && data[i] != ',' && data[i] != ';' && data[i] != '\t') i++;
        struct ward_str h = ward_str_make(data + st, i - st);
        while (h.len && (h.ptr[0] == ' ' || h.ptr[0] == '"')) h.ptr++, h.len--;
        while (h.len &&
               (h.ptr[h.len - 1] == ' ' || h.ptr[h.len - 1] == '"' || h.ptr[h.len - 1] == '\r'))
            h.len--;
        if (is_type_name(h)) any = 1;
        i++;
    }
    return any;
}

int ioc_load_csv(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                 const struct ward_ioc_load_opts *o, struct ward_err *err)
{
    int map[COL_N];
    char sep = ',';
    if (!csv_header(data, len, &sep, map)) {
        if (typed_header(data, len)) return load_typed_columns(set, path, data, len, o, err);
        return ioc_load_list(set, path, data, len, o, err);
    }
    struct csv_row row;
    memset(&row, 0, sizeof row);
    row.scratch_cap = len + 1;
    row.scratch = malloc(row.scratch_cap);
    if (!row.scratch) return WARD_ENOMEM;
    size_t pos = 0;
    uint64_t line = 1, rec_line;
    if (!csv_next(data, len, &pos, sep, &row, &line)) { /* header */
        free(row.scratch);
        return 0;
    }
    line++;
    int has_ctx = 0;
    for (int c = COL_SOURCE; c < COL_N; c++)
        if (map[c] >= 0) has_ctx = 1;
    struct ward_ioc_meta *file_meta = NULL, *prev_meta = NULL;
    char prev_key[1024];
    size_t prev_key_len = (size_t)-1;
    int rc = 0;
    char refang[4096];
    while (rc == 0) {
        rec_line = line;
        if (!csv_next(data, len, &pos, sep, &row, &line)) break;
        line++;
        if (row.n == 1 && row.col[0].len == 0) continue; /* blank line */
        if (row.n >= 1 && row.col[0].len && row.col[0].ptr[0] == '#') continue;
        struct ward_str value = col_of(&row, map, COL_VALUE);
        struct ward_str type = col_of(&row, map, COL_TYPE);
        set->stats.objects++;
        if (!value.len) {
            rc = ioc_problem(set, WARD_IOC_INVALID, path, rec_line, NULL, NULL, 0, 0,
                             "row without a value");
            continue;
        }
        /* the row's context: reuse the previous meta when it is the same */
        struct ward_ioc_meta *m;
        if (!has_ctx) {
            if (!file_meta) {
                file_meta = ioc_meta_new(set);
                if (!file_meta) {
                    rc = WARD_ENOMEM;
                    break;
                }
                file_meta->source = ioc_source(set, o->source ? o->source : path);
                file_meta->confidence = o->confidence;
                file_meta->tlp = o->tlp;
                file_meta->flags = WARD_IOC_F_TO_IDS;
            }
            m = file_meta;
        } else {
            char key[1024];
            size_t kl = 0;
            for (int c = COL_SOURCE; c < COL_N; c++) {
                struct ward_str v = col_of(&row, map, c);
                if (kl + v.len + 2 >= sizeof key) {
                    kl = sizeof key; /* too long to compare: new meta */
                    break;
                }
                memcpy(key + kl, v.ptr ? v.ptr : "", v.len);
                kl += v.len;
                key[kl++] = '\x1f';
            }
            if (prev_meta && kl == prev_key_len && memcmp(key, prev_key, kl) == 0) {
                m = prev_meta;
            } else {
                m = ioc_meta_new(set);
                if (!m) {
                    rc = WARD_ENOMEM;
                    break;
                }
                struct ward_str v = col_of(&row, map, COL_SOURCE);
                m->source = v.len ? ioc_strdup(set, v.ptr, v.len)
                                  : ioc_source(set, o->source ? o->source : path);
                v = col_of(&row, map, COL_TLP);
                m->tlp = v.len ? (uint8_t)ward_tlp_parse(v.ptr, v.len) : o->tlp;
                v = col_of(&row, map, COL_CONF);
                int64_t conf;
                m->confidence = o->confidence;
                if (v.len && ward_parse_i64(v, &conf) == 0 && conf >= 0 && conf <= 100)
                    m->confidence = (int16_t)conf;
                m->valid_from = csv_time(col_of(&row, map, COL_VFROM));
                m->valid_until = csv_time(col_of(&row, map, COL_VUNTIL));
                m->first_seen = csv_time(col_of(&row, map, COL_FSEEN));
                m->last_seen = csv_time(col_of(&row, map, COL_LSEEN));
                v = col_of(&row, map, COL_NAME);
                if (v.len) m->name = ioc_strdup(set, v.ptr, v.len);
                v = col_of(&row, map, COL_ID);
                if (v.len) m->id = ioc_strdup(set, v.ptr, v.len);
                v = col_of(&row, map, COL_LABELS);
                if (v.len) m->labels = ioc_strdup(set, v.ptr, v.len);
                v = col_of(&row, map, COL_TOIDS);
                m->flags = (v.len && (ward_str_ieq_c(v, "false") || ward_str_eq_c(v, "0")))
                               ? WARD_IOC_F_NOT_IDS
                               : WARD_IOC_F_TO_IDS;
                m->line = rec_line;
                if (kl < sizeof key) {
                    memcpy(prev_key, key, kl);
                    prev_key_len = kl;
                    prev_meta = m;
                } else {
                    prev_meta = NULL;
                }
            }
        }
        if (o->ids_only && (m->flags & WARD_IOC_F_NOT_IDS)) {
            rc = ioc_problem(set, WARD_IOC_SKIPPED, path, rec_line, m->id, value.ptr, value.len, 0,
                             "to_ids is false (--ids-only)");
            continue;
        }
        size_t vl = value.len < sizeof refang - 16 ? value.len : sizeof refang - 16;
        vl = ward_ioc_refang(value.ptr, vl, refang, sizeof refang);
        int kind = 0, nparts = 0;
        const char *why = NULL;
        int got;
        if (type.len) {
            got = ioc_add_typed(set, type.ptr, type.len, refang, vl, m, &kind, &why, &nparts);
        } else {
            nparts = 1;
            got = ioc_add_value(set, -1, refang, vl, m, &why) == 0;
            kind = WARD_IOC_INVALID;
        }
        if (got < 0) {
            rc = got;
            break;
        }
        if (got == nparts) {
            set->stats.objects_loaded++;
        } else if (got > 0) {
            set->stats.objects_partial++;
            rc = ioc_problem(set, WARD_IOC_INVALID, path, rec_line, m->id, value.ptr, value.len, 1,
                             "%d of %d parts loaded: %s", got, nparts, why);
        } else {
            rc = ioc_problem(set, (enum ward_ioc_problem_kind)kind, path, rec_line, m->id,
                             value.ptr, value.len, 0, "%s%.*s%s%s", type.len ? "type '" : "",
                             (int)(type.len < 60 ? type.len : 60), type.ptr ? type.ptr : "",
                             type.len ? "': " : "", why ? why : "bad value");
        }
    }
    free(row.scratch);
    if (rc == WARD_ENOMEM) return ward_err_set(err, rc, "out of memory");
    return 0;
}

/* ---- plain lists ------------------------------------------------------------------------ */

int ioc_load_list(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                  const struct ward_ioc_load_opts *o, struct ward_err *err)
{
    struct ward_ioc_meta *m = ioc_meta_new(set);
    if (!m) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    m->source = ioc_source(set, o->source ? o->source : path);
    m->confidence = o->confidence;
    m->tlp = o->tlp;
    m->flags = WARD_IOC_F_TO_IDS;
    size_t pos = 0;
    uint64_t line = 0;
    char refang[4096];
    int rc = 0;
    while (pos < len && rc == 0) {
        const char *s = data + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl ? 1 : 0);
        line++;
        /* the first token of the line; the rest is a comment */
        size_t a = 0;
        while (a < n && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r')) a++;
        if (a == n || s[a] == '#' || s[a] == ';' || (s[a] == '/' && a + 1 < n && s[a + 1] == '/'))
            continue;
        size_t b = a;
        while (b < n && s[b] != ' ' && s[b] != '\t' && s[b] != '\r' && s[b] != ',') b++;
        set->stats.objects++;
        size_t vl = b - a < sizeof refang - 16 ? b - a : sizeof refang - 16;
        vl = ward_ioc_refang(s + a, vl, refang, sizeof refang);
        const char *why = NULL;
        int ar = ioc_add_value(set, -1, refang, vl, m, &why);
        if (ar == 0) {
            set->stats.objects_loaded++;
        } else if (ar == WARD_ENOMEM) {
            rc = ar;
        } else {
            rc = ioc_problem(set, WARD_IOC_INVALID, path, line, NULL, s + a, b - a, 0, "%s",
                             why ? why : "bad value");
        }
    }
    if (rc == WARD_ENOMEM) return ward_err_set(err, rc, "out of memory");
    return 0;
}

/* ---- dispatch --------------------------------------------------------------------------- */

int ward_ioc_load_mem(struct ward_ioc_set *set, const char *path, const char *data, size_t len,
                      const struct ward_ioc_load_opts *o, struct ward_err *err)
{
    struct ward_ioc_load_opts def;
    if (!o) {
        ward_ioc_load_opts_default(&def);
        o = &def;
    }
    if (set->compiled) return ward_err_set(err, WARD_ESTATE, "the indicator set is compiled");
    set->stats.files++;
    size_t i = 0;
    if (len >= 3 && (unsigned char)data[0] == 0xef && (unsigned char)data[1] == 0xbb &&
        (unsigned char)data[2] == 0xbf)
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
        i++;
    const char *fmt = o->format;
    if (!fmt) fmt = (i < len && (data[i] == '{' || data[i] == '[')) ? "json" : "csv";
    if (strcmp(fmt, "json") == 0 || strcmp(fmt, "stix") == 0 || strcmp(fmt, "misp") == 0)
        return ioc_load_json(set, path, data, len, o, err);
    if (strcmp(fmt, "csv") == 0) return ioc_load_csv(set, path, data, len, o, err);
    if (strcmp(fmt, "list") == 0) return ioc_load_list(set, path, data, len, o, err);
    return ward_err_set(err, WARD_EINVAL, "unknown intel format '%s'", fmt);
}

static int read_file(const char *path, struct ward_buf *b, struct ward_err *err)
{
    struct ward_stream *s = NULL;
    int rc = ward_stream_open_file(&s, path, err);
    if (rc) return rc;
    for (;;) {
        if (ward_buf_reserve(b, 1 << 20)) {
            ward_stream_close(s);
            return ward_err_at(err, WARD_ELIMIT, path, 0, 0, "file larger than %zu bytes",
                               (size_t)MAX_INTEL_FILE);
        }
        ssize_t k = ward_stream_read(s, b->data + b->len, b->cap - b->len - 1, err);
        if (k < 0) {
            ward_stream_close(s);
            return (int)k;
        }
        if (k == 0) break;
        b->len += (size_t)k;
    }
    if (b->data) b->data[b->len] = 0;
    ward_stream_close(s);
    return 0;
}

static int load_file(struct ward_ioc_set *set, const char *path, const struct ward_ioc_load_opts *o,
                     struct ward_err *err)
{
    struct ward_buf b;
    ward_buf_init(&b, MAX_INTEL_FILE);
    int rc = read_file(path, &b, err);
    if (rc) {
        ward_buf_free(&b);
        if (!err->path[0]) ward_strlcpy(err->path, path, sizeof err->path);
        int prc = ioc_problem(set, WARD_IOC_FILE_ERROR, path, 0, NULL, NULL, 0, 0, "%s", err->msg);
        return prc ? prc : rc;
    }
    rc = ward_ioc_load_mem(set, path, b.data ? b.data : "", b.len, o, err);
    ward_buf_free(&b);
    return rc;
}

/* A MISP feed: manifest.json names the events, each in <uuid>.json next to it. */
static int load_feed(struct ward_ioc_set *set, const char *dir, const struct ward_ioc_load_opts *o,
                     struct ward_err *err)
{
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
    struct ward_buf b;
    ward_buf_init(&b, MAX_INTEL_FILE);
    int rc = read_file(mpath, &b, err);
    if (rc) {
        ward_buf_free(&b);
        return ioc_problem(set, WARD_IOC_FILE_ERROR, mpath, 0, NULL, NULL, 0, 0, "%s", err->msg);
    }
    struct ward_stream *s = NULL;
    struct ward_json_reader *r = NULL;
    struct ward_event ev;
    int evok = 0;
    char **uuids = NULL;
    size_t nuuids = 0, cap = 0;
    rc = ward_stream_open_mem(&s, b.data ? b.data : "", b.len, mpath, err);
    struct ward_decode_opts dopts;
    ward_decode_opts_default(&dopts);
    dopts.max_record = b.len + 1;
    dopts.max_fields = 1u << 26;
    if (!rc) rc = ward_json_reader_open(&r, s, &dopts, err);
    if (!rc) rc = ward_event_init(&ev, NULL);
    if (!rc) {
        evok = 1;
        ev.max_fields = dopts.max_fields;
        struct ward_err e;
        ward_err_clear(&e);
        int k = ward_json_reader_next(r, &ev, &e);
        if (k < 0) {
            rc = ioc_problem(set, WARD_IOC_FILE_ERROR, mpath, e.line, NULL, NULL, 0, 0, "JSON: %s",
                             e.msg);
        } else if (k > 0) {
            for (uint32_t i = 0; i < ev.nfields && rc == 0; i++) {
                const char *key = ward_field_key(&ev, &ev.fields[i]);
                const char *dot = strchr(key, '.');
                size_t ul = dot ? (size_t)(dot - key) : strlen(key);
                if (ul == 0 || ul > 200) continue;
                if (nuuids && strlen(uuids[nuuids - 1]) == ul &&
                    memcmp(uuids[nuuids - 1], key, ul) == 0)
                    continue;
                if (nuuids == cap) {
                    cap = cap ? cap * 2 : 64;
                    char **nu = realloc(uuids, cap * sizeof *nu);
                    if (!nu) {
                        rc = WARD_ENOMEM;
                        break;
                    }
                    uuids = nu;
                }
                uuids[nuuids] = strndup(key, ul);
                if (!uuids[nuuids]) {
                    rc = WARD_ENOMEM;
                    break;
                }
                nuuids++;
            }
        }
    }
    if (evok) ward_event_free(&ev);
    ward_json_reader_free(r);
    ward_stream_close(s);
    ward_buf_free(&b);
    for (size_t i = 0; i < nuuids; i++) {
        if (rc == 0) {
            int bad = 0;
            for (const char *c = uuids[i]; *c; c++)
                if (*c == '/' || (*c == '.' && c[1] == '.')) bad = 1;
            char epath[4096];
            snprintf(epath, sizeof epath, "%s/%s.json", dir, uuids[i]);
            if (bad) {
                rc = ioc_problem(set, WARD_IOC_FILE_ERROR, mpath, 0, uuids[i], NULL, 0, 0,
                                 "manifest entry is not a plain event uuid");
            } else {
                struct ward_err e;
                ward_err_clear(&e);
                rc = load_file(set, epath, o, &e);
                if (rc != WARD_ENOMEM) rc = 0; /* recorded as a problem */
            }
        }
        free(uuids[i]);
    }
    free(uuids);
    char hpath[4096];
    snprintf(hpath, sizeof hpath, "%s/hashes.csv", dir);
    struct stat st;
    if (stat(hpath, &st) == 0)
        ward_info("%s: not loaded: a MISP feed's hashes.csv holds digests of the attribute values "
                  "(a lookup cache); the event files give the values themselves",
                  hpath);
    if (rc == WARD_ENOMEM) return ward_err_set(err, rc, "out of memory");
    return 0;
}

/* Inside directories only files named like intel are read (README.md, LICENSE ... are not). */
static int intel_name(const char *path)
{
    static const char *const exts[] = {".json", ".jsonl", ".ndjson", ".csv", ".tsv",
                                       ".txt",  ".list",  ".lst",    ".ioc", ".iocs",
                                       ".stix", ".misp",  NULL};
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    /* compressed files are named by what they hold */
    if (n > 3 && strcmp(base + n - 3, ".gz") == 0)
        n -= 3;
    else if (n > 4 && strcmp(base + n - 4, ".zst") == 0)
        n -= 4;
    for (size_t i = 0; exts[i]; i++) {
        size_t el = strlen(exts[i]);
        if (n > el && strncasecmp(base + n - el, exts[i], el) == 0) return 1;
    }
    return 0;
}

static void path_err(void *ctx, const struct ward_err *e)
{
    struct ward_ioc_set *set = ctx;
    if (ioc_problem(set, WARD_IOC_FILE_ERROR, e->path, 0, NULL, NULL, 0, 0, "%s", e->msg)) {
        /* out of memory while recording: nothing more to do here */
    }
}

int ward_ioc_load_path(struct ward_ioc_set *set, const char *path,
                       const struct ward_ioc_load_opts *o, struct ward_err *err)
{
    struct ward_ioc_load_opts def;
    if (!o) {
        ward_ioc_load_opts_default(&def);
        o = &def;
    }
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) != 0) {
        ward_err_at(err, WARD_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
        int prc = ioc_problem(set, WARD_IOC_FILE_ERROR, path, 0, NULL, NULL, 0, 0, "%s", err->msg);
        return prc ? prc : WARD_EIO;
    }
    if (strcmp(path, "-") != 0 && S_ISDIR(st.st_mode)) {
        char mpath[4096];
        snprintf(mpath, sizeof mpath, "%s/manifest.json", path);
        struct stat ms;
        if (stat(mpath, &ms) == 0 && S_ISREG(ms.st_mode)) return load_feed(set, path, o, err);
        char **paths = NULL;
        size_t n = 0;
        char *in[1] = {(char *)(uintptr_t)path};
        if (ward_paths_expand(in, 1, &paths, &n, path_err, set)) return WARD_ENOMEM;
        int rc = 0;
        for (size_t i = 0; i < n && rc != WARD_ENOMEM; i++) {
            if (!intel_name(paths[i])) {
                ward_debug("%s: skipped (not an intel file name)", paths[i]);
                continue;
            }
            struct ward_err e;
            ward_err_clear(&e);
            rc = load_file(set, paths[i], o, &e);
            if (rc == WARD_ENOMEM) *err = e;
        }
        ward_paths_free(paths);
        return rc == WARD_ENOMEM ? rc : 0;
    }
    /* a manifest given by name: load its feed */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, "manifest.json") == 0 && base != path) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", (int)(base - path - 1), path);
        return load_feed(set, dir[0] ? dir : "/", o, err);
    }
    return load_file(set, path, o, err);
}
