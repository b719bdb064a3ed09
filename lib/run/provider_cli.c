/*
 * The agent-CLI providers: claude-cli (`claude -p --output-format json`) and cursor-cli
 * (`cursor-agent -p --output-format json`). The prompt goes on stdin; the JSON result on
 * stdout gives the text, exact usage (with cache tokens), Claude's own cost and the
 * session id used to continue (`--resume <session_id>`).
 *
 * Outcomes are classified by the result's `subtype`, not by the exit status: an API error arrives
 * as subtype success + is_error. A run without a result line is its own failure; its tokens are
 * then estimated (chars / 4) and flagged.
 */
#include "aidf/provider.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/agent_result.h"
#include "aidf/log.h"
#include "aidf/xalloc.h"

/* Longest stderr excerpt quoted in an error message. */
#define STDERR_EXCERPT 300

enum cli_kind {
    CLI_CLAUDE,
    CLI_CURSOR,
};

struct cli_impl {
    enum cli_kind kind;
    bool as_root;
};

static void impl_free(void *impl)
{
    free(impl);
}

/* The executable: config provider.binary (a path or a name on PATH), else the defaults. */
static int find_binary(struct aidf_provider *p, const char *const *defaults, struct aidf_error *err)
{
    const char *configured = p->cfg ? p->cfg->provider.binary : NULL;
    if (configured && *configured) {
        p->binary = aidf_proc_which(configured);
        if (!p->binary)
            return aidf_fail(err, AIDF_ENOTFOUND,
                             "Provider \"%s\" is not available: '%s' (provider.binary) is not an "
                             "executable file",
                             p->type, configured);
        return AIDF_OK;
    }
    for (size_t i = 0; defaults[i]; i++) {
        p->binary = aidf_proc_which(defaults[i]);
        if (p->binary)
            return AIDF_OK;
    }
    return aidf_fail(err, AIDF_ENOTFOUND,
                     "Provider \"%s\" is not available: '%s' was not found on PATH (install it or "
                     "set provider.binary in .ai/config.yml)",
                     p->type, defaults[0]);
}

/* The first line of `s`, at most STDERR_EXCERPT bytes, for messages (static buffer). */
static const char *excerpt(const char *s)
{
    static char buf[STDERR_EXCERPT + 4];
    size_t n = 0;
    while (s && *s && (*s == '\n' || *s == '\r' || *s == ' '))
        s++;
    while (s && s[n] && s[n] != '\n' && n < STDERR_EXCERPT)
        n++;
    /* Do not cut a UTF-8 sequence in half. */
    while (n > 0 && s[n] && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(buf, s ? s : "", n);
    buf[n] = '\0';
    return buf;
}

/* ceil(bytes/4): the chars/4 estimate where no usage is known (bytes approximate chars). */
static int64_t estimate(size_t bytes)
{
    return (int64_t)((bytes + 3) / 4);
}

static void build_argv(const struct aidf_provider *p, const struct cli_impl *im,
                       const struct aidf_provider_request *req, const char **argv, size_t cap)
{
    size_t n = 0;
    argv[n++] = p->binary;
    argv[n++] = "-p";
    argv[n++] = "--output-format";
    argv[n++] = "json";
    if (p->model) {
        argv[n++] = "--model";
        argv[n++] = p->model;
    }
    if (req->session_id && *req->session_id) {
        argv[n++] = "--resume";
        argv[n++] = req->session_id;
    }
    if (im->kind == CLI_CLAUDE) {
        /* Claude Code refuses --dangerously-skip-permissions when run as root: there, and when
         * skipping is turned off, edits are accepted and the scope guard checks them afterwards. */
        if (p->skip_permissions && !im->as_root) {
            argv[n++] = "--dangerously-skip-permissions";
        } else {
            argv[n++] = "--permission-mode";
            argv[n++] = "acceptEdits";
        }
    } else if (p->skip_permissions) {
        argv[n++] = "--force";
    }
    argv[n] = NULL;
    (void)cap;
}

/* Usage and cost of a parsed result into `res`. */
static void take_usage(const struct aidf_agent_result *ar, struct aidf_provider_result *res)
{
    if (ar->input_tokens == AIDF_UNSET && ar->output_tokens == AIDF_UNSET)
        return;
    res->has_usage = true;
    res->input = ar->input_tokens == AIDF_UNSET ? 0 : ar->input_tokens;
    res->output_tokens = ar->output_tokens == AIDF_UNSET ? 0 : ar->output_tokens;
    res->cache_read = ar->cache_read;
    res->cache_write = ar->cache_write;
    if (!isnan(ar->cost_usd))
        res->cost_usd = ar->cost_usd;
}

static void classify_api_error(const struct aidf_provider *p, const struct aidf_agent_result *ar,
                               struct aidf_provider_result *res)
{
    const char *text = ar->result_text ? ar->result_text : "API error";
    int64_t st = ar->api_error_status;
    if (st == 401 || st == 403)
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_FATAL, AIDF_PROVIDER_CAT_PERMISSION,
                                  "PROVIDER_AUTH", "Authentication failed for provider \"%s\": %s",
                                  p->type, excerpt(text));
    else if (st == 429)
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RATE_LIMIT, AIDF_PROVIDER_CAT_PROVIDER,
                                  "PROVIDER_RATE_LIMIT", "Provider \"%s\" rate limited: %s",
                                  p->type, excerpt(text));
    else
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER,
                                  "PROVIDER_API_ERROR", "Provider \"%s\" API error: %s", p->type,
                                  excerpt(text));
}

static void classify_agent_error(const struct aidf_provider *p, const struct aidf_agent_result *ar,
                                 struct aidf_provider_result *res)
{
    const char *code = "AGENT_ERROR";
    switch (ar->kind) {
    case AIDF_AGENT_ERROR_MAX_TURNS:
        code = "AGENT_MAX_TURNS";
        break;
    case AIDF_AGENT_ERROR_DURING_EXECUTION:
        code = "AGENT_EXECUTION_ERROR";
        break;
    case AIDF_AGENT_ERROR_MAX_BUDGET:
        code = "AGENT_MAX_BUDGET";
        break;
    default:
        break;
    }
    const char *detail = ar->errors.n ? ar->errors.items[0] : "";
    aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER, code,
                              "Provider \"%s\" ended with %s%s%s", p->type,
                              ar->subtype ? ar->subtype : "an error", *detail ? ": " : "",
                              excerpt(detail));
}

/* No result object: say why, with the CLI's stderr (the only explanation it gives). */
static void classify_no_result(const struct aidf_provider *p, const struct aidf_proc_result *pr,
                               struct aidf_provider_result *res)
{
    const char *why = pr->err_len ? excerpt(pr->err) : "";
    if (pr->term_signal)
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER,
                                  "PROVIDER_CRASH",
                                  "Provider \"%s\" crashed: killed by signal %d%s%s", p->type,
                                  pr->term_signal, *why ? ": " : "", why);
    else if (pr->exit_code >= 128)
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER,
                                  "PROVIDER_CRASH", "Provider \"%s\" crashed: exit status %d%s%s",
                                  p->type, pr->exit_code, *why ? ": " : "", why);
    else
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER,
                                  "PROVIDER_NO_RESULT",
                                  "Provider \"%s\" printed no result (exit status %d)%s%s", p->type,
                                  pr->exit_code, *why ? ": " : "", why);
}

static void cli_execute(struct aidf_provider *p, const struct aidf_provider_request *req,
                        struct aidf_provider_result *res)
{
    const struct cli_impl *im = p->impl;
    const char *argv[16];
    struct aidf_proc_spec spec = {0};
    struct aidf_proc_result pr;
    struct aidf_agent_result ar = {0};
    struct aidf_error err = {0};

    aidf_provider_result_init(res);
    build_argv(p, im, req, argv, sizeof(argv) / sizeof(argv[0]));
    spec.argv = argv;
    spec.cwd = p->cwd;
    spec.stdin_data = req->prompt ? req->prompt : "";
    spec.stdin_len = strlen(spec.stdin_data);
    spec.timeout_ms = req->timeout_ms;
    spec.cancel = req->cancel;
    spec.on_output = req->on_output;
    spec.output_ctx = req->output_ctx;

    int rc = aidf_proc_run(&spec, &pr, &err);
    res->exit_code = pr.exit_code;
    if (rc != AIDF_OK) {
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_FATAL, AIDF_PROVIDER_CAT_PROVIDER,
                                  "PROVIDER_NOT_AVAILABLE", "Provider \"%s\" is not available: %s",
                                  p->type, err.msg);
        goto out;
    }
    if (pr.cancelled) {
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_CANCELLED, AIDF_PROVIDER_CAT_CANCELLED,
                                  "CANCELLED", "Interrupted");
        goto estimate;
    }
    if (pr.timed_out) {
        aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_TIMEOUT,
                                  "ITERATION_TIMEOUT", "Iteration %lld timed out after %llds",
                                  (long long)req->iteration,
                                  (long long)((req->timeout_ms + 500) / 1000));
        res->timed_out = true;
        goto estimate;
    }

    if (im->kind == CLI_CLAUDE)
        aidf_agent_parse_claude_json(pr.out, pr.out_len, &ar, NULL);
    else
        aidf_agent_parse_cursor_json(pr.out, pr.out_len, &ar, NULL);

    if (ar.session_id)
        res->session_id = aidf_xstrdup(ar.session_id);
    if (ar.model)
        res->model = aidf_xstrdup(ar.model);
    if (ar.result_text) {
        free(res->output);
        res->output = aidf_xstrdup(ar.result_text);
    }
    take_usage(&ar, res);

    switch (ar.kind) {
    case AIDF_AGENT_OK:
        aidf_agent_signals(res->output, &res->complete, &res->blocked_reason);
        break;
    case AIDF_AGENT_API_ERROR:
        classify_api_error(p, &ar, res);
        break;
    case AIDF_AGENT_NO_RESULT:
        classify_no_result(p, &pr, res);
        break;
    default:
        classify_agent_error(p, &ar, res);
        break;
    }

estimate:
    if (!res->has_usage) {
        /* Nothing reported (Cursor without usage, no result line, timeout): estimate from
         * what went in and what came out, and say so. */
        res->has_usage = true;
        res->estimated = true;
        res->input = estimate(spec.stdin_len);
        res->output_tokens = estimate(strlen(res->output) ? strlen(res->output) : pr.out_len);
    }
out:
    aidf_agent_result_release(&ar);
    aidf_proc_result_release(&pr);
}

static int cli_init(struct aidf_provider *p, enum cli_kind kind, const char *const *defaults,
                    struct aidf_error *err)
{
    int rc = find_binary(p, defaults, err);
    if (rc != AIDF_OK)
        return rc;
    struct cli_impl *im = aidf_xcalloc(1, sizeof(*im));
    im->kind = kind;
    im->as_root = geteuid() == 0;
    p->impl = im;
    p->impl_free = impl_free;
    p->execute = cli_execute;
    p->supports_session = true;
    if (kind == CLI_CLAUDE && im->as_root && p->skip_permissions)
        aidf_warn("running as root: Claude Code refuses --dangerously-skip-permissions there; "
                  "using --permission-mode acceptEdits (file edits allowed, shell commands need "
                  "approval)");
    return AIDF_OK;
}

int aidf_provider_claude_init(struct aidf_provider *p, struct aidf_error *err)
{
    static const char *const names[] = {"claude", NULL};
    return cli_init(p, CLI_CLAUDE, names, err);
}

int aidf_provider_cursor_init(struct aidf_provider *p, struct aidf_error *err)
{
    static const char *const names[] = {"cursor-agent", "agent", NULL};
    return cli_init(p, CLI_CURSOR, names, err);
}
