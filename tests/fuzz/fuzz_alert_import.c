/*
 * fuzz_alert_import.c - alert records from other tools: arbitrary JSON flattened by the
 * JSON reader, turned into an alert (ward_alert_from_event) and recorded in an in-memory
 * case store (dedup, grouping, observables, journal), then the incident loaded back and
 * rendered as a report.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ward/json_reader.h"
#include "ward/report.h"
#include "ward/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ward_store *st;
static unsigned runs;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536) return 0;
    struct ward_err err;
    if (!st || ++runs % 2000 == 0) {
        /* a fresh store now and then keeps memory flat */
        ward_store_close(st);
        st = NULL;
        if (ward_store_open(":memory:", &st, &err)) return 0;
    }
    struct ward_event ev, sub;
    if (ward_event_init(&ev, NULL)) return 0;
    if (ward_event_init(&sub, NULL)) {
        ward_event_free(&ev);
        return 0;
    }
    struct ward_arena arena;
    ward_arena_init(&arena, 4096, 8u << 20);
    if (ward_json_flatten(&ev, (const char *)data, size, NULL, NULL, &err) == 0) {
        ev.raw = (const char *)data;
        ev.raw_len = size;
        struct ward_alert a;
        if (ward_alert_from_event(&ev, &sub, &arena, &a, &err) == 0) {
            struct ward_store_stats stats = {0};
            if (ward_store_add_alerts(st, &a, 1, NULL, &stats, &err) == 0 &&
                stats.alerts_rejected == 0) {
                struct ward_incident_list *l = NULL;
                struct ward_incident_filter f;
                ward_incident_filter_default(&f);
                if (ward_store_list(st, &f, &l, &err) == 0 && l->n) {
                    struct ward_case *c = NULL;
                    if (ward_store_load_case(st, l->items[l->n - 1].id, 1, &c, &err) == 0) {
                        struct ward_buf b;
                        ward_buf_init(&b, 0);
                        (void)ward_report_incident(c, "json", WARD_TIME_NONE, &b, &err);
                        ward_buf_reset(&b);
                        (void)ward_report_incident(c, "html", WARD_TIME_NONE, &b, &err);
                        ward_buf_free(&b);
                        ward_case_free(c);
                    }
                }
                ward_incident_list_free(l);
            }
        }
    }
    ward_arena_free(&arena);
    ward_event_free(&sub);
    ward_event_free(&ev);
    return 0;
}
