#include "aidf/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/xalloc.h"

int aidf_read_file(const char *path, size_t max, char **out, size_t *len, struct aidf_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return aidf_fail(err, e == ENOENT ? AIDF_ENOTFOUND : AIDF_EIO, "cannot open '%s': %s", path,
                         strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return aidf_fail(err, AIDF_EIO, "cannot read '%s': not a regular file", path);
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return aidf_fail(err, AIDF_ETOOBIG, "'%s' is larger than %zu bytes", path, max);
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    char *p = aidf_xmalloc(cap);
    for (;;) {
        if (n + 1 >= cap) {
            /* Room for one byte past `max`, so a file of exactly `max` bytes reads to
             * its EOF and a longer one is caught below. */
            if (cap > max + 1) {
                free(p);
                close(fd);
                return aidf_fail(err, AIDF_ETOOBIG, "'%s' is larger than %zu bytes", path, max);
            }
            cap = cap * 2 > max + 1 ? max + 2 : cap * 2;
            p = aidf_xrealloc(p, cap);
        }
        ssize_t r = read(fd, p + n, cap - 1 - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(p);
            close(fd);
            return aidf_fail(err, AIDF_EIO, "cannot read '%s': %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n > max) {
        free(p);
        return aidf_fail(err, AIDF_ETOOBIG, "'%s' is larger than %zu bytes", path, max);
    }
    p[n] = '\0';
    *out = p;
    if (len)
        *len = n;
    return AIDF_OK;
}

int aidf_fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* fsync the directory that holds `path` ("." for a bare name). */
static int fsync_dir_of(const char *path)
{
    char *dir = aidf_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else {
        free(dir);
        dir = aidf_xstrdup(".");
    }
    int rc = aidf_fsync_dir(dir);
    int e = errno;
    free(dir);
    errno = e;
    return rc;
}

int aidf_write_fd_durable(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fchmod(fd, 0644) != 0)
        return -1;
    return fsync(fd);
}

int aidf_rename_noreplace(const char *from, const char *to)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return -1;
#endif
    /* A file system without RENAME_NOREPLACE: link() never replaces either. */
    if (link(from, to) != 0)
        return -1;
    if (unlink(from) != 0) {
        int e = errno;
        (void)unlink(to);
        errno = e;
        return -1;
    }
    return 0;
}

int aidf_write_file_atomic(const char *path, const void *data, size_t len, int exclusive,
                           struct aidf_error *err)
{
    size_t plen = strlen(path);
    char *tmp = aidf_xmalloc(plen + 16);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    /* The temp name must not look like a report: it ends in .XXXXXX, not .json. */
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return aidf_fail(err, AIDF_EIO, "cannot create a temporary file for '%s': %s", path,
                         strerror(e));
    }
    int rc = AIDF_OK;
    if (aidf_write_fd_durable(fd, data, len) != 0)
        rc = aidf_fail(err, AIDF_EIO, "cannot write '%s': %s", tmp, strerror(errno));
    if (close(fd) != 0 && rc == AIDF_OK)
        rc = aidf_fail(err, AIDF_EIO, "cannot close '%s': %s", tmp, strerror(errno));
    if (rc == AIDF_OK) {
        if (exclusive) {
            if (aidf_rename_noreplace(tmp, path) != 0) {
                int e = errno;
                rc = e == EEXIST
                         ? aidf_fail(err, AIDF_ECONFLICT, "'%s' already exists", path)
                         : aidf_fail(err, AIDF_EIO, "cannot create '%s': %s", path, strerror(e));
            }
        } else if (rename(tmp, path) != 0) {
            rc = aidf_fail(err, AIDF_EIO, "cannot rename onto '%s': %s", path, strerror(errno));
        }
    }
    if (rc != AIDF_OK)
        unlink(tmp);
    else if (fsync_dir_of(path) != 0)
        rc = aidf_fail(err, AIDF_EIO, "cannot fsync the directory of '%s': %s", path,
                       strerror(errno));
    free(tmp);
    return rc;
}

int aidf_mkdirs(const char *path, struct aidf_error *err)
{
    char *p = aidf_xstrdup(path);
    int rc = AIDF_OK;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                rc = aidf_fail(err, AIDF_EIO, "cannot create directory '%s': %s", p,
                               strerror(errno));
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    if (rc == AIDF_OK) {
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            rc = aidf_fail(err, AIDF_EIO, "'%s' is not a directory", path);
    }
    free(p);
    return rc;
}

char *aidf_path_join(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la > 1 && a[la - 1] == '/')
        la--;
    while (lb > 0 && b[0] == '/') {
        b++;
        lb--;
    }
    char *p = aidf_xmalloc(la + lb + 2);
    memcpy(p, a, la);
    size_t off = la;
    if (la == 0 || a[la - 1] != '/')
        p[off++] = '/';
    memcpy(p + off, b, lb);
    p[off + lb] = '\0';
    return p;
}

char *aidf_find_upward(const char *start, const char *name, bool want_dir)
{
    char *dir = start ? realpath(start, NULL) : getcwd(NULL, 0);
    if (!dir)
        return NULL;
    for (;;) {
        if (strcmp(dir, "/") == 0)
            break;
        char *p = aidf_path_join(dir, name);
        struct stat st;
        bool found = want_dir ? stat(p, &st) == 0 && S_ISDIR(st.st_mode) : lstat(p, &st) == 0;
        free(p);
        if (found)
            return dir;
        char *slash = strrchr(dir, '/');
        if (!slash)
            break;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
    free(dir);
    return NULL;
}

char *aidf_find_project_root(const char *start)
{
    return aidf_find_upward(start, ".ai", true);
}
