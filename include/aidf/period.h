/*
 * Time buckets for time series (`/stats`, `aidf report stats`): the period of an instant in
 * a time zone, as a sortable key. hour "2026-11-03T14", day "2026-11-03", ISO 8601 week
 * "2026-W45" (weeks start on Monday; week 1 holds the year's first Thursday), month
 * "2026-11". Keys of one interval sort in time order as plain strings.
 *
 * Ownership: no allocation; the zone is borrowed.
 */
#ifndef AIDF_PERIOD_H
#define AIDF_PERIOD_H

#include <stddef.h>
#include <stdint.h>

#include "aidf/tz.h"

enum aidf_interval {
    AIDF_INTERVAL_NONE, /* one bucket: no period */
    AIDF_INTERVAL_HOUR,
    AIDF_INTERVAL_DAY,
    AIDF_INTERVAL_WEEK,
    AIDF_INTERVAL_MONTH,
};

/* Room for the longest key ("-99999-12-31T23" with a NUL, far beyond any report). */
#define AIDF_PERIOD_MAX 24

/** "hour", "day", "week", "month" or "none" → `*out`. AIDF_OK or AIDF_EINVAL. */
int aidf_interval_parse(const char *s, enum aidf_interval *out);

/** The name of an interval ("day"). */
const char *aidf_interval_name(enum aidf_interval iv);

/**
 * Write the key of the period of `iv` that holds the instant `epoch_ms` in zone `tz` to
 * `out` (an empty string for AIDF_INTERVAL_NONE). Returns the key's length.
 */
size_t aidf_period_key(enum aidf_interval iv, const struct aidf_tz *tz, int64_t epoch_ms,
                       char out[AIDF_PERIOD_MAX]);

#endif
