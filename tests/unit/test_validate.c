/* Unit tests for lib/run/validate.c: running validation commands and the markdown report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/report.h"
#include "aidf/validate.h"
#include "testutil.h"

static struct aidf_strlist list_of(const char *const *cmds)
{
    struct aidf_strlist l;
    memset(&l, 0, sizeof(l));
    for (size_t i = 0; cmds[i]; i++)
        aidf_strlist_add(&l, cmds[i]);
    return l;
}

static void test_all_pass(void **state)
{
    (void)state;
    const char *cmds[] = {"echo one", "true", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_true(aidf_validate_run(&l, "pre_commit", NULL, 10, true, &v));
    assert_true(v.passed);
    assert_string_equal(v.phase, "pre_commit");
    assert_int_equal(v.n, 2);
    assert_string_equal(v.cmds[0].command, "echo one");
    assert_true(v.cmds[0].passed);
    assert_int_equal(v.cmds[0].exit_code, 0);
    assert_string_equal(v.cmds[0].output, "one\n");
    assert_string_equal(v.cmds[1].output, "");
    assert_false(v.cmds[1].timed_out);
    assert_null(v.error_code);
    assert_null(v.error_message);
    assert_true(v.total_ms >= v.cmds[0].duration_ms);
    aidf_validation_release(&v);
    aidf_validation_release(NULL);
    aidf_strlist_release(&l);
}

static void test_stop_on_first(void **state)
{
    (void)state;
    const char *cmds[] = {"true", "exit 3", "echo never", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_false(aidf_validate_run(&l, "pre_commit", NULL, 10, true, &v));
    assert_false(v.passed);
    assert_int_equal(v.n, 2);
    assert_true(v.cmds[0].passed);
    assert_false(v.cmds[1].passed);
    assert_int_equal(v.cmds[1].exit_code, 3);
    assert_string_equal(v.error_code, "VALIDATION_PRE_COMMIT");
    assert_string_equal(v.error_message,
                        "Pre-commit validation failed: \"exit 3\" exited with code 3");
    aidf_validation_release(&v);

    /* Without stop_on_first every command runs; the error names the first failure. */
    const char *cmds2[] = {"exit 1", "echo ran", "exit 2", NULL};
    struct aidf_strlist l2 = list_of(cmds2);
    assert_false(aidf_validate_run(&l2, "pre_pr", NULL, 10, false, &v));
    assert_int_equal(v.n, 3);
    assert_string_equal(v.cmds[1].output, "ran\n");
    assert_true(v.cmds[1].passed);
    assert_int_equal(v.cmds[2].exit_code, 2);
    assert_string_equal(v.error_code, "VALIDATION_PRE_PR");
    assert_string_equal(v.error_message, "Pre-PR validation failed: \"exit 1\" exited with code 1");
    aidf_validation_release(&v);
    aidf_strlist_release(&l);
    aidf_strlist_release(&l2);
}

static void test_phase_names(void **state)
{
    (void)state;
    const char *cmds[] = {"false", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_false(aidf_validate_run(&l, "pre_push", NULL, 10, true, &v));
    assert_string_equal(v.error_code, "VALIDATION_PRE_PUSH");
    assert_string_equal(v.error_message,
                        "Pre-push validation failed: \"false\" exited with code 1");
    aidf_validation_release(&v);
    assert_false(aidf_validate_run(&l, "lint-all", NULL, 10, true, &v));
    assert_string_equal(v.error_code, "VALIDATION_LINT_ALL");
    assert_non_null(strstr(v.error_message, "\"false\" exited with code 1"));
    aidf_validation_release(&v);
    aidf_strlist_release(&l);
}

static void test_stderr_section(void **state)
{
    (void)state;
    const char *cmds[] = {"printf out; printf err >&2; exit 4", "printf only >&2", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_false(aidf_validate_run(&l, "pre_commit", NULL, 10, false, &v));
    assert_string_equal(v.cmds[0].output, "out\n--- stderr ---\nerr");
    assert_int_equal(v.cmds[0].exit_code, 4);
    assert_string_equal(v.cmds[1].output, "\n--- stderr ---\nonly");
    assert_true(v.cmds[1].passed);
    aidf_validation_release(&v);
    aidf_strlist_release(&l);
}

static void test_cwd(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    tu_write(dir, "marker.txt", "here");
    const char *cmds[] = {"cat marker.txt", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_true(aidf_validate_run(&l, "pre_commit", dir, 10, true, &v));
    assert_string_equal(v.cmds[0].output, "here");
    aidf_validation_release(&v);
    aidf_strlist_release(&l);
    tu_rmrf(dir);
    free(dir);
}

static void test_timeout(void **state)
{
    (void)state;
    const char *cmds[] = {"echo started; echo warn >&2; sleep 30", "echo never", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_false(aidf_validate_run(&l, "pre_commit", NULL, 0.3, true, &v));
    assert_int_equal(v.n, 1);
    assert_true(v.cmds[0].timed_out);
    assert_false(v.cmds[0].passed);
    assert_int_equal(v.cmds[0].exit_code, -1);
    assert_string_equal(v.cmds[0].output, "Command timed out after 300ms\nstarted\n\nwarn\n");
    assert_true(v.cmds[0].duration_ms >= 290 && v.cmds[0].duration_ms < 2500);
    assert_string_equal(v.error_message, "Pre-commit validation failed: \"echo started; echo warn "
                                         ">&2; sleep 30\" exited with code -1");
    aidf_validation_release(&v);
    aidf_strlist_release(&l);
}

static void test_signal_exit_code(void **state)
{
    (void)state;
    const char *cmds[] = {"kill -KILL $$", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_false(aidf_validate_run(&l, "pre_commit", NULL, 10, true, &v));
    assert_int_equal(v.cmds[0].exit_code, -1);
    assert_false(v.cmds[0].timed_out);
    aidf_validation_release(&v);
    aidf_strlist_release(&l);
}

static void test_spawn_failure(void **state)
{
    (void)state;
    const char *cmds[] = {"true", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_false(aidf_validate_run(&l, "pre_commit", "/no/such/dir/aidf", 10, true, &v));
    assert_int_equal(v.n, 1);
    assert_false(v.cmds[0].passed);
    assert_int_equal(v.cmds[0].exit_code, -1);
    assert_string_equal(
        v.cmds[0].output,
        "Failed to execute: cannot change to '/no/such/dir/aidf': No such file or directory");
    assert_string_equal(v.error_message,
                        "Pre-commit validation failed: \"true\" exited with code -1");
    aidf_validation_release(&v);
    aidf_strlist_release(&l);
}

static void test_empty(void **state)
{
    (void)state;
    struct aidf_validation v;
    assert_true(aidf_validate_run(NULL, "pre_commit", NULL, 0, true, &v));
    assert_int_equal(v.n, 0);
    assert_null(v.error_code);
    char *s = aidf_validate_format(&v);
    assert_string_equal(s, "## \xE2\x9C\x85 Validation: pre_commit\n\n"
                           "**Status:** PASSED\n"
                           "**Duration:** 0.00s\n\n"
                           "_No validation commands configured for this phase._\n");
    free(s);
    aidf_validation_release(&v);

    struct aidf_strlist l;
    memset(&l, 0, sizeof(l));
    assert_true(aidf_validate_run(&l, "pre_push", NULL, 0, true, &v));
    assert_int_equal(v.n, 0);
    assert_true(v.passed);
    aidf_validation_release(&v);
}

/* A validation built by hand, so durations are fixed. */
static void add_cmd(struct aidf_validation *v, const char *cmd, bool passed, int64_t code,
                    double ms, const char *output)
{
    v->cmds = realloc(v->cmds, (v->n + 1) * sizeof(*v->cmds));
    assert_non_null(v->cmds);
    struct aidf_validation_cmd *c = &v->cmds[v->n++];
    memset(c, 0, sizeof(*c));
    c->command = strdup(cmd);
    c->passed = passed;
    c->exit_code = code;
    c->duration_ms = ms;
    c->output = strdup(output);
}

static void test_format(void **state)
{
    (void)state;
    struct aidf_validation v;
    memset(&v, 0, sizeof(v));
    v.phase = strdup("pre_commit");
    v.passed = false;
    v.total_ms = 1234.0;
    add_cmd(&v, "make lint", true, 0, 1000.0, "all good\n");
    add_cmd(&v, "true", true, 0, 4.0, " \n\t");
    add_cmd(&v, "make test", false, 2, 230.0, "FAIL x\n--- stderr ---\nboom");
    add_cmd(&v, "silent", false, 1, 5.0, "");
    char *s = aidf_validate_format(&v);
    const char *want = "## \xE2\x9D\x8C Validation: pre_commit\n"
                       "\n"
                       "**Status:** FAILED\n"
                       "**Duration:** 1.23s\n"
                       "\n"
                       "### Results\n"
                       "\n"
                       "#### \xE2\x9C\x85 `make lint`\n"
                       "\n"
                       "- Exit code: 0\n"
                       "- Duration: 1.00s\n"
                       "\n"
                       "<details>\n"
                       "<summary>Output</summary>\n"
                       "\n"
                       "```\n"
                       "all good\n"
                       "\n"
                       "```\n"
                       "</details>\n"
                       "\n"
                       "#### \xE2\x9C\x85 `true`\n"
                       "\n"
                       "- Exit code: 0\n"
                       "- Duration: 0.00s\n"
                       "#### \xE2\x9D\x8C `make test`\n"
                       "\n"
                       "- Exit code: 2\n"
                       "- Duration: 0.23s\n"
                       "\n"
                       "<details>\n"
                       "<summary>Output</summary>\n"
                       "\n"
                       "```\n"
                       "FAIL x\n"
                       "--- stderr ---\n"
                       "boom\n"
                       "```\n"
                       "</details>\n"
                       "\n"
                       "#### \xE2\x9D\x8C `silent`\n"
                       "\n"
                       "- Exit code: 1\n"
                       "- Duration: 0.01s\n"
                       "\n"
                       "<details>\n"
                       "<summary>Output</summary>\n"
                       "\n"
                       "```\n"
                       "\n"
                       "```\n"
                       "</details>\n"
                       "\n";
    assert_string_equal(s, want);
    free(s);
    aidf_validation_release(&v);
    s = aidf_validate_format(NULL);
    assert_string_equal(s, "");
    free(s);
}

static void test_format_truncation(void **state)
{
    (void)state;
    struct aidf_validation v;
    memset(&v, 0, sizeof(v));
    v.phase = strdup("pre_commit");
    v.total_ms = 10;

    /* 4999 ASCII bytes then a 3-byte character straddling the 5000-byte limit. */
    char *out = malloc(6001);
    assert_non_null(out);
    memset(out, 'a', 6000);
    memcpy(out + 4999, "\xE2\x9C\x85", 3);
    out[6000] = '\0';
    add_cmd(&v, "big", false, 1, 1, out);
    /* Exactly 5000 bytes: no marker. */
    memset(out, 'a', 5000);
    out[5000] = '\0';
    add_cmd(&v, "exact", false, 1, 1, out);
    char *s = aidf_validate_format(&v);

    const char *p = strstr(s, "#### \xE2\x9D\x8C `big`");
    assert_non_null(p);
    p = strstr(p, "```\n");
    assert_non_null(p);
    p += 4;
    size_t run = strspn(p, "a");
    assert_int_equal(run, 4999); /* the character is not split */
    assert_true(strncmp(p + run, "\n... (truncated)\n```\n</details>\n", 31) == 0);

    p = strstr(s, "#### \xE2\x9D\x8C `exact`");
    assert_non_null(p);
    p = strstr(p, "```\n") + 4;
    run = strspn(p, "a");
    assert_int_equal(run, 5000);
    assert_true(strncmp(p + run, "\n```\n</details>\n", 16) == 0);
    assert_null(strstr(p, "truncated"));
    free(s);
    free(out);
    aidf_validation_release(&v);
}

static void test_output_cap(void **state)
{
    (void)state;
    /* 1.5 MiB of output is kept only up to AIDF_VALIDATE_MAX_OUTPUT. */
    const char *cmds[] = {"head -c 1572864 /dev/zero | tr '\\000' x", NULL};
    struct aidf_strlist l = list_of(cmds);
    struct aidf_validation v;
    assert_true(aidf_validate_run(&l, "pre_commit", NULL, 10, true, &v));
    assert_int_equal(strlen(v.cmds[0].output), AIDF_VALIDATE_MAX_OUTPUT);
    aidf_validation_release(&v);
    aidf_strlist_release(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_pass),
        cmocka_unit_test(test_stop_on_first),
        cmocka_unit_test(test_phase_names),
        cmocka_unit_test(test_stderr_section),
        cmocka_unit_test(test_cwd),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_signal_exit_code),
        cmocka_unit_test(test_spawn_failure),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_format_truncation),
        cmocka_unit_test(test_output_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
