/*
 * Decoding and validation of execution reports (JSON → struct aidf_report).
 *
 * Known keys are found with one hash lookup each; the object's keys are walked only
 * when it holds more keys than the known ones found, i.e. when there are unknown
 * fields to keep in `extra`. The field path for error messages is a chain of stack
 * frames, rendered only when something fails.
 */
#include "report_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/tags.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

/* One step of the path to the value being decoded: `.key` or `[idx]`. */
struct frame {
    const struct frame *up;
    const char *key; /* NULL for an array item */
    size_t idx;
};

#define AT(base, off, type) ((type *)(void *)((char *)(base) + (off)))

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "value";
}

static void render_path(const struct frame *f, char *out, size_t outlen)
{
    const struct frame *chain[AIDF_REPORT_MAX_DEPTH + 8];
    size_t n = 0;
    for (; f && n < sizeof(chain) / sizeof(chain[0]); f = f->up)
        chain[n++] = f;
    size_t len = 0;
    out[0] = '\0';
    while (n-- > 0 && len < outlen) {
        const struct frame *c = chain[n];
        int w;
        if (c->key)
            w = snprintf(out + len, outlen - len, "%s%s", len ? "." : "", c->key);
        else
            w = snprintf(out + len, outlen - len, "[%zu]", c->idx);
        if (w < 0)
            break;
        len += (size_t)w;
    }
    if (!out[0])
        snprintf(out, outlen, "(top level)");
}

static int fail(struct aidf_error *err, const struct frame *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct aidf_error *err, const struct frame *f, const char *fmt, ...)
{
    if (!err)
        return AIDF_EINVAL;
    char path[200], what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    render_path(f, path, sizeof(path));
    return aidf_fail(err, AIDF_EINVAL, "%s: %s", path, what);
}

/* Reject containers nested deeper than the limit; `depth` is the depth of `v`. */
static int check_depth(struct aidf_error *err, const struct frame *f, const json_t *v, int depth)
{
    if (!json_is_object(v) && !json_is_array(v))
        return AIDF_OK;
    if (depth > AIDF_REPORT_MAX_DEPTH)
        return fail(err, f, "nesting deeper than %d levels", AIDF_REPORT_MAX_DEPTH);
    if (json_is_object(v)) {
        const char *k;
        const json_t *c;
        json_object_foreach((json_t *)(uintptr_t)v, k, c)
        {
            struct frame cf = {f, k, 0};
            int rc = check_depth(err, &cf, c, depth + 1);
            if (rc)
                return rc;
        }
    } else {
        for (size_t i = 0; i < json_array_size(v); i++) {
            struct frame cf = {f, NULL, i};
            int rc = check_depth(err, &cf, json_array_get(v, i), depth + 1);
            if (rc)
                return rc;
        }
    }
    return AIDF_OK;
}

static int get_string(struct aidf_error *err, const struct frame *f, const json_t *v, char **out)
{
    if (!json_is_string(v))
        return fail(err, f, "expected a string, got %s", type_name(v));
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (memchr(s, '\0', len))
        return fail(err, f, "string contains a NUL character");
    char *p = aidf_xmalloc(len + 1);
    memcpy(p, s, len + 1);
    *out = p;
    return AIDF_OK;
}

static int get_int(struct aidf_error *err, const struct frame *f, const json_t *v, bool nonneg,
                   int64_t *out)
{
    const char *what = nonneg ? "a non-negative integer" : "an integer";
    int64_t x;
    if (json_is_integer(v)) {
        x = (int64_t)json_integer_value(v);
        if (nonneg && x < 0)
            return fail(err, f, "expected %s, got %lld", what, (long long)x);
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        /* A real with an integral value (e.g. 3.0) is accepted as that integer. */
        if (d != floor(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
            (nonneg && d < 0))
            return fail(err, f, "expected %s, got %.17g", what, d);
        x = (int64_t)d;
    } else {
        return fail(err, f, "expected %s, got %s", what, type_name(v));
    }
    if (x == AIDF_UNSET)
        return fail(err, f, "integer out of range");
    *out = x;
    return AIDF_OK;
}

static int get_number(struct aidf_error *err, const struct frame *f, const json_t *v, double *out)
{
    if (!json_is_number(v))
        return fail(err, f, "expected a non-negative number, got %s", type_name(v));
    double d = json_number_value(v);
    if (!(d >= 0) || !isfinite(d))
        return fail(err, f, "expected a non-negative number, got %.17g", d);
    *out = d;
    return AIDF_OK;
}

static int dec_strlist(struct aidf_error *err, const struct frame *f, const json_t *v,
                       struct aidf_strlist *l)
{
    if (!json_is_array(v))
        return fail(err, f, "expected an array of strings, got %s", type_name(v));
    size_t n = json_array_size(v);
    if (n) {
        l->items = aidf_xcalloc(n, sizeof(*l->items));
        l->cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        struct frame cf = {f, NULL, i};
        int rc = get_string(err, &cf, json_array_get(v, i), &l->items[i]);
        if (rc)
            return rc;
        l->n = i + 1;
    }
    return AIDF_OK;
}

static int dec_nummap(struct aidf_error *err, const struct frame *f, const json_t *v,
                      struct aidf_num_map *m)
{
    if (!json_is_object(v))
        return fail(err, f, "expected an object of numbers, got %s", type_name(v));
    size_t n = json_object_size(v);
    if (n) {
        m->items = aidf_xcalloc(n, sizeof(*m->items));
        m->cap = n;
    }
    const char *k;
    const json_t *c;
    /* Keys of a parsed object are unique, so entries are appended without a lookup. */
    json_object_foreach((json_t *)(uintptr_t)v, k, c)
    {
        if (json_is_null(c))
            continue;
        struct frame cf = {f, k, 0};
        double d;
        int rc = get_number(err, &cf, c, &d);
        if (rc)
            return rc;
        aidf_num_map_append(m, k, strlen(k), d);
    }
    return AIDF_OK;
}

/* Run tags: an object of strings under the rules of aidf/tags.h (so the index and every
 * grouping by tag stay bounded). */
static int dec_tags(struct aidf_error *err, const struct frame *f, const json_t *v,
                    struct aidf_kvlist *tags)
{
    if (!json_is_object(v))
        return fail(err, f, "expected an object of strings, got %s", type_name(v));
    const char *k;
    const json_t *c;
    json_object_foreach((json_t *)(uintptr_t)v, k, c)
    {
        struct frame cf = {f, k, 0};
        if (!json_is_string(c))
            return fail(err, &cf, "expected a string, got %s", type_name(c));
        if (memchr(json_string_value(c), '\0', json_string_length(c)))
            return fail(err, &cf, "string contains a NUL character");
        struct aidf_error terr;
        if (aidf_tags_set(tags, k, json_string_value(c), "tags", &terr) != AIDF_OK)
            return fail(err, &cf, "%s", terr.msg + strlen("tags: "));
    }
    return AIDF_OK;
}

static int dec_block(struct aidf_error *err, const struct rf_block *b, const json_t *obj,
                     void *base, const struct frame *fr, int depth, json_t **extra);

static int dec_array(struct aidf_error *err, const struct rf_field *fd, const json_t *v, void *base,
                     const struct frame *f, int depth, json_t **extra)
{
    if (!json_is_array(v))
        return fail(err, f, "expected an array, got %s", type_name(v));
    const struct rf_block *ib = fd->sub;
    size_t n = json_array_size(v);
    char *items = NULL;
    if (n) {
        items = aidf_xcalloc(n, ib->item_size);
        for (size_t i = 0; i < n; i++)
            aidf_rf_init(ib, items + i * ib->item_size);
    }
    /* Owned by the report from here on, so a failure below is released with it. */
    *AT(base, fd->off, char *) = items;
    *AT(base, fd->flag, size_t) = n;

    json_t *xarr = NULL;
    for (size_t i = 0; i < n; i++) {
        struct frame cf = {f, NULL, i};
        const json_t *item = json_array_get(v, i);
        if (!json_is_object(item)) {
            if (xarr)
                json_decref(xarr);
            return fail(err, &cf, "expected an object, got %s", type_name(item));
        }
        json_t *ix = NULL;
        int rc = dec_block(err, ib, item, items + i * ib->item_size, &cf, depth + 1, &ix);
        if (rc) {
            if (xarr)
                json_decref(xarr);
            return rc;
        }
        if (ix && !xarr) {
            /* First item with unknown fields: earlier items get {} placeholders. */
            xarr = json_array();
            for (size_t k = 0; k < i; k++)
                json_array_append_new(xarr, json_object());
        }
        if (xarr)
            json_array_append_new(xarr, ix ? ix : json_object());
    }
    *extra = xarr;
    return AIDF_OK;
}

static int dec_field(struct aidf_error *err, const struct rf_field *fd, const json_t *v, void *base,
                     const struct frame *f, int depth, json_t **extra)
{
    int rc;
    switch ((enum rf_type)fd->type) {
    case RF_STR:
        return get_string(err, f, v, AT(base, fd->off, char *));
    case RF_TIME: {
        int64_t ms;
        if (!json_is_string(v))
            return fail(err, f, "expected a string, got %s", type_name(v));
        if (aidf_iso_parse(json_string_value(v), &ms))
            return fail(err, f, "not an ISO 8601 date-time");
        return get_string(err, f, v, AT(base, fd->off, char *));
    }
    case RF_RUNID:
        if (!json_is_string(v))
            return fail(err, f, "expected a string, got %s", type_name(v));
        if (!aidf_run_id_valid(json_string_value(v)))
            return fail(err, f, "not a canonical UUID (8-4-4-4-12 hex digits)");
        return get_string(err, f, v, AT(base, fd->off, char *));
    case RF_STATUS: {
        if (!json_is_string(v))
            return fail(err, f, "expected a string, got %s", type_name(v));
        enum aidf_status s = aidf_status_parse(json_string_value(v));
        if (s == AIDF_STATUS_UNKNOWN)
            return fail(err, f, "expected one of completed, blocked, failed");
        *AT(base, fd->off, enum aidf_status) = s;
        return AIDF_OK;
    }
    case RF_COUNT:
        return get_int(err, f, v, true, AT(base, fd->off, int64_t));
    case RF_INT:
        return get_int(err, f, v, false, AT(base, fd->off, int64_t));
    case RF_MS:
    case RF_MONEY:
        return get_number(err, f, v, AT(base, fd->off, double));
    case RF_TRI:
        if (!json_is_boolean(v))
            return fail(err, f, "expected a boolean, got %s", type_name(v));
        *AT(base, fd->off, int) = json_is_true(v) ? 1 : 0;
        return AIDF_OK;
    case RF_STRLIST:
        return dec_strlist(err, f, v, AT(base, fd->off, struct aidf_strlist));
    case RF_TAGS:
        return dec_tags(err, f, v, AT(base, fd->off, struct aidf_kvlist));
    case RF_NUMMAP:
        rc = dec_nummap(err, f, v, AT(base, fd->off, struct aidf_num_map));
        if (!rc && fd->flag != RF_NOFLAG)
            *AT(base, fd->flag, bool) = true;
        return rc;
    case RF_ERROR:
        /* Older reports (and the TypeScript original) carry the error as a string. */
        if (json_is_string(v))
            return get_string(err, f, v, AT(base, fd->sub->fields[0].off, char *));
        if (!json_is_object(v))
            return fail(err, f, "expected an object or a string, got %s", type_name(v));
        return dec_block(err, fd->sub, v, base, f, depth + 1, extra);
    case RF_OBJ:
        if (!json_is_object(v))
            return fail(err, f, "expected an object, got %s", type_name(v));
        if (fd->flag != RF_NOFLAG)
            *AT(base, fd->flag, bool) = true;
        return dec_block(err, fd->sub, v, base, f, depth + 1, extra);
    case RF_ARRAY:
        return dec_array(err, fd, v, base, f, depth + 1, extra);
    }
    return AIDF_EINTERNAL;
}

/* Decode the known keys of `obj` (at `depth`) and collect its unknown ones into *extra. */
static int dec_block(struct aidf_error *err, const struct rf_block *b, const json_t *obj,
                     void *base, const struct frame *fr, int depth, json_t **extra)
{
    json_t *x = NULL;
    size_t found = 0;
    int rc = AIDF_OK;
    for (size_t i = 0; i < b->n; i++) {
        const struct rf_field *fd = &b->fields[i];
        const json_t *v = json_object_get(obj, fd->key);
        struct frame f = {fr, fd->key, 0};
        if (v)
            found++;
        if (!v || json_is_null(v)) {
            if (fd->required) {
                rc = fail(err, &f, "missing required field");
                goto out;
            }
            continue;
        }
        json_t *sub = NULL;
        rc = dec_field(err, fd, v, base, &f, depth, &sub);
        if (rc)
            goto out;
        if (sub) {
            if (!x)
                x = json_object();
            json_object_set_new(x, fd->key, sub);
        }
    }
    if (json_object_size(obj) > found) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)(uintptr_t)obj, k, v)
        {
            if (aidf_rf_known(b, k))
                continue;
            struct frame f = {fr, k, 0};
            rc = check_depth(err, &f, v, depth + 1);
            if (rc)
                goto out;
            if (!x)
                x = json_object();
            /* A copy, so later changes to the caller's tree do not reach the report. */
            json_object_set_new(x, k, json_deep_copy(v));
        }
    }
out:
    if (rc) {
        if (x)
            json_decref(x);
        return rc;
    }
    *extra = x;
    return AIDF_OK;
}

int aidf_report_from_json(const json_t *root, struct aidf_report *out, struct aidf_error *err)
{
    aidf_report_release(out);
    if (!root || !json_is_object(root))
        return aidf_fail(err, AIDF_EINVAL, "(top level): expected an object, got %s",
                         root ? type_name(root) : "nothing");
    json_t *extra = NULL;
    int rc = dec_block(err, &aidf_rf_report, root, out, NULL, 1, &extra);
    if (rc) {
        aidf_report_release(out);
        return rc;
    }
    /* "estimatedTotal": null says the run could not be priced. */
    const json_t *cost = json_object_get(root, "cost");
    if (out->cost.present && out->cost.unpriced < 0 &&
        json_is_null(json_object_get(cost, "estimatedTotal")))
        out->cost.unpriced = 1;
    out->extra = extra;
    return AIDF_OK;
}

int aidf_report_parse(const char *data, size_t len, struct aidf_report *out, struct aidf_error *err)
{
    aidf_report_release(out);
    if (len > AIDF_REPORT_MAX_BYTES)
        return aidf_fail(err, AIDF_ETOOBIG, "report is %zu bytes, over the limit of %u", len,
                         (unsigned)AIDF_REPORT_MAX_BYTES);
    json_error_t je;
    json_t *root = json_loadb(data ? data : "", len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return aidf_fail_at(err, AIDF_EINVAL, je.line, je.column, "line %d, column %d: %s", je.line,
                            je.column, je.text);
    int rc = aidf_report_from_json(root, out, err);
    json_decref(root);
    return rc;
}
