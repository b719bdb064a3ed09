/*
 * libFuzzer target for the config loader: parse arbitrary bytes over the defaults,
 * release. Any crash, leak or sanitizer report is a bug.
 */
#include <stddef.h>
#include <stdint.h>

#include "aidf/config.h"
#include "aidf/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(int level, const char *line, void *ctx)
{
    (void)level;
    (void)line;
    (void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aidf_config c;
    struct aidf_error err;

    aidf_log_set_sink(quiet, NULL);
    aidf_config_init_defaults(&c);
    /* The first byte picks the flags so both ${VAR} modes are covered. */
    unsigned flags = size > 0 && (data[0] & 1) ? AIDF_CONFIG_REQUIRE_ENV : 0;
    (void)aidf_config_parse((const char *)data, size, "fuzz.yml", flags, &c, &err);
    aidf_config_release(&c);
    return 0;
}
