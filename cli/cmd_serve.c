/*
 * `aidf serve`: the HTTP report server (docs/serve.md). Parses the options and hands
 * over to aidf_server_run() in server/.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/xalloc.h"
#include "term.h"

#include "../server/server.h"

enum {
    S_LISTEN = 512,
    S_PORT,
    S_PORT_FILE,
    S_TOKEN_ENV,
    S_AUTH_READS,
    S_INSECURE,
    S_PUBLIC_HOST,
    S_CORS_ORIGIN,
    S_MAX_BODY,
    S_MAX_CONN,
    S_MAX_PER_IP,
    S_IDLE,
    S_INFLIGHT,
    S_HEADER_TIMEOUT,
    S_BODY_TIMEOUT,
    S_THREADS,
    S_LOG_LEVEL,
};

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};

/* The --max-body error names the limit in words. */
_Static_assert(AIDF_REPORT_MAX_BYTES == 16777216, "update the --max-body texts");

static const struct optp_opt serve_opts[] = {
    {.name = "listen",
     .kind = OPTP_STRING,
     .id = S_LISTEN,
     .value_name = "HOST:PORT",
     .help = "address to bind, IPv4 or [IPv6] (default 127.0.0.1:7070;\n"
             "port 0 picks a free port)"},
    {.name = "port",
     .kind = OPTP_STRING,
     .id = S_PORT,
     .value_name = "PORT",
     .help = "port on the default host (default 7070)"},
    {.name = "reports-dir",
     .kind = OPTP_DIR,
     .id = OPT_REPORTS_DIR,
     .value_name = "DIR",
     .help = "reports directory (default: <project>/.ai/reports; created\nwhen missing)"},
    {.name = "port-file",
     .kind = OPTP_FILE,
     .id = S_PORT_FILE,
     .value_name = "FILE",
     .help = "write the bound port to FILE once listening"},
    {.name = "token-env",
     .kind = OPTP_STRING,
     .id = S_TOKEN_ENV,
     .value_name = "NAME",
     .help = "environment variable holding the bearer token\n"
             "(default AIDF_SERVER_TOKEN; empty or unset: no token)"},
    {.name = "auth-reads",
     .id = S_AUTH_READS,
     .help = "require the token for GET requests too (not /healthz, nor the\n"
             "dashboard's page and files)"},
    {.name = "allow-insecure-remote",
     .id = S_INSECURE,
     .help = "allow a non-loopback address without a token"},
    {.name = "public-host",
     .kind = OPTP_STRING,
     .id = S_PUBLIC_HOST,
     .value_name = "NAME",
     .help = "a host name clients may use on a loopback address (repeatable; other\n"
             "names than localhost and loopback addresses get 421)"},
    {.name = "cors-origin",
     .kind = OPTP_STRING,
     .id = S_CORS_ORIGIN,
     .value_name = "ORIGIN",
     .help = "let web pages from ORIGIN (http[s]://host[:port]) read the answers:\n"
             "CORS headers and preflights (repeatable; '*' for any origin, GET and\n"
             "HEAD only; default: none)"},
    {.name = "max-body",
     .kind = OPTP_INT,
     .id = S_MAX_BODY,
     .value_name = "BYTES",
     .help = "largest accepted POST body (default 16777216)",
     .min = 1,
     .max = AIDF_REPORT_MAX_BYTES,
     .expect = "1..16777216 bytes"},
    {.name = "max-connections",
     .kind = OPTP_INT,
     .id = S_MAX_CONN,
     .value_name = "N",
     .help = "concurrent connections (default 256)",
     .min = 1,
     .max = 65536},
    {.name = "max-per-ip",
     .kind = OPTP_INT,
     .id = S_MAX_PER_IP,
     .value_name = "N",
     .help = "concurrent connections per client address (default 64,\n0 = unlimited)",
     .min = 0,
     .max = 65536,
     .expect = "0..65536, 0 = unlimited"},
    {.name = "idle-timeout",
     .kind = OPTP_INT,
     .id = S_IDLE,
     .value_name = "SECONDS",
     .help = "close connections idle this long (default 30, 0 = never)",
     .min = 0,
     .max = 86400,
     .expect = "0..86400 seconds, 0 = never"},
    {.name = "max-inflight-bytes",
     .kind = OPTP_INT,
     .id = S_INFLIGHT,
     .value_name = "BYTES",
     .help = "request-body bytes held in memory across all connections;\n"
             "beyond it a POST gets 503 with Retry-After (default 67108864,\n"
             "at least --max-body)",
     .min = 1,
     .max = (int64_t)1 << 40,
     .expect = "1..2^40 bytes"},
    {.name = "header-timeout",
     .kind = OPTP_INT,
     .id = S_HEADER_TIMEOUT,
     .value_name = "SECONDS",
     .help = "close a connection whose request headers are not complete this\n"
             "long after it opened (default 10, 0 = never)",
     .min = 0,
     .max = 86400,
     .expect = "0..86400 seconds, 0 = never"},
    {.name = "body-timeout",
     .kind = OPTP_INT,
     .id = S_BODY_TIMEOUT,
     .value_name = "SECONDS",
     .help = "close a connection whose request body has not arrived this long,\n"
             "plus 1 s per 64 KiB of its size, after its headers (default 10,\n"
             "0 = never)",
     .min = 0,
     .max = 86400,
     .expect = "0..86400 seconds, 0 = never"},
    {.name = "threads",
     .kind = OPTP_INT,
     .id = S_THREADS,
     .value_name = "N",
     .help = "worker threads (default 4)",
     .min = 1,
     .max = 64},
    {.name = "log-level",
     .kind = OPTP_CHOICE,
     .id = S_LOG_LEVEL,
     .value_name = "LEVEL",
     .choices = log_levels,
     .help = "error, warn, info (access log, default) or debug"},
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_serve = {
    .name = "serve",
    .synopsis = "[--listen HOST:PORT | --port PORT] [--reports-dir DIR] [options]",
    .summary = "serve the reports over HTTP (REST API for CI and dashboards)",
    .description =
        "Serve a reports directory over HTTP: the web dashboard at /, GET /runs,\n"
        "/runs/{id}, /summary, /stats, /export.csv, /healthz and POST /runs. Stops cleanly\n"
        "on SIGINT or SIGTERM.",
    .opts = serve_opts,
};

#define CMD "serve"

/* A decimal in [lo, hi]; 0 or -1. */
static int parse_range(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t v;
    if (cli_parse_count(s, &v) != 0 || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/*
 * "HOST:PORT" or "[IPv6]:PORT" into a heap host (without brackets) and a port.
 * 0 or -1.
 */
static int parse_listen(const char *s, char **host, unsigned *port)
{
    const char *colon;
    const char *h = s;
    size_t hlen;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            return -1;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || strchr(s, ':') != colon)
            return -1;
        hlen = (size_t)(colon - s);
    }
    int64_t p;
    if (hlen == 0 || parse_range(colon + 1, 0, 65535, &p) != 0)
        return -1;
    *host = aidf_xstrndup(h, hlen);
    *port = (unsigned)p;
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    struct aidf_server_opts o;
    const char *listen = NULL, *port = NULL, *reports_dir = NULL;
    const char *token_env = AIDF_SERVER_DEFAULT_TOKEN;
    int log_level = AIDF_LOG_INFO;
    char *host = NULL, *dir = NULL, *token = NULL;
    int64_t v;
    int id, rc;
    struct optp p;
    const char *public_hosts[32];
    const char *cors_origins[32];

    aidf_server_opts_init(&o);
    o.public_hosts = public_hosts;
    o.cors_origins = cors_origins;
    optp_init(&p, &cli_spec_serve, argc, argv);
    while ((id = optp_next(&p)) > 0) {
        switch (id) {
        case S_LISTEN:
            listen = p.arg;
            break;
        case S_PORT:
            port = p.arg;
            break;
        case OPT_REPORTS_DIR:
            if (!*p.arg)
                return cli_usage_error(CMD, "--reports-dir needs a directory");
            reports_dir = p.arg;
            break;
        case S_PORT_FILE:
            if (!*p.arg)
                return cli_usage_error(CMD, "--port-file needs a file name");
            o.port_file = p.arg;
            break;
        case S_TOKEN_ENV:
            if (!*p.arg)
                return cli_usage_error(CMD, "--token-env needs a variable name");
            token_env = p.arg;
            break;
        case S_AUTH_READS:
            o.auth_reads = true;
            break;
        case S_INSECURE:
            o.allow_insecure_remote = true;
            break;
        case S_PUBLIC_HOST:
            if (!*p.arg || strlen(p.arg) > 253 || strpbrk(p.arg, ":/[] \t"))
                return cli_usage_error(CMD, "invalid --public-host '%s' (expected a host name)",
                                       p.arg);
            if (o.n_public_hosts >= sizeof(public_hosts) / sizeof(public_hosts[0]))
                return cli_usage_error(CMD, "at most 32 --public-host names");
            public_hosts[o.n_public_hosts++] = p.arg;
            break;
        case S_CORS_ORIGIN:
            if (!aidf_server_cors_origin_valid(p.arg))
                return cli_usage_error(CMD,
                                       "invalid --cors-origin '%s' (expected '*' or "
                                       "http[s]://host[:port], without a path)",
                                       p.arg);
            if (o.n_cors_origins >= sizeof(cors_origins) / sizeof(cors_origins[0]))
                return cli_usage_error(CMD, "at most 32 --cors-origin values");
            cors_origins[o.n_cors_origins++] = p.arg;
            break;
        case S_MAX_BODY:
            o.max_body = (size_t)p.num;
            break;
        case S_MAX_CONN:
            o.max_connections = (unsigned)p.num;
            break;
        case S_MAX_PER_IP:
            o.max_per_ip = (unsigned)p.num;
            break;
        case S_IDLE:
            o.idle_timeout = (unsigned)p.num;
            break;
        case S_INFLIGHT:
            o.max_inflight = (size_t)p.num;
            break;
        case S_HEADER_TIMEOUT:
            o.header_timeout = (unsigned)p.num;
            break;
        case S_BODY_TIMEOUT:
            o.body_timeout = (unsigned)p.num;
            break;
        case S_THREADS:
            o.threads = (unsigned)p.num;
            break;
        case S_LOG_LEVEL:
            log_level = aidf_log_parse_level(p.arg);
            if (log_level < 0)
                return cli_usage_error(
                    CMD, "invalid --log-level '%s' (expected error, warn, info or debug)", p.arg);
            break;
        default:
            break;
        }
    }
    if (id == OPTP_STOP)
        return p.status;
    if (p.nargs > 0)
        return cli_usage_error(CMD, "unexpected argument '%s'", p.args[0]);
    if (listen && port)
        return cli_usage_error(CMD, "--listen and --port cannot be combined");
    if (listen) {
        unsigned lport;
        if (parse_listen(listen, &host, &lport) != 0)
            return cli_usage_error(CMD, "invalid --listen '%s' (expected HOST:PORT or [IPv6]:PORT)",
                                   listen);
        o.host = host;
        o.port = lport;
    }
    if (port) {
        if (parse_range(port, 0, 65535, &v))
            return cli_usage_error(CMD, "invalid --port '%s' (expected 0..65535)", port);
        o.port = (unsigned)v;
    }
    if (o.max_inflight < o.max_body) {
        free(host);
        return cli_usage_error(CMD, "--max-inflight-bytes must be at least --max-body (%zu)",
                               o.max_body);
    }
    if (o.max_connections < o.threads) {
        free(host);
        return cli_usage_error(CMD, "--max-connections must be at least --threads (%u)", o.threads);
    }

    bool explicit_dir;
    if (cli_reports_dir(reports_dir, &dir, &explicit_dir)) {
        free(host);
        return CLI_EXIT_FAIL;
    }
    o.reports_dir = dir;
    /* Read once at start; never logged. */
    const char *env = getenv(token_env);
    token = env && *env ? aidf_xstrdup(env) : NULL;
    o.token = token;
    aidf_log_level = log_level;
    if (isatty(STDERR_FILENO))
        o.index_progress = term_index_progress;

    rc = aidf_server_run(&o);
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    free(dir);
    free(host);
    return rc;
}
