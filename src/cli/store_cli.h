/* store_cli.h - what the case store commands (case, report, metrics, attack-layer) share:
 * the store path, the actor, the WARD_NOW clock hook, incident ids, output files. */
#ifndef WARD_STORE_CLI_H
#define WARD_STORE_CLI_H

#include "cli.h"
#include "ward/store.h"

/* The text every store command's help ends with. */
#define STORE_CLI_COMMON_HELP                                                                      \
    "  -d, --store PATH        the case store (default: $WARD_STORE, else ./ward.db)\n"            \
    "      --actor NAME        who is acting, for the journal (default: $WARD_ACTOR, else the\n"   \
    "                          login name)\n"

#define STORE_CLI_ENV_HELP                                                                         \
    "Environment: WARD_STORE (the store), WARD_ACTOR (the actor), WARD_NOW (an RFC 3339 time\n"    \
    "used instead of the clock for every write and report: a test hook for reproducible\n"         \
    "output; never set it in production), WARD_STORE_BUSY_MS (how long to wait for another\n"      \
    "process's write, default 60000).\n"

/* The store path from the option, $WARD_STORE or ./ward.db. */
const char *store_cli_path(const char *opt);
/* The actor from the option, $WARD_ACTOR, $USER or the password database. */
const char *store_cli_actor(const char *opt);
/* The WARD_NOW time, or WARD_TIME_NONE. Reports a bad value on stderr. */
ward_time_t store_cli_now(void);
/*
 * Opens the store (create: make it when absent), sets actor and the WARD_NOW clock. On
 * failure reports on stderr and returns the exit code (EX_NOINPUT when absent); 0 on success.
 */
int store_cli_open(const char *path, const char *actor, int create, struct ward_store **out);
/* Parses "INC-0001", "inc-1" or "1". 0 on success. */
int store_cli_incident(const char *s, int64_t *out);
/* Parses a positive integer. 0 on success. */
int store_cli_id(const char *s, int64_t *out);
/* Parses an RFC 3339 time or a date (YYYY-MM-DD). 0 on success. */
int store_cli_time(const char *s, ward_time_t *out);
/* Reports a ward error and maps its code to an exit status. */
int store_cli_fail(const char *cmd, const struct ward_err *err);
/* Writes buf to the file (created or truncated) or to stdout when path is NULL or "-". */
int store_cli_output(const char *path, const char *p, size_t n);

struct ward_metrics;
/* Renders the store's metrics over [since, until) with `render` (ward_report_metrics,
 * ward_report_attack_layer ...; `arg` is its format or name) and writes the result to
 * `output`. The whole of `ward metrics` and `ward attack-layer` once their options are
 * read. Returns an exit status. */
typedef int (*store_cli_render_fn)(const struct ward_metrics *m, const char *arg,
                                   struct ward_buf *out, struct ward_err *err);
int store_cli_metrics_out(const char *cmd, const char *store, const char *actor, ward_time_t since,
                          ward_time_t until, store_cli_render_fn render, const char *arg,
                          const char *output);

#endif
