/*
 * Error codes and the error detail out-parameter shared by the core library.
 *
 * Functions that can fail return int: AIDF_OK (0) or a negative AIDF_E* code.
 * Detail travels in an optional `struct aidf_error *` (may be NULL).
 */
#ifndef AIDF_ERR_H
#define AIDF_ERR_H

enum aidf_err_code {
    AIDF_OK = 0,
    AIDF_EINVAL = -1,    /* bad input (syntax, type, range) */
    AIDF_ENOTFOUND = -2, /* no such run, file or key */
    AIDF_EIO = -3,       /* an operating-system call failed */
    AIDF_ETOOBIG = -4,   /* input over a configured limit */
    AIDF_ETIMEOUT = -5,
    AIDF_EREMOTE = -6,    /* the other side answered with an error */
    AIDF_EAMBIGUOUS = -7, /* an id prefix matches more than one run */
    AIDF_ECONFLICT = -8,  /* different content under an existing id */
    AIDF_EINTERNAL = -9,
};

struct aidf_error {
    int code;
    int line, col; /* 1-based position in the input, 0 when unknown */
    char msg[512];
};

/** Static text for an AIDF_E* code ("invalid input", ...). Never NULL. */
const char *aidf_strerror(int code);

/**
 * Fill `err` (when not NULL) with `code` and a printf-style message and return `code`,
 * so call sites read `return aidf_fail(err, AIDF_EINVAL, "bad '%s'", key);`.
 */
int aidf_fail(struct aidf_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** Like aidf_fail() and also records a 1-based line/column. */
int aidf_fail_at(struct aidf_error *err, int code, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/** Reset `err` to "no error" (code 0, empty message). NULL is a no-op. */
void aidf_error_clear(struct aidf_error *err);

#endif
