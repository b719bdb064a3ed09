/*
 * Providers: what runs one iteration of the agent. The agent CLIs (claude-cli,
 * cursor-cli) are child processes whose JSON result is parsed with aidf/agent_result.h;
 * the API providers (anthropic-api, openai-api) talk HTTP.
 *
 * A provider call never decides the task's fate: it reports what happened (text,
 * signals, usage, cost, session, an error with its category) and the executor applies
 * the rules of the loop.
 *
 * Ownership: requests are borrowed; a struct aidf_provider_result owns its strings and is
 * freed with aidf_provider_result_release(); a struct aidf_provider is freed with
 * aidf_provider_free().
 */
#ifndef AIDF_PROVIDER_H
#define AIDF_PROVIDER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "aidf/config.h"
#include "aidf/context.h"
#include "aidf/err.h"
#include "aidf/proc.h"
#include "aidf/sandbox.h"

/* Error categories as they appear in reports (error.category). */
#define AIDF_PROVIDER_CAT_PROVIDER   "provider"
#define AIDF_PROVIDER_CAT_TIMEOUT    "timeout"
#define AIDF_PROVIDER_CAT_CONFIG     "config"
#define AIDF_PROVIDER_CAT_PERMISSION "permission"
#define AIDF_PROVIDER_CAT_CANCELLED  "cancelled"

/** How the executor treats a failed call. */
enum aidf_provider_failure {
    AIDF_PROVIDER_FAIL_NONE = 0,   /* the call succeeded */
    AIDF_PROVIDER_FAIL_RETRY,      /* counts as a failed iteration; the loop goes on */
    AIDF_PROVIDER_FAIL_RATE_LIMIT, /* wait (retry_after_ms or backoff) and call again; not counted
                                    */
    AIDF_PROVIDER_FAIL_FATAL,      /* the run ends failed (auth, missing binary, config) */
    AIDF_PROVIDER_FAIL_CANCELLED,  /* the user interrupted the run */
};

/** One call. Strings may be NULL. */
struct aidf_provider_request {
    const char *prompt;
    const char *session_id; /* continue this session (claude --resume, cursor --resume) */
    int64_t iteration;
    int64_t timeout_ms; /* 0: none */
    volatile sig_atomic_t *cancel;
    aidf_proc_output_fn on_output; /* live output of a CLI (may be NULL) */
    void *output_ctx;
};

/** What one call produced. */
struct aidf_provider_result {
    enum aidf_provider_failure failure;
    char *output;                /* the agent's final text ("" when none) */
    char *error;                 /* why it failed; NULL on success */
    const char *category, *code; /* static, NULL on success */
    char *session_id;            /* to continue with; NULL when the provider has none */
    char *model;                 /* the model that answered, when the provider says */
    bool complete;               /* a completion signal was given */
    char *blocked_reason;        /* <BLOCKED: reason> / task_blocked; NULL when not blocked */
    bool has_usage;
    int64_t input, output_tokens, cache_read, cache_write, reasoning; /* AIDF_UNSET: unknown */
    bool estimated;         /* usage is a chars/4 estimate */
    double cost_usd;        /* cost the provider reported; NaN when none */
    int64_t retry_after_ms; /* rate limits: the server's hint, 0 when none */
    int64_t exit_code;      /* CLI providers: the exit status, AIDF_UNSET otherwise */
    bool timed_out;
    /* API providers: files written by tools (repository-relative). */
    struct aidf_strlist files_written;
};

struct aidf_provider;

/** Run one call. `res` must be zeroed or released; the call initialises and fills it. */
typedef void (*aidf_provider_execute_fn)(struct aidf_provider *p,
                                         const struct aidf_provider_request *req,
                                         struct aidf_provider_result *res);

/*
 * One provider. aidf_provider_new() builds the known ones; an embedder or a test may fill
 * one itself (type, execute, and optionally model, supports_session, impl) and hand it
 * to the run through aidf_run_opts.provider_override, keeping ownership.
 */
struct aidf_provider {
    const char *type; /* "claude-cli", ... (static) */
    char *binary;     /* CLI providers: the executable found */
    char *model;      /* configured model, NULL when none */
    char *cwd;        /* project root */
    bool skip_permissions;
    bool supports_session; /* continuation by session id */
    aidf_provider_execute_fn execute;
    const struct aidf_config *cfg;  /* borrowed */
    const struct aidf_context *ctx; /* borrowed; API providers read the scope from it */
    /* The API providers run the agent's commands themselves (run_command): the run then
     * chooses a sandbox for them and sets `sandbox` (borrowed) before the first call. CLI
     * providers leave this false: their agent runs its own commands. */
    bool runs_commands;
    const struct aidf_sandbox *sandbox;
    void *impl; /* provider-specific state */
    void (*impl_free)(void *impl);
};

/**
 * Create the provider `type` for the project at `root`, configured by `cfg` (binary,
 * model, security) and, for the API providers, `ctx` (scope, system prompt). Both are
 * borrowed and must outlive the provider. Returns AIDF_OK with `*out` set; AIDF_EINVAL
 * for an unknown type ("Unknown provider type: X"); AIDF_ENOTFOUND when a CLI's binary
 * is not on PATH (nor where config says) or an API key is missing, with the message in
 * `err`.
 */
int aidf_provider_new(const char *type, const char *root, const struct aidf_config *cfg,
                      const struct aidf_context *ctx, struct aidf_provider **out,
                      struct aidf_error *err);

/** Free a provider. NULL is a no-op. */
void aidf_provider_free(struct aidf_provider *p);

/** Initialise `r` (zeroed or released, never holding data) to an empty success. */
void aidf_provider_result_init(struct aidf_provider_result *r);
/** Free what `r` owns and zero it (a zeroed result may be released again). */
void aidf_provider_result_release(struct aidf_provider_result *r);

/** Set the failure of `r` (message printf-style, copied). */
void aidf_provider_result_fail(struct aidf_provider_result *r, enum aidf_provider_failure f,
                               const char *category, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/** True when `type` names a provider this build knows. */
bool aidf_provider_type_known(const char *type);

/* Constructors of the individual providers (provider_*.c), used by aidf_provider_new(). */
int aidf_provider_claude_init(struct aidf_provider *p, struct aidf_error *err);
int aidf_provider_cursor_init(struct aidf_provider *p, struct aidf_error *err);
int aidf_provider_anthropic_init(struct aidf_provider *p, struct aidf_error *err);
int aidf_provider_openai_init(struct aidf_provider *p, struct aidf_error *err);

#endif
