/*
 * An ordered list of name → value string pairs (configured HTTP headers). Duplicate
 * names are kept, in the order they were added.
 *
 * Ownership: the list owns copies of every key and value; free them with
 * aidf_kvlist_release(). A zeroed struct is an empty list.
 */
#ifndef AIDF_KVLIST_H
#define AIDF_KVLIST_H

#include <stddef.h>

struct aidf_kvlist {
    size_t n, cap;
    struct aidf_kv {
        char *key, *value;
    } * items;
};

/** Append copies of `key` and `value` (both non-NULL). Aborts when out of memory. */
void aidf_kvlist_add(struct aidf_kvlist *l, const char *key, const char *value);

/** Free every pair and zero the list (it may be reused). */
void aidf_kvlist_release(struct aidf_kvlist *l);

#endif
