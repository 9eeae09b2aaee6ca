/*
 * sigma_filter.c - Sigma filters: a match of a rule named by a filter (id or name) is kept
 * only when the filter's detection (selections and condition, evaluated by the Sigma
 * reference evaluator on the event, logsource included) holds for the event.
 */
#include <string.h>

#include "ward/correlate.h"
#include "ward/sigma.h"

int ward_corr_filter_keep(const struct ward_corr_rules *rules, const struct ward_taxonomy *t,
                          const char *rule_id, const char *rule_name, struct ward_event *ev)
{
    if (!rules) return 1;
    for (size_t i = 0; i < rules->nfilters; i++) {
        const struct ward_corr_filter *f = &rules->filters[i];
        int applies = 0;
        for (size_t k = 0; k < f->nrules && !applies; k++)
            applies = (rule_id && strcmp(f->rules[k], rule_id) == 0) ||
                      (rule_name && strcmp(f->rules[k], rule_name) == 0);
        if (!applies || !f->det) continue;
        /* a filter whose logsource is not the event's does not apply to it */
        const struct ward_sigma_rule *fr = f->det;
        struct ward_ls_ids rl, el;
        char why[128];
        if (!ward_taxonomy_rule_ls(t, &fr->logsource, &rl, why, sizeof why)) continue;
        ward_taxonomy_classify(t, ev, &el);
        if (!ward_taxonomy_selects(&rl, &el)) continue;
        int r = ward_sigma_ref_eval(t, fr, ev);
        if (r == 0) return 0; /* the filter's condition does not hold: drop the match */
    }
    return 1;
}
