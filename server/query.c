/*
 * Routing, id validation, query parameters and cursors: pure helpers without MHD
 * calls, tested in tests/unit/test_server_query.c.
 */
#include "srv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aidf/filter_parse.h"

enum aidf_srv_route aidf_srv_route_match(const char *path, const char **id)
{
    *id = NULL;
    if (strcmp(path, "/runs") == 0)
        return AIDF_ROUTE_RUNS;
    if (strncmp(path, "/runs/", 6) == 0) {
        *id = path + 6;
        return AIDF_ROUTE_RUN;
    }
    if (strcmp(path, "/summary") == 0)
        return AIDF_ROUTE_SUMMARY;
    if (strcmp(path, "/export.csv") == 0)
        return AIDF_ROUTE_EXPORT;
    if (strcmp(path, "/stats") == 0)
        return AIDF_ROUTE_STATS;
    if (strcmp(path, "/healthz") == 0)
        return AIDF_ROUTE_HEALTHZ;
    if (strcmp(path, "/openapi.yaml") == 0)
        return AIDF_ROUTE_OPENAPI;
    if (strcmp(path, "/") == 0)
        return AIDF_ROUTE_INDEX;
    if (strncmp(path, "/assets/", 8) == 0) {
        *id = path + 8;
        return AIDF_ROUTE_ASSET;
    }
    return AIDF_ROUTE_NONE;
}

const char *aidf_srv_route_allow(enum aidf_srv_route r)
{
    return r == AIDF_ROUTE_RUNS ? "GET, HEAD, POST, OPTIONS" : "GET, HEAD, OPTIONS";
}

bool aidf_srv_id_valid(const char *id)
{
    size_t n = 0;
    if (!id)
        return false;
    for (; id[n]; n++) {
        if (n >= AIDF_RUN_ID_LEN)
            return false;
        if (!isxdigit((unsigned char)id[n]) && id[n] != '-')
            return false;
    }
    return n > 0;
}

bool aidf_srv_is_json_type(const char *ct)
{
    static const char want[] = "application/json";
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, want, sizeof(want) - 1) != 0)
        return false;
    ct += sizeof(want) - 1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* A non-negative decimal without sign, spaces or trailing text, at most `max`. */
static bool parse_uint(const char *s, int64_t max, int64_t *out)
{
    if (!s || !isdigit((unsigned char)s[0]))
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v < 0 || v > max)
        return false;
    *out = (int64_t)v;
    return true;
}

static int param_index(const char *key)
{
    static const char *const others[] = {"limit",    "offset", "cursor", "detailed",
                                         "interval", "by",     "tz",     "sort"};
    for (int i = 0; i < AIDF_FILTER_NAMES; i++)
        if (strcmp(key, aidf_filter_names[i]) == 0)
            return i;
    for (int i = 0; i < (int)(sizeof(others) / sizeof(others[0])); i++)
        if (strcmp(key, others[i]) == 0)
            return AIDF_FILTER_NAMES + i;
    return -1;
}

static unsigned param_group(int idx)
{
    if (idx < AIDF_FILTER_NAMES)
        return AIDF_PARAM_FILTERS;
    if (idx == AIDF_FILTER_NAMES + 7)
        return AIDF_PARAM_PAGING; /* sort */
    if (idx >= AIDF_FILTER_NAMES + 4)
        return AIDF_PARAM_STATS;
    return idx == AIDF_FILTER_NAMES + 3 ? AIDF_PARAM_DETAILED : AIDF_PARAM_PAGING;
}

static int parse_params(struct aidf_srv_query *q, unsigned allowed, const struct aidf_srv_kv *kv,
                        size_t n, int64_t now_ms, struct aidf_error *err)
{
    unsigned seen = 0;
    enum aidf_run_sort cursor_sort = AIDF_SORT_TS_DESC;
    if (n > AIDF_SRV_MAX_PARAMS)
        return aidf_fail(err, AIDF_EINVAL, "too many query parameters (at most %d)",
                         AIDF_SRV_MAX_PARAMS);
    for (size_t i = 0; i < n; i++) {
        const char *key = kv[i].key ? kv[i].key : "";
        const char *val = kv[i].value ? kv[i].value : "";
        int idx = param_index(key);
        if (idx < 0 || !(param_group(idx) & allowed))
            return aidf_fail(err, AIDF_EINVAL, "unknown parameter '%.64s'", key);
        /* Filters may repeat (each time adds values), and so may `by`; the others may not. */
        if (idx >= AIDF_FILTER_NAMES && (seen & (1u << idx)) && strcmp(key, "by") != 0)
            return aidf_fail(err, AIDF_EINVAL, "parameter '%s' given more than once", key);
        seen |= 1u << idx;
        if (kv[i].value && strlen(val) != kv[i].value_len)
            return aidf_fail(err, AIDF_EINVAL, "invalid %s: contains a NUL byte", key);
        if (idx < AIDF_FILTER_NAMES) {
            int rc = aidf_filter_set(&q->f, key, val, "", now_ms, err);
            if (rc != AIDF_OK)
                return rc;
        } else if (param_group(idx) == AIDF_PARAM_STATS) {
            if (strcmp(key, "by") == 0)
                q->by[q->n_by++] = val; /* at most AIDF_SRV_MAX_PARAMS */
            else if (strcmp(key, "interval") == 0)
                q->interval = val;
            else
                q->tz = val;
        } else if (strcmp(key, "limit") == 0) {
            if (!parse_uint(val, AIDF_SRV_LIMIT_MAX, &q->limit) || q->limit < 1)
                return aidf_fail(err, AIDF_EINVAL, "invalid limit '%.64s' (expected 1..%d)", val,
                                 AIDF_SRV_LIMIT_MAX);
        } else if (strcmp(key, "offset") == 0) {
            if (!parse_uint(val, INT64_MAX, &q->offset))
                return aidf_fail(err, AIDF_EINVAL,
                                 "invalid offset '%.64s' (expected a non-negative integer)", val);
            q->has_offset = true;
        } else if (strcmp(key, "cursor") == 0) {
            if (aidf_srv_sort_cursor_decode(val, &cursor_sort, &q->cursor_key, q->cursor_id) !=
                AIDF_OK)
                return aidf_fail(err, AIDF_EINVAL,
                                 "invalid cursor '%.64s' (use nextCursor from a previous page)",
                                 val);
            /* The default order's cursor again, for its exact time (a double holds
             * every real time, not every int64). */
            if (cursor_sort == AIDF_SORT_TS_DESC &&
                aidf_srv_cursor_decode(val, &q->cursor_ts, q->cursor_id) != AIDF_OK)
                return aidf_fail(err, AIDF_EINVAL, "invalid cursor '%.64s'", val);
            q->has_cursor = true;
        } else if (strcmp(key, "sort") == 0) {
            if (aidf_run_sort_parse(val, &q->sort) != AIDF_OK)
                return aidf_fail(err, AIDF_EINVAL,
                                 "invalid sort '%.64s' (expected " AIDF_RUN_SORT_WORDS ")", val);
        } else {
            if (strcmp(val, "1") == 0 || strcmp(val, "true") == 0)
                q->detailed = true;
            else if (strcmp(val, "0") == 0 || strcmp(val, "false") == 0)
                q->detailed = false;
            else
                return aidf_fail(err, AIDF_EINVAL, "invalid detailed '%.64s' (expected 1 or 0)",
                                 val);
        }
    }
    if (q->has_cursor && q->has_offset)
        return aidf_fail(err, AIDF_EINVAL, "invalid cursor: cannot be combined with offset");
    if (q->has_cursor && cursor_sort != q->sort)
        return aidf_fail(err, AIDF_EINVAL, "invalid cursor: it pages sort=%s, not sort=%s",
                         aidf_run_sort_name(cursor_sort), aidf_run_sort_name(q->sort));
    return AIDF_OK;
}

int aidf_srv_query_parse(struct aidf_srv_query *q, unsigned allowed, const struct aidf_srv_kv *kv,
                         size_t n, int64_t now_ms, struct aidf_error *err)
{
    memset(q, 0, sizeof(*q));
    aidf_filter_init(&q->f);
    q->limit = AIDF_SRV_LIMIT_DEFAULT;
    int rc = parse_params(q, allowed, kv, n, now_ms, err);
    if (rc != AIDF_OK)
        aidf_srv_query_release(q);
    return rc;
}

void aidf_srv_query_key(const struct aidf_srv_query *q, struct aidf_buf *out)
{
    aidf_filter_key(&q->f, out);
}

void aidf_srv_query_release(struct aidf_srv_query *q)
{
    aidf_filter_release(&q->f);
}

/* ---- cursors: base64url without padding -------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

/* `n` bytes as base64url into `out` (at least 4/3 n + 2 bytes). */
static void b64_encode(const char *raw, size_t n, char *out)
{
    size_t o = 0;
    unsigned bits = 0, nbits = 0;
    for (size_t i = 0; i < n; i++) {
        bits = (bits << 8) | (unsigned char)raw[i];
        nbits += 8;
        while (nbits >= 6) {
            nbits -= 6;
            out[o++] = b64[(bits >> nbits) & 63];
        }
    }
    if (nbits > 0)
        out[o++] = b64[(bits << (6 - nbits)) & 63];
    out[o] = '\0';
}

/* Decode base64url text `s` (shorter than AIDF_SRV_CURSOR_MAX) into `raw` as a string
 * without NUL bytes. AIDF_OK or AIDF_EINVAL. */
static int b64_decode(const char *s, char *raw, size_t rawlen)
{
    size_t o = 0, n = strlen(s);
    unsigned bits = 0, nbits = 0;
    if (n == 0 || n >= AIDF_SRV_CURSOR_MAX)
        return AIDF_EINVAL;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val(s[i]);
        if (v < 0)
            return AIDF_EINVAL;
        bits = (bits << 6) | (unsigned)v;
        nbits += 6;
        if (nbits >= 8) {
            nbits -= 8;
            if (o + 1 >= rawlen)
                return AIDF_EINVAL;
            raw[o++] = (char)((bits >> nbits) & 0xff);
        }
        bits &= (1u << nbits) - 1;
    }
    raw[o] = '\0';
    return strlen(raw) == o ? AIDF_OK : AIDF_EINVAL;
}

void aidf_srv_cursor_encode(int64_t ts_ms, const char *run_id, char out[AIDF_SRV_CURSOR_MAX])
{
    char raw[64];
    int n = snprintf(raw, sizeof(raw), "%lld:%.36s", (long long)ts_ms, run_id);
    b64_encode(raw, (size_t)n, out);
}

int aidf_srv_cursor_decode(const char *s, int64_t *ts_ms, char run_id[AIDF_RUN_ID_LEN + 1])
{
    char raw[AIDF_SRV_CURSOR_MAX];
    if (b64_decode(s, raw, sizeof(raw)) != AIDF_OK)
        return AIDF_EINVAL;
    char *colon = strchr(raw, ':');
    if (!colon)
        return AIDF_EINVAL;
    *colon = '\0';
    const char *digits = raw[0] == '-' ? raw + 1 : raw;
    if (!isdigit((unsigned char)digits[0]) || !aidf_srv_id_valid(colon + 1))
        return AIDF_EINVAL;
    char *end;
    errno = 0;
    long long ts = strtoll(raw, &end, 10);
    if (errno || *end != '\0')
        return AIDF_EINVAL;
    *ts_ms = (int64_t)ts;
    snprintf(run_id, AIDF_RUN_ID_LEN + 1, "%s", colon + 1);
    return AIDF_OK;
}

/* Codes of the orders in a cursor (the default order keeps the older "<ts>:<id>" form). */
static const char sort_codes[] = "-TcCkKdD";

void aidf_srv_sort_cursor_encode(enum aidf_run_sort s, double key, const char *run_id,
                                 char out[AIDF_SRV_CURSOR_MAX])
{
    if (s == AIDF_SORT_TS_DESC || (size_t)s >= sizeof(sort_codes) - 1) {
        /* Clamped: converting a double out of int64's range is undefined. */
        int64_t ts = !(key > -9.2e18) ? -INT64_MAX : key < 9.2e18 ? (int64_t)key : INT64_MAX;
        aidf_srv_cursor_encode(ts, run_id, out);
        return;
    }
    char raw[96];
    if (isnan(key))
        snprintf(raw, sizeof(raw), "%c:null:%.36s", sort_codes[s], run_id);
    else
        snprintf(raw, sizeof(raw), "%c:%.17g:%.36s", sort_codes[s], key, run_id);
    b64_encode(raw, strlen(raw), out);
}

int aidf_srv_sort_cursor_decode(const char *s, enum aidf_run_sort *sort, double *key,
                                char run_id[AIDF_RUN_ID_LEN + 1])
{
    char raw[AIDF_SRV_CURSOR_MAX];
    if (b64_decode(s, raw, sizeof(raw)) != AIDF_OK)
        return AIDF_EINVAL;
    const char *code = raw[0] && raw[1] == ':' ? strchr(sort_codes + 1, raw[0]) : NULL;
    if (!code) {
        int64_t ts;
        if (aidf_srv_cursor_decode(s, &ts, run_id) != AIDF_OK)
            return AIDF_EINVAL;
        *sort = AIDF_SORT_TS_DESC;
        *key = (double)ts;
        return AIDF_OK;
    }
    char *v = raw + 2;
    char *colon = strchr(v, ':');
    if (!colon || !aidf_srv_id_valid(colon + 1))
        return AIDF_EINVAL;
    *colon = '\0';
    double k;
    if (strcmp(v, "null") == 0) {
        k = NAN;
    } else {
        char *end;
        errno = 0;
        k = strtod(v, &end);
        if (errno || end == v || *end != '\0' || !isfinite(k) || strchr(v, ' '))
            return AIDF_EINVAL;
    }
    *sort = (enum aidf_run_sort)(code - sort_codes);
    *key = k;
    snprintf(run_id, AIDF_RUN_ID_LEN + 1, "%s", colon + 1);
    return AIDF_OK;
}
