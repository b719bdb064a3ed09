/*
 * The tools the API providers give the model: read_file, write_file, list_files, run_command,
 * task_complete and task_blocked, their JSON schemas in the Anthropic and OpenAI shapes, and the
 * handler that runs them.
 *
 * Safety: every path is confined to the project root (after resolving symlinks, of the
 * target and of its parent); write_file asks the scope guard BEFORE writing and refuses
 * paths it blocks; read_file and list_files refuse or leave out forbidden paths and
 * environment files (aidf_scope_check_read()); run_command applies the security.commands policy
 * (aidf/cmdpolicy.h) and runs in the run's sandbox (aidf/sandbox.h: an allow-listed
 * environment always) with a time limit and an output cap. A refusal is a tool result the
 * model reads (is_error set), never an error of the run.
 *
 * Ownership: the context and the input are borrowed; an outcome owns its strings and is
 * freed with aidf_tool_outcome_release().
 */
#ifndef AIDF_TOOLS_H
#define AIDF_TOOLS_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/containers.h"
#include "aidf/sandbox.h"
#include "aidf/scope.h"

/* Largest file read_file returns and write_file writes (bytes). */
#define AIDF_TOOL_MAX_FILE ((size_t)1 << 20)
/* Most entries list_files returns. */
#define AIDF_TOOL_MAX_LIST 2000
/* Default time limit and output cap of run_command. */
#define AIDF_TOOL_DEFAULT_CMD_TIMEOUT_MS 120000
#define AIDF_TOOL_DEFAULT_CMD_OUTPUT     ((size_t)64 * 1024)

/** What the tools may touch. */
struct aidf_tool_ctx {
    const char *root; /* project root (absolute) */
    /* write_file refuses BLOCK verdicts, read_file and list_files forbidden paths; NULL:
     * no task scope (environment files are still not read) */
    const struct aidf_scope *scope;
    const struct aidf_strlist *cmd_allowed, *cmd_blocked; /* security.commands; may be NULL */
    bool cmd_strict;
    int64_t cmd_timeout_ms;        /* 0: AIDF_TOOL_DEFAULT_CMD_TIMEOUT_MS */
    size_t cmd_output_cap;         /* 0: AIDF_TOOL_DEFAULT_CMD_OUTPUT */
    volatile sig_atomic_t *cancel; /* stops a running command */
    /* How run_command is confined (aidf/sandbox.h); NULL: no sandbox, but the environment
     * is filtered all the same. */
    const struct aidf_sandbox *sandbox;
};

/** The result of one tool call. */
struct aidf_tool_outcome {
    char *result;  /* the text returned to the model (never NULL after a call) */
    bool is_error; /* a refusal or failure (Anthropic tool_result is_error) */
    bool complete; /* task_complete was called */
    bool blocked;  /* task_blocked was called */
    char *reason;  /* task_complete summary / task_blocked reason (NULL otherwise) */
    char *written; /* write_file: the repository-relative path written, NULL otherwise */
};

/**
 * Run tool `name` with `input` (the model's arguments, a JSON object; anything else is a
 * refusal "Invalid arguments for <name>: expected a JSON object"; a required string field
 * that is missing or not a string gives "Invalid arguments for <name>: '<field>' must be
 * a string"; optional fields may be absent or null). Always fills `out` (initialised by
 * the call); `out->result` is valid UTF-8 (malformed bytes and NULs become U+FFFD).
 *
 * Results, as upstream: read_file → the contents; write_file → "File written: <path>"
 * (the path as given; `written` gets the normalised repository-relative path);
 * list_files → the files (not directories; symlinks are listed, never followed; ".git"
 * skipped) below `path` whose path relative to `path` matches `pattern`
 * (aidf_glob_minimatch()), sorted, one per line, at most AIDF_TOOL_MAX_LIST then
 * "... (N more)", or "(no files match ...)" when none does; run_command →
 * "Exit code: N\n<stdout+stderr>" (a non-zero code is NOT is_error: the model reads it;
 * "... (output truncated)" marks a cut; "Command timed out after <s>s\n<output>" and
 * "Command cancelled\n<output>" are is_error); task_complete → "Task completed:
 * <summary>" (complete, reason = summary); task_blocked → "Task blocked: <reason>"
 * (blocked, reason with " (attempted: ...)" / " (suggestion: ...)" appended when given);
 * unknown → "Unknown tool: <name>" (is_error).
 *
 * Paths (read/write/list) must be non-empty and NUL-free; relative ones are taken from
 * the root. They are normalised lexically, then the deepest existing ancestor is
 * realpath'd (the target itself when it exists), and the result must lie inside the
 * root's realpath, else "Path traversal blocked: \"<p>\" resolves outside project root".
 * A symlink that stays inside is followed (its target is what is read or written); a
 * dangling one is refused. write_file also refuses any path with a ".git" component,
 * content over AIDF_TOOL_MAX_FILE, and a BLOCK verdict of the scope (checked on the
 * resolved path and, when it differs, on the lexical one) with "SCOPE VIOLATION: Cannot
 * write to \"<p>\". <reason>.\n\nAllowed paths: ...\nForbidden paths: ...\n\nPlease
 * only modify files within the allowed scope." (patterns ", "-joined, "(none)" when
 * empty); ASK writes. read_file refuses, before looking at the file, a path that
 * aidf_scope_check_read() blocks (on the resolved path and, when it differs, on the
 * lexical one): "SCOPE VIOLATION: Cannot read \"<p>\". <reason>." followed, when the scope
 * has forbidden patterns, by "\n\nForbidden paths (neither read nor written): <patterns>";
 * list_files refuses a directory it blocks the same way ("Cannot list"), does not enter
 * blocked directories below it, leaves out blocked files, and then ends its result with
 * the line "(not listed: paths forbidden by the task's scope, and environment files)".
 * run_command refuses with the command policy's message.
 */
void aidf_tool_run(const struct aidf_tool_ctx *c, const char *name, const json_t *input,
                   struct aidf_tool_outcome *out);

/** Free what `o` owns and zero it. NULL is a no-op. */
void aidf_tool_outcome_release(struct aidf_tool_outcome *o);

/**
 * The tool definitions for the Anthropic Messages API: a new JSON array of
 * {name, description, input_schema} (JSON Schema objects with required fields).
 */
json_t *aidf_tools_anthropic(void);

/**
 * The same tools for OpenAI Chat Completions: a new JSON array of
 * {type: "function", function: {name, description, parameters}}.
 */
json_t *aidf_tools_openai(void);

#endif
