/*
 * store_fixture.h - a small, fully deterministic case store for the store tests and the
 * golden reports: six alerts (one a repeat) on three hosts that group into three incidents,
 * and a whole lifecycle on the first one (triage to closed, with an assignee, a note, a
 * task, an observable and a piece of evidence), all at fixed times.
 */
#ifndef WARD_STORE_FIXTURE_H
#define WARD_STORE_FIXTURE_H

#include "ward/store.h"

static ward_time_t fx_time(const char *s)
{
    ward_time_t t = 0;
    if (ward_time_parse(s, strlen(s), &t)) return 0;
    return t;
}

#define FX_ALERT(a, when, h, rid, rtitle, lvl)                                                     \
    do {                                                                                           \
        memset(&(a), 0, sizeof(a));                                                                \
        (a).ts = fx_time(when);                                                                    \
        (a).host = (h);                                                                            \
        (a).rule.id = (rid);                                                                       \
        (a).rule.title = (rtitle);                                                                 \
        (a).rule.level = (lvl);                                                                    \
    } while (0)

/* Builds the fixture store at db (which must not exist). evidence is a file to record as
 * evidence (its content goes into the SHA-256), given as the path to show. */
static int fixture_build(const char *db, const char *evidence, struct ward_err *err)
{
    struct ward_store *st = NULL;
    int rc = ward_store_open(db, &st, err);
    if (rc) return rc;
    ward_store_set_actor(st, "ward-hunt");
    ward_store_set_now(st, fx_time("2026-03-01T10:30:00Z"));

    static const char *const tags_ps[] = {"attack.execution", "attack.t1059.001"};
    static const struct ward_alert_technique t_ps[] = {{"T1059.001", "PowerShell"}};
    static const char *const tac_exec[] = {"execution"};
    static const struct ward_alert_technique t_lsass[] = {{"T1003.001", "LSASS Memory"}};
    static const char *const tac_cred[] = {"credential-access"};
    static const struct ward_alert_technique t_smb[] = {{"T1021.002", "SMB/Windows Admin Shares"}};
    static const char *const tac_lat[] = {"lateral-movement"};
    static const struct ward_alert_technique t_web[] = {{"T1505.003", "Web Shell"}};
    static const char *const tac_pers[] = {"persistence"};
    static const struct ward_alert_technique t_disc[] = {{"T1087.001", "Local Account"}};
    static const char *const tac_disc[] = {"discovery"};

    static const struct ward_entity e_ps[] = {
        {WARD_ENT_USER, "CORP\\alice"},
        {WARD_ENT_FILE, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"},
        {WARD_ENT_HASH, "9F914D42706FE215501044ACD85A32D58AAEF1419D404FDDFA5D3B48F66CCD9F"},
        {WARD_ENT_CMDLINE, "powershell.exe -nop -enc SQBFAFgA"},
    };
    static const struct ward_entity e_lsass[] = {
        {WARD_ENT_USER, "CORP\\alice"},
        {WARD_ENT_FILE, "C:\\Users\\alice\\AppData\\Local\\Temp\\pd.exe"},
    };
    static const struct ward_entity e_smb[] = {
        {WARD_ENT_USER, "CORP\\alice"},
        {WARD_ENT_SRC_IP, "10.0.0.5"},
        {WARD_ENT_USER, "SYSTEM"},
    };
    static const struct ward_entity e_web[] = {
        {WARD_ENT_USER, "www-data"},
        {WARD_ENT_SRC_IP, "203.0.113.7"},
        {WARD_ENT_DOMAIN, "evil.example.net"},
        {WARD_ENT_URL, "http://evil.example.net/s.php"},
    };
    static const struct ward_entity e_disc[] = {{WARD_ENT_USER, "CORP\\carol"}};

    struct ward_alert a[6];
    FX_ALERT(a[0], "2026-03-01T10:00:00Z", "WS01", "rule-ps-enc", "Encoded PowerShell", 3);
    a[0].rule.tags = tags_ps;
    a[0].rule.ntags = 2;
    a[0].attack.techniques = t_ps;
    a[0].attack.ntechniques = 1;
    a[0].attack.tactics = tac_exec;
    a[0].attack.ntactics = 1;
    a[0].entities = e_ps;
    a[0].nentities = 4;
    a[0].source.path = "Security.evtx";
    a[0].source.record = 101;
    a[0].event_json = "{\"Event.System.Computer\":\"WS01\",\"Event.System.EventID\":4688,"
                      "\"Event.EventData.CommandLine\":\"powershell.exe -nop -enc SQBFAFgA\"}";
    a[1] = a[0];
    a[1].ts = fx_time("2026-03-01T10:00:30Z");
    a[1].source.record = 102;
    FX_ALERT(a[2], "2026-03-01T10:05:00Z", "WS01", "rule-lsass", "LSASS memory access", 4);
    a[2].attack.techniques = t_lsass;
    a[2].attack.ntechniques = 1;
    a[2].attack.tactics = tac_cred;
    a[2].attack.ntactics = 1;
    a[2].entities = e_lsass;
    a[2].nentities = 2;
    a[2].event_json = "{\"Event.System.Computer\":\"WS01\",\"Event.System.EventID\":10}";
    FX_ALERT(a[3], "2026-03-01T10:20:00Z", "DC01", "rule-smb-admin", "Admin share logon", 2);
    a[3].attack.techniques = t_smb;
    a[3].attack.ntechniques = 1;
    a[3].attack.tactics = tac_lat;
    a[3].attack.ntactics = 1;
    a[3].entities = e_smb;
    a[3].nentities = 3;
    a[3].event_json = "{\"Event.System.Computer\":\"DC01\",\"Event.System.EventID\":5140}";
    FX_ALERT(a[4], "2026-03-01T12:00:00Z", "WEB02", "rule-webshell", "Web shell request", 3);
    a[4].attack.techniques = t_web;
    a[4].attack.ntechniques = 1;
    a[4].attack.tactics = tac_pers;
    a[4].attack.ntactics = 1;
    a[4].entities = e_web;
    a[4].nentities = 4;
    a[4].event_json = "{\"host\":\"WEB02\",\"src_ip\":\"203.0.113.7\",\"url\":\"/s.php\"}";
    FX_ALERT(a[5], "2026-03-05T09:00:00Z", "WS01", "rule-net-user", "Local account discovery", 1);
    a[5].attack.techniques = t_disc;
    a[5].attack.ntechniques = 1;
    a[5].attack.tactics = tac_disc;
    a[5].attack.ntactics = 1;
    a[5].entities = e_disc;
    a[5].nentities = 1;

    struct ward_store_stats stats = {0};
    rc = ward_store_add_alerts(st, a, 3, NULL, &stats, err);
    ward_store_set_now(st, fx_time("2026-03-01T12:10:00Z"));
    if (!rc) rc = ward_store_add_alerts(st, a + 3, 2, NULL, &stats, err);
    ward_store_set_now(st, fx_time("2026-03-05T09:05:00Z"));
    if (!rc) rc = ward_store_add_alerts(st, a + 5, 1, NULL, &stats, err);

    /* the lifecycle of INC-0001 */
    int64_t id;
    int added;
    ward_store_set_actor(st, "alice.analyst");
#define STEP(when, call)                                                                           \
    if (!rc) {                                                                                     \
        ward_store_set_now(st, fx_time(when));                                                     \
        rc = (call);                                                                               \
    }
    STEP("2026-03-01T10:45:00Z", ward_store_set_status(st, 1, WARD_ST_TRIAGE, "looking", err))
    STEP("2026-03-01T10:46:00Z", ward_store_assign(st, 1, "alice.analyst", err))
    STEP("2026-03-01T10:50:00Z",
         ward_store_add_note(st, 1, "Encoded PowerShell followed by LSASS access on WS01.", &id,
                             err))
    STEP("2026-03-01T11:00:00Z", ward_store_set_status(st, 1, WARD_ST_ASSESS, NULL, err))
    STEP("2026-03-01T11:05:00Z",
         ward_store_add_task(st, 1, "Reset alice's password", "bob.admin", &id, err))
    STEP("2026-03-01T11:06:00Z",
         ward_store_add_observable(st, 1, "domain", "C2.Example.COM", "beacon seen in proxy log",
                                   &id, &added, err))
    STEP("2026-03-01T11:10:00Z",
         ward_store_add_evidence(st, 1, evidence, "memory image of WS01", &id, err))
    STEP("2026-03-01T11:30:00Z",
         ward_store_set_status(st, 1, WARD_ST_CONTAIN, "WS01 isolated", err))
    STEP("2026-03-01T13:00:00Z", ward_store_task_state(st, 1, 1, "done", err))
    STEP("2026-03-01T13:05:00Z", ward_store_set_status(st, 1, WARD_ST_ERADICATE, NULL, err))
    STEP("2026-03-01T15:00:00Z", ward_store_set_status(st, 1, WARD_ST_RECOVER, NULL, err))
    STEP("2026-03-02T09:00:00Z", ward_store_set_status(st, 1, WARD_ST_LEARN, NULL, err))
    STEP("2026-03-02T10:00:00Z",
         ward_store_close_incident(st, 1, "WS01 reimaged, credentials reset",
                                   "phishing attachment ran an encoded PowerShell stager",
                                   "block macros from the internet; alert on LSASS access", err))
    /* INC-0002: a false positive closed from triage */
    STEP("2026-03-01T12:30:00Z", ward_store_set_status(st, 2, WARD_ST_TRIAGE, NULL, err))
    STEP("2026-03-01T12:40:00Z",
         ward_store_close_incident(st, 2, "false positive", "scanner test of the web server",
                                   "tag the scanner's address", err))
#undef STEP
    ward_store_close(st);
    return rc;
}

#endif
