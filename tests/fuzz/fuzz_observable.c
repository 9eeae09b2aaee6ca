/*
 * fuzz_observable.c - observable validation and normalisation, grouping keys and entity
 * extraction on arbitrary bytes. Input: the first byte picks the observable type (and the
 * entity kind), the rest is the value; it is also put into an event under a key the entity
 * table knows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ward/event.h"
#include "ward/incident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"ip", "domain", "url", "hash", "user", "host", "file"};
    static const char *const keys[] = {"Event.EventData.CommandLine",
                                       "Event.EventData.Hashes",
                                       "Event.EventData.IpAddress",
                                       "Event.System.Computer",
                                       "user",
                                       "url"};
    if (size < 1 || size > 8192) return 0;
    unsigned sel = data[0];
    char *v = malloc(size);
    if (!v) return 0;
    memcpy(v, data + 1, size - 1);
    v[size - 1] = 0;
    char out[4100];
    struct ward_err err;
    const char *type = types[sel % 7];
    if (ward_observable_normalize(type, v, out, sizeof out, &err) == 0) {
        /* normalising is idempotent */
        char again[4100];
        if (ward_observable_normalize(type, out, again, sizeof again, &err) != 0 ||
            strcmp(out, again) != 0)
            abort();
    }
    struct ward_entity e = {(enum ward_entity_kind)(sel % WARD_ENT__COUNT), v};
    char key[512];
    (void)ward_entity_group_key(&e, NULL, key, sizeof key);

    struct ward_event ev;
    if (ward_event_init(&ev, NULL) == 0) {
        const char *k = keys[(sel >> 3) % 6];
        if (ward_event_add(&ev, k, strlen(k), v, strlen(v), WARD_V_STR, 0) == 0) {
            struct ward_arena a;
            ward_arena_init(&a, 4096, 1u << 20);
            struct ward_entity *ents;
            size_t n;
            if (ward_entities_from_event(&ev, &a, 64, &ents, &n) == 0)
                for (size_t i = 0; i < n; i++)
                    if (!ents[i].value) abort();
            ward_arena_free(&a);
        }
        ward_event_free(&ev);
    }
    free(v);
    return 0;
}
