/*
 * The HTTP API providers (anthropic-api, openai-api): one shared tool loop in
 * provider_api.c over two wire dialects (api_anthropic.c, api_openai.c) that build the
 * request body and read the response.
 *
 * The conversation lives in the provider across iterations: a continued iteration adds
 * its (short) prompt to the history, a new one starts afresh. Each turn sends the history,
 * runs every tool call of the answer (aidf/tools.h) and answers with all results at once
 * (one user turn, not one turn per result). Used by the API providers and their tests;
 * front ends go through aidf/provider.h.
 */
#ifndef AIDF_API_DIALECT_H
#define AIDF_API_DIALECT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "aidf/report.h"
#include "aidf/tools.h"

/** One tool call asked for by the model. */
struct aidf_api_call {
    char *id, *name;
    json_t *input;   /* the arguments object; NULL when they did not parse */
    char *bad_input; /* why the arguments are unusable (invalid JSON, not an object) */
};

/** One answer of the model, in dialect-neutral form. */
struct aidf_api_turn {
    char *text; /* the text blocks joined with "\n"; "" when none */
    size_t n_calls;
    struct aidf_api_call *calls;
    bool truncated;    /* stopped by the output limit (max_tokens / length) */
    char *stop;        /* the raw stop / finish reason, NULL when absent */
    json_t *assistant; /* the assistant message to keep in the history (new reference) */
    int64_t input, output, cache_read, cache_write, reasoning; /* AIDF_UNSET when absent */
};

/** One tool result for the next request. */
struct aidf_api_result {
    const char *call_id;
    const char *text;
    bool is_error;
};

struct aidf_api_dialect {
    const char *type;         /* "anthropic-api" / "openai-api" */
    const char *key_env;      /* ANTHROPIC_API_KEY / OPENAI_API_KEY */
    const char *base_env;     /* ANTHROPIC_BASE_URL / OPENAI_BASE_URL */
    const char *default_base; /* the public endpoint */
    const char *path;         /* appended to the base: "/v1/messages", "/chat/completions" */
    const char *default_model;

    /** The request header lines for `key` (static buffers are not allowed: heap strings
     *  appended to `out`). */
    void (*headers)(const char *key, struct aidf_strlist *out);
    /** The request body for the conversation (new reference). */
    json_t *(*request)(const char *model, int64_t max_tokens, const char *system, json_t *tools,
                       json_t *messages);
    /** Decode a 2xx body into `t`; false (with `why`) when it is not a usable answer. */
    bool (*parse)(const json_t *body, struct aidf_api_turn *t, char *why, size_t whylen);
    /** Append the user prompt `text` to `messages` (merging into a trailing user message
     *  when the dialect needs strict alternation). */
    void (*add_user)(json_t *messages, const char *text);
    /** Append the tool results of one turn to `messages`. */
    void (*add_results)(json_t *messages, const struct aidf_api_result *r, size_t n);
    /** The tool definitions in this dialect's shape (new reference). */
    json_t *(*tools)(void);
    /** The error text of an error body ("invalid x-api-key"), or NULL. Borrowed. */
    const char *(*error_message)(const json_t *body);
};

extern const struct aidf_api_dialect aidf_api_anthropic;
extern const struct aidf_api_dialect aidf_api_openai;

/** A non-negative integer member `key` of `obj` (usage counts), or AIDF_UNSET. */
int64_t aidf_api_count(const json_t *obj, const char *key);

/** `error.message` of an error body: both APIs put it there. Borrowed, or NULL. */
const char *aidf_api_error_message(const json_t *body);

/** Free what `t` owns and zero it. */
void aidf_api_turn_release(struct aidf_api_turn *t);

/** Add call `id`/`name` with raw JSON arguments `args_text` (OpenAI) or a parsed object
 *  `args` (Anthropic; borrowed, copied) to `t`. */
void aidf_api_turn_add_call(struct aidf_api_turn *t, const char *id, const char *name,
                            const json_t *args, const char *args_text);

/**
 * The conversation window: when `messages` has more than `max`
 * entries, keep the first `first` and the newest ones up to `max`, starting the kept tail
 * at an assistant message so that no tool result loses its tool call and user/assistant
 * turns still alternate. Returns the number of messages removed.
 */
size_t aidf_api_window_trim(json_t *messages, size_t max, size_t first);

#endif
