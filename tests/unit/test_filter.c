/*
 * Unit tests for the run filters: their text form (aidf_filter_set, the one parser of
 * the CLI options and the server's query parameters), matching, and the cache key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "aidf/filter_parse.h"
#include "aidf/store.h"
#include "aidf/timeutil.h"

#define NOW 1800000000000LL

/* Set a filter from text with the server's spelling; returns the code, message in `e`. */
static int set(struct aidf_filter *f, const char *name, const char *value, struct aidf_error *e)
{
    aidf_error_clear(e);
    return aidf_filter_set(f, name, value, "", NOW, e);
}

/* Set a valid filter value. */
static void ok(struct aidf_filter *f, const char *name, const char *value)
{
    struct aidf_error e;
    int rc = set(f, name, value, &e);
    if (rc != AIDF_OK)
        fail_msg("%s=%s: %s", name, value, e.msg);
}

/* A run with the team dimensions. */
static struct aidf_run_summary run(const char *task_path, const char *task_name, const char *model,
                                   enum aidf_status st, const char *project, const char *actor,
                                   const char *branch, const char *tags, bool ci)
{
    struct aidf_run_summary s;
    memset(&s, 0, sizeof(s));
    snprintf(s.run_id, sizeof(s.run_id), "%s", "r1");
    s.ts_ms = 5000;
    s.received_ms = 9000;
    s.timestamp = s.error_category = s.file = s.task_type = "";
    s.task_path = task_path;
    s.task_name = task_name;
    s.provider = "claude-cli";
    s.model = model;
    s.status = st;
    s.project = project;
    s.actor = actor;
    s.branch = branch;
    s.tags = tags;
    s.currency = "USD";
    s.ci = ci;
    s.cost = NAN;
    return s;
}

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(AIDF_FILTER_NAMES, 12);
    const char *want[] = {"since",   "until", "status", "task", "provider", "model",
                          "project", "actor", "branch", "tag",  "ci",       "receivedSince"};
    for (int i = 0; i < AIDF_FILTER_NAMES; i++)
        assert_string_equal(aidf_filter_names[i], want[i]);

    struct aidf_filter f;
    struct aidf_error e;
    aidf_filter_init(&f);
    aidf_error_clear(&e);
    assert_int_equal(aidf_filter_set(&f, "limit", "5", "", NOW, &e), AIDF_ENOTFOUND);
    assert_string_equal(e.msg, "");
    assert_int_equal(aidf_filter_set(&f, "received-since", "1d", "--", NOW, &e), AIDF_ENOTFOUND);
    assert_false(aidf_filter_any(&f));
}

static void test_dates(void **state)
{
    (void)state;
    struct aidf_filter f;
    struct aidf_error e;
    aidf_filter_init(&f);
    ok(&f, "since", "7d");
    assert_true(f.since_ms == NOW - 7LL * 86400000);
    ok(&f, "until", "2026-11-02");
    int64_t t;
    assert_int_equal(aidf_parse_when("2026-11-02", 0, true, &t), AIDF_OK);
    assert_true(f.until_ms == t);
    ok(&f, "receivedSince", "30m");
    assert_true(f.received_since_ms == NOW - 30LL * 60000);
    assert_true(aidf_filter_any(&f));

    /* One value each: a second one is refused, the first stays. */
    assert_int_equal(set(&f, "since", "1d", &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "since given more than once (it takes one date)");
    assert_true(f.since_ms == NOW - 7LL * 86400000);

    aidf_filter_release(&f);
    assert_int_equal(set(&f, "since", "yesterday", &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "invalid since 'yesterday' (expected YYYY-MM-DD, an ISO timestamp "
                               "or an age such as 30m, 24h, 7d, 2w, 3mo, 1y; units: s, m "
                               "(minutes), h, d, w, mo (calendar months), y)");
    assert_int_equal(set(&f, "until", "3x", &e), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, "units: s, m (minutes)"));
    assert_int_equal(set(&f, "since", "", &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "since needs a value");
    assert_int_equal(set(&f, "since", NULL, &e), AIDF_EINVAL);
    /* The CLI's spelling. */
    aidf_error_clear(&e);
    assert_int_equal(aidf_filter_set(&f, "receivedSince", "soon", "--", NOW, &e), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, "invalid --received-since 'soon' (expected"));
    aidf_error_clear(&e);
    assert_int_equal(aidf_filter_set(&f, "model", "", "--", NOW, &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "--model needs a value");
    assert_false(aidf_filter_any(&f));
}

static void test_status_and_ci(void **state)
{
    (void)state;
    struct aidf_filter f;
    struct aidf_error e;
    aidf_filter_init(&f);
    ok(&f, "status", "failed,blocked");
    assert_int_equal(f.status_mask, (1u << AIDF_STATUS_FAILED) | (1u << AIDF_STATUS_BLOCKED));
    ok(&f, "status", " completed "); /* a repeat adds; spaces around items are ignored */
    assert_int_equal(f.status_mask, (1u << AIDF_STATUS_FAILED) | (1u << AIDF_STATUS_BLOCKED) |
                                        (1u << AIDF_STATUS_COMPLETED));
    aidf_filter_release(&f);
    assert_int_equal(f.status_mask, 0);

    /* A bad item leaves the filter as it was. */
    ok(&f, "status", "failed");
    assert_int_equal(set(&f, "status", "blocked,done", &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "invalid status 'done' (expected completed, blocked or failed)");
    assert_int_equal(f.status_mask, 1u << AIDF_STATUS_FAILED);
    assert_int_equal(set(&f, "status", "failed,,blocked", &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "invalid status 'failed,,blocked' (an empty value)");
    assert_int_equal(set(&f, "status", "failed,", &e), AIDF_EINVAL);
    assert_int_equal(set(&f, "status", " ", &e), AIDF_EINVAL);
    assert_int_equal(set(&f, "status", "Failed", &e), AIDF_EINVAL);
    assert_int_equal(f.status_mask, 1u << AIDF_STATUS_FAILED);

    ok(&f, "ci", "true");
    assert_int_equal(f.ci_mask, 2);
    ok(&f, "ci", "false");
    assert_int_equal(f.ci_mask, 3);
    assert_int_equal(set(&f, "ci", "yes", &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "invalid ci 'yes' (expected true or false)");
    assert_int_equal(set(&f, "ci", "1", &e), AIDF_EINVAL);
    aidf_filter_release(&f);
}

static void test_lists(void **state)
{
    (void)state;
    struct aidf_filter f;
    aidf_filter_init(&f);
    /* Sorted, without duplicates, across comma and repeated forms. */
    ok(&f, "model", "gpt-5,claude-*");
    ok(&f, "model", "gpt-5");
    ok(&f, "model", "a-model");
    assert_int_equal(f.model.n, 3);
    assert_string_equal(f.model.items[0], "a-model");
    assert_string_equal(f.model.items[1], "claude-*");
    assert_string_equal(f.model.items[2], "gpt-5");
    assert_int_equal(f.n_values, 3);
    const char *names[] = {"task", "provider", "project", "actor", "branch"};
    const struct aidf_strlist *lists[] = {&f.task, &f.provider, &f.project, &f.actor, &f.branch};
    for (size_t i = 0; i < 5; i++) {
        ok(&f, names[i], "y, x");
        assert_int_equal(lists[i]->n, 2);
        assert_string_equal(lists[i]->items[0], "x");
        assert_string_equal(lists[i]->items[1], "y");
    }
    assert_int_equal(f.n_values, 13);
    aidf_filter_release(&f);
    assert_int_equal(f.n_values, 0);
    assert_int_equal(f.model.n, 0);
    assert_false(aidf_filter_any(&f));
    aidf_filter_release(NULL);
}

static void test_tags(void **state)
{
    (void)state;
    struct aidf_filter f;
    struct aidf_error e;
    aidf_filter_init(&f);
    ok(&f, "tag", "team:core,ticket=WID-42");
    ok(&f, "tag", "env:*");
    ok(&f, "tag", "owner");
    ok(&f, "tag", "empty:");
    ok(&f, "tag", "url:a:b=c"); /* the first ':' or '=' separates */
    assert_int_equal(f.tag.n, 6);
    const char *want[] = {"empty=", "env", "owner", "team=core", "ticket=WID-42", "url=a:b=c"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(f.tag.items[i], want[i]);

    const char *bad[] = {":core", "te am:core", "t/x:1", "=x", "a*:b"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(set(&f, "tag", bad[i], &e), AIDF_EINVAL);
        assert_non_null(strstr(e.msg, "invalid tag '"));
        assert_non_null(strstr(e.msg, "expected key:value, key:* or key"));
    }
    char long_key[80];
    memset(long_key, 'k', 65);
    memcpy(long_key + 65, ":v", 3);
    assert_int_equal(set(&f, "tag", long_key, &e), AIDF_EINVAL);
    char long_value[300] = "k:";
    memset(long_value + 2, 'v', 257);
    long_value[259] = '\0';
    assert_int_equal(set(&f, "tag", long_value, &e), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, "the value is longer than 256 bytes"));
    assert_int_equal(set(&f, "tag", "k:a\x01", &e), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, "control character"));
    assert_int_equal(f.tag.n, 6);
    aidf_filter_release(&f);
}

static void test_caps(void **state)
{
    (void)state;
    struct aidf_filter f;
    struct aidf_error e;
    char v[16];
    aidf_filter_init(&f);
    for (int i = 0; i < AIDF_FILTER_MAX_VALUES; i++) {
        snprintf(v, sizeof(v), "m%d", i);
        ok(&f, "model", v);
    }
    ok(&f, "model", "m0"); /* a value already there costs nothing */
    assert_int_equal(set(&f, "model", "another", &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "too many values for model (at most 64)");
    assert_int_equal(f.model.n, AIDF_FILTER_MAX_VALUES);
    for (int i = 0; i < AIDF_FILTER_MAX_VALUES; i++) {
        snprintf(v, sizeof(v), "p%d", i);
        ok(&f, "project", v);
    }
    assert_int_equal(set(&f, "actor", "one", &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "too many filter values (at most 128 in all)");
    aidf_filter_release(&f);

    /* In one comma-separated value too. */
    char many[1024] = "";
    size_t used = 0;
    for (int i = 0; i <= AIDF_FILTER_MAX_VALUES; i++)
        used += (size_t)snprintf(many + used, sizeof(many) - used, "%sb%d", i ? "," : "", i);
    aidf_error_clear(&e);
    assert_int_equal(aidf_filter_set(&f, "branch", many, "--", NOW, &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "too many values for --branch (at most 64)");
    assert_int_equal(f.branch.n, 0);
    aidf_filter_release(&f);
}

static void test_match(void **state)
{
    (void)state;
    struct aidf_run_summary s = run(".ai/tasks/pending/042-add-login.md", "042-add-login.md",
                                    "claude-sonnet-4-5", AIDF_STATUS_COMPLETED, "acme/widgets",
                                    "octocat", "main", "team=core\nticket=WID-42", true);
    struct aidf_filter f;
    aidf_filter_init(&f);
    assert_true(aidf_filter_match(&f, &s));
    assert_true(aidf_filter_match(NULL, &s));

    /* Each filter: [value that matches, value that does not]. */
    const char *cases[][3] = {
        {"since", "1970-01-01T00:00:05Z", "1970-01-01T00:00:05.001Z"},
        {"until", "1970-01-01T00:00:05Z", "1970-01-01T00:00:04.999Z"},
        {"receivedSince", "1970-01-01T00:00:09Z", "1970-01-01T00:00:09.001Z"},
        {"status", "failed,completed", "failed,blocked"},
        {"task", "042-*", "*logout*"},
        {"task", ".ai/tasks/*", "pending/*"}, /* '*' crosses '/'; a glob is anchored */
        {"provider", "cursor-cli,claude-cli", "claude-*"},
        {"model", "claude-sonnet-4-5", "claude-sonnet"},
        {"model", "gpt-5,claude-*", "gpt-*"},
        {"project", "other,acme/widgets", "acme"},
        {"actor", "octocat", "Octocat"},
        {"branch", "main,dev", "ma*"},
        {"tag", "team:core", "team:cor"},
        {"tag", "other:x,ticket:WID-42", "ticket:WID"},
        {"tag", "team:*", "tea"},
        {"tag", "ticket", "tickets"},
        {"ci", "true", "false"},
        {"ci", "false,true", "false"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ok(&f, cases[i][0], cases[i][1]);
        if (!aidf_filter_match(&f, &s))
            fail_msg("%s=%s should match", cases[i][0], cases[i][1]);
        aidf_filter_release(&f);
        ok(&f, cases[i][0], cases[i][2]);
        if (aidf_filter_match(&f, &s))
            fail_msg("%s=%s should not match", cases[i][0], cases[i][2]);
        aidf_filter_release(&f);
    }

    /* The task name matches even when the path says otherwise (a moved task file). */
    struct aidf_run_summary moved = s;
    moved.task_path = ".ai/tasks/completed/x.md";
    ok(&f, "task", "042-add-login.md");
    assert_true(aidf_filter_match(&f, &moved));
    aidf_filter_release(&f);

    /* Different filters AND. */
    ok(&f, "project", "acme/widgets");
    ok(&f, "tag", "team:core");
    assert_true(aidf_filter_match(&f, &s));
    ok(&f, "actor", "someone-else");
    assert_false(aidf_filter_match(&f, &s));
    ok(&f, "actor", "octocat"); /* any of the actors */
    assert_true(aidf_filter_match(&f, &s));
    aidf_filter_release(&f);

    /* A run without the dimension matches no value of it. */
    struct aidf_run_summary bare = run("", "", "", AIDF_STATUS_FAILED, "", "", "", "", false);
    const char *filters[][2] = {{"project", "acme/widgets"},
                                {"actor", "octocat"},
                                {"branch", "main"},
                                {"tag", "team"},
                                {"ci", "true"},
                                {"model", "claude-*"}};
    for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
        ok(&f, filters[i][0], filters[i][1]);
        assert_false(aidf_filter_match(&f, &bare));
        aidf_filter_release(&f);
    }
    ok(&f, "ci", "false");
    assert_true(aidf_filter_match(&f, &bare));
    aidf_filter_release(&f);
}

static void test_key(void **state)
{
    (void)state;
    struct aidf_filter a, b;
    struct aidf_buf ka = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT), kb = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_filter_init(&a);
    aidf_filter_init(&b);
    /* Order, the form (comma or repeat) and duplicates do not matter. */
    ok(&a, "model", "a,b");
    ok(&a, "status", "failed,blocked");
    ok(&a, "tag", "team:core");
    ok(&b, "tag", "team=core");
    ok(&b, "status", "blocked");
    ok(&b, "model", "b");
    ok(&b, "status", "failed");
    ok(&b, "model", "a,b");
    aidf_filter_key(&a, &ka);
    aidf_filter_key(&b, &kb);
    assert_string_equal(ka.ptr, kb.ptr);
    aidf_filter_release(&a);
    aidf_filter_release(&b);

    /* The same value in two filters gives two keys; so does every filter set alone. */
    const char *vals[][2] = {
        {"task", "x"},   {"provider", "x"},       {"model", "x"},         {"project", "x"},
        {"actor", "x"},  {"branch", "x"},         {"tag", "x"},           {"tag", "x:1"},
        {"ci", "true"},  {"ci", "false"},         {"status", "failed"},   {"since", "1d"},
        {"until", "1d"}, {"receivedSince", "1d"}, {"project", "x;actor"}, {"project", "x,y"}};
    size_t n = sizeof(vals) / sizeof(vals[0]);
    struct aidf_buf keys[16];
    for (size_t i = 0; i < n; i++) {
        aidf_buf_init(&keys[i], AIDF_BUF_NOLIMIT);
        ok(&a, vals[i][0], vals[i][1]);
        aidf_filter_key(&a, &keys[i]);
        aidf_filter_release(&a);
        for (size_t k = 0; k < i; k++)
            if (strcmp(keys[i].ptr, keys[k].ptr) == 0)
                fail_msg("%s=%s and %s=%s share a key", vals[i][0], vals[i][1], vals[k][0],
                         vals[k][1]);
    }
    aidf_buf_reset(&ka);
    aidf_filter_key(&a, &ka);
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(ka.ptr, keys[i].ptr);
        aidf_buf_release(&keys[i]);
    }
    aidf_buf_release(&ka);
    aidf_buf_release(&kb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),         cmocka_unit_test(test_dates),
        cmocka_unit_test(test_status_and_ci), cmocka_unit_test(test_lists),
        cmocka_unit_test(test_tags),          cmocka_unit_test(test_caps),
        cmocka_unit_test(test_match),         cmocka_unit_test(test_key),
    };
    return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
