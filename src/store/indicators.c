/*
 * indicators.c - threat intelligence in the case store: the indicators table (one row per
 * value of an indicator and source; a re-import of the same indicator from the same source
 * updates its last_seen and context instead of adding a row), the imports that brought
 * them and what those imports could not load (intel_problems), listing, counting and
 * removing by source, and reading the indicators back into an indicator set for matching.
 * Every import and removal is one transaction ending with its journal entry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "ward/ioc.h"

/* ---- writing ------------------------------------------------------------------------------ */

static const char sql_imp_new[] =
    "INSERT INTO intel_imports(ts, actor, path, source) VALUES(?1, ?2, ?3, ?4)";
static const char sql_imp_done[] =
    "UPDATE intel_imports SET values_new = ?2, values_updated = ?3, problems = ?4, counts = ?5"
    " WHERE id = ?1";
static const char sql_ind_count[] = "SELECT count(*) FROM indicators";
static const char sql_ind_upsert[] =
    "INSERT INTO indicators(type, value, source, source_id, first_seen, last_seen, valid_from,"
    " valid_until, confidence, tlp, labels, flags, context, import_id)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    " ON CONFLICT(type, value, source, source_id) DO UPDATE SET last_seen = excluded.last_seen,"
    " valid_from = excluded.valid_from, valid_until = excluded.valid_until,"
    " confidence = excluded.confidence, tlp = excluded.tlp, labels = excluded.labels,"
    " flags = excluded.flags, context = excluded.context, import_id = excluded.import_id";
/* the problems of an earlier import of the same file and source are superseded */
static const char sql_prob_old[] =
    "DELETE FROM intel_problems WHERE source = ?1 AND import_id IN"
    " (SELECT id FROM intel_imports WHERE path = ?2 AND source = ?1 AND id != ?3)";
static const char sql_prob_ins[] =
    "INSERT INTO intel_problems(import_id, source, path, line, source_id, kind, partial, text,"
    " reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

/* Steps a prepared count query (its parameters bound) and resets it. */
static int step_count(struct ward_store *st, sqlite3_stmt *s, int64_t *n, struct ward_err *err)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        int r = st_dberr(st, err, "cannot count the indicators");
        sqlite3_reset(s);
        return r;
    }
    *n = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return 0;
}

static int count_rows(struct ward_store *st, const char *sql, int64_t *n, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql, err);
    if (!s) return err ? err->code : WARD_EIO;
    return step_count(st, s, n, err);
}

static void jw_time(struct ward_jw *w, const char *key, ward_time_t t)
{
    if (t == WARD_TIME_NONE) return;
    char buf[40];
    ward_time_format(t, 3, buf, sizeof buf);
    ward_jw_key(w, key);
    ward_jw_str(w, buf);
}

/* The context JSON of a meta: what the columns do not hold. */
static int context_json(const struct ward_ioc_meta *m, struct ward_buf *b)
{
    ward_buf_reset(b);
    struct ward_jw w;
    ward_jw_init(&w, b);
    ward_jw_obj(&w);
    if (m) {
        if (m->name) ward_jw_key(&w, "name"), ward_jw_str(&w, m->name);
        if (m->pattern) ward_jw_key(&w, "pattern"), ward_jw_str(&w, m->pattern);
        if (m->event) ward_jw_key(&w, "event"), ward_jw_str(&w, m->event);
        if (m->line) ward_jw_key(&w, "line"), ward_jw_uint(&w, m->line);
        jw_time(&w, "first_seen", m->first_seen);
        jw_time(&w, "last_seen", m->last_seen);
    }
    ward_jw_end(&w);
    if (ward_jw_error(&w) || ward_buf_putc(b, 0)) return WARD_ENOMEM;
    return 0;
}

static void bind_time(sqlite3_stmt *s, int idx, ward_time_t t)
{
    if (t == WARD_TIME_NONE)
        sqlite3_bind_null(s, idx);
    else
        sqlite3_bind_int64(s, idx, t);
}

static const char *tlp_text(unsigned tlp)
{
    return tlp == WARD_TLP_NONE || tlp > WARD_TLP_RED ? "unknown" : ward_tlp_name(tlp);
}

/* Upserts one value; ctx is the meta's context JSON (NUL-terminated). */
static void bind_static(sqlite3_stmt *s, int idx, const char *v)
{
    if (v)
        sqlite3_bind_text(s, idx, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, idx);
}

static int upsert(struct ward_store *st, const struct ward_ioc *ioc, const char *source,
                  const char *ctx, ward_time_t now, int64_t import_id, struct ward_err *err)
{
    const struct ward_ioc_meta *m = ioc->meta;
    sqlite3_stmt *s = st_prep(st, sql_ind_upsert, err);
    if (!s) return err ? err->code : WARD_EIO;
    /* every string outlives the step: bound without a copy */
    bind_static(s, 1, ward_ioc_type_name((enum ward_ioc_type)ioc->type));
    sqlite3_bind_text(s, 2, ioc->value, (int)ioc->vlen, SQLITE_STATIC);
    bind_static(s, 3, m && m->source ? m->source : source);
    bind_static(s, 4, m && m->id ? m->id : "");
    sqlite3_bind_int64(s, 5, now);
    bind_time(s, 6, m ? m->valid_from : WARD_TIME_NONE);
    bind_time(s, 7, m ? m->valid_until : WARD_TIME_NONE);
    if (m && m->confidence >= 0 && m->confidence <= 100)
        sqlite3_bind_int(s, 8, m->confidence);
    else
        sqlite3_bind_null(s, 8);
    bind_static(s, 9, tlp_text(m ? m->tlp : 0));
    bind_static(s, 10, m ? m->labels : NULL);
    sqlite3_bind_int(s, 11, m ? m->flags : 0);
    bind_static(s, 12, ctx);
    if (import_id)
        sqlite3_bind_int64(s, 13, import_id);
    else
        sqlite3_bind_null(s, 13);
    return st_step_done(st, s, err, "cannot record the indicator");
}

struct sort_ctx {
    const struct ward_ioc_set *set;
    const char *source;
};

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

/* the order of the unique index (type, value, source, source_id) */
static int cmp_values(const void *pa, const void *pb, void *vctx)
{
    const struct sort_ctx *c = vctx;
    const struct ward_ioc *a = ward_ioc_set_get(c->set, *(const size_t *)pa);
    const struct ward_ioc *b = ward_ioc_set_get(c->set, *(const size_t *)pb);
    if (a->type != b->type) return a->type < b->type ? -1 : 1;
    size_t n = a->vlen < b->vlen ? a->vlen : b->vlen;
    int r = memcmp(a->value, b->value, n);
    if (r) return r;
    if (a->vlen != b->vlen) return a->vlen < b->vlen ? -1 : 1;
    const char *sa = a->meta && a->meta->source ? a->meta->source : c->source;
    const char *sb = b->meta && b->meta->source ? b->meta->source : c->source;
    if ((r = cmp_str(sa, sb))) return r;
    return cmp_str(a->meta ? a->meta->id : NULL, b->meta ? b->meta->id : NULL);
}

static int add_values(struct ward_store *st, const struct ward_ioc_set *set, size_t first,
                      const char *source, int64_t import_id, struct ward_buf *ctx,
                      struct ward_err *err)
{
    ward_time_t now = ward_store_now(st);
    size_t n = ward_ioc_set_count(set);
    if (first >= n) return 0;
    /* in the unique index's order, so that a large import appends to the index instead of
     * touching its pages at random */
    size_t *order = malloc((n - first) * sizeof *order);
    if (!order) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    for (size_t i = first; i < n; i++) order[i - first] = i;
    struct sort_ctx sc = {set, source};
    qsort_r(order, n - first, sizeof *order, cmp_values, &sc);
    const struct ward_ioc_meta *last = NULL;
    int have_ctx = 0, r = 0;
    for (size_t k = 0; k < n - first && !r; k++) {
        const struct ward_ioc *ioc = ward_ioc_set_get(set, order[k]);
        if (!have_ctx || ioc->meta != last) {
            if (context_json(ioc->meta, ctx)) {
                r = ward_err_set(err, WARD_ENOMEM, "out of memory");
                break;
            }
            last = ioc->meta;
            have_ctx = 1;
        }
        r = upsert(st, ioc, source, ctx->data, now, import_id, err);
    }
    free(order);
    return r;
}

static int add_problems(struct ward_store *st, const struct ward_ioc_set *set, size_t first,
                        const char *path, const char *source, int64_t import_id,
                        struct ward_err *err)
{
    sqlite3_stmt *d = st_prep(st, sql_prob_old, err);
    if (!d) return err ? err->code : WARD_EIO;
    st_bind_text(d, 1, source);
    st_bind_text(d, 2, path);
    sqlite3_bind_int64(d, 3, import_id);
    int r0 = st_step_done(st, d, err, "cannot drop superseded intel problems");
    if (r0) return r0;
    size_t n = ward_ioc_set_problem_count(set);
    for (size_t i = first; i < n; i++) {
        const struct ward_ioc_problem *p = ward_ioc_set_problem(set, i);
        sqlite3_stmt *s = st_prep(st, sql_prob_ins, err);
        if (!s) return err ? err->code : WARD_EIO;
        sqlite3_bind_int64(s, 1, import_id);
        st_bind_text(s, 2, source);
        st_bind_text(s, 3, p->source);
        if (p->line)
            sqlite3_bind_int64(s, 4, (int64_t)p->line);
        else
            sqlite3_bind_null(s, 4);
        st_bind_text(s, 5, p->id);
        st_bind_text(s, 6, ward_ioc_problem_kind_name((enum ward_ioc_problem_kind)p->kind));
        sqlite3_bind_int(s, 7, p->partial);
        st_bind_text(s, 8, p->text);
        st_bind_text(s, 9, p->reason ? p->reason : "");
        int r = st_step_done(st, s, err, "cannot record an intel problem");
        if (r) return r;
    }
    return 0;
}

int ward_store_intel_import(struct ward_store *st, const struct ward_ioc_set *set,
                            size_t first_value, size_t first_problem, const char *path,
                            const char *source, const char *counts_json,
                            struct ward_intel_import *out, struct ward_err *err)
{
    struct ward_intel_import res;
    memset(&res, 0, sizeof res);
    if (!path || !source || !*source)
        return ward_err_set(err, WARD_EINVAL, "an import needs a path and a source name");
    struct ward_buf ctx;
    ward_buf_init(&ctx, 0);
    char *detail = NULL;
    /* a large import touches index pages all over: with SQLite's default 2 MB page cache a
     * million values take minutes, with a cache that holds the indexes seconds (the cache
     * only grows as far as it is used, and is set back afterwards) */
    size_t nvals = ward_ioc_set_count(set) -
                   (first_value < ward_ioc_set_count(set) ? first_value : ward_ioc_set_count(set));
    if (nvals > 10000) sqlite3_exec(st->db, "PRAGMA cache_size = -524288", NULL, NULL, NULL);
    int r = st_begin(st, err);
    if (r) goto restore;
    sqlite3_stmt *s = st_prep(st, sql_imp_new, err);
    if (!s) {
        r = err ? err->code : WARD_EIO;
        goto out;
    }
    sqlite3_bind_int64(s, 1, ward_store_now(st));
    st_bind_text(s, 2, st->actor);
    st_bind_text(s, 3, path);
    st_bind_text(s, 4, source);
    if ((r = st_step_done(st, s, err, "cannot record the import"))) goto out;
    res.id = sqlite3_last_insert_rowid(st->db);
    int64_t before, after;
    if ((r = count_rows(st, sql_ind_count, &before, err))) goto out;
    size_t nv = ward_ioc_set_count(set), np = ward_ioc_set_problem_count(set);
    if (first_value > nv) first_value = nv;
    if (first_problem > np) first_problem = np;
    if ((r = add_values(st, set, first_value, source, res.id, &ctx, err))) goto out;
    if ((r = count_rows(st, sql_ind_count, &after, err))) goto out;
    if ((r = add_problems(st, set, first_problem, path, source, res.id, err))) goto out;
    res.values = nv - first_value;
    res.values_new = (uint64_t)(after - before);
    res.values_updated = res.values - res.values_new;
    res.problems = np - first_problem;
    if (!(s = st_prep(st, sql_imp_done, err))) {
        r = err ? err->code : WARD_EIO;
        goto out;
    }
    sqlite3_bind_int64(s, 1, res.id);
    sqlite3_bind_int64(s, 2, (int64_t)res.values_new);
    sqlite3_bind_int64(s, 3, (int64_t)res.values_updated);
    sqlite3_bind_int64(s, 4, (int64_t)res.problems);
    st_bind_text(s, 5, counts_json && *counts_json ? counts_json : "{}");
    if ((r = st_step_done(st, s, err, "cannot record the import"))) goto out;
    /* the journal entry */
    ward_buf_reset(&ctx);
    struct ward_jw w;
    ward_jw_init(&w, &ctx);
    ward_jw_obj(&w);
    ward_jw_key(&w, "import");
    ward_jw_int(&w, res.id);
    ward_jw_key(&w, "path");
    ward_jw_str(&w, path);
    ward_jw_key(&w, "source");
    ward_jw_str(&w, source);
    ward_jw_key(&w, "values");
    ward_jw_uint(&w, res.values);
    ward_jw_key(&w, "new");
    ward_jw_uint(&w, res.values_new);
    ward_jw_key(&w, "updated");
    ward_jw_uint(&w, res.values_updated);
    ward_jw_key(&w, "problems");
    ward_jw_uint(&w, res.problems);
    ward_jw_end(&w);
    if (ward_jw_error(&w) || !(detail = ward_buf_take(&ctx))) {
        r = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto out;
    }
    r = st_journal(st, 0, "intel.import", detail, err);
out:
    free(detail);
    ward_buf_free(&ctx);
    if (r)
        st_rollback(st);
    else if (!(r = st_commit(st, err)) && out)
        *out = res;
restore:
    if (nvals > 10000) sqlite3_exec(st->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
    return r;
}

int ward_store_indicator_add(struct ward_store *st, const struct ward_ioc *ioc, int *added,
                             struct ward_err *err)
{
    const char *source = ioc->meta && ioc->meta->source ? ioc->meta->source : "manual";
    struct ward_buf ctx;
    ward_buf_init(&ctx, 0);
    char *detail = NULL;
    int64_t before = 0, after = 0;
    int r = st_begin(st, err);
    if (r) return r;
    if (context_json(ioc->meta, &ctx)) {
        r = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto out;
    }
    if ((r = count_rows(st, sql_ind_count, &before, err))) goto out;
    if ((r = upsert(st, ioc, source, ctx.data, ward_store_now(st), 0, err))) goto out;
    if ((r = count_rows(st, sql_ind_count, &after, err))) goto out;
    ward_buf_reset(&ctx);
    struct ward_jw w;
    ward_jw_init(&w, &ctx);
    ward_jw_obj(&w);
    ward_jw_key(&w, "type");
    ward_jw_str(&w, ward_ioc_type_name((enum ward_ioc_type)ioc->type));
    ward_jw_key(&w, "value");
    ward_jw_strn(&w, ioc->value, ioc->vlen);
    ward_jw_key(&w, "source");
    ward_jw_str(&w, source);
    ward_jw_end(&w);
    if (ward_jw_error(&w) || !(detail = ward_buf_take(&ctx))) {
        r = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto out;
    }
    r = st_journal(st, 0, after > before ? "intel.add" : "intel.update", detail, err);
out:
    free(detail);
    ward_buf_free(&ctx);
    if (r) {
        st_rollback(st);
        return r;
    }
    if ((r = st_commit(st, err))) return r;
    if (added) *added = after > before;
    return 0;
}

static const char sql_ind_remove[] = "DELETE FROM indicators WHERE source = ?1";
static const char sql_prob_remove[] = "DELETE FROM intel_problems WHERE source = ?1";

int ward_store_indicators_remove(struct ward_store *st, const char *source, int64_t *removed,
                                 struct ward_err *err)
{
    if (!source || !*source) return ward_err_set(err, WARD_EINVAL, "no source to remove");
    int r = st_begin(st, err);
    if (r) return r;
    int64_t n = 0;
    char *detail = NULL;
    struct ward_buf b;
    ward_buf_init(&b, 0);
    sqlite3_stmt *s = st_prep(st, sql_ind_remove, err);
    if (!s) {
        r = err ? err->code : WARD_EIO;
        goto out;
    }
    st_bind_text(s, 1, source);
    if ((r = st_step_done(st, s, err, "cannot remove the indicators"))) goto out;
    n = sqlite3_changes(st->db);
    if (!(s = st_prep(st, sql_prob_remove, err))) {
        r = err ? err->code : WARD_EIO;
        goto out;
    }
    st_bind_text(s, 1, source);
    if ((r = st_step_done(st, s, err, "cannot remove the intel problems"))) goto out;
    struct ward_jw w;
    ward_jw_init(&w, &b);
    ward_jw_obj(&w);
    ward_jw_key(&w, "source");
    ward_jw_str(&w, source);
    ward_jw_key(&w, "removed");
    ward_jw_int(&w, n);
    ward_jw_end(&w);
    if (ward_jw_error(&w) || !(detail = ward_buf_take(&b))) {
        r = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto out;
    }
    r = st_journal(st, 0, "intel.remove", detail, err);
out:
    free(detail);
    ward_buf_free(&b);
    if (r) {
        st_rollback(st);
        return r;
    }
    if ((r = st_commit(st, err))) return r;
    if (removed) *removed = n;
    return 0;
}

/* ---- reading ------------------------------------------------------------------------------ */

static const char sql_ind_list[] =
    "SELECT id, type, value, source, source_id, first_seen, last_seen, valid_from, valid_until,"
    " confidence, tlp, labels, flags, context, import_id FROM indicators"
    " WHERE (?1 IS NULL OR type = ?1) AND (?2 IS NULL OR source = ?2)"
    " AND (?3 IS NULL OR value = ?3) ORDER BY id LIMIT ?4";
static const char sql_ind_filter_count[] =
    "SELECT count(*) FROM indicators WHERE (?1 IS NULL OR type = ?1)"
    " AND (?2 IS NULL OR source = ?2) AND (?3 IS NULL OR value = ?3)";

static ward_time_t col_time(sqlite3_stmt *s, int i)
{
    return sqlite3_column_type(s, i) == SQLITE_NULL ? WARD_TIME_NONE : sqlite3_column_int64(s, i);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

static void bind_filter(sqlite3_stmt *s, const struct ward_indicator_filter *f)
{
    st_bind_text(s, 1, f && f->type && *f->type ? f->type : NULL);
    st_bind_text(s, 2, f && f->source && *f->source ? f->source : NULL);
    st_bind_text(s, 3, f && f->value && *f->value ? f->value : NULL);
}

int ward_store_indicators_each(struct ward_store *st, const struct ward_indicator_filter *f,
                               ward_indicator_fn fn, void *ctx, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_ind_list, err);
    if (!s) return err ? err->code : WARD_EIO;
    bind_filter(s, f);
    sqlite3_bind_int64(s, 4, f && f->limit ? (int64_t)f->limit : -1);
    int rc, r = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct ward_indicator ind;
        ind.id = sqlite3_column_int64(s, 0);
        ind.type = col_text(s, 1);
        ind.value = col_text(s, 2);
        ind.source = col_text(s, 3);
        ind.source_id = col_text(s, 4);
        ind.first_seen = col_time(s, 5);
        ind.last_seen = col_time(s, 6);
        ind.valid_from = col_time(s, 7);
        ind.valid_until = col_time(s, 8);
        ind.confidence = sqlite3_column_type(s, 9) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 9);
        ind.tlp = col_text(s, 10);
        ind.labels = col_text(s, 11);
        ind.flags = sqlite3_column_int(s, 12);
        ind.context = col_text(s, 13);
        ind.import_id = sqlite3_column_int64(s, 14);
        if (!ind.type || !ind.value || !ind.source || !ind.tlp || !ind.context) {
            r = ward_err_set(err, WARD_ENOMEM, "out of memory reading the indicators");
            break;
        }
        if (!ind.source_id) ind.source_id = "";
        if (fn(ctx, &ind)) break;
    }
    if (!r && rc != SQLITE_ROW && rc != SQLITE_DONE)
        r = st_dberr(st, err, "cannot read the indicators");
    sqlite3_reset(s);
    return r;
}

int ward_store_indicators_count(struct ward_store *st, const struct ward_indicator_filter *f,
                                int64_t *n, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_ind_filter_count, err);
    if (!s) return err ? err->code : WARD_EIO;
    bind_filter(s, f);
    return step_count(st, s, n, err);
}

static const char sql_prob_list[] =
    "SELECT p.import_id, i.ts, p.source, p.path, p.line, p.source_id, p.kind, p.partial,"
    " p.text, p.reason FROM intel_problems p JOIN intel_imports i ON i.id = p.import_id"
    " WHERE (?1 IS NULL OR p.source = ?1) ORDER BY p.id";

int ward_store_intel_problems_each(struct ward_store *st, const char *source,
                                   ward_intel_problem_fn fn, void *ctx, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_prob_list, err);
    if (!s) return err ? err->code : WARD_EIO;
    st_bind_text(s, 1, source && *source ? source : NULL);
    int rc, r = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct ward_intel_problem p;
        p.import_id = sqlite3_column_int64(s, 0);
        p.ts = col_time(s, 1);
        p.source = col_text(s, 2);
        p.path = col_text(s, 3);
        p.line = (uint64_t)sqlite3_column_int64(s, 4);
        p.source_id = col_text(s, 5);
        p.kind = col_text(s, 6);
        p.partial = sqlite3_column_int(s, 7);
        p.text = col_text(s, 8);
        p.reason = col_text(s, 9);
        if (!p.source || !p.kind || !p.reason) {
            r = ward_err_set(err, WARD_ENOMEM, "out of memory reading the intel problems");
            break;
        }
        if (fn(ctx, &p)) break;
    }
    if (!r && rc != SQLITE_ROW && rc != SQLITE_DONE)
        r = st_dberr(st, err, "cannot read the intel problems");
    sqlite3_reset(s);
    return r;
}

/* ---- into an indicator set -------------------------------------------------------------- */

/* rowid order: the values of one import (and of one indicator) come together, so
 * consecutive rows mostly share one context */
static const char sql_ind_load[] =
    "SELECT type, value, source, source_id, valid_from, valid_until, confidence, tlp, labels,"
    " flags, json_extract(context, '$.name'), json_extract(context, '$.pattern'),"
    " json_extract(context, '$.event'), json_extract(context, '$.line'),"
    " json_extract(context, '$.first_seen'), json_extract(context, '$.last_seen')"
    " FROM indicators WHERE (?1 IS NULL OR type = ?1) AND (?2 IS NULL OR source = ?2)"
    " AND (?3 IS NULL OR value = ?3)";

#define LOAD_META_COLS 14 /* columns 2.. that make the context */

static int same_text(const unsigned char *a, int na, const struct ward_buf *prev, size_t *off)
{
    /* prev holds the last row's context columns as (length, bytes) records */
    int32_t pn;
    if (*off + sizeof pn > prev->len) return 0;
    memcpy(&pn, prev->data + *off, sizeof pn);
    *off += sizeof pn;
    if (pn != na) return 0;
    if (na > 0 && memcmp(prev->data + *off, a, (size_t)na) != 0) return 0;
    *off += na > 0 ? (size_t)na : 0;
    return 1;
}

static int remember(struct ward_buf *prev, sqlite3_stmt *s)
{
    ward_buf_reset(prev);
    for (int c = 2; c < 2 + LOAD_META_COLS; c++) {
        const unsigned char *t = sqlite3_column_text(s, c);
        int32_t n = t ? sqlite3_column_bytes(s, c) : -1;
        if (ward_buf_append(prev, &n, sizeof n)) return WARD_ENOMEM;
        if (n > 0 && ward_buf_append(prev, t, (size_t)n)) return WARD_ENOMEM;
    }
    return 0;
}

static int same_as(const struct ward_buf *prev, sqlite3_stmt *s)
{
    size_t off = 0;
    for (int c = 2; c < 2 + LOAD_META_COLS; c++) {
        const unsigned char *t = sqlite3_column_text(s, c);
        int n = t ? sqlite3_column_bytes(s, c) : -1;
        if (!same_text(t, n, prev, &off)) return 0;
    }
    return 1;
}

static ward_time_t text_time(const char *t)
{
    ward_time_t v;
    if (!t || ward_time_parse(t, strlen(t), &v)) return WARD_TIME_NONE;
    return v;
}

int ward_store_intel_to_set(struct ward_store *st, struct ward_ioc_set *set,
                            const struct ward_indicator_filter *f, size_t *n, struct ward_err *err)
{
    *n = 0;
    sqlite3_stmt *s = st_prep(st, sql_ind_load, err);
    if (!s) return err ? err->code : WARD_EIO;
    bind_filter(s, f);
    struct ward_buf prev;
    ward_buf_init(&prev, 0);
    const struct ward_ioc_meta *meta = NULL;
    int rc, r = 0;
    size_t bad = 0;
    /* a consistent snapshot even while another process imports */
    sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *type = col_text(s, 0);
        const char *value = col_text(s, 1);
        if (!type || !value) {
            r = ward_err_set(err, WARD_ENOMEM, "out of memory reading the indicators");
            break;
        }
        if (!meta || !same_as(&prev, s)) {
            struct ward_ioc_meta m;
            memset(&m, 0, sizeof m);
            const char *sid = col_text(s, 3);
            m.source = col_text(s, 2);
            m.id = sid && *sid ? sid : NULL;
            m.valid_from = col_time(s, 4);
            m.valid_until = col_time(s, 5);
            m.confidence =
                sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 : (int16_t)sqlite3_column_int(s, 6);
            const char *tlp = col_text(s, 7);
            m.tlp = tlp ? (uint8_t)ward_tlp_parse(tlp, strlen(tlp)) : 0;
            m.labels = col_text(s, 8);
            m.flags = (uint8_t)sqlite3_column_int(s, 9);
            m.name = col_text(s, 10);
            m.pattern = col_text(s, 11);
            m.event = col_text(s, 12);
            m.line = (uint64_t)sqlite3_column_int64(s, 13);
            m.first_seen = text_time(col_text(s, 14));
            m.last_seen = text_time(col_text(s, 15));
            if (remember(&prev, s) || !(meta = ward_ioc_meta_copy(set, &m))) {
                r = ward_err_set(err, WARD_ENOMEM, "out of memory loading the indicators");
                break;
            }
        }
        int t = ward_ioc_type_parse(type, strlen(type));
        struct ward_err e2;
        ward_err_clear(&e2);
        int ar = t >= 0 ? ward_ioc_add_shared(set, t, value, (size_t)sqlite3_column_bytes(s, 1),
                                              meta, &e2)
                        : WARD_EINVAL;
        if (ar == WARD_ENOMEM) {
            r = ward_err_set(err, WARD_ENOMEM, "out of memory loading the indicators");
            break;
        }
        if (ar) {
            bad++; /* changed by hand into something that is not a value of its type */
            continue;
        }
        (*n)++;
    }
    if (!r && rc != SQLITE_ROW && rc != SQLITE_DONE)
        r = st_dberr(st, err, "cannot read the indicators");
    sqlite3_reset(s);
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    ward_buf_free(&prev);
    if (bad && !r)
        ward_warn("%s: %zu indicators in the store are not valid values of their type", st->path,
                  bad);
    return r;
}

int ward_store_intel_load(const char *path, struct ward_ioc_set *set, size_t *n,
                          struct ward_err *err)
{
    *n = 0;
    struct ward_store *st = NULL;
    struct ward_err e2;
    ward_err_clear(&e2);
    int r = ward_store_open_existing(path, &st, &e2);
    if (r == WARD_ENOTFOUND) return 0; /* no store yet: no indicators */
    if (r) {
        if (err) *err = e2;
        return r;
    }
    r = ward_store_intel_to_set(st, set, NULL, n, err);
    ward_store_close(st);
    return r;
}
