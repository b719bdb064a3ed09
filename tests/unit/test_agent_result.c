#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidf/agent_result.h"
#include "aidf/err.h"
#include "aidf/xalloc.h"
#include "testutil.h"

enum fmt { CLAUDE_JSON, CURSOR_JSON };

static int parse(enum fmt f, const char *text, size_t len, struct aidf_agent_result *r,
                 struct aidf_error *err)
{
    switch (f) {
    case CLAUDE_JSON:
        return aidf_agent_parse_claude_json(text, len, r, err);
    case CURSOR_JSON:
        return aidf_agent_parse_cursor_json(text, len, r, err);
    }
    return AIDF_EINTERNAL;
}

/* Parse tests/data/claude/<name>; returns the rc. */
static int parse_file(enum fmt f, const char *name, struct aidf_agent_result *r,
                      struct aidf_error *err)
{
    char rel[256];
    size_t len = 0;
    snprintf(rel, sizeof(rel), "claude/%s", name);
    char *text = tu_read_data(rel, &len);
    int rc = parse(f, text, len, r, err);
    free(text);
    return rc;
}

static void test_fixture_json(void **state)
{
    (void)state;
    struct aidf_agent_result r;
    struct aidf_error err = {0};
    assert_int_equal(parse_file(CLAUDE_JSON, "result-json-two-turns.json", &r, &err), AIDF_OK);
    assert_int_equal(r.kind, AIDF_AGENT_OK);
    assert_string_equal(r.subtype, "success");
    assert_false(r.is_error);
    assert_string_equal(r.result_text, "Wrote src/hello.c.\n<TASK_COMPLETE>");
    assert_string_equal(r.session_id, "6f513726-25d8-4bfa-8d22-60464c250d5c");
    assert_int_equal(r.num_turns, 2);
    assert_int_equal(r.duration_ms, 354);
    assert_int_equal(r.duration_api_ms, 89);
    assert_true(r.api_error_status == AIDF_UNSET); /* null */
    assert_int_equal(r.input_tokens, 1534);
    assert_int_equal(r.output_tokens, 76);
    assert_int_equal(r.cache_read, 1500);
    assert_int_equal(r.cache_write, 100);
    assert_true(fabs(r.cost_usd - 0.008456000000000002) < 1e-15);
    assert_string_equal(r.model, "claude-opus-5-5");
    assert_int_equal(r.errors.n, 0);
    aidf_agent_result_release(&r);
    assert_null(r.subtype);
    assert_int_equal(r.kind, AIDF_AGENT_NO_RESULT);
    aidf_agent_result_release(&r); /* twice is fine */
    aidf_agent_result_release(NULL);
}

struct kind_case {
    const char *file;
    enum aidf_agent_kind kind;
    bool is_error;
};

static void test_error_kinds(void **state)
{
    (void)state;
    static const struct kind_case cases[] = {
        {"error-max-turns-is-error-true.json", AIDF_AGENT_ERROR_MAX_TURNS, true},
        {"error-max-turns-is-error-false.json", AIDF_AGENT_ERROR_MAX_TURNS, false},
        {"error-during-execution.json", AIDF_AGENT_ERROR_DURING_EXECUTION, true},
        {"error-max-budget.json", AIDF_AGENT_ERROR_MAX_BUDGET, true},
        {"error-structured-retries.json", AIDF_AGENT_ERROR_OTHER, true},
        {"api-error-529.json", AIDF_AGENT_API_ERROR, true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct aidf_agent_result r;
        assert_int_equal(parse_file(CLAUDE_JSON, cases[i].file, &r, NULL), AIDF_OK);
        assert_int_equal(r.kind, cases[i].kind);
        assert_int_equal(r.is_error, cases[i].is_error);
        assert_non_null(r.session_id);
        aidf_agent_result_release(&r);
    }
}

static void test_error_details(void **state)
{
    (void)state;
    struct aidf_agent_result r;
    assert_int_equal(parse_file(CLAUDE_JSON, "error-during-execution.json", &r, NULL), AIDF_OK);
    assert_null(r.result_text);
    assert_int_equal(r.errors.n, 2);
    assert_string_equal(r.errors.items[0], "Tool execution aborted");
    assert_int_equal(r.input_tokens, 1534); /* usage still reported */
    aidf_agent_result_release(&r);

    assert_int_equal(parse_file(CLAUDE_JSON, "error-max-turns-is-error-true.json", &r, NULL),
                     AIDF_OK);
    assert_int_equal(r.errors.n, 0);
    assert_int_equal(r.num_turns, 3);
    assert_null(r.result_text);
    aidf_agent_result_release(&r);

    assert_int_equal(parse_file(CLAUDE_JSON, "api-error-529.json", &r, NULL), AIDF_OK);
    assert_int_equal(r.api_error_status, 529);
    assert_non_null(strstr(r.result_text, "overloaded_error"));
    assert_true(r.cost_usd == 0.0);
    assert_int_equal(r.input_tokens, 0);
    assert_null(r.model); /* empty modelUsage */
    aidf_agent_result_release(&r);
}

static void test_no_result_json(void **state)
{
    (void)state;
    static const char *const files[] = {"truncated.json",
                                        "empty.json",
                                        "whitespace-only.json",
                                        "not-a-result.json",
                                        "trailing-garbage.json",
                                        "as-root-skip-permissions.stdout",
                                        "as-root-skip-permissions.stderr"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct aidf_agent_result r;
        struct aidf_error err = {0};
        assert_int_equal(parse_file(CLAUDE_JSON, files[i], &r, &err), AIDF_EINVAL);
        assert_int_equal(r.kind, AIDF_AGENT_NO_RESULT);
        assert_int_equal(err.code, AIDF_EINVAL);
        assert_true(strlen(err.msg) > 0);
        assert_null(r.session_id);
        assert_true(r.input_tokens == AIDF_UNSET);
        assert_true(isnan(r.cost_usd));
        aidf_agent_result_release(&r);
    }
    struct aidf_agent_result r;
    assert_int_equal(aidf_agent_parse_claude_json(NULL, 0, &r, NULL), AIDF_EINVAL);
    assert_int_equal(r.kind, AIDF_AGENT_NO_RESULT);
    aidf_agent_result_release(&r);
}

static void test_warning_lines_before(void **state)
{
    (void)state;
    struct aidf_agent_result r;
    assert_int_equal(parse_file(CLAUDE_JSON, "warning-before-result.json", &r, NULL), AIDF_OK);
    assert_int_equal(r.kind, AIDF_AGENT_OK);
    assert_int_equal(r.input_tokens, 1534);
    aidf_agent_result_release(&r);

    /* A pretty-printed object after a warning also works. */
    static const char pretty[] = "warning: x\n{\n  \"type\": \"result\",\n  \"subtype\": "
                                 "\"success\",\n  \"list\": [\n    {\"a\": 1}\n  ],\n"
                                 "  \"num_turns\": 4\n}\n";
    assert_int_equal(aidf_agent_parse_claude_json(pretty, strlen(pretty), &r, NULL), AIDF_OK);
    assert_int_equal(r.num_turns, 4);
    assert_int_equal(r.kind, AIDF_AGENT_OK);
    assert_true(r.input_tokens == AIDF_UNSET);
    aidf_agent_result_release(&r);
}

static void test_cursor(void **state)
{
    (void)state;
    struct aidf_agent_result r;
    assert_int_equal(parse_file(CURSOR_JSON, "cursor-with-usage.json", &r, NULL), AIDF_OK);
    assert_int_equal(r.kind, AIDF_AGENT_OK);
    assert_int_equal(r.input_tokens, 12000);
    assert_int_equal(r.output_tokens, 340);
    assert_int_equal(r.cache_read, 8000);
    assert_int_equal(r.cache_write, 1200);
    assert_true(isnan(r.cost_usd));
    assert_null(r.model);
    assert_int_equal(r.duration_ms, 5234);
    assert_string_equal(r.session_id, "c6b62c6f-7ead-4fd6-9922-e952131177ff");
    aidf_agent_result_release(&r);

    assert_int_equal(parse_file(CURSOR_JSON, "cursor-without-usage.json", &r, NULL), AIDF_OK);
    assert_int_equal(r.kind, AIDF_AGENT_OK);
    assert_true(r.input_tokens == AIDF_UNSET);
    assert_true(r.output_tokens == AIDF_UNSET);
    assert_true(r.cache_read == AIDF_UNSET);
    assert_true(r.cache_write == AIDF_UNSET);
    assert_true(isnan(r.cost_usd));
    assert_string_equal(r.result_text, "Created src/hello.c\n<TASK_COMPLETE>");
    aidf_agent_result_release(&r);

    /* Cursor prints text on stderr and no JSON on failure. */
    static const char fail[] = "Error: not logged in\n";
    assert_int_equal(aidf_agent_parse_cursor_json(fail, strlen(fail), &r, NULL), AIDF_EINVAL);
    assert_int_equal(r.kind, AIDF_AGENT_NO_RESULT);
    aidf_agent_result_release(&r);
}

static void test_wrong_types(void **state)
{
    (void)state;
    static const char s[] =
        "{\"type\":\"result\",\"subtype\":7,\"is_error\":\"yes\",\"num_turns\":-3,"
        "\"duration_ms\":1.5,\"duration_api_ms\":12.0,\"session_id\":[],"
        "\"total_cost_usd\":-1,\"usage\":{\"input_tokens\":\"9\","
        "\"output_tokens\":1e30},\"modelUsage\":[],\"errors\":[1,\"e\",null],"
        "\"api_error_status\":\"529\"}";
    struct aidf_agent_result r;
    assert_int_equal(aidf_agent_parse_claude_json(s, strlen(s), &r, NULL), AIDF_OK);
    assert_int_equal(r.kind, AIDF_AGENT_OK); /* no subtype, is_error not true */
    assert_null(r.subtype);
    assert_false(r.is_error);
    assert_true(r.num_turns == AIDF_UNSET);
    assert_true(r.duration_ms == AIDF_UNSET);
    assert_int_equal(r.duration_api_ms, 12);
    assert_null(r.session_id);
    assert_true(isnan(r.cost_usd));
    assert_true(r.input_tokens == AIDF_UNSET);
    assert_true(r.output_tokens == AIDF_UNSET);
    assert_true(r.api_error_status == AIDF_UNSET);
    assert_null(r.model);
    assert_int_equal(r.errors.n, 1);
    aidf_agent_result_release(&r);

    static const char s2[] = "{\"type\":\"result\",\"is_error\":true}";
    assert_int_equal(aidf_agent_parse_claude_json(s2, strlen(s2), &r, NULL), AIDF_OK);
    assert_int_equal(r.kind, AIDF_AGENT_ERROR_OTHER);
    aidf_agent_result_release(&r);
}

static void test_signals(void **state)
{
    (void)state;
    bool complete;
    char *reason;

    assert_true(aidf_agent_signals("Wrote it.\n<TASK_COMPLETE>", &complete, &reason));
    assert_true(complete);
    assert_null(reason);

    assert_false(aidf_agent_signals("nothing here <TASK_COMPLETE", &complete, &reason));
    assert_false(complete);
    assert_null(reason);

    assert_false(aidf_agent_signals(NULL, &complete, &reason));
    assert_false(aidf_agent_signals("", &complete, NULL));

    static const char *const others[] = {"x <DONE> y", "## Task Complete\n",
                                         "\xE2\x9C\x85 All done!",
                                         "Definition of Done: All criteria met."};
    for (size_t i = 0; i < 4; i++) {
        assert_true(aidf_agent_signals(others[i], &complete, NULL));
        assert_true(complete);
    }

    assert_true(
        aidf_agent_signals("I cannot go on.\n<BLOCKED:  need the API key \n>", &complete, &reason));
    assert_false(complete);
    assert_string_equal(reason, "need the API key");
    free(reason);

    assert_true(aidf_agent_signals("<BLOCKED>", &complete, &reason));
    assert_string_equal(reason, "");
    free(reason);

    /* No closing '>': the reason ends at the end of the line. */
    assert_true(aidf_agent_signals("<BLOCKED: missing spec\nmore text", &complete, &reason));
    assert_string_equal(reason, "missing spec");
    free(reason);

    /* "<BLOCKEDX" is not a signal; the later real one is. Both signals can be present. */
    assert_true(aidf_agent_signals("<BLOCKEDX> <TASK_COMPLETE> <BLOCKED: a>b", &complete, &reason));
    assert_true(complete);
    assert_string_equal(reason, "a");
    free(reason);

    /* A very long reason is cut, not cut inside a UTF-8 sequence. */
    size_t n = 3 * AIDF_AGENT_MAX_REASON;
    char *big = aidf_xmalloc(n + 32);
    memcpy(big, "<BLOCKED: ", 10);
    for (size_t i = 0; i < n; i += 2)
        memcpy(big + 10 + i, "\xC3\xA9", 2);
    memcpy(big + 10 + n, ">", 2);
    assert_true(aidf_agent_signals(big, &complete, &reason));
    assert_true(strlen(reason) <= AIDF_AGENT_MAX_REASON);
    assert_true(strlen(reason) % 2 == 0);
    free(reason);
    free(big);
}

/* Hostile inputs: each must finish quickly and without leaks or crashes. */
static void test_hostile(void **state)
{
    (void)state;
    struct aidf_agent_result r;
    struct aidf_error err = {0};
    clock_t t0 = clock();

    /* Over the size limit: refused before anything is read. */
    assert_int_equal(aidf_agent_parse_claude_json("x", AIDF_AGENT_MAX_INPUT + 1, &r, &err),
                     AIDF_ETOOBIG);
    assert_int_equal(r.kind, AIDF_AGENT_NO_RESULT);
    assert_int_equal(aidf_agent_parse_cursor_json("x", AIDF_AGENT_MAX_INPUT + 1, &r, &err),
                     AIDF_ETOOBIG);

    /* A 16 MiB result string. */
    size_t big = 16u << 20;
    char *s = aidf_xmalloc(big + 128);
    size_t k =
        (size_t)snprintf(s, 128, "{\"type\":\"result\",\"subtype\":\"success\",\"result\":\"");
    memset(s + k, 'a', big);
    memcpy(s + k + big, "\"}", 3);
    assert_int_equal(aidf_agent_parse_claude_json(s, k + big + 2, &r, NULL), AIDF_OK);
    assert_int_equal(strlen(r.result_text), big);
    aidf_agent_result_release(&r);
    free(s);

    /* 100k-deep nesting: jansson's depth cap refuses it. */
    size_t depth = 100000;
    s = aidf_xmalloc(2 * depth + 64);
    k = (size_t)snprintf(s, 64, "{\"type\":\"result\",\"x\":");
    memset(s + k, '[', depth);
    memset(s + k + depth, ']', depth);
    memcpy(s + k + 2 * depth, "}", 2);
    assert_int_equal(aidf_agent_parse_claude_json(s, k + 2 * depth + 1, &r, &err), AIDF_EINVAL);
    assert_int_equal(r.kind, AIDF_AGENT_NO_RESULT);
    aidf_agent_result_release(&r);
    free(s);

    /* Non-UTF-8 and embedded NUL bytes. */
    static const char bad[] =
        "{\"type\":\"result\",\"result\":\"\xff\xfe\"}\n\0{\"type\":\"result\"}";
    assert_int_equal(aidf_agent_parse_claude_json(bad, sizeof(bad) - 1, &r, NULL), AIDF_EINVAL);
    aidf_agent_result_release(&r);

    /* 10k lines of "{" garbage. */
    size_t lines = 10000, cap = lines * 200 + 4096, len = 0;
    s = aidf_xmalloc(cap);
    for (size_t i = 0; i < lines; i++)
        len += (size_t)snprintf(s + len, cap - len, "{\"a\":[1,2,3,{\"b\":\n");
    assert_int_equal(aidf_agent_parse_claude_json(s, len, &r, NULL), AIDF_EINVAL);
    aidf_agent_result_release(&r);
    free(s);

    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 60.0);
}

int main(void)
{
    aidf_xalloc_init_jansson();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_json),
        cmocka_unit_test(test_error_kinds),
        cmocka_unit_test(test_error_details),
        cmocka_unit_test(test_no_result_json),
        cmocka_unit_test(test_warning_lines_before),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_signals),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests_name("agent_result", tests, NULL, NULL);
}
