/*
 * GET /openapi.yaml: the contract of this server (api/openapi.yaml, built in), so a
 * client can generate code from, or validate against, the very server it talks to.
 * Public like /healthz (no token under --auth-reads): it is the same for every server of
 * this version.
 */
#include "srv.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/xalloc.h"
#include "openapi_spec.h"

#define YAML_CTYPE "application/yaml; charset=utf-8"

/* The ETag and gzip form, computed once. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static char spec_etag[AIDF_SRV_ETAG_HEX + 1];
static char *spec_gz;
static size_t spec_gz_len;

static void prepare(void)
{
    aidf_srv_etag_of(aidf_openapi_yaml, aidf_openapi_yaml_len, spec_etag);
    spec_gz = aidf_srv_gzip(aidf_openapi_yaml, aidf_openapi_yaml_len, &spec_gz_len);
}

enum MHD_Result aidf_srv_get_openapi(struct MHD_Connection *c, struct aidf_req *req)
{
    pthread_once(&once, prepare);
    bool gz = spec_gz && aidf_srv_want_gzip(c, YAML_CTYPE, aidf_openapi_yaml_len);
    const char *src = gz ? spec_gz : (const char *)aidf_openapi_yaml;
    size_t len = gz ? spec_gz_len : aidf_openapi_yaml_len;
    char *copy = aidf_xmalloc(len ? len : 1);
    memcpy(copy, src, len);
    return aidf_srv_send_body(c, req, MHD_HTTP_OK, copy, len, YAML_CTYPE, spec_etag, gz, NULL);
}
