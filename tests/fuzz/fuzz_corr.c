/*
 * fuzz_corr.c - libFuzzer target for the correlation rules and the engine: the input is
 * parsed as rule YAML (by ward's Sigma parser, then the correlation checks of
 * ward_corr_rules_add_sigma); when correlations come out, they are bound to three base rules
 * named rule_a, rule_b, rule_c and fed a few events built from the input's bytes, then
 * flushed; the filters that come out are evaluated on the same events. Seeds:
 * tests/fuzz/seeds/fuzz_corr/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ward/correlate.h"
#include "ward/sigma.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_alert(void *ctx, const struct ward_corr_alert *a)
{
    (*(size_t *)ctx) += a->nrefs + strlen(a->group);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ward_corr_rules *set;
    if (ward_corr_rules_new(&set)) abort();
    struct ward_err err;
    ward_err_clear(&err);
    (void)ward_corr_rules_parse_text(set, "fuzz.yml", (const char *)data, size, &err);
    static const struct ward_corr_base bases[] = {
        {"a", "rule_a", "A"}, {"b", "rule_b", "B"}, {"c", "rule_c", "C"}};
    struct ward_corr_opts o;
    ward_corr_opts_default(&o);
    o.max_groups = 16;
    o.max_events = 8;
    struct ward_corr *c = NULL;
    size_t sum = 0;
    static struct ward_taxonomy *tax;
    if (!tax && ward_taxonomy_default(&tax, &err)) abort();
    if (set->nfilters) {
        struct ward_event fev;
        if (ward_event_init(&fev, NULL)) abort();
        static const char *const fkeys[] = {"host", "user", "ComputerName", "src_ip"};
        for (size_t i = 0; i + 1 < size && i < 64; i += 2) {
            ward_event_reset(&fev);
            fev.product = (data[i] & 1) ? "windows" : "linux";
            fev.service = (data[i] & 2) ? "sshd" : NULL;
            char v[3] = {(char)('a' + (data[i + 1] & 7)), (char)data[i], 0};
            for (size_t k = 0; k < 4; k++)
                if (ward_event_add_copy(&fev, fkeys[k], strlen(fkeys[k]), v, 2, WARD_V_STR))
                    abort();
            sum += (size_t)ward_corr_filter_keep(set, tax, bases[data[i + 1] % 3].id,
                                                 bases[data[i + 1] % 3].name, &fev);
        }
        ward_event_free(&fev);
    }
    if (set->nrules && ward_corr_new(set, bases, 3, &o, on_alert, &sum, &c, &err) == 0) {
        struct ward_event ev;
        if (ward_event_init(&ev, NULL)) abort();
        static const char *const keys[] = {"host", "user", "ip", "bytes", "image"};
        for (size_t i = 0; i + 2 < size && i < 300; i += 3) {
            ward_event_reset(&ev);
            ev.ts = (int64_t)(data[i] * 7 + (int)i) * 1000000000LL;
            char v[2] = {(char)('a' + (data[i + 1] & 7)), 0};
            for (size_t k = 0; k < 5; k++)
                if (ward_event_add_copy(&ev, keys[k], strlen(keys[k]), v, 1, WARD_V_STR)) abort();
            if (ward_corr_feed(c, data[i + 2] % 3, &ev)) break;
        }
        (void)ward_corr_flush(c, INT64_MAX);
        ward_event_free(&ev);
        ward_corr_free(c);
    }
    ward_corr_rules_free(set);
    return sum == (size_t)-1;
}
