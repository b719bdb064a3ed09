/* Unit tests for lib/base/sha256.c and lib/base/jsonutil.c: known digests of a buffer
 * and of a file descriptor; optional strings as JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/jsonutil.h"
#include "aidf/sha256.h"
#include "testutil.h"

static void hex_is(const unsigned char md[AIDF_SHA256_LEN], const char *want)
{
    char got[2 * AIDF_SHA256_LEN + 1];
    for (int i = 0; i < AIDF_SHA256_LEN; i++)
        snprintf(got + 2 * i, 3, "%02x", md[i]);
    assert_string_equal(got, want);
}

static const char EMPTY[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
static const char ABC[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

static void test_buffer(void **state)
{
    (void)state;
    unsigned char md[AIDF_SHA256_LEN];
    assert_true(aidf_sha256("", 0, md));
    hex_is(md, EMPTY);
    assert_true(aidf_sha256("abc", 3, md));
    hex_is(md, ABC);
    /* Bytes, not a C string: the NUL is hashed. */
    unsigned char md2[AIDF_SHA256_LEN];
    assert_true(aidf_sha256("abc\0", 4, md2));
    assert_memory_not_equal(md, md2, AIDF_SHA256_LEN);
}

static void test_fd(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write(dir, "abc", "abc");
    tu_write(dir, "empty", "");
    unsigned char md[AIDF_SHA256_LEN];
    char *p = aidf_path_join(dir, "abc");
    int fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    assert_true(aidf_sha256_fd(fd, md));
    close(fd);
    hex_is(md, ABC);
    free(p);
    p = aidf_path_join(dir, "empty");
    fd = open(p, O_RDONLY);
    assert_true(aidf_sha256_fd(fd, md));
    close(fd);
    hex_is(md, EMPTY);
    free(p);
    /* A descriptor that cannot be read: false and all zero bytes. */
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_false(aidf_sha256_fd(fd, md));
    close(fd);
    static const unsigned char zero[AIDF_SHA256_LEN];
    assert_memory_equal(md, zero, AIDF_SHA256_LEN);
    tu_rmrf(dir);
    free(dir);
}

static void test_str_or_null(void **state)
{
    (void)state;
    json_t *v = aidf_json_str_or_null(NULL);
    assert_true(json_is_null(v));
    json_decref(v);
    v = aidf_json_str_or_null("");
    assert_string_equal(json_string_value(v), "");
    json_decref(v);
    v = aidf_json_str_or_null("x\xC3\xA9");
    assert_string_equal(json_string_value(v), "x\xC3\xA9");
    json_decref(v);
    assert_null(aidf_json_str_or_null("bad \xC0\xAF"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buffer),
        cmocka_unit_test(test_fd),
        cmocka_unit_test(test_str_or_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
