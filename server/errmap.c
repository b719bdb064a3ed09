/*
 * The one mapping of AIDF_E* codes to HTTP statuses and error codes, and the JSON
 * error body {"error":{"code","message",...}}. Pure (jansson only): unit-tested in
 * tests/unit/test_server_query.c.
 */
#include "srv.h"

#include <stdlib.h>

#include "aidf/xalloc.h"

unsigned aidf_srv_status_of(int code)
{
    switch (code) {
    case AIDF_OK:
        return MHD_HTTP_OK;
    case AIDF_EINVAL:
        return MHD_HTTP_BAD_REQUEST;
    case AIDF_ENOTFOUND:
        return MHD_HTTP_NOT_FOUND;
    case AIDF_ETOOBIG:
        return MHD_HTTP_CONTENT_TOO_LARGE;
    case AIDF_EAMBIGUOUS:
    case AIDF_ECONFLICT:
        return MHD_HTTP_CONFLICT;
    case AIDF_ETIMEOUT:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    default:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    }
}

const char *aidf_srv_code_of(int code)
{
    switch (code) {
    case AIDF_EINVAL:
        return "invalid_parameter";
    case AIDF_ENOTFOUND:
        return "not_found";
    case AIDF_ETOOBIG:
        return "too_large";
    case AIDF_EAMBIGUOUS:
        return "ambiguous_id";
    case AIDF_ECONFLICT:
        return "conflict";
    case AIDF_ETIMEOUT:
        return "unavailable";
    default:
        return "internal_error";
    }
}

json_t *aidf_srv_error_json(const char *code, const char *message, json_t *extra)
{
    json_t *e = json_object();
    json_object_set_new(e, "code", json_string(code));
    /* Messages may quote client input: keep them valid UTF-8 for jansson. */
    json_t *m = json_string(message);
    if (!m) {
        char *ascii = aidf_xstrdup(message);
        for (char *p = ascii; *p; p++)
            if ((unsigned char)*p >= 0x80)
                *p = '?';
        m = json_string(ascii);
        free(ascii);
    }
    json_object_set_new(e, "message", m);
    if (extra) {
        json_object_update(e, extra);
        json_decref(extra);
    }
    json_t *o = json_object();
    json_object_set_new(o, "error", e);
    return o;
}
