/*
 * Parsers for agent CLI output: Claude Code json and Cursor json.
 */
#include "aidf/agent_result.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/xalloc.h"

/* How many candidate object starts the json parsers try before giving up. */
#define MAX_CANDIDATES 64

static void result_init(struct aidf_agent_result *r)
{
    memset(r, 0, sizeof(*r));
    r->kind = AIDF_AGENT_NO_RESULT;
    r->num_turns = r->duration_ms = r->duration_api_ms = r->api_error_status = AIDF_UNSET;
    r->input_tokens = r->output_tokens = r->cache_read = r->cache_write = AIDF_UNSET;
    r->cost_usd = NAN;
}

void aidf_agent_result_release(struct aidf_agent_result *r)
{
    if (!r)
        return;
    free(r->subtype);
    free(r->result_text);
    free(r->session_id);
    free(r->model);
    aidf_strlist_release(&r->errors);
    result_init(r);
}

/* A non-negative integer member, or AIDF_UNSET. Integral reals are accepted too. */
static int64_t get_count(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        return i >= 0 ? (int64_t)i : AIDF_UNSET;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d >= 0 && d < 9.0e18 && d == floor(d))
            return (int64_t)d;
    }
    return AIDF_UNSET;
}

/* A heap copy of a string member, or NULL. */
static char *get_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return NULL;
    return aidf_xstrndup(json_string_value(v), json_string_length(v));
}

static void set_str(char **dst, char *s)
{
    if (!s)
        return;
    free(*dst);
    *dst = s;
}

static enum aidf_agent_kind classify(const char *subtype, bool is_error)
{
    if (!subtype)
        return is_error ? AIDF_AGENT_ERROR_OTHER : AIDF_AGENT_OK;
    if (strcmp(subtype, "success") == 0)
        return is_error ? AIDF_AGENT_API_ERROR : AIDF_AGENT_OK;
    if (strcmp(subtype, "error_max_turns") == 0)
        return AIDF_AGENT_ERROR_MAX_TURNS;
    if (strcmp(subtype, "error_during_execution") == 0)
        return AIDF_AGENT_ERROR_DURING_EXECUTION;
    if (strcmp(subtype, "error_max_budget_usd") == 0)
        return AIDF_AGENT_ERROR_MAX_BUDGET;
    return AIDF_AGENT_ERROR_OTHER;
}

enum usage_style { USAGE_CLAUDE, USAGE_CURSOR };

static void take_usage(const json_t *usage, enum usage_style style, struct aidf_agent_result *r)
{
    if (!json_is_object(usage))
        return;
    if (style == USAGE_CLAUDE) {
        r->input_tokens = get_count(usage, "input_tokens");
        r->output_tokens = get_count(usage, "output_tokens");
        r->cache_read = get_count(usage, "cache_read_input_tokens");
        r->cache_write = get_count(usage, "cache_creation_input_tokens");
    } else {
        r->input_tokens = get_count(usage, "inputTokens");
        r->output_tokens = get_count(usage, "outputTokens");
        r->cache_read = get_count(usage, "cacheReadTokens");
        r->cache_write = get_count(usage, "cacheWriteTokens");
    }
}

/* Fill `r` from a `"type":"result"` object; fields absent here keep their old values. */
static void take_result(const json_t *obj, enum usage_style style, struct aidf_agent_result *r)
{
    const json_t *v;

    free(r->subtype);
    r->subtype = get_str(obj, "subtype");
    v = json_object_get(obj, "is_error");
    r->is_error = json_is_true(v);
    r->kind = classify(r->subtype, r->is_error);

    free(r->result_text);
    r->result_text = get_str(obj, "result");
    set_str(&r->session_id, get_str(obj, "session_id"));
    r->num_turns = get_count(obj, "num_turns");
    r->duration_ms = get_count(obj, "duration_ms");
    r->duration_api_ms = get_count(obj, "duration_api_ms");
    r->api_error_status = get_count(obj, "api_error_status");

    r->input_tokens = r->output_tokens = r->cache_read = r->cache_write = AIDF_UNSET;
    take_usage(json_object_get(obj, "usage"), style, r);

    r->cost_usd = NAN;
    v = json_object_get(obj, "total_cost_usd");
    if (json_is_number(v)) {
        double d = json_number_value(v);
        if (isfinite(d) && d >= 0)
            r->cost_usd = d;
    }

    v = json_object_get(obj, "modelUsage");
    if (json_is_object(v) && json_object_size(v) > 0) {
        void *it = json_object_iter((json_t *)(uintptr_t)v);
        const char *key = json_object_iter_key(it);
        if (key && *key) {
            free(r->model);
            r->model = aidf_xstrdup(key);
        }
    }

    aidf_strlist_release(&r->errors);
    v = json_object_get(obj, "errors");
    if (json_is_array(v)) {
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e)
        {
            if (json_is_string(e))
                aidf_strlist_add(&r->errors, json_string_value(e));
        }
    }
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool only_ws(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_ws(p[i]))
            return false;
    }
    return true;
}

static bool is_result_object(const json_t *root)
{
    const json_t *type = json_object_get(root, "type");
    return json_is_object(root) && json_is_string(type) &&
           strcmp(json_string_value(type), "result") == 0;
}

/*
 * Find the result object: it starts at a line whose first non-blank byte is '{' and runs,
 * apart from trailing whitespace, to the end. Candidates are tried from the last line
 * backwards (the CLI prints the object on one line; warnings come before it), at most
 * MAX_CANDIDATES of them, so hostile input cannot make this quadratic.
 */
static json_t *find_object(const char *text, size_t len, char *why, size_t why_size)
{
    size_t end = len, tries = 0;
    json_error_t jerr;

    snprintf(why, why_size, "no JSON object in the output");
    while (end > 0 && tries < MAX_CANDIDATES) {
        size_t start = end;
        /* Move to the start of the line that ends at `end`. */
        while (start > 0 && text[start - 1] != '\n')
            start--;
        size_t p = start;
        while (p < end && (text[p] == ' ' || text[p] == '\t'))
            p++;
        if (p < end && text[p] == '{') {
            tries++;
            json_t *root = json_loadb(text + p, len - p, JSON_DISABLE_EOF_CHECK, &jerr);
            if (root) {
                size_t used = (size_t)jerr.position;
                if (used <= len - p && only_ws(text + p + used, len - p - used) &&
                    is_result_object(root))
                    return root;
                if (!is_result_object(root))
                    snprintf(why, why_size, "JSON object is not a result (no \"type\":\"result\")");
                else
                    snprintf(why, why_size, "unexpected text after the result object");
                json_decref(root);
            } else {
                snprintf(why, why_size, "malformed JSON at line %d column %d: %s", jerr.line,
                         jerr.column, jerr.text);
            }
        }
        end = start > 0 ? start - 1 : 0;
    }
    return NULL;
}

static int parse_object_output(const char *text, size_t len, enum usage_style style,
                               const char *what, struct aidf_agent_result *out,
                               struct aidf_error *err)
{
    char why[400];
    json_t *root;

    if (!out)
        return aidf_fail(err, AIDF_EINVAL, "no result struct");
    result_init(out);
    if (len > AIDF_AGENT_MAX_INPUT)
        return aidf_fail(err, AIDF_ETOOBIG, "%s output is %zu bytes, over the %zu-byte limit", what,
                         len, AIDF_AGENT_MAX_INPUT);
    if (!text || only_ws(text, len))
        return aidf_fail(err, AIDF_EINVAL, "%s printed no result (empty output)", what);
    root = find_object(text, len, why, sizeof(why));
    if (!root)
        return aidf_fail(err, AIDF_EINVAL, "%s printed no result: %s", what, why);
    take_result(root, style, out);
    json_decref(root);
    return AIDF_OK;
}

int aidf_agent_parse_claude_json(const char *stdout_text, size_t len, struct aidf_agent_result *out,
                                 struct aidf_error *err)
{
    return parse_object_output(stdout_text, len, USAGE_CLAUDE, "claude", out, err);
}

int aidf_agent_parse_cursor_json(const char *stdout_text, size_t len, struct aidf_agent_result *out,
                                 struct aidf_error *err)
{
    return parse_object_output(stdout_text, len, USAGE_CURSOR, "cursor-agent", out, err);
}

/* Completion markers in upstream's order. */
static const char *const completion_markers[] = {
    "<TASK_COMPLETE>",
    "<DONE>",
    "## Task Complete",
    "\xE2\x9C\x85 All done",
    "Definition of Done: All criteria met",
};

static char *blocked_reason_at(const char *p)
{
    /* p points just after "<BLOCKED"; accept ">" or ":" reason ">" */
    const char *start, *end;
    size_t n;

    if (*p == '>')
        return aidf_xstrdup("");
    p++; /* the ':' */
    start = p;
    end = strchr(start, '>');
    if (!end) {
        end = strchr(start, '\n');
        if (!end)
            end = start + strlen(start);
    }
    while (start < end && (is_ws(*start)))
        start++;
    while (end > start && is_ws(end[-1]))
        end--;
    n = (size_t)(end - start);
    if (n > AIDF_AGENT_MAX_REASON) {
        n = AIDF_AGENT_MAX_REASON;
        /* Do not cut a UTF-8 sequence in half. */
        while (n > 0 && ((unsigned char)start[n] & 0xC0) == 0x80)
            n--;
    }
    return aidf_xstrndup(start, n);
}

bool aidf_agent_signals(const char *text, bool *complete, char **blocked_reason)
{
    bool found_complete = false;
    const char *p;

    if (blocked_reason)
        *blocked_reason = NULL;
    if (complete)
        *complete = false;
    if (!text)
        return false;
    for (size_t i = 0; i < sizeof(completion_markers) / sizeof(completion_markers[0]); i++) {
        if (strstr(text, completion_markers[i])) {
            found_complete = true;
            break;
        }
    }
    if (complete)
        *complete = found_complete;

    for (p = strstr(text, "<BLOCKED"); p; p = strstr(p + 1, "<BLOCKED")) {
        const char *q = p + strlen("<BLOCKED");
        if (*q == '>' || *q == ':') {
            if (blocked_reason)
                *blocked_reason = blocked_reason_at(q);
            return true;
        }
    }
    return found_complete;
}
