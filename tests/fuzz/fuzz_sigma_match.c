/*
 * fuzz_sigma_match.c - differential fuzzing of the Sigma fast path: the input is a Sigma
 * rule (YAML) and, after a line "---EVENT---", JSON events. The rules are parsed and
 * compiled, every event is matched by the compiled matcher and by the reference evaluator,
 * and any disagreement aborts (a finding). Crashes, leaks and sanitizer reports in the
 * compiler or matcher are findings too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward/json_reader.h"
#include "ward/sigma.h"

static struct ward_taxonomy *tax;
static uint8_t hits[256];

static void on_hit(void *ctx, size_t ri)
{
    (void)ctx;
    if (ri < sizeof hits) hits[ri] = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ward_err err;
    if (!tax && ward_taxonomy_default(&tax, &err)) return 0;
    const char *text = (const char *)data;
    const char *sep = memmem(text, size, "\n---EVENT---\n", 13);
    size_t rlen = sep ? (size_t)(sep - text) : size;
    const char *evs = sep ? sep + 13 : "";
    size_t elen = sep ? size - rlen - 13 : 0;

    struct ward_sigma_rules *set = NULL;
    if (ward_sigma_rules_new(&set)) return 0;
    ward_err_clear(&err);
    struct ward_ruleset *rs = NULL;
    if (ward_sigma_rules_parse_text(set, "fuzz.yml", text, rlen, NULL, &err) == 0 &&
        ward_ruleset_compile(set, tax, &rs, &err) == 0 && ward_ruleset_count(rs) > 0 &&
        ward_ruleset_count(rs) <= sizeof hits) {
        struct ward_matcher *m = NULL;
        struct ward_event ev;
        struct ward_stream *s = NULL;
        struct ward_json_reader *jr = NULL;
        if (ward_event_init(&ev, ward_ruleset_fields(rs)) == 0) {
            if (ward_matcher_new(rs, &m) == 0 &&
                ward_stream_open_mem(&s, evs, elen, "fuzz.json", &err) == 0 &&
                ward_json_reader_open(&jr, s, NULL, &err) == 0) {
                for (int n = 0; n < 64; n++) {
                    ward_event_reset(&ev);
                    int rc = ward_json_reader_next(jr, &ev, &err);
                    if (rc == 0) break;
                    if (rc < 0) continue;
                    memset(hits, 0, sizeof hits);
                    if (ward_matcher_run(m, &ev, on_hit, NULL) < 0) continue;
                    for (size_t ri = 0; ri < ward_ruleset_count(rs); ri++) {
                        int ref = ward_sigma_ref_eval(tax, ward_ruleset_rule(rs, ri), &ev);
                        if (ref >= 0 && (ref != 0) != (hits[ri] != 0)) {
                            fprintf(stderr,
                                    "fuzz_sigma_match: rule %zu: compiled %d, reference %d\n", ri,
                                    hits[ri], ref);
                            fprintf(stderr, "rule:\n%.*s\nevent:\n", (int)rlen, text);
                            for (uint32_t i = 0; i < ev.nfields; i++) {
                                struct ward_str v;
                                if (ward_event_value(&ev, &ev.fields[i], &v) == 0)
                                    fprintf(stderr, "  %s = %.*s (type %u)\n",
                                            ward_field_key(&ev, &ev.fields[i]), (int)v.len, v.ptr,
                                            ev.fields[i].type);
                            }
                            abort();
                        }
                    }
                }
            }
            ward_json_reader_free(jr);
            ward_stream_close(s);
            ward_matcher_free(m);
            ward_event_free(&ev);
        }
    }
    ward_ruleset_free(rs);
    ward_sigma_rules_free(set);
    return 0;
}
