/*
 * A linear scan of JSON text that measures what parsing it would build (values, nesting
 * depth, string bytes) without building anything, so a parser's memory can be bounded
 * before it runs: a jansson value costs 30 to 100 bytes, so a few megabytes of "[0,0,...]"
 * become hundreds of megabytes of tree.
 *
 * The scan does not validate: on malformed text its counts are what a parser could build
 * at most before it fails (every value a parser makes starts with a token counted here).
 */
#ifndef AIDF_JSON_SCAN_H
#define AIDF_JSON_SCAN_H

#include <stddef.h>

#include "aidf/err.h"

struct aidf_json_limits {
    size_t max_values;       /* scalars, arrays, objects and member names */
    size_t max_depth;        /* arrays and objects nested in one another (top level: 1) */
    size_t max_string_bytes; /* bytes inside every string and member name, as written */
};

/**
 * Scan `len` bytes of `data` (not necessarily NUL-terminated; NULL with len 0 is fine)
 * and stop at the first limit exceeded. Returns AIDF_OK, AIDF_ETOOBIG (too many values
 * or string bytes) or AIDF_EINVAL (too deep), with a message saying which limit in `err`.
 */
int aidf_json_scan(const char *data, size_t len, const struct aidf_json_limits *lim,
                   struct aidf_error *err);

#endif
