/*
 * libFuzzer target: the API providers' answer parsers (lib/run/api_anthropic.c,
 * lib/run/api_openai.c) on hostile response bodies, and the conversation window over
 * whatever messages they produce. Any JSON must be parsed or refused, never crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/api_dialect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const struct aidf_api_dialect *d, const json_t *body, json_t *messages)
{
    struct aidf_api_turn t = {0};
    char why[256];
    if (d->parse(body, &t, why, sizeof(why))) {
        if (!t.text || !t.assistant)
            abort();
        json_array_append(messages, t.assistant);
        struct aidf_api_result r[4];
        size_t n = t.n_calls < 4 ? t.n_calls : 4;
        for (size_t i = 0; i < n; i++) {
            if (!t.calls[i].id || !t.calls[i].name || (!t.calls[i].input && !t.calls[i].bad_input))
                abort();
            r[i] = (struct aidf_api_result){t.calls[i].id, "ok", false};
        }
        d->add_results(messages, r, n);
        d->add_user(messages, "continue");
    }
    (void)d->error_message(body);
    aidf_api_turn_release(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *body = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    if (!body)
        return 0;
    json_t *messages = json_array();
    aidf_api_anthropic.add_user(messages, "task");
    for (int round = 0; round < 3; round++) {
        one(&aidf_api_anthropic, body, messages);
        one(&aidf_api_openai, body, messages);
    }
    size_t before = json_array_size(messages);
    size_t dropped = aidf_api_window_trim(messages, 5, 1);
    if (dropped > before || json_array_size(messages) != before - dropped)
        abort();
    json_decref(messages);
    json_decref(body);
    return 0;
}
