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
const char *const cli_bool_choices[] = {"true", "false", NULL};

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

void cli_filter_release(struct cli_filter *cf)
{
    aidf_filter_release(&cf->f);
    for (size_t i = 0; i < AIDF_FILTER_NAMES; i++)
        aidf_strlist_release(&cf->raw[i]);
}

/* The option ids of the filters, in the order of aidf_filter_names. */
static const int filter_opt_ids[AIDF_FILTER_NAMES] = {
    OPT_SINCE,   OPT_UNTIL, OPT_STATUS, OPT_TASK,       OPT_PROVIDER, OPT_MODEL,
    OPT_PROJECT, OPT_ACTOR, OPT_BRANCH, OPT_TAG_FILTER, OPT_CI,       OPT_RECEIVED_SINCE,
};

int cli_filter_opt(struct cli_filter *cf, int c, const char *arg, const char *cmd)
{
    size_t i = 0;
    while (i < AIDF_FILTER_NAMES && filter_opt_ids[i] != c)
        i++;
    if (i == AIDF_FILTER_NAMES)
        return 0;
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_filter_set(&cf->f, aidf_filter_names[i], arg, "--", aidf_wall_ms(), &err) != AIDF_OK) {
        cli_usage_error(cmd, "%s", err.msg);
        return -2;
    }
    aidf_strlist_add(&cf->raw[i], arg);
    return 1;
}

bool cli_filter_any(const struct cli_filter *cf)
{
    return aidf_filter_any(&cf->f);
}

char *cli_filter_describe(const struct cli_filter *cf)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    for (size_t i = 0; i < AIDF_FILTER_NAMES; i++) {
        const struct aidf_strlist *l = &cf->raw[i];
        if (l->n == 0)
            continue;
        /* The option's spelling: received-since, not receivedSince. */
        const char *name =
            filter_opt_ids[i] == OPT_RECEIVED_SINCE ? "received-since" : aidf_filter_names[i];
        aidf_buf_addf(&b, "%s%s=", b.len ? ", " : "", name);
        for (size_t k = 0; k < l->n; k++) {
            if (k > 0)
                aidf_buf_addch(&b, ',');
            aidf_buf_add_visible(&b, l->items[k], strlen(l->items[k]), 0);
        }
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
