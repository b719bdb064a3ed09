/*
 * Task files (.ai/tasks/.../NNN-slug.md): the parser the executor reads a task with.
 *
 * Parsing follows the original TypeScript aidf's ContextLoader.parseTask:
 * CRLF becomes LF first; a section is "## <name>" (ASCII case-insensitive) followed
 * directly by "\n" (trailing spaces break it), up to the next "\n## " or the end
 * ("\n### " does not end it), trimmed, first occurrence wins. Bytes are opaque: the
 * parser never decodes UTF-8, except that trimming also drops the Unicode white space
 * JavaScript's trim() drops (NBSP, U+2000..U+200A, U+2028/9, U+FEFF, ...).
 *
 * Ownership: a struct aidf_task owns every string and list in it; free them with
 * aidf_task_release(). Input arguments are borrowed.
 */
#ifndef AIDF_TASK_H
#define AIDF_TASK_H

#include <stdbool.h>
#include <stddef.h>

#include "aidf/err.h"
#include "aidf/containers.h"

/** Largest task file accepted by aidf_task_load() and aidf_task_parse(): 1 MiB. */
#define AIDF_TASK_MAX_BYTES ((size_t)1 << 20)

/**
 * A parsed task file. Strings are never NULL unless noted; a missing section is "".
 */
struct aidf_task {
    char *path; /* as given to the parser; NULL when none was given */
    char *raw;  /* the whole text after CRLF->LF (this is what the prompt gets) */
    char *goal; /* section "Goal", may span lines */
    /* Section "Task Type" lowercased and trimmed; one of component, refactor, test, docs,
     * architecture, bugfix. Anything else (including "feature" or nothing) is "component". */
    char *task_type;
    char *role;         /* suggested_roles.items[0], or "developer" when the list is empty */
    char *requirements; /* section "Requirements" */
    char *notes;        /* section "Notes"; NULL when missing or empty */
    /* Lines of "Suggested Roles" whose trimmed form starts with '-', dash and following
     * white space removed, trimmed. Backticks are kept. */
    struct aidf_strlist suggested_roles;
    /* "### Allowed" / "### Forbidden" / "### Ask Before" inside "## Scope": every line
     * whose trimmed form starts with '-', the dash dropped, ALL backticks dropped, trimmed.
     * Trailing prose stays ("src/lib (read-only)"), as upstream. */
    struct aidf_strlist allowed, forbidden, ask_before;
    bool has_ask_before; /* the "### Ask Before" subsection exists (upstream: undefined) */
    /* Lines of "Definition of Done" matching ^-\s*\[[ xX]\], box removed, trimmed. */
    struct aidf_strlist definition_of_done;
    /* The "## Status: BLOCKED" block written by a blocked run (2.9), for --resume. */
    struct {
        bool present;           /* block found and it has "### Execution Log" */
        int previous_iteration; /* "**Iterations:** N" (0 when absent; clamped to INT_MAX) */
        char *started_at;       /* "**Started:** <rest of line>"; NULL when absent */
        char *blocked_at;       /* "**Blocked at:** <rest of line>"; NULL when absent */
        char *blocking_issue;   /* fenced text under "### Blocking Issue", trimmed; or NULL */
        struct aidf_strlist files_modified; /* each "- `path`" under "### Files Modified" */
    } blocked;
};

/** Task state as `aidf status` derives it from a flat task's "## Status:" block. */
enum aidf_task_state {
    AIDF_TASK_PENDING = 0,
    AIDF_TASK_IN_PROGRESS,
    AIDF_TASK_COMPLETED,
    AIDF_TASK_BLOCKED,
};

/**
 * Parse `len` bytes of task-file text. `path` (may be NULL) is only copied into the
 * result. On success `*out` is overwritten (not released first; pass a zeroed or
 * released struct) and AIDF_OK is returned. Errors leave `*out` untouched:
 * AIDF_ETOOBIG over AIDF_TASK_MAX_BYTES, AIDF_EINVAL when the text contains a NUL byte.
 * Anything else parses, with missing parts empty.
 */
int aidf_task_parse(const char *text, size_t len, const char *path, struct aidf_task *out,
                    struct aidf_error *err);

/**
 * Read `path` (at most AIDF_TASK_MAX_BYTES) and parse it as aidf_task_parse() does.
 * AIDF_ENOTFOUND "Task file not found: <path>", AIDF_EIO, AIDF_ETOOBIG or AIDF_EINVAL.
 */
int aidf_task_load(const char *path, struct aidf_task *out, struct aidf_error *err);

/** Free everything `t` owns and zero it. NULL and a zeroed struct are fine. */
void aidf_task_release(struct aidf_task *t);

/**
 * The task's name: the file name of `path` without its directory and without ".md"
 * ("/p/.ai/tasks/pending/001-login.md" -> "001-login"). New heap string.
 */
char *aidf_task_name(const char *path);

/**
 * State of a legacy flat task from its text (NUL-terminated; NULL means pending), as
 * `aidf status` counts it: the block from the first "## Status:" to the next "\n## "
 * (or the end), compared lowercased: contains "completed" -> completed, else "blocked"
 * -> blocked, else "in progress" or "running" -> in progress, else (or no block) pending.
 */
enum aidf_task_state aidf_task_state_from_text(const char *text);

/** The same over the `len` bytes at `text`, which may hold NUL bytes (a damaged file). */
enum aidf_task_state aidf_task_state_from_buf(const char *text, size_t len);

/** "pending", "in_progress", "completed" or "blocked". Never NULL. */
const char *aidf_task_state_name(enum aidf_task_state s);

#endif
