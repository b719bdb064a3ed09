/*
 * The end of a run: the task file's status section, its move to completed/ or blocked/
 * (committed with auto_commit), the optional push, then the report — built by the
 * collector, written durably to the reports directory, pushed to the report server
 * through the outbox, sent to the metrics webhook and summarised in the notifications.
 * Report and delivery problems are logged and never change the run's outcome.
 */
#include "executor_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/git.h"
#include "aidf/log.h"
#include "aidf/notify.h"
#include "aidf/push.h"
#include "aidf/store.h"
#include "aidf/task.h"
#include "aidf/task_status.h"
#include "aidf/webhook.h"
#include "aidf/xalloc.h"

/* Delivery to a report server at the end of a run: short, never in the way. */
#define PUSH_TIMEOUT_MS 10000
#define PUSH_RETRIES    2

struct status_edit {
    struct exec *x;
    const char *section;
    const char *ended_at;
};

static char *edit_status(const char *text, void *ctx)
{
    const struct status_edit *e = ctx;
    struct exec *x = e->x;
    if (x->o->resume && x->status == AIDF_STATUS_BLOCKED)
        return aidf_task_text_blocked_again(text, e->section, e->ended_at,
                                            x->iteration - x->first_iteration);
    if (x->o->resume && x->status == AIDF_STATUS_COMPLETED) {
        char *hist = aidf_task_text_resume_completed(text, e->ended_at, x->iteration,
                                                     (int64_t)x->files_modified.n);
        char *out = aidf_task_text_set_status(hist, e->section);
        free(hist);
        return out;
    }
    return aidf_task_text_set_status(text, e->section);
}

/* Write the status section, move the file, stage (and with auto_commit commit) it. */
static void update_task_file(struct exec *x, struct aidf_run_result *res)
{
    struct aidf_error err = {0};
    char ended[AIDF_ISO_LEN];
    aidf_iso_format(aidf_wall_ms(), ended);
    bool have_tokens = x->tokens_in > 0 || x->tokens_out > 0;
    struct aidf_task_outcome oc = {
        .status = x->status,
        .started_at = x->started_at,
        .ended_at = ended,
        .iterations = x->iteration,
        .files = &x->files_modified,
        .reason = x->status == AIDF_STATUS_COMPLETED ? NULL
                  : x->reason                        ? x->reason
                                                     : x->last_error,
        .tokens_in = have_tokens ? x->tokens_in : AIDF_UNSET,
        .tokens_out = have_tokens ? x->tokens_out : AIDF_UNSET,
        .cost_usd = x->cost_total,
        .run_id = aidf_collector_run_id(x->col),
        .resume_path = x->task_rel,
    };
    char *section = aidf_task_status_section(&oc);
    struct status_edit e = {x, section, ended};
    if (aidf_task_file_edit(x->task_path, edit_status, &e, &err) != AIDF_OK)
        aidf_warn("cannot write the status into %s: %s", x->task_rel, err.msg);
    free(section);

    const char *folder = x->status == AIDF_STATUS_COMPLETED ? "completed"
                         : x->status == AIDF_STATUS_BLOCKED ? "blocked"
                                                            : NULL;
    char *now_path = NULL;
    if (folder && aidf_task_move(x->task_path, folder, &now_path, &err) != AIDF_OK) {
        aidf_warn("cannot move %s to %s/: %s", x->task_rel, folder, err.msg);
        now_path = NULL;
    }
    if (!now_path)
        now_path = aidf_xstrdup(x->task_path);
    bool moved = strcmp(now_path, x->task_path) != 0;
    if (moved)
        exec_detail(x, "moved the task file to %s/", folder);

    /* Stage the task file where it is now (and its removal from the old place). */
    exec_phase_begin(x, AIDF_PHASE_GIT_OPERATIONS, "Committing");
    struct aidf_strlist paths = {0};
    char *now_rel = exec_relative(x->root, now_path);
    aidf_strlist_add(&paths, now_rel);
    free(now_rel);
    if (aidf_git_add(x->root, &paths, &err) != AIDF_OK)
        aidf_warn("cannot stage the task file: %s", err.msg);
    else if (moved && aidf_git_rm_cached(x->root, x->task_rel, &err) != AIDF_OK)
        aidf_warn("cannot unstage the old task file: %s", err.msg);
    else if (x->cfg_ok && x->cfg.permissions.auto_commit) {
        char msg[512];
        char *name = aidf_task_name(x->task_path);
        snprintf(msg, sizeof(msg), "%s task %s %s",
                 x->cfg.git.commit_prefix ? x->cfg.git.commit_prefix : "aidf:", name,
                 aidf_status_name(x->status));
        free(name);
        bool nothing = false;
        if (aidf_git_commit(x->root, msg, &nothing, NULL, &err) != AIDF_OK)
            aidf_warn("cannot commit the task file: %s", err.msg);
    }
    if (x->status == AIDF_STATUS_COMPLETED && x->cfg_ok && x->cfg.permissions.auto_push) {
        if (aidf_git_push(x->root, &err) != AIDF_OK)
            aidf_warn("git push failed: %s", err.msg);
        else
            exec_say(x, "pushed to the remote");
    }
    exec_phase_end(x, AIDF_PHASE_GIT_OPERATIONS);
    aidf_strlist_release(&paths);
    res->task_path = now_path;
}

/* Push the report, then whatever the outbox holds for the same server. */
static void deliver(struct exec *x, const char *report_path)
{
    const char *server = x->o->report_server;
    if (!server && x->cfg_ok)
        server = x->cfg.observability.server.url;
    if (!server || !*server)
        return;
    struct aidf_push_opts po = {
        .server = server,
        .token = aidf_push_token_from_env(x->cfg_ok ? x->cfg.observability.server.token_env : NULL),
        .retries = PUSH_RETRIES,
        .timeout_ms = PUSH_TIMEOUT_MS,
        .quiet = true,
    };
    struct aidf_push_result pr;
    aidf_push_report_file(x->reports_dir, report_path, &po, &pr);
    if (pr.outcome == AIDF_PUSH_DELIVERED || pr.outcome == AIDF_PUSH_ALREADY)
        exec_say(x, "report pushed to %s", server);
    else
        aidf_warn("report not pushed to %s: %s%s", server, pr.message,
                  pr.queued ? " (queued; `aidf report push --pending` delivers it)" : "");
    if (pr.outcome == AIDF_PUSH_DELIVERED || pr.outcome == AIDF_PUSH_ALREADY) {
        struct aidf_push_summary sum;
        aidf_push_pending(x->reports_dir, &po, NULL, NULL, &sum);
        if (sum.delivered + sum.already)
            exec_say(x, "delivered %zu queued report(s)", sum.delivered + sum.already);
    }
}

int exec_conclude(struct exec *x, struct aidf_run_result *res)
{
    struct aidf_error err = {0};
    if (x->state == EXEC_DRY) {
        res->status = AIDF_STATUS_UNKNOWN;
        res->task_path = aidf_xstrdup(x->task_path);
        exec_say(x, "dry run: the prompt above would be sent to %s; nothing was run",
                 x->prov ? x->prov->type : "the agent");
        return 0;
    }
    if (x->state == EXEC_RUNNING)
        exec_finish_with(x, AIDF_STATUS_FAILED, "internal", "INTERNAL", "the loop ended early");
    if (x->status != AIDF_STATUS_COMPLETED && x->status != AIDF_STATUS_FAILED && x->last_error)
        aidf_collector_record_error(x->col, x->last_error, x->last_category, x->last_code);

    if (x->ctx_ok)
        update_task_file(x, res);
    else
        res->task_path = aidf_xstrdup(x->task_path);

    aidf_collector_set_outcome(x->col, x->status, x->iteration, x->max_iter, x->failures,
                               x->status == AIDF_STATUS_BLOCKED ? x->reason : NULL);
    aidf_collector_set_agent_session(x->col, x->session_id);
    if (x->in_git) {
        char *head = NULL;
        if (aidf_git_head(x->root, &head, NULL) == AIDF_OK)
            aidf_collector_set_commit_after(x->col, head);
        free(head);
    }
    struct aidf_report rep;
    aidf_report_init(&rep);
    res->status = x->status;
    if (aidf_collector_to_report(x->col, &rep) != AIDF_OK) {
        aidf_warn("cannot build the execution report");
    } else if (aidf_store_write_new(x->reports_dir, &rep, &res->report_path, &err) != AIDF_OK) {
        aidf_warn("cannot write the execution report to %s: %s", x->reports_dir, err.msg);
    } else {
        deliver(x, res->report_path);
    }
    if (rep.run_id) {
        if (x->cfg_ok && x->cfg.observability.webhook.enabled) {
            struct aidf_webhook_result wr;
            if (aidf_webhook_send(&x->cfg, &rep, NULL, &wr) == AIDF_OK && wr.sent)
                exec_detail(x, "report sent to the metrics webhook");
        }
        if (x->cfg_ok) {
            struct aidf_notify_result nr;
            aidf_notify_run(&x->cfg, &rep, &nr);
            if (nr.delivered)
                exec_detail(x, "%d notification(s) sent", nr.delivered);
        }
        res->report = aidf_report_to_json(&rep);
        if (x->ev->summary)
            x->ev->summary(x->ev->ctx, &rep, res->report_path);
    }
    aidf_report_release(&rep);
    return x->status == AIDF_STATUS_COMPLETED ? 0 : 1;
}
