/*
 * cond.c - the Sigma condition language: a tokenizer and a recursive-descent parser with
 * the specified precedence (least to most binding: or, and, not, "x of", parentheses).
 *
 *   expr    := andexpr ("or" andexpr)*
 *   andexpr := notexpr ("and" notexpr)*
 *   notexpr := "not" notexpr | primary
 *   primary := "(" expr ")" | quant "of" (pattern | "them") | identifier
 *   quant   := "1" | "any" | "all" | N
 *
 * "1 of p" / "all of p" / "N of p" are expanded here into OR / AND trees of detection
 * references; patterns use '*' (any run of characters) and "them" means every detection
 * whose name does not start with '_'. Errors name the 1-based column in the condition.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma_int.h"

enum tok { T_END, T_IDENT, T_NUM, T_AND, T_OR, T_NOT, T_OF, T_ALL, T_ANY, T_THEM, T_LP, T_RP };

struct cparser {
    struct ward_arena *a;
    const char *text;
    size_t pos;
    enum tok tok;
    const char *tstart;
    size_t tlen;
    size_t tcol; /* 1-based */
    const struct ward_sigma_detection *dets;
    size_t ndets;
    char *reason;
    size_t rsz;
    int depth;
};

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '*' || c == '-' || c == '.' || c == '?';
}

static int word_is(const char *p, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

static int cerr(struct cparser *p, size_t col, const char *fmt, ...) WARD_PRINTF(3, 4);
static int cerr(struct cparser *p, size_t col, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->reason, p->rsz, "condition: %s at column %zu", msg, col);
    return SIGMA_REJECT;
}

#define CUT(n) ((int)((n) > 64 ? 64 : (n)))

static int next(struct cparser *p)
{
    const char *t = p->text;
    while (t[p->pos] == ' ' || t[p->pos] == '\t' || t[p->pos] == '\n' || t[p->pos] == '\r')
        p->pos++;
    p->tstart = t + p->pos;
    p->tcol = p->pos + 1;
    char c = t[p->pos];
    if (!c) {
        p->tok = T_END;
        p->tlen = 0;
        return 0;
    }
    if (c == '(' || c == ')') {
        p->tok = c == '(' ? T_LP : T_RP;
        p->tlen = 1;
        p->pos++;
        return 0;
    }
    if (c == '|') {
        return cerr(p, p->tcol,
                    "aggregation ('| count() ...') is Sigma v1 syntax; "
                    "use a correlation rule");
    }
    if (!ident_char(c)) {
        return cerr(p, p->tcol, "unexpected character '%c'", c);
    }
    size_t n = 0;
    while (ident_char(t[p->pos + n])) n++;
    p->tlen = n;
    p->pos += n;
    const char *s = p->tstart;
    int digits = 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') digits = 0;
    if (digits)
        p->tok = T_NUM;
    else if (word_is(s, n, "and"))
        p->tok = T_AND;
    else if (word_is(s, n, "or"))
        p->tok = T_OR;
    else if (word_is(s, n, "not"))
        p->tok = T_NOT;
    else if (word_is(s, n, "of"))
        p->tok = T_OF;
    else if (word_is(s, n, "all"))
        p->tok = T_ALL;
    else if (word_is(s, n, "any"))
        p->tok = T_ANY;
    else if (word_is(s, n, "them"))
        p->tok = T_THEM;
    else
        p->tok = T_IDENT;
    return 0;
}

static struct ward_sigma_cond *node(struct cparser *p, uint8_t kind, struct ward_sigma_cond *a,
                                    struct ward_sigma_cond *b)
{
    struct ward_sigma_cond *c = ward_arena_alloc(p->a, sizeof *c);
    if (!c) return NULL;
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->a = a;
    c->b = b;
    return c;
}

static struct ward_sigma_cond *ref(struct cparser *p, size_t i)
{
    struct ward_sigma_cond *c = node(p, WARD_SC_REF, NULL, NULL);
    if (c) c->ref = (uint32_t)i;
    return c;
}

/* '*' matches any run, '?' one character; case-sensitive like detection names */
static int name_match(const char *pat, size_t plen, const char *s)
{
    size_t pi = 0, si = 0, star = (size_t)-1, mark = 0, slen = strlen(s);
    while (si < slen) {
        if (pi < plen && (pat[pi] == '?' || pat[pi] == s[si])) {
            pi++;
            si++;
        } else if (pi < plen && pat[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return 0;
        }
    }
    while (pi < plen && pat[pi] == '*') pi++;
    return pi == plen;
}

static int parse_expr(struct cparser *p, struct ward_sigma_cond **out);

#define OOM()                                                                                      \
    do {                                                                                           \
        snprintf(p->reason, p->rsz, "out of memory");                                              \
        return WARD_ENOMEM;                                                                        \
    } while (0)

/* Builds "k of the matching detections": k == 0 means all. */
static int quantified(struct cparser *p, size_t k, const char *pat, size_t plen, int them,
                      size_t col, struct ward_sigma_cond **out)
{
    size_t *idx = malloc((p->ndets + 1) * sizeof *idx);
    if (!idx) OOM();
    size_t n = 0;
    for (size_t i = 0; i < p->ndets; i++) {
        const char *name = p->dets[i].name;
        if (them ? name[0] != '_' : name_match(pat, plen, name)) idx[n++] = i;
    }
    if (n == 0) {
        free(idx);
        if (them) return cerr(p, col, "'them' refers to no search identifier");
        return cerr(p, col, "'%.*s' matches no search identifier", CUT(plen), pat);
    }
    if (k > n) {
        free(idx);
        return cerr(p, col, "%zu of: only %zu search identifiers match", k, n);
    }
    struct ward_sigma_cond *res = NULL;
    if (k == 0 || k == n || k == 1) {
        uint8_t op = (k == 1 && n > 1) ? WARD_SC_OR : WARD_SC_AND;
        for (size_t i = 0; i < n; i++) {
            struct ward_sigma_cond *r = ref(p, idx[i]);
            if (!r || (res && !(r = node(p, op, res, r)))) {
                free(idx);
                OOM();
            }
            res = r;
        }
    } else {
        /* k of n: OR over every k-combination of ANDs (bounded) */
        size_t comb[64];
        if (k > 64) {
            free(idx);
            return cerr(p, col, "'N of' with N above 64");
        }
        for (size_t i = 0; i < k; i++) comb[i] = i;
        size_t count = 0;
        for (;;) {
            if (++count > 4096) {
                free(idx);
                return cerr(p, col, "'N of' expands to more than 4096 combinations");
            }
            struct ward_sigma_cond *conj = NULL;
            for (size_t i = 0; i < k; i++) {
                struct ward_sigma_cond *r = ref(p, idx[comb[i]]);
                if (!r || (conj && !(r = node(p, WARD_SC_AND, conj, r)))) {
                    free(idx);
                    OOM();
                }
                conj = r;
            }
            if (res && !(conj = node(p, WARD_SC_OR, res, conj))) {
                free(idx);
                OOM();
            }
            res = conj;
            size_t i = k;
            while (i > 0 && comb[i - 1] == n - k + i - 1) i--;
            if (i == 0) break;
            comb[i - 1]++;
            for (size_t j = i; j < k; j++) comb[j] = comb[j - 1] + 1;
        }
    }
    free(idx);
    *out = res;
    return 0;
}

static int parse_primary(struct cparser *p, struct ward_sigma_cond **out)
{
    if (p->tok == T_LP) {
        size_t col = p->tcol;
        if (next(p)) return SIGMA_REJECT;
        int rc = parse_expr(p, out);
        if (rc) return rc;
        if (p->tok != T_RP) return cerr(p, col, "'(' is not closed");
        return next(p);
    }
    if (p->tok == T_NUM || p->tok == T_ALL || p->tok == T_ANY) {
        size_t col = p->tcol;
        size_t k = 0;
        if (p->tok == T_NUM) {
            if (p->tlen > 6)
                return cerr(p, col, "number '%.*s' too large", CUT(p->tlen), p->tstart);
            k = (size_t)strtoul(p->tstart, NULL, 10);
            if (k == 0) return cerr(p, col, "'0 of' is not allowed");
        } else if (p->tok == T_ANY) {
            k = 1;
        }
        if (next(p)) return SIGMA_REJECT;
        if (p->tok != T_OF) return cerr(p, p->tcol, "expected 'of'");
        if (next(p)) return SIGMA_REJECT;
        if (p->tok == T_THEM) {
            size_t tc = p->tcol;
            if (next(p)) return SIGMA_REJECT;
            return quantified(p, k, NULL, 0, 1, tc, out);
        }
        if (p->tok != T_IDENT && p->tok != T_NUM)
            return cerr(p, p->tcol, "expected a search identifier pattern or 'them' after 'of'");
        const char *pat = p->tstart;
        size_t plen = p->tlen, pc = p->tcol;
        if (next(p)) return SIGMA_REJECT;
        return quantified(p, k, pat, plen, 0, pc, out);
    }
    if (p->tok == T_IDENT || p->tok == T_THEM) {
        for (size_t i = 0; i < p->ndets; i++) {
            if (strlen(p->dets[i].name) == p->tlen &&
                memcmp(p->dets[i].name, p->tstart, p->tlen) == 0) {
                if (!(*out = ref(p, i))) OOM();
                return next(p);
            }
        }
        if (memchr(p->tstart, '*', p->tlen))
            return cerr(p, p->tcol, "pattern '%.*s' needs '1 of' or 'all of'", CUT(p->tlen),
                        p->tstart);
        return cerr(p, p->tcol, "unknown search identifier '%.*s'", CUT(p->tlen), p->tstart);
    }
    if (p->tok == T_END) return cerr(p, p->tcol, "unexpected end");
    return cerr(p, p->tcol, "unexpected '%.*s'", CUT(p->tlen), p->tstart);
}

static int parse_not(struct cparser *p, struct ward_sigma_cond **out)
{
    if (p->tok == T_NOT) {
        if (++p->depth > SIGMA_MAX_COND_DEPTH) return cerr(p, p->tcol, "nested deeper than 64");
        if (next(p)) return SIGMA_REJECT;
        struct ward_sigma_cond *a;
        int rc = parse_not(p, &a);
        p->depth--;
        if (rc) return rc;
        if (!(*out = node(p, WARD_SC_NOT, a, NULL))) OOM();
        return 0;
    }
    return parse_primary(p, out);
}

static int parse_and(struct cparser *p, struct ward_sigma_cond **out)
{
    int rc = parse_not(p, out);
    while (rc == 0 && p->tok == T_AND) {
        struct ward_sigma_cond *b;
        if (next(p)) return SIGMA_REJECT;
        if ((rc = parse_not(p, &b))) return rc;
        if (!(*out = node(p, WARD_SC_AND, *out, b))) OOM();
    }
    return rc;
}

static int parse_expr(struct cparser *p, struct ward_sigma_cond **out)
{
    if (++p->depth > SIGMA_MAX_COND_DEPTH) return cerr(p, p->tcol, "nested deeper than 64");
    int rc = parse_and(p, out);
    while (rc == 0 && p->tok == T_OR) {
        struct ward_sigma_cond *b;
        if (next(p)) return SIGMA_REJECT;
        if ((rc = parse_and(p, &b))) return rc;
        if (!(*out = node(p, WARD_SC_OR, *out, b))) OOM();
    }
    p->depth--;
    return rc;
}

int sigma_cond_parse(struct ward_arena *a, const char *text,
                     const struct ward_sigma_detection *dets, size_t ndets,
                     struct ward_sigma_cond **out, char *reason, size_t rsz)
{
    struct cparser p = {0};
    p.a = a;
    p.text = text;
    p.dets = dets;
    p.ndets = ndets;
    p.reason = reason;
    p.rsz = rsz;
    *out = NULL;
    if (next(&p)) return SIGMA_REJECT;
    if (p.tok == T_END) {
        snprintf(reason, rsz, "condition: empty");
        return SIGMA_REJECT;
    }
    int rc = parse_expr(&p, out);
    if (rc) return rc;
    if (p.tok != T_END) {
        if (p.tok == T_RP) return cerr(&p, p.tcol, "')' without '('");
        return cerr(&p, p.tcol, "expected 'and', 'or' or the end, not '%.*s'", CUT(p.tlen),
                    p.tstart);
    }
    return 0;
}
