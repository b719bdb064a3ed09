/*
 * The report model's shape tables, lifecycle (init/release) and small helpers:
 * status and phase names, run ids.
 */
#include "report_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/xalloc.h"

/* ---- shape tables ---- */

#define R(m)  offsetof(struct aidf_report, m)
#define NF    RF_NOFLAG
#define N_(a) (sizeof(a) / sizeof((a)[0]))

static const struct rf_field provider_fields[] = {
    {"type", RF_STR, 0, R(provider.type), NF, NULL},
    {"model", RF_STR, 0, R(provider.model), NF, NULL},
};
static const struct rf_block provider_block = {provider_fields, N_(provider_fields), 0};

static const struct rf_field error_fields[] = {
    {"message", RF_STR, 1, R(error.message), NF, NULL},
    {"category", RF_STR, 0, R(error.category), NF, NULL},
    {"code", RF_STR, 0, R(error.code), NF, NULL},
};
static const struct rf_block error_block = {error_fields, N_(error_fields), 0};

#define IT(m) offsetof(struct aidf_iter_tokens, m)
static const struct rf_field iter_tokens_fields[] = {
    {"iteration", RF_COUNT, 0, IT(iteration), NF, NULL},
    {"input", RF_COUNT, 0, IT(input), NF, NULL},
    {"output", RF_COUNT, 0, IT(output), NF, NULL},
    {"cacheRead", RF_COUNT, 0, IT(cache_read), NF, NULL},
    {"cacheWrite", RF_COUNT, 0, IT(cache_write), NF, NULL},
    {"reasoning", RF_COUNT, 0, IT(reasoning), NF, NULL},
    {"estimated", RF_TRI, 0, IT(estimated), NF, NULL},
};
static const struct rf_block iter_tokens_block = {iter_tokens_fields, N_(iter_tokens_fields),
                                                  sizeof(struct aidf_iter_tokens)};

static const struct rf_field tokens_fields[] = {
    {"contextTokens", RF_COUNT, 0, R(tokens.context_tokens), NF, NULL},
    {"totalInput", RF_COUNT, 0, R(tokens.total_input), NF, NULL},
    {"totalOutput", RF_COUNT, 0, R(tokens.total_output), NF, NULL},
    {"totalTokens", RF_COUNT, 0, R(tokens.total_tokens), NF, NULL},
    {"cacheRead", RF_COUNT, 0, R(tokens.cache_read), NF, NULL},
    {"cacheWrite", RF_COUNT, 0, R(tokens.cache_write), NF, NULL},
    {"reasoning", RF_COUNT, 0, R(tokens.reasoning), NF, NULL},
    {"estimated", RF_TRI, 0, R(tokens.estimated), NF, NULL},
    {"perIteration", RF_ARRAY, 0, R(tokens.per_iteration), R(tokens.n_per_iteration),
     &iter_tokens_block},
    {"breakdown", RF_TOKMAP, 0, R(tokens.breakdown), R(tokens.has_breakdown), NULL},
};
static const struct rf_block tokens_block = {tokens_fields, N_(tokens_fields), 0};

static const struct rf_field rates_fields[] = {
    {"inputPer1M", RF_MONEY, 0, R(cost.rates.input_per_1m), NF, NULL},
    {"outputPer1M", RF_MONEY, 0, R(cost.rates.output_per_1m), NF, NULL},
    {"cacheReadPer1M", RF_MONEY, 0, R(cost.rates.cache_read_per_1m), NF, NULL},
    {"cacheWritePer1M", RF_MONEY, 0, R(cost.rates.cache_write_per_1m), NF, NULL},
};
static const struct rf_block rates_block = {rates_fields, N_(rates_fields), 0};

#define IC(m) offsetof(struct aidf_iter_cost, m)
static const struct rf_field iter_cost_fields[] = {
    {"iteration", RF_COUNT, 0, IC(iteration), NF, NULL},
    {"cost", RF_MONEY, 0, IC(cost), NF, NULL},
};
static const struct rf_block iter_cost_block = {iter_cost_fields, N_(iter_cost_fields),
                                                sizeof(struct aidf_iter_cost)};

static const struct rf_field cost_fields[] = {
    {"estimatedTotal", RF_MONEY, 0, R(cost.estimated_total), NF, NULL},
    {"currency", RF_STR, 0, R(cost.currency), NF, NULL},
    {"rates", RF_OBJ, 0, 0, R(cost.has_rates), &rates_block},
    {"perIteration", RF_ARRAY, 0, R(cost.per_iteration), R(cost.n_per_iteration), &iter_cost_block},
    {"source", RF_STR, 0, R(cost.source), NF, NULL},
    {"reported", RF_MONEY, 0, R(cost.reported), NF, NULL},
    {"computed", RF_MONEY, 0, R(cost.computed), NF, NULL},
    {"unpriced", RF_TRI, 0, R(cost.unpriced), NF, NULL},
};
static const struct rf_block cost_block = {cost_fields, N_(cost_fields), 0};

#define ITM(m) offsetof(struct aidf_iter_timing, m)
static const struct rf_field iter_timing_fields[] = {
    {"iteration", RF_COUNT, 0, ITM(iteration), NF, NULL},
    {"durationMs", RF_MS, 0, ITM(duration_ms), NF, NULL},
    {"phases", RF_NUMMAP, 0, ITM(phases), NF, NULL},
    {"filesChanged", RF_COUNT, 0, ITM(files_changed), NF, NULL},
};
static const struct rf_block iter_timing_block = {iter_timing_fields, N_(iter_timing_fields),
                                                  sizeof(struct aidf_iter_timing)};

static const struct rf_field timing_fields[] = {
    {"startedAt", RF_TIME, 0, R(timing.started_at), NF, NULL},
    {"completedAt", RF_TIME, 0, R(timing.completed_at), NF, NULL},
    {"totalDurationMs", RF_MS, 0, R(timing.total_duration_ms), NF, NULL},
    {"phases", RF_NUMMAP, 0, R(timing.phases), NF, NULL},
    {"perIteration", RF_ARRAY, 0, R(timing.per_iteration), R(timing.n_per_iteration),
     &iter_timing_block},
};
static const struct rf_block timing_block = {timing_fields, N_(timing_fields), 0};

static const struct rf_field files_fields[] = {
    {"modified", RF_STRLIST, 0, R(files.modified), NF, NULL},
    {"created", RF_STRLIST, 0, R(files.created), NF, NULL},
    {"deleted", RF_STRLIST, 0, R(files.deleted), NF, NULL},
    {"totalCount", RF_COUNT, 0, R(files.total_count), NF, NULL},
};
static const struct rf_block files_block = {files_fields, N_(files_fields), 0};

#define VR(m) offsetof(struct aidf_validation_run, m)
static const struct rf_field vrun_fields[] = {
    {"iteration", RF_COUNT, 0, VR(iteration), NF, NULL},
    {"phase", RF_STR, 0, VR(phase), NF, NULL},
    {"command", RF_STR, 0, VR(command), NF, NULL},
    {"passed", RF_TRI, 0, VR(passed), NF, NULL},
    {"durationMs", RF_MS, 0, VR(duration_ms), NF, NULL},
    {"exitCode", RF_INT, 0, VR(exit_code), NF, NULL},
};
static const struct rf_block vrun_block = {vrun_fields, N_(vrun_fields),
                                           sizeof(struct aidf_validation_run)};

static const struct rf_field validation_fields[] = {
    {"runs", RF_ARRAY, 0, R(validation.runs), R(validation.n_runs), &vrun_block},
    {"totalRuns", RF_COUNT, 0, R(validation.total_runs), NF, NULL},
    {"failures", RF_COUNT, 0, R(validation.failures), NF, NULL},
};
static const struct rf_block validation_block = {validation_fields, N_(validation_fields), 0};

static const struct rf_field scope_fields[] = {
    {"mode", RF_STR, 0, R(scope.mode), NF, NULL},
    {"violations", RF_COUNT, 0, R(scope.violations), NF, NULL},
    {"blockedFiles", RF_STRLIST, 0, R(scope.blocked_files), NF, NULL},
};
static const struct rf_block scope_block = {scope_fields, N_(scope_fields), 0};

static const struct rf_field project_fields[] = {
    {"name", RF_STR, 0, R(project.name), NF, NULL},
    {"repository", RF_STR, 0, R(project.repository), NF, NULL},
    {"branch", RF_STR, 0, R(project.branch), NF, NULL},
    {"commit", RF_STR, 0, R(project.commit), NF, NULL},
    {"commitAfter", RF_STR, 0, R(project.commit_after), NF, NULL},
};
static const struct rf_block project_block = {project_fields, N_(project_fields), 0};

static const struct rf_field security_fields[] = {
    {"sandbox", RF_STR, 0, R(security.sandbox), NF, NULL},
};
static const struct rf_block security_block = {security_fields, N_(security_fields), 0};

static const struct rf_field env_fields[] = {
    {"os", RF_STR, 0, R(environment.os), NF, NULL},
    {"arch", RF_STR, 0, R(environment.arch), NF, NULL},
    {"hostname", RF_STR, 0, R(environment.hostname), NF, NULL},
    {"aidfVersion", RF_STR, 0, R(environment.aidf_version), NF, NULL},
    {"ci", RF_TRI, 0, R(environment.ci), NF, NULL},
    {"ciProvider", RF_STR, 0, R(environment.ci_provider), NF, NULL},
    {"ciBuildId", RF_STR, 0, R(environment.ci_build_id), NF, NULL},
    {"ciBranch", RF_STR, 0, R(environment.ci_branch), NF, NULL},
    {"ciCommit", RF_STR, 0, R(environment.ci_commit), NF, NULL},
    {"ciBuildUrl", RF_STR, 0, R(environment.ci_build_url), NF, NULL},
    {"ciRepository", RF_STR, 0, R(environment.ci_repository), NF, NULL},
    {"ciWorkflow", RF_STR, 0, R(environment.ci_workflow), NF, NULL},
    {"ciJob", RF_STR, 0, R(environment.ci_job), NF, NULL},
    {"ciEvent", RF_STR, 0, R(environment.ci_event), NF, NULL},
    {"ciPullRequest", RF_STR, 0, R(environment.ci_pull_request), NF, NULL},
    {"ciAttempt", RF_STR, 0, R(environment.ci_attempt), NF, NULL},
    {"ciActor", RF_STR, 0, R(environment.ci_actor), NF, NULL},
};
static const struct rf_block env_block = {env_fields, N_(env_fields), 0};

/* Output order follows the plan (task 124): metadata, outcome, then the blocks. */
static const struct rf_field report_fields[] = {
    {"runId", RF_RUNID, 1, R(run_id), NF, NULL},
    {"timestamp", RF_TIME, 1, R(timestamp), NF, NULL},
    {"taskPath", RF_STR, 0, R(task_path), NF, NULL},
    {"taskName", RF_STR, 0, R(task_name), NF, NULL},
    {"taskGoal", RF_STR, 0, R(task_goal), NF, NULL},
    {"taskType", RF_STR, 0, R(task_type), NF, NULL},
    {"roleName", RF_STR, 0, R(role_name), NF, NULL},
    {"provider", RF_OBJ, 0, 0, NF, &provider_block},
    {"cwd", RF_STR, 0, R(cwd), NF, NULL},
    {"aidfVersion", RF_STR, 0, R(aidf_version), NF, NULL},
    {"project", RF_OBJ, 0, 0, R(project.present), &project_block},
    {"actor", RF_STR, 0, R(actor), NF, NULL},
    {"tags", RF_TAGS, 0, R(tags), NF, NULL},
    {"agentSessionId", RF_STR, 0, R(agent_session_id), NF, NULL},
    {"status", RF_STATUS, 1, R(status), NF, NULL},
    {"iterations", RF_COUNT, 0, R(iterations), NF, NULL},
    {"maxIterations", RF_COUNT, 0, R(max_iterations), NF, NULL},
    {"consecutiveFailures", RF_COUNT, 0, R(consecutive_failures), NF, NULL},
    {"error", RF_ERROR, 0, 0, NF, &error_block},
    {"blockedReason", RF_STR, 0, R(blocked_reason), NF, NULL},
    {"tokens", RF_OBJ, 0, 0, R(tokens.present), &tokens_block},
    {"cost", RF_OBJ, 0, 0, R(cost.present), &cost_block},
    {"timing", RF_OBJ, 0, 0, R(timing.present), &timing_block},
    {"files", RF_OBJ, 0, 0, R(files.present), &files_block},
    {"validation", RF_OBJ, 0, 0, R(validation.present), &validation_block},
    {"scope", RF_OBJ, 0, 0, R(scope.present), &scope_block},
    {"security", RF_OBJ, 0, 0, R(security.present), &security_block},
    {"environment", RF_OBJ, 0, 0, R(environment.present), &env_block},
    {"schemaVersion", RF_COUNT, 0, R(schema_version), NF, NULL},
};
const struct rf_block aidf_rf_report = {report_fields, N_(report_fields), 0};

/* ---- generic init / release ---- */

#define AT(base, off, type) ((type *)(void *)((char *)(base) + (off)))

void aidf_rf_init(const struct rf_block *b, void *base)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct rf_field *f = &b->fields[i];
        switch ((enum rf_type)f->type) {
        case RF_STR:
        case RF_TIME:
        case RF_RUNID:
            *AT(base, f->off, char *) = NULL;
            break;
        case RF_STATUS:
            *AT(base, f->off, enum aidf_status) = AIDF_STATUS_UNKNOWN;
            break;
        case RF_COUNT:
        case RF_INT:
            *AT(base, f->off, int64_t) = AIDF_UNSET;
            break;
        case RF_MS:
        case RF_MONEY:
            *AT(base, f->off, double) = NAN;
            break;
        case RF_TRI:
            *AT(base, f->off, int) = -1;
            break;
        case RF_STRLIST:
            memset(AT(base, f->off, struct aidf_strlist), 0, sizeof(struct aidf_strlist));
            break;
        case RF_TAGS:
            memset(AT(base, f->off, struct aidf_kvlist), 0, sizeof(struct aidf_kvlist));
            break;
        case RF_NUMMAP:
        case RF_TOKMAP:
            memset(AT(base, f->off, struct aidf_num_map), 0, sizeof(struct aidf_num_map));
            if (f->flag != RF_NOFLAG)
                *AT(base, f->flag, bool) = false;
            break;
        case RF_OBJ:
        case RF_ERROR:
            if (f->flag != RF_NOFLAG)
                *AT(base, f->flag, bool) = false;
            aidf_rf_init(f->sub, base);
            break;
        case RF_ARRAY:
            *AT(base, f->off, void *) = NULL;
            *AT(base, f->flag, size_t) = 0;
            break;
        }
    }
}

/* Free everything the fields of `b` at `base` own (does not re-initialise). */
static void rf_release(const struct rf_block *b, void *base)
{
    for (size_t i = 0; i < b->n; i++) {
        const struct rf_field *f = &b->fields[i];
        switch ((enum rf_type)f->type) {
        case RF_STR:
        case RF_TIME:
        case RF_RUNID:
            free(*AT(base, f->off, char *));
            *AT(base, f->off, char *) = NULL;
            break;
        case RF_STRLIST:
            aidf_strlist_release(AT(base, f->off, struct aidf_strlist));
            break;
        case RF_TAGS:
            aidf_kvlist_release(AT(base, f->off, struct aidf_kvlist));
            break;
        case RF_NUMMAP:
        case RF_TOKMAP:
            aidf_num_map_release(AT(base, f->off, struct aidf_num_map));
            break;
        case RF_OBJ:
        case RF_ERROR:
            rf_release(f->sub, base);
            break;
        case RF_ARRAY: {
            char *items = *AT(base, f->off, char *);
            size_t n = *AT(base, f->flag, size_t);
            for (size_t k = 0; items && k < n; k++)
                rf_release(f->sub, items + k * f->sub->item_size);
            free(items);
            *AT(base, f->off, void *) = NULL;
            *AT(base, f->flag, size_t) = 0;
            break;
        }
        default:
            break;
        }
    }
}

bool aidf_rf_known(const struct rf_block *b, const char *key)
{
    for (size_t i = 0; i < b->n; i++)
        if (!strcmp(b->fields[i].key, key))
            return true;
    return false;
}

void aidf_report_init(struct aidf_report *r)
{
    memset(r, 0, sizeof(*r));
    aidf_rf_init(&aidf_rf_report, r);
    r->extra = NULL;
}

void aidf_report_release(struct aidf_report *r)
{
    if (!r)
        return;
    rf_release(&aidf_rf_report, r);
    if (r->extra)
        json_decref(r->extra);
    aidf_report_init(r);
}

/* ---- status, phases, run ids ---- */

const char *aidf_status_name(enum aidf_status s)
{
    switch (s) {
    case AIDF_STATUS_COMPLETED:
        return "completed";
    case AIDF_STATUS_BLOCKED:
        return "blocked";
    case AIDF_STATUS_FAILED:
        return "failed";
    default:
        return "unknown";
    }
}

enum aidf_status aidf_status_parse(const char *s)
{
    if (!s)
        return AIDF_STATUS_UNKNOWN;
    if (!strcmp(s, "completed"))
        return AIDF_STATUS_COMPLETED;
    if (!strcmp(s, "blocked"))
        return AIDF_STATUS_BLOCKED;
    if (!strcmp(s, "failed"))
        return AIDF_STATUS_FAILED;
    return AIDF_STATUS_UNKNOWN;
}

static const char *const phase_keys[AIDF_PHASE_COUNT] = {
    "contextLoading", "aiExecution", "scopeChecking", "validation", "gitOperations", "other",
};

static const char *const phase_labels[AIDF_PHASE_COUNT] = {
    "Context loading", "AI execution", "Scope checking", "Validation", "Git operations", "Other",
};

const char *aidf_phase_key(enum aidf_phase p)
{
    if ((unsigned)p >= AIDF_PHASE_COUNT)
        return "other";
    return phase_keys[p];
}

const char *aidf_phase_label(enum aidf_phase p)
{
    if ((unsigned)p >= AIDF_PHASE_COUNT)
        return "Other";
    return phase_labels[p];
}

int aidf_phase_from_key(const char *key)
{
    if (!key)
        return -1;
    for (int i = 0; i < AIDF_PHASE_COUNT; i++)
        if (!strcmp(phase_keys[i], key))
            return i;
    return -1;
}

bool aidf_run_id_valid(const char *s)
{
    if (!s)
        return false;
    for (int i = 0; i < AIDF_RUN_ID_LEN; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!isxdigit(c)) {
            return false; /* also stops at the NUL of a short string */
        }
    }
    return s[AIDF_RUN_ID_LEN] == '\0';
}
