/*
 * libFuzzer target: the loader of the summary index file `<reports>/.index`
 * (lib/store/store_index.c; the format is in docs/internals.md). The input is the file's
 * content. The harness fixes up what a fuzzer cannot guess: the checksum (over the bytes
 * after the header) and, when the counts leave room for one, the string table's length
 * and its number of strings, so mutated inputs get past the integrity checks into the
 * record decoder.
 *
 * Each input is loaded against a fixed reports directory (made once, in a temporary
 * directory): `2026-11-24/` holds a valid report, `2026-11-25/` a file that is not one,
 * both with fixed mtimes in the past, so an index that matches them is trusted as the
 * server's warm start trusts it. The store is opened read-only (nothing is written), then
 * every promise of aidf/store.h is checked: every run's file names a report inside its
 * date directory, run ids are run ids and unique, strings are valid UTF-8, the time order
 * holds, every run is found by its id, each file belongs to one run. A broken promise
 * aborts, so libFuzzer records the input.
 *
 * Seeds: `AIDF_FUZZ_INDEX_SEEDS=DIR fuzz_index` writes the seed corpus (an index written
 * by the store itself, and forged ones: `..` in a file, huge counts, truncation, unsorted
 * orders, duplicate ids, bad strings) into DIR and exits; tests/fuzz/corpus/index/ holds
 * them.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/store.h"
#include "aidf/summary_json.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"
#include "../../lib/store/store_index.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The layout of docs/internals.md ("The .index file"): header offsets. */
enum {
    HDR = AIDF_SIDX_HDR_SIZE,
    DIR_SIZE = 40,
    OFF_N_DIRS = 32,
    OFF_N_RECS = 40,
    OFF_N_LIVE = 48,
    OFF_REC_BYTES = 56,
    OFF_N_STRINGS = 64,
    OFF_STRTAB = 72,
    OFF_SUM = 88,
};

/* Record flags (docs/internals.md). */
enum { F_HAS_TOKENS = 2, F_ID_TEXT = 32, F_TS_TEXT = 64, F_FILE_TEXT = 128 };

static char *reports_dir;
static char *index_path;

static const char REPORT[] =
    "{\"runId\":\"1a2b3c4d-0000-4000-8000-000000000001\",\"timestamp\":\"2026-11-24T10:00:00."
    "000Z\",\"taskPath\":\".ai/tasks/t.md\",\"status\":\"completed\",\"iterations\":2,"
    "\"provider\":{\"type\":\"claude-cli\",\"model\":\"claude-sonnet-4-5\"},"
    "\"tokens\":{\"totalInput\":100,\"totalOutput\":50,\"totalTokens\":150},"
    "\"cost\":{\"estimatedTotal\":0.25,\"currency\":\"USD\"},"
    "\"timing\":{\"totalDurationMs\":1500},"
    "\"files\":{\"modified\":[\"src/a.c\"],\"created\":[],\"deleted\":[]},\"schemaVersion\":1}";

static uint64_t get64(const unsigned char *p, size_t off)
{
    uint64_t v;
    memcpy(&v, p + off, 8);
    return v;
}

static void put64(unsigned char *p, size_t off, uint64_t v)
{
    memcpy(p + off, &v, 8);
}

static void put32(unsigned char *p, size_t off, uint32_t v)
{
    memcpy(p + off, &v, 4);
}

/*
 * Give the string table the length the counts leave for it and the number of strings it
 * holds, then the right checksum.
 */
static void fix_up(unsigned char *p, size_t n)
{
    if (n < HDR)
        return;
    uint64_t body = n - HDR, nd = get64(p, OFF_N_DIRS), rb = get64(p, OFF_REC_BYTES),
             nl = get64(p, OFF_N_LIVE);
    if (nd <= body / DIR_SIZE && rb <= body && nl <= body / 8) {
        uint64_t used = nd * DIR_SIZE + rb + nl * 8;
        if (used < body) {
            put64(p, OFF_STRTAB, body - used);
            uint64_t strings = 0;
            for (size_t i = HDR + used; i < n; i++)
                strings += p[i] == '\0';
            put64(p, OFF_N_STRINGS, strings);
        }
    }
    put64(p, OFF_SUM, aidf_sidx_checksum(p + HDR, body));
}

static void write_all(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len) {
        fprintf(stderr, "fuzz_index: cannot write %s: %s\n", path, strerror(errno));
        abort();
    }
    close(fd);
}

/* Files and directories get a fixed mtime long past: never racy, the same every run. */
static void set_old(const char *rel)
{
    char *p = aidf_path_join(reports_dir, rel);
    struct timespec t[2] = {{1767225600, 0}, {1767225600, 0}}; /* 2026-01-01T00:00:00Z */
    if (utimensat(AT_FDCWD, p, t, 0) != 0)
        abort();
    free(p);
}

static void quiet(int level, const char *line, void *ctx)
{
    (void)level;
    (void)line;
    (void)ctx;
}

/* Remove the reports directory at exit (the fixed files, the index, the directories). */
static void remove_reports_dir(void)
{
    const char *rels[] = {"2026-11-24/run-1a2b3c4d.json",
                          "2026-11-25/run-bad00000.json",
                          ".index",
                          "2026-11-24",
                          "2026-11-25",
                          ""};
    for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
        char *p = aidf_path_join(reports_dir, rels[i]);
        if (unlink(p) != 0)
            rmdir(p);
        free(p);
    }
}

static void make_reports_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    size_t n = strlen(tmp && *tmp ? tmp : "/tmp") + 32;
    reports_dir = aidf_xmalloc(n);
    snprintf(reports_dir, n, "%s/aidf-fuzz-index.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(reports_dir))
        abort();
    char *d1 = aidf_path_join(reports_dir, "2026-11-24");
    char *d2 = aidf_path_join(reports_dir, "2026-11-25");
    char *f1 = aidf_path_join(d1, "run-1a2b3c4d.json");
    char *f2 = aidf_path_join(d2, "run-bad00000.json");
    if (mkdir(d1, 0755) != 0 || mkdir(d2, 0755) != 0)
        abort();
    write_all(f1, REPORT, sizeof(REPORT) - 1);
    write_all(f2, "{\"runId\":", 9);
    set_old("2026-11-24/run-1a2b3c4d.json");
    set_old("2026-11-25/run-bad00000.json");
    set_old("2026-11-24");
    set_old("2026-11-25");
    free(d1);
    free(d2);
    free(f1);
    free(f2);
    index_path = aidf_path_join(reports_dir, ".index");
    atexit(remove_reports_dir);
}

/* ---- the seeds ---------------------------------------------------------------------- */

struct seed_rec {
    const char *id, *file, *timestamp;
    int64_t ts_ms, tokens_in;
    double cost;
    uint32_t status, flags;
};

/* A string table under construction: the strings in the order met, by number. */
struct tab {
    char text[4096];
    size_t len, n;
};

/* The number of `str` in `t` (added when new; "" is 0). */
static uint64_t tab_id(struct tab *t, const char *str)
{
    if (!*str)
        return 0;
    size_t off = 1;
    for (uint64_t id = 1; id < t->n; id++) {
        if (strcmp(t->text + off, str) == 0)
            return id;
        off += strlen(t->text + off) + 1;
    }
    size_t n = strlen(str) + 1;
    if (t->len + n > sizeof(t->text))
        abort();
    memcpy(t->text + t->len, str, n);
    t->len += n;
    return t->n++;
}

static void put_z(struct aidf_buf *b, int64_t v)
{
    aidf_sidx_put_varint(b, aidf_sidx_zigzag(v));
}

/*
 * An index in the documented layout with the harness's two directories, the records
 * `r` (run id, timestamp and file as strings) and the orders `by_time`, `by_id` (n_live
 * each). `raw_str` (when not NULL) replaces the task path's bytes as they are;
 * `task_id` (when not 0) is written as the task path's string number instead.
 */
static unsigned char *build(const struct seed_rec *r, size_t nr, const uint32_t *by_time,
                            const uint32_t *by_id, size_t n_live, const char *raw_str,
                            uint64_t task_id, size_t *len)
{
    struct tab t = {.len = 1, .n = 1};
    struct aidf_buf recs = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    for (size_t i = 0; i < nr; i++) {
        aidf_sidx_put_varint(&recs, r[i].flags | F_ID_TEXT | F_TS_TEXT | F_FILE_TEXT);
        aidf_sidx_put_varint(&recs, r[i].status);
        aidf_sidx_put_varint(&recs, tab_id(&t, r[i].id));
        put_z(&recs, r[i].ts_ms);
        put_z(&recs, 0); /* received at the timestamp */
        aidf_sidx_put_varint(&recs, tab_id(&t, r[i].timestamp));
        aidf_sidx_put_varint(&recs, tab_id(&t, r[i].file));
        /* task_path, task_name, task_type, provider, model, error_category, project, actor,
         * branch, tags, currency; then the changed files: a count and a string each */
        const char *strs[11] = {raw_str ? raw_str : ".ai/tasks/t.md",
                                "t.md",
                                "",
                                "claude-cli",
                                "claude-sonnet-4-5",
                                "",
                                "acme/widgets",
                                "octocat",
                                "main",
                                "team=core",
                                "USD"};
        for (size_t k = 0; k < 11; k++)
            aidf_sidx_put_varint(&recs, k == 0 && task_id ? task_id : tab_id(&t, strs[k]));
        aidf_sidx_put_varint(&recs, 1);
        aidf_sidx_put_varint(&recs, tab_id(&t, "src/a.c"));
        /* iterations, max_iterations, tokens in and out, total - in - out, cache read and
         * write, reasoning, files modified, created, deleted, total - sum, scope
         * violations, validation runs and failures */
        const int64_t ints[15] = {2, 0, r[i].tokens_in, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        for (size_t k = 0; k < 15; k++)
            put_z(&recs, ints[k]);
        aidf_sidx_put_varint(&recs, 0); /* cost: 8 raw bytes */
        aidf_buf_add(&recs, &r[i].cost, 8);
        aidf_sidx_put_varint(&recs, aidf_sidx_zigzag(1500) << 2 | 1); /* duration: 1500 */
        for (size_t k = 0; k < AIDF_PHASE_COUNT; k++)
            aidf_sidx_put_varint(&recs, 1); /* 0 ms */
        aidf_sidx_put_varint(&recs, 0);     /* size, mtime, checked, inode: never the file's */
        put_z(&recs, 0);
        put_z(&recs, 0);
        aidf_sidx_put_varint(&recs, 0);
    }
    size_t cap = HDR + 2 * DIR_SIZE + recs.len + n_live * 8 + t.len;
    unsigned char *p = aidf_xcalloc(1, cap);
    memcpy(p, "AIDFIDX\n", 8);
    put32(p, 8, 3);
    put32(p, 12, 0x01020304u);
    put32(p, 16, HDR);
    put32(p, 20, DIR_SIZE);
    put32(p, 24, AIDF_PHASE_COUNT);
    put32(p, 28, 12);
    put64(p, OFF_N_DIRS, 2);
    put64(p, OFF_N_RECS, nr);
    put64(p, OFF_N_LIVE, n_live);
    put64(p, OFF_REC_BYTES, recs.len);
    put64(p, OFF_N_STRINGS, t.n);
    put64(p, OFF_STRTAB, t.len);
    size_t o = HDR;
    const char *dirs[] = {"2026-11-24", "2026-11-25"};
    for (int i = 0; i < 2; i++, o += DIR_SIZE) {
        memcpy(p + o, dirs[i], 10);
        put64(p, o + 16, 1767225600LL * 1000000000);
        put64(p, o + 24, 1767225600LL * 1000000000 + 3600LL * 1000000000);
        put64(p, o + 32, 1);
    }
    memcpy(p + o, recs.ptr, recs.len);
    o += recs.len;
    aidf_buf_release(&recs);
    for (size_t i = 0; i < n_live; i++, o += 4)
        put32(p, o, by_time[i]);
    for (size_t i = 0; i < n_live; i++, o += 4)
        put32(p, o, by_id[i]);
    memcpy(p + o, t.text, t.len);
    o += t.len;
    put64(p, OFF_SUM, aidf_sidx_checksum(p + HDR, o - HDR));
    *len = o;
    return p;
}

static void write_seed(const char *dir, const char *name, const unsigned char *p, size_t n)
{
    char *path = aidf_path_join(dir, name);
    write_all(path, p, n);
    free(path);
}

#define ID_A "1a2b3c4d-0000-4000-8000-000000000001"
#define ID_B "9f8e7d6c-1111-4111-8111-000000000003"
#define TS_A "2026-11-24T10:00:00.000Z"
#define TS_B "2026-11-24T09:00:00.000Z"
#define F_A  "2026-11-24/run-1a2b3c4d.json"
#define F_B  "2026-11-24/run-9f8e7d6c.json"

static void write_seeds(const char *out)
{
    /* The store's own index of the harness's directory. */
    struct aidf_store *s = NULL;
    if (aidf_store_open(reports_dir, 0, &s, NULL) != AIDF_OK)
        abort();
    aidf_store_free(s);
    size_t n = 0;
    char *real = NULL;
    if (aidf_read_file(index_path, 1 << 20, &real, &n, NULL) != AIDF_OK)
        abort();
    write_seed(out, "real.idx", (unsigned char *)real, n);
    /* Truncated inside the records (the harness fixes the checksum, not the counts). */
    write_seed(out, "truncated-records.idx", (unsigned char *)real, HDR + 2 * DIR_SIZE + 100);
    write_seed(out, "truncated-header.idx", (unsigned char *)real, 50);
    free(real);

    const struct seed_rec a = {ID_A, F_A, TS_A, 1795514400000, 100, 0.25, 1, 2};
    const struct seed_rec b = {ID_B, F_B, TS_B, 1795510800000, 10, 1.5, 3, 2};
    const uint32_t o0[] = {0}, o01[] = {0, 1}, o10[] = {1, 0};
    unsigned char *p;
#define SEED(name, recs, nr, bt, bi, nl, raw)        \
    do {                                             \
        p = build(recs, nr, bt, bi, nl, raw, 0, &n); \
        write_seed(out, name, p, n);                 \
        free(p);                                     \
    } while (0)

    struct seed_rec r2[2] = {a, b};
    SEED("two-runs.idx", r2, 2, o01, o01, 2, NULL);
    SEED("unsorted-time.idx", r2, 2, o10, o01, 2, NULL);
    SEED("unsorted-id.idx", r2, 2, o01, o10, 2, NULL);
    struct seed_rec f = a;
    f.file = "2026-11-24/../../../../etc/passwd";
    SEED("dotdot.idx", &f, 1, o0, o0, 1, NULL);
    f.file = "2026-11-24/../../victim.json";
    SEED("dotdot-json.idx", &f, 1, o0, o0, 1, NULL);
    f.file = "2026-11-24/sub/run-1a2b3c4d.json";
    SEED("subdir.idx", &f, 1, o0, o0, 1, NULL);
    f.file = "2026-11-24/.hidden.json";
    SEED("hidden.idx", &f, 1, o0, o0, 1, NULL);
    f.file = "/etc/passwd/2026-11-24.json";
    SEED("absolute.idx", &f, 1, o0, o0, 1, NULL);
    /* The same run id live twice; the same file under two ids. */
    struct seed_rec dup[2] = {a, a};
    dup[1].file = F_B;
    SEED("dup-id-live.idx", dup, 2, o01, o01, 2, NULL);
    struct seed_rec same_file[2] = {a, b};
    same_file[1].file = F_A;
    SEED("same-file.idx", same_file, 2, o01, o01, 2, NULL);
    /* A record the store never writes: a run id that is not one, status 0 in the
     * orders, numbers out of range, a task path that is not UTF-8. */
    struct seed_rec odd = a;
    odd.id = "\x1b]0;owned\x07\r\n";
    SEED("bad-run-id.idx", &odd, 1, o0, o0, 1, NULL);
    odd = a;
    odd.status = 0;
    SEED("status-0.idx", &odd, 1, o0, o0, 1, NULL);
    odd = a;
    odd.tokens_in = INT64_MAX;
    odd.cost = INFINITY;
    SEED("huge-numbers.idx", &odd, 1, o0, o0, 1, NULL);
    SEED("latin1-task.idx", &a, 1, o0, o0, 1, ".ai/tasks/caf\xe9.md");
    /* Counts far beyond the file. */
    p = build(&a, 1, o0, o0, 1, NULL, 0, &n);
    put64(p, OFF_N_RECS, (uint64_t)1 << 60);
    put64(p, OFF_SUM, aidf_sidx_checksum(p + HDR, n - HDR));
    write_seed(out, "huge-count.idx", p, n);
    put64(p, OFF_N_RECS, 1);
    put64(p, OFF_N_LIVE, UINT64_MAX);
    put64(p, OFF_SUM, aidf_sidx_checksum(p + HDR, n - HDR));
    write_seed(out, "huge-live.idx", p, n);
    free(p);
    /* A string number past the table; a table that holds one string more than counted. */
    p = build(&a, 1, o0, o0, 1, NULL, 1000, &n);
    write_seed(out, "string-past-end.idx", p, n);
    free(p);
    p = build(&a, 1, o0, o0, 1, NULL, 0, &n);
    put64(p, OFF_N_STRINGS, get64(p, OFF_N_STRINGS) - 1);
    put64(p, OFF_SUM, aidf_sidx_checksum(p + HDR, n - HDR));
    write_seed(out, "string-count.idx", p, n);
    free(p);
#undef SEED
}

/* ---- the checks ----------------------------------------------------------------------- */

static void fail(const char *what, const struct aidf_run_summary *r)
{
    fprintf(stderr, "fuzz_index: %s (run '%.40s', file '%.200s')\n", what, r ? r->run_id : "",
            r && r->file ? r->file : "");
    abort();
}

static bool utf8_ok(const char *s)
{
    size_t n = strlen(s);
    return aidf_utf8_invalid_at(s, n) == n;
}

/* "YYYY-MM-DD/<name>.json", <name> one component, not hidden. */
static bool file_ok(const char *f)
{
    size_t n = strlen(f);
    if (n < 17 || f[10] != '/' || f[11] == '.' || strchr(f + 11, '/') ||
        strcmp(f + n - 5, ".json") != 0)
        return false;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? f[i] != '-' : (f[i] < '0' || f[i] > '9'))
            return false;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_store(struct aidf_store *s)
{
    size_t n = aidf_store_count(s);
    if (aidf_store_nth(s, n) != NULL)
        fail("nth(count) is not NULL", NULL);
    const char **files = aidf_xmalloc((n ? n : 1) * sizeof(*files));
    size_t dirlen = strlen(reports_dir);
    for (size_t i = 0; i < n; i++) {
        const struct aidf_run_summary *r = aidf_store_nth(s, i);
        if (!r)
            fail("nth(i < count) is NULL", NULL);
        const char *strs[] = {r->file,
#define STR(f) r->f,
                              AIDF_RUN_SUMMARY_STRINGS(STR)
#undef STR
        };
        for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
            if (!strs[k] || !utf8_ok(strs[k]))
                fail("a string is NULL or not UTF-8", r);
        for (size_t k = 0; r->changed_files && r->changed_files[k]; k++)
            if (!utf8_ok(r->changed_files[k]))
                fail("a changed file that is not UTF-8", r);
        if (!aidf_run_id_valid(r->run_id))
            fail("a run id that is not a run id", r);
        if (r->status < AIDF_STATUS_COMPLETED || r->status > AIDF_STATUS_FAILED)
            fail("a status a report cannot have", r);
        if (!file_ok(r->file))
            fail("a file outside its date directory", r);
        if (!(isnan(r->cost) || isfinite(r->cost)) || !isfinite(r->duration_ms))
            fail("a cost or duration that is infinite", r);
        if (i > 0 && aidf_store_nth(s, i - 1)->ts_ms < r->ts_ms)
            fail("runs out of time order", r);
        char *path = aidf_store_path_of(s, r);
        if (strncmp(path, reports_dir, dirlen) != 0 || path[dirlen] != '/' ||
            strcmp(path + dirlen + 1, r->file) != 0)
            fail("a path that is not <reports>/<file>", r);
        free(path);
        /* Found by its full id: exactly this run. */
        const struct aidf_run_summary **m = NULL;
        size_t k = aidf_store_find(s, r->run_id, &m);
        if (k != 1 || m[0] != r)
            fail("a run not found by its id, or its id not unique", r);
        free(m);
        json_t *j = aidf_run_summary_to_json(r);
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        if (!text)
            fail("a summary that does not encode", r);
        free(text);
        json_decref(j);
        files[i] = r->file;
    }
    if (n > 1) {
        qsort(files, n, sizeof(*files), cmp_str);
        for (size_t i = 1; i < n; i++)
            if (strcmp(files[i - 1], files[i]) == 0)
                fail("two runs in one file", NULL);
    }
    free(files);
    const struct aidf_run_summary **all = NULL;
    if (aidf_store_list(s, NULL, &all) != n)
        fail("list and count disagree", NULL);
    free(all);
    /* Reading a run goes to the file the index names. */
    for (size_t i = 0; i < n && i < 3; i++) {
        struct aidf_report rep;
        aidf_report_init(&rep);
        (void)aidf_store_read_run(s, aidf_store_nth(s, i), &rep, NULL);
        aidf_report_release(&rep);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    aidf_xalloc_init_jansson();
    aidf_log_set_sink(quiet, NULL);
    make_reports_dir();
    const char *seeds = getenv("AIDF_FUZZ_INDEX_SEEDS");
    if (seeds && *seeds) {
        write_seeds(seeds);
        exit(0);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *p = aidf_xmalloc(size ? size : 1);
    memcpy(p, data, size);
    fix_up(p, size);
    write_all(index_path, p, size);
    free(p);

    struct aidf_store *s = NULL;
    struct aidf_error err;
    if (aidf_store_open(reports_dir, AIDF_STORE_READONLY, &s, &err) != AIDF_OK) {
        fprintf(stderr, "fuzz_index: open failed: %s\n", err.msg);
        abort();
    }
    check_store(s);
    if (aidf_store_refresh(s, &err) != AIDF_OK)
        fail("refresh failed", NULL);
    check_store(s);
    aidf_store_free(s);
    return 0;
}
