/* Helpers shared by the cmocka unit tests. */
#ifndef AIDF_TESTUTIL_H
#define AIDF_TESTUTIL_H

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

#endif
