/* metrics.c - the metrics report (table, JSON) and the ATT&CK Navigator layer. */
#include <stdio.h>
#include <string.h>

#include "ward/report.h"

static void mean_json(struct ward_jw *w, const char *key, double v, int64_t n)
{
    ward_jw_key(w, key);
    ward_jw_obj(w);
    ward_jw_key(w, "seconds");
    if (n)
        ward_jw_int(w, (int64_t)v);
    else
        ward_jw_null(w);
    ward_jw_key(w, "incidents");
    ward_jw_int(w, n);
    ward_jw_end(w);
}

static void counts_json(struct ward_jw *w, const char *key, const struct ward_metric_count *c,
                        size_t n, int skip_zero)
{
    ward_jw_key(w, key);
    ward_jw_obj(w);
    for (size_t i = 0; i < n; i++) {
        if (skip_zero && !c[i].n) continue;
        ward_jw_key(w, c[i].key);
        ward_jw_int(w, c[i].n);
    }
    ward_jw_end(w);
}

static void time_json(struct ward_jw *w, const char *key, ward_time_t t)
{
    ward_jw_key(w, key);
    if (t == WARD_TIME_NONE) {
        ward_jw_null(w);
        return;
    }
    char b[48];
    ward_jw_strn(w, b, ward_time_format(t, 0, b, sizeof b));
}

int ward_report_metrics(const struct ward_metrics *m, const char *format, struct ward_buf *out,
                        struct ward_err *err)
{
    if (strcmp(format, "json") == 0) {
        struct ward_jw w;
        ward_jw_init(&w, out);
        ward_jw_obj(&w);
        time_json(&w, "since", m->since);
        time_json(&w, "until", m->until);
        ward_jw_key(&w, "incidents");
        ward_jw_int(&w, m->incidents);
        ward_jw_key(&w, "open");
        ward_jw_int(&w, m->open);
        ward_jw_key(&w, "closed");
        ward_jw_int(&w, m->closed);
        ward_jw_key(&w, "alerts");
        ward_jw_int(&w, m->alerts);
        ward_jw_key(&w, "events");
        ward_jw_int(&w, m->events);
        counts_json(&w, "by_severity", m->by_severity, 5, 0);
        counts_json(&w, "by_status", m->by_status, WARD_ST__COUNT, 0);
        counts_json(&w, "by_tactic", m->by_tactic, m->ntactics, 0);
        counts_json(&w, "by_technique", m->by_technique, m->ntechniques, 0);
        mean_json(&w, "mttd", m->mttd, m->mttd_n);
        mean_json(&w, "mtta", m->mtta, m->mtta_n);
        mean_json(&w, "mttc", m->mttc, m->mttc_n);
        mean_json(&w, "mttr", m->mttr, m->mttr_n);
        ward_jw_end(&w);
        if (ward_jw_error(&w) || ward_buf_putc(out, '\n'))
            return ward_err_set(err, WARD_ENOMEM, "out of memory");
        return 0;
    }
    if (strcmp(format, "table") != 0)
        return ward_err_set(err, WARD_EINVAL, "metrics format must be table or json");
    int rc = 0;
    char a[48], b[48];
    rc |= ward_buf_printf(
        out, "Incidents created %s .. %s\n\n",
        m->since == WARD_TIME_NONE ? "(start)" : (ward_time_format(m->since, 0, a, sizeof a), a),
        m->until == WARD_TIME_NONE ? "(now)" : (ward_time_format(m->until, 0, b, sizeof b), b));
    rc |= ward_buf_printf(out, "%-22s %lld (%lld open, %lld closed)\n", "incidents",
                          (long long)m->incidents, (long long)m->open, (long long)m->closed);
    rc |= ward_buf_printf(out, "%-22s %lld (%lld events)\n", "alerts", (long long)m->alerts,
                          (long long)m->events);
    struct {
        const char *name, *help;
        double v;
        int64_t n;
    } means[] = {
        {"MTTD", "first activity -> incident opened", m->mttd, m->mttd_n},
        {"MTTA", "opened -> acknowledged", m->mtta, m->mtta_n},
        {"MTTC", "opened -> contained", m->mttc, m->mttc_n},
        {"MTTR", "opened -> closed", m->mttr, m->mttr_n},
    };
    rc |= ward_buf_puts(out, "\n");
    for (size_t i = 0; i < 4; i++) {
        char d[32] = "-";
        if (means[i].n) ward_format_duration(means[i].v, d, sizeof d);
        rc |= ward_buf_printf(out, "%-5s %-12s over %lld incident%s  (%s)\n", means[i].name, d,
                              (long long)means[i].n, means[i].n == 1 ? "" : "s", means[i].help);
    }
    rc |= ward_buf_puts(out, "\nBY SEVERITY\n");
    for (int i = 4; i >= 0; i--)
        rc |= ward_buf_printf(out, "  %-20s %lld\n", m->by_severity[i].key,
                              (long long)m->by_severity[i].n);
    rc |= ward_buf_puts(out, "\nBY STATUS\n");
    for (int i = 0; i < WARD_ST__COUNT; i++)
        rc |= ward_buf_printf(out, "  %-20s %lld\n", m->by_status[i].key,
                              (long long)m->by_status[i].n);
    rc |= ward_buf_puts(out, "\nBY TACTIC (incidents)\n");
    if (!m->ntactics) rc |= ward_buf_puts(out, "  (none)\n");
    for (size_t i = 0; i < m->ntactics; i++)
        rc |= ward_buf_printf(out, "  %-20s %lld\n", m->by_tactic[i].key,
                              (long long)m->by_tactic[i].n);
    rc |= ward_buf_puts(out, "\nBY TECHNIQUE (incidents)\n");
    if (!m->ntechniques) rc |= ward_buf_puts(out, "  (none)\n");
    for (size_t i = 0; i < m->ntechniques; i++)
        rc |= ward_buf_printf(out, "  %-20s %lld\n", m->by_technique[i].key,
                              (long long)m->by_technique[i].n);
    return rc ? ward_err_set(err, WARD_ENOMEM, "out of memory") : 0;
}

int ward_report_attack_layer(const struct ward_metrics *m, const char *name, struct ward_buf *out,
                             struct ward_err *err)
{
    int64_t max = 0;
    for (size_t i = 0; i < m->ntechniques; i++)
        if (m->by_technique[i].n > max) max = m->by_technique[i].n;
    struct ward_jw w;
    ward_jw_init(&w, out);
    ward_jw_obj(&w);
    ward_jw_key(&w, "name");
    ward_jw_str(&w, name && *name ? name : "ward: techniques seen");
    ward_jw_key(&w, "versions");
    ward_jw_obj(&w);
    ward_jw_key(&w, "layer");
    ward_jw_str(&w, "4.5");
    ward_jw_key(&w, "navigator");
    ward_jw_str(&w, "5.1.0");
    ward_jw_end(&w);
    ward_jw_key(&w, "domain");
    ward_jw_str(&w, "enterprise-attack");
    ward_jw_key(&w, "description");
    char d[256];
    snprintf(d, sizeof d,
             "Techniques of the alerts in %lld incident%s; score = incidents with the technique.",
             (long long)m->incidents, m->incidents == 1 ? "" : "s");
    ward_jw_str(&w, d);
    ward_jw_key(&w, "sorting");
    ward_jw_int(&w, 3);
    ward_jw_key(&w, "hideDisabled");
    ward_jw_bool(&w, 0);
    ward_jw_key(&w, "techniques");
    ward_jw_arr(&w);
    for (size_t i = 0; i < m->ntechniques; i++) {
        ward_jw_obj(&w);
        ward_jw_key(&w, "techniqueID");
        ward_jw_str(&w, m->by_technique[i].key);
        ward_jw_key(&w, "score");
        ward_jw_int(&w, m->by_technique[i].n);
        ward_jw_key(&w, "comment");
        char c[96];
        snprintf(c, sizeof c, "%lld incident%s", (long long)m->by_technique[i].n,
                 m->by_technique[i].n == 1 ? "" : "s");
        ward_jw_str(&w, c);
        ward_jw_key(&w, "enabled");
        ward_jw_bool(&w, 1);
        ward_jw_key(&w, "showSubtechniques");
        ward_jw_bool(&w, 1);
        ward_jw_end(&w);
    }
    ward_jw_end(&w);
    ward_jw_key(&w, "gradient");
    ward_jw_obj(&w);
    ward_jw_key(&w, "colors");
    ward_jw_arr(&w);
    ward_jw_str(&w, "#fff7b3");
    ward_jw_str(&w, "#ff6666");
    ward_jw_end(&w);
    ward_jw_key(&w, "minValue");
    ward_jw_int(&w, 0);
    ward_jw_key(&w, "maxValue");
    ward_jw_int(&w, max ? max : 1);
    ward_jw_end(&w);
    ward_jw_key(&w, "legendItems");
    ward_jw_arr(&w);
    ward_jw_end(&w);
    ward_jw_key(&w, "showTacticRowBackground");
    ward_jw_bool(&w, 0);
    ward_jw_key(&w, "selectTechniquesAcrossTactics");
    ward_jw_bool(&w, 1);
    ward_jw_end(&w);
    if (ward_jw_error(&w) || ward_buf_putc(out, '\n'))
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    return 0;
}
