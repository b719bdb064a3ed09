/*
 * `aidf status`: the project at a glance (as the original TypeScript aidf shows it, fixed to
 * understand the
 * tasks/pending|completed|blocked folders), and with --report the last run and its
 * cost and duration trend.
 */
#include "cli.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aidf/buf.h"
#include "aidf/config.h"
#include "aidf/fsutil.h"
#include "aidf/summary_json.h"
#include "aidf/timeutil.h"
#include "aidf/task.h"
#include "aidf/xalloc.h"
#include "term.h"

static const struct optp_opt status_opts[] = {
    {.name = "report",
     .id = OPT_REPORT,
     .help = "also show the last run and its cost/duration trend"},
    {.name = "json", .id = OPT_JSON, .help = "print the status as JSON"},
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_status = {
    .name = "status",
    .summary = "show the project, its tasks and (with --report) the last run",
    .description = "Show the project root, configuration, provider, task counts and number of\n"
                   "execution reports.",
    .opts = status_opts,
};

/* Task files larger than this are classified as pending without reading them whole. */
#define TASK_MAX_BYTES (4u * 1024 * 1024)
/* How many earlier runs the trend compares against. */
#define TREND_RUNS 5

struct task_counts {
    long pending, in_progress, completed, blocked, total;
};

static bool is_md_file(const char *dir, const char *name)
{
    size_t n = strlen(name);
    if (n < 4 || strcmp(name + n - 3, ".md") != 0 || name[0] == '.')
        return false;
    char *p = aidf_path_join(dir, name);
    struct stat st;
    bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
}

/* Number of *.md files directly in `dir` (0 when it does not exist). */
static long count_md(const char *dir)
{
    DIR *d = opendir(dir);
    long n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (is_md_file(dir, e->d_name))
            n++;
    closedir(d);
    return n;
}

/* Count a legacy flat task file by its "## Status:" section (aidf_task_state_from_buf: the
 * whole file, NUL bytes included); an unreadable file counts as pending. */
static void classify_task(const char *path, struct task_counts *tc)
{
    char *text = NULL;
    size_t len = 0;
    if (aidf_read_file(path, TASK_MAX_BYTES, &text, &len, NULL) != AIDF_OK) {
        tc->pending++;
        return;
    }
    switch (aidf_task_state_from_buf(text, len)) {
    case AIDF_TASK_COMPLETED:
        tc->completed++;
        break;
    case AIDF_TASK_BLOCKED:
        tc->blocked++;
        break;
    case AIDF_TASK_IN_PROGRESS:
        tc->in_progress++;
        break;
    case AIDF_TASK_PENDING:
        tc->pending++;
        break;
    }
    free(text);
}

static void count_tasks(const char *root, struct task_counts *tc)
{
    memset(tc, 0, sizeof(*tc));
    char *tasks = aidf_path_join(root, ".ai/tasks");
    char *p = aidf_path_join(tasks, "pending");
    tc->pending += count_md(p);
    free(p);
    p = aidf_path_join(tasks, "completed");
    tc->completed += count_md(p);
    free(p);
    p = aidf_path_join(tasks, "blocked");
    tc->blocked += count_md(p);
    free(p);

    DIR *d = opendir(tasks);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!is_md_file(tasks, e->d_name))
                continue;
            p = aidf_path_join(tasks, e->d_name);
            classify_task(p, tc);
            free(p);
        }
        closedir(d);
    }
    free(tasks);
    tc->total = tc->pending + tc->in_progress + tc->completed + tc->blocked;
}

/* The config file that exists, for messages when loading failed (heap or NULL). */
static char *config_file_of(const char *root)
{
    static const char *const names[] = {".ai/config.yml", ".ai/config.yaml", ".ai/config.json"};
    for (size_t i = 0; i < 3; i++) {
        char *p = aidf_path_join(root, names[i]);
        struct stat st;
        if (stat(p, &st) == 0)
            return p;
        free(p);
    }
    return NULL;
}

struct trend_item {
    bool valid;
    double last, average, change_pct; /* change_pct NaN when the average is 0 */
    const char *direction;            /* "up", "down", "flat" */
    size_t runs;                      /* earlier runs averaged */
};

static void compute_trend(double last, const double *prev, size_t n, struct trend_item *t)
{
    memset(t, 0, sizeof(*t));
    double sum = 0;
    size_t k = 0;
    if (!isfinite(last))
        return;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(prev[i])) {
            sum += prev[i];
            k++;
        }
    }
    if (k == 0)
        return;
    t->valid = true;
    t->last = last;
    t->runs = k;
    t->average = sum / (double)k;
    if (t->average > 0) {
        t->change_pct = (last - t->average) * 100.0 / t->average;
        long r = lround(t->change_pct);
        t->direction = r >= 1 ? "up" : r <= -1 ? "down" : "flat";
    } else {
        t->change_pct = NAN;
        t->direction = last > 0 ? "up" : "flat";
    }
}

struct status {
    char *root, *config_path;
    bool config_ok;
    char config_error[512];
    char *provider_type, *provider_model;
    struct task_counts tasks;
    char *reports_dir;
    size_t reports;
    const struct aidf_run_summary *last;
    struct trend_item cost, duration;
    bool has_trend;
};

static void trend_text(struct aidf_buf *b, const char *what, const struct trend_item *t)
{
    if (!t->valid)
        return;
    if (b->len)
        aidf_buf_addstr(b, ", ");
    const char *arrow = strcmp(t->direction, "up") == 0     ? "\xE2\x86\x91 "
                        : strcmp(t->direction, "down") == 0 ? "\xE2\x86\x93 "
                                                            : "";
    if (strcmp(t->direction, "flat") == 0)
        aidf_buf_addf(b, "%s flat", what);
    else if (isfinite(t->change_pct))
        aidf_buf_addf(b, "%s %s%.0f%%", what, arrow, fabs(t->change_pct));
    else
        aidf_buf_addf(b, "%s %s(from 0)", what, arrow);
    aidf_buf_addf(b, " vs previous %zu run%s", t->runs, t->runs == 1 ? "" : "s");
}

static json_t *trend_json(const struct trend_item *t)
{
    if (!t->valid)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "last", json_real(t->last));
    json_object_set_new(o, "average", json_real(t->average));
    json_object_set_new(o, "changePct",
                        isfinite(t->change_pct) ? json_real(t->change_pct) : json_null());
    json_object_set_new(o, "direction", json_string(t->direction));
    json_object_set_new(o, "previousRuns", json_integer((json_int_t)t->runs));
    return o;
}

static void relative_age(int64_t ts_ms, char *out, size_t len)
{
    int64_t d = (aidf_wall_ms() - ts_ms) / 1000;
    if (d < 0)
        snprintf(out, len, "in the future");
    else if (d < 60)
        snprintf(out, len, "just now");
    else if (d < 3600)
        snprintf(out, len, "%lldm ago", (long long)(d / 60));
    else if (d < 86400)
        snprintf(out, len, "%lldh ago", (long long)(d / 3600));
    else
        snprintf(out, len, "%lldd ago", (long long)(d / 86400));
}

/* Box lines collected as heap strings. */
struct lines {
    size_t n, cap;
    char **items;
};

static void addline(struct lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addline(struct lines *l, const char *fmt, ...)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    va_list ap;
    va_start(ap, fmt);
    aidf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    l->items = aidf_xgrow(l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n++] = aidf_buf_detach(&b, NULL);
}

static void lines_print(struct lines *l, const char *title, bool color)
{
    term_box(stdout, title, (const char *const *)l->items, l->n, color);
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static void print_text(const struct status *st, bool with_report, bool color)
{
    struct lines l = {0};
    /* Escaped copies of the strings from the file system, the config and the reports. */
    struct aidf_strlist keep = {0};
    addline(&l, "Project:   %s", term_vis(&keep, st->root));
    if (!st->config_ok)
        addline(&l, "Config:    %s (%serror%s)",
                st->config_path ? term_vis(&keep, st->config_path) : "?", color ? TERM_RED : "",
                color ? TERM_RESET : "");
    else if (st->config_path)
        addline(&l, "Config:    %s", term_vis(&keep, st->config_path));
    else
        addline(&l, "Config:    defaults (no .ai/config.yml)");
    if (st->provider_model)
        addline(&l, "Provider:  %s (model %s)", term_vis(&keep, st->provider_type),
                term_vis(&keep, st->provider_model));
    else
        addline(&l, "Provider:  %s", term_vis(&keep, st->provider_type));
    addline(&l, "%s", "");
    addline(&l, "Tasks:");
    addline(&l, "  \xE2\x97\x8B Pending:      %ld", st->tasks.pending);
    addline(&l, "  \xE2\x9F\xB3 In progress:  %ld", st->tasks.in_progress);
    addline(&l, "  \xE2\x9C\x93 Completed:    %ld", st->tasks.completed);
    addline(&l, "  \xE2\x9A\xA0 Blocked:      %ld", st->tasks.blocked);
    addline(&l, "  \xE2\x94\x80 Total:        %ld", st->tasks.total);
    addline(&l, "%s", "");
    char n[32];
    term_thousands((int64_t)st->reports, n, sizeof(n));
    /* Inside the project the directory reads better relative to the root. */
    const char *shown = st->reports_dir;
    size_t rl = strlen(st->root);
    if (strncmp(shown, st->root, rl) == 0 && shown[rl] == '/' && shown[rl + 1])
        shown += rl + 1;
    addline(&l, "Reports:   %s in %s", n, term_vis(&keep, shown));
    lines_print(&l, "AIDF Status", color);

    if (!with_report || !st->last) {
        if (with_report)
            puts("\nNo execution reports found");
        aidf_strlist_release(&keep);
        return;
    }
    const struct aidf_run_summary *r = st->last;
    char a[64], b[64], c[64];
    const char *sc = term_status_color(r->status);
    addline(&l, "Run:         %.8s (%s%s%s)", term_vis(&keep, r->run_id), color ? sc : "",
            aidf_status_name(r->status), color ? TERM_RESET : "");
    addline(&l, "Task:        %s", *r->task_path ? term_vis(&keep, r->task_path) : "-");
    cli_format_date(r->ts_ms, a, sizeof(a));
    relative_age(r->ts_ms, b, sizeof(b));
    addline(&l, "When:        %s (%s)", a, b);
    if (r->has_tokens) {
        term_thousands(r->tokens_total, a, sizeof(a));
        term_thousands(r->tokens_in, b, sizeof(b));
        term_thousands(r->tokens_out, c, sizeof(c));
        addline(&l, "Tokens:      %s (input %s, output %s)%s", a, b, c,
                r->tokens_estimated ? ", estimated" : "");
    } else {
        addline(&l, "Tokens:      not reported");
    }
    term_money(r->cost_unpriced ? NAN : r->cost, a, sizeof(a));
    addline(&l, "Cost:        %s", a);
    term_duration(r->duration_ms, a, sizeof(a));
    addline(&l, "Duration:    %s", a);
    if (r->iterations >= 0)
        addline(&l, "Iterations:  %lld", (long long)r->iterations);
    if (st->has_trend) {
        struct aidf_buf t = AIDF_BUF_INIT(1024);
        trend_text(&t, "cost", &st->cost);
        trend_text(&t, "duration", &st->duration);
        if (t.len)
            addline(&l, "Trend:       %s", t.ptr);
        aidf_buf_release(&t);
    }
    putchar('\n');
    lines_print(&l, "Last Run", color);
    aidf_strlist_release(&keep);
}

static json_t *status_json(const struct status *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "root", json_string(st->root));
    json_t *c = json_object();
    json_object_set_new(c, "path", st->config_path ? json_string(st->config_path) : json_null());
    json_object_set_new(c, "ok", json_boolean(st->config_ok));
    if (!st->config_ok)
        json_object_set_new(c, "error", json_string(st->config_error));
    json_object_set_new(o, "config", c);
    json_t *p = json_object();
    json_object_set_new(p, "type", json_string(st->provider_type));
    json_object_set_new(p, "model",
                        st->provider_model ? json_string(st->provider_model) : json_null());
    json_object_set_new(o, "provider", p);
    json_t *t = json_object();
    json_object_set_new(t, "pending", json_integer(st->tasks.pending));
    json_object_set_new(t, "inProgress", json_integer(st->tasks.in_progress));
    json_object_set_new(t, "completed", json_integer(st->tasks.completed));
    json_object_set_new(t, "blocked", json_integer(st->tasks.blocked));
    json_object_set_new(t, "total", json_integer(st->tasks.total));
    json_object_set_new(o, "tasks", t);
    json_object_set_new(o, "reports", json_integer((json_int_t)st->reports));
    json_object_set_new(o, "reportsDir", json_string(st->reports_dir));
    json_object_set_new(o, "lastRun", st->last ? aidf_run_summary_to_json(st->last) : json_null());
    if (st->has_trend) {
        json_t *tr = json_object();
        json_object_set_new(tr, "cost", trend_json(&st->cost));
        json_object_set_new(tr, "duration", trend_json(&st->duration));
        json_object_set_new(o, "trend", tr);
    } else {
        json_object_set_new(o, "trend", json_null());
    }
    return o;
}

int cmd_status(int argc, char **argv)
{
    struct cli_common co = {.cmd = "status"};
    bool with_report = false;
    struct optp p;
    int id;

    optp_init(&p, &cli_spec_status, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        if (cli_common_opt(&co, id, p.arg) < 0)
            return CLI_EXIT_USAGE;
        if (id == OPT_REPORT)
            with_report = true;
    }
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs > 0)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", p.args[0]);

    struct status st;
    memset(&st, 0, sizeof(st));
    st.root = aidf_find_project_root(NULL);
    if (!st.root) {
        fputs("No AIDF project found. Run `aidf init` first.\n", stderr);
        return CLI_EXIT_FAIL;
    }

    struct aidf_config cfg;
    struct aidf_error err = {0};
    int rc = CLI_EXIT_OK;
    st.config_ok = aidf_config_load(st.root, 0, &cfg, &err) == AIDF_OK;
    if (st.config_ok) {
        st.config_path = aidf_xstrdup(cfg.path);
    } else {
        st.config_path = cfg.path ? aidf_xstrdup(cfg.path) : config_file_of(st.root);
        snprintf(st.config_error, sizeof(st.config_error), "%s", err.msg);
    }
    st.provider_type =
        aidf_xstrdup(cfg.provider.type && *cfg.provider.type ? cfg.provider.type : "claude-cli");
    st.provider_model = aidf_xstrdup(cfg.provider.model);
    if (co.reports_dir)
        st.reports_dir = aidf_xstrdup(co.reports_dir);
    else if (st.config_ok && cfg.observability.reports_dir && *cfg.observability.reports_dir)
        st.reports_dir = cfg.observability.reports_dir[0] == '/'
                             ? aidf_xstrdup(cfg.observability.reports_dir)
                             : aidf_path_join(st.root, cfg.observability.reports_dir);
    else
        st.reports_dir = aidf_path_join(st.root, ".ai/reports");
    aidf_config_release(&cfg);

    count_tasks(st.root, &st.tasks);

    struct aidf_store *store = NULL;
    const struct aidf_run_summary **runs = NULL;
    size_t n = 0;
    if (cli_open_store(st.reports_dir, false, &store) == 0 && store) {
        n = aidf_store_list(store, NULL, &runs);
        st.reports = n;
    }
    if ((with_report || co.json) && n > 0) {
        st.last = runs[0];
        if (n >= 2) {
            double pc[TREND_RUNS], pd[TREND_RUNS];
            size_t k = 0;
            for (size_t i = 1; i < n && k < TREND_RUNS; i++, k++) {
                pc[k] = runs[i]->cost_unpriced ? NAN : runs[i]->cost;
                pd[k] = runs[i]->duration_ms > 0 ? runs[i]->duration_ms : NAN;
            }
            compute_trend(st.last->cost_unpriced ? NAN : st.last->cost, pc, k, &st.cost);
            compute_trend(st.last->duration_ms > 0 ? st.last->duration_ms : NAN, pd, k,
                          &st.duration);
            st.has_trend = true;
        }
    }

    if (co.json)
        rc = cli_print_json(status_json(&st));
    else
        print_text(&st, with_report, term_use_color(stdout));
    if (fflush(stdout) != 0)
        rc = cli_fail("cannot write to standard output");
    if (!st.config_ok) {
        fputs("aidf: ", stderr);
        term_fputs_vis(st.config_error, stderr);
        fputc('\n', stderr);
        rc = CLI_EXIT_FAIL;
    }

    free(runs);
    aidf_store_free(store);
    free(st.root);
    free(st.config_path);
    free(st.provider_type);
    free(st.provider_model);
    free(st.reports_dir);
    return rc;
}
