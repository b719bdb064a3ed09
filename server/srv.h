/*
 * Internal to the server: the shared state, the per-request struct, routing, query
 * parsing, responses and the ingest pipeline. Nothing here is used outside server/.
 *
 * Ownership: struct aidf_req is created on a request's first MHD callback and freed
 * only in the MHD_OPTION_NOTIFY_COMPLETED callback (http.c). Strings that come from MHD
 * (url, method, header and argument values) are borrowed and valid until then.
 */
#ifndef AIDF_SRV_H
#define AIDF_SRV_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/aggregate.h"
#include "aidf/buf.h"
#include "aidf/err.h"
#include "aidf/run_sort.h"
#include "aidf/stats.h"
#include "aidf/store.h"
#include "aidf/version.h"
#include "server.h"

#define AIDF_SRV_VERSION AIDF_VERSION

/* ---- shared state (state.c) ------------------------------------------------------- */

#define AIDF_SRV_CACHE_SLOTS 16
/* Externally written reports show up after at most this long. */
#define AIDF_SRV_REFRESH_MS 1000

/** One cached response body, keyed by a normalised query and the store generation, with
 * its gzip form once a client asked for it. */
struct aidf_srv_cache_ent {
    char *key;
    uint64_t gen;
    char *body;
    size_t len;
    char *gz; /* NULL until compressed */
    size_t gz_len;
    uint64_t used; /* tick of the last hit, for eviction */
};

/* GET /runs/<id>: reports kept as ready responses, and the largest file kept. */
#define AIDF_SRV_RUN_SLOTS     256
#define AIDF_SRV_RUN_MAX_BYTES (64u * 1024)

/* ETags: the first 16 bytes of a SHA-256 in hex, quoted, "-gz" for the gzip form. */
#define AIDF_SRV_ETAG_HEX 32
#define AIDF_SRV_ETAG_MAX 40
/* Bodies smaller than this are sent as they are. */
#define AIDF_SRV_GZIP_MIN 1024

/** One report file's bytes (and their gzip form once asked for), read at a generation.
 * Each answer gets its own copy: the headers of an answer depend on the request (CORS),
 * so a ready response cannot be shared. */
struct aidf_srv_run_ent {
    char id[AIDF_RUN_ID_LEN + 1];
    uint64_t gen; /* store generation the file was read at */
    char *body;   /* owned; NULL: empty slot */
    size_t len;
    char *gz; /* owned; NULL until compressed */
    size_t gz_len;
    char etag[AIDF_SRV_ETAG_HEX + 1]; /* hash of `body` */
};

/**
 * The store behind a writer-preferring rwlock. Readers take the shared lock and only
 * call store functions that do not change it; writes, refreshes and rescans take the
 * exclusive lock. The cache has its own mutex.
 */
struct aidf_srv_state {
    struct aidf_store *store; /* owned */
    pthread_rwlock_t lock;
    _Atomic int64_t next_refresh_ms; /* monotonic ms before which no refresh is tried */
    pthread_mutex_t cache_mu;
    struct aidf_srv_cache_ent cache[AIDF_SRV_CACHE_SLOTS];
    uint64_t cache_tick;
    pthread_mutex_t run_mu;
    struct aidf_srv_run_ent runs[AIDF_SRV_RUN_SLOTS];
    /* The unfiltered /summary: an accumulator over every run, extended by each POST of a
     * newest run and rebuilt after any other change (agg_mu; taken after `lock`). */
    pthread_mutex_t agg_mu;
    struct aidf_agg_acc *all;
    uint64_t all_gen; /* store generation `all` is true for */
    bool all_valid;
};

/**
 * The cached report of run `id` read at generation `gen`: true on a hit, with `*body` a
 * new heap copy (caller frees) of its gzip form when `want_gz` and it has one (`*is_gz`
 * then true), else of its bytes, and `etag` its content hash. False on a miss.
 */
bool aidf_srv_run_cached(struct aidf_srv_state *st, const char *id, uint64_t gen, bool want_gz,
                         char **body, size_t *len, bool *is_gz, char etag[AIDF_SRV_ETAG_HEX + 1]);
/** Keep a copy of run `id`'s bytes read at `gen`, with their hash `etag`, replacing what
 * its slot held. */
void aidf_srv_run_cache_put(struct aidf_srv_state *st, const char *id, uint64_t gen,
                            const char *body, size_t len, const char *etag);
/** Keep a copy of the gzip form of run `id`'s cached bytes at `gen` (no-op when the slot
 * holds something else by now). */
void aidf_srv_run_cache_put_gz(struct aidf_srv_state *st, const char *id, uint64_t gen,
                               const char *gz, size_t len);

/**
 * The aggregate of every run (the unfiltered /summary) into `out`, from the accumulator,
 * rebuilt first when it is not true for the current generation. Call under the shared
 * lock.
 */
void aidf_srv_summary_all(struct aidf_srv_state *st, struct aidf_aggregate *out);
/**
 * After a POST stored run `id` and moved the generation from `gen_before` to `gen_after`
 * (under the exclusive lock): extend the accumulator when the run is the newest of all
 * and the accumulator was true for `gen_before`; otherwise mark it for a rebuild.
 */
void aidf_srv_summary_note_write(struct aidf_srv_state *st, uint64_t gen_before, uint64_t gen_after,
                                 const char *id);

/** Take ownership of `store` and set up the locks. */
void aidf_srv_state_init(struct aidf_srv_state *st, struct aidf_store *store);
/** Save the index if it changed and free everything, the store included. */
void aidf_srv_state_release(struct aidf_srv_state *st);
/**
 * Take the shared lock for reading, after bringing the index up to date with the
 * directory when the last refresh is at least AIDF_SRV_REFRESH_MS old (only one thread
 * refreshes; the others read the current index meanwhile).
 */
void aidf_srv_read_lock(struct aidf_srv_state *st);
/** Release the shared lock. */
void aidf_srv_read_unlock(struct aidf_srv_state *st);
/** Take the exclusive lock. */
void aidf_srv_write_lock(struct aidf_srv_state *st);
/** Release the exclusive lock. */
void aidf_srv_write_unlock(struct aidf_srv_state *st);
/**
 * A copy (new heap string, caller frees) of the cached body for `key` at generation
 * `gen`, or NULL: its gzip form when `want_gz` and the entry has one (`*is_gz` true),
 * else the body itself.
 */
char *aidf_srv_cache_get(struct aidf_srv_state *st, const char *key, uint64_t gen, bool want_gz,
                         size_t *len, bool *is_gz);
/** Remember a copy of `body` for `key` at generation `gen` (borrows both). */
void aidf_srv_cache_put(struct aidf_srv_state *st, const char *key, uint64_t gen, const char *body,
                        size_t len);
/** Remember a copy of the gzip form of the entry for `key` at `gen` (no-op when there is
 * no such entry any more). */
void aidf_srv_cache_put_gz(struct aidf_srv_state *st, const char *key, uint64_t gen, const char *gz,
                           size_t len);
/**
 * Save the index file now if it has unsaved changes (under the shared lock, so reads go
 * on). AIDF_OK or the save error.
 */
int aidf_srv_state_save(struct aidf_srv_state *st, struct aidf_error *err);

/* ---- routing and queries (query.c) -------------------------------------------------- */

enum aidf_srv_route {
    AIDF_ROUTE_NONE = 0,
    AIDF_ROUTE_HEALTHZ,
    AIDF_ROUTE_RUNS,
    AIDF_ROUTE_RUN, /* /runs/{id} */
    AIDF_ROUTE_SUMMARY,
    AIDF_ROUTE_EXPORT,
    AIDF_ROUTE_STATS,
    AIDF_ROUTE_OPENAPI, /* /openapi.yaml */
    AIDF_ROUTE_INDEX,   /* / : the dashboard, or the endpoint index as JSON */
    AIDF_ROUTE_ASSET,   /* /assets/{name} : a file of the dashboard */
};

/**
 * Match a (decoded) path exactly: /healthz, /runs, /runs/{id}, /summary, /export.csv,
 * /stats, / and /assets/{name}.
 * For AIDF_ROUTE_RUN `*id` points at the id part inside `path` (may be empty or
 * invalid: check with aidf_srv_id_valid()); for AIDF_ROUTE_ASSET at the name.
 */
enum aidf_srv_route aidf_srv_route_match(const char *path, const char **id);

/** The methods a route accepts, for the Allow header ("GET, HEAD, OPTIONS" or
 * "GET, HEAD, POST, OPTIONS"). */
const char *aidf_srv_route_allow(enum aidf_srv_route r);

/** True when `id` is 1..36 characters of hex digits and '-'. */
bool aidf_srv_id_valid(const char *id);

/**
 * True when a Content-Type value is application/json (case-insensitive, optional
 * parameters after ';', optional spaces).
 */
bool aidf_srv_is_json_type(const char *ct);

/** One query parameter as MHD decoded it (value NULL for "?key" without '='). */
struct aidf_srv_kv {
    const char *key, *value;
    size_t value_len;
};

/** Which parameters an endpoint takes. */
enum aidf_srv_params {
    AIDF_PARAM_FILTERS = 1 << 0,  /* the filters of aidf/filter_parse.h */
    AIDF_PARAM_PAGING = 1 << 1,   /* limit offset cursor */
    AIDF_PARAM_DETAILED = 1 << 2, /* detailed */
    AIDF_PARAM_STATS = 1 << 3,    /* interval by tz (by may repeat) */
};

#define AIDF_SRV_LIMIT_DEFAULT 20
#define AIDF_SRV_LIMIT_MAX     1000
#define AIDF_SRV_MAX_PARAMS    160
#define AIDF_SRV_CURSOR_MAX    128

/** A parsed query. It owns its filter: release it with aidf_srv_query_release(). */
struct aidf_srv_query {
    struct aidf_filter f;
    int64_t limit, offset;
    bool has_offset, has_cursor, detailed;
    enum aidf_run_sort sort; /* `sort`; the cursor must have been made for the same */
    int64_t cursor_ts;       /* AIDF_SORT_TS_DESC cursors */
    double cursor_key;       /* every cursor: the last item's sort key (NaN: unpriced) */
    char cursor_id[AIDF_RUN_ID_LEN + 1];
    /* AIDF_PARAM_STATS, as given (checked by aidf_srv_stats_query()); NULL when absent */
    const char *interval, *tz;
    const char *by[AIDF_SRV_MAX_PARAMS];
    size_t n_by;
};

/**
 * Parse `n` parameters accepted per `allowed` (enum aidf_srv_params) into `q`
 * (overwritten; dates relative to `now_ms`). A filter may be given several times (each
 * adds values, see aidf/filter_parse.h); unknown parameters, more than
 * AIDF_SRV_MAX_PARAMS, a repeated non-filter parameter (limit, offset, cursor, detailed),
 * values with NUL bytes and bad values fail with AIDF_EINVAL and a message naming the
 * parameter; `q` then holds nothing to release (releasing it is harmless).
 */
int aidf_srv_query_parse(struct aidf_srv_query *q, unsigned allowed, const struct aidf_srv_kv *kv,
                         size_t n, int64_t now_ms, struct aidf_error *err);

/**
 * The normalised filter part of `q` as a cache key (aidf_filter_key(): values sorted,
 * resolved dates, so "7d" at two moments gives two keys). Appends to `out`.
 */
void aidf_srv_query_key(const struct aidf_srv_query *q, struct aidf_buf *out);

/** Free what `q` owns (its filter). */
void aidf_srv_query_release(struct aidf_srv_query *q);

/**
 * The /stats parameters of `q` as a stats query (stats_params.c): interval (default day),
 * the `by` lists in order, tz (default UTC). AIDF_OK, or AIDF_EINVAL with a message naming
 * the parameter (an unknown interval, `by` key or zone among them).
 */
int aidf_srv_stats_query(const struct aidf_srv_query *q, struct aidf_stats_query *out,
                         struct aidf_error *err);
/** Append the normalised stats part of a cache key (interval, zone, by keys) to `out`. */
void aidf_srv_stats_key(const struct aidf_stats_query *sq, struct aidf_buf *out);

/** The opaque cursor for the item (ts_ms, run_id): base64url of "<ts_ms>:<runId>". */
void aidf_srv_cursor_encode(int64_t ts_ms, const char *run_id, char out[AIDF_SRV_CURSOR_MAX]);
/** Decode a cursor of the default order. AIDF_OK or AIDF_EINVAL (outputs untouched). */
int aidf_srv_cursor_decode(const char *s, int64_t *ts_ms, char run_id[AIDF_RUN_ID_LEN + 1]);
/**
 * The opaque cursor for the item (key, run_id) in order `s`: the default order's form
 * above, else base64url of "<order>:<key>:<runId>" (key "%.17g", "null" for NaN).
 */
void aidf_srv_sort_cursor_encode(enum aidf_run_sort s, double key, const char *run_id,
                                 char out[AIDF_SRV_CURSOR_MAX]);
/** Decode either form: the order it was made for, the key and the run id. AIDF_OK or
 * AIDF_EINVAL (outputs untouched). */
int aidf_srv_sort_cursor_decode(const char *s, enum aidf_run_sort *sort, double *key,
                                char run_id[AIDF_RUN_ID_LEN + 1]);

/* ---- request headers (negotiate.c) -------------------------------------------------- */

/**
 * True when an Accept-Encoding value allows gzip: "gzip" (or "x-gzip") with a q-value
 * above 0, or, when gzip is not named, "*" above 0. NULL, malformed elements and
 * "gzip;q=0" mean no.
 */
bool aidf_srv_accepts_gzip(const char *accept_encoding);
/**
 * True when an If-None-Match value matches `etag` (a quoted tag, maybe W/): "*", or a
 * list naming it, by the weak comparison of RFC 9110 8.8.3.2 (W/ ignored). A malformed
 * list matches nothing from the first bad element on.
 */
bool aidf_srv_etag_match(const char *if_none_match, const char *etag);
/**
 * The Access-Control-Allow-Origin value for a request from `origin` (NULL: not a CORS
 * request) among the `n` configured origins: `origin` itself when configured
 * (ASCII case-insensitive), "*" when "*" is configured and the request only reads
 * (`read_only`: GET or HEAD), else NULL (no CORS headers).
 */
const char *aidf_srv_cors_allow(const char *const *origins, size_t n, const char *origin,
                                bool read_only);
/** True when bodies of this Content-Type are worth compressing (JSON, CSV, HTML, JS, CSS,
 * YAML). */
bool aidf_srv_compressible(const char *ctype);
/** The content hash of `len` bytes as an ETag base (hex). */
void aidf_srv_etag_of(const void *data, size_t len, char out[AIDF_SRV_ETAG_HEX + 1]);
/** The ETag header value of a base: "\"<base>\"", or "\"<base>-gz\"" for the gzip form. */
void aidf_srv_etag_format(const char *base, bool gz, char out[AIDF_SRV_ETAG_MAX]);
/**
 * A request target (path and query, as sent) for the access log into `out`: printable
 * ASCII kept, other bytes %XX, the values of parameters named token, access_token,
 * api_key or apikey replaced by REDACTED, cut with "..." to fit.
 */
void aidf_srv_log_target(const char *target, char *out, size_t outlen);

/* ---- gzip (gzip.c) ------------------------------------------------------------------ */

/** `len` bytes as one gzip member: a new heap buffer (caller frees), or NULL. */
char *aidf_srv_gzip(const void *data, size_t len, size_t *out_len);
/** A gzip stream being written. */
struct aidf_srv_gz;
/** A new stream, or NULL (zlib could not start). */
struct aidf_srv_gz *aidf_srv_gz_new(void);
/**
 * Compress what fits of `*in_len` bytes at `in` into `out` (`out_max` bytes); `*in_len`
 * becomes the count left unread. With `finish` (all input given), flushes and writes the
 * trailer; `*done` tells when the stream is complete. Returns the bytes written.
 */
size_t aidf_srv_gz_put(struct aidf_srv_gz *g, const char *in, size_t *in_len, bool finish,
                       char *out, size_t out_max, bool *done);
/** Free a stream. NULL is a no-op. */
void aidf_srv_gz_free(struct aidf_srv_gz *g);

/* ---- auth (auth.c) ------------------------------------------------------------------ */

/** SHA-256 of the expected token, computed once at start-up. */
struct aidf_srv_token {
    bool set;
    unsigned char hash[32];
};

/** Remember `token` (NULL or "" means no token). */
void aidf_srv_token_init(struct aidf_srv_token *t, const char *token);
/**
 * True when the Authorization header value `header` (may be NULL) is "Bearer <token>"
 * with the expected token, compared in constant time; always true without a token.
 */
bool aidf_srv_token_check(const struct aidf_srv_token *t, const char *header);

/* ---- limits (limits.c) -------------------------------------------------------------- */

/**
 * The bytes of request bodies held in memory across all connections, against a cap
 * (--max-inflight-bytes). Lock-free; any thread.
 */
struct aidf_srv_budget {
    atomic_size_t used;
    size_t cap;
};

/** Start empty with room for `cap` bytes. */
void aidf_srv_budget_init(struct aidf_srv_budget *b, size_t cap);
/** Reserve `n` bytes: true when they fit under the cap (then taken), false otherwise. */
bool aidf_srv_budget_take(struct aidf_srv_budget *b, size_t n);
/** Give back `n` bytes taken earlier. */
void aidf_srv_budget_give(struct aidf_srv_budget *b, size_t n);
/** The bytes reserved now. */
size_t aidf_srv_budget_used(struct aidf_srv_budget *b);

/* The slowest body upload a deadline allows for: 64 KiB/s on top of --body-timeout. */
#define AIDF_SRV_BODY_RATE (64u * 1024)
/* Access-Control-Max-Age of an allowed preflight, in seconds. */
#define AIDF_SRV_CORS_MAX_AGE "600"
/* Retry-After of a 503 (busy or stopping), in seconds. */
#define AIDF_SRV_RETRY_AFTER "2"

/**
 * The monotonic ms by which a request's headers must be complete, counted from
 * `from_ms`: the connection's start (`first`) or the end of the previous response on a
 * kept-alive connection (then the larger of `header_s` and `idle_s`, so a keep-alive
 * client may idle as --idle-timeout allows). 0 (no deadline) when `header_s` is 0.
 */
int64_t aidf_srv_header_deadline(int64_t from_ms, unsigned header_s, unsigned idle_s, bool first);
/**
 * The monotonic ms by which a body of `bytes` (declared, or the largest accepted for a
 * chunked body) must have arrived, counted from `from_ms`: `body_s` seconds plus the
 * time at AIDF_SRV_BODY_RATE. 0 (no deadline) when `body_s` is 0.
 */
int64_t aidf_srv_body_deadline(int64_t from_ms, unsigned body_s, uint64_t bytes);

/* ---- connections and their deadlines (conns.c) -------------------------------------- */

enum aidf_srv_phase {
    AIDF_SRV_PHASE_HEADERS = 0, /* waiting for (the rest of) the request headers */
    AIDF_SRV_PHASE_BODY,        /* reading a request body */
};

/** One open connection (MHD's socket context), owned by the registry. */
struct aidf_srv_conn {
    struct aidf_srv_conn *prev, *next;
    int fd;              /* MHD's socket; only shutdown() is ever called on it */
    int64_t deadline_ms; /* monotonic; 0: none */
    int64_t since_ms;    /* when the current phase began */
    enum aidf_srv_phase phase;
    bool cut; /* the watchdog shut it down */
    char ip[64];
};

/** Every open connection, under a mutex, and the watchdog thread. */
struct aidf_srv_conns {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct aidf_srv_conn *head;
    size_t n;
    uint64_t cut_total;
    bool stop, running;
    pthread_t thread;
};

/** Set up an empty registry (no thread yet). */
void aidf_srv_conns_init(struct aidf_srv_conns *cs);
/** Start the watchdog thread (aborts when it cannot be created). */
void aidf_srv_conns_start(struct aidf_srv_conns *cs);
/** Stop and join the watchdog. No-op when it is not running. */
void aidf_srv_conns_stop(struct aidf_srv_conns *cs);
/** Stop the watchdog and free the registry with any entry left. */
void aidf_srv_conns_destroy(struct aidf_srv_conns *cs);
/**
 * Register the connection on socket `fd` from `ip` (copied) in the headers phase with
 * `deadline_ms` (0: none). Returns the entry, freed by aidf_srv_conn_remove().
 */
struct aidf_srv_conn *aidf_srv_conn_add(struct aidf_srv_conns *cs, int fd, const char *ip,
                                        int64_t deadline_ms);
/** Unregister and free `c` (NULL is a no-op); call before the socket is closed. */
void aidf_srv_conn_remove(struct aidf_srv_conns *cs, struct aidf_srv_conn *c);
/** Enter `phase` with a new deadline (0: none). NULL `c` is a no-op. */
void aidf_srv_conn_set_deadline(struct aidf_srv_conns *cs, struct aidf_srv_conn *c,
                                enum aidf_srv_phase phase, int64_t deadline_ms);
/** True when the watchdog has shut `c` down. */
bool aidf_srv_conn_was_cut(struct aidf_srv_conns *cs, struct aidf_srv_conn *c);
/**
 * Shut down (SHUT_RDWR) every connection whose deadline is at or before `now_ms`, once
 * each, with a warning in the log. Returns how many were shut down now.
 */
size_t aidf_srv_conns_sweep(struct aidf_srv_conns *cs, int64_t now_ms);

/* ---- requests (http.c) -------------------------------------------------------------- */

struct aidf_srv;
struct aidf_ingest_job;

enum aidf_post_state {
    AIDF_POST_NONE = 0,
    AIDF_POST_UPLOADING,
    AIDF_POST_SUSPENDED,
    AIDF_POST_DONE,
};

#define AIDF_SRV_LOG_PATH_MAX 512

/** One HTTP request. */
struct aidf_req {
    struct aidf_srv *srv;
    uint64_t id;
    int64_t t0_ns;
    enum aidf_srv_route route;
    const char *run_id; /* AIDF_ROUTE_RUN: borrowed from the url (AIDF_ROUTE_ASSET: the name) */
    const char *method; /* borrowed from MHD */
    bool begun;         /* the first call of the access handler was made */
    bool is_post;
    bool is_options;
    char ip[64];
    char path[AIDF_SRV_LOG_PATH_MAX]; /* the target with its query, for the access log */
    unsigned status;                  /* 0 until a response is queued */
    uint64_t bytes;                   /* response body bytes */
    /* POST /runs */
    enum aidf_post_state post;
    struct aidf_buf body;
    bool too_big;
    bool busy;                  /* the in-flight budget had no room: read and drop, then 503 */
    bool by_length;             /* `reserved` was taken up front from Content-Length */
    size_t reserved;            /* bytes of the server's in-flight budget this request holds */
    struct aidf_srv_conn *conn; /* its connection's registry entry (NULL: none) */
    struct aidf_ingest_job *job;
};

/** The server: options, state, ingest pipeline and daemon. */
struct aidf_srv {
    const struct aidf_server_opts *opts;
    struct aidf_srv_state state;
    struct aidf_ingest *ingest;
    struct MHD_Daemon *daemon;
    struct aidf_srv_token token;
    atomic_uint_fast64_t next_req;
    atomic_long active;                /* requests between first callback and completion */
    atomic_bool stopping;              /* answers carry "Connection: close" */
    bool loopback;                     /* listening on a loopback address: Host names are checked */
    struct aidf_srv_budget inflight;   /* request-body bytes held in memory */
    struct aidf_srv_conns conns;       /* open connections and their deadlines */
    bool cors_vary;                    /* a configured origin is echoed: Vary: Origin */
    char nonce[AIDF_SRV_ETAG_HEX + 1]; /* this process's part of every computed ETag */
};

/* ---- responses (respond.c) ---------------------------------------------------------- */

/** HTTP status for an AIDF_E* code (the one mapping). */
unsigned aidf_srv_status_of(int code);
/** Default error code string for an AIDF_E* code ("invalid_parameter", "not_found", ...). */
const char *aidf_srv_code_of(int code);

/** {"error":{"code":..,"message":..}} plus the members of `extra` (stolen; may be NULL). */
json_t *aidf_srv_error_json(const char *code, const char *message, json_t *extra);

/** A response owning `heap` (freed by MHD), with the given Content-Type. */
struct MHD_Response *aidf_srv_buf_response(char *heap, size_t len, const char *ctype);
/** `v` (stolen) as compact JSON with a trailing newline in a new heap buffer (caller
 * frees); `*len` gets its size. NULL when it cannot be encoded. */
char *aidf_srv_json_text(json_t *v, size_t *len);
/** `v` (stolen) as compact JSON with a trailing newline; `*len` gets the body size. */
struct MHD_Response *aidf_srv_json_response(json_t *v, size_t *len);

/**
 * Queue `resp` with `status` on `c`, record status and `len` in `req` for the access
 * log, and destroy our reference. Returns MHD's result. Every answer goes through here
 * and gets the headers every answer carries: X-Content-Type-Options, Connection: close
 * while stopping, Cache-Control: no-cache unless `resp` has a Cache-Control, Vary
 * (Origin when an origin is echoed, Accept-Encoding for compressible types) and, for an
 * allowed origin, Access-Control-Allow-Origin and -Expose-Headers.
 */
enum MHD_Result aidf_srv_queue(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                               struct MHD_Response *resp, size_t len);
/** Send `v` (stolen) as JSON. */
enum MHD_Result aidf_srv_send_json(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                                   json_t *v);
/** True when `ctype` is compressible and the request's Accept-Encoding allows gzip (the
 * ETag of such an answer is the gzip form's, whatever its size). */
bool aidf_srv_client_gzip(struct MHD_Connection *c, const char *ctype);
/**
 * True when the answer to this request may be gzipped: a compressible `ctype`, at least
 * AIDF_SRV_GZIP_MIN bytes, and an Accept-Encoding that allows gzip.
 */
bool aidf_srv_want_gzip(struct MHD_Connection *c, const char *ctype, size_t len);
/**
 * When the request's If-None-Match matches the ETag of `etag_base` (NULL: none) for a
 * body of `ctype` (its gzip form when aidf_srv_client_gzip()), queue 304 with that ETag
 * and no body, set `*rc` and return true.
 */
bool aidf_srv_try_304(struct MHD_Connection *c, struct aidf_req *req, const char *etag_base,
                      const char *ctype, enum MHD_Result *rc);
/**
 * Send `heap` (taken over; `is_gz`: already gzip) as the body: gzipped when the request
 * allows it (aidf_srv_want_gzip()), with Content-Encoding; with `etag_base` (NULL: none)
 * an ETag, and 304 instead when If-None-Match matches it (status 200 only). `extra`:
 * more headers, name and value pairs ending with NULL (NULL: none).
 */
enum MHD_Result aidf_srv_send_body(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                                   char *heap, size_t len, const char *ctype, const char *etag_base,
                                   bool is_gz, const char *const *extra);
/**
 * aidf_srv_send_body() for a body of the response cache (`key` at `gen`): when it is
 * gzipped here, the gzip form is kept in the cache for the next request.
 */
enum MHD_Result aidf_srv_send_cached(struct MHD_Connection *c, struct aidf_req *req,
                                     const char *key, uint64_t gen, char *heap, size_t len,
                                     bool is_gz, const char *etag_base);
/**
 * Computes a JSON answer from the store. Called with the state's read lock held; it
 * releases the lock (aidf_srv_read_unlock()) once it no longer reads the store, so the
 * encoding does not hold writers back, and returns the body (heap, `*len` bytes), or NULL
 * when it cannot be encoded (the lock released all the same).
 */
typedef char *(*aidf_srv_compute_fn)(struct aidf_srv_state *st, void *ctx, size_t *len);
/**
 * Answer a GET whose JSON body is computed from the store and the normalised query `key`
 * (`kind`, the endpoint, is part of the ETag): 304 when If-None-Match holds the ETag, the
 * cached body while the store generation is unchanged, else `compute`'s body, which is
 * then cached. 500 internal_error ("cannot encode the <kind>") when `compute` gives NULL.
 */
enum MHD_Result aidf_srv_send_computed(struct MHD_Connection *c, struct aidf_req *req,
                                       const char *kind, const char *key,
                                       aidf_srv_compute_fn compute, void *ctx);
/**
 * The ETag base of a computed answer: a hash of this process's nonce, `kind` (the
 * endpoint), the store generation and the normalised query `key`.
 */
void aidf_srv_computed_etag(const struct aidf_req *req, const char *kind, uint64_t gen,
                            const char *key, char out[AIDF_SRV_ETAG_HEX + 1]);
/** OPTIONS on a known route: the CORS preflight (204 with the Access-Control headers, or
 * 403 origin_not_allowed), or 204 with Allow for a plain OPTIONS. */
enum MHD_Result aidf_srv_options(struct MHD_Connection *c, struct aidf_req *req);

/** Send an error body (printf-style message). */
enum MHD_Result aidf_srv_send_error(struct MHD_Connection *c, struct aidf_req *req, unsigned status,
                                    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- endpoints (route_*.c) ---------------------------------------------------------- */

/** Collect the query parameters of `c` and parse them per `allowed`; 400 on failure. */
int aidf_srv_parse_args(struct MHD_Connection *c, unsigned allowed, struct aidf_srv_query *q,
                        struct aidf_error *err);

/**
 * Position in the whole newest-first index of the first run after the item (ts, id):
 * a binary search. Call under the shared lock.
 */
size_t aidf_srv_first_after(const struct aidf_store *s, int64_t ts, const char *id);

/** GET /healthz. */
enum MHD_Result aidf_srv_get_healthz(struct MHD_Connection *c, struct aidf_req *req);
/** GET /runs. */
enum MHD_Result aidf_srv_get_runs(struct MHD_Connection *c, struct aidf_req *req);
/** GET /runs/{id}. */
enum MHD_Result aidf_srv_get_run(struct MHD_Connection *c, struct aidf_req *req);
/** GET /summary. */
enum MHD_Result aidf_srv_get_summary(struct MHD_Connection *c, struct aidf_req *req);
/** GET /export.csv. */
enum MHD_Result aidf_srv_get_export(struct MHD_Connection *c, struct aidf_req *req);
/** GET /stats. */
enum MHD_Result aidf_srv_get_stats(struct MHD_Connection *c, struct aidf_req *req);
/** GET /openapi.yaml: api/openapi.yaml as built in. */
enum MHD_Result aidf_srv_get_openapi(struct MHD_Connection *c, struct aidf_req *req);
/** GET /: the dashboard's page, or with `Accept: application/json` the endpoint index. */
enum MHD_Result aidf_srv_get_index(struct MHD_Connection *c, struct aidf_req *req);
/** GET /assets/{name}: a file of the dashboard under its hashed name (`req->run_id`). */
enum MHD_Result aidf_srv_get_asset(struct MHD_Connection *c, struct aidf_req *req);

/**
 * POST /runs, first callback (headers only): 415/413 early, else start accumulating.
 */
enum MHD_Result aidf_srv_post_begin(struct MHD_Connection *c, struct aidf_req *req);
/** POST /runs, a chunk of the body: append or drop past the limit; never responds. */
void aidf_srv_post_upload(struct aidf_req *req, const char *data, size_t len);
/**
 * POST /runs, final callback: 413 when too big, else hand the body to the ingest
 * pipeline and suspend the connection; when called again after the resume, send the
 * answer.
 */
enum MHD_Result aidf_srv_post_final(struct MHD_Connection *c, struct aidf_req *req);

/* ---- ingest pipeline (ingest.c) ----------------------------------------------------- */

/** One POSTed report on its way to disk. */
struct aidf_ingest_job {
    /* in */
    char *body; /* owned */
    size_t len;
    struct MHD_Connection *conn;
    /* out, valid once done */
    unsigned status;
    json_t *answer;    /* response body (owned) */
    char location[64]; /* "" or "/runs/<id>" */
    /* internal */
    struct aidf_report report;
    struct aidf_store_stage *stage;
    struct aidf_ingest_job *next;
};

struct aidf_ingest;

/** Called (from an ingest thread) when a job has its answer. */
typedef void (*aidf_ingest_done_fn)(struct aidf_ingest_job *job, void *ctx);

/**
 * Start `workers` staging threads and one committer over the store of `st`. Never
 * returns NULL (thread creation failure aborts).
 */
struct aidf_ingest *aidf_ingest_new(struct aidf_srv_state *st, unsigned workers,
                                    aidf_ingest_done_fn done, void *ctx);
/**
 * Reserve a place for a job: false once aidf_ingest_drain() started. A true return
 * must be followed by exactly one aidf_ingest_push().
 */
bool aidf_ingest_reserve(struct aidf_ingest *ig);
/** Queue a job (after aidf_ingest_reserve()); `done` is called exactly once for it. */
void aidf_ingest_push(struct aidf_ingest *ig, struct aidf_ingest_job *job);
/** Refuse new jobs and wait until every queued job is done. */
void aidf_ingest_drain(struct aidf_ingest *ig);
/** Stop the threads (after a drain) and free. NULL is a no-op. */
void aidf_ingest_free(struct aidf_ingest *ig);
/** A new job owning `body`. */
struct aidf_ingest_job *aidf_ingest_job_new(char *body, size_t len, struct MHD_Connection *c);
/** Free a job. NULL is a no-op. */
void aidf_ingest_job_free(struct aidf_ingest_job *job);

#endif
