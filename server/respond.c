/*
 * Responses: building them and queueing them with the headers every response carries.
 * (The error mapping and error bodies are in errmap.c.)
 */
#include "srv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct MHD_Response *aidf_srv_buf_response(char *heap, size_t len, const char *ctype)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(len, heap, &free);
    if (!r) {
        free(heap);
        return NULL;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    return r;
}

struct MHD_Response *aidf_srv_json_response(json_t *v, size_t *len)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(v);
    if (!text)
        return NULL;
    size_t n = strlen(text);
    /* One more byte for a trailing newline (curl output ends cleanly). */
    char *body = realloc(text, n + 2);
    if (!body) {
        free(text);
        return NULL;
    }
    body[n++] = '\n';
    body[n] = '\0';
    *len = n;
    return aidf_srv_buf_response(body, n, "application/json; charset=utf-8");
}

enum MHD_Result aidf_srv_queue(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                               struct MHD_Response *resp, size_t len)
{
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* While stopping, keep-alive clients get one last answer and go. */
    if (atomic_load(&req->srv->stopping))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    if (rc == MHD_YES) {
        req->status = status;
        req->bytes = len;
    }
    return rc;
}

enum MHD_Result aidf_srv_send_json(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                                   json_t *v)
{
    size_t len = 0;
    struct MHD_Response *r = aidf_srv_json_response(v, &len);
    return aidf_srv_queue(c, req, status, r, len);
}

enum MHD_Result aidf_srv_send_error(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                                    const char *code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t len = 0;
    struct MHD_Response *r = aidf_srv_json_response(aidf_srv_error_json(code, msg, NULL), &len);
    if (r && status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    /* Busy or stopping: a well-behaved client (aidf report push) waits and retries. */
    if (r && status == MHD_HTTP_SERVICE_UNAVAILABLE)
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, AIDF_SRV_RETRY_AFTER);
    if (r && status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, aidf_srv_route_allow(req->route));
    return aidf_srv_queue(c, req, status, r, len);
}
