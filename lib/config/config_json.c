/*
 * The effective config as JSON (for `aidf status --json`), secrets masked.
 */
#include "aidf/config.h"

#include <math.h>

/* Values expanded from the environment need not be UTF-8; jansson refuses those. */
static json_t *str_or_null(const char *s)
{
    json_t *j;
    if (!s)
        return json_null();
    j = json_string(s);
    return j ? j : json_string("(invalid UTF-8)");
}

/* "***" for a set secret, null for an unset one: shows that a value exists, not what. */
static json_t *secret(const char *s)
{
    return s && *s ? json_string("***") : json_null();
}

static json_t *num_or_null(double d)
{
    return isfinite(d) ? json_real(d) : json_null();
}

static json_t *strlist(const struct aidf_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->n; i++)
        json_array_append_new(a, str_or_null(l->items[i]));
    return a;
}

static json_t *headers_masked(const struct aidf_kvlist *l)
{
    json_t *o = json_object();
    for (size_t i = 0; i < l->n; i++)
        json_object_set_new(o, l->items[i].key, json_string("***"));
    return o;
}

static json_t *channel(bool enabled, const char *webhook_url)
{
    return json_pack("{s:b, s:o}", "enabled", enabled, "webhook_url", secret(webhook_url));
}

json_t *aidf_config_to_json(const struct aidf_config *c)
{
    json_t *o = json_object();

    json_object_set_new(o, "path", str_or_null(c->path));
    json_object_set_new(o, "version", json_real(c->version));
    json_object_set_new(o, "framework", str_or_null(c->framework));
    json_object_set_new(o, "project",
                        json_pack("{s:o, s:o, s:o}", "name", str_or_null(c->project.name), "type",
                                  str_or_null(c->project.type), "description",
                                  str_or_null(c->project.description)));
    json_object_set_new(o, "provider",
                        json_pack("{s:o, s:o, s:o}", "type", str_or_null(c->provider.type), "model",
                                  str_or_null(c->provider.model), "binary",
                                  str_or_null(c->provider.binary)));
    json_object_set_new(o, "execution",
                        json_pack("{s:i, s:i, s:f, s:b}", "max_iterations",
                                  c->execution.max_iterations, "max_consecutive_failures",
                                  c->execution.max_consecutive_failures, "timeout_per_iteration",
                                  c->execution.timeout_per_iteration, "session_continuation",
                                  c->execution.session_continuation));
    json_object_set_new(o, "permissions",
                        json_pack("{s:s, s:b, s:b, s:b}", "scope_enforcement",
                                  aidf_scope_mode_name(c->permissions.scope_enforcement),
                                  "auto_commit", c->permissions.auto_commit, "auto_push",
                                  c->permissions.auto_push, "auto_pr", c->permissions.auto_pr));
    json_object_set_new(o, "validation",
                        json_pack("{s:o, s:o, s:o, s:f}", "pre_commit",
                                  strlist(&c->validation.pre_commit), "pre_push",
                                  strlist(&c->validation.pre_push), "pre_pr",
                                  strlist(&c->validation.pre_pr), "command_timeout",
                                  c->validation.command_timeout));
    json_object_set_new(o, "git",
                        json_pack("{s:o, s:o}", "commit_prefix", str_or_null(c->git.commit_prefix),
                                  "branch_prefix", str_or_null(c->git.branch_prefix)));

    json_t *email = json_pack(
        "{s:b, s:o, s:i, s:o, s:o, s:o, s:o}", "enabled", c->notifications.email.enabled,
        "smtp_host", str_or_null(c->notifications.email.smtp_host), "smtp_port",
        c->notifications.email.smtp_port, "smtp_user",
        str_or_null(c->notifications.email.smtp_user), "smtp_pass",
        secret(c->notifications.email.smtp_pass), "from", str_or_null(c->notifications.email.from),
        "to", str_or_null(c->notifications.email.to));
    json_t *nwh = json_pack("{s:b, s:o, s:o}", "enabled", c->notifications.webhook.enabled, "url",
                            str_or_null(c->notifications.webhook.url), "headers",
                            headers_masked(&c->notifications.webhook.headers));
    json_object_set_new(
        o, "notifications",
        json_pack("{s:s, s:{s:b}, s:o, s:o, s:o, s:o}", "level",
                  aidf_notify_level_name(c->notifications.level), "desktop", "enabled",
                  c->notifications.desktop.enabled, "slack",
                  channel(c->notifications.slack.enabled, c->notifications.slack.webhook_url),
                  "discord",
                  channel(c->notifications.discord.enabled, c->notifications.discord.webhook_url),
                  "email", email, "webhook", nwh));
    json_object_set_new(o, "skills",
                        json_pack("{s:b, s:b, s:o, s:o}", "enabled", c->skills.enabled,
                                  "block_suspicious", c->skills.block_suspicious, "directories",
                                  strlist(&c->skills.directories), "extras",
                                  strlist(&c->skills.extras)));
    json_object_set_new(o, "security",
                        json_pack("{s:b, s:b, s:{s:o, s:o, s:b}}", "skip_permissions",
                                  c->security.skip_permissions, "warn_on_skip",
                                  c->security.warn_on_skip, "commands", "allowed",
                                  strlist(&c->security.allowed), "blocked",
                                  strlist(&c->security.blocked), "strict", c->security.strict));

    json_t *rates = json_object();
    for (size_t i = 0; i < c->cost.rates.n; i++) {
        const struct aidf_rate_entry *e = &c->cost.rates.items[i];
        json_object_set_new(rates, e->key,
                            json_pack("{s:o, s:o, s:o, s:o, s:b}", "input_per_1m",
                                      num_or_null(e->rates.input_per_1m), "output_per_1m",
                                      num_or_null(e->rates.output_per_1m), "cache_read_per_1m",
                                      num_or_null(e->rates.cache_read_per_1m), "cache_write_per_1m",
                                      num_or_null(e->rates.cache_write_per_1m), "builtin",
                                      e->builtin));
    }
    json_object_set_new(
        o, "cost",
        json_pack("{s:o, s:o}", "rates", rates, "currency", str_or_null(c->cost.currency)));

    json_t *events = json_array();
    static const enum aidf_status st[] = {AIDF_STATUS_COMPLETED, AIDF_STATUS_BLOCKED,
                                          AIDF_STATUS_FAILED};
    static const char *const st_names[] = {"completed", "blocked", "failed"};
    for (size_t i = 0; i < 3; i++)
        if (c->observability.webhook.events[st[i]])
            json_array_append_new(events, json_string(st_names[i]));
    json_object_set_new(
        o, "observability",
        json_pack("{s:o, s:{s:b, s:o, s:o, s:o, s:b, s:i, s:i, s:o}, s:{s:o, s:o}}", "reports_dir",
                  str_or_null(c->observability.reports_dir), "webhook", "enabled",
                  c->observability.webhook.enabled, "url",
                  str_or_null(c->observability.webhook.url), "headers",
                  headers_masked(&c->observability.webhook.headers), "events", events,
                  "include_iterations", c->observability.webhook.include_iterations, "timeout",
                  c->observability.webhook.timeout_ms, "retry", c->observability.webhook.retry,
                  "secret", secret(c->observability.webhook.secret), "server", "url",
                  str_or_null(c->observability.server.url), "token_env",
                  str_or_null(c->observability.server.token_env)));
    return o;
}
