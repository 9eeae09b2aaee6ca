/*
 * auditd.c - Linux audit raw logs (/var/log/audit/audit.log): "[node=N ]type=T
 * msg=audit(SECONDS.MILLIS:SERIAL): key=value ...". The records of one event (SYSCALL,
 * EXECVE, CWD, PATH, PROCTITLE ...) share the serial and are joined into one event;
 * hex-encoded values (proctitle, EXECVE arguments, names with spaces ...) are decoded.
 * Logsource: product linux, service auditd.
 *
 * A joined event has every field twice: qualified by its record ("SYSCALL.exe",
 * "EXECVE.a0", "PATH.1.name" when a type occurs more than once), and under its plain name
 * ("exe", "a0", "name"). A plain name that several records carry (type, name, inode ...)
 * becomes name.0, name.1 ... in the order EXECVE, SYSCALL, PATH, then the others, which
 * Sigma matching reads as one field with several values: "type: PATH" and "name:
 * /etc/shadow" match a joined event with a PATH record for /etc/shadow. "record_types"
 * lists the record types in line order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/text.h"
#include "decoders.h"

#define MAX_RECORDS_PER_EVENT 1024
#define NAME_SLOTS 4096
#define MAX_PLAIN (NAME_SLOTS / 2)

struct rec_head;

struct auditd_state {
    struct text_lines lines;
    struct ward_buf group;   /* the lines of the event being built, NUL-separated */
    struct ward_buf pending; /* the first line of the next event */
    uint64_t group_serial;
    uint64_t group_line, group_offset;
    unsigned group_records;
    int have_group, have_pending;
    uint64_t pending_serial, pending_line, pending_offset;
    int eof;
    struct rec_head *heads; /* the parsed records of the event being built */
    /* the plain names of the event being built, emitted once all records are read */
    struct plain *plain;
    uint32_t nplain, plain_cap;
    /* plain names by hash: first entry + 1, count, next index; stamped per event */
    uint32_t name_slot[NAME_SLOTS];
    uint32_t name_count[NAME_SLOTS];
    uint32_t name_next[NAME_SLOTS];
    uint32_t name_gen[NAME_SLOTS];
    uint32_t gen;
};

struct plain {
    const char *k, *v;
    uint32_t kl, vl;
    uint8_t t;
};

struct rec_head {
    struct ward_str node, type, body;
    uint64_t serial;
    ward_time_t ts;
};

/* Parses "[node=N ]type=T msg=audit(S.M:SERIAL): " */
static int parse_head(struct ward_str l, struct rec_head *h)
{
    const char *p = l.ptr, *end = l.ptr + l.len;
    memset(h, 0, sizeof *h);
    if (end - p > 5 && memcmp(p, "node=", 5) == 0) {
        const char *q = p + 5;
        while (q < end && *q != ' ') q++;
        h->node = ward_str_make(p + 5, (size_t)(q - p - 5));
        p = q;
        while (p < end && *p == ' ') p++;
    }
    if (end - p < 5 || memcmp(p, "type=", 5) != 0) return -1;
    const char *t = p + 5, *q = t;
    while (q < end && *q != ' ') q++;
    h->type = ward_str_make(t, (size_t)(q - t));
    while (q < end && *q == ' ') q++;
    if (end - q < 11 || memcmp(q, "msg=audit(", 10) != 0) return -1;
    q += 10;
    const char *ts = q;
    while (q < end && *q != ':' && *q != ')') q++;
    if (q >= end || *q != ':') return -1;
    if (ward_time_parse(ts, (size_t)(q - ts), &h->ts) != 0) h->ts = WARD_TIME_NONE;
    q++;
    long long serial = text_uint(&q, end, 19);
    if (serial < 0 || q >= end || *q != ')') return -1;
    h->serial = (uint64_t)serial;
    q++;
    if (q < end && *q == ':') q++;
    while (q < end && *q == ' ') q++;
    h->body = ward_str_make(q, (size_t)(end - q));
    return 0;
}

static int is_hex_str(struct ward_str v)
{
    if (v.len < 2 || (v.len & 1)) return 0;
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];
        if (!(text_is_digit(c) || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))) return 0;
    }
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
}

/* Fields whose unquoted values are hex-encoded by the kernel or auditd. */
static int encoded_field(struct ward_str type, struct ward_str key)
{
    static const struct {
        unsigned char len;
        const char *name;
    } names[] = {{9, "proctitle"}, {3, "cmd"},      {4, "comm"},     {3, "exe"},   {3, "cwd"},
                 {4, "name"},      {4, "path"},     {4, "data"},     {4, "acct"},  {8, "old-acct"},
                 {8, "new-acct"},  {8, "new-name"}, {8, "old-name"}, {5, "ocomm"}, {5, "argc0"}};
    if (key.len >= 2 && key.ptr[0] == 'a' && text_is_digit(key.ptr[1]) && type.len == 6 &&
        memcmp(type.ptr, "EXECVE", 6) == 0)
        return 1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].len == key.len && memcmp(names[i].name, key.ptr, key.len) == 0) return 1;
    return 0;
}

/* Keeps key=val for the plain-name pass (at most MAX_PLAIN per event; the qualified names
 * hold everything). */
static int plain_push(struct auditd_state *st, struct ward_str key, struct ward_str val,
                      enum ward_vtype t)
{
    if (st->nplain >= MAX_PLAIN) return 0;
    if (st->nplain == st->plain_cap) {
        uint32_t cap = st->plain_cap ? st->plain_cap * 2 : 128;
        struct plain *np = realloc(st->plain, cap * sizeof *np);
        if (!np) return WARD_ENOMEM;
        st->plain = np;
        st->plain_cap = cap;
    }
    st->plain[st->nplain++] =
        (struct plain){key.ptr, val.ptr, (uint32_t)key.len, (uint32_t)val.len, (uint8_t)t};
    return 0;
}

/* The hash slot of plain entry i's name (inserted on first sight). */
static uint32_t plain_slot(struct auditd_state *st, uint32_t i)
{
    const struct plain *e = &st->plain[i];
    uint64_t h = ward_hash64(e->k, e->kl, 0);
    for (uint32_t j = 0;; j++) {
        uint32_t s = (uint32_t)((h + j) & (NAME_SLOTS - 1));
        if (st->name_gen[s] != st->gen) {
            st->name_gen[s] = st->gen;
            st->name_slot[s] = i + 1;
            st->name_count[s] = 0;
            st->name_next[s] = 0;
            return s;
        }
        const struct plain *f = &st->plain[st->name_slot[s] - 1];
        if (f->kl == e->kl && memcmp(f->k, e->k, e->kl) == 0) return s;
    }
}

/* Adds the plain names: a name one record has keeps its name; a name several records
 * have becomes name.0, name.1 ... in record order (EXECVE, SYSCALL, PATH, others), which
 * Sigma matching reads as one field with several values. */
static int plain_emit(struct auditd_state *st, struct ward_event *ev)
{
    if (++st->gen == 0) {
        memset(st->name_gen, 0, sizeof st->name_gen);
        st->gen = 1;
    }
    for (uint32_t i = 0; i < st->nplain; i++) st->name_count[plain_slot(st, i)]++;
    for (uint32_t i = 0; i < st->nplain; i++) {
        const struct plain *e = &st->plain[i];
        uint32_t s = plain_slot(st, i);
        int rc;
        if (st->name_count[s] == 1) {
            rc = ward_event_add(ev, e->k, e->kl, e->v, e->vl, (enum ward_vtype)e->t, 0);
        } else {
            char k[160];
            int kl = snprintf(k, sizeof k, "%.*s.%u", (int)(e->kl > 128 ? 128 : e->kl), e->k,
                              st->name_next[s]++);
            rc = ward_event_add(ev, k, (size_t)kl, e->v, e->vl, (enum ward_vtype)e->t, 0);
        }
        if (rc) return rc;
    }
    st->nplain = 0;
    return 0;
}

static int add_value(struct auditd_state *st, struct ward_event *ev, struct ward_str type,
                     struct ward_str prefix, struct ward_str key, struct ward_str val, int quoted,
                     int has_execve)
{
    enum ward_vtype t = WARD_V_STR;
    if (!quoted && is_hex_str(val) && encoded_field(type, key)) {
        size_t n = val.len / 2;
        char *buf = ward_event_alloc(ev, n + 1);
        if (!buf) return WARD_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            char c = (char)(hexval(val.ptr[2 * i]) << 4 | hexval(val.ptr[2 * i + 1]));
            buf[i] = c == '\0' ? ' ' : c; /* argv and proctitle are NUL-separated */
        }
        while (n && buf[n - 1] == ' ') n--;
        buf[n] = '\0';
        val = ward_str_make(buf, n);
    } else if (!quoted && val.len && val.len < 20) {
        size_t i = (val.ptr[0] == '-' && val.len > 1) ? 1 : 0;
        int digits = 1;
        for (; i < val.len; i++)
            if (!text_is_digit(val.ptr[i])) digits = 0;
        if (digits && !(val.len > 1 && val.ptr[0] == '0')) t = WARD_V_NUM;
    }
    char qk[256];
    if (prefix.len + 1 + key.len < sizeof qk) {
        memcpy(qk, prefix.ptr, prefix.len);
        qk[prefix.len] = '.';
        memcpy(qk + prefix.len + 1, key.ptr, key.len);
        int rc = ward_event_add(ev, qk, prefix.len + 1 + key.len, val.ptr, val.len, t, 0);
        if (rc) return rc;
    }
    /* SYSCALL's a0..a3 are raw pointers: a0 means the EXECVE argument when there is one */
    if (has_execve && key.len == 2 && key.ptr[0] == 'a' && text_is_digit(key.ptr[1]) &&
        ward_str_eq_c(type, "SYSCALL"))
        return 0;
    return plain_push(st, key, val, t);
}

/* key=value pairs; values "quoted", 'quoted' (a nested msg) or bare. */
static int add_pairs(struct auditd_state *st, struct ward_event *ev, struct ward_str type,
                     struct ward_str prefix, const char *p, const char *end, int depth,
                     int has_execve)
{
    int rc = 0;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\x1d' || *p == ',')) p++;
        if (p >= end) break;
        const char *k = p;
        while (p < end && *p != '=' && *p != ' ' && *p != '\x1d') p++;
        if (p >= end || *p != '=') {
            /* a bare word (e.g. "audit_backlog_limit" messages): skip it */
            while (p < end && *p != ' ' && *p != '\x1d') p++;
            continue;
        }
        struct ward_str key = ward_str_make(k, (size_t)(p - k));
        p++;
        if (key.len == 0) continue;
        if (p < end && (*p == '"' || *p == '\'')) {
            char q = *p++;
            const char *v = p;
            while (p < end && *p != q) p++;
            struct ward_str val = ward_str_make(v, (size_t)(p - v));
            if (p < end) p++;
            if (q == '\'' && ward_str_eq_c(key, "msg") && depth == 0) {
                rc = add_pairs(st, ev, type, prefix, val.ptr, val.ptr + val.len, 1, has_execve);
            } else {
                rc = add_value(st, ev, type, prefix, key, val, 1, has_execve);
            }
        } else {
            const char *v = p;
            while (p < end && *p != ' ' && *p != '\x1d') p++;
            rc = add_value(st, ev, type, prefix, key, ward_str_make(v, (size_t)(p - v)), 0,
                           has_execve);
        }
        if (rc) return rc;
    }
    return 0;
}

static int rank(struct ward_str type)
{
    if (ward_str_eq_c(type, "EXECVE")) return 0;
    if (ward_str_eq_c(type, "SYSCALL")) return 1;
    if (ward_str_eq_c(type, "PATH")) return 2;
    return 3;
}

/* Builds the event from the group buffer (lines separated by NUL). */
static int emit(struct auditd_state *st, struct ward_event *ev)
{
    const char *p = st->group.data, *end = p + st->group.len;
    struct rec_head *hd = st->heads;
    unsigned n = 0;
    while (p < end && n < MAX_RECORDS_PER_EVENT) {
        size_t len = strlen(p);
        if (parse_head(ward_str_make(p, len), &hd[n]) == 0) n++;
        p += len + 1;
    }
    st->nplain = 0;
    int rc = 0;
    ward_time_t ts = WARD_TIME_NONE;
    struct ward_str node = {0};
    /* the record types in line order, for a quick look */
    size_t tl = 0;
    int has_execve = 0;
    for (unsigned i = 0; i < n; i++) {
        tl += hd[i].type.len + 1;
        if (ward_str_eq_c(hd[i].type, "EXECVE")) has_execve = 1;
    }
    char *types = ward_event_alloc(ev, tl + 1);
    if (!types) return WARD_ENOMEM;
    tl = 0;
    for (unsigned i = 0; i < n; i++) {
        if (tl) types[tl++] = ',';
        memcpy(types + tl, hd[i].type.ptr, hd[i].type.len);
        tl += hd[i].type.len;
        if (ts == WARD_TIME_NONE) ts = hd[i].ts;
        if (!node.len) node = hd[i].node;
    }
    types[tl] = '\0';
    for (int r = 0; r <= 3 && !rc; r++) {
        for (unsigned i = 0; i < n && !rc; i++) {
            const struct rec_head *h = &hd[i];
            if (rank(h->type) != r) continue;
            rc = plain_push(st, WARD_STR("type"), h->type, WARD_V_STR);
            /* the record's qualifier: TYPE, or TYPE.k for the k-th record of a repeated type */
            unsigned same = 0, idx = 0;
            for (unsigned j = 0; j < n; j++) {
                if (!ward_str_eq(hd[j].type, h->type)) continue;
                if (j < i) idx++;
                same++;
            }
            char pre[96];
            int tlen = (int)(h->type.len > 64 ? 64 : h->type.len);
            int pl = same > 1 ? snprintf(pre, sizeof pre, "%.*s.%u", tlen, h->type.ptr, idx)
                              : snprintf(pre, sizeof pre, "%.*s", tlen, h->type.ptr);
            if (!rc)
                rc = add_pairs(st, ev, h->type, ward_str_make(pre, (size_t)pl), h->body.ptr,
                               h->body.ptr + h->body.len, 0, has_execve);
        }
    }
    if (!rc) rc = plain_emit(st, ev);
    if (rc) return rc;
    char serial[24];
    int sl = snprintf(serial, sizeof serial, "%llu", (unsigned long long)st->group_serial);
    if ((rc = ward_event_add_copy(ev, "serial", 6, serial, (size_t)sl, WARD_V_NUM))) return rc;
    if ((rc = text_add(ev, "record_types", ward_str_make(types, tl), WARD_V_STR))) return rc;
    if (node.len && (rc = text_add(ev, "node", node, WARD_V_STR))) return rc;
    ev->ts = ts;
    ev->line = st->group_line;
    ev->offset = st->group_offset;
    ev->product = "linux";
    ev->service = "auditd";
    return 0;
}

static int start_group(struct auditd_state *st, struct ward_str line, uint64_t serial,
                       uint64_t lineno, uint64_t off)
{
    ward_buf_reset(&st->group);
    st->group_serial = serial;
    st->group_line = lineno;
    st->group_offset = off;
    st->group_records = 1;
    st->have_group = 1;
    if (ward_buf_append(&st->group, line.ptr, line.len) || ward_buf_putc(&st->group, '\0'))
        return WARD_ENOMEM;
    return 0;
}

static int auditd_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct auditd_state *st = state;
    if (!st->have_group && st->have_pending) {
        struct ward_str l = ward_str_make(st->pending.data, st->pending.len);
        if (start_group(st, l, st->pending_serial, st->pending_line, st->pending_offset))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        st->have_pending = 0;
    }
    while (!st->eof) {
        struct ward_str line;
        int rc = text_lines_next(&st->lines, &line, err);
        if (rc < 0) {
            if (st->lines.io_error) st->eof = 1;
            return rc;
        }
        if (rc == 0) {
            st->eof = 1;
            break;
        }
        if (line.len == 0) continue;
        struct rec_head h;
        if (parse_head(line, &h) != 0)
            return ward_err_at(err, WARD_ESYNTAX, st->lines.s->path, st->lines.lineno, 0,
                               "not an audit record (expected \"type=... msg=audit(...):\")");
        if (ward_str_eq_c(h.type, "EOE")) {
            if (st->have_group && h.serial == st->group_serial) break;
            continue;
        }
        if (!st->have_group) {
            if (start_group(st, line, h.serial, st->lines.lineno, st->lines.offset))
                return ward_err_set(err, WARD_ENOMEM, "out of memory");
            continue;
        }
        if (h.serial == st->group_serial && st->group_records < MAX_RECORDS_PER_EVENT) {
            st->group_records++;
            if (ward_buf_append(&st->group, line.ptr, line.len) || ward_buf_putc(&st->group, '\0'))
                return ward_err_set(err, WARD_ENOMEM, "out of memory");
            continue;
        }
        /* a new event starts: keep its line for the next call */
        ward_buf_reset(&st->pending);
        if (ward_buf_append(&st->pending, line.ptr, line.len))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        st->pending_serial = h.serial;
        st->pending_line = st->lines.lineno;
        st->pending_offset = st->lines.offset;
        st->have_pending = 1;
        break;
    }
    if (!st->have_group) return 0;
    st->have_group = 0;
    int rc = emit(st, ev);
    if (rc) return ward_err_at(err, rc, st->lines.s->path, st->group_line, 0, "cannot build event");
    return 1;
}

static int probe_line(struct ward_str l)
{
    struct rec_head h;
    return parse_head(l, &h) == 0;
}

static int auditd_probe(const unsigned char *head, size_t n)
{
    if (n < 20 || !(head[0] == 't' || head[0] == 'n')) return 0;
    int total = 0;
    int good = text_probe_lines(head, n, 20, probe_line, &total);
    if (total && good == total) return 80;
    if (good && good * 10 >= total * 8) return 50;
    return 0;
}

static int auditd_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                       struct ward_err *err)
{
    struct auditd_state *st = calloc(1, sizeof *st);
    if (!st || text_lines_init(&st->lines, s, o->max_record)) {
        free(st);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    st->heads = calloc(MAX_RECORDS_PER_EVENT, sizeof *st->heads);
    if (!st->heads) {
        text_lines_free(&st->lines);
        free(st);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    ward_buf_init(&st->group, o->max_record * 4);
    ward_buf_init(&st->pending, o->max_record + 1);
    *state = st;
    return 0;
}

static void auditd_close(void *state)
{
    struct auditd_state *st = state;
    if (!st) return;
    text_lines_free(&st->lines);
    ward_buf_free(&st->group);
    ward_buf_free(&st->pending);
    free(st->heads);
    free(st->plain);
    free(st);
}

const struct ward_decoder ward_decoder_auditd = {
    "auditd",     "Linux audit raw log, records joined by serial, hex values decoded",
    auditd_probe, auditd_open,
    auditd_next,  auditd_close,
};
