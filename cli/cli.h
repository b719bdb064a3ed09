/*
 * Declarations shared by the aidf command-line front end: the commands of the
 * dispatch table, the command specs (option tables, see optparse.h), option helpers
 * and the reports-directory lookup.
 *
 * Exit codes: 0 success, 1 the operation failed, 2 usage error.
 * Results go to stdout, diagnostics to stderr ("aidf: ...").
 */
#ifndef AIDF_CLI_H
#define AIDF_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aidf/filter_parse.h"
#include "aidf/store.h"
#include "optparse.h"

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

/** A command: `argv[0]` is the command name. Returns the exit code. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

/** `aidf init ...`: create the .ai/ folder. */
int cmd_init(int argc, char **argv);
/** `aidf report list ...`. */
int cmd_report_list(int argc, char **argv);
/** `aidf report show ...`. */
int cmd_report_show(int argc, char **argv);
/** `aidf report summary ...`. */
int cmd_report_summary(int argc, char **argv);
/** `aidf report stats ...`: a time series (cmd_report_stats.c). */
int cmd_report_stats(int argc, char **argv);
/** `aidf report daily ...`: report stats --interval day. */
int cmd_report_daily(int argc, char **argv);
/** `aidf report monthly ...`: report stats --interval month. */
int cmd_report_monthly(int argc, char **argv);
/** `aidf report export ...`. */
int cmd_report_export(int argc, char **argv);
/** `aidf report clean ...`. */
int cmd_report_clean(int argc, char **argv);
/** `aidf report push ...`. */
int cmd_report_push(int argc, char **argv);
/** `aidf report webhook ...`. */
int cmd_report_webhook(int argc, char **argv);
/** `aidf status ...`. */
int cmd_status(int argc, char **argv);
/** `aidf serve ...`: the HTTP report server. */
int cmd_serve(int argc, char **argv);
/** `aidf run ...`: run the agent on tasks (the executor). */
int cmd_run(int argc, char **argv);
/** `aidf version [--json]`: the version of aidf (and of its libraries with --json). */
int cmd_version(int argc, char **argv);
/** The version of aidf, such as "0.8.0": AIDF_VERSION of the build (cmd_version.c). */
extern const char cli_version[];
/** `aidf completion bash|zsh`: print a shell completion script. */
int cmd_completion(int argc, char **argv);

/* The option tables and help texts of the commands (each in its cmd_*.c). */
extern const struct optp_cmd cli_spec_init, cli_spec_run, cli_spec_status, cli_spec_serve,
    cli_spec_version, cli_spec_completion, cli_spec_report_list, cli_spec_report_show,
    cli_spec_report_summary, cli_spec_report_export, cli_spec_report_clean, cli_spec_report_push,
    cli_spec_report_webhook, cli_spec_report_stats, cli_spec_report_daily, cli_spec_report_monthly;

/**
 * A node of the command tree: a command with its function and spec, or a group (aidf
 * itself, `aidf report`) whose `subs` list its commands (ending with a NULL name).
 */
struct cli_command {
    const char *name;
    cli_cmd_fn fn; /* NULL for a group */
    const struct optp_cmd *spec;
    const struct cli_command *subs;
};

/** aidf itself: the global options and the commands (defined in commands.c). */
extern const struct cli_command cli_root;

/** The subcommand `name` of `group`, or NULL. */
const struct cli_command *cli_find_command(const struct cli_command *group, const char *name);

/**
 * Run `argv` (argv[0] names `group`) through the group: its options, then `help
 * [command...]` or the named subcommand (a mistyped one gets "did you mean"). Returns
 * the exit status.
 */
int cli_dispatch(const struct cli_command *group, int argc, char **argv);

/** Print the man page aidf(1), generated from the command tree, to `f` (troff). */
void cli_print_man(FILE *f);

/* Option ids shared by the commands (the ids of one command's table must differ). */
enum cli_opt {
    OPT_SINCE = 256,
    OPT_UNTIL,
    OPT_STATUS,
    OPT_TASK,
    OPT_PROVIDER,
    OPT_MODEL,
    OPT_REPORTS_DIR,
    OPT_COLOR,
    OPT_JSON,
    OPT_LIMIT,
    OPT_CSV,
    OPT_DETAILED,
    OPT_BEFORE,
    OPT_CONFIRM,
    OPT_REPORT,
    OPT_PROJECT,
    OPT_ACTOR,
    OPT_BRANCH,
    OPT_TAG_FILTER,
    OPT_CI,
    OPT_RECEIVED_SINCE,
};

/* The fixed values of --color, --status, --provider and --ci (NULL-terminated). */
extern const char *const cli_color_choices[];
extern const char *const cli_bool_choices[];
extern const char *const cli_status_choices[];
extern const char *const cli_provider_choices[];

/* clang-format off */
/* --color WHEN (and its hidden British spelling), for commands without --reports-dir. */
#define CLI_COLOR_OPTS                                                                      \
    {.name = "color", .kind = OPTP_CHOICE, .id = OPT_COLOR, .value_name = "WHEN",           \
     .help = "auto, always or never (default auto)", .choices = cli_color_choices},         \
    {.name = "colour", .kind = OPTP_CHOICE, .id = OPT_COLOR, .value_name = "WHEN",          \
     .choices = cli_color_choices, .flags = OPTP_HIDDEN}

/* Options of every command that reads the reports (--help is built into the parser). */
#define CLI_COMMON_OPTS                                                                     \
    {.name = "reports-dir", .kind = OPTP_DIR, .id = OPT_REPORTS_DIR, .value_name = "DIR",   \
     .help = "reports directory (default: <project>/.ai/reports)"},                         \
    CLI_COLOR_OPTS

/*
 * The run filters of list, summary and export: the words of the API's filters
 * (aidf/filter_parse.h). Every one but the dates takes several values, comma-separated
 * or by repeating the option.
 */
#define CLI_FILTER_OPTS                                                                     \
    {.name = "since", .kind = OPTP_DATE, .id = OPT_SINCE, .value_name = "DATE",             \
     .help = "only runs at or after DATE (2026-11-01, 2026-11-01T09:00Z, or an age:\n"     \
             "30m, 24h, 7d, 2w, 3mo, 1y; units s, m (minutes), h, d, w, mo (calendar\n"     \
             "months), y)"},                                                                \
    {.name = "until", .kind = OPTP_DATE, .id = OPT_UNTIL, .value_name = "DATE",             \
     .help = "only runs at or before DATE (a bare date includes the whole day)"},           \
    {.name = "status", .kind = OPTP_CHOICE, .id = OPT_STATUS, .value_name = "STATUS",       \
     .help = "completed, blocked or failed (several: failed,blocked)",                      \
     .choices = cli_status_choices},                                                        \
    {.name = "task", .kind = OPTP_STRING, .id = OPT_TASK, .value_name = "GLOB",             \
     .help = "task path, file name or task name matches GLOB (e.g. '*login*')"},            \
    {.name = "provider", .short_name = 'p', .kind = OPTP_CHOICE, .id = OPT_PROVIDER,        \
     .value_name = "TYPE", .choices = cli_provider_choices,                                 \
     .help = "provider type (claude-cli, cursor-cli, anthropic-api, openai-api)"},          \
    {.name = "model", .short_name = 'm', .kind = OPTP_STRING, .id = OPT_MODEL,              \
     .value_name = "MODEL", .help = "model name or glob"},                                  \
    {.name = "project", .kind = OPTP_STRING, .id = OPT_PROJECT, .value_name = "NAME",       \
     .help = "project name (e.g. acme/widgets)"},                                           \
    {.name = "actor", .kind = OPTP_STRING, .id = OPT_ACTOR, .value_name = "NAME",           \
     .help = "who ran it (AIDF_ACTOR, the CI's actor or the git e-mail)"},                  \
    {.name = "branch", .kind = OPTP_STRING, .id = OPT_BRANCH, .value_name = "NAME",         \
     .help = "git branch at the start of the run"},                                         \
    {.name = "tag", .kind = OPTP_STRING, .id = OPT_TAG_FILTER, .value_name = "KEY:VALUE",   \
     .help = "runs with tag KEY set to VALUE (KEY:* or KEY alone: any value)"},           \
    {.name = "ci", .kind = OPTP_CHOICE, .id = OPT_CI, .value_name = "BOOL",                 \
     .help = "true: only runs in CI; false: only runs outside CI",                          \
     .choices = cli_bool_choices},                                                          \
    {.name = "received-since", .kind = OPTP_DATE, .id = OPT_RECEIVED_SINCE,                 \
     .value_name = "DATE",                                                                  \
     .help = "only runs the store first saw at or after DATE (as --since; a late\n"         \
             "delivery of an old run counts when it arrived)"}

/* The paragraph on filters of the commands that take CLI_FILTER_OPTS. */
#define CLI_FILTER_NOTE                                                                     \
    "Filters but the dates take several values, comma-separated or by repeating the\n"     \
    "option (--status failed,blocked --model gpt-4o --model 'claude-*'): a run passes a\n" \
    "filter when it has any of its values, and is selected when it passes every filter\n"  \
    "given. Each date (--since, --until, --received-since) is given at most once."

/* The end of an option table. */
#define CLI_OPTS_END {.name = NULL}
/* clang-format on */

/** Options common to every command, filled by cli_common_opt(). */
struct cli_common {
    const char *cmd; /* e.g. "report list", for "Try 'aidf report list --help'." */
    const char *reports_dir;
    bool json;
};

/** Run filters as given on the command line, and their text for the footer. */
struct cli_filter {
    struct aidf_filter f;
    struct aidf_strlist raw[AIDF_FILTER_NAMES]; /* the values as typed, per filter name */
};

/**
 * Print "aidf: <message>" and "Try 'aidf <cmd> --help'." to stderr; returns 2.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Print "aidf: <message>" to stderr; returns 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Handle a common option (`c` from optp_next()). Returns 1 when handled, 0 when `c` is
 * not a common option, or -2 after printing a usage error (the caller returns 2).
 * --help is not handled here.
 */
int cli_common_opt(struct cli_common *co, int c, const char *arg);

/** Initialise filters that match everything. */
void cli_filter_init(struct cli_filter *cf);
/** Free what `cf` holds. */
void cli_filter_release(struct cli_filter *cf);
/** Like cli_common_opt() for the filter options. */
int cli_filter_opt(struct cli_filter *cf, int c, const char *arg, const char *cmd);
/** True when any filter is set. */
bool cli_filter_any(const struct cli_filter *cf);
/** "status=completed,failed, since=7d, tag=team:core" for the terminal (heap string, the
 *  values as typed, control characters made visible; "" when no filter). */
char *cli_filter_describe(const struct cli_filter *cf);

/**
 * Parse a non-negative decimal integer (no sign, no spaces, no trailing text, fits
 * int64). 0 on success, -1 otherwise.
 */
int cli_parse_count(const char *s, int64_t *out);
/** Parse a filter date via aidf_parse_when() against the current time. 0 or -1. */
int cli_parse_date(const char *s, bool end_of_day, int64_t *out);

/**
 * Find the reports directory: `opt` when given, else the project's (config
 * observability.reports_dir relative to the root, or <root>/.ai/reports). Returns 0
 * and a heap path, or 1 after printing the no-project message.
 * `*explicit_dir` tells whether it came from --reports-dir.
 */
int cli_reports_dir(const char *opt, char **dir_out, bool *explicit_dir);

/**
 * Open the store of `dir`. Returns 0 with `*out` set, 0 with `*out` NULL when the
 * directory does not exist and was not given explicitly (no reports yet), or 1 after
 * printing the error.
 */
int cli_open_store(const char *dir, bool explicit_dir, struct aidf_store **out);

/**
 * cli_reports_dir() then cli_open_store(): the reports directory for --reports-dir `opt`
 * (or the project's) and its store. Returns 0 with `*dir_out` (heap; caller frees) and
 * `*store` (NULL when there are no reports yet), or 1 after printing the error, with
 * nothing to free.
 */
int cli_open_reports(const char *opt, char **dir_out, struct aidf_store **store);

/** "2026-11-24 10:05 UTC" for an epoch-ms time. */
void cli_format_date(int64_t ms, char *out, size_t outlen);

/**
 * Write the JSON text `text[0..len)` (valid UTF-8, as jansson writes it) to stdout with
 * DEL, the C1 controls and the bidi overrides, which jansson leaves raw, written as
 * "\uXXXX": the same JSON value, and nothing in it acts on a terminal. Returns 0, or 1
 * after printing the error.
 */
int cli_write_json_text(const char *text, size_t len);
/**
 * Print a JSON value to stdout, pretty (2 spaces) with a trailing newline, through
 * cli_write_json_text(); steals `v`. Returns 0, or 1 after printing the error.
 */
int cli_print_json(json_t *v);

/**
 * Write CSV of `runs` to `path` ("-" = stdout) atomically: the summary CSV, or with
 * `detailed` one row per iteration read from the full reports. `*rows` receives the
 * number of data rows. Returns 0 or 1 after printing the error.
 */
int cli_write_csv(struct aidf_store *s, const struct aidf_run_summary *const *runs, size_t n,
                  bool detailed, const char *path, size_t *rows);

/**
 * Write `len` bytes of `text` to `path` ("-" = stdout), a file atomically. Returns 0, or 1
 * after printing the error.
 */
int cli_write_text(const char *path, const char *text, size_t len);

#endif
