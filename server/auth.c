/*
 * Bearer token check. The token is hashed once at start-up; each request's token is
 * hashed too and the two digests are compared with CRYPTO_memcmp, so neither the
 * content nor the length of the expected token leaks through timing.
 */
#include "srv.h"

#include <openssl/crypto.h>
#include <string.h>
#include <strings.h>

#include "aidf/sha256.h"

void aidf_srv_token_init(struct aidf_srv_token *t, const char *token)
{
    memset(t, 0, sizeof(*t));
    if (!token || !*token)
        return;
    t->set = true;
    (void)aidf_sha256(token, strlen(token), t->hash);
}

bool aidf_srv_token_check(const struct aidf_srv_token *t, const char *header)
{
    if (!t->set)
        return true;
    if (!header)
        return false;
    while (*header == ' ' || *header == '\t')
        header++;
    if (strncasecmp(header, "Bearer", 6) != 0 || (header[6] != ' ' && header[6] != '\t'))
        return false;
    const char *tok = header + 7;
    while (*tok == ' ' || *tok == '\t')
        tok++;
    size_t n = strlen(tok);
    while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
        n--;
    if (n == 0)
        return false;
    unsigned char got[32];
    (void)aidf_sha256(tok, n, got);
    return CRYPTO_memcmp(got, t->hash, sizeof(got)) == 0;
}
