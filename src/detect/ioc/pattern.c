/*
 * pattern.c - the STIX 2.1 pattern language: a recursive-descent parser of the whole
 * grammar (observation expressions with AND, OR, FOLLOWEDBY and qualifiers, comparison
 * expressions with AND, OR, NOT and every operator, all literal forms) that reduces a
 * pattern to the comparisons ward can match.
 *
 * What ward matches is a disjunction: OR of observations, OR of comparisons inside one, each
 * comparison `object:path = 'value'` (or IN a set, or ISSUBSET 'cidr' for addresses) on a
 * supported path. Every other construct is parsed (so syntax errors are told apart) and the
 * comparisons under it are marked unsupported with the reason. Loading only the supported
 * alternatives of an OR is sound: each of them alone satisfies the pattern.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioc_pattern.h"

#define MAX_DEPTH 64
#define MAX_LEAVES 100000

enum tok {
    T_EOF,
    T_LBRACK,
    T_RBRACK,
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_COLON,
    T_DOT,
    T_STAR,
    T_OP, /* = == != <> < <= > >= */
    T_STRING,
    T_HEX,
    T_BIN,
    T_TIME,
    T_NUM,
    T_IDENT,
    T_BAD,
};

struct parser {
    const char *s;
    size_t n, pos;
    /* current token */
    enum tok t;
    size_t tstart, tlen;
    int depth;
    struct ioc_pattern *out;
};

static int is_ws(const char *s, size_t n, size_t i, size_t *len)
{
    unsigned char c = (unsigned char)s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0x0b || c == 0x0c) {
        *len = 1;
        return 1;
    }
    /* U+00A0 and U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, U+0085, U+1680 */
    if (c == 0xc2 && i + 1 < n &&
        ((unsigned char)s[i + 1] == 0xa0 || (unsigned char)s[i + 1] == 0x85)) {
        *len = 2;
        return 1;
    }
    if (c == 0xe2 && i + 2 < n) {
        unsigned char c1 = (unsigned char)s[i + 1], c2 = (unsigned char)s[i + 2];
        if ((c1 == 0x80 && (c2 <= 0x8a || c2 == 0xa8 || c2 == 0xa9 || c2 == 0xaf)) ||
            (c1 == 0x81 && c2 == 0x9f)) {
            *len = 3;
            return 1;
        }
    }
    if (c == 0xe3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
        (unsigned char)s[i + 2] == 0x80) {
        *len = 3;
        return 1;
    }
    if (c == 0xe1 && i + 2 < n && (unsigned char)s[i + 1] == 0x9a &&
        (unsigned char)s[i + 2] == 0x80) {
        *len = 3;
        return 1;
    }
    return 0;
}

static int syntax(struct parser *p, const char *what)
{
    if (!p->out->error[0])
        snprintf(p->out->error, sizeof p->out->error, "at offset %zu: %s", p->tstart, what);
    p->out->error_pos = p->tstart;
    return -1;
}

static int is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
static int is_ident(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* Scans a quoted literal starting at the quote at p->pos; sets the end. */
static int scan_quoted(struct parser *p, size_t q)
{
    size_t i = q + 1;
    while (i < p->n) {
        if (p->s[i] == '\\') {
            if (i + 1 < p->n && (p->s[i + 1] == '\'' || p->s[i + 1] == '\\')) {
                i += 2;
                continue;
            }
            return -1; /* only \' and \\ are escapes */
        }
        if (p->s[i] == '\'') {
            p->pos = i + 1;
            return 0;
        }
        i++;
    }
    return -1;
}

static void next(struct parser *p)
{
    for (;;) {
        size_t wl;
        if (p->pos < p->n && is_ws(p->s, p->n, p->pos, &wl)) {
            p->pos += wl;
            continue;
        }
        if (p->pos + 1 < p->n && p->s[p->pos] == '/' && p->s[p->pos + 1] == '*') {
            const char *e = NULL;
            for (size_t i = p->pos + 2; i + 1 < p->n; i++)
                if (p->s[i] == '*' && p->s[i + 1] == '/') {
                    e = p->s + i;
                    break;
                }
            if (!e) {
                p->tstart = p->pos;
                p->t = T_BAD;
                return;
            }
            p->pos = (size_t)(e - p->s) + 2;
            continue;
        }
        if (p->pos + 1 < p->n && p->s[p->pos] == '/' && p->s[p->pos + 1] == '/') {
            while (p->pos < p->n && p->s[p->pos] != '\n' && p->s[p->pos] != '\r') p->pos++;
            continue;
        }
        break;
    }
    p->tstart = p->pos;
    if (p->pos >= p->n) {
        p->t = T_EOF;
        p->tlen = 0;
        return;
    }
    const char *s = p->s;
    unsigned char c = (unsigned char)s[p->pos];
    p->t = T_BAD;
    switch (c) {
    case '[':
        p->t = T_LBRACK;
        p->pos++;
        break;
    case ']':
        p->t = T_RBRACK;
        p->pos++;
        break;
    case '(':
        p->t = T_LPAREN;
        p->pos++;
        break;
    case ')':
        p->t = T_RPAREN;
        p->pos++;
        break;
    case ',':
        p->t = T_COMMA;
        p->pos++;
        break;
    case ':':
        p->t = T_COLON;
        p->pos++;
        break;
    case '*':
        p->t = T_STAR;
        p->pos++;
        break;
    case '=':
        p->t = T_OP;
        p->pos += (p->pos + 1 < p->n && s[p->pos + 1] == '=') ? 2 : 1;
        break;
    case '!':
        if (p->pos + 1 < p->n && s[p->pos + 1] == '=') p->t = T_OP, p->pos += 2;
        break;
    case '<':
        p->t = T_OP;
        p->pos += (p->pos + 1 < p->n && (s[p->pos + 1] == '=' || s[p->pos + 1] == '>')) ? 2 : 1;
        break;
    case '>':
        p->t = T_OP;
        p->pos += (p->pos + 1 < p->n && s[p->pos + 1] == '=') ? 2 : 1;
        break;
    case '\'':
        if (scan_quoted(p, p->pos) == 0) p->t = T_STRING;
        break;
    default:
        if ((c == 'h' || c == 'b' || c == 't') && p->pos + 1 < p->n && s[p->pos + 1] == '\'') {
            if (scan_quoted(p, p->pos + 1) == 0)
                p->t = c == 'h' ? T_HEX : c == 'b' ? T_BIN : T_TIME;
        } else if (is_ident_start(c)) {
            while (p->pos < p->n && is_ident((unsigned char)s[p->pos])) p->pos++;
            p->t = T_IDENT;
        } else if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
            size_t i = p->pos;
            if (s[i] == '+' || s[i] == '-') i++;
            size_t d0 = i;
            while (i < p->n && s[i] >= '0' && s[i] <= '9') i++;
            int digits = i > d0;
            if (i < p->n && s[i] == '.' && i + 1 < p->n && s[i + 1] >= '0' && s[i + 1] <= '9') {
                i++;
                while (i < p->n && s[i] >= '0' && s[i] <= '9') i++;
                digits = 1;
            }
            if (digits) {
                p->t = T_NUM;
                p->pos = i;
            } else if (c == '.') {
                p->t = T_DOT;
                p->pos++;
            }
        }
        break;
    }
    p->tlen = p->pos - p->tstart;
}

static int is_kw(const struct parser *p, const char *kw)
{
    return p->t == T_IDENT && p->tlen == strlen(kw) && memcmp(p->s + p->tstart, kw, p->tlen) == 0;
}

/* ---- leaves ---------------------------------------------------------------------------- */

static int add_leaf(struct parser *p, struct ioc_pattern_leaf *l)
{
    struct ioc_pattern *o = p->out;
    if (o->n >= MAX_LEAVES) return syntax(p, "too many comparisons");
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 8;
        struct ioc_pattern_leaf *nl = realloc(o->leaves, nc * sizeof *nl);
        if (!nl) return syntax(p, "out of memory");
        o->leaves = nl;
        o->cap = nc;
    }
    o->leaves[o->n++] = *l;
    return 0;
}

/* Marks leaves [from, n) unsupported with reason: the structure (AND, FOLLOWEDBY, a
 * qualifier) is what stops them, so it replaces a reason about the comparison itself. */
static void mark(struct parser *p, size_t from, const char *reason)
{
    for (size_t i = from; i < p->out->n; i++) {
        p->out->leaves[i].reason = reason;
        p->out->leaves[i].type = -1;
    }
}

/* ---- comparison expressions ------------------------------------------------------------ */

static const struct {
    const char *path;
    int type;
} supported_paths[] = {
    {"ipv4-addr:value", WARD_IOC_IPV4},
    {"ipv6-addr:value", WARD_IOC_IPV6},
    {"domain-name:value", WARD_IOC_DOMAIN},
    {"url:value", WARD_IOC_URL},
    {"email-addr:value", WARD_IOC_EMAIL},
    {"file:hashes.md5", WARD_IOC_MD5},
    {"file:hashes.sha-1", WARD_IOC_SHA1},
    {"file:hashes.sha1", WARD_IOC_SHA1},
    {"file:hashes.sha-256", WARD_IOC_SHA256},
    {"file:hashes.sha256", WARD_IOC_SHA256},
    {"file:hashes.sha-512", WARD_IOC_SHA512},
    {"file:hashes.sha512", WARD_IOC_SHA512},
    /* references to addresses and senders: the referenced object's value */
    {"network-traffic:dst_ref.value", IOC_TYPE_ADDR},
    {"network-traffic:src_ref.value", IOC_TYPE_ADDR},
    {"email-message:from_ref.value", WARD_IOC_EMAIL},
    {"email-message:sender_ref.value", WARD_IOC_EMAIL},
};

/* Parses an object path into path (lower-cased, quotes removed). */
static int object_path(struct parser *p, char *path, size_t cap)
{
    size_t len = 0;
    if (p->t != T_IDENT) return syntax(p, "expected an object type (ipv4-addr, file ...)");
    if (p->tlen + 2 >= cap) return syntax(p, "object path too long");
    for (size_t i = 0; i < p->tlen; i++)
        path[len++] = (char)ward_lower((unsigned char)p->s[p->tstart + i]);
    next(p);
    if (p->t != T_COLON) return syntax(p, "expected ':' after the object type");
    path[len++] = ':';
    next(p);
    int first = 1;
    for (;;) {
        if (first || p->t == T_DOT) {
            if (!first) next(p);
            const char *comp;
            size_t clen;
            if (p->t == T_IDENT) {
                comp = p->s + p->tstart;
                clen = p->tlen;
            } else if (p->t == T_STRING) {
                comp = p->s + p->tstart + 1;
                clen = p->tlen - 2;
            } else {
                return syntax(p, first ? "expected a property name after ':'"
                                       : "expected a property name after '.'");
            }
            if (len + clen + 2 >= cap) return syntax(p, "object path too long");
            if (!first) path[len++] = '.';
            for (size_t i = 0; i < clen; i++)
                path[len++] = (char)ward_lower((unsigned char)comp[i]);
            first = 0;
            next(p);
        } else if (p->t == T_LBRACK) {
            next(p);
            if (p->t != T_NUM && p->t != T_STAR) return syntax(p, "expected an index or '*'");
            if (len + p->tlen + 3 >= cap) return syntax(p, "object path too long");
            path[len++] = '[';
            memcpy(path + len, p->s + p->tstart, p->tlen);
            len += p->tlen;
            path[len++] = ']';
            next(p);
            if (p->t != T_RBRACK) return syntax(p, "expected ']' after the index");
            next(p);
        } else {
            break;
        }
    }
    path[len] = 0;
    return 0;
}

static int literal_token(enum tok t)
{
    return t == T_STRING || t == T_HEX || t == T_BIN || t == T_TIME || t == T_NUM;
}

/* Unescapes a string literal token into a fresh allocation owned by out. */
static char *string_value(struct parser *p, size_t *len)
{
    const char *s = p->s + p->tstart + 1;
    size_t n = p->tlen - 2;
    char *v = ward_arena_alloc(&p->out->arena, n + 1);
    if (!v) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) i++;
        v[o++] = s[i];
    }
    v[o] = 0;
    *len = o;
    return v;
}

static int time_literal_ok(const char *s, size_t n)
{
    /* t'YYYY-MM-DDTHH:MM:SS(.f+)?Z' */
    if (n < 20) return 0;
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return 0;
    int mo = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    int h = (s[11] - '0') * 10 + (s[12] - '0'), mi = (s[14] - '0') * 10 + (s[15] - '0');
    int se = (s[17] - '0') * 10 + (s[18] - '0');
    const int idx[] = {5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (int k = 0; k < 10; k++)
        if (s[idx[k]] < '0' || s[idx[k]] > '9') return 0;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return 0;
    size_t i = 19;
    if (s[i] == '.') {
        i++;
        size_t d0 = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d0) return 0;
    }
    return i + 1 == n && s[i] == 'Z';
}

static int b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

static int check_literal(struct parser *p)
{
    if (p->t == T_BIN) {
        const char *b = p->s + p->tstart + 2;
        size_t n = p->tlen - 3;
        if (n == 0 || n % 4) return syntax(p, "binary literal is not base64");
        for (size_t i = 0; i < n; i++) {
            int pad_ok =
                (i == n - 1 && b64(b[n - 2])) || (i == n - 2 && b[n - 1] == '=' && b64(b[n - 3]));
            if (!b64(b[i]) && !(b[i] == '=' && pad_ok && n >= 4))
                return syntax(p, "binary literal is not base64");
        }
    }
    if (p->t == T_TIME && !time_literal_ok(p->s + p->tstart + 2, p->tlen - 3))
        return syntax(p, "bad timestamp literal (t'YYYY-MM-DDTHH:MM:SSZ')");
    if (p->t == T_HEX) {
        size_t n = p->tlen - 3;
        if (n % 2) return syntax(p, "hex literal with an odd number of digits");
        for (size_t i = 0; i < n; i++) {
            char c = p->s[p->tstart + 2 + i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                return syntax(p, "hex literal with a non-hex digit");
        }
    }
    return 0;
}

static int prop_test(struct parser *p);
static int cmp_or(struct parser *p);

/* file:hashes.<algorithm> compared with a value that cannot be such a digest */
static int hash_value_bad(const char *path, const char *v, size_t n)
{
    static const struct {
        const char *path;
        size_t hex;
    } algos[] = {
        {"file:hashes.md5", 32},     {"file:hashes.sha-1", 40},    {"file:hashes.sha1", 40},
        {"file:hashes.sha-256", 64}, {"file:hashes.sha256", 64},   {"file:hashes.sha-512", 128},
        {"file:hashes.sha512", 128}, {"file:hashes.sha3-256", 64}, {"file:hashes.sha3-512", 128},
    };
    for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++) {
        if (strcmp(path, algos[i].path) != 0) continue;
        if (n != algos[i].hex) return 1;
        for (size_t k = 0; k < n; k++) {
            char c = v[k];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                return 1;
        }
    }
    return 0;
}

static int prop_test(struct parser *p)
{
    if (p->t == T_LPAREN) {
        if (++p->depth > MAX_DEPTH) return syntax(p, "nested too deeply");
        next(p);
        if (cmp_or(p)) return -1;
        if (p->t != T_RPAREN) return syntax(p, "expected ')'");
        next(p);
        p->depth--;
        return 0;
    }
    int negated = 0;
    if (is_kw(p, "NOT")) {
        negated = 1;
        next(p);
    }
    if (is_kw(p, "EXISTS")) {
        next(p);
        char path[256];
        if (object_path(p, path, sizeof path)) return -1;
        struct ioc_pattern_leaf l = {-1, NULL, 0, NULL, "EXISTS tests are not supported"};
        l.path = ward_arena_strdup(&p->out->arena, path);
        return add_leaf(p, &l);
    }
    char path[256];
    if (object_path(p, path, sizeof path)) return -1;
    if (is_kw(p, "NOT")) {
        negated = 1;
        next(p);
    }
    int type = -1;
    for (size_t i = 0; i < sizeof supported_paths / sizeof supported_paths[0]; i++)
        if (strcmp(path, supported_paths[i].path) == 0) type = supported_paths[i].type;
    struct ioc_pattern_leaf l = {type, NULL, 0, NULL, NULL};
    l.path = ward_arena_strdup(&p->out->arena, path);
    if (!l.path) return syntax(p, "out of memory");
    const char *unsupported_path = type < 0 ? "the object path is not one ward matches (ipv4-addr, "
                                              "ipv6-addr, domain-name, url, email-addr :value, "
                                              "file:hashes)"
                                            : NULL;
    if (p->t == T_OP) {
        char op[3] = {0};
        memcpy(op, p->s + p->tstart, p->tlen < 2 ? p->tlen : 2);
        next(p);
        int is_eq = strcmp(op, "=") == 0 || strcmp(op, "==") == 0;
        int is_ne = strcmp(op, "!=") == 0 || strcmp(op, "<>") == 0;
        if (!literal_token(p->t) && !is_kw(p, "true") && !is_kw(p, "false"))
            return syntax(p, "expected a literal after the operator");
        if (!is_eq && !is_ne &&
            (p->t != T_STRING && p->t != T_NUM && p->t != T_TIME && p->t != T_HEX && p->t != T_BIN))
            return syntax(p, "ordering comparison needs an orderable literal");
        if (check_literal(p)) return -1;
        if (p->t == T_STRING) l.value = string_value(p, &l.vlen);
        if (l.value && hash_value_bad(path, l.value, l.vlen))
            return syntax(p, "invalid hash value for its algorithm");
        next(p);
        if (negated)
            l.reason = "negated comparisons (NOT) are not supported";
        else if (!is_eq)
            l.reason = is_ne ? "'!=' comparisons are not supported"
                             : "ordering comparisons (<, >, <=, >=) are not supported";
        else if (unsupported_path)
            l.reason = unsupported_path;
        else if (!l.value)
            l.reason = "the compared value is not a string literal";
        if (l.reason) l.type = -1;
        return add_leaf(p, &l);
    }
    if (is_kw(p, "IN")) {
        next(p);
        if (p->t != T_LPAREN) return syntax(p, "expected '(' after IN");
        next(p);
        int count = 0;
        while (p->t != T_RPAREN) {
            if (count && p->t != T_COMMA) return syntax(p, "expected ',' or ')' in the set");
            if (count) next(p);
            if (!literal_token(p->t) && !is_kw(p, "true") && !is_kw(p, "false"))
                return syntax(p, "expected a literal in the set");
            if (check_literal(p)) return -1;
            struct ioc_pattern_leaf e = l;
            if (p->t == T_STRING) e.value = string_value(p, &e.vlen);
            next(p);
            if (negated)
                e.reason = "negated comparisons (NOT IN) are not supported";
            else if (unsupported_path)
                e.reason = unsupported_path;
            else if (!e.value)
                e.reason = "the compared value is not a string literal";
            if (e.reason) e.type = -1;
            if (add_leaf(p, &e)) return -1;
            count++;
        }
        next(p);
        if (count == 0) {
            struct ioc_pattern_leaf e = l;
            e.type = -1;
            e.reason = "an empty IN set matches nothing";
            return add_leaf(p, &e);
        }
        return 0;
    }
    const char *kws[] = {"LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"};
    for (int k = 0; k < 4; k++) {
        if (!is_kw(p, kws[k])) continue;
        next(p);
        if (p->t != T_STRING) return syntax(p, "expected a string literal");
        l.value = string_value(p, &l.vlen);
        next(p);
        if (negated)
            l.reason = "negated comparisons (NOT) are not supported";
        else if (k == 0)
            l.reason = "LIKE comparisons are not supported";
        else if (k == 1)
            l.reason = "MATCHES (regular expression) comparisons are not supported";
        else if (k == 3)
            l.reason = "ISSUPERSET comparisons are not supported";
        else if (type != WARD_IOC_IPV4 && type != WARD_IOC_IPV6 && type != IOC_TYPE_ADDR)
            l.reason = "ISSUBSET is supported on addresses only";
        if (l.reason) l.type = -1;
        return add_leaf(p, &l);
    }
    return syntax(p, "expected a comparison operator");
}

static int cmp_and(struct parser *p)
{
    size_t from = p->out->n;
    if (prop_test(p)) return -1;
    int ands = 0;
    while (is_kw(p, "AND")) {
        next(p);
        if (prop_test(p)) return -1;
        ands = 1;
    }
    if (ands) mark(p, from, "AND of comparisons is not supported (only OR)");
    return 0;
}

static int cmp_or(struct parser *p)
{
    if (cmp_and(p)) return -1;
    while (is_kw(p, "OR")) {
        next(p);
        if (cmp_and(p)) return -1;
    }
    return 0;
}

/* ---- observation expressions ----------------------------------------------------------- */

static int obs_followed(struct parser *p);

static int obs_primary(struct parser *p)
{
    size_t from = p->out->n;
    int simple = p->t == T_LBRACK;
    if (p->t == T_LBRACK) {
        next(p);
        if (cmp_or(p)) return -1;
        if (p->t != T_RBRACK) return syntax(p, "expected ']' or a boolean operator");
        next(p);
    } else if (p->t == T_LPAREN) {
        if (++p->depth > MAX_DEPTH) return syntax(p, "nested too deeply");
        next(p);
        if (obs_followed(p)) return -1;
        if (p->t != T_RPAREN) return syntax(p, "expected ')'");
        next(p);
        p->depth--;
    } else {
        return syntax(p, "expected '[' (an observation) or '('");
    }
    /* qualifiers: each kind at most once on a simple observation (as the OASIS validator
     * has it; a parenthesised one may be qualified again) */
    int seen_start = 0, seen_within = 0, seen_repeats = 0;
    for (;;) {
        if (simple &&
            ((is_kw(p, "START") && seen_start++) || (is_kw(p, "WITHIN") && seen_within++) ||
             (is_kw(p, "REPEATS") && seen_repeats++)))
            return syntax(p, "the same qualifier twice on one observation");
        if (is_kw(p, "START")) {
            next(p);
            if (p->t != T_TIME || check_literal(p))
                return syntax(p, "expected a timestamp after START");
            next(p);
            if (!is_kw(p, "STOP")) return syntax(p, "expected STOP");
            next(p);
            if (p->t != T_TIME || check_literal(p))
                return syntax(p, "expected a timestamp after STOP");
            next(p);
            mark(p, from, "START/STOP qualifiers are not supported");
        } else if (is_kw(p, "WITHIN")) {
            next(p);
            if (p->t != T_NUM || p->s[p->tstart] == '-')
                return syntax(p, "expected a positive number after WITHIN");
            next(p);
            if (!is_kw(p, "SECONDS")) return syntax(p, "expected SECONDS");
            next(p);
            mark(p, from, "WITHIN qualifiers are not supported");
        } else if (is_kw(p, "REPEATS")) {
            next(p);
            if (p->t != T_NUM || p->s[p->tstart] == '-' || memchr(p->s + p->tstart, '.', p->tlen))
                return syntax(p, "expected a positive integer after REPEATS");
            next(p);
            if (!is_kw(p, "TIMES")) return syntax(p, "expected TIMES");
            next(p);
            mark(p, from, "REPEATS qualifiers are not supported");
        } else {
            break;
        }
    }
    return 0;
}

static int obs_and(struct parser *p)
{
    size_t from = p->out->n;
    if (obs_primary(p)) return -1;
    int ands = 0;
    while (is_kw(p, "AND")) {
        next(p);
        if (obs_primary(p)) return -1;
        ands = 1;
    }
    if (ands) mark(p, from, "AND of observations is not supported (only OR)");
    return 0;
}

static int obs_or(struct parser *p)
{
    if (obs_and(p)) return -1;
    while (is_kw(p, "OR")) {
        next(p);
        if (obs_and(p)) return -1;
    }
    return 0;
}

static int obs_followed(struct parser *p)
{
    size_t from = p->out->n;
    if (obs_or(p)) return -1;
    int fb = 0;
    while (is_kw(p, "FOLLOWEDBY")) {
        next(p);
        if (obs_or(p)) return -1;
        fb = 1;
    }
    if (fb) mark(p, from, "FOLLOWEDBY sequences are not supported");
    return 0;
}

int ioc_pattern_parse(const char *s, size_t n, struct ioc_pattern *out)
{
    memset(out, 0, sizeof *out);
    ward_arena_init(&out->arena, 4096, 0);
    struct parser p = {0};
    p.s = s;
    p.n = n;
    p.out = out;
    next(&p);
    if (obs_followed(&p)) return WARD_ESYNTAX;
    if (p.t != T_EOF) {
        syntax(&p, "unexpected text after the pattern");
        return WARD_ESYNTAX;
    }
    return 0;
}

void ioc_pattern_free(struct ioc_pattern *p)
{
    if (!p) return;
    free(p->leaves);
    ward_arena_free(&p->arena);
    memset(p, 0, sizeof *p);
}
