/*
 * Aggregate statistics over run summaries, through an accumulator that can also be kept
 * and extended run by run (the server's unfiltered /summary). Sums are taken oldest
 * first, so results are deterministic and an extended accumulator gives exactly the
 * figures of a fresh computation.
 */
#include "aidf/aggregate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/satadd.h"
#include "aidf/strmap.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

#define PTR_CACHE 256

/* The figures of one currency in one group or in the whole: `cur` indexes acc->curs. */
struct cur_sum {
    size_t cur;
    double total;
    size_t priced, unpriced;
};

/*
 * A group's figures per currency, in first-seen order (usually one entry). Past
 * CUR_LINEAR entries a hash table of `cur` (slots hold an index into v plus one) keeps a
 * lookup O(1) even when reports name thousands of currencies.
 */
struct cur_list {
    struct cur_sum *v;
    size_t n, cap;
    size_t *slot;
    size_t nslot; /* 0 or a power of two, at least twice n */
};

#define CUR_LINEAR 8

static size_t cur_hash(size_t cur, size_t mask)
{
    return (size_t)(((uint64_t)cur * 0x9E3779B97F4A7C15ULL) >> 17) & mask;
}

/* Put entry `i` of `l` in its hash table (which has room). */
static void cur_slot_put(struct cur_list *l, size_t i)
{
    size_t mask = l->nslot - 1, h = cur_hash(l->v[i].cur, mask);
    while (l->slot[h])
        h = (h + 1) & mask;
    l->slot[h] = i + 1;
}

/* The entry of currency `cur` in `l`, created when new. The last entry is tried first
 * (runs of one currency come in a row). */
static struct cur_sum *cur_sum_of(struct cur_list *l, size_t cur)
{
    if (l->n && l->v[l->n - 1].cur == cur)
        return &l->v[l->n - 1];
    if (l->nslot) {
        size_t mask = l->nslot - 1;
        for (size_t h = cur_hash(cur, mask); l->slot[h]; h = (h + 1) & mask)
            if (l->v[l->slot[h] - 1].cur == cur)
                return &l->v[l->slot[h] - 1];
    } else {
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].cur == cur)
                return &l->v[i];
    }
    l->v = aidf_xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    l->v[l->n] = (struct cur_sum){.cur = cur};
    size_t i = l->n++;
    if (l->n > CUR_LINEAR) {
        if (2 * l->n > l->nslot) { /* grow (or create) the table and put every entry in it */
            size_t ns = 64;
            while (ns < 4 * l->n)
                ns *= 2;
            free(l->slot);
            l->slot = aidf_xcalloc(ns, sizeof(*l->slot));
            l->nslot = ns;
            for (size_t k = 0; k < l->n; k++)
                cur_slot_put(l, k);
        } else {
            cur_slot_put(l, i);
        }
    }
    return &l->v[i];
}

static void cur_list_release(struct cur_list *l)
{
    free(l->v);
    free(l->slot);
    memset(l, 0, sizeof(*l));
}

/* Groups keyed by name, in first-seen order. Names are owned. */
struct groups {
    struct aidf_strmap map;
    struct aidf_agg_group *items;
    struct cur_list *curs; /* parallel to items */
    size_t n, cap, ccap;
    /*
     * Names usually come from the store's deduplicated strings, so the same pointer
     * recurs: a small direct-mapped pointer cache skips hashing the text. It is valid
     * only during one aidf_agg_acc_add_many() call (the store may free the strings
     * afterwards), and cleared at its end.
     */
    struct {
        const char *ptr;
        size_t idx;
    } cache[PTR_CACHE];
};

struct file_count {
    const char *path; /* owned by the accumulator (files) or borrowed (scratch lists) */
    size_t len, runs;
};

struct aidf_agg_acc {
    struct aidf_aggregate sums; /* scalar sums only; the arrays stay empty */
    int64_t iterations;
    /* Currencies in first-seen order: owned names, keyed in cur_map, and their figures
     * (cur_sum.cur is the entry's own index). */
    struct aidf_strmap cur_map;
    char **cur_names;
    struct cur_list curs;
    size_t cur_names_cap;
    const char *cur_ptr; /* the last currency pointer seen in this add_many() call */
    size_t cur_idx;
    double phase_sum[AIDF_PHASE_COUNT];
    struct groups tasks, providers, models;
    struct aidf_strmap files_map;
    struct file_count *files;
    size_t nf, capf;
};

/* The index of the group `name`, created when new. */
static size_t group_of(struct groups *g, const char *name)
{
    size_t slot = ((uintptr_t)name >> 3) % PTR_CACHE;
    if (g->cache[slot].ptr == name)
        return g->cache[slot].idx;
    size_t len = strlen(name);
    size_t *v = aidf_strmap_find(&g->map, name, len);
    if (!v) {
        char *own = aidf_xstrndup(name, len);
        v = aidf_strmap_put(&g->map, own, len, NULL);
        g->items = aidf_xgrow(g->items, &g->cap, g->n + 1, sizeof(*g->items));
        g->curs = aidf_xgrow(g->curs, &g->ccap, g->n + 1, sizeof(*g->curs));
        memset(&g->items[g->n], 0, sizeof(g->items[g->n]));
        memset(&g->curs[g->n], 0, sizeof(g->curs[g->n]));
        g->items[g->n].name = own;
        *v = g->n++;
    }
    g->cache[slot].ptr = name;
    g->cache[slot].idx = *v;
    return *v;
}

static void groups_release(struct groups *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->items[i].name);
        cur_list_release(&g->curs[i]);
    }
    free(g->items);
    free(g->curs);
    aidf_strmap_release(&g->map);
    memset(g, 0, sizeof(*g));
}

/*
 * Every sum saturates (satadd.h) and a clamp sets *sat: reports are bounded by the
 * decoder, but an index or report written by an older version or by hand is not, and a
 * wrapped or infinite total must never be shown.
 */
#define ADD_N(acc, v)   (*sat |= aidf_sat_add_i64(&(acc), (v), AIDF_AGG_MAX_COUNT))
#define ADD_MS(acc, v)  (*sat |= aidf_sat_add_f64(&(acc), (v), AIDF_AGG_MAX_MS))
#define ADD_USD(acc, v) (*sat |= aidf_sat_add_f64(&(acc), (v), AIDF_AGG_MAX_USD))

/* Count run `r` in the currency figures `c`: priced or not. */
static void cur_add(struct cur_sum *c, const struct aidf_run_summary *r, bool *sat)
{
    if (r->cost_unpriced || isnan(r->cost)) {
        c->unpriced++;
    } else {
        c->priced++;
        ADD_USD(c->total, r->cost);
    }
}

static void group_add(struct groups *gs, size_t idx, size_t cur, const struct aidf_run_summary *r,
                      bool *sat)
{
    struct aidf_agg_group *g = &gs->items[idx];
    g->runs++;
    g->completed += r->status == AIDF_STATUS_COMPLETED;
    g->blocked += r->status == AIDF_STATUS_BLOCKED;
    g->failed += r->status == AIDF_STATUS_FAILED;
    ADD_N(g->tokens_in, r->tokens_in);
    ADD_N(g->tokens_out, r->tokens_out);
    ADD_N(g->tokens_total, r->tokens_total);
    ADD_N(g->cache_read, r->cache_read);
    ADD_N(g->cache_write, r->cache_write);
    g->unpriced_runs += r->cost_unpriced || isnan(r->cost);
    cur_add(cur_sum_of(&gs->curs[idx], cur), r, sat);
    ADD_MS(g->duration_ms, r->duration_ms);
    ADD_N(g->iterations, r->iterations);
}

static int cmp_group(const void *a, const void *b)
{
    const struct aidf_agg_group *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    if (x->runs != y->runs)
        return x->runs > y->runs ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_money(const void *a, const void *b)
{
    return strcmp(((const struct aidf_agg_money *)a)->currency,
                  ((const struct aidf_agg_money *)b)->currency);
}

/* A name with the index it came from, for sorting. */
struct named {
    const char *name;
    size_t idx;
};

static int cmp_named(const void *a, const void *b)
{
    return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

/* A group with the index of its source, for sorting. */
struct sortable {
    struct aidf_agg_group g;
    size_t src;
};

static int cmp_sortable(const void *a, const void *b)
{
    return cmp_group(&((const struct sortable *)a)->g, &((const struct sortable *)b)->g);
}

/*
 * A sorted copy of the groups, at most `max` (all when 0), with names and currency lists
 * of their own. `head` is the headline currency (an acc->curs index), `rank` maps an
 * acc->curs index to its entry in `money` (the aggregate's sorted currencies).
 */
static struct aidf_agg_group *sorted_groups(const struct groups *g, size_t max, size_t head,
                                            const size_t *rank, const struct aidf_agg_money *money,
                                            size_t *n_out)
{
    struct sortable *v = aidf_xcalloc(g->n ? g->n : 1, sizeof(*v));
    for (size_t i = 0; i < g->n; i++) {
        v[i].g = g->items[i];
        v[i].src = i;
        const struct cur_list *l = &g->curs[i];
        for (size_t k = 0; k < l->n; k++)
            if (l->v[k].cur == head) {
                v[i].g.cost = l->v[k].total;
                v[i].g.priced_runs = l->v[k].priced;
            }
    }
    if (g->n > 1)
        qsort(v, g->n, sizeof(*v), cmp_sortable);
    size_t n = max && g->n > max ? max : g->n;
    struct aidf_agg_group *out = aidf_xcalloc(n ? n : 1, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        out[i] = v[i].g;
        out[i].name = aidf_xstrdup(v[i].g.name);
        const struct cur_list *l = &g->curs[v[i].src];
        out[i].by_currency = aidf_xcalloc(l->n ? l->n : 1, sizeof(*out[i].by_currency));
        out[i].n_by_currency = l->n;
        for (size_t k = 0; k < l->n; k++) {
            out[i].by_currency[k] = (struct aidf_agg_money){
                .currency = money[rank[l->v[k].cur]].currency,
                .total = l->v[k].total,
                .priced_runs = l->v[k].priced,
                .unpriced_runs = l->v[k].unpriced,
            };
        }
        if (l->n > 1)
            qsort(out[i].by_currency, l->n, sizeof(*out[i].by_currency), cmp_money);
    }
    free(v);
    *n_out = n;
    return out;
}

static int cmp_file(const void *a, const void *b)
{
    const struct file_count *x = a, *y = b;
    if (x->runs != y->runs)
        return x->runs > y->runs ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->path, y->path, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Slots of add_files()' pointer cache (a power of two). */
#define FILE_CACHE 1024

struct file_cache {
    const char *ptr;
    size_t idx;
};

/* The index of `path` in acc->files (added when new), through the pointer cache. */
static size_t file_index(struct aidf_agg_acc *acc, struct file_cache *cache, const char *path)
{
    struct file_cache *slot = &cache[((uintptr_t)path >> 3) % FILE_CACHE];
    if (slot->ptr == path)
        return slot->idx;
    size_t len = strlen(path);
    size_t *v = aidf_strmap_find(&acc->files_map, path, len);
    if (!v) {
        char *own = aidf_xstrndup(path, len);
        v = aidf_strmap_put(&acc->files_map, own, len, NULL);
        acc->files = aidf_xgrow(acc->files, &acc->capf, acc->nf + 1, sizeof(*acc->files));
        acc->files[acc->nf] = (struct file_count){own, len, 0};
        *v = acc->nf++;
    }
    slot->ptr = path;
    slot->idx = *v;
    return *v;
}

/* True when list[i] appeared earlier in the list (a file listed twice counts once). */
static bool listed_before(const char *const *list, size_t i, struct aidf_strmap *seen)
{
    if (!seen) {
        for (size_t j = 0; j < i; j++)
            if (list[j] == list[i] || strcmp(list[j], list[i]) == 0)
                return true;
        return false;
    }
    bool added = false;
    aidf_strmap_put(seen, list[i], strlen(list[i]), &added);
    return !added;
}

/*
 * Count the runs that changed each file; a file listed twice in one run counts once.
 * Paths from a store are interned (equal paths share a pointer), so a direct-mapped
 * cache by address finds most of them without hashing their text. It lives only during
 * this call: the store may free the strings afterwards.
 */
static void add_files(struct aidf_agg_acc *acc, const struct aidf_run_summary *const *runs,
                      size_t n, bool reverse)
{
    struct file_cache *cache = aidf_xcalloc(FILE_CACHE, sizeof(*cache));
    struct aidf_strmap seen;
    aidf_strmap_init(&seen);
    for (size_t k = 0; k < n; k++) {
        const char *const *list = runs[reverse ? n - 1 - k : k]->changed_files;
        if (!list)
            continue;
        size_t len = 0;
        while (list[len])
            len++;
        /* Short lists are checked for repeats pairwise, long ones with a set. */
        struct aidf_strmap *set = len > 16 ? &seen : NULL;
        if (set)
            aidf_strmap_reset(set);
        for (size_t i = 0; i < len; i++) {
            if (!*list[i] || listed_before(list, i, set))
                continue;
            size_t idx = file_index(acc, cache, list[i]); /* may move acc->files */
            acc->files[idx].runs++;
        }
    }
    aidf_strmap_release(&seen);
    free(cache);
}

struct aidf_agg_acc *aidf_agg_acc_new(void)
{
    struct aidf_agg_acc *acc = aidf_xcalloc(1, sizeof(*acc));
    acc->sums.first_ts_ms = AIDF_UNSET;
    acc->sums.last_ts_ms = AIDF_UNSET;
    aidf_strmap_init(&acc->tasks.map);
    aidf_strmap_init(&acc->providers.map);
    aidf_strmap_init(&acc->models.map);
    aidf_strmap_init(&acc->files_map);
    aidf_strmap_init(&acc->cur_map);
    return acc;
}

void aidf_agg_acc_free(struct aidf_agg_acc *acc)
{
    if (!acc)
        return;
    groups_release(&acc->tasks);
    groups_release(&acc->providers);
    groups_release(&acc->models);
    for (size_t i = 0; i < acc->nf; i++)
        free((char *)(uintptr_t)acc->files[i].path);
    free(acc->files);
    aidf_strmap_release(&acc->files_map);
    for (size_t i = 0; i < acc->curs.n; i++)
        free(acc->cur_names[i]);
    free(acc->cur_names);
    cur_list_release(&acc->curs);
    aidf_strmap_release(&acc->cur_map);
    free(acc);
}

/* The index of run `r`'s currency in acc->curs, created when new. */
static size_t currency_of(struct aidf_agg_acc *acc, const struct aidf_run_summary *r)
{
    const char *name = r->currency && *r->currency ? r->currency : "USD";
    if (acc->cur_ptr == name)
        return acc->cur_idx;
    size_t len = strlen(name);
    size_t *v = aidf_strmap_find(&acc->cur_map, name, len);
    if (!v) {
        char *own = aidf_xstrndup(name, len);
        v = aidf_strmap_put(&acc->cur_map, own, len, NULL);
        acc->cur_names =
            aidf_xgrow(acc->cur_names, &acc->cur_names_cap, acc->curs.n + 1, sizeof(char *));
        acc->cur_names[acc->curs.n] = own;
        *v = acc->curs.n;
        cur_sum_of(&acc->curs, *v); /* appends entry *v */
    }
    acc->cur_ptr = name;
    acc->cur_idx = *v;
    return *v;
}

void aidf_agg_acc_add_many(struct aidf_agg_acc *acc, const struct aidf_run_summary *const *runs,
                           size_t n, bool reverse)
{
    struct aidf_aggregate *out = &acc->sums;
    bool *sat = &out->saturated;
    for (size_t k = 0; k < n; k++) {
        const struct aidf_run_summary *r = runs[reverse ? n - 1 - k : k];
        out->runs++;
        out->completed += r->status == AIDF_STATUS_COMPLETED;
        out->blocked += r->status == AIDF_STATUS_BLOCKED;
        out->failed += r->status == AIDF_STATUS_FAILED;
        ADD_N(out->tokens_in, r->tokens_in);
        ADD_N(out->tokens_out, r->tokens_out);
        ADD_N(out->tokens_total, r->tokens_total);
        ADD_N(out->cache_read, r->cache_read);
        ADD_N(out->cache_write, r->cache_write);
        ADD_N(out->reasoning, r->reasoning);
        out->estimated_token_runs += r->has_tokens && r->tokens_estimated;
        out->unpriced_runs += r->cost_unpriced || isnan(r->cost);
        size_t cur = currency_of(acc, r);
        cur_add(&acc->curs.v[cur], r, sat);
        ADD_N(acc->iterations, r->iterations);
        ADD_MS(out->total_duration_ms, r->duration_ms);
        ADD_N(out->files_changed, r->files_total);
        ADD_N(out->scope_violations, r->scope_violations);
        ADD_N(out->validation_runs, r->validation_runs);
        ADD_N(out->validation_failures, r->validation_failures);
        if (out->first_ts_ms == AIDF_UNSET || r->ts_ms < out->first_ts_ms)
            out->first_ts_ms = r->ts_ms;
        if (out->last_ts_ms == AIDF_UNSET || r->ts_ms > out->last_ts_ms)
            out->last_ts_ms = r->ts_ms;
        for (int p = 0; p < AIDF_PHASE_COUNT; p++)
            ADD_MS(acc->phase_sum[p], r->phases[p]);
        /* A task is its file's name wherever the file sits (pending/, blocked/, completed/). */
        group_add(&acc->tasks, group_of(&acc->tasks, r->task_name ? r->task_name : ""), cur, r,
                  sat);
        group_add(&acc->providers, group_of(&acc->providers, r->provider ? r->provider : ""), cur,
                  r, sat);
        group_add(&acc->models, group_of(&acc->models, r->model ? r->model : ""), cur, r, sat);
    }
    add_files(acc, runs, n, reverse);
    /* The pointers of this call may be freed by the store from now on. */
    memset(acc->tasks.cache, 0, sizeof(acc->tasks.cache));
    memset(acc->providers.cache, 0, sizeof(acc->providers.cache));
    memset(acc->models.cache, 0, sizeof(acc->models.cache));
    acc->cur_ptr = NULL;
}

size_t aidf_agg_acc_runs(const struct aidf_agg_acc *acc)
{
    return acc->sums.runs;
}

void aidf_agg_acc_result(const struct aidf_agg_acc *acc, struct aidf_aggregate *out)
{
    *out = acc->sums;
    out->providers = out->models = NULL;
    out->success_rate = NAN;

    /* Currencies sorted by name; the headline is the one with the most priced runs, ties
     * going to USD, then to the first by name. */
    size_t nc = acc->curs.n, head = 0;
    size_t *order = aidf_xcalloc(nc ? nc : 1, sizeof(*order));
    size_t *rank = aidf_xcalloc(nc ? nc : 1, sizeof(*rank));
    out->currencies = aidf_xcalloc(nc ? nc : 1, sizeof(*out->currencies));
    out->n_currencies = nc;
    struct named *byname = aidf_xcalloc(nc ? nc : 1, sizeof(*byname));
    for (size_t i = 0; i < nc; i++)
        byname[i] = (struct named){acc->cur_names[i], i};
    if (nc > 1)
        qsort(byname, nc, sizeof(*byname), cmp_named);
    for (size_t k = 0; k < nc; k++)
        order[k] = byname[k].idx;
    free(byname);
    for (size_t k = 0; k < nc; k++) {
        const struct cur_sum *c = &acc->curs.v[order[k]];
        rank[order[k]] = k;
        out->currencies[k] = (struct aidf_agg_money){
            .currency = aidf_xstrdup(acc->cur_names[order[k]]),
            .total = c->total,
            .priced_runs = c->priced,
            .unpriced_runs = c->unpriced,
        };
        const struct cur_sum *h = &acc->curs.v[order[head]];
        if (c->priced > h->priced ||
            (c->priced == h->priced && strcmp(acc->cur_names[order[head]], "USD") != 0 &&
             strcmp(acc->cur_names[order[k]], "USD") == 0))
            head = k; /* position in the sorted list; an earlier name wins other ties */
    }
    out->currency = nc ? out->currencies[head].currency : "USD";
    out->cost_total = nc ? out->currencies[head].total : 0;
    out->priced_runs = nc ? out->currencies[head].priced_runs : 0;
    if (out->runs) {
        out->success_rate = (double)out->completed / (double)out->runs;
        out->avg_iterations = (double)acc->iterations / (double)out->runs;
        out->avg_duration_ms = out->total_duration_ms / (double)out->runs;
    }
    if (out->priced_runs)
        out->avg_cost = out->cost_total / (double)out->priced_runs;
    double phase_total = 0;
    for (int k = 0; k < AIDF_PHASE_COUNT; k++)
        out->saturated |= aidf_sat_add_f64(&phase_total, acc->phase_sum[k], AIDF_AGG_MAX_MS);
    for (int k = 0; k < AIDF_PHASE_COUNT; k++) {
        out->phase_avg_ms[k] = out->runs ? acc->phase_sum[k] / (double)out->runs : 0;
        out->phase_pct[k] = phase_total > 0 ? acc->phase_sum[k] * 100.0 / phase_total : 0;
    }

    size_t nt = 0;
    size_t hc = nc ? order[head] : SIZE_MAX; /* the headline's acc->curs index */
    struct aidf_agg_group *t =
        sorted_groups(&acc->tasks, AIDF_AGG_TOP_TASKS, hc, rank, out->currencies, &nt);
    if (nt > 0)
        memcpy(out->top_tasks, t, nt * sizeof(*t));
    out->n_top_tasks = nt;
    free(t);
    out->providers =
        sorted_groups(&acc->providers, 0, hc, rank, out->currencies, &out->n_providers);
    out->models = sorted_groups(&acc->models, 0, hc, rank, out->currencies, &out->n_models);
    free(order);
    free(rank);

    struct file_count *fc = aidf_xcalloc(acc->nf ? acc->nf : 1, sizeof(*fc));
    if (acc->nf)
        memcpy(fc, acc->files, acc->nf * sizeof(*fc));
    if (acc->nf > 1)
        qsort(fc, acc->nf, sizeof(*fc), cmp_file);
    out->n_top_files = acc->nf < AIDF_AGG_TOP_FILES ? acc->nf : AIDF_AGG_TOP_FILES;
    for (size_t i = 0; i < out->n_top_files; i++) {
        out->top_files[i].path = aidf_xstrndup(fc[i].path, fc[i].len);
        out->top_files[i].runs = fc[i].runs;
    }
    free(fc);
}

void aidf_aggregate_compute(const struct aidf_run_summary *const *runs, size_t n,
                            struct aidf_aggregate *out)
{
    /* Oldest first (the input is newest first): a run appended later extends the sums of
     * an accumulator exactly as recomputing them would. */
    struct aidf_agg_acc *acc = aidf_agg_acc_new();
    aidf_agg_acc_add_many(acc, runs, n, true);
    aidf_agg_acc_result(acc, out);
    aidf_agg_acc_free(acc);
}

static void group_release(struct aidf_agg_group *g)
{
    free(g->name);
    free(g->by_currency);
}

void aidf_aggregate_release(struct aidf_aggregate *a)
{
    for (size_t i = 0; i < a->n_top_tasks; i++)
        group_release(&a->top_tasks[i]);
    for (size_t i = 0; i < a->n_top_files; i++)
        free(a->top_files[i].path);
    for (size_t i = 0; i < a->n_providers; i++)
        group_release(&a->providers[i]);
    for (size_t i = 0; i < a->n_models; i++)
        group_release(&a->models[i]);
    free(a->providers);
    free(a->models);
    for (size_t i = 0; i < a->n_currencies; i++)
        free((char *)(uintptr_t)a->currencies[i].currency);
    free(a->currencies);
    memset(a, 0, sizeof(*a));
    a->first_ts_ms = AIDF_UNSET;
    a->last_ts_ms = AIDF_UNSET;
    a->currency = "USD";
}

static double round_to(double x, double scale)
{
    if (!isfinite(x))
        return 0;
    double r = round(x * scale) / scale;
    return r == 0 ? 0 : r; /* no "-0.0" */
}

static json_t *cost_json(double x)
{
    return json_real(round_to(x, 1e6));
}

static json_t *ms_json(double x)
{
    return json_real(round_to(x, 10));
}

/* A share of runs or of time, as a fraction 0..1 (4 decimals); null when there is nothing to
 * divide (no runs: a dashboard must not draw a false zero). */
static json_t *rate_json(double x)
{
    return isfinite(x) ? json_real(round_to(x, 1e4)) : json_null();
}

static json_t *ts_json(int64_t ms)
{
    if (ms == AIDF_UNSET)
        return json_null();
    char iso[AIDF_ISO_LEN];
    aidf_iso_format(ms, iso);
    return json_string(iso);
}

/* A group's figures per currency: {"EUR": {cost, pricedRuns, unpricedRuns}, ...}. */
static json_t *group_currencies_json(const struct aidf_agg_group *g)
{
    json_t *o = json_object();
    for (size_t i = 0; i < g->n_by_currency; i++) {
        const struct aidf_agg_money *m = &g->by_currency[i];
        json_t *c = json_object();
        json_object_set_new(c, "cost", cost_json(m->total));
        json_object_set_new(c, "pricedRuns", json_integer((json_int_t)m->priced_runs));
        json_object_set_new(c, "unpricedRuns", json_integer((json_int_t)m->unpriced_runs));
        json_object_set_new(o, m->currency, c);
    }
    return o;
}

static json_t *group_json(const struct aidf_agg_group *g, const char *key, bool currencies)
{
    json_t *o = json_object();
    json_object_set_new(o, key, json_string(g->name));
    json_object_set_new(o, "runs", json_integer((json_int_t)g->runs));
    json_object_set_new(o, "completed", json_integer((json_int_t)g->completed));
    json_object_set_new(o, "successRate",
                        rate_json(g->runs ? (double)g->completed / (double)g->runs : 0));
    json_object_set_new(o, "tokens", json_integer(g->tokens_total));
    json_object_set_new(o, "cost", cost_json(g->cost));
    json_object_set_new(o, "unpricedRuns", json_integer((json_int_t)g->unpriced_runs));
    json_object_set_new(o, "avgDurationMs",
                        ms_json(g->runs ? g->duration_ms / (double)g->runs : 0));
    if (currencies)
        json_object_set_new(o, "costByCurrency", group_currencies_json(g));
    return o;
}

json_t *aidf_aggregate_to_json(const struct aidf_aggregate *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "runs", json_integer((json_int_t)a->runs));
    json_object_set_new(o, "completed", json_integer((json_int_t)a->completed));
    json_object_set_new(o, "blocked", json_integer((json_int_t)a->blocked));
    json_object_set_new(o, "failed", json_integer((json_int_t)a->failed));
    json_object_set_new(o, "successRate", rate_json(a->success_rate));

    json_t *tok = json_object();
    json_object_set_new(tok, "input", json_integer(a->tokens_in));
    json_object_set_new(tok, "output", json_integer(a->tokens_out));
    json_object_set_new(tok, "total", json_integer(a->tokens_total));
    int64_t with_cache = a->tokens_total;
    aidf_sat_add_i64(&with_cache, a->cache_read, AIDF_AGG_MAX_COUNT);
    aidf_sat_add_i64(&with_cache, a->cache_write, AIDF_AGG_MAX_COUNT);
    json_object_set_new(tok, "totalWithCache", json_integer(with_cache));
    json_object_set_new(tok, "cacheRead", json_integer(a->cache_read));
    json_object_set_new(tok, "cacheWrite", json_integer(a->cache_write));
    json_object_set_new(tok, "reasoning", json_integer(a->reasoning));
    json_object_set_new(tok, "estimatedRuns", json_integer((json_int_t)a->estimated_token_runs));
    json_object_set_new(o, "tokens", tok);

    json_t *cost = json_object();
    json_object_set_new(cost, "total", cost_json(a->cost_total));
    json_object_set_new(cost, "currency", json_string(a->currency ? a->currency : "USD"));
    json_object_set_new(cost, "pricedRuns", json_integer((json_int_t)a->priced_runs));
    json_object_set_new(cost, "unpricedRuns", json_integer((json_int_t)a->unpriced_runs));
    json_object_set_new(cost, "average", cost_json(a->avg_cost));
    json_object_set_new(o, "cost", cost);
    /* Only with several currencies, so the usual output keeps its shape. */
    bool several = a->n_currencies > 1;
    if (several) {
        json_t *bc = json_object();
        for (size_t i = 0; i < a->n_currencies; i++) {
            const struct aidf_agg_money *m = &a->currencies[i];
            json_t *c = json_object();
            json_object_set_new(c, "total", cost_json(m->total));
            json_object_set_new(c, "pricedRuns", json_integer((json_int_t)m->priced_runs));
            json_object_set_new(c, "unpricedRuns", json_integer((json_int_t)m->unpriced_runs));
            json_object_set_new(c, "average",
                                cost_json(m->priced_runs ? m->total / (double)m->priced_runs : 0));
            json_object_set_new(bc, m->currency, c);
        }
        json_object_set_new(o, "costByCurrency", bc);
    }

    json_t *avg = json_object();
    json_object_set_new(avg, "iterations", rate_json(a->avg_iterations));
    json_object_set_new(avg, "durationMs", ms_json(a->avg_duration_ms));
    json_object_set_new(o, "averages", avg);

    json_t *tot = json_object();
    json_object_set_new(tot, "durationMs", ms_json(a->total_duration_ms));
    json_object_set_new(tot, "filesChanged", json_integer(a->files_changed));
    json_object_set_new(tot, "scopeViolations", json_integer(a->scope_violations));
    json_object_set_new(tot, "validationRuns", json_integer(a->validation_runs));
    json_object_set_new(tot, "validationFailures", json_integer(a->validation_failures));
    json_object_set_new(o, "totals", tot);

    json_t *period = json_object();
    json_object_set_new(period, "first", ts_json(a->first_ts_ms));
    json_object_set_new(period, "last", ts_json(a->last_ts_ms));
    json_object_set_new(o, "period", period);

    json_t *ph = json_object();
    bool any_phase = false;
    for (int k = 0; k < AIDF_PHASE_COUNT; k++)
        any_phase = any_phase || a->phase_pct[k] > 0;
    for (int k = 0; k < AIDF_PHASE_COUNT; k++) {
        json_t *p = json_object();
        json_object_set_new(p, "avgMs", ms_json(a->phase_avg_ms[k]));
        json_object_set_new(p, "share", rate_json(any_phase ? a->phase_pct[k] / 100.0 : NAN));
        json_object_set_new(ph, aidf_phase_key((enum aidf_phase)k), p);
    }
    json_object_set_new(o, "phases", ph);

    json_t *tt = json_array();
    for (size_t i = 0; i < a->n_top_tasks; i++) {
        const struct aidf_agg_group *g = &a->top_tasks[i];
        json_t *t = json_object();
        json_object_set_new(t, "task", json_string(g->name));
        json_object_set_new(t, "runs", json_integer((json_int_t)g->runs));
        json_object_set_new(t, "cost", cost_json(g->cost));
        json_object_set_new(t, "tokens", json_integer(g->tokens_total));
        if (several)
            json_object_set_new(t, "costByCurrency", group_currencies_json(g));
        json_array_append_new(tt, t);
    }
    json_object_set_new(o, "topTasks", tt);

    json_t *tf = json_array();
    for (size_t i = 0; i < a->n_top_files; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "path", json_string(a->top_files[i].path));
        json_object_set_new(f, "runs", json_integer((json_int_t)a->top_files[i].runs));
        json_array_append_new(tf, f);
    }
    json_object_set_new(o, "topFiles", tf);

    json_t *bp = json_array();
    for (size_t i = 0; i < a->n_providers; i++)
        json_array_append_new(bp, group_json(&a->providers[i], "provider", several));
    json_object_set_new(o, "byProvider", bp);
    json_t *bm = json_array();
    for (size_t i = 0; i < a->n_models; i++)
        json_array_append_new(bm, group_json(&a->models[i], "model", several));
    json_object_set_new(o, "byModel", bm);
    /* Only when it matters, so the usual output keeps its shape. */
    if (a->saturated)
        json_object_set_new(o, "saturated", json_true());
    return o;
}
