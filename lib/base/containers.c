/*
 * The shared containers: ordered number maps and string lists (see aidf/containers.h).
 */
#include "aidf/containers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/xalloc.h"

/* ---- number maps ---- */

static struct aidf_num_entry *num_map_find(const struct aidf_num_map *m, const char *name)
{
    for (size_t i = 0; i < m->n; i++)
        if (!strcmp(m->items[i].name, name))
            return &m->items[i];
    return NULL;
}

void aidf_num_map_append(struct aidf_num_map *m, const char *name, size_t name_len, double value)
{
    m->items = aidf_xgrow(m->items, &m->cap, m->n + 1, sizeof(*m->items));
    m->items[m->n].name = aidf_xstrndup(name, name_len);
    m->items[m->n].value = value;
    m->n++;
}

void aidf_num_map_add(struct aidf_num_map *m, const char *name, double value)
{
    struct aidf_num_entry *e = num_map_find(m, name);
    if (e)
        e->value += value;
    else
        aidf_num_map_append(m, name, strlen(name), value);
}

void aidf_num_map_set(struct aidf_num_map *m, const char *name, double value)
{
    struct aidf_num_entry *e = num_map_find(m, name);
    if (e)
        e->value = value;
    else
        aidf_num_map_append(m, name, strlen(name), value);
}

double aidf_num_map_get(const struct aidf_num_map *m, const char *name)
{
    const struct aidf_num_entry *e = num_map_find(m, name);
    return e ? e->value : NAN;
}

void aidf_num_map_release(struct aidf_num_map *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->items[i].name);
    free(m->items);
    m->items = NULL;
    m->n = m->cap = 0;
}

/* ---- string lists ---- */

void aidf_strlist_add(struct aidf_strlist *l, const char *s)
{
    l->items = aidf_xgrow(l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n++] = aidf_xstrdup(s ? s : "");
}

bool aidf_strlist_has(const struct aidf_strlist *l, const char *s)
{
    if (!s)
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i], s))
            return true;
    return false;
}

void aidf_strlist_release(struct aidf_strlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}
