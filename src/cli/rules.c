/* rules.c - `ward rules check|explain|test|list`: the detection engineer's tools for Sigma
 * rules (compile and report rejections, explain a match, run rule tests, list rules). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "sigma_cli.h"
#include "ward/correlate.h"
#include "ward/decode.h"
#include "ward/json.h"

static const char help[] =
    "usage: ward rules check [OPTIONS] PATH...\n"
    "       ward rules explain [OPTIONS] RULE EVENTFILE\n"
    "       ward rules test [OPTIONS] [PATH...]\n"
    "       ward rules list [OPTIONS] PATH...\n"
    "\n"
    "Tools for Sigma rules (files and directories of *.yml / *.yaml, several documents per\n"
    "file allowed).\n"
    "\n"
    "check    parses and compiles the rules; prints every rejected rule as\n"
    "         FILE:LINE: [ID] REASON, then the counts and the rejections grouped by\n"
    "         reason. Correlation rules and filters are counted and checked (their\n"
    "         sections, and every rule they name must be loaded and compile).\n"
    "explain  evaluates one rule on every event of EVENTFILE with the reference evaluator\n"
    "         and prints, per event, whether the logsource matched, each search identifier\n"
    "         with its fields, the event's values and which rule values matched (+) or not\n"
    "         (-), and the condition's result. RULE is a rule file, or a rule id or title\n"
    "         looked up in the --rules paths.\n"
    "test     for every rule file NAME.yml with a NAME.test.jsonl beside it (lines of\n"
    "         {\"match\": true|false, \"event\": {...}}), checks that the rule fires on\n"
    "         exactly the match:true events. A line may add the logsource the event's\n"
    "         decoder would give it: \"logsource\": {\"product\": \"linux\", \"service\":\n"
    "         \"sshd\"}. A correlation's or filter's test is a sequence: cases\n"
    "         ({\"case\": NAME}) of events in time order, each followed by the\n"
    "         correlation alerts it must raise ({\"alert\": {\"group\": {...}, \"value\":\n"
    "         N, \"correlates\": [event numbers]}}) or with \"filtered\": true|false on\n"
    "         events (docs/rules.md); they run through the rules of all the PATHs\n"
    "         and --rules. Prints one line per rule file and a closing \"N passed, N\n"
    "         failed\". Default PATH: ./rules.\n"
    "list     prints one line per rule: id, level, logsource, title, file:line.\n"
    "\n"
    "Options:\n"
    "  -T, --taxonomy FILE      logsource taxonomy (default: the built-in one, the same as\n"
    "                           config/taxonomy.yml in the source tree)\n"
    "  -P, --placeholders FILE  values for |expand placeholders (YAML: name: [values]);\n"
    "                           without it, rules that use |expand are rejected\n"
    "  -e, --engine NAME        check/test: fast (the compiled rule set, default) or\n"
    "                           reference (the plain evaluator)\n"
    "  -r, --rules PATH         explain: where to look a rule id or title up; test: more\n"
    "                           rules for the correlations and filters (repeatable)\n"
    "  -q, --quiet              check: only the counts, not each rejected rule\n"
    "  -t, --input-format NAME  explain: force the format of EVENTFILE (default: detected)\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: check: 0 every rule compiled, 1 some were rejected; explain: 0 the rule\n"
    "matched some event, 1 it matched none; test: 0 all passed, 1 some failed;\n"
    "64 usage error, 66 input missing, 78 bad taxonomy or placeholders file.\n"
    "\n"
    "Examples:\n"
    "  ward rules check rules/ ../sigma/rules\n"
    "  ward rules explain proc_creation_win_certutil_decode.yml event.json\n"
    "  ward rules test rules/\n";

/* ---- shared helpers ---------------------------------------------------------------------- */

int sigma_cli_taxonomy(const char *path, struct ward_taxonomy **out)
{
    struct ward_err err;
    ward_err_clear(&err);
    int rc = path ? ward_taxonomy_load(path, out, &err) : ward_taxonomy_default(out, &err);
    if (rc) {
        ward_log_err(WARD_LOG_ERROR, &err);
        return rc == WARD_EIO ? EX_NOINPUT : EX_CONFIG;
    }
    return 0;
}

int sigma_cli_rules(char *const *paths, size_t n, const char *placeholders,
                    struct ward_sigma_rules **out)
{
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_sigma_opts o = {placeholders};
    int rc = ward_sigma_rules_load(paths, n, &o, out, &err);
    if (rc) {
        ward_log_err(WARD_LOG_ERROR, &err);
        return rc == WARD_ENOMEM ? EX_SOFTWARE : EX_CONFIG;
    }
    return 0;
}

void sigma_cli_print_diag(FILE *f, const struct ward_sigma_diag *d)
{
    fprintf(f, "%s:%u: ", d->path ? d->path : "?", d->line);
    if (d->rule_id) fprintf(f, "[%s] ", d->rule_id);
    fprintf(f, "%s\n", d->reason ? d->reason : "rejected");
}

int sigma_cli_subevent(struct ward_event *dst, struct ward_event *src, const char *prefix)
{
    size_t pl = strlen(prefix);
    ward_event_reset(dst);
    dst->path = src->path;
    dst->record = src->record;
    dst->line = src->line;
    dst->offset = src->offset;
    dst->format = src->format;
    dst->product = src->product;
    dst->service = src->service;
    dst->category = src->category;
    for (uint32_t i = 0; i < src->nfields; i++) {
        struct ward_field *f = &src->fields[i];
        const char *k = ward_field_key(src, f);
        if (f->klen <= pl || memcmp(k, prefix, pl) != 0) continue;
        int rc = ward_event_add(dst, k + pl, f->klen - pl, f->val, f->vlen,
                                (enum ward_vtype)f->type, f->flags);
        if (rc) return rc;
    }
    ward_event_find_time(dst);
    return 0;
}

int sigma_cli_test_logsource(struct ward_event *sub, struct ward_event *line)
{
    /* a test line may name the logsource its decoder would give the event
     * ("logsource": {"product": "linux", "service": "sshd"}); the event borrows the names
     * until the next test line */
    static const char *const ls_keys[] = {"logsource.product", "logsource.service",
                                          "logsource.category"};
    static char ls_vals[3][64];
    const char **ls_dst[] = {&sub->product, &sub->service, &sub->category};
    for (int li = 0; li < 3; li++) {
        struct ward_field *lf = ward_event_find(line, ls_keys[li], strlen(ls_keys[li]));
        struct ward_str lv;
        if (!lf || ward_event_value(line, lf, &lv) || lv.len >= sizeof ls_vals[li]) continue;
        memcpy(ls_vals[li], lv.ptr, lv.len);
        ls_vals[li][lv.len] = 0;
        *ls_dst[li] = ls_vals[li];
    }
    return 0;
}

int sigma_cli_reference_check(struct ward_sigma_rules *rules, const struct ward_taxonomy *tax,
                              size_t *usable)
{
    *usable = 0;
    for (size_t i = 0; i < rules->nrules; i++) {
        const struct ward_sigma_rule *r = rules->rules[i];
        if (r->kind != WARD_RULE_DETECTION) continue;
        struct ward_ls_ids ls;
        char why[256], msg[300];
        if (ward_taxonomy_rule_ls(tax, &r->logsource, &ls, why, sizeof why)) {
            (*usable)++;
            continue;
        }
        snprintf(msg, sizeof msg, "logsource: %s", why);
        /* append a diag in the arena, as the compiler does */
        struct ward_sigma_diag *nd =
            ward_arena_alloc(&rules->arena, (rules->ndiags + 1) * sizeof *nd);
        char *reason = ward_arena_strdup(&rules->arena, msg);
        if (!nd || !reason) return EX_SOFTWARE;
        if (rules->ndiags) memcpy(nd, rules->diags, rules->ndiags * sizeof *nd);
        memset(&nd[rules->ndiags], 0, sizeof *nd);
        nd[rules->ndiags].path = r->path;
        nd[rules->ndiags].line = r->line;
        nd[rules->ndiags].rule_id = r->id;
        nd[rules->ndiags].title = r->title;
        nd[rules->ndiags].reason = reason;
        rules->diags = nd;
        rules->ndiags++;
    }
    return 0;
}

/* ---- check ------------------------------------------------------------------------------- */

struct reason_count {
    char *text;
    size_t n;
};

/* A reason with the quoted parts replaced, so that rejections group by kind. */
static void reason_shape(const char *r, char *out, size_t osz)
{
    size_t o = 0;
    int inq = 0;
    for (const char *p = r; *p && o + 4 < osz; p++) {
        if (*p == '\'') {
            if (!inq) {
                memcpy(out + o, "'X'", 3);
                o += 3;
            }
            inq = !inq;
            continue;
        }
        if (inq) continue;
        if (*p >= '0' && *p <= '9') {
            if (o == 0 || out[o - 1] != 'N') out[o++] = 'N';
            continue;
        }
        out[o++] = *p;
    }
    out[o] = 0;
}

static int cmp_reason(const void *a, const void *b)
{
    const struct reason_count *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return strcmp(x->text, y->text);
}

struct common {
    const char *taxonomy;
    const char *placeholders;
    int reference;
    int quiet;
    char **rule_paths;
    size_t nrule_paths;
    const char *in_format;
};

static int names(const char *ref, const char *id, const char *name)
{
    return (id && strcmp(ref, id) == 0) || (name && strcmp(ref, name) == 0);
}

/* Correlations and filters: the engine's checks, and every rule they name must be loaded
 * (compiled, when rs is given) or, for correlations, be another correlation. Problems are
 * added to rules->diags. */
static int check_correlations(struct ward_sigma_rules *rules, const struct ward_ruleset *rs)
{
    struct ward_corr_rules *cs = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_corr_rules_new(&cs) || ward_corr_rules_add_sigma(cs, rules, &err)) {
        ward_corr_rules_free(cs);
        return EX_OSERR;
    }
    int rc = 0;
    for (size_t i = 0; !rc && i < cs->ndiags; i++)
        rc = ward_sigma_rules_add_diag(rules, cs->diags[i].path, cs->diags[i].line, NULL, NULL,
                                       cs->diags[i].reason);
    size_t nbase = rs ? ward_ruleset_count(rs) : rules->nrules;
    for (size_t i = 0; !rc && i < cs->nrules + cs->nfilters; i++) {
        int corr = i < cs->nrules;
        const struct ward_corr_rule *r = corr ? &cs->rules[i] : NULL;
        const struct ward_corr_filter *f = corr ? NULL : &cs->filters[i - cs->nrules];
        char *const *refs = corr ? r->rules : f->rules;
        size_t nrefs = corr ? r->nrules : f->nrules;
        for (size_t k = 0; !rc && k < nrefs; k++) {
            int found = 0;
            for (size_t b = 0; b < nbase && !found; b++) {
                const struct ward_sigma_rule *q = rs ? ward_ruleset_rule(rs, b) : rules->rules[b];
                found = q->kind == WARD_RULE_DETECTION && names(refs[k], q->id, q->name);
            }
            for (size_t b = 0; corr && b < cs->nrules && !found; b++)
                found = b != i && names(refs[k], cs->rules[b].id, cs->rules[b].name);
            if (found) continue;
            char why[300];
            snprintf(why, sizeof why, "%s names rule '%.200s', which is not loaded%s",
                     corr ? "the correlation" : "the filter", refs[k],
                     rs ? " or did not compile" : "");
            rc =
                ward_sigma_rules_add_diag(rules, corr ? r->path : f->path, corr ? r->line : f->line,
                                          corr ? r->id : f->id, corr ? r->title : f->title, why);
        }
    }
    ward_corr_rules_free(cs);
    return rc ? EX_OSERR : 0;
}

static int do_check(struct common *c, char **paths, size_t npaths)
{
    struct ward_taxonomy *tax = NULL;
    struct ward_sigma_rules *rules = NULL;
    struct ward_ruleset *rs = NULL;
    int rc = sigma_cli_taxonomy(c->taxonomy, &tax);
    if (rc) return rc;
    uint64_t t0 = ward_clock_ns();
    if ((rc = sigma_cli_rules(paths, npaths, c->placeholders, &rules))) goto done;
    size_t parse_diags = rules->ndiags;
    uint64_t t1 = ward_clock_ns();
    size_t ndet = 0, ncorr = 0, nfilt = 0;
    for (size_t i = 0; i < rules->nrules; i++) {
        if (rules->rules[i]->kind == WARD_RULE_CORRELATION)
            ncorr++;
        else if (rules->rules[i]->kind == WARD_RULE_FILTER)
            nfilt++;
        else
            ndet++;
    }
    size_t compiled = 0;
    if (!c->reference) {
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_ruleset_compile(rules, tax, &rs, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            rc = EX_SOFTWARE;
            goto done;
        }
        compiled = ward_ruleset_count(rs);
    } else {
        int k = sigma_cli_reference_check(rules, tax, &compiled);
        if (k) {
            rc = k;
            goto done;
        }
    }
    if ((rc = check_correlations(rules, rs))) goto done;
    uint64_t t2 = ward_clock_ns();
    if (!c->quiet)
        for (size_t i = 0; i < rules->ndiags; i++) sigma_cli_print_diag(stdout, &rules->diags[i]);
    size_t total_docs = rules->nrules + parse_diags;
    printf("%zu files, %zu documents: %zu rules parsed (%zu detection, %zu correlation, %zu "
           "filter), %zu rejected by the parser\n",
           rules->files, total_docs, rules->nrules, ndet, ncorr, nfilt, parse_diags);
    size_t all = ndet + parse_diags;
    printf("%zu of %zu detection rules %s (%.2f%%), %zu rejected; parse %.3f s, %s %.3f s\n",
           compiled, all, c->reference ? "usable by the reference evaluator" : "compiled",
           all ? 100.0 * (double)compiled / (double)all : 100.0, all - compiled,
           (double)(t1 - t0) / 1e9, c->reference ? "check" : "compile", (double)(t2 - t1) / 1e9);
    if (rules->ndiags) {
        struct reason_count *rcn = calloc(rules->ndiags, sizeof *rcn);
        size_t nr = 0;
        for (size_t i = 0; rcn && i < rules->ndiags; i++) {
            char shape[400];
            reason_shape(rules->diags[i].reason ? rules->diags[i].reason : "", shape, sizeof shape);
            size_t k;
            for (k = 0; k < nr; k++)
                if (strcmp(rcn[k].text, shape) == 0) break;
            if (k == nr) {
                rcn[nr].text = strdup(shape);
                if (!rcn[nr].text) break;
                nr++;
            }
            rcn[k].n++;
        }
        if (rcn) qsort(rcn, nr, sizeof *rcn, cmp_reason);
        printf("rejections by reason:\n");
        for (size_t k = 0; rcn && k < nr; k++) {
            printf("  %5zu  %s\n", rcn[k].n, rcn[k].text);
            free(rcn[k].text);
        }
        free(rcn);
    }
    rc = rules->ndiags ? 1 : 0;
done:
    ward_ruleset_free(rs);
    ward_sigma_rules_free(rules);
    ward_taxonomy_free(tax);
    return rc;
}

/* ---- list -------------------------------------------------------------------------------- */

static int do_list(struct common *c, char **paths, size_t npaths)
{
    struct ward_sigma_rules *rules = NULL;
    int rc = sigma_cli_rules(paths, npaths, c->placeholders, &rules);
    if (rc) return rc;
    for (size_t i = 0; i < rules->nrules; i++) {
        const struct ward_sigma_rule *r = rules->rules[i];
        const struct ward_sigma_logsource *ls = &r->logsource;
        printf("%s\t%s\t%s/%s/%s\t%s\t%s:%u\n", r->id ? r->id : "-",
               r->kind == WARD_RULE_CORRELATION ? "correlation"
               : r->kind == WARD_RULE_FILTER    ? "filter"
                                                : ward_sigma_level_name(r->level),
               ls->product ? ls->product : "-", ls->service ? ls->service : "-",
               ls->category ? ls->category : "-", r->title ? r->title : "", r->path, r->line);
    }
    for (size_t i = 0; i < rules->ndiags; i++) sigma_cli_print_diag(stderr, &rules->diags[i]);
    rc = rules->ndiags ? 1 : 0;
    ward_sigma_rules_free(rules);
    return rc;
}

/* ---- explain ----------------------------------------------------------------------------- */

static int do_explain(struct common *c, const char *rule_arg, const char *events)
{
    struct ward_taxonomy *tax = NULL;
    struct ward_sigma_rules *rules = NULL;
    int rc = sigma_cli_taxonomy(c->taxonomy, &tax);
    if (rc) return rc;
    struct stat st;
    char *one[1] = {(char *)(uintptr_t)rule_arg};
    int is_file = stat(rule_arg, &st) == 0 && S_ISREG(st.st_mode);
    if (is_file)
        rc = sigma_cli_rules(one, 1, c->placeholders, &rules);
    else if (c->nrule_paths)
        rc = sigma_cli_rules(c->rule_paths, c->nrule_paths, c->placeholders, &rules);
    else {
        ward_error("rules explain: '%s' is not a file; give --rules PATH to look it up", rule_arg);
        rc = EX_NOINPUT;
    }
    if (rc) goto done;
    const struct ward_sigma_rule *rule = NULL;
    for (size_t i = 0; i < rules->nrules && !rule; i++) {
        const struct ward_sigma_rule *r = rules->rules[i];
        if (r->kind != WARD_RULE_DETECTION) continue;
        if (is_file || (r->id && strcmp(r->id, rule_arg) == 0) ||
            (r->title && strcmp(r->title, rule_arg) == 0))
            rule = r;
    }
    if (!rule) {
        for (size_t i = 0; i < rules->ndiags; i++) sigma_cli_print_diag(stderr, &rules->diags[i]);
        ward_error("rules explain: no usable detection rule '%s'", rule_arg);
        rc = EX_DATAERR;
        goto done;
    }
    printf("rule: %s (%s)\n  %s:%u\n  logsource: product %s, service %s, category %s\n",
           rule->title ? rule->title : "", rule->id ? rule->id : "-", rule->path, rule->line,
           rule->logsource.product ? rule->logsource.product : "-",
           rule->logsource.service ? rule->logsource.service : "-",
           rule->logsource.category ? rule->logsource.category : "-");
    printf("  condition: %s\n", rule->cond_text ? rule->cond_text : "");
    struct ward_reader r;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_reader_open(&r, events, c->in_format, NULL, &err)) {
        ward_log_err(WARD_LOG_ERROR, &err);
        rc = EX_NOINPUT;
        goto done;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) {
        ward_reader_close(&r);
        rc = EX_SOFTWARE;
        goto done;
    }
    struct ward_buf out;
    ward_buf_init(&out, 0);
    size_t matched = 0, n = 0;
    for (;;) {
        ward_err_clear(&err);
        int k = ward_reader_next(&r, &ev, &err);
        if (k == 0) break;
        if (k < 0) {
            ward_log_err(WARD_LOG_ERROR, &err);
            if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
            continue;
        }
        n++;
        ward_buf_reset(&out);
        int m = ward_sigma_ref_explain(tax, rule, &ev, &out);
        printf("\nevent %llu (%s", (unsigned long long)ev.record, ev.path ? ev.path : "-");
        if (ev.line) printf(":%llu", (unsigned long long)ev.line);
        printf("):\n%s", out.data ? out.data : "");
        if (m > 0) matched++;
    }
    printf("\n%zu of %zu events matched\n", matched, n);
    ward_buf_free(&out);
    ward_event_free(&ev);
    ward_reader_close(&r);
    rc = matched ? 0 : 1;
done:
    ward_sigma_rules_free(rules);
    ward_taxonomy_free(tax);
    return rc;
}

/* ---- test -------------------------------------------------------------------------------- */

struct test_tally {
    size_t passed, failed;
};

static void no_hit(void *ctx, size_t i)
{
    (void)ctx;
    (void)i;
}

/* Whether any detection rule of the set fires on ev. */
static int fires(struct common *c, const struct ward_taxonomy *tax, struct ward_sigma_rules *rules,
                 struct ward_ruleset *rs, struct ward_matcher *m, struct ward_event *ev)
{
    if (!c->reference) return ward_matcher_run(m, ev, no_hit, NULL) > 0;
    struct ward_ls_ids ls;
    ward_taxonomy_classify(tax, ev, &ls);
    for (size_t i = 0; i < rules->nrules; i++)
        if (ward_sigma_ref_eval_ls(tax, rules->rules[i], ev, &ls) > 0) return 1;
    return 0;
}

static int test_one(struct common *c, const struct ward_taxonomy *tax, const char *rule_path,
                    const char *test_path, struct test_tally *tally)
{
    struct ward_sigma_rules *rules = NULL;
    struct ward_ruleset *rs = NULL;
    struct ward_matcher *m = NULL;
    char *one[1] = {(char *)(uintptr_t)rule_path};
    int rc = sigma_cli_rules(one, 1, c->placeholders, &rules);
    if (rc) return rc;
    char failure[512] = "";
    size_t npos = 0, nneg = 0;
    struct ward_event ev, sub;
    int have_ev = 0;
    if (rules->ndiags) {
        snprintf(failure, sizeof failure, "line %u: %.400s", rules->diags[0].line,
                 rules->diags[0].reason);
    } else if (!c->reference) {
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_ruleset_compile(rules, tax, &rs, &err) || ward_matcher_new(rs, &m)) {
            snprintf(failure, sizeof failure, "cannot compile: %.300s", err.msg);
        } else if (rules->ndiags) {
            snprintf(failure, sizeof failure, "rejected: %.400s", rules->diags[0].reason);
        }
    } else {
        size_t usable;
        if ((rc = sigma_cli_reference_check(rules, tax, &usable))) goto done;
        if (rules->ndiags)
            snprintf(failure, sizeof failure, "rejected: %.400s", rules->diags[0].reason);
    }
    if (!failure[0]) {
        const struct ward_intern *reg = rs ? ward_ruleset_fields(rs) : NULL;
        if (ward_event_init(&ev, NULL) || ward_event_init(&sub, reg)) {
            rc = EX_SOFTWARE;
            goto done;
        }
        have_ev = 1;
        struct ward_reader r;
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_reader_open(&r, test_path, "json", NULL, &err)) {
            snprintf(failure, sizeof failure, "%.300s", err.msg);
        } else {
            for (;;) {
                ward_err_clear(&err);
                int k = ward_reader_next(&r, &ev, &err);
                if (k == 0) break;
                if (k < 0) {
                    snprintf(failure, sizeof failure, "test line %llu: %.300s",
                             (unsigned long long)err.line, err.msg);
                    break;
                }
                struct ward_field *mf = ward_event_find(&ev, "match", 5);
                struct ward_str mv = {0};
                if (!mf || mf->type != WARD_V_BOOL || ward_event_value(&ev, mf, &mv)) {
                    snprintf(failure, sizeof failure, "line %llu: no \"match\": true|false",
                             (unsigned long long)ev.line);
                    break;
                }
                int want = ward_str_eq_c(mv, "true");
                if (sigma_cli_subevent(&sub, &ev, "event.")) {
                    rc = EX_SOFTWARE;
                    break;
                }
                sigma_cli_test_logsource(&sub, &ev);
                int got = fires(c, tax, rules, rs, m, &sub);
                if (want)
                    npos++;
                else
                    nneg++;
                if (got != want) {
                    snprintf(failure, sizeof failure, "line %llu: expected %s, got %s",
                             (unsigned long long)ev.line, want ? "a match" : "no match",
                             got ? "a match" : "no match");
                    break;
                }
            }
            ward_reader_close(&r);
        }
    }
    if (rc == 0) {
        if (failure[0]) {
            tally->failed++;
            printf("FAIL %s: %s\n", rule_path, failure);
        } else {
            tally->passed++;
            printf("ok   %s (%zu match, %zu no match)\n", rule_path, npos, nneg);
        }
    }
done:
    if (have_ev) {
        ward_event_free(&ev);
        ward_event_free(&sub);
    }
    ward_matcher_free(m);
    ward_ruleset_free(rs);
    ward_sigma_rules_free(rules);
    return rc;
}

/* Whether the rule file holds a correlation or a filter (1), detection rules only (0), or
 * -EX_* when it cannot be read. */
static int is_meta_file(struct common *c, const char *path)
{
    struct ward_sigma_rules *rules = NULL;
    char *one[1] = {(char *)(uintptr_t)path};
    int rc = sigma_cli_rules(one, 1, c->placeholders, &rules);
    if (rc) return -rc;
    int meta = 0;
    for (size_t i = 0; i < rules->nrules; i++)
        if (rules->rules[i]->kind == WARD_RULE_CORRELATION ||
            rules->rules[i]->kind == WARD_RULE_FILTER)
            meta = 1;
    ward_sigma_rules_free(rules);
    return meta;
}

/* The rules a sequence test runs through: the tested paths and --rules. */
static int seq_setup(struct common *c, const struct ward_taxonomy *tax, char **paths, size_t npaths,
                     struct seq_ctx **out)
{
    char **all = calloc(npaths + c->nrule_paths + 1, sizeof *all);
    if (!all) return EX_OSERR;
    for (size_t i = 0; i < npaths; i++) all[i] = paths[i];
    for (size_t i = 0; i < c->nrule_paths; i++) all[npaths + i] = c->rule_paths[i];
    int rc =
        sigma_cli_seq_new(out, tax, c->reference, all, npaths + c->nrule_paths, c->placeholders);
    free(all);
    return rc;
}

static void count_err(void *ctx, const struct ward_err *e)
{
    (*(size_t *)ctx)++;
    ward_log_err(WARD_LOG_ERROR, e);
}

static int do_test(struct common *c, char **paths, size_t npaths)
{
    static char *def[] = {"rules"};
    if (npaths == 0) {
        paths = def;
        npaths = 1;
    }
    struct ward_taxonomy *tax = NULL;
    int rc = sigma_cli_taxonomy(c->taxonomy, &tax);
    if (rc) return rc;
    char **files = NULL;
    size_t nfiles = 0, bad = 0;
    if (ward_paths_expand(paths, npaths, &files, &nfiles, count_err, &bad)) {
        ward_taxonomy_free(tax);
        return EX_SOFTWARE;
    }
    struct test_tally tally = {0, 0};
    struct seq_ctx *seq = NULL;
    for (size_t i = 0; i < nfiles && rc == 0; i++) {
        const char *f = files[i];
        size_t n = strlen(f);
        size_t stem;
        if (n > 4 && strcmp(f + n - 4, ".yml") == 0)
            stem = n - 4;
        else if (n > 5 && strcmp(f + n - 5, ".yaml") == 0)
            stem = n - 5;
        else
            continue;
        char test_path[4096];
        if (stem + 12 >= sizeof test_path) continue;
        memcpy(test_path, f, stem);
        memcpy(test_path + stem, ".test.jsonl", 12);
        struct stat st;
        if (stat(test_path, &st) != 0) continue;
        int meta = is_meta_file(c, f);
        if (meta < 0) {
            rc = -meta;
            break;
        }
        if (!meta) {
            rc = test_one(c, tax, f, test_path, &tally);
            continue;
        }
        /* a correlation or a filter: a sequence of events through the rules of the paths */
        if (!seq && (rc = seq_setup(c, tax, paths, npaths, &seq))) break;
        char failure[600];
        size_t ncases, nexp;
        rc = sigma_cli_seq_test(seq, f, test_path, c->placeholders, failure, sizeof failure,
                                &ncases, &nexp);
        if (rc) break;
        if (failure[0]) {
            tally.failed++;
            printf("FAIL %s: %s\n", f, failure);
        } else {
            tally.passed++;
            printf("ok   %s (%zu case%s, %zu expectation%s)\n", f, ncases, ncases == 1 ? "" : "s",
                   nexp, nexp == 1 ? "" : "s");
        }
    }
    sigma_cli_seq_free(seq);
    ward_paths_free(files);
    ward_taxonomy_free(tax);
    if (rc) return rc;
    printf("%zu passed, %zu failed\n", tally.passed, tally.failed);
    if (bad && tally.passed + tally.failed == 0) return EX_NOINPUT;
    return tally.failed ? 1 : 0;
}

/* ---- entry ------------------------------------------------------------------------------- */

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"taxonomy", required_argument, NULL, 'T'}, {"placeholders", required_argument, NULL, 'P'},
        {"engine", required_argument, NULL, 'e'},   {"rules", required_argument, NULL, 'r'},
        {"quiet", no_argument, NULL, 'q'},          {"input-format", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    struct common c;
    memset(&c, 0, sizeof c);
    char *rule_paths[64];
    c.rule_paths = rule_paths;
    int ch;
    while ((ch = getopt_long(argc, argv, "T:P:e:r:t:qh", opts, NULL)) != -1) {
        switch (ch) {
        case 'T': c.taxonomy = optarg; break;
        case 'P': c.placeholders = optarg; break;
        case 'e':
            if (strcmp(optarg, "reference") == 0)
                c.reference = 1;
            else if (strcmp(optarg, "fast") == 0)
                c.reference = 0;
            else
                return cli_usage_error(&ward_cmd_rules, "--engine must be fast or reference");
            break;
        case 'r':
            if (c.nrule_paths == 64) return cli_usage_error(&ward_cmd_rules, "too many --rules");
            rule_paths[c.nrule_paths++] = optarg;
            break;
        case 'q': c.quiet = 1; break;
        case 't':
            if (!ward_decoder_find(optarg))
                return cli_usage_error(&ward_cmd_rules, "unknown input format '%s'", optarg);
            c.in_format = optarg;
            break;
        case 'h': cli_print_help(&ward_cmd_rules, stdout); return EX_OK;
        default: return cli_usage_error(&ward_cmd_rules, "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error(&ward_cmd_rules, "give an action: check, explain, test or list");
    const char *action = argv[optind++];
    char **rest = argv + optind;
    size_t nrest = (size_t)(argc - optind);
    if (strcmp(action, "check") == 0) {
        if (!nrest) return cli_usage_error(&ward_cmd_rules, "rules check: no PATH given");
        return do_check(&c, rest, nrest);
    }
    if (strcmp(action, "list") == 0) {
        if (!nrest) return cli_usage_error(&ward_cmd_rules, "rules list: no PATH given");
        return do_list(&c, rest, nrest);
    }
    if (strcmp(action, "explain") == 0) {
        if (nrest != 2)
            return cli_usage_error(&ward_cmd_rules, "rules explain: give RULE and EVENTFILE");
        return do_explain(&c, rest[0], rest[1]);
    }
    if (strcmp(action, "test") == 0) return do_test(&c, rest, nrest);
    return cli_usage_error(&ward_cmd_rules, "unknown action '%s' (check, explain, test, list)",
                           action);
}

const struct ward_cmd ward_cmd_rules = {"rules", "check, explain, test and list Sigma rules", help,
                                        run};
