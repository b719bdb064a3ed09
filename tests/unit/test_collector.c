#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/collector.h"
#include "aidf/log.h"
#include "aidf/timeutil.h"

#define MS         1000000LL /* nanoseconds per millisecond */
#define EPS        1e-9
#define NEAR(a, b) (fabs((a) - (b)) < EPS)
/* 2026-11-24T10:00:00.000Z */
#define T0_MS 1795514400000LL

struct fake_clocks {
    int64_t mono_ns;
    int64_t wall_ms;
};

static int64_t fake_mono(void *ctx)
{
    return ((struct fake_clocks *)ctx)->mono_ns;
}

static int64_t fake_wall(void *ctx)
{
    return ((struct fake_clocks *)ctx)->wall_ms;
}

/* Advance both clocks by `ms`. */
static void tick(struct fake_clocks *f, int64_t ms)
{
    f->mono_ns += ms * MS;
    f->wall_ms += ms;
}

static int warnings;

static void count_sink(int level, const char *line, void *ctx)
{
    (void)line;
    (void)ctx;
    if (level == AIDF_LOG_WARN)
        warnings++;
}

static int setup(void **state)
{
    (void)state;
    warnings = 0;
    aidf_log_set_sink(count_sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    aidf_log_set_sink(NULL, NULL);
    return 0;
}

static const struct aidf_run_meta meta = {
    .task_path = ".ai/tasks/pending/001-add-login.md",
    .task_goal = "Add a login form",
    .task_type = "component",
    .role_name = "developer",
    .provider_type = "claude-cli",
    .provider_model = "claude-sonnet-4-5-20250929",
    .cwd = "/home/dev/app",
    .aidf_version = "0.8.0",
};

static struct aidf_collector *new_fake(struct fake_clocks *f, const struct aidf_run_meta *m)
{
    f->mono_ns = 5000 * MS;
    f->wall_ms = T0_MS;
    struct aidf_collector_clocks clocks = {fake_mono, f, fake_wall, f};
    return aidf_collector_new(m, &clocks);
}

static struct aidf_iteration_metrics iter(int64_t n, double ms, int64_t files)
{
    struct aidf_iteration_metrics m = {n, ms, NULL, files};
    return m;
}

/* ---- UUID ------------------------------------------------------------------------------ */

static void test_uuid_v4(void **state)
{
    (void)state;
    char a[AIDF_UUID_BUF], b[AIDF_UUID_BUF];
    for (int i = 0; i < 200; i++) {
        assert_int_equal(aidf_uuid_v4(a), AIDF_OK);
        assert_int_equal(strlen(a), 36);
        assert_true(aidf_run_id_valid(a));
        assert_int_equal(a[14], '4');
        assert_non_null(strchr("89ab", a[19]));
        for (const char *p = a; *p; p++)
            assert_true(*p == '-' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'));
    }
    assert_int_equal(aidf_uuid_v4(b), AIDF_OK);
    assert_string_not_equal(a, b);

    struct aidf_collector *c1 = aidf_collector_new(NULL, NULL);
    struct aidf_collector *c2 = aidf_collector_new(NULL, NULL);
    assert_true(aidf_run_id_valid(aidf_collector_run_id(c1)));
    assert_string_not_equal(aidf_collector_run_id(c1), aidf_collector_run_id(c2));
    aidf_collector_free(c1);
    aidf_collector_free(c2);
}

/* ---- (1) timing accumulation ----------------------------------------------------------- */

static void test_timing_accumulation(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);

    aidf_collector_start_phase(c, "contextLoading");
    tick(&f, 50);
    aidf_collector_end_phase(c, "contextLoading");

    for (int i = 1; i <= 3; i++) {
        aidf_collector_start_phase(c, "aiExecution");
        tick(&f, 1000 * i);
        aidf_collector_end_phase(c, "aiExecution");
        aidf_collector_start_phase(c, "validation");
        tick(&f, 100);
        aidf_collector_end_phase(c, "validation");
        struct aidf_iteration_metrics m = iter(i, NAN, i);
        aidf_collector_record_iteration(c, &m);
    }
    tick(&f, 10);

    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_true(r.timing.present);
    assert_string_equal(r.timing.started_at, "2026-11-24T10:00:00.000Z");
    assert_string_equal(r.timing.completed_at, "2026-11-24T10:00:06.360Z");
    assert_true(NEAR(r.timing.total_duration_ms, 6360));
    assert_true(NEAR(aidf_num_map_get(&r.timing.phases, "contextLoading"), 50));
    assert_true(NEAR(aidf_num_map_get(&r.timing.phases, "aiExecution"), 6000));
    assert_true(NEAR(aidf_num_map_get(&r.timing.phases, "validation"), 300));

    assert_int_equal(r.timing.n_per_iteration, 3);
    /* Iteration 1 includes context loading (it runs before the first iteration). */
    const struct aidf_iter_timing *t = r.timing.per_iteration;
    assert_true(NEAR(t[0].duration_ms, 1150));
    assert_true(NEAR(t[1].duration_ms, 2100));
    assert_true(NEAR(t[2].duration_ms, 3100));
    assert_true(NEAR(aidf_num_map_get(&t[0].phases, "contextLoading"), 50));
    assert_true(NEAR(aidf_num_map_get(&t[0].phases, "aiExecution"), 1000));
    assert_true(isnan(aidf_num_map_get(&t[1].phases, "contextLoading")));
    assert_true(NEAR(aidf_num_map_get(&t[1].phases, "aiExecution"), 2000));
    assert_true(NEAR(aidf_num_map_get(&t[2].phases, "aiExecution"), 3000));
    assert_true(NEAR(aidf_num_map_get(&t[2].phases, "validation"), 100));
    assert_int_equal(t[2].files_changed, 3);
    assert_int_equal(r.iterations, 3);

    /* The summary view agrees with the report's phases. */
    size_t n;
    struct aidf_phase_summary *s =
        aidf_profiler_summary(aidf_collector_profiler(c), r.timing.total_duration_ms, &n);
    assert_int_equal(n, 3);
    assert_int_equal(s[1].count, 3);
    assert_true(NEAR(s[1].avg_ms, 2000));
    assert_true(NEAR(s[1].min_ms, 1000));
    assert_true(NEAR(s[1].max_ms, 3000));
    assert_true(NEAR(s[1].percentage, 6000 * 100.0 / 6360));
    free(s);
    assert_int_equal(warnings, 0);

    aidf_report_release(&r);
    aidf_collector_free(c);
}

static void test_explicit_iteration_metrics(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    struct aidf_num_map phases = {0};
    aidf_num_map_set(&phases, "aiExecution", 1234.5);
    aidf_num_map_set(&phases, "gitOperations", 12);
    struct aidf_iteration_metrics m = {2, 2000, &phases, 4};
    aidf_collector_record_iteration(c, &m);
    m = iter(1, 1000, AIDF_UNSET);
    aidf_collector_record_iteration(c, &m);
    /* Re-recording iteration 2 replaces it. */
    m = (struct aidf_iteration_metrics){2, 2500, &phases, 5};
    aidf_collector_record_iteration(c, &m);
    aidf_num_map_release(&phases); /* copied */

    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_int_equal(r.timing.n_per_iteration, 2);
    assert_int_equal(r.timing.per_iteration[0].iteration, 1);
    assert_true(NEAR(r.timing.per_iteration[0].duration_ms, 1000));
    assert_int_equal(r.timing.per_iteration[0].files_changed, AIDF_UNSET);
    assert_int_equal(r.timing.per_iteration[1].iteration, 2);
    assert_true(NEAR(r.timing.per_iteration[1].duration_ms, 2500));
    assert_int_equal(r.timing.per_iteration[1].files_changed, 5);
    assert_true(NEAR(aidf_num_map_get(&r.timing.per_iteration[1].phases, "aiExecution"), 1234.5));
    aidf_report_release(&r);
    aidf_collector_free(c);
}

/* ---- (2) token sums -------------------------------------------------------------------- */

static void test_token_sums(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    /* Iteration 1: two API turns; iteration 2: one; iteration 3 reported first. */
    aidf_collector_record_tokens(c, 3, 300, 30, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);
    aidf_collector_record_tokens(c, 1, 1000, 200, 5000, 800, AIDF_UNSET, false);
    aidf_collector_record_tokens(c, 1, 500, 100, 6000, AIDF_UNSET, 50, false);
    aidf_collector_record_tokens(c, 2, 2000, 400, 7000, 0, AIDF_UNSET, false);

    struct aidf_report r;
    aidf_report_init(&r);
    aidf_collector_set_outcome(c, AIDF_STATUS_COMPLETED, 3, 50, 0, NULL);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_true(r.tokens.present);
    assert_int_equal(r.tokens.total_input, 3800);
    assert_int_equal(r.tokens.total_output, 730);
    /* Cache and reasoning tokens are reported apart, never inside totalTokens. */
    assert_int_equal(r.tokens.total_tokens, 4530);
    assert_int_equal(r.tokens.cache_read, 18000);
    assert_int_equal(r.tokens.cache_write, 800);
    assert_int_equal(r.tokens.reasoning, 50);
    assert_int_equal(r.tokens.estimated, 0);
    assert_int_equal(r.tokens.context_tokens, AIDF_UNSET);
    assert_false(r.tokens.has_breakdown);

    assert_int_equal(r.tokens.n_per_iteration, 3);
    const struct aidf_iter_tokens *t = r.tokens.per_iteration;
    assert_int_equal(t[0].iteration, 1);
    assert_int_equal(t[0].input, 1500);
    assert_int_equal(t[0].output, 300);
    assert_int_equal(t[0].cache_read, 11000);
    assert_int_equal(t[0].cache_write, 800);
    assert_int_equal(t[0].reasoning, 50);
    assert_int_equal(t[0].estimated, 0);
    assert_int_equal(t[1].iteration, 2);
    assert_int_equal(t[1].cache_write, 0);
    assert_int_equal(t[1].reasoning, AIDF_UNSET);
    assert_int_equal(t[2].iteration, 3);
    assert_int_equal(t[2].cache_read, AIDF_UNSET);
    assert_int_equal(t[2].cache_write, AIDF_UNSET);
    aidf_report_release(&r);
    aidf_collector_free(c);
}

static void test_tokens_estimated_and_context(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    aidf_collector_record_tokens(c, 1, 100, 10, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);
    aidf_collector_record_tokens(c, 2, 200, 20, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, true);
    aidf_collector_record_tokens(c, 2, -5, -1, -3, AIDF_UNSET, AIDF_UNSET, false); /* ignored */
    struct aidf_num_map bd = {0};
    aidf_num_map_set(&bd, "agents", 1200);
    aidf_num_map_set(&bd, "task", 300);
    aidf_collector_set_context_tokens(c, 1500, &bd);
    aidf_num_map_release(&bd);

    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_int_equal(r.tokens.estimated, 1);
    assert_int_equal(r.tokens.per_iteration[0].estimated, 0);
    assert_int_equal(r.tokens.per_iteration[1].estimated, 1);
    assert_int_equal(r.tokens.total_input, 300);
    assert_int_equal(r.tokens.total_output, 30);
    assert_int_equal(r.tokens.cache_read, 0); /* a negative count was reported, as 0 */
    assert_int_equal(r.tokens.context_tokens, 1500);
    assert_true(r.tokens.has_breakdown);
    assert_true(NEAR(aidf_num_map_get(&r.tokens.breakdown, "agents"), 1200));
    assert_true(warnings >= 1);
    aidf_report_release(&r);
    aidf_collector_free(c);
}

/* ---- cost ------------------------------------------------------------------------------ */

static void test_cost_computed(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta); /* claude-sonnet-4-5: 3/15/0.30/3.75 */
    aidf_collector_set_rates(c, &t);
    aidf_collector_record_tokens(c, 1, 1000000, 100000, 2000000, 100000, AIDF_UNSET, false);
    aidf_collector_record_tokens(c, 2, 500000, 0, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);

    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_true(r.cost.present);
    assert_string_equal(r.cost.currency, "USD");
    assert_string_equal(r.cost.source, "computed");
    assert_int_equal(r.cost.unpriced, 0);
    assert_true(r.cost.has_rates);
    assert_true(NEAR(r.cost.rates.input_per_1m, 3));
    assert_true(NEAR(r.cost.rates.output_per_1m, 15));
    assert_true(NEAR(r.cost.rates.cache_read_per_1m, 0.30));
    assert_true(NEAR(r.cost.rates.cache_write_per_1m, 3.75));
    /* it1: 3 + 1.5 + 0.6 + 0.375 = 5.475; it2: 1.5 */
    assert_int_equal(r.cost.n_per_iteration, 2);
    assert_true(NEAR(r.cost.per_iteration[0].cost, 5.475));
    assert_true(NEAR(r.cost.per_iteration[1].cost, 1.5));
    assert_true(NEAR(r.cost.computed, 6.975));
    assert_true(NEAR(r.cost.estimated_total, 6.975));
    assert_true(isnan(r.cost.reported));
    aidf_report_release(&r);
    aidf_collector_free(c);

    /* gpt-4o-mini prices as gpt-4o-mini, not gpt-4o. */
    struct aidf_run_meta om = meta;
    om.provider_type = "openai-api";
    om.provider_model = "gpt-4o-mini-2024-07-18";
    c = new_fake(&f, &om);
    aidf_collector_set_rates(c, &t);
    aidf_collector_record_tokens(c, 1, 1000000, 1000000, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_true(NEAR(r.cost.estimated_total, 0.75));
    aidf_report_release(&r);
    aidf_collector_free(c);

    /* No model: unpriced (no built-in provider default prices it at another model's rate). */
    om = meta;
    om.provider_model = NULL;
    c = new_fake(&f, &om);
    aidf_collector_set_rates(c, &t);
    aidf_collector_record_tokens(c, 1, 1000000, 0, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_true(isnan(r.cost.estimated_total));
    assert_int_equal(r.cost.unpriced, 1);
    aidf_report_release(&r);
    aidf_collector_free(c);
    aidf_rate_table_release(&t);
}

static void test_cost_provider_reported(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    aidf_collector_set_rates(c, &t);
    aidf_collector_record_tokens(c, 1, 1000000, 0, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);
    aidf_collector_record_provider_cost(c, 1, 2.5);
    aidf_collector_record_tokens(c, 2, 1000000, 0, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);
    aidf_collector_record_provider_cost(c, 2, 0.25);
    aidf_collector_record_provider_cost(c, 2, 0.25); /* accumulates */
    aidf_collector_record_provider_cost(c, 2, NAN);  /* ignored */
    aidf_collector_record_provider_cost(c, 2, -1);   /* ignored */
    assert_int_equal(warnings, 2);

    struct aidf_report r;
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_string_equal(r.cost.source, "provider");
    assert_true(NEAR(r.cost.reported, 3.0));
    assert_true(NEAR(r.cost.computed, 6.0));
    assert_true(NEAR(r.cost.estimated_total, 3.0));
    assert_int_equal(r.cost.unpriced, 0);
    assert_int_equal(r.cost.n_per_iteration, 2);
    assert_true(NEAR(r.cost.per_iteration[0].cost, 2.5));
    assert_true(NEAR(r.cost.per_iteration[1].cost, 0.5));
    aidf_report_release(&r);
    aidf_collector_free(c);

    /* Mixed: an iteration the CLI did not price falls back to the computed figure. */
    c = new_fake(&f, &meta);
    aidf_collector_set_rates(c, &t);
    aidf_collector_record_provider_cost(c, 1, 1.0);
    aidf_collector_record_tokens(c, 2, 1000000, 0, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, true);
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_string_equal(r.cost.source, "provider");
    assert_true(NEAR(r.cost.reported, 1.0));
    assert_true(NEAR(r.cost.computed, 3.0));
    assert_true(NEAR(r.cost.estimated_total, 4.0));
    assert_false(r.tokens.n_per_iteration != 1);
    aidf_report_release(&r);
    aidf_collector_free(c);

    /* Provider cost with no rate table at all. */
    struct aidf_run_meta cm = meta;
    cm.provider_type = "cursor-cli";
    cm.provider_model = NULL;
    c = new_fake(&f, &cm);
    aidf_collector_record_provider_cost(c, 1, 0.42);
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_string_equal(r.cost.source, "provider");
    assert_true(NEAR(r.cost.estimated_total, 0.42));
    assert_true(isnan(r.cost.computed));
    assert_false(r.cost.has_rates);
    assert_int_equal(r.cost.unpriced, 0);
    aidf_report_release(&r);
    aidf_collector_free(c);
    aidf_rate_table_release(&t);
}

static void test_cost_unpriced(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    struct aidf_run_meta cm = meta;
    cm.provider_type = "cursor-cli";
    cm.provider_model = "mystery-model";
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &cm);
    aidf_collector_set_rates(c, &t);
    aidf_collector_record_tokens(c, 1, 1000, 100, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, true);
    struct aidf_report r;
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_true(r.cost.present);
    assert_int_equal(r.cost.unpriced, 1);
    assert_true(isnan(r.cost.estimated_total));
    assert_true(isnan(r.cost.computed));
    assert_true(isnan(r.cost.reported));
    assert_null(r.cost.source);
    assert_false(r.cost.has_rates);
    assert_int_equal(r.cost.n_per_iteration, 0);
    aidf_report_release(&r);
    aidf_collector_free(c);

    /* No table set at all: unpriced too, never a silent $0. */
    c = new_fake(&f, &meta);
    aidf_collector_record_tokens(c, 1, 1000, 100, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_int_equal(r.cost.unpriced, 1);
    assert_true(isnan(r.cost.estimated_total));
    aidf_report_release(&r);
    aidf_collector_free(c);
    aidf_rate_table_release(&t);
}

/* ---- files, scope, validation ---------------------------------------------------------- */

static void test_file_changes(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    aidf_collector_record_file_change(c, "src/a.c", AIDF_FILE_MODIFIED);
    aidf_collector_record_file_change(c, "src/a.c", AIDF_FILE_MODIFIED); /* dedup */
    aidf_collector_record_file_change(c, "src/new.c", AIDF_FILE_CREATED);
    aidf_collector_record_file_change(c, "src/new.c", AIDF_FILE_MODIFIED); /* stays created */
    aidf_collector_record_file_change(c, "tmp.txt", AIDF_FILE_CREATED);
    aidf_collector_record_file_change(c, "tmp.txt", AIDF_FILE_DELETED); /* disappears */
    aidf_collector_record_file_change(c, "old.c", AIDF_FILE_MODIFIED);
    aidf_collector_record_file_change(c, "old.c", AIDF_FILE_DELETED); /* deleted */
    aidf_collector_record_file_change(c, "gone.c", AIDF_FILE_DELETED);
    aidf_collector_record_file_change(c, "back.c", AIDF_FILE_DELETED);
    aidf_collector_record_file_change(c, "back.c", AIDF_FILE_CREATED); /* modified */
    aidf_collector_record_file_change(c, NULL, AIDF_FILE_CREATED);     /* ignored */
    aidf_collector_record_file_change(c, "", AIDF_FILE_CREATED);       /* ignored */
    aidf_collector_record_file_change(c, "x", (enum aidf_file_change_kind)7);
    assert_int_equal(warnings, 1);

    struct aidf_report r;
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_true(r.files.present);
    assert_int_equal(r.files.modified.n, 2);
    assert_string_equal(r.files.modified.items[0], "src/a.c");
    assert_string_equal(r.files.modified.items[1], "back.c");
    assert_int_equal(r.files.created.n, 1);
    assert_string_equal(r.files.created.items[0], "src/new.c");
    assert_int_equal(r.files.deleted.n, 2);
    assert_string_equal(r.files.deleted.items[0], "old.c");
    assert_string_equal(r.files.deleted.items[1], "gone.c");
    assert_int_equal(r.files.total_count, 5);
    aidf_report_release(&r);
    aidf_collector_free(c);
}

static void test_scope_and_validation(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    const char *const v1[] = {"secrets/.env", "package.json"};
    const char *const v2[] = {"package.json", "Makefile"};
    aidf_collector_record_scope_violation(c, v1, 2);
    aidf_collector_record_scope_violation(c, v2, 2);
    aidf_collector_record_scope_violation(c, NULL, 0);
    aidf_collector_set_scope_mode(c, "strict");

    aidf_collector_record_validation(c, 1, "pre_commit", "npm test", 0, 1500.5, 1);
    aidf_collector_record_validation(c, 2, "pre_commit", "npm test", 1, 1200, 0);
    aidf_collector_record_validation(c, 2, "pre_commit", "npm run lint", 1, NAN, AIDF_UNSET);
    aidf_collector_record_validation(c, 2, NULL, NULL, -1, NAN, AIDF_UNSET);

    struct aidf_report r;
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_true(r.scope.present);
    assert_string_equal(r.scope.mode, "strict");
    assert_int_equal(r.scope.violations, 5);
    assert_int_equal(r.scope.blocked_files.n, 3);
    assert_string_equal(r.scope.blocked_files.items[2], "Makefile");

    assert_true(r.validation.present);
    assert_int_equal(r.validation.total_runs, 4);
    assert_int_equal(r.validation.n_runs, 4);
    assert_int_equal(r.validation.failures, 1);
    assert_string_equal(r.validation.runs[0].command, "npm test");
    assert_string_equal(r.validation.runs[0].phase, "pre_commit");
    assert_int_equal(r.validation.runs[0].passed, 0);
    assert_int_equal(r.validation.runs[0].exit_code, 1);
    assert_true(NEAR(r.validation.runs[0].duration_ms, 1500.5));
    assert_int_equal(r.validation.runs[3].passed, -1);
    assert_null(r.validation.runs[3].command);
    aidf_report_release(&r);
    aidf_collector_free(c);
}

/* ---- (3) toReport fills every block ----------------------------------------------------- */

/* Record a complete two-iteration run into a fresh collector. */
static struct aidf_collector *full_run(struct fake_clocks *f, const struct aidf_rate_table *t)
{
    struct aidf_collector *c = new_fake(f, &meta);
    aidf_collector_set_rates(c, t);
    aidf_collector_start_phase(c, "contextLoading");
    tick(f, 20);
    aidf_collector_end_phase(c, "contextLoading");
    aidf_collector_set_context_tokens(c, 4200, NULL);
    for (int i = 1; i <= 2; i++) {
        aidf_collector_start_phase(c, "aiExecution");
        tick(f, 3000);
        aidf_collector_end_phase(c, "aiExecution");
        aidf_collector_record_tokens(c, i, 1200 * i, 300 * i, 10000, 2000, AIDF_UNSET, false);
        aidf_collector_record_provider_cost(c, i, 0.05 * i);
        aidf_collector_start_phase(c, "scopeChecking");
        tick(f, 1);
        aidf_collector_end_phase(c, "scopeChecking");
        aidf_collector_start_phase(c, "validation");
        tick(f, 400);
        aidf_collector_record_validation(c, i, "pre_commit", "make test", i == 2, 400,
                                         i == 2 ? 0 : 2);
        aidf_collector_end_phase(c, "validation");
        aidf_collector_start_phase(c, "gitOperations");
        tick(f, 80);
        aidf_collector_end_phase(c, "gitOperations");
        aidf_collector_record_file_change(c, i == 1 ? "src/login.ts" : "src/app.ts",
                                          i == 1 ? AIDF_FILE_CREATED : AIDF_FILE_MODIFIED);
        struct aidf_iteration_metrics m = iter(i, NAN, 1);
        aidf_collector_record_iteration(c, &m);
    }
    const char *const blocked[] = {".env"};
    aidf_collector_record_scope_violation(c, blocked, 1);
    aidf_collector_set_scope_mode(c, "ask");
    aidf_collector_record_error(c, "rate limited", "rate_limit", "429");
    aidf_collector_set_outcome(c, AIDF_STATUS_BLOCKED, 2, 10, 1, "needs a decision");
    char prov[] = "github-actions", id[] = "99", branch[] = "main", commit[] = "abc";
    char url[] = "https://github.com/a/b/actions/runs/99";
    struct aidf_ci_env ci = {.ci = true,
                             .provider = prov,
                             .build_id = id,
                             .branch = branch,
                             .commit = commit,
                             .build_url = url};
    aidf_collector_set_environment(c, &ci);
    assert_int_equal(aidf_collector_fill_host(c), AIDF_OK);
    tick(f, 5);
    return c;
}

static void test_to_report_fills_every_block(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    struct fake_clocks f;
    struct aidf_collector *c = full_run(&f, &t);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);

    assert_int_equal(r.schema_version, AIDF_SCHEMA_VERSION);
    assert_string_equal(r.run_id, aidf_collector_run_id(c));
    assert_true(aidf_run_id_valid(r.run_id));
    assert_string_equal(r.timestamp, "2026-11-24T10:00:00.000Z");
    assert_string_equal(r.task_path, meta.task_path);
    assert_string_equal(r.task_goal, meta.task_goal);
    assert_string_equal(r.task_type, meta.task_type);
    assert_string_equal(r.role_name, meta.role_name);
    assert_string_equal(r.cwd, meta.cwd);
    assert_string_equal(r.aidf_version, meta.aidf_version);
    assert_string_equal(r.provider.type, "claude-cli");
    assert_string_equal(r.provider.model, meta.provider_model);
    assert_int_equal(r.status, AIDF_STATUS_BLOCKED);
    assert_int_equal(r.iterations, 2);
    assert_int_equal(r.max_iterations, 10);
    assert_int_equal(r.consecutive_failures, 1);
    assert_string_equal(r.blocked_reason, "needs a decision");
    assert_string_equal(r.error.message, "rate limited");
    assert_string_equal(r.error.category, "rate_limit");
    assert_string_equal(r.error.code, "429");

    assert_true(r.tokens.present);
    assert_int_equal(r.tokens.context_tokens, 4200);
    assert_int_equal(r.tokens.total_input, 3600);
    assert_int_equal(r.tokens.total_output, 900);
    assert_int_equal(r.tokens.total_tokens, 4500);
    assert_int_equal(r.tokens.cache_read, 20000);
    assert_int_equal(r.tokens.cache_write, 4000);
    assert_int_equal(r.tokens.n_per_iteration, 2);

    assert_true(r.cost.present);
    assert_string_equal(r.cost.source, "provider");
    assert_true(NEAR(r.cost.estimated_total, 0.15));
    assert_true(NEAR(r.cost.reported, 0.15));
    assert_true(aidf_isset(r.cost.computed));
    assert_true(r.cost.has_rates);
    assert_int_equal(r.cost.n_per_iteration, 2);

    assert_true(r.timing.present);
    assert_true(NEAR(r.timing.total_duration_ms, 20 + 2 * 3481 + 5));
    assert_int_equal(r.timing.phases.n, 5);
    assert_true(NEAR(aidf_num_map_get(&r.timing.phases, "gitOperations"), 160));
    assert_int_equal(r.timing.n_per_iteration, 2);

    assert_true(r.files.present);
    assert_int_equal(r.files.total_count, 2);
    assert_string_equal(r.files.created.items[0], "src/login.ts");
    assert_string_equal(r.files.modified.items[0], "src/app.ts");

    assert_true(r.validation.present);
    assert_int_equal(r.validation.total_runs, 2);
    assert_int_equal(r.validation.failures, 1);

    assert_true(r.scope.present);
    assert_string_equal(r.scope.mode, "ask");
    assert_int_equal(r.scope.violations, 1);

    assert_true(r.environment.present);
    assert_non_null(r.environment.os);
    assert_non_null(r.environment.arch);
    assert_non_null(r.environment.hostname);
    assert_string_equal(r.environment.aidf_version, "0.8.0");
    assert_int_equal(r.environment.ci, 1);
    assert_string_equal(r.environment.ci_provider, "github-actions");
    assert_string_equal(r.environment.ci_build_id, "99");
    assert_string_equal(r.environment.ci_branch, "main");
    assert_string_equal(r.environment.ci_commit, "abc");
    assert_string_equal(r.environment.ci_build_url, "https://github.com/a/b/actions/runs/99");
    assert_int_equal(warnings, 0);

    /* A second call gives the same report (end time frozen by the first). */
    tick(&f, 1000);
    struct aidf_report r2;
    aidf_report_init(&r2);
    assert_int_equal(aidf_collector_to_report(c, &r2), AIDF_OK);
    assert_string_equal(r2.timing.completed_at, r.timing.completed_at);
    assert_true(NEAR(r2.timing.total_duration_ms, r.timing.total_duration_ms));
    /* Filling an already-filled report releases the old contents first. */
    assert_int_equal(aidf_collector_to_report(c, &r2), AIDF_OK);
    aidf_report_release(&r2);
    aidf_report_release(&r);
    aidf_collector_free(c);
    aidf_rate_table_release(&t);
}

/* ---- (4) edges ------------------------------------------------------------------------- */

static void test_zero_iterations(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, NULL);
    tick(&f, 3);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_true(aidf_run_id_valid(r.run_id));
    assert_int_equal(r.status, AIDF_STATUS_FAILED); /* never reached an outcome */
    assert_int_equal(r.iterations, 0);
    assert_int_equal(r.max_iterations, AIDF_UNSET);
    assert_null(r.task_path);
    assert_null(r.error.message);
    assert_false(r.tokens.present);
    assert_true(r.cost.present);
    /* A failed run that used no tokens cost nothing: 0, not unpriced. */
    assert_int_equal(r.cost.unpriced, 0);
    assert_true(r.cost.estimated_total == 0.0);
    assert_true(r.timing.present);
    assert_true(NEAR(r.timing.total_duration_ms, 3));
    assert_int_equal(r.timing.n_per_iteration, 0);
    assert_int_equal(r.timing.phases.n, 0);
    assert_int_equal(r.files.total_count, 0);
    assert_int_equal(r.validation.total_runs, 0);
    assert_int_equal(r.validation.failures, 0);
    assert_int_equal(r.scope.violations, 0);
    assert_true(r.environment.present);
    assert_int_equal(r.environment.ci, -1);
    aidf_report_release(&r);
    aidf_collector_free(c);

    /* A completed outcome with zero iterations stays completed. */
    c = new_fake(&f, &meta);
    aidf_collector_set_outcome(c, AIDF_STATUS_COMPLETED, AIDF_UNSET, 5, AIDF_UNSET, NULL);
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_int_equal(r.status, AIDF_STATUS_COMPLETED);
    assert_int_equal(r.iterations, 0);
    assert_int_equal(r.max_iterations, 5);
    assert_null(r.blocked_reason);
    aidf_report_release(&r);
    aidf_collector_free(c);
}

/* Metadata learnt later (task after config, model from the CLI) replaces the first. */
static void test_update_meta(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_run_meta first = {.task_path = "t.md", .provider_type = "claude-cli"};
    struct aidf_collector *c = new_fake(&f, &first);
    struct aidf_run_meta later = {.task_goal = "Add login", .provider_model = "claude-opus-4-5"};
    aidf_collector_update_meta(c, &later);
    aidf_collector_update_meta(c, NULL);
    aidf_collector_update_meta(NULL, &later);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_string_equal(r.task_path, "t.md");
    assert_string_equal(r.task_goal, "Add login");
    assert_string_equal(r.provider.type, "claude-cli");
    assert_string_equal(r.provider.model, "claude-opus-4-5");
    aidf_report_release(&r);
    aidf_collector_free(c);
}

static void test_no_tokens(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    aidf_collector_set_rates(c, &t);
    for (int i = 1; i <= 2; i++) {
        tick(&f, 100);
        struct aidf_iteration_metrics m = iter(i, NAN, 0);
        aidf_collector_record_iteration(c, &m);
    }
    aidf_collector_set_outcome(c, AIDF_STATUS_COMPLETED, AIDF_UNSET, 10, 0, NULL);
    struct aidf_report r;
    aidf_report_init(&r);
    aidf_collector_to_report(c, &r);
    assert_int_equal(r.iterations, 2);
    assert_false(r.tokens.present);
    assert_int_equal(r.tokens.n_per_iteration, 0);
    /* Rates matched, but no usage: no figure rather than a silent $0. */
    assert_true(r.cost.has_rates);
    assert_int_equal(r.cost.unpriced, 1);
    assert_true(isnan(r.cost.estimated_total));
    assert_int_equal(r.timing.n_per_iteration, 2);
    assert_true(NEAR(r.timing.per_iteration[1].duration_ms, 100));
    aidf_report_release(&r);
    aidf_collector_free(c);
    aidf_rate_table_release(&t);
}

static void test_phase_never_ended(void **state)
{
    (void)state;
    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    aidf_collector_start_phase(c, "aiExecution");
    tick(&f, 700);
    aidf_collector_start_phase(c, "validation");
    tick(&f, 300);
    aidf_collector_end_phase(c, "validation");
    tick(&f, 50); /* aiExecution is still open when the report is built */
    aidf_collector_set_outcome(c, AIDF_STATUS_FAILED, 1, 10, 1, NULL);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_int_equal(warnings, 1);
    assert_true(NEAR(aidf_num_map_get(&r.timing.phases, "aiExecution"), 1050));
    assert_true(NEAR(aidf_num_map_get(&r.timing.phases, "validation"), 300));
    assert_true(NEAR(r.timing.total_duration_ms, 1050));
    assert_false(aidf_profiler_running(aidf_collector_profiler(c), "aiExecution"));
    aidf_report_release(&r);
    aidf_collector_free(c);
}

static void test_misuse_never_crashes(void **state)
{
    (void)state;
    const char *const files[] = {"a"};
    struct aidf_iteration_metrics m = iter(1, 1, 1);
    struct aidf_report r;
    aidf_report_init(&r);
    aidf_collector_free(NULL);
    assert_null(aidf_collector_run_id(NULL));
    assert_null(aidf_collector_profiler(NULL));
    aidf_collector_start_phase(NULL, "x");
    aidf_collector_end_phase(NULL, "x");
    aidf_collector_record_iteration(NULL, &m);
    aidf_collector_record_tokens(NULL, 1, 1, 1, 1, 1, 1, false);
    aidf_collector_record_provider_cost(NULL, 1, 1);
    aidf_collector_record_validation(NULL, 1, "p", "c", 1, 1, 0);
    aidf_collector_record_scope_violation(NULL, files, 1);
    aidf_collector_record_file_change(NULL, "a", AIDF_FILE_CREATED);
    aidf_collector_record_error(NULL, "e", NULL, NULL);
    aidf_collector_set_outcome(NULL, AIDF_STATUS_COMPLETED, 1, 1, 1, NULL);
    aidf_collector_set_context_tokens(NULL, 1, NULL);
    aidf_collector_set_scope_mode(NULL, "strict");
    aidf_collector_set_environment(NULL, NULL);
    aidf_collector_set_rates(NULL, NULL);
    aidf_collector_finish(NULL);
    assert_int_equal(aidf_collector_fill_host(NULL), AIDF_EINVAL);
    assert_int_equal(aidf_collector_to_report(NULL, &r), AIDF_EINVAL);

    struct fake_clocks f;
    struct aidf_collector *c = new_fake(&f, &meta);
    assert_int_equal(aidf_collector_to_report(c, NULL), AIDF_EINVAL);
    aidf_collector_record_iteration(c, NULL);
    aidf_collector_end_phase(c, "never-started");
    aidf_collector_start_phase(c, NULL);
    aidf_collector_record_error(c, NULL, NULL, NULL);
    aidf_collector_record_error(c, "second", "auth", NULL); /* last wins */
    aidf_collector_set_environment(c, NULL);
    aidf_collector_set_outcome(c, (enum aidf_status)42, 1, 1, 1, NULL);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_int_equal(r.environment.ci, 0);
    assert_null(r.environment.ci_provider);
    assert_string_equal(r.error.message, "second");
    assert_string_equal(r.error.category, "auth");
    assert_null(r.error.code);
    assert_int_equal(r.status, AIDF_STATUS_FAILED);
    assert_true(warnings >= 2);
    /* Recording after the report still works and shows up in the next one. */
    aidf_collector_record_tokens(c, 1, 10, 5, AIDF_UNSET, AIDF_UNSET, AIDF_UNSET, false);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    assert_int_equal(r.tokens.total_tokens, 15);
    aidf_report_release(&r);
    aidf_collector_free(c);
}

static void test_real_clocks(void **state)
{
    (void)state;
    struct aidf_collector *c = aidf_collector_new(&meta, NULL);
    aidf_collector_start_phase(c, "aiExecution");
    aidf_collector_end_phase(c, "aiExecution");
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_collector_to_report(c, &r), AIDF_OK);
    int64_t started, completed;
    assert_int_equal(aidf_iso_parse(r.timing.started_at, &started), AIDF_OK);
    assert_int_equal(aidf_iso_parse(r.timing.completed_at, &completed), AIDF_OK);
    assert_true(completed >= started);
    assert_true(r.timing.total_duration_ms >= 0);
    assert_true(r.timing.total_duration_ms < 10000);
    aidf_report_release(&r);
    aidf_collector_free(c);
}

/* ---- (22) pipeline: collector -> report -> JSON -> report ------------------------------- */

static void expect_same_str(const char *a, const char *b)
{
    if (!a || !b) {
        assert_ptr_equal(a, b);
        return;
    }
    assert_string_equal(a, b);
}

static void expect_same_num(double a, double b)
{
    if (isnan(a) || isnan(b)) {
        assert_true(isnan(a) && isnan(b));
        return;
    }
    assert_true(fabs(a - b) <= 1e-9 * (fabs(a) + 1));
}

static void expect_same_list(const struct aidf_strlist *a, const struct aidf_strlist *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        assert_string_equal(a->items[i], b->items[i]);
}

static void expect_same_map(const struct aidf_num_map *a, const struct aidf_num_map *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++)
        expect_same_num(a->items[i].value, aidf_num_map_get(b, a->items[i].name));
}

static void test_pipeline_round_trip(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    struct fake_clocks f;
    struct aidf_collector *c = full_run(&f, &t);
    struct aidf_report a, b;
    aidf_report_init(&a);
    aidf_report_init(&b);
    assert_int_equal(aidf_collector_to_report(c, &a), AIDF_OK);

    size_t len = 0;
    char *json = aidf_report_dumps(&a, true, &len);
    assert_non_null(json);
    assert_int_equal(strlen(json), len);
    assert_non_null(strstr(json, "\"runId\""));
    assert_non_null(strstr(json, "\"aiExecution\""));
    struct aidf_error err = {0};
    int rc = aidf_report_parse(json, len, &b, &err);
    if (rc != AIDF_OK)
        fail_msg("parse failed: %s\n%s", err.msg, json);

    expect_same_str(a.run_id, b.run_id);
    expect_same_str(a.timestamp, b.timestamp);
    assert_int_equal(b.schema_version, AIDF_SCHEMA_VERSION);
    expect_same_str(a.task_path, b.task_path);
    expect_same_str(a.task_goal, b.task_goal);
    expect_same_str(a.task_type, b.task_type);
    expect_same_str(a.role_name, b.role_name);
    expect_same_str(a.cwd, b.cwd);
    expect_same_str(a.aidf_version, b.aidf_version);
    expect_same_str(a.provider.type, b.provider.type);
    expect_same_str(a.provider.model, b.provider.model);
    assert_int_equal(a.status, b.status);
    assert_int_equal(a.iterations, b.iterations);
    assert_int_equal(a.max_iterations, b.max_iterations);
    assert_int_equal(a.consecutive_failures, b.consecutive_failures);
    expect_same_str(a.blocked_reason, b.blocked_reason);
    expect_same_str(a.error.message, b.error.message);
    expect_same_str(a.error.category, b.error.category);
    expect_same_str(a.error.code, b.error.code);

    assert_true(b.tokens.present);
    assert_int_equal(a.tokens.context_tokens, b.tokens.context_tokens);
    assert_int_equal(a.tokens.total_input, b.tokens.total_input);
    assert_int_equal(a.tokens.total_output, b.tokens.total_output);
    assert_int_equal(a.tokens.total_tokens, b.tokens.total_tokens);
    assert_int_equal(a.tokens.cache_read, b.tokens.cache_read);
    assert_int_equal(a.tokens.cache_write, b.tokens.cache_write);
    assert_int_equal(a.tokens.reasoning, b.tokens.reasoning);
    assert_int_equal(a.tokens.estimated, b.tokens.estimated);
    assert_int_equal(a.tokens.n_per_iteration, b.tokens.n_per_iteration);
    for (size_t i = 0; i < a.tokens.n_per_iteration; i++) {
        const struct aidf_iter_tokens *x = &a.tokens.per_iteration[i];
        const struct aidf_iter_tokens *y = &b.tokens.per_iteration[i];
        assert_int_equal(x->iteration, y->iteration);
        assert_int_equal(x->input, y->input);
        assert_int_equal(x->output, y->output);
        assert_int_equal(x->cache_read, y->cache_read);
        assert_int_equal(x->cache_write, y->cache_write);
    }

    assert_true(b.cost.present);
    expect_same_num(a.cost.estimated_total, b.cost.estimated_total);
    expect_same_num(a.cost.reported, b.cost.reported);
    expect_same_num(a.cost.computed, b.cost.computed);
    expect_same_str(a.cost.currency, b.cost.currency);
    expect_same_str(a.cost.source, b.cost.source);
    assert_int_equal(a.cost.unpriced, b.cost.unpriced);
    assert_int_equal(a.cost.has_rates, b.cost.has_rates);
    expect_same_num(a.cost.rates.input_per_1m, b.cost.rates.input_per_1m);
    expect_same_num(a.cost.rates.cache_write_per_1m, b.cost.rates.cache_write_per_1m);
    assert_int_equal(a.cost.n_per_iteration, b.cost.n_per_iteration);
    for (size_t i = 0; i < a.cost.n_per_iteration; i++) {
        assert_int_equal(a.cost.per_iteration[i].iteration, b.cost.per_iteration[i].iteration);
        expect_same_num(a.cost.per_iteration[i].cost, b.cost.per_iteration[i].cost);
    }

    assert_true(b.timing.present);
    expect_same_str(a.timing.started_at, b.timing.started_at);
    expect_same_str(a.timing.completed_at, b.timing.completed_at);
    expect_same_num(a.timing.total_duration_ms, b.timing.total_duration_ms);
    expect_same_map(&a.timing.phases, &b.timing.phases);
    assert_int_equal(a.timing.n_per_iteration, b.timing.n_per_iteration);
    for (size_t i = 0; i < a.timing.n_per_iteration; i++) {
        const struct aidf_iter_timing *x = &a.timing.per_iteration[i];
        const struct aidf_iter_timing *y = &b.timing.per_iteration[i];
        assert_int_equal(x->iteration, y->iteration);
        expect_same_num(x->duration_ms, y->duration_ms);
        assert_int_equal(x->files_changed, y->files_changed);
        expect_same_map(&x->phases, &y->phases);
    }

    assert_true(b.files.present);
    expect_same_list(&a.files.modified, &b.files.modified);
    expect_same_list(&a.files.created, &b.files.created);
    expect_same_list(&a.files.deleted, &b.files.deleted);
    assert_int_equal(a.files.total_count, b.files.total_count);

    assert_true(b.validation.present);
    assert_int_equal(a.validation.total_runs, b.validation.total_runs);
    assert_int_equal(a.validation.failures, b.validation.failures);
    assert_int_equal(a.validation.n_runs, b.validation.n_runs);
    for (size_t i = 0; i < a.validation.n_runs; i++) {
        const struct aidf_validation_run *x = &a.validation.runs[i];
        const struct aidf_validation_run *y = &b.validation.runs[i];
        assert_int_equal(x->iteration, y->iteration);
        expect_same_str(x->phase, y->phase);
        expect_same_str(x->command, y->command);
        assert_int_equal(x->passed, y->passed);
        expect_same_num(x->duration_ms, y->duration_ms);
        assert_int_equal(x->exit_code, y->exit_code);
    }

    assert_true(b.scope.present);
    expect_same_str(a.scope.mode, b.scope.mode);
    assert_int_equal(a.scope.violations, b.scope.violations);
    expect_same_list(&a.scope.blocked_files, &b.scope.blocked_files);

    assert_true(b.environment.present);
    expect_same_str(a.environment.os, b.environment.os);
    expect_same_str(a.environment.arch, b.environment.arch);
    expect_same_str(a.environment.hostname, b.environment.hostname);
    expect_same_str(a.environment.aidf_version, b.environment.aidf_version);
    assert_int_equal(a.environment.ci, b.environment.ci);
    expect_same_str(a.environment.ci_provider, b.environment.ci_provider);
    expect_same_str(a.environment.ci_build_id, b.environment.ci_build_id);
    expect_same_str(a.environment.ci_branch, b.environment.ci_branch);
    expect_same_str(a.environment.ci_commit, b.environment.ci_commit);
    expect_same_str(a.environment.ci_build_url, b.environment.ci_build_url);

    /* And the minimal report of a run that did nothing survives the trip as well. */
    free(json);
    aidf_report_release(&a);
    aidf_report_release(&b);
    aidf_collector_free(c);
    c = new_fake(&f, NULL);
    aidf_collector_to_report(c, &a);
    json = aidf_report_dumps(&a, false, &len);
    rc = aidf_report_parse(json, len, &b, &err);
    if (rc != AIDF_OK)
        fail_msg("parse failed: %s\n%s", err.msg, json);
    assert_int_equal(b.status, AIDF_STATUS_FAILED);
    assert_int_equal(b.cost.unpriced, 0); /* failed, nothing used: $0 */
    assert_true(b.cost.estimated_total == 0.0);
    free(json);
    aidf_report_release(&a);
    aidf_report_release(&b);
    aidf_collector_free(c);
    aidf_rate_table_release(&t);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_uuid_v4),
        T(test_timing_accumulation),
        T(test_explicit_iteration_metrics),
        T(test_token_sums),
        T(test_tokens_estimated_and_context),
        T(test_cost_computed),
        T(test_cost_provider_reported),
        T(test_cost_unpriced),
        T(test_file_changes),
        T(test_scope_and_validation),
        T(test_to_report_fills_every_block),
        T(test_zero_iterations),
        T(test_update_meta),
        T(test_no_tokens),
        T(test_phase_never_ended),
        T(test_misuse_never_crashes),
        T(test_real_clocks),
        T(test_pipeline_round_trip),
    };
#undef T
    return cmocka_run_group_tests_name("collector", tests, NULL, NULL);
}
