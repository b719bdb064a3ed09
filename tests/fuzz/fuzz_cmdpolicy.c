/*
 * libFuzzer target: the command policy of the agent's run_command and the shell parser
 * under it (aidf/shparse.h). Input is "<blocked entry>\n<command>" (no newline: the whole
 * input is the command); a 0x1f byte in the first line starts an allowed entry:
 * "<blocked>\x1f<allowed>\n<command>". Any bytes must give a verdict in bounded time: CI runs
 * it with a per-input time limit (-timeout=10), so a scan that stops advancing on some byte
 * (as one once did on a vertical tab) is a failure, and so is a parse over its limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/cmdpolicy.h"
#include "aidf/containers.h"
#include "aidf/shparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parse of `s` keeps to its documented bounds. */
static void check_parse(const char *s)
{
    struct aidf_sh_parse p;
    aidf_sh_parse_init(&p);
    bool ok = aidf_sh_parse_append(&p, s, strlen(s), 0);
    if (ok != (p.error == NULL) || p.n > AIDF_SH_MAX_CMDS || p.words > AIDF_SH_MAX_WORDS)
        abort();
    size_t words = 0;
    for (size_t i = 0; i < p.n; i++) {
        const struct aidf_sh_cmd *c = &p.cmds[i];
        if (c->depth > AIDF_SH_MAX_DEPTH || (c->n == 0 && c->nredir == 0))
            abort();
        words += c->n + c->nredir;
        for (size_t j = 0; j < c->n; j++)
            if (!c->words[j].text)
                abort();
    }
    /* equal when parsed; after an error the words of the unfinished command are dropped */
    if (ok ? words != p.words : words > p.words)
        abort();
    aidf_sh_parse_release(&p);
}

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
        cmd = nl + 1;
        char *us = strchr(buf, 0x1f);
        if (us) {
            *us = '\0';
            aidf_strlist_add(&allowed, us + 1);
        }
        aidf_strlist_add(&blocked, buf);
    }
    check_parse(cmd);
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
