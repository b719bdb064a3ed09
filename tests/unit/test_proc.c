/* Unit tests for lib/base/proc.c: spawning, capture, stdin, caps, timeouts and cancel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "aidf/err.h"
#include "aidf/proc.h"
#include "aidf/timeutil.h"
#include "testutil.h"

/* Run a shell command with the defaults; asserts the call itself succeeded. */
static void run_sh(const char *cmd, struct aidf_proc_result *res)
{
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = cmd;
    struct aidf_error e;
    assert_int_equal(aidf_proc_run(&spec, res, &e), AIDF_OK);
}

/* True when `pid` no longer runs (gone, or a zombie nobody has reaped yet). */
static int pid_gone(pid_t pid)
{
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 1;
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

/* Wait up to `ms` for `pid` to go away. */
static int wait_gone(pid_t pid, long ms)
{
    for (long t = 0; t < ms; t += 10) {
        if (pid_gone(pid))
            return 1;
        tu_sleep_ms(10);
    }
    return pid_gone(pid);
}

static pid_t read_pid(const char *path)
{
    char *s = tu_read(path, NULL);
    assert_non_null(s);
    long v = strtol(s, NULL, 10);
    free(s);
    assert_true(v > 1);
    return (pid_t)v;
}

static void test_exit_codes(void **state)
{
    (void)state;
    struct aidf_proc_result r;
    run_sh("exit 3", &r);
    assert_int_equal(r.exit_code, 3);
    assert_int_equal(r.term_signal, 0);
    assert_false(r.spawn_failed || r.timed_out || r.cancelled);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "");
    assert_true(r.duration_ms >= 0);
    aidf_proc_result_release(&r);

    const char *t[] = {"true", NULL}, *f[] = {"false", NULL};
    struct aidf_proc_spec spec = {0};
    spec.argv = t;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_int_equal(r.exit_code, 0);
    aidf_proc_result_release(&r);
    spec.argv = f;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_int_equal(r.exit_code, 1);
    aidf_proc_result_release(&r);
}

static void test_empty_spec(void **state)
{
    (void)state;
    struct aidf_proc_spec spec = {0};
    struct aidf_proc_result r;
    struct aidf_error e;
    assert_int_equal(aidf_proc_run(&spec, &r, &e), AIDF_EINVAL);
    assert_non_null(r.out);
    assert_non_null(r.err);
    aidf_proc_result_release(&r);
    const char *none[] = {NULL};
    spec.argv = none;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_EINVAL);
    aidf_proc_result_release(&r);
    aidf_proc_result_release(NULL);
}

static void test_capture(void **state)
{
    (void)state;
    struct aidf_proc_result r;
    run_sh("printf 'out\\n'; printf 'err' >&2; printf 'more'", &r);
    assert_string_equal(r.out, "out\nmore");
    assert_int_equal(r.out_len, 8);
    assert_string_equal(r.err, "err");
    assert_int_equal(r.err_len, 3);
    assert_false(r.out_truncated || r.err_truncated);
    aidf_proc_result_release(&r);

    /* NUL bytes are kept. */
    run_sh("printf 'a\\000b'", &r);
    assert_int_equal(r.out_len, 3);
    assert_memory_equal(r.out, "a\0b", 3);
    aidf_proc_result_release(&r);
}

static void test_stdin(void **state)
{
    (void)state;
    const char *cat[] = {"cat", NULL};
    struct aidf_proc_spec spec = {0};
    spec.argv = cat;
    spec.stdin_data = "hello\nworld";
    spec.stdin_len = 11;
    struct aidf_proc_result r;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_string_equal(r.out, "hello\nworld");
    assert_int_equal(r.exit_code, 0);
    aidf_proc_result_release(&r);

    /* Empty data: stdin is closed at once. */
    spec.stdin_data = "";
    spec.stdin_len = 0;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_string_equal(r.out, "");
    aidf_proc_result_release(&r);

    /* No data: /dev/null, so cat ends at once. */
    spec.stdin_data = NULL;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_string_equal(r.out, "");
    assert_int_equal(r.exit_code, 0);
    aidf_proc_result_release(&r);
}

static void test_large_both_ways(void **state)
{
    (void)state;
    size_t n = (size_t)8 * 1024 * 1024;
    char *data = malloc(n);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)('a' + (i * 7 + i / 4096) % 26);
    struct aidf_proc_spec spec = {0};
    /* A big stderr stream at the same time as stdin is echoed to stdout. */
    spec.shell_cmd = "head -c 4000000 /dev/zero >&2 & cat; wait";
    spec.stdin_data = data;
    spec.stdin_len = n;
    spec.timeout_ms = 20000;
    struct aidf_proc_result r;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_false(r.timed_out);
    assert_int_equal(r.exit_code, 0);
    assert_int_equal(r.out_len, n);
    assert_memory_equal(r.out, data, n);
    assert_int_equal(r.err_len, 4000000);
    aidf_proc_result_release(&r);
    free(data);
}

static void test_child_stops_reading(void **state)
{
    (void)state;
    size_t n = (size_t)4 * 1024 * 1024;
    char *data = malloc(n);
    assert_non_null(data);
    memset(data, 'x', n);
    const char *head[] = {"head", "-c", "10", NULL};
    struct aidf_proc_spec spec = {0};
    spec.argv = head;
    spec.stdin_data = data;
    spec.stdin_len = n;
    struct aidf_proc_result r;
    /* The write fails with EPIPE; the caller must not die of SIGPIPE. */
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "xxxxxxxxxx");
    aidf_proc_result_release(&r);
    free(data);
}

static void test_output_cap(void **state)
{
    (void)state;
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = "head -c 300000 /dev/zero | tr '\\000' a; printf 'bb' >&2";
    spec.max_output = 1000;
    struct aidf_proc_result r;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_int_equal(r.exit_code, 0); /* the rest was read and dropped, no blocking */
    assert_int_equal(r.out_len, 1000);
    assert_int_equal(strlen(r.out), 1000);
    assert_true(r.out_truncated);
    assert_string_equal(r.err, "bb");
    assert_false(r.err_truncated);
    aidf_proc_result_release(&r);
}

static void test_merge_stderr(void **state)
{
    (void)state;
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = "echo a; echo b >&2; echo c; echo d >&2";
    spec.merge_stderr = true;
    struct aidf_proc_result r;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_string_equal(r.out, "a\nb\nc\nd\n");
    assert_string_equal(r.err, "");
    assert_int_equal(r.err_len, 0);
    aidf_proc_result_release(&r);
}

static void test_env_set(void **state)
{
    (void)state;
    setenv("AIDF_T_KEEP", "kept", 1);
    setenv("AIDF_T_REPLACE", "old", 1);
    setenv("AIDF_T_UNSET", "x", 1);
    unsetenv("AIDF_T_NEW");
    const char *env[] = {"AIDF_T_NEW=new=1",   "AIDF_T_REPLACE=mid", "AIDF_T_UNSET",
                         "AIDF_T_REPLACE=new", "AIDF_T_NOTHING",     NULL};
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = "printf '%s|%s|%s|%s|%s' \"$AIDF_T_KEEP\" \"$AIDF_T_NEW\" \"$AIDF_T_REPLACE\" "
                     "\"${AIDF_T_UNSET-unset}\" \"$(env | grep -c '^AIDF_T_REPLACE=')\"";
    spec.env_set = env;
    struct aidf_proc_result r;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_string_equal(r.out, "kept|new=1|new|unset|1");
    aidf_proc_result_release(&r);
    /* The caller's environment is untouched. */
    assert_string_equal(getenv("AIDF_T_REPLACE"), "old");
    assert_string_equal(getenv("AIDF_T_UNSET"), "x");
    assert_null(getenv("AIDF_T_NEW"));

    /* PATH from env_set is the one searched. */
    char *dir = tu_mkdtemp();
    tu_write(dir, "aidf-t-tool", "#!/bin/sh\necho tool ran\n");
    char tool[PATH_MAX];
    snprintf(tool, sizeof(tool), "%s/aidf-t-tool", dir);
    assert_int_equal(chmod(tool, 0755), 0);
    char pathvar[PATH_MAX + 16];
    snprintf(pathvar, sizeof(pathvar), "PATH=%s:/bin:/usr/bin", dir);
    const char *env2[] = {pathvar, NULL};
    const char *argv[] = {"aidf-t-tool", NULL};
    struct aidf_proc_spec s2 = {0};
    s2.argv = argv;
    s2.env_set = env2;
    assert_int_equal(aidf_proc_run(&s2, &r, NULL), AIDF_OK);
    assert_string_equal(r.out, "tool ran\n");
    aidf_proc_result_release(&r);
    tu_rmrf(dir);
    free(dir);
    unsetenv("AIDF_T_KEEP");
    unsetenv("AIDF_T_REPLACE");
    unsetenv("AIDF_T_UNSET");
}

static void test_cwd(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char real[PATH_MAX];
    assert_non_null(realpath(dir, real));
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = "pwd -P";
    spec.cwd = dir;
    struct aidf_proc_result r;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    char want[PATH_MAX + 2];
    snprintf(want, sizeof(want), "%s\n", real);
    assert_string_equal(r.out, want);
    aidf_proc_result_release(&r);

    /* A missing directory is a start failure. */
    char missing[PATH_MAX];
    snprintf(missing, sizeof(missing), "%s/nope", dir);
    spec.cwd = missing;
    struct aidf_error e;
    assert_int_equal(aidf_proc_run(&spec, &r, &e), AIDF_EIO);
    assert_true(r.spawn_failed);
    assert_non_null(strstr(r.spawn_error, "nope"));
    assert_non_null(strstr(r.spawn_error, "No such file or directory"));
    aidf_proc_result_release(&r);
    tu_rmrf(dir);
    free(dir);
}

static void test_missing_program(void **state)
{
    (void)state;
    const char *argv[] = {"aidf-no-such-program-xyz", "arg", NULL};
    struct aidf_proc_spec spec = {0};
    spec.argv = argv;
    struct aidf_proc_result r;
    struct aidf_error e;
    assert_int_equal(aidf_proc_run(&spec, &r, &e), AIDF_ENOTFOUND);
    assert_int_equal(e.code, AIDF_ENOTFOUND);
    assert_true(r.spawn_failed);
    assert_int_equal(r.exit_code, 127);
    assert_string_equal(r.spawn_error, "aidf-no-such-program-xyz: No such file or directory");
    assert_non_null(strstr(e.msg, "aidf-no-such-program-xyz"));
    assert_string_equal(r.out, "");
    aidf_proc_result_release(&r);

    /* Not executable: 126. */
    char *dir = tu_mkdtemp();
    tu_write(dir, "noexec", "echo hi\n");
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/noexec", dir);
    const char *argv2[] = {p, NULL};
    spec.argv = argv2;
    assert_int_equal(aidf_proc_run(&spec, &r, &e), AIDF_ENOTFOUND);
    assert_true(r.spawn_failed);
    assert_int_equal(r.exit_code, 126);
    assert_non_null(strstr(r.spawn_error, "Permission denied"));
    aidf_proc_result_release(&r);
    tu_rmrf(dir);
    free(dir);
}

static void test_timeout(void **state)
{
    (void)state;
    const char *argv[] = {"sleep", "30", NULL};
    struct aidf_proc_spec spec = {0};
    spec.argv = argv;
    spec.timeout_ms = 300;
    spec.grace_ms = 500;
    struct aidf_proc_result r;
    int64_t t0 = aidf_mono_ns();
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    double ms = (double)(aidf_mono_ns() - t0) / 1e6;
    assert_true(r.timed_out);
    assert_false(r.cancelled);
    assert_int_equal(r.term_signal, SIGTERM);
    assert_int_equal(r.exit_code, -1);
    assert_true(ms >= 290);
    assert_true(ms < 300 + 500 + 700);
    assert_true(r.duration_ms >= 290 && r.duration_ms <= ms + 1);
    aidf_proc_result_release(&r);

    /* A child that ignores SIGTERM gets SIGKILL after the grace period. */
    spec.argv = NULL;
    spec.shell_cmd = "trap '' TERM; while :; do sleep 0.05; done";
    spec.timeout_ms = 200;
    spec.grace_ms = 300;
    t0 = aidf_mono_ns();
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    ms = (double)(aidf_mono_ns() - t0) / 1e6;
    assert_true(r.timed_out);
    assert_int_equal(r.term_signal, SIGKILL);
    assert_true(ms >= 490);
    assert_true(ms < 200 + 300 + 1000);
    aidf_proc_result_release(&r);
}

static void test_timeout_kills_group(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof(cmd), "sleep 30 & echo $! > '%s/pid'; wait", dir);
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = cmd;
    spec.timeout_ms = 300;
    spec.grace_ms = 500;
    struct aidf_proc_result r;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_true(r.timed_out);
    aidf_proc_result_release(&r);
    char pidfile[PATH_MAX];
    snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
    pid_t bg = read_pid(pidfile);
    assert_true(wait_gone(bg, 500));

    /* A group member that ignores SIGTERM is killed as well. */
    snprintf(cmd, sizeof(cmd), "(trap '' TERM; exec sleep 30) & echo $! > '%s/pid'; wait", dir);
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    assert_true(r.timed_out);
    assert_true(r.duration_ms < 300 + 500 + 700);
    aidf_proc_result_release(&r);
    bg = read_pid(pidfile);
    assert_true(wait_gone(bg, 500));
    tu_rmrf(dir);
    free(dir);
}

static void test_grandchild_holds_pipes(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp();
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof(cmd), "echo hi; sleep 100 & echo $! > '%s/pid'", dir);
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = cmd;
    struct aidf_proc_result r;
    int64_t t0 = aidf_mono_ns();
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    double ms = (double)(aidf_mono_ns() - t0) / 1e6;
    assert_true(ms < 1500);
    assert_int_equal(r.exit_code, 0);
    assert_false(r.timed_out);
    assert_string_equal(r.out, "hi\n");
    aidf_proc_result_release(&r);
    /* The background sleep was in the child's group, which got SIGKILL. */
    char pidfile[PATH_MAX];
    snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
    assert_true(wait_gone(read_pid(pidfile), 500));
    tu_rmrf(dir);
    free(dir);
}

/* The cancel flag is a volatile sig_atomic_t meant to be set by a signal handler (the CLI's
 * SIGINT handler), so the test sets it the same way: a helper thread signals the main thread,
 * whose handler sets the flag. (Writing it from the other thread directly would be a data
 * race: sig_atomic_t is only safe against a signal handler of the same thread.) */
static volatile sig_atomic_t cancel_flag;

static void on_cancel_signal(int sig)
{
    (void)sig;
    cancel_flag = 1;
}

struct canceller {
    pthread_t target;
    long after_ms;
};

static void *cancel_thread(void *arg)
{
    struct canceller *c = arg;
    tu_sleep_ms(c->after_ms);
    pthread_kill(c->target, SIGUSR1);
    return NULL;
}

static void test_cancel(void **state)
{
    (void)state;
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_cancel_signal;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
    cancel_flag = 0;
    const char *argv[] = {"sleep", "30", NULL};
    struct aidf_proc_spec spec = {0};
    spec.argv = argv;
    spec.cancel = &cancel_flag;
    spec.grace_ms = 500;
    struct canceller c = {pthread_self(), 200};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_thread, &c), 0);
    struct aidf_proc_result r;
    int64_t t0 = aidf_mono_ns();
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    double ms = (double)(aidf_mono_ns() - t0) / 1e6;
    pthread_join(th, NULL);
    sigaction(SIGUSR1, &old, NULL);
    assert_true(r.cancelled);
    assert_false(r.timed_out);
    assert_int_equal(r.term_signal, SIGTERM);
    assert_true(ms >= 190 && ms < 1200);
    aidf_proc_result_release(&r);
}

static void test_term_signal(void **state)
{
    (void)state;
    struct aidf_proc_result r;
    run_sh("echo before; kill -KILL $$", &r);
    assert_int_equal(r.term_signal, SIGKILL);
    assert_int_equal(r.exit_code, -1);
    assert_false(r.timed_out);
    assert_string_equal(r.out, "before\n");
    aidf_proc_result_release(&r);
}

struct collected {
    size_t bytes[3];
    char head[64];
    size_t head_len;
};

static void on_out(int stream, const char *data, size_t len, void *ctx)
{
    struct collected *c = ctx;
    assert_true(stream == 1 || stream == 2);
    c->bytes[stream] += len;
    if (stream == 1)
        for (size_t i = 0; i < len && c->head_len < sizeof(c->head); i++)
            c->head[c->head_len++] = data[i];
}

static void test_on_output(void **state)
{
    (void)state;
    struct collected c;
    memset(&c, 0, sizeof(c));
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = "printf start; head -c 300000 /dev/zero; head -c 5000 /dev/zero >&2";
    spec.max_output = 100000;
    spec.on_output = on_out;
    spec.output_ctx = &c;
    struct aidf_proc_result r;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    /* The callback sees every byte, the buffer only up to the cap. */
    assert_int_equal(c.bytes[1], 300005);
    assert_int_equal(c.bytes[2], 5000);
    assert_memory_equal(c.head, "start", 5);
    assert_int_equal(r.out_len, 100000);
    assert_true(r.out_truncated);
    assert_int_equal(r.err_len, 5000);
    aidf_proc_result_release(&r);
}

static void test_which(void **state)
{
    (void)state;
    char *p = aidf_proc_which("sh");
    assert_non_null(p);
    assert_true(p[0] == '/' || p[0] == '.');
    size_t n = strlen(p);
    assert_true(n >= 3 && strcmp(p + n - 3, "/sh") == 0);
    assert_int_equal(access(p, X_OK), 0);
    free(p);
    assert_null(aidf_proc_which("aidf-no-such-program-xyz"));
    assert_null(aidf_proc_which(""));
    assert_null(aidf_proc_which(NULL));
    p = aidf_proc_which("/bin/sh");
    assert_non_null(p);
    assert_string_equal(p, "/bin/sh");
    free(p);
    assert_null(aidf_proc_which("/no/such/sh"));
    assert_null(aidf_proc_which("/tmp")); /* a directory */
    char *dir = tu_mkdtemp();
    tu_write(dir, "plain", "x");
    char f[PATH_MAX];
    snprintf(f, sizeof(f), "%s/plain", dir);
    assert_null(aidf_proc_which(f)); /* not executable */
    tu_rmrf(dir);
    free(dir);
}

static void test_no_fd_leak(void **state)
{
    (void)state;
    int before = dup(0);
    assert_true(before >= 0);
    close(before);
    struct aidf_proc_result r;
    for (int i = 0; i < 20; i++) {
        run_sh("echo x; echo y >&2", &r);
        aidf_proc_result_release(&r);
    }
    const char *argv[] = {"aidf-no-such-program-xyz", NULL};
    struct aidf_proc_spec spec = {0};
    spec.argv = argv;
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_ENOTFOUND);
    aidf_proc_result_release(&r);
    int after = dup(0);
    assert_int_equal(after, before);
    close(after);

    /* The child inherits nothing of ours beyond 0, 1 and 2: at most the descriptors this
     * process would pass on anyway, plus the directory ls opens. */
    int inheritable = 0;
    for (int fd = 0; fd < 1024; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC))
            inheritable++;
    }
    if (inheritable < 3)
        inheritable = 3;
    run_sh("ls /proc/self/fd | wc -l", &r);
    long nfd = strtol(r.out, NULL, 10);
    assert_true(nfd >= 4);
    assert_true(nfd <= inheritable + 1);
    aidf_proc_result_release(&r);
}

/* envp replaces the inherited environment; env_set still applies on top of it. */
static void test_envp(void **state)
{
    (void)state;
    setenv("AIDF_PROC_TEST_INHERITED", "leak", 1);
    const char *envp[] = {"PATH=/usr/bin:/bin", "KEEP=1", "DROP=1", NULL};
    const char *set[] = {"DROP", "ADDED=2", NULL};
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = "echo \"[$AIDF_PROC_TEST_INHERITED][$KEEP][$DROP][$ADDED]\"; env | wc -l";
    spec.envp = envp;
    spec.env_set = set;
    struct aidf_proc_result res;
    struct aidf_error e;
    assert_int_equal(aidf_proc_run(&spec, &res, &e), AIDF_OK);
    assert_int_equal(res.exit_code, 0);
    assert_non_null(strstr(res.out, "[][1][][2]\n"));
    aidf_proc_result_release(&res);

    /* An empty envp: nothing at all is inherited. */
    const char *none[] = {NULL};
    spec.envp = none;
    spec.env_set = NULL;
    spec.shell_cmd = "echo \"[$AIDF_PROC_TEST_INHERITED]\"";
    assert_int_equal(aidf_proc_run(&spec, &res, &e), AIDF_OK);
    assert_string_equal(res.out, "[]\n");
    aidf_proc_result_release(&res);
    unsetenv("AIDF_PROC_TEST_INHERITED");
}

/* The pre-exec hook runs in the child, before exec; its errno stops the start. */
static int hook_close_stdin(void *ctx)
{
    (void)ctx;
    return close(0) == 0 ? 0 : errno;
}

static int hook_refuse(void *ctx)
{
    return *(const int *)ctx;
}

static void test_pre_exec(void **state)
{
    (void)state;
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = "if [ -e /dev/stdin ] && read x; then echo open; else echo closed; fi";
    spec.stdin_data = "line\n";
    spec.stdin_len = 5;
    spec.pre_exec = hook_close_stdin;
    struct aidf_proc_result res;
    struct aidf_error e;
    assert_int_equal(aidf_proc_run(&spec, &res, &e), AIDF_OK);
    assert_string_equal(res.out, "closed\n");
    aidf_proc_result_release(&res);

    int why = EPERM;
    memset(&spec, 0, sizeof(spec));
    spec.shell_cmd = "echo ran";
    spec.pre_exec = hook_refuse;
    spec.pre_exec_ctx = &why;
    assert_int_equal(aidf_proc_run(&spec, &res, &e), AIDF_EIO);
    assert_true(res.spawn_failed);
    assert_string_equal(res.out, "");
    assert_non_null(strstr(res.spawn_error, "cannot prepare the child"));
    assert_non_null(strstr(res.spawn_error, strerror(EPERM)));
    aidf_proc_result_release(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_empty_spec),
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_stdin),
        cmocka_unit_test(test_large_both_ways),
        cmocka_unit_test(test_child_stops_reading),
        cmocka_unit_test(test_output_cap),
        cmocka_unit_test(test_merge_stderr),
        cmocka_unit_test(test_env_set),
        cmocka_unit_test(test_envp),
        cmocka_unit_test(test_pre_exec),
        cmocka_unit_test(test_cwd),
        cmocka_unit_test(test_missing_program),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_timeout_kills_group),
        cmocka_unit_test(test_grandchild_holds_pipes),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_term_signal),
        cmocka_unit_test(test_on_output),
        cmocka_unit_test(test_which),
        cmocka_unit_test(test_no_fd_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
