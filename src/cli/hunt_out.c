/*
 * hunt_out.c - the ordered alert stream of `ward hunt` and its output: a bounded sorter
 * that spills runs to anonymous temporary files, the table / CSV / JSON Lines / JSON
 * writers and the closing summary.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hunt.h"
#include "ward/json.h"

int hunt_parse_format(const char *s, enum hunt_format *out)
{
    static const char *const names[] = {"table", "csv", "jsonl", "json"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum hunt_format)i;
            return 0;
        }
    return -1;
}

/* ---- sorter ------------------------------------------------------------------------------ */

/* A serialised alert: this header, then host, details, event JSON and format name. */
struct rec_head {
    uint32_t total; /* bytes including this header */
    uint32_t file;
    int64_t ts;
    uint64_t record;
    uint64_t offset;
    uint32_t rule;
    uint32_t host_len;
    uint32_t details_len;
    uint32_t json_len;
    uint32_t format_len;
    uint32_t entities_len;
    uint32_t extra_len;
    uint32_t corr_len;
    uint32_t seq;
};

int hunt_sorter_init(struct hunt_sorter *s, char *const *paths, size_t budget)
{
    memset(s, 0, sizeof *s);
    s->paths = paths;
    s->budget = budget;
    if (pthread_mutex_init(&s->lock, NULL)) return WARD_ENOMEM;
    return 0;
}

static void rec_decode(const char *p, struct hunt_alert *a)
{
    struct rec_head h;
    memcpy(&h, p, sizeof h);
    const char *q = p + sizeof h;
    a->ts = h.ts;
    a->file = h.file;
    a->record = h.record;
    a->offset = h.offset;
    a->rule = h.rule;
    a->host = q;
    a->host_len = h.host_len;
    q += h.host_len;
    a->details = q;
    a->details_len = h.details_len;
    q += h.details_len;
    a->event_json = q;
    a->event_json_len = h.json_len;
    q += h.json_len;
    a->format = h.format_len ? q : NULL;
    q += h.format_len;
    a->entities = q;
    a->entities_len = h.entities_len;
    q += h.entities_len;
    a->extra_json = q;
    a->extra_json_len = h.extra_len;
    q += h.extra_len;
    a->corr = q;
    a->corr_len = h.corr_len;
    a->seq = h.seq;
}

static int rec_cmp_p(char *const *paths, const char *x, const char *y)
{
    struct rec_head a, b;
    memcpy(&a, x, sizeof a);
    memcpy(&b, y, sizeof b);
    if (a.ts != b.ts) return a.ts < b.ts ? -1 : 1;
    if (a.file != b.file) {
        int c = strcmp(paths[a.file], paths[b.file]);
        if (c) return c;
        return a.file < b.file ? -1 : 1;
    }
    if (a.offset != b.offset) return a.offset < b.offset ? -1 : 1;
    if (a.rule != b.rule) return a.rule < b.rule ? -1 : 1;
    if (a.seq != b.seq) return a.seq < b.seq ? -1 : 1;
    return 0;
}

/* qsort has no context argument in C11: the sorter being sorted is passed through this
 * variable, under the sorter's lock (only one sort runs at a time per process here). */
static _Thread_local const struct hunt_sorter *sorting;

static int off_cmp(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    return rec_cmp_p(sorting->paths, sorting->mem + a, sorting->mem + b);
}

static void sort_mem(struct hunt_sorter *s)
{
    if (s->noffs < 2) return;
    sorting = s;
    qsort(s->offs, s->noffs, sizeof *s->offs, off_cmp);
    sorting = NULL;
}

static int spill(struct hunt_sorter *s)
{
    sort_mem(s);
    FILE *f = tmpfile();
    if (!f) return WARD_EIO;
    for (size_t i = 0; i < s->noffs; i++) {
        struct rec_head h;
        memcpy(&h, s->mem + s->offs[i], sizeof h);
        if (fwrite(s->mem + s->offs[i], 1, h.total, f) != h.total) {
            fclose(f);
            return WARD_EIO;
        }
    }
    if (fflush(f) || fseek(f, 0, SEEK_SET)) {
        fclose(f);
        return WARD_EIO;
    }
    FILE **runs = realloc(s->runs, (s->nruns + 1) * sizeof *runs);
    if (!runs) {
        fclose(f);
        return WARD_ENOMEM;
    }
    s->runs = runs;
    s->runs[s->nruns++] = f;
    s->used = 0;
    s->noffs = 0;
    return 0;
}

int hunt_sorter_add(struct hunt_sorter *s, const struct hunt_alert *a, struct ward_buf *scratch)
{
    size_t flen = a->format ? strlen(a->format) + 1 : 0;
    size_t total = sizeof(struct rec_head) + a->host_len + a->details_len + a->event_json_len +
                   flen + a->entities_len + a->extra_json_len + a->corr_len;
    total = (total + 7) & ~(size_t)7;
    if (total > UINT32_MAX) return WARD_ELIMIT;
    struct rec_head h = {
        .total = (uint32_t)total,
        .file = a->file,
        .ts = a->ts,
        .record = a->record,
        .offset = a->offset,
        .rule = a->rule,
        .host_len = (uint32_t)a->host_len,
        .details_len = (uint32_t)a->details_len,
        .json_len = (uint32_t)a->event_json_len,
        .format_len = (uint32_t)flen,
        .entities_len = (uint32_t)a->entities_len,
        .extra_len = (uint32_t)a->extra_json_len,
        .corr_len = (uint32_t)a->corr_len,
        .seq = a->seq,
    };
    ward_buf_reset(scratch);
    int rc = ward_buf_reserve(scratch, total);
    if (rc) return rc;
    char *p = scratch->data;
    memset(p, 0, total);
    memcpy(p, &h, sizeof h);
    size_t o = sizeof h;
    memcpy(p + o, a->host, a->host_len);
    o += a->host_len;
    memcpy(p + o, a->details, a->details_len);
    o += a->details_len;
    memcpy(p + o, a->event_json, a->event_json_len);
    o += a->event_json_len;
    if (flen) memcpy(p + o, a->format, flen);
    o += flen;
    if (a->entities_len) memcpy(p + o, a->entities, a->entities_len);
    o += a->entities_len;
    if (a->extra_json_len) memcpy(p + o, a->extra_json, a->extra_json_len);
    o += a->extra_json_len;
    if (a->corr_len) memcpy(p + o, a->corr, a->corr_len);

    pthread_mutex_lock(&s->lock);
    if (s->err) {
        rc = s->err;
        goto unlock;
    }
    if (s->used + total > s->budget && s->noffs) {
        rc = spill(s);
        if (rc) goto fail;
    }
    if (s->used + total > s->budget || !s->mem) {
        size_t cap = s->budget > s->used + total ? s->budget : s->used + total;
        char *m = realloc(s->mem, cap);
        if (!m) {
            rc = WARD_ENOMEM;
            goto fail;
        }
        s->mem = m;
        if (cap > s->budget) s->budget = cap;
    }
    if (s->noffs == s->capoffs) {
        size_t cap = s->capoffs ? s->capoffs * 2 : 1024;
        size_t *no = realloc(s->offs, cap * sizeof *no);
        if (!no) {
            rc = WARD_ENOMEM;
            goto fail;
        }
        s->offs = no;
        s->capoffs = cap;
    }
    memcpy(s->mem + s->used, p, total);
    s->offs[s->noffs++] = s->used;
    s->used += total;
    goto unlock;
fail:
    s->err = rc;
unlock:
    pthread_mutex_unlock(&s->lock);
    return rc;
}

static int cursor_next(struct hunt_run_cursor *c)
{
    struct rec_head h;
    if (fread(&h, 1, sizeof h, c->f) != sizeof h) {
        c->live = 0;
        return 0;
    }
    if (h.total < sizeof h) return WARD_ECORRUPT;
    if (h.total > c->cap) {
        char *nb = realloc(c->buf, h.total);
        if (!nb) return WARD_ENOMEM;
        c->buf = nb;
        c->cap = h.total;
    }
    memcpy(c->buf, &h, sizeof h);
    if (fread(c->buf + sizeof h, 1, h.total - sizeof h, c->f) != h.total - sizeof h)
        return WARD_EIO;
    c->live = 1;
    return 0;
}

int hunt_sorter_open(struct hunt_sorter *s, struct hunt_sorter_iter *it)
{
    memset(it, 0, sizeof *it);
    it->s = s;
    if (s->err) return s->err;
    if (s->nruns == 0) {
        if (!s->sorted) sort_mem(s);
        s->sorted = 1;
        return 0;
    }
    if (s->noffs) {
        int rc = spill(s);
        if (rc) return rc;
    }
    free(s->mem);
    s->mem = NULL;
    s->used = 0;
    it->cur = calloc(s->nruns, sizeof *it->cur);
    if (!it->cur) return WARD_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < s->nruns && !rc; i++) {
        it->cur[i].f = s->runs[i];
        rc = fseek(s->runs[i], 0, SEEK_SET) ? WARD_EIO : cursor_next(&it->cur[i]);
    }
    it->last = SIZE_MAX;
    return rc;
}

int hunt_sorter_next(struct hunt_sorter_iter *it, struct hunt_alert *a)
{
    struct hunt_sorter *s = it->s;
    if (!it->cur) {
        if (it->i >= s->noffs) return 0;
        rec_decode(s->mem + s->offs[it->i++], a);
        return 1;
    }
    /* the run whose record was handed out last moves on first */
    if (it->last != SIZE_MAX) {
        int rc = cursor_next(&it->cur[it->last]);
        it->last = SIZE_MAX;
        if (rc) return rc;
    }
    /* k-way merge: runs are few (input size / budget), a linear pick is enough */
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < s->nruns; i++) {
        if (!it->cur[i].live) continue;
        if (best == SIZE_MAX || rec_cmp_p(s->paths, it->cur[i].buf, it->cur[best].buf) < 0)
            best = i;
    }
    if (best == SIZE_MAX) return 0;
    rec_decode(it->cur[best].buf, a);
    it->last = best;
    return 1;
}

void hunt_sorter_close(struct hunt_sorter_iter *it)
{
    if (it->cur)
        for (size_t i = 0; i < it->s->nruns; i++) free(it->cur[i].buf);
    free(it->cur);
    it->cur = NULL;
}

int hunt_sorter_finish(struct hunt_sorter *s, hunt_alert_fn fn, void *ctx)
{
    struct hunt_sorter_iter it;
    struct hunt_alert a;
    int rc = hunt_sorter_open(s, &it);
    while (!rc) {
        int got = hunt_sorter_next(&it, &a);
        if (got <= 0) {
            rc = got;
            break;
        }
        rc = fn(ctx, &a);
    }
    hunt_sorter_close(&it);
    return rc;
}

int hunt_alert_cmp(char *const *paths, const struct hunt_alert *a, const struct hunt_alert *b)
{
    if (a->ts != b->ts) return a->ts < b->ts ? -1 : 1;
    if (a->file != b->file) {
        int c = strcmp(paths[a->file], paths[b->file]);
        if (c) return c;
        return a->file < b->file ? -1 : 1;
    }
    if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
    if (a->rule != b->rule) return a->rule < b->rule ? -1 : 1;
    if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
    return 0;
}

void hunt_sorter_free(struct hunt_sorter *s)
{
    for (size_t i = 0; i < s->nruns; i++) fclose(s->runs[i]);
    free(s->runs);
    free(s->mem);
    free(s->offs);
    pthread_mutex_destroy(&s->lock);
}

/* ---- output ------------------------------------------------------------------------------ */

static const char *const level_names[] = {"-", "info", "low", "medium", "high", "critical"};
static const char *const level_colours[] = {"",         "\033[2m",    "\033[36m",
                                            "\033[33m", "\033[1;31m", "\033[1;35m"};

int hunt_out_init(struct hunt_out *w)
{
    w->by_rule = calloc(w->nrules ? w->nrules : 1, sizeof *w->by_rule);
    if (!w->by_rule) return WARD_ENOMEM;
    ward_intern_init(&w->hosts);
    ward_intern_init(&w->techs);
    ward_buf_init(&w->pending, 0);
    w->first = w->last = WARD_TIME_NONE;
    return 0;
}

/* Prints the details line held for the previous event (table format). */
static void flush_pending(struct hunt_out *w)
{
    if (!w->has_pending) return;
    w->has_pending = 0;
    if (!w->pending.len) return;
    size_t n = w->pending.len;
    if (w->width && n > (size_t)w->width - 5) n = (size_t)w->width - 5;
    fputs("    ", w->out);
    if (w->color) fputs("\033[2m", w->out);
    fwrite(w->pending.data, 1, n, w->out);
    if (w->color) fputs("\033[0m", w->out);
    fputc('\n', w->out);
}

/* The host as the table shows it: names longer than the column lose their domain. */
static void table_host(FILE *f, const char *h, size_t n)
{
    int numeric = 1;
    for (size_t i = 0; i < n && numeric; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == ':')) numeric = 0;
    if (n > 16 && !numeric) {
        const char *dot = memchr(h, '.', n);
        if (dot && dot > h) n = (size_t)(dot - h);
    }
    if (n > 16) n = 16;
    fprintf(f, " %-16.*s ", (int)n, h);
}

void hunt_out_free(struct hunt_out *w)
{
    ward_buf_free(&w->pending);
    free(w->by_rule);
    free(w->by_host);
    free(w->by_tech);
    ward_intern_free(&w->hosts);
    ward_intern_free(&w->techs);
}

static int count_in(struct ward_intern *t, uint64_t **counts, size_t *cap, const char *s, size_t n)
{
    int64_t id = ward_intern_add(t, s, n);
    if (id < 0) return (int)id;
    if ((size_t)id >= *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        while (nc <= (size_t)id) nc *= 2;
        uint64_t *c = realloc(*counts, nc * sizeof *c);
        if (!c) return WARD_ENOMEM;
        memset(c + *cap, 0, (nc - *cap) * sizeof *c);
        *counts = c;
        *cap = nc;
    }
    (*counts)[id]++;
    return 0;
}

static void csv_field(FILE *f, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n && !quote; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') quote = 1;
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

int hunt_out_begin(struct hunt_out *w)
{
    FILE *f = w->out;
    switch (w->format) {
    case HUNT_TABLE:
        if (w->color) fputs("\033[1m", f);
        fprintf(f, "%-24s %-16s %-8s %-10s %s\n", "TIME (UTC)", "HOST", "LEVEL", "ATT&CK",
                "RULE / DETAILS");
        if (w->color) fputs("\033[0m", f);
        break;
    case HUNT_CSV:
        fputs("timestamp,host,level,rule_id,rule_title,tactics,techniques,source,record,"
              "details\n",
              f);
        break;
    case HUNT_JSON: fputs("{\"alerts\":[", f); break;
    case HUNT_JSONL: break;
    }
    return ferror(f) ? WARD_EIO : 0;
}

static void put_time(FILE *f, ward_time_t ts, int digits)
{
    char t[48];
    if (ts == WARD_TIME_NONE) {
        fputs("-", f);
        return;
    }
    ward_time_format(ts, digits, t, sizeof t);
    fputs(t, f);
}

/* Whether the alert is a correlation alert (its "event" is the correlation). */
static int is_corr(const struct hunt_out *w, const struct hunt_alert *a)
{
    return w->corr_first && a->rule >= w->corr_first;
}

static int write_json_alert(struct hunt_out *w, const struct hunt_alert *a)
{
    const struct hunt_rule *hr = &w->rules[a->rule];
    const struct ward_sigma_rule *r = hr->r;
    struct ward_buf b;
    ward_buf_init(&b, 0);
    struct ward_jw j;
    ward_jw_init(&j, &b);
    ward_jw_obj(&j);
    ward_jw_key(&j, "timestamp");
    if (a->ts == WARD_TIME_NONE) {
        ward_jw_null(&j);
    } else {
        char t[48];
        size_t n = ward_time_format(a->ts, 6, t, sizeof t);
        ward_jw_strn(&j, t, n);
    }
    ward_jw_key(&j, "host");
    ward_jw_strn(&j, a->host, a->host_len);
    ward_jw_key(&j, "rule");
    ward_jw_obj(&j);
    ward_jw_key(&j, "id");
    ward_jw_str(&j, r->id);
    ward_jw_key(&j, "title");
    ward_jw_str(&j, r->title);
    ward_jw_key(&j, "level");
    ward_jw_str(&j, ward_sigma_level_name(r->level));
    ward_jw_key(&j, "tags");
    ward_jw_arr(&j);
    for (size_t i = 0; i < r->ntags; i++) ward_jw_str(&j, r->tags[i]);
    ward_jw_end(&j);
    if (r->path) {
        ward_jw_key(&j, "path");
        ward_jw_str(&j, r->path);
    }
    ward_jw_end(&j);
    ward_jw_key(&j, "attack");
    ward_jw_obj(&j);
    ward_jw_key(&j, "tactics");
    ward_jw_raw(&j, hr->tactics_json, strlen(hr->tactics_json));
    ward_jw_key(&j, "techniques");
    ward_jw_raw(&j, hr->techniques_json, strlen(hr->techniques_json));
    ward_jw_end(&j);
    ward_jw_key(&j, "source");
    ward_jw_obj(&j);
    ward_jw_key(&j, "path");
    ward_jw_str(&j, w->paths[a->file]);
    ward_jw_key(&j, "record");
    ward_jw_uint(&j, a->record);
    if (a->format) {
        ward_jw_key(&j, "format");
        ward_jw_str(&j, a->format);
    }
    ward_jw_end(&j);
    if (a->extra_json_len) {
        ward_jw_key(&j, is_corr(w, a) ? "correlation" : "intel");
        ward_jw_raw(&j, a->extra_json, a->extra_json_len);
    }
    ward_jw_key(&j, "event");
    if (a->event_json_len)
        ward_jw_raw(&j, a->event_json, a->event_json_len);
    else
        ward_jw_null(&j);
    ward_jw_end(&j);
    int rc = ward_jw_error(&j);
    if (!rc) {
        if (w->format == HUNT_JSON && w->count > 1) fputc(',', w->out);
        fwrite(b.data, 1, b.len, w->out);
        if (w->format == HUNT_JSONL) fputc('\n', w->out);
    }
    ward_buf_free(&b);
    return rc;
}

int hunt_out_alert(void *ctx, const struct hunt_alert *a)
{
    struct hunt_out *w = ctx;
    const struct hunt_rule *hr = &w->rules[a->rule];
    const struct ward_sigma_rule *r = hr->r;
    FILE *f = w->out;
    w->count++;
    unsigned lvl = r->level <= WARD_LEVEL_CRITICAL ? (unsigned)r->level : 0;
    w->by_level[lvl]++;
    w->by_rule[a->rule]++;
    for (unsigned i = 0; i < 32; i++)
        if (hr->tactic_mask & (1u << i)) w->by_tactic[i]++;
    if (a->ts != WARD_TIME_NONE) {
        if (w->first == WARD_TIME_NONE || a->ts < w->first) w->first = a->ts;
        if (w->last == WARD_TIME_NONE || a->ts > w->last) w->last = a->ts;
    }
    if (a->host_len && count_in(&w->hosts, &w->by_host, &w->cap_host, a->host, a->host_len))
        return WARD_ENOMEM;
    const char *t = hr->techniques;
    while (*t) {
        const char *sp = strchr(t, ' ');
        size_t n = sp ? (size_t)(sp - t) : strlen(t);
        if (count_in(&w->techs, &w->by_tech, &w->cap_tech, t, n)) return WARD_ENOMEM;
        t += n;
        while (*t == ' ') t++;
    }

    if (w->store) {
        struct ward_buf ej;
        ward_buf_init(&ej, 0);
        const char *ejp = a->event_json;
        size_t ejl = a->event_json_len;
        if (is_corr(w, a)) {
            /* the stored event of a correlation alert: what it correlates */
            if (ward_buf_puts(&ej, "{\"correlation\":") ||
                ward_buf_append(&ej, a->extra_json, a->extra_json_len) || ward_buf_putc(&ej, '}'))
                return WARD_ENOMEM;
            ejp = ej.data;
            ejl = ej.len;
        }
        struct hunt_store_alert sa = {
            .ts = a->ts,
            .host = a->host,
            .host_len = a->host_len,
            .rule_id = r->id ? r->id : (r->name ? r->name : r->title),
            .rule_title = r->title ? r->title : "(untitled)",
            .severity = r->level >= WARD_LEVEL_INFORMATIONAL ? (int)r->level - 1 : 2,
            .tags = r->tags,
            .ntags = r->ntags,
            .tech_ids = hr->tech_ids,
            .tech_names = hr->tech_names,
            .ntech = hr->ntech,
            .tactics = hr->tactic_names,
            .ntactics = hr->ntactics,
            .path = w->paths[a->file],
            .record = a->record,
            .event_json = ejp,
            .event_json_len = ejl,
            .entities = a->entities,
            .entities_len = a->entities_len,
        };
        int rc = hunt_store_add(w->store, &sa);
        ward_buf_free(&ej);
        if (rc) return rc;
    }
    switch (w->format) {
    case HUNT_TABLE: {
        if (w->has_pending && (w->pending_file != a->file || w->pending_offset != a->offset))
            flush_pending(w);
        put_time(f, a->ts, 3);
        table_host(f, a->host, a->host_len);
        if (w->color) fputs(level_colours[lvl], f);
        fprintf(f, "%-8s", level_names[lvl]);
        if (w->color) fputs("\033[0m", f);
        const char *tech = hr->techniques;
        size_t tl = strcspn(tech, " ");
        fprintf(f, " %-10.*s ", (int)(tl ? tl : 1), tl ? tech : "-");
        if (w->color) fputs("\033[1m", f);
        fputs(r->title ? r->title : "(untitled)", f);
        if (w->color) fputs("\033[0m", f);
        fputc('\n', f);
        /* intel hits and correlations carry their own details: print them at once */
        if (a->extra_json_len) {
            ward_buf_reset(&w->pending);
            if (ward_buf_append(&w->pending, a->details, a->details_len)) return WARD_ENOMEM;
            w->has_pending = 1;
            flush_pending(w);
        } else if (!w->has_pending) {
            ward_buf_reset(&w->pending);
            if (ward_buf_append(&w->pending, a->details, a->details_len)) return WARD_ENOMEM;
            w->has_pending = 1;
            w->pending_file = a->file;
            w->pending_offset = a->offset;
        }
        break;
    }
    case HUNT_CSV:
        put_time(f, a->ts, 6);
        fputc(',', f);
        csv_field(f, a->host, a->host_len);
        fprintf(f, ",%s,", ward_sigma_level_name(r->level));
        csv_field(f, r->id ? r->id : "", r->id ? strlen(r->id) : 0);
        fputc(',', f);
        csv_field(f, r->title ? r->title : "", r->title ? strlen(r->title) : 0);
        fputc(',', f);
        csv_field(f, hr->tactics, strlen(hr->tactics));
        fputc(',', f);
        csv_field(f, hr->techniques, strlen(hr->techniques));
        fputc(',', f);
        csv_field(f, w->paths[a->file], strlen(w->paths[a->file]));
        fprintf(f, ",%llu,", (unsigned long long)a->record);
        csv_field(f, a->details, a->details_len);
        fputc('\n', f);
        break;
    case HUNT_JSONL:
    case HUNT_JSON:
        if (write_json_alert(w, a)) return WARD_ENOMEM;
        break;
    }
    return ferror(f) ? WARD_EIO : 0;
}

/* ---- summary ------------------------------------------------------------------------------- */

struct ranked {
    size_t idx;
    uint64_t n;
};

static int rank_cmp(const void *x, const void *y)
{
    const struct ranked *a = x, *b = y;
    if (a->n != b->n) return a->n > b->n ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Indexes of non-zero counts, most first (ties by index), at most `max`. */
static size_t top(const uint64_t *counts, size_t n, struct ranked *out, size_t max)
{
    struct ranked *all = malloc((n ? n : 1) * sizeof *all);
    if (!all) return 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (counts[i]) all[k++] = (struct ranked){i, counts[i]};
    qsort(all, k, sizeof *all, rank_cmp);
    if (k > max) k = max;
    memcpy(out, all, k * sizeof *out);
    free(all);
    return k;
}

static void tech_label(const struct hunt_out *w, size_t i, char *buf, size_t sz)
{
    const char *id = ward_intern_name(&w->techs, (uint32_t)i);
    ward_attack_label(w->attack, id, strlen(id), buf, sz);
}

static int summary_text(struct hunt_out *w, FILE *f, const struct hunt_file_stat *files,
                        uint64_t events, uint64_t bytes, double secs, int threads)
{
    struct ranked r[16];
    size_t k;
    char lab[256];
    const char *b = w->color ? "\033[1m" : "", *e = w->color ? "\033[0m" : "";
    fprintf(f, "\n%sSummary%s\n", b, e);
    fprintf(f, "  files:     %zu read", w->npaths);
    size_t bad_files = 0, skipped = 0;
    uint64_t errors = 0;
    for (size_t i = 0; i < w->npaths; i++) {
        if (files[i].unreadable) bad_files++;
        if (files[i].skipped) skipped++;
        errors += files[i].errors;
    }
    if (bad_files) fprintf(f, ", %zu unreadable", bad_files);
    if (skipped) fprintf(f, ", %zu skipped (format not recognised; -v lists them)", skipped);
    fprintf(f, "\n  events:    %llu (%.1f MB in %.2f s, %.0f events/s, %d threads)\n",
            (unsigned long long)events, (double)bytes / 1e6, secs,
            secs > 0 ? (double)events / secs : 0.0, threads);
    fprintf(f, "  alerts:    %llu", (unsigned long long)w->count);
    int first = 1;
    for (int l = 5; l >= 0; l--) {
        if (!w->by_level[l]) continue;
        fprintf(f, "%s%llu %s", first ? " (" : ", ", (unsigned long long)w->by_level[l],
                level_names[l]);
        first = 0;
    }
    fputs(first ? "\n" : ")\n", f);
    if (w->first != WARD_TIME_NONE) {
        fputs("  time:      ", f);
        put_time(f, w->first, 0);
        fputs(" .. ", f);
        put_time(f, w->last, 0);
        fputc('\n', f);
    }
    k = top(w->by_rule, w->nrules, r, 10);
    if (k) fputs("  top rules:\n", f);
    for (size_t i = 0; i < k; i++) {
        const struct hunt_rule *hr = &w->rules[r[i].idx];
        fprintf(f, "    %6llu  %-8s %s\n", (unsigned long long)r[i].n,
                level_names[hr->r->level <= 5 ? hr->r->level : 0],
                hr->r->title ? hr->r->title : "");
    }
    k = top(w->by_host, w->hosts.count, r, 10);
    if (k) fputs("  hosts:\n", f);
    for (size_t i = 0; i < k; i++)
        fprintf(f, "    %6llu  %s\n", (unsigned long long)r[i].n,
                ward_intern_name(&w->hosts, (uint32_t)r[i].idx));
    const struct ward_attack_db *db = w->attack ? w->attack : ward_attack_builtin();
    int any = 0;
    for (size_t i = 0; i < db->tactic_count && i < 32; i++) {
        if (!w->by_tactic[i]) continue;
        if (!any) fputs("  ATT&CK tactics:\n", f);
        any = 1;
        fprintf(f, "    %6llu  %s %s\n", (unsigned long long)w->by_tactic[i], db->tactics[i].id,
                db->tactics[i].name);
    }
    k = top(w->by_tech, w->techs.count, r, 15);
    if (k) fputs("  ATT&CK techniques:\n", f);
    for (size_t i = 0; i < k; i++) {
        tech_label(w, r[i].idx, lab, sizeof lab);
        fprintf(f, "    %6llu  %s\n", (unsigned long long)r[i].n, lab);
    }
    if (errors) {
        fprintf(f, "  errors:    %llu\n", (unsigned long long)errors);
        for (size_t i = 0; i < w->npaths; i++)
            if (files[i].errors)
                fprintf(f, "    %6llu  %s: %s\n", (unsigned long long)files[i].errors, w->paths[i],
                        files[i].first_error ? files[i].first_error : "");
    }
    return ferror(f) ? WARD_EIO : 0;
}

static int summary_json(struct hunt_out *w, struct ward_jw *j, const struct hunt_file_stat *files,
                        uint64_t events, uint64_t bytes, double secs, int threads)
{
    char lab[256];
    ward_jw_obj(j);
    ward_jw_key(j, "files");
    ward_jw_uint(j, w->npaths);
    size_t skipped = 0;
    for (size_t i = 0; i < w->npaths; i++) skipped += files[i].skipped != 0;
    ward_jw_key(j, "skipped_files");
    ward_jw_uint(j, skipped);
    ward_jw_key(j, "events");
    ward_jw_uint(j, events);
    ward_jw_key(j, "bytes");
    ward_jw_uint(j, bytes);
    ward_jw_key(j, "seconds");
    ward_jw_double(j, secs);
    ward_jw_key(j, "threads");
    ward_jw_int(j, threads);
    ward_jw_key(j, "alerts");
    ward_jw_uint(j, w->count);
    ward_jw_key(j, "by_level");
    ward_jw_obj(j);
    for (int l = 1; l <= 5; l++) {
        ward_jw_key(j, ward_sigma_level_name((enum ward_sigma_level)l));
        ward_jw_uint(j, w->by_level[l]);
    }
    ward_jw_end(j);
    ward_jw_key(j, "first");
    if (w->first == WARD_TIME_NONE) {
        ward_jw_null(j);
    } else {
        size_t n = ward_time_format(w->first, 6, lab, sizeof lab);
        ward_jw_strn(j, lab, n);
    }
    ward_jw_key(j, "last");
    if (w->last == WARD_TIME_NONE) {
        ward_jw_null(j);
    } else {
        size_t n = ward_time_format(w->last, 6, lab, sizeof lab);
        ward_jw_strn(j, lab, n);
    }
    struct ranked *r = malloc((w->nrules + w->hosts.count + w->techs.count + 1) * sizeof *r);
    if (!r) return WARD_ENOMEM;
    size_t k = top(w->by_rule, w->nrules, r, w->nrules);
    ward_jw_key(j, "rules");
    ward_jw_arr(j);
    for (size_t i = 0; i < k; i++) {
        const struct ward_sigma_rule *rr = w->rules[r[i].idx].r;
        ward_jw_obj(j);
        ward_jw_key(j, "id");
        ward_jw_str(j, rr->id);
        ward_jw_key(j, "title");
        ward_jw_str(j, rr->title);
        ward_jw_key(j, "level");
        ward_jw_str(j, ward_sigma_level_name(rr->level));
        ward_jw_key(j, "alerts");
        ward_jw_uint(j, r[i].n);
        ward_jw_end(j);
    }
    ward_jw_end(j);
    k = top(w->by_host, w->hosts.count, r, w->hosts.count);
    ward_jw_key(j, "hosts");
    ward_jw_arr(j);
    for (size_t i = 0; i < k; i++) {
        ward_jw_obj(j);
        ward_jw_key(j, "host");
        ward_jw_str(j, ward_intern_name(&w->hosts, (uint32_t)r[i].idx));
        ward_jw_key(j, "alerts");
        ward_jw_uint(j, r[i].n);
        ward_jw_end(j);
    }
    ward_jw_end(j);
    const struct ward_attack_db *db = w->attack ? w->attack : ward_attack_builtin();
    ward_jw_key(j, "tactics");
    ward_jw_arr(j);
    for (size_t i = 0; i < db->tactic_count && i < 32; i++) {
        if (!w->by_tactic[i]) continue;
        ward_jw_obj(j);
        ward_jw_key(j, "id");
        ward_jw_str(j, db->tactics[i].id);
        ward_jw_key(j, "name");
        ward_jw_str(j, db->tactics[i].name);
        ward_jw_key(j, "alerts");
        ward_jw_uint(j, w->by_tactic[i]);
        ward_jw_end(j);
    }
    ward_jw_end(j);
    k = top(w->by_tech, w->techs.count, r, w->techs.count);
    ward_jw_key(j, "techniques");
    ward_jw_arr(j);
    for (size_t i = 0; i < k; i++) {
        const char *id = ward_intern_name(&w->techs, (uint32_t)r[i].idx);
        const struct ward_attack_technique *t = ward_attack_technique(db, id, strlen(id));
        ward_jw_obj(j);
        ward_jw_key(j, "id");
        ward_jw_str(j, id);
        ward_jw_key(j, "name");
        if (t)
            ward_jw_str(j, t->name);
        else
            ward_jw_null(j);
        ward_jw_key(j, "alerts");
        ward_jw_uint(j, r[i].n);
        ward_jw_end(j);
    }
    ward_jw_end(j);
    free(r);
    ward_jw_key(j, "errors");
    ward_jw_arr(j);
    for (size_t i = 0; i < w->npaths; i++) {
        if (!files[i].errors) continue;
        ward_jw_obj(j);
        ward_jw_key(j, "path");
        ward_jw_str(j, w->paths[i]);
        ward_jw_key(j, "errors");
        ward_jw_uint(j, files[i].errors);
        ward_jw_key(j, "first");
        ward_jw_str(j, files[i].first_error ? files[i].first_error : "");
        ward_jw_key(j, "unreadable");
        ward_jw_bool(j, files[i].unreadable);
        ward_jw_end(j);
    }
    ward_jw_end(j);
    ward_jw_end(j);
    return ward_jw_error(j);
}

int hunt_out_end(struct hunt_out *w, const struct hunt_file_stat *files, uint64_t events,
                 uint64_t bytes, double secs, int threads)
{
    int rc = 0;
    flush_pending(w);
    if (w->format == HUNT_JSON) {
        struct ward_buf b;
        ward_buf_init(&b, 0);
        struct ward_jw j;
        ward_jw_init(&j, &b);
        rc = summary_json(w, &j, files, events, bytes, secs, threads);
        if (!rc) fprintf(w->out, "],\"summary\":%s}\n", b.data);
        ward_buf_free(&b);
        return rc ? rc : (ferror(w->out) ? WARD_EIO : 0);
    }
    if (w->summary_out) {
        int colour = w->summary_out == w->out ? w->color : 0;
        int saved = w->color;
        w->color = colour;
        rc = summary_text(w, w->summary_out, files, events, bytes, secs, threads);
        w->color = saved;
    }
    return rc;
}
