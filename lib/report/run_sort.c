/*
 * The orders of run listings (aidf/run_sort.h).
 */
#include "aidf/run_sort.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aidf/err.h"
#include "aidf/xalloc.h"

static const char *const sort_names[] = {
    [AIDF_SORT_TS_DESC] = "-timestamp",      [AIDF_SORT_TS_ASC] = "timestamp",
    [AIDF_SORT_COST_ASC] = "cost",           [AIDF_SORT_COST_DESC] = "-cost",
    [AIDF_SORT_TOKENS_ASC] = "tokens",       [AIDF_SORT_TOKENS_DESC] = "-tokens",
    [AIDF_SORT_DURATION_ASC] = "durationMs", [AIDF_SORT_DURATION_DESC] = "-durationMs",
};
#define N_SORTS (sizeof(sort_names) / sizeof(sort_names[0]))

int aidf_run_sort_parse(const char *s, enum aidf_run_sort *out)
{
    for (size_t i = 0; s && i < N_SORTS; i++)
        if (strcmp(s, sort_names[i]) == 0) {
            *out = (enum aidf_run_sort)i;
            return AIDF_OK;
        }
    return AIDF_EINVAL;
}

const char *aidf_run_sort_name(enum aidf_run_sort s)
{
    return (size_t)s < N_SORTS ? sort_names[s] : "-timestamp";
}

double aidf_run_sort_key(const struct aidf_run_summary *m, enum aidf_run_sort s)
{
    switch (s) {
    case AIDF_SORT_COST_ASC:
    case AIDF_SORT_COST_DESC:
        return m->cost_unpriced || isnan(m->cost) ? NAN : m->cost;
    case AIDF_SORT_TOKENS_ASC:
    case AIDF_SORT_TOKENS_DESC:
        return (double)m->tokens_total;
    case AIDF_SORT_DURATION_ASC:
    case AIDF_SORT_DURATION_DESC:
        return m->duration_ms;
    default:
        return (double)m->ts_ms;
    }
}

static bool descending(enum aidf_run_sort s)
{
    return s == AIDF_SORT_TS_DESC || s == AIDF_SORT_COST_DESC || s == AIDF_SORT_TOKENS_DESC ||
           s == AIDF_SORT_DURATION_DESC;
}

int aidf_run_sort_cmp(enum aidf_run_sort s, double ka, const char *ida, double kb, const char *idb)
{
    bool na = isnan(ka), nb = isnan(kb);
    if (na != nb)
        return na ? 1 : -1; /* unpriced last, whatever the direction */
    if (!na && ka != kb) {
        int c = ka < kb ? -1 : 1;
        return descending(s) ? -c : c;
    }
    return strcasecmp(ida, idb);
}

/* One run with its key, so qsort compares without recomputing. */
struct keyed {
    double key;
    const struct aidf_run_summary *m;
};

static _Thread_local enum aidf_run_sort sort_order;

static int cmp_keyed(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    return aidf_run_sort_cmp(sort_order, x->key, x->m->run_id, y->key, y->m->run_id);
}

void aidf_run_sort(const struct aidf_run_summary **runs, size_t n, enum aidf_run_sort s)
{
    if (n < 2)
        return;
    struct keyed *v = aidf_xcalloc(n, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        v[i].m = runs[i];
        v[i].key = aidf_run_sort_key(runs[i], s);
    }
    sort_order = s;
    qsort(v, n, sizeof(*v), cmp_keyed);
    for (size_t i = 0; i < n; i++)
        runs[i] = v[i].m;
    free(v);
}
