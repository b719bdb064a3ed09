#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aidf/config.h"
#include "aidf/err.h"
#include "aidf/report.h"
#include "aidf/webhook.h"
#include "testutil.h"

/* base64 of `n` bytes with OpenSSL, for the independent checks. */
static void b64(const unsigned char *p, size_t n, char *out)
{
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
}

static void test_secret_key(void **state)
{
    (void)state;
    unsigned char *key = NULL;
    size_t len = 0;
    char enc[128];

    /* The Standard Webhooks example secret: 24 bytes that re-encode to the same text. */
    assert_int_equal(
        aidf_webhook_secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &key, &len, NULL),
        AIDF_OK);
    assert_int_equal(len, 24);
    b64(key, len, enc);
    assert_string_equal(enc, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    free(key);

    static const struct {
        const char *secret;
        const char *bytes;
    } ok[] = {
        {"whsec_YWJj", "abc"}, {"whsec_YWI=", "ab"}, {"whsec_YWI", "ab"},
        {"whsec_YQ==", "a"},   {"whsec_YQ", "a"},    {"plain-secret", "plain-secret"},
        {"whsec", "whsec"}, /* no underscore: not the prefix, raw bytes */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        key = NULL;
        assert_int_equal(aidf_webhook_secret_key(ok[i].secret, &key, &len, NULL), AIDF_OK);
        assert_int_equal(len, strlen(ok[i].bytes));
        assert_memory_equal(key, ok[i].bytes, len);
        free(key);
    }
    static const char *const bad[] = {"",        "whsec_",     "whsec_***", "whsec_YW Jj",
                                      "whsec_Y", "whsec_=YWJ", "whsec_YQ=a"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct aidf_error err = {0};
        key = NULL;
        assert_int_equal(aidf_webhook_secret_key(bad[i], &key, &len, &err), AIDF_EINVAL);
        assert_null(key);
        assert_true(err.msg[0] != '\0');
    }
    assert_int_equal(aidf_webhook_secret_key(NULL, &key, &len, NULL), AIDF_EINVAL);
}

static void test_sign_known_vector(void **state)
{
    (void)state;
    /* The Standard Webhooks reference example. */
    unsigned char *key = NULL;
    size_t len = 0;
    char sig[AIDF_WEBHOOK_SIG_SIZE];
    const char *body = "{\"test\": 2432232314}";
    assert_int_equal(
        aidf_webhook_secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &key, &len, NULL),
        AIDF_OK);
    assert_int_equal(aidf_webhook_sign(key, len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body,
                                       strlen(body), sig),
                     AIDF_OK);
    assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    free(key);
}

static void test_sign_matches_openssl_hmac(void **state)
{
    (void)state;
    /* Recompute independently: HMAC-SHA256 over "id.ts.body" with OpenSSL's HMAC(). */
    const unsigned char key[] = {0x00, 0xff, 0x10, 0x20, 0x7f, 0x80, 'k', 'e', 'y', 0x00};
    const char body[] = "{\"runId\":\"x\",\"nul\":\"a\0b\"}"; /* embedded NUL: exact bytes */
    size_t blen = sizeof(body) - 1;
    const char *id = "msg_0f1e2d3c-4b5a-4968-8776-655443322110";
    int64_t ts = 1795489920;

    char prefix[128];
    int plen = snprintf(prefix, sizeof(prefix), "%s.%lld.", id, (long long)ts);
    unsigned char *msg = malloc((size_t)plen + blen);
    memcpy(msg, prefix, (size_t)plen);
    memcpy(msg + plen, body, blen);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    assert_non_null(
        HMAC(EVP_sha256(), key, (int)sizeof(key), msg, (size_t)plen + blen, mac, &maclen));
    free(msg);
    char want[AIDF_WEBHOOK_SIG_SIZE] = "v1,";
    b64(mac, maclen, want + 3);

    char sig[AIDF_WEBHOOK_SIG_SIZE];
    assert_int_equal(aidf_webhook_sign(key, sizeof(key), id, ts, body, blen, sig), AIDF_OK);
    assert_string_equal(sig, want);
    assert_int_equal(strlen(sig), 3 + 44);

    /* Any change of id, timestamp or body changes the signature. */
    char other[AIDF_WEBHOOK_SIG_SIZE];
    aidf_webhook_sign(key, sizeof(key), id, ts + 1, body, blen, other);
    assert_string_not_equal(sig, other);
    aidf_webhook_sign(key, sizeof(key), id, ts, body, blen - 1, other);
    assert_string_not_equal(sig, other);
}

static void test_message_id(void **state)
{
    (void)state;
    char id[AIDF_WEBHOOK_ID_SIZE];
    aidf_webhook_message_id("0f1e2d3c-4b5a-4968-8776-655443322110", id);
    assert_string_equal(id, "msg_0f1e2d3c-4b5a-4968-8776-655443322110");
    assert_null(strchr(id, '.')); /* ids must not contain the separator */
}

static void load_report(const char *rel, struct aidf_report *r)
{
    size_t len = 0;
    char *text = tu_read_data(rel, &len);
    aidf_report_init(r);
    assert_int_equal(aidf_report_parse(text, len, r, NULL), AIDF_OK);
    free(text);
}

static void test_payload_strips_iterations(void **state)
{
    (void)state;
    struct aidf_report r;
    load_report("reports/valid/completed-claude-cli.json", &r);
    assert_true(r.tokens.n_per_iteration > 0);

    size_t len = 0;
    char *p = aidf_webhook_payload(&r, false, &len);
    assert_int_equal(len, strlen(p));
    assert_null(strchr(p, '\n')); /* compact */
    json_t *o = json_loads(p, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "runId")), r.run_id);
    assert_null(json_object_get(json_object_get(o, "tokens"), "perIteration"));
    assert_null(json_object_get(json_object_get(o, "cost"), "perIteration"));
    assert_null(json_object_get(json_object_get(o, "timing"), "perIteration"));
    assert_non_null(json_object_get(json_object_get(o, "tokens"), "totalInput"));
    assert_non_null(json_object_get(json_object_get(o, "timing"), "phases"));
    json_decref(o);
    free(p);

    p = aidf_webhook_payload(&r, true, NULL);
    o = json_loads(p, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(json_object_get(o, "tokens"), "perIteration")),
                     r.tokens.n_per_iteration);
    assert_non_null(json_object_get(json_object_get(o, "timing"), "perIteration"));
    /* With iterations the payload is exactly the report's compact encoding. */
    size_t rlen = 0;
    char *full = aidf_report_dumps(&r, false, &rlen);
    json_t *ro = json_loads(full, 0, NULL);
    assert_true(json_equal(o, ro));
    json_decref(ro);
    free(full);
    json_decref(o);
    free(p);
    aidf_report_release(&r);
}

static void test_event_filter(void **state)
{
    (void)state;
    struct aidf_config c;
    aidf_config_init_defaults(&c);
    assert_true(aidf_webhook_wants(&c, AIDF_STATUS_COMPLETED));
    assert_true(aidf_webhook_wants(&c, AIDF_STATUS_BLOCKED));
    assert_true(aidf_webhook_wants(&c, AIDF_STATUS_FAILED));
    assert_false(aidf_webhook_wants(&c, AIDF_STATUS_UNKNOWN));
    c.observability.webhook.events[AIDF_STATUS_COMPLETED] = false;
    assert_false(aidf_webhook_wants(&c, AIDF_STATUS_COMPLETED));
    assert_true(aidf_webhook_wants(&c, AIDF_STATUS_FAILED));
    aidf_config_release(&c);
}

static void test_headers(void **state)
{
    (void)state;
    struct aidf_config c;
    aidf_config_init_defaults(&c);
    aidf_kvlist_add(&c.observability.webhook.headers, "Authorization", "Bearer t0k");
    aidf_kvlist_add(&c.observability.webhook.headers, "content-type", "text/plain");
    aidf_kvlist_add(&c.observability.webhook.headers, "X-AIDF-Event", "spoofed");
    aidf_kvlist_add(&c.observability.webhook.headers, "Webhook-Signature", "v1,forged");
    aidf_kvlist_add(&c.observability.webhook.headers, "X-Split", "a\r\nInjected: 1");
    aidf_kvlist_add(&c.observability.webhook.headers, "Bad Name", "x");
    aidf_kvlist_add(&c.observability.webhook.headers, "X-Team", "");

    struct aidf_strlist l = {0};
    aidf_webhook_headers(&c, "failed", "RUN", "msg_RUN", 1700000000, "v1,SIG", &l);
    static const char *const want[] = {
        "Content-Type: application/json",
        "X-AIDF-Event: failed",
        "X-AIDF-Run-ID: RUN",
        "Authorization: Bearer t0k",
        "X-Team: ",
        "webhook-id: msg_RUN",
        "webhook-timestamp: 1700000000",
        "webhook-signature: v1,SIG",
    };
    assert_int_equal(l.n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < l.n; i++)
        assert_string_equal(l.items[i], want[i]);
    aidf_strlist_release(&l);

    /* Unsigned: no webhook-* headers at all. */
    aidf_webhook_headers(&c, "completed", "RUN", "msg_RUN", 1700000000, NULL, &l);
    assert_int_equal(l.n, 5);
    for (size_t i = 0; i < l.n; i++)
        assert_null(strstr(l.items[i], "webhook-"));
    aidf_strlist_release(&l);
    aidf_config_release(&c);
}

static void test_send_without_network(void **state)
{
    (void)state;
    struct aidf_config c;
    struct aidf_report r;
    struct aidf_webhook_result res;
    struct aidf_webhook_opts o = {.quiet = true};
    aidf_config_init_defaults(&c);
    load_report("reports/valid/completed-claude-cli.json", &r);

    /* Disabled: skipped, nothing sent. */
    assert_int_equal(aidf_webhook_send(&c, &r, &o, &res), AIDF_OK);
    assert_true(res.skipped);
    assert_int_equal(res.attempts, 0);

    /* Enabled but the status is filtered out. */
    c.observability.webhook.enabled = true;
    c.observability.webhook.url = strdup("http://127.0.0.1:1/hook");
    c.observability.webhook.events[AIDF_STATUS_COMPLETED] = false;
    assert_int_equal(aidf_webhook_send(&c, &r, &o, &res), AIDF_OK);
    assert_true(res.skipped);
    assert_false(res.sent);
    assert_int_equal(res.attempts, 0);
    assert_non_null(strstr(res.message, "completed"));

    /* A broken secret stops before any request. */
    c.observability.webhook.events[AIDF_STATUS_COMPLETED] = true;
    c.observability.webhook.secret = strdup("whsec_!!");
    assert_int_equal(aidf_webhook_send(&c, &r, &o, &res), AIDF_EINVAL);
    assert_int_equal(res.attempts, 0);
    assert_false(res.sent);

    /* An unsupported scheme is not retried. */
    free(c.observability.webhook.secret);
    c.observability.webhook.secret = NULL;
    free(c.observability.webhook.url);
    c.observability.webhook.url = strdup("file:///etc/passwd");
    assert_int_equal(aidf_webhook_send(&c, &r, &o, &res), AIDF_EINVAL);
    assert_int_equal(res.attempts, 1);

    aidf_report_release(&r);
    aidf_config_release(&c);
}

int main(void)
{
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secret_key),
        cmocka_unit_test(test_sign_known_vector),
        cmocka_unit_test(test_sign_matches_openssl_hmac),
        cmocka_unit_test(test_message_id),
        cmocka_unit_test(test_payload_strips_iterations),
        cmocka_unit_test(test_event_filter),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_send_without_network),
    };
    int rc = cmocka_run_group_tests_name("webhook", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
