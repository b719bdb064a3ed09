/*
 * Small text helpers shared by the parsers and writers: the white space JavaScript's
 * trim() removes (the task and skill parsers follow the original's String.trim()), and
 * escaping for XML/HTML text.
 *
 * Ownership: arguments are borrowed.
 */
#ifndef AIDF_TEXTUTIL_H
#define AIDF_TEXTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "aidf/buf.h"

/**
 * Length of the white-space character starting at `p` (before `end`), or 0: ASCII space
 * and \t..\r, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 and
 * U+FEFF (what JavaScript's trim() drops), as UTF-8.
 */
size_t aidf_js_space_len(const char *p, const char *end);

/** Length of the white-space character ending just before `end` (not before `start`), or 0. */
size_t aidf_js_space_back(const char *start, const char *end);

/** True when the literal `lit` starts at `p` (before `end`); ASCII case-insensitive
 *  when `ci`. */
bool aidf_text_has_prefix(const char *p, const char *end, const char *lit, bool ci);

/** Move `*b` forward and `*e` back over JavaScript white space. */
void aidf_js_trim(const char **b, const char **e);

enum aidf_escape_flags {
    AIDF_ESCAPE_APOS = 1 << 0,    /* also ' as &#39; (HTML attributes in either quote) */
    AIDF_ESCAPE_BR_CRLF = 1 << 1, /* a newline becomes "<br>\r\n" (HTML mail bodies) */
    AIDF_ESCAPE_NO_QUOT = 1 << 2, /* leave " as it is (Slack mrkdwn: only & < > are special) */
};

/** Append `s` with & < > " escaped as entities (plus what `flags` adds). */
void aidf_buf_add_escaped(struct aidf_buf *b, const char *s, unsigned flags);

/**
 * Replace every CRLF of `s` (length `len`, with room for a NUL at `len`) by LF in place
 * and NUL-terminate it. A lone CR stays. Returns the new length.
 */
size_t aidf_text_crlf_to_lf(char *s, size_t len);

#endif
