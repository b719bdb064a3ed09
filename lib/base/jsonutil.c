/*
 * Small jansson helpers (see aidf/jsonutil.h).
 */
#include "aidf/jsonutil.h"

json_t *aidf_json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}
