/*
 * Unit tests for the /stats parameters: how the query parser takes interval, by and tz,
 * and how aidf_srv_stats_query() checks them and builds the cache key. The server sources
 * under test are compiled in directly (they make no MHD calls).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "../../server/query.c"
#include "../../server/stats_params.c"

static int parse(unsigned allowed, const struct aidf_srv_kv *kv, size_t n, struct aidf_srv_query *q,
                 struct aidf_stats_query *sq, struct aidf_error *err)
{
    int rc = aidf_srv_query_parse(q, allowed, kv, n, 0, err);
    if (rc == AIDF_OK) {
        rc = aidf_srv_stats_query(q, sq, err);
        if (rc != AIDF_OK)
            aidf_srv_query_release(q);
    }
    return rc;
}

#define KV(k, v)            \
    {                       \
        k, v, sizeof(v) - 1 \
    }

static void test_defaults_and_values(void **state)
{
    (void)state;
    struct aidf_srv_query q;
    struct aidf_stats_query sq;
    struct aidf_error err = {0};
    unsigned all = AIDF_PARAM_FILTERS | AIDF_PARAM_STATS;
    assert_int_equal(parse(all, NULL, 0, &q, &sq, &err), AIDF_OK);
    assert_int_equal(sq.interval, AIDF_INTERVAL_DAY);
    assert_string_equal(aidf_tz_name(sq.tz), "UTC");
    assert_int_equal(sq.n_by, 0);

    /* by repeats and takes lists; the order is kept. */
    struct aidf_srv_kv kv[] = {KV("interval", "week"), KV("by", "model,tag:team"),
                               KV("tz", "America/New_York"), KV("by", "project"),
                               KV("status", "failed")};
    assert_int_equal(parse(all, kv, 5, &q, &sq, &err), AIDF_OK);
    assert_int_equal(sq.interval, AIDF_INTERVAL_WEEK);
    assert_string_equal(aidf_tz_name(sq.tz), "America/New_York");
    assert_int_equal(sq.n_by, 3);
    assert_string_equal(sq.by[0].name, "model");
    assert_string_equal(sq.by[1].name, "tag:team");
    assert_string_equal(sq.by[2].name, "project");
    assert_int_equal(q.f.status_mask, 1u << AIDF_STATUS_FAILED);
    aidf_srv_query_release(&q);

    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_srv_stats_key(&sq, &b);
    assert_string_equal(b.ptr, "interval=week;tz=America/New_York;by=model,tag:team,project;");
    aidf_buf_release(&b);

    /* Only /stats takes them. */
    struct aidf_srv_kv one[] = {KV("interval", "day")};
    assert_int_equal(aidf_srv_query_parse(&q, AIDF_PARAM_FILTERS, one, 1, 0, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "unknown parameter 'interval'"));
}

static void test_rejects(void **state)
{
    (void)state;
    struct aidf_srv_query q;
    struct aidf_stats_query sq;
    struct aidf_error err = {0};
    unsigned all = AIDF_PARAM_FILTERS | AIDF_PARAM_STATS;
    struct {
        struct aidf_srv_kv kv;
        const char *msg;
    } bad[] = {
        {KV("interval", "year"), "invalid interval 'year'"},
        {KV("interval", ""), "invalid interval ''"},
        {KV("by", "colour"), "unknown by key 'colour'"},
        {KV("by", "tag:"), "unknown by key 'tag:'"},
        {KV("by", "tag:a/b"), "invalid by key 'tag:a/b'"},
        {KV("by", "model,model"), "'model' given more than once"},
        {KV("by", "model,provider,project,actor,status,taskName,taskType,branch,tag:x"),
         "too many by keys"},
        {KV("tz", "../../etc/passwd"), "invalid tz: invalid time zone name"},
        {KV("tz", "/etc/passwd"), "invalid tz: invalid time zone name"},
        {KV("tz", "Nowhere/Zone"), "invalid tz: unknown time zone 'Nowhere/Zone'"},
        {KV("tz", "America"), "invalid tz: unknown time zone"},
        {KV("tz", ""), "invalid tz"},
        {KV("limit", "5"), "unknown parameter 'limit'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        aidf_error_clear(&err);
        assert_int_equal(parse(all, &bad[i].kv, 1, &q, &sq, &err), AIDF_EINVAL);
        if (!strstr(err.msg, bad[i].msg))
            fail_msg("%s=%s: got '%s', want '%s'", bad[i].kv.key, bad[i].kv.value, err.msg,
                     bad[i].msg);
    }
    struct aidf_srv_kv two[] = {KV("tz", "UTC"), KV("tz", "UTC")};
    assert_int_equal(parse(all, two, 2, &q, &sq, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "'tz' given more than once"));
    /* Many by parameters: the parameter cap answers first, then the key cap. */
    struct aidf_srv_kv many[AIDF_SRV_MAX_PARAMS + 1];
    for (size_t i = 0; i < AIDF_SRV_MAX_PARAMS + 1; i++)
        many[i] = (struct aidf_srv_kv)KV("by", "model");
    assert_int_equal(parse(all, many, AIDF_SRV_MAX_PARAMS + 1, &q, &sq, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "too many query parameters"));
    assert_int_equal(parse(all, many, 2, &q, &sq, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "given more than once"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_values),
        cmocka_unit_test(test_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
