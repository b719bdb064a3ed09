#include "testutil.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
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

bool tu_exists(const char *dir, const char *rel)
{
    char *p = aidf_path_join(dir, rel);
    struct stat st;
    bool yes = lstat(p, &st) == 0;
    free(p);
    return yes;
}

double tu_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tu_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

double tu_time_mult(void)
{
    const char *s = getenv("AIDF_TEST_TIMEOUT_MULT");
    char *end = NULL;
    double m = s && *s ? strtod(s, &end) : 1.0;
    if (!s || !*s || *end || !(m >= 1.0))
        return 1.0;
    return m;
}

int tu_closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        perror("tu_closed_port");
        abort();
    }
    close(fd);
    return ntohs(a.sin_port);
}

static struct aidf_buf captured = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
static int capture_max_level;

static void capture_sink(int level, const char *line, void *ctx)
{
    (void)ctx;
    if (level > capture_max_level)
        return;
    aidf_buf_addstr(&captured, line);
    aidf_buf_addch(&captured, '\n');
}

void tu_log_capture(int max_level)
{
    aidf_buf_reset(&captured);
    capture_max_level = max_level;
    aidf_log_set_sink(capture_sink, NULL);
}

const char *tu_log_text(void)
{
    return captured.ptr;
}

void tu_log_capture_stop(void)
{
    aidf_log_set_sink(NULL, NULL);
}
