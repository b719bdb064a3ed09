/*
 * The request headers that shape an answer, parsed without MHD calls (tested in
 * tests/unit/test_server_http.c): Accept-Encoding (is gzip acceptable), If-None-Match
 * (does a list of entity tags match ours), Origin against --cors-origin, which bodies are
 * worth compressing, ETags, and the request target as the access log shows it.
 *
 * Every parser here reads a client's header value: it never writes into it, reads each
 * byte at most a bounded number of times and treats anything malformed as "no" (no
 * gzip, no match, no CORS), so a hostile header costs one linear pass.
 */
#include "srv.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aidf/sha256.h"

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/*
 * A qvalue (RFC 9110 12.4.2: "0" ["." 0*3DIGIT] / "1" ["." 0*3("0")]) of `n` bytes at
 * `s`, in thousandths; -1 when malformed.
 */
static int parse_qvalue(const char *s, size_t n)
{
    if (n == 0 || n > 5 || (s[0] != '0' && s[0] != '1'))
        return -1;
    int v = (s[0] - '0') * 1000;
    if (n == 1)
        return v;
    if (s[1] != '.')
        return -1;
    int scale = 100;
    for (size_t i = 2; i < n; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v += (s[i] - '0') * scale;
    }
    return v > 1000 ? -1 : v;
}

bool aidf_srv_accepts_gzip(const char *accept_encoding)
{
    if (!accept_encoding)
        return false;
    int gzip_q = -1, star_q = -1; /* -1: not named */
    const char *p = accept_encoding;
    while (*p) {
        /* One element: coding *( OWS ";" OWS param ), up to the next ','. */
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        while (p < end && is_ows(*p))
            p++;
        const char *name = p;
        while (p < end && is_tchar(*p))
            p++;
        size_t name_len = (size_t)(p - name);
        int q = 1000;
        bool bad = name_len == 0;
        while (!bad && p < end) {
            while (p < end && is_ows(*p))
                p++;
            if (p == end)
                break;
            if (*p != ';') {
                bad = true;
                break;
            }
            p++;
            while (p < end && is_ows(*p))
                p++;
            const char *pn = p;
            while (p < end && is_tchar(*p))
                p++;
            size_t pn_len = (size_t)(p - pn);
            if (pn_len == 0 || p == end || *p != '=') {
                bad = true;
                break;
            }
            p++;
            const char *pv = p;
            while (p < end && is_tchar(*p))
                p++;
            if (pn_len == 1 && (pn[0] == 'q' || pn[0] == 'Q')) {
                q = parse_qvalue(pv, (size_t)(p - pv));
                if (q < 0)
                    bad = true;
            }
        }
        if (!bad) {
            if ((name_len == 4 && strncasecmp(name, "gzip", 4) == 0) ||
                (name_len == 6 && strncasecmp(name, "x-gzip", 6) == 0)) {
                if (q > gzip_q)
                    gzip_q = q;
            } else if (name_len == 1 && name[0] == '*') {
                star_q = q;
            }
        }
        p = *end ? end + 1 : end;
    }
    if (gzip_q >= 0)
        return gzip_q > 0;
    return star_q > 0;
}

bool aidf_srv_etag_match(const char *if_none_match, const char *etag)
{
    if (!if_none_match || !etag)
        return false;
    /* Our tag's opaque part, without W/ (weak comparison ignores it). */
    if (strncmp(etag, "W/", 2) == 0)
        etag += 2;
    size_t elen = strlen(etag);
    const char *p = if_none_match;
    while (is_ows(*p))
        p++;
    if (p[0] == '*') {
        const char *r = p + 1;
        while (is_ows(*r))
            r++;
        return *r == '\0';
    }
    for (;;) {
        while (is_ows(*p) || *p == ',')
            p++;
        if (*p == '\0')
            return false;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false; /* malformed: stop, no match */
        const char *q = strchr(p + 1, '"');
        if (!q)
            return false;
        size_t n = (size_t)(q - p) + 1;
        if (n == elen && memcmp(p, etag, n) == 0)
            return true;
        p = q + 1;
        while (is_ows(*p))
            p++;
        if (*p != ',' && *p != '\0')
            return false;
    }
}

const char *aidf_srv_cors_allow(const char *const *origins, size_t n, const char *origin,
                                bool read_only)
{
    if (!origin || n == 0)
        return NULL;
    bool star = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(origins[i], "*") == 0)
            star = true;
        else if (strcasecmp(origins[i], origin) == 0)
            return origin;
    }
    return star && read_only ? "*" : NULL;
}

bool aidf_server_cors_origin_valid(const char *o)
{
    if (!o)
        return false;
    if (strcmp(o, "*") == 0)
        return true;
    const char *rest;
    if (strncasecmp(o, "http://", 7) == 0)
        rest = o + 7;
    else if (strncasecmp(o, "https://", 8) == 0)
        rest = o + 8;
    else
        return false;
    /* host[:port], no path, no user info, no spaces or controls. */
    size_t n = strlen(rest);
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = rest[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

bool aidf_srv_compressible(const char *ctype)
{
    static const char *const types[] = {
        "application/json",       "text/csv", "text/html",
        "text/javascript",        "text/css", "application/yaml",
        "application/javascript",
    };
    if (!ctype)
        return false;
    size_t n = strcspn(ctype, "; \t");
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strlen(types[i]) == n && strncasecmp(ctype, types[i], n) == 0)
            return true;
    return false;
}

static void hex16(const unsigned char *h, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < AIDF_SRV_ETAG_HEX / 2; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[AIDF_SRV_ETAG_HEX] = '\0';
}

void aidf_srv_etag_of(const void *data, size_t len, char out[AIDF_SRV_ETAG_HEX + 1])
{
    unsigned char h[AIDF_SHA256_LEN];
    if (!aidf_sha256(data, len, h))
        memset(h, 0, sizeof(h));
    hex16(h, out);
}

void aidf_srv_etag_format(const char *base, bool gz, char out[AIDF_SRV_ETAG_MAX])
{
    snprintf(out, AIDF_SRV_ETAG_MAX, "\"%s%s\"", base, gz ? "-gz" : "");
}

/* Printable ASCII but '%' as itself (a target is still percent-encoded), %XX for the
 * rest; values of the parameters named like a secret become "REDACTED". */
void aidf_srv_log_target(const char *target, char *out, size_t outlen)
{
    static const char hex[] = "0123456789ABCDEF";
    static const char *const secret[] = {"token", "access_token", "api_key", "apikey"};
    size_t o = 0;
    bool in_query = false, redact = false;
    const char *param = NULL; /* start of the current parameter's name */
    if (outlen == 0)
        return;
    for (const char *p = target ? target : ""; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (in_query && (ch == '&' || ch == ';')) {
            redact = false;
            param = p + 1;
        } else if (in_query && ch == '=' && param) {
            size_t n = (size_t)(p - param);
            for (size_t i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
                if (strlen(secret[i]) == n && strncasecmp(param, secret[i], n) == 0)
                    redact = true;
            param = NULL;
            if (redact) {
                if (o + 10 >= outlen)
                    break;
                memcpy(out + o, "=REDACTED", 9);
                o += 9;
                continue;
            }
        } else if (!in_query && ch == '?') {
            in_query = true;
            param = p + 1;
        } else if (redact) {
            continue;
        }
        if (o + 4 >= outlen) {
            if (outlen > 4) {
                memcpy(out + outlen - 4, "...", 3);
                o = outlen - 1;
            }
            break;
        }
        if (ch > 0x20 && ch < 0x7f) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o < outlen ? o : outlen - 1] = '\0';
}
