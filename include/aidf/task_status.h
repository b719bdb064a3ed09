/*
 * Writing a run's outcome into its task file
 * and moving the file to tasks/completed/ or tasks/blocked/.
 *
 * Text functions are pure: they take the file's text and return the new text. Fixes of
 * the original's quirks: a task whose "## Goal" is followed by a blank line (the
 * template style) still gets its status section; a task blocked again after a resume
 * keeps its "### Resume Attempt History". Headings ("## Status:", "## Goal", ...) are
 * matched at line starts only, so prose mentioning "## Status:" is left alone.
 *
 * Line endings: the text functions work on an LF copy (CRLF pairs become LF, as the
 * parser does) and return CRLF text when the input's first line ended in CRLF.
 *
 * Ownership: arguments are borrowed; returned strings are new heap strings.
 */
#ifndef AIDF_TASK_STATUS_H
#define AIDF_TASK_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "aidf/err.h"
#include "aidf/report.h"

/** What goes into a status section. Strings may be NULL unless noted. */
struct aidf_task_outcome {
    enum aidf_status status; /* completed, blocked or failed */
    const char *started_at;  /* ISO time the run started (required) */
    const char *ended_at;    /* ISO time of completion / block / failure (required) */
    int64_t iterations;
    const struct aidf_strlist *files; /* files modified by the run; NULL or empty: "_None_" */
    const char *reason;               /* blocked: the blocking issue; failed: the error */
    int64_t tokens_in, tokens_out;    /* AIDF_UNSET: no "Tokens used" line */
    double cost_usd;                  /* NaN: no cost line (addition: "- **Cost:** $X") */
    const char *run_id;               /* addition: "- **Run:** <id>" line when set */
    const char *resume_path;          /* blocked: path shown in the `aidf run --resume` hint */
};

/**
 * The "## Status: ..." section for `o` exactly as §2.9 lays it out (BLOCKED, ✅ COMPLETED
 * or ❌ FAILED; any other status is written as FAILED), without a trailing newline. The
 * "Tokens used" line (COMPLETED/FAILED only) appears when either count is set (an unset one
 * counts 0); "Cost" and "Run" lines in all three. A NULL blocking reason is "No reason
 * given", a NULL/empty error "Unknown error", a NULL resume_path "<task file>". Lines of a
 * reason starting with "```" or '#' get one leading space so they can end neither the
 * fence nor the status block. New heap string.
 */
char *aidf_task_status_section(const struct aidf_task_outcome *o);

/**
 * `text` with the status section `section` in place: replacing the block from the first
 * "## Status:" up to the next "\n## " (or the end) when there is one, otherwise inserted
 * after the "## Goal" section (before the next "## " heading) with one blank line on
 * each side, or appended at the end after one blank line when the file has no Goal. A
 * replaced block followed by a heading keeps one blank line before it. New heap string.
 */
char *aidf_task_text_set_status(const char *text, const char *section);

/**
 * `text` with a resume attempt recorded (§2.11): "- **Resumed at:** <resumed_at>\n-
 * **Previous attempt:** Iteration <prev>, blocked at <blocked_at>" added under
 * "### Resume Attempt History" (created before "---\n@developer:" or at the end of the
 * status block when missing). Newest record first. `text` unchanged in the result when it
 * has no status block. New heap string.
 */
char *aidf_task_text_record_resume(const char *text, const char *resumed_at, int64_t prev_iteration,
                                   const char *blocked_at);

/**
 * `text` after a resumed run completed (§2.11): the BLOCKED block becomes
 * "## Execution History" with "### Original Block" and "### Resume and Completion",
 * followed by a "## Status:" placeholder that aidf_task_text_set_status() then replaces.
 * New heap string; `text` unchanged in it when there is no BLOCKED block.
 */
char *aidf_task_text_resume_completed(const char *text, const char *completed_at,
                                      int64_t total_iterations, int64_t files_modified);

/**
 * `text` after a resumed run was blocked again: the "### Resume Attempt History" of the
 * old block survives into `new_section` (with "- **Completed at:**", "- **Status:**
 * blocked_again" and "- **Iterations in this attempt:** N" added to its newest entry), and
 * the result is `text` with that section in place (the history goes before the
 * "---\n@developer:" line of `new_section`). Without a history this is
 * aidf_task_text_set_status(text, new_section). New heap string.
 */
char *aidf_task_text_blocked_again(const char *text, const char *new_section, const char *ended_at,
                                   int64_t iterations_this_attempt);

/**
 * Read `path`, apply `edit(text, ctx)` (which returns a new heap string, or NULL to leave
 * the file alone) and write the result back atomically (not at all when unchanged).
 * AIDF_OK, or the read/write error (AIDF_ENOTFOUND, AIDF_EIO, AIDF_ETOOBIG); also
 * AIDF_EINVAL for a file holding NUL bytes and AIDF_ETOOBIG when the edited text would be
 * over AIDF_TASK_MAX_BYTES (the file is then left as it was, so it always stays loadable).
 */
int aidf_task_file_edit(const char *path, char *(*edit)(const char *text, void *ctx), void *ctx,
                        struct aidf_error *err);

/**
 * Move a task file to the sibling folder `folder` ("completed" or "blocked") when its
 * parent directory is "pending", "completed" or "blocked" and differs from `folder`
 * (upstream moveTaskFile). Creates the folder; never replaces an existing file there
 * (AIDF_ECONFLICT). `*new_path` receives the path after the move (a new heap string; the
 * same path when nothing moved; NULL on error). The move is renameat2(RENAME_NOREPLACE),
 * or link+unlink where that is unsupported. AIDF_OK, AIDF_ECONFLICT, AIDF_EIO, or
 * AIDF_EINVAL when `folder` is empty or holds a '/'.
 */
int aidf_task_move(const char *path, const char *folder, char **new_path, struct aidf_error *err);

#endif
