/*
 * Cost rates.
 *
 * A rate table maps model-name keys to rates in USD per million tokens. Lookup picks
 * the longest key that is a prefix of the model id (case-insensitive), so
 * "gpt-4o-mini-2024-07-18" prices as "gpt-4o-mini", never as "gpt-4o"; when no key
 * is a prefix, the longest key contained anywhere in the id wins (the plan's substring
 * rule, e.g. "claude-sonnet" in "us.anthropic.claude-sonnet-4"). Config entries
 * override built-in ones with the same key. With no model match the provider-type
 * default applies; with none of those the run is "unpriced" (never a silent $0).
 *
 * Ownership: the table owns its keys; aidf_rate_table_release() frees them.
 */
#ifndef AIDF_COST_H
#define AIDF_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/err.h"
#include "aidf/containers.h"

/* The date the built-in prices were checked against the vendors' price pages. */
#define AIDF_RATES_CHECKED "2026-08-21"

struct aidf_rate_table {
    size_t n, cap;
    struct aidf_rate_entry {
        char *key;
        struct aidf_rates rates;
        bool builtin;
    } * items;
};

/** Initialise an empty table (no built-ins). */
void aidf_rate_table_init(struct aidf_rate_table *t);
/** Initialise a table holding the built-in current prices. */
void aidf_rate_table_init_builtin(struct aidf_rate_table *t);
void aidf_rate_table_release(struct aidf_rate_table *t);

/**
 * Validate rates: input and output must be finite and > 0; cache rates NaN (unknown)
 * or finite and > 0. AIDF_OK or AIDF_EINVAL with a message naming `key` and the field
 * (snake_case as in config.yml, e.g. "cost.rates.gpt-4o.input_per_1m").
 */
int aidf_rates_validate(const char *key, const struct aidf_rates *r, struct aidf_error *err);

/** Add or replace `key` (validated first). AIDF_OK or AIDF_EINVAL. */
int aidf_rate_table_set(struct aidf_rate_table *t, const char *key, const struct aidf_rates *r,
                        struct aidf_error *err);

/**
 * Find rates for `model` (may be NULL) run by `provider_type` (may be NULL).
 * Returns the matched entry (borrowed) or NULL when unpriced. `*matched_key`
 * (optional) receives the key that matched.
 */
const struct aidf_rates *aidf_rate_lookup(const struct aidf_rate_table *t, const char *model,
                                          const char *provider_type, const char **matched_key);

/** Token counts of one call or one run. Input excludes cache tokens. */
struct aidf_token_counts {
    int64_t input, output, cache_read, cache_write;
};

/**
 * Cost in USD of `c` at rates `r`. Cache reads/writes without a cache rate fall back
 * to 0.1x / 1.25x the input rate (Anthropic's multipliers).
 */
double aidf_cost_compute(const struct aidf_rates *r, const struct aidf_token_counts *c);

#endif
