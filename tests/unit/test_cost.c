#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "aidf/cost.h"
#include "aidf/err.h"
#include "aidf/report.h"

#define EPS 1e-9

static struct aidf_rates mk(double in, double out, double rd, double wr)
{
    struct aidf_rates r = {in, out, rd, wr};
    return r;
}

/* Look `model` up in the built-in table and check the key and the input/output rates. */
static void expect(const struct aidf_rate_table *t, const char *model, const char *provider,
                   const char *key, double in, double out)
{
    const char *matched = NULL;
    const struct aidf_rates *r = aidf_rate_lookup(t, model, provider, &matched);
    assert_non_null(r);
    assert_non_null(matched);
    assert_string_equal(matched, key);
    assert_true(fabs(r->input_per_1m - in) < EPS);
    assert_true(fabs(r->output_per_1m - out) < EPS);
}

static void test_builtin_exact_and_prefix(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    expect(&t, "gpt-4o", NULL, "gpt-4o", 2.5, 10);
    expect(&t, "gpt-4o-mini", NULL, "gpt-4o-mini", 0.15, 0.60);
    expect(&t, "gpt-4o-mini-2024-07-18", NULL, "gpt-4o-mini", 0.15, 0.60);
    expect(&t, "gpt-4o-2024-08-06", NULL, "gpt-4o", 2.5, 10);
    expect(&t, "GPT-4O-MINI", NULL, "gpt-4o-mini", 0.15, 0.60);
    expect(&t, "claude-opus-4-1-20250805", NULL, "claude-opus-4-1", 15, 75);
    expect(&t, "claude-opus-4-20250514", NULL, "claude-opus-4", 15, 75);
    expect(&t, "claude-opus-4-5-20251101", NULL, "claude-opus-4-5", 5, 25);
    expect(&t, "claude-opus-4-6", NULL, "claude-opus-4-6", 5, 25);
    expect(&t, "claude-sonnet-4-5-20250929", NULL, "claude-sonnet-4-5", 3, 15);
    expect(&t, "claude-sonnet-4-20250514", NULL, "claude-sonnet-4", 3, 15);
    expect(&t, "claude-haiku-4-5-20251001", NULL, "claude-haiku-4-5", 1, 5);
    expect(&t, "claude-3-5-haiku-20241022", NULL, "claude-3-5-haiku", 0.80, 4);
    expect(&t, "claude-3-haiku-20240307", NULL, "claude-3-haiku", 0.25, 1.25);
    expect(&t, "claude-opus", NULL, "claude-opus", 5, 25);
    expect(&t, "opus", NULL, "opus", 5, 25);
    expect(&t, "sonnet", NULL, "sonnet", 3, 15);
    expect(&t, "haiku", NULL, "haiku", 1, 5);
    expect(&t, "gpt-4.1-mini-2025-04-14", NULL, "gpt-4.1-mini", 0.40, 1.60);
    expect(&t, "gpt-4.1-nano", NULL, "gpt-4.1-nano", 0.10, 0.40);
    expect(&t, "gpt-4.1", NULL, "gpt-4.1", 2, 8);
    expect(&t, "o3-2025-04-16", NULL, "o3", 2, 8);
    expect(&t, "o4-mini", NULL, "o4-mini", 1.10, 4.40);
    expect(&t, "gpt-5-mini-2025-08-07", NULL, "gpt-5-mini", 0.25, 2);
    expect(&t, "gpt-5-nano", NULL, "gpt-5-nano", 0.05, 0.40);
    expect(&t, "gpt-5.1-codex", NULL, "gpt-5.1", 1.25, 10);
    expect(&t, "gpt-5", NULL, "gpt-5", 1.25, 10);
    expect(&t, "gpt-5.2", NULL, "gpt-5.2", 1.75, 14);
    expect(&t, "gpt-5.4", NULL, "gpt-5.4", 2.5, 15);
    expect(&t, "gpt-5.5", NULL, "gpt-5.5", 5, 30);
    expect(&t, "gpt-5.6", NULL, "gpt-5.6", 5, 30);
    aidf_rate_table_release(&t);
}

static void test_builtin_cache_rates(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    const struct aidf_rates *r = aidf_rate_lookup(&t, "claude-opus-4-7", NULL, NULL);
    assert_non_null(r);
    assert_true(fabs(r->cache_write_per_1m - 6.25) < EPS);
    assert_true(fabs(r->cache_read_per_1m - 0.50) < EPS);
    r = aidf_rate_lookup(&t, "gpt-4o-mini", NULL, NULL);
    assert_true(fabs(r->cache_read_per_1m - 0.075) < EPS);
    assert_true(isnan(r->cache_write_per_1m));
    r = aidf_rate_lookup(&t, "gpt-5.6", NULL, NULL);
    assert_true(fabs(r->cache_write_per_1m - 6.25) < EPS);
    /* Every built-in entry passes our own validation. */
    for (size_t i = 0; i < t.n; i++) {
        assert_true(t.items[i].builtin);
        assert_int_equal(aidf_rates_validate(t.items[i].key, &t.items[i].rates, NULL), AIDF_OK);
    }
    aidf_rate_table_release(&t);
}

static void test_substring_match(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    /* Bedrock-style ids: no key is a prefix; the longest contained key wins. */
    expect(&t, "us.anthropic.claude-sonnet-4-20250514-v1:0", NULL, "claude-sonnet-4", 3, 15);
    expect(&t, "anthropic/claude-opus-4-1", NULL, "claude-opus-4-1", 15, 75);
    expect(&t, "openai/gpt-4o-mini", NULL, "gpt-4o-mini", 0.15, 0.60);
    expect(&t, "claude-3-7-sonnet-20250219", NULL, "sonnet", 3, 15);
    aidf_rate_table_release(&t);
}

static void test_provider_defaults_and_unpriced(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    /* An unknown model is unpriced: there are no built-in provider defaults. */
    assert_null(aidf_rate_lookup(&t, NULL, "claude-cli", NULL));
    assert_null(aidf_rate_lookup(&t, "", "anthropic-api", NULL));
    assert_null(aidf_rate_lookup(&t, "some-unknown-model", "openai-api", NULL));
    expect(&t, "claude-opus-4-5", "claude-cli", "claude-opus-4-5", 5, 25);

    const char *key = "untouched";
    assert_null(aidf_rate_lookup(&t, NULL, "cursor-cli", &key));
    assert_string_equal(key, "untouched");
    assert_null(aidf_rate_lookup(&t, "mystery-model", NULL, NULL));
    assert_null(aidf_rate_lookup(&t, NULL, NULL, NULL));
    assert_null(aidf_rate_lookup(NULL, "gpt-4o", "openai-api", NULL));
    /* "provider:" keys never match model ids. */
    assert_null(aidf_rate_lookup(&t, "provider:claude-cli", NULL, NULL));

    /* A configured cursor-cli default prices cursor runs. */
    struct aidf_rates r = mk(2, 8, NAN, NAN);
    assert_int_equal(aidf_rate_table_set(&t, "provider:cursor-cli", &r, NULL), AIDF_OK);
    expect(&t, NULL, "cursor-cli", "provider:cursor-cli", 2, 8);
    /* A configured default for a provider type; a model match still beats it. */
    struct aidf_rates o = mk(2.5, 10, NAN, NAN);
    assert_int_equal(aidf_rate_table_set(&t, "provider:openai-api", &o, NULL), AIDF_OK);
    expect(&t, "some-unknown-model", "openai-api", "provider:openai-api", 2.5, 10);
    expect(&t, "gpt-4o-mini", "openai-api", "gpt-4o-mini", 0.15, 0.60);
    aidf_rate_table_release(&t);

    struct aidf_rate_table empty;
    aidf_rate_table_init(&empty);
    assert_int_equal(empty.n, 0);
    assert_null(aidf_rate_lookup(&empty, "gpt-4o", "openai-api", NULL));
    aidf_rate_table_release(&empty);
}

static void test_overrides(void **state)
{
    (void)state;
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    size_t n = t.n;
    struct aidf_rates r = mk(4, 16, NAN, NAN);
    assert_int_equal(aidf_rate_table_set(&t, "gpt-4o", &r, NULL), AIDF_OK);
    assert_int_equal(t.n, n); /* replaced, not added */
    expect(&t, "gpt-4o-2024-08-06", NULL, "gpt-4o", 4, 16);
    expect(&t, "gpt-4o-mini", NULL, "gpt-4o-mini", 0.15, 0.60); /* untouched */
    const struct aidf_rates *got = aidf_rate_lookup(&t, "gpt-4o", NULL, NULL);
    assert_true(isnan(got->cache_read_per_1m)); /* the override replaces all four rates */
    for (size_t i = 0; i < t.n; i++)
        if (strcmp(t.items[i].key, "gpt-4o") == 0)
            assert_false(t.items[i].builtin);

    /* Case-insensitive replacement. */
    r = mk(1, 2, NAN, NAN);
    assert_int_equal(aidf_rate_table_set(&t, "GPT-4O", &r, NULL), AIDF_OK);
    assert_int_equal(t.n, n);
    expect(&t, "gpt-4o", NULL, "gpt-4o", 1, 2);

    /* A new, longer key takes over the ids it prefixes. */
    r = mk(7, 21, 0.7, 8.75);
    assert_int_equal(aidf_rate_table_set(&t, "claude-sonnet-4-5-2025", &r, NULL), AIDF_OK);
    assert_int_equal(t.n, n + 1);
    expect(&t, "claude-sonnet-4-5-20250929", NULL, "claude-sonnet-4-5-2025", 7, 21);
    expect(&t, "claude-sonnet-4-5", NULL, "claude-sonnet-4-5", 3, 15);

    /* A rejected override leaves the table unchanged. */
    r = mk(0, 5, NAN, NAN);
    assert_int_equal(aidf_rate_table_set(&t, "gpt-4o", &r, NULL), AIDF_EINVAL);
    expect(&t, "gpt-4o", NULL, "gpt-4o", 1, 2);
    aidf_rate_table_release(&t);
    assert_int_equal(t.n, 0);
    assert_null(t.items);
}

static void test_validation(void **state)
{
    (void)state;
    struct aidf_error err;
    struct aidf_rates r;

    r = mk(3, 15, NAN, NAN);
    assert_int_equal(aidf_rates_validate("m", &r, &err), AIDF_OK);
    r = mk(3, 15, 0.3, 3.75);
    assert_int_equal(aidf_rates_validate("m", &r, &err), AIDF_OK);

    r = mk(0, 15, NAN, NAN);
    assert_int_equal(aidf_rates_validate("gpt-4o", &r, &err), AIDF_EINVAL);
    assert_int_equal(err.code, AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "cost.rates.gpt-4o.input_per_1m"));

    r = mk(3, -1, NAN, NAN);
    assert_int_equal(aidf_rates_validate("gpt-4o", &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "output_per_1m"));

    r = mk(NAN, 15, NAN, NAN);
    assert_int_equal(aidf_rates_validate("x", &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "input_per_1m"));

    r = mk(3, INFINITY, NAN, NAN);
    assert_int_equal(aidf_rates_validate("x", &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "output_per_1m"));

    r = mk(-INFINITY, 15, NAN, NAN);
    assert_int_equal(aidf_rates_validate("x", &r, &err), AIDF_EINVAL);

    r = mk(3, 15, 0, NAN);
    assert_int_equal(aidf_rates_validate("x", &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "cache_read_per_1m"));

    r = mk(3, 15, NAN, -2);
    assert_int_equal(aidf_rates_validate("x", &r, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "cache_write_per_1m"));

    r = mk(3, 15, INFINITY, NAN);
    assert_int_equal(aidf_rates_validate("x", &r, NULL), AIDF_EINVAL);

    r = mk(3, 15, NAN, NAN);
    assert_int_equal(aidf_rates_validate("", &r, NULL), AIDF_EINVAL);
    assert_int_equal(aidf_rates_validate(NULL, &r, NULL), AIDF_EINVAL);
    assert_int_equal(aidf_rates_validate("x", NULL, NULL), AIDF_EINVAL);

    struct aidf_rate_table t;
    aidf_rate_table_init(&t);
    assert_int_equal(aidf_rate_table_set(&t, "", &r, NULL), AIDF_EINVAL);
    assert_int_equal(t.n, 0);
    aidf_rate_table_release(&t);
}

static void test_compute(void **state)
{
    (void)state;
    struct aidf_rates r = mk(3, 15, 0.30, 3.75);
    struct aidf_token_counts c = {1000000, 1000000, 0, 0};
    assert_true(fabs(aidf_cost_compute(&r, &c) - 18.0) < EPS);

    c = (struct aidf_token_counts){1000, 500, 20000, 4000};
    /* 1000*3 + 500*15 + 20000*0.30 + 4000*3.75 = 3000 + 7500 + 6000 + 15000 = 31500 /1e6 */
    assert_true(fabs(aidf_cost_compute(&r, &c) - 0.0315) < EPS);

    /* Unknown cache rates: 0.1x and 1.25x the input rate. */
    r = mk(2, 8, NAN, NAN);
    c = (struct aidf_token_counts){0, 0, 1000000, 1000000};
    assert_true(fabs(aidf_cost_compute(&r, &c) - (0.2 + 2.5)) < EPS);

    /* Unset cache counts are zero. */
    c = (struct aidf_token_counts){1000000, 0, AIDF_UNSET, AIDF_UNSET};
    assert_true(fabs(aidf_cost_compute(&r, &c) - 2.0) < EPS);

    /* gpt-4o vs gpt-4o-mini on the same usage. */
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    c = (struct aidf_token_counts){1000000, 1000000, 0, 0};
    double big = aidf_cost_compute(aidf_rate_lookup(&t, "gpt-4o", NULL, NULL), &c);
    double mini = aidf_cost_compute(aidf_rate_lookup(&t, "gpt-4o-mini-2024-07-18", NULL, NULL), &c);
    assert_true(fabs(big - 12.5) < EPS);
    assert_true(fabs(mini - 0.75) < EPS);
    aidf_rate_table_release(&t);

    assert_true(isnan(aidf_cost_compute(NULL, &c)));
    assert_true(isnan(aidf_cost_compute(&r, NULL)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_exact_and_prefix),
        cmocka_unit_test(test_builtin_cache_rates),
        cmocka_unit_test(test_substring_match),
        cmocka_unit_test(test_provider_defaults_and_unpriced),
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_validation),
        cmocka_unit_test(test_compute),
    };
    return cmocka_run_group_tests_name("cost", tests, NULL, NULL);
}
