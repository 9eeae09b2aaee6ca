/* event_out.c - an event as a JSON object of its flattened fields (dump, alerts). */
#include "ward/event.h"
#include "ward/json.h"

/* A JSON number per RFC 8259 (the decoder's number text may be looser, e.g. "0x10"). */
static int is_json_number(const char *p, size_t n)
{
    size_t i = 0;
    if (i < n && p[i] == '-') i++;
    if (i >= n) return 0;
    if (p[i] == '0') {
        i++;
    } else if (p[i] >= '1' && p[i] <= '9') {
        while (i < n && p[i] >= '0' && p[i] <= '9') i++;
    } else {
        return 0;
    }
    if (i < n && p[i] == '.') {
        i++;
        size_t s = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') i++;
        if (i == s) return 0;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-')) i++;
        size_t s = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') i++;
        if (i == s) return 0;
    }
    return i == n;
}

int ward_json_write_event(struct ward_jw *w, struct ward_event *ev, int meta)
{
    ward_jw_obj(w);
    if (meta) {
        ward_jw_key(w, "_ward");
        ward_jw_obj(w);
        ward_jw_key(w, "path");
        ward_jw_str(w, ev->path ? ev->path : "");
        ward_jw_key(w, "record");
        ward_jw_uint(w, ev->record);
        if (ev->line) {
            ward_jw_key(w, "line");
            ward_jw_uint(w, ev->line);
        }
        ward_jw_key(w, "offset");
        ward_jw_uint(w, ev->offset);
        if (ev->format) {
            ward_jw_key(w, "format");
            ward_jw_str(w, ev->format);
        }
        if (ev->ts != WARD_TIME_NONE) {
            char t[48];
            size_t n = ward_time_format(ev->ts, 6, t, sizeof t);
            ward_jw_key(w, "time");
            ward_jw_strn(w, t, n);
        }
        ward_jw_end(w);
    }
    for (uint32_t i = 0; i < ev->nfields; i++) {
        struct ward_field *f = &ev->fields[i];
        ward_jw_keyn(w, ward_field_key(ev, f), f->klen);
        struct ward_str v;
        int rc = ward_event_value(ev, f, &v);
        if (rc) return rc;
        switch (f->type) {
        case WARD_V_NUM:
            if (is_json_number(v.ptr, v.len))
                ward_jw_raw(w, v.ptr, v.len);
            else
                ward_jw_strn(w, v.ptr, v.len);
            break;
        case WARD_V_BOOL: ward_jw_bool(w, v.len == 4 && v.ptr[0] == 't'); break;
        case WARD_V_NULL: ward_jw_null(w); break;
        default: ward_jw_strn(w, v.ptr, v.len);
        }
    }
    ward_jw_end(w);
    return ward_jw_error(w);
}
