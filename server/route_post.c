/*
 * POST /runs: the body accumulated in the connection's buffer up to the size limit, and the
 * hand-over to the ingest pipeline (ingest.c) with the connection suspended until the report is
 * durable.
 *
 *   first call      auth was checked by the caller; 415 for a non-JSON Content-Type
 *                   and an early 413 from Content-Length, before any byte is read;
 *                   a declared length is reserved in the server's in-flight budget
 *                   (--max-inflight-bytes) up front;
 *   upload calls    append to a buffer capped at --max-body (a chunked body reserves
 *                   its bytes as they come), or drop the bytes and remember it was too
 *                   big or the budget had no room; never respond here; always consume;
 *   final call      late 413 or 503 server_busy, else suspend and queue the job; when
 *                   MHD calls again after the resume, send the job's answer.
 *
 * A busy server reads and drops the body before it answers 503 rather than answering
 * early: an answer queued before the body was read makes MHD close the connection, and
 * the client, still sending, may get a reset instead of the answer. Dropped bytes cost
 * no memory, and the body deadline bounds the time.
 *
 * The reservation is given back when the request completes (http.c, on_completed),
 * which is also when the body (kept by the ingest job) is freed.
 */
#include "srv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/log.h"

enum MHD_Result aidf_srv_post_begin(struct MHD_Connection *c, struct aidf_req *req)
{
    size_t max = req->srv->opts->max_body;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!aidf_srv_is_json_type(ct))
        return aidf_srv_send_error(c, req, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                                   "unsupported_media_type",
                                   "expected Content-Type: application/json");
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        if (errno == ERANGE || v > max)
            return aidf_srv_send_error(c, req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                                       "the body is larger than %zu bytes", max);
        /* MHD refused a malformed Content-Length before calling us. */
        req->by_length = true;
        if (aidf_srv_budget_take(&req->srv->inflight, (size_t)v))
            req->reserved = (size_t)v;
        else
            req->busy = true;
    }
    aidf_buf_init(&req->body, max);
    req->post = AIDF_POST_UPLOADING;
    return MHD_YES;
}

/* The budget had no room for this body: drop what was kept and give its bytes back. */
static void go_busy(struct aidf_req *req)
{
    req->busy = true;
    aidf_buf_release(&req->body);
    aidf_srv_budget_give(&req->srv->inflight, req->reserved);
    req->reserved = 0;
}

void aidf_srv_post_upload(struct aidf_req *req, const char *data, size_t len)
{
    if (req->post != AIDF_POST_UPLOADING || req->too_big || req->busy)
        return;
    if (req->body.len + len > req->body.max) {
        /* Keep reading (and dropping) so the 413 goes out on a clean connection. */
        req->too_big = true;
        aidf_buf_release(&req->body);
        aidf_srv_budget_give(&req->srv->inflight, req->reserved);
        req->reserved = 0;
        return;
    }
    if (!req->by_length) {
        if (!aidf_srv_budget_take(&req->srv->inflight, len)) {
            go_busy(req);
            return;
        }
        req->reserved += len;
    }
    if (aidf_buf_add(&req->body, data, len) != AIDF_OK) {
        req->too_big = true;
        aidf_buf_release(&req->body);
        aidf_srv_budget_give(&req->srv->inflight, req->reserved);
        req->reserved = 0;
    }
}

enum MHD_Result aidf_srv_post_final(struct MHD_Connection *c, struct aidf_req *req)
{
    struct aidf_srv *srv = req->srv;
    if (req->post == AIDF_POST_UPLOADING) {
        if (req->too_big)
            return aidf_srv_send_error(c, req, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
                                       "the body is larger than %zu bytes", srv->opts->max_body);
        if (req->busy)
            return aidf_srv_send_error(c, req, MHD_HTTP_SERVICE_UNAVAILABLE, "server_busy",
                                       "the server holds too many request bodies (%zu bytes "
                                       "at most); retry later",
                                       srv->opts->max_inflight);
        if (!aidf_ingest_reserve(srv->ingest)) {
            aidf_buf_release(&req->body);
            return aidf_srv_send_error(c, req, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
                                       "the server is shutting down");
        }
        size_t len = 0;
        char *body = aidf_buf_detach(&req->body, &len);
        req->job = aidf_ingest_job_new(body, len, c);
        req->post = AIDF_POST_SUSPENDED;
        /* Suspend first: the job may be done (and resume us) before we return. */
        MHD_suspend_connection(c);
        aidf_ingest_push(srv->ingest, req->job);
        return MHD_YES;
    }
    if (req->post == AIDF_POST_SUSPENDED) {
        struct aidf_ingest_job *j = req->job;
        req->post = AIDF_POST_DONE;
        size_t len = 0;
        json_t *answer = j->answer;
        j->answer = NULL;
        if (!answer)
            answer = aidf_srv_error_json("internal_error", "no answer", NULL);
        struct MHD_Response *r = aidf_srv_json_response(answer, &len);
        if (r && j->location[0])
            MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, j->location);
        return aidf_srv_queue(c, req, j->status ? j->status : 500, r, len);
    }
    return MHD_YES;
}
