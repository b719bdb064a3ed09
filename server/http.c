/*
 * The daemon: set-up, the access handler (routing, auth, per-request state), the
 * completion callback (access log, the one place a request is freed), and the main
 * loop with its clean shutdown.
 *
 * Threading: MHD runs an internal thread pool (--threads) over epoll. Handlers never
 * block on the disk: GET handlers only read the in-memory index under a shared lock
 * (and open one file for /runs/{id}), and POST /runs suspends its connection while the
 * ingest pipeline (ingest.c: staging threads that fsync, one committer that batches
 * renames and directory fsyncs) makes the report durable, then resumes it. A thread per
 * connection would also allow blocking fsyncs in handlers, but costs a thread per
 * idle keep-alive client and rules out epoll; group commit needs the waiting requests
 * parked somewhere anyway, and a suspended connection is the cheapest place.
 *
 * MHD announces every connection (on_connection): the registry of conns.c, where a
 * watchdog thread enforces the header and body deadlines that MHD's idle timeout (which
 * restarts on every byte) cannot.
 */
#include "srv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/textutil.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

/* Staging threads of the ingest pipeline: enough for 16+ concurrent fsyncs. */
#define INGEST_WORKERS 16
/* Bounds MHD's per-connection memory, and so the size of the request headers. */
#define CONNECTION_MEMORY (32u * 1024)
/* Save the index at most this often while running (it is also saved on exit). */
#define SAVE_EVERY_MS 60000
/* Return freed heap memory to the system this often. */
#define TRIM_EVERY_MS 5000
/* How long a stop waits for in-flight requests. */
#define STOP_WAIT_MS 10000

void aidf_server_opts_init(struct aidf_server_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->host = AIDF_SERVER_DEFAULT_HOST;
    o->port = AIDF_SERVER_DEFAULT_PORT;
    o->max_body = AIDF_SERVER_DEFAULT_MAX_BODY;
    o->max_connections = 256;
    o->max_per_ip = 64;
    o->idle_timeout = 30;
    o->max_inflight = AIDF_SERVER_DEFAULT_INFLIGHT;
    o->header_timeout = AIDF_SERVER_DEFAULT_HEADER_S;
    o->body_timeout = AIDF_SERVER_DEFAULT_BODY_S;
    o->threads = 4;
}

/* ---- logging ------------------------------------------------------------------------ */

static void log_sink(int level, const char *line, void *ctx)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    char iso[AIDF_ISO_LEN];
    (void)ctx;
    if (level < 0 || level > 3)
        level = AIDF_LOG_ERROR;
    aidf_iso_format(aidf_wall_ms(), iso);
    /* A message may quote a report's or a client's text: one line, controls visible. */
    char *vis = aidf_visible_dup(line, 0);
    fprintf(stderr, "%s %s %s\n", iso, names[level], vis ? vis : "");
    free(vis);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    char buf[512];
    (void)cls;
    vsnprintf(buf, sizeof(buf), fmt, ap);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    aidf_log(AIDF_LOG_WARN, "mhd: %s", buf);
}

/* Printable ASCII only, %XX for the rest, cut to fit: log lines cannot be forged. */
static void sanitize(char *out, size_t outlen, const char *in)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; in && *in; in++) {
        unsigned char ch = (unsigned char)*in;
        if (o + 4 >= outlen) {
            if (outlen > 4) {
                memcpy(out + outlen - 4, "...", 3);
                o = outlen - 1;
            }
            break;
        }
        if (ch > 0x20 && ch < 0x7f && ch != '%') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o < outlen ? o : outlen - 1] = '\0';
}

/* ---- URL decoding ------------------------------------------------------------------- */

/*
 * MHD's default decoder turns "%00" into a NUL byte, which would silently cut a path
 * or parameter short ("/runs/abc%00../x" would look like "/runs/abc"). We decode every
 * other %XX and leave "%00" as it is, so it fails validation visibly.
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    char *w = s;
    const char *r = s;
    while (*r) {
        if (r[0] == '%' && aidf_hex_digit((unsigned char)r[1]) >= 0 &&
            aidf_hex_digit((unsigned char)r[2]) >= 0) {
            int v = aidf_hex_digit((unsigned char)r[1]) * 16 + aidf_hex_digit((unsigned char)r[2]);
            if (v != 0) {
                *w++ = (char)v;
                r += 3;
                continue;
            }
        }
        *w++ = *r++;
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* ---- requests ----------------------------------------------------------------------- */

/* The client's address as text into `out` ("-" when unknown). */
static void client_ip(struct MHD_Connection *c, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, outlen, "-");
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                      (socklen_t)outlen);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                      (socklen_t)outlen);
    }
}

static int64_t mono_ms(void)
{
    return aidf_mono_ns() / 1000000;
}

/* The registry entry of a connection (set when MHD announced it), or NULL. */
static struct aidf_srv_conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* A new request: `target` is the request target as sent (path and query, still
 * percent-encoded), kept for the access log with secrets redacted. */
static struct aidf_req *req_new(struct aidf_srv *srv, struct MHD_Connection *c, const char *target)
{
    struct aidf_req *req = aidf_xcalloc(1, sizeof(*req));
    req->srv = srv;
    req->id = atomic_fetch_add(&srv->next_req, 1) + 1;
    req->t0_ns = aidf_mono_ns();
    aidf_buf_init(&req->body, 0);
    aidf_srv_log_target(target, req->path, sizeof(req->path));
    client_ip(c, req->ip, sizeof(req->ip));
    req->conn = conn_of(c);
    atomic_fetch_add(&srv->active, 1);
    return req;
}

static enum MHD_Result first_call(struct MHD_Connection *c, struct aidf_req *req, const char *url,
                                  const char *method)
{
    struct aidf_srv *srv = req->srv;
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!aidf_server_host_header_ok(srv->loopback, host, srv->opts->public_hosts,
                                    srv->opts->n_public_hosts))
        return aidf_srv_send_error(c, req, MHD_HTTP_MISDIRECTED_REQUEST, "misdirected_request",
                                   "this server listens on a loopback address and answers "
                                   "only loopback host names (see --public-host)");
    req->route = aidf_srv_route_match(url, &req->run_id);
    if (req->route == AIDF_ROUTE_NONE)
        return aidf_srv_send_error(c, req, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint");
    /* OPTIONS (the CORS preflight) carries no token: it is answered without one, on the
     * final call like a GET. */
    if (strcmp(method, "OPTIONS") == 0) {
        req->is_options = true;
        return MHD_YES;
    }
    bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    req->is_post = strcmp(method, "POST") == 0;
    if (!is_get && !(req->is_post && req->route == AIDF_ROUTE_RUNS))
        return aidf_srv_send_error(c, req, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "%s is not allowed here (allowed: %s)",
                                   strlen(method) <= 16 ? method : "this method",
                                   aidf_srv_route_allow(req->route));
    /* The dashboard's page and files and the contract are public: the page asks for the
     * token itself. */
    bool public_route = req->route == AIDF_ROUTE_HEALTHZ || req->route == AIDF_ROUTE_OPENAPI ||
                        req->route == AIDF_ROUTE_INDEX || req->route == AIDF_ROUTE_ASSET;
    bool needs_token = req->is_post || (srv->opts->auth_reads && !public_route);
    if (needs_token) {
        const char *auth =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (!aidf_srv_token_check(&srv->token, auth))
            return aidf_srv_send_error(c, req, MHD_HTTP_UNAUTHORIZED, "unauthorized",
                                       auth ? "invalid bearer token"
                                            : "a bearer token is required");
    }
    if (req->is_post)
        return aidf_srv_post_begin(c, req);
    /*
     * GETs answer on the next (final) call: a response queued before MHD has seen the
     * end of the request makes it close the connection, which would cost keep-alive.
     */
    return MHD_YES;
}

static enum MHD_Result dispatch_get(struct MHD_Connection *c, struct aidf_req *req)
{
    switch (req->route) {
    case AIDF_ROUTE_HEALTHZ:
        return aidf_srv_get_healthz(c, req);
    case AIDF_ROUTE_RUNS:
        return aidf_srv_get_runs(c, req);
    case AIDF_ROUTE_RUN:
        return aidf_srv_get_run(c, req);
    case AIDF_ROUTE_SUMMARY:
        return aidf_srv_get_summary(c, req);
    case AIDF_ROUTE_EXPORT:
        return aidf_srv_get_export(c, req);
    case AIDF_ROUTE_STATS:
        return aidf_srv_get_stats(c, req);
    case AIDF_ROUTE_OPENAPI:
        return aidf_srv_get_openapi(c, req);
    case AIDF_ROUTE_INDEX:
        return aidf_srv_get_index(c, req);
    case AIDF_ROUTE_ASSET:
        return aidf_srv_get_asset(c, req);
    default:
        return aidf_srv_send_error(c, req, MHD_HTTP_NOT_FOUND, "not_found", "no such endpoint");
    }
}

/*
 * The deadline of the request body, from the end of the headers: 0 (none) without a
 * body, else --body-timeout plus the time of its size at AIDF_SRV_BODY_RATE, the size
 * being its Content-Length or, for a chunked body, --max-body; never more than --max-body
 * (a larger body is refused or dropped, not stored).
 */
static int64_t body_deadline(struct aidf_srv *srv, struct MHD_Connection *c)
{
    const char *cl =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    uint64_t size = srv->opts->max_body;
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        if (errno == 0 && v < size)
            size = v;
        if (v == 0 && !te)
            return 0;
    } else if (!te) {
        return 0;
    }
    return aidf_srv_body_deadline(mono_ms(), srv->opts->body_timeout, size);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    struct aidf_srv *srv = cls;
    struct aidf_req *req = *req_cls;
    (void)version;
    if (!req) {
        /* on_uri made it; this is in case MHD ever calls without. */
        req = req_new(srv, c, url);
        *req_cls = req;
    }
    if (!req->begun) {
        req->begun = true;
        req->method = method;
        /* The headers are complete; a body (of any method) now has its own deadline. */
        aidf_srv_conn_set_deadline(&srv->conns, req->conn, AIDF_SRV_PHASE_BODY,
                                   body_deadline(srv, c));
        return first_call(c, req, url, method);
    }
    if (*upload_data_size != 0) {
        if (req->is_post)
            aidf_srv_post_upload(req, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* The whole request is in: no deadline while it is answered. */
    aidf_srv_conn_set_deadline(&srv->conns, req->conn, AIDF_SRV_PHASE_HEADERS, 0);
    if (req->status != 0)
        return MHD_YES;
    if (req->is_post)
        return aidf_srv_post_final(c, req);
    if (req->is_options)
        return aidf_srv_options(c, req);
    return dispatch_get(c, req);
}

/* MHD's first look at a request: its target as sent, query included. The request is made
 * here so the access log can show the query (MHD hands the access handler the path only). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    return req_new(cls, c, uri);
}

static const char *toe_name(enum MHD_RequestTerminationCode toe)
{
    switch (toe) {
    case MHD_REQUEST_TERMINATED_COMPLETED_OK:
        return "ok";
    case MHD_REQUEST_TERMINATED_WITH_ERROR:
        return "error";
    case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
        return "timeout";
    case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
        return "shutdown";
    case MHD_REQUEST_TERMINATED_READ_ERROR:
        return "read_error";
    case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
        return "client_abort";
    default:
        return "other";
    }
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct aidf_srv *srv = cls;
    struct aidf_req *req = *req_cls;
    (void)c;
    if (!req)
        return;
    double ms = (double)(aidf_mono_ns() - req->t0_ns) / 1e6;
    char method[20];
    sanitize(method, sizeof(method), req->method ? req->method : "-");
    int level = req->status >= 500 ? AIDF_LOG_ERROR : AIDF_LOG_INFO;
    /* The busy answer is the server protecting itself, not a failure of it. */
    if (req->status == MHD_HTTP_SERVICE_UNAVAILABLE)
        level = AIDF_LOG_WARN;
    const char *end = toe_name(toe);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && aidf_srv_conn_was_cut(&srv->conns, req->conn))
        end = "deadline";
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        aidf_log(level, "req=%llu ip=%s method=%s path=%s status=%u bytes=%llu ms=%.2f",
                 (unsigned long long)req->id, req->ip, method, req->path, req->status,
                 (unsigned long long)req->bytes, ms);
    else
        aidf_log(level, "req=%llu ip=%s method=%s path=%s status=%u bytes=%llu ms=%.2f end=%s",
                 (unsigned long long)req->id, req->ip, method, req->path, req->status,
                 (unsigned long long)req->bytes, ms, end);
    aidf_buf_release(&req->body);
    aidf_ingest_job_free(req->job);
    aidf_srv_budget_give(&srv->inflight, req->reserved);
    /* A kept-alive connection now waits for the next request's headers. */
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        aidf_srv_conn_set_deadline(&srv->conns, req->conn, AIDF_SRV_PHASE_HEADERS,
                                   aidf_srv_header_deadline(mono_ms(), srv->opts->header_timeout,
                                                            srv->opts->idle_timeout, false));
    free(req);
    *req_cls = NULL;
    atomic_fetch_sub(&srv->active, 1);
}

/* MHD announces each connection (STARTED) and its end (CLOSED, before the socket is
 * closed): the registry the deadline watchdog works on (conns.c). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct aidf_srv *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fi =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!fi)
            return;
        char ip[64];
        client_ip(c, ip, sizeof(ip));
        *socket_context =
            aidf_srv_conn_add(&srv->conns, fi->connect_fd, ip,
                              aidf_srv_header_deadline(mono_ms(), srv->opts->header_timeout,
                                                       srv->opts->idle_timeout, true));
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        aidf_srv_conn_remove(&srv->conns, *socket_context);
        *socket_context = NULL;
    }
}

/* From an ingest thread: the job has its answer; let MHD call the handler again. */
static void on_job_done(struct aidf_ingest_job *job, void *ctx)
{
    (void)ctx;
    MHD_resume_connection(job->conn);
}

/* ---- addresses ---------------------------------------------------------------------- */

static int parse_host(const char *host, unsigned port, struct sockaddr_storage *ss, bool *v6)
{
    memset(ss, 0, sizeof(*ss));
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *v6 = false;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *v6 = true;
        return 0;
    }
    return -1;
}

bool aidf_server_host_is_loopback(const char *host)
{
    struct sockaddr_storage ss;
    bool v6;
    if (!host || parse_host(host, 0, &ss, &v6) != 0)
        return false;
    if (!v6) {
        const struct sockaddr_in *in4 = (const struct sockaddr_in *)&ss;
        return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
    }
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
        return true;
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
}

bool aidf_server_host_header_ok(bool loopback_listener, const char *host_header,
                                const char *const *public_hosts, size_t n_public_hosts)
{
    if (!host_header || !loopback_listener)
        return true;
    /* The name without the port: "[v6]:port", "[v6]", "name:port" or "name". */
    char name[256];
    const char *b = host_header, *e;
    if (*b == '[') {
        b++;
        e = strchr(b, ']');
        if (!e || (e[1] != '\0' && e[1] != ':'))
            return false;
    } else {
        e = strchr(b, ':');
        if (!e)
            e = b + strlen(b);
        else if (strchr(e + 1, ':'))
            return false;
    }
    size_t n = (size_t)(e - b);
    if (n == 0 || n >= sizeof(name))
        return false;
    memcpy(name, b, n);
    name[n] = '\0';
    if (n > 1 && name[n - 1] == '.') /* "localhost." is "localhost" */
        name[--n] = '\0';
    if (strcasecmp(name, "localhost") == 0)
        return true;
    for (size_t i = 0; i < n_public_hosts; i++)
        if (strcasecmp(name, public_hosts[i]) == 0)
            return true;
    /* Otherwise only a loopback address literal ("localhost" was the one name). */
    return strspn(name, "0123456789.:abcdefABCDEF") == n && aidf_server_host_is_loopback(name);
}

/* ---- run ---------------------------------------------------------------------------- */

/* This process's part of computed ETags: a restarted server (whose store generations
 * start again) never answers 304 to a tag of an earlier one. */
static void make_nonce(char out[AIDF_SRV_ETAG_HEX + 1])
{
    unsigned char seed[32];
    int64_t t[2] = {aidf_wall_ms(), aidf_mono_ns()};
    pid_t pid = getpid();
    memset(seed, 0, sizeof(seed));
    memcpy(seed, t, sizeof(t));
    memcpy(seed + sizeof(t), &pid, sizeof(pid));
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(seed + 24, 1, 8, f) != 8)
            seed[31] ^= 1;
        fclose(f);
    }
    aidf_srv_etag_of(seed, sizeof(seed), out);
}

static void wait_idle(struct aidf_srv *srv, int64_t max_ms)
{
    int64_t end = aidf_mono_ns() + max_ms * 1000000;
    while (atomic_load(&srv->active) > 0 && aidf_mono_ns() < end) {
        struct timespec ts = {0, 10 * 1000000};
        nanosleep(&ts, NULL);
    }
}

static int write_port_file(const char *path, unsigned port)
{
    char text[16];
    int n = snprintf(text, sizeof(text), "%u\n", port);
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_write_file_atomic(path, text, (size_t)n, 0, &err) != AIDF_OK) {
        fprintf(stderr, "aidf: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static struct MHD_Daemon *start_daemon(struct aidf_srv *srv, struct sockaddr_storage *ss, bool v6)
{
    const struct aidf_server_opts *o = srv->opts;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC;
    if (v6)
        flags |= MHD_USE_IPv6;
    /* The external logger must come first so every later message goes through it. */
    return MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        mhd_logger, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)o->threads, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)o->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)o->max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)o->idle_timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_END);
}

int aidf_server_run(const struct aidf_server_opts *o)
{
    struct sockaddr_storage ss;
    bool v6 = false;
    int rc = 0;
    struct aidf_srv srv;
    struct aidf_store *store = NULL;
    struct aidf_error err;
    sigset_t stop_set, old_set;
    bool conns_ready = false;

    memset(&srv, 0, sizeof(srv));
    aidf_error_clear(&err);
    if (parse_host(o->host, o->port, &ss, &v6) != 0) {
        fprintf(stderr, "aidf: invalid listen address '%s' (expected an IPv4 or IPv6 address)\n",
                o->host);
        return 2;
    }
    bool have_token = o->token && *o->token;
    if (!aidf_server_host_is_loopback(o->host) && !have_token && !o->allow_insecure_remote) {
        fprintf(stderr,
                "aidf: refusing to listen on non-loopback address '%s' without a token: set the "
                "token environment variable (see --token-env) or pass --allow-insecure-remote\n",
                o->host);
        return 2;
    }

    /*
     * SIGINT/SIGTERM are blocked in every thread (MHD's and ours inherit the mask) and
     * taken synchronously by sigtimedwait() in this thread below.
     */
    sigemptyset(&stop_set);
    sigaddset(&stop_set, SIGINT);
    sigaddset(&stop_set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_set, &old_set);
    signal(SIGPIPE, SIG_IGN);
    /*
     * Memory: few malloc arenas for our ~25 threads, and a fixed mmap threshold so big
     * transient buffers (a CSV export, a large POST) go back to the system when freed
     * instead of raising glibc's dynamic threshold and staying in the heap.
     */
    mallopt(M_ARENA_MAX, 4);
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
    aidf_log_set_sink(log_sink, NULL);
    json_object_seed(0);

    aidf_store_set_progress(o->index_progress, o->index_progress_ctx);
    int src = aidf_store_open(o->reports_dir, AIDF_STORE_CREATE, &store, &err);
    aidf_store_set_progress(NULL, NULL);
    /* Indexing many new files leaves freed parse buffers in the heap: give them back. */
    malloc_trim(0);
    if (src != AIDF_OK) {
        fprintf(stderr, "aidf: %s\n", err.msg[0] ? err.msg : aidf_strerror(src));
        rc = 1;
        goto out;
    }

    srv.opts = o;
    srv.loopback = aidf_server_host_is_loopback(o->host);
    for (size_t i = 0; i < o->n_cors_origins; i++)
        if (strcmp(o->cors_origins[i], "*") != 0)
            srv.cors_vary = true;
    make_nonce(srv.nonce);
    aidf_srv_token_init(&srv.token, o->token);
    aidf_srv_state_init(&srv.state, store);
    aidf_srv_budget_init(&srv.inflight, o->max_inflight);
    aidf_srv_conns_init(&srv.conns);
    conns_ready = true;
    aidf_srv_conns_start(&srv.conns);
    srv.ingest = aidf_ingest_new(&srv.state, INGEST_WORKERS, on_job_done, &srv);
    srv.daemon = start_daemon(&srv, &ss, v6);
    if (!srv.daemon) {
        fprintf(stderr, "aidf: cannot listen on %s%s%s:%u\n", v6 ? "[" : "", o->host, v6 ? "]" : "",
                o->port);
        rc = 1;
        goto out;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv.daemon, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : o->port;
    if (o->port_file && write_port_file(o->port_file, port) != 0) {
        rc = 1;
        goto out;
    }
    aidf_srv_read_lock(&srv.state);
    size_t nruns = aidf_store_count(srv.state.store);
    aidf_srv_read_unlock(&srv.state);
    fprintf(stderr, "aidf: listening on http://%s%s%s:%u (%zu runs in %s)\n", v6 ? "[" : "",
            o->host, v6 ? "]" : "", port, nruns, o->reports_dir);
    fflush(stderr);
    /*
     * Sum every run now, once the port is open: a dashboard's first page asks for the
     * summary of all runs, which POSTs then keep up to date run by run. A request that comes
     * meanwhile waits on the accumulator, as it would have built it itself.
     */
    aidf_srv_read_lock(&srv.state);
    struct aidf_aggregate all;
    aidf_srv_summary_all(&srv.state, &all);
    aidf_aggregate_release(&all);
    aidf_srv_read_unlock(&srv.state);

    int64_t last_save = aidf_mono_ns() / 1000000, last_trim = last_save;
    for (;;) {
        struct timespec tick = {1, 0};
        int sig = sigtimedwait(&stop_set, NULL, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
            aidf_info("stopping (signal %d)", sig);
            break;
        }
        int64_t now = aidf_mono_ns() / 1000000;
        if (now - last_trim >= TRIM_EVERY_MS) {
            /* Request buffers freed in the worker threads' arenas go back to the system. */
            last_trim = now;
            malloc_trim(0);
        }
        if (now - last_save >= SAVE_EVERY_MS) {
            last_save = now;
            if (aidf_srv_state_save(&srv.state, &err) != AIDF_OK)
                aidf_log(AIDF_LOG_ERROR, "cannot save the report index: %s", err.msg);
        }
    }

out:
    if (srv.daemon) {
        /* No new connections; in-flight requests (suspended POSTs included) finish. */
        atomic_store(&srv.stopping, true);
        MHD_socket lsock = MHD_quiesce_daemon(srv.daemon);
        wait_idle(&srv, STOP_WAIT_MS);
        aidf_ingest_drain(srv.ingest);
        wait_idle(&srv, 2000);
        MHD_stop_daemon(srv.daemon);
        if (lsock != MHD_INVALID_SOCKET)
            close(lsock);
    }
    aidf_ingest_free(srv.ingest);
    if (conns_ready)
        aidf_srv_conns_destroy(&srv.conns); /* after MHD: every connection is closed */
    if (store)
        aidf_srv_state_release(&srv.state); /* saves the index, frees the store */
    aidf_log_set_sink(NULL, NULL);
    pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    return rc;
}
