#include "aidf/collector.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "aidf/log.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

/* Token usage and provider-reported cost of one iteration. */
struct usage {
    int64_t iteration;
    bool has_tokens;
    int64_t input, output, cache_read, cache_write, reasoning; /* cache/reasoning may be UNSET */
    bool estimated;
    bool has_reported;
    double reported;
};

struct file_entry {
    char *path;
    enum aidf_file_change_kind kind;
};

struct aidf_collector {
    char run_id[AIDF_UUID_BUF];
    char *task_path, *task_goal, *task_type, *role_name;
    char *provider_type, *provider_model, *cwd, *aidf_version;

    struct aidf_collector_clocks clocks;
    int64_t start_wall_ms, start_mono_ns;
    bool finished;
    int64_t end_wall_ms, end_mono_ns;

    struct aidf_profiler prof;
    /* Cumulative phase time when the previous iteration was recorded (for derived maps). */
    struct aidf_num_map phase_mark;
    int64_t iter_mark_ns;

    size_t n_iters, cap_iters;
    struct aidf_iter_timing *iters;

    size_t n_usage, cap_usage;
    struct usage *usage;

    size_t n_runs, cap_runs;
    struct aidf_validation_run *runs;

    int64_t violations;
    struct aidf_strlist blocked;
    char *scope_mode;
    char *sandbox; /* security.sandbox of the report; NULL: none chosen */

    size_t n_files, cap_files;
    struct file_entry *files;

    char *err_message, *err_category, *err_code;

    bool has_outcome;
    enum aidf_status status;
    int64_t iterations, max_iterations, consecutive_failures;
    char *blocked_reason;

    int64_t context_tokens;
    bool has_breakdown;
    struct aidf_num_map breakdown;

    int ci; /* -1 unset */
    struct aidf_ci_env ci_env;
    char *project_name, *repository, *branch, *commit, *commit_after, *actor, *agent_session;
    struct aidf_kvlist tags;
    char *os, *arch, *hostname;

    const struct aidf_rate_table *rates;
};

/* ---- UUID ---------------------------------------------------------------------------- */

static void format_uuid(const unsigned char b[16], char out[AIDF_UUID_BUF])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}

static void set_v4_bits(unsigned char b[16])
{
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* variant 10xx */
}

int aidf_uuid_v4(char out[AIDF_UUID_BUF])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof(b)) != 1 && getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b)) {
        memset(b, 0, sizeof(b));
        format_uuid(b, out);
        return AIDF_EIO;
    }
    set_v4_bits(b);
    format_uuid(b, out);
    return AIDF_OK;
}

/* splitmix64: spreads a weak seed over 64 bits (only for the no-randomness fallback). */
static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void fallback_uuid(struct aidf_collector *c)
{
    unsigned char b[16];
    uint64_t seed = (uint64_t)aidf_mono_ns() ^ ((uint64_t)aidf_wall_ms() << 20) ^
                    ((uint64_t)getpid() << 44) ^ (uint64_t)(uintptr_t)c;
    uint64_t h1 = mix64(seed), h2 = mix64(h1);
    for (int i = 0; i < 8; i++) {
        b[i] = (unsigned char)(h1 >> (8 * i));
        b[8 + i] = (unsigned char)(h2 >> (8 * i));
    }
    set_v4_bits(b);
    format_uuid(b, c->run_id);
}

/* ---- Clocks -------------------------------------------------------------------------- */

static int64_t mono_now(const struct aidf_collector *c)
{
    return c->clocks.mono_ns ? c->clocks.mono_ns(c->clocks.mono_ctx) : aidf_mono_ns();
}

static int64_t wall_now(const struct aidf_collector *c)
{
    return c->clocks.wall_ms ? c->clocks.wall_ms(c->clocks.wall_ctx) : aidf_wall_ms();
}

/* ---- Lifecycle ----------------------------------------------------------------------- */

struct aidf_collector *aidf_collector_new(const struct aidf_run_meta *meta,
                                          const struct aidf_collector_clocks *clocks)
{
    struct aidf_collector *c = aidf_xcalloc(1, sizeof(*c));
    if (aidf_uuid_v4(c->run_id) != AIDF_OK) {
        aidf_log(AIDF_LOG_ERROR, "collector: no randomness available for the run id");
        fallback_uuid(c);
    }
    if (meta) {
        c->task_path = aidf_xstrdup(meta->task_path);
        c->task_goal = aidf_xstrdup(meta->task_goal);
        c->task_type = aidf_xstrdup(meta->task_type);
        c->role_name = aidf_xstrdup(meta->role_name);
        c->provider_type = aidf_xstrdup(meta->provider_type);
        c->provider_model = aidf_xstrdup(meta->provider_model);
        c->cwd = aidf_xstrdup(meta->cwd);
        c->aidf_version = aidf_xstrdup(meta->aidf_version);
    }
    if (clocks)
        c->clocks = *clocks;
    c->start_wall_ms = wall_now(c);
    c->start_mono_ns = mono_now(c);
    c->iter_mark_ns = c->start_mono_ns;
    aidf_profiler_init(&c->prof, c->clocks.mono_ns, c->clocks.mono_ctx);
    c->iterations = c->max_iterations = c->consecutive_failures = AIDF_UNSET;
    c->context_tokens = AIDF_UNSET;
    c->ci = -1;
    return c;
}

/* Replace *dst with a copy of `src` when `src` is not NULL. */
static void update_str(char **dst, const char *src)
{
    if (!src)
        return;
    free(*dst);
    *dst = aidf_xstrdup(src);
}

void aidf_collector_update_meta(struct aidf_collector *c, const struct aidf_run_meta *meta)
{
    if (!c || !meta)
        return;
    update_str(&c->task_path, meta->task_path);
    update_str(&c->task_goal, meta->task_goal);
    update_str(&c->task_type, meta->task_type);
    update_str(&c->role_name, meta->role_name);
    update_str(&c->provider_type, meta->provider_type);
    update_str(&c->provider_model, meta->provider_model);
    update_str(&c->cwd, meta->cwd);
    update_str(&c->aidf_version, meta->aidf_version);
}

void aidf_collector_free(struct aidf_collector *c)
{
    if (!c)
        return;
    free(c->task_path);
    free(c->task_goal);
    free(c->task_type);
    free(c->role_name);
    free(c->provider_type);
    free(c->provider_model);
    free(c->cwd);
    free(c->aidf_version);
    aidf_profiler_release(&c->prof);
    aidf_num_map_release(&c->phase_mark);
    for (size_t i = 0; i < c->n_iters; i++)
        aidf_num_map_release(&c->iters[i].phases);
    free(c->iters);
    free(c->usage);
    for (size_t i = 0; i < c->n_runs; i++) {
        free(c->runs[i].phase);
        free(c->runs[i].command);
    }
    free(c->runs);
    aidf_strlist_release(&c->blocked);
    free(c->scope_mode);
    free(c->sandbox);
    for (size_t i = 0; i < c->n_files; i++)
        free(c->files[i].path);
    free(c->files);
    free(c->err_message);
    free(c->err_category);
    free(c->err_code);
    free(c->blocked_reason);
    aidf_num_map_release(&c->breakdown);
    aidf_ci_env_release(&c->ci_env);
    free(c->project_name);
    free(c->repository);
    free(c->branch);
    free(c->commit);
    free(c->commit_after);
    free(c->actor);
    free(c->agent_session);
    aidf_kvlist_release(&c->tags);
    free(c->os);
    free(c->arch);
    free(c->hostname);
    free(c);
}

const char *aidf_collector_run_id(const struct aidf_collector *c)
{
    return c ? c->run_id : NULL;
}

struct aidf_profiler *aidf_collector_profiler(struct aidf_collector *c)
{
    return c ? &c->prof : NULL;
}

/* ---- Recording ----------------------------------------------------------------------- */

void aidf_collector_start_phase(struct aidf_collector *c, const char *name)
{
    if (!c)
        return;
    aidf_profiler_start(&c->prof, name);
}

void aidf_collector_end_phase(struct aidf_collector *c, const char *name)
{
    if (!c)
        return;
    aidf_profiler_end(&c->prof, name);
}

static void map_copy(struct aidf_num_map *dst, const struct aidf_num_map *src)
{
    for (size_t i = 0; src && i < src->n; i++)
        aidf_num_map_set(dst, src->items[i].name, src->items[i].value);
}

void aidf_collector_record_iteration(struct aidf_collector *c,
                                     const struct aidf_iteration_metrics *m)
{
    if (!c || !m)
        return;
    int64_t now = mono_now(c);
    struct aidf_iter_timing *t = NULL;
    for (size_t i = 0; i < c->n_iters; i++) {
        if (c->iters[i].iteration == m->iteration) {
            t = &c->iters[i];
            aidf_num_map_release(&t->phases);
            break;
        }
    }
    if (!t) {
        c->iters = aidf_xgrow(c->iters, &c->cap_iters, c->n_iters + 1, sizeof(*c->iters));
        t = &c->iters[c->n_iters++];
    }
    memset(t, 0, sizeof(*t));
    t->iteration = m->iteration;
    t->files_changed = m->files_changed;
    if (isnan(m->duration_ms)) {
        int64_t d = now - c->iter_mark_ns;
        t->duration_ms = d > 0 ? (double)d / 1e6 : 0.0;
    } else {
        t->duration_ms = m->duration_ms;
    }

    /* Phase time accrued since the previous iteration, from cumulative timings. */
    struct aidf_num_map cum = {0};
    aidf_profiler_timings(&c->prof, &cum);
    if (m->phases) {
        map_copy(&t->phases, m->phases);
    } else {
        for (size_t i = 0; i < cum.n; i++) {
            double before = aidf_num_map_get(&c->phase_mark, cum.items[i].name);
            double d = cum.items[i].value - (isnan(before) ? 0.0 : before);
            if (d > 0)
                aidf_num_map_set(&t->phases, cum.items[i].name, d);
        }
    }
    aidf_num_map_release(&c->phase_mark);
    c->phase_mark = cum;
    c->iter_mark_ns = now;
}

static struct usage *usage_for(struct aidf_collector *c, int64_t iteration)
{
    for (size_t i = 0; i < c->n_usage; i++)
        if (c->usage[i].iteration == iteration)
            return &c->usage[i];
    c->usage = aidf_xgrow(c->usage, &c->cap_usage, c->n_usage + 1, sizeof(*c->usage));
    struct usage *u = &c->usage[c->n_usage++];
    memset(u, 0, sizeof(*u));
    u->iteration = iteration;
    u->cache_read = u->cache_write = u->reasoning = AIDF_UNSET;
    return u;
}

static int64_t clamp_count(int64_t v)
{
    return v < 0 ? 0 : v; /* also maps AIDF_UNSET to 0 */
}

/* Add an optional count: UNSET + UNSET stays UNSET. */
static void add_optional(int64_t *acc, int64_t v)
{
    if (v == AIDF_UNSET)
        return;
    *acc = (*acc == AIDF_UNSET ? 0 : *acc) + clamp_count(v);
}

void aidf_collector_record_tokens(struct aidf_collector *c, int64_t iteration, int64_t input,
                                  int64_t output, int64_t cache_read, int64_t cache_write,
                                  int64_t reasoning, bool estimated)
{
    if (!c)
        return;
    if ((input < 0 && input != AIDF_UNSET) || (output < 0 && output != AIDF_UNSET))
        aidf_warn("collector: negative token count for iteration %lld treated as 0",
                  (long long)iteration);
    struct usage *u = usage_for(c, iteration);
    u->has_tokens = true;
    u->input += clamp_count(input);
    u->output += clamp_count(output);
    add_optional(&u->cache_read, cache_read);
    add_optional(&u->cache_write, cache_write);
    add_optional(&u->reasoning, reasoning);
    u->estimated = u->estimated || estimated;
}

void aidf_collector_record_provider_cost(struct aidf_collector *c, int64_t iteration, double usd)
{
    if (!c)
        return;
    if (!isfinite(usd) || usd < 0) {
        aidf_warn("collector: invalid provider cost for iteration %lld ignored",
                  (long long)iteration);
        return;
    }
    struct usage *u = usage_for(c, iteration);
    u->reported = (u->has_reported ? u->reported : 0.0) + usd;
    u->has_reported = true;
}

void aidf_collector_record_validation(struct aidf_collector *c, int64_t iteration,
                                      const char *phase, const char *command, int passed,
                                      double duration_ms, int64_t exit_code)
{
    if (!c)
        return;
    c->runs = aidf_xgrow(c->runs, &c->cap_runs, c->n_runs + 1, sizeof(*c->runs));
    struct aidf_validation_run *r = &c->runs[c->n_runs++];
    r->iteration = iteration;
    r->phase = aidf_xstrdup(phase);
    r->command = aidf_xstrdup(command);
    r->passed = passed < 0 ? -1 : (passed ? 1 : 0);
    r->duration_ms = duration_ms;
    r->exit_code = exit_code;
}

void aidf_collector_record_scope_violation(struct aidf_collector *c, const char *const *files,
                                           size_t n)
{
    if (!c)
        return;
    c->violations += n ? (int64_t)n : 1;
    for (size_t i = 0; files && i < n; i++)
        if (files[i] && *files[i] && !aidf_strlist_has(&c->blocked, files[i]))
            aidf_strlist_add(&c->blocked, files[i]);
}

void aidf_collector_record_file_change(struct aidf_collector *c, const char *path,
                                       enum aidf_file_change_kind kind)
{
    if (!c || !path || !*path)
        return;
    if (kind != AIDF_FILE_CREATED && kind != AIDF_FILE_MODIFIED && kind != AIDF_FILE_DELETED) {
        aidf_warn("collector: unknown change kind for '%s' ignored", path);
        return;
    }
    for (size_t i = 0; i < c->n_files; i++) {
        struct file_entry *f = &c->files[i];
        if (strcmp(f->path, path) != 0)
            continue;
        switch (f->kind) {
        case AIDF_FILE_CREATED:
            if (kind == AIDF_FILE_DELETED) {
                /* Created and deleted within the run: no net change. */
                free(f->path);
                memmove(f, f + 1, (c->n_files - i - 1) * sizeof(*f));
                c->n_files--;
            }
            break;
        case AIDF_FILE_MODIFIED:
            if (kind == AIDF_FILE_DELETED)
                f->kind = AIDF_FILE_DELETED;
            break;
        case AIDF_FILE_DELETED:
            if (kind != AIDF_FILE_DELETED)
                f->kind = AIDF_FILE_MODIFIED;
            break;
        }
        return;
    }
    c->files = aidf_xgrow(c->files, &c->cap_files, c->n_files + 1, sizeof(*c->files));
    c->files[c->n_files].path = aidf_xstrdup(path);
    c->files[c->n_files].kind = kind;
    c->n_files++;
}

static void replace_str(char **dst, const char *src)
{
    char *copy = aidf_xstrdup(src);
    free(*dst);
    *dst = copy;
}

void aidf_collector_record_error(struct aidf_collector *c, const char *message,
                                 const char *category, const char *code)
{
    if (!c)
        return;
    replace_str(&c->err_message, message && *message ? message : "unknown error");
    replace_str(&c->err_category, category);
    replace_str(&c->err_code, code);
}

void aidf_collector_set_outcome(struct aidf_collector *c, enum aidf_status status,
                                int64_t iterations, int64_t max_iterations,
                                int64_t consecutive_failures, const char *blocked_reason)
{
    if (!c)
        return;
    if (status != AIDF_STATUS_COMPLETED && status != AIDF_STATUS_BLOCKED &&
        status != AIDF_STATUS_FAILED) {
        aidf_warn("collector: unknown run status %d recorded as failed", (int)status);
        status = AIDF_STATUS_FAILED;
    }
    c->has_outcome = true;
    c->status = status;
    c->iterations = iterations;
    c->max_iterations = max_iterations;
    c->consecutive_failures = consecutive_failures;
    replace_str(&c->blocked_reason, blocked_reason);
}

void aidf_collector_set_context_tokens(struct aidf_collector *c, int64_t n,
                                       const struct aidf_num_map *breakdown)
{
    if (!c)
        return;
    c->context_tokens = n == AIDF_UNSET ? AIDF_UNSET : clamp_count(n);
    aidf_num_map_release(&c->breakdown);
    c->has_breakdown = breakdown != NULL;
    map_copy(&c->breakdown, breakdown);
}

void aidf_collector_set_scope_mode(struct aidf_collector *c, const char *mode)
{
    if (!c)
        return;
    replace_str(&c->scope_mode, mode);
}

void aidf_collector_set_sandbox(struct aidf_collector *c, const char *sandbox)
{
    if (!c)
        return;
    replace_str(&c->sandbox, sandbox);
}

void aidf_collector_set_environment(struct aidf_collector *c, const struct aidf_ci_env *ci)
{
    if (!c)
        return;
    aidf_ci_env_release(&c->ci_env);
    c->ci = ci && ci->ci ? 1 : 0;
    if (ci && ci->ci) {
        c->ci_env.ci = true;
        c->ci_env.provider = aidf_xstrdup(ci->provider);
        c->ci_env.build_id = aidf_xstrdup(ci->build_id);
        c->ci_env.branch = aidf_xstrdup(ci->branch);
        c->ci_env.commit = aidf_xstrdup(ci->commit);
        c->ci_env.build_url = aidf_xstrdup(ci->build_url);
        c->ci_env.repository = aidf_xstrdup(ci->repository);
        c->ci_env.workflow = aidf_xstrdup(ci->workflow);
        c->ci_env.job = aidf_xstrdup(ci->job);
        c->ci_env.event = aidf_xstrdup(ci->event);
        c->ci_env.pull_request = aidf_xstrdup(ci->pull_request);
        c->ci_env.attempt = aidf_xstrdup(ci->attempt);
        c->ci_env.actor = aidf_xstrdup(ci->actor);
    }
}

void aidf_collector_set_origin(struct aidf_collector *c, const struct aidf_collector_origin *o)
{
    if (!c || !o)
        return;
    replace_str(&c->project_name, o->project_name);
    replace_str(&c->repository, o->repository);
    replace_str(&c->branch, o->branch);
    replace_str(&c->commit, o->commit);
    replace_str(&c->actor, o->actor);
    aidf_kvlist_release(&c->tags);
    for (size_t i = 0; o->tags && i < o->tags->n; i++)
        aidf_kvlist_add(&c->tags, o->tags->items[i].key, o->tags->items[i].value);
}

void aidf_collector_set_commit_after(struct aidf_collector *c, const char *sha)
{
    if (c)
        replace_str(&c->commit_after, sha);
}

void aidf_collector_set_agent_session(struct aidf_collector *c, const char *session_id)
{
    if (c)
        replace_str(&c->agent_session, session_id);
}

int aidf_collector_fill_host(struct aidf_collector *c)
{
    if (!c)
        return AIDF_EINVAL;
    struct utsname u;
    if (uname(&u) != 0)
        return AIDF_EIO;
    char os[sizeof(u.sysname)];
    size_t i;
    /* "Linux" -> "linux", the platform spelling other tools use. */
    for (i = 0; u.sysname[i] && i + 1 < sizeof(os); i++)
        os[i] =
            (char)((u.sysname[i] >= 'A' && u.sysname[i] <= 'Z') ? u.sysname[i] + 32 : u.sysname[i]);
    os[i] = '\0';
    replace_str(&c->os, os);
    replace_str(&c->arch, u.machine);
    replace_str(&c->hostname, u.nodename);
    return AIDF_OK;
}

void aidf_collector_set_rates(struct aidf_collector *c, const struct aidf_rate_table *t)
{
    if (c)
        c->rates = t;
}

void aidf_collector_finish(struct aidf_collector *c)
{
    if (!c || c->finished)
        return;
    aidf_profiler_finish(&c->prof);
    c->end_wall_ms = wall_now(c);
    c->end_mono_ns = mono_now(c);
    c->finished = true;
}

/* ---- The report ---------------------------------------------------------------------- */

static int cmp_usage(const void *a, const void *b)
{
    int64_t x = ((const struct usage *)a)->iteration, y = ((const struct usage *)b)->iteration;
    return (x > y) - (x < y);
}

static int cmp_iter(const void *a, const void *b)
{
    int64_t x = ((const struct aidf_iter_timing *)a)->iteration;
    int64_t y = ((const struct aidf_iter_timing *)b)->iteration;
    return (x > y) - (x < y);
}

static void fill_tokens(struct aidf_collector *c, struct aidf_report *r, bool *any_tokens)
{
    size_t n_tok = 0;
    for (size_t i = 0; i < c->n_usage; i++)
        n_tok += c->usage[i].has_tokens;
    *any_tokens = n_tok > 0;
    if (n_tok == 0 && c->context_tokens == AIDF_UNSET && !c->has_breakdown)
        return;

    r->tokens.present = true;
    r->tokens.context_tokens = c->context_tokens;
    r->tokens.total_input = r->tokens.total_output = 0;
    r->tokens.cache_read = r->tokens.cache_write = r->tokens.reasoning = AIDF_UNSET;
    r->tokens.estimated = n_tok ? 0 : -1;
    r->tokens.per_iteration = n_tok ? aidf_xcalloc(n_tok, sizeof(*r->tokens.per_iteration)) : NULL;
    for (size_t i = 0; i < c->n_usage; i++) {
        const struct usage *u = &c->usage[i];
        if (!u->has_tokens)
            continue;
        struct aidf_iter_tokens *t = &r->tokens.per_iteration[r->tokens.n_per_iteration++];
        t->iteration = u->iteration;
        t->input = u->input;
        t->output = u->output;
        t->cache_read = u->cache_read;
        t->cache_write = u->cache_write;
        t->reasoning = u->reasoning;
        t->estimated = u->estimated ? 1 : 0;
        r->tokens.total_input += u->input;
        r->tokens.total_output += u->output;
        add_optional(&r->tokens.cache_read, u->cache_read);
        add_optional(&r->tokens.cache_write, u->cache_write);
        add_optional(&r->tokens.reasoning, u->reasoning);
        if (u->estimated)
            r->tokens.estimated = 1;
    }
    r->tokens.total_tokens = r->tokens.total_input + r->tokens.total_output;
    if (c->has_breakdown) {
        r->tokens.has_breakdown = true;
        map_copy(&r->tokens.breakdown, &c->breakdown);
    }
}

static void fill_cost(struct aidf_collector *c, struct aidf_report *r, bool any_tokens)
{
    const struct aidf_rates *rates =
        aidf_rate_lookup(c->rates, c->provider_model, c->provider_type, NULL);
    bool any_reported = false;
    for (size_t i = 0; i < c->n_usage; i++)
        any_reported = any_reported || c->usage[i].has_reported;

    r->cost.present = true;
    r->cost.currency = aidf_xstrdup("USD");
    if (rates) {
        r->cost.has_rates = true;
        r->cost.rates = *rates;
    }
    double computed = (rates && any_tokens) ? 0.0 : NAN;
    double reported = any_reported ? 0.0 : NAN;
    double estimated = NAN;
    if (c->n_usage)
        r->cost.per_iteration = aidf_xcalloc(c->n_usage, sizeof(*r->cost.per_iteration));
    for (size_t i = 0; i < c->n_usage; i++) {
        const struct usage *u = &c->usage[i];
        double comp = NAN;
        if (rates && u->has_tokens) {
            struct aidf_token_counts tc = {u->input, u->output, u->cache_read, u->cache_write};
            comp = aidf_cost_compute(rates, &tc);
            computed += comp;
        }
        if (u->has_reported)
            reported += u->reported;
        /* The provider's own figure wins; iterations it did not price fall back to ours. */
        double v = (any_reported && u->has_reported) ? u->reported : comp;
        if (isnan(v))
            continue;
        estimated = isnan(estimated) ? v : estimated + v;
        struct aidf_iter_cost *ic = &r->cost.per_iteration[r->cost.n_per_iteration++];
        ic->iteration = u->iteration;
        ic->cost = v;
    }
    r->cost.computed = computed;
    r->cost.reported = reported;
    bool any_usage = any_reported;
    for (size_t i = 0; i < c->n_usage && !any_usage; i++)
        any_usage = c->usage[i].has_tokens;
    if (!any_usage && r->status == AIDF_STATUS_FAILED) {
        /* A failed run that used nothing (refused config, auth error, no agent answer) cost
         * nothing. A completed or blocked run without usage figures did work we cannot
         * measure: that stays unpriced. */
        r->cost.source = aidf_xstrdup("computed");
        r->cost.estimated_total = 0.0;
        r->cost.computed = 0.0;
    } else if (any_reported) {
        r->cost.source = aidf_xstrdup("provider");
        r->cost.estimated_total = estimated;
    } else if (!isnan(computed)) {
        r->cost.source = aidf_xstrdup("computed");
        r->cost.estimated_total = computed;
    } else {
        r->cost.estimated_total = NAN;
    }
    r->cost.unpriced = isnan(r->cost.estimated_total) ? 1 : 0;
    if (r->cost.n_per_iteration == 0) {
        free(r->cost.per_iteration);
        r->cost.per_iteration = NULL;
    }
}

static void fill_timing(struct aidf_collector *c, struct aidf_report *r)
{
    char iso[AIDF_ISO_LEN];
    r->timing.present = true;
    aidf_iso_format(c->start_wall_ms, iso);
    r->timing.started_at = aidf_xstrdup(iso);
    aidf_iso_format(c->end_wall_ms, iso);
    r->timing.completed_at = aidf_xstrdup(iso);
    int64_t d = c->end_mono_ns - c->start_mono_ns;
    r->timing.total_duration_ms = d > 0 ? (double)d / 1e6 : 0.0;
    aidf_profiler_timings(&c->prof, &r->timing.phases);
    if (c->n_iters) {
        r->timing.per_iteration = aidf_xcalloc(c->n_iters, sizeof(*r->timing.per_iteration));
        for (size_t i = 0; i < c->n_iters; i++) {
            struct aidf_iter_timing *t = &r->timing.per_iteration[i];
            t->iteration = c->iters[i].iteration;
            t->duration_ms = c->iters[i].duration_ms;
            t->files_changed = c->iters[i].files_changed;
            map_copy(&t->phases, &c->iters[i].phases);
        }
        r->timing.n_per_iteration = c->n_iters;
        qsort(r->timing.per_iteration, c->n_iters, sizeof(*r->timing.per_iteration), cmp_iter);
    }
}

static int64_t highest_iteration(const struct aidf_collector *c)
{
    int64_t n = 0;
    for (size_t i = 0; i < c->n_iters; i++)
        if (c->iters[i].iteration > n)
            n = c->iters[i].iteration;
    for (size_t i = 0; i < c->n_usage; i++)
        if (c->usage[i].iteration > n)
            n = c->usage[i].iteration;
    return n;
}

int aidf_collector_to_report(struct aidf_collector *c, struct aidf_report *out)
{
    if (!c || !out)
        return AIDF_EINVAL;
    aidf_collector_finish(c);
    aidf_report_release(out);
    struct aidf_report *r = out;
    char iso[AIDF_ISO_LEN];

    r->schema_version = AIDF_SCHEMA_VERSION;
    r->run_id = aidf_xstrdup(c->run_id);
    aidf_iso_format(c->start_wall_ms, iso);
    r->timestamp = aidf_xstrdup(iso);
    r->task_path = aidf_xstrdup(c->task_path);
    if (c->task_path && *c->task_path) {
        const char *slash = strrchr(c->task_path, '/');
        r->task_name = aidf_xstrdup(slash ? slash + 1 : c->task_path);
    }
    if (c->project_name || c->repository || c->branch || c->commit) {
        r->project.present = true;
        r->project.name = aidf_xstrdup(c->project_name);
        r->project.repository = aidf_xstrdup(c->repository);
        r->project.branch = aidf_xstrdup(c->branch);
        r->project.commit = aidf_xstrdup(c->commit);
        /* Only when HEAD moved: the same commit twice says nothing. */
        if (c->commit_after && (!c->commit || strcmp(c->commit, c->commit_after) != 0))
            r->project.commit_after = aidf_xstrdup(c->commit_after);
    }
    r->actor = aidf_xstrdup(c->actor);
    for (size_t i = 0; i < c->tags.n; i++)
        aidf_kvlist_add(&r->tags, c->tags.items[i].key, c->tags.items[i].value);
    r->agent_session_id = aidf_xstrdup(c->agent_session);
    r->task_goal = aidf_xstrdup(c->task_goal);
    r->task_type = aidf_xstrdup(c->task_type);
    r->role_name = aidf_xstrdup(c->role_name);
    r->cwd = aidf_xstrdup(c->cwd);
    r->aidf_version = aidf_xstrdup(c->aidf_version);
    r->provider.type = aidf_xstrdup(c->provider_type);
    r->provider.model = aidf_xstrdup(c->provider_model);

    r->status = c->has_outcome ? c->status : AIDF_STATUS_FAILED;
    r->iterations =
        c->has_outcome && c->iterations != AIDF_UNSET ? c->iterations : highest_iteration(c);
    r->max_iterations = c->max_iterations;
    r->consecutive_failures = c->consecutive_failures;
    r->blocked_reason = aidf_xstrdup(c->blocked_reason);
    if (c->err_message) {
        r->error.message = aidf_xstrdup(c->err_message);
        r->error.category = aidf_xstrdup(c->err_category);
        r->error.code = aidf_xstrdup(c->err_code);
    }

    /* Report per-iteration entries in iteration order whatever the recording order. */
    if (c->n_usage > 1)
        qsort(c->usage, c->n_usage, sizeof(*c->usage), cmp_usage);
    bool any_tokens = false;
    fill_tokens(c, r, &any_tokens);
    fill_cost(c, r, any_tokens);
    fill_timing(c, r);

    r->files.present = true;
    for (size_t i = 0; i < c->n_files; i++) {
        const struct file_entry *f = &c->files[i];
        struct aidf_strlist *l = f->kind == AIDF_FILE_CREATED    ? &r->files.created
                                 : f->kind == AIDF_FILE_MODIFIED ? &r->files.modified
                                                                 : &r->files.deleted;
        aidf_strlist_add(l, f->path);
    }
    r->files.total_count = (int64_t)c->n_files;

    r->validation.present = true;
    r->validation.total_runs = (int64_t)c->n_runs;
    r->validation.failures = 0;
    if (c->n_runs) {
        r->validation.runs = aidf_xcalloc(c->n_runs, sizeof(*r->validation.runs));
        for (size_t i = 0; i < c->n_runs; i++) {
            struct aidf_validation_run *v = &r->validation.runs[i];
            *v = c->runs[i];
            v->phase = aidf_xstrdup(c->runs[i].phase);
            v->command = aidf_xstrdup(c->runs[i].command);
            if (v->passed == 0)
                r->validation.failures++;
        }
        r->validation.n_runs = c->n_runs;
    }

    r->scope.present = true;
    r->scope.mode = aidf_xstrdup(c->scope_mode);
    r->scope.violations = c->violations;
    for (size_t i = 0; i < c->blocked.n; i++)
        aidf_strlist_add(&r->scope.blocked_files, c->blocked.items[i]);

    if (c->sandbox) {
        r->security.present = true;
        r->security.sandbox = aidf_xstrdup(c->sandbox);
    }

    r->environment.present = true;
    r->environment.os = aidf_xstrdup(c->os);
    r->environment.arch = aidf_xstrdup(c->arch);
    r->environment.hostname = aidf_xstrdup(c->hostname);
    r->environment.aidf_version = aidf_xstrdup(c->aidf_version);
    r->environment.ci = c->ci;
    r->environment.ci_provider = aidf_xstrdup(c->ci_env.provider);
    r->environment.ci_build_id = aidf_xstrdup(c->ci_env.build_id);
    r->environment.ci_branch = aidf_xstrdup(c->ci_env.branch);
    r->environment.ci_commit = aidf_xstrdup(c->ci_env.commit);
    r->environment.ci_build_url = aidf_xstrdup(c->ci_env.build_url);
    r->environment.ci_repository = aidf_xstrdup(c->ci_env.repository);
    r->environment.ci_workflow = aidf_xstrdup(c->ci_env.workflow);
    r->environment.ci_job = aidf_xstrdup(c->ci_env.job);
    r->environment.ci_event = aidf_xstrdup(c->ci_env.event);
    r->environment.ci_pull_request = aidf_xstrdup(c->ci_env.pull_request);
    r->environment.ci_attempt = aidf_xstrdup(c->ci_env.attempt);
    r->environment.ci_actor = aidf_xstrdup(c->ci_env.actor);
    return AIDF_OK;
}
