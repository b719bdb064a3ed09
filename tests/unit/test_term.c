/*
 * Terminal formatting of the CLI (cli/term.c): bars, percentages, thousands, money,
 * UTF-8 width and truncation, tables, boxes and the colour decision.
 *
 * term.c belongs to the aidf executable, not the core library, so it is compiled into
 * this test directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.c"

/* Count occurrences of a UTF-8 character in s. */
static size_t count_of(const char *s, const char *ch)
{
    size_t n = 0, l = strlen(ch);
    for (const char *p = strstr(s, ch); p; p = strstr(p + l, ch))
        n++;
    return n;
}

static void bar_check(double pct, size_t filled)
{
    char bar[TERM_BAR_SIZE];
    term_bar(pct, bar, sizeof(bar));
    assert_int_equal(term_width(bar), TERM_BAR_WIDTH);
    assert_int_equal(count_of(bar, "\xE2\x96\x88"), filled);
    assert_int_equal(count_of(bar, "\xE2\x96\x91"), TERM_BAR_WIDTH - filled);
    /* Filled characters come first. */
    if (filled > 0 && filled < TERM_BAR_WIDTH)
        assert_memory_equal(bar + (filled - 1) * 3, "\xE2\x96\x88\xE2\x96\x91", 6);
}

static void test_bar_widths_and_rounding(void **state)
{
    (void)state;
    bar_check(0, 0);
    bar_check(100, 25);
    bar_check(78, 20);  /* 19.5 rounds half away from zero */
    bar_check(50, 13);  /* 12.5 → 13 */
    bar_check(1.9, 0);  /* 0.475 → 0 */
    bar_check(2, 1);    /* 0.5 → 1 */
    bar_check(3.99, 1); /* 0.9975 → 1 */
    bar_check(97.9, 24);
    bar_check(98, 25); /* 24.5 → 25 */
    bar_check(-5, 0);
    bar_check(250, 25);
    bar_check(NAN, 0);
    /* A short buffer is cut at a character boundary and stays terminated. */
    char small[8];
    term_bar(100, small, sizeof(small));
    assert_int_equal(strlen(small), 6);
}

static void test_pct(void **state)
{
    (void)state;
    char b[16];
    term_pct(0, b, sizeof(b));
    assert_string_equal(b, "0%");
    term_pct(0.01, b, sizeof(b));
    assert_string_equal(b, "<1%");
    term_pct(0.999, b, sizeof(b));
    assert_string_equal(b, "<1%");
    term_pct(1, b, sizeof(b));
    assert_string_equal(b, "1%");
    term_pct(77.6, b, sizeof(b));
    assert_string_equal(b, "78%");
    term_pct(100, b, sizeof(b));
    assert_string_equal(b, "100%");
    term_pct(NAN, b, sizeof(b));
    assert_string_equal(b, "0%");
}

static void test_thousands(void **state)
{
    (void)state;
    char b[32];
    term_thousands(0, b, sizeof(b));
    assert_string_equal(b, "0");
    term_thousands(999, b, sizeof(b));
    assert_string_equal(b, "999");
    term_thousands(1000, b, sizeof(b));
    assert_string_equal(b, "1,000");
    term_thousands(12345, b, sizeof(b));
    assert_string_equal(b, "12,345");
    term_thousands(1234567, b, sizeof(b));
    assert_string_equal(b, "1,234,567");
    term_thousands(-1000, b, sizeof(b));
    assert_string_equal(b, "-1,000");
    term_thousands(INT64_MAX, b, sizeof(b));
    assert_string_equal(b, "9,223,372,036,854,775,807");
    term_thousands(INT64_MIN, b, sizeof(b));
    assert_string_equal(b, "-9,223,372,036,854,775,808");
    char tiny[4];
    term_thousands(12345, tiny, sizeof(tiny));
    assert_string_equal(tiny, "12,");
}

static void test_money(void **state)
{
    (void)state;
    char b[32];
    term_money(12.3456, b, sizeof(b));
    assert_string_equal(b, "$12.3456");
    term_money(0, b, sizeof(b));
    assert_string_equal(b, "$0.0000");
    term_money(0.154323, b, sizeof(b));
    assert_string_equal(b, "$0.1543");
    term_money(99.99, b, sizeof(b));
    assert_string_equal(b, "$99.9900");
    term_money(99.99996, b, sizeof(b));
    assert_string_equal(b, "$100.00");
    term_money(100, b, sizeof(b));
    assert_string_equal(b, "$100.00");
    term_money(1234.567, b, sizeof(b));
    assert_string_equal(b, "$1,234.57");
    term_money(NAN, b, sizeof(b));
    assert_string_equal(b, "unpriced");
    term_money(INFINITY, b, sizeof(b));
    assert_true(b[0] == '$');
}

static void test_duration(void **state)
{
    (void)state;
    char b[32];
    term_duration(850, b, sizeof(b));
    assert_string_equal(b, "850ms");
    term_duration(-1, b, sizeof(b));
    assert_string_equal(b, "-");
    term_duration(NAN, b, sizeof(b));
    assert_string_equal(b, "-");
}

static void test_utf8_width(void **state)
{
    (void)state;
    assert_int_equal(term_width(""), 0);
    assert_int_equal(term_width(NULL), 0);
    assert_int_equal(term_width("abc"), 3);
    assert_int_equal(term_width("caf\xC3\xA9"), 4);              /* café */
    assert_int_equal(term_width("cafe\xCC\x81"), 4);             /* e + combining acute */
    assert_int_equal(term_width("\xE6\x97\xA5\xE6\x9C\xAC"), 4); /* 日本 */
    assert_int_equal(term_width("\xE2\x96\x88\xE2\x96\x91"), 2); /* █░ */
    assert_int_equal(term_width("\xF0\x9F\x9A\x80"), 2);         /* rocket emoji */
    assert_int_equal(term_width("\033[32mok\033[0m"), 2);        /* colours are free */
    assert_int_equal(term_width("a\xFF"
                                "b"),
                     3);                         /* invalid byte */
    assert_int_equal(term_width("\xC0\xAF"), 2); /* overlong: 2 bad bytes */
    assert_int_equal(term_width("\xE2\x96"), 2); /* truncated sequence */
}

static void test_truncate(void **state)
{
    (void)state;
    char *s = term_truncate("hello", 10);
    assert_string_equal(s, "hello");
    free(s);
    s = term_truncate("hello world", 8);
    assert_string_equal(s, "hello w\xE2\x80\xA6");
    assert_int_equal(term_width(s), 8);
    free(s);
    /* Never cut a wide character in half. */
    s = term_truncate("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 4);
    assert_string_equal(s, "\xE6\x97\xA5\xE2\x80\xA6");
    assert_true(term_width(s) <= 4);
    free(s);
    s = term_truncate("abc", 0);
    assert_string_equal(s, "");
    free(s);
    s = term_truncate("abcdef", 1);
    assert_string_equal(s, "\xE2\x80\xA6");
    free(s);
    s = term_truncate(NULL, 3);
    assert_string_equal(s, "");
    free(s);
}

static void test_color_decision(void **state)
{
    (void)state;
    /* auto: only a TTY, NO_COLOR unset or empty, TERM not dumb */
    assert_true(term_color_decide(TERM_COLOR_AUTO, true, NULL, NULL, "xterm-256color"));
    assert_true(term_color_decide(TERM_COLOR_AUTO, true, "", NULL, "xterm"));
    assert_true(term_color_decide(TERM_COLOR_AUTO, true, NULL, NULL, NULL));
    assert_false(term_color_decide(TERM_COLOR_AUTO, false, NULL, NULL, "xterm"));
    assert_false(term_color_decide(TERM_COLOR_AUTO, true, "1", NULL, "xterm"));
    assert_false(term_color_decide(TERM_COLOR_AUTO, true, "0", NULL, "xterm"));
    assert_false(term_color_decide(TERM_COLOR_AUTO, true, NULL, NULL, "dumb"));
    /* explicit choices win */
    assert_true(term_color_decide(TERM_COLOR_ALWAYS, false, "1", NULL, "dumb"));
    assert_false(term_color_decide(TERM_COLOR_NEVER, true, NULL, NULL, "xterm"));
    /* FORCE_COLOR (not empty, not "0") colours a pipe and a dumb terminal; NO_COLOR wins. */
    assert_true(term_color_decide(TERM_COLOR_AUTO, false, NULL, "1", "xterm"));
    assert_true(term_color_decide(TERM_COLOR_AUTO, false, "", "true", NULL));
    assert_true(term_color_decide(TERM_COLOR_AUTO, true, NULL, "3", "dumb"));
    assert_false(term_color_decide(TERM_COLOR_AUTO, false, NULL, "0", "xterm"));
    assert_false(term_color_decide(TERM_COLOR_AUTO, false, NULL, "", "xterm"));
    assert_false(term_color_decide(TERM_COLOR_AUTO, false, "1", "1", "xterm"));
    assert_false(term_color_decide(TERM_COLOR_AUTO, true, "1", "1", "xterm"));
    assert_false(term_color_decide(TERM_COLOR_NEVER, false, NULL, "1", "xterm"));

    assert_int_equal(term_parse_color_mode("auto"), TERM_COLOR_AUTO);
    assert_int_equal(term_parse_color_mode("always"), TERM_COLOR_ALWAYS);
    assert_int_equal(term_parse_color_mode("never"), TERM_COLOR_NEVER);
    assert_int_equal(term_parse_color_mode("yes"), -1);
    assert_int_equal(term_parse_color_mode(""), -1);
    assert_int_equal(term_parse_color_mode(NULL), -1);

    /* A file is never a TTY: auto gives no colour, always does. */
    FILE *f = tmpfile();
    assert_non_null(f);
    term_set_color_mode(TERM_COLOR_AUTO);
    assert_false(term_use_color(f));
    term_set_color_mode(TERM_COLOR_ALWAYS);
    assert_true(term_use_color(f));
    term_set_color_mode(TERM_COLOR_AUTO);
    fclose(f);

    assert_string_equal(term_status_color(AIDF_STATUS_COMPLETED), TERM_GREEN);
    assert_string_equal(term_status_color(AIDF_STATUS_BLOCKED), TERM_YELLOW);
    assert_string_equal(term_status_color(AIDF_STATUS_FAILED), TERM_RED);
    assert_string_equal(term_status_color(AIDF_STATUS_UNKNOWN), "");
}

/* Print into a memory stream and return the text (heap). Not inlined: GCC 12 at -O3 takes
 * the stream's buffer for the address of the local `text` (-Wdangling-pointer). */
__attribute__((noinline)) static char *capture_table(const struct term_table *t, bool color)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    term_table_print(t, f, "", color);
    fclose(f);
    return text;
}

static void test_table(void **state)
{
    (void)state;
    static const char *const headers[] = {"NAME", "N", "NOTE"};
    static const enum term_align align[] = {TERM_LEFT, TERM_RIGHT, TERM_LEFT};
    struct term_table t;
    term_table_init(&t, 3, headers, align);
    term_table_set_max(&t, 2, 5);
    term_table_row(&t);
    term_table_cell(&t, "caf\xC3\xA9", NULL);
    term_table_cellf(&t, NULL, "%d", 12345);
    term_table_cell(&t, "a long note", NULL);
    term_table_row(&t);
    term_table_cell(&t, "x", TERM_GREEN);
    term_table_cell(&t, "7", NULL);
    /* third cell missing: printed empty */
    char *text = capture_table(&t, false);
    assert_string_equal(text, "NAME      N  NOTE\n"
                              "caf\xC3\xA9  12345  a lo\xE2\x80\xA6\n"
                              "x         7  \n");
    free(text);
    text = capture_table(&t, true);
    assert_non_null(strstr(text, TERM_GREEN "x" TERM_RESET "   "));
    assert_non_null(strstr(text, TERM_BOLD "NAME" TERM_RESET));
    free(text);
    term_table_release(&t);
}

/* Table cells from reports: escaped before they are measured, cut or printed. */
static void test_table_escapes_cells(void **state)
{
    (void)state;
    static const char *const headers[] = {"TASK", "N"};
    static const enum term_align align[] = {TERM_LEFT, TERM_RIGHT};
    struct term_table t;
    term_table_init(&t, 2, headers, align);
    term_table_row(&t);
    term_table_cell(&t, "a\x1b[2Jb\r\nc", NULL);
    term_table_cell(&t, "1", NULL);
    term_table_row(&t);
    term_table_cell(&t,
                    "\xC2\x9B"
                    "31m\xE2\x80\xAE",
                    NULL);
    term_table_cell(&t, "2", NULL);
    /* The width is that of the escaped text: "\u009b31m\u202e" is 15 columns. */
    assert_int_equal(term_table_col_width(&t, 0), 15);
    char *text = capture_table(&t, true);
    assert_non_null(strstr(text, "a\\x1b[2Jb\\r\\nc   1\n"));
    assert_non_null(strstr(text, "\\u009b31m\\u202e  2\n"));
    /* No ESC but our bold header; no CR, no C1, no RLO. */
    assert_null(strchr(text, '\r'));
    assert_int_equal(count_of(text, "\x1b"), 4); /* TERM_BOLD and TERM_RESET, twice */
    assert_null(strstr(text, "\xC2\x9B"));
    assert_null(strstr(text, "\xE2\x80\xAE"));
    free(text);
    term_table_release(&t);

    /* A cell cut to a column limit is cut after escaping. */
    term_table_init(&t, 2, headers, align);
    term_table_set_max(&t, 0, 6);
    term_table_row(&t);
    term_table_cell(&t, "\x1b]0;title\x07", NULL);
    term_table_cell(&t, "1", NULL);
    assert_string_equal(t.cells[0].text, "\\x1b]\xE2\x80\xA6");
    term_table_release(&t);
}

static void test_vis(void **state)
{
    (void)state;
    struct aidf_strlist keep = {0};
    const char *plain = "caf\xC3\xA9 plain";
    assert_ptr_equal(term_vis(&keep, plain), plain); /* nothing to escape: no copy */
    assert_null(term_vis(&keep, NULL));
    assert_int_equal(keep.n, 0);
    assert_string_equal(term_vis(&keep, "x\x07y"), "x\\x07y");
    assert_string_equal(term_vis(&keep, "\x9b"), "\\x9b");
    assert_int_equal(keep.n, 2);
    aidf_strlist_release(&keep);

    char *e = term_esc("\x1b]8;;http://x/\x1b\\");
    assert_string_equal(e, "\\x1b]8;;http://x/\\x1b\\");
    free(e);
    assert_null(term_esc(NULL));

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    term_fputs_vis("ok\r\naidf: forged\x7f", f);
    term_fputs_vis(NULL, f);
    fclose(f);
    assert_string_equal(text, "ok\\r\\naidf: forged\\x7f");
    free(text);
}

static void test_box(void **state)
{
    (void)state;
    const char *lines[] = {"Runs: 3", "\xE6\x97\xA5\xE6\x9C\xAC"};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    term_box(f, "Sum", lines, 2, false);
    fclose(f);
    assert_string_equal(
        text, "\xE2\x94\x8C\xE2\x94\x80 Sum \xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x90\n"
              "\xE2\x94\x82 Runs: 3 \xE2\x94\x82\n"
              "\xE2\x94\x82 \xE6\x97\xA5\xE6\x9C\xAC    \xE2\x94\x82\n"
              "\xE2\x94\x94\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80"
              "\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80"
              "\xE2\x94\x98\n");
    /* Every line of the box has the same display width. */
    char *save = NULL;
    size_t w = 0;
    for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        if (w == 0)
            w = term_width(ln);
        assert_int_equal(term_width(ln), w);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bar_widths_and_rounding),
        cmocka_unit_test(test_pct),
        cmocka_unit_test(test_thousands),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_utf8_width),
        cmocka_unit_test(test_truncate),
        cmocka_unit_test(test_color_decision),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_table_escapes_cells),
        cmocka_unit_test(test_vis),
        cmocka_unit_test(test_box),
    };
    return cmocka_run_group_tests_name("term", tests, NULL, NULL);
}
