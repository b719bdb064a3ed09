/* Unit tests for lib/base/glob.c: minimatch {dot:true} features, upstream fallbacks, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidf/err.h"
#include "aidf/glob.h"
#include "testutil.h"

struct row {
    const char *pattern, *path;
    bool want;
};

/* The scope guard's question: does `path` match `pattern`? */
static bool match(const char *pattern, const char *path)
{
    return aidf_glob_match_ex(pattern, path) == 1;
}

static const struct row rows[] = {
    /* literals and leading "./" */
    {"src/index.ts", "src/index.ts", true},
    {"src/index.ts", "src/index.js", false},
    {"./src/index.ts", "src/index.ts", true},
    {"src/index.ts", "./src/index.ts", true},
    {"SRC/a", "src/a", false}, /* case-sensitive */
    {"src//a", "src/a", true},
    /* '*' stays inside one segment, matches dot files (dot:true) */
    {"*.ts", "a.ts", true},
    {"*.ts", "dir/a.ts", false},
    {"src/*", "src/a", true},
    {"src/*", "src/.hidden", true},
    {"src/*.ts", "src/a/b.ts", false},
    {"*", ".env", true},
    {"*", ".", false},
    {"a*b", "ab", true},
    {"a*b", "axxb", true},
    {"a*b", "axxbc", false},
    {"a**b", "axb", true},
    {"a**b", "ax/b", false},
    /* '**' spans segments, zero or more */
    {"**/*.ts", "a.ts", true},
    {"**/*.ts", "x/y/z/a.ts", true},
    {"**/*.ts", "x/y/z/a.js", false},
    {"**/*.ts", ".github/a.ts", true},
    {"src/**/*.test.ts", "src/a.test.ts", true},
    {"src/**/*.test.ts", "src/x/y/a.test.ts", true},
    {"src/**/*.test.ts", "lib/a.test.ts", false},
    {"**", "anything/at/all", true},
    {"**", ".git/config", true},
    {"a/**/b/**/c", "a/b/c", true},
    {"a/**/b/**/c", "a/x/b/y/z/c", true},
    {"a/**/b/**/c", "a/x/y/z/c", true}, /* not minimatch, but fallback (3): prefix "a" */
    {"**/node_modules/**", "packages/cli/node_modules/x/y.js", true},
    {"**/.env", "deep/dir/.env", true},
    /* a trailing globstar vs the bare directory: fallback (2) and (3) */
    {"src/**", "src", true},
    {"src/**", "src/a/b/c.ts", true},
    {"src/**", "srcx/a", false},
    {"src/**", "lib/src/a", false},
    {"src", "src/a/b", true}, /* (2): no '*', acts as a directory */
    {"src", "src", true},
    {"src", "srcfoo", false},
    {"src/", "src/a", true},
    {"docs/*.md", "docs", false}, /* has "*.", minimatch only */
    {"src/*.ts", "src", false},
    /* prose suffix after "**": prefix fallback (3) */
    {"packages/cli/src/core/** (read-only)", "packages/cli/src/core/x.ts", true},
    {"packages/cli/src/core/** (read-only)", "packages/cli/src/core", true},
    {"packages/cli/src/core/** (read-only)", "packages/cli/src/other.ts", false},
    {"src/**/test", "src/anything/else", true}, /* (3) base "src", no "*." */
    {"src/**/*.md", "src/x/y.ts", false},       /* has "*.", no fallback */
    {"**/*.ts (generated)", "a/b.ts", false},   /* base is empty */
    /* dot files */
    {".env*", ".env", true},
    {".env*", ".env.local", true},
    {".env*", "config/.env", false},
    {"**/.env*", "config/.env.production", true},
    {".*", ".gitignore", true},
    {"*.md", ".hidden.md", true},
    /* '?' */
    {"?.ts", "a.ts", true},
    {"?.ts", "ab.ts", false},
    {"a?c", "a/c", false},
    {"caf?", "caf\xc3\xa9", true}, /* one code point, two bytes */
    /* bracket classes */
    {"file[0-9].txt", "file7.txt", true},
    {"file[0-9].txt", "filex.txt", false},
    {"file[!0-9].txt", "filex.txt", true},
    {"file[!0-9].txt", "file1.txt", false},
    {"file[^a].txt", "fileb.txt", true},
    {"[abc]x", "bx", true},
    {"[abc]x", "dx", false},
    {"[]]x", "]x", true},
    {"[!]]x", "ax", true},
    {"[a-]x", "-x", true},
    {"[[:digit:]][[:alpha:]]", "1a", true},
    {"[[:upper:]]*", "lower", false},
    {"a[/]b", "a/b", false}, /* '/' never inside a class */
    {"[ab", "[ab", true},    /* unclosed: literal */
    {"[ab", "a", false},
    {"x[\\]]y", "x]y", true},
    {"[\xc3\xa9"
     "e]",
     "\xc3\xa9", true},
    /* braces */
    {"*.{ts,tsx}", "a.tsx", true},
    {"*.{ts,tsx}", "a.ts", true},
    {"*.{ts,tsx}", "a.js", false},
    {"{src,lib}/**/*.c", "lib/x/y.c", true},
    {"{src,lib}/**/*.c", "bin/y.c", false},
    {"a{,b}c", "ac", true},
    {"a{,b}c", "abc", true},
    {"{a,{b,c}d}", "cd", true},
    {"{a,{b,c}d}", "d", false},
    {"{x}", "{x}", true}, /* no comma: literal */
    {"{x}", "x", false},
    {"f{1..3}", "f2", true},
    {"f{1..3}", "f4", false},
    {"f{01..10}", "f07", true},
    {"f{a..c}", "fb", true},
    {"f{0..10..5}", "f5", true},
    {"f{0..10..5}", "f3", false},
    {"{a,b", "{a,b", true}, /* unbalanced: literal */
    /* escapes */
    {"\\*.ts", "*.ts", true},
    {"\\*.ts", "a.ts", false},
    {"a\\?", "a?", true},
    {"a\\?", "ab", false},
    {"\\{a,b\\}", "{a,b}", true},
    {"\\[x]", "[x]", true},
    /* negation and comments (minimatch defaults) */
    {"!*.md", "a.ts", true},
    {"!*.md", "a.md", false},
    {"#comment", "#comment", true}, /* minimatch says no; fallback (3) compares literally */
    {"", "", true},
    {"", "a", false},
};

static void test_table(void **state)
{
    (void)state;
    size_t bad = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool got = match(rows[i].pattern, rows[i].path);
        if (got != rows[i].want) {
            print_error("row %zu: pattern \"%s\" path \"%s\": got %d want %d\n", i, rows[i].pattern,
                        rows[i].path, got, rows[i].want);
            bad++;
        }
    }
    assert_true(sizeof(rows) / sizeof(rows[0]) >= 60);
    assert_int_equal(bad, 0);
}

static void test_minimatch_only(void **state)
{
    (void)state;
    /* The fallbacks are not part of aidf_glob_minimatch(). */
    assert_int_equal(aidf_glob_minimatch("src/**", "src/a"), 1);
    assert_int_equal(aidf_glob_minimatch("src", "src/a"), 0);
    assert_int_equal(aidf_glob_minimatch("dir/** (read-only)", "dir/x"), 0);
    assert_int_equal(aidf_glob_match_ex("dir/** (read-only)", "dir/x"), 1);
    assert_int_equal(aidf_glob_minimatch(NULL, "a"), AIDF_EINVAL);
    assert_int_equal(aidf_glob_match_ex("a", NULL), AIDF_EINVAL);
    assert_false(match(NULL, NULL));
    assert_int_equal(aidf_glob_minimatch("a/**/b/**/c", "a/x/y/z/c"), 0);
    assert_int_equal(aidf_glob_minimatch("#comment", "#comment"), 0);
    assert_int_equal(aidf_glob_minimatch("**", "a/../b"), 0); /* "**" skips no ".." */
    assert_int_equal(aidf_glob_minimatch("a/*/b", "a/./b"), 0);
    assert_int_equal(aidf_glob_minimatch("a/*", "a/"), 0);
    assert_int_equal(aidf_glob_minimatch("!!a", "a"), 1);
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *s = malloc(u * times + t + 1);
    assert_non_null(s);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    memcpy(s + u * times, tail, t + 1);
    return s;
}

static void test_hostile(void **state)
{
    (void)state;
    double t0 = tu_now_s();
    /* The classic exponential case for recursive matchers. */
    assert_false(match("a*a*a*a*a*a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    char *stars = repeat("a*", 1000, "b");
    char *text = repeat("a", 2000, "");
    assert_false(match(stars, text));
    free(stars);
    stars = repeat("*", 1000, "");
    assert_true(match(stars, text));
    free(stars);
    /* 10k-character patterns of every kind. */
    const char *units[] = {"a*", "**/", "[",  "[\\]",   "?",     "{",
                           "}",  ",",   "\\", "*[a-z]", "**/a*", "/"};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        char *p = repeat(units[i], 10000 / strlen(units[i]), "");
        int rc = aidf_glob_match_ex(p, text);
        assert_true(rc == 0 || rc == 1 || rc == AIDF_ETOOBIG);
        rc = aidf_glob_match_ex(p, "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/aaaa");
        assert_true(rc == 0 || rc == 1 || rc == AIDF_ETOOBIG);
        free(p);
    }
    /* A deep path against many globstars. */
    char *deep = repeat("x/", 2000, "y");
    char *gs = repeat("**/x/", 1000, "z");
    assert_false(match(gs, deep));
    free(gs);
    free(deep);
    free(text);
    assert_true(tu_now_s() - t0 < 20.0 * tu_time_mult());
}

static void test_limits(void **state)
{
    (void)state;
    /* Brace bombs stop at the expansion budget instead of exploding. */
    char *bomb = repeat("{a,b}", 40, "");
    assert_int_equal(aidf_glob_match_ex(bomb, "ab"), AIDF_ETOOBIG);
    assert_false(match(bomb, "ab"));
    free(bomb);
    assert_int_equal(aidf_glob_match_ex("{1..100000}", "5"), AIDF_ETOOBIG);
    char *nest = repeat("{a,", 100, "");
    char *nest2 = repeat("}", 100, "");
    size_t n1 = strlen(nest), n2 = strlen(nest2);
    char *deepb = malloc(n1 + n2 + 1);
    assert_non_null(deepb);
    memcpy(deepb, nest, n1);
    memcpy(deepb + n1, nest2, n2 + 1);
    assert_int_equal(aidf_glob_match_ex(deepb, "a"), AIDF_ETOOBIG);
    free(nest);
    free(nest2);
    free(deepb);
    /* Within budget: 16 alternatives. */
    assert_true(match("{a,b}{a,b}{a,b}{a,b}", "abba"));
    char *huge = repeat("a", AIDF_GLOB_MAX_PATTERN + 1, "");
    assert_int_equal(aidf_glob_match_ex(huge, "a"), AIDF_ETOOBIG);
    free(huge);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_minimatch_only),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
