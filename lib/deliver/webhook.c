/*
 * The metrics webhook: payload, Standard Webhooks signature, delivery with retries.
 */
#include "aidf/webhook.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "aidf/buf.h"
#include "aidf/http.h"
#include "aidf/log.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

#define SECRET_PREFIX "whsec_"

int aidf_webhook_secret_key(const char *secret, unsigned char **key, size_t *keylen,
                            struct aidf_error *err)
{
    if (!secret || !*secret)
        return aidf_fail(err, AIDF_EINVAL, "empty webhook secret");
    size_t plen = strlen(SECRET_PREFIX);
    if (strncmp(secret, SECRET_PREFIX, plen) != 0) {
        /* Not a Standard Webhooks secret: the bytes themselves are the key. */
        size_t n = strlen(secret);
        *key = aidf_xmalloc(n);
        memcpy(*key, secret, n);
        *keylen = n;
        return AIDF_OK;
    }
    const char *b64 = secret + plen;
    size_t n = strlen(b64);
    if (n == 0)
        return aidf_fail(err, AIDF_EINVAL, "webhook secret has nothing after 'whsec_'");
    size_t data = 0; /* characters before the '=' padding */
    while (data < n && (isalnum((unsigned char)b64[data]) || b64[data] == '+' || b64[data] == '/'))
        data++;
    for (size_t i = data; i < n; i++)
        if (b64[i] != '=' || i - data >= 2 || n % 4 != 0)
            return aidf_fail(err, AIDF_EINVAL, "webhook secret: invalid base64 after 'whsec_'");
    if (data == 0)
        return aidf_fail(err, AIDF_EINVAL, "webhook secret: invalid base64 after 'whsec_'");
    /* EVP_DecodeBlock wants whole 4-character groups: restore omitted padding. */
    size_t padded = (n + 3) / 4 * 4;
    unsigned char *in = aidf_xmalloc(padded + 1);
    memcpy(in, b64, n);
    memset(in + n, '=', padded - n);
    in[padded] = '\0';
    if (n % 4 == 1) {
        free(in);
        return aidf_fail(err, AIDF_EINVAL, "webhook secret: invalid base64 length after 'whsec_'");
    }
    unsigned char *out = aidf_xmalloc(padded / 4 * 3 + 1);
    int got = EVP_DecodeBlock(out, in, (int)padded);
    size_t pads = 0;
    while (pads < 2 && padded - pads > 0 && in[padded - 1 - pads] == '=')
        pads++;
    free(in);
    if (got < 0 || (size_t)got < pads || (size_t)got - pads == 0) {
        free(out);
        return aidf_fail(err, AIDF_EINVAL, "webhook secret: invalid base64 after 'whsec_'");
    }
    *key = out;
    *keylen = (size_t)got - pads;
    return AIDF_OK;
}

int aidf_webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id, int64_t ts,
                      const void *body, size_t len, char out[AIDF_WEBHOOK_SIG_SIZE])
{
    struct aidf_buf m = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    int rc = AIDF_OK;

    aidf_buf_addf(&m, "%s.%" PRId64 ".", msg_id, ts);
    aidf_buf_add(&m, body, len);
    /* A zero-length key is legal for HMAC, but OpenSSL wants a non-NULL pointer. */
    static const unsigned char empty[1] = {0};
    if (!HMAC(EVP_sha256(), keylen ? key : empty, (int)keylen, (const unsigned char *)m.ptr, m.len,
              mac, &maclen) ||
        maclen != 32) {
        rc = AIDF_EINTERNAL;
        out[0] = '\0';
        goto out;
    }
    memcpy(out, "v1,", 3);
    EVP_EncodeBlock((unsigned char *)out + 3, mac, (int)maclen); /* 44 chars + NUL */
out:
    aidf_buf_release(&m);
    return rc;
}

void aidf_webhook_message_id(const char *run_id, char out[AIDF_WEBHOOK_ID_SIZE])
{
    snprintf(out, AIDF_WEBHOOK_ID_SIZE, "msg_%s", run_id ? run_id : "");
}

bool aidf_webhook_wants(const struct aidf_config *c, enum aidf_status status)
{
    if (status != AIDF_STATUS_COMPLETED && status != AIDF_STATUS_BLOCKED &&
        status != AIDF_STATUS_FAILED)
        return false;
    return c->observability.webhook.events[status];
}

char *aidf_webhook_payload(const struct aidf_report *r, bool include_iterations, size_t *len)
{
    json_t *o = aidf_report_to_json(r);
    if (!include_iterations) {
        static const char *const blocks[] = {"tokens", "cost", "timing"};
        for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
            json_t *b = json_object_get(o, blocks[i]);
            if (json_is_object(b))
                json_object_del(b, "perIteration");
        }
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(o);
    if (!s)
        s = aidf_xstrdup("{}");
    if (len)
        *len = strlen(s);
    return s;
}

static bool reserved_header(const char *name)
{
    return strcasecmp(name, "content-type") == 0 || strncasecmp(name, "x-aidf-", 7) == 0 ||
           strncasecmp(name, "webhook-", 8) == 0 || strcasecmp(name, "content-length") == 0 ||
           strcasecmp(name, "host") == 0;
}

static bool header_name_ok(const char *name)
{
    if (!*name)
        return false;
    for (const char *p = name; *p; p++)
        if (*p <= ' ' || *p == ':' || (unsigned char)*p >= 0x7f)
            return false;
    return true;
}

static void add_line(struct aidf_strlist *out, const char *name, const char *value)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "%s: %s", name, value);
    aidf_strlist_add(out, b.ptr);
    aidf_buf_release(&b);
}

void aidf_webhook_headers(const struct aidf_config *c, const char *event, const char *run_id,
                          const char *msg_id, int64_t ts, const char *signature,
                          struct aidf_strlist *out)
{
    const struct aidf_kvlist *h = &c->observability.webhook.headers;
    add_line(out, "Content-Type", "application/json");
    add_line(out, "X-AIDF-Event", event);
    add_line(out, "X-AIDF-Run-ID", run_id);
    for (size_t i = 0; i < h->n; i++) {
        const char *k = h->items[i].key, *v = h->items[i].value ? h->items[i].value : "";
        if (!header_name_ok(k) || strpbrk(v, "\r\n")) {
            aidf_warn("observability.webhook.headers: ignoring malformed header '%.60s'", k);
            continue;
        }
        if (reserved_header(k)) {
            aidf_warn("observability.webhook.headers: '%s' is set by aidf; ignoring it", k);
            continue;
        }
        add_line(out, k, v);
    }
    if (signature) {
        char tsbuf[24];
        snprintf(tsbuf, sizeof(tsbuf), "%" PRId64, ts);
        add_line(out, "webhook-id", msg_id);
        add_line(out, "webhook-timestamp", tsbuf);
        add_line(out, "webhook-signature", signature);
    }
}

static void set_msg(struct aidf_webhook_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_msg(struct aidf_webhook_result *res, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof(res->message), fmt, ap);
    va_end(ap);
}

int aidf_webhook_send(const struct aidf_config *c, const struct aidf_report *r,
                      const struct aidf_webhook_opts *o, struct aidf_webhook_result *res)
{
    static const struct aidf_webhook_opts defaults = {0};
    const char *run_id = r->run_id ? r->run_id : "";
    const char *event = aidf_status_name(r->status);
    unsigned char *key = NULL;
    size_t keylen = 0, body_len = 0;
    char *body = NULL;
    char msg_id[AIDF_WEBHOOK_ID_SIZE];
    struct aidf_http_response resp;
    struct aidf_error err = {0};
    int rc = AIDF_OK;

    if (!o)
        o = &defaults;
    memset(res, 0, sizeof(*res));
    aidf_http_response_init(&resp);
    if (!c->observability.webhook.enabled || !c->observability.webhook.url ||
        !*c->observability.webhook.url) {
        res->skipped = true;
        set_msg(res, "the webhook is not enabled");
        goto out;
    }
    if (!aidf_webhook_wants(c, r->status)) {
        res->skipped = true;
        set_msg(res, "event '%s' is not in observability.webhook.events", event);
        goto out;
    }
    if (c->observability.webhook.secret &&
        aidf_webhook_secret_key(c->observability.webhook.secret, &key, &keylen, &err) != AIDF_OK) {
        rc = AIDF_EINVAL;
        set_msg(res, "observability.webhook.secret: %s", err.msg);
        if (!o->quiet)
            aidf_warn("webhook for run %.8s not sent: %s", run_id, res->message);
        goto out;
    }

    body = aidf_webhook_payload(r, c->observability.webhook.include_iterations, &body_len);
    aidf_webhook_message_id(run_id, msg_id);

    long timeout =
        c->observability.webhook.timeout_ms > 0 ? c->observability.webhook.timeout_ms : 10000;
    int retries = c->observability.webhook.retry > 0 ? c->observability.webhook.retry : 0;
    int64_t deadline = aidf_mono_ns() / 1000000 + (int64_t)timeout * (retries + 1);
    struct aidf_backoff bo = {
        .base_ms = o->base_delay_ms > 0 ? o->base_delay_ms : AIDF_WEBHOOK_DEFAULT_BASE_MS,
        .cap_ms = 0,
        .jitter = 0.25,
    };

    for (int attempt = 0; attempt <= retries; attempt++) {
        int64_t left = deadline - aidf_mono_ns() / 1000000;
        if (left <= 0)
            break;
        int64_t ts = aidf_wall_ms() / 1000;
        char sig[AIDF_WEBHOOK_SIG_SIZE];
        struct aidf_strlist lines = {0};
        if (key && aidf_webhook_sign(key, keylen, msg_id, ts, body, body_len, sig) != AIDF_OK) {
            rc = AIDF_EINTERNAL;
            set_msg(res, "cannot compute the webhook signature");
            goto out;
        }
        aidf_webhook_headers(c, event, run_id, msg_id, ts, key ? sig : NULL, &lines);
        struct aidf_http_request req = {
            .method = "POST",
            .url = c->observability.webhook.url,
            .headers = (const char *const *)lines.items,
            .n_headers = lines.n,
            .body = body,
            .body_len = body_len,
            .timeout_ms = left < timeout ? (long)left : timeout,
            .max_response = 4096,
        };
        aidf_error_clear(&err);
        int hrc = aidf_http_request(&req, &resp, &err);
        aidf_strlist_release(&lines);
        res->attempts++;
        res->status = resp.status;
        int64_t retry_after = -1;
        if (hrc == AIDF_OK) {
            if (resp.status >= 200 && resp.status < 300) {
                res->sent = true;
                rc = AIDF_OK;
                res->message[0] = '\0';
                goto out;
            }
            const char *reason = aidf_http_reason(resp.status);
            set_msg(res, "HTTP %ld%s%s", resp.status, *reason ? " " : "", reason);
            rc = AIDF_EREMOTE;
            if (!aidf_http_status_retryable(resp.status))
                break; /* 410 Gone and other 4xx: the endpoint will not take it */
            if (aidf_http_parse_retry_after(resp.retry_after, aidf_wall_ms(), &retry_after) !=
                AIDF_OK)
                retry_after = -1;
        } else {
            set_msg(res, "%s", err.msg);
            rc = hrc;
            if (hrc == AIDF_EINVAL || hrc == AIDF_EINTERNAL)
                break;
        }
        if (attempt == retries)
            break;
        int64_t d = aidf_backoff_delay_ms(&bo, (unsigned)attempt, retry_after, aidf_http_jitter());
        left = deadline - aidf_mono_ns() / 1000000;
        if (d >= left) {
            aidf_debug("webhook %.8s: no time left for a retry (%lld ms wait, %lld ms left)",
                       run_id, (long long)d, (long long)left);
            break;
        }
        aidf_debug("webhook %.8s: attempt %d: %s; retrying in %lld ms", run_id, attempt + 1,
                   res->message, (long long)d);
        aidf_sleep_ms(d);
    }
    if (!res->sent && !o->quiet)
        aidf_warn("webhook for run %.8s failed after %d attempt%s: %s", run_id, res->attempts,
                  res->attempts == 1 ? "" : "s", res->message);
out:
    aidf_http_response_release(&resp);
    if (key) {
        OPENSSL_cleanse(key, keylen);
        free(key);
    }
    free(body);
    return rc;
}
