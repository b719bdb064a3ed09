/*
 * A small HTTP client over libcurl for getting reports off the box (push to a report
 * server, the metrics webhook), plus the retry arithmetic they share.
 *
 * One blocking request per call; no redirects are followed; only http and https;
 * the standard proxy environment variables (http_proxy, https_proxy, no_proxy) are
 * honoured exactly as curl does by default. An HTTP status, whatever it is, is data
 * (the request succeeded); only transport failures are errors.
 *
 * The program calls curl_global_init(CURL_GLOBAL_DEFAULT) once at start-up, before any
 * thread (the aidf executable does it in main()); this module never does.
 *
 * Ownership: requests borrow everything they point to; a response owns its body and
 * header copies until aidf_http_response_release().
 */
#ifndef AIDF_HTTP_H
#define AIDF_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/buf.h"
#include "aidf/err.h"

/* Retry-After values above this are capped (ms). */
#define AIDF_HTTP_RETRY_AFTER_CAP_MS 60000
/* Default cap on a response body kept in memory (bytes). */
#define AIDF_HTTP_DEFAULT_MAX_RESPONSE (64u * 1024)

/** One request. Every pointer is borrowed for the duration of the call. */
struct aidf_http_request {
    const char *method; /* "GET", "POST", ...; NULL: "GET" */
    const char *url;    /* http:// or https:// */
    /* "Name: value" lines; n_headers entries. Lines with CR or LF are refused. */
    const char *const *headers;
    size_t n_headers;
    const void *body; /* sent as is (exact bytes); NULL: no body */
    size_t body_len;
    long connect_timeout_ms; /* 0: the smaller of 10 s and timeout_ms */
    long timeout_ms;         /* whole request; 0: no limit (avoid) */
    size_t max_response;     /* cap on the kept body; 0: AIDF_HTTP_DEFAULT_MAX_RESPONSE */
};

/** What came back. Initialise with aidf_http_response_init(). */
struct aidf_http_response {
    long status;          /* the final HTTP status; 0 when no response arrived */
    struct aidf_buf body; /* the first max_response bytes of the body */
    bool truncated;       /* the body was longer than max_response (the rest discarded) */
    char *location;       /* Location header or NULL */
    char *retry_after;    /* Retry-After header as sent, or NULL */
};

/** Initialise an empty response. Allocates nothing. */
void aidf_http_response_init(struct aidf_http_response *resp);
/** Free what the response owns and re-initialise it. */
void aidf_http_response_release(struct aidf_http_response *resp);

/**
 * Perform one request. `resp` (initialised, reset by this call) receives the status,
 * body and selected headers whenever a response arrived, whatever its status.
 * Returns AIDF_OK when an HTTP response was received; AIDF_ETIMEOUT when the connect or
 * total timeout expired; AIDF_EINVAL for a bad URL, an unsupported scheme or a header
 * line with CR/LF; AIDF_EIO for any other transport failure (connection refused, DNS,
 * TLS, reset). err->msg then says what happened ("connection refused", curl's text);
 * it never contains request headers (tokens) or bodies.
 */
int aidf_http_request(const struct aidf_http_request *req, struct aidf_http_response *resp,
                      struct aidf_error *err);

/**
 * Parse a Retry-After value: delay-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2026 07:28:00 GMT", also the obsolete RFC 850 and asctime forms),
 * relative to `now_ms` (epoch ms). A date in the past gives 0. The result is capped at
 * AIDF_HTTP_RETRY_AFTER_CAP_MS. Returns AIDF_OK with `*delay_ms` set, or AIDF_EINVAL
 * (out untouched) for NULL, empty or unparsable values.
 */
int aidf_http_parse_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms);

/** Exponential backoff policy. */
struct aidf_backoff {
    int64_t base_ms; /* delay before the first retry, before jitter */
    int64_t cap_ms;  /* no delay exceeds this (jitter included); <= 0: no cap */
    double jitter;   /* up to this fraction is added at random, e.g. 0.25 */
};

/**
 * Delay before retry number `attempt` (0 = the wait after the first failed attempt):
 * base_ms * 2^attempt, plus base_ms * 2^attempt * jitter * `rnd` (rnd in [0,1)), capped
 * at cap_ms. When `retry_after_ms` >= 0 (the server said how long to wait) that value is
 * used instead, capped at AIDF_HTTP_RETRY_AFTER_CAP_MS. Pure; never negative.
 */
int64_t aidf_backoff_delay_ms(const struct aidf_backoff *b, unsigned attempt,
                              int64_t retry_after_ms, double rnd);

/** A uniformly distributed double in [0,1) for jitter (not for cryptography). */
double aidf_http_jitter(void);

/** Sleep `ms` milliseconds (restarted after signal interruptions). <= 0 returns at once. */
void aidf_sleep_ms(int64_t ms);

/**
 * True for statuses worth retrying: 408, 429 and 5xx (500..599). 2xx, 3xx and other
 * 4xx are final.
 */
bool aidf_http_status_retryable(long status);

/** Short reason phrase for common statuses ("Not Found"); "" when unknown. */
const char *aidf_http_reason(long status);

#endif
