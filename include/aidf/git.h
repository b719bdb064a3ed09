/*
 * Git operations of the executor, by running the `git` program (aidf/proc.h): working-tree
 * snapshots and the changes an iteration made (tracked on every iteration,
 * whether or not auto-commit is on, classified created / modified / deleted), staging,
 * commits, reverting blocked changes, and push.
 *
 * Ownership: arguments are borrowed; snapshots and change lists are owned by the caller
 * and freed with their _free/_release functions.
 */
#ifndef AIDF_GIT_H
#define AIDF_GIT_H

#include <stdbool.h>
#include <stddef.h>

#include "aidf/err.h"
#include "aidf/containers.h"
#include "aidf/scope.h"

/* Time limit of one git command (ms). */
#define AIDF_GIT_TIMEOUT_MS 120000

/** True when `cwd` is inside a git work tree. */
bool aidf_git_is_repo(const char *cwd);

/** A picture of the work tree: HEAD and every dirty path with a hash of its content. */
struct aidf_git_snapshot;

/**
 * Take a snapshot of the repository at `cwd`: `git rev-parse HEAD` (none in a repository
 * without commits), `git status --porcelain=v1 -z --untracked-files=all`, and a SHA-256 of
 * each dirty file's current content (so a change to an already-dirty file is seen).
 * `*out` is written only on success. AIDF_OK, or AIDF_EIO with the git error in `err`.
 */
int aidf_git_snapshot_take(const char *cwd, struct aidf_git_snapshot **out, struct aidf_error *err);

/** Free a snapshot. NULL is a no-op. */
void aidf_git_snapshot_free(struct aidf_git_snapshot *s);

/** One changed path (relative to the work tree top, '/'-separated). */
struct aidf_git_change {
    char *path;
    enum aidf_change_kind kind; /* created: did not exist at `before` (untracked or
                                   added); deleted: gone; modified: otherwise */
};

struct aidf_git_changes {
    size_t n, cap;
    struct aidf_git_change *items; /* sorted by path, no duplicates */
};

/**
 * What changed in the work tree since `before` (taken in the same repository): paths
 * whose status or content differ between `before` and now (also a path dirty before and
 * clean now: the agent reverted it), plus the paths of commits made since `before`
 * (git diff --name-status <before HEAD> HEAD; every file of HEAD when `before` had no
 * commit), as when the agent commits on its own. A rename is its old path deleted and
 * its new path created. A path existed at `before` when it was in the work tree then, or
 * was tracked in `before`'s HEAD; it is deleted when it is not in the work tree now,
 * created when it did not exist at `before`, else modified. Files ignored by .gitignore
 * are not seen. Paths starting with any of `ignore_prefixes` (may be NULL; e.g.
 * ".ai/reports/") are left out. `out` is overwritten (empty on error). AIDF_OK, AIDF_EIO,
 * or AIDF_EINVAL when `before` is NULL.
 */
int aidf_git_changes_since(const char *cwd, const struct aidf_git_snapshot *before,
                           const struct aidf_strlist *ignore_prefixes, struct aidf_git_changes *out,
                           struct aidf_error *err);

/** Free the list and zero it. NULL is a no-op. */
void aidf_git_changes_release(struct aidf_git_changes *c);

/**
 * `git add -A -- <paths>` (stages modifications, new files and deletions), in batches,
 * paths taken literally (no globs). A path that is neither in the work tree nor in the
 * index (an untracked file that was deleted) has nothing to stage and is skipped.
 * NULL or empty `paths`: AIDF_OK. AIDF_OK or AIDF_EIO.
 */
int aidf_git_add(const char *cwd, const struct aidf_strlist *paths, struct aidf_error *err);

/**
 * `git commit -q -m <message>` of what is staged (never --all). Sets `*nothing` (optional)
 * when there was nothing to commit (AIDF_OK then, `*sha_out` NULL). `*sha_out` (optional)
 * receives the new HEAD (heap). Where `git config` has no user.name / user.email, they
 * default to "aidf" / "aidf@localhost" for this commit. AIDF_OK or AIDF_EIO with git's
 * stderr in `err`.
 */
int aidf_git_commit(const char *cwd, const char *message, bool *nothing, char **sha_out,
                    struct aidf_error *err);

/**
 * Undo changes to `paths`: tracked paths are restored from HEAD (`git checkout HEAD --`,
 * which also brings back deleted files and unstages them); paths that do not exist in
 * HEAD are deleted from the index (`git rm --cached -f`) and the work tree, with the
 * directories this empties (a directory, such as a nested repository, is removed only
 * when empty). Nothing is done, and AIDF_EINVAL returned, when a path is empty, absolute,
 * has a ".." component or goes through a symlinked directory. AIDF_OK, AIDF_EINVAL or
 * AIDF_EIO.
 */
int aidf_git_revert(const char *cwd, const struct aidf_strlist *paths, struct aidf_error *err);

/**
 * `git rm --cached -f --ignore-unmatch -q -- <path>`: out of the index, the file stays (-f:
 * also when the staged copy differs from both HEAD and the file).
 */
int aidf_git_rm_cached(const char *cwd, const char *path, struct aidf_error *err);

/** `git push` (the current branch to its upstream). AIDF_OK or AIDF_EIO. */
int aidf_git_push(const char *cwd, struct aidf_error *err);

/** Where a work tree stands and where it came from; each field NULL when git has none. */
struct aidf_git_origin {
    char *branch;     /* the checked-out branch; NULL on a detached HEAD */
    char *head;       /* HEAD's sha; NULL in a repository without commits */
    char *remote_url; /* remote.origin.url exactly as configured (may hold credentials:
                         pass it through aidf_giturl_redact() before storing it) */
    char *user_email; /* user.email */
};

/**
 * Read the branch (`git symbolic-ref -q --short HEAD`), HEAD (`git rev-parse -q --verify
 * HEAD`) and the origin URL and user e-mail (`git config --get-regexp`) of the repository at
 * `cwd`. `*o` is filled even on error (with what could be read). AIDF_OK, or AIDF_EIO when
 * git could not run or `cwd` is not a work tree.
 */
int aidf_git_origin_read(const char *cwd, struct aidf_git_origin *o, struct aidf_error *err);

/** HEAD's sha in `*sha` (heap; NULL in a repository without commits). AIDF_OK or AIDF_EIO. */
int aidf_git_head(const char *cwd, char **sha, struct aidf_error *err);

/** Free the fields of `o` and zero it. NULL is a no-op. */
void aidf_git_origin_release(struct aidf_git_origin *o);

#endif
