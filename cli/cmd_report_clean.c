/*
 * `aidf report clean --before DATE [--confirm]`: delete old reports.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/timeutil.h"
#include "term.h"

static const struct optp_opt clean_opts[] = {
    {.name = "before",
     .kind = OPTP_DATE,
     .id = OPT_BEFORE,
     .value_name = "DATE",
     .help = "delete reports with a timestamp before DATE; required"},
    {.name = "confirm", .id = OPT_CONFIRM, .help = "really delete"},
    {.name = "json",
     .id = OPT_JSON,
     .help = "print {\"deleted\"|\"wouldDelete\":[paths],\"count\":N}"},
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_report_clean = {
    .name = "report clean",
    .synopsis = "--before DATE [--confirm] [options]",
    .summary = "delete reports older than a date",
    .description =
        "Delete reports older than DATE (an ISO date or timestamp, or an age such as 30d).\n"
        "Without --confirm only lists what would be deleted.",
    .opts = clean_opts,
};

int cmd_report_clean(int argc, char **argv)
{
    struct cli_common co = {.cmd = "report clean"};
    const char *before_s = NULL;
    int64_t before = 0;
    bool confirm = false;
    struct optp p;
    int id, h;

    optp_init(&p, &cli_spec_report_clean, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        h = cli_common_opt(&co, id, p.arg);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (id == OPT_BEFORE) {
            if (cli_parse_date(p.arg, false, &before))
                return cli_usage_error(co.cmd,
                                       "invalid --before '%s' (expected YYYY-MM-DD, an "
                                       "ISO timestamp or an age such as 30d or 3mo; units: %s)",
                                       p.arg, aidf_when_units_help);
            before_s = p.arg;
        } else if (id == OPT_CONFIRM) {
            confirm = true;
        }
    }
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs > 0)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", p.args[0]);
    if (!before_s)
        return cli_usage_error(co.cmd, "missing --before DATE");

    char *dir = NULL;
    struct aidf_store *store = NULL;
    if (cli_open_reports(co.reports_dir, &dir, &store))
        return CLI_EXIT_FAIL;

    struct aidf_strlist paths = {0};
    struct aidf_error err = {0};
    int rc = CLI_EXIT_OK;
    int src = store ? aidf_store_clean(store, before, !confirm, &paths, &err) : AIDF_OK;
    char count[32];
    term_thousands((int64_t)paths.n, count, sizeof(count));

    if (co.json) {
        json_t *o = json_object();
        json_t *arr = json_array();
        for (size_t i = 0; i < paths.n; i++)
            json_array_append_new(arr, json_string(paths.items[i]));
        json_object_set_new(o, confirm ? "deleted" : "wouldDelete", arr);
        json_object_set_new(o, "count", json_integer((json_int_t)paths.n));
        rc = cli_print_json(o);
    } else if (!confirm) {
        for (size_t i = 0; i < paths.n; i++)
            printf("would delete %s\n", paths.items[i]);
        if (paths.n)
            printf("Re-run with --confirm to delete %s report%s\n", count, paths.n == 1 ? "" : "s");
        else
            printf("No reports before %s.\n", before_s);
    } else {
        for (size_t i = 0; i < paths.n; i++)
            printf("deleted %s\n", paths.items[i]);
        printf("Deleted %s report%s\n", count, paths.n == 1 ? "" : "s");
    }
    if (src != AIDF_OK)
        rc = cli_fail("%s", err.msg[0] ? err.msg : aidf_strerror(src));
    aidf_strlist_release(&paths);
    aidf_store_free(store);
    free(dir);
    return rc;
}
