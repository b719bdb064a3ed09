/*
 * The tool handler of the API providers (the original TypeScript aidf's ToolHandler): the six
 * tools' JSON schemas and their implementation, with the path guard (every path stays
 * inside the project root after lexical ".." resolution and realpath of the deepest
 * existing ancestor), the scope check before write_file writes, the read check of
 * read_file and list_files (forbidden paths and environment files), and the command policy,
 * time limit and output cap of run_command.
 *
 * Every refusal is a result text with is_error set; nothing here fails the run.
 */
#include "aidf/tools.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/cmdpolicy.h"
#include "aidf/err.h"
#include "aidf/fsutil.h"
#include "aidf/glob.h"
#include "aidf/path.h"
#include "aidf/proc.h"
#include "aidf/sandbox.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

/* The last line of a listing that left out paths the agent may not read. */
#define HIDDEN_NOTE "\n(not listed: paths forbidden by the task's scope, and environment files)"

/* Deepest directory nesting list_files descends into. */
#define LIST_MAX_DEPTH 128

/* ---- results ---------------------------------------------------------------------- */

static void set_result(struct aidf_tool_outcome *o, bool is_error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_result(struct aidf_tool_outcome *o, bool is_error, const char *fmt, ...)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    va_list ap;
    va_start(ap, fmt);
    aidf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    free(o->result);
    o->result = aidf_buf_detach(&b, NULL);
    o->is_error = is_error;
}

/* Take the heap string of `b` as the result. */
static void take_result(struct aidf_tool_outcome *o, bool is_error, struct aidf_buf *b)
{
    free(o->result);
    o->result = aidf_buf_detach(b, NULL);
    o->is_error = is_error;
}

/* ---- arguments -------------------------------------------------------------------- */

/*
 * The string field `field` of `input`: NULL (and the refusal set) when it is missing or
 * not a string, or, with `nonempty`, empty or holding a NUL byte. `optional` fields may
 * be absent or null (then *present is false and NULL is returned without a refusal).
 */
static const char *get_str(const json_t *input, const char *tool, const char *field, bool optional,
                           bool nonempty, bool *present, struct aidf_tool_outcome *o)
{
    json_t *v = json_object_get(input, field);
    if (present)
        *present = false;
    if (optional && (!v || json_is_null(v)))
        return NULL;
    if (!json_is_string(v)) {
        set_result(o, true, "Invalid arguments for %s: '%s' must be a string", tool, field);
        return NULL;
    }
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (nonempty && len == 0) {
        set_result(o, true, "Invalid arguments for %s: '%s' must not be empty", tool, field);
        return NULL;
    }
    if (nonempty && strlen(s) != len) {
        set_result(o, true, "Invalid arguments for %s: '%s' must not contain NUL bytes", tool,
                   field);
        return NULL;
    }
    if (present)
        *present = true;
    return s;
}

/* ---- the path guard --------------------------------------------------------------- */

/* The part of `abs` below `root` ("." for root itself), or NULL when it is not below. */
static const char *below(const char *abs, const char *root)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/')
        return abs[1] ? abs + 1 : ".";
    if (strncmp(abs, root, n) != 0)
        return NULL;
    if (abs[n] == '\0')
        return ".";
    return abs[n] == '/' ? abs + n + 1 : NULL;
}

/* A resolved tool path. */
struct tpath {
    char *real;      /* absolute, symlinks of the existing part resolved */
    const char *rel; /* points into `real`: repository-relative, "." for the root */
    char *lexical;   /* repository-relative path before symlink resolution, or NULL */
};

static void tpath_release(struct tpath *t)
{
    free(t->real);
    free(t->lexical);
    memset(t, 0, sizeof(*t));
}

/*
 * Resolve the model's path `p` (already checked non-empty, NUL-free) against the
 * project root. Returns true with `t` filled, or false with the refusal in `o`.
 *
 * The path is normalised lexically first and only the normalised form is ever handed
 * to the kernel, so "link/.." cannot mean something else on disk than it does here.
 * Then the deepest existing ancestor is realpath'd (the whole path when it exists, so a
 * symlink as the last component is followed too) and the rest appended; the result must
 * lie inside the realpath of the root.
 */
static bool resolve_path(const struct aidf_tool_ctx *c, const char *p, struct tpath *t,
                         struct aidf_tool_outcome *o)
{
    bool ok = false;
    char *root_real = NULL, *full = NULL, *cur = NULL, *lex_root = NULL;
    memset(t, 0, sizeof(*t));

    if (!c->root || !(root_real = realpath(c->root, NULL))) {
        set_result(o, true, "Error: cannot resolve the project root '%s': %s",
                   c->root ? c->root : "(none)", strerror(errno));
        goto out;
    }
    if (p[0] == '/') {
        full = aidf_path_normalize(p, strlen(p));
    } else {
        char *joined = aidf_path_join(root_real, p);
        full = aidf_path_normalize(joined, strlen(joined));
        free(joined);
    }

    /* The lexical repository-relative path, for the scope and .git checks. */
    const char *lr = below(full, root_real);
    if (!lr) {
        const char *r = c->root[0] == '/' ? c->root : root_real;
        lex_root = aidf_path_normalize(r, strlen(r));
        lr = below(full, lex_root);
    }

    /* Walk up to the deepest ancestor that exists. */
    cur = aidf_xstrdup(full);
    size_t tail = strlen(cur); /* cur[0..tail) is the part tried; full + tail the rest */
    char *res = NULL;
    for (;;) {
        res = realpath(cur, NULL);
        if (res)
            break;
        int e = errno;
        struct stat st;
        if (e != ENOENT) {
            /* Say "outside" rather than why an outside path does not resolve. */
            if (!lr)
                set_result(o, true, "Path traversal blocked: \"%s\" resolves outside project root",
                           p);
            else
                set_result(o, true, "Error: cannot resolve \"%s\": %s", p, strerror(e));
            goto out;
        }
        if (lstat(cur, &st) == 0) {
            /* It exists but does not resolve: a dangling symbolic link, whose target
             * could be anywhere (writing through it could create a file outside). */
            set_result(o, true,
                       "Error: cannot resolve \"%s\": it goes through a dangling symbolic link", p);
            goto out;
        }
        char *slash = strrchr(cur, '/');
        if (!slash || (slash == cur && !slash[1])) {
            /* "/" always resolves; reaching here means something odd. */
            set_result(o, true, "Error: cannot resolve \"%s\"", p);
            goto out;
        }
        if (slash == cur) {
            slash[1] = '\0'; /* "/x" → "/", the rest is all of `full` */
            tail = 0;
        } else {
            *slash = '\0';
            tail = (size_t)(slash - cur);
        }
    }
    if (full[tail]) {
        size_t rl = strlen(res), fl = strlen(full + tail);
        bool root_slash = rl == 1;
        char *joined = aidf_xmalloc(rl + fl + 1);
        memcpy(joined, res, rl);
        /* full + tail starts with '/'; avoid "//" when res is "/" */
        memcpy(joined + rl - (root_slash ? 1 : 0), full + tail, fl + 1);
        free(res);
        res = joined;
    }
    t->real = res;
    t->rel = below(t->real, root_real);
    if (!t->rel) {
        set_result(o, true, "Path traversal blocked: \"%s\" resolves outside project root", p);
        goto out;
    }
    if (lr && strcmp(lr, t->rel) != 0)
        t->lexical = aidf_xstrdup(lr);
    ok = true;
out:
    if (!ok)
        tpath_release(t);
    free(lex_root);
    free(cur);
    free(full);
    free(root_real);
    return ok;
}

/* True when a component of repository-relative `rel` is ".git" (any case). */
static bool in_git_dir(const char *rel)
{
    const char *s = rel;
    while (s && *s) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 4 && strncasecmp(s, ".git", 4) == 0)
            return true;
        s = e ? e + 1 : NULL;
    }
    return false;
}

/* ---- what may be read ------------------------------------------------------------- */

/* "a, b" or "(none)". */
static void add_patterns(struct aidf_buf *b, const struct aidf_strlist *l)
{
    if (!l->n) {
        aidf_buf_addstr(b, "(none)");
        return;
    }
    for (size_t i = 0; i < l->n; i++)
        aidf_buf_addf(b, "%s%s", i ? ", " : "", l->items[i]);
}

/*
 * May repository-relative `rel` (and, when not NULL, its lexical spelling `lexical`) be
 * read, or listed when `is_dir`? False with `*reason` set (static) when either spelling is
 * forbidden by the scope or is an environment file the scope does not name
 * (aidf_scope_check_read()).
 */
static bool readable(const struct aidf_tool_ctx *c, const char *rel, const char *lexical,
                     bool is_dir, const char **reason)
{
    if (aidf_scope_check_read(c->scope, rel, is_dir, reason) == AIDF_SCOPE_VERDICT_BLOCK)
        return false;
    return !lexical ||
           aidf_scope_check_read(c->scope, lexical, is_dir, reason) != AIDF_SCOPE_VERDICT_BLOCK;
}

/* The refusal of reading or listing `p`: "SCOPE VIOLATION: Cannot <verb> ...". */
static void refuse_read(const struct aidf_tool_ctx *c, const char *verb, const char *p,
                        const char *reason, struct aidf_tool_outcome *o)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "SCOPE VIOLATION: Cannot %s \"%s\". %s.", verb, p, reason);
    if (c->scope && c->scope->forbidden.n) {
        aidf_buf_addstr(&b, "\n\nForbidden paths (neither read nor written): ");
        add_patterns(&b, &c->scope->forbidden);
    }
    take_result(o, true, &b);
}

/* ---- read_file -------------------------------------------------------------------- */

static void tool_read_file(const struct aidf_tool_ctx *c, const json_t *in,
                           struct aidf_tool_outcome *o)
{
    struct tpath t;
    char *data = NULL;
    const char *p = get_str(in, "read_file", "path", false, true, NULL, o);
    if (!p || !resolve_path(c, p, &t, o))
        return;
    /* Before anything that could tell whether the file exists. */
    const char *why = NULL;
    if (!readable(c, t.rel, t.lexical, false, &why)) {
        refuse_read(c, "read", p, why, o);
        goto out;
    }
    struct stat st;
    if (stat(t.real, &st) != 0) {
        int e = errno;
        if (e == ENOENT || e == ENOTDIR)
            set_result(o, true, "Error: ENOENT: no such file or directory, open '%s'", p);
        else
            set_result(o, true, "Error: cannot read '%s': %s", p, strerror(e));
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        set_result(o, true, "Error: EISDIR: '%s' is a directory (use list_files)", p);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        set_result(o, true, "Error: '%s' is not a regular file", p);
        goto out;
    }
    if ((uint64_t)st.st_size > AIDF_TOOL_MAX_FILE) {
        set_result(o, true, "File too large: '%s' is %" PRIu64 " bytes (limit %zu bytes)", p,
                   (uint64_t)st.st_size, AIDF_TOOL_MAX_FILE);
        goto out;
    }
    size_t len = 0;
    struct aidf_error err;
    int rc = aidf_read_file(t.real, AIDF_TOOL_MAX_FILE, &data, &len, &err);
    if (rc == AIDF_ETOOBIG) {
        set_result(o, true, "File too large: '%s' is over %zu bytes", p, AIDF_TOOL_MAX_FILE);
        goto out;
    }
    if (rc == AIDF_ENOTFOUND) {
        set_result(o, true, "Error: ENOENT: no such file or directory, open '%s'", p);
        goto out;
    }
    if (rc != AIDF_OK) {
        set_result(o, true, "Error: %s", err.msg);
        goto out;
    }
    free(o->result);
    o->result = aidf_utf8_sanitize(data, len);
    o->is_error = false;
out:
    free(data);
    tpath_release(&t);
}

/* ---- write_file ------------------------------------------------------------------- */

/* The stricter verdict on `rel` and, when it differs, on the lexical path. */
static enum aidf_scope_verdict scope_verdict(const struct aidf_scope *s, const struct tpath *t,
                                             const char **reason)
{
    enum aidf_scope_verdict v = aidf_scope_check_file(s, t->rel, reason);
    if (t->lexical) {
        const char *r2 = NULL;
        enum aidf_scope_verdict v2 = aidf_scope_check_file(s, t->lexical, &r2);
        if (v2 > v) {
            v = v2;
            *reason = r2;
        }
    }
    return v;
}

static void tool_write_file(const struct aidf_tool_ctx *c, const json_t *in,
                            struct aidf_tool_outcome *o)
{
    struct tpath t;
    char *dir = NULL;
    const char *p = get_str(in, "write_file", "path", false, true, NULL, o);
    if (!p)
        return;
    const char *content = get_str(in, "write_file", "content", false, false, NULL, o);
    if (!content)
        return;
    size_t clen = json_string_length(json_object_get(in, "content"));
    if (!resolve_path(c, p, &t, o))
        return;
    if (strcmp(t.rel, ".") == 0) {
        set_result(o, true, "Error: EISDIR: \"%s\" is the project root, not a file", p);
        goto out;
    }
    if (in_git_dir(t.rel) || (t.lexical && in_git_dir(t.lexical))) {
        set_result(o, true, "Error: writing inside .git is not allowed: \"%s\"", p);
        goto out;
    }
    if (c->scope) {
        const char *reason = NULL;
        if (scope_verdict(c->scope, &t, &reason) == AIDF_SCOPE_VERDICT_BLOCK) {
            struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
            aidf_buf_addf(&b, "SCOPE VIOLATION: Cannot write to \"%s\". %s.\n\nAllowed paths: ", p,
                          reason ? reason : "File is outside allowed scope");
            add_patterns(&b, &c->scope->allowed);
            aidf_buf_addstr(&b, "\nForbidden paths: ");
            add_patterns(&b, &c->scope->forbidden);
            aidf_buf_addstr(&b, "\n\nPlease only modify files within the allowed scope.");
            take_result(o, true, &b);
            goto out;
        }
    }
    if (clen > AIDF_TOOL_MAX_FILE) {
        set_result(o, true, "Error: content too large for \"%s\": %zu bytes (limit %zu bytes)", p,
                   clen, AIDF_TOOL_MAX_FILE);
        goto out;
    }
    struct stat st;
    if (stat(t.real, &st) == 0 && !S_ISREG(st.st_mode)) {
        set_result(o, true, "Error: \"%s\" is %s, not a regular file", p,
                   S_ISDIR(st.st_mode) ? "a directory" : "a special file");
        goto out;
    }
    dir = aidf_xstrdup(t.real);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    struct aidf_error err;
    if (aidf_mkdirs(dir, &err) != AIDF_OK ||
        aidf_write_file_atomic(t.real, content, clen, 0, &err) != AIDF_OK) {
        set_result(o, true, "Error: cannot write \"%s\": %s", p, err.msg);
        goto out;
    }
    set_result(o, false, "File written: %s", p);
    o->written = aidf_xstrdup(t.rel);
out:
    free(dir);
    tpath_release(&t);
}

/* ---- list_files ------------------------------------------------------------------- */

struct listing {
    const struct aidf_tool_ctx *ctx;
    const char *base; /* repository-relative path of the listed directory ("." the root) */
    const char *pattern;
    char **items;
    size_t n, cap;
    int glob_rc; /* a limit error of the matcher, 0 otherwise */
    bool hidden; /* something was left out because it may not be read */
};

/* May the entry `sub` (relative to the listed directory) be shown, or entered (`is_dir`)? */
static bool listable(struct listing *l, const char *sub, bool is_dir)
{
    char *rel = strcmp(l->base, ".") ? aidf_path_join(l->base, sub) : aidf_xstrdup(sub);
    bool ok = readable(l->ctx, rel, NULL, is_dir, NULL);
    free(rel);
    if (!ok)
        l->hidden = true;
    return ok;
}

/* Collect the files under abs directory `dir` (`rel`: its path relative to the listing). */
static void walk(struct listing *l, const char *dir, const char *rel, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && !l->glob_rc) {
        const char *name = e->d_name;
        if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git"))
            continue;
        char *abs = aidf_path_join(dir, name);
        char *sub = rel ? aidf_path_join(rel, name) : aidf_xstrdup(name);
        struct stat st;
        if (lstat(abs, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                /* A forbidden directory is not entered: its names are not shown either. */
                if (depth < LIST_MAX_DEPTH && listable(l, sub, true))
                    walk(l, abs, sub, depth + 1);
            } else {
                int m = aidf_glob_minimatch(l->pattern, sub);
                if (m == 1 && !listable(l, sub, false))
                    m = 0;
                if (m == 1) {
                    l->items = aidf_xgrow(l->items, &l->cap, l->n + 1, sizeof(*l->items));
                    l->items[l->n++] = sub;
                    sub = NULL;
                } else if (m < 0) {
                    l->glob_rc = m;
                }
            }
        }
        free(sub);
        free(abs);
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tool_list_files(const struct aidf_tool_ctx *c, const json_t *in,
                            struct aidf_tool_outcome *o)
{
    struct tpath t;
    struct listing l = {0};
    bool has_path = false, has_pattern = false;
    const char *p = get_str(in, "list_files", "path", true, true, &has_path, o);
    if (!p && o->result)
        return;
    const char *pattern = get_str(in, "list_files", "pattern", true, true, &has_pattern, o);
    if (!pattern && o->result)
        return;
    if (!has_path)
        p = ".";
    if (!has_pattern)
        pattern = "**/*";
    if (!resolve_path(c, p, &t, o))
        return;
    /* Before anything that could tell whether the directory exists. */
    const char *why = NULL;
    if (!readable(c, t.rel, t.lexical, true, &why)) {
        refuse_read(c, "list", p, why, o);
        goto out;
    }
    struct stat st;
    if (stat(t.real, &st) != 0) {
        set_result(o, true, "Error: ENOENT: no such file or directory, scandir '%s'", p);
        goto out;
    }
    if (!S_ISDIR(st.st_mode)) {
        set_result(o, true, "Error: ENOTDIR: '%s' is not a directory", p);
        goto out;
    }
    l.ctx = c;
    l.base = t.rel;
    l.pattern = pattern;
    /* Listing inside .git is pointless and noisy; the walk skips it below the start too. */
    walk(&l, t.real, NULL, 0);
    if (l.glob_rc) {
        set_result(o, true, "Error: invalid pattern \"%s\": %s", pattern,
                   l.glob_rc == AIDF_ETOOBIG ? "over the glob matcher's limits"
                                             : aidf_strerror(l.glob_rc));
        goto out;
    }
    if (l.n == 0) {
        set_result(o, false, "(no files match \"%s\" in \"%s\")%s", pattern, p,
                   l.hidden ? HIDDEN_NOTE : "");
        goto out;
    }
    qsort(l.items, l.n, sizeof(*l.items), cmp_str);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    size_t shown = l.n < AIDF_TOOL_MAX_LIST ? l.n : AIDF_TOOL_MAX_LIST;
    for (size_t i = 0; i < shown; i++)
        aidf_buf_addf(&b, "%s%s", i ? "\n" : "", l.items[i]);
    if (l.n > shown)
        aidf_buf_addf(&b, "\n... (%zu more)", l.n - shown);
    if (l.hidden)
        aidf_buf_addstr(&b, HIDDEN_NOTE);
    take_result(o, false, &b);
out:
    for (size_t i = 0; i < l.n; i++)
        free(l.items[i]);
    free(l.items);
    tpath_release(&t);
}

/* ---- run_command ------------------------------------------------------------------ */

static void tool_run_command(const struct aidf_tool_ctx *c, const json_t *in,
                             struct aidf_tool_outcome *o)
{
    char *why = NULL, *root_real = NULL;
    struct aidf_proc_result res;
    memset(&res, 0, sizeof(res));
    const char *cmd = get_str(in, "run_command", "command", false, true, NULL, o);
    if (!cmd)
        return;
    if (strspn(cmd, " \t\r\n\v\f") == strlen(cmd)) {
        set_result(o, true, "Invalid arguments for run_command: 'command' must not be empty");
        return;
    }
    if (aidf_cmdpolicy_check(c->cmd_allowed, c->cmd_blocked, c->cmd_strict, cmd, &why) !=
        AIDF_CMD_ALLOW) {
        set_result(o, true, "%s", why ? why : "Command blocked by policy");
        goto out;
    }
    if (!c->root || !(root_real = realpath(c->root, NULL))) {
        set_result(o, true, "Error: cannot resolve the project root '%s': %s",
                   c->root ? c->root : "(none)", strerror(errno));
        goto out;
    }
    int64_t timeout = c->cmd_timeout_ms > 0 ? c->cmd_timeout_ms : AIDF_TOOL_DEFAULT_CMD_TIMEOUT_MS;
    struct aidf_proc_spec spec = {0};
    spec.shell_cmd = cmd;
    spec.merge_stderr = true;
    spec.timeout_ms = timeout;
    spec.max_output = c->cmd_output_cap ? c->cmd_output_cap : AIDF_TOOL_DEFAULT_CMD_OUTPUT;
    spec.cancel = c->cancel;
    struct aidf_error err;
    aidf_error_clear(&err);
    int rc = aidf_sandbox_run(c->sandbox, root_real, &spec, &res, &err);
    if (rc != AIDF_OK) {
        set_result(o, true, "Error: cannot run the command: %s",
                   res.spawn_error[0] ? res.spawn_error : err.msg);
        goto out;
    }
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    bool is_error = false;
    if (res.timed_out) {
        aidf_buf_addf(&b, "Command timed out after %gs\n", (double)timeout / 1000.0);
        is_error = true;
    } else if (res.cancelled) {
        aidf_buf_addstr(&b, "Command cancelled\n");
        is_error = true;
    } else if (res.term_signal) {
        aidf_buf_addf(&b, "Exit code: %d (killed by signal %d)\n", res.exit_code, res.term_signal);
    } else {
        aidf_buf_addf(&b, "Exit code: %d\n", res.exit_code);
    }
    aidf_buf_add(&b, res.out, res.out_len);
    if (res.out_truncated)
        aidf_buf_addf(&b, "%s... (output truncated)",
                      res.out_len && res.out[res.out_len - 1] != '\n' ? "\n" : "");
    take_result(o, is_error, &b);
out:
    aidf_proc_result_release(&res);
    free(root_real);
    free(why);
}

/* ---- task_complete / task_blocked ------------------------------------------------- */

static void tool_task_complete(const json_t *in, struct aidf_tool_outcome *o)
{
    const char *summary = get_str(in, "task_complete", "summary", false, false, NULL, o);
    if (!summary)
        return;
    o->complete = true;
    o->reason = aidf_xstrdup(summary);
    set_result(o, false, "Task completed: %s", summary);
}

static void tool_task_blocked(const json_t *in, struct aidf_tool_outcome *o)
{
    bool has_att = false, has_sug = false;
    const char *reason = get_str(in, "task_blocked", "reason", false, false, NULL, o);
    if (!reason)
        return;
    const char *att = get_str(in, "task_blocked", "attempted", true, false, &has_att, o);
    if (!att && o->result)
        return;
    const char *sug = get_str(in, "task_blocked", "suggestion", true, false, &has_sug, o);
    if (!sug && o->result)
        return;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, reason);
    if (has_att && *att)
        aidf_buf_addf(&b, " (attempted: %s)", att);
    if (has_sug && *sug)
        aidf_buf_addf(&b, " (suggestion: %s)", sug);
    o->blocked = true;
    o->reason = aidf_buf_detach(&b, NULL);
    set_result(o, false, "Task blocked: %s", o->reason);
}

/* ---- dispatch --------------------------------------------------------------------- */

void aidf_tool_run(const struct aidf_tool_ctx *c, const char *name, const json_t *input,
                   struct aidf_tool_outcome *out)
{
    memset(out, 0, sizeof(*out));
    const char *tool = name ? name : "";
    static const char *const known[] = {"read_file",   "write_file",    "list_files",
                                        "run_command", "task_complete", "task_blocked"};
    size_t k = 0;
    while (k < sizeof(known) / sizeof(known[0]) && strcmp(tool, known[k]) != 0)
        k++;
    if (k == sizeof(known) / sizeof(known[0])) {
        set_result(out, true, "Unknown tool: %s", tool);
    } else if (!json_is_object(input)) {
        set_result(out, true, "Invalid arguments for %s: expected a JSON object", tool);
    } else if (k == 0) {
        tool_read_file(c, input, out);
    } else if (k == 1) {
        tool_write_file(c, input, out);
    } else if (k == 2) {
        tool_list_files(c, input, out);
    } else if (k == 3) {
        tool_run_command(c, input, out);
    } else if (k == 4) {
        tool_task_complete(input, out);
    } else {
        tool_task_blocked(input, out);
    }
    if (!out->result)
        set_result(out, true, "Error: %s failed", tool);
    /* The text goes into JSON: keep it valid UTF-8 whatever a file or command produced. */
    char *clean = aidf_utf8_sanitize(out->result, strlen(out->result));
    free(out->result);
    out->result = clean;
}

void aidf_tool_outcome_release(struct aidf_tool_outcome *o)
{
    if (!o)
        return;
    free(o->result);
    free(o->reason);
    free(o->written);
    memset(o, 0, sizeof(*o));
}

/* ---- schemas ---------------------------------------------------------------------- */

struct prop {
    const char *name, *description;
    bool required;
};

struct tool_def {
    const char *name, *description;
    struct prop props[3];
};

static const struct tool_def TOOLS[] = {
    {"read_file",
     "Read contents of a file. Paths are relative to the project root.",
     {{"path", "Path of the file to read, relative to the project root", true}}},
    {"write_file",
     "Write content to a file. Creates parent directories and replaces the whole file; "
     "paths are relative to the project root.",
     {{"path", "Path of the file to write, relative to the project root", true},
      {"content", "The complete new content of the file", true}}},
    {"list_files",
     "List files in a directory. Lists files recursively (directories themselves are not "
     "listed), as paths relative to the given directory.",
     {{"path", "Directory to list, relative to the project root (default \".\")", false},
      {"pattern", "Glob pattern the listed paths must match (default \"**/*\")", false}}},
    {"run_command",
     "Run a shell command. It runs with /bin/sh in the project root, with stdout and stderr "
     "combined and a time limit.",
     {{"command", "The shell command to run", true}}},
    {"task_complete",
     "Signal that the task is complete. Call it once every requirement of the task is met.",
     {{"summary", "A short summary of what was done", true}}},
    {"task_blocked",
     "Signal that the task is blocked and needs human input. Use it when you cannot make "
     "progress without a decision or access you do not have.",
     {{"reason", "Why the task cannot proceed", true},
      {"attempted", "What was tried before giving up", false},
      {"suggestion", "What a human could do to unblock the task", false}}},
};

static json_t *schema_of(const struct tool_def *d)
{
    json_t *props = json_object(), *req = json_array();
    for (size_t i = 0; i < sizeof(d->props) / sizeof(d->props[0]) && d->props[i].name; i++) {
        const struct prop *p = &d->props[i];
        json_object_set_new(
            props, p->name,
            json_pack("{s:s, s:s}", "type", "string", "description", p->description));
        if (p->required)
            json_array_append_new(req, json_string(p->name));
    }
    return json_pack("{s:s, s:o, s:o}", "type", "object", "properties", props, "required", req);
}

json_t *aidf_tools_anthropic(void)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof(TOOLS) / sizeof(TOOLS[0]); i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "name", TOOLS[i].name,
                                             "description", TOOLS[i].description, "input_schema",
                                             schema_of(&TOOLS[i])));
    return arr;
}

json_t *aidf_tools_openai(void)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof(TOOLS) / sizeof(TOOLS[0]); i++)
        json_array_append_new(arr,
                              json_pack("{s:s, s:{s:s, s:s, s:o}}", "type", "function", "function",
                                        "name", TOOLS[i].name, "description", TOOLS[i].description,
                                        "parameters", schema_of(&TOOLS[i])));
    return arr;
}
