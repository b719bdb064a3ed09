/*
 * libFuzzer target: task markdown parsing. Any bytes must parse or fail with an error
 * code, never crash, hang or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "aidf/err.h"
#include "aidf/task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aidf_task t;
    struct aidf_error err;
    int rc = aidf_task_parse((const char *)data, size, "fuzz.md", &t, &err);
    if (rc == AIDF_OK) {
        if (!t.goal || !t.task_type || !t.role)
            abort(); /* a parsed task always has these (possibly empty) */
        aidf_task_release(&t);
    } else if (rc != AIDF_EINVAL && rc != AIDF_ETOOBIG) {
        abort();
    }
    return 0;
}
