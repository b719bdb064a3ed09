/*
 * Tests of the git module against real temporary repositories: snapshots and the
 * changes an iteration made, staging and commits, reverting, push.
 *
 * main() points HOME at an empty directory and sets GIT_CONFIG_NOSYSTEM, so the user's
 * git configuration (identity, hooks, default branch...) never leaks in; each repository
 * gets its identity in its own config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/err.h"
#include "aidf/fsutil.h"
#include "aidf/git.h"
#include "aidf/report.h"
#include "aidf/scope.h"
#include "aidf/xalloc.h"
#include "testutil.h"

static char *g_home;

/* Run a shell command in `dir`; fails the test when it exits non-zero. */
static void sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sh(const char *dir, const char *fmt, ...)
{
    char cmd[8192], inner[7000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(inner, sizeof(inner), fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof(cmd), "cd '%s' && { %s; } >/dev/null 2>&1", dir, inner);
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("command failed (%d): %s", rc, inner);
}

/* Output of a shell command in `dir` (trailing newline removed); heap string. */
static char *sh_out(const char *dir, const char *cmdline)
{
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cd '%s' && %s 2>/dev/null", dir, cmdline);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, p);
    pclose(p);
    while (n > 0 && buf[n - 1] == '\n')
        n--;
    buf[n] = '\0';
    return aidf_xstrdup(buf);
}

static void rm(const char *dir, const char *rel)
{
    char *p = aidf_path_join(dir, rel);
    assert_int_equal(unlink(p), 0);
    free(p);
}

/* An empty repository with a local identity. */
static char *new_repo_empty(void)
{
    char *dir = tu_mkdtemp();
    sh(dir, "git init -q && git config user.name Test && git config user.email t@example.com "
            "&& git config commit.gpgsign false");
    return dir;
}

/* A repository with a.txt, b.txt, sub/c.txt committed. */
static char *new_repo(void)
{
    char *dir = new_repo_empty();
    tu_write(dir, "a.txt", "alpha\n");
    tu_write(dir, "b.txt", "beta\n");
    tu_write(dir, "sub/c.txt", "gamma\n");
    sh(dir, "git add -A && git commit -q -m init");
    return dir;
}

static void drop_repo(char *dir)
{
    tu_rmrf(dir);
    free(dir);
}

/* Kind of `path` in `c`, or -1 when it is not listed. */
static int kind_of(const struct aidf_git_changes *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->items[i].path, path))
            return (int)c->items[i].kind;
    return -1;
}

static void assert_sorted(const struct aidf_git_changes *c)
{
    for (size_t i = 1; i < c->n; i++)
        assert_true(strcmp(c->items[i - 1].path, c->items[i].path) < 0);
}

static struct aidf_git_snapshot *snap(const char *dir)
{
    struct aidf_git_snapshot *s = NULL;
    struct aidf_error e = {0};
    int rc = aidf_git_snapshot_take(dir, &s, &e);
    if (rc != AIDF_OK)
        fail_msg("snapshot: %s", e.msg);
    assert_non_null(s);
    return s;
}

static void changes(const char *dir, const struct aidf_git_snapshot *s,
                    const struct aidf_strlist *ignore, struct aidf_git_changes *c)
{
    struct aidf_error e = {0};
    int rc = aidf_git_changes_since(dir, s, ignore, c, &e);
    if (rc != AIDF_OK)
        fail_msg("changes: %s", e.msg);
    assert_sorted(c);
}

static void test_is_repo(void **state)
{
    (void)state;
    char *plain = tu_mkdtemp();
    assert_false(aidf_git_is_repo(plain));
    assert_false(aidf_git_is_repo("/nonexistent/aidf/dir"));

    char *dir = new_repo();
    char *sub = aidf_path_join(dir, "sub");
    assert_true(aidf_git_is_repo(dir));
    assert_true(aidf_git_is_repo(sub));

    struct aidf_git_snapshot *s = NULL;
    struct aidf_error e = {0};
    assert_int_equal(aidf_git_snapshot_take(plain, &s, &e), AIDF_EIO);
    assert_null(s);
    assert_non_null(strstr(e.msg, "git rev-parse failed: "));
    free(sub);
    drop_repo(dir);
    drop_repo(plain);
}

static void test_basic_changes(void **state)
{
    (void)state;
    char *dir = new_repo();
    struct aidf_git_snapshot *s = snap(dir);
    struct aidf_git_changes c;

    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 0); /* nothing happened */
    aidf_git_changes_release(&c);

    tu_write(dir, "a.txt", "alpha 2\n");
    rm(dir, "b.txt");
    tu_write(dir, "new.txt", "n\n");
    tu_write(dir, "newdir/deep/y.txt", "y\n");
    tu_write(dir, "newdir/z.txt", "z\n");
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 5);
    assert_int_equal(kind_of(&c, "a.txt"), AIDF_CHANGE_MODIFIED);
    assert_int_equal(kind_of(&c, "b.txt"), AIDF_CHANGE_DELETED);
    assert_int_equal(kind_of(&c, "new.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "newdir/deep/y.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "newdir/z.txt"), AIDF_CHANGE_CREATED);
    assert_string_equal(c.items[0].path, "a.txt");
    aidf_git_changes_release(&c);
    assert_int_equal(c.n, 0);
    assert_null(c.items);
    aidf_git_changes_release(NULL);

    /* Taken from a subdirectory: same paths, relative to the top. */
    char *sub = aidf_path_join(dir, "sub");
    tu_write(dir, "sub/c.txt", "gamma 2\n");
    changes(sub, s, NULL, &c);
    assert_int_equal(c.n, 6);
    assert_int_equal(kind_of(&c, "sub/c.txt"), AIDF_CHANGE_MODIFIED);
    aidf_git_changes_release(&c);

    /* Symlinks: a new one is created; retargeting a dirty one is a modification. */
    struct aidf_git_snapshot *s2 = snap(dir);
    char *lnk = aidf_path_join(dir, "link");
    assert_int_equal(symlink("a.txt", lnk), 0);
    changes(dir, s2, NULL, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(kind_of(&c, "link"), AIDF_CHANGE_CREATED);
    aidf_git_changes_release(&c);
    aidf_git_snapshot_free(s2);
    s2 = snap(dir);
    assert_int_equal(unlink(lnk), 0);
    assert_int_equal(symlink("new.txt", lnk), 0);
    changes(dir, s2, NULL, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(kind_of(&c, "link"), AIDF_CHANGE_MODIFIED);
    aidf_git_changes_release(&c);
    free(lnk);
    aidf_git_snapshot_free(s2);

    free(sub);
    aidf_git_snapshot_free(s);
    aidf_git_snapshot_free(NULL);
    drop_repo(dir);
}

static void test_odd_names(void **state)
{
    (void)state;
    char *dir = new_repo();
    struct aidf_git_snapshot *s = snap(dir);
    tu_write(dir, "a b.txt", "1\n");
    tu_write(dir, "\xc3\xbc.c", "2\n");
    tu_write(dir, "*.md", "3\n");
    tu_write(dir, "dir with space/[x]?.txt", "4\n");
    tu_write(dir, "quote\"back\\slash\ttab.txt", "5\n");
    struct aidf_git_changes c;
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 5);
    assert_int_equal(kind_of(&c, "a b.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "\xc3\xbc.c"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "*.md"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "dir with space/[x]?.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "quote\"back\\slash\ttab.txt"), AIDF_CHANGE_CREATED);
    aidf_git_changes_release(&c);

    /* `*.md` is a name, not a glob: adding it leaves readme.md alone. */
    tu_write(dir, "readme.md", "r\n");
    struct aidf_strlist l = {0};
    aidf_strlist_add(&l, "*.md");
    aidf_strlist_add(&l, "a b.txt");
    aidf_strlist_add(&l, "\xc3\xbc.c");
    struct aidf_error e = {0};
    assert_int_equal(aidf_git_add(dir, &l, &e), AIDF_OK);
    char *staged = sh_out(
        dir, "git -c core.quotepath=off diff --cached --name-only | LC_ALL=C sort | tr '\\n' '|'");
    assert_string_equal(staged, "*.md|a b.txt|\xc3\xbc.c|");
    free(staged);
    aidf_strlist_release(&l);
    aidf_git_snapshot_free(s);
    drop_repo(dir);
}

static void test_dirty_before(void **state)
{
    (void)state;
    char *dir = new_repo();
    tu_write(dir, "a.txt", "user edit\n");     /* dirty, modified again below */
    tu_write(dir, "b.txt", "user edit\n");     /* dirty, the agent reverts it */
    tu_write(dir, "sub/c.txt", "user edit\n"); /* dirty, untouched */
    tu_write(dir, "u.txt", "untracked\n");     /* untracked, modified below */
    tu_write(dir, "v.txt", "untracked\n");     /* untracked, deleted below */
    tu_write(dir, "w.txt", "untracked\n");     /* untracked, untouched */
    struct aidf_git_snapshot *s = snap(dir);
    struct aidf_git_changes c;
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 0);
    aidf_git_changes_release(&c);

    tu_write(dir, "a.txt", "agent edit\n");
    sh(dir, "git checkout -q -- b.txt");
    tu_write(dir, "u.txt", "untracked, edited\n");
    rm(dir, "v.txt");
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 4);
    assert_int_equal(kind_of(&c, "a.txt"), AIDF_CHANGE_MODIFIED);
    assert_int_equal(kind_of(&c, "b.txt"), AIDF_CHANGE_MODIFIED);
    assert_int_equal(kind_of(&c, "u.txt"), AIDF_CHANGE_MODIFIED);
    assert_int_equal(kind_of(&c, "v.txt"), AIDF_CHANGE_DELETED);
    assert_int_equal(kind_of(&c, "sub/c.txt"), -1);
    assert_int_equal(kind_of(&c, "w.txt"), -1);
    aidf_git_changes_release(&c);

    /* Staging alone changes the status: listed too. */
    aidf_git_snapshot_free(s);
    s = snap(dir);
    sh(dir, "git add sub/c.txt");
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(kind_of(&c, "sub/c.txt"), AIDF_CHANGE_MODIFIED);
    aidf_git_changes_release(&c);

    /* A tracked file deleted by the user and brought back by the agent: modified. */
    aidf_git_snapshot_free(s);
    rm(dir, "a.txt");
    s = snap(dir);
    tu_write(dir, "a.txt", "back\n");
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(kind_of(&c, "a.txt"), AIDF_CHANGE_MODIFIED);
    aidf_git_changes_release(&c);

    aidf_git_snapshot_free(s);
    drop_repo(dir);
}

static void test_rename(void **state)
{
    (void)state;
    char *dir = new_repo();
    struct aidf_git_snapshot *s = snap(dir);
    sh(dir, "git mv a.txt renamed.txt && git mv sub/c.txt 'sub/c 2.txt'");
    struct aidf_git_changes c;
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 4);
    assert_int_equal(kind_of(&c, "a.txt"), AIDF_CHANGE_DELETED);
    assert_int_equal(kind_of(&c, "renamed.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "sub/c.txt"), AIDF_CHANGE_DELETED);
    assert_int_equal(kind_of(&c, "sub/c 2.txt"), AIDF_CHANGE_CREATED);
    aidf_git_changes_release(&c);

    /* Untracked by `git rm --cached`: still there, so modified (its status changed). */
    aidf_git_snapshot_free(s);
    s = snap(dir);
    sh(dir, "git rm -q --cached b.txt");
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(kind_of(&c, "b.txt"), AIDF_CHANGE_MODIFIED);
    aidf_git_changes_release(&c);
    aidf_git_snapshot_free(s);
    drop_repo(dir);
}

static void test_agent_commits(void **state)
{
    (void)state;
    char *dir = new_repo();
    tu_write(dir, "pre.txt", "untracked before\n");
    struct aidf_git_snapshot *s = snap(dir);
    tu_write(dir, "a.txt", "agent\n");
    tu_write(dir, "f.txt", "new\n");
    tu_write(dir, "pre.txt", "edited\n");
    rm(dir, "b.txt");
    sh(dir, "git add -A && git commit -q -m 'agent 1'");
    tu_write(dir, "g/h.txt", "second commit\n");
    sh(dir, "git add -A && git commit -q -m 'agent 2'");
    tu_write(dir, "sub/c.txt", "not committed\n");
    struct aidf_git_changes c;
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 6);
    assert_int_equal(kind_of(&c, "a.txt"), AIDF_CHANGE_MODIFIED);
    assert_int_equal(kind_of(&c, "b.txt"), AIDF_CHANGE_DELETED);
    assert_int_equal(kind_of(&c, "f.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "g/h.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "pre.txt"), AIDF_CHANGE_MODIFIED);
    assert_int_equal(kind_of(&c, "sub/c.txt"), AIDF_CHANGE_MODIFIED);
    aidf_git_changes_release(&c);

    /* Committed a new file, then changed it again: still created. */
    aidf_git_snapshot_free(s);
    s = snap(dir);
    tu_write(dir, "k.txt", "1\n");
    sh(dir, "git add k.txt && git commit -q -m k");
    tu_write(dir, "k.txt", "2\n");
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(kind_of(&c, "k.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "sub/c.txt"), -1); /* dirty before, untouched */
    aidf_git_changes_release(&c);
    aidf_git_snapshot_free(s);
    drop_repo(dir);
}

static void test_no_commits(void **state)
{
    (void)state;
    char *dir = new_repo_empty();
    tu_write(dir, "before.txt", "x\n");
    struct aidf_git_snapshot *s = snap(dir);
    tu_write(dir, "one.txt", "1\n");
    tu_write(dir, "d/two.txt", "2\n");
    sh(dir, "git add d/two.txt");
    struct aidf_git_changes c;
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(kind_of(&c, "one.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "d/two.txt"), AIDF_CHANGE_CREATED);
    aidf_git_changes_release(&c);

    /* The agent makes the first commit. */
    sh(dir, "git add -A && git commit -q -m first");
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 3);
    assert_int_equal(kind_of(&c, "one.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "d/two.txt"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "before.txt"), AIDF_CHANGE_MODIFIED); /* existed, now tracked */
    aidf_git_changes_release(&c);
    aidf_git_snapshot_free(s);
    drop_repo(dir);
}

static void test_ignore_prefixes(void **state)
{
    (void)state;
    char *dir = new_repo();
    tu_write(dir, ".gitignore", "build/\n");
    sh(dir, "git add .gitignore && git commit -q -m ignore");
    struct aidf_git_snapshot *s = snap(dir);
    tu_write(dir, ".ai/reports/run.json", "{}\n");
    tu_write(dir, ".ai/tasks.md", "t\n");
    tu_write(dir, "src/a.c", "int x;\n");
    tu_write(dir, "build/out.o", "obj\n"); /* ignored by .gitignore: invisible */
    struct aidf_strlist ign = {0};
    aidf_strlist_add(&ign, ".ai/reports/");
    struct aidf_git_changes c;
    changes(dir, s, &ign, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(kind_of(&c, ".ai/tasks.md"), AIDF_CHANGE_CREATED);
    assert_int_equal(kind_of(&c, "src/a.c"), AIDF_CHANGE_CREATED);
    aidf_git_changes_release(&c);
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 3);
    aidf_git_changes_release(&c);
    aidf_strlist_release(&ign);
    aidf_git_snapshot_free(s);
    drop_repo(dir);
}

static void test_add_commit(void **state)
{
    (void)state;
    char *dir = new_repo();
    struct aidf_error e = {0};
    bool nothing = false;
    char *sha = NULL;

    assert_int_equal(aidf_git_commit(dir, "empty", &nothing, &sha, &e), AIDF_OK);
    assert_true(nothing);
    assert_null(sha);

    tu_write(dir, "pre.txt", "untracked\n");
    struct aidf_git_snapshot *s = snap(dir);
    tu_write(dir, "a.txt", "changed\n");
    rm(dir, "b.txt");
    rm(dir, "pre.txt"); /* deleted, never tracked: nothing to stage */
    tu_write(dir, "n/new.txt", "new\n");
    tu_write(dir, "other.txt", "not in the list\n");
    struct aidf_strlist ign = {0};
    aidf_strlist_add(&ign, "other");
    struct aidf_git_changes c;
    changes(dir, s, &ign, &c);
    assert_int_equal(c.n, 4);
    assert_int_equal(kind_of(&c, "pre.txt"), AIDF_CHANGE_DELETED);
    struct aidf_strlist paths = {0};
    for (size_t i = 0; i < c.n; i++)
        aidf_strlist_add(&paths, c.items[i].path);
    assert_int_equal(aidf_git_add(dir, &paths, &e), AIDF_OK);
    assert_int_equal(aidf_git_add(dir, NULL, &e), AIDF_OK);
    assert_int_equal(aidf_git_commit(dir, "aidf: iteration 1\n\nbody", &nothing, &sha, &e),
                     AIDF_OK);
    assert_false(nothing);
    assert_non_null(sha);
    char *head = sh_out(dir, "git rev-parse HEAD");
    assert_string_equal(sha, head);
    char *subject = sh_out(dir, "git log -1 --format=%s");
    assert_string_equal(subject, "aidf: iteration 1");
    char *files = sh_out(dir, "git show --name-status --format= HEAD | tr '\\t\\n' ' |'");
    assert_string_equal(files, "M a.txt|D b.txt|A n/new.txt|");
    char *status = sh_out(dir, "git status --porcelain | tr '\\n' '|'");
    assert_string_equal(status, "?? other.txt|");
    free(status);
    free(files);
    free(subject);
    free(head);
    free(sha);
    sha = NULL;

    /* Staged nothing: "nothing to commit", HEAD unchanged. */
    assert_int_equal(aidf_git_commit(dir, "again", &nothing, &sha, &e), AIDF_OK);
    assert_true(nothing);
    assert_null(sha);
    assert_int_equal(aidf_git_commit(dir, "again", NULL, NULL, &e), AIDF_OK);

    /* rm_cached takes a staged file out of the index, leaving the file. */
    sh(dir, "git add other.txt");
    tu_write(dir, "other.txt", "edited after staging\n");
    assert_int_equal(aidf_git_rm_cached(dir, "other.txt", &e), AIDF_OK);
    assert_true(tu_exists(dir, "other.txt"));
    char *st2 = sh_out(dir, "git status --porcelain | tr '\\n' '|'");
    assert_string_equal(st2, "?? other.txt|");
    free(st2);
    assert_int_equal(aidf_git_rm_cached(dir, "never-existed", &e), AIDF_OK);

    /* A failing commit (a hook refuses) is EIO with git's stderr. */
    sh(dir,
       "mkdir -p .git/hooks && printf '#!/bin/sh\\necho hook says no ${GIT_LITERAL_PATHSPECS:-plain} >&2\\nexit 1\\n' "
       "> .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit && git add other.txt");
    assert_int_equal(aidf_git_commit(dir, "refused", &nothing, &sha, &e), AIDF_EIO);
    assert_non_null(strstr(e.msg, "git commit failed: hook says no plain"));
    assert_null(sha);

    aidf_strlist_release(&paths);
    aidf_strlist_release(&ign);
    aidf_git_changes_release(&c);
    aidf_git_snapshot_free(s);
    drop_repo(dir);
}

static void test_commit_without_identity(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    sh(dir, "git init -q");
    char *who = sh_out(dir, "git config user.email || true");
    assert_string_equal(who, ""); /* HOME is empty, no system config */
    free(who);
    tu_write(dir, "x.txt", "x\n");
    struct aidf_strlist l = {0};
    aidf_strlist_add(&l, "x.txt");
    struct aidf_error e = {0};
    bool nothing = true;
    char *sha = NULL;
    assert_int_equal(aidf_git_add(dir, &l, &e), AIDF_OK);
    int rc = aidf_git_commit(dir, "first", &nothing, &sha, &e);
    if (rc != AIDF_OK)
        fail_msg("commit: %s", e.msg);
    assert_false(nothing);
    assert_non_null(sha);
    char *author = sh_out(dir, "git log -1 --format='%an <%ae>'");
    assert_string_equal(author, "aidf <aidf@localhost>");
    free(author);
    free(sha);

    /* A configured identity is kept. */
    sh(dir, "git config user.name Someone && git config user.email some@one.example");
    tu_write(dir, "x.txt", "y\n");
    assert_int_equal(aidf_git_add(dir, &l, &e), AIDF_OK);
    assert_int_equal(aidf_git_commit(dir, "second", &nothing, NULL, &e), AIDF_OK);
    author = sh_out(dir, "git log -1 --format='%an <%ae>'");
    assert_string_equal(author, "Someone <some@one.example>");
    free(author);
    aidf_strlist_release(&l);
    drop_repo(dir);
}

static void test_revert(void **state)
{
    (void)state;
    char *dir = new_repo();
    tu_write(dir, "keep.txt", "untracked, kept\n");
    struct aidf_git_snapshot *s = snap(dir);
    tu_write(dir, "a.txt", "blocked edit\n");
    sh(dir, "git add a.txt"); /* staged too */
    rm(dir, "b.txt");
    tu_write(dir, "sub/c.txt", "allowed edit\n");
    tu_write(dir, "new/deep/n.txt", "blocked new\n");
    tu_write(dir, "staged new.txt", "blocked, staged\n");
    sh(dir, "git add 'staged new.txt'");
    tu_write(dir, "staged new.txt", "blocked, staged, edited\n"); /* AM */
    tu_write(dir, "*.c", "blocked glob name\n");
    tu_write(dir, "x.c", "allowed\n");
    sh(dir, "git add x.c"); /* a glob `*.c` would unstage it */
    struct aidf_git_changes c;
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 7);
    aidf_git_changes_release(&c);

    struct aidf_strlist l = {0};
    aidf_strlist_add(&l, "a.txt");
    aidf_strlist_add(&l, "b.txt");
    aidf_strlist_add(&l, "new/deep/n.txt");
    aidf_strlist_add(&l, "staged new.txt");
    aidf_strlist_add(&l, "*.c");
    struct aidf_error e = {0};
    int rc = aidf_git_revert(dir, &l, &e);
    if (rc != AIDF_OK)
        fail_msg("revert: %s", e.msg);
    char *a = aidf_path_join(dir, "a.txt");
    char *text = tu_read(a, NULL);
    assert_string_equal(text, "alpha\n");
    free(text);
    free(a);
    assert_true(tu_exists(dir, "b.txt"));
    assert_false(tu_exists(dir, "new/deep/n.txt"));
    assert_false(tu_exists(dir, "new")); /* emptied directories go too */
    assert_false(tu_exists(dir, "staged new.txt"));
    assert_false(tu_exists(dir, "*.c"));
    assert_true(tu_exists(dir, "x.c"));
    assert_true(tu_exists(dir, "keep.txt"));
    changes(dir, s, NULL, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(kind_of(&c, "sub/c.txt"), AIDF_CHANGE_MODIFIED);
    assert_int_equal(kind_of(&c, "x.c"), AIDF_CHANGE_CREATED);
    aidf_git_changes_release(&c);
    char *status = sh_out(dir, "git status --porcelain | tr '\\n' '|'");
    assert_string_equal(status, " M sub/c.txt|A  x.c|?? keep.txt|");
    free(status);
    assert_int_equal(aidf_git_revert(dir, NULL, &e), AIDF_OK);
    aidf_strlist_release(&l);
    aidf_git_snapshot_free(s);
    drop_repo(dir);
}

static void test_revert_refuses(void **state)
{
    (void)state;
    char *parent = tu_mkdtemp();
    sh(parent, "mkdir repo && cd repo && git init -q");
    tu_write(parent, "x", "outside\n");
    char *dir = aidf_path_join(parent, "repo");
    const char *bad[] = {"../x", "/etc/passwd", "a/../../x", "", "..", "sub/.."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct aidf_strlist l = {0};
        aidf_strlist_add(&l, "fine.txt");
        aidf_strlist_add(&l, bad[i]);
        struct aidf_error e = {0};
        assert_int_equal(aidf_git_revert(dir, &l, &e), AIDF_EINVAL);
        assert_non_null(strstr(e.msg, "refusing"));
        aidf_strlist_release(&l);
    }
    assert_true(tu_exists(parent, "x"));

    /* Not through a symlinked directory either. */
    char *lnk = aidf_path_join(dir, "out");
    assert_int_equal(symlink(parent, lnk), 0);
    struct aidf_strlist l = {0};
    aidf_strlist_add(&l, "out/x");
    struct aidf_error e = {0};
    assert_int_equal(aidf_git_revert(dir, &l, &e), AIDF_EINVAL);
    assert_true(tu_exists(parent, "x"));
    aidf_strlist_release(&l);
    free(lnk);
    free(dir);
    drop_repo(parent);
}

static void test_push(void **state)
{
    (void)state;
    char *base = tu_mkdtemp();
    sh(base, "git init -q --bare remote.git");
    char *dir = new_repo();
    struct aidf_error e = {0};
    /* No upstream yet: push fails with git's message. */
    assert_int_equal(aidf_git_push(dir, &e), AIDF_EIO);
    assert_non_null(strstr(e.msg, "git push failed: "));

    sh(dir, "git remote add origin '%s/remote.git' && git push -q -u origin HEAD", base);
    tu_write(dir, "p.txt", "pushed\n");
    struct aidf_strlist l = {0};
    aidf_strlist_add(&l, "p.txt");
    char *sha = NULL;
    assert_int_equal(aidf_git_add(dir, &l, &e), AIDF_OK);
    assert_int_equal(aidf_git_commit(dir, "to push", NULL, &sha, &e), AIDF_OK);
    int rc = aidf_git_push(dir, &e);
    if (rc != AIDF_OK)
        fail_msg("push: %s", e.msg);
    char *remote = aidf_path_join(base, "remote.git");
    char *rsha = sh_out(remote, "git rev-parse HEAD");
    assert_string_equal(rsha, sha);
    free(rsha);
    free(remote);
    free(sha);
    aidf_strlist_release(&l);
    drop_repo(dir);
    drop_repo(base);
}

static void test_origin(void **state)
{
    (void)state;
    struct aidf_git_origin o;
    struct aidf_error e = {0};
    /* No commits, no remote: only the branch and the e-mail. */
    char *dir = new_repo_empty();
    sh(dir, "git symbolic-ref HEAD refs/heads/trunk");
    assert_int_equal(aidf_git_origin_read(dir, &o, &e), AIDF_OK);
    assert_string_equal(o.branch, "trunk");
    assert_null(o.head);
    assert_null(o.remote_url);
    assert_string_equal(o.user_email, "t@example.com");
    aidf_git_origin_release(&o);
    drop_repo(dir);

    dir = new_repo();
    sh(dir, "git remote add origin https://bot:SECRET@example.com/acme/widgets.git");
    char *head = sh_out(dir, "git rev-parse HEAD");
    char *branch = sh_out(dir, "git symbolic-ref --short HEAD");
    assert_int_equal(aidf_git_origin_read(dir, &o, &e), AIDF_OK);
    assert_string_equal(o.head, head);
    assert_string_equal(o.branch, branch);
    /* As configured: redacting it is the caller's job (aidf_giturl_redact). */
    assert_string_equal(o.remote_url, "https://bot:SECRET@example.com/acme/widgets.git");
    aidf_git_origin_release(&o);
    assert_null(o.head);

    char *sha = NULL;
    assert_int_equal(aidf_git_head(dir, &sha, &e), AIDF_OK);
    assert_string_equal(sha, head);
    free(sha);

    /* Detached HEAD (a CI checkout of a pull request): no branch. */
    sh(dir, "git checkout -q --detach");
    assert_int_equal(aidf_git_origin_read(dir, &o, &e), AIDF_OK);
    assert_null(o.branch);
    assert_string_equal(o.head, head);
    aidf_git_origin_release(&o);
    free(head);
    free(branch);
    drop_repo(dir);

    /* Not a repository. */
    dir = tu_mkdtemp();
    assert_int_equal(aidf_git_origin_read(dir, &o, &e), AIDF_EIO);
    assert_null(o.branch);
    tu_rmrf(dir);
    free(dir);
}

/* A core.fsmonitor hook written into .git/config (by an agent's command, where the sandbox
 * leaves .git writable) is not run by aidf's own git commands. */
static void test_fsmonitor_not_run(void **state)
{
    (void)state;
    char *dir = new_repo();
    char *marker = aidf_path_join(dir, "fsmonitor-ran");
    sh(dir,
       "printf '#!/bin/sh\\ntouch \"%s\"\\n' > .git/mon.sh && chmod +x .git/mon.sh && "
       "git config core.fsmonitor \"$PWD/.git/mon.sh\"",
       marker);
    struct aidf_git_snapshot *s = snap(dir);
    tu_write(dir, "a.txt", "changed\n");
    struct aidf_git_changes c;
    changes(dir, s, NULL, &c);
    assert_int_equal(kind_of(&c, "a.txt"), AIDF_CHANGE_MODIFIED);
    aidf_git_changes_release(&c);
    aidf_git_snapshot_free(s);
    assert_int_equal(access(marker, F_OK), -1);
    free(marker);
    drop_repo(dir);
}

int main(void)
{
    /* An empty HOME and no system config: no identity, hooks or aliases of the user. */
    g_home = tu_mkdtemp();
    setenv("HOME", g_home, 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    const char *unset[] = {
        "XDG_CONFIG_HOME", "GIT_DIR",           "GIT_WORK_TREE",      "GIT_INDEX_FILE",
        "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",  "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
        "EMAIL",           "GIT_CONFIG_GLOBAL", "GIT_CONFIG",         "GIT_CONFIG_PARAMETERS"};
    for (size_t i = 0; i < sizeof(unset) / sizeof(unset[0]); i++)
        unsetenv(unset[i]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_repo),
        cmocka_unit_test(test_basic_changes),
        cmocka_unit_test(test_odd_names),
        cmocka_unit_test(test_dirty_before),
        cmocka_unit_test(test_rename),
        cmocka_unit_test(test_agent_commits),
        cmocka_unit_test(test_no_commits),
        cmocka_unit_test(test_ignore_prefixes),
        cmocka_unit_test(test_add_commit),
        cmocka_unit_test(test_commit_without_identity),
        cmocka_unit_test(test_revert),
        cmocka_unit_test(test_revert_refuses),
        cmocka_unit_test(test_push),
        cmocka_unit_test(test_origin),
        cmocka_unit_test(test_fsmonitor_not_run),
    };
    int rc = cmocka_run_group_tests_name("git", tests, NULL, NULL);
    tu_rmrf(g_home);
    free(g_home);
    return rc;
}
