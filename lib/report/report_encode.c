/*
 * Encoding of execution reports (struct aidf_report → JSON), with the unknown fields
 * kept in `extra` merged back in. Keys come out in the order of the shape tables.
 */
#include "report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

#define AT(base, off, type) ((type const *)(const void *)((const char *)(base) + (off)))

/* Real numbers in dumped text: 15 significant digits print 0.1 as "0.1", and every
 * value rounded to 3 or 6 decimals reads back as the same double. */
#define DUMP_FLAGS (JSON_REAL_PRECISION(15))

/*
 * A JSON string for `s`. Bytes that are not UTF-8 (a file name or task goal read from
 * a non-UTF-8 source) become U+FFFD rather than losing the whole field.
 */
static json_t *enc_string(const char *s)
{
    json_t *v = json_string(s);
    if (v)
        return v;
    char *clean = aidf_utf8_sanitize(s, strlen(s));
    v = json_string(clean);
    free(clean);
    return v ? v : json_string("");
}

/*
 * A number rounded to `scale` (1e3 for ms, 1e6 for money), written as a JSON integer
 * when its value is integral. NULL for NaN (absent) and infinities.
 */
static json_t *enc_number(double d, double scale)
{
    if (!isfinite(d))
        return NULL;
    if (fabs(d) < 1e15)
        d = round(d * scale) / scale;
    if (d == floor(d) && fabs(d) < 9007199254740992.0)
        return json_integer((json_int_t)d);
    return json_real(d);
}

static json_t *enc_strlist(const struct aidf_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, enc_string(l->items[i] ? l->items[i] : ""));
    return a;
}

static json_t *enc_nummap(const struct aidf_num_map *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->n; i++) {
        json_t *v = enc_number(m->items[i].value, 1e3);
        if (v && m->items[i].name)
            json_object_set_new(o, m->items[i].name, v);
        else if (v)
            json_decref(v);
    }
    return o;
}

static void enc_block(const struct rf_block *b, const void *base, json_t *obj, const json_t *extra);

static json_t *enc_array(const struct rf_field *fd, const void *base, const json_t *xarr)
{
    const char *items = *AT(base, fd->off, char *);
    size_t n = *AT(base, fd->flag, size_t);
    json_t *a = json_array();
    for (size_t i = 0; items && i < n; i++) {
        json_t *o = json_object();
        enc_block(fd->sub, items + i * fd->sub->item_size, o, json_array_get(xarr, i));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *enc_field(const struct rf_field *fd, const void *base, const json_t *extra)
{
    switch ((enum rf_type)fd->type) {
    case RF_STR:
    case RF_TIME:
    case RF_RUNID: {
        const char *s = *AT(base, fd->off, char *);
        return s ? enc_string(s) : NULL;
    }
    case RF_STATUS: {
        enum aidf_status s = *AT(base, fd->off, enum aidf_status);
        return s == AIDF_STATUS_UNKNOWN ? NULL : json_string(aidf_status_name(s));
    }
    case RF_COUNT:
    case RF_INT: {
        int64_t x = *AT(base, fd->off, int64_t);
        return x == AIDF_UNSET ? NULL : json_integer((json_int_t)x);
    }
    case RF_MS:
        return enc_number(*AT(base, fd->off, double), 1e3);
    case RF_MONEY:
        return enc_number(*AT(base, fd->off, double), 1e6);
    case RF_TRI: {
        int t = *AT(base, fd->off, int);
        return t < 0 ? NULL : json_boolean(t);
    }
    case RF_STRLIST:
        return enc_strlist(AT(base, fd->off, struct aidf_strlist));
    case RF_TAGS: {
        const struct aidf_kvlist *t = AT(base, fd->off, struct aidf_kvlist);
        if (!t->n)
            return NULL;
        json_t *o = json_object();
        for (size_t i = 0; i < t->n; i++)
            json_object_set_new(o, t->items[i].key, json_string(t->items[i].value));
        return o;
    }
    case RF_NUMMAP: {
        const struct aidf_num_map *m = AT(base, fd->off, struct aidf_num_map);
        if (fd->flag != RF_NOFLAG ? !*AT(base, fd->flag, bool) : m->n == 0)
            return NULL;
        return enc_nummap(m);
    }
    case RF_ERROR:
    case RF_OBJ: {
        /* The error object exists when it has a message; other objects by their flag. */
        if (fd->type == RF_ERROR && !*AT(base, fd->sub->fields[0].off, char *))
            return NULL;
        if (fd->flag != RF_NOFLAG && !*AT(base, fd->flag, bool))
            return NULL;
        json_t *o = json_object();
        enc_block(fd->sub, base, o, extra);
        if (fd->flag == RF_NOFLAG && json_object_size(o) == 0) {
            json_decref(o);
            return NULL;
        }
        return o;
    }
    case RF_ARRAY:
        return enc_array(fd, base, extra);
    }
    return NULL;
}

/*
 * Write the known fields of `b` into `obj`, then the unknown keys of `extra`: known
 * fields win, and an unknown-field entry that names a known key is ignored.
 */
static void enc_block(const struct rf_block *b, const void *base, json_t *obj, const json_t *extra)
{
    if (extra && !json_is_object(extra) && !json_is_array(extra))
        extra = NULL;
    for (size_t i = 0; i < b->n; i++) {
        const struct rf_field *fd = &b->fields[i];
        const json_t *sub = NULL;
        if (extra && (fd->type == RF_OBJ || fd->type == RF_ERROR || fd->type == RF_ARRAY))
            sub = json_object_get(extra, fd->key);
        json_t *v = enc_field(fd, base, sub);
        if (v)
            json_object_set_new(obj, fd->key, v);
    }
    if (!json_is_object(extra))
        return;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)extra, k, v)
    {
        if (aidf_rf_known(b, k))
            continue;
        /* A copy, so that callers may edit the result without touching the report. */
        json_object_set_new(obj, k, json_deep_copy(v));
    }
}

json_t *aidf_report_to_json(const struct aidf_report *r)
{
    json_t *root = json_object();
    enc_block(&aidf_rf_report, r, root, r->extra);
    return root;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return aidf_buf_add(data, buffer, size) ? -1 : 0;
}

char *aidf_report_dumps(const struct aidf_report *r, bool pretty, size_t *len)
{
    json_t *root = aidf_report_to_json(r);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    size_t flags = DUMP_FLAGS | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
    json_dump_callback(root, dump_cb, &b, flags);
    if (pretty)
        aidf_buf_addch(&b, '\n');
    json_decref(root);
    return aidf_buf_detach(&b, len);
}
