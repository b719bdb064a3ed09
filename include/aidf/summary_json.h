/*
 * The JSON shape of one run summary: the object `aidf report list --json` prints for
 * each run and the server's GET /runs returns in its list.
 *
 * {"runId","timestamp","taskPath","status","provider","model","iterations",
 *  "maxIterations","tokens":{"input","output","total","cacheRead","cacheWrite",
 *  "estimated"},"cost":number|null,"unpriced":bool,"durationMs","filesChanged",
 *  "scopeViolations","validationFailures","errorCategory"?,"file",
 *  "taskName","taskType","project","actor","branch","tags":{key:value},"ci":bool,
 *  "currency","receivedAt"}
 *
 * Counts that are unknown are null, and so are absent names (taskName ... branch);
 * tags is {} for a run without tags; currency is "USD" when the report names none;
 * receivedAt is when the store first saw the run (ISO 8601 UTC with milliseconds; null
 * when unknown). errorCategory is present only when the run recorded one.
 */
#ifndef AIDF_SUMMARY_JSON_H
#define AIDF_SUMMARY_JSON_H

#include <jansson.h>

#include "aidf/store.h"

/** The summary `s` as a new JSON object reference (borrows `s`). */
json_t *aidf_run_summary_to_json(const struct aidf_run_summary *s);

#endif
