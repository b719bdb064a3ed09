/*
 * The store's `.index` file: its format (docs/internals.md, "The .index file"), loading
 * and saving. The index is a cache of the report files, so loading trusts nothing: any
 * damage or forgery makes the file rejected and the index rebuilt from the reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/textutil.h"
#include "aidf/timeutil.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"
#include "store_index.h"

#define IDX_MAGIC "AIDFIDX\n"
/*
 * 2: reports are decoded with the bounds of include/aidf/report.h; an index of version 1
 *    may hold summaries of files those bounds now refuse.
 * 3: varint-packed records with the team dimensions (project, actor, branch, task name
 *    and type, tags, currency, CI) and the time the store first saw each run; strings by
 *    number, the most used first.
 * A new version makes every store rebuild its index once.
 */
#define IDX_VERSION 3u
#define IDX_ENDIAN  0x01020304u

struct disk_hdr {
    char magic[8];
    uint32_t version, endian;
    uint32_t hdr_size, dir_size, phase_count, str_fields;
    uint64_t n_dirs, n_recs, n_live, rec_bytes, n_strings, strtab_len;
    int64_t written_ns;
    uint64_t checksum; /* over everything after the header */
};

struct disk_dir {
    char name[16];
    int64_t mtime_ns, checked_ns;
    uint64_t nfiles;
};

_Static_assert(sizeof(struct disk_hdr) == AIDF_SIDX_HDR_SIZE, "the header size is documented");
_Static_assert(sizeof(struct disk_dir) == 40, "a directory record is 40 bytes");

enum {
    REC_BAD = 1,        /* not a usable report: only the file and its stat data follow */
    REC_HAS_TOKENS = 2, /* the report had a tokens block */
    REC_ESTIMATED = 4,  /* tokens were estimated */
    REC_UNPRICED = 8,   /* no cost figure */
    REC_CI = 16,        /* environment.ci was true */
    REC_ID_TEXT = 32,   /* the run id is a string (not lower-case hex): else 16 bytes */
    REC_TS_TEXT = 64,   /* the timestamp is a string: else the ISO form of ts_ms */
    REC_FILE_TEXT = 128 /* the file is a string: else "<UTC date>/run-<id8>.json" */
};
#define REC_FLAGS_ALL 255u

/* The string members stored by number, in the order of AIDF_RUN_SUMMARY_STRINGS, all
 * but the timestamp (which has its own rule). */
#define COUNT_STR(f) +1
enum { N_STR = 0 AIDF_RUN_SUMMARY_STRINGS(COUNT_STR) };
#undef COUNT_STR

/* Numbers: stored exactly, in the fewest bytes that give the same double back. */
static const double num_scale[3] = {1, 1e3, 1e6};

/* ---- shared with the directory sync ------------------------------------------------- */

uint64_t aidf_sidx_checksum(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001B3ULL;
        h ^= h >> 32;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ULL;
    return h ^ (h >> 29);
}

void aidf_sidx_put_varint(struct aidf_buf *b, uint64_t v)
{
    unsigned char t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (unsigned char)v;
    aidf_buf_add(b, t, n);
}

bool aidf_sidx_valid_date_name(const char *n)
{
    static const char pat[] = "dddd-dd-dd";
    for (int i = 0; i < 10; i++) {
        if (pat[i] == 'd' ? (n[i] < '0' || n[i] > '9') : n[i] != '-')
            return false;
    }
    return n[10] == '\0';
}

bool aidf_sidx_valid_report_name(const char *fn, size_t fl)
{
    return fl >= 6 && fn[0] != '.' && memchr(fn, '/', fl) == NULL &&
           memcmp(fn + fl - 5, ".json", 5) == 0;
}

/*
 * A record's file: "YYYY-MM-DD/<report name>" exactly, so that no index, forged or
 * damaged, can name a path outside its date directory ("2026-11-20/../../etc/passwd").
 */
static bool valid_record_file(const char *file)
{
    size_t n = strlen(file);
    if (n < 12 || file[10] != '/')
        return false;
    char name[11];
    memcpy(name, file, 10);
    name[10] = '\0';
    return aidf_sidx_valid_date_name(name) && aidf_sidx_valid_report_name(file + 11, n - 11);
}

/* ---- encoding ----------------------------------------------------------------------- */

static void put_num(struct aidf_buf *b, double v)
{
    /* Tag (zigzag(k) << 2 | mode): mode 1..3 is k / 1, 1e3, 1e6; tag 0 is 8 raw bytes. */
    if (isfinite(v) && fabs(v) < 1e15) {
        for (int m = 0; m < 3; m++) {
            double x = v * num_scale[m];
            if (!(fabs(x) < 4e15))
                break;
            int64_t k = llround(x);
            double back = m == 0 ? (double)k : (double)k / num_scale[m];
            if (back == v && signbit(back) == signbit(v)) {
                aidf_sidx_put_varint(b, aidf_sidx_zigzag(k) << 2 | (uint64_t)(m + 1));
                return;
            }
        }
    }
    aidf_sidx_put_varint(b, 0);
    aidf_buf_add(b, &v, sizeof(v));
}

static void put_z(struct aidf_buf *b, int64_t v)
{
    aidf_sidx_put_varint(b, aidf_sidx_zigzag(v));
}

/* a - b with wrap-around (the decoder adds it back the same way, so any pair round-trips). */
static int64_t wdiff(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a - (uint64_t)b);
}

static int64_t wsum(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* 16 bytes of a lower-case canonical UUID; false for anything else (an upper-case id
 * is kept as text so it reads back as written). */
static bool id_to_bytes(const char *id, unsigned char out[16])
{
    if (!aidf_run_id_valid(id) || id[AIDF_RUN_ID_LEN] != '\0')
        return false;
    size_t k = 0;
    for (size_t i = 0; i < AIDF_RUN_ID_LEN; i++) {
        if (id[i] == '-')
            continue;
        if ((id[i] >= 'A' && id[i] <= 'F') || (id[i + 1] >= 'A' && id[i + 1] <= 'F'))
            return false;
        out[k++] = (unsigned char)(aidf_hex_digit(id[i]) << 4 | aidf_hex_digit(id[i + 1]));
        i++;
    }
    return k == 16;
}

static void id_from_bytes(const unsigned char in[16], char out[AIDF_RUN_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[in[i] >> 4];
        out[o++] = hex[in[i] & 15];
    }
    out[o] = '\0';
}

/* The canonical file of a run: "<UTC date of ts>/run-<first 8 of id>.json", from the ISO
 * form of its timestamp. */
static void canonical_file(const char iso[AIDF_ISO_LEN], const char *id, char out[32])
{
    size_t idn = strnlen(id, 8);
    memcpy(out, iso, 10);
    memcpy(out + 10, "/run-", 5);
    memcpy(out + 15, id, idn);
    memcpy(out + 15 + idn, ".json", 6);
}

/* The strings of the index by number: most used first, 0 is "". */
struct strtab {
    struct aidf_strmap ids; /* string → position in `items` during counting, then id */
    struct str_item {
        const char *s;
        size_t len, uses;

    } * items;
    size_t n, cap;
};

static void strtab_count(struct strtab *t, const char *s)
{
    if (!s || !*s)
        return;
    size_t len = strlen(s);
    bool added;
    size_t *v = aidf_strmap_put(&t->ids, s, len, &added);
    if (added) {
        t->items = aidf_xgrow(t->items, &t->cap, t->n + 1, sizeof(*t->items));
        t->items[t->n] = (struct str_item){s, len, 0};
        *v = t->n++;
    }
    t->items[*v].uses++;
}

static int cmp_uses(const void *a, const void *b)
{
    const struct str_item *x = a, *y = b;
    if (x->uses != y->uses)
        return x->uses > y->uses ? -1 : 1;
    return strcmp(x->s, y->s);
}

/* Number the strings by use (id 1 is the most used) and write the table into `out`. */
static void strtab_finish(struct strtab *t, struct aidf_buf *out)
{
    if (t->n > 1)
        qsort(t->items, t->n, sizeof(*t->items), cmp_uses);
    aidf_buf_addch(out, '\0');
    for (size_t i = 0; i < t->n; i++) {
        bool added;
        *aidf_strmap_put(&t->ids, t->items[i].s, t->items[i].len, &added) = i + 1;
        aidf_buf_add(out, t->items[i].s, t->items[i].len + 1);
    }
}

static uint64_t strtab_id(const struct strtab *t, const char *s)
{
    if (!s || !*s)
        return 0;
    const size_t *v = aidf_strmap_find(&t->ids, s, strlen(s));
    return v ? *v : 0;
}

/* The changed files: the number of paths, then each path's string number. */
static void put_lines(struct aidf_buf *b, const struct strtab *t, const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    aidf_sidx_put_varint(b, n);
    for (size_t i = 0; i < n; i++)
        aidf_sidx_put_varint(b, strtab_id(t, list[i]));
}

/* What a usable record stores as text rather than derives. */
static unsigned text_flags(const struct aidf_run_summary *m, unsigned char id[16])
{
    unsigned f = 0;
    if (!id_to_bytes(m->run_id, id))
        f |= REC_ID_TEXT;
    char iso[AIDF_ISO_LEN], file[32];
    aidf_iso_format(m->ts_ms, iso);
    if (strcmp(iso, m->timestamp) != 0)
        f |= REC_TS_TEXT;
    canonical_file(iso, m->run_id, file);
    if (strcmp(file, m->file) != 0)
        f |= REC_FILE_TEXT;
    return f;
}

static void put_record(struct aidf_buf *b, const struct strtab *t, const struct aidf_sidx_ent *e)
{
    const struct aidf_run_summary *m = &e->sum;
    unsigned char id[16];
    if (e->bad) {
        aidf_sidx_put_varint(b, REC_BAD | REC_FILE_TEXT);
        aidf_sidx_put_varint(b, strtab_id(t, m->file));
    } else {
        unsigned flags = text_flags(m, id) | (m->has_tokens ? REC_HAS_TOKENS : 0) |
                         (m->tokens_estimated ? REC_ESTIMATED : 0) |
                         (m->cost_unpriced ? REC_UNPRICED : 0) | (m->ci ? REC_CI : 0);
        aidf_sidx_put_varint(b, flags);
        aidf_sidx_put_varint(b, (uint64_t)m->status);
        if (flags & REC_ID_TEXT)
            aidf_sidx_put_varint(b, strtab_id(t, m->run_id));
        else
            aidf_buf_add(b, id, 16);
        put_z(b, m->ts_ms);
        put_z(b, wdiff(m->received_ms, m->ts_ms));
        if (flags & REC_TS_TEXT)
            aidf_sidx_put_varint(b, strtab_id(t, m->timestamp));
        if (flags & REC_FILE_TEXT)
            aidf_sidx_put_varint(b, strtab_id(t, m->file));
#define PUT_STR(f)              \
    if (&m->f != &m->timestamp) \
        aidf_sidx_put_varint(b, strtab_id(t, m->f));
        AIDF_RUN_SUMMARY_STRINGS(PUT_STR)
#undef PUT_STR
        put_lines(b, t, m->changed_files);
        const int64_t ints[] = {
            m->iterations,
            m->max_iterations,
            m->tokens_in,
            m->tokens_out,
            wdiff(m->tokens_total, wsum(m->tokens_in, m->tokens_out)),
            m->cache_read,
            m->cache_write,
            m->reasoning,
            m->files_modified,
            m->files_created,
            m->files_deleted,
            wdiff(m->files_total,
                  wsum(wsum(m->files_modified, m->files_created), m->files_deleted)),
            m->scope_violations,
            m->validation_runs,
            m->validation_failures};
        for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
            put_z(b, ints[i]);
        put_num(b, m->cost);
        put_num(b, m->duration_ms);
        for (size_t k = 0; k < AIDF_PHASE_COUNT; k++)
            put_num(b, m->phases[k]);
    }
    aidf_sidx_put_varint(b, (uint64_t)e->size);
    put_z(b, wdiff(e->mtime_ns, (int64_t)((uint64_t)m->received_ms * 1000000u)));
    put_z(b, wdiff(e->checked_ns, e->mtime_ns));
    aidf_sidx_put_varint(b, e->ino);
}

static int cmp_file(const void *a, const void *b, void *ctx)
{
    const struct aidf_sidx_ent *ents = ctx;
    return strcmp(ents[*(const uint32_t *)a].sum.file, ents[*(const uint32_t *)b].sum.file);
}

int aidf_sidx_save(struct aidf_store *s, struct aidf_error *err)
{
    struct aidf_buf out = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct aidf_buf tab = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct strtab t = {0};
    aidf_strmap_init(&t.ids);
    int rc = AIDF_OK;

    /* Records go out sorted by file, so the loader checks that files are unique in one
     * pass; the orders are renumbered to match. */
    size_t n = s->n_ents;
    uint32_t *perm = aidf_xmalloc((n ? n : 1) * sizeof(uint32_t));
    uint32_t *pos = aidf_xmalloc((n ? n : 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        perm[i] = (uint32_t)i;
    if (n > 1)
        qsort_r(perm, n, sizeof(uint32_t), cmp_file, s->ents);
    for (size_t i = 0; i < n; i++)
        pos[perm[i]] = (uint32_t)i;

    for (size_t i = 0; i < n; i++) {
        const struct aidf_sidx_ent *e = &s->ents[i];
        const struct aidf_run_summary *m = &e->sum;
        unsigned char id[16];
        if (e->bad) {
            strtab_count(&t, m->file);
            continue;
        }
        unsigned f = text_flags(m, id);
        if (f & REC_ID_TEXT)
            strtab_count(&t, m->run_id);
        if (f & REC_TS_TEXT)
            strtab_count(&t, m->timestamp);
        if (f & REC_FILE_TEXT)
            strtab_count(&t, m->file);
#define COUNT(fld)                \
    if (&m->fld != &m->timestamp) \
        strtab_count(&t, m->fld);
        AIDF_RUN_SUMMARY_STRINGS(COUNT)
#undef COUNT
        for (size_t k = 0; m->changed_files && m->changed_files[k]; k++)
            strtab_count(&t, m->changed_files[k]);
    }
    strtab_finish(&t, &tab);

    struct disk_hdr h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, IDX_MAGIC, 8);
    h.version = IDX_VERSION;
    h.endian = IDX_ENDIAN;
    h.hdr_size = sizeof(h);
    h.dir_size = sizeof(struct disk_dir);
    h.phase_count = AIDF_PHASE_COUNT;
    h.str_fields = N_STR;
    h.n_dirs = s->n_dirs;
    h.n_recs = n;
    h.n_live = s->n_live;
    h.n_strings = t.n + 1;
    h.strtab_len = tab.len;
    h.written_ns = aidf_sidx_now_ns();
    aidf_buf_add(&out, &h, sizeof(h));
    for (size_t i = 0; i < s->n_dirs; i++) {
        struct disk_dir d;
        memset(&d, 0, sizeof(d));
        memcpy(d.name, s->dirs[i].name, 11);
        d.mtime_ns = s->dirs[i].mtime_ns;
        d.checked_ns = s->dirs[i].checked_ns;
        d.nfiles = s->dirs[i].nfiles;
        aidf_buf_add(&out, &d, sizeof(d));
    }
    size_t rec_start = out.len;
    for (size_t i = 0; i < n; i++)
        put_record(&out, &t, &s->ents[perm[i]]);
    h.rec_bytes = out.len - rec_start;
    for (size_t k = 0; k < 2; k++) {
        const uint32_t *ord = k == 0 ? s->by_time : s->by_id;
        for (size_t i = 0; i < s->n_live; i++)
            aidf_buf_add(&out, &pos[ord[i]], sizeof(uint32_t));
    }
    aidf_buf_add(&out, tab.ptr, tab.len);
    h.checksum = aidf_sidx_checksum(out.ptr + sizeof(h), out.len - sizeof(h));
    memcpy(out.ptr, &h, sizeof(h));

    char *path = aidf_path_join(s->dir, AIDF_SIDX_NAME);
    rc = aidf_write_file_atomic(path, out.ptr, out.len, 0, err);
    free(path);
    free(perm);
    free(pos);
    free(t.items);
    aidf_strmap_release(&t.ids);
    aidf_buf_release(&tab);
    aidf_buf_release(&out);
    return rc;
}

/* ---- decoding ----------------------------------------------------------------------- */

/* A bounded reader over the records; `bad` is set on any overrun or malformed varint. */
struct rd {
    const unsigned char *p, *end;
    bool bad;
};

static uint64_t get_uv(struct rd *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            break;
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static int64_t get_z(struct rd *r)
{
    uint64_t u = get_uv(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static double get_num(struct rd *r)
{
    uint64_t tag = get_uv(r);
    unsigned mode = (unsigned)(tag & 3);
    if (mode != 0) {
        uint64_t u = tag >> 2;
        int64_t k = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
        return mode == 1 ? (double)k : (double)k / num_scale[mode - 1];
    }
    double v = 0;
    if (tag != 0 || r->end - r->p < 8) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p, 8);
    r->p += 8;
    return v;
}

/* The string of number `id`, or NULL (and `bad`) when there is none. */
static const char *get_str(struct rd *r, const char *const *strs, size_t n_strings)
{
    uint64_t id = get_uv(r);
    if (id >= n_strings) {
        r->bad = true;
        return NULL;
    }
    return strs[id];
}

/* The changed files: a count of paths, then their string numbers (NULL when none). */
static const char *const *get_lines(struct aidf_store *s, struct rd *r, const char *const *strs,
                                    size_t n_strings)
{
    uint64_t n = get_uv(r);
    if (n == 0)
        return NULL;
    if (n > (uint64_t)(r->end - r->p)) { /* each number takes a byte at least */
        r->bad = true;
        return NULL;
    }
    const char **out = aidf_sidx_arena_alloc_ptrs(s, (size_t)n + 1);
    for (uint64_t i = 0; i < n; i++) {
        out[i] = get_str(r, strs, n_strings);
        if (!out[i])
            out[i] = "";
    }
    out[n] = NULL;
    return out;
}

/* The numbers of a usable record are what a decoded report can give (JSON has no
 * infinities; NaN stands for an unknown cost only). */
static bool numbers_ok(const struct aidf_run_summary *m)
{
    if (!(isnan(m->cost) || isfinite(m->cost)) || !isfinite(m->duration_ms))
        return false;
    for (size_t k = 0; k < AIDF_PHASE_COUNT; k++)
        if (!isfinite(m->phases[k]))
            return false;
    return true;
}

/* Decode one record into `e`. False (with `*why`) on anything the writer never writes. */
static bool get_record(struct aidf_store *s, struct rd *r, const char *const *strs,
                       size_t n_strings, struct aidf_sidx_ent *e, const char **why)
{
    struct aidf_run_summary *m = &e->sum;
    memset(e, 0, sizeof(*e));
#define EMPTY(f) m->f = "";
    AIDF_RUN_SUMMARY_STRINGS(EMPTY)
#undef EMPTY
    uint64_t flags = get_uv(r);
    if (flags & ~(uint64_t)REC_FLAGS_ALL) {
        *why = "bad record flags";
        return false;
    }
    if (flags & REC_BAD) {
        if (flags != (REC_BAD | REC_FILE_TEXT)) {
            *why = "bad record flags";
            return false;
        }
        e->bad = true;
        m->cost = NAN;
        m->file = get_str(r, strs, n_strings);
    } else {
        uint64_t status = get_uv(r);
        if (status < AIDF_STATUS_COMPLETED || status > AIDF_STATUS_FAILED) {
            *why = "bad record status";
            return false;
        }
        m->status = (enum aidf_status)status;
        if (flags & REC_ID_TEXT) {
            const char *id = get_str(r, strs, n_strings);
            if (!id || !aidf_run_id_valid(id) || strlen(id) != AIDF_RUN_ID_LEN) {
                *why = "bad run id";
                return false;
            }
            memcpy(m->run_id, id, AIDF_RUN_ID_LEN + 1);
        } else {
            if (r->end - r->p < 16) {
                *why = "truncated record";
                return false;
            }
            id_from_bytes(r->p, m->run_id);
            r->p += 16;
        }
        m->ts_ms = get_z(r);
        m->received_ms = wsum(get_z(r), m->ts_ms);
        if (m->ts_ms < AIDF_REPORT_MIN_TS_MS || m->ts_ms > AIDF_REPORT_MAX_TS_MS) {
            *why = "bad record time";
            return false;
        }
        char iso[AIDF_ISO_LEN];
        aidf_iso_format(m->ts_ms, iso);
        if (flags & REC_TS_TEXT) {
            m->timestamp = get_str(r, strs, n_strings);
        } else {
            char *ts = aidf_sidx_arena_alloc(s, AIDF_ISO_LEN);
            memcpy(ts, iso, AIDF_ISO_LEN);
            m->timestamp = ts;
        }
        if (flags & REC_FILE_TEXT) {
            m->file = get_str(r, strs, n_strings);
        } else {
            char file[32];
            canonical_file(iso, m->run_id, file);
            size_t fl = strlen(file) + 1;
            char *f = aidf_sidx_arena_alloc(s, fl);
            memcpy(f, file, fl);
            m->file = f;
        }
        const char *ts = m->timestamp;
#define GET_STR(f)              \
    if (&m->f != &m->timestamp) \
        m->f = get_str(r, strs, n_strings);
        AIDF_RUN_SUMMARY_STRINGS(GET_STR)
#undef GET_STR
        m->changed_files = get_lines(s, r, strs, n_strings);
        if (!ts || r->bad) {
            *why = "bad string number";
            return false;
        }
        m->iterations = get_z(r);
        m->max_iterations = get_z(r);
        m->tokens_in = get_z(r);
        m->tokens_out = get_z(r);
        m->tokens_total = wsum(get_z(r), wsum(m->tokens_in, m->tokens_out));
        m->cache_read = get_z(r);
        m->cache_write = get_z(r);
        m->reasoning = get_z(r);
        m->files_modified = get_z(r);
        m->files_created = get_z(r);
        m->files_deleted = get_z(r);
        m->files_total =
            wsum(get_z(r), wsum(wsum(m->files_modified, m->files_created), m->files_deleted));
        m->scope_violations = get_z(r);
        m->validation_runs = get_z(r);
        m->validation_failures = get_z(r);
        m->cost = get_num(r);
        m->duration_ms = get_num(r);
        for (size_t k = 0; k < AIDF_PHASE_COUNT; k++)
            m->phases[k] = get_num(r);
        m->has_tokens = (flags & REC_HAS_TOKENS) != 0;
        m->tokens_estimated = (flags & REC_ESTIMATED) != 0;
        m->cost_unpriced = (flags & REC_UNPRICED) != 0;
        m->ci = (flags & REC_CI) != 0;
        if (!r->bad && !numbers_ok(m)) {
            *why = "bad record numbers";
            return false;
        }
    }
    e->size = (int64_t)get_uv(r);
    e->mtime_ns = wsum(get_z(r), (int64_t)((uint64_t)m->received_ms * 1000000u));
    e->checked_ns = wsum(get_z(r), e->mtime_ns);
    e->ino = get_uv(r);
    if (r->bad) {
        *why = "truncated or malformed record";
        return false;
    }
    if (!m->file || !valid_record_file(m->file)) {
        *why = "bad record file";
        return false;
    }
    return true;
}

/*
 * Size the entry array for `n` entries in one go. Large arrays are 2 MiB aligned and
 * advised as huge pages: faulting in 100k entries page by page costs more than
 * filling them (notably in VMs).
 */
static void reserve_ents(struct aidf_store *s, size_t n)
{
    const size_t huge = (size_t)2 << 20;
    size_t bytes = (n + n / 8 + 16) * sizeof(*s->ents);
    if (s->ents || bytes < 2 * huge) {
        s->ents = aidf_xgrow(s->ents, &s->cap_ents, n, sizeof(*s->ents));
        return;
    }
    bytes = (bytes + huge - 1) / huge * huge;
    void *p = aligned_alloc(huge, bytes);
    if (!p) {
        s->ents = aidf_xgrow(s->ents, &s->cap_ents, n, sizeof(*s->ents));
        return;
    }
#ifdef MADV_HUGEPAGE
    madvise(p, bytes, MADV_HUGEPAGE);
#endif
    s->ents = p;
    s->cap_ents = bytes / sizeof(*s->ents);
}

/*
 * The two orders (by time, by id) are stored so a warm open does not sort. Each must
 * list every usable entry once; entries missing from them are duplicates.
 */
static int load_orders(struct aidf_store *s, const unsigned char *po, size_t n_live,
                       const char **why)
{
    s->by_time = aidf_xgrow(s->by_time, &s->cap_live, n_live ? n_live : 1, sizeof(uint32_t));
    s->by_id = aidf_xrealloc(s->by_id, s->cap_live * sizeof(uint32_t));
    memcpy(s->by_time, po, n_live * sizeof(uint32_t));
    memcpy(s->by_id, po + n_live * sizeof(uint32_t), n_live * sizeof(uint32_t));
    unsigned char *seen = aidf_xcalloc(s->n_ents ? s->n_ents : 1, 1);
    int rc = 0;
    for (size_t k = 0; k < 2 && rc == 0; k++) {
        const uint32_t *ord = k == 0 ? s->by_time : s->by_id;
        for (size_t i = 0; i < n_live; i++) {
            uint32_t x = ord[i];
            if (x >= s->n_ents || s->ents[x].bad || (seen[x] & (1u << k))) {
                *why = "bad order table";
                rc = -1;
                break;
            }
            seen[x] |= (unsigned char)(1u << k);
        }
    }
    for (size_t i = 0; i < s->n_ents && rc == 0; i++) {
        if (seen[i] != 0 && seen[i] != 3) {
            *why = "bad order table";
            rc = -1;
        }
        s->ents[i].dup = !s->ents[i].bad && seen[i] == 0;
    }
    free(seen);
    /*
     * The lookups binary-search the orders, so they must be sorted as
     * aidf_sidx_rebuild_order() sorts them: run ids strictly increasing (each live once),
     * and by time with the same tie-break. A duplicate must duplicate a live run.
     */
    for (size_t i = 1; i < n_live && rc == 0; i++) {
        if (strcasecmp(s->ents[s->by_id[i - 1]].sum.run_id, s->ents[s->by_id[i]].sum.run_id) >= 0 ||
            aidf_sidx_cmp_time(&s->by_time[i - 1], &s->by_time[i], s->ents) >= 0) {
            *why = "unsorted order table";
            rc = -1;
        }
    }
    s->n_live = rc == 0 ? n_live : 0;
    for (size_t i = 0; i < s->n_ents && rc == 0; i++) {
        if (s->ents[i].dup && aidf_sidx_find_id(s, s->ents[i].sum.run_id) < 0) {
            *why = "a duplicate of no run";
            rc = -1;
            s->n_live = 0;
        }
    }
    return rc;
}

/*
 * Split the string table (`len` bytes ending in a NUL) into its strings: `*out` gets
 * `n_strings` pointers into `st`. False when the count differs or string 0 is not "".
 */
static bool split_strings(const char *st, size_t len, size_t n_strings, const char ***out)
{
    const char **strs = aidf_xmalloc(n_strings * sizeof(*strs));
    size_t k = 0;
    for (size_t off = 0; off < len; k++) {
        if (k == n_strings) {
            free(strs);
            return false;
        }
        strs[k] = st + off;
        off += strlen(st + off) + 1;
    }
    if (k != n_strings || strs[0][0] != '\0') {
        free(strs);
        return false;
    }
    *out = strs;
    return true;
}

static int load_body(struct aidf_store *s, const unsigned char *buf, size_t len, const char **why)
{
    struct disk_hdr h;
    if (len < sizeof(h)) {
        *why = "truncated header";
        return -1;
    }
    memcpy(&h, buf, sizeof(h));
    if (memcmp(h.magic, IDX_MAGIC, 8) != 0) {
        *why = "not an index file";
        return -1;
    }
    if (h.endian != IDX_ENDIAN) {
        *why = "written on a machine of another byte order";
        return -1;
    }
    if (h.version != IDX_VERSION || h.hdr_size != sizeof(h) ||
        h.dir_size != sizeof(struct disk_dir) || h.phase_count != AIDF_PHASE_COUNT ||
        h.str_fields != N_STR) {
        *why = "another index version";
        return -1;
    }
    size_t body = len - sizeof(h);
    /* Every record takes at least 4 bytes, every string 1. */
    if (h.n_dirs > body / sizeof(struct disk_dir) || h.rec_bytes > body ||
        h.n_recs > h.rec_bytes / 4 || h.n_live > h.n_recs || h.strtab_len > body ||
        h.strtab_len == 0 || h.n_strings == 0 || h.n_strings > h.strtab_len ||
        h.n_dirs * sizeof(struct disk_dir) + h.rec_bytes + h.n_live * 2 * sizeof(uint32_t) +
                h.strtab_len !=
            body) {
        *why = "sizes do not add up";
        return -1;
    }
    if (aidf_sidx_checksum(buf + sizeof(h), body) != h.checksum) {
        *why = "checksum mismatch";
        return -1;
    }
    const unsigned char *pd = buf + sizeof(h);
    const unsigned char *pr = pd + h.n_dirs * sizeof(struct disk_dir);
    const unsigned char *po = pr + h.rec_bytes;
    const char *ps = (const char *)(po + h.n_live * 2 * sizeof(uint32_t));
    /* Every string comes from a decoded report, so the table is UTF-8 throughout. */
    if (ps[h.strtab_len - 1] != '\0' || aidf_utf8_invalid_at(ps, h.strtab_len) != h.strtab_len) {
        *why = "bad string table";
        return -1;
    }

    s->dirs = aidf_xgrow(s->dirs, &s->cap_dirs, h.n_dirs, sizeof(*s->dirs));
    for (size_t i = 0; i < h.n_dirs; i++) {
        struct disk_dir d;
        memcpy(&d, pd + i * sizeof(d), sizeof(d));
        d.name[15] = '\0';
        if (!aidf_sidx_valid_date_name(d.name) ||
            (i > 0 && strcmp(s->dirs[i - 1].name, d.name) >= 0)) {
            *why = "bad directory record";
            return -1;
        }
        memcpy(s->dirs[i].name, d.name, 11);
        s->dirs[i].mtime_ns = d.mtime_ns;
        s->dirs[i].checked_ns = d.checked_ns;
        s->dirs[i].nfiles = d.nfiles;
        s->n_dirs = i + 1;
    }

    /* One copy of the string table becomes an arena chunk. */
    struct aidf_sidx_chunk *c = aidf_xmalloc(sizeof(*c) + h.strtab_len);
    c->cap = c->used = h.strtab_len;
    memcpy(c->data, ps, h.strtab_len);
    c->next = s->arena;
    s->arena = c;
    const char **strs = NULL;
    if (!split_strings(c->data, h.strtab_len, h.n_strings, &strs)) {
        *why = "bad string table";
        return -1;
    }

    reserve_ents(s, h.n_recs);
    struct rd r = {pr, pr + h.rec_bytes, false};
    int rc = 0;
    for (size_t i = 0; i < h.n_recs; i++) {
        struct aidf_sidx_ent *e = &s->ents[i];
        if (!get_record(s, &r, strs, h.n_strings, e, why)) {
            rc = -1;
            break;
        }
        /* Records are sorted by file, each file once (the sync keys records by file). */
        if (i > 0 && strcmp(s->ents[i - 1].sum.file, e->sum.file) >= 0) {
            *why = "records not sorted by file, or two records for one file";
            rc = -1;
            break;
        }
        s->n_ents = i + 1;
    }
    free(strs);
    if (rc == 0 && r.p != r.end) {
        *why = "records do not fill their section";
        rc = -1;
    }
    if (rc == 0)
        rc = load_orders(s, po, h.n_live, why);
    return rc;
}

void aidf_sidx_load(struct aidf_store *s)
{
    char *path = aidf_path_join(s->dir, AIDF_SIDX_NAME);
    const char *why = NULL;
    bool loaded = false;
    /*
     * Map rather than read: the records are decoded straight out of the page cache and
     * only the string table is copied. The mapping lives only for this function, so a
     * foreign process truncating the file later cannot hurt us.
     */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        if (errno != ENOENT)
            why = strerror(errno);
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        why = "not a regular file";
    } else if (st.st_size == 0) {
        why = "empty file";
    } else {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            why = strerror(errno);
        } else {
            madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
            loaded = load_body(s, m, (size_t)st.st_size, &why) == 0;
            munmap(m, (size_t)st.st_size);
        }
    }
    if (fd >= 0)
        close(fd);
    if (!loaded) {
        if (why) {
            aidf_info("rebuilding the report index '%s': %s", path, why);
            s->dirty = true;
        }
        aidf_sidx_release(s);
        aidf_sidx_rebuild_order(s);
    }
    free(path);
}
