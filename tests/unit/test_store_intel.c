/*
 * test_store_intel.c - threat intelligence in the case store (src/store/indicators.c): an
 * import records every value with its context and every problem; a re-import refreshes
 * (last_seen, context) and never duplicates; filters, counts and removal by source; the
 * indicators read back into a set keep their context and validity (an expired indicator
 * does not flag a later event), rows of one context share one meta; every change is
 * journaled and the journal holds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "ward/ioc.h"
#include "ward/store.h"

static char dir[] = "/tmp/ward-store-intel-XXXXXX";

static int64_t q(struct ward_store *st, const char *sql)
{
    int64_t v = -1;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_store_query_int(st, sql, &v, &err)) fprintf(stderr, "query %s: %s\n", sql, err.msg);
    return v;
}

/* a bundle: one indicator with two values (shared context), one unsupported */
static const char bundle[] =
    "{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-000000000001\",\"objects\":["
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
    "\"id\":\"indicator--00000000-0000-4000-8000-000000000002\","
    "\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\","
    "\"name\":\"two values\",\"pattern_type\":\"stix\",\"confidence\":85,"
    "\"valid_from\":\"2020-01-01T00:00:00Z\",\"valid_until\":\"2021-01-01T00:00:00Z\","
    "\"pattern\":\"[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'Evil.Example']\"},"
    "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
    "\"id\":\"indicator--00000000-0000-4000-8000-000000000003\","
    "\"created\":\"2020-01-01T00:00:00Z\",\"modified\":\"2020-01-01T00:00:00Z\","
    "\"pattern_type\":\"stix\",\"valid_from\":\"2020-01-01T00:00:00Z\","
    "\"pattern\":\"[file:name = 'x.exe']\"}]}";

static const char list[] = "# a list\n203.0.113.9\nbad.example.net\n";

static int load(struct ward_ioc_set *set, const char *name, const char *text, const char *source)
{
    struct ward_ioc_load_opts o;
    ward_ioc_load_opts_default(&o);
    o.source = source;
    struct ward_err err;
    ward_err_clear(&err);
    return ward_ioc_load_mem(set, name, text, strlen(text), &o, &err);
}

struct collect {
    int n, expired_seen;
    char ids[8][128];
};

static int on_ind(void *ctx, const struct ward_indicator *ind)
{
    struct collect *c = ctx;
    if (c->n < 8)
        snprintf(c->ids[c->n], sizeof c->ids[0], "%s|%s|%s", ind->type, ind->value, ind->source);
    c->n++;
    if (ind->valid_until != WARD_TIME_NONE) c->expired_seen++;
    return 0;
}

static int on_prob(void *ctx, const struct ward_intel_problem *p)
{
    int *n = ctx;
    if (p->source_id &&
        strcmp(p->source_id, "indicator--00000000-0000-4000-8000-000000000003") == 0 &&
        strcmp(p->kind, "unsupported") == 0)
        (*n)++;
    return 0;
}

static int count_hit(void *ctx, const struct ward_ioc_hit *h)
{
    (void)h;
    (*(int *)ctx)++;
    return 0;
}

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/intel.db", dir);
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_store *st = NULL;
    CHECK_INT(ward_store_open(path, &st, &err), 0);
    if (!st) return test_done("test_store_intel");
    ward_time_t t1, t2;
    CHECK_INT(ward_time_parse("2026-01-01T00:00:00Z", 20, &t1), 0);
    CHECK_INT(ward_time_parse("2026-02-01T00:00:00Z", 20, &t2), 0);
    ward_store_set_now(st, t1);

    /* import: two files into one set, one import each */
    struct ward_ioc_set *set = NULL;
    CHECK_INT(ward_ioc_set_new(&set), 0);
    if (!set) return test_done("test_store_intel");
    CHECK_INT(load(set, "feed.json", bundle, "feed"), 0);
    size_t v1 = ward_ioc_set_count(set), p1 = ward_ioc_set_problem_count(set);
    CHECK_INT(v1, 2);
    CHECK_INT(p1, 1);
    struct ward_intel_import res;
    CHECK_INT(ward_store_intel_import(st, set, 0, 0, "feed.json", "feed", NULL, &res, &err), 0);
    CHECK_INT(res.values, 2);
    CHECK_INT(res.values_new, 2);
    CHECK_INT(res.problems, 1);
    CHECK_INT(load(set, "list.txt", list, NULL), 0);
    CHECK_INT(ward_store_intel_import(st, set, v1, p1, "list.txt", "list.txt", "{}", &res, &err),
              0);
    CHECK_INT(res.values, 2);
    CHECK_INT(res.values_new, 2);
    CHECK_INT(res.problems, 0);
    CHECK_INT(q(st, "SELECT count(*) FROM indicators"), 4);
    CHECK_INT(q(st, "SELECT count(*) FROM indicators WHERE value = 'evil.example' AND"
                    " source = 'feed' AND confidence = 85 AND tlp = 'unknown' AND source_id ="
                    " 'indicator--00000000-0000-4000-8000-000000000002' AND valid_until IS NOT"
                    " NULL AND json_extract(context, '$.name') = 'two values'"),
              1);
    /* a list's values: the source given to the import, no source id */
    CHECK_INT(q(st, "SELECT count(*) FROM indicators WHERE source = 'list.txt' AND"
                    " source_id = ''"),
              2);
    CHECK_INT(q(st, "SELECT count(*) FROM journal WHERE action = 'intel.import'"), 2);

    /* re-import later: refreshed, not duplicated; the old problems replaced */
    ward_store_set_now(st, t2);
    CHECK_INT(ward_store_intel_import(st, set, 0, 0, "feed.json", "feed", NULL, &res, &err), 0);
    CHECK_INT(res.values_new, 0);
    CHECK_INT(res.values_updated, 4);
    CHECK_INT(q(st, "SELECT count(*) FROM indicators"), 4);
    CHECK_INT(q(st, "SELECT count(*) FROM indicators WHERE first_seen < last_seen"), 4);
    CHECK_INT(q(st, "SELECT count(*) FROM intel_problems"), 1);
    ward_ioc_set_free(set);

    /* filters, counts, problems */
    struct ward_indicator_filter f;
    memset(&f, 0, sizeof f);
    int64_t n = -1;
    CHECK_INT(ward_store_indicators_count(st, NULL, &n, &err), 0);
    CHECK_INT(n, 4);
    f.type = "domain";
    CHECK_INT(ward_store_indicators_count(st, &f, &n, &err), 0);
    CHECK_INT(n, 2);
    f.type = NULL;
    f.source = "feed";
    struct collect c;
    memset(&c, 0, sizeof c);
    CHECK_INT(ward_store_indicators_each(st, &f, on_ind, &c, &err), 0);
    CHECK_INT(c.n, 2);
    CHECK_INT(c.expired_seen, 2);
    f.source = NULL;
    f.limit = 3;
    memset(&c, 0, sizeof c);
    CHECK_INT(ward_store_indicators_each(st, &f, on_ind, &c, &err), 0);
    CHECK_INT(c.n, 3);
    int probs = 0;
    CHECK_INT(ward_store_intel_problems_each(st, "feed", on_prob, &probs, &err), 0);
    CHECK_INT(probs, 1);

    /* read back into a set: context and validity kept, one meta per context */
    struct ward_ioc_set *back = NULL;
    CHECK_INT(ward_ioc_set_new(&back), 0);
    size_t got = 0;
    CHECK_INT(ward_store_intel_to_set(st, back, NULL, &got, &err), 0);
    CHECK_INT(got, 4);
    CHECK_INT(ward_ioc_set_compile(back), 0);
    const struct ward_ioc_meta *feed_meta = NULL, *list_meta = NULL;
    int shared_feed = 1, shared_list = 1;
    for (size_t i = 0; i < ward_ioc_set_count(back); i++) {
        const struct ward_ioc *ioc = ward_ioc_set_get(back, i);
        CHECK(ioc->meta != NULL);
        if (!ioc->meta) continue;
        if (ioc->meta->source && strcmp(ioc->meta->source, "feed") == 0) {
            CHECK_INT(ioc->meta->confidence, 85);
            CHECK_STR(ioc->meta->id, "indicator--00000000-0000-4000-8000-000000000002");
            CHECK_STR(ioc->meta->name, "two values");
            CHECK(ioc->meta->valid_until != WARD_TIME_NONE);
            if (feed_meta && feed_meta != ioc->meta) shared_feed = 0;
            feed_meta = ioc->meta;
        } else {
            CHECK(ioc->meta->id == NULL);
            if (list_meta && list_meta != ioc->meta) shared_list = 0;
            list_meta = ioc->meta;
        }
    }
    CHECK(shared_list); /* consecutive rows of one list share their context */
    (void)shared_feed;  /* the feed's two values are not adjacent (type, value order) */
    ward_time_t before, after;
    CHECK_INT(ward_time_parse("2020-06-01T00:00:00Z", 20, &before), 0);
    CHECK_INT(ward_time_parse("2022-06-01T00:00:00Z", 20, &after), 0);
    int hits = 0;
    const char ev1[] = "connection to 198.51.100.7 and www.evil.example";
    CHECK_INT(ward_ioc_match_value(back, "msg", ev1, strlen(ev1), before, count_hit, &hits), 2);
    /* valid_until (2021) has passed by 2022: the store kept it */
    CHECK_INT(ward_ioc_match_value(back, "msg", ev1, strlen(ev1), after, count_hit, &hits), 0);
    const char ev2[] = "from 203.0.113.9 via bad.example.net";
    CHECK_INT(ward_ioc_match_value(back, "msg", ev2, strlen(ev2), after, count_hit, &hits), 2);
    ward_ioc_set_free(back);

    /* one value by hand; then remove a source */
    struct ward_ioc_set *one = NULL;
    CHECK_INT(ward_ioc_set_new(&one), 0);
    struct ward_ioc_meta m;
    memset(&m, 0, sizeof m);
    m.valid_from = m.valid_until = m.first_seen = m.last_seen = WARD_TIME_NONE;
    m.confidence = -1;
    m.source = "analyst";
    CHECK_INT(ward_ioc_add(one, WARD_IOC_SHA256,
                           "AB"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab"
                           "ab",
                           64, &m, &err),
              0);
    int added = -1;
    CHECK_INT(ward_store_indicator_add(st, ward_ioc_set_get(one, 0), &added, &err), 0);
    CHECK_INT(added, 1);
    ward_ioc_set_free(one);
    CHECK_INT(q(st, "SELECT count(*) FROM indicators WHERE type = 'sha256' AND value ="
                    " lower(value) AND source = 'analyst'"),
              1);
    int64_t removed = -1;
    CHECK_INT(ward_store_indicators_remove(st, "feed", &removed, &err), 0);
    CHECK_INT(removed, 2);
    CHECK_INT(q(st, "SELECT count(*) FROM indicators"), 3);
    CHECK_INT(q(st, "SELECT count(*) FROM intel_problems"), 0);
    CHECK_INT(ward_store_indicators_remove(st, "nothing-here", &removed, &err), 0);
    CHECK_INT(removed, 0);
    CHECK(ward_store_indicators_remove(st, "", &removed, &err) != 0);

    /* every change journaled, the chain holds */
    CHECK_INT(q(st, "SELECT count(*) FROM journal WHERE action LIKE 'intel.%'"), 6);
    struct ward_journal_check jc;
    CHECK_INT(ward_store_verify(st, &jc, &err), 0);
    CHECK_INT(jc.bad_seq, 0);
    ward_store_close(st);

    /* the hunt's hook: a missing store holds no indicators */
    struct ward_ioc_set *none = NULL;
    CHECK_INT(ward_ioc_set_new(&none), 0);
    snprintf(path, sizeof path, "%s/absent.db", dir);
    got = 99;
    CHECK_INT(ward_store_intel_load(path, none, &got, &err), 0);
    CHECK_INT(got, 0);
    CHECK(access(path, F_OK) != 0);
    snprintf(path, sizeof path, "%s/intel.db", dir);
    CHECK_INT(ward_store_intel_load(path, none, &got, &err), 0);
    CHECK_INT(got, 3);
    ward_ioc_set_free(none);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return test_done("test_store_intel");
}
