/*
 * `aidf report list`: recent runs as a table, newest first.
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/run_sort.h"
#include "aidf/summary_json.h"
#include "aidf/xalloc.h"
#include "term.h"

enum { OPT_SORT = 800 };

static const char *const sort_choices[] = {"-timestamp",  "timestamp",  "-cost",
                                           "cost",        "-tokens",    "tokens",
                                           "-durationMs", "durationMs", NULL};

static const struct optp_opt list_opts[] = {
    CLI_FILTER_OPTS,
    {.name = "sort",
     .kind = OPTP_CHOICE,
     .id = OPT_SORT,
     .value_name = "ORDER",
     .choices = sort_choices,
     .help = "order by timestamp, cost, tokens or durationMs, ascending; with a\n"
             "leading '-' descending (default -timestamp; unpriced runs last; the\n"
             "same words as GET /runs?sort=)"},
    {.name = "limit",
     .kind = OPTP_INT,
     .id = OPT_LIMIT,
     .value_name = "N",
     .help = "show at most N runs (default 20, 0 = all)",
     .max = INT64_MAX,
     .expect = "a number, 0 = all"},
    {.name = "json",
     .id = OPT_JSON,
     .help = "print {\"total\":N,\"runs\":[...]} instead of a table"},
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_report_list = {
    .name = "report list",
    .summary = "list recent runs, newest first",
    .description =
        "List execution reports, newest first (or in the --sort order).\n\n" CLI_FILTER_NOTE,
    .opts = list_opts,
};

enum {
    C_RUN,
    C_DATE,
    C_STATUS,
    C_TASK,
    C_PROVIDER,
    C_MODEL,
    C_ITER,
    C_TOKENS,
    C_COST,
    C_DUR,
    NCOL
};

static const char *const list_headers[NCOL] = {
    "RUN",   "DATE (UTC)", "STATUS", "TASK", "PROVIDER",
    "MODEL", "ITER",       "TOKENS", "COST", "DURATION",
};
static const enum term_align list_align[NCOL] = {
    TERM_LEFT, TERM_LEFT,  TERM_LEFT,  TERM_LEFT,  TERM_LEFT,
    TERM_LEFT, TERM_RIGHT, TERM_RIGHT, TERM_RIGHT, TERM_RIGHT,
};

/* The file name of a task path (borrowed from `path`). */
static const char *task_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

static void add_row(struct term_table *t, const struct aidf_run_summary *s)
{
    char buf[64];
    term_table_row(t);
    term_table_cellf(t, NULL, "%.8s", s->run_id);
    cli_format_date(s->ts_ms, buf, sizeof(buf));
    buf[16] = '\0'; /* "YYYY-MM-DD HH:MM"; the header says UTC */
    term_table_cell(t, buf, NULL);
    term_table_cell(t, aidf_status_name(s->status), term_status_color(s->status));
    term_table_cell(t, *s->task_path ? task_base(s->task_path) : "-", NULL);
    term_table_cell(t, *s->provider ? s->provider : "-", NULL);
    term_table_cell(t, *s->model ? s->model : "-", NULL);
    if (s->iterations >= 0)
        term_table_cellf(t, NULL, "%lld", (long long)s->iterations);
    else
        term_table_cell(t, "-", NULL);
    if (s->has_tokens) {
        term_thousands(s->tokens_total, buf, sizeof(buf));
        term_table_cellf(t, NULL, "%s%s", s->tokens_estimated ? "~" : "", buf);
    } else {
        term_table_cell(t, "-", NULL);
    }
    term_money(s->cost_unpriced ? NAN : s->cost, buf, sizeof(buf));
    term_table_cell(t, buf, s->cost_unpriced ? TERM_DIM : NULL);
    term_duration(s->duration_ms, buf, sizeof(buf));
    term_table_cell(t, buf, NULL);
}

/*
 * Cut the TASK column so the table fits the terminal (at least 12 columns), or to 40
 * columns when the width is unknown (output to a pipe or file).
 */
static void fit_task_column(struct term_table *t, int columns)
{
    size_t others = 0, avail = 40;
    for (size_t c = 0; c < NCOL; c++)
        if (c != C_TASK)
            others += term_table_col_width(t, c) + 2;
    if (columns > 0) {
        avail = (size_t)columns > others + 12 ? (size_t)columns - others : 12;
        if (avail > 48)
            avail = 48;
    }
    for (size_t r = 0; r < t->nrows; r++) {
        struct term_cell *cell = &t->cells[r * t->ncols + C_TASK];
        if (term_width(cell->text) > avail) {
            char *cut = term_truncate(cell->text, avail);
            free(cell->text);
            cell->text = cut;
        }
    }
}

/* The command, with the filters in `cf` (released by the caller). */
static int list_main(int argc, char **argv, struct cli_filter *cf)
{
    struct cli_common co = {.cmd = "report list"};
    int64_t limit = 20;
    enum aidf_run_sort order = AIDF_SORT_TS_DESC;
    struct optp p;
    int id, h;

    optp_init(&p, &cli_spec_report_list, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        h = cli_common_opt(&co, id, p.arg);
        if (h == 0)
            h = cli_filter_opt(cf, id, p.arg, co.cmd);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (id == OPT_LIMIT)
            limit = p.num;
        if (id == OPT_SORT && aidf_run_sort_parse(p.arg, &order) != AIDF_OK)
            return cli_usage_error(co.cmd, "invalid --sort '%s' (expected %s)", p.arg,
                                   AIDF_RUN_SORT_WORDS);
    }
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs > 0)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", p.args[0]);

    char *dir = NULL;
    struct aidf_store *store = NULL;
    if (cli_open_reports(co.reports_dir, &dir, &store))
        return CLI_EXIT_FAIL;

    const struct aidf_run_summary **runs = NULL;
    size_t total = store ? aidf_store_list(store, &cf->f, &runs) : 0;
    if (order != AIDF_SORT_TS_DESC)
        aidf_run_sort(runs, total, order);
    size_t stored = store ? aidf_store_count(store) : 0;
    size_t shown = limit == 0 || (uint64_t)limit >= total ? total : (size_t)limit;
    int rc = CLI_EXIT_OK;

    if (co.json) {
        json_t *o = json_object();
        json_object_set_new(o, "total", json_integer((json_int_t)total));
        json_t *arr = json_array();
        for (size_t i = 0; i < shown; i++)
            json_array_append_new(arr, aidf_run_summary_to_json(runs[i]));
        json_object_set_new(o, "runs", arr);
        rc = cli_print_json(o);
    } else if (stored == 0) {
        puts("No execution reports found.");
    } else if (total == 0) {
        char *desc = cli_filter_describe(cf);
        printf("No runs match the filters (%s).\n", desc);
        free(desc);
    } else {
        struct term_table t;
        bool color = term_use_color(stdout);
        term_table_init(&t, NCOL, list_headers, list_align);
        for (size_t i = 0; i < shown; i++)
            add_row(&t, runs[i]);
        fit_task_column(&t, term_columns(stdout));
        term_table_print(&t, stdout, "", color);
        term_table_release(&t);

        char a[32], b[32];
        term_thousands((int64_t)shown, a, sizeof(a));
        term_thousands((int64_t)total, b, sizeof(b));
        printf("\nShowing %s of %s run%s", a, b, total == 1 ? "" : "s");
        if (cli_filter_any(cf)) {
            char *desc = cli_filter_describe(cf);
            printf(" (filters: %s)", desc);
            free(desc);
        }
        putchar('\n');
        if (fflush(stdout) != 0)
            rc = cli_fail("cannot write to standard output");
    }
    free(runs);
    aidf_store_free(store);
    free(dir);
    return rc;
}

int cmd_report_list(int argc, char **argv)
{
    struct cli_filter cf;
    cli_filter_init(&cf);
    int rc = list_main(argc, argv, &cf);
    cli_filter_release(&cf);
    return rc;
}
