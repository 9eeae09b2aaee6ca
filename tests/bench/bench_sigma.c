/*
 * bench_sigma.c - throughput of the compiled Sigma matcher on one core: every SigmaHQ rule
 * with logsource product windows (rules, emerging-threats, threat-hunting) over the
 * EVTX-ATTACK-SAMPLES events as JSON lines, replayed from memory until at least a million
 * events went through. Prints compile time, events/s and MB/s for decode alone (the
 * baseline) and for decode + match, the share of time in decode, routing, prefilter
 * (Vectorscan scans) and condition evaluation, hits, and peak RSS.
 *
 * The last line compares with the target of issue #3 (500,000 events/s on one core, peak
 * RSS <= 256 MB). With WARD_BENCH_SLOTS=1 (and WARD_BENCH_LENS=1 or 2) it also prints the
 * slots whose eager scans cost most, with WARD_BENCH_RULES=1 the rules whose evaluation
 * costs most and their gates (an extra pass that reads the clock often: compare those
 * figures with each other only).
 *
 * usage: bench_sigma [-n MIN_EVENTS] [-e EVENTS.jsonl] [-a] [-d] [RULE_DIR...]
 *   -a  load the rules of every product, not only windows
 *   -d  decode only: 5 rounds of the decode pass (with the rules' field registry, as in
 *       the full run), each round's rate and the median; no matching (for profiling)
 * Defaults come from WARD_CORPUS (or ../shared/corpus). scripts/bench-sigma.sh runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "detect/sigma/compiled.h"
#include "ward/json_reader.h"
#include "ward/sigma.h"

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    *n = len;
    return buf;
}

struct pass {
    uint64_t events, bytes, hits, ns;
};

/* CPU time of this thread: the machine may be shared, wall time would count the others. */
static uint64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int pass_run(const char *data, size_t len, uint64_t min_events, struct ward_event *ev,
                    struct ward_matcher *m, struct pass *out)
{
    memset(out, 0, sizeof *out);
    uint64_t t0 = cpu_ns();
    while (out->events < min_events) {
        struct ward_stream *s = NULL;
        struct ward_json_reader *jr = NULL;
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_stream_open_mem(&s, data, len, "bench", &err) ||
            ward_json_reader_open(&jr, s, NULL, &err)) {
            fprintf(stderr, "bench_sigma: %s\n", err.msg);
            return -1;
        }
        for (;;) {
            ward_event_reset(ev);
            int rc = ward_json_reader_next(jr, ev, &err);
            if (rc == 0) break;
            if (rc < 0) continue;
            out->events++;
            if (m) {
                int h = ward_matcher_run(m, ev, NULL, NULL);
                if (h > 0) out->hits += (uint64_t)h;
            }
        }
        out->bytes += len;
        ward_json_reader_free(jr);
        ward_stream_close(s);
    }
    out->ns = cpu_ns() - t0;
    return 0;
}

static double rate(uint64_t n, uint64_t ns)
{
    return ns ? (double)n * 1e9 / (double)ns : 0;
}

/* The slots (eager scans) and rules (evaluations) that cost most (profile level 2). */
static void print_details(const struct ward_ruleset *rs, const struct ward_matcher_prof *p,
                          double pev, int slots, int rules)
{
    for (int top = 0; slots && top < 15; top++) {
        uint32_t bs = UINT32_MAX;
        for (uint32_t s = 0; s <= rs->nslots; s++)
            if (p->slot_ns[s] && (bs == UINT32_MAX || p->slot_ns[s] > p->slot_ns[bs])) bs = s;
        if (bs == UINT32_MAX) break;
        const struct slot *sl = bs < rs->nslots ? &rs->slots[bs] : NULL;
        uint32_t neq = 0, nlit = 0, nother = 0, ndefer = 0;
        for (uint32_t a = 0; a < rs->natoms; a++) {
            const struct atom *at = &rs->atoms[a];
            if (at->slot != (sl ? bs : WARD_KW_SLOT) || at->mode == ATOM_LAZY) continue;
            if (at->defer)
                ndefer++;
            else if (at->via == VIA_EQ)
                neq++;
            else if (at->lit)
                nlit++;
            else
                nother++;
        }
        printf("slot %4u %-36s %6.3f us/ev %5.2f scans/ev %5.0f B/scan; eager: eq %u, "
               "literals %u, other %u; deferred %u (%.3f on-demand scans/ev)\n",
               bs, sl ? sl->keys[0].name : "(keywords)", (double)p->slot_ns[bs] / 1e3 / pev,
               (double)p->slot_scans[bs] / pev,
               (double)p->slot_bytes[bs] / (double)(p->slot_scans[bs] ? p->slot_scans[bs] : 1), neq,
               nlit, nother, ndefer, (double)p->slot_later[bs] / pev);
        p->slot_ns[bs] = 0;
        if (getenv("WARD_BENCH_LENS")) {
            uint32_t h[18] = {0}, npos[4] = {0};
            for (uint32_t a = 0; a < rs->natoms; a++) {
                const struct atom *at = &rs->atoms[a];
                if (at->slot != (sl ? bs : WARD_KW_SLOT) || at->mode == ATOM_LAZY || at->defer ||
                    !at->lit || at->via != VIA_HS)
                    continue;
                int hi = 0;
                for (uint32_t k = 0; k < at->litlen; k++) hi |= (unsigned char)at->lit[k] >= 0x80;
                npos[at->pos < 4 ? at->pos : 0]++;
                h[hi ? 17 : at->litlen < 16 ? at->litlen : 16]++;
            }
            uint32_t nre = 0, nglob = 0;
            for (uint32_t a = 0; a < rs->natoms; a++) {
                const struct atom *at = &rs->atoms[a];
                if (at->slot != (sl ? bs : WARD_KW_SLOT) || at->mode == ATOM_LAZY || at->defer ||
                    at->lit)
                    continue;
                if (at->pat->kind == WARD_SP_RE)
                    nre++;
                else
                    nglob++;
                if (getenv("WARD_BENCH_LENS")[0] == '2') printf("     other: %s\n", at->pat->text);
            }
            printf("     other: %u regexes, %u globs\n", nre, nglob);
            printf("     eager HS literals by length 0..15, 16+, non-ASCII:");
            for (int k = 0; k < 18; k++) printf(" %u", h[k]);
            printf("; contains %u, startswith %u, endswith %u\n", npos[POS_ANY], npos[POS_START],
                   npos[POS_END]);
        }
    }
    for (int top = 0; rules && top < 15; top++) {
        size_t bs = SIZE_MAX;
        for (size_t r = 0; r < rs->nrules; r++)
            if (p->rule_ns[r] && (bs == SIZE_MAX || p->rule_ns[r] > p->rule_ns[bs])) bs = r;
        if (bs == SIZE_MAX) break;
        printf("rule %4zu %6.3f us/ev %5.3f evals/ev %s: %s\n", bs,
               (double)p->rule_ns[bs] / 1e3 / pev, (double)p->rule_evals[bs] / pev,
               rs->rules[bs].gated ? "gated" : "ungated", rs->rules[bs].rule->title);
        p->rule_ns[bs] = 0;
        for (uint32_t a = 0; a < rs->natoms; a++)
            for (uint32_t k = 0; k < rs->atoms[a].rules_n; k++)
                if (rs->atom_rules[rs->atoms[a].rules_off + k] == bs)
                    printf("      gate: %s '%.*s'\n",
                           rs->atoms[a].slot < rs->nslots
                               ? rs->slots[rs->atoms[a].slot].keys[0].name
                               : "(keyword)",
                           (int)rs->atoms[a].pat->len, rs->atoms[a].pat->text);
    }
}

int main(int argc, char **argv)
{
    uint64_t min_events = 1000000;
    const char *events_path = NULL;
    int all_products = 0, decode_only = 0;
    int c;
    while ((c = getopt(argc, argv, "n:e:ad")) != -1) {
        if (c == 'n')
            min_events = strtoull(optarg, NULL, 10);
        else if (c == 'e')
            events_path = optarg;
        else if (c == 'a')
            all_products = 1;
        else if (c == 'd')
            decode_only = 1;
        else {
            fprintf(stderr,
                    "usage: bench_sigma [-n MIN_EVENTS] [-e EVENTS] [-a] [-d] [RULE_DIR...]\n");
            return 64;
        }
    }
    const char *corpus = getenv("WARD_CORPUS");
    if (!corpus) corpus = "../shared/corpus";
    char dirs[3][1024], evp[1024];
    char *rule_dirs[64];
    size_t ndirs = 0;
    for (int i = optind; i < argc && ndirs < 64; i++) rule_dirs[ndirs++] = argv[i];
    if (!ndirs) {
        const char *sub[3] = {"rules", "rules-emerging-threats", "rules-threat-hunting"};
        for (int i = 0; i < 3; i++) {
            snprintf(dirs[i], sizeof dirs[i], "%s/sigma/%s", corpus, sub[i]);
            rule_dirs[ndirs++] = dirs[i];
        }
    }
    if (!events_path) {
        snprintf(evp, sizeof evp, "%s/bench/evtx-attack-samples.jsonl", corpus);
        events_path = evp;
    }
    size_t len = 0;
    char *data = slurp(events_path, &len);
    if (!data) {
        printf("SKIP: cannot read %s (set WARD_CORPUS)\n", events_path);
        return 77;
    }

    struct ward_err err;
    ward_err_clear(&err);
    struct ward_sigma_rules *set = NULL;
    struct ward_taxonomy *tax = NULL;
    uint64_t t0 = ward_clock_ns();
    if (ward_sigma_rules_load(rule_dirs, ndirs, NULL, &set, &err) ||
        ward_taxonomy_default(&tax, &err)) {
        fprintf(stderr, "bench_sigma: %s\n", err.msg);
        return 1;
    }
    uint64_t t_parse = ward_clock_ns() - t0;
    /* keep the windows rules only (the parsed set's array is swapped back before freeing) */
    struct ward_sigma_rule **all = set->rules;
    size_t nall = set->nrules, nwin = 0, ndiag0 = set->ndiags;
    struct ward_sigma_rule **win = malloc((nall ? nall : 1) * sizeof *win);
    for (size_t i = 0; i < nall; i++)
        if (all_products ||
            (all[i]->logsource.product && strcmp(all[i]->logsource.product, "windows") == 0))
            win[nwin++] = all[i];
    set->rules = win;
    set->nrules = nwin;
    struct ward_ruleset *rs = NULL;
    t0 = ward_clock_ns();
    uint64_t c0 = cpu_ns();
    if (ward_ruleset_compile(set, tax, &rs, &err)) {
        fprintf(stderr, "bench_sigma: %s\n", err.msg);
        return 1;
    }
    uint64_t t_compile = ward_clock_ns() - t0, c_compile = cpu_ns() - c0;
    printf("rules: %zu parsed (%zu rejected by the parser) in %.2f s; %zu %s rules, %zu "
           "compiled, %zu rejected\n",
           nall, ndiag0, (double)t_parse / 1e9, nwin, all_products ? "(all products)" : "windows",
           ward_ruleset_count(rs), set->ndiags - ndiag0);
    printf("compile: %.2f s (%.2f s CPU; Vectorscan %.2f s): %u slots, %u field ids, atoms %u "
           "exact + %u "
           "confirmed + %u lazy; %u of them deferred (no rule's gate: scanned or compared on "
           "demand)\n",
           (double)t_compile / 1e9, (double)c_compile / 1e9, (double)rs->hs_ns / 1e9, rs->nslots,
           rs->fields.count, rs->n_exact, rs->n_confirm, rs->n_lazy, rs->n_deferred);

    struct ward_event ev;
    struct ward_matcher *m = NULL;
    if (ward_event_init(&ev, ward_ruleset_fields(rs)) || ward_matcher_new(rs, &m)) return 1;
    struct pass base, full = {0}, prof;
    if (decode_only) {
        double r[5];
        for (int i = 0; i < 5; i++) {
            if (pass_run(data, len, min_events, &ev, NULL, &base)) return 1;
            r[i] = rate(base.events, base.ns);
            printf("decode only, round %d: %10.0f events/s %7.1f MB/s (%.3f us/event)\n", i + 1,
                   r[i], rate(base.bytes, base.ns) / 1e6, 1e6 / r[i]);
        }
        for (int i = 1; i < 5; i++) /* sort the five rates for the median */
            for (int j = i; j > 0 && r[j] < r[j - 1]; j--) {
                double t = r[j];
                r[j] = r[j - 1];
                r[j - 1] = t;
            }
        printf("decode only (median of 5): %10.0f events/s (%.3f us/event)\n", r[2], 1e6 / r[2]);
        goto out;
    }
    if (pass_run(data, len, min_events, &ev, NULL, &base)) return 1;
    if (pass_run(data, len, min_events, &ev, m, &full)) return 1;
    /* phase costs by difference: runs that stop after routing, after the prefilter, and
     * full runs; each the best of 3 rounds of a third of the events, interleaved, so that
     * noise from other jobs on the machine does not land on one phase */
    /* ns per event: decode, +route, +scan, all, +scan without the keyword pass */
    double best[5] = {1e30, 1e30, 1e30, 1e30, 1e30};
    for (int round = 0; round < 3; round++) {
        for (int phase = 0; phase < 5; phase++) {
            struct pass ps;
            static const int stop[5] = {0, 1, 2, 0, 3};
            ward_matcher_set_stop(m, stop[phase]);
            if (pass_run(data, len, min_events / 3 + 1, &ev, phase ? m : NULL, &ps)) return 1;
            double pe = (double)ps.ns / (double)(ps.events ? ps.events : 1);
            if (pe < best[phase]) best[phase] = pe;
        }
    }
    ward_matcher_set_stop(m, 0);
    ward_matcher_set_profile(m, 1);
    if (pass_run(data, len, min_events / 3 + 1, &ev, m, &prof)) return 1;
    const struct ward_matcher_prof *p = ward_matcher_get_prof(m);
    double pev = (double)(p->events ? p->events : 1);

    printf("(rates are per CPU second of the matching thread, so other load on the machine "
           "does not count)\n");
    printf("events: %zu bytes of JSON lines (%s) replayed to %llu events\n", len, events_path,
           (unsigned long long)full.events);
    printf("decode only (baseline): %10.0f events/s %7.1f MB/s\n", rate(base.events, base.ns),
           rate(base.bytes, base.ns) / 1e6);
    printf("decode + match:         %10.0f events/s %7.1f MB/s  hits %llu (%.3f per event)\n",
           rate(full.events, full.ns), rate(full.bytes, full.ns) / 1e6,
           (unsigned long long)full.hits, (double)full.hits / (double)full.events);
    printf("match alone (subtracted): %8.0f events/s\n",
           full.ns > base.ns ? rate(full.events, full.ns - base.ns) : 0.0);
    /* per event CPU times of each cumulative run; the phases are their differences */
    double pe_dec = best[0], pe_route = best[1], pe_scan = best[2], pe_full = best[3];
    printf("time per event (best of 3 rounds): %.2f us = decode %.2f + route %.2f + prefilter "
           "%.2f (slots %.2f, keywords %.2f) + conditions %.2f\n",
           pe_full / 1e3, pe_dec / 1e3, (pe_route - pe_dec) / 1e3, (pe_scan - pe_route) / 1e3,
           (best[4] - pe_route) / 1e3, (pe_scan - best[4]) / 1e3, (pe_full - pe_scan) / 1e3);
    printf("time shares: decode %.1f%%, route %.1f%%, prefilter %.1f%%, conditions %.1f%% "
           "(conditions include the on-demand scans of deferred atoms)\n",
           100.0 * pe_dec / pe_full, 100.0 * (pe_route - pe_dec) / pe_full,
           100.0 * (pe_scan - pe_route) / pe_full, 100.0 * (pe_full - pe_scan) / pe_full);
    printf("per event: %.2f Vectorscan scans, %.2f candidate rules evaluated, %.2f on-demand "
           "scans of deferred atoms\n",
           (double)p->scans / pev, (double)p->candidates / pev, (double)p->later_scans / pev);

    if (getenv("WARD_BENCH_SLOTS") || getenv("WARD_BENCH_RULES")) {
        /* where the time goes, slot by slot and rule by rule (reading the clock this often
         * makes this pass much slower: compare the figures with each other only) */
        uint64_t ev0 = p->events;
        ward_matcher_set_profile(m, 2);
        if (pass_run(data, len, min_events / 3 + 1, &ev, m, &prof)) return 1;
        p = ward_matcher_get_prof(m);
        pev = (double)(p->events - ev0 ? p->events - ev0 : 1);
        print_details(rs, p, pev, getenv("WARD_BENCH_SLOTS") != NULL,
                      getenv("WARD_BENCH_RULES") != NULL);
    }
out:;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss = (double)ru.ru_maxrss / 1024.0, eps = rate(full.events, full.ns);
    printf("peak RSS: %.1f MB\n", rss);
    if (!decode_only)
        printf("issue #3 target (500,000 events/s on one core, peak RSS <= 256 MB): %.0f events/s "
               "(%.0f%% of the target), RSS %s\n",
               eps, 100.0 * eps / 500000.0, rss <= 256.0 ? "within" : "OVER");

    ward_matcher_free(m);
    ward_event_free(&ev);
    ward_ruleset_free(rs);
    set->rules = all;
    set->nrules = nall;
    free(win);
    ward_sigma_rules_free(set);
    ward_taxonomy_free(tax);
    free(data);
    return 0;
}
