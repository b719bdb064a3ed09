/*
 * Prompts: whole expected strings for a small hand-built context (full prompt with and
 * without plan, skills, feedback and resume; continuation with and without the previous
 * output and its 2000-byte tail), and the system prompt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/context.h"
#include "aidf/prompt.h"
#include "aidf/task.h"
#include "aidf/xalloc.h"
#include "testutil.h"

#define HEAD(n) "# AIDF Autonomous Execution - Iteration " n "\n\n"
#define INTRO   "You are executing a task autonomously. Follow the context below.\n\n"
#define BASE                                                        \
    "## Project Context (AGENTS.md)\n\n# Agents\n\nBe careful.\n\n" \
    "## Your Role\n\n# Developer\n\n"                               \
    "## Current Task\n\n## Goal\n\nDo it.\n\n"
#define TAIL                                                                                 \
    "## Execution Instructions\n\n"                                                          \
    "1. Read the task requirements carefully\n"                                              \
    "2. Check the Definition of Done criteria\n"                                             \
    "3. Make necessary code changes\n"                                                       \
    "4. Stay within the allowed scope\n"                                                     \
    "5. When ALL Definition of Done criteria are met, output: <TASK_COMPLETE>\n"             \
    "6. If you encounter a blocker, output: <BLOCKED: reason>\n\n"                           \
    "**IMPORTANT:** Only modify files within the allowed scope. Do NOT modify files in the " \
    "forbidden scope.\n"
#define FEEDBACK(r)                                                                            \
    "## Previous Iteration Feedback\n\n"                                                       \
    "\xE2\x9A\xA0 Your previous iteration signaled <TASK_COMPLETE> but validation failed:\n\n" \
    "```\n" r "\n```\n\n"                                                                      \
    "Please fix the validation errors and signal <TASK_COMPLETE> again when done.\n\n"
#define REMINDER                                                                \
    "## Reminder\n\n"                                                           \
    "- Stay within the allowed scope\n"                                         \
    "- When ALL Definition of Done criteria are met, output: <TASK_COMPLETE>\n" \
    "- If you encounter a blocker, output: <BLOCKED: reason>\n"

static const char *const TASK = "## Goal\n\nDo it.";

static void small_ctx(struct aidf_context *c, const char *task)
{
    memset(c, 0, sizeof(*c));
    c->root = aidf_xstrdup("/p");
    c->agents = aidf_xstrdup("# Agents\n\nBe careful.");
    c->role_name = aidf_xstrdup("developer");
    c->role = aidf_xstrdup("# Developer");
    assert_int_equal(aidf_task_parse(task, strlen(task), NULL, &c->task, NULL), AIDF_OK);
}

static void expect_full(const struct aidf_context *c, const struct aidf_prompt_opts *o,
                        const char *want)
{
    char *got = aidf_prompt_full(c, o);
    assert_string_equal(got, want);
    free(got);
}

static void test_full_minimal(void **state)
{
    (void)state;
    struct aidf_context c;
    small_ctx(&c, TASK);
    struct aidf_prompt_opts o = {1, false, NULL, NULL};
    expect_full(&c, &o, HEAD("1") INTRO BASE TAIL);

    /* empty optional strings are left out (upstream's falsy checks); the previous output
     * is a continuation-only input */
    c.plan = aidf_xstrdup("");
    o.iteration = 12;
    o.validation_feedback = "";
    o.previous_output = "ignored by the full prompt";
    expect_full(&c, &o, HEAD("12") INTRO BASE TAIL);
    aidf_context_release(&c);
}

static void test_full_everything(void **state)
{
    (void)state;
    struct aidf_context c;
    small_ctx(&c, TASK);
    c.plan = aidf_xstrdup("1. plan step");
    c.n_skills = 1;
    c.skills = aidf_xcalloc(1, sizeof(*c.skills));
    c.skills[0].name = aidf_xstrdup("aidf-developer");
    c.skills_xml = aidf_xstrdup("<available_skills>\n<skill name=\"aidf-developer\">\n"
                                "<description>d</description>\n<instructions>\nb\n"
                                "</instructions>\n</skill>\n</available_skills>");
    struct aidf_prompt_opts o = {3, false, "lint: 2 errors\nsrc/a.c:1: x", NULL};
    expect_full(&c, &o,
                HEAD("3") INTRO BASE "## Implementation Plan\n\n1. plan step\n\n"
                                     "## Available Skills\n\n<available_skills>\n"
                                     "<skill name=\"aidf-developer\">\n"
                                     "<description>d</description>\n<instructions>\nb\n"
                                     "</instructions>\n</skill>\n</available_skills>\n\n" FEEDBACK(
                                         "lint: 2 errors\nsrc/a.c:1: x") TAIL);

    /* plan only; skills only */
    o.validation_feedback = NULL;
    char *xml = c.skills_xml;
    c.skills_xml = NULL;
    expect_full(&c, &o, HEAD("3") INTRO BASE "## Implementation Plan\n\n1. plan step\n\n" TAIL);
    c.skills_xml = xml;
    free(c.plan);
    c.plan = NULL;
    char *got = aidf_prompt_full(&c, &o);
    assert_non_null(strstr(got, BASE "## Available Skills\n\n<available_skills>\n"));
    assert_non_null(strstr(got, "</available_skills>\n\n" TAIL));
    free(got);
    /* n_skills 0: no block even with text */
    c.n_skills = 0;
    expect_full(&c, &o, HEAD("3") INTRO BASE TAIL);
    c.n_skills = 1;
    aidf_context_release(&c);
}

static const char *const BLOCKED_TASK =
    "## Goal\n\nDo it.\n\n## Status: BLOCKED\n\n### Execution Log\n"
    "- **Started:** 2024-01-01T10:00:00.000Z\n- **Iterations:** 7\n"
    "- **Blocked at:** 2024-01-01T10:30:00.000Z\n\n### Blocking Issue\n```\nNeed a "
    "decision.\n```\n\n### Files Modified\n- `src/a.c`\n- `src/b.c`\n";

static void test_full_resume(void **state)
{
    (void)state;
    struct aidf_context c;
    small_ctx(&c, BLOCKED_TASK);
    assert_true(c.task.blocked.present);
    struct aidf_prompt_opts o = {8, true, "v failed", NULL};
    char *want = NULL;
    {
        const char *resume = "## Resuming Blocked Task\n\n"
                             "This task was previously blocked at iteration 7.\n\n"
                             "### Previous Blocking Issue\n\nNeed a decision.\n\n"
                             "### Files Modified in Previous Attempt\n\n"
                             "- `src/a.c`\n- `src/b.c`\n\n"
                             "**IMPORTANT**: Review the blocking issue above. The problem has "
                             "been addressed or guidance provided. Continue from where it left "
                             "off.\n\n---\n\n";
        const char *rest = "## Project Context (AGENTS.md)\n\n# Agents\n\nBe careful.\n\n"
                           "## Your Role\n\n# Developer\n\n## Current Task\n\n";
        size_t n = strlen(HEAD("8")) + strlen(resume) + strlen(INTRO) + strlen(rest) +
                   strlen(c.task.raw) + 2 + strlen(FEEDBACK("v failed")) + strlen(TAIL) + 1;
        want = aidf_xmalloc(n);
        snprintf(want, n, "%s%s%s%s%s\n\n%s%s", HEAD("8"), resume, INTRO, rest, c.task.raw,
                 FEEDBACK("v failed"), TAIL);
    }
    expect_full(&c, &o, want);
    free(want);
    aidf_context_release(&c);

    /* no blocking issue and no files: empty issue, _None_ */
    small_ctx(&c, TASK);
    o.validation_feedback = NULL;
    o.iteration = 1;
    expect_full(&c, &o,
                HEAD("1") "## Resuming Blocked Task\n\n"
                          "This task was previously blocked at iteration 0.\n\n"
                          "### Previous Blocking Issue\n\n\n\n"
                          "### Files Modified in Previous Attempt\n\n_None_\n\n"
                          "**IMPORTANT**: Review the blocking issue above. The problem has been "
                          "addressed or guidance provided. Continue from where it left off.\n\n"
                          "---\n\n" INTRO BASE TAIL);
    aidf_context_release(&c);
}

static void expect_cont(const struct aidf_prompt_opts *o, const char *want)
{
    char *got = aidf_prompt_continuation(o);
    assert_string_equal(got, want);
    free(got);
}

#define CONT(n)                                       \
    "# Continuation \xE2\x80\x94 Iteration " n "\n\n" \
    "Continue working on the task from the previous iteration.\n\n"

static void test_continuation(void **state)
{
    (void)state;
    struct aidf_prompt_opts o = {2, false, NULL, NULL};
    expect_cont(&o, CONT("2") REMINDER);
    o.previous_output = "";
    o.validation_feedback = "";
    expect_cont(&o, CONT("2") REMINDER);

    o.iteration = 5;
    o.previous_output = "did things\n";
    expect_cont(&o,
                CONT("5") "## Previous Iteration Output\n\n```\ndid things\n\n```\n\n" REMINDER);
    o.validation_feedback = "tests failed";
    expect_cont(&o, CONT("5") "## Previous Iteration Output\n\n```\ndid things\n\n```\n\n" FEEDBACK(
                        "tests failed") REMINDER);
    o.previous_output = NULL;
    expect_cont(&o, CONT("5") FEEDBACK("tests failed") REMINDER);
    /* resume does not change the continuation prompt */
    o.resume = true;
    expect_cont(&o, CONT("5") FEEDBACK("tests failed") REMINDER);
}

static char *cont_output_section(const char *out)
{
    struct aidf_prompt_opts o = {2, false, NULL, out};
    char *p = aidf_prompt_continuation(&o);
    const char *b = strstr(p, "```\n");
    const char *e = strstr(p, "\n```\n\n## Reminder");
    assert_non_null(b);
    assert_non_null(e);
    char *s = aidf_xstrndup(b + 4, (size_t)(e - b - 4));
    free(p);
    return s;
}

static void test_output_tail(void **state)
{
    (void)state;
    /* exactly 2000 bytes: all of it */
    char *s = aidf_xmalloc(5000);
    memset(s, 'a', 2000);
    s[2000] = '\0';
    char *got = cont_output_section(s);
    assert_string_equal(got, s);
    free(got);

    /* 2001 bytes: the first byte goes */
    s[0] = 'X';
    memset(s + 1, 'b', 2000);
    s[2001] = '\0';
    got = cont_output_section(s);
    assert_int_equal(strlen(got), 2000);
    assert_string_equal(got, s + 1);
    free(got);

    /* the cut falls inside a 3-byte character: it is dropped whole */
    memset(s, 'c', 3000);
    memcpy(s + 999, "\xE2\x82\xAC", 3); /* € at 999..1001; 3000-2000 = 1000 */
    s[3000] = '\0';
    got = cont_output_section(s);
    assert_int_equal(strlen(got), 1998);
    assert_string_equal(got, s + 1002);
    free(got);

    /* the cut falls on a lead byte: kept */
    memcpy(s + 1000, "\xE2\x82\xAC", 3);
    got = cont_output_section(s);
    assert_int_equal(strlen(got), 2000);
    assert_memory_equal(got, "\xE2\x82\xAC", 3);
    free(got);

    /* 4-byte characters all the way: at most 3 bytes skipped */
    for (int i = 0; i < 1000; i++)
        memcpy(s + 4 * i, "\xF0\x9F\x98\x80", 4);
    s[4000] = '\0';
    got = cont_output_section(s);
    assert_int_equal(strlen(got), 2000);
    assert_memory_equal(got, "\xF0\x9F\x98\x80", 4);
    free(got);
    s[3999] = '\0'; /* 3999 bytes: the cut is at 1999, inside a character */
    got = cont_output_section(s);
    assert_int_equal(strlen(got), 1999);
    assert_memory_equal(got, "\xF0\x9F\x98\x80", 4);
    free(got);

    /* only continuation bytes: at most three are skipped */
    memset(s, 0x80, 2100);
    s[2100] = '\0';
    got = cont_output_section(s);
    assert_int_equal(strlen(got), 1997);
    free(got);
    free(s);
}

static void test_system(void **state)
{
    (void)state;
    struct aidf_context c;
    small_ctx(&c, "## Scope\n\n### Allowed\n- `src/**`\n- tests/**\n\n### Forbidden\n- `.env*`\n\n"
                  "### Ask Before\n- package.json\n\n## Definition of Done\n- [ ] done\n");
    char *p = aidf_prompt_system(&c);
    assert_string_equal(
        p,
        "You are an autonomous coding agent working on a task in a git repository. You act "
        "only through the tools you are given: read_file, write_file, list_files, "
        "run_command, task_complete and task_blocked. Nobody answers questions while you "
        "work, so decide, act and check your work with the tools.\n\n"
        "## Paths\n\n"
        "Every path is relative to the project root (the directory holding .ai/). Do not "
        "use absolute paths or paths that leave the project.\n\n"
        "## Scope\n\n"
        "You may only write files inside the allowed scope; writes outside it are refused "
        "or reverted.\n\n"
        "Allowed:\n- `src/**`\n- `tests/**`\n\n"
        "Forbidden (neither readable nor writable; environment files such as .env are not readable either unless the allowed scope names them):\n- `.env*`\n\n"
        "Ask before changing (writes may be refused):\n- `package.json`\n\n"
        "## Finishing\n\n"
        "When every Definition of Done item of the task is met, call task_complete. If you "
        "cannot continue, call task_blocked with the reason. Do not stop without calling "
        "one of them.\n");
    free(p);
    aidf_context_release(&c);

    /* no scope: everything not forbidden, nothing forbidden, no ask-before part */
    small_ctx(&c, TASK);
    p = aidf_prompt_system(&c);
    assert_non_null(strstr(
        p,
        "Allowed:\n- everything not forbidden\n\n"
        "Forbidden (neither readable nor writable; environment files such as .env are not readable either unless the allowed scope names them):\n- "
        "nothing\n\n## Finishing"));
    assert_null(strstr(p, "Ask before"));
    free(p);
    aidf_context_release(&c);

    p = aidf_prompt_system(NULL);
    assert_non_null(strstr(p, "- everything not forbidden\n"));
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_minimal), cmocka_unit_test(test_full_everything),
        cmocka_unit_test(test_full_resume),  cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_output_tail),  cmocka_unit_test(test_system),
    };
    return cmocka_run_group_tests_name("prompt", tests, NULL, NULL);
}
