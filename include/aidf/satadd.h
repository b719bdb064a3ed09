/*
 * Saturating sums: totals that stop at a ceiling instead of wrapping (integers) or
 * becoming infinite or NaN (doubles), and say so. Used wherever figures read from
 * reports are added up (lib/report/aggregate.c), so no input, even one written by
 * hand past the decoder's bounds, can print a negative or infinite total.
 */
#ifndef AIDF_SATADD_H
#define AIDF_SATADD_H

#include <stdbool.h>
#include <stdint.h>

/**
 * `*acc += v`, saturating at `cap` (and at 0 from below: these sums are of non-negative
 * figures, so a negative `v` is treated as 0 and reported). `*acc` must be in [0, cap].
 * Returns true when the result was clamped or `v` refused; `*acc` is always in [0, cap].
 */
static inline bool aidf_sat_add_i64(int64_t *acc, int64_t v, int64_t cap)
{
    int64_t r;
    if (v < 0)
        return true;
    if (__builtin_add_overflow(*acc, v, &r) || r > cap) {
        *acc = cap;
        return true;
    }
    *acc = r;
    return false;
}

/**
 * `*acc += v` for non-negative doubles, saturating at `cap`: a NaN, negative or infinite
 * `v`, or a sum over `cap`, leaves `*acc` at most `cap` and returns true. `*acc` must be
 * in [0, cap]; it stays finite.
 */
static inline bool aidf_sat_add_f64(double *acc, double v, double cap)
{
    if (!(v >= 0))
        return true; /* NaN or negative */
    double r = *acc + v;
    if (!(r <= cap)) {
        *acc = cap;
        return true;
    }
    *acc = r;
    return false;
}

#endif
