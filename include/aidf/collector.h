/*
 * Metrics collector: accumulates everything one `aidf run` produces —
 * phases, iterations, tokens, costs, validation runs, scope violations, file changes,
 * errors, the outcome and the environment — and assembles the execution report.
 *
 * The collector is passive: no files, no network, no environment reads (the front end
 * passes CI data in; aidf_collector_fill_host() is the one helper that asks the kernel
 * for os/arch/hostname). Misuse (NULL arguments, recording after the report) never
 * crashes: it is ignored or logged as a warning.
 *
 * Ownership: the collector copies every string it is given and owns its copies;
 * aidf_collector_free() frees them. The rate table passed to aidf_collector_set_rates()
 * is borrowed and must outlive the collector. Not thread-safe.
 */
#ifndef AIDF_COLLECTOR_H
#define AIDF_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/ci.h"
#include "aidf/cost.h"
#include "aidf/profiler.h"
#include "aidf/report.h"

/** Canonical UUID text length plus the NUL. */
#define AIDF_UUID_BUF 37

/**
 * Write a random (version 4, RFC 9562 variant) UUID in canonical lower-case form into
 * `out`. Randomness comes from OpenSSL RAND_bytes(), falling back to getrandom().
 * Returns AIDF_OK, or AIDF_EIO when no randomness is available (`out` then holds the
 * nil UUID).
 */
int aidf_uuid_v4(char out[AIDF_UUID_BUF]);

/** Run metadata (task 125's constructor argument). Every field may be NULL; copied. */
struct aidf_run_meta {
    const char *task_path, *task_goal, *task_type, *role_name;
    const char *provider_type, *provider_model;
    const char *cwd, *aidf_version;
};

/** A wall clock in milliseconds since the Unix epoch (tests inject a fake one). */
typedef int64_t (*aidf_clock_ms_fn)(void *ctx);

/** Clocks of a collector; NULL functions mean the real clocks. */
struct aidf_collector_clocks {
    aidf_clock_ns_fn mono_ns; /* monotonic, nanoseconds (durations, phases) */
    void *mono_ctx;
    aidf_clock_ms_fn wall_ms; /* wall, epoch milliseconds (startedAt, completedAt) */
    void *wall_ctx;
};

/** One finished iteration (task 124's IterationMetrics). */
struct aidf_iteration_metrics {
    int64_t iteration;  /* 1-based */
    double duration_ms; /* NaN: measured (time since the previous iteration was recorded,
                           or since the collector was created) */
    const struct aidf_num_map *phases; /* borrowed; NULL: derived from the profiler as the
                                          phase time accrued since the previous iteration */
    int64_t files_changed;             /* AIDF_UNSET when unknown */
};

enum aidf_file_change_kind {
    AIDF_FILE_CREATED = 0,
    AIDF_FILE_MODIFIED = 1,
    AIDF_FILE_DELETED = 2,
};

struct aidf_collector;

/**
 * Create a collector for one run: copies `meta` (may be NULL), generates the run id,
 * notes the start (wall and monotonic). `clocks` NULL means the real clocks. Never
 * returns NULL (allocation failure aborts).
 */
struct aidf_collector *aidf_collector_new(const struct aidf_run_meta *meta,
                                          const struct aidf_collector_clocks *clocks);

/**
 * Update the run metadata: every non-NULL field of `meta` replaces the one given so far
 * (the executor creates the collector before the task and config are loaded, and learns
 * the model from the agent CLI's answer). NULL `c` or `meta` is a no-op.
 */
void aidf_collector_update_meta(struct aidf_collector *c, const struct aidf_run_meta *meta);

/** Free the collector and everything it owns. NULL is a no-op. */
void aidf_collector_free(struct aidf_collector *c);

/** The run id (canonical UUID), borrowed; valid until aidf_collector_free(). */
const char *aidf_collector_run_id(const struct aidf_collector *c);

/** The profiler the collector delegates to (borrowed), e.g. for verbose output. */
struct aidf_profiler *aidf_collector_profiler(struct aidf_collector *c);

/** Start phase `name` (see aidf_profiler_start(); misuse logs a warning). */
void aidf_collector_start_phase(struct aidf_collector *c, const char *name);
/** End phase `name` (see aidf_profiler_end(); misuse logs a warning). */
void aidf_collector_end_phase(struct aidf_collector *c, const char *name);

/**
 * Record a finished iteration. Recording the same iteration number again replaces the
 * earlier entry. NULL `m` is ignored.
 */
void aidf_collector_record_iteration(struct aidf_collector *c,
                                     const struct aidf_iteration_metrics *m);

/**
 * Add token usage for `iteration` (several calls for one iteration accumulate, e.g. one
 * per API turn). `input` excludes cache tokens (Anthropic's input_tokens); `cache_read`,
 * `cache_write` and `reasoning` are AIDF_UNSET when the provider does not report them.
 * `estimated` is true for chars/4 estimates. Negative counts are treated as 0.
 */
void aidf_collector_record_tokens(struct aidf_collector *c, int64_t iteration, int64_t input,
                                  int64_t output, int64_t cache_read, int64_t cache_write,
                                  int64_t reasoning, bool estimated);

/**
 * Add a cost the provider itself reported for `iteration`, in USD (e.g. Claude Code's
 * total_cost_usd). Non-finite or negative values are ignored with a warning.
 */
void aidf_collector_record_provider_cost(struct aidf_collector *c, int64_t iteration, double usd);

/**
 * Record one validation command run (strings copied; NULL allowed). `passed` is -1
 * (unknown), 0 or 1; `duration_ms` NaN and `exit_code` AIDF_UNSET when unknown.
 */
void aidf_collector_record_validation(struct aidf_collector *c, int64_t iteration,
                                      const char *phase, const char *command, int passed,
                                      double duration_ms, int64_t exit_code);

/**
 * Record a scope violation covering `n` blocked files: the violation count grows by
 * `n` (by 1 when `n` is 0) and the files join the de-duplicated blocked list.
 */
void aidf_collector_record_scope_violation(struct aidf_collector *c, const char *const *files,
                                           size_t n);

/**
 * Record a change to `path`, merged with earlier changes to the same path: created then
 * modified stays created; created then deleted disappears; modified then deleted is
 * deleted; deleted then created (or modified) is modified.
 */
void aidf_collector_record_file_change(struct aidf_collector *c, const char *path,
                                       enum aidf_file_change_kind kind);

/**
 * Record the run's error (the last call wins). `category` and `code` may be NULL.
 */
void aidf_collector_record_error(struct aidf_collector *c, const char *message,
                                 const char *category, const char *code);

/**
 * Set the outcome. `iterations` AIDF_UNSET means "the highest iteration recorded";
 * `max_iterations` and `consecutive_failures` may be AIDF_UNSET; `blocked_reason` may be
 * NULL. Without this call the report says "failed" (the run never reached an outcome).
 */
void aidf_collector_set_outcome(struct aidf_collector *c, enum aidf_status status,
                                int64_t iterations, int64_t max_iterations,
                                int64_t consecutive_failures, const char *blocked_reason);

/** Set the context size in tokens and, optionally, its breakdown (copied; may be NULL). */
void aidf_collector_set_context_tokens(struct aidf_collector *c, int64_t n,
                                       const struct aidf_num_map *breakdown);

/** Set the scope mode ("strict", "ask", "permissive"; copied). */
void aidf_collector_set_scope_mode(struct aidf_collector *c, const char *mode);

/**
 * Set the sandbox the agent's commands ran in ("bwrap", "landlock", "none", "off";
 * copied): the report's security.sandbox. Not called (no security object) when aidf
 * runs no command for the agent (the CLI providers).
 */
void aidf_collector_set_sandbox(struct aidf_collector *c, const char *sandbox);

/** Set the CI data (copied). `ci` NULL means "not CI". */
void aidf_collector_set_environment(struct aidf_collector *c, const struct aidf_ci_env *ci);

/** Where a run came from and who ran it (every field may be NULL). */
struct aidf_collector_origin {
    const char *project_name, *repository, *branch, *commit; /* the report's `project` */
    const char *actor;
    const struct aidf_kvlist *tags;
};

/** Set the report's project, actor and tags (copied; replaces what was set). */
void aidf_collector_set_origin(struct aidf_collector *c, const struct aidf_collector_origin *o);

/** Set `project.commitAfter`: HEAD at the end of the run (copied; NULL clears it). */
void aidf_collector_set_commit_after(struct aidf_collector *c, const char *sha);

/** Set `agentSessionId`, the agent's own session id (copied; NULL clears it). */
void aidf_collector_set_agent_session(struct aidf_collector *c, const char *session_id);

/**
 * Fill os, arch and hostname from uname(2). Returns AIDF_OK or AIDF_EIO (fields then
 * stay unset).
 */
int aidf_collector_fill_host(struct aidf_collector *c);

/** Use `t` (borrowed; NULL clears) to price the run at report time. */
void aidf_collector_set_rates(struct aidf_collector *c, const struct aidf_rate_table *t);

/**
 * Mark the end of the run: note the end time (wall and monotonic) and close phases left
 * running (each with a warning). Idempotent; aidf_collector_to_report() calls it.
 */
void aidf_collector_finish(struct aidf_collector *c);

/**
 * Assemble the execution report into `out` (initialised with aidf_report_init(); its
 * previous contents are released). Finishes the collector first. Every block is filled:
 * tokens only when some usage was recorded (or the context size set). Cost: the
 * model's rates (aidf_rate_lookup() over the table from aidf_collector_set_rates())
 * give `computed`; provider-reported costs sum to `reported`; `estimatedTotal` is the
 * provider figure when one was reported (source "provider"; iterations without a
 * reported cost but with tokens add their computed cost), else the computed one (source
 * "computed"); with neither the run is `unpriced` and `estimatedTotal` is NaN.
 * Returns AIDF_OK, or AIDF_EINVAL when `c` or `out` is NULL.
 */
int aidf_collector_to_report(struct aidf_collector *c, struct aidf_report *out);

#endif
