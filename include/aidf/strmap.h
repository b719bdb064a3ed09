/*
 * A small open-addressing hash map from byte strings to size_t values, used for
 * grouping (aggregate), interning (store) and path lookups (index sync). The keys
 * come from outside (task and model names of posted reports), so the hash is keyed
 * with a per-process secret: nobody can choose keys that all land in one slot.
 *
 * Ownership: keys are borrowed and must outlive the map (or the next
 * aidf_strmap_reset); the map owns only its slot array. No deletion: rebuild instead.
 */
#ifndef AIDF_STRMAP_H
#define AIDF_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aidf_strmap {
    size_t n, cap; /* cap is 0 or a power of two */
    struct aidf_strmap_slot {
        const char *key; /* NULL: empty slot */
        size_t len;
        uint64_t hash;
        size_t val;
    } * slots;
};

/** Initialise an empty map. Allocates nothing. */
void aidf_strmap_init(struct aidf_strmap *m);
/** Free the slot array; the map is re-initialised. */
void aidf_strmap_release(struct aidf_strmap *m);
/** Remove every entry, keeping the allocation. */
void aidf_strmap_reset(struct aidf_strmap *m);
/**
 * The hash the map uses: SipHash-1-3 of `len` bytes under a key drawn at random once
 * per process (so inputs chosen by a client cannot be made to collide). Values differ
 * between processes: never store or send them.
 */
uint64_t aidf_strmap_hash(const char *key, size_t len);
/** The value slot of `key` (`len` bytes), or NULL when absent. */
size_t *aidf_strmap_find(const struct aidf_strmap *m, const char *key, size_t len);
/**
 * The value slot of `key`, inserted with value 0 when absent (`*added` true then,
 * when `added` is not NULL). The key pointer is stored, not copied.
 */
size_t *aidf_strmap_put(struct aidf_strmap *m, const char *key, size_t len, bool *added);
/** The stored key equal to `key` (its borrowed pointer), or NULL. */
const char *aidf_strmap_key(const struct aidf_strmap *m, const char *key, size_t len);

#endif
