/*
 * libFuzzer target: the request headers and parameters the server parses before anything
 * else (server/negotiate.c, server/query.c). Input is '\n'-separated fields:
 * Accept-Encoding, If-None-Match, Origin, a request target, a cursor, a sort word. Any
 * bytes must give an answer in bounded time, never crash; the access-log target stays
 * printable and inside its buffer; a decoded cursor encodes back to one that decodes to
 * the same item.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/negotiate.c"
#include "../../server/query.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    const char *f[6] = {"", "", "", "", "", ""};
    char *p = buf;
    for (int i = 0; i < 6 && p; i++) {
        f[i] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    (void)aidf_srv_accepts_gzip(f[0]);
    (void)aidf_srv_etag_match(f[1], "\"0123456789abcdef0123456789abcdef\"");
    const char *origins[] = {"https://a.example", "*"};
    const char *acao = aidf_srv_cors_allow(origins, 2, f[2], f[2][0] == 'h');
    if (acao && strcmp(acao, "*") != 0 && acao != f[2])
        abort();
    (void)aidf_server_cors_origin_valid(f[2]);

    char out[AIDF_SRV_LOG_PATH_MAX];
    aidf_srv_log_target(f[3], out, sizeof(out));
    size_t n = strlen(out);
    if (n >= sizeof(out))
        abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] <= 0x20 || (unsigned char)out[i] >= 0x7f)
            abort();

    enum aidf_run_sort s, s2;
    double k, k2;
    char id[AIDF_RUN_ID_LEN + 1], id2[AIDF_RUN_ID_LEN + 1];
    if (aidf_srv_sort_cursor_decode(f[4], &s, &k, id) == AIDF_OK) {
        char c[AIDF_SRV_CURSOR_MAX];
        aidf_srv_sort_cursor_encode(s, k, id, c);
        if (aidf_srv_sort_cursor_decode(c, &s2, &k2, id2) != AIDF_OK || s2 != s ||
            strcmp(id, id2) != 0 || (isnan(k) != isnan(k2)) ||
            (!isnan(k) && k != k2 && s != AIDF_SORT_TS_DESC))
            abort();
    }
    if (aidf_run_sort_parse(f[5], &s) == AIDF_OK && strcmp(aidf_run_sort_name(s), f[5]) != 0)
        abort();
    free(buf);
    return 0;
}
