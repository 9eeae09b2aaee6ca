/*
 * compiled.h - private layout of the compiled Sigma rule set (compile.c) and of the
 * per-thread matcher (matcher.c). See docs/internals/sigma-matcher.md.
 *
 * Vocabulary:
 * - slot: one Sigma field as a rule reads it, i.e. an ordered list of event keys (field
 *   ids) of which the first present one gives the value. Rules that read the same keys
 *   share the slot. Slot WARD_KW_SLOT stands for keywords (any field of the event).
 * - atom: one distinct test of one slot (a value pattern). Identical patterns of different
 *   rules on the same slot are one atom. String atoms go into the slot's Vectorscan
 *   databases, either exact (a scan hit is the answer) or as a prefilter confirmed by
 *   PCRE2 (or the whole glob); the others (numbers, CIDR, null, exists, fieldref, time
 *   parts, patterns that can match the empty value, regexes Vectorscan refuses) are lazy:
 *   evaluated in C when a candidate rule's condition reads them.
 * - gate: a scannable atom that some rule needs to become a candidate; gates are scanned
 *   for every event (the slot's `now` set), the other scannable atoms are deferred (the
 *   `later` set, scanned when a condition reads one, or compared one by one).
 * - program: each rule's condition as a flat prefix tree of nodes over atoms.
 */
#ifndef WARD_SIGMA_COMPILED_H
#define WARD_SIGMA_COMPILED_H

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "ward/sigma.h"

#define WARD_KW_SLOT UINT32_MAX

enum atom_mode {
    ATOM_EXACT,   /* in the slot's database; a scan hit is a match */
    ATOM_CONFIRM, /* in the database as a prefilter; a hit is confirmed with PCRE2 */
    ATOM_LAZY,    /* not scanned: evaluated on demand */
};

enum lazy_kind {
    LZ_NONE,
    LZ_GLOB_ANY,   /* glob of stars only: any value (the field is present) */
    LZ_GLOB_EMPTY, /* empty glob: the value is empty */
    LZ_GLOB,       /* general glob matched in C */
    LZ_RE,         /* PCRE2 regex */
    LZ_PATTERN,    /* a non-string pattern (cidr, numbers, exists, null, fieldref, time) */
    LZ_LIT,        /* a bare literal (atom lit/litlen/pos/cased) compared in C */
};

/* Where a literal scanned without anchors must lie in the value (checked on each hit from
 * the match's end offset): anchored literals compile and scan much faster that way. */
enum atom_pos {
    POS_ANY,   /* contains, or an exact expression */
    POS_START, /* startswith: ends at the literal's length */
    POS_END,   /* endswith: ends at the value's end */
    POS_EQ,    /* equals: both */
};

/* How an exact literal is found in a value. */
enum atom_via {
    VIA_HS,     /* the slot's Vectorscan database */
    VIA_EQ,     /* equality: the slot's hash table of whole values */
    VIA_DIRECT, /* one of a few literals of the slot, compared in C */
    VIA_TAG,    /* a "TAG=..." contains literal: the slot's tag table (struct scanset) */
};

struct atom {
    uint32_t slot;   /* slot index or WARD_KW_SLOT */
    uint8_t mode;    /* enum atom_mode */
    uint8_t lazy;    /* enum lazy_kind (ATOM_LAZY) */
    uint8_t pos;     /* enum atom_pos (ATOM_EXACT) */
    uint8_t via;     /* ATOM_EXACT literals: enum atom_via */
    uint8_t cased;   /* literal compared with exact case */
    uint32_t litlen; /* POS_START / POS_EQ: the literal's length */
    const char *lit; /* the literal's bytes (VIA_EQ, VIA_DIRECT) */
    const struct ward_sigma_pattern *pat;
    pcre2_code *re;     /* CONFIRM and LZ_RE */
    uint32_t rules_off; /* gated rules that read this atom: rs->atom_rules[off .. off+n) */
    uint32_t rules_n;
    uint32_t ref_slot;  /* FIELDREF: the other field's slot */
    uint32_t nodes_off; /* N_ANYHIT nodes over this atom: rs->atom_nodes[off .. off+n) */
    uint32_t nodes_n;
    uint8_t defer; /* not a gate: in the slot's `later` scan set, scanned on demand */
    uint8_t frag;  /* a glob with inner wildcards, scanned as its longest literal run and
                      confirmed with the whole glob */
    uint32_t frag_off, frag_len; /* frag: that run in pat->text (a value without it cannot
                                    match: evaluated directly, it is searched first) */
    /* a regex that is only literals joined by ".*" (`\+.*\+.*\+`): its parts, each ended
     * by a NUL, the list by an empty part; matched in C (PCRE2's backtracking over such a
     * regex takes milliseconds on a long value that holds a few of the parts) */
    const char *seq;
    uint8_t seq_dotall; /* its "." also matches a newline (flag s) */
    /* a regex: the longest run of bytes the subject of every match holds, when it has at
     * least WARD_RE_FACTOR_MIN bytes (else NULL); scanned with the slot's literals without
     * case, each hit confirmed with the whole regex, instead of a prefilter automaton */
    const char *fac;
    uint32_t faclen;
};

#define WARD_RE_FACTOR_MIN 3

/* One event key of a slot. The first key that yields values gives the slot's values
 * (ward_sigma_field_values): the field of that exact key, else the elements of an array
 * under it (key.0, key.1 ...), or for a key with a "*" segment every field it matches. */
struct slot_key {
    const char *name;
    uint32_t len;
    uint32_t id;        /* field id of the key (WARD_FIELD_NOID for a pattern key) */
    uint32_t id0;       /* field id of key.0 */
    uint8_t wild;       /* a pattern key: has a "*" or "~Name" segment */
    uint32_t wp;        /* wild: index of its literal prefix (before that segment) in rs->wpfx */
    uint8_t seg_any;    /* wild: its last segment is "*" (no filter on it) */
    uint8_t tilde_last; /* wild: the only pattern segment is the last one, "~Name" */
    uint32_t tid;       /* tilde_last: field id of the key with "Name" in its place, which
                           is the only key it can match when no key holds a space */
    uint64_t seg_h;     /* wild: hash of its last segment without spaces (and without '~') */
};

#define WARD_WILD_SPACE 31 /* struct slot's wild_mask */

/* Hash of a key segment with its spaces removed (the filter of pattern keys). */
uint64_t ward_sigma_seg_hash(const char *s, size_t n);

/* The literal start of a "*" key ("Event.UserData."): when no field of an event starts
 * with it, the key matches nothing and its fields need not be walked. */
struct wprefix {
    const char *s;
    uint32_t len;
};

/* Most values of one field (as the reference evaluator: arrays, "*" keys, keywords). */
#define WARD_SLOT_MAX_VALUES 4096

#define WARD_TAG_LENS 8 /* at most this many distinct tag lengths in a tag table */
#define WARD_TAG_MAX 16 /* longest tag */
#define WARD_TAG_KEY 8  /* bytes after the '=' in the key of a tag table */

/* The ways of finding a set of scanned atoms in a slot's values. */
struct scanset {
    hs_database_t *db;   /* bare ASCII literals; NULL when there are none */
    hs_database_t *dbhi; /* bare literals with a non-ASCII byte (values with one only) */
    hs_database_t *db2;  /* other globs and regexes; NULL when there are none */
    /* equality literals: open addressing over atom index + 1 (0 = empty), keyed by the
     * hash of the value (ASCII-lowered for caseless atoms, which go to eq_ci) */
    uint32_t *eq_ci, *eq_cs;
    uint32_t eq_ci_mask, eq_cs_mask;
    uint64_t eq_lens; /* bit min(len, 63) set for each equality literal's length */
    uint32_t *direct; /* a few literals compared in C */
    uint32_t ndirect;
    /* "TAG=..." contains literals (Sysmon's Hashes: 'SHA256=4E2A...'), when every other
     * literal of the set is one: open addressing over atom index + 1, keyed by the
     * ASCII-lowered hash of the literal's first WARD_TAG_KEY bytes after its first '=' and
     * of the tag_lens[i] bytes before it (the TAG). A match of such a literal puts its first
     * '=' on a '=' of the value, so the value is looked up at each of its '=' for each tag
     * length, instead of a scan of thousands of literals. Entry j: tag[2j] = atom + 1,
     * tag[2j + 1] = the key hash's upper 32 bits (compared first: the atoms are cold). */
    uint32_t *tag;
    uint32_t tag_mask;
    uint8_t tag_lens[WARD_TAG_LENS];
    uint8_t ntag_lens;
    uint32_t db_minlen, dbhi_minlen; /* the shortest literal of db, dbhi: shorter values
                                        are not scanned */
};

struct slot {
    struct slot_key *keys; /* priority order */
    uint32_t nkeys;
    uint8_t has_wild; /* some key has a "*" segment */
    /* has_wild: what its pattern keys need to match anything in an event (wild_absent):
     * bit i for a key whose literal prefix is rs->wpfx[i] (i < WARD_WILD_SPACE), bit
     * WARD_WILD_SPACE for a "prefix.~Name" key (a key of the event with a space); all bits
     * when some prefix index is too large for the mask */
    uint32_t wild_mask;
    struct scanset now;   /* gate atoms: scanned for every event whose route reads the slot */
    struct scanset later; /* deferred atoms: scanned once an evaluated condition reads one */
    uint32_t *atoms;      /* every scanned atom of the slot (for the docs/stats) */
    uint32_t natoms;
};

#define WARD_DIRECT_MAX 6 /* at most this many non-equality literals are compared in C */
/* An N_ANYHIT node's deferred children are evaluated one by one on the slot's values
 * (node.direct) when their cost is at most this: 1 per startswith/endswith literal, 4 per
 * contains, 8 per glob, 16 per regex. A scan of a large `later` set (CommandLine: 4,500
 * atoms) costs about as much as 40 contains literals compared in C, or more. */
#define WARD_DEFER_DIRECT_COST 160

/* N_ANYHIT: an N_OR whose children are all scanned atoms; the matcher stamps it when one
 * of them hits, so evaluating it is one load (its children stay, unvisited). */
enum node_op { N_FALSE, N_TRUE, N_ATOM, N_AND, N_OR, N_NOT, N_ANYHIT };

struct node {
    uint8_t op;
    uint8_t direct; /* N_ANYHIT with deferred children: they are cheaper evaluated one by one
                       (WARD_DEFER_DIRECT_COST) than by a scan of the slot's `later` set */
    uint32_t arg;   /* N_ATOM: atom index; N_ANYHIT: slot whose `later` set must be scanned
                       first (deferred children), or UINT32_MAX */
    uint32_t end;   /* index just past this node's subtree */
};

struct crule {
    const struct ward_sigma_rule *rule;
    struct ward_ls_ids ls;
    uint32_t prog_off; /* rs->nodes[prog_off .. prog_off + prog_len) */
    uint32_t prog_len;
    uint32_t *slots; /* slots the rule scans (for routes) */
    uint32_t nslots;
    uint8_t gated;    /* cannot match unless one of its scanned atoms hit */
    uint8_t keywords; /* reads eagerly scanned keyword atoms */
    uint32_t *kwlits; /* those of them in rs->kwdb (literals), for per-route databases */
    uint32_t nkwlits;
};

struct ward_ruleset {
    struct ward_arena arena;
    const struct ward_taxonomy *tax;
    struct ward_intern fields; /* event keys -> field ids */
    struct crule *rules;
    size_t nrules;
    struct slot *slots;
    uint32_t nslots;
    struct atom *atoms;
    uint32_t natoms;
    struct node *nodes;
    uint32_t nnodes;
    uint32_t *atom_rules;
    uint32_t *atom_nodes;
    /* for each field id, the slots that read it (as key or key.0):
     * id_slots[id_slots_off[id] .. id_slots_off[id + 1]) */
    uint32_t *id_slots_off;
    uint32_t *id_slots;
    struct wprefix *wpfx;
    uint32_t nwpfx;
    /* the event keys logsource classification reads (ward_taxonomy_classify_keys): the
     * matcher memoizes the classification on their values; cmemo = 0 when unknown */
    struct slot_key *ckeys;
    uint32_t nckeys;
    uint8_t cmemo;
    hs_database_t *kwdb, *kwdb2; /* keyword atoms (literals, others), over every field */
    uint32_t kw_minlen;          /* the shortest literal of kwdb */
    size_t max_width;            /* longest rule program, for the matcher's buffers */
    /* statistics */
    uint32_t n_exact, n_confirm, n_lazy;
    uint32_t n_deferred; /* of the lazy ones: scannable, but nobody's gate */
    uint64_t compile_ns, hs_ns;
};

/* Profiling of the matcher's phases (benchmarks): off by default, since reading the
 * clock costs. */
struct ward_matcher_prof {
    uint64_t events;
    uint64_t route_ns; /* logsource classification and routing */
    uint64_t scan_ns;  /* field lookup, unescaping and the Vectorscan scans */
    uint64_t eval_ns;  /* candidate rules and their conditions */
    uint64_t scans;    /* Vectorscan calls */
    uint64_t candidates;
    uint64_t later_scans; /* on-demand scans of deferred atoms (their time is in eval_ns) */
    /* profile level 2 only (reading the clock this often slows the run down a lot): */
    uint64_t later_ns;
    /* per slot (index rs->nslots: the keyword pass): scans and their time */
    uint64_t *slot_scans, *slot_ns, *slot_bytes, *slot_later;
    uint64_t *rule_evals, *rule_ns; /* per rule: evaluations and their time */
};
/* 0 = off, 1 = counts and phase times, 2 = also per slot and per rule times. */
void ward_matcher_set_profile(struct ward_matcher *m, int on);
/* For benchmarks: stop each run after a phase (1 = routing, 2 = prefilter, 3 = the
 * prefilter's slots, before its keyword pass; 0 = never), so that the cost of each phase is
 * the difference between runs. */
void ward_matcher_set_stop(struct ward_matcher *m, int phase);
const struct ward_matcher_prof *ward_matcher_get_prof(const struct ward_matcher *m);

#endif
