#include "aidf/xalloc.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die_oom(size_t n)
{
    fprintf(stderr, "aidf: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *aidf_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die_oom(n);
    return p;
}

void *aidf_xcalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        die_oom(SIZE_MAX);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die_oom(n * size);
    return p;
}

void *aidf_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die_oom(n);
    return q;
}

char *aidf_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    return aidf_xstrndup(s, strlen(s));
}

char *aidf_xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = aidf_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void *aidf_xgrow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            die_oom(SIZE_MAX);
        ncap *= 2;
    }
    if (size && ncap > SIZE_MAX / size)
        die_oom(SIZE_MAX);
    p = aidf_xrealloc(p, ncap * size);
    *cap = ncap;
    return p;
}

static void *jansson_malloc(size_t n)
{
    return aidf_xmalloc(n);
}

void aidf_xalloc_init_jansson(void)
{
    json_set_alloc_funcs(jansson_malloc, free);
}
