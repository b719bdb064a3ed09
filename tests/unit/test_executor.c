/*
 * Tests of the run loop (lib/run/executor*.c) driven in-process: a scripted provider
 * (struct aidf_provider whose execute() replays one scripted answer per call) runs in a
 * temporary git repository with a .ai/ folder and a task file. Each test checks the
 * outcome, the iteration count, the report fields, where the task file ended up and
 * what the front end was told through struct aidf_run_events.
 *
 * Covered: completion, <BLOCKED: reason>, max iterations, max consecutive failures, a
 * fatal (authentication) error, rate-limit backoff (waits recorded by the sleep hook,
 * nothing slept), resume of a blocked task, the `ask` hook (approved, declined, no one to
 * ask), a dry run with and without hooks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/executor.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/proc.h"
#include "aidf/provider.h"
#include "aidf/xalloc.h"
#include "testutil.h"

/* ---- the scripted provider ------------------------------------------------------- */

/** One scripted answer. Zero fields: a successful call with no text, usage or signal. */
struct step {
    enum aidf_provider_failure failure;
    const char *category, *code, *error;
    int64_t retry_after_ms;
    const char *output;
    const char *write_path, *write_text; /* a file the "agent" writes (project relative) */
    bool complete;
    const char *blocked; /* blocked reason */
    int64_t in, out;     /* usage; 0 and 0: none reported */
    const char *session;
};

struct script {
    const struct step *steps;
    size_t n, calls;
    const char *root;
    int continued; /* calls that were given a session id */
};

static void scripted_execute(struct aidf_provider *p, const struct aidf_provider_request *req,
                             struct aidf_provider_result *res)
{
    struct script *sc = p->impl;
    if (sc->calls >= sc->n)
        fail_msg("the provider was called %zu times; the script has %zu answers", sc->calls + 1,
                 sc->n);
    const struct step *s = &sc->steps[sc->calls++];
    assert_non_null(req->prompt);
    if (req->session_id)
        sc->continued++;
    aidf_provider_result_init(res);
    if (s->write_path)
        tu_write(sc->root, s->write_path, s->write_text ? s->write_text : "x\n");
    if (s->failure != AIDF_PROVIDER_FAIL_NONE) {
        aidf_provider_result_fail(res, s->failure, s->category, s->code, "%s",
                                  s->error ? s->error : "scripted failure");
        res->retry_after_ms = s->retry_after_ms;
    }
    if (s->output) {
        free(res->output);
        res->output = aidf_xstrdup(s->output);
    }
    res->complete = s->complete;
    res->blocked_reason = s->blocked ? aidf_xstrdup(s->blocked) : NULL;
    res->session_id = s->session ? aidf_xstrdup(s->session) : NULL;
    if (s->in || s->out) {
        res->has_usage = true;
        res->input = s->in;
        res->output_tokens = s->out;
    }
}

/* A provider over `sc` (type "claude-cli" so that the report names a known provider). */
static struct aidf_provider scripted_provider(struct script *sc)
{
    static char model[] = "scripted-model";
    struct aidf_provider p = {0};
    p.type = "claude-cli";
    p.model = model;
    p.supports_session = true;
    p.execute = scripted_execute;
    p.impl = sc;
    return p;
}

/* ---- what the front end was told ------------------------------------------------- */

struct seen {
    int phases, profiles, summaries, asks, prompts;
    int64_t last_tokens;
    enum aidf_status summary_status;
    enum aidf_ask_answer answer; /* what the ask hook answers */
    struct aidf_buf says, details, prompt;
};

static void on_phase(void *ctx, int64_t iter, int64_t max, const char *label)
{
    struct seen *s = ctx;
    assert_true(iter <= max);
    assert_non_null(label);
    s->phases++;
}

static void on_totals(void *ctx, int64_t tokens, double cost)
{
    (void)cost;
    ((struct seen *)ctx)->last_tokens = tokens;
}

static void on_say(void *ctx, const char *line)
{
    struct seen *s = ctx;
    aidf_buf_addstr(&s->says, line);
    aidf_buf_addch(&s->says, '\n');
}

static void on_detail(void *ctx, const char *line)
{
    struct seen *s = ctx;
    aidf_buf_addstr(&s->details, line);
    aidf_buf_addch(&s->details, '\n');
}

static void on_profile(void *ctx, int64_t iter, const struct aidf_num_map *phases)
{
    assert_true(iter >= 1);
    assert_non_null(phases);
    ((struct seen *)ctx)->profiles++;
}

static enum aidf_ask_answer on_ask(void *ctx, const struct aidf_strlist *files)
{
    struct seen *s = ctx;
    assert_true(files->n > 0);
    s->asks++;
    return s->answer;
}

static void on_prompt(void *ctx, const char *prompt)
{
    struct seen *s = ctx;
    s->prompts++;
    aidf_buf_addstr(&s->prompt, prompt);
}

static void on_summary(void *ctx, const struct aidf_report *r, const char *report_path)
{
    struct seen *s = ctx;
    assert_non_null(report_path);
    s->summaries++;
    s->summary_status = r->status;
}

static void seen_init(struct seen *s)
{
    memset(s, 0, sizeof(*s));
    s->says = (struct aidf_buf)AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    s->details = (struct aidf_buf)AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    s->prompt = (struct aidf_buf)AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    s->answer = AIDF_ASK_UNAVAILABLE;
}

static void seen_release(struct seen *s)
{
    aidf_buf_release(&s->says);
    aidf_buf_release(&s->details);
    aidf_buf_release(&s->prompt);
}

static bool said(const struct seen *s, const char *text)
{
    return s->says.ptr && strstr(s->says.ptr, text) != NULL;
}

static void hook_events(struct aidf_run_events *ev, struct seen *s)
{
    ev->ctx = s;
    ev->phase = on_phase;
    ev->totals = on_totals;
    ev->say = on_say;
    ev->detail = on_detail;
    ev->profile = on_profile;
    ev->ask = on_ask;
    ev->dry_run_prompt = on_prompt;
    ev->summary = on_summary;
}

/* ---- the sleep hook -------------------------------------------------------------- */

struct naps {
    size_t n;
    int64_t ms[16];
};

static void record_nap(void *ctx, int64_t ms)
{
    struct naps *n = ctx;
    assert_true(n->n < 16);
    n->ms[n->n++] = ms;
}

/* ---- the project ----------------------------------------------------------------- */

static char *g_home, *g_saved_home;

/* Run `cmd` with /bin/sh in `dir`; the test fails when it does not exit 0. */
static void run_in(const char *dir, const char *cmd)
{
    struct aidf_proc_spec spec = {.shell_cmd = cmd, .cwd = dir, .merge_stderr = true};
    struct aidf_proc_result r = {0};
    struct aidf_error err = {0};
    assert_int_equal(aidf_proc_run(&spec, &r, &err), AIDF_OK);
    if (r.exit_code != 0)
        fail_msg("`%s` failed (%d): %s", cmd, r.exit_code, r.out);
    aidf_proc_result_release(&r);
}

static bool exists(const char *root, const char *rel)
{
    char *p = aidf_path_join(root, rel);
    struct stat st;
    bool yes = stat(p, &st) == 0;
    free(p);
    return yes;
}

#define TASK_REL ".ai/tasks/pending/001-demo.md"

/*
 * A committed git repository with AGENTS.md, the developer role, a config (`config`
 * appended to the execution/permission defaults below) and the pending task 001-demo
 * (Allowed: everything under src/, Ask Before: everything under docs/).
 */
static char *new_project(const char *config)
{
    char *root = tu_mkdtemp();
    tu_write(root, ".ai/AGENTS.md", "# Agents\n\nBuild with make.\n");
    tu_write(root, ".ai/roles/developer.md", "# Developer\n\nWrite code.\n");
    char cfg[1024];
    snprintf(cfg, sizeof(cfg),
             "provider:\n  type: claude-cli\n"
             "permissions:\n  scope_enforcement: ask\n  auto_commit: true\n%s",
             config ? config : "");
    tu_write(root, ".ai/config.yml", cfg);
    tu_write(root, TASK_REL,
             "# TASK\n\n## Goal\nCreate src/demo.c\n\n## Task Type\ncomponent\n\n"
             "## Suggested Roles\n- developer\n\n## Scope\n\n### Allowed\n- `src/**`\n\n"
             "### Forbidden\n- `secrets/**`\n\n### Ask Before\n- `docs/**`\n\n"
             "## Requirements\nDo it.\n\n## Definition of Done\n- [ ] It works\n");
    tu_write(root, "src/app.c", "int app(void) { return 1; }\n");
    run_in(root, "git init -q . && git config user.name Test && git config user.email "
                 "t@example.com && git config commit.gpgsign false && git add -A && "
                 "git commit -q -m initial");
    return root;
}

/* The number of commits on HEAD. */
static int commit_count(const char *root)
{
    struct aidf_proc_spec spec = {.shell_cmd = "git rev-list --count HEAD", .cwd = root};
    struct aidf_proc_result r = {0};
    assert_int_equal(aidf_proc_run(&spec, &r, NULL), AIDF_OK);
    int n = (int)strtol(r.out, NULL, 10);
    aidf_proc_result_release(&r);
    return n;
}

/* One project and the last run in it. */
struct fx {
    char *root, *task; /* the project and its pending task file */
    struct script sc;
    struct seen seen;
    struct aidf_run_result res;
    struct naps naps;
    bool ran;
};

/* A new project (see new_project()). */
static void fx_open(struct fx *f, const char *config)
{
    memset(f, 0, sizeof(*f));
    f->root = new_project(config);
    f->task = aidf_path_join(f->root, TASK_REL);
    seen_init(&f->seen);
}

/* Forget the previous run's result, events and waits (the ask answer stays). */
static void fx_reset(struct fx *f)
{
    enum aidf_ask_answer answer = f->seen.answer;
    if (f->ran)
        aidf_run_result_release(&f->res);
    seen_release(&f->seen);
    seen_init(&f->seen);
    f->seen.answer = answer;
    memset(&f->naps, 0, sizeof(f->naps));
    f->ran = false;
}

/*
 * Run `task` (NULL: the pending task) with the scripted answers `steps` and options `o`.
 * The scripted provider is filled in, and so are the recording events and sleep hook
 * unless `o` brings its own. Returns the exit code; the result is in f->res.
 */
static int fx_run(struct fx *f, const char *task, const struct step *steps, size_t n,
                  struct aidf_run_opts o)
{
    fx_reset(f);
    memset(&f->sc, 0, sizeof(f->sc));
    f->sc.steps = steps;
    f->sc.n = n;
    f->sc.root = f->root;
    struct aidf_provider prov = scripted_provider(&f->sc);
    o.provider_override = &prov;
    if (!o.events.ctx)
        hook_events(&o.events, &f->seen);
    if (!o.sleep) {
        o.sleep = record_nap;
        o.sleep_ctx = &f->naps;
    }
    f->ran = true;
    return aidf_executor_run(f->root, task ? task : f->task, &o, &f->res);
}

static void fx_close(struct fx *f)
{
    fx_reset(f);
    seen_release(&f->seen);
    tu_rmrf(f->root);
    free(f->root);
    free(f->task);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Report field helpers. */
static int64_t rint_at(const json_t *rep, const char *obj, const char *key)
{
    const json_t *o = obj ? json_object_get(rep, obj) : rep;
    assert_non_null(o);
    const json_t *v = json_object_get(o, key);
    assert_true(json_is_integer(v));
    return (int64_t)json_integer_value(v);
}

static const char *rstr_at(const json_t *rep, const char *obj, const char *key)
{
    const json_t *o = obj ? json_object_get(rep, obj) : rep;
    if (!o)
        return NULL;
    return json_string_value(json_object_get(o, key));
}

/* ---- set-up ---------------------------------------------------------------------- */

/* HOME points at an empty directory (no user skills, no global git config); warnings
 * are captured instead of printed. */
static int setup(void **state)
{
    (void)state;
    const char *h = getenv("HOME");
    g_saved_home = h ? aidf_xstrdup(h) : NULL;
    g_home = tu_mkdtemp();
    setenv("HOME", g_home, 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    tu_log_capture(AIDF_LOG_WARN);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_log_capture_stop();
    tu_rmrf(g_home);
    free(g_home);
    if (g_saved_home)
        setenv("HOME", g_saved_home, 1);
    else
        unsetenv("HOME");
    free(g_saved_home);
    return 0;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_completed(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    int commits = commit_count(f.root);
    static const struct step steps[] = {
        {.write_path = "src/demo.c",
         .write_text = "int demo(void) { return 0; }\n",
         .output = "Wrote src/demo.c",
         .in = 100,
         .out = 20,
         .session = "s-1"},
        {.output = "All done", .complete = true, .in = 50, .out = 5},
    };
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), (struct aidf_run_opts){0}), 0);

    assert_int_equal(f.res.status, AIDF_STATUS_COMPLETED);
    assert_int_equal(f.sc.calls, 2);
    assert_int_equal(f.sc.continued, 1); /* the second call continued session s-1 */
    assert_non_null(f.res.report);
    assert_string_equal(rstr_at(f.res.report, NULL, "status"), "completed");
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 2);
    assert_int_equal(rint_at(f.res.report, "tokens", "totalInput"), 150);
    assert_int_equal(rint_at(f.res.report, "tokens", "totalOutput"), 25);
    assert_null(json_object_get(f.res.report, "error"));
    /* The report file exists and the task moved to completed/. */
    assert_non_null(f.res.report_path);
    assert_true(access(f.res.report_path, F_OK) == 0);
    assert_non_null(strstr(f.res.task_path, "/.ai/tasks/completed/001-demo.md"));
    assert_true(exists(f.root, ".ai/tasks/completed/001-demo.md"));
    assert_false(exists(f.root, TASK_REL));
    /* The change and the task file were committed. */
    assert_int_equal(commit_count(f.root), commits + 2);
    /* Events. */
    assert_int_equal(f.seen.summaries, 1);
    assert_int_equal(f.seen.summary_status, AIDF_STATUS_COMPLETED);
    assert_int_equal(f.seen.profiles, 2);
    assert_true(f.seen.phases >= 4);
    assert_int_equal(f.seen.last_tokens, 175);
    assert_int_equal(f.seen.asks, 0);
    assert_int_equal(f.seen.prompts, 0);
    assert_int_equal(f.naps.n, 0);
    assert_true(said(&f.seen, "iteration 1/50: running claude-cli"));
    assert_true(said(&f.seen, "continuing the session"));
    assert_true(said(&f.seen, "task complete"));
    fx_close(&f);
}

static void test_blocked(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    static const struct step steps[] = {
        {.output = "<BLOCKED: need the API key>",
         .blocked = "need the API key",
         .in = 10,
         .out = 2},
    };
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), (struct aidf_run_opts){0}), 1);

    assert_int_equal(f.res.status, AIDF_STATUS_BLOCKED);
    assert_int_equal(f.sc.calls, 1);
    assert_string_equal(rstr_at(f.res.report, NULL, "status"), "blocked");
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 1);
    assert_string_equal(rstr_at(f.res.report, NULL, "blockedReason"), "need the API key");
    assert_true(exists(f.root, ".ai/tasks/blocked/001-demo.md"));
    assert_int_equal(f.seen.summary_status, AIDF_STATUS_BLOCKED);
    assert_true(said(&f.seen, "the agent is blocked: need the API key"));
    char *text = tu_read(f.res.task_path, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "BLOCKED"));
    assert_non_null(strstr(text, "need the API key"));
    free(text);
    fx_close(&f);
}

static void test_max_iterations(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    static const struct step steps[] = {
        {.output = "working", .in = 10, .out = 1},
        {.output = "still working", .in = 10, .out = 1},
    };
    struct aidf_run_opts o = {.max_iterations = 2};
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), o), 1);

    assert_int_equal(f.res.status, AIDF_STATUS_BLOCKED);
    assert_int_equal(f.sc.calls, 2);
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 2);
    assert_int_equal(rint_at(f.res.report, NULL, "maxIterations"), 2);
    assert_string_equal(rstr_at(f.res.report, NULL, "blockedReason"), "Max iterations (2) reached");
    assert_true(exists(f.root, ".ai/tasks/blocked/001-demo.md"));
    assert_int_equal(f.seen.profiles, 2);
    assert_int_equal(f.seen.summaries, 1);
    fx_close(&f);
}

static void test_consecutive_failures(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "execution:\n  max_consecutive_failures: 2\n");
    /* A success in between resets the count: fail, ok, fail, fail -> blocked. */
    static const struct step steps[] = {
        {.failure = AIDF_PROVIDER_FAIL_RETRY,
         .category = AIDF_PROVIDER_CAT_PROVIDER,
         .code = "PROVIDER_CRASH",
         .error = "agent crashed"},
        {.output = "ok"},
        {.failure = AIDF_PROVIDER_FAIL_RETRY,
         .category = AIDF_PROVIDER_CAT_TIMEOUT,
         .code = "PROVIDER_TIMEOUT",
         .error = "took too long"},
        {.failure = AIDF_PROVIDER_FAIL_RETRY,
         .category = AIDF_PROVIDER_CAT_PROVIDER,
         .code = "PROVIDER_CRASH",
         .error = "agent crashed again"},
    };
    tu_log_capture(AIDF_LOG_WARN);
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), (struct aidf_run_opts){0}), 1);

    assert_int_equal(f.res.status, AIDF_STATUS_BLOCKED);
    assert_int_equal(f.sc.calls, 4);
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 4);
    assert_int_equal(rint_at(f.res.report, NULL, "consecutiveFailures"), 2);
    assert_string_equal(rstr_at(f.res.report, NULL, "blockedReason"),
                        "Max consecutive failures (2) reached");
    /* The last failure is the run's error. */
    assert_string_equal(rstr_at(f.res.report, "error", "category"), "provider");
    assert_string_equal(rstr_at(f.res.report, "error", "code"), "PROVIDER_CRASH");
    assert_string_equal(rstr_at(f.res.report, "error", "message"), "agent crashed again");
    assert_true(exists(f.root, ".ai/tasks/blocked/001-demo.md"));
    assert_non_null(
        strstr(tu_log_text(), "iteration 4 failed (2 of 2 in a row): agent crashed again"));
    fx_close(&f);
}

static void test_fatal_auth(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    static const struct step steps[] = {
        {.failure = AIDF_PROVIDER_FAIL_FATAL,
         .category = AIDF_PROVIDER_CAT_PERMISSION,
         .code = "PROVIDER_AUTH",
         .error = "Authentication failed"},
    };
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), (struct aidf_run_opts){0}), 1);

    assert_int_equal(f.res.status, AIDF_STATUS_FAILED);
    assert_int_equal(f.sc.calls, 1);
    assert_string_equal(rstr_at(f.res.report, NULL, "status"), "failed");
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 1);
    assert_string_equal(rstr_at(f.res.report, "error", "category"), "permission");
    assert_string_equal(rstr_at(f.res.report, "error", "code"), "PROVIDER_AUTH");
    /* A failed task stays where it was. */
    assert_true(exists(f.root, TASK_REL));
    assert_int_equal(f.seen.summary_status, AIDF_STATUS_FAILED);
    fx_close(&f);
}

/* A rate-limited answer, with the server's retry-after hint `after` (ms; 0: none). */
#define RATE_LIMITED(after)                                                                      \
    {                                                                                            \
        .failure = AIDF_PROVIDER_FAIL_RATE_LIMIT, .category = AIDF_PROVIDER_CAT_PROVIDER,        \
        .code = "PROVIDER_RATE_LIMIT", .error = "slow down", .retry_after_ms = (after), .in = 1, \
        .out = 1                                                                                 \
    }

static void test_rate_limit_backoff(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    /* Iteration 1: two waits (backoff 1 s, then the server's 1.5 s hint), then done. */
    static const struct step steps[] = {
        RATE_LIMITED(0),
        RATE_LIMITED(1500),
        {.output = "done", .complete = true, .in = 10, .out = 1},
    };
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), (struct aidf_run_opts){0}), 0);

    assert_int_equal(f.res.status, AIDF_STATUS_COMPLETED);
    assert_int_equal(f.sc.calls, 3);
    /* Rate limits are waited out inside one iteration; they are not failures. */
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 1);
    assert_int_equal(rint_at(f.res.report, NULL, "consecutiveFailures"), 0);
    assert_int_equal(rint_at(f.res.report, "tokens", "totalInput"), 12);
    assert_int_equal(f.naps.n, 2);
    assert_int_equal(f.naps.ms[0], 1000);
    assert_int_equal(f.naps.ms[1], 1500);
    assert_true(said(&f.seen, "rate limited (slow down); waiting 1.0s before retrying"));
    assert_true(said(&f.seen, "waiting 1.5s"));
    fx_close(&f);
}

static void test_rate_limit_gives_up(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "execution:\n  max_consecutive_failures: 1\n");
    /* Six rate limits in a row: five doubling waits (a hint over a minute is capped),
     * then the iteration counts as failed; with one failure allowed the run blocks. */
    static const struct step steps[] = {
        RATE_LIMITED(0),     RATE_LIMITED(0), RATE_LIMITED(0),
        RATE_LIMITED(90000), RATE_LIMITED(0), RATE_LIMITED(0),
    };
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), (struct aidf_run_opts){0}), 1);

    assert_int_equal(f.res.status, AIDF_STATUS_BLOCKED);
    assert_int_equal(f.sc.calls, 6);
    assert_int_equal(f.naps.n, 5);
    assert_int_equal(f.naps.ms[0], 1000);
    assert_int_equal(f.naps.ms[1], 2000);
    assert_int_equal(f.naps.ms[2], 4000);
    assert_int_equal(f.naps.ms[3], 60000);
    assert_int_equal(f.naps.ms[4], 16000);
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 1);
    assert_string_equal(rstr_at(f.res.report, NULL, "blockedReason"),
                        "Max consecutive failures (1) reached");
    assert_string_equal(rstr_at(f.res.report, "error", "code"), "PROVIDER_RATE_LIMIT");
    fx_close(&f);
}

static void test_resume(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    struct aidf_run_opts resume = {.resume = true};

    /* Resuming a task that is not blocked fails before any call. */
    assert_int_equal(fx_run(&f, NULL, NULL, 0, resume), 1);
    assert_int_equal(f.res.status, AIDF_STATUS_FAILED);
    assert_string_equal(rstr_at(f.res.report, "error", "code"), "TASK_NOT_BLOCKED");
    assert_int_equal(f.sc.calls, 0);

    /* Two iterations, then blocked. */
    static const struct step first[] = {
        {.write_path = "src/a.c", .output = "part one", .in = 10, .out = 1},
        {.blocked = "which database?", .in = 10, .out = 1},
    };
    assert_int_equal(fx_run(&f, NULL, first, N(first), (struct aidf_run_opts){0}), 1);
    assert_int_equal(f.res.status, AIDF_STATUS_BLOCKED);
    char *blocked = aidf_xstrdup(f.res.task_path);
    assert_non_null(strstr(blocked, "/.ai/tasks/blocked/001-demo.md"));

    /* Resumed: the iteration count goes on from 2, and the task completes. */
    static const struct step second[] = {
        {.write_path = "src/b.c", .output = "done", .complete = true, .in = 10, .out = 1},
    };
    assert_int_equal(fx_run(&f, blocked, second, N(second), resume), 0);
    assert_int_equal(f.res.status, AIDF_STATUS_COMPLETED);
    assert_int_equal(f.sc.calls, 1);
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 3);
    assert_true(said(&f.seen, "resuming blocked task from iteration 2"));
    assert_true(said(&f.seen, "iteration 3/50"));
    assert_true(exists(f.root, ".ai/tasks/completed/001-demo.md"));
    assert_false(exists(f.root, ".ai/tasks/blocked/001-demo.md"));
    char *text = tu_read(f.res.task_path, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "COMPLETED"));
    /* The resume history keeps both files of the task. */
    assert_non_null(strstr(text, "src/a.c"));
    assert_non_null(strstr(text, "src/b.c"));
    free(text);
    free(blocked);
    fx_close(&f);
}

static void test_ask_approved(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    f.seen.answer = AIDF_ASK_APPROVED;
    static const struct step steps[] = {
        {.write_path = "docs/notes.md", .output = "done", .complete = true},
    };
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), (struct aidf_run_opts){0}), 0);
    assert_int_equal(f.seen.asks, 1);
    assert_true(said(&f.seen, "changes approved"));
    assert_true(exists(f.root, "docs/notes.md"));
    fx_close(&f);
}

static void test_ask_declined(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    f.seen.answer = AIDF_ASK_DECLINED;
    /* Declined: the change is reverted, the iteration counts as failed, the loop goes on. */
    static const struct step steps[] = {
        {.write_path = "docs/notes.md", .output = "done", .complete = true},
        {.write_path = "src/demo.c", .output = "done, in scope", .complete = true},
    };
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), (struct aidf_run_opts){0}), 0);
    assert_int_equal(f.res.status, AIDF_STATUS_COMPLETED);
    assert_int_equal(f.seen.asks, 1);
    assert_int_equal(f.sc.calls, 2);
    assert_int_equal(rint_at(f.res.report, NULL, "iterations"), 2);
    assert_true(said(&f.seen, "changes declined; reverted"));
    assert_false(exists(f.root, "docs/notes.md"));
    assert_true(exists(f.root, "src/demo.c"));
    fx_close(&f);
}

static void test_ask_no_one(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    /* No ask hook (no one to ask): the change is reverted and the run blocks. */
    static const struct step steps[] = {
        {.write_path = "docs/other.md", .output = "done", .complete = true},
    };
    struct aidf_run_opts o = {0};
    hook_events(&o.events, &f.seen);
    o.events.ask = NULL;
    assert_int_equal(fx_run(&f, NULL, steps, N(steps), o), 1);
    assert_int_equal(f.res.status, AIDF_STATUS_BLOCKED);
    assert_non_null(strstr(rstr_at(f.res.report, NULL, "blockedReason"), "Approval needed"));
    assert_false(exists(f.root, "docs/other.md"));
    assert_int_equal(f.seen.asks, 0);
    fx_close(&f);
}

/* The context of a run whose hooks are all NULL. */
static char no_hooks;

static void test_dry_run(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, NULL);
    struct aidf_run_opts dry = {.dry_run = true};
    assert_int_equal(fx_run(&f, NULL, NULL, 0, dry), 0);
    assert_int_equal(f.res.status, AIDF_STATUS_UNKNOWN);
    assert_int_equal(f.sc.calls, 0);
    assert_null(f.res.report);
    assert_null(f.res.report_path);
    assert_int_equal(f.seen.prompts, 1);
    assert_non_null(strstr(f.seen.prompt.ptr, "Create src/demo.c"));
    assert_int_equal(f.seen.summaries, 0);
    assert_true(said(&f.seen, "dry run"));
    assert_true(exists(f.root, TASK_REL));
    assert_false(exists(f.root, ".ai/reports"));

    /* Without hooks nothing is shown, and nothing breaks. */
    dry.events.ctx = &no_hooks;
    assert_int_equal(fx_run(&f, NULL, NULL, 0, dry), 0);
    assert_int_equal(f.seen.prompts, 0);
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completed),           cmocka_unit_test(test_blocked),
        cmocka_unit_test(test_max_iterations),      cmocka_unit_test(test_consecutive_failures),
        cmocka_unit_test(test_fatal_auth),          cmocka_unit_test(test_rate_limit_backoff),
        cmocka_unit_test(test_rate_limit_gives_up), cmocka_unit_test(test_resume),
        cmocka_unit_test(test_ask_approved),        cmocka_unit_test(test_ask_declined),
        cmocka_unit_test(test_ask_no_one),          cmocka_unit_test(test_dry_run),
        /* (this comment keeps clang-format from packing the list) */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
