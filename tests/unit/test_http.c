#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aidf/err.h"
#include "aidf/http.h"
#include "aidf/timeutil.h"
#include "testutil.h"

static void test_backoff_doubles(void **state)
{
    (void)state;
    struct aidf_backoff b = {.base_ms = 500, .cap_ms = 0, .jitter = 0.0};
    assert_int_equal(aidf_backoff_delay_ms(&b, 0, -1, 0.5), 500);
    assert_int_equal(aidf_backoff_delay_ms(&b, 1, -1, 0.5), 1000);
    assert_int_equal(aidf_backoff_delay_ms(&b, 2, -1, 0.5), 2000);
    assert_int_equal(aidf_backoff_delay_ms(&b, 5, -1, 0.5), 16000);
    b.base_ms = 1000; /* the webhook's 1000 * 2^attempt */
    assert_int_equal(aidf_backoff_delay_ms(&b, 0, -1, 0.0), 1000);
    assert_int_equal(aidf_backoff_delay_ms(&b, 1, -1, 0.0), 2000);
    assert_int_equal(aidf_backoff_delay_ms(&b, 2, -1, 0.0), 4000);
}

static void test_backoff_jitter_and_cap(void **state)
{
    (void)state;
    struct aidf_backoff b = {.base_ms = 1000, .cap_ms = 5000, .jitter = 0.25};
    /* Jitter adds up to 25 %, never subtracts, so the delays keep growing. */
    assert_int_equal(aidf_backoff_delay_ms(&b, 0, -1, 0.0), 1000);
    assert_int_equal(aidf_backoff_delay_ms(&b, 0, -1, 0.5), 1125);
    int64_t hi = aidf_backoff_delay_ms(&b, 0, -1, 0.999999);
    assert_true(hi >= 1249 && hi <= 1250);
    assert_true(aidf_backoff_delay_ms(&b, 1, -1, 0.0) > hi);
    /* Out-of-range randomness is clamped. */
    assert_int_equal(aidf_backoff_delay_ms(&b, 0, -1, -3.0), 1000);
    assert_true(aidf_backoff_delay_ms(&b, 0, -1, 7.0) <= 1250);
    /* The cap holds jitter included, and huge attempt numbers do not overflow. */
    assert_int_equal(aidf_backoff_delay_ms(&b, 3, -1, 0.9), 5000);
    assert_int_equal(aidf_backoff_delay_ms(&b, 200, -1, 0.9), 5000);
    b.cap_ms = 0;
    assert_true(aidf_backoff_delay_ms(&b, 4000, -1, 0.0) > 0);
    /* A zero base means no wait. */
    b.base_ms = 0;
    assert_int_equal(aidf_backoff_delay_ms(&b, 3, -1, 0.5), 0);
}

static void test_backoff_retry_after_overrides(void **state)
{
    (void)state;
    struct aidf_backoff b = {.base_ms = 500, .cap_ms = 1000, .jitter = 0.25};
    assert_int_equal(aidf_backoff_delay_ms(&b, 0, 2000, 0.7), 2000); /* above the backoff cap */
    assert_int_equal(aidf_backoff_delay_ms(&b, 4, 0, 0.7), 0);
    assert_int_equal(aidf_backoff_delay_ms(&b, 0, 3600000, 0.7), AIDF_HTTP_RETRY_AFTER_CAP_MS);
}

static void test_jitter_range(void **state)
{
    (void)state;
    double lo = 1.0, hi = 0.0;
    for (int i = 0; i < 10000; i++) {
        double r = aidf_http_jitter();
        assert_true(r >= 0.0 && r < 1.0);
        lo = r < lo ? r : lo;
        hi = r > hi ? r : hi;
    }
    assert_true(lo < 0.05 && hi > 0.95);
}

static void test_retry_after_seconds(void **state)
{
    (void)state;
    int64_t d = -1, now = 1795000000000;
    assert_int_equal(aidf_http_parse_retry_after("120", now, &d), AIDF_OK);
    assert_int_equal(d, 60000); /* capped */
    assert_int_equal(aidf_http_parse_retry_after("2", now, &d), AIDF_OK);
    assert_int_equal(d, 2000);
    assert_int_equal(aidf_http_parse_retry_after(" 0 ", now, &d), AIDF_OK);
    assert_int_equal(d, 0);
    assert_int_equal(aidf_http_parse_retry_after("99999999999999999999999", now, &d), AIDF_OK);
    assert_int_equal(d, AIDF_HTTP_RETRY_AFTER_CAP_MS);
    d = 7;
    assert_int_equal(aidf_http_parse_retry_after("-1", now, &d), AIDF_EINVAL);
    assert_int_equal(aidf_http_parse_retry_after("1.5", now, &d), AIDF_EINVAL);
    assert_int_equal(aidf_http_parse_retry_after("12abc", now, &d), AIDF_EINVAL);
    assert_int_equal(aidf_http_parse_retry_after("", now, &d), AIDF_EINVAL);
    assert_int_equal(aidf_http_parse_retry_after(NULL, now, &d), AIDF_EINVAL);
    assert_int_equal(aidf_http_parse_retry_after("soon", now, &d), AIDF_EINVAL);
    assert_int_equal(d, 7); /* untouched on error */
}

static void test_retry_after_http_date(void **state)
{
    (void)state;
    int64_t d = -1;
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    int64_t t = (int64_t)784111777 * 1000;
    assert_int_equal(aidf_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t - 5000, &d),
                     AIDF_OK);
    assert_int_equal(d, 5000);
    /* The obsolete RFC 850 and asctime forms (RFC 9110 §5.6.7). */
    assert_int_equal(aidf_http_parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", t - 3000, &d),
                     AIDF_OK);
    assert_int_equal(d, 3000);
    assert_int_equal(aidf_http_parse_retry_after("Sun Nov  6 08:49:37 1994", t - 1500, &d),
                     AIDF_OK);
    assert_int_equal(d, 1500);
    /* In the past: retry now. Far ahead: capped. */
    assert_int_equal(aidf_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t + 9000, &d),
                     AIDF_OK);
    assert_int_equal(d, 0);
    assert_int_equal(aidf_http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t - 3600000, &d),
                     AIDF_OK);
    assert_int_equal(d, AIDF_HTTP_RETRY_AFTER_CAP_MS);
    assert_int_equal(aidf_http_parse_retry_after("Someday, never", t, &d), AIDF_EINVAL);
}

static void test_status_classes(void **state)
{
    (void)state;
    assert_true(aidf_http_status_retryable(408));
    assert_true(aidf_http_status_retryable(429));
    assert_true(aidf_http_status_retryable(500));
    assert_true(aidf_http_status_retryable(503));
    assert_true(aidf_http_status_retryable(599));
    assert_false(aidf_http_status_retryable(200));
    assert_false(aidf_http_status_retryable(301));
    assert_false(aidf_http_status_retryable(400));
    assert_false(aidf_http_status_retryable(401));
    assert_false(aidf_http_status_retryable(409));
    assert_false(aidf_http_status_retryable(410));
    assert_false(aidf_http_status_retryable(0));
    assert_string_equal(aidf_http_reason(503), "Service Unavailable");
    assert_string_equal(aidf_http_reason(299), "");
}

static void test_request_errors_without_network(void **state)
{
    (void)state;
    struct aidf_http_response resp;
    struct aidf_error err = {0};
    aidf_http_response_init(&resp);

    struct aidf_http_request req = {
        .method = "POST", .url = "ftp://127.0.0.1/x", .timeout_ms = 1000};
    assert_int_equal(aidf_http_request(&req, &resp, &err), AIDF_EINVAL);
    assert_int_equal(resp.status, 0);

    const char *bad[] = {"X-Evil: a\r\nInjected: b"};
    req.url = "http://127.0.0.1:1/";
    req.headers = bad;
    req.n_headers = 1;
    assert_int_equal(aidf_http_request(&req, &resp, &err), AIDF_EINVAL);

    /* A port that was free a moment ago: connection refused, reported as AIDF_EIO. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/runs", ntohs(a.sin_port));
    req.url = url;
    req.headers = NULL;
    req.n_headers = 0;
    aidf_error_clear(&err);
    assert_int_equal(aidf_http_request(&req, &resp, &err), AIDF_EIO);
    assert_string_equal(err.msg, "connection refused");

    aidf_http_response_release(&resp);
}

/* A listening socket that never accepts: the connect succeeds (backlog), the
 * request times out. */
static void test_request_timeout(void **state)
{
    (void)state;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
    struct aidf_http_request req = {.method = "GET", .url = url, .timeout_ms = 200};
    struct aidf_http_response resp;
    struct aidf_error err = {0};
    aidf_http_response_init(&resp);
    int64_t t0 = aidf_mono_ns();
    assert_int_equal(aidf_http_request(&req, &resp, &err), AIDF_ETIMEOUT);
    int64_t ms = (aidf_mono_ns() - t0) / 1000000;
    assert_true(ms >= 150 && ms < 3000);
    assert_string_equal(err.msg, "timed out after 200 ms");
    aidf_http_response_release(&resp);
    close(fd);
}

static void test_sleep(void **state)
{
    (void)state;
    int64_t t0 = aidf_mono_ns();
    aidf_sleep_ms(30);
    aidf_sleep_ms(0);
    aidf_sleep_ms(-5);
    int64_t ms = (aidf_mono_ns() - t0) / 1000000;
    assert_true(ms >= 29 && ms < 1000);
}

int main(void)
{
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles),
        cmocka_unit_test(test_backoff_jitter_and_cap),
        cmocka_unit_test(test_backoff_retry_after_overrides),
        cmocka_unit_test(test_jitter_range),
        cmocka_unit_test(test_retry_after_seconds),
        cmocka_unit_test(test_retry_after_http_date),
        cmocka_unit_test(test_status_classes),
        cmocka_unit_test(test_request_errors_without_network),
        cmocka_unit_test(test_request_timeout),
        cmocka_unit_test(test_sleep),
    };
    int rc = cmocka_run_group_tests_name("http", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
