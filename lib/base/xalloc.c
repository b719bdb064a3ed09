#include "aidf/xalloc.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdalign.h>
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

/* ---- jansson's scratch arena ------------------------------------------------------- */

#if defined(__SANITIZE_ADDRESS__)
#define SCRATCH_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCRATCH_ENABLED 0
#endif
#endif
#ifndef SCRATCH_ENABLED
#define SCRATCH_ENABLED 1
#endif

#define SCRATCH_CHUNK (256 * 1024)
#define SCRATCH_BIG   (16 * 1024) /* larger blocks go to malloc */

struct scratch_chunk {
    struct scratch_chunk *next;
    size_t used;
    _Alignas(max_align_t) unsigned char data[SCRATCH_CHUNK];
};

/* Per thread: the chunks (the first is kept between scopes) and whether a scope is open. */
static _Thread_local struct scratch_chunk *scratch_head;
static _Thread_local bool scratch_on;

static bool scratch_owns(const void *p)
{
    for (const struct scratch_chunk *c = scratch_head; c; c = c->next)
        if ((const unsigned char *)p >= c->data &&
            (const unsigned char *)p < c->data + SCRATCH_CHUNK)
            return true;
    return false;
}

static void *scratch_alloc(size_t n)
{
    n = (n + _Alignof(max_align_t) - 1) & ~(size_t)(_Alignof(max_align_t) - 1);
    struct scratch_chunk *c = scratch_head;
    if (!c || SCRATCH_CHUNK - c->used < n) {
        c = aidf_xmalloc(sizeof(*c));
        c->used = 0;
        c->next = scratch_head;
        scratch_head = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

void aidf_json_scratch_begin(void)
{
    scratch_on = SCRATCH_ENABLED;
}

void aidf_json_scratch_end(void)
{
    scratch_on = false;
    /* Keep one chunk for the next scope; give the others back. */
    while (scratch_head && scratch_head->next) {
        struct scratch_chunk *c = scratch_head;
        scratch_head = c->next;
        free(c);
    }
    if (scratch_head)
        scratch_head->used = 0;
}

static void *jansson_malloc(size_t n)
{
    if (scratch_on && n <= SCRATCH_BIG)
        return scratch_alloc(n);
    return aidf_xmalloc(n);
}

static void jansson_free(void *p)
{
    if (p && scratch_head && scratch_owns(p))
        return;
    free(p);
}

void aidf_xalloc_init_jansson(void)
{
    json_set_alloc_funcs(jansson_malloc, jansson_free);
}
