/*
 * The /stats parameters (interval, by, tz) as a stats query, and their part of the cache
 * key: pure helpers without MHD calls, tested in tests/unit/test_server_stats.c.
 */
#include "srv.h"

#include <string.h>

#include "aidf/period.h"
#include "aidf/tz.h"

int aidf_srv_stats_query(const struct aidf_srv_query *q, struct aidf_stats_query *out,
                         struct aidf_error *err)
{
    struct aidf_error zerr;
    aidf_error_clear(&zerr);
    const struct aidf_tz *tz = aidf_tz_get(q->tz ? q->tz : "UTC", &zerr);
    if (!tz)
        return aidf_fail(err, AIDF_EINVAL, "invalid tz: %s", zerr.msg);
    aidf_stats_query_init(out, tz);
    if (q->interval && aidf_interval_parse(q->interval, &out->interval) != AIDF_OK)
        return aidf_fail(err, AIDF_EINVAL,
                         "invalid interval '%.64s' (expected hour, day, week, month or none)",
                         q->interval);
    for (size_t i = 0; i < q->n_by; i++) {
        int rc = aidf_stats_add_by(out, q->by[i], "", err);
        if (rc != AIDF_OK)
            return rc;
    }
    return AIDF_OK;
}

void aidf_srv_stats_key(const struct aidf_stats_query *sq, struct aidf_buf *out)
{
    /* Zone names and keys hold no ';' or ',' (both are validated), so this is unambiguous. */
    aidf_buf_addf(out, "interval=%s;tz=%s;by=", aidf_interval_name(sq->interval),
                  aidf_tz_name(sq->tz));
    for (size_t i = 0; i < sq->n_by; i++)
        aidf_buf_addf(out, "%s%s", i ? "," : "", sq->by[i].name);
    aidf_buf_addch(out, ';');
}
