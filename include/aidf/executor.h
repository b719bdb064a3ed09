/*
 * The executor behind `aidf run`: one task through the loop of
 * reference/upstream-aidf.md §2.4 with the fixes of design.md §3 — context, provider
 * calls, scope guard, validation, commits, the task file's status — measured by the
 * metrics collector, and a report written for every run (completed, blocked or failed,
 * a config error included), then pushed to the report server and the webhook.
 *
 * Ownership: options are borrowed; a struct run_result owns its strings and JSON and is
 * freed with run_result_release().
 */
#ifndef AIDF_CLI_EXECUTOR_H
#define AIDF_CLI_EXECUTOR_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "aidf/report.h"

/** Options of one run (from the command line). NULL / 0 fields take the config's value. */
struct run_opts {
    const char *provider;   /* --provider */
    const char *model;      /* --model */
    int64_t max_iterations; /* --max-iterations; 0: execution.max_iterations */
    bool dry_run;           /* print the first prompt, run nothing, write nothing */
    bool resume;            /* continue a BLOCKED task */
    bool verbose, quiet;
    const char *report_server;     /* --report-server URL; NULL: observability.server.url */
    volatile sig_atomic_t *cancel; /* set by SIGINT/SIGTERM */
};

/** What a run produced. */
struct run_result {
    enum aidf_status status; /* AIDF_STATUS_UNKNOWN for a dry run or a run that never
                                started (no project) */
    char *report_path;       /* the report file; NULL when none was written */
    char *task_path;         /* where the task file is now (moved to completed/ or blocked/) */
    json_t *report;          /* the report as JSON (new reference), NULL when none */
};

/**
 * Run the task at `task_path` in the project at `root` (the directory holding .ai/).
 * Always fills `res` (release it afterwards). Returns the exit code: 0 completed (or a
 * dry run), 1 blocked or failed.
 */
int executor_run(const char *root, const char *task_path, const struct run_opts *o,
                 struct run_result *res);

/** Free what `r` owns and zero it. */
void run_result_release(struct run_result *r);

#endif
