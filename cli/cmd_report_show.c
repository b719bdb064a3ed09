/*
 * `aidf report show <run-id>`: one run in detail.
 */
#include "cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"
#include "term.h"

static const struct optp_arg show_args[] = {
    {"RUN-ID", "the run's full id or any unique prefix", OPTP_STRING, NULL},
    {NULL, NULL, OPTP_STRING, NULL},
};

static const struct optp_opt show_opts[] = {
    {.name = "json", .id = OPT_JSON, .help = "print the full report as JSON"},
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_report_show = {
    .name = "report show",
    .synopsis = "<run-id-or-prefix> [options]",
    .summary = "show one run in detail",
    .description =
        "Show one execution report: metadata, outcome, tokens, cost, iterations, phase\n"
        "breakdown, files, validation, scope, security and environment. The run may be named by its\n"
        "full id or any unique prefix (e.g. the 8 characters 'aidf report list' shows).",
    .args = show_args,
    .opts = show_opts,
};

static bool color;

static void heading(const char *title)
{
    printf("\n%s%s%s\n", color ? TERM_BOLD : "", title, color ? TERM_RESET : "");
}

/*
 * "  Label:        value" with the value in an optional colour. The value quotes the
 * report, so it is printed with its control characters made visible.
 */
static void kv_color(const char *label, const char *paint, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void kv_color(const char *label, const char *paint, const char *fmt, ...)
{
    struct aidf_buf value = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    va_list ap;
    size_t w = term_width(label) + 1;
    printf("  %s:", label);
    term_pad(stdout, w < 14 ? 14 - w : 1);
    if (color && paint && *paint)
        fputs(paint, stdout);
    va_start(ap, fmt);
    aidf_buf_vaddf(&value, fmt, ap);
    va_end(ap);
    term_fputs_vis(value.ptr, stdout);
    aidf_buf_release(&value);
    if (color && paint && *paint)
        fputs(TERM_RESET, stdout);
    putchar('\n');
}

#define kv(label, ...) kv_color((label), NULL, __VA_ARGS__)

static const char *or_dash(const char *s)
{
    return s && *s ? s : "-";
}

static void print_time(const char *label, const char *iso)
{
    int64_t ms;
    char buf[64];
    if (!iso)
        return;
    if (aidf_iso_parse(iso, &ms) == AIDF_OK) {
        char full[AIDF_ISO_LEN];
        aidf_iso_format(ms, full);
        snprintf(buf, sizeof(buf), "%.10s %.8s UTC", full, full + 11);
        kv(label, "%s", buf);
    } else {
        kv(label, "%s", iso);
    }
}

static void print_metadata(const struct aidf_report *r, const struct aidf_run_summary *s)
{
    printf("%sRun ", color ? TERM_BOLD : "");
    term_fputs_vis(r->run_id, stdout);
    printf("%s\n", color ? TERM_RESET : "");
    kv("Task", "%s", or_dash(r->task_path));
    if (r->task_goal)
        kv("Goal", "%s", r->task_goal);
    if (r->task_type || r->role_name)
        kv("Type / role", "%s / %s", or_dash(r->task_type), or_dash(r->role_name));
    if (r->provider.model)
        kv("Provider", "%s (%s)", or_dash(r->provider.type), r->provider.model);
    else
        kv("Provider", "%s", or_dash(r->provider.type));
    print_time("Timestamp", r->timestamp);
    if (r->timing.present) {
        print_time("Started", r->timing.started_at);
        print_time("Completed", r->timing.completed_at);
    }
    if (r->cwd)
        kv("Directory", "%s", r->cwd);
    if (r->aidf_version)
        kv("aidf", "%s", r->aidf_version);
    if (r->agent_session_id)
        kv("Session", "%s", r->agent_session_id);
    if (s && s->file && *s->file)
        kv("File", "%s", s->file);
}

/* Which repository, who, and the run's tags (absent from reports before 0.9). */
static void print_project(const struct aidf_report *r)
{
    if (!r->project.present && !r->actor && !r->tags.n)
        return;
    heading("Project");
    if (r->project.name)
        kv("Name", "%s", r->project.name);
    if (r->project.repository)
        kv("Repository", "%s", r->project.repository);
    if (r->project.branch)
        kv("Branch", "%s", r->project.branch);
    if (r->project.commit && r->project.commit_after)
        kv("Commits", "%.12s -> %.12s", r->project.commit, r->project.commit_after);
    else if (r->project.commit)
        kv("Commit", "%.12s", r->project.commit);
    if (r->actor)
        kv("Actor", "%s", r->actor);
    if (r->tags.n) {
        struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        for (size_t i = 0; i < r->tags.n; i++)
            aidf_buf_addf(&b, "%s%s=%s", i ? ", " : "", r->tags.items[i].key,
                          r->tags.items[i].value);
        kv("Tags", "%s", b.ptr);
        aidf_buf_release(&b);
    }
}

static void print_outcome(const struct aidf_report *r)
{
    char buf[64];
    heading("Outcome");
    kv_color("Status", term_status_color(r->status), "%s", aidf_status_name(r->status));
    if (r->iterations != AIDF_UNSET) {
        if (r->max_iterations != AIDF_UNSET)
            kv("Iterations", "%lld of at most %lld", (long long)r->iterations,
               (long long)r->max_iterations);
        else
            kv("Iterations", "%lld", (long long)r->iterations);
    }
    if (r->consecutive_failures != AIDF_UNSET && r->consecutive_failures > 0)
        kv("Failures", "%lld consecutive", (long long)r->consecutive_failures);
    if (r->timing.present && aidf_isset(r->timing.total_duration_ms)) {
        term_duration(r->timing.total_duration_ms, buf, sizeof(buf));
        kv("Duration", "%s", buf);
    }
    if (r->error.message) {
        if (r->error.category || r->error.code)
            kv_color("Error", TERM_RED, "[%s%s%s] %s", r->error.category ? r->error.category : "",
                     r->error.category && r->error.code ? "/" : "",
                     r->error.code ? r->error.code : "", r->error.message);
        else
            kv_color("Error", TERM_RED, "%s", r->error.message);
    }
    if (r->blocked_reason)
        kv_color("Blocked", TERM_YELLOW, "%s", r->blocked_reason);
}

static void kv_tokens(const char *label, int64_t v)
{
    char buf[32];
    if (v == AIDF_UNSET)
        return;
    term_thousands(v, buf, sizeof(buf));
    kv(label, "%s", buf);
}

static void print_tokens(const struct aidf_report *r)
{
    heading("Tokens");
    if (!r->tokens.present) {
        puts("  not reported");
        return;
    }
    kv_tokens("Input", r->tokens.total_input);
    kv_tokens("Output", r->tokens.total_output);
    kv_tokens("Total", r->tokens.total_tokens);
    kv_tokens("Cache read", r->tokens.cache_read);
    kv_tokens("Cache write", r->tokens.cache_write);
    kv_tokens("Reasoning", r->tokens.reasoning);
    kv_tokens("Context", r->tokens.context_tokens);
    if (r->tokens.estimated == 1)
        kv_color("Estimated", TERM_YELLOW, "yes (no usage reported; about 4 characters a token)");
    else if (r->tokens.estimated == 0)
        kv("Estimated", "no (reported by the provider)");
}

static void money(double v, char *buf, size_t len)
{
    term_money(aidf_isset(v) ? v : NAN, buf, len);
}

/* A rate per 1M tokens: "$3.00", "$0.075" (at least 2, at most 4 decimals). */
static void rate(double v, char *buf, size_t len)
{
    if (!aidf_isset(v)) {
        snprintf(buf, len, "-");
        return;
    }
    snprintf(buf, len, "$%.4f", v);
    size_t n = strlen(buf);
    char *dot = strchr(buf, '.');
    while (dot && n > (size_t)(dot - buf) + 3 && buf[n - 1] == '0')
        buf[--n] = '\0';
}

static void print_cost(const struct aidf_report *r)
{
    char a[64], b[64];
    heading("Cost");
    if (!r->cost.present) {
        puts("  unpriced (no cost recorded)");
        return;
    }
    if (r->cost.unpriced == 1 || !aidf_isset(r->cost.estimated_total)) {
        kv_color("Total", TERM_DIM, "unpriced (no rate matched %s)",
                 r->provider.model ? r->provider.model : "this provider");
    } else {
        money(r->cost.estimated_total, a, sizeof(a));
        kv("Total", "%s %s", a, r->cost.currency ? r->cost.currency : "USD");
    }
    if (r->cost.source)
        kv("Source", "%s",
           strcmp(r->cost.source, "provider") == 0   ? "provider (reported by the CLI)"
           : strcmp(r->cost.source, "computed") == 0 ? "computed (from the rate table)"
                                                     : r->cost.source);
    if (aidf_isset(r->cost.reported) || aidf_isset(r->cost.computed)) {
        money(r->cost.reported, a, sizeof(a));
        money(r->cost.computed, b, sizeof(b));
        kv("Reported", "%s", aidf_isset(r->cost.reported) ? a : "-");
        kv("Computed", "%s", aidf_isset(r->cost.computed) ? b : "-");
    }
    if (r->cost.has_rates) {
        const struct aidf_rates *rt = &r->cost.rates;
        struct aidf_buf line = AIDF_BUF_INIT(1024);
        char a1[32], a2[32];
        rate(rt->input_per_1m, a1, sizeof(a1));
        rate(rt->output_per_1m, a2, sizeof(a2));
        aidf_buf_addf(&line, "input %s, output %s", a1, a2);
        if (aidf_isset(rt->cache_read_per_1m)) {
            rate(rt->cache_read_per_1m, a1, sizeof(a1));
            aidf_buf_addf(&line, ", cache read %s", a1);
        }
        if (aidf_isset(rt->cache_write_per_1m)) {
            rate(rt->cache_write_per_1m, a1, sizeof(a1));
            aidf_buf_addf(&line, ", cache write %s", a1);
        }
        aidf_buf_addstr(&line, " per 1M tokens");
        kv("Rates", "%s", line.ptr);
        aidf_buf_release(&line);
    }
}

/* Largest iteration number across the per-iteration arrays. */
static int64_t max_iteration(const struct aidf_report *r)
{
    int64_t m = 0;
    for (size_t i = 0; i < r->tokens.n_per_iteration; i++)
        if (r->tokens.per_iteration[i].iteration > m)
            m = r->tokens.per_iteration[i].iteration;
    for (size_t i = 0; i < r->cost.n_per_iteration; i++)
        if (r->cost.per_iteration[i].iteration > m)
            m = r->cost.per_iteration[i].iteration;
    for (size_t i = 0; i < r->timing.n_per_iteration; i++)
        if (r->timing.per_iteration[i].iteration > m)
            m = r->timing.per_iteration[i].iteration;
    return m;
}

static void print_iterations(const struct aidf_report *r)
{
    static const char *const headers[] = {"ITER", "INPUT", "OUTPUT", "COST", "DURATION", "FILES"};
    static const enum term_align align[] = {TERM_RIGHT, TERM_RIGHT, TERM_RIGHT,
                                            TERM_RIGHT, TERM_RIGHT, TERM_RIGHT};
    int64_t last = max_iteration(r);
    if (last <= 0)
        return;
    if (last > 100000)
        last = 100000; /* a corrupt iteration number must not make us print forever */
    heading("Iterations");
    struct term_table t;
    term_table_init(&t, 6, headers, align);
    for (int64_t it = 1; it <= last; it++) {
        const struct aidf_iter_tokens *tk = NULL;
        const struct aidf_iter_cost *ck = NULL;
        const struct aidf_iter_timing *tm = NULL;
        for (size_t i = 0; i < r->tokens.n_per_iteration; i++)
            if (r->tokens.per_iteration[i].iteration == it)
                tk = &r->tokens.per_iteration[i];
        for (size_t i = 0; i < r->cost.n_per_iteration; i++)
            if (r->cost.per_iteration[i].iteration == it)
                ck = &r->cost.per_iteration[i];
        for (size_t i = 0; i < r->timing.n_per_iteration; i++)
            if (r->timing.per_iteration[i].iteration == it)
                tm = &r->timing.per_iteration[i];
        if (!tk && !ck && !tm)
            continue;
        char buf[64];
        term_table_row(&t);
        term_table_cellf(&t, NULL, "%lld", (long long)it);
        if (tk && tk->input != AIDF_UNSET) {
            term_thousands(tk->input, buf, sizeof(buf));
            term_table_cellf(&t, NULL, "%s%s", tk->estimated == 1 ? "~" : "", buf);
        } else {
            term_table_cell(&t, "-", NULL);
        }
        if (tk && tk->output != AIDF_UNSET) {
            term_thousands(tk->output, buf, sizeof(buf));
            term_table_cellf(&t, NULL, "%s%s", tk->estimated == 1 ? "~" : "", buf);
        } else {
            term_table_cell(&t, "-", NULL);
        }
        if (ck && aidf_isset(ck->cost)) {
            term_money(ck->cost, buf, sizeof(buf));
            term_table_cell(&t, buf, NULL);
        } else {
            term_table_cell(&t, "-", NULL);
        }
        if (tm && aidf_isset(tm->duration_ms)) {
            term_duration(tm->duration_ms, buf, sizeof(buf));
            term_table_cell(&t, buf, NULL);
        } else {
            term_table_cell(&t, "-", NULL);
        }
        if (tm && tm->files_changed != AIDF_UNSET)
            term_table_cellf(&t, NULL, "%lld", (long long)tm->files_changed);
        else
            term_table_cell(&t, "-", NULL);
    }
    term_table_print(&t, stdout, "  ", color);
    term_table_release(&t);
}

struct phase_row {
    const char *label;
    double ms;
};

static int cmp_phase_desc(const void *a, const void *b)
{
    const struct phase_row *x = a, *y = b;
    if (x->ms != y->ms)
        return x->ms < y->ms ? 1 : -1;
    return strcmp(x->label, y->label);
}

static void print_phases(const struct aidf_report *r)
{
    const struct aidf_num_map *m = &r->timing.phases;
    if (!r->timing.present || m->n == 0)
        return;
    struct phase_row *rows = aidf_xcalloc(m->n, sizeof(*rows));
    size_t n = 0;
    double sum = 0;
    for (size_t i = 0; i < m->n; i++) {
        double v = m->items[i].value;
        if (!(v >= 0) || !isfinite(v))
            continue;
        int k = aidf_phase_from_key(m->items[i].name);
        rows[n].label = k >= 0 ? aidf_phase_label((enum aidf_phase)k) : m->items[i].name;
        rows[n].ms = v;
        sum += v;
        n++;
    }
    /* Share of the run's wall-clock time (task 135); the phase sum when that is unknown. */
    double total = aidf_isset(r->timing.total_duration_ms) && r->timing.total_duration_ms > 0
                       ? r->timing.total_duration_ms
                       : sum;
    if (n == 0 || !(total > 0)) {
        free(rows);
        return;
    }
    qsort(rows, n, sizeof(*rows), cmp_phase_desc);
    size_t lw = 0;
    for (size_t i = 0; i < n; i++) {
        char *vis = term_esc(rows[i].label); /* a phase name may come from the report */
        if (term_width(vis) > lw)
            lw = term_width(vis);
        free(vis);
    }
    if (lw > 32)
        lw = 32;
    heading("Phase breakdown");
    for (size_t i = 0; i < n; i++) {
        char bar[TERM_BAR_SIZE], pct[16], dur[32];
        double p = rows[i].ms * 100.0 / total;
        if (p > 100)
            p = 100;
        term_bar(p, bar, sizeof(bar));
        term_pct(p, pct, sizeof(pct));
        term_duration(rows[i].ms, dur, sizeof(dur));
        char *vis = term_esc(rows[i].label);
        char *label = term_truncate(vis, lw);
        free(vis);
        printf("  %s", label);
        term_pad(stdout, lw - term_width(label) + 2);
        printf("%s%s%s %4s  %s\n", color ? TERM_CYAN : "", bar, color ? TERM_RESET : "", pct, dur);
        free(label);
    }
    free(rows);
}

static void print_list(const char *label, const struct aidf_strlist *l)
{
    if (l->n == 0)
        return;
    printf("  %s (%zu):\n", label, l->n);
    for (size_t i = 0; i < l->n; i++) {
        fputs("    ", stdout);
        term_fputs_vis(l->items[i], stdout);
        putchar('\n');
    }
}

static void print_files(const struct aidf_report *r)
{
    if (!r->files.present)
        return;
    heading("Files");
    if (r->files.created.n + r->files.modified.n + r->files.deleted.n == 0) {
        puts("  no files changed");
        return;
    }
    print_list("Created", &r->files.created);
    print_list("Modified", &r->files.modified);
    print_list("Deleted", &r->files.deleted);
}

static void print_validation(const struct aidf_report *r)
{
    static const char *const headers[] = {"ITER", "PHASE", "COMMAND", "RESULT", "EXIT", "DURATION"};
    static const enum term_align align[] = {TERM_RIGHT, TERM_LEFT,  TERM_LEFT,
                                            TERM_LEFT,  TERM_RIGHT, TERM_RIGHT};
    if (!r->validation.present)
        return;
    heading("Validation");
    long long runs = r->validation.total_runs != AIDF_UNSET ? (long long)r->validation.total_runs
                                                            : (long long)r->validation.n_runs;
    long long fails = r->validation.failures != AIDF_UNSET ? (long long)r->validation.failures : 0;
    printf("  %lld run%s, %lld failure%s\n", runs, runs == 1 ? "" : "s", fails,
           fails == 1 ? "" : "s");
    if (r->validation.n_runs == 0)
        return;
    struct term_table t;
    term_table_init(&t, 6, headers, align);
    term_table_set_max(&t, 2, 60);
    for (size_t i = 0; i < r->validation.n_runs; i++) {
        const struct aidf_validation_run *v = &r->validation.runs[i];
        char buf[32];
        term_table_row(&t);
        if (v->iteration != AIDF_UNSET)
            term_table_cellf(&t, NULL, "%lld", (long long)v->iteration);
        else
            term_table_cell(&t, "-", NULL);
        term_table_cell(&t, or_dash(v->phase), NULL);
        term_table_cell(&t, or_dash(v->command), NULL);
        if (v->passed == 1)
            term_table_cell(&t, "passed", TERM_GREEN);
        else if (v->passed == 0)
            term_table_cell(&t, "FAILED", TERM_RED);
        else
            term_table_cell(&t, "-", NULL);
        if (v->exit_code != AIDF_UNSET)
            term_table_cellf(&t, NULL, "%lld", (long long)v->exit_code);
        else
            term_table_cell(&t, "-", NULL);
        term_duration(aidf_isset(v->duration_ms) ? v->duration_ms : -1, buf, sizeof(buf));
        term_table_cell(&t, buf, NULL);
    }
    term_table_print(&t, stdout, "  ", color);
    term_table_release(&t);
}

static void print_scope(const struct aidf_report *r)
{
    if (!r->scope.present)
        return;
    heading("Scope");
    kv("Mode", "%s", or_dash(r->scope.mode));
    kv("Violations", "%lld",
       r->scope.violations != AIDF_UNSET ? (long long)r->scope.violations : 0);
    print_list("Blocked files", &r->scope.blocked_files);
}

static void print_security(const struct aidf_report *r)
{
    if (!r->security.present || !r->security.sandbox)
        return;
    heading("Security");
    kv("Sandbox", "%s", r->security.sandbox);
}

static void print_environment(const struct aidf_report *r)
{
    if (!r->environment.present)
        return;
    heading("Environment");
    if (r->environment.os || r->environment.arch)
        kv("System", "%s%s%s", or_dash(r->environment.os), r->environment.arch ? " " : "",
           r->environment.arch ? r->environment.arch : "");
    if (r->environment.hostname)
        kv("Host", "%s", r->environment.hostname);
    if (r->environment.aidf_version)
        kv("aidf", "%s", r->environment.aidf_version);
    if (r->environment.ci == 1) {
        kv("CI", "%s", or_dash(r->environment.ci_provider));
        if (r->environment.ci_build_id)
            kv("Build", "%s", r->environment.ci_build_id);
        if (r->environment.ci_branch)
            kv("Branch", "%s", r->environment.ci_branch);
        if (r->environment.ci_commit)
            kv("Commit", "%s", r->environment.ci_commit);
        if (r->environment.ci_build_url)
            kv("Build URL", "%s", r->environment.ci_build_url);
        if (r->environment.ci_repository)
            kv("Repository", "%s", r->environment.ci_repository);
        if (r->environment.ci_workflow || r->environment.ci_job)
            kv("Workflow/job", "%s / %s", or_dash(r->environment.ci_workflow),
               or_dash(r->environment.ci_job));
        if (r->environment.ci_event)
            kv("Event", "%s", r->environment.ci_event);
        if (r->environment.ci_pull_request)
            kv("Pull request", "#%s", r->environment.ci_pull_request);
        if (r->environment.ci_attempt)
            kv("Attempt", "%s", r->environment.ci_attempt);
        if (r->environment.ci_actor)
            kv("Triggered by", "%s", r->environment.ci_actor);
    } else if (r->environment.ci == 0) {
        kv("CI", "no");
    }
}

static void print_report(const struct aidf_report *r, const struct aidf_run_summary *s)
{
    print_metadata(r, s);
    print_project(r);
    print_outcome(r);
    print_tokens(r);
    print_cost(r);
    print_iterations(r);
    print_phases(r);
    print_files(r);
    print_validation(r);
    print_scope(r);
    print_security(r);
    print_environment(r);
}

int cmd_report_show(int argc, char **argv)
{
    struct cli_common co = {.cmd = "report show"};
    struct optp p;
    int oid;

    optp_init(&p, &cli_spec_report_show, argc, argv);
    while ((oid = optp_next(&p)) > 0)
        if (cli_common_opt(&co, oid, p.arg) < 0)
            return CLI_EXIT_USAGE;
    if (oid == OPTP_STOP)
        return p.status;
    if (p.nargs == 0)
        return cli_usage_error(co.cmd, "missing run id");
    if (p.nargs > 1)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", p.args[1]);
    const char *id = p.args[0];
    if (!*id)
        return cli_usage_error(co.cmd, "empty run id");

    char *dir = NULL;
    struct aidf_store *store = NULL;
    if (cli_open_reports(co.reports_dir, &dir, &store))
        return CLI_EXIT_FAIL;
    int rc = CLI_EXIT_OK;
    if (!store) {
        rc = cli_fail("no run matches '%s' (no execution reports found)", id);
        free(dir);
        return rc;
    }

    struct aidf_report r;
    struct aidf_error err = {0};
    const struct aidf_run_summary *sum = NULL;
    aidf_report_init(&r);
    int src = aidf_store_read(store, id, &r, &sum, &err);
    if (src == AIDF_ENOTFOUND) {
        rc = cli_fail("no run matches '%s'", id);
    } else if (src != AIDF_OK) {
        rc = cli_fail("%s", err.msg[0] ? err.msg : aidf_strerror(src));
    } else if (co.json) {
        size_t len = 0;
        char *text = aidf_report_dumps(&r, true, &len);
        rc = cli_write_json_text(text, len);
        free(text);
    } else {
        color = term_use_color(stdout);
        print_report(&r, sum);
        if (fflush(stdout) != 0)
            rc = cli_fail("cannot write to standard output");
    }
    aidf_report_release(&r);
    aidf_store_free(store);
    free(dir);
    return rc;
}
