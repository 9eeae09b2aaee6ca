/*
 * test_correlate.c - Sigma correlation rules: parsing (the specification's examples and
 * pySigma's fixture from the corpus, and errors), every correlation type, conditions with
 * ranges, out-of-order events within the lateness, late drops, chaining, aliases, the group
 * cap with a million distinct keys, save/restore (filters: test_corr_filter.c); and brute force by
 * address over the OpenSSH log and process bursts in the EVTX samples, checked against a
 * brute-force recomputation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "ward/alert.h"
#include "ward/correlate.h"
#include "ward/decode.h"

#define SEC 1000000000LL

struct got {
    int n;
    int built;       /* alerts built for the store */
    char json[2048]; /* the last one's event text */
    char ent[128];   /* its first entity as kind=value */
    double value;
    uint64_t events;
    char group[256];
    char title[128];
    size_t nrefs;
    ward_time_t first, last;
};

static void on_alert(void *ctx, const struct ward_corr_alert *a)
{
    struct got *g = ctx;
    if (getenv("TEST_VERBOSE")) printf("alert %s [%s] %g\n", a->rule->title, a->group, a->value);
    g->n++;
    g->value = a->value;
    g->events = a->events;
    g->nrefs = a->nrefs;
    g->first = a->first;
    g->last = a->last;
    snprintf(g->group, sizeof g->group, "%s", a->group);
    snprintf(g->title, sizeof g->title, "%s", a->rule->title);
    struct ward_arena ar;
    ward_arena_init(&ar, 4096, 0);
    struct ward_alert al;
    static const struct ward_corr_base b[] = {{"id-a", "rule_a", "A"}};
    if (ward_corr_alert_build(a, b, 1, NULL, &ar, &al) == 0) {
        g->built++;
        snprintf(g->json, sizeof g->json, "%.*s", (int)al.event_json_len, al.event_json);
        g->ent[0] = 0;
        if (al.nentities)
            snprintf(g->ent, sizeof g->ent, "%s=%s", ward_entity_kind_name(al.entities[0].kind),
                     al.entities[0].value);
    }
    ward_arena_free(&ar);
}

static struct ward_corr_rules *parse(const char *yaml)
{
    struct ward_corr_rules *set;
    CHECK_INT(ward_corr_rules_new(&set), 0);
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_corr_rules_parse_text(set, "t.yml", yaml, strlen(yaml), &err), 0);
    for (size_t i = 0; i < set->ndiags; i++)
        fprintf(stderr, "diag: %s:%u: %s\n", set->diags[i].path, set->diags[i].line,
                set->diags[i].reason);
    return set;
}

static struct ward_event ev;

/* feeds a match of base rule `base` at time t (seconds) with fields k=v pairs */
static void feed(struct ward_corr *c, size_t base, int64_t t, const char *k1, const char *v1,
                 const char *k2, const char *v2)
{
    ward_event_reset(&ev);
    ev.ts = t * SEC;
    ev.path = "mem";
    ev.record = (uint64_t)t;
    if (k1) CHECK_INT(ward_event_add_copy(&ev, k1, strlen(k1), v1, strlen(v1), WARD_V_STR), 0);
    if (k2) CHECK_INT(ward_event_add_copy(&ev, k2, strlen(k2), v2, strlen(v2), WARD_V_STR), 0);
    CHECK_INT(ward_corr_feed(c, base, &ev), 0);
}

static struct ward_corr *engine(struct ward_corr_rules *set, const struct ward_corr_base *b,
                                size_t nb, struct got *g, int64_t lateness)
{
    struct ward_corr_opts o;
    ward_corr_opts_default(&o);
    o.lateness = lateness * SEC;
    struct ward_corr *c = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    int rc = ward_corr_new(set, b, nb, &o, on_alert, g, &c, &err);
    if (rc) fprintf(stderr, "ward_corr_new: %s\n", err.msg);
    CHECK_INT(rc, 0);
    return c;
}

static const struct ward_corr_base bases[] = {
    {"id-a", "rule_a", "A"}, {"id-b", "rule_b", "B"}, {"id-c", "rule_c", "C"}};

static void test_parse(void)
{
    struct ward_corr_rules *set =
        parse("title: r\ncorrelation:\n  type: event_count\n  rules: [a]\n"
              "  group-by: [x, y]\n  timespan: 90m\n  condition:\n"
              "    gt: 100\n    lte: 200\n  generate: true\nlevel: high\n"
              "---\ntitle: det\nlogsource: {product: windows}\n"
              "detection: {s: {a: 1}, condition: s}\n");
    CHECK_INT(set->nrules, 1);
    CHECK_INT(set->ndiags, 0);
    const struct ward_corr_rule *r = &set->rules[0];
    CHECK_INT(r->timespan, 90 * 60 * SEC);
    CHECK_INT(r->nconds, 2);
    CHECK_INT(r->ngroup_by, 2);
    CHECK_INT(r->level, 4);
    CHECK_INT(r->generate, 1);
    ward_corr_rules_free(set);
    /* errors: each document gets a diag, the others go on */
    set =
        parse("title: a\ncorrelation: {type: frob, rules: [x], timespan: 1m, condition: {gt: 1}}\n"
              "---\ntitle: b\ncorrelation: {type: event_count, rules: [x], timespan: 5x, "
              "condition: {gt: 1}}\n"
              "---\ntitle: c\ncorrelation: {type: value_count, rules: [x], timespan: 5m, "
              "condition: {gt: 1}}\n"
              "---\ntitle: d\ncorrelation: {type: event_count, rules: [x], timespan: 5m, "
              "condition: {about: 1}}\n"
              "---\ntitle: e\ncorrelation: {type: event_count, timespan: 5m, condition: {gt: 1}}\n"
              "---\ntitle: ok\ncorrelation: {type: temporal, rules: [x, y], timespan: 5s}\n");
    CHECK_INT(set->nrules, 1);
    CHECK_INT(set->ndiags, 5);
    ward_corr_rules_free(
        set); /* a repeated condition or aliases key replaces the first (it once overflowed) */
    set = parse("title: r\ncorrelation: {type: value_sum, rules: [rule_b], "
                "aliases: {who: {rule_b: user}}, group-by: [who], "
                "aliases: {who: {rule_b: user}, x: {rule_a: host}}, timespan: 1h, "
                "condition: {field: bytes, gt: 1}, condition: {field: bytes, gte: 2, lt: 9}}\n");
    CHECK_INT(set->nrules, 1);
    if (set->nrules) {
        CHECK_INT(set->rules[0].nconds, 2);
        CHECK_INT(set->rules[0].naliases, 2);
    }
    ward_corr_rules_free(set);
}

static void test_corpus_examples(const char *corpus)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/sigma-spec-tests/sigma-specification/tests/schema/correlation",
             corpus);
    struct ward_corr_rules *set;
    CHECK_INT(ward_corr_rules_new(&set), 0);
    struct ward_err err;
    char *paths[2] = {dir, NULL};
    char py[1024];
    snprintf(py, sizeof py,
             "%s/sigma-spec-tests/pySigma/tests/files/correlation_rule_valid/correlation_rule.yml",
             corpus);
    paths[1] = py;
    CHECK_INT(ward_corr_rules_load(set, paths, 2, &err), 0);
    for (size_t i = 0; i < set->ndiags; i++)
        fprintf(stderr, "diag: %s:%u: %s\n", set->diags[i].path, set->diags[i].line,
                set->diags[i].reason);
    CHECK_INT(set->ndiags, 0);
    /* 8 files of the specification's examples + 3 correlations in pySigma's file */
    CHECK_INT(set->nrules, 11);
    int types[7] = {0};
    for (size_t i = 0; i < set->nrules; i++) types[set->rules[i].type]++;
    for (int t = 0; t < 7; t++) CHECK(types[t] > 0); /* every type is in the examples */
    /* pySigma's temporal rule uses aliases: bind it to its base rules and run it */
    const struct ward_corr_rule *tr = NULL;
    for (size_t i = 0; i < set->nrules; i++)
        if (set->rules[i].naliases) tr = &set->rules[i];
    CHECK(tr != NULL);
    if (tr) {
        struct ward_corr_rules one = *set;
        one.rules = (struct ward_corr_rule *)(uintptr_t)tr;
        one.nrules = 1;
        struct ward_corr_base b[] = {{"73a9addc-0cf9-44a4-ad18-e3b7a9d1eeb4", "base_rule_1", "1"},
                                     {"fce9c855-2951-4e96-b764-dbc1dfdf4993", "base_rule_2", "2"}};
        struct got g = {0};
        struct ward_corr *c = engine(&one, b, 2, &g, 0);
        /* its alias is named "field" while it groups by fieldC: both rules group by fieldC */
        feed(c, 0, 100, "fieldC", "host1", NULL, NULL);
        feed(c, 1, 200, "fieldC", "host2", NULL, NULL); /* other value: no */
        feed(c, 1, 300, "fieldC", "host1", NULL, NULL);
        CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
        CHECK_INT(g.n, 1);
        CHECK_STR(g.group, "fieldC=host1");
        ward_corr_free(c);
    }
    ward_corr_rules_free(set);
}

static void test_types(void)
{
    struct got g = {0};
    /* event_count >= 3 in 5m by src, fed out of order within the lateness */
    struct ward_corr_rules *set =
        parse("title: ec\ncorrelation: {type: event_count, rules: [rule_a], "
              "group-by: [src], timespan: 5m, condition: {gte: 3}}\n");
    struct ward_corr *c = engine(set, bases, 3, &g, 120);
    feed(c, 0, 1000, "src", "1.1.1.1", NULL, NULL);
    feed(c, 0, 1100, "src", "1.1.1.1", NULL, NULL);
    feed(c, 0, 1050, "src", "1.1.1.1", NULL, NULL); /* late but within the lateness */
    feed(c, 0, 1000, "src", "2.2.2.2", NULL, NULL);
    feed(c, 0, 1400, "src", "2.2.2.2", NULL, NULL); /* 400 s later: windows do not meet */
    feed(c, 0, 1700, "src", "2.2.2.2", NULL, NULL);
    feed(c, 1, 1700, "src", "1.1.1.1", NULL, NULL); /* rule_b: not used */
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.group, "src=1.1.1.1");
    CHECK_INT((long long)g.value, 3);
    CHECK_INT(g.nrefs, 3);
    CHECK_INT(g.first, 1000 * SEC);
    CHECK_INT(g.last, 1100 * SEC);
    struct ward_corr_stats st;
    ward_corr_get_stats(c, &st);
    CHECK_INT(st.late, 0);
    /* now the watermark is at the end; an old event is too late */
    feed(c, 0, 10, "src", "1.1.1.1", NULL, NULL);
    ward_corr_get_stats(c, &st);
    CHECK_INT(st.late, 1);
    CHECK(ward_corr_uses_base(c, 0) && !ward_corr_uses_base(c, 1));
    CHECK_INT(ward_corr_base_standalone(c, 0), 0); /* generate defaults to false */
    ward_corr_free(c);
    ward_corr_rules_free(set);

    /* value_count: 3 distinct users from one host */
    memset(&g, 0, sizeof g);
    set = parse("title: vc\ncorrelation: {type: value_count, rules: [id-a], group-by: [host], "
                "timespan: 1h, condition: {field: user, gte: 3}}\n");
    c = engine(set, bases, 3, &g, 0);
    feed(c, 0, 10, "host", "h", "user", "u1");
    feed(c, 0, 20, "host", "h", "user", "u1");
    feed(c, 0, 30, "host", "h", "user", "u2");
    CHECK_INT(g.n, 0);
    feed(c, 0, 40, "host", "h", "user", "u3");
    CHECK_INT(g.n, 1);
    CHECK_INT((long long)g.value, 3);
    CHECK_INT(g.events, 4);
    ward_corr_free(c);
    ward_corr_rules_free(set);

    /* value_sum and value_avg */
    memset(&g, 0, sizeof g);
    set = parse("title: sum\ncorrelation: {type: value_sum, rules: [rule_a], group-by: [ip], "
                "timespan: 1h, condition: {field: bytes, gt: 1000}}\n---\n"
                "title: avg\ncorrelation: {type: value_avg, rules: [rule_b], group-by: [ip], "
                "timespan: 1h, condition: {field: bytes, gt: 500}}\n");
    c = engine(set, bases, 3, &g, 0);
    feed(c, 0, 1, "ip", "x", "bytes", "600");
    feed(c, 0, 2, "ip", "x", "bytes", "400");
    CHECK_INT(g.n, 0);
    feed(c, 0, 3, "ip", "x", "bytes", "1");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.title, "sum");
    feed(c, 1, 4, "ip", "y", "bytes", "400");
    feed(c, 1, 5, "ip", "y", "bytes", "700");
    CHECK_INT(g.n, 2);
    CHECK_STR(g.title, "avg");
    CHECK(g.value > 549 && g.value < 551);
    feed(c, 1, 6, "ip", "y", "bytes", "not a number"); /* counted, not used */
    struct ward_corr_stats st2;
    ward_corr_get_stats(c, &st2);
    CHECK_INT(st2.no_group, 1);
    ward_corr_free(c);
    ward_corr_rules_free(set);

    /* value_percentile: a value seen in <= 10% of a host's events */
    memset(&g, 0, sizeof g);
    set = parse(
        "title: pct\ncorrelation: {type: value_percentile, rules: [rule_a], group-by: [host], "
        "timespan: 1d, condition: {field: image, lte: 10}}\n");
    c = engine(set, bases, 3, &g, 0);
    for (int i = 0; i < 12; i++) feed(c, 0, 10 + i, "host", "h", "image", "svchost.exe");
    CHECK_INT(g.n, 0);
    feed(c, 0, 100, "host", "h", "image", "evil.exe");
    CHECK_INT(g.n, 1);
    CHECK(g.value < 10);
    ward_corr_free(c);
    ward_corr_rules_free(set);
}

static void test_temporal(void)
{
    struct got g = {0};
    struct ward_corr_rules *set =
        parse("title: t\ncorrelation: {type: temporal, rules: [rule_a, rule_b], group-by: [host], "
              "timespan: 5m}\n"
              "---\ntitle: o\ncorrelation: {type: temporal_ordered, rules: [rule_a, rule_c], "
              "group-by: [host], timespan: 5m}\n");
    struct ward_corr *c = engine(set, bases, 3, &g, 0);
    feed(c, 1, 100, "host", "h1", NULL, NULL); /* b first: temporal does not care */
    feed(c, 0, 200, "host", "h1", NULL, NULL);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.title, "t");
    CHECK_INT(g.nrefs, 2);
    feed(c, 0, 1000, "host", "h2", NULL, NULL);
    feed(c, 1, 1400, "host", "h2", NULL, NULL); /* 400 s apart: no */
    CHECK_INT(g.n, 1);
    /* ordered: c before a does not count, a then c does */
    feed(c, 2, 2000, "host", "h3", NULL, NULL);
    feed(c, 0, 2010, "host", "h3", NULL, NULL);
    CHECK_INT(g.n, 1);
    feed(c, 2, 2020, "host", "h3", NULL, NULL);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.title, "o");
    CHECK_INT(g.first, 2010 * SEC);
    ward_corr_free(c);
    ward_corr_rules_free(set);
}

static void test_aliases(void)
{
    struct got g = {0};
    struct ward_corr_rules *set =
        parse("title: scan then login\ncorrelation:\n  type: temporal_ordered\n  rules: [rule_a, "
              "rule_b]\n"
              "  aliases:\n    ip:\n      rule_a: SourceIp\n      rule_b: DestinationIp\n"
              "  group-by: [ip]\n  timespan: 10m\n");
    struct ward_corr *c = engine(set, bases, 3, &g, 0);
    feed(c, 0, 100, "SourceIp", "10.0.0.5", "DestinationIp", "10.0.0.9");
    feed(c, 1, 200, "SourceIp", "10.0.0.9", "DestinationIp", "10.0.0.7"); /* other ip */
    CHECK_INT(g.n, 0);
    feed(c, 1, 300, "SourceIp", "10.0.0.1", "DestinationIp", "10.0.0.5");
    CHECK_INT(g.n, 1);
    CHECK_STR(g.group, "ip=10.0.0.5");
    ward_corr_free(c);
    ward_corr_rules_free(set);
}

static void test_bounded_and_chain(void)
{
    struct got g = {0};
    /* a range (gt 2, lte 4) is judged when the window closes */
    struct ward_corr_rules *set = parse("title: range\ncorrelation: {type: event_count, rules: "
                                        "[rule_a], group-by: [h], timespan: 1m, "
                                        "condition: {gt: 2, lte: 4}}\n---\n"
                                        "title: few\ncorrelation: {type: event_count, rules: "
                                        "[rule_b], group-by: [h], timespan: 1m, "
                                        "condition: {lt: 2}}\n");
    struct ward_corr *c = engine(set, bases, 3, &g, 60); /* x and y interleave in time */
    for (int i = 0; i < 3; i++) feed(c, 0, 10 + i, "h", "x", NULL, NULL); /* 3: in range */
    for (int i = 0; i < 5; i++) feed(c, 0, 10 + i, "h", "y", NULL, NULL); /* 5: above */
    feed(c, 1, 20, "h", "z", NULL, NULL);                                 /* 1: < 2 */
    feed(c, 1, 20, "h", "w", NULL, NULL);
    feed(c, 1, 21, "h", "w", NULL, NULL); /* 2: not < 2 */
    CHECK_INT(g.n, 0);
    feed(c, 2, 500, "h", "q", NULL, NULL); /* time moves on (rule_c unused) */
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    CHECK_INT(g.n, 2);
    ward_corr_free(c);
    ward_corr_rules_free(set);

    /* chaining: two bursts of rule_a on one host within an hour */
    memset(&g, 0, sizeof g);
    set = parse(
        "title: burst\nid: c1\ncorrelation: {type: event_count, rules: [rule_a], group-by: [host], "
        "timespan: 1m, condition: {gte: 2}}\n---\n"
        "title: bursts\ncorrelation: {type: event_count, rules: [c1], group-by: [host], "
        "timespan: 1h, condition: {gte: 2}}\n");
    c = engine(set, bases, 3, &g, 0);
    feed(c, 0, 0, "host", "h", NULL, NULL);
    feed(c, 0, 10, "host", "h", NULL, NULL); /* burst 1 */
    feed(c, 0, 600, "host", "h", NULL, NULL);
    feed(c, 0, 610, "host", "h", NULL, NULL); /* burst 2 -> bursts */
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    CHECK_INT(g.n, 3);
    CHECK_STR(g.title, "bursts");
    CHECK_STR(g.group, "host=h");
    ward_corr_free(c);
    ward_corr_rules_free(set);

    /* an unknown rule reference is an error naming it */
    set = parse("title: x\ncorrelation: {type: event_count, rules: [nope], timespan: 1m, "
                "condition: {gte: 2}}\n");
    struct ward_corr *bad = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_corr_new(set, bases, 3, NULL, on_alert, &g, &bad, &err), WARD_ENOTFOUND);
    CHECK(strstr(err.msg, "nope") != NULL);
    ward_corr_rules_free(set);
}

static void test_cap_and_state(void)
{
    struct got g = {0};
    struct ward_corr_rules *set =
        parse("title: ec\nid: ec1\ncorrelation: {type: event_count, rules: [rule_a], "
              "group-by: [k], timespan: 1h, condition: {gte: 3}}\n");
    struct ward_corr_opts o;
    ward_corr_opts_default(&o);
    o.max_groups = 10000;
    o.lateness = 0;
    struct ward_corr *c = NULL;
    struct ward_err err;
    CHECK_INT(ward_corr_new(set, bases, 3, &o, on_alert, &g, &c, &err), 0);
    /* a million distinct keys inside one window: state stays at the cap */
    char key[32];
    for (int i = 0; i < 1000000; i++) {
        int n = snprintf(key, sizeof key, "k%d", i);
        ward_event_reset(&ev);
        ev.ts = (int64_t)(i / 1000) * SEC; /* 1000 s in all: one window */
        if (ward_event_add(&ev, "k", 1, key, (size_t)n, WARD_V_STR, 0) ||
            ward_corr_feed(c, 0, &ev)) {
            CHECK(0);
            break;
        }
    }
    struct ward_corr_stats st;
    ward_corr_get_stats(c, &st);
    printf("1M distinct keys, cap 10000: groups %llu (peak %llu), evicted %llu, memory %.1f MB\n",
           (unsigned long long)st.groups, (unsigned long long)st.groups_peak,
           (unsigned long long)st.evicted, (double)st.memory / 1e6);
    CHECK(st.groups <= 10000);
    CHECK(st.groups_peak <= 10000);
    CHECK_INT(st.evicted, 1000000 - 10000);
    CHECK(st.memory < 10u * 1000 * 1000); /* ~10000 groups of a few hundred bytes */
    CHECK_INT(g.n, 0);
    ward_corr_free(c);

    /* save after two events, restore into a new engine, the third completes the count */
    memset(&g, 0, sizeof g);
    o.max_groups = 100;
    o.lateness = 30 * SEC;
    CHECK_INT(ward_corr_new(set, bases, 3, &o, on_alert, &g, &c, &err), 0);
    feed(c, 0, 100, "k", "a", NULL, NULL);
    feed(c, 0, 200, "k", "a", NULL, NULL);
    feed(c, 0, 210, "k", "b", NULL, NULL); /* pending (within the lateness) when saved */
    const char *state = "build/test_correlate.state";
    CHECK_INT(ward_corr_save(c, state, &err), 0);
    ward_corr_free(c);
    CHECK_INT(ward_corr_new(set, bases, 3, &o, on_alert, &g, &c, &err), 0);
    CHECK_INT(ward_corr_restore(c, state, &err), 0);
    ward_corr_get_stats(c, &st);
    CHECK_INT(st.groups + st.pending, 3); /* group a (t=100) + a@200, b@210 pending */
    feed(c, 0, 300, "k", "a", NULL, NULL);
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    CHECK_INT(g.n, 1);
    CHECK_STR(g.group, "k=a");
    CHECK_INT(g.first, 100 * SEC);
    ward_corr_free(c);
    /* a damaged file is refused */
    FILE *f = fopen(state, "r+b");
    if (f) {
        fseek(f, 40, SEEK_SET);
        fputc(0x7f, f);
        fputc(0x7f, f);
        fclose(f);
    }
    CHECK_INT(ward_corr_new(set, bases, 3, &o, on_alert, &g, &c, &err), 0);
    int rrc = ward_corr_restore(c, state, &err);
    CHECK(rrc == 0 || rrc == WARD_ECORRUPT); /* either still consistent, or refused */
    ward_corr_free(c);
    f = fopen(state, "wb");
    if (f) {
        fputs("WARDCORR\x01", f);
        fclose(f);
    }
    CHECK_INT(ward_corr_new(set, bases, 3, &o, on_alert, &g, &c, &err), 0);
    CHECK_INT(ward_corr_restore(c, state, &err), WARD_ECORRUPT);
    ward_corr_free(c);
    remove(state);
    ward_corr_rules_free(set);
}

/* ---- corpus: OpenSSH brute force, EVTX process bursts ----------------------------------- */

struct rec {
    int64_t t;
    char key[64];
    char val[128];
};

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    return x->t < y->t ? -1 : x->t > y->t;
}

/* The engine's event_count semantics recomputed the slow way: per key, in time order, the
 * events since the last alert that lie within the timespan; an alert resets. */
static int brute_count(struct rec *r, size_t n, int64_t span, int threshold)
{
    int alerts = 0;
    int64_t *since = malloc(n * sizeof *since);
    char **keys = malloc(n * sizeof *keys);
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t k = 0; k < nk; k++)
            if (strcmp(keys[k], r[i].key) == 0) seen = 1;
        if (!seen) keys[nk++] = r[i].key;
    }
    for (size_t k = 0; k < nk; k++) {
        size_t ns = 0;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(r[i].key, keys[k]) != 0) continue;
            since[ns++] = r[i].t;
            size_t in = 0;
            for (size_t j = 0; j < ns; j++)
                if (since[j] >= r[i].t - span) in++;
            if ((int)in >= threshold) {
                alerts++;
                ns = 0;
            }
        }
    }
    free(since);
    free(keys);
    return alerts;
}

static void test_openssh(const char *corpus)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/linux-logs/loghub/OpenSSH/OpenSSH_2k.log", corpus);
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("note: %s absent\n", path);
        return;
    }
    static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct rec *r = calloc(4000, sizeof *r);
    size_t n = 0;
    char line[2048];
    while (fgets(line, sizeof line, f) && n < 4000) {
        /* "Dec 10 06:55:46 LabSZ sshd[24200]: Failed password for root from 1.2.3.4 port 22 ssh2"
         */
        char mon[4];
        int day, hh, mm, ss;
        if (sscanf(line, "%3s %d %d:%d:%d", mon, &day, &hh, &mm, &ss) != 5) continue;
        const char *fp = strstr(line, "Failed password for ");
        const char *from = fp ? strstr(fp, " from ") : NULL;
        if (!from) continue;
        int m = 0;
        while (m < 12 && strcmp(mons[m], mon) != 0) m++;
        r[n].t = (ward_days_from_civil(2017, (unsigned)m + 1, (unsigned)day) * 86400 + hh * 3600 +
                  mm * 60 + ss) *
                 SEC;
        sscanf(from + 6, "%63s", r[n].key);
        n++;
    }
    fclose(f);
    CHECK(n > 100);
    struct ward_corr_rules *set = parse("title: SSH brute force by address\ncorrelation:\n"
                                        "  type: event_count\n  rules: [ssh_failed_password]\n"
                                        "  group-by: [source.ip]\n  timespan: 5m\n"
                                        "  condition: {gte: 5}\nlevel: high\n");
    struct ward_corr_base b[] = {
        {"00000000-0000-4000-8000-0000000000aa", "ssh_failed_password", "f"}};
    struct got g = {0};
    struct ward_corr *c = engine(set, b, 1, &g, 60);
    /* the log is in time order: feed as it comes */
    for (size_t i = 0; i < n; i++) {
        ward_event_reset(&ev);
        ev.ts = r[i].t;
        ev.path = path;
        ev.record = i + 1;
        CHECK_INT(ward_event_add_copy(&ev, "source.ip", 9, r[i].key, strlen(r[i].key), WARD_V_STR),
                  0);
        CHECK_INT(ward_corr_feed(c, 0, &ev), 0);
    }
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    qsort(r, n, sizeof *r, cmp_rec);
    int want = brute_count(r, n, 300 * SEC, 5);
    printf("OpenSSH: %zu failed passwords, %d brute-force alerts (expected %d)\n", n, g.n, want);
    CHECK(want > 0);
    CHECK_INT(g.n, want);
    ward_corr_free(c);
    ward_corr_rules_free(set);
    free(r);
}

/* The same rule over the OpenSSH log as ward's syslog decoder reads it: real events, the
 * default field lookup (src_ip), the engine fed as the file is read. */
static void test_openssh_decoded(const char *corpus)
{
    if (!ward_decoder_find("syslog")) {
        printf("note: no syslog decoder in this build\n");
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/linux-logs/loghub/OpenSSH/OpenSSH_2k.log", corpus);
    struct ward_reader rd;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_reader_open(&rd, path, NULL, NULL, &err)) return;
    struct ward_corr_rules *set = parse("title: SSH brute force\ncorrelation: {type: event_count, "
                                        "rules: [ssh_failed_password], group-by: [src_ip], "
                                        "timespan: 5m, condition: {gte: 5}}\n");
    struct ward_corr_base b[] = {{NULL, "ssh_failed_password", "f"}};
    struct got g = {0};
    struct ward_corr *c = engine(set, b, 1, &g, 60);
    struct ward_event e;
    CHECK_INT(ward_event_init(&e, NULL), 0);
    struct rec *r = calloc(4000, sizeof *r);
    size_t n = 0;
    while (ward_reader_next(&rd, &e, &err) > 0 && n < 4000) {
        struct ward_field *a = ward_event_find(&e, "action", 6);
        struct ward_field *m = ward_event_find(&e, "auth_method", 11);
        struct ward_field *ip = ward_event_find(&e, "src_ip", 6);
        if (!a || !m || !ip || a->vlen != 6 || memcmp(a->val, "failed", 6) != 0 || m->vlen != 8 ||
            memcmp(m->val, "password", 8) != 0)
            continue;
        r[n].t = e.ts;
        snprintf(r[n].key, sizeof r[n].key, "%.*s", (int)ip->vlen, ip->val);
        n++;
        CHECK_INT(ward_corr_feed(c, 0, &e), 0);
    }
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    qsort(r, n, sizeof *r, cmp_rec);
    int want = brute_count(r, n, 300 * SEC, 5);
    printf("OpenSSH (syslog decoder): %zu failed passwords, %d alerts (expected %d)\n", n, g.n,
           want);
    /* the store's view of the last alert: the correlated events and the address */
    CHECK_INT(g.built, g.n);
    CHECK(strstr(g.json, "\"correlated\":[{") != NULL);
    CHECK(strstr(g.json, "OpenSSH_2k.log") != NULL);
    CHECK(strncmp(g.ent, "src_ip=", 7) == 0);
    CHECK(n > 100 && want > 0);
    CHECK_INT(g.n, want);
    ward_event_free(&e);
    ward_reader_close(&rd);
    ward_corr_free(c);
    ward_corr_rules_free(set);
    free(r);
}

static void test_evtx(const char *corpus)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/bench/evtx-attack-samples.jsonl", corpus);
    struct ward_reader rd;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_reader_open(&rd, path, NULL, NULL, &err)) {
        printf("note: %s absent\n", path);
        return;
    }
    struct ward_event e;
    CHECK_INT(ward_event_init(&e, NULL), 0);
    size_t cap = 20000, n = 0;
    struct rec *r = calloc(cap, sizeof *r);
    /* base rule: Sysmon process creation (EventID 1) */
    while (ward_reader_next(&rd, &e, &err) > 0 && n < cap) {
        struct ward_field *id = ward_event_find(&e, "Event.System.EventID.#text", 26);
        struct ward_field *prov = ward_event_find(&e, "Event.System.Provider.#attributes.Name", 38);
        struct ward_field *comp = ward_event_find(&e, "Event.System.Computer", 21);
        struct ward_field *img = ward_event_find(&e, "Event.EventData.Image", 21);
        if (!id || !prov || !comp || !img || e.ts == WARD_TIME_NONE) continue;
        if (id->vlen != 1 || id->val[0] != '1' || prov->vlen != 24 ||
            memcmp(prov->val, "Microsoft-Windows-Sysmon", 24) != 0)
            continue;
        r[n].t = e.ts;
        snprintf(r[n].key, sizeof r[n].key, "%.*s", (int)comp->vlen, comp->val);
        snprintf(r[n].val, sizeof r[n].val, "%.*s", (int)img->vlen, img->val);
        n++;
    }
    ward_event_free(&e);
    ward_reader_close(&rd);
    CHECK(n > 50);
    /* the samples come file by file, not in time order: sorted, as ward hunt's timeline does */
    qsort(r, n, sizeof *r, cmp_rec);
    struct ward_corr_rules *set = parse("title: process burst\ncorrelation: {type: event_count, "
                                        "rules: [proc], group-by: [Computer], timespan: 1m, "
                                        "condition: {gte: 5}}\n");
    struct ward_corr_base b[] = {{NULL, "proc", "p"}};
    struct got g = {0};
    struct ward_corr *c = engine(set, b, 1, &g, 0);
    for (size_t i = 0; i < n; i++) {
        ward_event_reset(&ev);
        ev.ts = r[i].t;
        ev.path = path;
        CHECK_INT(ward_event_add_copy(&ev, "Event.System.Computer", 21, r[i].key, strlen(r[i].key),
                                      WARD_V_STR),
                  0);
        CHECK_INT(ward_corr_feed(c, 0, &ev), 0);
    }
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    int want = brute_count(r, n, 60 * SEC, 5);
    printf("EVTX: %zu Sysmon process creations, %d burst alerts (expected %d)\n", n, g.n, want);
    CHECK(want > 0);
    CHECK_INT(g.n, want);
    ward_corr_free(c);
    /* fed unsorted with a lateness longer than the data's spread: the same alerts */
    struct got g2 = {0};
    c = engine(set, b, 1, &g2, 10LL * 365 * 86400);
    for (size_t i = n; i-- > 0;) { /* reverse order */
        ward_event_reset(&ev);
        ev.ts = r[i].t;
        CHECK_INT(ward_event_add_copy(&ev, "Computer", 8, r[i].key, strlen(r[i].key), WARD_V_STR),
                  0);
        CHECK_INT(ward_corr_feed(c, 0, &ev), 0);
    }
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    CHECK_INT(g2.n, want);
    ward_corr_free(c);
    ward_corr_rules_free(set);
    free(r);
}

/* The two halves of ward_corr_feed, as hunt uses them (workers extract, the writer feeds). */
static void test_extract(void)
{
    struct got g = {0};
    struct ward_corr_rules *set =
        parse("title: ec\ncorrelation: {type: event_count, rules: [rule_a], "
              "group-by: [src], timespan: 5m, condition: {gte: 2}}\n");
    struct ward_corr *c = engine(set, bases, 3, &g, 0);
    struct ward_buf x;
    ward_buf_init(&x, 0);
    ward_event_reset(&ev);
    CHECK_INT(ward_event_add_copy(&ev, "src", 3, "10.0.0.1", 8, WARD_V_STR), 0);
    CHECK_INT(ward_corr_extract(c, 0, &ev, NULL, NULL, &x), 0);
    CHECK(x.len > 8);
    ward_buf_reset(&x);
    CHECK_INT(ward_corr_extract(c, 1, &ev, NULL, NULL, &x), 0); /* rule_b: no correlation */
    CHECK_INT(x.len, 0);
    CHECK_INT(ward_corr_extract(c, 0, &ev, NULL, NULL, &x), 0);
    /* a truncated or foreign extract is refused, not read past its end */
    CHECK_INT(ward_corr_feed_extract(c, 0, 10 * SEC, "p", 1, x.data, x.len - 1), WARD_EINVAL);
    CHECK_INT(ward_corr_feed_extract(c, 0, 10 * SEC, "p", 1, x.data, 0), WARD_EINVAL);
    CHECK_INT(ward_corr_feed_extract(c, 0, 10 * SEC, "p", 1, x.data, x.len), 0);
    CHECK_INT(ward_corr_feed_extract(c, 0, 20 * SEC, "p", 2, x.data, x.len), 0);
    /* without the group-by field: counted, not fed */
    ward_event_reset(&ev);
    CHECK_INT(ward_event_add_copy(&ev, "dst", 3, "10.0.0.1", 8, WARD_V_STR), 0);
    ward_buf_reset(&x);
    CHECK_INT(ward_corr_extract(c, 0, &ev, NULL, NULL, &x), 0);
    CHECK_INT(x.len, 1);
    CHECK_INT(ward_corr_feed_extract(c, 0, 30 * SEC, "p", 3, x.data, x.len), 0);
    CHECK_INT(ward_corr_flush(c, INT64_MAX), 0);
    CHECK_INT(g.n, 1);
    CHECK_INT(g.events, 2);
    CHECK_STR(g.group, "src=10.0.0.1");
    struct ward_corr_stats st;
    ward_corr_get_stats(c, &st);
    CHECK_INT(st.no_group, 1);
    ward_buf_free(&x);
    ward_corr_free(c);
    ward_corr_rules_free(set);
}

int main(void)
{
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    test_parse();
    test_types();
    test_temporal();
    test_aliases();
    test_bounded_and_chain();
    test_cap_and_state();
    test_extract();
    const char *corpus = getenv("WARD_CORPUS");
    if (!corpus) corpus = "../shared/corpus";
    struct stat sb;
    if (stat(corpus, &sb) == 0) {
        test_corpus_examples(corpus);
        test_openssh(corpus);
        test_openssh_decoded(corpus);
        test_evtx(corpus);
    } else {
        printf("note: corpus absent; corpus cases skipped\n");
    }
    ward_event_free(&ev);
    return test_done("test_correlate");
}
