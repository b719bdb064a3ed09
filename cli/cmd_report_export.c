/*
 * `aidf report export --csv PATH`: runs as CSV (plan tasks 128, 131).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "term.h"

static const char export_help[] =
    "usage: aidf report export --csv PATH [options]\n"
    "\n"
    "Export runs to CSV (RFC 4180), one row per run, or with --detailed one row per\n"
    "iteration. PATH '-' writes to standard output. The file is written atomically.\n"
    "\n"
    "Options:\n"
    "  --csv PATH            the file to write ('-' = standard output); required\n"
    "  --detailed            one row per iteration (reads every full report)\n" CLI_FILTER_HELP
    "  --json                print {\"path\":...,\"runs\":N,\"rows\":M} when done\n" CLI_COMMON_HELP;

static const struct option export_options[] = {
    CLI_COMMON_OPTIONS,
    CLI_FILTER_OPTIONS,
    {"csv", required_argument, NULL, OPT_CSV},
    {"detailed", no_argument, NULL, OPT_DETAILED},
    {"json", no_argument, NULL, OPT_JSON},
    {NULL, 0, NULL, 0},
};

int cmd_report_export(int argc, char **argv)
{
    struct cli_common co = {.cmd = "report export"};
    struct cli_filter cf;
    const char *csv = NULL;
    bool detailed = false;
    int c, h;

    cli_filter_init(&cf);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", export_options, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(export_help, stdout);
            return CLI_EXIT_OK;
        }
        h = cli_common_opt(&co, c, optarg);
        if (h == 0)
            h = cli_filter_opt(&cf, c, optarg, co.cmd);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (h > 0)
            continue;
        if (c == OPT_CSV) {
            if (!*optarg)
                return cli_usage_error(co.cmd, "--csv needs a file name");
            csv = optarg;
            continue;
        }
        if (c == OPT_DETAILED) {
            detailed = true;
            continue;
        }
        return cli_bad_option(c, argc, argv, co.cmd);
    }
    if (optind < argc)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", argv[optind]);
    if (!csv)
        return cli_usage_error(co.cmd, "missing --csv PATH");
    bool to_stdout = strcmp(csv, "-") == 0;
    if (to_stdout && co.json)
        return cli_usage_error(co.cmd, "--json cannot be combined with --csv -");

    char *dir = NULL;
    struct aidf_store *store = NULL;
    if (cli_open_reports(co.reports_dir, &dir, &store))
        return CLI_EXIT_FAIL;

    const struct aidf_run_summary **runs = NULL;
    size_t n = store ? aidf_store_list(store, &cf.f, &runs) : 0;
    size_t rows = 0;
    int rc =
        cli_write_csv(store, (const struct aidf_run_summary *const *)runs, n, detailed, csv, &rows);
    if (rc == CLI_EXIT_OK && !to_stdout) {
        if (co.json) {
            json_t *o = json_object();
            json_object_set_new(o, "path", json_string(csv));
            json_object_set_new(o, "runs", json_integer((json_int_t)n));
            json_object_set_new(o, "rows", json_integer((json_int_t)rows));
            rc = cli_print_json(o);
        } else if (isatty(STDOUT_FILENO) == 1) {
            char a[32];
            term_thousands((int64_t)n, a, sizeof(a));
            if (detailed)
                printf("Exported %s run%s (%zu iteration rows) to %s\n", a, n == 1 ? "" : "s", rows,
                       csv);
            else
                printf("Exported %s run%s to %s\n", a, n == 1 ? "" : "s", csv);
        }
    }
    free(runs);
    aidf_store_free(store);
    free(dir);
    return rc;
}
