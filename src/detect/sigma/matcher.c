/*
 * matcher.c - the per-thread side of the compiled Sigma rule set: routes an event by its
 * logsource, scans the values of the slots its rules read with one Vectorscan call per
 * slot (and every string field with the keyword database when keyword rules apply),
 * confirms prefilter hits of regexes with PCRE2, then evaluates the conditions of the
 * candidate rules only: those with a hit atom, plus those that can match without one.
 * Layout in compiled.h; design in docs/internals/sigma-matcher.md.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/compiled.h"

#define MAX_ROUTES 256

struct route {
    struct ward_ls_ids ls;
    uint64_t *sel; /* rules selected by the logsource (bitset) */
    uint32_t *slots;
    uint32_t nslots;
    uint32_t *always; /* selected rules that are not gated: evaluated on every event */
    uint32_t nalways;
    uint32_t nsel;
    uint8_t keywords;
};

struct ward_matcher {
    const struct ward_ruleset *rs;
    hs_scratch_t *scratch;
    pcre2_match_data *md;
    uint32_t gen;
    uint32_t *hit_gen;  /* per atom: == gen when it hit this event */
    uint32_t *lazy_gen; /* per atom: == gen when its lazy value is known */
    uint8_t *lazy_val;
    uint32_t *touched; /* atoms hit this event */
    uint32_t ntouched;
    uint32_t *pending; /* prefilter hits of the current scan, to confirm */
    uint32_t npending;
    uint32_t *rule_gen; /* per rule: == gen when already a candidate */
    uint32_t *cands;
    uint32_t ncands;
    struct route *routes;
    uint32_t nroutes;
    struct ward_event *ev;
    struct ward_field **vals;  /* a slot's values (WARD_SLOT_MAX_VALUES) */
    struct ward_field **vals2; /* the other field's values (fieldref) */
    size_t scan_len;           /* length of the value being scanned */
    int err;
    int profile;
    struct ward_matcher_prof prof;
};

/* ---- the route of a logsource ------------------------------------------------------------ */

static int ls_eq(const struct ward_ls_ids *a, const struct ward_ls_ids *b)
{
    if (a->product != b->product || a->service != b->service || a->ncategories != b->ncategories)
        return 0;
    for (uint8_t i = 0; i < a->ncategories && i < WARD_LS_MAX_CATEGORIES; i++)
        if (a->categories[i] != b->categories[i]) return 0;
    return 1;
}

static void route_free(struct route *r)
{
    free(r->sel);
    free(r->slots);
    free(r->always);
}

static int route_build(struct ward_matcher *m, const struct ward_ls_ids *ls, struct route *r)
{
    const struct ward_ruleset *rs = m->rs;
    memset(r, 0, sizeof *r);
    r->ls = *ls;
    size_t words = (rs->nrules + 63) / 64;
    r->sel = calloc(words ? words : 1, sizeof *r->sel);
    uint8_t *slot_seen = calloc(rs->nslots ? rs->nslots : 1, 1);
    r->slots = malloc((rs->nslots ? rs->nslots : 1) * sizeof *r->slots);
    r->always = malloc((rs->nrules ? rs->nrules : 1) * sizeof *r->always);
    if (!r->sel || !slot_seen || !r->slots || !r->always) {
        free(slot_seen);
        route_free(r);
        return WARD_ENOMEM;
    }
    for (size_t i = 0; i < rs->nrules; i++) {
        const struct crule *cr = &rs->rules[i];
        if (rs->tax && !ward_taxonomy_selects(&cr->ls, ls)) continue;
        r->sel[i / 64] |= 1ULL << (i % 64);
        r->nsel++;
        if (!cr->gated) r->always[r->nalways++] = (uint32_t)i;
        if (cr->keywords) r->keywords = 1;
        for (uint32_t s = 0; s < cr->nslots; s++) {
            uint32_t slot = cr->slots[s];
            if (slot_seen[slot] || (!rs->slots[slot].db && !rs->slots[slot].db2)) continue;
            slot_seen[slot] = 1;
            r->slots[r->nslots++] = slot;
        }
    }
    free(slot_seen);
    return 0;
}

static struct route *route_for(struct ward_matcher *m, const struct ward_ls_ids *ls)
{
    for (uint32_t i = 0; i < m->nroutes; i++)
        if (ls_eq(&m->routes[i].ls, ls)) {
            if (i) { /* move to the front: the next event is most often of the same kind */
                struct route tmp = m->routes[i];
                m->routes[i] = m->routes[0];
                m->routes[0] = tmp;
            }
            return &m->routes[0];
        }
    if (m->nroutes == MAX_ROUTES) {
        route_free(&m->routes[MAX_ROUTES - 1]);
        m->nroutes--;
    }
    struct route r;
    if (route_build(m, ls, &r)) return NULL;
    memmove(&m->routes[1], &m->routes[0], m->nroutes * sizeof *m->routes);
    m->routes[0] = r;
    m->nroutes++;
    return &m->routes[0];
}

/* ---- matcher lifetime ---------------------------------------------------------------------- */

int ward_matcher_new(const struct ward_ruleset *rs, struct ward_matcher **out)
{
    *out = NULL;
    struct ward_matcher *m = calloc(1, sizeof *m);
    if (!m) return WARD_ENOMEM;
    m->rs = rs;
    size_t na = rs->natoms ? rs->natoms : 1, nr = rs->nrules ? rs->nrules : 1;
    m->hit_gen = calloc(na, sizeof *m->hit_gen);
    m->lazy_gen = calloc(na, sizeof *m->lazy_gen);
    m->lazy_val = calloc(na, 1);
    m->touched = malloc(na * sizeof *m->touched);
    m->pending = malloc(na * sizeof *m->pending);
    m->rule_gen = calloc(nr, sizeof *m->rule_gen);
    m->cands = malloc(nr * sizeof *m->cands);
    m->routes = calloc(MAX_ROUTES, sizeof *m->routes);
    m->md = pcre2_match_data_create(1, NULL);
    m->vals = malloc(WARD_SLOT_MAX_VALUES * sizeof *m->vals);
    m->vals2 = malloc(WARD_SLOT_MAX_VALUES * sizeof *m->vals2);
    if (!m->vals || !m->vals2 || !m->hit_gen || !m->lazy_gen || !m->lazy_val || !m->touched ||
        !m->pending || !m->rule_gen || !m->cands || !m->routes || !m->md)
        goto fail;
    for (uint32_t s = 0; s < rs->nslots; s++) {
        if (rs->slots[s].db && hs_alloc_scratch(rs->slots[s].db, &m->scratch) != HS_SUCCESS)
            goto fail;
        if (rs->slots[s].db2 && hs_alloc_scratch(rs->slots[s].db2, &m->scratch) != HS_SUCCESS)
            goto fail;
    }
    if (rs->kwdb && hs_alloc_scratch(rs->kwdb, &m->scratch) != HS_SUCCESS) goto fail;
    if (rs->kwdb2 && hs_alloc_scratch(rs->kwdb2, &m->scratch) != HS_SUCCESS) goto fail;
    m->gen = 1;
    *out = m;
    return 0;
fail:
    ward_matcher_free(m);
    return WARD_ENOMEM;
}

void ward_matcher_free(struct ward_matcher *m)
{
    if (!m) return;
    if (m->scratch) hs_free_scratch(m->scratch);
    pcre2_match_data_free(m->md);
    for (uint32_t i = 0; i < m->nroutes; i++) route_free(&m->routes[i]);
    free(m->routes);
    free(m->hit_gen);
    free(m->lazy_gen);
    free(m->lazy_val);
    free(m->touched);
    free(m->pending);
    free(m->rule_gen);
    free(m->cands);
    free(m->vals);
    free(m->vals2);
    free(m);
}

void ward_matcher_set_profile(struct ward_matcher *m, int on)
{
    m->profile = on;
}

const struct ward_matcher_prof *ward_matcher_get_prof(const struct ward_matcher *m)
{
    return &m->prof;
}

/* ---- values ---------------------------------------------------------------------------------- */

/* The values of a slot (see struct slot_key): fills out, returns the count (0 = absent). */
static uint32_t slot_values(struct ward_matcher *m, uint32_t slot, struct ward_field **out)
{
    const struct slot *s = &m->rs->slots[slot];
    struct ward_event *ev = m->ev;
    for (uint32_t k = 0; k < s->nkeys; k++) {
        const struct slot_key *key = &s->keys[k];
        if (WARD_UNLIKELY(key->wild)) {
            uint32_t n = 0;
            for (uint32_t i = 0; i < ev->nfields && n < WARD_SLOT_MAX_VALUES; i++) {
                struct ward_field *f = &ev->fields[i];
                if (ward_taxonomy_key_match(key->name, ward_field_key(ev, f), f->klen))
                    out[n++] = f;
            }
            if (n) return n;
            continue;
        }
        struct ward_field *f = ward_event_by_id(ev, key->id);
        if (f) {
            out[0] = f;
            return 1;
        }
        f = ward_event_by_id(ev, key->id0);
        if (WARD_LIKELY(!f)) continue;
        /* an array: key.0, key.1 ... while present */
        out[0] = f;
        uint32_t n = 1;
        char buf[1100];
        if (key->len + 12 >= sizeof buf) return n;
        memcpy(buf, key->name, key->len);
        for (size_t i = 1; n < WARD_SLOT_MAX_VALUES; i++) {
            int l = snprintf(buf + key->len, sizeof buf - key->len, ".%zu", i);
            f = ward_event_find(ev, buf, key->len + (size_t)l);
            if (!f) break;
            out[n++] = f;
        }
        return n;
    }
    return 0;
}

static int field_value(struct ward_matcher *m, struct ward_field *f, struct ward_str *v)
{
    int rc = ward_event_value(m->ev, f, v);
    if (rc) {
        m->err = rc;
        v->ptr = "";
        v->len = 0;
    }
    return rc;
}

/* ---- lazy evaluation of one pattern on one value ------------------------------------------ */

static int glob_match(const struct ward_sigma_pattern *p, const char *s, size_t n)
{
    int ci = !(p->flags & WARD_SP_CASED);
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;
    while (si < n) {
        if (pi < p->len) {
            int w = p->wild ? p->wild[pi] : WARD_GLOB_LIT;
            if (w == WARD_GLOB_STAR) {
                star_p = ++pi;
                star_s = si;
                continue;
            }
            if (w == WARD_GLOB_ONE) {
                pi++;
                si++;
                continue;
            }
            unsigned char a = (unsigned char)p->text[pi], c = (unsigned char)s[si];
            if (a == c || (ci && ward_lower(a) == ward_lower(c))) {
                pi++;
                si++;
                continue;
            }
        }
        if (star_p == SIZE_MAX) return 0;
        pi = star_p;
        si = ++star_s;
    }
    while (pi < p->len && p->wild && p->wild[pi] == WARD_GLOB_STAR) pi++;
    return pi == p->len;
}

static int re_match(struct ward_matcher *m, const pcre2_code *re, struct ward_str v)
{
    int rc = pcre2_match(re, (PCRE2_SPTR)(v.ptr ? v.ptr : ""), v.len, 0, 0, m->md, NULL);
    return rc >= 0;
}

static int cidr_match(const struct ward_sigma_pattern *p, struct ward_str v)
{
    char buf[64];
    uint8_t addr[16];
    if (v.len == 0 || v.len >= sizeof buf) return 0;
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = '\0';
    if (inet_pton(p->family == 4 ? AF_INET : AF_INET6, buf, addr) != 1) return 0;
    unsigned bits = p->prefix;
    for (unsigned i = 0; i < 16 && bits; i++) {
        unsigned take = bits >= 8 ? 8 : bits;
        uint8_t mask = (uint8_t)(0xFF << (8 - take));
        if ((addr[i] & mask) != (p->addr[i] & mask)) return 0;
        bits -= take;
    }
    return 1;
}

static int64_t weekday_mon1(int64_t days)
{
    return ((days % 7) + 7 + 3) % 7 + 1; /* 1970-01-01 was a Thursday (4) */
}

static int64_t iso_weeks_in_year(int64_t y)
{
    int64_t jan1 = weekday_mon1(ward_days_from_civil(y, 1, 1));
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return (jan1 == 4 || (leap && jan1 == 3)) ? 53 : 52;
}

/* ISO 8601 week number of a day (days since the epoch) in civil year y. */
static int64_t iso_week(int64_t days, int64_t y)
{
    int64_t yday = days - ward_days_from_civil(y, 1, 1) + 1;
    int64_t wk = (yday - weekday_mon1(days) + 10) / 7;
    if (wk < 1) return iso_weeks_in_year(y - 1);
    if (wk > iso_weeks_in_year(y)) return 1;
    return wk;
}

static int timepart_match(const struct ward_sigma_pattern *p, struct ward_str v)
{
    ward_time_t t;
    if (ward_time_parse(v.ptr, v.len, &t)) return 0;
    int64_t secs = t / 1000000000LL - (t % 1000000000LL < 0);
    int64_t days = secs / 86400 - (secs % 86400 < 0);
    int64_t sod = secs - days * 86400;
    /* civil from days (proleptic Gregorian) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t mo = mp < 10 ? mp + 3 : mp - 9;
    if (mo <= 2) y++;
    int64_t val;
    switch (p->time_unit) {
    case WARD_TP_MINUTE: val = (sod / 60) % 60; break;
    case WARD_TP_HOUR: val = sod / 3600; break;
    case WARD_TP_DAY: val = d; break;
    case WARD_TP_WEEK: val = iso_week(days, y); break;
    case WARD_TP_MONTH: val = mo; break;
    default: val = y; break;
    }
    return (double)val == p->num;
}

static int ref_match(const struct ward_sigma_pattern *p, struct ward_str a, struct ward_str b)
{
    int ci = !(p->flags & WARD_SP_CASED);
    if (b.len > a.len) return 0;
    size_t off;
    switch (p->ref_mode) {
    case WARD_REF_EQ:
        if (a.len != b.len) return 0;
        return ci ? ward_str_ieq(a, b) : ward_str_eq(a, b);
    case WARD_REF_STARTS: off = 0; break;
    case WARD_REF_ENDS: off = a.len - b.len; break;
    default:
        for (size_t i = 0; i + b.len <= a.len; i++) {
            struct ward_str s = ward_str_make(a.ptr + i, b.len);
            if (ci ? ward_str_ieq(s, b) : ward_str_eq(s, b)) return 1;
        }
        return 0;
    }
    struct ward_str s = ward_str_make(a.ptr + off, b.len);
    return ci ? ward_str_ieq(s, b) : ward_str_eq(s, b);
}

/* A pattern on the value of a present field. */
static int pattern_on_value(struct ward_matcher *m, const struct atom *a, struct ward_field *f,
                            struct ward_str v)
{
    const struct ward_sigma_pattern *p = a->pat;
    double x;
    switch (p->kind) {
    case WARD_SP_GLOB:
        switch (a->lazy) {
        case LZ_GLOB_ANY: return 1;
        case LZ_GLOB_EMPTY: return v.len == 0;
        default: return glob_match(p, v.ptr, v.len);
        }
    case WARD_SP_RE: return re_match(m, a->re, v);
    case WARD_SP_CIDR: return cidr_match(p, v);
    case WARD_SP_LT:
    case WARD_SP_LTE:
    case WARD_SP_GT:
    case WARD_SP_GTE:
        if (f->type == WARD_V_BOOL || f->type == WARD_V_NULL || ward_parse_double(v, &x)) return 0;
        if (p->kind == WARD_SP_LT) return x < p->num;
        if (p->kind == WARD_SP_LTE) return x <= p->num;
        if (p->kind == WARD_SP_GT) return x > p->num;
        return x >= p->num;
    case WARD_SP_EXISTS: return p->num != 0;
    case WARD_SP_NULL: return f->type == WARD_V_NULL || v.len == 0;
    case WARD_SP_TIMEPART: return timepart_match(p, v);
    case WARD_SP_FIELDREF: {
        uint32_t n = slot_values(m, a->ref_slot, m->vals2);
        for (uint32_t i = 0; i < n; i++) {
            struct ward_str w;
            if (field_value(m, m->vals2[i], &w)) return 0;
            if (ref_match(p, v, w)) return 1;
        }
        return 0;
    }
    }
    return 0;
}

static int lazy_eval(struct ward_matcher *m, const struct atom *a)
{
    struct ward_event *ev = m->ev;
    struct ward_field **f = m->vals;
    uint32_t n;
    if (a->slot == WARD_KW_SLOT) {
        n = ev->nfields < WARD_SLOT_MAX_VALUES ? ev->nfields : WARD_SLOT_MAX_VALUES;
        for (uint32_t i = 0; i < n; i++) f[i] = &ev->fields[i];
    } else {
        n = slot_values(m, a->slot, f);
    }
    const struct ward_sigma_pattern *p = a->pat;
    if (p->kind == WARD_SP_EXISTS) return (n > 0) == (p->num != 0);
    if (p->kind == WARD_SP_NULL) {
        if (n == 0) return 1;
        for (uint32_t i = 0; i < n; i++)
            if (f[i]->type == WARD_V_NULL || f[i]->vlen == 0) return 1;
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct ward_str v;
        if (field_value(m, f[i], &v)) return 0;
        if (pattern_on_value(m, a, f[i], v)) return 1;
    }
    return 0;
}

/* ---- conditions ------------------------------------------------------------------------------ */

static int atom_value(struct ward_matcher *m, uint32_t ai)
{
    const struct atom *a = &m->rs->atoms[ai];
    if (a->mode != ATOM_LAZY) return m->hit_gen[ai] == m->gen;
    if (m->lazy_gen[ai] != m->gen) {
        m->lazy_val[ai] = (uint8_t)lazy_eval(m, a);
        m->lazy_gen[ai] = m->gen;
    }
    return m->lazy_val[ai];
}

static int eval(struct ward_matcher *m, uint32_t i)
{
    const struct node *nodes = m->rs->nodes, *n = &nodes[i];
    switch (n->op) {
    case N_FALSE: return 0;
    case N_TRUE: return 1;
    case N_ATOM: return atom_value(m, n->arg);
    case N_NOT: return !eval(m, i + 1);
    case N_AND:
        for (uint32_t j = i + 1; j < n->end; j = nodes[j].end)
            if (!eval(m, j)) return 0;
        return 1;
    case N_OR:
        for (uint32_t j = i + 1; j < n->end; j = nodes[j].end)
            if (eval(m, j)) return 1;
        return 0;
    }
    return 0;
}

/* ---- scanning -------------------------------------------------------------------------------- */

static int on_hit(unsigned int id, unsigned long long from, unsigned long long to,
                  unsigned int flags, void *ctx)
{
    (void)from;
    (void)flags;
    struct ward_matcher *m = ctx;
    if (m->hit_gen[id] == m->gen) return 0;
    const struct atom *a = &m->rs->atoms[id];
    switch (a->pos) {
    case POS_START:
        if (to != a->litlen) return 0;
        break;
    case POS_END:
        if (to != m->scan_len) return 0;
        break;
    case POS_EQ:
        if (to != m->scan_len || to != a->litlen) return 0;
        break;
    }
    if (a->mode == ATOM_CONFIRM) {
        m->pending[m->npending++] = id;
        return 0;
    }
    m->hit_gen[id] = m->gen;
    m->touched[m->ntouched++] = id;
    return 0;
}

static void scan(struct ward_matcher *m, const hs_database_t *db, struct ward_str v)
{
    m->npending = 0;
    m->scan_len = v.len;
    hs_error_t he = hs_scan(db, v.ptr ? v.ptr : "", (unsigned)v.len, 0, m->scratch, on_hit, m);
    if (he != HS_SUCCESS && he != HS_SCAN_TERMINATED) m->err = WARD_EINVAL;
    if (m->profile) m->prof.scans++;
    for (uint32_t i = 0; i < m->npending; i++) {
        uint32_t id = m->pending[i];
        if (m->hit_gen[id] == m->gen) continue;
        if (re_match(m, m->rs->atoms[id].re, v)) {
            m->hit_gen[id] = m->gen;
            m->touched[m->ntouched++] = id;
        }
    }
    m->npending = 0;
}

static int u32_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return (a > b) - (a < b);
}

int ward_matcher_run(struct ward_matcher *m, struct ward_event *ev, ward_hit_fn hit, void *ctx)
{
    const struct ward_ruleset *rs = m->rs;
    uint64_t t0 = m->profile ? ward_clock_ns() : 0, t1 = 0, t2 = 0;
    if (++m->gen == 0) {
        size_t na = rs->natoms ? rs->natoms : 1;
        memset(m->hit_gen, 0, na * sizeof *m->hit_gen);
        memset(m->lazy_gen, 0, na * sizeof *m->lazy_gen);
        memset(m->rule_gen, 0, (rs->nrules ? rs->nrules : 1) * sizeof *m->rule_gen);
        m->gen = 1;
    }
    m->ev = ev;
    m->err = 0;
    m->ntouched = 0;
    m->ncands = 0;
    if (ev->registry != &rs->fields) return WARD_EINVAL; /* ids would not be ours */

    struct ward_ls_ids ls;
    memset(&ls, 0, sizeof ls);
    if (rs->tax) ward_taxonomy_classify(rs->tax, ev, &ls);
    struct route *r = route_for(m, &ls);
    if (!r) return WARD_ENOMEM;
    if (m->profile) t1 = ward_clock_ns();
    if (r->nsel == 0) goto done_scan;

    for (uint32_t i = 0; i < r->nslots; i++) {
        uint32_t s = r->slots[i];
        uint32_t n = slot_values(m, s, m->vals);
        for (uint32_t k = 0; k < n; k++) {
            struct ward_str v;
            if (field_value(m, m->vals[k], &v)) continue;
            if (rs->slots[s].db) scan(m, rs->slots[s].db, v);
            if (rs->slots[s].db2) scan(m, rs->slots[s].db2, v);
        }
    }
    if (r->keywords && (rs->kwdb || rs->kwdb2)) {
        uint32_t n = ev->nfields < WARD_SLOT_MAX_VALUES ? ev->nfields : WARD_SLOT_MAX_VALUES;
        for (uint32_t i = 0; i < n; i++) {
            struct ward_str v;
            if (field_value(m, &ev->fields[i], &v)) continue;
            if (rs->kwdb) scan(m, rs->kwdb, v);
            if (rs->kwdb2) scan(m, rs->kwdb2, v);
        }
    }
done_scan:
    if (m->profile) t2 = ward_clock_ns();

    /* candidates: gated rules with a hit atom, and every ungated selected rule */
    for (uint32_t i = 0; i < m->ntouched; i++) {
        const struct atom *a = &rs->atoms[m->touched[i]];
        const uint32_t *lst = rs->atom_rules + a->rules_off;
        for (uint32_t k = 0; k < a->rules_n; k++) {
            uint32_t ri = lst[k];
            if (m->rule_gen[ri] == m->gen || !(r->sel[ri / 64] >> (ri % 64) & 1)) continue;
            m->rule_gen[ri] = m->gen;
            m->cands[m->ncands++] = ri;
        }
    }
    if (m->ncands > 1) qsort(m->cands, m->ncands, sizeof *m->cands, u32_cmp);
    if (m->profile) m->prof.candidates += m->ncands + r->nalways;

    /* evaluate in rule order: merge the sorted candidates with the sorted ungated rules */
    int hits = 0;
    uint32_t ci = 0, ai = 0;
    while (ci < m->ncands || ai < r->nalways) {
        uint32_t ri;
        if (ai >= r->nalways || (ci < m->ncands && m->cands[ci] < r->always[ai]))
            ri = m->cands[ci++];
        else
            ri = r->always[ai++];
        const struct crule *cr = &rs->rules[ri];
        if (eval(m, cr->prog_off)) {
            hits++;
            if (hit) hit(ctx, ri);
        }
    }
    if (m->profile) {
        uint64_t t3 = ward_clock_ns();
        m->prof.events++;
        m->prof.route_ns += t1 - t0;
        m->prof.scan_ns += t2 - t1;
        m->prof.eval_ns += t3 - t2;
    }
    return m->err ? m->err : hits;
}
