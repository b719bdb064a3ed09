/*
 * JavaScript white space, markup escaping and line-end folding (see aidf/textutil.h).
 */
#include "aidf/textutil.h"

#include <string.h>

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
