/*
 * Time series of run summaries (see include/aidf/stats.h).
 *
 * A run's group is a tuple of small integers: the id of its period key, the id of each
 * `by` value (0 for a missing one) and the id of its currency. Values are interned once
 * per distinct string (a small pointer cache in front of each table skips hashing the
 * store's deduplicated strings), and the period of a run is found from the previous run's
 * period bounds when it falls inside them, so a run costs a few comparisons and one
 * hash lookup of its tuple, and no allocation.
 */
#include "aidf/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/aggregate.h"
#include "aidf/csv.h"
#include "aidf/satadd.h"
#include "aidf/strmap.h"
#include "aidf/timeutil.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

/* ---- the query ------------------------------------------------------------------------ */

static const char *const dim_names[] = {"model",  "provider", "project",  "actor",
                                        "status", "taskName", "taskType", "branch"};
#define N_FIXED_DIMS (sizeof(dim_names) / sizeof(dim_names[0]))

void aidf_stats_query_init(struct aidf_stats_query *q, const struct aidf_tz *tz)
{
    memset(q, 0, sizeof(*q));
    q->interval = AIDF_INTERVAL_DAY;
    q->tz = tz;
}

/* One key of a `by` list (`len` bytes at `s`) into `k`. */
static int parse_key(const char *s, size_t len, const char *prefix, struct aidf_stats_key *k,
                     struct aidf_error *err)
{
    for (size_t i = 0; i < N_FIXED_DIMS; i++)
        if (strlen(dim_names[i]) == len && memcmp(s, dim_names[i], len) == 0) {
            k->dim = (enum aidf_stats_dim)i;
            memcpy(k->name, s, len);
            k->name[len] = '\0';
            return AIDF_OK;
        }
    if (len > 4 && memcmp(s, "tag:", 4) == 0 && len - 4 <= AIDF_TAG_KEY_MAX) {
        char key[AIDF_TAG_KEY_MAX + 1];
        memcpy(key, s + 4, len - 4);
        key[len - 4] = '\0';
        if (aidf_tag_key_valid(key)) {
            k->dim = AIDF_STATS_TAG;
            memcpy(k->name, s, len);
            k->name[len] = '\0';
            return AIDF_OK;
        }
        return aidf_fail(err, AIDF_EINVAL,
                         "invalid %sby key '%.80s' (a tag key is 1 to %d characters of "
                         "A-Z a-z 0-9 _ . -)",
                         prefix, s, AIDF_TAG_KEY_MAX);
    }
    if (len == 8 && memcmp(s, "currency", 8) == 0)
        return aidf_fail(err, AIDF_EINVAL,
                         "invalid %sby key 'currency' (rows are always split by currency)", prefix);
    return aidf_fail(err, AIDF_EINVAL,
                     "unknown %sby key '%.*s' (expected model, provider, project, actor, status, "
                     "taskName, taskType, branch or tag:<key>)",
                     prefix, (int)(len > 64 ? 64 : len), s);
}

int aidf_stats_add_by(struct aidf_stats_query *q, const char *list, const char *prefix,
                      struct aidf_error *err)
{
    struct aidf_stats_key keys[AIDF_STATS_MAX_BY];
    size_t n = q->n_by;
    memcpy(keys, q->by, sizeof(keys));
    const char *p = list ? list : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *s = p;
        p += len + (end ? 1 : 0);
        while (len > 0 && (*s == ' ' || *s == '\t'))
            s++, len--;
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == 0)
            continue;
        if (n >= AIDF_STATS_MAX_BY)
            return aidf_fail(err, AIDF_EINVAL, "too many %sby keys (at most %d)", prefix,
                             AIDF_STATS_MAX_BY);
        struct aidf_stats_key k;
        int rc = parse_key(s, len, prefix, &k, err);
        if (rc != AIDF_OK)
            return rc;
        for (size_t i = 0; i < n; i++)
            if (strcmp(keys[i].name, k.name) == 0)
                return aidf_fail(err, AIDF_EINVAL, "%sby key '%s' given more than once", prefix,
                                 k.name);
        keys[n++] = k;
    }
    memcpy(q->by, keys, sizeof(keys));
    q->n_by = n;
    return AIDF_OK;
}

/* ---- interning -------------------------------------------------------------------------- */

#define PTR_CACHE 64

/* Distinct values of one column, ids from 1 (0 is "no value"). Values are owned copies. */
struct values {
    struct aidf_strmap map;
    char **items; /* items[id - 1] */
    size_t n, cap;
    struct {
        const char *ptr;
        size_t len;
        uint32_t id;
    } cache[PTR_CACHE];
};

static uint32_t value_id(struct values *v, const char *s, size_t len)
{
    size_t slot = (((uintptr_t)s >> 3) ^ len) % PTR_CACHE;
    if (v->cache[slot].ptr == s && v->cache[slot].len == len)
        return v->cache[slot].id;
    size_t *id = aidf_strmap_find(&v->map, s, len);
    if (!id) {
        char *own = aidf_xstrndup(s, len);
        id = aidf_strmap_put(&v->map, own, len, NULL);
        v->items = aidf_xgrow(v->items, &v->cap, v->n + 1, sizeof(*v->items));
        v->items[v->n++] = own;
        *id = v->n;
    }
    v->cache[slot].ptr = s;
    v->cache[slot].len = len;
    v->cache[slot].id = (uint32_t)*id;
    return (uint32_t)*id;
}

/* A NUL-terminated string, "" being no value. */
static uint32_t str_id(struct values *v, const char *s)
{
    return s && *s ? value_id(v, s, strlen(s)) : 0;
}

/* The value of key `k` of run `r`. */
static uint32_t dim_id(struct values *v, const struct aidf_stats_key *k,
                       const struct aidf_run_summary *r)
{
    switch (k->dim) {
    case AIDF_STATS_MODEL:
        return str_id(v, r->model);
    case AIDF_STATS_PROVIDER:
        return str_id(v, r->provider);
    case AIDF_STATS_PROJECT:
        return str_id(v, r->project);
    case AIDF_STATS_ACTOR:
        return str_id(v, r->actor);
    case AIDF_STATS_STATUS:
        return r->status == AIDF_STATUS_UNKNOWN ? 0 : str_id(v, aidf_status_name(r->status));
    case AIDF_STATS_TASK_NAME:
        return str_id(v, r->task_name);
    case AIDF_STATS_TASK_TYPE:
        return str_id(v, r->task_type);
    case AIDF_STATS_BRANCH:
        return str_id(v, r->branch);
    case AIDF_STATS_TAG: {
        size_t len = 0;
        const char *val = aidf_run_summary_tag(r, k->name + 4, &len);
        /* A tag present with an empty value is "" (a value), not null. */
        return val ? value_id(v, val, len) : 0;
    }
    }
    return 0;
}

/* Free the table; its strings have moved to the result (take_strings()). */
static void values_release(struct values *v)
{
    free(v->items);
    aidf_strmap_release(&v->map);
}

/* ---- periods ------------------------------------------------------------------------------ */

/*
 * The period of the previous run: [lo, hi) in epoch ms, inside which every instant has the
 * same period key (the zone's offset is constant there and the local period is the same).
 */
struct period_cache {
    bool valid;
    int64_t lo, hi;
    uint32_t id;
};

static int64_t sat_mul1000(int64_t s)
{
    if (s >= INT64_MAX / 1000)
        return INT64_MAX;
    if (s <= INT64_MIN / 1000)
        return INT64_MIN;
    return s * 1000;
}

/* The local period [*lo, *hi) (local seconds) holding local second `local`. */
static void local_bounds(enum aidf_interval iv, int64_t local, int64_t *lo, int64_t *hi)
{
    int64_t days = aidf_floor_div(local, 86400);
    switch (iv) {
    case AIDF_INTERVAL_HOUR:
        *lo = aidf_floor_div(local, 3600) * 3600;
        *hi = *lo + 3600;
        return;
    case AIDF_INTERVAL_DAY:
        *lo = days * 86400;
        *hi = *lo + 86400;
        return;
    case AIDF_INTERVAL_WEEK: {
        int64_t monday = days - (days + 3 - aidf_floor_div(days + 3, 7) * 7); /* Mon = 0 */
        *lo = monday * 86400;
        *hi = *lo + 7 * 86400;
        return;
    }
    case AIDF_INTERVAL_MONTH: {
        int y, m, d;
        aidf_civil_from_days(days, &y, &m, &d);
        *lo = aidf_days_from_civil(y, m, 1) * 86400;
        *hi = (m == 12 ? aidf_days_from_civil((int64_t)y + 1, 1, 1)
                       : aidf_days_from_civil(y, m + 1, 1)) *
              86400;
        return;
    }
    case AIDF_INTERVAL_NONE:
        break;
    }
    *lo = INT64_MIN;
    *hi = INT64_MAX;
}

static uint32_t period_id(const struct aidf_stats_query *q, struct period_cache *pc,
                          struct values *periods, int64_t ms)
{
    if (pc->valid && ms >= pc->lo && ms < pc->hi)
        return pc->id;
    char key[AIDF_PERIOD_MAX];
    size_t len = aidf_period_key(q->interval, q->tz, ms, key);
    pc->id = value_id(periods, key, len);
    /* The span over which this key holds: the local period, while the offset stays. */
    int64_t t = aidf_floor_div(ms, 1000), from, until, lo = INT64_MIN, hi = INT64_MAX;
    int32_t off = aidf_tz_offset_span(q->tz, t, &from, &until);
    if (q->interval != AIDF_INTERVAL_NONE) {
        local_bounds(q->interval, t + off, &lo, &hi);
        lo -= off;
        hi -= off;
    }
    lo = lo > from ? lo : from;
    hi = hi < until ? hi : until;
    pc->lo = sat_mul1000(lo);
    pc->hi = sat_mul1000(hi);
    /* The key of `key` is a stack buffer: the cache entry of value_id() must not outlive it. */
    memset(periods->cache, 0, sizeof(periods->cache));
    pc->valid = ms >= pc->lo && ms < pc->hi;
    return pc->id;
}

/* ---- groups ------------------------------------------------------------------------------- */

#define CHUNK_WORDS 4096
#define PREFETCH    16 /* runs ahead */
#define GROUP_CACHE 256
#define MAX_WORDS   (AIDF_STATS_MAX_BY + 2)

/* Storage for group tuples that never moves (the map borrows its keys). */
struct chunk {
    struct chunk *next;
    size_t used;
    uint32_t w[CHUNK_WORDS];
};

struct ctx {
    const struct aidf_stats_query *q;
    size_t k; /* words per tuple: period, the by keys, currency */
    struct values periods, currencies, by[AIDF_STATS_MAX_BY];
    struct period_cache pc;
    struct aidf_strmap groups;
    struct chunk *chunks;
    const uint32_t **tuples; /* per group */
    struct aidf_stats_row *sums;
    size_t n, cap, tcap;
    bool saturated;
    struct {
        const uint32_t *tuple;
        size_t g;
    } cache[GROUP_CACHE];
};

static uint32_t *tuple_store(struct ctx *c, const uint32_t *t)
{
    if (!c->chunks || c->chunks->used + c->k > CHUNK_WORDS) {
        struct chunk *ch = aidf_xmalloc(sizeof(*ch));
        ch->next = c->chunks;
        ch->used = 0;
        c->chunks = ch;
    }
    uint32_t *dst = c->chunks->w + c->chunks->used;
    c->chunks->used += c->k;
    memcpy(dst, t, c->k * sizeof(*t));
    return dst;
}

static size_t group_of(struct ctx *c, const uint32_t *t)
{
    size_t bytes = c->k * sizeof(*t);
    /* A direct-mapped cache in front of the map: a few groups take turns run after run (one
     * per model of the day), and a multiply hash of the ids is cheaper than SipHash. The ids
     * are ours, not a client's, and a collision only costs a map lookup. */
    uint64_t h = 0;
    for (size_t i = 0; i < c->k; i++)
        h = (h + t[i]) * 0x9e3779b97f4a7c15ULL;
    size_t slot = (size_t)(h >> 56) % GROUP_CACHE;
    if (c->cache[slot].tuple && memcmp(c->cache[slot].tuple, t, bytes) == 0)
        return c->cache[slot].g;
    bool added = false;
    size_t *v = aidf_strmap_find(&c->groups, (const char *)t, bytes);
    if (v) {
        c->cache[slot].tuple = c->tuples[*v];
        c->cache[slot].g = *v;
        return *v;
    }
    const uint32_t *own = tuple_store(c, t);
    v = aidf_strmap_put(&c->groups, (const char *)own, bytes, &added);
    c->tuples = aidf_xgrow(c->tuples, &c->tcap, c->n + 1, sizeof(*c->tuples));
    c->sums = aidf_xgrow(c->sums, &c->cap, c->n + 1, sizeof(*c->sums));
    memset(&c->sums[c->n], 0, sizeof(c->sums[c->n]));
    c->tuples[c->n] = own;
    c->cache[slot].tuple = own;
    c->cache[slot].g = c->n;
    *v = c->n++;
    return *v;
}

#define ADD_N(acc, v)   (c->saturated |= aidf_sat_add_i64(&(acc), (v), AIDF_AGG_MAX_COUNT))
#define ADD_MS(acc, v)  (c->saturated |= aidf_sat_add_f64(&(acc), (v), AIDF_AGG_MAX_MS))
#define ADD_CUR(acc, v) (c->saturated |= aidf_sat_add_f64(&(acc), (v), AIDF_AGG_MAX_USD))

static void add_run(struct ctx *c, struct aidf_stats_row *g, const struct aidf_run_summary *r)
{
    g->runs++;
    g->completed += r->status == AIDF_STATUS_COMPLETED;
    g->blocked += r->status == AIDF_STATUS_BLOCKED;
    g->failed += r->status == AIDF_STATUS_FAILED;
    ADD_N(g->tokens_in, r->tokens_in);
    ADD_N(g->tokens_out, r->tokens_out);
    ADD_N(g->tokens_total, r->tokens_total);
    ADD_N(g->cache_read, r->cache_read);
    ADD_N(g->cache_write, r->cache_write);
    if (r->cost_unpriced || isnan(r->cost))
        g->unpriced_runs++;
    else
        ADD_CUR(g->cost, r->cost);
    ADD_MS(g->duration_ms, r->duration_ms);
}

/* ---- sorting -------------------------------------------------------------------------------- */

struct by_text {
    char **items;
    uint32_t id;
};

static int cmp_text(const void *a, const void *b)
{
    const struct by_text *x = a, *y = b;
    return strcmp(x->items[x->id - 1], y->items[y->id - 1]);
}

/* rank[id] for the ids 0..n of a column: values in bytewise order, no value (0) last. */
static uint32_t *ranks_of(const struct values *v)
{
    uint32_t *rank = aidf_xcalloc(v->n + 1, sizeof(*rank));
    struct by_text *t = aidf_xcalloc(v->n ? v->n : 1, sizeof(*t));
    for (size_t i = 0; i < v->n; i++)
        t[i] = (struct by_text){v->items, (uint32_t)(i + 1)};
    if (v->n > 1)
        qsort(t, v->n, sizeof(*t), cmp_text);
    for (size_t i = 0; i < v->n; i++)
        rank[t[i].id] = (uint32_t)i;
    rank[0] = UINT32_MAX;
    free(t);
    return rank;
}

struct sort_ent {
    const uint32_t *ranks; /* k words */
    size_t k, idx;
};

static int cmp_ent(const void *a, const void *b)
{
    const struct sort_ent *x = a, *y = b;
    for (size_t i = 0; i < x->k; i++)
        if (x->ranks[i] != y->ranks[i])
            return x->ranks[i] < y->ranks[i] ? -1 : 1;
    return 0;
}

/* ---- compute -------------------------------------------------------------------------------- */

struct aidf_stats_strings {
    size_t n;
    char **items;
};

/* Move the strings of `v` to `s`. */
static void take_strings(struct aidf_stats_strings *s, struct values *v, size_t *at)
{
    for (size_t i = 0; i < v->n; i++)
        s->items[(*at)++] = v->items[i];
}

void aidf_stats_compute(const struct aidf_stats_query *q,
                        const struct aidf_run_summary *const *runs, size_t n,
                        struct aidf_stats *out)
{
    struct ctx c;
    memset(&c, 0, sizeof(c));
    c.q = q;
    c.k = q->n_by + 2;
    aidf_strmap_init(&c.groups);
    uint32_t t[MAX_WORDS], last[MAX_WORDS];
    size_t last_g = SIZE_MAX;

    for (size_t i = 0; i < n; i++) {
        const struct aidf_run_summary *r = runs[n - 1 - i];
        if (i + PREFETCH < n) {
            /* The summaries lie where the store put them, not in list order: fetch the
             * lines this loop reads a few runs ahead, or most of the time goes to waiting. */
            const char *ahead = (const char *)runs[n - 1 - i - PREFETCH];
            for (size_t off = 0; off < sizeof(*r); off += 64)
                __builtin_prefetch(ahead + off);
        }
        t[0] = period_id(q, &c.pc, &c.periods, r->ts_ms);
        for (size_t b = 0; b < q->n_by; b++)
            t[1 + b] = dim_id(&c.by[b], &q->by[b], r);
        t[c.k - 1] = str_id(&c.currencies, r->currency && *r->currency ? r->currency : "USD");
        /* Consecutive runs often share a group. */
        if (last_g == SIZE_MAX || memcmp(t, last, c.k * sizeof(*t)) != 0) {
            last_g = group_of(&c, t);
            memcpy(last, t, c.k * sizeof(*t));
        }
        add_run(&c, &c.sums[last_g], r);
    }

    /* Sort by the ranks of each column's values. */
    uint32_t *ranks[MAX_WORDS];
    ranks[0] = ranks_of(&c.periods);
    for (size_t b = 0; b < q->n_by; b++)
        ranks[1 + b] = ranks_of(&c.by[b]);
    ranks[c.k - 1] = ranks_of(&c.currencies);
    uint32_t *rank_words = aidf_xcalloc(c.n ? c.n * c.k : 1, sizeof(*rank_words));
    struct sort_ent *ents = aidf_xcalloc(c.n ? c.n : 1, sizeof(*ents));
    for (size_t g = 0; g < c.n; g++) {
        for (size_t w = 0; w < c.k; w++)
            rank_words[g * c.k + w] = ranks[w][c.tuples[g][w]];
        ents[g] = (struct sort_ent){rank_words + g * c.k, c.k, g};
    }
    if (c.n > 1)
        qsort(ents, c.n, sizeof(*ents), cmp_ent);

    memset(out, 0, sizeof(*out));
    out->q = *q;
    out->saturated = c.saturated;
    out->n_rows = c.n;
    out->rows = aidf_xcalloc(c.n ? c.n : 1, sizeof(*out->rows));
    for (size_t i = 0; i < c.n; i++) {
        size_t g = ents[i].idx;
        const uint32_t *tp = c.tuples[g];
        struct aidf_stats_row *row = &out->rows[i];
        *row = c.sums[g];
        row->period = c.periods.items[tp[0] - 1];
        for (size_t b = 0; b < q->n_by; b++)
            row->keys[b] = tp[1 + b] ? c.by[b].items[tp[1 + b] - 1] : NULL;
        row->currency = c.currencies.items[tp[c.k - 1] - 1];
        row->tokens_with_cache = row->tokens_total;
        aidf_sat_add_i64(&row->tokens_with_cache, row->cache_read, AIDF_AGG_MAX_COUNT);
        aidf_sat_add_i64(&row->tokens_with_cache, row->cache_write, AIDF_AGG_MAX_COUNT);
    }

    /* The strings now belong to the result. */
    struct aidf_stats_strings *s = aidf_xcalloc(1, sizeof(*s));
    size_t total = c.periods.n + c.currencies.n, at = 0;
    for (size_t b = 0; b < q->n_by; b++)
        total += c.by[b].n;
    s->items = aidf_xcalloc(total ? total : 1, sizeof(*s->items));
    take_strings(s, &c.periods, &at);
    take_strings(s, &c.currencies, &at);
    for (size_t b = 0; b < q->n_by; b++)
        take_strings(s, &c.by[b], &at);
    s->n = at;
    out->strings = s;

    for (size_t w = 0; w < c.k; w++)
        free(ranks[w]);
    free(rank_words);
    free(ents);
    values_release(&c.periods);
    values_release(&c.currencies);
    for (size_t b = 0; b < q->n_by; b++)
        values_release(&c.by[b]);
    while (c.chunks) {
        struct chunk *next = c.chunks->next;
        free(c.chunks);
        c.chunks = next;
    }
    aidf_strmap_release(&c.groups);
    free(c.tuples);
    free(c.sums);
}

void aidf_stats_release(struct aidf_stats *st)
{
    if (st->strings) {
        for (size_t i = 0; i < st->strings->n; i++)
            free(st->strings->items[i]);
        free(st->strings->items);
        free(st->strings);
    }
    free(st->rows);
    memset(st, 0, sizeof(*st));
}

/* ---- JSON ------------------------------------------------------------------------------------ */

/* True for the code points a terminal must not receive raw: C1 controls and bidi controls. */
static bool escape_cp(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

/* A JSON string: the usual escapes, plus DEL, C1 and bidi controls as \uXXXX; a byte that
 * is not well-formed UTF-8 becomes U+FFFD. */
static void put_str(struct aidf_buf *out, const char *s)
{
    aidf_buf_addch(out, '"');
    const char *run = s;
    while (*s) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') {
            s++;
            continue;
        }
        uint32_t cp = ch;
        size_t n = 1;
        if (ch >= 0x80) {
            n = aidf_utf8_decode(s, strlen(s), &cp);
            if (n > 0 && !escape_cp(cp)) {
                s += n;
                continue;
            }
        }
        aidf_buf_add(out, run, (size_t)(s - run));
        if (ch == '"' || ch == '\\')
            aidf_buf_addf(out, "\\%c", ch);
        else if (ch == '\n')
            aidf_buf_addstr(out, "\\n");
        else if (ch == '\t')
            aidf_buf_addstr(out, "\\t");
        else if (ch == '\r')
            aidf_buf_addstr(out, "\\r");
        else if (n == 0)
            aidf_buf_addstr(out, "\\ufffd");
        else
            aidf_buf_addf(out, "\\u%04x", (unsigned)cp);
        s += n ? n : 1;
        run = s;
    }
    aidf_buf_add(out, run, (size_t)(s - run));
    aidf_buf_addch(out, '"');
}

static void put_str_or_null(struct aidf_buf *out, const char *s)
{
    if (s)
        put_str(out, s);
    else
        aidf_buf_addstr(out, "null");
}

/* A real rounded to `decimals` places, trailing zeros dropped, at least one decimal ("0.0"). */
static void put_real(struct aidf_buf *out, double x, int decimals)
{
    char tmp[64];
    if (!isfinite(x))
        x = 0;
    int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, x);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        aidf_buf_addstr(out, "0.0");
        return;
    }
    while (n > 2 && tmp[n - 1] == '0' && tmp[n - 2] != '.')
        tmp[--n] = '\0';
    /* No "-0.0": a sum rounds to zero from below only through an input out of bounds. */
    if (strcmp(tmp, "-0.0") == 0)
        aidf_buf_addstr(out, "0.0");
    else
        aidf_buf_add(out, tmp, (size_t)n);
}

static void put_row(struct aidf_buf *out, const struct aidf_stats *st,
                    const struct aidf_stats_row *r)
{
    aidf_buf_addch(out, '{');
    if (st->q.interval != AIDF_INTERVAL_NONE) {
        aidf_buf_addstr(out, "\"period\":");
        put_str(out, r->period);
        aidf_buf_addch(out, ',');
    }
    for (size_t b = 0; b < st->q.n_by; b++) {
        put_str(out, st->q.by[b].name);
        aidf_buf_addch(out, ':');
        put_str_or_null(out, r->keys[b]);
        aidf_buf_addch(out, ',');
    }
    aidf_buf_addstr(out, "\"currency\":");
    put_str(out, r->currency);
    aidf_buf_addf(out,
                  ",\"runs\":%lld,\"completed\":%lld,\"blocked\":%lld,\"failed\":%lld,"
                  "\"tokens\":{\"input\":%lld,\"output\":%lld,\"cacheRead\":%lld,"
                  "\"cacheWrite\":%lld,\"total\":%lld,\"totalWithCache\":%lld},\"cost\":",
                  (long long)r->runs, (long long)r->completed, (long long)r->blocked,
                  (long long)r->failed, (long long)r->tokens_in, (long long)r->tokens_out,
                  (long long)r->cache_read, (long long)r->cache_write, (long long)r->tokens_total,
                  (long long)r->tokens_with_cache);
    put_real(out, r->cost, 6);
    aidf_buf_addf(out, ",\"unpricedRuns\":%lld,\"durationMs\":", (long long)r->unpriced_runs);
    put_real(out, r->duration_ms, 1);
    aidf_buf_addch(out, '}');
}

void aidf_stats_json(const struct aidf_stats *st, struct aidf_buf *out)
{
    aidf_buf_addstr(out, "{\"interval\":");
    put_str(out, aidf_interval_name(st->q.interval));
    aidf_buf_addstr(out, ",\"by\":[");
    for (size_t b = 0; b < st->q.n_by; b++) {
        if (b)
            aidf_buf_addch(out, ',');
        put_str(out, st->q.by[b].name);
    }
    aidf_buf_addstr(out, "],\"tz\":");
    put_str(out, st->q.tz ? aidf_tz_name(st->q.tz) : "UTC");
    if (st->saturated)
        aidf_buf_addstr(out, ",\"saturated\":true");
    aidf_buf_addstr(out, ",\"rows\":[");
    for (size_t i = 0; i < st->n_rows; i++) {
        aidf_buf_addstr(out, i ? ",\n" : "\n");
        put_row(out, st, &st->rows[i]);
    }
    aidf_buf_addstr(out, st->n_rows ? "\n]}\n" : "]}\n");
}

/* ---- CSV ------------------------------------------------------------------------------------- */

#define CRLF "\r\n"

static void csv_real(struct aidf_buf *out, double x, int decimals)
{
    struct aidf_buf tmp = AIDF_BUF_INIT(64);
    put_real(&tmp, x, decimals);
    aidf_buf_add(out, tmp.ptr, tmp.len);
    aidf_buf_release(&tmp);
}

void aidf_stats_csv(const struct aidf_stats *st, struct aidf_buf *out)
{
    bool period = st->q.interval != AIDF_INTERVAL_NONE;
    if (period)
        aidf_buf_addstr(out, "period,");
    for (size_t b = 0; b < st->q.n_by; b++) {
        aidf_csv_text(out, st->q.by[b].name);
        aidf_buf_addch(out, ',');
    }
    aidf_buf_addstr(out, "currency,runs,completed,blocked,failed,input_tokens,output_tokens,"
                         "cache_read_tokens,cache_write_tokens,total_tokens,"
                         "total_with_cache_tokens,cost,unpriced_runs,duration_ms" CRLF);
    for (size_t i = 0; i < st->n_rows; i++) {
        const struct aidf_stats_row *r = &st->rows[i];
        if (period) {
            aidf_csv_text(out, r->period);
            aidf_buf_addch(out, ',');
        }
        for (size_t b = 0; b < st->q.n_by; b++) {
            aidf_csv_text(out, r->keys[b]);
            aidf_buf_addch(out, ',');
        }
        aidf_csv_text(out, r->currency);
        aidf_buf_addf(out, ",%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,",
                      (long long)r->runs, (long long)r->completed, (long long)r->blocked,
                      (long long)r->failed, (long long)r->tokens_in, (long long)r->tokens_out,
                      (long long)r->cache_read, (long long)r->cache_write,
                      (long long)r->tokens_total, (long long)r->tokens_with_cache);
        csv_real(out, r->cost, 6);
        aidf_buf_addf(out, ",%lld,", (long long)r->unpriced_runs);
        csv_real(out, r->duration_ms, 1);
        aidf_buf_addstr(out, CRLF);
    }
}
