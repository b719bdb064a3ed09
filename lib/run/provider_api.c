/*
 * The tool loop shared by the API providers: send
 * the conversation, run the answer's tool calls, send all their results back in one turn,
 * until the model signals completion or a block, answers without tools, or hits its
 * output limit (reported, never re-sent as it is). Transient HTTP failures (timeouts,
 * 408, 429, 5xx, 529) are retried with exponential backoff honouring retry-after; 401 and
 * 403 end the run; other answers count as a failed iteration with their message.
 */
#include "aidf/api_dialect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/agent_result.h"
#include "aidf/http.h"
#include "aidf/log.h"
#include "aidf/prompt.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"
#include "aidf/provider.h"

/* Output limit of one answer. */
#define API_MAX_TOKENS 8192
/* Turns (requests) one iteration may take before it ends by itself. */
#define API_MAX_TURNS 50
/* Retries of one request after a transient failure. */
#define API_RETRIES 4
/* Longest single request when the iteration has no time limit (ms). */
#define API_REQUEST_TIMEOUT_MS 600000
/* Largest answer kept in memory. */
#define API_MAX_RESPONSE ((size_t)16 * 1024 * 1024)
/* The conversation window: messages kept, and the first ones always kept (the task). */
#define API_WINDOW_MAX   100
#define API_WINDOW_FIRST 1
/* The session id the executor passes back to continue the conversation. */
#define API_SESSION "api-conversation"

struct api_impl {
    const struct aidf_api_dialect *d;
    char *key, *url;
    json_t *messages;
    json_t *tools;
    char *system;
    struct aidf_scope scope;
    struct aidf_tool_ctx tctx;
};

static void add_usage(int64_t *sum, int64_t v)
{
    if (v == AIDF_UNSET)
        return;
    *sum = *sum == AIDF_UNSET ? v : *sum + v;
}

static int64_t now_ms(void)
{
    return aidf_mono_ns() / 1000000;
}

/* The error text of an answer: the API's own message, else the status line. */
static void answer_error(const struct api_impl *im, const struct aidf_http_response *r, char *out,
                         size_t n)
{
    json_t *body = json_loadb(r->body.ptr, r->body.len, 0, NULL);
    const char *msg = body ? im->d->error_message(body) : NULL;
    snprintf(out, n, "HTTP %ld%s%s", r->status, msg ? ": " : "", msg ? msg : "");
    if (body)
        json_decref(body);
}

/*
 * One request with retries. Returns true with `t` filled on a usable answer; false with
 * `res` failed otherwise.
 */
static bool send_turn(struct aidf_provider *p, const struct aidf_provider_request *req,
                      int64_t deadline, struct aidf_api_turn *t, struct aidf_provider_result *res)
{
    struct api_impl *im = p->impl;
    const char *model = p->model ? p->model : im->d->default_model;
    json_t *body = im->d->request(model, API_MAX_TOKENS, im->system, im->tools, im->messages);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    struct aidf_strlist hdr = {0};
    im->d->headers(im->key, &hdr);
    struct aidf_backoff bo = {.base_ms = 1000, .cap_ms = 30000, .jitter = 0.2};
    bool ok = false;
    char why[600] = "";

    for (unsigned attempt = 0;; attempt++) {
        int64_t left = deadline ? deadline - now_ms() : API_REQUEST_TIMEOUT_MS;
        if (left <= 0) {
            aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_TIMEOUT,
                                      "ITERATION_TIMEOUT", "Iteration %lld timed out after %llds",
                                      (long long)req->iteration,
                                      (long long)((req->timeout_ms + 500) / 1000));
            res->timed_out = true;
            break;
        }
        struct aidf_http_request hr = {
            .method = "POST",
            .url = im->url,
            .headers = (const char *const *)hdr.items,
            .n_headers = hdr.n,
            .body = text,
            .body_len = strlen(text),
            .timeout_ms = left > API_REQUEST_TIMEOUT_MS ? API_REQUEST_TIMEOUT_MS : (long)left,
            .max_response = API_MAX_RESPONSE,
        };
        struct aidf_http_response r;
        struct aidf_error err = {0};
        aidf_http_response_init(&r);
        int rc = aidf_http_request(&hr, &r, &err);
        int64_t retry_after = -1;
        bool transient = false;
        if (rc != AIDF_OK) {
            snprintf(why, sizeof(why), "%s", err.msg);
            transient = rc == AIDF_ETIMEOUT || rc == AIDF_EIO;
            if (!transient) {
                aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_FATAL, AIDF_PROVIDER_CAT_CONFIG,
                                          "PROVIDER_BAD_URL", "Provider \"%s\": %s", p->type, why);
                aidf_http_response_release(&r);
                break;
            }
        } else if (r.status >= 200 && r.status < 300) {
            json_error_t je;
            json_t *ans = json_loadb(r.body.ptr, r.body.len, 0, &je);
            if (!ans || r.truncated) {
                aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER,
                                          "PROVIDER_BAD_RESPONSE",
                                          "Provider \"%s\" sent a malformed response: %s", p->type,
                                          r.truncated ? "too large" : je.text);
            } else if (!im->d->parse(ans, t, why, sizeof(why))) {
                aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER,
                                          "PROVIDER_BAD_RESPONSE", "Provider \"%s\": %s", p->type,
                                          why);
            } else {
                ok = true;
            }
            if (ans)
                json_decref(ans);
            aidf_http_response_release(&r);
            break;
        } else {
            answer_error(im, &r, why, sizeof(why));
            if (r.status == 401 || r.status == 403) {
                aidf_provider_result_fail(
                    res, AIDF_PROVIDER_FAIL_FATAL, AIDF_PROVIDER_CAT_PERMISSION, "PROVIDER_AUTH",
                    "Authentication failed for provider \"%s\": %s", p->type, why);
                aidf_http_response_release(&r);
                break;
            }
            transient = aidf_http_status_retryable(r.status) || r.status == 529;
            if (r.retry_after)
                aidf_http_parse_retry_after(r.retry_after, aidf_wall_ms(), &retry_after);
            if (!transient) {
                aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER,
                                          "PROVIDER_API_ERROR", "Provider \"%s\" API error: %s",
                                          p->type, why);
                aidf_http_response_release(&r);
                break;
            }
        }
        long status = r.status;
        aidf_http_response_release(&r);
        if (attempt >= API_RETRIES) {
            aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_RETRY, AIDF_PROVIDER_CAT_PROVIDER,
                                      status == 429 ? "PROVIDER_RATE_LIMIT" : "PROVIDER_API_ERROR",
                                      "Provider \"%s\" failed after %u attempts: %s", p->type,
                                      attempt + 1, why);
            break;
        }
        int64_t wait = aidf_backoff_delay_ms(&bo, attempt, retry_after, aidf_http_jitter());
        if (deadline && now_ms() + wait > deadline)
            wait = deadline - now_ms();
        aidf_warn("%s: %s; retrying in %.1fs", p->type, why, (double)wait / 1000.0);
        for (int64_t slept = 0; slept < wait; slept += 100) {
            if (req->cancel && *req->cancel)
                break;
            aidf_sleep_ms(wait - slept < 100 ? wait - slept : 100);
        }
        if (req->cancel && *req->cancel) {
            aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_CANCELLED,
                                      AIDF_PROVIDER_CAT_CANCELLED, "CANCELLED", "Interrupted");
            break;
        }
    }
    free(text);
    aidf_strlist_release(&hdr);
    return ok;
}

/* Run the calls of one answer and add their results to the conversation. */
static void run_calls(struct api_impl *im, const struct aidf_api_turn *t,
                      struct aidf_provider_result *res)
{
    struct aidf_api_result *rs = aidf_xcalloc(t->n_calls, sizeof(*rs));
    struct aidf_tool_outcome *outs = aidf_xcalloc(t->n_calls, sizeof(*outs));
    for (size_t i = 0; i < t->n_calls; i++) {
        const struct aidf_api_call *c = &t->calls[i];
        rs[i].call_id = c->id;
        rs[i].is_error = true;
        if (t->truncated) {
            /* The arguments may be cut short: run nothing, say why. */
            rs[i].text = "Not run: the answer was cut off by the output limit (max_tokens). "
                         "Repeat the call with less content at a time.";
            continue;
        }
        if (c->bad_input) {
            rs[i].text = c->bad_input;
            continue;
        }
        aidf_tool_run(&im->tctx, c->name, c->input, &outs[i]);
        rs[i].text = outs[i].result;
        rs[i].is_error = outs[i].is_error;
        if (outs[i].written && !aidf_strlist_has(&res->files_written, outs[i].written))
            aidf_strlist_add(&res->files_written, outs[i].written);
        if (outs[i].complete)
            res->complete = true;
        if (outs[i].blocked && !res->blocked_reason)
            res->blocked_reason = aidf_xstrdup(outs[i].reason ? outs[i].reason : "");
    }
    im->d->add_results(im->messages, rs, t->n_calls);
    for (size_t i = 0; i < t->n_calls; i++)
        aidf_tool_outcome_release(&outs[i]);
    free(outs);
    free(rs);
}

static void api_execute(struct aidf_provider *p, const struct aidf_provider_request *req,
                        struct aidf_provider_result *res)
{
    struct api_impl *im = p->impl;
    struct aidf_buf out = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    int64_t deadline = req->timeout_ms > 0 ? now_ms() + req->timeout_ms : 0;

    aidf_provider_result_init(res);
    im->tctx.cancel = req->cancel;
    im->tctx.sandbox = p->sandbox;
    if (!req->session_id || !im->messages) {
        if (im->messages)
            json_decref(im->messages);
        im->messages = json_array();
    }
    im->d->add_user(im->messages, req->prompt ? req->prompt : "");
    size_t trimmed = aidf_api_window_trim(im->messages, API_WINDOW_MAX, API_WINDOW_FIRST);
    if (trimmed)
        aidf_info("%s: conversation window: %zu older messages dropped", p->type, trimmed);

    for (int turn = 0;; turn++) {
        if (turn >= API_MAX_TURNS) {
            aidf_info("%s: %d requests in one iteration; ending the iteration", p->type,
                      API_MAX_TURNS);
            break;
        }
        struct aidf_api_turn t = {0};
        if (!send_turn(p, req, deadline, &t, res)) {
            aidf_api_turn_release(&t);
            break;
        }
        res->has_usage = true;
        add_usage(&res->input, t.input);
        add_usage(&res->output_tokens, t.output);
        add_usage(&res->cache_read, t.cache_read);
        add_usage(&res->cache_write, t.cache_write);
        add_usage(&res->reasoning, t.reasoning);
        if (*t.text) {
            if (out.len)
                aidf_buf_addch(&out, '\n');
            aidf_buf_addstr(&out, t.text);
        }
        /* An empty answer (no text, no calls) is not kept: the APIs refuse an empty
         * assistant turn in the history. */
        if (t.n_calls > 0 || *t.text)
            json_array_append(im->messages, t.assistant);
        if (t.n_calls == 0) {
            if (t.truncated)
                aidf_warn("%s: the answer was cut off by the output limit (%d tokens)", p->type,
                          API_MAX_TOKENS);
            /* A text-only answer ends the iteration. The prompt asks for <TASK_COMPLETE> /
             * <BLOCKED: reason> markers, so they count here as the tools do. */
            bool said_complete = false;
            char *reason = NULL;
            aidf_agent_signals(out.ptr, &said_complete, &reason);
            if (said_complete)
                res->complete = true;
            if (reason && !res->blocked_reason)
                res->blocked_reason = reason;
            else
                free(reason);
            aidf_api_turn_release(&t);
            break;
        }
        run_calls(im, &t, res);
        aidf_api_turn_release(&t);
        if (res->complete || res->blocked_reason)
            break;
        if (req->cancel && *req->cancel) {
            aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_CANCELLED,
                                      AIDF_PROVIDER_CAT_CANCELLED, "CANCELLED", "Interrupted");
            break;
        }
    }
    free(res->output);
    res->output = aidf_buf_detach(&out, NULL);
    res->session_id = aidf_xstrdup(API_SESSION);
    if (p->model == NULL)
        res->model = aidf_xstrdup(im->d->default_model);
}

static void impl_free(void *v)
{
    struct api_impl *im = v;
    if (!im)
        return;
    free(im->key);
    free(im->url);
    free(im->system);
    if (im->messages)
        json_decref(im->messages);
    if (im->tools)
        json_decref(im->tools);
    aidf_scope_release(&im->scope);
    free(im);
}

static int api_init(struct aidf_provider *p, const struct aidf_api_dialect *d,
                    struct aidf_error *err)
{
    const char *key = getenv(d->key_env);
    if (!key || !*key)
        return aidf_fail(err, AIDF_ENOTFOUND,
                         "Provider \"%s\" is not available: %s is not set (export the API "
                         "key in the environment of `aidf run`)",
                         d->type, d->key_env);
    const char *base = getenv(d->base_env);
    if (!base || !*base)
        base = d->default_base;
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return aidf_fail(err, AIDF_EINVAL, "%s must be an http:// or https:// URL, got '%s'",
                         d->base_env, base);
    struct api_impl *im = aidf_xcalloc(1, sizeof(*im));
    im->d = d;
    im->key = aidf_xstrdup(key);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    struct aidf_buf u = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&u, "%.*s%s", (int)bl, base, d->path);
    im->url = aidf_buf_detach(&u, NULL);
    im->tools = d->tools();
    im->system = p->ctx ? aidf_prompt_system(p->ctx) : NULL;

    const struct aidf_config *cfg = p->cfg;
    aidf_scope_init(&im->scope, cfg ? cfg->permissions.scope_enforcement : AIDF_SCOPE_ASK);
    if (p->ctx) {
        const struct aidf_task *t = &p->ctx->task;
        for (size_t i = 0; i < t->allowed.n; i++)
            aidf_strlist_add(&im->scope.allowed, t->allowed.items[i]);
        for (size_t i = 0; i < t->forbidden.n; i++)
            aidf_strlist_add(&im->scope.forbidden, t->forbidden.items[i]);
        for (size_t i = 0; i < t->ask_before.n; i++)
            aidf_strlist_add(&im->scope.ask_before, t->ask_before.items[i]);
    }
    im->tctx.root = p->cwd;
    im->tctx.scope = &im->scope;
    if (cfg) {
        im->tctx.cmd_allowed = &cfg->security.allowed;
        im->tctx.cmd_blocked = &cfg->security.blocked;
        im->tctx.cmd_strict = cfg->security.strict;
        im->tctx.cmd_timeout_ms = (int64_t)(cfg->validation.command_timeout * 1000.0);
    }
    p->impl = im;
    p->impl_free = impl_free;
    p->execute = api_execute;
    p->supports_session = true;
    p->runs_commands = true;
    return AIDF_OK;
}

int aidf_provider_anthropic_init(struct aidf_provider *p, struct aidf_error *err)
{
    return api_init(p, &aidf_api_anthropic, err);
}

int aidf_provider_openai_init(struct aidf_provider *p, struct aidf_error *err)
{
    return api_init(p, &aidf_api_openai, err);
}
