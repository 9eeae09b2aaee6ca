/* test_store.c - the case store: dedup and grouping, roll-ups, the lifecycle, case work,
 * merge, the journal chain and its tamper detection, observable validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "store_fixture.h"
#include "ward/event.h"
#include "ward/json_reader.h"
#include "ward/report.h"
#include "ward/store.h"

static char tmpdir[256];

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmpdir, name);
}

static int64_t q(struct ward_store *st, const char *sql)
{
    int64_t v = -1;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_store_query_int(st, sql, &v, &err)) fprintf(stderr, "query: %s\n", err.msg);
    return v;
}

static void test_observables(void)
{
    char out[256];
    struct ward_err err;
    CHECK(ward_observable_normalize("ip", "10.0.0.1", out, sizeof out, &err) == 0);
    CHECK_STR(out, "10.0.0.1");
    CHECK(ward_observable_normalize("ip", "::ffff:10.1.2.3", out, sizeof out, &err) == 0);
    CHECK_STR(out, "10.1.2.3");
    CHECK(ward_observable_normalize("ip", "2001:DB8:0:0::1", out, sizeof out, &err) == 0);
    CHECK_STR(out, "2001:db8::1");
    CHECK(ward_observable_normalize("ip", "10.0.0.256", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("ip", "evil.com", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("domain", "Evil.Example.COM.", out, sizeof out, &err) == 0);
    CHECK_STR(out, "evil.example.com");
    CHECK(ward_observable_normalize("domain", "localhost", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("domain", "-bad.com", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("domain", "a..b", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("hash", "D41D8CD98F00B204E9800998ECF8427E", out, sizeof out,
                                    &err) == 0);
    CHECK_STR(out, "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(ward_observable_normalize("hash", "d41d8cd98f00b204e9800998ecf8427", out, sizeof out,
                                    &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("hash", "z41d8cd98f00b204e9800998ecf8427e", out, sizeof out,
                                    &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("url", "HTTPS://x.org/a?b=C", out, sizeof out, &err) == 0);
    CHECK_STR(out, "https://x.org/a?b=C");
    CHECK(ward_observable_normalize("url", "x.org/a", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("url", "http:///a", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("user", "CORP\\Alice", out, sizeof out, &err) == 0);
    CHECK_STR(out, "corp\\alice");
    CHECK(ward_observable_normalize("user", "a\nb", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("host", "WS01.corp.local", out, sizeof out, &err) == 0);
    CHECK_STR(out, "ws01.corp.local");
    CHECK(ward_observable_normalize("host", "ws 01", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("file", "C:\\x\\y.exe", out, sizeof out, &err) == 0);
    CHECK(ward_observable_normalize("file", "", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("email", "a@b.c", out, sizeof out, &err) == WARD_EINVAL);
    CHECK(ward_observable_normalize("ip", "10.0.0.1", out, 4, &err) == WARD_ELIMIT);
}

static void test_lifecycle_table(void)
{
    CHECK(ward_status_transition_ok(WARD_ST_NEW, WARD_ST_TRIAGE));
    CHECK(!ward_status_transition_ok(WARD_ST_NEW, WARD_ST_CONTAIN));
    CHECK(ward_status_transition_ok(WARD_ST_TRIAGE, WARD_ST_CONTAIN));
    CHECK(!ward_status_transition_ok(WARD_ST_CONTAIN, WARD_ST_CLOSED));
    CHECK(ward_status_transition_ok(WARD_ST_LEARN, WARD_ST_CLOSED));
    CHECK(ward_status_transition_ok(WARD_ST_CLOSED, WARD_ST_TRIAGE));
    CHECK(!ward_status_transition_ok(WARD_ST_CLOSED, WARD_ST_NEW));
    for (int s = 0; s < WARD_ST__COUNT; s++) {
        CHECK(!ward_status_transition_ok(s, WARD_ST_NEW));
        CHECK(!ward_status_transition_ok(s, s));
    }
    CHECK_INT(ward_status_parse("Eradicate"), WARD_ST_ERADICATE);
    CHECK_INT(ward_status_parse("done"), -1);
    CHECK_INT(ward_level_parse("HIGH"), WARD_SEV_HIGH);
}

static void test_fixture(void)
{
    char db[512], ev[512];
    path_in(db, sizeof db, "fx.db");
    path_in(ev, sizeof ev, "evidence.bin");
    FILE *f = fopen(ev, "wb");
    CHECK(f != NULL);
    if (!f) return;
    fputs("memory image", f);
    fclose(f);
    struct ward_err err;
    ward_err_clear(&err);
    int rc = fixture_build(db, ev, &err);
    if (rc) fprintf(stderr, "fixture: %s\n", err.msg);
    CHECK_INT(rc, 0);

    struct ward_store *st = NULL;
    CHECK_INT(ward_store_open_existing(db, &st, &err), 0);
    if (!st) return;
    CHECK_INT(ward_store_schema(st), WARD_STORE_SCHEMA);
    /* 6 alerts: one repeat, 5 rows, 3 incidents */
    CHECK_INT(q(st, "SELECT count(*) FROM alerts"), 5);
    CHECK_INT(q(st, "SELECT sum(count) FROM alerts"), 6);
    CHECK_INT(q(st, "SELECT count(*) FROM incidents"), 3);
    CHECK_INT(q(st, "SELECT count FROM alerts WHERE rule_id = 'rule-ps-enc'"), 2);
    /* INC-1: WS01 (ps, lsass) + DC01 through the shared user alice */
    CHECK_INT(q(st, "SELECT alert_count FROM incidents WHERE id = 1"), 3);
    CHECK_INT(q(st, "SELECT event_count FROM incidents WHERE id = 1"), 4);
    CHECK_INT(q(st, "SELECT severity FROM incidents WHERE id = 1"), WARD_SEV_CRITICAL);
    CHECK_INT(q(st, "SELECT count(*) FROM incident_attack WHERE incident_id = 1 AND kind = "
                    "'tactic'"),
              3);
    CHECK_INT(q(st, "SELECT incident_id FROM alerts WHERE rule_id = 'rule-smb-admin'"), 1);
    CHECK_INT(q(st, "SELECT incident_id FROM alerts WHERE rule_id = 'rule-webshell'"), 2);
    CHECK_INT(q(st, "SELECT incident_id FROM alerts WHERE rule_id = 'rule-net-user'"), 3);
    /* SYSTEM does not group and is not an entity; it is an observable */
    CHECK_INT(q(st, "SELECT count(*) FROM entities WHERE key = 'user:system'"), 0);
    CHECK_INT(q(st, "SELECT count(*) FROM observables WHERE type = 'user' AND value = 'system'"),
              1);
    CHECK_INT(q(st, "SELECT count(*) FROM observables WHERE incident_id = 1 AND type = 'hash'"), 1);
    CHECK_INT(q(st, "SELECT count(*) FROM observables WHERE type = 'domain' AND value = "
                    "'c2.example.com' AND source = 'analyst'"),
              1);
    CHECK_INT(q(st, "SELECT count(*) FROM observables WHERE type = 'url'"), 1);
    /* first/last seen from the alerts */
    CHECK_INT(q(st, "SELECT first_seen FROM incidents WHERE id = 1"),
              fx_time("2026-03-01T10:00:00Z"));
    CHECK_INT(q(st, "SELECT last_seen FROM incidents WHERE id = 1"),
              fx_time("2026-03-01T10:20:00Z"));
    /* lifecycle times */
    CHECK_INT(q(st, "SELECT acked_at FROM incidents WHERE id = 1"),
              fx_time("2026-03-01T10:45:00Z"));
    CHECK_INT(q(st, "SELECT contained_at FROM incidents WHERE id = 1"),
              fx_time("2026-03-01T11:30:00Z"));
    CHECK_INT(q(st, "SELECT closed_at FROM incidents WHERE id = 1"),
              fx_time("2026-03-02T10:00:00Z"));
    CHECK_INT(q(st, "SELECT count(*) FROM journal WHERE incident_id = 1 AND action = 'status'"), 6);
    CHECK_INT(q(st, "SELECT count(*) FROM custody"), 1);

    /* the journal holds */
    struct ward_journal_check jc;
    CHECK_INT(ward_store_verify(st, &jc, &err), 0);
    CHECK_INT(jc.bad_seq, 0);
    CHECK_INT(jc.bad_count, 0);
    CHECK(jc.entries > 20);
    CHECK_INT(ward_store_integrity(st, &err), 0);

    /* refused transitions leave no trace */
    int64_t before = q(st, "SELECT count(*) FROM journal");
    CHECK_INT(ward_store_set_status(st, 3, WARD_ST_CONTAIN, NULL, &err), WARD_ESTATE);
    CHECK(strstr(err.msg, "allowed: triage") != NULL);
    CHECK_INT(ward_store_set_status(st, 1, WARD_ST_TRIAGE, NULL, &err), WARD_ESTATE);
    CHECK_INT(ward_store_set_status(st, 3, WARD_ST_CLOSED, NULL, &err), WARD_ESTATE);
    CHECK_INT(ward_store_close_incident(st, 3, "x", "", "z", &err), WARD_EINVAL);
    CHECK_INT(ward_store_set_status(st, 99, WARD_ST_TRIAGE, NULL, &err), WARD_ENOTFOUND);
    CHECK_INT(ward_store_task_state(st, 1, 7, "done", &err), WARD_ENOTFOUND);
    CHECK_INT(ward_store_task_state(st, 1, 1, "finished", &err), WARD_EINVAL);
    CHECK_INT(q(st, "SELECT count(*) FROM journal"), before);

    /* reopen, then a new alert on WS01 within the window joins the reopened incident */
    ward_store_set_actor(st, "bob");
    CHECK_INT(ward_store_reopen(st, 1, "reinfected", &err), 0);
    CHECK_INT(q(st, "SELECT status = 'triage' AND closed_at IS NULL FROM incidents WHERE id = 1"),
              1);
    struct ward_alert a;
    memset(&a, 0, sizeof a);
    a.ts = fx_time("2026-03-01T18:00:00Z");
    a.host = "ws01";
    a.rule.id = "rule-new";
    a.rule.title = "New thing";
    a.rule.level = 2;
    struct ward_store_stats stats = {0};
    CHECK_INT(ward_store_add_alerts(st, &a, 1, NULL, &stats, &err), 0);
    CHECK_INT(stats.incidents_new, 0);
    CHECK_INT(stats.incidents_joined, 1);
    CHECK_INT(q(st, "SELECT incident_id FROM alerts WHERE rule_id = 'rule-new'"), 1);
    /* group_by_host off: a host alone does not group */
    struct ward_group_opts go;
    ward_group_opts_default(&go);
    go.group_by_host = 0;
    a.rule.id = "rule-new2";
    memset(&stats, 0, sizeof stats);
    CHECK_INT(ward_store_add_alerts(st, &a, 1, &go, &stats, &err), 0);
    CHECK_INT(stats.incidents_new, 1);
    int64_t newinc = q(st, "SELECT incident_id FROM alerts WHERE rule_id = 'rule-new2'");
    CHECK_INT(newinc, 4);
    /* a repeat of rule-new2 counts on the alert; outside the dedup window it does not */
    a.ts += 60LL * 1000000000;
    memset(&stats, 0, sizeof stats);
    CHECK_INT(ward_store_add_alerts(st, &a, 1, &go, &stats, &err), 0);
    CHECK_INT(stats.alerts_repeated, 1);
    a.ts += 2 * 3600LL * 1000000000;
    memset(&stats, 0, sizeof stats);
    CHECK_INT(ward_store_add_alerts(st, &a, 1, &go, &stats, &err), 0);
    CHECK_INT(stats.alerts_new, 1);
    /* a bad alert in a batch is skipped, the rest is kept */
    struct ward_alert two[2];
    two[0] = a;
    two[0].rule.id = NULL;
    two[1] = a;
    two[1].rule.id = "rule-new3";
    memset(&stats, 0, sizeof stats);
    CHECK_INT(ward_store_add_alerts(st, two, 2, &go, &stats, &err), 0);
    CHECK_INT(stats.alerts_rejected, 1);
    CHECK_INT(stats.alerts_new, 1);

    /* merge 4 into 1 */
    CHECK_INT(ward_store_merge(st, newinc, 1, &err), 0);
    CHECK_INT(q(st, "SELECT count(*) FROM alerts WHERE incident_id = 4"), 0);
    CHECK_INT(q(st, "SELECT merged_into FROM incidents WHERE id = 4"), 1);
    CHECK_INT(q(st, "SELECT status = 'closed' FROM incidents WHERE id = 4"), 1);
    CHECK_INT(ward_store_add_note(st, newinc, "x", NULL, &err), WARD_ESTATE);
    CHECK_INT(ward_store_merge(st, 1, 1, &err), WARD_EINVAL);
    CHECK_INT(ward_store_merge(st, 3, 2, &err), WARD_ESTATE); /* 2 is closed */

    /* evidence verify: ok, then the file changes */
    struct ward_evidence_check *chk = NULL;
    size_t nchk = 0;
    CHECK_INT(ward_store_evidence_verify(st, 1, 0, &chk, &nchk, &err), 0);
    CHECK_INT(nchk, 1);
    if (nchk) CHECK_INT(chk[0].ok, 1);
    free(chk);
    f = fopen(ev, "ab");
    if (f) {
        fputs("!", f);
        fclose(f);
    }
    CHECK_INT(ward_store_evidence_verify(st, 1, 0, &chk, &nchk, &err), 0);
    if (nchk) CHECK_INT(chk[0].ok, 0);
    free(chk);
    CHECK_INT(q(st, "SELECT count(*) FROM custody WHERE action = 'verify-failed'"), 1);

    /* the chain still holds after all that; the counters agree */
    CHECK_INT(ward_store_verify(st, &jc, &err), 0);
    CHECK_INT(jc.bad_seq, 0);
    CHECK_INT(jc.bad_count, 0);

    /* load the case back */
    struct ward_case *c = NULL;
    CHECK_INT(ward_store_load_case(st, 1, 1, &c, &err), 0);
    if (c) {
        CHECK_INT(c->inc.status, WARD_ST_TRIAGE);
        CHECK_STR(c->inc.assignee, "alice.analyst");
        CHECK(c->nalerts >= 4);
        CHECK_INT(c->nnotes, 1);
        CHECK_INT(c->ntasks, 1);
        CHECK_INT(c->nevidence, 1);
        CHECK(c->ntechniques >= 3);
        CHECK(c->njournal > 10);
        CHECK_STR(c->alerts[0].rule_id, "rule-ps-enc");
        CHECK(c->alerts[0].event_json && strstr(c->alerts[0].event_json, "SQBFAFgA"));
    }
    ward_case_free(c);
    CHECK_INT(ward_store_load_case(st, 42, 0, &c, &err), WARD_ENOTFOUND);

    struct ward_incident_list *l = NULL;
    struct ward_incident_filter flt;
    ward_incident_filter_default(&flt);
    flt.status = WARD_ST__COUNT; /* open */
    CHECK_INT(ward_store_list(st, &flt, &l, &err), 0);
    if (l) CHECK_INT(l->n, 4); /* 1 (reopened), 3, and 5, 6 (no shared entity) */
    ward_incident_list_free(l);

    struct ward_metrics *m = NULL;
    CHECK_INT(ward_store_metrics(st, WARD_TIME_NONE, WARD_TIME_NONE, &m, &err), 0);
    if (m) {
        CHECK_INT(m->incidents, 5); /* 4 was merged */
        CHECK_INT(m->closed, 1);
        CHECK_INT(m->by_severity[WARD_SEV_CRITICAL].n, 1);
        CHECK(m->ntactics >= 5);
        CHECK_INT(m->mttr_n, 1);
    }
    ward_metrics_free(m);

    /* an event that is not JSON (from a careless caller) is still rendered as valid JSON */
    struct ward_alert bad_ev;
    memset(&bad_ev, 0, sizeof bad_ev);
    bad_ev.ts = fx_time("2026-04-01T00:00:00Z");
    bad_ev.host = "weird";
    bad_ev.rule.id = "rule-weird";
    bad_ev.rule.title = "Weird";
    bad_ev.event_json = "{not json";
    CHECK_INT(ward_store_add_alerts(st, &bad_ev, 1, NULL, NULL, &err), 0);
    int64_t winc = q(st, "SELECT incident_id FROM alerts WHERE rule_id = 'rule-weird'");
    CHECK_INT(ward_store_load_case(st, winc, 1, &c, &err), 0);
    if (c) {
        struct ward_buf jb;
        struct ward_jw w;
        ward_buf_init(&jb, 0);
        ward_jw_init(&w, &jb);
        CHECK_INT(ward_case_write_json(&w, c), 0);
        struct ward_event jev;
        if (ward_event_init(&jev, NULL) == 0) {
            CHECK_INT(ward_json_flatten(&jev, jb.data, jb.len, NULL, NULL, &err), 0);
            ward_event_free(&jev);
        }
        CHECK(strstr(jb.data, "\"event\":\"{not json\"") != NULL);
        ward_buf_free(&jb);
    }
    ward_case_free(c);

    /* tampering: change one entry's detail by hand; verify names it */
    CHECK_INT(ward_store_exec(st,
                              "UPDATE journal SET detail = replace(detail, 'reinfected',"
                              " 'routine') WHERE action = 'reopen'",
                              &err),
              0);
    int64_t bad = q(st, "SELECT seq FROM journal WHERE action = 'reopen'");
    CHECK_INT(ward_store_verify(st, &jc, &err), 0);
    CHECK_INT(jc.bad_seq, bad);
    CHECK(strstr(jc.reason, "changed") != NULL);
    ward_store_close(st);

    /* deleting the last entry is seen through the recorded head */
    char db2[512];
    path_in(db2, sizeof db2, "fx2.db");
    ward_err_clear(&err);
    CHECK_INT(fixture_build(db2, ev, &err), 0);
    CHECK_INT(ward_store_open_existing(db2, &st, &err), 0);
    if (!st) return;
    int64_t last = q(st, "SELECT max(seq) FROM journal");
    CHECK_INT(
        ward_store_exec(st, "DELETE FROM journal WHERE seq = (SELECT max(seq) FROM journal)", &err),
        0);
    CHECK_INT(ward_store_verify(st, &jc, &err), 0);
    CHECK_INT(jc.bad_seq, last);
    /* a counter changed by hand */
    CHECK_INT(ward_store_exec(st, "UPDATE incidents SET alert_count = 7 WHERE id = 2", &err), 0);
    CHECK_INT(ward_store_verify(st, &jc, &err), 0);
    CHECK_INT(jc.bad_count, 1);
    CHECK_INT(jc.bad_incident, 2);
    ward_store_close(st);
}

/* An alert that shares entities with two open incidents joins one and names the other. */
static void test_related(void)
{
    char db[512];
    path_in(db, sizeof db, "rel.db");
    struct ward_store *st = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_store_open(db, &st, &err), 0);
    if (!st) return;
    ward_store_set_now(st, fx_time("2026-05-01T12:00:00Z"));
    struct ward_entity ex = {WARD_ENT_USER, "xavier"}, ey = {WARD_ENT_USER, "yvonne"};
    struct ward_alert a[3];
    FX_ALERT(a[0], "2026-05-01T10:00:00Z", "hosta", "r1", "R1", 2);
    a[0].entities = &ex;
    a[0].nentities = 1;
    FX_ALERT(a[1], "2026-05-01T10:01:00Z", "hostb", "r2", "R2", 2);
    a[1].entities = &ey;
    a[1].nentities = 1;
    FX_ALERT(a[2], "2026-05-01T10:02:00Z", "hosta", "r3", "R3", 2);
    a[2].entities = &ey;
    a[2].nentities = 1;
    struct ward_store_stats stats = {0};
    CHECK_INT(ward_store_add_alerts(st, a, 3, NULL, &stats, &err), 0);
    CHECK_INT(stats.incidents_new, 2);
    CHECK_INT(q(st, "SELECT incident_id FROM alerts WHERE rule_id = 'r3'"), 1); /* tie: older */
    CHECK_INT(q(st, "SELECT count(*) FROM journal WHERE action = 'alert.add' AND"
                    " detail LIKE '%\"related\":[2]%'"),
              1);
    struct ward_observable_hits *h = NULL;
    CHECK_INT(ward_store_find_observable(st, NULL, "YVONNE", &h, &err), 0);
    if (h) CHECK_INT(h->n, 2);
    ward_observable_hits_free(h);
    CHECK_INT(ward_store_find_observable(st, "ip", "yvonne", &h, &err), WARD_EINVAL);
    /* times at the ends of the range do not overflow the windows */
    FX_ALERT(a[0], "2026-05-01T10:00:00Z", "hostz", "r9", "R9", 2);
    a[0].ts = INT64_MAX - 5;
    a[1] = a[0];
    a[1].ts = INT64_MIN + 5;
    CHECK_INT(ward_store_add_alerts(st, a, 2, NULL, &stats, &err), 0);
    struct ward_case *c = NULL;
    CHECK_INT(ward_store_load_case(st, q(st, "SELECT max(incident_id) FROM alerts"), 0, &c, &err),
              0);
    if (c) {
        struct ward_buf b;
        ward_buf_init(&b, 0);
        CHECK_INT(ward_report_incident(c, "json", WARD_TIME_NONE, &b, &err), 0);
        ward_buf_free(&b);
    }
    ward_case_free(c);
    ward_store_close(st);
}

static void test_entities(void)
{
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) return;
    struct kv {
        const char *k, *v;
    } kvs[] = {
        {"Event.System.Computer", "WS01.corp.local"},
        {"Event.EventData.TargetUserName", "alice"},
        {"Event.EventData.SubjectUserName", "-"},
        {"Event.EventData.IpAddress", "10.0.0.9"},
        {"Event.EventData.Hashes", "SHA1=DA39A3EE5E6B4B0D3255BFEF95601890AFD80709,MD5="
                                   "D41D8CD98F00B204E9800998ECF8427E,IMPHASH="
                                   "00000000000000000000000000000000"},
        {"Event.EventData.Image", "C:\\Windows\\System32\\cmd.exe"},
        {"Event.EventData.CommandLine", "cmd.exe /c \"C:\\Temp\\a b.bat\" C:\\x\\y.dll /q"},
        {"dst_ip", "192.0.2.1"},
        {"Event.EventData.Data.0", "ignored"},
    };
    for (size_t i = 0; i < sizeof kvs / sizeof kvs[0]; i++)
        if (ward_event_add(&ev, kvs[i].k, strlen(kvs[i].k), kvs[i].v, strlen(kvs[i].v), WARD_V_STR,
                           0))
            CHECK(0);
    struct ward_arena a;
    ward_arena_init(&a, 4096, 0);
    struct ward_entity *ents = NULL;
    size_t n = 0;
    CHECK_INT(ward_entities_from_event(&ev, &a, 64, &ents, &n), 0);
    int host = 0, user = 0, src = 0, dst = 0, hashes = 0, files = 0, cmd = 0, dash = 0;
    for (size_t i = 0; i < n; i++) {
        switch (ents[i].kind) {
        case WARD_ENT_HOST: host += strcmp(ents[i].value, "WS01.corp.local") == 0; break;
        case WARD_ENT_USER:
            user++;
            dash += strcmp(ents[i].value, "-") == 0;
            break;
        case WARD_ENT_SRC_IP: src += strcmp(ents[i].value, "10.0.0.9") == 0; break;
        case WARD_ENT_DST_IP: dst += strcmp(ents[i].value, "192.0.2.1") == 0; break;
        case WARD_ENT_HASH: hashes++; break;
        case WARD_ENT_FILE: files++; break;
        case WARD_ENT_CMDLINE: cmd++; break;
        default: break;
        }
    }
    CHECK_INT(host, 1);
    CHECK_INT(user, 1);
    CHECK_INT(dash, 0);
    CHECK_INT(src, 1);
    CHECK_INT(dst, 1);
    CHECK_INT(hashes, 2); /* not the IMPHASH */
    CHECK_INT(files, 3);  /* Image, the quoted .bat, the .dll */
    CHECK_INT(cmd, 1);
    /* the cap is respected */
    CHECK_INT(ward_entities_from_event(&ev, &a, 2, &ents, &n), 0);
    CHECK_INT(n, 2);
    ward_arena_free(&a);
    ward_event_free(&ev);
}

/* A correlation alert repeated (same rule and group, in the dedup window) is one row whose
 * count grows; each firing is a burst of its own (time and correlation object), in time
 * order, the same burst recorded twice is kept once, and the row's event stays the first. */
static void test_bursts(void)
{
    char db[300];
    path_in(db, sizeof db, "bursts.db");
    struct ward_store *st = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_store_open(db, &st, &err), 0);
    if (!st) return;
    static const struct ward_entity ip[] = {{WARD_ENT_SRC_IP, "192.0.2.8"}};
    static const char *const ev[] = {
        "{\"correlation\":{\"type\":\"event_count\",\"value\":5,\"alerts\":[{\"record\":5}]}}",
        "{\"correlation\":{\"type\":\"event_count\",\"value\":5,\"alerts\":[{\"record\":10}]}}\n",
        "{\"correlation\":{\"type\":\"event_count\",\"value\":6,\"alerts\":[{\"record\":16}]}}",
        "{\"correlation\":{\"type\":\"event_count\",\"value\":5,\"alerts\":[{\"record\":10}]}}",
        "{\"plain\":1}",
    };
    /* out of time order on purpose: burst 3 (t=30) before burst 2 (t=20); then burst 2 again;
     * then a plain alert of another rule */
    static const int at[] = {10, 30, 20, 20, 25}, which[] = {0, 2, 1, 3, 4};
    for (size_t i = 0; i < 5; i++) {
        struct ward_alert a;
        memset(&a, 0, sizeof a);
        a.ts = (ward_time_t)at[i] * 1000000000LL;
        a.rule.id = i == 4 ? "plain" : "corr";
        a.rule.title = i == 4 ? "Plain" : "Brute force";
        a.rule.level = 3;
        a.entities = ip;
        a.nentities = 1;
        a.event_json = ev[which[i]];
        struct ward_store_stats stats = {0};
        CHECK_INT(ward_store_add_alerts(st, &a, 1, NULL, &stats, &err), 0);
    }
    CHECK_INT(q(st, "SELECT count FROM alerts WHERE rule_id = 'corr'"), 4);
    CHECK_INT(q(st, "SELECT count(*) FROM alert_bursts"), 3);
    struct ward_case *c = NULL;
    CHECK_INT(ward_store_load_case(st, 1, 0, &c, &err), 0);
    if (c) {
        CHECK_INT(c->nalerts, 2);
        for (size_t i = 0; i < c->nalerts; i++) {
            const struct ward_case_burst *b;
            size_t n = ward_case_alert_bursts(c, c->alerts[i].id, &b);
            if (strcmp(c->alerts[i].rule_id, "plain") == 0) {
                CHECK_INT(n, 0);
                CHECK(b == NULL);
                continue;
            }
            CHECK_INT(n, 3);
            if (n != 3) continue;
            CHECK_INT(b[0].ts, 10000000000LL);
            CHECK_INT(b[1].ts, 20000000000LL);
            CHECK_INT(b[2].ts, 30000000000LL);
            CHECK_STR(b[0].correlation,
                      "{\"type\":\"event_count\",\"value\":5,\"alerts\":[{\"record\":5}]}");
            CHECK_STR(b[1].correlation,
                      "{\"type\":\"event_count\",\"value\":5,\"alerts\":[{\"record\":10}]}");
            CHECK_STR(b[2].correlation,
                      "{\"type\":\"event_count\",\"value\":6,\"alerts\":[{\"record\":16}]}");
            CHECK(c->alerts[i].event_json && strstr(c->alerts[i].event_json, "\"record\":5"));
        }
        /* the JSON form lists them */
        struct ward_buf out;
        ward_buf_init(&out, 0);
        struct ward_jw w;
        ward_jw_init(&w, &out);
        CHECK_INT(ward_case_write_json(&w, c), 0);
        CHECK(out.data && strstr(out.data, "\"bursts\":[{\"time\":\"1970-01-01T00:00:10"));
        CHECK(out.data &&
              strstr(out.data, "\"correlation\":{\"type\":\"event_count\",\"value\":6"));
        ward_buf_free(&out);
        ward_case_free(c);
    }
    ward_store_close(st);
}

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/ward-test-store-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_observables();
    test_lifecycle_table();
    test_entities();
    test_fixture();
    test_related();
    test_bursts();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
    return test_done("test_store");
}
