/*
 * aidf-gen-reports: write a synthetic but realistic reports directory for benchmarks
 * and tests.
 *
 *   aidf-gen-reports --dir DIR --count N [--seed S] [--days D] [--now ISO] [--corrupt K]
 *
 * Reports go to DIR/YYYY-MM-DD/run-<id8>.json (UTC date of the timestamp) as pretty
 * JSON from aidf_report_dumps(). Everything comes from a seeded PRNG: the same seed,
 * count, days and --now give the same bytes. Each report draws from its own stream
 * (seed, index), so report i does not depend on how many reports come after it.
 *
 * Files are written with plain stdio (no fsync): this is a dataset generator, not the
 * store. A short-id collision inside one generation falls back to the full run id in
 * the file name, as the store does.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "aidf/err.h"
#include "aidf/fsutil.h"
#include "aidf/kvlist.h"
#include "aidf/report.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

#define DAY_MS 86400000LL

/* ---- PRNG: splitmix64 to seed, xoshiro256** to draw ---- */

struct rng {
    uint64_t s[4];
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n); n > 0. The modulo bias is irrelevant at these sizes. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

/* Uniform integer in [lo, hi]. */
static int64_t rng_range(struct rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)rng_below(r, (uint64_t)(hi - lo) + 1);
}

static double rng_uniform(struct rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(r);
}

static bool rng_chance(struct rng *r, double p)
{
    return rng_unit(r) < p;
}

/* Log-uniform integer in [lo, hi] (lo > 0): many small values, a long tail. */
static int64_t rng_logrange(struct rng *r, int64_t lo, int64_t hi)
{
    double v = exp(rng_uniform(r, log((double)lo), log((double)hi + 1)));
    int64_t n = (int64_t)v;
    return n < lo ? lo : n > hi ? hi : n;
}

static size_t rng_weighted(struct rng *r, const double *w, size_t n)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    double x = rng_unit(r) * total;
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

#define PICK(r, arr) ((arr)[rng_below((r), sizeof(arr) / sizeof((arr)[0]))])

/* ---- Fixed vocabularies ---- */

static const char *const task_verbs[] = {"add",    "fix",     "refactor", "implement", "update",
                                         "remove", "migrate", "optimize", "document",  "test"};
static const char *const task_objects[] = {
    "login-form",     "user-profile-page", "rate-limiter",      "payment-webhook",
    "search-index",   "csv-export",        "dark-mode",         "session-timeout",
    "api-pagination", "audit-log",         "password-reset",    "email-templates",
    "feature-flags",  "cache-layer",       "image-upload",      "notification-center",
    "billing-page",   "oauth-callback",    "error-boundary",    "date-picker",
    "i18n-strings",   "health-check",      "retry-policy",      "invoice-pdf",
    "team-invites",   "sidebar-nav",       "websocket-client",  "data-table",
    "access-control", "onboarding-flow",   "metrics-dashboard", "config-loader",
    "graphql-schema", "cli-parser",        "dependency-update", "db-migrations",
    "token-refresh",  "file-watcher",      "markdown-renderer", "report-scheduler"};
static const char *const src_dirs[] = {
    "src/components", "src/pages", "src/api",       "src/lib",       "src/utils",
    "src/hooks",      "src/store", "server/routes", "server/models", "server/middleware",
    "tests/unit",     "tests/e2e", "docs",          "scripts",       "config"};
static const char *const src_names[] = {
    "login",      "user-profile", "rate-limit", "payment",  "search",   "export", "theme",
    "session",    "pagination",   "audit",      "password", "email",    "flags",  "cache",
    "upload",     "notify",       "billing",    "oauth",    "errors",   "date",   "i18n",
    "health",     "retry",        "invoice",    "invites",  "sidebar",  "socket", "table",
    "acl",        "onboarding",   "metrics",    "config",   "schema",   "cli",    "deps",
    "migrations", "token",        "watcher",    "markdown", "scheduler"};
static const char *const roles[] = {"developer", "developer",  "developer", "tester",
                                    "architect", "documenter", "reviewer"};
static const char *const local_cwds[] = {
    "/home/ana/src/webapp", "/Users/jkim/code/acme-api", "/home/dev/projects/shop-frontend",
    "/Users/mlopez/work/billing-service", "/home/sam/code/platform-monorepo"};
static const char *const ci_cwds[] = {"/home/runner/work/webapp/webapp", "/builds/acme/webapp",
                                      "/var/lib/jenkins/workspace/acme-api",
                                      "/home/circleci/project", "/buildkite/builds/agent-3/acme"};
static const char *const local_hosts[] = {"ana-thinkpad", "jkim-mbp", "devbox-04", "mlopez-mba",
                                          "sam-workstation"};
static const char *const branches[] = {"main",
                                       "develop",
                                       "feature/login-form",
                                       "fix/rate-limit-retry",
                                       "renovate/jest-30.x",
                                       "release/2.4",
                                       "chore/ai-tasks"};
static const char *const blocked_reasons[] = {
    "Task requires changes outside the allowed scope: package.json",
    "Missing credentials for the payment sandbox (STRIPE_TEST_KEY is not set)",
    "Ambiguous requirement: which date format should the CSV export use?",
    "Tests need a PostgreSQL database that is not available in this environment",
    "The task depends on task 041, which is still pending",
    "Validation keeps failing on a flaky e2e test unrelated to the change",
    "Design decision needed: keep the legacy REST endpoint or replace it with GraphQL?"};
static const char *const scope_forbidden[] = {"package.json",
                                              ".env",
                                              "infra/terraform/main.tf",
                                              ".github/workflows/ci.yml",
                                              "package-lock.json",
                                              "docker-compose.yml",
                                              "src/legacy/index.js"};
static const char *const validation_cmds[] = {"npm test",  "npm run lint",  "npm run typecheck",
                                              "make lint", "make test",     "pnpm vitest run",
                                              "pytest -q", "go test ./...", "cargo clippy"};

struct failure {
    const char *category, *code, *message;
};

static const struct failure failures[] = {
    {"auth", "AUTH_FAILED", "authentication failed: invalid x-api-key"},
    {"config", "CONFIG_INVALID", "config.yml: cost.rates.gpt-4o.input_per_1m must be positive"},
    {"provider", "PROVIDER_UNAVAILABLE", "provider command not found in PATH"},
    {"provider", "PROVIDER_CRASH", "provider process exited with status 137 (killed)"},
    {"rate_limit", "RATE_LIMITED", "rate limit exceeded after 5 retries (retry-after 60 s)"},
    {"timeout", "ITERATION_TIMEOUT", "iteration exceeded the 600 s timeout"},
    {"validation", "MAX_CONSECUTIVE_FAILURES", "validation failed 3 times in a row"},
    {"git", "GIT_COMMIT_FAILED", "git commit failed: pre-commit hook exited with status 1"},
    {"network", "NETWORK_ERROR", "connection reset by peer while reading the response"},
    {"max_iterations", "MAX_ITERATIONS", "reached the iteration limit without completing"},
};

struct model {
    const char *provider, *name;
    double in, out, cache_read, cache_write; /* USD per 1M tokens; NaN: not applicable */
    bool priced;
};

/* The built-in Anthropic and OpenAI rates, USD per 1M tokens (5-minute cache writes). */
static const struct model models[] = {
    {"claude-cli", "claude-sonnet-4-5", 3, 15, 0.30, 3.75, true},
    {"claude-cli", "claude-opus-4-6", 5, 25, 0.50, 6.25, true},
    {"claude-cli", "claude-haiku-4-5", 1, 5, 0.10, 1.25, true},
    {"anthropic-api", "claude-sonnet-4-5", 3, 15, 0.30, 3.75, true},
    {"anthropic-api", "claude-opus-4-6", 5, 25, 0.50, 6.25, true},
    {"anthropic-api", "claude-haiku-4-5", 1, 5, 0.10, 1.25, true},
    {"openai-api", "gpt-4o", 2.5, 10, 1.25, NAN, true},
    {"openai-api", "gpt-4o-mini", 0.15, 0.60, 0.075, NAN, true},
    {"openai-api", "gpt-5", 1.25, 10, 0.125, NAN, true},
    {"cursor-cli", "auto", NAN, NAN, NAN, NAN, false},
    {"cursor-cli", "cursor-small", NAN, NAN, NAN, NAN, false},
    {"cursor-cli", "claude-sonnet-4-5", 3, 15, NAN, NAN, true},
    {"cursor-cli", "gpt-5", 1.25, 10, NAN, NAN, true},
};
/* Share of runs per entry of models[]. */
static const double model_weights[] = {20, 9, 8, 10, 4, 6, 8, 6, 6, 5, 4, 3, 3};

#define N_TASKS 200
#define N_FILES 500

struct task {
    char path[96];
    char goal[64];
    const char *type;
};

static struct task task_pool[N_TASKS];
static char file_pool[N_FILES][64];

/* "login-form" → "LoginForm" */
static void pascal_case(const char *s, char *out, size_t outlen)
{
    size_t o = 0;
    bool up = true;
    for (; *s && o + 1 < outlen; s++) {
        if (*s == '-') {
            up = true;
            continue;
        }
        out[o++] = up && *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
        up = false;
    }
    out[o] = '\0';
}

/* The pools do not depend on --seed, so every dataset shares tasks and files. */
static void build_pools(void)
{
    struct rng r;
    rng_seed(&r, 0x61696466ULL, 1);
    static const double folder_w[] = {70, 20, 10};
    static const char *const folders[] = {"completed", "pending", "blocked"};
    for (int i = 0; i < N_TASKS; i++) {
        size_t v = (size_t)rng_below(&r, sizeof(task_verbs) / sizeof(task_verbs[0]));
        const char *obj = PICK(&r, task_objects);
        const char *verb = task_verbs[v];
        struct task *t = &task_pool[i];
        snprintf(t->path, sizeof(t->path), ".ai/tasks/%s/%03d-%s-%s.md",
                 folders[rng_weighted(&r, folder_w, 3)], i + 1, verb, obj);
        int n = snprintf(t->goal, sizeof(t->goal), "%c%s %s", verb[0] - 'a' + 'A', verb + 1, obj);
        for (int k = 0; k < n && t->goal[k]; k++) {
            if (t->goal[k] == '-')
                t->goal[k] = ' ';
        }
        if (v == 1)
            t->type = "bugfix";
        else if (v == 2 || v == 6 || v == 7)
            t->type = "refactor";
        else if (v == 8)
            t->type = "docs";
        else if (v == 9)
            t->type = "test";
        else
            t->type = rng_chance(&r, 0.5) ? "component" : "feature";
    }
    /* Every (dir, name) pair once, shuffled, first N_FILES kept. */
    size_t nd = sizeof(src_dirs) / sizeof(src_dirs[0]);
    size_t nn = sizeof(src_names) / sizeof(src_names[0]);
    size_t total = nd * nn;
    size_t *idx = aidf_xcalloc(total, sizeof(*idx));
    for (size_t i = 0; i < total; i++)
        idx[i] = i;
    for (size_t i = total - 1; i > 0; i--) {
        size_t j = (size_t)rng_below(&r, i + 1);
        size_t tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
    }
    for (size_t i = 0; i < N_FILES && i < total; i++) {
        const char *dir = src_dirs[idx[i] / nn];
        const char *name = src_names[idx[i] % nn];
        char pc[48];
        if (strncmp(dir, "src/components", 14) == 0 || strncmp(dir, "src/pages", 9) == 0) {
            pascal_case(name, pc, sizeof(pc));
            snprintf(file_pool[i], sizeof(file_pool[i]), "%s/%s.tsx", dir, pc);
        } else if (strncmp(dir, "tests/", 6) == 0) {
            snprintf(file_pool[i], sizeof(file_pool[i]), "%s/%s.test.ts", dir, name);
        } else if (strcmp(dir, "docs") == 0) {
            snprintf(file_pool[i], sizeof(file_pool[i]), "%s/%s.md", dir, name);
        } else if (strcmp(dir, "scripts") == 0) {
            snprintf(file_pool[i], sizeof(file_pool[i]), "%s/%s.sh", dir, name);
        } else if (strcmp(dir, "config") == 0) {
            snprintf(file_pool[i], sizeof(file_pool[i]), "%s/%s.json", dir, name);
        } else {
            snprintf(file_pool[i], sizeof(file_pool[i]), "%s/%s.ts", dir, name);
        }
    }
    free(idx);
}

/* ---- One report ---- */

static void hex_digits(struct rng *r, char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++)
        out[i] = hex[rng_next(r) & 15];
    out[n] = '\0';
}

/* A random (version 4, RFC 4122 variant) UUID in canonical lower-case form. */
static void make_uuid(struct rng *r, char out[AIDF_RUN_ID_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t b[16];
    uint64_t hi = rng_next(r), lo = rng_next(r);
    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(hi >> (8 * i));
        b[8 + i] = (uint8_t)(lo >> (8 * i));
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

static char *xfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *xfmt(const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    return aidf_xstrdup(tmp);
}

static char *iso_dup(int64_t ms)
{
    char iso[AIDF_ISO_LEN];
    aidf_iso_format(ms, iso);
    return aidf_xstrdup(iso);
}

static double round6(double x)
{
    return round(x * 1e6) / 1e6;
}

/* Add `k` distinct paths from file_pool to `l`, skipping any already in `avoid`. */
static void pick_files(struct rng *r, struct aidf_strlist *l, int64_t k,
                       const struct aidf_strlist *avoid1, const struct aidf_strlist *avoid2)
{
    for (int64_t i = 0, tries = 0; i < k && tries < 100; tries++) {
        const char *f = file_pool[rng_below(r, N_FILES)];
        if (aidf_strlist_has(l, f) || (avoid1 && aidf_strlist_has(avoid1, f)) ||
            (avoid2 && aidf_strlist_has(avoid2, f)))
            continue;
        aidf_strlist_add(l, f);
        i++;
    }
}

/* Projects (with their share of runs); a few runs record none. */
static const char *const projects[] = {"acme/webapp", "acme/api", "acme/billing-service",
                                       "platform/monorepo"};
static const double project_w[] = {45, 25, 15, 10, 5};
/* Actors: people, a bot, one name outside ASCII; a few runs record none. */
static const char *const actors[] = {"ana@acme.dev", "jkim", "mlopez@acme.dev",
                                     "github-actions[bot]", "jos\xC3\xA9"};
static const double actor_w[] = {30, 20, 15, 20, 10, 5};
static const char *const teams[] = {"core", "payments", "platform"};

/* project.name, .repository and .branch, actor, tags (team on most runs, ticket on some),
 * taskName (the task file's name) and the currency (EUR on about one run in seven). */
static void add_dimensions(struct rng *r, struct aidf_report *rep, const struct task *task, bool ci)
{
    size_t p = rng_weighted(r, project_w, sizeof(project_w) / sizeof(project_w[0]));
    if (p < sizeof(projects) / sizeof(projects[0])) {
        rep->project.present = true;
        rep->project.name = aidf_xstrdup(projects[p]);
        rep->project.repository = xfmt("https://github.com/%s.git", projects[p]);
        rep->project.branch = aidf_xstrdup(
            ci && rep->environment.ci_branch ? rep->environment.ci_branch : PICK(r, branches));
        char commit[41];
        hex_digits(r, commit, 40);
        rep->project.commit = aidf_xstrdup(commit);
    }
    size_t a = rng_weighted(r, actor_w, sizeof(actor_w) / sizeof(actor_w[0]));
    if (a < sizeof(actors) / sizeof(actors[0]))
        rep->actor = aidf_xstrdup(actors[a]);
    if (rng_chance(r, 0.8))
        aidf_kvlist_add(&rep->tags, "team", PICK(r, teams));
    if (rng_chance(r, 0.3)) {
        char ticket[32];
        snprintf(ticket, sizeof(ticket), "WID-%d", (int)rng_range(r, 1, 60));
        aidf_kvlist_add(&rep->tags, "ticket", ticket);
    }
    const char *slash = strrchr(task->path, '/');
    rep->task_name = aidf_xstrdup(slash ? slash + 1 : task->path);
    if (rng_chance(r, 1.0 / 7)) {
        free(rep->cost.currency);
        rep->cost.currency = aidf_xstrdup("EUR");
    }
}

static const double status_w[] = {75, 15, 10}; /* completed, blocked, failed */
static const double iter_w[] = {20, 22, 17, 12, 9, 6, 4, 3, 2, 2, 1.5, 1.5};

static void gen_report(uint64_t seed, uint64_t index, int64_t now_ms, int64_t days,
                       struct aidf_report *rep)
{
    struct rng rr, *r = &rr;
    rng_seed(r, seed, index + 1);
    aidf_report_init(rep);

    char id[AIDF_RUN_ID_LEN + 1];
    make_uuid(r, id);
    int64_t span = days * DAY_MS;
    int64_t start = now_ms - (span > 0 ? (int64_t)rng_below(r, (uint64_t)span) : 0);

    rep->schema_version = AIDF_SCHEMA_VERSION;
    rep->run_id = aidf_xstrdup(id);
    rep->timestamp = iso_dup(start);
    const struct task *task = &task_pool[rng_below(r, N_TASKS)];
    rep->task_path = aidf_xstrdup(task->path);
    rep->task_goal = aidf_xstrdup(task->goal);
    rep->task_type = aidf_xstrdup(task->type);
    rep->role_name = aidf_xstrdup(PICK(r, roles));
    rep->aidf_version = aidf_xstrdup(rng_chance(r, 0.8) ? "0.8.0" : "0.8.0-rc.2");

    const struct model *m =
        &models[rng_weighted(r, model_weights, sizeof(models) / sizeof(models[0]))];
    rep->provider.type = aidf_xstrdup(m->provider);
    rep->provider.model = aidf_xstrdup(m->name);
    bool cli = strcmp(m->provider, "claude-cli") == 0;
    bool cursor = strcmp(m->provider, "cursor-cli") == 0;
    bool openai = strcmp(m->provider, "openai-api") == 0;

    enum aidf_status st = (enum aidf_status)(1 + rng_weighted(r, status_w, 3));
    rep->status = st;
    int64_t iters = 1 + (int64_t)rng_weighted(r, iter_w, 12);
    static const int64_t max_iters[] = {15, 20, 20, 25, 50};
    rep->max_iterations = PICK(r, max_iters);
    rep->iterations = iters;
    rep->consecutive_failures = st == AIDF_STATUS_FAILED    ? rng_range(r, 1, 3)
                                : st == AIDF_STATUS_BLOCKED ? rng_range(r, 0, 2)
                                                            : 0;
    if (st == AIDF_STATUS_FAILED) {
        const struct failure *f = &PICK(r, failures);
        rep->error.message = aidf_xstrdup(f->message);
        rep->error.category = aidf_xstrdup(f->category);
        rep->error.code = aidf_xstrdup(f->code);
    } else if (st == AIDF_STATUS_BLOCKED) {
        rep->blocked_reason = aidf_xstrdup(PICK(r, blocked_reasons));
    }

    /* Environment: CI on ~40%. */
    bool ci = rng_chance(r, 0.4);
    rep->environment.present = true;
    rep->environment.ci = ci;
    rep->environment.aidf_version = aidf_xstrdup(rep->aidf_version);
    if (ci) {
        static const char *const ci_providers[] = {"github-actions", "github-actions", "gitlab-ci",
                                                   "jenkins",        "circleci",       "buildkite",
                                                   "azure-pipelines"};
        const char *cp = PICK(r, ci_providers);
        int64_t build = rng_range(r, 1000, 9999999);
        char commit[41];
        hex_digits(r, commit, 40);
        rep->environment.os = aidf_xstrdup("linux");
        rep->environment.arch = aidf_xstrdup(rng_chance(r, 0.85) ? "x86_64" : "arm64");
        rep->environment.hostname = xfmt("runner-%05" PRId64, build % 100000);
        rep->environment.ci_provider = aidf_xstrdup(cp);
        rep->environment.ci_build_id = xfmt("%" PRId64, build);
        rep->environment.ci_branch = aidf_xstrdup(PICK(r, branches));
        rep->environment.ci_commit = aidf_xstrdup(commit);
        if (strcmp(cp, "github-actions") == 0)
            rep->environment.ci_build_url =
                xfmt("https://github.com/acme/webapp/actions/runs/%" PRId64, build);
        else if (strcmp(cp, "gitlab-ci") == 0)
            rep->environment.ci_build_url =
                xfmt("https://gitlab.com/acme/webapp/-/pipelines/%" PRId64, build);
        else if (strcmp(cp, "jenkins") == 0)
            rep->environment.ci_build_url =
                xfmt("https://jenkins.acme.dev/job/acme-api/%" PRId64 "/", build);
        rep->cwd = aidf_xstrdup(PICK(r, ci_cwds));
    } else {
        bool mac = rng_chance(r, 0.55);
        rep->environment.os = aidf_xstrdup(mac ? "darwin" : "linux");
        rep->environment.arch = aidf_xstrdup(mac ? "arm64" : "x86_64");
        rep->environment.hostname = aidf_xstrdup(PICK(r, local_hosts));
        rep->cwd = aidf_xstrdup(PICK(r, local_cwds));
    }

    /* Tokens and cost, per iteration. */
    rep->tokens.present = true;
    rep->tokens.estimated = cursor;
    rep->tokens.n_per_iteration = (size_t)iters;
    rep->tokens.per_iteration = aidf_xcalloc((size_t)iters, sizeof(*rep->tokens.per_iteration));
    rep->tokens.context_tokens = rng_logrange(r, 1500, 40000);
    if (rng_chance(r, 0.6)) {
        static const char *const parts[] = {"agents", "role", "task", "plan", "skills"};
        static const double share[] = {0.45, 0.1, 0.15, 0.2, 0.1};
        int64_t left = rep->tokens.context_tokens;
        for (size_t i = 0; i < 5; i++) {
            int64_t v = i == 4 ? left
                               : (int64_t)((double)rep->tokens.context_tokens * share[i] *
                                           rng_uniform(r, 0.7, 1.1));
            if (v > left)
                v = left;
            left -= v;
            aidf_num_map_set(&rep->tokens.breakdown, parts[i], (double)v);
        }
        rep->tokens.has_breakdown = true;
    }
    bool priced = m->priced;
    rep->cost.present = true;
    rep->cost.currency = aidf_xstrdup("USD");
    rep->cost.unpriced = !priced;
    if (priced) {
        rep->cost.has_rates = true;
        rep->cost.rates.input_per_1m = m->in;
        rep->cost.rates.output_per_1m = m->out;
        rep->cost.rates.cache_read_per_1m = m->cache_read;
        rep->cost.rates.cache_write_per_1m = m->cache_write;
        rep->cost.n_per_iteration = (size_t)iters;
        rep->cost.per_iteration = aidf_xcalloc((size_t)iters, sizeof(*rep->cost.per_iteration));
    }
    /* claude-cli reports its own cost; it runs a little above our computed figure. */
    double cli_factor = rng_uniform(r, 1.0, 1.12);
    int64_t tin = 0, tout = 0, tcr = 0, tcw = 0, treas = 0;
    bool has_cache_read = !cursor,
         has_cache_write = cli || strcmp(m->provider, "anthropic-api") == 0;
    bool has_reasoning = openai && strcmp(m->name, "gpt-5") == 0;
    double computed = 0, reported = 0;
    for (int64_t i = 0; i < iters; i++) {
        struct aidf_iter_tokens *t = &rep->tokens.per_iteration[i];
        t->iteration = i + 1;
        t->cache_read = t->cache_write = t->reasoning = AIDF_UNSET;
        t->estimated = cursor ? 1 : -1;
        if (cli) {
            t->input = rng_logrange(r, 8, 4000);
            t->cache_read = rng_logrange(r, 15000, 180000);
            t->cache_write = rng_logrange(r, 500, 30000);
            t->output = rng_logrange(r, 300, 12000);
        } else if (cursor) {
            t->input = rng_logrange(r, 2000, 60000);
            t->output = rng_logrange(r, 200, 8000);
        } else {
            t->input = rng_logrange(r, 3000, 80000);
            t->output = rng_logrange(r, 200, 9000);
            if (has_cache_read)
                t->cache_read = rng_chance(r, 0.7) ? rng_logrange(r, 1000, 60000) : 0;
            if (has_cache_write)
                t->cache_write = rng_chance(r, 0.5) ? rng_logrange(r, 500, 20000) : 0;
            if (has_reasoning)
                t->reasoning = t->output / 2 + (int64_t)rng_below(r, (uint64_t)t->output / 2 + 1);
        }
        tin += t->input;
        tout += t->output;
        if (t->cache_read != AIDF_UNSET)
            tcr += t->cache_read;
        if (t->cache_write != AIDF_UNSET)
            tcw += t->cache_write;
        if (t->reasoning != AIDF_UNSET)
            treas += t->reasoning;
        if (priced) {
            double c = ((double)t->input * m->in + (double)t->output * m->out) / 1e6;
            if (t->cache_read != AIDF_UNSET && !isnan(m->cache_read))
                c += (double)t->cache_read * m->cache_read / 1e6;
            if (t->cache_write != AIDF_UNSET && !isnan(m->cache_write))
                c += (double)t->cache_write * m->cache_write / 1e6;
            c = round6(c);
            double shown = cli ? round6(c * cli_factor) : c;
            computed += c;
            reported += shown;
            rep->cost.per_iteration[i].iteration = i + 1;
            rep->cost.per_iteration[i].cost = shown;
        }
    }
    rep->tokens.total_input = tin;
    rep->tokens.total_output = tout;
    rep->tokens.total_tokens = tin + tout;
    if (has_cache_read)
        rep->tokens.cache_read = tcr;
    if (has_cache_write)
        rep->tokens.cache_write = tcw;
    if (has_reasoning)
        rep->tokens.reasoning = treas;
    if (priced) {
        rep->cost.computed = round6(computed);
        if (cli) {
            rep->cost.source = aidf_xstrdup("provider");
            rep->cost.reported = round6(reported);
            rep->cost.estimated_total = rep->cost.reported;
        } else {
            rep->cost.source = aidf_xstrdup("computed");
            rep->cost.estimated_total = rep->cost.computed;
        }
    }

    /* Files: a run touches a handful of paths; failed runs fewer. */
    rep->files.present = true;
    int64_t n_mod = rng_range(r, 0, st == AIDF_STATUS_FAILED ? 2 : 7);
    int64_t n_new = rng_chance(r, 0.5) ? rng_range(r, 1, 4) : 0;
    int64_t n_del = rng_chance(r, 0.1) ? rng_range(r, 1, 2) : 0;
    pick_files(r, &rep->files.modified, n_mod, NULL, NULL);
    pick_files(r, &rep->files.created, n_new, &rep->files.modified, NULL);
    pick_files(r, &rep->files.deleted, n_del, &rep->files.modified, &rep->files.created);
    rep->files.total_count =
        (int64_t)(rep->files.modified.n + rep->files.created.n + rep->files.deleted.n);

    /* Validation: 0-2 commands run after each iteration (none configured on ~10%). */
    bool has_validation = rng_chance(r, 0.9);
    size_t n_cmds = has_validation ? (rng_chance(r, 0.65) ? 1 : 2) : 0;
    const char *cmds[2] = {PICK(r, validation_cmds), PICK(r, validation_cmds)};
    if (n_cmds == 2 && strcmp(cmds[0], cmds[1]) == 0)
        n_cmds = 1;
    if (has_validation) {
        rep->validation.present = true;
        rep->validation.runs = aidf_xcalloc((size_t)iters * n_cmds, sizeof(*rep->validation.runs));
        rep->validation.failures = 0;
    }

    /* Scope. */
    static const double scope_w[] = {50, 30, 20};
    static const char *const scope_modes[] = {"strict", "ask", "permissive"};
    rep->scope.present = true;
    rep->scope.mode = aidf_xstrdup(scope_modes[rng_weighted(r, scope_w, 3)]);
    rep->scope.violations = 0;
    if (rng_chance(r, st == AIDF_STATUS_BLOCKED ? 0.5 : 0.08)) {
        int64_t nv = rng_range(r, 1, 3);
        for (int64_t i = 0; i < nv; i++) {
            const char *f = PICK(r, scope_forbidden);
            if (!aidf_strlist_has(&rep->scope.blocked_files, f))
                aidf_strlist_add(&rep->scope.blocked_files, f);
        }
        rep->scope.violations = (int64_t)rep->scope.blocked_files.n;
    }

    /* Timing: iterations of 15 s - 10 min; AI execution is 70-90% of each. */
    rep->timing.present = true;
    rep->timing.n_per_iteration = (size_t)iters;
    rep->timing.per_iteration = aidf_xcalloc((size_t)iters, sizeof(*rep->timing.per_iteration));
    double total_ms = (double)rng_range(r, 50, 900); /* start-up and report writing */
    double ph_sum[5] = {0, 0, 0, 0, 0};
    int64_t files_left = rep->files.total_count;
    for (int64_t i = 0; i < iters; i++) {
        struct aidf_iter_timing *t = &rep->timing.per_iteration[i];
        double d = (double)rng_logrange(r, 15000, 600000);
        double ai = floor(d * rng_uniform(r, 0.70, 0.90));
        double rest = d - ai;
        double ctx = i == 0 ? floor(rest * rng_uniform(r, 0.02, 0.15)) : 0;
        double scope = floor(rest * rng_uniform(r, 0.001, 0.02));
        double val = n_cmds ? floor(rest * rng_uniform(r, 0.3, 0.6)) : 0;
        double git = floor(rest * rng_uniform(r, 0.05, 0.2));
        double ph[5] = {ctx, ai, scope, val, git};
        t->iteration = i + 1;
        t->duration_ms = d;
        for (int k = 0; k < 5; k++) {
            aidf_num_map_set(&t->phases, aidf_phase_key((enum aidf_phase)k), ph[k]);
            ph_sum[k] += ph[k];
        }
        int64_t fc = i == iters - 1 ? files_left : rng_range(r, 0, files_left);
        files_left -= fc;
        t->files_changed = fc;
        total_ms += d;

        /* The validation runs of this iteration; the last one of a failed run fails. */
        double spent = 0;
        for (size_t c = 0; c < n_cmds; c++) {
            struct aidf_validation_run *v = &rep->validation.runs[rep->validation.n_runs++];
            bool pass = !rng_chance(r, 0.12);
            if (i == iters - 1)
                pass = st == AIDF_STATUS_COMPLETED || (pass && st == AIDF_STATUS_BLOCKED);
            v->iteration = i + 1;
            v->phase = aidf_xstrdup("pre_commit");
            v->command = aidf_xstrdup(cmds[c]);
            v->passed = pass;
            v->duration_ms = c + 1 < n_cmds ? floor(val * rng_uniform(r, 0.2, 0.8)) : val - spent;
            spent += v->duration_ms;
            v->exit_code = pass ? 0 : rng_chance(r, 0.8) ? 1 : 2;
            if (!pass)
                rep->validation.failures++;
        }
    }
    if (has_validation)
        rep->validation.total_runs = (int64_t)rep->validation.n_runs;
    for (int k = 0; k < 5; k++)
        aidf_num_map_set(&rep->timing.phases, aidf_phase_key((enum aidf_phase)k), ph_sum[k]);
    rep->timing.total_duration_ms = total_ms;
    rep->timing.started_at = iso_dup(start);
    rep->timing.completed_at = iso_dup(start + (int64_t)total_ms);

    /* Team dimensions, drawn last so that every field above stays what it was. */
    add_dimensions(r, rep, task, ci);
}

/* ---- Writing ---- */

/* Open-addressing set of 64-bit keys (never 0), for short-id collisions and date dirs. */
struct u64set {
    uint64_t *slots;
    size_t cap, n;
};

static bool u64set_add(struct u64set *s, uint64_t key)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 1024;
        uint64_t *ns = aidf_xcalloc(ncap, sizeof(*ns));
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->slots[i])
                continue;
            size_t j = (size_t)(s->slots[i] * 0x9e3779b97f4a7c15ULL) & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = s->slots[i];
        }
        free(s->slots);
        s->slots = ns;
        s->cap = ncap;
    }
    size_t j = (size_t)(key * 0x9e3779b97f4a7c15ULL) & (s->cap - 1);
    while (s->slots[j]) {
        if (s->slots[j] == key)
            return false;
        j = (j + 1) & (s->cap - 1);
    }
    s->slots[j] = key;
    s->n++;
    return true;
}

struct writer {
    const char *dir;
    struct u64set names; /* (day << 32 | id8) of files written */
    struct u64set days;  /* date directories created */
    uint64_t bytes;
};

static int64_t day_of(int64_t ms)
{
    return ms >= 0 ? ms / DAY_MS : -((-ms + DAY_MS - 1) / DAY_MS);
}

/* Make DIR/YYYY-MM-DD (once per day); fill `date`. */
static int ensure_day(struct writer *w, int64_t ms, char date[11])
{
    aidf_date_format(ms, date);
    if (!u64set_add(&w->days, (uint64_t)(day_of(ms) + (1LL << 40))))
        return 0;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", w->dir, date);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "aidf-gen-reports: cannot create '%s': %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_bytes(struct writer *w, const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "aidf-gen-reports: cannot open '%s': %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || n != len) {
        fprintf(stderr, "aidf-gen-reports: cannot write '%s': %s\n", path, strerror(errno));
        return -1;
    }
    w->bytes += len;
    return 0;
}

static uint64_t id8_value(const char *id)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && id[i]; i++) {
        char c = id[i];
        v = v * 16 + (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

/* The file name for run `id` on day `ms`: run-<id8>.json, or the full id on a collision. */
static void run_path(struct writer *w, const char *id, int64_t ms, const char *date, char *out,
                     size_t outlen)
{
    uint64_t key = ((uint64_t)(day_of(ms) + (1LL << 20)) << 32) | id8_value(id);
    if (u64set_add(&w->names, key))
        snprintf(out, outlen, "%s/%s/run-%.8s.json", w->dir, date, id);
    else
        snprintf(out, outlen, "%s/%s/run-%s.json", w->dir, date, id);
}

static int write_report(struct writer *w, const struct aidf_report *rep, int64_t ms)
{
    char date[11], path[4096];
    if (ensure_day(w, ms, date))
        return -1;
    run_path(w, rep->run_id, ms, date, path, sizeof(path));
    size_t len = 0;
    char *text = aidf_report_dumps(rep, true, &len);
    if (!text) {
        fprintf(stderr, "aidf-gen-reports: cannot encode report %s\n", rep->run_id);
        return -1;
    }
    int rc = write_bytes(w, path, text, len);
    free(text);
    return rc;
}

/*
 * Corrupt and foreign files, cycling through the kinds a reports directory meets in
 * practice: truncated writes, empty files, non-report JSON, bad field types, binary
 * junk, leftovers of editors and of interrupted atomic writes.
 */
static int write_corrupt(struct writer *w, uint64_t seed, uint64_t k, int64_t now_ms, int64_t days)
{
    struct rng rr, *r = &rr;
    rng_seed(r, seed ^ 0xc0ffeeULL, k + 1);
    char id[AIDF_RUN_ID_LEN + 1];
    make_uuid(r, id);
    int64_t ms = now_ms - (days > 0 ? (int64_t)rng_below(r, (uint64_t)(days * DAY_MS)) : 0);
    char date[11], path[4096];
    if (ensure_day(w, ms, date))
        return -1;
    run_path(w, id, ms, date, path, sizeof(path));

    char small[1024];
    int rc = 0;
    switch (k % 10) {
    case 0: { /* a real report cut short */
        struct aidf_report rep;
        gen_report(seed ^ 0xbadULL, k, now_ms, days, &rep);
        size_t len = 0;
        char *text = aidf_report_dumps(&rep, true, &len);
        rc = text ? write_bytes(w, path, text, len / 3) : -1;
        free(text);
        aidf_report_release(&rep);
        break;
    }
    case 1: /* empty */
        rc = write_bytes(w, path, "", 0);
        break;
    case 2: /* JSON, not an object */
        rc = write_bytes(w, path, "[1, 2, 3]\n", 10);
        break;
    case 3: { /* an object of some other tool */
        int n = snprintf(small, sizeof(small),
                         "{\n  \"name\": \"webapp\",\n  \"version\": \"1.0.0\"\n}\n");
        rc = write_bytes(w, path, small, (size_t)n);
        break;
    }
    case 4: { /* required fields with wrong types or values */
        int n =
            snprintf(small, sizeof(small),
                     "{\"schemaVersion\": 1, \"runId\": \"%.8s\", \"timestamp\": \"yesterday\", "
                     "\"status\": 42, \"tokens\": {\"totalInput\": \"many\"}}\n",
                     id);
        rc = write_bytes(w, path, small, (size_t)n);
        break;
    }
    case 5: { /* binary junk */
        for (size_t i = 0; i < 300; i++)
            small[i] = (char)(rng_next(r) & 0xff);
        rc = write_bytes(w, path, small, 300);
        break;
    }
    case 6: { /* duplicate keys and invalid UTF-8 */
        int n = snprintf(small, sizeof(small),
                         "{\"schemaVersion\": 1, \"runId\": \"%s\", \"runId\": \"%s\", "
                         "\"timestamp\": \"2026-01-01T00:00:00Z\", \"status\": \"completed\", "
                         "\"taskPath\": \"\xff\xfe.md\"}\n",
                         id, id);
        rc = write_bytes(w, path, small, (size_t)n);
        break;
    }
    case 7: { /* a leftover of an interrupted atomic write */
        char tmp[4200];
        snprintf(tmp, sizeof(tmp), "%s.tmp.%05d", path, (int)rng_below(r, 99999));
        rc = write_bytes(w, tmp, "{\"schemaVersion\": 1, \"ru", 24);
        break;
    }
    case 8: { /* an editor backup next to a report name */
        char other[4200];
        snprintf(other, sizeof(other), "%s/%s/notes.txt", w->dir, date);
        int n = snprintf(small, sizeof(small), "remember to re-run %.8s\n", id);
        rc = write_bytes(w, other, small, (size_t)n);
        break;
    }
    default: { /* a file at the top of the reports directory */
        char other[4200];
        snprintf(other, sizeof(other), "%s/README-%" PRIu64 ".md", w->dir, k);
        rc = write_bytes(w, other, "# reports\n", 10);
        break;
    }
    }
    return rc;
}

/* ---- Command line ---- */

static const char usage_text[] =
    "usage: aidf-gen-reports --dir DIR --count N [options]\n"
    "\n"
    "Write N synthetic execution reports to DIR/YYYY-MM-DD/run-<id8>.json.\n"
    "\n"
    "  --dir DIR      reports directory (created when missing)\n"
    "  --count N      number of reports\n"
    "  --seed S       PRNG seed (default 1); same seed and --now give the same bytes\n"
    "  --days D       spread timestamps over the last D days (default 90)\n"
    "  --now ISO      reference time, e.g. 2026-11-24T12:00:00Z (default: now)\n"
    "  --corrupt K    also write K corrupt or foreign files\n"
    "  --help         show this help\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("aidf-gen-reports: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage_text);
    return 2;
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    uint64_t count = 0, seed = 1, days = 90, corrupt = 0;
    bool have_count = false;
    int64_t now_ms = aidf_wall_ms();

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (strcmp(a, "--dir") && strcmp(a, "--count") && strcmp(a, "--seed") &&
            strcmp(a, "--days") && strcmp(a, "--now") && strcmp(a, "--corrupt"))
            return usage_error("unknown option '%s'", a);
        if (!v)
            return usage_error("option '%s' needs a value", a);
        i++;
        if (strcmp(a, "--dir") == 0) {
            dir = v;
        } else if (strcmp(a, "--count") == 0) {
            if (!parse_u64(v, 100000000, &count))
                return usage_error("bad --count '%s'", v);
            have_count = true;
        } else if (strcmp(a, "--seed") == 0) {
            if (!parse_u64(v, UINT64_MAX, &seed))
                return usage_error("bad --seed '%s'", v);
        } else if (strcmp(a, "--days") == 0) {
            if (!parse_u64(v, 36500, &days))
                return usage_error("bad --days '%s'", v);
        } else if (strcmp(a, "--corrupt") == 0) {
            if (!parse_u64(v, 100000000, &corrupt))
                return usage_error("bad --corrupt '%s'", v);
        } else {
            if (aidf_iso_parse(v, &now_ms) != AIDF_OK)
                return usage_error("bad --now '%s' (want ISO 8601)", v);
        }
    }
    if (!dir || !have_count)
        return usage_error("--dir and --count are required");

    aidf_xalloc_init_jansson();
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_mkdirs(dir, &err) != AIDF_OK) {
        fprintf(stderr, "aidf-gen-reports: cannot create '%s': %s\n", dir, err.msg);
        return 1;
    }
    build_pools();

    int64_t t0 = aidf_mono_ns();
    struct writer w = {.dir = dir};
    int rc = 0;
    for (uint64_t i = 0; i < count && rc == 0; i++) {
        struct aidf_report rep;
        gen_report(seed, i, now_ms, (int64_t)days, &rep);
        int64_t ms = 0;
        aidf_iso_parse(rep.timestamp, &ms);
        rc = write_report(&w, &rep, ms);
        aidf_report_release(&rep);
    }
    for (uint64_t k = 0; k < corrupt && rc == 0; k++)
        rc = write_corrupt(&w, seed, k, now_ms, (int64_t)days);
    free(w.names.slots);
    free(w.days.slots);
    if (rc)
        return 1;

    double secs = (double)(aidf_mono_ns() - t0) / 1e9;
    if (corrupt)
        fprintf(stderr,
                "wrote %" PRIu64 " reports and %" PRIu64
                " corrupt files (%.1f MB) to %s in %.2f s\n",
                count, corrupt, (double)w.bytes / 1e6, dir, secs);
    else
        fprintf(stderr, "wrote %" PRIu64 " reports (%.1f MB) to %s in %.2f s\n", count,
                (double)w.bytes / 1e6, dir, secs);
    return 0;
}
