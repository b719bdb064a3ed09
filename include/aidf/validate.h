/*
 * The validator: runs `validation.pre_commit`
 * commands through the shell in the project directory, each with a time limit, and
 * formats the markdown report that is fed back to the agent.
 *
 * Ownership: arguments are borrowed; a struct aidf_validation owns its results and is
 * freed with aidf_validation_release().
 */
#ifndef AIDF_VALIDATE_H
#define AIDF_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/containers.h"

/* Output kept per command for the report and the feedback (bytes, head of stdout+stderr). */
#define AIDF_VALIDATE_MAX_OUTPUT ((size_t)1024 * 1024)

/** One command's outcome. */
struct aidf_validation_cmd {
    char *command;
    bool passed;       /* exit status 0 */
    int64_t exit_code; /* -1 on timeout, signal or spawn failure */
    bool timed_out;
    double duration_ms;
    /* stdout, then "\n--- stderr ---\n" + stderr when there was any; on a timeout it
     * starts with "Command timed out after <ms>ms\n"; on a spawn failure it is
     * "Failed to execute: <why>". */
    char *output;
};

/** The outcome of one phase (e.g. "pre_commit"). */
struct aidf_validation {
    char *phase;
    bool passed; /* every command that ran passed (true when there were none) */
    size_t n;    /* commands that ran (stops after the first failure when asked to) */
    struct aidf_validation_cmd *cmds;
    double total_ms;
    /* For the first failure: "VALIDATION_PRE_COMMIT" (phase pre_commit) or
     * "VALIDATION_PRE_PUSH" / "VALIDATION_PRE_PR", and the message
     * `Pre-commit validation failed: "<cmd>" exited with code N`; NULL when passed. */
    char *error_code, *error_message;
};

/**
 * Run `commands` (may be NULL or empty: passes with no results) in order with
 * `/bin/sh -c` in `cwd`, each limited to `timeout_s` seconds (<= 0: 300 s; the command's
 * process group is killed on expiry). With `stop_on_first` the run stops after the first
 * failing command. `out` is overwritten (release it afterwards). Never fails: a command
 * that cannot be started is a failed command. Returns out->passed.
 */
bool aidf_validate_run(const struct aidf_strlist *commands, const char *phase, const char *cwd,
                       double timeout_s, bool stop_on_first, struct aidf_validation *out);

/**
 * The markdown report of §4.4: "## ✅|❌ Validation: <phase>", status, duration, and per
 * command "#### ✅|❌ `<cmd>`", exit code, duration and, when it failed or printed
 * anything, the first 5000 bytes of output in a <details> fence ("\n... (truncated)"
 * when cut). New heap string.
 */
char *aidf_validate_format(const struct aidf_validation *v);

/** Free what `v` owns and zero it. NULL is a no-op. */
void aidf_validation_release(struct aidf_validation *v);

#endif
