/*
 * Execution context: AGENTS.md, the role,
 * the task, IMPLEMENTATION_PLAN.md and the role's skills, read in upstream's order (task,
 * role, AGENTS.md, plan) so the first missing file is the one reported, plus the token
 * estimate of each part.
 */
#include "context_int.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/textutil.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

int64_t aidf_estimate_tokens(const char *s)
{
    if (!s)
        return 0;
    /*
     * Code points of well-formed UTF-8; each byte of a malformed sequence counts as one
     * (as a decoder's U+FFFD would). The original TypeScript aidf counts UTF-16 units, so
     * characters outside the BMP count 1 here and 2 there.
     */
    size_t len = strlen(s), i = 0;
    int64_t cps = 0;
    while (i < len) {
        size_t n = aidf_utf8_decode(s + i, len - i, NULL);
        i += n ? n : 1;
        cps++;
    }
    return (cps + 3) / 4;
}

/*
 * Read an optional or required .ai/ file, CRLF→LF. AIDF_ENOTFOUND is returned without
 * a message (the caller words it); NUL bytes and invalid UTF-8 (a Latin-1 file, say: the
 * APIs refuse such text) are AIDF_EINVAL.
 */
static int read_text(const char *path, char **out, struct aidf_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = aidf_read_file(path, AIDF_CONTEXT_MAX_FILE, &text, &len, err);
    if (rc)
        return rc;
    if (memchr(text, '\0', len)) {
        free(text);
        return aidf_fail(err, AIDF_EINVAL, "'%s' contains NUL bytes", path);
    }
    size_t bad = aidf_utf8_invalid_at(text, len);
    if (bad < len) {
        free(text);
        return aidf_fail(err, AIDF_EINVAL,
                         "'%s' is not valid UTF-8 (byte offset %zu); save it as UTF-8", path, bad);
    }
    aidf_text_crlf_to_lf(text, len);
    *out = text;
    return AIDF_OK;
}

/* The role name comes from a file: it must stay a plain file name under roles/. */
static bool valid_role(const char *r)
{
    return r[0] != '\0' && r[0] != '.' && strchr(r, '/') == NULL;
}

/* Keep the skills named aidf-<role> (moved into ctx) and free the others. */
static void inject_skills(struct aidf_context *c, struct aidf_skill *all, size_t n)
{
    size_t want_len = strlen(c->role_name) + 5;
    char *want = aidf_xmalloc(want_len + 1);
    memcpy(want, "aidf-", 5);
    memcpy(want + 5, c->role_name, want_len - 5 + 1);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(all[i].name, want) == 0)
            all[kept++] = all[i];
        else
            aidf_skill_release(&all[i]);
    }
    free(want);
    if (!kept) {
        free(all);
        return;
    }
    c->skills = all;
    c->n_skills = kept;
    c->skills_xml = aidf_skills_xml(c->skills, c->n_skills);
}

int aidf_context_load(const char *root, const char *task_path, const struct aidf_config *cfg,
                      struct aidf_context *out, struct aidf_error *err)
{
    memset(out, 0, sizeof(*out));
    char *ai = NULL, *path = NULL, *roles = NULL;
    int rc;

    out->root = aidf_xstrdup(root);
    ai = aidf_path_join(root, ".ai");

    rc = aidf_task_load(task_path, &out->task, err);
    if (rc)
        goto out;

    /* Upstream: suggestedRoles[0] || 'developer', so an empty entry is the default too. */
    out->role_name = aidf_xstrdup(out->task.role && *out->task.role ? out->task.role : "developer");
    if (!valid_role(out->role_name)) {
        rc = aidf_fail(err, AIDF_EINVAL, "invalid role name '%s' in '%s'", out->role_name,
                       task_path);
        goto out;
    }
    roles = aidf_path_join(ai, "roles");
    size_t rl = strlen(out->role_name);
    char *file = aidf_xmalloc(rl + 4);
    memcpy(file, out->role_name, rl);
    memcpy(file + rl, ".md", 4);
    path = aidf_path_join(roles, file);
    free(file);
    rc = read_text(path, &out->role, err);
    if (rc == AIDF_ENOTFOUND)
        rc = aidf_fail(err, rc, "Role file not found: %s. Available roles are in %s", path, roles);
    if (rc)
        goto out;

    free(path);
    path = aidf_path_join(ai, "AGENTS.md");
    rc = read_text(path, &out->agents, err);
    if (rc == AIDF_ENOTFOUND)
        rc = aidf_fail(err, rc, "AGENTS.md not found at %s. Run `aidf init` first.", path);
    if (rc)
        goto out;

    free(path);
    path = aidf_path_join(ai, "IMPLEMENTATION_PLAN.md");
    rc = read_text(path, &out->plan, err);
    if (rc == AIDF_ENOTFOUND) {
        aidf_error_clear(err);
        rc = AIDF_OK;
    }
    if (rc)
        goto out;

    bool enabled = cfg ? cfg->skills.enabled : true;
    if (enabled) {
        struct aidf_skill *all = NULL;
        size_t n = 0;
        aidf_skills_discover(root, cfg ? &cfg->skills.directories : NULL,
                             cfg ? cfg->skills.block_suspicious : true, &all, &n);
        inject_skills(out, all, n);
    }

    out->tok_agents = aidf_estimate_tokens(out->agents);
    out->tok_role = aidf_estimate_tokens(out->role);
    out->tok_task = aidf_estimate_tokens(out->task.raw);
    out->tok_plan = aidf_estimate_tokens(out->plan);
    out->tok_skills = aidf_estimate_tokens(out->skills_xml);
    out->tok_total =
        out->tok_agents + out->tok_role + out->tok_task + out->tok_plan + out->tok_skills;
out:
    free(ai);
    free(path);
    free(roles);
    return rc;
}

void aidf_context_release(struct aidf_context *c)
{
    if (!c)
        return;
    free(c->root);
    free(c->agents);
    free(c->role_name);
    free(c->role);
    aidf_task_release(&c->task);
    free(c->plan);
    aidf_skills_free(c->skills, c->n_skills);
    free(c->skills_xml);
    memset(c, 0, sizeof(*c));
}
