/* Unit tests for lib/report/aggregate.c and lib/report/run_filter.c (summaries from reports,
 * filters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/aggregate.h"
#include "aidf/buf.h"
#include "aidf/report.h"
#include "aidf/store.h"
#include "aidf/timeutil.h"
#include "testutil.h"

#define EPS 1e-9

static struct aidf_run_summary mk(const char *id, int64_t ts, const char *task, const char *prov,
                                  const char *model, enum aidf_status st, double cost)
{
    struct aidf_run_summary s;
    memset(&s, 0, sizeof(s));
    snprintf(s.run_id, sizeof(s.run_id), "%s", id);
    s.ts_ms = ts;
    s.timestamp = "";
    s.task_path = task;
    s.task_name = strrchr(task, '/') ? strrchr(task, '/') + 1 : task;
    s.provider = prov;
    s.model = model;
    s.error_category = "";
    s.file = "";
    s.changed_files = NULL;
    s.status = st;
    s.cost = cost;
    s.cost_unpriced = isnan(cost);
    s.has_tokens = true;
    return s;
}

struct fixture {
    struct aidf_run_summary r[4];
    const struct aidf_run_summary *p[4];
};

static void fill(struct fixture *f)
{
    f->r[0] = mk("a1", 1000, ".ai/tasks/a.md", "p1", "m1", AIDF_STATUS_COMPLETED, 1.0);
    f->r[0].tokens_in = 100, f->r[0].tokens_out = 10, f->r[0].tokens_total = 110;
    f->r[0].cache_read = 5, f->r[0].cache_write = 1, f->r[0].reasoning = 2;
    f->r[0].iterations = 2, f->r[0].duration_ms = 1000, f->r[0].files_total = 2;
    static const char *const files0[] = {"x.c", "y.c", NULL};
    static const char *const files1[] = {"x.c", NULL};
    static const char *const files2[] = {"z.c", "x.c", "x.c", NULL}; /* x.c twice: one run */
    f->r[0].changed_files = files0;
    f->r[0].validation_runs = 2, f->r[0].validation_failures = 1;
    f->r[0].phases[AIDF_PHASE_AI_EXECUTION] = 600;
    f->r[0].phases[AIDF_PHASE_VALIDATION] = 400;

    f->r[1] = mk("b2", 3000, ".ai/tasks/b.md", "p1", "m2", AIDF_STATUS_FAILED, 3.0);
    f->r[1].tokens_in = 200, f->r[1].tokens_out = 20, f->r[1].tokens_total = 220;
    f->r[1].tokens_estimated = true;
    f->r[1].iterations = 4, f->r[1].duration_ms = 3000, f->r[1].files_total = 1;
    f->r[1].changed_files = files1;
    f->r[1].scope_violations = 1, f->r[1].validation_runs = 1;
    f->r[1].phases[AIDF_PHASE_AI_EXECUTION] = 2000;
    f->r[1].phases[AIDF_PHASE_VALIDATION] = 1000;

    /* Unpriced: must not count as $0 in averages. */
    f->r[2] = mk("c3", 2000, ".ai/tasks/blocked/a.md", "p2", "m1", AIDF_STATUS_COMPLETED, NAN);
    f->r[2].tokens_in = 50, f->r[2].tokens_out = 5, f->r[2].tokens_total = 55;
    f->r[2].iterations = 1, f->r[2].duration_ms = 500, f->r[2].files_total = 3;
    f->r[2].changed_files = files2;
    f->r[2].phases[AIDF_PHASE_AI_EXECUTION] = 500;

    f->r[3] = mk("d4", 500, ".ai/tasks/c.md", "p2", "m3", AIDF_STATUS_BLOCKED, 0.5);
    f->r[3].has_tokens = false;
    f->r[3].iterations = 3, f->r[3].duration_ms = 1500;
    f->r[3].phases[AIDF_PHASE_OTHER] = 100;
    for (int i = 0; i < 4; i++)
        f->p[i] = &f->r[i];
}

static void test_empty(void **state)
{
    (void)state;
    struct aidf_aggregate a;
    aidf_aggregate_compute(NULL, 0, &a);
    assert_int_equal(a.runs, 0);
    assert_true(isnan(a.success_rate)); /* no runs: no rate (null in JSON) */
    json_t *ej = aidf_aggregate_to_json(&a);
    assert_true(json_is_null(json_object_get(ej, "successRate")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(ej, "cost"), "currency")),
                        "USD");
    assert_null(json_object_get(ej, "costByCurrency"));
    json_decref(ej);
    assert_true(a.first_ts_ms == AIDF_UNSET);
    assert_int_equal(a.n_top_tasks, 0);
    json_t *j = aidf_aggregate_to_json(&a);
    assert_true(json_is_null(json_object_get(json_object_get(j, "period"), "first")));
    assert_int_equal(json_integer_value(json_object_get(j, "runs")), 0);
    assert_int_equal(json_array_size(json_object_get(j, "byProvider")), 0);
    json_decref(j);
    aidf_aggregate_release(&a);
}

static void test_arithmetic(void **state)
{
    (void)state;
    struct fixture f;
    fill(&f);
    struct aidf_aggregate a;
    aidf_aggregate_compute(f.p, 4, &a);
    assert_int_equal(a.runs, 4);
    assert_int_equal(a.completed, 2);
    assert_int_equal(a.blocked, 1);
    assert_int_equal(a.failed, 1);
    assert_true(fabs(a.success_rate - 0.5) < EPS);
    assert_int_equal(a.tokens_in, 350);
    assert_int_equal(a.tokens_out, 35);
    assert_int_equal(a.tokens_total, 385);
    assert_int_equal(a.cache_read, 5);
    assert_int_equal(a.cache_write, 1);
    assert_int_equal(a.reasoning, 2);
    assert_int_equal(a.estimated_token_runs, 1);
    assert_true(fabs(a.cost_total - 4.5) < EPS);
    assert_int_equal(a.priced_runs, 3);
    assert_int_equal(a.unpriced_runs, 1);
    assert_true(fabs(a.avg_cost - 1.5) < EPS); /* 4.5 / 3, not 4.5 / 4 */
    assert_true(fabs(a.avg_iterations - 2.5) < EPS);
    assert_true(fabs(a.total_duration_ms - 6000) < EPS);
    assert_true(fabs(a.avg_duration_ms - 1500) < EPS);
    assert_int_equal(a.files_changed, 6);
    assert_int_equal(a.scope_violations, 1);
    assert_int_equal(a.validation_runs, 3);
    assert_int_equal(a.validation_failures, 1);
    assert_int_equal(a.first_ts_ms, 500);
    assert_int_equal(a.last_ts_ms, 3000);

    /* Phases: 3100 + 1400 + 100 = 4600 ms in all. */
    assert_true(fabs(a.phase_avg_ms[AIDF_PHASE_AI_EXECUTION] - 775) < EPS);
    assert_true(fabs(a.phase_pct[AIDF_PHASE_AI_EXECUTION] - 3100 * 100.0 / 4600) < EPS);
    assert_true(fabs(a.phase_pct[AIDF_PHASE_VALIDATION] - 1400 * 100.0 / 4600) < EPS);
    assert_true(fabs(a.phase_pct[AIDF_PHASE_OTHER] - 100 * 100.0 / 4600) < EPS);
    assert_true(a.phase_pct[AIDF_PHASE_GIT_OPERATIONS] == 0);
    double total = 0;
    for (int k = 0; k < AIDF_PHASE_COUNT; k++)
        total += a.phase_pct[k];
    assert_true(fabs(total - 100) < 1e-9);

    /* Top tasks by summed cost. */
    assert_int_equal(a.n_top_tasks, 3);
    assert_string_equal(a.top_tasks[0].name, "b.md");
    assert_string_equal(a.top_tasks[1].name, "a.md"); /* one task in two folders */
    assert_int_equal(a.top_tasks[1].runs, 2);
    assert_int_equal(a.top_tasks[1].unpriced_runs, 1);
    assert_true(fabs(a.top_tasks[1].cost - 1.0) < EPS);
    assert_int_equal(a.top_tasks[1].tokens_total, 165);
    assert_string_equal(a.top_tasks[2].name, "c.md");

    /* Top files by number of runs, ties by path. */
    assert_int_equal(a.n_top_files, 3);
    assert_string_equal(a.top_files[0].path, "x.c");
    assert_int_equal(a.top_files[0].runs, 3);
    assert_string_equal(a.top_files[1].path, "y.c");
    assert_string_equal(a.top_files[2].path, "z.c");

    /* Groups by provider and model: cost desc, runs desc, name. */
    assert_int_equal(a.n_providers, 2);
    assert_string_equal(a.providers[0].name, "p1");
    assert_true(fabs(a.providers[0].cost - 4.0) < EPS);
    assert_int_equal(a.providers[0].completed, 1);
    assert_string_equal(a.providers[1].name, "p2");
    assert_int_equal(a.providers[1].unpriced_runs, 1);
    assert_int_equal(a.n_models, 3);
    assert_string_equal(a.models[0].name, "m2");
    assert_string_equal(a.models[1].name, "m1");
    assert_string_equal(a.models[2].name, "m3");

    json_t *j = aidf_aggregate_to_json(&a);
    assert_true(fabs(json_real_value(json_object_get(j, "successRate")) - 0.5) < EPS);
    json_t *cost = json_object_get(j, "cost");
    assert_true(fabs(json_real_value(json_object_get(cost, "total")) - 4.5) < EPS);
    assert_string_equal(json_string_value(json_object_get(cost, "currency")), "USD");
    assert_int_equal(json_integer_value(json_object_get(cost, "unpricedRuns")), 1);
    json_t *period = json_object_get(j, "period");
    assert_string_equal(json_string_value(json_object_get(period, "first")),
                        "1970-01-01T00:00:00.500Z");
    json_t *ai = json_object_get(json_object_get(j, "phases"), "aiExecution");
    assert_true(fabs(json_real_value(json_object_get(ai, "share")) - 0.6739) < EPS);
    assert_true(fabs(json_real_value(json_object_get(ai, "avgMs")) - 775) < EPS);
    json_t *tt = json_object_get(j, "topTasks");
    assert_int_equal(json_array_size(tt), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(tt, 0), "task")), "b.md");
    json_t *tf = json_object_get(j, "topFiles");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(tf, 0), "runs")), 3);
    json_t *bp = json_object_get(j, "byProvider");
    json_t *p2 = json_array_get(bp, 1);
    assert_string_equal(json_string_value(json_object_get(p2, "provider")), "p2");
    assert_true(fabs(json_real_value(json_object_get(p2, "avgDurationMs")) - 1000) < EPS);
    assert_true(fabs(json_real_value(json_object_get(p2, "successRate")) - 0.5) < EPS);
    json_t *bm = json_object_get(j, "byModel");
    assert_string_equal(json_string_value(json_object_get(json_array_get(bm, 0), "model")), "m2");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "tokens"), "total")),
                     385);
    json_decref(j);
    aidf_aggregate_release(&a);
}

static void test_ties_and_limits(void **state)
{
    (void)state;
    struct aidf_run_summary r[16];
    const struct aidf_run_summary *p[16];
    static const char *const tasks[] = {"t-b", "t-a", "t-c", "t-c", "t-d", "t-e", "t-f", "t-g"};
    char files[16][32];
    const char *lists[16][3];
    for (int i = 0; i < 16; i++) {
        r[i] = mk("x", i, tasks[i % 8], "p", "m", AIDF_STATUS_COMPLETED, 1.0);
        /* Twelve different files, each in one run except f00, in every run. */
        snprintf(files[i], sizeof(files[i]), "f%02d", 1 + i % 12);
        lists[i][0] = "f00";
        lists[i][1] = files[i];
        lists[i][2] = NULL;
        r[i].changed_files = lists[i];
        p[i] = &r[i];
    }
    struct aidf_aggregate a;
    aidf_aggregate_compute(p, 16, &a);
    /* t-c has cost 4 (4 runs); the others cost 2 with 2 runs: name order. */
    assert_int_equal(a.n_top_tasks, AIDF_AGG_TOP_TASKS);
    assert_string_equal(a.top_tasks[0].name, "t-c");
    assert_string_equal(a.top_tasks[1].name, "t-a");
    assert_string_equal(a.top_tasks[2].name, "t-b");
    assert_string_equal(a.top_tasks[3].name, "t-d");
    assert_string_equal(a.top_tasks[4].name, "t-e");
    assert_int_equal(a.n_top_files, AIDF_AGG_TOP_FILES);
    assert_string_equal(a.top_files[0].path, "f00");
    assert_int_equal(a.top_files[0].runs, 16);
    assert_string_equal(a.top_files[1].path, "f01"); /* f01..f04 appear twice */
    assert_int_equal(a.top_files[1].runs, 2);
    assert_string_equal(a.top_files[4].path, "f04");
    assert_string_equal(a.top_files[5].path, "f05");
    assert_int_equal(a.top_files[5].runs, 1);
    aidf_aggregate_release(&a);
}

static void test_summary_from_report(void **state)
{
    (void)state;
    size_t len = 0;
    char *text = tu_read_data("reports/valid/blocked.json", &len);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_report_parse(text, len, &r, NULL), AIDF_OK);
    struct aidf_run_summary s;
    struct aidf_buf scratch = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_run_summary_from_report_buf(&r, &s, &scratch);
    assert_string_equal(s.run_id, "a81f04d2-19c3-4b7e-8f60-2c4d5e6f7a8b");
    assert_string_equal(s.timestamp, "2026-11-23T16:40:09.007Z");
    assert_int_equal(s.status, AIDF_STATUS_BLOCKED);
    assert_string_equal(s.provider, "anthropic-api");
    assert_string_equal(s.model, "claude-opus-4-1");
    assert_string_equal(s.error_category, "");
    assert_int_equal(s.iterations, 2);
    assert_int_equal(s.max_iterations, 10);
    assert_int_equal(s.tokens_in, 21877);
    assert_int_equal(s.tokens_out, 3310);
    assert_int_equal(s.tokens_total, 25187);
    assert_true(s.has_tokens);
    assert_false(s.tokens_estimated);
    assert_false(s.cost_unpriced);
    assert_true(fabs(s.cost - 0.576405) < EPS);
    assert_true(fabs(s.duration_ms - 77707) < EPS);
    assert_true(fabs(s.phases[AIDF_PHASE_AI_EXECUTION] - 76110.3) < EPS);
    assert_true(fabs(s.phases[AIDF_PHASE_OTHER] - 1582.1) < EPS);
    assert_int_equal(s.files_total, 1);
    assert_non_null(s.changed_files);
    assert_string_equal(s.changed_files[0], "src/core/config.ts");
    assert_null(s.changed_files[1]);
    assert_int_equal(s.scope_violations, 2);
    int64_t ts;
    assert_int_equal(aidf_iso_parse("2026-11-23T16:40:09.007Z", &ts), AIDF_OK);
    assert_int_equal(s.ts_ms, ts);
    aidf_report_release(&r);
    free(text);

    /* Absent blocks: strings "", cost unpriced, zero counts. */
    const char *min = "{\"runId\":\"1a2b3c4d-0000-4000-8000-000000000001\","
                      "\"timestamp\":\"2026-11-24T10:00:00Z\",\"status\":\"failed\"}";
    aidf_report_init(&r);
    assert_int_equal(aidf_report_parse(min, strlen(min), &r, NULL), AIDF_OK);
    aidf_run_summary_from_report_buf(&r, &s, &scratch);
    assert_string_equal(s.task_path, "");
    assert_null(s.changed_files);
    assert_true(s.cost_unpriced);
    assert_true(isnan(s.cost));
    assert_false(s.has_tokens);
    assert_int_equal(s.tokens_total, 0);
    aidf_report_release(&r);

    /* An unpriced cost block is never $0. */
    const char *unp =
        "{\"runId\":\"1a2b3c4d-0000-4000-8000-000000000001\","
        "\"timestamp\":\"2026-11-24T10:00:00Z\",\"status\":\"completed\","
        "\"cost\":{\"currency\":\"USD\",\"unpriced\":true},"
        "\"files\":{\"modified\":[\"a\",\"b\"],\"created\":[\"c\"],\"deleted\":[\"d\"]}}";
    aidf_report_init(&r);
    assert_int_equal(aidf_report_parse(unp, strlen(unp), &r, NULL), AIDF_OK);
    aidf_run_summary_from_report_buf(&r, &s, &scratch);
    assert_true(s.cost_unpriced);
    assert_string_equal(s.changed_files[0], "a");
    assert_string_equal(s.changed_files[1], "b");
    assert_string_equal(s.changed_files[2], "c");
    assert_null(s.changed_files[3]);
    assert_int_equal(s.files_total, 4);
    assert_int_equal(s.files_deleted, 1);
    aidf_report_release(&r);
    aidf_buf_release(&scratch);
}

/*
 * The accumulator run by run, oldest first, gives exactly (bit for bit, in JSON) what a
 * fresh computation over the newest-first list gives, and it owns its strings.
 */
static void test_accumulator_matches_compute(void **state)
{
    (void)state;
    struct fixture f;
    fill(&f);
    /* Newest first, as the store lists: b2 (3000), c3 (2000), a1 (1000), d4 (500). */
    const struct aidf_run_summary *list[4] = {f.p[1], f.p[2], f.p[0], f.p[3]};
    f.r[0].cost = 0.1, f.r[1].cost = 0.2, f.r[3].cost = 0.3; /* sums that show the order */
    struct aidf_aggregate want;
    aidf_aggregate_compute(list, 4, &want);
    json_t *jw = aidf_aggregate_to_json(&want);
    char *sw = json_dumps(jw, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));

    struct aidf_agg_acc *acc = aidf_agg_acc_new();
    char task[32] = "";
    for (int i = 3; i >= 0; i--) {
        /* Strings of a summary may be freed after it was added: use a scratch copy. */
        struct aidf_run_summary tmp = *list[i];
        snprintf(task, sizeof(task), "%s", list[i]->task_name);
        tmp.task_name = task;
        const struct aidf_run_summary *one = &tmp;
        aidf_agg_acc_add_many(acc, &one, 1, false);
        memset(task, 'Z', sizeof(task) - 1);
    }
    assert_int_equal(aidf_agg_acc_runs(acc), 4);
    struct aidf_aggregate got;
    aidf_agg_acc_result(acc, &got);
    json_t *jg = aidf_aggregate_to_json(&got);
    char *sg = json_dumps(jg, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    assert_string_equal(sg, sw);
    assert_true(got.cost_total == want.cost_total); /* exact, not within EPS */
    /* The result does not depend on the accumulator afterwards, and it can go on. */
    aidf_aggregate_release(&got);
    const struct aidf_run_summary *again[1] = {f.p[1]};
    aidf_agg_acc_add_many(acc, again, 1, false);
    aidf_agg_acc_result(acc, &got);
    assert_int_equal(got.runs, 5);
    aidf_aggregate_release(&got);

    free(sg);
    free(sw);
    json_decref(jg);
    json_decref(jw);
    aidf_aggregate_release(&want);
    aidf_agg_acc_free(acc);
}

/* Every integer figure of a summary set to `v`, every duration to `ms`. */
static void set_all(struct aidf_run_summary *s, int64_t v, double ms)
{
    s->tokens_in = s->tokens_out = s->tokens_total = v;
    s->cache_read = s->cache_write = s->reasoning = v;
    s->iterations = s->files_total = v;
    s->scope_violations = s->validation_runs = s->validation_failures = v;
    s->duration_ms = ms;
    for (int p = 0; p < AIDF_PHASE_COUNT; p++)
        s->phases[p] = ms;
}

/* Checks shared by the sums below: nothing negative, nothing infinite. */
static void assert_sane(const struct aidf_aggregate *a)
{
    const int64_t ints[] = {a->tokens_in,          a->tokens_out,       a->tokens_total,
                            a->cache_read,         a->cache_write,      a->reasoning,
                            a->files_changed,      a->scope_violations, a->validation_runs,
                            a->validation_failures};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        assert_true(ints[i] >= 0);
        assert_true(ints[i] <= AIDF_AGG_MAX_COUNT);
    }
    assert_true(isfinite(a->cost_total) && a->cost_total >= 0);
    assert_true(isfinite(a->avg_cost) && isfinite(a->avg_iterations));
    assert_true(isfinite(a->total_duration_ms) && isfinite(a->avg_duration_ms));
    for (int p = 0; p < AIDF_PHASE_COUNT; p++)
        assert_true(isfinite(a->phase_avg_ms[p]) && isfinite(a->phase_pct[p]));
    for (size_t i = 0; i < a->n_providers; i++) {
        assert_true(a->providers[i].tokens_total >= 0);
        assert_true(isfinite(a->providers[i].cost));
    }
}

/*
 * Sums of many runs at the decoder's bounds: exact where they fit (costs), clamped at
 * the ceiling and flagged where they do not (counts), never negative or wrapped.
 */
static void test_sums_at_bounds(void **state)
{
    (void)state;
    enum { N = 3000 }; /* 3000 x (2^53 - 1) is over 2^63: a plain int64 sum wraps */
    struct aidf_run_summary *r = calloc(N, sizeof(*r));
    const struct aidf_run_summary **p = calloc(N, sizeof(*p));
    assert_non_null(r);
    assert_non_null(p);
    for (int i = 0; i < N; i++) {
        r[i] =
            mk("x", 1000 + i, "t.md", "prov", "model", AIDF_STATUS_COMPLETED, AIDF_REPORT_MAX_USD);
        set_all(&r[i], AIDF_REPORT_MAX_COUNT, AIDF_REPORT_MAX_MS);
        p[i] = &r[i];
    }
    struct aidf_aggregate a;
    aidf_aggregate_compute(p, N, &a);
    assert_sane(&a);
    assert_true(a.saturated);
    assert_int_equal(a.tokens_total, AIDF_AGG_MAX_COUNT);
    assert_int_equal(a.validation_failures, AIDF_AGG_MAX_COUNT);
    assert_int_equal(a.providers[0].tokens_total, AIDF_AGG_MAX_COUNT);
    /* 3000 x $1M and 3000 x 30 days fit: exact, not clamped */
    assert_true(a.cost_total == 3e9);
    assert_true(a.total_duration_ms == 3000 * AIDF_REPORT_MAX_MS);
    json_t *j = aidf_aggregate_to_json(&a);
    assert_true(json_is_true(json_object_get(j, "saturated")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "tokens"), "total")),
                     AIDF_AGG_MAX_COUNT);
    json_decref(j);
    aidf_aggregate_release(&a);

    /* Two runs within bounds: no flag, and the JSON keeps its usual shape. */
    set_all(&r[0], 1000, 10), set_all(&r[1], 2000, 20);
    aidf_aggregate_compute(p, 2, &a);
    assert_false(a.saturated);
    assert_int_equal(a.tokens_total, 3000);
    j = aidf_aggregate_to_json(&a);
    assert_null(json_object_get(j, "saturated"));
    json_decref(j);
    aidf_aggregate_release(&a);

    /*
     * Figures past the bounds (an index or file from before them, or edited by hand):
     * INT64_MAX tokens, 1e308 and infinite costs, NaN and negative durations.
     */
    set_all(&r[0], INT64_MAX, 1e308);
    set_all(&r[1], INT64_MAX, INFINITY);
    set_all(&r[2], -5, NAN);
    r[0].cost = 1e308, r[1].cost = 1e308, r[2].cost = INFINITY;
    aidf_aggregate_compute(p, 3, &a);
    assert_sane(&a);
    assert_true(a.saturated);
    assert_int_equal(a.tokens_total, AIDF_AGG_MAX_COUNT);
    assert_true(a.cost_total == AIDF_AGG_MAX_USD);
    assert_true(a.total_duration_ms == AIDF_AGG_MAX_MS);
    aidf_aggregate_release(&a);

    /* The accumulator (the server's /summary) saturates the same way, run by run. */
    struct aidf_agg_acc *acc = aidf_agg_acc_new();
    for (int i = 0; i < 3; i++)
        aidf_agg_acc_add_many(acc, &p[i], 1, false);
    aidf_agg_acc_result(acc, &a);
    assert_sane(&a);
    assert_true(a.saturated);
    aidf_aggregate_release(&a);
    aidf_agg_acc_free(acc);
    free(p);
    free(r);
}

/* A run in `cur` (NULL: the summary names none, so USD). */
static struct aidf_run_summary mkc(const char *id, int64_t ts, const char *task, const char *model,
                                   const char *cur, double cost)
{
    struct aidf_run_summary s = mk(id, ts, task, "p", model, AIDF_STATUS_COMPLETED, cost);
    s.currency = cur;
    s.tokens_total = 10;
    return s;
}

/* The JSON of the aggregate, computed at once and run by run: they must agree. */
static json_t *both_ways(const struct aidf_run_summary *const *list, size_t n,
                         struct aidf_aggregate *out)
{
    aidf_aggregate_compute(list, n, out);
    json_t *j = aidf_aggregate_to_json(out);
    struct aidf_agg_acc *acc = aidf_agg_acc_new();
    for (size_t i = n; i-- > 0;) {
        /* Strings of a summary may be freed after it was added: a scratch currency. */
        struct aidf_run_summary tmp = *list[i];
        char cur[16] = "";
        if (tmp.currency) {
            snprintf(cur, sizeof(cur), "%s", tmp.currency);
            tmp.currency = cur;
        }
        const struct aidf_run_summary *one = &tmp;
        aidf_agg_acc_add_many(acc, &one, 1, false);
        memset(cur, 'Z', sizeof(cur) - 1);
    }
    struct aidf_aggregate got;
    aidf_agg_acc_result(acc, &got);
    json_t *jg = aidf_aggregate_to_json(&got);
    char *sw = json_dumps(j, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    char *sg = json_dumps(jg, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    assert_string_equal(sg, sw);
    free(sw);
    free(sg);
    json_decref(jg);
    aidf_aggregate_release(&got);
    aidf_agg_acc_free(acc);
    return j;
}

static double jreal(json_t *o, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    assert_non_null(v);
    return json_number_value(v);
}

/* Costs in different currencies are never added together. */
static void test_currencies(void **state)
{
    (void)state;
    struct aidf_run_summary r[7] = {
        mkc("u1", 1000, "a", "m1", "USD", 1.0),  mkc("u2", 2000, "b", "m2", NULL, 2.0),
        mkc("e1", 3000, "a", "m1", "EUR", 5.0),  mkc("e2", 4000, "c", "m1", "EUR", 7.0),
        mkc("e3", 5000, "c", "m2", "EUR", NAN),  mkc("n1", 6000, "d", "m2", NULL, NAN),
        mkc("e4", 7000, "c", "m1", "EUR", 0.25),
    };
    const struct aidf_run_summary *list[7];
    for (int i = 0; i < 7; i++)
        list[i] = &r[6 - i]; /* newest first */

    /* Two priced runs each: the tie goes to USD. */
    struct aidf_aggregate a;
    json_t *j = both_ways(list + 1, 6, &a);
    assert_string_equal(a.currency, "USD");
    assert_true(a.cost_total == 3.0);
    assert_int_equal(a.priced_runs, 2);
    assert_int_equal(a.unpriced_runs, 2); /* e3 and n1: any currency */
    assert_true(a.avg_cost == 1.5);
    assert_int_equal(a.n_currencies, 2);
    assert_string_equal(a.currencies[0].currency, "EUR");
    assert_true(a.currencies[0].total == 12.0);
    assert_int_equal(a.currencies[0].priced_runs, 2);
    assert_int_equal(a.currencies[0].unpriced_runs, 1);
    assert_string_equal(a.currencies[1].currency, "USD");
    assert_int_equal(a.currencies[1].unpriced_runs, 1);
    /* Groups: cost in USD only, ordered by it; each lists its currencies. */
    assert_int_equal(a.n_models, 2);
    assert_string_equal(a.models[0].name, "m2");
    assert_true(a.models[0].cost == 2.0);
    assert_string_equal(a.models[1].name, "m1");
    assert_true(a.models[1].cost == 1.0);
    assert_int_equal(a.models[1].priced_runs, 1);
    assert_int_equal(a.models[1].n_by_currency, 2);
    assert_string_equal(a.models[1].by_currency[0].currency, "EUR");
    assert_true(a.models[1].by_currency[0].total == 12.0);
    assert_string_equal(a.top_tasks[0].name, "b");
    assert_string_equal(a.top_tasks[1].name, "a");
    assert_true(a.top_tasks[1].cost == 1.0);
    /* JSON: cost names its currency; costByCurrency splits it. */
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "cost"), "currency")),
                        "USD");
    assert_true(jreal(j, "cost", "total", NULL) == 3.0);
    assert_true(jreal(j, "costByCurrency", "EUR", "total") == 12.0);
    assert_true(jreal(j, "costByCurrency", "EUR", "average") == 6.0);
    assert_true(jreal(j, "costByCurrency", "EUR", "unpricedRuns") == 1);
    assert_true(jreal(j, "costByCurrency", "USD", "total") == 3.0);
    assert_int_equal(json_object_size(json_object_get(j, "costByCurrency")), 2);
    json_t *m1 = json_array_get(json_object_get(j, "byModel"), 1);
    assert_true(jreal(m1, "costByCurrency", "EUR", "cost") == 12.0);
    assert_true(jreal(m1, "costByCurrency", "USD", "pricedRuns") == 1);
    json_t *t0 = json_array_get(json_object_get(j, "topTasks"), 0);
    assert_int_equal(json_object_size(json_object_get(t0, "costByCurrency")), 1);
    json_decref(j);
    aidf_aggregate_release(&a);

    /* A third priced EUR run: EUR is the headline, USD is left out of every total. */
    j = both_ways(list, 7, &a);
    assert_string_equal(a.currency, "EUR");
    assert_true(a.cost_total == 12.25);
    assert_int_equal(a.priced_runs, 3);
    assert_string_equal(a.models[0].name, "m1");
    assert_true(a.models[0].cost == 12.25);
    assert_true(a.models[1].cost == 0);
    assert_string_equal(a.top_tasks[0].name, "c");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "cost"), "currency")),
                        "EUR");
    json_decref(j);
    aidf_aggregate_release(&a);

    /* One currency, not USD: it is named, and there is no costByCurrency anywhere. */
    const struct aidf_run_summary *eur[3] = {&r[6], &r[3], &r[2]};
    j = both_ways(eur, 3, &a);
    assert_string_equal(a.currency, "EUR");
    assert_true(a.cost_total == 12.25);
    assert_int_equal(a.n_currencies, 1);
    assert_null(json_object_get(j, "costByCurrency"));
    assert_null(
        json_object_get(json_array_get(json_object_get(j, "byModel"), 0), "costByCurrency"));
    assert_null(
        json_object_get(json_array_get(json_object_get(j, "topTasks"), 0), "costByCurrency"));
    json_decref(j);
    aidf_aggregate_release(&a);

    /* A tie without USD goes to the first name; no priced run at all: still one headline. */
    struct aidf_run_summary g[3] = {mkc("g1", 1, "a", "m", "GBP", 1.0),
                                    mkc("e1", 2, "a", "m", "EUR", 2.0),
                                    mkc("x1", 3, "a", "m", "XTS", NAN)};
    const struct aidf_run_summary *gl[3] = {&g[2], &g[1], &g[0]};
    j = both_ways(gl, 3, &a);
    assert_string_equal(a.currency, "EUR");
    assert_true(a.cost_total == 2.0);
    assert_int_equal(a.n_currencies, 3);
    json_decref(j);
    aidf_aggregate_release(&a);
    j = both_ways(gl, 1, &a);
    assert_string_equal(a.currency, "XTS");
    assert_int_equal(a.priced_runs, 0);
    assert_int_equal(a.unpriced_runs, 1);
    json_decref(j);
    aidf_aggregate_release(&a);
}

/* Many currencies (past the linear lookup), interleaved in one group: each its own sums. */
static void test_many_currencies(void **state)
{
    (void)state;
    enum { NC = 300, N = 3 * NC };
    static char names[NC][8];
    struct aidf_run_summary *r = calloc(N, sizeof(*r));
    const struct aidf_run_summary **p = calloc(N, sizeof(*p));
    for (int i = 0; i < NC; i++)
        snprintf(names[i], sizeof(names[i]), "C%03d", (i * 7) % NC);
    for (int i = 0; i < N; i++) {
        /* currency i % NC: C%03d names in scrambled order; C000 gets 4 priced runs */
        r[i] = mkc("x", i, "t", "m", names[i % NC], (i % NC) == 0 ? 1.0 : 0.5);
        p[N - 1 - i] = &r[i];
    }
    struct aidf_run_summary extra = mkc("y", N, "t", "m", "C000", 1.0);
    p[0] = &extra; /* replaces the newest run (currency C... of i = N - 1) */
    struct aidf_aggregate a;
    json_t *j = both_ways(p, N, &a);
    assert_int_equal(a.n_currencies, NC);
    assert_string_equal(a.currency, "C000");
    assert_int_equal(a.priced_runs, 4);
    assert_true(a.cost_total == 4.0);
    for (size_t k = 1; k < a.n_currencies; k++)
        assert_true(strcmp(a.currencies[k - 1].currency, a.currencies[k].currency) < 0);
    assert_int_equal(a.n_models, 1);
    assert_int_equal(a.models[0].n_by_currency, NC);
    size_t runs = 0;
    for (size_t k = 0; k < NC; k++)
        runs += a.models[0].by_currency[k].priced_runs;
    assert_int_equal(runs, N);
    assert_int_equal(json_object_size(json_object_get(j, "costByCurrency")), NC);
    json_decref(j);
    aidf_aggregate_release(&a);
    free(p);
    free(r);
}

/* A path is one file even when it holds a newline; an empty path is no file. */
static void test_files_whole_paths(void **state)
{
    (void)state;
    static const char *const list[] = {"a\nb", "", "a\nb", NULL};
    struct aidf_run_summary r = mk("x", 1, "t.md", "p", "m", AIDF_STATUS_COMPLETED, 1.0);
    r.changed_files = list;
    const struct aidf_run_summary *p = &r;
    struct aidf_aggregate a;
    aidf_aggregate_compute(&p, 1, &a);
    assert_int_equal(a.n_top_files, 1);
    assert_string_equal(a.top_files[0].path, "a\nb");
    assert_int_equal(a.top_files[0].runs, 1);
    aidf_aggregate_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_ties_and_limits),
        cmocka_unit_test(test_summary_from_report),
        cmocka_unit_test(test_accumulator_matches_compute),
        cmocka_unit_test(test_sums_at_bounds),
        cmocka_unit_test(test_currencies),
        cmocka_unit_test(test_files_whole_paths),
        cmocka_unit_test(test_many_currencies),
    };
    return cmocka_run_group_tests_name("aggregate", tests, NULL, NULL);
}
