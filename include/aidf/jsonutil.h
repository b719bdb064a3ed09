/*
 * Small jansson helpers shared by the JSON writers.
 */
#ifndef AIDF_JSONUTIL_H
#define AIDF_JSONUTIL_H

#include <jansson.h>

/**
 * A new JSON value for an optional string: json_string(s), or JSON null when `s` is
 * NULL. Like json_string(), returns NULL when `s` is not valid UTF-8.
 */
json_t *aidf_json_str_or_null(const char *s);

#endif
