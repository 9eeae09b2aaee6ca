/* err.c - error values with a location, and their formatting. */
#include <stdio.h>
#include <string.h>

#include "ward/core.h"

const char *ward_strerror(int code)
{
    switch (code) {
    case WARD_OK: return "ok";
    case WARD_ENOMEM: return "out of memory";
    case WARD_EINVAL: return "invalid value";
    case WARD_EIO: return "input/output error";
    case WARD_ELIMIT: return "limit exceeded";
    case WARD_ESYNTAX: return "syntax error";
    case WARD_EUNSUPPORTED: return "unsupported";
    case WARD_ENOTFOUND: return "not found";
    case WARD_ECORRUPT: return "corrupt data";
    case WARD_ESTATE: return "not allowed in this state";
    default: return "unknown error";
    }
}

void ward_err_clear(struct ward_err *err)
{
    if (!err) return;
    err->code = 0;
    err->line = err->column = err->offset = 0;
    err->path[0] = '\0';
    err->msg[0] = '\0';
}

static void set_msg(struct ward_err *err, int code, const char *fmt, va_list ap) WARD_PRINTF(3, 0);
static void set_msg(struct ward_err *err, int code, const char *fmt, va_list ap)
{
    err->code = code;
    if (fmt) {
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    } else {
        ward_strlcpy(err->msg, ward_strerror(code), sizeof err->msg);
    }
    size_t n = strlen(err->msg);
    while (n > 0 && (err->msg[n - 1] == '\n' || err->msg[n - 1] == '\r')) err->msg[--n] = '\0';
}

int ward_err_set(struct ward_err *err, int code, const char *fmt, ...)
{
    if (!err) return code;
    va_list ap;
    va_start(ap, fmt);
    set_msg(err, code, fmt, ap);
    va_end(ap);
    return code;
}

int ward_err_at(struct ward_err *err, int code, const char *path, uint64_t line, uint64_t column,
                const char *fmt, ...)
{
    if (!err) return code;
    if (path && path != err->path) ward_strlcpy(err->path, path, sizeof err->path);
    err->line = line;
    err->column = column;
    va_list ap;
    va_start(ap, fmt);
    set_msg(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void ward_err_format(const struct ward_err *err, char *out, size_t outsz)
{
    if (!outsz) return;
    size_t pos = 0;
    out[0] = '\0';
#define PUT(...)                                                                                   \
    do {                                                                                           \
        if (pos < outsz) {                                                                         \
            int k_ = snprintf(out + pos, outsz - pos, __VA_ARGS__);                                \
            if (k_ > 0) pos += (size_t)k_;                                                         \
        }                                                                                          \
    } while (0)
    if (err->path[0]) PUT("%s:", err->path);
    if (err->line) {
        PUT("%llu:", (unsigned long long)err->line);
        if (err->column) PUT("%llu:", (unsigned long long)err->column);
    } else if (err->offset) {
        PUT("offset %llu:", (unsigned long long)err->offset);
    }
    if (pos) PUT(" ");
    PUT("%s", err->msg[0] ? err->msg : ward_strerror(err->code));
#undef PUT
}
