#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/err.h"
#include "aidf/fsutil.h"
#include "testutil.h"

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void test_atomic_write_and_read(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *sub = aidf_path_join(dir, "a/b/c");
    assert_int_equal(aidf_mkdirs(sub, NULL), AIDF_OK);
    assert_int_equal(aidf_mkdirs(sub, NULL), AIDF_OK); /* idempotent */
    char *f = aidf_path_join(sub, "x.json");
    assert_int_equal(aidf_write_file_atomic(f, "hello", 5, 0, NULL), AIDF_OK);
    assert_int_equal(aidf_write_file_atomic(f, "world!", 6, 0, NULL), AIDF_OK);
    char *s = NULL;
    size_t len = 0;
    assert_int_equal(aidf_read_file(f, 100, &s, &len, NULL), AIDF_OK);
    assert_string_equal(s, "world!");
    assert_int_equal(len, 6);
    free(s);
    assert_int_equal(count_entries(sub), 1); /* no temporary file left behind */

    struct aidf_error e;
    assert_int_equal(aidf_write_file_atomic(f, "x", 1, 1, &e), AIDF_ECONFLICT);
    assert_int_equal(count_entries(sub), 1);
    s = NULL;
    assert_int_equal(aidf_read_file(f, 3, &s, NULL, &e), AIDF_ETOOBIG);
    assert_null(s);
    /* Exactly `max` bytes is within the limit; one byte fewer allowed is not. */
    assert_int_equal(aidf_read_file(f, 6, &s, &len, NULL), AIDF_OK);
    assert_int_equal(len, 6);
    free(s);
    s = NULL;
    assert_int_equal(aidf_read_file(f, 5, &s, NULL, &e), AIDF_ETOOBIG);
    assert_null(s);
    char *missing = aidf_path_join(sub, "nope");
    assert_int_equal(aidf_read_file(missing, 100, &s, NULL, &e), AIDF_ENOTFOUND);
    assert_non_null(strstr(e.msg, "nope"));
    assert_int_equal(aidf_read_file(sub, 100, &s, NULL, &e), AIDF_EIO); /* a directory */
    char *bad = aidf_path_join(dir, "no/such/dir/x");
    assert_int_equal(aidf_write_file_atomic(bad, "x", 1, 0, &e), AIDF_EIO);
    free(bad);
    free(missing);
    free(f);
    free(sub);
    tu_rmrf(dir);
    free(dir);
}

static void test_mkdirs_over_file(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write(dir, "file", "x");
    char *p = aidf_path_join(dir, "file/sub");
    struct aidf_error e;
    assert_int_equal(aidf_mkdirs(p, &e), AIDF_EIO);
    free(p);
    tu_rmrf(dir);
    free(dir);
}

static void test_path_join(void **state)
{
    (void)state;
    char *p = aidf_path_join("/a/", "/b");
    assert_string_equal(p, "/a/b");
    free(p);
    p = aidf_path_join("/", "b");
    assert_string_equal(p, "/b");
    free(p);
}

static void test_find_project_root(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write(dir, ".ai/AGENTS.md", "# x\n");
    tu_write(dir, "src/deep/er/file.c", "");
    char *deep = aidf_path_join(dir, "src/deep/er");
    char *root = aidf_find_project_root(deep);
    char *real = realpath(dir, NULL);
    assert_non_null(root);
    assert_string_equal(root, real);
    free(root);
    /* Any entry for a non-directory search: a worktree's `.git` is a file. */
    tu_write(dir, "src/.git", "gitdir: /elsewhere\n");
    root = aidf_find_upward(deep, ".git", false);
    char *src = aidf_path_join(real, "src");
    assert_non_null(root);
    assert_string_equal(root, src);
    free(root);
    assert_null(aidf_find_upward(deep, ".ai/AGENTS.md/x", false));
    root = aidf_find_upward(deep, ".git", true); /* a file is not a directory */
    assert_true(root == NULL || strcmp(root, src) != 0);
    free(root);
    free(src);
    char *none = tu_mkdtemp();
    root = aidf_find_project_root(none);
    /* /tmp itself has no .ai unless someone made one; only check it is not `none`. */
    if (root)
        assert_string_not_equal(root, none);
    free(root);
    tu_rmrf(none);
    free(none);
    free(real);
    free(deep);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_write_and_read),
        cmocka_unit_test(test_mkdirs_over_file),
        cmocka_unit_test(test_path_join),
        cmocka_unit_test(test_find_project_root),
    };
    return cmocka_run_group_tests_name("fsutil", tests, NULL, NULL);
}
