/*
 * The run's project, actor and tags (see include/aidf/run_identity.h).
 */
#include "aidf/run_identity.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/giturl.h"
#include "aidf/tags.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

/* The longest project name or actor kept; longer values are cut at a character boundary
 * (no CI, forge or e-mail address produces more). */
#define IDENTITY_MAX 256

static const char *env(const struct aidf_identity_inputs *in, const char *name)
{
    const char *v = in->getenv_fn ? in->getenv_fn(name, in->getenv_ctx) : getenv(name);
    return (v && *v) ? v : NULL;
}

/* A copy of `s` that a report can hold: valid UTF-8 (bad bytes become U+FFFD), no control
 * characters (dropped), at most IDENTITY_MAX bytes; NULL for NULL or what ends up empty. */
static char *clean_copy(const char *s)
{
    if (!s)
        return NULL;
    char *u = aidf_utf8_sanitize(s, strlen(s));
    size_t o = 0, n = strlen(u);
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = aidf_utf8_decode(u + i, n - i, &cp);
        if (!k)
            k = 1;
        bool control = cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
        if (!control) {
            if (o + k > IDENTITY_MAX)
                break;
            memmove(u + o, u + i, k);
            o += k;
        }
        i += k;
    }
    u[o] = '\0';
    if (!o) {
        free(u);
        return NULL;
    }
    return u;
}

static char *project_name(const struct aidf_identity_inputs *in)
{
    const struct aidf_config *c = in->config;
    if (c && c->observability.project && *c->observability.project)
        return clean_copy(c->observability.project);
    if (in->ci && in->ci->repository)
        return clean_copy(in->ci->repository);
    if (in->git && in->git->remote_url) {
        char *slug = aidf_giturl_slug(in->git->remote_url);
        if (slug) {
            char *r = clean_copy(slug);
            free(slug);
            return r;
        }
    }
    if (c && c->project.name && *c->project.name)
        return clean_copy(c->project.name);
    return NULL;
}

static char *actor(const struct aidf_identity_inputs *in)
{
    if (in->config && !in->config->observability.actor)
        return NULL;
    const char *a = env(in, "AIDF_ACTOR");
    if (!a && in->ci)
        a = in->ci->actor;
    if (!a && in->git)
        a = in->git->user_email;
    return clean_copy(a);
}

static int tags(const struct aidf_identity_inputs *in, struct aidf_kvlist *out,
                struct aidf_error *err)
{
    const struct aidf_kvlist *cfg = in->config ? &in->config->observability.tags : NULL;
    for (size_t i = 0; cfg && i < cfg->n; i++) {
        int rc =
            aidf_tags_set(out, cfg->items[i].key, cfg->items[i].value, "observability.tags", err);
        if (rc != AIDF_OK)
            return rc;
    }
    const char *list = env(in, "AIDF_TAGS");
    if (list) {
        int rc = aidf_tags_parse_list(out, list, "AIDF_TAGS", err);
        if (rc != AIDF_OK)
            return rc;
    }
    for (size_t i = 0; in->cli_tags && i < in->cli_tags->n; i++) {
        int rc = aidf_tags_parse_assignment(out, in->cli_tags->items[i], "--tag", err);
        if (rc != AIDF_OK)
            return rc;
    }
    return AIDF_OK;
}

int aidf_run_identity_resolve(const struct aidf_identity_inputs *in, struct aidf_run_identity *out,
                              struct aidf_error *err)
{
    memset(out, 0, sizeof(*out));
    out->project_name = project_name(in);
    if (in->git && in->git->remote_url)
        out->repository = aidf_giturl_redact(in->git->remote_url);
    const char *branch = in->git ? in->git->branch : NULL;
    if (!branch && in->ci)
        branch = in->ci->branch;
    out->branch = clean_copy(branch);
    const char *commit = in->git ? in->git->head : NULL;
    if (!commit && in->ci)
        commit = in->ci->commit;
    out->commit = clean_copy(commit);
    out->actor = actor(in);
    return tags(in, &out->tags, err);
}

void aidf_run_identity_release(struct aidf_run_identity *id)
{
    if (!id)
        return;
    free(id->project_name);
    free(id->repository);
    free(id->branch);
    free(id->commit);
    free(id->actor);
    aidf_kvlist_release(&id->tags);
    memset(id, 0, sizeof(*id));
}
