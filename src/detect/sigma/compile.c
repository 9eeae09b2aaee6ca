/*
 * compile.c - compiles parsed Sigma rules into the immutable rule set of the fast path:
 * field ids for every event key a rule reads, one Vectorscan database per slot (a Sigma
 * field as a list of event keys) over the distinct string patterns of all rules, PCRE2 for
 * confirmation of regexes, and each rule's condition as a flat program over atoms.
 * A rule that cannot be compiled is recorded in rules->diags with the reason and left out
 * whole. Layout in compiled.h; design in docs/internals/sigma-matcher.md.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/compiled.h"

#define MAX_KEYS_PER_FIELD 32 /* as the taxonomy's own limit */
#define MAX_COND_DEPTH 200
#define MAX_RULE_NODES (1u << 20)
#define MAX_PATTERN_BYTES (64u * 1024)

/* growable array helper */
static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need) ncap *= 2;
    void *np = realloc(*p, ncap * elem);
    if (!np) return WARD_ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

struct slotb {
    uint32_t *atoms;
    size_t natoms, cap;
};

struct builder {
    struct ward_ruleset *rs;
    struct ward_sigma_rules *rules;
    const struct ward_taxonomy *t;
    size_t rules_cap, slots_cap, atoms_cap, nodes_cap;
    struct slotb *sb;             /* per slot atom lists */
    struct slotb kw;              /* keyword atoms */
    struct ward_intern slot_keys; /* slot dedupe: "id,id,..." */
    struct ward_intern atom_keys; /* atom dedupe: slot + flags + expression */
    struct ward_intern wp_keys;   /* prefixes of "*" keys */
    size_t wpfx_cap;
    struct ward_buf tmp;
    uint32_t db_minlen; /* build_db of literals: the shortest literal given to it */
    /* per rule, while emitting */
    uint32_t *rslots;
    size_t nrslots, rslots_cap;
    int rkw;
    char reason[512];
};

/* ---- PCRE2 / Vectorscan option mapping (shared with the reference semantics) ---------- */

static uint32_t re_pcre_options(unsigned flags)
{
    uint32_t o = 0;
    if (flags & WARD_SP_RE_I) o |= PCRE2_CASELESS;
    if (flags & WARD_SP_RE_M) o |= PCRE2_MULTILINE;
    if (flags & WARD_SP_RE_S) o |= PCRE2_DOTALL;
    return o;
}

static unsigned re_hs_flags(unsigned flags)
{
    unsigned f = HS_FLAG_SINGLEMATCH | HS_FLAG_PREFILTER;
    if (flags & WARD_SP_RE_I) f |= HS_FLAG_CASELESS;
    if (flags & WARD_SP_RE_M) f |= HS_FLAG_MULTILINE;
    if (flags & WARD_SP_RE_S) f |= HS_FLAG_DOTALL;
    return f;
}

static pcre2_code *re_compile(const struct ward_sigma_pattern *p, char *reason, size_t rsz)
{
    int ec = 0;
    PCRE2_SIZE eoff = 0;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)p->text, p->len, re_pcre_options(p->flags), &ec, &eoff, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(reason, rsz, "regular expression '%.80s' does not compile at offset %zu: %s",
                 p->text, (size_t)eoff, (char *)msg);
        return NULL;
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    return re;
}

/*
 * The parts of a regex that is only literals joined by ".*" (see struct atom's seq), in the
 * arena, or NULL for any other regex. Such a regex matches when its parts occur in order
 * without overlap, all on one line unless "." matches a newline (the earliest occurrence
 * of each part after the previous one then finds a match if there is one). A literal is a
 * byte other than a metacharacter, NUL, CR or LF, or a backslash and an ASCII punctuation
 * byte. Only for PCRE2 built with LF as its newline (what "." does not match).
 */
static const char *re_seq(struct ward_arena *arena, const struct ward_sigma_pattern *p)
{
    uint32_t nl = 0;
    if (pcre2_config(PCRE2_CONFIG_NEWLINE, &nl) < 0 || nl != PCRE2_NEWLINE_LF) return NULL;
    char *out = ward_arena_alloc(arena, p->len + 2);
    if (!out) return NULL;
    size_t o = 0, lits = 0;
    for (size_t i = 0; i < p->len; i++) {
        unsigned char c = (unsigned char)p->text[i];
        if (c == '.') {
            if (i + 1 >= p->len || p->text[i + 1] != '*') return NULL;
            i++;
            if (i + 1 < p->len && (p->text[i + 1] == '?' || p->text[i + 1] == '+')) return NULL;
            if (o && out[o - 1]) out[o++] = '\0'; /* end of a part */
            continue;
        }
        if (c == '\\') {
            if (i + 1 >= p->len) return NULL;
            c = (unsigned char)p->text[++i];
            if (c >= 0x80 || !ispunct(c)) return NULL;
        } else if (c == 0 || c == '\n' || c == '\r' || strchr("^$[|()?*+{", c)) {
            return NULL;
        }
        /* a literal followed by a quantifier is not a literal */
        if (i + 1 < p->len && strchr("?*+{", p->text[i + 1])) return NULL;
        out[o++] = (char)c;
        lits++;
    }
    if (!lits) return NULL;
    if (out[o - 1]) out[o++] = '\0';
    out[o] = '\0';
    return out;
}

/* A `{` that starts a quantifier ({n}, {n,}, {n,m}, {,m}, spaces allowed): its length, else 0. */
static size_t re_quant_len(const char *t, size_t n, size_t i)
{
    size_t j = i + 1;
    while (j < n && (isdigit((unsigned char)t[j]) || t[j] == ',' || t[j] == ' ')) j++;
    return j < n && t[j] == '}' ? j + 1 - i : 0;
}

/*
 * The longest run of bytes that the subject of every match of a regex holds (its "factor"),
 * from a conservative reading of the pattern: literal characters at the top level (outside
 * groups and classes) and not followed by a quantifier, with no alternation at the top
 * level. Groups, classes, `.`, anchors, quantifiers and escapes other than escaped
 * punctuation and \n \t \r end a run; `\Q`, `\x`, `\c`, `\p`, `\g`, `\k`, back references,
 * octal or named characters, verbs such as (*UTF), comments and extended mode give up (0).
 * Bytes >= 0x80 and NUL end a run. The factor is scanned without case (a superset when the
 * regex is cased) and every hit is confirmed with the whole regex, so a factor may only be
 * too short, never wrong. Writes at most cap bytes to out; returns the factor's length.
 */
static size_t re_factor(const struct ward_sigma_pattern *p, char *out, size_t cap)
{
    const char *t = p->text;
    size_t n = p->len, best = 0, cur = 0, depth = 0;
    char *run = malloc(n + 1);
    if (!run) return 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)t[i];
        int lit = -1; /* the literal byte at i, when there is one */
        size_t len = 1;
        if (c == '\\') {
            if (i + 1 >= n) goto none;
            unsigned char d = (unsigned char)t[i + 1];
            len = 2;
            if (d == 'n' || d == 't' || d == 'r') {
                lit = d == 'n' ? '\n' : d == 't' ? '\t' : '\r';
            } else if (isalnum(d)) {
                if (!strchr("sSdDwWbBAzZGhHvVRKfea", d)) goto none;
            } else if (d < 0x80 && d != 0) {
                lit = d;
            }
        } else if (c == '[') {
            size_t j = i + 1;
            if (j < n && t[j] == '^') j++;
            if (j < n && t[j] == ']') j++;
            while (j < n && t[j] != ']') {
                if (t[j] == '\\') {
                    j += 2;
                } else if (t[j] == '[' && j + 1 < n && t[j + 1] == ':') {
                    const char *e = NULL;
                    for (size_t k = j + 2; k + 1 < n && !e; k++)
                        if (t[k] == ':' && t[k + 1] == ']') e = t + k;
                    if (!e) goto none;
                    j = (size_t)(e - t) + 2;
                } else {
                    j++;
                }
            }
            if (j >= n) goto none;
            len = j + 1 - i;
        } else if (c == '(') {
            /* verbs ((*UTF) changes caseless matching) and comments give up */
            if (i + 1 < n && (t[i + 1] == '*' || (t[i + 1] == '?' && i + 2 < n && t[i + 2] == '#')))
                goto none;
            if (i + 1 < n && t[i + 1] == '?') /* inline options: extended mode gives up */
                for (size_t k = i + 2;
                     k < n && (isalpha((unsigned char)t[k]) || t[k] == '-' || t[k] == '^'); k++)
                    if (t[k] == 'x') goto none;
            depth++;
        } else if (c == ')') {
            if (depth == 0) goto none;
            depth--;
        } else if (c == '|') {
            if (depth == 0) goto none;
        } else if (c == '{') {
            size_t q = re_quant_len(t, n, i);
            if (q) len = q;
        } else if (!strchr(".^$?*+", c) && c < 0x80 && c != 0) {
            lit = c;
        }
        /* a literal counts when it is at the top level and no quantifier follows it */
        size_t j = i + len;
        if (lit >= 0 && depth == 0 && !(j < n && strchr("?*+{", t[j]))) {
            run[cur++] = (char)lit;
        } else {
            if (cur > best && cur <= cap) {
                memcpy(out, run, cur);
                best = cur;
            }
            cur = 0;
        }
        i = j;
    }
    if (depth != 0) goto none;
    if (cur > best && cur <= cap) {
        memcpy(out, run, cur);
        best = cur;
    }
    free(run);
    return best;
none:
    free(run);
    return 0;
}

/* ---- glob patterns ----------------------------------------------------------------------- */

static int glob_is_wild(const struct ward_sigma_pattern *p, size_t i)
{
    return p->wild && p->wild[i] != WARD_GLOB_LIT;
}

/* Classifies a glob: LZ_NONE when it goes to Vectorscan, else its lazy kind. */
static int glob_lazy_kind(const struct ward_sigma_pattern *p)
{
    size_t lit = 0, star = 0;
    for (size_t i = 0; i < p->len; i++) {
        if (!glob_is_wild(p, i) || p->wild[i] == WARD_GLOB_ONE)
            lit++;
        else
            star++;
    }
    if (lit == 0) return star ? LZ_GLOB_ANY : LZ_GLOB_EMPTY;
    return LZ_NONE;
}

static int put_lit(struct ward_buf *b, unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
        return ward_buf_putc(b, (char)c);
    return ward_buf_printf(b, "\\x%02x", c);
}

/* The Vectorscan expression of a glob. A literal between optional leading and trailing
 * stars is scanned as a bare literal (fast to compile and to scan) and its position is
 * checked on each hit (enum atom_pos); other globs become an expression anchored with \A
 * and \z unless they start or end with a star. */
static int glob_expr(const struct ward_sigma_pattern *p, struct ward_buf *b, unsigned *hsflags,
                     uint8_t *pos, uint32_t *litlen)
{
    size_t s = 0, e = p->len;
    int lead = 0, trail = 0, inner = 0;
    while (s < e && glob_is_wild(p, s) && p->wild[s] == WARD_GLOB_STAR) s++, lead = 1;
    while (e > s && glob_is_wild(p, e - 1) && p->wild[e - 1] == WARD_GLOB_STAR) e--, trail = 1;
    for (size_t i = s; i < e; i++) inner |= glob_is_wild(p, i);
    ward_buf_reset(b);
    int rc = 0;
    *hsflags = HS_FLAG_DOTALL;
    if (!(p->flags & WARD_SP_CASED)) *hsflags |= HS_FLAG_CASELESS;
    *litlen = (uint32_t)(e - s);
    if (!inner) {
        *pos = lead ? (trail ? POS_ANY : POS_END) : (trail ? POS_START : POS_EQ);
        if (*pos == POS_ANY) *hsflags |= HS_FLAG_SINGLEMATCH;
        for (size_t i = s; i < e && !rc; i++) rc = put_lit(b, (unsigned char)p->text[i]);
        return rc;
    }
    *pos = POS_ANY;
    *hsflags |= HS_FLAG_SINGLEMATCH;
    if (!lead) rc = ward_buf_puts(b, "\\A");
    int prev_star = 0;
    for (size_t i = s; i < e && !rc; i++) {
        if (glob_is_wild(p, i)) {
            if (p->wild[i] == WARD_GLOB_STAR) {
                if (!prev_star) rc = ward_buf_puts(b, ".*");
                prev_star = 1;
                continue;
            }
            rc = ward_buf_putc(b, '.');
        } else {
            rc = put_lit(b, (unsigned char)p->text[i]);
        }
        prev_star = 0;
    }
    if (!rc && !trail) rc = ward_buf_puts(b, "\\z");
    return rc;
}

/* ---- slots and field ids ------------------------------------------------------------------ */

static int field_keys(struct builder *b, const struct ward_ls_ids *ls, const char *field,
                      const char **keys)
{
    if (!b->t) {
        keys[0] = field;
        return 1;
    }
    return (int)ward_taxonomy_field_keys(b->t, ls, field, keys, MAX_KEYS_PER_FIELD);
}

uint64_t ward_sigma_seg_hash(const char *s, size_t n)
{
    char buf[256];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') continue;
        if (k == sizeof buf) return UINT64_MAX; /* too long: the caller filters nothing */
        buf[k++] = s[i];
    }
    return ward_hash64(buf, k, 0x5e9);
}

/* Where the first pattern segment of a taxonomy key starts ("*" alone, or "~Name"), or -1
 * for a plain key (the taxonomy's own rule, see ward_taxonomy_key_match). */
static long key_pattern_at(const char *key)
{
    for (const char *s = key; *s; s++) {
        if (s != key && s[-1] != '.') continue;
        if (*s == '~' || (*s == '*' && (s[1] == '.' || s[1] == 0))) return (long)(s - key);
    }
    return -1;
}

static int64_t intern(struct ward_ruleset *rs, const char *s, size_t n)
{
    return ward_intern_add(&rs->fields, s, n);
}

/* Fills one slot key: its field ids (key and key.0) or, for a pattern key, its prefix. */
static int key_setup(struct builder *b, struct slot_key *k, const char *key)
{
    struct ward_ruleset *rs = b->rs;
    size_t len = strlen(key);
    memset(k, 0, sizeof *k);
    k->name = ward_arena_strndup(&rs->arena, key, len);
    if (!k->name) return WARD_ENOMEM;
    k->len = (uint32_t)len;
    long pat = key_pattern_at(key);
    k->wild = pat >= 0;
    k->id = k->id0 = WARD_FIELD_NOID;
    if (k->wild) {
        size_t pl = (size_t)pat;
        uint32_t before_wp = b->wp_keys.count;
        int64_t wp = ward_intern_add(&b->wp_keys, key, pl);
        if (wp < 0) return WARD_ENOMEM;
        if (b->wp_keys.count != before_wp) {
            if (grow((void **)&rs->wpfx, &b->wpfx_cap, (size_t)wp + 1, sizeof *rs->wpfx))
                return WARD_ENOMEM;
            rs->wpfx[wp].s = ward_arena_strndup(&rs->arena, key, pl);
            if (!rs->wpfx[wp].s) return WARD_ENOMEM;
            rs->wpfx[wp].len = (uint32_t)pl;
            rs->nwpfx = (uint32_t)wp + 1;
        }
        k->wp = (uint32_t)wp;
        const char *last = strrchr(key, '.');
        last = last ? last + 1 : key;
        if (key[pl] == '~' && !strchr(key + pl, '.')) {
            /* "prefix.~Name": without spaces in keys, only "prefix.Name" can match */
            ward_buf_reset(&b->tmp);
            if (ward_buf_append(&b->tmp, key, pl) || ward_buf_puts(&b->tmp, key + pl + 1))
                return WARD_ENOMEM;
            int64_t tid = intern(rs, b->tmp.data, b->tmp.len);
            if (tid < 0) return WARD_ENOMEM;
            k->tilde_last = 1;
            k->tid = (uint32_t)tid;
        }
        if (strcmp(last, "*") == 0) {
            k->seg_any = 1;
        } else {
            if (*last == '~') last++;
            k->seg_h = ward_sigma_seg_hash(last, strlen(last));
        }
        return 0;
    }
    int64_t id = intern(rs, key, len);
    if (id < 0) return WARD_ENOMEM;
    k->id = (uint32_t)id;
    ward_buf_reset(&b->tmp);
    if (ward_buf_append(&b->tmp, key, len) || ward_buf_puts(&b->tmp, ".0")) return WARD_ENOMEM;
    id = intern(rs, b->tmp.data, b->tmp.len);
    if (id < 0) return WARD_ENOMEM;
    k->id0 = (uint32_t)id;
    return 0;
}

#define MAX_CLASSIFY_KEYS 1024

/* The keys logsource classification reads, for the matcher's memo. */
static int class_keys(struct builder *b)
{
    struct ward_ruleset *rs = b->rs;
    if (!b->t) return 0;
    const char **keys = malloc(MAX_CLASSIFY_KEYS * sizeof *keys);
    if (!keys) return WARD_ENOMEM;
    size_t n = ward_taxonomy_classify_keys(b->t, keys, MAX_CLASSIFY_KEYS);
    int rc = 0;
    if (n <= MAX_CLASSIFY_KEYS) {
        rs->ckeys = ward_arena_alloc(&rs->arena, (n ? n : 1) * sizeof *rs->ckeys);
        if (!rs->ckeys) rc = WARD_ENOMEM;
        for (size_t i = 0; i < n && !rc; i++) rc = key_setup(b, &rs->ckeys[i], keys[i]);
        if (!rc) {
            rs->nckeys = (uint32_t)n;
            rs->cmemo = 1;
        }
    }
    free(keys);
    return rc;
}

/* Returns the slot index for the keys, creating it (and the field ids) when new. */
static int64_t slot_for(struct builder *b, const char **keys, size_t nkeys)
{
    struct ward_ruleset *rs = b->rs;
    ward_buf_reset(&b->tmp);
    for (size_t i = 0; i < nkeys; i++)
        if (ward_buf_puts(&b->tmp, keys[i]) || ward_buf_putc(&b->tmp, '\0')) return WARD_ENOMEM;
    uint32_t before = b->slot_keys.count;
    int64_t si = ward_intern_add(&b->slot_keys, b->tmp.data, b->tmp.len);
    if (si < 0) return WARD_ENOMEM;
    if (b->slot_keys.count == before) return si;
    if (grow((void **)&rs->slots, &b->slots_cap, (size_t)si + 1, sizeof *rs->slots))
        return WARD_ENOMEM;
    struct slotb *nsb = realloc(b->sb, ((size_t)si + 1) * sizeof *nsb);
    if (!nsb) return WARD_ENOMEM;
    b->sb = nsb;
    memset(&b->sb[si], 0, sizeof b->sb[si]);
    struct slot *s = &rs->slots[si];
    memset(s, 0, sizeof *s);
    rs->nslots = (uint32_t)si + 1;
    s->keys = ward_arena_alloc(&rs->arena, (nkeys ? nkeys : 1) * sizeof *s->keys);
    if (!s->keys) return WARD_ENOMEM;
    for (size_t i = 0; i < nkeys; i++) {
        int rc = key_setup(b, &s->keys[i], keys[i]);
        if (rc) return rc;
        const struct slot_key *k = &s->keys[i];
        if (!k->wild) continue;
        s->has_wild = 1;
        if (k->tilde_last)
            s->wild_mask |= 1u << WARD_WILD_SPACE;
        else
            s->wild_mask |= k->wp < WARD_WILD_SPACE ? 1u << k->wp : UINT32_MAX;
    }
    s->nkeys = (uint32_t)nkeys;
    return si;
}

static int rule_add_slot(struct builder *b, uint32_t slot)
{
    for (size_t i = 0; i < b->nrslots; i++)
        if (b->rslots[i] == slot) return 0;
    if (grow((void **)&b->rslots, &b->rslots_cap, b->nrslots + 1, sizeof *b->rslots))
        return WARD_ENOMEM;
    b->rslots[b->nrslots++] = slot;
    return 0;
}

/* ---- atoms ---------------------------------------------------------------------------------- */

/* Returns the atom index for pattern p on slot, creating the atom when new. */
static int64_t atom_for(struct builder *b, uint32_t slot, uint32_t ref_slot,
                        const struct ward_sigma_pattern *p)
{
    struct ward_ruleset *rs = b->rs;
    struct ward_buf *k = &b->tmp;
    ward_buf_reset(k);
    int lz = LZ_NONE;
    int rc;
    if (p->kind == WARD_SP_GLOB) {
        lz = glob_lazy_kind(p);
        rc = ward_buf_printf(k, "%u:g%u:", (unsigned)slot, (unsigned)(p->flags & WARD_SP_CASED));
        for (size_t i = 0; !rc && i < p->len; i++) {
            char c = glob_is_wild(p, i) ? (p->wild[i] == WARD_GLOB_STAR ? 1 : 2) : 0;
            if (c) rc = ward_buf_putc(k, '\\');
            if (!rc) rc = ward_buf_putc(k, c ? (char)('0' + c) : p->text[i]);
        }
    } else if (p->kind == WARD_SP_RE) {
        rc = ward_buf_printf(k, "%u:r%u:", (unsigned)slot, (unsigned)p->flags);
        if (!rc) rc = ward_buf_append(k, p->text, p->len);
    } else {
        lz = LZ_PATTERN;
        rc = ward_buf_printf(k, "%u:p%p", (unsigned)slot, (const void *)p);
    }
    if (rc) return WARD_ENOMEM;
    uint32_t before = b->atom_keys.count;
    int64_t ai = ward_intern_add(&b->atom_keys, k->data, k->len);
    if (ai < 0) return WARD_ENOMEM;
    if (b->atom_keys.count == before) return ai;
    if (grow((void **)&rs->atoms, &b->atoms_cap, (size_t)ai + 1, sizeof *rs->atoms))
        return WARD_ENOMEM;
    rs->natoms = (uint32_t)ai + 1;
    struct atom *a = &rs->atoms[ai];
    memset(a, 0, sizeof *a);
    a->slot = slot;
    a->pat = p;
    a->ref_slot = ref_slot;
    if (p->kind == WARD_SP_RE) {
        a->re = re_compile(p, b->reason, sizeof b->reason);
        if (!a->re) return WARD_EINVAL; /* checked before: cannot happen */
        a->mode = ATOM_CONFIRM;
        a->seq = re_seq(&rs->arena, p);
        a->seq_dotall = (p->flags & WARD_SP_RE_S) != 0;
        char *fac = ward_arena_alloc(&rs->arena, p->len + 1);
        if (!fac) return WARD_ENOMEM;
        size_t fl = re_factor(p, fac, p->len);
        if (fl >= WARD_RE_FACTOR_MIN) {
            fac[fl] = '\0';
            a->fac = fac;
            a->faclen = (uint32_t)fl;
        }
    } else if (lz != LZ_NONE) {
        a->mode = ATOM_LAZY;
        a->lazy = (uint8_t)lz;
    } else {
        a->mode = ATOM_EXACT;
    }
    if (a->mode != ATOM_LAZY) {
        struct slotb *sb = slot == WARD_KW_SLOT ? &b->kw : &b->sb[slot];
        if (grow((void **)&sb->atoms, &sb->cap, sb->natoms + 1, sizeof *sb->atoms))
            return WARD_ENOMEM;
        sb->atoms[sb->natoms++] = (uint32_t)ai;
    }
    return ai;
}

/* ---- checking a rule before anything is added ------------------------------------------ */

static int check_pattern(struct builder *b, const struct ward_sigma_item *it,
                         const struct ward_sigma_pattern *p)
{
    switch (p->kind) {
    case WARD_SP_GLOB:
        if (p->len > MAX_PATTERN_BYTES) {
            snprintf(b->reason, sizeof b->reason,
                     "value of field '%s' is %zu bytes long (limit %u)",
                     it->field ? it->field : "(keyword)", p->len, MAX_PATTERN_BYTES);
            return -1;
        }
        return 0;
    case WARD_SP_RE: {
        if (p->len > MAX_PATTERN_BYTES) {
            snprintf(b->reason, sizeof b->reason, "regular expression is %zu bytes long", p->len);
            return -1;
        }
        pcre2_code *re = re_compile(p, b->reason, sizeof b->reason);
        if (!re) return -1;
        pcre2_code_free(re);
        return 0;
    }
    case WARD_SP_CIDR:
    case WARD_SP_LT:
    case WARD_SP_LTE:
    case WARD_SP_GT:
    case WARD_SP_GTE:
    case WARD_SP_EXISTS:
    case WARD_SP_NULL:
    case WARD_SP_TIMEPART:
        if (!it->field) {
            snprintf(b->reason, sizeof b->reason,
                     "a keyword (field-less) value cannot use a comparison, cidr, exists, "
                     "null or time modifier");
            return -1;
        }
        return 0;
    case WARD_SP_FIELDREF:
        if (!it->field) {
            snprintf(b->reason, sizeof b->reason, "fieldref needs a field");
            return -1;
        }
        return 0;
    default:
        snprintf(b->reason, sizeof b->reason, "value pattern kind %u is not supported",
                 (unsigned)p->kind);
        return -1;
    }
}

static int check_cond(struct builder *b, const struct ward_sigma_rule *r,
                      const struct ward_sigma_cond *c, int depth)
{
    if (!c) {
        snprintf(b->reason, sizeof b->reason, "no condition");
        return -1;
    }
    if (depth > MAX_COND_DEPTH) {
        snprintf(b->reason, sizeof b->reason, "condition nested deeper than %d", MAX_COND_DEPTH);
        return -1;
    }
    switch (c->kind) {
    case WARD_SC_REF:
        if (c->ref >= r->ndets) {
            snprintf(b->reason, sizeof b->reason, "condition refers to detection %u of %zu",
                     (unsigned)c->ref, r->ndets);
            return -1;
        }
        return 0;
    case WARD_SC_AND:
    case WARD_SC_OR:
        if (check_cond(b, r, c->a, depth + 1)) return -1;
        return check_cond(b, r, c->b, depth + 1);
    case WARD_SC_NOT: return check_cond(b, r, c->a, depth + 1);
    case WARD_SC_TRUE:
    case WARD_SC_FALSE: return 0;
    default:
        snprintf(b->reason, sizeof b->reason, "condition node kind %u is not supported",
                 (unsigned)c->kind);
        return -1;
    }
}

static int check_rule(struct builder *b, const struct ward_sigma_rule *r,
                      const struct ward_ls_ids *ls)
{
    for (size_t d = 0; d < r->ndets; d++) {
        const struct ward_sigma_detection *det = &r->dets[d];
        for (size_t g = 0; g < det->ngroups; g++) {
            const struct ward_sigma_group *grp = &det->groups[g];
            for (size_t i = 0; i < grp->nitems; i++) {
                const struct ward_sigma_item *it = &grp->items[i];
                const char *keys[MAX_KEYS_PER_FIELD];
                if (it->field && field_keys(b, ls, it->field, keys) <= 0) {
                    snprintf(b->reason, sizeof b->reason,
                             "field '%s' has no event key for this logsource", it->field);
                    return -1;
                }
                for (size_t v = 0; v < it->nvalues; v++) {
                    const struct ward_sigma_value *val = &it->values[v];
                    for (size_t a = 0; a < val->nalts; a++) {
                        const struct ward_sigma_pattern *p = &val->alts[a];
                        if (check_pattern(b, it, p)) return -1;
                        if (p->kind == WARD_SP_FIELDREF && field_keys(b, ls, p->text, keys) <= 0) {
                            snprintf(b->reason, sizeof b->reason,
                                     "fieldref field '%s' has no event key for this logsource",
                                     p->text);
                            return -1;
                        }
                    }
                }
            }
        }
    }
    return check_cond(b, r, r->cond, 0);
}

/* ---- emitting a rule's program ---------------------------------------------------------- */

static int64_t node_push(struct builder *b, uint8_t op, uint32_t arg)
{
    struct ward_ruleset *rs = b->rs;
    if (grow((void **)&rs->nodes, &b->nodes_cap, (size_t)rs->nnodes + 1, sizeof *rs->nodes))
        return WARD_ENOMEM;
    uint32_t i = rs->nnodes++;
    rs->nodes[i].op = op;
    rs->nodes[i].direct = 0;
    rs->nodes[i].arg = arg;
    rs->nodes[i].end = i + 1;
    return i;
}

static void node_close(struct builder *b, int64_t i)
{
    b->rs->nodes[i].end = b->rs->nnodes;
}

static int emit_item(struct builder *b, const struct ward_ls_ids *ls,
                     const struct ward_sigma_item *it)
{
    uint32_t slot = WARD_KW_SLOT;
    const char *keys[MAX_KEYS_PER_FIELD];
    if (it->field) {
        int nk = field_keys(b, ls, it->field, keys);
        int64_t s = slot_for(b, keys, (size_t)nk);
        if (s < 0) return (int)s;
        slot = (uint32_t)s;
        if (rule_add_slot(b, slot)) return WARD_ENOMEM;
    } else {
        b->rkw = 1;
    }
    int64_t neg = -1, top = -1;
    if (it->flags & WARD_SI_NEQ) {
        neg = node_push(b, N_NOT, 0);
        if (neg < 0) return (int)neg;
    }
    if (it->nvalues > 1) {
        top = node_push(b, (it->flags & WARD_SI_ALL) ? N_AND : N_OR, 0);
        if (top < 0) return (int)top;
    }
    for (size_t v = 0; v < it->nvalues; v++) {
        const struct ward_sigma_value *val = &it->values[v];
        int64_t alt = -1;
        if (val->nalts != 1) {
            alt = node_push(b, val->nalts ? N_OR : N_FALSE, 0);
            if (alt < 0) return (int)alt;
        }
        for (size_t a = 0; a < val->nalts; a++) {
            const struct ward_sigma_pattern *p = &val->alts[a];
            uint32_t ref_slot = 0;
            if (p->kind == WARD_SP_FIELDREF) {
                int nk = field_keys(b, ls, p->text, keys);
                int64_t s = slot_for(b, keys, (size_t)nk);
                if (s < 0) return (int)s;
                ref_slot = (uint32_t)s;
            }
            int64_t ai = atom_for(b, slot, ref_slot, p);
            if (ai < 0) return (int)ai;
            if (node_push(b, N_ATOM, (uint32_t)ai) < 0) return WARD_ENOMEM;
        }
        if (alt >= 0) node_close(b, alt);
    }
    if (top >= 0) node_close(b, top);
    if (neg >= 0) node_close(b, neg);
    return 0;
}

static int emit_det(struct builder *b, const struct ward_ls_ids *ls,
                    const struct ward_sigma_detection *det)
{
    int64_t top = -1;
    if (det->ngroups != 1) {
        top = node_push(b, det->ngroups ? N_OR : N_FALSE, 0);
        if (top < 0) return (int)top;
    }
    for (size_t g = 0; g < det->ngroups; g++) {
        const struct ward_sigma_group *grp = &det->groups[g];
        int64_t and = -1;
        if (grp->nitems != 1) {
            and = node_push(b, grp->nitems ? N_AND : N_TRUE, 0);
            if (and < 0) return (int)and;
        }
        for (size_t i = 0; i < grp->nitems; i++) {
            int rc = emit_item(b, ls, &grp->items[i]);
            if (rc) return rc;
        }
        if (and >= 0) node_close(b, and);
    }
    if (top >= 0) node_close(b, top);
    return 0;
}

static int emit_cond(struct builder *b, const struct ward_sigma_rule *r,
                     const struct ward_ls_ids *ls, const struct ward_sigma_cond *c);

/* Emits the operands of a chain of the same binary operator as one n-ary node's children. */
static int emit_chain(struct builder *b, const struct ward_sigma_rule *r,
                      const struct ward_ls_ids *ls, const struct ward_sigma_cond *c, uint8_t kind)
{
    if (c->kind == kind) {
        int rc = emit_chain(b, r, ls, c->a, kind);
        return rc ? rc : emit_chain(b, r, ls, c->b, kind);
    }
    return emit_cond(b, r, ls, c);
}

static int emit_cond(struct builder *b, const struct ward_sigma_rule *r,
                     const struct ward_ls_ids *ls, const struct ward_sigma_cond *c)
{
    switch (c->kind) {
    case WARD_SC_REF: return emit_det(b, ls, &r->dets[c->ref]);
    case WARD_SC_AND:
    case WARD_SC_OR: {
        int64_t n = node_push(b, c->kind == WARD_SC_AND ? N_AND : N_OR, 0);
        if (n < 0) return (int)n;
        int rc = emit_chain(b, r, ls, c, c->kind);
        node_close(b, n);
        return rc;
    }
    case WARD_SC_NOT: {
        int64_t n = node_push(b, N_NOT, 0);
        if (n < 0) return (int)n;
        int rc = emit_cond(b, r, ls, c->a);
        node_close(b, n);
        return rc;
    }
    case WARD_SC_TRUE: return node_push(b, N_TRUE, 0) < 0 ? WARD_ENOMEM : 0;
    default: return node_push(b, N_FALSE, 0) < 0 ? WARD_ENOMEM : 0;
    }
}

/* ---- databases ----------------------------------------------------------------------------- */

/* The longest run of literal bytes of a glob, when it is long enough to scan for. */
static int glob_frag(const struct ward_sigma_pattern *p, size_t *off, size_t *len)
{
    size_t best = 0, bo = 0;
    for (size_t i = 0; i < p->len;) {
        if (glob_is_wild(p, i)) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < p->len && !glob_is_wild(p, j)) j++;
        if (j - i > best) best = j - i, bo = i;
        i = j;
    }
    if (best < 4) return 0;
    *off = bo;
    *len = best;
    return 1;
}

/* Whether a scanned atom is a bare literal (a glob with wildcards only at its ends). */
static int atom_is_literal(const struct atom *a, size_t *off, size_t *len)
{
    const struct ward_sigma_pattern *p = a->pat;
    if (p->kind != WARD_SP_GLOB) return 0;
    size_t s = 0, e = p->len;
    while (s < e && glob_is_wild(p, s) && p->wild[s] == WARD_GLOB_STAR) s++;
    while (e > s && glob_is_wild(p, e - 1) && p->wild[e - 1] == WARD_GLOB_STAR) e--;
    for (size_t i = s; i < e; i++)
        if (glob_is_wild(p, i)) return 0;
    *off = s;
    *len = e - s;
    return 1;
}

static void demote(struct atom *a)
{
    a->mode = ATOM_LAZY;
    a->lazy = a->pat->kind == WARD_SP_RE ? LZ_RE : LZ_GLOB;
}

static uint64_t lit_hash(const char *p, size_t n, int cased)
{
    return cased ? ward_hash64(p, n, 0) : ward_hash64_lower(p, n, 0);
}

static int eq_build(struct ward_ruleset *rs, const uint32_t *ids, size_t n, int cased,
                    uint32_t **out, uint32_t *mask)
{
    size_t cap = 8;
    while (cap < n * 2) cap *= 2;
    uint32_t *t = ward_arena_alloc(&rs->arena, cap * sizeof *t);
    if (!t) return WARD_ENOMEM;
    memset(t, 0, cap * sizeof *t);
    for (size_t i = 0; i < n; i++) {
        const struct atom *a = &rs->atoms[ids[i]];
        size_t j = lit_hash(a->lit, a->litlen, cased) & (cap - 1);
        while (t[j]) j = (j + 1) & (cap - 1);
        t[j] = ids[i] + 1;
    }
    *out = t;
    *mask = (uint32_t)(cap - 1);
    return 0;
}

/* The length of a literal's tag (the bytes before its first '='), or -1 when the literal
 * cannot go to a tag table. */
static int tag_len(const struct atom *a)
{
    if (a->pos != POS_ANY) return -1;
    const char *eq = memchr(a->lit, '=', a->litlen);
    if (!eq || eq - a->lit > WARD_TAG_MAX) return -1;
    size_t t = (size_t)(eq - a->lit);
    return a->litlen >= t + 1 + WARD_TAG_KEY ? (int)t : -1;
}

/*
 * The tag table of a scan set (struct scanset), when every one of its n non-equality
 * literals is a "TAG=..." contains literal with few distinct tag lengths; otherwise
 * nothing is done and they stay in the Vectorscan database.
 */
static int tag_build(struct ward_ruleset *rs, const uint32_t *ids, size_t n, struct scanset *sl)
{
    uint8_t lens[WARD_TAG_LENS];
    uint8_t nl = 0;
    for (size_t i = 0; i < n; i++) {
        int t = tag_len(&rs->atoms[ids[i]]);
        if (t < 0) return 0;
        uint8_t k = 0;
        while (k < nl && lens[k] != t) k++;
        if (k == nl) {
            if (nl == WARD_TAG_LENS) return 0;
            lens[nl++] = (uint8_t)t;
        }
    }
    size_t cap = 8;
    while (cap < n * 2) cap *= 2;
    uint32_t *tab = ward_arena_alloc(&rs->arena, 2 * cap * sizeof *tab);
    if (!tab) return WARD_ENOMEM;
    memset(tab, 0, 2 * cap * sizeof *tab);
    for (size_t i = 0; i < n; i++) {
        struct atom *a = &rs->atoms[ids[i]];
        size_t t = (size_t)tag_len(a);
        uint64_t h = ward_hash64_lower(a->lit, t + 1 + WARD_TAG_KEY, 0);
        size_t j = h & (cap - 1);
        while (tab[2 * j]) j = (j + 1) & (cap - 1);
        tab[2 * j] = ids[i] + 1;
        tab[2 * j + 1] = (uint32_t)(h >> 32);
        a->via = VIA_TAG;
    }
    sl->tag = tab;
    sl->tag_mask = (uint32_t)(cap - 1);
    memcpy(sl->tag_lens, lens, nl);
    sl->ntag_lens = nl;
    return 0;
}

/*
 * Takes the exact literals of a slot out of its Vectorscan database where that is
 * cheaper: equality literals go to hash tables of whole values, and when few other
 * literals remain they are compared in C (a Vectorscan call costs more than a few
 * compares).
 */
static int split_literals(struct builder *b, struct slotb *sb, struct scanset *sl, int defer)
{
    struct ward_ruleset *rs = b->rs;
    size_t n = sb->natoms, nci = 0, ncs = 0, nother = 0;
    uint32_t *ci = malloc((n ? n : 1) * sizeof *ci), *cs = malloc((n ? n : 1) * sizeof *cs);
    uint32_t *other = malloc((n ? n : 1) * sizeof *other);
    int rc = 0;
    if (!ci || !cs || !other) {
        rc = WARD_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        struct atom *a = &rs->atoms[sb->atoms[i]];
        size_t off = 0, len = 0;
        if (a->mode != ATOM_EXACT || a->defer != defer || !atom_is_literal(a, &off, &len)) continue;
        unsigned fl;
        if (glob_expr(a->pat, &b->tmp, &fl, &a->pos, &a->litlen)) {
            rc = WARD_ENOMEM;
            goto done;
        }
        a->lit = a->pat->text + off;
        a->litlen = (uint32_t)len;
        a->cased = (a->pat->flags & WARD_SP_CASED) != 0;
        if (a->pos == POS_EQ) {
            a->via = VIA_EQ;
            sl->eq_lens |= 1ULL << (len < 63 ? len : 63);
            if (a->cased)
                cs[ncs++] = sb->atoms[i];
            else
                ci[nci++] = sb->atoms[i];
        } else {
            other[nother++] = sb->atoms[i];
        }
    }
    if (nci) rc = eq_build(rs, ci, nci, 0, &sl->eq_ci, &sl->eq_ci_mask);
    if (!rc && ncs) rc = eq_build(rs, cs, ncs, 1, &sl->eq_cs, &sl->eq_cs_mask);
    if (!rc && nother > WARD_DIRECT_MAX) rc = tag_build(rs, other, nother, sl);
    if (!rc && nother && nother <= WARD_DIRECT_MAX) {
        sl->direct = ward_arena_alloc(&rs->arena, nother * sizeof *sl->direct);
        if (!sl->direct) {
            rc = WARD_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < nother; i++) {
            rs->atoms[other[i]].via = VIA_DIRECT;
            sl->direct[i] = other[i];
        }
        sl->ndirect = (uint32_t)nother;
    }
done:
    free(ci);
    free(cs);
    free(other);
    return rc;
}

/*
 * Builds one database over the scanned atoms of a slot: literal = 1 takes the bare
 * literals (hs_compile_lit_multi: fast to compile, no regex parsing), literal = 0 the
 * other globs and the regexes (hs_compile_multi). An expression Vectorscan refuses makes
 * its atom lazy and the rest is compiled again.
 */
static int build_db(struct builder *b, struct slotb *sb, int defer, int literal,
                    hs_database_t **out)
{
    struct ward_ruleset *rs = b->rs;
    *out = NULL;
    b->db_minlen = UINT32_MAX;
    if (!sb->natoms) return 0;
    size_t n = sb->natoms;
    char **exprs = calloc(n, sizeof *exprs);
    unsigned *flags = calloc(n, sizeof *flags);
    unsigned *ids = calloc(n, sizeof *ids);
    size_t *lens = calloc(n, sizeof *lens);
    int rc = 0;
    if (!exprs || !flags || !ids || !lens) {
        rc = WARD_ENOMEM;
        goto done;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct atom *a = &rs->atoms[sb->atoms[i]];
        if (a->mode == ATOM_LAZY || a->via != VIA_HS || a->defer != defer) continue;
        size_t off = 0, len = 0;
        int lit = atom_is_literal(a, &off, &len);
        a->frag = 0;
        if (!lit && sb != &b->kw && a->pat->kind == WARD_SP_GLOB && glob_frag(a->pat, &off, &len)) {
            /* a glob with inner wildcards: its longest literal run goes with the literals,
             * each hit is confirmed with the whole glob */
            a->frag = 1;
            a->frag_off = (uint32_t)off;
            a->frag_len = (uint32_t)len;
            lit = 1;
        }
        /* a regex with a factor (ASCII): the same, confirmed with PCRE2 */
        int refac = !lit && sb != &b->kw && a->pat->kind == WARD_SP_RE && a->fac;
        if (refac) lit = 1;
        if (lit && sb != &b->kw) {
            /* literals with a non-ASCII byte apart: only values with one are scanned
             * for them (case folding is ASCII only, so no other value can match) */
            int hi = 0;
            for (size_t k = off; k < off + len && !hi; k++)
                hi = (unsigned char)a->pat->text[k] >= 0x80;
            lit += hi;
        }
        if (lit != literal) continue;
        if (refac) {
            exprs[m] = strdup(a->fac);
            lens[m] = a->faclen;
            if (a->faclen < b->db_minlen) b->db_minlen = a->faclen;
            flags[m] = HS_FLAG_SINGLEMATCH | HS_FLAG_CASELESS;
            a->pos = POS_ANY;
        } else if (a->pat->kind == WARD_SP_GLOB) {
            if (glob_expr(a->pat, &b->tmp, &flags[m], &a->pos, &a->litlen)) {
                rc = WARD_ENOMEM;
                goto done;
            }
            if (a->frag) {
                flags[m] = HS_FLAG_SINGLEMATCH;
                if (!(a->pat->flags & WARD_SP_CASED)) flags[m] |= HS_FLAG_CASELESS;
                a->pos = POS_ANY;
            }
            if (literal) {
                exprs[m] = malloc(len + 1);
                if (exprs[m]) memcpy(exprs[m], a->pat->text + off, len), exprs[m][len] = '\0';
                lens[m] = len;
                if (len < b->db_minlen) b->db_minlen = (uint32_t)len;
                flags[m] &= ~(unsigned)HS_FLAG_DOTALL;
                /* keyword literals are scanned over all values joined: a first match may
                 * straddle two values and be refused, so every match must be reported */
                if (sb == &b->kw) flags[m] &= ~(unsigned)HS_FLAG_SINGLEMATCH;
            } else {
                exprs[m] = strdup(b->tmp.data);
            }
        } else {
            exprs[m] = strndup(a->pat->text, a->pat->len);
            flags[m] = re_hs_flags(a->pat->flags);
            /* a NUL inside the regex cannot be passed to Vectorscan */
            if (exprs[m] && strlen(exprs[m]) != a->pat->len) {
                free(exprs[m]);
                exprs[m] = NULL;
                demote(a);
                continue;
            }
        }
        if (!exprs[m]) {
            rc = WARD_ENOMEM;
            goto done;
        }
        ids[m] = sb->atoms[i];
        m++;
    }
    while (m > 0) {
        hs_compile_error_t *ce = NULL;
        uint64_t t0 = ward_clock_ns();
        hs_error_t he = literal ? hs_compile_lit_multi((const char *const *)exprs, flags, ids, lens,
                                                       (unsigned)m, HS_MODE_BLOCK, NULL, out, &ce)
                                : hs_compile_multi((const char *const *)exprs, flags, ids,
                                                   (unsigned)m, HS_MODE_BLOCK, NULL, out, &ce);
        rs->hs_ns += ward_clock_ns() - t0;
        ward_debug("sigma: Vectorscan %s database of %zu expressions: %.3f s",
                   literal ? "literal" : "expression", m, (double)(ward_clock_ns() - t0) / 1e9);
        if (he == HS_SUCCESS) break;
        int bad = ce ? ce->expression : -1;
        if (ce) hs_free_compile_error(ce);
        if (bad < 0 || (size_t)bad >= m) {
            /* the database as a whole failed (too large): everything becomes lazy */
            ward_warn("sigma: a Vectorscan database of %zu patterns failed to compile; "
                      "its patterns are matched without it",
                      m);
            for (size_t i = 0; i < m; i++) demote(&rs->atoms[ids[i]]);
            break;
        }
        /* one expression is refused: match it lazily and compile the rest */
        demote(&rs->atoms[ids[bad]]);
        free(exprs[bad]);
        exprs[bad] = exprs[m - 1];
        flags[bad] = flags[m - 1];
        ids[bad] = ids[m - 1];
        lens[bad] = lens[m - 1];
        exprs[m - 1] = NULL;
        m--;
    }
done:
    if (exprs)
        for (size_t i = 0; i < n; i++) free(exprs[i]);
    free(exprs);
    free(flags);
    free(ids);
    free(lens);
    return rc;
}

/* ---- diagnostics ------------------------------------------------------------------------- */

static int add_diag(struct builder *b, const struct ward_sigma_rule *r, const char *reason)
{
    return ward_sigma_rules_add_diag(b->rules, r->path, r->line, r->id, r->title, reason);
}

/* ---- the public entry ---------------------------------------------------------------------- */

static int compile_rule(struct builder *b, const struct ward_sigma_rule *r)
{
    struct ward_ruleset *rs = b->rs;
    struct ward_ls_ids ls;
    memset(&ls, 0, sizeof ls);
    b->reason[0] = '\0';
    if (b->t) {
        char why[256] = "";
        int rc = ward_taxonomy_rule_ls(b->t, &r->logsource, &ls, why, sizeof why);
        if (rc <= 0) {
            snprintf(b->reason, sizeof b->reason, "logsource: %s",
                     why[0] ? why : "not known to the taxonomy");
            return add_diag(b, r, b->reason);
        }
    }
    if (check_rule(b, r, &ls)) return add_diag(b, r, b->reason);

    b->nrslots = 0;
    b->rkw = 0;
    uint32_t start = rs->nnodes;
    int rc = emit_cond(b, r, &ls, r->cond);
    if (rc) return rc;
    if (rs->nnodes - start > MAX_RULE_NODES) {
        rs->nnodes = start; /* atoms it added stay, unused: harmless */
        snprintf(b->reason, sizeof b->reason, "condition expands to more than %u nodes",
                 MAX_RULE_NODES);
        return add_diag(b, r, b->reason);
    }
    if (grow((void **)&rs->rules, &b->rules_cap, rs->nrules + 1, sizeof *rs->rules))
        return WARD_ENOMEM;
    struct crule *cr = &rs->rules[rs->nrules++];
    memset(cr, 0, sizeof *cr);
    cr->rule = r;
    cr->ls = ls;
    cr->prog_off = start;
    cr->prog_len = rs->nnodes - start;
    cr->keywords = (uint8_t)b->rkw;
    cr->nslots = (uint32_t)b->nrslots;
    if (b->nrslots) {
        cr->slots = ward_arena_alloc(&rs->arena, b->nrslots * sizeof *cr->slots);
        if (!cr->slots) return WARD_ENOMEM;
        memcpy(cr->slots, b->rslots, b->nrslots * sizeof *cr->slots);
    }
    if (cr->prog_len > rs->max_width) rs->max_width = cr->prog_len;
    return 0;
}

struct pair {
    uint32_t atom, rule;
};

static int pair_cmp(const void *x, const void *y)
{
    const struct pair *a = x, *b = y;
    if (a->atom != b->atom) return a->atom < b->atom ? -1 : 1;
    return (a->rule > b->rule) - (a->rule < b->rule);
}

/* Turns each OR over scanned atoms only into N_ANYHIT and lists, for each atom, those
 * nodes. */
static int mark_anyhit(struct ward_ruleset *rs)
{
    struct pair *pairs = NULL;
    size_t np = 0, cap = 0;
    for (uint32_t i = 0; i < rs->nnodes; i++) {
        struct node *n = &rs->nodes[i];
        if (n->op != N_OR) continue;
        uint32_t kids = 0, dslot = UINT32_MAX;
        int all = 1;
        for (uint32_t j = i + 1; j < n->end && all; j = rs->nodes[j].end, kids++) {
            if (rs->nodes[j].op != N_ATOM) {
                all = 0;
                break;
            }
            const struct atom *a = &rs->atoms[rs->nodes[j].arg];
            all = a->mode != ATOM_LAZY;
            if (!all || !a->defer) continue;
            /* deferred children: all in one slot, whose `later` set is scanned first */
            if (dslot != UINT32_MAX && dslot != a->slot) all = 0;
            dslot = a->slot;
        }
        if (!all || kids < 2) continue;
        n->op = N_ANYHIT;
        n->arg = dslot;
        n->direct = 0;
        if (dslot != UINT32_MAX) {
            /* few deferred atoms: evaluated one by one rather than by a scan */
            uint32_t cost = 0;
            for (uint32_t j = i + 1; j < n->end; j = rs->nodes[j].end) {
                const struct atom *a = &rs->atoms[rs->nodes[j].arg];
                if (!a->defer) continue;
                cost += !a->lit ? (a->pat->kind == WARD_SP_RE ? 16 : 8) : a->pos == POS_ANY ? 4 : 1;
            }
            n->direct = cost <= WARD_DEFER_DIRECT_COST;
        }
        for (uint32_t j = i + 1; j < n->end; j = rs->nodes[j].end) {
            if (grow((void **)&pairs, &cap, np + 1, sizeof *pairs)) {
                free(pairs);
                return WARD_ENOMEM;
            }
            pairs[np].atom = rs->nodes[j].arg;
            pairs[np].rule = i; /* the node */
            np++;
        }
    }
    if (np) qsort(pairs, np, sizeof *pairs, pair_cmp);
    rs->atom_nodes = malloc((np ? np : 1) * sizeof *rs->atom_nodes);
    if (!rs->atom_nodes) {
        free(pairs);
        return WARD_ENOMEM;
    }
    uint32_t k = 0;
    for (size_t i = 0; i < np; i++) {
        if (i && pairs[i].atom == pairs[i - 1].atom && pairs[i].rule == pairs[i - 1].rule) continue;
        struct atom *a = &rs->atoms[pairs[i].atom];
        if (!a->nodes_n) a->nodes_off = k;
        a->nodes_n++;
        rs->atom_nodes[k++] = pairs[i].rule;
    }
    free(pairs);
    return 0;
}

/* Lists for each field id the slots that read it. */
static int link_fields(struct ward_ruleset *rs)
{
    size_t nf = rs->fields.count;
    rs->id_slots_off = calloc(nf + 2, sizeof *rs->id_slots_off);
    if (!rs->id_slots_off) return WARD_ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t si = 0; si < rs->nslots; si++) {
            const struct slot *s = &rs->slots[si];
            for (uint32_t k = 0; k < s->nkeys; k++) {
                /* and for "prefix.~Name", the key "prefix.Name" (see wild_absent in
                 * matcher.c) */
                uint32_t ids[3] = {s->keys[k].id, s->keys[k].id0,
                                   s->keys[k].tilde_last ? s->keys[k].tid : WARD_FIELD_NOID};
                for (int j = 0; j < 3; j++) {
                    if (ids[j] == WARD_FIELD_NOID) continue;
                    if (pass == 0)
                        rs->id_slots_off[ids[j] + 2]++;
                    else
                        rs->id_slots[rs->id_slots_off[ids[j] + 1]++] = si;
                }
            }
        }
        if (pass == 0) {
            for (size_t i = 2; i < nf + 2; i++) rs->id_slots_off[i] += rs->id_slots_off[i - 1];
            rs->id_slots = malloc((rs->id_slots_off[nf + 1] + 1) * sizeof *rs->id_slots);
            if (!rs->id_slots) return WARD_ENOMEM;
        }
    }
    return 0;
}

/*
 * Choosing each rule's gates. gate_walk(i, pos) gives the cost of a set of scannable atoms
 * such that node i cannot be true (pos = 1) or false (pos = 0) unless one of them hits,
 * or GATE_NONE when there is no such set: AND true needs one child true (the cheapest),
 * OR true needs a true child (all of them), and the reverse for false; NOT flips. Atoms
 * that are nobody's gate are not scanned for every event: they are deferred, evaluated on
 * demand for the candidate rules that read them.
 */
#define GATE_NONE UINT64_MAX

struct gate_ctx {
    struct ward_ruleset *rs;
    const uint32_t *refs;   /* per atom: how many program nodes read it */
    const uint32_t *common; /* per atom: signs that its literal is common (see lit_common) */
    const uint8_t *refused; /* per atom: Vectorscan refused it (never a gate) */
    struct pair **pairs;
    size_t *np, *cap;
    uint32_t rule;
};

static uint64_t atom_gate_cost(const struct gate_ctx *g, uint32_t ai)
{
    const struct atom *a = &g->rs->atoms[ai];
    if (a->mode == ATOM_LAZY || g->refused[ai]) return GATE_NONE;
    uint64_t c;
    if (a->lit && a->pos == POS_EQ) {
        c = 1; /* one hash lookup per value */
    } else if (a->lit) {
        /* short literals make the scan confirm at almost every byte, and hit often */
        uint32_t l = a->litlen;
        c = l >= 8 ? 4 : l >= 5 ? 8 : l == 4 ? 24 : l == 3 ? 64 : 256;
    } else {
        c = a->pat->kind == WARD_SP_RE ? 128 : 16; /* a regex, or a glob with inner wildcards */
    }
    if (a->slot == WARD_KW_SLOT) c *= 8; /* scanned over every field of the event */
    /* an atom many rules read is a common test, likely to hit (and wake rules) often */
    return c + 2 * (uint64_t)g->refs[ai] + 16 * (uint64_t)g->common[ai];
}

static uint64_t cost_add(uint64_t a, uint64_t b)
{
    return a == GATE_NONE || b == GATE_NONE ? GATE_NONE : a + b;
}

/* The cost of node i's cheapest gate set for polarity pos; emit: add its atoms as pairs. */
static uint64_t gate_walk(struct gate_ctx *g, uint32_t i, int pos, int emit, int *rc)
{
    const struct ward_ruleset *rs = g->rs;
    const struct node *n = &rs->nodes[i];
    switch (n->op) {
    case N_FALSE: return pos ? 0 : GATE_NONE;
    case N_TRUE: return pos ? GATE_NONE : 0;
    case N_ATOM: {
        if (!pos) return GATE_NONE;
        uint64_t c = atom_gate_cost(g, n->arg);
        if (emit && c != GATE_NONE) {
            if (grow((void **)g->pairs, g->cap, *g->np + 1, sizeof **g->pairs)) {
                *rc = WARD_ENOMEM;
            } else {
                (*g->pairs)[*g->np].atom = n->arg;
                (*g->pairs)[*g->np].rule = g->rule;
                (*g->np)++;
            }
        }
        return c;
    }
    case N_NOT: return gate_walk(g, i + 1, !pos, emit, rc);
    case N_AND:
    case N_OR: {
        /* AND true / OR false: one child suffices (the cheapest); else all of them */
        int one = (n->op == N_AND) == (pos != 0);
        if (!one) {
            uint64_t sum = 0;
            for (uint32_t j = i + 1; j < n->end && sum != GATE_NONE; j = rs->nodes[j].end)
                sum = cost_add(sum, gate_walk(g, j, pos, 0, rc));
            if (emit && sum != GATE_NONE)
                for (uint32_t j = i + 1; j < n->end; j = rs->nodes[j].end)
                    (void)gate_walk(g, j, pos, 1, rc);
            return sum;
        }
        uint64_t best = GATE_NONE;
        uint32_t bj = 0;
        for (uint32_t j = i + 1; j < n->end; j = rs->nodes[j].end) {
            uint64_t c = gate_walk(g, j, pos, 0, rc);
            if (c < best) {
                best = c;
                bj = j;
            }
        }
        if (emit && best != GATE_NONE) (void)gate_walk(g, bj, pos, 1, rc);
        return best;
    }
    }
    return GATE_NONE;
}

struct common_scan {
    uint32_t *cont;
    uint32_t self;
};

static int common_hit(unsigned int id, unsigned long long from, unsigned long long to,
                      unsigned int flags, void *ctx)
{
    (void)from;
    (void)to;
    (void)flags;
    struct common_scan *c = ctx;
    if (id != c->self) c->cont[id]++;
    return 0;
}

/*
 * A static guess of how common each literal is in events, to keep common strings out of
 * the gates (a gate that hits on most events wakes its rule on most events): how many
 * other literals of the rule set contain it ("\Windows\" is in hundreds of them), and
 * how often rules use it in a filter (under NOT), i.e. as a benign value. A guess only:
 * it changes which atoms are scanned first, never an answer.
 */
static void lit_common(const struct ward_ruleset *rs, uint32_t *common)
{
    struct ward_intern texts;
    ward_intern_init(&texts);
    uint32_t *tid = malloc((rs->natoms ? rs->natoms : 1) * sizeof *tid);
    char *low = NULL;
    size_t lowcap = 0;
    if (!tid) return;
    for (uint32_t a = 0; a < rs->natoms; a++) {
        const struct atom *at = &rs->atoms[a];
        tid[a] = UINT32_MAX;
        if (!at->lit || !at->litlen) continue;
        if (grow((void **)&low, &lowcap, at->litlen, 1)) goto done;
        for (uint32_t i = 0; i < at->litlen; i++)
            low[i] = (char)ward_lower((unsigned char)at->lit[i]);
        int64_t t = ward_intern_add(&texts, low, at->litlen);
        if (t < 0) goto done;
        tid[a] = (uint32_t)t;
    }
    uint32_t nt = texts.count;
    uint32_t *cont = calloc(nt ? nt : 1, sizeof *cont), *neg = calloc(nt ? nt : 1, sizeof *neg);
    const char **ex = malloc((nt ? nt : 1) * sizeof *ex);
    unsigned *fl = malloc((nt ? nt : 1) * sizeof *fl), *ids = malloc((nt ? nt : 1) * sizeof *ids);
    size_t *lens = malloc((nt ? nt : 1) * sizeof *lens);
    if (!cont || !neg || !ex || !fl || !ids || !lens) goto done2;
    /* filters: atoms under an odd number of NOTs */
    for (size_t r = 0; r < rs->nrules; r++) {
        const struct crule *cr = &rs->rules[r];
        uint32_t not_ends[64];
        size_t nnot = 0, deep = 0;
        for (uint32_t i = cr->prog_off; i < cr->prog_off + cr->prog_len; i++) {
            const struct node *n = &rs->nodes[i];
            while (nnot && not_ends[nnot - 1] <= i) nnot--;
            while (deep && nnot < deep) deep = 0;
            if (n->op == N_NOT) {
                if (nnot < 64)
                    not_ends[nnot++] = n->end;
                else
                    deep = nnot; /* too deep: polarity unknown, skip */
                continue;
            }
            if (n->op == N_ATOM && nnot % 2 && !deep && tid[n->arg] != UINT32_MAX)
                neg[tid[n->arg]]++;
        }
    }
    /* containment: a database of the texts, scanned over each text */
    uint32_t m = 0;
    for (uint32_t t = 0; t < nt; t++) {
        /* long literals are rare in events anyway (and would make this slow to compile) */
        if (texts.lens[t] > 16) continue;
        ex[m] = texts.names[t];
        lens[m] = texts.lens[t];
        fl[m] = HS_FLAG_SINGLEMATCH;
        ids[m] = t;
        m++;
    }
    hs_database_t *db = NULL;
    hs_scratch_t *scr = NULL;
    hs_compile_error_t *ce = NULL;
    if (m &&
        hs_compile_lit_multi(ex, fl, ids, lens, m, HS_MODE_BLOCK, NULL, &db, &ce) == HS_SUCCESS &&
        hs_alloc_scratch(db, &scr) == HS_SUCCESS) {
        struct common_scan cs = {cont, 0};
        for (uint32_t t = 0; t < nt; t++) {
            cs.self = t;
            (void)hs_scan(db, texts.names[t], (unsigned)texts.lens[t], 0, scr, common_hit, &cs);
        }
    }
    if (ce) hs_free_compile_error(ce);
    if (scr) hs_free_scratch(scr);
    if (db) hs_free_database(db);
    for (uint32_t a = 0; a < rs->natoms; a++) {
        if (tid[a] == UINT32_MAX) continue;
        uint32_t c = cont[tid[a]] + 2 * neg[tid[a]];
        common[a] = c > 4096 ? 4096 : c;
    }
done2:
    free(cont);
    free(neg);
    free(ex);
    free(fl);
    free(ids);
    free(lens);
done:
    free(low);
    free(tid);
    ward_intern_free(&texts);
}

/* Chooses the gates of every rule (see gate_walk) and lists each gated rule under its
 * gate atoms (rs->atom_rules); in_p[atom] = 1 for the atoms scanned eagerly: the gates,
 * and every atom of an ungated rule (evaluated on every event of its logsource). */
static int link_atoms(struct ward_ruleset *rs, const uint8_t *refused, uint8_t *in_p)
{
    struct pair *pairs = NULL;
    size_t np = 0, cap = 0;
    uint32_t *refs = calloc(rs->natoms ? rs->natoms : 1, sizeof *refs);
    if (!refs) return WARD_ENOMEM;
    for (uint32_t i = 0; i < rs->nnodes; i++)
        if (rs->nodes[i].op == N_ATOM) refs[rs->nodes[i].arg]++;
    int rc = 0;
    uint32_t *common = calloc(rs->natoms ? rs->natoms : 1, sizeof *common);
    if (!common) {
        free(refs);
        return WARD_ENOMEM;
    }
    lit_common(rs, common);
    struct gate_ctx g = {rs, refs, common, refused, &pairs, &np, &cap, 0};
    for (size_t r = 0; r < rs->nrules && !rc; r++) {
        struct crule *cr = &rs->rules[r];
        g.rule = (uint32_t)r;
        cr->gated = gate_walk(&g, cr->prog_off, 1, 0, &rc) != GATE_NONE;
        if (cr->gated) {
            (void)gate_walk(&g, cr->prog_off, 1, 1, &rc);
            continue;
        }
        for (uint32_t i = cr->prog_off; i < cr->prog_off + cr->prog_len; i++) {
            const struct node *n = &rs->nodes[i];
            if (n->op == N_ATOM && rs->atoms[n->arg].mode != ATOM_LAZY && !refused[n->arg])
                in_p[n->arg] = 1;
        }
    }
    free(refs);
    free(common);
    if (rc) {
        free(pairs);
        return rc;
    }
    if (np) qsort(pairs, np, sizeof *pairs, pair_cmp);
    free(rs->atom_rules);
    rs->atom_rules = malloc((np ? np : 1) * sizeof *rs->atom_rules);
    if (!rs->atom_rules) {
        free(pairs);
        return WARD_ENOMEM;
    }
    for (uint32_t a = 0; a < rs->natoms; a++) rs->atoms[a].rules_n = rs->atoms[a].rules_off = 0;
    uint32_t k = 0;
    for (size_t i = 0; i < np; i++) {
        if (i && pairs[i].atom == pairs[i - 1].atom && pairs[i].rule == pairs[i - 1].rule) continue;
        struct atom *a = &rs->atoms[pairs[i].atom];
        if (!a->rules_n) a->rules_off = k;
        a->rules_n++;
        in_p[pairs[i].atom] = 1;
        rs->atom_rules[k++] = pairs[i].rule;
    }
    free(pairs);
    return 0;
}

/* The slots in which each rule reads eagerly scanned atoms (what a route must scan for
 * the rule: its gates, and other rules' gates it reads too), and whether some of them are
 * keyword atoms. */
static int rule_scan_slots(struct ward_ruleset *rs)
{
    uint32_t *tmp = malloc((rs->nslots + 1) * sizeof *tmp);
    uint32_t *stamp = calloc(rs->nslots + 1, sizeof *stamp);
    uint32_t *kw = malloc((rs->natoms + 1) * sizeof *kw);
    uint32_t *kwstamp = calloc(rs->natoms + 1, sizeof *kwstamp);
    int rc = 0;
    if (!tmp || !stamp || !kw || !kwstamp) rc = WARD_ENOMEM;
    for (size_t r = 0; r < rs->nrules && !rc; r++) {
        struct crule *cr = &rs->rules[r];
        uint32_t n = 0, nkw = 0;
        cr->keywords = 0;
        for (uint32_t i = cr->prog_off; i < cr->prog_off + cr->prog_len; i++) {
            const struct node *nd = &rs->nodes[i];
            if (nd->op != N_ATOM) continue;
            const struct atom *a = &rs->atoms[nd->arg];
            if (a->mode == ATOM_LAZY || a->defer) continue;
            if (a->slot == WARD_KW_SLOT) {
                cr->keywords = 1;
                if (a->lit && kwstamp[nd->arg] != r + 1) {
                    kwstamp[nd->arg] = (uint32_t)r + 1;
                    kw[nkw++] = nd->arg;
                }
                continue;
            }
            if (stamp[a->slot] == r + 1) continue;
            stamp[a->slot] = (uint32_t)r + 1;
            tmp[n++] = a->slot;
        }
        cr->nslots = n;
        cr->slots = NULL;
        if (n) {
            cr->slots = ward_arena_alloc(&rs->arena, n * sizeof *cr->slots);
            if (!cr->slots)
                rc = WARD_ENOMEM;
            else
                memcpy(cr->slots, tmp, n * sizeof *tmp);
        }
        cr->nkwlits = nkw;
        cr->kwlits = NULL;
        if (nkw && !rc) {
            cr->kwlits = ward_arena_alloc(&rs->arena, nkw * sizeof *cr->kwlits);
            if (!cr->kwlits)
                rc = WARD_ENOMEM;
            else
                memcpy(cr->kwlits, kw, nkw * sizeof *kw);
        }
    }
    free(tmp);
    free(stamp);
    free(kw);
    free(kwstamp);
    return rc;
}

/* The literal of a bare-literal glob atom (wildcards only at its ends): a->lit, litlen,
 * pos and cased, for the equality tables, the direct compares and lazy evaluation. */
static void atom_lit_info(struct builder *b, struct atom *a)
{
    size_t off = 0, len = 0;
    a->lit = NULL;
    if (a->pat->kind != WARD_SP_GLOB || a->lazy == LZ_GLOB_ANY || a->lazy == LZ_GLOB_EMPTY ||
        !atom_is_literal(a, &off, &len))
        return;
    unsigned fl;
    uint32_t ll;
    if (glob_expr(a->pat, &b->tmp, &fl, &a->pos, &ll)) return;
    a->lit = a->pat->text + off;
    a->litlen = (uint32_t)len;
    a->cased = (a->pat->flags & WARD_SP_CASED) != 0;
}

int ward_ruleset_compile(struct ward_sigma_rules *rules, const struct ward_taxonomy *t,
                         struct ward_ruleset **out, struct ward_err *err)
{
    *out = NULL;
    uint64_t t0 = ward_clock_ns();
    struct ward_ruleset *rs = calloc(1, sizeof *rs);
    if (!rs) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    ward_arena_init(&rs->arena, 65536, 0);
    ward_intern_init(&rs->fields);
    rs->tax = t;
    struct builder b;
    memset(&b, 0, sizeof b);
    b.rs = rs;
    b.rules = rules;
    b.t = t;
    ward_intern_init(&b.slot_keys);
    ward_intern_init(&b.atom_keys);
    ward_intern_init(&b.wp_keys);
    ward_buf_init(&b.tmp, 0);
    int rc = 0;

    for (size_t i = 0; i < rules->nrules && !rc; i++) {
        const struct ward_sigma_rule *r = rules->rules[i];
        if (!r || r->kind != WARD_RULE_DETECTION) continue;
        rc = compile_rule(&b, r);
    }
    uint8_t *refused = calloc(rs->natoms ? rs->natoms : 1, 1);
    uint8_t *in_p = calloc(rs->natoms ? rs->natoms : 1, 1);
    uint8_t *mode0 = malloc(rs->natoms ? rs->natoms : 1);
    if (!rc && (!refused || !in_p || !mode0)) rc = WARD_ENOMEM;
    for (uint32_t a = 0; a < rs->natoms && !rc; a++) {
        atom_lit_info(&b, &rs->atoms[a]);
        mode0[a] = rs->atoms[a].mode;
    }
    /* gates first, then the databases; when Vectorscan refuses a gate, it becomes lazy
     * and the gates are chosen again without it */
    for (int again = 1; again && !rc;) {
        again = 0;
        memset(in_p, 0, rs->natoms ? rs->natoms : 1);
        rc = link_atoms(rs, refused, in_p);
        for (uint32_t a = 0; a < rs->natoms && !rc; a++) {
            struct atom *at = &rs->atoms[a];
            at->via = VIA_HS;
            if (at->mode == ATOM_LAZY || in_p[a]) continue;
            /* deferred: evaluated when a candidate reads it; equality literals (and
             * keywords) one by one, the others by a scan of the slot's `later` set */
            if (at->slot != WARD_KW_SLOT && !(at->lit && at->pos == POS_EQ)) {
                at->defer = 1;
                continue;
            }
            at->mode = ATOM_LAZY;
            at->lazy = at->lit ? LZ_LIT : at->pat->kind == WARD_SP_RE ? LZ_RE : LZ_GLOB;
        }
        for (uint32_t s = 0; s < rs->nslots && !rc; s++) {
            struct slot *sl = &rs->slots[s];
            for (int d = 0; d < 2 && !rc; d++) {
                struct scanset *ss = d ? &sl->later : &sl->now;
                rc = split_literals(&b, &b.sb[s], ss, d);
                if (!rc) rc = build_db(&b, &b.sb[s], d, 1, &ss->db);
                ss->db_minlen = b.db_minlen;
                if (!rc) rc = build_db(&b, &b.sb[s], d, 2, &ss->dbhi);
                ss->dbhi_minlen = b.db_minlen;
                if (!rc) rc = build_db(&b, &b.sb[s], d, 0, &ss->db2);
            }
        }
        if (!rc) rc = build_db(&b, &b.kw, 0, 1, &rs->kwdb);
        if (!rc) rc = build_db(&b, &b.kw, 0, 0, &rs->kwdb2);
        for (uint32_t a = 0; a < rs->natoms && !rc; a++)
            if (in_p[a] && rs->atoms[a].mode == ATOM_LAZY) refused[a] = again = 1;
        if (!again || rc) break;
        for (uint32_t s = 0; s < rs->nslots; s++) {
            struct slot *sl = &rs->slots[s];
            hs_free_database(sl->now.db);
            hs_free_database(sl->now.dbhi);
            hs_free_database(sl->now.db2);
            hs_free_database(sl->later.db);
            hs_free_database(sl->later.dbhi);
            hs_free_database(sl->later.db2);
            memset(&sl->now, 0, sizeof sl->now);
            memset(&sl->later, 0, sizeof sl->later);
        }
        hs_free_database(rs->kwdb);
        hs_free_database(rs->kwdb2);
        rs->kwdb = rs->kwdb2 = NULL;
        for (uint32_t a = 0; a < rs->natoms; a++) {
            struct atom *at = &rs->atoms[a];
            at->defer = 0;
            if (refused[a] || mode0[a] == ATOM_LAZY) continue;
            at->mode = mode0[a];
            at->lazy = LZ_NONE;
        }
    }
    for (uint32_t a = 0; a < rs->natoms && !rc; a++)
        if (mode0[a] != ATOM_LAZY && !in_p[a]) rs->n_deferred++;
    free(refused);
    free(in_p);
    free(mode0);
    for (uint32_t s = 0; s < rs->nslots && !rc; s++) {
        rs->slots[s].atoms = b.sb[s].atoms;
        rs->slots[s].natoms = (uint32_t)b.sb[s].natoms;
        b.sb[s].atoms = NULL;
    }
    if (!rc) rc = rule_scan_slots(rs);
    rs->kw_minlen = UINT32_MAX;
    for (uint32_t a = 0; a < rs->natoms; a++) {
        const struct atom *at = &rs->atoms[a];
        if (at->slot == WARD_KW_SLOT && at->mode != ATOM_LAZY && at->litlen < rs->kw_minlen)
            rs->kw_minlen = at->litlen;
    }
    if (rs->kw_minlen == UINT32_MAX) rs->kw_minlen = 0;
    if (!rc) rc = mark_anyhit(rs);
    if (!rc) rc = class_keys(&b);
    if (!rc) rc = link_fields(rs);
    if (!rc) {
        for (uint32_t a = 0; a < rs->natoms; a++) {
            if (rs->atoms[a].mode == ATOM_EXACT)
                rs->n_exact++;
            else if (rs->atoms[a].mode == ATOM_CONFIRM)
                rs->n_confirm++;
            else
                rs->n_lazy++;
        }
    }

    for (uint32_t s = 0; s < rs->nslots; s++) free(b.sb ? b.sb[s].atoms : NULL);
    free(b.sb);
    free(b.kw.atoms);
    free(b.rslots);
    ward_intern_free(&b.slot_keys);
    ward_intern_free(&b.atom_keys);
    ward_intern_free(&b.wp_keys);
    ward_buf_free(&b.tmp);
    if (rc) {
        ward_ruleset_free(rs);
        return ward_err_set(err, rc, "compiling the Sigma rules: %s", ward_strerror(rc));
    }
    rs->compile_ns = ward_clock_ns() - t0;
    *out = rs;
    return 0;
}

void ward_ruleset_free(struct ward_ruleset *rs)
{
    if (!rs) return;
    for (uint32_t s = 0; s < rs->nslots; s++) {
        hs_free_database(rs->slots[s].now.db);
        hs_free_database(rs->slots[s].now.dbhi);
        hs_free_database(rs->slots[s].now.db2);
        hs_free_database(rs->slots[s].later.db);
        hs_free_database(rs->slots[s].later.dbhi);
        hs_free_database(rs->slots[s].later.db2);
        free(rs->slots[s].atoms);
    }
    hs_free_database(rs->kwdb);
    hs_free_database(rs->kwdb2);
    for (uint32_t a = 0; a < rs->natoms; a++) pcre2_code_free(rs->atoms[a].re);
    free(rs->slots);
    free(rs->atoms);
    free(rs->nodes);
    free(rs->rules);
    free(rs->atom_rules);
    free(rs->atom_nodes);
    free(rs->id_slots_off);
    free(rs->id_slots);
    free(rs->wpfx);
    ward_intern_free(&rs->fields);
    ward_arena_free(&rs->arena);
    free(rs);
}

const struct ward_intern *ward_ruleset_fields(const struct ward_ruleset *rs)
{
    return &rs->fields;
}

size_t ward_ruleset_count(const struct ward_ruleset *rs)
{
    return rs->nrules;
}

const struct ward_sigma_rule *ward_ruleset_rule(const struct ward_ruleset *rs, size_t i)
{
    return i < rs->nrules ? rs->rules[i].rule : NULL;
}
