/*
 * value.c - Sigma values and modifiers: turns one written value and its modifier chain
 * into the pattern alternatives of struct ward_sigma_value (see sigma.h).
 *
 * Strings go through a small pipeline of "sigma strings" (bytes, each marked literal, '*'
 * or '?'): escapes are resolved first (a backslash escapes only '*', '?' and itself; any
 * other backslash is literal), |expand substitutes placeholders, then the transformation
 * modifiers run in the order written (contains/startswith/endswith add wildcards, windash
 * multiplies dashes, base64/base64offset/utf16* re-encode). Type modifiers (re, cidr, lt..,
 * exists, fieldref, minute..year) produce a single pattern of their kind.
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "detect/sigma/sigma_int.h"

const struct sigma_mod_row sigma_mod_table[] = {
    {"contains", SM_CONTAINS, "the value anywhere in the field"},
    {"startswith", SM_STARTSWITH, "the field starts with the value"},
    {"endswith", SM_ENDSWITH, "the field ends with the value"},
    {"all", SM_ALL, "every value must match (AND)"},
    {"exists", SM_EXISTS, "the field is present (true) or absent (false)"},
    {"cased", SM_CASED, "case-sensitive match"},
    {"neq", SM_NEQ, "the field differs from every value"},
    {"windash", SM_WINDASH, "a leading - or / also matches /, -, en/em dash, horizontal bar"},
    {"re", SM_RE, "regular expression (PCRE2)"},
    {"i", SM_RE_I, "re: case-insensitive"},
    {"m", SM_RE_M, "re: multi-line (^ and $ at line ends)"},
    {"s", SM_RE_S, "re: dot matches newline"},
    {"base64", SM_BASE64, "the value base64-encoded"},
    {"base64offset", SM_BASE64OFFSET, "the value base64-encoded at any of the 3 offsets"},
    {"utf16le", SM_UTF16LE, "the value as UTF-16LE"},
    {"utf16be", SM_UTF16BE, "the value as UTF-16BE"},
    {"utf16", SM_UTF16, "the value as UTF-16LE with a byte order mark"},
    {"wide", SM_WIDE, "alias of utf16le"},
    {"lt", SM_LT, "numeric: less than"},
    {"lte", SM_LTE, "numeric: less or equal"},
    {"gt", SM_GT, "numeric: greater than"},
    {"gte", SM_GTE, "numeric: greater or equal"},
    {"minute", SM_MINUTE, "time: the minute (0-59) of a timestamp field"},
    {"hour", SM_HOUR, "time: the hour (0-23)"},
    {"day", SM_DAY, "time: the day of the month (1-31)"},
    {"week", SM_WEEK, "time: the ISO week (1-53)"},
    {"month", SM_MONTH, "time: the month (1-12)"},
    {"year", SM_YEAR, "time: the year"},
    {"cidr", SM_CIDR, "the field is an IP address inside the network (IPv4, IPv6)"},
    {"expand", SM_EXPAND, "%placeholder% values from the placeholders file"},
    {"fieldref", SM_FIELDREF, "the value names another field to compare with"},
    {NULL, SM_COUNT, NULL},
};

int sigma_mod_find(const char *name, size_t n)
{
    for (size_t i = 0; sigma_mod_table[i].name; i++)
        if (strlen(sigma_mod_table[i].name) == n && memcmp(sigma_mod_table[i].name, name, n) == 0)
            return (int)sigma_mod_table[i].id;
    return -1;
}

static const char *mod_name(enum sigma_mod m)
{
    for (size_t i = 0; sigma_mod_table[i].name; i++)
        if (sigma_mod_table[i].id == m) return sigma_mod_table[i].name;
    return "?";
}

int sigma_chain_parse(const char *text, struct sigma_chain *chain, char *reason, size_t rsz)
{
    memset(chain, 0, sizeof *chain);
    const char *p = text;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == 0) {
            snprintf(reason, rsz, "empty modifier in '%s'", text);
            return SIGMA_REJECT;
        }
        int m = sigma_mod_find(p, n);
        if (m < 0) {
            snprintf(reason, rsz, "unknown modifier '%.*s'", (int)(n > 64 ? 64 : n), p);
            return SIGMA_REJECT;
        }
        if (chain->n == SIGMA_MAX_MODS) {
            snprintf(reason, rsz, "more than %d modifiers", SIGMA_MAX_MODS);
            return SIGMA_REJECT;
        }
        chain->mods[chain->n++] = (enum sigma_mod)m;
        chain->seen |= 1u << m;
        p += n;
        if (*p == '|') p++;
    }
    return 0;
}

#define HAS(c, m) (((c)->seen >> (m)) & 1u)

/* modifiers that decide the pattern kind */
static const enum sigma_mod type_mods[] = {SM_RE,  SM_CIDR,   SM_LT,       SM_LTE,    SM_GT,
                                           SM_GTE, SM_EXISTS, SM_FIELDREF, SM_MINUTE, SM_HOUR,
                                           SM_DAY, SM_WEEK,   SM_MONTH,    SM_YEAR};
/* modifiers that rewrite the string */
static const enum sigma_mod string_mods[] = {SM_CONTAINS, SM_STARTSWITH,   SM_ENDSWITH, SM_WINDASH,
                                             SM_BASE64,   SM_BASE64OFFSET, SM_UTF16LE,  SM_UTF16BE,
                                             SM_UTF16,    SM_WIDE,         SM_EXPAND};

int sigma_chain_check(const struct sigma_chain *c, int keyword, char *reason, size_t rsz)
{
    int type = -1;
    for (size_t i = 0; i < sizeof type_mods / sizeof type_mods[0]; i++) {
        if (!HAS(c, type_mods[i])) continue;
        if (type >= 0) {
            snprintf(reason, rsz, "modifiers '%s' and '%s' cannot be combined",
                     mod_name((enum sigma_mod)type), mod_name(type_mods[i]));
            return SIGMA_REJECT;
        }
        type = (int)type_mods[i];
    }
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = i + 1; j < c->n; j++)
            if (c->mods[i] == c->mods[j]) {
                snprintf(reason, rsz, "modifier '%s' given twice", mod_name(c->mods[i]));
                return SIGMA_REJECT;
            }
    }
    if ((HAS(c, SM_RE_I) || HAS(c, SM_RE_M) || HAS(c, SM_RE_S)) && type != SM_RE) {
        snprintf(reason, rsz, "modifiers 'i', 'm' and 's' only apply after 're'");
        return SIGMA_REJECT;
    }
    int nstart = HAS(c, SM_CONTAINS) + HAS(c, SM_STARTSWITH) + HAS(c, SM_ENDSWITH);
    if (nstart > 1) {
        snprintf(reason, rsz, "only one of 'contains', 'startswith', 'endswith' may be given");
        return SIGMA_REJECT;
    }
    if (type >= 0 && type != SM_FIELDREF) {
        for (size_t i = 0; i < sizeof string_mods / sizeof string_mods[0]; i++)
            if (HAS(c, string_mods[i])) {
                snprintf(reason, rsz, "modifier '%s' cannot be combined with '%s'",
                         mod_name(string_mods[i]), mod_name((enum sigma_mod)type));
                return SIGMA_REJECT;
            }
    }
    if (type == SM_FIELDREF) {
        for (size_t i = 0; i < sizeof string_mods / sizeof string_mods[0]; i++) {
            enum sigma_mod m = string_mods[i];
            if (m == SM_CONTAINS || m == SM_STARTSWITH || m == SM_ENDSWITH) continue;
            if (HAS(c, m)) {
                snprintf(reason, rsz, "modifier '%s' cannot be combined with 'fieldref'",
                         mod_name(m));
                return SIGMA_REJECT;
            }
        }
    }
    if (type == SM_EXISTS && (HAS(c, SM_ALL) || HAS(c, SM_NEQ) || HAS(c, SM_CASED))) {
        snprintf(reason, rsz, "'exists' takes no other modifier");
        return SIGMA_REJECT;
    }
    if (keyword && (type == SM_EXISTS || type == SM_FIELDREF)) {
        snprintf(reason, rsz, "'%s' needs a field name", mod_name((enum sigma_mod)type));
        return SIGMA_REJECT;
    }
    /* the encodings need a literal string: they must come before contains & co. */
    int wrapped = 0;
    for (size_t i = 0; i < c->n; i++) {
        enum sigma_mod m = c->mods[i];
        if (m == SM_CONTAINS || m == SM_STARTSWITH || m == SM_ENDSWITH) wrapped = 1;
        if (wrapped && (m == SM_BASE64 || m == SM_BASE64OFFSET || m == SM_UTF16LE ||
                        m == SM_UTF16BE || m == SM_UTF16 || m == SM_WIDE)) {
            snprintf(reason, rsz,
                     "modifier '%s' after a wildcard modifier: it would encode the wildcards",
                     mod_name(m));
            return SIGMA_REJECT;
        }
    }
    return 0;
}

/* ---- sigma strings: bytes with wildcard marks ------------------------------------------ */

struct sstr {
    uint8_t *b;
    uint8_t *w; /* WARD_GLOB_* per byte */
    size_t n, cap;
};

struct salts {
    struct sstr *v;
    size_t n, cap;
};

static int ss_put(struct sstr *s, uint8_t c, uint8_t w)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 32;
        uint8_t *b = realloc(s->b, cap);
        if (!b) return WARD_ENOMEM;
        s->b = b;
        uint8_t *ww = realloc(s->w, cap);
        if (!ww) return WARD_ENOMEM;
        s->w = ww;
        s->cap = cap;
    }
    s->b[s->n] = c;
    s->w[s->n] = w;
    s->n++;
    return 0;
}

static int ss_append(struct sstr *s, const struct sstr *t, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (ss_put(s, t->b[i], t->w[i])) return WARD_ENOMEM;
    return 0;
}

static void ss_free(struct sstr *s)
{
    free(s->b);
    free(s->w);
    memset(s, 0, sizeof *s);
}

static void alts_free(struct salts *a)
{
    for (size_t i = 0; i < a->n; i++) ss_free(&a->v[i]);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* takes ownership of s */
static int alts_push(struct salts *a, struct sstr *s)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 4;
        struct sstr *v = realloc(a->v, cap * sizeof *v);
        if (!v) return WARD_ENOMEM;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = *s;
    memset(s, 0, sizeof *s);
    return 0;
}

/* Resolves Sigma escapes: "\*", "\?", "\\" are literal; other backslashes are literal. */
static int ss_from_text(struct sstr *s, const char *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\\' && i + 1 < n && (t[i + 1] == '*' || t[i + 1] == '?' || t[i + 1] == '\\')) {
            if (ss_put(s, (uint8_t)t[i + 1], WARD_GLOB_LIT)) return WARD_ENOMEM;
            i++;
        } else if (c == '*') {
            if (ss_put(s, '*', WARD_GLOB_STAR)) return WARD_ENOMEM;
        } else if (c == '?') {
            if (ss_put(s, '?', WARD_GLOB_ONE)) return WARD_ENOMEM;
        } else if (ss_put(s, c, WARD_GLOB_LIT)) {
            return WARD_ENOMEM;
        }
    }
    return 0;
}

static int ss_has_wild(const struct sstr *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->w[i] != WARD_GLOB_LIT) return 1;
    return 0;
}

/* ---- expand ---------------------------------------------------------------------------- */

static const struct sigma_placeholders *find_ph(const struct sigma_placeholders *ph,
                                                const char *name, size_t n, size_t *idx)
{
    if (!ph) return NULL;
    for (size_t i = 0; i < ph->n; i++)
        if (strlen(ph->names[i]) == n && memcmp(ph->names[i], name, n) == 0) {
            *idx = i;
            return ph;
        }
    return NULL;
}

/* Expands %name% placeholders (a "\%" is a plain percent) into alternatives. */
static int expand_text(const char *t, size_t n, const struct sigma_placeholders *ph,
                       struct salts *out, char *reason, size_t rsz)
{
    struct sstr first = {0};
    if (alts_push(out, &first)) return WARD_ENOMEM;
    size_t i = 0, lit_start = 0;
    struct ward_buf lit;
    ward_buf_init(&lit, 0);
    int rc = 0;
    while (i <= n) {
        int at_end = i == n;
        if (!at_end && t[i] == '\\' && i + 1 < n && t[i + 1] == '%') {
            if (ward_buf_append(&lit, t + lit_start, i - lit_start) || ward_buf_putc(&lit, '%')) {
                rc = WARD_ENOMEM;
                goto done;
            }
            i += 2;
            lit_start = i;
            continue;
        }
        const char *close = (!at_end && t[i] == '%') ? memchr(t + i + 1, '%', n - i - 1) : NULL;
        if (!at_end && !close) {
            i++;
            continue;
        }
        /* flush the literal part (escapes resolved) onto every alternative */
        if (ward_buf_append(&lit, t + lit_start, i - lit_start)) {
            rc = WARD_ENOMEM;
            goto done;
        }
        if (lit.len) {
            struct sstr part = {0};
            if (ss_from_text(&part, lit.data, lit.len)) {
                ss_free(&part);
                rc = WARD_ENOMEM;
                goto done;
            }
            for (size_t k = 0; k < out->n; k++)
                if (ss_append(&out->v[k], &part, 0, part.n)) {
                    ss_free(&part);
                    rc = WARD_ENOMEM;
                    goto done;
                }
            ss_free(&part);
            ward_buf_reset(&lit);
        }
        if (at_end) break;
        const char *name = t + i + 1;
        size_t nlen = (size_t)(close - name);
        size_t idx = 0;
        if (!find_ph(ph, name, nlen, &idx) || ph->nvalues[idx] == 0) {
            snprintf(reason, rsz, "expand: placeholder %%%.*s%% has no value%s",
                     (int)(nlen > 64 ? 64 : nlen), name,
                     ph ? " in the placeholders file" : " (no placeholders file given)");
            rc = SIGMA_REJECT;
            goto done;
        }
        if (out->n * ph->nvalues[idx] > SIGMA_MAX_ALTS) {
            snprintf(reason, rsz, "expand: more than %d alternatives", SIGMA_MAX_ALTS);
            rc = SIGMA_REJECT;
            goto done;
        }
        struct salts next = {0};
        for (size_t k = 0; k < out->n; k++) {
            for (size_t v = 0; v < ph->nvalues[idx]; v++) {
                struct sstr s = {0};
                const char *pv = ph->values[idx][v];
                if (ss_append(&s, &out->v[k], 0, out->v[k].n) || ss_from_text(&s, pv, strlen(pv)) ||
                    alts_push(&next, &s)) {
                    ss_free(&s);
                    alts_free(&next);
                    rc = WARD_ENOMEM;
                    goto done;
                }
            }
        }
        alts_free(out);
        *out = next;
        i = (size_t)(close - t) + 1;
        lit_start = i;
    }
done:
    ward_buf_free(&lit);
    return rc;
}

/* ---- transformations ------------------------------------------------------------------- */

static int is_word(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c >= 0x80;
}

static const char *const dashes[] = {"-", "/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"};
#define NDASHES 5

/* windash: each '-' or '/' that starts a word (not preceded by a word character, followed
 * by one) becomes each of the five dash characters: all combinations. */
static int do_windash(struct salts *a, char *reason, size_t rsz)
{
    struct salts out = {0};
    for (size_t k = 0; k < a->n; k++) {
        struct sstr *s = &a->v[k];
        size_t pos[16], npos = 0;
        for (size_t i = 0; i < s->n; i++) {
            if (s->w[i] != WARD_GLOB_LIT || (s->b[i] != '-' && s->b[i] != '/')) continue;
            int prev_word = i > 0 && s->w[i - 1] == WARD_GLOB_LIT && is_word(s->b[i - 1]);
            int next_word = i + 1 < s->n && s->w[i + 1] == WARD_GLOB_LIT && is_word(s->b[i + 1]);
            if (prev_word || !next_word) continue;
            if (npos == 16) {
                snprintf(reason, rsz, "windash: more than 16 dashes in one value");
                alts_free(&out);
                return SIGMA_REJECT;
            }
            pos[npos++] = i;
        }
        size_t combos = 1;
        for (size_t i = 0; i < npos; i++) {
            combos *= NDASHES;
            if (out.n + combos > SIGMA_MAX_ALTS) {
                snprintf(reason, rsz, "windash: more than %d alternatives", SIGMA_MAX_ALTS);
                alts_free(&out);
                return SIGMA_REJECT;
            }
        }
        for (size_t c = 0; c < combos; c++) {
            struct sstr t = {0};
            size_t code = c, pi = 0;
            for (size_t i = 0; i < s->n; i++) {
                int rc = 0;
                if (pi < npos && pos[pi] == i) {
                    const char *d = dashes[code % NDASHES];
                    code /= NDASHES;
                    pi++;
                    for (; *d && !rc; d++) rc = ss_put(&t, (uint8_t)*d, WARD_GLOB_LIT);
                } else {
                    rc = ss_put(&t, s->b[i], s->w[i]);
                }
                if (rc) {
                    ss_free(&t);
                    alts_free(&out);
                    return WARD_ENOMEM;
                }
            }
            if (alts_push(&out, &t)) {
                ss_free(&t);
                alts_free(&out);
                return WARD_ENOMEM;
            }
        }
    }
    alts_free(a);
    *a = out;
    return 0;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_encode(const uint8_t *in, size_t n, struct sstr *out)
{
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n) v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        char q[4] = {b64chars[(v >> 18) & 63], b64chars[(v >> 12) & 63],
                     i + 1 < n ? b64chars[(v >> 6) & 63] : '=', i + 2 < n ? b64chars[v & 63] : '='};
        for (int k = 0; k < 4; k++)
            if (ss_put(out, (uint8_t)q[k], WARD_GLOB_LIT)) return WARD_ENOMEM;
    }
    return 0;
}

/* base64 (offset = 0) or base64offset (three shifted encodings with the bytes that depend
 * on the unknown neighbours trimmed: start 0/2/3, end by (len + shift) % 3 -> 0/3/2). */
static int do_base64(struct salts *a, int offset)
{
    struct salts out = {0};
    for (size_t k = 0; k < a->n; k++) {
        struct sstr *s = &a->v[k];
        for (size_t shift = 0; shift < (offset ? 3u : 1u); shift++) {
            uint8_t *buf = malloc(s->n + 3);
            if (!buf) goto oom;
            memset(buf, ' ', shift);
            if (s->n) memcpy(buf + shift, s->b, s->n);
            struct sstr enc = {0};
            int rc = b64_encode(buf, s->n + shift, &enc);
            free(buf);
            if (rc) {
                ss_free(&enc);
                goto oom;
            }
            if (offset) {
                static const size_t start_off[3] = {0, 2, 3};
                static const size_t end_trim[3] = {0, 3, 2};
                size_t st = start_off[shift];
                size_t et = end_trim[(s->n + shift) % 3];
                struct sstr t = {0};
                if (enc.n > st + et && ss_append(&t, &enc, st, enc.n - et)) {
                    ss_free(&enc);
                    ss_free(&t);
                    goto oom;
                }
                ss_free(&enc);
                enc = t;
            }
            if (alts_push(&out, &enc)) {
                ss_free(&enc);
                goto oom;
            }
        }
    }
    alts_free(a);
    *a = out;
    return 0;
oom:
    alts_free(&out);
    return WARD_ENOMEM;
}

/* Decodes one UTF-8 sequence (invalid bytes are taken as Latin-1). */
static uint32_t utf8_next(const uint8_t *p, size_t n, size_t *used)
{
    uint8_t c = p[0];
    if (c < 0x80) {
        *used = 1;
        return c;
    }
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || len > n || ward_utf8_check((const char *)p, len) != 0) {
        *used = 1;
        return c;
    }
    uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < len; i++) cp = (cp << 6) | (p[i] & 0x3F);
    *used = len;
    return cp;
}

static int put16(struct sstr *s, uint16_t u, int be)
{
    uint8_t hi = (uint8_t)(u >> 8), lo = (uint8_t)u;
    if (ss_put(s, be ? hi : lo, WARD_GLOB_LIT)) return WARD_ENOMEM;
    return ss_put(s, be ? lo : hi, WARD_GLOB_LIT);
}

static int do_utf16(struct salts *a, int be, int bom)
{
    for (size_t k = 0; k < a->n; k++) {
        struct sstr *s = &a->v[k], t = {0};
        int rc = bom ? put16(&t, 0xFEFF, be) : 0;
        for (size_t i = 0; i < s->n && !rc;) {
            size_t used;
            uint32_t cp = utf8_next(s->b + i, s->n - i, &used);
            i += used;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                rc = put16(&t, (uint16_t)(0xD800 + (cp >> 10)), be);
                if (!rc) rc = put16(&t, (uint16_t)(0xDC00 + (cp & 0x3FF)), be);
            } else {
                rc = put16(&t, (uint16_t)cp, be);
            }
        }
        if (rc) {
            ss_free(&t);
            return WARD_ENOMEM;
        }
        ss_free(s);
        *s = t;
    }
    return 0;
}

static int do_wrap(struct salts *a, int lead, int trail)
{
    for (size_t k = 0; k < a->n; k++) {
        struct sstr *s = &a->v[k];
        if (lead && !(s->n && s->w[0] == WARD_GLOB_STAR)) {
            struct sstr t = {0};
            if (ss_put(&t, '*', WARD_GLOB_STAR) || ss_append(&t, s, 0, s->n)) {
                ss_free(&t);
                return WARD_ENOMEM;
            }
            ss_free(s);
            *s = t;
        }
        if (trail && !(s->n && s->w[s->n - 1] == WARD_GLOB_STAR))
            if (ss_put(s, '*', WARD_GLOB_STAR)) return WARD_ENOMEM;
    }
    return 0;
}

/* ---- type modifiers -------------------------------------------------------------------- */

static int parse_cidr(const char *t, size_t n, struct ward_sigma_pattern *p)
{
    char buf[80];
    if (n == 0 || n >= sizeof buf) return SIGMA_REJECT;
    memcpy(buf, t, n);
    buf[n] = 0;
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        *slash = 0;
        char *end;
        prefix = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || prefix < 0) return SIGMA_REJECT;
    }
    memset(p->addr, 0, sizeof p->addr);
    if (inet_pton(AF_INET, buf, p->addr) == 1) {
        p->family = 4;
        if (prefix < 0) prefix = 32;
        if (prefix > 32) return SIGMA_REJECT;
    } else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
        p->family = 6;
        if (prefix < 0) prefix = 128;
        if (prefix > 128) return SIGMA_REJECT;
    } else {
        return SIGMA_REJECT;
    }
    p->prefix = (uint8_t)prefix;
    /* clear host bits so matching compares whole bytes */
    size_t bytes = p->family == 4 ? 4 : 16;
    for (size_t i = 0; i < bytes; i++) {
        long bit0 = (long)i * 8;
        if (bit0 >= prefix)
            p->addr[i] = 0;
        else if (bit0 + 8 > prefix)
            p->addr[i] &= (uint8_t)(0xFF << (8 - (prefix - bit0)));
    }
    return 0;
}

int sigma_re_compile(struct sigma_re_list *list, struct ward_sigma_pattern *p, char *reason,
                     size_t rsz)
{
    uint32_t opts = 0;
    if (p->flags & WARD_SP_RE_I) opts |= PCRE2_CASELESS;
    if (p->flags & WARD_SP_RE_M) opts |= PCRE2_MULTILINE;
    if (p->flags & WARD_SP_RE_S) opts |= PCRE2_DOTALL;
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)p->text, p->len, opts, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        snprintf(reason, rsz, "re: invalid regular expression at offset %zu: %s", (size_t)erroff,
                 (char *)msg);
        return SIGMA_REJECT;
    }
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 64;
        void **c = realloc(list->codes, cap * sizeof *c);
        if (!c) {
            pcre2_code_free(code);
            return WARD_ENOMEM;
        }
        list->codes = c;
        list->cap = cap;
    }
    list->codes[list->n++] = code;
    p->re = code;
    return 0;
}

void sigma_re_list_free(struct sigma_re_list *list)
{
    for (size_t i = 0; i < list->n; i++) pcre2_code_free(list->codes[i]);
    free(list->codes);
    memset(list, 0, sizeof *list);
}

static int num_from(const char *text, size_t len, double *out)
{
    return ward_parse_double(ward_str_make(text, len), out);
}

/* ---- the builder ----------------------------------------------------------------------- */

static int finish_globs(struct ward_arena *a, struct salts *alts, unsigned flags,
                        struct ward_sigma_value *out)
{
    out->alts = ward_arena_alloc(a, alts->n * sizeof *out->alts + 1);
    if (!out->alts) return WARD_ENOMEM;
    out->nalts = alts->n;
    for (size_t k = 0; k < alts->n; k++) {
        struct sstr *s = &alts->v[k];
        struct ward_sigma_pattern *p = &out->alts[k];
        memset(p, 0, sizeof *p);
        p->kind = WARD_SP_GLOB;
        p->flags = (uint8_t)flags;
        p->text = ward_arena_strndup(a, s->n ? (const char *)s->b : "", s->n);
        if (!p->text) return WARD_ENOMEM;
        p->len = s->n;
        if (ss_has_wild(s)) {
            p->wild = ward_arena_alloc(a, s->n);
            if (!p->wild) return WARD_ENOMEM;
            memcpy(p->wild, s->w, s->n);
        }
    }
    return 0;
}

static struct ward_sigma_pattern *one_pattern(struct ward_arena *a, struct ward_sigma_value *out,
                                              uint8_t kind)
{
    out->alts = ward_arena_alloc(a, sizeof *out->alts);
    if (!out->alts) return NULL;
    memset(out->alts, 0, sizeof *out->alts);
    out->nalts = 1;
    out->alts[0].kind = kind;
    return &out->alts[0];
}

int sigma_value_build(struct ward_arena *a, const struct sigma_chain *c, int keyword,
                      const char *text, size_t len, enum sigma_scalar kind,
                      const struct sigma_placeholders *ph, struct ward_sigma_value *out,
                      char *reason, size_t rsz)
{
    memset(out, 0, sizeof *out);
    unsigned flags = HAS(c, SM_CASED) ? WARD_SP_CASED : 0;
    struct ward_sigma_pattern *p;

    if (HAS(c, SM_EXISTS)) {
        int v;
        if (kind == SS_BOOL || kind == SS_STRING) {
            if (len == 4 && strncasecmp(text, "true", 4) == 0)
                v = 1;
            else if (len == 5 && strncasecmp(text, "false", 5) == 0)
                v = 0;
            else
                v = -1;
        } else {
            v = -1;
        }
        if (v < 0) {
            snprintf(reason, rsz, "exists: the value must be true or false");
            return SIGMA_REJECT;
        }
        if (!(p = one_pattern(a, out, WARD_SP_EXISTS))) return WARD_ENOMEM;
        p->num = v;
        return 0;
    }
    if (kind == SS_NULL) {
        if (c->n && !(c->n == 1 && (HAS(c, SM_ALL) || HAS(c, SM_NEQ)))) {
            snprintf(reason, rsz, "null cannot take modifiers ('%s')", mod_name(c->mods[0]));
            return SIGMA_REJECT;
        }
        if (keyword) {
            snprintf(reason, rsz, "null needs a field name");
            return SIGMA_REJECT;
        }
        if (!one_pattern(a, out, WARD_SP_NULL)) return WARD_ENOMEM;
        return 0;
    }
    if (HAS(c, SM_RE)) {
        if (!(p = one_pattern(a, out, WARD_SP_RE))) return WARD_ENOMEM;
        p->flags =
            (uint8_t)((HAS(c, SM_RE_I) ? WARD_SP_RE_I : 0) | (HAS(c, SM_RE_M) ? WARD_SP_RE_M : 0) |
                      (HAS(c, SM_RE_S) ? WARD_SP_RE_S : 0));
        p->text = ward_arena_strndup(a, text, len);
        if (!p->text) return WARD_ENOMEM;
        p->len = len;
        if (memchr(text, 0, len)) {
            snprintf(reason, rsz, "re: the expression contains a NUL byte");
            return SIGMA_REJECT;
        }
        return 0;
    }
    if (HAS(c, SM_CIDR)) {
        if (!(p = one_pattern(a, out, WARD_SP_CIDR))) return WARD_ENOMEM;
        p->flags = 0;
        p->text = ward_arena_strndup(a, text, len);
        if (!p->text) return WARD_ENOMEM;
        p->len = len;
        if (parse_cidr(text, len, p)) {
            snprintf(reason, rsz, "cidr: '%.*s' is not an IPv4 or IPv6 network",
                     (int)(len > 64 ? 64 : len), text);
            return SIGMA_REJECT;
        }
        return 0;
    }
    static const struct {
        enum sigma_mod m;
        uint8_t kind;
    } cmps[] = {
        {SM_LT, WARD_SP_LT}, {SM_LTE, WARD_SP_LTE}, {SM_GT, WARD_SP_GT}, {SM_GTE, WARD_SP_GTE}};
    for (size_t i = 0; i < 4; i++) {
        if (!HAS(c, cmps[i].m)) continue;
        double v;
        if (kind == SS_BOOL || num_from(text, len, &v) || !isfinite(v)) {
            snprintf(reason, rsz, "%s: '%.*s' is not a number", mod_name(cmps[i].m),
                     (int)(len > 64 ? 64 : len), text);
            return SIGMA_REJECT;
        }
        if (!(p = one_pattern(a, out, cmps[i].kind))) return WARD_ENOMEM;
        p->num = v;
        return 0;
    }
    static const struct {
        enum sigma_mod m;
        uint8_t unit;
        int lo, hi;
    } tps[] = {{SM_MINUTE, WARD_TP_MINUTE, 0, 59}, {SM_HOUR, WARD_TP_HOUR, 0, 23},
               {SM_DAY, WARD_TP_DAY, 1, 31},       {SM_WEEK, WARD_TP_WEEK, 1, 53},
               {SM_MONTH, WARD_TP_MONTH, 1, 12},   {SM_YEAR, WARD_TP_YEAR, 0, 9999}};
    for (size_t i = 0; i < 6; i++) {
        if (!HAS(c, tps[i].m)) continue;
        int64_t v;
        if (kind == SS_BOOL || ward_parse_i64(ward_str_make(text, len), &v) || v < tps[i].lo ||
            v > tps[i].hi) {
            snprintf(reason, rsz, "%s: '%.*s' is not a number from %d to %d", mod_name(tps[i].m),
                     (int)(len > 64 ? 64 : len), text, tps[i].lo, tps[i].hi);
            return SIGMA_REJECT;
        }
        if (!(p = one_pattern(a, out, WARD_SP_TIMEPART))) return WARD_ENOMEM;
        p->time_unit = tps[i].unit;
        p->num = (double)v;
        return 0;
    }
    if (HAS(c, SM_FIELDREF)) {
        if (len == 0 || kind != SS_STRING) {
            snprintf(reason, rsz, "fieldref: the value must be a field name");
            return SIGMA_REJECT;
        }
        if (!(p = one_pattern(a, out, WARD_SP_FIELDREF))) return WARD_ENOMEM;
        p->flags = (uint8_t)flags;
        p->ref_mode = HAS(c, SM_CONTAINS)     ? WARD_REF_CONTAINS
                      : HAS(c, SM_STARTSWITH) ? WARD_REF_STARTS
                      : HAS(c, SM_ENDSWITH)   ? WARD_REF_ENDS
                                              : WARD_REF_EQ;
        p->text = ward_arena_strndup(a, text, len);
        if (!p->text) return WARD_ENOMEM;
        p->len = len;
        return 0;
    }

    /* strings */
    struct salts alts = {0};
    int rc;
    if (HAS(c, SM_EXPAND)) {
        rc = expand_text(text, len, ph, &alts, reason, rsz);
    } else {
        struct sstr s = {0};
        rc = ss_from_text(&s, text, len);
        if (!rc) rc = alts_push(&alts, &s);
        ss_free(&s);
    }
    int wrapped = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++) {
        switch (c->mods[i]) {
        case SM_CONTAINS: rc = do_wrap(&alts, 1, 1), wrapped = 1; break;
        case SM_STARTSWITH: rc = do_wrap(&alts, 0, 1), wrapped = 1; break;
        case SM_ENDSWITH: rc = do_wrap(&alts, 1, 0), wrapped = 1; break;
        case SM_WINDASH: rc = do_windash(&alts, reason, rsz); break;
        case SM_BASE64:
        case SM_BASE64OFFSET:
        case SM_UTF16LE:
        case SM_UTF16BE:
        case SM_UTF16:
        case SM_WIDE:
            for (size_t k = 0; k < alts.n; k++)
                if (ss_has_wild(&alts.v[k])) {
                    snprintf(reason, rsz, "%s: the value contains a wildcard (* or ?)",
                             mod_name(c->mods[i]));
                    rc = SIGMA_REJECT;
                    break;
                }
            if (rc) break;
            if (c->mods[i] == SM_BASE64 || c->mods[i] == SM_BASE64OFFSET)
                rc = do_base64(&alts, c->mods[i] == SM_BASE64OFFSET);
            else
                rc = do_utf16(&alts, c->mods[i] == SM_UTF16BE, c->mods[i] == SM_UTF16);
            break;
        default: break;
        }
    }
    if (rc == 0 && keyword && !wrapped) rc = do_wrap(&alts, 1, 1);
    if (rc == 0 && alts.n > SIGMA_MAX_ALTS) {
        snprintf(reason, rsz, "more than %d alternatives", SIGMA_MAX_ALTS);
        rc = SIGMA_REJECT;
    }
    if (rc == 0) rc = finish_globs(a, &alts, flags, out);
    alts_free(&alts);
    return rc;
}
