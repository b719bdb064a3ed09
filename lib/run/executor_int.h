/*
 * State shared by the executor's files (exec_state.c: the helpers the others share;
 * executor.c: set-up and the loop; executor_iter.c: one iteration; executor_finish.c:
 * the task file, the report and its delivery). Not a public interface.
 */
#ifndef AIDF_RUN_EXECUTOR_INT_H
#define AIDF_RUN_EXECUTOR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "aidf/collector.h"
#include "aidf/config.h"
#include "aidf/context.h"
#include "aidf/git.h"
#include "aidf/scope.h"
#include "aidf/timeutil.h"
#include "aidf/executor.h"
#include "aidf/provider.h"
#include "aidf/run_events.h"

/* Rate-limited calls retried within one iteration before it counts as a failure. */
#define EXEC_MAX_RATE_LIMIT_WAITS 5
/* Longest wait after a rate limit (ms). */
#define EXEC_MAX_BACKOFF_MS 60000

/** Where the run stands. */
enum exec_state {
    EXEC_RUNNING = 0,
    EXEC_DONE, /* status decided */
    EXEC_DRY,  /* dry run: nothing ran */
};

struct exec {
    const struct aidf_run_opts *o;
    char *root;
    char *task_path; /* absolute path of the task file as found */
    char *task_rel;  /* the same relative to the root (what reports show) */
    char *reports_dir;

    struct aidf_config cfg;
    bool cfg_ok;
    bool in_git; /* the project is a git work tree (its HEAD is read at the end) */
    struct aidf_context ctx;
    bool ctx_ok;
    struct aidf_collector *col;
    struct aidf_provider *prov;
    struct aidf_sandbox sandbox; /* of the provider's run_command (prov->runs_commands) */
    bool prov_owned;             /* false for opts.provider_override */
    struct aidf_scope scope;
    const struct aidf_run_events *ev; /* &o->events */

    enum exec_state state;
    enum aidf_status status;
    char *reason; /* blocked reason or error message of the outcome */
    int64_t iteration, max_iter, failures, max_failures;
    int64_t first_iteration; /* iterations before this run (resume) */
    char started_at[AIDF_ISO_LEN];

    char *session_id;          /* to continue the provider's session */
    char *validation_feedback; /* report after a completion whose validation failed */
    char *previous_output;

    /* Changes kept (allowed, not reverted) and not committed yet, and every path the run
     * changed (for the task file and the summary). */
    struct aidf_git_changes uncommitted;
    struct aidf_strlist files_modified;

    /* The last iteration failure: reported when the run does not complete. */
    char *last_error;
    const char *last_category, *last_code; /* static */

    int64_t tokens_in, tokens_out; /* for the task file's "Tokens used" line */
    int64_t tokens_total; /* input + output so far (the report's total), for the live line */
    double cost_total;    /* NaN until a cost is known */
    struct aidf_num_map phase_mark; /* profiler totals (ms) at the start of the iteration */
};

/* The helpers below (exec_state.c) are shared by executor.c, executor_iter.c and
 * executor_finish.c; they call nothing in those files. */

/** End the run with `status` and the reason/error (copied; may be NULL). A failed run
 *  also records the error (`category`, `code`: static strings) in the collector. */
void exec_finish_with(struct exec *x, enum aidf_status status, const char *category,
                      const char *code, const char *reason);

/** `path` relative to `root` when it lies inside it, else a copy of `path` (git and the
 *  reports want work-tree paths). New heap string. */
char *exec_relative(const char *root, const char *path);

/** Remember an iteration's failure (message copied; category and code static). */
void exec_note_failure(struct exec *x, const char *msg, const char *category, const char *code);

/** Phase helpers: collector phase `p` plus, when `label` is not NULL, the phase event. */
void exec_phase_begin(struct exec *x, enum aidf_phase p, const char *label);
void exec_phase_end(struct exec *x, enum aidf_phase p);

/** A progress line / detail line to the front end (events.say / events.detail), printf
 *  style; nothing is formatted when the hook is NULL. */
void exec_say(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void exec_detail(struct exec *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Run one iteration of the loop (executor_iter.c). */
void exec_iteration(struct exec *x);

/**
 * After the loop (executor_finish.c): the task file's status section and folder, the
 * closing git operations, the report (written, pushed, sent to the webhook), the summary
 * and `res`. Returns the exit code.
 */
int exec_conclude(struct exec *x, struct aidf_run_result *res);

#endif
