/*
 * Git operations of the executor (see include/aidf/git.h), by running the `git` program
 * through aidf/proc.h.
 *
 * Every command runs from the work tree's top directory with core.quotepath=off and NUL
 * separated output (-z), so any byte in a file name comes through unchanged, and with
 * GIT_LITERAL_PATHSPECS=1, so a file called `*.md` is that file and not a glob.
 *
 * A snapshot is HEAD plus the `git status` records of every dirty path and a SHA-256 of
 * each one's content (a symlink: of its target). The changes since a snapshot are the
 * paths whose records or content differ between two snapshots, plus the paths of the
 * commits made in between (the agent may commit on its own). Whether a path existed
 * before is decided from the old snapshot: it was present in the work tree, or it was
 * clean and tracked in the old HEAD.
 */
#include "aidf/git.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/proc.h"
#include "aidf/sha256.h"
#include "aidf/xalloc.h"

/* Paths per git command, and their total bytes, when a list is split into batches. */
#define BATCH_MAX_PATHS 256
#define BATCH_MAX_BYTES ((size_t)64 * 1024)

/* How much of a dirty path the snapshot knows. */
enum entry_state {
    ST_MISSING = 0, /* not in the work tree */
    ST_FILE = 1,    /* regular file: hash of the content */
    ST_LINK = 2,    /* symlink: hash of the target */
    ST_OTHER = 3,   /* directory (nested repository), unreadable file...: hash of metadata */
};

struct snap_entry {
    char *path;
    char st[16];  /* the status records' XY codes, concatenated ("M ", "D ??", ...) */
    bool in_head; /* the records say the path is tracked in HEAD */
    enum entry_state state;
    unsigned char hash[32];
};

struct aidf_git_snapshot {
    char *head; /* NULL in a repository without commits */
    size_t n, cap;
    struct snap_entry *items; /* sorted by path, one per path */
};

/* Never ask for credentials on the terminal; pathspecs are file names, not globs (only
 * for the commands that take paths, so the hooks of commit and push see the user's
 * environment; the other pathspec switches would conflict with it). */
static const char *const git_env[] = {"GIT_TERMINAL_PROMPT=0", NULL};
static const char *const git_env_paths[] = {"GIT_TERMINAL_PROMPT=0", "GIT_LITERAL_PATHSPECS=1",
                                            "GIT_GLOB_PATHSPECS",    "GIT_NOGLOB_PATHSPECS",
                                            "GIT_ICASE_PATHSPECS",   NULL};

/* ---- running git ------------------------------------------------------------------- */

/* A NULL-terminated argv of borrowed strings. */
struct argv {
    const char **v;
    size_t n, cap;
    bool literal; /* the command takes file names: GIT_LITERAL_PATHSPECS=1 */
};

static void av_push(struct argv *a, const char *s)
{
    a->v = aidf_xgrow(a->v, &a->cap, a->n + 2, sizeof(*a->v));
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

static void av_truncate(struct argv *a, size_t n)
{
    a->n = n;
    if (a->v)
        a->v[n] = NULL;
}

/* "git -C <top> -c core.quotepath=off -c core.fsmonitor=false": no file-system monitor, so
 * a command the agent ran cannot make aidf's own `git status` start a program by writing
 * core.fsmonitor into .git/config (possible where the sandbox leaves .git writable). */
static void av_git(struct argv *a, const char *top)
{
    av_push(a, "git");
    av_push(a, "-C");
    av_push(a, top ? top : ".");
    av_push(a, "-c");
    av_push(a, "core.quotepath=off");
    av_push(a, "-c");
    av_push(a, "core.fsmonitor=false");
}

/* The line of git's stderr that explains the failure: the first "fatal:" or "error:"
 * line, else the first non-blank one. */
static void pick_err_line(const char *s, char *dst, size_t cap)
{
    const char *best = NULL, *first = NULL;
    size_t best_len = 0, first_len = 0;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '))
            len--;
        if (len > 0 && !first) {
            first = p;
            first_len = len;
        }
        if (!best && (!strncmp(p, "fatal:", 6) || !strncmp(p, "error:", 6))) {
            best = p;
            best_len = len;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (!best) {
        best = first;
        best_len = first_len;
    }
    if (!best) {
        snprintf(dst, cap, "%s", "");
        return;
    }
    snprintf(dst, cap, "%.*s", (int)(best_len > 400 ? 400 : best_len), best);
}

/*
 * Run `a`; `what` names the subcommand in messages. AIDF_OK when git ran to its end
 * (whatever the exit status; `res` filled, release it in every case), else AIDF_EIO.
 */
static int git_exec(const char *what, const struct argv *a, struct aidf_proc_result *res,
                    struct aidf_error *err)
{
    struct aidf_proc_spec spec;
    struct aidf_error perr;
    memset(&spec, 0, sizeof(spec));
    memset(&perr, 0, sizeof(perr));
    spec.argv = a->v;
    spec.env_set = a->literal ? git_env_paths : git_env;
    spec.timeout_ms = AIDF_GIT_TIMEOUT_MS;
    int rc = aidf_proc_run(&spec, res, &perr);
    if (rc != AIDF_OK)
        return aidf_fail(err, AIDF_EIO, "git %s failed: %s", what,
                         perr.msg[0] ? perr.msg : aidf_strerror(rc));
    if (res->timed_out)
        return aidf_fail(err, AIDF_EIO, "git %s failed: timed out after %d s", what,
                         AIDF_GIT_TIMEOUT_MS / 1000);
    if (res->term_signal)
        return aidf_fail(err, AIDF_EIO, "git %s failed: killed by signal %d", what,
                         res->term_signal);
    if (res->out_truncated)
        return aidf_fail(err, AIDF_EIO, "git %s failed: output larger than %zu bytes", what,
                         (size_t)AIDF_PROC_DEFAULT_MAX_OUTPUT);
    return AIDF_OK;
}

/* The failure message for a git that exited with a non-zero status. */
static int git_status_fail(const char *what, const struct aidf_proc_result *res,
                           struct aidf_error *err)
{
    char line[512];
    pick_err_line(res->err ? res->err : "", line, sizeof(line));
    if (line[0])
        return aidf_fail(err, AIDF_EIO, "git %s failed: %s", what, line);
    return aidf_fail(err, AIDF_EIO, "git %s failed: exit status %d", what, res->exit_code);
}

/* git_exec() that also requires exit status 0. */
static int git_ok(const char *what, const struct argv *a, struct aidf_proc_result *res,
                  struct aidf_error *err)
{
    int rc = git_exec(what, a, res, err);
    if (rc == AIDF_OK && res->exit_code != 0)
        rc = git_status_fail(what, res, err);
    return rc;
}

/* Run `a` plus `paths` in batches (argv limits); each batch must succeed. */
static int git_ok_batched(const char *what, struct argv *a, const char *const *paths, size_t n,
                          struct aidf_error *err)
{
    size_t base = a->n;
    int rc = AIDF_OK;
    size_t i = 0;
    while (i < n && rc == AIDF_OK) {
        size_t bytes = 0, k = 0;
        av_truncate(a, base);
        while (i < n && k < BATCH_MAX_PATHS &&
               (k == 0 || bytes + strlen(paths[i]) < BATCH_MAX_BYTES)) {
            bytes += strlen(paths[i]) + 1;
            av_push(a, paths[i]);
            i++;
            k++;
        }
        struct aidf_proc_result res;
        rc = git_ok(what, a, &res, err);
        aidf_proc_result_release(&res);
    }
    av_truncate(a, base);
    return rc;
}

/* Trim the trailing newline of a one-line output. */
static char *one_line(const struct aidf_proc_result *res)
{
    size_t len = res->out_len;
    while (len > 0 && (res->out[len - 1] == '\n' || res->out[len - 1] == '\r'))
        len--;
    return aidf_xstrndup(res->out, len);
}

/*
 * The last directory asked about and its top: the executor asks for the same directory
 * several times per iteration, and each `git rev-parse` is a process start. A work tree
 * does not move under a running aidf, so the answer stays true.
 */
static pthread_mutex_t top_mu = PTHREAD_MUTEX_INITIALIZER;
static char *top_cwd, *top_dir;

/* The work tree's top, or AIDF_EIO "not a git work tree". */
static int top_of(const char *cwd, char **top, struct aidf_error *err)
{
    struct argv a = {0};
    struct aidf_proc_result res;
    int rc;
    pthread_mutex_lock(&top_mu);
    if (top_cwd && cwd && strcmp(top_cwd, cwd) == 0) {
        *top = aidf_xstrdup(top_dir);
        pthread_mutex_unlock(&top_mu);
        return AIDF_OK;
    }
    pthread_mutex_unlock(&top_mu);
    av_git(&a, cwd);
    av_push(&a, "rev-parse");
    av_push(&a, "--show-toplevel");
    rc = git_exec("rev-parse", &a, &res, err);
    if (rc != AIDF_OK)
        goto out;
    if (res.exit_code != 0 || res.out_len == 0) {
        rc = git_status_fail("rev-parse", &res, err);
        goto out;
    }
    *top = one_line(&res);
    if (cwd) {
        pthread_mutex_lock(&top_mu);
        free(top_cwd);
        free(top_dir);
        top_cwd = aidf_xstrdup(cwd);
        top_dir = aidf_xstrdup(*top);
        pthread_mutex_unlock(&top_mu);
    }
out:
    aidf_proc_result_release(&res);
    free(a.v);
    return rc;
}

/* HEAD's sha in `*sha` (NULL when the repository has no commits). */
static int head_of(const char *top, char **sha, struct aidf_error *err)
{
    struct argv a = {0};
    struct aidf_proc_result res;
    int rc;
    *sha = NULL;
    av_git(&a, top);
    av_push(&a, "rev-parse");
    av_push(&a, "--verify");
    av_push(&a, "-q");
    av_push(&a, "HEAD");
    rc = git_exec("rev-parse", &a, &res, err);
    if (rc != AIDF_OK)
        goto out;
    if (res.exit_code == 0 && res.out_len > 0)
        *sha = one_line(&res);
    else if (res.exit_code != 1)
        rc = git_status_fail("rev-parse", &res, err);
out:
    aidf_proc_result_release(&res);
    free(a.v);
    return rc;
}

bool aidf_git_is_repo(const char *cwd)
{
    struct argv a = {0};
    struct aidf_proc_result res;
    bool yes = false;
    av_git(&a, cwd);
    av_push(&a, "rev-parse");
    av_push(&a, "--is-inside-work-tree");
    if (git_exec("rev-parse", &a, &res, NULL) == AIDF_OK && res.exit_code == 0)
        yes = !strncmp(res.out, "true", 4);
    aidf_proc_result_release(&res);
    free(a.v);
    return yes;
}

/* ---- sorted path sets ---------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Push the strings of NUL-separated output onto `out` (borrowed: they point into `buf`,
 * which ends with a NUL even when git's last record does not). */
static void split_nul(const char *buf, size_t len, struct argv *out)
{
    size_t i = 0;
    while (i < len) {
        const char *s = buf + i;
        size_t l = strnlen(s, len - i);
        if (l > 0)
            av_push(out, s);
        i += l + 1;
    }
}

static bool sorted_has(const struct argv *set, const char *s)
{
    return set->n && bsearch(&s, set->v, set->n, sizeof(*set->v), cmp_str) != NULL;
}

/* ---- snapshots ------------------------------------------------------------------------ */

static int cmp_entry(const void *a, const void *b)
{
    const struct snap_entry *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : strcmp(x->st, y->st);
}

static const struct snap_entry *snap_find(const struct aidf_git_snapshot *s, const char *path)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, s->items[mid].path);
        if (c == 0)
            return &s->items[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* True when a status record XY says the path is in HEAD: everything but untracked,
 * ignored, added (also intent-to-add " A") and the new side of a rename or copy. */
static bool xy_in_head(char x, char y)
{
    if (x == '?' || x == '!' || x == 'A' || x == 'R' || x == 'C')
        return false;
    if (y == 'A' && (x == ' ' || x == 'U'))
        return false;
    return true;
}

static void snap_add(struct aidf_git_snapshot *s, const char *path, size_t len, char x, char y)
{
    s->items = aidf_xgrow(s->items, &s->cap, s->n + 1, sizeof(*s->items));
    struct snap_entry *e = &s->items[s->n++];
    memset(e, 0, sizeof(*e));
    e->path = aidf_xstrndup(path, len);
    e->st[0] = x;
    e->st[1] = y;
    e->in_head = xy_in_head(x, y);
}

/* Parse `git status --porcelain=v1 -z` into `s`: "XY path\0", and "XY new\0old\0" for a
 * rename or copy (a rename counts as the old path deleted and the new one created). */
static int parse_status(struct aidf_git_snapshot *s, const char *buf, size_t len,
                        struct aidf_error *err)
{
    size_t i = 0;
    while (i < len) {
        const char *rec = buf + i;
        size_t l = strnlen(rec, len - i);
        i += l + 1;
        if (l == 0)
            continue;
        if (l < 4 || rec[2] != ' ')
            return aidf_fail(err, AIDF_EIO, "git status failed: unexpected record '%.*s'",
                             (int)(l > 60 ? 60 : l), rec);
        char x = rec[0], y = rec[1];
        snap_add(s, rec + 3, l - 3, x, y);
        if (x == 'R' || x == 'C' || y == 'R' || y == 'C') {
            if (i >= len)
                return aidf_fail(err, AIDF_EIO, "git status failed: rename without a source");
            const char *old = buf + i;
            size_t ol = strnlen(old, len - i);
            i += ol + 1;
            if (ol > 0 && (x == 'R' || y == 'R'))
                snap_add(s, old, ol, x == 'R' ? 'D' : ' ', x == 'R' ? ' ' : 'D');
        }
    }
    if (s->n == 0)
        return AIDF_OK;
    /* One entry per path: a path can have two records ("D " and "??" after git rm
     * --cached); sorting by path then code keeps the concatenation deterministic. */
    qsort(s->items, s->n, sizeof(*s->items), cmp_entry);
    size_t w = 0;
    for (size_t r = 0; r < s->n; r++) {
        if (w > 0 && !strcmp(s->items[w - 1].path, s->items[r].path)) {
            struct snap_entry *d = &s->items[w - 1];
            size_t dl = strlen(d->st);
            if (dl + 2 < sizeof(d->st)) {
                d->st[dl] = s->items[r].st[0];
                d->st[dl + 1] = s->items[r].st[1];
                d->st[dl + 2] = '\0';
            }
            d->in_head = d->in_head || s->items[r].in_head;
            free(s->items[r].path);
            continue;
        }
        s->items[w++] = s->items[r];
    }
    s->n = w;
    return AIDF_OK;
}

/* Hash of what cannot be read: type, size, mtime. */
static void hash_meta(const struct stat *st, unsigned char out[32])
{
    char meta[128];
    int n =
        snprintf(meta, sizeof(meta), "%o %lld %lld.%09ld", (unsigned)st->st_mode,
                 (long long)st->st_size, (long long)st->st_mtim.tv_sec, (long)st->st_mtim.tv_nsec);
    (void)aidf_sha256(meta, n > 0 ? (size_t)n : 0, out);
}

/* Fill e->state and e->hash from the work tree. */
static void snap_hash(const char *top, struct snap_entry *e)
{
    char *abs = aidf_path_join(top, e->path);
    struct stat st;
    if (lstat(abs, &st) != 0) {
        e->state = ST_MISSING;
        goto out;
    }
    if (S_ISREG(st.st_mode)) {
        int fd = open(abs, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && aidf_sha256_fd(fd, e->hash)) {
            e->state = ST_FILE;
        } else {
            e->state = ST_OTHER;
            hash_meta(&st, e->hash);
        }
        if (fd >= 0)
            close(fd);
    } else if (S_ISLNK(st.st_mode)) {
        size_t cap = st.st_size > 0 && st.st_size < (1 << 20) ? (size_t)st.st_size + 2 : 4096;
        char *target = aidf_xmalloc(cap);
        ssize_t n = readlink(abs, target, cap);
        if (n >= 0) {
            e->state = ST_LINK;
            (void)aidf_sha256(target, (size_t)n, e->hash);
        } else {
            e->state = ST_OTHER;
            hash_meta(&st, e->hash);
        }
        free(target);
    } else {
        e->state = ST_OTHER;
        hash_meta(&st, e->hash);
    }
out:
    free(abs);
}

void aidf_git_snapshot_free(struct aidf_git_snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i].path);
    free(s->items);
    free(s->head);
    free(s);
}

static int snapshot_at(const char *top, struct aidf_git_snapshot **out, struct aidf_error *err)
{
    struct aidf_git_snapshot *s = aidf_xcalloc(1, sizeof(*s));
    struct argv a = {0};
    struct aidf_proc_result res;
    memset(&res, 0, sizeof(res));
    int rc = head_of(top, &s->head, err);
    if (rc != AIDF_OK)
        goto out;
    av_git(&a, top);
    av_push(&a, "status");
    av_push(&a, "--porcelain=v1");
    av_push(&a, "-z");
    av_push(&a, "--untracked-files=all");
    av_push(&a, "--no-renames");
    rc = git_ok("status", &a, &res, err);
    if (rc != AIDF_OK)
        goto out;
    rc = parse_status(s, res.out, res.out_len, err);
    if (rc != AIDF_OK)
        goto out;
    for (size_t i = 0; i < s->n; i++)
        snap_hash(top, &s->items[i]);
    *out = s;
    s = NULL;
out:
    aidf_proc_result_release(&res);
    free(a.v);
    aidf_git_snapshot_free(s);
    return rc;
}

int aidf_git_snapshot_take(const char *cwd, struct aidf_git_snapshot **out, struct aidf_error *err)
{
    char *top = NULL;
    int rc = top_of(cwd, &top, err);
    if (rc == AIDF_OK)
        rc = snapshot_at(top, out, err);
    free(top);
    return rc;
}

/* ---- changes -------------------------------------------------------------------------- */

/* A path of the commits made since the snapshot, with its diff status letter. */
struct committed {
    const char *path; /* into the git output */
    char letter;      /* 'A', 'D', 'M', 'T', ... */
};

static int cmp_committed(const void *a, const void *b)
{
    return strcmp(((const struct committed *)a)->path, ((const struct committed *)b)->path);
}

static const struct committed *committed_find(const struct committed *v, size_t n, const char *path)
{
    struct committed key = {path, 0};
    return n ? bsearch(&key, v, n, sizeof(*v), cmp_committed) : NULL;
}

/*
 * The paths that differ between commits `from` and `to` into `*v` (pointing into
 * res->out). `from` NULL (no commits before): every file of `to` counts as added; `to`
 * NULL: every file of `from` as deleted.
 */
static int committed_paths(const char *top, const char *from, const char *to,
                           struct aidf_proc_result *res, struct committed **v, size_t *n,
                           struct aidf_error *err)
{
    struct argv a = {0};
    size_t cap = 0;
    int rc;
    *v = NULL;
    *n = 0;
    av_git(&a, top);
    if (from && to) {
        av_push(&a, "diff");
        av_push(&a, "--name-status");
        av_push(&a, "-z");
        av_push(&a, "--no-renames");
        av_push(&a, "--no-ext-diff");
        av_push(&a, from);
        av_push(&a, to);
        rc = git_ok("diff", &a, res, err);
    } else {
        av_push(&a, "ls-tree");
        av_push(&a, "-r");
        av_push(&a, "-z");
        av_push(&a, "--name-only");
        av_push(&a, "--full-tree");
        av_push(&a, from ? from : to);
        rc = git_ok("ls-tree", &a, res, err);
    }
    free(a.v);
    if (rc != AIDF_OK)
        return rc;
    size_t i = 0, len = res->out_len;
    const char *buf = res->out;
    while (i < len) {
        const char *f = buf + i;
        size_t l = strnlen(f, len - i);
        i += l + 1;
        char letter = from ? 'D' : 'A';
        if (from && to) {
            /* "<status>\0<path>\0" */
            letter = l > 0 ? f[0] : 'M';
            if (i >= len)
                break;
            f = buf + i;
            l = strnlen(f, len - i);
            i += l + 1;
        }
        if (l == 0)
            continue;
        *v = aidf_xgrow(*v, &cap, *n + 1, sizeof(**v));
        (*v)[*n].path = f;
        (*v)[*n].letter = letter;
        (*n)++;
    }
    if (*n)
        qsort(*v, *n, sizeof(**v), cmp_committed);
    return AIDF_OK;
}

static bool same_entry(const struct snap_entry *x, const struct snap_entry *y)
{
    if (strcmp(x->st, y->st) || x->state != y->state)
        return false;
    return x->state == ST_MISSING || !memcmp(x->hash, y->hash, sizeof(x->hash));
}

static bool ignored(const char *path, const struct aidf_strlist *prefixes)
{
    if (!prefixes)
        return false;
    for (size_t i = 0; i < prefixes->n; i++) {
        const char *p = prefixes->items[i];
        if (p && *p && !strncmp(path, p, strlen(p)))
            return true;
    }
    return false;
}

static bool exists_in_tree(const char *top, const char *path)
{
    char *abs = aidf_path_join(top, path);
    struct stat st;
    bool yes = lstat(abs, &st) == 0;
    free(abs);
    return yes;
}

void aidf_git_changes_release(struct aidf_git_changes *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->items[i].path);
    free(c->items);
    memset(c, 0, sizeof(*c));
}

int aidf_git_changes_since(const char *cwd, const struct aidf_git_snapshot *before,
                           const struct aidf_strlist *ignore_prefixes, struct aidf_git_changes *out,
                           struct aidf_error *err)
{
    char *top = NULL;
    struct aidf_git_snapshot *now = NULL;
    struct aidf_proc_result dres;
    struct committed *com = NULL;
    size_t ncom = 0;
    struct argv cand = {0};
    int rc;
    memset(&dres, 0, sizeof(dres));
    memset(out, 0, sizeof(*out));
    if (!before)
        return aidf_fail(err, AIDF_EINVAL, "git changes: no snapshot to compare with");
    rc = top_of(cwd, &top, err);
    if (rc != AIDF_OK)
        goto out;
    rc = snapshot_at(top, &now, err);
    if (rc != AIDF_OK)
        goto out;

    /* Work-tree changes: dirty in either snapshot, and the records or content differ. */
    size_t i = 0, j = 0;
    while (i < before->n || j < now->n) {
        int c = i >= before->n ? 1
                : j >= now->n  ? -1
                               : strcmp(before->items[i].path, now->items[j].path);
        if (c < 0) {
            av_push(&cand, before->items[i++].path);
        } else if (c > 0) {
            av_push(&cand, now->items[j++].path);
        } else {
            if (!same_entry(&before->items[i], &now->items[j]))
                av_push(&cand, now->items[j].path);
            i++;
            j++;
        }
    }

    /* Commits made in between. */
    bool moved = (before->head == NULL) != (now->head == NULL) ||
                 (before->head && strcmp(before->head, now->head));
    if (moved) {
        rc = committed_paths(top, before->head, now->head, &dres, &com, &ncom, err);
        if (rc != AIDF_OK)
            goto out;
        for (size_t k = 0; k < ncom; k++)
            av_push(&cand, com[k].path);
    }
    if (cand.n)
        qsort(cand.v, cand.n, sizeof(*cand.v), cmp_str);

    for (size_t k = 0; k < cand.n; k++) {
        const char *p = cand.v[k];
        if ((k > 0 && !strcmp(p, cand.v[k - 1])) || ignored(p, ignore_prefixes))
            continue;
        const struct snap_entry *be = snap_find(before, p), *ne = snap_find(now, p);
        const struct committed *ce = committed_find(com, ncom, p);
        bool exists_now = ne ? ne->state != ST_MISSING : exists_in_tree(top, p);
        bool existed;
        if (be)
            existed = be->state != ST_MISSING || be->in_head;
        else if (!before->head)
            existed = false; /* clean in a repository without commits: nothing there */
        else if (ce)
            existed = ce->letter != 'A'; /* clean before, so as in the old HEAD */
        else
            existed = ne ? ne->in_head : true; /* same in both HEADs */
        out->items = aidf_xgrow(out->items, &out->cap, out->n + 1, sizeof(*out->items));
        out->items[out->n].path = aidf_xstrdup(p);
        out->items[out->n].kind = !exists_now ? AIDF_CHANGE_DELETED
                                  : !existed  ? AIDF_CHANGE_CREATED
                                              : AIDF_CHANGE_MODIFIED;
        out->n++;
    }
out:
    if (rc != AIDF_OK)
        aidf_git_changes_release(out);
    free(cand.v);
    free(com);
    aidf_proc_result_release(&dres);
    aidf_git_snapshot_free(now);
    free(top);
    return rc;
}

/* ---- staging and commits ---------------------------------------------------------------- */

/* Of `paths`, the sorted set that git's index holds (`git ls-files`), into `*set`
 * pointing into `res`. */
static int index_has(const char *top, const char *const *paths, size_t n,
                     struct aidf_proc_result *res, struct aidf_buf *acc, struct argv *set,
                     struct aidf_error *err)
{
    struct argv a = {0};
    int rc = AIDF_OK;
    size_t i = 0;
    av_git(&a, top);
    av_push(&a, "ls-files");
    a.literal = true;
    av_push(&a, "-z");
    av_push(&a, "--cached");
    av_push(&a, "--");
    size_t base = a.n;
    while (i < n && rc == AIDF_OK) {
        av_truncate(&a, base);
        for (size_t k = 0; i < n && k < BATCH_MAX_PATHS; k++)
            av_push(&a, paths[i++]);
        rc = git_ok("ls-files", &a, res, err);
        if (rc == AIDF_OK && aidf_buf_add(acc, res->out, res->out_len) != AIDF_OK)
            rc = aidf_fail(err, AIDF_EIO, "git ls-files failed: output too large");
        aidf_proc_result_release(res);
    }
    free(a.v);
    if (rc != AIDF_OK)
        return rc;
    split_nul(acc->ptr, acc->len, set);
    if (set->n)
        qsort(set->v, set->n, sizeof(*set->v), cmp_str);
    return AIDF_OK;
}

int aidf_git_add(const char *cwd, const struct aidf_strlist *paths, struct aidf_error *err)
{
    char *top = NULL;
    struct argv a = {0}, missing = {0}, inidx = {0};
    const char **keep = NULL;
    size_t nkeep = 0;
    struct aidf_buf acc = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct aidf_proc_result res;
    memset(&res, 0, sizeof(res));
    if (!paths || paths->n == 0)
        return AIDF_OK;
    int rc = top_of(cwd, &top, err);
    if (rc != AIDF_OK)
        goto out;
    /* A path that is neither in the work tree nor in the index (an untracked file that
     * was deleted) would make `git add` fail with "did not match any files": skip it. */
    for (size_t i = 0; i < paths->n; i++)
        if (paths->items[i][0] && !exists_in_tree(top, paths->items[i]))
            av_push(&missing, paths->items[i]);
    if (missing.n) {
        rc = index_has(top, missing.v, missing.n, &res, &acc, &inidx, err);
        if (rc != AIDF_OK)
            goto out;
    }
    keep = aidf_xcalloc(paths->n, sizeof(*keep));
    for (size_t i = 0; i < paths->n; i++) {
        const char *p = paths->items[i];
        if (!p[0])
            continue;
        if (missing.n && !exists_in_tree(top, p) && !sorted_has(&inidx, p))
            continue;
        keep[nkeep++] = p;
    }
    av_git(&a, top);
    av_push(&a, "add");
    a.literal = true;
    av_push(&a, "-A");
    av_push(&a, "--");
    rc = git_ok_batched("add", &a, keep, nkeep, err);
out:
    aidf_proc_result_release(&res);
    aidf_buf_release(&acc);
    free(keep);
    free(inidx.v);
    free(missing.v);
    free(a.v);
    free(top);
    return rc;
}

/* True when `git config <key>` has a non-empty value. */
static bool config_set(const char *top, const char *key)
{
    struct argv a = {0};
    struct aidf_proc_result res;
    bool yes = false;
    av_git(&a, top);
    av_push(&a, "config");
    av_push(&a, key);
    if (git_exec("config", &a, &res, NULL) == AIDF_OK && res.exit_code == 0)
        for (size_t i = 0; i < res.out_len && !yes; i++)
            yes = res.out[i] != '\n' && res.out[i] != ' ' && res.out[i] != '\t';
    aidf_proc_result_release(&res);
    free(a.v);
    return yes;
}

int aidf_git_commit(const char *cwd, const char *message, bool *nothing, char **sha_out,
                    struct aidf_error *err)
{
    char *top = NULL;
    struct argv a = {0};
    struct aidf_proc_result res;
    memset(&res, 0, sizeof(res));
    if (nothing)
        *nothing = false;
    if (sha_out)
        *sha_out = NULL;
    int rc = top_of(cwd, &top, err);
    if (rc != AIDF_OK)
        goto out;

    /* Anything staged? (exit 0: no, 1: yes) */
    av_git(&a, top);
    av_push(&a, "diff");
    av_push(&a, "--cached");
    av_push(&a, "--quiet");
    av_push(&a, "--no-ext-diff");
    rc = git_exec("diff", &a, &res, err);
    if (rc != AIDF_OK)
        goto out;
    if (res.exit_code == 0) {
        if (nothing)
            *nothing = true;
        goto out;
    }
    if (res.exit_code != 1) {
        rc = git_status_fail("diff", &res, err);
        goto out;
    }
    aidf_proc_result_release(&res);

    /* Commit even where no identity is configured (CI containers, fresh machines). */
    av_truncate(&a, 0);
    av_git(&a, top);
    if (!config_set(top, "user.name")) {
        av_push(&a, "-c");
        av_push(&a, "user.name=aidf");
    }
    if (!config_set(top, "user.email")) {
        av_push(&a, "-c");
        av_push(&a, "user.email=aidf@localhost");
    }
    av_push(&a, "commit");
    av_push(&a, "-q");
    av_push(&a, "-m");
    av_push(&a, message ? message : "");
    rc = git_ok("commit", &a, &res, err);
    if (rc != AIDF_OK)
        goto out;
    if (sha_out) {
        rc = head_of(top, sha_out, err);
        if (rc == AIDF_OK && !*sha_out)
            rc = aidf_fail(err, AIDF_EIO, "git commit failed: no HEAD after the commit");
    }
out:
    aidf_proc_result_release(&res);
    free(a.v);
    free(top);
    return rc;
}

/* ---- revert ------------------------------------------------------------------------------ */

/* A path that stays inside the work tree: relative, no ".." component. */
static bool path_safe(const char *p)
{
    if (!p || !*p || p[0] == '/')
        return false;
    for (const char *s = p; *s;) {
        const char *e = strchr(s, '/');
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (len == 2 && s[0] == '.' && s[1] == '.')
            return false;
        if (!e)
            break;
        s = e + 1;
    }
    return true;
}

/* True when a directory above `p` inside `top` is a symlink (deleting through it could
 * leave the work tree). */
static bool parent_is_link(const char *top, const char *p)
{
    char *abs = aidf_path_join(top, p);
    size_t toplen = strlen(top);
    bool link = false;
    for (char *s = abs + toplen + 1; *s && !link; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        struct stat st;
        if (lstat(abs, &st) == 0 && S_ISLNK(st.st_mode))
            link = true;
        *s = '/';
    }
    free(abs);
    return link;
}

/* Delete `p` from the work tree, then its parent directories as long as they are empty. */
static int unlink_in_tree(const char *top, const char *p, struct aidf_error *err)
{
    char *abs = aidf_path_join(top, p);
    size_t len = strlen(abs);
    int rc = AIDF_OK;
    while (len > strlen(top) + 1 && abs[len - 1] == '/')
        abs[--len] = '\0';
    struct stat st;
    if (lstat(abs, &st) == 0) {
        bool failed;
        if (S_ISDIR(st.st_mode)) /* a nested repository: removed only when empty */
            failed = rmdir(abs) != 0 && errno != ENOTEMPTY && errno != EEXIST;
        else
            failed = unlink(abs) != 0 && errno != ENOENT;
        if (failed) {
            rc = aidf_fail(err, AIDF_EIO, "cannot delete '%s': %s", abs, strerror(errno));
            goto out;
        }
    }
    for (;;) {
        char *slash = strrchr(abs, '/');
        if (!slash || (size_t)(slash - abs) <= strlen(top))
            break;
        *slash = '\0';
        if (rmdir(abs) != 0)
            break;
    }
out:
    free(abs);
    return rc;
}

int aidf_git_revert(const char *cwd, const struct aidf_strlist *paths, struct aidf_error *err)
{
    char *top = NULL, *head = NULL;
    struct argv a = {0}, tracked = {0}, restore = {0}, remove = {0};
    struct aidf_buf acc = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct aidf_proc_result res;
    memset(&res, 0, sizeof(res));
    if (!paths || paths->n == 0)
        return AIDF_OK;
    for (size_t i = 0; i < paths->n; i++)
        if (!path_safe(paths->items[i]))
            return aidf_fail(err, AIDF_EINVAL, "refusing to revert '%s': not inside the work tree",
                             paths->items[i] ? paths->items[i] : "");
    int rc = top_of(cwd, &top, err);
    if (rc != AIDF_OK)
        goto out;
    for (size_t i = 0; i < paths->n; i++)
        if (parent_is_link(top, paths->items[i])) {
            rc = aidf_fail(err, AIDF_EINVAL,
                           "refusing to revert '%s': a directory on its way is a symlink",
                           paths->items[i]);
            goto out;
        }
    rc = head_of(top, &head, err);
    if (rc != AIDF_OK)
        goto out;

    /* Which paths HEAD has (exact names: ls-tree also matches directories). */
    if (head) {
        av_git(&a, top);
        av_push(&a, "ls-tree");
        a.literal = true;
        av_push(&a, "-r");
        av_push(&a, "-z");
        av_push(&a, "--name-only");
        av_push(&a, "--full-tree");
        av_push(&a, head);
        av_push(&a, "--");
        size_t base = a.n;
        for (size_t i = 0; i < paths->n && rc == AIDF_OK;) {
            av_truncate(&a, base);
            for (size_t k = 0; i < paths->n && k < BATCH_MAX_PATHS; k++)
                av_push(&a, paths->items[i++]);
            rc = git_ok("ls-tree", &a, &res, err);
            if (rc == AIDF_OK && aidf_buf_add(&acc, res.out, res.out_len) != AIDF_OK)
                rc = aidf_fail(err, AIDF_EIO, "git ls-tree failed: output too large");
            aidf_proc_result_release(&res);
        }
        if (rc != AIDF_OK)
            goto out;
        split_nul(acc.ptr, acc.len, &tracked);
        if (tracked.n)
            qsort(tracked.v, tracked.n, sizeof(*tracked.v), cmp_str);
    }
    for (size_t i = 0; i < paths->n; i++)
        av_push(sorted_has(&tracked, paths->items[i]) ? &restore : &remove, paths->items[i]);

    /* New paths first: out of the index, then out of the work tree (a tracked file may
     * come back where a new directory stood). -f: also when the staged copy differs. */
    if (remove.n) {
        av_truncate(&a, 0);
        av_git(&a, top);
        av_push(&a, "rm");
        a.literal = true;
        av_push(&a, "--cached");
        av_push(&a, "-f");
        av_push(&a, "-q");
        av_push(&a, "--ignore-unmatch");
        av_push(&a, "--");
        rc = git_ok_batched("rm", &a, remove.v, remove.n, err);
        if (rc != AIDF_OK)
            goto out;
        for (size_t i = 0; i < remove.n && rc == AIDF_OK; i++)
            rc = unlink_in_tree(top, remove.v[i], err);
        if (rc != AIDF_OK)
            goto out;
    }
    if (restore.n) {
        av_truncate(&a, 0);
        av_git(&a, top);
        av_push(&a, "checkout");
        a.literal = true;
        av_push(&a, "-q");
        av_push(&a, "HEAD");
        av_push(&a, "--");
        rc = git_ok_batched("checkout", &a, restore.v, restore.n, err);
    }
out:
    aidf_proc_result_release(&res);
    aidf_buf_release(&acc);
    free(tracked.v);
    free(restore.v);
    free(remove.v);
    free(a.v);
    free(head);
    free(top);
    return rc;
}

int aidf_git_rm_cached(const char *cwd, const char *path, struct aidf_error *err)
{
    char *top = NULL;
    struct argv a = {0};
    struct aidf_proc_result res;
    memset(&res, 0, sizeof(res));
    if (!path || !*path)
        return aidf_fail(err, AIDF_EINVAL, "git rm: empty path");
    int rc = top_of(cwd, &top, err);
    if (rc != AIDF_OK)
        goto out;
    av_git(&a, top);
    av_push(&a, "rm");
    a.literal = true;
    av_push(&a, "--cached");
    av_push(&a, "-f");
    av_push(&a, "--ignore-unmatch");
    av_push(&a, "-q");
    av_push(&a, "--");
    av_push(&a, path);
    rc = git_ok("rm", &a, &res, err);
out:
    aidf_proc_result_release(&res);
    free(a.v);
    free(top);
    return rc;
}

int aidf_git_push(const char *cwd, struct aidf_error *err)
{
    char *top = NULL;
    struct argv a = {0};
    struct aidf_proc_result res;
    memset(&res, 0, sizeof(res));
    int rc = top_of(cwd, &top, err);
    if (rc != AIDF_OK)
        goto out;
    av_git(&a, top);
    av_push(&a, "push");
    av_push(&a, "-q");
    rc = git_ok("push", &a, &res, err);
out:
    aidf_proc_result_release(&res);
    free(a.v);
    free(top);
    return rc;
}

/* ---- where the work tree came from ------------------------------------------------- */

int aidf_git_head(const char *cwd, char **sha, struct aidf_error *err)
{
    char *top = NULL;
    *sha = NULL;
    int rc = top_of(cwd, &top, err);
    if (rc == AIDF_OK)
        rc = head_of(top, sha, err);
    free(top);
    return rc;
}

/* The value of `key` in `git config --get-regexp` output ("key value" lines, system then
 * global then local), or NULL: the last one, as git itself takes. */
static char *config_value(const char *out, const char *key)
{
    size_t kl = strlen(key);
    const char *found = NULL;
    size_t found_len = 0;
    for (const char *p = out; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > kl && strncmp(p, key, kl) == 0 && p[kl] == ' ') {
            found = p + kl + 1;
            found_len = len - kl - 1;
        }
        p = nl ? nl + 1 : NULL;
    }
    return found ? aidf_xstrndup(found, found_len) : NULL;
}

int aidf_git_origin_read(const char *cwd, struct aidf_git_origin *o, struct aidf_error *err)
{
    memset(o, 0, sizeof(*o));
    char *top = NULL;
    int rc = top_of(cwd, &top, err);
    if (rc != AIDF_OK)
        return rc;
    rc = head_of(top, &o->head, err);
    struct argv a = {0};
    struct aidf_proc_result res;
    if (rc == AIDF_OK) {
        av_git(&a, top);
        av_push(&a, "symbolic-ref");
        av_push(&a, "-q");
        av_push(&a, "--short");
        av_push(&a, "HEAD");
        rc = git_exec("symbolic-ref", &a, &res, err);
        if (rc == AIDF_OK && res.exit_code == 0 && res.out_len > 0)
            o->branch = one_line(&res);
        aidf_proc_result_release(&res);
        av_truncate(&a, 0);
    }
    if (rc == AIDF_OK) {
        av_git(&a, top);
        av_push(&a, "config");
        av_push(&a, "--get-regexp");
        av_push(&a, "^(remote\\.origin\\.url|user\\.email)$");
        rc = git_exec("config", &a, &res, err);
        /* Exit status 1: neither key is set. */
        if (rc == AIDF_OK && res.exit_code == 0 && res.out) {
            o->remote_url = config_value(res.out, "remote.origin.url");
            o->user_email = config_value(res.out, "user.email");
        }
        aidf_proc_result_release(&res);
    }
    free(a.v);
    free(top);
    return rc;
}

void aidf_git_origin_release(struct aidf_git_origin *o)
{
    if (!o)
        return;
    free(o->branch);
    free(o->head);
    free(o->remote_url);
    free(o->user_email);
    memset(o, 0, sizeof(*o));
}
