/*
 * libFuzzer target: glob matching. Input is "<pattern>\n<path>"; any bytes must give a
 * verdict or a limit error in bounded time, never crash or hang.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/err.h"
#include "aidf/glob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = memchr(buf, '\n', size);
    const char *path = "";
    if (nl) {
        *nl = '\0';
        path = nl + 1;
    }
    int rc = aidf_glob_match_ex(buf, path);
    if (rc != 0 && rc != 1 && rc != AIDF_ETOOBIG && rc != AIDF_EINVAL)
        abort();
    free(buf);
    return 0;
}
