/*
 * Provider construction and the result helpers shared by every provider.
 */
#include "aidf/provider.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/report.h"
#include "aidf/xalloc.h"

static const struct {
    const char *type;
    int (*init)(struct aidf_provider *p, struct aidf_error *err);
} known[] = {
    {"claude-cli", aidf_provider_claude_init},
    {"cursor-cli", aidf_provider_cursor_init},
    {"anthropic-api", aidf_provider_anthropic_init},
    {"openai-api", aidf_provider_openai_init},
};

bool aidf_provider_type_known(const char *type)
{
    for (size_t i = 0; type && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(type, known[i].type) == 0)
            return true;
    return false;
}

int aidf_provider_new(const char *type, const char *root, const struct aidf_config *cfg,
                      const struct aidf_context *ctx, struct aidf_provider **out,
                      struct aidf_error *err)
{
    for (size_t i = 0; type && i < sizeof(known) / sizeof(known[0]); i++) {
        if (strcmp(type, known[i].type) != 0)
            continue;
        struct aidf_provider *p = aidf_xcalloc(1, sizeof(*p));
        p->type = known[i].type;
        p->cwd = aidf_xstrdup(root);
        p->cfg = cfg;
        p->ctx = ctx;
        p->model = cfg && cfg->provider.model && *cfg->provider.model
                       ? aidf_xstrdup(cfg->provider.model)
                       : NULL;
        p->skip_permissions = cfg ? cfg->security.skip_permissions : true;
        int rc = known[i].init(p, err);
        if (rc != AIDF_OK) {
            aidf_provider_free(p);
            return rc;
        }
        *out = p;
        return AIDF_OK;
    }
    return aidf_fail(err, AIDF_EINVAL, "Unknown provider type: %s", type ? type : "(none)");
}

void aidf_provider_free(struct aidf_provider *p)
{
    if (!p)
        return;
    if (p->impl_free)
        p->impl_free(p->impl);
    free(p->binary);
    free(p->model);
    free(p->cwd);
    free(p);
}

void aidf_provider_result_init(struct aidf_provider_result *r)
{
    memset(r, 0, sizeof(*r));
    r->output = aidf_xstrdup("");
    r->input = r->output_tokens = r->cache_read = r->cache_write = r->reasoning = AIDF_UNSET;
    r->cost_usd = NAN;
    r->exit_code = AIDF_UNSET;
}

void aidf_provider_result_release(struct aidf_provider_result *r)
{
    free(r->output);
    free(r->error);
    free(r->session_id);
    free(r->model);
    free(r->blocked_reason);
    aidf_strlist_release(&r->files_written);
    memset(r, 0, sizeof(*r));
}

void aidf_provider_result_fail(struct aidf_provider_result *r, enum aidf_provider_failure f,
                               const char *category, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->failure = f;
    r->category = category;
    r->code = code;
    free(r->error);
    r->error = aidf_xstrdup(msg);
}
