/*
 * The run engine behind `aidf run`: one task through the loop — context, provider calls
 * (rate limits waited out with backoff), the scope guard, validation, commits, the task
 * file's status section and folder — measured by the metrics collector, with a report
 * written for every run (completed, blocked or failed, a config error included), then
 * pushed to the report server and the webhook.
 *
 * The engine prints nothing: progress, the live status line's data, the `ask` question
 * and the final summary go to the front end through struct aidf_run_events.
 *
 * Ownership: options are borrowed; a struct aidf_run_result owns its strings and JSON and
 * is freed with aidf_run_result_release().
 */
#ifndef AIDF_EXECUTOR_H
#define AIDF_EXECUTOR_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "aidf/report.h"
#include "aidf/run_events.h"

struct aidf_provider;

/** Sleep `ms` milliseconds (the wait after a rate limit). */
typedef void (*aidf_run_sleep_fn)(void *ctx, int64_t ms);

/** Options of one run (from the command line). NULL / 0 fields take the config's value. */
struct aidf_run_opts {
    const char *provider;            /* --provider */
    const char *model;               /* --model */
    int64_t max_iterations;          /* --max-iterations; 0: execution.max_iterations */
    bool dry_run;                    /* build the first prompt (given to events.dry_run_prompt), run
                                        nothing, write nothing */
    bool resume;                     /* continue a BLOCKED task */
    const char *report_server;       /* --report-server URL; NULL: observability.server.url */
    const struct aidf_strlist *tags; /* --tag key=value items (aidf/tags.h); may be NULL */
    volatile sig_atomic_t *cancel;   /* set by SIGINT/SIGTERM */

    struct aidf_run_events events; /* what the front end is told; all-NULL: nothing */

    /*
     * For embedding and tests. `provider_override`: run with this provider instead of
     * creating the configured one (borrowed, never freed by the run); the config's
     * provider type must still be a known one, and the report names it. `sleep`: how to
     * wait after a rate limit, with `sleep_ctx` (NULL: sleep for real, waking early when
     * `cancel` is set).
     */
    struct aidf_provider *provider_override;
    aidf_run_sleep_fn sleep;
    void *sleep_ctx;
};

/** What a run produced. */
struct aidf_run_result {
    enum aidf_status status; /* AIDF_STATUS_UNKNOWN for a dry run or a run that never
                                started (no project) */
    char *report_path;       /* the report file; NULL when none was written */
    char *task_path;         /* where the task file is now (moved to completed/ or blocked/) */
    json_t *report;          /* the report as JSON (new reference), NULL when none */
};

/**
 * Run the task at `task_path` in the project at `root` (the directory holding .ai/).
 * Always fills `res` (release it afterwards). Returns the exit code: 0 completed (or a
 * dry run), 1 blocked or failed (the reason is in the report and told to events.summary).
 */
int aidf_executor_run(const char *root, const char *task_path, const struct aidf_run_opts *o,
                      struct aidf_run_result *res);

/** Free what `r` owns and zero it. */
void aidf_run_result_release(struct aidf_run_result *r);

#endif
