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

/*
 * One pass over the index in newest-first order, without copying it: count the
 * matches (the total), note where the page starts (offset, or the first match after
 * the cursor) and encode the page. Without filters the total is the count and the
 * page is read directly (binary search for a cursor).
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

    aidf_srv_read_lock(st);
    const struct aidf_store *s = st->store;
    size_t n = aidf_store_count(s);
    if (!aidf_filter_any(&q.f)) {
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
    if (more && last)
        aidf_srv_cursor_encode(last->ts_ms, last->run_id, cursor);
    else
        more = false;
    aidf_srv_read_unlock(st);
    aidf_srv_query_release(&q);

    json_t *o = json_object();
    json_object_set_new(o, "total", json_integer((json_int_t)total));
    json_object_set_new(o, "limit", json_integer((json_int_t)q.limit));
    json_object_set_new(o, "offset",
                        json_integer((json_int_t)(q.has_cursor ? (int64_t)start : q.offset)));
    json_object_set_new(o, "runs", arr);
    json_object_set_new(o, "nextCursor", more ? json_string(cursor) : json_null());
    return aidf_srv_send_json(c, req, MHD_HTTP_OK, o);
}

#define MAX_CANDIDATES 20

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

    /* Served as stored, never re-encoded: from the response cache, or the file. While
     * stopping, answers carry "Connection: close" and are not shared. */
    bool stopping = atomic_load(&req->srv->stopping);
    enum MHD_Result qrc;
    size_t qlen = 0;
    if (!stopping && aidf_srv_run_cached(st, c, hit_id, gen, &qrc, &qlen)) {
        free(path);
        if (qrc == MHD_YES) {
            req->status = MHD_HTTP_OK;
            req->bytes = qlen;
        }
        return qrc;
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
    if (!stopping && (uint64_t)sb.st_size <= AIDF_SRV_RUN_MAX_BYTES) {
        /* Small (every real report): read it once and keep the response for the next
         * requests of the same generation. */
        size_t sz = (size_t)sb.st_size, got = 0;
        char *body = malloc(sz ? sz : 1);
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
            struct MHD_Response *mr =
                MHD_create_response_from_buffer(sz, body, MHD_RESPMEM_MUST_FREE);
            if (!mr) {
                free(body);
                return MHD_NO;
            }
            MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                                    "application/json; charset=utf-8");
            MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
            enum MHD_Result prc = aidf_srv_run_cache_put(st, c, hit_id, gen, mr, sz);
            if (prc == MHD_YES) {
                req->status = MHD_HTTP_OK;
                req->bytes = sz;
            }
            return prc;
        }
        free(body);
        if (lseek(fd, 0, SEEK_SET) != 0) {
            close(fd);
            return aidf_srv_send_error(c, req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                                       "cannot read the report");
        }
    }
    struct MHD_Response *r = MHD_create_response_from_fd((size_t)sb.st_size, fd);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    return aidf_srv_queue(c, req, MHD_HTTP_OK, r, (size_t)sb.st_size);
}
