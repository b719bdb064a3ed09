/*
 * Internal to the sandbox (lib/run/sandbox*.c): the Landlock backend, kept apart from the
 * backend choice and the bwrap command line in sandbox.c.
 */
#ifndef AIDF_SANDBOX_INT_H
#define AIDF_SANDBOX_INT_H

#include <stdbool.h>

#include "aidf/err.h"

/* The kernel's Landlock ABI version (1, 2, ...), or 0 when Landlock is missing or off. */
int aidf_landlock_abi(void);

/*
 * A Landlock ruleset for ABI `abi` that refuses every kind of write (creating, removing,
 * renaming, writing, truncating files) except below `root` and `private_dir` and to
 * /dev/null; with `network` false and ABI >= 4 also TCP bind and connect; with ABI >= 6
 * signals and abstract UNIX sockets reaching outside the sandbox. Returns the ruleset's
 * file descriptor (close-on-exec; the caller closes it), or -1 with `err` set.
 */
int aidf_landlock_ruleset(int abi, const char *root, const char *private_dir, bool network,
                          struct aidf_error *err);

/*
 * The pre-exec hook (struct aidf_proc_spec.pre_exec) that enters the ruleset whose file
 * descriptor `ctx` points to (an int): no_new_privs, then landlock_restrict_self().
 * Async-signal-safe. Returns 0 or an errno value.
 */
int aidf_landlock_enter(void *ctx);

#endif
