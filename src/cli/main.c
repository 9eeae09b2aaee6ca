/* main.c - ward's entry point: global options and the subcommand table. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const struct ward_cmd *const ward_cmds[] = {
    &ward_cmd_hunt,         &ward_cmd_dump, &ward_cmd_rules,
    &ward_cmd_match,        &ward_cmd_case, /* case.c */
    &ward_cmd_report,                       /* report.c */
    &ward_cmd_metrics,                      /* metrics.c */
    &ward_cmd_attack_layer,                 /* report.c */
    &ward_cmd_intel,        NULL,
};

static const char usage_text[] =
    "usage: ward [-v | -q] COMMAND [ARGS...]\n"
    "       ward --help | --version | help COMMAND\n"
    "\n"
    "ward is a security incident handling platform: it reads security telemetry, detects\n"
    "threats with Sigma rules and threat intelligence, and manages incidents.\n"
    "\n"
    "Global options:\n"
    "  -h, --help       show this help and exit\n"
    "  -V, --version    show the version and exit\n"
    "  -v, --verbose    more messages on stderr (repeat for debug)\n"
    "  -q, --quiet      only errors on stderr\n"
    "\n"
    "Commands:\n";

static void print_usage(FILE *f)
{
    fputs(usage_text, f);
    for (size_t i = 0; ward_cmds[i]; i++)
        fprintf(f, "  %-12s %s\n", ward_cmds[i]->name, ward_cmds[i]->summary);
    fputs("\nRun 'ward help COMMAND' or 'ward COMMAND --help' for a command's options.\n"
          "Exit status: 0 success, 1 findings or failed checks where a command says so,\n"
          "64 usage error, 65 bad input data, 66 input missing, 70 internal error,\n"
          "74 I/O error, 78 configuration error.\n",
          f);
}

void cli_print_help(const struct ward_cmd *cmd, FILE *f)
{
    fputs(cmd->help, f);
}

int cli_usage_error(const struct ward_cmd *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ward %s: %s\nTry 'ward %s --help'.\n", cmd->name, msg, cmd->name);
    return EX_USAGE;
}

int cli_stdout_tty(void)
{
    static int tty = -1;
    if (tty < 0) tty = isatty(STDOUT_FILENO) ? 1 : 0;
    return tty;
}

int cli_write(const char *p, size_t n)
{
    if (n && fwrite(p, 1, n, stdout) != n) {
        ward_error("cannot write output: %s", strerror(errno));
        return EX_IOERR;
    }
    return 0;
}

static const struct ward_cmd *find_cmd(const char *name)
{
    for (size_t i = 0; ward_cmds[i]; i++)
        if (strcmp(ward_cmds[i]->name, name) == 0) return ward_cmds[i];
    return NULL;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    int verbose = 0;
    int c;
    /* '+' stops at the first non-option: the subcommand */
    while ((c = getopt_long(argc, argv, "+hVvq", opts, NULL)) != -1) {
        switch (c) {
        case 'h': print_usage(stdout); return EX_OK;
        case 'V': printf("ward %s\n", WARD_VERSION); return EX_OK;
        case 'v': verbose++; break;
        case 'q': verbose = -1; break;
        default: print_usage(stderr); return EX_USAGE;
        }
    }
    if (verbose < 0)
        ward_log_set_level(WARD_LOG_ERROR);
    else if (verbose == 1)
        ward_log_set_level(WARD_LOG_INFO);
    else if (verbose > 1)
        ward_log_set_level(WARD_LOG_DEBUG);
    if (optind >= argc) {
        print_usage(stderr);
        return EX_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        if (optind + 1 >= argc) {
            print_usage(stdout);
            return EX_OK;
        }
        const struct ward_cmd *cmd = find_cmd(argv[optind + 1]);
        if (!cmd) {
            fprintf(stderr, "ward: no such command '%s'; run 'ward --help'\n", argv[optind + 1]);
            return EX_USAGE;
        }
        cli_print_help(cmd, stdout);
        return EX_OK;
    }
    const struct ward_cmd *cmd = find_cmd(name);
    if (!cmd) {
        fprintf(stderr, "ward: no such command '%s'; run 'ward --help'\n", name);
        return EX_USAGE;
    }
    /* the subcommand parses its own options from argv[0] = its name */
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    optind = 0; /* full getopt reset for the subcommand */
    int rc = cmd->run(sub_argc, sub_argv);
    if (fflush(stdout) != 0 && rc == 0) {
        ward_error("cannot write output: %s", strerror(errno));
        rc = EX_IOERR;
    }
    return rc;
}
