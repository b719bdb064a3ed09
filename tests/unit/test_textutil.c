/*
 * JavaScript white space (what the task and skill parsers trim) and markup escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aidf/err.h"
#include "aidf/textutil.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

static void test_space(void **state)
{
    (void)state;
    const char *s = " \t\xC2\xA0\xE3\x80\x80x\xEF\xBB\xBF";
    const char *end = s + strlen(s);
    assert_int_equal(aidf_js_space_len(s, end), 1);
    assert_int_equal(aidf_js_space_len(s + 2, end), 2);   /* NBSP */
    assert_int_equal(aidf_js_space_len(s + 4, end), 3);   /* U+3000 */
    assert_int_equal(aidf_js_space_len(s + 7, end), 0);   /* x */
    assert_int_equal(aidf_js_space_len(s + 2, s + 3), 0); /* a cut NBSP is no space */
    assert_int_equal(aidf_js_space_back(s, end), 3);      /* U+FEFF at the end */
    assert_int_equal(aidf_js_space_back(s, s), 0);
    const char *b = s, *e = end;
    aidf_js_trim(&b, &e);
    assert_int_equal(e - b, 1);
    assert_int_equal(*b, 'x');
    const char *only = "\xE2\x80\xA8 \n";
    b = only;
    e = only + strlen(only);
    aidf_js_trim(&b, &e);
    assert_true(b == e);
}

static void test_has_prefix(void **state)
{
    (void)state;
    const char *s = "## Status: BLOCKED";
    const char *end = s + strlen(s);
    assert_true(aidf_text_has_prefix(s, end, "## Status:", false));
    assert_true(aidf_text_has_prefix(s, end, "## STATUS:", true));
    assert_false(aidf_text_has_prefix(s, end, "## STATUS:", false));
    assert_false(aidf_text_has_prefix(s, s + 4, "## Status:", false)); /* past `end` */
    assert_true(aidf_text_has_prefix(s, s, "", false));
}

static void test_escape(void **state)
{
    (void)state;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_add_escaped(&b, "<a href=\"x\">Tom & Jerry's</a>\n", 0);
    assert_string_equal(b.ptr, "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry's&lt;/a&gt;\n");
    aidf_buf_reset(&b);
    aidf_buf_add_escaped(&b, "it's\nok", AIDF_ESCAPE_APOS | AIDF_ESCAPE_BR_CRLF);
    assert_string_equal(b.ptr, "it&#39;s<br>\r\nok");
    aidf_buf_reset(&b);
    aidf_buf_add_escaped(&b, "say \"<hi>\" & go", AIDF_ESCAPE_NO_QUOT);
    assert_string_equal(b.ptr, "say \"&lt;hi&gt;\" &amp; go");
    aidf_buf_release(&b);
}

static void test_crlf_to_lf(void **state)
{
    (void)state;
    char s[] = "a\r\nb\rc\r\r\nd\r";
    size_t n = aidf_text_crlf_to_lf(s, strlen(s));
    assert_int_equal(n, strlen("a\nb\rc\r\nd\r"));
    assert_string_equal(s, "a\nb\rc\r\nd\r");

    char empty[] = "";
    assert_int_equal(aidf_text_crlf_to_lf(empty, 0), 0);
    /* Only the first `len` bytes count: a CR at the end stays even when LF follows. */
    char cut[] = "x\r\ny";
    assert_int_equal(aidf_text_crlf_to_lf(cut, 2), 2);
    assert_string_equal(cut, "x\r");
}

/* `in` through aidf_visible_dup() with `flags` is `want`. */
static void visible_is(const char *in, unsigned flags, const char *want)
{
    char *got = aidf_visible_dup(in, flags);
    assert_string_equal(got, want);
    assert_int_equal(aidf_text_is_visible(in, strlen(in), flags), strcmp(in, want) == 0);
    free(got);
}

static void test_visible_c0_del(void **state)
{
    (void)state;
    /* OSC 0 (window title), CSI 2J, OSC 8 (a link) and a forged line. */
    visible_is("\x1b]0;pwned\x07", 0, "\\x1b]0;pwned\\x07");
    visible_is("a\x1b[2Jb", 0, "a\\x1b[2Jb");
    visible_is("\x1b]8;;http://evil/\x1b\\click\x1b]8;;\x1b\\", 0,
               "\\x1b]8;;http://evil/\\x1b\\click\\x1b]8;;\\x1b\\");
    visible_is("ok\r\naidf: all good", 0, "ok\\r\\naidf: all good");
    visible_is("tab\there", 0, "tab\\there");
    visible_is("\x01\x08\x0b\x0c\x1f\x7f", 0, "\\x01\\x08\\x0b\\x0c\\x1f\\x7f");
    /* Kept TAB, LF and CRLF for text printed as it is; a bare CR is still escaped (it
     * would let the text overwrite its own line). */
    visible_is("a\tb\nc\r\nd\re\r", AIDF_VISIBLE_KEEP_TAB | AIDF_VISIBLE_KEEP_NEWLINE,
               "a\tb\nc\r\nd\\re\\r");
    visible_is("\r\r\n", AIDF_VISIBLE_KEEP_NEWLINE, "\\r\r\n");
    visible_is("a\tb\n", AIDF_VISIBLE_KEEP_TAB, "a\tb\\n");
}

static void test_visible_c1_invalid(void **state)
{
    (void)state;
    /* C1 controls written in UTF-8: CSI, NEL, OSC, ST, and both ends of the range. */
    visible_is("\xC2\x9B"
               "2J",
               0, "\\u009b2J");
    visible_is("\xC2\x80\xC2\x85\xC2\x9D\xC2\x9C\xC2\x9F", 0,
               "\\u0080\\u0085\\u009d\\u009c\\u009f");
    /* U+00A0 and U+00A9 are printable: the range ends at U+009F. */
    visible_is("\xC2\xA0\xC2\xA9", 0, "\xC2\xA0\xC2\xA9");
    /* Raw C1 bytes and other invalid UTF-8, byte by byte. */
    visible_is("\x9b"
               "2J",
               0, "\\x9b2J");
    visible_is("\x85\x9d\xff\xfe", 0, "\\x85\\x9d\\xff\\xfe");
    visible_is("caf\xe9", 0, "caf\\xe9");                      /* Latin-1 */
    visible_is("\xC0\xAF", 0, "\\xc0\\xaf");                   /* overlong '/' */
    visible_is("\xED\xA0\x80", 0, "\\xed\\xa0\\x80");          /* a surrogate */
    visible_is("\xE2\x82", 0, "\\xe2\\x82");                   /* cut short at the end */
    visible_is("\xE2\x82z", 0, "\\xe2\\x82z");                 /* cut short by ASCII */
    visible_is("\xF4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
}

static void test_visible_bidi(void **state)
{
    (void)state;
    /* RLO ... PDF, and the isolates (Trojan Source). */
    visible_is("if \xE2\x80\xAE"
               "admin\xE2\x80\xAC",
               0, "if \\u202eadmin\\u202c");
    visible_is("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAD", 0, "\\u202a\\u202b\\u202d");
    visible_is("\xE2\x81\xA6\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9", 0,
               "\\u2066\\u2067\\u2068\\u2069");
    /* Neighbours that are not bidi controls stay: U+2029, U+202F, U+2065, U+206A. */
    visible_is("\xE2\x80\xA9\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA", 0,
               "\xE2\x80\xA9\xE2\x80\xAF\xE2\x81\xA5\xE2\x81\xAA");
}

static void test_visible_passes_text(void **state)
{
    (void)state;
    /* Valid multibyte UTF-8 (2, 3 and 4 bytes), wide characters, combining marks,
     * box drawing and backslashes are copied byte for byte. */
    const char *text = "caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x9A\x80 e\xCC\x81 "
                       "\xE2\x94\x8C\xE2\x94\x80 C:\\path\\x1b ~!@#$%^&*()_+{}|:\"<>?";
    visible_is(text, 0, text);
    visible_is("", 0, "");
    assert_null(aidf_visible_dup(NULL, 0));

    /* A NUL inside the given length is escaped too. */
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    assert_int_equal(aidf_buf_add_visible(&b, "a\0b", 3, 0), AIDF_OK);
    assert_string_equal(b.ptr, "a\\x00b");
    assert_false(aidf_text_is_visible("a\0b", 3, 0));
    aidf_buf_release(&b);

    /* Over the buffer's limit: an error, never more than the limit. */
    struct aidf_buf small = AIDF_BUF_INIT(8);
    assert_int_not_equal(aidf_buf_add_visible(&small, "\x1b\x1b\x1b\x1b", 4, 0), AIDF_OK);
    assert_true(small.len <= 8);
    aidf_buf_release(&small);
}

/* Every single byte value, and every pair, comes out as printable, non-control text. */
static void test_visible_every_byte(void **state)
{
    (void)state;
    char in[3] = {0};
    for (unsigned a = 1; a < 256; a++) {
        for (unsigned c = 0; c < 256; c += (a < 0x80 ? 255 : 1)) {
            in[0] = (char)a;
            in[1] = (char)c;
            char *out = aidf_visible_dup(in, 0);
            for (const unsigned char *p = (const unsigned char *)out; *p; p++)
                assert_true(*p >= 0x20 && *p != 0x7F);
            assert_true(aidf_utf8_invalid_at(out, strlen(out)) == strlen(out));
            free(out);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_space),
        cmocka_unit_test(test_has_prefix),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_crlf_to_lf),
        cmocka_unit_test(test_visible_c0_del),
        cmocka_unit_test(test_visible_c1_invalid),
        cmocka_unit_test(test_visible_bidi),
        cmocka_unit_test(test_visible_passes_text),
        cmocka_unit_test(test_visible_every_byte),
    };
    return cmocka_run_group_tests_name("textutil", tests, NULL, NULL);
}
