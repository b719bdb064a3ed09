#include "aidf/strmap.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/xalloc.h"

void aidf_strmap_init(struct aidf_strmap *m)
{
    m->n = 0;
    m->cap = 0;
    m->slots = NULL;
}

void aidf_strmap_release(struct aidf_strmap *m)
{
    free(m->slots);
    aidf_strmap_init(m);
}

void aidf_strmap_reset(struct aidf_strmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->cap * sizeof(*m->slots));
    m->n = 0;
}

uint64_t aidf_strmap_hash(const char *key, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    /* FNV's low bits mix poorly for short keys; fold the high half in. */
    return h ^ (h >> 29);
}

static struct aidf_strmap_slot *lookup(const struct aidf_strmap *m, const char *key, size_t len,
                                       uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct aidf_strmap_slot *s = &m->slots[i];
        if (!s->key)
            return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
    }
}

static void grow(struct aidf_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    struct aidf_strmap_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = aidf_xcalloc(ncap, sizeof(*m->slots));
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].key)
            continue;
        struct aidf_strmap_slot *s = lookup(m, old[i].key, old[i].len, old[i].hash);
        *s = old[i];
    }
    free(old);
}

size_t *aidf_strmap_find(const struct aidf_strmap *m, const char *key, size_t len)
{
    if (m->n == 0)
        return NULL;
    struct aidf_strmap_slot *s = lookup(m, key, len, aidf_strmap_hash(key, len));
    return s->key ? &s->val : NULL;
}

const char *aidf_strmap_key(const struct aidf_strmap *m, const char *key, size_t len)
{
    if (m->n == 0)
        return NULL;
    struct aidf_strmap_slot *s = lookup(m, key, len, aidf_strmap_hash(key, len));
    return s->key;
}

size_t *aidf_strmap_put(struct aidf_strmap *m, const char *key, size_t len, bool *added)
{
    /* Keep the load factor under 3/4. */
    if ((m->n + 1) * 4 > m->cap * 3)
        grow(m);
    uint64_t h = aidf_strmap_hash(key, len);
    struct aidf_strmap_slot *s = lookup(m, key, len, h);
    if (added)
        *added = s->key == NULL;
    if (!s->key) {
        s->key = key;
        s->len = len;
        s->hash = h;
        s->val = 0;
        m->n++;
    }
    return &s->val;
}
