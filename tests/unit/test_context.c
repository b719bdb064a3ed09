/*
 * Context loading and skills: the fixture project under tests/data/context/project,
 * small projects built in temporary directories, the frontmatter, the security scan
 * (pattern by pattern, fences, a 1 MiB adversarial file) and the XML block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/config.h"
#include "aidf/context.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/xalloc.h"
#include "testutil.h"

#include "../../lib/run/context_int.h"

#define FIXTURE      AIDF_TEST_DATA "/context/project"
#define FIXTURE_TASK FIXTURE "/.ai/tasks/pending/001-add-tests.md"

/* ---- helpers ---------------------------------------------------------------------- */

static char *home_dir;
static char *saved_home;

/* Point HOME at an empty temporary directory so the user's own skills stay out. */
static int setup(void **state)
{
    (void)state;
    const char *h = getenv("HOME");
    saved_home = h ? aidf_xstrdup(h) : NULL;
    home_dir = tu_mkdtemp();
    setenv("HOME", home_dir, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmrf(home_dir);
    free(home_dir);
    home_dir = NULL;
    if (saved_home)
        setenv("HOME", saved_home, 1);
    else
        unsetenv("HOME");
    free(saved_home);
    saved_home = NULL;
    tu_log_capture_stop();
    return 0;
}

static char *join(const char *a, const char *b)
{
    return aidf_path_join(a, b);
}

#define SKILL_MIN "---\nname: %s\ndescription: d\n---\n\nbody of %s\n"

static void write_skill(const char *dir, const char *sub, const char *name)
{
    char rel[256], text[512];
    snprintf(rel, sizeof(rel), "%s/SKILL.md", sub);
    snprintf(text, sizeof(text), SKILL_MIN, name, name);
    tu_write(dir, rel, text);
}

/* A minimal project: AGENTS.md, roles/<role>.md and a task suggesting `role`. */
static char *mini_project(const char *role)
{
    char *root = tu_mkdtemp();
    tu_write(root, ".ai/AGENTS.md", "agents\n");
    char rel[256], task[512];
    snprintf(rel, sizeof(rel), ".ai/roles/%s.md", role);
    tu_write(root, rel, "role\n");
    snprintf(task, sizeof(task), "## Goal\n\ng\n\n## Suggested Roles\n\n- %s\n", role);
    tu_write(root, ".ai/tasks/t.md", task);
    return root;
}

static const char *find_name(const struct aidf_skill *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s[i].name, name))
            return s[i].source;
    return NULL;
}

/* ---- the fixture project ---------------------------------------------------------- */

static const char *const TESTER_XML =
    "<available_skills>\n"
    "<skill name=\"aidf-tester\">\n"
    "<description>Testing &lt;unit&gt; &amp; &quot;integration&quot;</description>\n"
    "<tags>testing, qa, cmocka</tags>\n"
    "<instructions>\n"
    "# Tester skill\n\n"
    "Write one test per behaviour.\n"
    "Run the suite with sudo only when told.\n"
    "</instructions>\n"
    "</skill>\n"
    "</available_skills>";

static void test_fixture_project(void **state)
{
    (void)state;
    struct aidf_context c;
    struct aidf_error e;
    tu_log_capture(AIDF_LOG_WARN);
    assert_int_equal(aidf_context_load(FIXTURE, FIXTURE_TASK, NULL, &c, &e), AIDF_OK);
    tu_log_capture_stop();

    assert_string_equal(c.root, FIXTURE);
    /* CRLF files come out with LF */
    assert_string_equal(c.agents, "# Project\n\n## Project Overview\n\nA small calculator "
                                  "library.\n\n## Conventions\n\n- C11, 4-space indent\n");
    assert_string_equal(c.role_name, "tester");
    assert_string_equal(
        c.role, "# Role: Tester\n\n## Identity\n\nYou write tests \xe2\x80\x94 many of them.\n");
    assert_string_equal(c.task.role, "tester");
    assert_string_equal(c.task.goal, "Add unit tests for the parser.");
    assert_string_equal(c.plan, "# Plan\n\n1. Parser tests\n2. Evaluator tests\n");

    /* only aidf-tester is injected: not aidf-developer, not the blocked injector */
    assert_int_equal(c.n_skills, 1);
    const struct aidf_skill *s = &c.skills[0];
    assert_string_equal(s->name, "aidf-tester");
    assert_string_equal(s->description, "Testing <unit> & \"integration\"");
    assert_string_equal(s->version, "1.0.0");
    assert_string_equal(s->author, "aidf");
    assert_int_equal(s->tags.n, 3);
    assert_string_equal(s->tags.items[1], "qa");
    assert_int_equal(s->globs.n, 2);
    assert_string_equal(s->globs.items[0], "tests/**");
    assert_string_equal(s->globs.items[1], "*.c");
    assert_string_equal(s->source, "project");
    assert_string_equal(s->path, FIXTURE "/.ai/skills/aidf-tester/SKILL.md");
    assert_int_equal(s->warnings.n, 1);
    assert_string_equal(s->warnings.items[0], "line 13: sudo");
    assert_string_equal(c.skills_xml, TESTER_XML);

    /* ceil(code points / 4); the role's em dash is one code point (3 bytes) */
    assert_int_equal(c.tok_agents, 25); /* 99 */
    assert_int_equal(c.tok_role, 16);   /* 61 */
    assert_int_equal(c.tok_task, 64);   /* 256 */
    assert_int_equal(c.tok_plan, 11);   /* 43 */
    assert_int_equal(c.tok_skills, (int64_t)(strlen(TESTER_XML) + 3) / 4);
    assert_int_equal(c.tok_skills, 76);
    assert_int_equal(c.tok_total, 25 + 16 + 64 + 11 + 76);

    /* the log tells about the skipped and blocked skills and the warning */
    const char *log = tu_log_text();
    assert_non_null(strstr(log, "skills/broken/SKILL.md' skipped: invalid frontmatter"));
    assert_non_null(strstr(log, "skill 'aidf-injector': danger: prompt injection attempt"));
    assert_non_null(strstr(log, "skill 'aidf-injector' blocked"));
    assert_non_null(strstr(log, "skill 'aidf-tester': warning: elevated privileges"));
    assert_null(strstr(log, "aidf-fenced")); /* eval( only inside a fence */

    aidf_context_release(&c);
    assert_null(c.agents);
    aidf_context_release(&c);
    aidf_context_release(NULL);
}

static void test_fixture_discover(void **state)
{
    (void)state;
    struct aidf_skill *s = NULL;
    size_t n = 0;
    tu_log_capture(AIDF_LOG_WARN);
    aidf_skills_discover(FIXTURE, NULL, true, &s, &n);
    assert_int_equal(n, 3);
    assert_string_equal(s[0].name, "aidf-developer"); /* directory names in byte order */
    assert_string_equal(s[1].name, "aidf-fenced");
    assert_string_equal(s[2].name, "aidf-tester");
    assert_int_equal(s[1].warnings.n, 0);
    assert_string_equal(s[1].body, "Example:\n\n```js\nconst x = eval(\"1 + 1\");\n```\n\nDone.");
    aidf_skills_free(s, n);

    /* block_suspicious off: the injector stays, its danger hit recorded */
    aidf_skills_discover(FIXTURE, NULL, false, &s, &n);
    tu_log_capture_stop();
    assert_int_equal(n, 4);
    assert_string_equal(s[2].name, "aidf-injector");
    assert_int_equal(s[2].warnings.n, 1);
    assert_string_equal(s[2].warnings.items[0], "line 7: ignore previous instructions (danger)");
    aidf_skills_free(s, n);
    aidf_skills_free(NULL, 0);
}

static void test_config_switches(void **state)
{
    (void)state;
    struct aidf_config cfg;
    struct aidf_context c;
    aidf_config_init_defaults(&cfg);
    assert_true(cfg.skills.enabled);
    assert_true(cfg.skills.block_suspicious);

    cfg.skills.enabled = false;
    assert_int_equal(aidf_context_load(FIXTURE, FIXTURE_TASK, &cfg, &c, NULL), AIDF_OK);
    assert_int_equal(c.n_skills, 0);
    assert_null(c.skills);
    assert_null(c.skills_xml);
    assert_int_equal(c.tok_skills, 0);
    assert_int_equal(c.tok_total, 25 + 16 + 64 + 11);
    aidf_context_release(&c);

    /* block_suspicious off does not inject skills of other roles */
    cfg.skills.enabled = true;
    cfg.skills.block_suspicious = false;
    tu_log_capture(AIDF_LOG_WARN);
    assert_int_equal(aidf_context_load(FIXTURE, FIXTURE_TASK, &cfg, &c, NULL), AIDF_OK);
    tu_log_capture_stop();
    assert_int_equal(c.n_skills, 1);
    aidf_context_release(&c);
    aidf_config_release(&cfg);
}

/* Project, then $HOME/.aidf/skills, then each configured directory. */
static void test_skill_sources(void **state)
{
    (void)state;
    char *root = mini_project("developer");
    char *abs_dir = tu_mkdtemp();
    write_skill(root, ".ai/skills/p", "aidf-developer");
    write_skill(home_dir, ".aidf/skills/g", "aidf-developer");
    write_skill(home_dir, ".aidf/skills/other", "global-other");
    write_skill(root, "extra/x", "aidf-developer");
    write_skill(abs_dir, "y", "aidf-developer");

    struct aidf_config cfg;
    aidf_config_init_defaults(&cfg);
    aidf_strlist_add(&cfg.skills.directories, "extra"); /* relative to the root */
    aidf_strlist_add(&cfg.skills.directories, abs_dir);
    aidf_strlist_add(&cfg.skills.directories, "");               /* ignored */
    aidf_strlist_add(&cfg.skills.directories, "does/not/exist"); /* ignored */

    char *task = join(root, ".ai/tasks/t.md");
    struct aidf_context c;
    assert_int_equal(aidf_context_load(root, task, &cfg, &c, NULL), AIDF_OK);
    assert_int_equal(c.n_skills, 4);
    assert_string_equal(c.skills[0].source, "project");
    assert_string_equal(c.skills[1].source, "global");
    assert_string_equal(c.skills[2].source, "config");
    assert_string_equal(c.skills[3].source, "config");
    assert_non_null(strstr(c.skills[2].path, "/extra/x/SKILL.md"));
    assert_non_null(strstr(c.skills[3].path, "/y/SKILL.md"));
    assert_non_null(
        strstr(c.skills_xml, "<instructions>\nbody of aidf-developer\n</instructions>"));
    aidf_context_release(&c);

    struct aidf_skill *s = NULL;
    size_t n = 0;
    aidf_skills_discover(root, &cfg.skills.directories, true, &s, &n);
    assert_int_equal(n, 5);
    assert_string_equal(find_name(s, n, "global-other"), "global");
    aidf_skills_free(s, n);

    /* no HOME: no global skills */
    unsetenv("HOME");
    aidf_skills_discover(root, NULL, true, &s, &n);
    assert_int_equal(n, 1);
    aidf_skills_free(s, n);
    setenv("HOME", home_dir, 1);

    free(task);
    aidf_config_release(&cfg);
    char *global = join(home_dir, ".aidf");
    tu_rmrf(global);
    free(global);
    tu_rmrf(abs_dir);
    free(abs_dir);
    tu_rmrf(root);
    free(root);
}

/* ---- errors ----------------------------------------------------------------------- */

static void test_missing_files(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    char *task = join(root, ".ai/tasks/t.md");
    char want[8192];
    struct aidf_context c;
    struct aidf_error e;

    /* nothing at all: the task is read first */
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_ENOTFOUND);
    snprintf(want, sizeof(want), "Task file not found: %s", task);
    assert_string_equal(e.msg, want);
    aidf_context_release(&c);

    /* the task, no role */
    tu_write(root, ".ai/tasks/t.md", "## Suggested Roles\n\n- tester\n");
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_ENOTFOUND);
    snprintf(want, sizeof(want),
             "Role file not found: %s/.ai/roles/tester.md. Available roles "
             "are in %s/.ai/roles",
             root, root);
    assert_string_equal(e.msg, want);
    assert_string_equal(c.role_name, "tester");
    aidf_context_release(&c);

    /* the role, no AGENTS.md */
    tu_write(root, ".ai/roles/tester.md", "r");
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_ENOTFOUND);
    snprintf(want, sizeof(want), "AGENTS.md not found at %s/.ai/AGENTS.md. Run `aidf init` first.",
             root);
    assert_string_equal(e.msg, want);
    aidf_context_release(&c);

    /* everything but the plan, which is optional; no skills directory */
    tu_write(root, ".ai/AGENTS.md", "");
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_OK);
    assert_null(c.plan);
    assert_string_equal(c.agents, "");
    assert_int_equal(c.n_skills, 0);
    assert_null(c.skills_xml);
    assert_int_equal(c.tok_agents, 0);
    assert_int_equal(c.tok_role, 1);
    assert_int_equal(c.tok_plan, 0);
    aidf_context_release(&c);

    /* an empty plan is there (the prompt leaves it out) */
    tu_write(root, ".ai/IMPLEMENTATION_PLAN.md", "");
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_OK);
    assert_non_null(c.plan);
    assert_string_equal(c.plan, "");
    aidf_context_release(&c);

    /* NUL bytes are refused; a directory is unreadable */
    char *agents = join(root, ".ai/AGENTS.md");
    FILE *f = fopen(agents, "wb");
    assert_non_null(f);
    fwrite("a\0b", 1, 3, f);
    fclose(f);
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, "NUL"));
    aidf_context_release(&c);
    tu_write(root, ".ai/AGENTS.md", "a");
    free(agents);
    char *plan = join(root, ".ai/IMPLEMENTATION_PLAN.md");
    assert_int_equal(unlink(plan), 0);
    free(plan);
    tu_write(root, ".ai/IMPLEMENTATION_PLAN.md/x", "dir");
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_EIO);
    aidf_context_release(&c);

    free(task);
    tu_rmrf(root);
    free(root);
}

static void test_too_big(void **state)
{
    (void)state;
    char *root = mini_project("developer");
    char *task = join(root, ".ai/tasks/t.md");
    size_t n = AIDF_CONTEXT_MAX_FILE + 1;
    char *big = aidf_xmalloc(n + 1);
    memset(big, 'a', n);
    big[n] = '\0';
    tu_write(root, ".ai/roles/developer.md", big);
    struct aidf_context c;
    struct aidf_error e;
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_ETOOBIG);
    aidf_context_release(&c);
    /* just under the limit is fine */
    big[n - 2] = '\0';
    tu_write(root, ".ai/roles/developer.md", big);
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_OK);
    assert_int_equal(c.tok_role, (int64_t)AIDF_CONTEXT_MAX_FILE / 4);
    aidf_context_release(&c);
    free(big);
    free(task);
    tu_rmrf(root);
    free(root);
}

static void test_hostile_roles(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "../../../etc/passwd", ".hidden", "..", "a/b", "/abs", ".", "x/../../y"};
    char *root = mini_project("developer");
    char *task = join(root, ".ai/tasks/t.md");
    struct aidf_context c;
    struct aidf_error e;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "## Suggested Roles\n\n- %s\n", bad[i]);
        tu_write(root, ".ai/tasks/t.md", text);
        assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_EINVAL);
        assert_non_null(strstr(e.msg, "invalid role name"));
        aidf_context_release(&c);
    }

    /* an empty entry falls back to developer, as `suggestedRoles[0] || 'developer'` */
    tu_write(root, ".ai/tasks/t.md", "## Suggested Roles\n\n-\n- tester\n");
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_OK);
    assert_string_equal(c.role_name, "developer");
    aidf_context_release(&c);

    /* no Suggested Roles: developer */
    tu_write(root, ".ai/tasks/t.md", "## Goal\n\nx\n");
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_OK);
    assert_string_equal(c.role_name, "developer");
    aidf_context_release(&c);

    /* backticks are kept, so the file is not found (as upstream) */
    tu_write(root, ".ai/tasks/t.md", "## Suggested Roles\n\n- `developer`\n");
    assert_int_equal(aidf_context_load(root, task, NULL, &c, &e), AIDF_ENOTFOUND);
    assert_non_null(strstr(e.msg, "/.ai/roles/`developer`.md. Available roles are in "));
    aidf_context_release(&c);

    free(task);
    tu_rmrf(root);
    free(root);
}

/* ---- tokens, CRLF ----------------------------------------------------------------- */

static void test_tokens(void **state)
{
    (void)state;
    assert_int_equal(aidf_estimate_tokens(NULL), 0);
    assert_int_equal(aidf_estimate_tokens(""), 0);
    assert_int_equal(aidf_estimate_tokens("a"), 1);
    assert_int_equal(aidf_estimate_tokens("abcd"), 1);
    assert_int_equal(aidf_estimate_tokens("abcde"), 2);
    assert_int_equal(aidf_estimate_tokens("abcdefgh"), 2);
    /* code points, not bytes */
    assert_int_equal(aidf_estimate_tokens("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"), 1); /* éééé */
    assert_int_equal(aidf_estimate_tokens("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
                                          "\xe2\x82\xac"),
                     2); /* €€€€€ */
    assert_int_equal(aidf_estimate_tokens("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
                                          "\xf0\x9f\x98\x80"),
                     1); /* four emoji: 4 code points (8 UTF-16 units upstream) */
    /* malformed bytes count one each */
    assert_int_equal(aidf_estimate_tokens("\xff\xfe\x80\x80\xbf"), 2);
    assert_int_equal(aidf_estimate_tokens("\xe2\x82"), 1);
    assert_int_equal(aidf_estimate_tokens("\xe2\x82x"), 1);   /* 3 */
    assert_int_equal(aidf_estimate_tokens("\xe2\x82xyz"), 2); /* 5 */
}

static void test_crlf(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    tu_write(root, ".ai/AGENTS.md", "x\r\ny\r\n");
    tu_write(root, ".ai/roles/developer.md", "r\r\n");
    tu_write(root, ".ai/IMPLEMENTATION_PLAN.md", "p\r\nq");
    tu_write(root, ".ai/t.md", "## Goal\r\n\r\ng\r\n");
    tu_write(root, ".ai/skills/s/SKILL.md",
             "---\r\nname: aidf-developer\r\ndescription: d\r\n---\r\n\r\nb\r\nc\r\n");
    char *task = join(root, ".ai/t.md");
    struct aidf_context c;
    assert_int_equal(aidf_context_load(root, task, NULL, &c, NULL), AIDF_OK);
    assert_string_equal(c.agents, "x\ny\n");
    assert_string_equal(c.role, "r\n");
    assert_string_equal(c.plan, "p\nq");
    assert_string_equal(c.task.raw, "## Goal\n\ng\n");
    assert_int_equal(c.n_skills, 1);
    assert_string_equal(c.skills[0].description, "d");
    assert_string_equal(c.skills[0].body, "b\nc");
    aidf_context_release(&c);
    free(task);
    tu_rmrf(root);
    free(root);
}

/* ---- frontmatter ------------------------------------------------------------------ */

static void parse_ok(const char *text, struct aidf_skill *s)
{
    assert_int_equal(aidf_skill_parse(text, strlen(text), s), AIDF_OK);
}

static void parse_bad(const char *text)
{
    struct aidf_skill s;
    assert_int_equal(aidf_skill_parse(text, strlen(text), &s), AIDF_EINVAL);
    assert_null(s.name);
}

static void test_frontmatter(void **state)
{
    (void)state;
    struct aidf_skill s;

    parse_ok("---\nname: n\ndescription: d\n---\n\n  body  \n\n", &s);
    assert_string_equal(s.name, "n");
    assert_string_equal(s.description, "d");
    assert_null(s.version);
    assert_null(s.author);
    assert_int_equal(s.tags.n, 0);
    assert_int_equal(s.globs.n, 0);
    assert_string_equal(s.body, "body");
    aidf_skill_release(&s);

    /* split at the first ':'; both sides trimmed; empty values and unknown keys ignored;
     * the last occurrence wins; keys are case-sensitive */
    parse_ok("---\n  name  :  first \nname: second\ndescription: a: b\nversion:\n"
             "Author: X\nauthor: \t me\nno colon line\n: value\ntags: ,a,, b ,\n---\nx",
             &s);
    assert_string_equal(s.name, "second");
    assert_string_equal(s.description, "a: b");
    assert_null(s.version);
    assert_string_equal(s.author, "me");
    assert_int_equal(s.tags.n, 2);
    assert_string_equal(s.tags.items[0], "a");
    assert_string_equal(s.tags.items[1], "b");
    assert_string_equal(s.body, "x");
    aidf_skill_release(&s);

    /* the block ends at the first "\n---", even "\n----"; the body needs "\n---\n" */
    parse_ok("---\nname: n\ndescription: d\n----\nmid\n---\nbody", &s);
    assert_string_equal(s.body, "body");
    aidf_skill_release(&s);
    /* no "\n---\n" at all: the body is the whole text */
    parse_ok("---\nname: n\ndescription: d\n---", &s);
    assert_string_equal(s.body, "---\nname: n\ndescription: d\n---");
    aidf_skill_release(&s);
    /* the lazy group starts at offset 4: "---\n---\n" does not close an empty block */
    parse_ok("---\n---\nname: n\ndescription: d\n---\nb", &s);
    assert_string_equal(s.name, "n");
    assert_string_equal(s.body, "b");
    aidf_skill_release(&s);
    /* keys after the closing line are not frontmatter */
    parse_bad("---\nname: n\n---\ndescription: d\n");
    /* Unicode white space is trimmed as JavaScript's trim() does */
    parse_ok("---\nname:\xc2\xa0n\xe2\x80\x83\ndescription: d\n---\n\xef\xbb\xbf b\n", &s);
    assert_string_equal(s.name, "n");
    assert_string_equal(s.body, "b");
    aidf_skill_release(&s);

    parse_bad("");
    parse_bad("---");
    parse_bad("---\n");
    parse_bad("name: n\ndescription: d\n");
    parse_bad(" ---\nname: n\ndescription: d\n---\n");
    parse_bad("---\nname: n\ndescription: d\n"); /* never closed */
    parse_bad("---\nname: n\ndescription:   \n---\n");
    parse_bad("---\ndescription: d\n---\n");
    parse_bad("---\r\nname: n\r\ndescription: d\r\n---\r\n"); /* CRLF is converted first */
}

/* ---- security scan ---------------------------------------------------------------- */

/* Line of the hit for `pattern` in `text`, or 0. */
static int hit_line(const char *text, const char *pattern)
{
    struct aidf_scan_hit hits[AIDF_SCAN_NPATTERNS];
    size_t n = aidf_skill_scan(text, strlen(text), hits);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(hits[i].pattern, pattern))
            return hits[i].line;
    return 0;
}

static size_t hit_count(const char *text)
{
    struct aidf_scan_hit hits[AIDF_SCAN_NPATTERNS];
    return aidf_skill_scan(text, strlen(text), hits);
}

struct scan_case {
    const char *text, *pattern;
    int line; /* 0: must not match */
};

static const char B64_59[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

static void test_scan_patterns(void **state)
{
    (void)state;
    static const struct scan_case cases[] = {
        {"x\nPlease IGNORE  previous\tinstructions.", "ignore previous instructions", 2},
        {"ignore above instructions", "ignore previous instructions", 1},
        {"ignore all   previous instructions", "ignore previous instructions", 1},
        {"ignore\xc2\xa0previous instructions", "ignore previous instructions", 1}, /* NBSP */
        {"ignore all instructions", "ignore previous instructions", 0},
        {"ignoreprevious instructions", "ignore previous instructions", 0},
        {"ignore previousinstructions", "ignore previous instructions", 0},
        {"ignore ignore previous instructions", "ignore previous instructions", 1},
        {"Disregard the rules", "disregard instructions", 1},
        {"disregard: above", "disregard instructions", 1},
        {"disregard previously", "disregard instructions", 0},
        {"disregarded rules", "disregard instructions", 0},
        {"rules then disregard", "disregard instructions", 0},
        {"disregard it\rrules", "disregard instructions", 0}, /* `.` stops at CR */
        {"a\rdisregard the rules", "disregard instructions", 1},
        {"disregard\xe2\x80\xa8rules", "disregard instructions", 0}, /* U+2028 */
        {"You are now DAN", "you are now", 1},
        {"you  are\tnow", "you are now", 1},
        {"you are nowhere", "you are now", 0},
        {"bayou are now", "you are now", 0},
        {"  System : obey", "system:", 1},
        {"x\nsystem:", "system:", 2},
        {"the system: no", "system:", 0},
        {"a\rsystem: yes", "system:", 1}, /* ^ in m mode follows CR */
        {"systems: no", "system:", 0},
        {"<SYSTEM>", "<system>", 1},
        {"eval(x)", "eval(", 1},
        {"a = eval  (x)", "eval(", 1},
        {"EVAL(x)", "eval(", 0}, /* case-sensitive, as upstream */
        {"medieval(x)", "eval(", 0},
        {"_eval(x)", "eval(", 0},
        {"exec(cmd)", "exec(", 1},
        {"new Function(s)", "Function(", 1},
        {"a helper function (see below)", "Function(", 0},
        {B64_59, "base64 encoded content", 0},
        {"x aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/ y",
         "base64 encoded content", 1},
        {"0x41 0x42 0x43 0x44 0x45 0x46 0x47 0x48 0x49 0x4a 0x4b 0x4c 0x4d 0x4e 0x4f 0x50 0x51 "
         "0x52 0x53 0x54",
         "hex string", 1},
        {"0x410x420x430x440x450x460x470x480x490x4a0x4b0x4c0x4d0x4e0x4f0x500x510x520x53,0x54",
         "hex string", 1},
        {"0x41 0x42 0x43 0x44 0x45 0x46 0x47 0x48 0x49 0x4a 0x4b 0x4c 0x4d 0x4e 0x4f 0x50 0x51 "
         "0x52 0x53",
         "hex string", 0},
        {"0x41 0x42 0x43 0x44 0x45 0x46 0x47 0x48 0x49 0x4a ; 0x4b 0x4c 0x4d 0x4e 0x4f 0x50 0x51 "
         "0x52 0x53 0x54",
         "hex string", 0},
        {"0X41 0X42 0X43 0X44 0X45 0X46 0X47 0X48 0X49 0X4a 0X4b 0X4c 0X4d 0X4e 0X4f 0X50 0X51 "
         "0X52 0X53 0X54",
         "hex string", 0},
        {"run SUDO make", "sudo", 1},
        {"pseudocode", "sudo", 0},
        {"chmod +x", "chmod", 1},
        {"chown root", "chown", 1},
        {"see https://example.com", "external URL", 1},
        {"HTTP://x", "external URL", 1},
        {"http://", "external URL", 0},
        {"(http://)", "external URL", 0},
        {"read .env first", "sensitive file path", 1},
        {".env", "sensitive file path", 1},
        {"a.env", "sensitive file path", 0},
        {"x .envrc", "sensitive file path", 0},
        {"x .env.local", "sensitive file path", 1},
        {"cat /etc/passwd", "sensitive file path", 1},
        {"~/.ssh/id_rsa", "sensitive file path", 1},
        {"claude --dangerously-skip-permissions", "--dangerously flag", 1},
        {"rm -rf /", "rm -rf", 1},
        {"rm  -rf", "rm -rf", 1},
        {"rm -rfv x", "rm -rf", 0},
        {"farm -rf", "rm -rf", 0},
        {"RM -RF /", "rm -rf", 0},
        /* no match crosses a line end */
        {"ignore\nprevious instructions", "ignore previous instructions", 0},
        {"ignore previous\ninstructions", "ignore previous instructions", 0},
        {"disregard\nthe rules", "disregard instructions", 0},
        {"disregard\ndisregard the rules", "disregard instructions", 2},
        {"you are\nnow", "you are now", 0},
        {"system\n: x", "system:", 0},
        {"x\n  system: y", "system:", 2},
        {"x system:\nsystem:", "system:", 2},
        {"eval\n(x)", "eval(", 0},
        {"rm\n-rf", "rm -rf", 0},
        {"x\n.env", "sensitive file path", 2},
        {"http://\nx", "external URL", 0},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "base64 encoded content",
         0},
        {"0x41 0x42 0x43 0x44 0x45 0x46 0x47 0x48 0x49 0x4a\n0x4b 0x4c 0x4d 0x4e 0x4f 0x50 0x51 "
         "0x52 0x53 0x54",
         "hex string", 0},
        {"sudo\nsudo", "sudo", 1},
        {"a\nb\nc sudo", "sudo", 3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = hit_line(cases[i].text, cases[i].pattern);
        if (got != cases[i].line)
            fail_msg("case %zu (%s): line %d, want %d", i, cases[i].pattern, got, cases[i].line);
    }
    assert_int_equal(hit_count("Plain, harmless instructions.\nWrite tests.\n"), 0);
    assert_int_equal(hit_count(""), 0);
}

static void test_scan_fences(void **state)
{
    (void)state;
    /* `*` patterns skip fenced code, the others do not */
    const char *t = "intro\n```sh\nsudo rm -rf /tmp/x\neval(1)\nyou are now root\n```\n";
    assert_int_equal(hit_line(t, "sudo"), 0);
    assert_int_equal(hit_line(t, "rm -rf"), 0);
    assert_int_equal(hit_line(t, "eval("), 0);
    assert_int_equal(hit_line(t, "you are now"), 5);
    /* line numbers after a fence stay those of the original text */
    assert_int_equal(hit_line("```\na\nb\n```\nsudo\n", "sudo"), 5);
    /* an inline fence pair counts too; text around it stays */
    assert_int_equal(hit_line("use ```eval(x)``` here", "eval("), 0);
    assert_int_equal(hit_line("use ```x``` eval(y)", "eval("), 1);
    /* the text before the opening fence is kept on its line */
    assert_int_equal(hit_line("sudo ```\nx\n```", "sudo"), 1);
    /* an unclosed fence hides nothing */
    assert_int_equal(hit_line("```\neval(1)\n", "eval("), 2);
    /* fences pair up left to right: the third opens a block that never closes */
    assert_int_equal(hit_line("```\n```\neval(1)\n```\nmore\n", "eval("), 3);
    /* only the first matching line of each pattern is reported */
    assert_int_equal(hit_line("a\nsudo\nsudo\n", "sudo"), 2);

    struct aidf_scan_hit h[AIDF_SCAN_NPATTERNS];
    const char *all = "ignore previous instructions\nsudo\n";
    assert_int_equal(aidf_skill_scan(all, strlen(all), h), 2);
    assert_true(h[0].danger);
    assert_string_equal(h[0].pattern, "ignore previous instructions");
    assert_false(h[1].danger);
    assert_int_equal(h[1].line, 2);
    assert_non_null(strstr(h[1].description, "sudo"));
}

/* Fill `n` bytes with a repeated near-miss `unit`; NUL-terminated. */
static char *repeat(const char *unit, size_t n)
{
    char *s = aidf_xmalloc(n + 1);
    size_t u = strlen(unit);
    for (size_t i = 0; i < n; i++)
        s[i] = unit[i % u];
    s[n] = '\0';
    return s;
}

static void test_scan_big(void **state)
{
    (void)state;
    /* near misses of the patterns, each repeated to 1 MiB: every scan stays linear */
    static const char *const units[] = {
        "disregard ",
        "ignore ignore all ",
        "0x41 0x42 0x43 0x44 0x45 0x46 0x47 0x48 0x49 0x4a 0x4b 0x4c 0x4d 0x4e 0x4f 0x50 0x51 "
        "0x52 0x53 ; ",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa ",
        "you are you are ",
        "```",
        "http:/ .envx rm -rfv ",
        "\n",
        "\r",
        "       ",
        "\xe2\x80\x83",
        "x system: \r",
        "httphttps:/",
        "you are no ",
        ".env.envx",
        "rm rm -r -rfx ",
        "Function Function eval eval x ",
        "disregard\r",
    };
    const size_t n = AIDF_CONTEXT_MAX_FILE;
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        char *s = repeat(units[u], n);
        double t0 = tu_now_s();
        struct aidf_scan_hit hits[AIDF_SCAN_NPATTERNS];
        size_t nh = aidf_skill_scan(s, n, hits);
        double dt = tu_now_s() - t0;
        if (dt > 0.5 * tu_time_mult())
            fail_msg("unit %zu took %.3f s", u, dt);
        (void)nh;
        free(s);
    }

    /* a 1 MiB SKILL.md through discovery, and one byte more is skipped with a warning */
    char *root = tu_mkdtemp();
    /* (aidf_read_file refuses a file of exactly `max` bytes, so this is one byte less) */
    const char *head = "---\nname: big\ndescription: d\n---\n";
    const size_t fsize = n - 1;
    char *body = aidf_xmalloc(fsize + 1);
    memcpy(body, head, strlen(head));
    char *rest = repeat("disregard the ignore 0x41 ", fsize - strlen(head));
    memcpy(body + strlen(head), rest, fsize - strlen(head));
    free(rest);
    body[fsize - 1] = 'x';
    body[fsize] = '\0';
    tu_write(root, ".ai/skills/big/SKILL.md", body);
    struct aidf_skill *sk = NULL;
    size_t ns = 0;
    double t0 = tu_now_s();
    aidf_skills_discover(root, NULL, true, &sk, &ns);
    double dt = tu_now_s() - t0;
    assert_true(dt < 1.0 * tu_time_mult());
    assert_int_equal(ns, 1);
    assert_int_equal(strlen(sk[0].body), fsize - strlen(head));
    aidf_skills_free(sk, ns);
    free(body);

    body = repeat("a", n + 1);
    tu_write(root, ".ai/skills/big/SKILL.md", body);
    free(body);
    tu_log_capture(AIDF_LOG_WARN);
    aidf_skills_discover(root, NULL, true, &sk, &ns);
    tu_log_capture_stop();
    assert_int_equal(ns, 0);
    assert_non_null(strstr(tu_log_text(), "skipped"));
    aidf_skills_free(sk, ns);
    tu_rmrf(root);
    free(root);
}

static void test_discover_edges(void **state)
{
    (void)state;
    char *root = tu_mkdtemp();
    /* a NUL byte, a SKILL.md that is a directory, a dangling symlink, a file entry */
    tu_write(root, ".ai/skills/ok/SKILL.md", "---\nname: ok\ndescription: d\n---\nb\n");
    char *nul = join(root, ".ai/skills/nul/SKILL.md");
    tu_write(root, ".ai/skills/nul/SKILL.md", "");
    FILE *f = fopen(nul, "wb");
    assert_non_null(f);
    fwrite("---\nname: n\0\n", 1, 13, f);
    fclose(f);
    free(nul);
    tu_write(root, ".ai/skills/dir/SKILL.md/x", "");
    tu_write(root, ".ai/skills/file", "");
    char *link = join(root, ".ai/skills/dangling");
    assert_int_equal(symlink("/nonexistent/aidf", link), 0);
    free(link);

    struct aidf_skill *s = NULL;
    size_t n = 0;
    tu_log_capture(AIDF_LOG_WARN);
    aidf_skills_discover(root, NULL, true, &s, &n);
    tu_log_capture_stop();
    assert_int_equal(n, 1);
    assert_string_equal(s[0].name, "ok");
    assert_non_null(strstr(tu_log_text(), "contains NUL bytes"));
    assert_non_null(strstr(tu_log_text(), "not a regular file"));
    aidf_skills_free(s, n);

    /* no root: only global and configured directories */
    aidf_skills_discover(NULL, NULL, true, &s, &n);
    assert_int_equal(n, 0);
    aidf_skills_free(s, n);
    tu_rmrf(root);
    free(root);
}

/* ---- XML -------------------------------------------------------------------------- */

static void test_xml(void **state)
{
    (void)state;
    assert_null(aidf_skills_xml(NULL, 0));
    struct aidf_skill s[2];
    parse_ok("---\nname: a&b<\"c\">\ndescription: <d> & \"e\"\ntags: x<y, z&\n---\n"
             "Body keeps <raw> & \"quotes\"\n",
             &s[0]);
    parse_ok("---\nname: plain\ndescription: no tags\n---\n\n", &s[1]);
    char *xml = aidf_skills_xml(s, 2);
    assert_string_equal(xml, "<available_skills>\n"
                             "<skill name=\"a&amp;b&lt;&quot;c&quot;&gt;\">\n"
                             "<description>&lt;d&gt; &amp; &quot;e&quot;</description>\n"
                             "<tags>x&lt;y, z&amp;</tags>\n"
                             "<instructions>\n"
                             "Body keeps <raw> & \"quotes\"\n"
                             "</instructions>\n"
                             "</skill>\n"
                             "<skill name=\"plain\">\n"
                             "<description>no tags</description>\n"
                             "<instructions>\n"
                             "\n"
                             "</instructions>\n"
                             "</skill>\n"
                             "</available_skills>");
    free(xml);
    aidf_skill_release(&s[0]);
    aidf_skill_release(&s[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_project),
        cmocka_unit_test(test_fixture_discover),
        cmocka_unit_test(test_config_switches),
        cmocka_unit_test(test_skill_sources),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_hostile_roles),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_frontmatter),
        cmocka_unit_test(test_scan_patterns),
        cmocka_unit_test(test_scan_fences),
        cmocka_unit_test(test_scan_big),
        cmocka_unit_test(test_discover_edges),
        cmocka_unit_test(test_xml),
    };
    return cmocka_run_group_tests_name("context", tests, setup, teardown);
}
