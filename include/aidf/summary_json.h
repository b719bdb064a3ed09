/*
 * The JSON shape of one run summary: the object `aidf report list --json` prints for
 * each run and the server's GET /runs returns in its list.
 *
 * {"runId","timestamp","taskPath","status","provider","model","iterations",
 *  "maxIterations","tokens":{"input","output","total","cacheRead","cacheWrite",
 *  "estimated"},"cost":number|null,"unpriced":bool,"durationMs","filesChanged",
 *  "scopeViolations","validationFailures","errorCategory"?,"file"}
 *
 * Counts that are unknown are null; errorCategory is present only when the run
 * recorded one.
 */
#ifndef AIDF_SUMMARY_JSON_H
#define AIDF_SUMMARY_JSON_H

#include <jansson.h>

#include "aidf/store.h"

/** The summary `s` as a new JSON object reference (borrows `s`). */
json_t *aidf_run_summary_to_json(const struct aidf_run_summary *s);

#endif
