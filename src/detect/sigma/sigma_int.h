/*
 * sigma_int.h - private interface between the parts of the Sigma front end: the value
 * builder (value.c: one written value + its modifier chain -> pattern alternatives), the
 * condition parser (cond.c) and the rule parser (parse.c). Not installed; unit tests and
 * fuzzers include it to reach the pieces directly.
 */
#ifndef WARD_SIGMA_INT_H
#define WARD_SIGMA_INT_H

#include "ward/sigma.h"

/* Returned (positive) when input is rejected with a reason; negative codes are WARD_E*. */
#define SIGMA_REJECT 1

/* Most alternatives one written value may expand into (windash, base64offset, expand). */
#define SIGMA_MAX_ALTS 4096
/* Longest modifier chain accepted. */
#define SIGMA_MAX_MODS 16
/* Deepest condition nesting accepted. */
#define SIGMA_MAX_COND_DEPTH 64

/* The modifier table (a registry: one row per modifier). */
enum sigma_mod {
    SM_CONTAINS,
    SM_STARTSWITH,
    SM_ENDSWITH,
    SM_ALL,
    SM_EXISTS,
    SM_CASED,
    SM_NEQ,
    SM_WINDASH,
    SM_RE,
    SM_RE_I,
    SM_RE_M,
    SM_RE_S,
    SM_BASE64,
    SM_BASE64OFFSET,
    SM_UTF16LE,
    SM_UTF16BE,
    SM_UTF16,
    SM_WIDE,
    SM_LT,
    SM_LTE,
    SM_GT,
    SM_GTE,
    SM_MINUTE,
    SM_HOUR,
    SM_DAY,
    SM_WEEK,
    SM_MONTH,
    SM_YEAR,
    SM_CIDR,
    SM_EXPAND,
    SM_FIELDREF,
    SM_COUNT
};

struct sigma_mod_row {
    const char *name;
    enum sigma_mod id;
    const char *help;
};
extern const struct sigma_mod_row sigma_mod_table[];

/* Looks a modifier up by name; -1 when unknown. */
int sigma_mod_find(const char *name, size_t n);

/* A parsed modifier chain ("contains|all"). */
struct sigma_chain {
    enum sigma_mod mods[SIGMA_MAX_MODS];
    size_t n;
    unsigned seen; /* bit per enum sigma_mod */
};

/* Parses "mod1|mod2" into chain. On error writes a reason and returns SIGMA_REJECT. */
int sigma_chain_parse(const char *text, struct sigma_chain *chain, char *reason, size_t rsz);

/* Placeholder values for |expand (name -> list of values). */
struct sigma_placeholders {
    char **names;
    char ***values; /* values[i] is NULL-terminated */
    size_t *nvalues;
    size_t n;
};

/* The kind of YAML scalar a value came from. */
enum sigma_scalar { SS_STRING, SS_NUMBER, SS_BOOL, SS_NULL };

/*
 * Builds the pattern alternatives of one written value under a modifier chain. keyword is
 * 1 for a field-less item (keywords: a plain value matches anywhere in a field, as if
 * |contains). On success fills *out (allocated in arena) and returns 0; otherwise writes
 * a specific reason and returns SIGMA_REJECT (WARD_ENOMEM on allocation failure).
 */
int sigma_value_build(struct ward_arena *a, const struct sigma_chain *chain, int keyword,
                      const char *text, size_t len, enum sigma_scalar kind,
                      const struct sigma_placeholders *ph, struct ward_sigma_value *out,
                      char *reason, size_t rsz);

/* Checks the item-level rules of a chain (e.g. |re with |contains) before values are
 * built. Returns 0 or SIGMA_REJECT with a reason. */
int sigma_chain_check(const struct sigma_chain *chain, int keyword, char *reason, size_t rsz);

/*
 * Parses a condition against the rule's detection names. On success *out is the tree
 * (in arena) and 0 is returned; otherwise SIGMA_REJECT with a reason naming the column (1-based).
 */
int sigma_cond_parse(struct ward_arena *a, const char *text,
                     const struct ward_sigma_detection *dets, size_t ndets,
                     struct ward_sigma_cond **out, char *reason, size_t rsz);

/* Compiled regular expressions of a rule set (for the reference evaluator): a list the
 * rule set frees. */
struct sigma_re_list {
    void **codes;
    size_t n, cap;
};

/* Compiles a pattern's regex (pcre2) and records it in list; sets p->re. */
int sigma_re_compile(struct sigma_re_list *list, struct ward_sigma_pattern *p, char *reason,
                     size_t rsz);
void sigma_re_list_free(struct sigma_re_list *list);

/* Loads a placeholders YAML file (name: [values]). */
int sigma_placeholders_load(const char *path, struct sigma_placeholders *ph, struct ward_err *err);
void sigma_placeholders_free(struct sigma_placeholders *ph);

#endif
