/*
 * libFuzzer target: time zones. Input starting with "TZif" is parsed as a zone file, any
 * other input as a POSIX TZ rule; a zone that parses is asked for offsets at instants
 * spread over ±2^40 s. Nothing may read out of bounds, overflow or loop.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aidf_tz *tz;
    if (size >= 4 && memcmp(data, "TZif", 4) == 0) {
        tz = aidf_tz_parse("fuzz", data, size, NULL);
    } else {
        char *rule = malloc(size + 1);
        if (!rule)
            return 0;
        memcpy(rule, data, size);
        rule[size] = '\0';
        tz = aidf_tz_from_rule(rule, NULL);
        free(rule);
    }
    if (!tz)
        return 0;
    for (int64_t t = -(1LL << 42); t < (1LL << 42); t += (1LL << 37) + 12345)
        (void)aidf_tz_offset(tz, t);
    aidf_tz_free(tz);
    return 0;
}
