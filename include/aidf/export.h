/*
 * The CSV export of runs, shared by `aidf report export --csv` and the server's
 * GET /export.csv so both produce the same bytes.
 *
 * Ownership: output is appended to a caller-owned struct aidf_buf; the runs are borrowed.
 */
#ifndef AIDF_EXPORT_H
#define AIDF_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "aidf/buf.h"
#include "aidf/store.h"

/**
 * Append the CSV of `runs` to `out`: the summary CSV (one row per run), or with
 * `detailed` one row per iteration read from each run's full report with
 * aidf_store_read_run() (a run whose file cannot be read is skipped with a warning).
 * Only reads the store, so it is safe under a shared lock; `s` may be NULL when `n` is
 * 0. `*rows` (optional) receives the number of data records. AIDF_OK, or AIDF_ETOOBIG
 * when `out` reaches its maximum (its content is then incomplete).
 */
int aidf_export_csv(const struct aidf_store *s, const struct aidf_run_summary *const *runs,
                    size_t n, bool detailed, struct aidf_buf *out, size_t *rows);

#endif
