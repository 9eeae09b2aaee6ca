/*
 * parse.c - the Sigma rule parser: YAML files (libyaml document API, several documents per
 * file) into struct ward_sigma_rule, with file:line on every diagnostic.
 *
 * Each document is one rule. A rule that is wrong in any way (unknown modifier, bad
 * condition, invalid regex, unresolved placeholder ...) becomes a struct ward_sigma_diag
 * with a specific reason and is left out; the other rules go on. Correlation rules and
 * filters (Sigma v2 "correlation:" and "filter:" sections) are recognised and kept with
 * their kind (their sections are not interpreted here; see docs/internals/sigma.md).
 */
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "detect/sigma/sigma_int.h"
#include "ward/decode.h"

#define SIGMA_MAX_FILE (16u << 20)
#define REASON_SZ 384

struct sigma_priv {
    struct ward_sigma_diag *diags; /* the array set->diags had when we last grew it */
    size_t diags_cap;
    struct sigma_re_list res;
    struct sigma_placeholders ph;
    char *ph_path; /* malloc'd; the file ph came from */
};

struct pctx {
    struct ward_sigma_rules *set;
    struct sigma_priv *priv;
    char *path; /* arena copy */
    yaml_document_t *doc;
    const struct sigma_placeholders *ph;
    char reason[REASON_SZ];
    uint32_t err_line;
};

static char *adup(struct pctx *c, const char *s, size_t n)
{
    return ward_arena_strndup(&c->set->arena, s, n);
}

/* Records a failure reason at a node's line. Returns -1. */
static int fail(struct pctx *c, const yaml_node_t *n, const char *fmt, ...) WARD_PRINTF(3, 4);
static int fail(struct pctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    c->err_line = n ? (uint32_t)n->start_mark.line + 1 : 0;
    return SIGMA_REJECT;
}

static const char *scalar(const yaml_node_t *n, size_t *len)
{
    if (!n || n->type != YAML_SCALAR_NODE) return NULL;
    if (len) *len = n->data.scalar.length;
    return (const char *)n->data.scalar.value;
}

static int key_is(const yaml_node_t *k, const char *name)
{
    size_t n;
    const char *s = scalar(k, &n);
    return s && n == strlen(name) && memcmp(s, name, n) == 0;
}

static int is_null_scalar(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    const char *s = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    return len == 0 || (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

static enum sigma_scalar scalar_kind(const yaml_node_t *n)
{
    if (is_null_scalar(n)) return SS_NULL;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return SS_STRING;
    const char *s = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if ((len == 4 && strncasecmp(s, "true", 4) == 0) ||
        (len == 5 && strncasecmp(s, "false", 5) == 0))
        return SS_BOOL;
    double d;
    if (len && (s[0] == '-' || s[0] == '+' || (s[0] >= '0' && s[0] <= '9')) &&
        ward_parse_double(ward_str_make(s, len), &d) == 0)
        return SS_NUMBER;
    return SS_STRING;
}

/* A scalar's text as a string (NULL for a YAML null). */
static int get_str(struct pctx *c, const yaml_node_t *n, const char *what, char **out)
{
    size_t len;
    const char *s = scalar(n, &len);
    if (!s) return fail(c, n, "'%s' must be a text value", what);
    if (is_null_scalar(n)) {
        *out = NULL;
        return 0;
    }
    if (!(*out = adup(c, s, len))) return WARD_ENOMEM;
    return 0;
}

/* A list of scalars (a single scalar is accepted as a list of one). */
static int get_str_list(struct pctx *c, const yaml_node_t *n, const char *what, char ***out,
                        size_t *count)
{
    yaml_document_t *d = c->doc;
    if (n->type == YAML_SCALAR_NODE) {
        if (is_null_scalar(n)) return 0;
        *out = ward_arena_alloc(&c->set->arena, sizeof **out);
        if (!*out) return WARD_ENOMEM;
        *count = 1;
        return get_str(c, n, what, &(*out)[0]);
    }
    if (n->type != YAML_SEQUENCE_NODE) return fail(c, n, "'%s' must be a list", what);
    size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = ward_arena_alloc(&c->set->arena, (k + 1) * sizeof **out);
    if (!*out) return WARD_ENOMEM;
    *count = 0;
    for (size_t i = 0; i < k; i++) {
        yaml_node_t *it = yaml_document_get_node(d, n->data.sequence.items.start[i]);
        if (!it || it->type != YAML_SCALAR_NODE)
            return fail(c, it ? it : n, "'%s' must be a list of text values", what);
        char *s;
        int rc = get_str(c, it, what, &s);
        if (rc) return rc;
        if (s) (*out)[(*count)++] = s;
    }
    return 0;
}

static size_t seq_len(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* ---- detection ------------------------------------------------------------------------- */

static int build_values(struct pctx *c, struct ward_sigma_item *item, const struct sigma_chain *ch,
                        const yaml_node_t *vn)
{
    yaml_document_t *d = c->doc;
    const yaml_node_t *single[1] = {vn};
    const yaml_node_t **list = single;
    size_t n = 1;
    const yaml_node_t **tmp = NULL;
    if (vn->type == YAML_MAPPING_NODE)
        return fail(c, vn, "field '%s': a map is not a value (nested maps are not Sigma)",
                    item->field ? item->field : "(keywords)");
    if (vn->type == YAML_SEQUENCE_NODE) {
        n = seq_len(vn);
        if (n == 0)
            return fail(c, vn, "field '%s': empty list of values",
                        item->field ? item->field : "(keywords)");
        tmp = malloc(n * sizeof *tmp);
        if (!tmp) return WARD_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            tmp[i] = yaml_document_get_node(d, vn->data.sequence.items.start[i]);
            if (!tmp[i] || tmp[i]->type != YAML_SCALAR_NODE) {
                const yaml_node_t *at = tmp[i] ? tmp[i] : vn;
                free(tmp);
                return fail(c, at, "field '%s': a list of values may only hold plain values",
                            item->field ? item->field : "(keywords)");
            }
        }
        list = tmp;
    }
    int rc = 0;
    item->values = ward_arena_alloc(&c->set->arena, n * sizeof *item->values);
    if (!item->values) rc = WARD_ENOMEM;
    item->nvalues = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        size_t len = 0;
        const char *s = scalar(list[i], &len);
        char why[REASON_SZ - 64];
        struct ward_sigma_value *v = &item->values[item->nvalues];
        int k = sigma_value_build(&c->set->arena, ch, item->field == NULL, s, len,
                                  scalar_kind(list[i]), c->ph, v, why, sizeof why);
        if (k == WARD_ENOMEM) {
            rc = k;
            break;
        }
        if (k) {
            rc = fail(c, list[i], "field '%s': %s", item->field ? item->field : "(keywords)", why);
            break;
        }
        v->line = (uint32_t)list[i]->start_mark.line + 1;
        for (size_t j = 0; j < v->nalts && rc == 0; j++) {
            if (v->alts[j].kind != WARD_SP_RE) continue;
            k = sigma_re_compile(&c->priv->res, &v->alts[j], why, sizeof why);
            if (k == WARD_ENOMEM)
                rc = k;
            else if (k)
                rc = fail(c, list[i], "field '%s': %s", item->field ? item->field : "(keywords)",
                          why);
        }
        item->nvalues++;
    }
    free(tmp);
    return rc;
}

/* One "field|mods: values" entry (field may be empty: keywords). */
static int parse_item(struct pctx *c, const yaml_node_t *kn, const yaml_node_t *vn,
                      struct ward_sigma_item *item)
{
    size_t klen;
    const char *key = scalar(kn, &klen);
    if (!key) return fail(c, kn, "a field name must be a text value");
    memset(item, 0, sizeof *item);
    item->line = (uint32_t)kn->start_mark.line + 1;
    const char *bar = memchr(key, '|', klen);
    size_t flen = bar ? (size_t)(bar - key) : klen;
    if (flen) {
        if (!(item->field = adup(c, key, flen))) return WARD_ENOMEM;
    }
    struct sigma_chain ch;
    memset(&ch, 0, sizeof ch);
    if (bar) {
        if (!(item->modifiers = adup(c, bar + 1, klen - flen - 1))) return WARD_ENOMEM;
        char why[REASON_SZ - 64];
        if (sigma_chain_parse(item->modifiers, &ch, why, sizeof why) ||
            sigma_chain_check(&ch, item->field == NULL, why, sizeof why))
            return fail(c, kn, "field '%s': %s", item->field ? item->field : "(keywords)", why);
    }
    if ((ch.seen >> SM_ALL) & 1u) item->flags |= WARD_SI_ALL;
    if ((ch.seen >> SM_NEQ) & 1u) item->flags |= WARD_SI_NEQ;
    if (vn->type == YAML_SEQUENCE_NODE && ((ch.seen >> SM_EXISTS) & 1u))
        return fail(c, vn, "field '%s': 'exists' takes one value, true or false",
                    item->field ? item->field : "(keywords)");
    return build_values(c, item, &ch, vn);
}

static int parse_group_map(struct pctx *c, const yaml_node_t *m, struct ward_sigma_group *g)
{
    yaml_document_t *d = c->doc;
    size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    if (n == 0) return fail(c, m, "empty map in a search identifier");
    g->items = ward_arena_alloc(&c->set->arena, n * sizeof *g->items);
    if (!g->items) return WARD_ENOMEM;
    g->nitems = n;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *pr = &m->data.mapping.pairs.start[i];
        yaml_node_t *kn = yaml_document_get_node(d, pr->key);
        yaml_node_t *vn = yaml_document_get_node(d, pr->value);
        if (!kn || !vn) return fail(c, m, "broken YAML map");
        int rc = parse_item(c, kn, vn, &g->items[i]);
        if (rc) return rc;
    }
    return 0;
}

static int parse_detection(struct pctx *c, const yaml_node_t *kn, const yaml_node_t *vn,
                           struct ward_sigma_detection *det)
{
    yaml_document_t *d = c->doc;
    size_t nlen;
    const char *name = scalar(kn, &nlen);
    if (!name || nlen == 0) return fail(c, kn, "a search identifier must be a name");
    memset(det, 0, sizeof *det);
    if (!(det->name = adup(c, name, nlen))) return WARD_ENOMEM;
    det->line = (uint32_t)kn->start_mark.line + 1;
    struct ward_arena *a = &c->set->arena;
    if (vn->type == YAML_MAPPING_NODE) {
        det->groups = ward_arena_alloc(a, sizeof *det->groups);
        if (!det->groups) return WARD_ENOMEM;
        det->ngroups = 1;
        return parse_group_map(c, vn, det->groups);
    }
    if (vn->type == YAML_SCALAR_NODE) {
        if (is_null_scalar(vn)) return fail(c, vn, "search identifier '%s' is empty", det->name);
        /* a single keyword */
        det->groups = ward_arena_alloc(a, sizeof *det->groups);
        if (!det->groups) return WARD_ENOMEM;
        det->ngroups = 1;
        det->groups->items = ward_arena_alloc(a, sizeof *det->groups->items);
        if (!det->groups->items) return WARD_ENOMEM;
        det->groups->nitems = 1;
        struct ward_sigma_item *it = det->groups->items;
        memset(it, 0, sizeof *it);
        it->line = det->line;
        struct sigma_chain ch;
        memset(&ch, 0, sizeof ch);
        return build_values(c, it, &ch, vn);
    }
    /* a list: of maps (one group each) or of keywords (one group, one field-less item) */
    size_t n = seq_len(vn);
    if (n == 0) return fail(c, vn, "search identifier '%s' is an empty list", det->name);
    size_t nmaps = 0, nscalars = 0;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *it = yaml_document_get_node(d, vn->data.sequence.items.start[i]);
        if (!it) return fail(c, vn, "broken YAML list");
        if (it->type == YAML_MAPPING_NODE)
            nmaps++;
        else if (it->type == YAML_SCALAR_NODE)
            nscalars++;
        else
            return fail(c, it, "search identifier '%s': a list inside a list", det->name);
    }
    if (nmaps && nscalars)
        return fail(c, vn, "search identifier '%s' mixes keywords and maps", det->name);
    if (nscalars) {
        det->groups = ward_arena_alloc(a, sizeof *det->groups);
        if (!det->groups) return WARD_ENOMEM;
        det->ngroups = 1;
        det->groups->items = ward_arena_alloc(a, sizeof *det->groups->items);
        if (!det->groups->items) return WARD_ENOMEM;
        det->groups->nitems = 1;
        struct ward_sigma_item *it = det->groups->items;
        memset(it, 0, sizeof *it);
        it->line = det->line;
        struct sigma_chain ch;
        memset(&ch, 0, sizeof ch);
        return build_values(c, it, &ch, vn);
    }
    det->groups = ward_arena_alloc(a, n * sizeof *det->groups);
    if (!det->groups) return WARD_ENOMEM;
    det->ngroups = n;
    for (size_t i = 0; i < n; i++) {
        memset(&det->groups[i], 0, sizeof det->groups[i]);
        yaml_node_t *it = yaml_document_get_node(d, vn->data.sequence.items.start[i]);
        int rc = parse_group_map(c, it, &det->groups[i]);
        if (rc) return rc;
    }
    return 0;
}

/* The search identifiers and condition of a detection (or of a filter, whose "rules" key
 * is skipped: skip != NULL). */
static int parse_detection_section(struct pctx *c, struct ward_sigma_rule *r, const yaml_node_t *m,
                                   const char *skip)
{
    yaml_document_t *d = c->doc;
    const char *what = skip ? "filter" : "detection";
    if (m->type != YAML_MAPPING_NODE) return fail(c, m, "'%s' must be a map", what);
    size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    r->dets = ward_arena_alloc(&c->set->arena, (n + 1) * sizeof *r->dets);
    if (!r->dets) return WARD_ENOMEM;
    const yaml_node_t *cond = NULL;
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *pr = &m->data.mapping.pairs.start[i];
        yaml_node_t *kn = yaml_document_get_node(d, pr->key);
        yaml_node_t *vn = yaml_document_get_node(d, pr->value);
        if (!kn || !vn) return fail(c, m, "broken YAML map");
        if (key_is(kn, "condition")) {
            cond = vn;
            continue;
        }
        if (key_is(kn, "timeframe")) continue; /* v1 leftover, used by correlation only */
        if (skip && key_is(kn, skip)) continue;
        size_t klen;
        const char *k = scalar(kn, &klen);
        for (size_t j = 0; k && j < r->ndets; j++)
            if (strlen(r->dets[j].name) == klen && memcmp(r->dets[j].name, k, klen) == 0)
                return fail(c, kn, "search identifier '%.*s' defined twice", (int)klen, k);
        int rc = parse_detection(c, kn, vn, &r->dets[r->ndets]);
        if (rc) return rc;
        r->ndets++;
    }
    if (!cond) return fail(c, m, "'%s' has no 'condition'", what);
    if (r->ndets == 0) return fail(c, m, "'%s' has no search identifier", what);
    const yaml_node_t *one[1] = {cond};
    const yaml_node_t **conds = one;
    size_t nc = 1;
    const yaml_node_t **tmp = NULL;
    if (cond->type == YAML_SEQUENCE_NODE) {
        nc = seq_len(cond);
        if (nc == 0) return fail(c, cond, "'condition' is an empty list");
        tmp = malloc(nc * sizeof *tmp);
        if (!tmp) return WARD_ENOMEM;
        for (size_t i = 0; i < nc; i++)
            tmp[i] = yaml_document_get_node(d, cond->data.sequence.items.start[i]);
        conds = tmp;
    }
    struct ward_buf text;
    ward_buf_init(&text, 0);
    int rc = 0;
    for (size_t i = 0; i < nc && rc == 0; i++) {
        size_t len;
        const char *s = scalar(conds[i], &len);
        if (!s || is_null_scalar(conds[i])) {
            rc = fail(c, conds[i] ? conds[i] : cond, "'condition' must be text");
            break;
        }
        char *cs = adup(c, s, len);
        if (!cs) {
            rc = WARD_ENOMEM;
            break;
        }
        if (strlen(cs) != len) {
            rc = fail(c, conds[i], "condition: contains a NUL byte");
            break;
        }
        struct ward_sigma_cond *tree;
        char why[REASON_SZ - 32];
        int k = sigma_cond_parse(&c->set->arena, cs, r->dets, r->ndets, &tree, why, sizeof why);
        if (k == WARD_ENOMEM) {
            rc = k;
            break;
        }
        if (k) {
            rc = fail(c, conds[i], "%s", why);
            break;
        }
        if (r->cond) {
            struct ward_sigma_cond *o = ward_arena_alloc(&c->set->arena, sizeof *o);
            if (!o) {
                rc = WARD_ENOMEM;
                break;
            }
            memset(o, 0, sizeof *o);
            o->kind = WARD_SC_OR;
            o->a = r->cond;
            o->b = tree;
            tree = o;
        }
        r->cond = tree;
        if ((i && ward_buf_puts(&text, " | ")) || ward_buf_append(&text, s, len)) rc = WARD_ENOMEM;
    }
    free(tmp);
    if (rc == 0 && !(r->cond_text = adup(c, text.data ? text.data : "", text.len)))
        rc = WARD_ENOMEM;
    ward_buf_free(&text);
    return rc;
}

/* ---- correlation rules and filters ------------------------------------------------------ */

static int parse_number(struct pctx *c, const yaml_node_t *n, const char *what, double *out)
{
    size_t len;
    const char *s = scalar(n, &len);
    if (!s || ward_parse_double(ward_str_make(s, len), out))
        return fail(c, n, "correlation: %s must be a number", what);
    return 0;
}

static int parse_timespan(struct pctx *c, const yaml_node_t *n, struct ward_sigma_correlation *k)
{
    size_t len;
    const char *s = scalar(n, &len);
    if (!s || len < 2 || len > 16)
        return fail(c, n, "correlation: timespan must be like 5m, 1h, 2d");
    int64_t v;
    static const struct {
        char unit;
        uint64_t ms;
    } units[] = {{'s', 1000}, {'m', 60000}, {'h', 3600000}, {'d', 86400000}, {'w', 604800000}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (s[len - 1] != units[i].unit) continue;
        if (ward_parse_i64(ward_str_make(s, len - 1), &v) || v <= 0 || v > 100000000) break;
        k->timespan_ms = (uint64_t)v * units[i].ms;
        if (!(k->timespan = adup(c, s, len))) return WARD_ENOMEM;
        return 0;
    }
    return fail(c, n, "correlation: timespan '%.*s' must be a number and s, m, h, d or w", (int)len,
                s);
}

static int parse_correlation(struct pctx *c, struct ward_sigma_rule *r, const yaml_node_t *m)
{
    static const char *const types[] = {"event_count",      "value_count", "temporal",
                                        "temporal_ordered", "value_sum",   "value_avg",
                                        "value_percentile"};
    static const char *const ops[] = {"gt", "gte", "lt", "lte", "eq", "neq"};
    yaml_document_t *d = c->doc;
    struct ward_sigma_correlation *k = ward_arena_alloc(&c->set->arena, sizeof *k);
    if (!k) return WARD_ENOMEM;
    memset(k, 0, sizeof *k);
    k->line = (uint32_t)m->start_mark.line + 1;
    r->extra = k;
    int have_type = 0, have_cond = 0, rc = 0;
    size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    for (size_t i = 0; i < n && rc == 0; i++) {
        yaml_node_pair_t *pr = &m->data.mapping.pairs.start[i];
        yaml_node_t *kn = yaml_document_get_node(d, pr->key);
        yaml_node_t *vn = yaml_document_get_node(d, pr->value);
        if (!kn || !vn) return fail(c, m, "broken YAML map");
        if (key_is(kn, "type")) {
            size_t len;
            const char *s = scalar(vn, &len);
            for (size_t t = 0; s && t < sizeof types / sizeof types[0]; t++)
                if (strlen(types[t]) == len && memcmp(types[t], s, len) == 0) {
                    k->type = (uint8_t)t;
                    have_type = 1;
                }
            if (!have_type)
                rc = fail(c, vn, "correlation: unknown type '%.*s'",
                          s ? (int)(len > 40 ? 40 : len) : 0, s ? s : "");
        } else if (key_is(kn, "rules")) {
            rc = get_str_list(c, vn, "correlation rules", &k->rules, &k->nrules);
        } else if (key_is(kn, "group-by")) {
            rc = get_str_list(c, vn, "group-by", &k->group_by, &k->ngroup_by);
        } else if (key_is(kn, "timespan") || key_is(kn, "timeframe")) {
            rc = parse_timespan(c, vn, k);
        } else if (key_is(kn, "generate")) {
            size_t len;
            const char *s = scalar(vn, &len);
            if (s && len == 4 && strncasecmp(s, "true", 4) == 0)
                k->generate = 1;
            else if (!(s && len == 5 && strncasecmp(s, "false", 5) == 0))
                rc = fail(c, vn, "correlation: generate must be true or false");
        } else if (key_is(kn, "condition")) {
            have_cond = 1;
            if (vn->type != YAML_MAPPING_NODE) {
                rc = fail(c, vn, "correlation: condition must be a map like {gte: 10}");
                break;
            }
            size_t nc = (size_t)(vn->data.mapping.pairs.top - vn->data.mapping.pairs.start);
            k->conds = ward_arena_alloc(&c->set->arena, (nc + 1) * sizeof *k->conds);
            if (!k->conds) return WARD_ENOMEM;
            k->nconds = 0; /* a repeated key replaces */
            for (size_t j = 0; j < nc && rc == 0; j++) {
                yaml_node_pair_t *q = &vn->data.mapping.pairs.start[j];
                yaml_node_t *ck = yaml_document_get_node(d, q->key);
                yaml_node_t *cv = yaml_document_get_node(d, q->value);
                if (key_is(ck, "field")) {
                    rc = get_str(c, cv, "condition field", &k->field);
                    continue;
                }
                size_t o;
                for (o = 0; o < 6; o++)
                    if (key_is(ck, ops[o])) break;
                if (o == 6) {
                    size_t len;
                    const char *s = scalar(ck, &len);
                    rc = fail(c, ck,
                              "correlation: unknown condition '%.*s' (gt, gte, lt, lte, eq, "
                              "neq, field)",
                              s ? (int)(len > 40 ? 40 : len) : 0, s ? s : "");
                    break;
                }
                struct ward_sigma_corr_cond *cc = &k->conds[k->nconds];
                cc->op = (uint8_t)o;
                rc = parse_number(c, cv, ops[o], &cc->value);
                if (rc == 0) k->nconds++;
            }
        } else if (key_is(kn, "aliases")) {
            if (vn->type != YAML_MAPPING_NODE) {
                rc = fail(c, vn, "correlation: aliases must be a map");
                break;
            }
            size_t na = (size_t)(vn->data.mapping.pairs.top - vn->data.mapping.pairs.start);
            k->aliases = ward_arena_alloc(&c->set->arena, (na + 1) * sizeof *k->aliases);
            if (!k->aliases) return WARD_ENOMEM;
            k->naliases = 0; /* a repeated key replaces */
            for (size_t j = 0; j < na && rc == 0; j++) {
                yaml_node_pair_t *q = &vn->data.mapping.pairs.start[j];
                yaml_node_t *an = yaml_document_get_node(d, q->key);
                yaml_node_t *av = yaml_document_get_node(d, q->value);
                struct ward_sigma_corr_alias *al = &k->aliases[k->naliases];
                memset(al, 0, sizeof *al);
                if ((rc = get_str(c, an, "alias name", &al->name))) break;
                if (!av || av->type != YAML_MAPPING_NODE || !al->name) {
                    rc = fail(c, av ? av : an,
                              "correlation: alias '%s' must map rule names to "
                              "fields",
                              al->name ? al->name : "");
                    break;
                }
                size_t nm = (size_t)(av->data.mapping.pairs.top - av->data.mapping.pairs.start);
                al->rule_names = ward_arena_alloc(&c->set->arena, (nm + 1) * sizeof(char *));
                al->fields = ward_arena_alloc(&c->set->arena, (nm + 1) * sizeof(char *));
                if (!al->rule_names || !al->fields) return WARD_ENOMEM;
                for (size_t x = 0; x < nm && rc == 0; x++) {
                    yaml_node_pair_t *y = &av->data.mapping.pairs.start[x];
                    rc = get_str(c, yaml_document_get_node(d, y->key), "alias rule",
                                 &al->rule_names[x]);
                    if (rc == 0)
                        rc = get_str(c, yaml_document_get_node(d, y->value), "alias field",
                                     &al->fields[x]);
                    if (rc == 0 && (!al->rule_names[x] || !al->fields[x]))
                        rc = fail(c, av, "correlation: alias '%s' has an empty entry", al->name);
                    if (rc == 0) al->n = x + 1;
                }
                if (rc == 0) k->naliases++;
            }
        }
        /* other keys: ignored, as custom attributes */
    }
    if (rc) return rc;
    if (!have_type) return fail(c, m, "correlation: no 'type'");
    if (!k->nrules) return fail(c, m, "correlation: no 'rules'");
    if (!k->timespan) return fail(c, m, "correlation: no 'timespan'");
    int temporal = k->type == WARD_CORR_TEMPORAL || k->type == WARD_CORR_TEMPORAL_ORDERED;
    if (!temporal && (!have_cond || !k->nconds))
        return fail(c, m, "correlation: %s needs a condition like {gte: 10}", types[k->type]);
    int needs_field = k->type == WARD_CORR_VALUE_COUNT || k->type == WARD_CORR_VALUE_SUM ||
                      k->type == WARD_CORR_VALUE_AVG || k->type == WARD_CORR_VALUE_PERCENTILE;
    if (needs_field && !k->field)
        return fail(c, m, "correlation: %s needs 'field' in its condition", types[k->type]);
    return 0;
}

static int parse_filter(struct pctx *c, struct ward_sigma_rule *r, const yaml_node_t *m)
{
    yaml_document_t *d = c->doc;
    struct ward_sigma_filter *f = ward_arena_alloc(&c->set->arena, sizeof *f);
    if (!f) return WARD_ENOMEM;
    memset(f, 0, sizeof *f);
    f->line = (uint32_t)m->start_mark.line + 1;
    r->extra = f;
    size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *pr = &m->data.mapping.pairs.start[i];
        yaml_node_t *kn = yaml_document_get_node(d, pr->key);
        yaml_node_t *vn = yaml_document_get_node(d, pr->value);
        if (kn && vn && key_is(kn, "rules")) {
            int rc = get_str_list(c, vn, "filter rules", &f->rules, &f->nrules);
            if (rc) return rc;
        }
    }
    return parse_detection_section(c, r, m, "rules");
}

/* ---- the rule document ----------------------------------------------------------------- */

static int parse_level(struct pctx *c, const yaml_node_t *n, enum ward_sigma_level *out)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    size_t len;
    const char *s = scalar(n, &len);
    if (!s) return fail(c, n, "'level' must be text");
    for (int i = 0; i < 5; i++)
        if (strlen(names[i]) == len && strncasecmp(names[i], s, len) == 0) {
            *out = (enum ward_sigma_level)(WARD_LEVEL_INFORMATIONAL + i);
            return 0;
        }
    return fail(c, n, "unknown level '%.*s' (informational, low, medium, high, critical)",
                (int)(len > 40 ? 40 : len), s);
}

static int parse_logsource(struct pctx *c, struct ward_sigma_rule *r, const yaml_node_t *m)
{
    yaml_document_t *d = c->doc;
    if (m->type != YAML_MAPPING_NODE) return fail(c, m, "'logsource' must be a map");
    size_t n = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
    for (size_t i = 0; i < n; i++) {
        yaml_node_pair_t *pr = &m->data.mapping.pairs.start[i];
        yaml_node_t *kn = yaml_document_get_node(d, pr->key);
        yaml_node_t *vn = yaml_document_get_node(d, pr->value);
        if (!kn || !vn) return fail(c, m, "broken YAML map");
        char **slot = key_is(kn, "product")      ? &r->logsource.product
                      : key_is(kn, "category")   ? &r->logsource.category
                      : key_is(kn, "service")    ? &r->logsource.service
                      : key_is(kn, "definition") ? &r->logsource.definition
                                                 : NULL;
        if (!slot) continue; /* custom logsource attributes are allowed */
        int rc = get_str(c, vn, "logsource", slot);
        if (rc) return rc;
    }
    return 0;
}

static int parse_related(struct pctx *c, struct ward_sigma_rule *r, const yaml_node_t *s)
{
    yaml_document_t *d = c->doc;
    if (s->type != YAML_SEQUENCE_NODE) return fail(c, s, "'related' must be a list");
    size_t n = seq_len(s);
    r->related = ward_arena_alloc(&c->set->arena, (n + 1) * sizeof *r->related);
    if (!r->related) return WARD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *m = yaml_document_get_node(d, s->data.sequence.items.start[i]);
        if (!m || m->type != YAML_MAPPING_NODE)
            return fail(c, m ? m : s, "'related' entries must be maps with id and type");
        struct ward_sigma_related *rel = &r->related[r->nrelated++];
        memset(rel, 0, sizeof *rel);
        size_t np = (size_t)(m->data.mapping.pairs.top - m->data.mapping.pairs.start);
        for (size_t j = 0; j < np; j++) {
            yaml_node_pair_t *pr = &m->data.mapping.pairs.start[j];
            yaml_node_t *kn = yaml_document_get_node(d, pr->key);
            yaml_node_t *vn = yaml_document_get_node(d, pr->value);
            int rc = 0;
            if (key_is(kn, "id"))
                rc = get_str(c, vn, "related id", &rel->id);
            else if (key_is(kn, "type"))
                rc = get_str(c, vn, "related type", &rel->type);
            if (rc) return rc;
        }
        if (!rel->id || !rel->type) return fail(c, m, "'related' entry needs id and type");
    }
    return 0;
}

static int parse_rule(struct pctx *c, yaml_node_t *root, struct ward_sigma_rule *r)
{
    yaml_document_t *d = c->doc;
    if (root->type != YAML_MAPPING_NODE) return fail(c, root, "a rule must be a YAML map");
    const yaml_node_t *det = NULL, *ls = NULL, *extra = NULL;
    size_t n = (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        yaml_node_pair_t *pr = &root->data.mapping.pairs.start[i];
        yaml_node_t *kn = yaml_document_get_node(d, pr->key);
        yaml_node_t *vn = yaml_document_get_node(d, pr->value);
        if (!kn || !vn) return fail(c, root, "broken YAML map");
        static const struct {
            const char *name;
            size_t off;
        } strs[] = {
            {"title", offsetof(struct ward_sigma_rule, title)},
            {"id", offsetof(struct ward_sigma_rule, id)},
            {"name", offsetof(struct ward_sigma_rule, name)},
            {"status", offsetof(struct ward_sigma_rule, status)},
            {"description", offsetof(struct ward_sigma_rule, description)},
            {"author", offsetof(struct ward_sigma_rule, author)},
            {"date", offsetof(struct ward_sigma_rule, date)},
            {"modified", offsetof(struct ward_sigma_rule, modified)},
            {"license", offsetof(struct ward_sigma_rule, license)},
            {"taxonomy", offsetof(struct ward_sigma_rule, taxonomy)},
        };
        int done = 0;
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++)
            if (key_is(kn, strs[k].name)) {
                rc = get_str(c, vn, strs[k].name, (char **)((char *)r + strs[k].off));
                done = 1;
                break;
            }
        if (done) continue;
        if (key_is(kn, "level")) {
            if (!is_null_scalar(vn)) rc = parse_level(c, vn, &r->level);
        } else if (key_is(kn, "references")) {
            rc = get_str_list(c, vn, "references", &r->references, &r->nreferences);
        } else if (key_is(kn, "tags")) {
            rc = get_str_list(c, vn, "tags", &r->tags, &r->ntags);
        } else if (key_is(kn, "falsepositives")) {
            rc = get_str_list(c, vn, "falsepositives", &r->falsepositives, &r->nfalsepositives);
        } else if (key_is(kn, "fields")) {
            rc = get_str_list(c, vn, "fields", &r->fields, &r->nfields);
        } else if (key_is(kn, "scope")) {
            rc = get_str_list(c, vn, "scope", &r->scope, &r->nscope);
            if (rc == 0 && vn->type == YAML_SCALAR_NODE)
                rc = get_str(c, vn, "scope", &r->scope_str);
        } else if (key_is(kn, "related")) {
            rc = parse_related(c, r, vn);
        } else if (key_is(kn, "logsource")) {
            ls = vn;
        } else if (key_is(kn, "detection")) {
            det = vn;
        } else if (key_is(kn, "correlation")) {
            r->kind = WARD_RULE_CORRELATION;
            extra = vn;
            if (vn->type != YAML_MAPPING_NODE) rc = fail(c, vn, "'correlation' must be a map");
        } else if (key_is(kn, "filter")) {
            r->kind = WARD_RULE_FILTER;
            extra = vn;
            if (vn->type != YAML_MAPPING_NODE) rc = fail(c, vn, "'filter' must be a map");
        } else if (key_is(kn, "action")) {
            size_t al;
            const char *a = scalar(vn, &al);
            rc = fail(c, vn, "'action: %.*s' rule collections are Sigma v1, not supported",
                      (int)(a && al < 40 ? al : 0), a ? a : "");
        }
        /* other keys are custom attributes, allowed by the specification */
    }
    if (rc) return rc;
    if (!r->title) return fail(c, root, "the rule has no 'title'");
    if (ls) {
        if ((rc = parse_logsource(c, r, ls))) return rc;
    }
    if (r->kind == WARD_RULE_CORRELATION) return parse_correlation(c, r, extra);
    if (!ls) return fail(c, root, "the rule has no 'logsource'");
    if (r->kind == WARD_RULE_FILTER) return parse_filter(c, r, extra);
    if (!det) return fail(c, root, "the rule has no 'detection'");
    return parse_detection_section(c, r, det, NULL);
}

/* ---- rule sets ------------------------------------------------------------------------- */

int ward_sigma_rules_add_diag(struct ward_sigma_rules *set, const char *path, uint32_t line,
                              const char *id, const char *title, const char *reason)
{
    /* diags live in the arena (the compiler appends too, by reallocating there) */
    struct sigma_priv *p = set->priv;
    if (set->diags != p->diags || set->ndiags >= p->diags_cap) {
        size_t cap = set->ndiags < 8 ? 16 : set->ndiags * 2;
        struct ward_sigma_diag *d = ward_arena_alloc(&set->arena, cap * sizeof *d);
        if (!d) return WARD_ENOMEM;
        if (set->ndiags) memcpy(d, set->diags, set->ndiags * sizeof *d);
        set->diags = p->diags = d;
        p->diags_cap = cap;
    }
    struct ward_sigma_diag *dg = &set->diags[set->ndiags];
    memset(dg, 0, sizeof *dg);
    dg->path = ward_arena_strdup(&set->arena, path ? path : "");
    dg->line = line;
    dg->rule_id = id ? ward_arena_strdup(&set->arena, id) : NULL;
    dg->title = title ? ward_arena_strdup(&set->arena, title) : NULL;
    dg->reason = ward_arena_strdup(&set->arena, reason);
    if (!dg->path || !dg->reason) return WARD_ENOMEM;
    set->ndiags++;
    return 0;
}

static int push_rule(struct ward_sigma_rules *set, struct ward_sigma_rule *r)
{
    if ((set->nrules & (set->nrules + 1)) == 0) {
        size_t cap = (set->nrules + 1) * 2;
        struct ward_sigma_rule **v = realloc(set->rules, cap * sizeof *v);
        if (!v) return WARD_ENOMEM;
        set->rules = v;
    }
    set->rules[set->nrules++] = r;
    return 0;
}

int ward_sigma_rules_new(struct ward_sigma_rules **out)
{
    struct ward_sigma_rules *s = calloc(1, sizeof *s);
    struct sigma_priv *p = calloc(1, sizeof *p);
    if (!s || !p) {
        free(s);
        free(p);
        return WARD_ENOMEM;
    }
    ward_arena_init(&s->arena, 1 << 16, 0);
    s->priv = p;
    *out = s;
    return 0;
}

void ward_sigma_rules_free(struct ward_sigma_rules *set)
{
    if (!set) return;
    struct sigma_priv *p = set->priv;
    if (p) {
        sigma_re_list_free(&p->res);
        sigma_placeholders_free(&p->ph);
        free(p->ph_path);
        free(p);
    }
    free(set->rules);
    ward_arena_free(&set->arena);
    free(set);
}

const char *ward_sigma_level_name(enum ward_sigma_level l)
{
    switch (l) {
    case WARD_LEVEL_INFORMATIONAL: return "informational";
    case WARD_LEVEL_LOW: return "low";
    case WARD_LEVEL_MEDIUM: return "medium";
    case WARD_LEVEL_HIGH: return "high";
    case WARD_LEVEL_CRITICAL: return "critical";
    default: return "none";
    }
}

static int use_placeholders(struct ward_sigma_rules *set, const struct ward_sigma_opts *o,
                            struct ward_err *err)
{
    struct sigma_priv *p = set->priv;
    const char *want = o ? o->placeholders_path : NULL;
    if (!want) return 0;
    if (p->ph_path && strcmp(p->ph_path, want) == 0) return 0;
    sigma_placeholders_free(&p->ph);
    free(p->ph_path);
    p->ph_path = NULL;
    int rc = sigma_placeholders_load(want, &p->ph, err);
    if (rc) return rc;
    if (!(p->ph_path = strdup(want))) return WARD_ENOMEM;
    return 0;
}

int ward_sigma_rules_parse_text(struct ward_sigma_rules *set, const char *path, const char *text,
                                size_t len, const struct ward_sigma_opts *o, struct ward_err *err)
{
    int rc = use_placeholders(set, o, err);
    if (rc) return rc;
    struct sigma_priv *priv = set->priv;
    struct pctx c;
    memset(&c, 0, sizeof c);
    c.set = set;
    c.priv = priv;
    c.ph = (o && o->placeholders_path) ? &priv->ph : NULL;
    c.path = ward_arena_strdup(&set->arena, path ? path : "-");
    if (!c.path) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    set->files++;
    if (memchr(text, 0, len))
        return ward_sigma_rules_add_diag(set, c.path, 0, NULL, NULL,
                                         "the file contains a NUL byte: not YAML text");
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    rc = 0;
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            char msg[REASON_SZ];
            snprintf(msg, sizeof msg, "YAML: %s%s%s", parser.problem ? parser.problem : "error",
                     parser.context ? " " : "", parser.context ? parser.context : "");
            rc = ward_sigma_rules_add_diag(set, c.path, (uint32_t)parser.problem_mark.line + 1,
                                           NULL, NULL, msg);
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            yaml_document_delete(&doc);
            break;
        }
        set->documents++;
        c.doc = &doc;
        c.reason[0] = 0;
        c.err_line = 0;
        struct ward_sigma_rule *r = ward_arena_alloc(&set->arena, sizeof *r);
        if (!r) {
            yaml_document_delete(&doc);
            rc = WARD_ENOMEM;
            break;
        }
        memset(r, 0, sizeof *r);
        r->path = c.path;
        r->line = (uint32_t)doc.start_mark.line + 1;
        if (root->type == YAML_SCALAR_NODE && is_null_scalar(root)) {
            yaml_document_delete(&doc); /* an empty document ("---" at the end) */
            set->documents--;
            continue;
        }
        int k = parse_rule(&c, root, r);
        yaml_document_delete(&doc);
        if (k == WARD_ENOMEM) {
            rc = k;
            break;
        }
        if (k)
            rc = ward_sigma_rules_add_diag(set, c.path, c.err_line ? c.err_line : r->line, r->id,
                                           r->title, c.reason);
        else
            rc = push_rule(set, r);
        if (rc) break;
    }
    yaml_parser_delete(&parser);
    if (rc == WARD_ENOMEM) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    return rc;
}

static int has_yaml_ext(const char *p)
{
    size_t n = strlen(p);
    return (n > 4 && strcmp(p + n - 4, ".yml") == 0) || (n > 5 && strcmp(p + n - 5, ".yaml") == 0);
}

static int load_file(struct ward_sigma_rules *set, const char *path,
                     const struct ward_sigma_opts *o, struct ward_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        char msg[256];
        snprintf(msg, sizeof msg, "cannot open: %s", strerror(errno));
        set->files++;
        return ward_sigma_rules_add_diag(set, path, 0, NULL, NULL, msg);
    }
    struct ward_buf b;
    ward_buf_init(&b, SIGMA_MAX_FILE);
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if ((rc = ward_buf_append(&b, chunk, n))) break;
    int ioerr = ferror(f);
    fclose(f);
    if (rc == WARD_ELIMIT || ioerr) {
        set->files++;
        rc = ward_sigma_rules_add_diag(set, path, 0, NULL, NULL,
                                       ioerr ? "read error" : "the file is larger than 16 MiB");
    } else if (rc == 0) {
        rc = ward_sigma_rules_parse_text(set, path, b.data ? b.data : "", b.len, o, err);
    } else {
        ward_err_set(err, rc, "out of memory");
    }
    ward_buf_free(&b);
    return rc;
}

struct load_ctx {
    struct ward_sigma_rules *set;
    int rc;
};

static void path_err(void *ctx, const struct ward_err *e)
{
    struct load_ctx *l = ctx;
    if (l->rc == 0) l->rc = ward_sigma_rules_add_diag(l->set, e->path, 0, NULL, NULL, e->msg);
}

int ward_sigma_rules_load(char *const *paths, size_t npaths, const struct ward_sigma_opts *o,
                          struct ward_sigma_rules **out, struct ward_err *err)
{
    struct ward_sigma_rules *set;
    if (ward_sigma_rules_new(&set)) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    int rc = use_placeholders(set, o, err);
    for (size_t i = 0; i < npaths && rc == 0; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            char msg[256];
            snprintf(msg, sizeof msg, "cannot open: %s", strerror(errno));
            rc = ward_sigma_rules_add_diag(set, paths[i], 0, NULL, NULL, msg);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            rc = load_file(set, paths[i], o, err);
            continue;
        }
        char **files = NULL;
        size_t nfiles = 0;
        struct load_ctx lc = {set, 0};
        char *one[1] = {paths[i]};
        if (ward_paths_expand(one, 1, &files, &nfiles, path_err, &lc)) {
            rc = ward_err_set(err, WARD_ENOMEM, "out of memory");
            break;
        }
        rc = lc.rc;
        for (size_t k = 0; k < nfiles && rc == 0; k++)
            if (has_yaml_ext(files[k])) rc = load_file(set, files[k], o, err);
        ward_paths_free(files);
    }
    if (rc) {
        if (rc == WARD_ENOMEM) ward_err_set(err, rc, "out of memory");
        ward_sigma_rules_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

/* ---- placeholders file ----------------------------------------------------------------- */

void sigma_placeholders_free(struct sigma_placeholders *ph)
{
    for (size_t i = 0; i < ph->n; i++) {
        free(ph->names[i]);
        for (size_t j = 0; j < ph->nvalues[i]; j++) free(ph->values[i][j]);
        free(ph->values[i]);
    }
    free(ph->names);
    free(ph->values);
    free(ph->nvalues);
    memset(ph, 0, sizeof *ph);
}

int sigma_placeholders_load(const char *path, struct sigma_placeholders *ph, struct ward_err *err)
{
    memset(ph, 0, sizeof *ph);
    FILE *f = fopen(path, "rb");
    if (!f) return ward_err_at(err, WARD_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    yaml_parser_set_input_file(&parser, f);
    int rc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = ward_err_at(err, WARD_ESYNTAX, path, parser.problem_mark.line + 1,
                         parser.problem_mark.column + 1, "YAML: %s",
                         parser.problem ? parser.problem : "error");
        yaml_parser_delete(&parser);
        fclose(f);
        return rc;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        rc = ward_err_at(err, WARD_ESYNTAX, path, 1, 0,
                         "placeholders: expected a map of name: [values]");
        goto done;
    }
    size_t n = (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
    ph->names = calloc(n + 1, sizeof *ph->names);
    ph->values = calloc(n + 1, sizeof *ph->values);
    ph->nvalues = calloc(n + 1, sizeof *ph->nvalues);
    if (!ph->names || !ph->values || !ph->nvalues) {
        rc = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        yaml_node_pair_t *pr = &root->data.mapping.pairs.start[i];
        yaml_node_t *kn = yaml_document_get_node(&doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(&doc, pr->value);
        size_t klen;
        const char *k = scalar(kn, &klen);
        if (!k || !vn) {
            rc = ward_err_at(err, WARD_ESYNTAX, path, kn ? kn->start_mark.line + 1 : 0, 0,
                             "placeholders: a name must be text");
            break;
        }
        ph->names[i] = strndup(k, klen);
        ph->n = i + 1;
        size_t nv = vn->type == YAML_SEQUENCE_NODE ? seq_len(vn) : 1;
        ph->values[i] = calloc(nv + 1, sizeof *ph->values[i]);
        if (!ph->names[i] || !ph->values[i]) {
            rc = ward_err_set(err, WARD_ENOMEM, "out of memory");
            break;
        }
        for (size_t j = 0; j < nv; j++) {
            yaml_node_t *it = vn->type == YAML_SEQUENCE_NODE
                                  ? yaml_document_get_node(&doc, vn->data.sequence.items.start[j])
                                  : vn;
            size_t vl;
            const char *v = scalar(it, &vl);
            if (!v) {
                rc = ward_err_at(err, WARD_ESYNTAX, path, it ? it->start_mark.line + 1 : 0, 0,
                                 "placeholders: values of '%s' must be text", ph->names[i]);
                break;
            }
            if (!(ph->values[i][j] = strndup(v, vl))) {
                rc = ward_err_set(err, WARD_ENOMEM, "out of memory");
                break;
            }
            ph->nvalues[i] = j + 1;
        }
    }
done:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    if (rc) sigma_placeholders_free(ph);
    return rc;
}
