/*
 * GET /stats: the time series of the (filtered) runs, exactly what `aidf report stats
 * --json` prints for the same parameters (the same computation and encoder, stats.h).
 *
 * Answers are cached like /summary's: by the normalised filter and stats parameters and
 * the store generation, so a dashboard polling the same panel costs one lookup until the
 * store changes.
 */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/stats.h"

/* What compute_stats() needs: the filter and the stats parameters. */
struct stats_job {
    const struct aidf_filter *f;
    const struct aidf_stats_query *sq;
};

/* The time series of the runs the filter selects, as aidf_srv_compute_fn wants it. */
static char *compute_stats(struct aidf_srv_state *st, void *ctx, size_t *len)
{
    const struct stats_job *job = ctx;
    const struct aidf_run_summary **runs = NULL;
    size_t n = aidf_store_list(st->store, job->f, &runs);
    struct aidf_stats stats;
    aidf_stats_compute(job->sq, (const struct aidf_run_summary *const *)runs, n, &stats);
    free(runs);
    aidf_srv_read_unlock(st);
    /* The rows own their strings: encode outside the lock. */
    struct aidf_buf out = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_stats_json(&stats, &out);
    aidf_stats_release(&stats);
    return aidf_buf_detach(&out, len);
}

enum MHD_Result aidf_srv_get_stats(struct MHD_Connection *c, struct aidf_req *req)
{
    struct aidf_srv_query q;
    struct aidf_stats_query sq;
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_srv_parse_args(c, AIDF_PARAM_FILTERS | AIDF_PARAM_STATS, &q, &err) != AIDF_OK)
        return aidf_srv_send_error(c, req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "%s",
                                   err.msg);
    if (aidf_srv_stats_query(&q, &sq, &err) != AIDF_OK) {
        aidf_srv_query_release(&q);
        return aidf_srv_send_error(c, req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "%s",
                                   err.msg);
    }
    struct aidf_buf key = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&key, "stats;");
    aidf_srv_query_key(&q, &key);
    aidf_srv_stats_key(&sq, &key);
    struct stats_job job = {&q.f, &sq};
    enum MHD_Result rc = aidf_srv_send_computed(c, req, "stats", key.ptr, compute_stats, &job);
    aidf_buf_release(&key);
    aidf_srv_query_release(&q);
    return rc;
}
