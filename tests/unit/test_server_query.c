/*
 * Unit tests for the server's pure helpers: routing, id validation, Content-Type,
 * query parameters, cursors, the bearer-token check and the error mapping.
 *
 * The tests build against aidf_core only, so the server sources under test are
 * compiled into this executable directly (they make no MHD calls).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "aidf/timeutil.h"

#include "../../server/auth.c"
#include "../../server/errmap.c"
#include "../../server/query.c"

static void test_route_match(void **state)
{
    (void)state;
    const char *id;
    assert_int_equal(aidf_srv_route_match("/runs", &id), AIDF_ROUTE_RUNS);
    assert_null(id);
    assert_int_equal(aidf_srv_route_match("/runs/abc", &id), AIDF_ROUTE_RUN);
    assert_string_equal(id, "abc");
    assert_int_equal(aidf_srv_route_match("/runs/", &id), AIDF_ROUTE_RUN);
    assert_string_equal(id, "");
    assert_int_equal(aidf_srv_route_match("/runs/a/b", &id), AIDF_ROUTE_RUN);
    assert_false(aidf_srv_id_valid(id));
    assert_int_equal(aidf_srv_route_match("/summary", &id), AIDF_ROUTE_SUMMARY);
    assert_int_equal(aidf_srv_route_match("/export.csv", &id), AIDF_ROUTE_EXPORT);
    assert_int_equal(aidf_srv_route_match("/healthz", &id), AIDF_ROUTE_HEALTHZ);
    assert_int_equal(aidf_srv_route_match("/summary/", &id), AIDF_ROUTE_NONE);
    assert_int_equal(aidf_srv_route_match("/runsx", &id), AIDF_ROUTE_NONE);
    assert_int_equal(aidf_srv_route_match("/", &id), AIDF_ROUTE_INDEX);
    assert_int_equal(aidf_srv_route_match("/assets/app.0123456789ab.js", &id), AIDF_ROUTE_ASSET);
    assert_string_equal(id, "app.0123456789ab.js");
    assert_int_equal(aidf_srv_route_match("/assets/", &id), AIDF_ROUTE_ASSET);
    assert_string_equal(id, "");
    assert_int_equal(aidf_srv_route_match("/assets", &id), AIDF_ROUTE_NONE);
    assert_int_equal(aidf_srv_route_match("/index.html", &id), AIDF_ROUTE_NONE);
    assert_int_equal(aidf_srv_route_match("", &id), AIDF_ROUTE_NONE);
    assert_int_equal(aidf_srv_route_match("//runs", &id), AIDF_ROUTE_NONE);
    assert_int_equal(aidf_srv_route_match("/openapi.yaml", &id), AIDF_ROUTE_OPENAPI);
    assert_int_equal(aidf_srv_route_match("/openapi.yml", &id), AIDF_ROUTE_NONE);
    assert_string_equal(aidf_srv_route_allow(AIDF_ROUTE_RUNS), "GET, HEAD, POST, OPTIONS");
    assert_string_equal(aidf_srv_route_allow(AIDF_ROUTE_SUMMARY), "GET, HEAD, OPTIONS");
}

static void test_id_valid(void **state)
{
    (void)state;
    assert_true(aidf_srv_id_valid("a"));
    assert_true(aidf_srv_id_valid("3f2b9c1e"));
    assert_true(aidf_srv_id_valid("3F2B9C1E-7A4D"));
    assert_true(aidf_srv_id_valid("3f2b9c1e-7a4d-4e8b-9c21-5d6e7f8a9b0c"));
    assert_false(aidf_srv_id_valid("3f2b9c1e-7a4d-4e8b-9c21-5d6e7f8a9b0c0"));
    assert_false(aidf_srv_id_valid(""));
    assert_false(aidf_srv_id_valid(NULL));
    assert_false(aidf_srv_id_valid(".."));
    assert_false(aidf_srv_id_valid("../etc"));
    assert_false(aidf_srv_id_valid("ab%00cd"));
    assert_false(aidf_srv_id_valid("ab/cd"));
    assert_false(aidf_srv_id_valid("abg"));
    assert_false(aidf_srv_id_valid("ab cd"));
    assert_false(aidf_srv_id_valid("ab\xc3\xa9"));
}

static void test_json_type(void **state)
{
    (void)state;
    assert_true(aidf_srv_is_json_type("application/json"));
    assert_true(aidf_srv_is_json_type("Application/JSON"));
    assert_true(aidf_srv_is_json_type("application/json; charset=utf-8"));
    assert_true(aidf_srv_is_json_type("application/json;charset=UTF-8"));
    assert_true(aidf_srv_is_json_type(" application/json "));
    assert_false(aidf_srv_is_json_type(NULL));
    assert_false(aidf_srv_is_json_type(""));
    assert_false(aidf_srv_is_json_type("text/plain"));
    assert_false(aidf_srv_is_json_type("application/jsonx"));
    assert_false(aidf_srv_is_json_type("application/json-seq"));
    assert_false(aidf_srv_is_json_type("application/x-www-form-urlencoded"));
}

/* Parse "k=v" strings (NULL value when there is no '='). */
static int parse(struct aidf_srv_query *q, unsigned allowed, struct aidf_error *err, ...)
{
    struct aidf_srv_kv kv[40];
    char keys[40][64];
    size_t n = 0;
    va_list ap;
    va_start(ap, err);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL && n < 40) {
        const char *eq = strchr(s, '=');
        size_t kl = eq ? (size_t)(eq - s) : strlen(s);
        memcpy(keys[n], s, kl);
        keys[n][kl] = '\0';
        kv[n].key = keys[n];
        kv[n].value = eq ? eq + 1 : NULL;
        kv[n].value_len = eq ? strlen(eq + 1) : 0;
        n++;
    }
    va_end(ap);
    aidf_error_clear(err);
    return aidf_srv_query_parse(q, allowed, kv, n, 1800000000000LL, err);
}

static void test_query_defaults_and_paging(void **state)
{
    (void)state;
    struct aidf_srv_query q;
    struct aidf_error e;
    const unsigned runs = AIDF_PARAM_FILTERS | AIDF_PARAM_PAGING;
    assert_int_equal(parse(&q, runs, &e, NULL), AIDF_OK);
    assert_int_equal(q.limit, 20);
    assert_int_equal(q.offset, 0);
    assert_false(q.has_cursor);
    assert_true(q.f.since_ms == INT64_MIN && q.f.until_ms == INT64_MAX);

    assert_int_equal(parse(&q, runs, &e, "limit=1000", "offset=40", NULL), AIDF_OK);
    assert_int_equal(q.limit, 1000);
    assert_int_equal(q.offset, 40);
    assert_int_equal(parse(&q, runs, &e, "limit=1", NULL), AIDF_OK);

    const char *bad[] = {
        "limit=0",  "limit=1001", "limit=-1",  "limit=",   "limit",
        "limit=1x", "limit= 5",   "offset=-1", "offset=x", "offset=99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(&q, runs, &e, bad[i], NULL), AIDF_EINVAL);
        char name[16];
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(bad[i], "="), bad[i]);
        assert_non_null(strstr(e.msg, name));
    }
}

static void test_query_filters(void **state)
{
    (void)state;
    struct aidf_srv_query q;
    struct aidf_error e;
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "since=2026-11-01", "until=2026-11-02",
                           "status=failed", "task=*login*", "provider=claude-cli", "model=claude-*",
                           NULL),
                     AIDF_OK);
    int64_t a, b;
    assert_int_equal(aidf_iso_parse("2026-11-01", &a), AIDF_OK);
    assert_int_equal(aidf_parse_when("2026-11-02", 0, true, &b), AIDF_OK);
    assert_true(q.f.since_ms == a);
    assert_true(q.f.until_ms == b);
    assert_int_equal(q.f.status_mask, 1u << AIDF_STATUS_FAILED);
    assert_string_equal(q.f.task.items[0], "*login*");
    assert_string_equal(q.f.provider.items[0], "claude-cli");
    assert_string_equal(q.f.model.items[0], "claude-*");
    aidf_srv_query_release(&q);

    /* The team filters; repeated filters add values, in any mix with commas. */
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "project=acme/widgets", "actor=octocat",
                           "branch=main", "tag=team:core", "ci=true", "receivedSince=1h",
                           "model=gpt-4o", "status=failed,blocked", "model=gpt-5,claude-*",
                           "status=completed", "tag=ticket:*", NULL),
                     AIDF_OK);
    assert_string_equal(q.f.project.items[0], "acme/widgets");
    assert_string_equal(q.f.actor.items[0], "octocat");
    assert_string_equal(q.f.branch.items[0], "main");
    assert_int_equal(q.f.tag.n, 2);
    assert_string_equal(q.f.tag.items[0], "team=core");
    assert_string_equal(q.f.tag.items[1], "ticket");
    assert_int_equal(q.f.ci_mask, 2);
    assert_true(q.f.received_since_ms == 1800000000000LL - 3600000);
    assert_int_equal(q.f.model.n, 3);
    assert_int_equal(q.f.status_mask, (1u << AIDF_STATUS_FAILED) | (1u << AIDF_STATUS_BLOCKED) |
                                          (1u << AIDF_STATUS_COMPLETED));
    aidf_srv_query_release(&q);

    /* Relative dates count back from the given now. */
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "since=7d", NULL), AIDF_OK);
    assert_true(q.f.since_ms == 1800000000000LL - 7LL * 86400000);

    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "since=yesterday", NULL), AIDF_EINVAL);
    assert_string_equal(e.msg, "invalid since 'yesterday' (expected YYYY-MM-DD, an ISO timestamp "
                               "or an age such as 30m, 24h, 7d, 2w, 3mo, 1y; units: s, m "
                               "(minutes), h, d, w, mo (calendar months), y)");
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "status=done", NULL), AIDF_EINVAL);
    assert_string_equal(e.msg, "invalid status 'done' (expected completed, blocked or failed)");
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "status", NULL), AIDF_EINVAL);
    assert_string_equal(e.msg, "status needs a value");
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "tag=bad key:x", NULL), AIDF_EINVAL);
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "ci=maybe", NULL), AIDF_EINVAL);
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "receivedSince=5q", NULL), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, "invalid receivedSince '5q'"));
    /* A date takes one value. */
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "since=1d", "since=2d", NULL), AIDF_EINVAL);
    assert_string_equal(e.msg, "since given more than once (it takes one date)");
}

static void test_query_rejects(void **state)
{
    (void)state;
    struct aidf_srv_query q;
    struct aidf_error e;
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "foo=1", NULL), AIDF_EINVAL);
    assert_string_equal(e.msg, "unknown parameter 'foo'");
    /* Paging belongs to /runs only, detailed to /export.csv only. */
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "limit=5", NULL), AIDF_EINVAL);
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "detailed=1", NULL), AIDF_EINVAL);
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS | AIDF_PARAM_DETAILED, &e, "detailed=1", NULL),
                     AIDF_OK);
    assert_true(q.detailed);
    assert_int_equal(parse(&q, AIDF_PARAM_DETAILED, &e, "detailed=yes", NULL), AIDF_EINVAL);
    /* Filters repeat; the other parameters do not. */
    assert_int_equal(parse(&q, AIDF_PARAM_FILTERS, &e, "status=failed", "status=completed", NULL),
                     AIDF_OK);
    aidf_srv_query_release(&q);
    const char *once[] = {"limit=5", "offset=1", "detailed=1"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(parse(&q, AIDF_PARAM_FILTERS | AIDF_PARAM_PAGING | AIDF_PARAM_DETAILED, &e,
                               once[i], once[i], NULL),
                         AIDF_EINVAL);
        assert_non_null(strstr(e.msg, "more than once"));
    }

    /* Up to 64 values per filter; more is a clear error, whatever the form. */
    struct aidf_srv_kv vals[AIDF_FILTER_MAX_VALUES + 1];
    char names[AIDF_FILTER_MAX_VALUES + 1][8];
    for (size_t i = 0; i <= AIDF_FILTER_MAX_VALUES; i++) {
        snprintf(names[i], sizeof(names[i]), "m%zu", i);
        vals[i] = (struct aidf_srv_kv){"model", names[i], strlen(names[i])};
    }
    assert_int_equal(
        aidf_srv_query_parse(&q, AIDF_PARAM_FILTERS, vals, AIDF_FILTER_MAX_VALUES, 0, &e), AIDF_OK);
    assert_int_equal(q.f.model.n, AIDF_FILTER_MAX_VALUES);
    aidf_srv_query_release(&q);
    assert_int_equal(
        aidf_srv_query_parse(&q, AIDF_PARAM_FILTERS, vals, AIDF_FILTER_MAX_VALUES + 1, 0, &e),
        AIDF_EINVAL);
    assert_string_equal(e.msg, "too many values for model (at most 64)");

    /* A value with a NUL byte inside is refused, not cut short. */
    struct aidf_srv_kv kv = {"task", "ab\0cd", 5};
    assert_int_equal(aidf_srv_query_parse(&q, AIDF_PARAM_FILTERS, &kv, 1, 0, &e), AIDF_EINVAL);

    struct aidf_srv_kv many[AIDF_SRV_MAX_PARAMS + 1];
    for (size_t i = 0; i < AIDF_SRV_MAX_PARAMS + 1; i++)
        many[i] = (struct aidf_srv_kv){"task", "x", 1};
    assert_int_equal(
        aidf_srv_query_parse(&q, AIDF_PARAM_FILTERS, many, AIDF_SRV_MAX_PARAMS + 1, 0, &e),
        AIDF_EINVAL);
}

static void test_cursor(void **state)
{
    (void)state;
    char c[AIDF_SRV_CURSOR_MAX], id[AIDF_RUN_ID_LEN + 1];
    int64_t ts = 0;
    aidf_srv_cursor_encode(1790000000123LL, "3f2b9c1e-7a4d-4e8b-9c21-5d6e7f8a9b0c", c);
    assert_null(strpbrk(c, "+/="));
    assert_int_equal(aidf_srv_cursor_decode(c, &ts, id), AIDF_OK);
    assert_true(ts == 1790000000123LL);
    assert_string_equal(id, "3f2b9c1e-7a4d-4e8b-9c21-5d6e7f8a9b0c");
    aidf_srv_cursor_encode(-5, "ab", c);
    assert_int_equal(aidf_srv_cursor_decode(c, &ts, id), AIDF_OK);
    assert_true(ts == -5);
    assert_string_equal(id, "ab");

    const char *bad[] = {"", "!!!!", "bm90LWEtY3Vyc29y" /* not-a-cursor */,
                         "MTIzOi4uL2V0Yw" /* 123:../etc */, "OmFi" /* :ab */};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(aidf_srv_cursor_decode(bad[i], &ts, id), AIDF_EINVAL);

    struct aidf_srv_query q;
    struct aidf_error e;
    const unsigned runs = AIDF_PARAM_FILTERS | AIDF_PARAM_PAGING;
    char arg[AIDF_SRV_CURSOR_MAX + 8];
    aidf_srv_cursor_encode(1790000000123LL, "3f2b9c1e", c);
    snprintf(arg, sizeof(arg), "cursor=%s", c);
    assert_int_equal(parse(&q, runs, &e, arg, NULL), AIDF_OK);
    assert_true(q.has_cursor && q.cursor_ts == 1790000000123LL);
    assert_int_equal(parse(&q, runs, &e, arg, "offset=3", NULL), AIDF_EINVAL);
    assert_int_equal(parse(&q, runs, &e, "cursor=zzz", NULL), AIDF_EINVAL);
}

static void test_query_key(void **state)
{
    (void)state;
    struct aidf_srv_query q1, q2;
    struct aidf_error e;
    struct aidf_buf a = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT), b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    /* Order of parameters does not matter; an empty task differs from no task. */
    parse(&q1, AIDF_PARAM_FILTERS, &e, "status=failed", "model=m", NULL);
    parse(&q2, AIDF_PARAM_FILTERS, &e, "model=m", "status=failed", NULL);
    aidf_srv_query_key(&q1, &a);
    aidf_srv_query_key(&q2, &b);
    assert_string_equal(a.ptr, b.ptr);
    aidf_srv_query_release(&q2);
    aidf_buf_reset(&b);
    parse(&q2, AIDF_PARAM_FILTERS, &e, "model=m", "status=failed", "task=t", NULL);
    aidf_srv_query_key(&q2, &b);
    assert_string_not_equal(a.ptr, b.ptr);
    aidf_srv_query_release(&q1);
    aidf_srv_query_release(&q2);

    /* a,b and b,a (and the repeated form) share a key; project=x and actor=x do not. */
    aidf_buf_reset(&a);
    aidf_buf_reset(&b);
    parse(&q1, AIDF_PARAM_FILTERS, &e, "model=a,b", "tag=team:core", NULL);
    parse(&q2, AIDF_PARAM_FILTERS, &e, "tag=team=core", "model=b", "model=a", NULL);
    aidf_srv_query_key(&q1, &a);
    aidf_srv_query_key(&q2, &b);
    assert_string_equal(a.ptr, b.ptr);
    aidf_srv_query_release(&q1);
    aidf_srv_query_release(&q2);
    aidf_buf_reset(&a);
    aidf_buf_reset(&b);
    parse(&q1, AIDF_PARAM_FILTERS, &e, "project=x", NULL);
    parse(&q2, AIDF_PARAM_FILTERS, &e, "actor=x", NULL);
    aidf_srv_query_key(&q1, &a);
    aidf_srv_query_key(&q2, &b);
    assert_string_not_equal(a.ptr, b.ptr);
    aidf_srv_query_release(&q1);
    aidf_srv_query_release(&q2);
    aidf_buf_release(&a);
    aidf_buf_release(&b);
}

static void test_token(void **state)
{
    (void)state;
    struct aidf_srv_token none, t;
    aidf_srv_token_init(&none, NULL);
    assert_true(aidf_srv_token_check(&none, NULL));
    aidf_srv_token_init(&none, "");
    assert_true(aidf_srv_token_check(&none, "garbage"));

    aidf_srv_token_init(&t, "s3cret-token");
    assert_true(aidf_srv_token_check(&t, "Bearer s3cret-token"));
    assert_true(aidf_srv_token_check(&t, "bearer s3cret-token"));
    assert_true(aidf_srv_token_check(&t, "Bearer  s3cret-token "));
    assert_false(aidf_srv_token_check(&t, NULL));
    assert_false(aidf_srv_token_check(&t, ""));
    assert_false(aidf_srv_token_check(&t, "Bearer"));
    assert_false(aidf_srv_token_check(&t, "Bearer "));
    assert_false(aidf_srv_token_check(&t, "Bearers3cret-token"));
    assert_false(aidf_srv_token_check(&t, "Basic s3cret-token"));
    assert_false(aidf_srv_token_check(&t, "Bearer s3cret-toke"));
    assert_false(aidf_srv_token_check(&t, "Bearer s3cret-token2"));
    assert_false(aidf_srv_token_check(&t, "s3cret-token"));
}

static void test_error_mapping(void **state)
{
    (void)state;
    assert_int_equal(aidf_srv_status_of(AIDF_EINVAL), 400);
    assert_int_equal(aidf_srv_status_of(AIDF_ENOTFOUND), 404);
    assert_int_equal(aidf_srv_status_of(AIDF_ETOOBIG), 413);
    assert_int_equal(aidf_srv_status_of(AIDF_EAMBIGUOUS), 409);
    assert_int_equal(aidf_srv_status_of(AIDF_ECONFLICT), 409);
    assert_int_equal(aidf_srv_status_of(AIDF_EIO), 500);
    assert_int_equal(aidf_srv_status_of(AIDF_EINTERNAL), 500);
    assert_string_equal(aidf_srv_code_of(AIDF_EAMBIGUOUS), "ambiguous_id");
    assert_string_equal(aidf_srv_code_of(AIDF_ETOOBIG), "too_large");
    assert_string_equal(aidf_srv_code_of(AIDF_EIO), "internal_error");

    json_t *extra = json_pack("{s:i,s:i}", "line", 3, "column", 7);
    json_t *o = aidf_srv_error_json("invalid_json", "line 3, column 7: bad", extra);
    char *s = json_dumps(o, JSON_COMPACT);
    assert_string_equal(s, "{\"error\":{\"code\":\"invalid_json\",\"message\":\"line 3, column 7: "
                           "bad\",\"line\":3,\"column\":7}}");
    free(s);
    json_decref(o);

    /* Invalid UTF-8 from a client never makes the body invalid JSON. */
    o = aidf_srv_error_json("invalid_parameter", "bad 'x\xff'", NULL);
    s = json_dumps(o, JSON_COMPACT);
    assert_string_equal(s, "{\"error\":{\"code\":\"invalid_parameter\",\"message\":\"bad 'x?'\"}}");
    free(s);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_match),   cmocka_unit_test(test_id_valid),
        cmocka_unit_test(test_json_type),     cmocka_unit_test(test_query_defaults_and_paging),
        cmocka_unit_test(test_query_filters), cmocka_unit_test(test_query_rejects),
        cmocka_unit_test(test_cursor),        cmocka_unit_test(test_query_key),
        cmocka_unit_test(test_token),         cmocka_unit_test(test_error_mapping),
    };
    return cmocka_run_group_tests_name("server_query", tests, NULL, NULL);
}
