/*
 * corr_alert.c - a correlation alert as an alert for the case store (alert.h): the rule is
 * the correlation rule, its level the rule's, the event text a JSON object naming the
 * correlation, the group, the aggregate and the correlated base alerts (time, source,
 * record, rule), and the entities come from the group-by values (hosts, users, addresses).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ward/alert.h"
#include "ward/correlate.h"
#include "ward/json.h"

/* group-by field names whose values are entities (last path component, any case) */
static const struct {
    const char *name;
    enum ward_entity_kind kind;
} ent_names[] = {
    {"computer", WARD_ENT_HOST},
    {"computername", WARD_ENT_HOST},
    {"hostname", WARD_ENT_HOST},
    {"host", WARD_ENT_HOST},
    {"workstationname", WARD_ENT_HOST},
    {"user", WARD_ENT_USER},
    {"username", WARD_ENT_USER},
    {"targetusername", WARD_ENT_USER},
    {"subjectusername", WARD_ENT_USER},
    {"src_ip", WARD_ENT_SRC_IP},
    {"sourceip", WARD_ENT_SRC_IP},
    {"ipaddress", WARD_ENT_SRC_IP},
    {"ip", WARD_ENT_SRC_IP},
    {"id.orig_h", WARD_ENT_SRC_IP},
    {"dst_ip", WARD_ENT_DST_IP},
    {"destinationip", WARD_ENT_DST_IP},
    {"id.resp_h", WARD_ENT_DST_IP},
};

static int entity_kind(const char *field)
{
    const char *last = strrchr(field, '.');
    /* source.ip / destination.ip (ECS) keep their parent */
    if (last && strcasecmp(last, ".ip") == 0) {
        if (strncasecmp(field, "source", 6) == 0 || strncasecmp(field, "client", 6) == 0)
            return WARD_ENT_SRC_IP;
        if (strncasecmp(field, "destination", 11) == 0 || strncasecmp(field, "server", 6) == 0)
            return WARD_ENT_DST_IP;
    }
    for (size_t i = 0; i < sizeof ent_names / sizeof ent_names[0]; i++)
        if (strcasecmp(field, ent_names[i].name) == 0 ||
            (last && strcasecmp(last + 1, ent_names[i].name) == 0))
            return ent_names[i].kind;
    return -1;
}

static void jtime(struct ward_jw *w, const char *key, ward_time_t t)
{
    if (t == WARD_TIME_NONE) return;
    char buf[40];
    ward_time_format(t, 6, buf, sizeof buf);
    ward_jw_key(w, key);
    ward_jw_str(w, buf);
}

int ward_corr_alert_build(const struct ward_corr_alert *a, const struct ward_corr_base *bases,
                          size_t nbases, const struct ward_corr_rules *rules,
                          struct ward_arena *arena, struct ward_alert *out)
{
    const struct ward_corr_rule *r = a->rule;
    memset(out, 0, sizeof *out);
    out->rule.id = r->id ? r->id : r->title;
    out->rule.title = r->title;
    out->rule.level = r->level > 0 ? r->level - 1 : WARD_SEV_MEDIUM; /* Sigma 1..5 -> 0..4 */
    static const char *const tag_list[] = {"correlation"};
    out->rule.tags = tag_list;
    out->rule.ntags = 1;
    out->ts = a->last;
    if (a->nrefs && a->refs[0].path && a->refs[0].path[0]) {
        out->source.path = a->refs[0].path;
        out->source.record = a->refs[0].record;
    }
    /* the event: what was correlated */
    struct ward_buf b;
    ward_buf_init(&b, 1 << 20);
    struct ward_jw w;
    ward_jw_init(&w, &b);
    ward_jw_obj(&w);
    ward_jw_key(&w, "correlation");
    ward_jw_obj(&w);
    ward_jw_key(&w, "title");
    ward_jw_str(&w, r->title);
    if (r->id) ward_jw_key(&w, "id"), ward_jw_str(&w, r->id);
    ward_jw_key(&w, "type");
    ward_jw_str(&w, ward_corr_type_name(r->type));
    ward_jw_key(&w, "group");
    ward_jw_str(&w, a->group);
    ward_jw_key(&w, "value");
    ward_jw_double(&w, a->value);
    ward_jw_key(&w, "events");
    ward_jw_uint(&w, a->events);
    jtime(&w, "first", a->first);
    jtime(&w, "last", a->last);
    ward_jw_key(&w, "correlated");
    ward_jw_arr(&w);
    for (size_t i = 0; i < a->nrefs; i++) {
        const struct ward_corr_ref *f = &a->refs[i];
        ward_jw_obj(&w);
        jtime(&w, "time", f->time);
        if (f->path && f->path[0]) ward_jw_key(&w, "path"), ward_jw_str(&w, f->path);
        if (f->record) ward_jw_key(&w, "record"), ward_jw_uint(&w, f->record);
        ward_jw_key(&w, "rule");
        if (f->rule & WARD_CORR_REF_CHAINED) {
            size_t k = f->rule & ~WARD_CORR_REF_CHAINED;
            const struct ward_corr_rule *cr = rules && k < rules->nrules ? &rules->rules[k] : NULL;
            ward_jw_str(&w, cr ? (cr->id ? cr->id : cr->title) : "?");
        } else if (f->rule < nbases) {
            const struct ward_corr_base *bb = &bases[f->rule];
            ward_jw_str(&w, bb->id ? bb->id : bb->name ? bb->name : bb->title ? bb->title : "?");
        } else {
            ward_jw_uint(&w, f->rule);
        }
        ward_jw_end(&w);
    }
    ward_jw_end(&w);
    if (a->refs_omitted) ward_jw_key(&w, "omitted"), ward_jw_uint(&w, a->refs_omitted);
    ward_jw_end(&w);
    ward_jw_end(&w);
    if (ward_jw_error(&w)) {
        ward_buf_free(&b);
        return WARD_ENOMEM;
    }
    out->event_json = ward_arena_strndup(arena, b.data, b.len);
    out->event_json_len = b.len;
    ward_buf_free(&b);
    if (!out->event_json) return WARD_ENOMEM;
    /* entities from the group's values */
    struct ward_entity *ents = ward_arena_alloc(arena, (r->ngroup_by + 1) * sizeof *ents);
    if (!ents) return WARD_ENOMEM;
    size_t n = 0;
    const char *p = a->group;
    for (size_t i = 0; i < r->ngroup_by; i++) {
        /* the group text is "f=v, f=v": walk it in step with group_by */
        size_t fl = strlen(r->group_by[i]);
        if (strncmp(p, r->group_by[i], fl) != 0 || p[fl] != '=') break;
        const char *v = p + fl + 1;
        const char *end = strstr(v, ", ");
        if (i + 1 < r->ngroup_by) {
            /* the next field's name must follow ", " */
            const char *q = v;
            end = NULL;
            while ((q = strstr(q, ", "))) {
                size_t nl = strlen(r->group_by[i + 1]);
                if (strncmp(q + 2, r->group_by[i + 1], nl) == 0 && q[2 + nl] == '=') {
                    end = q;
                    break;
                }
                q += 2;
            }
        } else {
            end = v + strlen(v);
        }
        if (!end) break;
        int kind = entity_kind(r->group_by[i]);
        if (kind >= 0 && end > v) {
            ents[n].kind = (enum ward_entity_kind)kind;
            ents[n].value = ward_arena_strndup(arena, v, (size_t)(end - v));
            if (!ents[n].value) return WARD_ENOMEM;
            if (kind == WARD_ENT_HOST && !out->host) out->host = ents[n].value;
            n++;
        }
        p = *end ? end + 2 : end;
    }
    out->entities = ents;
    out->nentities = n;
    return 0;
}
