/*
 * The Anthropic Messages API dialect (POST {ANTHROPIC_BASE_URL}/v1/messages; x-api-key,
 * anthropic-version): request bodies with a system prompt and tools, answers with text
 * and tool_use blocks, usage with cache tokens (input_tokens excludes them), and one user
 * message carrying every tool_result of a turn.
 */
#include "aidf/api_dialect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/xalloc.h"

#define ANTHROPIC_VERSION "2023-06-01"

static void headers(const char *key, struct aidf_strlist *out)
{
    char line[1024];
    snprintf(line, sizeof(line), "x-api-key: %s", key);
    aidf_strlist_add(out, line);
    aidf_strlist_add(out, "anthropic-version: " ANTHROPIC_VERSION);
    aidf_strlist_add(out, "content-type: application/json");
}

static json_t *request(const char *model, int64_t max_tokens, const char *system, json_t *tools,
                       json_t *messages)
{
    json_t *b = json_object();
    json_object_set_new(b, "model", json_string(model));
    json_object_set_new(b, "max_tokens", json_integer(max_tokens));
    if (system && *system)
        json_object_set_new(b, "system", json_string(system));
    if (tools)
        json_object_set(b, "tools", tools);
    json_object_set(b, "messages", messages);
    return b;
}

static bool parse(const json_t *body, struct aidf_api_turn *t, char *why, size_t whylen)
{
    json_t *content = json_object_get(body, "content");
    if (!json_is_object(body) || !json_is_array(content)) {
        snprintf(why, whylen, "malformed response: no content array");
        return false;
    }
    struct aidf_buf text = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    size_t i;
    json_t *block;
    json_array_foreach(content, i, block)
    {
        const char *type = json_string_value(json_object_get(block, "type"));
        if (!type)
            continue;
        if (strcmp(type, "text") == 0) {
            const char *s = json_string_value(json_object_get(block, "text"));
            if (s && *s) {
                if (text.len)
                    aidf_buf_addch(&text, '\n');
                aidf_buf_addstr(&text, s);
            }
        } else if (strcmp(type, "tool_use") == 0) {
            const char *id = json_string_value(json_object_get(block, "id"));
            const char *name = json_string_value(json_object_get(block, "name"));
            if (!id || !name) {
                aidf_buf_release(&text);
                snprintf(why, whylen, "malformed response: tool_use without id or name");
                return false;
            }
            aidf_api_turn_add_call(t, id, name, json_object_get(block, "input"), NULL);
        }
    }
    t->text = aidf_buf_detach(&text, NULL);
    const char *stop = json_string_value(json_object_get(body, "stop_reason"));
    t->stop = stop ? aidf_xstrdup(stop) : NULL;
    t->truncated = stop && strcmp(stop, "max_tokens") == 0;
    json_t *u = json_object_get(body, "usage");
    t->input = aidf_api_count(u, "input_tokens");
    t->output = aidf_api_count(u, "output_tokens");
    t->cache_read = aidf_api_count(u, "cache_read_input_tokens");
    t->cache_write = aidf_api_count(u, "cache_creation_input_tokens");
    t->reasoning = AIDF_UNSET;
    /* The assistant turn exactly as it came (its tool_use ids are what results refer to). */
    t->assistant = json_object();
    json_object_set_new(t->assistant, "role", json_string("assistant"));
    json_object_set(t->assistant, "content", content);
    return true;
}

/* The Messages API wants user and assistant turns to alternate: a prompt after a user
 * turn (tool results of an interrupted iteration) joins that turn as a text block. */
static void add_user(json_t *messages, const char *text)
{
    size_t n = json_array_size(messages);
    json_t *last = n ? json_array_get(messages, n - 1) : NULL;
    const char *role = last ? json_string_value(json_object_get(last, "role")) : NULL;
    if (role && strcmp(role, "user") == 0) {
        json_t *c = json_object_get(last, "content");
        if (json_is_string(c)) {
            json_t *arr = json_array();
            json_t *tb = json_object();
            json_object_set_new(tb, "type", json_string("text"));
            json_object_set(tb, "text", c);
            json_array_append_new(arr, tb);
            json_object_set_new(last, "content", arr);
            c = arr;
        }
        json_t *tb = json_object();
        json_object_set_new(tb, "type", json_string("text"));
        json_object_set_new(tb, "text", json_string(text));
        json_array_append_new(c, tb);
        return;
    }
    json_t *m = json_object();
    json_object_set_new(m, "role", json_string("user"));
    json_object_set_new(m, "content", json_string(text));
    json_array_append_new(messages, m);
}

static void add_results(json_t *messages, const struct aidf_api_result *r, size_t n)
{
    json_t *content = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *b = json_object();
        json_object_set_new(b, "type", json_string("tool_result"));
        json_object_set_new(b, "tool_use_id", json_string(r[i].call_id));
        json_object_set_new(b, "content", json_string(r[i].text));
        if (r[i].is_error)
            json_object_set_new(b, "is_error", json_true());
        json_array_append_new(content, b);
    }
    json_t *m = json_object();
    json_object_set_new(m, "role", json_string("user"));
    json_object_set_new(m, "content", content);
    json_array_append_new(messages, m);
}

const struct aidf_api_dialect aidf_api_anthropic = {
    .type = "anthropic-api",
    .key_env = "ANTHROPIC_API_KEY",
    .base_env = "ANTHROPIC_BASE_URL",
    .default_base = "https://api.anthropic.com",
    .path = "/v1/messages",
    .default_model = "claude-sonnet-4-5",
    .headers = headers,
    .request = request,
    .parse = parse,
    .add_user = add_user,
    .add_results = add_results,
    .tools = aidf_tools_anthropic,
    .error_message = aidf_api_error_message,
};
