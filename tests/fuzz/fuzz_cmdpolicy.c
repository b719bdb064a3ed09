/*
 * libFuzzer target: the command policy of the agent's run_command. Input is
 * "<blocked entry>\n<command>" (no newline: the whole input is the command). Any bytes
 * must give a verdict in bounded time: CI runs it with a per-input time limit, so a scan
 * that stops advancing on some byte (as it once did on a vertical tab) is a failure.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/cmdpolicy.h"
#include "aidf/containers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *cmd = buf;
    struct aidf_strlist allowed = {0}, blocked = {0};
    aidf_strlist_add(&allowed, "echo");
    aidf_strlist_add(&allowed, "npm test");
    aidf_strlist_add(&blocked, "rm -rf");
    char *nl = memchr(buf, '\n', size);
    if (nl) {
        *nl = '\0';
        aidf_strlist_add(&blocked, buf);
        cmd = nl + 1;
    }
    (void)aidf_cmdpolicy_is_dangerous(cmd);
    for (int strict = 0; strict < 2; strict++) {
        char *reason = NULL;
        enum aidf_cmd_verdict v =
            aidf_cmdpolicy_check(&allowed, &blocked, strict != 0, cmd, &reason);
        if (v > AIDF_CMD_STRICT || (v != AIDF_CMD_ALLOW && !reason))
            abort();
        free(reason);
    }
    aidf_strlist_release(&allowed);
    aidf_strlist_release(&blocked);
    free(buf);
    return 0;
}
