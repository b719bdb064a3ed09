/*
 * Diagnostics: one line per event on stderr (or a sink set by the front end).
 * The level check happens before formatting. Never log bodies or secrets.
 */
#ifndef AIDF_LOG_H
#define AIDF_LOG_H

enum aidf_log_level {
    AIDF_LOG_ERROR = 0,
    AIDF_LOG_WARN = 1,
    AIDF_LOG_INFO = 2,
    AIDF_LOG_DEBUG = 3,
};

/** Messages above this level are dropped. Default AIDF_LOG_WARN. */
extern int aidf_log_level;

/** Sink for formatted lines (without trailing newline); NULL restores stderr. */
typedef void (*aidf_log_sink_fn)(int level, const char *line, void *ctx);
void aidf_log_set_sink(aidf_log_sink_fn fn, void *ctx);

/** Parse "error|warn|info|debug"; returns the level or -1. */
int aidf_log_parse_level(const char *s);

/** Format and emit one line. Use the aidf_log() macro, which checks the level first. */
void aidf_log_emit(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define aidf_log(level, ...)                     \
    do {                                         \
        if ((level) <= aidf_log_level)           \
            aidf_log_emit((level), __VA_ARGS__); \
    } while (0)

#define aidf_warn(...)  aidf_log(AIDF_LOG_WARN, __VA_ARGS__)
#define aidf_info(...)  aidf_log(AIDF_LOG_INFO, __VA_ARGS__)
#define aidf_debug(...) aidf_log(AIDF_LOG_DEBUG, __VA_ARGS__)

#endif
