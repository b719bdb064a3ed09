/*
 * The POST /runs pipeline with group commit.
 *
 * A durable report needs fsync(file), rename, fsync(directory) before its 2xx. Done
 * one request at a time that is two fsyncs per report on the critical path, under the
 * store lock. Instead:
 *
 *   staging threads (many)  parse and validate the body, write the report to a hidden
 *                           temporary file in its date directory and fsync it —
 *                           concurrently, outside any lock, so the file system can
 *                           fold the concurrent fsyncs into few journal commits;
 *   the committer (one)     takes every staged job that is ready, and under the
 *                           exclusive store lock decides each one (new, identical
 *                           re-POST, conflict) and renames it into place
 *                           (RENAME_NOREPLACE); then, outside the lock, fsyncs each
 *                           touched date directory once for the whole batch (and the
 *                           reports directory when a date directory is new), and only
 *                           then answers every job of the batch.
 *
 * Because one thread makes every decision and a batch is durable before the next
 * batch is decided, two concurrent POSTs of the same run id cannot both create it, and
 * an "identical, 200" answer never refers to a file whose rename is not yet durable.
 * Connections wait suspended (MHD_suspend_connection), so no MHD thread blocks on disk.
 */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/xalloc.h"

#define DURABLE_DATES 64

struct aidf_ingest {
    struct aidf_srv_state *st;
    aidf_ingest_done_fn done;
    void *ctx;

    pthread_mutex_t mu;
    pthread_cond_t work_cv;   /* staging queue has work, or stopping */
    pthread_cond_t commit_cv; /* commit queue has work, or stopping */
    pthread_cond_t idle_cv;   /* in_flight dropped to 0 */
    struct aidf_ingest_job *stage_head, *stage_tail;
    struct aidf_ingest_job *commit_head, *commit_tail;
    size_t in_flight;
    bool draining, stopping;

    unsigned n_workers;
    pthread_t *workers;
    pthread_t committer;

    /* Committer only: date directories whose own entry is known to be durable. */
    char durable[DURABLE_DATES][11];
    size_t n_durable, next_durable;
};

struct aidf_ingest_job *aidf_ingest_job_new(char *body, size_t len, struct MHD_Connection *c)
{
    struct aidf_ingest_job *j = aidf_xcalloc(1, sizeof(*j));
    j->body = body;
    j->len = len;
    j->conn = c;
    aidf_report_init(&j->report);
    return j;
}

void aidf_ingest_job_free(struct aidf_ingest_job *job)
{
    if (!job)
        return;
    free(job->body);
    json_decref(job->answer);
    aidf_store_stage_free(job->stage);
    aidf_report_release(&job->report);
    free(job);
}

/* Hand the answer over and forget the job: after done() it belongs to the request. */
static void finish(struct aidf_ingest *ig, struct aidf_ingest_job *job)
{
    aidf_store_stage_free(job->stage);
    job->stage = NULL;
    ig->done(job, ig->ctx);
    pthread_mutex_lock(&ig->mu);
    if (--ig->in_flight == 0)
        pthread_cond_broadcast(&ig->idle_cv);
    pthread_mutex_unlock(&ig->mu);
}

static void fail(struct aidf_ingest_job *job, unsigned status, const char *code, const char *msg,
                 json_t *extra)
{
    job->status = status;
    job->answer = aidf_srv_error_json(code, msg, extra);
}

/* Parse, validate, write and fsync the temporary file. False when answered already. */
static bool stage(struct aidf_ingest *ig, struct aidf_ingest_job *job)
{
    struct aidf_error err;
    aidf_error_clear(&err);
    int rc = aidf_report_parse(job->body, job->len, &job->report, &err);
    free(job->body);
    job->body = NULL;
    if (rc == AIDF_ETOOBIG) {
        fail(job, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", err.msg, NULL);
        return false;
    }
    if (rc != AIDF_OK && err.line > 0) {
        json_t *pos = json_object();
        json_object_set_new(pos, "line", json_integer(err.line));
        json_object_set_new(pos, "column", json_integer(err.col));
        fail(job, MHD_HTTP_BAD_REQUEST, "invalid_json", err.msg, pos);
        return false;
    }
    if (rc != AIDF_OK) {
        fail(job, MHD_HTTP_BAD_REQUEST, "invalid_report", err.msg, NULL);
        return false;
    }
    rc = aidf_store_stage_new(ig->st->store, &job->report, &job->stage, &err);
    if (rc == AIDF_EINVAL) {
        fail(job, MHD_HTTP_BAD_REQUEST, "invalid_report", err.msg, NULL);
        return false;
    }
    if (rc != AIDF_OK) {
        aidf_log(AIDF_LOG_ERROR, "cannot stage run %s: %s", job->report.run_id, err.msg);
        fail(job, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error", "cannot store the report",
             NULL);
        return false;
    }
    return true;
}

static void *stage_main(void *arg)
{
    struct aidf_ingest *ig = arg;
    for (;;) {
        pthread_mutex_lock(&ig->mu);
        while (!ig->stage_head && !ig->stopping)
            pthread_cond_wait(&ig->work_cv, &ig->mu);
        struct aidf_ingest_job *job = ig->stage_head;
        if (!job) {
            pthread_mutex_unlock(&ig->mu);
            break;
        }
        ig->stage_head = job->next;
        if (!ig->stage_head)
            ig->stage_tail = NULL;
        job->next = NULL;
        pthread_mutex_unlock(&ig->mu);

        if (!stage(ig, job)) {
            finish(ig, job);
            continue;
        }
        pthread_mutex_lock(&ig->mu);
        if (ig->commit_tail)
            ig->commit_tail->next = job;
        else
            ig->commit_head = job;
        ig->commit_tail = job;
        pthread_cond_signal(&ig->commit_cv);
        pthread_mutex_unlock(&ig->mu);
    }
    return NULL;
}

static bool known_durable(struct aidf_ingest *ig, const char *date)
{
    for (size_t i = 0; i < ig->n_durable; i++)
        if (strcmp(ig->durable[i], date) == 0)
            return true;
    return false;
}

static void add_durable(struct aidf_ingest *ig, const char *date)
{
    memcpy(ig->durable[ig->next_durable], date, 11);
    ig->next_durable = (ig->next_durable + 1) % DURABLE_DATES;
    if (ig->n_durable < DURABLE_DATES)
        ig->n_durable++;
}

static void answer_stored(struct aidf_ingest_job *job, bool existed)
{
    json_t *o = json_object();
    json_object_set_new(o, "runId", json_string(job->report.run_id));
    json_object_set_new(o, "file", json_string(aidf_store_stage_file(job->stage)));
    job->status = existed ? MHD_HTTP_OK : MHD_HTTP_CREATED;
    job->answer = o;
    snprintf(job->location, sizeof(job->location), "/runs/%s", job->report.run_id);
}

/* Decide and rename a batch under the lock, make it durable, answer it. */
static void commit_batch(struct aidf_ingest *ig, struct aidf_ingest_job *batch)
{
    struct aidf_store *store = ig->st->store;
    char(*dates)[11] = NULL;
    bool *dir_failed = NULL;
    size_t n_dates = 0, cap_dates = 0, n_jobs = 0;

    aidf_srv_write_lock(ig->st);
    for (struct aidf_ingest_job *j = batch; j; j = j->next) {
        struct aidf_error err;
        bool existed = false;
        aidf_error_clear(&err);
        n_jobs++;
        uint64_t gen_before = aidf_store_generation(store);
        int rc = aidf_store_stage_commit(store, j->stage, &existed, &err);
        aidf_srv_summary_note_write(ig->st, gen_before, aidf_store_generation(store),
                                    j->report.run_id);
        if (rc == AIDF_ECONFLICT) {
            fail(j, MHD_HTTP_CONFLICT, "conflict", err.msg, NULL);
            continue;
        }
        if (rc != AIDF_OK) {
            aidf_log(AIDF_LOG_ERROR, "cannot store run %s: %s", j->report.run_id, err.msg);
            fail(j, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error", "cannot store the report",
                 NULL);
            continue;
        }
        answer_stored(j, existed);
        const char *date = aidf_store_stage_date(j->stage);
        bool have = false;
        for (size_t i = 0; i < n_dates && !have; i++)
            have = strcmp(dates[i], date) == 0;
        if (!have) {
            dates = aidf_xgrow(dates, &cap_dates, n_dates + 1, sizeof(*dates));
            memcpy(dates[n_dates++], date, 11);
        }
    }
    aidf_srv_write_unlock(ig->st);

    /* One fsync per touched directory for the whole batch. */
    dir_failed = aidf_xcalloc(n_dates ? n_dates : 1, sizeof(*dir_failed));
    bool top_done = false, top_failed = false;
    for (size_t i = 0; i < n_dates; i++) {
        struct aidf_error err;
        aidf_error_clear(&err);
        if (aidf_store_fsync_dir(store, dates[i], &err) != AIDF_OK) {
            aidf_log(AIDF_LOG_ERROR, "%s", err.msg);
            dir_failed[i] = true;
            continue;
        }
        if (!known_durable(ig, dates[i])) {
            if (!top_done) {
                top_done = true;
                if (aidf_store_fsync_dir(store, NULL, &err) != AIDF_OK) {
                    aidf_log(AIDF_LOG_ERROR, "%s", err.msg);
                    top_failed = true;
                }
            }
            if (top_failed)
                dir_failed[i] = true;
            else
                add_durable(ig, dates[i]);
        }
    }
    aidf_debug("ingest: committed a batch of %zu report%s (%zu director%s)", n_jobs,
               n_jobs == 1 ? "" : "s", n_dates, n_dates == 1 ? "y" : "ies");

    while (batch) {
        struct aidf_ingest_job *j = batch;
        batch = j->next;
        j->next = NULL;
        if (j->status == MHD_HTTP_CREATED || j->status == MHD_HTTP_OK) {
            const char *date = aidf_store_stage_date(j->stage);
            for (size_t i = 0; i < n_dates; i++) {
                if (strcmp(dates[i], date) == 0 && dir_failed[i]) {
                    json_decref(j->answer);
                    j->answer = NULL;
                    j->location[0] = '\0';
                    fail(j, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                         "cannot make the report durable", NULL);
                }
            }
        }
        finish(ig, j);
    }
    free(dates);
    free(dir_failed);
}

static void *commit_main(void *arg)
{
    struct aidf_ingest *ig = arg;
    for (;;) {
        pthread_mutex_lock(&ig->mu);
        while (!ig->commit_head && !ig->stopping)
            pthread_cond_wait(&ig->commit_cv, &ig->mu);
        struct aidf_ingest_job *batch = ig->commit_head;
        ig->commit_head = ig->commit_tail = NULL;
        pthread_mutex_unlock(&ig->mu);
        if (!batch)
            break;
        commit_batch(ig, batch);
    }
    return NULL;
}

struct aidf_ingest *aidf_ingest_new(struct aidf_srv_state *st, unsigned workers,
                                    aidf_ingest_done_fn done, void *ctx)
{
    struct aidf_ingest *ig = aidf_xcalloc(1, sizeof(*ig));
    ig->st = st;
    ig->done = done;
    ig->ctx = ctx;
    pthread_mutex_init(&ig->mu, NULL);
    pthread_cond_init(&ig->work_cv, NULL);
    pthread_cond_init(&ig->commit_cv, NULL);
    pthread_cond_init(&ig->idle_cv, NULL);
    ig->n_workers = workers ? workers : 1;
    ig->workers = aidf_xcalloc(ig->n_workers, sizeof(*ig->workers));
    for (unsigned i = 0; i < ig->n_workers; i++)
        if (pthread_create(&ig->workers[i], NULL, stage_main, ig) != 0)
            abort();
    if (pthread_create(&ig->committer, NULL, commit_main, ig) != 0)
        abort();
    return ig;
}

bool aidf_ingest_reserve(struct aidf_ingest *ig)
{
    pthread_mutex_lock(&ig->mu);
    bool ok = !ig->draining;
    if (ok)
        ig->in_flight++;
    pthread_mutex_unlock(&ig->mu);
    return ok;
}

void aidf_ingest_push(struct aidf_ingest *ig, struct aidf_ingest_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&ig->mu);
    if (ig->stage_tail)
        ig->stage_tail->next = job;
    else
        ig->stage_head = job;
    ig->stage_tail = job;
    pthread_cond_signal(&ig->work_cv);
    pthread_mutex_unlock(&ig->mu);
}

void aidf_ingest_drain(struct aidf_ingest *ig)
{
    pthread_mutex_lock(&ig->mu);
    ig->draining = true;
    while (ig->in_flight > 0)
        pthread_cond_wait(&ig->idle_cv, &ig->mu);
    pthread_mutex_unlock(&ig->mu);
}

void aidf_ingest_free(struct aidf_ingest *ig)
{
    if (!ig)
        return;
    aidf_ingest_drain(ig);
    pthread_mutex_lock(&ig->mu);
    ig->stopping = true;
    pthread_cond_broadcast(&ig->work_cv);
    pthread_cond_broadcast(&ig->commit_cv);
    pthread_mutex_unlock(&ig->mu);
    for (unsigned i = 0; i < ig->n_workers; i++)
        pthread_join(ig->workers[i], NULL);
    pthread_join(ig->committer, NULL);
    free(ig->workers);
    pthread_cond_destroy(&ig->idle_cv);
    pthread_cond_destroy(&ig->commit_cv);
    pthread_cond_destroy(&ig->work_cv);
    pthread_mutex_destroy(&ig->mu);
    free(ig);
}
