/*
 * Notifications at the end of a run (fed by the
 * execution report): desktop (notify-send, when it exists), Slack, Discord, a generic
 * webhook and email (SMTP through libcurl), filtered by notifications.level (all: every
 * run; errors: failed and blocked; blocked: blocked only). Each message carries the
 * task, status, iterations, files, tokens, cost, duration and the error or blocked
 * reason. Every channel is bounded in time; failures are logged and never affect the
 * run. A run whose status is not completed or blocked counts as failed (filter, title,
 * colour). Webhook URLs, credentials and header values are never logged.
 *
 * Ownership: arguments are borrowed.
 */
#ifndef AIDF_NOTIFY_H
#define AIDF_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "aidf/config.h"
#include "aidf/report.h"

/* Time limit of one channel's delivery (ms). */
#define AIDF_NOTIFY_TIMEOUT_MS 10000

/**
 * Which channels were tried and how they did. A channel that is enabled but cannot be
 * used (no notify-send on PATH, an empty URL, no smtp_host) is skipped: not attempted.
 * attempted == delivered + failed.
 */
struct aidf_notify_result {
    int attempted, delivered, failed;
    bool filtered; /* the level filter skipped this run (nothing attempted) */
};

/** True when `level` lets a run with `status` through. */
bool aidf_notify_wanted(enum aidf_notify_level level, enum aidf_status status);

/**
 * Send the notifications `cfg->notifications` enables for the run `r`. `res` (optional)
 * receives the counts. Never fails; problems are logged with aidf_warn().
 */
void aidf_notify_run(const struct aidf_config *cfg, const struct aidf_report *r,
                     struct aidf_notify_result *res);

#endif
