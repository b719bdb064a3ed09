/*
 * Declarations shared by the aidf command-line front end: the commands of the
 * dispatch table, option helpers over getopt_long, and the reports-directory lookup.
 *
 * Exit codes: 0 success, 1 the operation failed, 2 usage error.
 * Results go to stdout, diagnostics to stderr ("aidf: ...").
 */
#ifndef AIDF_CLI_H
#define AIDF_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aidf/store.h"

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1
#define CLI_EXIT_USAGE 2

/** A command: `argv[0]` is the command name. Returns the exit code. */
typedef int (*cli_cmd_fn)(int argc, char **argv);

/** `aidf init ...`: create the .ai/ folder. */
int cmd_init(int argc, char **argv);
/** `aidf report ...`. */
int cmd_report(int argc, char **argv);
/** `aidf report list ...`. */
int cmd_report_list(int argc, char **argv);
/** `aidf report show ...`. */
int cmd_report_show(int argc, char **argv);
/** `aidf report summary ...`. */
int cmd_report_summary(int argc, char **argv);
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

/* Long-option values shared by the commands (above any short-option character). */
enum cli_opt {
    OPT_HELP = 'h',
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
};

/* clang-format off */
/* Options every command accepts. */
#define CLI_COMMON_OPTIONS                                          \
    {"help", no_argument, NULL, OPT_HELP},                          \
    {"reports-dir", required_argument, NULL, OPT_REPORTS_DIR},      \
    {"color", required_argument, NULL, OPT_COLOR},                  \
    {"colour", required_argument, NULL, OPT_COLOR}

/* The run filters of list, summary and export. */
#define CLI_FILTER_OPTIONS                                          \
    {"since", required_argument, NULL, OPT_SINCE},                  \
    {"until", required_argument, NULL, OPT_UNTIL},                  \
    {"status", required_argument, NULL, OPT_STATUS},                \
    {"task", required_argument, NULL, OPT_TASK},                    \
    {"provider", required_argument, NULL, OPT_PROVIDER},            \
    {"model", required_argument, NULL, OPT_MODEL}
/* clang-format on */

/* Help text lines for the filter options. */
#define CLI_FILTER_HELP                                                                                 \
    "  --since DATE          only runs at or after DATE (2026-11-01, 2026-11-01T09:00Z, 7d, 24h, 2w)\n" \
    "  --until DATE          only runs at or before DATE (a bare date includes the whole day)\n"        \
    "  --status STATUS       completed, blocked or failed\n"                                            \
    "  --task GLOB           task path or file name matches GLOB (e.g. '*login*')\n"                    \
    "  --provider TYPE       provider type (claude-cli, cursor-cli, anthropic-api, openai-api)\n"       \
    "  --model MODEL         model name or glob\n"

#define CLI_COMMON_HELP                                                            \
    "  --reports-dir DIR     reports directory (default: <project>/.ai/reports)\n" \
    "  --color WHEN          auto, always or never (default auto)\n"               \
    "  -h, --help            show this help\n"

/** Options common to every command, filled by cli_common_opt(). */
struct cli_common {
    const char *cmd; /* e.g. "report list", for "Try 'aidf report list --help'." */
    const char *reports_dir;
    bool json;
};

/** Run filters as given on the command line, for the footer and JSON. */
struct cli_filter {
    struct aidf_filter f;
    const char *since, *until, *status, *task, *provider, *model; /* raw text or NULL */
};

/**
 * Print "aidf: <message>" and "Try 'aidf <cmd> --help'." to stderr; returns 2.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Print "aidf: <message>" to stderr; returns 1. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Report a getopt_long() failure (`c` is '?' or ':') as a usage error; returns 2.
 */
int cli_bad_option(int c, int argc, char **argv, const char *cmd);

/**
 * Handle a common option (`c` from getopt_long). Returns 1 when handled, 0 when `c` is
 * not a common option, or -2 after printing a usage error (the caller returns 2).
 * --help is not handled here.
 */
int cli_common_opt(struct cli_common *co, int c, const char *arg);

/** Initialise filters that match everything. */
void cli_filter_init(struct cli_filter *cf);
/** Like cli_common_opt() for the filter options. */
int cli_filter_opt(struct cli_filter *cf, int c, const char *arg, const char *cmd);
/** True when any filter is set. */
bool cli_filter_any(const struct cli_filter *cf);
/** "status=completed, since=7d" (heap string; "" when no filter). */
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

/** Print a JSON value to stdout, pretty (2 spaces) with a trailing newline; steals `v`. */
int cli_print_json(json_t *v);

/**
 * Write CSV of `runs` to `path` ("-" = stdout) atomically: the summary CSV, or with
 * `detailed` one row per iteration read from the full reports. `*rows` receives the
 * number of data rows. Returns 0 or 1 after printing the error.
 */
int cli_write_csv(struct aidf_store *s, const struct aidf_run_summary *const *runs, size_t n,
                  bool detailed, const char *path, size_t *rows);

#endif
