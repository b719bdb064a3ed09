/*
 * Unit tests for the server's limits: the in-flight body budget (caps, give-back,
 * hostile sizes, many threads at once), the header and body deadlines, and the
 * connection registry whose watchdog shuts down sockets past their deadline.
 *
 * The server sources under test are compiled into this executable directly (they make
 * no MHD calls); sockets are socketpair(2) ends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "aidf/log.h"
#include "aidf/timeutil.h"

#include "../../server/conns.c"
#include "../../server/limits.c"

static void test_budget_basic(void **state)
{
    (void)state;
    struct aidf_srv_budget b;
    aidf_srv_budget_init(&b, 1000);
    assert_true(aidf_srv_budget_take(&b, 600));
    assert_false(aidf_srv_budget_take(&b, 401)); /* 1001 > 1000 */
    assert_int_equal(aidf_srv_budget_used(&b), 600);
    assert_true(aidf_srv_budget_take(&b, 400)); /* exactly full */
    assert_false(aidf_srv_budget_take(&b, 1));
    aidf_srv_budget_give(&b, 600);
    assert_int_equal(aidf_srv_budget_used(&b), 400);
    assert_true(aidf_srv_budget_take(&b, 0));
    aidf_srv_budget_give(&b, 0);
    aidf_srv_budget_give(&b, 400);
    assert_int_equal(aidf_srv_budget_used(&b), 0);
}

static void test_budget_hostile_sizes(void **state)
{
    (void)state;
    struct aidf_srv_budget b;
    aidf_srv_budget_init(&b, 1000);
    /* Sizes that would wrap an unchecked sum are refused and take nothing. */
    assert_false(aidf_srv_budget_take(&b, SIZE_MAX));
    assert_false(aidf_srv_budget_take(&b, SIZE_MAX - 10));
    assert_false(aidf_srv_budget_take(&b, 1001));
    assert_true(aidf_srv_budget_take(&b, 10));
    assert_false(aidf_srv_budget_take(&b, SIZE_MAX - 5));
    assert_int_equal(aidf_srv_budget_used(&b), 10);
}

#define THREADS 8
#define ROUNDS  20000

static struct aidf_srv_budget shared;
static atomic_int over; /* times a thread saw more than the cap taken */

static void *hammer(void *arg)
{
    size_t n = (size_t)(uintptr_t)arg;
    for (int i = 0; i < ROUNDS; i++) {
        if (aidf_srv_budget_take(&shared, n)) {
            if (aidf_srv_budget_used(&shared) > shared.cap)
                atomic_fetch_add(&over, 1);
            aidf_srv_budget_give(&shared, n);
        }
    }
    return NULL;
}

static void test_budget_threads(void **state)
{
    (void)state;
    aidf_srv_budget_init(&shared, 100);
    atomic_init(&over, 0);
    pthread_t t[THREADS];
    for (size_t i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer, (void *)(uintptr_t)(30 + i)), 0);
    for (size_t i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&over), 0);
    assert_int_equal(aidf_srv_budget_used(&shared), 0);
}

static void test_deadlines(void **state)
{
    (void)state;
    /* Headers: from the connection's start; on a kept-alive connection at least the idle
     * timeout; 0 turns it off. */
    assert_int_equal(aidf_srv_header_deadline(5000, 10, 30, true), 15000);
    assert_int_equal(aidf_srv_header_deadline(5000, 10, 30, false), 35000);
    assert_int_equal(aidf_srv_header_deadline(5000, 10, 2, false), 15000);
    assert_int_equal(aidf_srv_header_deadline(5000, 10, 0, false), 15000);
    assert_int_equal(aidf_srv_header_deadline(5000, 0, 30, true), 0);
    assert_int_equal(aidf_srv_header_deadline(5000, 0, 30, false), 0);
    /* Body: the base plus the size at 64 KiB/s. */
    assert_int_equal(aidf_srv_body_deadline(1000, 10, 0), 11000);
    assert_int_equal(aidf_srv_body_deadline(1000, 10, 65536), 12000);
    assert_int_equal(aidf_srv_body_deadline(1000, 10, 32768), 11500);
    assert_int_equal(aidf_srv_body_deadline(1000, 10, 16u * 1024 * 1024), 1000 + 10000 + 256000);
    assert_int_equal(aidf_srv_body_deadline(1000, 0, 65536), 0);
    /* Absurd sizes neither overflow nor go back in time. */
    int64_t d = aidf_srv_body_deadline(1000, 10, UINT64_MAX);
    assert_true(d > 1000 + 10000);
    d = aidf_srv_body_deadline(INT64_MAX / 2, 86400, UINT64_MAX);
    assert_true(d > INT64_MAX / 2);
}

/* True when the peer of `fd` sees the end of the stream (the other end was shut down). */
static bool peer_sees_eof(int fd)
{
    char ch;
    ssize_t n = recv(fd, &ch, 1, MSG_DONTWAIT);
    return n == 0;
}

static void test_sweep(void **state)
{
    (void)state;
    struct aidf_srv_conns cs;
    aidf_srv_conns_init(&cs);
    int a[2], b[2], c[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
    struct aidf_srv_conn *ca = aidf_srv_conn_add(&cs, a[0], "10.0.0.1", 1000);
    struct aidf_srv_conn *cb = aidf_srv_conn_add(&cs, b[0], "10.0.0.2", 5000);
    struct aidf_srv_conn *cc = aidf_srv_conn_add(&cs, c[0], NULL, 0); /* no deadline */
    assert_int_equal(cs.n, 3);

    assert_int_equal(aidf_srv_conns_sweep(&cs, 999), 0);
    assert_false(peer_sees_eof(a[1]));
    assert_int_equal(aidf_srv_conns_sweep(&cs, 1000), 1); /* at the deadline: cut */
    assert_true(peer_sees_eof(a[1]));
    assert_true(aidf_srv_conn_was_cut(&cs, ca));
    assert_false(aidf_srv_conn_was_cut(&cs, cb));
    assert_int_equal(aidf_srv_conns_sweep(&cs, 2000), 0); /* once only */

    /* A new phase moves the deadline: the headers were done, the body has until 9000. */
    aidf_srv_conn_set_deadline(&cs, cb, AIDF_SRV_PHASE_BODY, 9000);
    assert_int_equal(aidf_srv_conns_sweep(&cs, 6000), 0);
    assert_false(peer_sees_eof(b[1]));
    aidf_srv_conn_set_deadline(&cs, cb, AIDF_SRV_PHASE_HEADERS, 0); /* body complete */
    assert_int_equal(aidf_srv_conns_sweep(&cs, INT64_MAX), 0);
    assert_false(peer_sees_eof(b[1]));
    assert_false(peer_sees_eof(c[1]));

    /* Removed entries are never touched again, whatever their descriptor becomes. */
    aidf_srv_conn_remove(&cs, cb);
    aidf_srv_conn_remove(&cs, NULL);
    aidf_srv_conn_set_deadline(&cs, NULL, AIDF_SRV_PHASE_BODY, 1);
    assert_false(aidf_srv_conn_was_cut(&cs, NULL));
    assert_int_equal(cs.n, 2);
    aidf_srv_conn_set_deadline(&cs, cc, AIDF_SRV_PHASE_BODY, 1);
    assert_int_equal(aidf_srv_conns_sweep(&cs, 2), 1);
    assert_true(peer_sees_eof(c[1]));
    assert_false(peer_sees_eof(b[1]));
    assert_int_equal(cs.cut_total, 2);

    aidf_srv_conn_remove(&cs, ca);
    aidf_srv_conns_destroy(&cs); /* frees cc, left registered */
    for (int i = 0; i < 2; i++) {
        close(a[i]);
        close(b[i]);
        close(c[i]);
    }
}

static void test_watchdog_thread(void **state)
{
    (void)state;
    struct aidf_srv_conns cs;
    aidf_srv_conns_init(&cs);
    int a[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    aidf_srv_conns_start(&cs);
    int64_t now = aidf_mono_ns() / 1000000;
    struct aidf_srv_conn *ca = aidf_srv_conn_add(&cs, a[0], "127.0.0.1", now + 100);
    /* The watchdog cuts it within a few sweeps. */
    char ch;
    struct timeval tv = {3, 0};
    setsockopt(a[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    assert_int_equal(recv(a[1], &ch, 1, 0), 0);
    assert_true(aidf_srv_conn_was_cut(&cs, ca));
    aidf_srv_conn_remove(&cs, ca);
    aidf_srv_conns_stop(&cs);
    aidf_srv_conns_stop(&cs); /* twice is fine */
    aidf_srv_conns_destroy(&cs);
    close(a[0]);
    close(a[1]);
}

int main(void)
{
    aidf_log_level = AIDF_LOG_ERROR; /* the sweep's warnings */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_basic),   cmocka_unit_test(test_budget_hostile_sizes),
        cmocka_unit_test(test_budget_threads), cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_sweep),          cmocka_unit_test(test_watchdog_thread),
    };
    return cmocka_run_group_tests_name("server_limits", tests, NULL, NULL);
}
