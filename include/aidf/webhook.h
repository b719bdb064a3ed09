/*
 * The metrics webhook: after a run, POST its execution report to the
 * configured `observability.webhook.url`.
 *
 * Request: POST, body = the report JSON itself, compact (with `include_iterations:
 * false` the tokens.perIteration, cost.perIteration and timing.perIteration arrays are
 * removed first). Headers:
 *   Content-Type: application/json
 *   X-AIDF-Event: <status>            completed | blocked | failed
 *   X-AIDF-Run-ID: <runId>
 *   <configured headers>             values already ${VAR}-expanded by the config loader
 *   webhook-id: msg_<runId>           Standard Webhooks, only when `secret` is set;
 *   webhook-timestamp: <unix seconds> stable id across retries, timestamp and signature
 *   webhook-signature: v1,<base64>    renewed on each attempt
 * The signature is base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"))
 * over the exact body bytes sent. key = base64-decode of the secret after "whsec_"; a
 * secret without the "whsec_" prefix is used as raw key bytes.
 * Configured headers named like ours (Content-Type, X-AIDF-*, webhook-*) or holding
 * CR/LF are ignored with a warning.
 *
 * Delivery: success is any 2xx. Transport errors, timeouts, 408, 429 and 5xx are retried
 * (`retry` times) with exponential backoff base*2^attempt (base 1000 ms), honouring
 * Retry-After; 410 and other non-2xx answers stop at once. The whole delivery, waits
 * included, never takes longer than timeout × (retry + 1): each attempt's timeout is cut
 * to what is left and a wait that would not leave room for another attempt ends it.
 * Failures are logged with aidf_warn() and returned, never fatal.
 *
 * Ownership: arguments are borrowed; returned strings are the caller's to free().
 */
#ifndef AIDF_WEBHOOK_H
#define AIDF_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/config.h"
#include "aidf/err.h"
#include "aidf/report.h"

/* Backoff before the first retry (ms), doubled for each further retry. */
#define AIDF_WEBHOOK_DEFAULT_BASE_MS 1000
/* Room for "v1," + base64 of a 32-byte MAC + NUL. */
#define AIDF_WEBHOOK_SIG_SIZE 64
/* Room for "msg_" + a run id + NUL. */
#define AIDF_WEBHOOK_ID_SIZE 48

/**
 * The HMAC key of a Standard Webhooks secret: "whsec_<base64>" → the decoded bytes
 * (padding optional); any other non-empty string → its raw bytes. `*key` is a new heap
 * buffer (caller frees). AIDF_EINVAL for an empty secret or bad base64 after "whsec_".
 */
int aidf_webhook_secret_key(const char *secret, unsigned char **key, size_t *keylen,
                            struct aidf_error *err);

/**
 * Sign one delivery: "v1," + base64(HMAC-SHA256(key, msg_id "." ts "." body)) into
 * `out`. AIDF_OK, or AIDF_EINTERNAL when OpenSSL fails.
 */
int aidf_webhook_sign(const unsigned char *key, size_t keylen, const char *msg_id, int64_t ts,
                      const void *body, size_t len, char out[AIDF_WEBHOOK_SIG_SIZE]);

/** The Standard Webhooks message id of a run: "msg_<runId>". */
void aidf_webhook_message_id(const char *run_id, char out[AIDF_WEBHOOK_ID_SIZE]);

/** True when the config's events filter includes `status` (unknown statuses: false). */
bool aidf_webhook_wants(const struct aidf_config *c, enum aidf_status status);

/**
 * The body to send: the report as compact JSON, without the three perIteration arrays
 * unless `include_iterations`. New heap string (caller frees); `*len` (optional) gets
 * its length.
 */
char *aidf_webhook_payload(const struct aidf_report *r, bool include_iterations, size_t *len);

/**
 * The request header lines ("Name: value") of one attempt, appended to `out`:
 * Content-Type, X-AIDF-Event, X-AIDF-Run-ID, the configured headers (minus the reserved
 * and malformed ones) and, when `signature` is not NULL, webhook-id (`msg_id`),
 * webhook-timestamp (`ts`) and webhook-signature.
 */
void aidf_webhook_headers(const struct aidf_config *c, const char *event, const char *run_id,
                          const char *msg_id, int64_t ts, const char *signature,
                          struct aidf_strlist *out);

/** Tuning for aidf_webhook_send(); zero-initialise for the defaults. */
struct aidf_webhook_opts {
    int64_t base_delay_ms; /* 0: AIDF_WEBHOOK_DEFAULT_BASE_MS */
    bool quiet;            /* no aidf_warn(); the caller reports */
};

/** What happened to one report. */
struct aidf_webhook_result {
    bool sent;    /* a 2xx answer arrived */
    bool skipped; /* not sent: webhook disabled or the status is filtered out */
    long status;  /* last HTTP status; 0 when none */
    int attempts; /* POSTs made */
    char message[256];
};

/**
 * Send `r` to the webhook configured in `c` (observability.webhook), as described
 * above. Returns AIDF_OK when sent or skipped (res->skipped: disabled, no url, or the
 * status is not in `events`), AIDF_EINVAL for a bad secret or URL, AIDF_EREMOTE when
 * the endpoint's last answer was not 2xx, AIDF_ETIMEOUT / AIDF_EIO for transport
 * failures after the last attempt.
 */
int aidf_webhook_send(const struct aidf_config *c, const struct aidf_report *r,
                      const struct aidf_webhook_opts *o, struct aidf_webhook_result *res);

#endif
