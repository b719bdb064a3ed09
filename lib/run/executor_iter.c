/*
 * One iteration of the executor loop: snapshot, prompt, provider call (rate limits waited
 * out with backoff, a failed continuation retried once with the full prompt), the changes
 * the agent made, the scope guard (violations reverted, `ask` put to the front end),
 * validation, the commit, and the signals that end the task.
 */
#include "executor_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidf/buf.h"
#include "aidf/cost.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/prompt.h"
#include "aidf/validate.h"
#include "aidf/xalloc.h"

/* Longest goal text in a commit subject (longer goals are cut and end in "..."). */
#define COMMIT_GOAL_MAX 50

/* Sleep `ms` (opts.sleep when given), waking early when the run is cancelled. */
static void nap(const struct exec *x, int64_t ms)
{
    if (x->o->sleep) {
        x->o->sleep(x->o->sleep_ctx, ms);
        return;
    }
    while (ms > 0 && !(x->o->cancel && *x->o->cancel)) {
        int64_t step = ms > 100 ? 100 : ms;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

/* Profiler totals per well-known phase, in ms. */
static void phase_totals(struct exec *x, struct aidf_num_map *out)
{
    const struct aidf_profiler *p = aidf_collector_profiler(x->col);
    for (size_t i = 0; i < p->n; i++)
        aidf_num_map_set(out, p->phases[i].name, (double)p->phases[i].total_ns / 1e6);
}

/* Usage and cost of one call into the collector and the live totals. */
static void record_usage(struct exec *x, const struct aidf_provider_result *r)
{
    if (r->has_usage) {
        aidf_collector_record_tokens(x->col, x->iteration, r->input, r->output_tokens,
                                     r->cache_read, r->cache_write, r->reasoning, r->estimated);
        x->tokens_in += r->input > 0 ? r->input : 0;
        x->tokens_out += r->output_tokens > 0 ? r->output_tokens : 0;
        x->tokens_total +=
            (r->input > 0 ? r->input : 0) + (r->output_tokens > 0 ? r->output_tokens : 0);
    }
    double cost = NAN;
    if (!isnan(r->cost_usd)) {
        aidf_collector_record_provider_cost(x->col, x->iteration, r->cost_usd);
        cost = r->cost_usd;
    } else if (r->has_usage) {
        const char *model = r->model ? r->model : x->prov->model;
        const struct aidf_rates *rates =
            aidf_rate_lookup(&x->cfg.cost.rates, model, x->prov->type, NULL);
        if (rates) {
            struct aidf_token_counts tc = {
                .input = r->input > 0 ? r->input : 0,
                .output = r->output_tokens > 0 ? r->output_tokens : 0,
                .cache_read = r->cache_read > 0 ? r->cache_read : 0,
                .cache_write = r->cache_write > 0 ? r->cache_write : 0,
            };
            cost = aidf_cost_compute(rates, &tc);
        }
    }
    if (!isnan(cost))
        x->cost_total = (isnan(x->cost_total) ? 0 : x->cost_total) + cost;
    if (r->model && !x->prov->model) {
        struct aidf_run_meta meta = {.provider_model = r->model};
        aidf_collector_update_meta(x->col, &meta);
    }
    if (x->ev->totals)
        x->ev->totals(x->ev->ctx, x->tokens_total, x->cost_total);
}

/* One provider call, rate limits waited out with exponential backoff (retry-after first). */
static void call_provider(struct exec *x, const char *prompt, const char *session,
                          struct aidf_provider_result *res)
{
    struct aidf_provider_request req = {
        .prompt = prompt,
        .session_id = session,
        .iteration = x->iteration,
        .timeout_ms = (int64_t)(x->cfg.execution.timeout_per_iteration * 1000.0),
        .cancel = x->o->cancel,
    };
    for (int attempt = 0;; attempt++) {
        x->prov->execute(x->prov, &req, res);
        record_usage(x, res);
        if (res->failure != AIDF_PROVIDER_FAIL_RATE_LIMIT)
            return;
        if (attempt >= EXEC_MAX_RATE_LIMIT_WAITS) {
            res->failure = AIDF_PROVIDER_FAIL_RETRY;
            return;
        }
        int64_t wait = res->retry_after_ms > 0 ? res->retry_after_ms : 1000LL << attempt;
        if (wait > EXEC_MAX_BACKOFF_MS)
            wait = EXEC_MAX_BACKOFF_MS;
        exec_say(x, "rate limited (%s); waiting %.1fs before retrying", res->error,
                 (double)wait / 1000.0);
        nap(x, wait);
        aidf_provider_result_release(res);
        if (x->o->cancel && *x->o->cancel) {
            aidf_provider_result_init(res);
            aidf_provider_result_fail(res, AIDF_PROVIDER_FAIL_CANCELLED,
                                      AIDF_PROVIDER_CAT_CANCELLED, "CANCELLED", "Interrupted");
            return;
        }
    }
}

/* Merge `c` into the list of uncommitted changes (a later kind of the same path wins,
 * except that a file created earlier in the run stays "created" when modified). */
static void add_uncommitted(struct exec *x, const struct aidf_git_change *c)
{
    for (size_t i = 0; i < x->uncommitted.n; i++) {
        struct aidf_git_change *u = &x->uncommitted.items[i];
        if (strcmp(u->path, c->path) != 0)
            continue;
        if (!(u->kind == AIDF_CHANGE_CREATED && c->kind == AIDF_CHANGE_MODIFIED))
            u->kind = c->kind;
        return;
    }
    x->uncommitted.items = aidf_xgrow(x->uncommitted.items, &x->uncommitted.cap,
                                      x->uncommitted.n + 1, sizeof(*x->uncommitted.items));
    x->uncommitted.items[x->uncommitted.n].path = aidf_xstrdup(c->path);
    x->uncommitted.items[x->uncommitted.n].kind = c->kind;
    x->uncommitted.n++;
}

static enum aidf_file_change_kind collector_kind(enum aidf_change_kind k)
{
    return k == AIDF_CHANGE_CREATED   ? AIDF_FILE_CREATED
           : k == AIDF_CHANGE_DELETED ? AIDF_FILE_DELETED
                                      : AIDF_FILE_MODIFIED;
}

/* Ask the front end whether the `ask` files may stay. */
static enum aidf_ask_answer ask_user(struct exec *x, const struct aidf_strlist *files)
{
    if (!x->ev->ask)
        return AIDF_ASK_UNAVAILABLE;
    return x->ev->ask(x->ev->ctx, files);
}

/* Revert `paths` and record them as a scope violation. */
static void revert(struct exec *x, const struct aidf_strlist *paths)
{
    struct aidf_error err = {0};
    aidf_collector_record_scope_violation(x->col, (const char *const *)paths->items, paths->n);
    if (aidf_git_revert(x->root, paths, &err) != AIDF_OK)
        aidf_warn("cannot revert %zu file(s): %s", paths->n, err.msg);
}

/* The scope guard over this iteration's changes. Removes reverted paths from `ch`.
 * Returns false when the iteration ends here (violation counted, or the run blocked). */
static bool guard_scope(struct exec *x, struct aidf_git_changes *ch, bool complete)
{
    if (ch->n == 0)
        return true;
    struct aidf_file_change *fc = aidf_xcalloc(ch->n, sizeof(*fc));
    for (size_t i = 0; i < ch->n; i++) {
        fc[i].path = ch->items[i].path;
        fc[i].kind = ch->items[i].kind;
    }
    struct aidf_scope_result sr;
    aidf_scope_check_changes(&x->scope, fc, ch->n, &sr);
    free(fc);

    bool go_on = true;
    struct aidf_strlist drop = {0};
    if (sr.verdict == AIDF_SCOPE_VERDICT_BLOCK) {
        for (size_t i = 0; i < sr.blocked.n; i++)
            aidf_strlist_add(&drop, sr.blocked.items[i]);
        aidf_warn("scope violation: %s: %zu file(s) reverted", sr.reason, sr.blocked.n);
        for (size_t i = 0; i < sr.blocked.n; i++)
            aidf_warn("  reverted %s", sr.blocked.items[i]);
        if (complete) {
            exec_say(x, "the agent signalled completion with scope violations; they were "
                        "reverted and the completion is accepted");
        } else {
            x->failures++;
            go_on = false;
        }
    }
    if (sr.ask.n > 0 && go_on) {
        enum aidf_ask_answer yes = ask_user(x, &sr.ask);
        if (yes == AIDF_ASK_APPROVED) {
            exec_say(x, "changes approved");
        } else {
            for (size_t i = 0; i < sr.ask.n; i++)
                aidf_strlist_add(&drop, sr.ask.items[i]);
            if (yes == AIDF_ASK_UNAVAILABLE) {
                /* No terminal to ask on: the task needs a human (design: ask blocks). */
                struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
                aidf_buf_addf(&b, "Approval needed (scope mode ask, no terminal to ask on) for "
                                  "changes to:");
                for (size_t i = 0; i < sr.ask.n; i++)
                    aidf_buf_addf(&b, "%s %s", i ? "," : "", sr.ask.items[i]);
                aidf_warn("%s; reverted", b.ptr);
                exec_finish_with(x, AIDF_STATUS_BLOCKED, NULL, NULL, b.ptr);
                aidf_buf_release(&b);
            } else {
                exec_say(x, "changes declined; reverted");
                x->failures++;
            }
            go_on = false;
        }
    }
    if (drop.n) {
        revert(x, &drop);
        size_t k = 0;
        for (size_t i = 0; i < ch->n; i++) {
            if (aidf_strlist_has(&drop, ch->items[i].path)) {
                free(ch->items[i].path);
                continue;
            }
            ch->items[k++] = ch->items[i];
        }
        ch->n = k;
    }
    aidf_strlist_release(&drop);
    aidf_scope_result_release(&sr);
    return go_on;
}

/* validation.pre_commit; false when it failed (feedback kept for the next prompt). */
static bool validate(struct exec *x, bool complete)
{
    const struct aidf_strlist *cmds = &x->cfg.validation.pre_commit;
    if (cmds->n == 0)
        return true;
    struct aidf_validation v;
    exec_phase_begin(x, AIDF_PHASE_VALIDATION, "Validating");
    aidf_validate_run(cmds, "pre_commit", x->root, x->cfg.validation.command_timeout, true, &v);
    exec_phase_end(x, AIDF_PHASE_VALIDATION);
    for (size_t i = 0; i < v.n; i++)
        aidf_collector_record_validation(x->col, x->iteration, "pre_commit", v.cmds[i].command,
                                         v.cmds[i].passed, v.cmds[i].duration_ms,
                                         v.cmds[i].exit_code);
    bool ok = v.passed;
    free(x->validation_feedback);
    x->validation_feedback = NULL;
    if (!ok) {
        x->validation_feedback = aidf_validate_format(&v);
        aidf_warn("validation failed: %s", v.error_message ? v.error_message : "a command failed");
        if (complete)
            exec_say(x, "the agent signalled completion but validation failed; retrying "
                        "with the validation report as feedback");
        x->failures++;
    }
    aidf_validation_release(&v);
    return ok;
}

/* "<prefix> <goal, cut at 50 bytes on a UTF-8 boundary>[...]". */
static char *commit_message(const struct exec *x)
{
    const char *goal = x->ctx.task.goal && *x->ctx.task.goal ? x->ctx.task.goal : x->task_rel;
    size_t n = 0;
    while (goal[n] && goal[n] != '\n' && n < COMMIT_GOAL_MAX)
        n++;
    while (n > 0 && goal[n] && ((unsigned char)goal[n] & 0xC0) == 0x80)
        n--;
    bool cut = goal[n] != '\0';
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "%s %.*s%s",
                  x->cfg.git.commit_prefix ? x->cfg.git.commit_prefix : "aidf:", (int)n, goal,
                  cut ? "..." : "");
    return aidf_buf_detach(&b, NULL);
}

/* Commit the uncommitted changes (auto_commit). false when the run ends (git failure). */
static bool commit(struct exec *x)
{
    if (!x->cfg.permissions.auto_commit || x->uncommitted.n == 0)
        return true;
    struct aidf_error err = {0};
    struct aidf_strlist paths = {0};
    for (size_t i = 0; i < x->uncommitted.n; i++)
        aidf_strlist_add(&paths, x->uncommitted.items[i].path);
    char *msg = commit_message(x);
    bool nothing = false;
    char *sha = NULL;
    exec_phase_begin(x, AIDF_PHASE_GIT_OPERATIONS, "Committing");
    int rc = aidf_git_add(x->root, &paths, &err);
    if (rc == AIDF_OK)
        rc = aidf_git_commit(x->root, msg, &nothing, &sha, &err);
    exec_phase_end(x, AIDF_PHASE_GIT_OPERATIONS);
    if (rc == AIDF_OK) {
        if (!nothing)
            exec_say(x, "committed %.12s: %s", sha ? sha : "", msg);
        aidf_git_changes_release(&x->uncommitted);
    } else {
        exec_finish_with(x, AIDF_STATUS_FAILED, "git", "GIT_COMMIT_FAILED", err.msg);
    }
    free(sha);
    free(msg);
    aidf_strlist_release(&paths);
    return rc == AIDF_OK;
}

/* The changes of this iteration, recorded; NULL-safe on git errors (logged). */
static void detect_changes(struct exec *x, const struct aidf_git_snapshot *before,
                           struct aidf_git_changes *ch)
{
    struct aidf_error err = {0};
    struct aidf_strlist ignore = {0};
    aidf_strlist_add(&ignore, ".ai/reports/");
    size_t rl = strlen(x->root);
    if (strncmp(x->reports_dir, x->root, rl) == 0 && x->reports_dir[rl] == '/') {
        char *rel = aidf_path_join(x->reports_dir + rl + 1, "");
        aidf_strlist_add(&ignore, rel);
        free(rel);
    }
    memset(ch, 0, sizeof(*ch));
    if (before && aidf_git_changes_since(x->root, before, &ignore, ch, &err) != AIDF_OK)
        aidf_warn("cannot list the changed files: %s", err.msg);
    aidf_strlist_release(&ignore);
}

static void iteration_body(struct exec *x, int64_t *files_changed)
{
    struct aidf_error err = {0};
    struct aidf_git_snapshot *before = NULL;
    struct aidf_provider_result res = {0};
    struct aidf_git_changes ch = {0};
    char *prompt = NULL;

    exec_phase_begin(x, AIDF_PHASE_GIT_OPERATIONS, "Starting iteration");
    int rc = aidf_git_snapshot_take(x->root, &before, &err);
    exec_phase_end(x, AIDF_PHASE_GIT_OPERATIONS);
    if (rc != AIDF_OK) {
        exec_finish_with(x, AIDF_STATUS_FAILED, "git", "GIT_STATUS_FAILED", err.msg);
        goto out;
    }

    bool continuing =
        x->session_id && x->prov->supports_session && x->cfg.execution.session_continuation;
    struct aidf_prompt_opts po = {
        .iteration = x->iteration,
        .resume = x->o->resume,
        .validation_feedback = x->validation_feedback,
        .previous_output = x->previous_output,
    };
    prompt = continuing ? aidf_prompt_continuation(&po) : aidf_prompt_full(&x->ctx, &po);
    if (x->o->dry_run) {
        if (x->ev->dry_run_prompt)
            x->ev->dry_run_prompt(x->ev->ctx, prompt);
        x->state = EXEC_DRY;
        goto out;
    }

    exec_say(x, "iteration %lld/%lld: running %s%s", (long long)x->iteration,
             (long long)x->max_iter, x->prov->type, continuing ? " (continuing the session)" : "");
    exec_phase_begin(x, AIDF_PHASE_AI_EXECUTION, "Executing AI");
    call_provider(x, prompt, continuing ? x->session_id : NULL, &res);
    if (continuing && res.failure == AIDF_PROVIDER_FAIL_RETRY && res.code &&
        strcmp(res.code, "PROVIDER_NO_RESULT") == 0) {
        /* No answer at all to a continued session (expired or unknown id): once more
         * with the whole context. Other failures did reach the agent; repeating them
         * with the full prompt would only double their cost. */
        exec_say(x, "session continuation failed (%s); retrying with the full prompt", res.error);
        free(prompt);
        prompt = aidf_prompt_full(&x->ctx, &po);
        aidf_provider_result_release(&res);
        call_provider(x, prompt, NULL, &res);
    }
    exec_phase_end(x, AIDF_PHASE_AI_EXECUTION);

    if (res.session_id) {
        free(x->session_id);
        x->session_id = aidf_xstrdup(res.session_id);
    }
    free(x->previous_output);
    x->previous_output = aidf_xstrdup(res.output);

    exec_phase_begin(x, AIDF_PHASE_SCOPE_CHECKING, "Checking scope");
    detect_changes(x, before, &ch);
    exec_phase_end(x, AIDF_PHASE_SCOPE_CHECKING);

    bool fatal =
        res.failure == AIDF_PROVIDER_FAIL_FATAL || res.failure == AIDF_PROVIDER_FAIL_CANCELLED;
    if ((res.failure != AIDF_PROVIDER_FAIL_NONE && ch.n == 0) || fatal) {
        /* Files a dying agent left behind are recorded, not committed. */
        for (size_t i = 0; i < ch.n; i++)
            aidf_collector_record_file_change(x->col, ch.items[i].path,
                                              collector_kind(ch.items[i].kind));
        *files_changed = (int64_t)ch.n;
        if (res.failure == AIDF_PROVIDER_FAIL_FATAL) {
            exec_finish_with(x, AIDF_STATUS_FAILED, res.category, res.code, res.error);
        } else if (res.failure == AIDF_PROVIDER_FAIL_CANCELLED) {
            exec_finish_with(x, AIDF_STATUS_FAILED, AIDF_PROVIDER_CAT_CANCELLED, "CANCELLED",
                             "Interrupted");
        } else {
            x->failures++;
            exec_note_failure(x, res.error, res.category, res.code);
            aidf_warn("iteration %lld failed (%lld of %lld in a row): %s", (long long)x->iteration,
                      (long long)x->failures, (long long)x->max_failures, res.error);
        }
        goto out;
    }
    bool complete = res.failure == AIDF_PROVIDER_FAIL_NONE && res.complete;

    exec_phase_begin(x, AIDF_PHASE_SCOPE_CHECKING, "Checking scope");
    bool in_scope = guard_scope(x, &ch, complete);
    exec_phase_end(x, AIDF_PHASE_SCOPE_CHECKING);
    *files_changed = (int64_t)ch.n;
    for (size_t i = 0; i < ch.n; i++) {
        aidf_collector_record_file_change(x->col, ch.items[i].path,
                                          collector_kind(ch.items[i].kind));
        add_uncommitted(x, &ch.items[i]);
        if (!aidf_strlist_has(&x->files_modified, ch.items[i].path))
            aidf_strlist_add(&x->files_modified, ch.items[i].path);
    }
    if (!in_scope || x->state != EXEC_RUNNING)
        goto out;
    if (ch.n)
        exec_say(x, "iteration %lld: %zu file(s) changed", (long long)x->iteration, ch.n);

    if (!validate(x, complete))
        goto out;
    if (!commit(x))
        goto out;

    if (res.failure != AIDF_PROVIDER_FAIL_NONE) {
        /* The agent failed but left changes: they were checked and kept; the failure
         * still counts. */
        x->failures++;
        exec_note_failure(x, res.error, res.category, res.code);
        aidf_warn("iteration %lld failed after changing files: %s", (long long)x->iteration,
                  res.error);
        goto out;
    }
    x->failures = 0;
    if (res.blocked_reason) {
        exec_say(x, "the agent is blocked: %s",
                 *res.blocked_reason ? res.blocked_reason : "(no reason given)");
        exec_finish_with(x, AIDF_STATUS_BLOCKED, NULL, NULL,
                         *res.blocked_reason ? res.blocked_reason : "Blocked (no reason given)");
    } else if (complete) {
        exec_say(x, "task complete");
        exec_finish_with(x, AIDF_STATUS_COMPLETED, NULL, NULL, NULL);
    }
out:
    aidf_git_changes_release(&ch);
    aidf_git_snapshot_free(before);
    aidf_provider_result_release(&res);
    free(prompt);
}

void exec_iteration(struct exec *x)
{
    int64_t files_changed = 0;
    x->iteration++;
    aidf_num_map_release(&x->phase_mark);
    phase_totals(x, &x->phase_mark);

    iteration_body(x, &files_changed);
    if (x->state == EXEC_DRY)
        return;

    /* This iteration's share of each phase, for the report and the [profile] line. */
    struct aidf_num_map now = {0}, delta = {0};
    phase_totals(x, &now);
    for (size_t i = 0; i < now.n; i++) {
        double before = aidf_num_map_get(&x->phase_mark, now.items[i].name);
        aidf_num_map_set(&delta, now.items[i].name,
                         now.items[i].value - (isnan(before) ? 0 : before));
    }
    struct aidf_iteration_metrics m = {
        .iteration = x->iteration,
        .duration_ms = NAN,
        .phases = &delta,
        .files_changed = files_changed,
    };
    aidf_collector_record_iteration(x->col, &m);
    if (x->ev->profile)
        x->ev->profile(x->ev->ctx, x->iteration, &delta);
    aidf_num_map_release(&now);
    aidf_num_map_release(&delta);
}
