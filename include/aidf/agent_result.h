/*
 * Parsing what agent CLIs print when they run non-interactively: Claude Code's
 * `--output-format json` object and the Cursor agent's json
 * result object.
 *
 * Ownership: every string in struct aidf_agent_result is owned by the struct and freed by
 * aidf_agent_result_release(). Inputs are borrowed and need not be NUL-terminated.
 */
#ifndef AIDF_AGENT_RESULT_H
#define AIDF_AGENT_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/err.h"
#include "aidf/report.h" /* AIDF_UNSET */

/** Largest CLI output the parsers accept; more gives AIDF_ETOOBIG. */
#define AIDF_AGENT_MAX_INPUT ((size_t)64 * 1024 * 1024)

/** Longest reason kept from a `<BLOCKED: reason>` signal, in bytes. */
#define AIDF_AGENT_MAX_REASON 1024

/** How an agent CLI call ended, classified by `subtype` first, then `is_error`. */
enum aidf_agent_kind {
    AIDF_AGENT_OK = 0,                 /* subtype success, is_error false */
    AIDF_AGENT_ERROR_MAX_TURNS,        /* subtype error_max_turns (is_error either way) */
    AIDF_AGENT_ERROR_DURING_EXECUTION, /* subtype error_during_execution */
    AIDF_AGENT_ERROR_MAX_BUDGET,       /* subtype error_max_budget_usd */
    AIDF_AGENT_ERROR_OTHER,            /* any other error_* subtype, or no subtype + is_error */
    AIDF_AGENT_API_ERROR,              /* subtype success + is_error true (text in result) */
    AIDF_AGENT_NO_RESULT,              /* no (well-formed) result object at all */
};

/**
 * One agent CLI call's outcome. Strings are NULL when absent; integers are AIDF_UNSET
 * when absent (or not a non-negative integer); cost_usd is NaN when absent.
 */
struct aidf_agent_result {
    enum aidf_agent_kind kind;
    char *subtype;     /* verbatim `subtype` */
    bool is_error;     /* verbatim `is_error` (false when absent) */
    char *result_text; /* `result` */
    char *session_id;
    int64_t num_turns, duration_ms, duration_api_ms, api_error_status;
    /* Claude: usage.input_tokens (excludes cache), output_tokens, cache_read_input_tokens,
     * cache_creation_input_tokens. Cursor: inputTokens, outputTokens, cacheReadTokens,
     * cacheWriteTokens. */
    int64_t input_tokens, output_tokens, cache_read, cache_write;
    double cost_usd;            /* total_cost_usd: the CLI's own client-side estimate */
    char *model;                /* first key of modelUsage */
    struct aidf_strlist errors; /* `errors` strings of error_* subtypes */
};

/**
 * Parse the stdout of `claude -p --output-format json`: one result object, possibly after
 * warning lines or whitespace, and with only whitespace after it.
 *
 * `out` is always (re)initialised and always filled as far as possible, even on error, and
 * must be released with aidf_agent_result_release(). Returns AIDF_OK when a result object
 * was found (whatever its kind); AIDF_EINVAL with out->kind AIDF_AGENT_NO_RESULT when
 * there is none or it is garbled; AIDF_ETOOBIG (kind AIDF_AGENT_NO_RESULT) when `len`
 * exceeds AIDF_AGENT_MAX_INPUT. `err` (may be NULL) explains failures.
 */
int aidf_agent_parse_claude_json(const char *stdout_text, size_t len, struct aidf_agent_result *out,
                                 struct aidf_error *err);

/**
 * Parse the stdout of `cursor-agent -p --output-format json`: a result object like Claude's,
 * with optional camelCase `usage` {inputTokens, outputTokens, cacheReadTokens,
 * cacheWriteTokens} and no cost (cost_usd stays NaN, tokens AIDF_UNSET without usage).
 * Cursor prints no JSON on failure: that gives AIDF_EINVAL and AIDF_AGENT_NO_RESULT.
 * Same contract as aidf_agent_parse_claude_json().
 */
int aidf_agent_parse_cursor_json(const char *stdout_text, size_t len, struct aidf_agent_result *out,
                                 struct aidf_error *err);

/** Free the contents of `r` and reset it to the empty NO_RESULT state. NULL is a no-op. */
void aidf_agent_result_release(struct aidf_agent_result *r);

/**
 * Look for the agent's signals in `text` (NULL means none):
 * completion = the first of `<TASK_COMPLETE>`, `<DONE>`, `## Task Complete`, `✅ All done`,
 * `Definition of Done: All criteria met` (the original's list, in its order); blocked = `<BLOCKED:
 * reason>` or
 * `<BLOCKED>` (both block the task).
 *
 * Sets *complete (required) and, when `blocked_reason` is not NULL, *blocked_reason to NULL or
 * a heap copy of the first blocked reason (trimmed, at most AIDF_AGENT_MAX_REASON bytes, ""
 * for a bare `<BLOCKED>`; the reason ends at `>` or, failing that, at the end of the line)
 * which the caller frees. Both signals may be present; callers decide which wins.
 * Returns true when either signal was found.
 */
bool aidf_agent_signals(const char *text, bool *complete, char **blocked_reason);

#endif
