/*
 * The sandbox of the API providers' run_command tool: how the agent's shell commands are
 * confined, chosen once per run (security.sandbox in .ai/config.yml).
 *
 * Backends, best first:
 *   bwrap     bubblewrap: a new mount namespace where only the system directories
 *             (/usr, /bin, /sbin, /lib*, /etc) are visible, read-only; the project is
 *             mounted read-write at its own path, except its .git directory (read-only:
 *             hooks and git config would run outside the sandbox); /tmp and $HOME are
 *             private empty tmpfs;
 *             new PID, IPC, UTS, user, cgroup and (unless security.sandbox.network)
 *             network namespaces. When the command's shell ends or is stopped, everything
 *             it started dies with it (the PID namespace ends).
 *   landlock  the kernel's Landlock LSM, applied in the child before exec: writes outside
 *             the project and a private temporary directory (its $HOME and $TMPDIR) are
 *             refused; reads are not restricted; TCP connect/bind refused (unless
 *             security.sandbox.network) on kernels with Landlock ABI 4 or later; signals
 *             to processes outside refused on ABI 6 or later.
 *   none      no backend could be used: the command runs unconfined (mode auto warns).
 *   off       the config turned the sandbox off.
 * In every case the command's environment is an allow-list (aidf_sandbox_env_allowed()):
 * provider keys, AIDF_* tokens and CI secrets never reach it.
 *
 * For tests only: the environment variable AIDF_TEST_SANDBOX_UNAVAILABLE, holding "bwrap"
 * and/or "landlock", makes those backends count as unavailable (it can only make a run
 * fall back to a weaker backend that the report then names, or fail in the modes that
 * insist on one).
 *
 * Ownership: a struct aidf_sandbox owns its strings; release it with
 * aidf_sandbox_release(). Specs and results passed to aidf_sandbox_run() are the
 * caller's, as for aidf_proc_run().
 */
#ifndef AIDF_SANDBOX_H
#define AIDF_SANDBOX_H

#include <stdbool.h>

#include "aidf/config.h"
#include "aidf/containers.h"
#include "aidf/err.h"
#include "aidf/proc.h"

/* The backend a run uses. */
enum aidf_sandbox_kind {
    AIDF_SANDBOX_KIND_OFF = 0, /* turned off by the config */
    AIDF_SANDBOX_KIND_NONE,    /* nothing available (mode auto): unconfined, warned */
    AIDF_SANDBOX_KIND_BWRAP,
    AIDF_SANDBOX_KIND_LANDLOCK,
};

/* $HOME inside the bwrap sandbox (a private tmpfs). */
#define AIDF_SANDBOX_BWRAP_HOME "/home/sandbox"

/** A chosen sandbox. Zero-initialised it is "off" with no extra variables. */
struct aidf_sandbox {
    enum aidf_sandbox_kind kind;
    bool network;            /* network allowed (security.sandbox.network) */
    struct aidf_strlist env; /* extra variable names passed through (security.sandbox.env) */
    char *bwrap;             /* bwrap: the executable's path */
    int landlock_abi;        /* landlock: the kernel's Landlock ABI version */
    char why[640];           /* kind none: why no backend could be used */
};

/** "none", "bwrap", "landlock" or "off": the value of the report's security.sandbox. */
const char *aidf_sandbox_kind_name(enum aidf_sandbox_kind k);

/**
 * Choose the backend for `mode` and probe that it works here (bwrap is started once
 * with the real options in `root`; Landlock's ABI version is asked from the kernel).
 * `env` (may be NULL) is copied. Returns AIDF_OK with `out` filled (kind NONE only in mode
 * auto); AIDF_ENOTFOUND when the mode needs a backend that cannot be used here (required
 * with neither, bwrap or landlock forced and unusable), with the reason in `err`. `out`
 * is initialised by the call and must be released either way.
 */
int aidf_sandbox_select(enum aidf_sandbox_mode mode, bool network, const struct aidf_strlist *env,
                        const char *root, struct aidf_sandbox *out, struct aidf_error *err);

/** Free what `sb` owns and zero it (kind off). NULL is a no-op. */
void aidf_sandbox_release(struct aidf_sandbox *sb);

/**
 * True when the variable `name` may reach a command: PATH, HOME, LANG, LC_*, TERM, TZ,
 * USER, and the names in sb->env (sb may be NULL).
 */
bool aidf_sandbox_env_allowed(const struct aidf_sandbox *sb, const char *name);

/**
 * The environment of a command: the entries of `env` ("NAME=VALUE", NULL-terminated)
 * whose names are allowed, then HOME=`home` and TMPDIR=`tmpdir` when those are not NULL
 * (replacing inherited values). Returns a new NULL-terminated array of new strings; free
 * it with aidf_sandbox_strv_free().
 */
char **aidf_sandbox_env(const struct aidf_sandbox *sb, const char *const *env, const char *home,
                        const char *tmpdir);

/**
 * The bwrap command line that runs `/bin/sh -c cmd` in the project `root` (absolute, no
 * symlinks): sb->bwrap, then the options described above, "--", "/bin/sh", "-c", cmd.
 * `root`/.git is made read-only when it is a directory.
 * The system directories are looked up on this machine: missing ones are left out and
 * symbolic links (merged /usr) are recreated as links. Returns a new NULL-terminated
 * array of new strings; free it with aidf_sandbox_strv_free().
 */
char **aidf_sandbox_bwrap_argv(const struct aidf_sandbox *sb, const char *root, const char *cmd);

/** Free an array returned above. NULL is a no-op. */
void aidf_sandbox_strv_free(char **v);

/**
 * Run `spec->shell_cmd` in the project `root` (absolute, no symlinks) through `sb` (NULL:
 * off): everything else of `spec` (timeout, cap, cancel, output callback) is kept, while
 * argv, cwd, the environment and the pre-exec hook are the sandbox's. Private
 * directories made for the command are removed afterwards. Returns what aidf_proc_run()
 * returns, or AIDF_EIO when the sandbox cannot be prepared (message in `err`); `res` is
 * initialised by the call either way.
 */
int aidf_sandbox_run(const struct aidf_sandbox *sb, const char *root,
                     const struct aidf_proc_spec *spec, struct aidf_proc_result *res,
                     struct aidf_error *err);

#endif
