/* Unit tests for lib/base/utf8.c: the strict decoder, its hostile inputs, the sanitiser,
 * and that glob matching goes by the same rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aidf/glob.h"
#include "aidf/utf8.h"

/* Decode all of `s` (length `len`) as one sequence: its length and code point. */
static void decodes(const char *s, size_t len, uint32_t want)
{
    uint32_t cp = 0xDEADBEEF;
    assert_int_equal(aidf_utf8_decode(s, len, &cp), len);
    assert_int_equal(cp, want);
}

static void rejects(const char *s, size_t len)
{
    uint32_t cp = 0xDEADBEEF;
    assert_int_equal(aidf_utf8_decode(s, len, &cp), 0);
    assert_int_equal(cp, 0xDEADBEEF); /* left alone */
}

static void test_well_formed(void **state)
{
    (void)state;
    decodes("A", 1, 'A');
    decodes("\0", 1, 0);
    decodes("\x7F", 1, 0x7F);
    decodes("\xC2\x80", 2, 0x80);
    decodes("\xC3\xA9", 2, 0xE9);
    decodes("\xDF\xBF", 2, 0x7FF);
    decodes("\xE0\xA0\x80", 3, 0x800);
    decodes("\xE2\x82\xAC", 3, 0x20AC);
    decodes("\xED\x9F\xBF", 3, 0xD7FF);
    decodes("\xEE\x80\x80", 3, 0xE000);
    decodes("\xEF\xBF\xBD", 3, 0xFFFD);
    decodes("\xEF\xBF\xBF", 3, 0xFFFF);
    decodes("\xF0\x90\x80\x80", 4, 0x10000);
    decodes("\xF0\x9F\x98\x80", 4, 0x1F600);
    decodes("\xF4\x8F\xBF\xBF", 4, 0x10FFFF);
    /* A longer input: only the first sequence counts; cp may be NULL. */
    assert_int_equal(aidf_utf8_decode("\xC3\xA9xyz", 5, NULL), 2);
}

static void test_overlong(void **state)
{
    (void)state;
    rejects("\xC0\xAF", 2);         /* '/' */
    rejects("\xC0\xAE", 2);         /* '.' */
    rejects("\xC0\x80", 2);         /* NUL */
    rejects("\xC1\xBF", 2);         /* U+007F */
    rejects("\xE0\x80\xAF", 3);     /* '/' in three bytes */
    rejects("\xE0\x9F\xBF", 3);     /* U+07FF in three bytes */
    rejects("\xF0\x80\x80\xAF", 4); /* '/' in four bytes */
    rejects("\xF0\x8F\xBF\xBF", 4); /* U+FFFF in four bytes */
}

static void test_surrogates_and_range(void **state)
{
    (void)state;
    rejects("\xED\xA0\x80", 3);     /* U+D800 */
    rejects("\xED\xAD\xBF", 3);     /* U+DB7F */
    rejects("\xED\xB0\x80", 3);     /* U+DC00 */
    rejects("\xED\xBF\xBF", 3);     /* U+DFFF */
    rejects("\xF4\x90\x80\x80", 4); /* U+110000 */
    rejects("\xF5\x80\x80\x80", 4);
    rejects("\xF7\xBF\xBF\xBF", 4);
    rejects("\xF8\x88\x80\x80\x80", 5); /* five-byte form */
    rejects("\xFC\x84\x80\x80\x80\x80", 6);
    rejects("\xFE", 1);
    rejects("\xFF", 1);
}

static void test_truncated_and_stray(void **state)
{
    (void)state;
    rejects("", 0);
    rejects("\x80", 1); /* stray continuation */
    rejects("\xBF", 1);
    rejects("\xC3", 1);
    rejects("\xE2\x82", 2);
    rejects("\xF0\x9F\x98", 3);
    /* The length is the bound even when more bytes follow in memory. */
    rejects("\xE2\x82\xAC", 2);
    rejects("\xF0\x9F\x98\x80", 3);
    /* A non-continuation byte inside a sequence, NUL among them. */
    rejects("\xC3(", 2);
    rejects("\xE2\x82(", 3);
    rejects("\xE2\0\xAC", 3);
    rejects("\xF0\x9F\x98\0", 4);
    rejects("\xF0\x9F\xC3\xA9", 4);
}

static void sanitized(const char *in, size_t len, const char *want)
{
    char *s = aidf_utf8_sanitize(in, len);
    assert_string_equal(s, want);
    free(s);
}

static void test_sanitize(void **state)
{
    (void)state;
    sanitized("", 0, "");
    sanitized("plain \xC3\xA9t\xC3\xA9", 11, "plain \xC3\xA9t\xC3\xA9");
    sanitized("a\xC0\xAF"
              "b",
              4,
              "a\xEF\xBF\xBD\xEF\xBF\xBD"
              "b");
    sanitized("a\0b", 3,
              "a\xEF\xBF\xBD"
              "b");
    sanitized("\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    sanitized("x\xE2\x82", 3, "x\xEF\xBF\xBD\xEF\xBF\xBD");
    sanitized("\xF4\x90\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

/* Glob matching decodes with the same rules: an overlong '/' is two bytes, not a '/'
 * and not one character. */
static void test_glob_uses_strict_rules(void **state)
{
    (void)state;
    assert_int_equal(1, aidf_glob_minimatch("a?b", "a\xC3\xA9"
                                                   "b"));
    assert_int_equal(0, aidf_glob_minimatch("a?b", "a\xC0\xAF"
                                                   "b"));
    assert_int_equal(1, aidf_glob_minimatch("a??b", "a\xC0\xAF"
                                                    "b"));
    assert_int_equal(0, aidf_glob_minimatch("a/b", "a\xC0\xAF"
                                                   "b"));
    assert_int_equal(0, aidf_glob_minimatch("a?b", "a\xED\xA0\x80"
                                                   "b"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_overlong),
        cmocka_unit_test(test_surrogates_and_range),
        cmocka_unit_test(test_truncated_and_stray),
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_glob_uses_strict_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
