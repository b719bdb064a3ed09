/*
 * Config defaults, lifetime and file discovery. The parser (and the tables of names it
 * accepts) is in config_parse.c.
 */
#include "aidf/config.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/fsutil.h"
#include "aidf/xalloc.h"
#include "config_int.h"

const char *aidf_scope_mode_name(enum aidf_scope_mode m)
{
    if ((int)m < 0 || m > AIDF_SCOPE_PERMISSIVE)
        return "ask";
    return aidf_config_scope_names[m];
}

const char *aidf_sandbox_mode_name(enum aidf_sandbox_mode m)
{
    if ((int)m < 0 || m > AIDF_SANDBOX_OFF)
        return "auto";
    return aidf_config_sandbox_names[m];
}

const char *aidf_notify_level_name(enum aidf_notify_level l)
{
    if ((int)l < 0 || l > AIDF_NOTIFY_BLOCKED)
        return "all";
    return aidf_config_level_names[l];
}

void aidf_config_init_defaults(struct aidf_config *c)
{
    memset(c, 0, sizeof(*c));
    c->version = 1;
    c->provider.type = aidf_xstrdup("claude-cli");
    c->execution.max_iterations = 50;
    c->execution.max_consecutive_failures = 3;
    c->execution.timeout_per_iteration = 300;
    c->execution.session_continuation = true;
    c->permissions.scope_enforcement = AIDF_SCOPE_ASK;
    c->permissions.auto_commit = true;
    c->validation.command_timeout = 300;
    c->git.commit_prefix = aidf_xstrdup("aidf:");
    c->git.branch_prefix = aidf_xstrdup("aidf/");
    c->notifications.level = AIDF_NOTIFY_ALL;
    c->notifications.email.smtp_port = 587;
    c->skills.enabled = true;
    c->skills.block_suspicious = true;
    c->security.skip_permissions = true;
    c->security.warn_on_skip = true;
    aidf_rate_table_init_builtin(&c->cost.rates);
    c->cost.currency = aidf_xstrdup("USD");
    c->observability.webhook.events[AIDF_STATUS_COMPLETED] = true;
    c->observability.webhook.events[AIDF_STATUS_BLOCKED] = true;
    c->observability.webhook.events[AIDF_STATUS_FAILED] = true;
    c->observability.webhook.timeout_ms = 10000;
    c->observability.webhook.retry = 2;
    c->observability.server.token_env = aidf_xstrdup("AIDF_SERVER_TOKEN");
    c->observability.actor = true;
}

void aidf_config_release(struct aidf_config *c)
{
    if (!c)
        return;
    free(c->path);
    free(c->framework);
    free(c->project.name);
    free(c->project.type);
    free(c->project.description);
    free(c->provider.type);
    free(c->provider.model);
    free(c->provider.binary);
    aidf_strlist_release(&c->validation.pre_commit);
    aidf_strlist_release(&c->validation.pre_push);
    aidf_strlist_release(&c->validation.pre_pr);
    free(c->git.commit_prefix);
    free(c->git.branch_prefix);
    free(c->notifications.slack.webhook_url);
    free(c->notifications.discord.webhook_url);
    free(c->notifications.email.smtp_host);
    free(c->notifications.email.smtp_user);
    free(c->notifications.email.smtp_pass);
    free(c->notifications.email.from);
    free(c->notifications.email.to);
    free(c->notifications.webhook.url);
    aidf_kvlist_release(&c->notifications.webhook.headers);
    aidf_strlist_release(&c->skills.directories);
    aidf_strlist_release(&c->skills.extras);
    aidf_strlist_release(&c->security.allowed);
    aidf_strlist_release(&c->security.blocked);
    aidf_strlist_release(&c->security.sandbox.env);
    aidf_rate_table_release(&c->cost.rates);
    free(c->cost.currency);
    free(c->observability.reports_dir);
    free(c->observability.project);
    aidf_kvlist_release(&c->observability.tags);
    free(c->observability.webhook.url);
    aidf_kvlist_release(&c->observability.webhook.headers);
    free(c->observability.webhook.secret);
    free(c->observability.server.url);
    free(c->observability.server.token_env);
    memset(c, 0, sizeof(*c));
}

int aidf_config_load(const char *root, unsigned flags, struct aidf_config *c,
                     struct aidf_error *err)
{
    static const char *const names[] = {".ai/config.yml", ".ai/config.yaml", ".ai/config.json"};

    aidf_config_init_defaults(c);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *p = aidf_path_join(root, names[i]);
        char *text = NULL;
        size_t len = 0;
        struct aidf_error e = {0};
        int rc = aidf_read_file(p, AIDF_CONFIG_MAX_BYTES, &text, &len, &e);
        if (rc == AIDF_ENOTFOUND) {
            free(p);
            continue;
        }
        if (rc == AIDF_ETOOBIG) {
            rc = aidf_fail(err, AIDF_ETOOBIG, "%s: config file is larger than %u bytes", p,
                           AIDF_CONFIG_MAX_BYTES);
            free(p);
            return rc;
        }
        if (rc) {
            rc = aidf_fail(err, rc, "%s", e.msg);
            free(p);
            return rc;
        }
        c->path = p;
        rc = aidf_config_parse(text, len, p, flags, c, err);
        free(text);
        return rc;
    }
    return AIDF_OK;
}
