/*
 * Scope guard decisions (upstream ScopeGuard.checkFileChange / checkFileChanges).
 *
 * Ownership: arguments are borrowed; result structs own their strings and are freed with
 * aidf_scope_result_release(). Reason strings returned through `const char **` are static.
 */
#ifndef AIDF_SCOPE_H
#define AIDF_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "aidf/config.h"
#include "aidf/containers.h"

/** A task's scope: glob lists (see aidf/glob.h) and the enforcement mode. */
struct aidf_scope {
    struct aidf_strlist allowed, forbidden, ask_before;
    enum aidf_scope_mode mode;
};

/** Decision for one file or a set of changes. */
enum aidf_scope_verdict {
    AIDF_SCOPE_VERDICT_ALLOW = 0,
    AIDF_SCOPE_VERDICT_ASK = 1, /* needs the user's approval (upstream ASK_USER) */
    AIDF_SCOPE_VERDICT_BLOCK = 2,
};

/** How a file changed in the working tree. */
enum aidf_change_kind {
    AIDF_CHANGE_MODIFIED = 0, /* tracked file changed */
    AIDF_CHANGE_CREATED = 1,  /* new, untracked file */
    AIDF_CHANGE_DELETED = 2,  /* tracked file removed */
};

/** One changed path (repository-relative, '/' separated) and how it changed. */
struct aidf_file_change {
    const char *path;
    enum aidf_change_kind kind;
};

/** How to undo a change that the guard blocked. */
enum aidf_revert_action {
    AIDF_REVERT_CHECKOUT = 0, /* tracked file: git checkout -- <path> */
    AIDF_REVERT_DELETE = 1,   /* untracked file: delete it (checkout would fail) */
};

/** Result of aidf_scope_check_changes(). */
struct aidf_scope_result {
    enum aidf_scope_verdict verdict;
    /* "N file(s) in forbidden or outside allowed scope" / "N file(s) require approval";
     * NULL when allowed. Owned. */
    char *reason;
    /* "SCOPE_FORBIDDEN" (block), "SCOPE_OUTSIDE_ALLOWED" (ask) or NULL. Static. */
    const char *error_code;
    struct aidf_strlist blocked; /* paths that got BLOCK, in input order */
    struct aidf_strlist ask;     /* paths that got ASK, in input order */
    /* For each entry of `blocked`, how to revert it (n == blocked.n). Owned. */
    enum aidf_revert_action *blocked_revert;
};

/** Empty scope (all lists empty) with mode `mode`. Pair with aidf_scope_release(). */
void aidf_scope_init(struct aidf_scope *s, enum aidf_scope_mode mode);

/** Free the lists of `s` (not `s` itself). */
void aidf_scope_release(struct aidf_scope *s);

/**
 * Decide on one path; first rule wins:
 *   0. an absolute path or one whose ".." leaves the repository → BLOCK (not upstream:
 *      a guard that can be walked around is no guard);
 *   1. matches `forbidden` → BLOCK "File is in forbidden scope" (every mode);
 *   2. matches a non-empty `ask_before` → ALLOW in permissive mode, else ASK
 *      "File requires approval before modification";
 *   3. `allowed` non-empty and no match → strict: BLOCK, ask: ASK (both "File is outside
 *      allowed scope"), permissive: ALLOW;
 *   4. ALLOW (an empty `allowed` allows everything not forbidden).
 * A pattern over the glob limits fails closed: it counts as matching in `forbidden` and
 * `ask_before` and as not matching in `allowed`. `*reason` (when `reason` is not NULL)
 * gets a static string, or NULL on ALLOW.
 */
enum aidf_scope_verdict aidf_scope_check_file(const struct aidf_scope *s, const char *path,
                                              const char **reason);

/**
 * True when the file name (last component) of `path` marks an environment file, which
 * usually holds secrets: ".env", ".env.<anything>" (".env.local", ".env.production"),
 * "<anything>.env" ("prod.env") and ".envrc" (direnv). The committed templates
 * ".env.example", ".env.sample", ".env.template" and ".env.dist" are not. A directory
 * named ".env" (a Python virtualenv) does not make the files in it environment files.
 */
bool aidf_scope_is_env_file(const char *path);

/**
 * May the agent read `path` (repository-relative; a directory to list when `is_dir`)?
 * `s` may be NULL (no task scope).
 * BLOCK when the path leaves the repository ("File is outside the repository"), matches
 * `forbidden` ("File is in forbidden scope"), or is an environment file
 * (aidf_scope_is_env_file(), never for `is_dir`) that no `allowed` pattern names: a pattern that
 * matches the path and whose last segment contains ".env" (so ".env", "config/.env.test", "*.env"
 * do; "**" and a directory followed by "**" do not) — reason "Environment files (.env, .env.*,
 * *.env, .envrc) are not readable unless the task's allowed scope names them". ALLOW otherwise:
 * `allowed`, `ask_before` and the mode limit writing, not reading.
 * `*reason` (when not NULL) gets a static string, or NULL on ALLOW.
 */
enum aidf_scope_verdict aidf_scope_check_read(const struct aidf_scope *s, const char *path,
                                              bool is_dir, const char **reason);

/**
 * Decide on a set of changes: any BLOCK → BLOCK (error SCOPE_FORBIDDEN), else any ASK →
 * ASK (error SCOPE_OUTSIDE_ALLOWED), else ALLOW. `out` is overwritten (call
 * aidf_scope_result_release() on it afterwards, whatever the verdict). `changes` may be
 * NULL when `n` is 0.
 */
enum aidf_scope_verdict aidf_scope_check_changes(const struct aidf_scope *s,
                                                 const struct aidf_file_change *changes, size_t n,
                                                 struct aidf_scope_result *out);

/** Free what `r` owns and zero it. NULL is a no-op. */
void aidf_scope_result_release(struct aidf_scope_result *r);

#endif
