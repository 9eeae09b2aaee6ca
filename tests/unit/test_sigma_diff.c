/*
 * test_sigma_diff.c - the differential test of the Sigma fast path: the compiled rule set
 * and matcher against the reference evaluator, over every SigmaHQ rule (rules,
 * emerging-threats, threat-hunting) and
 *   1. the corpus events: EVTX-ATTACK-SAMPLES as JSON lines and the regression events of
 *      SigmaHQ (every rule selected by the event's logsource is compared);
 *   2. generated events: for each rule and each group of each detection, an event built on
 *      a corpus event of the rule's logsource with the group's fields set to values that
 *      hit its patterns, then mutations of each value (case changed, prefix or suffix
 *      added, one byte changed, wildcards expanded, the field removed). On these the rule
 *      itself and every rule the matcher reports are compared.
 * Both must agree on every (rule, event) pair. Also checks that at least 99% of the rules
 * compile and that every rejection has a reason. Prints the counts of pairs and hits.
 * Set WARD_DIFF_VERBOSE=1 to list every disagreement (the first 20 are always shown).
 */
#include "test.h"

#include <ctype.h>

#include "detect/sigma/compiled.h"
#include "ward/json_reader.h"
#include "ward/sigma.h"

#if defined(__SANITIZE_ADDRESS__)
#define SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW_BUILD 1
#endif
#endif
#ifndef SLOW_BUILD
#define SLOW_BUILD 0
#endif

/* ---- event records (owned copies) used as templates ----------------------------------- */

struct kv {
    char *key, *val;
    size_t vlen;
    uint8_t type;
};

struct rec {
    struct kv *f;
    size_t n, cap;
    struct ward_ls_ids ls;
};

static void rec_add(struct rec *r, const char *key, size_t klen, const char *val, size_t vlen,
                    uint8_t type)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->f = realloc(r->f, r->cap * sizeof *r->f);
        if (!r->f) exit(1);
    }
    struct kv *k = &r->f[r->n++];
    k->key = strndup(key, klen);
    k->val = malloc(vlen + 1);
    if (!k->key || !k->val) exit(1);
    memcpy(k->val, val, vlen);
    k->val[vlen] = '\0';
    k->vlen = vlen;
    k->type = type;
}

static void rec_free(struct rec *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->f[i].key);
        free(r->f[i].val);
    }
    free(r->f);
    memset(r, 0, sizeof *r);
}

/* ---- the comparison ------------------------------------------------------------------------ */

static struct ward_ruleset *rs;
static struct ward_taxonomy *tax;
static struct ward_matcher *mt;
static uint8_t *chit; /* compiled hits of the current event, per rule */
static size_t *hitlist, nhitlist;
static unsigned long long pairs, pair_hits, disagree, ref_errors;
static int verbose;
static size_t spread = 1, spread_turn; /* see compare() */
static int full_mode;                  /* WARD_DIFF_FULL */

static void on_hit(void *ctx, size_t ri)
{
    (void)ctx;
    chit[ri] = 1;
    hitlist[nhitlist++] = ri;
}

static void report(const char *what, size_t ri, int c, int r, struct ward_event *ev)
{
    disagree++;
    if (disagree > 20 && !verbose) return;
    const struct ward_sigma_rule *rule = ward_ruleset_rule(rs, ri);
    fprintf(stderr, "DISAGREE (%s): rule %s (%s): compiled %d, reference %d; event:", what,
            rule->path, rule->title ? rule->title : "", c, r);
    for (uint32_t i = 0; i < ev->nfields && i < 60; i++) {
        struct ward_str v;
        if (ward_event_value(ev, &ev->fields[i], &v)) continue;
        fprintf(stderr, " %s=%.*s;", ward_field_key(ev, &ev->fields[i]),
                (int)(v.len > 120 ? 120 : v.len), v.ptr);
    }
    fprintf(stderr, "\n");
}

static int rule_selects(size_t ri, const struct ward_ls_ids *ls)
{
    return ward_taxonomy_selects(&rs->rules[ri].ls, ls);
}

static void compare_one(const char *what, struct ward_event *ev, size_t ri)
{
    int r = ward_sigma_ref_eval(tax, ward_ruleset_rule(rs, ri), ev);
    if (r < 0) {
        ref_errors++;
        return;
    }
    pairs++;
    if (r) pair_hits++;
    if ((r != 0) != (chit[ri] != 0)) report(what, ri, chit[ri], r, ev);
}

/* Runs the matcher; compares either every rule the event's logsource selects (all=1) or
 * the given rule plus every compiled hit. */
static void compare(const char *what, struct ward_event *ev, int all, size_t target)
{
    nhitlist = 0;
    int n = ward_matcher_run(mt, ev, on_hit, NULL);
    if (n < 0) {
        fprintf(stderr, "matcher error %d\n", n);
        disagree++;
        return;
    }
    struct ward_ls_ids ls;
    memset(&ls, 0, sizeof ls);
    ward_taxonomy_classify(tax, ev, &ls);
    size_t nr = ward_ruleset_count(rs);
    if (all) {
        /* every compiled hit is checked; of the other selected rules one in `spread`, in
         * turn (event by event), so that every rule meets many events */
        for (size_t ri = 0; ri < nr; ri++) {
            if (rule_selects(ri, &ls)) {
                if (chit[ri] || (ri + spread_turn) % spread == 0) compare_one(what, ev, ri);
            } else if (chit[ri]) {
                report(what, ri, 1, 0, ev); /* a hit outside the rule's logsource */
                pairs++;
            }
        }
    } else {
        compare_one(what, ev, target);
        for (size_t i = 0; i < nhitlist; i++)
            if (hitlist[i] != target) compare_one(what, ev, hitlist[i]);
    }
    for (size_t i = 0; i < nhitlist; i++) chit[hitlist[i]] = 0;
    spread_turn++;
}

/* ---- corpus events --------------------------------------------------------------------------- */

static struct rec *templates;
static size_t ntemplates, templates_cap;

static int ls_same(const struct ward_ls_ids *a, const struct ward_ls_ids *b)
{
    if (a->product != b->product || a->service != b->service || a->ncategories != b->ncategories)
        return 0;
    for (uint8_t i = 0; i < a->ncategories && i < WARD_LS_MAX_CATEGORIES; i++)
        if (a->categories[i] != b->categories[i]) return 0;
    return 1;
}

/* Keeps the first event of each logsource as a template for generated events. */
static void keep_template(struct ward_event *ev)
{
    struct ward_ls_ids ls;
    memset(&ls, 0, sizeof ls);
    ward_taxonomy_classify(tax, ev, &ls);
    for (size_t i = 0; i < ntemplates; i++)
        if (ls_same(&templates[i].ls, &ls)) return;
    if (ntemplates == templates_cap) {
        templates_cap = templates_cap ? templates_cap * 2 : 256;
        templates = realloc(templates, templates_cap * sizeof *templates);
        if (!templates) exit(1);
    }
    struct rec *r = &templates[ntemplates++];
    memset(r, 0, sizeof *r);
    for (uint32_t i = 0; i < ev->nfields; i++) {
        struct ward_str v;
        if (ward_event_value(ev, &ev->fields[i], &v)) exit(1);
        rec_add(r, ward_field_key(ev, &ev->fields[i]), ev->fields[i].klen, v.ptr, v.len,
                ev->fields[i].type);
    }
    r->ls = ls;
}

static size_t run_file(const char *path, struct ward_event *ev, size_t step)
{
    struct ward_stream *s = NULL;
    struct ward_json_reader *jr = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_stream_open_file(&s, path, &err) || ward_json_reader_open(&jr, s, NULL, &err)) {
        fprintf(stderr, "%s: %s\n", path, err.msg);
        ward_stream_close(s);
        return 0;
    }
    size_t n = 0, k = 0;
    for (;;) {
        ward_event_reset(ev);
        int rc = ward_json_reader_next(jr, ev, &err);
        if (rc == 0) break;
        if (rc < 0) continue;
        if (k++ % step) continue;
        ev->path = path;
        n++;
        compare("corpus", ev, 1, 0);
        keep_template(ev);
    }
    ward_json_reader_free(jr);
    ward_stream_close(s);
    return n;
}

static size_t walk_json(const char *dir, struct ward_event *ev)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "find '%s' -name '*.json' -type f | sort", dir);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    char line[4096];
    size_t n = 0;
    while (fgets(line, sizeof line, p)) {
        line[strcspn(line, "\n")] = '\0';
        n += run_file(line, ev, 1);
    }
    pclose(p);
    return n;
}

/* ---- generated events ----------------------------------------------------------------------- */

struct ovr {
    const char *key;
    char val[512];
    size_t vlen;
    int drop;
};

static unsigned long long generated;

static void emit_event(struct ward_event *ev, const struct rec *tpl,
                       const struct ward_sigma_rule *rule, const struct ovr *ov, size_t nov,
                       size_t target)
{
    ward_event_reset(ev);
    if (tpl) {
        for (size_t i = 0; i < tpl->n; i++) {
            int skip = 0;
            for (size_t j = 0; j < nov && !skip; j++) skip = strcmp(ov[j].key, tpl->f[i].key) == 0;
            if (skip) continue;
            if (ward_event_add_copy(ev, tpl->f[i].key, strlen(tpl->f[i].key), tpl->f[i].val,
                                    tpl->f[i].vlen, (enum ward_vtype)tpl->f[i].type))
                exit(1);
        }
    } else {
        ev->product = rule->logsource.product;
        ev->category = rule->logsource.category;
        ev->service = rule->logsource.service;
    }
    for (size_t j = 0; j < nov; j++) {
        if (ov[j].drop) continue;
        int dup = 0; /* the first override of a key wins */
        for (size_t k = 0; k < j && !dup; k++) dup = strcmp(ov[k].key, ov[j].key) == 0;
        if (dup) continue;
        if (ward_event_add_copy(ev, ov[j].key, strlen(ov[j].key), ov[j].val, ov[j].vlen,
                                WARD_V_STR))
            exit(1);
    }
    generated++;
    compare("generated", ev, 0, target);
}

/* A value that the pattern matches (variant 0: wildcards empty / one 'x'; variant 1:
 * wildcards filled with other text). Returns 0 when no such value is easy to make. */
static int synth(const struct ward_sigma_pattern *p, int variant, char *out, size_t *olen)
{
    size_t n = 0;
    switch (p->kind) {
    case WARD_SP_GLOB:
        for (size_t i = 0; i < p->len && n < 400; i++) {
            int w = p->wild ? p->wild[i] : WARD_GLOB_LIT;
            if (w == WARD_GLOB_STAR) {
                if (variant) {
                    memcpy(out + n, "Ab-9", 4);
                    n += 4;
                }
            } else if (w == WARD_GLOB_ONE) {
                out[n++] = variant ? 'Q' : 'x';
            } else {
                out[n++] = p->text[i];
            }
        }
        break;
    case WARD_SP_RE:
        /* the expression's text: matches itself often enough (plain words, dots) */
        n = p->len < 400 ? p->len : 400;
        memcpy(out, p->text, n);
        break;
    case WARD_SP_CIDR:
        if (p->family == 4)
            n = (size_t)snprintf(out, 64, "%u.%u.%u.%u", p->addr[0], p->addr[1], p->addr[2],
                                 p->addr[3] | (variant ? 1 : 0));
        else
            n = (size_t)snprintf(out, 64, "%x%02x::%x", p->addr[0], p->addr[1], variant ? 1 : 0);
        break;
    case WARD_SP_LT:
    case WARD_SP_LTE:
    case WARD_SP_GT:
    case WARD_SP_GTE: {
        double d = p->num +
                   ((p->kind == WARD_SP_LT || p->kind == WARD_SP_LTE) ? -1 : 1) * (variant ? 0 : 1);
        n = (size_t)snprintf(out, 64, "%.17g", d);
        break;
    }
    case WARD_SP_FIELDREF:
    case WARD_SP_TIMEPART:
    case WARD_SP_EXISTS:
    case WARD_SP_NULL: n = (size_t)snprintf(out, 64, "%s", variant ? "" : "value"); break;
    default: return 0;
    }
    *olen = n;
    return 1;
}

static const char *item_key(const struct ward_sigma_rule *rule, const struct ward_sigma_item *it)
{
    if (!it->field) return "Event.EventData.Data"; /* keywords: any field */
    struct ward_ls_ids ls;
    char why[128];
    if (ward_taxonomy_rule_ls(tax, &rule->logsource, &ls, why, sizeof why) <= 0) return NULL;
    const char *keys[8];
    if (ward_taxonomy_field_keys(tax, &ls, it->field, keys, 8) == 0) return NULL;
    return keys[0];
}

static void mutate(struct ovr *o, int how)
{
    size_t n = o->vlen;
    switch (how) {
    case 0: /* upper case */
        for (size_t i = 0; i < n; i++) o->val[i] = (char)toupper((unsigned char)o->val[i]);
        break;
    case 1: /* lower case */
        for (size_t i = 0; i < n; i++) o->val[i] = (char)tolower((unsigned char)o->val[i]);
        break;
    case 2: /* prefix */
        memmove(o->val + 2, o->val, n);
        memcpy(o->val, "z ", 2);
        o->vlen += 2;
        break;
    case 3: /* suffix */
        memcpy(o->val + n, " z", 2);
        o->vlen += 2;
        break;
    case 4: /* one byte changed */
        if (n) o->val[n / 2] = o->val[n / 2] == 'q' ? 'w' : 'q';
        break;
    case 5: /* last byte dropped */
        if (n) o->vlen--;
        break;
    case 6: /* field removed */ o->drop = 1; break;
    }
}

#define MAX_OVR 48

static void gen_rule(size_t ri, struct ward_event *ev)
{
    const struct ward_sigma_rule *rule = ward_ruleset_rule(rs, ri);
    const struct rec *tpl = NULL;
    for (size_t i = 0; i < ntemplates && !tpl; i++)
        if (rule_selects(ri, &templates[i].ls)) tpl = &templates[i];
    static struct ovr ov[MAX_OVR];
    for (size_t d = 0; d < rule->ndets; d++) {
        const struct ward_sigma_detection *det = &rule->dets[d];
        for (size_t g = 0; g < det->ngroups && g < 8; g++) {
            const struct ward_sigma_group *grp = &det->groups[g];
            for (int variant = 0; variant < 2; variant++) {
                size_t nov = 0;
                for (size_t i = 0; i < grp->nitems && nov < MAX_OVR; i++) {
                    const struct ward_sigma_item *it = &grp->items[i];
                    const char *key = item_key(rule, it);
                    if (!key || !it->nvalues || !it->values[0].nalts) continue;
                    /* |all: all values joined, so that each is contained */
                    struct ovr *o = &ov[nov];
                    memset(o, 0, sizeof *o);
                    o->key = key;
                    size_t nv = (it->flags & WARD_SI_ALL) ? it->nvalues : 1;
                    for (size_t v = 0; v < nv && o->vlen < 400; v++) {
                        size_t l = 0;
                        char tmp[512];
                        if (!synth(&it->values[v].alts[0], variant, tmp, &l)) continue;
                        if (o->vlen + l + 1 > 400) break;
                        if (o->vlen) o->val[o->vlen++] = ' ';
                        memcpy(o->val + o->vlen, tmp, l);
                        o->vlen += l;
                    }
                    if (it->values[0].alts[0].kind == WARD_SP_EXISTS &&
                        it->values[0].alts[0].num == 0)
                        o->drop = 1;
                    if (it->values[0].alts[0].kind == WARD_SP_FIELDREF && nov + 1 < MAX_OVR) {
                        const char *k2 = NULL;
                        struct ward_sigma_item tmp_it = *it;
                        tmp_it.field = it->values[0].alts[0].text;
                        k2 = item_key(rule, &tmp_it);
                        if (k2) {
                            nov++;
                            ov[nov] = *o;
                            ov[nov].key = k2;
                        }
                    }
                    nov++;
                }
                emit_event(ev, tpl, rule, ov, nov, ri);
                if (variant) continue;
                /* mutations, one item at a time */
                for (size_t i = 0; i < nov; i++) {
                    for (int how = 0; how < 7; how++) {
                        /* all mutations with WARD_DIFF_FULL, else the telling ones */
                        if (!full_mode && (how == 1 || how == 3 || how == 5)) continue;
                        struct ovr save = ov[i];
                        mutate(&ov[i], how);
                        emit_event(ev, tpl, rule, ov, nov, ri);
                        ov[i] = save;
                    }
                }
            }
        }
    }
}

/* ---- main --------------------------------------------------------------------------------------
 */

int main(void)
{
    const char *corpus = test_corpus();
    verbose = getenv("WARD_DIFF_VERBOSE") != NULL;
    char d1[1024], d2[1024], d3[1024], path[1024];
    snprintf(d1, sizeof d1, "%s/sigma/rules", corpus);
    snprintf(d2, sizeof d2, "%s/sigma/rules-emerging-threats", corpus);
    snprintf(d3, sizeof d3, "%s/sigma/rules-threat-hunting", corpus);
    char *dirs[3] = {d1, d2, d3};
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_sigma_rules *set = NULL;
    uint64_t t0 = ward_clock_ns();
    CHECK_INT(ward_sigma_rules_load(dirs, 3, NULL, &set, &err), 0);
    CHECK_INT(ward_taxonomy_default(&tax, &err), 0);
    if (!set || !tax) return test_done("test_sigma_diff");
    size_t parse_diags = set->ndiags;
    size_t detection = 0;
    for (size_t i = 0; i < set->nrules; i++)
        detection += set->rules[i]->kind == WARD_RULE_DETECTION;
    uint64_t t1 = ward_clock_ns();
    CHECK_INT(ward_ruleset_compile(set, tax, &rs, &err), 0);
    if (!rs) return test_done("test_sigma_diff");
    uint64_t t2 = ward_clock_ns();
    size_t total = detection + parse_diags;
    printf("rules: %zu documents parsed as detection rules, %zu rejected by the parser, %zu "
           "compiled, %zu rejected by the compiler (%.2f%% of %zu compile); parse %.2f s, "
           "compile %.2f s\n",
           detection, parse_diags, ward_ruleset_count(rs), set->ndiags - parse_diags,
           100.0 * (double)ward_ruleset_count(rs) / (double)(total ? total : 1), total,
           (double)(t1 - t0) / 1e9, (double)(t2 - t1) / 1e9);
    CHECK(ward_ruleset_count(rs) * 100 >= total * 99);
    for (size_t i = 0; i < set->ndiags; i++) {
        CHECK(set->diags[i].reason && set->diags[i].reason[0]);
        if (i >= parse_diags || verbose)
            printf("  rejected: %s:%u: %s\n", set->diags[i].path ? set->diags[i].path : "?",
                   (unsigned)set->diags[i].line, set->diags[i].reason);
    }
    printf("compiled: %u slots, %u field ids, atoms %u exact + %u confirmed + %u lazy\n",
           rs->nslots, rs->fields.count, rs->n_exact, rs->n_confirm, rs->n_lazy);

    size_t nr = ward_ruleset_count(rs);
    chit = calloc(nr ? nr : 1, 1);
    hitlist = malloc((nr ? nr : 1) * sizeof *hitlist);
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, ward_ruleset_fields(rs)), 0);
    CHECK_INT(ward_matcher_new(rs, &mt), 0);
    if (!mt || !chit || !hitlist) return test_done("test_sigma_diff");

    /* 1. corpus events. The reference evaluator is slow (it classifies the event for each
     * rule), so a rule that did not hit is compared on one event in `spread` in turn;
     * WARD_DIFF_FULL=1 compares every pair (minutes). */
    int full = full_mode = getenv("WARD_DIFF_FULL") != NULL;
    spread = full ? 1 : SLOW_BUILD ? 256 : 40;
    snprintf(path, sizeof path, "%s/bench/evtx-attack-samples.jsonl", corpus);
    size_t nev = run_file(path, &ev, 1);
    snprintf(path, sizeof path, "%s/sigma/regression_data", corpus);
    nev += walk_json(path, &ev);
    uint64_t t3 = ward_clock_ns();
    printf("corpus: %zu events, %llu (rule, event) pairs compared (every hit, and 1 in %zu of "
           "the other pairs of the event's logsource), %llu hits, %llu disagreements (%.2f s)\n",
           nev, pairs, spread, pair_hits, disagree, (double)(t3 - t2) / 1e9);
    CHECK(nev > 1000);
    CHECK(pair_hits > 100);

    /* 2. generated events */
    unsigned long long p0 = pairs, h0 = pair_hits, d0 = disagree;
    spread = 1;
    for (size_t ri = 0; ri < nr; ri += (SLOW_BUILD && !full) ? 8 : 1) gen_rule(ri, &ev);
    uint64_t t4 = ward_clock_ns();
    printf("generated: %llu events, %llu (rule, event) pairs compared, %llu hits, %llu "
           "disagreements (%.2f s)\n",
           generated, pairs - p0, pair_hits - h0, disagree - d0, (double)(t4 - t3) / 1e9);
    CHECK(pair_hits - h0 > nr / 2);
    if (ref_errors) printf("reference evaluator errors: %llu (pairs left out)\n", ref_errors);
    CHECK_INT(disagree, 0);

    ward_matcher_free(mt);
    ward_event_free(&ev);
    for (size_t i = 0; i < ntemplates; i++) rec_free(&templates[i]);
    free(templates);
    free(chit);
    free(hitlist);
    ward_ruleset_free(rs);
    ward_taxonomy_free(tax);
    ward_sigma_rules_free(set);
    return test_done("test_sigma_diff");
}
