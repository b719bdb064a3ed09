/*
 * Writing a run's outcome into its task file (reference/upstream-aidf.md §2.9, §2.11)
 * and moving the file to tasks/completed/ or tasks/blocked/.
 *
 * Text functions are pure: they take the file's text and return the new text. Fixes of
 * upstream quirks (design.md §3): a task whose "## Goal" is followed by a blank line (the
 * template style) still gets its status section; a task blocked again after a resume
 * keeps its "### Resume Attempt History".
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
 * or ❌ FAILED), without a trailing newline. New heap string.
 */
char *aidf_task_status_section(const struct aidf_task_outcome *o);

/**
 * `text` with the status section `section` in place: replacing the block from the first
 * "## Status:" up to the next "\n## " (or the end) when there is one, otherwise inserted
 * after the "## Goal" section (before the next "## " heading), or appended at the end when
 * the file has no Goal. New heap string.
 */
char *aidf_task_text_set_status(const char *text, const char *section);

/**
 * `text` with a resume attempt recorded (§2.11): "- **Resumed at:** <resumed_at>\n-
 * **Previous attempt:** Iteration <prev>, blocked at <blocked_at>" added under
 * "### Resume Attempt History" (created before "---\n@developer:" or at the end of the
 * status block when missing). New heap string.
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
 * the result is `text` with that section in place. New heap string.
 */
char *aidf_task_text_blocked_again(const char *text, const char *new_section, const char *ended_at,
                                   int64_t iterations_this_attempt);

/**
 * Read `path`, apply `edit(text, ctx)` (which returns a new heap string, or NULL to leave
 * the file alone) and write the result back atomically. AIDF_OK, or the read/write error
 * (AIDF_ENOTFOUND, AIDF_EIO, AIDF_ETOOBIG).
 */
int aidf_task_file_edit(const char *path, char *(*edit)(const char *text, void *ctx), void *ctx,
                        struct aidf_error *err);

/**
 * Move a task file to the sibling folder `folder` ("completed" or "blocked") when its
 * parent directory is "pending", "completed" or "blocked" and differs from `folder`
 * (upstream moveTaskFile). Creates the folder; never replaces an existing file there
 * (AIDF_ECONFLICT). `*new_path` receives the path after the move (a new heap string; the
 * same path when nothing moved). AIDF_OK, AIDF_ECONFLICT or AIDF_EIO.
 */
int aidf_task_move(const char *path, const char *folder, char **new_path, struct aidf_error *err);

#endif
