/* Unit tests for the report store and its summary index (lib/store/store.c,
 * lib/store/store_index.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aidf/aggregate.h"
#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/filter_parse.h"
#include "aidf/store.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"
#include "../../lib/store/store_index.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------------------ */

static int n_warnings;
static char last_warning[1024];

static void sink(int level, const char *line, void *ctx)
{
    (void)ctx;
    if (level <= AIDF_LOG_WARN) {
        n_warnings++;
        snprintf(last_warning, sizeof(last_warning), "%s", line);
    }
}

struct spec {
    const char *id, *ts, *task, *status, *provider, *model;
    double cost; /* < 0: unpriced */
    long in, out;
    const char *files; /* JSON array body for files.modified, e.g. "\"a.c\",\"b.c\"" */
};

static char *report_json(const struct spec *sp)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b,
                  "{\"runId\":\"%s\",\"timestamp\":\"%s\",\"taskPath\":\"%s\",\"status\":\"%s\","
                  "\"iterations\":2,\"provider\":{\"type\":\"%s\",\"model\":\"%s\"},"
                  "\"tokens\":{\"totalInput\":%ld,\"totalOutput\":%ld,\"totalTokens\":%ld},",
                  sp->id, sp->ts, sp->task ? sp->task : ".ai/tasks/t.md",
                  sp->status ? sp->status : "completed", sp->provider ? sp->provider : "claude-cli",
                  sp->model ? sp->model : "claude-sonnet-4-5", sp->in, sp->out, sp->in + sp->out);
    if (sp->cost >= 0)
        aidf_buf_addf(&b, "\"cost\":{\"estimatedTotal\":%.6f,\"currency\":\"USD\"},", sp->cost);
    else
        aidf_buf_addf(&b, "\"cost\":{\"currency\":\"USD\",\"unpriced\":true},");
    aidf_buf_addf(&b,
                  "\"timing\":{\"totalDurationMs\":1500,\"phases\":{\"aiExecution\":1000,"
                  "\"validation\":500}},"
                  "\"files\":{\"modified\":[%s],\"created\":[],\"deleted\":[]},"
                  "\"schemaVersion\":1}",
                  sp->files ? sp->files : "");
    return aidf_buf_detach(&b, NULL);
}

static void make_report(const struct spec *sp, struct aidf_report *r)
{
    char *j = report_json(sp);
    struct aidf_error e;
    aidf_report_init(r);
    int rc = aidf_report_parse(j, strlen(j), r, &e);
    if (rc != AIDF_OK)
        fprintf(stderr, "bad test report: %s\n%s\n", e.msg, j);
    assert_int_equal(rc, AIDF_OK);
    free(j);
}

/*
 * Store `r` the way the server does: stage it, commit it, make its directory durable.
 * `*rel` (optional) gets the file path relative to the reports directory (caller
 * frees), `*existed` (optional) whether the same
 * run with identical content was stored already.
 */
static int store_put(struct aidf_store *s, const struct aidf_report *r, char **rel, bool *existed,
                     struct aidf_error *err)
{
    struct aidf_store_stage *st = NULL;
    bool ex = false;
    int rc = aidf_store_stage_new(s, r, &st, err);
    if (rc == AIDF_OK)
        rc = aidf_store_stage_commit(s, st, &ex, err);
    if (rc == AIDF_OK)
        rc = aidf_store_fsync_dir(s, aidf_store_stage_date(st), err);
    if (rc == AIDF_OK && rel)
        *rel = aidf_xstrdup(aidf_store_stage_file(st));
    if (existed)
        *existed = ex;
    aidf_store_stage_free(st);
    return rc;
}

static void write_spec(struct aidf_store *s, const struct spec *sp, int want)
{
    struct aidf_report r;
    make_report(sp, &r);
    struct aidf_error e;
    int rc = store_put(s, &r, NULL, NULL, &e);
    if (rc != want)
        fprintf(stderr, "write: %s\n", e.msg);
    assert_int_equal(rc, want);
    aidf_report_release(&r);
}

static char *canon(const struct aidf_report *r)
{
    json_t *j = aidf_report_to_json(r);
    char *t = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return t;
}

static bool exists(const char *dir, const char *rel)
{
    char *p = aidf_path_join(dir, rel);
    struct stat st;
    bool ok = stat(p, &st) == 0;
    free(p);
    return ok;
}

static struct aidf_store *open_store(const char *dir, unsigned flags)
{
    struct aidf_store *s = NULL;
    struct aidf_error e;
    int rc = aidf_store_open(dir, flags, &s, &e);
    if (rc != AIDF_OK)
        fprintf(stderr, "open: %s\n", e.msg);
    assert_int_equal(rc, AIDF_OK);
    return s;
}

/* Set the mtime of dir/rel (seconds relative to now). */
static void set_age(const char *dir, const char *rel, int seconds_ago)
{
    char *p = rel ? aidf_path_join(dir, rel) : aidf_xstrdup(dir);
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= seconds_ago;
    ts[1] = ts[0];
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
    free(p);
}

static struct timespec get_mtime(const char *dir, const char *rel)
{
    char *p = rel ? aidf_path_join(dir, rel) : aidf_xstrdup(dir);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    free(p);
    return st.st_mtim;
}

static void put_mtime(const char *dir, const char *rel, struct timespec m)
{
    char *p = rel ? aidf_path_join(dir, rel) : aidf_xstrdup(dir);
    struct timespec ts[2] = {m, m};
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
    free(p);
}

#define ID1 "1a2b3c4d-0000-4000-8000-000000000001"
#define ID2 "1a2b3c4d-0000-4000-8000-000000000002"
#define ID3 "9f8e7d6c-1111-4111-8111-000000000003"
#define ID4 "5e5e5e5e-2222-4222-8222-000000000004"

static int setup(void **state)
{
    *state = tu_mkdtemp();
    n_warnings = 0;
    last_warning[0] = '\0';
    aidf_log_set_sink(sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    tu_rmrf(*state);
    free(*state);
    aidf_log_set_sink(NULL, NULL);
    return 0;
}

/* ---- writes and reads ------------------------------------------------------------------ */

/* Set a filter from text; the value must be valid. */
static void filter_set(struct aidf_filter *f, const char *name, const char *value)
{
    struct aidf_error err;
    aidf_error_clear(&err);
    assert_int_equal(aidf_filter_set(f, name, value, "", 0, &err), AIDF_OK);
}

static void test_round_trip(void **state)
{
    const char *dir = *state;
    char *rdir = aidf_path_join(dir, "reports/nested");
    struct aidf_store *s = NULL;
    assert_int_equal(aidf_store_open(rdir, 0, &s, NULL), AIDF_ENOTFOUND);
    s = open_store(rdir, AIDF_STORE_CREATE);

    struct spec sp = {.id = ID1,
                      .ts = "2026-11-24T10:00:00.000Z",
                      .cost = 0.25,
                      .in = 100,
                      .out = 50,
                      .files = "\"src/a.c\""};
    struct aidf_report r, back;
    make_report(&sp, &r);
    char *path = NULL;
    bool existed = true;
    char *rel = NULL;
    assert_int_equal(store_put(s, &r, &rel, &existed, NULL), AIDF_OK);
    assert_false(existed);
    assert_string_equal(rel, "2026-11-24/run-1a2b3c4d.json");
    path = aidf_path_join(rdir, rel);
    free(rel);

    /* Staged (posted) reports are stored compact: no newline before any member. */
    char *text = tu_read(path, NULL);
    assert_non_null(text);
    assert_true(strncmp(text, "{\"runId\":", 9) == 0);
    assert_null(strchr(text, '\n'));

    aidf_report_init(&back);
    const struct aidf_run_summary *sum = NULL;
    assert_int_equal(aidf_store_read(s, ID1, &back, &sum, NULL), AIDF_OK);
    char *a = canon(&r), *b = canon(&back);
    assert_string_equal(a, b);
    assert_non_null(sum);
    assert_string_equal(sum->file, "2026-11-24/run-1a2b3c4d.json");
    assert_int_equal(sum->tokens_total, 150);
    assert_true(fabs(sum->cost - 0.25) < 1e-12);
    assert_string_equal(sum->changed_files[0], "src/a.c");
    assert_null(sum->changed_files[1]);
    assert_int_equal(aidf_store_count(s), 1);

    /* A sync persists the index (the server syncs after writes); a fresh store sees
     * the run. */
    assert_true(aidf_store_dirty(s));
    assert_int_equal(aidf_store_sync(s, NULL), AIDF_OK);
    assert_false(aidf_store_dirty(s));
    assert_true(exists(rdir, ".index"));
    aidf_store_free(s);
    s = open_store(rdir, 0);
    assert_int_equal(aidf_store_count(s), 1);
    aidf_report_release(&back);
    aidf_report_init(&back);
    assert_int_equal(aidf_store_read(s, "1a2b3c4d-0000-4000-8000-000000000001", &back, NULL, NULL),
                     AIDF_OK);
    aidf_store_free(s);
    assert_int_equal(n_warnings, 0);

    free(a);
    free(b);
    free(text);
    free(path);
    free(rdir);
    aidf_report_release(&r);
    aidf_report_release(&back);
}

static void test_date_directory_is_utc(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    /* 23:30 at -02:00 is 01:30 UTC the next day. */
    struct spec sp = {.id = ID3, .ts = "2026-11-20T23:30:00-02:00", .cost = 1, .in = 1, .out = 1};
    write_spec(s, &sp, AIDF_OK);
    assert_true(exists(dir, "2026-11-21/run-9f8e7d6c.json"));
    assert_false(exists(dir, "2026-11-20"));
    aidf_store_free(s);
}

static void test_short_id_collision(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct spec b = {.id = ID2, .ts = "2026-11-24T11:00:00Z", .cost = 2, .in = 2, .out = 2};
    write_spec(s, &a, AIDF_OK);
    write_spec(s, &b, AIDF_OK);
    assert_true(exists(dir, "2026-11-24/run-1a2b3c4d.json"));
    assert_true(exists(dir, "2026-11-24/run-" ID2 ".json"));

    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_store_read(s, ID1, &r, NULL, NULL), AIDF_OK);
    assert_string_equal(r.run_id, ID1);
    aidf_report_release(&r);
    assert_int_equal(aidf_store_read(s, ID2, &r, NULL, NULL), AIDF_OK);
    assert_string_equal(r.run_id, ID2);
    aidf_report_release(&r);

    /* The 8-char prefix is now ambiguous; the message lists both candidates. */
    struct aidf_error e;
    assert_int_equal(aidf_store_read(s, "1a2b3c4d", &r, NULL, &e), AIDF_EAMBIGUOUS);
    assert_non_null(strstr(e.msg, ID1));
    assert_non_null(strstr(e.msg, ID2));
    assert_non_null(strstr(e.msg, "2026-11-24T11:00"));
    aidf_store_free(s);

    /* Both survive a rebuild from the files alone. */
    char *idx = aidf_path_join(dir, ".index");
    unlink(idx);
    free(idx);
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 2);
    aidf_store_free(s);
}

/* The executor's write: no index opened, never overwrites, the index finds it later. */
static void test_write_new(void **state)
{
    const char *dir = *state;
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct spec b = {.id = ID2, .ts = "2026-11-24T11:00:00Z", .cost = 2, .in = 2, .out = 2};
    struct aidf_report r;
    char *path = NULL;
    make_report(&a, &r);
    assert_int_equal(aidf_store_write_new(dir, &r, &path, NULL), AIDF_OK);
    assert_non_null(strstr(path, "/2026-11-24/run-1a2b3c4d.json"));
    free(path);
    /* The same run again: both names are taken by now -> a conflict, nothing replaced. */
    assert_int_equal(aidf_store_write_new(dir, &r, NULL, NULL), AIDF_OK);
    assert_true(exists(dir, "2026-11-24/run-" ID1 ".json"));
    struct aidf_error e;
    assert_int_equal(aidf_store_write_new(dir, &r, NULL, &e), AIDF_ECONFLICT);
    aidf_report_release(&r);
    /* A short-id collision takes the full id. */
    make_report(&b, &r);
    assert_int_equal(aidf_store_write_new(dir, &r, &path, NULL), AIDF_OK);
    assert_non_null(strstr(path, "run-" ID2 ".json"));
    free(path);
    aidf_report_release(&r);
    /* No runId: refused. */
    aidf_report_init(&r);
    assert_int_equal(aidf_store_write_new(dir, &r, NULL, &e), AIDF_EINVAL);
    aidf_report_release(&r);

    struct aidf_store *s = open_store(dir, 0);
    assert_true(aidf_store_count(s) >= 2);
    assert_int_equal(aidf_store_read(s, ID2, &r, NULL, NULL), AIDF_OK);
    aidf_report_release(&r);
    aidf_store_free(s);
}

/* A rescan that finds only the store's own writes changes no answer: the generation (what
 * server caches are keyed by) stays. A file changed behind the store moves it. */
static void test_rescan_keeps_generation(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct spec b = {.id = ID3, .ts = "2026-11-24T11:00:00Z", .cost = 2, .in = 2, .out = 2};
    write_spec(s, &a, AIDF_OK);
    write_spec(s, &b, AIDF_OK);
    uint64_t g = aidf_store_generation(s);
    assert_int_equal(aidf_store_rescan(s, NULL), AIDF_OK);
    assert_int_equal(aidf_store_rescan(s, NULL), AIDF_OK);
    assert_true(aidf_store_generation(s) == g);
    assert_int_equal(aidf_store_count(s), 2);

    /* Rewritten behind the store (new inode, same run): the generation moves. */
    char *p = aidf_path_join(dir, "2026-11-24/run-1a2b3c4d.json");
    size_t len = 0;
    char *text = tu_read(p, &len);
    char *tmp = aidf_path_join(dir, "2026-11-24/x.tmp");
    FILE *f = fopen(tmp, "w");
    assert_non_null(f);
    fwrite(text, 1, len, f);
    fputs("\n\n", f);
    fclose(f);
    assert_int_equal(rename(tmp, p), 0);
    assert_int_equal(aidf_store_rescan(s, NULL), AIDF_OK);
    assert_true(aidf_store_generation(s) != g);
    free(text);
    free(tmp);
    free(p);
    aidf_store_free(s);
}

static void test_idempotent_write_and_conflict(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec sp = {.id = ID3, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 10, .out = 5};
    struct aidf_report r;
    make_report(&sp, &r);
    bool existed = false;
    assert_int_equal(store_put(s, &r, NULL, &existed, NULL), AIDF_OK);
    assert_false(existed);
    struct timespec m1 = get_mtime(dir, "2026-11-24/run-9f8e7d6c.json");
    char *path = NULL;
    assert_int_equal(store_put(s, &r, &path, &existed, NULL), AIDF_OK);
    assert_true(existed);
    assert_string_equal(path, "2026-11-24/run-9f8e7d6c.json");
    free(path);
    struct timespec m2 = get_mtime(dir, "2026-11-24/run-9f8e7d6c.json");
    assert_true(m1.tv_sec == m2.tv_sec && m1.tv_nsec == m2.tv_nsec); /* not rewritten */
    aidf_report_release(&r);

    /* Same id, other content: a conflict; the stored report is kept. */
    sp.in = 11;
    write_spec(s, &sp, AIDF_ECONFLICT);
    assert_int_equal(aidf_store_count(s), 1);
    const struct aidf_run_summary **v = NULL;
    assert_int_equal(aidf_store_list(s, NULL, &v), 1);
    assert_int_equal(v[0]->tokens_in, 10);
    free(v);

    /* Also when the other content would go to another date directory. */
    sp.ts = "2026-11-25T09:00:00Z";
    write_spec(s, &sp, AIDF_ECONFLICT);
    assert_true(exists(dir, "2026-11-24/run-9f8e7d6c.json"));
    assert_false(exists(dir, "2026-11-25/run-9f8e7d6c.json"));
    assert_int_equal(aidf_store_count(s), 1);
    aidf_store_free(s);

    /* A second store that does not know the run yet (stale index) still detects it. */
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 1);
    aidf_store_free(s);
}

static void test_prefix_reads(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct spec b = {.id = ID2, .ts = "2026-11-24T11:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct spec c = {.id = ID3, .ts = "2026-11-24T12:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_spec(s, &a, AIDF_OK);
    write_spec(s, &b, AIDF_OK);
    write_spec(s, &c, AIDF_OK);

    struct aidf_report r;
    aidf_report_init(&r);
    struct aidf_error e;
    const struct aidf_run_summary *sum = NULL;
    assert_int_equal(aidf_store_read(s, "9f8", &r, &sum, NULL), AIDF_OK);
    assert_string_equal(r.run_id, ID3);
    assert_string_equal(sum->run_id, ID3);
    aidf_report_release(&r);
    assert_int_equal(aidf_store_read(s, "9F8E7D6C", &r, NULL, NULL), AIDF_OK); /* any case */
    aidf_report_release(&r);
    assert_int_equal(aidf_store_read(s, "1a2b", &r, NULL, &e), AIDF_EAMBIGUOUS);
    assert_non_null(strstr(e.msg, ID1));
    assert_int_equal(aidf_store_read(s, "1a2b3c4d-0000-4000-8000-000000000002", &r, NULL, NULL),
                     AIDF_OK);
    aidf_report_release(&r);
    assert_int_equal(aidf_store_read(s, "ffff", &r, NULL, &e), AIDF_ENOTFOUND);
    const char *bad[] = {"../etc/passwd", "%2e%2e", "1a2b/", "xyz", "", "1a2b 3", ".."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(aidf_store_read(s, bad[i], &r, NULL, &e), AIDF_EINVAL);

    /* find: case-insensitive prefix, newest first. */
    const struct aidf_run_summary **v = NULL;
    assert_int_equal(aidf_store_find(s, "1A2B3C4D", &v), 2);
    assert_string_equal(v[0]->run_id, ID2);
    assert_string_equal(v[1]->run_id, ID1);
    free(v);
    assert_int_equal(aidf_store_find(s, "", &v), 3);
    free(v);
    assert_int_equal(aidf_store_find(s, "0", &v), 0);
    free(v);

    /* A file deleted behind the store's back: not found, and the index forgets it. */
    char *p = aidf_path_join(dir, "2026-11-24/run-9f8e7d6c.json");
    unlink(p);
    free(p);
    assert_int_equal(aidf_store_read(s, ID3, &r, NULL, &e), AIDF_ENOTFOUND);
    assert_int_equal(aidf_store_count(s), 2);
    aidf_store_free(s);
}

static void test_list_filters(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec sp[] = {
        {.id = ID1,
         .ts = "2026-11-01T10:00:00Z",
         .task = ".ai/tasks/001-login.md",
         .status = "completed",
         .provider = "claude-cli",
         .model = "claude-sonnet-4-5",
         .cost = 1,
         .in = 1,
         .out = 1},
        {.id = ID2,
         .ts = "2026-11-05T10:00:00Z",
         .task = ".ai/tasks/002-logout.md",
         .status = "failed",
         .provider = "openai-api",
         .model = "gpt-4o-mini",
         .cost = 1,
         .in = 1,
         .out = 1},
        {.id = ID3,
         .ts = "2026-11-10T10:00:00Z",
         .task = ".ai/tasks/003-login-page.md",
         .status = "blocked",
         .provider = "anthropic-api",
         .model = "claude-opus-4-1",
         .cost = 1,
         .in = 1,
         .out = 1},
        {.id = ID4,
         .ts = "2026-11-10T10:00:00Z",
         .task = "other/004-docs.md",
         .status = "completed",
         .provider = "claude-cli",
         .model = "claude-haiku-4-5",
         .cost = 1,
         .in = 1,
         .out = 1},
    };
    for (size_t i = 0; i < 4; i++)
        write_spec(s, &sp[i], AIDF_OK);

    const struct aidf_run_summary **v = NULL;
    struct aidf_filter f;
    aidf_filter_init(&f);
    /* Order: newest first, ties by run id. */
    assert_int_equal(aidf_store_list(s, &f, &v), 4);
    assert_string_equal(v[0]->run_id, ID4);
    assert_string_equal(v[1]->run_id, ID3);
    assert_string_equal(v[2]->run_id, ID2);
    assert_string_equal(v[3]->run_id, ID1);
    free(v);

    filter_set(&f, "since", "2026-11-05T10:00:00Z"); /* inclusive */
    assert_int_equal(aidf_store_list(s, &f, &v), 3);
    free(v);
    filter_set(&f, "until", "2026-11-05T10:00:00Z"); /* inclusive */
    assert_int_equal(aidf_store_list(s, &f, &v), 1);
    assert_string_equal(v[0]->run_id, ID2);
    free(v);

    aidf_filter_release(&f);
    filter_set(&f, "status", "completed");
    assert_int_equal(aidf_store_list(s, &f, &v), 2);
    free(v);

    aidf_filter_release(&f);
    filter_set(&f, "task", "*login*"); /* basename or full path */
    assert_int_equal(aidf_store_list(s, &f, &v), 2);
    free(v);
    aidf_filter_release(&f);
    filter_set(&f, "task", "0*-log*.md");
    assert_int_equal(aidf_store_list(s, &f, &v), 3);
    free(v);
    aidf_filter_release(&f);
    filter_set(&f, "task", "other/*");
    assert_int_equal(aidf_store_list(s, &f, &v), 1);
    assert_string_equal(v[0]->run_id, ID4);
    free(v);

    aidf_filter_release(&f);
    filter_set(&f, "provider", "claude-cli");
    assert_int_equal(aidf_store_list(s, &f, &v), 2);
    free(v);
    aidf_filter_release(&f);
    filter_set(&f, "provider", "claude");
    assert_int_equal(aidf_store_list(s, &f, &v), 0);
    free(v);

    aidf_filter_release(&f);
    filter_set(&f, "model", "gpt-4o-mini");
    assert_int_equal(aidf_store_list(s, &f, &v), 1);
    free(v);
    aidf_filter_release(&f);
    filter_set(&f, "model", "claude-*");
    assert_int_equal(aidf_store_list(s, &f, &v), 3);
    free(v);
    aidf_filter_release(&f);
    filter_set(&f, "model", "gpt-4o");
    assert_int_equal(aidf_store_list(s, &f, &v), 0);
    free(v);
    aidf_filter_release(&f);
    aidf_store_free(s);
}

/* ---- the index against the directory ---------------------------------------------------- */

static void write_external(const char *dir, const char *rel, const struct spec *sp)
{
    char *j = report_json(sp);
    tu_write(dir, rel, j);
    free(j);
}

static void test_index_notices_external_changes(void **state)
{
    const char *dir = *state;
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct spec b = {.id = ID2, .ts = "2026-11-25T10:00:00Z", .cost = 2, .in = 2, .out = 2};
    struct spec c = {.id = ID3, .ts = "2026-11-25T11:00:00Z", .cost = 3, .in = 3, .out = 3};
    write_external(dir, "2026-11-24/run-1a2b3c4d.json", &a);
    write_external(dir, "2026-11-25/run-1a2b3c4d.json", &b); /* any name is fine */
    tu_write(dir, "notes.txt", "not a report");
    tu_write(dir, "misc/run-00000000.json", "{}"); /* not a date directory */
    tu_write(dir, "2026-11-25/README.md", "not json");

    struct aidf_store *s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 2);
    assert_int_equal(n_warnings, 0);

    /* Added behind the store's back. */
    write_external(dir, "2026-11-25/run-9f8e7d6c.json", &c);
    assert_int_equal(aidf_store_refresh(s, NULL), AIDF_OK);
    assert_int_equal(aidf_store_count(s), 3);

    /* Removed: a file, then a whole directory. */
    char *p = aidf_path_join(dir, "2026-11-25/run-9f8e7d6c.json");
    unlink(p);
    free(p);
    assert_int_equal(aidf_store_refresh(s, NULL), AIDF_OK);
    assert_int_equal(aidf_store_count(s), 2);
    char *d = aidf_path_join(dir, "2026-11-24");
    tu_rmrf(d);
    free(d);
    assert_int_equal(aidf_store_refresh(s, NULL), AIDF_OK);
    assert_int_equal(aidf_store_count(s), 1);

    /* Modified by replacing the file (a new inode). */
    b.status = "failed";
    write_external(dir, "2026-11-25/run-1a2b3c4d.json.tmp", &b);
    char *from = aidf_path_join(dir, "2026-11-25/run-1a2b3c4d.json.tmp");
    char *to = aidf_path_join(dir, "2026-11-25/run-1a2b3c4d.json");
    assert_int_equal(rename(from, to), 0);
    free(from);
    free(to);
    assert_int_equal(aidf_store_refresh(s, NULL), AIDF_OK);
    const struct aidf_run_summary **v = NULL;
    assert_int_equal(aidf_store_list(s, NULL, &v), 1);
    assert_int_equal(v[0]->status, AIDF_STATUS_FAILED);
    free(v);
    aidf_store_free(s);

    /* And a new store over the persisted index agrees. */
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_list(s, NULL, &v), 1);
    assert_int_equal(v[0]->status, AIDF_STATUS_FAILED);
    free(v);
    aidf_store_free(s);
    assert_int_equal(n_warnings, 0);
}

/*
 * The racy rule: an in-place rewrite of the same size within the same timestamp tick
 * leaves both the file's and the directory's mtime unchanged (simulated by putting the
 * old mtimes back). Because the index saw them within 2 s of their mtime, it re-checks.
 */
static void test_index_racy_rewrite(void **state)
{
    const char *dir = *state;
    const char *rel = "2026-11-24/run-1a2b3c4d.json";
    struct spec a = {.id = ID1,
                     .ts = "2026-11-24T10:00:00Z",
                     .status = "completed",
                     .cost = 1,
                     .in = 1,
                     .out = 1};
    write_external(dir, rel, &a);
    struct aidf_store *s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 1);
    struct timespec fm = get_mtime(dir, rel), dm = get_mtime(dir, "2026-11-24");

    a.status = "blocked";
    char *j = report_json(&a);
    /* "blocked" is 2 bytes shorter than "completed": keep the size with two spaces. */
    char *pos = strstr(j, "\"status\":\"blocked\"");
    assert_non_null(pos);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_add(&b, j, (size_t)(pos - j));
    aidf_buf_addstr(&b, "\"status\":  \"blocked\"");
    aidf_buf_addstr(&b, pos + strlen("\"status\":\"blocked\""));
    char *path = aidf_path_join(dir, rel);
    size_t oldlen = 0;
    char *old = tu_read(path, &oldlen);
    assert_int_equal(oldlen, b.len);
    int fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.ptr, b.len), (ssize_t)b.len);
    close(fd);
    put_mtime(dir, rel, fm);
    put_mtime(dir, "2026-11-24", dm);

    assert_int_equal(aidf_store_refresh(s, NULL), AIDF_OK);
    const struct aidf_run_summary **v = NULL;
    assert_int_equal(aidf_store_list(s, NULL, &v), 1);
    assert_int_equal(v[0]->status, AIDF_STATUS_BLOCKED);
    free(v);
    aidf_store_free(s);

    /*
     * Once the mtimes are old (not racy), the index trusts them: the same trick is not
     * noticed — this is what makes a warm open cheap.
     */
    set_age(dir, rel, 3600);
    set_age(dir, "2026-11-24", 3600);
    s = open_store(dir, 0); /* re-verifies the now-old entries once */
    aidf_store_free(s);
    fm = get_mtime(dir, rel);
    dm = get_mtime(dir, "2026-11-24");
    fd = open(path, O_WRONLY | O_TRUNC);
    assert_int_equal(write(fd, old, oldlen), (ssize_t)oldlen); /* back to "completed" */
    close(fd);
    put_mtime(dir, rel, fm);
    put_mtime(dir, "2026-11-24", dm);
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_list(s, NULL, &v), 1);
    assert_int_equal(v[0]->status, AIDF_STATUS_BLOCKED); /* from the index, not the file */
    free(v);
    aidf_store_free(s);

    free(old);
    free(path);
    free(j);
    aidf_buf_release(&b);
}

static void test_index_bad_files_warn_once(void **state)
{
    const char *dir = *state;
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_external(dir, "2026-11-24/run-1a2b3c4d.json", &a);
    tu_write(dir, "2026-11-24/run-corrupt0.json", "{\"runId\": \"1a2b");
    tu_write(dir, "2026-11-24/run-foreign0.json", "{\"hello\": \"world\"}");
    tu_write(dir, "2026-11-24/run-empty000.json", "");
    tu_write(dir, "2026-11-24/run-huge0000.json", "");
    char *huge = aidf_path_join(dir, "2026-11-24/run-huge0000.json");
    assert_int_equal(truncate(huge, (off_t)AIDF_REPORT_MAX_BYTES + 1), 0);
    free(huge);

    struct aidf_store *s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 1);
    assert_int_equal(n_warnings, 4);
    assert_non_null(strstr(last_warning, "skipping 2026-11-24/run-"));
    assert_int_equal(aidf_store_refresh(s, NULL), AIDF_OK);
    assert_int_equal(n_warnings, 4);
    aidf_store_free(s);

    /* Not re-warned by the next process either (remembered in the index)... */
    s = open_store(dir, 0);
    assert_int_equal(n_warnings, 4);
    assert_int_equal(aidf_store_count(s), 1);
    aidf_store_free(s);

    /* ...until the file changes; fixed, it becomes a run. */
    struct spec c = {.id = ID3, .ts = "2026-11-24T12:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_external(dir, "2026-11-24/run-corrupt0.json", &c);
    s = open_store(dir, 0);
    assert_int_equal(n_warnings, 4);
    assert_int_equal(aidf_store_count(s), 2);
    aidf_store_free(s);
}

static void test_index_corrupt_rebuilt(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct spec b = {.id = ID3, .ts = "2026-11-23T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_spec(s, &a, AIDF_OK);
    write_spec(s, &b, AIDF_OK);
    aidf_store_free(s);

    char *idx = aidf_path_join(dir, ".index");
    size_t len = 0;
    char *data = tu_read(idx, &len);
    assert_non_null(data);
    assert_true(len > 100);

    /* A flipped byte in the middle, a truncation, garbage, an empty file. */
    for (int round = 0; round < 4; round++) {
        FILE *f = fopen(idx, "wb");
        assert_non_null(f);
        if (round == 0) {
            data[len / 2] ^= 0x5a;
            fwrite(data, 1, len, f);
            data[len / 2] ^= 0x5a;
        } else if (round == 1) {
            fwrite(data, 1, len - 7, f);
        } else if (round == 2) {
            fputs("this is not an index", f);
        }
        fclose(f);
        s = open_store(dir, 0);
        assert_int_equal(aidf_store_count(s), 2);
        aidf_store_free(s);
    }
    assert_int_equal(n_warnings, 0);
    free(data);
    free(idx);
}

static void test_index_forged_file_refused(void **state)
{
    const char *dir = *state;
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    /* A file name the index cannot derive from the run, so it is kept as text. */
    write_external(dir, "2026-11-24/run-1a2b3c4d-copy.json", &a);
    struct aidf_store *s = open_store(dir, 0);
    aidf_store_free(s);
    set_age(dir, "2026-11-24", 600); /* not racy: the directory's records are trusted */
    set_age(dir, "2026-11-24/run-1a2b3c4d-copy.json", 600);
    s = open_store(dir, 0);
    aidf_store_free(s);

    char *idx = aidf_path_join(dir, ".index");
    size_t len = 0;
    unsigned char *data = (unsigned char *)tu_read(idx, &len);
    assert_non_null(data);
    const char *real = "2026-11-24/run-";
    unsigned char *at =
        memmem(data + AIDF_SIDX_HDR_SIZE, len - AIDF_SIDX_HDR_SIZE, real, strlen(real));
    assert_non_null(at);
    size_t flen = strlen((char *)at);
    const char *up = "2026-11-24/../";
    assert_true(flen > strlen(up) + 5);
    char forged[128];
    assert_true(flen < sizeof(forged));
    memset(forged, 'v', flen);
    memcpy(forged, up, strlen(up));
    memcpy(forged + flen - 5, ".json", 5);
    forged[flen] = '\0';
    /* The victim: another report under the same id, outside every date directory. */
    struct spec evil = a;
    evil.cost = 999;
    write_external(dir, forged + strlen(up), &evil);
    memcpy(at, forged, flen);
    uint64_t sum = aidf_sidx_checksum(data + AIDF_SIDX_HDR_SIZE, len - AIDF_SIDX_HDR_SIZE);
    memcpy(data + AIDF_SIDX_HDR_SIZE - 8, &sum, 8);
    FILE *f = fopen(idx, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);

    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 1);
    struct aidf_report r;
    aidf_report_init(&r);
    const struct aidf_run_summary *sum_out = NULL;
    assert_int_equal(aidf_store_read(s, ID1, &r, &sum_out, NULL), AIDF_OK);
    assert_true(fabs(r.cost.estimated_total - 1) < 1e-9);
    assert_null(strstr(sum_out->file, ".."));
    aidf_report_release(&r);
    aidf_store_free(s);
    free(data);
    free(idx);
}

/*
 * Forged indexes found by tests/fuzz/fuzz_index.c (its corpus, tests/fuzz/corpus/index/),
 * loaded against the directory that target uses: 2026-11-24/run-1a2b3c4d.json (run ID1)
 * and a bad file in 2026-11-25/, both directories with an mtime of 2026-01-01 that the
 * seeds record, so their records would be trusted. Each seed holds a record a report can
 * never give or orders the lookups cannot use; the store must rebuild the index and
 * answer with the one true run.
 */
static void test_index_fuzz_findings_rebuilt(void **state)
{
    const char *dir = *state;
    static const char *const seeds[] = {
        "bad-run-id.idx",      /* a run id with terminal escapes, not a run id */
        "status-0.idx",        /* a usable run with no status */
        "huge-numbers.idx",    /* an infinite cost */
        "latin1-task.idx",     /* a task path that is not UTF-8 */
        "string-past-end.idx", /* a string number past the table */
        "string-count.idx",    /* a table with one string more than counted */
        "unsorted-time.idx",   /* the time order unsorted: lookups miss runs */
        "unsorted-id.idx",     /* the id order unsorted */
        "dup-id-live.idx",     /* one run id live twice, counted twice */
        "same-file.idx",       /* two runs in one file */
    };
    struct spec a = {
        .id = ID1, .ts = "2026-11-24T10:00:00.000Z", .cost = 0.25, .in = 100, .out = 50};
    write_external(dir, "2026-11-24/run-1a2b3c4d.json", &a);
    tu_write(dir, "2026-11-25/run-bad00000.json", "{\"runId\":");
    const char *old[] = {"2026-11-24/run-1a2b3c4d.json", "2026-11-25/run-bad00000.json",
                         "2026-11-24", "2026-11-25"};
    char *idx = aidf_path_join(dir, ".index");
    for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
        for (size_t k = 0; k < sizeof(old) / sizeof(old[0]); k++) {
            char *p = aidf_path_join(dir, old[k]);
            struct timespec t[2] = {{1767225600, 0}, {1767225600, 0}}; /* 2026-01-01 */
            assert_int_equal(utimensat(AT_FDCWD, p, t, 0), 0);
            free(p);
        }
        char seed[512];
        snprintf(seed, sizeof(seed), "%s/tests/fuzz/corpus/index/%s", AIDF_SOURCE_DIR, seeds[i]);
        size_t len = 0;
        char *data = tu_read(seed, &len);
        if (!data)
            fail_msg("missing seed %s", seed);
        FILE *f = fopen(idx, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        fclose(f);
        free(data);

        struct aidf_store *s = open_store(dir, AIDF_STORE_READONLY);
        if (aidf_store_count(s) != 1)
            fail_msg("%s: %zu runs, want 1", seeds[i], aidf_store_count(s));
        const struct aidf_run_summary *r = aidf_store_nth(s, 0);
        assert_string_equal(r->run_id, ID1);
        assert_string_equal(r->file, "2026-11-24/run-1a2b3c4d.json");
        assert_string_equal(r->task_path, ".ai/tasks/t.md");
        assert_int_equal(r->status, AIDF_STATUS_COMPLETED);
        assert_int_equal(r->tokens_in, 100);
        assert_true(fabs(r->cost - 0.25) < 1e-12);
        aidf_store_free(s);
    }
    free(idx);
    n_warnings = 0; /* the bad file's warning, once per open */
}

static void test_readonly(void **state)
{
    const char *dir = *state;
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_external(dir, "2026-11-24/run-1a2b3c4d.json", &a);
    struct aidf_store *s = open_store(dir, AIDF_STORE_READONLY);
    assert_int_equal(aidf_store_count(s), 1);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_store_read(s, "1a2b", &r, NULL, NULL), AIDF_OK);
    aidf_report_release(&r);
    struct spec b = {.id = ID3, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_spec(s, &b, AIDF_EINVAL);
    aidf_store_free(s);
    assert_false(exists(dir, ".index"));

    /* A directory without write permission (meaningless for root, who may write anyway). */
    if (geteuid() != 0) {
        chmod(dir, 0555);
        s = open_store(dir, 0);
        assert_int_equal(aidf_store_count(s), 1);
        aidf_store_free(s);
        chmod(dir, 0755);
        assert_false(exists(dir, ".index"));
    }
    assert_int_equal(n_warnings, 0);
}

/*
 * An index that cannot be saved (a full disk; here `.index` is a directory, so the
 * rename of the durable write fails the same way for root and for other users) is a
 * cache that failed: open, refresh, reads, clean and free all succeed from memory, with
 * one warning in all; aidf_store_sync() tries again, and saves once it can.
 */
static void test_index_save_fails(void **state)
{
    const char *dir = *state;
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct spec b = {.id = ID3, .ts = "2026-11-23T10:00:00Z", .cost = 2, .in = 1, .out = 1};
    write_external(dir, "2026-11-24/run-1a2b3c4d.json", &a);
    write_external(dir, "2026-11-23/run-9f8e7d6c.json", &b);
    char *idx = aidf_path_join(dir, ".index");
    assert_int_equal(mkdir(idx, 0755), 0);

    struct aidf_store *s = NULL;
    struct aidf_error err = {0};
    assert_int_equal(aidf_store_open(dir, 0, &s, &err), AIDF_OK);
    assert_int_equal(aidf_store_count(s), 2);
    assert_int_equal(n_warnings, 1);
    assert_non_null(strstr(last_warning, "cannot save the report index"));
    assert_non_null(strstr(last_warning, ".index"));

    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_store_read(s, "9f8e", &r, NULL, NULL), AIDF_OK);
    aidf_report_release(&r);
    struct spec c = {.id = ID4, .ts = "2026-11-25T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_external(dir, "2026-11-25/run-5e5e5e5e.json", &c);
    assert_int_equal(aidf_store_refresh(s, &err), AIDF_OK);
    assert_int_equal(aidf_store_count(s), 3);
    assert_int_equal(aidf_store_sync(s, &err), AIDF_OK); /* tries again, quietly */
    assert_true(aidf_store_dirty(s));
    assert_int_equal(aidf_store_clean(s, aidf_wall_ms() - 100LL * 86400000, false, NULL, &err),
                     AIDF_OK);
    aidf_store_free(s);
    assert_int_equal(n_warnings, 1);

    /* Room again: the retry of aidf_store_sync() saves, and the next open uses the file. */
    assert_int_equal(aidf_store_open(dir, 0, &s, &err), AIDF_OK);
    assert_int_equal(n_warnings, 2);
    assert_int_equal(rmdir(idx), 0);
    assert_int_equal(aidf_store_sync(s, &err), AIDF_OK);
    assert_false(aidf_store_dirty(s));
    struct stat st;
    assert_int_equal(stat(idx, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    aidf_store_free(s);
    assert_int_equal(n_warnings, 2);
    free(idx);
}

static void test_duplicate_run_id(void **state)
{
    const char *dir = *state;
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_external(dir, "2026-11-24/run-1a2b3c4d.json", &a);
    write_external(dir, "2026-11-26/run-1a2b3c4d.json", &a); /* a copy elsewhere */
    struct aidf_store *s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 1); /* counted once */
    struct aidf_report r;
    aidf_report_init(&r);
    const struct aidf_run_summary *sum = NULL;
    assert_int_equal(aidf_store_read(s, ID1, &r, &sum, NULL), AIDF_OK);
    assert_string_equal(sum->file, "2026-11-24/run-1a2b3c4d.json"); /* first path wins */
    aidf_report_release(&r);
    aidf_store_free(s);
    /* Same after reloading the persisted index. */
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 1);
    aidf_store_free(s);
    /* Remove the first copy: the other one takes over. */
    char *p = aidf_path_join(dir, "2026-11-24/run-1a2b3c4d.json");
    unlink(p);
    free(p);
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 1);
    const struct aidf_run_summary **v = NULL;
    assert_int_equal(aidf_store_find(s, "1a2b", &v), 1);
    assert_string_equal(v[0]->file, "2026-11-26/run-1a2b3c4d.json");
    free(v);
    aidf_store_free(s);
    assert_int_equal(n_warnings, 0);
}

static void test_warm_open_uses_index(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    write_spec(s, &a, AIDF_OK);
    aidf_store_free(s);
    /* Our own writes are trusted: garble the file in place keeping size and mtime. */
    const char *rel = "2026-11-24/run-1a2b3c4d.json";
    struct timespec fm = get_mtime(dir, rel);
    char *path = aidf_path_join(dir, rel);
    size_t len = 0;
    char *text = tu_read(path, &len);
    memset(text, 'x', len);
    int fd = open(path, O_WRONLY);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    put_mtime(dir, rel, fm);
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 1); /* the summary came from the index */
    assert_int_equal(n_warnings, 0);
    aidf_store_free(s);
    free(text);
    free(path);
}

static void test_clean(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec sp[] = {
        {.id = ID1, .ts = "2026-10-01T10:00:00Z", .cost = 1, .in = 1, .out = 1},
        {.id = ID2, .ts = "2026-10-15T10:00:00Z", .cost = 1, .in = 1, .out = 1},
        {.id = ID3, .ts = "2026-11-01T00:00:00Z", .cost = 1, .in = 1, .out = 1},
        {.id = ID4, .ts = "2026-11-02T10:00:00Z", .cost = 1, .in = 1, .out = 1},
    };
    for (size_t i = 0; i < 4; i++)
        write_spec(s, &sp[i], AIDF_OK);
    tu_write(dir, "2026-10-15/keep.txt", "not a report: the directory stays");

    int64_t before;
    aidf_iso_parse("2026-11-01", &before);
    struct aidf_strlist paths = {0};
    assert_int_equal(aidf_store_clean(s, before, true, &paths, NULL), AIDF_OK);
    assert_int_equal(paths.n, 2);
    assert_string_equal(paths.items[0], "2026-10-01/run-1a2b3c4d.json");
    assert_string_equal(paths.items[1], "2026-10-15/run-1a2b3c4d.json");
    assert_true(exists(dir, "2026-10-01/run-1a2b3c4d.json"));
    assert_int_equal(aidf_store_count(s), 4);
    aidf_strlist_release(&paths);

    assert_int_equal(aidf_store_clean(s, before, false, &paths, NULL), AIDF_OK);
    assert_int_equal(paths.n, 2);
    assert_false(exists(dir, "2026-10-01"));
    assert_true(exists(dir, "2026-10-15/keep.txt"));
    assert_false(exists(dir, "2026-10-15/run-1a2b3c4d.json"));
    assert_true(exists(dir, "2026-11-01/run-9f8e7d6c.json")); /* not strictly before */
    assert_int_equal(aidf_store_count(s), 2);
    aidf_strlist_release(&paths);
    aidf_store_free(s);

    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 2);
    aidf_store_free(s);
}

/* ---- scale ------------------------------------------------------------------------------- */

struct progress_log {
    size_t calls, last_done, last_total;
};

static void record_progress(size_t done, size_t total, void *ctx)
{
    struct progress_log *pl = ctx;
    assert_true(done > pl->last_done);
    pl->calls++;
    pl->last_done = done;
    pl->last_total = total;
}

/* ---- staged writes (group commit), rescan, generation -------------------------------- */

/* Number of hidden temporary files in dir/date. */
static int count_tmp(const char *dir, const char *date)
{
    char *p = aidf_path_join(dir, date);
    DIR *d = opendir(p);
    int n = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL)
        n += strncmp(de->d_name, ".tmp-", 5) == 0;
    if (d)
        closedir(d);
    free(p);
    return n;
}

/* Stage and commit `sp`; returns the commit code, `*existed` and the file (copied). */
static int stage_commit(struct aidf_store *s, const struct spec *sp, bool *existed, char *rel,
                        size_t rel_len)
{
    struct aidf_report r;
    struct aidf_store_stage *st = NULL;
    struct aidf_error e;
    make_report(sp, &r);
    assert_int_equal(aidf_store_stage_new(s, &r, &st, &e), AIDF_OK);
    assert_string_equal(aidf_store_stage_file(st), "");
    int rc = aidf_store_stage_commit(s, st, existed, &e);
    if (rc == AIDF_OK) {
        assert_int_equal(aidf_store_fsync_dir(s, aidf_store_stage_date(st), &e), AIDF_OK);
        snprintf(rel, rel_len, "%s", aidf_store_stage_file(st));
    }
    aidf_store_stage_free(st);
    aidf_report_release(&r);
    return rc;
}

static void test_stage_commit(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec a = {.id = ID1, .ts = "2026-11-24T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    char rel[128];
    bool existed = true;
    uint64_t g0 = aidf_store_generation(s);

    assert_int_equal(stage_commit(s, &a, &existed, rel, sizeof(rel)), AIDF_OK);
    assert_false(existed);
    assert_string_equal(rel, "2026-11-24/run-1a2b3c4d.json");
    assert_true(exists(dir, rel));
    assert_int_equal(aidf_store_count(s), 1);
    assert_true(aidf_store_generation(s) != g0);
    assert_true(aidf_store_dirty(s));
    assert_int_equal(count_tmp(dir, "2026-11-24"), 0);

    /* Identical again: existed, nothing new, no temporary file left. */
    uint64_t g1 = aidf_store_generation(s);
    assert_int_equal(stage_commit(s, &a, &existed, rel, sizeof(rel)), AIDF_OK);
    assert_true(existed);
    assert_string_equal(rel, "2026-11-24/run-1a2b3c4d.json");
    assert_int_equal(aidf_store_count(s), 1);
    assert_true(aidf_store_generation(s) == g1);
    assert_int_equal(count_tmp(dir, "2026-11-24"), 0);

    /* Different content under the same id: conflict, the stored file is untouched. */
    char *p = aidf_path_join(dir, rel);
    char *before = tu_read(p, NULL);
    struct spec a2 = a;
    a2.cost = 7;
    assert_int_equal(stage_commit(s, &a2, &existed, rel, sizeof(rel)), AIDF_ECONFLICT);
    char *after = tu_read(p, NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(p);
    assert_int_equal(count_tmp(dir, "2026-11-24"), 0);

    /* A short-id collision takes the full id as file name. */
    struct spec b = {.id = ID2, .ts = "2026-11-24T11:00:00Z", .cost = 2, .in = 2, .out = 2};
    assert_int_equal(stage_commit(s, &b, &existed, rel, sizeof(rel)), AIDF_OK);
    assert_string_equal(rel, "2026-11-24/run-" ID2 ".json");
    assert_int_equal(aidf_store_count(s), 2);

    /* The top directory fsyncs too. */
    assert_int_equal(aidf_store_fsync_dir(s, NULL, NULL), AIDF_OK);
    aidf_store_free(s);

    /* What was committed is what a fresh open finds (index saved, and rebuilt). */
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 2);
    aidf_store_free(s);
    char *idx = aidf_path_join(dir, ".index");
    unlink(idx);
    free(idx);
    s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 2);
    aidf_store_free(s);
}

static void test_stage_uncommitted_is_invisible(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    struct spec a = {.id = ID3, .ts = "2026-11-20T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    struct aidf_report r;
    struct aidf_store_stage *st = NULL;
    make_report(&a, &r);
    assert_int_equal(aidf_store_stage_new(s, &r, &st, NULL), AIDF_OK);
    /* An unnamed O_TMPFILE inode, or one hidden temporary file. */
    assert_true(count_tmp(dir, "2026-11-20") <= 1);
    /* A refresh never indexes a temporary file (a crash leaves nothing served). */
    assert_int_equal(aidf_store_rescan(s, NULL), AIDF_OK);
    assert_int_equal(aidf_store_count(s), 0);
    aidf_store_stage_free(st);
    assert_int_equal(count_tmp(dir, "2026-11-20"), 0);
    aidf_store_stage_free(NULL);

    /* Staging refuses what cannot be stored. */
    free(r.run_id);
    r.run_id = aidf_xstrdup("not-a-uuid");
    struct aidf_error e;
    assert_int_equal(aidf_store_stage_new(s, &r, &st, &e), AIDF_EINVAL);
    aidf_report_release(&r);
    aidf_store_free(s);

    s = open_store(dir, AIDF_STORE_READONLY);
    make_report(&a, &r);
    assert_int_equal(aidf_store_stage_new(s, &r, &st, &e), AIDF_EINVAL);
    aidf_report_release(&r);
    aidf_store_free(s);
}

/* A real with more digits than report files keep is still "identical" when re-sent. */
static void test_identical_despite_real_precision(void **state)
{
    const char *dir = *state;
    static const char json[] =
        "{\"runId\":\"" ID3 "\",\"timestamp\":\"2026-11-24T12:00:00Z\",\"status\":\"completed\","
        "\"cost\":{\"estimatedTotal\":0.008456,\"reported\":0.008456000000000002},"
        "\"x\":0.30000000000000004}";
    struct aidf_store *s = open_store(dir, 0);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_report_parse(json, strlen(json), &r, NULL), AIDF_OK);
    bool existed = true;
    assert_int_equal(store_put(s, &r, NULL, &existed, NULL), AIDF_OK);
    assert_false(existed);
    assert_int_equal(store_put(s, &r, NULL, &existed, NULL), AIDF_OK);
    assert_true(existed);
    struct aidf_store_stage *st = NULL;
    assert_int_equal(aidf_store_stage_new(s, &r, &st, NULL), AIDF_OK);
    assert_int_equal(aidf_store_stage_commit(s, st, &existed, NULL), AIDF_OK);
    assert_true(existed);
    aidf_store_stage_free(st);
    aidf_report_release(&r);
    aidf_store_free(s);
}

static void test_rescan_and_read_run(void **state)
{
    const char *dir = *state;
    struct aidf_store *s = open_store(dir, 0);
    uint64_t g0 = aidf_store_generation(s);

    /* Nothing changed: a rescan keeps the generation. */
    assert_int_equal(aidf_store_rescan(s, NULL), AIDF_OK);
    assert_true(aidf_store_generation(s) == g0);

    /* Another process writes a report: the rescan finds it, without saving the index. */
    struct spec a = {.id = ID4, .ts = "2026-11-21T10:00:00Z", .cost = 1, .in = 1, .out = 1};
    char *j = report_json(&a);
    tu_write(dir, "2026-11-21/run-5e5e5e5e.json", j);
    free(j);
    assert_int_equal(aidf_store_rescan(s, NULL), AIDF_OK);
    assert_int_equal(aidf_store_count(s), 1);
    assert_true(aidf_store_generation(s) != g0);
    assert_true(aidf_store_dirty(s));
    assert_false(exists(dir, ".index"));
    assert_int_equal(aidf_store_sync(s, NULL), AIDF_OK);
    assert_false(aidf_store_dirty(s));
    assert_true(exists(dir, ".index"));

    const struct aidf_run_summary **v = NULL;
    assert_int_equal(aidf_store_list(s, NULL, &v), 1);
    struct aidf_report r;
    aidf_report_init(&r);
    assert_int_equal(aidf_store_read_run(s, v[0], &r, NULL), AIDF_OK);
    assert_string_equal(r.run_id, ID4);
    aidf_report_release(&r);

    /* Gone behind our back: not found, and the index is left alone. */
    char *p = aidf_path_join(dir, "2026-11-21/run-5e5e5e5e.json");
    unlink(p);
    free(p);
    struct aidf_error e;
    assert_int_equal(aidf_store_read_run(s, v[0], &r, &e), AIDF_ENOTFOUND);
    assert_non_null(strstr(e.msg, ID4));
    assert_int_equal(aidf_store_count(s), 1);
    free(v);
    aidf_store_free(s);
}

static void test_scale_5000(void **state)
{
    /*
     * Every write fsyncs twice; on a disk that alone takes ~20 s for 5,000 reports, so
     * run this test on tmpfs when there is one (the arithmetic is what is under test).
     */
    struct stat shm;
    char *dir = NULL;
    if (stat("/dev/shm", &shm) == 0 && S_ISDIR(shm.st_mode) && access("/dev/shm", W_OK) == 0) {
        char tmpl[] = "/dev/shm/aidf-test-XXXXXX";
        if (mkdtemp(tmpl))
            dir = aidf_xstrdup(tmpl);
    }
    if (!dir)
        dir = aidf_xstrdup(*state);
    const int N = 5000;
    static const char *const providers[] = {"claude-cli", "anthropic-api", "openai-api"};
    static const char *const statuses[] = {"completed", "completed", "blocked", "failed"};
    int64_t sum_in = 0, sum_out = 0, completed = 0, priced = 0;
    double cost = 0;
    struct aidf_store *s = open_store(dir, 0);
    int64_t t0 = aidf_mono_ns();
    for (int i = 0; i < N; i++) {
        char id[40], ts[40], task[64], files[64];
        snprintf(id, sizeof(id), "%08x-%04x-4000-8000-%012x", (unsigned)(i * 2654435761u),
                 (unsigned)(i & 0xffff), (unsigned)i);
        snprintf(ts, sizeof(ts), "2026-%02d-%02dT%02d:%02d:00Z", 1 + i % 12, 1 + i % 28, i % 24,
                 i % 60);
        snprintf(task, sizeof(task), ".ai/tasks/%03d-task.md", i % 37);
        snprintf(files, sizeof(files), "\"src/f%d.c\",\"src/common.c\"", i % 13);
        struct spec sp = {.id = id,
                          .ts = ts,
                          .task = task,
                          .status = statuses[i % 4],
                          .provider = providers[i % 3],
                          .model = "m",
                          .cost = i % 10 == 0 ? -1 : (double)(i % 100) / 1000.0,
                          .in = 1000 + i,
                          .out = 100 + i % 7,
                          .files = files};
        write_spec(s, &sp, AIDF_OK);
        sum_in += sp.in;
        sum_out += sp.out;
        completed += i % 4 < 2;
        if (sp.cost >= 0) {
            priced++;
            cost += sp.cost;
        }
    }
    int64_t t1 = aidf_mono_ns();
    aidf_store_free(s);

    int64_t t2 = aidf_mono_ns();
    s = open_store(dir, 0);
    const struct aidf_run_summary **v = NULL;
    size_t n = aidf_store_list(s, NULL, &v);
    struct aidf_aggregate agg;
    aidf_aggregate_compute(v, n, &agg);
    int64_t t3 = aidf_mono_ns();
    assert_int_equal(n, N);
    assert_int_equal(agg.runs, N);
    assert_int_equal(agg.tokens_in, sum_in);
    assert_int_equal(agg.tokens_out, sum_out);
    assert_int_equal(agg.tokens_total, sum_in + sum_out);
    assert_int_equal(agg.completed, completed);
    assert_int_equal(agg.priced_runs, priced);
    assert_int_equal(agg.unpriced_runs, N - priced);
    assert_true(fabs(agg.cost_total - cost) < 1e-6);
    assert_int_equal(agg.top_files[0].runs, N);
    assert_string_equal(agg.top_files[0].path, "src/common.c");
    aidf_aggregate_release(&agg);
    free(v);
    aidf_store_free(s);

    /* Warm again: nothing to re-check. */
    int64_t t6 = aidf_mono_ns();
    s = open_store(dir, 0);
    n = aidf_store_list(s, NULL, &v);
    aidf_aggregate_compute(v, n, &agg);
    int64_t t7 = aidf_mono_ns();
    assert_int_equal(agg.runs, N);
    aidf_aggregate_release(&agg);
    free(v);
    aidf_store_free(s);

    /* Cold: rebuild from the files alone. */
    char *idx = aidf_path_join(dir, ".index");
    unlink(idx);
    free(idx);
    struct progress_log pl = {0};
    aidf_store_set_progress(record_progress, &pl);
    int64_t t4 = aidf_mono_ns();
    s = open_store(dir, 0);
    aidf_store_set_progress(NULL, NULL);
    assert_true(pl.calls >= 2); /* progress comes per batch, last with done == total */
    assert_int_equal(pl.last_done, N);
    assert_int_equal(pl.last_total, N);
    n = aidf_store_list(s, NULL, &v);
    aidf_aggregate_compute(v, n, &agg);
    int64_t t5 = aidf_mono_ns();
    assert_int_equal(agg.runs, N);
    assert_int_equal(agg.tokens_in, sum_in);
    assert_true(fabs(agg.cost_total - cost) < 1e-6);
    aidf_aggregate_release(&agg);
    free(v);
    aidf_store_free(s);
    fprintf(stderr,
            "scale: %d writes %.0f ms; open+summary after writes %.1f ms, warm %.1f ms, "
            "cold %.1f ms\n",
            N, (t1 - t0) / 1e6, (t3 - t2) / 1e6, (t7 - t6) / 1e6, (t5 - t4) / 1e6);
    assert_int_equal(n_warnings, 0);
    if (strcmp(dir, *state) != 0)
        tu_rmrf(dir);
    free(dir);
}

/* Temporary files of writes killed before their rename: old ones go, fresh ones stay. */
static void test_stale_temp_files_removed(void **state)
{
    const char *dir = *state;
    tu_write(dir, "2026-11-01/run-aaaaaaaa.json.tmp.AbC123", "{\"half\":");
    tu_write(dir, "2026-11-01/run-bbbbbbbb.json.tmp.XyZ789", "{\"half\":");
    set_age(dir, "2026-11-01/run-aaaaaaaa.json.tmp.AbC123", 7200);
    struct aidf_store *s = open_store(dir, 0);
    assert_int_equal(aidf_store_count(s), 0);
    aidf_store_free(s);
    char *old = aidf_path_join(dir, "2026-11-01/run-aaaaaaaa.json.tmp.AbC123");
    char *fresh = aidf_path_join(dir, "2026-11-01/run-bbbbbbbb.json.tmp.XyZ789");
    assert_int_not_equal(access(old, F_OK), 0);
    assert_int_equal(access(fresh, F_OK), 0);
    free(old);
    free(fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_date_directory_is_utc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_id_collision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rescan_keeps_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_write_and_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefix_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_notices_external_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_racy_rewrite, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_bad_files_warn_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_corrupt_rebuilt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_forged_file_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_fuzz_findings_rebuilt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_save_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_run_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_warm_open_uses_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stage_uncommitted_is_invisible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_identical_despite_real_precision, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rescan_and_read_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scale_5000, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_temp_files_removed, setup, teardown),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
