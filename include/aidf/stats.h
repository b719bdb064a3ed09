/*
 * Time series of run summaries: the runs grouped by period (hour, day, ISO week, month or
 * none, in an IANA time zone), by zero or more dimensions (model, provider, project, actor,
 * status, taskName, taskType, branch, tag:<key>) and always by currency, with sums per
 * group. One computation and one JSON and CSV encoder serve `GET /stats` and
 * `aidf report stats`, so both print the same bytes.
 *
 * Rows come sorted by period, then by the dimensions in the order asked for, then by
 * currency (bytewise, a missing value after every value); only groups with runs appear.
 * Costs are summed per currency and never across currencies.
 *
 * Ownership: struct aidf_stats owns its rows and every string in them;
 * aidf_stats_release() frees them. The zone of a query is borrowed (zones from
 * aidf_tz_get() live until the process ends). Thread-safe: no shared state.
 */
#ifndef AIDF_STATS_H
#define AIDF_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/buf.h"
#include "aidf/err.h"
#include "aidf/period.h"
#include "aidf/store.h"
#include "aidf/tags.h"
#include "aidf/tz.h"

/** The dimensions a series can be split by. */
enum aidf_stats_dim {
    AIDF_STATS_MODEL = 0,
    AIDF_STATS_PROVIDER,
    AIDF_STATS_PROJECT,
    AIDF_STATS_ACTOR,
    AIDF_STATS_STATUS,
    AIDF_STATS_TASK_NAME,
    AIDF_STATS_TASK_TYPE,
    AIDF_STATS_BRANCH,
    AIDF_STATS_TAG, /* tag:<key> */
};

/* At most this many `by` keys in one query (each key once). */
#define AIDF_STATS_MAX_BY 8

/** One `by` key: a dimension, and for AIDF_STATS_TAG the tag key. */
struct aidf_stats_key {
    enum aidf_stats_dim dim;
    char name[AIDF_TAG_KEY_MAX + 5]; /* the member name in rows: "model", "tag:team" */
};

/** What to compute. Initialise with aidf_stats_query_init(). */
struct aidf_stats_query {
    enum aidf_interval interval;
    const struct aidf_tz *tz; /* borrowed */
    size_t n_by;
    struct aidf_stats_key by[AIDF_STATS_MAX_BY];
};

/** Interval day, no `by` keys, the zone `tz` (borrowed). */
void aidf_stats_query_init(struct aidf_stats_query *q, const struct aidf_tz *tz);

/**
 * Add the comma-separated `by` keys of `list` ("model,tag:team"; white space around keys and
 * empty items are ignored) to `q`. AIDF_OK, or AIDF_EINVAL with a message in `err` (`q`
 * unchanged) for an unknown key (the message lists the known ones), a bad tag key, a key
 * given twice or more than AIDF_STATS_MAX_BY keys. `prefix` goes before "by" in messages
 * ("--" for the CLI, "" for the server).
 */
int aidf_stats_add_by(struct aidf_stats_query *q, const char *list, const char *prefix,
                      struct aidf_error *err);

/** One group: its keys and sums. */
struct aidf_stats_row {
    const char *period;                  /* the period key; "" for AIDF_INTERVAL_NONE */
    const char *keys[AIDF_STATS_MAX_BY]; /* the value of each `by` key; NULL: the run has none */
    const char *currency;                /* "USD" when a report names none */
    int64_t runs, completed, blocked, failed;
    int64_t tokens_in, tokens_out, tokens_total, cache_read, cache_write;
    int64_t tokens_with_cache; /* total + cache read + cache write */
    double cost;               /* sum over the priced runs, in `currency` */
    int64_t unpriced_runs;     /* runs without a cost figure */
    double duration_ms;        /* sum */
};

/** The result of a computation. */
struct aidf_stats {
    struct aidf_stats_query q; /* a copy of the query */
    size_t n_rows;
    struct aidf_stats_row *rows;
    /* A sum reached its ceiling (the aggregate's, aggregate.h) or a run held a negative or
     * non-finite figure: the sums are lower bounds (reports edited by hand only). */
    bool saturated;
    struct aidf_stats_strings *strings; /* private: the owned strings */
};

/**
 * Group `n` runs (any order; they are added last to first, so a newest-first list from
 * aidf_store_list() is summed oldest first, the aggregate's order) into `out`
 * (overwritten; release it). No allocation per run: dimension values and period keys are
 * interned, and a run in the same period as the one before reuses its key.
 */
void aidf_stats_compute(const struct aidf_stats_query *q,
                        const struct aidf_run_summary *const *runs, size_t n,
                        struct aidf_stats *out);

/** Free what `st` owns; it is left empty. */
void aidf_stats_release(struct aidf_stats *st);

/**
 * Append the JSON document of `st` to `out`: {"interval","by","tz","rows":[...]} with one
 * row per line, the rows' members in the order period, the `by` keys, currency, runs,
 * completed, blocked, failed, tokens {input, output, cacheRead, cacheWrite, total,
 * totalWithCache}, cost (6 decimals), unpricedRuns, durationMs (1 decimal), and a
 * trailing newline. Strings are escaped as JSON with DEL, the C1 controls and the bidi
 * overrides as "\uXXXX" too, so the text is safe on a terminal. The one encoder of
 * `GET /stats` and `aidf report stats --json`.
 */
void aidf_stats_json(const struct aidf_stats *st, struct aidf_buf *out);

/**
 * Append `st` as CSV (csv.h rules) to `out`: a header (period unless the interval is none,
 * the `by` keys, currency, runs, completed, blocked, failed, input_tokens, output_tokens,
 * cache_read_tokens, cache_write_tokens, total_tokens, total_with_cache_tokens, cost,
 * unpriced_runs, duration_ms) and one record per row; a missing value is an empty cell.
 */
void aidf_stats_csv(const struct aidf_stats *st, struct aidf_buf *out);

#endif
