/*
 * File-system helpers: capped reads, durable atomic writes, mkdir -p.
 */
#ifndef AIDF_FSUTIL_H
#define AIDF_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/err.h"

/**
 * Read a whole file into a new NUL-terminated heap buffer (caller frees).
 * Files larger than `max` fail with AIDF_ETOOBIG; missing files with AIDF_ENOTFOUND;
 * other failures AIDF_EIO. `*out` is written only on success.
 */
int aidf_read_file(const char *path, size_t max, char **out, size_t *len, struct aidf_error *err);

/**
 * Write all `len` bytes of `data` to the open file `fd`, make it mode 0644 and fsync
 * it: the file part of a durable write. Returns 0, or -1 with errno set. The caller
 * still owns (and closes) `fd`.
 */
int aidf_write_fd_durable(int fd, const void *data, size_t len);

/**
 * Rename `from` to `to` unless `to` exists: renameat2(RENAME_NOREPLACE), and on a file
 * system without it link() + unlink() (undone when the unlink fails). Returns 0, or -1
 * with errno set (EEXIST when `to` exists; `from` is then left in place).
 */
int aidf_rename_noreplace(const char *from, const char *to);

/** fsync the directory `dir` so that renames and links in it are durable. Returns 0,
 *  or -1 with errno set. */
int aidf_fsync_dir(const char *dir);

/**
 * Write `len` bytes to `path` atomically and durably: a temporary file in the same
 * directory, fsync, rename over `path`, fsync the directory. With `exclusive` set the
 * rename does not replace an existing file (AIDF_ECONFLICT instead; see
 * aidf_rename_noreplace()).
 * AIDF_OK, AIDF_ECONFLICT or AIDF_EIO; the temporary file never survives a failure.
 */
int aidf_write_file_atomic(const char *path, const void *data, size_t len, int exclusive,
                           struct aidf_error *err);

/** mkdir -p with mode 0755. AIDF_OK or AIDF_EIO. */
int aidf_mkdirs(const char *path, struct aidf_error *err);

/** Join two path parts with one '/'; returns a new heap string. */
char *aidf_path_join(const char *a, const char *b);

/**
 * Walk up from `start` (NULL: the cwd) to the first directory that holds an entry
 * `name` (with `want_dir`, a directory, symlinks followed; else any entry, a symlink or
 * a file such as a worktree's `.git` included). Returns a new heap string with that
 * absolute directory, or NULL when none is found or `start` cannot be resolved. The
 * filesystem root is not tested.
 */
char *aidf_find_upward(const char *start, const char *name, bool want_dir);

/**
 * Walk up from `start` (NULL: the cwd) to the first directory containing `.ai/`
 * (a directory). Returns a new heap string with the absolute project root, or NULL
 * when none is found. The filesystem root is not tested.
 */
char *aidf_find_project_root(const char *start);

#endif
