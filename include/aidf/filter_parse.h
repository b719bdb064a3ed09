/*
 * Run filters from their text form, shared by the CLI options (`--since 7d`) and the
 * server's query parameters (`?since=7d`), so both accept and reject the same values
 * with the same words.
 *
 * Ownership: aidf_filter_set() stores `value` itself (borrowed) for the text filters
 * (task, provider, model); it must outlive the filter.
 */
#ifndef AIDF_FILTER_PARSE_H
#define AIDF_FILTER_PARSE_H

#include <stdint.h>

#include "aidf/err.h"
#include "aidf/store.h"

/** Number of filter names in aidf_filter_names. */
#define AIDF_FILTER_NAMES 6

/** The filter names in their canonical order: since, until, status, task, provider, model. */
extern const char *const aidf_filter_names[AIDF_FILTER_NAMES];

/**
 * Set the filter `name` of `f` from `value`. Dates (since, until) are ISO dates or
 * timestamps or relative ages counted back from `now_ms` (a bare date in `until` means
 * the end of that day); status is completed, blocked or failed; task, provider and
 * model are taken as given (borrowed). `prefix` goes before the name in messages
 * ("--" for the CLI, "" for the server): "invalid --since 'x' (expected ...)".
 * Returns AIDF_OK, AIDF_ENOTFOUND when `name` is not a filter name (err untouched),
 * or AIDF_EINVAL with the message in `err` (f unchanged).
 */
int aidf_filter_set(struct aidf_filter *f, const char *name, const char *value, const char *prefix,
                    int64_t now_ms, struct aidf_error *err);

#endif
