/*
 * `aidf report summary`: aggregate statistics over (filtered) runs.
 */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/aggregate.h"
#include "aidf/buf.h"
#include "aidf/xalloc.h"
#include "term.h"

static const struct optp_opt summary_opts[] = {
    CLI_FILTER_OPTS,
    {.name = "json", .id = OPT_JSON, .help = "print the aggregate as JSON"},
    {.name = "csv",
     .kind = OPTP_FILE,
     .id = OPT_CSV,
     .value_name = "PATH",
     .help = "also write the summary CSV of the runs to PATH"},
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_report_summary = {
    .name = "report summary",
    .summary = "aggregate statistics over runs",
    .description =
        "Aggregate statistics over all (or filtered) runs: success rate, tokens, cost,\n"
        "averages, the most expensive tasks, the most changed files, per-provider and\n"
        "per-model totals and the average phase distribution. Costs in different\n"
        "currencies are never added: the totals are in the currency of most priced\n"
        "runs, and each other currency's total is shown beside them.\n\n" CLI_FILTER_NOTE,
    .opts = summary_opts,
};

/* Box lines collected as heap strings. */
struct lines {
    size_t n, cap;
    char **items;
};

static void addline(struct lines *l, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void addline(struct lines *l, const char *label, const char *fmt, ...)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    va_list ap;
    if (label) {
        aidf_buf_addf(&b, "%s:", label);
        do /* at least one space after a long label */
            aidf_buf_addch(&b, ' ');
        while (b.len < 16);
    }
    va_start(ap, fmt);
    aidf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    l->items = aidf_xgrow(l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n++] = aidf_buf_detach(&b, NULL);
}

static void lines_release(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
}

/*
 * The cost lines of the box. One currency: its total (with the unpriced runs) and the
 * average. Several: one line per currency, the headline (a->currency) first as "Total
 * cost", then the others by name; they are never added together.
 */
static void cost_lines(struct lines *l, const struct aidf_aggregate *a)
{
    char x[64], y[64];
    if (a->n_currencies <= 1) {
        if (a->priced_runs)
            term_money_in(a->cost_total, a->currency, x, sizeof(x));
        else
            snprintf(x, sizeof(x), "unpriced");
        if (a->unpriced_runs) {
            term_thousands((int64_t)a->unpriced_runs, y, sizeof(y));
            addline(l, "Total cost", "%s (%s unpriced run%s)", x, y,
                    a->unpriced_runs == 1 ? "" : "s");
        } else {
            addline(l, "Total cost", "%s", x);
        }
        if (a->priced_runs) {
            term_money_in(a->avg_cost, a->currency, x, sizeof(x));
            addline(l, "Average cost", "%s per priced run", x);
        }
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < a->n_currencies; i++) {
            const struct aidf_agg_money *m = &a->currencies[i];
            bool head = strcmp(m->currency, a->currency) == 0;
            if (head != (pass == 0))
                continue;
            char label[64];
            if (head) {
                snprintf(label, sizeof(label), "Total cost");
            } else {
                char *vis = term_esc(m->currency);
                char *cut = term_truncate(vis, 16);
                snprintf(label, sizeof(label), "Cost in %s", cut);
                free(cut);
                free(vis);
            }
            if (m->priced_runs)
                term_money_in(m->total, m->currency, x, sizeof(x));
            else
                snprintf(x, sizeof(x), "unpriced");
            struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
            term_thousands((int64_t)m->priced_runs, y, sizeof(y));
            aidf_buf_addf(&b, "%s priced run%s", y, m->priced_runs == 1 ? "" : "s");
            if (m->unpriced_runs) {
                term_thousands((int64_t)m->unpriced_runs, y, sizeof(y));
                aidf_buf_addf(&b, ", %s unpriced", y);
            }
            if (m->priced_runs) {
                term_money_in(m->total / (double)m->priced_runs, m->currency, y, sizeof(y));
                aidf_buf_addf(&b, ", average %s", y);
            }
            addline(l, label, "%s (%s)", x, b.ptr ? b.ptr : "");
            aidf_buf_release(&b);
        }
    }
}

static void print_box(const struct aidf_aggregate *a, const struct cli_filter *cf, bool color)
{
    struct lines l = {0};
    char x[64], y[64], z[64], w[64];

    term_thousands((int64_t)a->runs, x, sizeof(x));
    addline(&l, "Runs", "%s", x);
    if (a->runs)
        addline(&l, "Success rate", "%.1f%%", a->success_rate * 100.0);
    else
        addline(&l, "Success rate", "-");
    term_thousands((int64_t)a->completed, x, sizeof(x));
    term_thousands((int64_t)a->blocked, y, sizeof(y));
    term_thousands((int64_t)a->failed, z, sizeof(z));
    if (color)
        addline(&l, "Status",
                TERM_GREEN "%s completed" TERM_RESET ", " TERM_YELLOW "%s blocked" TERM_RESET
                           ", " TERM_RED "%s failed" TERM_RESET,
                x, y, z);
    else
        addline(&l, "Status", "%s completed, %s blocked, %s failed", x, y, z);
    term_thousands(a->tokens_total, x, sizeof(x));
    term_thousands(a->tokens_in, y, sizeof(y));
    term_thousands(a->tokens_out, z, sizeof(z));
    addline(&l, "Tokens", "%s (input %s, output %s)", x, y, z);
    if (a->cache_read || a->cache_write) {
        term_thousands(a->cache_read, x, sizeof(x));
        term_thousands(a->cache_write, y, sizeof(y));
        int64_t with_cache = a->tokens_total + a->cache_read + a->cache_write; /* each < 2^53 */
        term_thousands(with_cache, z, sizeof(z));
        addline(&l, "Cache", "read %s, write %s (%s with cache)", x, y, z);
    }
    if (a->estimated_token_runs) {
        term_thousands((int64_t)a->estimated_token_runs, x, sizeof(x));
        addline(&l, "Estimated", "%s run%s with estimated tokens", x,
                a->estimated_token_runs == 1 ? "" : "s");
    }
    cost_lines(&l, a);
    addline(&l, "Avg iterations", "%.1f", a->avg_iterations);
    term_duration(a->avg_duration_ms, x, sizeof(x));
    term_duration(a->total_duration_ms, y, sizeof(y));
    addline(&l, "Avg duration", "%s (total %s)", x, y);
    if (a->runs && a->first_ts_ms != AIDF_UNSET && a->last_ts_ms != AIDF_UNSET) {
        cli_format_date(a->first_ts_ms, z, sizeof(z));
        cli_format_date(a->last_ts_ms, w, sizeof(w));
        addline(&l, "Period", "%s \xE2\x86\x92 %s", z, w);
    }
    if (a->saturated)
        addline(&l, "Warning", "totals capped: some reports hold out-of-range figures");
    if (cli_filter_any(cf)) {
        char *desc = cli_filter_describe(cf);
        addline(&l, "Filters", "%s", desc);
        free(desc);
    }
    term_box(stdout, "Execution Summary", (const char *const *)l.items, l.n, color);
    lines_release(&l);
}

static void heading(const char *title, bool color)
{
    printf("\n%s%s%s\n", color ? TERM_BOLD : "", title, color ? TERM_RESET : "");
}

/*
 * A group's cost cell: in the aggregate's currency, or with several currencies each of
 * the group's priced currencies, the aggregate's first ("$1.2000, 3.0000 EUR"), never
 * added together. With
 * `avg`, the average per priced run instead of the sum. "unpriced" (or "-" for an
 * average) when nothing is priced.
 */
static void group_cost(const struct aidf_aggregate *a, const struct aidf_agg_group *g, bool avg,
                       char *buf, size_t len)
{
    const char *none = avg ? "-" : "unpriced";
    if (a->n_currencies <= 1) {
        if (g->priced_runs == 0)
            snprintf(buf, len, "%s", none);
        else
            term_money_in(avg ? g->cost / (double)g->priced_runs : g->cost, a->currency, buf, len);
        return;
    }
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    for (int pass = 0; pass < 2; pass++) { /* the aggregate's currency first */
        for (size_t i = 0; i < g->n_by_currency; i++) {
            const struct aidf_agg_money *m = &g->by_currency[i];
            if (m->priced_runs == 0 || (strcmp(m->currency, a->currency) == 0) != (pass == 0))
                continue;
            char x[64];
            term_money_in(avg ? m->total / (double)m->priced_runs : m->total, m->currency, x,
                          sizeof(x));
            aidf_buf_addf(&b, "%s%s", b.len ? ", " : "", x);
        }
    }
    snprintf(buf, len, "%s", b.len ? b.ptr : none);
    aidf_buf_release(&b);
}

static void print_top_tasks(const struct aidf_aggregate *a, bool color)
{
    static const char *const headers[] = {"TASK", "RUNS", "COST", "TOKENS", "AVG DURATION"};
    static const enum term_align align[] = {TERM_LEFT, TERM_RIGHT, TERM_RIGHT, TERM_RIGHT,
                                            TERM_RIGHT};
    if (a->n_top_tasks == 0)
        return;
    heading("Top 5 most expensive tasks", color);
    struct term_table t;
    term_table_init(&t, 5, headers, align);
    term_table_set_max(&t, 0, 56);
    for (size_t i = 0; i < a->n_top_tasks; i++) {
        const struct aidf_agg_group *g = &a->top_tasks[i];
        char buf[256];
        term_table_row(&t);
        term_table_cell(&t, g->name && *g->name ? g->name : "-", NULL);
        term_thousands((int64_t)g->runs, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        group_cost(a, g, false, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        term_thousands(g->tokens_total, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        term_duration(g->runs ? g->duration_ms / (double)g->runs : 0, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
    }
    term_table_print(&t, stdout, "  ", color);
    term_table_release(&t);
}

static void print_top_files(const struct aidf_aggregate *a, bool color)
{
    static const char *const headers[] = {"FILE", "RUNS"};
    static const enum term_align align[] = {TERM_LEFT, TERM_RIGHT};
    if (a->n_top_files == 0)
        return;
    heading("Most changed files", color);
    struct term_table t;
    term_table_init(&t, 2, headers, align);
    term_table_set_max(&t, 0, 72);
    for (size_t i = 0; i < a->n_top_files; i++) {
        char buf[32];
        term_table_row(&t);
        term_table_cell(&t, a->top_files[i].path ? a->top_files[i].path : "-", NULL);
        term_thousands((int64_t)a->top_files[i].runs, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
    }
    term_table_print(&t, stdout, "  ", color);
    term_table_release(&t);
}

static void print_groups(const struct aidf_aggregate *a, const char *title, const char *what,
                         const struct aidf_agg_group *gs, size_t n, bool color)
{
    const char *headers[] = {what, "RUNS", "SUCCESS", "TOKENS", "COST", "AVG COST", "AVG DURATION"};
    static const enum term_align align[] = {TERM_LEFT,  TERM_RIGHT, TERM_RIGHT, TERM_RIGHT,
                                            TERM_RIGHT, TERM_RIGHT, TERM_RIGHT};
    if (n == 0)
        return;
    heading(title, color);
    struct term_table t;
    term_table_init(&t, 7, headers, align);
    term_table_set_max(&t, 0, 40);
    for (size_t i = 0; i < n; i++) {
        const struct aidf_agg_group *g = &gs[i];
        char buf[256];
        term_table_row(&t);
        term_table_cell(&t, g->name && *g->name ? g->name : "(none)", NULL);
        term_thousands((int64_t)g->runs, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        term_table_cellf(&t, NULL, "%.0f%%",
                         g->runs ? (double)g->completed * 100.0 / (double)g->runs : 0.0);
        term_thousands(g->tokens_total, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        group_cost(a, g, false, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        group_cost(a, g, true, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
        term_duration(g->runs ? g->duration_ms / (double)g->runs : 0, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
    }
    term_table_print(&t, stdout, "  ", color);
    term_table_release(&t);
}

static void print_phases(const struct aidf_aggregate *a, bool color)
{
    int order[AIDF_PHASE_COUNT];
    double any = 0;
    for (int i = 0; i < AIDF_PHASE_COUNT; i++) {
        order[i] = i;
        if (a->phase_pct[i] > 0)
            any += a->phase_pct[i];
    }
    if (!(any > 0))
        return;
    /* Insertion sort, descending by share; stable for equal shares. */
    for (int i = 1; i < AIDF_PHASE_COUNT; i++) {
        int k = order[i], j = i - 1;
        while (j >= 0 && a->phase_pct[order[j]] < a->phase_pct[k]) {
            order[j + 1] = order[j];
            j--;
        }
        order[j + 1] = k;
    }
    size_t lw = 0;
    for (int i = 0; i < AIDF_PHASE_COUNT; i++)
        if (term_width(aidf_phase_label((enum aidf_phase)i)) > lw)
            lw = term_width(aidf_phase_label((enum aidf_phase)i));
    heading("Average phase distribution", color);
    for (int i = 0; i < AIDF_PHASE_COUNT; i++) {
        int k = order[i];
        char bar[TERM_BAR_SIZE], pct[16], dur[32];
        const char *label = aidf_phase_label((enum aidf_phase)k);
        term_bar(a->phase_pct[k], bar, sizeof(bar));
        term_pct(a->phase_pct[k], pct, sizeof(pct));
        term_duration(a->phase_avg_ms[k], dur, sizeof(dur));
        printf("  %s", label);
        term_pad(stdout, lw - term_width(label) + 2);
        printf("%s%s%s %4s  %s avg\n", color ? TERM_CYAN : "", bar, color ? TERM_RESET : "", pct,
               dur);
    }
}

/* The command, with the filters in `cf` (released by the caller). */
static int summary_main(int argc, char **argv, struct cli_filter *cf)
{
    struct cli_common co = {.cmd = "report summary"};
    const char *csv = NULL;
    struct optp p;
    int id, h;

    optp_init(&p, &cli_spec_report_summary, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        h = cli_common_opt(&co, id, p.arg);
        if (h == 0)
            h = cli_filter_opt(cf, id, p.arg, co.cmd);
        if (h < 0)
            return CLI_EXIT_USAGE;
        if (id == OPT_CSV) {
            if (!*p.arg)
                return cli_usage_error(co.cmd, "--csv needs a file name");
            if (strcmp(p.arg, "-") == 0)
                return cli_usage_error(co.cmd, "--csv - is not supported here; use "
                                               "'aidf report export --csv -' to write CSV to "
                                               "standard output");
            csv = p.arg;
        }
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
    size_t n = store ? aidf_store_list(store, &cf->f, &runs) : 0;
    size_t stored = store ? aidf_store_count(store) : 0;
    struct aidf_aggregate agg;
    int rc = CLI_EXIT_OK;
    aidf_aggregate_compute((const struct aidf_run_summary *const *)runs, n, &agg);

    size_t rows = 0;
    if (csv &&
        cli_write_csv(store, (const struct aidf_run_summary *const *)runs, n, false, csv, &rows))
        rc = CLI_EXIT_FAIL;

    if (rc == CLI_EXIT_OK) {
        if (co.json) {
            rc = cli_print_json(aidf_aggregate_to_json(&agg));
        } else if (stored == 0) {
            puts("No execution reports found.");
        } else if (n == 0) {
            char *desc = cli_filter_describe(cf);
            printf("No runs match the filters (%s).\n", desc);
            free(desc);
        } else {
            bool color = term_use_color(stdout);
            print_box(&agg, cf, color);
            print_top_tasks(&agg, color);
            print_top_files(&agg, color);
            print_groups(&agg, "By provider", "PROVIDER", agg.providers, agg.n_providers, color);
            print_groups(&agg, "By model", "MODEL", agg.models, agg.n_models, color);
            print_phases(&agg, color);
        }
        if (!co.json && csv)
            printf("\nWrote %zu run%s to %s\n", rows, rows == 1 ? "" : "s", csv);
        if (fflush(stdout) != 0)
            rc = cli_fail("cannot write to standard output");
    }
    aidf_aggregate_release(&agg);
    free(runs);
    aidf_store_free(store);
    free(dir);
    return rc;
}

int cmd_report_summary(int argc, char **argv)
{
    struct cli_filter cf;
    cli_filter_init(&cf);
    int rc = summary_main(argc, argv, &cf);
    cli_filter_release(&cf);
    return rc;
}
