#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidf/log.h"
#include "aidf/profiler.h"
#include "testutil.h"

#define MS         1000000LL /* nanoseconds per millisecond */
#define EPS        1e-9
#define NEAR(a, b) (fabs((a) - (b)) < EPS)

struct fake_clock {
    int64_t now;
};

static int64_t fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->now;
}

/* Counts warnings instead of printing them. */
static int warnings;
static char last_warning[512];

static void count_sink(int level, const char *line, void *ctx)
{
    (void)ctx;
    if (level == AIDF_LOG_WARN) {
        warnings++;
        snprintf(last_warning, sizeof(last_warning), "%s", line);
    }
}

static int setup(void **state)
{
    (void)state;
    warnings = 0;
    last_warning[0] = '\0';
    aidf_log_set_sink(count_sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    aidf_log_set_sink(NULL, NULL);
    return 0;
}

static const struct aidf_phase_summary *find(const struct aidf_phase_summary *s, size_t n,
                                             const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].name, name) == 0)
            return &s[i];
    return NULL;
}

static void test_accumulation_and_stats(void **state)
{
    (void)state;
    struct fake_clock clk = {1000 * MS};
    struct aidf_profiler p;
    aidf_profiler_init(&p, fake_now, &clk);

    /* aiExecution three times: 10, 30, 20 ms; validation once: 40 ms. */
    int64_t d[] = {10, 30, 20};
    for (int i = 0; i < 3; i++) {
        aidf_profiler_start(&p, "aiExecution");
        clk.now += d[i] * MS;
        aidf_profiler_end(&p, "aiExecution");
        clk.now += 5 * MS;
    }
    aidf_profiler_start(&p, "validation");
    clk.now += 40 * MS;
    aidf_profiler_end(&p, "validation");
    clk.now += 35 * MS; /* total elapsed: 60 + 15 + 40 + 35 = 150 ms */
    assert_int_equal(warnings, 0);
    assert_true(NEAR(aidf_profiler_elapsed_ms(&p), 150));

    struct aidf_num_map m = {0};
    aidf_profiler_timings(&p, &m);
    assert_int_equal(m.n, 2);
    assert_string_equal(m.items[0].name, "aiExecution");
    assert_true(NEAR(aidf_num_map_get(&m, "aiExecution"), 60));
    assert_true(NEAR(aidf_num_map_get(&m, "validation"), 40));
    aidf_num_map_release(&m);

    size_t n = 0;
    struct aidf_phase_summary *s = aidf_profiler_summary(&p, NAN, &n);
    assert_int_equal(n, 2);
    const struct aidf_phase_summary *ai = find(s, n, "aiExecution");
    assert_non_null(ai);
    assert_int_equal(ai->count, 3);
    assert_true(NEAR(ai->total_ms, 60));
    assert_true(NEAR(ai->avg_ms, 20));
    assert_true(NEAR(ai->min_ms, 10));
    assert_true(NEAR(ai->max_ms, 30));
    assert_true(NEAR(ai->percentage, 40)); /* 60 of 150 */
    const struct aidf_phase_summary *val = find(s, n, "validation");
    assert_int_equal(val->count, 1);
    assert_true(NEAR(val->min_ms, 40));
    assert_true(NEAR(val->max_ms, 40));
    assert_true(NEAR(val->avg_ms, 40));
    assert_true(fabs(val->percentage - 26.666666666666668) < 1e-6);
    free(s);

    /* An explicit total. */
    s = aidf_profiler_summary(&p, 200, &n);
    assert_true(NEAR(find(s, n, "aiExecution")->percentage, 30));
    assert_true(NEAR(find(s, n, "validation")->percentage, 20));
    free(s);
    aidf_profiler_release(&p);
    assert_int_equal(p.n, 0);
}

static void test_nesting(void **state)
{
    (void)state;
    struct fake_clock clk = {0};
    struct aidf_profiler p;
    aidf_profiler_init(&p, fake_now, &clk);

    /* aiExecution [0, 100) contains promptBuilding [10, 25). */
    aidf_profiler_start(&p, "aiExecution");
    clk.now += 10 * MS;
    aidf_profiler_start(&p, "promptBuilding");
    assert_true(aidf_profiler_running(&p, "aiExecution"));
    assert_true(aidf_profiler_running(&p, "promptBuilding"));
    clk.now += 15 * MS;
    aidf_profiler_end(&p, "promptBuilding");
    clk.now += 75 * MS;
    aidf_profiler_end(&p, "aiExecution");

    /* Overlap: the outer ends while the inner is still open. */
    aidf_profiler_start(&p, "outer");
    clk.now += 5 * MS;
    aidf_profiler_start(&p, "inner");
    clk.now += 5 * MS;
    aidf_profiler_end(&p, "outer");
    clk.now += 7 * MS;
    aidf_profiler_end(&p, "inner");
    assert_int_equal(warnings, 0);
    assert_false(aidf_profiler_running(&p, "inner"));

    struct aidf_num_map m = {0};
    aidf_profiler_timings(&p, &m);
    assert_true(NEAR(aidf_num_map_get(&m, "aiExecution"), 100));
    assert_true(NEAR(aidf_num_map_get(&m, "promptBuilding"), 15));
    assert_true(NEAR(aidf_num_map_get(&m, "outer"), 10));
    assert_true(NEAR(aidf_num_map_get(&m, "inner"), 12));
    /* First-start order. */
    assert_string_equal(m.items[0].name, "aiExecution");
    assert_string_equal(m.items[1].name, "promptBuilding");
    assert_string_equal(m.items[2].name, "outer");
    assert_string_equal(m.items[3].name, "inner");
    aidf_num_map_release(&m);

    size_t n;
    struct aidf_phase_summary *s = aidf_profiler_summary(&p, NAN, &n);
    /* Nested time counts in both phases: percentages may overlap. */
    assert_true(NEAR(find(s, n, "aiExecution")->percentage, 100.0 * 100 / 117));
    assert_true(NEAR(find(s, n, "promptBuilding")->percentage, 100.0 * 15 / 117));
    free(s);
    aidf_profiler_release(&p);
}

static void test_misuse(void **state)
{
    (void)state;
    struct fake_clock clk = {0};
    struct aidf_profiler p;
    aidf_profiler_init(&p, fake_now, &clk);

    aidf_profiler_end(&p, "never");
    assert_int_equal(warnings, 1);
    assert_non_null(strstr(last_warning, "never"));
    assert_int_equal(p.n, 0);

    aidf_profiler_start(&p, "a");
    clk.now += 10 * MS;
    aidf_profiler_start(&p, "a"); /* already running: ignored, the first start stands */
    assert_int_equal(warnings, 2);
    clk.now += 10 * MS;
    aidf_profiler_end(&p, "a");
    aidf_profiler_end(&p, "a"); /* already ended */
    assert_int_equal(warnings, 3);

    aidf_profiler_start(&p, NULL);
    aidf_profiler_start(&p, "");
    aidf_profiler_end(&p, NULL);
    aidf_profiler_start(NULL, "x");
    aidf_profiler_end(NULL, "x");
    assert_int_equal(warnings, 8);
    assert_false(aidf_profiler_running(NULL, "a"));
    assert_false(aidf_profiler_running(&p, NULL));

    size_t n;
    struct aidf_phase_summary *s = aidf_profiler_summary(&p, NAN, &n);
    assert_int_equal(n, 1);
    assert_int_equal(s[0].count, 1);
    assert_true(NEAR(s[0].total_ms, 20));
    free(s);

    /* A clock going backwards never gives negative time. */
    aidf_profiler_start(&p, "back");
    clk.now -= 5 * MS;
    aidf_profiler_end(&p, "back");
    struct aidf_num_map m = {0};
    aidf_profiler_timings(&p, &m);
    assert_true(NEAR(aidf_num_map_get(&m, "back"), 0));
    aidf_num_map_release(&m);
    aidf_profiler_timings(NULL, &m);
    aidf_profiler_timings(&p, NULL);
    assert_null(aidf_profiler_summary(NULL, 0, &n));
    assert_int_equal(n, 0);
    aidf_profiler_release(&p);
    aidf_profiler_release(NULL);
}

static void test_empty(void **state)
{
    (void)state;
    struct aidf_profiler p;
    aidf_profiler_init(&p, NULL, NULL);
    size_t n = 99;
    assert_null(aidf_profiler_summary(&p, NAN, &n));
    assert_int_equal(n, 0);
    struct aidf_num_map m = {0};
    aidf_profiler_timings(&p, &m);
    assert_int_equal(m.n, 0);
    assert_int_equal(aidf_profiler_finish(&p), 0);
    aidf_profiler_release(&p);
}

static void test_running_at_report_time(void **state)
{
    (void)state;
    struct fake_clock clk = {0};
    struct aidf_profiler p;
    aidf_profiler_init(&p, fake_now, &clk);
    aidf_profiler_start(&p, "done");
    clk.now += 10 * MS;
    aidf_profiler_end(&p, "done");
    aidf_profiler_start(&p, "open");
    clk.now += 30 * MS;

    /* Timings and summaries count the open interval up to now without closing it. */
    struct aidf_num_map m = {0};
    aidf_profiler_timings(&p, &m);
    assert_true(NEAR(aidf_num_map_get(&m, "open"), 30));
    aidf_num_map_release(&m);
    size_t n;
    struct aidf_phase_summary *s = aidf_profiler_summary(&p, NAN, &n);
    const struct aidf_phase_summary *o = find(s, n, "open");
    assert_int_equal(o->count, 1);
    assert_true(NEAR(o->min_ms, 30));
    assert_true(NEAR(o->max_ms, 30));
    assert_true(NEAR(o->percentage, 75));
    free(s);
    assert_true(aidf_profiler_running(&p, "open"));
    assert_int_equal(warnings, 0);

    clk.now += 10 * MS;
    assert_int_equal(aidf_profiler_finish(&p), 1);
    assert_int_equal(warnings, 1);
    assert_non_null(strstr(last_warning, "open"));
    assert_false(aidf_profiler_running(&p, "open"));
    clk.now += 100 * MS; /* no longer counting */
    aidf_num_map_release(&m);
    aidf_profiler_timings(&p, &m);
    assert_true(NEAR(aidf_num_map_get(&m, "open"), 40));
    assert_true(NEAR(aidf_num_map_get(&m, "done"), 10));
    aidf_num_map_release(&m);
    assert_int_equal(aidf_profiler_finish(&p), 0);
    assert_int_equal(warnings, 1);
    aidf_profiler_release(&p);
}

static void test_phase_limit(void **state)
{
    (void)state;
    struct fake_clock clk = {0};
    struct aidf_profiler p;
    aidf_profiler_init(&p, fake_now, &clk);
    char name[32];
    for (int i = 0; i < AIDF_PROFILER_MAX_PHASES + 3; i++) {
        snprintf(name, sizeof(name), "phase%d", i);
        aidf_profiler_start(&p, name);
        aidf_profiler_end(&p, name);
    }
    assert_int_equal(p.n, AIDF_PROFILER_MAX_PHASES);
    assert_int_equal(warnings, 6); /* a refused start, then its end, for each of the 3 */
    aidf_profiler_release(&p);
}

static void test_real_clock_accuracy(void **state)
{
    (void)state;
    struct aidf_profiler p;
    aidf_profiler_init(&p, NULL, NULL);
    aidf_profiler_start(&p, "sleep");
    tu_sleep_ms(20);
    aidf_profiler_end(&p, "sleep");
    struct aidf_num_map m = {0};
    aidf_profiler_timings(&p, &m);
    double got = aidf_num_map_get(&m, "sleep");
    assert_true(got >= 15.0);
    assert_true(got <= 200.0);
    assert_true(aidf_profiler_elapsed_ms(&p) >= got);
    aidf_num_map_release(&m);
    size_t n;
    struct aidf_phase_summary *s = aidf_profiler_summary(&p, NAN, &n);
    assert_true(s[0].percentage > 0 && s[0].percentage <= 100.0);
    free(s);
    aidf_profiler_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accumulation_and_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nesting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_running_at_report_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phase_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_clock_accuracy, setup, teardown),
    };
    return cmocka_run_group_tests_name("profiler", tests, NULL, NULL);
}
