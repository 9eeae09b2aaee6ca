/* report.c - `ward report` (the incident report) and `ward attack-layer` (an ATT&CK
 * Navigator layer of the techniques seen). */
#include <getopt.h>
#include <string.h>

#include "store_cli.h"
#include "ward/report.h"

static const char report_help[] =
    "usage: ward report INCIDENT [--format md|html|json] [-o FILE] [-d STORE]\n"
    "\n"
    "Writes the incident report of INCIDENT (INC-0001 or 1): a summary (status, severity,\n"
    "assignee, first and last activity, times to detect, acknowledge, contain and resolve),\n"
    "the timeline (alerts and handling steps), the alerts (and every burst of a\n"
    "correlation alert: when it fired, its group and value, how many alerts and the first\n"
    "of them), the ATT&CK tactics and techniques, the entities that tie the alerts together and "
    "the observables, the\n"
    "evidence with its chain of custody, the actions (tasks and notes), the resolution, the\n"
    "root cause and the lessons learned. Markdown for tickets and wikis, HTML (one\n"
    "self-contained page) to print or send, JSON for other tools (everything, the journal\n"
    "and the triggering events included).\n"
    "\n"
    "Options:\n"
    "  -f, --format FMT        md (default), html or json\n"
    "  -o, --output FILE       write to FILE instead of standard output\n" STORE_CLI_COMMON_HELP
    "  -h, --help              show this help\n"
    "\n" STORE_CLI_ENV_HELP "\n"
    "Exit status: 0 written, 64 usage error, 66 no such store or incident, 73/74 output\n"
    "error.\n"
    "\n"
    "Examples:\n"
    "  ward report INC-0001\n"
    "  ward report 1 --format html -o inc-0001.html -d case.db\n";

static int report_run(int argc, char **argv);
const struct ward_cmd ward_cmd_report = {"report", "write an incident report (md, html, json)",
                                         report_help, report_run};

enum { O_ACTOR = 1000, O_SINCE, O_UNTIL, O_NAME };

static int report_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},
        {"store", required_argument, NULL, 'd'},  {"actor", required_argument, NULL, O_ACTOR},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *format = "md", *output = NULL, *store = NULL, *actor = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "f:o:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'd': store = optarg; break;
        case O_ACTOR: actor = optarg; break;
        case 'h': cli_print_help(&ward_cmd_report, stdout); return EX_OK;
        default: return cli_usage_error(&ward_cmd_report, "unknown option");
        }
    }
    if (strcmp(format, "md") && strcmp(format, "html") && strcmp(format, "json"))
        return cli_usage_error(&ward_cmd_report, "--format must be md, html or json, not '%s'",
                               format);
    if (optind >= argc) return cli_usage_error(&ward_cmd_report, "no INCIDENT given");
    if (optind + 1 < argc)
        return cli_usage_error(&ward_cmd_report, "unexpected argument '%s'", argv[optind + 1]);
    int64_t id;
    if (store_cli_incident(argv[optind], &id))
        return cli_usage_error(&ward_cmd_report, "'%s' is not an incident id", argv[optind]);
    struct ward_store *st;
    int rc = store_cli_open(store_cli_path(store), actor, 0, &st);
    if (rc) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_case *cs = NULL;
    if (ward_store_load_case(st, id, 1, &cs, &err)) {
        ward_store_close(st);
        return store_cli_fail("report", &err);
    }
    struct ward_buf b;
    ward_buf_init(&b, 0);
    if (ward_report_incident(cs, format, ward_store_now(st), &b, &err))
        rc = store_cli_fail("report", &err);
    else
        rc = store_cli_output(output, b.data ? b.data : "", b.len);
    ward_buf_free(&b);
    ward_case_free(cs);
    ward_store_close(st);
    return rc;
}

static const char layer_help[] =
    "usage: ward attack-layer [--since TIME] [--until TIME] [--name NAME] [-o FILE]\n"
    "\n"
    "Writes an ATT&CK Navigator layer (JSON, layer format 4.5, enterprise-attack) of the\n"
    "techniques in the store's incidents: each technique scored by the number of incidents\n"
    "it was seen in, coloured on a gradient. Open it in the Navigator with 'Open Existing\n"
    "Layer' -> 'Upload from local'.\n"
    "\n"
    "Options:\n"
    "      --since TIME        incidents created at or after TIME (RFC 3339 or YYYY-MM-DD)\n"
    "      --until TIME        incidents created before TIME\n"
    "      --name NAME         the layer's name (default 'ward: techniques seen')\n"
    "  -o, --output FILE       write to FILE instead of standard output\n" STORE_CLI_COMMON_HELP
    "  -h, --help              show this help\n"
    "\n" STORE_CLI_ENV_HELP "\n"
    "Examples:\n"
    "  ward attack-layer -o layer.json\n"
    "  ward attack-layer --since 2026-01-01 --name 'Q1 incidents' -d case.db\n";

static int layer_run(int argc, char **argv);
const struct ward_cmd ward_cmd_attack_layer = {
    "attack-layer", "write an ATT&CK Navigator layer of the techniques seen", layer_help,
    layer_run};

static int layer_run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"name", required_argument, NULL, O_NAME},
        {"output", required_argument, NULL, 'o'},
        {"store", required_argument, NULL, 'd'},
        {"actor", required_argument, NULL, O_ACTOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *store = NULL, *actor = NULL, *name = NULL;
    ward_time_t since = WARD_TIME_NONE, until = WARD_TIME_NONE;
    int c;
    while ((c = getopt_long(argc, argv, "o:d:h", opts, NULL)) != -1) {
        switch (c) {
        case O_SINCE:
            if (store_cli_time(optarg, &since))
                return cli_usage_error(&ward_cmd_attack_layer, "bad --since '%s'", optarg);
            break;
        case O_UNTIL:
            if (store_cli_time(optarg, &until))
                return cli_usage_error(&ward_cmd_attack_layer, "bad --until '%s'", optarg);
            break;
        case O_NAME: name = optarg; break;
        case 'o': output = optarg; break;
        case 'd': store = optarg; break;
        case O_ACTOR: actor = optarg; break;
        case 'h': cli_print_help(&ward_cmd_attack_layer, stdout); return EX_OK;
        default: return cli_usage_error(&ward_cmd_attack_layer, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(&ward_cmd_attack_layer, "unexpected argument '%s'", argv[optind]);
    return store_cli_metrics_out("attack-layer", store, actor, since, until,
                                 ward_report_attack_layer, name, output);
}
