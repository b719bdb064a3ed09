/*
 * `aidf report push`: deliver reports to an `aidf serve` report server, with the
 * outbox for what could not be delivered; and `aidf report webhook`: send reports to
 * the configured metrics webhook as a run would (to test an endpoint).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/config.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/outbox.h"
#include "aidf/push.h"
#include "aidf/webhook.h"
#include "aidf/xalloc.h"
#include "term.h"

/* Option values of these two commands, clear of the shared enum cli_opt. */
enum {
    OPT_SERVER = 1000,
    OPT_TOKEN_ENV,
    OPT_RETRIES,
    OPT_TIMEOUT,
    OPT_RETRY_BASE,
    OPT_ALL,
    OPT_PENDING,
};

static const struct optp_arg push_args[] = {
    {"ID...", "run ids or unique prefixes to push", OPTP_STRING, NULL},
    {NULL, NULL, OPTP_STRING, NULL},
};

static const struct optp_opt push_opts[] = {
    {.name = "all",
     .id = OPT_ALL,
     .help = "push every stored run (already delivered ones answer 200)"},
    {.name = "pending", .id = OPT_PENDING, .help = "deliver the outbox queued for the server"},
    {.name = "server",
     .kind = OPTP_STRING,
     .id = OPT_SERVER,
     .value_name = "URL",
     .help = "report server (default: observability.server.url)"},
    {.name = "token-env",
     .kind = OPTP_STRING,
     .id = OPT_TOKEN_ENV,
     .value_name = "NAME",
     .help = "environment variable holding the bearer token\n"
             "(default: observability.server.token_env, AIDF_SERVER_TOKEN)"},
    {.name = "retries",
     .kind = OPTP_INT,
     .id = OPT_RETRIES,
     .value_name = "N",
     .help = "retries after a network error, timeout, 429 or 5xx (default 2)",
     .min = 0,
     .max = 10},
    {.name = "timeout",
     .kind = OPTP_INT,
     .id = OPT_TIMEOUT,
     .value_name = "MS",
     .help = "time limit of each attempt in milliseconds (default 30000)",
     .min = 1,
     .max = 600000},
    {.name = "retry-base",
     .kind = OPTP_INT,
     .id = OPT_RETRY_BASE,
     .value_name = "MS",
     .help = "wait before the first retry, doubled each time (default 500)",
     .min = 0,
     .max = 60000},
    {.name = "json",
     .id = OPT_JSON,
     .help = "print {\"server\",\"results\":[...],\"delivered\",...} instead"},
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_report_push = {
    .name = "report push",
    .synopsis = "[ID...|--all|--pending] [options]",
    .summary = "deliver reports to a report server (aidf serve)",
    .description =
        "Deliver execution reports to an 'aidf serve' report server (POST <server>/runs).\n"
        "Reports that cannot be delivered now are queued in <reports-dir>/.outbox and\n"
        "delivered later by 'aidf report push --pending' (and by later runs).",
    .args = push_args,
    .opts = push_opts,
    .epilog = "A 409 (the server holds a different report under the same id) is reported and not\n"
              "retried. Other 4xx answers (400, 401, 413, ...) keep the report in the outbox.\n"
              "Exit status: 0 when every report was delivered or already there, 1 otherwise.",
};

/* The project's config, or defaults when there is no project. 0, or 1 after an error. */
static int load_project_config(struct aidf_config *c, bool required)
{
    char *root = aidf_find_project_root(NULL);
    if (!root) {
        aidf_config_init_defaults(c);
        if (required)
            return cli_fail("no AIDF project found (no .ai/ directory here or above)");
        return 0;
    }
    struct aidf_error err = {0};
    int rc = aidf_config_load(root, 0, c, &err);
    free(root);
    if (rc == AIDF_OK)
        return 0;
    if (required)
        return cli_fail("%s", err.msg[0] ? err.msg : aidf_strerror(rc));
    aidf_warn("%s (ignoring the config)", err.msg);
    aidf_config_release(c);
    aidf_config_init_defaults(c);
    return 0;
}

static bool id_chars_ok(const char *s)
{
    if (!*s || strlen(s) > AIDF_RUN_ID_LEN)
        return false;
    for (; *s; s++)
        if (!strchr("0123456789abcdefABCDEF-", *s))
            return false;
    return true;
}

/* Resolve a run id or unique prefix; prints the error and returns NULL on failure. */
static const struct aidf_run_summary *resolve(struct aidf_store *s, const char *id)
{
    const struct aidf_run_summary **m = NULL;
    if (!id_chars_ok(id)) {
        cli_fail("invalid run id '%s' (expected hex digits and '-')", id);
        return NULL;
    }
    size_t n = s ? aidf_store_find(s, id, &m) : 0;
    const struct aidf_run_summary *run = n == 1 ? m[0] : NULL;
    if (n == 0) {
        cli_fail("no run matches '%s'", id);
    } else if (n > 1) {
        fprintf(stderr, "aidf: '%s' is ambiguous; it matches:\n", id); /* id_chars_ok() */
        for (size_t i = 0; i < n && i < 10; i++) {
            fputs("  ", stderr);
            term_fputs_vis(m[i]->run_id, stderr);
            fputc('\n', stderr);
        }
    }
    free(m);
    return run;
}

struct push_ctx {
    bool json;
    json_t *results;
    size_t delivered, already, conflicts, rejected, failed, total;
};

/*
 * One push result: a JSON object, or a line for the terminal where the run id and the
 * server's message (a remote server's text) have their control characters made visible.
 */
static void on_result(const struct aidf_push_result *res, void *vctx)
{
    struct push_ctx *ctx = vctx;
    const char *raw_id = res->run_id[0] ? res->run_id : "?";
    ctx->total++;
    switch (res->outcome) {
    case AIDF_PUSH_DELIVERED:
        ctx->delivered++;
        break;
    case AIDF_PUSH_ALREADY:
        ctx->already++;
        break;
    case AIDF_PUSH_CONFLICT:
        ctx->conflicts++;
        break;
    case AIDF_PUSH_REJECTED:
        ctx->rejected++;
        break;
    default:
        ctx->failed++;
        break;
    }
    if (ctx->json) {
        json_t *o = json_object();
        json_object_set_new(o, "runId", json_string(raw_id));
        json_object_set_new(o, "outcome",
                            json_string(res->outcome == AIDF_PUSH_FAILED && res->queued
                                            ? "queued"
                                            : aidf_push_outcome_name(res->outcome)));
        json_object_set_new(o, "status", res->status ? json_integer(res->status) : json_null());
        json_object_set_new(o, "attempts", json_integer(res->attempts));
        json_object_set_new(o, "queued", json_boolean(res->queued));
        json_object_set_new(o, "error", res->message[0] ? json_string(res->message) : json_null());
        json_array_append_new(ctx->results, o);
        return;
    }
    char *id = term_esc(raw_id), *msg = term_esc(res->message);
    switch (res->outcome) {
    case AIDF_PUSH_DELIVERED:
        printf("delivered %.8s\n", id);
        break;
    case AIDF_PUSH_ALREADY:
        printf("already on server %.8s\n", id);
        break;
    case AIDF_PUSH_CONFLICT:
        printf("conflict %.8s: the server holds a different report under this id (%s); "
               "not retried, removed from the outbox\n",
               id, msg);
        break;
    case AIDF_PUSH_REJECTED:
        printf("rejected %.8s: %s%s\n", id, msg,
               res->queued ? " (kept in the outbox; fix it, then run 'aidf report push "
                             "--pending')"
                           : "");
        break;
    case AIDF_PUSH_FAILED:
        if (res->queued)
            printf("queued %.8s: %s (will retry with --pending)\n", id, msg);
        else
            printf("failed %.8s: %s\n", id, msg);
        break;
    case AIDF_PUSH_INVALID:
        printf("invalid %.8s: %s\n", id, msg);
        break;
    case AIDF_PUSH_SKIPPED:
        printf("queued %.8s: not tried, the server is unreachable (will retry with "
               "--pending)\n",
               id);
        break;
    }
    free(id);
    free(msg);
}

static size_t pending_count(const char *dir, const char *server)
{
    struct aidf_outbox_list l = {0};
    size_t n = 0;
    if (aidf_outbox_list(dir, server, &l, NULL) == AIDF_OK)
        n = l.n;
    aidf_outbox_list_release(&l);
    return n;
}

/* The corrupt entries set aside in .outbox/failed/ (aidf_outbox_list moves them there). */
static void print_corrupt(const char *dir)
{
    size_t n = 0;
    if (aidf_outbox_failed_count(dir, &n, NULL) != AIDF_OK || n == 0)
        return;
    char *failed = aidf_outbox_failed_dir(dir);
    char *vis = term_esc(failed); /* the project's path may hold anything */
    printf("%zu corrupt outbox entr%s set aside in %s/ (never delivered; see the outbox in "
           "docs/push.md)\n",
           n, n == 1 ? "y" : "ies", vis);
    free(vis);
    free(failed);
}

static int print_summary(struct push_ctx *ctx, const char *server, const char *dir)
{
    size_t pending = pending_count(dir, server);
    if (ctx->json) {
        size_t corrupt = 0;
        char *failed = aidf_outbox_failed_dir(dir);
        aidf_outbox_failed_count(dir, &corrupt, NULL);
        json_t *o = json_object();
        json_object_set_new(o, "server", json_string(server));
        json_object_set_new(o, "results", ctx->results);
        ctx->results = NULL;
        json_object_set_new(o, "delivered", json_integer((json_int_t)ctx->delivered));
        json_object_set_new(o, "already", json_integer((json_int_t)ctx->already));
        json_object_set_new(o, "conflicts", json_integer((json_int_t)ctx->conflicts));
        json_object_set_new(o, "rejected", json_integer((json_int_t)ctx->rejected));
        json_object_set_new(o, "failed", json_integer((json_int_t)ctx->failed));
        json_object_set_new(o, "pending", json_integer((json_int_t)pending));
        json_object_set_new(o, "corrupt", json_integer((json_int_t)corrupt));
        json_object_set_new(o, "corruptDir", json_string(failed));
        free(failed);
        return cli_print_json(o);
    }
    printf("%zu delivered, %zu already on server, %zu conflict%s, %zu rejected, %zu failed; "
           "%zu pending in the outbox for %s\n",
           ctx->delivered, ctx->already, ctx->conflicts, ctx->conflicts == 1 ? "" : "s",
           ctx->rejected, ctx->failed, pending, server);
    print_corrupt(dir);
    return 0;
}

int cmd_report_push(int argc, char **argv)
{
    struct cli_common co = {.cmd = "report push"};
    const char *server_opt = NULL, *token_env = NULL;
    bool all = false, pending = false;
    int64_t retries = -1, timeout = 0, base = -1;
    struct optp p;
    int id;

    optp_init(&p, &cli_spec_report_push, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        if (cli_common_opt(&co, id, p.arg) < 0)
            return CLI_EXIT_USAGE;
        switch (id) {
        case OPT_SERVER:
            server_opt = p.arg;
            break;
        case OPT_TOKEN_ENV:
            token_env = p.arg;
            break;
        case OPT_RETRIES:
            retries = p.num;
            break;
        case OPT_TIMEOUT:
            timeout = p.num;
            break;
        case OPT_RETRY_BASE:
            base = p.num;
            break;
        case OPT_ALL:
            all = true;
            break;
        case OPT_PENDING:
            pending = true;
            break;
        default:
            break;
        }
    }
    if (id == OPTP_STOP)
        return p.status;
    int n_ids = p.nargs;
    if (all + pending + (n_ids > 0) > 1)
        return cli_usage_error(co.cmd, "give run ids, --all or --pending, not several");
    if (!all && !pending && n_ids == 0)
        return cli_usage_error(co.cmd, "nothing to push: give run ids, --all or --pending");

    struct aidf_config cfg;
    load_project_config(&cfg, false);
    const char *server_src = server_opt ? server_opt : cfg.observability.server.url;
    if (!server_src || !*server_src) {
        aidf_config_release(&cfg);
        return cli_usage_error(co.cmd, "no report server: pass --server URL or set "
                                       "observability.server.url in .ai/config.yml");
    }
    char *server = aidf_outbox_normalize_server(server_src);
    if (!token_env)
        token_env = cfg.observability.server.token_env;
    struct aidf_push_opts o = {
        .server = server,
        .token = aidf_push_token_from_env(token_env),
        .retries = retries > 0 ? (int)retries : 0,
        .no_retries = retries == 0,
        .base_delay_ms = base == 0 ? 1 : (base > 0 ? base : 0),
        .timeout_ms = (long)timeout,
        .quiet = true,
    };

    int rc = CLI_EXIT_OK;
    char *dir = NULL;
    bool explicit_dir;
    struct aidf_store *store = NULL;
    struct push_ctx ctx = {.json = co.json, .results = json_array()};
    const struct aidf_run_summary **runs = NULL;
    size_t n_runs = 0;

    if (cli_reports_dir(co.reports_dir, &dir, &explicit_dir)) {
        rc = CLI_EXIT_FAIL;
        goto out;
    }

    if (pending) {
        struct aidf_push_summary sum;
        aidf_push_pending(dir, &o, on_result, &ctx, &sum);
        if (!co.json && ctx.total == 0) {
            char *vis = term_esc(server); /* may come from the project's config */
            printf("Nothing pending for %s.\n", vis);
            free(vis);
            print_corrupt(dir);
            goto out;
        }
    } else {
        if (cli_open_store(dir, explicit_dir, &store)) {
            rc = CLI_EXIT_FAIL;
            goto out;
        }
        if (all) {
            n_runs = store ? aidf_store_list(store, NULL, &runs) : 0;
        } else {
            runs = aidf_xcalloc((size_t)n_ids, sizeof(*runs));
            for (int i = 0; i < n_ids; i++) {
                const struct aidf_run_summary *r = resolve(store, p.args[i]);
                if (!r) {
                    rc = CLI_EXIT_FAIL;
                    goto out;
                }
                runs[n_runs++] = r;
            }
        }
        if (n_runs == 0 && !co.json) {
            printf("No reports to push.\n");
            goto out;
        }
        /* Oldest first, the order they were written. */
        for (size_t i = 0; i < n_runs; i++) {
            const struct aidf_run_summary *r = all ? runs[n_runs - 1 - i] : runs[i];
            struct aidf_push_result res;
            aidf_push_report_file(dir, r->file, &o, &res);
            on_result(&res, &ctx);
            fflush(stdout);
        }
    }
    if (print_summary(&ctx, server, dir))
        rc = CLI_EXIT_FAIL;
    if (ctx.delivered + ctx.already != ctx.total)
        rc = CLI_EXIT_FAIL;
out:
    json_decref(ctx.results);
    free(runs);
    aidf_store_free(store);
    free(dir);
    free(server);
    aidf_config_release(&cfg);
    return rc;
}

/* ---- aidf report webhook ------------------------------------------------------------ */

static const struct optp_arg webhook_args[] = {
    {"ID...", "run ids or unique prefixes to send", OPTP_STRING, NULL},
    {NULL, NULL, OPTP_STRING, NULL},
};

static const struct optp_opt webhook_opts[] = {
    {.name = "retry-base",
     .kind = OPTP_INT,
     .id = OPT_RETRY_BASE,
     .value_name = "MS",
     .help = "wait before the first retry, doubled each time (default 1000)",
     .min = 0,
     .max = 60000},
    {.name = "json",
     .id = OPT_JSON,
     .help = "print {\"results\":[{\"runId\",\"event\",\"outcome\",...}]}"},
    CLI_COMMON_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_report_webhook = {
    .name = "report webhook",
    .synopsis = "ID... [options]",
    .summary = "send reports to the configured metrics webhook",
    .description =
        "Send the given runs to the metrics webhook configured in .ai/config.yml\n"
        "(observability.webhook) exactly as a run would: events filter, include_iterations,\n"
        "configured headers, timeout, retries and the Standard Webhooks signature when a\n"
        "secret is set. Use it to test an endpoint.",
    .args = webhook_args,
    .opts = webhook_opts,
    .epilog =
        "Runs whose status is not in observability.webhook.events are skipped (not an error).\n"
        "Exit status: 1 when the webhook is not configured or enabled, or a delivery failed.",
};

int cmd_report_webhook(int argc, char **argv)
{
    struct cli_common co = {.cmd = "report webhook"};
    int64_t base = -1;
    struct optp p;
    int id;

    optp_init(&p, &cli_spec_report_webhook, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        if (cli_common_opt(&co, id, p.arg) < 0)
            return CLI_EXIT_USAGE;
        if (id == OPT_RETRY_BASE)
            base = p.num;
    }
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs == 0)
        return cli_usage_error(co.cmd, "missing run id");

    struct aidf_config cfg;
    if (load_project_config(&cfg, true)) {
        aidf_config_release(&cfg);
        return CLI_EXIT_FAIL;
    }
    int rc = CLI_EXIT_OK;
    char *dir = NULL;
    bool explicit_dir;
    struct aidf_store *store = NULL;
    json_t *results = json_array();

    if (!cfg.observability.webhook.enabled || !cfg.observability.webhook.url ||
        !*cfg.observability.webhook.url) {
        rc = cli_fail("the metrics webhook is not enabled (observability.webhook in %s)",
                      cfg.path ? cfg.path : ".ai/config.yml");
        goto out;
    }
    if (cli_reports_dir(co.reports_dir, &dir, &explicit_dir) ||
        cli_open_store(dir, explicit_dir, &store)) {
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    struct aidf_webhook_opts o = {
        .base_delay_ms = base == 0 ? 1 : (base > 0 ? base : 0),
        .quiet = true,
    };
    for (int i = 0; i < p.nargs; i++) {
        const struct aidf_run_summary *run = resolve(store, p.args[i]);
        struct aidf_report r;
        struct aidf_error err = {0};
        if (!run) {
            rc = CLI_EXIT_FAIL;
            continue;
        }
        aidf_report_init(&r);
        if (aidf_store_read(store, run->run_id, &r, NULL, &err) != AIDF_OK) {
            rc = cli_fail("%s", err.msg);
            aidf_report_release(&r);
            continue;
        }
        struct aidf_webhook_result res;
        int wrc = aidf_webhook_send(&cfg, &r, &o, &res);
        const char *event = aidf_status_name(r.status);
        const char *outcome = res.sent ? "sent" : res.skipped ? "skipped" : "failed";
        if (wrc != AIDF_OK)
            rc = CLI_EXIT_FAIL;
        if (co.json) {
            json_t *jo = json_object();
            json_object_set_new(jo, "runId", json_string(run->run_id));
            json_object_set_new(jo, "event", json_string(event));
            json_object_set_new(jo, "outcome", json_string(outcome));
            json_object_set_new(jo, "status", res.status ? json_integer(res.status) : json_null());
            json_object_set_new(jo, "attempts", json_integer(res.attempts));
            json_object_set_new(
                jo, "error", !res.sent && res.message[0] ? json_string(res.message) : json_null());
            json_array_append_new(results, jo);
        } else {
            char *rid = term_esc(run->run_id), *msg = term_esc(res.message);
            if (res.sent)
                printf("sent %.8s (%s): HTTP %ld after %d attempt%s\n", rid, event, res.status,
                       res.attempts, res.attempts == 1 ? "" : "s");
            else if (res.skipped)
                printf("skipped %.8s: %s\n", rid, msg);
            else
                printf("failed %.8s (%s): %s after %d attempt%s\n", rid, event, msg, res.attempts,
                       res.attempts == 1 ? "" : "s");
            free(rid);
            free(msg);
        }
        fflush(stdout);
        aidf_report_release(&r);
    }
    if (co.json) {
        json_t *jo = json_object();
        json_object_set_new(jo, "results", results);
        results = NULL;
        if (cli_print_json(jo))
            rc = CLI_EXIT_FAIL;
    }
out:
    json_decref(results);
    aidf_store_free(store);
    free(dir);
    aidf_config_release(&cfg);
    return rc;
}
