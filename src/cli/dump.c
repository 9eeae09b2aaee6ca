/* dump.c - `ward dump`: print the decoded events of files, the decoders' debugging tool. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ward/decode.h"
#include "ward/json.h"

static const char help[] =
    "usage: ward dump [OPTIONS] PATH...\n"
    "\n"
    "Decodes files (and directories, recursively) and prints every event as one JSON\n"
    "object of its flattened fields (\"Event.System.EventID\": 4624), one per line. The\n"
    "format of each file is detected from its content; compressed files (gzip, zstd) are\n"
    "read transparently. PATH - reads standard input. Bad records are reported on stderr\n"
    "with file, line or offset, and decoding goes on with the next record.\n"
    "\n"
    "Options:\n"
    "  -f, --format FMT        output: jsonl (default, one event a line) or json (an array)\n"
    "  -t, --input-format NAME force the input format instead of detecting it\n"
    "                          (see --list-formats)\n"
    "  -m, --meta              add a \"_ward\" member: source path, record, line, offset,\n"
    "                          format and event time\n"
    "  -n, --limit N           stop after N events\n"
    "      --count             print only the number of events per file and in total\n"
    "      --list-formats      list the input formats and exit\n"
    "      --max-record BYTES  largest record accepted (default 16777216)\n"
    "      --max-depth N       deepest nesting accepted (default 64)\n"
    "  -h, --help              show this help\n"
    "\n"
    "Exit status: 0 all input decoded, 65 some records or files were bad (the rest was\n"
    "printed), 66 no input could be opened, 64 usage error, 74 output error.\n"
    "\n"
    "Examples:\n"
    "  ward dump examples/intrusion/host-log.jsonl\n"
    "  ward dump --meta --limit 5 Security.evtx\n"
    "  ward dump --count evidence/\n";

struct dump_ctx {
    uint64_t file_errors;
};

static void path_err(void *ctx, const struct ward_err *e)
{
    struct dump_ctx *d = ctx;
    d->file_errors++;
    ward_log_err(WARD_LOG_ERROR, e);
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v == 0) return -1;
    *out = v;
    return 0;
}

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"input-format", required_argument, NULL, 't'},
        {"meta", no_argument, NULL, 'm'},
        {"limit", required_argument, NULL, 'n'},
        {"count", no_argument, NULL, 'c'},
        {"list-formats", no_argument, NULL, 'L'},
        {"max-record", required_argument, NULL, 'R'},
        {"max-depth", required_argument, NULL, 'D'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_format = "jsonl";
    const char *in_format = NULL;
    int meta = 0, count_only = 0;
    uint64_t limit = 0, v;
    struct ward_decode_opts dopts;
    ward_decode_opts_default(&dopts);
    int c;
    while ((c = getopt_long(argc, argv, "f:t:mn:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': out_format = optarg; break;
        case 't': in_format = optarg; break;
        case 'm': meta = 1; break;
        case 'n':
            if (parse_size(optarg, &limit)) return cli_usage_error(&ward_cmd_dump, "bad --limit");
            break;
        case 'c': count_only = 1; break;
        case 'L':
            for (size_t i = 0; ward_decoders[i]; i++)
                printf("%-10s %s\n", ward_decoders[i]->name, ward_decoders[i]->help);
            return EX_OK;
        case 'R':
            if (parse_size(optarg, &v)) return cli_usage_error(&ward_cmd_dump, "bad --max-record");
            dopts.max_record = (size_t)v;
            break;
        case 'D':
            if (parse_size(optarg, &v) || v > 10000)
                return cli_usage_error(&ward_cmd_dump, "bad --max-depth");
            dopts.max_depth = (unsigned)v;
            break;
        case 'h': cli_print_help(&ward_cmd_dump, stdout); return EX_OK;
        default: return cli_usage_error(&ward_cmd_dump, "unknown option");
        }
    }
    int as_array = 0;
    if (strcmp(out_format, "json") == 0)
        as_array = 1;
    else if (strcmp(out_format, "jsonl") != 0)
        return cli_usage_error(&ward_cmd_dump, "--format must be jsonl or json, not '%s'",
                               out_format);
    if (in_format && !ward_decoder_find(in_format))
        return cli_usage_error(&ward_cmd_dump, "unknown input format '%s' (see --list-formats)",
                               in_format);
    if (optind >= argc) return cli_usage_error(&ward_cmd_dump, "no PATH given");

    struct dump_ctx dctx = {0};
    char **paths = NULL;
    size_t npaths = 0;
    if (ward_paths_expand(argv + optind, (size_t)(argc - optind), &paths, &npaths, path_err,
                          &dctx)) {
        ward_error("out of memory");
        return EX_SOFTWARE;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) {
        ward_paths_free(paths);
        return EX_SOFTWARE;
    }
    ev.max_fields = dopts.max_fields;
    struct ward_buf out;
    ward_buf_init(&out, 0);
    uint64_t total = 0, bad_records = 0, opened = 0;
    int rc = EX_OK;
    if (as_array && !count_only) rc = cli_write("[", 1);
    for (size_t i = 0; rc == EX_OK && i < npaths && !(limit && total >= limit); i++) {
        struct ward_reader r;
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_reader_open(&r, paths[i], in_format, &dopts, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            dctx.file_errors++;
            continue;
        }
        opened++;
        uint64_t n_file = 0;
        for (;;) {
            if (limit && total >= limit) break;
            ward_err_clear(&err);
            int k = ward_reader_next(&r, &ev, &err);
            if (k == 0) break;
            if (k < 0) {
                ward_log_err(WARD_LOG_ERROR, &err);
                bad_records++;
                if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
                continue;
            }
            n_file++;
            total++;
            if (count_only) continue;
            struct ward_jw w;
            ward_jw_init(&w, &out);
            if (as_array && total > 1 && ward_buf_putc(&out, ',')) rc = EX_SOFTWARE;
            if (ward_json_write_event(&w, &ev, meta)) {
                ward_error("%s: record %llu: cannot render the event", paths[i],
                           (unsigned long long)ev.record);
                rc = EX_SOFTWARE;
                break;
            }
            if (!as_array && ward_buf_putc(&out, '\n')) rc = EX_SOFTWARE;
            if (out.len >= (1u << 16)) {
                rc = cli_write(out.data, out.len);
                ward_buf_reset(&out);
            }
        }
        if (count_only) printf("%llu\t%s\n", (unsigned long long)n_file, paths[i]);
        ward_reader_close(&r);
    }
    if (rc == EX_OK && out.len) rc = cli_write(out.data, out.len);
    if (rc == EX_OK && as_array && !count_only) rc = cli_write("]\n", 2);
    if (count_only && rc == EX_OK) printf("%llu\ttotal\n", (unsigned long long)total);
    ward_buf_free(&out);
    ward_event_free(&ev);
    ward_paths_free(paths);
    if (rc != EX_OK) return rc;
    if (opened == 0 && dctx.file_errors) return EX_NOINPUT;
    if (bad_records || dctx.file_errors) {
        ward_warn("%llu events; %llu bad records, %llu files not read", (unsigned long long)total,
                  (unsigned long long)bad_records, (unsigned long long)dctx.file_errors);
        return EX_DATAERR;
    }
    return EX_OK;
}

const struct ward_cmd ward_cmd_dump = {"dump", "print the decoded events of files as JSON", help,
                                       run};
