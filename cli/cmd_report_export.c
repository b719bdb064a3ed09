/*
 * `aidf report export --csv PATH`: runs as CSV.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "term.h"

static const struct optp_opt export_opts[] = {
    {.name = "csv",
     .kind = OPTP_FILE,
     .id = OPT_CSV,
     .value_name = "PATH",
     .help = "the file to write ('-' = standard output); required"},
    {.name = "detailed",
     .id = OPT_DETAILED,
     .help = "one row per iteration (reads every full report)"},
    CLI_FILTER_OPTS,
    {.name = "json",
     .id = OPT_JSON,
     .help = "print {\"path\":...,\"runs\":N,\"rows\":M} when done"},
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_report_export = {
    .name = "report export",
    .synopsis = "--csv PATH [options]",
    .summary = "export runs to CSV",
    .description =
        "Export runs to CSV (RFC 4180), one row per run, or with --detailed one row per\n"
        "iteration. PATH '-' writes to standard output. The file is written atomically.\n"
        "Columns: run_id, timestamp, task, status, iterations, input_tokens,\n"
        "output_tokens, total_tokens, estimated_cost, duration_seconds, files_modified,\n"
        "provider, model, scope_violations, validation_failures, cache_read_tokens,\n"
        "cache_write_tokens, currency (of estimated_cost), project, actor,\n"
        "total_tokens_with_cache (see docs/serve.md).\n\n" CLI_FILTER_NOTE,
    .opts = export_opts,
};

/* The command, with the filters in `cf` (released by the caller). */
static int export_main(int argc, char **argv, struct cli_filter *cf)
{
    struct cli_common co = {.cmd = "report export"};
    const char *csv = NULL;
    bool detailed = false;
    struct optp p;
    int id, h;

    optp_init(&p, &cli_spec_report_export, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        h = cli_common_opt(&co, id, p.arg);
        if (h == 0)
            h = cli_filter_opt(cf, id, p.arg, co.cmd);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (id == OPT_CSV) {
            if (!*p.arg)
                return cli_usage_error(co.cmd, "--csv needs a file name");
            csv = p.arg;
        } else if (id == OPT_DETAILED) {
            detailed = true;
        }
    }
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs > 0)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", p.args[0]);
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
    size_t n = store ? aidf_store_list(store, &cf->f, &runs) : 0;
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

int cmd_report_export(int argc, char **argv)
{
    struct cli_filter cf;
    cli_filter_init(&cf);
    int rc = export_main(argc, argv, &cf);
    cli_filter_release(&cf);
    return rc;
}
