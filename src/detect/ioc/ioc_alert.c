/*
 * ioc_alert.c - an indicator hit as an alert for the case store (alert.h): the rule is the
 * indicator ("intel:<id or type:value>"), the title says what matched, the level follows
 * the indicator's confidence, the tags carry source, TLP and labels, and the entities are
 * the event's plus the matched value itself, so the store records it as an observable of
 * the incident.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ward/alert.h"
#include "ward/ioc.h"

#define MAX_ENTITIES 64

int ward_ioc_hit_alert(const struct ward_ioc_hit *hit, struct ward_event *ev,
                       struct ward_arena *arena, struct ward_alert *out)
{
    const struct ward_ioc *ioc = hit->ioc;
    const struct ward_ioc_meta *m = ioc->meta;
    memset(out, 0, sizeof *out);
    char buf[768];
    const char *type = ward_ioc_type_name((enum ward_ioc_type)ioc->type);
    if (m && m->id)
        snprintf(buf, sizeof buf, "intel:%s", m->id);
    else
        snprintf(buf, sizeof buf, "intel:%s:%s", type, ioc->value);
    out->rule.id = ward_arena_strdup(arena, buf);
    snprintf(buf, sizeof buf, "Threat intel: %s %s%s%s%s", type, ioc->value,
             m && m->name ? " (" : "", m && m->name ? m->name : "", m && m->name ? ")" : "");
    out->rule.title = ward_arena_strdup(arena, buf);
    int conf = m ? m->confidence : -1;
    out->rule.level = conf >= 80               ? WARD_SEV_HIGH
                      : conf >= 0 && conf < 50 ? WARD_SEV_LOW
                                               : WARD_SEV_MEDIUM;
    if (m && (m->flags & WARD_IOC_F_NOT_IDS)) out->rule.level = WARD_SEV_LOW;
    /* tags: intel, the source, TLP, labels */
    const char **tags = ward_arena_alloc(arena, 4 * sizeof *tags);
    size_t nt = 0;
    if (!out->rule.id || !out->rule.title || !tags) return WARD_ENOMEM;
    tags[nt++] = "intel";
    if (m && m->source) {
        snprintf(buf, sizeof buf, "intel.source:%s", m->source);
        tags[nt++] = ward_arena_strdup(arena, buf);
    }
    if (m && m->tlp) {
        snprintf(buf, sizeof buf, "tlp:%s", ward_tlp_name((enum ward_tlp)m->tlp));
        tags[nt++] = ward_arena_strdup(arena, buf);
    }
    if (m && m->labels) {
        snprintf(buf, sizeof buf, "intel.labels:%s", m->labels);
        tags[nt++] = ward_arena_strdup(arena, buf);
    }
    for (size_t i = 0; i < nt; i++)
        if (!tags[i]) return WARD_ENOMEM;
    out->rule.tags = tags;
    out->rule.ntags = nt;
    out->ts = ev->ts;
    out->source.path = ev->path;
    out->source.record = ev->record;
    out->event_json = ev->raw;
    out->event_json_len = ev->raw_len;
    /* the event's entities and the matched indicator */
    struct ward_entity *ents = NULL;
    size_t n = 0;
    if (ward_entities_from_event(ev, arena, MAX_ENTITIES - 1, &ents, &n)) return WARD_ENOMEM;
    struct ward_entity *all = ward_arena_alloc(arena, (n + 1) * sizeof *all);
    if (!all) return WARD_ENOMEM;
    if (n) memcpy(all, ents, n * sizeof *all);
    int kind = -1;
    switch (ioc->type) {
    case WARD_IOC_IPV4:
    case WARD_IOC_IPV6: {
        /* the direction from the field's name when it says one */
        const char *k = hit->key ? hit->key : "";
        kind = (strstr(k, "src") || strstr(k, "Src") || strstr(k, "Source") ||
                strstr(k, "source") || strstr(k, "orig") || strstr(k, "IpAddress"))
                   ? WARD_ENT_SRC_IP
                   : WARD_ENT_DST_IP;
        break;
    }
    case WARD_IOC_DOMAIN: kind = WARD_ENT_DOMAIN; break;
    case WARD_IOC_URL: kind = WARD_ENT_URL; break;
    case WARD_IOC_MD5:
    case WARD_IOC_SHA1:
    case WARD_IOC_SHA256:
    case WARD_IOC_SHA512: kind = WARD_ENT_HASH; break;
    default: break; /* e-mail: no entity kind in alert.h yet */
    }
    if (kind >= 0) {
        /* the text as the event has it (an address in a CIDR range, a name below a domain) */
        char *v = ward_arena_strndup(arena, hit->value.ptr, hit->value.len);
        if (!v) return WARD_ENOMEM;
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            if ((int)all[i].kind == kind && strcasecmp(all[i].value, v) == 0) dup = 1;
        if (!dup) {
            all[n].kind = (enum ward_entity_kind)kind;
            all[n].value = v;
            n++;
        }
    }
    out->entities = all;
    out->nentities = n;
    return 0;
}
