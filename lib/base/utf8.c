/*
 * The strict UTF-8 decoder and the sanitiser built on it (see aidf/utf8.h).
 */
#include "aidf/utf8.h"

#include "aidf/buf.h"
#include "aidf/xalloc.h"

size_t aidf_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0)
        return 0;
    unsigned c = p[0];
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return 1;
    }
    /* The lead byte gives the length; the second byte's range excludes the overlong
     * forms (E0 80..9F, F0 80..8F), the surrogates (ED A0..BF) and values past
     * U+10FFFF (F4 90..BF). C0, C1 and F5..FF never start a sequence. */
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (i >= len)
            return 0;
        unsigned b = p[i];
        if (i == 1 ? b < lo || b > hi : (b & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (b & 0x3F);
    }
    if (cp)
        *cp = v;
    return n;
}

char *aidf_utf8_sanitize(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = s[i] ? aidf_utf8_decode(s + i, len - i, NULL) : 0;
        if (n == 0)
            break;
        i += n;
    }
    if (i == len)
        return aidf_xstrndup(s, len);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_add(&b, s, i);
    while (i < len) {
        size_t n = s[i] ? aidf_utf8_decode(s + i, len - i, NULL) : 0;
        if (n == 0) {
            aidf_buf_add(&b, AIDF_UTF8_REPLACEMENT, 3);
            i++;
        } else {
            aidf_buf_add(&b, s + i, n);
            i += n;
        }
    }
    return aidf_buf_detach(&b, NULL);
}

size_t aidf_utf8_invalid_at(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n = aidf_utf8_decode(s + i, len - i, NULL);
        if (n == 0)
            return i;
        i += n;
    }
    return len;
}
