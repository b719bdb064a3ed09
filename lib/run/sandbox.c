/*
 * The sandbox of run_command (aidf/sandbox.h): the choice of a backend once per run, the
 * environment allow-list, the bwrap command line, and one command run through the chosen
 * backend. The Landlock rules are in sandbox_landlock.c.
 */
#include "aidf/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/xalloc.h"
#include "sandbox_int.h"

extern char **environ;

/* How long the bwrap probe may take. */
#define PROBE_TIMEOUT_MS 15000
/* Deepest directory nesting removed from a private directory. */
#define RM_MAX_DEPTH 64

/* The system directories visible (read-only) in the bwrap sandbox, when they exist. */
static const char *const system_dirs[] = {"/usr",   "/bin",   "/sbin",   "/lib",
                                          "/lib32", "/lib64", "/libx32", "/etc"};

/* Variables every command gets (when aidf has them); LC_* as well. */
static const char *const base_env[] = {"PATH", "HOME", "LANG", "TERM", "TZ", "USER"};

const char *aidf_sandbox_kind_name(enum aidf_sandbox_kind k)
{
    switch (k) {
    case AIDF_SANDBOX_KIND_BWRAP:
        return "bwrap";
    case AIDF_SANDBOX_KIND_LANDLOCK:
        return "landlock";
    case AIDF_SANDBOX_KIND_NONE:
        return "none";
    case AIDF_SANDBOX_KIND_OFF:
        break;
    }
    return "off";
}

void aidf_sandbox_release(struct aidf_sandbox *sb)
{
    if (!sb)
        return;
    aidf_strlist_release(&sb->env);
    free(sb->bwrap);
    memset(sb, 0, sizeof(*sb));
}

void aidf_sandbox_strv_free(char **v)
{
    if (!v)
        return;
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}

/* ---- the environment ---------------------------------------------------------------- */

bool aidf_sandbox_env_allowed(const struct aidf_sandbox *sb, const char *name)
{
    for (size_t i = 0; i < sizeof(base_env) / sizeof(base_env[0]); i++)
        if (strcmp(name, base_env[i]) == 0)
            return true;
    if (strncmp(name, "LC_", 3) == 0 && name[3])
        return true;
    return sb && aidf_strlist_has(&sb->env, name);
}

/* A growable NULL-terminated string vector. */
struct strv {
    char **v;
    size_t n, cap;
};

static void strv_add(struct strv *s, char *owned)
{
    s->v = aidf_xgrow(s->v, &s->cap, s->n + 2, sizeof(*s->v));
    s->v[s->n++] = owned;
    s->v[s->n] = NULL;
}

static void strv_addstr(struct strv *s, const char *str)
{
    strv_add(s, aidf_xstrdup(str));
}

static void strv_addkv(struct strv *s, const char *name, const char *value)
{
    size_t len = strlen(name) + 1 + strlen(value) + 1;
    char *e = aidf_xmalloc(len);
    snprintf(e, len, "%s=%s", name, value);
    strv_add(s, e);
}

char **aidf_sandbox_env(const struct aidf_sandbox *sb, const char *const *env, const char *home,
                        const char *tmpdir)
{
    struct strv s = {0};
    strv_add(&s, NULL); /* the array exists even when empty */
    s.n = 0;
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq || eq == env[i])
            continue;
        char name[256];
        size_t nlen = (size_t)(eq - env[i]);
        if (nlen >= sizeof(name))
            continue;
        memcpy(name, env[i], nlen);
        name[nlen] = '\0';
        if ((home && strcmp(name, "HOME") == 0) || (tmpdir && strcmp(name, "TMPDIR") == 0))
            continue;
        if (aidf_sandbox_env_allowed(sb, name))
            strv_addstr(&s, env[i]);
    }
    if (home)
        strv_addkv(&s, "HOME", home);
    if (tmpdir)
        strv_addkv(&s, "TMPDIR", tmpdir);
    return s.v;
}

/* ---- bwrap -------------------------------------------------------------------------- */

char **aidf_sandbox_bwrap_argv(const struct aidf_sandbox *sb, const char *root, const char *cmd)
{
    struct strv s = {0};
    strv_addstr(&s, sb && sb->bwrap ? sb->bwrap : "bwrap");
    static const char *const head[] = {"--die-with-parent", "--new-session", "--unshare-all"};
    for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
        strv_addstr(&s, head[i]);
    if (sb && sb->network)
        strv_addstr(&s, "--share-net");
    for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
        const char *d = system_dirs[i];
        struct stat st;
        if (lstat(d, &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = readlink(d, target, sizeof(target) - 1);
            if (n <= 0)
                continue;
            target[n] = '\0';
            strv_addstr(&s, "--symlink");
            strv_addstr(&s, target);
            strv_addstr(&s, d);
        } else if (S_ISDIR(st.st_mode)) {
            strv_addstr(&s, "--ro-bind");
            strv_addstr(&s, d);
            strv_addstr(&s, d);
        }
    }
    static const char *const mounts[] = {"--proc",  "/proc", "--dev",   "/dev",
                                         "--tmpfs", "/tmp",  "--tmpfs", AIDF_SANDBOX_BWRAP_HOME};
    for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++)
        strv_addstr(&s, mounts[i]);
    strv_addstr(&s, "--bind");
    strv_addstr(&s, root);
    strv_addstr(&s, root);
    /* The repository stays read-only: a hook or a config entry (core.fsmonitor, ...) written
     * there would run later, outside the sandbox, in aidf's own git commands. write_file
     * refuses .git paths for the same reason. */
    char *git = aidf_path_join(root, ".git");
    struct stat gst;
    if (lstat(git, &gst) == 0 && S_ISDIR(gst.st_mode)) {
        strv_addstr(&s, "--ro-bind");
        strv_addstr(&s, git);
        strv_addstr(&s, git);
    }
    free(git);
    strv_addstr(&s, "--chdir");
    strv_addstr(&s, root);
    strv_addstr(&s, "--");
    strv_addstr(&s, "/bin/sh");
    strv_addstr(&s, "-c");
    strv_addstr(&s, cmd);
    return s.v;
}

/* ---- choosing a backend --------------------------------------------------------------- */

/* The test knob AIDF_TEST_SANDBOX_UNAVAILABLE names `backend` (see aidf/sandbox.h). */
static bool hidden_for_tests(const char *backend)
{
    const char *v = getenv("AIDF_TEST_SANDBOX_UNAVAILABLE");
    return v && strstr(v, backend) != NULL;
}

/* Find bwrap and start it once; true when it ran `true` successfully. */
static bool probe_bwrap(struct aidf_sandbox *sb, const char *root, char *why, size_t n)
{
    if (hidden_for_tests("bwrap")) {
        snprintf(why, n, "bwrap hidden by AIDF_TEST_SANDBOX_UNAVAILABLE");
        return false;
    }
    sb->bwrap = aidf_proc_which("bwrap");
    if (!sb->bwrap) {
        snprintf(why, n, "bwrap (bubblewrap) is not installed");
        return false;
    }
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = "true";
    spec.timeout_ms = PROBE_TIMEOUT_MS;
    spec.merge_stderr = true;
    spec.max_output = 4096;
    struct aidf_proc_result res;
    struct aidf_error err = {0};
    int rc = aidf_sandbox_run(sb, root, &spec, &res, &err);
    bool ok = rc == AIDF_OK && !res.timed_out && res.exit_code == 0;
    if (!ok) {
        const char *msg = rc != AIDF_OK ? err.msg : res.out;
        size_t len = strcspn(msg, "\n");
        snprintf(why, n, "bwrap cannot create its sandbox here: %.*s", (int)(len > 300 ? 300 : len),
                 len ? msg : (res.timed_out ? "timed out" : "failed"));
        free(sb->bwrap);
        sb->bwrap = NULL;
    }
    aidf_proc_result_release(&res);
    return ok;
}

static bool probe_landlock(struct aidf_sandbox *sb, char *why, size_t n)
{
    if (hidden_for_tests("landlock")) {
        snprintf(why, n, "Landlock hidden by AIDF_TEST_SANDBOX_UNAVAILABLE");
        return false;
    }
    sb->landlock_abi = aidf_landlock_abi();
    if (sb->landlock_abi <= 0) {
        snprintf(why, n, "the kernel has no Landlock (or it is turned off)");
        return false;
    }
    return true;
}

int aidf_sandbox_select(enum aidf_sandbox_mode mode, bool network, const struct aidf_strlist *env,
                        const char *root, struct aidf_sandbox *out, struct aidf_error *err)
{
    char why_b[400] = "", why_l[200] = "";
    memset(out, 0, sizeof(*out));
    out->kind = AIDF_SANDBOX_KIND_OFF;
    out->network = network;
    for (size_t i = 0; env && i < env->n; i++)
        aidf_strlist_add(&out->env, env->items[i]);
    if (mode == AIDF_SANDBOX_OFF)
        return AIDF_OK;

    /* bwrap needs the project's real path (it is mounted at that path). */
    char *real = root ? realpath(root, NULL) : NULL;
    if (!real)
        return aidf_fail(err, AIDF_ENOTFOUND, "sandbox: cannot resolve the project root '%s': %s",
                         root ? root : "(none)", strerror(errno));
    int rc = AIDF_OK;
    if (mode != AIDF_SANDBOX_LANDLOCK) {
        out->kind = AIDF_SANDBOX_KIND_BWRAP;
        if (probe_bwrap(out, real, why_b, sizeof(why_b)))
            goto out;
        if (mode == AIDF_SANDBOX_BWRAP) {
            rc = aidf_fail(err, AIDF_ENOTFOUND, "security.sandbox is bwrap, but %s", why_b);
            goto out;
        }
    }
    out->kind = AIDF_SANDBOX_KIND_LANDLOCK;
    if (probe_landlock(out, why_l, sizeof(why_l)))
        goto out;
    if (mode == AIDF_SANDBOX_LANDLOCK) {
        rc = aidf_fail(err, AIDF_ENOTFOUND, "security.sandbox is landlock, but %s", why_l);
        goto out;
    }
    out->kind = AIDF_SANDBOX_KIND_NONE;
    if (mode == AIDF_SANDBOX_REQUIRED)
        rc = aidf_fail(err, AIDF_ENOTFOUND,
                       "security.sandbox is required, but no sandbox can be used here: %s; %s",
                       why_b, why_l);
    else
        snprintf(out->why, sizeof(out->why), "%s; %s", why_b, why_l);
out:
    free(real);
    return rc;
}

/* ---- one command ------------------------------------------------------------------- */

/* Remove `name` below the directory `at` and everything in it, never following
 * symbolic links (the command may have planted some). */
static void rm_tree_at(int at, const char *name, int depth)
{
    struct stat st;
    if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        unlinkat(at, name, 0);
        return;
    }
    if (depth < RM_MAX_DEPTH) {
        /* A command may have taken its own rights away; removal is tried either way. */
        if (fchmodat(at, name, 0700, 0) != 0 && errno != EPERM)
            return;
        int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (!d && fd >= 0)
            close(fd);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                rm_tree_at(dirfd(d), e->d_name, depth + 1);
            }
            closedir(d);
        }
    }
    unlinkat(at, name, AT_REMOVEDIR);
}

/* A private directory for one command: <tmp>/aidf-sandbox-XXXXXX with home/ and tmp/. */
static char *make_private_dir(struct aidf_error *err)
{
    const char *base = getenv("TMPDIR");
    if (!base || base[0] != '/')
        base = "/tmp";
    char *dir = aidf_path_join(base, "aidf-sandbox-XXXXXX");
    if (!mkdtemp(dir)) {
        aidf_fail(err, AIDF_EIO, "sandbox: cannot create a private directory in %s: %s", base,
                  strerror(errno));
        free(dir);
        return NULL;
    }
    char *home = aidf_path_join(dir, "home"), *tmp = aidf_path_join(dir, "tmp");
    bool ok = mkdir(home, 0700) == 0 && mkdir(tmp, 0700) == 0;
    int e = errno;
    free(home);
    free(tmp);
    if (!ok) {
        aidf_fail(err, AIDF_EIO, "sandbox: cannot create a private directory in %s: %s", dir,
                  strerror(e));
        rm_tree_at(AT_FDCWD, dir, 0);
        free(dir);
        return NULL;
    }
    return dir;
}

/* Fill `res` as aidf_proc_run() does for a run that never started. */
static void result_not_started(struct aidf_proc_result *res)
{
    memset(res, 0, sizeof(*res));
    res->exit_code = -1;
    res->out = aidf_xstrdup("");
    res->err = aidf_xstrdup("");
}

int aidf_sandbox_run(const struct aidf_sandbox *sb, const char *root,
                     const struct aidf_proc_spec *spec, struct aidf_proc_result *res,
                     struct aidf_error *err)
{
    enum aidf_sandbox_kind kind = sb ? sb->kind : AIDF_SANDBOX_KIND_OFF;
    struct aidf_proc_spec s = *spec;
    const char *const *env = (const char *const *)environ;
    char **argv = NULL, **envp = NULL, *priv = NULL;
    int ruleset = -1, rc;

    if (!spec->shell_cmd || !root) {
        result_not_started(res);
        return aidf_fail(err, AIDF_EINVAL, "nothing to run");
    }
    s.argv = NULL;
    s.env_set = NULL;
    s.pre_exec = NULL;
    s.pre_exec_ctx = NULL;
    s.cwd = root;
    if (kind == AIDF_SANDBOX_KIND_BWRAP) {
        argv = aidf_sandbox_bwrap_argv(sb, root, spec->shell_cmd);
        envp = aidf_sandbox_env(sb, env, AIDF_SANDBOX_BWRAP_HOME, NULL);
        s.argv = (const char *const *)argv;
    } else if (kind == AIDF_SANDBOX_KIND_LANDLOCK) {
        priv = make_private_dir(err);
        if (!priv) {
            result_not_started(res);
            return AIDF_EIO;
        }
        ruleset = aidf_landlock_ruleset(sb->landlock_abi, root, priv, sb->network, err);
        if (ruleset < 0) {
            result_not_started(res);
            rc = AIDF_EIO;
            goto out;
        }
        char *home = aidf_path_join(priv, "home"), *tmp = aidf_path_join(priv, "tmp");
        envp = aidf_sandbox_env(sb, env, home, tmp);
        free(home);
        free(tmp);
        s.pre_exec = aidf_landlock_enter;
        s.pre_exec_ctx = &ruleset;
    } else {
        envp = aidf_sandbox_env(sb, env, NULL, NULL);
    }
    s.envp = (const char *const *)envp;
    rc = aidf_proc_run(&s, res, err);
out:
    if (ruleset >= 0)
        close(ruleset);
    if (priv) {
        rm_tree_at(AT_FDCWD, priv, 0);
        free(priv);
    }
    aidf_sandbox_strv_free(argv);
    aidf_sandbox_strv_free(envp);
    return rc;
}
