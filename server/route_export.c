/*
 * GET /export.csv: the bytes `aidf report export --csv -` writes for the same filters
 * (both call aidf_export_csv()).
 */
#include "srv.h"

#include <stdlib.h>

#include "aidf/export.h"
#include "aidf/log.h"

enum MHD_Result aidf_srv_get_export(struct MHD_Connection *c, struct aidf_req *req)
{
    struct aidf_srv_query q;
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_srv_parse_args(c, AIDF_PARAM_FILTERS | AIDF_PARAM_DETAILED, &q, &err) != AIDF_OK)
        return aidf_srv_send_error(c, req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "%s",
                                   err.msg);

    struct aidf_srv_state *st = &req->srv->state;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const struct aidf_run_summary **runs = NULL;
    aidf_srv_read_lock(st);
    size_t n = aidf_store_list(st->store, &q.f, &runs);
    int rc = aidf_export_csv(st->store, (const struct aidf_run_summary *const *)runs, n, q.detailed,
                             &b, NULL);
    aidf_srv_read_unlock(st);
    free(runs);
    if (rc != AIDF_OK) {
        aidf_buf_release(&b);
        aidf_log(AIDF_LOG_ERROR, "cannot build the CSV export: %s", aidf_strerror(rc));
        return aidf_srv_send_error(c, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                   "cannot build the CSV export");
    }
    size_t len = 0;
    char *body = aidf_buf_detach(&b, &len);
    struct MHD_Response *r = aidf_srv_buf_response(body, len, "text/csv; charset=utf-8");
    if (r)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                q.detailed ? "attachment; filename=\"aidf-runs-detailed.csv\""
                                           : "attachment; filename=\"aidf-runs.csv\"");
    return aidf_srv_queue(c, req, MHD_HTTP_OK, r, len);
}
