/*
 * GET / and GET /assets/{name}: the dashboard (web/, embedded by cmake/embed_web.cmake;
 * see web_assets.h), and at `/` for a client that asks for JSON the index of the
 * endpoints.
 *
 * The page is a single-page application that reads only the public API. Its files are
 * served under content-hashed names, cached for a year; the page itself is revalidated
 * on every load (no-cache), so a new binary's page points at its new files. Every answer
 * here carries a Content-Security-Policy that allows nothing but this origin (no inline
 * script or style, no other host), plus `data:` images.
 */
#include "srv.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aidf/xalloc.h"
#include "web_assets.h"

#define WEB_CSP                                                                      \
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; " \
    "form-action 'self'; frame-ancestors 'none'"
#define WEB_CACHE_PAGE  "no-cache"
#define WEB_CACHE_ASSET "public, max-age=31536000, immutable"

/* The endpoints `GET /` lists for a client that asks for JSON. */
static const struct {
    const char *name, *method, *path, *description;
} endpoints[] = {
    {"dashboard", "GET", "/", "the web dashboard (HTML); this index with Accept: application/json"},
    {"asset", "GET", "/assets/{name}", "a file of the dashboard, under its content-hashed name"},
    {"health", "GET", "/healthz", "liveness, version and the number of indexed runs"},
    {"listRuns", "GET", "/runs", "run summaries, newest first, filtered and paged"},
    {"createRun", "POST", "/runs", "store a report (JSON body; needs the token when one is set)"},
    {"getRun", "GET", "/runs/{id}", "one report as stored, by id or unique prefix"},
    {"summary", "GET", "/summary", "the aggregate of the filtered runs (aidf report summary)"},
    {"stats", "GET", "/stats", "time series of the filtered runs (interval, by, tz)"},
    {"exportCsv", "GET", "/export.csv", "the filtered runs as CSV"},
    {"openapi", "GET", "/openapi.yaml", "the OpenAPI contract of this server"},
};

/*
 * True when the client prefers JSON: its Accept names application/json and not text/html
 * (a browser's Accept names text/html first; curl's is "*" "/" "*").
 */
static bool wants_json(struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    return accept && strcasestr(accept, "application/json") && !strcasestr(accept, "text/html");
}

/* Send a file of the dashboard through the common body path (gzip when the client takes
 * it; hashed files also get an ETag and 304s). */
static enum MHD_Result send_asset(struct MHD_Connection *c, struct aidf_req *req,
                                  const struct aidf_web_asset *a, const char *cache)
{
    bool page = a == &aidf_web_index;
    const char *extra[] = {MHD_HTTP_HEADER_CACHE_CONTROL,
                           cache,
                           "Content-Security-Policy",
                           WEB_CSP,
                           "Referrer-Policy",
                           "no-referrer",
                           page ? MHD_HTTP_HEADER_VARY : NULL,
                           "Accept",
                           NULL};
    char *body = aidf_xmalloc(a->size ? a->size : 1);
    memcpy(body, a->data, a->size);
    return aidf_srv_send_body(c, req, MHD_HTTP_OK, body, a->size, a->content_type,
                              page ? NULL : a->name, false, extra);
}

enum MHD_Result aidf_srv_get_index(struct MHD_Connection *c, struct aidf_req *req)
{
    if (!wants_json(c))
        return send_asset(c, req, &aidf_web_index, WEB_CACHE_PAGE);
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++)
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:s}", "name", endpoints[i].name, "method",
                                        endpoints[i].method, "path", endpoints[i].path,
                                        "description", endpoints[i].description));
    json_t *v = json_pack("{s:s, s:s, s:o}", "service", "aidf report server", "version",
                          AIDF_SRV_VERSION, "endpoints", list);
    size_t len = 0;
    struct MHD_Response *r = aidf_srv_json_response(v, &len);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, WEB_CACHE_PAGE);
    MHD_add_response_header(r, "Content-Security-Policy", WEB_CSP);
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept");
    return aidf_srv_queue(c, req, MHD_HTTP_OK, r, len);
}

enum MHD_Result aidf_srv_get_asset(struct MHD_Connection *c, struct aidf_req *req)
{
    const struct aidf_web_asset *a = req->run_id ? aidf_web_asset_find(req->run_id) : NULL;
    if (!a)
        return aidf_srv_send_error(c, req, MHD_HTTP_NOT_FOUND, "not_found", "no such asset");
    return send_asset(c, req, a, WEB_CACHE_ASSET);
}
