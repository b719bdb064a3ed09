/*
 * GET /export.csv: the bytes `aidf report export --csv -` writes for the same filters,
 * streamed.
 *
 * The export is not built in memory (a large one, times many slow readers, was most of
 * the server's memory): MHD pulls it through a content-reader callback, and each call
 * produces the next rows into a small buffer. Between calls nothing is held but a
 * cursor, the (time, run id) of the last run looked at, in the index's newest-first
 * order: each call takes the shared lock, finds the cursor again by binary search
 * (aidf_srv_first_after(), as /runs paging does), writes up to EXPORT_CHUNK bytes of
 * rows and lets the lock go. No lock is held while the client reads, and nothing is
 * copied per run.
 *
 * The rows are made by the same functions aidf_export_csv() uses (lib/base/csv.c), in
 * the same order, so without concurrent writes the bytes are those of the CLI. Runs
 * stored while a download is under way appear in it when they sort after the cursor
 * (an older timestamp) and not when they sort before it (the usual case, a new run);
 * runs removed meanwhile are left out when not yet written.
 *
 * Compression: when the client takes gzip, the stream itself is gzipped as it goes out
 * (one deflate stream per download, fed by the same batches; Content-Encoding: gzip).
 * The ETag is that of the store generation and the normalised query when the download
 * starts.
 */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/csv.h"
#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/xalloc.h"

/* Rows are produced in batches of about this many bytes (and MHD's block size). */
#define EXPORT_CHUNK (16u * 1024)
/* Runs looked at under one hold of the lock, matching or not. */
#define EXPORT_SCAN_MAX 4096

struct export_stream {
    struct aidf_srv_state *st;
    struct aidf_req *req; /* for the access log's byte count; valid while MHD reads */
    struct aidf_filter f; /* owned */
    bool detailed;
    bool started;    /* the header is written */
    bool done;       /* every run was looked at */
    bool failed;     /* a row could not be written */
    bool has_cursor; /* cursor_* hold the last run looked at */
    int64_t cursor_ts;
    char cursor_id[AIDF_RUN_ID_LEN + 1];
    struct aidf_buf out; /* produced, not yet handed to MHD, from `off` */
    size_t off;
    struct aidf_srv_gz *gz; /* NULL: sent as it is */
    bool gz_done;           /* the gzip trailer is out */
};

static void stream_free(void *cls)
{
    struct export_stream *s = cls;
    aidf_buf_release(&s->out);
    aidf_filter_release(&s->f);
    aidf_srv_gz_free(s->gz);
    free(s);
}

/* The next batch of rows into s->out, under the shared lock. */
static void produce(struct export_stream *s)
{
    struct aidf_srv_state *st = s->st;
    aidf_srv_read_lock(st);
    const struct aidf_store *store = st->store;
    int rc = AIDF_OK;
    if (!s->started) {
        rc = s->detailed ? aidf_csv_detailed_header(&s->out) : aidf_csv_summary_header(&s->out);
        s->started = true;
    }
    size_t n = aidf_store_count(store);
    size_t i = s->has_cursor ? aidf_srv_first_after(store, s->cursor_ts, s->cursor_id) : 0;
    size_t scanned = 0;
    for (;
         i < n && rc == AIDF_OK && s->out.len - s->off < EXPORT_CHUNK && scanned < EXPORT_SCAN_MAX;
         i++, scanned++) {
        const struct aidf_run_summary *m = aidf_store_nth(store, i);
        s->has_cursor = true;
        s->cursor_ts = m->ts_ms;
        memcpy(s->cursor_id, m->run_id, sizeof(s->cursor_id));
        if (!aidf_filter_match(&s->f, m))
            continue;
        if (!s->detailed) {
            rc = aidf_csv_summary_row(&s->out, m);
            continue;
        }
        struct aidf_report r;
        struct aidf_error err;
        aidf_report_init(&r);
        aidf_error_clear(&err);
        if (aidf_store_read_run(store, m, &r, &err) != AIDF_OK) {
            aidf_warn("skipping run %.8s: %s", m->run_id, err.msg);
        } else {
            rc = aidf_csv_detailed_rows(&s->out, &r);
        }
        aidf_report_release(&r);
        /* One report file read per hold of the lock. */
        i++;
        break;
    }
    if (i >= n)
        s->done = true;
    aidf_srv_read_unlock(st);
    if (rc != AIDF_OK) {
        aidf_log(AIDF_LOG_ERROR, "cannot write the CSV export: %s", aidf_strerror(rc));
        s->failed = true;
    }
}

/* Rows in s->out from s->off, at least a batch unless the export is complete. */
static void refill(struct export_stream *s)
{
    if (s->off == s->out.len) {
        if (s->out.cap > 4 * EXPORT_CHUNK)
            aidf_buf_release(&s->out);
        else
            aidf_buf_reset(&s->out);
        s->off = 0;
    }
    while (!s->failed && !s->done && s->out.len - s->off < EXPORT_CHUNK)
        produce(s);
}

/* The gzip form: deflate the rows into `buf` until something comes out. */
static ssize_t stream_read_gz(struct export_stream *s, char *buf, size_t max)
{
    for (;;) {
        if (s->gz_done)
            return MHD_CONTENT_READER_END_OF_STREAM;
        refill(s);
        if (s->failed)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        size_t avail = s->out.len - s->off, left = avail;
        size_t w = aidf_srv_gz_put(s->gz, s->out.ptr ? s->out.ptr + s->off : "", &left, s->done,
                                   buf, max, &s->gz_done);
        s->off += avail - left;
        if (w > 0) {
            s->req->bytes += w;
            return (ssize_t)w;
        }
        if (!s->done && avail == left && avail > 0)
            return MHD_CONTENT_READER_END_WITH_ERROR; /* deflate made no progress */
    }
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct export_stream *s = cls;
    (void)pos;
    if (s->gz)
        return stream_read_gz(s, buf, max);
    if (s->off == s->out.len) {
        /* Everything handed over: start again at the front (and give back what one
         * large detailed report made the buffer grow to). */
        if (s->out.cap > 4 * EXPORT_CHUNK)
            aidf_buf_release(&s->out);
        else
            aidf_buf_reset(&s->out);
        s->off = 0;
    }
    while (!s->failed && !s->done && s->out.len - s->off < max &&
           s->out.len - s->off < EXPORT_CHUNK)
        produce(s);
    if (s->failed)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t avail = s->out.len - s->off;
    if (avail == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t k = avail < max ? avail : max;
    memcpy(buf, s->out.ptr + s->off, k);
    s->off += k;
    s->req->bytes += k;
    return (ssize_t)k;
}

enum MHD_Result aidf_srv_get_export(struct MHD_Connection *c, struct aidf_req *req)
{
    struct aidf_srv_query q;
    struct aidf_error err;
    aidf_error_clear(&err);
    if (aidf_srv_parse_args(c, AIDF_PARAM_FILTERS | AIDF_PARAM_DETAILED, &q, &err) != AIDF_OK)
        return aidf_srv_send_error(c, req, MHD_HTTP_BAD_REQUEST, "invalid_parameter", "%s",
                                   err.msg);

    static const char ctype[] = "text/csv; charset=utf-8";
    struct aidf_srv_state *st = &req->srv->state;
    struct aidf_buf key = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_srv_query_key(&q, &key);
    aidf_buf_addstr(&key, q.detailed ? ";detailed" : ";summary");
    char etag_base[AIDF_SRV_ETAG_HEX + 1], etag[AIDF_SRV_ETAG_MAX];
    aidf_srv_read_lock(st);
    aidf_srv_computed_etag(req, "export", aidf_store_generation(st->store), key.ptr, etag_base);
    aidf_srv_read_unlock(st);
    aidf_buf_release(&key);
    enum MHD_Result rc;
    if (aidf_srv_try_304(c, req, etag_base, ctype, &rc)) {
        aidf_srv_query_release(&q);
        return rc;
    }
    bool gz = aidf_srv_client_gzip(c, ctype);
    aidf_srv_etag_format(etag_base, gz, etag);

    struct export_stream *s = aidf_xcalloc(1, sizeof(*s));
    s->st = st;
    s->gz = gz ? aidf_srv_gz_new() : NULL;
    s->req = req;
    s->f = q.f; /* the stream takes the filter over */
    aidf_filter_init(&q.f);
    s->detailed = q.detailed;
    aidf_buf_init(&s->out, AIDF_BUF_NOLIMIT);

    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, EXPORT_CHUNK,
                                                               stream_read, s, stream_free);
    if (!r) {
        stream_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
    if (s->gz)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                            q.detailed ? "attachment; filename=\"aidf-runs-detailed.csv\""
                                       : "attachment; filename=\"aidf-runs.csv\"");
    /*
     * MHD 0.9.75 sends the chunked terminator ("0\r\n\r\n") even to a HEAD request,
     * which has no body: answer HEAD as an HTTP/1.0 server would, without chunking (the
     * end of the connection would delimit a body; a HEAD has none).
     */
    if (strcmp(req->method, "HEAD") == 0)
        MHD_set_response_options(r, MHD_RF_HTTP_1_0_SERVER, MHD_RO_END);
    /* The byte count of the access log grows as the rows go out (stream_read). */
    return aidf_srv_queue(c, req, MHD_HTTP_OK, r, 0);
}
