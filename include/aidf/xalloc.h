/*
 * Allocation helpers that never return NULL: on out-of-memory they log and abort.
 * Hard limits on input come before allocation, so OOM stays exceptional.
 */
#ifndef AIDF_XALLOC_H
#define AIDF_XALLOC_H

#include <stddef.h>

/** malloc() that aborts on failure. */
void *aidf_xmalloc(size_t n);
/** calloc() that aborts on failure or overflow of n*size. */
void *aidf_xcalloc(size_t n, size_t size);
/** realloc() that aborts on failure. */
void *aidf_xrealloc(void *p, size_t n);
/** strdup() that aborts on failure; NULL in gives NULL out. */
char *aidf_xstrdup(const char *s);
/** strndup() that aborts on failure. */
char *aidf_xstrndup(const char *s, size_t n);
/** Grow an array of `size`-byte items so it can hold `need` items (doubling). */
void *aidf_xgrow(void *p, size_t *cap, size_t need, size_t size);

/** Install the aborting allocator into jansson. Call once at start-up, before threads. */
void aidf_xalloc_init_jansson(void);

/**
 * Scratch allocation for jansson on this thread: between aidf_json_scratch_begin() and
 * aidf_json_scratch_end(), jansson's small allocations come from a per-thread bump arena
 * and its frees of them do nothing; end() takes everything back at once. For code that
 * parses a JSON document, reads it and releases every json_t before end() (the index
 * parsing thousands of reports): it saves most of the cost of malloc and free. Every
 * json_t made inside the scope must be released inside it. Needs
 * aidf_xalloc_init_jansson(); a no-op in builds with AddressSanitizer (which must see
 * every allocation). Scopes do not nest.
 */
void aidf_json_scratch_begin(void);
/** End the scope of aidf_json_scratch_begin() on this thread. */
void aidf_json_scratch_end(void);

#endif
