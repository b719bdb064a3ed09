/*
 * GET /healthz, GET /runs and GET /runs/{id}.
 */
#include "srv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/log.h"
#include "aidf/summary_json.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

#define JSON_CTYPE "application/json; charset=utf-8"

struct args {
    struct aidf_srv_kv kv[AIDF_SRV_MAX_PARAMS + 1];
    size_t n;
};

static enum MHD_Result collect(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                               const char *value, size_t value_size)
{
    struct args *a = cls;
    (void)kind;
    (void)key_size;
    if (a->n > AIDF_SRV_MAX_PARAMS)
        return MHD_NO;
    a->kv[a->n].key = key;
    a->kv[a->n].value = value;
    a->kv[a->n].value_len = value_size;
    a->n++;
    return MHD_YES;
}

int aidf_srv_parse_args(struct MHD_Connection *c, unsigned allowed, struct aidf_srv_query *q,
                        struct aidf_error *err)
{
    struct args a;
    memset(&a, 0, sizeof(a));
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect, &a);
    return aidf_srv_query_parse(q, allowed, a.kv, a.n, aidf_wall_ms(), err);
}

enum MHD_Result aidf_srv_get_healthz(struct MHD_Connection *c, struct aidf_req *req)
{
    struct aidf_srv_state *st = &req->srv->state;
    aidf_srv_read_lock(st);
    size_t n = aidf_store_count(st->store);
    aidf_srv_read_unlock(st);
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string("ok"));
    json_object_set_new(o, "version", json_string(AIDF_SRV_VERSION));
    json_object_set_new(o, "runs", json_integer((json_int_t)n));
    return aidf_srv_send_json(c, req, MHD_HTTP_OK, o);
}

/* True when `m` comes after the cursor item (ts, id) in newest-first order. */
static bool after(const struct aidf_run_summary *m, int64_t ts, const char *id)
{
    return m->ts_ms < ts || (m->ts_ms == ts && strcasecmp(m->run_id, id) > 0);
}

size_t aidf_srv_first_after(const struct aidf_store *s, int64_t ts, const char *id)
{
    size_t lo = 0, hi = aidf_store_count(s);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (after(aidf_store_nth(s, mid), ts, id))
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Percent-encode `s` (all but RFC 3986's unreserved characters) onto `b`. */
static void add_encoded(struct aidf_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            aidf_buf_addch(b, (char)ch);
        } else {
            aidf_buf_addch(b, '%');
            aidf_buf_addch(b, hex[ch >> 4]);
            aidf_buf_addch(b, hex[ch & 15]);
        }
    }
}

/*
 * The Link header of the next page: this request's parameters (filters, limit, sort) as
 * given, but offset and cursor, then the next cursor; relative to the server's root.
 */
static char *next_link(struct MHD_Connection *c, const char *cursor)
{
    struct args a;
    memset(&a, 0, sizeof(a));
    MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect, &a);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, "</runs?");
    for (size_t i = 0; i < a.n; i++) {
        const char *k = a.kv[i].key ? a.kv[i].key : "";
        if (strcmp(k, "cursor") == 0 || strcmp(k, "offset") == 0)
            continue;
        add_encoded(&b, k);
        if (a.kv[i].value) {
            aidf_buf_addch(&b, '=');
            add_encoded(&b, a.kv[i].value);
        }
        aidf_buf_addch(&b, '&');
    }
    aidf_buf_addstr(&b, "cursor=");
    aidf_buf_addstr(&b, cursor);
    aidf_buf_addstr(&b, ">; rel=\"next\"");
    size_t len;
    return aidf_buf_detach(&b, &len);
}

/* The page of every matching run in another order than the index's: sort the matches,
 * then start after the cursor (binary search) or at the offset. Under the shared lock. */
static void sorted_page(struct aidf_srv_state *st, const struct aidf_srv_query *q, json_t *arr,
                        size_t *total, size_t *start, size_t *shown,
                        char cursor[AIDF_SRV_CURSOR_MAX], bool *more)
{
    const struct aidf_run_summary **v = NULL;
    size_t n = aidf_store_list(st->store, &q->f, &v);
    aidf_run_sort(v, n, q->sort);
    size_t lo = 0;
    if (q->has_cursor) {
        size_t hi = n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (aidf_run_sort_cmp(q->sort, aidf_run_sort_key(v[mid], q->sort), v[mid]->run_id,
                                  q->cursor_key, q->cursor_id) > 0)
                hi = mid;
            else
                lo = mid + 1;
        }
    } else {
        lo = (uint64_t)q->offset < n ? (size_t)q->offset : n;
    }
    size_t k = 0;
    for (; lo + k < n && k < (size_t)q->limit; k++)
        json_array_append_new(arr, aidf_run_summary_to_json(v[lo + k]));
    *total = n;
    *start = lo;
    *shown = k;
    *more = lo + k < n;
    if (*more && k > 0) {
        const struct aidf_run_summary *last = v[lo + k - 1];
        aidf_srv_sort_cursor_encode(q->sort, aidf_run_sort_key(last, q->sort), last->run_id,
                                    cursor);
    } else {
        *more = false;
    }
    free(v);
}

/* The normalised query of a /runs page, for its ETag. */
static void runs_key(const struct aidf_srv_query *q, struct aidf_buf *key)
{
    aidf_srv_query_key(q, key);
    aidf_buf_addf(key, ";limit=%lld;sort=%s", (long long)q->limit, aidf_run_sort_name(q->sort));
    if (q->has_cursor && q->sort == AIDF_SORT_TS_DESC) {
        aidf_buf_addf(key, ";cursor=%lld:%s", (long long)q->cursor_ts, q->cursor_id);
    } else if (q->has_cursor) {
        char cur[AIDF_SRV_CURSOR_MAX];
        aidf_srv_sort_cursor_encode(q->sort, q->cursor_key, q->cursor_id, cur);
        aidf_buf_addf(key, ";cursor=%s", cur);
    } else {
        aidf_buf_addf(key, ";offset=%lld", (long long)q->offset);
    }
}

/*
 * In the default order (newest first), one pass over the index without copying it:
 * count the matches (the total), note where the page starts (offset, or the first match
 * after the cursor) and encode the page. Without filters the total is the count and the
 * page is read directly (binary search for a cursor). Other orders sort the matches
 * (sorted_page()).
 */
enum MHD_Result aidf_srv_get_runs(struct MHD_Connection *c, struct aidf_req *req)
{
    struct aidf_srv_query q;
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_srv_parse_args(c, AIDF_PARAM_FILTERS | AIDF_PARAM_PAGING, &q, &err) != AIDF_OK)
        return aidf_srv_send_error(c, req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "%s",
                                   err.msg);

    struct aidf_srv_state *st = &req->srv->state;
    json_t *arr = json_array();
    char cursor[AIDF_SRV_CURSOR_MAX];
    const size_t limit = (size_t)q.limit;
    size_t total = 0, start = 0, shown = 0;
    bool more = false;
    const struct aidf_run_summary *last = NULL;
    char etag[AIDF_SRV_ETAG_HEX + 1];
    struct aidf_buf key = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    runs_key(&q, &key);
    enum MHD_Result rc;

    aidf_srv_read_lock(st);
    aidf_srv_computed_etag(req, "runs", aidf_store_generation(st->store), key.ptr, etag);
    aidf_buf_release(&key);
    if (aidf_srv_try_304(c, req, etag, JSON_CTYPE, &rc)) {
        aidf_srv_read_unlock(st);
        aidf_srv_query_release(&q);
        json_decref(arr);
        return rc;
    }
    const struct aidf_store *s = st->store;
    size_t n = aidf_store_count(s);
    if (q.sort != AIDF_SORT_TS_DESC) {
        sorted_page(st, &q, arr, &total, &start, &shown, cursor, &more);
    } else if (!aidf_filter_any(&q.f)) {
        total = n;
        if (q.has_cursor)
            start = aidf_srv_first_after(s, q.cursor_ts, q.cursor_id);
        else
            start = (uint64_t)q.offset < n ? (size_t)q.offset : n;
        for (size_t i = start; i < n && shown < limit; i++, shown++) {
            last = aidf_store_nth(s, i);
            json_array_append_new(arr, aidf_run_summary_to_json(last));
        }
        more = start + shown < total;
    } else {
        bool started = !q.has_cursor && q.offset == 0;
        for (size_t i = 0; i < n; i++) {
            const struct aidf_run_summary *m = aidf_store_nth(s, i);
            if (!aidf_filter_match(&q.f, m))
                continue;
            if (!started) {
                started =
                    q.has_cursor ? after(m, q.cursor_ts, q.cursor_id) : total == (uint64_t)q.offset;
                if (!started)
                    start++;
            }
            if (started && shown < limit) {
                json_array_append_new(arr, aidf_run_summary_to_json(m));
                last = m;
                shown++;
            } else if (started) {
                more = true;
            }
            total++;
        }
        if (!started)
            start = total;
    }
    if (q.sort == AIDF_SORT_TS_DESC) {
        if (more && last)
            aidf_srv_cursor_encode(last->ts_ms, last->run_id, cursor);
        else
            more = false;
    }
    aidf_srv_read_unlock(st);

    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer((json_int_t)total));
    json_object_set_new(o, "limit", json_integer((json_int_t)q.limit));
    json_object_set_new(o, "offset",
                        json_integer((json_int_t)(q.has_cursor ? (int64_t)start : q.offset)));
    json_object_set_new(o, "runs", arr);
    json_object_set_new(o, "nextCursor", more ? json_string(cursor) : json_null());
    aidf_srv_query_release(&q);
    size_t len = 0;
    char *body = aidf_srv_json_text(o, &len);
    if (!body)
        return MHD_NO;
    char *link = more ? next_link(c, cursor) : NULL;
    const char *const extra[] = {MHD_HTTP_HEADER_LINK, link, NULL};
    rc = aidf_srv_send_body(c, req, MHD_HTTP_OK, body, len, JSON_CTYPE, etag, false,
                            link ? extra : NULL);
    free(link);
    return rc;
}

#define MAX_CANDIDATES 20

/* Reports up to this size are read into memory (hashed for the ETag, compressed on
 * demand); --max-body's default, the largest a POST stores. */
#define RUN_READ_MAX (16u * 1024 * 1024)

/* Send a report's bytes (`body`, taken over), gzipping them once for the cache when the
 * client takes gzip. */
static enum MHD_Result send_run(struct MHD_Connection *c, struct aidf_req *req, const char *id,
                                uint64_t gen, char *body, size_t len, bool is_gz, const char *etag)
{
    enum MHD_Result rc;
    if (aidf_srv_try_304(c, req, etag, JSON_CTYPE, &rc)) {
        free(body);
        return rc;
    }
    if (!is_gz && aidf_srv_want_gzip(c, JSON_CTYPE, len)) {
        size_t zlen = 0;
        char *z = aidf_srv_gzip(body, len, &zlen);
        if (z) {
            if (len <= AIDF_SRV_RUN_MAX_BYTES)
                aidf_srv_run_cache_put_gz(&req->srv->state, id, gen, z, zlen);
            free(body);
            body = z;
            len = zlen;
            is_gz = true;
        }
    }
    return aidf_srv_send_body(c, req, MHD_HTTP_OK, body, len, JSON_CTYPE, etag, is_gz, NULL);
}

enum MHD_Result aidf_srv_get_run(struct MHD_Connection *c, struct aidf_req *req)
{
    const char *id = req->run_id;
    /* Validated before anything else: nothing else ever reaches the file system. */
    if (!aidf_srv_id_valid(id))
        return aidf_srv_send_error(c, req, MHD_HTTP_BAD_REQUEST, "invalid_id",
                                   "invalid run id: expected 1 to %d hex digits and '-'",
                                   AIDF_RUN_ID_LEN);

    struct aidf_srv_state *st = &req->srv->state;
    const struct aidf_run_summary **v = NULL;
    char *path = NULL;
    aidf_srv_read_lock(st);
    size_t n = aidf_store_find(st->store, id, &v);
    const struct aidf_run_summary *hit = NULL;
    for (size_t i = 0; i < n && !hit; i++)
        if (strcasecmp(v[i]->run_id, id) == 0)
            hit = v[i];
    if (!hit && n == 1)
        hit = v[0];
    json_t *cands = NULL;
    uint64_t gen = aidf_store_generation(st->store);
    char hit_id[AIDF_RUN_ID_LEN + 1] = "";
    if (hit) {
        snprintf(hit_id, sizeof(hit_id), "%s", hit->run_id);
        path = aidf_store_path_of(st->store, hit);
    } else if (n > 1) {
        cands = json_array();
        for (size_t i = 0; i < n && i < MAX_CANDIDATES; i++)
            json_array_append_new(cands, json_string(v[i]->run_id));
    }
    aidf_srv_read_unlock(st);
    free(v);

    if (cands) {
        json_t *extra = json_object();
        json_object_set_new(extra, "candidates", cands);
        char msg[160];
        snprintf(msg, sizeof(msg), "run id '%s' is ambiguous (%zu runs match)", id, n);
        return aidf_srv_send_json(c, req, MHD_HTTP_CONFLICT,
                                  aidf_srv_error_json("ambiguous_id", msg, extra));
    }
    if (!path)
        return aidf_srv_send_error(c, req, MHD_HTTP_NOT_FOUND, "not_found", "no run matches '%s'",
                                   id);

    /* Served as stored, never re-encoded: from the cache of report bytes, or the file.
     * The ETag is the hash of those bytes. */
    bool want_gz = aidf_srv_client_gzip(c, JSON_CTYPE);
    char etag[AIDF_SRV_ETAG_HEX + 1];
    char *body = NULL;
    size_t sz = 0;
    bool is_gz = false;
    if (aidf_srv_run_cached(st, hit_id, gen, want_gz, &body, &sz, &is_gz, etag)) {
        free(path);
        return send_run(c, req, hit_id, gen, body, sz, is_gz, etag);
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        free(path);
        if (e == ENOENT)
            return aidf_srv_send_error(c, req, MHD_HTTP_NOT_FOUND, "not_found",
                                       "run '%s' is no longer on disk", id);
        aidf_log(AIDF_LOG_ERROR, "cannot open the report of run '%s': %s", id, strerror(e));
        return aidf_srv_send_error(c, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                   "cannot read the report");
    }
    free(path);
    if ((uint64_t)sb.st_size <= RUN_READ_MAX) {
        /* Every real report: read it whole, hash it, keep the small ones for the next
         * requests of the same generation. */
        size_t got = 0;
        sz = (size_t)sb.st_size;
        body = malloc(sz ? sz : 1);
        while (body && got < sz) {
            ssize_t k = read(fd, body + got, sz - got);
            if (k < 0 && errno == EINTR)
                continue;
            if (k <= 0)
                break;
            got += (size_t)k;
        }
        if (body && got == sz) {
            close(fd);
            aidf_srv_etag_of(body, sz, etag);
            if (sz <= AIDF_SRV_RUN_MAX_BYTES)
                aidf_srv_run_cache_put(st, hit_id, gen, body, sz, etag);
            return send_run(c, req, hit_id, gen, body, sz, false, etag);
        }
        free(body);
        if (lseek(fd, 0, SEEK_SET) != 0) {
            close(fd);
            return aidf_srv_send_error(c, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                       "cannot read the report");
        }
    }
    /* Larger than any report the server stores itself: streamed from the file, without
     * an ETag or compression. */
    struct MHD_Response *r = MHD_create_response_from_fd((size_t)sb.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, JSON_CTYPE);
    return aidf_srv_queue(c, req, MHD_HTTP_OK, r, (size_t)sb.st_size);
}
