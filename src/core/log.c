/* log.c - messages to stderr, with colour only on a terminal. */
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "ward/core.h"

static enum ward_log_level g_level = WARD_LOG_WARN;
/* -1 until first asked; worker threads may log at once, so it is atomic */
static atomic_int g_tty = -1;

void ward_log_set_level(enum ward_log_level lvl)
{
    g_level = lvl;
}

enum ward_log_level ward_log_get_level(void)
{
    return g_level;
}

int ward_stderr_is_tty(void)
{
    int t = atomic_load_explicit(&g_tty, memory_order_relaxed);
    if (t < 0) {
        t = isatty(STDERR_FILENO) ? 1 : 0;
        atomic_store_explicit(&g_tty, t, memory_order_relaxed);
    }
    return t;
}

static const char *const names[] = {"error", "warning", "info", "debug"};
static const char *const colours[] = {"\033[1;31m", "\033[1;33m", "\033[1;36m", "\033[2m"};

void ward_log(enum ward_log_level lvl, const char *fmt, ...)
{
    if (lvl > g_level) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ward_stderr_is_tty())
        fprintf(stderr, "ward: %s%s\033[0m: %s\n", colours[lvl], names[lvl], msg);
    else
        fprintf(stderr, "ward: %s: %s\n", names[lvl], msg);
}

void ward_log_err(enum ward_log_level lvl, const struct ward_err *err)
{
    char buf[WARD_ERR_MSG_MAX + WARD_ERR_PATH_MAX + 64];
    ward_err_format(err, buf, sizeof buf);
    ward_log(lvl, "%s", buf);
}
