/*
 * Push reports to a report server, with retries and the outbox.
 */
#include "aidf/push.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/http.h"
#include "aidf/log.h"
#include "aidf/outbox.h"
#include "aidf/report.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

const char *aidf_push_outcome_name(enum aidf_push_outcome o)
{
    switch (o) {
    case AIDF_PUSH_DELIVERED:
        return "delivered";
    case AIDF_PUSH_ALREADY:
        return "already";
    case AIDF_PUSH_CONFLICT:
        return "conflict";
    case AIDF_PUSH_REJECTED:
        return "rejected";
    case AIDF_PUSH_FAILED:
        return "failed";
    case AIDF_PUSH_INVALID:
        return "invalid";
    case AIDF_PUSH_SKIPPED:
        return "skipped";
    }
    return "unknown";
}

const char *aidf_push_token_from_env(const char *env_name)
{
    const char *v = getenv(env_name && *env_name ? env_name : AIDF_PUSH_DEFAULT_TOKEN_ENV);
    return v && *v ? v : NULL;
}

/* Copy at most `max` printable characters of `s` (control characters become spaces). */
static void clean_copy(char *dst, size_t dstlen, const char *s, size_t max)
{
    size_t j = 0;
    for (size_t i = 0; s[i] && i < max && j + 1 < dstlen; i++)
        dst[j++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? ' ' : s[i];
    dst[j] = '\0';
}

/* "HTTP 401 Unauthorized: missing or invalid token" from a response. */
static void describe_status(const struct aidf_http_response *resp, char *out, size_t outlen)
{
    char detail[256] = "";
    json_t *o = resp->body.len ? json_loadb(resp->body.ptr, resp->body.len, 0, NULL) : NULL;
    const json_t *e = o ? json_object_get(o, "error") : NULL;
    const json_t *m = json_is_object(e) ? json_object_get(e, "message") : NULL;
    if (json_is_string(m))
        clean_copy(detail, sizeof(detail), json_string_value(m), 200);
    else if (json_is_string(e))
        clean_copy(detail, sizeof(detail), json_string_value(e), 200);
    json_decref(o);
    const char *reason = aidf_http_reason(resp->status);
    snprintf(out, outlen, "HTTP %ld%s%s%s%s", resp->status, *reason ? " " : "", reason,
             *detail ? ": " : "", detail);
}

/* The path relative to reports_dir (borrowed from `path`), or NULL when outside it. */
static const char *relative_to(const char *reports_dir, const char *path)
{
    if (!reports_dir)
        return NULL;
    if (path[0] != '/')
        return path;
    size_t n = strlen(reports_dir);
    while (n > 1 && reports_dir[n - 1] == '/')
        n--;
    if (strncmp(path, reports_dir, n) == 0 && path[n] == '/' && path[n + 1])
        return path + n + 1;
    return NULL;
}

/* Read the report and its runId. AIDF_OK, AIDF_ENOTFOUND, AIDF_EINVAL, AIDF_ETOOBIG, EIO. */
static int load_report(const char *abs, char **data, size_t *len, struct aidf_push_result *res)
{
    struct aidf_error err = {0};
    int rc = aidf_read_file(abs, AIDF_REPORT_MAX_BYTES, data, len, &err);
    if (rc != AIDF_OK) {
        snprintf(res->message, sizeof(res->message), "%s", err.msg);
        return rc;
    }
    json_error_t jerr;
    json_t *o = json_loadb(*data, *len, 0, &jerr);
    const json_t *id = o ? json_object_get(o, "runId") : NULL;
    if (!o) {
        rc = AIDF_EINVAL;
        snprintf(res->message, sizeof(res->message), "%s: invalid JSON at line %d: %s", abs,
                 jerr.line, jerr.text);
    } else if (!json_is_string(id) || !aidf_run_id_valid(json_string_value(id))) {
        rc = AIDF_EINVAL;
        snprintf(res->message, sizeof(res->message), "%s: no valid runId", abs);
    } else {
        snprintf(res->run_id, sizeof(res->run_id), "%s", json_string_value(id));
    }
    json_decref(o);
    if (rc != AIDF_OK) {
        free(*data);
        *data = NULL;
    }
    return rc;
}

static int max_attempts(const struct aidf_push_opts *o)
{
    if (o->no_retries || o->retries < 0)
        return 1;
    return 1 + (o->retries ? o->retries : AIDF_PUSH_DEFAULT_RETRIES);
}

/* POST with retries; fills res (outcome, status, attempts, message). */
static void post_with_retries(const char *url, const char *data, size_t len,
                              const struct aidf_push_opts *o, struct aidf_push_result *res)
{
    struct aidf_buf auth = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const char *headers[3];
    size_t nh = 0;
    headers[nh++] = "Content-Type: application/json";
    headers[nh++] = "Accept: application/json";
    if (o->token && *o->token) {
        aidf_buf_addf(&auth, "Authorization: Bearer %s", o->token);
        headers[nh++] = auth.ptr;
    }
    struct aidf_http_request req = {
        .method = "POST",
        .url = url,
        .headers = headers,
        .n_headers = nh,
        .body = data,
        .body_len = len,
        .timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : AIDF_PUSH_DEFAULT_TIMEOUT,
    };
    struct aidf_backoff bo = {
        .base_ms = o->base_delay_ms > 0 ? o->base_delay_ms : AIDF_PUSH_DEFAULT_BASE_MS,
        .cap_ms = 30000,
        .jitter = 0.25,
    };
    struct aidf_http_response resp;
    aidf_http_response_init(&resp);
    int n = max_attempts(o);

    for (int attempt = 0; attempt < n; attempt++) {
        struct aidf_error err = {0};
        int64_t retry_after = -1;
        int rc = aidf_http_request(&req, &resp, &err);
        res->attempts++;
        res->status = resp.status;
        if (rc == AIDF_OK) {
            if (resp.status == 201 || (resp.status >= 202 && resp.status < 300)) {
                res->outcome = AIDF_PUSH_DELIVERED;
                res->message[0] = '\0';
                goto out;
            }
            if (resp.status == 200) {
                res->outcome = AIDF_PUSH_ALREADY;
                res->message[0] = '\0';
                goto out;
            }
            describe_status(&resp, res->message, sizeof(res->message));
            if (resp.status == 409) {
                res->outcome = AIDF_PUSH_CONFLICT;
                goto out;
            }
            if (!aidf_http_status_retryable(resp.status)) {
                res->outcome = AIDF_PUSH_REJECTED;
                goto out;
            }
            res->outcome = AIDF_PUSH_FAILED;
            if (aidf_http_parse_retry_after(resp.retry_after, aidf_wall_ms(), &retry_after) !=
                AIDF_OK)
                retry_after = -1;
        } else if (rc == AIDF_EINVAL || rc == AIDF_EINTERNAL) {
            /* A bad URL does not get better by retrying. */
            snprintf(res->message, sizeof(res->message), "%s", err.msg);
            res->outcome = AIDF_PUSH_REJECTED;
            goto out;
        } else {
            snprintf(res->message, sizeof(res->message), "%s", err.msg);
            res->outcome = AIDF_PUSH_FAILED;
        }
        if (attempt + 1 < n) {
            int64_t d =
                aidf_backoff_delay_ms(&bo, (unsigned)attempt, retry_after, aidf_http_jitter());
            aidf_debug("push %.8s: attempt %d: %s; retrying in %lld ms", res->run_id, attempt + 1,
                       res->message, (long long)d);
            aidf_sleep_ms(d);
        }
    }
out:
    aidf_http_response_release(&resp);
    aidf_buf_release(&auth);
}

int aidf_push_report_file(const char *reports_dir, const char *path, const struct aidf_push_opts *o,
                          struct aidf_push_result *res)
{
    char *abs = NULL, *data = NULL, *server = NULL, *url = NULL;
    size_t len = 0;
    int rc = AIDF_OK;
    struct aidf_error oerr = {0};

    memset(res, 0, sizeof(*res));
    if (!path || !*path || !o || !o->server || !*o->server) {
        res->outcome = AIDF_PUSH_INVALID;
        snprintf(res->message, sizeof(res->message), "no report path or no server");
        return AIDF_EINVAL;
    }
    const char *rel = relative_to(reports_dir, path);
    abs = path[0] == '/' || !reports_dir ? aidf_xstrdup(path) : aidf_path_join(reports_dir, path);

    rc = load_report(abs, &data, &len, res);
    if (rc != AIDF_OK) {
        res->outcome = AIDF_PUSH_INVALID;
        if (!o->quiet)
            aidf_warn("cannot push '%s': %s", path, res->message);
        goto out;
    }

    server = aidf_outbox_normalize_server(o->server);
    size_t ulen = strlen(server) + 6;
    url = aidf_xmalloc(ulen);
    snprintf(url, ulen, "%s/runs", server);
    post_with_retries(url, data, len, o, res);

    switch (res->outcome) {
    case AIDF_PUSH_DELIVERED:
    case AIDF_PUSH_ALREADY:
    case AIDF_PUSH_CONFLICT:
        if (reports_dir && aidf_outbox_remove(reports_dir, res->run_id, server, &oerr) != AIDF_OK)
            aidf_warn("%s", oerr.msg);
        if (res->outcome == AIDF_PUSH_CONFLICT) {
            rc = AIDF_ECONFLICT;
            if (!o->quiet)
                aidf_warn("push %.8s to %s: conflict: the server holds a different report "
                          "under this run id (%s); not retried",
                          res->run_id, server, res->message);
        }
        break;
    default:
        rc = res->outcome == AIDF_PUSH_REJECTED ? AIDF_EREMOTE : AIDF_EIO;
        if (res->outcome == AIDF_PUSH_FAILED && res->status == 0 && strstr(res->message, "timed"))
            rc = AIDF_ETIMEOUT;
        if (reports_dir && !o->no_queue) {
            if (!rel) {
                aidf_warn("cannot queue '%s': not inside the reports directory '%s'", abs,
                          reports_dir);
            } else if (aidf_outbox_record_failure(reports_dir, res->run_id, server, rel,
                                                  res->attempts, res->message, &oerr) != AIDF_OK) {
                aidf_warn("cannot queue %.8s for %s: %s", res->run_id, server, oerr.msg);
            } else {
                res->queued = true;
            }
        } else if (reports_dir) {
            /* Not queued now, but an entry from earlier stays with its new count. */
            struct aidf_outbox_entry e = {0};
            if (aidf_outbox_get(reports_dir, res->run_id, server, &e, NULL) == AIDF_OK) {
                res->queued = true;
                if (aidf_outbox_record_failure(reports_dir, res->run_id, server, e.file,
                                               res->attempts, res->message, &oerr) != AIDF_OK)
                    aidf_warn("%s", oerr.msg);
            }
            aidf_outbox_entry_release(&e);
        }
        if (!o->quiet)
            aidf_warn("push %.8s to %s failed after %d attempt%s: %s%s", res->run_id, server,
                      res->attempts, res->attempts == 1 ? "" : "s", res->message,
                      res->queued ? " (queued; 'aidf report push --pending' retries)" : "");
        break;
    }
out:
    free(abs);
    free(data);
    free(server);
    free(url);
    return rc;
}

int aidf_push_pending(const char *reports_dir, const struct aidf_push_opts *o,
                      aidf_push_progress_fn cb, void *ctx, struct aidf_push_summary *sum)
{
    struct aidf_outbox_list l = {0};
    struct aidf_push_summary s = {0};
    struct aidf_error err = {0};
    int rc = AIDF_OK;
    bool down = false;

    if (!reports_dir || !o || !o->server || !*o->server) {
        rc = AIDF_EINVAL;
        goto out;
    }
    if (aidf_outbox_list(reports_dir, o->server, &l, &err) != AIDF_OK) {
        if (!o->quiet)
            aidf_warn("%s", err.msg);
        rc = AIDF_EIO;
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        const struct aidf_outbox_entry *e = &l.items[i];
        struct aidf_push_result res;
        if (down) {
            memset(&res, 0, sizeof(res));
            res.outcome = AIDF_PUSH_SKIPPED;
            res.queued = true;
            snprintf(res.run_id, sizeof(res.run_id), "%s", e->run_id);
            snprintf(res.message, sizeof(res.message), "not tried: the server is unreachable");
            s.skipped++;
            if (cb)
                cb(&res, ctx);
            continue;
        }
        int prc = aidf_push_report_file(reports_dir, e->file, o, &res);
        if (res.outcome == AIDF_PUSH_INVALID) {
            snprintf(res.run_id, sizeof(res.run_id), "%s", e->run_id);
            if (prc == AIDF_ENOTFOUND) {
                /* The report was cleaned or moved: nothing left to deliver. */
                aidf_warn("dropping outbox entry %.8s: report '%s' no longer exists", e->run_id,
                          e->file);
                aidf_error_clear(&err);
                if (aidf_outbox_remove(reports_dir, e->run_id, e->server, &err) != AIDF_OK)
                    aidf_warn("%s", err.msg);
            } else {
                res.queued = true;
            }
        }
        switch (res.outcome) {
        case AIDF_PUSH_DELIVERED:
            s.delivered++;
            break;
        case AIDF_PUSH_ALREADY:
            s.already++;
            break;
        case AIDF_PUSH_CONFLICT:
            s.conflicts++;
            break;
        case AIDF_PUSH_REJECTED:
            s.rejected++;
            break;
        case AIDF_PUSH_FAILED:
            s.failed++;
            down = true;
            break;
        case AIDF_PUSH_INVALID:
            s.invalid++;
            break;
        case AIDF_PUSH_SKIPPED:
            break;
        }
        if (rc == AIDF_OK && prc != AIDF_OK && prc != AIDF_ENOTFOUND)
            rc = prc;
        if (cb)
            cb(&res, ctx);
    }
    aidf_outbox_list_release(&l);
    aidf_error_clear(&err);
    if (aidf_outbox_list(reports_dir, o->server, &l, &err) == AIDF_OK)
        s.pending = l.n;
out:
    aidf_outbox_list_release(&l);
    if (sum)
        *sum = s;
    return rc;
}
