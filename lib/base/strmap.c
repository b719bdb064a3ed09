/*
 * The string map (see aidf/strmap.h): open addressing with linear probing, hashed with
 * SipHash-1-3 under a per-process random key.
 */
#include "aidf/strmap.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "aidf/siphash.h"
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

/* The per-process key of the hash, drawn once from the kernel's random source. */
static unsigned char hash_key[AIDF_SIPHASH_KEY_LEN];
static pthread_once_t hash_key_once = PTHREAD_ONCE_INIT;

static void hash_key_init(void)
{
    size_t got = 0;
    while (got < sizeof(hash_key)) {
        ssize_t r = getrandom(hash_key + got, sizeof(hash_key) - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got == sizeof(hash_key))
        return;
    /* No getrandom (a very old kernel): /dev/urandom, else a key that still differs
     * between processes and runs (clock, pid, where the stack is). */
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t r = read(fd, hash_key, sizeof(hash_key));
        close(fd);
        if (r == (ssize_t)sizeof(hash_key))
            return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t a = (uint64_t)ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 20) ^ ((uint64_t)getpid() << 40);
    uint64_t b = (uint64_t)(uintptr_t)&ts ^ (uint64_t)(uintptr_t)&hash_key;
    memcpy(hash_key, &a, 8);
    memcpy(hash_key + 8, &b, 8);
}

uint64_t aidf_strmap_hash(const char *key, size_t len)
{
    pthread_once(&hash_key_once, hash_key_init);
    return aidf_siphash(1, 3, hash_key, key, len);
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
