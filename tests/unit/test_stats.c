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
#include "aidf/stats.h"
#include "aidf/strmap.h"
#include "aidf/timeutil.h"
#include "testutil.h"

static const struct aidf_tz *zone(const char *name)
{
    struct aidf_error err = {0};
    const struct aidf_tz *tz = aidf_tz_get(name, &err);
    if (!tz)
        fail_msg("%s: %s", name, err.msg);
    return tz;
}

static int64_t at(const char *iso)
{
    int64_t ms = 0;
    assert_int_equal(aidf_iso_parse(iso, &ms), AIDF_OK);
    return ms;
}

/* A run with every string set to "" except what the test sets. */
static struct aidf_run_summary run(int64_t ms)
{
    struct aidf_run_summary r;
    memset(&r, 0, sizeof(r));
    r.ts_ms = ms;
    r.timestamp = r.task_path = r.task_name = r.task_type = r.provider = r.model = "";
    r.error_category = r.file = r.project = r.actor = r.branch = r.tags = "";
    r.currency = "USD";
    r.status = AIDF_STATUS_COMPLETED;
    r.cost = NAN;
    r.cost_unpriced = true;
    return r;
}

static void priced(struct aidf_run_summary *r, double cost)
{
    r->cost = cost;
    r->cost_unpriced = false;
}

/* Compute over `runs` given oldest first (the function takes newest first). */
static void compute(const struct aidf_stats_query *q, struct aidf_run_summary *runs, size_t n,
                    struct aidf_stats *out)
{
    const struct aidf_run_summary **v = calloc(n ? n : 1, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        v[i] = &runs[n - 1 - i];
    aidf_stats_compute(q, (const struct aidf_run_summary *const *)v, n, out);
    free(v);
}

static char *json_of(const struct aidf_stats *st)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_stats_json(st, &b);
    return aidf_buf_detach(&b, NULL);
}

static void test_by_keys(void **state)
{
    (void)state;
    struct aidf_stats_query q;
    struct aidf_error err = {0};
    aidf_stats_query_init(&q, zone("UTC"));
    assert_int_equal(q.interval, AIDF_INTERVAL_DAY);
    assert_int_equal(aidf_stats_add_by(&q, " model , tag:team,,", "", &err), AIDF_OK);
    assert_int_equal(q.n_by, 2);
    assert_string_equal(q.by[0].name, "model");
    assert_int_equal(q.by[1].dim, AIDF_STATS_TAG);
    assert_string_equal(q.by[1].name, "tag:team");
    assert_int_equal(aidf_stats_add_by(&q, "project", "", &err), AIDF_OK);
    assert_int_equal(q.n_by, 3);

    /* Errors leave the query as it was. */
    assert_int_equal(aidf_stats_add_by(&q, "actor,model", "", &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "'model' given more than once"));
    assert_int_equal(q.n_by, 3);
    assert_int_equal(aidf_stats_add_by(&q, "colour", "--", &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "unknown --by key 'colour'"));
    assert_non_null(strstr(err.msg, "taskName"));
    assert_int_equal(aidf_stats_add_by(&q, "currency", "", &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "always split by currency"));
    assert_int_equal(aidf_stats_add_by(&q, "tag:", "", &err), AIDF_EINVAL);
    assert_int_equal(aidf_stats_add_by(&q, "tag:a b", "", &err), AIDF_EINVAL);
    assert_int_equal(aidf_stats_add_by(&q, "tag:../x", "", &err), AIDF_EINVAL);
    assert_int_equal(aidf_stats_add_by(&q, "Model", "", &err), AIDF_EINVAL);
    assert_int_equal(
        aidf_stats_add_by(&q, "status,actor,branch,taskName,taskType,provider", "", &err),
        AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "too many by keys (at most 8)"));
    assert_int_equal(q.n_by, 3);
    assert_int_equal(aidf_stats_add_by(&q, "status,actor,branch,taskName,taskType", "", &err),
                     AIDF_OK);
    assert_int_equal(q.n_by, 8);
    /* A long key is cut in the message, not echoed whole. */
    char big[4096];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    aidf_stats_query_init(&q, zone("UTC"));
    assert_int_equal(aidf_stats_add_by(&q, big, "", &err), AIDF_EINVAL);
    assert_true(strlen(err.msg) < 300);
}

/*
 * New York's 25-hour day (2026-11-01) and 23-hour day (2026-03-08): runs every 30 minutes
 * fall into days of 50 and 46 runs; hours follow local time (01:00 twice in November, no
 * 02:00 in March).
 */
static void test_dst_days(void **state)
{
    (void)state;
    struct aidf_stats_query q;
    aidf_stats_query_init(&q, zone("America/New_York"));
    struct aidf_stats st;
    const char *starts[2] = {"2026-10-31T04:00:00Z", "2026-03-07T05:00:00Z"};
    const char *day[2] = {"2026-11-01", "2026-03-08"};
    const int64_t want[2] = {50, 46};
    for (int k = 0; k < 2; k++) {
        struct aidf_run_summary runs[3 * 48 + 4];
        size_t n = 0;
        for (int64_t ms = at(starts[k]); n < sizeof(runs) / sizeof(runs[0]); ms += 1800000)
            runs[n++] = run(ms);
        q.interval = AIDF_INTERVAL_DAY;
        compute(&q, runs, n, &st);
        bool found = false;
        for (size_t i = 0; i < st.n_rows; i++)
            if (strcmp(st.rows[i].period, day[k]) == 0) {
                assert_int_equal(st.rows[i].runs, want[k]);
                found = true;
            }
        assert_true(found);
        assert_int_equal(st.rows[0].runs, 48); /* the day before: 24 hours */
        aidf_stats_release(&st);

        q.interval = AIDF_INTERVAL_HOUR;
        compute(&q, runs, n, &st);
        char h1[32], h2[32];
        snprintf(h1, sizeof(h1), "%sT01", day[k]);
        snprintf(h2, sizeof(h2), "%sT02", day[k]);
        int64_t n1 = 0, n2 = -1;
        for (size_t i = 0; i < st.n_rows; i++) {
            if (strcmp(st.rows[i].period, h1) == 0)
                n1 = st.rows[i].runs;
            if (strcmp(st.rows[i].period, h2) == 0)
                n2 = st.rows[i].runs;
        }
        assert_int_equal(n1, k == 0 ? 4 : 2); /* 01:00 EDT and 01:00 EST in November */
        assert_int_equal(n2, k == 0 ? 2 : -1);
        aidf_stats_release(&st);
    }
}

/* Runs are counted in the period aidf_period_key() gives, whatever their order, in zones
 * with DST, half-hour DST (Lord Howe), no DST, and over a century: the period cache
 * agrees with computing every key. */
static void test_periods_match_keys(void **state)
{
    (void)state;
    static const char *const zones[] = {"UTC",
                                        "America/New_York",
                                        "Europe/Berlin",
                                        "Asia/Kolkata",
                                        "Australia/Lord_Howe",
                                        "Pacific/Chatham",
                                        "America/Santiago"};
    enum { N = 3000 };
    struct aidf_run_summary *runs = calloc(N, sizeof(*runs));
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        for (int iv = AIDF_INTERVAL_NONE; iv <= AIDF_INTERVAL_MONTH; iv++) {
            for (int order = 0; order < 2; order++) {
                uint64_t x = 0x2545f4914f6cdd1dull + z * 7 + (uint64_t)iv;
                int64_t ms = at("1990-01-01T00:00:00Z");
                for (size_t i = 0; i < N; i++) {
                    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                    if (order == 0)
                        ms += (int64_t)(x % (3 * 86400000ULL)); /* ascending, up to 3 days */
                    else
                        ms = at("1900-01-01T00:00:00Z") +
                             (int64_t)(x % (300ULL * 365 * 86400000ULL)); /* any order */
                    runs[i] = run(ms);
                }
                struct aidf_stats_query q;
                aidf_stats_query_init(&q, zone(zones[z]));
                q.interval = (enum aidf_interval)iv;
                struct aidf_stats st;
                compute(&q, runs, N, &st);
                /* Count by key directly. */
                struct aidf_strmap m;
                aidf_strmap_init(&m);
                char(*keys)[AIDF_PERIOD_MAX] = calloc(N, sizeof(*keys));
                size_t *counts = calloc(N, sizeof(*counts)), nk = 0;
                for (size_t i = 0; i < N; i++) {
                    size_t len = aidf_period_key(q.interval, q.tz, runs[i].ts_ms, keys[nk]);
                    bool added;
                    size_t *v = aidf_strmap_put(&m, keys[nk], len, &added);
                    if (added)
                        *v = nk++;
                    counts[*v]++;
                }
                assert_int_equal(st.n_rows, nk);
                for (size_t i = 0; i < st.n_rows; i++) {
                    size_t *v = aidf_strmap_find(&m, st.rows[i].period, strlen(st.rows[i].period));
                    if (!v || (int64_t)counts[*v] != st.rows[i].runs)
                        fail_msg("%s %s %s: %lld runs, want %zu", zones[z],
                                 aidf_interval_name(q.interval), st.rows[i].period,
                                 (long long)st.rows[i].runs, v ? counts[*v] : 0);
                    if (i > 0)
                        assert_true(strcmp(st.rows[i - 1].period, st.rows[i].period) < 0);
                }
                aidf_strmap_release(&m);
                free(keys);
                free(counts);
                aidf_stats_release(&st);
            }
        }
    }
    free(runs);
}

/* ISO weeks at year ends: the week's Thursday decides its year. */
static void test_iso_weeks(void **state)
{
    (void)state;
    struct {
        const char *iso, *week;
    } cases[] = {
        {"2024-12-29T12:00:00Z", "2024-W52"}, /* Sunday */
        {"2024-12-30T12:00:00Z", "2025-W01"}, /* Monday: week 1 of 2025 */
        {"2026-12-31T12:00:00Z", "2026-W53"}, /* Thursday: 2026 has 53 weeks */
        {"2027-01-03T12:00:00Z", "2026-W53"}, /* Sunday */
        {"2027-01-04T12:00:00Z", "2027-W01"}, {"2021-01-03T12:00:00Z", "2020-W53"},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]);
    struct aidf_run_summary runs[6];
    for (size_t i = 0; i < n; i++)
        runs[i] = run(at(cases[i].iso));
    struct aidf_stats_query q;
    aidf_stats_query_init(&q, zone("UTC"));
    q.interval = AIDF_INTERVAL_WEEK;
    struct aidf_stats st;
    compute(&q, runs, n, &st);
    const char *want[] = {"2020-W53", "2024-W52", "2025-W01", "2026-W53", "2027-W01"};
    const int64_t cnt[] = {1, 1, 1, 2, 1};
    assert_int_equal(st.n_rows, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(st.rows[i].period, want[i]);
        assert_int_equal(st.rows[i].runs, cnt[i]);
    }
    aidf_stats_release(&st);
    /* In a zone east of UTC the Sunday evening run is already Monday: 2025-W01. */
    runs[0] = run(at("2024-12-29T23:30:00Z"));
    q.tz = zone("Europe/Berlin");
    compute(&q, runs, 1, &st);
    assert_string_equal(st.rows[0].period, "2025-W01");
    aidf_stats_release(&st);
}

/* Dimensions: values, null for a missing one (sorted last), tags (an empty value is a value),
 * currency always a key, sums per group, sort by period, keys in order, then currency. */
static void test_groups(void **state)
{
    (void)state;
    struct aidf_run_summary r[8];
    int64_t d1 = at("2026-11-03T10:00:00Z"), d2 = at("2026-11-04T10:00:00Z");
    r[0] = run(d2);
    r[0].model = "gpt-5";
    r[0].tags = "team=core\nticket=WID-1";
    priced(&r[0], 1.5);
    r[1] = run(d1);
    r[1].model = "gpt-5";
    r[1].tags = "team=core";
    priced(&r[1], 0.25);
    r[1].tokens_in = 100, r[1].tokens_out = 20, r[1].tokens_total = 120;
    r[1].cache_read = 1000, r[1].cache_write = 7;
    r[1].duration_ms = 1000.25;
    r[2] = run(d1);
    r[2].model = "gpt-5";
    r[2].tags = "team=core";
    r[2].currency = "EUR";
    priced(&r[2], 2);
    r[3] = run(d1);
    r[3].model = ""; /* no model: null */
    r[3].tags = "team=";
    r[3].status = AIDF_STATUS_FAILED;
    r[4] = run(d1);
    r[4].model = "claude-opus-4-6";
    r[4].status = AIDF_STATUS_BLOCKED;
    priced(&r[4], 3);
    r[5] = run(d1 + 1000);
    r[5].model = "gpt-5";
    r[5].tags = "team=core";
    r[5].duration_ms = 0.5;
    /* unpriced */
    struct aidf_stats_query q;
    struct aidf_error err = {0};
    aidf_stats_query_init(&q, zone("UTC"));
    assert_int_equal(aidf_stats_add_by(&q, "model,tag:team", "", &err), AIDF_OK);
    struct aidf_stats st;
    compute(&q, r, 6, &st);
    char *j = json_of(&st);
    const char *want =
        "{\"interval\":\"day\",\"by\":[\"model\",\"tag:team\"],\"tz\":\"UTC\",\"rows\":[\n"
        "{\"period\":\"2026-11-03\",\"model\":\"claude-opus-4-6\",\"tag:team\":null,"
        "\"currency\":\"USD\",\"runs\":1,\"completed\":0,\"blocked\":1,\"failed\":0,"
        "\"tokens\":{\"input\":0,\"output\":0,\"cacheRead\":0,\"cacheWrite\":0,\"total\":0,"
        "\"totalWithCache\":0},\"cost\":3.0,\"unpricedRuns\":0,\"durationMs\":0.0},\n"
        "{\"period\":\"2026-11-03\",\"model\":\"gpt-5\",\"tag:team\":\"core\","
        "\"currency\":\"EUR\",\"runs\":1,\"completed\":1,\"blocked\":0,\"failed\":0,"
        "\"tokens\":{\"input\":0,\"output\":0,\"cacheRead\":0,\"cacheWrite\":0,\"total\":0,"
        "\"totalWithCache\":0},\"cost\":2.0,\"unpricedRuns\":0,\"durationMs\":0.0},\n"
        "{\"period\":\"2026-11-03\",\"model\":\"gpt-5\",\"tag:team\":\"core\","
        "\"currency\":\"USD\",\"runs\":2,\"completed\":2,\"blocked\":0,\"failed\":0,"
        "\"tokens\":{\"input\":100,\"output\":20,\"cacheRead\":1000,\"cacheWrite\":7,"
        "\"total\":120,\"totalWithCache\":1127},\"cost\":0.25,\"unpricedRuns\":1,"
        "\"durationMs\":1000.8},\n"
        "{\"period\":\"2026-11-03\",\"model\":null,\"tag:team\":\"\","
        "\"currency\":\"USD\",\"runs\":1,\"completed\":0,\"blocked\":0,\"failed\":1,"
        "\"tokens\":{\"input\":0,\"output\":0,\"cacheRead\":0,\"cacheWrite\":0,\"total\":0,"
        "\"totalWithCache\":0},\"cost\":0.0,\"unpricedRuns\":1,\"durationMs\":0.0},\n"
        "{\"period\":\"2026-11-04\",\"model\":\"gpt-5\",\"tag:team\":\"core\","
        "\"currency\":\"USD\",\"runs\":1,\"completed\":1,\"blocked\":0,\"failed\":0,"
        "\"tokens\":{\"input\":0,\"output\":0,\"cacheRead\":0,\"cacheWrite\":0,\"total\":0,"
        "\"totalWithCache\":0},\"cost\":1.5,\"unpricedRuns\":0,\"durationMs\":0.0}\n"
        "]}\n";
    assert_string_equal(j, want);
    free(j);
    aidf_stats_release(&st);

    /* The tag key first: null (no team tag) after "" and "core". */
    aidf_stats_query_init(&q, zone("UTC"));
    q.interval = AIDF_INTERVAL_NONE;
    assert_int_equal(aidf_stats_add_by(&q, "tag:team,status", "", &err), AIDF_OK);
    compute(&q, r, 6, &st);
    assert_int_equal(st.n_rows, 4);
    assert_string_equal(st.rows[0].keys[0], "");
    assert_string_equal(st.rows[0].keys[1], "failed");
    assert_string_equal(st.rows[1].keys[0], "core");
    assert_string_equal(st.rows[1].currency, "EUR");
    assert_string_equal(st.rows[2].keys[0], "core");
    assert_string_equal(st.rows[2].currency, "USD");
    assert_int_equal(st.rows[2].runs, 3);
    assert_null(st.rows[3].keys[0]);
    assert_string_equal(st.rows[3].keys[1], "blocked");
    j = json_of(&st);
    assert_null(strstr(j, "\"period\""));
    assert_non_null(strstr(j, "\"interval\":\"none\""));
    free(j);
    aidf_stats_release(&st);

    /* Every other dimension reads its field; a run lacking one gives null. */
    r[6] = run(d1);
    r[6].provider = "openai-api", r[6].project = "acme/web", r[6].actor = "ana";
    r[6].task_name = "001-x.md", r[6].task_type = "feature", r[6].branch = "main";
    r[6].status = AIDF_STATUS_UNKNOWN;
    r[7] = run(d1);
    aidf_stats_query_init(&q, zone("UTC"));
    assert_int_equal(
        aidf_stats_add_by(&q, "provider,project,actor,taskName,taskType,branch,status", "", &err),
        AIDF_OK);
    compute(&q, r + 6, 2, &st);
    assert_int_equal(st.n_rows, 2);
    const char *vals[] = {"openai-api", "acme/web", "ana", "001-x.md", "feature", "main"};
    for (size_t b = 0; b < 6; b++) {
        assert_string_equal(st.rows[0].keys[b], vals[b]);
        assert_null(st.rows[1].keys[b]);
    }
    assert_null(st.rows[0].keys[6]);
    assert_string_equal(st.rows[1].keys[6], "completed");
    aidf_stats_release(&st);

    /* No runs: no rows. */
    compute(&q, r, 0, &st);
    assert_int_equal(st.n_rows, 0);
    j = json_of(&st);
    assert_non_null(strstr(j, "\"rows\":[]}\n"));
    free(j);
    aidf_stats_release(&st);
}

/* Hostile strings stay one JSON string and cannot act on a terminal; CSV cells follow the
 * CSV rules; sums saturate. */
static void test_output(void **state)
{
    (void)state;
    struct aidf_run_summary r[3];
    r[0] = run(at("2026-11-03T10:00:00Z"));
    r[0].model = "a\"b\\c\n\x1b[31m\xc2\x9b\xe2\x80\xae\x7f\xff-é";
    r[0].project = "=HYPERLINK(\"x\")";
    r[0].tokens_total = AIDF_AGG_MAX_COUNT;
    r[0].cache_read = 5;
    r[1] = run(at("2026-11-03T11:00:00Z"));
    r[1].model = r[0].model;
    r[1].project = r[0].project;
    r[1].tokens_total = 10;
    r[1].duration_ms = NAN;
    priced(&r[1], 0.1234567);
    struct aidf_stats_query q;
    struct aidf_error err = {0};
    aidf_stats_query_init(&q, zone("UTC"));
    q.interval = AIDF_INTERVAL_MONTH;
    assert_int_equal(aidf_stats_add_by(&q, "model,project", "", &err), AIDF_OK);
    struct aidf_stats st;
    compute(&q, r, 2, &st);
    assert_true(st.saturated);
    assert_int_equal(st.rows[0].tokens_total, AIDF_AGG_MAX_COUNT);
    assert_int_equal(st.rows[0].tokens_with_cache, AIDF_AGG_MAX_COUNT);
    char *j = json_of(&st);
    assert_non_null(strstr(j, "\"model\":\"a\\\"b\\\\c\\n\\u001b[31m\\u009b\\u202e\\u007f"
                              "\\ufffd-é\""));
    assert_non_null(strstr(j, "\"saturated\":true"));
    assert_non_null(strstr(j, "\"cost\":0.123457,")); /* 6 decimals */
    for (const char *p = j; *p; p++)
        assert_true((unsigned char)*p >= 0x20 || *p == '\n');
    free(j);

    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_stats_csv(&st, &b);
    const char *head = "period,model,project,currency,runs,completed,blocked,failed,"
                       "input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,"
                       "total_tokens,total_with_cache_tokens,cost,unpriced_runs,duration_ms\r\n";
    assert_memory_equal(b.ptr, head, strlen(head));
    const char *row = b.ptr + strlen(head);
    const char *cell = "2026-11,\"a\"\"b\\c\n\\x1b[31m\\u009b\\u202e\\x7f\\xff-é\",";
    assert_true(strncmp(row, cell, strlen(cell)) == 0);
    assert_non_null(strstr(row, ",\"'=HYPERLINK(\"\"x\"\")\",USD,2,2,0,0,0,0,5,0,"));
    assert_non_null(strstr(row, ",0.123457,1,0.0\r\n"));
    aidf_buf_release(&b);
    aidf_stats_release(&st);

    /* Interval none: no period column. */
    aidf_stats_query_init(&q, zone("UTC"));
    q.interval = AIDF_INTERVAL_NONE;
    compute(&q, r, 2, &st);
    aidf_stats_csv(&st, &b);
    assert_true(strncmp(b.ptr, "currency,runs,", 14) == 0);
    assert_non_null(strstr(b.ptr, "\r\nUSD,2,2,0,0,"));
    aidf_buf_release(&b);
    aidf_stats_release(&st);
}

/* 100k runs over 90 days by model: no allocation per run makes it fast (a loose bound,
 * scaled for sanitizer builds). */
static void test_speed(void **state)
{
    (void)state;
    enum { N = 100000 };
    static const char *const models[] = {"claude-sonnet-4-5", "gpt-5", "gpt-4o", "auto", ""};
    struct aidf_run_summary *runs = calloc(N, sizeof(*runs));
    int64_t t0 = at("2026-08-01T00:00:00Z");
    for (size_t i = 0; i < N; i++) {
        runs[i] = run(t0 + (int64_t)i * 77760); /* 90 days */
        runs[i].model = models[i % 5];
        runs[i].currency = i % 7 ? "USD" : "EUR";
        priced(&runs[i], 0.01);
    }
    struct aidf_stats_query q;
    struct aidf_error err = {0};
    aidf_stats_query_init(&q, zone("America/New_York"));
    assert_int_equal(aidf_stats_add_by(&q, "model", "", &err), AIDF_OK);
    struct aidf_stats st;
    double limit = 0.05 * tu_time_mult();
    double best = 1e9;
    for (int k = 0; k < 3; k++) {
        int64_t s = aidf_mono_ns();
        compute(&q, runs, N, &st);
        double secs = (double)(aidf_mono_ns() - s) / 1e9;
        best = secs < best ? secs : best;
        int64_t total = 0;
        for (size_t i = 0; i < st.n_rows; i++)
            total += st.rows[i].runs;
        assert_int_equal(total, N);
        assert_true(st.n_rows >= 90 * 5 * 2 && st.n_rows <= 92 * 5 * 2);
        aidf_stats_release(&st);
    }
    if (best > limit)
        fail_msg("100k runs took %.1f ms (limit %.0f ms)", best * 1e3, limit * 1e3);
    free(runs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_keys),
        cmocka_unit_test(test_dst_days),
        cmocka_unit_test(test_periods_match_keys),
        cmocka_unit_test(test_iso_weeks),
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_output),
        cmocka_unit_test(test_speed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
