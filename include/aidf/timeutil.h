/*
 * Clocks and ISO 8601 time handling. All wall times are UTC.
 */
#ifndef AIDF_TIMEUTIL_H
#define AIDF_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Monotonic clock in nanoseconds (CLOCK_MONOTONIC). */
int64_t aidf_mono_ns(void);
/** Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12, d 1..31). */
int64_t aidf_days_from_civil(int64_t y, int m, int d);

/** The date of day `z` since 1970-01-01 (the inverse of aidf_days_from_civil()). */
void aidf_civil_from_days(int64_t z, int *y, int *m, int *d);

/** Days in month `m` (1..12) of year `y`. */
int aidf_days_in_month(int64_t y, int m);

/** a / b rounded towards minus infinity (b > 0). */
int64_t aidf_floor_div(int64_t a, int64_t b);

/** Wall clock in milliseconds since the Unix epoch. */
int64_t aidf_wall_ms(void);

/** Size of a buffer that holds "2026-11-24T10:00:00.000Z" plus NUL. */
#define AIDF_ISO_LEN 25

/** Format epoch milliseconds as "YYYY-MM-DDTHH:MM:SS.mmmZ" into out[AIDF_ISO_LEN]. */
void aidf_iso_format(int64_t epoch_ms, char out[AIDF_ISO_LEN]);
/** Format the UTC date "YYYY-MM-DD" of epoch_ms into out (at least 11 bytes). */
void aidf_date_format(int64_t epoch_ms, char out[11]);

/**
 * Parse an ISO 8601 timestamp or date into epoch milliseconds: "YYYY-MM-DD",
 * "YYYY-MM-DDTHH:MM[:SS[.fff…]]" with "Z", "+HH:MM", "-HH:MM" or no zone (UTC).
 * Returns AIDF_OK or AIDF_EINVAL (out untouched).
 */
int aidf_iso_parse(const char *s, int64_t *epoch_ms);

/**
 * Parse a filter date: an ISO date/timestamp (as aidf_iso_parse) or a relative age
 * "<n><unit>" counted back from `now_ms`, n from 0 to 100000: s seconds, m minutes (as in
 * every time tool: "30m" is half an hour), h hours, d days (24 h), w weeks, mo calendar
 * months (UTC; the day clamped to the month's length), y calendar years. Any other unit
 * is AIDF_EINVAL (error messages list the units with aidf_when_units_help). When
 * `end_of_day` is true a bare date "YYYY-MM-DD" means the last millisecond of that day
 * (for --until). AIDF_OK or AIDF_EINVAL.
 */
int aidf_parse_when(const char *s, int64_t now_ms, bool end_of_day, int64_t *epoch_ms);

/** The relative units aidf_parse_when() takes, for error messages and help. */
extern const char *const aidf_when_units_help;

/** Human duration: "850ms", "12.3s", "4m 05s", "2h 03m". */
void aidf_format_duration(double ms, char *out, size_t outlen);

#endif
