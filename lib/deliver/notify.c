/*
 * Notifications at the end of a run: the facts of the
 * execution report rendered for the desktop (notify-send), Slack, Discord, a generic
 * JSON webhook and email (SMTP through libcurl). Channels run one after the other, each
 * bounded by AIDF_NOTIFY_TIMEOUT_MS; failures are warned about and counted, never
 * returned. URLs are never logged (Slack and Discord webhook URLs are credentials).
 */
#include "aidf/notify.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "aidf/buf.h"
#include "aidf/http.h"
#include "aidf/jsonutil.h"
#include "aidf/log.h"
#include "aidf/proc.h"
#include "aidf/timeutil.h"
#include "aidf/textutil.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

/* Error and blocked-reason texts are cut to this many bytes (on a UTF-8 boundary). */
#define SHORT_MAX 200
/* Other display strings (task name, path, provider) are cut to this many bytes. */
#define NAME_MAX_BYTES 200
/* Kept bytes of an HTTP answer (only the status matters). */
#define RESPONSE_MAX 4096

/* Everything a message says about the run, prepared once. */
struct facts {
    enum aidf_status status; /* completed, blocked or failed (unknown counts as failed) */
    const char *status_name;
    const char *title;
    const char *hex_colour; /* "#36a64f" */
    long colour;            /* 0x36a64f */
    char *name;             /* basename of the task path, display-safe */
    char *task_path;        /* display-safe, NULL when unknown */
    char *run_id;           /* NULL when unknown */
    int64_t iterations;
    int64_t files;
    bool has_tokens;
    int64_t tokens;
    char tokens_text[40];
    bool has_cost;
    double cost;
    char cost_text[40];
    bool has_duration;
    double duration_ms;
    char duration_text[40];
    char *provider;      /* "claude-cli (sonnet)"; NULL when unknown */
    char *error_short;   /* "[category] message", at most SHORT_MAX bytes; NULL: no error */
    char *error_full;    /* the message alone, display-safe */
    char *category;      /* NULL when none */
    char *blocked_short; /* at most SHORT_MAX bytes; NULL: none */
    char *blocked_full;
    int64_t now_ms;
    char timestamp[AIDF_ISO_LEN];
};

/* ---- text helpers ---- */

/*
 * A display-safe copy of `s`: invalid UTF-8 becomes U+FFFD, CR LF and lone CR become LF,
 * other control characters (tab and LF kept) become spaces; at most `max` bytes, cut
 * before a character that would not fit whole. NULL gives NULL.
 */
static char *clean_text(const char *s, size_t max)
{
    if (!s)
        return NULL;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        size_t n = aidf_utf8_decode((const char *)p, left, NULL);
        const char *piece = (const char *)p;
        size_t plen = n, adv = n;
        char one;
        if (n == 0) {
            piece = AIDF_UTF8_REPLACEMENT;
            plen = 3;
            adv = 1;
        } else if (n == 1 && *p == '\r') {
            one = '\n';
            piece = &one;
            if (left > 1 && p[1] == '\n')
                adv = 2;
        } else if (n == 1 && (*p < 0x20 || *p == 0x7f) && *p != '\n' && *p != '\t') {
            one = ' ';
            piece = &one;
        }
        if (b.len + plen > max)
            break;
        aidf_buf_add(&b, piece, plen);
        p += adv;
        left -= adv;
    }
    return aidf_buf_detach(&b, NULL);
}

/* An integer with thousands separators: "12,345". */
static void grouped(int64_t v, char *out, size_t outlen)
{
    char digits[32], tmp[48];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t j = 0;
    snprintf(digits, sizeof(digits), "%" PRIu64, u);
    size_t n = strlen(digits);
    if (v < 0)
        tmp[j++] = '-';
    for (size_t i = 0; i < n; i++) {
        tmp[j++] = digits[i];
        if (i + 1 < n && (n - i - 1) % 3 == 0)
            tmp[j++] = ',';
    }
    tmp[j] = '\0';
    snprintf(out, outlen, "%s", tmp);
}

static const char *base_name(const char *path)
{
    const char *end = path + strlen(path);
    while (end > path && end[-1] == '/')
        end--; /* "dir/task.md/" names task.md */
    const char *start = end;
    while (start > path && start[-1] != '/')
        start--;
    return start;
}

/* ---- the facts ---- */

static void facts_init(struct facts *f, const struct aidf_report *r)
{
    memset(f, 0, sizeof(*f));
    f->status = r->status == AIDF_STATUS_COMPLETED || r->status == AIDF_STATUS_BLOCKED
                    ? r->status
                    : AIDF_STATUS_FAILED;
    f->status_name = aidf_status_name(f->status);
    switch (f->status) {
    case AIDF_STATUS_COMPLETED:
        f->title = "AIDF: Task Completed";
        f->hex_colour = "#36a64f";
        f->colour = 0x36a64f;
        break;
    case AIDF_STATUS_BLOCKED:
        f->title = "AIDF: Task Blocked";
        f->hex_colour = "#ff9900";
        f->colour = 0xff9900;
        break;
    default:
        f->title = "AIDF: Task Failed";
        f->hex_colour = "#ff0000";
        f->colour = 0xff0000;
        break;
    }

    if (r->task_path && *r->task_path) {
        f->task_path = clean_text(r->task_path, NAME_MAX_BYTES);
        const char *b = base_name(r->task_path);
        size_t n = strlen(b);
        while (n > 0 && b[n - 1] == '/')
            n--;
        char *tmp = aidf_xstrndup(b, n);
        f->name = clean_text(tmp, NAME_MAX_BYTES);
        free(tmp);
    }
    if (!f->name || !*f->name) {
        free(f->name);
        f->name = aidf_xstrdup("(unknown task)");
    }
    f->run_id = r->run_id && *r->run_id ? clean_text(r->run_id, 64) : NULL;
    f->iterations = r->iterations == AIDF_UNSET ? 0 : r->iterations;
    if (r->files.present)
        f->files = (int64_t)(r->files.created.n + r->files.modified.n + r->files.deleted.n);

    if (r->tokens.present) {
        if (r->tokens.total_tokens != AIDF_UNSET) {
            f->has_tokens = true;
            f->tokens = r->tokens.total_tokens;
        } else if (r->tokens.total_input != AIDF_UNSET || r->tokens.total_output != AIDF_UNSET) {
            f->has_tokens = true;
            f->tokens = (r->tokens.total_input == AIDF_UNSET ? 0 : r->tokens.total_input) +
                        (r->tokens.total_output == AIDF_UNSET ? 0 : r->tokens.total_output);
        }
    }
    if (f->has_tokens) {
        char g[32];
        grouped(f->tokens, g, sizeof(g));
        snprintf(f->tokens_text, sizeof(f->tokens_text), "%s%s",
                 r->tokens.estimated == 1 ? "~" : "", g);
    } else {
        snprintf(f->tokens_text, sizeof(f->tokens_text), "n/a");
    }

    if (r->cost.present && aidf_isset(r->cost.estimated_total) && r->cost.unpriced != 1 &&
        isfinite(r->cost.estimated_total)) {
        f->has_cost = true;
        f->cost = r->cost.estimated_total;
        snprintf(f->cost_text, sizeof(f->cost_text), "$%.4f", f->cost);
    } else {
        snprintf(f->cost_text, sizeof(f->cost_text), "unpriced");
    }

    if (r->timing.present && aidf_isset(r->timing.total_duration_ms) &&
        isfinite(r->timing.total_duration_ms) && r->timing.total_duration_ms >= 0) {
        f->has_duration = true;
        f->duration_ms = r->timing.total_duration_ms;
        aidf_format_duration(f->duration_ms, f->duration_text, sizeof(f->duration_text));
    } else {
        snprintf(f->duration_text, sizeof(f->duration_text), "n/a");
    }

    if (r->provider.type && *r->provider.type) {
        struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        aidf_buf_addstr(&b, r->provider.type);
        if (r->provider.model && *r->provider.model)
            aidf_buf_addf(&b, " (%s)", r->provider.model);
        f->provider = clean_text(b.ptr, NAME_MAX_BYTES);
        aidf_buf_release(&b);
    }

    if (r->error.message || (r->error.category && *r->error.category)) {
        const char *msg =
            r->error.message && *r->error.message ? r->error.message : "Unknown error";
        f->error_full = clean_text(msg, AIDF_BUF_NOLIMIT);
        if (r->error.category && *r->error.category)
            f->category = clean_text(r->error.category, 64);
        struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        if (f->category)
            aidf_buf_addf(&b, "[%s] ", f->category);
        aidf_buf_addstr(&b, f->error_full);
        f->error_short = clean_text(b.ptr, SHORT_MAX);
        aidf_buf_release(&b);
    }
    if (r->blocked_reason && *r->blocked_reason) {
        f->blocked_full = clean_text(r->blocked_reason, AIDF_BUF_NOLIMIT);
        f->blocked_short = clean_text(r->blocked_reason, SHORT_MAX);
    }
    f->now_ms = aidf_wall_ms();
    aidf_iso_format(f->now_ms, f->timestamp);
}

static void facts_release(struct facts *f)
{
    free(f->name);
    free(f->task_path);
    free(f->run_id);
    free(f->provider);
    free(f->error_short);
    free(f->error_full);
    free(f->category);
    free(f->blocked_short);
    free(f->blocked_full);
}

/* ---- the filter ---- */

bool aidf_notify_wanted(enum aidf_notify_level level, enum aidf_status status)
{
    bool failed = status != AIDF_STATUS_COMPLETED && status != AIDF_STATUS_BLOCKED;
    switch (level) {
    case AIDF_NOTIFY_ALL:
        return true;
    case AIDF_NOTIFY_ERRORS:
        return failed || status == AIDF_STATUS_BLOCKED;
    case AIDF_NOTIFY_BLOCKED:
        return status == AIDF_STATUS_BLOCKED;
    default:
        return true;
    }
}

/* ---- HTTP channels ---- */

static char *dump(json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(o);
    return s;
}

/* POST `body` as JSON to `url`; true on a 2xx answer. Problems are warned about. */
static bool post_json(const char *channel, const char *url, const char *const *extra,
                      size_t n_extra, const char *body)
{
    const char **lines = aidf_xcalloc(n_extra + 1, sizeof(*lines));
    struct aidf_http_response resp;
    struct aidf_error err = {0};
    bool ok = false;

    lines[0] = "Content-Type: application/json";
    for (size_t i = 0; i < n_extra; i++)
        lines[i + 1] = extra[i];
    aidf_http_response_init(&resp);
    struct aidf_http_request req = {
        .method = "POST",
        .url = url,
        .headers = lines,
        .n_headers = n_extra + 1,
        .body = body,
        .body_len = strlen(body),
        .timeout_ms = AIDF_NOTIFY_TIMEOUT_MS,
        .max_response = RESPONSE_MAX,
    };
    int rc = aidf_http_request(&req, &resp, &err);
    if (rc != AIDF_OK) {
        aidf_warn("notification to %s failed: %s", channel, err.msg);
    } else if (resp.status < 200 || resp.status > 299) {
        const char *reason = aidf_http_reason(resp.status);
        aidf_warn("notification to %s failed: HTTP %ld%s%s", channel, resp.status,
                  *reason ? " " : "", reason);
    } else {
        ok = true;
        aidf_debug("notification to %s sent (HTTP %ld)", channel, resp.status);
    }
    aidf_http_response_release(&resp);
    free(lines);
    return ok;
}

static void slack_field(json_t *fields, const char *label, const char *value)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "*%s:*\n", label);
    aidf_buf_add_escaped(&b, value, AIDF_ESCAPE_NO_QUOT); /* Slack mrkdwn: & < > */
    json_t *f = json_object();
    json_object_set_new(f, "type", json_string("mrkdwn"));
    json_object_set_new(f, "text", json_string(b.ptr));
    json_array_append_new(fields, f);
    aidf_buf_release(&b);
}

static char *slack_payload(const struct facts *f)
{
    char num[32];
    json_t *fields = json_array();
    slack_field(fields, "Task", f->name);
    slack_field(fields, "Status", f->status_name);
    snprintf(num, sizeof(num), "%" PRId64, f->iterations);
    slack_field(fields, "Iterations", num);
    snprintf(num, sizeof(num), "%" PRId64, f->files);
    slack_field(fields, "Files", num);
    slack_field(fields, "Tokens", f->tokens_text);
    slack_field(fields, "Cost", f->cost_text);
    slack_field(fields, "Duration", f->duration_text);
    if (f->provider)
        slack_field(fields, "Provider", f->provider);
    if (f->error_short)
        slack_field(fields, "Error", f->error_short);
    if (f->blocked_short)
        slack_field(fields, "Blocked", f->blocked_short);
    /* 10 at most: Slack refuses a section with more fields. */
    while (json_array_size(fields) > 10)
        json_array_remove(fields, json_array_size(fields) - 1);

    json_t *blocks = json_array();
    json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "header", "text", "type",
                                            "plain_text", "text", f->title));
    json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "fields", fields));
    if (f->run_id) {
        struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        aidf_buf_addstr(&b, "Run ");
        aidf_buf_add_escaped(&b, f->run_id, AIDF_ESCAPE_NO_QUOT);
        json_array_append_new(blocks, json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context",
                                                "elements", "type", "mrkdwn", "text", b.ptr));
        aidf_buf_release(&b);
    }
    struct aidf_buf text = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&text, "%s: ", f->title);
    aidf_buf_add_escaped(&text, f->name, AIDF_ESCAPE_NO_QUOT);
    json_t *o = json_pack("{s:s, s:[{s:s, s:o}]}", "text", text.ptr, "attachments", "color",
                          f->hex_colour, "blocks", blocks);
    aidf_buf_release(&text);
    return dump(o);
}

static void discord_field(json_t *fields, const char *name, const char *value, bool inl)
{
    json_array_append_new(fields, json_pack("{s:s, s:s, s:b}", "name", name, "value",
                                            *value ? value : "-", "inline", inl));
}

static char *discord_payload(const struct facts *f)
{
    char num[32];
    json_t *fields = json_array();
    discord_field(fields, "Task", f->name, true);
    discord_field(fields, "Status", f->status_name, true);
    snprintf(num, sizeof(num), "%" PRId64, f->iterations);
    discord_field(fields, "Iterations", num, true);
    snprintf(num, sizeof(num), "%" PRId64, f->files);
    discord_field(fields, "Files Modified", num, true);
    discord_field(fields, "Tokens", f->tokens_text, true);
    discord_field(fields, "Cost", f->cost_text, true);
    discord_field(fields, "Duration", f->duration_text, true);
    if (f->provider)
        discord_field(fields, "Provider", f->provider, true);
    if (f->error_short)
        discord_field(fields, "Error", f->error_short, false);
    if (f->blocked_short)
        discord_field(fields, "Blocked Reason", f->blocked_short, false);

    json_t *embed = json_pack("{s:s, s:I, s:o, s:s}", "title", f->title, "color",
                              (json_int_t)f->colour, "fields", fields, "timestamp", f->timestamp);
    if (embed && f->run_id) {
        struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        aidf_buf_addf(&b, "Run %s", f->run_id);
        json_object_set_new(embed, "footer", json_pack("{s:s}", "text", b.ptr));
        aidf_buf_release(&b);
    }
    return dump(json_pack("{s:[o]}", "embeds", embed));
}

static char *webhook_payload(const struct facts *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(f->status_name));
    json_object_set_new(o, "task", json_string(f->name));
    json_object_set_new(o, "taskPath", aidf_json_str_or_null(f->task_path));
    json_object_set_new(o, "runId", aidf_json_str_or_null(f->run_id));
    json_object_set_new(o, "iterations", json_integer(f->iterations));
    json_object_set_new(o, "filesModified", json_integer(f->files));
    json_object_set_new(o, "tokens", f->has_tokens ? json_integer(f->tokens) : json_null());
    json_object_set_new(o, "cost", f->has_cost ? json_real(f->cost) : json_null());
    json_object_set_new(o, "durationMs", f->has_duration ? json_real(f->duration_ms) : json_null());
    json_object_set_new(o, "error", aidf_json_str_or_null(f->error_full));
    json_object_set_new(o, "errorCategory", aidf_json_str_or_null(f->category));
    json_object_set_new(o, "blockedReason", aidf_json_str_or_null(f->blocked_full));
    json_object_set_new(o, "timestamp", json_string(f->timestamp));
    return dump(o);
}

static bool header_name_ok(const char *name)
{
    if (!name || !*name)
        return false;
    for (const char *p = name; *p; p++)
        if (*p <= ' ' || *p == ':' || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

/* The configured webhook headers as "Name: value" lines (caller frees each and the array). */
static char **webhook_headers(const struct aidf_kvlist *h, size_t *n)
{
    char **lines = aidf_xcalloc(h->n + 1, sizeof(*lines));
    *n = 0;
    for (size_t i = 0; i < h->n; i++) {
        const char *k = h->items[i].key, *v = h->items[i].value ? h->items[i].value : "";
        if (!header_name_ok(k) || strpbrk(v, "\r\n")) {
            aidf_warn("notifications.webhook.headers: ignoring malformed header '%.60s'",
                      k ? k : "");
            continue;
        }
        if (!strcasecmp(k, "content-type") || !strcasecmp(k, "content-length") ||
            !strcasecmp(k, "host")) {
            aidf_warn("notifications.webhook.headers: '%s' is set by aidf; ignoring it", k);
            continue;
        }
        struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        aidf_buf_addf(&b, "%s: %s", k, v);
        lines[(*n)++] = aidf_buf_detach(&b, NULL);
    }
    return lines;
}

/* ---- desktop ---- */

static char *desktop_body(const struct facts *f)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "Task: %s\nStatus: %s\nIterations: %" PRId64, f->name, f->status_name,
                  f->iterations);
    if (f->files > 0)
        aidf_buf_addf(&b, "\nFiles modified: %" PRId64, f->files);
    aidf_buf_addf(&b, "\nTokens: %s\nCost: %s\nDuration: %s", f->tokens_text, f->cost_text,
                  f->duration_text);
    if (f->provider)
        aidf_buf_addf(&b, "\nProvider: %s", f->provider);
    if (f->error_short)
        aidf_buf_addf(&b, "\nError: %s", f->error_short);
    if (f->blocked_short)
        aidf_buf_addf(&b, "\nBlocked: %s", f->blocked_short);
    if (f->run_id)
        aidf_buf_addf(&b, "\nRun: %s", f->run_id);
    return aidf_buf_detach(&b, NULL);
}

/* 1: delivered, 0: failed, -1: not attempted (notify-send is not installed). */
static int send_desktop(const struct facts *f)
{
    char *exe = aidf_proc_which("notify-send");
    if (!exe) {
        aidf_debug("desktop notification skipped: notify-send is not installed");
        return -1;
    }
    char *body = desktop_body(f);
    const char *argv[6];
    size_t n = 0;
    argv[n++] = exe;
    argv[n++] = "--app-name=aidf";
    if (f->status == AIDF_STATUS_FAILED)
        argv[n++] = "--urgency=critical";
    argv[n++] = f->title;
    argv[n++] = body;
    argv[n] = NULL;
    struct aidf_proc_spec spec = {
        .argv = argv,
        .max_output = 4096,
        .merge_stderr = true,
        .timeout_ms = AIDF_NOTIFY_TIMEOUT_MS,
        .grace_ms = 500,
    };
    struct aidf_proc_result res;
    struct aidf_error err = {0};
    int ok = 0;
    int rc = aidf_proc_run(&spec, &res, &err);
    if (rc != AIDF_OK)
        aidf_warn("notification to desktop failed: %s", err.msg);
    else if (res.timed_out)
        aidf_warn("notification to desktop failed: notify-send timed out after %d ms",
                  AIDF_NOTIFY_TIMEOUT_MS);
    else if (res.exit_code != 0)
        aidf_warn("notification to desktop failed: notify-send exited with status %d",
                  res.exit_code);
    else
        ok = 1;
    if (ok)
        aidf_debug("notification to desktop sent");
    aidf_proc_result_release(&res);
    free(body);
    free(exe);
    return ok;
}

/* ---- email ---- */

struct upload {
    const char *p;
    size_t left;
};

static size_t on_read(char *dst, size_t size, size_t nmemb, void *ctx)
{
    struct upload *u = ctx;
    size_t n = size * nmemb;
    if (n > u->left)
        n = u->left;
    memcpy(dst, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* The bare address of "Name <addr>" or "addr" (trimmed), as a new string; NULL if bad. */
static char *bare_address(const char *s, size_t len)
{
    while (len > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    const char *lt = memchr(s, '<', len);
    if (lt) {
        const char *gt = memchr(lt, '>', len - (size_t)(lt - s));
        if (!gt)
            return NULL;
        s = lt + 1;
        len = (size_t)(gt - s);
    }
    if (len == 0)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '<' || c == '>' || c == 0x7f || c == '"' || c == ',')
            return NULL;
    }
    if (!memchr(s, '@', len))
        return NULL;
    return aidf_xstrndup(s, len);
}

/*
 * Split `to` on commas outside quotes and angle brackets. Each bare address goes to
 * `rcpt` as "<addr>"; the trimmed entries go to `hdr` joined with ", ". Returns the
 * number of recipients, or -1 for an entry that is not an address.
 */
static int parse_recipients(const char *to, struct curl_slist **rcpt, struct aidf_buf *hdr)
{
    int count = 0;
    const char *p = to;
    while (*p) {
        const char *start = p;
        bool quoted = false, angle = false;
        for (; *p; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (!quoted && *p == '<')
                angle = true;
            else if (!quoted && *p == '>')
                angle = false;
            else if (!quoted && !angle && *p == ',')
                break;
        }
        size_t len = (size_t)(p - start);
        if (*p == ',')
            p++;
        const char *s = start;
        while (len > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            len--;
        }
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == 0)
            continue;
        char *addr = bare_address(s, len);
        if (!addr)
            return -1;
        struct aidf_buf a = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        aidf_buf_addf(&a, "<%s>", addr);
        free(addr);
        struct curl_slist *tmp = curl_slist_append(*rcpt, a.ptr);
        aidf_buf_release(&a);
        if (!tmp)
            return -1;
        *rcpt = tmp;
        if (hdr->len)
            aidf_buf_addstr(hdr, ", ");
        aidf_buf_add(hdr, s, len);
        count++;
    }
    return count;
}

/* "Tue, 24 Nov 2026 10:00:00 +0000" */
static void rfc5322_date(int64_t ms, char *out, size_t outlen)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char iso[AIDF_ISO_LEN];
    aidf_iso_format(ms, iso);
    int64_t d = ms / 86400000 - (ms % 86400000 < 0);
    int wd = (int)(((d % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    int mon = (iso[5] - '0') * 10 + (iso[6] - '0');
    if (mon < 1 || mon > 12)
        mon = 1;
    snprintf(out, outlen, "%s, %.2s %s %.4s %.8s +0000", days[wd], iso + 8, months[mon - 1], iso,
             iso + 11);
}

/* Text with LF line ends (clean_text() output) written with CRLF. */
static void add_crlf(struct aidf_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            aidf_buf_addstr(b, "\r\n");
        else
            aidf_buf_addch(b, *s);
    }
}

struct row {
    const char *label, *value;
};

static size_t email_rows(const struct facts *f, struct row *rows, char *iters, char *files)
{
    size_t n = 0;
    snprintf(iters, 32, "%" PRId64, f->iterations);
    snprintf(files, 32, "%" PRId64, f->files);
    rows[n++] = (struct row){"Task", f->name};
    rows[n++] = (struct row){"Status", f->status_name};
    rows[n++] = (struct row){"Iterations", iters};
    rows[n++] = (struct row){"Files Modified", files};
    rows[n++] = (struct row){"Tokens", f->tokens_text};
    rows[n++] = (struct row){"Cost", f->cost_text};
    rows[n++] = (struct row){"Duration", f->duration_text};
    if (f->provider)
        rows[n++] = (struct row){"Provider", f->provider};
    if (f->error_short)
        rows[n++] = (struct row){"Error", f->error_short};
    if (f->blocked_short)
        rows[n++] = (struct row){"Blocked", f->blocked_short};
    if (f->task_path)
        rows[n++] = (struct row){"Task File", f->task_path};
    if (f->run_id)
        rows[n++] = (struct row){"Run ID", f->run_id};
    return n;
}

static char *email_message(const struct facts *f, const char *from_hdr, const char *to_hdr,
                           const char *sender)
{
    struct aidf_buf m = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct row rows[16];
    char iters[32], files[32], date[48];
    size_t n = email_rows(f, rows, iters, files);
    uint64_t rnd = (uint64_t)(aidf_http_jitter() * 9007199254740992.0);
    const char *at = strrchr(sender, '@');
    const char *domain = at && at[1] ? at + 1 : "aidf.invalid";
    char boundary[64];
    snprintf(boundary, sizeof(boundary), "=_aidf_%016" PRIx64, rnd);

    rfc5322_date(f->now_ms, date, sizeof(date));
    aidf_buf_addf(&m, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from_hdr, to_hdr,
                  f->title, date);
    aidf_buf_addf(&m, "Message-ID: <aidf.%s.%" PRId64 ".%" PRIx64 "@%s>\r\n",
                  f->run_id ? f->run_id : "run", f->now_ms, rnd & 0xffffffu, domain);
    aidf_buf_addf(&m,
                  "MIME-Version: 1.0\r\n"
                  "Content-Type: multipart/alternative; boundary=\"%s\"\r\n"
                  "\r\n"
                  "This is a multi-part message in MIME format.\r\n",
                  boundary);

    /* text/plain */
    aidf_buf_addf(&m,
                  "\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n\r\n",
                  boundary, f->title);
    for (size_t i = 0; i < n; i++) {
        aidf_buf_addf(&m, "%s: ", rows[i].label);
        add_crlf(&m, rows[i].value);
        aidf_buf_addstr(&m, "\r\n");
    }
    aidf_buf_addstr(&m, "\r\n-- \r\nSent by AIDF Notification System\r\n");

    /* text/html */
    aidf_buf_addf(&m,
                  "\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n"
                  "Content-Transfer-Encoding: 8bit\r\n\r\n",
                  boundary);
    aidf_buf_addf(&m,
                  "<!DOCTYPE html>\r\n<html>\r\n<head><meta charset=\"utf-8\"><title>%s</title>"
                  "</head>\r\n<body style=\"font-family: sans-serif\">\r\n"
                  "<h2 style=\"color: %s\">%s</h2>\r\n"
                  "<table cellpadding=\"6\" style=\"border-collapse: collapse\">\r\n",
                  f->title, f->hex_colour, f->title);
    for (size_t i = 0; i < n; i++) {
        aidf_buf_addf(&m, "<tr><th align=\"left\">%s</th><td>", rows[i].label);
        aidf_buf_add_escaped(&m, rows[i].value, AIDF_ESCAPE_APOS | AIDF_ESCAPE_BR_CRLF);
        aidf_buf_addstr(&m, "</td></tr>\r\n");
    }
    aidf_buf_addstr(&m, "</table>\r\n<p style=\"color: #888888; font-size: 12px\">"
                        "Sent by AIDF Notification System</p>\r\n</body>\r\n</html>\r\n");
    aidf_buf_addf(&m, "\r\n--%s--\r\n", boundary);
    return aidf_buf_detach(&m, NULL);
}

static bool host_ok(const char *h)
{
    if (!*h)
        return false;
    for (const char *p = h; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

/* 1: delivered, 0: failed, -1: not attempted (no smtp_host). */
static int send_email(const struct aidf_config *cfg, const struct facts *f)
{
    const char *host = cfg->notifications.email.smtp_host;
    const char *user = cfg->notifications.email.smtp_user;
    const char *pass = cfg->notifications.email.smtp_pass;
    const char *from = cfg->notifications.email.from;
    const char *to = cfg->notifications.email.to;
    int port = cfg->notifications.email.smtp_port > 0 ? cfg->notifications.email.smtp_port : 587;
    struct aidf_buf url = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct aidf_buf to_hdr = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct aidf_buf mail_from = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct curl_slist *rcpt = NULL;
    char *sender = NULL, *msg = NULL;
    char errbuf[CURL_ERROR_SIZE];
    CURL *h = NULL;
    int ok = 0;

    if (!host || !*host) {
        aidf_debug("email notification skipped: no notifications.email.smtp_host");
        return -1;
    }
    if (!host_ok(host) || port > 65535) {
        aidf_warn("notification to email failed: invalid smtp_host or smtp_port");
        goto out;
    }
    if (!from || !*from)
        from = user;
    if (!from || strpbrk(from, "\r\n") || !(sender = bare_address(from, strlen(from)))) {
        aidf_warn("notification to email failed: no valid sender address "
                  "(notifications.email.from)");
        goto out;
    }
    if (!to || strpbrk(to, "\r\n") || parse_recipients(to, &rcpt, &to_hdr) <= 0) {
        aidf_warn("notification to email failed: no valid recipient address "
                  "(notifications.email.to)");
        goto out;
    }

    bool bracket = strchr(host, ':') && host[0] != '[';
    aidf_buf_addf(&url, "%s://%s%s%s:%d", port == 465 ? "smtps" : "smtp", bracket ? "[" : "", host,
                  bracket ? "]" : "", port);
    aidf_buf_addf(&mail_from, "<%s>", sender);
    msg = email_message(f, from, to_hdr.ptr, sender);
    struct upload up = {msg, strlen(msg)};

    h = curl_easy_init();
    if (!h) {
        aidf_warn("notification to email failed: cannot create a curl handle");
        goto out;
    }
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_URL, url.ptr);
    if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK) {
        aidf_warn("notification to email failed: libcurl refused CURLOPT_PROTOCOLS_STR");
        goto out;
    }
    if (port != 465)
        curl_easy_setopt(h, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    if (user && *user) {
        curl_easy_setopt(h, CURLOPT_USERNAME, user);
        curl_easy_setopt(h, CURLOPT_PASSWORD, pass ? pass : "");
    }
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.ptr);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(h, CURLOPT_READDATA, &up);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up.left);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)AIDF_NOTIFY_TIMEOUT_MS);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)AIDF_NOTIFY_TIMEOUT_MS);

    CURLcode cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        const char *text = errbuf[0] ? errbuf : curl_easy_strerror(cc);
        if (cc == CURLE_OPERATION_TIMEDOUT)
            aidf_warn("notification to email failed: timed out after %d ms",
                      AIDF_NOTIFY_TIMEOUT_MS);
        else if (code > 0)
            aidf_warn("notification to email failed: %s (SMTP %ld)", text, code);
        else
            aidf_warn("notification to email failed: %s", text);
        goto out;
    }
    ok = 1;
    aidf_debug("notification to email sent");
out:
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(rcpt);
    aidf_buf_release(&url);
    aidf_buf_release(&to_hdr);
    aidf_buf_release(&mail_from);
    free(sender);
    free(msg);
    return ok;
}

/* ---- the run ---- */

static void count(struct aidf_notify_result *res, int outcome)
{
    if (outcome < 0)
        return;
    res->attempted++;
    if (outcome > 0)
        res->delivered++;
    else
        res->failed++;
}

/* 1: delivered, 0: failed, -1: skipped (no URL). */
static int send_http(const char *channel, const char *url, char *body, const char *const *extra,
                     size_t n_extra)
{
    int outcome;
    if (!url || !*url) {
        aidf_debug("%s notification skipped: no URL configured", channel);
        outcome = -1;
    } else if (!body) {
        aidf_warn("notification to %s failed: cannot encode the payload", channel);
        outcome = 0;
    } else {
        outcome = post_json(channel, url, extra, n_extra, body) ? 1 : 0;
    }
    free(body);
    return outcome;
}

void aidf_notify_run(const struct aidf_config *cfg, const struct aidf_report *r,
                     struct aidf_notify_result *res)
{
    struct aidf_notify_result local;
    struct facts f;

    if (!res)
        res = &local;
    memset(res, 0, sizeof(*res));
    if (!cfg || !r)
        return;
    bool desktop = cfg->notifications.desktop.enabled, slack = cfg->notifications.slack.enabled;
    bool discord = cfg->notifications.discord.enabled, email = cfg->notifications.email.enabled;
    bool webhook = cfg->notifications.webhook.enabled;
    if (!desktop && !slack && !discord && !email && !webhook)
        return;
    if (!aidf_notify_wanted(cfg->notifications.level, r->status)) {
        res->filtered = true;
        aidf_debug("notifications skipped: level '%s' does not cover a %s run",
                   aidf_notify_level_name(cfg->notifications.level), aidf_status_name(r->status));
        return;
    }

    facts_init(&f, r);
    if (desktop)
        count(res, send_desktop(&f));
    if (slack)
        count(res,
              send_http("slack", cfg->notifications.slack.webhook_url, slack_payload(&f), NULL, 0));
    if (discord)
        count(res, send_http("discord", cfg->notifications.discord.webhook_url, discord_payload(&f),
                             NULL, 0));
    if (webhook) {
        size_t nh = 0;
        char **hdrs = webhook_headers(&cfg->notifications.webhook.headers, &nh);
        count(res, send_http("webhook", cfg->notifications.webhook.url, webhook_payload(&f),
                             (const char *const *)hdrs, nh));
        for (size_t i = 0; i < nh; i++)
            free(hdrs[i]);
        free(hdrs);
    }
    if (email)
        count(res, send_email(cfg, &f));
    if (res->attempted)
        aidf_debug("notifications: %d of %d delivered", res->delivered, res->attempted);
    facts_release(&f);
}
