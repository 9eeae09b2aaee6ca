/* store_cli.c - helpers shared by the case store commands (see store_cli.h). */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "store_cli.h"
#include "ward/report.h"

const char *store_cli_path(const char *opt)
{
    if (opt && *opt) return opt;
    const char *e = getenv("WARD_STORE");
    if (e && *e) return e;
    return "ward.db";
}

const char *store_cli_actor(const char *opt)
{
    if (opt && *opt) return opt;
    const char *e = getenv("WARD_ACTOR");
    if (e && *e) return e;
    e = getenv("USER");
    if (e && *e) return e;
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name && *pw->pw_name) return pw->pw_name;
    return "unknown";
}

ward_time_t store_cli_now(void)
{
    const char *e = getenv("WARD_NOW");
    if (!e || !*e) return WARD_TIME_NONE;
    ward_time_t t;
    if (ward_time_parse(e, strlen(e), &t)) {
        ward_warn("WARD_NOW='%s' is not a time: using the clock", e);
        return WARD_TIME_NONE;
    }
    return t;
}

int store_cli_open(const char *path, const char *actor, int create, struct ward_store **out)
{
    struct ward_err err;
    ward_err_clear(&err);
    int r = create ? ward_store_open(path, out, &err) : ward_store_open_existing(path, out, &err);
    if (r) {
        ward_log_err(WARD_LOG_ERROR, &err);
        if (r == WARD_ENOTFOUND) return EX_NOINPUT;
        if (r == WARD_EUNSUPPORTED) return EX_CONFIG;
        if (r == WARD_ECORRUPT) return EX_DATAERR;
        return EX_IOERR;
    }
    ward_store_set_actor(*out, store_cli_actor(actor));
    ward_store_set_now(*out, store_cli_now());
    return 0;
}

int store_cli_id(const char *s, int64_t *out)
{
    int64_t v;
    if (!s || ward_parse_i64(ward_str_c(s), &v) || v <= 0) return -1;
    *out = v;
    return 0;
}

int store_cli_incident(const char *s, int64_t *out)
{
    if (!s) return -1;
    if (strncasecmp(s, "INC-", 4) == 0)
        s += 4;
    else if (strncasecmp(s, "INC", 3) == 0)
        s += 3;
    return store_cli_id(s, out);
}

int store_cli_time(const char *s, ward_time_t *out)
{
    if (!s || !*s) return -1;
    char buf[64];
    size_t n = strlen(s);
    if (n == 10 && s[4] == '-' && s[7] == '-') {
        snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
        s = buf;
        n = strlen(s);
    }
    return ward_time_parse(s, n, out) ? -1 : 0;
}

int store_cli_fail(const char *cmd, const struct ward_err *err)
{
    char msg[1024];
    ward_err_format(err, msg, sizeof msg);
    fprintf(stderr, "ward %s: %s\n", cmd, msg);
    switch (err->code) {
    case WARD_EINVAL:
    case WARD_ELIMIT:
    case WARD_ESYNTAX:
    case WARD_ECORRUPT: return EX_DATAERR;
    case WARD_ENOTFOUND: return EX_NOINPUT;
    case WARD_ESTATE: return 1;
    case WARD_ENOMEM: return EX_SOFTWARE;
    case WARD_EUNSUPPORTED: return EX_CONFIG;
    default: return EX_IOERR;
    }
}

int store_cli_output(const char *path, const char *p, size_t n)
{
    if (!path || strcmp(path, "-") == 0) return cli_write(p, n);
    FILE *f = fopen(path, "wb");
    if (!f) {
        ward_error("%s: cannot create: %s", path, strerror(errno));
        return EX_CANTCREAT;
    }
    int rc = 0;
    if ((n && fwrite(p, 1, n, f) != n) || fflush(f) != 0) {
        ward_error("%s: cannot write: %s", path, strerror(errno));
        rc = EX_IOERR;
    }
    if (fclose(f) != 0 && !rc) {
        ward_error("%s: cannot write: %s", path, strerror(errno));
        rc = EX_IOERR;
    }
    return rc;
}

int store_cli_metrics_out(const char *cmd, const char *store, const char *actor, ward_time_t since,
                          ward_time_t until, store_cli_render_fn render, const char *arg,
                          const char *output)
{
    struct ward_store *st;
    int rc = store_cli_open(store_cli_path(store), actor, 0, &st);
    if (rc) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_metrics *m = NULL;
    if (ward_store_metrics(st, since, until, &m, &err)) {
        ward_store_close(st);
        return store_cli_fail(cmd, &err);
    }
    struct ward_buf b;
    ward_buf_init(&b, 0);
    if (render(m, arg, &b, &err))
        rc = store_cli_fail(cmd, &err);
    else
        rc = store_cli_output(output, b.data ? b.data : "", b.len);
    ward_buf_free(&b);
    ward_metrics_free(m);
    ward_store_close(st);
    return rc;
}
