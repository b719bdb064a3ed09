/*
 * Run filters from their text form, shared by the CLI options (`--since 7d`,
 * `--status failed,blocked`) and the server's query parameters (`?since=7d`,
 * `?model=a&model=b`), so both accept and reject the same values with the same words.
 *
 * The filters (names as in the API; the CLI spells receivedSince --received-since):
 *   since, until      one date each: YYYY-MM-DD, an ISO timestamp or an age counted back
 *                     from now (30m, 24h, 7d, 2w, 3mo, 1y; units s, m, h, d, w, mo, y);
 *                     a bare date in `until` means the end of that day
 *   receivedSince     one date, as since: runs the store first saw at or after it
 *   status            completed, blocked, failed
 *   task              globs against the task path, its file name and the task name
 *   provider          exact provider types
 *   model             exact model names or globs
 *   project, actor, branch   exact names
 *   tag               key:value (the run has that tag with that value), or key:* or
 *                     key alone (the run has the tag, any value); key=value is accepted
 *                     as well. Keys follow the tag rules of aidf/tags.h.
 *   ci                true (runs in CI) or false (runs outside CI)
 *
 * Every filter but the three dates takes several values: comma-separated in one value
 * ("failed,blocked"; spaces around an item are ignored) and/or by setting the same name
 * again, which adds values. A run passes a filter when it has any of its values; a run
 * passes when it passes every filter set. Values therefore cannot contain a comma.
 *
 * Ownership: the filter keeps its own copies of the values (aidf_filter_release()).
 */
#ifndef AIDF_FILTER_PARSE_H
#define AIDF_FILTER_PARSE_H

#include <stdint.h>

#include "aidf/buf.h"
#include "aidf/err.h"
#include "aidf/store.h"

/** Number of filter names in aidf_filter_names. */
#define AIDF_FILTER_NAMES 12

/** At most this many values in one filter, and in all filters together. */
#define AIDF_FILTER_MAX_VALUES 64
#define AIDF_FILTER_MAX_TOTAL  128

/**
 * The filter names in their canonical order: since, until, status, task, provider, model,
 * project, actor, branch, tag, ci, receivedSince.
 */
extern const char *const aidf_filter_names[AIDF_FILTER_NAMES];

/**
 * Add the values of filter `name` given as text in `value` to `f` (see the list above;
 * dates relative to `now_ms`). `prefix` goes before the name in messages ("--" for the
 * CLI, which also spells the name in kebab case, "" for the server):
 * "invalid --since 'x' (expected ...)".
 * Errors (AIDF_EINVAL, message in `err`, `f` unchanged): an empty value or item, a date
 * that does not parse (the message lists the units), a date filter given twice, an
 * unknown status or ci value, a bad tag, more than AIDF_FILTER_MAX_VALUES values in one
 * filter or AIDF_FILTER_MAX_TOTAL in all. AIDF_ENOTFOUND when `name` is not a filter
 * name (err untouched). AIDF_OK otherwise.
 */
int aidf_filter_set(struct aidf_filter *f, const char *name, const char *value, const char *prefix,
                    int64_t now_ms, struct aidf_error *err);

/**
 * Append a normalised text form of every filter of `f` to `out`, for cache keys: two
 * filters that let the same runs through for the same reasons (values in any order,
 * repeated values) give the same text, different filters different texts. Dates are the
 * resolved times, so "7d" at two moments gives two keys.
 */
void aidf_filter_key(const struct aidf_filter *f, struct aidf_buf *out);

#endif
