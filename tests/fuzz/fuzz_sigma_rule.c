/* fuzz_sigma_rule.c - libFuzzer target for the Sigma rule parser (YAML documents, fields,
 * modifiers, values, conditions) and the reference evaluator on a fixed event. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ward_taxonomy *tax;
static struct ward_event ev;

static void add(const char *k, const char *v, enum ward_vtype t)
{
    if (ward_event_add(&ev, k, strlen(k), v, strlen(v), t, 0)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ward_err err;
    if (!tax) {
        if (ward_taxonomy_default(&tax, &err) || ward_event_init(&ev, NULL)) abort();
        add("Event.System.Channel", "Microsoft-Windows-Sysmon/Operational", WARD_V_STR);
        add("Event.System.EventID", "1", WARD_V_NUM);
        add("Event.EventData.Image", "C:\\Windows\\System32\\cmd.exe", WARD_V_STR);
        add("Event.EventData.CommandLine", "cmd.exe /c whoami -all", WARD_V_STR);
        add("Event.EventData.SourceIp", "10.1.2.3", WARD_V_STR);
        add("Event.EventData.UtcTime", "2024-03-05 14:07:09.123", WARD_V_STR);
        add("Event.EventData.Tags.0", "alpha", WARD_V_STR);
        add("Event.UserData.X.User", "bob", WARD_V_STR);
        add("Event.EventData.Threat Name", "EICAR", WARD_V_STR);
        add("Event.EventData.Nothing", "", WARD_V_NULL);
    }
    struct ward_sigma_rules *set;
    if (ward_sigma_rules_new(&set)) return 0;
    if (ward_sigma_rules_parse_text(set, "fuzz.yml", (const char *)data, size, NULL, &err) == 0) {
        for (size_t i = 0; i < set->nrules; i++) {
            int r = ward_sigma_ref_eval(tax, set->rules[i], &ev);
            if (r < -1 || r > 1) abort();
        }
        for (size_t i = 0; i < set->ndiags; i++)
            if (!set->diags[i].reason || !set->diags[i].path) abort();
    }
    ward_sigma_rules_free(set);
    return 0;
}
