/*
 * corr_burst.c - what one burst of a stored correlation alert says, read from its
 * correlation object: `ward case show` and the incident report tell it in their own forms.
 */
#include <stdlib.h>
#include <string.h>

#include "ward/json_reader.h"
#include "ward/report.h"

static void add_title(struct ward_corr_burst *b, struct ward_str v)
{
    for (size_t j = 0; j < b->ntitles; j++)
        if (b->titles[j].len == v.len && memcmp(b->titles[j].ptr, v.ptr, v.len) == 0) return;
    if (b->ntitles < sizeof b->titles / sizeof b->titles[0]) b->titles[b->ntitles++] = v;
}

int ward_corr_burst_read(struct ward_corr_burst *b, const char *json, size_t len,
                         struct ward_err *err)
{
    memset(b, 0, sizeof *b);
    if (ward_event_init(&b->ev, NULL)) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    ward_buf_init(&b->group, 0);
    int r = ward_json_flatten(&b->ev, json, len, NULL, NULL, err);
    if (r) {
        ward_corr_burst_free(b);
        return r;
    }
    static const char ak[] = "alerts.", ck[] = "correlated.", gk[] = "group.";
    unsigned long long events = 0;
    int e = 0;
    for (uint32_t i = 0; i < b->ev.nfields; i++) {
        struct ward_field *f = &b->ev.fields[i];
        const char *key = ward_field_key(&b->ev, f);
        struct ward_str v;
        if (ward_event_value(&b->ev, f, &v)) continue;
        if (!v.ptr) v.ptr = "";
        size_t pl = strncmp(key, ak, sizeof ak - 1) == 0   ? sizeof ak - 1
                    : strncmp(key, ck, sizeof ck - 1) == 0 ? sizeof ck - 1
                                                           : 0;
        if (pl) {
            char *end;
            unsigned long long idx = strtoull(key + pl, &end, 10);
            if (end == key + pl) continue;
            if (idx + 1 > b->listed) b->listed = idx + 1;
            int title = strcmp(end, ".rule.title") == 0 || strcmp(end, ".rule") == 0;
            if (title) add_title(b, v);
            if (idx >= WARD_BURST_LIST) continue;
            if (strcmp(end, ".time") == 0) b->alert[idx].time = v;
            if (strcmp(end, ".path") == 0) b->alert[idx].path = v;
            if (strcmp(end, ".record") == 0) b->alert[idx].record = v;
            if (title) b->alert[idx].title = v;
        } else if (strcmp(key, "group") == 0) {
            e |= ward_buf_printf(&b->group, "%.*s", (int)v.len, v.ptr);
        } else if (strncmp(key, gk, sizeof gk - 1) == 0) {
            e |= ward_buf_printf(&b->group, "%s%s=%.*s", b->group.len ? ", " : "",
                                 key + sizeof gk - 1, (int)v.len, v.ptr);
        } else if (strcmp(key, "type") == 0) {
            b->type = v;
        } else if (strcmp(key, "value") == 0) {
            b->value = v;
        } else if (strcmp(key, "timespan") == 0) {
            b->span = v;
        } else if (strcmp(key, "events") == 0) {
            events = strtoull(v.ptr, NULL, 10);
        } else if (strcmp(key, "omitted") == 0) {
            b->omitted = strtoull(v.ptr, NULL, 10);
        }
    }
    if (e) {
        ward_corr_burst_free(b);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    b->all = b->listed + b->omitted;
    if (events > b->all) b->all = events;
    return 0;
}

void ward_corr_burst_free(struct ward_corr_burst *b)
{
    ward_event_free(&b->ev);
    ward_buf_free(&b->group);
}
