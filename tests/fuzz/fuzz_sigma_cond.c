/* fuzz_sigma_cond.c - libFuzzer target for the Sigma condition parser: the input is the
 * condition text, over a fixed set of search identifiers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma/sigma_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count(const struct ward_sigma_cond *c, size_t ndets, int depth)
{
    if (!c || depth > 100000) abort();
    switch (c->kind) {
    case WARD_SC_REF:
        if (c->ref >= ndets) abort();
        return 1;
    case WARD_SC_NOT: return 1 + count(c->a, ndets, depth + 1);
    case WARD_SC_AND:
    case WARD_SC_OR: return 1 + count(c->a, ndets, depth + 1) + count(c->b, ndets, depth + 1);
    default: abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ward_sigma_detection dets[] = {
        {.name = "selection"}, {.name = "selection_a"}, {.name = "selection_b"},
        {.name = "filter"},    {.name = "filter_x"},    {.name = "_hidden"},
        {.name = "keywords"},  {.name = "s1"},          {.name = "s2"},
    };
    size_t ndets = sizeof dets / sizeof dets[0];
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    struct ward_arena a;
    ward_arena_init(&a, 4096, 64u << 20);
    struct ward_sigma_cond *tree = NULL;
    char why[256];
    int rc = sigma_cond_parse(&a, text, dets, ndets, &tree, why, sizeof why);
    if (rc == 0)
        (void)count(tree, ndets, 0);
    else if (rc == SIGMA_REJECT && !strstr(why, "condition"))
        abort();
    ward_arena_free(&a);
    free(text);
    return 0;
}
