/*
 * The executor: set-up (config, context, resume, provider, scope, collector) and the
 * loop around exec_iteration(), which stops at completion, a block, a fatal error, an
 * interruption, the iteration limit or too many failed iterations in a row.
 *
 * The collector exists from the first moment, so that a run which fails before its loop
 * (a config error, a missing role, a missing agent CLI) still gets its report.
 */
#include "executor_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/ci.h"
#include "aidf/fsutil.h"
#include "aidf/git.h"
#include "aidf/log.h"
#include "aidf/run_identity.h"
#include "aidf/task_status.h"
#include "aidf/version.h"
#include "aidf/xalloc.h"

static const char *getenv_cb(const char *name, void *ctx)
{
    (void)ctx;
    return getenv(name);
}

/* Config, command-line overrides and their checks. false when the run ends here. */
static bool setup_config(struct exec *x)
{
    struct aidf_error err = {0};
    if (aidf_config_load(x->root, AIDF_CONFIG_REQUIRE_ENV, &x->cfg, &err) != AIDF_OK) {
        exec_finish_with(x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_CONFIG, "CONFIG_INVALID",
                         err.msg);
        return false;
    }
    x->cfg_ok = true;
    if (x->o->provider) {
        free(x->cfg.provider.type);
        x->cfg.provider.type = aidf_xstrdup(x->o->provider);
    }
    if (x->o->model) {
        free(x->cfg.provider.model);
        x->cfg.provider.model = aidf_xstrdup(x->o->model);
    }
    if (x->cfg.observability.reports_dir && *x->cfg.observability.reports_dir) {
        free(x->reports_dir);
        x->reports_dir = x->cfg.observability.reports_dir[0] == '/'
                             ? aidf_xstrdup(x->cfg.observability.reports_dir)
                             : aidf_path_join(x->root, x->cfg.observability.reports_dir);
    }
    x->max_iter = x->o->max_iterations > 0 ? x->o->max_iterations : x->cfg.execution.max_iterations;
    x->max_failures = x->cfg.execution.max_consecutive_failures;
    struct aidf_run_meta meta = {.provider_type = x->cfg.provider.type,
                                 .provider_model = x->cfg.provider.model};
    aidf_collector_update_meta(x->col, &meta);
    aidf_collector_set_rates(x->col, &x->cfg.cost.rates);
    aidf_collector_set_scope_mode(x->col,
                                  aidf_scope_mode_name(x->cfg.permissions.scope_enforcement));
    if (!aidf_provider_type_known(x->cfg.provider.type)) {
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "Unknown provider type: %s (expected claude-cli, cursor-cli, anthropic-api "
                 "or openai-api)",
                 x->cfg.provider.type ? x->cfg.provider.type : "(none)");
        exec_finish_with(x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_CONFIG, "CONFIG_INVALID", msg);
        return false;
    }
    return true;
}

/* The report's project, actor and tags (aidf/run_identity.h). false when the run ends
 * here: a malformed AIDF_TAGS or --tag. */
static bool setup_identity(struct exec *x)
{
    struct aidf_ci_env ci;
    struct aidf_git_origin git;
    struct aidf_error err = {0};
    aidf_ci_detect(getenv_cb, NULL, &ci);
    x->in_git = aidf_git_origin_read(x->root, &git, NULL) == AIDF_OK;
    struct aidf_identity_inputs in = {.config = &x->cfg,
                                      .getenv_fn = getenv_cb,
                                      .ci = ci.ci ? &ci : NULL,
                                      .git = x->in_git ? &git : NULL,
                                      .cli_tags = x->o->tags};
    struct aidf_run_identity id;
    int rc = aidf_run_identity_resolve(&in, &id, &err);
    struct aidf_collector_origin origin = {.project_name = id.project_name,
                                           .repository = id.repository,
                                           .branch = id.branch,
                                           .commit = id.commit,
                                           .actor = id.actor,
                                           .tags = &id.tags};
    aidf_collector_set_origin(x->col, &origin);
    aidf_run_identity_release(&id);
    aidf_git_origin_release(&git);
    aidf_ci_env_release(&ci);
    if (rc != AIDF_OK) {
        exec_finish_with(x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_CONFIG, "CONFIG_INVALID",
                         err.msg);
        return false;
    }
    return true;
}

/* Context, resume, scope. false when the run ends here. */
static bool setup_context(struct exec *x)
{
    struct aidf_error err = {0};
    exec_phase_begin(x, AIDF_PHASE_CONTEXT_LOADING, "Loading context");
    int rc = aidf_context_load(x->root, x->task_path, &x->cfg, &x->ctx, &err);
    exec_phase_end(x, AIDF_PHASE_CONTEXT_LOADING);
    if (rc != AIDF_OK) {
        exec_finish_with(x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_CONFIG,
                         rc == AIDF_ENOTFOUND ? "CONTEXT_MISSING" : "CONTEXT_INVALID", err.msg);
        aidf_context_release(&x->ctx); /* what the failed load had filled in */
        return false;
    }
    x->ctx_ok = true;
    const struct aidf_task *t = &x->ctx.task;
    struct aidf_run_meta meta = {
        .task_goal = t->goal, .task_type = t->task_type, .role_name = x->ctx.role_name};
    aidf_collector_update_meta(x->col, &meta);

    struct aidf_num_map br = {0};
    aidf_num_map_set(&br, "agents", (double)x->ctx.tok_agents);
    aidf_num_map_set(&br, "role", (double)x->ctx.tok_role);
    aidf_num_map_set(&br, "task", (double)x->ctx.tok_task);
    aidf_num_map_set(&br, "plan", (double)x->ctx.tok_plan);
    aidf_num_map_set(&br, "skills", (double)x->ctx.tok_skills);
    aidf_collector_set_context_tokens(x->col, x->ctx.tok_total, &br);
    aidf_num_map_release(&br);

    exec_detail(x, "loaded context for task: %s", t->goal);
    exec_detail(x,
                "role: %s; context ~%lld tokens (AGENTS.md %lld, role %lld, task %lld, "
                "plan %lld, skills %lld)",
                x->ctx.role_name, (long long)x->ctx.tok_total, (long long)x->ctx.tok_agents,
                (long long)x->ctx.tok_role, (long long)x->ctx.tok_task, (long long)x->ctx.tok_plan,
                (long long)x->ctx.tok_skills);

    aidf_scope_init(&x->scope, x->cfg.permissions.scope_enforcement);
    for (size_t i = 0; i < t->allowed.n; i++)
        aidf_strlist_add(&x->scope.allowed, t->allowed.items[i]);
    for (size_t i = 0; i < t->forbidden.n; i++)
        aidf_strlist_add(&x->scope.forbidden, t->forbidden.items[i]);
    for (size_t i = 0; i < t->ask_before.n; i++)
        aidf_strlist_add(&x->scope.ask_before, t->ask_before.items[i]);

    if (x->o->resume) {
        if (!t->blocked.present) {
            exec_finish_with(x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_CONFIG, "TASK_NOT_BLOCKED",
                             "Task is not blocked. Cannot resume a task that is not in BLOCKED "
                             "status.");
            return false;
        }
        x->first_iteration = t->blocked.previous_iteration;
        x->iteration = x->first_iteration;
        for (size_t i = 0; i < t->blocked.files_modified.n; i++)
            aidf_strlist_add(&x->files_modified, t->blocked.files_modified.items[i]);
        exec_say(x, "resuming blocked task from iteration %lld", (long long)x->first_iteration);
    }
    return true;
}

static char *edit_record_resume(const char *text, void *ctx)
{
    struct exec *x = ctx;
    const char *blocked_at = x->ctx.task.blocked.blocked_at;
    return aidf_task_text_record_resume(text, x->started_at, x->first_iteration,
                                        blocked_at ? blocked_at : "unknown");
}

/*
 * The sandbox of the provider's run_command, when it runs commands itself (the API
 * providers), chosen once for the run and named in the report. false when the config
 * demands a sandbox that cannot be used here (the run fails before its first iteration).
 */
static bool setup_sandbox(struct exec *x)
{
    const struct aidf_config *c = &x->cfg;
    struct aidf_error err = {0};
    if (!x->prov->runs_commands) {
        if (c->security.sandbox.mode == AIDF_SANDBOX_REQUIRED)
            aidf_warn("security.sandbox applies to the commands aidf runs for the API providers; "
                      "%s runs its own commands, unconfined by aidf",
                      x->prov->type);
        return true;
    }
    if (aidf_sandbox_select(c->security.sandbox.mode, c->security.sandbox.network,
                            &c->security.sandbox.env, x->root, &x->sandbox, &err) != AIDF_OK) {
        aidf_collector_set_sandbox(x->col, aidf_sandbox_kind_name(AIDF_SANDBOX_KIND_NONE));
        exec_finish_with(x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_CONFIG, "SANDBOX_UNAVAILABLE",
                         err.msg);
        return false;
    }
    aidf_collector_set_sandbox(x->col, aidf_sandbox_kind_name(x->sandbox.kind));
    if (x->sandbox.kind == AIDF_SANDBOX_KIND_NONE)
        aidf_warn("the agent's commands run without a sandbox (%s): they can read and write "
                  "whatever this user can; install bubblewrap, or set security.sandbox: "
                  "required to refuse to run unconfined",
                  x->sandbox.why);
    else
        exec_detail(x, "run_command sandbox: %s%s", aidf_sandbox_kind_name(x->sandbox.kind),
                    x->sandbox.network ? " (network allowed)" : "");
    x->prov->sandbox = &x->sandbox;
    return true;
}

/* Git repository, provider, and the resume record. false when the run ends here. */
static bool setup_run(struct exec *x)
{
    struct aidf_error err = {0};
    if (!aidf_git_is_repo(x->root)) {
        exec_finish_with(x, AIDF_STATUS_FAILED, "git", "GIT_NOT_A_REPOSITORY",
                         "the project is not a git repository (aidf tracks and commits the "
                         "agent's changes with git; run `git init`)");
        return false;
    }
    if (x->o->provider_override) {
        x->prov = x->o->provider_override;
    } else if (aidf_provider_new(x->cfg.provider.type, x->root, &x->cfg, &x->ctx, &x->prov, &err) !=
               AIDF_OK) {
        exec_finish_with(x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_PROVIDER,
                         "PROVIDER_NOT_AVAILABLE", err.msg);
        return false;
    } else {
        x->prov_owned = true;
    }
    if (!setup_sandbox(x))
        return false;
    if (x->cfg.security.skip_permissions && x->cfg.security.warn_on_skip &&
        strcmp(x->prov->type, "claude-cli") == 0 && geteuid() != 0)
        aidf_warn("running with --dangerously-skip-permissions: the agent has unrestricted "
                  "access to your files and commands (set security.skip_permissions: false in "
                  ".ai/config.yml to limit it to file edits)");
    if (x->o->resume && !x->o->dry_run &&
        aidf_task_file_edit(x->task_path, edit_record_resume, x, &err) != AIDF_OK)
        aidf_warn("cannot record the resume in %s: %s", x->task_rel, err.msg);
    return true;
}

static void exec_release(struct exec *x)
{
    aidf_sandbox_release(&x->sandbox);
    if (x->prov_owned)
        aidf_provider_free(x->prov);
    aidf_collector_free(x->col);
    aidf_scope_release(&x->scope);
    if (x->ctx_ok)
        aidf_context_release(&x->ctx);
    aidf_config_release(&x->cfg);
    aidf_git_changes_release(&x->uncommitted);
    aidf_strlist_release(&x->files_modified);
    aidf_num_map_release(&x->phase_mark);
    free(x->root);
    free(x->task_path);
    free(x->task_rel);
    free(x->reports_dir);
    free(x->reason);
    free(x->last_error);
    free(x->session_id);
    free(x->validation_feedback);
    free(x->previous_output);
}

int aidf_executor_run(const char *root, const char *task_path, const struct aidf_run_opts *o,
                      struct aidf_run_result *res)
{
    struct exec x = {0};
    memset(res, 0, sizeof(*res));
    x.o = o;
    x.root = aidf_xstrdup(root);
    x.task_path = aidf_xstrdup(task_path);
    x.task_rel = exec_relative(root, task_path);
    x.reports_dir = aidf_path_join(root, ".ai/reports");
    x.cost_total = NAN;
    x.max_iter = o->max_iterations > 0 ? o->max_iterations : 50;
    x.max_failures = 3;
    x.ev = &o->events;

    struct aidf_run_meta meta = {
        .task_path = x.task_rel, .cwd = root, .aidf_version = AIDF_VERSION};
    x.col = aidf_collector_new(&meta, NULL);
    aidf_iso_format(aidf_wall_ms(), x.started_at);
    aidf_collector_fill_host(x.col);
    struct aidf_ci_env ci;
    aidf_ci_detect(getenv_cb, NULL, &ci);
    aidf_collector_set_environment(x.col, &ci);
    aidf_ci_env_release(&ci);

    if (setup_config(&x) && setup_identity(&x) && setup_context(&x) && setup_run(&x)) {
        exec_say(&x, "running %s with %s%s%s (max %lld iterations, scope %s)", x.task_rel,
                 x.prov->type, x.prov->model ? " / " : "", x.prov->model ? x.prov->model : "",
                 (long long)x.max_iter, aidf_scope_mode_name(x.cfg.permissions.scope_enforcement));
        while (x.state == EXEC_RUNNING) {
            if (o->cancel && *o->cancel) {
                exec_finish_with(&x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_CANCELLED, "CANCELLED",
                                 "Interrupted");
                break;
            }
            if (x.iteration >= x.max_iter) {
                char msg[96];
                snprintf(msg, sizeof(msg), "Max iterations (%lld) reached", (long long)x.max_iter);
                exec_finish_with(&x, AIDF_STATUS_BLOCKED, NULL, NULL, msg);
                break;
            }
            if (x.failures >= x.max_failures) {
                char msg[96];
                snprintf(msg, sizeof(msg), "Max consecutive failures (%lld) reached",
                         (long long)x.max_failures);
                exec_finish_with(&x, AIDF_STATUS_BLOCKED, NULL, NULL, msg);
                break;
            }
            exec_iteration(&x);
        }
    }
    int code = exec_conclude(&x, res);
    exec_release(&x);
    return code;
}

void aidf_run_result_release(struct aidf_run_result *r)
{
    free(r->report_path);
    free(r->task_path);
    if (r->report)
        json_decref(r->report);
    memset(r, 0, sizeof(*r));
}
