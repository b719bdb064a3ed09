/*
 * Path glob matching for the scope guard (upstream: minimatch with {dot:true} plus
 * aidf's prefix fallback).
 *
 * Ownership: every argument is borrowed; nothing is allocated that outlives a call.
 *
 * Pattern syntax (minimatch semantics, case-sensitive, '/' is the only separator):
 *   *        any run of characters inside one path segment (also a leading '.')
 *   **       as a whole segment: zero or more segments; elsewhere it acts like '*'
 *   ?        one character (one UTF-8 code point) other than '/'
 *   [...]    a class: single characters, ranges a-z, [:alpha:]-style classes,
 *            negation with [!...] or [^...]; an unclosed '[' is literal
 *   {a,b}    brace alternatives (nested allowed), {1..5} / {a..e} / {1..9..2} sequences
 *   \x       x taken literally
 *   !pat     (leading, odd count) negates the minimatch step; a leading '#' matches nothing
 * A wildcard-led segment never matches "." or "..". A leading "./" on pattern and path is
 * ignored and repeated '/' are treated as one.
 */
#ifndef AIDF_GLOB_H
#define AIDF_GLOB_H

#include <stdbool.h>

/** Patterns longer than this are rejected with AIDF_ETOOBIG. */
#define AIDF_GLOB_MAX_PATTERN 16384
/** Brace expansion may produce at most this many alternatives... */
#define AIDF_GLOB_MAX_EXPANSIONS 256
/** ...holding at most this many bytes in total; more is AIDF_ETOOBIG. */
#define AIDF_GLOB_MAX_EXPANDED_BYTES (1024 * 1024)

/**
 * Pure minimatch step: 1 when `path` matches `pattern` (semantics above, no fallback),
 * 0 when not, AIDF_ETOOBIG when the pattern is over a limit above, AIDF_EINVAL for NULL
 * arguments. Time is O(len(pattern) * len(path)) per brace alternative: no exponential
 * backtracking.
 */
int aidf_glob_minimatch(const char *pattern, const char *path);

/**
 * The scope-guard rule (upstream matchesPattern): after stripping a leading "./",
 * `path` matches when (1) aidf_glob_minimatch() matches; or (2) the pattern has no '*'
 * or ends with "**" and the path matches the pattern + "/" + "**"; or (3) with base = the
 * pattern minus its first "**" (and a '/' right before it) and everything after, when
 * base is non-empty and the pattern has no "*.", the path equals base or starts with
 * base + "/". So "src/" "**" matches "src", "dir/" "** (read-only)" acts as prefix "dir/",
 * and "src/" "*.ts" is minimatch-only (the patterns are split to keep this comment valid).
 * Returns 1, 0, AIDF_ETOOBIG (pattern over a limit; step 3 is not tried) or AIDF_EINVAL.
 */
int aidf_glob_match_ex(const char *pattern, const char *path);

#endif
