/* test_sigma_parse.c - the Sigma front end: rule fields, every value modifier (the
 * patterns they produce), escapes, keywords, null, and the rejections with their reasons
 * and lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/sigma/sigma_int.h"
#include "test.h"

static struct ward_sigma_rules *parse_with(const char *yaml, const char *placeholders)
{
    struct ward_sigma_rules *set;
    if (ward_sigma_rules_new(&set)) return NULL;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_sigma_opts o = {placeholders};
    if (ward_sigma_rules_parse_text(set, "t.yml", yaml, strlen(yaml), &o, &err)) {
        fprintf(stderr, "fatal: %s\n", err.msg);
        ward_sigma_rules_free(set);
        return NULL;
    }
    return set;
}

static struct ward_sigma_rules *parse(const char *yaml)
{
    return parse_with(yaml, NULL);
}

/* A one-selection rule around "field: value" lines. */
static struct ward_sigma_rules *sel(const char *body)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "title: t\nlogsource: {product: windows, category: process_creation}\n"
             "detection:\n  sel:\n%s\n  condition: sel\n",
             body);
    return parse(buf);
}

static const struct ward_sigma_item *first_item(struct ward_sigma_rules *s)
{
    if (!s || s->nrules != 1 || !s->rules[0]->ndets) return NULL;
    return &s->rules[0]->dets[0].groups[0].items[0];
}

static const struct ward_sigma_pattern *first_pat(struct ward_sigma_rules *s)
{
    const struct ward_sigma_item *it = first_item(s);
    return it ? &it->values[0].alts[0] : NULL;
}

/* Renders a glob as text with wildcards shown as * and ?, and literal * ? as \* \?. */
static const char *glob_str(const struct ward_sigma_pattern *p)
{
    static char buf[1024];
    size_t o = 0;
    for (size_t i = 0; p && i < p->len && o + 3 < sizeof buf; i++) {
        unsigned char c = (unsigned char)p->text[i];
        int w = p->wild ? p->wild[i] : WARD_GLOB_LIT;
        if (w == WARD_GLOB_LIT && (c == '*' || c == '?')) buf[o++] = '\\';
        if (c == 0)
            buf[o++] = '0';
        else
            buf[o++] = (char)c;
    }
    buf[o] = 0;
    return buf;
}

static const char *reason(struct ward_sigma_rules *s)
{
    return s && s->ndiags ? s->diags[0].reason : "(no diagnostic)";
}

static int has_alt(const struct ward_sigma_value *v, const char *want)
{
    for (size_t i = 0; i < v->nalts; i++)
        if (strcmp(glob_str(&v->alts[i]), want) == 0) return 1;
    return 0;
}

static void test_fields(void)
{
    struct ward_sigma_rules *s =
        parse("title: Full rule\n"
              "id: 929a690e-bef0-4204-a928-ef5e620d6fcc\n"
              "name: full_rule\n"
              "related:\n  - id: 00000000-0000-0000-0000-000000000001\n    type: derived\n"
              "status: test\n"
              "description: all fields\n"
              "license: DRL-1.1\n"
              "references:\n  - https://example.org/a\n  - https://example.org/b\n"
              "author: someone\n"
              "date: 2024-01-02\n"
              "modified: 2024-02-03\n"
              "taxonomy: sigma\n"
              "scope:\n  - server\n"
              "logsource:\n  product: windows\n  category: process_creation\n  service: sysmon\n"
              "  definition: needs sysmon\n  custom: ignored\n"
              "detection:\n  sel:\n    Image: x\n  condition: sel\n"
              "fields:\n  - Image\n  - CommandLine\n"
              "falsepositives:\n  - admins\n"
              "level: high\n"
              "tags:\n  - attack.execution\n  - attack.t1059\n"
              "custom_attribute: kept out\n");
    CHECK(s && s->nrules == 1 && s->ndiags == 0);
    if (!s || s->nrules != 1) return;
    const struct ward_sigma_rule *r = s->rules[0];
    CHECK_STR(r->title, "Full rule");
    CHECK_STR(r->id, "929a690e-bef0-4204-a928-ef5e620d6fcc");
    CHECK_STR(r->name, "full_rule");
    CHECK_INT(r->nrelated, 1);
    CHECK_STR(r->related[0].type, "derived");
    CHECK_STR(r->status, "test");
    CHECK_STR(r->description, "all fields");
    CHECK_STR(r->license, "DRL-1.1");
    CHECK_INT(r->nreferences, 2);
    CHECK_STR(r->references[1], "https://example.org/b");
    CHECK_STR(r->author, "someone");
    CHECK_STR(r->date, "2024-01-02");
    CHECK_STR(r->modified, "2024-02-03");
    CHECK_STR(r->taxonomy, "sigma");
    CHECK_INT(r->nscope, 1);
    CHECK_STR(r->logsource.product, "windows");
    CHECK_STR(r->logsource.category, "process_creation");
    CHECK_STR(r->logsource.service, "sysmon");
    CHECK_STR(r->logsource.definition, "needs sysmon");
    CHECK_INT(r->nfields, 2);
    CHECK_INT(r->nfalsepositives, 1);
    CHECK_INT(r->level, WARD_LEVEL_HIGH);
    CHECK_INT(r->ntags, 2);
    CHECK_STR(r->tags[1], "attack.t1059");
    CHECK_INT(r->line, 1);
    CHECK_STR(ward_sigma_level_name(r->level), "high");
    CHECK_INT(r->kind, WARD_RULE_DETECTION);
    ward_sigma_rules_free(s);

    /* multi-document file: two rules, lines of each document */
    s = parse("title: a\nlogsource: {product: windows}\ndetection:\n  s: {A: 1}\n  condition: s\n"
              "---\n"
              "title: b\nlogsource: {product: windows}\ndetection:\n  s: {A: 2}\n  condition: s\n");
    CHECK(s && s->nrules == 2 && s->documents == 2);
    if (s && s->nrules == 2) {
        CHECK_STR(s->rules[1]->title, "b");
        CHECK_INT(s->rules[1]->line, 6); /* the "---" line */
    }
    ward_sigma_rules_free(s);

    /* correlation and filter documents are recognised, not failures */
    s = parse("title: c\nname: c\ncorrelation:\n  type: event_count\n  rules: [a]\n"
              "  group-by: [User]\n  timespan: 1h\n  condition: {gte: 10}\n"
              "---\n"
              "title: f\nlogsource: {product: windows}\nfilter:\n  rules: [a]\n"
              "  selection: {User: admin}\n  condition: not selection\n");
    CHECK(s && s->nrules == 2 && s->ndiags == 0);
    if (s && s->nrules == 2) {
        CHECK_INT(s->rules[0]->kind, WARD_RULE_CORRELATION);
        CHECK_INT(s->rules[1]->kind, WARD_RULE_FILTER);
        const struct ward_sigma_correlation *k = s->rules[0]->extra;
        CHECK(k && k->type == WARD_CORR_EVENT_COUNT && k->nrules == 1 && k->ngroup_by == 1 &&
              k->timespan_ms == 3600000 && k->nconds == 1 && k->conds[0].op == WARD_CMP_GTE &&
              k->conds[0].value == 10 && k->line == 4);
        const struct ward_sigma_filter *f = s->rules[1]->extra;
        CHECK(f && f->nrules == 1 && strcmp(f->rules[0], "a") == 0);
        CHECK(s->rules[1]->ndets == 1 && s->rules[1]->cond &&
              s->rules[1]->cond->kind == WARD_SC_NOT);
    }
    ward_sigma_rules_free(s);

    /* correlation details: range conditions, field, aliases, generate */
    s = parse("title: c\ncorrelation:\n  type: value_count\n  rules: [r1, r2]\n"
              "  group-by: [ip]\n  timespan: 90m\n  generate: true\n"
              "  condition: {gt: 100, lte: 200, field: User}\n"
              "  aliases:\n    ip:\n      r1: source.ip\n      r2: destination.ip\n");
    CHECK(s && s->nrules == 1);
    if (s && s->nrules == 1) {
        const struct ward_sigma_correlation *k = s->rules[0]->extra;
        CHECK(k->type == WARD_CORR_VALUE_COUNT && k->timespan_ms == 5400000 && k->generate &&
              k->nconds == 2 && k->conds[1].op == WARD_CMP_LTE && strcmp(k->field, "User") == 0 &&
              k->naliases == 1 && k->aliases[0].n == 2 &&
              strcmp(k->aliases[0].fields[1], "destination.ip") == 0);
    }
    ward_sigma_rules_free(s);
    static const struct {
        const char *text, *needle;
    } badcorr[] = {
        {"title: c\ncorrelation: {type: nope, rules: [a], timespan: 1h}\n", "unknown type 'nope'"},
        {"title: c\ncorrelation: {type: temporal, timespan: 1h}\n", "no 'rules'"},
        {"title: c\ncorrelation: {type: temporal, rules: [a]}\n", "no 'timespan'"},
        {"title: c\ncorrelation: {type: temporal, rules: [a], timespan: 1y}\n", "timespan '1y'"},
        {"title: c\ncorrelation: {type: event_count, rules: [a], timespan: 1h}\n",
         "needs a condition"},
        {"title: c\ncorrelation: {type: value_sum, rules: [a], timespan: 1h, "
         "condition: {gt: 1}}\n",
         "needs 'field'"},
        {"title: c\ncorrelation: {type: event_count, rules: [a], timespan: 1h, "
         "condition: {above: 1}}\n",
         "unknown condition 'above'"},
        {"title: c\ncorrelation: {type: event_count, rules: [a], timespan: 1h, "
         "condition: {gt: lots}}\n",
         "must be a number"},
        {"title: f\nfilter: {rules: [a], condition: x}\nlogsource: {product: windows}\n",
         "'filter' has no search identifier"},
        {"title: f\nfilter: {rules: [a], s: {A: 1}, condition: s}\n", "no 'logsource'"},
    };
    for (size_t i = 0; i < sizeof badcorr / sizeof badcorr[0]; i++) {
        s = parse(badcorr[i].text);
        int ok = s && s->nrules == 0 && s->ndiags == 1 && strstr(reason(s), badcorr[i].needle);
        CHECK(ok);
        if (!ok) fprintf(stderr, "  correlation case %zu: %s\n", i, reason(s));
        ward_sigma_rules_free(s);
    }
}

static void test_plain_values(void)
{
    struct ward_sigma_rules *s = sel("    Image: 'C:\\Windows\\System32\\cmd.exe'");
    const struct ward_sigma_pattern *p = first_pat(s);
    CHECK(p && p->kind == WARD_SP_GLOB && p->wild == NULL);
    CHECK_STR(glob_str(p), "C:\\Windows\\System32\\cmd.exe");
    CHECK(p && p->flags == 0);
    ward_sigma_rules_free(s);

    /* escapes: \* \? \\ are escapes, any other backslash is literal */
    static const struct {
        const char *yaml, *want;
    } esc[] = {
        {"'a\\*b'", "a\\*b"},             /* escaped star: literal */
        {"'a\\?b'", "a\\?b"},             /* escaped question mark */
        {"'a\\\\*'", "a\\*"},             /* escaped backslash, then a wildcard star */
        {"'a\\\\\\*'", "a\\\\*"},         /* \\\* : backslash and literal star */
        {"'\\\\\\\\x'", "\\\\x"},         /* four backslashes: two */
        {"'\\\\x'", "\\x"},               /* two backslashes before a letter: one */
        {"'C:\\Users\\'", "C:\\Users\\"}, /* a trailing backslash stays */
        {"'ab*c?'", "ab*c?"},             /* wildcards */
    };
    for (size_t i = 0; i < sizeof esc / sizeof esc[0]; i++) {
        char body[256];
        snprintf(body, sizeof body, "    F: %s", esc[i].yaml);
        s = sel(body);
        p = first_pat(s);
        if (!p) {
            CHECK(p != NULL);
            fprintf(stderr, "  escape case %zu: %s\n", i, reason(s));
        } else if (strcmp(glob_str(p), esc[i].want) != 0) {
            CHECK_STR(glob_str(p), esc[i].want);
        } else {
            CHECK(1);
        }
        ward_sigma_rules_free(s);
    }
    /* wildcard marks */
    s = sel("    F: 'a*b?'");
    p = first_pat(s);
    CHECK(p && p->wild && p->wild[1] == WARD_GLOB_STAR && p->wild[3] == WARD_GLOB_ONE &&
          p->wild[0] == WARD_GLOB_LIT);
    ward_sigma_rules_free(s);

    /* numbers and booleans are compared as their text */
    s = sel("    EventID: 4688\n    Flag: true");
    const struct ward_sigma_item *it = first_item(s);
    CHECK(it && it[0].values[0].alts[0].len == 4);
    CHECK(it && strcmp(it[1].values[0].alts[0].text, "true") == 0);
    ward_sigma_rules_free(s);

    /* lists are OR (one item, several values) */
    s = sel("    F:\n      - a\n      - b\n      - c");
    it = first_item(s);
    CHECK(it && it->nvalues == 3 && !(it->flags & WARD_SI_ALL));
    CHECK(it && it->values[2].line == 8);
    ward_sigma_rules_free(s);

    /* null */
    s = sel("    F: null\n    G: ~\n    H:");
    it = first_item(s);
    CHECK(it && it[0].values[0].alts[0].kind == WARD_SP_NULL &&
          it[1].values[0].alts[0].kind == WARD_SP_NULL &&
          it[2].values[0].alts[0].kind == WARD_SP_NULL);
    ward_sigma_rules_free(s);
    /* quoted 'null' is text, and '' is the empty string */
    s = sel("    F: 'null'\n    G: ''");
    it = first_item(s);
    CHECK(it && it[0].values[0].alts[0].kind == WARD_SP_GLOB && it[1].values[0].alts[0].len == 0);
    ward_sigma_rules_free(s);
}

static void test_string_modifiers(void)
{
    struct {
        const char *body, *want;
    } cases[] = {
        {"    F|contains: abc", "*abc*"},
        {"    F|startswith: abc", "abc*"},
        {"    F|endswith: abc", "*abc"},
        {"    F|contains: '*abc*'", "*abc*"}, /* no doubled stars */
        {"    F|endswith: '\\cmd.exe'", "*\\cmd.exe"},
        {"    F|base64: abc", "YWJj"},
        {"    F|base64|contains: ping", "*cGluZw==*"},
        {"    F|utf16le: ab", "a0b0"},
        {"    F|wide: ab", "a0b0"},
        {"    F|utf16be: ab", "0a0b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ward_sigma_rules *s = sel(cases[i].body);
        const struct ward_sigma_pattern *p = first_pat(s);
        if (!p) {
            CHECK(p != NULL);
            fprintf(stderr, "  case %s: %s\n", cases[i].body, reason(s));
        } else {
            CHECK_STR(glob_str(p), cases[i].want);
        }
        ward_sigma_rules_free(s);
    }
    /* utf16: byte order mark FF FE then little endian */
    struct ward_sigma_rules *s = sel("    F|utf16: a");
    const struct ward_sigma_pattern *p = first_pat(s);
    CHECK(p && p->len == 4 && (unsigned char)p->text[0] == 0xFF &&
          (unsigned char)p->text[1] == 0xFE && p->text[2] == 'a' && p->text[3] == 0);
    ward_sigma_rules_free(s);
    /* utf16le of a non-ASCII character and of one outside the BMP (surrogates) */
    s = sel("    F|utf16le: \"\\u00e9\\U0001F600\"");
    p = first_pat(s);
    CHECK(p && p->len == 6 && (unsigned char)p->text[0] == 0xE9 && p->text[1] == 0 &&
          (unsigned char)p->text[2] == 0x3D && (unsigned char)p->text[3] == 0xD8 &&
          (unsigned char)p->text[4] == 0x00 && (unsigned char)p->text[5] == 0xDE);
    ward_sigma_rules_free(s);

    /* base64offset: three shifted encodings */
    s = sel("    F|base64offset|contains: ping");
    const struct ward_sigma_item *it = first_item(s);
    CHECK(it && it->values[0].nalts == 3);
    if (it) {
        CHECK(has_alt(&it->values[0], "*cGluZ*"));
        CHECK(has_alt(&it->values[0], "*Bpbm*"));
        CHECK(has_alt(&it->values[0], "*waW5n*"));
    }
    ward_sigma_rules_free(s);
    s = sel("    F|base64offset: abc");
    it = first_item(s);
    CHECK(it && it->values[0].nalts == 3 && has_alt(&it->values[0], "YWJj") &&
          has_alt(&it->values[0], "FiY") && has_alt(&it->values[0], "hYm"));
    ward_sigma_rules_free(s);
    /* wide then base64offset (PowerShell -EncodedCommand) */
    s = sel("    F|wide|base64offset|contains: ab");
    it = first_item(s);
    CHECK(it && it->values[0].nalts == 3 && has_alt(&it->values[0], "*YQBiA*"));
    ward_sigma_rules_free(s);

    /* windash: a dash or slash that starts a word, five characters each, all combinations */
    s = sel("    F|windash: '-foo'");
    it = first_item(s);
    CHECK(it && it->values[0].nalts == 5);
    if (it) {
        CHECK(has_alt(&it->values[0], "-foo"));
        CHECK(has_alt(&it->values[0], "/foo"));
        CHECK(has_alt(&it->values[0], "\xE2\x80\x93"
                                      "foo"));
        CHECK(has_alt(&it->values[0], "\xE2\x80\x94"
                                      "foo"));
        CHECK(has_alt(&it->values[0], "\xE2\x80\x95"
                                      "foo"));
    }
    ward_sigma_rules_free(s);
    s = sel("    F|contains|windash: ' -a /b'");
    it = first_item(s);
    CHECK(it && it->values[0].nalts == 25 && has_alt(&it->values[0], "* /a -b*"));
    ward_sigma_rules_free(s);
    s = sel("    F|windash: 'a-b x- -'"); /* dash inside a word, before a space, alone */
    it = first_item(s);
    CHECK(it && it->values[0].nalts == 1);
    ward_sigma_rules_free(s);

    /* all, neq, cased */
    s = sel("    F|contains|all:\n      - a\n      - b");
    it = first_item(s);
    CHECK(it && (it->flags & WARD_SI_ALL) && it->nvalues == 2);
    CHECK(it && it->modifiers && strcmp(it->modifiers, "contains|all") == 0);
    ward_sigma_rules_free(s);
    s = sel("    F|neq: a");
    it = first_item(s);
    CHECK(it && (it->flags & WARD_SI_NEQ));
    ward_sigma_rules_free(s);
    s = sel("    F|cased: AbC");
    p = first_pat(s);
    CHECK(p && (p->flags & WARD_SP_CASED) && strcmp(p->text, "AbC") == 0);
    ward_sigma_rules_free(s);
}

static void test_type_modifiers(void)
{
    struct ward_sigma_rules *s = sel("    F|re: '^a.*b$'");
    const struct ward_sigma_pattern *p = first_pat(s);
    CHECK(p && p->kind == WARD_SP_RE && p->flags == 0 && strcmp(p->text, "^a.*b$") == 0 &&
          p->re != NULL);
    ward_sigma_rules_free(s);
    s = sel("    F|re|i|m|s: 'x\\d+'");
    p = first_pat(s);
    CHECK(p && p->kind == WARD_SP_RE && p->flags == (WARD_SP_RE_I | WARD_SP_RE_M | WARD_SP_RE_S) &&
          strcmp(p->text, "x\\d+") == 0);
    ward_sigma_rules_free(s);

    s = sel("    F|cidr: 10.1.2.3/8");
    p = first_pat(s);
    CHECK(p && p->kind == WARD_SP_CIDR && p->family == 4 && p->prefix == 8 && p->addr[0] == 10 &&
          p->addr[1] == 0);
    ward_sigma_rules_free(s);
    s = sel("    F|cidr: 'fe80::/10'");
    p = first_pat(s);
    CHECK(p && p->kind == WARD_SP_CIDR && p->family == 6 && p->prefix == 10 && p->addr[0] == 0xfe &&
          p->addr[1] == 0x80);
    ward_sigma_rules_free(s);

    static const struct {
        const char *m;
        int kind;
    } cmps[] = {{"lt", WARD_SP_LT}, {"lte", WARD_SP_LTE}, {"gt", WARD_SP_GT}, {"gte", WARD_SP_GTE}};
    for (size_t i = 0; i < 4; i++) {
        char body[64];
        snprintf(body, sizeof body, "    F|%s: 1.5", cmps[i].m);
        s = sel(body);
        p = first_pat(s);
        CHECK(p && p->kind == cmps[i].kind && p->num == 1.5);
        ward_sigma_rules_free(s);
    }
    static const struct {
        const char *m;
        int unit;
        int v;
    } tps[] = {{"minute", WARD_TP_MINUTE, 59}, {"hour", WARD_TP_HOUR, 23},
               {"day", WARD_TP_DAY, 31},       {"week", WARD_TP_WEEK, 52},
               {"month", WARD_TP_MONTH, 12},   {"year", WARD_TP_YEAR, 2024}};
    for (size_t i = 0; i < 6; i++) {
        char body[64];
        snprintf(body, sizeof body, "    F|%s: %d", tps[i].m, tps[i].v);
        s = sel(body);
        p = first_pat(s);
        CHECK(p && p->kind == WARD_SP_TIMEPART && p->time_unit == tps[i].unit &&
              p->num == tps[i].v);
        ward_sigma_rules_free(s);
    }
    s = sel("    F|exists: true\n    G|exists: false");
    const struct ward_sigma_item *it = first_item(s);
    CHECK(it && it[0].values[0].alts[0].kind == WARD_SP_EXISTS &&
          it[0].values[0].alts[0].num == 1 && it[1].values[0].alts[0].num == 0);
    ward_sigma_rules_free(s);
    s = sel("    F|fieldref: G\n    H|fieldref|endswith: I\n    J|fieldref|neq: K");
    it = first_item(s);
    CHECK(it && it[0].values[0].alts[0].kind == WARD_SP_FIELDREF &&
          it[0].values[0].alts[0].ref_mode == WARD_REF_EQ &&
          strcmp(it[0].values[0].alts[0].text, "G") == 0 &&
          it[1].values[0].alts[0].ref_mode == WARD_REF_ENDS && (it[2].flags & WARD_SI_NEQ));
    ward_sigma_rules_free(s);
}

static void test_expand(void)
{
    char path[] = "/tmp/ward_ph_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    const char *ph = "Admins: [admin, 'root*']\nEmpty: []\n";
    CHECK(write(fd, ph, strlen(ph)) == (ssize_t)strlen(ph));
    close(fd);
    const char *rule = "title: t\nlogsource: {product: windows}\ndetection:\n  sel:\n"
                       "    User|expand: 'CORP-%Admins%'\n    Pct|expand: '\\%plain%'\n"
                       "  condition: sel\n";
    struct ward_sigma_rules *s = parse_with(rule, path);
    const struct ward_sigma_item *it = first_item(s);
    CHECK(it && it->values[0].nalts == 2);
    if (it) {
        CHECK(has_alt(&it->values[0], "CORP-admin"));
        CHECK(has_alt(&it->values[0], "CORP-root*"));
        CHECK_STR(glob_str(&it[1].values[0].alts[0]), "%plain%");
    }
    ward_sigma_rules_free(s);
    /* unresolved placeholders reject the rule with the reason */
    s = parse_with("title: t\nlogsource: {product: windows}\ndetection:\n  sel:\n"
                   "    User|expand: '%Nobody%'\n  condition: sel\n",
                   path);
    CHECK(s && s->nrules == 0 && s->ndiags == 1 && strstr(reason(s), "%Nobody%") &&
          s->diags[0].line == 5);
    ward_sigma_rules_free(s);
    s = parse("title: t\nlogsource: {product: windows}\ndetection:\n  sel:\n"
              "    User|expand: '%Admins%'\n  condition: sel\n");
    CHECK(s && s->nrules == 0 && strstr(reason(s), "no placeholders file"));
    ward_sigma_rules_free(s);
    /* without |expand, %name% is literal */
    s = sel("    User: '%Admins%'");
    CHECK_STR(glob_str(first_pat(s)), "%Admins%");
    ward_sigma_rules_free(s);
    unlink(path);
}

static void test_keywords(void)
{
    struct ward_sigma_rules *s = parse("title: t\nlogsource: {product: windows}\ndetection:\n"
                                       "  keywords:\n    - 'event::clear'\n    - 'b*c'\n"
                                       "  condition: keywords\n");
    const struct ward_sigma_item *it = first_item(s);
    CHECK(it && it->field == NULL && it->nvalues == 2);
    if (it) {
        CHECK_STR(glob_str(&it->values[0].alts[0]), "*event::clear*");
        CHECK_STR(glob_str(&it->values[1].alts[0]), "*b*c*");
    }
    ward_sigma_rules_free(s);
    s = parse("title: t\nlogsource: {product: windows}\ndetection:\n"
              "  keywords:\n    '|all':\n      - 'a'\n      - 'b'\n  condition: keywords\n");
    it = first_item(s);
    CHECK(it && it->field == NULL && (it->flags & WARD_SI_ALL) && it->nvalues == 2);
    ward_sigma_rules_free(s);
    /* a list of maps: one group per map */
    s = parse("title: t\nlogsource: {product: windows}\ndetection:\n"
              "  sel:\n    - {A: 1, B: 2}\n    - C: 3\n  condition: sel\n");
    CHECK(s && s->nrules == 1 && s->rules[0]->dets[0].ngroups == 2 &&
          s->rules[0]->dets[0].groups[0].nitems == 2);
    ward_sigma_rules_free(s);
}

struct bad {
    const char *body; /* detection section */
    const char *needle;
    uint32_t line;
};

static void test_rejections(void)
{
    const char *head = "title: t\nlogsource: {product: windows}\ndetection:\n";
    static const struct bad bad[] = {
        {"  sel:\n    F|foobar: x\n  condition: sel\n", "unknown modifier 'foobar'", 5},
        {"  sel:\n    F: x\n  condition: sel2\n", "unknown search identifier 'sel2' at column 1",
         6},
        {"  sel:\n    F: x\n  condition: sel and (sel\n", "not closed", 6},
        {"  sel:\n    F: x\n  condition: sel | count() > 5\n", "aggregation", 6},
        {"  sel:\n    F: x\n  condition: 1 of nothing*\n", "matches no search identifier", 6},
        {"  sel:\n    F: x\n", "no 'condition'", 4},
        {"  sel:\n    F|re: '(unclosed'\n  condition: sel\n", "invalid regular expression", 5},
        {"  sel:\n    F|re|contains: x\n  condition: sel\n", "cannot be combined", 5},
        {"  sel:\n    F|i: x\n  condition: sel\n", "only apply after 're'", 5},
        {"  sel:\n    F|cidr: 300.1.1.1/8\n  condition: sel\n", "not an IPv4 or IPv6", 5},
        {"  sel:\n    F|cidr: 10.0.0.0/33\n  condition: sel\n", "not an IPv4 or IPv6", 5},
        {"  sel:\n    F|gt: abc\n  condition: sel\n", "not a number", 5},
        {"  sel:\n    F|hour: 24\n  condition: sel\n", "from 0 to 23", 5},
        {"  sel:\n    F|exists: maybe\n  condition: sel\n", "true or false", 5},
        {"  sel:\n    F|base64: 'a*'\n  condition: sel\n", "wildcard", 5},
        {"  sel:\n    F|contains|base64: a\n  condition: sel\n", "after a wildcard modifier", 5},
        {"  sel:\n    F|contains|startswith: a\n  condition: sel\n", "only one of", 5},
        {"  sel:\n    F: []\n  condition: sel\n", "empty list", 5},
        {"  sel:\n    F:\n      G: x\n  condition: sel\n", "nested maps", 6},
        {"  sel:\n    - a\n    - B: c\n  condition: sel\n", "mixes keywords and maps", 5},
        {"  sel:\n    F|contains: null\n  condition: sel\n", "null cannot take modifiers", 5},
        {"  sel:\n    F: x\n  sel:\n    G: y\n  condition: sel\n", "defined twice", 6},
        {"  sel:\n    F: x\n  condition: sel and\n", "unexpected end", 6},
        {"  sel:\n    F: x\n  condition: sel)\n", "without '('", 6},
        {"  sel:\n    F: x\n  condition: sel*\n", "needs '1 of' or 'all of'", 6},
        {"  sel:\n    F: x\n  condition: 3 of sel\n", "only 1 search identifiers match", 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s%s", head, bad[i].body);
        struct ward_sigma_rules *s = parse(buf);
        int ok = s && s->nrules == 0 && s->ndiags == 1 && strstr(reason(s), bad[i].needle) &&
                 s->diags[0].line == bad[i].line && strcmp(s->diags[0].path, "t.yml") == 0;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  case %zu: got line %u '%s', want line %u '%s'\n", i,
                    s && s->ndiags ? s->diags[0].line : 0, reason(s), bad[i].line, bad[i].needle);
        ward_sigma_rules_free(s);
    }
    /* whole-rule problems */
    static const struct bad rules[] = {
        {"logsource: {product: windows}\ndetection: {s: {A: 1}, condition: s}\n", "no 'title'", 1},
        {"title: t\ndetection: {s: {A: 1}, condition: s}\n", "no 'logsource'", 1},
        {"title: t\nlogsource: {product: windows}\n", "no 'detection'", 1},
        {"title: t\nlevel: severe\nlogsource: {product: windows}\ndetection: {s: {A: 1}, "
         "condition: s}\n",
         "unknown level 'severe'", 2},
        {"title: t\naction: global\nlogsource: {product: windows}\n", "Sigma v1", 2},
        {"- a\n- b\n", "must be a YAML map", 1},
        {"title: [unclosed\n", "YAML", 2},
        {"title: t\ntags: {a: b}\nlogsource: {product: windows}\ndetection: {s: {A: 1}, "
         "condition: s}\n",
         "'tags' must be a list", 2},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        struct ward_sigma_rules *s = parse(rules[i].body);
        int ok = s && s->nrules == 0 && s->ndiags == 1 && strstr(reason(s), rules[i].needle) &&
                 s->diags[0].line == rules[i].line;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  rule case %zu: got line %u '%s'\n", i,
                    s && s->ndiags ? s->diags[0].line : 0, reason(s));
        ward_sigma_rules_free(s);
    }
    /* a bad rule does not stop the next document */
    struct ward_sigma_rules *s = parse(
        "title: a\nlogsource: {product: windows}\ndetection: {s: {A|nope: 1}, condition: s}\n"
        "---\ntitle: b\nlogsource: {product: windows}\ndetection: {s: {A: 1}, condition: s}\n");
    CHECK(s && s->nrules == 1 && s->ndiags == 1 && strcmp(s->rules[0]->title, "b") == 0);
    ward_sigma_rules_free(s);
}

/* Renders a condition tree with the rule's detection names. */
static void cond_str(const struct ward_sigma_rule *r, const struct ward_sigma_cond *c,
                     struct ward_buf *b)
{
    int rc = 0;
    switch (c->kind) {
    case WARD_SC_REF: rc = ward_buf_puts(b, r->dets[c->ref].name); break;
    case WARD_SC_NOT:
        rc = ward_buf_puts(b, "not(");
        cond_str(r, c->a, b);
        rc |= ward_buf_puts(b, ")");
        break;
    case WARD_SC_AND:
    case WARD_SC_OR:
        rc = ward_buf_puts(b, c->kind == WARD_SC_AND ? "and(" : "or(");
        cond_str(r, c->a, b);
        rc |= ward_buf_puts(b, ",");
        cond_str(r, c->b, b);
        rc |= ward_buf_puts(b, ")");
        break;
    default: rc = ward_buf_puts(b, "?"); break;
    }
    (void)rc;
}

static void check_cond(const char *cond, const char *want)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "title: t\nlogsource: {product: windows}\ndetection:\n  a: {F: 1}\n  b: {F: 2}\n"
             "  c: {F: 3}\n  sel_x: {F: 4}\n  sel_y: {F: 5}\n  _hidden: {F: 6}\n"
             "  condition: %s\n",
             cond);
    struct ward_sigma_rules *s = parse(buf);
    if (!s || s->nrules != 1) {
        CHECK(s && s->nrules == 1);
        fprintf(stderr, "  condition '%s': %s\n", cond, reason(s));
        ward_sigma_rules_free(s);
        return;
    }
    struct ward_buf b;
    ward_buf_init(&b, 0);
    cond_str(s->rules[0], s->rules[0]->cond, &b);
    CHECK_STR(b.data, want);
    ward_buf_free(&b);
    ward_sigma_rules_free(s);
}

static void test_conditions(void)
{
    check_cond("a", "a");
    check_cond("a and b", "and(a,b)");
    check_cond("a or b and c", "or(a,and(b,c))");
    check_cond("a and b or c", "or(and(a,b),c)");
    check_cond("not a and b", "and(not(a),b)");
    check_cond("not (a and b)", "not(and(a,b))");
    check_cond("(a or b) and c", "and(or(a,b),c)");
    check_cond("a and not not b", "and(a,not(not(b)))");
    check_cond("a AND b Or NOT c", "or(and(a,b),not(c))"); /* case-insensitive operators */
    check_cond("1 of sel_*", "or(sel_x,sel_y)");
    check_cond("all of sel_*", "and(sel_x,sel_y)");
    check_cond("any of sel_*", "or(sel_x,sel_y)");
    check_cond("1 of them", "or(or(or(or(a,b),c),sel_x),sel_y)");
    check_cond("all of them", "and(and(and(and(a,b),c),sel_x),sel_y)");
    check_cond("1 of _hid*", "_hidden"); /* patterns may name hidden identifiers */
    check_cond("a and not 1 of sel*", "and(a,not(or(sel_x,sel_y)))");
    check_cond("2 of sel_*", "and(sel_x,sel_y)");
    check_cond("2 of ?", "or(or(and(a,b),and(a,c)),and(b,c))");
    check_cond("all of s?l_*", "and(sel_x,sel_y)");
    /* several conditions: OR */
    struct ward_sigma_rules *s =
        parse("title: t\nlogsource: {product: windows}\ndetection:\n"
              "  a: {F: 1}\n  b: {F: 2}\n  condition:\n    - a\n    - b\n");
    CHECK(s && s->nrules == 1 && s->rules[0]->cond->kind == WARD_SC_OR);
    ward_sigma_rules_free(s);
    /* the condition parser directly: column of the error */
    struct ward_arena a;
    ward_arena_init(&a, 4096, 0);
    struct ward_sigma_detection d[2] = {{.name = "x"}, {.name = "y"}};
    struct ward_sigma_cond *tree;
    char why[256];
    CHECK_INT(sigma_cond_parse(&a, "x and (y or", d, 2, &tree, why, sizeof why), SIGMA_REJECT);
    CHECK(strstr(why, "column 12") != NULL);
    CHECK_INT(sigma_cond_parse(&a, "x and zz", d, 2, &tree, why, sizeof why), SIGMA_REJECT);
    CHECK(strstr(why, "'zz' at column 7") != NULL);
    CHECK_INT(sigma_cond_parse(&a, "x # y", d, 2, &tree, why, sizeof why), SIGMA_REJECT);
    CHECK(strstr(why, "'#'") != NULL);
    CHECK_INT(sigma_cond_parse(&a, "", d, 2, &tree, why, sizeof why), SIGMA_REJECT);
    CHECK_INT(sigma_cond_parse(&a, "0 of x", d, 2, &tree, why, sizeof why), SIGMA_REJECT);
    /* deep nesting is bounded */
    char deep[400];
    memset(deep, '(', 200);
    memcpy(deep + 200, "x", 2);
    CHECK_INT(sigma_cond_parse(&a, deep, d, 2, &tree, why, sizeof why), SIGMA_REJECT);
    CHECK(strstr(why, "deeper") != NULL);
    ward_arena_free(&a);
}

int main(void)
{
    test_fields();
    test_plain_values();
    test_string_modifiers();
    test_type_modifiers();
    test_expand();
    test_keywords();
    test_rejections();
    test_conditions();
    return test_done("test_sigma_parse");
}
