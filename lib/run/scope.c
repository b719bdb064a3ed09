/* Scope guard decisions: which changed files are allowed, need approval, or are blocked. */
#include "aidf/scope.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/glob.h"
#include "aidf/path.h"
#include "aidf/xalloc.h"

void aidf_scope_init(struct aidf_scope *s, enum aidf_scope_mode mode)
{
    memset(s, 0, sizeof(*s));
    s->mode = mode;
}

void aidf_scope_release(struct aidf_scope *s)
{
    if (!s)
        return;
    aidf_strlist_release(&s->allowed);
    aidf_strlist_release(&s->forbidden);
    aidf_strlist_release(&s->ask_before);
}

/* Does any pattern match? An over-limit pattern counts as `on_error`. */
static bool any_match(const struct aidf_strlist *l, const char *path, bool on_error)
{
    for (size_t i = 0; i < l->n; i++) {
        int rc = aidf_glob_match_ex(l->items[i], path);
        if (rc == 1 || (rc < 0 && on_error))
            return true;
    }
    return false;
}

enum aidf_scope_verdict aidf_scope_check_file(const struct aidf_scope *s, const char *path,
                                              const char **reason)
{
    const char *why = NULL;
    enum aidf_scope_verdict v = AIDF_SCOPE_VERDICT_ALLOW;
    /* Globs see the normalised path, so "src/../.env" is judged as ".env". */
    char *p = path ? aidf_path_normalize(path, strlen(path)) : NULL;
    if (!p || aidf_path_escapes(p)) {
        free(p);
        if (reason)
            *reason = "File is outside the repository";
        return AIDF_SCOPE_VERDICT_BLOCK;
    }
    if (any_match(&s->forbidden, p, true)) {
        v = AIDF_SCOPE_VERDICT_BLOCK;
        why = "File is in forbidden scope";
    } else if (s->ask_before.n > 0 && any_match(&s->ask_before, p, true)) {
        if (s->mode != AIDF_SCOPE_PERMISSIVE) {
            v = AIDF_SCOPE_VERDICT_ASK;
            why = "File requires approval before modification";
        }
    } else if (s->allowed.n > 0 && !any_match(&s->allowed, p, false)) {
        if (s->mode == AIDF_SCOPE_STRICT) {
            v = AIDF_SCOPE_VERDICT_BLOCK;
            why = "File is outside allowed scope";
        } else if (s->mode == AIDF_SCOPE_ASK) {
            v = AIDF_SCOPE_VERDICT_ASK;
            why = "File is outside allowed scope";
        }
    }
    free(p);
    if (reason)
        *reason = why;
    return v;
}

bool aidf_scope_is_env_file(const char *path)
{
    static const char *const templates[] = {".example", ".sample", ".template", ".dist", NULL};
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    size_t n = strlen(name);
    if (!strcmp(name, ".env") || !strcmp(name, ".envrc"))
        return true;
    if (!strncmp(name, ".env.", 5)) {
        for (size_t k = 0; templates[k]; k++) {
            size_t tl = strlen(templates[k]);
            if (n == 4 + tl && !strcmp(name + 4, templates[k]))
                return false;
        }
        return true;
    }
    return n > 4 && !strcmp(name + n - 4, ".env");
}

/* Does an allowed pattern that names environment files (".env" in its last segment) match? */
static bool env_allowed(const struct aidf_scope *s, const char *path)
{
    for (size_t i = 0; s && i < s->allowed.n; i++) {
        const char *pat = s->allowed.items[i];
        const char *slash = strrchr(pat, '/');
        const char *last = slash ? slash + 1 : pat;
        if (strstr(last, ".env") && aidf_glob_match_ex(pat, path) == 1)
            return true;
    }
    return false;
}

enum aidf_scope_verdict aidf_scope_check_read(const struct aidf_scope *s, const char *path,
                                              bool is_dir, const char **reason)
{
    const char *why = NULL;
    char *p = path ? aidf_path_normalize(path, strlen(path)) : NULL;
    if (!p || aidf_path_escapes(p))
        why = "File is outside the repository";
    else if (s && any_match(&s->forbidden, p, true))
        why = "File is in forbidden scope";
    else if (!is_dir && aidf_scope_is_env_file(p) && !env_allowed(s, p))
        why = "Environment files (.env, .env.*, *.env, .envrc) are not readable unless the "
              "task's allowed scope names them";
    free(p);
    if (reason)
        *reason = why;
    return why ? AIDF_SCOPE_VERDICT_BLOCK : AIDF_SCOPE_VERDICT_ALLOW;
}

/* How to revert a blocked change: created files are deleted, others checked out. */
static enum aidf_revert_action revert_action(enum aidf_change_kind kind)
{
    return kind == AIDF_CHANGE_CREATED ? AIDF_REVERT_DELETE : AIDF_REVERT_CHECKOUT;
}

enum aidf_scope_verdict aidf_scope_check_changes(const struct aidf_scope *s,
                                                 const struct aidf_file_change *changes, size_t n,
                                                 struct aidf_scope_result *out)
{
    memset(out, 0, sizeof(*out));
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
        enum aidf_scope_verdict v = aidf_scope_check_file(s, changes[i].path, NULL);
        if (v == AIDF_SCOPE_VERDICT_BLOCK) {
            out->blocked_revert = aidf_xgrow(out->blocked_revert, &cap, out->blocked.n + 1,
                                             sizeof(*out->blocked_revert));
            out->blocked_revert[out->blocked.n] = revert_action(changes[i].kind);
            aidf_strlist_add(&out->blocked, changes[i].path);
        } else if (v == AIDF_SCOPE_VERDICT_ASK) {
            aidf_strlist_add(&out->ask, changes[i].path);
        }
    }
    char buf[96];
    if (out->blocked.n > 0) {
        out->verdict = AIDF_SCOPE_VERDICT_BLOCK;
        out->error_code = "SCOPE_FORBIDDEN";
        snprintf(buf, sizeof(buf), "%zu file(s) in forbidden or outside allowed scope",
                 out->blocked.n);
        out->reason = aidf_xstrdup(buf);
    } else if (out->ask.n > 0) {
        out->verdict = AIDF_SCOPE_VERDICT_ASK;
        out->error_code = "SCOPE_OUTSIDE_ALLOWED";
        snprintf(buf, sizeof(buf), "%zu file(s) require approval", out->ask.n);
        out->reason = aidf_xstrdup(buf);
    }
    return out->verdict;
}

void aidf_scope_result_release(struct aidf_scope_result *r)
{
    if (!r)
        return;
    free(r->reason);
    free(r->blocked_revert);
    aidf_strlist_release(&r->blocked);
    aidf_strlist_release(&r->ask);
    memset(r, 0, sizeof(*r));
}
