/*
 * attack.h - MITRE ATT&CK names and tactics for technique ids, and Sigma tag parsing.
 *
 * ward carries a compact table of ATT&CK Enterprise (src/detect/attack_data.c, generated
 * by scripts/gen-attack.py from the STIX 2.1 bundle); a newer bundle can be loaded at run
 * time (`--attack FILE`). Ids the table does not know (newer ATT&CK versions, typos) are
 * never dropped: they are shown as themselves.
 */
#ifndef WARD_ATTACK_H
#define WARD_ATTACK_H

#include <stddef.h>
#include <stdint.h>

#include "ward/core.h"

/* technique flags */
#define WARD_ATTACK_SUB 1u        /* a sub-technique (T1234.001) */
#define WARD_ATTACK_REVOKED 2u    /* revoked: replaced_by names its successor when known */
#define WARD_ATTACK_DEPRECATED 4u /* deprecated: no longer maintained */

struct ward_attack_tactic {
    const char *id;        /* "TA0002" */
    const char *shortname; /* "execution" (the Sigma tag: attack.execution) */
    const char *name;      /* "Execution" */
    unsigned order;        /* position in the kill chain, 0 = first */
};

struct ward_attack_technique {
    const char *id;          /* "T1059.001" (upper case) */
    const char *name;        /* "PowerShell" (a sub-technique's own name) */
    uint32_t tactics;        /* bit i set = the tactic of order i */
    unsigned flags;          /* WARD_ATTACK_* */
    const char *replaced_by; /* for revoked techniques, the successor id, or NULL */
};

/* A table of tactics (kill-chain order) and techniques (sorted by id, strcmp order). */
struct ward_attack_db {
    const struct ward_attack_tactic *tactics;
    size_t tactic_count;
    const struct ward_attack_technique *techniques;
    size_t technique_count;
    const char *version; /* "18.1", or what the loaded bundle says ("" when unknown) */
    void *owned;         /* storage of a loaded table; NULL for the built-in one */
};

/* The built-in table (static; never freed). */
const struct ward_attack_db *ward_attack_builtin(void);

/*
 * Loads the ATT&CK tactics and techniques of a STIX 2.1 bundle (JSON, optionally gzip or
 * zstd compressed) into a new table. The caller frees it with ward_attack_free. Fails with
 * a located error on malformed JSON, and with WARD_EINVAL when the bundle holds no
 * x-mitre-matrix or no technique.
 */
int ward_attack_load(const char *path, struct ward_attack_db **out,
                     struct ward_err *err) WARD_MUST_USE;
/* Frees a loaded table; accepts NULL and the built-in table (then does nothing). */
void ward_attack_free(struct ward_attack_db *db);

/* Technique by id ("T1059.001", "t1059.001"; case-insensitive); NULL when unknown. db may be
 * NULL for the built-in table. */
const struct ward_attack_technique *ward_attack_technique(const struct ward_attack_db *db,
                                                          const char *id, size_t n);
/* The parent technique of a sub-technique (T1059 for T1059.001), or NULL. */
const struct ward_attack_technique *ward_attack_parent(const struct ward_attack_db *db,
                                                       const struct ward_attack_technique *t);
/* Tactic by short name ("defense-evasion"; '_' is taken as '-', case-insensitive) or by
 * id ("TA0005"); NULL when unknown. */
const struct ward_attack_tactic *ward_attack_tactic(const struct ward_attack_db *db,
                                                    const char *name, size_t n);
/* The i-th tactic of a technique's tactic set, in kill-chain order; NULL past the end. */
const struct ward_attack_tactic *ward_attack_technique_tactic(const struct ward_attack_db *db,
                                                              const struct ward_attack_technique *t,
                                                              unsigned i);

enum ward_attack_kind {
    WARD_ATTACK_TAG_NONE = 0,  /* not an attack.* tag (e.g. "cve.2021-1675") */
    WARD_ATTACK_TAG_TECHNIQUE, /* attack.t1059.001 */
    WARD_ATTACK_TAG_TACTIC,    /* attack.execution */
    WARD_ATTACK_TAG_GROUP,     /* attack.g0016 */
    WARD_ATTACK_TAG_SOFTWARE,  /* attack.s0002 */
    WARD_ATTACK_TAG_CAMPAIGN,  /* attack.c0024 */
    WARD_ATTACK_TAG_OTHER,     /* attack.<anything else>: kept as written */
};

#define WARD_ATTACK_ID_MAX 48

/* A parsed Sigma tag. `id` is the canonical spelling: upper-case ids ("T1059.001",
 * "G0016", "S0002", "C0024"), the tactic's short name, or the text after "attack." for
 * OTHER. technique/tactic point into the db when known, else NULL: an unknown technique
 * (a newer ATT&CK version's t1685) keeps kind TECHNIQUE and its id. */
struct ward_attack_tag {
    enum ward_attack_kind kind;
    char id[WARD_ATTACK_ID_MAX];
    const struct ward_attack_technique *technique;
    const struct ward_attack_tactic *tactic;
};

/* Parses one tag ("attack.t1059.001", "ATTACK.Execution", "attack.g0016"). Returns 0 and
 * fills out (kind NONE for tags outside the attack namespace), or WARD_EINVAL when the tag
 * is empty or longer than WARD_ATTACK_ID_MAX. */
int ward_attack_tag_parse(const struct ward_attack_db *db, const char *tag, size_t n,
                          struct ward_attack_tag *out) WARD_MUST_USE;

/*
 * Writes a display label for an id or tag into out (always NUL-terminated when outsz > 0):
 * "T1059.001 Command and Scripting Interpreter: PowerShell", "TA0002 Execution" (also for
 * "execution"), and, for anything unknown, the id itself - never dropped: id-shaped text
 * in its canonical upper case ("t1685" -> "T1685", "g0016" -> "G0016"), other text as
 * written. Accepts ids with or without the "attack." prefix. Returns out.
 */
const char *ward_attack_label(const struct ward_attack_db *db, const char *id, size_t n, char *out,
                              size_t outsz);

#endif
