#include "aidf/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *aidf_strerror(int code)
{
    switch (code) {
    case AIDF_OK:
        return "success";
    case AIDF_EINVAL:
        return "invalid input";
    case AIDF_ENOTFOUND:
        return "not found";
    case AIDF_EIO:
        return "input/output error";
    case AIDF_ETOOBIG:
        return "too large";
    case AIDF_ETIMEOUT:
        return "timed out";
    case AIDF_EREMOTE:
        return "remote error";
    case AIDF_EAMBIGUOUS:
        return "ambiguous";
    case AIDF_ECONFLICT:
        return "conflict";
    case AIDF_EINTERNAL:
        return "internal error";
    default:
        return "unknown error";
    }
}

__attribute__((format(printf, 5, 0))) static void vfill(struct aidf_error *err, int code, int line,
                                                        int col, const char *fmt, va_list ap)
{
    if (!err)
        return;
    err->code = code;
    err->line = line;
    err->col = col;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int aidf_fail(struct aidf_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfill(err, code, 0, 0, fmt, ap);
    va_end(ap);
    return code;
}

int aidf_fail_at(struct aidf_error *err, int code, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfill(err, code, line, col, fmt, ap);
    va_end(ap);
    return code;
}

void aidf_error_clear(struct aidf_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof(*err));
}
