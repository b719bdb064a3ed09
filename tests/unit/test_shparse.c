/* Unit tests for lib/run/shparse.c: words, simple commands, nesting, errors and limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/shparse.h"

/* The parse of `s` as text: commands joined by " ; ", words by "|", redirections as ">w". */
static char *shape(const char *s, const char **error)
{
    struct aidf_sh_parse p;
    aidf_sh_parse_init(&p);
    (void)aidf_sh_parse_append(&p, s, strlen(s), 0);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    for (size_t i = 0; i < p.n; i++) {
        const struct aidf_sh_cmd *c = &p.cmds[i];
        aidf_buf_addstr(&b, i ? " ; " : "");
        if (c->piped)
            aidf_buf_addstr(&b, "<pipe> ");
        for (size_t j = 0; j < c->n; j++)
            aidf_buf_addf(&b, "%s%s", j ? "|" : "", c->words[j].text);
        for (size_t j = 0; j < c->nredir; j++)
            aidf_buf_addf(&b, " %s%s", (c->redirs[j].flags & AIDF_SHW_OUTPUT) ? ">" : "<",
                          c->redirs[j].text);
    }
    if (error)
        *error = p.error;
    aidf_sh_parse_release(&p);
    return aidf_buf_detach(&b, NULL);
}

static void expect_shape(const char *s, const char *want)
{
    const char *err = NULL;
    char *got = shape(s, &err);
    if (strcmp(got, want) != 0 || err)
        print_error("[%s]: got [%s] error %s, want [%s]\n", s, got, err ? err : "-", want);
    assert_null(err);
    assert_string_equal(got, want);
    free(got);
}

static void expect_error(const char *s)
{
    const char *err = NULL;
    char *got = shape(s, &err);
    if (!err)
        print_error("[%s]: parsed as [%s]\n", s, got);
    assert_non_null(err);
    free(got);
}

static void test_words(void **state)
{
    (void)state;
    expect_shape("echo  a\tb", "echo|a|b");
    expect_shape("a\"b\"'c'\\d", "abcd");
    expect_shape("'a b' \"c d\" e\\ f", "a b|c d|e f");
    expect_shape("\"a\\\"b\\$c\\\\d\\x\"", "a\"b$c\\d\\x");
    expect_shape("$'\\x41\\102\\n\\u00e9\\cA'", "AB\n\xc3\xa9\x01");
    expect_shape("$'a\\x00b'c", "ac"); /* a NUL ends the $'...' text, as in bash */
    expect_shape("$\"x\"", "x");
    expect_shape("$HOME ${HOME} \"$1\" $((1+2)) $", "$HOME|${HOME}|$1|$((1+2))|$");
    expect_shape("a\\\nb", "ab");
    expect_shape("echo $(( (1+2) * 3 ))", "echo|$(( (1+2) * 3 ))");
    expect_shape("echo\vhi\fthere", "echo|hi|there");
    expect_shape("x=1 y='2 3' cmd", "x=1|y=2 3|cmd");
    expect_shape("echo a#b # comment ; sudo", "echo|a#b");
}

static void test_commands(void **state)
{
    (void)state;
    expect_shape("a; b && c || d & e\nf", "a ; b ; c ; d ; e ; f");
    expect_shape("a | b |& c", "a ; <pipe> b ; <pipe> c");
    expect_shape("echo $(a; b) `c`", "a ; b ; c ; echo|$(a; b)|`c`");
    expect_shape("echo \"$(a \"$(b)\")\"", "b ; a|$(b) ; echo|$(a \"$(b)\")");
    expect_shape("(a; b) | c", "a ; b ; <pipe> c");
    expect_shape("{ a; }", "{|a ; }");
    expect_shape("diff <(a) >(b)", "a ; b ; diff|<(a)|>(b)");
    expect_shape("cmd > out 2>&1 < in >> log &> all", "cmd >out >1 <in >log >all");
    expect_shape("cat <<< word", "cat <word");
    expect_shape("cat <<EOF\nsudo id\nEOF\nls", "cat <EOF ; ls");
    expect_shape("cat <<-'E' | sh\n\tx\n\tE\n", "cat <E ; <pipe> sh");
    expect_shape("echo `echo \\`id\\``", "id ; echo|`id` ; echo|`echo \\`id\\``");
}

static void test_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "echo 'a",
        "echo \"a",
        "echo `a",
        "echo $(a",
        "echo $'a",
        "(a",
        "a)",
        "f() { a; }",
        "a=(1 2)",
        "echo ${a:-$(b)}",
        "echo ${a:-\"}\"}",
        "echo $(( $(a) ))",
        "cat <<EOF",
        "cat <<EOF\n$(id)\nEOF",
        "echo >",
        "echo > ;",
        "cat << ",
        "case x in x) a;; esac",
        "echo $((a) ; b)",
        "echo $((a) )",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_error(bad[i]);
}

static void test_limits(void **state)
{
    (void)state;
    /* depth: AIDF_SH_MAX_DEPTH levels of $( are fine, one more is not */
    char s[256];
    for (int depth = AIDF_SH_MAX_DEPTH; depth <= AIDF_SH_MAX_DEPTH + 1; depth++) {
        size_t o = 0;
        for (int i = 0; i < depth; i++)
            o += (size_t)snprintf(s + o, sizeof(s) - o, "$(");
        o += (size_t)snprintf(s + o, sizeof(s) - o, "id");
        for (int i = 0; i < depth; i++)
            s[o++] = ')';
        s[o] = '\0';
        const char *err = NULL;
        free(shape(s, &err));
        if (depth <= AIDF_SH_MAX_DEPTH)
            assert_null(err);
        else
            assert_non_null(err);
    }
    /* input length */
    size_t n = AIDF_SH_MAX_INPUT + 1;
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'a', n);
    big[n] = '\0';
    const char *err = NULL;
    free(shape(big, &err));
    assert_non_null(err);
    /* words: one more than the limit */
    size_t w = AIDF_SH_MAX_WORDS + 1;
    char *many = malloc(w * 2 + 1);
    assert_non_null(many);
    for (size_t i = 0; i < w; i++) {
        many[2 * i] = 'a';
        many[2 * i + 1] = ' ';
    }
    many[w * 2] = '\0';
    free(shape(many, &err));
    assert_non_null(err);
    /* commands */
    size_t c = AIDF_SH_MAX_CMDS + 1;
    char *cmds = malloc(c * 2 + 1);
    assert_non_null(cmds);
    for (size_t i = 0; i < c; i++) {
        cmds[2 * i] = 'a';
        cmds[2 * i + 1] = ';';
    }
    cmds[c * 2] = '\0';
    free(shape(cmds, &err));
    assert_non_null(err);
    free(cmds);
    free(many);
    free(big);
    /* a parse that already failed appends nothing */
    struct aidf_sh_parse p;
    aidf_sh_parse_init(&p);
    assert_false(aidf_sh_parse_append(&p, "'", 1, 0));
    assert_false(aidf_sh_parse_append(&p, "ls", 2, 0));
    assert_int_equal(p.n, 0);
    aidf_sh_parse_release(&p);
    aidf_sh_parse_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
