/*
 * sigma_corr_parse.c - reads the correlation and filter documents of Sigma rule files
 * (YAML through libyaml's document API): `correlation:` with type, rules, group-by,
 * timespan, condition (gt, gte, lt, lte, eq, neq, ranges, field), aliases, generate, level;
 * `filter:` with rules and a detection (its selections and condition), which is turned into
 * an ordinary Sigma rule (same logsource) so that the Sigma evaluator runs it. Documents
 * without those sections are detection rules and left to the Sigma parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ward/correlate.h"
#include "ward/decode.h"
#include "ward/sigma.h"

#define MAX_RULE_FILE (16u << 20)

struct cctx {
    struct ward_corr_rules *set;
    const char *path;
    yaml_document_t *doc;
    uint32_t line;
    char reason[384];
};

static int diag(struct ward_corr_rules *set, const char *path, uint32_t line, const char *reason)
{
    if (set->ndiags == set->diags_cap) {
        size_t nc = set->diags_cap ? set->diags_cap * 2 : 8;
        struct ward_corr_diag *nd = realloc(set->diags, nc * sizeof *nd);
        if (!nd) return WARD_ENOMEM;
        set->diags = nd;
        set->diags_cap = nc;
    }
    struct ward_corr_diag *d = &set->diags[set->ndiags];
    d->path = ward_arena_strdup(&set->arena, path ? path : "");
    d->line = line;
    d->reason = ward_arena_strdup(&set->arena, reason);
    if (!d->path || !d->reason) return WARD_ENOMEM;
    set->ndiags++;
    return 0;
}

static int fail(struct cctx *c, const yaml_node_t *n, const char *fmt, ...) WARD_PRINTF(3, 4);
static int fail(struct cctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->reason, sizeof c->reason, fmt, ap);
    va_end(ap);
    if (n) c->line = (uint32_t)n->start_mark.line + 1;
    return WARD_ESYNTAX;
}

static const char *scalar(const yaml_node_t *n, size_t *len)
{
    if (!n || n->type != YAML_SCALAR_NODE) return NULL;
    *len = n->data.scalar.length;
    return (const char *)n->data.scalar.value;
}

static int key_is(const yaml_node_t *k, const char *name)
{
    size_t n;
    const char *s = scalar(k, &n);
    return s && n == strlen(name) && memcmp(s, name, n) == 0;
}

static char *dup_scalar(struct cctx *c, const yaml_node_t *n)
{
    size_t len;
    const char *s = scalar(n, &len);
    if (!s) return NULL;
    return ward_arena_strndup(&c->set->arena, s, len);
}

/* A scalar or a list of scalars into an arena array. */
static int str_list(struct cctx *c, const yaml_node_t *n, const char *what, char ***out,
                    size_t *count)
{
    size_t k = n->type == YAML_SEQUENCE_NODE
                   ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
                   : 1;
    if (n->type != YAML_SEQUENCE_NODE && n->type != YAML_SCALAR_NODE)
        return fail(c, n, "'%s' must be a name or a list of names", what);
    char **arr = ward_arena_alloc(&c->set->arena, (k ? k : 1) * sizeof *arr);
    if (!arr) return WARD_ENOMEM;
    for (size_t i = 0; i < k; i++) {
        const yaml_node_t *it =
            n->type == YAML_SEQUENCE_NODE
                ? yaml_document_get_node(c->doc, n->data.sequence.items.start[i])
                : n;
        arr[i] = dup_scalar(c, it);
        if (!arr[i]) return fail(c, it, "'%s' entries must be names", what);
    }
    *out = arr;
    *count = k;
    return 0;
}

static int parse_timespan(const char *s, size_t n, ward_time_t *out)
{
    if (n < 2 || n > 12) return -1;
    int64_t v = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    int64_t unit;
    switch (s[n - 1]) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break; /* not in the specification; accepted */
    default: return -1;
    }
    if (v <= 0 || v > 366LL * 86400 * 10) return -1;
    *out = v * unit * 1000000000LL;
    return 0;
}

static int level_of(const char *s, size_t n)
{
    static const char *const names[] = {"", "informational", "low", "medium", "high", "critical"};
    for (int i = 1; i < 6; i++)
        if (ward_str_eq_c(ward_str_make(s, n), names[i])) return i;
    return -1;
}

static int parse_correlation(struct cctx *c, yaml_node_t *root, yaml_node_t *cn)
{
    struct ward_corr_rules *set = c->set;
    struct ward_corr_rule r;
    memset(&r, 0, sizeof r);
    r.path = ward_arena_strdup(&set->arena, c->path);
    r.line = (uint32_t)root->start_mark.line + 1;
    int have_type = 0, have_span = 0, have_cond = 0, rc;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        size_t n;
        const char *s;
        if (key_is(k, "title"))
            r.title = dup_scalar(c, v);
        else if (key_is(k, "id"))
            r.id = dup_scalar(c, v);
        else if (key_is(k, "name"))
            r.name = dup_scalar(c, v);
        else if (key_is(k, "level")) {
            if (!(s = scalar(v, &n)) || (r.level = level_of(s, n)) < 0)
                return fail(c, v, "level must be informational, low, medium, high or critical");
        } else if (key_is(k, "generate")) {
            if (!(s = scalar(v, &n))) return fail(c, v, "generate must be true or false");
            r.generate = ward_str_eq_c(ward_str_make(s, n), "true");
        }
    }
    if (!r.title) return fail(c, root, "the rule has no 'title'");
    if (cn->type != YAML_MAPPING_NODE) return fail(c, cn, "'correlation' must be a map");
    for (yaml_node_pair_t *p = cn->data.mapping.pairs.start; p < cn->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        size_t n;
        const char *s;
        if (key_is(k, "type")) {
            static const char *const types[] = {"event_count",      "value_count", "temporal",
                                                "temporal_ordered", "value_sum",   "value_avg",
                                                "value_percentile"};
            s = scalar(v, &n);
            int t = -1;
            for (int i = 0; s && i < 7; i++)
                if (ward_str_eq_c(ward_str_make(s, n), types[i])) t = i;
            if (t < 0)
                return fail(c, v, "unknown correlation type '%.*s'", s ? (int)(n < 40 ? n : 40) : 0,
                            s ? s : "");
            r.type = (uint8_t)t;
            have_type = 1;
        } else if (key_is(k, "rules")) {
            if ((rc = str_list(c, v, "rules", &r.rules, &r.nrules))) return rc;
        } else if (key_is(k, "group-by")) {
            if ((rc = str_list(c, v, "group-by", &r.group_by, &r.ngroup_by))) return rc;
        } else if (key_is(k, "timespan") || key_is(k, "timeframe")) {
            s = scalar(v, &n);
            if (!s || parse_timespan(s, n, &r.timespan))
                return fail(c, v, "timespan must be a number and s, m, h or d (\"5m\")");
            have_span = 1;
        } else if (key_is(k, "generate")) {
            if (!(s = scalar(v, &n))) return fail(c, v, "generate must be true or false");
            r.generate = ward_str_eq_c(ward_str_make(s, n), "true");
        } else if (key_is(k, "condition")) {
            if (v->type != YAML_MAPPING_NODE)
                return fail(c, v, "condition must be a map such as {gte: 10}");
            have_cond = 1;
            r.nconds = 0; /* a repeated key replaces the earlier one */
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
                 q++) {
                yaml_node_t *ck = yaml_document_get_node(c->doc, q->key);
                yaml_node_t *cv = yaml_document_get_node(c->doc, q->value);
                if (key_is(ck, "field")) {
                    r.field = dup_scalar(c, cv);
                    if (!r.field) return fail(c, cv, "condition field must be a field name");
                    continue;
                }
                static const char *const ops[] = {"gt", "gte", "lt", "lte", "eq", "neq"};
                int op = -1;
                for (int i = 0; i < 6; i++)
                    if (key_is(ck, ops[i])) op = i;
                if (op < 0) {
                    size_t kl;
                    const char *ks = scalar(ck, &kl);
                    return fail(c, ck,
                                "unknown condition operator '%.*s' (gt, gte, lt, lte, eq, neq)",
                                ks ? (int)(kl < 30 ? kl : 30) : 0, ks ? ks : "");
                }
                const char *vs = scalar(cv, &n);
                double d;
                if (!vs || ward_parse_double(ward_str_make(vs, n), &d))
                    return fail(c, cv, "condition value must be a number");
                if (r.nconds >= 6) return fail(c, cv, "too many condition operators");
                r.conds[r.nconds].op = (uint8_t)op;
                r.conds[r.nconds].value = d;
                r.nconds++;
            }
        } else if (key_is(k, "aliases")) {
            if (v->type != YAML_MAPPING_NODE) return fail(c, v, "aliases must be a map");
            size_t total = 0;
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
                 q++) {
                yaml_node_t *av = yaml_document_get_node(c->doc, q->value);
                if (av->type != YAML_MAPPING_NODE)
                    return fail(c, av, "each alias must map rule names to field names");
                total += (size_t)(av->data.mapping.pairs.top - av->data.mapping.pairs.start);
            }
            r.aliases = ward_arena_alloc(&set->arena, (total ? total : 1) * sizeof *r.aliases);
            if (!r.aliases) return WARD_ENOMEM;
            r.naliases = 0; /* a repeated key replaces the earlier one */
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top;
                 q++) {
                yaml_node_t *ak = yaml_document_get_node(c->doc, q->key);
                yaml_node_t *av = yaml_document_get_node(c->doc, q->value);
                for (yaml_node_pair_t *e = av->data.mapping.pairs.start;
                     e < av->data.mapping.pairs.top; e++) {
                    struct ward_corr_alias *a = &r.aliases[r.naliases];
                    a->alias = dup_scalar(c, ak);
                    a->rule = dup_scalar(c, yaml_document_get_node(c->doc, e->key));
                    a->field = dup_scalar(c, yaml_document_get_node(c->doc, e->value));
                    if (!a->alias || !a->rule || !a->field)
                        return fail(c, av, "aliases must be names: alias: {rule: field}");
                    r.naliases++;
                }
            }
        }
    }
    if (!have_type) return fail(c, cn, "the correlation has no 'type'");
    if (!r.nrules) return fail(c, cn, "the correlation has no 'rules'");
    if (!have_span) return fail(c, cn, "the correlation has no 'timespan'");
    int valued = r.type == WARD_CORR_VALUE_COUNT || r.type == WARD_CORR_VALUE_SUM ||
                 r.type == WARD_CORR_VALUE_AVG || r.type == WARD_CORR_VALUE_PERCENTILE;
    int temporal = r.type == WARD_CORR_TEMPORAL || r.type == WARD_CORR_TEMPORAL_ORDERED;
    if (!temporal && (!have_cond || !r.nconds))
        return fail(c, cn, "a %s correlation needs a condition", ward_corr_type_name(r.type));
    if (valued && !r.field)
        return fail(c, cn, "a %s correlation needs 'field' in its condition",
                    ward_corr_type_name(r.type));
    if (temporal && r.nrules < 2 && !r.nconds)
        return fail(c, cn, "a temporal correlation needs two or more rules");
    if (set->nrules == set->rules_cap) {
        size_t nc = set->rules_cap ? set->rules_cap * 2 : 8;
        struct ward_corr_rule *nr = realloc(set->rules, nc * sizeof *nr);
        if (!nr) return WARD_ENOMEM;
        set->rules = nr;
        set->rules_cap = nc;
    }
    set->rules[set->nrules++] = r;
    return 0;
}

/* ---- filters: the detection part becomes a Sigma rule ----------------------------------- */

static int copy_node(yaml_document_t *src, yaml_node_t *n, yaml_document_t *dst, int skip_rules)
{
    switch (n->type) {
    case YAML_SCALAR_NODE:
        return yaml_document_add_scalar(dst, NULL, n->data.scalar.value, (int)n->data.scalar.length,
                                        n->data.scalar.style);
    case YAML_SEQUENCE_NODE: {
        int s = yaml_document_add_sequence(dst, NULL, YAML_BLOCK_SEQUENCE_STYLE);
        if (!s) return 0;
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++) {
            int c = copy_node(src, yaml_document_get_node(src, *i), dst, 0);
            if (!c || !yaml_document_append_sequence_item(dst, s, c)) return 0;
        }
        return s;
    }
    case YAML_MAPPING_NODE: {
        int m = yaml_document_add_mapping(dst, NULL, YAML_BLOCK_MAPPING_STYLE);
        if (!m) return 0;
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(src, p->key);
            if (skip_rules && key_is(k, "rules")) continue;
            int kc = copy_node(src, k, dst, 0);
            int vc = copy_node(src, yaml_document_get_node(src, p->value), dst, 0);
            if (!kc || !vc || !yaml_document_append_mapping_pair(dst, m, kc, vc)) return 0;
        }
        return m;
    }
    default: return 0;
    }
}

static int emit_out(void *data, unsigned char *buffer, size_t size)
{
    return ward_buf_append(data, buffer, size) == 0;
}

static int parse_filter(struct cctx *c, yaml_node_t *root, yaml_node_t *fn)
{
    struct ward_corr_rules *set = c->set;
    struct ward_corr_filter f;
    memset(&f, 0, sizeof f);
    f.path = ward_arena_strdup(&set->arena, c->path);
    f.line = (uint32_t)root->start_mark.line + 1;
    yaml_node_t *ls = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        if (key_is(k, "title"))
            f.title = dup_scalar(c, v);
        else if (key_is(k, "id"))
            f.id = dup_scalar(c, v);
        else if (key_is(k, "name"))
            f.name = dup_scalar(c, v);
        else if (key_is(k, "logsource"))
            ls = v;
    }
    if (!f.title) return fail(c, root, "the filter has no 'title'");
    if (fn->type != YAML_MAPPING_NODE) return fail(c, fn, "'filter' must be a map");
    int have_cond = 0;
    for (yaml_node_pair_t *p = fn->data.mapping.pairs.start; p < fn->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        int rc;
        if (key_is(k, "rules") && (rc = str_list(c, v, "rules", &f.rules, &f.nrules))) return rc;
        if (key_is(k, "condition")) have_cond = 1;
    }
    if (!f.nrules) return fail(c, fn, "the filter has no 'rules'");
    if (!have_cond) return fail(c, fn, "the filter has no 'condition'");
    /* title + logsource + detection (the filter map without 'rules'), as a Sigma rule */
    yaml_document_t d;
    if (!yaml_document_initialize(&d, NULL, NULL, NULL, 1, 1)) return WARD_ENOMEM;
    int root_m = yaml_document_add_mapping(&d, NULL, YAML_BLOCK_MAPPING_STYLE);
    int tk = yaml_document_add_scalar(&d, NULL, (yaml_char_t *)(uintptr_t) "title", 5,
                                      YAML_PLAIN_SCALAR_STYLE);
    int tv = yaml_document_add_scalar(&d, NULL, (yaml_char_t *)(uintptr_t)f.title,
                                      (int)strlen(f.title), YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    int ok = root_m && tk && tv && yaml_document_append_mapping_pair(&d, root_m, tk, tv);
    if (ok) {
        int lk = yaml_document_add_scalar(&d, NULL, (yaml_char_t *)(uintptr_t) "logsource", 9,
                                          YAML_PLAIN_SCALAR_STYLE);
        int lv = ls ? copy_node(c->doc, ls, &d, 0)
                    : yaml_document_add_mapping(&d, NULL, YAML_BLOCK_MAPPING_STYLE);
        ok = lk && lv && yaml_document_append_mapping_pair(&d, root_m, lk, lv);
    }
    if (ok) {
        int dk = yaml_document_add_scalar(&d, NULL, (yaml_char_t *)(uintptr_t) "detection", 9,
                                          YAML_PLAIN_SCALAR_STYLE);
        int dv = copy_node(c->doc, fn, &d, 1);
        ok = dk && dv && yaml_document_append_mapping_pair(&d, root_m, dk, dv);
    }
    struct ward_buf out;
    ward_buf_init(&out, 1 << 24);
    if (ok) {
        yaml_emitter_t em;
        yaml_emitter_initialize(&em);
        yaml_emitter_set_output(&em, emit_out, &out);
        yaml_emitter_set_unicode(&em, 1);
        ok = yaml_emitter_open(&em) && yaml_emitter_dump(&em, &d) && yaml_emitter_close(&em);
        yaml_emitter_delete(&em);
    } else {
        yaml_document_delete(&d);
    }
    if (!ok) {
        ward_buf_free(&out);
        return fail(c, fn, "cannot rebuild the filter's detection");
    }
    struct ward_sigma_rules *sr = set->sigma;
    if (!sr) {
        if (ward_sigma_rules_new(&sr)) {
            ward_buf_free(&out);
            return WARD_ENOMEM;
        }
        set->sigma = sr;
    }
    size_t before = sr->nrules, diags_before = sr->ndiags;
    struct ward_sigma_opts so = {0};
    struct ward_err err;
    ward_err_clear(&err);
    int rc = ward_sigma_rules_parse_text(sr, c->path, out.data, out.len, &so, &err);
    ward_buf_free(&out);
    if (rc) return rc;
    if (sr->nrules != before + 1) {
        const char *why =
            sr->ndiags > diags_before ? sr->diags[sr->ndiags - 1].reason : "not parsed";
        return fail(c, fn, "filter detection: %s", why);
    }
    f.det = sr->rules[before];
    if (set->nfilters == set->filters_cap) {
        size_t nc = set->filters_cap ? set->filters_cap * 2 : 8;
        struct ward_corr_filter *nf = realloc(set->filters, nc * sizeof *nf);
        if (!nf) return WARD_ENOMEM;
        set->filters = nf;
        set->filters_cap = nc;
    }
    set->filters[set->nfilters++] = f;
    return 0;
}

/* ---- files ------------------------------------------------------------------------------ */

int ward_corr_rules_new(struct ward_corr_rules **out)
{
    struct ward_corr_rules *s = calloc(1, sizeof *s);
    if (!s) return WARD_ENOMEM;
    ward_arena_init(&s->arena, 65536, 0);
    *out = s;
    return 0;
}

void ward_corr_rules_free(struct ward_corr_rules *set)
{
    if (!set) return;
    ward_sigma_rules_free(set->sigma);
    free(set->rules);
    free(set->filters);
    free(set->diags);
    ward_arena_free(&set->arena);
    free(set);
}

int ward_corr_rules_parse_text(struct ward_corr_rules *set, const char *path, const char *text,
                               size_t len, struct ward_err *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = 0;
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc)) {
            char r[384];
            snprintf(r, sizeof r, "YAML: %s", parser.problem ? parser.problem : "syntax error");
            rc = diag(set, path, (uint32_t)parser.problem_mark.line + 1, r);
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            yaml_document_delete(&doc);
            break;
        }
        if (root->type == YAML_MAPPING_NODE) {
            yaml_node_t *cn = NULL, *fn = NULL;
            for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
                 p < root->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(&doc, p->key);
                if (key_is(k, "correlation")) cn = yaml_document_get_node(&doc, p->value);
                if (key_is(k, "filter")) fn = yaml_document_get_node(&doc, p->value);
            }
            if (cn || fn) {
                struct cctx c = {set, path, &doc, (uint32_t)root->start_mark.line + 1, ""};
                int prc = cn ? parse_correlation(&c, root, cn) : parse_filter(&c, root, fn);
                if (prc == WARD_ENOMEM)
                    rc = prc;
                else if (prc)
                    rc = diag(set, path, c.line, c.reason);
            }
        }
        yaml_document_delete(&doc);
        if (rc) break;
    }
    yaml_parser_delete(&parser);
    if (rc == WARD_ENOMEM) return ward_err_set(err, rc, "out of memory");
    return 0;
}

static int has_ext(const char *p)
{
    size_t n = strlen(p);
    return (n > 4 && strcmp(p + n - 4, ".yml") == 0) || (n > 5 && strcmp(p + n - 5, ".yaml") == 0);
}

int ward_corr_rules_load(struct ward_corr_rules *set, char *const *paths, size_t npaths,
                         struct ward_err *err)
{
    char **files = NULL;
    size_t n = 0;
    if (ward_paths_expand(paths, npaths, &files, &n, NULL, NULL))
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < n && rc != WARD_ENOMEM; i++) {
        if (!has_ext(files[i]) && npaths > 0) {
            int given = 0; /* files named on the command line are read whatever their name */
            for (size_t k = 0; k < npaths; k++)
                if (strcmp(paths[k], files[i]) == 0) given = 1;
            if (!given) continue;
        }
        FILE *f = fopen(files[i], "rb");
        if (!f) {
            char r[256];
            snprintf(r, sizeof r, "cannot open: %s", strerror(errno));
            rc = diag(set, files[i], 0, r);
            continue;
        }
        struct ward_buf b;
        ward_buf_init(&b, MAX_RULE_FILE);
        char chunk[65536];
        size_t k;
        int too_big = 0;
        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
            if (ward_buf_append(&b, chunk, k)) {
                too_big = 1;
                break;
            }
        fclose(f);
        if (too_big)
            rc = diag(set, files[i], 0, "file larger than 16 MiB");
        else
            rc = ward_corr_rules_parse_text(set, files[i], b.data ? b.data : "", b.len, err);
        ward_buf_free(&b);
    }
    ward_paths_free(files);
    return rc == WARD_ENOMEM ? rc : 0;
}

const char *ward_corr_type_name(int t)
{
    static const char *const names[] = {"event_count",      "value_count", "temporal",
                                        "temporal_ordered", "value_sum",   "value_avg",
                                        "value_percentile"};
    return (unsigned)t < 7 ? names[t] : "?";
}
