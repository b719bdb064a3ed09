/*
 * libFuzzer target: the file tools' argument handling and path guard. Input is one
 * selector byte (read_file, list_files or write_file) followed by JSON text used as the
 * tool's arguments, run inside a scratch project root. Any input must give a result
 * without crashing, and a reported write must name a file under the root.
 */
#include <ftw.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];
static unsigned runs;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

/* A scratch root with a file, a directory and a symlink that points outside. */
static void seed_root(void)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/src", root);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/src/a.txt", root);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs("hello\n", f);
        fclose(f);
    }
    snprintf(p, sizeof(p), "%s/out", root);
    if (symlink("/tmp", p) != 0) {
        /* already there */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"read_file", "list_files", "write_file"};
    if (!root[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof(root), "%s/aidf-fuzz-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(root))
            abort();
        seed_root();
    }
    if (size < 1)
        return 0;
    const char *name = names[data[0] % 3];
    json_t *in = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY, NULL);
    struct aidf_tool_ctx ctx = {0};
    ctx.root = root;
    struct aidf_tool_outcome o;
    aidf_tool_run(&ctx, name, in, &o);
    if (!o.result)
        abort();
    json_t *s = json_string(o.result); /* the result must be valid UTF-8 */
    if (!s)
        abort();
    json_decref(s);
    if (o.written) {
        char p[4096];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", root, o.written);
        if (o.written[0] == '/' || !strcmp(o.written, "..") || !strncmp(o.written, "../", 3) ||
            stat(p, &st) != 0)
            abort();
    }
    aidf_tool_outcome_release(&o);
    json_decref(in);
    if (++runs % 512 == 0) {
        nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        seed_root();
    }
    return 0;
}
