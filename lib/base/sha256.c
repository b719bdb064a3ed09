/*
 * SHA-256 of a buffer or a file descriptor (see aidf/sha256.h).
 */
#include "aidf/sha256.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/xalloc.h"

bool aidf_sha256(const void *p, size_t n, unsigned char out[AIDF_SHA256_LEN])
{
    unsigned int len = 0;
    if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1 || len != AIDF_SHA256_LEN) {
        memset(out, 0, AIDF_SHA256_LEN);
        return false;
    }
    return true;
}

bool aidf_sha256_fd(int fd, unsigned char out[AIDF_SHA256_LEN])
{
    enum { CHUNK = 65536 };
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    char *chunk = aidf_xmalloc(CHUNK);
    while (ok) {
        ssize_t r = read(fd, chunk, CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            ok = false;
        else if (r == 0)
            break;
        else
            ok = EVP_DigestUpdate(ctx, chunk, (size_t)r) != 0;
    }
    unsigned int n = 0;
    if (ok)
        ok = EVP_DigestFinal_ex(ctx, out, &n) && n == AIDF_SHA256_LEN;
    if (!ok)
        memset(out, 0, AIDF_SHA256_LEN);
    free(chunk);
    EVP_MD_CTX_free(ctx);
    return ok;
}
