/*
 * The live status line, progress lines, [profile] lines and the summary box of
 * `aidf run` (see run_ui.h).
 */
#include "run_ui.h"

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/log.h"
#include "aidf/textutil.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"
#include "term.h"

/* Redraw period of the live line. */
#define TICK_MS 250

struct run_ui {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool live, stop, thread_started, line_shown;
    bool quiet, verbose, color;
    char *label;
    char phase[64];
    int64_t iter, max;
    int64_t tokens;
    double cost;
    int64_t start_ns;
    unsigned frame;
};

static const char *const spinner[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

/* Erase the live line (cursor to column 0, clear to end). Caller holds the lock. */
static void clear_line(struct run_ui *ui)
{
    if (ui->line_shown) {
        fputs("\r\033[K", stderr);
        ui->line_shown = false;
    }
}

/* Draw the live line. Caller holds the lock. */
static void draw(struct run_ui *ui)
{
    char el[32], tok[32], cost[32], line[512];
    double ms = (double)(aidf_mono_ns() - ui->start_ns) / 1e6;
    aidf_format_duration(ms, el, sizeof(el));
    term_thousands(ui->tokens, tok, sizeof(tok));
    if (isnan(ui->cost))
        snprintf(cost, sizeof(cost), "-");
    else
        term_money(ui->cost, cost, sizeof(cost));
    snprintf(line, sizeof(line), "%s %s · iter %lld/%lld · %s · %s · %s tokens · %s",
             spinner[ui->frame++ % 10], ui->label, (long long)ui->iter, (long long)ui->max,
             ui->phase[0] ? ui->phase : "starting", el, tok, cost);
    int cols = term_columns(stderr);
    char *cut = term_truncate(line, cols > 1 ? (size_t)cols - 1 : 79);
    fputs("\r\033[K", stderr);
    if (ui->color)
        fputs(TERM_DIM, stderr);
    fputs(cut, stderr);
    if (ui->color)
        fputs(TERM_RESET, stderr);
    fflush(stderr);
    free(cut);
    ui->line_shown = true;
}

static void *ticker(void *arg)
{
    struct run_ui *ui = arg;
    pthread_mutex_lock(&ui->mu);
    while (!ui->stop) {
        draw(ui);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&ui->cv, &ui->mu, &ts);
    }
    clear_line(ui);
    fflush(stderr);
    pthread_mutex_unlock(&ui->mu);
    return NULL;
}

/*
 * Print one finished line above the live line. `text` may quote a provider's error, a
 * task file or a command's output: its control characters are written visibly, so it
 * stays one line and cannot act on the terminal.
 */
static void emit(struct run_ui *ui, const char *prefix, const char *text)
{
    pthread_mutex_lock(&ui->mu);
    clear_line(ui);
    fputs(prefix, stderr);
    term_fputs_vis(text, stderr);
    fputc('\n', stderr);
    if (ui->live && !ui->stop)
        draw(ui);
    pthread_mutex_unlock(&ui->mu);
}

static void log_sink(int level, const char *line, void *ctx)
{
    static const char *const prefix[] = {
        "aidf: error: ", "aidf: warning: ", "aidf: ", "aidf: debug: "};
    struct run_ui *ui = ctx;
    if (level < 0 || level > 3)
        level = AIDF_LOG_ERROR;
    emit(ui, prefix[level], line);
}

struct run_ui *run_ui_new(const char *label, bool quiet, bool verbose)
{
    struct run_ui *ui = aidf_xcalloc(1, sizeof(*ui));
    pthread_mutex_init(&ui->mu, NULL);
    pthread_cond_init(&ui->cv, NULL);
    ui->label = term_esc(label ? label : "task");
    ui->quiet = quiet;
    ui->verbose = verbose;
    ui->color = term_use_color(stderr);
    ui->cost = NAN;
    ui->start_ns = aidf_mono_ns();
    ui->live = !quiet && isatty(STDERR_FILENO);
    aidf_log_set_sink(log_sink, ui);
    if (ui->live && pthread_create(&ui->thread, NULL, ticker, ui) == 0)
        ui->thread_started = true;
    else
        ui->live = false;
    return ui;
}

void run_ui_free(struct run_ui *ui)
{
    if (!ui)
        return;
    pthread_mutex_lock(&ui->mu);
    ui->stop = true;
    pthread_cond_signal(&ui->cv);
    pthread_mutex_unlock(&ui->mu);
    if (ui->thread_started)
        pthread_join(ui->thread, NULL);
    aidf_log_set_sink(NULL, NULL);
    pthread_cond_destroy(&ui->cv);
    pthread_mutex_destroy(&ui->mu);
    free(ui->label);
    free(ui);
}

void run_ui_phase(struct run_ui *ui, int64_t iter, int64_t max, const char *phase)
{
    pthread_mutex_lock(&ui->mu);
    ui->iter = iter;
    ui->max = max;
    char *vis = term_esc(phase ? phase : "");
    snprintf(ui->phase, sizeof(ui->phase), "%s", vis);
    free(vis);
    if (ui->live)
        draw(ui);
    pthread_mutex_unlock(&ui->mu);
}

void run_ui_totals(struct run_ui *ui, int64_t tokens, double cost_usd)
{
    pthread_mutex_lock(&ui->mu);
    ui->tokens = tokens;
    ui->cost = cost_usd;
    pthread_mutex_unlock(&ui->mu);
}

static void vsay(struct run_ui *ui, const char *fmt, va_list ap)
{
    char line[2048];
    vsnprintf(line, sizeof(line), fmt, ap);
    emit(ui, "aidf: ", line);
}

void run_ui_say(struct run_ui *ui, const char *fmt, ...)
{
    if (ui->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsay(ui, fmt, ap);
    va_end(ap);
}

void run_ui_detail(struct run_ui *ui, const char *fmt, ...)
{
    if (!ui->verbose || ui->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsay(ui, fmt, ap);
    va_end(ap);
}

/* Seconds with one decimal, two under a second ("12.3s", "0.05s"). */
static void secs(double ms, char *out, size_t n)
{
    double s = (isnan(ms) || ms < 0) ? 0 : ms / 1000.0;
    snprintf(out, n, s < 1 ? "%.2fs" : "%.1fs", s);
}

void run_ui_profile(struct run_ui *ui, const struct aidf_num_map *phases)
{
    static const struct {
        const char *key, *label;
    } shown[] = {
        {"aiExecution", "AI execution"},
        {"validation", "Validation"},
        {"scopeChecking", "Scope check"},
        {"gitOperations", "Git"},
    };
    if (!ui->verbose || ui->quiet || !phases)
        return;
    char line[512];
    size_t off = (size_t)snprintf(line, sizeof(line), "[profile]");
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]) && off < sizeof(line); i++) {
        char s[32];
        double v = aidf_num_map_get(phases, shown[i].key);
        secs(isnan(v) ? 0 : v, s, sizeof(s));
        off += (size_t)snprintf(line + off, sizeof(line) - off, "%s %s: %s", i ? " |" : "",
                                shown[i].label, s);
    }
    emit(ui, "", line);
}

struct line_list {
    size_t n, cap;
    char **items;
};

static void addf(struct line_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct line_list *l, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    l->items = aidf_xgrow(l->items, &l->cap, l->n + 1, sizeof(*l->items));
    l->items[l->n++] = aidf_xstrdup(buf);
}

struct phase_row {
    const char *label;
    double ms;
};

static int cmp_row_desc(const void *a, const void *b)
{
    double x = ((const struct phase_row *)a)->ms, y = ((const struct phase_row *)b)->ms;
    return (x < y) - (x > y);
}

static void add_phases(struct line_list *l, const struct aidf_report *r, bool color)
{
    const struct aidf_num_map *m = &r->timing.phases;
    double total = r->timing.total_duration_ms;
    if (!r->timing.present || m->n == 0 || !(total > 0))
        return;
    struct phase_row rows[AIDF_PHASE_COUNT];
    size_t n = 0;
    for (size_t i = 0; i < m->n && n < AIDF_PHASE_COUNT; i++) {
        int k = aidf_phase_from_key(m->items[i].name);
        if (k < 0 || !(m->items[i].value >= 0))
            continue;
        rows[n].label = aidf_phase_label((enum aidf_phase)k);
        rows[n].ms = m->items[i].value;
        n++;
    }
    qsort(rows, n, sizeof(rows[0]), cmp_row_desc);
    addf(l, "%s", "");
    addf(l, "Phase Breakdown:");
    for (size_t i = 0; i < n; i++) {
        char bar[TERM_BAR_SIZE], pct[16];
        double p = rows[i].ms * 100.0 / total;
        term_bar(p > 100 ? 100 : p, bar, sizeof(bar));
        term_pct(p > 100 ? 100 : p, pct, sizeof(pct));
        addf(l, "  %-15s %4s  %s%s%s", rows[i].label, pct, color ? TERM_CYAN : "", bar,
             color ? TERM_RESET : "");
    }
}

void run_ui_summary(struct run_ui *ui, const struct aidf_report *r, const char *report_path)
{
    struct line_list l = {0};
    struct aidf_strlist keep = {0}; /* the escaped copies of the report's strings */
    const char *title = r->status == AIDF_STATUS_COMPLETED ? "Task Completed"
                        : r->status == AIDF_STATUS_BLOCKED ? "Task Blocked"
                                                           : "Task Failed";
    const char *task = r->task_path ? strrchr(r->task_path, '/') : NULL;
    task = term_vis(&keep, task ? task + 1 : (r->task_path ? r->task_path : "-"));
    char a[32], b[32], c[32], d[32];

    addf(&l, "Task:        %s", task);
    addf(&l, "Status:      %s%s%s", ui->color ? term_status_color(r->status) : "",
         aidf_status_name(r->status), ui->color ? TERM_RESET : "");
    addf(&l, "Provider:    %s%s%s", r->provider.type ? term_vis(&keep, r->provider.type) : "-",
         r->provider.model ? " / " : "",
         r->provider.model ? term_vis(&keep, r->provider.model) : "");
    if (r->iterations != AIDF_UNSET)
        addf(&l, "Iterations:  %lld", (long long)r->iterations);
    if (r->files.present)
        addf(&l, "Files:       %zu modified, %zu created, %zu deleted", r->files.modified.n,
             r->files.created.n, r->files.deleted.n);
    if (r->tokens.present && r->tokens.total_tokens != AIDF_UNSET) {
        term_thousands(r->tokens.total_tokens, a, sizeof(a));
        term_thousands(r->tokens.total_input == AIDF_UNSET ? 0 : r->tokens.total_input, b,
                       sizeof(b));
        term_thousands(r->tokens.total_output == AIDF_UNSET ? 0 : r->tokens.total_output, c,
                       sizeof(c));
        addf(&l, "Tokens:      %s%s (input %s / output %s)", r->tokens.estimated == 1 ? "~" : "", a,
             b, c);
        if (r->tokens.cache_read != AIDF_UNSET || r->tokens.cache_write != AIDF_UNSET) {
            term_thousands(r->tokens.cache_read == AIDF_UNSET ? 0 : r->tokens.cache_read, a,
                           sizeof(a));
            term_thousands(r->tokens.cache_write == AIDF_UNSET ? 0 : r->tokens.cache_write, b,
                           sizeof(b));
            addf(&l, "Cache:       %s read / %s written", a, b);
        }
    }
    if (r->tokens.present && r->tokens.context_tokens != AIDF_UNSET) {
        term_thousands(r->tokens.context_tokens, d, sizeof(d));
        addf(&l, "Context:     ~%s tokens", d);
    }
    if (r->cost.present) {
        term_money(r->cost.estimated_total, a, sizeof(a));
        addf(&l, "Cost:        %s%s%s%s", a, r->cost.source ? " (" : "",
             r->cost.source ? term_vis(&keep, r->cost.source) : "", r->cost.source ? ")" : "");
    }
    if (r->timing.present) {
        term_duration(r->timing.total_duration_ms, a, sizeof(a));
        addf(&l, "Duration:    %s", a);
    }
    if (r->blocked_reason)
        addf(&l, "Blocked:     %s", term_vis(&keep, r->blocked_reason));
    if (r->error.message)
        addf(&l, "Error:       %s%s%s%s", r->error.category ? "[" : "",
             r->error.category ? term_vis(&keep, r->error.category) : "",
             r->error.category ? "] " : "", term_vis(&keep, r->error.message));
    if (report_path)
        addf(&l, "Report:      %s", term_vis(&keep, report_path));
    add_phases(&l, r, ui->color);

    pthread_mutex_lock(&ui->mu);
    clear_line(ui);
    /* Long messages are cut to the terminal so the box stays a box. */
    int cols = isatty(STDERR_FILENO) ? term_columns(stderr) : 0;
    for (size_t i = 0; cols > 8 && i < l.n; i++) {
        if (term_width(l.items[i]) + 4 > (size_t)cols) {
            char *cut = term_truncate(l.items[i], (size_t)cols - 4);
            free(l.items[i]);
            l.items[i] = cut;
        }
    }
    fputc('\n', stderr);
    term_box(stderr, title, (const char *const *)l.items, l.n, ui->color);
    fflush(stderr);
    pthread_mutex_unlock(&ui->mu);
    for (size_t i = 0; i < l.n; i++)
        free(l.items[i]);
    free(l.items);
    aidf_strlist_release(&keep);
}

enum aidf_ask_answer run_ui_ask(struct run_ui *ui, const struct aidf_strlist *files)
{
    int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || !isatty(STDIN_FILENO)) {
        if (fd >= 0)
            close(fd);
        return AIDF_ASK_UNAVAILABLE;
    }
    FILE *tty = fdopen(fd, "r+");
    if (!tty) {
        close(fd);
        return AIDF_ASK_UNAVAILABLE;
    }
    run_ui_say(ui, "the agent changed %zu file(s) that need approval:", files->n);
    for (size_t i = 0; i < files->n; i++)
        run_ui_say(ui, "  %s", files->items[i]);
    fputs("Allow these changes? [y/N] ", tty);
    fflush(tty);
    char line[64] = "";
    bool yes = false;
    if (fgets(line, sizeof(line), tty))
        yes = line[0] == 'y' || line[0] == 'Y';
    fclose(tty);
    return yes ? AIDF_ASK_APPROVED : AIDF_ASK_DECLINED;
}

/* The struct aidf_run_events hooks: `ctx` is the struct run_ui. */

static void ev_phase(void *ctx, int64_t iter, int64_t max, const char *label)
{
    run_ui_phase(ctx, iter, max, label);
}

static void ev_totals(void *ctx, int64_t tokens, double cost_usd)
{
    run_ui_totals(ctx, tokens, cost_usd);
}

static void ev_say(void *ctx, const char *line)
{
    run_ui_say(ctx, "%s", line);
}

static void ev_detail(void *ctx, const char *line)
{
    run_ui_detail(ctx, "%s", line);
}

static void ev_profile(void *ctx, int64_t iter, const struct aidf_num_map *phases)
{
    (void)iter;
    run_ui_profile(ctx, phases);
}

static enum aidf_ask_answer ev_ask(void *ctx, const struct aidf_strlist *files)
{
    return run_ui_ask(ctx, files);
}

/*
 * --dry-run: the prompt goes to stdout (the progress lines go to stderr), as it is into a
 * pipe or file; on a terminal its control characters other than TAB and LF are written
 * visibly, as the task and context files it quotes come from the repository.
 */
static void ev_dry_run_prompt(void *ctx, const char *prompt)
{
    (void)ctx;
    if (isatty(STDOUT_FILENO) != 1) {
        fputs(prompt, stdout);
        return;
    }
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_add_visible(&b, prompt, strlen(prompt),
                         AIDF_VISIBLE_KEEP_TAB | AIDF_VISIBLE_KEEP_NEWLINE);
    fputs(b.ptr, stdout);
    aidf_buf_release(&b);
}

static void ev_summary(void *ctx, const struct aidf_report *r, const char *report_path)
{
    run_ui_summary(ctx, r, report_path);
}

void run_ui_events(struct run_ui *ui, struct aidf_run_events *ev)
{
    ev->ctx = ui;
    ev->phase = ev_phase;
    ev->totals = ev_totals;
    ev->say = ev_say;
    ev->detail = ev_detail;
    ev->profile = ev_profile;
    ev->ask = ev_ask;
    ev->dry_run_prompt = ev_dry_run_prompt;
    ev->summary = ev_summary;
}
