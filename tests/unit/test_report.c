/* Unit tests for the execution report model (lib/report*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidf/buf.h"
#include "aidf/json_scan.h"
#include "aidf/report.h"
#include "aidf/xalloc.h"
#include "testutil.h"

#define ID "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
#define MIN_HEAD \
    "{\"runId\":\"" ID "\",\"timestamp\":\"2026-11-20T10:00:00Z\",\"status\":\"completed\""

/* ---- helpers ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the files in tests/data/<rel> ending in `suffix`; NULL-terminated. */
static char **list_data(const char *rel, const char *suffix)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", AIDF_TEST_DATA, rel);
    DIR *d = opendir(path);
    assert_non_null(d);
    size_t n = 0, cap = 0;
    char **names = NULL;
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l <= sl || strcmp(e->d_name + l - sl, suffix))
            continue;
        names = aidf_xgrow(names, &cap, n + 2, sizeof(*names));
        names[n++] = aidf_xstrdup(e->d_name);
    }
    closedir(d);
    names = aidf_xgrow(names, &cap, n + 1, sizeof(*names));
    names[n] = NULL;
    qsort(names, n, sizeof(*names), cmp_str);
    return names;
}

static void free_list(char **l)
{
    for (size_t i = 0; l[i]; i++)
        free(l[i]);
    free(l);
}

static char *compact_sorted(const struct aidf_report *r)
{
    json_t *j = aidf_report_to_json(r);
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    assert_non_null(s);
    return s;
}

static int parse_str(const char *s, struct aidf_report *r, struct aidf_error *err)
{
    return aidf_report_parse(s, strlen(s), r, err);
}

/* Parse `doc` and expect failure with `want` in the message. */
static void expect_fail(const char *doc, const char *want)
{
    struct aidf_report r;
    struct aidf_error err = {0};
    aidf_report_init(&r);
    int rc = parse_str(doc, &r, &err);
    if (rc == AIDF_OK || !strstr(err.msg, want))
        fail_msg("doc %.200s: rc %d, message '%s', wanted '%s'", doc, rc, err.msg, want);
    assert_int_equal(rc, err.code);
    assert_null(r.run_id);
    assert_null(r.extra);
    aidf_report_release(&r);
}

static void expect_ok(const char *doc, struct aidf_report *r)
{
    struct aidf_error err = {0};
    aidf_report_init(r);
    int rc = parse_str(doc, r, &err);
    if (rc != AIDF_OK)
        fail_msg("doc %.200s: %s", doc, err.msg);
}

/*
 * Every non-null value of `orig` must be in `enc`, at every depth: unknown fields are
 * not lost and known ones keep their values (numbers up to the encoder's rounding).
 */
static void assert_preserved(const json_t *orig, const json_t *enc, const char *path)
{
    if (json_is_null(orig))
        return;
    if (!enc)
        fail_msg("%s: lost", path);
    if (json_is_number(orig)) {
        if (!json_is_number(enc))
            fail_msg("%s: number became something else", path);
        double a = json_number_value(orig), b = json_number_value(enc);
        if (fabs(a - b) > 1e-6 * (1 + fabs(a)))
            fail_msg("%s: %.17g became %.17g", path, a, b);
        return;
    }
    if (json_is_string(orig) && json_is_object(enc)) {
        /* the legacy "error": "text" becomes {"message": "text"} */
        assert_true(json_equal(orig, json_object_get(enc, "message")));
        return;
    }
    if (json_typeof(orig) != json_typeof(enc))
        fail_msg("%s: type changed", path);
    char sub[512];
    if (json_is_object(orig)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)(uintptr_t)orig, k, v)
        {
            snprintf(sub, sizeof(sub), "%s.%s", path, k);
            if (json_is_object(v) && json_object_size(v) == 0)
                continue; /* an empty known object carries nothing */
            assert_preserved(v, json_object_get(enc, k), sub);
        }
    } else if (json_is_array(orig)) {
        if (json_array_size(orig) != json_array_size(enc))
            fail_msg("%s: array size changed", path);
        for (size_t i = 0; i < json_array_size(orig); i++) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            assert_preserved(json_array_get(orig, i), json_array_get(enc, i), sub);
        }
    } else if (!json_equal(orig, enc)) {
        fail_msg("%s: value changed", path);
    }
}

/* ---- data-driven: fixtures ---- */

static void test_valid_fixtures_round_trip(void **state)
{
    (void)state;
    char **names = list_data("reports/valid", ".json");
    assert_non_null(names[0]);
    for (size_t i = 0; names[i]; i++) {
        char rel[512];
        snprintf(rel, sizeof(rel), "reports/valid/%s", names[i]);
        size_t len;
        char *text = tu_read_data(rel, &len);
        struct aidf_report r, r2;
        struct aidf_error err = {0};
        aidf_report_init(&r);
        aidf_report_init(&r2);
        if (aidf_report_parse(text, len, &r, &err) != AIDF_OK)
            fail_msg("%s: %s", names[i], err.msg);

        /* decode → encode → decode → encode is stable, compact and pretty */
        char *c1 = compact_sorted(&r);
        assert_int_equal(aidf_report_parse(c1, strlen(c1), &r2, &err), AIDF_OK);
        char *c2 = compact_sorted(&r2);
        if (strcmp(c1, c2))
            fail_msg("%s: round trip differs:\n%s\n%s", names[i], c1, c2);
        size_t plen;
        char *p1 = aidf_report_dumps(&r, true, &plen);
        assert_int_equal(plen, strlen(p1));
        assert_true(plen > 2 && p1[plen - 1] == '\n' && p1[plen - 2] == '}');
        assert_true(!strncmp(p1, "{\n  \"runId\": ", 13));
        aidf_report_release(&r2);
        assert_int_equal(aidf_report_parse(p1, plen, &r2, &err), AIDF_OK);
        char *p2 = aidf_report_dumps(&r2, true, NULL);
        assert_string_equal(p1, p2);

        /* nothing of the original is lost, unknown fields included */
        json_t *orig = json_loadb(text, len, 0, NULL);
        json_t *enc = aidf_report_to_json(&r);
        assert_preserved(orig, enc, names[i]);
        json_decref(orig);
        json_decref(enc);

        free(c1);
        free(c2);
        free(p1);
        free(p2);
        aidf_report_release(&r);
        aidf_report_release(&r2);
        free(text);
    }
    free_list(names);
}

static void test_invalid_fixtures(void **state)
{
    (void)state;
    char **names = list_data("reports/invalid", ".json");
    assert_non_null(names[0]);
    for (size_t i = 0; names[i]; i++) {
        char rel[512];
        snprintf(rel, sizeof(rel), "reports/invalid/%s", names[i]);
        size_t len, elen;
        char *text = tu_read_data(rel, &len);
        memcpy(rel + strlen(rel) - 5, ".err", 5);
        char *want = tu_read_data(rel, &elen);
        while (elen && (want[elen - 1] == '\n' || want[elen - 1] == '\r'))
            want[--elen] = '\0';
        assert_true(elen > 0);

        struct aidf_report r;
        struct aidf_error err = {0};
        aidf_report_init(&r);
        int rc = aidf_report_parse(text, len, &r, &err);
        if (rc == AIDF_OK)
            fail_msg("%s: accepted", names[i]);
        if (!strstr(err.msg, want))
            fail_msg("%s: message '%s' lacks '%s'", names[i], err.msg, want);
        assert_int_equal(rc, AIDF_EINVAL);
        assert_int_equal(err.code, rc);
        if (!strncmp(names[i], "syntax-", 7)) {
            assert_true(err.line >= 1);
            assert_true(!strncmp(err.msg, "line ", 5));
        }
        assert_null(r.run_id);
        assert_null(r.extra);
        assert_false(r.tokens.present);
        aidf_report_release(&r);
        free(text);
        free(want);
    }
    free_list(names);
}

/* ---- messages and positions ---- */

static void test_error_messages(void **state)
{
    (void)state;
    struct aidf_report r;
    struct aidf_error err = {0};
    aidf_report_init(&r);
    const char *doc = MIN_HEAD ",\"tokens\":{\"perIteration\":[{\"input\":1},{\"input\":2},"
                               "{\"input\":\"3\"}]}}";
    assert_int_equal(parse_str(doc, &r, &err), AIDF_EINVAL);
    assert_string_equal(
        err.msg, "tokens.perIteration[2].input: expected a non-negative integer, got string");
    assert_int_equal(err.line, 0);

    assert_int_equal(parse_str("{\"timestamp\":\"2026-11-20\",\"status\":\"failed\"}", &r, &err),
                     AIDF_EINVAL);
    assert_string_equal(err.msg, "runId: missing required field");

    /* syntax errors carry the position */
    assert_int_equal(parse_str("{\n  \"runId\": \"x\",\n  \"a\": tru\n}", &r, &err), AIDF_EINVAL);
    assert_int_equal(err.line, 3);
    assert_true(err.col > 0);
    char want[64];
    snprintf(want, sizeof(want), "line 3, column %d: ", err.col);
    assert_true(!strncmp(err.msg, want, strlen(want)));

    /* from_json: the top level must be an object */
    json_t *a = json_array();
    assert_int_equal(aidf_report_from_json(a, &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "expected an object, got array"));
    json_decref(a);
    assert_int_equal(aidf_report_from_json(NULL, &r, &err), AIDF_EINVAL);

    /* NULL err is allowed */
    assert_int_equal(parse_str("[]", &r, NULL), AIDF_EINVAL);
    assert_int_equal(parse_str("{", &r, NULL), AIDF_EINVAL);
    aidf_report_release(&r);
}

/* Wrong types in each block, built on the minimal report. */
static void test_wrong_types_each_block(void **state)
{
    (void)state;
    static const struct {
        const char *frag, *want;
    } cases[] = {
        {"\"taskPath\":[]", "taskPath: expected a string, got array"},
        {"\"cwd\":{}", "cwd: expected a string, got object"},
        {"\"maxIterations\":-1", "maxIterations: expected a non-negative integer, got -1"},
        {"\"consecutiveFailures\":true",
         "consecutiveFailures: expected a non-negative integer, got boolean"},
        {"\"blockedReason\":1", "blockedReason: expected a string, got integer"},
        {"\"provider\":[]", "provider: expected an object, got array"},
        {"\"provider\":{\"type\":1}", "provider.type: expected a string, got integer"},
        {"\"error\":[]", "error: expected an object or a string, got array"},
        {"\"error\":{\"message\":\"m\",\"category\":false}",
         "error.category: expected a string, got boolean"},
        {"\"tokens\":\"many\"", "tokens: expected an object, got string"},
        {"\"tokens\":{\"contextTokens\":1e300}",
         "tokens.contextTokens: expected a non-negative integer"},
        {"\"tokens\":{\"cacheWrite\":-3}",
         "tokens.cacheWrite: expected a non-negative integer, got -3"},
        {"\"tokens\":{\"perIteration\":[{\"cacheRead\":1.5}]}",
         "tokens.perIteration[0].cacheRead: expected a non-negative integer, got 1.5"},
        {"\"tokens\":{\"perIteration\":[{},{\"estimated\":0}]}",
         "tokens.perIteration[1].estimated: expected a boolean, got integer"},
        {"\"tokens\":{\"breakdown\":[]}",
         "tokens.breakdown: expected an object of numbers, got array"},
        {"\"tokens\":{\"breakdown\":{\"a\":-1}}",
         "tokens.breakdown.a: expected a non-negative number, got -1"},
        {"\"cost\":[]", "cost: expected an object, got array"},
        {"\"cost\":{\"currency\":1}", "cost.currency: expected a string, got integer"},
        {"\"cost\":{\"rates\":5}", "cost.rates: expected an object, got integer"},
        {"\"cost\":{\"rates\":{\"cacheWritePer1M\":\"x\"}}",
         "cost.rates.cacheWritePer1M: expected a non-negative number, got string"},
        {"\"cost\":{\"perIteration\":[[]]}", "cost.perIteration[0]: expected an object, got array"},
        {"\"cost\":{\"reported\":\"0.1\"}",
         "cost.reported: expected a non-negative number, got string"},
        {"\"cost\":{\"computed\":-0.5}", "cost.computed: expected a non-negative number, got -0.5"},
        {"\"timing\":true", "timing: expected an object, got boolean"},
        {"\"timing\":{\"completedAt\":5}", "timing.completedAt: expected a string, got integer"},
        {"\"timing\":{\"phases\":{\"aiExecution\":{}}}",
         "timing.phases.aiExecution: expected a non-negative number, got object"},
        {"\"timing\":{\"perIteration\":[{\"filesChanged\":\"2\"}]}",
         "timing.perIteration[0].filesChanged: expected a non-negative integer, got string"},
        {"\"files\":[]", "files: expected an object, got array"},
        {"\"files\":{\"deleted\":[null]}", "files.deleted[0]: expected a string, got null"},
        {"\"validation\":{\"runs\":[{\"durationMs\":\"1\"}]}",
         "validation.runs[0].durationMs: expected a non-negative number, got string"},
        {"\"validation\":{\"runs\":[{\"exitCode\":1.5}]}",
         "validation.runs[0].exitCode: expected an integer, got 1.5"},
        {"\"validation\":{\"totalRuns\":\"2\"}",
         "validation.totalRuns: expected a non-negative integer, got string"},
        {"\"validation\":{\"failures\":-1}",
         "validation.failures: expected a non-negative integer, got -1"},
        {"\"scope\":{\"mode\":0}", "scope.mode: expected a string, got integer"},
        {"\"scope\":{\"blockedFiles\":[\"a\",1]}",
         "scope.blockedFiles[1]: expected a string, got integer"},
        {"\"security\":{\"sandbox\":1}", "security.sandbox: expected a string, got integer"},
        {"\"security\":\"bwrap\"", "security: expected an object, got string"},
        {"\"environment\":[]", "environment: expected an object, got array"},
        {"\"environment\":{\"ciBuildUrl\":false}",
         "environment.ciBuildUrl: expected a string, got boolean"},
        {"\"schemaVersion\":-1", "schemaVersion: expected a non-negative integer, got -1"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char doc[1024];
        snprintf(doc, sizeof(doc), "%s,%s}", MIN_HEAD, cases[i].frag);
        expect_fail(doc, cases[i].want);
    }
}

static void test_accepted_variants(void **state)
{
    (void)state;
    struct aidf_report r;
    /* integral reals are integers; nulls are absent; exitCode may be negative */
    expect_ok(MIN_HEAD
              ",\"iterations\":3.0,\"maxIterations\":null,\"taskGoal\":null,"
              "\"tokens\":{\"totalInput\":1e3},\"validation\":{\"runs\":[{\"exitCode\":-9}]},"
              "\"timing\":{\"phases\":{\"aiExecution\":null,\"other\":2}}}",
              &r);
    assert_int_equal(r.iterations, 3);
    assert_true(r.max_iterations == AIDF_UNSET);
    assert_null(r.task_goal);
    assert_int_equal(r.tokens.total_input, 1000);
    assert_int_equal(r.validation.n_runs, 1);
    assert_int_equal(r.validation.runs[0].exit_code, -9);
    assert_int_equal(r.validation.runs[0].passed, -1);
    assert_false(aidf_isset(r.validation.runs[0].duration_ms));
    assert_int_equal(r.timing.phases.n, 1);
    assert_true(aidf_num_map_get(&r.timing.phases, "other") == 2);
    assert_null(r.extra);
    aidf_report_release(&r);

    /* error as a plain string; estimatedTotal null means unpriced */
    expect_ok(MIN_HEAD ",\"error\":\"boom\",\"cost\":{\"estimatedTotal\":null}}", &r);
    assert_string_equal(r.error.message, "boom");
    assert_null(r.error.category);
    assert_true(r.cost.present);
    assert_int_equal(r.cost.unpriced, 1);
    assert_false(aidf_isset(r.cost.estimated_total));
    char *s = aidf_report_dumps(&r, false, NULL);
    assert_non_null(strstr(s, "\"error\":{\"message\":\"boom\"}"));
    assert_non_null(strstr(s, "\"cost\":{\"perIteration\":[],\"unpriced\":true}"));
    assert_null(strstr(s, "estimatedTotal"));
    free(s);
    aidf_report_release(&r);

    /* any-case UUIDs; a date-only timestamp; status values */
    expect_ok("{\"runId\":\"ABCDEF01-2345-6789-abcd-EF0123456789\",\"timestamp\":\"2026-01-02\","
              "\"status\":\"blocked\"}",
              &r);
    assert_int_equal(r.status, AIDF_STATUS_BLOCKED);
    aidf_report_release(&r);

    /* whitespace around the document is fine */
    expect_ok("  \n" MIN_HEAD "}\n\n", &r);
    assert_int_equal(r.status, AIDF_STATUS_COMPLETED);
    aidf_report_release(&r);
}

/* ---- encoding ---- */

static void test_encode_fields(void **state)
{
    (void)state;
    struct aidf_report r;
    aidf_report_init(&r);
    r.run_id = aidf_xstrdup(ID);
    r.timestamp = aidf_xstrdup("2026-11-24T10:00:00.000Z");
    r.status = AIDF_STATUS_FAILED;
    r.schema_version = AIDF_SCHEMA_VERSION;
    r.iterations = 2;
    r.provider.type = aidf_xstrdup("claude-cli");
    r.error.message = aidf_xstrdup("rate limited");
    r.error.category = aidf_xstrdup("rate_limit");
    r.timing.present = true;
    r.timing.total_duration_ms = 1234.56789;
    aidf_num_map_add(&r.timing.phases, "aiExecution", 1000.00049);
    aidf_num_map_add(&r.timing.phases, "validation", 0.1);
    r.cost.present = true;
    r.cost.estimated_total = 0.12345678;
    r.cost.reported = 3.0;
    r.cost.unpriced = 0;
    r.tokens.present = true;
    r.tokens.total_input = 10;
    r.tokens.n_per_iteration = 1;
    r.tokens.per_iteration = aidf_xcalloc(1, sizeof(*r.tokens.per_iteration));
    r.tokens.per_iteration[0] =
        (struct aidf_iter_tokens){1, 10, 5, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, -1};
    r.files.present = true;
    aidf_strlist_add(&r.files.modified, "bad\xff\xfe name.c");
    r.environment.present = false;
    r.environment.os = aidf_xstrdup("linux"); /* not written: the block is absent */

    char *s = aidf_report_dumps(&r, false, NULL);
    assert_string_equal(
        s, "{\"runId\":\"" ID "\",\"timestamp\":\"2026-11-24T10:00:00.000Z\","
           "\"provider\":{\"type\":\"claude-cli\"},\"status\":\"failed\",\"iterations\":2,"
           "\"error\":{\"message\":\"rate limited\",\"category\":\"rate_limit\"},"
           "\"tokens\":{\"totalInput\":10,\"perIteration\":[{\"iteration\":1,\"input\":10,"
           "\"output\":5}]},"
           "\"cost\":{\"estimatedTotal\":0.123457,\"perIteration\":[],\"reported\":3,"
           "\"unpriced\":false},"
           "\"timing\":{\"totalDurationMs\":1234.568,\"phases\":{\"aiExecution\":1000,"
           "\"validation\":0.1},\"perIteration\":[]},"
           "\"files\":{\"modified\":[\"bad\xEF\xBF\xBD\xEF\xBF\xBD name.c\"],\"created\":[],"
           "\"deleted\":[]},"
           "\"schemaVersion\":1}");
    free(s);

    /* pretty: 2-space indent, trailing newline, runId first */
    s = aidf_report_dumps(&r, true, NULL);
    const char *head = "{\n  \"runId\": \"" ID "\",\n  \"timestamp\": ";
    assert_true(!strncmp(s, head, strlen(head)));
    assert_non_null(strstr(s, "\n    \"type\": \"claude-cli\"\n"));
    assert_int_equal(s[strlen(s) - 1], '\n');
    assert_int_equal(s[strlen(s) - 2], '}');
    free(s);

    /* unpriced with NaN: no estimatedTotal, "unpriced": true */
    r.cost.estimated_total = NAN;
    r.cost.unpriced = 1;
    json_t *j = aidf_report_to_json(&r);
    json_t *cost = json_object_get(j, "cost");
    assert_null(json_object_get(cost, "estimatedTotal"));
    assert_true(json_is_true(json_object_get(cost, "unpriced")));
    json_decref(j);
    aidf_report_release(&r);

    /* an empty report encodes as {} */
    s = aidf_report_dumps(&r, false, NULL);
    assert_string_equal(s, "{}");
    free(s);
}

/* ---- unknown fields ---- */

static void test_unknown_fields_survive(void **state)
{
    (void)state;
    struct aidf_report r;
    expect_ok(MIN_HEAD ",\"z\":{\"k\":[1,{\"a\":null}]},"
                       "\"tokens\":{\"totalInput\":5,\"q\":1,"
                       "\"perIteration\":[{\"input\":1},{\"input\":2,\"y\":2},{\"input\":3}]},"
                       "\"error\":{\"message\":\"m\",\"retryAfter\":30},"
                       "\"validation\":{\"runs\":[{\"exitCode\":0,\"log\":\"x\"}]}}",
              &r);
    char *x = json_dumps(r.extra, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(x, "{\"error\":{\"retryAfter\":30},"
                           "\"tokens\":{\"perIteration\":[{},{\"y\":2},{}],\"q\":1},"
                           "\"validation\":{\"runs\":[{\"log\":\"x\"}]},"
                           "\"z\":{\"k\":[1,{\"a\":null}]}}");
    free(x);

    /* known struct values win over same-named keys; known keys in extra are ignored */
    json_object_set_new(r.extra, "cwd", json_string("from extra"));
    json_object_set_new(json_object_get(r.extra, "tokens"), "totalInput", json_integer(99));
    json_t *j = aidf_report_to_json(&r);
    assert_null(json_object_get(j, "cwd"));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "tokens"), "totalInput")), 5);
    assert_int_equal(
        json_integer_value(json_object_get(
            json_array_get(json_object_get(json_object_get(j, "tokens"), "perIteration"), 1), "y")),
        2);
    /* the result is a copy: editing it leaves the report's extra alone */
    json_object_set_new(json_object_get(j, "z"), "k", json_null());
    json_decref(j);
    assert_true(json_is_array(json_object_get(json_object_get(r.extra, "z"), "k")));

    /* extra with fewer items than the struct, or of the wrong shape, is harmless */
    json_object_set_new(json_object_get(r.extra, "tokens"), "perIteration", json_string("?"));
    json_object_set_new(r.extra, "validation", json_array());
    j = aidf_report_to_json(&r);
    assert_int_equal(json_array_size(json_object_get(json_object_get(j, "tokens"), "perIteration")),
                     3);
    json_decref(j);
    aidf_report_release(&r);

    /* from_json copies unknown values: the caller's tree stays the caller's */
    json_t *root = json_loads(MIN_HEAD ",\"u\":{\"v\":1}}", 0, NULL);
    aidf_report_init(&r);
    assert_int_equal(aidf_report_from_json(root, &r, NULL), AIDF_OK);
    json_object_set_new(json_object_get(root, "u"), "v", json_integer(2));
    json_decref(root);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r.extra, "u"), "v")), 1);
    aidf_report_release(&r);
}

/* ---- bounds on numbers (issue 10 §2.3) ---- */

/* Parse MIN_HEAD + `tail` + "}" and return the result code (message in *err). */
static int parse_tail(const char *tail, struct aidf_error *err)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s,%s}", MIN_HEAD, tail);
    struct aidf_report r;
    aidf_report_init(&r);
    aidf_error_clear(err);
    int rc = parse_str(buf, &r, err);
    aidf_report_release(&r);
    return rc;
}

static void accept_tail(const char *tail)
{
    struct aidf_error err;
    if (parse_tail(tail, &err) != AIDF_OK)
        fail_msg("refused %s: %s", tail, err.msg);
}

/* Refused, with `field` (the path) and "out of range" in the message. */
static void refuse_tail(const char *tail, const char *field)
{
    struct aidf_error err;
    if (parse_tail(tail, &err) != AIDF_EINVAL)
        fail_msg("accepted %s", tail);
    if (strncmp(err.msg, field, strlen(field)) != 0 || !strstr(err.msg, "range"))
        fail_msg("%s: message '%s' lacks '%s' / 'range'", tail, err.msg, field);
}

static void test_number_bounds(void **state)
{
    (void)state;
    /* counts: integers up to 2^53 - 1 */
    accept_tail("\"tokens\":{\"totalInput\":9007199254740991}");
    refuse_tail("\"tokens\":{\"totalInput\":9007199254740992}", "tokens.totalInput");
    refuse_tail("\"tokens\":{\"totalInput\":9223372036854775807}", "tokens.totalInput");
    refuse_tail("\"tokens\":{\"totalInput\":9.2e18}", "tokens.totalInput");
    refuse_tail("\"tokens\":{\"perIteration\":[{\"output\":1e17}]}",
                "tokens.perIteration[0].output");
    refuse_tail("\"iterations\":18014398509481984", "iterations");
    refuse_tail("\"files\":{\"totalCount\":9007199254740993}", "files.totalCount");
    /* token breakdown: counts, not durations (1e10 is over 30 days in ms) */
    accept_tail("\"tokens\":{\"breakdown\":{\"rules\":1e10}}");
    refuse_tail("\"tokens\":{\"breakdown\":{\"rules\":1e300}}", "tokens.breakdown.rules");
    /* exit codes: either sign, magnitude up to 2^53 - 1 */
    accept_tail("\"validation\":{\"runs\":[{\"exitCode\":-9007199254740991}]}");
    refuse_tail("\"validation\":{\"runs\":[{\"exitCode\":-9223372036854775807}]}",
                "validation.runs[0].exitCode");
    /* money: at most a million USD */
    accept_tail("\"cost\":{\"estimatedTotal\":1000000}");
    refuse_tail("\"cost\":{\"estimatedTotal\":1000000.01}", "cost.estimatedTotal");
    refuse_tail("\"cost\":{\"estimatedTotal\":1e308}", "cost.estimatedTotal");
    refuse_tail("\"cost\":{\"rates\":{\"inputPer1M\":2e6}}", "cost.rates.inputPer1M");
    refuse_tail("\"cost\":{\"perIteration\":[{\"cost\":1e7}]}", "cost.perIteration[0].cost");
    /* durations: at most 30 days */
    accept_tail("\"timing\":{\"totalDurationMs\":2592000000}");
    refuse_tail("\"timing\":{\"totalDurationMs\":2592000000.5}", "timing.totalDurationMs");
    refuse_tail("\"timing\":{\"phases\":{\"aiExecution\":1e300}}", "timing.phases.aiExecution");
    refuse_tail("\"timing\":{\"perIteration\":[{\"durationMs\":1e12}]}",
                "timing.perIteration[0].durationMs");
    refuse_tail("\"validation\":{\"runs\":[{\"durationMs\":3e9}]}",
                "validation.runs[0].durationMs");
    /* unknown members: reals up to 1e300 (written with 15 digits, DBL_MAX would not parse) */
    accept_tail("\"u\":[1e300,-1e300,5e-324]");
    refuse_tail("\"u\":{\"v\":[1.7976931348623157e308]}", "u.v[0]");
    /* timestamps: 1970 to 9999 (UTC, after the zone offset) */
    accept_tail("\"timing\":{\"startedAt\":\"1970-01-01T00:00:00Z\"}");
    accept_tail("\"timing\":{\"startedAt\":\"9999-12-31T23:59:59.999Z\"}");
    refuse_tail("\"timing\":{\"startedAt\":\"1969-12-31T23:59:59Z\"}", "timing.startedAt");
    refuse_tail("\"timing\":{\"completedAt\":\"9999-12-31T23:00:00-05:00\"}", "timing.completedAt");
    refuse_tail("\"timing\":{\"startedAt\":\"1970-01-01T00:30+01:00\"}", "timing.startedAt");
    struct aidf_error err;
    char buf[256];
    snprintf(buf, sizeof(buf),
             "{\"runId\":\"" ID "\",\"timestamp\":\"0001-01-01T00:00:00Z\",\"status\":\"failed\"}");
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(parse_str(buf, &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "timestamp: out of range"));
    aidf_report_release(&r);
}

/* ---- the pre-scan: limits on the tree, before it is built (issue 10 §2.4) ---- */

/* A report whose unknown member "u" is an array of `n` zeros. Caller frees. */
static char *zeros_report(size_t n, size_t *len)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, MIN_HEAD ",\"u\":[");
    for (size_t i = 0; i < n; i++)
        aidf_buf_addstr(&b, i ? ",0" : "0");
    aidf_buf_addstr(&b, "]}");
    return aidf_buf_detach(&b, len);
}

static void test_value_limit(void **state)
{
    (void)state;
    struct aidf_report r;
    struct aidf_error err;
    size_t len;
    aidf_report_init(&r);
    /* the head has 4 values (object, 3 strings) + 3 member names + "u" + its array */
    char *doc = zeros_report(AIDF_REPORT_MAX_VALUES - 9, &len);
    assert_int_equal(aidf_report_parse(doc, len, &r, &err), AIDF_OK);
    aidf_report_release(&r);
    free(doc);
    doc = zeros_report(AIDF_REPORT_MAX_VALUES - 8, &len);
    assert_int_equal(aidf_report_parse(doc, len, &r, &err), AIDF_ETOOBIG);
    assert_non_null(strstr(err.msg, "JSON values"));
    assert_null(r.run_id);
    free(doc);
    /* 8 million values in 16 MB: refused before any tree is built */
    doc = zeros_report(AIDF_REPORT_MAX_BYTES / 2 - 100, &len);
    assert_true(len <= AIDF_REPORT_MAX_BYTES);
    assert_int_equal(aidf_report_parse(doc, len, &r, &err), AIDF_ETOOBIG);
    free(doc);

    /* a real report with a large change set still passes: 90,000 changed files */
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, MIN_HEAD ",\"files\":{\"modified\":[");
    for (int i = 0; i < 90000; i++)
        aidf_buf_addf(&b, "%s\"src/module%03d/some/deeper/path/file_%05d.c\"", i ? "," : "",
                      i % 1000, i);
    aidf_buf_addstr(&b, "],\"totalCount\":90000}}");
    doc = aidf_buf_detach(&b, &len);
    assert_int_equal(aidf_report_parse(doc, len, &r, &err), AIDF_OK);
    assert_int_equal(r.files.modified.n, 90000);
    aidf_report_release(&r);
    free(doc);
}

/* The scan on its own: counts, and malformed input it must walk without trouble. */
static void test_json_scan(void **state)
{
    (void)state;
    struct aidf_error err;
    const struct aidf_json_limits lim = {5, 3, 10};
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {"", AIDF_OK},
        {"[1,2,3,4]", AIDF_OK},                      /* 5 values */
        {"[1,2,3,4,5]", AIDF_ETOOBIG},               /* 6 */
        {"{\"a\":1,\"b\":2}", AIDF_OK},              /* object, 2 names, 2 numbers */
        {"{\"a\":1,\"b\":2,\"c\":3}", AIDF_ETOOBIG}, /* names count */
        {"[[[1]]]", AIDF_OK},                        /* depth 3 */
        {"[[[[1]]]]", AIDF_EINVAL},                  /* depth 4 */
        {"[]]]]][[[1", AIDF_OK},                     /* stray closers do not go below 0 */
        {"\"0123456789\"", AIDF_OK},                 /* 10 string bytes */
        {"\"0123456789a\"", AIDF_ETOOBIG},           /* 11 */
        {"\"[[[[[[[[\"", AIDF_OK},                   /* brackets inside a string */
        {"\"\\\"[[[[[\"", AIDF_OK},                  /* an escaped quote does not end it */
        {"\"abc\\", AIDF_OK},                        /* unterminated, backslash at the end */
        {"\"abc", AIDF_OK},                          /* unterminated */
        {"truefalsenull", AIDF_OK},                  /* one bare token */
        {"1 2 3 4 5 6", AIDF_ETOOBIG},               /* garbage still counts */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aidf_error_clear(&err);
        int rc = aidf_json_scan(cases[i].text, strlen(cases[i].text), &lim, &err);
        if (rc != cases[i].want)
            fail_msg("'%s': %d, want %d (%s)", cases[i].text, rc, cases[i].want, err.msg);
    }
    assert_int_equal(aidf_json_scan(NULL, 0, &lim, &err), AIDF_OK);
    /* exactly the byte count, no terminator read: "[1]" inside a longer buffer */
    assert_int_equal(aidf_json_scan("[1][2][3]", 3, &lim, &err), AIDF_OK);

    /* a huge nesting is refused by the report parser with the decoder's message */
    size_t n = 100000;
    char *deep = aidf_xmalloc(n);
    memset(deep, '[', n);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_report_parse(deep, n, &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "nesting deeper than 32 levels"));
    free(deep);
}

/* ---- hostile input ---- */

static void test_too_big(void **state)
{
    (void)state;
    size_t n = 20u * 1024 * 1024;
    char *big = aidf_xmalloc(n);
    memset(big, ' ', n);
    memcpy(big, "{\"x\":1", 6);
    big[AIDF_REPORT_MAX_BYTES - 1] = '}';
    struct aidf_report r;
    struct aidf_error err = {0};
    aidf_report_init(&r);
    assert_int_equal(aidf_report_parse(big, n, &r, &err), AIDF_ETOOBIG);
    assert_int_equal(err.code, AIDF_ETOOBIG);
    /* exactly at the limit is parsed (and here refused for its content only) */
    assert_int_equal(aidf_report_parse(big, AIDF_REPORT_MAX_BYTES, &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "runId"));

    /* under the byte limit, but one string longer than the string-byte limit */
    size_t sl = AIDF_REPORT_MAX_STRING_BYTES + 1;
    memset(big, 'a', sl + 8);
    memcpy(big, "{\"x\":\"", 6);
    memcpy(big + 6 + sl, "\"}", 2);
    assert_int_equal(aidf_report_parse(big, sl + 8, &r, &err), AIDF_ETOOBIG);
    assert_non_null(strstr(err.msg, "bytes in strings"));
    free(big);
    aidf_report_release(&r);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    size_t depth = 100000;
    char *doc = aidf_xmalloc(5 * depth);
    struct aidf_report r;
    struct aidf_error err = {0};
    aidf_report_init(&r);

    memset(doc, '[', depth);
    memset(doc + depth, ']', depth);
    assert_int_equal(aidf_report_parse(doc, 2 * depth, &r, &err), AIDF_EINVAL);

    size_t len = 0;
    for (size_t i = 0; i < depth; i++, len += 5)
        memcpy(doc + len, "{\"a\":", 5);
    assert_int_equal(aidf_report_parse(doc, len, &r, &err), AIDF_EINVAL);
    free(doc);

    /* 32 levels are allowed (unknown fields included), 33 are not */
    char buf[2048];
    for (int levels = 31; levels <= 33; levels++) {
        /* the top-level object is level 1, "u" opens level 2 */
        int n = snprintf(buf, sizeof(buf), "%s,\"u\":", MIN_HEAD);
        for (int i = 2; i <= levels; i++)
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "[");
        for (int i = 2; i <= levels; i++)
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, "]");
        snprintf(buf + n, sizeof(buf) - (size_t)n, "}");
        int rc = parse_str(buf, &r, &err);
        if (levels <= AIDF_REPORT_MAX_DEPTH) {
            assert_int_equal(rc, AIDF_OK);
        } else {
            assert_int_equal(rc, AIDF_EINVAL);
            assert_non_null(strstr(err.msg, "nesting deeper than 32 levels"));
            assert_true(!strncmp(err.msg, "u", 1));
        }
        aidf_report_release(&r);
    }
    /* deep inside a per-iteration item */
    int n = snprintf(buf, sizeof(buf), "%s,\"tokens\":{\"perIteration\":[{\"x\":", MIN_HEAD);
    for (int i = 0; i < 40; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "{\"y\":");
    n += snprintf(buf + n, sizeof(buf) - (size_t)n, "1");
    for (int i = 0; i < 40; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "}");
    snprintf(buf + n, sizeof(buf) - (size_t)n, "}]}}");
    assert_int_equal(parse_str(buf, &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "tokens.perIteration[0].x.y.y"));
    aidf_report_release(&r);
}

static void test_duplicate_and_many_keys(void **state)
{
    (void)state;
    struct aidf_report r;
    struct aidf_error err = {0};
    aidf_report_init(&r);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, MIN_HEAD);
    for (int i = 0; i < 10000; i++)
        aidf_buf_addf(&b, ",\"dup\":%d", i);
    aidf_buf_addch(&b, '}');
    assert_int_equal(aidf_report_parse(b.ptr, b.len, &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "duplicate object key"));

    /* 10000 distinct unknown keys are kept, in order, in linear time */
    aidf_buf_reset(&b);
    aidf_buf_addstr(&b, MIN_HEAD);
    for (int i = 0; i < 10000; i++)
        aidf_buf_addf(&b, ",\"k%d\":%d", i, i);
    aidf_buf_addstr(&b, ",\"timing\":{\"phases\":{");
    for (int i = 0; i < 10000; i++)
        aidf_buf_addf(&b, "%s\"p%d\":%d", i ? "," : "", i, i);
    aidf_buf_addstr(&b, "}}}");
    assert_int_equal(aidf_report_parse(b.ptr, b.len, &r, &err), AIDF_OK);
    assert_int_equal(json_object_size(r.extra), 10000);
    assert_int_equal(r.timing.phases.n, 10000);
    assert_string_equal(r.timing.phases.items[9999].name, "p9999");
    char *s = aidf_report_dumps(&r, false, NULL);
    assert_non_null(strstr(s, "\"k9999\":9999"));
    free(s);
    aidf_buf_release(&b);
    aidf_report_release(&r);
}

static void test_truncations(void **state)
{
    (void)state;
    size_t len;
    char *text = tu_read_data("reports/valid/unknown-fields.json", &len);
    struct aidf_report r;
    aidf_report_init(&r);
    for (size_t cut = 0; cut <= len; cut++) {
        struct aidf_error err = {0};
        /* a heap copy of exactly `cut` bytes, so ASan sees any over-read */
        char *p = aidf_xmalloc(cut ? cut : 1);
        memcpy(p, text, cut);
        int rc = aidf_report_parse(p, cut, &r, &err);
        if (rc == AIDF_OK) {
            /* only the whole document (maybe without trailing whitespace) parses */
            assert_true(cut >= len - 1);
            assert_non_null(r.run_id);
        } else {
            assert_int_equal(rc, AIDF_EINVAL);
            assert_true(err.msg[0] != '\0');
            assert_null(r.run_id);
        }
        aidf_report_release(&r);
        free(p);
    }
    free(text);
}

/* Overwrite each byte of a valid report with a few hostile ones: fail or succeed, cleanly. */
static void test_byte_mutations(void **state)
{
    (void)state;
    static const char subst[] = {'"', '{', '[', '}', '1', '-', '\\', '\0', (char)0x80};
    size_t len;
    char *text = tu_read_data("reports/valid/unknown-fields.json", &len);
    char *p = aidf_xmalloc(len);
    struct aidf_report r;
    aidf_report_init(&r);
    size_t ok = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof(subst); k++) {
            struct aidf_error err = {0};
            memcpy(p, text, len);
            p[i] = subst[k];
            int rc = aidf_report_parse(p, len, &r, &err);
            if (rc == AIDF_OK) {
                ok++;
                char *out = aidf_report_dumps(&r, false, NULL);
                assert_non_null(out);
                free(out);
            } else {
                assert_int_equal(rc, AIDF_EINVAL);
                assert_true(err.msg[0] != '\0');
            }
            aidf_report_release(&r);
        }
    }
    assert_true(ok > 0);
    free(p);
    free(text);
}

static void test_non_utf8_and_nul(void **state)
{
    (void)state;
    expect_fail(MIN_HEAD ",\"taskGoal\":\"caf\xe9\"}", "unable to decode byte 0xe9");
    expect_fail(MIN_HEAD ",\"\xc3\x28\":1}", "unable to decode byte");
    expect_fail(MIN_HEAD ",\"files\":{\"created\":[\"\xed\xa0\x80\"]}}", "line 1");
    expect_fail(MIN_HEAD ",\"taskGoal\":\"a\\u0000b\"}", "\\u0000 is not allowed");
    expect_fail(MIN_HEAD ",\"a\\u0000b\":1}", "NUL byte in object key");
    expect_fail("\xef\xbb\xbf" MIN_HEAD "}", "line 1");

    /* raw NUL bytes, inside a string and after the document */
    struct aidf_report r;
    struct aidf_error err = {0};
    aidf_report_init(&r);
    static const char raw1[] = MIN_HEAD ",\"cwd\":\"a\0b\"}";
    assert_int_equal(aidf_report_parse(raw1, sizeof(raw1) - 1, &r, &err), AIDF_EINVAL);
    static const char raw2[] = MIN_HEAD "}\0";
    assert_int_equal(aidf_report_parse(raw2, sizeof(raw2) - 1, &r, &err), AIDF_EINVAL);

    /* a string with an embedded NUL from a tree built in code is refused */
    json_t *root = json_loads(MIN_HEAD "}", 0, NULL);
    json_object_set_new(root, "cwd", json_stringn("a\0b", 3));
    assert_int_equal(aidf_report_from_json(root, &r, &err), AIDF_EINVAL);
    assert_string_equal(err.msg, "cwd: string contains a NUL character");
    json_decref(root);
    aidf_report_release(&r);

    /* a NULL buffer of length 0 is an empty document */
    assert_int_equal(aidf_report_parse(NULL, 0, &r, &err), AIDF_EINVAL);
    assert_int_equal(err.line, 1);
}

/* ---- lifecycle and helpers ---- */

static void test_init_release(void **state)
{
    (void)state;
    struct aidf_report r;
    aidf_report_init(&r);
    assert_null(r.run_id);
    assert_true(r.schema_version == AIDF_UNSET);
    assert_true(r.iterations == AIDF_UNSET);
    assert_int_equal(r.status, AIDF_STATUS_UNKNOWN);
    assert_false(r.tokens.present);
    assert_int_equal(r.tokens.estimated, -1);
    assert_false(aidf_isset(r.cost.estimated_total));
    assert_false(aidf_isset(r.cost.rates.cache_read_per_1m));
    assert_int_equal(r.cost.unpriced, -1);
    assert_int_equal(r.environment.ci, -1);
    assert_null(r.extra);
    aidf_report_release(&r);
    aidf_report_release(&r);
    aidf_report_release(NULL);

    size_t len;
    char *text = tu_read_data("reports/valid/completed-claude-cli.json", &len);
    struct aidf_error err = {0};
    assert_int_equal(aidf_report_parse(text, len, &r, &err), AIDF_OK);
    /* parsing again into a filled report replaces it without leaking */
    assert_int_equal(aidf_report_parse(text, len, &r, &err), AIDF_OK);
    assert_int_equal(r.tokens.n_per_iteration, 3);
    assert_int_equal(r.tokens.per_iteration[2].cache_read, 18840);
    assert_true(r.cost.rates.cache_write_per_1m == 3.75);
    assert_int_equal(r.environment.ci, 1);
    assert_string_equal(r.environment.ci_provider, "github-actions");
    assert_int_equal(r.validation.runs[1].passed, 0);
    assert_int_equal(r.schema_version, 1);
    aidf_report_release(&r);
    assert_null(r.run_id);
    assert_int_equal(r.tokens.n_per_iteration, 0);
    assert_null(r.tokens.per_iteration);
    assert_false(r.tokens.present);
    aidf_report_release(&r);

    /* a failed parse into a filled report leaves it released */
    assert_int_equal(aidf_report_parse(text, len, &r, &err), AIDF_OK);
    assert_int_equal(
        parse_str(MIN_HEAD ",\"tokens\":{\"perIteration\":[{},{\"input\":-1}]}}", &r, &err),
        AIDF_EINVAL);
    assert_null(r.run_id);
    assert_false(r.timing.present);
    assert_null(r.tokens.per_iteration);
    aidf_report_release(&r);
    free(text);
}

static void test_num_map(void **state)
{
    (void)state;
    struct aidf_num_map m = {0};
    assert_true(isnan(aidf_num_map_get(&m, "x")));
    aidf_num_map_add(&m, "aiExecution", 10);
    aidf_num_map_add(&m, "validation", 2.5);
    aidf_num_map_add(&m, "aiExecution", 5);
    assert_int_equal(m.n, 2);
    assert_true(aidf_num_map_get(&m, "aiExecution") == 15);
    aidf_num_map_set(&m, "validation", 1);
    aidf_num_map_set(&m, "other", 0);
    assert_true(aidf_num_map_get(&m, "validation") == 1);
    assert_true(aidf_num_map_get(&m, "other") == 0);
    assert_string_equal(m.items[0].name, "aiExecution");
    assert_string_equal(m.items[1].name, "validation");
    assert_string_equal(m.items[2].name, "other");
    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", i);
        aidf_num_map_add(&m, k, i);
    }
    assert_int_equal(m.n, 103);
    assert_true(aidf_num_map_get(&m, "k99") == 99);
    aidf_num_map_release(&m);
    assert_int_equal(m.n, 0);
    assert_null(m.items);
    aidf_num_map_release(&m);
    aidf_num_map_release(NULL);
}

static void test_strlist(void **state)
{
    (void)state;
    struct aidf_strlist l = {0};
    assert_false(aidf_strlist_has(&l, "a"));
    char buf[8] = "src/a.c";
    aidf_strlist_add(&l, buf);
    buf[4] = 'b'; /* the list holds a copy */
    aidf_strlist_add(&l, buf);
    aidf_strlist_add(&l, "src/a.c");
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[0], "src/a.c");
    assert_string_equal(l.items[1], "src/b.c");
    assert_true(aidf_strlist_has(&l, "src/b.c"));
    assert_false(aidf_strlist_has(&l, "src/c.c"));
    assert_false(aidf_strlist_has(&l, NULL));
    aidf_strlist_release(&l);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
    aidf_strlist_release(&l);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(aidf_status_name(AIDF_STATUS_COMPLETED), "completed");
    assert_string_equal(aidf_status_name(AIDF_STATUS_BLOCKED), "blocked");
    assert_string_equal(aidf_status_name(AIDF_STATUS_FAILED), "failed");
    assert_string_equal(aidf_status_name(AIDF_STATUS_UNKNOWN), "unknown");
    assert_string_equal(aidf_status_name((enum aidf_status)42), "unknown");
    assert_int_equal(aidf_status_parse("completed"), AIDF_STATUS_COMPLETED);
    assert_int_equal(aidf_status_parse("blocked"), AIDF_STATUS_BLOCKED);
    assert_int_equal(aidf_status_parse("failed"), AIDF_STATUS_FAILED);
    assert_int_equal(aidf_status_parse("running"), AIDF_STATUS_UNKNOWN);
    assert_int_equal(aidf_status_parse("Completed"), AIDF_STATUS_UNKNOWN);
    assert_int_equal(aidf_status_parse(NULL), AIDF_STATUS_UNKNOWN);

    static const char *const keys[] = {"contextLoading", "aiExecution",   "scopeChecking",
                                       "validation",     "gitOperations", "other"};
    static const char *const labels[] = {"Context loading", "AI execution",   "Scope checking",
                                         "Validation",      "Git operations", "Other"};
    for (int p = 0; p < AIDF_PHASE_COUNT; p++) {
        assert_string_equal(aidf_phase_key((enum aidf_phase)p), keys[p]);
        assert_string_equal(aidf_phase_label((enum aidf_phase)p), labels[p]);
        assert_int_equal(aidf_phase_from_key(keys[p]), p);
    }
    assert_int_equal(aidf_phase_from_key("promptBuilding"), -1);
    assert_int_equal(aidf_phase_from_key(NULL), -1);
}

static void test_run_id_valid(void **state)
{
    (void)state;
    assert_true(aidf_run_id_valid(ID));
    assert_true(aidf_run_id_valid("ABCDEF01-2345-6789-ABCD-EF0123456789"));
    assert_true(aidf_run_id_valid("00000000-0000-0000-0000-000000000000"));
    assert_false(aidf_run_id_valid(NULL));
    assert_false(aidf_run_id_valid(""));
    assert_false(aidf_run_id_valid("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b"));
    assert_false(aidf_run_id_valid("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b90"));
    assert_false(aidf_run_id_valid("5e6f7a8b9c0d-4e1f-a2b3-c4d5e6f7a8b9-"));
    assert_false(aidf_run_id_valid("5e6f7a8g-9c0d-4e1f-a2b3-c4d5e6f7a8b9"));
    assert_false(aidf_run_id_valid("../../../etc/passwd-aaaa-bbbb-cccc-dd"));
    assert_false(aidf_run_id_valid("%2e%2e%2f5e6f-9c0d-4e1f-a2b3-c4d5e6f7a8b9"));
    assert_false(aidf_run_id_valid("5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b\n"));
    assert_false(aidf_run_id_valid(" 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b"));
}

/* ---- speed ---- */

#if defined(__SANITIZE_ADDRESS__)
#define SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW_BUILD 1
#endif
#endif
#ifndef SLOW_BUILD
#ifdef NDEBUG
#define SLOW_BUILD 0
#else
#define SLOW_BUILD 1
#endif
#endif

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void test_decode_speed(void **state)
{
    (void)state;
    size_t len;
    char *text = tu_read_data("reports/valid/completed-claude-cli.json", &len);
    json_t *root = json_loadb(text, len, 0, NULL);
    assert_non_null(root);
    struct aidf_report r;
    aidf_report_init(&r);
    int n = SLOW_BUILD ? 200 : 5000;
    double t0 = now_us();
    for (int i = 0; i < n; i++) {
        assert_int_equal(aidf_report_from_json(root, &r, NULL), AIDF_OK);
        aidf_report_release(&r);
    }
    double per = (now_us() - t0) / n;
    print_message("decode of a %zu-byte report beyond jansson's parse: %.2f us\n", len, per);
    /* Printed for information only: timing belongs in bench/, not in a test's verdict. */
    json_decref(root);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_fixtures_round_trip),
        cmocka_unit_test(test_invalid_fixtures),
        cmocka_unit_test(test_error_messages),
        cmocka_unit_test(test_wrong_types_each_block),
        cmocka_unit_test(test_accepted_variants),
        cmocka_unit_test(test_encode_fields),
        cmocka_unit_test(test_unknown_fields_survive),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_number_bounds),
        cmocka_unit_test(test_value_limit),
        cmocka_unit_test(test_json_scan),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_duplicate_and_many_keys),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_byte_mutations),
        cmocka_unit_test(test_non_utf8_and_nul),
        cmocka_unit_test(test_init_release),
        cmocka_unit_test(test_num_map),
        cmocka_unit_test(test_strlist),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_run_id_valid),
        cmocka_unit_test(test_decode_speed),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
