/*
 * Project configuration: `.ai/config.yml` (or `.ai/config.yaml`, `.ai/config.json`)
 * at the project root, read with libyaml's event API.
 *
 * Keys: those of the original TypeScript tool (including its older `behavior` and
 * string-`validation` forms) plus `cost` and `observability`; docs/config.md lists them.
 * Aliases and anchors are refused; nesting is limited; scalars are typed by us
 * (booleans only `true`/`false`). `${VAR}` in any string value is replaced by the
 * environment variable (`$$` is a literal `$`). Errors give file, line and column.
 *
 * Ownership: struct aidf_config owns every string and list; aidf_config_release()
 * frees them.
 */
#ifndef AIDF_CONFIG_H
#define AIDF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "aidf/cost.h"
#include "aidf/err.h"
#include "aidf/containers.h"
#include "aidf/kvlist.h"

/* Config files larger than this are refused. */
#define AIDF_CONFIG_MAX_BYTES (1024u * 1024)
/* Mappings/sequences nested deeper than this are refused. */
#define AIDF_CONFIG_MAX_DEPTH 16

enum aidf_scope_mode {
    AIDF_SCOPE_STRICT = 0,
    AIDF_SCOPE_ASK = 1,
    AIDF_SCOPE_PERMISSIVE = 2,
};

/* security.sandbox.mode: how the API providers' run_command is confined (aidf/sandbox.h). */
enum aidf_sandbox_mode {
    AIDF_SANDBOX_AUTO = 0,     /* the best backend available; none (with a warning) allowed */
    AIDF_SANDBOX_REQUIRED = 1, /* the best backend available; none fails the run */
    AIDF_SANDBOX_BWRAP = 2,    /* bubblewrap or fail */
    AIDF_SANDBOX_LANDLOCK = 3, /* Landlock or fail */
    AIDF_SANDBOX_OFF = 4,      /* no sandbox, no warning (the environment is still filtered) */
};

enum aidf_notify_level {
    AIDF_NOTIFY_ALL = 0,
    AIDF_NOTIFY_ERRORS = 1,
    AIDF_NOTIFY_BLOCKED = 2,
};

struct aidf_config {
    char *path; /* the file read; NULL when defaults only */
    double version;
    char *framework;
    struct {
        char *name, *type, *description;
    } project;
    struct {
        char *type;   /* claude-cli | cursor-cli | anthropic-api | openai-api */
        char *model;  /* NULL when not set */
        char *binary; /* CLI providers: explicit path of the executable; NULL: PATH */
    } provider;
    struct {
        int max_iterations;           /* 1..1000, default 50 */
        int max_consecutive_failures; /* 1..100, default 3 */
        double timeout_per_iteration; /* seconds, 0..3600, default 300; 0 = none */
        bool session_continuation;    /* default true */
    } execution;
    struct {
        enum aidf_scope_mode scope_enforcement; /* default ask */
        bool auto_commit;                       /* default true */
        bool auto_push, auto_pr;                /* default false */
    } permissions;
    struct {
        struct aidf_strlist pre_commit, pre_push, pre_pr;
        double command_timeout; /* seconds per command, default 300 */
    } validation;
    struct {
        char *commit_prefix; /* default "aidf:" */
        char *branch_prefix; /* default "aidf/" */
    } git;
    struct {
        enum aidf_notify_level level; /* default all */
        struct {
            bool enabled;
        } desktop;
        struct {
            bool enabled;
            char *webhook_url;
        } slack, discord;
        struct {
            bool enabled;
            char *smtp_host;
            int smtp_port; /* default 587 */
            char *smtp_user, *smtp_pass, *from, *to;
        } email;
        struct {
            bool enabled;
            char *url;
            struct aidf_kvlist headers;
        } webhook;
    } notifications;
    struct {
        bool enabled, block_suspicious; /* default true, true */
        struct aidf_strlist directories, extras;
    } skills;
    struct {
        bool skip_permissions, warn_on_skip;  /* default true, true */
        struct aidf_strlist allowed, blocked; /* security.commands.* */
        bool strict;
        struct {
            enum aidf_sandbox_mode mode; /* default auto */
            bool network;                /* default false */
            struct aidf_strlist env;     /* extra variable names passed to commands */
        } sandbox;
    } security;
    struct {
        struct aidf_rate_table rates; /* built-ins overridden by cost.rates */
        char *currency;               /* default "USD" */
    } cost;
    struct {
        char *reports_dir;       /* observability.reports_dir; NULL: <root>/.ai/reports */
        char *project;           /* observability.project: the report's project.name, overriding
                                    the CI's and the origin remote's slug; NULL: not set */
        bool actor;              /* observability.actor: record who ran it; default true */
        struct aidf_kvlist tags; /* observability.tags: run tags (aidf/tags.h rules) */
        struct {
            bool enabled;
            char *url;
            struct aidf_kvlist headers;
            bool events[4]; /* indexed by enum aidf_status; default completed,blocked,failed */
            bool include_iterations; /* default false */
            int timeout_ms;          /* default 10000 */
            int retry;               /* default 2 */
            char *secret;            /* whsec_… Standard Webhooks secret; NULL: unsigned */
        } webhook;
        struct {
            char *url;       /* observability.server.url: report server to push to */
            char *token_env; /* env var holding the bearer token; default AIDF_SERVER_TOKEN */
        } server;
    } observability;
};

enum aidf_config_flags {
    /* An unset ${VAR} is an error (the executor). Without it: a warning and "". */
    AIDF_CONFIG_REQUIRE_ENV = 1 << 0,
};

/** Fill `c` with the defaults of a project without a config file. */
void aidf_config_init_defaults(struct aidf_config *c);
/** Free everything `c` owns. */
void aidf_config_release(struct aidf_config *c);

/**
 * Parse config text (`path` is used in messages only). `c` must hold defaults
 * (aidf_config_init_defaults) and receives the values found. On error returns
 * AIDF_EINVAL (syntax, type, range, alias/anchor, depth, unset ${VAR} with
 * AIDF_CONFIG_REQUIRE_ENV) or AIDF_ETOOBIG, with err->msg "<path>:<line>:<col>: ..."
 * and err->line/col set; `c` then still holds valid (partly filled) values and must
 * be released. Unknown keys are warned about (aidf_log) and ignored.
 */
int aidf_config_parse(const char *text, size_t len, const char *path, unsigned flags,
                      struct aidf_config *c, struct aidf_error *err);

/**
 * Load the config of the project at `root` (the directory holding `.ai/`): the first
 * of .ai/config.yml, .ai/config.yaml, .ai/config.json. No file → defaults and AIDF_OK.
 * `c` is initialised by this call and must be released even on error.
 */
int aidf_config_load(const char *root, unsigned flags, struct aidf_config *c,
                     struct aidf_error *err);

/** What a config key holds. */
enum aidf_config_key_type {
    AIDF_CONFIG_KEY_STRING,
    AIDF_CONFIG_KEY_BOOL,    /* true or false */
    AIDF_CONFIG_KEY_INT,     /* within [min, max] */
    AIDF_CONFIG_KEY_NUMBER,  /* within [min, max] (both infinite: any number) */
    AIDF_CONFIG_KEY_ENUM,    /* a string, one of `choices` */
    AIDF_CONFIG_KEY_LIST,    /* a list of strings (of `choices` when set) */
    AIDF_CONFIG_KEY_MAPPING, /* a mapping: HTTP headers, cost.rates, behavior */
};

/** One key of config.yml, as aidf_config_keys() reports it. */
struct aidf_config_key {
    const char *name; /* dotted path from the top: "execution.max_iterations" */
    enum aidf_config_key_type type;
    double min, max;            /* INT and NUMBER */
    const char *const *choices; /* ENUM and some LISTs: NULL-terminated; else NULL */
    const char *def;            /* the default as YAML text ("50", "ask", "[]"); NULL: unset */
};

/** Callback of aidf_config_keys(); `key` and its strings are valid during the call only. */
typedef void (*aidf_config_key_fn)(const struct aidf_config_key *key, void *ctx);

/**
 * Call `fn` for every key the parser accepts (values, not the sections holding them),
 * in the order of its tables, with its default from aidf_config_init_defaults().
 * docs/config.md documents the same keys; a unit test keeps the two equal.
 */
void aidf_config_keys(aidf_config_key_fn fn, void *ctx);

/** "string", "boolean", "integer", "number", "enum", "list" or "mapping". */
const char *aidf_config_key_type_name(enum aidf_config_key_type t);

/** Name of a scope mode: "strict" / "ask" / "permissive". */
const char *aidf_scope_mode_name(enum aidf_scope_mode m);

/** Name of a sandbox mode: "auto" / "required" / "bwrap" / "landlock" / "off". */
const char *aidf_sandbox_mode_name(enum aidf_sandbox_mode m);

/** Name of a notification level: "all" / "errors" / "blocked". */
const char *aidf_notify_level_name(enum aidf_notify_level l);

#endif
