/*
 * IANA time zones without touching the process's TZ: the system's zone database
 * (/usr/share/zoneinfo, TZif files per RFC 8536, versions 1 to 4) read into an immutable
 * object, so threads can compute local times in many zones at once. (localtime_r() only
 * knows the zone of the TZ variable, and setenv("TZ") in a threaded server is a data race.)
 *
 * Times after the file's last transition follow its POSIX TZ footer ("EST5EDT,M3.2.0,
 * M11.1.0"), so dates past 2037 and "slim" zone files work too. Leap seconds are ignored,
 * as POSIX time does.
 *
 * Ownership: aidf_tz_get() returns a shared, immutable zone that lives until the process
 * ends (zones are cached by name); never free it. Thread-safe.
 */
#ifndef AIDF_TZ_H
#define AIDF_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/err.h"

struct aidf_tz;

/**
 * The zone named `name`: "UTC", or an IANA name such as "America/New_York" (letters,
 * digits, '_', '-', '+' and '/' between components; no "..", at most 64 bytes), read from
 * $TZDIR or /usr/share/zoneinfo the first time it is asked for. Returns NULL with
 * AIDF_EINVAL (a malformed name or file) or AIDF_ENOTFOUND (no such zone) in `err`.
 */
const struct aidf_tz *aidf_tz_get(const char *name, struct aidf_error *err);

/** The zone's name as asked for ("UTC", "Europe/Paris"). */
const char *aidf_tz_name(const struct aidf_tz *tz);

/** Seconds to add to UTC to get local time in `tz` at instant `t` (seconds since the epoch;
 *  instants beyond ±2^40 s are taken as ±2^40). */
int32_t aidf_tz_offset(const struct aidf_tz *tz, int64_t t);

/**
 * The offset at `t` as aidf_tz_offset() gives it, and an interval [`*from`, `*until`) that
 * holds `t` and over which the offset stays the same, so a caller can reuse the offset for
 * nearby instants without asking again. The interval is not always the longest one (it may
 * end at a year boundary of the zone's rule); INT64_MIN / INT64_MAX stand for no bound.
 */
int32_t aidf_tz_offset_span(const struct aidf_tz *tz, int64_t t, int64_t *from, int64_t *until);

/**
 * The local zone of this process: $TZ when set (":Area/City", "Area/City", an absolute path
 * to a TZif file, or a POSIX rule such as "EST5EDT,M3.2.0,M11.1.0"; empty means UTC), else
 * /etc/localtime under the IANA name it links to (or /etc/timezone names), else UTC. Read
 * once and kept, like aidf_tz_get()'s zones (never free it). A $TZ that names no readable
 * zone falls back to UTC with a message in `err` (AIDF_ENOTFOUND or AIDF_EINVAL); the
 * result is never NULL.
 */
const struct aidf_tz *aidf_tz_local(struct aidf_error *err);

/**
 * Parse a POSIX TZ rule string ("CET-1CEST,M3.5.0,M10.5.0/3", "<+0530>-5:30") into a zone
 * with no transition table, for tests and for files whose table is empty. NULL with
 * AIDF_EINVAL on a malformed rule. The caller frees it with aidf_tz_free().
 */
struct aidf_tz *aidf_tz_from_rule(const char *rule, struct aidf_error *err);

/**
 * Parse a TZif file's bytes (`name` is what aidf_tz_name() will say). NULL with AIDF_EINVAL
 * when they are not a well-formed TZif file. The caller frees it with aidf_tz_free().
 */
struct aidf_tz *aidf_tz_parse(const char *name, const unsigned char *data, size_t len,
                              struct aidf_error *err);

/** Free a zone from aidf_tz_from_rule() or aidf_tz_parse() (never one from aidf_tz_get()). */
void aidf_tz_free(struct aidf_tz *tz);

#endif
