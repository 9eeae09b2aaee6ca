/*
 * test_store_migrate.c - the schema migrations, from every older schema: a store is made
 * at version v (0 .. latest-1) with data of that schema, then opened by this build. The
 * data must survive, the schema must match a fresh store's (tables, indexes, columns), the
 * data migrations must have run (schema 2 made observables of the entities) and the store
 * must work (alerts, lifecycle, journal). Also: a store newer than the build and a file
 * that is not a store are refused with a clear error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "ward/ioc.h"
#include "ward/store.h"

static char dir[] = "/tmp/ward-migrate-XXXXXX";

static int64_t q(struct ward_store *st, const char *sql)
{
    int64_t v = -1;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_store_query_int(st, sql, &v, &err)) fprintf(stderr, "query %s: %s\n", sql, err.msg);
    return v;
}

static const char shape_tables[] = "SELECT count(*) FROM sqlite_master WHERE type = 'table'";
static const char shape_indexes[] = "SELECT count(*) FROM sqlite_master WHERE type = 'index'";
static const char shape_columns[] =
    "SELECT count(*) FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'";
static const char shape_notnull[] = "SELECT count(*) FROM sqlite_master m,"
                                    " pragma_table_info(m.name) p WHERE m.type = 'table'"
                                    " AND p.\"notnull\" = 1";

/* rows valid at schema 1 (and later) */
static const char data_v1[] =
    "INSERT INTO incidents(id, title, status, severity, first_seen, last_seen, created_at,"
    " updated_at, alert_count, event_count) VALUES(1, 'old incident', 'triage', 3, 100, 200,"
    " 300, 300, 1, 2);"
    "INSERT INTO alerts(incident_id, rule_id, rule_title, level, host, dedup_key, first_seen,"
    " last_seen, count, created_at) VALUES(1, 'r1', 'Old rule', 3, 'OLDHOST', 'k', 100, 200, 2,"
    " 300);"
    "INSERT INTO entities(incident_id, key, first_seen, last_seen, alerts) VALUES"
    " (1, 'host:oldhost', 100, 200, 1), (1, 'user:bob', 100, 200, 1);"
    "INSERT INTO notes(incident_id, ts, author, text) VALUES(1, 250, 'eve', 'an old note');"
    /* a correlation alert: its event names the alerts of its first burst */
    "INSERT INTO alerts(incident_id, rule_id, rule_title, level, dedup_key, first_seen,"
    " last_seen, count, event_json, created_at) VALUES(1, 'c1', 'Old correlation', 3, 'kc', 120,"
    " 180, 3, '{\"correlation\":{\"type\":\"event_count\",\"value\":5,\"alerts\":[]}}',"
    " 300);"
    "UPDATE incidents SET alert_count = 2, event_count = 5 WHERE id = 1;";
/* rows new at schema 2 */
static const char data_v2[] =
    "INSERT INTO tasks(incident_id, title, created_by, created_at, updated_at)"
    " VALUES(1, 'old task', 'eve', 260, 260);"
    "INSERT INTO observables(incident_id, type, value, source, first_seen)"
    " VALUES(1, 'domain', 'old.example.org', 'analyst', 270);";
/* rows new at schema 3 */
static const char data_v3[] =
    "INSERT INTO playbook_runs(incident_id, playbook, status, started_by, started_at)"
    " VALUES(1, 'old-playbook', 'done', 'eve', 280);";

int main(void)
{
    if (!mkdtemp(dir)) return 1;
    struct ward_err err;
    char path[256];

    /* the shape of a fresh store */
    snprintf(path, sizeof path, "%s/fresh.db", dir);
    struct ward_store *st = NULL;
    ward_err_clear(&err);
    CHECK_INT(ward_store_open(path, &st, &err), 0);
    if (!st) return test_done("test_store_migrate");
    CHECK_INT(ward_store_schema(st), WARD_STORE_SCHEMA);
    int64_t tables = q(st, shape_tables), indexes = q(st, shape_indexes);
    int64_t columns = q(st, shape_columns), notnull = q(st, shape_notnull);
    CHECK(tables >= 12);
    ward_store_close(st);

    for (int v = 0; v < WARD_STORE_SCHEMA; v++) {
        snprintf(path, sizeof path, "%s/from%d.db", dir, v);
        ward_err_clear(&err);
        CHECK_INT(ward_store_open_at(path, v, &st, &err), 0);
        if (!st) continue;
        CHECK_INT(ward_store_schema(st), v);
        CHECK_INT(q(st, "PRAGMA user_version"), v);
        if (v >= 1) CHECK_INT(ward_store_exec(st, data_v1, &err), 0);
        if (v >= 2) CHECK_INT(ward_store_exec(st, data_v2, &err), 0);
        if (v >= 3) CHECK_INT(ward_store_exec(st, data_v3, &err), 0);
        ward_store_close(st);

        /* this build opens it: migrated to the latest */
        ward_err_clear(&err);
        CHECK_INT(ward_store_open(path, &st, &err), 0);
        if (!st) continue;
        fprintf(stderr, "from schema %d\n", v);
        CHECK_INT(ward_store_schema(st), WARD_STORE_SCHEMA);
        CHECK_INT(q(st, "PRAGMA user_version"), WARD_STORE_SCHEMA);
        CHECK_INT(q(st, shape_tables), tables);
        CHECK_INT(q(st, shape_indexes), indexes);
        CHECK_INT(q(st, shape_columns), columns);
        CHECK_INT(q(st, shape_notnull), notnull);
        CHECK_INT(q(st, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
        if (v >= 1) {
            CHECK_INT(q(st, "SELECT count(*) FROM incidents"), 1);
            CHECK_INT(q(st, "SELECT count FROM alerts WHERE rule_id = 'r1'"), 2);
            CHECK_INT(q(st, "SELECT merged_into IS NULL FROM incidents WHERE id = 1"), 1);
            CHECK_INT(q(st, "SELECT count(*) FROM notes"), 1);
        }
        if (v == 1) {
            /* schema 2 made observables of the entities */
            CHECK_INT(q(st, "SELECT count(*) FROM observables WHERE source = 'alert'"), 2);
            CHECK_INT(q(st, "SELECT count(*) FROM observables WHERE type = 'host' AND value ="
                            " 'oldhost'"),
                      1);
        }
        if (v >= 1) {
            /* schema 5: the correlation alert's first burst, from its event; other alerts none */
            CHECK_INT(q(st, "SELECT count(*) FROM alert_bursts"), 1);
            CHECK_INT(q(st, "SELECT count(*) FROM alert_bursts b JOIN alerts a ON a.id ="
                            " b.alert_id WHERE a.rule_id = 'c1' AND b.ts = 120 AND b.correlation ="
                            " '{\"type\":\"event_count\",\"value\":5,\"alerts\":[]}'"),
                      1);
        }
        if (v >= 2) {
            CHECK_INT(q(st, "SELECT count(*) FROM tasks"), 1);
            CHECK_INT(q(st, "SELECT count(*) FROM observables WHERE value = 'old.example.org'"), 1);
        }
        if (v >= 3)
            CHECK_INT(q(st, "SELECT count(*) FROM playbook_runs WHERE playbook = 'old-playbook'"),
                      1);
        /* schema 4: the intel tables exist, empty, and work (an indicator in, read back,
         * journaled) */
        CHECK_INT(q(st, "SELECT count(*) FROM indicators"), 0);
        CHECK_INT(q(st, "SELECT count(*) FROM intel_imports"), 0);
        CHECK_INT(q(st, "SELECT count(*) FROM intel_problems"), 0);
        struct ward_ioc_set *set = NULL;
        CHECK_INT(ward_ioc_set_new(&set), 0);
        if (set) {
            struct ward_ioc_meta m;
            memset(&m, 0, sizeof m);
            m.source = "migrate-test";
            m.id = "indicator--1";
            m.confidence = 70;
            m.tlp = WARD_TLP_AMBER;
            m.valid_from = m.valid_until = m.first_seen = m.last_seen = WARD_TIME_NONE;
            CHECK_INT(ward_ioc_add(set, WARD_IOC_DOMAIN, "Evil.Example.COM", 16, &m, &err), 0);
            int added = -1;
            CHECK_INT(ward_store_indicator_add(st, ward_ioc_set_get(set, 0), &added, &err), 0);
            CHECK_INT(added, 1);
            CHECK_INT(ward_store_indicator_add(st, ward_ioc_set_get(set, 0), &added, &err), 0);
            CHECK_INT(added, 0);
            ward_ioc_set_free(set);
        }
        CHECK_INT(q(st, "SELECT count(*) FROM indicators WHERE value = 'evil.example.com'"
                        " AND tlp = 'amber' AND confidence = 70 AND source = 'migrate-test'"),
                  1);
        CHECK_INT(q(st, "SELECT count(*) FROM journal WHERE action LIKE 'intel.%'"), 2);
        /* it works: an alert joins the old incident by its host, the lifecycle goes on */
        struct ward_alert a;
        memset(&a, 0, sizeof a);
        a.ts = 150;
        a.host = "oldhost";
        a.rule.id = "r2";
        a.rule.title = "New rule";
        a.rule.level = 4;
        struct ward_store_stats stats = {0};
        CHECK_INT(ward_store_add_alerts(st, &a, 1, NULL, &stats, &err), 0);
        CHECK_INT(stats.incidents_joined, v >= 1 ? 1 : 0);
        CHECK_INT(stats.incidents_new, v >= 1 ? 0 : 1);
        CHECK_INT(ward_store_set_status(st, 1, WARD_ST_ASSESS, NULL, &err),
                  v >= 1 ? 0 : WARD_ESTATE);
        struct ward_journal_check jc;
        CHECK_INT(ward_store_verify(st, &jc, &err), 0);
        CHECK_INT(jc.bad_seq, 0);
        CHECK_INT(jc.bad_count, 0);
        CHECK_INT(ward_store_integrity(st, &err), 0);
        ward_store_close(st);

        /* opening again is a no-op */
        CHECK_INT(ward_store_open(path, &st, &err), 0);
        if (st) CHECK_INT(ward_store_schema(st), WARD_STORE_SCHEMA);
        ward_store_close(st);
    }

    /* a store newer than this build */
    snprintf(path, sizeof path, "%s/newer.db", dir);
    CHECK_INT(ward_store_open(path, &st, &err), 0);
    if (st) {
        CHECK_INT(ward_store_exec(st, "PRAGMA user_version = 99", &err), 0);
        ward_store_close(st);
    }
    ward_err_clear(&err);
    st = NULL;
    CHECK_INT(ward_store_open(path, &st, &err), WARD_EUNSUPPORTED);
    CHECK(st == NULL);
    CHECK(strstr(err.msg, "newer") != NULL);

    /* not a store at all */
    snprintf(path, sizeof path, "%s/garbage.db", dir);
    FILE *f = fopen(path, "wb");
    if (f) {
        for (int i = 0; i < 200; i++) fputs("this is not an SQLite database. ", f);
        fclose(f);
    }
    ward_err_clear(&err);
    CHECK(ward_store_open(path, &st, &err) != 0);
    CHECK(st == NULL);
    CHECK(err.msg[0] != 0);
    /* a missing store with open_existing */
    snprintf(path, sizeof path, "%s/absent.db", dir);
    CHECK_INT(ward_store_open_existing(path, &st, &err), WARD_ENOTFOUND);
    CHECK(access(path, F_OK) != 0);

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    return test_done("test_store_migrate");
}
