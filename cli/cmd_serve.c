/*
 * `aidf serve`: the HTTP report server (docs/serve.md). Parses the options and hands
 * over to aidf_server_run() in server/.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/xalloc.h"

#include "../server/server.h"

static const char serve_help[] =
    "usage: aidf serve [--listen HOST:PORT | --port PORT] [--reports-dir DIR] [options]\n"
    "\n"
    "Serve a reports directory over HTTP: GET /runs, /runs/{id}, /summary, /export.csv,\n"
    "/healthz and POST /runs. Stops cleanly on SIGINT or SIGTERM.\n"
    "\n"
    "Options:\n"
    "  --listen HOST:PORT       address to bind, IPv4 or [IPv6] (default 127.0.0.1:7070;\n"
    "                           port 0 picks a free port)\n"
    "  --port PORT              port on the default host (default 7070)\n"
    "  --reports-dir DIR        reports directory (default: <project>/.ai/reports; created\n"
    "                           when missing)\n"
    "  --port-file FILE         write the bound port to FILE once listening\n"
    "  --token-env NAME         environment variable holding the bearer token\n"
    "                           (default AIDF_SERVER_TOKEN; empty or unset: no token)\n"
    "  --auth-reads             require the token for GET requests too (not /healthz)\n"
    "  --allow-insecure-remote  allow a non-loopback address without a token\n"
    "  --max-body BYTES         largest accepted POST body (default 16777216)\n"
    "  --max-connections N      concurrent connections (default 256)\n"
    "  --max-per-ip N           concurrent connections per client address (default 64,\n"
    "                           0 = unlimited)\n"
    "  --idle-timeout SECONDS   close connections idle this long (default 30, 0 = never)\n"
    "  --threads N              worker threads (default 4)\n"
    "  --log-level LEVEL        error, warn, info (access log, default) or debug\n"
    "  -h, --help               show this help\n";

enum {
    S_LISTEN = 512,
    S_PORT,
    S_REPORTS_DIR,
    S_PORT_FILE,
    S_TOKEN_ENV,
    S_AUTH_READS,
    S_INSECURE,
    S_MAX_BODY,
    S_MAX_CONN,
    S_MAX_PER_IP,
    S_IDLE,
    S_THREADS,
    S_LOG_LEVEL,
};

static const struct option serve_options[] = {
    {"help", no_argument, NULL, OPT_HELP},
    {"listen", required_argument, NULL, S_LISTEN},
    {"port", required_argument, NULL, S_PORT},
    {"reports-dir", required_argument, NULL, S_REPORTS_DIR},
    {"port-file", required_argument, NULL, S_PORT_FILE},
    {"token-env", required_argument, NULL, S_TOKEN_ENV},
    {"auth-reads", no_argument, NULL, S_AUTH_READS},
    {"allow-insecure-remote", no_argument, NULL, S_INSECURE},
    {"max-body", required_argument, NULL, S_MAX_BODY},
    {"max-connections", required_argument, NULL, S_MAX_CONN},
    {"max-per-ip", required_argument, NULL, S_MAX_PER_IP},
    {"idle-timeout", required_argument, NULL, S_IDLE},
    {"threads", required_argument, NULL, S_THREADS},
    {"log-level", required_argument, NULL, S_LOG_LEVEL},
    {NULL, 0, NULL, 0},
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
    int c, rc;

    aidf_server_opts_init(&o);
    optind = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", serve_options, NULL)) != -1) {
        switch (c) {
        case OPT_HELP:
            fputs(serve_help, stdout);
            return CLI_EXIT_OK;
        case S_LISTEN:
            listen = optarg;
            break;
        case S_PORT:
            port = optarg;
            break;
        case S_REPORTS_DIR:
            if (!*optarg)
                return cli_usage_error(CMD, "--reports-dir needs a directory");
            reports_dir = optarg;
            break;
        case S_PORT_FILE:
            if (!*optarg)
                return cli_usage_error(CMD, "--port-file needs a file name");
            o.port_file = optarg;
            break;
        case S_TOKEN_ENV:
            if (!*optarg)
                return cli_usage_error(CMD, "--token-env needs a variable name");
            token_env = optarg;
            break;
        case S_AUTH_READS:
            o.auth_reads = true;
            break;
        case S_INSECURE:
            o.allow_insecure_remote = true;
            break;
        case S_MAX_BODY:
            if (parse_range(optarg, 1, AIDF_REPORT_MAX_BYTES, &v))
                return cli_usage_error(CMD, "invalid --max-body '%s' (expected 1..%u bytes)",
                                       optarg, (unsigned)AIDF_REPORT_MAX_BYTES);
            o.max_body = (size_t)v;
            break;
        case S_MAX_CONN:
            if (parse_range(optarg, 1, 65536, &v))
                return cli_usage_error(CMD, "invalid --max-connections '%s' (expected 1..65536)",
                                       optarg);
            o.max_connections = (unsigned)v;
            break;
        case S_MAX_PER_IP:
            if (parse_range(optarg, 0, 65536, &v))
                return cli_usage_error(
                    CMD, "invalid --max-per-ip '%s' (expected 0..65536, 0 = unlimited)", optarg);
            o.max_per_ip = (unsigned)v;
            break;
        case S_IDLE:
            if (parse_range(optarg, 0, 86400, &v))
                return cli_usage_error(
                    CMD, "invalid --idle-timeout '%s' (expected 0..86400 seconds, 0 = never)",
                    optarg);
            o.idle_timeout = (unsigned)v;
            break;
        case S_THREADS:
            if (parse_range(optarg, 1, 64, &v))
                return cli_usage_error(CMD, "invalid --threads '%s' (expected 1..64)", optarg);
            o.threads = (unsigned)v;
            break;
        case S_LOG_LEVEL:
            log_level = aidf_log_parse_level(optarg);
            if (log_level < 0)
                return cli_usage_error(
                    CMD, "invalid --log-level '%s' (expected error, warn, info or debug)", optarg);
            break;
        default:
            return cli_bad_option(c, argc, argv, CMD);
        }
    }
    if (optind < argc)
        return cli_usage_error(CMD, "unexpected argument '%s'", argv[optind]);
    if (listen && port)
        return cli_usage_error(CMD, "--listen and --port cannot be combined");
    if (listen) {
        unsigned p;
        if (parse_listen(listen, &host, &p) != 0)
            return cli_usage_error(CMD, "invalid --listen '%s' (expected HOST:PORT or [IPv6]:PORT)",
                                   listen);
        o.host = host;
        o.port = p;
    }
    if (port) {
        if (parse_range(port, 0, 65535, &v))
            return cli_usage_error(CMD, "invalid --port '%s' (expected 0..65535)", port);
        o.port = (unsigned)v;
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

    rc = aidf_server_run(&o);
    if (token) {
        memset(token, 0, strlen(token));
        free(token);
    }
    free(dir);
    free(host);
    return rc;
}
