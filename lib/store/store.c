/*
 * The report store: writes, reads, prefix lookup, listing and cleaning over a
 * reports directory, with the summary index of store_index.c.
 */
#include "aidf/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"
#include "store_index.h"

/*
 * The index is saved by refresh, sync and free when it changed. It is a cache: losing
 * it loses nothing, so failing to save it never fails a read. A directory we may read
 * but not write keeps the index in memory without a word (that is expected); any other
 * failure (a full disk, an I/O error, a `.index` that is not a file) is one warning, and
 * the store answers from memory. After a failure the implicit saves (open, refresh,
 * clean, free) stop trying, so one command warns once; aidf_store_sync() tries again
 * (a long-running server saves once the disk has room), quietly.
 */
static void persist(struct aidf_store *s, bool retry)
{
    if (!s->dirty || !s->can_persist || (s->save_failed && !retry))
        return;
    if (access(s->dir, W_OK) != 0) {
        s->can_persist = false;
        return;
    }
    struct aidf_error e;
    aidf_error_clear(&e);
    errno = 0;
    int rc = aidf_sidx_save(s, &e);
    int saved_errno = errno;
    if (rc == AIDF_OK) {
        if (s->save_failed)
            aidf_info("saved the report index in '%s' again", s->dir);
        s->save_failed = false;
        s->dirty = false;
        return;
    }
    if (saved_errno == EACCES || saved_errno == EROFS || saved_errno == EPERM) {
        s->can_persist = false;
        return;
    }
    if (!s->save_failed)
        aidf_warn("cannot save the report index: %s (it is only a cache; the answers are "
                  "complete)",
                  e.msg[0] ? e.msg : aidf_strerror(rc));
    else
        aidf_debug("still cannot save the report index: %s", e.msg);
    s->save_failed = true;
}

int aidf_store_open(const char *dir, unsigned flags, struct aidf_store **out,
                    struct aidf_error *err)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        if (errno != ENOENT)
            return aidf_fail(err, AIDF_EIO, "cannot open '%s': %s", dir, strerror(errno));
        if (!(flags & AIDF_STORE_CREATE) || (flags & AIDF_STORE_READONLY))
            return aidf_fail(err, AIDF_ENOTFOUND, "no reports directory '%s'", dir);
        int rc = aidf_mkdirs(dir, err);
        if (rc)
            return rc;
    } else if (!S_ISDIR(st.st_mode)) {
        return aidf_fail(err, AIDF_EIO, "'%s' is not a directory", dir);
    }

    struct aidf_store *s = aidf_xcalloc(1, sizeof(*s));
    s->dir = aidf_xstrdup(dir);
    s->flags = flags;
    s->can_persist = !(flags & AIDF_STORE_READONLY) && access(dir, W_OK) == 0;
    aidf_strmap_init(&s->intern);
    aidf_sidx_load(s);
    int rc = aidf_sidx_sync(s, err);
    if (rc != AIDF_OK) {
        aidf_store_free(s);
        return rc;
    }
    persist(s, false);
    *out = s;
    return AIDF_OK;
}

void aidf_store_free(struct aidf_store *s)
{
    if (!s)
        return;
    persist(s, false);
    aidf_sidx_release(s);
    free(s->dir);
    free(s);
}

int aidf_store_refresh(struct aidf_store *s, struct aidf_error *err)
{
    int rc = aidf_sidx_sync(s, err);
    if (rc == AIDF_OK)
        persist(s, false);
    return rc;
}

int aidf_store_sync(struct aidf_store *s, struct aidf_error *err)
{
    (void)err;
    persist(s, true);
    return AIDF_OK;
}

int aidf_store_rescan(struct aidf_store *s, struct aidf_error *err)
{
    return aidf_sidx_sync(s, err);
}

uint64_t aidf_store_generation(const struct aidf_store *s)
{
    return s->gen;
}

bool aidf_store_dirty(const struct aidf_store *s)
{
    return s->dirty && s->can_persist;
}

size_t aidf_store_count(const struct aidf_store *s)
{
    return s->n_live;
}

const struct aidf_run_summary *aidf_store_nth(const struct aidf_store *s, size_t i)
{
    return i < s->n_live ? &s->ents[s->by_time[i]].sum : NULL;
}

char *aidf_store_path_of(const struct aidf_store *s, const struct aidf_run_summary *run)
{
    return aidf_path_join(s->dir, run->file);
}

/* ---- lookup ------------------------------------------------------------------------- */

static int cmp_summary_ptr(const void *a, const void *b)
{
    const struct aidf_run_summary *x = *(const struct aidf_run_summary *const *)a;
    const struct aidf_run_summary *y = *(const struct aidf_run_summary *const *)b;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms > y->ts_ms ? -1 : 1;
    return strcasecmp(x->run_id, y->run_id);
}

size_t aidf_store_find(struct aidf_store *s, const char *prefix,
                       const struct aidf_run_summary ***out)
{
    size_t plen = strlen(prefix);
    size_t i = aidf_sidx_lower_bound(s, prefix), n = 0;
    const struct aidf_run_summary **v = NULL;
    size_t cap = 0;
    for (; i < s->n_live; i++) {
        const struct aidf_run_summary *m = &s->ents[s->by_id[i]].sum;
        if (strncasecmp(m->run_id, prefix, plen) != 0)
            break;
        v = aidf_xgrow(v, &cap, n + 1, sizeof(*v));
        v[n++] = m;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_summary_ptr);
    if (!v)
        v = aidf_xmalloc(sizeof(*v));
    *out = v;
    return n;
}

static bool valid_prefix(const char *p)
{
    if (!*p || strlen(p) > AIDF_RUN_ID_LEN)
        return false;
    for (; *p; p++)
        if (!isxdigit((unsigned char)*p) && *p != '-')
            return false;
    return true;
}

static int ambiguous(struct aidf_error *err, const char *prefix,
                     const struct aidf_run_summary *const *v, size_t n)
{
    struct aidf_buf b = AIDF_BUF_INIT(sizeof(err->msg) - 1);
    aidf_buf_addf(&b, "run id '%s' is ambiguous (%zu runs match):", prefix, n);
    for (size_t i = 0; i < n && i < 10; i++) {
        const char *task = v[i]->task_path;
        const char *base = strrchr(task, '/');
        size_t keep = b.len;
        int rc = aidf_buf_addf(&b, " %s (%.16s%s%s);", v[i]->run_id, v[i]->timestamp,
                               *task ? ", " : "", base ? base + 1 : task);
        if (rc != AIDF_OK) {
            /* Out of room: keep the bare ids. */
            if (aidf_buf_addf(&b, " %s;", v[i]->run_id) != AIDF_OK) {
                b.len = keep;
                b.ptr[b.len] = '\0';
                break;
            }
        }
    }
    int rc = aidf_fail(err, AIDF_EAMBIGUOUS, "%s", b.ptr);
    aidf_buf_release(&b);
    return rc;
}

int aidf_store_read(struct aidf_store *s, const char *id_or_prefix, struct aidf_report *out,
                    const struct aidf_run_summary **summary_out, struct aidf_error *err)
{
    const struct aidf_run_summary **v = NULL;
    char *path = NULL, *data = NULL;
    size_t len = 0;
    int rc = AIDF_OK;

    if (!id_or_prefix || !valid_prefix(id_or_prefix))
        return aidf_fail(err, AIDF_EINVAL,
                         "invalid run id '%.64s': expected hex digits and '-' (at most %d)",
                         id_or_prefix ? id_or_prefix : "", AIDF_RUN_ID_LEN);
    size_t n = aidf_store_find(s, id_or_prefix, &v);
    const struct aidf_run_summary *hit = NULL;
    for (size_t i = 0; i < n && !hit; i++)
        if (strcasecmp(v[i]->run_id, id_or_prefix) == 0)
            hit = v[i];
    if (!hit && n == 1)
        hit = v[0];
    if (!hit) {
        rc = n == 0 ? aidf_fail(err, AIDF_ENOTFOUND, "no run matches '%s'", id_or_prefix)
                    : ambiguous(err, id_or_prefix, v, n);
        goto out;
    }
    path = aidf_store_path_of(s, hit);
    rc = aidf_read_file(path, AIDF_REPORT_MAX_BYTES, &data, &len, err);
    if (rc == AIDF_ENOTFOUND) {
        char id[AIDF_RUN_ID_LEN + 1];
        memcpy(id, hit->run_id, sizeof(id));
        aidf_store_refresh(s, NULL);
        rc = aidf_fail(err, AIDF_ENOTFOUND, "run %s is no longer on disk", id);
        goto out;
    }
    if (rc != AIDF_OK)
        goto out;
    rc = aidf_report_parse(data, len, out, err);
    if (rc == AIDF_OK && summary_out)
        *summary_out = hit;
out:
    free(v);
    free(path);
    free(data);
    return rc;
}

int aidf_store_read_run(const struct aidf_store *s, const struct aidf_run_summary *run,
                        struct aidf_report *out, struct aidf_error *err)
{
    char *data = NULL;
    size_t len = 0;
    char *path = aidf_store_path_of(s, run);
    int rc = aidf_read_file(path, AIDF_REPORT_MAX_BYTES, &data, &len, err);
    if (rc == AIDF_ENOTFOUND)
        rc = aidf_fail(err, AIDF_ENOTFOUND, "run %s is no longer on disk", run->run_id);
    if (rc == AIDF_OK)
        rc = aidf_report_parse(data, len, out, err);
    free(data);
    free(path);
    return rc;
}

size_t aidf_store_list(struct aidf_store *s, const struct aidf_filter *f,
                       const struct aidf_run_summary ***out)
{
    const struct aidf_run_summary **v = aidf_xmalloc((s->n_live ? s->n_live : 1) * sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < s->n_live; i++) {
        const struct aidf_run_summary *m = &s->ents[s->by_time[i]].sum;
        if (aidf_filter_match(f, m))
            v[n++] = m;
    }
    *out = v;
    return n;
}

/* ---- writes ------------------------------------------------------------------------- */

/*
 * Canonical text of a report: compact, sorted keys, and reals at the precision report
 * files are written with (aidf_report_dumps), so a report compares equal to the file
 * it was stored as ("0.008456000000000002" is stored as 0.008456).
 */
static char *canonical(const struct aidf_report *r)
{
    json_t *j = aidf_report_to_json(r);
    char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15));
    json_decref(j);
    return t;
}

enum existing { EX_MISSING, EX_SAME, EX_DIFFERENT, EX_OTHER_RUN };

/* What the file at `rel` holds compared with `r`. */
static enum existing compare_file(struct aidf_store *s, const char *rel,
                                  const struct aidf_report *r)
{
    char *path = aidf_path_join(s->dir, rel);
    char *data = NULL, *a = NULL, *b = NULL;
    size_t len = 0;
    enum existing res = EX_OTHER_RUN;
    struct aidf_report old;
    aidf_report_init(&old);
    int rc = aidf_read_file(path, AIDF_REPORT_MAX_BYTES, &data, &len, NULL);
    if (rc == AIDF_ENOTFOUND) {
        res = EX_MISSING;
        goto out;
    }
    if (rc != AIDF_OK || aidf_report_parse(data, len, &old, NULL) != AIDF_OK)
        goto out;
    if (strcasecmp(old.run_id, r->run_id) != 0)
        goto out;
    a = canonical(&old);
    b = canonical(r);
    res = a && b && strcmp(a, b) == 0 ? EX_SAME : EX_DIFFERENT;
out:
    aidf_report_release(&old);
    free(a);
    free(b);
    free(data);
    free(path);
    return res;
}

static void lower_copy(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i]; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

/* Record the file just written at `rel` for report `r`, replacing entry `prev` (or -1). */
static void index_written(struct aidf_store *s, const char *rel, const struct aidf_report *r,
                          long prev, bool fresh)
{
    char *path = aidf_path_join(s->dir, rel);
    struct stat st;
    memset(&st, 0, sizeof(st));
    if (stat(path, &st) != 0)
        aidf_debug("cannot stat '%s' after writing it: %s", path, strerror(errno));
    free(path);

    /*
     * Another entry for the same file (a stale or bad one) goes away. A fresh exclusive
     * create found no file there, so only a stale entry could remain, which the next
     * refresh drops anyway: skip the linear scan on that hot path.
     */
    unsigned char *drop = NULL;
    for (size_t i = 0; !fresh && i < s->n_ents; i++) {
        if ((long)i != prev && strcmp(s->ents[i].sum.file, rel) == 0) {
            if (!drop)
                drop = aidf_xcalloc(s->n_ents, 1);
            drop[i] = 1;
        }
    }
    bool rebuild = drop != NULL || prev >= 0;
    if (prev >= 0 && drop) {
        /* Keep prev's position meaningful across the removal. */
        long shift = 0;
        for (long i = 0; i < prev; i++)
            shift += drop[i];
        prev -= shift;
    }
    if (drop) {
        aidf_sidx_remove(s, drop);
        free(drop);
    }

    struct aidf_buf scratch = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct aidf_run_summary sum;
    aidf_run_summary_from_report_buf(r, &sum, &scratch);
    struct aidf_sidx_ent *e = prev >= 0 ? &s->ents[prev] : aidf_sidx_append(s);
    int64_t received = prev >= 0 && !e->bad ? e->sum.received_ms : 0;
    aidf_sidx_set_summary(s, e, &sum, rel);
    aidf_buf_release(&scratch);
    e->bad = false;
    e->dup = false;
    e->size = (int64_t)st.st_size;
    e->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    if (received <= 0)
        received = e->mtime_ns > 0 ? e->mtime_ns / 1000000 : (int64_t)time(NULL) * 1000;
    e->sum.received_ms = received;
    e->ino = (uint64_t)st.st_ino;
    /*
     * We wrote this file ourselves (new inode by rename), so it is not racily clean:
     * mark it verified as of two seconds after its mtime.
     */
    e->checked_ns = e->mtime_ns + AIDF_SIDX_RACY_NS + 1;
    if (rebuild)
        aidf_sidx_rebuild_order(s);
    else
        aidf_sidx_insert_order(s, (uint32_t)(e - s->ents));
    s->dirty = true;
}

int aidf_store_write_new(const char *dir, const struct aidf_report *r, char **path_out,
                         struct aidf_error *err)
{
    int64_t ts = 0;
    if (!r->run_id || !aidf_run_id_valid(r->run_id))
        return aidf_fail(err, AIDF_EINVAL, "report has no valid runId");
    if (!r->timestamp || aidf_iso_parse(r->timestamp, &ts) != AIDF_OK)
        return aidf_fail(err, AIDF_EINVAL, "report has no valid timestamp");

    char date[11], lid[AIDF_RUN_ID_LEN + 1], rel[AIDF_RUN_ID_LEN + 32];
    aidf_date_format(ts, date);
    lower_copy(lid, r->run_id, AIDF_RUN_ID_LEN);
    size_t len = 0;
    char *text = aidf_report_dumps(r, true, &len);
    char *dpath = aidf_path_join(dir, date);
    char *path = NULL;
    int rc = aidf_mkdirs(dpath, err);
    /* run-<id8>.json, then run-<full id>.json: a short-id collision never overwrites. */
    for (int attempt = 0; rc == AIDF_OK && attempt < 2; attempt++) {
        if (attempt == 0)
            snprintf(rel, sizeof(rel), "%s/run-%.8s.json", date, lid);
        else
            snprintf(rel, sizeof(rel), "%s/run-%s.json", date, lid);
        free(path);
        path = aidf_path_join(dir, rel);
        rc = aidf_write_file_atomic(path, text, len, 1, err);
        if (rc != AIDF_ECONFLICT)
            break;
        if (attempt == 0)
            rc = AIDF_OK;
    }
    if (rc == AIDF_OK && path_out) {
        *path_out = path;
        path = NULL;
    }
    free(path);
    free(dpath);
    free(text);
    return rc;
}

/* ---- staged writes (group commit) --------------------------------------------------- */

/*
 * The staged file is an unnamed O_TMPFILE inode in the date directory when the file
 * system supports it: creating it does not lock the directory, nothing is ever visible
 * under a temporary name, a crash leaves nothing behind, and linkat() puts it in place
 * without replacing anything. Otherwise a hidden ".tmp-run-..." file is renamed with
 * RENAME_NOREPLACE.
 */
struct aidf_store_stage {
    const struct aidf_report *r; /* borrowed */
    char date[11];
    char lid[AIDF_RUN_ID_LEN + 1]; /* lower-case run id */
    int fd;                        /* the O_TMPFILE inode while uncommitted, else -1 */
    char *tmp;                     /* absolute temporary path while it exists */
    char rel[AIDF_RUN_ID_LEN + 32];
};

int aidf_store_stage_new(const struct aidf_store *s, const struct aidf_report *r,
                         struct aidf_store_stage **out, struct aidf_error *err)
{
    int64_t ts = 0;
    if (s->flags & AIDF_STORE_READONLY)
        return aidf_fail(err, AIDF_EINVAL, "the report store '%s' is read-only", s->dir);
    if (!r->run_id || !aidf_run_id_valid(r->run_id))
        return aidf_fail(err, AIDF_EINVAL, "report has no valid runId");
    if (!r->timestamp || aidf_iso_parse(r->timestamp, &ts) != AIDF_OK)
        return aidf_fail(err, AIDF_EINVAL, "report has no valid timestamp");

    struct aidf_store_stage *st = aidf_xcalloc(1, sizeof(*st));
    st->r = r;
    st->fd = -1;
    aidf_date_format(ts, st->date);
    lower_copy(st->lid, r->run_id, AIDF_RUN_ID_LEN);

    int rc = AIDF_OK;
    size_t len = 0;
    /*
     * Compact: a staged report comes from outside (POST /runs), and pretty-printing its
     * unknown members would put a newline and indent before every value (16 MB of
     * "[0,0,...]" became a 56 MB file). Compact text is at most the posted size plus a few
     * bytes per number written differently ("1e9" as 1000000000.0), which the decoder's
     * value limit bounds. aidf_store_write_new() (a local run's own report) stays pretty.
     */
    char *text = aidf_report_dumps(r, false, &len);
    char *dpath = aidf_path_join(s->dir, st->date);
    if (mkdir(dpath, 0755) != 0 && errno != EEXIST) {
        rc = aidf_fail(err, AIDF_EIO, "cannot create '%s': %s", dpath, strerror(errno));
        goto out;
    }
#ifdef O_TMPFILE
    /* linkat() names the inode through /proc; without /proc, use the renamed file. */
    static atomic_int have_proc = -1;
    if (have_proc < 0)
        have_proc = access("/proc/self/fd", X_OK) == 0;
    st->fd = have_proc ? open(dpath, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644) : -1;
    if (st->fd >= 0) {
        if (aidf_write_fd_durable(st->fd, text, len) != 0)
            rc = aidf_fail(err, AIDF_EIO, "cannot write a report in '%s': %s", dpath,
                           strerror(errno));
        goto out;
    }
    if (have_proc && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT) {
        rc = aidf_fail(err, AIDF_EIO, "cannot create a file in '%s': %s", dpath, strerror(errno));
        goto out;
    }
#endif
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "%s/.tmp-run-%s-XXXXXX", dpath, st->lid);
    st->tmp = aidf_buf_detach(&b, NULL);
    int fd = mkostemp(st->tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = aidf_fail(err, AIDF_EIO, "cannot create a file in '%s': %s", dpath, strerror(errno));
        free(st->tmp);
        st->tmp = NULL;
        goto out;
    }
    if (aidf_write_fd_durable(fd, text, len) != 0) {
        rc = aidf_fail(err, AIDF_EIO, "cannot write '%s': %s", st->tmp, strerror(errno));
        close(fd);
        goto out;
    }
    if (close(fd) != 0)
        rc = aidf_fail(err, AIDF_EIO, "cannot close '%s': %s", st->tmp, strerror(errno));
out:
    free(text);
    free(dpath);
    if (rc != AIDF_OK) {
        aidf_store_stage_free(st);
        return rc;
    }
    *out = st;
    return AIDF_OK;
}

/* Move the staged file to `rel` unless something is there: AIDF_OK, ECONFLICT or EIO. */
static int place_stage(struct aidf_store *s, struct aidf_store_stage *st, const char *rel,
                       struct aidf_error *err)
{
    char *path = aidf_path_join(s->dir, rel);
    int rc = AIDF_OK;
    if (st->fd >= 0) {
        /* Give the unnamed inode its name; like link(), this never replaces a file. */
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", st->fd);
        if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0) {
            close(st->fd);
            st->fd = -1;
        } else {
            rc = errno == EEXIST
                     ? AIDF_ECONFLICT
                     : aidf_fail(err, AIDF_EIO, "cannot link '%s': %s", path, strerror(errno));
        }
        free(path);
        return rc;
    }
    if (aidf_rename_noreplace(st->tmp, path) != 0)
        rc = errno == EEXIST
                 ? AIDF_ECONFLICT
                 : aidf_fail(err, AIDF_EIO, "cannot rename to '%s': %s", path, strerror(errno));
    if (rc == AIDF_OK) {
        free(st->tmp);
        st->tmp = NULL;
    }
    free(path);
    return rc;
}

int aidf_store_stage_commit(struct aidf_store *s, struct aidf_store_stage *st, bool *existed,
                            struct aidf_error *err)
{
    const struct aidf_report *r = st->r;
    char rel[sizeof(st->rel)];
    bool fresh = false;
    int rc = AIDF_OK;

    *existed = false;
    if (!st->tmp && st->fd < 0)
        return aidf_fail(err, AIDF_EINTERNAL, "stage of run %s was already committed", r->run_id);
    long prev = aidf_sidx_find_id(s, r->run_id);
    if (prev >= 0) {
        char old_rel[sizeof(st->rel)];
        snprintf(old_rel, sizeof(old_rel), "%s", s->ents[prev].sum.file);
        enum existing ex = compare_file(s, old_rel, r);
        if (ex == EX_SAME) {
            *existed = true;
            snprintf(st->rel, sizeof(st->rel), "%s", old_rel);
            return AIDF_OK;
        }
        if (ex == EX_DIFFERENT)
            return aidf_fail(err, AIDF_ECONFLICT,
                             "run %s is already stored with different content (%s)", r->run_id,
                             old_rel);
        /* The indexed file is gone or holds something else now: write afresh. */
    }
    for (int attempt = 0;; attempt++) {
        if (attempt == 0)
            snprintf(rel, sizeof(rel), "%s/run-%.8s.json", st->date, st->lid);
        else
            snprintf(rel, sizeof(rel), "%s/run-%s.json", st->date, st->lid);
        rc = place_stage(s, st, rel, err);
        if (rc == AIDF_OK) {
            fresh = true;
            break;
        }
        if (rc != AIDF_ECONFLICT)
            return rc;
        enum existing ex = compare_file(s, rel, r);
        if (ex == EX_SAME) {
            *existed = true;
            rc = AIDF_OK;
            break;
        }
        if (ex == EX_DIFFERENT)
            return aidf_fail(err, AIDF_ECONFLICT,
                             "run %s is already stored with different content (%s)", r->run_id,
                             rel);
        if (ex == EX_MISSING) {
            attempt--; /* vanished between the rename and the read: same name again */
            continue;
        }
        if (attempt == 1)
            return aidf_fail(err, AIDF_ECONFLICT, "'%s' already exists and holds another run", rel);
    }
    snprintf(st->rel, sizeof(st->rel), "%s", rel);
    long keep_idx = prev;
    if (prev >= 0 && strcmp(s->ents[prev].sum.file, rel) != 0) {
        /* The old entry's file is gone or holds another run: drop it. */
        unsigned char *drop = aidf_xcalloc(s->n_ents, 1);
        drop[prev] = 1;
        aidf_sidx_remove(s, drop);
        free(drop);
        aidf_sidx_rebuild_order(s);
        keep_idx = -1;
    }
    index_written(s, rel, r, keep_idx, fresh);
    return rc;
}

const char *aidf_store_stage_file(const struct aidf_store_stage *st)
{
    return st->rel;
}

const char *aidf_store_stage_date(const struct aidf_store_stage *st)
{
    return st->date;
}

void aidf_store_stage_free(struct aidf_store_stage *st)
{
    if (!st)
        return;
    if (st->fd >= 0)
        close(st->fd); /* an unnamed inode simply goes away */
    if (st->tmp) {
        unlink(st->tmp);
        free(st->tmp);
    }
    free(st);
}

int aidf_store_fsync_dir(const struct aidf_store *s, const char *date, struct aidf_error *err)
{
    char *path = date ? aidf_path_join(s->dir, date) : aidf_xstrdup(s->dir);
    int rc = AIDF_OK;
    if (aidf_fsync_dir(path) != 0)
        rc = aidf_fail(err, AIDF_EIO, "cannot fsync '%s': %s", path, strerror(errno));
    free(path);
    return rc;
}

/* ---- clean -------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int aidf_store_clean(struct aidf_store *s, int64_t before_ms, bool dry_run,
                     struct aidf_strlist *paths, struct aidf_error *err)
{
    int rc = AIDF_OK;
    size_t n = 0;
    const char **rels = aidf_xmalloc((s->n_ents ? s->n_ents : 1) * sizeof(*rels));
    unsigned char *drop = aidf_xcalloc(s->n_ents ? s->n_ents : 1, 1);
    for (size_t i = 0; i < s->n_ents; i++)
        if (!s->ents[i].bad && s->ents[i].sum.ts_ms < before_ms)
            rels[n++] = s->ents[i].sum.file;
    qsort(rels, n, sizeof(*rels), cmp_str);

    if (dry_run) {
        for (size_t i = 0; i < n && paths; i++)
            aidf_strlist_add(paths, rels[i]);
        goto out;
    }
    if (s->flags & AIDF_STORE_READONLY) {
        rc = aidf_fail(err, AIDF_EINVAL, "the report store '%s' is read-only", s->dir);
        goto out;
    }
    size_t done = 0;
    for (; done < n; done++) {
        char *p = aidf_path_join(s->dir, rels[done]);
        int e = unlink(p) == 0 ? 0 : errno;
        free(p);
        if (e && e != ENOENT) {
            rc = aidf_fail(err, AIDF_EIO, "cannot delete '%s': %s", rels[done], strerror(e));
            break;
        }
        if (paths)
            aidf_strlist_add(paths, rels[done]);
    }
    /* Remove date directories left empty (rmdir refuses non-empty ones). */
    for (size_t i = 0; i < done; i++) {
        if (i > 0 && strncmp(rels[i], rels[i - 1], 10) == 0)
            continue;
        char name[11];
        memcpy(name, rels[i], 10);
        name[10] = '\0';
        char *dp = aidf_path_join(s->dir, name);
        rmdir(dp);
        free(dp);
    }
    for (size_t i = 0; i < s->n_ents; i++) {
        const char *f = s->ents[i].sum.file;
        drop[i] = !s->ents[i].bad && s->ents[i].sum.ts_ms < before_ms &&
                  bsearch(&f, rels, done, sizeof(*rels), cmp_str) != NULL;
    }
    aidf_sidx_remove(s, drop);
    aidf_sidx_rebuild_order(s);
    s->dirty = true;
    {
        /* The date directories changed: re-read them so their records are current. */
        struct aidf_error e;
        if (aidf_sidx_sync(s, &e) != AIDF_OK)
            aidf_debug("%s", e.msg);
        persist(s, false);
    }
out:
    free(rels);
    free(drop);
    return rc;
}
