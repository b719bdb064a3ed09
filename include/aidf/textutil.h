/*
 * Small text helpers shared by the parsers and writers: the white space JavaScript's
 * trim() removes (the task and skill parsers follow the original's String.trim()),
 * escaping for XML/HTML text, and the visible escaping of control characters for
 * terminals and CSV.
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

/** The value of the hexadecimal digit `c` (0..15), or -1 when it is not one. */
int aidf_hex_digit(int c);

/** Move `*b` forward and `*e` back over JavaScript white space. */
void aidf_js_trim(const char **b, const char **e);

enum aidf_escape_flags {
    AIDF_ESCAPE_APOS = 1 << 0,    /* also ' as &#39; (HTML attributes in either quote) */
    AIDF_ESCAPE_BR_CRLF = 1 << 1, /* a newline becomes "<br>\r\n" (HTML mail bodies) */
    AIDF_ESCAPE_NO_QUOT = 1 << 2, /* leave " as it is (Slack mrkdwn: only & < > are special) */
};

/** Append `s` with & < > " escaped as entities (plus what `flags` adds). */
void aidf_buf_add_escaped(struct aidf_buf *b, const char *s, unsigned flags);

enum aidf_visible_flags {
    AIDF_VISIBLE_KEEP_TAB = 1 << 0,     /* leave TAB as it is (CSV cells, prompts) */
    AIDF_VISIBLE_KEEP_NEWLINE = 1 << 1, /* leave LF and CRLF as they are (multi-line text);
                                           a CR not followed by LF is still escaped */
    AIDF_VISIBLE_JSON = 1 << 2,         /* every escape as "\u00XX" / "\u202e": for the text
                                           of a JSON document, whose structure is ASCII */
};

/**
 * Append s[0..len) to `b` with every character that could act on a terminal (or hide
 * text from its reader) written as a visible escape, so that a string from a report, a
 * task file, git or a server can be printed without moving the cursor, setting the title,
 * opening a link or forging an output line:
 *   - TAB, LF and CR as "\t", "\n", "\r" (TAB, LF and CRLF stay when `flags` keeps
 *     them);
 *   - the other C0 controls and DEL as "\xHH" (ESC is "\x1b", BEL "\x07");
 *   - the C1 controls U+0080..U+009F, written in UTF-8, as "\u0080".."\u009f";
 *   - the bidirectional embeddings, overrides and isolates (U+202A..U+202E,
 *     U+2066..U+2069, the "Trojan Source" characters) as "\u202e" and so on;
 *   - every byte that does not start a well-formed UTF-8 sequence (aidf/utf8.h), such as
 *     a raw C1 byte 0x9B, as "\xHH".
 * With AIDF_VISIBLE_JSON every escape is a JSON "\uXXXX" instead (DEL is "\u007f"): a
 * JSON document's text (valid UTF-8, as jansson writes it) stays the same JSON value.
 * Everything else, including valid multibyte UTF-8 and backslashes, is copied unchanged.
 * A NUL byte inside `len` is written as "\x00". Returns AIDF_OK, or the aidf_buf error
 * when the buffer's limit is reached (the buffer then holds a prefix of the result).
 */
int aidf_buf_add_visible(struct aidf_buf *b, const char *s, size_t len, unsigned flags);

/** True when aidf_buf_add_visible() would copy s[0..len) unchanged. */
bool aidf_text_is_visible(const char *s, size_t len, unsigned flags);

/**
 * A new heap string: the NUL-terminated `s` through aidf_buf_add_visible(). `s` NULL
 * gives NULL. The caller frees the result; allocation failure aborts.
 */
char *aidf_visible_dup(const char *s, unsigned flags);

/**
 * Replace every CRLF of `s` (length `len`, with room for a NUL at `len`) by LF in place
 * and NUL-terminate it. A lone CR stays. Returns the new length.
 */
size_t aidf_text_crlf_to_lf(char *s, size_t len);

#endif
