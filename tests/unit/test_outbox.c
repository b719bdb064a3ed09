#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aidf/err.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/outbox.h"
#include "aidf/push.h"
#include "aidf/report.h"
#include "aidf/store.h"
#include "aidf/xalloc.h"
#include "testutil.h"

#define RUN_A "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
#define RUN_B "0f1e2d3c-4b5a-4968-8776-655443322110"
#define SRV1  "http://ci-box:7070"
#define SRV2  "https://reports.example.com/base"

static int warnings;

static void count_warnings(int level, const char *line, void *ctx)
{
    (void)line;
    (void)ctx;
    if (level <= AIDF_LOG_WARN)
        warnings++;
}

static void test_add_is_idempotent(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct aidf_outbox_entry e = {0}, e2 = {0};

    assert_int_equal(aidf_outbox_add(dir, RUN_A, SRV1, "2026-11-18/run-a1b2c3d4.json", NULL),
                     AIDF_OK);
    assert_int_equal(aidf_outbox_get(dir, RUN_A, SRV1, &e, NULL), AIDF_OK);
    assert_string_equal(e.run_id, RUN_A);
    assert_string_equal(e.server, SRV1);
    assert_string_equal(e.file, "2026-11-18/run-a1b2c3d4.json");
    assert_int_equal(e.attempts, 0);
    assert_int_equal(strlen(e.first_queued_at), 24);
    assert_null(e.last_attempt_at);
    assert_null(e.last_error);

    /* Adding again (trailing slash: same server) keeps the entry; only file follows. */
    assert_int_equal(
        aidf_outbox_add(dir, RUN_A, SRV1 "/", "2026-11-18/run-a1b2c3d4-full.json", NULL), AIDF_OK);
    assert_int_equal(aidf_outbox_get(dir, RUN_A, SRV1, &e2, NULL), AIDF_OK);
    assert_string_equal(e2.first_queued_at, e.first_queued_at);
    assert_string_equal(e2.file, "2026-11-18/run-a1b2c3d4-full.json");
    struct aidf_outbox_list l = {0};
    assert_int_equal(aidf_outbox_list(dir, NULL, &l, NULL), AIDF_OK);
    assert_int_equal(l.n, 1);
    aidf_outbox_list_release(&l);

    aidf_outbox_entry_release(&e);
    aidf_outbox_entry_release(&e2);
    tu_rmrf(dir);
    free(dir);
}

static void test_record_failure_and_remove(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct aidf_outbox_entry e = {0};

    /* record_failure creates a missing entry. */
    assert_int_equal(aidf_outbox_record_failure(dir, RUN_B, SRV1, "2026-11-20/run-0f1e2d3c.json", 3,
                                                "connection refused", NULL),
                     AIDF_OK);
    assert_int_equal(aidf_outbox_record_failure(dir, RUN_B, SRV1, "2026-11-20/run-0f1e2d3c.json", 1,
                                                "HTTP 503 Service Unavailable", NULL),
                     AIDF_OK);
    assert_int_equal(aidf_outbox_get(dir, RUN_B, SRV1, &e, NULL), AIDF_OK);
    assert_int_equal(e.attempts, 4);
    assert_string_equal(e.last_error, "HTTP 503 Service Unavailable");
    assert_non_null(e.last_attempt_at);
    aidf_outbox_entry_release(&e);

    /* A NULL error keeps the previous one. */
    assert_int_equal(
        aidf_outbox_record_failure(dir, RUN_B, SRV1, "2026-11-20/run-0f1e2d3c.json", 1, NULL, NULL),
        AIDF_OK);
    assert_int_equal(aidf_outbox_get(dir, RUN_B, SRV1, &e, NULL), AIDF_OK);
    assert_string_equal(e.last_error, "HTTP 503 Service Unavailable");
    assert_int_equal(e.attempts, 5);
    aidf_outbox_entry_release(&e);

    /* The file is JSON with the documented keys. */
    char *path = aidf_outbox_entry_path(dir, RUN_B, SRV1);
    char *text = tu_read(path, NULL);
    assert_non_null(text);
    static const char *const keys[] = {"\"runId\"",    "\"server\"",        "\"file\"",
                                       "\"attempts\"", "\"firstQueuedAt\"", "\"lastAttemptAt\"",
                                       "\"lastError\""};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_non_null(strstr(text, keys[i]));
    free(text);

    assert_int_equal(aidf_outbox_remove(dir, RUN_B, SRV1, NULL), AIDF_OK);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(aidf_outbox_remove(dir, RUN_B, SRV1, NULL), AIDF_OK); /* already gone */
    assert_int_equal(aidf_outbox_get(dir, RUN_B, SRV1, &e, NULL), AIDF_ENOTFOUND);
    free(path);
    tu_rmrf(dir);
    free(dir);
}

static void test_servers_and_listing(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct aidf_outbox_list l = {0};

    /* A missing outbox is an empty list. */
    assert_int_equal(aidf_outbox_list(dir, NULL, &l, NULL), AIDF_OK);
    assert_int_equal(l.n, 0);

    assert_int_equal(aidf_outbox_add(dir, RUN_A, SRV1, "a.json", NULL), AIDF_OK);
    assert_int_equal(aidf_outbox_add(dir, RUN_A, SRV2, "a.json", NULL), AIDF_OK);
    assert_int_equal(aidf_outbox_add(dir, RUN_B, SRV2 "//", "b.json", NULL), AIDF_OK);

    assert_int_equal(aidf_outbox_list(dir, NULL, &l, NULL), AIDF_OK);
    assert_int_equal(l.n, 3);
    aidf_outbox_list_release(&l);
    assert_int_equal(aidf_outbox_list(dir, SRV1, &l, NULL), AIDF_OK);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].run_id, RUN_A);
    aidf_outbox_list_release(&l);
    assert_int_equal(aidf_outbox_list(dir, SRV2 "/", &l, NULL), AIDF_OK);
    assert_int_equal(l.n, 2);
    assert_true(strcmp(l.items[0].first_queued_at, l.items[1].first_queued_at) <= 0);
    aidf_outbox_list_release(&l);

    /* Corrupt entries are set aside with a warning each; foreign files are ignored. */
    tu_write(dir, ".outbox/" RUN_B "-00000000.json", "{not json");
    tu_write(dir, ".outbox/README", "hello");
    tu_write(dir, ".outbox/" RUN_A "-11111111.json",
             "{\"runId\":\"" RUN_A "\",\"server\":\"x\",\"file\":\"../../etc/passwd\","
             "\"attempts\":0,\"firstQueuedAt\":\"\"}");
    warnings = 0;
    aidf_log_set_sink(count_warnings, NULL);
    assert_int_equal(aidf_outbox_list(dir, NULL, &l, NULL), AIDF_OK);
    aidf_log_set_sink(NULL, NULL);
    assert_int_equal(l.n, 3);
    assert_int_equal(warnings, 2);
    aidf_outbox_list_release(&l);
    assert_true(tu_exists(dir, ".outbox/README"));

    tu_rmrf(dir);
    free(dir);
}

static const char *entry_json(const char *run_id, const char *server, const char *file)
{
    static char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"runId\":\"%s\",\"server\":\"%s\",\"file\":\"%s\",\"attempts\":1,"
             "\"firstQueuedAt\":\"2026-11-24T10:00:00.000Z\"}",
             run_id, server, file);
    return buf;
}

/* The number of files in .outbox/failed/, by the library and by listing it here. */
static size_t failed_files(const char *dir)
{
    size_t n = 99;
    assert_int_equal(aidf_outbox_failed_count(dir, &n, NULL), AIDF_OK);
    return n;
}

/*
 * Each kind of corrupt entry is moved to .outbox/failed/ once, under its own name, with
 * one warning; a later listing neither sees nor warns about it; valid entries stay.
 */
static void test_corrupt_entries_set_aside(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct aidf_outbox_list l = {0};
    assert_int_equal(failed_files(dir), 0);
    assert_int_equal(aidf_outbox_add(dir, RUN_A, SRV1, "2026-11-24/run-a1b2c3d4.json", NULL),
                     AIDF_OK);
    char *good = aidf_outbox_entry_path(dir, RUN_A, SRV1);
    const char *good_name = strrchr(good, '/') + 1;
    char *srv2 = aidf_outbox_entry_path(dir, RUN_B, SRV2);
    const char *srv2_name = strrchr(srv2, '/') + 1;

    /* Every name below has the form of an entry: <36 characters>-<8 characters>.json. */
    const char *bad[][2] = {
        {RUN_B "-00000001.json", "{\"runId\": \"0f1e"},              /* unparseable JSON */
        {RUN_B "-00000002.json", "[1, 2, 3]"},                       /* not an object */
        {RUN_B "-00000003.json", "{\"a\": 1, \"a\": 2}"},            /* duplicate keys */
        {RUN_B "-00000004.json", "{\"hello\": \"world\"}"},          /* not an entry */
        {RUN_B "-00000005.json", "{\"runId\": \"\xff\xfe\"}"},       /* not UTF-8 */
        {RUN_B "-00000006.json", entry_json(RUN_B, SRV2, "b.json")}, /* the wrong name */
    };
    size_t n_bad = sizeof(bad) / sizeof(bad[0]);
    for (size_t i = 0; i < n_bad; i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), ".outbox/%s", bad[i][0]);
        tu_write(dir, rel, bad[i][1]);
    }
    char rel[256];
    snprintf(rel, sizeof(rel), ".outbox/%s", srv2_name);
    tu_write(dir, rel, entry_json(RUN_B, SRV2, "../outside.json")); /* leaves the directory */
    /* Larger than the entry limit. */
    char *huge = aidf_xmalloc(AIDF_OUTBOX_MAX_ENTRY_BYTES + 2);
    memset(huge, ' ', AIDF_OUTBOX_MAX_ENTRY_BYTES + 1);
    huge[AIDF_OUTBOX_MAX_ENTRY_BYTES + 1] = '\0';
    huge[0] = '{';
    huge[AIDF_OUTBOX_MAX_ENTRY_BYTES] = '}';
    tu_write(dir, ".outbox/" RUN_B "-00000007.json", huge);
    free(huge);
    /* Not regular files: a directory, a FIFO (never opened: the open would block) and a
     * symbolic link to a valid entry elsewhere. */
    char *p = aidf_path_join(dir, ".outbox/" RUN_B "-00000008.json");
    assert_int_equal(mkdir(p, 0755), 0);
    free(p);
    p = aidf_path_join(dir, ".outbox/" RUN_B "-00000009.json");
    assert_int_equal(mkfifo(p, 0644), 0);
    free(p);
    p = aidf_path_join(dir, ".outbox/" RUN_B "-0000000a.json");
    assert_int_equal(symlink(good, p), 0);
    free(p);
    const size_t n_corrupt = n_bad + 1 + 1 + 3;

    tu_log_capture(AIDF_LOG_WARN);
    assert_int_equal(aidf_outbox_list(dir, NULL, &l, NULL), AIDF_OK);
    const char *log = tu_log_text();
    size_t n_warn = 0;
    for (const char *q = log; (q = strstr(q, "corrupt outbox entry ")) != NULL; q++)
        n_warn++;
    assert_int_equal(n_warn, n_corrupt);
    assert_non_null(strstr(log, "not a regular file"));
    assert_non_null(strstr(log, "leaves the reports directory"));
    assert_non_null(strstr(log, "named '" RUN_B "-"));
    assert_non_null(strstr(log, "larger than"));
    tu_log_capture_stop();
    assert_int_equal(l.n, 1); /* the valid entry */
    assert_string_equal(l.items[0].run_id, RUN_A);
    aidf_outbox_list_release(&l);
    assert_int_equal(failed_files(dir), n_corrupt);
    for (size_t i = 0; i < n_bad; i++) {
        snprintf(rel, sizeof(rel), ".outbox/failed/%s", bad[i][0]);
        assert_true(tu_exists(dir, rel));
        snprintf(rel, sizeof(rel), ".outbox/%s", bad[i][0]);
        assert_false(tu_exists(dir, rel));
    }
    snprintf(rel, sizeof(rel), ".outbox/failed/%s", srv2_name);
    assert_true(tu_exists(dir, rel));
    snprintf(rel, sizeof(rel), ".outbox/%s", good_name);
    assert_true(tu_exists(dir, rel));

    /* A second listing: quiet, nothing moved. */
    tu_log_capture(AIDF_LOG_WARN);
    assert_int_equal(aidf_outbox_list(dir, SRV1, &l, NULL), AIDF_OK);
    assert_string_equal(tu_log_text(), "");
    tu_log_capture_stop();
    assert_int_equal(l.n, 1);
    aidf_outbox_list_release(&l);
    assert_int_equal(failed_files(dir), n_corrupt);

    /* The same name corrupt again: kept beside the first, never over it. */
    tu_write(dir, ".outbox/" RUN_B "-00000001.json", "second");
    tu_write(dir, ".outbox/" RUN_B "-00000001.json.tmp.AbC123", "{\"half\":"); /* a temp file */
    tu_log_capture(AIDF_LOG_WARN);
    assert_int_equal(aidf_outbox_list(dir, NULL, &l, NULL), AIDF_OK);
    assert_non_null(strstr(tu_log_text(), "-00000001.json.2'"));
    tu_log_capture_stop();
    aidf_outbox_list_release(&l);
    assert_true(tu_exists(dir, ".outbox/failed/" RUN_B "-00000002.json"));
    char *first = aidf_path_join(dir, ".outbox/failed/" RUN_B "-00000001.json");
    char *second = aidf_path_join(dir, ".outbox/failed/" RUN_B "-00000001.json.2");
    char *t1 = tu_read(first, NULL), *t2 = tu_read(second, NULL);
    assert_string_equal(t1, "{\"runId\": \"0f1e");
    assert_string_equal(t2, "second");
    assert_int_equal(failed_files(dir), n_corrupt + 1);
    assert_true(tu_exists(dir, ".outbox/" RUN_B "-00000001.json.tmp.AbC123"));

    free(t1);
    free(t2);
    free(first);
    free(second);
    free(good);
    free(srv2);
    tu_rmrf(dir);
    free(dir);
}

/* An outbox whose failed/ cannot be made (a file is in the way): the corrupt entry is
 * skipped with a warning and left where it is. */
static void test_corrupt_entry_cannot_move(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct aidf_outbox_list l = {0};
    tu_write(dir, ".outbox/failed", "a file where the directory should be");
    tu_write(dir, ".outbox/" RUN_B "-00000001.json", "{not json");
    tu_log_capture(AIDF_LOG_WARN);
    assert_int_equal(aidf_outbox_list(dir, NULL, &l, NULL), AIDF_OK);
    assert_non_null(strstr(tu_log_text(), "cannot move it aside"));
    tu_log_capture_stop();
    assert_int_equal(l.n, 0);
    assert_true(tu_exists(dir, ".outbox/" RUN_B "-00000001.json"));
    size_t n = 99;
    assert_int_equal(aidf_outbox_failed_count(dir, &n, NULL), AIDF_OK);
    assert_int_equal(n, 0);
    tu_rmrf(dir);
    free(dir);
}

static void test_bad_input(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    struct aidf_error err = {0};
    assert_int_equal(aidf_outbox_add(dir, "../../x", SRV1, "a.json", &err), AIDF_EINVAL);
    assert_int_equal(aidf_outbox_add(dir, RUN_A, SRV1, "../a.json", &err), AIDF_EINVAL);
    assert_int_equal(aidf_outbox_add(dir, RUN_A, SRV1, "/etc/passwd", &err), AIDF_EINVAL);
    assert_int_equal(aidf_outbox_add(dir, RUN_A, " / ", "a.json", &err), AIDF_EINVAL);
    char *n = aidf_outbox_normalize_server("  http://h:1///  ");
    assert_string_equal(n, "http://h:1");
    free(n);
    tu_rmrf(dir);
    free(dir);
}

static void test_store_ignores_outbox(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    size_t len = 0;
    char *text = tu_read_data("reports/valid/completed-claude-cli.json", &len);
    struct aidf_report r;
    struct aidf_store *s = NULL;
    aidf_report_init(&r);
    assert_int_equal(aidf_report_parse(text, len, &r, NULL), AIDF_OK);
    assert_int_equal(aidf_store_open(dir, AIDF_STORE_CREATE, &s, NULL), AIDF_OK);
    struct aidf_store_stage *st = NULL;
    bool existed = false;
    assert_int_equal(aidf_store_stage_new(s, &r, &st, NULL), AIDF_OK);
    assert_int_equal(aidf_store_stage_commit(s, st, &existed, NULL), AIDF_OK);
    aidf_store_stage_free(st);
    aidf_store_free(s);

    assert_int_equal(aidf_outbox_add(dir, r.run_id, SRV1, "x.json", NULL), AIDF_OK);
    assert_int_equal(aidf_outbox_add(dir, RUN_B, SRV1, "y.json", NULL), AIDF_OK);
    warnings = 0;
    aidf_log_set_sink(count_warnings, NULL);
    assert_int_equal(aidf_store_open(dir, 0, &s, NULL), AIDF_OK);
    assert_int_equal(aidf_store_refresh(s, NULL), AIDF_OK);
    aidf_log_set_sink(NULL, NULL);
    assert_int_equal(aidf_store_count(s), 1);
    assert_int_equal(warnings, 0);
    aidf_store_free(s);

    aidf_report_release(&r);
    free(text);
    tu_rmrf(dir);
    free(dir);
}

/* aidf_push_report_file / aidf_push_pending with nothing listening: queued, walk stops. */
static void test_push_queues_when_down(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    size_t len = 0;
    char *text = tu_read_data("reports/valid/completed-claude-cli.json", &len);
    tu_write(dir, "2026-11-18/run-one.json", text);
    tu_write(dir, "2026-11-18/run-two.json", strstr(text, "{"));
    free(text);
    /* Give the second file its own run id. */
    char *p2 = aidf_path_join(dir, "2026-11-18/run-two.json");
    char *t2 = tu_read(p2, &len);
    char *at = strstr(t2, "\"runId\"");
    assert_non_null(at);
    at = strchr(at + 7, '"') + 1;
    memcpy(at, RUN_B, strlen(RUN_B));
    assert_int_equal(aidf_write_file_atomic(p2, t2, len, 0, NULL), AIDF_OK);
    free(t2);

    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", tu_closed_port());
    struct aidf_push_opts o = {.server = url, .no_retries = true, .quiet = true};
    struct aidf_push_result res;

    assert_int_equal(aidf_push_report_file(dir, "2026-11-18/run-one.json", &o, &res), AIDF_EIO);
    assert_int_equal(res.outcome, AIDF_PUSH_FAILED);
    assert_int_equal(res.attempts, 1);
    assert_true(res.queued);
    assert_string_equal(res.message, "connection refused");
    assert_int_equal(aidf_push_report_file(dir, p2, &o, &res), AIDF_EIO); /* absolute path */
    assert_true(res.queued);
    assert_string_equal(res.run_id, RUN_B);

    struct aidf_outbox_list l = {0};
    assert_int_equal(aidf_outbox_list(dir, url, &l, NULL), AIDF_OK);
    assert_int_equal(l.n, 2);
    aidf_outbox_list_release(&l);

    /* The walk stops at the first unreachable attempt; the rest is skipped. */
    struct aidf_push_summary sum;
    assert_int_equal(aidf_push_pending(dir, &o, NULL, NULL, &sum), AIDF_EIO);
    assert_int_equal(sum.failed, 1);
    assert_int_equal(sum.skipped, 1);
    assert_int_equal(sum.pending, 2);

    /* An entry whose report is gone is dropped. */
    assert_int_equal(unlink(p2), 0);
    char *p1 = aidf_path_join(dir, "2026-11-18/run-one.json");
    assert_int_equal(unlink(p1), 0);
    aidf_log_set_sink(count_warnings, NULL);
    aidf_push_pending(dir, &o, NULL, NULL, &sum);
    aidf_log_set_sink(NULL, NULL);
    assert_int_equal(sum.invalid, 2);
    assert_int_equal(sum.pending, 0);

    /* A missing file without an outbox entry: invalid, nothing queued. */
    assert_int_equal(aidf_push_report_file(dir, "nope.json", &o, &res), AIDF_ENOTFOUND);
    assert_int_equal(res.outcome, AIDF_PUSH_INVALID);
    assert_false(res.queued);

    free(p1);
    free(p2);
    tu_rmrf(dir);
    free(dir);
}

int main(void)
{
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_is_idempotent),
        cmocka_unit_test(test_record_failure_and_remove),
        cmocka_unit_test(test_servers_and_listing),
        cmocka_unit_test(test_corrupt_entries_set_aside),
        cmocka_unit_test(test_corrupt_entry_cannot_move),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_store_ignores_outbox),
        cmocka_unit_test(test_push_queues_when_down),
    };
    int rc = cmocka_run_group_tests_name("outbox", tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
