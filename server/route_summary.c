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

/* The aggregate of the runs `f` selects (every run: the accumulator that POSTs keep up to
 * date), as aidf_srv_compute_fn wants it. */
static char *compute_summary(struct aidf_srv_state *st, void *ctx, size_t *len)
{
    const struct aidf_filter *f = ctx;
    struct aidf_aggregate agg;
    if (!aidf_filter_any(f)) {
        aidf_srv_summary_all(st, &agg);
    } else {
        const struct aidf_run_summary **runs = NULL;
        size_t n = aidf_store_list(st->store, f, &runs);
        aidf_aggregate_compute((const struct aidf_run_summary *const *)runs, n, &agg);
        free(runs);
    }
    aidf_srv_read_unlock(st);
    json_t *j = aidf_aggregate_to_json(&agg);
    aidf_aggregate_release(&agg);
    char *text = json_dumps(j, SUMMARY_JSON_FLAGS);
    json_decref(j);
    if (!text)
        return NULL;
    *len = strlen(text);
    char *body = realloc(text, *len + 2);
    if (!body) {
        free(text);
        return NULL;
    }
    body[(*len)++] = '\n';
    body[*len] = '\0';
    return body;
}

enum MHD_Result aidf_srv_get_summary(struct MHD_Connection *c, struct aidf_req *req)
{
    struct aidf_srv_query q;
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_srv_parse_args(c, AIDF_PARAM_FILTERS, &q, &err) != AIDF_OK)
        return aidf_srv_send_error(c, req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "%s",
                                   err.msg);
    struct aidf_buf key = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_srv_query_key(&q, &key);
    enum MHD_Result rc = aidf_srv_send_computed(c, req, "summary", key.ptr, compute_summary, &q.f);
    aidf_buf_release(&key);
    aidf_srv_query_release(&q);
    return rc;
}
