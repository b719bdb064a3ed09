/*
 * Dialect-neutral pieces of the API providers: answers (struct aidf_api_turn) and the
 * conversation window. Kept apart from the tool loop so the unit tests can link them with
 * the two dialects alone.
 */
#include "aidf/api_dialect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/xalloc.h"

void aidf_api_turn_release(struct aidf_api_turn *t)
{
    for (size_t i = 0; i < t->n_calls; i++) {
        free(t->calls[i].id);
        free(t->calls[i].name);
        free(t->calls[i].bad_input);
        if (t->calls[i].input)
            json_decref(t->calls[i].input);
    }
    free(t->calls);
    free(t->text);
    free(t->stop);
    if (t->assistant)
        json_decref(t->assistant);
    memset(t, 0, sizeof(*t));
}

void aidf_api_turn_add_call(struct aidf_api_turn *t, const char *id, const char *name,
                            const json_t *args, const char *args_text)
{
    t->calls = aidf_xrealloc(t->calls, (t->n_calls + 1) * sizeof(*t->calls));
    struct aidf_api_call *c = &t->calls[t->n_calls++];
    memset(c, 0, sizeof(*c));
    c->id = aidf_xstrdup(id);
    c->name = aidf_xstrdup(name);
    if (args_text) {
        json_error_t je;
        /* An empty argument string means "no arguments". */
        json_t *v = *args_text ? json_loads(args_text, JSON_REJECT_DUPLICATES, &je) : json_object();
        if (!v) {
            char buf[300];
            snprintf(buf, sizeof(buf), "Invalid tool call arguments: %s", je.text);
            c->bad_input = aidf_xstrdup(buf);
        } else if (!json_is_object(v)) {
            c->bad_input = aidf_xstrdup("Invalid tool call arguments: not a JSON object");
            json_decref(v);
        } else {
            c->input = v;
        }
    } else if (json_is_object(args)) {
        c->input = json_deep_copy(args);
    } else {
        c->bad_input = aidf_xstrdup("Invalid tool call arguments: not a JSON object");
    }
}

size_t aidf_api_window_trim(json_t *messages, size_t max, size_t first)
{
    size_t n = json_array_size(messages);
    if (max == 0 || n <= max || first >= max)
        return 0;
    /* The kept tail starts at an assistant message at or after n - (max - first). */
    size_t start = n - (max - first);
    while (start < n) {
        const char *role =
            json_string_value(json_object_get(json_array_get(messages, start), "role"));
        if (role && strcmp(role, "assistant") == 0)
            break;
        start++;
    }
    if (start >= n || start <= first)
        return 0;
    size_t drop = start - first;
    for (size_t i = 0; i < drop; i++)
        json_array_remove(messages, first);
    return drop;
}

int64_t aidf_api_count(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : AIDF_UNSET;
}

const char *aidf_api_error_message(const json_t *body)
{
    return json_string_value(json_object_get(json_object_get(body, "error"), "message"));
}
