/*
 * `aidf report clean --before DATE [--confirm]`: delete old reports (plan task 131).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "term.h"

static const char clean_help[] =
    "usage: aidf report clean --before DATE [--confirm] [options]\n"
    "\n"
    "Delete reports older than DATE (an ISO date or timestamp, or an age such as 30d).\n"
    "Without --confirm only lists what would be deleted.\n"
    "\n"
    "Options:\n"
    "  --before DATE         delete reports with a timestamp before DATE; required\n"
    "  --confirm             really delete\n"
    "  --json                print {\"deleted\"|\"wouldDelete\":[paths],\"count\":N}\n" CLI_COMMON_HELP;

static const struct option clean_options[] = {
    CLI_COMMON_OPTIONS,
    {"before", required_argument, NULL, OPT_BEFORE},
    {"confirm", no_argument, NULL, OPT_CONFIRM},
    {"json", no_argument, NULL, OPT_JSON},
    {NULL, 0, NULL, 0},
};

int cmd_report_clean(int argc, char **argv)
{
    struct cli_common co = {.cmd = "report clean"};
    const char *before_s = NULL;
    int64_t before = 0;
    bool confirm = false;
    int c, h;

    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", clean_options, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(clean_help, stdout);
            return CLI_EXIT_OK;
        }
        h = cli_common_opt(&co, c, optarg);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (h > 0)
            continue;
        if (c == OPT_BEFORE) {
            if (cli_parse_date(optarg, false, &before))
                return cli_usage_error(co.cmd,
                                       "invalid --before '%s' (expected YYYY-MM-DD, an "
                                       "ISO timestamp or 7d/24h/2w)",
                                       optarg);
            before_s = optarg;
            continue;
        }
        if (c == OPT_CONFIRM) {
            confirm = true;
            continue;
        }
        return cli_bad_option(c, argc, argv, co.cmd);
    }
    if (optind < argc)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", argv[optind]);
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
