/*
 * misp.c - MISP loader: events as MISP exports them ({"Event": {...}}, a bare event, a
 * {"response": [...]} search result, or a list of those), read through ward's flattening
 * JSON reader. Attributes of the event and of its objects become indicators when their type
 * is one ward matches (composites such as filename|sha256 give their indicator part);
 * context types (text, link, comment ...) are skipped and other types reported as
 * unsupported, each with the attribute uuid. The event's info, uuid and tags (TLP) and the
 * attribute's category, comment, tags, to_ids and first/last seen form the context.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioc_int.h"
#include "ioc_stix.h"

/* MISP attribute types that carry context, not something to look for in telemetry */
static const char *const context_types[] = {
    "text",
    "comment",
    "link",
    "other",
    "datetime",
    "size-in-bytes",
    "counter",
    "float",
    "port",
    "hex",
    "boolean",
    "attachment",
    "mime-type",
    "vulnerability",
    "weakness",
    "campaign-name",
    "campaign-id",
    "threat-actor",
    "anonymised",
    "cortex",
    "target-user",
    "target-email",
    "target-machine",
    "target-org",
    "target-location",
    "target-external",
    "first-name",
    "last-name",
    "full-name",
    "phone-number",
    "passport-number",
    "gender",
    "nationality",
    NULL,
};

static const struct {
    const char *name;
    int part0; /* type of the value's first part (-1 none, -2 IP of either family) */
    int part1; /* type of the part after '|' */
} misp_types[] = {
    {"ip-src", -2, -1},
    {"ip-dst", -2, -1},
    {"ip-src|port", -2, -1},
    {"ip-dst|port", -2, -1},
    {"domain", WARD_IOC_DOMAIN, -1},
    {"hostname", WARD_IOC_DOMAIN, -1},
    {"hostname|port", WARD_IOC_DOMAIN, -1},
    {"domain|ip", WARD_IOC_DOMAIN, -2},
    {"url", WARD_IOC_URL, -1},
    {"md5", WARD_IOC_MD5, -1},
    {"sha1", WARD_IOC_SHA1, -1},
    {"sha256", WARD_IOC_SHA256, -1},
    {"sha512", WARD_IOC_SHA512, -1},
    {"filename|md5", -1, WARD_IOC_MD5},
    {"filename|sha1", -1, WARD_IOC_SHA1},
    {"filename|sha256", -1, WARD_IOC_SHA256},
    {"filename|sha512", -1, WARD_IOC_SHA512},
    {"malware-sample", -1, WARD_IOC_MD5},
    {"email", WARD_IOC_EMAIL, -1},
    {"email-src", WARD_IOC_EMAIL, -1},
    {"email-dst", WARD_IOC_EMAIL, -1},
    {"email-reply-to", WARD_IOC_EMAIL, -1},
};

static int add_part(struct ward_ioc_set *set, int type, const char *v, size_t n,
                    const struct ward_ioc_meta *meta, const char **why)
{
    if (type == -2) {
        uint8_t a[16];
        int fam, pfx;
        while (n && v[0] == ' ') v++, n--;
        while (n && v[n - 1] == ' ') n--;
        /* an address with a port ("1.2.3.4:443", "[2001:db8::1]:443"): the address */
        if (n > 2 && v[0] == '[') {
            const char *rb = memchr(v, ']', n);
            if (rb) n = (size_t)(rb - v) - 1, v++;
        } else {
            const char *colon = memchr(v, ':', n);
            if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - v) - 1) && memchr(v, '.', n))
                n = (size_t)(colon - v);
        }
        if (ward_ioc_parse_ip(v, n, a, &fam, &pfx))
            return *why = "not an IP address or CIDR range", WARD_EINVAL;
        type = fam == 4 ? WARD_IOC_IPV4 : WARD_IOC_IPV6;
    }
    return ioc_add_value(set, type, v, n, meta, why);
}

int ioc_add_typed(struct ward_ioc_set *set, const char *type, size_t tlen, const char *value,
                  size_t vlen, const struct ward_ioc_meta *meta, int *kind, const char **why,
                  int *nparts)
{
    struct ward_str t = ward_str_make(type, tlen);
    int p0 = -1, p1 = -1, found = 0;
    *nparts = 1;
    for (size_t i = 0; i < sizeof misp_types / sizeof misp_types[0]; i++)
        if (ward_str_ieq_c(t, misp_types[i].name)) {
            p0 = misp_types[i].part0;
            p1 = misp_types[i].part1;
            found = 1;
            break;
        }
    if (!found) {
        int wt = ward_ioc_type_parse(type, tlen);
        if (wt >= 0 || wt == -2) {
            p0 = wt;
            found = 1;
        } else if (wt == -3 || wt == -4) { /* "hash" or "auto": by the value's shape */
            p0 = ward_ioc_guess_type(value, vlen);
            if (p0 < 0) {
                *kind = WARD_IOC_INVALID;
                *why = "cannot tell the value's type";
                return 0;
            }
            found = 1;
        }
    }
    if (!found) {
        for (size_t i = 0; context_types[i]; i++)
            if (ward_str_ieq_c(t, context_types[i])) {
                *kind = WARD_IOC_SKIPPED;
                *why = "context, not an indicator type";
                return 0;
            }
        *kind = WARD_IOC_UNSUPPORTED;
        *why = "a type ward does not match";
        return 0;
    }
    const char *bar = memchr(value, '|', vlen);
    int composite = p1 != -1 || memchr(type, '|', tlen) != NULL;
    const char *v0 = value, *v1 = NULL;
    size_t n0 = vlen, n1 = 0;
    if (composite) {
        if (!bar) {
            *kind = WARD_IOC_INVALID;
            *why = "composite type without '|' in the value";
            return 0;
        }
        n0 = (size_t)(bar - value);
        v1 = bar + 1;
        n1 = vlen - n0 - 1;
    }
    int loaded = 0, parts = 0;
    const char *w = NULL;
    if (p0 != -1) {
        parts++;
        int rc = add_part(set, p0, v0, n0, meta, &w);
        if (rc == WARD_ENOMEM) return rc;
        if (rc == 0) loaded++;
    }
    if (p1 != -1 && v1) {
        parts++;
        int rc = add_part(set, p1, v1, n1, meta, &w);
        if (rc == WARD_ENOMEM) return rc;
        if (rc == 0) loaded++;
    }
    *nparts = parts;
    if (loaded < parts) {
        *kind = WARD_IOC_INVALID;
        *why = w ? w : "bad value";
    }
    return loaded;
}

/* ---- events ------------------------------------------------------------------------------ */

struct pend {
    struct ward_str type, value, uuid, comment, category, first_seen, last_seen, timestamp;
    int to_ids; /* -1 unknown */
    int deleted;
    uint8_t tlp;
    char tags[256];
    size_t tags_len;
};

struct evctx {
    struct ward_str info, uuid;
    uint8_t tlp;
    struct pend *p;
    size_t n, cap;
    long cur_obj, cur_attr;
};

static void add_tag(char *buf, size_t *len, size_t cap, struct ward_str v)
{
    if (*len + v.len + 2 >= cap) return;
    if (*len) buf[(*len)++] = ',';
    memcpy(buf + *len, v.ptr, v.len);
    *len += v.len;
    buf[*len] = 0;
}

static ward_time_t misp_time(struct ward_str s)
{
    ward_time_t t;
    if (!s.len) return WARD_TIME_NONE;
    int64_t secs;
    if (ward_parse_i64(s, &secs) == 0) {
        if (secs <= 0) return WARD_TIME_NONE;
        if (secs < 100000000000LL) return secs * 1000000000LL; /* epoch seconds */
    }
    if (ward_time_parse(s.ptr, s.len, &t) == 0) return t;
    return WARD_TIME_NONE;
}

static int flush_event(struct ward_ioc_set *set, struct evctx *e, const char *path, uint64_t line,
                       const struct ward_ioc_load_opts *opt)
{
    int rc = 0;
    for (size_t i = 0; i < e->n && rc == 0; i++) {
        struct pend *p = &e->p[i];
        char idb[80];
        snprintf(idb, sizeof idb, "%.*s", (int)(p->uuid.len < 70 ? p->uuid.len : 70),
                 p->uuid.ptr ? p->uuid.ptr : "");
        const char *id = idb[0] ? idb : NULL;
        set->stats.objects++;
        char text[400];
        snprintf(text, sizeof text, "%.*s: %.*s", (int)(p->type.len < 60 ? p->type.len : 60),
                 p->type.ptr ? p->type.ptr : "", (int)(p->value.len < 300 ? p->value.len : 300),
                 p->value.ptr ? p->value.ptr : "");
        if (!p->type.len || !p->value.ptr) {
            rc = ioc_problem(set, WARD_IOC_INVALID, path, line, id, text, strlen(text), 0,
                             "attribute without type or value");
            continue;
        }
        if (p->deleted) {
            rc = ioc_problem(set, WARD_IOC_SKIPPED, path, line, id, text, strlen(text), 0,
                             "the attribute is deleted");
            continue;
        }
        if (opt->ids_only && p->to_ids == 0) {
            rc = ioc_problem(set, WARD_IOC_SKIPPED, path, line, id, text, strlen(text), 0,
                             "to_ids is false (--ids-only)");
            continue;
        }
        struct ward_ioc_meta *m = ioc_meta_new(set);
        if (!m) return WARD_ENOMEM;
        m->source = ioc_source(set, opt->source ? opt->source : path);
        m->id = p->uuid.ptr ? ioc_strdup(set, p->uuid.ptr, p->uuid.len) : NULL;
        char name[512];
        int nl =
            snprintf(name, sizeof name, "%.*s%s%.*s", (int)(e->info.len < 300 ? e->info.len : 300),
                     e->info.ptr ? e->info.ptr : "", e->info.len && p->comment.len ? " - " : "",
                     (int)(p->comment.len < 200 ? p->comment.len : 200),
                     p->comment.ptr ? p->comment.ptr : "");
        m->name = nl > 0 ? ioc_strdup(set, name, strlen(name)) : NULL;
        char labels[400];
        size_t ll = 0;
        labels[0] = 0;
        if (p->category.len) add_tag(labels, &ll, sizeof labels, p->category);
        if (p->tags_len) add_tag(labels, &ll, sizeof labels, ward_str_make(p->tags, p->tags_len));
        m->labels = ll ? ioc_strdup(set, labels, ll) : NULL;
        m->pattern = ioc_strdup(set, p->type.ptr, p->type.len);
        m->event = e->uuid.ptr ? ioc_strdup(set, e->uuid.ptr, e->uuid.len) : NULL;
        m->first_seen = misp_time(p->first_seen);
        m->last_seen = misp_time(p->last_seen);
        if (m->last_seen == WARD_TIME_NONE) m->last_seen = misp_time(p->timestamp);
        m->line = line;
        m->confidence = opt->confidence;
        m->tlp = p->tlp ? p->tlp : e->tlp ? e->tlp : opt->tlp;
        m->flags = p->to_ids == 0 ? WARD_IOC_F_NOT_IDS : WARD_IOC_F_TO_IDS;
        int kind = 0, nparts = 0;
        const char *why = NULL;
        int got = ioc_add_typed(set, p->type.ptr, p->type.len, p->value.ptr, p->value.len, m, &kind,
                                &why, &nparts);
        if (got < 0) return got;
        if (got > 0 && got == nparts) {
            set->stats.objects_loaded++;
        } else if (got > 0) {
            set->stats.objects_partial++;
            rc = ioc_problem(set, WARD_IOC_INVALID, path, line, id, text, strlen(text), 1,
                             "%d of %d parts loaded: %s", got, nparts, why);
        } else {
            rc = ioc_problem(set, (enum ward_ioc_problem_kind)kind, path, line, id, text,
                             strlen(text), 0, "MISP type '%.*s': %s",
                             (int)(p->type.len < 60 ? p->type.len : 60), p->type.ptr, why);
        }
    }
    e->n = 0;
    e->cur_obj = e->cur_attr = -2;
    memset(&e->info, 0, sizeof e->info);
    memset(&e->uuid, 0, sizeof e->uuid);
    e->tlp = 0;
    return rc;
}

static int starts(const char *k, size_t n, const char *pfx)
{
    size_t l = strlen(pfx);
    return n >= l && memcmp(k, pfx, l) == 0;
}

/* Reads "<digits>." at *k; returns the number or -1. */
static long index_at(const char **k, size_t *n)
{
    long v = 0;
    size_t i = 0;
    while (i < *n && (*k)[i] >= '0' && (*k)[i] <= '9' && i < 9) v = v * 10 + ((*k)[i++] - '0');
    if (i == 0 || i >= *n || (*k)[i] != '.') return -1;
    *k += i + 1;
    *n -= i + 1;
    return v;
}

int ioc_misp_record(struct ward_ioc_set *set, struct ward_event *ev, const char *path,
                    const struct ward_ioc_load_opts *opt)
{
    struct evctx e;
    memset(&e, 0, sizeof e);
    e.cur_obj = e.cur_attr = -2;
    long cur_event = -1;
    int rc = 0;
    for (uint32_t i = 0; i < ev->nfields && rc == 0; i++) {
        struct ward_field *f = &ev->fields[i];
        const char *k = ward_field_key(ev, f);
        size_t kn = f->klen;
        long event_no = 0;
        if (starts(k, kn, "response.")) {
            k += 9;
            kn -= 9;
            event_no = index_at(&k, &kn);
            if (event_no < 0) continue;
        }
        if (starts(k, kn, "Event.")) k += 6, kn -= 6;
        if (event_no != cur_event) {
            if (cur_event >= 0) rc = flush_event(set, &e, path, ev->line, opt);
            cur_event = event_no;
        }
        struct ward_str v;
        if (ward_event_value(ev, f, &v)) {
            rc = WARD_ENOMEM;
            break;
        }
        long obj = -1, attr;
        if (starts(k, kn, "Object.")) {
            k += 7;
            kn -= 7;
            obj = index_at(&k, &kn);
            if (obj < 0) continue;
            if (!starts(k, kn, "Attribute.")) continue; /* object name and such */
        }
        if (starts(k, kn, "Attribute.")) {
            k += 10;
            kn -= 10;
            attr = index_at(&k, &kn);
            if (attr < 0) continue;
            if (obj != e.cur_obj || attr != e.cur_attr) {
                if (e.n == e.cap) {
                    size_t nc = e.cap ? e.cap * 2 : 64;
                    struct pend *np = realloc(e.p, nc * sizeof *np);
                    if (!np) {
                        rc = WARD_ENOMEM;
                        break;
                    }
                    e.p = np;
                    e.cap = nc;
                }
                memset(&e.p[e.n], 0, sizeof e.p[0]);
                e.p[e.n].to_ids = -1;
                e.n++;
                e.cur_obj = obj;
                e.cur_attr = attr;
            }
            struct pend *p = &e.p[e.n - 1];
            struct ward_str key = ward_str_make(k, kn);
            if (ward_str_eq_c(key, "type"))
                p->type = v;
            else if (ward_str_eq_c(key, "value"))
                p->value = v;
            else if (ward_str_eq_c(key, "uuid"))
                p->uuid = v;
            else if (ward_str_eq_c(key, "comment"))
                p->comment = v;
            else if (ward_str_eq_c(key, "category"))
                p->category = v;
            else if (ward_str_eq_c(key, "first_seen"))
                p->first_seen = v;
            else if (ward_str_eq_c(key, "last_seen"))
                p->last_seen = v;
            else if (ward_str_eq_c(key, "timestamp"))
                p->timestamp = v;
            else if (ward_str_eq_c(key, "to_ids"))
                p->to_ids = ward_str_eq_c(v, "true") || ward_str_eq_c(v, "1");
            else if (ward_str_eq_c(key, "deleted"))
                p->deleted = ward_str_eq_c(v, "true") || ward_str_eq_c(v, "1");
            else if (starts(k, kn, "Tag.") && kn > 5 && memcmp(k + kn - 5, ".name", 5) == 0) {
                enum ward_tlp t = ward_tlp_parse(v.ptr, v.len);
                if (t)
                    p->tlp = (uint8_t)t;
                else
                    add_tag(p->tags, &p->tags_len, sizeof p->tags, v);
            }
            continue;
        }
        struct ward_str key = ward_str_make(k, kn);
        if (ward_str_eq_c(key, "info"))
            e.info = v;
        else if (ward_str_eq_c(key, "uuid"))
            e.uuid = v;
        else if (starts(k, kn, "Tag.") && kn > 5 && memcmp(k + kn - 5, ".name", 5) == 0) {
            enum ward_tlp t = ward_tlp_parse(v.ptr, v.len);
            if (t) e.tlp = (uint8_t)t;
        }
    }
    if (rc == 0) rc = flush_event(set, &e, path, ev->line, opt);
    free(e.p);
    return rc;
}
