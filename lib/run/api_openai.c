/*
 * The OpenAI Chat Completions dialect (POST {OPENAI_BASE_URL}/chat/completions, default
 * https://api.openai.com/v1; Authorization: Bearer): a system message, tools as
 * functions, tool_calls with JSON-string arguments answered by one `tool` message each,
 * and usage mapped so: prompt_tokens INCLUDES
 * prompt_tokens_details.cached_tokens, so the uncached input is the difference (never
 * counted twice); reasoning_tokens are part of completion_tokens and reported beside it.
 */
#include "aidf/api_dialect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/xalloc.h"

static void headers(const char *key, struct aidf_strlist *out)
{
    char line[1024];
    snprintf(line, sizeof(line), "Authorization: Bearer %s", key);
    aidf_strlist_add(out, line);
    aidf_strlist_add(out, "Content-Type: application/json");
}

static json_t *request(const char *model, int64_t max_tokens, const char *system, json_t *tools,
                       json_t *messages)
{
    json_t *b = json_object();
    json_object_set_new(b, "model", json_string(model));
    /* max_completion_tokens: every current model takes it (reasoning models refuse the
     * older max_tokens). */
    json_object_set_new(b, "max_completion_tokens", json_integer(max_tokens));
    json_t *msgs = json_array();
    if (system && *system) {
        json_t *s = json_object();
        json_object_set_new(s, "role", json_string("system"));
        json_object_set_new(s, "content", json_string(system));
        json_array_append_new(msgs, s);
    }
    json_array_extend(msgs, messages);
    json_object_set_new(b, "messages", msgs);
    if (tools)
        json_object_set(b, "tools", tools);
    return b;
}

static bool parse(const json_t *body, struct aidf_api_turn *t, char *why, size_t whylen)
{
    json_t *choice = json_array_get(json_object_get(body, "choices"), 0);
    json_t *msg = json_object_get(choice, "message");
    if (!json_is_object(msg)) {
        snprintf(why, whylen, "malformed response: no choices[0].message");
        return false;
    }
    const char *content = json_string_value(json_object_get(msg, "content"));
    t->text = aidf_xstrdup(content ? content : "");
    json_t *calls = json_object_get(msg, "tool_calls");
    size_t i;
    json_t *c;
    json_array_foreach(calls, i, c)
    {
        const char *id = json_string_value(json_object_get(c, "id"));
        json_t *fn = json_object_get(c, "function");
        const char *name = json_string_value(json_object_get(fn, "name"));
        const char *args = json_string_value(json_object_get(fn, "arguments"));
        if (!id || !name) {
            snprintf(why, whylen, "malformed response: tool call without id or name");
            return false;
        }
        aidf_api_turn_add_call(t, id, name, NULL, args ? args : "");
    }
    const char *fin = json_string_value(json_object_get(choice, "finish_reason"));
    t->stop = fin ? aidf_xstrdup(fin) : NULL;
    t->truncated = fin && strcmp(fin, "length") == 0;

    json_t *u = json_object_get(body, "usage");
    int64_t prompt = aidf_api_count(u, "prompt_tokens");
    int64_t cached = aidf_api_count(json_object_get(u, "prompt_tokens_details"), "cached_tokens");
    int64_t cwrite =
        aidf_api_count(json_object_get(u, "prompt_tokens_details"), "cache_write_tokens");
    t->cache_read = cached;
    t->cache_write = cwrite;
    if (prompt != AIDF_UNSET) {
        int64_t sub = (cached == AIDF_UNSET ? 0 : cached) + (cwrite == AIDF_UNSET ? 0 : cwrite);
        t->input = prompt > sub ? prompt - sub : 0;
    } else {
        t->input = AIDF_UNSET;
    }
    t->output = aidf_api_count(u, "completion_tokens");
    t->reasoning =
        aidf_api_count(json_object_get(u, "completion_tokens_details"), "reasoning_tokens");

    /* Keep the assistant message as it came, minus fields only responses carry. */
    t->assistant = json_object();
    json_object_set_new(t->assistant, "role", json_string("assistant"));
    json_object_set(t->assistant, "content",
                    content ? json_object_get(msg, "content") : json_null());
    if (json_array_size(calls))
        json_object_set(t->assistant, "tool_calls", calls);
    return true;
}

static void add_user(json_t *messages, const char *text)
{
    json_t *m = json_object();
    json_object_set_new(m, "role", json_string("user"));
    json_object_set_new(m, "content", json_string(text));
    json_array_append_new(messages, m);
}

static void add_results(json_t *messages, const struct aidf_api_result *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *m = json_object();
        json_object_set_new(m, "role", json_string("tool"));
        json_object_set_new(m, "tool_call_id", json_string(r[i].call_id));
        json_object_set_new(m, "content", json_string(r[i].text));
        json_array_append_new(messages, m);
    }
}

const struct aidf_api_dialect aidf_api_openai = {
    .type = "openai-api",
    .key_env = "OPENAI_API_KEY",
    .base_env = "OPENAI_BASE_URL",
    .default_base = "https://api.openai.com/v1",
    .path = "/chat/completions",
    .default_model = "gpt-4.1",
    .headers = headers,
    .request = request,
    .parse = parse,
    .add_user = add_user,
    .add_results = add_results,
    .tools = aidf_tools_openai,
    .error_message = aidf_api_error_message,
};
