/*
 * IANA time zones from the system's TZif files, without TZ (see include/aidf/tz.h).
 *
 * A zone is a table of transitions (instant → UTC offset) plus an optional POSIX TZ rule
 * for instants after the table. Formats: RFC 8536 (TZif versions 1-4, whose v2+ body has
 * 64-bit times and a footer holding the rule) and POSIX.1-2017 §8.3 for the rule, with the
 * RFC's extensions (hours up to ±167 in rule times).
 */
#include "aidf/tz.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

/* Largest TZif file read (the biggest system file is under 4 KB; fat ones under 8 KB). */
#define TZ_FILE_MAX (256 * 1024)
/* Longest zone name accepted. */
#define TZ_NAME_MAX 64
/* Bounds of a UTC offset: RFC 8536 §3.2 allows -89999..93599 seconds. */
#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599

/* When a DST period starts or ends in a year: Jn (day 1..365, Feb 29 never counted),
 * n (day 0..365, counted), or Mm.w.d (day d of week w of month m; w 5 = the last). */
struct when {
    char kind; /* 'J', 'n' or 'M' */
    int n, m, w, d;
    int32_t time; /* seconds after local midnight, -167h..167h */
};

struct rule {
    int32_t std_off, dst_off; /* UTC offsets (seconds east of UTC) */
    bool has_dst;
    struct when start, end;
};

struct aidf_tz {
    char *name;
    size_t n;        /* transitions */
    int64_t *trans;  /* ascending instants (seconds since the epoch) */
    int32_t *off_at; /* the UTC offset from trans[i] on */
    int32_t first;   /* the offset before trans[0] (time type 0) */
    bool has_rule;   /* the footer's rule applies after the last transition */
    struct rule rule;
};

/* ---- POSIX TZ rules ------------------------------------------------------------------- */

/* A zone abbreviation: 3+ letters, or <...> of letters, digits, '+' and '-'. */
static bool parse_abbr(const char **p)
{
    const char *s = *p;
    if (*s == '<') {
        size_t n = 0;
        s++;
        while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-')
            n++;
        if (n < 3 || s[n] != '>')
            return false;
        *p = s + n + 1;
        return true;
    }
    size_t n = 0;
    while (isalpha((unsigned char)s[n]))
        n++;
    if (n < 3)
        return false;
    *p = s + n;
    return true;
}

/* [+-]hh[:mm[:ss]] with hh up to `max_h`; the value in seconds, sign applied. */
static bool parse_hms(const char **p, int max_h, int32_t *out)
{
    const char *s = *p;
    int sign = 1;
    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*s))
        return false;
    int h = 0, m = 0, sec = 0, k = 0;
    while (isdigit((unsigned char)*s) && k < 3)
        h = h * 10 + (*s++ - '0'), k++;
    if (isdigit((unsigned char)*s) || h > max_h)
        return false;
    for (int part = 0; part < 2 && *s == ':'; part++) {
        s++;
        if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]))
            return false;
        int v = (s[0] - '0') * 10 + (s[1] - '0');
        if (v > 59)
            return false;
        s += 2;
        if (part == 0)
            m = v;
        else
            sec = v;
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *p = s;
    return true;
}

/* A number of 1..`max_digits` digits within [lo, hi]. */
static bool parse_num(const char **p, int max_digits, int lo, int hi, int *out)
{
    const char *s = *p;
    int v = 0, k = 0;
    while (isdigit((unsigned char)*s) && k < max_digits)
        v = v * 10 + (*s++ - '0'), k++;
    if (!k || isdigit((unsigned char)*s) || v < lo || v > hi)
        return false;
    *out = v;
    *p = s;
    return true;
}

static bool parse_when(const char **p, struct when *w)
{
    const char *s = *p;
    memset(w, 0, sizeof(*w));
    w->time = 2 * 3600;
    if (*s == 'J') {
        s++;
        w->kind = 'J';
        if (!parse_num(&s, 3, 1, 365, &w->n))
            return false;
    } else if (*s == 'M') {
        s++;
        w->kind = 'M';
        if (!parse_num(&s, 2, 1, 12, &w->m) || *s++ != '.' || !parse_num(&s, 1, 1, 5, &w->w) ||
            *s++ != '.' || !parse_num(&s, 1, 0, 6, &w->d))
            return false;
    } else {
        w->kind = 'n';
        if (!parse_num(&s, 3, 0, 365, &w->n))
            return false;
    }
    if (*s == '/') {
        s++;
        if (!parse_hms(&s, 167, &w->time))
            return false;
    }
    *p = s;
    return true;
}

static bool parse_rule(const char *s, struct rule *r)
{
    memset(r, 0, sizeof(*r));
    int32_t off;
    if (!parse_abbr(&s) || !parse_hms(&s, 24, &off))
        return false;
    r->std_off = -off; /* POSIX offsets are west of UTC */
    r->dst_off = r->std_off;
    if (!*s)
        return true;
    if (!parse_abbr(&s))
        return false;
    r->has_dst = true;
    r->dst_off = r->std_off + 3600;
    if (*s && *s != ',') {
        if (!parse_hms(&s, 24, &off))
            return false;
        r->dst_off = -off;
    }
    if (!*s) {
        /* No dates: POSIX leaves them to the implementation; the US rules, as glibc. */
        s = ",M3.2.0,M11.1.0";
    }
    if (*s++ != ',' || !parse_when(&s, &r->start) || *s++ != ',' || !parse_when(&s, &r->end))
        return false;
    return *s == '\0';
}

/* Local midnight-relative seconds since the epoch at which `w` falls in year `y`. */
static int64_t when_local(const struct when *w, int64_t y)
{
    int64_t day;
    bool leap = aidf_days_in_month(y, 2) == 29;
    switch (w->kind) {
    case 'J':
        day = aidf_days_from_civil(y, 1, 1) + w->n - 1 + (leap && w->n >= 60 ? 1 : 0);
        break;
    case 'n':
        day = aidf_days_from_civil(y, 1, 1) + w->n;
        break;
    default: {
        int64_t first = aidf_days_from_civil(y, w->m, 1);
        int wd = (int)(((first % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday (4) */
        int mday = 1 + (w->d - wd + 7) % 7 + (w->w - 1) * 7;
        int dim = aidf_days_in_month(y, w->m);
        while (mday > dim)
            mday -= 7;
        day = first + mday - 1;
        break;
    }
    }
    return day * 86400 + w->time;
}

static int32_t rule_offset(const struct rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    int y, m, d;
    aidf_civil_from_days(aidf_floor_div(t + r->std_off, 86400), &y, &m, &d);
    /* The start is given in standard time, the end in daylight time. */
    int64_t start = when_local(&r->start, y) - r->std_off;
    int64_t end = when_local(&r->end, y) - r->dst_off;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* ---- TZif files ------------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct counts {
    uint32_t isut, isstd, leap, time, type, chr;
};

/* The header at `p` (44 bytes); false when it is not a TZif header. */
static bool read_header(const unsigned char *p, size_t avail, struct counts *c, char *version)
{
    if (avail < 44 || memcmp(p, "TZif", 4) != 0)
        return false;
    *version = (char)p[4];
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chr = be32(p + 40);
    /* RFC 8536 §3.1: typecnt and charcnt are non-zero; the indicator counts are 0 or typecnt.
     * The 1<<20 bound keeps every product below in range. */
    if (c->type == 0 || c->type > 256 || c->chr == 0 || c->time > (1u << 20) ||
        c->leap > (1u << 20) || c->chr > (1u << 20) || (c->isut && c->isut != c->type) ||
        (c->isstd && c->isstd != c->type))
        return false;
    return true;
}

static size_t body_size(const struct counts *c, size_t tsize)
{
    return (size_t)c->time * tsize + c->time + (size_t)c->type * 6 + c->chr +
           (size_t)c->leap * (tsize + 4) + c->isstd + c->isut;
}

struct aidf_tz *aidf_tz_parse(const char *name, const unsigned char *data, size_t len,
                              struct aidf_error *err)
{
    struct counts c;
    char version;
    if (!read_header(data, len, &c, &version))
        goto bad;
    size_t tsize = 4;
    const unsigned char *p = data + 44;
    size_t avail = len - 44;
    size_t size = body_size(&c, 4);
    if (size > avail)
        goto bad;
    if (version >= '2') {
        /* Skip the 32-bit body: the 64-bit one follows with its own header. */
        p += size;
        avail -= size;
        char v2;
        if (!read_header(p, avail, &c, &v2) || v2 != version)
            goto bad;
        p += 44;
        avail -= 44;
        tsize = 8;
        size = body_size(&c, 8);
        if (size > avail)
            goto bad;
    }
    struct aidf_tz *tz = aidf_xcalloc(1, sizeof(*tz));
    tz->name = aidf_xstrdup(name);
    tz->n = c.time;
    tz->trans = aidf_xcalloc(c.time ? c.time : 1, sizeof(*tz->trans));
    tz->off_at = aidf_xcalloc(c.time ? c.time : 1, sizeof(*tz->off_at));
    const unsigned char *times = p, *idx = p + (size_t)c.time * tsize;
    const unsigned char *types = idx + c.time;
    int32_t utoff[256];
    for (uint32_t i = 0; i < c.type; i++) {
        int32_t o = (int32_t)be32(types + 6 * (size_t)i);
        if (o < UTOFF_MIN || o > UTOFF_MAX || types[6 * (size_t)i + 4] > 1 ||
            types[6 * (size_t)i + 5] >= c.chr)
            goto bad_tz;
        utoff[i] = o;
    }
    tz->first = utoff[0];
    for (uint32_t i = 0; i < c.time; i++) {
        int64_t t = tsize == 8 ? be64(times + 8 * (size_t)i)
                               : (int64_t)(int32_t)be32(times + 4 * (size_t)i);
        if (i > 0 && t <= tz->trans[i - 1])
            goto bad_tz;
        if (idx[i] >= c.type)
            goto bad_tz;
        tz->trans[i] = t;
        tz->off_at[i] = utoff[idx[i]];
    }
    if (version >= '2') {
        /* The footer: "\n" rule "\n" (the rule may be empty). */
        const unsigned char *f = p + size, *end = data + len;
        if (f >= end || *f != '\n')
            goto bad_tz;
        const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
        if (!nl || nl - f - 1 > 256)
            goto bad_tz;
        if (nl > f + 1) {
            char rule[257];
            memcpy(rule, f + 1, (size_t)(nl - f - 1));
            rule[nl - f - 1] = '\0';
            if (!parse_rule(rule, &tz->rule))
                goto bad_tz;
            tz->has_rule = true;
        }
    }
    return tz;
bad_tz:
    aidf_tz_free(tz);
bad:
    aidf_fail(err, AIDF_EINVAL, "time zone '%s': not a valid TZif file", name);
    return NULL;
}

struct aidf_tz *aidf_tz_from_rule(const char *rule, struct aidf_error *err)
{
    struct rule r;
    if (!rule || !parse_rule(rule, &r)) {
        aidf_fail(err, AIDF_EINVAL, "invalid POSIX TZ rule '%.80s'", rule ? rule : "");
        return NULL;
    }
    struct aidf_tz *tz = aidf_xcalloc(1, sizeof(*tz));
    tz->name = aidf_xstrdup(rule);
    tz->has_rule = true;
    tz->rule = r;
    tz->first = r.std_off;
    return tz;
}

void aidf_tz_free(struct aidf_tz *tz)
{
    if (!tz)
        return;
    free(tz->name);
    free(tz->trans);
    free(tz->off_at);
    free(tz);
}

const char *aidf_tz_name(const struct aidf_tz *tz)
{
    return tz->name;
}

int32_t aidf_tz_offset(const struct aidf_tz *tz, int64_t t)
{
    /* Beyond ±2^40 s (about 35,000 years) the answer no longer changes meaningfully, and
     * the calendar arithmetic must not overflow. */
    if (t > (INT64_C(1) << 40))
        t = INT64_C(1) << 40;
    if (t < -(INT64_C(1) << 40))
        t = -(INT64_C(1) << 40);
    if (tz->n == 0)
        return tz->has_rule ? rule_offset(&tz->rule, t) : tz->first;
    if (t < tz->trans[0])
        return tz->first;
    if (t >= tz->trans[tz->n - 1] && tz->has_rule)
        return rule_offset(&tz->rule, t);
    size_t lo = 0, hi = tz->n; /* the last transition at or before t is in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->off_at[lo];
}

/* The interval around `t` over which the rule gives one offset: within the rule's year of
 * `t` (years are counted in standard time, as rule_offset() does) the offset changes only
 * at the year's DST start and end. */
static void rule_span(const struct rule *r, int64_t t, int64_t *from, int64_t *until)
{
    *from = INT64_MIN;
    *until = INT64_MAX;
    if (!r->has_dst)
        return;
    int y, m, d;
    aidf_civil_from_days(aidf_floor_div(t + r->std_off, 86400), &y, &m, &d);
    *from = aidf_days_from_civil(y, 1, 1) * 86400 - r->std_off;
    *until = aidf_days_from_civil((int64_t)y + 1, 1, 1) * 86400 - r->std_off;
    int64_t breaks[2] = {when_local(&r->start, y) - r->std_off,
                         when_local(&r->end, y) - r->dst_off};
    for (int i = 0; i < 2; i++) {
        if (breaks[i] <= t && breaks[i] > *from)
            *from = breaks[i];
        if (breaks[i] > t && breaks[i] < *until)
            *until = breaks[i];
    }
}

int32_t aidf_tz_offset_span(const struct aidf_tz *tz, int64_t t, int64_t *from, int64_t *until)
{
    const int64_t lim = INT64_C(1) << 40; /* as in aidf_tz_offset() */
    int32_t off = aidf_tz_offset(tz, t);
    if (t > lim || t < -lim) {
        *from = t > lim ? lim + 1 : INT64_MIN;
        *until = t > lim ? INT64_MAX : -lim;
        return off;
    }
    *from = INT64_MIN;
    *until = INT64_MAX;
    if (tz->n == 0) {
        if (tz->has_rule)
            rule_span(&tz->rule, t, from, until);
    } else if (t < tz->trans[0]) {
        *until = tz->trans[0];
    } else if (t >= tz->trans[tz->n - 1]) {
        *from = tz->trans[tz->n - 1];
        if (tz->has_rule) {
            int64_t f, u;
            rule_span(&tz->rule, t, &f, &u);
            *from = f > *from ? f : *from;
            *until = u;
        }
    } else {
        size_t lo = 0, hi = tz->n; /* as in aidf_tz_offset() */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (tz->trans[mid] <= t)
                lo = mid;
            else
                hi = mid;
        }
        *from = tz->trans[lo];
        *until = tz->trans[lo + 1];
    }
    /* Past ±lim aidf_tz_offset() answers as at ±lim, which is inside this span when the
     * span reaches that far: no clamp needed. */
    return off;
}

/* ---- the cache of named zones -------------------------------------------------------------- */

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cached {
    struct aidf_tz *tz;
    struct cached *next;
} * cache;

static bool valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/' || strstr(name, "//") ||
        strncmp(name, "right/", 6) == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!isalnum((unsigned char)ch) && ch != '_' && ch != '-' && ch != '+' && ch != '/')
            return false;
    }
    return true;
}

static struct aidf_tz *load(const char *name, struct aidf_error *err)
{
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
        struct aidf_tz *tz = aidf_tz_from_rule("UTC0", err);
        free(tz->name);
        tz->name = aidf_xstrdup(name);
        return tz;
    }
    const char *dir = getenv("TZDIR");
    char *path = aidf_path_join(dir && *dir ? dir : "/usr/share/zoneinfo", name);
    char *data = NULL;
    size_t len = 0;
    struct aidf_error rerr;
    int rc = aidf_read_file(path, TZ_FILE_MAX, &data, &len, &rerr);
    free(path);
    if (rc == AIDF_ENOTFOUND || rc == AIDF_EIO) {
        /* A directory ("America") reads as an I/O error: not a zone either. */
        aidf_fail(err, AIDF_ENOTFOUND,
                  "unknown time zone '%s' (an IANA name such as UTC or "
                  "America/New_York)",
                  name);
        return NULL;
    }
    if (rc != AIDF_OK) {
        aidf_fail(err, AIDF_EINVAL, "time zone '%s': %s", name, rerr.msg);
        return NULL;
    }
    struct aidf_tz *tz = aidf_tz_parse(name, (const unsigned char *)data, len, err);
    free(data);
    return tz;
}

const struct aidf_tz *aidf_tz_get(const char *name, struct aidf_error *err)
{
    if (!name || !valid_name(name)) {
        aidf_fail(err, AIDF_EINVAL,
                  "invalid time zone name '%.80s' (an IANA name such as UTC "
                  "or America/New_York)",
                  name ? name : "");
        return NULL;
    }
    pthread_mutex_lock(&cache_mu);
    for (struct cached *c = cache; c; c = c->next)
        if (strcmp(c->tz->name, name) == 0) {
            pthread_mutex_unlock(&cache_mu);
            return c->tz;
        }
    /* Loaded under the lock: a zone is read once, and only names of existing files
     * (a few hundred) can ever enter the cache. */
    struct aidf_tz *tz = load(name, err);
    if (tz) {
        struct cached *c = aidf_xmalloc(sizeof(*c));
        c->tz = tz;
        c->next = cache;
        cache = c;
    }
    pthread_mutex_unlock(&cache_mu);
    return tz;
}

/* ---- the local zone ------------------------------------------------------------------------ */

/* A zone that aidf_tz_get() cannot name (a rule, a file path), kept in the cache under a name
 * that is not a valid zone name, so aidf_tz_get() never returns it. */
static const struct aidf_tz *cache_own(struct aidf_tz *tz)
{
    pthread_mutex_lock(&cache_mu);
    for (struct cached *c = cache; c; c = c->next)
        if (strcmp(c->tz->name, tz->name) == 0) {
            pthread_mutex_unlock(&cache_mu);
            aidf_tz_free(tz);
            return c->tz;
        }
    struct cached *c = aidf_xmalloc(sizeof(*c));
    c->tz = tz;
    c->next = cache;
    cache = c;
    pthread_mutex_unlock(&cache_mu);
    return tz;
}

/* The IANA name in a path to a zone file ("/usr/share/zoneinfo/Europe/Berlin" →
 * "Europe/Berlin"), or NULL. */
static const char *name_in_path(const char *path)
{
    const char *p = strstr(path, "zoneinfo/");
    if (!p)
        return NULL;
    p += strlen("zoneinfo/");
    if (strncmp(p, "posix/", 6) == 0)
        p += 6;
    return valid_name(p) ? p : NULL;
}

/* A TZif file at an absolute path, under its IANA name when the path shows one. */
static const struct aidf_tz *zone_file(const char *path, struct aidf_error *err)
{
    const char *name = name_in_path(path);
    if (name) {
        const struct aidf_tz *tz = aidf_tz_get(name, err);
        if (tz)
            return tz;
    }
    char *data = NULL;
    size_t len = 0;
    int rc = aidf_read_file(path, TZ_FILE_MAX, &data, &len, err);
    if (rc != AIDF_OK)
        return NULL;
    struct aidf_tz *tz = aidf_tz_parse(path, (const unsigned char *)data, len, err);
    free(data);
    return tz ? cache_own(tz) : NULL;
}

static const struct aidf_tz *utc(void)
{
    return aidf_tz_get("UTC", NULL);
}

const struct aidf_tz *aidf_tz_local(struct aidf_error *err)
{
    const char *env = getenv("TZ");
    const struct aidf_tz *tz = NULL;
    if (env) {
        if (*env == ':')
            env++;
        if (!*env)
            return utc();
        if (*env == '/') {
            tz = zone_file(env, err);
        } else if (valid_name(env)) {
            tz = aidf_tz_get(env, err);
        }
        if (!tz && *env != '/') {
            /* Not a zone file: a POSIX rule ("EST5EDT,M3.2.0,M11.1.0", "<+0530>-5:30"). */
            struct aidf_tz *r = aidf_tz_from_rule(env, NULL);
            if (r)
                return cache_own(r);
            if (!valid_name(env))
                aidf_fail(err, AIDF_EINVAL, "invalid TZ '%.80s' (a zone name or a POSIX rule)",
                          env);
        }
        return tz ? tz : utc();
    }
    char link[512];
    ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
    if (n > 0) {
        link[n] = '\0';
        const char *name = name_in_path(link);
        if (name && (tz = aidf_tz_get(name, NULL)) != NULL)
            return tz;
    }
    char *text = NULL;
    size_t len = 0;
    if (aidf_read_file("/etc/timezone", 256, &text, &len, NULL) == AIDF_OK) {
        text[strcspn(text, " \t\r\n")] = '\0';
        tz = valid_name(text) ? aidf_tz_get(text, NULL) : NULL;
        free(text);
        if (tz)
            return tz;
    }
    tz = zone_file("/etc/localtime", NULL);
    return tz ? tz : utc();
}
