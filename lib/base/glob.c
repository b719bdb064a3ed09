/*
 * Glob matching for the scope guard: minimatch {dot:true} semantics plus upstream's
 * directory and prefix fallbacks (see include/aidf/glob.h).
 *
 * Braces are expanded first, under a count and byte budget, so hostile patterns fail
 * with AIDF_ETOOBIG instead of exploding. Each alternative is compiled once into tokens
 * and matched with two-pointer backtracking: inside a segment only the last '*' is ever
 * retried, and across segments only the last "**", which is correct because every other
 * token consumes exactly one character (or one segment). That keeps matching at
 * O(pattern * path) instead of the exponential cost of naive recursion.
 */
#include "aidf/glob.h"

#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/err.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

#define MAX_BRACE_DEPTH 32
#define NONE            ((size_t)-1)

/* ---- normalisation ------------------------------------------------------------------ */

/* Copy `s` without leading "./" and with runs of '/' folded into one. */
static char *normalize(const char *s)
{
    while (s[0] == '.' && s[1] == '/') {
        s += 2;
        while (*s == '/')
            s++;
    }
    size_t n = strlen(s);
    char *out = aidf_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '/' && o > 0 && out[o - 1] == '/')
            continue;
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

/* ---- brace expansion ---------------------------------------------------------------- */

struct explist {
    char **s;
    size_t *len;
    size_t n, cap;
    size_t bytes;
};

struct bctx {
    const char *p;
    size_t *match; /* index of the matching '}' for a '{', NONE otherwise */
    size_t *owner; /* for ',': index of the innermost enclosing matched '{', else NONE */
    bool *comma;   /* for '{': holds a comma at its own level */
};

static void explist_push(struct explist *l, char *s, size_t len)
{
    if (l->n == l->cap) {
        size_t cap = l->cap;
        l->s = aidf_xgrow(l->s, &cap, l->n + 1, sizeof(*l->s));
        l->len = aidf_xrealloc(l->len, cap * sizeof(*l->len));
        l->cap = cap;
    }
    l->s[l->n] = s;
    l->len[l->n] = len;
    l->n++;
    l->bytes += len;
}

static void explist_release(struct explist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->s[i]);
    free(l->s);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

static int explist_append(struct explist *l, const char *p, size_t n)
{
    if (n == 0)
        return AIDF_OK;
    if (n > AIDF_GLOB_MAX_EXPANDED_BYTES / (l->n ? l->n : 1) ||
        l->bytes + n * l->n > AIDF_GLOB_MAX_EXPANDED_BYTES)
        return AIDF_ETOOBIG;
    for (size_t i = 0; i < l->n; i++) {
        l->s[i] = aidf_xrealloc(l->s[i], l->len[i] + n + 1);
        memcpy(l->s[i] + l->len[i], p, n);
        l->len[i] += n;
        l->s[i][l->len[i]] = '\0';
    }
    l->bytes += n * l->n;
    return AIDF_OK;
}

/* out := out x alts (every current prefix followed by every alternative). */
static int explist_product(struct explist *out, const struct explist *alts)
{
    if (alts->n == 0 || out->n == 0)
        return AIDF_OK;
    if (out->n > AIDF_GLOB_MAX_EXPANSIONS / alts->n)
        return AIDF_ETOOBIG;
    size_t bytes = out->bytes * alts->n + alts->bytes * out->n;
    if (bytes > AIDF_GLOB_MAX_EXPANDED_BYTES)
        return AIDF_ETOOBIG;
    struct explist res = {0};
    for (size_t i = 0; i < out->n; i++) {
        for (size_t j = 0; j < alts->n; j++) {
            size_t len = out->len[i] + alts->len[j];
            char *s = aidf_xmalloc(len + 1);
            memcpy(s, out->s[i], out->len[i]);
            memcpy(s + out->len[i], alts->s[j], alts->len[j]);
            s[len] = '\0';
            explist_push(&res, s, len);
        }
    }
    explist_release(out);
    *out = res;
    return AIDF_OK;
}

/* Parse an optionally signed decimal of at most 18 digits; returns digits used or 0. */
static size_t parse_num(const char *p, size_t n, long long *v, size_t *ndigits)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && p[i] == '-') {
        neg = true;
        i++;
    }
    size_t d0 = i;
    long long x = 0;
    while (i < n && isdigit((unsigned char)p[i]) && i - d0 < 18)
        x = x * 10 + (p[i++] - '0');
    if (i == d0 || (i < n && isdigit((unsigned char)p[i])))
        return 0;
    *v = neg ? -x : x;
    *ndigits = i - d0;
    return i;
}

/*
 * A sequence body "x..y" or "x..y..step" (numbers or single characters) → its items.
 * Returns 1 when `p[0..n)` is a sequence, 0 when not, or a negative AIDF_E* code.
 */
static int expand_range(const char *p, size_t n, struct explist *alts)
{
    long long x, y, step = 1;
    size_t dx, dy, ds, k;
    bool chars = false;
    size_t i = parse_num(p, n, &x, &dx);
    if (i == 0 && n >= 4 && p[1] == '.' && p[2] == '.' && p[0] != '\\' && p[3] != '\\') {
        chars = true;
        x = (unsigned char)p[0];
        i = 1;
    } else if (i == 0) {
        return 0;
    }
    if (i + 2 > n || p[i] != '.' || p[i + 1] != '.')
        return 0;
    i += 2;
    if (chars) {
        if (i >= n)
            return 0;
        y = (unsigned char)p[i++];
        dy = 1;
    } else {
        k = parse_num(p + i, n - i, &y, &dy);
        if (k == 0)
            return 0;
        i += k;
    }
    if (i < n) {
        if (i + 2 > n || p[i] != '.' || p[i + 1] != '.')
            return 0;
        i += 2;
        k = parse_num(p + i, n - i, &step, &ds);
        if (k == 0 || i + k != n)
            return 0;
        if (step < 0)
            step = -step;
        if (step == 0)
            step = 1;
    }
    unsigned long long span = x <= y ? (unsigned long long)(y - x) : (unsigned long long)(x - y);
    if (span / (unsigned long long)step + 1 > AIDF_GLOB_MAX_EXPANSIONS)
        return AIDF_ETOOBIG;
    /* Zero padding, as in bash: "{01..10}" gives 01 02 ... 10. */
    int width = 0;
    if (!chars) {
        const char *xs = p[0] == '-' ? p + 1 : p;
        const char *ys = p + (size_t)(strchr(p, '.') - p) + 2;
        if (*ys == '-')
            ys++;
        if ((xs[0] == '0' && dx > 1) || (ys[0] == '0' && dy > 1))
            width = (int)(dx > dy ? dx : dy);
    }
    for (long long v = x;; v += x <= y ? step : -step) {
        if ((x <= y && v > y) || (x > y && v < y))
            break;
        char buf[48];
        int len;
        if (chars) {
            buf[0] = (char)v;
            len = 1;
        } else if (v < 0) {
            len = snprintf(buf, sizeof(buf), "-%0*lld", width, -v);
        } else {
            len = snprintf(buf, sizeof(buf), "%0*lld", width, v);
        }
        explist_push(alts, aidf_xstrndup(buf, (size_t)len), (size_t)len);
    }
    return 1;
}

static int expand(const struct bctx *c, size_t from, size_t to, int depth, struct explist *out);

/* Expand every alternative of the valid brace group at `open` into `alts`. */
static int expand_group(const struct bctx *c, size_t open, int depth, struct explist *alts)
{
    size_t close = c->match[open];
    if (!c->comma[open])
        return expand_range(c->p + open + 1, close - open - 1, alts);
    size_t start = open + 1;
    for (size_t k = open + 1; k <= close; k++) {
        if (k < close && !(c->p[k] == ',' && c->owner[k] == open))
            continue;
        struct explist one = {0};
        int rc = expand(c, start, k, depth + 1, &one);
        if (rc == AIDF_OK && alts->n + one.n > AIDF_GLOB_MAX_EXPANSIONS)
            rc = AIDF_ETOOBIG;
        if (rc == AIDF_OK && alts->bytes + one.bytes > AIDF_GLOB_MAX_EXPANDED_BYTES)
            rc = AIDF_ETOOBIG;
        if (rc != AIDF_OK) {
            explist_release(&one);
            return rc;
        }
        for (size_t i = 0; i < one.n; i++)
            explist_push(alts, one.s[i], one.len[i]);
        free(one.s);
        free(one.len);
        start = k + 1;
    }
    return 1;
}

/* Expand p[from..to) into `out` (which must be empty). */
static int expand(const struct bctx *c, size_t from, size_t to, int depth, struct explist *out)
{
    if (depth > MAX_BRACE_DEPTH)
        return AIDF_ETOOBIG;
    explist_push(out, aidf_xstrdup(""), 0);
    size_t lit = from, i = from;
    int rc = AIDF_OK;
    while (i < to) {
        if (c->p[i] == '\\' && i + 1 < to) {
            i += 2;
            continue;
        }
        if (c->p[i] != '{' || c->match[i] == NONE) {
            i++;
            continue;
        }
        struct explist alts = {0};
        int g = expand_group(c, i, depth, &alts);
        if (g == 0) {
            explist_release(&alts);
            i++;
            continue;
        }
        if (g < 0) {
            explist_release(&alts);
            return g;
        }
        rc = explist_append(out, c->p + lit, i - lit);
        if (rc == AIDF_OK)
            rc = explist_product(out, &alts);
        explist_release(&alts);
        if (rc != AIDF_OK)
            return rc;
        i = c->match[i] + 1;
        lit = i;
    }
    return explist_append(out, c->p + lit, to - lit);
}

static int brace_expand(const char *p, struct explist *out)
{
    size_t n = strlen(p);
    struct bctx c = {.p = p};
    c.match = aidf_xcalloc(n + 1, sizeof(*c.match));
    c.owner = aidf_xcalloc(n + 1, sizeof(*c.owner));
    c.comma = aidf_xcalloc(n + 1, sizeof(*c.comma));
    size_t *stack = aidf_xcalloc(n + 1, sizeof(*stack));
    size_t sp = 0;
    for (size_t i = 0; i < n; i++) {
        c.match[i] = NONE;
        c.owner[i] = NONE;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') {
            i++; /* an escaped character is never a brace or a comma */
        } else if (p[i] == '{') {
            stack[sp++] = i;
        } else if (p[i] == '}' && sp > 0) {
            c.match[stack[--sp]] = i;
        } else if (p[i] == ',' && sp > 0) {
            c.owner[i] = stack[sp - 1];
            c.comma[stack[sp - 1]] = true;
        }
    }
    free(stack);
    int rc = expand(&c, 0, n, 0, out);
    free(c.match);
    free(c.owner);
    free(c.comma);
    return rc;
}

/* ---- compiled pattern --------------------------------------------------------------- */

enum tkind { T_LIT, T_ANY, T_STAR, T_CLASS, T_SEP, T_GLOBSTAR };

struct tok {
    enum tkind kind;
    unsigned char ch;
    bool neg;
    size_t off, len; /* class body in the pattern */
};

struct toks {
    struct tok *v;
    size_t n, cap;
};

static void tok_push(struct toks *t, struct tok k)
{
    t->v = aidf_xgrow(t->v, &t->cap, t->n + 1, sizeof(*t->v));
    t->v[t->n++] = k;
}

/* Length of the UTF-8 sequence at s, never past n: a byte that does not start a
 * well-formed sequence (an overlong form among them) stands alone, as its own value. */
static size_t cp_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len = aidf_utf8_decode((const char *)s, n, cp);
    if (len == 0) {
        *cp = s[0];
        return 1;
    }
    return len;
}

/* End of a "[:name:]" at p[i] (returns index after "]"), or NONE. */
static size_t posix_class_end(const char *p, size_t i, size_t n)
{
    if (i + 1 >= n || p[i] != '[' || p[i + 1] != ':')
        return NONE;
    for (size_t j = i + 2; j + 1 < n && p[j] != '/'; j++) {
        if (p[j] == ':' && p[j + 1] == ']')
            return j + 2;
        if (!isalpha((unsigned char)p[j]))
            return NONE;
    }
    return NONE;
}

/* Try to parse a class at p[i] == '['; on success fill `t` and return index after ']'. */
static size_t parse_class(const char *p, size_t i, size_t n, size_t last_close, struct tok *t)
{
    size_t j = i + 1;
    bool neg = false;
    if (last_close == NONE || last_close <= i)
        return NONE;
    if (j < n && (p[j] == '!' || p[j] == '^')) {
        neg = true;
        j++;
    }
    size_t body = j;
    if (j < n && p[j] == ']')
        j++;
    while (j < n && p[j] != '/') {
        if (j > last_close)
            return NONE;
        if (p[j] == '\\' && j + 1 < n) {
            j += 2;
            continue;
        }
        size_t pe = posix_class_end(p, j, n);
        if (pe != NONE) {
            j = pe;
            continue;
        }
        if (p[j] == ']') {
            t->kind = T_CLASS;
            t->neg = neg;
            t->off = body;
            t->len = j - body;
            return j + 1;
        }
        j++;
    }
    return NONE;
}

static void compile(const char *p, struct toks *t)
{
    size_t n = strlen(p), last_close = NONE;
    for (size_t i = 0; i < n; i++)
        if (p[i] == ']')
            last_close = i;
    bool seg_start = true;
    size_t i = 0;
    while (i < n) {
        struct tok k = {0};
        if (seg_start && p[i] == '*' && i + 1 < n && p[i + 1] == '*' &&
            (i + 2 == n || p[i + 2] == '/')) {
            k.kind = T_GLOBSTAR;
            tok_push(t, k);
            i += 2;
            seg_start = false;
            continue;
        }
        seg_start = false;
        switch (p[i]) {
        case '/':
            k.kind = T_SEP;
            seg_start = true;
            i++;
            break;
        case '\\':
            k.kind = T_LIT;
            if (i + 1 < n)
                i++;
            k.ch = (unsigned char)p[i++];
            break;
        case '?':
            k.kind = T_ANY;
            i++;
            break;
        case '*':
            k.kind = T_STAR;
            while (i < n && p[i] == '*')
                i++;
            break;
        case '[': {
            size_t e = parse_class(p, i, n, last_close, &k);
            if (e == NONE) {
                k.kind = T_LIT;
                k.ch = '[';
                i++;
            } else {
                i = e;
            }
            break;
        }
        default:
            k.kind = T_LIT;
            k.ch = (unsigned char)p[i++];
            break;
        }
        tok_push(t, k);
    }
}

static bool posix_class_has(const char *name, size_t len, uint32_t c)
{
    static const struct {
        const char *name;
        int (*fn)(int);
    } classes[] = {
        {"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank}, {"cntrl", iscntrl},
        {"digit", isdigit}, {"graph", isgraph}, {"lower", islower}, {"print", isprint},
        {"punct", ispunct}, {"space", isspace}, {"upper", isupper}, {"xdigit", isxdigit},
    };
    if (c > 0x7F)
        return false;
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
        if (strlen(classes[i].name) == len && !memcmp(classes[i].name, name, len))
            return classes[i].fn((int)c) != 0;
    return false;
}

/* Read one class member character at body[*j] (handles '\x'); returns its code point. */
static uint32_t class_char(const char *b, size_t *j, size_t n)
{
    if (b[*j] == '\\' && *j + 1 < n)
        (*j)++;
    uint32_t cp;
    *j += cp_decode((const unsigned char *)b + *j, n - *j, &cp);
    return cp;
}

static bool class_has(const char *pat, const struct tok *t, uint32_t c)
{
    const char *b = pat + t->off;
    size_t n = t->len, j = 0;
    while (j < n) {
        size_t pe = posix_class_end(b, j, n);
        if (pe != NONE && pe <= n) {
            if (posix_class_has(b + j + 2, pe - j - 4, c))
                return true;
            j = pe;
            continue;
        }
        uint32_t lo = class_char(b, &j, n);
        if (j + 1 < n && b[j] == '-') {
            j++;
            uint32_t hi = class_char(b, &j, n);
            if (lo <= c && c <= hi)
                return true;
        } else if (c == lo) {
            return true;
        }
    }
    return false;
}

/* Bytes of s[0..n) consumed by one non-star token, 0 when it does not match. */
static size_t tok_match(const char *pat, const struct tok *t, const char *s, size_t n)
{
    if (n == 0)
        return 0;
    uint32_t cp;
    size_t len;
    switch (t->kind) {
    case T_LIT:
        return (unsigned char)s[0] == t->ch ? 1 : 0;
    case T_ANY:
        return cp_decode((const unsigned char *)s, n, &cp);
    case T_CLASS:
        len = cp_decode((const unsigned char *)s, n, &cp);
        return class_has(pat, t, cp) != t->neg ? len : 0;
    default:
        return 0;
    }
}

static bool is_dot_seg(const char *s, size_t n)
{
    return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.');
}

/* One pattern segment (tokens [a, b), no SEP/GLOBSTAR) against one path segment. */
static bool seg_match(const char *pat, const struct tok *tk, size_t a, size_t b, const char *s,
                      size_t m)
{
    if (m == 0)
        return a == b;
    if (a < b && tk[a].kind != T_LIT && is_dot_seg(s, m))
        return false;
    size_t ti = a, si = 0, star_t = NONE, star_s = 0;
    while (si < m) {
        if (ti < b && tk[ti].kind == T_STAR) {
            star_t = ti++;
            star_s = si;
            continue;
        }
        if (ti < b) {
            size_t k = tok_match(pat, &tk[ti], s + si, m - si);
            if (k) {
                ti++;
                si += k;
                continue;
            }
        }
        if (star_t == NONE)
            return false;
        uint32_t cp;
        star_s += cp_decode((const unsigned char *)s + star_s, m - star_s, &cp);
        si = star_s;
        ti = star_t + 1;
    }
    while (ti < b && tk[ti].kind == T_STAR)
        ti++;
    return ti == b;
}

struct span {
    size_t a, b;
};

static bool match_compiled(const char *pat, const struct toks *t, const char *path)
{
    /* Segment boundaries of the pattern (token ranges) and of the path (byte ranges). */
    size_t np = 1, ns = 1, plen = strlen(path);
    for (size_t i = 0; i < t->n; i++)
        np += t->v[i].kind == T_SEP;
    for (size_t i = 0; i < plen; i++)
        ns += path[i] == '/';
    struct span *ps = aidf_xcalloc(np, sizeof(*ps));
    struct span *ss = aidf_xcalloc(ns, sizeof(*ss));
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= t->n; i++) {
        if (i == t->n || t->v[i].kind == T_SEP) {
            ps[k].a = start;
            ps[k++].b = i;
            start = i + 1;
        }
    }
    k = 0;
    start = 0;
    for (size_t i = 0; i <= plen; i++) {
        if (i == plen || path[i] == '/') {
            ss[k].a = start;
            ss[k++].b = i;
            start = i + 1;
        }
    }

    size_t pi = 0, si = 0, star_p = NONE, star_s = 0;
    bool ok = false;
    for (;;) {
        if (si == ns) {
            while (pi < np && ps[pi].b == ps[pi].a + 1 && t->v[ps[pi].a].kind == T_GLOBSTAR)
                pi++;
            ok = pi == np;
            break;
        }
        if (pi < np && ps[pi].b == ps[pi].a + 1 && t->v[ps[pi].a].kind == T_GLOBSTAR) {
            star_p = pi++;
            star_s = si;
            continue;
        }
        if (pi < np &&
            seg_match(pat, t->v, ps[pi].a, ps[pi].b, path + ss[si].a, ss[si].b - ss[si].a)) {
            pi++;
            si++;
            continue;
        }
        /* "**" never walks through "." or "..". */
        if (star_p == NONE || is_dot_seg(path + ss[star_s].a, ss[star_s].b - ss[star_s].a))
            break;
        si = ++star_s;
        pi = star_p + 1;
    }
    free(ps);
    free(ss);
    return ok;
}

/* minimatch on already normalised strings. */
static int minimatch_norm(const char *pat, const char *path)
{
    if (pat[0] == '#')
        return 0;
    bool neg = false;
    while (*pat == '!') {
        neg = !neg;
        pat++;
    }
    struct explist alts = {0};
    int rc = brace_expand(pat, &alts);
    bool hit = false;
    for (size_t i = 0; rc == AIDF_OK && i < alts.n && !hit; i++) {
        struct toks t = {0};
        compile(alts.s[i], &t);
        hit = match_compiled(alts.s[i], &t, path);
        free(t.v);
    }
    explist_release(&alts);
    if (rc != AIDF_OK)
        return rc;
    return hit != neg;
}

int aidf_glob_minimatch(const char *pattern, const char *path)
{
    if (!pattern || !path)
        return AIDF_EINVAL;
    if (strlen(pattern) > AIDF_GLOB_MAX_PATTERN)
        return AIDF_ETOOBIG;
    char *p = normalize(pattern), *s = normalize(path);
    int rc = minimatch_norm(p, s);
    free(p);
    free(s);
    return rc;
}

/* Index where upstream's regex (optional '/', then "**", then the rest) starts, or NONE. */
static size_t globstar_tail(const char *p)
{
    /* '.' does not match '\n' in JavaScript, so the tail must lie after the last newline. */
    const char *nl = strrchr(p, '\n');
    const char *from = nl ? nl + 1 : p;
    const char *ss = strstr(from, "**");
    if (!ss)
        return NONE;
    if (ss > from && ss[-1] == '/')
        ss--;
    return (size_t)(ss - p);
}

int aidf_glob_match_ex(const char *pattern, const char *path)
{
    if (!pattern || !path)
        return AIDF_EINVAL;
    size_t plen = strlen(pattern);
    if (plen > AIDF_GLOB_MAX_PATTERN)
        return AIDF_ETOOBIG;
    char *p = normalize(pattern), *s = normalize(path);
    int rc = minimatch_norm(p, s);
    size_t n = strlen(p);
    if (rc == 0 && (!strchr(p, '*') || (n >= 2 && !strcmp(p + n - 2, "**")))) {
        /* (2) the pattern as a directory: pattern + "/" + "**". */
        char *dir = aidf_xmalloc(n + 4);
        memcpy(dir, p, n);
        size_t o = n;
        if (n == 0 || p[n - 1] != '/')
            dir[o++] = '/';
        memcpy(dir + o, "**", 3);
        rc = minimatch_norm(dir, s);
        free(dir);
    }
    if (rc == 0 && !strstr(p, "*.")) {
        /* (3) prefix fallback on the part before the first "**". */
        size_t cut = globstar_tail(p);
        size_t blen = cut == NONE ? n : cut;
        if (blen > 0 && !strncmp(s, p, blen) && (s[blen] == '\0' || s[blen] == '/'))
            rc = 1;
    }
    free(p);
    free(s);
    return rc;
}
