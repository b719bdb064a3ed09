/*
 * Bounds on what JSON text would parse into, measured in one pass over the bytes. See
 * include/aidf/json_scan.h.
 */
#include "aidf/json_scan.h"

#include <stdbool.h>

/* Bytes that end a bare token (number, true, false, null, or garbage). */
static bool ends_token(unsigned char c)
{
    switch (c) {
    case '"':
    case '[':
    case ']':
    case '{':
    case '}':
    case ',':
    case ':':
    case ' ':
    case '\t':
    case '\n':
    case '\r':
        return true;
    default:
        return false;
    }
}

int aidf_json_scan(const char *data, size_t len, const struct aidf_json_limits *lim,
                   struct aidf_error *err)
{
    size_t values = 0, depth = 0, str = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)data[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ':') {
            i++;
            continue;
        }
        if (c == ']' || c == '}') {
            if (depth > 0)
                depth--;
            i++;
            continue;
        }
        if (++values > lim->max_values)
            return aidf_fail(err, AIDF_ETOOBIG, "more than %zu JSON values (the limit)",
                             lim->max_values);
        if (c == '[' || c == '{') {
            if (++depth > lim->max_depth)
                return aidf_fail(err, AIDF_EINVAL, "nesting deeper than %zu levels",
                                 lim->max_depth);
            i++;
        } else if (c == '"') {
            size_t start = ++i;
            /* An escape skips the byte after the backslash, so \" does not end it. */
            while (i < len && data[i] != '"')
                i += data[i] == '\\' ? 2 : 1;
            if (i > len)
                i = len;
            str += i - start;
            if (str > lim->max_string_bytes)
                return aidf_fail(err, AIDF_ETOOBIG, "more than %zu bytes in strings (the limit)",
                                 lim->max_string_bytes);
            i++; /* the closing quote */
        } else {
            while (i < len && !ends_token((unsigned char)data[i]))
                i++;
        }
    }
    return AIDF_OK;
}
