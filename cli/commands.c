/*
 * The command tree of aidf (aidf itself, its commands and the report subcommands) and
 * the dispatcher that walks it: global options, `help [command...]`, and "did you mean"
 * for a mistyped command. The man page and the shell completions walk the same tree.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "term.h"

/* Global option ids (above the shared ones). */
enum { OPT_VERSION = 900 };

static void print_root_commands(FILE *f);
static void print_report_commands(FILE *f);

static const struct optp_opt root_opts[] = {
    CLI_COLOR_OPTS,
    {.name = "version", .short_name = 'V', .id = OPT_VERSION, .help = "print the version"},
    CLI_OPTS_END,
};

static const struct optp_cmd root_spec = {
    .name = "",
    .synopsis = "[--color=WHEN] <command> [options]\n--version | --help | help <command>",
    .summary = "run AI coding agents on scoped tasks and report every run",
    .description = "Run AI coding agents on scoped tasks and keep a report of every run.",
    .opts = root_opts,
    .epilog = "Run 'aidf <command> --help' for the options of a command.",
    .more_help = print_root_commands,
};

static const struct optp_opt no_opts[] = {CLI_OPTS_END};

static const struct optp_cmd report_spec = {
    .name = "report",
    .synopsis = "<command> [options]",
    .summary = "list, show, summarise, chart, export and clean execution reports",
    .description = "Query the execution reports in .ai/reports/.",
    .opts = no_opts,
    .epilog = "Run 'aidf report <command> --help' for the options of a command.",
    .more_help = print_report_commands,
};

static const struct cli_command report_cmds[] = {
    {"list", cmd_report_list, &cli_spec_report_list, NULL},
    {"show", cmd_report_show, &cli_spec_report_show, NULL},
    {"summary", cmd_report_summary, &cli_spec_report_summary, NULL},
    {"stats", cmd_report_stats, &cli_spec_report_stats, NULL},
    {"daily", cmd_report_daily, &cli_spec_report_daily, NULL},
    {"monthly", cmd_report_monthly, &cli_spec_report_monthly, NULL},
    {"export", cmd_report_export, &cli_spec_report_export, NULL},
    {"clean", cmd_report_clean, &cli_spec_report_clean, NULL},
    {"push", cmd_report_push, &cli_spec_report_push, NULL},
    {"webhook", cmd_report_webhook, &cli_spec_report_webhook, NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_command root_cmds[] = {
    {"init", cmd_init, &cli_spec_init, NULL},
    {"run", cmd_run, &cli_spec_run, NULL},
    {"report", NULL, &report_spec, report_cmds},
    {"status", cmd_status, &cli_spec_status, NULL},
    {"serve", cmd_serve, &cli_spec_serve, NULL},
    {"version", cmd_version, &cli_spec_version, NULL},
    {"completion", cmd_completion, &cli_spec_completion, NULL},
    {NULL, NULL, NULL, NULL},
};

const struct cli_command cli_root = {"aidf", NULL, &root_spec, root_cmds};

/* "  name       summary" for each command of a group. */
static void print_commands(FILE *f, const struct cli_command *subs)
{
    fputs("\nCommands:\n", f);
    for (const struct cli_command *c = subs; c->name; c++)
        fprintf(f, "  %-12s %s\n", c->name, c->spec->summary);
}

static void print_root_commands(FILE *f)
{
    print_commands(f, root_cmds);
}

static void print_report_commands(FILE *f)
{
    print_commands(f, report_cmds);
}

const struct cli_command *cli_find_command(const struct cli_command *group, const char *name)
{
    for (const struct cli_command *c = group->subs; c && c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* The command of `group` closest to the mistyped `name` (or "help"), or NULL. */
static const char *suggest_command(const struct cli_command *group, const char *name)
{
    const char *names[32];
    size_t n = 0;
    for (const struct cli_command *c = group->subs; c->name && n + 1 < 32; c++)
        names[n++] = c->name;
    names[n++] = "help";
    return optp_suggest(name, names, n);
}

/* An unknown subcommand of `group`: the message, a suggestion or the usage. Returns 2. */
static int unknown_command(const struct cli_command *group, const char *name)
{
    const char *hint = suggest_command(group, name);
    bool root = group == &cli_root;
    if (root && !hint) {
        char *vis = term_esc(name);
        fprintf(stderr, "aidf: '%s' is not an aidf command\n\n", vis);
        free(vis);
        optp_print_help(group->spec, stderr);
        return CLI_EXIT_USAGE;
    }
    if (root)
        return cli_usage_error(NULL, "'%s' is not an aidf command; did you mean '%s'?", name, hint);
    if (hint)
        return cli_usage_error(group->spec->name, "unknown %s command '%s'; did you mean '%s'?",
                               group->name, name, hint);
    return cli_usage_error(group->spec->name, "unknown %s command '%s'", group->name, name);
}

/* optp_check() on every table of the tree; the number of problems. */
static int check_tables(const struct cli_command *group)
{
    int bad = optp_check(group->spec, stderr);
    for (const struct cli_command *c = group->subs; c && c->name; c++)
        bad += c->subs ? check_tables(c) : optp_check(c->spec, stderr);
    return bad;
}

/*
 * `help [command [subcommand]]` within `group`: print that command's help. `aidf help
 * --man` prints the man page (the build runs it), after checking every option table.
 */
static int run_help(const struct cli_command *group, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--man") == 0 && group == &cli_root) {
        if (check_tables(&cli_root) > 0)
            return CLI_EXIT_FAIL;
        cli_print_man(stdout);
        return CLI_EXIT_OK;
    }
    const struct cli_command *node = group;
    for (int i = 1; i < argc; i++) {
        const struct cli_command *c = cli_find_command(node, argv[i]);
        if (!c)
            return unknown_command(node, argv[i]);
        node = c;
    }
    optp_print_help(node->spec, stdout);
    return CLI_EXIT_OK;
}

int cli_dispatch(const struct cli_command *group, int argc, char **argv)
{
    struct optp p;
    int id;
    optp_init(&p, group->spec, argc, argv);
    p.stop_at_arg = true;
    while ((id = optp_next(&p)) > 0) {
        if (id == OPT_VERSION) {
            static char version_arg[] = "version";
            char *vargv[] = {version_arg, NULL};
            return cmd_version(1, vargv);
        }
        if (id == OPT_COLOR) {
            int m = term_parse_color_mode(p.arg);
            if (m < 0)
                return cli_usage_error(group->spec->name,
                                       "invalid --color '%s' (expected auto, always or never)",
                                       p.arg);
            term_set_color_mode((enum term_color_mode)m);
        }
    }
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs == 0) {
        optp_print_help(group->spec, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *name = p.args[0];
    if (strcmp(name, "help") == 0)
        return run_help(group, p.nargs, p.args);
    const struct cli_command *c = cli_find_command(group, name);
    if (!c)
        return unknown_command(group, name);
    if (c->subs)
        return cli_dispatch(c, p.nargs, p.args);
    return c->fn(p.nargs, p.args);
}
