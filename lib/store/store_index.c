/*
 * The store's summary index: arena, orders, the .index file and the directory sync.
 */
#include "store_index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/timeutil.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

/* ---- arena ------------------------------------------------------------------------ */

#define CHUNK_MIN (64 * 1024)

char *aidf_sidx_arena_alloc(struct aidf_store *s, size_t n)
{
    struct aidf_sidx_chunk *c = s->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN / 4 ? n : CHUNK_MIN;
        c = aidf_xmalloc(sizeof(*c) + cap);
        c->cap = cap;
        c->used = 0;
        if (n > CHUNK_MIN / 4 && s->arena) {
            /* A big string gets its own chunk behind the current one. */
            c->next = s->arena->next;
            s->arena->next = c;
        } else {
            c->next = s->arena;
            s->arena = c;
        }
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

/* Copy a string into the store's arena ("" for NULL or empty). */
static const char *arena_strdup(struct aidf_store *s, const char *str)
{
    if (!str || !*str)
        return "";
    size_t n = strlen(str) + 1;
    char *p = aidf_sidx_arena_alloc(s, n);
    memcpy(p, str, n);
    return p;
}

/* Like arena_strdup() but returns an existing equal copy when there is one. */
static const char *arena_intern(struct aidf_store *s, const char *str)
{
    if (!str || !*str)
        return "";
    size_t n = strlen(str);
    const char *k = aidf_strmap_key(&s->intern, str, n);
    if (k)
        return k;
    const char *p = arena_strdup(s, str);
    aidf_strmap_put(&s->intern, p, n, NULL);
    return p;
}

void aidf_sidx_set_summary(struct aidf_store *s, struct aidf_sidx_ent *e,
                           const struct aidf_run_summary *src, const char *file)
{
    s->gen++;
    e->sum = *src;
    /* The timestamp is nearly always unique; every other string repeats across runs. */
#define INTERN(m) e->sum.m = arena_intern(s, src->m);
    AIDF_RUN_SUMMARY_STRINGS(INTERN)
#undef INTERN
    e->sum.timestamp = arena_strdup(s, src->timestamp);
    e->sum.file = arena_strdup(s, file);
    e->sum.changed_files = aidf_sidx_intern_list(s, src->changed_files);
}

const char *const *aidf_sidx_intern_list(struct aidf_store *s, const char *const *list)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    if (n == 0)
        return NULL;
    const char **out = aidf_sidx_arena_alloc_ptrs(s, n + 1);
    for (size_t i = 0; i < n; i++)
        out[i] = arena_intern(s, list[i]);
    out[n] = NULL;
    return out;
}

const char **aidf_sidx_arena_alloc_ptrs(struct aidf_store *s, size_t n)
{
    /* The arena packs strings byte by byte: take room for an aligned start. */
    char *p = aidf_sidx_arena_alloc(s, n * sizeof(char *) + sizeof(char *) - 1);
    p += (sizeof(char *) - (uintptr_t)p % sizeof(char *)) % sizeof(char *);
    return (const char **)(void *)p;
}

struct aidf_sidx_ent *aidf_sidx_append(struct aidf_store *s)
{
    s->ents = aidf_xgrow(s->ents, &s->cap_ents, s->n_ents + 1, sizeof(*s->ents));
    struct aidf_sidx_ent *e = &s->ents[s->n_ents++];
    memset(e, 0, sizeof(*e));
    return e;
}

int64_t aidf_sidx_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- orders ----------------------------------------------------------------------- */

int aidf_sidx_cmp_time(const void *a, const void *b, void *ctx)
{
    const struct aidf_sidx_ent *ents = ctx;
    const struct aidf_run_summary *x = &ents[*(const uint32_t *)a].sum;
    const struct aidf_run_summary *y = &ents[*(const uint32_t *)b].sum;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms > y->ts_ms ? -1 : 1;
    return strcasecmp(x->run_id, y->run_id);
}

static int cmp_id(const void *a, const void *b, void *ctx)
{
    const struct aidf_sidx_ent *ents = ctx;
    const struct aidf_sidx_ent *x = &ents[*(const uint32_t *)a];
    const struct aidf_sidx_ent *y = &ents[*(const uint32_t *)b];
    int c = strcasecmp(x->sum.run_id, y->sum.run_id);
    if (c)
        return c;
    /* Duplicates: the first file path wins. */
    return strcmp(x->sum.file, y->sum.file);
}

void aidf_sidx_rebuild_order(struct aidf_store *s)
{
    size_t n = 0;
    s->gen++;
    s->by_time = aidf_xgrow(s->by_time, &s->cap_live, s->n_ents, sizeof(uint32_t));
    s->by_id = aidf_xrealloc(s->by_id, s->cap_live * sizeof(uint32_t));
    for (size_t i = 0; i < s->n_ents; i++) {
        s->ents[i].dup = false;
        if (!s->ents[i].bad)
            s->by_id[n++] = (uint32_t)i;
    }
    if (n > 1)
        qsort_r(s->by_id, n, sizeof(uint32_t), cmp_id, s->ents);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        struct aidf_sidx_ent *e = &s->ents[s->by_id[i]];
        if (m > 0 && strcasecmp(s->ents[s->by_id[m - 1]].sum.run_id, e->sum.run_id) == 0) {
            e->dup = true;
            aidf_debug("run %s is stored twice; ignoring %s", e->sum.run_id, e->sum.file);
            continue;
        }
        s->by_id[m++] = s->by_id[i];
    }
    if (m > 0) {
        memcpy(s->by_time, s->by_id, m * sizeof(uint32_t));
        qsort_r(s->by_time, m, sizeof(uint32_t), aidf_sidx_cmp_time, s->ents);
    }
    s->n_live = m;
}

static size_t upper_time(const struct aidf_store *s, uint32_t idx)
{
    size_t lo = 0, hi = s->n_live;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (aidf_sidx_cmp_time(&s->by_time[mid], &idx, s->ents) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t aidf_sidx_lower_bound(const struct aidf_store *s, const char *prefix)
{
    size_t lo = 0, hi = s->n_live;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcasecmp(s->ents[s->by_id[mid]].sum.run_id, prefix) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long aidf_sidx_find_id(const struct aidf_store *s, const char *id)
{
    size_t i = aidf_sidx_lower_bound(s, id);
    if (i < s->n_live && strcasecmp(s->ents[s->by_id[i]].sum.run_id, id) == 0)
        return (long)s->by_id[i];
    return -1;
}

void aidf_sidx_insert_order(struct aidf_store *s, uint32_t idx)
{
    s->gen++;
    s->by_time = aidf_xgrow(s->by_time, &s->cap_live, s->n_live + 1, sizeof(uint32_t));
    s->by_id = aidf_xrealloc(s->by_id, s->cap_live * sizeof(uint32_t));
    size_t t = upper_time(s, idx);
    size_t i = aidf_sidx_lower_bound(s, s->ents[idx].sum.run_id);
    memmove(s->by_time + t + 1, s->by_time + t, (s->n_live - t) * sizeof(uint32_t));
    s->by_time[t] = idx;
    memmove(s->by_id + i + 1, s->by_id + i, (s->n_live - i) * sizeof(uint32_t));
    s->by_id[i] = idx;
    s->n_live++;
}

void aidf_sidx_remove(struct aidf_store *s, const unsigned char *drop)
{
    size_t m = 0;
    s->gen++;
    for (size_t i = 0; i < s->n_ents; i++)
        if (!drop[i])
            s->ents[m++] = s->ents[i];
    s->n_ents = m;
}

void aidf_sidx_release(struct aidf_store *s)
{
    free(s->ents);
    s->ents = NULL;
    s->n_ents = s->cap_ents = 0;
    free(s->dirs);
    s->dirs = NULL;
    s->n_dirs = s->cap_dirs = 0;
    free(s->by_time);
    free(s->by_id);
    s->by_time = s->by_id = NULL;
    s->n_live = s->cap_live = 0;
    while (s->arena) {
        struct aidf_sidx_chunk *c = s->arena;
        s->arena = c->next;
        free(c);
    }
    aidf_strmap_release(&s->intern);
}

/* ---- directory sync ----------------------------------------------------------------- */

static int64_t st_mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static bool racy(int64_t mtime_ns, int64_t checked_ns)
{
    return mtime_ns > checked_ns - AIDF_SIDX_RACY_NS;
}

struct listed_dir {
    char name[11];
    int64_t mtime_ns;
};

static int cmp_listed(const void *a, const void *b)
{
    return strcmp(((const struct listed_dir *)a)->name, ((const struct listed_dir *)b)->name);
}

static const struct listed_dir *find_listed(const struct listed_dir *listed, size_t n,
                                            const char *name)
{
    struct listed_dir key;
    memcpy(key.name, name, 10);
    key.name[10] = '\0';
    return n ? bsearch(&key, listed, n, sizeof(*listed), cmp_listed) : NULL;
}

static struct aidf_sidx_dir *find_dir(struct aidf_store *s, const char *name)
{
    size_t lo = 0, hi = s->n_dirs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->dirs[mid].name, name);
        if (c == 0)
            return &s->dirs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* A file to (re)parse, and what came of it. */
struct job {
    char *rel; /* "YYYY-MM-DD/run-....json" */
    int64_t size, mtime_ns;
    uint64_t ino;
    long prev; /* ents index of the old entry, or -1 */
    /* results */
    int64_t checked_ns;
    bool ok;
    char *why;                   /* when !ok */
    struct aidf_run_summary sum; /* when ok; strings point into blob */
    char *blob;
};

struct job_queue {
    const char *dir;
    struct job *jobs;
    size_t n;
    atomic_size_t next;
};

/*
 * Copy the summary's strings and its changed-files list into one new block (the
 * pointer array first, aligned) and point `m` at the copies.
 */
static char *pack_strings(struct aidf_run_summary *m)
{
    size_t n_files = 0, total = 0;
    while (m->changed_files && m->changed_files[n_files])
        total += strlen(m->changed_files[n_files++]) + 1;
    size_t head = n_files ? (n_files + 1) * sizeof(char *) : 0;
    total += head;
#define SIZE(f) total += strlen(m->f) + 1;
    AIDF_RUN_SUMMARY_STRINGS(SIZE)
#undef SIZE
    char *blob = aidf_xmalloc(total);
    char *p = blob + head;
    if (n_files) {
        const char **list = (const char **)(void *)blob;
        for (size_t i = 0; i < n_files; i++) {
            size_t n = strlen(m->changed_files[i]) + 1;
            memcpy(p, m->changed_files[i], n);
            list[i] = p;
            p += n;
        }
        list[n_files] = NULL;
        m->changed_files = list;
    }
#define COPY(f)                      \
    do {                             \
        size_t n = strlen(m->f) + 1; \
        memcpy(p, m->f, n);          \
        m->f = p;                    \
        p += n;                      \
    } while (0);
    AIDF_RUN_SUMMARY_STRINGS(COPY)
#undef COPY
    return blob;
}

static void run_job(const char *dir, struct job *j, struct aidf_buf *scratch)
{
    char *path = aidf_path_join(dir, j->rel);
    char *data = NULL;
    size_t len = 0;
    struct aidf_error e;
    struct aidf_report r;
    aidf_report_init(&r);
    aidf_error_clear(&e);
    j->checked_ns = aidf_sidx_now_ns();
    int rc = aidf_read_file(path, AIDF_REPORT_MAX_BYTES, &data, &len, &e);
    /* The parse's JSON tree lives only until aidf_report_release() below. */
    aidf_json_scratch_begin();
    if (rc == AIDF_OK)
        rc = aidf_report_parse(data, len, &r, &e);
    if (rc == AIDF_OK) {
        aidf_run_summary_from_report_buf(&r, &j->sum, scratch);
        j->blob = pack_strings(&j->sum);
        j->ok = true;
    } else {
        if (rc == AIDF_ETOOBIG)
            j->why = aidf_xstrdup("larger than the report size limit");
        else if (e.line > 0)
            j->why = aidf_xstrdup(e.msg); /* the decoder's message carries the position */
        else
            j->why = aidf_xstrdup(e.msg[0] ? e.msg : aidf_strerror(rc));
    }
    aidf_report_release(&r);
    aidf_json_scratch_end();
    free(data);
    free(path);
}

static void *worker(void *arg)
{
    struct job_queue *q = arg;
    struct aidf_buf scratch = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    for (;;) {
        size_t i = atomic_fetch_add(&q->next, 1);
        if (i >= q->n)
            break;
        run_job(q->dir, &q->jobs[i], &scratch);
    }
    aidf_buf_release(&scratch);
    return NULL;
}

/* Parse jobs with the calling thread plus one worker when there are enough of them. */
static void run_jobs(const char *dir, struct job *jobs, size_t n)
{
    struct job_queue q = {.dir = dir, .jobs = jobs, .n = n};
    atomic_init(&q.next, 0);
    pthread_t t;
    bool threaded = false;
    if (n >= 64) {
        json_object_seed(0); /* seed jansson's hash before a second thread touches it */
        threaded = pthread_create(&t, NULL, worker, &q) == 0;
    }
    worker(&q);
    if (threaded)
        pthread_join(t, NULL);
}

static bool same_summary(const struct aidf_run_summary *a, const struct aidf_run_summary *b)
{
    if (strcmp(a->run_id, b->run_id))
        return false;
#define DIFFERS(f)          \
    if (strcmp(a->f, b->f)) \
        return false;
    AIDF_RUN_SUMMARY_STRINGS(DIFFERS)
#undef DIFFERS
    for (size_t i = 0;; i++) {
        const char *x = a->changed_files ? a->changed_files[i] : NULL;
        const char *y = b->changed_files ? b->changed_files[i] : NULL;
        if (!x || !y) {
            if (x != y)
                return false;
            break;
        }
        if (strcmp(x, y) != 0)
            return false;
    }
    bool costs = (isnan(a->cost) && isnan(b->cost)) || a->cost == b->cost;
    return costs && a->ts_ms == b->ts_ms && a->status == b->status && a->ci == b->ci &&
           a->iterations == b->iterations && a->max_iterations == b->max_iterations &&
           a->tokens_in == b->tokens_in && a->tokens_out == b->tokens_out &&
           a->tokens_total == b->tokens_total && a->cache_read == b->cache_read &&
           a->cache_write == b->cache_write && a->reasoning == b->reasoning &&
           a->has_tokens == b->has_tokens && a->tokens_estimated == b->tokens_estimated &&
           a->cost_unpriced == b->cost_unpriced && a->duration_ms == b->duration_ms &&
           a->files_modified == b->files_modified && a->files_created == b->files_created &&
           a->files_deleted == b->files_deleted && a->files_total == b->files_total &&
           a->scope_violations == b->scope_violations && a->validation_runs == b->validation_runs &&
           a->validation_failures == b->validation_failures &&
           memcmp(a->phases, b->phases, sizeof(a->phases)) == 0;
}

static int cmp_job(const void *a, const void *b)
{
    return strcmp(((const struct job *)a)->rel, ((const struct job *)b)->rel);
}

/*
 * List one date directory: keep trusted entries, queue new, changed and racy files.
 * keep[] marks the entries that are still backed by a file.
 */
/*
 * A temporary file of a write that was killed before its rename (aidf_write_file_atomic
 * names them "<file>.json.tmp.XXXXXX"). One that is an hour old belongs to no live writer.
 */
static void remove_stale_temp(int dfd, const char *dir, const char *fn)
{
    struct stat st;
    if (fstatat(dfd, fn, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
        return;
    if (aidf_sidx_now_ns() - st_mtime_ns(&st) < AIDF_SIDX_STALE_TMP_NS)
        return;
    if (unlinkat(dfd, fn, 0) == 0)
        aidf_info("removed %s/%s, left over from an interrupted write", dir, fn);
}

static void scan_dir(struct aidf_store *s, const char *name, const struct aidf_strmap *paths,
                     unsigned char *keep, struct job **jobs, size_t *n_jobs, size_t *cap_jobs,
                     uint64_t *nfiles)
{
    char *dpath = aidf_path_join(s->dir, name);
    DIR *d = opendir(dpath);
    *nfiles = 0;
    if (!d) {
        aidf_debug("cannot list '%s': %s", dpath, strerror(errno));
        free(dpath);
        return;
    }
    int dfd = dirfd(d);
    struct dirent *de;
    char rel[512];
    while ((de = readdir(d)) != NULL) {
        const char *fn = de->d_name;
        size_t fl = strlen(fn);
        if (s->can_persist && strstr(fn, ".json.tmp.")) {
            remove_stale_temp(dfd, name, fn);
            continue;
        }
        if (!aidf_sidx_valid_report_name(fn, fl))
            continue;
        struct stat st;
        if (fstatat(dfd, fn, &st, 0) != 0 || !S_ISREG(st.st_mode))
            continue;
        int rl = snprintf(rel, sizeof(rel), "%s/%s", name, fn);
        if (rl < 0 || (size_t)rl >= sizeof(rel))
            continue;
        (*nfiles)++;
        const size_t *v = aidf_strmap_find(paths, rel, (size_t)rl);
        long prev = v ? (long)*v : -1;
        if (prev >= 0) {
            const struct aidf_sidx_ent *e = &s->ents[prev];
            if (e->size == (int64_t)st.st_size && e->mtime_ns == st_mtime_ns(&st) &&
                e->ino == (uint64_t)st.st_ino && !racy(e->mtime_ns, e->checked_ns)) {
                keep[prev] = 1;
                continue;
            }
        }
        *jobs = aidf_xgrow(*jobs, cap_jobs, *n_jobs + 1, sizeof(**jobs));
        struct job *j = &(*jobs)[(*n_jobs)++];
        memset(j, 0, sizeof(*j));
        j->rel = aidf_xstrdup(rel);
        j->size = (int64_t)st.st_size;
        j->mtime_ns = st_mtime_ns(&st);
        j->ino = (uint64_t)st.st_ino;
        j->prev = prev;
    }
    closedir(d);
    free(dpath);
}

/* What merge_jobs() changed: the indexed runs, or only what the index knows about the
 * files (stat data, a racy entry now verified), which is saved but changes no answer. */
enum merge_change {
    MERGE_RUNS = 1 << 0,
    MERGE_META = 1 << 1,
};

/* Fold parsed jobs into the index. Returns a mask of enum merge_change. */
static unsigned merge_jobs(struct aidf_store *s, struct job *jobs, size_t n, unsigned char **keep,
                           size_t *keep_cap)
{
    unsigned changed = 0;
    for (size_t i = 0; i < n; i++) {
        struct job *j = &jobs[i];
        struct aidf_sidx_ent *e;
        bool same_file = false, was_racy = false;
        if (j->prev >= 0) {
            e = &s->ents[j->prev];
            same_file = e->size == j->size && e->mtime_ns == j->mtime_ns && e->ino == j->ino;
            was_racy = racy(e->mtime_ns, e->checked_ns);
            /* A different file (size, time, inode) may hold other bytes even with the same
             * summary: what GET /runs/<id> serves changed. A racy entry found unchanged
             * only becomes trusted. */
            if (!same_file || e->bad != !j->ok || (j->ok && !same_summary(&e->sum, &j->sum)))
                changed |= MERGE_RUNS;
            else if (was_racy && !racy(j->mtime_ns, j->checked_ns))
                changed |= MERGE_META;
            (*keep)[j->prev] = 1;
        } else {
            e = aidf_sidx_append(s);
            *keep = aidf_xgrow(*keep, keep_cap, s->n_ents, 1);
            (*keep)[s->n_ents - 1] = 1;
            changed |= MERGE_RUNS;
        }
        if (!j->ok) {
            /* One warning per bad file version: a known bad file stays quiet. */
            if (!(j->prev >= 0 && e->bad && same_file))
                aidf_warn("skipping %s: %s", j->rel, j->why);
            if (!(e->bad && same_file)) {
                memset(&e->sum, 0, sizeof(e->sum));
#define EMPTY(f) e->sum.f = "";
                AIDF_RUN_SUMMARY_STRINGS(EMPTY)
#undef EMPTY
                e->sum.cost = NAN;
                e->sum.file = arena_strdup(s, j->rel);
            }
            e->bad = true;
        } else if (!(e->bad == false && j->prev >= 0 && same_summary(&e->sum, &j->sum) &&
                     strcmp(e->sum.file, j->rel) == 0)) {
            /* A run keeps the time the store first saw it when its file changes. */
            int64_t received = j->prev >= 0 && !e->bad ? e->sum.received_ms : 0;
            aidf_sidx_set_summary(s, e, &j->sum, j->rel);
            e->sum.received_ms = received > 0 ? received : j->mtime_ns / 1000000;
            e->bad = false;
        }
        e->size = j->size;
        e->mtime_ns = j->mtime_ns;
        e->ino = j->ino;
        e->checked_ns = j->checked_ns;
    }
    return changed;
}

static void free_jobs(struct job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(jobs[i].rel);
        free(jobs[i].why);
        free(jobs[i].blob);
    }
    free(jobs);
}

#define JOB_BATCH 4096

static aidf_store_progress_fn progress_fn;
static void *progress_ctx;

void aidf_store_set_progress(aidf_store_progress_fn fn, void *ctx)
{
    progress_fn = fn;
    progress_ctx = ctx;
}

int aidf_sidx_sync(struct aidf_store *s, struct aidf_error *err)
{
    int rc = AIDF_OK;
    struct listed_dir *listed = NULL;
    size_t n_listed = 0, cap_listed = 0;
    struct aidf_sidx_dir *ndirs = NULL;
    unsigned char *keep = NULL, *scan = NULL;
    size_t keep_cap = 0;
    struct aidf_strmap paths;
    aidf_strmap_init(&paths);
    struct job *jobs = NULL;
    size_t n_jobs = 0, cap_jobs = 0;
    bool changed = false;

    DIR *d = opendir(s->dir);
    if (!d) {
        rc = aidf_fail(err, AIDF_EIO, "cannot list '%s': %s", s->dir, strerror(errno));
        goto out;
    }
    int dfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!aidf_sidx_valid_date_name(de->d_name))
            continue;
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, 0) != 0 || !S_ISDIR(st.st_mode))
            continue;
        listed = aidf_xgrow(listed, &cap_listed, n_listed + 1, sizeof(*listed));
        memcpy(listed[n_listed].name, de->d_name, 11);
        listed[n_listed].mtime_ns = st_mtime_ns(&st);
        n_listed++;
    }
    closedir(d);
    if (n_listed > 1)
        qsort(listed, n_listed, sizeof(*listed), cmp_listed);

    /* Which directories need a look, and did any disappear? */
    scan = aidf_xcalloc(n_listed ? n_listed : 1, 1);
    bool any_scan = false;
    for (size_t i = 0; i < n_listed; i++) {
        const struct aidf_sidx_dir *old = find_dir(s, listed[i].name);
        if (!old || old->mtime_ns != listed[i].mtime_ns || racy(old->mtime_ns, old->checked_ns)) {
            scan[i] = 1;
            any_scan = true;
        }
    }
    size_t still = 0;
    for (size_t i = 0; i < s->n_dirs; i++)
        if (find_listed(listed, n_listed, s->dirs[i].name))
            still++;
    bool any_gone = still != s->n_dirs;
    if (!any_scan && !any_gone)
        goto out;

    /* keep[i]: entry i is still backed by a file. Trusted directories keep theirs. */
    keep_cap = s->n_ents ? s->n_ents : 1;
    keep = aidf_xcalloc(keep_cap, 1);
    for (size_t i = 0; i < s->n_ents; i++) {
        const struct listed_dir *l = find_listed(listed, n_listed, s->ents[i].sum.file);
        if (l && !scan[l - listed])
            keep[i] = 1;
    }
    if (any_scan)
        for (size_t i = 0; i < s->n_ents; i++)
            aidf_strmap_put(&paths, s->ents[i].sum.file, strlen(s->ents[i].sum.file), NULL)[0] = i;

    ndirs = aidf_xcalloc(n_listed ? n_listed : 1, sizeof(*ndirs));
    for (size_t i = 0; i < n_listed; i++) {
        struct aidf_sidx_dir *nd = &ndirs[i];
        const struct aidf_sidx_dir *old = find_dir(s, listed[i].name);
        memcpy(nd->name, listed[i].name, 11);
        if (!scan[i]) {
            *nd = *old;
            continue;
        }
        nd->mtime_ns = listed[i].mtime_ns;
        nd->checked_ns = aidf_sidx_now_ns();
        scan_dir(s, listed[i].name, &paths, keep, &jobs, &n_jobs, &cap_jobs, &nd->nfiles);
        /* New directory data is saved; whether the runs changed is decided by the
         * files themselves (parsed, removed) below, so the generation only moves then. */
        if (!old || old->mtime_ns != nd->mtime_ns || old->nfiles != nd->nfiles ||
            (racy(old->mtime_ns, old->checked_ns) && !racy(nd->mtime_ns, nd->checked_ns)))
            s->dirty = true;
    }
    aidf_strmap_release(&paths);

    /* Parse in batches so the transient memory stays bounded. */
    if (n_jobs > 1)
        qsort(jobs, n_jobs, sizeof(*jobs), cmp_job);
    for (size_t b = 0; b < n_jobs; b += JOB_BATCH) {
        size_t nb = n_jobs - b < JOB_BATCH ? n_jobs - b : JOB_BATCH;
        run_jobs(s->dir, jobs + b, nb);
        unsigned mc = merge_jobs(s, jobs + b, nb, &keep, &keep_cap);
        if (mc & MERGE_RUNS)
            changed = true;
        else if (mc & MERGE_META)
            s->dirty = true; /* saved, but no answer changes: the generation stays */
        for (size_t i = b; i < b + nb; i++) {
            free(jobs[i].blob);
            jobs[i].blob = NULL;
        }
        if (progress_fn && n_jobs >= AIDF_STORE_PROGRESS_MIN)
            progress_fn(b + nb, n_jobs, progress_ctx);
    }

    size_t kept = 0;
    for (size_t i = 0; i < s->n_ents; i++) {
        keep[i] = !keep[i]; /* now: drop */
        kept += !keep[i];
    }
    if (kept != s->n_ents) {
        changed = true;
        aidf_sidx_remove(s, keep);
    }
    if (any_gone)
        changed = true;

    free(s->dirs);
    s->dirs = ndirs;
    s->n_dirs = s->cap_dirs = n_listed;
    ndirs = NULL;
    if (changed) {
        aidf_sidx_rebuild_order(s);
        s->dirty = true;
    }
out:
    aidf_strmap_release(&paths);
    free_jobs(jobs, n_jobs);
    free(ndirs);
    free(keep);
    free(scan);
    free(listed);
    return rc;
}
