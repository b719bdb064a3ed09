/*
 * Phase profiler: cumulative wall-clock time per named execution phase,
 * measured with a monotonic clock.
 *
 * Phases are independent timers keyed by name: they may nest or overlap (ending the
 * outer phase while an inner one is open is fine), and repeated start/end pairs
 * accumulate. Misuse (end without start, start on a running phase, an empty name) logs a
 * warning and is a no-op. Bookkeeping is a clock read plus a short linear scan over a
 * small array; nothing is allocated after the first time a phase name is seen.
 *
 * Ownership: the profiler owns its phase names; aidf_profiler_release() frees them.
 * Summaries borrow those names. Not thread-safe (one profiler per run).
 */
#ifndef AIDF_PROFILER_H
#define AIDF_PROFILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/containers.h"

/* Distinct phase names a profiler tracks; further names are refused with a warning. */
#define AIDF_PROFILER_MAX_PHASES 64

/** A monotonic clock in nanoseconds (tests inject a fake one). */
typedef int64_t (*aidf_clock_ns_fn)(void *ctx);

/** One phase's accumulated state. Read-only for callers. */
struct aidf_phase_stats {
    char *name;
    int64_t total_ns;   /* closed intervals only */
    int64_t min_ns;     /* shortest closed interval (valid when closed > 0) */
    int64_t max_ns;     /* longest closed interval */
    int64_t count;      /* times the phase was entered */
    int64_t closed;     /* intervals that ended */
    int64_t started_ns; /* start of the open interval when running */
    bool running;
};

struct aidf_profiler {
    aidf_clock_ns_fn clock; /* never NULL after init */
    void *clock_ctx;
    int64_t start_ns; /* when the profiler was initialised */
    size_t n, cap;
    struct aidf_phase_stats *phases; /* in order of first start */
};

/** Per-phase summary (task 135's PhaseSummary). `name` is borrowed from the profiler. */
struct aidf_phase_summary {
    const char *name;
    double total_ms;
    int64_t count;
    double avg_ms, min_ms, max_ms;
    double percentage; /* of the total wall-clock time, 0..100 (overlapping phases may sum
                          past 100) */
};

/**
 * Initialise `p` and note the start time. `clock` NULL means aidf_mono_ns() (the real
 * monotonic clock); otherwise `clock(clock_ctx)` is called for every reading.
 */
void aidf_profiler_init(struct aidf_profiler *p, aidf_clock_ns_fn clock, void *clock_ctx);

/** Free the phase names and re-initialise `p` to an empty profiler (no start time). */
void aidf_profiler_release(struct aidf_profiler *p);

/**
 * Start timing phase `name` (copied the first time it is seen). A phase that is already
 * running, a NULL/empty name or a name past AIDF_PROFILER_MAX_PHASES logs a warning and
 * changes nothing.
 */
void aidf_profiler_start(struct aidf_profiler *p, const char *name);

/**
 * Stop timing phase `name` and add the interval to its totals. A phase that is not
 * running (never started or already ended) logs a warning and changes nothing.
 */
void aidf_profiler_end(struct aidf_profiler *p, const char *name);

/** True when phase `name` is currently running. */
bool aidf_profiler_running(const struct aidf_profiler *p, const char *name);

/** Milliseconds of wall-clock time since aidf_profiler_init(). */
double aidf_profiler_elapsed_ms(const struct aidf_profiler *p);

/**
 * End every phase that is still running (at "now"), logging a warning naming each.
 * Returns how many phases were closed. Called at report time.
 */
size_t aidf_profiler_finish(struct aidf_profiler *p);

/**
 * Add each phase's cumulative time in milliseconds to `out` (an initialised map; entries
 * in first-start order). A running phase counts up to now without being closed.
 */
void aidf_profiler_timings(const struct aidf_profiler *p, struct aidf_num_map *out);

/**
 * Summaries of every phase, in first-start order, as a heap array of `*n` entries (caller
 * frees the array with free(); the names stay owned by the profiler). `total_ms` is the
 * time percentages are taken of; pass NaN or a value <= 0 for the wall-clock time since
 * the profiler started. A running phase counts up to now, as one more interval for
 * min/max. Returns NULL with `*n` = 0 when there are no phases.
 */
struct aidf_phase_summary *aidf_profiler_summary(const struct aidf_profiler *p, double total_ms,
                                                 size_t *n);

#endif
