/* Helpers shared by the cmocka unit tests. */
#ifndef AIDF_TESTUTIL_H
#define AIDF_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/** Create a fresh temporary directory (mkdtemp under $TMPDIR or /tmp); heap path. */
char *tu_mkdtemp(void);
/** rm -rf `path` (no shell). */
void tu_rmrf(const char *path);
/** Write `text` to dir/rel, creating parent directories. */
void tu_write(const char *dir, const char *rel, const char *text);
/** Read a file under tests/data (AIDF_TEST_DATA); heap string, aborts when missing. */
char *tu_read_data(const char *rel, size_t *len);
/** Read any file; heap string or NULL. */
char *tu_read(const char *path, size_t *len);

/** `dir`/`rel` exists (lstat: a dangling symlink exists too). */
bool tu_exists(const char *dir, const char *rel);

/** Seconds on the monotonic clock. */
double tu_now_s(void);
/** Sleep `ms` milliseconds (resumed after a signal). */
void tu_sleep_ms(long ms);
/** AIDF_TEST_TIMEOUT_MULT from the environment (default 1, as in the e2e tests): the time
 *  limits of timing checks are multiplied by it in slow (sanitizer) builds. */
double tu_time_mult(void);

/** A TCP port on 127.0.0.1 with nothing listening on it (bound, then closed). */
int tu_closed_port(void);

/** Capture the log: replace the log sink with one that appends each line at `max_level`
 *  or more severe (AIDF_LOG_ERROR .. AIDF_LOG_DEBUG) and a newline to a buffer, emptied
 *  by this call. It does not change aidf_log_level. */
void tu_log_capture(int max_level);
/** What was captured since tu_log_capture(); "" when nothing. */
const char *tu_log_text(void);
/** Restore the default log sink; the captured text stays readable until the next
 *  tu_log_capture(). */
void tu_log_capture_stop(void);

#endif
