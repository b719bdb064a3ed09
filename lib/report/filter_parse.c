/*
 * Run filters from text. See include/aidf/filter_parse.h.
 */
#include "aidf/filter_parse.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/report.h"
#include "aidf/tags.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

const char *const aidf_filter_names[AIDF_FILTER_NAMES] = {
    "since",   "until", "status", "task", "provider", "model",
    "project", "actor", "branch", "tag",  "ci",       "receivedSince"};

/* Indexes into aidf_filter_names. */
enum {
    F_SINCE,
    F_UNTIL,
    F_STATUS,
    F_TASK,
    F_PROVIDER,
    F_MODEL,
    F_PROJECT,
    F_ACTOR,
    F_BRANCH,
    F_TAG,
    F_CI,
    F_RECEIVED_SINCE,
};

static int filter_index(const char *name)
{
    for (int i = 0; i < AIDF_FILTER_NAMES; i++)
        if (strcmp(name, aidf_filter_names[i]) == 0)
            return i;
    return -1;
}

/* The value list of a multi-valued text filter, or NULL for the others. */
static struct aidf_strlist *list_of(struct aidf_filter *f, int idx)
{
    switch (idx) {
    case F_TASK:
        return &f->task;
    case F_PROVIDER:
        return &f->provider;
    case F_MODEL:
        return &f->model;
    case F_PROJECT:
        return &f->project;
    case F_ACTOR:
        return &f->actor;
    case F_BRANCH:
        return &f->branch;
    case F_TAG:
        return &f->tag;
    default:
        return NULL;
    }
}

/* "--received-since" for the CLI (prefix "--"), "receivedSince" for the server. */
static void label(char *out, size_t outlen, const char *prefix, const char *name)
{
    size_t o = (size_t)snprintf(out, outlen, "%s", prefix);
    for (; *name && o + 2 < outlen; name++) {
        if (*prefix && isupper((unsigned char)*name)) {
            out[o++] = '-';
            out[o++] = (char)tolower((unsigned char)*name);
        } else {
            out[o++] = *name;
        }
    }
    out[o < outlen ? o : outlen - 1] = '\0';
}

static int set_date(struct aidf_filter *f, int idx, const char *who, const char *value,
                    int64_t now_ms, struct aidf_error *err)
{
    int64_t *slot = idx == F_SINCE   ? &f->since_ms
                    : idx == F_UNTIL ? &f->until_ms
                                     : &f->received_since_ms;
    int64_t unset = idx == F_UNTIL ? INT64_MAX : INT64_MIN;
    if (*slot != unset)
        return aidf_fail(err, AIDF_EINVAL, "%s given more than once (it takes one date)", who);
    int64_t t;
    if (aidf_parse_when(value, now_ms, idx == F_UNTIL, &t) != AIDF_OK)
        return aidf_fail(err, AIDF_EINVAL,
                         "invalid %s '%.64s' (expected YYYY-MM-DD, an ISO timestamp or an age "
                         "such as 30m, 24h, 7d, 2w, 3mo, 1y; units: %s)",
                         who, value, aidf_when_units_help);
    *slot = t;
    return AIDF_OK;
}

/*
 * One tag item in its stored form: "key=value", or "key" for any value. `sep` is the
 * first ':' or '=' of the item (keys have neither).
 */
static int tag_item(const char *item, const char *who, struct aidf_buf *out, struct aidf_error *err)
{
    size_t kl = strcspn(item, ":=");
    const char *value = item[kl] ? item + kl + 1 : NULL;
    char key[AIDF_TAG_KEY_MAX + 1];
    bool key_ok = kl > 0 && kl <= AIDF_TAG_KEY_MAX;
    if (key_ok) {
        memcpy(key, item, kl);
        key[kl] = '\0';
        key_ok = aidf_tag_key_valid(key);
    }
    if (!key_ok)
        return aidf_fail(err, AIDF_EINVAL,
                         "invalid %s '%.64s' (expected key:value, key:* or key; a key is 1 to "
                         "64 characters of letters, digits, '_', '.' and '-')",
                         who, item);
    aidf_buf_addstr(out, key);
    if (!value || strcmp(value, "*") == 0)
        return AIDF_OK;
    const char *why = aidf_tag_value_problem(value);
    if (why)
        return aidf_fail(err, AIDF_EINVAL, "invalid %s '%.64s': the value %s", who, item, why);
    aidf_buf_addch(out, '=');
    aidf_buf_addstr(out, value);
    return AIDF_OK;
}

/*
 * Check and normalise one item of a multi-valued filter: a bit into `*mask` (status,
 * ci) or a string into `out` (the others).
 */
static int parse_item(int idx, const char *item, const char *who, unsigned *mask,
                      struct aidf_buf *out, struct aidf_error *err)
{
    switch (idx) {
    case F_STATUS: {
        enum aidf_status st = aidf_status_parse(item);
        if (st == AIDF_STATUS_UNKNOWN)
            return aidf_fail(err, AIDF_EINVAL,
                             "invalid %s '%.64s' (expected completed, blocked or failed)", who,
                             item);
        *mask |= 1u << (unsigned)st;
        return AIDF_OK;
    }
    case F_CI:
        if (strcmp(item, "true") == 0)
            *mask |= 2u;
        else if (strcmp(item, "false") == 0)
            *mask |= 1u;
        else
            return aidf_fail(err, AIDF_EINVAL, "invalid %s '%.64s' (expected true or false)", who,
                             item);
        return AIDF_OK;
    case F_TAG:
        return tag_item(item, who, out, err);
    default:
        aidf_buf_addstr(out, item);
        return AIDF_OK;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int set_multi(struct aidf_filter *f, int idx, const char *who, const char *value,
                     struct aidf_error *err)
{
    struct aidf_strlist *list = list_of(f, idx);
    struct aidf_strlist add = {0};
    struct aidf_buf item = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct aidf_buf norm = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    unsigned mask = 0;
    int rc = AIDF_OK;
    for (const char *p = value;;) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n > 0 && (*p == ' ' || *p == '\t'))
            p++, n--;
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        aidf_buf_reset(&item);
        aidf_buf_add(&item, p, n);
        if (n == 0) {
            rc = aidf_fail(err, AIDF_EINVAL, "invalid %s '%.64s' (an empty value)", who, value);
            break;
        }
        aidf_buf_reset(&norm);
        rc = parse_item(idx, item.ptr, who, &mask, &norm, err);
        if (rc != AIDF_OK)
            break;
        if (list && !aidf_strlist_has(list, norm.ptr) && !aidf_strlist_has(&add, norm.ptr))
            aidf_strlist_add(&add, norm.ptr);
        if (!comma)
            break;
        p = comma + 1;
    }
    if (rc == AIDF_OK && list && list->n + add.n > AIDF_FILTER_MAX_VALUES)
        rc = aidf_fail(err, AIDF_EINVAL, "too many values for %s (at most %d)", who,
                       AIDF_FILTER_MAX_VALUES);
    else if (rc == AIDF_OK && f->n_values + add.n > AIDF_FILTER_MAX_TOTAL)
        rc = aidf_fail(err, AIDF_EINVAL, "too many filter values (at most %d in all)",
                       AIDF_FILTER_MAX_TOTAL);
    if (rc == AIDF_OK && list) {
        for (size_t i = 0; i < add.n; i++)
            aidf_strlist_add(list, add.items[i]);
        f->n_values += add.n;
        qsort(list->items, list->n, sizeof(*list->items), cmp_str);
    } else if (rc == AIDF_OK) {
        unsigned *slot = idx == F_STATUS ? &f->status_mask : &f->ci_mask;
        *slot |= mask;
    }
    aidf_strlist_release(&add);
    aidf_buf_release(&item);
    aidf_buf_release(&norm);
    return rc;
}

int aidf_filter_set(struct aidf_filter *f, const char *name, const char *value, const char *prefix,
                    int64_t now_ms, struct aidf_error *err)
{
    int idx = name ? filter_index(name) : -1;
    if (idx < 0)
        return AIDF_ENOTFOUND;
    char who[48];
    label(who, sizeof(who), prefix ? prefix : "", name);
    if (!value || !*value)
        return aidf_fail(err, AIDF_EINVAL, "%s needs a value", who);
    if (idx == F_SINCE || idx == F_UNTIL || idx == F_RECEIVED_SINCE)
        return set_date(f, idx, who, value, now_ms, err);
    return set_multi(f, idx, who, value, err);
}

static void key_list(struct aidf_buf *out, const char *name, const struct aidf_strlist *l)
{
    aidf_buf_addf(out, "%s=%zu:", name, l->n);
    for (size_t i = 0; i < l->n; i++)
        aidf_buf_addf(out, "%zu:%s,", strlen(l->items[i]), l->items[i]);
    aidf_buf_addch(out, ';');
}

void aidf_filter_key(const struct aidf_filter *f, struct aidf_buf *out)
{
    aidf_buf_addf(out, "since=%lld;until=%lld;receivedSince=%lld;status=%u;ci=%u;",
                  (long long)f->since_ms, (long long)f->until_ms, (long long)f->received_since_ms,
                  f->status_mask, f->ci_mask);
    key_list(out, "task", &f->task);
    key_list(out, "provider", &f->provider);
    key_list(out, "model", &f->model);
    key_list(out, "project", &f->project);
    key_list(out, "actor", &f->actor);
    key_list(out, "branch", &f->branch);
    key_list(out, "tag", &f->tag);
}
