/*
 * intel.c - `ward intel`: threat intelligence indicators. `check` loads intel files and
 * reports what was loaded per type and every indicator that was not (with the reason);
 * `match` loads intel and prints one JSON line per indicator hit in event files.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ward/decode.h"
#include "ward/ioc.h"
#include "ward/json.h"

static const char help[] =
    "usage: ward intel check [OPTIONS] FILE...\n"
    "       ward intel match --intel FILE [--intel FILE...] [OPTIONS] EVENTS...\n"
    "\n"
    "Threat intelligence indicators: network addresses and CIDR ranges, domain names, URLs,\n"
    "file hashes (MD5, SHA-1, SHA-256, SHA-512) and e-mail addresses that are known to be\n"
    "hostile, read from:\n"
    "  - STIX 2.1 bundles (indicator objects; patterns that are an OR of comparisons\n"
    "    `[ipv4-addr:value = '...']`, `[domain-name:value = ...]`, `[url:value = ...]`,\n"
    "    `[file:hashes.'SHA-256' = ...]`, `[email-addr:value = ...]`, `ISSUBSET 'cidr'`,\n"
    "    `IN (...)`); validity (valid_from, valid_until), confidence, labels, TLP markings;\n"
    "  - MISP events (Event.Attribute and Event.Object.Attribute: ip-src, ip-dst, domain,\n"
    "    hostname, domain|ip, url, md5, sha1, sha256, sha512, filename|<hash>, email-src ...)\n"
    "    and MISP feed directories (manifest.json and the event files);\n"
    "  - CSV files with a header naming a value column (and optionally type, source, tlp,\n"
    "    confidence, valid_from, valid_until, first_seen, last_seen, name, id, labels, to_ids);\n"
    "  - plain lists, one value per line (type guessed; '#' comments; defanged values such\n"
    "    as hxxp:// and evil[.]com are accepted).\n"
    "A FILE may be a directory (read recursively; a MISP feed when it holds manifest.json).\n"
    "Nothing is dropped silently: every indicator or part of one that ward cannot match is\n"
    "reported as unsupported, invalid or skipped, with its file, id and the reason.\n"
    "\n"
    "Commands:\n"
    "  check FILE...   load the files, print the values loaded per type, the indicators\n"
    "                  loaded whole or in part, and every problem\n"
    "  match EVENTS... match the events of files and directories (any input format ward\n"
    "                  reads) against the indicators given with --intel; one JSON line per\n"
    "                  hit: the indicator with its context, the event's source, record and\n"
    "                  time, the field and the matched text\n"
    "\n"
    "Options:\n"
    "  -i, --intel FILE     (match) an intel file or directory; repeat for more\n"
    "  -j, --json           (check) print the report as one JSON object\n"
    "  -l, --list           (check) also print every loaded value as a JSON line\n"
    "  -f, --format FMT     read the intel as stix, misp, csv or list instead of detecting it\n"
    "      --ids-only       MISP and CSV: skip values whose to_ids is false\n"
    "      --source NAME    name the source of the indicators (default: the file path)\n"
    "      --tlp LEVEL      TLP for indicators that carry none (clear, green, amber, red)\n"
    "      --confidence N   confidence (0-100) for indicators that carry none\n"
    "      --strict         (check) exit 1 also when some indicator is unsupported or invalid\n"
    "  -c, --count          (match) print only the number of hits per events file\n"
    "      --validity MODE  (match) retro (default): valid_until ends an indicator, but\n"
    "                       valid_from does not hide earlier events (intel published today\n"
    "                       still flags last month's logs); strict: valid_from <= event\n"
    "                       time < valid_until; ignore: match at any time\n"
    "  -t, --input-format NAME  (match) force the events' format\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: check: 0 when every file was read and parsed, 1 when a file could not be\n"
    "read or parsed or a STIX pattern has a syntax error (unsupported, invalid and skipped\n"
    "indicators are reported but fail only with --strict); match: 0\n"
    "(with or without hits), 65 some event records were bad, 66 no events could be read;\n"
    "64 usage error, 74 output error.\n"
    "\n"
    "Examples:\n"
    "  ward intel check feeds/apt1.json misp-feed/ blocklist.txt\n"
    "  ward intel check --json indicators.csv\n"
    "  ward intel match --intel apt1.json --intel iocs.csv logs/\n";

const struct ward_cmd ward_cmd_intel;

struct opts {
    struct ward_ioc_load_opts load;
    int json, list, strict, count;
    int validity;
    const char *in_format;
    char **intel;
    size_t nintel;
};

static int load_all(struct ward_ioc_set *set, char **paths, size_t n,
                    const struct ward_ioc_load_opts *lo, int per_file_json, struct ward_jw *w)
{
    for (size_t i = 0; i < n; i++) {
        struct ward_ioc_stats before = *ward_ioc_set_stats(set);
        struct ward_err err;
        ward_err_clear(&err);
        int rc = ward_ioc_load_path(set, paths[i], lo, &err);
        if (rc == WARD_ENOMEM) {
            ward_error("out of memory loading %s", paths[i]);
            return EX_SOFTWARE;
        }
        const struct ward_ioc_stats *s = ward_ioc_set_stats(set);
        if (per_file_json && w) {
            ward_jw_obj(w);
            ward_jw_key(w, "path");
            ward_jw_str(w, paths[i]);
            ward_jw_key(w, "values");
            ward_jw_uint(w, s->total - before.total);
            ward_jw_key(w, "indicators");
            ward_jw_uint(w, s->objects - before.objects);
            ward_jw_key(w, "loaded");
            ward_jw_uint(w, s->objects_loaded - before.objects_loaded);
            ward_jw_key(w, "partial");
            ward_jw_uint(w, s->objects_partial - before.objects_partial);
            ward_jw_key(w, "unsupported");
            ward_jw_uint(w, s->unsupported - before.unsupported);
            ward_jw_key(w, "invalid");
            ward_jw_uint(w, s->invalid - before.invalid);
            ward_jw_key(w, "skipped");
            ward_jw_uint(w, s->skipped - before.skipped);
            ward_jw_key(w, "file_errors");
            ward_jw_uint(w, s->file_errors - before.file_errors);
            ward_jw_end(w);
        } else if (per_file_json == 0 && w == NULL && lo) {
            printf("%s: %llu values from %llu indicators (%llu loaded whole, %llu in part); "
                   "%llu unsupported, %llu invalid, %llu skipped, %llu file errors\n",
                   paths[i], (unsigned long long)(s->total - before.total),
                   (unsigned long long)(s->objects - before.objects),
                   (unsigned long long)(s->objects_loaded - before.objects_loaded),
                   (unsigned long long)(s->objects_partial - before.objects_partial),
                   (unsigned long long)(s->unsupported - before.unsupported),
                   (unsigned long long)(s->invalid - before.invalid),
                   (unsigned long long)(s->skipped - before.skipped),
                   (unsigned long long)(s->file_errors - before.file_errors));
        }
    }
    return 0;
}

static void write_time(struct ward_jw *w, const char *key, ward_time_t t)
{
    if (t == WARD_TIME_NONE) return;
    char buf[40];
    ward_time_format(t, 3, buf, sizeof buf);
    ward_jw_key(w, key);
    ward_jw_str(w, buf);
}

static void write_indicator(struct ward_jw *w, const struct ward_ioc *ioc)
{
    const struct ward_ioc_meta *m = ioc->meta;
    ward_jw_obj(w);
    ward_jw_key(w, "value");
    ward_jw_strn(w, ioc->value, ioc->vlen);
    ward_jw_key(w, "type");
    ward_jw_str(w, ward_ioc_type_name((enum ward_ioc_type)ioc->type));
    if (m) {
        if (m->source) ward_jw_key(w, "source"), ward_jw_str(w, m->source);
        if (m->id) ward_jw_key(w, "id"), ward_jw_str(w, m->id);
        if (m->name) ward_jw_key(w, "name"), ward_jw_str(w, m->name);
        if (m->labels) ward_jw_key(w, "labels"), ward_jw_str(w, m->labels);
        if (m->pattern) ward_jw_key(w, "pattern"), ward_jw_str(w, m->pattern);
        if (m->event) ward_jw_key(w, "event"), ward_jw_str(w, m->event);
        if (m->confidence >= 0) ward_jw_key(w, "confidence"), ward_jw_int(w, m->confidence);
        if (m->tlp) ward_jw_key(w, "tlp"), ward_jw_str(w, ward_tlp_name((enum ward_tlp)m->tlp));
        write_time(w, "valid_from", m->valid_from);
        write_time(w, "valid_until", m->valid_until);
        write_time(w, "first_seen", m->first_seen);
        write_time(w, "last_seen", m->last_seen);
        if (m->flags & WARD_IOC_F_NOT_IDS) ward_jw_key(w, "to_ids"), ward_jw_bool(w, 0);
    }
    ward_jw_end(w);
}

static int flush_out(struct ward_buf *out, int force)
{
    if (!force && out->len < (1u << 16)) return 0;
    int rc = cli_write(out->data, out->len);
    ward_buf_reset(out);
    return rc;
}

static int run_check(struct opts *o, char **files, size_t nfiles)
{
    struct ward_ioc_set *set;
    if (ward_ioc_set_new(&set)) return EX_SOFTWARE;
    struct ward_buf out;
    ward_buf_init(&out, 0);
    struct ward_jw w;
    ward_jw_init(&w, &out);
    int rc;
    if (o->json) {
        ward_jw_obj(&w);
        ward_jw_key(&w, "files");
        ward_jw_arr(&w);
        rc = load_all(set, files, nfiles, &o->load, 1, &w);
        ward_jw_end(&w);
    } else {
        rc = load_all(set, files, nfiles, &o->load, 0, NULL);
    }
    if (rc) goto done;
    const struct ward_ioc_stats *s = ward_ioc_set_stats(set);
    if (o->json) {
        ward_jw_key(&w, "values");
        ward_jw_obj(&w);
        for (int t = 0; t < WARD_IOC_NTYPES; t++) {
            ward_jw_key(&w, ward_ioc_type_name((enum ward_ioc_type)t));
            ward_jw_uint(&w, s->values[t]);
        }
        ward_jw_end(&w);
        ward_jw_key(&w, "cidr");
        ward_jw_obj(&w);
        ward_jw_key(&w, "ipv4");
        ward_jw_uint(&w, s->cidrs[0]);
        ward_jw_key(&w, "ipv6");
        ward_jw_uint(&w, s->cidrs[1]);
        ward_jw_end(&w);
#define NUM(k, v) ward_jw_key(&w, k), ward_jw_uint(&w, v)
        NUM("total", s->total);
        NUM("indicators", s->objects);
        NUM("loaded", s->objects_loaded);
        NUM("partial", s->objects_partial);
        NUM("unsupported", s->unsupported);
        NUM("invalid", s->invalid);
        NUM("skipped", s->skipped);
        NUM("file_errors", s->file_errors);
#undef NUM
        ward_jw_key(&w, "problems");
        ward_jw_arr(&w);
    } else {
        if (ward_buf_printf(&out, "values:") < 0) goto oom;
        for (int t = 0; t < WARD_IOC_NTYPES; t++)
            if (ward_buf_printf(&out, " %s %llu", ward_ioc_type_name((enum ward_ioc_type)t),
                                (unsigned long long)s->values[t]) < 0)
                goto oom;
        if (ward_buf_printf(&out,
                            " (ranges: ipv4 %llu, ipv6 %llu); total %llu\n"
                            "indicators: %llu, loaded whole %llu, in part %llu; problems: "
                            "unsupported %llu, invalid %llu, skipped %llu, file errors %llu\n",
                            (unsigned long long)s->cidrs[0], (unsigned long long)s->cidrs[1],
                            (unsigned long long)s->total, (unsigned long long)s->objects,
                            (unsigned long long)s->objects_loaded,
                            (unsigned long long)s->objects_partial,
                            (unsigned long long)s->unsupported, (unsigned long long)s->invalid,
                            (unsigned long long)s->skipped, (unsigned long long)s->file_errors) < 0)
            goto oom;
    }
    size_t np = ward_ioc_set_problem_count(set);
    for (size_t i = 0; i < np; i++) {
        const struct ward_ioc_problem *p = ward_ioc_set_problem(set, i);
        if (o->json) {
            ward_jw_obj(&w);
            ward_jw_key(&w, "kind");
            ward_jw_str(&w, ward_ioc_problem_kind_name((enum ward_ioc_problem_kind)p->kind));
            if (p->partial) ward_jw_key(&w, "partial"), ward_jw_bool(&w, 1);
            ward_jw_key(&w, "source");
            ward_jw_str(&w, p->source ? p->source : "");
            if (p->line) ward_jw_key(&w, "line"), ward_jw_uint(&w, p->line);
            if (p->id) ward_jw_key(&w, "id"), ward_jw_str(&w, p->id);
            if (p->text) ward_jw_key(&w, "text"), ward_jw_str(&w, p->text);
            ward_jw_key(&w, "reason");
            ward_jw_str(&w, p->reason);
            ward_jw_end(&w);
        } else {
            char loc[64] = "";
            if (p->line) snprintf(loc, sizeof loc, ":%llu", (unsigned long long)p->line);
            if (ward_buf_printf(&out, "%s%s %s: %s%s%s%s%s%s\n", p->source ? p->source : "", loc,
                                ward_ioc_problem_kind_name((enum ward_ioc_problem_kind)p->kind),
                                p->id ? p->id : "", p->id ? ": " : "", p->reason,
                                p->text ? " [" : "", p->text ? p->text : "",
                                p->text ? "]" : "") < 0)
                goto oom;
        }
        if ((rc = flush_out(&out, 0))) goto done;
    }
    if (o->json) {
        ward_jw_end(&w);
        ward_jw_end(&w);
        if (ward_buf_putc(&out, '\n')) goto oom;
    }
    if (o->list) {
        if (ward_ioc_set_compile(set)) goto oom;
        for (size_t i = 0; i < ward_ioc_set_count(set); i++) {
            struct ward_jw lw;
            ward_jw_init(&lw, &out);
            write_indicator(&lw, ward_ioc_set_get(set, i));
            if (ward_jw_error(&lw) || ward_buf_putc(&out, '\n')) goto oom;
            if ((rc = flush_out(&out, 0))) goto done;
        }
    }
    if (ward_jw_error(&w)) goto oom;
    rc = flush_out(&out, 1);
    int syntax_errors = 0;
    for (size_t i = 0; i < np; i++)
        if (strncmp(ward_ioc_set_problem(set, i)->reason, "pattern syntax error", 20) == 0)
            syntax_errors++;
    if (rc == 0 &&
        (s->file_errors || syntax_errors || (o->strict && (s->unsupported || s->invalid))))
        rc = 1;
    goto done;
oom:
    ward_error("out of memory");
    rc = EX_SOFTWARE;
done:
    ward_buf_free(&out);
    ward_ioc_set_free(set);
    return rc;
}

struct match_ctx {
    struct ward_buf *out;
    struct ward_event *ev;
    uint64_t hits;
    int count_only;
    int err;
};

static int on_hit(void *vctx, const struct ward_ioc_hit *hit)
{
    struct match_ctx *c = vctx;
    c->hits++;
    if (c->count_only) return 0;
    struct ward_jw w;
    ward_jw_init(&w, c->out);
    ward_jw_obj(&w);
    ward_jw_key(&w, "indicator");
    write_indicator(&w, hit->ioc);
    ward_jw_key(&w, "event");
    ward_jw_obj(&w);
    ward_jw_key(&w, "path");
    ward_jw_str(&w, c->ev->path ? c->ev->path : "");
    ward_jw_key(&w, "record");
    ward_jw_uint(&w, c->ev->record);
    if (c->ev->line) ward_jw_key(&w, "line"), ward_jw_uint(&w, c->ev->line);
    write_time(&w, "time", c->ev->ts);
    ward_jw_end(&w);
    ward_jw_key(&w, "field");
    ward_jw_str(&w, hit->key);
    ward_jw_key(&w, "match");
    ward_jw_strn(&w, hit->value.ptr, hit->value.len);
    ward_jw_end(&w);
    if (ward_jw_error(&w) || ward_buf_putc(c->out, '\n')) c->err = 1;
    return 0;
}

static void path_err(void *ctx, const struct ward_err *e)
{
    (*(uint64_t *)ctx)++;
    ward_log_err(WARD_LOG_ERROR, e);
}

static int run_match(struct opts *o, char **inputs, size_t ninputs)
{
    if (!o->nintel) return cli_usage_error(&ward_cmd_intel, "match needs --intel FILE");
    struct ward_ioc_set *set;
    if (ward_ioc_set_new(&set)) return EX_SOFTWARE;
    int rc = load_all(set, o->intel, o->nintel, &o->load, -1, NULL);
    if (rc) {
        ward_ioc_set_free(set);
        return rc;
    }
    const struct ward_ioc_stats *s = ward_ioc_set_stats(set);
    if (s->file_errors) {
        for (size_t i = 0; i < ward_ioc_set_problem_count(set); i++) {
            const struct ward_ioc_problem *p = ward_ioc_set_problem(set, i);
            if (p->kind == WARD_IOC_FILE_ERROR)
                ward_error("%s: %s", p->source ? p->source : "", p->reason);
        }
    }
    if (s->unsupported || s->invalid)
        ward_warn("intel: %llu values loaded; %llu unsupported and %llu invalid indicators not "
                  "loaded (run 'ward intel check' for the list)",
                  (unsigned long long)s->total, (unsigned long long)s->unsupported,
                  (unsigned long long)s->invalid);
    ward_ioc_set_validity(set, (enum ward_ioc_validity)o->validity);
    if (ward_ioc_set_compile(set)) {
        ward_ioc_set_free(set);
        return EX_SOFTWARE;
    }
    uint64_t file_errors = 0;
    char **paths = NULL;
    size_t npaths = 0;
    if (ward_paths_expand(inputs, ninputs, &paths, &npaths, path_err, &file_errors)) {
        ward_ioc_set_free(set);
        return EX_SOFTWARE;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) {
        ward_paths_free(paths);
        ward_ioc_set_free(set);
        return EX_SOFTWARE;
    }
    struct ward_buf out;
    ward_buf_init(&out, 0);
    struct match_ctx mc = {&out, &ev, 0, o->count, 0};
    uint64_t bad = 0, opened = 0;
    rc = 0;
    for (size_t i = 0; i < npaths && rc == 0; i++) {
        struct ward_reader r;
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_reader_open(&r, paths[i], o->in_format, NULL, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            file_errors++;
            continue;
        }
        opened++;
        uint64_t before = mc.hits;
        for (;;) {
            ward_err_clear(&err);
            int k = ward_reader_next(&r, &ev, &err);
            if (k == 0) break;
            if (k < 0) {
                ward_log_err(WARD_LOG_ERROR, &err);
                bad++;
                if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
                continue;
            }
            if (ward_ioc_match_event(set, &ev, on_hit, &mc) < 0 || mc.err) {
                ward_error("out of memory");
                rc = EX_SOFTWARE;
                break;
            }
            if (rc == 0 && out.len >= (1u << 16)) rc = flush_out(&out, 1);
        }
        if (o->count) printf("%llu\t%s\n", (unsigned long long)(mc.hits - before), paths[i]);
        ward_reader_close(&r);
    }
    if (rc == 0) rc = flush_out(&out, 1);
    if (o->count && rc == 0) printf("%llu\ttotal\n", (unsigned long long)mc.hits);
    ward_buf_free(&out);
    ward_event_free(&ev);
    ward_paths_free(paths);
    ward_ioc_set_free(set);
    if (rc) return rc;
    if (opened == 0) return EX_NOINPUT;
    if (bad || file_errors) return EX_DATAERR;
    return EX_OK;
}

static int run(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"intel", required_argument, NULL, 'i'},
        {"json", no_argument, NULL, 'j'},
        {"list", no_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {"ids-only", no_argument, NULL, 'I'},
        {"source", required_argument, NULL, 'S'},
        {"tlp", required_argument, NULL, 'T'},
        {"confidence", required_argument, NULL, 'C'},
        {"strict", no_argument, NULL, 's'},
        {"count", no_argument, NULL, 'c'},
        {"input-format", required_argument, NULL, 't'},
        {"validity", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o;
    memset(&o, 0, sizeof o);
    ward_ioc_load_opts_default(&o.load);
    o.intel = calloc((size_t)argc + 1, sizeof *o.intel);
    if (!o.intel) return EX_SOFTWARE;
    int c, rc = EX_OK;
    while ((c = getopt_long(argc, argv, "i:jlf:ct:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'i': o.intel[o.nintel++] = optarg; break;
        case 'j': o.json = 1; break;
        case 'l': o.list = 1; break;
        case 'f':
            if (strcmp(optarg, "stix") && strcmp(optarg, "misp") && strcmp(optarg, "csv") &&
                strcmp(optarg, "list") && strcmp(optarg, "json")) {
                rc = cli_usage_error(&ward_cmd_intel, "--format must be stix, misp, csv or list");
                goto out;
            }
            o.load.format = optarg;
            break;
        case 'I': o.load.ids_only = 1; break;
        case 'S': o.load.source = optarg; break;
        case 'T':
            o.load.tlp = (uint8_t)ward_tlp_parse(optarg, strlen(optarg));
            if (!o.load.tlp) {
                rc = cli_usage_error(&ward_cmd_intel, "--tlp must be clear, green, amber, "
                                                      "amber+strict or red");
                goto out;
            }
            break;
        case 'C': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 100) {
                rc = cli_usage_error(&ward_cmd_intel, "--confidence must be 0 to 100");
                goto out;
            }
            o.load.confidence = (int16_t)v;
            break;
        }
        case 's': o.strict = 1; break;
        case 'c': o.count = 1; break;
        case 't': o.in_format = optarg; break;
        case 'V':
            if (strcmp(optarg, "retro") == 0)
                o.validity = WARD_IOC_VALID_RETRO;
            else if (strcmp(optarg, "strict") == 0)
                o.validity = WARD_IOC_VALID_STRICT;
            else if (strcmp(optarg, "ignore") == 0)
                o.validity = WARD_IOC_VALID_IGNORE;
            else {
                rc = cli_usage_error(&ward_cmd_intel, "--validity must be retro, strict or ignore");
                goto out;
            }
            break;
        case 'h': cli_print_help(&ward_cmd_intel, stdout); goto out;
        default: rc = cli_usage_error(&ward_cmd_intel, "unknown option"); goto out;
        }
    }
    if (optind >= argc) {
        rc = cli_usage_error(&ward_cmd_intel, "no command given (check or match)");
        goto out;
    }
    /* getopt permutes: options may come before or after the command word */
    const char *cmd = argv[optind++];
    if (optind >= argc) {
        rc = cli_usage_error(&ward_cmd_intel, "no FILE given");
        goto out;
    }
    if (strcmp(cmd, "check") == 0)
        rc = run_check(&o, argv + optind, (size_t)(argc - optind));
    else if (strcmp(cmd, "match") == 0)
        rc = run_match(&o, argv + optind, (size_t)(argc - optind));
    else
        rc = cli_usage_error(&ward_cmd_intel, "unknown command '%s' (check or match)", cmd);
out:
    free(o.intel);
    return rc;
}

const struct ward_cmd ward_cmd_intel = {
    "intel", "load threat intelligence (STIX, MISP, CSV, lists) and match it", help, run};
