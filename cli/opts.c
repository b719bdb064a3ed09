/*
 * Option helpers shared by the commands: error messages, the fixed values of --color,
 * --status and --provider, numbers, dates and the run filters of
 * `aidf report list|summary|export`.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/filter_parse.h"
#include "aidf/textutil.h"
#include "aidf/timeutil.h"
#include "term.h"

const char *const cli_color_choices[] = {"auto", "always", "never", NULL};
const char *const cli_status_choices[] = {"completed", "blocked", "failed", NULL};
const char *const cli_provider_choices[] = {"claude-cli", "cursor-cli", "anthropic-api",
                                            "openai-api", NULL};

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    optp_vusage_error(stderr, cmd, fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

int cli_fail(const char *fmt, ...)
{
    /* Messages carry file names, report fields and servers' errors: one line, with
     * control characters visible. */
    struct aidf_buf msg = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    va_list ap;
    va_start(ap, fmt);
    aidf_buf_vaddf(&msg, fmt, ap);
    va_end(ap);
    fputs("aidf: ", stderr);
    term_fputs_vis(msg.ptr, stderr);
    fputc('\n', stderr);
    aidf_buf_release(&msg);
    return CLI_EXIT_FAIL;
}

int cli_common_opt(struct cli_common *co, int c, const char *arg)
{
    switch (c) {
    case OPT_REPORTS_DIR:
        if (!*arg) {
            cli_usage_error(co->cmd, "--reports-dir needs a directory");
            return -2;
        }
        co->reports_dir = arg;
        return 1;
    case OPT_COLOR: {
        int m = term_parse_color_mode(arg);
        if (m < 0) {
            cli_usage_error(co->cmd, "invalid --color '%s' (expected auto, always or never)", arg);
            return -2;
        }
        term_set_color_mode((enum term_color_mode)m);
        return 1;
    }
    case OPT_JSON:
        co->json = true;
        return 1;
    default:
        return 0;
    }
}

int cli_parse_count(const char *s, int64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v < 0)
        return -1;
    *out = (int64_t)v;
    return 0;
}

int cli_parse_date(const char *s, bool end_of_day, int64_t *out)
{
    int64_t t;
    if (aidf_parse_when(s, aidf_wall_ms(), end_of_day, &t) != AIDF_OK)
        return -1;
    *out = t;
    return 0;
}

void cli_filter_init(struct cli_filter *cf)
{
    memset(cf, 0, sizeof(*cf));
    aidf_filter_init(&cf->f);
}

int cli_filter_opt(struct cli_filter *cf, int c, const char *arg, const char *cmd)
{
    const char *name;
    const char **raw;
    switch (c) {
    case OPT_SINCE:
        name = "since";
        raw = &cf->since;
        break;
    case OPT_UNTIL:
        name = "until";
        raw = &cf->until;
        break;
    case OPT_STATUS:
        name = "status";
        raw = &cf->status;
        break;
    case OPT_TASK:
        name = "task";
        raw = &cf->task;
        break;
    case OPT_PROVIDER:
        name = "provider";
        raw = &cf->provider;
        break;
    case OPT_MODEL:
        name = "model";
        raw = &cf->model;
        break;
    default:
        return 0;
    }
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_filter_set(&cf->f, name, arg, "--", aidf_wall_ms(), &err) != AIDF_OK) {
        cli_usage_error(cmd, "%s", err.msg);
        return -2;
    }
    *raw = arg;
    return 1;
}

bool cli_filter_any(const struct cli_filter *cf)
{
    return cf->since || cf->until || cf->status || cf->task || cf->provider || cf->model;
}

char *cli_filter_describe(const struct cli_filter *cf)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const char *names[] = {"since", "until", "status", "task", "provider", "model"};
    const char *vals[] = {cf->since, cf->until, cf->status, cf->task, cf->provider, cf->model};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!vals[i])
            continue;
        aidf_buf_addf(&b, "%s%s=", b.len ? ", " : "", names[i]);
        aidf_buf_add_visible(&b, vals[i], strlen(vals[i]), 0);
    }
    return aidf_buf_detach(&b, NULL);
}

void cli_format_date(int64_t ms, char *out, size_t outlen)
{
    char iso[AIDF_ISO_LEN];
    aidf_iso_format(ms, iso);
    /* "2026-11-24T10:05:00.000Z" → "2026-11-24 10:05 UTC" */
    snprintf(out, outlen, "%.10s %.5s UTC", iso, iso + 11);
}
