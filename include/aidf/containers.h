/*
 * Small containers shared by every layer: an ordered string → number map, a growable
 * list of owned strings, and the cost rates of one model.
 *
 * Ownership: a container owns every string and array it holds; the matching
 * *_release() frees them and leaves the container empty and reusable. A zeroed
 * container ({0}) is a valid empty one. Allocation failure aborts (aidf_xalloc).
 */
#ifndef AIDF_CONTAINERS_H
#define AIDF_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>

/** A string → number map that keeps insertion order (phase timings, context breakdown). */
struct aidf_num_map {
    size_t n, cap;
    struct aidf_num_entry {
        char *name;
        double value;
    } * items;
};

/** Add `value` to the entry `name` (created at 0 when missing). */
void aidf_num_map_add(struct aidf_num_map *m, const char *name, double value);
/** Set entry `name` to `value` (created when missing). */
void aidf_num_map_set(struct aidf_num_map *m, const char *name, double value);
/** Append the entry made of the first `name_len` bytes of `name` without looking for an
 *  existing one: for callers that know the names are unique (a decoded JSON object). */
void aidf_num_map_append(struct aidf_num_map *m, const char *name, size_t name_len, double value);
/** Value of `name`, or NaN when absent. */
double aidf_num_map_get(const struct aidf_num_map *m, const char *name);
/** Free every entry; `m` may be NULL. */
void aidf_num_map_release(struct aidf_num_map *m);

/** A growable list of owned strings. */
struct aidf_strlist {
    size_t n, cap;
    char **items;
};

/** Append a copy of `s` (NULL is stored as ""). */
void aidf_strlist_add(struct aidf_strlist *l, const char *s);
/** True when the list holds a string equal to `s` (false for NULL). */
bool aidf_strlist_has(const struct aidf_strlist *l, const char *s);
/** Free every string; `l` may be NULL. */
void aidf_strlist_release(struct aidf_strlist *l);

/** Cost rates in USD per million tokens; cache rates are NaN when unknown. */
struct aidf_rates {
    double input_per_1m;
    double output_per_1m;
    double cache_read_per_1m;
    double cache_write_per_1m;
};

#endif
