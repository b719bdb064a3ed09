/*
 * Run filters from text. See include/aidf/filter_parse.h.
 */
#include "aidf/filter_parse.h"

#include <stdbool.h>
#include <string.h>

#include "aidf/report.h"
#include "aidf/timeutil.h"

const char *const aidf_filter_names[AIDF_FILTER_NAMES] = {"since", "until",    "status",
                                                          "task",  "provider", "model"};

int aidf_filter_set(struct aidf_filter *f, const char *name, const char *value, const char *prefix,
                    int64_t now_ms, struct aidf_error *err)
{
    if (!prefix)
        prefix = "";
    if (!value)
        value = "";
    bool since = strcmp(name, "since") == 0;
    if (since || strcmp(name, "until") == 0) {
        int64_t t;
        if (aidf_parse_when(value, now_ms, !since, &t) != AIDF_OK)
            return aidf_fail(err, AIDF_EINVAL,
                             "invalid %s%s '%s' (expected YYYY-MM-DD, an ISO timestamp or an age "
                             "such as 30m, 24h, 7d, 2w, 3mo, 1y; units: %s)",
                             prefix, name, value, aidf_when_units_help);
        if (since)
            f->since_ms = t;
        else
            f->until_ms = t;
        return AIDF_OK;
    }
    if (strcmp(name, "status") == 0) {
        enum aidf_status st = aidf_status_parse(value);
        if (st == AIDF_STATUS_UNKNOWN)
            return aidf_fail(err, AIDF_EINVAL,
                             "invalid %s%s '%s' (expected completed, blocked or failed)", prefix,
                             name, value);
        f->status = st;
        return AIDF_OK;
    }
    if (strcmp(name, "task") == 0)
        f->task_glob = value;
    else if (strcmp(name, "provider") == 0)
        f->provider = value;
    else if (strcmp(name, "model") == 0)
        f->model = value;
    else
        return AIDF_ENOTFOUND;
    return AIDF_OK;
}
