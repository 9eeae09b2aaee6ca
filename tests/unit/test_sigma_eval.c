/* test_sigma_eval.c - the reference evaluator on events built here: every pattern kind,
 * case folding, arrays, keywords, null/exists, neq, all, conditions, and logsource routing
 * with the built-in taxonomy (Sysmon and Security 4688 process creation, UserData, spaced
 * EventData names, flat JSON). */
#include <stdio.h>
#include <string.h>

#include "detect/sigma/sigma_int.h"
#include "test.h"

static struct ward_taxonomy *tax;

struct kv {
    const char *k, *v;
    int type;
};

/* An event from key/value pairs (values borrowed: string literals). */
static void build(struct ward_event *ev, const struct kv *kv)
{
    ward_event_reset(ev);
    for (size_t i = 0; kv[i].k; i++) {
        int rc = ward_event_add(ev, kv[i].k, strlen(kv[i].k), kv[i].v, strlen(kv[i].v),
                                (enum ward_vtype)kv[i].type, 0);
        CHECK_INT(rc, 0);
    }
}

#define SYSMON1                                                                                    \
    {"Event.System.Channel", "Microsoft-Windows-Sysmon/Operational", WARD_V_STR},                  \
    {                                                                                              \
        "Event.System.EventID", "1", WARD_V_NUM                                                    \
    }

static const struct kv proc_event[] = {
    SYSMON1,
    {"Event.System.Computer", "WS1", WARD_V_STR},
    {"Event.System.Provider.#attributes.Name", "Microsoft-Windows-Sysmon", WARD_V_STR},
    {"Event.EventData.Image", "C:\\Windows\\System32\\cmd.exe", WARD_V_STR},
    {"Event.EventData.CommandLine", "cmd.exe /c whoami -all", WARD_V_STR},
    {"Event.EventData.ParentImage", "C:\\Windows\\explorer.exe", WARD_V_STR},
    {"Event.EventData.ProcessId", "4242", WARD_V_NUM},
    {"Event.EventData.Empty", "", WARD_V_STR},
    {"Event.EventData.Nothing", "", WARD_V_NULL},
    {"Event.EventData.Elevated", "true", WARD_V_BOOL},
    {"Event.EventData.SourceIp", "10.1.2.3", WARD_V_STR},
    {"Event.EventData.DestinationIp", "fe80::1", WARD_V_STR},
    {"Event.EventData.UtcTime", "2024-03-05 14:07:09.123", WARD_V_STR},
    {"Event.EventData.User", "CORP\\alice", WARD_V_STR},
    {"Event.EventData.TargetUser", "alice", WARD_V_STR},
    {"Event.EventData.Tags.0", "alpha", WARD_V_STR},
    {"Event.EventData.Tags.1", "beta", WARD_V_STR},
    {"Event.EventData.Threat Name", "EICAR_Test_File", WARD_V_STR},
    {"Event.EventData.Blob", "line1\nLINE2", WARD_V_STR},
    {NULL, NULL, 0},
};

/* Evaluates a one-selection process_creation rule (detection body given) on ev. */
static int eval_body(struct ward_event *ev, const char *logsource, const char *detection)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "title: t\nlogsource: %s\ndetection:\n%s", logsource, detection);
    struct ward_sigma_rules *s;
    if (ward_sigma_rules_new(&s)) return -100;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_sigma_rules_parse_text(s, "t.yml", buf, strlen(buf), NULL, &err) || s->nrules != 1) {
        fprintf(stderr, "  rule did not parse: %s\n", s->ndiags ? s->diags[0].reason : err.msg);
        ward_sigma_rules_free(s);
        return -100;
    }
    int r = ward_sigma_ref_eval(tax, s->rules[0], ev);
    ward_sigma_rules_free(s);
    return r;
}

static const char *PC = "{product: windows, category: process_creation}";

static int ev1(struct ward_event *ev, const char *sel)
{
    char det[2048];
    snprintf(det, sizeof det, "  sel:\n%s\n  condition: sel\n", sel);
    return eval_body(ev, PC, det);
}

#define T(sel, want)                                                                               \
    do {                                                                                           \
        int got_ = ev1(ev, sel);                                                                   \
        if (got_ != (want)) fprintf(stderr, "  selection [%s]\n", sel);                            \
        CHECK_INT(got_, want);                                                                     \
    } while (0)

static void test_globs(struct ward_event *ev)
{
    build(ev, proc_event);
    T("    Image: 'C:\\Windows\\System32\\cmd.exe'", 1);
    T("    Image: 'c:\\windows\\system32\\CMD.EXE'", 1); /* case-insensitive */
    T("    Image|cased: 'c:\\windows\\system32\\CMD.EXE'", 0);
    T("    Image|cased: 'C:\\Windows\\System32\\cmd.exe'", 1);
    T("    Image: 'cmd.exe'", 0); /* whole value */
    T("    Image|endswith: '\\cmd.exe'", 1);
    T("    Image|startswith: 'C:\\Windows\\'", 1);
    T("    Image|contains: 'system32'", 1);
    T("    Image|contains: 'system64'", 0);
    T("    Image: 'C:\\*\\cmd.exe'", 0);   /* \\* is a literal star */
    T("    Image: 'C:\\\\*\\cmd.exe'", 1); /* \\\\* is a backslash, then a wildcard */
    T("    Image: 'C:\\Windows\\System3?\\cmd.exe'", 1);
    T("    Image: 'C:\\Windows\\System3?\\cmd.ex'", 0);
    T("    Image: '*'", 1);
    T("    Missing: '*'", 0); /* an absent field matches nothing */
    T("    Empty: ''", 1);
    T("    Empty: '*'", 1);
    T("    Image: ''", 0);
    T("    ProcessId: 4242", 1);
    T("    ProcessId: 424", 0);
    T("    Elevated: true", 1);
    T("    CommandLine: 'cmd.exe /c whoami \\-all'", 0); /* \- is a literal backslash + dash */
    T("    CommandLine|contains|windash: ' /all'", 1);
    T("    CommandLine|contains|windash: ' -c '", 1);
    T("    CommandLine|contains|all:\n      - whoami\n      - '/c'", 1);
    T("    CommandLine|contains|all:\n      - whoami\n      - '/x'", 0);
    T("    CommandLine|contains:\n      - nothing\n      - whoami", 1);
    T("    CommandLine|contains|neq: whoami", 0);
    T("    CommandLine|contains|neq: nothing", 1);
    T("    Missing|neq: x", 1);
    T("    Tags: beta", 1); /* arrays: any element */
    T("    Tags: gamma", 0);
    T("    ThreatName|endswith: EICAR_Test_File", 1); /* "Threat Name" */
    T("    Provider_Name: Microsoft-Windows-Sysmon", 1);
    T("    Computer: ws1", 1);
}

static void test_types(struct ward_event *ev)
{
    build(ev, proc_event);
    T("    CommandLine|re: 'who[a-z]+'", 1);
    T("    CommandLine|re: '^who'", 0);   /* unanchored search, but ^ anchors */
    T("    CommandLine|re: 'WHOAMI'", 0); /* re is case-sensitive */
    T("    CommandLine|re|i: 'WHOAMI'", 1);
    T("    Blob|re: '^LINE2$'", 0);
    T("    Blob|re|m: '^LINE2$'", 1);
    T("    Blob|re: 'line1.LINE2'", 0);
    T("    Blob|re|s: 'line1.LINE2'", 1);
    T("    SourceIp|cidr: 10.0.0.0/8", 1);
    T("    SourceIp|cidr: 10.1.2.0/24", 1);
    T("    SourceIp|cidr: 10.1.3.0/24", 0);
    T("    SourceIp|cidr: '::/0'", 0); /* family must agree */
    T("    DestinationIp|cidr: 'fe80::/10'", 1);
    T("    DestinationIp|cidr: 'fe00::/10'", 0);
    T("    CommandLine|cidr: 10.0.0.0/8", 0);
    T("    ProcessId|gt: 4000", 1);
    T("    ProcessId|gt: 4242", 0);
    T("    ProcessId|gte: 4242", 1);
    T("    ProcessId|lt: 4242.5", 1);
    T("    ProcessId|lte: 4241", 0);
    T("    Image|lt: 5", 0);    /* not a number */
    T("    Elevated|gt: 0", 0); /* booleans are not numbers */
    T("    UtcTime|year: 2024", 1);
    T("    UtcTime|month: 3", 1);
    T("    UtcTime|day: 5", 1);
    T("    UtcTime|hour: 14", 1);
    T("    UtcTime|minute: 7", 1);
    T("    UtcTime|minute: 8", 0);
    T("    UtcTime|week: 10", 1); /* 2024-03-05 is in ISO week 10 */
    T("    Image|hour: 1", 0);
    T("    Image|exists: true", 1);
    T("    Image|exists: false", 0);
    T("    Missing|exists: false", 1);
    T("    Nothing|exists: true", 1); /* present though null */
    T("    Missing: null", 1);
    T("    Nothing: null", 1);
    T("    Empty: null", 1);
    T("    Image: null", 0);
    T("    TargetUser|fieldref: TargetUser", 1);
    T("    User|fieldref: TargetUser", 0);
    T("    User|fieldref|endswith: TargetUser", 1);
    T("    User|fieldref|contains: TargetUser", 1);
    T("    TargetUser|fieldref|startswith: User", 0);
    T("    User|fieldref|neq: TargetUser", 1);
    T("    User|fieldref: Missing", 0);
    T("    CommandLine|base64offset|contains: whoami", 0);
}

static void test_keywords_and_conditions(struct ward_event *ev)
{
    build(ev, proc_event);
    CHECK_INT(eval_body(ev, PC, "  kw:\n    - whoami\n    - nothing\n  condition: kw\n"), 1);
    CHECK_INT(eval_body(ev, PC, "  kw:\n    - nothing\n  condition: kw\n"), 0);
    CHECK_INT(eval_body(ev, PC,
                        "  kw:\n    '|all':\n      - whoami\n      - explorer\n"
                        "  condition: kw\n"),
              1);
    CHECK_INT(eval_body(ev, PC,
                        "  kw:\n    '|all':\n      - whoami\n      - nothing\n"
                        "  condition: kw\n"),
              0);
    CHECK_INT(eval_body(ev, PC, "  kw:\n    - 'C:\\Windows\\System32\\cmd.exe'\n  condition: kw\n"),
              1);
    /* keywords do not look at booleans or nulls */
    CHECK_INT(eval_body(ev, PC, "  kw:\n    - 'true'\n  condition: kw\n"), 0);
    CHECK_INT(eval_body(ev, PC, "  kw:\n    - 'EICAR'\n  condition: kw\n"), 1);
    const char *dets = "  yes1: {Image|endswith: cmd.exe}\n  yes2: {ProcessId: 4242}\n"
                       "  no1: {Image: x}\n  no2: {ProcessId: 1}\n  _skip: {Image: x}\n";
    static const struct {
        const char *cond;
        int want;
    } conds[] = {
        {"yes1 and yes2", 1},
        {"yes1 and no1", 0},
        {"no1 or yes2", 1},
        {"not no1", 1},
        {"not yes1", 0},
        {"no1 or yes1 and yes2", 1},
        {"(no1 or yes1) and no2", 0},
        {"no1 or no2 and yes1", 0},
        {"1 of yes*", 1},
        {"all of yes*", 1},
        {"all of no*", 0},
        {"1 of no*", 0},
        {"1 of them", 1},
        {"all of them", 0},
        {"yes1 and not 1 of no*", 1},
        {"2 of yes*", 1},
        {"2 of *", 1},
        {"all of y* and not _skip", 1},
    };
    for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++) {
        char det[1024];
        snprintf(det, sizeof det, "%s  condition: %s\n", dets, conds[i].cond);
        int got = eval_body(ev, PC, det);
        if (got != conds[i].want) fprintf(stderr, "  condition [%s]\n", conds[i].cond);
        CHECK_INT(got, conds[i].want);
    }
    /* a list of conditions is OR */
    char det[1024];
    snprintf(det, sizeof det, "%s  condition:\n    - no1\n    - yes2\n", dets);
    CHECK_INT(eval_body(ev, PC, det), 1);
    /* a list of maps is OR, a map is AND */
    CHECK_INT(eval_body(ev, PC,
                        "  s:\n    - {Image: x, ProcessId: 4242}\n    - {ProcessId: 4242}\n"
                        "  condition: s\n"),
              1);
    CHECK_INT(eval_body(ev, PC, "  s:\n    - {Image: x, ProcessId: 4242}\n  condition: s\n"), 0);
}

static void test_routing(struct ward_event *ev)
{
    const char *det = "  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel\n";
    build(ev, proc_event);
    CHECK_INT(eval_body(ev, PC, det), 1);
    CHECK_INT(eval_body(ev, "{product: windows}", det), 1);
    CHECK_INT(eval_body(ev, "{product: windows, service: sysmon}", det), 1);
    CHECK_INT(eval_body(ev, "{product: windows, service: security}", det), 0);
    CHECK_INT(eval_body(ev, "{product: windows, category: file_event}", det), 0);
    CHECK_INT(eval_body(ev, "{product: linux, category: process_creation}", det), 0);
    CHECK_INT(eval_body(ev, "{product: nosuchproduct}", det), 0); /* unknown: nothing */
    /* Security 4688 is process creation too, with its own field names */
    static const struct kv sec[] = {
        {"Event.System.Channel", "Security", WARD_V_STR},
        {"Event.System.EventID.#text", "4688", WARD_V_NUM},
        {"Event.EventData.NewProcessName", "C:\\Windows\\System32\\cmd.exe", WARD_V_STR},
        {"Event.EventData.ParentProcessName", "C:\\Windows\\explorer.exe", WARD_V_STR},
        {NULL, NULL, 0},
    };
    build(ev, sec);
    CHECK_INT(eval_body(ev, PC, det), 1);
    CHECK_INT(eval_body(ev, PC,
                        "  sel:\n    ParentImage|endswith: '\\explorer.exe'\n"
                        "  condition: sel\n"),
              1);
    CHECK_INT(eval_body(ev, "{product: windows, service: security}",
                        "  sel:\n    EventID: 4688\n  condition: sel\n"),
              1);
    CHECK_INT(eval_body(ev, "{product: windows, service: sysmon}",
                        "  sel:\n    EventID: 4688\n  condition: sel\n"),
              0);
    /* UserData: any one element between UserData and the field */
    static const struct kv wmi[] = {
        {"Event.System.Channel", "Microsoft-Windows-WMI-Activity/Operational", WARD_V_STR},
        {"Event.System.EventID", "5858", WARD_V_NUM},
        {"Event.UserData.Operation_ClientFailure.Operation", "ExecMethod cleareventlog",
         WARD_V_STR},
        {NULL, NULL, 0},
    };
    build(ev, wmi);
    CHECK_INT(eval_body(ev, "{product: windows, service: wmi}",
                        "  sel:\n    EventID: 5858\n    Operation|contains: cleareventlog\n"
                        "  condition: sel\n"),
              1);
    /* flat JSON Windows events (OTRF style): same rules */
    static const struct kv flat[] = {
        {"Channel", "Microsoft-Windows-Sysmon/Operational", WARD_V_STR},
        {"EventID", "1", WARD_V_NUM},
        {"Image", "C:\\Windows\\System32\\cmd.exe", WARD_V_STR},
        {NULL, NULL, 0},
    };
    build(ev, flat);
    CHECK_INT(eval_body(ev, PC, det), 1);
    /* Winlogbeat JSON */
    static const struct kv wlb[] = {
        {"winlog.channel", "Microsoft-Windows-Sysmon/Operational", WARD_V_STR},
        {"winlog.event_id", "1", WARD_V_NUM},
        {"winlog.provider_name", "Microsoft-Windows-Sysmon", WARD_V_STR},
        {"winlog.event_data.Image", "C:\\Windows\\System32\\cmd.exe", WARD_V_STR},
        {NULL, NULL, 0},
    };
    build(ev, wlb);
    CHECK_INT(eval_body(ev, PC, det), 1);
    CHECK_INT(eval_body(ev, "{product: windows, service: sysmon}",
                        "  sel:\n    Provider_Name: Microsoft-Windows-Sysmon\n    EventID: 1\n"
                        "  condition: sel\n"),
              1);
    /* decoders name the logsource of non-Windows events */
    static const struct kv proxy[] = {
        {"c-uri", "http://evil.example/x.php", WARD_V_STR},
        {NULL, NULL, 0},
    };
    build(ev, proxy);
    ev->category = "proxy";
    CHECK_INT(eval_body(ev, "{category: proxy}",
                        "  sel:\n    c-uri|endswith: '.php'\n"
                        "  condition: sel\n"),
              1);
    CHECK_INT(eval_body(ev, "{category: webserver}",
                        "  sel:\n    c-uri|endswith: '.php'\n"
                        "  condition: sel\n"),
              0);
    ev->category = NULL;
    static const struct kv ct[] = {
        {"eventSource", "iam.amazonaws.com", WARD_V_STR},
        {"eventName", "CreateUser", WARD_V_STR},
        {"awsRegion", "us-east-1", WARD_V_STR},
        {NULL, NULL, 0},
    };
    build(ev, ct);
    CHECK_INT(eval_body(ev, "{product: aws, service: cloudtrail}",
                        "  sel:\n    eventName: CreateUser\n  condition: sel\n"),
              1);
}

static void test_explain(struct ward_event *ev)
{
    build(ev, proc_event);
    const char *text = "title: t\nlogsource: {product: windows, category: process_creation}\n"
                       "detection:\n  sel:\n    Image|endswith:\n      - '\\cmd.exe'\n"
                       "      - '\\pwsh.exe'\n  filter:\n    User: 'x'\n"
                       "  condition: sel and not filter\n";
    struct ward_sigma_rules *s;
    CHECK_INT(ward_sigma_rules_new(&s), 0);
    struct ward_err err;
    CHECK_INT(ward_sigma_rules_parse_text(s, "t.yml", text, strlen(text), NULL, &err), 0);
    CHECK_INT(s->nrules, 1);
    if (s->nrules != 1) {
        ward_sigma_rules_free(s);
        return;
    }
    struct ward_buf b;
    ward_buf_init(&b, 0);
    CHECK_INT(ward_sigma_ref_explain(tax, s->rules[0], ev, &b), 1);
    CHECK(b.data && strstr(b.data, "+ \"*\\\\cmd.exe\""));
    CHECK(b.data && strstr(b.data, "- \"*\\\\pwsh.exe\""));
    CHECK(b.data && strstr(b.data, "filter => false"));
    CHECK(b.data && strstr(b.data, "result: MATCH"));
    CHECK(b.data && strstr(b.data, "[Event.EventData.Image]"));
    ward_buf_reset(&b);
    ev->product = "linux";
    CHECK_INT(ward_sigma_ref_explain(tax, s->rules[0], ev, &b), 0);
    CHECK(b.data && strstr(b.data, "logsource: no match"));
    ev->product = NULL;
    ward_buf_free(&b);
    ward_sigma_rules_free(s);
}

int main(void)
{
    struct ward_err err;
    if (ward_taxonomy_default(&tax, &err)) {
        fprintf(stderr, "taxonomy: %s\n", err.msg);
        return 1;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) return 1;
    test_globs(&ev);
    test_types(&ev);
    test_keywords_and_conditions(&ev);
    test_routing(&ev);
    test_explain(&ev);
    ward_event_free(&ev);
    ward_taxonomy_free(tax);
    return test_done("test_sigma_eval");
}
