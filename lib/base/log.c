#include "aidf/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aidf/buf.h"
#include "aidf/textutil.h"

int aidf_log_level = AIDF_LOG_WARN;

static aidf_log_sink_fn sink_fn;
static void *sink_ctx;

void aidf_log_set_sink(aidf_log_sink_fn fn, void *ctx)
{
    sink_fn = fn;
    sink_ctx = ctx;
}

int aidf_log_parse_level(const char *s)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, names[i]) == 0)
            return i;
    if (strcasecmp(s, "warning") == 0)
        return AIDF_LOG_WARN;
    return -1;
}

void aidf_log_emit(int level, const char *fmt, ...)
{
    static const char *const prefix[] = {"error", "warning", "info", "debug"};
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (sink_fn) {
        sink_fn(level, line, sink_ctx);
        return;
    }
    if (level < 0 || level > 3)
        level = AIDF_LOG_ERROR;
    /* One line on the terminal: a message may quote a report, a file or a server's
     * answer, whose control characters are written as visible escapes. */
    struct aidf_buf vis = AIDF_BUF_INIT(sizeof(line) * 4 + 16);
    aidf_buf_add_visible(&vis, line, strlen(line), 0);
    fprintf(stderr, "aidf: %s: %s\n", prefix[level], vis.ptr);
    aidf_buf_release(&vis);
}
