/*
 * The API providers' wire dialects (lib/run/api_anthropic.c, lib/run/api_openai.c) and the
 * conversation window (lib/run/api_turn.c): request bodies, answers with text and tool calls,
 * usage mapping (OpenAI's cached tokens are inside prompt_tokens), tool results in one
 * user turn (Anthropic) or one tool message per call (OpenAI), alternation kept when a
 * prompt follows tool results, malformed answers, and trimming that never separates a
 * tool call from its result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aidf/xalloc.h"
#include "aidf/api_dialect.h"

static json_t *parse_json(const char *s)
{
    json_error_t e;
    json_t *v = json_loads(s, 0, &e);
    assert_non_null(v);
    return v;
}

static void test_anthropic_request(void **state)
{
    (void)state;
    json_t *msgs = json_array();
    aidf_api_anthropic.add_user(msgs, "do it");
    json_t *tools = aidf_api_anthropic.tools();
    json_t *b = aidf_api_anthropic.request("claude-sonnet-4-5", 8192, "sys", tools, msgs);
    assert_string_equal(json_string_value(json_object_get(b, "model")), "claude-sonnet-4-5");
    assert_int_equal(json_integer_value(json_object_get(b, "max_tokens")), 8192);
    assert_string_equal(json_string_value(json_object_get(b, "system")), "sys");
    assert_int_equal(json_array_size(json_object_get(b, "tools")), 6);
    json_t *m0 = json_array_get(json_object_get(b, "messages"), 0);
    assert_string_equal(json_string_value(json_object_get(m0, "role")), "user");
    assert_string_equal(json_string_value(json_object_get(m0, "content")), "do it");
    struct aidf_strlist h = {0};
    aidf_api_anthropic.headers("sk-test", &h);
    assert_true(aidf_strlist_has(&h, "x-api-key: sk-test"));
    assert_true(aidf_strlist_has(&h, "anthropic-version: 2023-06-01"));
    aidf_strlist_release(&h);
    json_decref(b);
    json_decref(tools);
    json_decref(msgs);
}

static void test_anthropic_answer_and_results(void **state)
{
    (void)state;
    json_t *body =
        parse_json("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"m\","
                   "\"content\":[{\"type\":\"text\",\"text\":\"Writing.\"},"
                   "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"write_file\","
                   "\"input\":{\"path\":\"a.c\",\"content\":\"x\"}},"
                   "{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"task_complete\","
                   "\"input\":{\"summary\":\"ok\"}}],"
                   "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
                   "\"usage\":{\"input_tokens\":100,\"cache_creation_input_tokens\":20,"
                   "\"cache_read_input_tokens\":300,\"output_tokens\":40}}");
    struct aidf_api_turn t = {0};
    char why[128];
    assert_true(aidf_api_anthropic.parse(body, &t, why, sizeof(why)));
    assert_string_equal(t.text, "Writing.");
    assert_int_equal(t.n_calls, 2);
    assert_string_equal(t.calls[0].id, "toolu_1");
    assert_string_equal(t.calls[0].name, "write_file");
    assert_string_equal(json_string_value(json_object_get(t.calls[0].input, "path")), "a.c");
    assert_false(t.truncated);
    assert_int_equal(t.input, 100);
    assert_int_equal(t.cache_write, 20);
    assert_int_equal(t.cache_read, 300);
    assert_int_equal(t.output, 40);
    assert_int_equal(t.reasoning, AIDF_UNSET);

    /* One assistant message, then ONE user message with both results. */
    json_t *msgs = json_array();
    aidf_api_anthropic.add_user(msgs, "task");
    json_array_append(msgs, t.assistant);
    struct aidf_api_result r[2] = {{"toolu_1", "File written: a.c", false},
                                   {"toolu_2", "Task completed: ok", false}};
    aidf_api_anthropic.add_results(msgs, r, 2);
    assert_int_equal(json_array_size(msgs), 3);
    json_t *u = json_array_get(msgs, 2);
    assert_string_equal(json_string_value(json_object_get(u, "role")), "user");
    json_t *c = json_object_get(u, "content");
    assert_int_equal(json_array_size(c), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 1), "tool_use_id")),
                        "toolu_2");
    /* A prompt after tool results joins that user turn (strict alternation). */
    aidf_api_anthropic.add_user(msgs, "continue");
    assert_int_equal(json_array_size(msgs), 3);
    assert_int_equal(json_array_size(c), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(c, 2), "type")), "text");
    json_decref(msgs);
    aidf_api_turn_release(&t);
    json_decref(body);
}

static void test_anthropic_malformed(void **state)
{
    (void)state;
    struct aidf_api_turn t = {0};
    char why[128];
    json_t *b = parse_json("{\"type\":\"message\"}");
    assert_false(aidf_api_anthropic.parse(b, &t, why, sizeof(why)));
    assert_non_null(strstr(why, "content"));
    aidf_api_turn_release(&t);
    json_decref(b);
    b = parse_json("{\"content\":[{\"type\":\"tool_use\",\"input\":{}}]}");
    assert_false(aidf_api_anthropic.parse(b, &t, why, sizeof(why)));
    aidf_api_turn_release(&t);
    json_decref(b);
    /* A non-object input is a bad call, not a crash. */
    b = parse_json("{\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"read_file\","
                   "\"input\":[1]}],\"stop_reason\":\"max_tokens\"}");
    assert_true(aidf_api_anthropic.parse(b, &t, why, sizeof(why)));
    assert_true(t.truncated);
    assert_null(t.calls[0].input);
    assert_non_null(t.calls[0].bad_input);
    aidf_api_turn_release(&t);
    json_decref(b);
    b = parse_json("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
                   "\"message\":\"invalid x-api-key\"}}");
    assert_string_equal(aidf_api_anthropic.error_message(b), "invalid x-api-key");
    json_decref(b);
}

static void test_openai_usage_not_double_counted(void **state)
{
    (void)state;
    json_t *body = parse_json(
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
        "\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
        "{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"read_file\","
        "\"arguments\":\"{\\\"path\\\":\\\"a.c\\\"}\"}},"
        "{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"write_file\","
        "\"arguments\":\"{not json\"}}]},\"finish_reason\":\"tool_calls\"}],"
        "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":300,\"total_tokens\":1300,"
        "\"prompt_tokens_details\":{\"cached_tokens\":600},"
        "\"completion_tokens_details\":{\"reasoning_tokens\":120}}}");
    struct aidf_api_turn t = {0};
    char why[128];
    assert_true(aidf_api_openai.parse(body, &t, why, sizeof(why)));
    assert_string_equal(t.text, "");
    assert_int_equal(t.input, 400); /* 1000 - 600 cached: the uncached part */
    assert_int_equal(t.cache_read, 600);
    assert_int_equal(t.output, 300); /* reasoning is inside it, reported beside */
    assert_int_equal(t.reasoning, 120);
    assert_int_equal(t.n_calls, 2);
    assert_non_null(t.calls[0].input);
    assert_null(t.calls[1].input);
    assert_non_null(strstr(t.calls[1].bad_input, "Invalid tool call arguments"));

    json_t *msgs = json_array();
    aidf_api_openai.add_user(msgs, "task");
    json_array_append(msgs, t.assistant);
    struct aidf_api_result r[2] = {{"call_1", "x", false}, {"call_2", "bad", true}};
    aidf_api_openai.add_results(msgs, r, 2);
    assert_int_equal(json_array_size(msgs), 4); /* one tool message per call */
    json_t *m3 = json_array_get(msgs, 3);
    assert_string_equal(json_string_value(json_object_get(m3, "role")), "tool");
    assert_string_equal(json_string_value(json_object_get(m3, "tool_call_id")), "call_2");
    json_t *asst = json_array_get(msgs, 1);
    assert_int_equal(json_array_size(json_object_get(asst, "tool_calls")), 2);

    json_t *tools = aidf_api_openai.tools();
    json_t *b = aidf_api_openai.request("gpt-4.1", 8192, "sys", tools, msgs);
    json_t *bm = json_object_get(b, "messages");
    assert_string_equal(json_string_value(json_object_get(json_array_get(bm, 0), "role")),
                        "system");
    assert_int_equal(json_array_size(bm), 5);
    assert_int_equal(json_integer_value(json_object_get(b, "max_completion_tokens")), 8192);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(b, "tools"), 0), "type")),
        "function");
    struct aidf_strlist h = {0};
    aidf_api_openai.headers("sk-o", &h);
    assert_true(aidf_strlist_has(&h, "Authorization: Bearer sk-o"));
    aidf_strlist_release(&h);
    json_decref(b);
    json_decref(tools);
    json_decref(msgs);
    aidf_api_turn_release(&t);
    json_decref(body);

    /* length = truncated; no usage = unknown. */
    body = parse_json("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"abc\"},"
                      "\"finish_reason\":\"length\"}]}");
    assert_true(aidf_api_openai.parse(body, &t, why, sizeof(why)));
    assert_true(t.truncated);
    assert_int_equal(t.input, AIDF_UNSET);
    aidf_api_turn_release(&t);
    json_decref(body);
    body = parse_json("{\"choices\":[]}");
    assert_false(aidf_api_openai.parse(body, &t, why, sizeof(why)));
    aidf_api_turn_release(&t);
    json_decref(body);
}

/* messages: u0 a1 u2 a3 u4 a5 u6 ... alternating, user first. */
static json_t *conversation(size_t n)
{
    json_t *m = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "role", json_string(i % 2 ? "assistant" : "user"));
        json_object_set_new(e, "i", json_integer((json_int_t)i));
        json_array_append_new(m, e);
    }
    return m;
}

static void test_window(void **state)
{
    (void)state;
    json_t *m = conversation(10);
    assert_int_equal(aidf_api_window_trim(m, 10, 1), 0);
    assert_int_equal(aidf_api_window_trim(m, 0, 1), 0);
    /* Keep the first and the newest, the tail starting at an assistant message. */
    assert_int_equal(aidf_api_window_trim(m, 6, 1), 4);
    assert_int_equal(json_array_size(m), 6);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(m, 0), "i")), 0);
    json_t *second = json_array_get(m, 1);
    assert_string_equal(json_string_value(json_object_get(second, "role")), "assistant");
    assert_int_equal(json_integer_value(json_object_get(second, "i")), 5);
    /* Alternation survives. */
    for (size_t i = 0; i < json_array_size(m); i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(m, i), "role")),
                            i % 2 ? "assistant" : "user");
    json_decref(m);

    /* OpenAI-style tool messages: the tail never starts at a "tool" message. */
    m = json_array();
    const char *roles[] = {"user",      "assistant", "tool", "tool",
                           "assistant", "tool",      "user", "assistant"};
    for (size_t i = 0; i < 8; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "role", json_string(roles[i]));
        json_array_append_new(m, e);
    }
    assert_int_equal(aidf_api_window_trim(m, 5, 1), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 1), "role")),
                        "assistant");
    assert_string_equal(json_string_value(json_object_get(json_array_get(m, 2), "role")), "tool");
    json_decref(m);
}

int main(void)
{
    aidf_xalloc_init_jansson();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_anthropic_request),
        cmocka_unit_test(test_anthropic_answer_and_results),
        cmocka_unit_test(test_anthropic_malformed),
        cmocka_unit_test(test_openai_usage_not_double_counted),
        cmocka_unit_test(test_window),
    };
    return cmocka_run_group_tests_name("aidf_api_dialect", tests, NULL, NULL);
}
