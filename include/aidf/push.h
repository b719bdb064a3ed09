/*
 * Push reports to an `aidf serve` report server (POST <server>/runs), with retries and
 * the durable outbox (aidf/outbox.h) for what could not be delivered.
 *
 * Outcomes by response:
 *   201 → delivered; 200 → already on the server (identical content; counts once);
 *   409 → conflict: the server holds a different report under this run id. Not
 *         retried, removed from the outbox, reported: a human must look;
 *   other 4xx (400, 401, 403, 413, 415, ...) and 3xx → rejected: not retried now,
 *         kept in the outbox (a 401 is fixed by setting the token, then --pending);
 *   transport errors, timeouts, 408, 429, 5xx → retried with exponential backoff
 *         honouring Retry-After; after the last attempt queued in the outbox.
 *
 * These functions never abort the caller: every failure is a result, logged with
 * aidf_warn() unless the options ask for quiet. Ownership: arguments are borrowed.
 */
#ifndef AIDF_PUSH_H
#define AIDF_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/err.h"

/* The environment variable that holds the bearer token by default. */
#define AIDF_PUSH_DEFAULT_TOKEN_ENV "AIDF_SERVER_TOKEN"
#define AIDF_PUSH_DEFAULT_RETRIES   2 /* three attempts in all */
#define AIDF_PUSH_DEFAULT_BASE_MS   500
#define AIDF_PUSH_DEFAULT_TIMEOUT   30000 /* ms per attempt */

/** How to push. Zero-initialise, then set `server`; zero fields take the defaults. */
struct aidf_push_opts {
    const char *server;    /* base URL, e.g. "http://ci-box:7070" (trailing '/' allowed) */
    const char *token;     /* bearer token; NULL or "": no Authorization header */
    int retries;           /* retries after the first attempt; 0: the default (2) */
    bool no_retries;       /* exactly one attempt (overrides `retries`) */
    int64_t base_delay_ms; /* backoff before the first retry; 0: 500 */
    long timeout_ms;       /* per attempt; 0: 30000 */
    bool no_queue;         /* never add to the outbox (it is still cleaned on delivery) */
    bool quiet;            /* do not aidf_warn() about failures (the caller prints them) */
};

enum aidf_push_outcome {
    AIDF_PUSH_DELIVERED = 0, /* 201 */
    AIDF_PUSH_ALREADY,       /* 200: the identical report was already there */
    AIDF_PUSH_CONFLICT,      /* 409: a different report under this id */
    AIDF_PUSH_REJECTED,      /* a final non-2xx answer: kept in the outbox */
    AIDF_PUSH_FAILED,        /* transport error or retryable status after the last try */
    AIDF_PUSH_INVALID,       /* the report file is missing or unreadable; nothing sent */
    AIDF_PUSH_SKIPPED,       /* aidf_push_pending() only: not tried, the server is down */
};

/** The result of one report's delivery. */
struct aidf_push_result {
    enum aidf_push_outcome outcome;
    char run_id[40];   /* the report's runId ("" when unreadable) */
    long status;       /* last HTTP status; 0 when none arrived */
    int attempts;      /* POSTs made */
    bool queued;       /* the report is in the outbox after this call */
    char message[512]; /* why it was not delivered, e.g. "connection refused",
                          "HTTP 401 Unauthorized: missing or invalid token" */
};

/**
 * Name of an outcome: "delivered", "already", "conflict", "rejected", "failed",
 * "invalid", "skipped".
 */
const char *aidf_push_outcome_name(enum aidf_push_outcome o);

/**
 * The bearer token from the environment variable `env_name` (NULL: AIDF_SERVER_TOKEN).
 * Borrowed from the environment; NULL when unset or empty.
 */
const char *aidf_push_token_from_env(const char *env_name);

/**
 * Deliver one report file to o->server: POST <server>/runs with the file's exact bytes,
 * Content-Type application/json and, when o->token is set, Authorization: Bearer.
 * `path` is absolute or relative to `reports_dir`. With `reports_dir` (may be NULL: no
 * outbox) the outbox is kept right: removed on delivery, already-there and conflict;
 * created or updated on rejection and failure (unless o->no_queue).
 * Fills `res` and returns AIDF_OK (delivered or already there), AIDF_ECONFLICT,
 * AIDF_EREMOTE (rejected), AIDF_EIO / AIDF_ETIMEOUT (failed) or AIDF_ENOTFOUND /
 * AIDF_EINVAL (the report file cannot be read or has no valid runId).
 */
int aidf_push_report_file(const char *reports_dir, const char *path, const struct aidf_push_opts *o,
                          struct aidf_push_result *res);

/** Called after each outbox entry is processed by aidf_push_pending(). */
typedef void (*aidf_push_progress_fn)(const struct aidf_push_result *res, void *ctx);

/** Counts of a aidf_push_pending() walk. */
struct aidf_push_summary {
    size_t delivered, already, conflicts, rejected, failed, invalid;
    size_t skipped; /* left untouched because the server became unreachable */
    size_t pending; /* entries still queued for the server afterwards */
};

/**
 * Deliver the outbox entries queued for o->server, oldest first, calling `cb` (may be
 * NULL) after each (with outcome AIDF_PUSH_SKIPPED for those not tried). When a delivery fails at
 * the transport level or with a retryable status after its retries, the walk stops (the server is
 * down; the remaining entries are counted as skipped and stay queued). Entries whose report file is
 * gone are removed with a warning. `sum` (optional) receives the counts. Returns AIDF_OK when every
 * processed entry was delivered or already there, AIDF_ECONFLICT / AIDF_EREMOTE / AIDF_EIO
 * otherwise (the first failure kind met), AIDF_EIO when the outbox cannot be read.
 */
int aidf_push_pending(const char *reports_dir, const struct aidf_push_opts *o,
                      aidf_push_progress_fn cb, void *ctx, struct aidf_push_summary *sum);

#endif
