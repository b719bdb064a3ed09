/*
 * The aidf executable: global options and the command dispatch table.
 */
#include "cli.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/version.h"
#include "aidf/xalloc.h"
#include "term.h"

static const struct cli_command {
    const char *name;
    cli_cmd_fn fn;
    const char *summary;
} commands[] = {
    {"init", cmd_init, "create the .ai/ folder: AGENTS.md, config, roles, task templates"},
    {"run", cmd_run, "run the AI agent on a task, with safety rails, and report the run"},
    {"report", cmd_report, "list, show, summarise, export and clean execution reports"},
    {"status", cmd_status, "show the project, its tasks and (with --report) the last run"},
    {"serve", cmd_serve, "serve the reports over HTTP (REST API for CI and dashboards)"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fputs("usage: aidf [--color=WHEN] <command> [options]\n"
          "       aidf --version | --help | help <command>\n"
          "\n"
          "Run AI coding agents on scoped tasks and keep a report of every run.\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Global options:\n"
          "  --color WHEN   colour output: auto (default), always or never\n"
          "  -h, --help     show this help\n"
          "  --version      print the version\n"
          "\n"
          "Run 'aidf <command> --help' for the options of a command.\n",
          f);
}

static const struct cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

/* `aidf help [command [subcommand]]`: the command's own --help. */
static int cmd_help(int argc, char **argv)
{
    static char help_arg[] = "--help";
    if (argc < 2) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    const struct cli_command *cmd = find_command(argv[1]);
    if (!cmd)
        return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
    if (argc >= 3) {
        char *sub[] = {argv[1], argv[2], help_arg, NULL};
        return cmd->fn(3, sub);
    }
    char *one[] = {argv[1], help_arg, NULL};
    return cmd->fn(2, one);
}

int main(int argc, char **argv)
{
    aidf_xalloc_init_jansson();
    curl_global_init(CURL_GLOBAL_DEFAULT);
    /* A closed pipe (aidf report list | head) ends the write with EPIPE, not a signal. */
    signal(SIGPIPE, SIG_IGN);

    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("aidf %s\n", AIDF_VERSION);
            return CLI_EXIT_OK;
        }
        const char *val = NULL;
        if (strncmp(a, "--color=", 8) == 0 || strncmp(a, "--colour=", 9) == 0) {
            val = strchr(a, '=') + 1;
        } else if (strcmp(a, "--color") == 0 || strcmp(a, "--colour") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error(NULL, "option '%s' requires an argument", a);
            val = argv[++i];
        } else if (a[0] == '-') {
            return cli_usage_error(NULL, "unknown option '%s'", a);
        } else {
            break;
        }
        int m = term_parse_color_mode(val);
        if (m < 0)
            return cli_usage_error(NULL, "invalid --color '%s' (expected auto, always or never)",
                                   val);
        term_set_color_mode((enum term_color_mode)m);
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0)
        return cmd_help(argc - i, argv + i);
    const struct cli_command *cmd = find_command(argv[i]);
    if (!cmd) {
        fprintf(stderr, "aidf: '%s' is not an aidf command\n\n", argv[i]);
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    int rc = cmd->fn(argc - i, argv + i);
    if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
        rc = CLI_EXIT_FAIL;
    return rc;
}
