/*
 * Child processes: fork + exec with pipes for stdin, stdout and stderr, a poll() loop
 * that feeds stdin and drains the output at the same time (so neither side can
 * deadlock on a full pipe), and a stop sequence for timeouts and cancel requests.
 *
 * The child leads its own process group; stopping means SIGTERM to the whole group,
 * then SIGKILL after the grace period. Exec failures come back through a CLOEXEC pipe
 * that carries errno. Once the direct child has exited, output is drained for a short
 * while only, so a grandchild that keeps the pipes open cannot hang the caller.
 */
#include "aidf/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

extern char **environ;

/* Longest sleep in poll(): timeouts and the cancel flag are checked at least this often. */
#define TICK_MS 100
/* How long output is still drained after the direct child has exited. */
#define DRAIN_MS 200
/* Bytes read from a pipe at a time. */
#define CHUNK 65536

/* What the child reports through the exec pipe when it cannot start. */
enum { STAGE_SETUP = 1, STAGE_CHDIR = 2, STAGE_EXEC = 3, STAGE_PRE_EXEC = 4 };
struct spawn_report {
    int stage;
    int err;
};

/* One captured output stream. */
struct stream {
    int fd; /* parent's read end, -1 once closed */
    int id; /* 1 stdout, 2 stderr */
    struct aidf_buf buf;
    bool truncated;
};

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Move `fd` above the standard descriptors (keeping CLOEXEC), so dup2() in the child
 * can never clobber one pipe end with another. Returns the new fd or -1. */
static int lift_fd(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return nfd;
}

static int make_pipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) != 0) {
        p[0] = p[1] = -1;
        return -1;
    }
    p[0] = lift_fd(p[0]);
    p[1] = lift_fd(p[1]);
    if (p[0] < 0 || p[1] < 0) {
        close_fd(&p[0]);
        close_fd(&p[1]);
        return -1;
    }
    return 0;
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int64_t now_ms(void)
{
    return aidf_mono_ns() / 1000000;
}

/* Length of the name part of "NAME=VALUE" (or of "NAME"). */
static size_t env_name_len(const char *s)
{
    const char *eq = strchr(s, '=');
    return eq ? (size_t)(eq - s) : strlen(s);
}

static bool env_same_name(const char *entry, const char *name, size_t nlen)
{
    return strncmp(entry, name, nlen) == 0 && entry[nlen] == '=';
}

/*
 * The child's environment: the inherited one, or a copy of `base` when it is given, with
 * `set` applied. Copies are listed in *owned so they can be freed; inherited entries are
 * borrowed.
 */
static char **build_env(const char *const *base, const char *const *set, char ***owned)
{
    size_t n_env = 0, n_set = 0;
    while (base ? base[n_env] != NULL : environ && environ[n_env])
        n_env++;
    while (set && set[n_set])
        n_set++;
    char **env = aidf_xcalloc(n_env + n_set + 1, sizeof(*env));
    char **own = aidf_xcalloc(n_env + n_set + 1, sizeof(*own));
    size_t n = 0, n_own = 0;
    for (size_t i = 0; i < n_env; i++) {
        if (base) {
            own[n_own] = aidf_xstrdup(base[i]);
            env[n++] = own[n_own++];
        } else {
            env[n++] = environ[i];
        }
    }
    for (size_t i = 0; i < n_set; i++) {
        const char *s = set[i];
        size_t nlen = env_name_len(s);
        if (nlen == 0)
            continue;
        size_t w = 0;
        for (size_t r = 0; r < n; r++)
            if (!env_same_name(env[r], s, nlen))
                env[w++] = env[r];
        n = w;
        if (s[nlen] == '=') {
            char *copy = aidf_xstrdup(s);
            own[n_own++] = copy;
            env[n++] = copy;
        }
    }
    env[n] = NULL;
    *owned = own;
    return env;
}

static void free_strv(char **v)
{
    if (!v)
        return;
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}

/* Everything the child needs, prepared before fork() so the child only makes
 * async-signal-safe calls. */
struct child_setup {
    char **argv;
    char **envp; /* NULL: keep environ */
    const char *cwd;
    int (*pre_exec)(void *ctx);
    void *pre_exec_ctx;
    int in_fd, out_fd, err_fd, report_fd;
};

static void child_fail(int report_fd, int stage, int e) __attribute__((noreturn));
static void child_fail(int report_fd, int stage, int e)
{
    struct spawn_report rep = {stage, e};
    ssize_t w;
    do {
        w = write(report_fd, &rep, sizeof(rep));
    } while (w < 0 && errno == EINTR);
    _exit(e == ENOENT ? 127 : 126);
}

static int child_dup(int fd, int target)
{
    if (fd == target)
        return fcntl(fd, F_SETFD, 0); /* keep it across exec */
    int r;
    do {
        r = dup2(fd, target);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? -1 : 0;
}

static void child_exec(const struct child_setup *cs) __attribute__((noreturn));
static void child_exec(const struct child_setup *cs)
{
    setpgid(0, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    const int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGCHLD};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    if (child_dup(cs->in_fd, 0) != 0 || child_dup(cs->out_fd, 1) != 0 ||
        child_dup(cs->err_fd, 2) != 0)
        child_fail(cs->report_fd, STAGE_SETUP, errno);
    if (cs->cwd && chdir(cs->cwd) != 0)
        child_fail(cs->report_fd, STAGE_CHDIR, errno);
    if (cs->pre_exec) {
        int e = cs->pre_exec(cs->pre_exec_ctx);
        if (e != 0)
            child_fail(cs->report_fd, STAGE_PRE_EXEC, e);
    }
    if (cs->envp)
        environ = cs->envp; /* execvp() searches the child's PATH */
    execvp(cs->argv[0], cs->argv);
    child_fail(cs->report_fd, STAGE_EXEC, errno);
}

/* Signal the child's process group (the child itself when the group is gone). */
static void kill_group(pid_t pid, int sig)
{
    if (kill(-pid, sig) != 0 && errno == ESRCH)
        kill(pid, sig);
}

/* Read one chunk from `s`; closes it on EOF or error. */
static void drain_once(struct stream *s, size_t cap, const struct aidf_proc_spec *spec)
{
    char chunk[CHUNK];
    ssize_t r = read(s->fd, chunk, sizeof(chunk));
    if (r < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
            return;
        close_fd(&s->fd);
        return;
    }
    if (r == 0) {
        close_fd(&s->fd);
        return;
    }
    size_t n = (size_t)r;
    if (spec->on_output)
        spec->on_output(s->id, chunk, n, spec->output_ctx);
    size_t room = cap - s->buf.len;
    if (n > room) {
        s->truncated = true;
        n = room;
    }
    if (n)
        aidf_buf_add(&s->buf, chunk, n);
}

/*
 * Write what the pipe takes of the remaining stdin data. SIGPIPE is blocked around the
 * write (and a SIGPIPE it raised is consumed), so a child that stops reading makes the
 * write fail with EPIPE instead of killing the caller.
 */
static void feed_stdin(int *fd, const char *data, size_t len, size_t *off)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    sigemptyset(&pending);
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE) == 1;

    while (*off < len) {
        size_t want = len - *off;
        if (want > CHUNK)
            want = CHUNK;
        ssize_t w = write(*fd, data + *off, want);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EPIPE && !was_pending) {
                struct timespec zero = {0, 0};
                while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
                    ;
            }
            close_fd(fd);
            break;
        }
        *off += (size_t)w;
    }
    if (*fd >= 0 && *off >= len)
        close_fd(fd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void reap_blocking(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
}

static void fill_spawn_error(struct aidf_proc_result *res, const struct spawn_report *rep,
                             const char *prog, const char *cwd)
{
    if (rep->stage == STAGE_CHDIR)
        snprintf(res->spawn_error, sizeof(res->spawn_error), "cannot change to '%s': %s", cwd,
                 strerror(rep->err));
    else if (rep->stage == STAGE_PRE_EXEC)
        snprintf(res->spawn_error, sizeof(res->spawn_error), "%s: cannot prepare the child: %s",
                 prog, strerror(rep->err));
    else if (rep->stage == STAGE_SETUP)
        snprintf(res->spawn_error, sizeof(res->spawn_error), "%s: cannot set up stdio: %s", prog,
                 strerror(rep->err));
    else
        snprintf(res->spawn_error, sizeof(res->spawn_error), "%s: %s", prog, strerror(rep->err));
}

int aidf_proc_run(const struct aidf_proc_spec *spec, struct aidf_proc_result *res,
                  struct aidf_error *err)
{
    int rc = AIDF_OK;
    int in_p[2] = {-1, -1}, out_p[2] = {-1, -1}, err_p[2] = {-1, -1}, rep_p[2] = {-1, -1};
    int devnull = -1, pidfd = -1;
    char **argv = NULL, **envp = NULL, **env_owned = NULL;
    size_t cap = 0;
    struct stream so = {-1, 1, AIDF_BUF_INIT(0), false};
    struct stream se = {-1, 2, AIDF_BUF_INIT(0), false};
    int64_t t0 = aidf_mono_ns();

    if (res) {
        memset(res, 0, sizeof(*res));
        res->exit_code = -1;
        res->out = aidf_xstrdup("");
        res->err = aidf_xstrdup("");
    }
    if (!spec || !res || (!spec->argv && !spec->shell_cmd) || (spec->argv && !spec->argv[0])) {
        rc = aidf_fail(err, AIDF_EINVAL, "nothing to run");
        goto out;
    }

    cap = spec->max_output ? spec->max_output : AIDF_PROC_DEFAULT_MAX_OUTPUT;
    aidf_buf_init(&so.buf, cap);
    aidf_buf_init(&se.buf, cap);

    /* argv and the environment, copied before fork(). */
    if (spec->argv) {
        size_t n = 0;
        while (spec->argv[n])
            n++;
        argv = aidf_xcalloc(n + 1, sizeof(*argv));
        for (size_t i = 0; i < n; i++)
            argv[i] = aidf_xstrdup(spec->argv[i]);
    } else {
        argv = aidf_xcalloc(4, sizeof(*argv));
        argv[0] = aidf_xstrdup("/bin/sh");
        argv[1] = aidf_xstrdup("-c");
        argv[2] = aidf_xstrdup(spec->shell_cmd);
    }
    if (spec->env_set || spec->envp)
        envp = build_env(spec->envp, spec->env_set, &env_owned);

    if (make_pipe(out_p) != 0 || (!spec->merge_stderr && make_pipe(err_p) != 0) ||
        make_pipe(rep_p) != 0) {
        rc = aidf_fail(err, AIDF_EIO, "cannot create pipe: %s", strerror(errno));
        goto out;
    }
    if (spec->stdin_data) {
        if (make_pipe(in_p) != 0) {
            rc = aidf_fail(err, AIDF_EIO, "cannot create pipe: %s", strerror(errno));
            goto out;
        }
    } else {
        devnull = lift_fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (devnull < 0) {
            rc = aidf_fail(err, AIDF_EIO, "cannot open /dev/null: %s", strerror(errno));
            goto out;
        }
    }

    struct child_setup cs = {
        .argv = argv,
        .envp = envp,
        .cwd = spec->cwd,
        .pre_exec = spec->pre_exec,
        .pre_exec_ctx = spec->pre_exec_ctx,
        .in_fd = spec->stdin_data ? in_p[0] : devnull,
        .out_fd = out_p[1],
        .err_fd = spec->merge_stderr ? out_p[1] : err_p[1],
        .report_fd = rep_p[1],
    };
    t0 = aidf_mono_ns();
    pid_t pid = fork();
    if (pid < 0) {
        rc = aidf_fail(err, AIDF_EIO, "cannot fork: %s", strerror(errno));
        goto out;
    }
    if (pid == 0)
        child_exec(&cs);

    setpgid(pid, pid); /* also done by the child; whichever runs first wins */
    /* A pidfd turns readable when the child exits, so the loop wakes at once instead of
     * on its next tick (each git command would otherwise cost up to a tick). Kernels
     * without pidfd_open (before 5.3) fall back to the tick. */
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    close_fd(&in_p[0]);
    close_fd(&out_p[1]);
    close_fd(&err_p[1]);
    close_fd(&rep_p[1]);
    close_fd(&devnull);

    /* Did exec work? EOF on the report pipe means it did. */
    struct spawn_report rep;
    size_t got = 0;
    while (got < sizeof(rep)) {
        ssize_t r = read(rep_p[0], (char *)&rep + got, sizeof(rep) - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close_fd(&rep_p[0]);
    int status = 0;
    if (got == sizeof(rep)) {
        reap_blocking(pid, &status);
        res->duration_ms = (double)(aidf_mono_ns() - t0) / 1e6;
        res->spawn_failed = true;
        res->exit_code = rep.err == ENOENT ? 127 : 126;
        fill_spawn_error(res, &rep, argv[0], spec->cwd);
        bool missing = rep.stage == STAGE_EXEC && (rep.err == ENOENT || rep.err == EACCES ||
                                                   rep.err == ENOTDIR || rep.err == ENOEXEC);
        rc = aidf_fail(err, missing ? AIDF_ENOTFOUND : AIDF_EIO, "cannot run %s", res->spawn_error);
        goto out;
    }

    so.fd = out_p[0];
    out_p[0] = -1;
    se.fd = err_p[0];
    err_p[0] = -1;
    if (so.fd >= 0)
        set_nonblock(so.fd);
    if (se.fd >= 0)
        set_nonblock(se.fd);
    int in_fd = in_p[1];
    in_p[1] = -1;
    size_t in_off = 0;
    if (in_fd >= 0) {
        set_nonblock(in_fd);
        if (spec->stdin_len == 0)
            close_fd(&in_fd);
    }

    int64_t start = now_ms();
    int64_t grace = spec->grace_ms > 0 ? spec->grace_ms : AIDF_PROC_DEFAULT_GRACE_MS;
    int64_t deadline = spec->timeout_ms > 0 ? start + spec->timeout_ms : -1;
    int64_t term_at = -1;  /* when SIGTERM went out */
    int64_t drain_at = -1; /* when the direct child was reaped */
    bool reaped = false, killed = false;

    for (;;) {
        int64_t now = now_ms();
        if (reaped && so.fd < 0 && se.fd < 0)
            break;
        if (reaped && now - drain_at >= DRAIN_MS) {
            /* Something else in the group holds the pipes: stop it and give up. */
            kill_group(pid, SIGKILL);
            break;
        }
        if (!reaped && term_at < 0) {
            bool cancel = spec->cancel && *spec->cancel;
            if (cancel || (deadline >= 0 && now >= deadline)) {
                if (cancel)
                    res->cancelled = true;
                else
                    res->timed_out = true;
                kill_group(pid, SIGTERM);
                term_at = now;
            }
        }
        if (!reaped && term_at >= 0 && !killed && now - term_at >= grace) {
            kill_group(pid, SIGKILL);
            killed = true;
        }

        int64_t wait = TICK_MS;
        if (!reaped && term_at < 0 && deadline >= 0 && deadline - now < wait)
            wait = deadline - now;
        if (!reaped && term_at >= 0 && !killed && term_at + grace - now < wait)
            wait = term_at + grace - now;
        if (reaped && drain_at + DRAIN_MS - now < wait)
            wait = drain_at + DRAIN_MS - now;
        if (wait < 0)
            wait = 0;
        /* While the child runs, wake up often enough to notice that it exited. */
        if (!reaped && wait > 20 && so.fd < 0 && se.fd < 0 && pidfd < 0)
            wait = 20;

        struct pollfd pfd[4];
        int np = 0, i_out = -1, i_err = -1, i_in = -1;
        if (!reaped && pidfd >= 0)
            pfd[np++] = (struct pollfd){pidfd, POLLIN, 0};
        if (so.fd >= 0) {
            i_out = np;
            pfd[np++] = (struct pollfd){so.fd, POLLIN, 0};
        }
        if (se.fd >= 0) {
            i_err = np;
            pfd[np++] = (struct pollfd){se.fd, POLLIN, 0};
        }
        if (in_fd >= 0) {
            i_in = np;
            pfd[np++] = (struct pollfd){in_fd, POLLOUT, 0};
        }
        int pr = poll(pfd, (nfds_t)np, (int)wait);
        if (pr < 0 && errno != EINTR) {
            rc = aidf_fail(err, AIDF_EIO, "poll failed: %s", strerror(errno));
            kill_group(pid, SIGKILL);
            break;
        }
        if (pr > 0) {
            if (i_out >= 0 && pfd[i_out].revents)
                drain_once(&so, cap, spec);
            if (i_err >= 0 && pfd[i_err].revents)
                drain_once(&se, cap, spec);
            if (i_in >= 0 && pfd[i_in].revents) {
                if (pfd[i_in].revents & (POLLERR | POLLHUP | POLLNVAL))
                    close_fd(&in_fd);
                else
                    feed_stdin(&in_fd, spec->stdin_data, spec->stdin_len, &in_off);
            }
        }

        if (!reaped) {
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid || (w < 0 && errno == ECHILD)) {
                reaped = true;
                drain_at = now_ms();
                if (res->timed_out || res->cancelled)
                    kill_group(pid, SIGKILL); /* stragglers that ignored SIGTERM */
            }
        }
    }
    if (!reaped) /* only after a poll() failure */
        reap_blocking(pid, &status);
    close_fd(&in_fd);
    res->duration_ms = (double)(aidf_mono_ns() - t0) / 1e6;
    if (WIFEXITED(status)) {
        res->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        res->exit_code = -1;
        res->term_signal = WTERMSIG(status);
    }

out:
    close_fd(&in_p[0]);
    close_fd(&in_p[1]);
    close_fd(&out_p[0]);
    close_fd(&out_p[1]);
    close_fd(&err_p[0]);
    close_fd(&err_p[1]);
    close_fd(&rep_p[0]);
    close_fd(&rep_p[1]);
    close_fd(&devnull);
    close_fd(&pidfd);
    close_fd(&so.fd);
    close_fd(&se.fd);
    if (res && spec) {
        res->out_truncated = so.truncated;
        res->err_truncated = se.truncated;
        free(res->out);
        free(res->err);
        res->out = aidf_buf_detach(&so.buf, &res->out_len);
        res->err = aidf_buf_detach(&se.buf, &res->err_len);
    }
    aidf_buf_release(&so.buf);
    aidf_buf_release(&se.buf);
    free_strv(argv);
    free_strv(env_owned);
    free(envp);
    return rc;
}

void aidf_proc_result_release(struct aidf_proc_result *r)
{
    if (!r)
        return;
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof(*r));
}

static bool is_exec_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *aidf_proc_which(const char *name)
{
    if (!name || !*name)
        return NULL;
    if (strchr(name, '/'))
        return is_exec_file(name) ? aidf_xstrdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path)
        path = "/bin:/usr/bin";
    size_t nlen = strlen(name);
    const char *p = path;
    for (;;) {
        const char *colon = strchr(p, ':');
        size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
        /* An empty entry means the current directory, as for execvp(). */
        size_t len = (dlen ? dlen : 1) + 1 + nlen + 1;
        char *cand = aidf_xmalloc(len);
        snprintf(cand, len, "%.*s/%s", (int)(dlen ? dlen : 1), dlen ? p : ".", name);
        if (is_exec_file(cand))
            return cand;
        free(cand);
        if (!colon)
            break;
        p = colon + 1;
    }
    return NULL;
}
