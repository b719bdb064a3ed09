/*
 * The push outbox: one atomically written JSON file per queued (run, server) pair.
 */
#include "aidf/outbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "aidf/fsutil.h"
#include "aidf/jsonutil.h"
#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/sha256.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

void aidf_outbox_entry_release(struct aidf_outbox_entry *e)
{
    free(e->run_id);
    free(e->server);
    free(e->file);
    free(e->first_queued_at);
    free(e->last_attempt_at);
    free(e->last_error);
    memset(e, 0, sizeof(*e));
}

void aidf_outbox_list_release(struct aidf_outbox_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        aidf_outbox_entry_release(&l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

char *aidf_outbox_normalize_server(const char *server)
{
    if (!server)
        return aidf_xstrdup("");
    while (*server == ' ' || *server == '\t')
        server++;
    size_t n = strlen(server);
    while (n && (server[n - 1] == '/' || server[n - 1] == ' ' || server[n - 1] == '\t' ||
                 server[n - 1] == '\n' || server[n - 1] == '\r'))
        n--;
    return aidf_xstrndup(server, n);
}

/* First 8 hex digits of SHA-256(normalised server). */
static void server_tag(const char *norm, char out[9])
{
    unsigned char md[AIDF_SHA256_LEN];
    static const char hex[] = "0123456789abcdef";
    (void)aidf_sha256(norm, strlen(norm), md);
    for (int i = 0; i < 4; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[8] = '\0';
}

static char *outbox_dir(const char *reports_dir)
{
    return aidf_path_join(reports_dir, AIDF_OUTBOX_DIR);
}

/* The file name of the entry for (run_id, server): "<runId>-<srv8>.json". */
static char *entry_name(const char *run_id, const char *server)
{
    char *norm = aidf_outbox_normalize_server(server);
    char tag[9];
    server_tag(norm, tag);
    free(norm);
    size_t n = strlen(run_id) + sizeof(tag) + 8;
    char *name = aidf_xmalloc(n);
    snprintf(name, n, "%s-%s.json", run_id, tag);
    return name;
}

char *aidf_outbox_failed_dir(const char *reports_dir)
{
    char *dir = outbox_dir(reports_dir);
    char *failed = aidf_path_join(dir, AIDF_OUTBOX_FAILED_DIR);
    free(dir);
    return failed;
}

char *aidf_outbox_entry_path(const char *reports_dir, const char *run_id, const char *server)
{
    char *name = entry_name(run_id, server);
    char *dir = outbox_dir(reports_dir);
    char *path = aidf_path_join(dir, name);
    free(dir);
    free(name);
    return path;
}

static const char *jstr(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Parse one entry file's text; AIDF_OK or AIDF_EINVAL. */
static int entry_parse(const char *text, size_t len, const char *path,
                       struct aidf_outbox_entry *out, struct aidf_error *err)
{
    json_error_t jerr;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = AIDF_OK;
    if (!o || !json_is_object(o)) {
        rc = aidf_fail(err, AIDF_EINVAL, "%s: not an outbox entry (%s)", path,
                       o ? "not an object" : jerr.text);
        goto out;
    }
    const char *id = jstr(o, "runId"), *server = jstr(o, "server"), *file = jstr(o, "file");
    const char *first = jstr(o, "firstQueuedAt");
    const json_t *att = json_object_get(o, "attempts");
    if (!id || !aidf_run_id_valid(id) || !server || !*server || !file || !*file ||
        !json_is_integer(att) || json_integer_value(att) < 0) {
        rc = aidf_fail(err, AIDF_EINVAL,
                       "%s: not an outbox entry (runId, server, file or attempts missing)", path);
        goto out;
    }
    /* The file must stay inside the reports directory. */
    if (file[0] == '/' || strstr(file, "..")) {
        rc = aidf_fail(err, AIDF_EINVAL, "%s: report path '%s' leaves the reports directory", path,
                       file);
        goto out;
    }
    memset(out, 0, sizeof(*out));
    out->run_id = aidf_xstrdup(id);
    out->server = aidf_outbox_normalize_server(server);
    out->file = aidf_xstrdup(file);
    out->attempts = (int64_t)json_integer_value(att);
    out->first_queued_at = aidf_xstrdup(first ? first : "");
    out->last_attempt_at = aidf_xstrdup(jstr(o, "lastAttemptAt"));
    out->last_error = aidf_xstrdup(jstr(o, "lastError"));
out:
    json_decref(o);
    return rc;
}

static int entry_read(const char *path, struct aidf_outbox_entry *out, struct aidf_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = aidf_read_file(path, AIDF_OUTBOX_MAX_ENTRY_BYTES, &text, &len, err);
    if (rc != AIDF_OK)
        return rc;
    rc = entry_parse(text, len, path, out, err);
    free(text);
    return rc;
}

static int entry_write(const char *reports_dir, const struct aidf_outbox_entry *e,
                       struct aidf_error *err)
{
    char *dir = outbox_dir(reports_dir);
    char *path = NULL, *text = NULL;
    json_t *o = NULL;
    int rc = aidf_mkdirs(dir, err);
    if (rc != AIDF_OK)
        goto out;
    o = json_object();
    json_object_set_new(o, "runId", json_string(e->run_id));
    json_object_set_new(o, "server", json_string(e->server));
    json_object_set_new(o, "file", json_string(e->file));
    json_object_set_new(o, "attempts", json_integer((json_int_t)e->attempts));
    json_object_set_new(o, "firstQueuedAt", json_string(e->first_queued_at));
    json_object_set_new(o, "lastAttemptAt", aidf_json_str_or_null(e->last_attempt_at));
    json_object_set_new(o, "lastError", aidf_json_str_or_null(e->last_error));
    text = json_dumps(o, JSON_INDENT(2));
    if (!text) {
        rc = aidf_fail(err, AIDF_EINTERNAL, "cannot encode the outbox entry");
        goto out;
    }
    size_t len = strlen(text);
    text = aidf_xrealloc(text, len + 2);
    text[len++] = '\n';
    text[len] = '\0';
    path = aidf_outbox_entry_path(reports_dir, e->run_id, e->server);
    rc = aidf_write_file_atomic(path, text, len, 0, err);
out:
    json_decref(o);
    free(text);
    free(path);
    free(dir);
    return rc;
}

static void now_iso(char out[AIDF_ISO_LEN])
{
    aidf_iso_format(aidf_wall_ms(), out);
}

/* Load the entry or start a new one; *existed tells which. */
static int load_or_new(const char *reports_dir, const char *run_id, const char *server,
                       const char *file, struct aidf_outbox_entry *e, struct aidf_error *err)
{
    if (!run_id || !aidf_run_id_valid(run_id))
        return aidf_fail(err, AIDF_EINVAL, "invalid run id '%.60s'", run_id ? run_id : "");
    if (!file || !*file || file[0] == '/' || strstr(file, ".."))
        return aidf_fail(err, AIDF_EINVAL,
                         "report path '%.200s' is not inside the reports "
                         "directory",
                         file ? file : "");
    char *norm = aidf_outbox_normalize_server(server);
    if (!*norm) {
        free(norm);
        return aidf_fail(err, AIDF_EINVAL, "no server URL");
    }
    char *path = aidf_outbox_entry_path(reports_dir, run_id, norm);
    struct aidf_error rerr = {0};
    int rc = entry_read(path, e, &rerr);
    if (rc == AIDF_OK && strcmp(e->run_id, run_id) == 0 && strcmp(e->server, norm) == 0) {
        free(e->file);
        e->file = aidf_xstrdup(file);
    } else {
        if (rc == AIDF_OK)
            aidf_outbox_entry_release(e);
        else if (rc != AIDF_ENOTFOUND)
            aidf_warn("replacing a broken outbox entry: %s", rerr.msg);
        char now[AIDF_ISO_LEN];
        now_iso(now);
        memset(e, 0, sizeof(*e));
        e->run_id = aidf_xstrdup(run_id);
        e->server = aidf_xstrdup(norm);
        e->file = aidf_xstrdup(file);
        e->first_queued_at = aidf_xstrdup(now);
    }
    free(path);
    free(norm);
    return AIDF_OK;
}

int aidf_outbox_add(const char *reports_dir, const char *run_id, const char *server,
                    const char *file, struct aidf_error *err)
{
    struct aidf_outbox_entry e = {0};
    int rc = load_or_new(reports_dir, run_id, server, file, &e, err);
    if (rc == AIDF_OK)
        rc = entry_write(reports_dir, &e, err);
    aidf_outbox_entry_release(&e);
    return rc;
}

int aidf_outbox_record_failure(const char *reports_dir, const char *run_id, const char *server,
                               const char *file, int attempts, const char *error,
                               struct aidf_error *err)
{
    struct aidf_outbox_entry e = {0};
    int rc = load_or_new(reports_dir, run_id, server, file, &e, err);
    if (rc != AIDF_OK)
        goto out;
    char now[AIDF_ISO_LEN];
    now_iso(now);
    if (attempts > 0)
        e.attempts += attempts;
    free(e.last_attempt_at);
    e.last_attempt_at = aidf_xstrdup(now);
    if (error) {
        free(e.last_error);
        e.last_error = aidf_xstrdup(error);
    }
    rc = entry_write(reports_dir, &e, err);
out:
    aidf_outbox_entry_release(&e);
    return rc;
}

int aidf_outbox_get(const char *reports_dir, const char *run_id, const char *server,
                    struct aidf_outbox_entry *out, struct aidf_error *err)
{
    char *path = aidf_outbox_entry_path(reports_dir, run_id, server);
    int rc = entry_read(path, out, err);
    free(path);
    return rc;
}

int aidf_outbox_remove(const char *reports_dir, const char *run_id, const char *server,
                       struct aidf_error *err)
{
    char *path = aidf_outbox_entry_path(reports_dir, run_id, server);
    int rc = AIDF_OK;
    if (unlink(path) != 0 && errno != ENOENT)
        rc = aidf_fail(err, AIDF_EIO, "cannot remove '%s': %s", path, strerror(errno));
    free(path);
    return rc;
}

static int cmp_entry(const void *a, const void *b)
{
    const struct aidf_outbox_entry *x = a, *y = b;
    int c = strcmp(x->first_queued_at, y->first_queued_at);
    if (c)
        return c;
    c = strcmp(x->run_id, y->run_id);
    return c ? c : strcmp(x->server, y->server);
}

static bool is_entry_name(const char *name)
{
    size_t n = strlen(name);
    /* <36-char uuid>-<8 hex>.json */
    return n == AIDF_RUN_ID_LEN + 1 + 8 + 5 && strcmp(name + n - 5, ".json") == 0 &&
           name[AIDF_RUN_ID_LEN] == '-';
}

/*
 * Read the file `name` of the outbox directory `dir` (`dfd` open on it) as an entry.
 * AIDF_OK; AIDF_ENOTFOUND when it vanished (delivered by another process); AIDF_EINVAL
 * when it is corrupt (the message says why: see aidf_outbox_list()); AIDF_EIO when it
 * cannot be read now (permissions, an I/O error), which may pass.
 */
static int entry_load_listed(int dfd, const char *dir, const char *name,
                             struct aidf_outbox_entry *e, struct aidf_error *err)
{
    char *path = aidf_path_join(dir, name);
    struct stat st;
    int rc = AIDF_OK;
    /* Never opened unless it is a regular file: a FIFO would block the open, and a
     * symbolic link could make us read any file. */
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        rc = errno == ENOENT
                 ? aidf_fail(err, AIDF_ENOTFOUND, "%s: vanished", path)
                 : aidf_fail(err, AIDF_EIO, "cannot read '%s': %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = aidf_fail(err, AIDF_EINVAL, "%s: not a regular file", path);
        goto out;
    }
    rc = entry_read(path, e, err);
    if (rc == AIDF_ETOOBIG)
        rc = aidf_fail(err, AIDF_EINVAL, "%s: larger than %u bytes", path,
                       AIDF_OUTBOX_MAX_ENTRY_BYTES);
    if (rc != AIDF_OK)
        goto out;
    /* A copied or renamed entry: a delivery removes the entry's own name, never this
     * file, so it would be delivered again on every push. */
    char *want = entry_name(e->run_id, e->server);
    if (strcmp(want, name) != 0)
        rc = aidf_fail(err, AIDF_EINVAL, "%s: named '%s' for its runId and server", path, want);
    free(want);
    if (rc != AIDF_OK)
        aidf_outbox_entry_release(e);
out:
    free(path);
    return rc;
}

/*
 * Move the corrupt entry `name` out of the outbox into `failed/`, durably, keeping its
 * name (or "<name>.<n>" when failed/ already holds that name). One warning either way.
 */
static void set_aside(const char *reports_dir, const char *dir, const char *name, const char *why)
{
    char *failed = aidf_outbox_failed_dir(reports_dir);
    char *from = aidf_path_join(dir, name);
    char *to = NULL;
    struct aidf_error err = {0};
    struct stat st;
    bool made = stat(failed, &st) != 0;
    int e = 0;
    if (aidf_mkdirs(failed, &err) != AIDF_OK) {
        aidf_warn("skipping a corrupt outbox entry: %s (and cannot move it aside: %s)", why,
                  err.msg);
        goto out;
    }
    if (made && aidf_fsync_dir(dir) != 0)
        aidf_debug("cannot fsync '%s': %s", dir, strerror(errno));
    size_t cap = strlen(failed) + strlen(name) + 32;
    to = aidf_xmalloc(cap);
    for (unsigned n = 1; n <= AIDF_OUTBOX_FAILED_MAX_SAME; n++) {
        if (n == 1)
            snprintf(to, cap, "%s/%s", failed, name);
        else
            snprintf(to, cap, "%s/%s.%u", failed, name, n);
        e = aidf_rename_noreplace(from, to) == 0 ? 0 : errno;
        if (e != EEXIST)
            break;
    }
    if (e == ENOENT)
        goto out; /* another process moved or replaced it first */
    if (e) {
        aidf_warn("skipping a corrupt outbox entry: %s (and cannot move it to '%s': %s)", why,
                  failed, strerror(e));
        goto out;
    }
    if (aidf_fsync_dir(failed) != 0 || aidf_fsync_dir(dir) != 0)
        aidf_debug("cannot fsync the outbox after moving '%s': %s", name, strerror(errno));
    aidf_warn("corrupt outbox entry %s; moved to '%s'", why, to);
out:
    free(to);
    free(from);
    free(failed);
}

int aidf_outbox_list(const char *reports_dir, const char *server, struct aidf_outbox_list *out,
                     struct aidf_error *err)
{
    char *dir = outbox_dir(reports_dir);
    char *norm = server ? aidf_outbox_normalize_server(server) : NULL;
    int rc = AIDF_OK;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno != ENOENT && errno != ENOTDIR)
            rc = aidf_fail(err, AIDF_EIO, "cannot open '%s': %s", dir, strerror(errno));
        goto out;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!is_entry_name(de->d_name))
            continue;
        struct aidf_outbox_entry e = {0};
        struct aidf_error eerr = {0};
        int erc = entry_load_listed(dirfd(d), dir, de->d_name, &e, &eerr);
        if (erc == AIDF_EINVAL) {
            set_aside(reports_dir, dir, de->d_name, eerr.msg);
            continue;
        }
        if (erc != AIDF_OK) {
            /* Vanished between readdir and open: delivered by another process. */
            if (erc != AIDF_ENOTFOUND)
                aidf_warn("skipping outbox entry: %s", eerr.msg);
            continue;
        }
        if (norm && strcmp(e.server, norm) != 0) {
            aidf_outbox_entry_release(&e);
            continue;
        }
        out->items = aidf_xgrow(out->items, &out->cap, out->n + 1, sizeof(*out->items));
        out->items[out->n++] = e;
    }
    closedir(d);
    if (out->n > 1)
        qsort(out->items, out->n, sizeof(*out->items), cmp_entry);
out:
    free(norm);
    free(dir);
    return rc;
}

int aidf_outbox_failed_count(const char *reports_dir, size_t *n, struct aidf_error *err)
{
    char *failed = aidf_outbox_failed_dir(reports_dir);
    int rc = AIDF_OK;
    *n = 0;
    DIR *d = opendir(failed);
    if (!d) {
        if (errno != ENOENT && errno != ENOTDIR)
            rc = aidf_fail(err, AIDF_EIO, "cannot open '%s': %s", failed, strerror(errno));
        free(failed);
        return rc;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            (*n)++;
    closedir(d);
    free(failed);
    return rc;
}
