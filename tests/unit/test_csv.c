/* Unit tests for lib/base/csv.c: RFC 4180 quoting, formula-injection guard, both CSV shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/csv.h"
#include "aidf/report.h"
#include "aidf/store.h"

static void cell_is(const char *in, const char *want)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    assert_int_equal(aidf_csv_text(&b, in), AIDF_OK);
    assert_string_equal(b.ptr, want);
    aidf_buf_release(&b);
}

static void test_text_cells(void **state)
{
    (void)state;
    cell_is("plain", "plain");
    cell_is("", "");
    cell_is(NULL, "");
    cell_is("with space", "with space");
    cell_is("a,b", "\"a,b\"");
    cell_is("say \"hi\"", "\"say \"\"hi\"\"\"");
    cell_is("\"", "\"\"\"\"");
    cell_is("line1\nline2", "\"line1\nline2\"");
    cell_is("line1\r\nline2", "\"line1\r\nline2\"");
    cell_is("cr\ronly", "cr\\ronly"); /* a bare CR could overwrite the line on a terminal */
    /* Formula injection (OWASP): = + - @ TAB CR LF at the start get a leading quote. */
    cell_is("=1+2", "'=1+2");
    cell_is("+1", "'+1");
    cell_is("-cmd", "'-cmd");
    cell_is("@SUM(A1)", "'@SUM(A1)");
    cell_is("\tx", "'\tx");
    cell_is("\rx", "\\rx"); /* escaped, it starts with a backslash: no formula */
    cell_is("\nx", "\"'\nx\"");
    cell_is("=1+2\";=1+2", "\"'=1+2\"\";=1+2\""); /* the OWASP example */
    cell_is("=HYPERLINK(\"http://x\",\"a,b\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\"");
    cell_is("a=1", "a=1"); /* only the first character matters */
    cell_is("caf\xc3\xa9", "caf\xc3\xa9");
}

/* Control characters become visible escapes; TAB and newlines stay inside quotes. */
static void test_text_cell_controls(void **state)
{
    (void)state;
    cell_is("\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title");
    cell_is("a\x1b[2Jb", "a\\x1b[2Jb");
    cell_is("\x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\",
            "\\x1b]8;;http://evil/\\x1b\\link\\x1b]8;;\\x1b\\");
    cell_is("\xC2\x9B"
            "2J\x9b",
            "\\u009b2J\\x9b");              /* C1: UTF-8 and raw */
    cell_is("x\xE2\x80\xAEy", "x\\u202ey"); /* RLO */
    cell_is("del\x7f", "del\\x7f");
    cell_is("ok\r\nforged,line", "\"ok\r\nforged,line\""); /* CRLF stays, quoted */
    cell_is("a\tb\nc", "\"a\tb\nc\"");
    cell_is("a\tb", "a\tb");
    /* A quote next to an escape is still doubled; the guard looks at the escaped text. */
    cell_is("\x1b\"=x", "\"\\x1b\"\"=x\"");
    cell_is("=\x1b", "'=\\x1b");
    cell_is("\x1b=1", "\\x1b=1");
}

static void test_text_cell_limit(void **state)
{
    (void)state;
    struct aidf_buf b = AIDF_BUF_INIT(8);
    assert_int_equal(aidf_csv_text(&b, "abc"), AIDF_OK);
    assert_int_equal(aidf_csv_text(&b, "x,\"yyyy"), AIDF_ETOOBIG);
    assert_string_equal(b.ptr, "abc"); /* no half cell */
    aidf_buf_release(&b);
}

static struct aidf_run_summary base(void)
{
    struct aidf_run_summary s;
    memset(&s, 0, sizeof(s));
    snprintf(s.run_id, sizeof(s.run_id), "%s", "1a2b3c4d-0000-4000-8000-000000000001");
    s.timestamp = "2026-11-24T10:00:00.000Z";
    s.task_path = ".ai/tasks/001-login.md";
    s.provider = "claude-cli";
    s.model = "claude-sonnet-4-5";
    s.error_category = "";
    s.file = "";
    s.status = AIDF_STATUS_COMPLETED;
    s.iterations = 3;
    s.has_tokens = true;
    s.tokens_in = 1200;
    s.tokens_out = 340;
    s.tokens_total = 1540;
    s.cost = 0.0123456789;
    s.duration_ms = 65432.1;
    s.files_total = 4;
    s.scope_violations = 1;
    s.validation_failures = 2;
    s.cache_read = 5000;
    s.cache_write = 700;
    s.currency = "USD";
    s.project = "acme/widgets";
    s.actor = "octocat";
    return s;
}

static void test_summary_csv(void **state)
{
    (void)state;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    assert_int_equal(aidf_csv_summary_header(&b), AIDF_OK);
    assert_string_equal(b.ptr, "run_id,timestamp,task,status,iterations,input_tokens,"
                               "output_tokens,total_tokens,estimated_cost,duration_seconds,"
                               "files_modified,provider,model,scope_violations,"
                               "validation_failures,cache_read_tokens,cache_write_tokens,"
                               "currency,project,actor,total_tokens_with_cache\r\n");
    size_t commas = 0;
    for (const char *p = b.ptr; *p; p++)
        commas += *p == ',';
    assert_int_equal(commas + 1, AIDF_CSV_SUMMARY_COLUMNS);
    aidf_buf_reset(&b);

    struct aidf_run_summary s = base();
    assert_int_equal(aidf_csv_summary_row(&b, &s), AIDF_OK);
    assert_string_equal(b.ptr, "1a2b3c4d-0000-4000-8000-000000000001,2026-11-24T10:00:00.000Z,"
                               ".ai/tasks/001-login.md,completed,3,1200,340,1540,0.012346,"
                               "65.432,4,claude-cli,claude-sonnet-4-5,1,2,5000,700,USD,"
                               "acme/widgets,octocat,7240\r\n");
    aidf_buf_reset(&b);

    /* Unpriced: empty cost, never 0. No tokens: empty token cells. Text needs quoting. */
    s.cost = NAN;
    s.cost_unpriced = true;
    s.has_tokens = false;
    s.task_path = "fix \"login\", again\nplease";
    s.model = "=cmd|' /C calc'!A0";
    s.provider = "-x";
    s.status = AIDF_STATUS_FAILED;
    s.currency = NULL; /* no currency named: USD */
    s.project = "@evil,\"x\"";
    s.actor = "+\x1b]0;t\x07";
    assert_int_equal(aidf_csv_summary_row(&b, &s), AIDF_OK);
    assert_string_equal(b.ptr, "1a2b3c4d-0000-4000-8000-000000000001,2026-11-24T10:00:00.000Z,"
                               "\"fix \"\"login\"\", again\nplease\",failed,3,,,,,"
                               "65.432,4,'-x,'=cmd|' /C calc'!A0,1,2,,,USD,"
                               "\"'@evil,\"\"x\"\"\",'+\\x1b]0;t\\x07,\r\n");
    aidf_buf_reset(&b);

    /* Another currency and empty dimensions. */
    s = base();
    s.currency = "EUR";
    s.project = "";
    s.actor = "";
    assert_int_equal(aidf_csv_summary_row(&b, &s), AIDF_OK);
    assert_non_null(strstr(b.ptr, ",1,2,5000,700,EUR,,,7240\r\n"));
    aidf_buf_reset(&b);

    /* Numeric columns are never guarded or quoted, even when negative. */
    s = base();
    s.iterations = -1;
    s.cost = -0.5;
    assert_int_equal(aidf_csv_summary_row(&b, &s), AIDF_OK);
    assert_non_null(strstr(b.ptr, ",-1,1200,340,1540,-0.500000,"));
    aidf_buf_release(&b);
}

static void test_detailed_csv(void **state)
{
    (void)state;
    const char *json =
        "{\"runId\":\"1a2b3c4d-0000-4000-8000-000000000001\","
        "\"timestamp\":\"2026-11-24T10:00:00Z\",\"status\":\"completed\","
        "\"tokens\":{\"totalInput\":30,\"totalOutput\":3,\"perIteration\":["
        "{\"iteration\":2,\"input\":20,\"output\":2},{\"iteration\":1,\"input\":10,\"output\":1}]},"
        "\"timing\":{\"totalDurationMs\":900,\"perIteration\":["
        "{\"iteration\":2,\"durationMs\":500.25,\"phases\":{\"aiExecution\":400,\"validation\":"
        "100.25},\"filesChanged\":3},"
        "{\"iteration\":3,\"durationMs\":400,\"phases\":{\"aiExecution\":350}}]}}";
    struct aidf_report r;
    aidf_report_init(&r);
    struct aidf_error e;
    int rc = aidf_report_parse(json, strlen(json), &r, &e);
    if (rc)
        fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, AIDF_OK);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    assert_int_equal(aidf_csv_detailed_header(&b), AIDF_OK);
    assert_string_equal(b.ptr, "run_id,iteration,input_tokens,output_tokens,duration_ms,"
                               "phase_ai_ms,phase_validation_ms,files_changed\r\n");
    aidf_buf_reset(&b);
    assert_int_equal(aidf_csv_detailed_rows(&b, &r), AIDF_OK);
    assert_string_equal(b.ptr, "1a2b3c4d-0000-4000-8000-000000000001,1,10,1,,,,\r\n"
                               "1a2b3c4d-0000-4000-8000-000000000001,2,20,2,500.25,400,100.25,3\r\n"
                               "1a2b3c4d-0000-4000-8000-000000000001,3,,,400,350,,\r\n");
    aidf_report_release(&r);

    /* No iterations: no rows. */
    const char *bare = "{\"runId\":\"1a2b3c4d-0000-4000-8000-000000000001\","
                       "\"timestamp\":\"2026-11-24T10:00:00Z\",\"status\":\"failed\"}";
    aidf_report_init(&r);
    assert_int_equal(aidf_report_parse(bare, strlen(bare), &r, NULL), AIDF_OK);
    aidf_buf_reset(&b);
    assert_int_equal(aidf_csv_detailed_rows(&b, &r), AIDF_OK);
    assert_int_equal(b.len, 0);
    aidf_report_release(&r);
    aidf_buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_cells),      cmocka_unit_test(test_text_cell_controls),
        cmocka_unit_test(test_text_cell_limit), cmocka_unit_test(test_summary_csv),
        cmocka_unit_test(test_detailed_csv),
    };
    return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
