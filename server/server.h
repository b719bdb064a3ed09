/*
 * `aidf serve`: the HTTP report server (docs/serve.md is the contract).
 *
 * The front end (cli/cmd_serve.c) parses the options into struct aidf_server_opts and
 * calls aidf_server_run(), which serves until SIGINT or SIGTERM.
 *
 * Ownership: the options and every string in them are borrowed for the duration of
 * aidf_server_run().
 */
#ifndef AIDF_SERVER_H
#define AIDF_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "aidf/store.h"

#define AIDF_SERVER_DEFAULT_HOST     "127.0.0.1"
#define AIDF_SERVER_DEFAULT_PORT     7070
#define AIDF_SERVER_DEFAULT_MAX_BODY (16u * 1024 * 1024)
#define AIDF_SERVER_DEFAULT_TOKEN    "AIDF_SERVER_TOKEN"
#define AIDF_SERVER_DEFAULT_INFLIGHT (64u * 1024 * 1024)
#define AIDF_SERVER_DEFAULT_HEADER_S 10
#define AIDF_SERVER_DEFAULT_BODY_S   10

/** Everything `aidf serve` can be told. Initialise with aidf_server_opts_init(). */
struct aidf_server_opts {
    const char *host;        /* IPv4 or IPv6 literal (no brackets), or "localhost" */
    unsigned port;           /* 0: any free port */
    const char *reports_dir; /* created when missing */
    const char *port_file;   /* NULL: none; gets the bound port once listening */
    const char *token;       /* NULL or "": no token (reads it from the environment: cli) */
    bool auth_reads;         /* the token guards GET too (not /healthz) */
    bool allow_insecure_remote;
    /* Host names (besides the loopback ones) that requests may name in their Host header
     * when the server listens on a loopback address; borrowed. A loopback server refuses
     * other names with 421, so a web page cannot reach it through a DNS-rebinding name. */
    const char *const *public_hosts;
    size_t n_public_hosts;
    /* Origins (--cors-origin: "http[s]://host[:port]", or "*" for GET and HEAD only) whose
     * pages may read the answers: Access-Control-Allow-Origin and the OPTIONS preflight;
     * borrowed. None: no CORS headers at all. */
    const char *const *cors_origins;
    size_t n_cors_origins;
    size_t max_body; /* bytes */
    /* Request-body bytes held in memory across all connections (>= max_body); a POST that
     * would go beyond gets 503 server_busy with Retry-After. */
    size_t max_inflight;
    unsigned max_connections; /* >= threads */
    unsigned max_per_ip;      /* 0: unlimited */
    unsigned idle_timeout;    /* seconds; 0: none */
    /* Deadlines (seconds; 0: none): the request headers must be complete within
     * header_timeout of the connection's start (or of the previous response on a
     * kept-alive connection, at least idle_timeout then); a body within body_timeout
     * plus its size at 64 KiB/s. */
    unsigned header_timeout;
    unsigned body_timeout;
    unsigned threads; /* MHD worker threads, >= 1 */
    /* Progress of the index rebuild at start-up (NULL: none shown); the front end
     * prints it. */
    aidf_store_progress_fn index_progress;
    void *index_progress_ctx;
};

/**
 * True when `o` is what --cors-origin takes: "*", or an origin as browsers send it,
 * "http://" or "https://" then a host and an optional port, no path (no trailing '/').
 */
bool aidf_server_cors_origin_valid(const char *o);

/** Fill `o` with the defaults of docs/serve.md (reports_dir NULL). */
void aidf_server_opts_init(struct aidf_server_opts *o);

/**
 * True when `host` is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x, "localhost").
 * Unparsable hosts are not loopback.
 */
bool aidf_server_host_is_loopback(const char *host);

/**
 * Whether a request's Host header value (`host_header`, NULL when absent) may reach the
 * server. Always true unless `loopback_listener` (the server listens on a loopback
 * address), and for a request without a Host header (HTTP/1.0). Otherwise the name without
 * its port must be "localhost", a loopback address literal (127.0.0.0/8, [::1]) or one of
 * `public_hosts` (ASCII case-insensitive).
 */
bool aidf_server_host_header_ok(bool loopback_listener, const char *host_header,
                                const char *const *public_hosts, size_t n_public_hosts);

/**
 * Run the server until SIGINT/SIGTERM: open the store, listen, print
 * "aidf: listening on http://HOST:PORT (N runs in DIR)" on stderr, serve, then stop
 * cleanly (no new connections, in-flight requests finish, the index is saved).
 * Returns 0 after a clean stop, 1 when it cannot start (store, bind), 2 when the
 * options are refused (a non-loopback address without a token, a bad host).
 * Messages go to stderr.
 */
int aidf_server_run(const struct aidf_server_opts *o);

#endif
