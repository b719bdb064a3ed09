/*
 * Child processes: run a program (argv, searched on PATH) or a shell command with a
 * prompt on stdin, capture stdout and stderr with caps, and stop it for real on a
 * timeout or a cancel request.
 *
 * The child runs in a process group of its own, so a timeout or a cancel signals the
 * whole group (an agent's grandchildren too): SIGTERM first, SIGKILL after a grace
 * period. The call returns only after the child has been reaped.
 *
 * Ownership: the spec and everything it points to are borrowed; the result owns its
 * buffers and is freed with aidf_proc_result_release().
 */
#ifndef AIDF_PROC_H
#define AIDF_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/err.h"

/* Default cap on each captured stream. */
#define AIDF_PROC_DEFAULT_MAX_OUTPUT ((size_t)64 * 1024 * 1024)
/* Default wait between SIGTERM and SIGKILL. */
#define AIDF_PROC_DEFAULT_GRACE_MS 2000

/** Called with each chunk read from the child: `stream` 1 = stdout, 2 = stderr. */
typedef void (*aidf_proc_output_fn)(int stream, const char *data, size_t len, void *ctx);

/** What to run. Zero-initialise, then set argv or shell_cmd. */
struct aidf_proc_spec {
    const char *const *argv; /* NULL-terminated; argv[0] searched on PATH unless it has a '/' */
    const char *shell_cmd;   /* used when argv is NULL: /bin/sh -c shell_cmd */
    const char *cwd;         /* NULL: the current directory */
    const char *stdin_data;  /* written to the child's stdin, then closed; NULL: /dev/null */
    size_t stdin_len;
    const char *const *envp;       /* the child's whole environment ("NAME=VALUE",
                                      NULL-terminated) instead of the inherited one; NULL:
                                      inherit aidf's environment */
    const char *const *env_set;    /* "NAME=VALUE" entries added to (or replacing in) the
                                      environment above; "NAME" alone unsets; NULL: none */
    size_t max_output;             /* cap per stream; 0: AIDF_PROC_DEFAULT_MAX_OUTPUT. Bytes past
                                      the cap are read and dropped (the *_truncated flag is set) */
    bool merge_stderr;             /* stderr goes into the stdout buffer, interleaved */
    int64_t timeout_ms;            /* 0: none */
    int64_t grace_ms;              /* SIGTERM→SIGKILL wait; 0: AIDF_PROC_DEFAULT_GRACE_MS */
    aidf_proc_output_fn on_output; /* may be NULL */
    void *output_ctx;
    /* When not NULL and it becomes non-zero while the child runs (a SIGINT handler sets
     * it), the child's group is stopped as on a timeout and res->cancelled is set. */
    volatile sig_atomic_t *cancel;
    /* When not NULL: called in the child after its stdio and working directory are set up,
     * just before exec (the sandbox applies its Landlock rules here). It runs between fork()
     * and exec() of a possibly multi-threaded parent, so it may make only
     * async-signal-safe calls (no malloc, no stdio, no locks). It returns 0, or an errno
     * value that stops the start: aidf_proc_run() then returns AIDF_EIO with
     * res->spawn_failed set and spawn_error "<prog>: cannot prepare the child: <why>". */
    int (*pre_exec)(void *ctx);
    void *pre_exec_ctx;
};

/** How it went. Buffers are NUL-terminated heap strings (never NULL after a run). */
struct aidf_proc_result {
    int exit_code;     /* exit status; -1 when killed by a signal or never started */
    int term_signal;   /* signal that ended the child, 0 when it exited */
    bool timed_out;    /* stopped because timeout_ms passed */
    bool cancelled;    /* stopped because *cancel became non-zero */
    bool spawn_failed; /* the program could not be started (exit_code 127 or 126) */
    char *out, *err;
    size_t out_len, err_len;
    bool out_truncated, err_truncated;
    double duration_ms;    /* wall time from fork to reap */
    char spawn_error[256]; /* why the start failed, e.g. "claude: No such file or directory" */
};

/**
 * Run `spec` to completion and fill `res` (always initialised by this call; release it
 * even on error). Returns AIDF_OK when the child ran (whatever its exit status, timeout
 * or cancel — see the flags), AIDF_ENOTFOUND when the program does not exist or is not
 * executable (res->spawn_failed set), AIDF_EINVAL for an empty spec, AIDF_EIO when
 * fork/pipe fail or `cwd` cannot be entered (the latter with res->spawn_failed set and
 * spawn_error "cannot change to '<cwd>': <why>"). `err` (may be NULL) explains failures.
 */
int aidf_proc_run(const struct aidf_proc_spec *spec, struct aidf_proc_result *res,
                  struct aidf_error *err);

/** Free the buffers of `r` and zero it. NULL is a no-op. */
void aidf_proc_result_release(struct aidf_proc_result *r);

/**
 * Find `name` the way execvp() would: a name with '/' is checked as it is, otherwise
 * each directory of $PATH. Returns a new heap path of an executable regular file, or
 * NULL when there is none.
 */
char *aidf_proc_which(const char *name);

#endif
