/*
 * The report store: a reports directory (`.ai/reports/`) laid out as
 * `YYYY-MM-DD/run-<first 8 chars of runId>.json` (UTC date of the report's timestamp),
 * plus a compact summary index kept beside the reports in `<dir>/.index`.
 *
 * The index holds one struct aidf_run_summary per report, so list, summary and the
 * summary CSV never re-parse report files. It is a cache: on open and on refresh the
 * store checks each date directory (mtime, and a rescan of directories changed
 * recently) and parses only files that are new or changed; files removed behind our
 * back disappear. Corrupt or foreign files are skipped with a warning.
 *
 * Ownership: the store owns every summary and every string inside one; pointers stay
 * valid until the next call that changes the store (write, refresh, clean) or
 * aidf_store_free(). Not thread-safe: callers that share a store across threads lock.
 */
#ifndef AIDF_STORE_H
#define AIDF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/buf.h"
#include "aidf/containers.h"
#include "aidf/err.h"
#include "aidf/report.h"

/*
 * The string members of struct aidf_run_summary (all but `file`), for code that treats
 * them alike: interning, packing, comparing and persisting. X(name) per member.
 */
#define AIDF_RUN_SUMMARY_STRINGS(X) \
    X(timestamp)                    \
    X(task_path)                    \
    X(task_name)                    \
    X(task_type)                    \
    X(provider)                     \
    X(model)                        \
    X(error_category)               \
    X(project)                      \
    X(actor)                        \
    X(branch)                       \
    X(tags)                         \
    X(currency)

/**
 * What the index keeps of one report. Strings are never NULL ("" when absent).
 * Fields are ordered so the struct has no padding inside (100k of them stay resident
 * in a server).
 */
struct aidf_run_summary {
    char run_id[AIDF_RUN_ID_LEN + 1];
    bool has_tokens, tokens_estimated;
    bool cost_unpriced;    /* cost.unpriced was true, or no cost figure */
    bool ci;               /* environment.ci was true */
    int64_t ts_ms;         /* the report's timestamp, epoch ms */
    int64_t received_ms;   /* when this store first saw the run (POST or file time), epoch ms */
    const char *timestamp; /* as written in the report */
    const char *task_path;
    const char *task_name; /* taskName, else the task path's last component */
    const char *task_type;
    const char *provider; /* provider.type */
    const char *model;    /* provider.model */
    const char *error_category;
    const char *file; /* path relative to the reports dir, e.g. "2026-11-24/run-1a2b3c4d.json" */
    /* files.modified then files.created: a NULL-terminated list of paths, or NULL when the
     * run changed none. In a store the paths are interned: equal paths share a pointer. */
    const char *const *changed_files;
    const char *project; /* project.name */
    const char *actor;
    const char *branch;   /* project.branch, else environment.ciBranch */
    const char *tags;     /* "key=value" lines sorted by key, '\n'-separated (see tags.h) */
    const char *currency; /* cost.currency; "USD" when the report names none */
    int64_t iterations, max_iterations;
    int64_t tokens_in, tokens_out, tokens_total; /* 0 when unknown */
    int64_t cache_read, cache_write, reasoning;  /* 0 when unknown */
    double cost;        /* cost.estimatedTotal; NaN when unpriced or unknown */
    double duration_ms; /* timing.totalDurationMs, 0 when unknown */
    int64_t files_modified, files_created, files_deleted, files_total;
    int64_t scope_violations, validation_runs, validation_failures;
    double phases[AIDF_PHASE_COUNT]; /* cumulative ms of the well-known phases */
    enum aidf_status status;
};

/**
 * The value of tag `key` of a run (a pointer into s->tags, not NUL-terminated: `*len`
 * bytes), or NULL when the run has no such tag.
 */
const char *aidf_run_summary_tag(const struct aidf_run_summary *s, const char *key, size_t *len);

/**
 * Fill `out` from a decoded report; strings point into `r` (borrowed), except
 * `task_name`, `tags` and the `changed_files` array (whose paths are r's), which are built
 * in the caller's `scratch` buffer (reset first), valid until `scratch` changes. `file` is "" and
 * `received_ms` 0 (the store sets both).
 */
void aidf_run_summary_from_report_buf(const struct aidf_report *r, struct aidf_run_summary *out,
                                      struct aidf_buf *scratch);

/**
 * Run filters, shared by `aidf report` and the server (built from text by
 * aidf_filter_set(), include/aidf/filter_parse.h). A filter with several values lets a
 * run through when the run has any of them; different filters are ANDed. Empty lists,
 * zero masks and the open bounds match every run.
 *
 * Ownership: the filter owns its strings (aidf_filter_release() frees them). A filter may
 * be moved by struct assignment; the source is then re-initialised, not released.
 */
struct aidf_filter {
    int64_t since_ms;          /* INT64_MIN: no lower bound */
    int64_t until_ms;          /* INT64_MAX: no upper bound (inclusive) */
    int64_t received_since_ms; /* received_ms >= it; INT64_MIN: any */
    unsigned status_mask;      /* bit (1u << enum aidf_status) per wanted status; 0: any */
    unsigned ci_mask;          /* bit 0: runs outside CI, bit 1: runs in CI; 0: any */
    /* Value lists, each sorted and without duplicates: */
    struct aidf_strlist task;     /* fnmatch() globs against taskPath, its basename, taskName */
    struct aidf_strlist provider; /* exact provider types */
    struct aidf_strlist model;    /* exact models or globs */
    struct aidf_strlist project;  /* exact project names */
    struct aidf_strlist actor;    /* exact actors */
    struct aidf_strlist branch;   /* exact branches */
    struct aidf_strlist tag;      /* "key=value" (that value) or "key" (any value) */
    size_t n_values;              /* values held in all (see AIDF_FILTER_MAX_TOTAL) */
};

/** Initialise a filter that matches everything. */
void aidf_filter_init(struct aidf_filter *f);
/** Free the filter's strings and leave it matching everything. NULL is a no-op. */
void aidf_filter_release(struct aidf_filter *f);
/** True when some filter is set (the filter may reject a run). */
bool aidf_filter_any(const struct aidf_filter *f);
/** True when `s` passes every set filter (NULL `f`: always). */
bool aidf_filter_match(const struct aidf_filter *f, const struct aidf_run_summary *s);

struct aidf_store;

enum aidf_store_flags {
    AIDF_STORE_CREATE = 1 << 0,   /* create the directory when missing */
    AIDF_STORE_READONLY = 1 << 1, /* never write the index or reports */
};

/**
 * Open the store at `dir`, load the index and bring it up to date with the
 * directory. A missing directory is AIDF_ENOTFOUND unless AIDF_STORE_CREATE; a
 * directory that cannot be listed is AIDF_EIO. An index that cannot be saved is not an
 * error (see aidf_store_sync()). `*out` is written only on success; free with
 * aidf_store_free().
 */
int aidf_store_open(const char *dir, unsigned flags, struct aidf_store **out,
                    struct aidf_error *err);
/**
 * Progress of long index work (parsing many new report files): `done` of `total`
 * files parsed. Called from the thread that opened or refreshed the store, only when
 * there are at least AIDF_STORE_PROGRESS_MIN files to parse, last with done == total.
 */
typedef void (*aidf_store_progress_fn)(size_t done, size_t total, void *ctx);
#define AIDF_STORE_PROGRESS_MIN 2000

/** Set the process-wide progress callback (NULL: none). Not thread-safe; call at start-up. */
void aidf_store_set_progress(aidf_store_progress_fn fn, void *ctx);

/** Free the store. NULL is a no-op. */
void aidf_store_free(struct aidf_store *s);

/**
 * Bring the index up to date with the directory (new, changed and removed files) and
 * persist it when it changed (a failed save is not an error: see aidf_store_sync()).
 * Cheap when nothing changed. AIDF_OK or AIDF_EIO (the directory cannot be listed).
 */
int aidf_store_refresh(struct aidf_store *s, struct aidf_error *err);

/**
 * Persist the index now if it changed since it was last written (refresh and
 * aidf_store_free() persist pending changes too; committed stages wait for one). Always
 * AIDF_OK: the index is a cache, so a store that cannot write it (AIDF_STORE_READONLY, no
 * permission, a full disk) keeps it in memory and goes on answering. A failure other than
 * a missing permission is logged once per store as a warning (aidf/log.h); after it, open,
 * refresh, clean and free stop trying and only this function tries again, quietly.
 * `err` is not written.
 */
int aidf_store_sync(struct aidf_store *s, struct aidf_error *err);

/**
 * Write a new run's report into the reports directory `dir` without opening the index
 * (the executor's path: one run, cheap even beside 100k reports; the index notices the
 * file on its next refresh). Durable (aidf_write_file_atomic()); the file is created
 * exclusively as run-<id8>.json, or run-<full id>.json when the short name is taken, so
 * nothing is ever overwritten. `*path_out` (optional) receives the absolute path.
 * AIDF_OK, AIDF_EINVAL (no valid runId or timestamp), AIDF_ECONFLICT (both names taken)
 * or AIDF_EIO.
 */
int aidf_store_write_new(const char *dir, const struct aidf_report *r, char **path_out,
                         struct aidf_error *err);

/**
 * Find runs whose id starts with `prefix` (case-insensitive). `*out` is a new array
 * of borrowed pointers (caller frees the array only), newest first.
 */
size_t aidf_store_find(struct aidf_store *s, const char *prefix,
                       const struct aidf_run_summary ***out);

/**
 * Read the full report for a full run id or a unique prefix into `out` (initialised).
 * AIDF_ENOTFOUND when nothing matches; AIDF_EAMBIGUOUS when several do (the message
 * lists up to 10 candidate ids); AIDF_EINVAL when the prefix has characters that are
 * not hex digits or '-'; the file's own decode error otherwise. `*summary_out`
 * (optional) receives the borrowed index entry.
 */
int aidf_store_read(struct aidf_store *s, const char *id_or_prefix, struct aidf_report *out,
                    const struct aidf_run_summary **summary_out, struct aidf_error *err);

/**
 * Read and decode the full report of `run` (an entry of this store) without touching
 * the index, so it is safe under a shared lock. AIDF_ENOTFOUND when the file is gone;
 * the file's read or decode error otherwise. `out` must be initialised.
 */
int aidf_store_read_run(const struct aidf_store *s, const struct aidf_run_summary *run,
                        struct aidf_report *out, struct aidf_error *err);

/**
 * Like aidf_store_refresh() but never writes the index file: a server calls it under
 * its exclusive lock and saves the index later with aidf_store_sync(). AIDF_OK or
 * AIDF_EIO.
 */
int aidf_store_rescan(struct aidf_store *s, struct aidf_error *err);

/**
 * A counter that changes whenever the indexed runs change (a write, a refresh or
 * rescan that found something, a clean): caches keyed by it stay true.
 */
uint64_t aidf_store_generation(const struct aidf_store *s);

/** True when the in-memory index has changes that aidf_store_sync() would save. */
bool aidf_store_dirty(const struct aidf_store *s);

/*
 * Staged writes, for a server that makes many reports durable with one directory
 * fsync per batch (group commit):
 *
 *   1. aidf_store_stage_new()    no lock needed (reads only the store's directory name):
 *                                encode the report (compact JSON: it comes from
 *                                outside), create its date directory, write a
 *                                hidden temporary file there and fsync it;
 *   2. aidf_store_stage_commit() under the caller's exclusive lock: decide (new,
 *                                identical, conflict), move the file to its final name
 *                                without replacing anything, and index it;
 *   3. aidf_store_fsync_dir()    for each date directory of the batch (and the reports
 *                                directory when a date directory is new), then answer.
 *
 * The staged file is an unnamed O_TMPFILE inode given its name with linkat() (or, where
 * that is not available, a hidden ".tmp-run-..." file renamed with RENAME_NOREPLACE):
 * a refresh never indexes it and a crash leaves nothing that is served.
 */
struct aidf_store_stage;

/**
 * Step 1. `r` is borrowed and must stay valid until aidf_store_stage_free(). `*out`
 * is written only on success. AIDF_EINVAL (no valid runId or timestamp, read-only
 * store) or AIDF_EIO (the temporary file is removed again).
 */
int aidf_store_stage_new(const struct aidf_store *s, const struct aidf_report *r,
                         struct aidf_store_stage **out, struct aidf_error *err);

/**
 * Step 2: put the staged file in its date directory as run-<id8>.json, or
 * run-<full id>.json when the short name holds another run (nothing is ever
 * overwritten), and index it. AIDF_OK (`*existed` tells whether the same run with
 * identical content was already stored; nothing is written then), AIDF_ECONFLICT
 * (different content under the same id, or both names taken) or AIDF_EIO. The
 * directory entry is not yet durable.
 */
int aidf_store_stage_commit(struct aidf_store *s, struct aidf_store_stage *st, bool *existed,
                            struct aidf_error *err);

/** The file of a committed stage relative to the reports dir ("" before a commit). */
const char *aidf_store_stage_file(const struct aidf_store_stage *st);

/** The date directory name of a stage ("YYYY-MM-DD"). */
const char *aidf_store_stage_date(const struct aidf_store_stage *st);

/** Free a stage, removing its temporary file if it was not committed. NULL is a no-op. */
void aidf_store_stage_free(struct aidf_store_stage *st);

/**
 * fsync the date directory `date` ("YYYY-MM-DD"), or the reports directory itself when
 * `date` is NULL. AIDF_OK or AIDF_EIO.
 */
int aidf_store_fsync_dir(const struct aidf_store *s, const char *date, struct aidf_error *err);

/**
 * The `i`-th run, newest first (the order of aidf_store_list()), or NULL when `i` is
 * out of range. Borrowed; O(1), so a caller can page or count without a list copy.
 */
const struct aidf_run_summary *aidf_store_nth(const struct aidf_store *s, size_t i);

/** Number of indexed runs. */
size_t aidf_store_count(const struct aidf_store *s);

/**
 * Runs that pass `f` (NULL: all), newest first (ties broken by run id). `*out` is a new
 * array of borrowed pointers (caller frees the array only); returns the count.
 */
size_t aidf_store_list(struct aidf_store *s, const struct aidf_filter *f,
                       const struct aidf_run_summary ***out);

/** The absolute path of a run's file (new heap string). */
char *aidf_store_path_of(const struct aidf_store *s, const struct aidf_run_summary *run);

/**
 * Delete reports whose timestamp is strictly before `before_ms`. With `dry_run` only
 * count them. `*paths` (optional) receives the relative paths (new list; release with
 * aidf_strlist_release). Empty date directories are removed. Returns AIDF_OK or
 * AIDF_EIO (files deleted before the failure stay deleted and are listed).
 */
int aidf_store_clean(struct aidf_store *s, int64_t before_ms, bool dry_run,
                     struct aidf_strlist *paths, struct aidf_error *err);

#endif
