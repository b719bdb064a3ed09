#include "aidf/cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aidf/report.h"
#include "aidf/xalloc.h"

/* Prefix of the keys that hold provider-type defaults; never matched against model ids. */
#define PROVIDER_PREFIX     "provider:"
#define PROVIDER_PREFIX_LEN (sizeof(PROVIDER_PREFIX) - 1)

/*
 * Built-in prices, USD per 1M tokens, from the vendors' price pages
 * (checked AIDF_RATES_CHECKED). Anthropic cache writes are the 5-minute rate (1.25x input);
 * OpenAI lists only a cached-input (read) rate, so cache writes stay NaN there.
 */
static const struct builtin_rate {
    const char *key;
    double in, out, cache_write, cache_read;
} builtin_rates[] = {
    /* Anthropic, exact families. */
    {"claude-opus-4-5", 5, 25, 6.25, 0.50},
    {"claude-opus-4-6", 5, 25, 6.25, 0.50},
    {"claude-opus-4-7", 5, 25, 6.25, 0.50},
    {"claude-opus-4-8", 5, 25, 6.25, 0.50},
    {"claude-opus-4-1", 15, 75, 18.75, 1.50},
    {"claude-opus-4", 15, 75, 18.75, 1.50},
    {"claude-3-opus", 15, 75, 18.75, 1.50},
    {"claude-sonnet-4", 3, 15, 3.75, 0.30},
    {"claude-sonnet-4-5", 3, 15, 3.75, 0.30},
    {"claude-sonnet-4-6", 3, 15, 3.75, 0.30},
    {"claude-haiku-4-5", 1, 5, 1.25, 0.10},
    {"claude-3-5-haiku", 0.80, 4, 1, 0.08},
    {"claude-3-haiku", 0.25, 1.25, 0.30, 0.03},
    /* Anthropic family aliases (current generation) and Claude Code's model aliases. */
    {"claude-opus", 5, 25, 6.25, 0.50},
    {"claude-sonnet", 3, 15, 3.75, 0.30},
    {"claude-haiku", 1, 5, 1.25, 0.10},
    {"opus", 5, 25, 6.25, 0.50},
    {"sonnet", 3, 15, 3.75, 0.30},
    {"haiku", 1, 5, 1.25, 0.10},
    /* OpenAI. */
    {"gpt-4o", 2.50, 10, NAN, 1.25},
    {"gpt-4o-mini", 0.15, 0.60, NAN, 0.075},
    {"gpt-4.1", 2, 8, NAN, 0.50},
    {"gpt-4.1-mini", 0.40, 1.60, NAN, 0.10},
    {"gpt-4.1-nano", 0.10, 0.40, NAN, 0.025},
    {"o3", 2, 8, NAN, 0.50},
    {"o4-mini", 1.10, 4.40, NAN, 0.275},
    {"gpt-5", 1.25, 10, NAN, 0.125},
    {"gpt-5.1", 1.25, 10, NAN, 0.125},
    {"gpt-5-mini", 0.25, 2, NAN, 0.025},
    {"gpt-5-nano", 0.05, 0.40, NAN, 0.005},
    {"gpt-5.2", 1.75, 14, NAN, 0.175},
    {"gpt-5.4", 2.50, 15, NAN, 0.25},
    {"gpt-5.5", 5, 30, NAN, 0.50},
    {"gpt-5.6", 5, 30, 6.25, 0.50},
    /* No built-in provider-type defaults: a model the table does not know is unpriced,
     * never priced at some other model's rate. A team that wants a default sets
     * cost.rates."provider:<type>" itself. */
};

void aidf_rate_table_init(struct aidf_rate_table *t)
{
    t->n = 0;
    t->cap = 0;
    t->items = NULL;
}

void aidf_rate_table_init_builtin(struct aidf_rate_table *t)
{
    size_t n = sizeof(builtin_rates) / sizeof(builtin_rates[0]);
    aidf_rate_table_init(t);
    t->items = aidf_xgrow(t->items, &t->cap, n, sizeof(*t->items));
    for (size_t i = 0; i < n; i++) {
        const struct builtin_rate *b = &builtin_rates[i];
        struct aidf_rate_entry *e = &t->items[t->n++];
        e->key = aidf_xstrdup(b->key);
        e->rates.input_per_1m = b->in;
        e->rates.output_per_1m = b->out;
        e->rates.cache_read_per_1m = b->cache_read;
        e->rates.cache_write_per_1m = b->cache_write;
        e->builtin = true;
    }
}

void aidf_rate_table_release(struct aidf_rate_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->items[i].key);
    free(t->items);
    aidf_rate_table_init(t);
}

static int check_rate(const char *key, const char *field, double v, bool optional,
                      struct aidf_error *err)
{
    if (optional && isnan(v))
        return AIDF_OK;
    if (!isfinite(v))
        return aidf_fail(err, AIDF_EINVAL, "cost.rates.%s.%s: expected a finite number", key,
                         field);
    if (v <= 0)
        return aidf_fail(err, AIDF_EINVAL, "cost.rates.%s.%s: must be greater than 0, got %g", key,
                         field, v);
    return AIDF_OK;
}

int aidf_rates_validate(const char *key, const struct aidf_rates *r, struct aidf_error *err)
{
    if (!key || !*key)
        return aidf_fail(err, AIDF_EINVAL, "cost.rates: empty model key");
    if (!r)
        return aidf_fail(err, AIDF_EINVAL, "cost.rates.%s: missing rates", key);
    int rc = check_rate(key, "input_per_1m", r->input_per_1m, false, err);
    if (rc == AIDF_OK)
        rc = check_rate(key, "output_per_1m", r->output_per_1m, false, err);
    if (rc == AIDF_OK)
        rc = check_rate(key, "cache_read_per_1m", r->cache_read_per_1m, true, err);
    if (rc == AIDF_OK)
        rc = check_rate(key, "cache_write_per_1m", r->cache_write_per_1m, true, err);
    return rc;
}

int aidf_rate_table_set(struct aidf_rate_table *t, const char *key, const struct aidf_rates *r,
                        struct aidf_error *err)
{
    if (!t)
        return aidf_fail(err, AIDF_EINVAL, "cost.rates: no table");
    int rc = aidf_rates_validate(key, r, err);
    if (rc != AIDF_OK)
        return rc;
    for (size_t i = 0; i < t->n; i++) {
        if (strcasecmp(t->items[i].key, key) == 0) {
            t->items[i].rates = *r;
            t->items[i].builtin = false;
            return AIDF_OK;
        }
    }
    t->items = aidf_xgrow(t->items, &t->cap, t->n + 1, sizeof(*t->items));
    struct aidf_rate_entry *e = &t->items[t->n++];
    e->key = aidf_xstrdup(key);
    e->rates = *r;
    e->builtin = false;
    return AIDF_OK;
}

static bool is_provider_key(const char *key)
{
    return strncasecmp(key, PROVIDER_PREFIX, PROVIDER_PREFIX_LEN) == 0;
}

const struct aidf_rates *aidf_rate_lookup(const struct aidf_rate_table *t, const char *model,
                                          const char *provider_type, const char **matched_key)
{
    const struct aidf_rate_entry *best = NULL;
    size_t best_len = 0;

    if (!t)
        return NULL;
    if (model && *model) {
        size_t mlen = strlen(model);
        /* Longest key that is a prefix of the model id. */
        for (size_t i = 0; i < t->n; i++) {
            const struct aidf_rate_entry *e = &t->items[i];
            size_t klen = strlen(e->key);
            if (klen == 0 || klen > mlen || klen <= best_len || is_provider_key(e->key))
                continue;
            if (strncasecmp(model, e->key, klen) == 0) {
                best = e;
                best_len = klen;
            }
        }
        /* Otherwise the longest key found anywhere in it. */
        if (!best) {
            for (size_t i = 0; i < t->n; i++) {
                const struct aidf_rate_entry *e = &t->items[i];
                size_t klen = strlen(e->key);
                if (klen == 0 || klen > mlen || klen <= best_len || is_provider_key(e->key))
                    continue;
                if (strcasestr(model, e->key)) {
                    best = e;
                    best_len = klen;
                }
            }
        }
    }
    if (!best && provider_type && *provider_type) {
        for (size_t i = 0; i < t->n; i++) {
            const struct aidf_rate_entry *e = &t->items[i];
            if (is_provider_key(e->key) &&
                strcasecmp(e->key + PROVIDER_PREFIX_LEN, provider_type) == 0) {
                best = e;
                break;
            }
        }
    }
    if (!best)
        return NULL;
    if (matched_key)
        *matched_key = best->key;
    return &best->rates;
}

static double count_of(int64_t v)
{
    return (v == AIDF_UNSET || v < 0) ? 0.0 : (double)v;
}

double aidf_cost_compute(const struct aidf_rates *r, const struct aidf_token_counts *c)
{
    if (!r || !c)
        return NAN;
    double read = isnan(r->cache_read_per_1m) ? r->input_per_1m * 0.1 : r->cache_read_per_1m;
    double write = isnan(r->cache_write_per_1m) ? r->input_per_1m * 1.25 : r->cache_write_per_1m;
    return (count_of(c->input) * r->input_per_1m + count_of(c->output) * r->output_per_1m +
            count_of(c->cache_read) * read + count_of(c->cache_write) * write) /
           1e6;
}
