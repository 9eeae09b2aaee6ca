/*
 * attack_load.c - loads ATT&CK tactics and techniques from a STIX 2.1 bundle at run time
 * (`--attack FILE`): the same table gen-attack.py builds into attack_data.c, from a newer
 * bundle. The file (plain, gzip or zstd) is read whole, the members of its top-level
 * "objects" array are split with a small string-aware scanner and each is flattened and
 * checked with ward's JSON reader (ward_json_flatten). Kept: attack-pattern,
 * x-mitre-tactic, the first x-mitre-matrix (tactic order), revoked-by relationships and
 * the collection's version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward/attack.h"
#include "ward/json_reader.h"
#include "ward/stream.h"

#define BUNDLE_MAX ((size_t)1 << 30) /* largest bundle read: 1 GiB */
#define MAX_TACTICS 32
#define MAX_PHASES 16

/* a technique while the bundle is read */
struct tmp_tech {
    char *stix_id;
    char *id;
    char *name;
    char *phases[MAX_PHASES];
    unsigned nphases;
    unsigned flags;
};

struct tmp_tactic {
    char *stix_id;
    char *id;
    char *shortname;
    char *name;
    int deprecated;
};

struct loader {
    struct ward_arena arena;
    struct tmp_tech *techs;
    size_t ntechs, techs_cap;
    struct tmp_tactic *tactics;
    size_t ntactics, tactics_cap;
    char **matrix_refs; /* stix ids of the tactics in matrix order */
    size_t nmatrix;
    int have_matrix;
    struct revoked {
        char *src, *dst; /* revoked-by: source stix id -> target stix id */
    } * revoked;
    size_t nrevoked, revoked_cap;
    char *version;
};

/* what ward_attack_db.owned points to */
struct owned {
    struct ward_arena strings; /* names and ids (the loader's arena, handed over) */
    struct ward_arena tables;  /* the tactic and technique arrays */
};

static char *dup_str(struct loader *L, struct ward_str s)
{
    return ward_arena_strndup(&L->arena, s.ptr, s.len);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 64;
    while (ncap < need) ncap *= 2;
    void *p = realloc(*arr, ncap * elem);
    if (!p) return WARD_ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Skips one JSON string starting at p ('"'); returns the position after it or NULL. */
static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\') {
            p++;
            continue;
        }
        if (*p == '"') return p + 1;
    }
    return NULL;
}

/* Skips one JSON value (no full validation: the JSON reader checks what we keep).
 * Returns the position after it or NULL when the text ends first or nests too deep. */
static const char *skip_value(const char *p, const char *end)
{
    p = skip_ws(p, end);
    if (p >= end) return NULL;
    if (*p == '"') return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        unsigned depth = 0;
        while (p < end) {
            char c = *p;
            if (c == '"') {
                p = skip_string(p, end);
                if (!p) return NULL;
                continue;
            }
            if (c == '{' || c == '[') {
                if (++depth > 512) return NULL;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return p + 1;
            }
            p++;
        }
        return NULL;
    }
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
           *p != '\r' && *p != '\t')
        p++;
    return p;
}

static int field_str(struct ward_event *ev, const char *key, struct ward_str *out)
{
    struct ward_field *f = ward_event_find(ev, key, strlen(key));
    if (!f) return 0;
    if (ward_event_value(ev, f, out) != 0) return 0;
    return 1;
}

static int field_true(struct ward_event *ev, const char *key)
{
    struct ward_str s;
    return field_str(ev, key, &s) && ward_str_eq_c(s, "true");
}

/* The "mitre-attack" external id of the flattened object (external_references.N.*). */
static int external_id(struct ward_event *ev, struct ward_str *out)
{
    char key[96];
    for (unsigned i = 0; i < 4096; i++) {
        struct ward_str src;
        snprintf(key, sizeof key, "external_references.%u.source_name", i);
        if (!field_str(ev, key, &src)) return 0;
        if (!ward_str_eq_c(src, "mitre-attack")) continue;
        snprintf(key, sizeof key, "external_references.%u.external_id", i);
        return field_str(ev, key, out);
    }
    return 0;
}

static int add_technique(struct loader *L, struct ward_event *ev)
{
    struct ward_str sid, eid, name;
    if (!field_str(ev, "id", &sid) || !external_id(ev, &eid)) return 0;
    if (!field_str(ev, "name", &name)) name = WARD_STR("");
    if (grow((void **)&L->techs, &L->techs_cap, L->ntechs + 1, sizeof *L->techs))
        return WARD_ENOMEM;
    struct tmp_tech *t = &L->techs[L->ntechs];
    memset(t, 0, sizeof *t);
    t->stix_id = dup_str(L, sid);
    t->id = dup_str(L, eid);
    t->name = dup_str(L, name);
    if (!t->stix_id || !t->id || !t->name) return WARD_ENOMEM;
    for (char *c = t->id; *c; c++)
        if (*c >= 'a' && *c <= 'z') *c = (char)(*c - 32);
    if (strchr(t->id, '.')) t->flags |= WARD_ATTACK_SUB;
    if (field_true(ev, "revoked")) t->flags |= WARD_ATTACK_REVOKED;
    if (field_true(ev, "x_mitre_deprecated")) t->flags |= WARD_ATTACK_DEPRECATED;
    char key[96];
    for (unsigned i = 0; i < 256 && t->nphases < MAX_PHASES; i++) {
        struct ward_str chain, phase;
        snprintf(key, sizeof key, "kill_chain_phases.%u.kill_chain_name", i);
        if (!field_str(ev, key, &chain)) break;
        snprintf(key, sizeof key, "kill_chain_phases.%u.phase_name", i);
        if (!field_str(ev, key, &phase)) continue;
        /* enterprise, mobile and ICS bundles name their kill chains differently */
        if (!ward_str_starts(chain, "mitre-")) continue;
        if (!(t->phases[t->nphases++] = dup_str(L, phase))) return WARD_ENOMEM;
    }
    L->ntechs++;
    return 0;
}

static int add_tactic(struct loader *L, struct ward_event *ev)
{
    struct ward_str sid, eid, shortname, name;
    if (!field_str(ev, "id", &sid) || !external_id(ev, &eid) ||
        !field_str(ev, "x_mitre_shortname", &shortname))
        return 0;
    if (!field_str(ev, "name", &name)) name = shortname;
    if (grow((void **)&L->tactics, &L->tactics_cap, L->ntactics + 1, sizeof *L->tactics))
        return WARD_ENOMEM;
    struct tmp_tactic *t = &L->tactics[L->ntactics];
    t->stix_id = dup_str(L, sid);
    t->id = dup_str(L, eid);
    t->shortname = dup_str(L, shortname);
    t->name = dup_str(L, name);
    t->deprecated = field_true(ev, "x_mitre_deprecated") || field_true(ev, "revoked");
    if (!t->stix_id || !t->id || !t->shortname || !t->name) return WARD_ENOMEM;
    L->ntactics++;
    return 0;
}

static int add_matrix(struct loader *L, struct ward_event *ev)
{
    if (L->have_matrix) return 0;
    L->have_matrix = 1;
    char key[64];
    size_t n = 0;
    for (; n < 1024; n++) {
        struct ward_str ref;
        snprintf(key, sizeof key, "tactic_refs.%zu", n);
        if (!field_str(ev, key, &ref)) break;
    }
    if (n == 0) return 0;
    L->matrix_refs = ward_arena_alloc(&L->arena, n * sizeof *L->matrix_refs);
    if (!L->matrix_refs) return WARD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        struct ward_str ref;
        snprintf(key, sizeof key, "tactic_refs.%zu", i);
        if (!field_str(ev, key, &ref) || !(L->matrix_refs[i] = dup_str(L, ref))) return WARD_ENOMEM;
    }
    L->nmatrix = n;
    return 0;
}

static int add_revoked(struct loader *L, struct ward_event *ev)
{
    struct ward_str rt, src, dst;
    if (!field_str(ev, "relationship_type", &rt) || !ward_str_eq_c(rt, "revoked-by")) return 0;
    if (!field_str(ev, "source_ref", &src) || !field_str(ev, "target_ref", &dst)) return 0;
    if (!ward_str_starts(src, "attack-pattern--")) return 0;
    if (grow((void **)&L->revoked, &L->revoked_cap, L->nrevoked + 1, sizeof *L->revoked))
        return WARD_ENOMEM;
    struct revoked *r = &L->revoked[L->nrevoked];
    r->src = dup_str(L, src);
    r->dst = dup_str(L, dst);
    if (!r->src || !r->dst) return WARD_ENOMEM;
    L->nrevoked++;
    return 0;
}

static int take_object(struct loader *L, struct ward_event *ev)
{
    struct ward_str type;
    if (!field_str(ev, "type", &type)) return 0;
    if (ward_str_eq_c(type, "attack-pattern")) return add_technique(L, ev);
    if (ward_str_eq_c(type, "x-mitre-tactic")) return add_tactic(L, ev);
    if (ward_str_eq_c(type, "x-mitre-matrix")) return add_matrix(L, ev);
    if (ward_str_eq_c(type, "relationship")) return add_revoked(L, ev);
    if (ward_str_eq_c(type, "x-mitre-collection") && !L->version) {
        struct ward_str v;
        if (field_str(ev, "x_mitre_version", &v) && !(L->version = dup_str(L, v)))
            return WARD_ENOMEM;
    }
    return 0;
}

/* The line and column of position p in text (1-based), for error messages. */
static void locate(const char *text, const char *p, uint64_t *line, uint64_t *col)
{
    *line = 1;
    *col = 1;
    for (const char *q = text; q < p; q++) {
        if (*q == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* Walks the bundle's "objects" array and feeds every member to take_object. */
static int walk_bundle(struct loader *L, const char *path, const char *text, size_t n,
                       struct ward_err *err)
{
    const char *p = text, *end = text + n;
    uint64_t line, col;
    struct ward_event ev;
    int rc = ward_event_init(&ev, NULL);
    if (rc) return ward_err_set(err, rc, "out of memory");
    struct ward_decode_opts o;
    ward_decode_opts_default(&o);

    if (n >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3;
    p = skip_ws(p, end);
    int found = 0;
    if (p >= end || *p != '{') {
        locate(text, p, &line, &col);
        rc = ward_err_at(err, WARD_ESYNTAX, path, line, col,
                         "expected a STIX bundle (a JSON object with \"objects\")");
        goto out;
    }
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p < end && *p == '}') break;
        if (p >= end || *p != '"') goto syntax;
        const char *k = p + 1;
        const char *kend = skip_string(p, end);
        if (!kend) goto syntax;
        int is_objects = (size_t)(kend - 1 - k) == 7 && memcmp(k, "objects", 7) == 0;
        p = skip_ws(kend, end);
        if (p >= end || *p != ':') goto syntax;
        p = skip_ws(p + 1, end);
        if (!is_objects) {
            if (!(p = skip_value(p, end))) goto syntax;
        } else {
            found = 1;
            if (p >= end || *p != '[') goto syntax;
            p = skip_ws(p + 1, end);
            while (p < end && *p != ']') {
                const char *vend = skip_value(p, end);
                if (!vend) goto syntax;
                if (*p == '{') {
                    ward_event_reset(&ev);
                    struct ward_err ferr;
                    ward_err_clear(&ferr);
                    if (ward_json_flatten(&ev, p, (size_t)(vend - p), NULL, &o, &ferr) != 0) {
                        uint64_t l0, c0;
                        locate(text, p, &l0, &c0);
                        rc = ward_err_at(err, ferr.code ? ferr.code : WARD_ESYNTAX, path,
                                         l0 + ferr.line - 1, ferr.line > 1 ? ferr.column : c0,
                                         "bad STIX object: %s", ferr.msg);
                        goto out;
                    }
                    if ((rc = take_object(L, &ev)) != 0) {
                        ward_err_set(err, rc, "out of memory");
                        goto out;
                    }
                }
                p = skip_ws(vend, end);
                if (p < end && *p == ',') p = skip_ws(p + 1, end);
            }
            if (p >= end) goto syntax;
            p++;
        }
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}') break;
        goto syntax;
    }
    if (!found) {
        rc = ward_err_at(err, WARD_EINVAL, path, 0, 0, "the bundle has no \"objects\" array");
        goto out;
    }
    rc = 0;
    goto out;
syntax:
    locate(text, p < end ? p : end, &line, &col);
    rc = ward_err_at(err, WARD_ESYNTAX, path, line, col, "malformed STIX bundle JSON");
out:
    ward_event_free(&ev);
    return rc;
}

/* T + 4 digits, optionally "." + 3 digits (upper case: add_technique folds it). */
static int technique_id_ok(const char *p)
{
    size_t n = strlen(p);
    if ((n != 5 && n != 9) || p[0] != 'T') return 0;
    for (size_t i = 1; i < n; i++) {
        if (i == 5) {
            if (p[i] != '.') return 0;
        } else if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }
    return 1;
}

static int cmp_tech(const void *a, const void *b)
{
    const struct ward_attack_technique *x = a, *y = b;
    return strcmp(x->id, y->id);
}

static int read_file(const char *path, struct ward_buf *buf, struct ward_err *err)
{
    struct ward_stream *s = NULL;
    int rc = ward_stream_open_file(&s, path, err);
    if (rc) return rc;
    for (;;) {
        if ((rc = ward_buf_reserve(buf, 1 << 20)) != 0) {
            rc = ward_err_at(err, rc, path, 0, 0, "the bundle is larger than %zu bytes",
                             (size_t)BUNDLE_MAX);
            break;
        }
        ssize_t got = ward_stream_read(s, buf->data + buf->len, buf->cap - buf->len - 1, err);
        if (got < 0) {
            rc = (int)got;
            break;
        }
        if (got == 0) break;
        buf->len += (size_t)got;
        buf->data[buf->len] = '\0';
    }
    ward_stream_close(s);
    return rc;
}

static void loader_free(struct loader *L)
{
    ward_arena_free(&L->arena);
    free(L->techs);
    free(L->tactics);
    free(L->revoked);
}

static const char *successor(const struct loader *L, const char *stix_id)
{
    for (size_t r = 0; r < L->nrevoked; r++) {
        if (strcmp(L->revoked[r].src, stix_id) != 0) continue;
        for (size_t j = 0; j < L->ntechs; j++)
            if (strcmp(L->techs[j].stix_id, L->revoked[r].dst) == 0) return L->techs[j].id;
    }
    return NULL;
}

int ward_attack_load(const char *path, struct ward_attack_db **out, struct ward_err *err)
{
    struct loader L;
    struct ward_buf buf;
    struct owned *own = NULL;
    struct ward_attack_db *db = NULL;
    unsigned char *used = NULL;
    int rc;

    *out = NULL;
    memset(&L, 0, sizeof L);
    ward_arena_init(&L.arena, 1 << 16, 0);
    ward_buf_init(&buf, BUNDLE_MAX);
    if ((rc = read_file(path, &buf, err)) != 0) goto fail;
    if ((rc = walk_bundle(&L, path, buf.data ? buf.data : "", buf.len, err)) != 0) goto fail;
    ward_buf_free(&buf);
    if (!L.have_matrix || L.nmatrix == 0) {
        rc = ward_err_at(err, WARD_EINVAL, path, 0, 0,
                         "the bundle has no x-mitre-matrix: the tactic order is unknown");
        goto fail;
    }
    if (L.ntechs == 0) {
        rc = ward_err_at(err, WARD_EINVAL, path, 0, 0, "the bundle has no attack-pattern");
        goto fail;
    }

    own = calloc(1, sizeof *own);
    db = calloc(1, sizeof *db);
    used = calloc(L.ntactics + 1, 1);
    if (!own || !db || !used) goto oom;
    ward_arena_init(&own->tables, 1 << 16, 0);

    /* tactics: matrix order first, then the others by id */
    struct ward_attack_tactic *tac = ward_arena_alloc(&own->tables, (L.ntactics + 1) * sizeof *tac);
    if (!tac) goto oom;
    size_t ntac = 0;
    for (size_t m = 0; m < L.nmatrix; m++)
        for (size_t i = 0; i < L.ntactics; i++)
            if (!used[i] && strcmp(L.tactics[i].stix_id, L.matrix_refs[m]) == 0) {
                used[i] = 1;
                tac[ntac++] = (struct ward_attack_tactic){L.tactics[i].id, L.tactics[i].shortname,
                                                          L.tactics[i].name, 0};
            }
    size_t first_rest = ntac;
    for (size_t i = 0; i < L.ntactics; i++)
        if (!used[i])
            tac[ntac++] = (struct ward_attack_tactic){L.tactics[i].id, L.tactics[i].shortname,
                                                      L.tactics[i].name, 0};
    for (size_t i = first_rest; i + 1 < ntac; i++)
        for (size_t j = i + 1; j < ntac; j++)
            if (strcmp(tac[j].id, tac[i].id) < 0) {
                struct ward_attack_tactic t = tac[i];
                tac[i] = tac[j];
                tac[j] = t;
            }
    if (ntac > MAX_TACTICS) {
        rc = ward_err_at(err, WARD_ELIMIT, path, 0, 0, "%zu tactics: more than %d", ntac,
                         MAX_TACTICS);
        goto fail;
    }
    for (size_t i = 0; i < ntac; i++) tac[i].order = (unsigned)i;

    /* techniques: well-formed ids only, tactics as a bit set, successor of revoked ones */
    struct ward_attack_technique *tech = ward_arena_alloc(&own->tables, L.ntechs * sizeof *tech);
    if (!tech) goto oom;
    size_t ntech = 0;
    for (size_t i = 0; i < L.ntechs; i++) {
        struct tmp_tech *t = &L.techs[i];
        if (!technique_id_ok(t->id)) continue;
        uint32_t mask = 0;
        for (unsigned k = 0; k < t->nphases; k++)
            for (size_t j = 0; j < ntac; j++)
                if (strcmp(tac[j].shortname, t->phases[k]) == 0) mask |= 1u << j;
        const char *replaced = (t->flags & WARD_ATTACK_REVOKED) ? successor(&L, t->stix_id) : NULL;
        tech[ntech++] = (struct ward_attack_technique){t->id, t->name, mask, t->flags, replaced};
    }
    qsort(tech, ntech, sizeof *tech, cmp_tech);
    /* the same id twice (a broken or merged bundle): keep the first */
    size_t w = 0;
    for (size_t i = 0; i < ntech; i++)
        if (w == 0 || strcmp(tech[w - 1].id, tech[i].id) != 0) tech[w++] = tech[i];
    ntech = w;

    db->tactics = tac;
    db->tactic_count = ntac;
    db->techniques = tech;
    db->technique_count = ntech;
    db->version = L.version ? L.version : "";
    db->owned = own;
    own->strings = L.arena; /* the names, ids and version stay: the table owns them now */
    memset(&L.arena, 0, sizeof L.arena);
    free(used);
    loader_free(&L);
    *out = db;
    return 0;

oom:
    rc = ward_err_set(err, WARD_ENOMEM, "out of memory while loading %s", path);
fail:
    if (own) ward_arena_free(&own->tables);
    free(own);
    free(db);
    free(used);
    loader_free(&L);
    ward_buf_free(&buf);
    return rc;
}

void ward_attack_free(struct ward_attack_db *db)
{
    if (!db || !db->owned) return;
    struct owned *own = db->owned;
    ward_arena_free(&own->strings);
    ward_arena_free(&own->tables);
    free(own);
    free(db);
}
