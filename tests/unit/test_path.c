/*
 * Unit tests for lib/base/path.c: the lexical normaliser with hostile inputs (".."
 * chains, "//", trailing slashes, NUL, overlong UTF-8), and the promise it exists for:
 * the scope guard and the tool confinement give the same verdict on the same paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/path.h"
#include "aidf/scope.h"
#include "aidf/tools.h"
#include "testutil.h"

static void norm_is(const char *in, const char *want)
{
    char *s = aidf_path_normalize(in, strlen(in));
    assert_non_null(s);
    if (strcmp(s, want) != 0)
        fail_msg("normalise(\"%s\") = \"%s\", want \"%s\"", in, s, want);
    free(s);
}

static void test_relative(void **state)
{
    (void)state;
    norm_is("a", "a");
    norm_is("a/b/c", "a/b/c");
    norm_is("./a", "a");
    norm_is("a/./b/.", "a/b");
    norm_is("a//b///c", "a/b/c");
    norm_is("a/b/", "a/b");
    norm_is("a/b//", "a/b");
    norm_is("src/../.env", ".env");
    norm_is("src/x/../../.env", ".env");
    norm_is("a/b/../../c/./d/..", "c");
    norm_is("a/..", ".");
    norm_is(".", ".");
    norm_is("./", ".");
    norm_is("", ".");
    norm_is("...", "...");
    norm_is("a/.../b", "a/.../b");
    norm_is("..a/b..", "..a/b..");
    /* ".." that cannot be cancelled stays in front. */
    norm_is("..", "..");
    norm_is("../", "..");
    norm_is("../x", "../x");
    norm_is("a/../../x", "../x");
    norm_is("a/b/../../..", "..");
    norm_is("../../x/../y", "../../y");
    norm_is("../a/..", "..");
    norm_is(".././..//x", "../../x");
}

static void test_absolute(void **state)
{
    (void)state;
    norm_is("/", "/");
    norm_is("//", "/");
    norm_is("///a//b/", "/a/b");
    norm_is("/a/./b/../c", "/a/c");
    /* ".." at the root stays at the root, as the kernel resolves it. */
    norm_is("/..", "/");
    norm_is("/../../etc/passwd", "/etc/passwd");
    norm_is("/a/../../..", "/");
    norm_is("/tmp/root/../root/x", "/tmp/root/x");
}

static void test_hostile_bytes(void **state)
{
    (void)state;
    /* A NUL inside the length is refused: the kernel would read a shorter path. */
    assert_null(aidf_path_normalize("a\0/../../etc", 12));
    assert_null(aidf_path_normalize("\0", 1));
    /* The length is the bound: bytes after it are not read. */
    char *s = aidf_path_normalize("src/a/../../..", 5);
    assert_string_equal(s, "src/a");
    free(s);
    /* Overlong forms of '/' and '.' are ordinary bytes of a name. */
    norm_is("a\xC0\xAF..\xC0\xAF"
            "b",
            "a\xC0\xAF..\xC0\xAF"
            "b");
    norm_is("\xC0\xAE\xC0\xAE/x", "\xC0\xAE\xC0\xAE/x");
    norm_is("src/\xC0\xAE\xC0\xAE/../.env", "src/.env");
    norm_is("\xE0\x80\xAE\xE0\x80\xAE", "\xE0\x80\xAE\xE0\x80\xAE");
    /* A long chain stays linear and exact. */
    char big[6000];
    size_t n = 0;
    for (int i = 0; i < 1000; i++) {
        memcpy(big + n, "a/", 2);
        n += 2;
    }
    for (int i = 0; i < 1001; i++) {
        memcpy(big + n, "../", 3);
        n += 3;
    }
    big[n] = '\0';
    norm_is(big, "..");
}

static void test_escapes(void **state)
{
    (void)state;
    assert_true(aidf_path_escapes("/"));
    assert_true(aidf_path_escapes("/etc"));
    assert_true(aidf_path_escapes(".."));
    assert_true(aidf_path_escapes("../x"));
    assert_false(aidf_path_escapes("."));
    assert_false(aidf_path_escapes("..a"));
    assert_false(aidf_path_escapes("...")); /* not produced for "..", but a name */
    assert_false(aidf_path_escapes("a/.."));
    assert_false(aidf_path_escapes("src/a"));
}

/* ---- the scope guard and the tool guard agree ---- */

/* Paths whose meaning does not depend on the name of the root directory. The verdict
 * each guard gives must be the same. */
static const char *const shared_paths[] = {
    "src/a.c",
    "./src/a.c",
    "src//a.c",
    "src/a.c/",
    "src/x/../b.c",
    "src/./x/./../c.c",
    ".env",
    "./.env",
    "src/../.env",
    "src//..//.env",
    "src/x/y/../../../.env",
    "secret/key.pem",
    "src/../secret/key.pem",
    "x/../secret/./key.pem",
    "secret//key.pem",
    "docs/readme.md",
    "src/../docs/readme.md",
    "../x",
    "..",
    "a/../../x",
    "src/../../etc/passwd",
    "/etc/passwd",
    "/",
    "src/\xC0\xAE\xC0\xAE/.env",
    "src/\xC0\xAF../.env",
    "src/\xC0\xAF/../.env",
};

static bool tool_refuses(struct aidf_tool_ctx *c, const char *path)
{
    json_t *in = json_object();
    json_object_set_new(in, "path", json_stringn_nocheck(path, strlen(path)));
    json_object_set_new(in, "content", json_string("x"));
    struct aidf_tool_outcome o;
    aidf_tool_run(c, "write_file", in, &o);
    json_decref(in);
    bool refused = o.is_error;
    if (!refused) {
        /* What the tool wrote is what the scope guard judged. */
        char *norm = aidf_path_normalize(path, strlen(path));
        assert_non_null(o.written);
        assert_string_equal(o.written, norm);
        free(norm);
    }
    aidf_tool_outcome_release(&o);
    return refused;
}

static void check_agree(struct aidf_scope *sc, const char *root)
{
    struct aidf_tool_ctx c = {.root = root, .scope = sc};
    size_t blocked = 0, n = sizeof(shared_paths) / sizeof(shared_paths[0]);
    for (size_t i = 0; i < n; i++) {
        const char *p = shared_paths[i];
        bool scope_blocks = aidf_scope_check_file(sc, p, NULL) == AIDF_SCOPE_VERDICT_BLOCK;
        bool tool_blocks = tool_refuses(&c, p);
        if (scope_blocks != tool_blocks)
            fail_msg("\"%s\": scope guard %s, tool guard %s", p, scope_blocks ? "blocks" : "allows",
                     tool_blocks ? "blocks" : "allows");
        blocked += scope_blocks;
    }
    /* The table holds both kinds under every scope used here. */
    assert_true(blocked > 0 && blocked < n);
}

static void test_guards_agree(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    tu_write(root, "src/keep.c", "k");
    tu_write(root, "secret/old.pem", "s");
    tu_write(root, "docs/keep.md", "d");

    struct aidf_scope sc;
    aidf_scope_init(&sc, AIDF_SCOPE_STRICT);
    aidf_strlist_add(&sc.forbidden, ".env");
    aidf_strlist_add(&sc.forbidden, "secret/**");
    aidf_strlist_add(&sc.allowed, "src/**");
    check_agree(&sc, root);
    aidf_scope_release(&sc);

    /* Permissive, nothing allowed listed: only the forbidden list and the root bound. */
    aidf_scope_init(&sc, AIDF_SCOPE_PERMISSIVE);
    aidf_strlist_add(&sc.forbidden, "secret/**");
    aidf_strlist_add(&sc.forbidden, "**/.env");
    check_agree(&sc, root);
    aidf_scope_release(&sc);

    tu_rmrf(root);
    free(root);
}

/* A symbolic link is where the guards may differ, and only one way: git reports the
 * link itself, so the scope guard judges the link's name; the tool guard also judges
 * the target it would write through, and refuses when either is blocked. */
static void test_symlink_tool_is_stricter(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    tu_write(root, "secret/key.pem", "s");
    tu_write(root, "src/keep.c", "k");
    char *link = aidf_path_join(root, "src/sec");
    assert_int_equal(symlink("../secret", link), 0);

    struct aidf_scope sc;
    aidf_scope_init(&sc, AIDF_SCOPE_STRICT);
    aidf_strlist_add(&sc.forbidden, "secret/**");
    aidf_strlist_add(&sc.allowed, "src/**");
    struct aidf_tool_ctx c = {.root = root, .scope = &sc};
    assert_int_equal(aidf_scope_check_file(&sc, "src/sec/key.pem", NULL), AIDF_SCOPE_VERDICT_ALLOW);
    assert_true(tool_refuses(&c, "src/sec/key.pem"));
    /* "src/sec/.." is lexically "src": the kernel is never asked about "sec/..". */
    assert_int_equal(aidf_scope_check_file(&sc, "src/sec/../x.c", NULL), AIDF_SCOPE_VERDICT_ALLOW);
    assert_false(tool_refuses(&c, "src/sec/../x.c"));
    char *x = aidf_path_join(root, "src/x.c");
    assert_int_equal(access(x, F_OK), 0);
    free(x);

    aidf_scope_release(&sc);
    free(link);
    tu_rmrf(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relative),      cmocka_unit_test(test_absolute),
        cmocka_unit_test(test_hostile_bytes), cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_guards_agree),  cmocka_unit_test(test_symlink_tool_is_stricter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
