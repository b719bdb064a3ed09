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
 * Check `command` (leading/trailing whitespace ignored) against the policy. The command is
 * parsed as /bin/sh would read it (aidf/shparse.h): every simple command, including those
 * in substitutions, subshells, pipelines and the strings of sh -c / eval / env -S, is
 * checked on its words after quote and backslash removal, its command word found past
 * assignments, reserved words and wrappers (env, nice, timeout N, xargs, ...). Entries of
 * `allowed` and `blocked` are parsed the same way and matched word by word; docs/config.md
 * ("How commands are matched") is the user's description. First rule wins:
 *  1. a `blocked` entry (blank entries are ignored) matches a simple command: same command
 *     word by basename, at the command word or a wrapper before it (sudo/doas included);
 *     the entry's options all present (short ones in any grouping; for rm -r/-R/--recursive
 *     and -f/--force are equal); its other words among the arguments in order →
 *     AIDF_CMD_BLOCKED, `Command blocked by policy: "<simple>"[ in "<cmd>"] matches
 *     blocked pattern "<entry>"`;
 *  2. a built-in dangerous rule matches a simple command that no single-command `allowed`
 *     entry matches (or, for the download-into-a-shell rule, the line matches no
 *     multi-command entry) → AIDF_CMD_DANGEROUS, `Command blocked by default security
 *     policy: "<simple>"[ in "<cmd>"] matches a dangerous pattern (<rule>)`. Rules:
 *     sudo/doas/su/pkexec as a command; recursive rm of "/", "/\*", "~", "$HOME" and the
 *     like, or --no-preserve-root; chmod 777; a write to a block device (redirection,
 *     dd of=, tee); a shell / source reading a pipe or a process substitution in a line
 *     that runs curl or wget; a shell reading its commands from a pipe, a here-document
 *     or a here-string; a command name computed at run time (an expansion, a glob, a brace
 *     expansion); sh -c / eval / env -S of a string holding an expansion;
 *  3. the command cannot be parsed (see aidf/shparse.h): it is read again loosely (cut at
 *     every quote, operator, bracket and '$') and rules 1 and 2 applied to each piece; a
 *     piece over the parser's limits → AIDF_CMD_DANGEROUS, `Command blocked: "<cmd>" is
 *     too long or too complex to check (<why>)`;
 *  4. `strict`: empty `allowed` → AIDF_CMD_STRICT, `Command blocked: strict mode is enabled
 *     but no commands are in the allowed list`; a parse failure → AIDF_CMD_STRICT,
 *     `Command blocked: "<cmd>" cannot be checked (<why>), and strict mode refuses what it
 *     cannot check`; a simple command with a command word that no `allowed` entry matches
 *     (at its command word, exact name, the entry's options present and its other words
 *     the first arguments; sh -c / eval strings count by their commands) →
 *     AIDF_CMD_STRICT, `Command blocked: "<simple>"[ in "<cmd>"] is not in the allowed
 *     list (strict mode)`;
 *  5. AIDF_CMD_ALLOW.
 * Quoted commands are shown with control bytes as '?' and cut at 200 bytes. Time is
 * bounded for any input (the parser's limits; fuzzed with a per-input time limit).
 * `allowed` / `blocked` may be NULL (empty). On a refusal `*reason` (when `reason` is not
 * NULL) gets the message (heap, caller frees); on ALLOW it is set to NULL.
 */
enum aidf_cmd_verdict aidf_cmdpolicy_check(const struct aidf_strlist *allowed,
                                           const struct aidf_strlist *blocked, bool strict,
                                           const char *command, char **reason);

/** True when aidf_cmdpolicy_check() with no lists, not strict, says AIDF_CMD_DANGEROUS. */
bool aidf_cmdpolicy_is_dangerous(const char *command);

#endif
