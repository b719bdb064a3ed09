/*
 * Unit tests of the command-line option parser (cli/optparse.c): exact long names and
 * refused prefixes, short flags and bundles, --opt=value and --opt value, missing and
 * unexpected values, numbers and their ranges, unknown options with a suggestion, "--",
 * positional arguments in any order, and the help generated from the table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "optparse.h"

enum { O_LIMIT = 1, O_JSON, O_SINCE, O_MODEL, O_ITER, O_VERBOSE, O_QUIET, O_COLOUR, O_STATUS };

static const char *const statuses[] = {"completed", "blocked", "failed", NULL};

static const struct optp_opt opts[] = {
    {.name = "limit",
     .kind = OPTP_INT,
     .id = O_LIMIT,
     .value_name = "N",
     .help = "at most N",
     .max = 10},
    {.name = "json", .id = O_JSON, .help = "print JSON"},
    {.name = "since", .kind = OPTP_DATE, .id = O_SINCE, .value_name = "DATE", .help = "from DATE"},
    {.name = "model",
     .short_name = 'm',
     .kind = OPTP_STRING,
     .id = O_MODEL,
     .value_name = "MODEL",
     .help = "the model\nsecond line"},
    {.name = "max-iterations",
     .short_name = 'n',
     .kind = OPTP_INT,
     .id = O_ITER,
     .value_name = "N",
     .help = "stop after N",
     .min = 1,
     .max = 1000,
     .expect = "1..1000, the iterations"},
    {.name = "verbose", .short_name = 'v', .id = O_VERBOSE, .help = "more"},
    {.name = "quiet", .short_name = 'q', .id = O_QUIET, .help = "less"},
    {.name = "colour", .kind = OPTP_STRING, .id = O_COLOUR, .flags = OPTP_HIDDEN},
    {.name = "status",
     .kind = OPTP_CHOICE,
     .id = O_STATUS,
     .value_name = "STATUS",
     .choices = statuses,
     .help = "completed, blocked or failed"},
    {.name = NULL},
};

static const struct optp_arg args[] = {
    {"TASK...", "the tasks", OPTP_FILE, NULL},
    {NULL, NULL, OPTP_STRING, NULL},
};

static const struct optp_cmd cmd = {
    .name = "demo",
    .synopsis = "[TASK...] [options]",
    .summary = "a demo command",
    .description = "Run the demo.",
    .args = args,
    .opts = opts,
    .epilog = "Exit status: 0.",
};

/* One parse of a NULL-terminated argument list with the output captured. */
struct run {
    char *argv[16];
    int argc;
    struct optp p;
    char *out, *err;
    size_t outlen, errlen;
    FILE *outf, *errf;
};

static void start(struct run *r, ...)
{
    va_list ap;
    memset(r, 0, sizeof(*r));
    static char name[] = "demo";
    r->argv[r->argc++] = name;
    va_start(ap, r);
    for (char *a; (a = va_arg(ap, char *)) != NULL;)
        r->argv[r->argc++] = a;
    va_end(ap);
    r->argv[r->argc] = NULL;
    optp_init(&r->p, &cmd, r->argc, r->argv);
    r->outf = open_memstream(&r->out, &r->outlen);
    r->errf = open_memstream(&r->err, &r->errlen);
    assert_non_null(r->outf);
    assert_non_null(r->errf);
    r->p.out = r->outf;
    r->p.err = r->errf;
}

/* The next result, with the captured streams flushed. */
static int next(struct run *r)
{
    int id = optp_next(&r->p);
    fflush(r->outf);
    fflush(r->errf);
    return id;
}

static void finish(struct run *r)
{
    fclose(r->outf);
    fclose(r->errf);
    free(r->out);
    free(r->err);
}

/* Parse to the end or a stop; return the stop status, or -1 when the parse ended. */
static int drain(struct run *r)
{
    int id;
    while ((id = next(r)) > 0)
        ;
    return id == OPTP_STOP ? r->p.status : -1;
}

static void test_exact_names(void **state)
{
    (void)state;
    struct run r;
    start(&r, "--limit=5", "--json", "--since", "7d", NULL);
    assert_int_equal(next(&r), O_LIMIT);
    assert_int_equal(r.p.num, 5);
    assert_string_equal(r.p.arg, "5");
    assert_int_equal(next(&r), O_JSON);
    assert_null(r.p.arg);
    assert_int_equal(next(&r), O_SINCE);
    assert_string_equal(r.p.arg, "7d");
    assert_int_equal(next(&r), OPTP_END);
    assert_int_equal(r.p.nargs, 0);
    finish(&r);

    start(&r, "--limit", "7", NULL);
    assert_int_equal(next(&r), O_LIMIT);
    assert_int_equal(r.p.num, 7);
    finish(&r);

    /* An empty value after '=' is a value. */
    start(&r, "--since=", NULL);
    assert_int_equal(next(&r), O_SINCE);
    assert_string_equal(r.p.arg, "");
    finish(&r);
}

static void test_prefix_refused(void **state)
{
    (void)state;
    struct run r;
    start(&r, "--lim", "2", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "aidf: unknown option '--lim'; did you mean '--limit'?"));
    assert_non_null(strstr(r.err, "Try 'aidf demo --help'."));
    assert_int_equal(r.outlen, 0);
    finish(&r);

    start(&r, "--verb", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "did you mean '--verbose'?"));
    finish(&r);

    /* A typo gets the closest name. */
    start(&r, "--limti=3", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "unknown option '--limti'; did you mean '--limit'?"));
    finish(&r);

    start(&r, "--frobnicate", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "aidf: unknown option '--frobnicate'\n"));
    assert_null(strstr(r.err, "did you mean"));
    finish(&r);

    /* A hidden option is accepted but never suggested. */
    start(&r, "--colour", "x", NULL);
    assert_int_equal(next(&r), O_COLOUR);
    finish(&r);
    start(&r, "--colou", NULL);
    assert_int_equal(drain(&r), 2);
    assert_null(strstr(r.err, "colour'?"));
    finish(&r);
}

static void test_short_flags(void **state)
{
    (void)state;
    struct run r;
    start(&r, "-v", "-m", "opus", "-n5", "-qn", "7", NULL);
    assert_int_equal(next(&r), O_VERBOSE);
    assert_int_equal(next(&r), O_MODEL);
    assert_string_equal(r.p.arg, "opus");
    assert_int_equal(next(&r), O_ITER);
    assert_int_equal(r.p.num, 5);
    assert_int_equal(next(&r), O_QUIET);
    assert_int_equal(next(&r), O_ITER);
    assert_int_equal(r.p.num, 7);
    assert_int_equal(next(&r), OPTP_END);
    finish(&r);

    /* A bundle of flags, and a value glued to the last letter. */
    start(&r, "-vqmsonnet", NULL);
    assert_int_equal(next(&r), O_VERBOSE);
    assert_int_equal(next(&r), O_QUIET);
    assert_int_equal(next(&r), O_MODEL);
    assert_string_equal(r.p.arg, "sonnet");
    assert_int_equal(next(&r), OPTP_END);
    finish(&r);

    start(&r, "-x", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "aidf: unknown option '-x'"));
    finish(&r);

    start(&r, "-vx", NULL);
    assert_int_equal(next(&r), O_VERBOSE);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "unknown option '-x'"));
    finish(&r);
}

static void test_values(void **state)
{
    (void)state;
    struct run r;
    /* The next argument is the value even when it starts with '-'. */
    start(&r, "--model", "-x", "-m", "--json", NULL);
    assert_int_equal(next(&r), O_MODEL);
    assert_string_equal(r.p.arg, "-x");
    assert_int_equal(next(&r), O_MODEL);
    assert_string_equal(r.p.arg, "--json");
    assert_int_equal(next(&r), OPTP_END);
    finish(&r);

    start(&r, "--limit", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "option '--limit' requires an argument"));
    finish(&r);

    start(&r, "-n", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "option '-n' requires an argument"));
    finish(&r);

    start(&r, "--json=yes", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(strstr(r.err, "option '--json' does not take an argument"));
    finish(&r);

    /* Numbers: digits only, within the range, with the table's wording. */
    const char *bad[] = {"11", "-1", "+5", " 5", "5 ", "1e3", "", "abc", "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char arg[64];
        snprintf(arg, sizeof(arg), "--limit=%s", bad[i]);
        start(&r, arg, NULL);
        assert_int_equal(drain(&r), 2);
        char want[96];
        snprintf(want, sizeof(want), "invalid --limit '%s' (expected 0..10)", bad[i]);
        assert_non_null(strstr(r.err, want));
        finish(&r);
    }
    start(&r, "-n", "0", NULL);
    assert_int_equal(drain(&r), 2);
    assert_non_null(
        strstr(r.err, "invalid --max-iterations '0' (expected 1..1000, the iterations)"));
    finish(&r);
    start(&r, "--limit=0", "--limit=10", "-n1000", NULL);
    assert_int_equal(next(&r), O_LIMIT);
    assert_int_equal(r.p.num, 0);
    assert_int_equal(next(&r), O_LIMIT);
    assert_int_equal(r.p.num, 10);
    assert_int_equal(next(&r), O_ITER);
    assert_int_equal(r.p.num, 1000);
    finish(&r);
}

static void test_positionals(void **state)
{
    (void)state;
    struct run r;
    start(&r, "a", "--json", "b", "-", "--", "--limit", "-v", NULL);
    assert_int_equal(next(&r), O_JSON);
    assert_int_equal(next(&r), OPTP_END);
    assert_int_equal(r.p.nargs, 5);
    assert_string_equal(r.p.args[0], "a");
    assert_string_equal(r.p.args[1], "b");
    assert_string_equal(r.p.args[2], "-");
    assert_string_equal(r.p.args[3], "--limit");
    assert_string_equal(r.p.args[4], "-v");
    finish(&r);

    /* A value is not a positional argument. */
    start(&r, "--model", "x", "task.md", "--limit", "3", NULL);
    assert_int_equal(drain(&r), -1);
    assert_int_equal(r.p.nargs, 1);
    assert_string_equal(r.p.args[0], "task.md");
    finish(&r);

    /* stop_at_arg: the first positional ends the options (a command and its own). */
    start(&r, "-v", "sub", "--json", "x", NULL);
    r.p.stop_at_arg = true;
    assert_int_equal(next(&r), O_VERBOSE);
    assert_int_equal(next(&r), OPTP_END);
    assert_int_equal(r.p.nargs, 3);
    assert_string_equal(r.p.args[0], "sub");
    assert_string_equal(r.p.args[1], "--json");
    finish(&r);
}

static void test_help(void **state)
{
    (void)state;
    struct run r;
    start(&r, "--limit", "5", "--help", "--frobnicate", NULL);
    assert_int_equal(next(&r), O_LIMIT);
    assert_int_equal(drain(&r), 0);
    assert_int_equal(r.errlen, 0);
    assert_non_null(strstr(r.out, "usage: aidf demo [TASK...] [options]\n"));
    assert_non_null(strstr(r.out, "\nRun the demo.\n"));
    assert_non_null(strstr(r.out, "\nArguments:\n  TASK..."));
    assert_non_null(strstr(r.out, "\nOptions:\n"));
    assert_non_null(strstr(r.out, "\nExit status: 0.\n"));
    /* Every visible option, with its short form and value name; not the hidden one. */
    for (const struct optp_opt *o = opts; o->name; o++) {
        char want[64];
        snprintf(want, sizeof(want), "--%s", o->name);
        if (o->flags & OPTP_HIDDEN) {
            assert_null(strstr(r.out, want));
            continue;
        }
        assert_non_null(strstr(r.out, want));
        /* The first line of its help text. */
        snprintf(want, sizeof(want), "%.*s\n", (int)strcspn(o->help, "\n"), o->help);
        assert_non_null(strstr(r.out, want));
    }
    assert_non_null(strstr(r.out, "  -m, --model MODEL "));
    assert_non_null(strstr(r.out, "  -n, --max-iterations N "));
    assert_non_null(strstr(r.out, "  --limit N "));
    assert_non_null(strstr(r.out, "  -h, --help "));
    /* A continuation line starts at the help column. */
    const char *cont = strstr(r.out, "the model\n");
    assert_non_null(cont);
    const char *line = strstr(cont, "\n") + 1;
    const char *first = strstr(r.out, "  --limit N");
    size_t col = (size_t)(strstr(first, "at most N") - first);
    assert_true(strncmp(line + col, "second line", 11) == 0);
    for (size_t i = 0; i < col; i++)
        assert_int_equal(line[i], ' ');
    finish(&r);

    start(&r, "-h", NULL);
    assert_int_equal(drain(&r), 0);
    assert_non_null(strstr(r.out, "usage: aidf demo"));
    finish(&r);
}

static void test_distance_and_suggest(void **state)
{
    (void)state;
    assert_int_equal(optp_distance("report", "report", 3), 0);
    assert_int_equal(optp_distance("reprot", "report", 3), 1);
    assert_int_equal(optp_distance("kitten", "sitting", 3), 3);
    assert_int_equal(optp_distance("kitten", "sitting", 2), 3);
    assert_int_equal(optp_distance("", "abc", 5), 3);
    assert_int_equal(optp_distance("a", "abcdefgh", 2), 3);

    const char *names[] = {"init", "run", "report", "status", "serve", NULL, "help"};
    size_t n = sizeof(names) / sizeof(names[0]);
    assert_string_equal(optp_suggest("reprot", names, n), "report");
    assert_string_equal(optp_suggest("stauts", names, n), "status");
    assert_string_equal(optp_suggest("rn", names, n), "run");
    assert_string_equal(optp_suggest("rep", names, n), "report");
    assert_string_equal(optp_suggest("hlep", names, n), "help");
    assert_null(optp_suggest("frobnicate", names, n));
    assert_null(optp_suggest("", names, n));
    char longname[200];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_null(optp_suggest(longname, names, n));
}

static void test_check(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(optp_check(&cmd, f), 0);

    static const struct optp_opt bad_opts[] = {
        {.name = "a", .short_name = 'a', .id = 1, .help = "x"},
        {.name = "a", .short_name = 'a', .id = 2, .help = "twice"},
        {.name = "b", .kind = OPTP_STRING, .id = 3, .help = "no value name"},
        {.name = "c", .id = 0, .help = "no id"},
        {.name = "d", .id = 4},
        {.name = "e", .short_name = 'h', .id = 5, .help = "-h"},
        {.name = "f",
         .kind = OPTP_INT,
         .id = 6,
         .value_name = "N",
         .help = "x",
         .min = 2,
         .max = 1},
        {.name = "g", .kind = OPTP_CHOICE, .id = 7, .value_name = "X", .help = "x"},
        {.name = "help", .id = 8, .help = "mine"},
        {.name = "hidden", .kind = OPTP_STRING, .id = 9, .flags = OPTP_HIDDEN},
        {.name = NULL},
    };
    static const struct optp_cmd bad = {.name = "bad", .opts = bad_opts};
    assert_int_equal(optp_check(&bad, f), 9);
    fclose(f);
    assert_non_null(strstr(buf, "aidf: option table of 'bad': --a is listed twice\n"));
    assert_non_null(strstr(buf, "-a is used by --a and --a"));
    assert_non_null(strstr(buf, "--b takes a value but has no value name"));
    assert_non_null(strstr(buf, "--c has no id"));
    assert_non_null(strstr(buf, "--d has no help text"));
    assert_non_null(strstr(buf, "--e uses -h"));
    assert_non_null(strstr(buf, "--f has an empty range"));
    assert_non_null(strstr(buf, "--g is a choice without choices"));
    assert_non_null(strstr(buf, "'help' is empty or reserved"));
    assert_null(strstr(buf, "hidden"));
    free(buf);
}

static void test_usage_error(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(optp_usage_error(f, NULL, "bad %d", 7), 2);
    assert_int_equal(optp_usage_error(f, "report list", "worse"), 2);
    fclose(f);
    assert_string_equal(buf, "aidf: bad 7\nTry 'aidf --help'.\n"
                             "aidf: worse\nTry 'aidf report list --help'.\n");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_names),          cmocka_unit_test(test_prefix_refused),
        cmocka_unit_test(test_short_flags),          cmocka_unit_test(test_values),
        cmocka_unit_test(test_positionals),          cmocka_unit_test(test_help),
        cmocka_unit_test(test_distance_and_suggest), cmocka_unit_test(test_check),
        cmocka_unit_test(test_usage_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
