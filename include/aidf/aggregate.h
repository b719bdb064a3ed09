/*
 * Aggregate statistics over run summaries: totals,
 * averages, success rate, the most expensive tasks, the most changed files,
 * per-provider and per-model breakdowns and the average phase distribution.
 *
 * Currencies: costs in different currencies are never added together. Every cost figure
 * of the aggregate (cost_total, avg_cost, the groups' `cost`) sums only the runs priced
 * in one currency, `currency`: the one with the most priced runs; ties go to "USD", then
 * to the alphabetically first. A run's currency is its summary's (`currency`, "USD" when
 * the report names none or the summary holds NULL). `currencies` lists the figures of
 * every currency named by a run, and each group lists its own (`by_currency`), so a
 * caller can show the others beside the headline instead of adding them in.
 *
 * Ownership: struct aidf_aggregate owns its arrays and strings;
 * aidf_aggregate_release() frees them.
 */
#ifndef AIDF_AGGREGATE_H
#define AIDF_AGGREGATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/store.h"

#define AIDF_AGG_TOP_TASKS 5
#define AIDF_AGG_TOP_FILES 10

/*
 * Ceilings of the sums (see satadd.h). Counts stop at 2^53 - 1, the largest integer a
 * JSON reader holds exactly; money at 10^15 USD and time at 10^18 ms, far beyond any
 * real total yet finite and printable. A sum that reaches its ceiling sets `saturated`.
 */
#define AIDF_AGG_MAX_COUNT AIDF_REPORT_MAX_COUNT
#define AIDF_AGG_MAX_USD   1e15
#define AIDF_AGG_MAX_MS    1e18

/** Cost figures in one currency. */
struct aidf_agg_money {
    const char *currency; /* borrowed from the aggregate's `currencies` (never NULL) */
    double total;         /* sum over the runs priced in this currency */
    size_t priced_runs;   /* runs with a cost figure in this currency */
    size_t unpriced_runs; /* runs naming this currency without a cost figure */
};

/** Totals for one group (a provider, a model, a task). */
struct aidf_agg_group {
    char *name;
    size_t runs, completed, blocked, failed;
    int64_t tokens_in, tokens_out, tokens_total, cache_read, cache_write;
    double cost;          /* sum over the runs priced in the aggregate's `currency` */
    size_t priced_runs;   /* runs priced in the aggregate's `currency` */
    size_t unpriced_runs; /* runs without a cost figure, in any currency */
    double duration_ms;   /* sum */
    int64_t iterations;   /* sum */
    /* The group's figures per currency it has runs in, sorted by currency (owned). */
    size_t n_by_currency;
    struct aidf_agg_money *by_currency;
};

struct aidf_aggregate {
    size_t runs, completed, blocked, failed;
    double success_rate; /* completed / runs, 0..1; 0 when no runs */
    int64_t tokens_in, tokens_out, tokens_total, cache_read, cache_write, reasoning;
    size_t estimated_token_runs; /* runs whose tokens were estimated */
    const char *currency;        /* of every cost figure: one of `currencies`, or "USD" (static) */
    double cost_total;           /* sum over the runs priced in `currency` */
    size_t priced_runs;          /* runs priced in `currency` */
    size_t unpriced_runs;        /* runs without a cost figure, in any currency */
    double avg_cost;             /* cost_total / priced_runs, 0 when none */
    /*
     * Every currency named by a run, sorted by name (byte order); the names are owned.
     * Empty when there are no runs; more than one entry means that some cost figures are
     * in none of the totals above.
     */
    size_t n_currencies;
    struct aidf_agg_money *currencies;
    double avg_iterations; /* over all runs */
    double avg_duration_ms;
    double total_duration_ms;
    int64_t files_changed;    /* sum of files.totalCount */
    int64_t scope_violations; /* sum */
    int64_t validation_runs;  /* sum */
    int64_t validation_failures;
    int64_t first_ts_ms, last_ts_ms; /* AIDF_UNSET when no runs */
    /*
     * True when a sum (here or in a group) reached its ceiling or a run held a negative
     * or non-finite figure: the totals are lower bounds. Only possible with reports
     * outside the decoder's bounds (older versions, files edited by hand).
     */
    bool saturated;

    /* Average phase distribution: mean ms per run, and share of the summed phase time. */
    double phase_avg_ms[AIDF_PHASE_COUNT];
    double phase_pct[AIDF_PHASE_COUNT]; /* 0..100, sums to 100 when any phase time */

    size_t n_top_tasks; /* most expensive tasks by summed cost, at most AIDF_AGG_TOP_TASKS */
    struct aidf_agg_group top_tasks[AIDF_AGG_TOP_TASKS];
    size_t n_top_files; /* most often changed files, at most AIDF_AGG_TOP_FILES */
    struct {
        char *path;
        size_t runs;
    } top_files[AIDF_AGG_TOP_FILES];

    size_t n_providers, n_models; /* sorted by cost desc, then runs desc, then name */
    struct aidf_agg_group *providers, *models;
};

/** Compute the aggregate of `n` runs into `out` (overwritten). */
void aidf_aggregate_compute(const struct aidf_run_summary *const *runs, size_t n,
                            struct aidf_aggregate *out);
/**
 * An accumulator of run summaries: the sums behind an aggregate, kept so that runs can be
 * added one by one. It copies every string it keeps (the summaries may change later).
 */
struct aidf_agg_acc;

/** A new, empty accumulator. Never NULL. */
struct aidf_agg_acc *aidf_agg_acc_new(void);
/** Free an accumulator. NULL is a no-op. */
void aidf_agg_acc_free(struct aidf_agg_acc *acc);
/**
 * Add `n` runs: in the given order, or last to first with `reverse` (a newest-first list
 * is added oldest first). Adding oldest first, run by run or all at once, gives the same
 * figures as aidf_aggregate_compute() over the newest-first list.
 */
void aidf_agg_acc_add_many(struct aidf_agg_acc *acc, const struct aidf_run_summary *const *runs,
                           size_t n, bool reverse);
/** Runs added so far. */
size_t aidf_agg_acc_runs(const struct aidf_agg_acc *acc);
/** The aggregate of what was added, into `out` (overwritten; release it). */
void aidf_agg_acc_result(const struct aidf_agg_acc *acc, struct aidf_aggregate *out);

/** Free what the aggregate owns. */
void aidf_aggregate_release(struct aidf_aggregate *a);
/**
 * The aggregate as JSON (new reference); the one shape shared by
 * `aidf report summary --json` and the server's GET /summary. `cost.currency` names the
 * currency of every cost figure; with more than one currency a top-level `costByCurrency`
 * object (currency -> {total, pricedRuns, unpricedRuns, average}) and, in every group and
 * top task, a `costByCurrency` object (currency -> {cost, pricedRuns, unpricedRuns}) of
 * the currencies that group has runs in. With one currency neither appears.
 */
json_t *aidf_aggregate_to_json(const struct aidf_aggregate *a);

#endif
