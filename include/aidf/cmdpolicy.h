/*
 * Command policy for shell commands requested by an agent (upstream validateCommand in
 * tool-handler.ts), fed from config security.commands.{allowed,blocked,strict}.
 *
 * Ownership: arguments are borrowed; `*reason` is a heap string the caller frees.
 */
#ifndef AIDF_CMDPOLICY_H
#define AIDF_CMDPOLICY_H

#include <stdbool.h>

#include "aidf/containers.h"

/** Outcome of aidf_cmdpolicy_check(). */
enum aidf_cmd_verdict {
    AIDF_CMD_ALLOW = 0,
    AIDF_CMD_BLOCKED = 1,   /* a security.commands.blocked entry matched */
    AIDF_CMD_DANGEROUS = 2, /* a built-in dangerous pattern matched */
    AIDF_CMD_STRICT = 3,    /* strict mode and not in the allowed list */
};

/**
 * Check `command` (leading/trailing whitespace ignored) against the policy; first rule
 * wins:
 *  1. a non-empty `blocked` entry is a substring of the command (both compared with
 *     whitespace runs folded to one space) → AIDF_CMD_BLOCKED,
 *     `Command blocked by policy: "<cmd>" matches blocked pattern "<p>"`;
 *  2. a built-in dangerous pattern matches and the command is not allowed →
 *     AIDF_CMD_DANGEROUS, `Command blocked by default security policy: "<cmd>" matches a
 *     dangerous pattern`. Built-ins: rm with a recursive flag on "/", "/\*", "~" or "$HOME" or with
 *     --no-preserve-root; sudo/doas as a command word (also after | && ; or inside quotes);
 *     curl/wget piped into sh/bash/zsh/dash/ksh; chmod 777; redirection or dd of= onto a
 *     block device (/dev/sd*, hd*, vd*, xvd*, nvme*, mmcblk*); eval; backticks; "$(" and
 *     process substitution "<(" / ">(";
 *  3. `strict`: empty `allowed` → AIDF_CMD_STRICT, `Command blocked: strict mode is enabled
 *     but no commands are in the allowed list`; not allowed → AIDF_CMD_STRICT,
 *     `Command blocked: "<cmd>" is not in the allowed list (strict mode)`;
 *  4. AIDF_CMD_ALLOW.
 * "Allowed" means the command equals an `allowed` entry, or starts with entry + " " and
 * the rest holds no shell control characters (; & | ` $( < > newline) — upstream accepted
 * any suffix, so "npm test; sudo rm -rf /" passed an allowed "npm test".
 * `allowed` / `blocked` may be NULL (empty). On a refusal `*reason` (when `reason` is not
 * NULL) gets the message (heap, caller frees); on ALLOW it is set to NULL.
 */
enum aidf_cmd_verdict aidf_cmdpolicy_check(const struct aidf_strlist *allowed,
                                           const struct aidf_strlist *blocked, bool strict,
                                           const char *command, char **reason);

/** True when `command` matches a built-in dangerous pattern (rule 2 above, no allow list). */
bool aidf_cmdpolicy_is_dangerous(const char *command);

#endif
