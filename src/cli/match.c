/* match.c - `ward match`: run Sigma rules over event files and print one JSON line per
 * (event, rule) hit. The building block `ward hunt` reuses. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sigma_cli.h"
#include "ward/decode.h"
#include "ward/json.h"

static const char help[] =
    "usage: ward match --rules PATH [--rules PATH...] [OPTIONS] EVENTS...\n"
    "\n"
    "Runs Sigma rules over event files (and directories, recursively; the format of each\n"
    "file is detected from its content) and prints one JSON object per line for every\n"
    "(event, rule) hit:\n"
    "\n"
    "  {\"rule\":{\"id\":...,\"title\":...,\"level\":...,\"tags\":[...]},\n"
    "   \"source\":{\"path\":...,\"record\":N,\"line\":N},\"timestamp\":\"...\",\n"
    "   \"event\":{flattened fields}}\n"
    "\n"
    "A rule only sees the events of its logsource (see the taxonomy). Rejected rules are\n"
    "reported on stderr with file, line and reason and left out; the others run.\n"
    "\n"
    "Options:\n"
    "  -r, --rules PATH         Sigma rule file or directory (repeatable; required)\n"
    "  -e, --engine NAME        fast (the compiled rule set, default) or reference (the\n"
    "                           plain evaluator, slow, for cross-checking)\n"
    "  -T, --taxonomy FILE      logsource taxonomy (default: the built-in one)\n"
    "  -P, --placeholders FILE  values for |expand placeholders (YAML name: [values])\n"
    "  -t, --input-format NAME  force the input format (see 'ward dump --list-formats')\n"
    "  -f, --format FMT         output format: jsonl (the only one for now)\n"
    "      --no-event           leave the \"event\" member out\n"
    "  -c, --count              print only the number of hits per rule (id, count, title)\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 some rule matched, 1 no hit, 65 bad input records or rejected rules\n"
    "(the rest ran), 66 no input could be opened, 64 usage error, 78 bad rules/taxonomy.\n"
    "\n"
    "Examples:\n"
    "  ward match --rules rules/ evidence/Security.evtx\n"
    "  ward match --rules sigma/rules/windows --count logs/*.jsonl\n";

struct mctx {
    struct ward_sigma_rules *rules;
    struct ward_ruleset *rs;
    const struct ward_taxonomy *tax;
    struct ward_event *ev;
    struct ward_buf *out;
    int no_event;
    uint64_t *counts; /* per rule index (fast) or per rules->rules index (reference) */
    int count_only;
    uint64_t hits;
    int err;
};

static void emit(struct mctx *m, const struct ward_sigma_rule *r)
{
    struct ward_jw w;
    ward_jw_init(&w, m->out);
    ward_jw_obj(&w);
    ward_jw_key(&w, "rule");
    ward_jw_obj(&w);
    ward_jw_key(&w, "id");
    if (r->id)
        ward_jw_str(&w, r->id);
    else
        ward_jw_null(&w);
    ward_jw_key(&w, "title");
    ward_jw_str(&w, r->title ? r->title : "");
    ward_jw_key(&w, "level");
    ward_jw_str(&w, ward_sigma_level_name(r->level));
    ward_jw_key(&w, "tags");
    ward_jw_arr(&w);
    for (size_t i = 0; i < r->ntags; i++) ward_jw_str(&w, r->tags[i]);
    ward_jw_end(&w);
    ward_jw_key(&w, "path");
    ward_jw_str(&w, r->path ? r->path : "");
    ward_jw_end(&w);
    ward_jw_key(&w, "source");
    ward_jw_obj(&w);
    ward_jw_key(&w, "path");
    ward_jw_str(&w, m->ev->path ? m->ev->path : "-");
    ward_jw_key(&w, "record");
    ward_jw_uint(&w, m->ev->record);
    if (m->ev->line) {
        ward_jw_key(&w, "line");
        ward_jw_uint(&w, m->ev->line);
    }
    ward_jw_end(&w);
    ward_jw_key(&w, "timestamp");
    if (m->ev->ts != WARD_TIME_NONE) {
        char ts[64];
        size_t n = ward_time_format(m->ev->ts, 6, ts, sizeof ts);
        ward_jw_strn(&w, ts, n);
    } else {
        ward_jw_null(&w);
    }
    if (!m->no_event) {
        ward_jw_key(&w, "event");
        if (ward_json_write_event(&w, m->ev, 0)) m->err = WARD_ENOMEM;
    }
    ward_jw_end(&w);
    if (ward_jw_error(&w) || ward_buf_putc(m->out, '\n')) m->err = WARD_ENOMEM;
}

static void on_hit(void *ctx, size_t i)
{
    struct mctx *m = ctx;
    m->hits++;
    m->counts[i]++;
    if (!m->count_only) emit(m, ward_ruleset_rule(m->rs, i));
}

static void path_err(void *ctx, const struct ward_err *e)
{
    (*(uint64_t *)ctx)++;
    ward_log_err(WARD_LOG_ERROR, e);
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"engine", required_argument, NULL, 'e'},
        {"taxonomy", required_argument, NULL, 'T'},
        {"placeholders", required_argument, NULL, 'P'},
        {"input-format", required_argument, NULL, 't'},
        {"format", required_argument, NULL, 'f'},
        {"no-event", no_argument, NULL, 'N'},
        {"count", no_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char *rule_paths[256];
    size_t nrule_paths = 0;
    const char *taxonomy = NULL, *placeholders = NULL, *in_format = NULL;
    int reference = 0, no_event = 0, count_only = 0;
    int c;
    while ((c = getopt_long(argc, argv, "r:e:T:P:t:f:ch", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (nrule_paths == 256) return cli_usage_error(&ward_cmd_match, "too many --rules");
            rule_paths[nrule_paths++] = optarg;
            break;
        case 'e':
            if (strcmp(optarg, "reference") == 0)
                reference = 1;
            else if (strcmp(optarg, "fast") == 0)
                reference = 0;
            else
                return cli_usage_error(&ward_cmd_match, "--engine must be fast or reference");
            break;
        case 'T': taxonomy = optarg; break;
        case 'P': placeholders = optarg; break;
        case 't': in_format = optarg; break;
        case 'f':
            if (strcmp(optarg, "jsonl") != 0)
                return cli_usage_error(&ward_cmd_match, "--format must be jsonl");
            break;
        case 'N': no_event = 1; break;
        case 'c': count_only = 1; break;
        case 'h': cli_print_help(&ward_cmd_match, stdout); return EX_OK;
        default: return cli_usage_error(&ward_cmd_match, "unknown option");
        }
    }
    if (!nrule_paths) return cli_usage_error(&ward_cmd_match, "give --rules PATH");
    if (optind >= argc) return cli_usage_error(&ward_cmd_match, "no EVENTS given");
    if (in_format && !ward_decoder_find(in_format))
        return cli_usage_error(&ward_cmd_match, "unknown input format '%s'", in_format);

    struct ward_taxonomy *tax = NULL;
    struct ward_sigma_rules *rules = NULL;
    struct ward_ruleset *rs = NULL;
    struct ward_matcher *matcher = NULL;
    char **paths = NULL;
    size_t npaths = 0;
    uint64_t file_errors = 0, bad_records = 0, opened = 0;
    struct ward_buf out;
    ward_buf_init(&out, 0);
    struct ward_event ev;
    int have_ev = 0;
    uint64_t *counts = NULL;
    int rc = sigma_cli_taxonomy(taxonomy, &tax);
    if (rc) return rc;
    if ((rc = sigma_cli_rules(rule_paths, nrule_paths, placeholders, &rules))) goto done;
    size_t nrules;
    if (!reference) {
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_ruleset_compile(rules, tax, &rs, &err) || ward_matcher_new(rs, &matcher)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            rc = EX_SOFTWARE;
            goto done;
        }
        nrules = ward_ruleset_count(rs);
    } else {
        size_t usable;
        if ((rc = sigma_cli_reference_check(rules, tax, &usable))) goto done;
        nrules = rules->nrules;
    }
    for (size_t i = 0; i < rules->ndiags; i++) sigma_cli_print_diag(stderr, &rules->diags[i]);
    counts = calloc(nrules + 1, sizeof *counts);
    if (!counts || ward_event_init(&ev, rs ? ward_ruleset_fields(rs) : NULL)) {
        rc = EX_SOFTWARE;
        goto done;
    }
    have_ev = 1;
    if (ward_paths_expand(argv + optind, (size_t)(argc - optind), &paths, &npaths, path_err,
                          &file_errors)) {
        rc = EX_SOFTWARE;
        goto done;
    }
    struct mctx m = {rules, rs, tax, &ev, &out, no_event, counts, count_only, 0, 0};
    for (size_t i = 0; i < npaths && rc == 0; i++) {
        struct ward_reader r;
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_reader_open(&r, paths[i], in_format, NULL, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            file_errors++;
            continue;
        }
        opened++;
        for (;;) {
            ward_err_clear(&err);
            int k = ward_reader_next(&r, &ev, &err);
            if (k == 0) break;
            if (k < 0) {
                ward_log_err(WARD_LOG_ERROR, &err);
                bad_records++;
                if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
                continue;
            }
            if (!reference) {
                if (ward_matcher_run(matcher, &ev, on_hit, &m) < 0) m.err = WARD_ENOMEM;
            } else {
                struct ward_ls_ids ls;
                ward_taxonomy_classify(tax, &ev, &ls);
                for (size_t ri = 0; ri < rules->nrules; ri++) {
                    int h = ward_sigma_ref_eval_ls(tax, rules->rules[ri], &ev, &ls);
                    if (h < 0) m.err = h;
                    if (h > 0) {
                        m.hits++;
                        counts[ri]++;
                        if (!count_only) emit(&m, rules->rules[ri]);
                    }
                }
            }
            if (m.err) {
                ward_error("out of memory");
                rc = EX_SOFTWARE;
                break;
            }
            if (out.len >= (1u << 16)) {
                rc = cli_write(out.data, out.len);
                ward_buf_reset(&out);
            }
        }
        ward_reader_close(&r);
    }
    if (rc == 0 && out.len) rc = cli_write(out.data, out.len);
    if (rc == 0 && count_only) {
        for (size_t i = 0; i < nrules; i++) {
            if (!counts[i]) continue;
            const struct ward_sigma_rule *r =
                reference ? rules->rules[i] : ward_ruleset_rule(rs, i);
            printf("%s\t%llu\t%s\n", r->id ? r->id : "-", (unsigned long long)counts[i],
                   r->title ? r->title : "");
        }
    }
    if (rc == 0) {
        if (opened == 0 && file_errors)
            rc = EX_NOINPUT;
        else if (bad_records || file_errors || rules->ndiags)
            rc = EX_DATAERR;
        else
            rc = m.hits ? 0 : 1;
    }
done:
    free(counts);
    if (have_ev) ward_event_free(&ev);
    ward_paths_free(paths);
    ward_buf_free(&out);
    ward_matcher_free(matcher);
    ward_ruleset_free(rs);
    ward_sigma_rules_free(rules);
    ward_taxonomy_free(tax);
    return rc;
}

const struct ward_cmd ward_cmd_match = {
    "match", "run Sigma rules over event files, one JSON line per hit", help, run};
