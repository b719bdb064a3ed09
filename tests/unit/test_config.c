/* Tests for the config loader (lib/config*.c). */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "aidf/buf.h"
#include "aidf/config.h"
#include "aidf/cost.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/xalloc.h"
#include "testutil.h"

/* ---- helpers ---- */

/* Captured log lines, '\n'-separated. */
static int setup(void **state)
{
    (void)state;
    tu_log_capture(AIDF_LOG_DEBUG);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_log_capture_stop();
    return 0;
}

/* Parse `text` as "t.yml" into a fresh config (always to be released). */
static int parse(const char *text, unsigned flags, struct aidf_config *c, struct aidf_error *e)
{
    aidf_config_init_defaults(c);
    return aidf_config_parse(text, strlen(text), "t.yml", flags, c, e);
}

/* Parse `text` and expect an AIDF_EINVAL whose message contains `want`. */
static void expect_error(const char *text, unsigned flags, const char *want)
{
    struct aidf_config c;
    struct aidf_error e = {0};
    int rc = parse(text, flags, &c, &e);
    if (rc != AIDF_EINVAL || !strstr(e.msg, want))
        fail_msg("input:\n%s\nrc=%d msg='%s', wanted '%s'", text, rc, e.msg, want);
    assert_true(e.line > 0);
    assert_true(e.col > 0);
    aidf_config_release(&c);
}

static void expect_ok(const char *text, unsigned flags, struct aidf_config *c)
{
    struct aidf_error e = {0};
    int rc = parse(text, flags, c, &e);
    if (rc != AIDF_OK)
        fail_msg("input:\n%s\nrc=%d msg='%s'", text, rc, e.msg);
}

static const struct aidf_rates *rate(const struct aidf_config *c, const char *key)
{
    for (size_t i = 0; i < c->cost.rates.n; i++)
        if (!strcmp(c->cost.rates.items[i].key, key))
            return &c->cost.rates.items[i].rates;
    return NULL;
}

/* ---- defaults ---- */

static void check_defaults(const struct aidf_config *c)
{
    assert_true(c->version == 1);
    assert_null(c->framework);
    assert_null(c->project.name);
    assert_string_equal(c->provider.type, "claude-cli");
    assert_null(c->provider.model);
    assert_null(c->provider.binary);
    assert_int_equal(c->execution.max_iterations, 50);
    assert_int_equal(c->execution.max_consecutive_failures, 3);
    assert_true(c->execution.timeout_per_iteration == 300);
    assert_true(c->execution.session_continuation);
    assert_int_equal(c->permissions.scope_enforcement, AIDF_SCOPE_ASK);
    assert_true(c->permissions.auto_commit);
    assert_false(c->permissions.auto_push);
    assert_false(c->permissions.auto_pr);
    assert_int_equal(c->validation.pre_commit.n, 0);
    assert_int_equal(c->validation.pre_push.n, 0);
    assert_int_equal(c->validation.pre_pr.n, 0);
    assert_true(c->validation.command_timeout == 300);
    assert_string_equal(c->git.commit_prefix, "aidf:");
    assert_string_equal(c->git.branch_prefix, "aidf/");
    assert_int_equal(c->notifications.level, AIDF_NOTIFY_ALL);
    assert_false(c->notifications.desktop.enabled);
    assert_false(c->notifications.slack.enabled);
    assert_false(c->notifications.email.enabled);
    assert_int_equal(c->notifications.email.smtp_port, 587);
    assert_false(c->notifications.webhook.enabled);
    assert_true(c->skills.enabled);
    assert_true(c->skills.block_suspicious);
    assert_true(c->security.skip_permissions);
    assert_true(c->security.warn_on_skip);
    assert_false(c->security.strict);
    assert_int_equal(c->security.sandbox.mode, AIDF_SANDBOX_AUTO);
    assert_false(c->security.sandbox.network);
    assert_int_equal(c->security.sandbox.env.n, 0);
    assert_string_equal(c->cost.currency, "USD");
    assert_non_null(rate(c, "gpt-4o"));
    assert_true(c->cost.rates.n > 5);
    assert_null(c->observability.reports_dir);
    assert_false(c->observability.webhook.enabled);
    assert_false(c->observability.webhook.events[AIDF_STATUS_UNKNOWN]);
    assert_true(c->observability.webhook.events[AIDF_STATUS_COMPLETED]);
    assert_true(c->observability.webhook.events[AIDF_STATUS_BLOCKED]);
    assert_true(c->observability.webhook.events[AIDF_STATUS_FAILED]);
    assert_false(c->observability.webhook.include_iterations);
    assert_int_equal(c->observability.webhook.timeout_ms, 10000);
    assert_int_equal(c->observability.webhook.retry, 2);
    assert_null(c->observability.webhook.secret);
    assert_null(c->observability.server.url);
    assert_string_equal(c->observability.server.token_env, "AIDF_SERVER_TOKEN");
}

static void test_defaults(void **state)
{
    (void)state;
    struct aidf_config c;
    aidf_config_init_defaults(&c);
    check_defaults(&c);
    assert_null(c.path);
    aidf_config_release(&c);
    aidf_config_release(&c); /* twice is harmless */
}

static void test_empty_inputs_are_defaults(void **state)
{
    (void)state;
    static const char *const inputs[] = {"",     "# only a comment\n", "---\n", "~\n",
                                         "{}\n", "---\n...\n",         "\n\n\n"};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct aidf_config c;
        expect_ok(inputs[i], 0, &c);
        check_defaults(&c);
        aidf_config_release(&c);
    }
}

/* ---- every key ---- */

static void test_full_fixture(void **state)
{
    (void)state;
    size_t len;
    char *text = tu_read_data("config/valid/full.yml", &len);
    struct aidf_config c;
    struct aidf_error e = {0};
    aidf_config_init_defaults(&c);
    assert_int_equal(aidf_config_parse(text, len, "full.yml", 0, &c, &e), AIDF_OK);
    free(text);
    assert_string_equal(tu_log_text(), ""); /* no unknown keys, no warnings */

    assert_true(c.version == 2);
    assert_string_equal(c.framework, "aidf");
    assert_string_equal(c.project.name, "demo-app");
    assert_string_equal(c.project.type, "api");
    assert_string_equal(c.project.description, "A demo: with colons");
    assert_string_equal(c.provider.type, "anthropic-api");
    assert_string_equal(c.provider.model, "claude-sonnet-4-5");
    assert_string_equal(c.provider.binary, "/opt/claude/bin/claude");
    assert_int_equal(c.execution.max_iterations, 25);
    assert_int_equal(c.execution.max_consecutive_failures, 5);
    assert_true(c.execution.timeout_per_iteration == 120.5);
    assert_false(c.execution.session_continuation);
    assert_int_equal(c.permissions.scope_enforcement, AIDF_SCOPE_STRICT);
    assert_false(c.permissions.auto_commit);
    assert_true(c.permissions.auto_push);
    assert_true(c.permissions.auto_pr);
    assert_int_equal(c.validation.pre_commit.n, 2);
    assert_string_equal(c.validation.pre_commit.items[0], "pnpm lint");
    assert_string_equal(c.validation.pre_commit.items[1], "pnpm typecheck");
    assert_int_equal(c.validation.pre_push.n, 1);
    assert_string_equal(c.validation.pre_push.items[0], "pnpm test");
    assert_int_equal(c.validation.pre_pr.n, 1);
    assert_string_equal(c.validation.pre_pr.items[0], "pnpm build");
    assert_true(c.validation.command_timeout == 90);
    assert_string_equal(c.git.commit_prefix, "feat(ai):");
    assert_string_equal(c.git.branch_prefix, "ai/");

    assert_int_equal(c.notifications.level, AIDF_NOTIFY_ERRORS);
    assert_true(c.notifications.desktop.enabled);
    assert_true(c.notifications.slack.enabled);
    assert_string_equal(c.notifications.slack.webhook_url,
                        "https://hooks.slack.example/T000/B000/XXX");
    assert_false(c.notifications.discord.enabled);
    assert_string_equal(c.notifications.discord.webhook_url,
                        "https://discord.example/api/webhooks/1/abc");
    assert_true(c.notifications.email.enabled);
    assert_string_equal(c.notifications.email.smtp_host, "smtp.example.com");
    assert_int_equal(c.notifications.email.smtp_port, 2525);
    assert_string_equal(c.notifications.email.smtp_user, "bot@example.com");
    assert_string_equal(c.notifications.email.smtp_pass, "hunter2");
    assert_string_equal(c.notifications.email.from, "bot@example.com");
    assert_string_equal(c.notifications.email.to, "team@example.com");
    assert_true(c.notifications.webhook.enabled);
    assert_string_equal(c.notifications.webhook.url, "https://notify.example.com/hook");
    assert_int_equal(c.notifications.webhook.headers.n, 2);
    assert_string_equal(c.notifications.webhook.headers.items[0].key, "Authorization");
    assert_string_equal(c.notifications.webhook.headers.items[0].value, "Bearer notify-token");
    assert_string_equal(c.notifications.webhook.headers.items[1].key, "X-Team");
    assert_string_equal(c.notifications.webhook.headers.items[1].value, "platform");

    assert_false(c.skills.enabled);
    assert_false(c.skills.block_suspicious);
    assert_int_equal(c.skills.directories.n, 2);
    assert_string_equal(c.skills.directories.items[0], ".ai/skills");
    assert_string_equal(c.skills.directories.items[1], "~/shared-skills");
    assert_int_equal(c.skills.extras.n, 1);
    assert_string_equal(c.skills.extras.items[0], "extra-one");

    assert_false(c.security.skip_permissions);
    assert_false(c.security.warn_on_skip);
    assert_int_equal(c.security.allowed.n, 2);
    assert_string_equal(c.security.allowed.items[1], "pnpm lint");
    assert_int_equal(c.security.blocked.n, 2);
    assert_string_equal(c.security.blocked.items[0], "rm -rf /");
    assert_string_equal(c.security.blocked.items[1], "sudo");
    assert_true(c.security.strict);

    assert_string_equal(c.cost.currency, "EUR");
    const struct aidf_rates *r = rate(&c, "gpt-4o");
    assert_non_null(r);
    assert_true(r->input_per_1m == 2.0);
    assert_true(r->output_per_1m == 8);
    assert_true(isnan(r->cache_read_per_1m));
    r = rate(&c, "my-local-model");
    assert_non_null(r);
    assert_true(r->input_per_1m == 0.5);
    assert_true(r->output_per_1m == 1.5);
    assert_true(r->cache_read_per_1m == 0.05);
    assert_true(r->cache_write_per_1m == 0.625);
    /* Config entries win over built-ins in lookups too. */
    const char *key = NULL;
    r = aidf_rate_lookup(&c.cost.rates, "my-local-model-v2", NULL, &key);
    assert_non_null(r);
    assert_string_equal(key, "my-local-model");
    r = aidf_rate_lookup(&c.cost.rates, "gpt-4o-2024-08-06", NULL, &key);
    assert_non_null(r);
    assert_true(r->input_per_1m == 2.0);

    assert_string_equal(c.observability.reports_dir, "build/reports");
    assert_true(c.observability.webhook.enabled);
    assert_string_equal(c.observability.webhook.url, "https://metrics.example.com/aidf");
    assert_int_equal(c.observability.webhook.headers.n, 1);
    assert_string_equal(c.observability.webhook.headers.items[0].key, "X-Api-Key");
    assert_string_equal(c.observability.webhook.headers.items[0].value, "metrics-key");
    assert_true(c.observability.webhook.events[AIDF_STATUS_COMPLETED]);
    assert_false(c.observability.webhook.events[AIDF_STATUS_BLOCKED]);
    assert_true(c.observability.webhook.events[AIDF_STATUS_FAILED]);
    assert_true(c.observability.webhook.include_iterations);
    assert_int_equal(c.observability.webhook.timeout_ms, 5000);
    assert_int_equal(c.observability.webhook.retry, 4);
    assert_string_equal(c.observability.webhook.secret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    assert_string_equal(c.observability.server.url, "http://reports.internal:8080");
    assert_string_equal(c.observability.server.token_env, "TEAM_REPORT_TOKEN");
    aidf_config_release(&c);
}

static void test_valid_fixtures(void **state)
{
    (void)state;
    char *dir = aidf_path_join(AIDF_TEST_DATA, "config/valid");
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    assert_non_null(d);
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, ".yml"))
            continue;
        char *p = aidf_path_join(dir, de->d_name);
        size_t len;
        char *text = tu_read(p, &len);
        struct aidf_config c;
        struct aidf_error e = {0};
        assert_non_null(text);
        aidf_config_init_defaults(&c);
        int rc = aidf_config_parse(text, len, de->d_name, 0, &c, &e);
        if (rc != AIDF_OK)
            fail_msg("%s: rc=%d %s", de->d_name, rc, e.msg);
        aidf_config_release(&c);
        free(text);
        free(p);
        n++;
    }
    closedir(d);
    free(dir);
    assert_true(n >= 5);
}

static void test_upstream_init_and_nulls(void **state)
{
    (void)state;
    size_t len;
    char *text = tu_read_data("config/valid/upstream_init.yml", &len);
    struct aidf_config c;
    struct aidf_error e = {0};
    aidf_config_init_defaults(&c);
    assert_int_equal(aidf_config_parse(text, len, "init.yml", 0, &c, &e), AIDF_OK);
    free(text);
    assert_string_equal(c.framework, "aidf");
    assert_string_equal(c.project.description, ""); /* quoted "" is a string, not null */
    assert_false(c.permissions.auto_commit);
    assert_int_equal(c.validation.pre_commit.n, 0);
    assert_int_equal(c.validation.pre_push.n, 1);
    assert_int_equal(c.security.allowed.n, 4);
    aidf_config_release(&c);

    text = tu_read_data("config/valid/nulls.yml", &len);
    aidf_config_init_defaults(&c);
    assert_int_equal(aidf_config_parse(text, len, "nulls.yml", 0, &c, &e), AIDF_OK);
    free(text);
    check_defaults(&c); /* null/~/empty leave every value at its default */
    aidf_config_release(&c);

    /* Quoted "null" is a string. */
    expect_ok("provider:\n  model: \"null\"\n", 0, &c);
    assert_string_equal(c.provider.model, "null");
    aidf_config_release(&c);
}

/* ---- scalars ---- */

static void test_numbers(void **state)
{
    (void)state;
    struct aidf_config c;
    expect_ok("execution:\n  max_iterations: \"20\"\n  timeout_per_iteration: '0'\n"
              "  max_consecutive_failures: 100\n",
              0, &c);
    assert_int_equal(c.execution.max_iterations, 20);
    assert_true(c.execution.timeout_per_iteration == 0);
    assert_int_equal(c.execution.max_consecutive_failures, 100);
    aidf_config_release(&c);

    expect_ok("execution: {max_iterations: 1000, timeout_per_iteration: 3600}\n", 0, &c);
    assert_int_equal(c.execution.max_iterations, 1000);
    aidf_config_release(&c);

    expect_ok("execution: {max_iterations: 1, max_consecutive_failures: 1}\n"
              "notifications: {email: {smtp_port: 65535}}\n"
              "observability: {webhook: {timeout: 600000, retry: 0}}\n",
              0, &c);
    assert_int_equal(c.notifications.email.smtp_port, 65535);
    assert_int_equal(c.observability.webhook.timeout_ms, 600000);
    assert_int_equal(c.observability.webhook.retry, 0);
    aidf_config_release(&c);

    expect_ok("version: \"1.5\"\n", 0, &c);
    assert_true(c.version == 1.5);
    aidf_config_release(&c);
    expect_ok("version: 3\n", 0, &c);
    assert_true(c.version == 3);
    aidf_config_release(&c);

    expect_error("version: \"v1\"\n", 0, "1:10: version: expected a number, got 'v1'");
    expect_error("execution:\n  max_iterations: lots\n", 0,
                 "t.yml:2:19: execution.max_iterations: expected an integer 1..1000, got 'lots'");
    expect_error("execution:\n  max_iterations: 0\n", 0, "2:19: execution.max_iterations");
    expect_error("execution:\n  max_iterations: 1001\n", 0, "expected an integer 1..1000");
    expect_error("execution:\n  max_iterations: \"\"\n", 0, "got ''");
    expect_error("execution:\n  max_consecutive_failures: 0\n", 0,
                 "2:29: execution.max_consecutive_failures: expected an integer 1..100");
    expect_error("execution:\n  timeout_per_iteration: 3600.5\n", 0,
                 "2:26: execution.timeout_per_iteration: expected a number 0..3600");
    expect_error("execution:\n  timeout_per_iteration: .nan\n", 0, "expected a number 0..3600");
    expect_error("notifications:\n  email:\n    smtp_port: 0\n", 0,
                 "3:16: notifications.email.smtp_port: expected an integer 1..65535");
    expect_error("observability:\n  webhook:\n    timeout: 600001\n", 0,
                 "3:14: observability.webhook.timeout: expected an integer 1..600000");
    expect_error("observability:\n  webhook:\n    retry: -1\n", 0,
                 "3:12: observability.webhook.retry: expected an integer 0..10");
    expect_error("validation:\n  command_timeout: -5\n", 0, "2:20: validation.command_timeout");
}

static void test_enums(void **state)
{
    (void)state;
    struct aidf_config c;
    static const char *const types[] = {"claude-cli", "cursor-cli", "anthropic-api", "openai-api"};
    for (size_t i = 0; i < 4; i++) {
        char text[100];
        snprintf(text, sizeof(text), "provider:\n  type: %s\n", types[i]);
        expect_ok(text, 0, &c);
        assert_string_equal(c.provider.type, types[i]);
        aidf_config_release(&c);
    }
    static const char *const scopes[] = {"strict", "ask", "permissive"};
    for (int i = 0; i < 3; i++) {
        char text[100];
        snprintf(text, sizeof(text), "permissions: {scope_enforcement: %s}\n", scopes[i]);
        expect_ok(text, 0, &c);
        assert_int_equal(c.permissions.scope_enforcement, i);
        assert_string_equal(aidf_scope_mode_name(c.permissions.scope_enforcement), scopes[i]);
        aidf_config_release(&c);
    }
    static const char *const levels[] = {"all", "errors", "blocked"};
    for (int i = 0; i < 3; i++) {
        char text[100];
        snprintf(text, sizeof(text), "notifications: {level: %s}\n", levels[i]);
        expect_ok(text, 0, &c);
        assert_int_equal(c.notifications.level, i);
        assert_string_equal(aidf_notify_level_name(c.notifications.level), levels[i]);
        aidf_config_release(&c);
    }
    expect_error("provider:\n  type: Claude-CLI\n", 0, "2:9: provider.type: expected one of");
    expect_error("permissions:\n  scope_enforcement: lenient\n", 0,
                 "2:22: permissions.scope_enforcement: expected one of strict, ask, permissive, "
                 "got 'lenient'");
    expect_error("notifications:\n  level: verbose\n", 0,
                 "2:10: notifications.level: expected one of all, errors, blocked");

    expect_ok("observability:\n  webhook:\n    events: [blocked]\n", 0, &c);
    assert_false(c.observability.webhook.events[AIDF_STATUS_COMPLETED]);
    assert_true(c.observability.webhook.events[AIDF_STATUS_BLOCKED]);
    assert_false(c.observability.webhook.events[AIDF_STATUS_FAILED]);
    aidf_config_release(&c);
    expect_ok("observability:\n  webhook:\n    events: []\n", 0, &c);
    assert_false(c.observability.webhook.events[AIDF_STATUS_COMPLETED]);
    assert_false(c.observability.webhook.events[AIDF_STATUS_FAILED]);
    aidf_config_release(&c);
    expect_error("observability:\n  webhook:\n    events: [completed, unknown]\n", 0,
                 "3:25: observability.webhook.events[1]: expected one of completed, blocked, "
                 "failed");
}

static void test_booleans(void **state)
{
    (void)state;
    struct aidf_config c;
    expect_ok("permissions: {auto_commit: False, auto_push: TRUE, auto_pr: True}\n"
              "skills: {enabled: FALSE}\n",
              0, &c);
    assert_false(c.permissions.auto_commit);
    assert_true(c.permissions.auto_push);
    assert_true(c.permissions.auto_pr);
    assert_false(c.skills.enabled);
    aidf_config_release(&c);

    static const char *const bad[] = {"yes", "no", "on", "off", "y", "n", "1", "0", "tRuE"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[100], want[100];
        snprintf(text, sizeof(text), "permissions:\n  auto_push: %s\n", bad[i]);
        snprintf(want, sizeof(want),
                 "2:14: permissions.auto_push: expected true or false, got '%s'", bad[i]);
        expect_error(text, 0, want);
    }
    expect_error("security:\n  commands:\n    strict: [true]\n", 0,
                 "3:13: security.commands.strict: expected true or false, got a list");
}

static void test_types(void **state)
{
    (void)state;
    expect_error("execution: 5\n", 0, "1:12: execution: expected a mapping, got a scalar");
    expect_error("execution: [1]\n", 0, "execution: expected a mapping, got a list");
    expect_error("project:\n  name: {a: b}\n", 0, "2:9: project.name: expected a string");
    expect_error("validation:\n  pre_commit: make\n", 0,
                 "2:15: validation.pre_commit: expected a list of strings, got a scalar");
    expect_error("validation:\n  pre_push:\n    - [a]\n", 0,
                 "3:7: validation.pre_push[0]: expected a string, got a list");
    expect_error("skills:\n  extras: [a, ~]\n", 0, "2:15: skills.extras[1]: expected a string");
    expect_error("- a\n", 0, "1:1: the top level must be a mapping, got a list");
    expect_error("just text\n", 0, "1:1: the top level must be a mapping");
    expect_error("project:\n  name: \"a\\0b\"\n", 0, "2:9: project.name: NUL characters");

    /* Numbers are fine where strings are expected. */
    struct aidf_config c;
    expect_ok("project:\n  name: 123\ngit: {commit_prefix: true}\n", 0, &c);
    assert_string_equal(c.project.name, "123");
    assert_string_equal(c.git.commit_prefix, "true");
    aidf_config_release(&c);
}

/* ---- structure ---- */

static void test_aliases_and_anchors(void **state)
{
    (void)state;
    expect_error("base: &b {max_iterations: 5}\nexecution: *b\n", 0,
                 "1:7: base: anchors ('&b') are not allowed");
    expect_error("execution:\n  max_iterations: *n\n", 0,
                 "2:19: execution.max_iterations: aliases ('*n') are not allowed");
    expect_error("validation:\n  pre_commit: &l\n    - a\n", 0,
                 "2:15: validation.pre_commit: anchors");
    expect_error("provider:\n  type: &t claude-cli\n", 0, "2:9: provider.type: anchors");
    /* An anchor on an unknown key is still refused: no anchors anywhere. */
    expect_error("x-defaults: &d {a: 1}\n", 0, "1:13: x-defaults: anchors");
    /* Self-referencing (the document API loops on this). */
    expect_error("a: &x [1, *x]\n", 0, "anchors");

    /* Billion laughs: 10 levels of 10 aliases, refused at once. */
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 10; i++) {
        aidf_buf_addf(&b, "l%d: &l%d [", i, i);
        for (int j = 0; j < 10; j++)
            aidf_buf_addf(&b, "%s*l%d", j ? ", " : "", i - 1);
        aidf_buf_addstr(&b, "]\n");
    }
    double t0 = tu_now_s();
    expect_error(b.ptr, 0, "1:5: l0: anchors");
    /* Without the first line the next anchor is refused; a bare alias likewise. */
    expect_error(strchr(b.ptr, '\n') + 1, 0, "1:5: l1: anchors");
    expect_error("a: [*l8, *l8, *l8]\n", 0, "1:5: a[0]: aliases ('*l8') are not allowed");
    assert_true(tu_now_s() - t0 < 1.0 * tu_time_mult());
    aidf_buf_release(&b);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    /* 100-deep block mappings. */
    for (int i = 0; i < 100; i++)
        aidf_buf_addf(&b, "%*sk%d:\n", 2 * i, "", i);
    expect_error(b.ptr, 0, "17:33: k0.k1.k2");
    expect_error(b.ptr, 0, "nesting deeper than 16 levels is not allowed");
    aidf_buf_reset(&b);
    /* 100-deep flow sequences. */
    aidf_buf_addstr(&b, "x: ");
    for (int i = 0; i < 100; i++)
        aidf_buf_addch(&b, '[');
    for (int i = 0; i < 100; i++)
        aidf_buf_addch(&b, ']');
    expect_error(b.ptr, 0, "1:19: x[0]");
    /* 100 000-deep: no stack trouble, refused at the limit. */
    aidf_buf_reset(&b);
    for (int i = 0; i < 100000; i++)
        aidf_buf_addch(&b, '[');
    expect_error(b.ptr, 0, "nesting deeper than 16");
    aidf_buf_release(&b);

    /* Exactly the limit is fine: the top mapping plus 15 nested levels. */
    struct aidf_config c;
    aidf_buf_reset(&b);
    aidf_buf_addstr(&b, "x: ");
    for (int i = 0; i < AIDF_CONFIG_MAX_DEPTH - 1; i++)
        aidf_buf_addch(&b, '[');
    for (int i = 0; i < AIDF_CONFIG_MAX_DEPTH - 1; i++)
        aidf_buf_addch(&b, ']');
    expect_ok(b.ptr, 0, &c);
    aidf_config_release(&c);
    aidf_buf_release(&b);
}

static void test_duplicates_and_documents(void **state)
{
    (void)state;
    expect_error("execution:\n  max_iterations: 5\n  max_iterations: 6\n", 0,
                 "3:3: execution.max_iterations: duplicate key");
    expect_error("git: {}\nproject: {}\ngit: {}\n", 0, "3:1: git: duplicate key");
    expect_error("{\"version\": 1, \"version\": 2}\n", 0, "1:16: version: duplicate key");
    /* Also inside unknown keys and header maps. */
    expect_error("observability:\n  webhook:\n    headers:\n      X-A: 1\n      X-A: 2\n", 0,
                 "5:7: observability.webhook.headers.X-A: duplicate key");
    expect_error("x:\n  y: 1\n  y: 2\n", 0, "3:3: x.y: duplicate key");
    /* A large mapping without duplicates parses (sorted check, not quadratic). */
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, "unknown:\n");
    for (int i = 0; i < 20000; i++)
        aidf_buf_addf(&b, "  key%d: %d\n", i, i);
    struct aidf_config c;
    expect_ok(b.ptr, 0, &c);
    aidf_config_release(&c);
    aidf_buf_addstr(&b, "  key777: again\n");
    expect_error(b.ptr, 0, "20002:3: unknown.key777: duplicate key");
    aidf_buf_release(&b);

    expect_error("version: 1\n---\nversion: 2\n", 0, "2:1: only one YAML document");
    expect_error("? [a, b]\n: c\n", 0, "1:3: mapping keys must be strings");
}

static void test_syntax_and_encoding(void **state)
{
    (void)state;
    expect_error("execution:\n  max_iterations: 5\n bad: 1\n", 0,
                 "t.yml:3:2: did not find expected key");
    expect_error("a: [1, 2\n", 0, "t.yml:2:1: did not find expected ',' or ']'");
    expect_error("a: \"unterminated\n", 0, "found unexpected end of stream");
    /* Non-UTF-8: libyaml's reader error at the right position. */
    expect_error("project:\n  name: caf\xe9\n", 0, "t.yml:2:12: incomplete UTF-8 octet sequence");
    expect_error("a: 1\nb: \xff\xfe\n", 0, "t.yml:2:4: invalid leading UTF-8 octet");
    expect_error("project:\n  name: \"\xc3\xa9t\xc3\xa9 \x80\"\n", 0,
                 "2:14: invalid leading UTF-8 octet (byte 0x80)");
    /* Valid UTF-8 passes through. */
    struct aidf_config c;
    expect_ok("project:\n  name: \"caf\xc3\xa9\"\n", 0, &c);
    assert_string_equal(c.project.name, "caf\xc3\xa9");
    aidf_config_release(&c);
}

static void test_too_big(void **state)
{
    (void)state;
    size_t n = 2u * 1024 * 1024;
    char *big = aidf_xmalloc(n + 1);
    memset(big, '#', n);
    big[n] = '\0';
    struct aidf_config c;
    struct aidf_error e = {0};
    aidf_config_init_defaults(&c);
    assert_int_equal(aidf_config_parse(big, n, "big.yml", 0, &c, &e), AIDF_ETOOBIG);
    assert_non_null(strstr(e.msg, "big.yml"));
    aidf_config_release(&c);

    char *root = tu_mkdtemp();
    tu_write(root, ".ai/config.yml", big);
    assert_int_equal(aidf_config_load(root, 0, &c, &e), AIDF_ETOOBIG);
    assert_non_null(strstr(e.msg, "config.yml"));
    aidf_config_release(&c);
    tu_rmrf(root);
    free(root);

    /* Exactly the limit is read. */
    memset(big, '#', AIDF_CONFIG_MAX_BYTES);
    aidf_config_init_defaults(&c);
    assert_int_equal(aidf_config_parse(big, AIDF_CONFIG_MAX_BYTES, "max.yml", 0, &c, &e), AIDF_OK);
    aidf_config_release(&c);
    free(big);
}

/* Every prefix of a valid file: no crash, no leak (under ASan), a clean result. */
static void test_truncations(void **state)
{
    (void)state;
    size_t len;
    char *text = tu_read_data("config/valid/full.yml", &len);
    int ok = 0, bad = 0;
    for (size_t i = 0; i <= len; i++) {
        char *cut = aidf_xmalloc(i + 1); /* exact size so ASan sees over-reads */
        memcpy(cut, text, i);
        struct aidf_config c;
        struct aidf_error e = {0};
        aidf_config_init_defaults(&c);
        int rc = aidf_config_parse(cut, i, "cut.yml", 0, &c, &e);
        if (rc == AIDF_OK) {
            ok++;
        } else {
            assert_int_equal(rc, AIDF_EINVAL);
            assert_true(e.line > 0 && e.col > 0);
            assert_non_null(strstr(e.msg, "cut.yml:"));
            bad++;
        }
        aidf_config_release(&c);
        free(cut);
    }
    assert_true(ok > 0);
    assert_true(bad > 0);
    free(text);
}

/* ---- normalisations ---- */

static void test_behavior(void **state)
{
    (void)state;
    struct aidf_config c;
    /* behavior without permissions: all four. */
    size_t len;
    char *text = tu_read_data("config/valid/behavior.yml", &len);
    struct aidf_error e = {0};
    aidf_config_init_defaults(&c);
    assert_int_equal(aidf_config_parse(text, len, "behavior.yml", 0, &c, &e), AIDF_OK);
    free(text);
    assert_false(c.permissions.auto_commit);
    assert_true(c.permissions.auto_push);
    assert_true(c.permissions.auto_pr);
    assert_int_equal(c.permissions.scope_enforcement, AIDF_SCOPE_PERMISSIVE);
    assert_true(c.version == 1.0);
    aidf_config_release(&c);

    /* snake_case keys. */
    expect_ok("behavior:\n  auto_commit: false\n  auto_push: true\n  auto_pr: true\n"
              "  scope_enforcement: strict\n",
              0, &c);
    assert_false(c.permissions.auto_commit);
    assert_true(c.permissions.auto_push);
    assert_true(c.permissions.auto_pr);
    assert_int_equal(c.permissions.scope_enforcement, AIDF_SCOPE_STRICT);
    aidf_config_release(&c);

    /* Missing behavior keys keep the defaults. */
    expect_ok("behavior:\n  autoPush: true\n", 0, &c);
    assert_true(c.permissions.auto_commit);
    assert_true(c.permissions.auto_push);
    assert_int_equal(c.permissions.scope_enforcement, AIDF_SCOPE_ASK);
    aidf_config_release(&c);

    /* camelCase wins over snake_case. */
    expect_ok("behavior:\n  auto_commit: true\n  autoCommit: false\n", 0, &c);
    assert_false(c.permissions.auto_commit);
    aidf_config_release(&c);

    /* Both present: only a missing auto_commit / scope_enforcement come from behavior. */
    expect_ok("behavior:\n  autoCommit: false\n  autoPush: true\n  autoPr: true\n"
              "  scopeEnforcement: strict\n"
              "permissions:\n  auto_push: false\n",
              0, &c);
    assert_false(c.permissions.auto_commit);
    assert_false(c.permissions.auto_push);
    assert_false(c.permissions.auto_pr);
    assert_int_equal(c.permissions.scope_enforcement, AIDF_SCOPE_STRICT);
    aidf_config_release(&c);

    expect_ok("permissions:\n  auto_commit: true\n  scope_enforcement: permissive\n"
              "behavior:\n  autoCommit: false\n  scopeEnforcement: strict\n",
              0, &c);
    assert_true(c.permissions.auto_commit);
    assert_int_equal(c.permissions.scope_enforcement, AIDF_SCOPE_PERMISSIVE);
    aidf_config_release(&c);

    /* Unknown behavior keys are warned about; bad values are errors. */
    expect_ok("behavior:\n  autoMerge: true\n", 0, &c);
    assert_non_null(strstr(tu_log_text(), "t.yml:2:3: unknown key 'behavior.autoMerge' ignored"));
    aidf_config_release(&c);
    expect_error("behavior:\n  autoCommit: yes\n", 0,
                 "2:15: behavior.autoCommit: expected true or false, got 'yes'");
    expect_error("behavior:\n  scope_enforcement: loose\n", 0,
                 "2:22: behavior.scope_enforcement: expected one of strict, ask, permissive");
    expect_error("behavior: true\n", 0, "1:11: behavior: expected a mapping");
}

static void test_validation_strings(void **state)
{
    (void)state;
    struct aidf_config c;
    size_t len;
    char *text = tu_read_data("config/valid/behavior.yml", &len);
    struct aidf_error e = {0};
    aidf_config_init_defaults(&c);
    assert_int_equal(aidf_config_parse(text, len, "behavior.yml", 0, &c, &e), AIDF_OK);
    free(text);
    assert_int_equal(c.validation.pre_commit.n, 2); /* format "" is skipped */
    assert_string_equal(c.validation.pre_commit.items[0], "pnpm lint");
    assert_string_equal(c.validation.pre_commit.items[1], "pnpm typecheck");
    assert_int_equal(c.validation.pre_push.n, 1);
    assert_string_equal(c.validation.pre_push.items[0], "pnpm test");
    assert_int_equal(c.validation.pre_pr.n, 1);
    assert_string_equal(c.validation.pre_pr.items[0], "pnpm build");
    aidf_config_release(&c);

    /* Only some forms. */
    expect_ok("validation:\n  test: make test\n", 0, &c);
    assert_int_equal(c.validation.pre_commit.n, 0);
    assert_int_equal(c.validation.pre_push.n, 1);
    assert_int_equal(c.validation.pre_pr.n, 0);
    aidf_config_release(&c);

    /* The list form wins; the string forms are ignored with a warning. */
    expect_ok("validation:\n  pre_commit: [make lint]\n  lint: npm run lint\n", 0, &c);
    assert_int_equal(c.validation.pre_commit.n, 1);
    assert_string_equal(c.validation.pre_commit.items[0], "make lint");
    assert_non_null(strstr(tu_log_text(), "t.yml:3:9: validation.lint ignored"));
    aidf_config_release(&c);

    expect_error("validation:\n  lint: [a]\n", 0, "2:9: validation.lint: expected a string");
}

/* ---- ${VAR} ---- */

static void test_env_expansion(void **state)
{
    (void)state;
    struct aidf_config c;
    setenv("AIDF_T_MODEL", "claude-opus-4-5", 1);
    setenv("AIDF_T_TOKEN", "s3cr3t", 1);
    unsetenv("AIDF_T_UNSET");

    expect_ok("provider:\n  model: ${AIDF_T_MODEL}\n"
              "validation:\n  pre_commit:\n    - echo $HOME and $$HOME and $$${AIDF_T_TOKEN}\n"
              "    - cost is 5$ or $5 {x} $\n"
              "    - \"literal $${AIDF_T_MODEL} and ${AIDF_T_MODEL}${AIDF_T_TOKEN}\"\n"
              "observability:\n  webhook:\n    headers:\n"
              "      Authorization: Bearer ${AIDF_T_TOKEN}\n",
              0, &c);
    assert_string_equal(c.provider.model, "claude-opus-4-5");
    assert_string_equal(c.validation.pre_commit.items[0], "echo $HOME and $HOME and $s3cr3t");
    assert_string_equal(c.validation.pre_commit.items[1], "cost is 5$ or $5 {x} $");
    assert_string_equal(c.validation.pre_commit.items[2],
                        "literal ${AIDF_T_MODEL} and claude-opus-4-5s3cr3t");
    assert_string_equal(c.observability.webhook.headers.items[0].value, "Bearer s3cr3t");
    aidf_config_release(&c);

    /* Unset without REQUIRE_ENV: "" and a warning. Numbers see the expanded text. */
    setenv("AIDF_T_NUM", "7", 1);
    tu_log_capture(AIDF_LOG_DEBUG);
    expect_ok("execution:\n  max_iterations: ${AIDF_T_NUM}\n"
              "git:\n  commit_prefix: \"[${AIDF_T_UNSET}]\"\n",
              0, &c);
    assert_int_equal(c.execution.max_iterations, 7);
    assert_string_equal(c.git.commit_prefix, "[]");
    assert_non_null(strstr(tu_log_text(), "t.yml:4:18: git.commit_prefix: environment variable "
                                          "'AIDF_T_UNSET' is not set"));
    aidf_config_release(&c);

    /* With REQUIRE_ENV: an error with the position. */
    expect_error("git:\n  commit_prefix: \"[${AIDF_T_UNSET}]\"\n", AIDF_CONFIG_REQUIRE_ENV,
                 "t.yml:2:18: git.commit_prefix: environment variable 'AIDF_T_UNSET' is not set");
    expect_error("validation:\n  pre_push:\n    - ok\n    - run ${AIDF_T_UNSET}\n",
                 AIDF_CONFIG_REQUIRE_ENV, "4:7: validation.pre_push[1]: environment variable");
    expect_error("notifications:\n  webhook:\n    headers:\n      X-Key: ${AIDF_T_UNSET}\n",
                 AIDF_CONFIG_REQUIRE_ENV, "4:14: notifications.webhook.headers.X-Key");

    /* Malformed references are errors with or without the flag. */
    for (unsigned f = 0; f <= AIDF_CONFIG_REQUIRE_ENV; f += AIDF_CONFIG_REQUIRE_ENV) {
        expect_error("provider:\n  model: \"${AIDF_T_MODEL\"\n", f,
                     "2:10: provider.model: unterminated '${'");
        expect_error("provider:\n  model: abc${\n", f, "unterminated '${'");
        expect_error("provider:\n  model: ${}\n", f, "2:10: provider.model: bad variable");
        expect_error("provider:\n  model: ${1X}\n", f, "bad variable reference");
        expect_error("provider:\n  model: ${A-B}\n", f, "bad variable reference");
    }
    /* Set variables are fine with the flag. */
    expect_ok("provider:\n  model: ${AIDF_T_MODEL}\n", AIDF_CONFIG_REQUIRE_ENV, &c);
    assert_string_equal(c.provider.model, "claude-opus-4-5");
    aidf_config_release(&c);
    /* Unknown keys are not expanded (so an unset variable there is no error). */
    expect_ok("custom:\n  x: ${AIDF_T_UNSET}\n", AIDF_CONFIG_REQUIRE_ENV, &c);
    aidf_config_release(&c);
    unsetenv("AIDF_T_MODEL");
    unsetenv("AIDF_T_TOKEN");
    unsetenv("AIDF_T_NUM");
}

/* ---- unknown keys ---- */

static void test_unknown_keys(void **state)
{
    (void)state;
    struct aidf_config c;
    tu_log_capture(AIDF_LOG_DEBUG);
    expect_ok("version: 1\n"
              "extras:\n  nested:\n    - a\n    - {b: [1, 2, {c: d}]}\n"
              "execution:\n  max_iterations: 9\n  max_conversation_messages: 100\n"
              "  conversation:\n    max_messages: 5\n"
              "observability:\n  webhook:\n    tls: {verify: false}\n"
              "cost:\n  rates:\n    m:\n      input_per_1m: 1\n      output_per_1m: 2\n"
              "      discount: 3\n",
              0, &c);
    assert_int_equal(c.execution.max_iterations, 9);
    assert_non_null(strstr(tu_log_text(), "t.yml:2:1: unknown key 'extras' ignored"));
    assert_non_null(strstr(tu_log_text(),
                           "t.yml:8:3: unknown key 'execution.max_conversation_messages' ignored"));
    assert_non_null(
        strstr(tu_log_text(), "t.yml:9:3: unknown key 'execution.conversation' ignored"));
    assert_non_null(strstr(tu_log_text(), "t.yml:13:5: unknown key 'observability.webhook.tls'"));
    assert_non_null(strstr(tu_log_text(), "t.yml:19:7: unknown key 'cost.rates.m.discount'"));
    /* The nested content of an unknown key is skipped, not reported key by key. */
    assert_null(strstr(tu_log_text(), "'extras.nested'"));
    assert_null(strstr(tu_log_text(), "max_messages"));
    aidf_config_release(&c);
}

/* ---- cost ---- */

static void test_cost_rates(void **state)
{
    (void)state;
    struct aidf_config c;
    expect_ok("cost:\n  rates:\n    gpt-4o-mini:\n      input_per_1m: \"0.2\"\n"
              "      output_per_1m: 0.8\n      cache_write_per_1m: 0.1\n",
              0, &c);
    const struct aidf_rates *r = rate(&c, "gpt-4o-mini");
    assert_non_null(r);
    assert_true(r->input_per_1m == 0.2);
    assert_true(r->output_per_1m == 0.8);
    assert_true(isnan(r->cache_read_per_1m));
    assert_true(r->cache_write_per_1m == 0.1);
    /* Other built-ins are untouched. */
    r = rate(&c, "gpt-4o");
    assert_non_null(r);
    assert_true(r->input_per_1m == 2.5);
    aidf_config_release(&c);

    expect_error("cost:\n  rates:\n    gpt-4o:\n      input_per_1m: -1\n      output_per_1m: 10\n",
                 0, "4:21: cost.rates.gpt-4o.input_per_1m: expected a positive number");
    expect_error("cost:\n  rates:\n    x:\n      input_per_1m: 1\n      output_per_1m: 0\n", 0,
                 "5:22: cost.rates.x.output_per_1m: expected a positive number");
    expect_error("cost:\n  rates:\n    x: {input_per_1m: 1, output_per_1m: 1, "
                 "cache_read_per_1m: -0.1}\n",
                 0, "cost.rates.x.cache_read_per_1m: expected a positive number");
    expect_error("cost:\n  rates:\n    x:\n      input_per_1m: 1\n", 0,
                 "4:7: cost.rates.x: 'input_per_1m' and 'output_per_1m' are required");
    expect_error("cost:\n  rates:\n    x: 3\n", 0, "3:8: cost.rates.x: expected a mapping");
    expect_error("cost:\n  rates:\n    x: ~\n", 0, "cost.rates.x: expected a mapping");
    expect_error("cost:\n  rates:\n    \"\": {input_per_1m: 1, output_per_1m: 1}\n", 0,
                 "model keys must be non-empty");
    expect_error("cost:\n  rates: 5\n", 0, "2:10: cost.rates: expected a mapping");
}

/* ---- headers, required fields ---- */

static void test_headers_and_required(void **state)
{
    (void)state;
    expect_error("notifications:\n  webhook:\n    headers:\n      X-A: \"a\\r\\nX-B: 1\"\n", 0,
                 "4:12: notifications.webhook.headers.X-A: header values must not contain");
    expect_error("observability:\n  webhook:\n    headers:\n      \"X A\": b\n", 0,
                 "4:7: observability.webhook.headers.X A: not a valid HTTP header name");
    expect_error("observability:\n  webhook:\n    headers: [a]\n", 0,
                 "3:14: observability.webhook.headers: expected a mapping");
    expect_error("observability:\n  webhook:\n    headers:\n      X-A: ~\n", 0,
                 "4:12: observability.webhook.headers.X-A: expected a string, got null");
    expect_error("notifications:\n  slack:\n    enabled: true\n", 0,
                 "3:5: notifications.slack: 'webhook_url' is required");
    expect_error("notifications:\n  discord: {enabled: true, webhook_url: \"\"}\n", 0,
                 "notifications.discord: 'webhook_url' is required");
    expect_error("notifications:\n  email:\n    enabled: true\n    smtp_host: h\n    to: t\n", 0,
                 "notifications.email: 'from' is required");
    expect_error("notifications:\n  webhook:\n    enabled: true\n", 0,
                 "notifications.webhook: 'url' is required");
    expect_error("observability:\n  webhook:\n    enabled: true\n", 0,
                 "3:5: observability.webhook: 'url' is required");
    expect_error("observability:\n  server:\n    token_env: \"1ABC\"\n", 0,
                 "3:16: observability.server.token_env: expected an environment variable name");

    /* Disabled channels need nothing. */
    struct aidf_config c;
    expect_ok("notifications:\n  slack: {enabled: false}\n  email: {enabled: false}\n", 0, &c);
    aidf_config_release(&c);
}

/* ---- fixtures under tests/data/config/invalid ---- */

static void test_invalid_fixtures(void **state)
{
    (void)state;
    char *dir = aidf_path_join(AIDF_TEST_DATA, "config/invalid");
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    assert_non_null(d);
    while ((de = readdir(d))) {
        size_t nl = strlen(de->d_name);
        if (nl < 5 || strcmp(de->d_name + nl - 4, ".yml"))
            continue;
        char *p = aidf_path_join(dir, de->d_name);
        char errname[512];
        snprintf(errname, sizeof(errname), "%.*s.err", (int)(nl - 4), de->d_name);
        char *ep = aidf_path_join(dir, errname);
        size_t len, elen;
        char *text = tu_read(p, &len);
        char *want = tu_read(ep, &elen);
        if (!want)
            fail_msg("%s has no .err file", de->d_name);
        while (elen > 0 && (want[elen - 1] == '\n' || want[elen - 1] == '\r'))
            want[--elen] = '\0';
        assert_true(elen > 0);
        struct aidf_config c;
        struct aidf_error e = {0};
        aidf_config_init_defaults(&c);
        double t0 = tu_now_s();
        int rc = aidf_config_parse(text, len, de->d_name, 0, &c, &e);
        if (rc != AIDF_EINVAL || !strstr(e.msg, want))
            fail_msg("%s: rc=%d msg='%s', wanted '%s'", de->d_name, rc, e.msg, want);
        assert_true(tu_now_s() - t0 < 1.0 * tu_time_mult());
        assert_true(e.line > 0 && e.col > 0);
        /* The .err names the position: "<line>:<col>: ...". */
        char pos[32];
        snprintf(pos, sizeof(pos), "%d:%d: ", e.line, e.col);
        assert_int_equal(strncmp(want, pos, strlen(pos)), 0);
        aidf_config_release(&c);
        free(text);
        free(want);
        free(p);
        free(ep);
        n++;
    }
    closedir(d);
    free(dir);
    assert_true(n >= 40);
}

/* ---- aidf_config_load ---- */

static void test_load(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_error e = {0};
    char *root = tu_mkdtemp();

    /* No .ai/ at all, or an empty .ai/: defaults. */
    assert_int_equal(aidf_config_load(root, 0, &c, &e), AIDF_OK);
    assert_null(c.path);
    check_defaults(&c);
    aidf_config_release(&c);

    /* .json is read by the same parser. */
    tu_write(root, ".ai/config.json",
             "{\"provider\": {\"type\": \"openai-api\"}, \"execution\": {\"max_iterations\":7}}");
    assert_int_equal(aidf_config_load(root, 0, &c, &e), AIDF_OK);
    assert_non_null(c.path);
    assert_non_null(strstr(c.path, ".ai/config.json"));
    assert_string_equal(c.provider.type, "openai-api");
    assert_int_equal(c.execution.max_iterations, 7);
    aidf_config_release(&c);

    /* .yaml before .json. */
    tu_write(root, ".ai/config.yaml", "execution:\n  max_iterations: 8\n");
    assert_int_equal(aidf_config_load(root, 0, &c, &e), AIDF_OK);
    assert_non_null(strstr(c.path, ".ai/config.yaml"));
    assert_int_equal(c.execution.max_iterations, 8);
    aidf_config_release(&c);

    /* .yml before both; errors name the file and position. */
    tu_write(root, ".ai/config.yml", "execution:\n  max_iterations: lots\n");
    assert_int_equal(aidf_config_load(root, 0, &c, &e), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, ".ai/config.yml:2:19: execution.max_iterations"));
    assert_int_equal(e.line, 2);
    assert_int_equal(e.col, 19);
    aidf_config_release(&c);

    tu_write(root, ".ai/config.yml", "execution:\n  max_iterations: 9\n");
    assert_int_equal(aidf_config_load(root, 0, &c, &e), AIDF_OK);
    assert_non_null(strstr(c.path, ".ai/config.yml"));
    assert_int_equal(c.execution.max_iterations, 9);
    aidf_config_release(&c);

    /* Found from a subdirectory through aidf_find_project_root, never the cwd. */
    char *sub = aidf_path_join(root, "src/deep");
    assert_int_equal(aidf_mkdirs(sub, NULL), 0);
    char *found = aidf_find_project_root(sub);
    assert_non_null(found);
    assert_int_equal(aidf_config_load(found, 0, &c, &e), AIDF_OK);
    assert_int_equal(c.execution.max_iterations, 9);
    aidf_config_release(&c);
    free(found);
    free(sub);

    tu_rmrf(root);
    free(root);
}

/* observability.project / actor / tags: who and what a run's report names. */
static void test_observability_identity(void **state)
{
    (void)state;
    struct aidf_config c;
    expect_ok("", 0, &c);
    assert_null(c.observability.project);
    assert_true(c.observability.actor);
    assert_int_equal(c.observability.tags.n, 0);
    aidf_config_release(&c);

    expect_ok("observability:\n  project: acme/widgets\n  actor: false\n"
              "  tags: {team: core, ticket: WID-42, empty: ''}\n",
              0, &c);
    assert_string_equal(c.observability.project, "acme/widgets");
    assert_false(c.observability.actor);
    assert_int_equal(c.observability.tags.n, 3);
    assert_string_equal(c.observability.tags.items[0].key, "team");
    assert_string_equal(c.observability.tags.items[0].value, "core");
    assert_string_equal(c.observability.tags.items[2].value, "");
    aidf_config_release(&c);

    expect_error("observability:\n  tags: [a, b]\n", 0,
                 "2:9: observability.tags: expected a mapping of tag names to values, got a list");
    expect_error("observability:\n  tags:\n    'bad key': x\n", 0,
                 "3:5: observability.tags.bad key: invalid tag key");
    expect_error("observability:\n  tags:\n    team: \"a\\x1bb\"\n", 0,
                 "3:11: observability.tags.team: the value of tag 'team' contains a control");
    expect_error("observability:\n  tags:\n    team: ~\n", 0, "expected a string, got null");
    expect_error("observability:\n  actor: maybe\n", 0, "expected true or false");
}

/* security.sandbox: a mode name or a mapping; malformed values are errors. */
static void test_sandbox(void **state)
{
    (void)state;
    static const char *const modes[] = {"auto", "required", "bwrap", "landlock", "off"};
    for (int i = 0; i < 5; i++) {
        char text[128];
        struct aidf_config c;
        snprintf(text, sizeof(text), "security:\n  sandbox: %s\n", modes[i]);
        expect_ok(text, 0, &c);
        assert_int_equal(c.security.sandbox.mode, i);
        assert_string_equal(aidf_sandbox_mode_name(c.security.sandbox.mode), modes[i]);
        aidf_config_release(&c);
    }
    struct aidf_config c;
    expect_ok("security:\n  sandbox:\n    mode: required\n    network: true\n"
              "    env: [GOPATH, CARGO_HOME]\n",
              0, &c);
    assert_int_equal(c.security.sandbox.mode, AIDF_SANDBOX_REQUIRED);
    assert_true(c.security.sandbox.network);
    assert_int_equal(c.security.sandbox.env.n, 2);
    assert_string_equal(c.security.sandbox.env.items[1], "CARGO_HOME");
    aidf_config_release(&c);
    expect_ok("security:\n  sandbox: {network: true}\n", 0, &c);
    assert_int_equal(c.security.sandbox.mode, AIDF_SANDBOX_AUTO);
    assert_true(c.security.sandbox.network);
    aidf_config_release(&c);
    expect_ok("security:\n  sandbox: ~\n", 0, &c);
    assert_int_equal(c.security.sandbox.mode, AIDF_SANDBOX_AUTO);
    aidf_config_release(&c);

    expect_error("security:\n  sandbox: maybe\n", 0,
                 "security.sandbox: expected one of auto, required, bwrap, landlock, off, got "
                 "'maybe'");
    expect_error("security:\n  sandbox: [bwrap]\n", 0,
                 "security.sandbox: expected a mode (auto, required, bwrap, landlock, off) or a "
                 "mapping");
    expect_error("security:\n  sandbox: {mode: jail}\n", 0,
                 "security.sandbox.mode: expected one of");
    expect_error("security:\n  sandbox: {network: maybe}\n", 0, "security.sandbox.network");
    expect_error("security:\n  sandbox: {env: GOPATH}\n", 0,
                 "security.sandbox.env: expected a list of strings");
    expect_error("security:\n  sandbox: {env: [GOPATH, \"BAD NAME\"]}\n", 0,
                 "security.sandbox.env[1]: expected an environment variable name, got 'BAD NAME'");
    expect_error("security:\n  sandbox: {env: [\"1X\"]}\n", 0,
                 "security.sandbox.env[0]: expected an environment variable name");
    expect_error("security:\n  sandbox: {env: [\"A=B\"]}\n", 0,
                 "security.sandbox.env[0]: expected an environment variable name");
    expect_error("security:\n  sandbox: {env: [\"\"]}\n", 0,
                 "security.sandbox.env[0]: expected an environment variable name");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_inputs_are_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_fixture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_valid_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upstream_init_and_nulls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enums, setup, teardown),
        cmocka_unit_test_setup_teardown(test_booleans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aliases_and_anchors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_and_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_and_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_big, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_behavior, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation_strings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_expansion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cost_rates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_headers_and_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_fixtures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_observability_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
