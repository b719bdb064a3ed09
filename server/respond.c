/*
 * Responses: building them and queueing them with the headers every response carries.
 * (The error mapping and error bodies are in errmap.c.)
 */
#include "srv.h"

#include "aidf/xalloc.h"

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

char *aidf_srv_json_text(json_t *v, size_t *len)
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
    return body;
}

struct MHD_Response *aidf_srv_json_response(json_t *v, size_t *len)
{
    char *body = aidf_srv_json_text(v, len);
    return body ? aidf_srv_buf_response(body, *len, "application/json; charset=utf-8") : NULL;
}

/* The method a CORS decision is about: a preflight's requested one, else the request's. */
static bool cors_read_only(struct MHD_Connection *c, const struct aidf_req *req)
{
    const char *m = req->method ? req->method : "";
    if (strcmp(m, "OPTIONS") == 0) {
        m = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                        MHD_HTTP_HEADER_ACCESS_CONTROL_REQUEST_METHOD);
        if (!m)
            m = "GET";
    }
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* Access-Control-Allow-Origin for this request, or NULL. */
static const char *cors_origin(struct MHD_Connection *c, const struct aidf_req *req)
{
    const struct aidf_server_opts *o = req->srv->opts;
    if (!o || o->n_cors_origins == 0)
        return NULL;
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ORIGIN);
    return aidf_srv_cors_allow(o->cors_origins, o->n_cors_origins, origin, cors_read_only(c, req));
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
    /* API answers change with every write: a cache must ask again (with the ETag). */
    if (!MHD_get_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
    const char *ctype = MHD_get_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE);
    bool vary_ae = aidf_srv_compressible(ctype) || status == MHD_HTTP_NOT_MODIFIED;
    if (req->srv->cors_vary || vary_ae) {
        const char *ours = req->srv->cors_vary ? (vary_ae ? "Origin, Accept-Encoding" : "Origin")
                                               : "Accept-Encoding";
        /* One Vary header: a route's own (GET / names Accept) goes first. */
        const char *own = MHD_get_response_header(resp, MHD_HTTP_HEADER_VARY);
        if (own) {
            char both[128];
            snprintf(both, sizeof(both), "%s, %s", own, ours);
            char *copy = aidf_xstrdup(own);
            MHD_del_response_header(resp, MHD_HTTP_HEADER_VARY, copy);
            free(copy);
            MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, both);
        } else {
            MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, ours);
        }
    }
    const char *acao = cors_origin(c, req);
    if (acao) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, acao);
        if (!req->is_options)
            MHD_add_response_header(resp, "Access-Control-Expose-Headers",
                                    "ETag, Link, Location, Retry-After");
    }
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    if (rc == MHD_YES) {
        req->status = status;
        req->bytes = len;
    }
    return rc;
}

bool aidf_srv_client_gzip(struct MHD_Connection *c, const char *ctype)
{
    return aidf_srv_compressible(ctype) &&
           aidf_srv_accepts_gzip(
               MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
}

bool aidf_srv_want_gzip(struct MHD_Connection *c, const char *ctype, size_t len)
{
    return len >= AIDF_SRV_GZIP_MIN && aidf_srv_client_gzip(c, ctype);
}

bool aidf_srv_try_304(struct MHD_Connection *c, struct aidf_req *req, const char *etag_base,
                      const char *ctype, enum MHD_Result *rc)
{
    const char *inm =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (!inm || !etag_base)
        return false;
    char etag[AIDF_SRV_ETAG_MAX];
    aidf_srv_etag_format(etag_base, aidf_srv_client_gzip(c, ctype), etag);
    if (!aidf_srv_etag_match(inm, etag))
        return false;
    struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (r)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    *rc = aidf_srv_queue(c, req, MHD_HTTP_NOT_MODIFIED, r, 0);
    return true;
}

enum MHD_Result aidf_srv_send_body(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                                   char *heap, size_t len, const char *ctype, const char *etag_base,
                                   bool is_gz, const char *const *extra)
{
    bool gz = is_gz || aidf_srv_want_gzip(c, ctype, len);
    /* The ETag names the coding the client takes, small bodies sent as they are included:
     * the same tag never stands for two different byte sequences. */
    bool tag_gz = is_gz || aidf_srv_client_gzip(c, ctype);
    enum MHD_Result rc;
    if (status == MHD_HTTP_OK && aidf_srv_try_304(c, req, etag_base, ctype, &rc)) {
        free(heap);
        return rc;
    }
    if (gz && !is_gz) {
        size_t zlen = 0;
        char *z = aidf_srv_gzip(heap, len, &zlen);
        if (z) {
            free(heap);
            heap = z;
            len = zlen;
        } else {
            gz = false;
        }
    }
    struct MHD_Response *r = aidf_srv_buf_response(heap, len, ctype);
    if (!r)
        return MHD_NO;
    if (gz)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    for (size_t i = 0; extra && extra[i] && extra[i + 1]; i += 2)
        MHD_add_response_header(r, extra[i], extra[i + 1]);
    if (etag_base && status == MHD_HTTP_OK) {
        char etag[AIDF_SRV_ETAG_MAX];
        aidf_srv_etag_format(etag_base, tag_gz, etag);
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    }
    return aidf_srv_queue(c, req, status, r, len);
}

enum MHD_Result aidf_srv_send_cached(struct MHD_Connection *c, struct aidf_req *req,
                                     const char *key, uint64_t gen, char *heap, size_t len,
                                     bool is_gz, const char *etag_base)
{
    static const char ctype[] = "application/json; charset=utf-8";
    enum MHD_Result rc;
    if (!is_gz && aidf_srv_want_gzip(c, ctype, len)) {
        /* Answer 304 before compressing; else compress once for every later request. */
        if (aidf_srv_try_304(c, req, etag_base, ctype, &rc)) {
            free(heap);
            return rc;
        }
        size_t zlen = 0;
        char *z = aidf_srv_gzip(heap, len, &zlen);
        if (z) {
            aidf_srv_cache_put_gz(&req->srv->state, key, gen, z, zlen);
            free(heap);
            heap = z;
            len = zlen;
            is_gz = true;
        }
    }
    return aidf_srv_send_body(c, req, MHD_HTTP_OK, heap, len, ctype, etag_base, is_gz, NULL);
}

void aidf_srv_computed_etag(const struct aidf_req *req, const char *kind, uint64_t gen,
                            const char *key, char out[AIDF_SRV_ETAG_HEX + 1])
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "%s\n%s\n%llu\n%s", req->srv->nonce, kind, (unsigned long long)gen,
                  key ? key : "");
    aidf_srv_etag_of(b.ptr ? b.ptr : "", b.len, out);
    aidf_buf_release(&b);
}

enum MHD_Result aidf_srv_options(struct MHD_Connection *c, struct aidf_req *req)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ORIGIN);
    const char *want = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_ACCESS_CONTROL_REQUEST_METHOD);
    const char *allow = aidf_srv_route_allow(req->route);
    struct MHD_Response *r;
    if (!origin || !want) {
        /* Not a preflight: what the resource allows. */
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r)
            MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
        return aidf_srv_queue(c, req, MHD_HTTP_NO_CONTENT, r, 0);
    }
    /* The requested method must be one the route takes (a whole token of `allow`). */
    bool method_ok = false;
    size_t wn = strlen(want);
    for (const char *p = allow; *p && !method_ok;) {
        size_t n = strcspn(p, ",");
        method_ok = n == wn && strncmp(p, want, n) == 0 && strcmp(want, "OPTIONS") != 0;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    const char *acao = cors_origin(c, req);
    if (!acao || !method_ok)
        return aidf_srv_send_error(c, req, MHD_HTTP_FORBIDDEN, "origin_not_allowed", "%s",
                                   !acao ? "this origin may not read this server's answers "
                                           "(see --cors-origin)"
                                         : "this method is not allowed here");
    r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_METHODS,
                            strcmp(acao, "*") == 0 ? "GET, HEAD" : allow);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_HEADERS,
                            "Authorization, Content-Type, If-None-Match");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_MAX_AGE, AIDF_SRV_CORS_MAX_AGE);
    return aidf_srv_queue(c, req, MHD_HTTP_NO_CONTENT, r, 0);
}

enum MHD_Result aidf_srv_send_json(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                                   json_t *v)
{
    size_t len = 0;
    char *text = aidf_srv_json_text(v, &len);
    if (!text)
        return MHD_NO;
    return aidf_srv_send_body(c, req, status, text, len, "application/json; charset=utf-8", NULL,
                              false, NULL);
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

enum MHD_Result aidf_srv_send_computed(struct MHD_Connection *c, struct aidf_req *req,
                                       const char *kind, const char *key,
                                       aidf_srv_compute_fn compute, void *ctx)
{
    static const char ctype[] = "application/json; charset=utf-8";
    struct aidf_srv_state *st = &req->srv->state;
    char etag[AIDF_SRV_ETAG_HEX + 1];
    bool is_gz = false;
    size_t len = 0;
    enum MHD_Result rc;

    aidf_srv_read_lock(st);
    uint64_t gen = aidf_store_generation(st->store);
    aidf_srv_computed_etag(req, kind, gen, key, etag);
    if (aidf_srv_try_304(c, req, etag, ctype, &rc)) {
        aidf_srv_read_unlock(st);
        return rc;
    }
    char *body = aidf_srv_cache_get(st, key, gen, aidf_srv_client_gzip(c, ctype), &len, &is_gz);
    if (body) {
        aidf_srv_read_unlock(st);
    } else {
        body = compute(st, ctx, &len); /* releases the lock */
        if (!body)
            return aidf_srv_send_error(c, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                       "cannot encode the %s", kind);
        aidf_srv_cache_put(st, key, gen, body, len);
    }
    return aidf_srv_send_cached(c, req, key, gen, body, len, is_gz, etag);
}
