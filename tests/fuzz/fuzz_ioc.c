/*
 * fuzz_ioc.c - libFuzzer target for the indicator loaders and the matcher. The first byte
 * picks the format (STIX/MISP JSON, CSV, plain list, or detection); the rest is loaded as an
 * intel file, the set compiled, every problem and value read, and the input matched against
 * the set as an event value, by the matcher and by the reference matcher (no filters in
 * front of the lookups), which must count the same hits. The STIX pattern parser is also
 * run on the raw input.
 * Seeds: tests/fuzz/seeds/fuzz_ioc/ (small files written for ward).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/ioc/ioc_int.h"
#include "detect/ioc/ioc_pattern.h"
#include "ward/ioc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_hit(void *ctx, const struct ward_ioc_hit *h)
{
    (*(size_t *)ctx) += h->value.len + h->ioc->vlen;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    static const char *const fmts[] = {NULL, "json", "csv", "list"};
    const char *text = (const char *)data + 1;
    size_t n = size - 1;
    struct ioc_pattern pat;
    ioc_pattern_parse(text, n, &pat);
    ioc_pattern_free(&pat);
    struct ward_ioc_set *set;
    if (ward_ioc_set_new(&set)) abort();
    struct ward_ioc_load_opts o;
    ward_ioc_load_opts_default(&o);
    o.format = fmts[data[0] & 3];
    struct ward_err err;
    ward_err_clear(&err);
    (void)ward_ioc_load_mem(set, "fuzz", text, n, &o, &err);
    if (ward_ioc_set_compile(set)) abort();
    size_t sum = 0;
    for (size_t i = 0; i < ward_ioc_set_problem_count(set); i++)
        sum += strlen(ward_ioc_set_problem(set, i)->reason);
    for (size_t i = 0; i < ward_ioc_set_count(set); i++) sum += ward_ioc_set_get(set, i)->vlen;
    int hits = ward_ioc_match_value(set, "k", text, n, WARD_TIME_NONE, on_hit, &sum);
    int plain = ioc_match_value_plain(set, "k", text, n, WARD_TIME_NONE, NULL, NULL);
    if (hits != plain) abort(); /* a filter of the matcher dropped what the reference found */
    ward_ioc_set_free(set);
    return sum == (size_t)-1;
}
