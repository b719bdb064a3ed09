/*
 * `aidf report stats`: the runs as a time series (per hour, day, ISO week or month in a
 * time zone, split by dimensions and always by currency), as a table with a cost bar per
 * row, or exactly GET /stats's JSON, or CSV. `aidf report daily` and `aidf report monthly`
 * are its shorthands, as ccusage users type them (`--breakdown` adds `--by model`).
 */
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/log.h"
#include "aidf/satadd.h"
#include "aidf/stats.h"
#include "aidf/xalloc.h"
#include "term.h"

/* Option ids of these commands only (above the shared ones of cli.h). */
enum { OPT_INTERVAL = 800, OPT_BY, OPT_TZ, OPT_BREAKDOWN };

static const char *const interval_choices[] = {"hour", "day", "week", "month", "none", NULL};

/* clang-format off */
#define STATS_SHARED_OPTS                                                                   \
    {.name = "by", .kind = OPTP_STRING, .id = OPT_BY, .value_name = "KEY[,KEY]",           \
     .help = "split rows by model, provider, project, actor, status, taskName, taskType,\n" \
             "branch or tag:<key> (comma-separated or repeated, at most 8)"},             \
    {.name = "tz", .kind = OPTP_STRING, .id = OPT_TZ, .value_name = "ZONE",                 \
     .help = "IANA time zone of the periods (default: the local zone, from TZ or\n"         \
             "/etc/localtime)"},                                                            \
    {.name = "json", .id = OPT_JSON,                                                        \
     .help = "print the rows as JSON, exactly as GET /stats answers"},                     \
    {.name = "csv", .kind = OPTP_FILE, .id = OPT_CSV, .value_name = "PATH|-",               \
     .help = "write the rows as CSV to PATH (- for standard output)"}
/* clang-format on */

static const struct optp_opt stats_opts[] = {
    CLI_FILTER_OPTS,
    {.name = "interval",
     .kind = OPTP_CHOICE,
     .id = OPT_INTERVAL,
     .value_name = "INTERVAL",
     .choices = interval_choices,
     .help = "hour, day, week (ISO), month or none (default day)"},
    STATS_SHARED_OPTS,
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

static const struct optp_opt shorthand_opts[] = {
    CLI_FILTER_OPTS,
    {.name = "breakdown", .id = OPT_BREAKDOWN, .help = "split each period by model (--by model)"},
    STATS_SHARED_OPTS,
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

#define STATS_EPILOG                                                                           \
    "Rows are sorted by period, then by the --by keys, then by currency; costs in different\n" \
    "currencies are never added together. A run belongs to the period holding its timestamp\n" \
    "in the zone (days of 23 and 25 hours at DST changes)."

const struct optp_cmd cli_spec_report_stats = {
    .name = "report stats",
    .summary = "runs, tokens and cost per period (a time series)",
    .description = "Runs, tokens and cost per hour, day, ISO week or month in a time zone, split\n"
                   "by dimensions (--by) and by currency: the rows of GET /stats.",
    .opts = stats_opts,
    .epilog = STATS_EPILOG,
};

const struct optp_cmd cli_spec_report_daily = {
    .name = "report daily",
    .summary = "runs, tokens and cost per day (report stats --interval day)",
    .description = "Runs, tokens and cost per day in the local time zone (or --tz):\n"
                   "'aidf report stats --interval day'.",
    .opts = shorthand_opts,
    .epilog = STATS_EPILOG,
};

const struct optp_cmd cli_spec_report_monthly = {
    .name = "report monthly",
    .summary = "runs, tokens and cost per month (report stats --interval month)",
    .description = "Runs, tokens and cost per month in the local time zone (or --tz):\n"
                   "'aidf report stats --interval month'.",
    .opts = shorthand_opts,
    .epilog = STATS_EPILOG,
};

#define BAR_WIDTH 12

/* Per currency: the largest row cost (for the bars) and the totals. */
struct cur_total {
    const char *currency;
    double max_cost, cost;
    int64_t runs, completed, tokens, with_cache, unpriced;
};

static struct cur_total *cur_of(struct cur_total *t, size_t *n, const char *currency)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(t[i].currency, currency) == 0)
            return &t[i];
    memset(&t[*n], 0, sizeof(t[*n]));
    t[*n].currency = currency;
    return &t[(*n)++];
}

static void print_table(const struct aidf_stats *st, const struct cli_filter *cf, bool color)
{
    const struct aidf_stats_query *q = &st->q;
    bool period = q->interval != AIDF_INTERVAL_NONE;
    struct cur_total *tot = aidf_xcalloc(st->n_rows ? st->n_rows : 1, sizeof(*tot));
    size_t ntot = 0;
    for (size_t i = 0; i < st->n_rows; i++) {
        const struct aidf_stats_row *r = &st->rows[i];
        struct cur_total *t = cur_of(tot, &ntot, r->currency);
        if (r->cost > t->max_cost)
            t->max_cost = r->cost;
        aidf_sat_add_f64(&t->cost, r->cost, 1e15);
        t->runs += r->runs;
        t->completed += r->completed;
        t->unpriced += r->unpriced_runs;
        aidf_sat_add_i64(&t->tokens, r->tokens_total, INT64_MAX);
        aidf_sat_add_i64(&t->with_cache, r->tokens_with_cache, INT64_MAX);
    }
    bool show_cur = ntot > 1 || (ntot == 1 && strcmp(tot[0].currency, "USD") != 0);

    /* Columns: [PERIOD] by... [CURRENCY] RUNS DONE TOKENS WITH CACHE COST bar */
    size_t ncols = (period ? 1 : 0) + q->n_by + (show_cur ? 1 : 0) + 6, c = 0;
    const char **headers = aidf_xcalloc(ncols, sizeof(*headers));
    enum term_align *align = aidf_xcalloc(ncols, sizeof(*align));
    char upper[AIDF_STATS_MAX_BY][sizeof(q->by[0].name)];
    if (period)
        headers[c++] = "PERIOD";
    for (size_t b = 0; b < q->n_by; b++) {
        size_t k = 0;
        for (; q->by[b].name[k]; k++) {
            char ch = q->by[b].name[k];
            upper[b][k] = ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
        }
        upper[b][k] = '\0';
        headers[c++] = upper[b];
    }
    if (show_cur)
        headers[c++] = "CURRENCY";
    size_t first_num = c;
    headers[c++] = "RUNS";
    headers[c++] = "DONE";
    headers[c++] = "TOKENS";
    headers[c++] = "WITH CACHE";
    headers[c++] = "COST";
    headers[c++] = "";
    for (size_t i = first_num; i < ncols - 1; i++)
        align[i] = TERM_RIGHT;

    struct term_table t;
    term_table_init(&t, ncols, headers, align);
    for (size_t b = 0; b < q->n_by; b++)
        term_table_set_max(&t, (period ? 1 : 0) + b, 40);
    char buf[80];
    for (size_t i = 0; i < st->n_rows; i++) {
        const struct aidf_stats_row *r = &st->rows[i];
        term_table_row(&t);
        if (period)
            term_table_cell(&t, r->period, NULL);
        for (size_t b = 0; b < q->n_by; b++)
            term_table_cell(&t, r->keys[b] ? r->keys[b] : "-", NULL);
        if (show_cur)
            term_table_cell(&t, r->currency, NULL);
        term_thousands(r->runs, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        term_thousands(r->completed, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        term_thousands(r->tokens_total, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        term_thousands(r->tokens_with_cache, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        if (r->unpriced_runs >= r->runs)
            snprintf(buf, sizeof(buf), "unpriced");
        else
            term_money_in(r->cost, r->currency, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        const struct cur_total *ct = cur_of(tot, &ntot, r->currency);
        char bar[BAR_WIDTH * 3 + 1];
        term_bar_n(ct->max_cost > 0 ? r->cost * 100.0 / ct->max_cost : 0, BAR_WIDTH, bar,
                   sizeof(bar));
        term_table_cell(&t, bar, color ? TERM_CYAN : NULL);
    }
    for (size_t k = 0; k < ntot && st->n_rows > 1; k++) {
        const struct cur_total *ct = &tot[k];
        const char *bold = color ? TERM_BOLD : NULL;
        term_table_row(&t);
        for (size_t i = 0; i < first_num; i++) {
            if (i == 0)
                term_table_cell(&t, "Total", bold);
            else if (show_cur && i == first_num - 1)
                term_table_cell(&t, ct->currency, bold);
            else
                term_table_cell(&t, "", NULL);
        }
        term_thousands(ct->runs, buf, sizeof(buf));
        term_table_cell(&t, buf, bold);
        term_thousands(ct->completed, buf, sizeof(buf));
        term_table_cell(&t, buf, bold);
        term_thousands(ct->tokens, buf, sizeof(buf));
        term_table_cell(&t, buf, bold);
        term_thousands(ct->with_cache, buf, sizeof(buf));
        term_table_cell(&t, buf, bold);
        if (ct->unpriced >= ct->runs)
            snprintf(buf, sizeof(buf), "unpriced");
        else
            term_money_in(ct->cost, ct->currency, buf, sizeof(buf));
        term_table_cell(&t, buf, bold);
        term_table_cell(&t, "", NULL);
    }
    term_table_print(&t, stdout, "", color);
    term_table_release(&t);

    printf("\n%s%s, time zone ", color ? TERM_DIM : "", aidf_interval_name(q->interval));
    term_fputs_vis(aidf_tz_name(q->tz), stdout);
    if (cli_filter_any(cf)) {
        char *desc = cli_filter_describe(cf);
        printf(", %s", desc);
        free(desc);
    }
    if (st->saturated)
        fputs("; totals capped: some reports hold out-of-range figures", stdout);
    printf("%s\n", color ? TERM_RESET : "");
    free(headers);
    free(align);
    free(tot);
}

/* The zone for --tz, or the local one. NULL after printing a usage error. */
static const struct aidf_tz *zone_of(const char *name, const char *cmd)
{
    struct aidf_error err;
    aidf_error_clear(&err);
    if (name) {
        const struct aidf_tz *tz = aidf_tz_get(name, &err);
        if (!tz)
            cli_usage_error(cmd, "invalid --tz: %s", err.msg);
        return tz;
    }
    const struct aidf_tz *tz = aidf_tz_local(&err);
    if (err.msg[0])
        aidf_warn("%s; using UTC", err.msg);
    return tz;
}

/* The three commands: `interval` is the default (stats) or the fixed interval (daily,
 * monthly, which have no --interval option). */
static int stats_main(int argc, char **argv, const struct optp_cmd *spec,
                      enum aidf_interval interval, struct cli_filter *fp)
{
    struct cli_common co = {.cmd = spec->name};
    const char *csv = NULL, *tz_name = NULL;
    struct aidf_stats_query q;
    bool breakdown = false;
    struct aidf_error err;
    struct optp p;
    int id, h;

    aidf_error_clear(&err);
    aidf_stats_query_init(&q, NULL);
    q.interval = interval;
    optp_init(&p, spec, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        h = cli_common_opt(&co, id, p.arg);
        if (h == 0)
            h = cli_filter_opt(fp, id, p.arg, co.cmd);
        if (h < 0)
            return CLI_EXIT_USAGE;
        switch (id) {
        case OPT_INTERVAL:
            if (aidf_interval_parse(p.arg, &q.interval) != AIDF_OK)
                return cli_usage_error(co.cmd,
                                       "invalid --interval '%s' (expected hour, day, week, "
                                       "month or none)",
                                       p.arg);
            break;
        case OPT_BY:
            if (aidf_stats_add_by(&q, p.arg, "--", &err) != AIDF_OK)
                return cli_usage_error(co.cmd, "%s", err.msg);
            break;
        case OPT_TZ:
            tz_name = p.arg;
            break;
        case OPT_BREAKDOWN:
            breakdown = true;
            break;
        case OPT_CSV:
            if (!*p.arg)
                return cli_usage_error(co.cmd, "--csv needs a file name (or - for standard "
                                               "output)");
            csv = p.arg;
            break;
        default:
            break;
        }
    }
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs > 0)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", p.args[0]);
    if (csv && strcmp(csv, "-") == 0 && co.json)
        return cli_usage_error(co.cmd, "--json and --csv - both write to standard output; "
                                       "choose one");
    if (breakdown) {
        /* --by model first, unless --by already names it. */
        bool has = false;
        for (size_t i = 0; i < q.n_by; i++)
            has = has || q.by[i].dim == AIDF_STATS_MODEL;
        if (!has) {
            struct aidf_stats_query m;
            aidf_stats_query_init(&m, NULL);
            m.interval = q.interval;
            if (aidf_stats_add_by(&m, "model", "--", &err) != AIDF_OK)
                return cli_usage_error(co.cmd, "%s", err.msg);
            for (size_t i = 0; i < q.n_by; i++) {
                if (m.n_by >= AIDF_STATS_MAX_BY)
                    return cli_usage_error(co.cmd, "too many --by keys (at most %d)",
                                           AIDF_STATS_MAX_BY);
                m.by[m.n_by++] = q.by[i];
            }
            q = m;
        }
    }
    q.tz = zone_of(tz_name, co.cmd);
    if (!q.tz)
        return CLI_EXIT_USAGE;

    char *dir = NULL;
    struct aidf_store *store = NULL;
    if (cli_open_reports(co.reports_dir, &dir, &store))
        return CLI_EXIT_FAIL;
    const struct aidf_run_summary **runs = NULL;
    size_t n = store ? aidf_store_list(store, &fp->f, &runs) : 0;
    size_t stored = store ? aidf_store_count(store) : 0;
    struct aidf_stats st;
    aidf_stats_compute(&q, (const struct aidf_run_summary *const *)runs, n, &st);
    free(runs);

    int rc = CLI_EXIT_OK;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    if (csv) {
        aidf_stats_csv(&st, &b);
        rc = cli_write_text(csv, b.ptr, b.len);
        aidf_buf_reset(&b);
    }
    bool csv_stdout = csv && strcmp(csv, "-") == 0;
    if (rc == CLI_EXIT_OK && !csv_stdout) {
        if (co.json) {
            aidf_stats_json(&st, &b);
            rc = cli_write_text("-", b.ptr, b.len);
        } else if (stored == 0) {
            puts("No execution reports found.");
        } else if (st.n_rows == 0) {
            char *desc = cli_filter_describe(fp);
            printf("No runs match the filters (%s).\n", desc);
            free(desc);
        } else {
            print_table(&st, fp, term_use_color(stdout));
        }
        if (rc == CLI_EXIT_OK && !co.json && csv) {
            printf("\nWrote %zu row%s to ", st.n_rows, st.n_rows == 1 ? "" : "s");
            term_fputs_vis(csv, stdout);
            putchar('\n');
        }
        if (fflush(stdout) != 0)
            rc = cli_fail("cannot write to standard output");
    }
    aidf_buf_release(&b);
    aidf_stats_release(&st);
    aidf_store_free(store);
    free(dir);
    return rc;
}

/* Parse and run with a filter that is released on every way out. */
static int run_stats(int argc, char **argv, const struct optp_cmd *spec,
                     enum aidf_interval interval)
{
    struct cli_filter cf;
    cli_filter_init(&cf);
    int rc = stats_main(argc, argv, spec, interval, &cf);
    cli_filter_release(&cf);
    return rc;
}

int cmd_report_stats(int argc, char **argv)
{
    return run_stats(argc, argv, &cli_spec_report_stats, AIDF_INTERVAL_DAY);
}

int cmd_report_daily(int argc, char **argv)
{
    return run_stats(argc, argv, &cli_spec_report_daily, AIDF_INTERVAL_DAY);
}

int cmd_report_monthly(int argc, char **argv)
{
    return run_stats(argc, argv, &cli_spec_report_monthly, AIDF_INTERVAL_MONTH);
}
