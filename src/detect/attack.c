/*
 * attack.c - ATT&CK lookups over the built-in table (attack_data.c) or a loaded one:
 * technique by id, tactic by short name or TA id, Sigma tag parsing and display labels.
 * Unknown ids are kept and shown as themselves, never dropped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/attack_int.h"

const struct ward_attack_db *ward_attack_builtin(void)
{
    return &ward_attack_builtin_db;
}

static const struct ward_attack_db *db_or_builtin(const struct ward_attack_db *db)
{
    return db ? db : ward_attack_builtin();
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i])) return 0;
    return 1;
}

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
}

/* Whether p[0..n) is a technique id: T + 4 digits, optionally "." + 3 digits. */
static int is_technique_id(const char *p, size_t n)
{
    if (n != 5 && n != 9) return 0;
    if (upper(p[0]) != 'T' || !all_digits(p + 1, 4)) return 0;
    if (n == 9 && (p[5] != '.' || !all_digits(p + 6, 3))) return 0;
    return 1;
}

/* Whether p is a letter (or two) followed by exactly 4 digits: G0016, S0002, TA0002. */
static int is_letter_id(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n != k + 4) return 0;
    for (size_t i = 0; i < k; i++)
        if (upper(p[i]) != prefix[i]) return 0;
    return all_digits(p + k, 4);
}

const struct ward_attack_technique *ward_attack_technique(const struct ward_attack_db *db,
                                                          const char *id, size_t n)
{
    char key[16];
    db = db_or_builtin(db);
    if (!id || !is_technique_id(id, n)) return NULL;
    for (size_t i = 0; i < n; i++) key[i] = upper(id[i]);
    key[n] = '\0';
    size_t lo = 0, hi = db->technique_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(db->techniques[mid].id, key);
        if (c == 0) return &db->techniques[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const struct ward_attack_technique *ward_attack_parent(const struct ward_attack_db *db,
                                                       const struct ward_attack_technique *t)
{
    if (!t || !(t->flags & WARD_ATTACK_SUB)) return NULL;
    const char *dot = strchr(t->id, '.');
    if (!dot) return NULL;
    return ward_attack_technique(db, t->id, (size_t)(dot - t->id));
}

const struct ward_attack_tactic *ward_attack_tactic(const struct ward_attack_db *db,
                                                    const char *name, size_t n)
{
    db = db_or_builtin(db);
    if (!name || n == 0) return NULL;
    int by_id = is_letter_id(name, n, "TA");
    for (size_t i = 0; i < db->tactic_count; i++) {
        const struct ward_attack_tactic *t = &db->tactics[i];
        const char *want = by_id ? t->id : t->shortname;
        if (strlen(want) != n) continue;
        size_t k = 0;
        for (; k < n; k++) {
            char a = (char)ward_lower((unsigned char)name[k]);
            if (a == '_') a = '-';
            if (a != (char)ward_lower((unsigned char)want[k])) break;
        }
        if (k == n) return t;
    }
    return NULL;
}

const struct ward_attack_tactic *ward_attack_technique_tactic(const struct ward_attack_db *db,
                                                              const struct ward_attack_technique *t,
                                                              unsigned i)
{
    db = db_or_builtin(db);
    if (!t) return NULL;
    for (size_t k = 0; k < db->tactic_count && k < 32; k++) {
        if (!(t->tactics & (1u << k))) continue;
        if (i == 0) {
            /* tactics[] is in kill-chain order: bit k is the tactic of order k */
            for (size_t j = 0; j < db->tactic_count; j++)
                if (db->tactics[j].order == k) return &db->tactics[j];
            return NULL;
        }
        i--;
    }
    return NULL;
}

static void canon_upper(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] = upper(src[i]);
    dst[n] = '\0';
}

int ward_attack_tag_parse(const struct ward_attack_db *db, const char *tag, size_t n,
                          struct ward_attack_tag *out)
{
    memset(out, 0, sizeof *out);
    if (!tag || n == 0) return WARD_EINVAL;
    if (n < 7 || !ward_str_ieq_c(ward_str_make(tag, 7), "attack.")) {
        out->kind = WARD_ATTACK_TAG_NONE;
        size_t k = n < WARD_ATTACK_ID_MAX ? n : WARD_ATTACK_ID_MAX - 1;
        memcpy(out->id, tag, k);
        out->id[k] = '\0';
        return n < WARD_ATTACK_ID_MAX ? 0 : WARD_EINVAL;
    }
    const char *p = tag + 7;
    size_t len = n - 7;
    if (len == 0 || len >= WARD_ATTACK_ID_MAX) return WARD_EINVAL;
    if (is_technique_id(p, len)) {
        out->kind = WARD_ATTACK_TAG_TECHNIQUE;
        canon_upper(out->id, p, len);
        out->technique = ward_attack_technique(db, p, len);
        return 0;
    }
    const struct ward_attack_tactic *tac = ward_attack_tactic(db, p, len);
    if (tac) {
        out->kind = WARD_ATTACK_TAG_TACTIC;
        out->tactic = tac;
        ward_strlcpy(out->id, tac->shortname, sizeof out->id);
        return 0;
    }
    if (is_letter_id(p, len, "G")) {
        out->kind = WARD_ATTACK_TAG_GROUP;
        canon_upper(out->id, p, len);
    } else if (is_letter_id(p, len, "S")) {
        out->kind = WARD_ATTACK_TAG_SOFTWARE;
        canon_upper(out->id, p, len);
    } else if (is_letter_id(p, len, "C")) {
        out->kind = WARD_ATTACK_TAG_CAMPAIGN;
        canon_upper(out->id, p, len);
    } else {
        out->kind = WARD_ATTACK_TAG_OTHER;
        memcpy(out->id, p, len);
        out->id[len] = '\0';
    }
    return 0;
}

const char *ward_attack_label(const struct ward_attack_db *db, const char *id, size_t n, char *out,
                              size_t outsz)
{
    if (!out || outsz == 0) return out;
    out[0] = '\0';
    if (!id) return out;
    if (n >= 7 && ward_str_ieq_c(ward_str_make(id, 7), "attack.")) {
        id += 7;
        n -= 7;
    }
    db = db_or_builtin(db);
    if (is_technique_id(id, n)) {
        const struct ward_attack_technique *t = ward_attack_technique(db, id, n);
        char canon[16];
        canon_upper(canon, id, n);
        if (!t) {
            snprintf(out, outsz, "%s", canon);
            return out;
        }
        const struct ward_attack_technique *parent = ward_attack_parent(db, t);
        int w;
        if (parent)
            w = snprintf(out, outsz, "%s %s: %s", t->id, parent->name, t->name);
        else
            w = snprintf(out, outsz, "%s %s", t->id, t->name);
        if (w >= 0 && (size_t)w < outsz && (t->flags & WARD_ATTACK_REVOKED)) {
            if (t->replaced_by)
                snprintf(out + w, outsz - (size_t)w, " (revoked: now %s)", t->replaced_by);
            else
                snprintf(out + w, outsz - (size_t)w, " (revoked)");
        } else if (w >= 0 && (size_t)w < outsz && (t->flags & WARD_ATTACK_DEPRECATED)) {
            snprintf(out + w, outsz - (size_t)w, " (deprecated)");
        }
        return out;
    }
    const struct ward_attack_tactic *tac = ward_attack_tactic(db, id, n);
    if (tac) {
        snprintf(out, outsz, "%s %s", tac->id, tac->name);
        return out;
    }
    if (n < 64 &&
        (is_letter_id(id, n, "G") || is_letter_id(id, n, "S") || is_letter_id(id, n, "C") ||
         is_letter_id(id, n, "M") || is_letter_id(id, n, "TA"))) {
        char canon[64];
        canon_upper(canon, id, n);
        snprintf(out, outsz, "%s", canon);
        return out;
    }
    snprintf(out, outsz, "%.*s", (int)(n > 0x7fffffff ? 0x7fffffff : n), id);
    return out;
}
