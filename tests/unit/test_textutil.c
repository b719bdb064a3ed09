/*
 * JavaScript white space (what the task and skill parsers trim) and markup escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aidf/textutil.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_space),
        cmocka_unit_test(test_has_prefix),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_crlf_to_lf),
    };
    return cmocka_run_group_tests_name("textutil", tests, NULL, NULL);
}
