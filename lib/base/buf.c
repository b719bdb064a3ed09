#include "aidf/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/err.h"
#include "aidf/xalloc.h"

char aidf_buf_empty[1] = "";

void aidf_buf_init(struct aidf_buf *b, size_t max)
{
    b->ptr = aidf_buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

/* Make room for `extra` more bytes plus the NUL. */
static int reserve(struct aidf_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return AIDF_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return AIDF_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
    if (b->cap == 0) {
        char *p = aidf_xmalloc(ncap);
        memcpy(p, b->ptr, b->len);
        p[b->len] = '\0';
        b->ptr = p;
    } else {
        b->ptr = aidf_xrealloc(b->ptr, ncap);
    }
    b->cap = ncap;
    return AIDF_OK;
}

int aidf_buf_add(struct aidf_buf *b, const void *p, size_t n)
{
    if (n == 0)
        return AIDF_OK;
    int rc = reserve(b, n);
    if (rc)
        return rc;
    memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
    return AIDF_OK;
}

int aidf_buf_addstr(struct aidf_buf *b, const char *s)
{
    return aidf_buf_add(b, s, strlen(s));
}

int aidf_buf_addch(struct aidf_buf *b, char c)
{
    return aidf_buf_add(b, &c, 1);
}

int aidf_buf_vaddf(struct aidf_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, cp);
    va_end(cp);
    if (n < 0)
        return AIDF_EINVAL;
    if ((size_t)n < sizeof(small))
        return aidf_buf_add(b, small, (size_t)n);
    int rc = reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return AIDF_OK;
}

int aidf_buf_addf(struct aidf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = aidf_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void aidf_buf_reset(struct aidf_buf *b)
{
    b->len = 0;
    if (b->cap)
        b->ptr[0] = '\0';
}

void aidf_buf_release(struct aidf_buf *b)
{
    if (b->cap)
        free(b->ptr);
    aidf_buf_init(b, b->max);
}

char *aidf_buf_detach(struct aidf_buf *b, size_t *len)
{
    char *p;
    if (b->cap) {
        p = b->ptr;
    } else {
        p = aidf_xmalloc(b->len + 1);
        memcpy(p, b->ptr, b->len);
        p[b->len] = '\0';
    }
    if (len)
        *len = b->len;
    aidf_buf_init(b, b->max);
    return p;
}
