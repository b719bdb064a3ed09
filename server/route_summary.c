/*
 * GET /summary: exactly what `aidf report summary --json` prints for the same filters
 * (the same aggregate, the same JSON encoder flags, the same trailing newline).
 *
 * Aggregating 100k runs takes tens of milliseconds, so answers are cached by the
 * normalised filter and the store generation: any write or refresh that changes the
 * index changes the generation and the next request recomputes.
 */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/aggregate.h"

/* The flags `aidf report summary --json` prints with (cli_print_json). */
#define SUMMARY_JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(15))

#define JSON_CTYPE "application/json; charset=utf-8"

enum MHD_Result aidf_srv_get_summary(struct MHD_Connection *c, struct aidf_req *req)
{
    struct aidf_srv_query q;
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_srv_parse_args(c, AIDF_PARAM_FILTERS, &q, &err) != AIDF_OK)
        return aidf_srv_send_error(c, req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "%s",
                                   err.msg);

    struct aidf_srv_state *st = &req->srv->state;
    struct aidf_buf key = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_srv_query_key(&q, &key);
    size_t len = 0;
    char *body = NULL;

    char etag[AIDF_SRV_ETAG_HEX + 1];
    bool is_gz = false;
    enum MHD_Result rc;

    aidf_srv_read_lock(st);
    uint64_t gen = aidf_store_generation(st->store);
    aidf_srv_computed_etag(req, "summary", gen, key.ptr, etag);
    if (aidf_srv_try_304(c, req, etag, JSON_CTYPE, &rc)) {
        aidf_srv_read_unlock(st);
        aidf_buf_release(&key);
        aidf_srv_query_release(&q);
        return rc;
    }
    body = aidf_srv_cache_get(st, key.ptr, gen, aidf_srv_client_gzip(c, JSON_CTYPE), &len, &is_gz);
    if (!body) {
        struct aidf_aggregate agg;
        if (!aidf_filter_any(&q.f)) {
            /* Every run: from the accumulator that POSTs keep up to date. */
            aidf_srv_summary_all(st, &agg);
        } else {
            const struct aidf_run_summary **runs = NULL;
            size_t n = aidf_store_list(st->store, &q.f, &runs);
            aidf_aggregate_compute((const struct aidf_run_summary *const *)runs, n, &agg);
            free(runs);
        }
        aidf_srv_read_unlock(st);
        json_t *j = aidf_aggregate_to_json(&agg);
        aidf_aggregate_release(&agg);
        char *text = json_dumps(j, SUMMARY_JSON_FLAGS);
        json_decref(j);
        if (text) {
            len = strlen(text);
            body = realloc(text, len + 2);
            if (!body) {
                free(text);
            } else {
                body[len++] = '\n';
                body[len] = '\0';
                aidf_srv_cache_put(st, key.ptr, gen, body, len);
            }
        }
    } else {
        aidf_srv_read_unlock(st);
    }
    aidf_srv_query_release(&q);
    if (!body) {
        aidf_buf_release(&key);
        return aidf_srv_send_error(c, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                   "cannot encode the summary");
    }
    rc = aidf_srv_send_cached(c, req, key.ptr, gen, body, len, is_gz, etag);
    aidf_buf_release(&key);
    return rc;
}
