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

#define JSON_CTYPE "application/json; charset=utf-8"

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

    struct aidf_srv_state *st = &req->srv->state;
    struct aidf_buf key = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&key, "stats;");
    aidf_srv_query_key(&q, &key);
    aidf_srv_stats_key(&sq, &key);
    size_t len = 0;

    char etag[AIDF_SRV_ETAG_HEX + 1];
    bool is_gz = false;
    enum MHD_Result rc;

    aidf_srv_read_lock(st);
    uint64_t gen = aidf_store_generation(st->store);
    aidf_srv_computed_etag(req, "stats", gen, key.ptr, etag);
    if (aidf_srv_try_304(c, req, etag, JSON_CTYPE, &rc)) {
        aidf_srv_read_unlock(st);
        aidf_buf_release(&key);
        aidf_srv_query_release(&q);
        return rc;
    }
    char *body;
    body = aidf_srv_cache_get(st, key.ptr, gen, aidf_srv_client_gzip(c, JSON_CTYPE), &len, &is_gz);
    if (!body) {
        const struct aidf_run_summary **runs = NULL;
        size_t n = aidf_store_list(st->store, &q.f, &runs);
        struct aidf_stats stats;
        aidf_stats_compute(&sq, (const struct aidf_run_summary *const *)runs, n, &stats);
        free(runs);
        aidf_srv_read_unlock(st);
        /* The rows own their strings: encode outside the lock. */
        struct aidf_buf out = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        aidf_stats_json(&stats, &out);
        aidf_stats_release(&stats);
        body = aidf_buf_detach(&out, &len);
        aidf_srv_cache_put(st, key.ptr, gen, body, len);
    } else {
        aidf_srv_read_unlock(st);
    }
    aidf_srv_query_release(&q);
    rc = aidf_srv_send_cached(c, req, key.ptr, gen, body, len, is_gz, etag);
    aidf_buf_release(&key);
    return rc;
}
