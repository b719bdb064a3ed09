/*
 * HTTP client over libcurl (easy interface, one handle per request) and retry math.
 */
#include "aidf/http.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aidf/timeutil.h"
#include "aidf/version.h"
#include "aidf/xalloc.h"

void aidf_http_response_init(struct aidf_http_response *resp)
{
    resp->status = 0;
    aidf_buf_init(&resp->body, AIDF_HTTP_DEFAULT_MAX_RESPONSE);
    resp->truncated = false;
    resp->location = NULL;
    resp->retry_after = NULL;
}

void aidf_http_response_release(struct aidf_http_response *resp)
{
    aidf_buf_release(&resp->body);
    free(resp->location);
    free(resp->retry_after);
    resp->location = NULL;
    resp->retry_after = NULL;
    resp->status = 0;
    resp->truncated = false;
}

/* Body sink: keep up to the cap, count the rest as truncated (never fail the transfer). */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct aidf_http_response *resp = userp;
    size_t n = size * nmemb;
    size_t room = resp->body.max > resp->body.len ? resp->body.max - resp->body.len : 0;
    size_t take = n < room ? n : room;
    if (take && aidf_buf_add(&resp->body, data, take) != AIDF_OK)
        take = 0;
    if (take < n)
        resp->truncated = true;
    return n;
}

/* Copy a header value (after "name:") without surrounding white space. */
static char *header_value(const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t')) {
        p++;
        len--;
    }
    while (len &&
           (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    return aidf_xstrndup(p, len);
}

static bool header_is(const char *line, size_t len, const char *name, size_t *vstart)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
        return false;
    *vstart = n + 1;
    return true;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct aidf_http_response *resp = userp;
    size_t n = size * nmemb, v;
    /* A new status line (after 100 Continue, or a redirect) starts a new header set. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        free(resp->location);
        free(resp->retry_after);
        resp->location = NULL;
        resp->retry_after = NULL;
    } else if (header_is(data, n, "location", &v)) {
        free(resp->location);
        resp->location = header_value(data + v, n - v);
    } else if (header_is(data, n, "retry-after", &v)) {
        free(resp->retry_after);
        resp->retry_after = header_value(data + v, n - v);
    }
    return n;
}

/* Lower-case the first letter of curl's messages so they read like ours. */
static void set_transport_error(struct aidf_error *err, int code, const char *text)
{
    char tmp[CURL_ERROR_SIZE];
    snprintf(tmp, sizeof(tmp), "%s", text);
    if (tmp[0] && isupper((unsigned char)tmp[0]) && !isupper((unsigned char)tmp[1]))
        tmp[0] = (char)tolower((unsigned char)tmp[0]);
    aidf_fail(err, code, "%s", tmp);
}

static int map_curl_error(CURL *h, CURLcode cc, const char *errbuf, long timeout_ms,
                          struct aidf_error *err)
{
    long os_errno = 0;
    const char *text = errbuf[0] ? errbuf : curl_easy_strerror(cc);
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
        if (timeout_ms > 0)
            return aidf_fail(err, AIDF_ETIMEOUT, "timed out after %ld ms", timeout_ms);
        return aidf_fail(err, AIDF_ETIMEOUT, "timed out");
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        set_transport_error(err, AIDF_EINVAL, text);
        return AIDF_EINVAL;
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
        if (os_errno == ECONNREFUSED)
            return aidf_fail(err, AIDF_EIO, "connection refused");
        set_transport_error(err, AIDF_EIO, text);
        return AIDF_EIO;
    default:
        set_transport_error(err, AIDF_EIO, text);
        return AIDF_EIO;
    }
}

int aidf_http_request(const struct aidf_http_request *req, struct aidf_http_response *resp,
                      struct aidf_error *err)
{
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *hdrs = NULL, *tmp;
    CURL *h = NULL;
    CURLcode cc = CURLE_OK;
    int rc = AIDF_OK;
    const char *method = req->method ? req->method : "GET";
    long connect_ms = req->connect_timeout_ms;

    aidf_http_response_release(resp);
    resp->body.max = req->max_response ? req->max_response : AIDF_HTTP_DEFAULT_MAX_RESPONSE;
    errbuf[0] = '\0';

    if (!req->url || !*req->url)
        return aidf_fail(err, AIDF_EINVAL, "no URL");
    for (size_t i = 0; i < req->n_headers; i++) {
        if (strpbrk(req->headers[i], "\r\n")) {
            rc = aidf_fail(err, AIDF_EINVAL, "header line %zu contains CR or LF", i + 1);
            goto out;
        }
        tmp = curl_slist_append(hdrs, req->headers[i]);
        if (!tmp) {
            rc = aidf_fail(err, AIDF_EINTERNAL, "out of memory");
            goto out;
        }
        hdrs = tmp;
    }
    /* Large bodies would otherwise wait for "100 Continue" first. */
    tmp = curl_slist_append(hdrs, "Expect:");
    if (!tmp) {
        rc = aidf_fail(err, AIDF_EINTERNAL, "out of memory");
        goto out;
    }
    hdrs = tmp;

    h = curl_easy_init();
    if (!h) {
        rc = aidf_fail(err, AIDF_EINTERNAL, "cannot create a curl handle");
        goto out;
    }
    if (connect_ms <= 0)
        connect_ms = req->timeout_ms > 0 && req->timeout_ms < 10000 ? req->timeout_ms : 10000;

    /* Only the option that matters for safety (protocols) is checked: the others cannot
     * fail for these values on the libcurl we build against. */
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    if (curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
        rc = aidf_fail(err, AIDF_EINTERNAL, "libcurl refused CURLOPT_PROTOCOLS_STR");
        goto out;
    }
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 0L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "aidf/" AIDF_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
    }

    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
    if (cc != CURLE_OK)
        rc = map_curl_error(h, cc, errbuf, req->timeout_ms, err);

out:
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    return rc;
}

int aidf_http_parse_retry_after(const char *value, int64_t now_ms, int64_t *delay_ms)
{
    if (!value)
        return AIDF_EINVAL;
    while (*value == ' ' || *value == '\t')
        value++;
    if (!*value)
        return AIDF_EINVAL;
    if (isdigit((unsigned char)*value)) {
        int64_t secs = 0;
        const char *p = value;
        for (; isdigit((unsigned char)*p); p++) {
            if (secs < AIDF_HTTP_RETRY_AFTER_CAP_MS)
                secs = secs * 10 + (*p - '0');
        }
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p)
            return AIDF_EINVAL;
        int64_t ms = secs * 1000;
        *delay_ms = ms > AIDF_HTTP_RETRY_AFTER_CAP_MS ? AIDF_HTTP_RETRY_AFTER_CAP_MS : ms;
        return AIDF_OK;
    }
    /* An HTTP-date starts with a day name; curl_getdate() reads all three forms. */
    if (!isalpha((unsigned char)*value))
        return AIDF_EINVAL;
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return AIDF_EINVAL;
    int64_t ms = (int64_t)t * 1000 - now_ms;
    if (ms < 0)
        ms = 0;
    *delay_ms = ms > AIDF_HTTP_RETRY_AFTER_CAP_MS ? AIDF_HTTP_RETRY_AFTER_CAP_MS : ms;
    return AIDF_OK;
}

int64_t aidf_backoff_delay_ms(const struct aidf_backoff *b, unsigned attempt,
                              int64_t retry_after_ms, double rnd)
{
    if (retry_after_ms >= 0)
        return retry_after_ms > AIDF_HTTP_RETRY_AFTER_CAP_MS ? AIDF_HTTP_RETRY_AFTER_CAP_MS
                                                             : retry_after_ms;
    double base = b->base_ms > 0 ? (double)b->base_ms : 0.0;
    double d = base;
    for (unsigned i = 0; i < attempt && d < 1e15; i++)
        d *= 2.0;
    if (rnd < 0.0)
        rnd = 0.0;
    if (rnd >= 1.0)
        rnd = 0.999999;
    if (b->jitter > 0.0)
        d += d * b->jitter * rnd;
    if (b->cap_ms > 0 && d > (double)b->cap_ms)
        d = (double)b->cap_ms;
    if (d > 1e15)
        d = 1e15;
    return (int64_t)d;
}

double aidf_http_jitter(void)
{
    /* xorshift64*, seeded once per thread from the clock and the pid. */
    static _Thread_local uint64_t state;
    if (!state)
        state = (uint64_t)aidf_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ull;
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    uint64_t x = state * 0x2545f4914f6cdd1dull;
    return (double)(x >> 11) / 9007199254740992.0; /* 2^53 */
}

void aidf_sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

bool aidf_http_status_retryable(long status)
{
    return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

const char *aidf_http_reason(long status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "";
    }
}
