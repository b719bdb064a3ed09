/*
 * The orders of run listings (`aidf report list --sort`, `GET /runs?sort=`): a key,
 * ascending or descending, ties by run id.
 */
#ifndef AIDF_RUN_SORT_H
#define AIDF_RUN_SORT_H

#include <stddef.h>

#include "aidf/store.h"

/** An order of runs. */
enum aidf_run_sort {
    AIDF_SORT_TS_DESC = 0, /* -timestamp, the default: the index's own order */
    AIDF_SORT_TS_ASC,
    AIDF_SORT_COST_ASC,
    AIDF_SORT_COST_DESC,
    AIDF_SORT_TOKENS_ASC,
    AIDF_SORT_TOKENS_DESC,
    AIDF_SORT_DURATION_ASC,
    AIDF_SORT_DURATION_DESC,
};

/** The words of the orders, for messages: "timestamp, cost, tokens or durationMs ...". */
#define AIDF_RUN_SORT_WORDS \
    "timestamp, cost, tokens or durationMs (ascending; '-' in front for descending)"

/** The word ("timestamp", "-cost", ...) as an order. AIDF_OK or AIDF_EINVAL (`*out` kept). */
int aidf_run_sort_parse(const char *s, enum aidf_run_sort *out);
/** The canonical word of an order ("-timestamp", "cost", ...). */
const char *aidf_run_sort_name(enum aidf_run_sort s);
/**
 * A run's sort key: the time (ms), the cost (NaN when unpriced), total tokens (0 when
 * unknown) or the duration (ms, 0 when unknown). Every value is exact in a double.
 */
double aidf_run_sort_key(const struct aidf_run_summary *m, enum aidf_run_sort s);
/**
 * Compare the items (ka, ida) and (kb, idb) in order `s`: <0 when a comes first. Keys in
 * the order's direction, a NaN key (an unpriced cost) last in both directions, ties by
 * run id ascending (ASCII case-insensitive), as the index orders equal times.
 */
int aidf_run_sort_cmp(enum aidf_run_sort s, double ka, const char *ida, double kb, const char *idb);
/** Sort `n` borrowed runs in order `s` (a total order: the result does not depend on the
 * input order). */
void aidf_run_sort(const struct aidf_run_summary **runs, size_t n, enum aidf_run_sort s);

#endif
