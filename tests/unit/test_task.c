#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/err.h"
#include "aidf/fsutil.h"
#include "aidf/task.h"
#include "aidf/xalloc.h"
#include "testutil.h"

/* Parse a NUL-terminated string; the test fails unless it parses. */
static void parse_str(const char *s, struct aidf_task *t)
{
    struct aidf_error e;
    memset(t, 0, sizeof(*t));
    assert_int_equal(aidf_task_parse(s, strlen(s), NULL, t, &e), AIDF_OK);
}

static void parse_fixture(const char *name, struct aidf_task *t)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "tasks/%s", name);
    size_t len = 0;
    char *s = tu_read_data(rel, &len);
    memset(t, 0, sizeof(*t));
    assert_int_equal(aidf_task_parse(s, len, rel, t, NULL), AIDF_OK);
    free(s);
}

static void assert_list(const struct aidf_strlist *l, const char *const *want, size_t n)
{
    assert_int_equal(l->n, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(l->items[i], want[i]);
}

#define LIST(l, ...)                                               \
    do {                                                           \
        static const char *const want_[] = {__VA_ARGS__};          \
        assert_list((l), want_, sizeof(want_) / sizeof(want_[0])); \
    } while (0)

static void test_canonical(void **state)
{
    (void)state;
    struct aidf_task t;
    parse_fixture("canonical.md", &t);
    assert_string_equal(t.path, "tasks/canonical.md");
    assert_string_equal(t.goal, "Add a login form with email and password validation");
    assert_string_equal(t.task_type, "component");     /* "Component" lowercased */
    LIST(&t.suggested_roles, "developer", "`tester`"); /* backticks kept for roles */
    assert_string_equal(t.role, "developer");
    LIST(&t.allowed, "src/components/**", "src/lib/** (read-only)");
    LIST(&t.forbidden, ".env*", "src/config/**");
    assert_false(t.has_ask_before);
    assert_int_equal(t.ask_before.n, 0);
    /* "### Details" does not end the Requirements section */
    assert_string_equal(t.requirements,
                        "Use the existing form helpers.\n\n### Details\nShow errors inline.");
    LIST(&t.definition_of_done, "Implementation complete", "Tests pass", "Lint passes");
    assert_string_equal(t.notes, "- Created: 2024-01-01T10:00:00.000Z\n- Template: new-feature");
    assert_false(t.blocked.present);
    assert_null(t.blocked.started_at);
    assert_int_equal(t.blocked.files_modified.n, 0);
    assert_non_null(strstr(t.raw, "# TASK\n\n## Goal\n"));
    assert_int_equal(aidf_task_state_from_text(t.raw), AIDF_TASK_PENDING);
    aidf_task_release(&t);
    assert_null(t.raw);
    aidf_task_release(&t); /* twice is fine */
    aidf_task_release(NULL);
}

static void test_template_style(void **state)
{
    (void)state;
    struct aidf_task t;
    parse_fixture("template.md", &t);
    assert_string_equal(t.goal, "Split the context loader into smaller functions.\n"
                                "Keep the public API unchanged.");
    assert_string_equal(t.task_type, "refactor");
    LIST(&t.suggested_roles, "architect", "developer");
    assert_string_equal(t.role, "architect");
    LIST(&t.allowed, "packages/cli/src/core/context-loader.ts",
         "packages/cli/src/core/** (read-only)");
    LIST(&t.forbidden, "packages/cli/src/commands/**");
    assert_true(t.has_ask_before);
    LIST(&t.ask_before, "package.json");
    assert_string_equal(t.requirements, "<What must be true when done>");
    /* Pre-Flight Checklist boxes are not part of the Definition of Done */
    LIST(&t.definition_of_done, "All tests pass", "No behaviour change");
    assert_null(t.notes); /* empty section -> undefined */
    assert_false(t.blocked.present);
    aidf_task_release(&t);
}

static void assert_same_list(const struct aidf_strlist *a, const struct aidf_strlist *b)
{
    assert_list(a, (const char *const *)b->items, b->n);
}

static void test_crlf_equals_lf(void **state)
{
    (void)state;
    struct aidf_task a, b;
    parse_fixture("crlf.md", &a);
    parse_fixture("crlf-lf.md", &b);
    assert_null(strchr(a.raw, '\r'));
    assert_string_equal(a.raw, b.raw);
    assert_string_equal(a.goal, "Fix the crash on empty input\nsecond line");
    assert_string_equal(a.goal, b.goal);
    assert_string_equal(a.task_type, "bugfix");
    assert_string_equal(a.task_type, b.task_type);
    assert_string_equal(a.role, b.role);
    assert_string_equal(a.requirements, "Do not crash.");
    assert_string_equal(a.requirements, b.requirements);
    assert_string_equal(a.notes, b.notes);
    LIST(&a.allowed, "src/**");
    assert_same_list(&a.allowed, &b.allowed);
    assert_same_list(&a.forbidden, &b.forbidden);
    assert_same_list(&a.suggested_roles, &b.suggested_roles);
    LIST(&a.definition_of_done, "Fixed");
    assert_same_list(&a.definition_of_done, &b.definition_of_done);
    aidf_task_release(&a);
    aidf_task_release(&b);

    /* A lone CR is not a line end and stays */
    struct aidf_task t;
    parse_str("## Goal\r\nx\ry\r\n", &t);
    assert_string_equal(t.goal, "x\ry");
    aidf_task_release(&t);
    /* "## Goal\r\r\n" is not "## Goal\n" */
    parse_str("## Goal\r\r\nx\n", &t);
    assert_string_equal(t.goal, "");
    aidf_task_release(&t);
}

static void test_blocked_fixture(void **state)
{
    (void)state;
    struct aidf_task t;
    parse_fixture("blocked.md", &t);
    assert_string_equal(t.goal, "Migrate the store to the new schema");
    assert_string_equal(t.task_type, "architecture");
    assert_string_equal(t.role, "architect");
    LIST(&t.allowed, "src/**");
    LIST(&t.forbidden, "migrations/**");
    LIST(&t.definition_of_done, "Migrated");
    assert_true(t.blocked.present);
    assert_int_equal(t.blocked.previous_iteration, 7);
    assert_string_equal(t.blocked.started_at, "2024-01-01T10:00:00.000Z");
    assert_string_equal(t.blocked.blocked_at, "2024-01-01T10:30:00.000Z");
    assert_string_equal(t.blocked.blocking_issue,
                        "The migration needs a decision:\nkeep or drop the old table?");
    LIST(&t.blocked.files_modified, "src/store.ts", "src/schema/v2.sql");
    assert_int_equal(aidf_task_state_from_text(t.raw), AIDF_TASK_BLOCKED);
    aidf_task_release(&t);
}

static void test_legacy_completed(void **state)
{
    (void)state;
    struct aidf_task t;
    parse_fixture("legacy-completed.md", &t);
    assert_string_equal(t.goal, "Write the README");
    assert_string_equal(t.task_type, "docs");
    assert_int_equal(t.suggested_roles.n, 0);
    assert_string_equal(t.role, "developer");
    LIST(&t.allowed, "README.md");
    assert_int_equal(t.forbidden.n, 0);
    assert_false(t.blocked.present); /* no "BLOCKED" anywhere */
    assert_int_equal(aidf_task_state_from_text(t.raw), AIDF_TASK_COMPLETED);
    aidf_task_release(&t);
}

static void test_hostile_headings(void **state)
{
    (void)state;
    struct aidf_task t;
    parse_fixture("hostile-headings.md", &t);
    /* "## Goal  " (trailing spaces) is no heading; the case-insensitive first match wins */
    assert_string_equal(t.goal, "lower-case heading wins");
    assert_string_equal(t.task_type, "component"); /* "feature" */
    /* "### allowed" is not "### Allowed" (subsections are case-sensitive) */
    LIST(&t.allowed, "spaced  and ticks kept prose", "nospace", "indented");
    /* the Scope section ends before "### Ask Before"'s newline, so it is not found */
    assert_false(t.has_ask_before);
    /*
     * An empty section directly followed by "## X" swallows the next section up to the
     * next "\n## " (upstream's lazy capture cannot stop at its own first byte).
     */
    LIST(&t.suggested_roles, "[y] not a box", "[ ] indented box", "[x]tight");
    assert_string_equal(t.role, "[y] not a box");
    /* DoD lines are matched untrimmed: " - [ ]" is no box */
    LIST(&t.definition_of_done, "tight");
    assert_null(t.notes);
    assert_string_equal(t.requirements, "");
    aidf_task_release(&t);
}

static void test_section_rules(void **state)
{
    (void)state;
    struct aidf_task t;

    parse_str("## Goal \nspace after heading\n", &t);
    assert_string_equal(t.goal, "");
    aidf_task_release(&t);

    parse_str("## Goal\nline 1\n### Sub\nline 2\n#### Deeper\n## Next\nno", &t);
    assert_string_equal(t.goal, "line 1\n### Sub\nline 2\n#### Deeper");
    aidf_task_release(&t);

    /* "\n##x" and "\n##\t" do not end a section; "\n## " does */
    parse_str("## Goal\na\n##x\n##\tb\n## c\n", &t);
    assert_string_equal(t.goal, "a\n##x\n##\tb");
    aidf_task_release(&t);

    /* first occurrence wins, and GOAL matches case-insensitively */
    parse_str("## GOAL\nfirst\n## Goal\nsecond\n", &t);
    assert_string_equal(t.goal, "first");
    aidf_task_release(&t);

    /* "### Goal\n" contains "## Goal\n": upstream's unanchored regex matches it */
    parse_str("### Goal\ninner\n## Goal\nouter\n", &t);
    assert_string_equal(t.goal, "inner");
    aidf_task_release(&t);

    /* heading at the very end, and Unicode white space trimmed like JS trim() */
    parse_str("## Goal\n", &t);
    assert_string_equal(t.goal, "");
    aidf_task_release(&t);
    parse_str("## Goal\n\xC2\xA0\xE3\x80\x80 hi \xEF\xBB\xBF\xE2\x80\xA8\n", &t);
    assert_string_equal(t.goal, "hi");
    aidf_task_release(&t);
    /* U+00A0 inside a word is not trimmed */
    parse_str("## Goal\nx\xC2\xA0hi\xE3\x80\x80y", &t);
    assert_string_equal(t.goal, "x\xC2\xA0hi\xE3\x80\x80y");
    aidf_task_release(&t);
}

static void test_task_type(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"component", "component"},
        {"refactor", "refactor"},
        {"test", "test"},
        {"docs", "docs"},
        {"architecture", "architecture"},
        {"bugfix", "bugfix"},
        {"  BugFix  ", "bugfix"},
        {"DOCS", "docs"},
        {"feature", "component"},
        {"", "component"},
        {"tests", "component"},
        {"bug fix", "component"},
        {"docs\nmore", "component"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[128];
        snprintf(text, sizeof(text), "## Task Type\n%s\n", cases[i].in);
        struct aidf_task t;
        parse_str(text, &t);
        assert_string_equal(t.task_type, cases[i].want);
        aidf_task_release(&t);
    }
    struct aidf_task t;
    parse_str("# nothing\n", &t);
    assert_string_equal(t.task_type, "component");
    aidf_task_release(&t);
}

static void test_scope_lines(void **state)
{
    (void)state;
    struct aidf_task t;
    parse_str("## Scope\n### Allowed\n- `a/**` (read-only, see `b`)\n-   ``c``  \n"
              "- `d` `e`\n-\n* `star`\n### Forbidden\n- `x`\n### Ask Before\n\n"
              "### Other\n- `o`\n## Next\n- `n`\n",
              &t);
    LIST(&t.allowed, "a/** (read-only, see b)", "c", "d e", "");
    LIST(&t.forbidden, "x");
    assert_true(t.has_ask_before); /* present but empty */
    assert_int_equal(t.ask_before.n, 0);
    aidf_task_release(&t);

    /* subsections outside ## Scope do not count */
    parse_str("### Allowed\n- `src`\n## Scope\nnone\n", &t);
    assert_int_equal(t.allowed.n, 0);
    aidf_task_release(&t);

    /* roles keep backticks; "-" must start the trimmed line */
    parse_str("## Suggested Roles\n  -  `dev`  \n* no\n-tester\n", &t);
    LIST(&t.suggested_roles, "`dev`", "tester");
    assert_string_equal(t.role, "`dev`");
    aidf_task_release(&t);
}

static void test_blocked_rules(void **state)
{
    (void)state;
    struct aidf_task t;

    /* case-insensitive block heading with white space (even newlines) before BLOCKED */
    parse_str("## Goal\ng\n## status:\n  blocked\n### Execution Log\n- **Iterations:** 3\n"
              "## Status: BLOCKED is mentioned\n",
              &t);
    assert_true(t.blocked.present);
    assert_int_equal(t.blocked.previous_iteration, 3);
    assert_null(t.blocked.started_at);
    assert_null(t.blocked.blocked_at);
    assert_null(t.blocked.blocking_issue);
    assert_int_equal(t.blocked.files_modified.n, 0);
    aidf_task_release(&t);

    /* no Execution Log -> not present */
    parse_str("## Status: BLOCKED\n\n### Blocking Issue\n```\nx\n```\n", &t);
    assert_false(t.blocked.present);
    assert_null(t.blocked.blocking_issue);
    aidf_task_release(&t);

    /* emoji form (from `aidf task list`) is not the resume block */
    parse_str("## Status: \xE2\x9A\xA0\xEF\xB8\x8F BLOCKED\n### Execution Log\n", &t);
    assert_false(t.blocked.present);
    aidf_task_release(&t);

    /* both "## Status:" and upper-case "BLOCKED" must appear verbatim */
    parse_str("## status: blocked\n### Execution Log\n- **Iterations:** 3\n", &t);
    assert_false(t.blocked.present);
    aidf_task_release(&t);

    /* _None_, a non-numeric first Iterations, empty Started, huge counts */
    parse_str("## Status: BLOCKED\n\n### Execution Log\n- **Started:** \n"
              "- **Started:** 2024\n- **Iterations:** x\n- **Iterations:** 99999999999999\n"
              "\n### Blocking Issue\n```\n```\n\n### Files Modified\n_None_\n\n---\n"
              "- `after-rule`\n",
              &t);
    assert_true(t.blocked.present);
    assert_int_equal(t.blocked.previous_iteration, INT_MAX);
    assert_string_equal(t.blocked.started_at, "2024");
    assert_string_equal(t.blocked.blocking_issue, "");
    assert_int_equal(t.blocked.files_modified.n, 0);
    aidf_task_release(&t);

    /* the block ends at "\n## " + non-'#'; "\n###" stays inside it */
    parse_str("## Status: BLOCKED\n\n## Next\n### Execution Log\n- **Iterations:** 2\n", &t);
    assert_false(t.blocked.present);
    aidf_task_release(&t);
    /* upstream quirk: the "\n" after BLOCKED is consumed, so "## Next" right after it
     * does not end the block */
    parse_str("## Status: BLOCKED\n## Next\n### Execution Log\n- **Iterations:** 2\n", &t);
    assert_true(t.blocked.present);
    assert_int_equal(t.blocked.previous_iteration, 2);
    aidf_task_release(&t);
    parse_str("## Status: BLOCKED\n### Files Modified\n- `a`\n### Execution Log\n"
              "- **Iterations:** 2\n- **Blocked at:** now\n## Next\n- **Started:** late\n",
              &t);
    assert_true(t.blocked.present);
    assert_int_equal(t.blocked.previous_iteration, 2);
    assert_string_equal(t.blocked.blocked_at, "now");
    assert_null(t.blocked.started_at);
    LIST(&t.blocked.files_modified, "a");
    aidf_task_release(&t);
}

static void test_state_from_text(void **state)
{
    (void)state;
    assert_int_equal(aidf_task_state_from_text(NULL), AIDF_TASK_PENDING);
    /* A damaged file: the status after a NUL byte still counts, and the heading decides. */
    static const char damaged[] = "\xff\xfe\x00garbage\n## Status: \xc3\x28 running\n";
    assert_int_equal(aidf_task_state_from_buf(damaged, sizeof(damaged) - 1), AIDF_TASK_IN_PROGRESS);
    assert_int_equal(aidf_task_state_from_text(damaged), AIDF_TASK_PENDING);
    static const char blocked_hist[] = "## Status: BLOCKED\n\nCompleted at 3\n";
    assert_int_equal(aidf_task_state_from_buf(blocked_hist, sizeof(blocked_hist) - 1),
                     AIDF_TASK_BLOCKED);
    assert_int_equal(aidf_task_state_from_buf("## Status: done", 8), AIDF_TASK_PENDING);
    assert_int_equal(aidf_task_state_from_text(""), AIDF_TASK_PENDING);
    assert_int_equal(aidf_task_state_from_text("## Goal\ncompleted\n"), AIDF_TASK_PENDING);
    assert_int_equal(aidf_task_state_from_text("## Status: \xE2\x9C\x85 COMPLETED\n"),
                     AIDF_TASK_COMPLETED);
    assert_int_equal(aidf_task_state_from_text("## Status: \xE2\x9D\x8C FAILED\n"),
                     AIDF_TASK_PENDING);
    assert_int_equal(aidf_task_state_from_text("## Status: BLOCKED\n"), AIDF_TASK_BLOCKED);
    assert_int_equal(aidf_task_state_from_text("x\n## Status: In Progress\n"),
                     AIDF_TASK_IN_PROGRESS);
    assert_int_equal(aidf_task_state_from_text("## Status: running\n"), AIDF_TASK_IN_PROGRESS);
    /* completed beats blocked; the block ends at "\n## " */
    assert_int_equal(aidf_task_state_from_text("## Status: blocked, then completed\n"),
                     AIDF_TASK_COMPLETED);
    assert_int_equal(aidf_task_state_from_text("## Status: x\n## Notes\ncompleted\n"),
                     AIDF_TASK_PENDING);
    assert_int_equal(aidf_task_state_from_text("## Status: x\n### Log\nCompleted\n"),
                     AIDF_TASK_COMPLETED);
    /* A BLOCKED heading wins over "Completed at" in the resume history below it. */
    assert_int_equal(aidf_task_state_from_text("## Status: BLOCKED\n\n### Resume Attempt History\n"
                                               "- **Completed at:** 2026-12-01\n"),
                     AIDF_TASK_BLOCKED);
    assert_string_equal(aidf_task_state_name(AIDF_TASK_PENDING), "pending");
    assert_string_equal(aidf_task_state_name(AIDF_TASK_IN_PROGRESS), "in_progress");
    assert_string_equal(aidf_task_state_name(AIDF_TASK_COMPLETED), "completed");
    assert_string_equal(aidf_task_state_name(AIDF_TASK_BLOCKED), "blocked");
}

static void test_load(void **state)
{
    (void)state;
    struct aidf_task t;
    struct aidf_error e;
    memset(&t, 0, sizeof(t));
    char *p = aidf_path_join(AIDF_TEST_DATA, "tasks/canonical.md");
    assert_int_equal(aidf_task_load(p, &t, &e), AIDF_OK);
    assert_string_equal(t.path, p);
    assert_string_equal(t.task_type, "component");
    aidf_task_release(&t);
    free(p);

    char *dir = tu_mkdtemp();
    char *missing = aidf_path_join(dir, "nope.md");
    assert_int_equal(aidf_task_load(missing, &t, &e), AIDF_ENOTFOUND);
    char want[600];
    snprintf(want, sizeof(want), "Task file not found: %s", missing);
    assert_string_equal(e.msg, want);
    assert_null(t.raw);

    char *big = aidf_xmalloc(AIDF_TASK_MAX_BYTES + 2);
    memset(big, 'a', AIDF_TASK_MAX_BYTES + 1);
    big[AIDF_TASK_MAX_BYTES + 1] = '\0';
    tu_write(dir, "big.md", big);
    char *bigp = aidf_path_join(dir, "big.md");
    assert_int_equal(aidf_task_load(bigp, &t, &e), AIDF_ETOOBIG);
    assert_null(t.raw);
    free(big);
    free(bigp);
    free(missing);
    tu_rmrf(dir);
    free(dir);
}

static void test_hostile_inputs(void **state)
{
    (void)state;
    struct aidf_task t;
    struct aidf_error e;

    /* empty file: every field has its default */
    memset(&t, 0, sizeof(t));
    assert_int_equal(aidf_task_parse("", 0, NULL, &t, &e), AIDF_OK);
    assert_null(t.path);
    assert_string_equal(t.raw, "");
    assert_string_equal(t.goal, "");
    assert_string_equal(t.task_type, "component");
    assert_string_equal(t.role, "developer");
    assert_string_equal(t.requirements, "");
    assert_null(t.notes);
    assert_false(t.blocked.present);
    aidf_task_release(&t);

    /* only headings */
    parse_str("## Goal\n## Task Type\n## Suggested Roles\n## Scope\n### Allowed\n"
              "### Forbidden\n### Ask Before\n## Requirements\n## Definition of Done\n"
              "## Notes\n## Status: BLOCKED\n### Execution Log\n### Blocking Issue\n"
              "### Files Modified\n",
              &t);
    assert_string_equal(t.task_type, "component");
    assert_int_equal(t.allowed.n, 0);
    aidf_task_release(&t);

    /* 1 MiB of '#' parses; one byte more is too big */
    char *hashes = aidf_xmalloc(AIDF_TASK_MAX_BYTES + 1);
    memset(hashes, '#', AIDF_TASK_MAX_BYTES + 1);
    memset(&t, 0, sizeof(t));
    assert_int_equal(aidf_task_parse(hashes, AIDF_TASK_MAX_BYTES, NULL, &t, &e), AIDF_OK);
    assert_string_equal(t.goal, "");
    aidf_task_release(&t);
    assert_int_equal(aidf_task_parse(hashes, AIDF_TASK_MAX_BYTES + 1, NULL, &t, &e), AIDF_ETOOBIG);
    assert_null(t.raw);
    free(hashes);

    /* 100k lines of "- x" in every list section */
    static const char *const heads[] = {"## Scope\n### Allowed\n", "## Suggested Roles\n",
                                        "## Definition of Done\n"};
    for (size_t h = 0; h < 3; h++) {
        size_t hl = strlen(heads[h]), n = 100000;
        char *s = aidf_xmalloc(hl + n * 4 + 1);
        memcpy(s, heads[h], hl);
        for (size_t i = 0; i < n; i++)
            memcpy(s + hl + i * 4, "- x\n", 4);
        s[hl + n * 4] = '\0';
        parse_str(s, &t);
        assert_int_equal(h == 0 ? t.allowed.n : h == 1 ? t.suggested_roles.n : 0, h == 2 ? 0 : n);
        assert_int_equal(t.definition_of_done.n, 0);
        aidf_task_release(&t);
        free(s);
    }

    /* patterns that would go quadratic with a naive regex-style rescan */
    static const char *const reps[] = {"- `", "**Started:** \n", "**Iterations:** x", "\n## ",
                                       "## Status: x"};
    for (size_t r = 0; r < sizeof(reps) / sizeof(reps[0]); r++) {
        static const char head[] = "## Status: BLOCKED\n### Execution Log\n"
                                   "### Files Modified\n";
        size_t rl = strlen(reps[r]), hl = sizeof(head) - 1;
        size_t n = (AIDF_TASK_MAX_BYTES - hl) / rl;
        char *s = aidf_xmalloc(hl + n * rl + 1);
        memcpy(s, head, hl);
        for (size_t i = 0; i < n; i++)
            memcpy(s + hl + i * rl, reps[r], rl);
        s[hl + n * rl] = '\0';
        parse_str(s, &t);
        assert_true(t.blocked.present);
        /* "- `- `- `" yields "- " items, as /- `([^`]+)`/g does */
        assert_int_equal(t.blocked.files_modified.n, r == 0 ? n / 2 : 0);
        if (r == 0)
            assert_string_equal(t.blocked.files_modified.items[0], "- ");
        aidf_task_release(&t);
        free(s);
    }

    /* NUL bytes */
    static const char nul[] = "## Goal\nab\0cd\n";
    memset(&t, 0, sizeof(t));
    assert_int_equal(aidf_task_parse(nul, sizeof(nul) - 1, NULL, &t, &e), AIDF_EINVAL);
    assert_string_equal(e.msg, "task file contains NUL bytes");
    assert_null(t.raw);

    /* invalid UTF-8 (a Latin-1 file, say) is refused with the byte offset: the APIs would
     * refuse the prompt built from it */
    static const char *const bad[] = {"## Goal\nd\xe9j\xe0 vu\n", "## Goal\n\xff\xfe",
                                      "## Goal\nok\n\xc0\xaf", "## Goal\n\xe2\x82"};
    static const char *const why[] = {
        "task file is not valid UTF-8 (byte offset 9); save it as UTF-8",
        "task file is not valid UTF-8 (byte offset 8); save it as UTF-8",
        "task file is not valid UTF-8 (byte offset 11); save it as UTF-8",
        "task file is not valid UTF-8 (byte offset 8); save it as UTF-8"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&t, 0, sizeof(t));
        assert_int_equal(aidf_task_parse(bad[i], strlen(bad[i]), NULL, &t, &e), AIDF_EINVAL);
        assert_string_equal(e.msg, why[i]);
        assert_null(t.raw);
    }
}

/* Every prefix of every fixture parses without crash or leak (ASan checks both). */
static void test_truncation(void **state)
{
    (void)state;
    static const char *const files[] = {"tasks/blocked.md", "tasks/template.md", "tasks/crlf.md",
                                        "tasks/hostile-headings.md"};
    for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        size_t len = 0;
        char *s = tu_read_data(files[f], &len);
        for (size_t cut = 0; cut <= len; cut++) {
            /* a fresh heap copy so reads past the cut are caught by ASan */
            char *p = aidf_xmalloc(cut ? cut : 1);
            memcpy(p, s, cut);
            struct aidf_task t;
            memset(&t, 0, sizeof(t));
            assert_int_equal(aidf_task_parse(p, cut, files[f], &t, NULL), AIDF_OK);
            assert_non_null(t.task_type);
            assert_non_null(t.role);
            aidf_task_release(&t);
            free(p);
        }
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),        cmocka_unit_test(test_template_style),
        cmocka_unit_test(test_crlf_equals_lf),   cmocka_unit_test(test_blocked_fixture),
        cmocka_unit_test(test_legacy_completed), cmocka_unit_test(test_hostile_headings),
        cmocka_unit_test(test_section_rules),    cmocka_unit_test(test_task_type),
        cmocka_unit_test(test_scope_lines),      cmocka_unit_test(test_blocked_rules),
        cmocka_unit_test(test_state_from_text),  cmocka_unit_test(test_load),
        cmocka_unit_test(test_hostile_inputs),   cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests_name("task", tests, NULL, NULL);
}
