/*
 * gzip (RFC 1952) with zlib: whole bodies at once, and a stream for /export.csv.
 */
#include "srv.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "aidf/xalloc.h"

/* zlib's default trade-off; level 9 costs about 3x the time for 2-3% fewer bytes. */
#define GZIP_LEVEL 6

static bool deflate_begin(z_stream *z)
{
    memset(z, 0, sizeof(*z));
    /* 15 window bits + 16: a gzip header and trailer instead of zlib's. */
    return deflateInit2(z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

char *aidf_srv_gzip(const void *data, size_t len, size_t *out_len)
{
    z_stream z;
    if (len > (size_t)UINT32_MAX / 2 || !deflate_begin(&z))
        return NULL;
    size_t cap = deflateBound(&z, (uLong)len);
    char *out = malloc(cap ? cap : 1);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = (size_t)z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

struct aidf_srv_gz {
    z_stream z;
};

struct aidf_srv_gz *aidf_srv_gz_new(void)
{
    struct aidf_srv_gz *g = aidf_xcalloc(1, sizeof(*g));
    if (!deflate_begin(&g->z)) {
        free(g);
        return NULL;
    }
    return g;
}

size_t aidf_srv_gz_put(struct aidf_srv_gz *g, const char *in, size_t *in_len, bool finish,
                       char *out, size_t out_max, bool *done)
{
    g->z.next_in = (Bytef *)(uintptr_t)in;
    g->z.avail_in = (uInt)*in_len;
    g->z.next_out = (Bytef *)out;
    g->z.avail_out = (uInt)out_max;
    int rc = deflate(&g->z, finish ? Z_FINISH : Z_NO_FLUSH);
    *done = rc == Z_STREAM_END;
    *in_len = g->z.avail_in; /* what is left unread */
    return out_max - g->z.avail_out;
}

void aidf_srv_gz_free(struct aidf_srv_gz *g)
{
    if (!g)
        return;
    deflateEnd(&g->z);
    free(g);
}
