/*
 * Notifications: the level filter, and each channel end to end against local receivers
 * (tests/e2e/receiver.py for HTTP, tests/e2e/smtp_sink.py for SMTP, a fake notify-send
 * script first on PATH for the desktop). Loopback addresses only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "aidf/buf.h"
#include "aidf/config.h"
#include "aidf/log.h"
#include "aidf/notify.h"
#include "aidf/report.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"
#include "testutil.h"

#define RUN_ID "0f1e2d3c-4b5a-4968-8776-655443322110"

static int setup(void **state)
{
    (void)state;
    tu_log_capture(AIDF_LOG_DEBUG);
    aidf_log_level = AIDF_LOG_DEBUG;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_log_capture_stop();
    aidf_log_level = AIDF_LOG_WARN;
    return 0;
}

/* ---- local servers ---- */

struct server {
    pid_t pid;
    int port;
    char *dir, *log;
};

/* Start `script` (under tests/e2e) with --port-file/--log and `extra` arguments. */
static void server_start(struct server *s, const char *script, const char *const *extra)
{
    const char *argv[16];
    size_t n = 0;
    char scriptpath[4096], portfile[4096], logfile[4096];
    s->dir = tu_mkdtemp();
    snprintf(scriptpath, sizeof(scriptpath), "%s/tests/e2e/%s", AIDF_SOURCE_DIR, script);
    snprintf(portfile, sizeof(portfile), "%s/port", s->dir);
    snprintf(logfile, sizeof(logfile), "%s/log", s->dir);
    s->log = aidf_xstrdup(logfile);
    argv[n++] = "python3";
    argv[n++] = scriptpath;
    argv[n++] = "--port-file";
    argv[n++] = portfile;
    argv[n++] = "--log";
    argv[n++] = logfile;
    argv[n++] = "--lifetime";
    argv[n++] = "60";
    for (; extra && *extra && n < 15; extra++)
        argv[n++] = *extra;
    argv[n] = NULL;
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        char *cargv[16];
        for (size_t i = 0; i <= n; i++)
            cargv[i] = argv[i] ? aidf_xstrdup(argv[i]) : NULL;
        execvp(cargv[0], cargv);
        _exit(127);
    }
    s->port = 0;
    for (int i = 0; i < 500 && !s->port; i++) {
        char *text = tu_read(portfile, NULL);
        if (text) {
            s->port = (int)strtol(text, NULL, 10);
            free(text);
        } else {
            usleep(10000);
        }
    }
    assert_true(s->port > 0);
}

static void server_stop(struct server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    tu_rmrf(s->dir);
    free(s->dir);
    free(s->log);
    memset(s, 0, sizeof(*s));
}

static void http_start(struct server *s, const char *statuses)
{
    const char *extra[] = {"--statuses", statuses, NULL};
    server_start(s, "receiver.py", extra);
}

/* Every JSON line of the log as an array (a new reference). */
static json_t *log_lines(const struct server *s)
{
    json_t *arr = json_array();
    char *text = tu_read(s->log, NULL);
    if (!text)
        return arr;
    char *line = text;
    while (*line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (*line) {
            json_t *o = json_loads(line, 0, NULL);
            assert_non_null(o);
            json_array_append_new(arr, o);
        }
        if (!nl)
            break;
        line = nl + 1;
    }
    free(text);
    return arr;
}

/* The body of the request to `path` as parsed JSON (a new reference); fails when absent. */
static json_t *body_for(json_t *lines, const char *path, json_t **headers)
{
    size_t i;
    json_t *rec;
    json_array_foreach(lines, i, rec)
    {
        if (strcmp(json_string_value(json_object_get(rec, "path")), path) != 0)
            continue;
        assert_string_equal(json_string_value(json_object_get(rec, "method")), "POST");
        if (headers)
            *headers = json_object_get(rec, "headers");
        json_error_t e;
        json_t *b = json_loads(json_string_value(json_object_get(rec, "body")), 0, &e);
        assert_non_null(b);
        return b;
    }
    fail_msg("no request to %s", path);
    return NULL;
}

/* A port on 127.0.0.1 that nothing listens on. */
static char *url_of(int port, const char *path)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "http://127.0.0.1:%d%s", port, path);
    return aidf_buf_detach(&b, NULL);
}

/* ---- fixtures ---- */

static void make_report(struct aidf_report *r, enum aidf_status st)
{
    aidf_report_init(r);
    r->run_id = aidf_xstrdup(RUN_ID);
    r->timestamp = aidf_xstrdup("2026-11-24T10:00:00.000Z");
    r->task_path = aidf_xstrdup(".ai/tasks/pending/001-add-login.md");
    r->provider.type = aidf_xstrdup("claude-cli");
    r->provider.model = aidf_xstrdup("sonnet");
    r->status = st;
    r->iterations = 3;
    r->files.present = true;
    aidf_strlist_add(&r->files.modified, "src/a.c");
    aidf_strlist_add(&r->files.modified, "src/b.c");
    aidf_strlist_add(&r->files.created, "src/c.c");
    r->files.total_count = 3;
    r->tokens.present = true;
    r->tokens.total_input = 10000;
    r->tokens.total_output = 2345;
    r->tokens.total_tokens = 12345;
    r->tokens.estimated = 0;
    r->cost.present = true;
    r->cost.estimated_total = 0.0123;
    r->cost.unpriced = 0;
    r->timing.present = true;
    r->timing.total_duration_ms = 65000;
    if (st == AIDF_STATUS_FAILED) {
        r->error.message = aidf_xstrdup("API returned 500 <boom> & more");
        r->error.category = aidf_xstrdup("api");
    }
    if (st == AIDF_STATUS_BLOCKED)
        r->blocked_reason = aidf_xstrdup("Need the DB password <script>x</script>");
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v ? aidf_xstrdup(v) : NULL;
}

/* ---- the filter ---- */

static void test_level_filter(void **state)
{
    (void)state;
    static const struct {
        enum aidf_notify_level level;
        bool want[4]; /* unknown, completed, blocked, failed */
    } table[] = {
        {AIDF_NOTIFY_ALL, {true, true, true, true}},
        {AIDF_NOTIFY_ERRORS, {true, false, true, true}},
        {AIDF_NOTIFY_BLOCKED, {false, false, true, false}},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        for (int s = 0; s < 4; s++)
            assert_int_equal(aidf_notify_wanted(table[i].level, (enum aidf_status)s),
                             table[i].want[s]);
}

static void test_nothing_enabled_and_filtered(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_COMPLETED);

    memset(&res, 0xff, sizeof(res));
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 0);
    assert_int_equal(res.delivered, 0);
    assert_int_equal(res.failed, 0);
    assert_false(res.filtered);
    aidf_notify_run(&c, &r, NULL); /* no result wanted: fine too */

    /* Enabled, but level "blocked" skips a completed run: nothing is even tried. */
    struct server s;
    http_start(&s, "200");
    c.notifications.level = AIDF_NOTIFY_BLOCKED;
    c.notifications.slack.enabled = true;
    c.notifications.slack.webhook_url = url_of(s.port, "/slack");
    aidf_notify_run(&c, &r, &res);
    assert_true(res.filtered);
    assert_int_equal(res.attempted, 0);
    json_t *lines = log_lines(&s);
    assert_int_equal(json_array_size(lines), 0);
    json_decref(lines);

    /* Level "errors" lets a failed run through. */
    c.notifications.level = AIDF_NOTIFY_ERRORS;
    aidf_report_release(&r);
    make_report(&r, AIDF_STATUS_FAILED);
    aidf_notify_run(&c, &r, &res);
    assert_false(res.filtered);
    assert_int_equal(res.attempted, 1);
    assert_int_equal(res.delivered, 1);
    lines = log_lines(&s);
    assert_int_equal(json_array_size(lines), 1);
    json_decref(lines);

    /* Enabled channels without a URL are skipped, not failed. */
    set_str(&c.notifications.slack.webhook_url, NULL);
    c.notifications.discord.enabled = true;
    c.notifications.webhook.enabled = true;
    set_str(&c.notifications.webhook.url, "");
    c.notifications.email.enabled = true;
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 0);
    assert_int_equal(res.failed, 0);

    server_stop(&s);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

/* ---- Slack ---- */

static const char *slack_text(json_t *fields, size_t i)
{
    json_t *f = json_array_get(fields, i);
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "type")), "mrkdwn");
    return json_string_value(json_object_get(f, "text"));
}

static void test_slack_payload(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    struct server s;
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_FAILED);
    http_start(&s, "200");
    c.notifications.slack.enabled = true;
    c.notifications.slack.webhook_url = url_of(s.port, "/services/T000/B000/SECRETTOKEN");

    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 1);
    assert_int_equal(res.delivered, 1);
    assert_int_equal(res.failed, 0);

    json_t *lines = log_lines(&s), *headers = NULL;
    assert_int_equal(json_array_size(lines), 1);
    json_t *b = body_for(lines, "/services/T000/B000/SECRETTOKEN", &headers);
    assert_string_equal(json_string_value(json_object_get(headers, "content-type")),
                        "application/json");
    assert_string_equal(json_string_value(json_object_get(b, "text")),
                        "AIDF: Task Failed: 001-add-login.md");
    json_t *att = json_array_get(json_object_get(b, "attachments"), 0);
    assert_string_equal(json_string_value(json_object_get(att, "color")), "#ff0000");
    json_t *blocks = json_object_get(att, "blocks");
    json_t *hdr = json_array_get(blocks, 0);
    assert_string_equal(json_string_value(json_object_get(hdr, "type")), "header");
    assert_string_equal(json_string_value(json_object_get(json_object_get(hdr, "text"), "type")),
                        "plain_text");
    assert_string_equal(json_string_value(json_object_get(json_object_get(hdr, "text"), "text")),
                        "AIDF: Task Failed");
    json_t *sec = json_array_get(blocks, 1);
    assert_string_equal(json_string_value(json_object_get(sec, "type")), "section");
    json_t *fields = json_object_get(sec, "fields");
    assert_int_equal(json_array_size(fields), 9);
    assert_string_equal(slack_text(fields, 0), "*Task:*\n001-add-login.md");
    assert_string_equal(slack_text(fields, 1), "*Status:*\nfailed");
    assert_string_equal(slack_text(fields, 2), "*Iterations:*\n3");
    assert_string_equal(slack_text(fields, 3), "*Files:*\n3");
    assert_string_equal(slack_text(fields, 4), "*Tokens:*\n12,345");
    assert_string_equal(slack_text(fields, 5), "*Cost:*\n$0.0123");
    assert_string_equal(slack_text(fields, 6), "*Duration:*\n1m 05s");
    assert_string_equal(slack_text(fields, 7), "*Provider:*\nclaude-cli (sonnet)");
    /* mrkdwn control characters are escaped */
    assert_string_equal(slack_text(fields, 8),
                        "*Error:*\n[api] API returned 500 &lt;boom&gt; &amp; more");
    json_t *ctx = json_array_get(blocks, 2);
    assert_string_equal(json_string_value(json_object_get(ctx, "type")), "context");
    json_decref(b);
    json_decref(lines);

    /* The webhook URL is a secret: never in the log, even at debug level. */
    assert_null(strstr(tu_log_text(), "SECRETTOKEN"));
    assert_null(strstr(tu_log_text(), "/services/"));

    /* Both an error and a blocked reason, estimated tokens, unpriced: still <= 10 fields. */
    r.blocked_reason = aidf_xstrdup("waiting");
    r.tokens.estimated = 1;
    r.cost.estimated_total = NAN;
    r.cost.unpriced = 1;
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.delivered, 1);
    lines = log_lines(&s);
    assert_int_equal(json_array_size(lines), 2);
    json_t *body =
        json_loads(json_string_value(json_object_get(json_array_get(lines, 1), "body")), 0, NULL);
    fields = json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(body, "attachments"), 0), "blocks"), 1),
        "fields");
    assert_int_equal(json_array_size(fields), 10);
    assert_string_equal(slack_text(fields, 4), "*Tokens:*\n~12,345");
    assert_string_equal(slack_text(fields, 5), "*Cost:*\nunpriced");
    assert_string_equal(slack_text(fields, 9), "*Blocked:*\nwaiting");
    json_decref(body);
    json_decref(lines);

    server_stop(&s);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

/* ---- Discord ---- */

static void expect_field(json_t *fields, size_t i, const char *name, const char *value, bool inl)
{
    json_t *f = json_array_get(fields, i);
    assert_non_null(f);
    assert_string_equal(json_string_value(json_object_get(f, "name")), name);
    assert_string_equal(json_string_value(json_object_get(f, "value")), value);
    assert_true(json_is_boolean(json_object_get(f, "inline")));
    assert_int_equal(json_is_true(json_object_get(f, "inline")), inl);
}

static void test_discord_payload(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    struct server s;
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_BLOCKED);
    http_start(&s, "204");
    c.notifications.discord.enabled = true;
    c.notifications.discord.webhook_url = url_of(s.port, "/api/webhooks/1/SECRETTOKEN");

    int64_t before = aidf_wall_ms();
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 1);
    assert_int_equal(res.delivered, 1);

    json_t *lines = log_lines(&s);
    json_t *b = body_for(lines, "/api/webhooks/1/SECRETTOKEN", NULL);
    json_t *e = json_array_get(json_object_get(b, "embeds"), 0);
    assert_string_equal(json_string_value(json_object_get(e, "title")), "AIDF: Task Blocked");
    assert_true(json_is_integer(json_object_get(e, "color")));
    assert_int_equal(json_integer_value(json_object_get(e, "color")), 0xff9900);
    json_t *fields = json_object_get(e, "fields");
    assert_int_equal(json_array_size(fields), 9);
    expect_field(fields, 0, "Task", "001-add-login.md", true);
    expect_field(fields, 1, "Status", "blocked", true);
    expect_field(fields, 2, "Iterations", "3", true);
    expect_field(fields, 3, "Files Modified", "3", true);
    expect_field(fields, 4, "Tokens", "12,345", true);
    expect_field(fields, 5, "Cost", "$0.0123", true);
    expect_field(fields, 6, "Duration", "1m 05s", true);
    expect_field(fields, 7, "Provider", "claude-cli (sonnet)", true);
    expect_field(fields, 8, "Blocked Reason", "Need the DB password <script>x</script>", false);
    int64_t ts = 0;
    assert_int_equal(aidf_iso_parse(json_string_value(json_object_get(e, "timestamp")), &ts),
                     AIDF_OK);
    assert_true(ts >= before - 1000 && ts <= aidf_wall_ms() + 1000);
    assert_non_null(
        strstr(json_string_value(json_object_get(json_object_get(e, "footer"), "text")), RUN_ID));
    json_decref(b);
    json_decref(lines);
    assert_null(strstr(tu_log_text(), "SECRETTOKEN"));

    server_stop(&s);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

static void test_status_colours(void **state)
{
    (void)state;
    static const struct {
        enum aidf_status st;
        const char *hex;
        long colour;
        const char *title;
    } want[] = {
        {AIDF_STATUS_COMPLETED, "#36a64f", 0x36a64f, "AIDF: Task Completed"},
        {AIDF_STATUS_BLOCKED, "#ff9900", 0xff9900, "AIDF: Task Blocked"},
        {AIDF_STATUS_FAILED, "#ff0000", 0xff0000, "AIDF: Task Failed"},
        {AIDF_STATUS_UNKNOWN, "#ff0000", 0xff0000, "AIDF: Task Failed"},
    };
    struct aidf_config c;
    struct server s;
    aidf_config_init_defaults(&c);
    http_start(&s, "200");
    c.notifications.slack.enabled = true;
    c.notifications.slack.webhook_url = url_of(s.port, "/slack");
    c.notifications.discord.enabled = true;
    c.notifications.discord.webhook_url = url_of(s.port, "/discord");
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct aidf_report r;
        struct aidf_notify_result res;
        make_report(&r, want[i].st);
        aidf_notify_run(&c, &r, &res);
        assert_int_equal(res.delivered, 2);
        json_t *lines = log_lines(&s);
        assert_int_equal(json_array_size(lines), 2 * (i + 1));
        json_t *tail = json_array();
        json_array_append(tail, json_array_get(lines, 2 * i));
        json_array_append(tail, json_array_get(lines, 2 * i + 1));
        json_t *sl = body_for(tail, "/slack", NULL), *di = body_for(tail, "/discord", NULL);
        json_t *att = json_array_get(json_object_get(sl, "attachments"), 0);
        assert_string_equal(json_string_value(json_object_get(att, "color")), want[i].hex);
        json_t *e = json_array_get(json_object_get(di, "embeds"), 0);
        assert_int_equal(json_integer_value(json_object_get(e, "color")), want[i].colour);
        assert_string_equal(json_string_value(json_object_get(e, "title")), want[i].title);
        json_decref(sl);
        json_decref(di);
        json_decref(tail);
        json_decref(lines);
        aidf_report_release(&r);
    }
    server_stop(&s);
    aidf_config_release(&c);
}

/* ---- generic webhook ---- */

static void test_webhook_payload(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    struct server s;
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_FAILED);
    http_start(&s, "202");
    c.notifications.webhook.enabled = true;
    c.notifications.webhook.url = url_of(s.port, "/hook?x=1");
    aidf_kvlist_add(&c.notifications.webhook.headers, "Authorization", "Bearer t0k");
    aidf_kvlist_add(&c.notifications.webhook.headers, "X-Team", "core");
    aidf_kvlist_add(&c.notifications.webhook.headers, "X-Split", "a\r\nInjected: 1");
    aidf_kvlist_add(&c.notifications.webhook.headers, "Bad Name", "x");
    aidf_kvlist_add(&c.notifications.webhook.headers, "Content-Type", "text/plain");

    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 1);
    assert_int_equal(res.delivered, 1);

    json_t *lines = log_lines(&s), *h = NULL;
    json_t *b = body_for(lines, "/hook?x=1", &h);
    assert_string_equal(json_string_value(json_object_get(h, "content-type")), "application/json");
    assert_string_equal(json_string_value(json_object_get(h, "authorization")), "Bearer t0k");
    assert_string_equal(json_string_value(json_object_get(h, "x-team")), "core");
    assert_null(json_object_get(h, "x-split"));
    assert_null(json_object_get(h, "injected"));
    assert_null(json_object_get(h, "bad name"));
    assert_null(strstr(tu_log_text(), "Bearer"));
    assert_non_null(strstr(tu_log_text(), "X-Split"));

    assert_string_equal(json_string_value(json_object_get(b, "type")), "failed");
    assert_string_equal(json_string_value(json_object_get(b, "task")), "001-add-login.md");
    assert_string_equal(json_string_value(json_object_get(b, "taskPath")),
                        ".ai/tasks/pending/001-add-login.md");
    assert_string_equal(json_string_value(json_object_get(b, "runId")), RUN_ID);
    assert_int_equal(json_integer_value(json_object_get(b, "iterations")), 3);
    assert_int_equal(json_integer_value(json_object_get(b, "filesModified")), 3);
    assert_int_equal(json_integer_value(json_object_get(b, "tokens")), 12345);
    assert_true(fabs(json_number_value(json_object_get(b, "cost")) - 0.0123) < 1e-12);
    assert_true(fabs(json_number_value(json_object_get(b, "durationMs")) - 65000) < 1e-9);
    assert_string_equal(json_string_value(json_object_get(b, "error")),
                        "API returned 500 <boom> & more");
    assert_string_equal(json_string_value(json_object_get(b, "errorCategory")), "api");
    assert_true(json_is_null(json_object_get(b, "blockedReason")));
    int64_t ts;
    assert_int_equal(aidf_iso_parse(json_string_value(json_object_get(b, "timestamp")), &ts),
                     AIDF_OK);
    assert_int_equal(json_object_size(b), 13);
    json_decref(b);
    json_decref(lines);

    /* A bare completed run: the unknowns are null. */
    aidf_report_release(&r);
    aidf_report_init(&r);
    r.run_id = aidf_xstrdup(RUN_ID);
    r.status = AIDF_STATUS_COMPLETED;
    r.task_path = aidf_xstrdup("tasks/002-x.md");
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.delivered, 1);
    lines = log_lines(&s);
    b = json_loads(json_string_value(json_object_get(json_array_get(lines, 1), "body")), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(b, "type")), "completed");
    assert_string_equal(json_string_value(json_object_get(b, "task")), "002-x.md");
    assert_int_equal(json_integer_value(json_object_get(b, "iterations")), 0);
    assert_int_equal(json_integer_value(json_object_get(b, "filesModified")), 0);
    static const char *const nulls[] = {"tokens", "cost",          "durationMs",
                                        "error",  "errorCategory", "blockedReason"};
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        assert_true(json_is_null(json_object_get(b, nulls[i])));
    json_decref(b);
    json_decref(lines);

    server_stop(&s);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

/* ---- truncation ---- */

static bool valid_utf8(const char *s)
{
    json_t *j = json_string(s); /* jansson refuses invalid UTF-8 */
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

static void test_long_error_truncated(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    struct server s;
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_FAILED);
    /* "[api] " is 6 bytes; 193 'x' make 199; then 3-byte euro signs: byte 200 falls
     * inside the first one, so the cut is at 199 bytes. */
    struct aidf_buf m = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    for (int i = 0; i < 193; i++)
        aidf_buf_addch(&m, 'x');
    for (int i = 0; i < 40; i++)
        aidf_buf_addstr(&m, "\xe2\x82\xac");
    free(r.error.message);
    r.error.message = aidf_buf_detach(&m, NULL);
    /* A blocked reason of two-byte characters: 200 bytes fit exactly. */
    for (int i = 0; i < 150; i++)
        aidf_buf_addstr(&m, "\xc3\xa9");
    r.blocked_reason = aidf_buf_detach(&m, NULL);

    http_start(&s, "200");
    c.notifications.slack.enabled = true;
    c.notifications.slack.webhook_url = url_of(s.port, "/slack");
    c.notifications.discord.enabled = true;
    c.notifications.discord.webhook_url = url_of(s.port, "/discord");
    c.notifications.webhook.enabled = true;
    c.notifications.webhook.url = url_of(s.port, "/hook");
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.delivered, 3);

    json_t *lines = log_lines(&s);
    json_t *di = body_for(lines, "/discord", NULL);
    json_t *fields = json_object_get(json_array_get(json_object_get(di, "embeds"), 0), "fields");
    const char *err = NULL, *blk = NULL;
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f)
    {
        const char *name = json_string_value(json_object_get(f, "name"));
        if (!strcmp(name, "Error"))
            err = json_string_value(json_object_get(f, "value"));
        if (!strcmp(name, "Blocked Reason"))
            blk = json_string_value(json_object_get(f, "value"));
    }
    assert_non_null(err);
    assert_non_null(blk);
    assert_int_equal(strlen(err), 199);
    assert_memory_equal(err, "[api] xxx", 9);
    assert_true(valid_utf8(err));
    assert_int_equal(strlen(blk), 200);
    assert_memory_equal(blk, r.blocked_reason, 200);

    json_t *sl = body_for(lines, "/slack", NULL);
    json_t *sf = json_object_get(
        json_array_get(
            json_object_get(json_array_get(json_object_get(sl, "attachments"), 0), "blocks"), 1),
        "fields");
    const char *stext = slack_text(sf, 8);
    assert_int_equal(strlen(stext), strlen("*Error:*\n") + 199);
    assert_true(valid_utf8(stext));

    /* The generic webhook carries the whole message. */
    json_t *wh = body_for(lines, "/hook", NULL);
    assert_string_equal(json_string_value(json_object_get(wh, "error")), r.error.message);
    assert_string_equal(json_string_value(json_object_get(wh, "blockedReason")), r.blocked_reason);

    json_decref(di);
    json_decref(sl);
    json_decref(wh);
    json_decref(lines);
    server_stop(&s);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

/* ---- failures ---- */

static void test_non2xx_counted_as_failed(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    struct server s;
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_COMPLETED);
    http_start(&s, "500,404,302");
    c.notifications.slack.enabled = true;
    c.notifications.slack.webhook_url = url_of(s.port, "/slack/SECRETTOKEN");
    c.notifications.discord.enabled = true;
    c.notifications.discord.webhook_url = url_of(s.port, "/discord/SECRETTOKEN");
    c.notifications.webhook.enabled = true;
    c.notifications.webhook.url = url_of(s.port, "/hook/SECRETTOKEN");
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 3);
    assert_int_equal(res.delivered, 0);
    assert_int_equal(res.failed, 3);
    assert_non_null(strstr(tu_log_text(), "notification to slack failed: HTTP 500"));
    assert_non_null(strstr(tu_log_text(), "notification to discord failed: HTTP 404"));
    assert_non_null(strstr(tu_log_text(), "notification to webhook failed: HTTP 302"));
    assert_null(strstr(tu_log_text(), "SECRETTOKEN"));
    server_stop(&s);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

static void test_unreachable_fails_fast(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_FAILED);
    int port = tu_closed_port();
    c.notifications.slack.enabled = true;
    c.notifications.slack.webhook_url = url_of(port, "/slack/SECRETTOKEN");
    c.notifications.discord.enabled = true;
    c.notifications.discord.webhook_url = url_of(port, "/discord/SECRETTOKEN");
    c.notifications.webhook.enabled = true;
    c.notifications.webhook.url = url_of(port, "/hook");
    c.notifications.email.enabled = true;
    set_str(&c.notifications.email.smtp_host, "127.0.0.1");
    c.notifications.email.smtp_port = port;
    set_str(&c.notifications.email.from, "aidf@example.com");
    set_str(&c.notifications.email.to, "dev@example.com");
    int64_t t0 = aidf_mono_ns();
    aidf_notify_run(&c, &r, &res);
    int64_t ms = (aidf_mono_ns() - t0) / 1000000;
    assert_int_equal(res.attempted, 4);
    assert_int_equal(res.failed, 4);
    assert_int_equal(res.delivered, 0);
    assert_true(ms < AIDF_NOTIFY_TIMEOUT_MS);
    assert_non_null(strstr(tu_log_text(), "notification to slack failed:"));
    assert_non_null(strstr(tu_log_text(), "notification to email failed:"));
    assert_null(strstr(tu_log_text(), "SECRETTOKEN"));

    /* A scheme the HTTP client does not speak fails too, without aborting. */
    set_str(&c.notifications.slack.webhook_url, "file:///etc/passwd");
    c.notifications.discord.enabled = false;
    c.notifications.webhook.enabled = false;
    c.notifications.email.enabled = false;
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.failed, 1);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

/* ---- email ---- */

static json_t *only_message(const struct server *s)
{
    json_t *lines = log_lines(s);
    assert_int_equal(json_array_size(lines), 1);
    json_t *m = json_incref(json_array_get(lines, 0));
    json_decref(lines);
    return m;
}

static void test_email(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    struct server s;
    const char *extra[] = {"--user", "bot@example.com", "--password", "s3cret", NULL};
    server_start(&s, "smtp_sink.py", extra);
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_BLOCKED);
    c.notifications.email.enabled = true;
    set_str(&c.notifications.email.smtp_host, "127.0.0.1");
    c.notifications.email.smtp_port = s.port;
    set_str(&c.notifications.email.smtp_user, "bot@example.com");
    set_str(&c.notifications.email.smtp_pass, "s3cret");
    set_str(&c.notifications.email.from, "AIDF Bot <bot@example.com>");
    set_str(&c.notifications.email.to, "dev@example.com, \"Lead, Team\" <lead@example.com>");

    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 1);
    assert_int_equal(res.delivered, 1);
    assert_null(strstr(tu_log_text(), "s3cret"));

    json_t *m = only_message(&s);
    assert_string_equal(json_string_value(json_object_get(m, "from")), "bot@example.com");
    json_t *to = json_object_get(m, "to");
    assert_int_equal(json_array_size(to), 2);
    assert_string_equal(json_string_value(json_array_get(to, 0)), "dev@example.com");
    assert_string_equal(json_string_value(json_array_get(to, 1)), "lead@example.com");
    json_t *auth = json_object_get(m, "auth");
    assert_string_equal(json_string_value(json_object_get(auth, "user")), "bot@example.com");
    assert_string_equal(json_string_value(json_object_get(auth, "password")), "s3cret");
    assert_true(json_is_true(json_object_get(m, "crlf")));

    const char *d = json_string_value(json_object_get(m, "data"));
    const char *body = strstr(d, "\r\n\r\n");
    assert_non_null(body);
    size_t hlen = (size_t)(body - d);
    char *head = aidf_xstrndup(d, hlen);
    assert_non_null(strstr(head, "From: AIDF Bot <bot@example.com>\r\n"));
    assert_non_null(strstr(head, "To: dev@example.com, \"Lead, Team\" <lead@example.com>\r\n"));
    assert_non_null(strstr(head, "Subject: AIDF: Task Blocked\r\n"));
    assert_non_null(strstr(head, "\r\nDate: "));
    assert_non_null(strstr(head, " +0000\r\n"));
    assert_non_null(strstr(head, "\r\nMessage-ID: <"));
    assert_non_null(strstr(head, "@example.com>\r\n"));
    assert_non_null(strstr(head, "MIME-Version: 1.0\r\n"));
    assert_non_null(strstr(head, "Content-Type: multipart/alternative; boundary=\""));
    free(head);

    /* Both parts, the facts, escaped HTML, the footer, and no bare LF anywhere. */
    assert_non_null(strstr(body, "Content-Type: text/plain; charset=utf-8\r\n"));
    assert_non_null(strstr(body, "Content-Type: text/html; charset=utf-8\r\n"));
    assert_non_null(strstr(body, "\r\nTask: 001-add-login.md\r\n"));
    assert_non_null(strstr(body, "\r\nBlocked: Need the DB password <script>x</script>\r\n"));
    assert_non_null(strstr(body, "<table"));
    assert_non_null(strstr(body, "<tr><th align=\"left\">Task</th><td>001-add-login.md</td></tr>"));
    assert_non_null(strstr(body, "<tr><th align=\"left\">Status</th><td>blocked</td></tr>"));
    assert_non_null(strstr(body, "<tr><th align=\"left\">Files Modified</th><td>3</td></tr>"));
    assert_non_null(strstr(body, "<td>Need the DB password &lt;script&gt;x&lt;/script&gt;</td>"));
    const char *html = strstr(body, "text/html");
    assert_null(strstr(html, "<script>"));
    assert_non_null(strstr(html, "Sent by AIDF Notification System"));
    for (const char *p = d; *p; p++)
        if (*p == '\n')
            assert_true(p > d && p[-1] == '\r');
    /* The closing boundary ends the message. */
    const char *bstart = strstr(d, "boundary=\"") + strlen("boundary=\"");
    char boundary[80];
    size_t bl = (size_t)(strchr(bstart, '"') - bstart);
    assert_true(bl < sizeof(boundary) - 8);
    snprintf(boundary, sizeof(boundary), "--%.*s--\r\n", (int)bl, bstart);
    assert_string_equal(d + strlen(d) - strlen(boundary), boundary);
    json_decref(m);
    server_stop(&s);

    /* Without smtp_user: no AUTH at all. A lone "." line in a value survives (curl
     * dot-stuffs, the sink unstuffs). */
    server_start(&s, "smtp_sink.py", NULL);
    set_str(&r.blocked_reason, "first\n.\n..two dots");
    c.notifications.email.smtp_port = s.port;
    set_str(&c.notifications.email.smtp_user, NULL);
    set_str(&c.notifications.email.smtp_pass, NULL);
    set_str(&c.notifications.email.from, "aidf@example.com");
    set_str(&c.notifications.email.to, "dev@example.com");
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.delivered, 1);
    m = only_message(&s);
    assert_true(json_is_null(json_object_get(m, "auth")));
    assert_string_equal(json_string_value(json_object_get(m, "from")), "aidf@example.com");
    d = json_string_value(json_object_get(m, "data"));
    assert_non_null(strstr(d, "\r\nBlocked: first\r\n.\r\n..two dots\r\n"));
    assert_non_null(strstr(d, "Sent by AIDF Notification System</p>"));
    json_decref(m);
    server_stop(&s);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

static void test_email_failures(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    struct server s;
    const char *extra[] = {"--user", "bot", "--password", "right", NULL};
    server_start(&s, "smtp_sink.py", extra);
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_FAILED);
    c.notifications.email.enabled = true;
    set_str(&c.notifications.email.smtp_host, "127.0.0.1");
    c.notifications.email.smtp_port = s.port;
    set_str(&c.notifications.email.smtp_user, "bot");
    set_str(&c.notifications.email.smtp_pass, "wrong-pass");
    set_str(&c.notifications.email.from, "aidf@example.com");
    set_str(&c.notifications.email.to, "dev@example.com");

    /* Rejected credentials. */
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 1);
    assert_int_equal(res.failed, 1);
    assert_non_null(strstr(tu_log_text(), "notification to email failed:"));
    assert_null(strstr(tu_log_text(), "wrong-pass"));

    /* No usable recipient: failed without talking to the server. */
    set_str(&c.notifications.email.smtp_pass, "right");
    set_str(&c.notifications.email.to, " , ");
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.failed, 1);
    set_str(&c.notifications.email.to, "not an address");
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.failed, 1);

    /* A header injection attempt in `from` is refused. */
    set_str(&c.notifications.email.to, "dev@example.com");
    set_str(&c.notifications.email.from, "a@example.com\r\nBcc: x@example.com");
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.failed, 1);
    json_t *lines = log_lines(&s);
    assert_int_equal(json_array_size(lines), 0);
    json_decref(lines);

    /* Without smtp_host: skipped. */
    set_str(&c.notifications.email.smtp_host, NULL);
    aidf_notify_run(&c, &r, &res);
    assert_int_equal(res.attempted, 0);
    server_stop(&s);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

/* ---- desktop ---- */

static void with_path(const char *path, const struct aidf_config *c, const struct aidf_report *r,
                      struct aidf_notify_result *res)
{
    const char *old = getenv("PATH");
    char *saved = old ? aidf_xstrdup(old) : NULL;
    setenv("PATH", path, 1);
    aidf_notify_run(c, r, res);
    if (saved)
        setenv("PATH", saved, 1);
    else
        unsetenv("PATH");
    free(saved);
}

static void write_fake(const char *dir, const char *log, int code)
{
    char script[8192];
    snprintf(script, sizeof(script),
             "#!/bin/sh\nfor a in \"$@\"; do printf '%%s\\n\\036\\n' \"$a\"; done >> '%s'\n"
             "exit %d\n",
             log, code);
    tu_write(dir, "notify-send", script);
    char path[4096];
    snprintf(path, sizeof(path), "%s/notify-send", dir);
    assert_int_equal(chmod(path, 0755), 0);
}

/* The logged argv (without argv[0]) split into its arguments. */
static size_t fake_args(const char *log, char **args, size_t max)
{
    char *text = tu_read(log, NULL);
    size_t n = 0;
    if (!text)
        return 0;
    char *p = text;
    for (;;) {
        char *sep = strstr(p, "\n\036\n");
        if (!sep || n == max)
            break;
        args[n++] = aidf_xstrndup(p, (size_t)(sep - p));
        p = sep + 3;
    }
    free(text);
    return n;
}

static void test_desktop(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_notify_result res;
    char *empty = tu_mkdtemp(), *bin = tu_mkdtemp();
    char log[4096], path[8192];
    aidf_config_init_defaults(&c);
    make_report(&r, AIDF_STATUS_FAILED);
    c.notifications.desktop.enabled = true;

    /* Not installed: skipped quietly. */
    with_path(empty, &c, &r, &res);
    assert_int_equal(res.attempted, 0);
    assert_int_equal(res.failed, 0);
    assert_non_null(strstr(tu_log_text(), "notify-send is not installed"));
    assert_null(strstr(tu_log_text(), "notification to desktop failed"));

    /* A fake first on PATH is called with the message. */
    snprintf(log, sizeof(log), "%s/argv.log", empty);
    write_fake(bin, log, 0);
    snprintf(path, sizeof(path), "%s:%s", bin, empty);
    with_path(path, &c, &r, &res);
    assert_int_equal(res.attempted, 1);
    assert_int_equal(res.delivered, 1);
    char *args[8];
    size_t n = fake_args(log, args, 8);
    assert_int_equal(n, 4);
    assert_string_equal(args[0], "--app-name=aidf");
    assert_string_equal(args[1], "--urgency=critical");
    assert_string_equal(args[2], "AIDF: Task Failed");
    assert_non_null(strstr(args[3], "Task: 001-add-login.md\n"));
    assert_non_null(strstr(args[3], "Iterations: 3\n"));
    assert_non_null(strstr(args[3], "Files modified: 3\n"));
    assert_non_null(strstr(args[3], "Error: [api] API returned 500 <boom> & more"));
    for (size_t i = 0; i < n; i++)
        free(args[i]);

    /* A completed run: normal urgency (no flag). */
    unlink(log);
    aidf_report_release(&r);
    make_report(&r, AIDF_STATUS_COMPLETED);
    with_path(path, &c, &r, &res);
    assert_int_equal(res.delivered, 1);
    n = fake_args(log, args, 8);
    assert_int_equal(n, 3);
    assert_string_equal(args[0], "--app-name=aidf");
    assert_string_equal(args[1], "AIDF: Task Completed");
    for (size_t i = 0; i < n; i++)
        free(args[i]);

    /* notify-send failing is a failed channel, not an abort. */
    write_fake(bin, log, 3);
    with_path(path, &c, &r, &res);
    assert_int_equal(res.attempted, 1);
    assert_int_equal(res.failed, 1);
    assert_non_null(strstr(tu_log_text(), "notification to desktop failed: notify-send exited"));

    tu_rmrf(empty);
    tu_rmrf(bin);
    free(empty);
    free(bin);
    aidf_report_release(&r);
    aidf_config_release(&c);
}

int main(void)
{
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    unsetenv("http_proxy");
    unsetenv("HTTP_PROXY");
    unsetenv("all_proxy");
    unsetenv("ALL_PROXY");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_level_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_enabled_and_filtered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slack_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discord_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_colours, setup, teardown),
        cmocka_unit_test_setup_teardown(test_webhook_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_error_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_non2xx_counted_as_failed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreachable_fails_fast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email, setup, teardown),
        cmocka_unit_test_setup_teardown(test_email_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_desktop, setup, teardown),
    };
    int rc = cmocka_run_group_tests_name("notify", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
