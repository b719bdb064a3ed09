#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/xalloc.h"

char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof(tmpl), "%s/aidf-test-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    if (!d) {
        perror("mkdtemp");
        abort();
    }
    return aidf_xstrdup(d);
}

void tu_rmrf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                char *sub = aidf_path_join(path, e->d_name);
                tu_rmrf(sub);
                free(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

void tu_write(const char *dir, const char *rel, const char *text)
{
    char *p = aidf_path_join(dir, rel);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    if (aidf_mkdirs(p, NULL) != 0)
        abort();
    *slash = '/';
    FILE *f = fopen(p, "wb");
    if (!f)
        abort();
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    free(p);
}

char *tu_read(const char *path, size_t *len)
{
    char *out = NULL;
    if (aidf_read_file(path, 1u << 30, &out, len, NULL) != 0)
        return NULL;
    return out;
}

char *tu_read_data(const char *rel, size_t *len)
{
    char *p = aidf_path_join(AIDF_TEST_DATA, rel);
    char *s = tu_read(p, len);
    if (!s) {
        fprintf(stderr, "missing test data %s\n", p);
        abort();
    }
    free(p);
    return s;
}
