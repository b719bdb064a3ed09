#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/err.h"
#include "aidf/log.h"

static void test_empty_and_append(void **state)
{
    (void)state;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    assert_non_null(b.ptr);
    assert_string_equal(b.ptr, "");
    aidf_buf_reset(&b); /* must not write into the shared empty string */
    assert_int_equal(aidf_buf_addstr(&b, "abc"), AIDF_OK);
    assert_int_equal(aidf_buf_addch(&b, '-'), AIDF_OK);
    assert_int_equal(aidf_buf_addf(&b, "%d/%s", 42, "x"), AIDF_OK);
    assert_string_equal(b.ptr, "abc-42/x");
    assert_int_equal(b.len, 8);
    aidf_buf_release(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.ptr, "");
}

static void test_max_is_enforced(void **state)
{
    (void)state;
    struct aidf_buf b;
    aidf_buf_init(&b, 8);
    assert_int_equal(aidf_buf_addstr(&b, "12345678"), AIDF_OK);
    assert_int_equal(aidf_buf_addch(&b, '9'), AIDF_ETOOBIG);
    assert_int_equal(aidf_buf_addf(&b, "%s", "x"), AIDF_ETOOBIG);
    assert_string_equal(b.ptr, "12345678"); /* unchanged and valid */
    aidf_buf_release(&b);
    assert_int_equal(aidf_buf_add(&b, "a", (size_t)-1), AIDF_ETOOBIG);
}

static void test_large_format_and_binary(void **state)
{
    (void)state;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    char big[5000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(aidf_buf_addf(&b, "<%s>", big), AIDF_OK);
    assert_int_equal(b.len, sizeof(big) + 1);
    assert_int_equal(aidf_buf_add(&b, "\0x", 2), AIDF_OK);
    assert_int_equal(b.len, sizeof(big) + 3);
    size_t len = 0;
    char *p = aidf_buf_detach(&b, &len);
    assert_int_equal(len, sizeof(big) + 3);
    assert_int_equal(p[len], '\0');
    free(p);
    p = aidf_buf_detach(&b, &len); /* empty buffer still gives a heap string */
    assert_int_equal(len, 0);
    assert_string_equal(p, "");
    free(p);
}

static void test_errors(void **state)
{
    (void)state;
    struct aidf_error e;
    aidf_error_clear(&e);
    assert_int_equal(aidf_fail(&e, AIDF_EINVAL, "bad '%s'", "k"), AIDF_EINVAL);
    assert_string_equal(e.msg, "bad 'k'");
    assert_int_equal(aidf_fail_at(&e, AIDF_EINVAL, 3, 7, "x"), AIDF_EINVAL);
    assert_int_equal(e.line, 3);
    assert_int_equal(e.col, 7);
    assert_int_equal(aidf_fail(NULL, AIDF_EIO, "ignored"), AIDF_EIO);
    assert_string_equal(aidf_strerror(AIDF_EAMBIGUOUS), "ambiguous");
    assert_string_equal(aidf_strerror(12345), "unknown error");
    assert_int_equal(aidf_log_parse_level("DEBUG"), AIDF_LOG_DEBUG);
    assert_int_equal(aidf_log_parse_level("nope"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_append),
        cmocka_unit_test(test_max_is_enforced),
        cmocka_unit_test(test_large_format_and_binary),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
