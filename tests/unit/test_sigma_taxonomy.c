/* test_sigma_taxonomy.c - the logsource taxonomy: the built-in copy equals
 * config/taxonomy.yml, loading errors, rule logsources, event classification, field keys
 * and key patterns; and the sigma-specification / pySigma YAML fixtures of the corpus. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/sigma/sigma_int.h"
#include "test.h"
#include "ward/embed.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct ward_buf b;
    ward_buf_init(&b, 0);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (ward_buf_append(&b, chunk, n)) break;
    fclose(f);
    *len = b.len;
    return ward_buf_take(&b);
}

static void test_embedded(void)
{
    size_t len = 0;
    char *file = slurp("config/taxonomy.yml", &len);
    CHECK(file != NULL);
    if (!file) return;
    /* the built-in copy is config/taxonomy.yml, embedded at build time */
    int same = ward_taxonomy_files[0].path && len == ward_taxonomy_files[0].len &&
               memcmp(file, ward_taxonomy_files[0].data, len) == 0;
    CHECK(same);
    free(file);
    struct ward_taxonomy *t;
    struct ward_err err;
    CHECK_INT(ward_taxonomy_load("config/taxonomy.yml", &t, &err), 0);
    ward_taxonomy_free(t);
    CHECK_INT(ward_taxonomy_load("/nonexistent/taxonomy.yml", &t, &err), WARD_EIO);
}

static int load_text(const char *text, struct ward_err *err)
{
    char path[] = "/tmp/ward_tax_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -100;
    ssize_t w = write(fd, text, strlen(text));
    close(fd);
    if (w != (ssize_t)strlen(text)) return -100;
    struct ward_taxonomy *t = NULL;
    int rc = ward_taxonomy_load(path, &t, err);
    ward_taxonomy_free(t);
    unlink(path);
    return rc;
}

static void test_load_errors(void)
{
    struct ward_err err;
    CHECK_INT(load_text("products: [a, b]\n", &err), WARD_ESYNTAX);
    CHECK(strstr(err.msg, "'products' map missing"));
    CHECK_INT(load_text("products:\n  x:\n    bogus: 1\n", &err), WARD_ESYNTAX);
    CHECK(strstr(err.msg, "expected 'recognise'") && err.line == 3);
    CHECK_INT(load_text("products:\n  x:\n    services:\n      s: [a]\n", &err), WARD_ESYNTAX);
    CHECK(strstr(err.msg, "selector"));
    CHECK_INT(load_text("products: {x: {}\n", &err), WARD_ESYNTAX);
    CHECK_INT(load_text("products:\n  x:\n    services: {s: []}\n", &err), 0);
}

static void test_rule_ls(struct ward_taxonomy *t)
{
    struct ward_ls_ids ls;
    char why[256];
    struct ward_sigma_logsource a = {"windows", "process_creation", NULL, NULL};
    CHECK_INT(ward_taxonomy_rule_ls(t, &a, &ls, why, sizeof why), 1);
    CHECK(ls.product && ls.ncategories == 1 && !ls.service);
    CHECK_STR(ward_taxonomy_product_name(t, ls.product), "windows");
    CHECK_STR(ward_taxonomy_category_name(t, ls.categories[0]), "process_creation");
    struct ward_sigma_logsource b = {"windows", NULL, "security", NULL};
    CHECK_INT(ward_taxonomy_rule_ls(t, &b, &ls, why, sizeof why), 1);
    CHECK_STR(ward_taxonomy_service_name(t, ls.service), "security");
    struct ward_sigma_logsource c = {"nosuch", NULL, NULL, NULL};
    CHECK_INT(ward_taxonomy_rule_ls(t, &c, &ls, why, sizeof why), 0);
    CHECK(strstr(why, "product 'nosuch'"));
    struct ward_sigma_logsource d = {"windows", NULL, "audit", NULL}; /* audit is github's */
    CHECK_INT(ward_taxonomy_rule_ls(t, &d, &ls, why, sizeof why), 0);
    CHECK(strstr(why, "service 'audit' of product windows"));
    struct ward_sigma_logsource e = {NULL, "proxy", NULL, NULL};
    CHECK_INT(ward_taxonomy_rule_ls(t, &e, &ls, why, sizeof why), 1);
    CHECK(ls.product == 0);
    struct ward_sigma_logsource f = {"linux", "registry_set", NULL, NULL};
    CHECK_INT(ward_taxonomy_rule_ls(t, &f, &ls, why, sizeof why), 0);
    struct ward_sigma_logsource none = {NULL, NULL, NULL, NULL};
    CHECK_INT(ward_taxonomy_rule_ls(t, &none, &ls, why, sizeof why), 1);
}

static void add(struct ward_event *ev, const char *k, const char *v)
{
    CHECK_INT(ward_event_add(ev, k, strlen(k), v, strlen(v), WARD_V_STR, 0), 0);
}

static int has_cat(const struct ward_taxonomy *t, const struct ward_ls_ids *ls, const char *name)
{
    for (uint8_t i = 0; i < ls->ncategories; i++)
        if (strcmp(ward_taxonomy_category_name(t, ls->categories[i]), name) == 0) return 1;
    return 0;
}

static void test_classify(struct ward_taxonomy *t)
{
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    struct ward_ls_ids ls;
    /* Sysmon 13: registry_set and registry_event */
    add(&ev, "Event.System.Channel", "Microsoft-Windows-Sysmon/Operational");
    add(&ev, "Event.System.EventID", "13");
    ward_taxonomy_classify(t, &ev, &ls);
    CHECK_STR(ward_taxonomy_product_name(t, ls.product), "windows");
    CHECK_STR(ward_taxonomy_service_name(t, ls.service), "sysmon");
    CHECK(has_cat(t, &ls, "registry_set") && has_cat(t, &ls, "registry_event") &&
          !has_cat(t, &ls, "registry_add"));
    /* Sysmon 12 with EventType: registry_add or registry_delete */
    ward_event_reset(&ev);
    add(&ev, "Event.System.Channel", "Microsoft-Windows-Sysmon/Operational");
    add(&ev, "Event.System.EventID.#text", "12");
    add(&ev, "Event.EventData.EventType", "DeleteKey");
    ward_taxonomy_classify(t, &ev, &ls);
    CHECK(has_cat(t, &ls, "registry_delete") && !has_cat(t, &ls, "registry_add") &&
          has_cat(t, &ls, "registry_event"));
    /* PowerShell script block */
    ward_event_reset(&ev);
    add(&ev, "Event.System.Channel", "Microsoft-Windows-PowerShell/Operational");
    add(&ev, "Event.System.EventID", "4104");
    ward_taxonomy_classify(t, &ev, &ls);
    CHECK_STR(ward_taxonomy_service_name(t, ls.service), "powershell");
    CHECK(has_cat(t, &ls, "ps_script") && !has_cat(t, &ls, "ps_module"));
    /* channel case does not matter */
    ward_event_reset(&ev);
    add(&ev, "Event.System.Channel", "security");
    add(&ev, "Event.System.EventID", "4624");
    ward_taxonomy_classify(t, &ev, &ls);
    CHECK_STR(ward_taxonomy_service_name(t, ls.service), "security");
    CHECK_INT(ls.ncategories, 0);
    /* decoders name the logsource */
    ward_event_reset(&ev);
    add(&ev, "type", "EXECVE");
    ev.product = "linux";
    ev.service = "auditd";
    ward_taxonomy_classify(t, &ev, &ls);
    CHECK_STR(ward_taxonomy_product_name(t, ls.product), "linux");
    CHECK_STR(ward_taxonomy_service_name(t, ls.service), "auditd");
    /* a Cisco IOS message from the syslog decoder (which says linux) is cisco */
    ward_event_reset(&ev);
    add(&ev, "message", "10.0.0.1 12: Feb 17 13:40:03: %SYS-5-CONFIG_I: Configured from console");
    ev.product = "linux";
    ev.service = "syslog";
    ward_taxonomy_classify(t, &ev, &ls);
    CHECK_STR(ward_taxonomy_product_name(t, ls.product), "cisco");
    CHECK_STR(ward_taxonomy_service_name(t, ls.service), "aaa");
    /* nothing known */
    ward_event_reset(&ev);
    add(&ev, "foo", "bar");
    ev.product = ev.service = NULL;
    ward_taxonomy_classify(t, &ev, &ls);
    CHECK_INT(ls.product, 0);
    CHECK_INT(ls.service, 0);
    ward_event_free(&ev);
}

static void test_field_keys(struct ward_taxonomy *t)
{
    struct ward_sigma_logsource pc = {"windows", "process_creation", NULL, NULL};
    struct ward_ls_ids ls;
    char why[256];
    CHECK_INT(ward_taxonomy_rule_ls(t, &pc, &ls, why, sizeof why), 1);
    const char *keys[32];
    size_t n = ward_taxonomy_field_keys(t, &ls, "EventID", keys, 32);
    CHECK(n >= 2);
    CHECK_STR(keys[0], "Event.System.EventID");
    CHECK_STR(keys[1], "Event.System.EventID.#text");
    n = ward_taxonomy_field_keys(t, &ls, "Image", keys, 32);
    CHECK(n >= 2);
    CHECK_STR(keys[0], "Event.EventData.Image");
    int has_new = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], "Event.EventData.NewProcessName") == 0) has_new = 1;
    CHECK(has_new);
    /* cached: the same pointers the second time */
    const char *again[32];
    size_t n2 = ward_taxonomy_field_keys(t, &ls, "Image", again, 32);
    CHECK(n2 == n && again[0] == keys[0]);
    CHECK_INT(ward_taxonomy_field_keys(t, &ls, "Image", keys, 1), 1);
    n = ward_taxonomy_field_keys(t, &ls, "Provider_Name", keys, 32);
    CHECK(n >= 1);
    CHECK_STR(keys[0], "Event.System.Provider.#attributes.Name");
    struct ward_sigma_logsource aws = {"aws", NULL, "cloudtrail", NULL};
    CHECK_INT(ward_taxonomy_rule_ls(t, &aws, &ls, why, sizeof why), 1);
    n = ward_taxonomy_field_keys(t, &ls, "userIdentity.arn", keys, 32);
    CHECK(n == 1);
    CHECK_STR(keys[0], "userIdentity.arn");
    /* key patterns */
    const char *k1 = "Event.UserData.Op.User";
    CHECK(ward_taxonomy_key_match("Event.UserData.*.User", k1, strlen(k1)));
    CHECK(!ward_taxonomy_key_match("Event.UserData.*.User", "Event.UserData.User", 19));
    CHECK(!ward_taxonomy_key_match("Event.UserData.*.User", "Event.UserData.A.B.User", 23));
    const char *k2 = "Event.EventData.Threat Name";
    CHECK(ward_taxonomy_key_match("Event.EventData.~ThreatName", k2, strlen(k2)));
    CHECK(!ward_taxonomy_key_match("Event.EventData.~ThreatName", "Event.EventData.Threat",
                                   strlen("Event.EventData.Threat")));
    CHECK(ward_taxonomy_key_match("a.b", "a.b", 3));
    CHECK(!ward_taxonomy_key_match("a.b", "a.bc", 4));
}

/* The specification's schema tests and pySigma's fixtures: valid ones parse, invalid ones
 * are rejected with a reason. */
static void test_fixtures(void)
{
    const char *corpus = getenv("WARD_CORPUS");
    if (!corpus) corpus = "../shared/corpus";
    char base[1024];
    snprintf(base, sizeof base, "%s/sigma-spec-tests", corpus);
    if (access(base, R_OK) != 0) {
        printf("note: %s absent, fixture checks not run\n", base);
        return;
    }
    static const struct {
        const char *path;
        int rules, diags, kind;
    } fx[] = {
        {"sigma-specification/tests/schema/rules/rule_1.yml", 1, 0, WARD_RULE_DETECTION},
        {"sigma-specification/tests/schema/rules/rule_ecs.yml", 1, 0, WARD_RULE_DETECTION},
        {"sigma-specification/tests/schema/filter/filter_1.yml", 1, 0, WARD_RULE_FILTER},
        {"sigma-specification/tests/schema/filter/filter_ecs.yml", 1, 0, WARD_RULE_FILTER},
        {"sigma-specification/tests/schema/correlation/event_count.yml", 1, 0,
         WARD_RULE_CORRELATION},
        {"sigma-specification/tests/schema/correlation/value_count.yml", 1, 0,
         WARD_RULE_CORRELATION},
        {"sigma-specification/tests/schema/correlation/temporal.yml", 1, 0, WARD_RULE_CORRELATION},
        {"sigma-specification/tests/schema/correlation/temporal_ordered.yml", 1, 0,
         WARD_RULE_CORRELATION},
        {"sigma-specification/tests/schema/correlation/value_sum.yml", 1, 0, WARD_RULE_CORRELATION},
        {"sigma-specification/tests/schema/correlation/value_avg.yml", 1, 0, WARD_RULE_CORRELATION},
        {"sigma-specification/tests/schema/correlation/value_percentile.yml", 1, 0,
         WARD_RULE_CORRELATION},
        {"pySigma/tests/files/rule_valid/win_codeintegrity_unsigned_driver_loaded.yml", 1, 0,
         WARD_RULE_DETECTION},
        /* condition names 'selection', the detection is 'selection_1': invalid */
        {"pySigma/tests/files/ruleset/test_rule.yml", 0, 1, -1},
        {"pySigma/tests/files/ruleset/subdirectory/test_rule_2.yml", 1, 0, WARD_RULE_DETECTION},
        {"pySigma/tests/files/filter_valid/filter_out_domain_controllers.yml", 1, 0,
         WARD_RULE_FILTER},
        {"pySigma/tests/files/ruleset_with_errors/test_rule_with_error.yml", 0, 1, -1},
    };
    for (size_t i = 0; i < sizeof fx / sizeof fx[0]; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", base, fx[i].path);
        if (access(path, R_OK) != 0) {
            printf("FAIL fixture missing: %s\n", path);
            CHECK(0);
            continue;
        }
        struct ward_sigma_rules *s;
        struct ward_err err;
        char *one[1] = {path};
        CHECK_INT(ward_sigma_rules_load(one, 1, NULL, &s, &err), 0);
        int ok = (int)s->nrules == fx[i].rules && (int)s->ndiags == fx[i].diags &&
                 (fx[i].kind < 0 || (s->nrules && s->rules[0]->kind == fx[i].kind));
        CHECK(ok);
        if (!ok || s->ndiags)
            printf("%s %s: %zu rules, %zu rejected%s%s\n", ok ? "ok" : "FAIL", fx[i].path,
                   s->nrules, s->ndiags, s->ndiags ? ": " : "",
                   s->ndiags ? s->diags[0].reason : "");
        ward_sigma_rules_free(s);
    }
    /* multi-document rule sets */
    char path[1200];
    snprintf(path, sizeof path, "%s/pySigma/tests/files/ruleset_nonduplicate/multiple_rules.yml",
             base);
    struct ward_sigma_rules *s;
    struct ward_err err;
    char *one[1] = {path};
    CHECK_INT(ward_sigma_rules_load(one, 1, NULL, &s, &err), 0);
    CHECK(s->nrules >= 2 && s->ndiags == 0);
    ward_sigma_rules_free(s);
    snprintf(path, sizeof path,
             "%s/pySigma/tests/files/correlation_rule_valid/correlation_rule.yml", base);
    CHECK_INT(ward_sigma_rules_load(one, 1, NULL, &s, &err), 0);
    size_t ncorr = 0;
    for (size_t i = 0; i < s->nrules; i++) ncorr += s->rules[i]->kind == WARD_RULE_CORRELATION;
    CHECK(ncorr >= 1 && s->ndiags == 0);
    ward_sigma_rules_free(s);
    /* directories: only *.yml / *.yaml files */
    snprintf(path, sizeof path, "%s/pySigma/tests/files/ruleset", base);
    CHECK_INT(ward_sigma_rules_load(one, 1, NULL, &s, &err), 0);
    CHECK(s->nrules + s->ndiags == 2 && s->files == 2);
    ward_sigma_rules_free(s);
    /* placeholders in pySigma's YAML format */
    snprintf(path, sizeof path, "%s/pySigma/tests/files/placeholder_values.yaml", base);
    struct sigma_placeholders ph;
    CHECK_INT(sigma_placeholders_load(path, &ph, &err), 0);
    CHECK(ph.n == 1 && ph.nvalues[0] == 3 && strcmp(ph.values[0][2], "yaml_val3") == 0);
    sigma_placeholders_free(&ph);
}

int main(void)
{
    test_embedded();
    test_load_errors();
    struct ward_taxonomy *t;
    struct ward_err err;
    CHECK_INT(ward_taxonomy_default(&t, &err), 0);
    test_rule_ls(t);
    test_classify(t);
    test_field_keys(t);
    ward_taxonomy_free(t);
    test_fixtures();
    return test_done("test_sigma_taxonomy");
}
