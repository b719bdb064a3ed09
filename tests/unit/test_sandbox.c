/*
 * Unit tests for lib/run/sandbox.c: the environment allow-list, the bwrap command line,
 * the backend choice for each mode (with the test knob), and commands run without a
 * backend and under Landlock (when the kernel has it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/sandbox.h"
#include "aidf/xalloc.h"
#include "testutil.h"

/* The index of `s` in the NULL-terminated `v`, or -1. */
static int idx(char **v, const char *s)
{
    for (int i = 0; v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return i;
    return -1;
}

static int count(char **v)
{
    int n = 0;
    while (v[n])
        n++;
    return n;
}

static void test_env_allowed(void **state)
{
    (void)state;
    const char *yes[] = {"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "USER"};
    const char *no[] = {"ANTHROPIC_API_KEY",
                        "OPENAI_API_KEY",
                        "AIDF_SERVER_TOKEN",
                        "GITHUB_TOKEN",
                        "LC_",
                        "path",
                        "PATH2",
                        "LD_PRELOAD",
                        "",
                        "HOMEX",
                        "CI_JOB_TOKEN"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(aidf_sandbox_env_allowed(NULL, yes[i]));
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(aidf_sandbox_env_allowed(NULL, no[i]));
    struct aidf_sandbox sb = {0};
    aidf_strlist_add(&sb.env, "GOPATH");
    assert_true(aidf_sandbox_env_allowed(&sb, "GOPATH"));
    assert_false(aidf_sandbox_env_allowed(&sb, "GOPATH2"));
    aidf_sandbox_release(&sb);
}

static void test_env_filter(void **state)
{
    (void)state;
    const char *env[] = {"PATH=/usr/bin",
                         "ANTHROPIC_API_KEY=sk-secret",
                         "AIDF_SERVER_TOKEN=tok",
                         "HOME=/root",
                         "LC_ALL=C.UTF-8",
                         "noequals",
                         "=empty",
                         "TMPDIR=/var/tmp",
                         "GOPATH=/go",
                         "TERM=xterm",
                         NULL};
    struct aidf_sandbox sb = {0};
    aidf_strlist_add(&sb.env, "GOPATH");
    char **out = aidf_sandbox_env(&sb, env, "/home/sandbox", "/tmp/x");
    assert_true(idx(out, "PATH=/usr/bin") >= 0);
    assert_true(idx(out, "LC_ALL=C.UTF-8") >= 0);
    assert_true(idx(out, "GOPATH=/go") >= 0);
    assert_true(idx(out, "TERM=xterm") >= 0);
    assert_true(idx(out, "HOME=/home/sandbox") >= 0);
    assert_true(idx(out, "TMPDIR=/tmp/x") >= 0);
    assert_int_equal(idx(out, "HOME=/root"), -1);
    assert_int_equal(idx(out, "TMPDIR=/var/tmp"), -1);
    assert_int_equal(count(out), 6);
    for (int i = 0; out[i]; i++) {
        assert_null(strstr(out[i], "secret"));
        assert_null(strstr(out[i], "AIDF_"));
    }
    aidf_sandbox_strv_free(out);
    aidf_sandbox_release(&sb);

    /* No overrides: HOME passes as it is; an empty or NULL environment gives an empty one. */
    out = aidf_sandbox_env(NULL, env, NULL, NULL);
    assert_true(idx(out, "HOME=/root") >= 0);
    assert_int_equal(idx(out, "GOPATH=/go"), -1);
    assert_int_equal(idx(out, "TMPDIR=/var/tmp"), -1);
    aidf_sandbox_strv_free(out);
    out = aidf_sandbox_env(NULL, NULL, NULL, NULL);
    assert_non_null(out);
    assert_null(out[0]);
    aidf_sandbox_strv_free(out);

    /* A huge name is dropped, not truncated into an allowed one. */
    char big[400];
    memset(big, 'A', sizeof(big));
    memcpy(big, "PATH", 4);
    big[300] = '=';
    big[sizeof(big) - 1] = '\0';
    const char *env2[] = {big, NULL};
    out = aidf_sandbox_env(NULL, env2, NULL, NULL);
    assert_null(out[0]);
    aidf_sandbox_strv_free(out);
}

static void test_bwrap_argv(void **state)
{
    (void)state;
    struct aidf_sandbox sb = {0};
    sb.kind = AIDF_SANDBOX_KIND_BWRAP;
    sb.bwrap = aidf_xstrdup("/usr/bin/bwrap");
    char **v = aidf_sandbox_bwrap_argv(&sb, "/work/proj", "echo \"$HOME\"; ls");
    int n = count(v);
    assert_string_equal(v[0], "/usr/bin/bwrap");
    assert_true(idx(v, "--unshare-all") > 0);
    assert_true(idx(v, "--die-with-parent") > 0);
    assert_true(idx(v, "--new-session") > 0);
    assert_int_equal(idx(v, "--share-net"), -1);
    /* The command comes last, unchanged, after "--". */
    assert_string_equal(v[n - 1], "echo \"$HOME\"; ls");
    assert_string_equal(v[n - 2], "-c");
    assert_string_equal(v[n - 3], "/bin/sh");
    assert_string_equal(v[n - 4], "--");
    /* The project read-write at its own path, and the working directory. */
    int b = idx(v, "--bind");
    assert_true(b > 0);
    assert_string_equal(v[b + 1], "/work/proj");
    assert_string_equal(v[b + 2], "/work/proj");
    int c = idx(v, "--chdir");
    assert_true(c > b);
    assert_string_equal(v[c + 1], "/work/proj");
    /* Private /tmp and HOME, mounted before the project (which may live below /tmp). */
    int t = idx(v, "/tmp"), h = idx(v, AIDF_SANDBOX_BWRAP_HOME);
    assert_true(t > 0 && h > 0);
    assert_string_equal(v[t - 1], "--tmpfs");
    assert_string_equal(v[h - 1], "--tmpfs");
    assert_true(t < b && h < b);
    assert_true(idx(v, "--proc") > 0 && idx(v, "--dev") > 0);
    /* /usr exists here: read-only. /bin is a directory or a link (merged /usr). */
    int u = idx(v, "/usr");
    assert_true(u > 0);
    assert_string_equal(v[u - 1], "--ro-bind");
    struct stat st;
    assert_int_equal(lstat("/bin", &st), 0);
    int bi = idx(v, "/bin");
    assert_true(bi > 0);
    if (S_ISLNK(st.st_mode)) {
        assert_string_equal(v[bi - 2], "--symlink");
    } else {
        assert_string_equal(v[bi - 1], "--ro-bind");
        assert_string_equal(v[bi + 1], "/bin");
    }
    /* Nothing else of the machine: no /home, /root, /var, /run, /opt, / itself. */
    const char *hidden[] = {"/", "/home", "/root", "/var", "/run", "/opt", "/mnt", "/media"};
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        assert_int_equal(idx(v, hidden[i]), -1);
    aidf_sandbox_strv_free(v);

    /* A project with a .git directory: mounted read-only over the project's bind. */
    char *dir = tu_mkdtemp();
    tu_write(dir, ".git/HEAD", "ref: refs/heads/main\n");
    char git[PATH_MAX];
    snprintf(git, sizeof(git), "%s/.git", dir);
    v = aidf_sandbox_bwrap_argv(&sb, dir, "true");
    int g = idx(v, git);
    assert_true(g > idx(v, "--bind"));
    assert_string_equal(v[g - 1], "--ro-bind");
    assert_string_equal(v[g + 1], git);
    aidf_sandbox_strv_free(v);
    tu_rmrf(dir);
    free(dir);

    sb.network = true;
    v = aidf_sandbox_bwrap_argv(&sb, "/p", "true");
    assert_true(idx(v, "--share-net") > idx(v, "--unshare-all"));
    aidf_sandbox_strv_free(v);
    aidf_sandbox_release(&sb);
    assert_int_equal(sb.kind, AIDF_SANDBOX_KIND_OFF);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(aidf_sandbox_kind_name(AIDF_SANDBOX_KIND_BWRAP), "bwrap");
    assert_string_equal(aidf_sandbox_kind_name(AIDF_SANDBOX_KIND_LANDLOCK), "landlock");
    assert_string_equal(aidf_sandbox_kind_name(AIDF_SANDBOX_KIND_NONE), "none");
    assert_string_equal(aidf_sandbox_kind_name(AIDF_SANDBOX_KIND_OFF), "off");
    assert_string_equal(aidf_sandbox_kind_name((enum aidf_sandbox_kind)99), "off");
}

static void test_select(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct aidf_sandbox sb;
    struct aidf_error err = {0};
    struct aidf_strlist env = {0};
    aidf_strlist_add(&env, "GOPATH");

    assert_int_equal(aidf_sandbox_select(AIDF_SANDBOX_OFF, false, &env, dir, &sb, &err), AIDF_OK);
    assert_int_equal(sb.kind, AIDF_SANDBOX_KIND_OFF);
    assert_true(aidf_strlist_has(&sb.env, "GOPATH"));
    aidf_sandbox_release(&sb);

    setenv("AIDF_TEST_SANDBOX_UNAVAILABLE", "bwrap landlock", 1);
    assert_int_equal(aidf_sandbox_select(AIDF_SANDBOX_AUTO, false, NULL, dir, &sb, &err), AIDF_OK);
    assert_int_equal(sb.kind, AIDF_SANDBOX_KIND_NONE);
    assert_non_null(strstr(sb.why, "bwrap"));
    aidf_sandbox_release(&sb);
    const enum aidf_sandbox_mode strict[] = {AIDF_SANDBOX_REQUIRED, AIDF_SANDBOX_BWRAP,
                                             AIDF_SANDBOX_LANDLOCK};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(aidf_sandbox_select(strict[i], false, NULL, dir, &sb, &err),
                         AIDF_ENOTFOUND);
        assert_non_null(strstr(err.msg, "security.sandbox is"));
        aidf_sandbox_release(&sb);
    }
    /* A project root that does not exist cannot be sandboxed. */
    assert_int_equal(
        aidf_sandbox_select(AIDF_SANDBOX_AUTO, false, NULL, "/nonexistent/aidf", &sb, &err),
        AIDF_ENOTFOUND);
    aidf_sandbox_release(&sb);
    unsetenv("AIDF_TEST_SANDBOX_UNAVAILABLE");

    aidf_strlist_release(&env);
    tu_rmrf(dir);
    free(dir);
}

/* Run `cmd` through `sb` in `root`; returns the output (heap) and the exit code. */
static char *run_in(const struct aidf_sandbox *sb, const char *root, const char *cmd, int *code)
{
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = cmd;
    spec.merge_stderr = true;
    spec.timeout_ms = 20000;
    struct aidf_proc_result res;
    struct aidf_error err = {0};
    assert_int_equal(aidf_sandbox_run(sb, root, &spec, &res, &err), AIDF_OK);
    *code = res.exit_code;
    char *out = aidf_xstrdup(res.out);
    aidf_proc_result_release(&res);
    return out;
}

static void test_run_off_filters_env(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    setenv("ANTHROPIC_API_KEY", "sk-unit-secret", 1);
    int code;
    char *out = run_in(NULL, dir, "echo \"k=$ANTHROPIC_API_KEY\"; pwd", &code);
    assert_int_equal(code, 0);
    assert_non_null(strstr(out, "k=\n"));
    char *real = realpath(dir, NULL);
    assert_non_null(strstr(out, real));
    free(real);
    free(out);
    unsetenv("ANTHROPIC_API_KEY");

    /* Nothing to run. */
    struct aidf_proc_spec spec = {0};
    struct aidf_proc_result res;
    struct aidf_error err = {0};
    assert_int_equal(aidf_sandbox_run(NULL, dir, &spec, &res, &err), AIDF_EINVAL);
    assert_non_null(res.out);
    aidf_proc_result_release(&res);
    tu_rmrf(dir);
    free(dir);
}

static void test_run_landlock(void **state)
{
    (void)state;
    char *base = tu_mkdtemp();
    tu_write(base, "proj/keep.txt", "x");
    tu_write(base, "outside.txt", "secret-outside");
    char proj[PATH_MAX];
    snprintf(proj, sizeof(proj), "%s/proj", base);
    char *root = realpath(proj, NULL);
    assert_non_null(root);

    struct aidf_sandbox sb;
    struct aidf_error err = {0};
    if (aidf_sandbox_select(AIDF_SANDBOX_LANDLOCK, false, NULL, root, &sb, &err) != AIDF_OK) {
        print_message("skipping the Landlock run: %s\n", err.msg);
        aidf_sandbox_release(&sb);
    } else {
        int code;
        char *out = run_in(&sb, root,
                           "echo in >inside.txt && echo ok-inside; echo out >../written.txt; "
                           "echo \"parent=$?\"; cat ../outside.txt; echo x >\"$HOME/h\" && "
                           "echo ok-home; echo \"tmp=$TMPDIR\"",
                           &code);
        assert_non_null(strstr(out, "ok-inside"));
        assert_null(strstr(out, "parent=0"));
        assert_non_null(strstr(out, "secret-outside")); /* reads are not restricted */
        assert_non_null(strstr(out, "ok-home"));
        assert_true(tu_exists(root, "inside.txt"));
        assert_false(tu_exists(base, "written.txt"));
        /* The private directory is gone after the command. */
        char *tmp = strstr(out, "tmp=");
        assert_non_null(tmp);
        char priv[PATH_MAX];
        snprintf(priv, sizeof(priv), "%.*s", (int)strcspn(tmp + 4, "\n"), tmp + 4);
        struct stat st;
        assert_int_not_equal(lstat(priv, &st), 0);
        free(out);
        aidf_sandbox_release(&sb);
    }
    free(root);
    tu_rmrf(base);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_allowed),  cmocka_unit_test(test_env_filter),
        cmocka_unit_test(test_bwrap_argv),   cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_select),       cmocka_unit_test(test_run_off_filters_env),
        cmocka_unit_test(test_run_landlock),
    };
    return cmocka_run_group_tests_name("sandbox", tests, NULL, NULL);
}
