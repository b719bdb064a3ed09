/*
 * The push outbox: a durable queue of reports waiting for delivery to a report server.
 *
 * Layout: `<reports_dir>/.outbox/<runId>-<srv8>.json`, one small JSON file per
 * (run, server) pair, where <srv8> is the first 8 hex digits of the SHA-256 of the
 * normalised server URL (so the same run can wait for two servers). The file holds
 *   {"runId","server","file","attempts","firstQueuedAt","lastAttemptAt","lastError"}
 * with "file" the report's path relative to the reports directory. Every write is
 * atomic and durable (aidf_write_file_atomic). Corrupt entries are moved to
 * `.outbox/failed/` (aidf_outbox_list). The report store only reads YYYY-MM-DD
 * directories and ignores `.outbox`.
 *
 * Concurrency: two processes may work on the same entry (a run queueing while
 * `aidf report push --pending` delivers); the worst case is a second POST of the same
 * report, which the server answers 200 (idempotent), so nothing is lost or duplicated.
 *
 * Ownership: entries and lists own their strings; release them with the functions
 * below. Arguments are borrowed.
 */
#ifndef AIDF_OUTBOX_H
#define AIDF_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "aidf/err.h"

/* Name of the outbox directory inside the reports directory. */
#define AIDF_OUTBOX_DIR ".outbox"
/* Outbox files larger than this are corrupt. */
#define AIDF_OUTBOX_MAX_ENTRY_BYTES (64u * 1024)
/* Where corrupt entries are moved, inside the outbox directory. */
#define AIDF_OUTBOX_FAILED_DIR "failed"
/* Copies of one entry name kept in failed/ ("<name>", "<name>.2", ...). */
#define AIDF_OUTBOX_FAILED_MAX_SAME 1000u

/** One queued delivery. */
struct aidf_outbox_entry {
    char *run_id;          /* full run id */
    char *server;          /* normalised server base URL */
    char *file;            /* report path relative to the reports dir */
    int64_t attempts;      /* delivery attempts made so far */
    char *first_queued_at; /* ISO 8601 UTC */
    char *last_attempt_at; /* ISO 8601 UTC, NULL before the first attempt */
    char *last_error;      /* NULL when none recorded */
};

/** A list of entries, oldest first (firstQueuedAt, then run id). */
struct aidf_outbox_list {
    size_t n, cap;
    struct aidf_outbox_entry *items;
};

/** Free an entry's strings and zero it. */
void aidf_outbox_entry_release(struct aidf_outbox_entry *e);
/** Free every entry and the array; the list is empty afterwards. */
void aidf_outbox_list_release(struct aidf_outbox_list *l);

/**
 * The server URL as the outbox keys it: surrounding white space and trailing '/'
 * removed. New heap string.
 */
char *aidf_outbox_normalize_server(const char *server);

/**
 * Absolute path of the entry file for (`run_id`, `server`) under `reports_dir`
 * (new heap string). The file may not exist.
 */
char *aidf_outbox_entry_path(const char *reports_dir, const char *run_id, const char *server);

/**
 * Queue `run_id` for `server` (idempotent): creates the entry with attempts 0 when it
 * does not exist; an existing entry is left as it is except that `file` is updated.
 * `run_id` must be a canonical UUID (AIDF_EINVAL otherwise). Creates `.outbox` when
 * needed. AIDF_OK, AIDF_EINVAL or AIDF_EIO.
 */
int aidf_outbox_add(const char *reports_dir, const char *run_id, const char *server,
                    const char *file, struct aidf_error *err);

/**
 * Record failed delivery attempts: creates the entry when missing (like
 * aidf_outbox_add), then adds `attempts` to its count, sets lastAttemptAt to now and
 * lastError to `error` (NULL keeps the previous one). AIDF_OK, AIDF_EINVAL or AIDF_EIO.
 */
int aidf_outbox_record_failure(const char *reports_dir, const char *run_id, const char *server,
                               const char *file, int attempts, const char *error,
                               struct aidf_error *err);

/**
 * Read one entry into `out` (zeroed by the caller; written only on success).
 * AIDF_ENOTFOUND when there is none, AIDF_EINVAL when the file is corrupt, AIDF_EIO.
 */
int aidf_outbox_get(const char *reports_dir, const char *run_id, const char *server,
                    struct aidf_outbox_entry *out, struct aidf_error *err);

/**
 * Remove the entry for (`run_id`, `server`) after delivery. Removing an entry that is
 * not there is AIDF_OK. AIDF_OK or AIDF_EIO.
 */
int aidf_outbox_remove(const char *reports_dir, const char *run_id, const char *server,
                       struct aidf_error *err);

/**
 * List the entries queued for `server` (NULL: every server) into `out` (zeroed by the
 * caller; release it even on error), oldest first. A missing outbox is an empty list.
 *
 * Files whose names do not have the form of an entry ("<36 characters>-<8 characters>.json")
 * are ignored. A file named like an entry is corrupt when it is not a regular file, is
 * larger than AIDF_OUTBOX_MAX_ENTRY_BYTES, is not a JSON object (invalid JSON or UTF-8,
 * duplicate keys), is not an entry (runId not a run id; server or file missing or empty;
 * attempts not an integer >= 0; file absolute or with "..") or is not named
 * "<runId>-<srv8>.json" for its own runId and server. A corrupt entry, whichever server it
 * was for, is moved once, durably, to `<reports_dir>/.outbox/failed/` under its own name
 * ("<name>.2", ".3", ... when that name is taken), with one warning, and is not listed;
 * when it cannot be moved it is skipped with a warning. A file that cannot be read now
 * (permissions, an I/O error) is skipped with a warning and stays. AIDF_OK or AIDF_EIO.
 */
int aidf_outbox_list(const char *reports_dir, const char *server, struct aidf_outbox_list *out,
                     struct aidf_error *err);

/** The path `<reports_dir>/.outbox/failed` (new heap string); it may not exist. */
char *aidf_outbox_failed_dir(const char *reports_dir);

/**
 * Count the corrupt entries set aside in `<reports_dir>/.outbox/failed/` into `*n` (0
 * when there is no such directory). AIDF_OK or AIDF_EIO (`*n` is 0).
 */
int aidf_outbox_failed_count(const char *reports_dir, size_t *n, struct aidf_error *err);

#endif
