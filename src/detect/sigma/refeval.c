/*
 * refeval.c - the reference evaluator: a plain interpreter of the parsed rule, written to
 * be obviously correct rather than fast. It is the oracle of the differential test against
 * the compiled matcher and the engine behind `ward rules explain`.
 *
 * The semantics, in one place (docs/internals/sigma.md says the same in prose):
 * - a rule sees an event only when the taxonomy says the event is of the rule's logsource;
 *   a rule whose logsource the taxonomy does not know matches nothing;
 * - a field's values come from ward_sigma_field_values (first key present; arrays give
 *   several values); a pattern holds when it holds for ANY of the values;
 * - a field-less item (keywords) looks at every string or number field of the event;
 * - a value holds when any of its alternatives holds; an item holds when any value holds
 *   (|all: every value), and with |neq when no value holds;
 * - a group holds when all its items hold, a detection when any group holds;
 * - GLOB: whole-value match, '*' any run of bytes, '?' one byte, ASCII case folded unless
 *   |cased; absent field never matches;
 * - RE: PCRE2 search (unanchored) over the value bytes, case-sensitive unless |i;
 * - CIDR: the value parses as an address of the network's family and is inside it;
 * - LT..GTE: the value parses as a number (ward_parse_double) and compares;
 * - EXISTS: the field has values (num 1) or none (num 0);
 * - NULL: the field is absent, or a value is JSON null or empty;
 * - FIELDREF: some value equals (contains, starts, ends with) some value of the other field
 *   (ASCII case folded unless |cased); absent fields never match;
 * - TIMEPART: the value parses as a timestamp (ward_time_parse, UTC) whose unit equals num.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "detect/sigma/sigma_int.h"
#include "ward/json.h"

#define REF_MAX_VALUES 4096

struct rctx {
    const struct ward_taxonomy *t;
    const struct ward_sigma_rule *rule;
    struct ward_ls_ids rls;
    struct ward_event *ev;
    struct ward_buf *trace; /* explain output or NULL */
    int err;
};

/* ---- primitive matches ----------------------------------------------------------------- */

static int ceq(unsigned char a, unsigned char b, int cased)
{
    return cased ? a == b : ward_lower(a) == ward_lower(b);
}

/* Glob over the whole value: iterative, with backtracking to the last star. */
static int glob_match(const struct ward_sigma_pattern *p, const char *s, size_t n)
{
    int cased = p->flags & WARD_SP_CASED;
    if (!p->wild) {
        if (p->len != n) return 0;
        for (size_t i = 0; i < n; i++)
            if (!ceq((unsigned char)p->text[i], (unsigned char)s[i], cased)) return 0;
        return 1;
    }
    size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;
    while (si < n) {
        if (pi < p->len && p->wild[pi] == WARD_GLOB_STAR) {
            star = pi++;
            mark = si;
        } else if (pi < p->len && (p->wild[pi] == WARD_GLOB_ONE ||
                                   ceq((unsigned char)p->text[pi], (unsigned char)s[si], cased))) {
            pi++;
            si++;
        } else if (star != SIZE_MAX) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < p->len && p->wild[pi] == WARD_GLOB_STAR) pi++;
    return pi == p->len;
}

static int re_match(struct rctx *c, const struct ward_sigma_pattern *p, const char *s, size_t n)
{
    if (!p->re) return 0;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md) {
        c->err = WARD_ENOMEM;
        return 0;
    }
    int rc = pcre2_match((const pcre2_code *)p->re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

static int cidr_match(const struct ward_sigma_pattern *p, const char *s, size_t n)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    uint8_t addr[16];
    if (inet_pton(p->family == 4 ? AF_INET : AF_INET6, buf, addr) != 1) return 0;
    for (unsigned bit = 0; bit < p->prefix; bit++) {
        unsigned mask = 0x80u >> (bit % 8);
        if ((addr[bit / 8] & mask) != (p->addr[bit / 8] & mask)) return 0;
    }
    return 1;
}

static int timepart(const char *s, size_t n, int unit, int64_t *out)
{
    ward_time_t t;
    if (ward_time_parse(s, n, &t)) return 0;
    int64_t secs = t / 1000000000;
    if (t < 0 && t % 1000000000) secs--;
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) rem += 86400, days--;
    /* civil from days (proleptic Gregorian) */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y++;
    switch (unit) {
    case WARD_TP_MINUTE: *out = (rem / 60) % 60; return 1;
    case WARD_TP_HOUR: *out = rem / 3600; return 1;
    case WARD_TP_DAY: *out = d; return 1;
    case WARD_TP_MONTH: *out = m; return 1;
    case WARD_TP_YEAR: *out = y; return 1;
    case WARD_TP_WEEK: {
        /* ISO 8601 week: the week with the year's first Thursday is week 1 */
        int64_t wday = ((days % 7) + 7 + 3) % 7; /* 0 = Monday (1970-01-01 was a Thursday) */
        int64_t jan1 = ward_days_from_civil(y, 1, 1);
        int64_t ordinal = days - jan1; /* 0-based day of year */
        int64_t week = (ordinal - wday + 10) / 7;
        if (week < 1) {
            int64_t py = y - 1;
            int64_t pjan1 = ward_days_from_civil(py, 1, 1);
            week = (days - pjan1 - wday + 10) / 7;
        } else if (week == 53) {
            int64_t ndays = ward_days_from_civil(y + 1, 1, 1) - jan1;
            int64_t dec31_wday = (((jan1 + ndays - 1) % 7) + 7 + 3) % 7;
            if (dec31_wday < 3) week = 1;
        }
        *out = week;
        return 1;
    }
    }
    return 0;
}

static int ref_cmp(const struct ward_sigma_pattern *p, struct ward_str a, struct ward_str b)
{
    int cased = p->flags & WARD_SP_CASED;
    size_t off, span;
    switch (p->ref_mode) {
    case WARD_REF_CONTAINS:
        if (b.len > a.len) return 0;
        for (off = 0; off + b.len <= a.len; off++) {
            for (span = 0; span < b.len; span++)
                if (!ceq((unsigned char)a.ptr[off + span], (unsigned char)b.ptr[span], cased))
                    break;
            if (span == b.len) return 1;
        }
        return 0;
    case WARD_REF_STARTS: off = 0; break;
    case WARD_REF_ENDS:
        if (b.len > a.len) return 0;
        off = a.len - b.len;
        break;
    default:
        if (a.len != b.len) return 0;
        off = 0;
        break;
    }
    if (b.len > a.len) return 0;
    for (span = 0; span < b.len; span++)
        if (!ceq((unsigned char)a.ptr[off + span], (unsigned char)b.ptr[span], cased)) return 0;
    return 1;
}

/* Whether one pattern holds for a field with values f[0..n). */
static int pattern_holds(struct rctx *c, const struct ward_sigma_pattern *p, struct ward_field **f,
                         size_t n)
{
    if (p->kind == WARD_SP_EXISTS) return (n > 0) == (p->num != 0);
    if (p->kind == WARD_SP_NULL) {
        if (n == 0) return 1;
        for (size_t i = 0; i < n; i++)
            if (f[i]->type == WARD_V_NULL || f[i]->vlen == 0) return 1;
        return 0;
    }
    struct ward_field **other = NULL;
    size_t nother = 0;
    if (p->kind == WARD_SP_FIELDREF) {
        other = malloc(REF_MAX_VALUES * sizeof *other);
        if (!other) {
            c->err = WARD_ENOMEM;
            return 0;
        }
        nother = ward_sigma_field_values(c->t, &c->rls, p->text, c->ev, other, REF_MAX_VALUES);
    }
    int hit = 0;
    for (size_t i = 0; i < n && !hit; i++) {
        struct ward_str v;
        if (ward_event_value(c->ev, f[i], &v)) {
            c->err = WARD_ENOMEM;
            break;
        }
        double d;
        int64_t tp;
        switch (p->kind) {
        case WARD_SP_GLOB: hit = glob_match(p, v.ptr, v.len); break;
        case WARD_SP_RE: hit = re_match(c, p, v.ptr, v.len); break;
        case WARD_SP_CIDR: hit = cidr_match(p, v.ptr, v.len); break;
        case WARD_SP_LT:
        case WARD_SP_LTE:
        case WARD_SP_GT:
        case WARD_SP_GTE:
            if (f[i]->type == WARD_V_BOOL || f[i]->type == WARD_V_NULL || ward_parse_double(v, &d))
                break;
            hit = p->kind == WARD_SP_LT    ? d < p->num
                  : p->kind == WARD_SP_LTE ? d <= p->num
                  : p->kind == WARD_SP_GT  ? d > p->num
                                           : d >= p->num;
            break;
        case WARD_SP_TIMEPART:
            hit = timepart(v.ptr, v.len, p->time_unit, &tp) && (double)tp == p->num;
            break;
        case WARD_SP_FIELDREF:
            for (size_t j = 0; j < nother && !hit; j++) {
                struct ward_str o;
                if (ward_event_value(c->ev, other[j], &o)) {
                    c->err = WARD_ENOMEM;
                    break;
                }
                hit = ref_cmp(p, v, o);
            }
            break;
        default: break;
        }
    }
    free(other);
    return hit;
}

/* ---- the tree -------------------------------------------------------------------------- */

static void tr(struct rctx *c, const char *fmt, ...) WARD_PRINTF(2, 3);
static void tr(struct rctx *c, const char *fmt, ...)
{
    if (!c->trace) return;
    va_list ap;
    va_start(ap, fmt);
    if (ward_buf_vprintf(c->trace, fmt, ap)) c->err = WARD_ENOMEM;
    va_end(ap);
}

static void tr_value(struct rctx *c, const struct ward_sigma_value *v)
{
    if (!c->trace) return;
    const struct ward_sigma_pattern *p = &v->alts[0];
    static const char *const kinds[] = {"",    "re ",     "cidr ", "< ",        "<= ",      "> ",
                                        ">= ", "exists ", "null",  "fieldref ", "timepart "};
    tr(c, "%s", p->kind < sizeof kinds / sizeof kinds[0] ? kinds[p->kind] : "");
    if (p->kind == WARD_SP_NULL) return;
    if (p->kind == WARD_SP_EXISTS || p->kind == WARD_SP_TIMEPART ||
        (p->kind >= WARD_SP_LT && p->kind <= WARD_SP_GTE)) {
        tr(c, "%g", p->num);
        return;
    }
    struct ward_buf *b = c->trace;
    if (ward_json_put_str(b, p->text, p->len)) c->err = WARD_ENOMEM;
    if (v->nalts > 1) tr(c, " (+%zu alternatives)", v->nalts - 1);
}

static int item_holds(struct rctx *c, const struct ward_sigma_item *it)
{
    struct ward_field **f = malloc(REF_MAX_VALUES * sizeof *f);
    if (!f) {
        c->err = WARD_ENOMEM;
        return 0;
    }
    size_t n;
    if (it->field) {
        n = ward_sigma_field_values(c->t, &c->rls, it->field, c->ev, f, REF_MAX_VALUES);
    } else {
        n = 0;
        for (uint32_t i = 0; i < c->ev->nfields && n < REF_MAX_VALUES; i++)
            if (c->ev->fields[i].type == WARD_V_STR || c->ev->fields[i].type == WARD_V_NUM)
                f[n++] = &c->ev->fields[i];
    }
    size_t nhit = 0;
    for (size_t vi = 0; vi < it->nvalues; vi++) {
        const struct ward_sigma_value *v = &it->values[vi];
        int hit = 0;
        for (size_t a = 0; a < v->nalts && !hit; a++) hit = pattern_holds(c, &v->alts[a], f, n);
        nhit += hit ? 1 : 0;
        if (c->trace) {
            tr(c, "        %s ", hit ? "+" : "-");
            tr_value(c, v);
            tr(c, "\n");
        }
    }
    free(f);
    int res;
    if (it->flags & WARD_SI_NEQ)
        res = nhit == 0;
    else if (it->flags & WARD_SI_ALL)
        res = nhit == it->nvalues;
    else
        res = nhit > 0;
    return res;
}

static int detection_holds(struct rctx *c, const struct ward_sigma_detection *d)
{
    int any = 0;
    for (size_t g = 0; g < d->ngroups; g++) {
        int all = 1;
        if (c->trace && d->ngroups > 1) tr(c, "    group %zu:\n", g + 1);
        for (size_t i = 0; i < d->groups[g].nitems; i++) {
            const struct ward_sigma_item *it = &d->groups[g].items[i];
            if (c->trace) {
                struct ward_field *f[1];
                size_t n =
                    it->field ? ward_sigma_field_values(c->t, &c->rls, it->field, c->ev, f, 1) : 0;
                tr(c, "      %s%s%s (line %u)", it->field ? it->field : "(keywords)",
                   it->modifiers ? "|" : "", it->modifiers ? it->modifiers : "", it->line);
                if (it->field && n) {
                    struct ward_str v;
                    if (ward_event_value(c->ev, f[0], &v) == 0) {
                        tr(c, " = ");
                        if (ward_json_put_str(c->trace, v.ptr, v.len > 200 ? 200 : v.len))
                            c->err = WARD_ENOMEM;
                        if (v.len > 200) tr(c, "...");
                        tr(c, " [%s]", ward_field_key(c->ev, f[0]));
                    }
                } else if (it->field) {
                    tr(c, ": field absent");
                }
                tr(c, "\n");
            }
            int h = item_holds(c, it);
            if (c->trace) tr(c, "      => %s\n", h ? "holds" : "does not hold");
            if (!h) {
                all = 0;
                if (!c->trace) break;
            }
        }
        if (all) {
            any = 1;
            if (!c->trace) break;
        }
    }
    return any;
}

static int cond_holds(struct rctx *c, const struct ward_sigma_cond *n, int depth)
{
    if (!n || depth > 10000) return 0;
    switch (n->kind) {
    case WARD_SC_REF:
        return n->ref < c->rule->ndets ? detection_holds(c, &c->rule->dets[n->ref]) : 0;
    case WARD_SC_AND: return cond_holds(c, n->a, depth + 1) && cond_holds(c, n->b, depth + 1);
    case WARD_SC_OR: return cond_holds(c, n->a, depth + 1) || cond_holds(c, n->b, depth + 1);
    case WARD_SC_NOT: return !cond_holds(c, n->a, depth + 1);
    case WARD_SC_TRUE: return 1;
    default: return 0;
    }
}

static int setup(struct rctx *c, const struct ward_taxonomy *t, const struct ward_sigma_rule *rule,
                 struct ward_event *ev, const struct ward_ls_ids *ev_ls, char *why, size_t wsz)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    c->rule = rule;
    c->ev = ev;
    if (rule->kind != WARD_RULE_DETECTION || !rule->cond) {
        snprintf(why, wsz, "not a detection rule");
        return 0;
    }
    if (!ward_taxonomy_rule_ls(t, &rule->logsource, &c->rls, why, wsz)) return 0;
    struct ward_ls_ids els;
    if (!ev_ls) {
        ward_taxonomy_classify(t, ev, &els);
        ev_ls = &els;
    }
    if (!ward_taxonomy_selects(&c->rls, ev_ls)) {
        const char *p = ward_taxonomy_product_name(t, ev_ls->product);
        const char *s = ward_taxonomy_service_name(t, ev_ls->service);
        const char *k =
            ev_ls->ncategories ? ward_taxonomy_category_name(t, ev_ls->categories[0]) : NULL;
        snprintf(why, wsz,
                 "the event's logsource (product %s, service %s, category %s) is not "
                 "the rule's",
                 p ? p : "-", s ? s : "-", k ? k : "-");
        return 0;
    }
    return 1;
}

int ward_sigma_ref_eval_ls(const struct ward_taxonomy *t, const struct ward_sigma_rule *rule,
                           struct ward_event *ev, const struct ward_ls_ids *ev_ls)
{
    struct rctx c;
    char why[256];
    if (!setup(&c, t, rule, ev, ev_ls, why, sizeof why)) return 0;
    int r = cond_holds(&c, rule->cond, 0);
    return c.err ? c.err : r;
}

int ward_sigma_ref_eval(const struct ward_taxonomy *t, const struct ward_sigma_rule *rule,
                        struct ward_event *ev)
{
    return ward_sigma_ref_eval_ls(t, rule, ev, NULL);
}

int ward_sigma_ref_explain(const struct ward_taxonomy *t, const struct ward_sigma_rule *rule,
                           struct ward_event *ev, struct ward_buf *out)
{
    struct rctx c;
    char why[256];
    if (!setup(&c, t, rule, ev, NULL, why, sizeof why)) {
        if (ward_buf_printf(out, "logsource: no match: %s\nresult: no match\n", why))
            return WARD_ENOMEM;
        return 0;
    }
    c.trace = out;
    tr(&c, "logsource: matches\n");
    for (size_t i = 0; i < rule->ndets; i++) {
        tr(&c, "  %s (line %u):\n", rule->dets[i].name, rule->dets[i].line);
        int h = detection_holds(&c, &rule->dets[i]);
        tr(&c, "  %s => %s\n", rule->dets[i].name, h ? "true" : "false");
    }
    c.trace = NULL;
    int r = cond_holds(&c, rule->cond, 0);
    c.trace = out;
    tr(&c, "condition: %s => %s\nresult: %s\n", rule->cond_text ? rule->cond_text : "",
       r ? "true" : "false", r ? "MATCH" : "no match");
    return c.err ? c.err : r;
}
