/*
 * hunt_store.c - `ward hunt --store`: the alerts of a hunt, in timeline order, recorded in
 * the case store, where repeats are de-duplicated and alerts sharing entities group into
 * incidents. Kept apart from hunt.c because the store's alert.h and the detection headers
 * (sigma.h, attack.h) are separate stages: only plain values cross this file's interface.
 */
#include <stdlib.h>
#include <string.h>

#include "hunt_store.h"
#include "store_cli.h"
#include "ward/alert.h"
#include "ward/correlate.h"
#include "ward/incident.h"
#include "ward/store.h"

#define BATCH 512

struct hunt_store {
    struct ward_store *st;
    struct ward_group_opts gopts;
    struct ward_store_stats stats;
    struct ward_arena arena; /* copies of the queued alerts' strings, reset per batch */
    struct ward_alert *q;
    size_t nq;
    char *path;
};

int hunt_store_open(const char *path, struct hunt_store **out)
{
    *out = NULL;
    struct hunt_store *hs = calloc(1, sizeof *hs);
    if (!hs) return EX_OSERR;
    hs->q = calloc(BATCH, sizeof *hs->q);
    hs->path = strdup(path);
    if (!hs->q || !hs->path) {
        hunt_store_free(hs);
        return EX_OSERR;
    }
    ward_arena_init(&hs->arena, 1u << 20, 0);
    ward_group_opts_default(&hs->gopts);
    int rc = store_cli_open(path, NULL, 1, &hs->st);
    if (rc) {
        hunt_store_free(hs);
        return rc;
    }
    *out = hs;
    return 0;
}

static int flush(struct hunt_store *hs)
{
    if (!hs->nq) return 0;
    struct ward_err err;
    ward_err_clear(&err);
    int rc = ward_store_add_alerts(hs->st, hs->q, hs->nq, &hs->gopts, &hs->stats, &err);
    if (rc) ward_log_err(WARD_LOG_ERROR, &err);
    hs->nq = 0;
    ward_arena_reset(&hs->arena);
    return rc;
}

static char *dup(struct hunt_store *hs, const char *s, size_t n)
{
    return s ? ward_arena_strndup(&hs->arena, s, n) : NULL;
}

static const char **dup_list(struct hunt_store *hs, const char *const *v, size_t n)
{
    if (!n) return NULL;
    const char **out = ward_arena_alloc(&hs->arena, n * sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) out[i] = v[i] ? dup(hs, v[i], strlen(v[i])) : NULL;
    return out;
}

static int parse_entities(struct hunt_store *hs, const char *p, size_t n, struct ward_alert *a)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++) lines += p[i] == '\n';
    if (!lines) return 0;
    struct ward_entity *ents = ward_arena_alloc(&hs->arena, lines * sizeof *ents);
    if (!ents) return WARD_ENOMEM;
    size_t k = 0;
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *tab = memchr(p, '\t', (size_t)(nl - p));
        if (!nl || !tab) break;
        for (int kind = 0; kind < WARD_ENT__COUNT; kind++) {
            const char *name = ward_entity_kind_name((enum ward_entity_kind)kind);
            if (strlen(name) == (size_t)(tab - p) && memcmp(name, p, (size_t)(tab - p)) == 0) {
                ents[k].kind = (enum ward_entity_kind)kind;
                ents[k].value = dup(hs, tab + 1, (size_t)(nl - tab - 1));
                if (!ents[k].value) return WARD_ENOMEM;
                k++;
                break;
            }
        }
        p = nl + 1;
    }
    a->entities = ents;
    a->nentities = k;
    return 0;
}

int hunt_store_add(struct hunt_store *hs, const struct hunt_store_alert *in)
{
    struct ward_alert *a = &hs->q[hs->nq];
    memset(a, 0, sizeof *a);
    a->ts = in->ts;
    a->host = in->host_len ? dup(hs, in->host, in->host_len) : NULL;
    a->rule.id = dup(hs, in->rule_id, strlen(in->rule_id));
    a->rule.title = dup(hs, in->rule_title, strlen(in->rule_title));
    a->rule.level = in->severity;
    a->rule.tags = dup_list(hs, (const char *const *)in->tags, in->ntags);
    a->rule.ntags = in->tags ? in->ntags : 0;
    if (in->ntech) {
        struct ward_alert_technique *t = ward_arena_alloc(&hs->arena, in->ntech * sizeof *t);
        if (!t) return WARD_ENOMEM;
        for (size_t i = 0; i < in->ntech; i++) {
            t[i].id = dup(hs, in->tech_ids[i], strlen(in->tech_ids[i]));
            t[i].name =
                in->tech_names[i] ? dup(hs, in->tech_names[i], strlen(in->tech_names[i])) : NULL;
        }
        a->attack.techniques = t;
        a->attack.ntechniques = in->ntech;
    }
    a->attack.tactics = dup_list(hs, in->tactics, in->ntactics);
    a->attack.ntactics = in->ntactics;
    a->source.path = in->path ? dup(hs, in->path, strlen(in->path)) : NULL;
    a->source.record = in->record;
    if (in->event_json_len) {
        a->event_json = dup(hs, in->event_json, in->event_json_len);
        a->event_json_len = in->event_json_len;
    }
    if (!a->rule.id || !a->rule.title) return WARD_ENOMEM;
    int rc = parse_entities(hs, in->entities, in->entities_len, a);
    if (rc) return rc;
    if (++hs->nq == BATCH) return flush(hs);
    return 0;
}

int hunt_store_finish(struct hunt_store *hs, FILE *report)
{
    int rc = flush(hs);
    if (!rc && report) {
        const struct ward_store_stats *s = &hs->stats;
        fprintf(report,
                "  store:     %s: %llu alerts recorded (%llu new, %llu repeats counted on "
                "existing alerts), %llu new incidents, %llu observables\n",
                hs->path, (unsigned long long)s->alerts, (unsigned long long)s->alerts_new,
                (unsigned long long)s->alerts_repeated, (unsigned long long)s->incidents_new,
                (unsigned long long)s->observables_new);
    }
    return rc;
}

void hunt_store_free(struct hunt_store *hs)
{
    if (!hs) return;
    ward_store_close(hs->st);
    ward_arena_free(&hs->arena);
    free(hs->q);
    free(hs->path);
    free(hs);
}

int hunt_store_entities(struct ward_event *ev, struct ward_buf *out)
{
    struct ward_arena scratch;
    ward_arena_init(&scratch, 4096, 0);
    struct ward_entity *ents = NULL;
    size_t n = 0;
    int rc = ward_entities_from_event(ev, &scratch, 64, &ents, &n);
    for (size_t i = 0; !rc && i < n; i++) {
        const char *v = ents[i].value;
        if (strchr(v, '\n') || strchr(v, '\t')) continue; /* would break the line format */
        rc = ward_buf_printf(out, "%s\t%s\n", ward_entity_kind_name(ents[i].kind), v);
    }
    ward_arena_free(&scratch);
    return rc;
}

int hunt_store_corr_entities(const struct ward_corr_alert *a, struct ward_buf *ents,
                             struct ward_buf *host)
{
    struct ward_arena scratch;
    ward_arena_init(&scratch, 4096, 0);
    struct ward_alert al;
    int rc = ward_corr_alert_build(a, NULL, 0, NULL, &scratch, &al);
    for (size_t i = 0; !rc && i < al.nentities; i++) {
        const char *v = al.entities[i].value;
        if (strchr(v, '\n') || strchr(v, '\t')) continue; /* would break the line format */
        rc = ward_buf_printf(ents, "%s\t%s\n", ward_entity_kind_name(al.entities[i].kind), v);
    }
    if (!rc && al.host) rc = ward_buf_puts(host, al.host);
    ward_arena_free(&scratch);
    return rc;
}
