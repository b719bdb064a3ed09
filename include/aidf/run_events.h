/*
 * What a run tells its front end while it works. The run engine (aidf/executor.h) prints
 * nothing: it calls these hooks, and the front end decides what to show (the `aidf run`
 * terminal UI draws a live status line, progress lines and a summary box; a test records
 * the calls).
 *
 * Every hook is optional: a NULL hook means "nothing to show", and for `ask` it means
 * "no one to ask" (the run treats the changes as unapproved and blocks). Hooks are called
 * from the thread that runs the task, never concurrently. Strings and structures passed
 * to a hook are borrowed for the duration of the call.
 *
 * Warnings (a file that cannot be moved, a report that cannot be pushed, a scope
 * violation) go through the log module (aidf/log.h), whose sink the front end sets.
 */
#ifndef AIDF_RUN_EVENTS_H
#define AIDF_RUN_EVENTS_H

#include <stdint.h>

#include "aidf/report.h"

/** The answer to the scope guard's `ask` question. */
enum aidf_ask_answer {
    AIDF_ASK_UNAVAILABLE = -1, /* no one to ask (no terminal): the run blocks */
    AIDF_ASK_DECLINED = 0,     /* the changes are reverted; the iteration counts as failed */
    AIDF_ASK_APPROVED = 1,     /* the changes stay */
};

struct aidf_run_events {
    void *ctx; /* passed to every hook */

    /** Iteration `iter` of `max` entered the phase `label` ("Executing AI", ...). */
    void (*phase)(void *ctx, int64_t iter, int64_t max, const char *label);

    /** Running totals: tokens (input + output) and cost in USD (NaN: not known yet). */
    void (*totals)(void *ctx, int64_t tokens, double cost_usd);

    /** A progress line ("iteration 2: 3 file(s) changed"), without a trailing newline. */
    void (*say)(void *ctx, const char *line);

    /** A detail line, worth showing only to a user who asked for more detail. */
    void (*detail)(void *ctx, const char *line);

    /** The phase times (ms, well-known phase keys) of the iteration that just ended. */
    void (*profile)(void *ctx, int64_t iter, const struct aidf_num_map *phases);

    /**
     * The scope guard found changes to files that need approval (`files`, repository
     * relative). Return the user's answer, or AIDF_ASK_UNAVAILABLE when there is no one
     * to ask.
     */
    enum aidf_ask_answer (*ask)(void *ctx, const struct aidf_strlist *files);

    /** A dry run: the prompt the first iteration would send (the run then stops). */
    void (*dry_run_prompt)(void *ctx, const char *prompt);

    /**
     * The run ended and its report was built: `r` is the report, `report_path` the file
     * it was written to (NULL when it could not be written).
     */
    void (*summary)(void *ctx, const struct aidf_report *r, const char *report_path);
};

#endif
