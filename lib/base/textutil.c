/*
 * JavaScript white space, markup escaping, visible escaping of control characters and
 * line-end folding (see aidf/textutil.h).
 */
#include "aidf/textutil.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aidf/err.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool aidf_text_has_prefix(const char *p, const char *end, const char *lit, bool ci)
{
    size_t m = strlen(lit);
    if ((size_t)(end - p) < m)
        return false;
    for (size_t k = 0; k < m; k++)
        if (ci ? ascii_lower(p[k]) != ascii_lower(lit[k]) : p[k] != lit[k])
            return false;
    return true;
}

size_t aidf_js_space_len(const char *p, const char *end)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t left = (size_t)(end - p);
    if (!left)
        return 0;
    if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
        return 1;
    if (left >= 2 && u[0] == 0xC2 && u[1] == 0xA0) /* U+00A0 */
        return 2;
    if (left < 3)
        return 0;
    if (u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80) /* U+1680 */
        return 3;
    /* U+2000..U+200A, U+2028, U+2029, U+202F */
    if (u[0] == 0xE2 && u[1] == 0x80 &&
        ((u[2] >= 0x80 && u[2] <= 0x8A) || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF))
        return 3;
    if (u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) /* U+205F */
        return 3;
    if (u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) /* U+3000 */
        return 3;
    if (u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) /* U+FEFF */
        return 3;
    return 0;
}

size_t aidf_js_space_back(const char *start, const char *end)
{
    for (size_t k = 1; k <= 3 && k <= (size_t)(end - start); k++)
        if (aidf_js_space_len(end - k, end) == k)
            return k;
    return 0;
}

void aidf_js_trim(const char **b, const char **e)
{
    size_t k;
    while ((k = aidf_js_space_len(*b, *e)) != 0)
        *b += k;
    while ((k = aidf_js_space_back(*b, *e)) != 0)
        *e -= k;
}

void aidf_buf_add_escaped(struct aidf_buf *b, const char *s, unsigned flags)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            aidf_buf_addstr(b, "&amp;");
            break;
        case '<':
            aidf_buf_addstr(b, "&lt;");
            break;
        case '>':
            aidf_buf_addstr(b, "&gt;");
            break;
        case '"':
            aidf_buf_addstr(b, (flags & AIDF_ESCAPE_NO_QUOT) ? "\"" : "&quot;");
            break;
        case '\'':
            aidf_buf_addstr(b, (flags & AIDF_ESCAPE_APOS) ? "&#39;" : "'");
            break;
        case '\n':
            aidf_buf_addstr(b, (flags & AIDF_ESCAPE_BR_CRLF) ? "<br>\r\n" : "\n");
            break;
        default:
            aidf_buf_addch(b, *s);
        }
    }
}

size_t aidf_text_crlf_to_lf(char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
            continue;
        s[n++] = s[i];
    }
    s[n] = '\0';
    return n;
}

/* The bidirectional embeddings, overrides and isolates: text that reorders what follows. */
static bool is_bidi_control(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * Look at the character at s[0..len) (len > 0): stores its length in `*n` and returns
 * true when it must be escaped. `*cp` receives the code point, or UINT32_MAX for a byte
 * that does not start a well-formed sequence.
 */
static bool visible_next(const char *s, size_t len, unsigned flags, size_t *n, uint32_t *cp)
{
    unsigned char c = (unsigned char)s[0];
    if (c < 0x80) {
        *n = 1;
        *cp = c;
        if (c == '\t')
            return !(flags & AIDF_VISIBLE_KEEP_TAB);
        if (c == '\n' || (c == '\r' && len > 1 && s[1] == '\n'))
            return !(flags & AIDF_VISIBLE_KEEP_NEWLINE);
        return c < 0x20 || c == 0x7F;
    }
    *n = aidf_utf8_decode(s, len, cp);
    if (*n == 0) {
        *n = 1;
        *cp = UINT32_MAX;
        return true;
    }
    return (*cp >= 0x80 && *cp <= 0x9F) || is_bidi_control(*cp);
}

bool aidf_text_is_visible(const char *s, size_t len, unsigned flags)
{
    size_t i = 0, n;
    uint32_t cp;
    while (i < len) {
        if (visible_next(s + i, len - i, flags, &n, &cp))
            return false;
        i += n;
    }
    return true;
}

int aidf_buf_add_visible(struct aidf_buf *b, const char *s, size_t len, unsigned flags)
{
    size_t i = 0, run = 0, n;
    uint32_t cp;
    int rc = AIDF_OK;
    /* Copy the plain characters in runs; only an escaped one interrupts a run. */
    while (i < len && rc == AIDF_OK) {
        if (!visible_next(s + i, len - i, flags, &n, &cp)) {
            i += n;
            continue;
        }
        rc = aidf_buf_add(b, s + run, i - run);
        char esc[16];
        if (rc != AIDF_OK)
            break;
        if ((flags & AIDF_VISIBLE_JSON) && cp != UINT32_MAX)
            snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
        else if (cp == '\t' || cp == '\n' || cp == '\r')
            snprintf(esc, sizeof(esc), "\\%c", cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r');
        else if (cp == UINT32_MAX || cp < 0x80)
            snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)(unsigned char)s[i]);
        else
            snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
        rc = aidf_buf_addstr(b, esc);
        i += n;
        run = i;
    }
    if (rc == AIDF_OK)
        rc = aidf_buf_add(b, s + run, i - run);
    return rc;
}

char *aidf_visible_dup(const char *s, unsigned flags)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    if (aidf_text_is_visible(s, len, flags))
        return aidf_xstrdup(s);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_add_visible(&b, s, len, flags);
    return aidf_buf_detach(&b, NULL);
}

int aidf_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
