/* metrics.c - `ward metrics`: incident counts and the mean times to detect, acknowledge,
 * contain and resolve. */
#include <getopt.h>
#include <string.h>

#include "store_cli.h"
#include "ward/report.h"

static const char help[] =
    "usage: ward metrics [--since TIME] [--until TIME] [--format table|json] [-d STORE]\n"
    "\n"
    "Counts the incidents created in the period (merged ones left out) by severity, status,\n"
    "ATT&CK tactic and technique, with their alerts and events, and the mean times:\n"
    "  MTTD  mean time to detect:      first activity of the alerts -> incident opened\n"
    "  MTTA  mean time to acknowledge: opened -> first move out of 'new'\n"
    "  MTTC  mean time to contain:     opened -> first move into contain (or later)\n"
    "  MTTR  mean time to resolve:     opened -> closed (closed incidents only)\n"
    "Each mean is over the incidents that reached that point; the count is shown with it.\n"
    "For evidence hunted long after the fact, MTTD measures the hunt's delay, not the SOC's.\n"
    "\n"
    "Options:\n"
    "      --since TIME        incidents created at or after TIME (RFC 3339 or YYYY-MM-DD)\n"
    "      --until TIME        incidents created before TIME\n"
    "  -f, --format FMT        table (default) or json (durations in seconds)\n"
    "  -o, --output FILE       write to FILE instead of standard output\n" STORE_CLI_COMMON_HELP
    "  -h, --help              show this help\n"
    "\n" STORE_CLI_ENV_HELP "\n"
    "Examples:\n"
    "  ward metrics\n"
    "  ward metrics --since 2026-01-01 --until 2026-04-01 --format json -d case.db\n";

static int run(int argc, char **argv);
const struct ward_cmd ward_cmd_metrics = {"metrics", "incident counts and MTTD, MTTA, MTTR", help,
                                          run};

enum { O_ACTOR = 1000, O_SINCE, O_UNTIL };

static int run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, O_SINCE},
        {"until", required_argument, NULL, O_UNTIL},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"store", required_argument, NULL, 'd'},
        {"actor", required_argument, NULL, O_ACTOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = "table", *output = NULL, *store = NULL, *actor = NULL;
    ward_time_t since = WARD_TIME_NONE, until = WARD_TIME_NONE;
    int c;
    while ((c = getopt_long(argc, argv, "f:o:d:h", opts, NULL)) != -1) {
        switch (c) {
        case O_SINCE:
            if (store_cli_time(optarg, &since))
                return cli_usage_error(&ward_cmd_metrics, "bad --since '%s'", optarg);
            break;
        case O_UNTIL:
            if (store_cli_time(optarg, &until))
                return cli_usage_error(&ward_cmd_metrics, "bad --until '%s'", optarg);
            break;
        case 'f': format = optarg; break;
        case 'o': output = optarg; break;
        case 'd': store = optarg; break;
        case O_ACTOR: actor = optarg; break;
        case 'h': cli_print_help(&ward_cmd_metrics, stdout); return EX_OK;
        default: return cli_usage_error(&ward_cmd_metrics, "unknown option");
        }
    }
    if (strcmp(format, "table") && strcmp(format, "json"))
        return cli_usage_error(&ward_cmd_metrics, "--format must be table or json");
    if (optind < argc)
        return cli_usage_error(&ward_cmd_metrics, "unexpected argument '%s'", argv[optind]);
    return store_cli_metrics_out("metrics", store, actor, since, until, ward_report_metrics, format,
                                 output);
}
