/*
 * stix.c - STIX 2.1 loader: indicator objects of bundles (or lists of objects, or one
 * object) read through ward's flattening JSON reader. Each indicator's pattern is reduced
 * to matchable comparisons (pattern.c); validity, confidence, labels and the TLP from
 * object_marking_refs (the standard TLP marking ids, or marking-definition objects of the
 * same file) go into the indicator's context. Revoked indicators are skipped, and every
 * comparison that cannot be matched is reported with the indicator id and the reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioc_int.h"
#include "ioc_pattern.h"
#include "ioc_stix.h"

#define MAX_MARKS 8
#define MAX_LABELS_LEN 1024

static const struct {
    const char *id;
    enum ward_tlp tlp;
} std_tlp[] = {
    /* TLP 1.0 marking definitions of the STIX 2.1 specification */
    {"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", WARD_TLP_CLEAR},
    {"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", WARD_TLP_GREEN},
    {"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", WARD_TLP_AMBER},
    {"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", WARD_TLP_RED},
    /* TLP 2.0 marking definitions (OASIS TLP 2.0 extension) */
    {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", WARD_TLP_CLEAR},
    {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", WARD_TLP_GREEN},
    {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", WARD_TLP_AMBER},
    {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", WARD_TLP_AMBER_STRICT},
    {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", WARD_TLP_RED},
};

/* one object being collected from consecutive flattened fields */
struct stix_obj {
    long index;
    struct ward_str type, id, pattern, pattern_type, name, valid_from, valid_until, created,
        modified, confidence, def_type, tlp_text, marking_name;
    int revoked;
    struct ward_str marks[MAX_MARKS];
    int nmarks;
    char labels[MAX_LABELS_LEN];
    size_t labels_len;
    uint64_t line;
};

void ioc_stix_ctx_init(struct ioc_stix_ctx *c)
{
    memset(c, 0, sizeof *c);
}

void ioc_stix_ctx_free(struct ioc_stix_ctx *c)
{
    for (size_t i = 0; i < c->nmarkings; i++) free(c->markings[i].id);
    free(c->markings);
    for (size_t i = 0; i < c->nfix; i++) free(c->fix[i].ref);
    free(c->fix);
    memset(c, 0, sizeof *c);
}

static enum ward_tlp std_tlp_of(struct ward_str ref)
{
    for (size_t i = 0; i < sizeof std_tlp / sizeof std_tlp[0]; i++)
        if (ward_str_eq_c(ref, std_tlp[i].id)) return std_tlp[i].tlp;
    return WARD_TLP_NONE;
}

static void add_label(struct stix_obj *o, struct ward_str v)
{
    if (o->labels_len + v.len + 2 >= MAX_LABELS_LEN) return;
    if (o->labels_len) o->labels[o->labels_len++] = ',';
    memcpy(o->labels + o->labels_len, v.ptr, v.len);
    o->labels_len += v.len;
    o->labels[o->labels_len] = 0;
}

static ward_time_t parse_time(struct ward_str s)
{
    ward_time_t t;
    if (s.len && ward_time_parse(s.ptr, s.len, &t) == 0) return t;
    return WARD_TIME_NONE;
}

static const char *dup_str(struct ward_ioc_set *set, struct ward_str s)
{
    return s.ptr ? ioc_strdup(set, s.ptr, s.len) : NULL;
}

static int flush_marking(struct ioc_stix_ctx *c, struct stix_obj *o)
{
    enum ward_tlp tlp = WARD_TLP_NONE;
    if (o->tlp_text.len) tlp = ward_tlp_parse(o->tlp_text.ptr, o->tlp_text.len);
    if (!tlp && o->marking_name.len) tlp = ward_tlp_parse(o->marking_name.ptr, o->marking_name.len);
    if (!tlp || !o->id.len) return 0;
    if (c->nmarkings == c->markings_cap) {
        size_t nc = c->markings_cap ? c->markings_cap * 2 : 8;
        void *nm = realloc(c->markings, nc * sizeof *c->markings);
        if (!nm) return WARD_ENOMEM;
        c->markings = nm;
        c->markings_cap = nc;
    }
    char *id = strndup(o->id.ptr, o->id.len);
    if (!id) return WARD_ENOMEM;
    c->markings[c->nmarkings].id = id;
    c->markings[c->nmarkings].tlp = (uint8_t)tlp;
    c->nmarkings++;
    return 0;
}

static int add_fix(struct ioc_stix_ctx *c, struct ward_ioc_meta *m, struct ward_str ref)
{
    if (c->nfix == c->fix_cap) {
        size_t nc = c->fix_cap ? c->fix_cap * 2 : 16;
        void *nf = realloc(c->fix, nc * sizeof *c->fix);
        if (!nf) return WARD_ENOMEM;
        c->fix = nf;
        c->fix_cap = nc;
    }
    char *r = strndup(ref.ptr, ref.len);
    if (!r) return WARD_ENOMEM;
    c->fix[c->nfix].meta = m;
    c->fix[c->nfix].ref = r;
    c->nfix++;
    return 0;
}

static int flush_indicator(struct ward_ioc_set *set, struct ioc_stix_ctx *c, struct stix_obj *o,
                           const char *path, const struct ward_ioc_load_opts *opt)
{
    char idbuf[160];
    snprintf(idbuf, sizeof idbuf, "%.*s", (int)(o->id.len < 150 ? o->id.len : 150),
             o->id.ptr ? o->id.ptr : "");
    const char *id = idbuf[0] ? idbuf : NULL;
    set->stats.objects++;
    if (o->revoked)
        return ioc_problem(set, WARD_IOC_SKIPPED, path, o->line, id, o->pattern.ptr, o->pattern.len,
                           0, "the indicator is revoked");
    if (o->pattern_type.len && !ward_str_eq_c(o->pattern_type, "stix"))
        return ioc_problem(set, WARD_IOC_UNSUPPORTED, path, o->line, id, o->pattern.ptr,
                           o->pattern.len, 0, "pattern_type '%.*s' is not supported (only stix)",
                           (int)(o->pattern_type.len < 40 ? o->pattern_type.len : 40),
                           o->pattern_type.ptr);
    if (!o->pattern.len)
        return ioc_problem(set, WARD_IOC_INVALID, path, o->line, id, NULL, 0, 0,
                           "indicator without a pattern");
    struct ioc_pattern pat;
    if (ioc_pattern_parse(o->pattern.ptr, o->pattern.len, &pat)) {
        int rc = ioc_problem(set, WARD_IOC_INVALID, path, o->line, id, o->pattern.ptr,
                             o->pattern.len, 0, "pattern syntax error %s", pat.error);
        ioc_pattern_free(&pat);
        return rc;
    }
    struct ward_ioc_meta *m = ioc_meta_new(set);
    if (!m) {
        ioc_pattern_free(&pat);
        return WARD_ENOMEM;
    }
    m->source = ioc_source(set, opt->source ? opt->source : path);
    m->id = dup_str(set, o->id);
    m->name = dup_str(set, o->name);
    m->labels = o->labels_len ? ioc_strdup(set, o->labels, o->labels_len) : NULL;
    m->pattern = dup_str(set, o->pattern);
    m->event = c->bundle_id;
    m->valid_from = parse_time(o->valid_from);
    m->valid_until = parse_time(o->valid_until);
    m->first_seen = parse_time(o->created);
    m->last_seen = parse_time(o->modified);
    m->line = o->line;
    m->confidence = opt->confidence;
    m->tlp = opt->tlp;
    m->flags = WARD_IOC_F_TO_IDS;
    int64_t conf;
    if (o->confidence.len && ward_parse_i64(o->confidence, &conf) == 0 && conf >= 0 && conf <= 100)
        m->confidence = (int16_t)conf;
    for (int k = 0; k < o->nmarks; k++) {
        enum ward_tlp t = std_tlp_of(o->marks[k]);
        if (t) {
            m->tlp = (uint8_t)t;
        } else if (add_fix(c, m, o->marks[k])) {
            ioc_pattern_free(&pat);
            return WARD_ENOMEM;
        }
    }
    size_t loaded = 0, bad_values = 0;
    char reasons[600];
    size_t rlen = 0;
    reasons[0] = 0;
    int rc = 0;
    for (size_t i = 0; i < pat.n && rc == 0; i++) {
        struct ioc_pattern_leaf *l = &pat.leaves[i];
        const char *why = l->reason;
        if (!why) {
            int type = l->type;
            if (type == IOC_TYPE_ADDR) { /* an address of either family, or a name */
                type = ward_ioc_guess_type(l->value, l->vlen);
                if (type != WARD_IOC_IPV4 && type != WARD_IOC_IPV6 && type != WARD_IOC_DOMAIN)
                    type = WARD_IOC_IPV4; /* reported as not an address */
            }
            int ar = ioc_add_value(set, type, l->value, l->vlen, m, &why);
            if (ar == WARD_ENOMEM) rc = ar;
            if (ar == 0) {
                loaded++;
                continue;
            }
            bad_values++;
        }
        /* collect distinct reasons */
        char one[300];
        int ol = snprintf(one, sizeof one, "%s%s%.*s%s: %s", l->path ? l->path : "",
                          l->value ? " '" : "", (int)(l->value ? (l->vlen < 80 ? l->vlen : 80) : 0),
                          l->value ? l->value : "", l->value ? "'" : "", why);
        if (ol > 0 && rlen + (size_t)ol + 3 < sizeof reasons && !strstr(reasons, one)) {
            rlen += (size_t)snprintf(reasons + rlen, sizeof reasons - rlen, "%s%s",
                                     rlen ? "; " : "", one);
        }
    }
    if (rc == 0) {
        if (loaded == pat.n) {
            set->stats.objects_loaded++;
        } else if (loaded) {
            set->stats.objects_partial++;
            rc = ioc_problem(
                set, bad_values == pat.n - loaded ? WARD_IOC_INVALID : WARD_IOC_UNSUPPORTED, path,
                o->line, id, o->pattern.ptr, o->pattern.len, 1,
                "%zu of %zu comparisons loaded; not loaded: %s", loaded, pat.n, reasons);
        } else {
            rc = ioc_problem(set, bad_values == pat.n ? WARD_IOC_INVALID : WARD_IOC_UNSUPPORTED,
                             path, o->line, id, o->pattern.ptr, o->pattern.len, 0, "%s", reasons);
        }
    }
    ioc_pattern_free(&pat);
    return rc;
}

static int flush(struct ward_ioc_set *set, struct ioc_stix_ctx *c, struct stix_obj *o,
                 const char *path, const struct ward_ioc_load_opts *opt)
{
    if (o->index < 0) return 0;
    int rc = 0;
    if (ward_str_eq_c(o->type, "indicator"))
        rc = flush_indicator(set, c, o, path, opt);
    else if (ward_str_eq_c(o->type, "marking-definition"))
        rc = flush_marking(c, o);
    memset(o, 0, sizeof *o);
    o->index = -1;
    return rc;
}

static int starts(const char *k, size_t n, const char *pfx)
{
    size_t l = strlen(pfx);
    return n >= l && memcmp(k, pfx, l) == 0;
}

int ioc_stix_record(struct ward_ioc_set *set, struct ioc_stix_ctx *c, struct ward_event *ev,
                    const char *path, const struct ward_ioc_load_opts *opt)
{
    struct stix_obj o;
    memset(&o, 0, sizeof o);
    o.index = -1;
    c->bundle_id = NULL;
    /* a bundle's own id and type come first; objects are "objects.N.*" */
    for (uint32_t i = 0; i < ev->nfields; i++) {
        struct ward_field *f = &ev->fields[i];
        const char *k = ward_field_key(ev, f);
        size_t kn = f->klen;
        struct ward_str v;
        if (ward_event_value(ev, f, &v)) return WARD_ENOMEM;
        long idx = 0;
        if (starts(k, kn, "objects.")) {
            size_t p = 8;
            long n = 0;
            int digits = 0;
            while (p < kn && k[p] >= '0' && k[p] <= '9' && digits < 9)
                n = n * 10 + (k[p++] - '0'), digits++;
            if (!digits || p >= kn || k[p] != '.') continue;
            idx = n;
            k += p + 1;
            kn -= p + 1;
        } else if (kn == 2 && memcmp(k, "id", 2) == 0 && ward_str_starts(v, "bundle--")) {
            c->bundle_id = ioc_strdup(set, v.ptr, v.len);
            continue;
        } else if (kn == 4 && memcmp(k, "type", 4) == 0 && ward_str_eq_c(v, "bundle")) {
            continue;
        }
        if (idx != o.index) {
            int rc = flush(set, c, &o, path, opt);
            if (rc) return rc;
            o.index = idx;
            o.line = ev->line;
        }
        struct ward_str key = ward_str_make(k, kn);
        if (ward_str_eq_c(key, "type"))
            o.type = v;
        else if (ward_str_eq_c(key, "id"))
            o.id = v;
        else if (ward_str_eq_c(key, "pattern"))
            o.pattern = v;
        else if (ward_str_eq_c(key, "pattern_type"))
            o.pattern_type = v;
        else if (ward_str_eq_c(key, "name"))
            o.name = o.marking_name = v;
        else if (ward_str_eq_c(key, "valid_from"))
            o.valid_from = v;
        else if (ward_str_eq_c(key, "valid_until"))
            o.valid_until = v;
        else if (ward_str_eq_c(key, "created"))
            o.created = v;
        else if (ward_str_eq_c(key, "modified"))
            o.modified = v;
        else if (ward_str_eq_c(key, "confidence"))
            o.confidence = v;
        else if (ward_str_eq_c(key, "revoked"))
            o.revoked = ward_str_eq_c(v, "true");
        else if (ward_str_eq_c(key, "definition_type"))
            o.def_type = v;
        else if (ward_str_eq_c(key, "definition.tlp"))
            o.tlp_text = v;
        else if (kn > 8 && memcmp(k + kn - 8, ".tlp_2_0", 8) == 0)
            o.tlp_text = v;
        else if (starts(k, kn, "labels.") || starts(k, kn, "indicator_types."))
            add_label(&o, v);
        else if (starts(k, kn, "object_marking_refs.") && o.nmarks < MAX_MARKS)
            o.marks[o.nmarks++] = v;
    }
    return flush(set, c, &o, path, opt);
}

void ioc_stix_finish(struct ward_ioc_set *set, struct ioc_stix_ctx *c)
{
    (void)set;
    for (size_t i = 0; i < c->nfix; i++)
        for (size_t k = 0; k < c->nmarkings; k++)
            if (strcmp(c->fix[i].ref, c->markings[k].id) == 0)
                c->fix[i].meta->tlp = c->markings[k].tlp;
}
