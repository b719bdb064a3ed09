/*
 * Ordered name → value pairs (see aidf/kvlist.h).
 */
#include "aidf/kvlist.h"

#include <stdlib.h>

#include "aidf/xalloc.h"

void aidf_kvlist_add(struct aidf_kvlist *l, const char *key, const char *value)
{
    l->items = aidf_xgrow(l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n].key = aidf_xstrdup(key);
    l->items[l->n].value = aidf_xstrdup(value);
    l->n++;
}

void aidf_kvlist_release(struct aidf_kvlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].value);
    }
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}
