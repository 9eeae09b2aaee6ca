/*
 * sigma.h - Sigma rules in ward: the parsed rule (AST with file:line), the value patterns
 * that modifiers produce, the logsource taxonomy, the reference evaluator (tests, explain)
 * and the compiled rule set with its per-thread matcher (the fast path).
 *
 * Three separate types, as DESIGN.md says: the parsed rule (struct ward_sigma_rule), the
 * compiled rule set (struct ward_ruleset: immutable, shared by threads) and the match
 * context (struct ward_matcher: per thread scratch).
 */
#ifndef WARD_SIGMA_H
#define WARD_SIGMA_H

#include "ward/core.h"
#include "ward/event.h"

/* ---- value patterns: what one Sigma value becomes after its modifiers ------------------ */

enum ward_sp_kind {
    /* The whole field value matches a glob of literal bytes and wildcards. contains,
     * startswith and endswith are globs with a leading and/or trailing '*'; a plain value is
     * a glob with no wildcards (equality). Case-insensitive unless WARD_SP_CASED. */
    WARD_SP_GLOB,
    WARD_SP_RE,   /* regular expression (PCRE2 syntax); flags WARD_SP_RE_I/M/S */
    WARD_SP_CIDR, /* field is an IPv4/IPv6 address inside the network */
    WARD_SP_LT,   /* numeric comparisons: field parsed as a number */
    WARD_SP_LTE,
    WARD_SP_GT,
    WARD_SP_GTE,
    WARD_SP_EXISTS,   /* field present (num = 1) or absent (num = 0) */
    WARD_SP_NULL,     /* field absent, JSON null, or empty */
    WARD_SP_FIELDREF, /* field equals (or contains/startswith/endswith: see ref_mode) another
                         field's value */
    WARD_SP_TIMEPART, /* minute/hour/day/week/month/year of a timestamp field equals num */
};

enum {
    WARD_SP_CASED = 1, /* |cased: exact case */
    WARD_SP_RE_I = 2,  /* |re|i */
    WARD_SP_RE_M = 4,  /* |re|m */
    WARD_SP_RE_S = 8,  /* |re|s */
};

/* glob byte classes in ward_sigma_pattern.wild */
enum { WARD_GLOB_LIT = 0, WARD_GLOB_STAR = 1, WARD_GLOB_ONE = 2 };

enum ward_sp_refmode { WARD_REF_EQ, WARD_REF_CONTAINS, WARD_REF_STARTS, WARD_REF_ENDS };
enum ward_sp_timeunit {
    WARD_TP_MINUTE,
    WARD_TP_HOUR,
    WARD_TP_DAY,
    WARD_TP_WEEK,
    WARD_TP_MONTH,
    WARD_TP_YEAR
};

struct ward_sigma_pattern {
    uint8_t kind;  /* enum ward_sp_kind */
    uint8_t flags; /* WARD_SP_* */
    uint8_t ref_mode;
    uint8_t time_unit;
    /* GLOB: the literal bytes, escapes resolved, with `wild` marking each byte (NULL when
     * there is no wildcard: then text is matched whole). For a wildcard byte the text
     * byte is '*' or '?' and wild[i] is WARD_GLOB_STAR / WARD_GLOB_ONE.
     * RE: the expression. CIDR: the network as written. FIELDREF: the other field's name. */
    char *text;
    size_t len;
    uint8_t *wild;
    double num;     /* LT..GTE, EXISTS (1/0), TIMEPART */
    uint8_t family; /* CIDR: 4 or 6 */
    uint8_t prefix; /* CIDR: prefix length */
    uint8_t addr[16];
    /* RE: the expression compiled with PCRE2 (pcre2_code *) for the reference evaluator,
     * owned by the rule set; NULL for other kinds. (Added by the front end.) */
    void *re;
};

/* One value of a field item with all its alternatives: modifiers such as windash,
 * base64offset and utf16 expand one written value into several patterns, any of which
 * matches (OR). */
struct ward_sigma_value {
    struct ward_sigma_pattern *alts;
    size_t nalts;
    uint32_t line; /* where the value was written */
};

enum {
    WARD_SI_ALL = 1, /* |all: every value must match (AND) instead of any (OR) */
    WARD_SI_NEQ = 2, /* |neq: the item holds when no value matches */
};

/* One `field|modifiers: values` entry. field == NULL for keywords (field-less search: the
 * value may match any field of the event). */
struct ward_sigma_item {
    char *field;     /* Sigma field name as written, without modifiers */
    char *modifiers; /* the modifier chain as written ("contains|all"), for messages */
    unsigned flags;  /* WARD_SI_* */
    struct ward_sigma_value *values;
    size_t nvalues; /* 0 values never happens: an empty list is a parse error */
    uint32_t line;
};

/* A map of items, all of which must hold (AND). */
struct ward_sigma_group {
    struct ward_sigma_item *items;
    size_t nitems;
};

/* A named detection (search identifier): its groups, any of which must hold (OR). A map
 * is one group; a list of maps is one group per map; a keyword list is one group with one
 * field-less item. */
struct ward_sigma_detection {
    char *name;
    struct ward_sigma_group *groups;
    size_t ngroups;
    uint32_t line;
};

enum ward_sc_kind {
    WARD_SC_REF,
    WARD_SC_AND,
    WARD_SC_OR,
    WARD_SC_NOT,
    WARD_SC_TRUE,
    WARD_SC_FALSE
};

/* Condition tree. `1 of x*` / `all of them` are expanded at parse time into OR / AND
 * trees of WARD_SC_REF nodes (detection indexes). */
struct ward_sigma_cond {
    uint8_t kind;
    uint32_t ref; /* WARD_SC_REF: index into rule->dets */
    struct ward_sigma_cond *a, *b;
};

enum ward_sigma_level {
    WARD_LEVEL_NONE = 0,
    WARD_LEVEL_INFORMATIONAL,
    WARD_LEVEL_LOW,
    WARD_LEVEL_MEDIUM,
    WARD_LEVEL_HIGH,
    WARD_LEVEL_CRITICAL
};

enum ward_sigma_kind { WARD_RULE_DETECTION, WARD_RULE_CORRELATION, WARD_RULE_FILTER };

struct ward_sigma_related {
    char *id;
    char *type;
};

struct ward_sigma_logsource {
    char *product;
    char *category;
    char *service;
    char *definition;
};

/* Correlation rules (rule->extra when kind == WARD_RULE_CORRELATION). */
enum ward_corr_type {
    WARD_CORR_EVENT_COUNT,
    WARD_CORR_VALUE_COUNT,
    WARD_CORR_TEMPORAL,
    WARD_CORR_TEMPORAL_ORDERED,
    WARD_CORR_VALUE_SUM,
    WARD_CORR_VALUE_AVG,
    WARD_CORR_VALUE_PERCENTILE
};
enum ward_corr_op {
    WARD_CMP_GT,
    WARD_CMP_GTE,
    WARD_CMP_LT,
    WARD_CMP_LTE,
    WARD_CMP_EQ,
    WARD_CMP_NEQ
};
struct ward_sigma_corr_cond {
    uint8_t op; /* enum ward_corr_op */
    double value;
};
/* aliases: NAME: {rule name: event field, ...} */
struct ward_sigma_corr_alias {
    char *name;
    char **rule_names;
    char **fields;
    size_t n;
};
struct ward_sigma_correlation {
    uint8_t type; /* enum ward_corr_type */
    char **rules; /* ids or names of the correlated rules, as written */
    size_t nrules;
    char **group_by;
    size_t ngroup_by;
    char *timespan;                     /* as written ("5m") */
    uint64_t timespan_ms;               /* parsed: s, m, h, d (and w) units */
    struct ward_sigma_corr_cond *conds; /* all must hold (a range is two); may be empty for
                                           temporal types */
    size_t nconds;
    char *field; /* condition field (value_count, value_sum, value_avg, value_percentile) */
    int generate;
    struct ward_sigma_corr_alias *aliases;
    size_t naliases;
    uint32_t line; /* of the correlation section */
};
/* Filters (rule->extra when kind == WARD_RULE_FILTER): the rules they apply to; their
 * selections and condition are parsed like a detection into rule->dets / rule->cond. */
struct ward_sigma_filter {
    char **rules;
    size_t nrules;
    uint32_t line;
};

/* A parsed rule. Everything is owned by the rule set's arena. */
struct ward_sigma_rule {
    char *path;
    uint32_t line; /* line of the document's start */
    uint8_t kind;  /* enum ward_sigma_kind */
    char *title, *id, *name, *status, *description, *author, *date, *modified, *license;
    char *scope_str;
    enum ward_sigma_level level;
    char **references;
    size_t nreferences;
    char **tags;
    size_t ntags;
    char **falsepositives;
    size_t nfalsepositives;
    char **fields;
    size_t nfields;
    char **scope;
    size_t nscope;
    char *taxonomy;
    struct ward_sigma_related *related;
    size_t nrelated;
    struct ward_sigma_logsource logsource;
    struct ward_sigma_detection *dets;
    size_t ndets;
    struct ward_sigma_cond *cond; /* several conditions are OR-ed into one tree */
    char *cond_text;              /* the condition(s) as written, for messages */
    void *extra; /* struct ward_sigma_correlation or struct ward_sigma_filter (by kind), in
                    the arena; NULL for detection rules */
};

/* ---- parsing -------------------------------------------------------------------------- */

/* A diagnostic about one rule: a rejected rule (or a whole file that did not parse). */
struct ward_sigma_diag {
    char *path;
    uint32_t line;
    char *rule_id; /* may be NULL */
    char *title;   /* may be NULL */
    char *reason;  /* specific: "unknown modifier 'foo'", "expand placeholder %x% has no
                      value in the config", "condition: unknown identifier 'sel2'" */
};

/* A set of parsed rules from files and directories (recursively: *.yml, *.yaml). */
struct ward_sigma_rules {
    struct ward_arena arena;
    struct ward_sigma_rule **rules;
    size_t nrules;
    struct ward_sigma_diag *diags; /* rejected rules and unreadable files; the array and its
                                      strings live in `arena` (append by copying into a
                                      larger array allocated there) */
    size_t ndiags;
    size_t files;
    size_t documents;
    void *priv; /* the front end's own (compiled regexes, placeholders); do not touch */
};

struct ward_sigma_opts {
    /* placeholder values for |expand: NULL or a YAML file mapping name -> list of values */
    const char *placeholders_path;
};

/* Parses every rule under the paths. Rules that fail are recorded as diags and do not
 * stop the others. Returns 0 (even with diags) or a negative code for a fatal error (out
 * of memory). Free with ward_sigma_rules_free. */
int ward_sigma_rules_load(char *const *paths, size_t npaths, const struct ward_sigma_opts *o,
                          struct ward_sigma_rules **out, struct ward_err *err) WARD_MUST_USE;
/* Parses one YAML text (possibly several documents) as if it came from path. */
int ward_sigma_rules_parse_text(struct ward_sigma_rules *set, const char *path, const char *text,
                                size_t len, const struct ward_sigma_opts *o,
                                struct ward_err *err) WARD_MUST_USE;
int ward_sigma_rules_new(struct ward_sigma_rules **out) WARD_MUST_USE;
/* Records a rejected rule (the strings are copied). The one way to add to set->diags. */
int ward_sigma_rules_add_diag(struct ward_sigma_rules *set, const char *path, uint32_t line,
                              const char *id, const char *title, const char *reason) WARD_MUST_USE;
void ward_sigma_rules_free(struct ward_sigma_rules *set);

const char *ward_sigma_level_name(enum ward_sigma_level l);

/* ---- taxonomy: logsources and field names ---------------------------------------------- */

/*
 * The taxonomy (YAML, in the repo; the default one is built into the binary) says which
 * events each logsource (product, category, service) selects and which event keys each
 * Sigma field name reads, for the Windows event layout (Event.System.*, Event.EventData.*,
 * EventID as a number or as {"#text": n}) and for flat JSON.
 */
struct ward_taxonomy;

/* The logsource an event belongs to: small ids of the taxonomy (0 = unknown). */
#define WARD_LS_MAX_CATEGORIES 4
struct ward_ls_ids {
    uint16_t product;
    uint16_t service;
    uint16_t categories[WARD_LS_MAX_CATEGORIES];
    uint8_t ncategories;
};

int ward_taxonomy_load(const char *path, struct ward_taxonomy **out,
                       struct ward_err *err) WARD_MUST_USE;
/* The built-in default taxonomy. */
int ward_taxonomy_default(struct ward_taxonomy **out, struct ward_err *err) WARD_MUST_USE;
void ward_taxonomy_free(struct ward_taxonomy *t);
/* Whether a rule's logsource is one the taxonomy knows; if not, reason says why. */
int ward_taxonomy_rule_ls(const struct ward_taxonomy *t, const struct ward_sigma_logsource *ls,
                          struct ward_ls_ids *out, char *reason, size_t reason_sz);
/* Classifies an event (from ev->product/service/category set by its decoder and from its
 * fields, e.g. Event.System.Channel and EventID). */
void ward_taxonomy_classify(const struct ward_taxonomy *t, struct ward_event *ev,
                            struct ward_ls_ids *out);
/* Every event key (plain or pattern, as ward_taxonomy_field_keys gives them) that
 * ward_taxonomy_classify may read, for callers that memoize the classification on their
 * values (with ev->product/service/category). Fills up to max keys (borrowed from the
 * taxonomy) and returns how many there are (more than max: the list is incomplete). */
size_t ward_taxonomy_classify_keys(const struct ward_taxonomy *t, const char **keys, size_t max);
/* Whether an event with logsource `ev_ls` is selected by a rule with logsource `rule_ls`. */
int ward_taxonomy_selects(const struct ward_ls_ids *rule_ls, const struct ward_ls_ids *ev_ls);
/* The event keys a Sigma field name reads for a rule's logsource, in priority order (the
 * first present key is the field's value). Returns the count (<= max), keys borrowed from
 * the taxonomy. */
size_t ward_taxonomy_field_keys(const struct ward_taxonomy *t, const struct ward_ls_ids *rule_ls,
                                const char *sigma_field, const char **keys, size_t max);
/* A key from ward_taxonomy_field_keys may hold pattern segments: "*" (any one segment:
 * "Event.UserData.*.User") or "~Name" (a segment equal to Name once its spaces are removed:
 * "Event.EventData.~ThreatName" reads "Event.EventData.Threat Name"). Whether key (klen
 * bytes) matches such a pattern; plain keys compare exactly. */
int ward_taxonomy_key_match(const char *pattern, const char *key, size_t klen);
/*
 * The values of a Sigma field in an event, as the reference evaluator reads them: the keys
 * of ward_taxonomy_field_keys are tried in order and the first that yields anything wins.
 * A key yields the field of that exact key; when there is none, the elements of an array
 * under it (key.0, key.1, ... while present); a key with a "*" segment yields every field
 * it matches. Fills up to max pointers and returns the count (0 = the field is absent).
 */
size_t ward_sigma_field_values(const struct ward_taxonomy *t, const struct ward_ls_ids *rule_ls,
                               const char *sigma_field, struct ward_event *ev,
                               struct ward_field **out, size_t max);
/* Names of taxonomy ids (NULL for 0 or unknown), for messages and `rules explain`. */
const char *ward_taxonomy_product_name(const struct ward_taxonomy *t, uint16_t id);
const char *ward_taxonomy_service_name(const struct ward_taxonomy *t, uint16_t id);
const char *ward_taxonomy_category_name(const struct ward_taxonomy *t, uint16_t id);

/* ---- reference evaluator (clarity over speed: tests, `rules explain`) ------------------ */

/*
 * Matching semantics (the reference evaluator defines them; the compiled matcher must agree):
 * - routing: ward_taxonomy_rule_ls + ward_taxonomy_classify + ward_taxonomy_selects; a rule
 *   whose logsource the taxonomy does not know matches nothing; non-detection rules
 *   (correlation, filter) match nothing here.
 * - a field's values: ward_sigma_field_values (first key present; an array gives several
 *   values); every pattern kind holds when it holds for ANY value. Keywords (field NULL)
 *   look at every string or number field (WARD_V_STR, WARD_V_NUM) of the event. Keyword values
 * without contains/startswith/endswith already carry leading and trailing '*' (the parser adds
 * them).
 * - value = any of its alts; item = any value (WARD_SI_ALL: every value; WARD_SI_NEQ: no
 *   value); group = all items; detection = any group.
 * - GLOB: over the whole value, bytes (not code points): '*' any run, '?' one byte; ASCII
 *   letters case-folded unless WARD_SP_CASED. Absent field: no match (NULL-typed fields
 *   have the text "", so '' and '*' match them).
 * - RE: PCRE2 without UTF mode (bytes), unanchored search, flags from WARD_SP_RE_*.
 * - CIDR: value parses (inet_pton) in the network's family and is inside the prefix.
 * - LT..GTE: value (not bool/null typed) parses with ward_parse_double; compares with num.
 * - EXISTS: field has >= 1 value (num 1) or none (num 0). NULL: absent, or a value typed
 *   WARD_V_NULL or empty.
 * - FIELDREF: some value compares (ref_mode, ASCII case-folded unless CASED) with some value
 *   of the field named by text (resolved the same way); absent either side: no match.
 * - TIMEPART: value parses with ward_time_parse; the UTC unit (ISO week) equals num.
 */
/* Whether `rule` matches `ev`, by plain interpretation of the AST. Logsource routing
 * included. Returns 1, 0 or a negative code. */
int ward_sigma_ref_eval(const struct ward_taxonomy *t, const struct ward_sigma_rule *rule,
                        struct ward_event *ev);
/* The same with the event's logsource given (from ward_taxonomy_classify on this event, as
 * it is now): for loops that evaluate many rules on one event and classify it once. */
int ward_sigma_ref_eval_ls(const struct ward_taxonomy *t, const struct ward_sigma_rule *rule,
                           struct ward_event *ev, const struct ward_ls_ids *ev_ls);
/* The same, writing a readable account to out: the logsource decision, then for each
 * search identifier every item with the field's value and which values matched (+) or not
 * (-), then the condition. For `ward rules explain`. Returns 1, 0 or a negative code. */
int ward_sigma_ref_explain(const struct ward_taxonomy *t, const struct ward_sigma_rule *rule,
                           struct ward_event *ev, struct ward_buf *out);

/* ---- compiled rule set and matcher (the fast path) ------------------------------------- */

struct ward_ruleset;
struct ward_matcher;

/* Compiles the detection rules of `rules` (which must outlive the rule set). Rules that
 * cannot be compiled are added to rules->diags with the reason and skipped. */
int ward_ruleset_compile(struct ward_sigma_rules *rules, const struct ward_taxonomy *t,
                         struct ward_ruleset **out, struct ward_err *err) WARD_MUST_USE;
void ward_ruleset_free(struct ward_ruleset *rs);
/* The field registry: pass it to ward_event_init so events carry field ids. */
const struct ward_intern *ward_ruleset_fields(const struct ward_ruleset *rs);
size_t ward_ruleset_count(const struct ward_ruleset *rs);
const struct ward_sigma_rule *ward_ruleset_rule(const struct ward_ruleset *rs, size_t i);

/* Per-thread scratch for matching. */
int ward_matcher_new(const struct ward_ruleset *rs, struct ward_matcher **out) WARD_MUST_USE;
void ward_matcher_free(struct ward_matcher *m);
/* Matches one event; calls hit(ctx, rule_index) for each matching rule in increasing rule
 * index order. Returns the number of hits or a negative code. */
typedef void (*ward_hit_fn)(void *ctx, size_t rule_index);
int ward_matcher_run(struct ward_matcher *m, struct ward_event *ev, ward_hit_fn hit, void *ctx);

#endif
