/*
 * Unit tests for the HTTP helpers of the server: Accept-Encoding and If-None-Match
 * parsing, the CORS origin decision, compressible types, the access log's target
 * (query kept, secrets redacted), and the /runs sort orders with their cursors.
 *
 * Like test_server_query.c, the server sources under test are compiled in directly
 * (they make no MHD calls).
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

#include "../../server/negotiate.c"
#include "../../server/query.c"

static void test_accept_encoding(void **state)
{
    (void)state;
    const char *yes[] = {"gzip",
                         "GZIP",
                         "gzip, deflate, br",
                         "deflate, gzip;q=0.5",
                         "br;q=1.0, gzip;q=0.001",
                         "x-gzip",
                         "*",
                         "identity, *;q=0.1",
                         " gzip ; q=1 ",
                         "gzip;q=0, gzip;q=0.5" /* the best of repeated names */,
                         "gzip;level=9"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (!aidf_srv_accepts_gzip(yes[i]))
            fail_msg("want gzip for '%s'", yes[i]);
    }
    const char *no[] = {
        NULL,          "",           "identity",  "deflate, br", "gzip;q=0",      "gzip;q=0.000",
        "gzip;q=0, *", "*;q=0",      "gzip;q=2",  "gzip;q=1.5",  "gzip;q=0.0001", "gzip;q=",
        "gzip;q=abc",  "gzip;=1",    "gzip junk", "gzipx",       "gzi",           ";;;;",
        ",,,,",        "gzip;q=0.5x"};
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        if (aidf_srv_accepts_gzip(no[i]))
            fail_msg("want no gzip for '%s'", no[i] ? no[i] : "(null)");
    }
    /* A huge hostile value: one pass, no gzip unless named. */
    size_t n = 1 << 20;
    char *big = malloc(n + 8);
    memset(big, ';', n);
    memcpy(big + n, ",gzip", 6);
    assert_true(aidf_srv_accepts_gzip(big));
    memset(big, ',', n);
    big[n] = '\0';
    assert_false(aidf_srv_accepts_gzip(big));
    free(big);
}

static void test_if_none_match(void **state)
{
    (void)state;
    const char *tag = "\"abc\"";
    assert_true(aidf_srv_etag_match("\"abc\"", tag));
    assert_true(aidf_srv_etag_match("*", tag));
    assert_true(aidf_srv_etag_match(" * ", tag));
    assert_true(aidf_srv_etag_match("W/\"abc\"", tag)); /* weak comparison */
    assert_true(aidf_srv_etag_match("\"x\", \"abc\"", tag));
    assert_true(aidf_srv_etag_match("\"x\",\"y\" ,W/\"abc\"", tag));
    assert_true(aidf_srv_etag_match("\"abc\"", "W/\"abc\""));
    assert_true(aidf_srv_etag_match(",, \"abc\"", tag));
    assert_false(aidf_srv_etag_match(NULL, tag));
    assert_false(aidf_srv_etag_match("", tag));
    assert_false(aidf_srv_etag_match("\"abcd\"", tag));
    assert_false(aidf_srv_etag_match("\"ab\"", tag));
    assert_false(aidf_srv_etag_match("abc", tag));
    assert_false(aidf_srv_etag_match("\"abc", tag));
    assert_false(aidf_srv_etag_match("\"abc-gz\"", tag));
    assert_false(aidf_srv_etag_match("*, \"abc\"", tag)); /* "*" stands alone */
    assert_false(aidf_srv_etag_match("\"x\" junk, \"abc\"", tag));
    assert_false(aidf_srv_etag_match("w/\"abc\"", tag));
    /* Huge lists: linear, correct. */
    size_t k = 20000;
    char *big = malloc(k * 8 + 16);
    size_t o = 0;
    for (size_t i = 0; i < k; i++)
        o += (size_t)snprintf(big + o, 16, "\"%04zx\", ", i % 0xffff);
    memcpy(big + o, "\"abc\"", 6);
    assert_true(aidf_srv_etag_match(big, tag));
    big[o] = '\0';
    assert_false(aidf_srv_etag_match(big, tag));
    memset(big, '"', k * 8);
    big[k * 8] = '\0';
    assert_false(aidf_srv_etag_match(big, tag));
    free(big);
}

static void test_cors(void **state)
{
    (void)state;
    const char *one[] = {"https://dash.example.com"};
    const char *both[] = {"http://a.test:8080", "*"};
    assert_null(aidf_srv_cors_allow(NULL, 0, "https://x", true));
    assert_null(aidf_srv_cors_allow(one, 1, NULL, true));
    assert_string_equal(aidf_srv_cors_allow(one, 1, "https://dash.example.com", false),
                        "https://dash.example.com");
    assert_string_equal(aidf_srv_cors_allow(one, 1, "HTTPS://DASH.example.com", true),
                        "HTTPS://DASH.example.com");
    assert_null(aidf_srv_cors_allow(one, 1, "https://dash.example.com.evil", true));
    assert_null(aidf_srv_cors_allow(one, 1, "http://dash.example.com", true));
    assert_null(aidf_srv_cors_allow(one, 1, "null", true));
    assert_string_equal(aidf_srv_cors_allow(both, 2, "http://a.test:8080", false),
                        "http://a.test:8080");
    assert_string_equal(aidf_srv_cors_allow(both, 2, "https://other", true), "*");
    assert_null(aidf_srv_cors_allow(both, 2, "https://other", false)); /* "*": reads only */

    assert_true(aidf_server_cors_origin_valid("*"));
    assert_true(aidf_server_cors_origin_valid("http://localhost:3000"));
    assert_true(aidf_server_cors_origin_valid("https://grafana.example.com"));
    assert_true(aidf_server_cors_origin_valid("http://[::1]:8080"));
    assert_false(aidf_server_cors_origin_valid(NULL));
    assert_false(aidf_server_cors_origin_valid(""));
    assert_false(aidf_server_cors_origin_valid("**"));
    assert_false(aidf_server_cors_origin_valid("example.com"));
    assert_false(aidf_server_cors_origin_valid("https://example.com/"));
    assert_false(aidf_server_cors_origin_valid("https://"));
    assert_false(aidf_server_cors_origin_valid("ftp://example.com"));
    assert_false(aidf_server_cors_origin_valid("https://a b"));
    assert_false(aidf_server_cors_origin_valid("https://user@host"));
}

static void test_compressible_and_etag(void **state)
{
    (void)state;
    assert_true(aidf_srv_compressible("application/json; charset=utf-8"));
    assert_true(aidf_srv_compressible("text/csv; charset=utf-8"));
    assert_true(aidf_srv_compressible("text/html"));
    assert_true(aidf_srv_compressible("text/css"));
    assert_true(aidf_srv_compressible("text/javascript; charset=utf-8"));
    assert_true(aidf_srv_compressible("application/yaml; charset=utf-8"));
    assert_false(aidf_srv_compressible(NULL));
    assert_false(aidf_srv_compressible("image/png"));
    assert_false(aidf_srv_compressible("application/jsonx"));
    assert_false(aidf_srv_compressible("text/plain"));

    char a[AIDF_SRV_ETAG_HEX + 1], b[AIDF_SRV_ETAG_HEX + 1], t[AIDF_SRV_ETAG_MAX];
    aidf_srv_etag_of("hello", 5, a);
    aidf_srv_etag_of("hellp", 5, b);
    assert_int_equal(strlen(a), AIDF_SRV_ETAG_HEX);
    assert_string_not_equal(a, b);
    assert_string_equal(a, "2cf24dba5fb0a30e26e83b2ac5b9e29e"); /* SHA-256("hello") */
    aidf_srv_etag_format(a, false, t);
    assert_string_equal(t, "\"2cf24dba5fb0a30e26e83b2ac5b9e29e\"");
    assert_true(aidf_srv_etag_match(t, t));
    aidf_srv_etag_format(a, true, t);
    assert_string_equal(t, "\"2cf24dba5fb0a30e26e83b2ac5b9e29e-gz\"");
}

static void test_log_target(void **state)
{
    (void)state;
    char out[AIDF_SRV_LOG_PATH_MAX];
    aidf_srv_log_target("/runs?model=a%20b&limit=5", out, sizeof(out));
    assert_string_equal(out, "/runs?model=a%20b&limit=5");
    aidf_srv_log_target("/runs?token=s3cret&limit=5", out, sizeof(out));
    assert_string_equal(out, "/runs?token=REDACTED&limit=5");
    aidf_srv_log_target("/x?a=1&TOKEN=abc;access_token=def&api_key=g", out, sizeof(out));
    assert_string_equal(out, "/x?a=1&TOKEN=REDACTED;access_token=REDACTED&api_key=REDACTED");
    aidf_srv_log_target("/x?mytoken=abc&token", out, sizeof(out));
    assert_string_equal(out, "/x?mytoken=abc&token");
    aidf_srv_log_target("/p?token=a=b=c", out, sizeof(out));
    assert_string_equal(out, "/p?token=REDACTED");
    aidf_srv_log_target("/a\nb c\x01?q=\x7f\xff", out, sizeof(out));
    assert_string_equal(out, "/a%0Ab%20c%01?q=%7F%FF");
    aidf_srv_log_target(NULL, out, sizeof(out));
    assert_string_equal(out, "");
    /* Cut to fit, never past the buffer. */
    char small[16];
    aidf_srv_log_target("/runs?model=abcdefghijklmnop", small, sizeof(small));
    assert_int_equal(strlen(small), sizeof(small) - 1);
    assert_non_null(strstr(small, "..."));
    char big[3000];
    memset(big, '\n', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    aidf_srv_log_target(big, out, sizeof(out));
    assert_true(strlen(out) < sizeof(out));
}

static void test_sort_parse(void **state)
{
    (void)state;
    const char *words[] = {"-timestamp", "timestamp", "cost",       "-cost",
                           "tokens",     "-tokens",   "durationMs", "-durationMs"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        enum aidf_run_sort s = AIDF_SORT_TS_DESC;
        assert_int_equal(aidf_run_sort_parse(words[i], &s), AIDF_OK);
        assert_string_equal(aidf_run_sort_name(s), words[i]);
    }
    const char *bad[] = {"", "Cost", "+cost", "--cost", "duration", "cost ", "ts", NULL};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum aidf_run_sort s = AIDF_SORT_TS_ASC;
        assert_int_equal(aidf_run_sort_parse(bad[i], &s), AIDF_EINVAL);
        assert_int_equal(s, AIDF_SORT_TS_ASC);
    }
}

static void test_sort_cmp(void **state)
{
    (void)state;
    /* Keys in the order's direction, ties by id, NaN last both ways. */
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_ASC, 1, "b", 2, "a") < 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_DESC, 1, "b", 2, "a") > 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_ASC, 1, "a", 1, "b") < 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_DESC, 1, "a", 1, "b") < 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_DESC, 1, "A", 1, "a") == 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_ASC, NAN, "a", 1e9, "b") > 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_DESC, NAN, "a", -1, "b") > 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_DESC, 0, "z", NAN, "a") < 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_COST_ASC, NAN, "a", NAN, "b") < 0);
    assert_true(aidf_run_sort_cmp(AIDF_SORT_TS_DESC, 5, "a", 4, "b") < 0);

    struct aidf_run_summary m;
    memset(&m, 0, sizeof(m));
    m.ts_ms = 1790000000123LL;
    m.cost = 0.25;
    m.tokens_total = 1234;
    m.duration_ms = 99.5;
    assert_true(aidf_run_sort_key(&m, AIDF_SORT_TS_ASC) == 1790000000123.0);
    assert_true(aidf_run_sort_key(&m, AIDF_SORT_COST_DESC) == 0.25);
    assert_true(aidf_run_sort_key(&m, AIDF_SORT_TOKENS_ASC) == 1234.0);
    assert_true(aidf_run_sort_key(&m, AIDF_SORT_DURATION_DESC) == 99.5);
    m.cost_unpriced = true;
    assert_true(isnan(aidf_run_sort_key(&m, AIDF_SORT_COST_ASC)));
    m.cost_unpriced = false;
    m.cost = NAN;
    assert_true(isnan(aidf_run_sort_key(&m, AIDF_SORT_COST_ASC)));
}

/* aidf_run_sort(): a total order, whatever the input order. */
static void test_run_sort(void **state)
{
    (void)state;
    struct aidf_run_summary m[6];
    const struct aidf_run_summary *v[6], *w[6];
    memset(m, 0, sizeof(m));
    const double costs[] = {0.5, NAN, 0.1, 0.5, NAN, 2};
    const char *ids[] = {"b", "d", "c", "a", "e", "f"};
    for (int i = 0; i < 6; i++) {
        snprintf(m[i].run_id, sizeof(m[i].run_id), "%s", ids[i]);
        m[i].cost = costs[i];
        m[i].cost_unpriced = isnan(costs[i]);
        m[i].tokens_total = 6 - i;
        v[i] = &m[i];
        w[5 - i] = &m[i];
    }
    aidf_run_sort(v, 6, AIDF_SORT_COST_DESC);
    aidf_run_sort(w, 6, AIDF_SORT_COST_DESC);
    const char *want = "fabcde";
    for (int i = 0; i < 6; i++) {
        assert_ptr_equal(v[i], w[i]);
        assert_int_equal(v[i]->run_id[0], want[i]);
    }
    aidf_run_sort(v, 6, AIDF_SORT_COST_ASC);
    want = "cabfde";
    for (int i = 0; i < 6; i++)
        assert_int_equal(v[i]->run_id[0], want[i]);
    aidf_run_sort(v, 6, AIDF_SORT_TOKENS_ASC);
    assert_int_equal(v[0]->run_id[0], 'f');
    assert_int_equal(v[5]->run_id[0], 'b');
    aidf_run_sort(v, 0, AIDF_SORT_TOKENS_ASC);
}

static void test_sort_cursor(void **state)
{
    (void)state;
    char c[AIDF_SRV_CURSOR_MAX], id[AIDF_RUN_ID_LEN + 1];
    enum aidf_run_sort s;
    double k;
    const char *longid = "3f2b9c1e-7a4d-4e8b-9c21-5d6e7f8a9b0c";
    const double keys[] = {0.1 + 0.2, 1e-300, 123456789.123456789, 0, -0.5, 1790000000123.0};
    for (int so = AIDF_SORT_TS_ASC; so <= AIDF_SORT_DURATION_DESC; so++) {
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
            aidf_srv_sort_cursor_encode((enum aidf_run_sort)so, keys[i], longid, c);
            assert_true(strlen(c) < AIDF_SRV_CURSOR_MAX);
            assert_int_equal(aidf_srv_sort_cursor_decode(c, &s, &k, id), AIDF_OK);
            assert_int_equal(s, so);
            assert_true(k == keys[i]); /* exact round trip */
            assert_string_equal(id, longid);
        }
    }
    aidf_srv_sort_cursor_encode(AIDF_SORT_COST_DESC, NAN, "ab", c);
    assert_int_equal(aidf_srv_sort_cursor_decode(c, &s, &k, id), AIDF_OK);
    assert_true(isnan(k) && s == AIDF_SORT_COST_DESC);
    /* The default order keeps the older form, which both decoders read. */
    aidf_srv_sort_cursor_encode(AIDF_SORT_TS_DESC, 1790000000123.0, "ab12", c);
    int64_t ts;
    assert_int_equal(aidf_srv_cursor_decode(c, &ts, id), AIDF_OK);
    assert_int_equal(ts, 1790000000123LL);
    assert_int_equal(aidf_srv_sort_cursor_decode(c, &s, &k, id), AIDF_OK);
    assert_true(s == AIDF_SORT_TS_DESC && k == 1790000000123.0);
    /* Times out of a double's exact range: clamped, exact through the parser. */
    aidf_srv_sort_cursor_encode(AIDF_SORT_TS_DESC, 1e300, "ab", c);
    assert_int_equal(aidf_srv_cursor_decode(c, &ts, id), AIDF_OK);
    assert_true(ts == INT64_MAX);
    aidf_srv_sort_cursor_encode(AIDF_SORT_TS_DESC, -1e300, "ab", c);
    assert_int_equal(aidf_srv_cursor_decode(c, &ts, id), AIDF_OK);
    assert_true(ts == -INT64_MAX);
    aidf_srv_cursor_encode(INT64_MAX, "ab", c);
    struct aidf_srv_kv kv = {"cursor", c, strlen(c)};
    struct aidf_srv_query q;
    struct aidf_error e;
    aidf_error_clear(&e);
    assert_int_equal(
        aidf_srv_query_parse(&q, AIDF_PARAM_FILTERS | AIDF_PARAM_PAGING, &kv, 1, 0, &e), AIDF_OK);
    assert_true(q.cursor_ts == INT64_MAX);
    aidf_srv_query_release(&q);
    /* Bad ones: not base64url, unknown order, bad key, bad id. */
    char raw[128];
    const char *bad_raw[] = {"x:1:ab",  "c:1:zz", "c:nan:ab", "c:inf:ab", "c::ab",
                             "c:1 :ab", "c:1",    "c:1x:ab",  "-:1:ab"};
    for (size_t i = 0; i < sizeof(bad_raw) / sizeof(bad_raw[0]); i++) {
        snprintf(raw, sizeof(raw), "%s", bad_raw[i]);
        b64_encode(raw, strlen(raw), c);
        if (aidf_srv_sort_cursor_decode(c, &s, &k, id) == AIDF_OK)
            fail_msg("cursor of '%s' decoded", bad_raw[i]);
    }
    assert_int_equal(aidf_srv_sort_cursor_decode("", &s, &k, id), AIDF_EINVAL);
    assert_int_equal(aidf_srv_sort_cursor_decode("!!", &s, &k, id), AIDF_EINVAL);
    memset(raw, 'A', sizeof(raw) - 1);
    raw[sizeof(raw) - 1] = '\0';
    assert_int_equal(aidf_srv_sort_cursor_decode(raw, &s, &k, id), AIDF_EINVAL);
}

/* The sort parameter and its cursor through the query parser. */
static void test_sort_query(void **state)
{
    (void)state;
    struct aidf_srv_kv kv[2];
    struct aidf_srv_query q;
    struct aidf_error e;
    const unsigned runs = AIDF_PARAM_FILTERS | AIDF_PARAM_PAGING;
    kv[0] = (struct aidf_srv_kv){"sort", "-cost", 5};
    aidf_error_clear(&e);
    assert_int_equal(aidf_srv_query_parse(&q, runs, kv, 1, 0, &e), AIDF_OK);
    assert_int_equal(q.sort, AIDF_SORT_COST_DESC);
    aidf_srv_query_release(&q);

    kv[0] = (struct aidf_srv_kv){"sort", "price", 5};
    assert_int_equal(aidf_srv_query_parse(&q, runs, kv, 1, 0, &e), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, "sort"));
    /* Not on the other endpoints. */
    kv[0] = (struct aidf_srv_kv){"sort", "cost", 4};
    assert_int_equal(aidf_srv_query_parse(&q, AIDF_PARAM_FILTERS, kv, 1, 0, &e), AIDF_EINVAL);
    /* Twice. */
    kv[1] = (struct aidf_srv_kv){"sort", "cost", 4};
    assert_int_equal(aidf_srv_query_parse(&q, runs, kv, 2, 0, &e), AIDF_EINVAL);

    char c[AIDF_SRV_CURSOR_MAX];
    aidf_srv_sort_cursor_encode(AIDF_SORT_TOKENS_ASC, 42, "abc", c);
    kv[0] = (struct aidf_srv_kv){"sort", "tokens", 6};
    kv[1] = (struct aidf_srv_kv){"cursor", c, strlen(c)};
    assert_int_equal(aidf_srv_query_parse(&q, runs, kv, 2, 0, &e), AIDF_OK);
    assert_true(q.has_cursor && q.cursor_key == 42 && strcmp(q.cursor_id, "abc") == 0);
    aidf_srv_query_release(&q);
    /* A cursor of another order. */
    kv[0] = (struct aidf_srv_kv){"sort", "-tokens", 7};
    assert_int_equal(aidf_srv_query_parse(&q, runs, kv, 2, 0, &e), AIDF_EINVAL);
    assert_non_null(strstr(e.msg, "cursor"));
    assert_int_equal(aidf_srv_query_parse(&q, runs, kv + 1, 1, 0, &e), AIDF_EINVAL);
    /* A default cursor with sort=-timestamp spelled out. */
    aidf_srv_cursor_encode(1790000000123LL, "abc", c);
    kv[0] = (struct aidf_srv_kv){"sort", "-timestamp", 10};
    kv[1] = (struct aidf_srv_kv){"cursor", c, strlen(c)};
    assert_int_equal(aidf_srv_query_parse(&q, runs, kv, 2, 0, &e), AIDF_OK);
    assert_true(q.cursor_ts == 1790000000123LL);
    aidf_srv_query_release(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_encoding),
        cmocka_unit_test(test_if_none_match),
        cmocka_unit_test(test_cors),
        cmocka_unit_test(test_compressible_and_etag),
        cmocka_unit_test(test_log_target),
        cmocka_unit_test(test_sort_parse),
        cmocka_unit_test(test_sort_cmp),
        cmocka_unit_test(test_sort_cursor),
        cmocka_unit_test(test_sort_query),
        cmocka_unit_test(test_run_sort),
    };
    return cmocka_run_group_tests_name("server_http", tests, NULL, NULL);
}
