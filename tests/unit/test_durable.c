/*
 * Unit tests for the durable-write pieces of lib/base/fsutil.c: writing and syncing an
 * open file, renaming without replacing, syncing a directory, and the exclusive mode
 * of aidf_write_file_atomic() built on them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/err.h"
#include "aidf/fsutil.h"
#include "testutil.h"

static char *read_all(const char *dir, const char *rel)
{
    char *p = aidf_path_join(dir, rel);
    char *s = tu_read(p, NULL);
    free(p);
    return s;
}

static void test_write_fd_durable(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *p = aidf_path_join(dir, "f");
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(aidf_write_fd_durable(fd, "abc", 3), 0);
    assert_int_equal(aidf_write_fd_durable(fd, "", 0), 0);
    close(fd);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    char *s = read_all(dir, "f");
    assert_string_equal(s, "abc");
    free(s);
    /* A descriptor that cannot be written. */
    fd = open(p, O_RDONLY);
    assert_int_equal(aidf_write_fd_durable(fd, "x", 1), -1);
    close(fd);
    free(p);
    tu_rmrf(dir);
    free(dir);
}

static void test_rename_noreplace(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write(dir, "a", "A");
    tu_write(dir, "b", "B");
    char *a = aidf_path_join(dir, "a"), *b = aidf_path_join(dir, "b");
    char *c = aidf_path_join(dir, "c");
    /* The target exists: EEXIST, both files as they were. */
    errno = 0;
    assert_int_equal(aidf_rename_noreplace(a, b), -1);
    assert_int_equal(errno, EEXIST);
    char *s = read_all(dir, "a");
    assert_string_equal(s, "A");
    free(s);
    s = read_all(dir, "b");
    assert_string_equal(s, "B");
    free(s);
    /* A free name: moved. */
    assert_int_equal(aidf_rename_noreplace(a, c), 0);
    assert_int_equal(access(a, F_OK), -1);
    s = read_all(dir, "c");
    assert_string_equal(s, "A");
    free(s);
    /* A missing source. */
    assert_int_equal(aidf_rename_noreplace(a, b), -1);
    free(a);
    free(b);
    free(c);
    tu_rmrf(dir);
    free(dir);
}

static void test_fsync_dir(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    assert_int_equal(aidf_fsync_dir(dir), 0);
    char *missing = aidf_path_join(dir, "missing");
    errno = 0;
    assert_int_equal(aidf_fsync_dir(missing), -1);
    assert_int_equal(errno, ENOENT);
    free(missing);
    tu_rmrf(dir);
    free(dir);
}

static void test_exclusive_atomic_write(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char *p = aidf_path_join(dir, "x.json");
    assert_int_equal(aidf_write_file_atomic(p, "one", 3, 1, NULL), AIDF_OK);
    struct aidf_error e = {0};
    assert_int_equal(aidf_write_file_atomic(p, "two", 3, 1, &e), AIDF_ECONFLICT);
    assert_non_null(strstr(e.msg, "already exists"));
    char *s = read_all(dir, "x.json");
    assert_string_equal(s, "one");
    free(s);
    /* No temporary file is left behind, after success or conflict. */
    tu_write(dir, "keep", "");
    char *q = aidf_path_join(dir, "y.json");
    assert_int_equal(aidf_write_file_atomic(q, "y", 1, 0, NULL), AIDF_OK);
    free(q);
    int n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d));)
        n += de->d_name[0] != '.';
    closedir(d);
    assert_int_equal(n, 3); /* x.json, y.json, keep */
    free(p);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_fd_durable),
        cmocka_unit_test(test_rename_noreplace),
        cmocka_unit_test(test_fsync_dir),
        cmocka_unit_test(test_exclusive_atomic_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
