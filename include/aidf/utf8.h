/*
 * The one UTF-8 decoder of the project. It is strict: a sequence is well formed only
 * when it is the shortest form of a Unicode scalar value (no overlong forms such as
 * C0 AF for '/', no UTF-16 surrogates U+D800..U+DFFF, nothing past U+10FFFF, no stray
 * continuation bytes, no sequence cut short by the end of the input). Callers decide
 * what a malformed byte becomes (U+FFFD, '?', one column ...); every caller sees the
 * same bytes as malformed.
 */
#ifndef AIDF_UTF8_H
#define AIDF_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The UTF-8 bytes of U+FFFD REPLACEMENT CHARACTER. */
#define AIDF_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/**
 * Decode the sequence at the start of s[0..len). Returns its length (1 to 4) and stores
 * the code point in `*cp` (when `cp` is not NULL); returns 0 when the bytes there are
 * not a well-formed sequence or len is 0 (`*cp` is then left alone). A NUL byte is
 * U+0000 of length 1. Never reads past the first byte that makes the sequence
 * malformed, so a NUL-terminated string may be passed with a len that overstates it.
 */
size_t aidf_utf8_decode(const char *s, size_t len, uint32_t *cp);

/**
 * The offset of the first byte of s[0..len) that does not start a well-formed sequence,
 * or `len` when all of it is valid UTF-8 (NUL bytes count as valid: U+0000).
 */
size_t aidf_utf8_invalid_at(const char *s, size_t len);

/**
 * A new heap copy of s[0..len) in which every byte that does not start a well-formed
 * sequence, and every NUL byte, is replaced by U+FFFD: the result is a valid UTF-8 C
 * string (as json_string() requires). The caller frees it; allocation failure aborts.
 */
char *aidf_utf8_sanitize(const char *s, size_t len);

#endif
