/*
 * The config parser: libyaml events → a small bounded tree → struct aidf_config.
 *
 * The tree is built from yaml_parser_parse() events only (never the document API):
 * aliases and anchors are refused as soon as they appear, nesting is capped at
 * AIDF_CONFIG_MAX_DEPTH and the input at AIDF_CONFIG_MAX_BYTES, so the tree is never
 * larger than a small multiple of the input. A second pass maps known keys to struct
 * fields through the tables below; the compatibility forms (`behavior`, string
 * `validation.lint` ...) are applied after that pass, when every key has been seen.
 */
#include "aidf/config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "aidf/buf.h"
#include "aidf/log.h"
#include "aidf/tags.h"
#include "aidf/xalloc.h"
#include "config_int.h"

/* Key paths longer than this are cut in messages (they stay unique enough). */
#define KP_MAX 256

const char *const aidf_config_scope_names[] = {"strict", "ask", "permissive", NULL};
const char *const aidf_config_level_names[] = {"all", "errors", "blocked", NULL};
const char *const aidf_config_sandbox_names[] = {"auto",     "required", "bwrap",
                                                 "landlock", "off",      NULL};
const char *const aidf_config_provider_types[] = {"claude-cli", "cursor-cli", "anthropic-api",
                                                  "openai-api", NULL};

enum node_kind { N_SCALAR, N_MAP, N_SEQ };

struct node {
    enum node_kind kind;
    bool plain; /* scalar written without quotes: may be null */
    int line, col;
    char *str; /* scalar bytes, NUL-terminated (may contain NULs: see len) */
    size_t len;
    size_t n, cap;
    struct node *kids; /* map: key, value, key, value ...; sequence: items */
};

/* Bits of ctx.seen: keys whose presence the normalisations need. */
enum {
    SEEN_PERMISSIONS = 1 << 0,
    SEEN_AUTO_COMMIT = 1 << 1,
    SEEN_SCOPE = 1 << 2,
    SEEN_PRE_COMMIT = 1 << 3,
    SEEN_PRE_PUSH = 1 << 4,
    SEEN_PRE_PR = 1 << 5,
};

/* The string forms of `validation` (upstream compatibility), in this order. */
static const char *const vform_names[] = {"lint", "typecheck", "format", "test", "build"};
#define N_VFORMS 5

struct ctx {
    yaml_parser_t parser;
    const char *path;
    const char *text;
    size_t len;
    unsigned flags;
    struct aidf_error *err;
    unsigned seen;
    const struct node *behavior;
    const struct node *vform[N_VFORMS];
};

/* ---- messages ---- */

static int vfail(struct ctx *x, int code, int line, int col, const char *kp, const char *fmt,
                 va_list ap) __attribute__((format(printf, 6, 0)));

static int vfail(struct ctx *x, int code, int line, int col, const char *kp, const char *fmt,
                 va_list ap)
{
    char what[400];
    vsnprintf(what, sizeof(what), fmt, ap);
    if (kp && *kp)
        return aidf_fail_at(x->err, code, line, col, "%s:%d:%d: %s: %s", x->path, line, col, kp,
                            what);
    return aidf_fail_at(x->err, code, line, col, "%s:%d:%d: %s", x->path, line, col, what);
}

static int fail_node(struct ctx *x, const struct node *n, const char *kp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_node(struct ctx *x, const struct node *n, const char *kp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(x, AIDF_EINVAL, n->line, n->col, kp, fmt, ap);
    va_end(ap);
    return rc;
}

static int mark_int(size_t v)
{
    return v >= INT_MAX ? INT_MAX : (int)v + 1;
}

static void set_pos(struct node *n, const yaml_mark_t *m)
{
    n->line = mark_int(m->line);
    n->col = mark_int(m->column);
}

/* 1-based line and column (in characters) of byte `off` of the input. */
static void pos_of_offset(const struct ctx *x, size_t off, int *line, int *col)
{
    size_t l = 1, c = 1;
    if (off > x->len)
        off = x->len;
    for (size_t i = 0; i < off; i++) {
        unsigned char ch = (unsigned char)x->text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l >= INT_MAX ? INT_MAX : (int)l;
    *col = c >= INT_MAX ? INT_MAX : (int)c;
}

static int parser_error(struct ctx *x)
{
    yaml_parser_t *p = &x->parser;
    const char *problem = p->problem ? p->problem : "syntax error";
    int line, col;
    if (p->error == YAML_MEMORY_ERROR)
        return aidf_fail(x->err, AIDF_EINTERNAL, "%s: out of memory while parsing", x->path);
    if (p->error == YAML_READER_ERROR) {
        pos_of_offset(x, p->problem_offset, &line, &col);
        if (p->problem_value >= 0)
            return aidf_fail_at(x->err, AIDF_EINVAL, line, col, "%s:%d:%d: %s (byte 0x%02X)",
                                x->path, line, col, problem, (unsigned)p->problem_value & 0xFFu);
        return aidf_fail_at(x->err, AIDF_EINVAL, line, col, "%s:%d:%d: %s", x->path, line, col,
                            problem);
    }
    line = mark_int(p->problem_mark.line);
    col = mark_int(p->problem_mark.column);
    if (p->context)
        return aidf_fail_at(x->err, AIDF_EINVAL, line, col,
                            "%s:%d:%d: %s %s that started at line %d", x->path, line, col, problem,
                            p->context, mark_int(p->context_mark.line));
    return aidf_fail_at(x->err, AIDF_EINVAL, line, col, "%s:%d:%d: %s", x->path, line, col,
                        problem);
}

static int next_event(struct ctx *x, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&x->parser, ev))
        return parser_error(x);
    return AIDF_OK;
}

/* ---- the tree ---- */

static void node_free(struct node *n)
{
    for (size_t i = 0; i < n->n; i++)
        node_free(&n->kids[i]);
    free(n->kids);
    free(n->str);
}

static int key_len_int(size_t len)
{
    return len > 100 ? 100 : (int)len;
}

/* The part of a parent path kept in a child's path: long paths are cut (messages only). */
static int parent_len(const char *parent)
{
    return (int)strnlen(parent, KP_MAX - 128);
}

/* dst = parent.key (or just key at the top level). */
static void join_key(char *dst, const char *parent, const struct node *key)
{
    if (*parent)
        snprintf(dst, KP_MAX, "%.*s.%.*s", parent_len(parent), parent, key_len_int(key->len),
                 key->str);
    else
        snprintf(dst, KP_MAX, "%.*s", key_len_int(key->len), key->str);
}

/* dst = parent[i]. */
static void index_key(char *dst, const char *parent, size_t i)
{
    snprintf(dst, KP_MAX, "%.*s[%zu]", parent_len(parent), parent, i);
}

static int cmp_keyp(const void *a, const void *b)
{
    const struct node *ka = *(const struct node *const *)a;
    const struct node *kb = *(const struct node *const *)b;
    size_t n = ka->len < kb->len ? ka->len : kb->len;
    int r = memcmp(ka->str, kb->str, n);
    if (r)
        return r;
    if (ka->len != kb->len)
        return ka->len < kb->len ? -1 : 1;
    return ka < kb ? -1 : ka > kb;
}

static bool same_key(const struct node *a, const struct node *b)
{
    return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

/* Duplicate keys: sort pointers to the keys (O(n log n)), report the first repeat. */
static int check_dups(struct ctx *x, const struct node *m, const char *kp)
{
    size_t np = m->n / 2;
    if (np < 2)
        return AIDF_OK;
    const struct node **keys = aidf_xcalloc(np, sizeof(*keys));
    for (size_t i = 0; i < np; i++)
        keys[i] = &m->kids[2 * i];
    qsort(keys, np, sizeof(*keys), cmp_keyp);
    const struct node *dup = NULL;
    for (size_t i = 1; i < np; i++)
        if (same_key(keys[i - 1], keys[i]) && (!dup || keys[i] < dup))
            dup = keys[i];
    free(keys);
    if (!dup)
        return AIDF_OK;
    char dkp[KP_MAX];
    join_key(dkp, kp, dup);
    return fail_node(x, dup, dkp, "duplicate key");
}

/*
 * Build the node starting with `ev` (owned by the caller). `out` is always left
 * freeable with node_free(), also on error.
 */
static int build(struct ctx *x, const yaml_event_t *ev, int depth, const char *kp, struct node *out)
{
    const yaml_char_t *anchor = NULL;

    memset(out, 0, sizeof(*out));
    set_pos(out, &ev->start_mark);
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return fail_node(x, out, kp, "aliases ('*%.40s') are not allowed in config files",
                         (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        break;
    default:
        return fail_node(x, out, kp, "unexpected YAML event %d", (int)ev->type);
    }
    if (anchor)
        return fail_node(x, out, kp, "anchors ('&%.40s') are not allowed in config files",
                         (const char *)anchor);

    if (ev->type == YAML_SCALAR_EVENT) {
        size_t n = ev->data.scalar.length;
        out->kind = N_SCALAR;
        out->str = aidf_xmalloc(n + 1);
        memcpy(out->str, ev->data.scalar.value, n);
        out->str[n] = '\0';
        out->len = n;
        out->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        return AIDF_OK;
    }

    bool is_map = ev->type == YAML_MAPPING_START_EVENT;
    yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    out->kind = is_map ? N_MAP : N_SEQ;
    if (depth + 1 > AIDF_CONFIG_MAX_DEPTH)
        return fail_node(x, out, kp, "nesting deeper than %d levels is not allowed",
                         AIDF_CONFIG_MAX_DEPTH);
    for (;;) {
        yaml_event_t cev;
        char ckp[KP_MAX];
        int rc = next_event(x, &cev);
        if (rc)
            return rc;
        if (cev.type == end) {
            yaml_event_delete(&cev);
            break;
        }
        if (is_map && out->n % 2 == 0 &&
            (cev.type == YAML_MAPPING_START_EVENT || cev.type == YAML_SEQUENCE_START_EVENT)) {
            struct node pos;
            set_pos(&pos, &cev.start_mark);
            yaml_event_delete(&cev);
            return fail_node(x, &pos, kp, "mapping keys must be strings");
        }
        if (is_map && out->n % 2 == 1)
            join_key(ckp, kp, &out->kids[out->n - 1]);
        else if (is_map)
            snprintf(ckp, sizeof(ckp), "%.*s", parent_len(kp), kp);
        else
            index_key(ckp, kp, out->n);
        out->kids = aidf_xgrow(out->kids, &out->cap, out->n + 1, sizeof(*out->kids));
        rc = build(x, &cev, depth + 1, ckp, &out->kids[out->n]);
        out->n++;
        yaml_event_delete(&cev);
        if (rc)
            return rc;
    }
    return is_map ? check_dups(x, out, kp) : AIDF_OK;
}

/* Parse the whole stream: at most one document. *have is false for an empty stream. */
static int build_stream(struct ctx *x, struct node *root, bool *have)
{
    yaml_event_t ev;
    int rc;

    *have = false;
    memset(root, 0, sizeof(*root));
    if ((rc = next_event(x, &ev)))
        return rc;
    yaml_event_delete(&ev); /* STREAM-START */
    if ((rc = next_event(x, &ev)))
        return rc;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        return AIDF_OK;
    }
    yaml_event_delete(&ev); /* DOCUMENT-START */
    if ((rc = next_event(x, &ev)))
        return rc;
    *have = true;
    rc = build(x, &ev, 0, "", root);
    yaml_event_delete(&ev);
    if (rc)
        return rc;
    if ((rc = next_event(x, &ev)))
        return rc;
    yaml_event_delete(&ev); /* DOCUMENT-END */
    if ((rc = next_event(x, &ev)))
        return rc;
    if (ev.type == YAML_DOCUMENT_START_EVENT) {
        struct node pos;
        set_pos(&pos, &ev.start_mark);
        yaml_event_delete(&ev);
        return fail_node(x, &pos, NULL, "only one YAML document is allowed");
    }
    yaml_event_delete(&ev);
    return AIDF_OK;
}

/* ---- scalars ---- */

static bool is_null(const struct node *n)
{
    if (n->kind != N_SCALAR || !n->plain)
        return false;
    return n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null") ||
           !strcmp(n->str, "Null") || !strcmp(n->str, "NULL");
}

static const char *kind_name(const struct node *n)
{
    return n->kind == N_MAP ? "a mapping" : n->kind == N_SEQ ? "a list" : "a scalar";
}

static bool name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/*
 * The value of a scalar with ${VAR} replaced by the environment, `$$` by `$`; any other
 * `$` stays. Returns a new heap string in *out.
 */
static int expand(struct ctx *x, const struct node *n, const char *kp, char **out)
{
    const char *s = n->str;
    size_t len = n->len;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_CONFIG_MAX_BYTES);
    int rc = AIDF_OK;

    if (memchr(s, '\0', len))
        return fail_node(x, n, kp, "NUL characters are not allowed in values");
    for (size_t i = 0; i < len && rc == AIDF_OK;) {
        if (s[i] != '$' || i + 1 >= len || (s[i + 1] != '$' && s[i + 1] != '{')) {
            rc = aidf_buf_addch(&b, s[i++]);
            continue;
        }
        if (s[i + 1] == '$') {
            rc = aidf_buf_addch(&b, '$');
            i += 2;
            continue;
        }
        size_t start = i + 2, j = start;
        while (j < len && (j == start ? name_start(s[j]) : name_char(s[j])))
            j++;
        if (j >= len) {
            rc = fail_node(x, n, kp, "unterminated '${' (write '$${' for a literal '${')");
            break;
        }
        if (j == start || s[j] != '}') {
            rc = fail_node(x, n, kp,
                           "bad variable reference: expected ${NAME} with NAME made of letters, "
                           "digits and '_'");
            break;
        }
        char *name = aidf_xstrndup(s + start, j - start);
        const char *v = getenv(name);
        if (!v && (x->flags & AIDF_CONFIG_REQUIRE_ENV)) {
            rc = fail_node(x, n, kp, "environment variable '%s' is not set", name);
        } else if (!v) {
            aidf_warn("%s:%d:%d: %s: environment variable '%s' is not set; using an empty string",
                      x->path, n->line, n->col, kp, name);
        } else if (aidf_buf_addstr(&b, v) != AIDF_OK) {
            rc = fail_node(x, n, kp, "value longer than %u bytes after expanding '${%s}'",
                           AIDF_CONFIG_MAX_BYTES, name);
        }
        free(name);
        i = j + 1;
    }
    if (rc == AIDF_ETOOBIG)
        rc = fail_node(x, n, kp, "value longer than %u bytes", AIDF_CONFIG_MAX_BYTES);
    if (rc) {
        aidf_buf_release(&b);
        return rc;
    }
    *out = aidf_buf_detach(&b, NULL);
    return AIDF_OK;
}

/* A scalar's expanded text; errors for mappings and lists. */
static int scalar_text(struct ctx *x, const struct node *n, const char *kp, const char *want,
                       char **out)
{
    if (n->kind != N_SCALAR)
        return fail_node(x, n, kp, "expected %s, got %s", want, kind_name(n));
    return expand(x, n, kp, out);
}

/* Strict decimal number syntax (no hex, inf, nan): digits, sign, '.', exponent. */
static bool parse_number(const char *s, double *out)
{
    bool digit = false;
    if (!*s)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9')
            digit = true;
        else if (!strchr("+-.eE", *p))
            return false;
    }
    if (!digit)
        return false;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static int get_str(struct ctx *x, const struct node *n, const char *kp, char **dst)
{
    char *v;
    if (is_null(n))
        return AIDF_OK;
    int rc = scalar_text(x, n, kp, "a string", &v);
    if (rc)
        return rc;
    free(*dst);
    *dst = v;
    return AIDF_OK;
}

static int get_bool(struct ctx *x, const struct node *n, const char *kp, bool *dst)
{
    char *v;
    if (is_null(n))
        return AIDF_OK;
    int rc = scalar_text(x, n, kp, "true or false", &v);
    if (rc)
        return rc;
    if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE"))
        *dst = true;
    else if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE"))
        *dst = false;
    else
        rc = fail_node(x, n, kp, "expected true or false, got '%.60s'", v);
    free(v);
    return rc;
}

static int get_int(struct ctx *x, const struct node *n, const char *kp, long lo, long hi, int *dst)
{
    char *v;
    double d;
    if (is_null(n))
        return AIDF_OK;
    int rc = scalar_text(x, n, kp, "an integer", &v);
    if (rc)
        return rc;
    if (parse_number(v, &d) && d == floor(d) && d >= (double)lo && d <= (double)hi)
        *dst = (int)d;
    else
        rc = fail_node(x, n, kp, "expected an integer %ld..%ld, got '%.60s'", lo, hi, v);
    free(v);
    return rc;
}

static int get_num(struct ctx *x, const struct node *n, const char *kp, double lo, double hi,
                   double *dst)
{
    char *v;
    double d;
    if (is_null(n))
        return AIDF_OK;
    int rc = scalar_text(x, n, kp, "a number", &v);
    if (rc)
        return rc;
    if (parse_number(v, &d) && d >= lo && d <= hi)
        *dst = d;
    else if (isinf(lo) && isinf(hi))
        rc = fail_node(x, n, kp, "expected a number, got '%.60s'", v);
    else
        rc = fail_node(x, n, kp, "expected a number %g..%g, got '%.60s'", lo, hi, v);
    free(v);
    return rc;
}

static int get_enum(struct ctx *x, const struct node *n, const char *kp, const char *const *names,
                    int *dst)
{
    char *v;
    if (is_null(n))
        return AIDF_OK;
    int rc = scalar_text(x, n, kp, "a string", &v);
    if (rc)
        return rc;
    for (int i = 0; names[i]; i++) {
        if (!strcmp(v, names[i])) {
            *dst = i;
            free(v);
            return AIDF_OK;
        }
    }
    char list[200] = "";
    size_t used = 0;
    for (int i = 0; names[i] && used < sizeof(list); i++) {
        int w = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    rc = fail_node(x, n, kp, "expected one of %s, got '%.60s'", list, v);
    free(v);
    return rc;
}

static int get_strlist(struct ctx *x, const struct node *n, const char *kp,
                       struct aidf_strlist *dst)
{
    if (is_null(n)) {
        aidf_strlist_release(dst);
        return AIDF_OK;
    }
    if (n->kind != N_SEQ)
        return fail_node(x, n, kp, "expected a list of strings, got %s", kind_name(n));
    aidf_strlist_release(dst);
    for (size_t i = 0; i < n->n; i++) {
        const struct node *it = &n->kids[i];
        char ikp[KP_MAX], *v;
        index_key(ikp, kp, i);
        if (is_null(it))
            return fail_node(x, it, ikp, "expected a string, got null");
        int rc = scalar_text(x, it, ikp, "a string", &v);
        if (rc)
            return rc;
        aidf_strlist_add(dst, v);
        free(v);
    }
    return AIDF_OK;
}

static bool is_tchar(char c)
{
    return name_char(c) || (c && strchr("!#$%&'*+-.^`|~", c));
}

/* An HTTP header map: names are RFC 9110 tokens, values single-line (${VAR} expanded). */
static int get_headers(struct ctx *x, const struct node *n, const char *kp, struct aidf_kvlist *dst)
{
    if (is_null(n))
        return AIDF_OK;
    if (n->kind != N_MAP)
        return fail_node(x, n, kp, "expected a mapping of header names to values, got %s",
                         kind_name(n));
    aidf_kvlist_release(dst);
    for (size_t i = 0; i + 1 < n->n; i += 2) {
        const struct node *k = &n->kids[i], *v = &n->kids[i + 1];
        char hkp[KP_MAX], *val;
        join_key(hkp, kp, k);
        bool ok = k->len > 0;
        for (size_t j = 0; j < k->len; j++)
            ok = ok && is_tchar(k->str[j]);
        if (!ok)
            return fail_node(x, k, hkp, "not a valid HTTP header name");
        if (is_null(v))
            return fail_node(x, v, hkp, "expected a string, got null");
        int rc = scalar_text(x, v, hkp, "a string", &val);
        if (rc)
            return rc;
        if (strpbrk(val, "\r\n")) {
            free(val);
            return fail_node(x, v, hkp, "header values must not contain line breaks");
        }
        aidf_kvlist_add(dst, k->str, val);
        free(val);
    }
    return AIDF_OK;
}

/* ---- the schema ---- */

enum ftype {
    F_STR,
    F_BOOL,
    F_INT,
    F_NUM,
    F_LIST,
    F_HEADERS,
    F_ENUM,     /* an enum stored as int */
    F_ENUM_STR, /* a string that must be one of names */
    F_SECTION,
    F_CUSTOM,
};

struct field;
typedef int (*custom_fn)(struct ctx *x, const struct node *key, const struct node *val,
                         const char *kp, struct aidf_config *c);
typedef int (*post_fn)(struct ctx *x, const struct node *map, const char *kp,
                       struct aidf_config *c);

struct field {
    const char *name;
    enum ftype type;
    size_t off;
    double lo, hi;            /* F_INT, F_NUM */
    const char *const *names; /* F_ENUM */
    const struct field *sub;  /* F_SECTION: NULL-name-terminated */
    post_fn post;             /* F_SECTION: checks after the section was read */
    custom_fn custom;         /* F_CUSTOM */
    unsigned seen;            /* ctx.seen bit set when the key is present and not null */
};

#define OFF(member)      offsetof(struct aidf_config, member)
#define AT(c, off, type) ((type *)(void *)((char *)(c) + (off)))

static int walk_section(struct ctx *x, const struct node *m, const char *kp,
                        const struct field *fields, struct aidf_config *c);

static int apply_field(struct ctx *x, const struct field *f, const struct node *k,
                       const struct node *v, const char *kp, struct aidf_config *c)
{
    int rc = AIDF_OK, iv;
    switch (f->type) {
    case F_STR:
        return get_str(x, v, kp, AT(c, f->off, char *));
    case F_BOOL:
        return get_bool(x, v, kp, AT(c, f->off, bool));
    case F_INT:
        return get_int(x, v, kp, (long)f->lo, (long)f->hi, AT(c, f->off, int));
    case F_NUM:
        return get_num(x, v, kp, f->lo, f->hi, AT(c, f->off, double));
    case F_LIST:
        return get_strlist(x, v, kp, AT(c, f->off, struct aidf_strlist));
    case F_HEADERS:
        return get_headers(x, v, kp, AT(c, f->off, struct aidf_kvlist));
    case F_ENUM:
        iv = -1;
        rc = get_enum(x, v, kp, f->names, &iv);
        if (rc == AIDF_OK && iv >= 0)
            *AT(c, f->off, int) = iv;
        return rc;
    case F_ENUM_STR:
        iv = -1;
        rc = get_enum(x, v, kp, f->names, &iv);
        if (rc == AIDF_OK && iv >= 0) {
            char **dst = AT(c, f->off, char *);
            free(*dst);
            *dst = aidf_xstrdup(f->names[iv]);
        }
        return rc;
    case F_SECTION:
        rc = walk_section(x, v, kp, f->sub, c);
        if (rc == AIDF_OK && f->post && v->kind == N_MAP)
            rc = f->post(x, v, kp, c);
        return rc;
    case F_CUSTOM:
        return f->custom(x, k, v, kp, c);
    }
    return AIDF_OK;
}

static bool key_is(const struct node *k, const char *name)
{
    return k->len == strlen(name) && memcmp(k->str, name, k->len) == 0;
}

static void warn_unknown(struct ctx *x, const struct node *k, const char *kp)
{
    aidf_warn("%s:%d:%d: unknown key '%s' ignored", x->path, k->line, k->col, kp);
}

static int walk_section(struct ctx *x, const struct node *m, const char *kp,
                        const struct field *fields, struct aidf_config *c)
{
    if (is_null(m))
        return AIDF_OK;
    if (m->kind != N_MAP)
        return fail_node(x, m, kp, "expected a mapping, got %s", kind_name(m));
    for (size_t i = 0; i + 1 < m->n; i += 2) {
        const struct node *k = &m->kids[i], *v = &m->kids[i + 1];
        const struct field *f = fields;
        char ckp[KP_MAX];
        join_key(ckp, kp, k);
        while (f->name && !key_is(k, f->name))
            f++;
        if (!f->name) {
            warn_unknown(x, k, ckp);
            continue;
        }
        if (!is_null(v))
            x->seen |= f->seen;
        int rc = apply_field(x, f, k, v, ckp, c);
        if (rc)
            return rc;
    }
    return AIDF_OK;
}

/* -- custom keys -- */

static int c_remember_behavior(struct ctx *x, const struct node *k, const struct node *v,
                               const char *kp, struct aidf_config *c)
{
    (void)k, (void)kp, (void)c;
    x->behavior = v;
    return AIDF_OK;
}

static int c_vform(struct ctx *x, const struct node *k, const struct node *v, const char *kp,
                   struct aidf_config *c)
{
    (void)c;
    if (is_null(v))
        return AIDF_OK;
    if (v->kind != N_SCALAR)
        return fail_node(x, v, kp, "expected a string, got %s", kind_name(v));
    for (int i = 0; i < N_VFORMS; i++)
        if (key_is(k, vform_names[i]))
            x->vform[i] = v;
    return AIDF_OK;
}

/* The values of observability.webhook.events, NULL-terminated. */
static const char *const event_names[] = {"completed", "blocked", "failed", NULL};

static int c_events(struct ctx *x, const struct node *k, const struct node *v, const char *kp,
                    struct aidf_config *c)
{
    const char *const *names = event_names;
    static const enum aidf_status st[] = {AIDF_STATUS_COMPLETED, AIDF_STATUS_BLOCKED,
                                          AIDF_STATUS_FAILED};
    bool ev[4] = {false, false, false, false};
    (void)k;
    if (is_null(v))
        return AIDF_OK;
    if (v->kind != N_SEQ)
        return fail_node(x, v, kp, "expected a list of completed, blocked, failed, got %s",
                         kind_name(v));
    for (size_t i = 0; i < v->n; i++) {
        char ikp[KP_MAX];
        int idx = -1;
        index_key(ikp, kp, i);
        if (is_null(&v->kids[i]))
            return fail_node(x, &v->kids[i], ikp, "expected one of %s, %s, %s, got null", names[0],
                             names[1], names[2]);
        int rc = get_enum(x, &v->kids[i], ikp, names, &idx);
        if (rc)
            return rc;
        ev[st[idx]] = true;
    }
    memcpy(c->observability.webhook.events, ev, sizeof(ev));
    return AIDF_OK;
}

static int c_token_env(struct ctx *x, const struct node *k, const struct node *v, const char *kp,
                       struct aidf_config *c)
{
    char *s = NULL;
    (void)k;
    int rc = get_str(x, v, kp, &s);
    if (rc || !s)
        return rc;
    bool ok = name_start(s[0]);
    for (size_t i = 1; ok && s[i]; i++)
        ok = name_char(s[i]);
    if (!ok) {
        rc = fail_node(x, v, kp, "expected an environment variable name, got '%.60s'", s);
        free(s);
        return rc;
    }
    free(c->observability.server.token_env);
    c->observability.server.token_env = s;
    return AIDF_OK;
}

/* observability.tags: a mapping of tag keys to string values, checked with the rules of
 * aidf/tags.h (the same as `aidf run --tag`). */
static int c_tags(struct ctx *x, const struct node *k, const struct node *v, const char *kp,
                  struct aidf_config *c)
{
    (void)k;
    if (is_null(v))
        return AIDF_OK;
    if (v->kind != N_MAP)
        return fail_node(x, v, kp, "expected a mapping of tag names to values, got %s",
                         kind_name(v));
    struct aidf_kvlist *dst = &c->observability.tags;
    aidf_kvlist_release(dst);
    for (size_t i = 0; i + 1 < v->n; i += 2) {
        const struct node *tk = &v->kids[i], *tv = &v->kids[i + 1];
        char tkp[KP_MAX], *val;
        join_key(tkp, kp, tk);
        if (is_null(tv))
            return fail_node(x, tv, tkp, "expected a string, got null");
        int rc = scalar_text(x, tv, tkp, "a string", &val);
        if (rc)
            return rc;
        struct aidf_error terr;
        rc = aidf_tags_set(dst, tk->str, val, "tag", &terr);
        free(val);
        if (rc)
            return fail_node(x, rc == AIDF_ETOOBIG ? tk : (aidf_tag_key_valid(tk->str) ? tv : tk),
                             tkp, "%s", terr.msg + strlen("tag: "));
    }
    return AIDF_OK;
}

static int get_rate(struct ctx *x, const struct node *v, const char *kp, double *dst)
{
    char *s;
    double d;
    if (is_null(v))
        return AIDF_OK;
    int rc = scalar_text(x, v, kp, "a number", &s);
    if (rc)
        return rc;
    if (parse_number(s, &d) && d > 0)
        *dst = d;
    else
        rc = fail_node(x, v, kp, "expected a positive number (USD per million tokens), got '%.60s'",
                       s);
    free(s);
    return rc;
}

static int c_rates(struct ctx *x, const struct node *k, const struct node *v, const char *kp,
                   struct aidf_config *c)
{
    static const char *const fields[] = {"input_per_1m", "output_per_1m", "cache_read_per_1m",
                                         "cache_write_per_1m"};
    (void)k;
    if (is_null(v))
        return AIDF_OK;
    if (v->kind != N_MAP)
        return fail_node(x, v, kp, "expected a mapping of model keys to rates, got %s",
                         kind_name(v));
    for (size_t i = 0; i + 1 < v->n; i += 2) {
        const struct node *mk = &v->kids[i], *mv = &v->kids[i + 1];
        struct aidf_rates r = {NAN, NAN, NAN, NAN};
        double *slot[] = {&r.input_per_1m, &r.output_per_1m, &r.cache_read_per_1m,
                          &r.cache_write_per_1m};
        char mkp[KP_MAX];
        join_key(mkp, kp, mk);
        if (mk->len == 0 || memchr(mk->str, '\0', mk->len))
            return fail_node(x, mk, mkp, "model keys must be non-empty strings");
        if (mv->kind != N_MAP)
            return fail_node(x, mv, mkp,
                             "expected a mapping with input_per_1m and output_per_1m, "
                             "got %s",
                             is_null(mv) ? "null" : kind_name(mv));
        for (size_t j = 0; j + 1 < mv->n; j += 2) {
            const struct node *fk = &mv->kids[j];
            char fkp[KP_MAX];
            size_t f = 0;
            join_key(fkp, mkp, fk);
            while (f < 4 && !key_is(fk, fields[f]))
                f++;
            if (f == 4) {
                warn_unknown(x, fk, fkp);
                continue;
            }
            int rc = get_rate(x, &mv->kids[j + 1], fkp, slot[f]);
            if (rc)
                return rc;
        }
        if (isnan(r.input_per_1m) || isnan(r.output_per_1m))
            return fail_node(x, mv, mkp, "'input_per_1m' and 'output_per_1m' are required");
        struct aidf_error e = {0};
        if (aidf_rate_table_set(&c->cost.rates, mk->str, &r, &e) != AIDF_OK)
            return fail_node(x, mv, NULL, "%s", e.msg);
    }
    return AIDF_OK;
}

/* -- checks after a section -- */

static int require(struct ctx *x, const struct node *m, const char *kp, bool enabled,
                   const char *value, const char *name)
{
    if (enabled && (!value || !*value))
        return fail_node(x, m, kp, "'%s' is required when 'enabled' is true", name);
    return AIDF_OK;
}

static int post_slack(struct ctx *x, const struct node *m, const char *kp, struct aidf_config *c)
{
    return require(x, m, kp, c->notifications.slack.enabled, c->notifications.slack.webhook_url,
                   "webhook_url");
}

static int post_discord(struct ctx *x, const struct node *m, const char *kp, struct aidf_config *c)
{
    return require(x, m, kp, c->notifications.discord.enabled, c->notifications.discord.webhook_url,
                   "webhook_url");
}

static int post_email(struct ctx *x, const struct node *m, const char *kp, struct aidf_config *c)
{
    bool on = c->notifications.email.enabled;
    int rc = require(x, m, kp, on, c->notifications.email.smtp_host, "smtp_host");
    if (!rc)
        rc = require(x, m, kp, on, c->notifications.email.from, "from");
    if (!rc)
        rc = require(x, m, kp, on, c->notifications.email.to, "to");
    return rc;
}

static int post_notify_webhook(struct ctx *x, const struct node *m, const char *kp,
                               struct aidf_config *c)
{
    return require(x, m, kp, c->notifications.webhook.enabled, c->notifications.webhook.url, "url");
}

static int post_obs_webhook(struct ctx *x, const struct node *m, const char *kp,
                            struct aidf_config *c)
{
    return require(x, m, kp, c->observability.webhook.enabled, c->observability.webhook.url, "url");
}

/* -- tables -- */

#define STR(n, m)                               \
    {                                           \
        .name = n, .type = F_STR, .off = OFF(m) \
    }
#define BOOL(n, m)                               \
    {                                            \
        .name = n, .type = F_BOOL, .off = OFF(m) \
    }
#define INT(n, m, a, b)                                           \
    {                                                             \
        .name = n, .type = F_INT, .off = OFF(m), .lo = a, .hi = b \
    }
#define NUM(n, m, a, b)                                           \
    {                                                             \
        .name = n, .type = F_NUM, .off = OFF(m), .lo = a, .hi = b \
    }
#define LIST(n, m)                               \
    {                                            \
        .name = n, .type = F_LIST, .off = OFF(m) \
    }
#define HEADERS(n, m)                               \
    {                                               \
        .name = n, .type = F_HEADERS, .off = OFF(m) \
    }
#define ENUM(n, m, nm)                                        \
    {                                                         \
        .name = n, .type = F_ENUM, .off = OFF(m), .names = nm \
    }
#define SECTION(n, t)                          \
    {                                          \
        .name = n, .type = F_SECTION, .sub = t \
    }
#define SECTION_P(n, t, p)                                \
    {                                                     \
        .name = n, .type = F_SECTION, .sub = t, .post = p \
    }
#define CUSTOM(n, fn)                             \
    {                                             \
        .name = n, .type = F_CUSTOM, .custom = fn \
    }
#define END          \
    {                \
        .name = NULL \
    }

static const struct field t_project[] = {
    STR("name", project.name),
    STR("type", project.type),
    STR("description", project.description),
    END,
};

static const struct field t_provider[] = {
    {.name = "type",
     .type = F_ENUM_STR,
     .off = OFF(provider.type),
     .names = aidf_config_provider_types},
    STR("model", provider.model),
    STR("binary", provider.binary),
    END,
};

static const struct field t_execution[] = {
    INT("max_iterations", execution.max_iterations, 1, 1000),
    INT("max_consecutive_failures", execution.max_consecutive_failures, 1, 100),
    NUM("timeout_per_iteration", execution.timeout_per_iteration, 0, 3600),
    BOOL("session_continuation", execution.session_continuation),
    END,
};

static const struct field t_permissions[] = {
    {.name = "scope_enforcement",
     .type = F_ENUM,
     .off = OFF(permissions.scope_enforcement),
     .names = aidf_config_scope_names,
     .seen = SEEN_SCOPE},
    {.name = "auto_commit",
     .type = F_BOOL,
     .off = OFF(permissions.auto_commit),
     .seen = SEEN_AUTO_COMMIT},
    BOOL("auto_push", permissions.auto_push),
    BOOL("auto_pr", permissions.auto_pr),
    END,
};

static const struct field t_validation[] = {
    {.name = "pre_commit",
     .type = F_LIST,
     .off = OFF(validation.pre_commit),
     .seen = SEEN_PRE_COMMIT},
    {.name = "pre_push", .type = F_LIST, .off = OFF(validation.pre_push), .seen = SEEN_PRE_PUSH},
    {.name = "pre_pr", .type = F_LIST, .off = OFF(validation.pre_pr), .seen = SEEN_PRE_PR},
    NUM("command_timeout", validation.command_timeout, 0, 86400),
    CUSTOM("lint", c_vform),
    CUSTOM("typecheck", c_vform),
    CUSTOM("format", c_vform),
    CUSTOM("test", c_vform),
    CUSTOM("build", c_vform),
    END,
};

static const struct field t_git[] = {
    STR("commit_prefix", git.commit_prefix),
    STR("branch_prefix", git.branch_prefix),
    END,
};

static const struct field t_desktop[] = {
    BOOL("enabled", notifications.desktop.enabled),
    END,
};

static const struct field t_slack[] = {
    BOOL("enabled", notifications.slack.enabled),
    STR("webhook_url", notifications.slack.webhook_url),
    END,
};

static const struct field t_discord[] = {
    BOOL("enabled", notifications.discord.enabled),
    STR("webhook_url", notifications.discord.webhook_url),
    END,
};

static const struct field t_email[] = {
    BOOL("enabled", notifications.email.enabled),
    STR("smtp_host", notifications.email.smtp_host),
    INT("smtp_port", notifications.email.smtp_port, 1, 65535),
    STR("smtp_user", notifications.email.smtp_user),
    STR("smtp_pass", notifications.email.smtp_pass),
    STR("from", notifications.email.from),
    STR("to", notifications.email.to),
    END,
};

static const struct field t_notify_webhook[] = {
    BOOL("enabled", notifications.webhook.enabled),
    STR("url", notifications.webhook.url),
    HEADERS("headers", notifications.webhook.headers),
    END,
};

static const struct field t_notifications[] = {
    ENUM("level", notifications.level, aidf_config_level_names),
    SECTION("desktop", t_desktop),
    SECTION_P("slack", t_slack, post_slack),
    SECTION_P("discord", t_discord, post_discord),
    SECTION_P("email", t_email, post_email),
    SECTION_P("webhook", t_notify_webhook, post_notify_webhook),
    END,
};

static const struct field t_skills[] = {
    BOOL("enabled", skills.enabled),
    BOOL("block_suspicious", skills.block_suspicious),
    LIST("directories", skills.directories),
    LIST("extras", skills.extras),
    END,
};

static const struct field t_commands[] = {
    LIST("allowed", security.allowed),
    LIST("blocked", security.blocked),
    BOOL("strict", security.strict),
    END,
};

static const struct field t_sandbox[] = {
    ENUM("mode", security.sandbox.mode, aidf_config_sandbox_names),
    BOOL("network", security.sandbox.network),
    LIST("env", security.sandbox.env),
    END,
};

static const struct node *find_key(const struct node *m, const char *name);

/* security.sandbox: a mode name, or a mapping {mode, network, env}; env holds names. */
static int c_sandbox(struct ctx *x, const struct node *k, const struct node *v, const char *kp,
                     struct aidf_config *c)
{
    (void)k;
    if (is_null(v))
        return AIDF_OK;
    if (v->kind == N_SCALAR) {
        int iv = -1;
        int rc = get_enum(x, v, kp, aidf_config_sandbox_names, &iv);
        if (rc == AIDF_OK && iv >= 0)
            c->security.sandbox.mode = (enum aidf_sandbox_mode)iv;
        return rc;
    }
    if (v->kind != N_MAP)
        return fail_node(x, v, kp,
                         "expected a mode (auto, required, bwrap, landlock, off) or a mapping "
                         "{mode, network, env}, got %s",
                         kind_name(v));
    int rc = walk_section(x, v, kp, t_sandbox, c);
    if (rc)
        return rc;
    const struct node *env = find_key(v, "env");
    const struct aidf_strlist *names = &c->security.sandbox.env;
    for (size_t i = 0; env && i < names->n; i++) {
        const char *s = names->items[i];
        bool ok = name_start(s[0]);
        for (size_t j = 1; ok && s[j]; j++)
            ok = name_char(s[j]);
        if (!ok) {
            char ikp[KP_MAX], ekp[KP_MAX];
            snprintf(ekp, sizeof(ekp), "%.*s.env", parent_len(kp), kp);
            index_key(ikp, ekp, i);
            return fail_node(x, i < env->n ? &env->kids[i] : env, ikp,
                             "expected an environment variable name, got '%.60s'", s);
        }
    }
    return AIDF_OK;
}

static const struct field t_security[] = {
    BOOL("skip_permissions", security.skip_permissions),
    BOOL("warn_on_skip", security.warn_on_skip),
    SECTION("commands", t_commands),
    CUSTOM("sandbox", c_sandbox),
    END,
};

static const struct field t_cost[] = {
    CUSTOM("rates", c_rates),
    STR("currency", cost.currency),
    END,
};

static const struct field t_obs_webhook[] = {
    BOOL("enabled", observability.webhook.enabled),
    STR("url", observability.webhook.url),
    HEADERS("headers", observability.webhook.headers),
    CUSTOM("events", c_events),
    BOOL("include_iterations", observability.webhook.include_iterations),
    INT("timeout", observability.webhook.timeout_ms, 1, 600000),
    INT("retry", observability.webhook.retry, 0, 10),
    STR("secret", observability.webhook.secret),
    END,
};

static const struct field t_server[] = {
    STR("url", observability.server.url),
    CUSTOM("token_env", c_token_env),
    END,
};

static const struct field t_observability[] = {
    STR("reports_dir", observability.reports_dir),
    STR("project", observability.project),
    BOOL("actor", observability.actor),
    CUSTOM("tags", c_tags),
    SECTION_P("webhook", t_obs_webhook, post_obs_webhook),
    SECTION("server", t_server),
    END,
};

static const struct field t_root[] = {
    NUM("version", version, -HUGE_VAL, HUGE_VAL),
    STR("framework", framework),
    SECTION("project", t_project),
    SECTION("provider", t_provider),
    SECTION("execution", t_execution),
    {.name = "permissions", .type = F_SECTION, .sub = t_permissions, .seen = SEEN_PERMISSIONS},
    CUSTOM("behavior", c_remember_behavior),
    SECTION("validation", t_validation),
    SECTION("git", t_git),
    SECTION("notifications", t_notifications),
    SECTION("skills", t_skills),
    SECTION("security", t_security),
    SECTION("cost", t_cost),
    SECTION("observability", t_observability),
    END,
};

/* -- normalisations -- */

static const struct node *find_key(const struct node *m, const char *name)
{
    for (size_t i = 0; i + 1 < m->n; i += 2)
        if (key_is(&m->kids[i], name))
            return &m->kids[i + 1];
    return NULL;
}

/*
 * `behavior` (camelCase or snake_case keys): without `permissions` it supplies all four
 * permissions; with `permissions` it fills only a missing auto_commit/scope_enforcement.
 */
static int apply_behavior(struct ctx *x, const struct node *b, struct aidf_config *c)
{
    static const char *const known[][2] = {
        {"autoCommit", "auto_commit"},
        {"autoPush", "auto_push"},
        {"autoPr", "auto_pr"},
        {"scopeEnforcement", "scope_enforcement"},
    };
    bool have_perm = x->seen & SEEN_PERMISSIONS;

    if (is_null(b))
        return AIDF_OK;
    if (b->kind != N_MAP)
        return fail_node(x, b, "behavior", "expected a mapping, got %s", kind_name(b));
    for (size_t i = 0; i + 1 < b->n; i += 2) {
        bool ok = false;
        for (size_t j = 0; j < 4; j++)
            ok = ok || key_is(&b->kids[i], known[j][0]) || key_is(&b->kids[i], known[j][1]);
        if (!ok) {
            char kp[KP_MAX];
            join_key(kp, "behavior", &b->kids[i]);
            warn_unknown(x, &b->kids[i], kp);
        }
    }
    for (size_t j = 0; j < 4; j++) {
        const char *name = known[j][0];
        const struct node *v = find_key(b, name);
        char kp[KP_MAX];
        if (!v || is_null(v)) {
            name = known[j][1];
            v = find_key(b, name);
        }
        if (!v)
            continue;
        snprintf(kp, sizeof(kp), "behavior.%s", name);
        bool bv = false;
        int sv = -1, rc;
        if (j < 3)
            rc = get_bool(x, v, kp, &bv);
        else
            rc = get_enum(x, v, kp, aidf_config_scope_names, &sv);
        if (rc)
            return rc;
        if (is_null(v))
            continue;
        if (j == 0 && (!have_perm || !(x->seen & SEEN_AUTO_COMMIT)))
            c->permissions.auto_commit = bv;
        else if (j == 1 && !have_perm)
            c->permissions.auto_push = bv;
        else if (j == 2 && !have_perm)
            c->permissions.auto_pr = bv;
        else if (j == 3 && sv >= 0 && (!have_perm || !(x->seen & SEEN_SCOPE)))
            c->permissions.scope_enforcement = (enum aidf_scope_mode)sv;
    }
    return AIDF_OK;
}

/* String `validation.lint/typecheck/format/test/build` → pre_commit/pre_push/pre_pr. */
static int apply_vforms(struct ctx *x, struct aidf_config *c)
{
    char *v[N_VFORMS] = {NULL};
    int rc = AIDF_OK;
    bool any = false;

    for (int i = 0; i < N_VFORMS; i++)
        any = any || x->vform[i];
    if (!any)
        return AIDF_OK;
    if (x->seen & (SEEN_PRE_COMMIT | SEEN_PRE_PUSH)) {
        for (int i = 0; i < N_VFORMS; i++)
            if (x->vform[i])
                aidf_warn("%s:%d:%d: validation.%s ignored: validation.pre_commit or pre_push is "
                          "set",
                          x->path, x->vform[i]->line, x->vform[i]->col, vform_names[i]);
        return AIDF_OK;
    }
    for (int i = 0; i < N_VFORMS && rc == AIDF_OK; i++) {
        char kp[KP_MAX];
        snprintf(kp, sizeof(kp), "validation.%s", vform_names[i]);
        if (x->vform[i])
            rc = expand(x, x->vform[i], kp, &v[i]);
    }
    if (rc == AIDF_OK) {
        aidf_strlist_release(&c->validation.pre_commit);
        for (int i = 0; i < 3; i++)
            if (v[i] && *v[i])
                aidf_strlist_add(&c->validation.pre_commit, v[i]);
        aidf_strlist_release(&c->validation.pre_push);
        if (v[3] && *v[3])
            aidf_strlist_add(&c->validation.pre_push, v[3]);
        if (v[4] && *v[4]) {
            aidf_strlist_release(&c->validation.pre_pr);
            aidf_strlist_add(&c->validation.pre_pr, v[4]);
        }
    }
    for (int i = 0; i < N_VFORMS; i++)
        free(v[i]);
    return rc;
}

int aidf_config_parse(const char *text, size_t len, const char *path, unsigned flags,
                      struct aidf_config *c, struct aidf_error *err)
{
    struct ctx x;
    struct node root;
    bool have = false;
    int rc;

    memset(&x, 0, sizeof(x));
    x.path = path ? path : "config";
    x.text = text;
    x.len = len;
    x.flags = flags;
    x.err = err;
    aidf_error_clear(err);
    if (len > AIDF_CONFIG_MAX_BYTES)
        return aidf_fail(err, AIDF_ETOOBIG, "%s: config file is larger than %u bytes", x.path,
                         AIDF_CONFIG_MAX_BYTES);
    if (!yaml_parser_initialize(&x.parser))
        return aidf_fail(err, AIDF_EINTERNAL, "%s: cannot initialise the YAML parser", x.path);
    yaml_parser_set_encoding(&x.parser, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&x.parser, (const unsigned char *)text, len);
    rc = build_stream(&x, &root, &have);
    yaml_parser_delete(&x.parser);
    if (rc == AIDF_OK && have && !is_null(&root) && root.kind != N_MAP)
        rc =
            fail_node(&x, &root, NULL, "the top level must be a mapping, got %s", kind_name(&root));
    if (rc == AIDF_OK && have && root.kind == N_MAP) {
        rc = walk_section(&x, &root, "", t_root, c);
        if (rc == AIDF_OK && x.behavior)
            rc = apply_behavior(&x, x.behavior, c);
        if (rc == AIDF_OK)
            rc = apply_vforms(&x, c);
    }
    node_free(&root);
    return rc;
}

/* ---- the list of keys (aidf_config_keys) ---- */

const char *aidf_config_key_type_name(enum aidf_config_key_type t)
{
    static const char *const names[] = {"string", "boolean", "integer", "number",
                                        "enum",   "list",    "mapping"};
    return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* `l` as a YAML flow sequence: "[]", "[a, b]". */
static void flow_list(struct aidf_buf *b, const struct aidf_strlist *l)
{
    aidf_buf_addch(b, '[');
    for (size_t i = 0; i < l->n; i++)
        aidf_buf_addf(b, "%s%s", i ? ", " : "", l->items[i]);
    aidf_buf_addch(b, ']');
}

static void list_keys(const struct field *fields, const char *prefix, const struct aidf_config *d,
                      aidf_config_key_fn fn, void *ctx)
{
    for (const struct field *f = fields; f->name; f++) {
        char name[KP_MAX];
        struct aidf_config_key k = {.name = name};
        struct aidf_buf def = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        const void *at = (const char *)d + f->off;

        snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", f->name);
        switch (f->type) {
        case F_SECTION:
            list_keys(f->sub, name, d, fn, ctx);
            continue;
        case F_STR:
            k.type = AIDF_CONFIG_KEY_STRING;
            if (*(char *const *)at)
                aidf_buf_addstr(&def, *(char *const *)at);
            break;
        case F_BOOL:
            k.type = AIDF_CONFIG_KEY_BOOL;
            aidf_buf_addstr(&def, *(const bool *)at ? "true" : "false");
            break;
        case F_INT:
            k.type = AIDF_CONFIG_KEY_INT;
            aidf_buf_addf(&def, "%d", *(const int *)at);
            break;
        case F_NUM:
            k.type = AIDF_CONFIG_KEY_NUMBER;
            aidf_buf_addf(&def, "%g", *(const double *)at);
            break;
        case F_LIST:
            k.type = AIDF_CONFIG_KEY_LIST;
            flow_list(&def, at);
            break;
        case F_HEADERS:
            k.type = AIDF_CONFIG_KEY_MAPPING;
            break;
        case F_ENUM:
            k.type = AIDF_CONFIG_KEY_ENUM;
            aidf_buf_addstr(&def, f->names[*(const int *)at]);
            break;
        case F_ENUM_STR:
            k.type = AIDF_CONFIG_KEY_ENUM;
            aidf_buf_addstr(&def, *(char *const *)at);
            break;
        case F_CUSTOM:
            if (f->custom == c_sandbox) {
                /* The scalar form, then the keys of the mapping form. */
                k.type = AIDF_CONFIG_KEY_ENUM;
                k.choices = aidf_config_sandbox_names;
                k.def = aidf_config_sandbox_names[d->security.sandbox.mode];
                fn(&k, ctx);
                aidf_buf_release(&def);
                list_keys(t_sandbox, name, d, fn, ctx);
                continue;
            }
            if (f->custom == c_vform || f->custom == c_token_env) {
                k.type = AIDF_CONFIG_KEY_STRING;
                if (f->custom == c_token_env)
                    aidf_buf_addstr(&def, d->observability.server.token_env);
            } else if (f->custom == c_events) {
                k.type = AIDF_CONFIG_KEY_LIST;
                k.choices = event_names;
                aidf_buf_addch(&def, '[');
                for (size_t i = 0, n = 0; event_names[i]; i++) {
                    static const enum aidf_status st[] = {AIDF_STATUS_COMPLETED,
                                                          AIDF_STATUS_BLOCKED, AIDF_STATUS_FAILED};
                    if (d->observability.webhook.events[st[i]])
                        aidf_buf_addf(&def, "%s%s", n++ ? ", " : "", event_names[i]);
                }
                aidf_buf_addch(&def, ']');
            } else { /* cost.rates, behavior, observability.tags */
                k.type = AIDF_CONFIG_KEY_MAPPING;
            }
            break;
        }
        if (f->type == F_INT || f->type == F_NUM) {
            k.min = f->lo;
            k.max = f->hi;
        }
        if (f->type == F_ENUM || f->type == F_ENUM_STR)
            k.choices = f->names;
        k.def = def.len ? def.ptr : NULL;
        fn(&k, ctx);
        aidf_buf_release(&def);
    }
}

void aidf_config_keys(aidf_config_key_fn fn, void *ctx)
{
    struct aidf_config d;
    aidf_config_init_defaults(&d);
    list_keys(t_root, "", &d, fn, ctx);
    aidf_config_release(&d);
}
