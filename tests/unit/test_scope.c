/* Unit tests for lib/run/scope.c: rule precedence in every mode, change sets, revert actions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "aidf/scope.h"

static void make(struct aidf_scope *s, enum aidf_scope_mode mode)
{
    aidf_scope_init(s, mode);
    aidf_strlist_add(&s->allowed, "src/**");
    aidf_strlist_add(&s->allowed, "tests/**/*.c");
    aidf_strlist_add(&s->forbidden, ".env*");
    aidf_strlist_add(&s->forbidden, "src/secret/**");
    aidf_strlist_add(&s->ask_before, "src/config/**");
    aidf_strlist_add(&s->ask_before, "package.json");
}

static void check(const struct aidf_scope *s, const char *path, enum aidf_scope_verdict want,
                  const char *want_reason)
{
    const char *reason = "unset";
    enum aidf_scope_verdict v = aidf_scope_check_file(s, path, &reason);
    if (v != want)
        print_error("path %s: verdict %d want %d\n", path, v, want);
    assert_int_equal(v, want);
    if (want_reason)
        assert_string_equal(reason, want_reason);
    else
        assert_null(reason);
}

#define FORBIDDEN "File is in forbidden scope"
#define APPROVAL  "File requires approval before modification"
#define OUTSIDE   "File is outside allowed scope"

static void test_strict(void **state)
{
    (void)state;
    struct aidf_scope s;
    make(&s, AIDF_SCOPE_STRICT);
    check(&s, "src/a.c", AIDF_SCOPE_VERDICT_ALLOW, NULL);
    check(&s, "src", AIDF_SCOPE_VERDICT_ALLOW, NULL);
    check(&s, "tests/unit/x.c", AIDF_SCOPE_VERDICT_ALLOW, NULL);
    check(&s, "tests/unit/x.h", AIDF_SCOPE_VERDICT_BLOCK, OUTSIDE);
    check(&s, "README.md", AIDF_SCOPE_VERDICT_BLOCK, OUTSIDE);
    check(&s, ".env", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN);
    check(&s, ".env.local", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN);
    /* forbidden beats allowed */
    check(&s, "src/secret/key.pem", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN);
    /* ask_before beats allowed and outside-allowed */
    check(&s, "src/config/app.yml", AIDF_SCOPE_VERDICT_ASK, APPROVAL);
    check(&s, "package.json", AIDF_SCOPE_VERDICT_ASK, APPROVAL);
    aidf_scope_release(&s);
}

static void test_ask(void **state)
{
    (void)state;
    struct aidf_scope s;
    make(&s, AIDF_SCOPE_ASK);
    check(&s, "src/a.c", AIDF_SCOPE_VERDICT_ALLOW, NULL);
    check(&s, "README.md", AIDF_SCOPE_VERDICT_ASK, OUTSIDE);
    check(&s, ".env", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN);
    check(&s, "src/secret/x", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN);
    check(&s, "package.json", AIDF_SCOPE_VERDICT_ASK, APPROVAL);
    aidf_scope_release(&s);
}

static void test_permissive(void **state)
{
    (void)state;
    struct aidf_scope s;
    make(&s, AIDF_SCOPE_PERMISSIVE);
    check(&s, "src/a.c", AIDF_SCOPE_VERDICT_ALLOW, NULL);
    check(&s, "README.md", AIDF_SCOPE_VERDICT_ALLOW, NULL);
    check(&s, "package.json", AIDF_SCOPE_VERDICT_ALLOW, NULL);
    check(&s, ".env", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN); /* forbidden in every mode */
    aidf_scope_release(&s);
}

static void test_empty_lists(void **state)
{
    (void)state;
    struct aidf_scope s;
    aidf_scope_init(&s, AIDF_SCOPE_STRICT);
    check(&s, "anything/at/all", AIDF_SCOPE_VERDICT_ALLOW, NULL); /* empty allowed = all */
    aidf_strlist_add(&s.forbidden, "packages/cli/src/core/** (read-only)");
    check(&s, "packages/cli/src/core/x.ts", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN);
    check(&s, "packages/cli/src/x.ts", AIDF_SCOPE_VERDICT_ALLOW, NULL);
    aidf_scope_release(&s);
}

static void test_paths(void **state)
{
    (void)state;
    struct aidf_scope s;
    make(&s, AIDF_SCOPE_PERMISSIVE);
    const char *r = NULL;
    /* ".." cannot walk around the forbidden list, nor out of the repository. */
    check(&s, "src/../.env", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN);
    check(&s, "./src/./secret/k", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN);
    assert_int_equal(aidf_scope_check_file(&s, "../outside", &r), AIDF_SCOPE_VERDICT_BLOCK);
    assert_string_equal(r, "File is outside the repository");
    assert_int_equal(aidf_scope_check_file(&s, "/etc/passwd", NULL), AIDF_SCOPE_VERDICT_BLOCK);
    assert_int_equal(aidf_scope_check_file(&s, "a/b/../../..", NULL), AIDF_SCOPE_VERDICT_BLOCK);
    assert_int_equal(aidf_scope_check_file(&s, "a/../b", NULL), AIDF_SCOPE_VERDICT_ALLOW);
    aidf_scope_release(&s);
}

static void test_overlimit_pattern_fails_closed(void **state)
{
    (void)state;
    struct aidf_scope s;
    aidf_scope_init(&s, AIDF_SCOPE_STRICT);
    char bomb[41 * 5 + 1] = {0};
    for (int i = 0; i < 41; i++)
        memcpy(bomb + i * 5, "{a,b}", 5);
    aidf_strlist_add(&s.allowed, bomb);
    check(&s, "ab", AIDF_SCOPE_VERDICT_BLOCK, OUTSIDE); /* never allows */
    aidf_strlist_add(&s.forbidden, bomb);
    check(&s, "src/x", AIDF_SCOPE_VERDICT_BLOCK, FORBIDDEN); /* always forbids */
    aidf_scope_release(&s);
}

static void test_changes(void **state)
{
    (void)state;
    struct aidf_scope s;
    make(&s, AIDF_SCOPE_ASK);
    struct aidf_scope_result r;

    const struct aidf_file_change ok[] = {{"src/a.c", AIDF_CHANGE_MODIFIED},
                                          {"src/b.c", AIDF_CHANGE_CREATED}};
    assert_int_equal(aidf_scope_check_changes(&s, ok, 2, &r), AIDF_SCOPE_VERDICT_ALLOW);
    assert_null(r.reason);
    assert_null(r.error_code);
    aidf_scope_result_release(&r);

    const struct aidf_file_change ask[] = {{"src/a.c", AIDF_CHANGE_MODIFIED},
                                           {"README.md", AIDF_CHANGE_MODIFIED},
                                           {"package.json", AIDF_CHANGE_MODIFIED}};
    assert_int_equal(aidf_scope_check_changes(&s, ask, 3, &r), AIDF_SCOPE_VERDICT_ASK);
    assert_string_equal(r.reason, "2 file(s) require approval");
    assert_string_equal(r.error_code, "SCOPE_OUTSIDE_ALLOWED");
    assert_int_equal(r.ask.n, 2);
    assert_string_equal(r.ask.items[0], "README.md");
    aidf_scope_result_release(&r);

    const struct aidf_file_change block[] = {{"README.md", AIDF_CHANGE_MODIFIED},
                                             {".env", AIDF_CHANGE_CREATED},
                                             {"src/secret/k", AIDF_CHANGE_DELETED}};
    assert_int_equal(aidf_scope_check_changes(&s, block, 3, &r), AIDF_SCOPE_VERDICT_BLOCK);
    assert_string_equal(r.reason, "2 file(s) in forbidden or outside allowed scope");
    assert_string_equal(r.error_code, "SCOPE_FORBIDDEN");
    assert_int_equal(r.blocked.n, 2);
    assert_string_equal(r.blocked.items[0], ".env");
    /* A new untracked file is reverted by deleting it; a tracked one by checkout. */
    assert_int_equal(r.blocked_revert[0], AIDF_REVERT_DELETE);
    assert_int_equal(r.blocked_revert[1], AIDF_REVERT_CHECKOUT);
    assert_int_equal(r.ask.n, 1);
    aidf_scope_result_release(&r);

    assert_int_equal(aidf_scope_check_changes(&s, NULL, 0, &r), AIDF_SCOPE_VERDICT_ALLOW);
    aidf_scope_result_release(&r);
    aidf_scope_result_release(NULL);
    aidf_scope_release(&s);
}

static void test_env_files(void **state)
{
    (void)state;
    static const char *const env[] = {
        ".env",   "a/b/.env", ".env.local", ".env.production", "cfg/prod.env",
        ".envrc", "x/.envrc", ".env.",      "docker.env",      ".env.example.local"};
    static const char *const not_env[] = {
        "env",           ".environment", "src/env.c",   ".env.example",   ".env.sample",
        ".env.template", ".env.dist",    "a/.env/x.py", ".envrc.bak.txt", "env"};
    for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
        if (!aidf_scope_is_env_file(env[i]))
            fail_msg("not an environment file: %s", env[i]);
    for (size_t i = 0; i < sizeof(not_env) / sizeof(not_env[0]); i++)
        if (aidf_scope_is_env_file(not_env[i]))
            fail_msg("an environment file: %s", not_env[i]);
}

static void test_read(void **state)
{
    (void)state;
    struct aidf_scope s;
    aidf_scope_init(&s, AIDF_SCOPE_STRICT);
    aidf_strlist_add(&s.forbidden, "secret/**");
    aidf_strlist_add(&s.allowed, "src/**");
    const char *why = NULL;
    /* outside `allowed` is readable; forbidden and .env are not */
    assert_int_equal(aidf_scope_check_read(&s, "docs/a.md", false, &why), AIDF_SCOPE_VERDICT_ALLOW);
    assert_null(why);
    assert_int_equal(aidf_scope_check_read(&s, "secret/k", false, &why), AIDF_SCOPE_VERDICT_BLOCK);
    assert_string_equal(why, "File is in forbidden scope");
    assert_int_equal(aidf_scope_check_read(&s, "secret", true, NULL), AIDF_SCOPE_VERDICT_BLOCK);
    assert_int_equal(aidf_scope_check_read(&s, "src/../secret/k", false, NULL),
                     AIDF_SCOPE_VERDICT_BLOCK);
    assert_int_equal(aidf_scope_check_read(&s, "../x", false, &why), AIDF_SCOPE_VERDICT_BLOCK);
    assert_string_equal(why, "File is outside the repository");
    assert_int_equal(aidf_scope_check_read(&s, "src/.env", false, &why), AIDF_SCOPE_VERDICT_BLOCK);
    assert_non_null(strstr(why, "Environment files"));
    assert_int_equal(aidf_scope_check_read(&s, "py/.env", true, NULL), AIDF_SCOPE_VERDICT_ALLOW);
    assert_int_equal(aidf_scope_check_read(NULL, ".env", false, NULL), AIDF_SCOPE_VERDICT_BLOCK);
    assert_int_equal(aidf_scope_check_read(NULL, "a.txt", false, NULL), AIDF_SCOPE_VERDICT_ALLOW);
    /* a pattern naming .env files allows them; "src/" "**" does not */
    aidf_strlist_add(&s.allowed, "src/.env*");
    assert_int_equal(aidf_scope_check_read(&s, "src/.env", false, NULL), AIDF_SCOPE_VERDICT_ALLOW);
    assert_int_equal(aidf_scope_check_read(&s, ".env", false, NULL), AIDF_SCOPE_VERDICT_BLOCK);
    aidf_scope_release(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strict),     cmocka_unit_test(test_ask),
        cmocka_unit_test(test_permissive), cmocka_unit_test(test_empty_lists),
        cmocka_unit_test(test_paths),      cmocka_unit_test(test_overlimit_pattern_fails_closed),
        cmocka_unit_test(test_changes),    cmocka_unit_test(test_env_files),
        cmocka_unit_test(test_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
