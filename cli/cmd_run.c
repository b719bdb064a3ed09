/*
 * `aidf run [TASK...]`: pick the task(s), then hand each to the executor.
 * Without a task the first pending one runs; with
 * --resume the first blocked one. Several tasks run one after another.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/executor.h"
#include "aidf/log.h"
#include "aidf/provider.h"
#include "aidf/tags.h"
#include "aidf/task.h"
#include "aidf/xalloc.h"
#include "run_ui.h"
#include "term.h"

enum {
    OPT_MAX_ITER = 1100,
    OPT_DRY_RUN,
    OPT_RESUME,
    OPT_VERBOSE,
    OPT_QUIET,
    OPT_REPORT_SERVER,
    OPT_TAG,
};

static const struct optp_arg run_args[] = {
    {"TASK...", "task files: paths, or names in .ai/tasks/pending/", OPTP_FILE, NULL},
    {NULL, NULL, OPTP_STRING, NULL},
};

static const struct optp_opt run_opts[] = {
    {.name = "provider",
     .short_name = 'p',
     .kind = OPTP_CHOICE,
     .id = OPT_PROVIDER,
     .value_name = "TYPE",
     .choices = cli_provider_choices,
     .help = "claude-cli, cursor-cli, anthropic-api or openai-api\n"
             "(default: provider.type; the API providers read\n"
             "ANTHROPIC_API_KEY / OPENAI_API_KEY and *_BASE_URL)"},
    {.name = "model",
     .short_name = 'm',
     .kind = OPTP_STRING,
     .id = OPT_MODEL,
     .value_name = "MODEL",
     .help = "model for the agent (default: provider.model)"},
    {.name = "max-iterations",
     .short_name = 'n',
     .kind = OPTP_INT,
     .id = OPT_MAX_ITER,
     .value_name = "N",
     .help = "stop after N iterations (1..1000; default:\nexecution.max_iterations, 50)",
     .min = 1,
     .max = 1000},
    {.name = "dry-run",
     .short_name = 'd',
     .id = OPT_DRY_RUN,
     .help = "print the prompt of the first iteration and stop"},
    {.name = "resume",
     .id = OPT_RESUME,
     .help = "continue a task that is BLOCKED (from its task file)"},
    {.name = "report-server",
     .kind = OPTP_STRING,
     .id = OPT_REPORT_SERVER,
     .value_name = "URL",
     .help = "also push the report to an 'aidf serve' server\n"
             "(default: observability.server.url; token from\n"
             "$AIDF_SERVER_TOKEN); failed pushes wait in the outbox"},
    {.name = "tag",
     .short_name = 't',
     .kind = OPTP_STRING,
     .id = OPT_TAG,
     .value_name = "KEY=VALUE",
     .help =
         "tag the run's report (repeatable; adds to\nobservability.tags and $AIDF_TAGS and wins on\nthe same key)"},
    {.name = "verbose",
     .short_name = 'v',
     .id = OPT_VERBOSE,
     .help = "more detail, and a [profile] line after each iteration"},
    {.name = "quiet",
     .short_name = 'q',
     .id = OPT_QUIET,
     .help = "only warnings, errors and the summary"},
    {.name = "json", .id = OPT_JSON, .help = "print the final report(s) as JSON on stdout"},
    CLI_COLOR_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_run = {
    .name = "run",
    .synopsis = "[TASK...] [options]",
    .summary = "run the AI agent on a task, with safety rails, and report the run",
    .description =
        "Run the AI agent on a task until it is complete, blocked or failed, and write an\n"
        "execution report to .ai/reports/. TASK is a task file (a path, or a name in\n"
        ".ai/tasks/pending/); without one the first pending task runs (with --resume, the\n"
        "first blocked one). Several tasks run one after another.",
    .args = run_args,
    .opts = run_opts,
    .epilog = "Exit status: 0 when every task completed (or a dry run), 1 when one was blocked or\n"
              "failed or nothing could run, 2 on a usage error. Ctrl-C stops the agent, and the\n"
              "run is reported as failed.",
};

static volatile sig_atomic_t cancelled;

/* The --tag values in order (file scope: the option loop returns early on usage errors). */
static struct aidf_strlist tags;

static void on_signal(int sig)
{
    if (cancelled) {
        /* A second Ctrl-C: stop now. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    cancelled = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Does the file look like a BLOCKED task ("## Status:" and "BLOCKED")? */
static bool file_is_blocked(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (aidf_read_file(path, (size_t)1 << 20, &text, &len, NULL) != AIDF_OK)
        return false;
    bool b = strstr(text, "## Status:") && strstr(text, "BLOCKED");
    free(text);
    return b;
}

static bool file_has_status(const char *path)
{
    char *text = NULL;
    size_t len = 0;
    if (aidf_read_file(path, (size_t)1 << 20, &text, &len, NULL) != AIDF_OK)
        return true;
    bool b = strstr(text, "## Status:") != NULL;
    free(text);
    return b;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The *.md files of `dir` (no dot files), sorted by name; absolute paths. */
static void list_md(const char *dir, struct aidf_strlist *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    size_t first = out->n;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || n < 4 || strcmp(e->d_name + n - 3, ".md") != 0)
            continue;
        char *p = aidf_path_join(dir, e->d_name);
        if (is_file(p))
            aidf_strlist_add(out, p);
        free(p);
    }
    closedir(d);
    if (out->n - first > 1)
        qsort(out->items + first, out->n - first, sizeof(char *), cmp_str);
}

/* The task to run when none was named. NULL (after a message) when there is none. */
static char *pick_task(const char *root, bool resume)
{
    static const char *const pending_dirs[] = {".ai/tasks/pending", NULL};
    static const char *const blocked_dirs[] = {".ai/tasks/blocked", ".ai/tasks", NULL};
    const char *const *dirs = resume ? blocked_dirs : pending_dirs;
    char *found = NULL;
    for (size_t i = 0; dirs[i] && !found; i++) {
        struct aidf_strlist l = {0};
        char *dir = aidf_path_join(root, dirs[i]);
        list_md(dir, &l);
        for (size_t k = 0; k < l.n && !found; k++)
            if (!resume || file_is_blocked(l.items[k]))
                found = aidf_xstrdup(l.items[k]);
        free(dir);
        aidf_strlist_release(&l);
    }
    if (!found && !resume) {
        /* The legacy flat layout: the first .md file directly in tasks/ without a status. */
        struct aidf_strlist l = {0};
        char *dir = aidf_path_join(root, ".ai/tasks");
        list_md(dir, &l);
        for (size_t k = 0; k < l.n && !found; k++)
            if (!file_has_status(l.items[k]))
                found = aidf_xstrdup(l.items[k]);
        free(dir);
        aidf_strlist_release(&l);
    }
    if (!found)
        cli_fail("%s", resume ? "No blocked task found to resume."
                              : "No task specified and no pending tasks found.");
    return found;
}

/* An argument as a task file: a path (relative to the cwd), else a name in pending/
 * (with or without ".md"). NULL after a message when there is no such file. */
static char *resolve_task(const char *root, const char *arg)
{
    char resolved[PATH_MAX];
    if (is_file(arg) && realpath(arg, resolved))
        return aidf_xstrdup(resolved);
    static const char *const dirs[] = {".ai/tasks/pending", ".ai/tasks/blocked", ".ai/tasks"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        for (int ext = 0; ext < 2; ext++) {
            char name[PATH_MAX];
            snprintf(name, sizeof(name), "%s/%s/%s%s", root, dirs[i], arg, ext ? ".md" : "");
            if (!strchr(arg, '/') && is_file(name) && realpath(name, resolved))
                return aidf_xstrdup(resolved);
        }
    }
    cli_fail("Task file not found: %s", arg);
    return NULL;
}

int cmd_run(int argc, char **argv)
{
    struct aidf_run_opts o = {0};
    bool json = false, verbose = false, quiet = false;
    struct optp p;
    int id;
    optp_init(&p, &cli_spec_run, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        switch (id) {
        case OPT_COLOR: {
            int m = term_parse_color_mode(p.arg);
            if (m < 0)
                return cli_usage_error("run",
                                       "invalid --color '%s' (expected auto, always or "
                                       "never)",
                                       p.arg);
            term_set_color_mode((enum term_color_mode)m);
            break;
        }
        case OPT_PROVIDER:
            if (!aidf_provider_type_known(p.arg))
                return cli_usage_error("run",
                                       "unknown provider '%s' (expected claude-cli, cursor-cli, "
                                       "anthropic-api or openai-api)",
                                       p.arg);
            o.provider = p.arg;
            break;
        case OPT_MODEL:
            if (!*p.arg)
                return cli_usage_error("run", "--model needs a model name");
            o.model = p.arg;
            break;
        case OPT_MAX_ITER:
            o.max_iterations = p.num;
            break;
        case OPT_DRY_RUN:
            o.dry_run = true;
            break;
        case OPT_RESUME:
            o.resume = true;
            break;
        case OPT_VERBOSE:
            verbose = true;
            break;
        case OPT_QUIET:
            quiet = true;
            break;
        case OPT_REPORT_SERVER:
            if (strncmp(p.arg, "http://", 7) != 0 && strncmp(p.arg, "https://", 8) != 0)
                return cli_usage_error("run",
                                       "invalid --report-server '%s' (expected an "
                                       "http:// or https:// URL)",
                                       p.arg);
            o.report_server = p.arg;
            break;
        case OPT_TAG: {
            /* Checked here, so a bad tag is a usage error before anything runs. */
            struct aidf_kvlist check = {0};
            struct aidf_error terr;
            for (size_t i = 0; i < tags.n; i++)
                aidf_tags_parse_assignment(&check, tags.items[i], "--tag", NULL);
            int trc = aidf_tags_parse_assignment(&check, p.arg, "--tag", &terr);
            aidf_kvlist_release(&check);
            if (trc != AIDF_OK)
                return cli_usage_error("run", "%s", terr.msg);
            aidf_strlist_add(&tags, p.arg);
            break;
        }
        case OPT_JSON:
            json = true;
            break;
        default:
            break;
        }
    }
    if (id == OPTP_STOP)
        return p.status;
    if (verbose && quiet)
        return cli_usage_error("run", "--verbose and --quiet cannot be used together");
    if (verbose && aidf_log_level < AIDF_LOG_INFO)
        aidf_log_level = AIDF_LOG_INFO;

    char *root = aidf_find_project_root(NULL);
    if (!root)
        return cli_fail("No .ai directory found. Run `aidf init` first.");

    struct aidf_strlist tasks = {0};
    int rc = CLI_EXIT_OK;
    if (p.nargs == 0) {
        char *t = pick_task(root, o.resume);
        if (!t) {
            free(root);
            return CLI_EXIT_FAIL;
        }
        aidf_strlist_add(&tasks, t);
        free(t);
    }
    for (int i = 0; i < p.nargs; i++) {
        char *t = resolve_task(root, p.args[i]);
        if (!t) {
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        aidf_strlist_add(&tasks, t);
        free(t);
    }

    install_signals();
    o.cancel = &cancelled;
    o.tags = &tags;
    json_t *all = json ? json_array() : NULL;
    for (size_t i = 0; i < tasks.n; i++) {
        if (cancelled)
            break;
        struct aidf_run_result res;
        char *label = aidf_task_name(tasks.items[i]);
        struct run_ui *ui = run_ui_new(label, quiet, verbose);
        free(label);
        run_ui_events(ui, &o.events);
        if (aidf_executor_run(root, tasks.items[i], &o, &res) != 0)
            rc = CLI_EXIT_FAIL;
        run_ui_free(ui);
        if (all && res.report)
            json_array_append(all, res.report);
        aidf_run_result_release(&res);
    }
    if (all) {
        if (json_array_size(all) == 1) {
            json_t *one = json_incref(json_array_get(all, 0));
            json_decref(all);
            all = one;
        }
        cli_print_json(all);
    }
    if (cancelled)
        rc = CLI_EXIT_FAIL;
out:
    aidf_strlist_release(&tasks);
    aidf_strlist_release(&tags);
    free(root);
    return rc;
}
