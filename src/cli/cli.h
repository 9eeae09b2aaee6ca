/* cli.h - the subcommand table and helpers shared by the command files (private). */
#ifndef WARD_CLI_H
#define WARD_CLI_H

#include <stdio.h>
#include <sysexits.h>

#include "ward/core.h"

struct ward_cmd {
    const char *name;
    const char *summary; /* one line for `ward --help` */
    const char *help;    /* the full usage text (man-page style) */
    int (*run)(int argc, char **argv);
};

extern const struct ward_cmd *const ward_cmds[];

/* Prints a command's help to f. */
void cli_print_help(const struct ward_cmd *cmd, FILE *f);
/* Reports a usage error and the one-line hint; returns EX_USAGE. */
int cli_usage_error(const struct ward_cmd *cmd, const char *fmt, ...) WARD_PRINTF(2, 3);
/* Whether stdout is a terminal (colour and tables). */
int cli_stdout_tty(void);
/* Writes buf to stdout; returns 0 or EX_IOERR after reporting. */
int cli_write(const char *p, size_t n);

/* --validity MODE of `ward intel match` and `ward hunt` (enum ward_ioc_validity; the
 * semantics are ward_ioc_set_validity's). CLI_VALIDITY_HELP is the option's help text after
 * "--validity MODE"; its continuation lines start with CLI_VALIDITY_PAD, which the file
 * using it defines (the blanks up to its help column). */
#define CLI_VALIDITY_HELP                                                                          \
    "retro (default): valid_until ends an indicator, but\n" CLI_VALIDITY_PAD                       \
    "valid_from does not hide earlier events (intel published today\n" CLI_VALIDITY_PAD            \
    "still flags last month's logs); strict: valid_from <= event\n" CLI_VALIDITY_PAD               \
    "time < valid_until; ignore: match at any time\n"
/* Parses retro, strict or ignore into *mode (an enum ward_ioc_validity); -1 for anything
 * else. */
int cli_parse_validity(const char *s, int *mode);

/* one row per subcommand file */
extern const struct ward_cmd ward_cmd_dump;
extern const struct ward_cmd ward_cmd_intel;
extern const struct ward_cmd ward_cmd_hunt;
extern const struct ward_cmd ward_cmd_rules, ward_cmd_match;
extern const struct ward_cmd ward_cmd_case;
extern const struct ward_cmd ward_cmd_report;
extern const struct ward_cmd ward_cmd_metrics;
extern const struct ward_cmd ward_cmd_attack_layer;

#endif
