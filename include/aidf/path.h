/*
 * The one lexical path normaliser. The scope guard (which judges the repository-relative
 * paths git reports) and the tool confinement (which resolves the paths a model asks
 * for) both go through it, so they agree on what a path names.
 *
 * It works on bytes, as the kernel does: only '/' separates components and only the
 * exact components "." and ".." are special, so an overlong UTF-8 form such as
 * C0 AF or C0 AE C0 AE is an ordinary name, not a separator or a parent.
 */
#ifndef AIDF_PATH_H
#define AIDF_PATH_H

#include <stdbool.h>
#include <stddef.h>

/**
 * Lexically normalise the `len` bytes at `path` into a new heap string (the caller
 * frees): empty components ("//") and "." are dropped, each ".." removes the component
 * before it, and there is no trailing '/'. An absolute path stays absolute and ".." at
 * "/" stays at "/" (as the kernel resolves it); "/" for the root itself. A relative path
 * keeps the ".." it cannot cancel at its front ("a/../../x" is "../x"); "." when nothing
 * is left. Symbolic links are not looked at: resolve them afterwards on the result.
 * Returns NULL when the bytes contain a NUL (a path the kernel would read cut short).
 * Allocation failure aborts.
 */
char *aidf_path_normalize(const char *path, size_t len);

/**
 * True when the normalised path `norm` does not name something inside the directory it
 * is relative to: it is absolute, or it climbs above its start ("..", "../x").
 */
bool aidf_path_escapes(const char *norm);

#endif
