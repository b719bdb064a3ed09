/*
 * The shared store behind a lock, the on-demand refresh that picks up reports other
 * processes write, and the response cache.
 *
 * The lock prefers writers: with many readers (a dashboard polling /summary under
 * load) a reader-preferring lock would starve the ingest committer.
 */
#include "srv.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "aidf/log.h"
#include "aidf/strmap.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

static int64_t mono_ms(void)
{
    return aidf_mono_ns() / 1000000;
}

void aidf_srv_state_init(struct aidf_srv_state *st, struct aidf_store *store)
{
    memset(st, 0, sizeof(*st));
    st->store = store;
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&st->lock, &a);
    pthread_rwlockattr_destroy(&a);
    pthread_mutex_init(&st->cache_mu, NULL);
    pthread_mutex_init(&st->run_mu, NULL);
    pthread_mutex_init(&st->agg_mu, NULL);
    atomic_store(&st->next_refresh_ms, mono_ms() + AIDF_SRV_REFRESH_MS);
}

void aidf_srv_state_release(struct aidf_srv_state *st)
{
    struct aidf_error err;
    aidf_error_clear(&err);
    if (st->store && aidf_store_sync(st->store, &err) != AIDF_OK)
        aidf_log(AIDF_LOG_ERROR, "cannot save the report index: %s", err.msg);
    aidf_store_free(st->store);
    st->store = NULL;
    for (size_t i = 0; i < AIDF_SRV_CACHE_SLOTS; i++) {
        free(st->cache[i].key);
        free(st->cache[i].body);
        free(st->cache[i].gz);
    }
    for (size_t i = 0; i < AIDF_SRV_RUN_SLOTS; i++) {
        free(st->runs[i].body);
        free(st->runs[i].gz);
    }
    pthread_mutex_destroy(&st->run_mu);
    aidf_agg_acc_free(st->all);
    st->all = NULL;
    pthread_mutex_destroy(&st->agg_mu);
    pthread_mutex_destroy(&st->cache_mu);
    pthread_rwlock_destroy(&st->lock);
}

/*
 * At most one refresh per AIDF_SRV_REFRESH_MS: the thread that moves next_refresh_ms
 * forward does it, under the exclusive lock; the others go on reading meanwhile. A
 * refresh is a readdir of the top directory and a stat per date directory when nothing
 * changed.
 */
static void maybe_refresh(struct aidf_srv_state *st)
{
    int64_t now = mono_ms();
    int64_t due = atomic_load(&st->next_refresh_ms);
    if (now < due)
        return;
    if (!atomic_compare_exchange_strong(&st->next_refresh_ms, &due, now + AIDF_SRV_REFRESH_MS))
        return;
    struct aidf_error err;
    aidf_error_clear(&err);
    aidf_srv_write_lock(st);
    uint64_t gen = aidf_store_generation(st->store);
    int rc = aidf_store_rescan(st->store, &err);
    uint64_t gen2 = aidf_store_generation(st->store);
    size_t n = aidf_store_count(st->store);
    aidf_srv_write_unlock(st);
    if (rc != AIDF_OK)
        aidf_log(AIDF_LOG_ERROR, "cannot refresh the report index: %s", err.msg);
    else if (gen != gen2)
        aidf_debug("report index refreshed: %zu runs", n);
}

void aidf_srv_read_lock(struct aidf_srv_state *st)
{
    maybe_refresh(st);
    pthread_rwlock_rdlock(&st->lock);
}

void aidf_srv_read_unlock(struct aidf_srv_state *st)
{
    pthread_rwlock_unlock(&st->lock);
}

void aidf_srv_write_lock(struct aidf_srv_state *st)
{
    pthread_rwlock_wrlock(&st->lock);
}

void aidf_srv_write_unlock(struct aidf_srv_state *st)
{
    pthread_rwlock_unlock(&st->lock);
}

/* A heap copy of `len` bytes with a NUL after them. */
static char *copy_of(const char *p, size_t len)
{
    char *copy = aidf_xmalloc(len + 1);
    memcpy(copy, p, len);
    copy[len] = '\0';
    return copy;
}

char *aidf_srv_cache_get(struct aidf_srv_state *st, const char *key, uint64_t gen, bool want_gz,
                         size_t *len, bool *is_gz)
{
    char *copy = NULL;
    *is_gz = false;
    pthread_mutex_lock(&st->cache_mu);
    for (size_t i = 0; i < AIDF_SRV_CACHE_SLOTS; i++) {
        struct aidf_srv_cache_ent *e = &st->cache[i];
        if (e->key && e->gen == gen && strcmp(e->key, key) == 0) {
            if (want_gz && e->gz) {
                copy = copy_of(e->gz, e->gz_len);
                *len = e->gz_len;
                *is_gz = true;
            } else {
                copy = copy_of(e->body, e->len);
                *len = e->len;
            }
            e->used = ++st->cache_tick;
            break;
        }
    }
    pthread_mutex_unlock(&st->cache_mu);
    return copy;
}

void aidf_srv_cache_put(struct aidf_srv_state *st, const char *key, uint64_t gen, const char *body,
                        size_t len)
{
    pthread_mutex_lock(&st->cache_mu);
    struct aidf_srv_cache_ent *slot = NULL;
    for (size_t i = 0; i < AIDF_SRV_CACHE_SLOTS && !slot; i++)
        if (st->cache[i].key && strcmp(st->cache[i].key, key) == 0)
            slot = &st->cache[i];
    for (size_t i = 0; i < AIDF_SRV_CACHE_SLOTS && !slot; i++)
        if (!st->cache[i].key)
            slot = &st->cache[i];
    if (!slot) {
        slot = &st->cache[0];
        for (size_t i = 1; i < AIDF_SRV_CACHE_SLOTS; i++)
            if (st->cache[i].used < slot->used)
                slot = &st->cache[i];
    }
    if (slot->key && slot->gen > gen && strcmp(slot->key, key) == 0) {
        /* A newer answer is already there: keep it. */
        pthread_mutex_unlock(&st->cache_mu);
        return;
    }
    free(slot->key);
    free(slot->body);
    free(slot->gz);
    slot->gz = NULL;
    slot->gz_len = 0;
    slot->key = aidf_xstrdup(key);
    slot->body = aidf_xmalloc(len + 1);
    memcpy(slot->body, body, len);
    slot->body[len] = '\0';
    slot->len = len;
    slot->gen = gen;
    slot->used = ++st->cache_tick;
    pthread_mutex_unlock(&st->cache_mu);
}

void aidf_srv_cache_put_gz(struct aidf_srv_state *st, const char *key, uint64_t gen, const char *gz,
                           size_t len)
{
    char *copy = copy_of(gz, len);
    pthread_mutex_lock(&st->cache_mu);
    for (size_t i = 0; i < AIDF_SRV_CACHE_SLOTS; i++) {
        struct aidf_srv_cache_ent *e = &st->cache[i];
        if (e->key && !e->gz && e->gen == gen && strcmp(e->key, key) == 0) {
            e->gz = copy;
            e->gz_len = len;
            copy = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&st->cache_mu);
    free(copy);
}

/* The slot of a run id: the keyed string-map hash of its case-folded characters, so
 * posted run ids cannot be chosen to keep evicting each other. */
static size_t run_slot(const char *id)
{
    char low[AIDF_RUN_ID_LEN];
    size_t n = 0;
    for (; id[n] && n < sizeof(low); n++)
        low[n] = (char)(id[n] | 0x20);
    return (size_t)(aidf_strmap_hash(low, n) % AIDF_SRV_RUN_SLOTS);
}

bool aidf_srv_run_cached(struct aidf_srv_state *st, const char *id, uint64_t gen, bool want_gz,
                         char **body, size_t *len, bool *is_gz, char etag[AIDF_SRV_ETAG_HEX + 1])
{
    bool hit = false;
    pthread_mutex_lock(&st->run_mu);
    struct aidf_srv_run_ent *e = &st->runs[run_slot(id)];
    if (e->body && e->gen == gen && strcasecmp(e->id, id) == 0) {
        *is_gz = want_gz && e->gz;
        *len = *is_gz ? e->gz_len : e->len;
        *body = copy_of(*is_gz ? e->gz : e->body, *len);
        memcpy(etag, e->etag, AIDF_SRV_ETAG_HEX + 1);
        hit = true;
    }
    pthread_mutex_unlock(&st->run_mu);
    return hit;
}

void aidf_srv_run_cache_put(struct aidf_srv_state *st, const char *id, uint64_t gen,
                            const char *body, size_t len, const char *etag)
{
    char *copy = copy_of(body, len);
    pthread_mutex_lock(&st->run_mu);
    struct aidf_srv_run_ent *e = &st->runs[run_slot(id)];
    free(e->body);
    free(e->gz);
    e->gz = NULL;
    e->gz_len = 0;
    snprintf(e->id, sizeof(e->id), "%s", id);
    snprintf(e->etag, sizeof(e->etag), "%s", etag);
    e->gen = gen;
    e->body = copy;
    e->len = len;
    pthread_mutex_unlock(&st->run_mu);
}

void aidf_srv_run_cache_put_gz(struct aidf_srv_state *st, const char *id, uint64_t gen,
                               const char *gz, size_t len)
{
    char *copy = copy_of(gz, len);
    pthread_mutex_lock(&st->run_mu);
    struct aidf_srv_run_ent *e = &st->runs[run_slot(id)];
    if (e->body && !e->gz && e->gen == gen && strcasecmp(e->id, id) == 0) {
        e->gz = copy;
        e->gz_len = len;
        copy = NULL;
    }
    pthread_mutex_unlock(&st->run_mu);
    free(copy);
}

void aidf_srv_summary_all(struct aidf_srv_state *st, struct aidf_aggregate *out)
{
    pthread_mutex_lock(&st->agg_mu);
    uint64_t gen = aidf_store_generation(st->store);
    if (!st->all || !st->all_valid || st->all_gen != gen) {
        const struct aidf_run_summary **runs = NULL;
        size_t n = aidf_store_list(st->store, NULL, &runs);
        aidf_agg_acc_free(st->all);
        st->all = aidf_agg_acc_new();
        aidf_agg_acc_add_many(st->all, (const struct aidf_run_summary *const *)runs, n, true);
        free(runs);
        st->all_gen = gen;
        st->all_valid = true;
        aidf_debug("summary: accumulator rebuilt over %zu runs", n);
    }
    aidf_agg_acc_result(st->all, out);
    pthread_mutex_unlock(&st->agg_mu);
}

void aidf_srv_summary_note_write(struct aidf_srv_state *st, uint64_t gen_before, uint64_t gen_after,
                                 const char *id)
{
    if (gen_before == gen_after)
        return;
    pthread_mutex_lock(&st->agg_mu);
    bool extended = false;
    if (st->all && st->all_valid && st->all_gen == gen_before) {
        const struct aidf_run_summary *newest = aidf_store_nth(st->store, 0);
        /* Only the run that now sorts first (newest; ties by id, as the store orders them)
         * comes last in the accumulator's oldest-first order, so only it extends the
         * sums exactly. */
        if (newest && strcasecmp(newest->run_id, id) == 0 &&
            aidf_store_count(st->store) == aidf_agg_acc_runs(st->all) + 1) {
            aidf_agg_acc_add_many(st->all, &newest, 1, false);
            st->all_gen = gen_after;
            extended = true;
            aidf_debug("summary: accumulator extended by run %s", id);
        }
    }
    if (!extended)
        st->all_valid = false;
    pthread_mutex_unlock(&st->agg_mu);
}

int aidf_srv_state_save(struct aidf_srv_state *st, struct aidf_error *err)
{
    int rc = AIDF_OK;
    /*
     * Saving reads the index only; the shared lock keeps writers out while readers go
     * on. Only this thread (the main loop) ever saves while the server runs.
     */
    pthread_rwlock_rdlock(&st->lock);
    if (aidf_store_dirty(st->store))
        rc = aidf_store_sync(st->store, err);
    pthread_rwlock_unlock(&st->lock);
    return rc;
}
