/*
 * Growable byte buffer with a mandatory maximum.
 *
 * Invariants: `ptr` is never NULL after init (points at a shared "" until the first
 * growth), always NUL-terminated, may contain NULs. Exceeding `max` returns
 * AIDF_ETOOBIG and leaves the buffer valid and unchanged.
 * Ownership: the buffer owns `ptr`; take it with aidf_buf_detach().
 */
#ifndef AIDF_BUF_H
#define AIDF_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct aidf_buf {
    char *ptr;
    size_t len;
    size_t cap; /* 0 while ptr points at the shared empty string */
    size_t max; /* hard cap on len */
};

#define AIDF_BUF_NOLIMIT ((size_t)-1 / 2)
#define AIDF_BUF_INIT(maxlen)          \
    {                                  \
        aidf_buf_empty, 0, 0, (maxlen) \
    }

/* Shared empty string; never written to (cap == 0 marks it). */
extern char aidf_buf_empty[1];

/** Initialise an embedded buffer with cap `max` bytes. Allocates nothing. */
void aidf_buf_init(struct aidf_buf *b, size_t max);
/** Append `n` bytes. AIDF_OK or AIDF_ETOOBIG (buffer unchanged). */
int aidf_buf_add(struct aidf_buf *b, const void *p, size_t n);
/** Append a NUL-terminated string. AIDF_OK or AIDF_ETOOBIG. */
int aidf_buf_addstr(struct aidf_buf *b, const char *s);
/** Append one byte. AIDF_OK or AIDF_ETOOBIG. */
int aidf_buf_addch(struct aidf_buf *b, char c);
/** Append printf-style text. AIDF_OK or AIDF_ETOOBIG (buffer unchanged). */
int aidf_buf_addf(struct aidf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** va_list form of aidf_buf_addf(). */
int aidf_buf_vaddf(struct aidf_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/** Truncate to zero length, keeping the allocation. */
void aidf_buf_reset(struct aidf_buf *b);
/** Free the contents; the buffer is re-initialised (empty, same max). */
void aidf_buf_release(struct aidf_buf *b);
/**
 * Take the heap string out of the buffer (caller frees with free()); the buffer is
 * re-initialised. Always returns a heap pointer, even for an empty buffer.
 */
char *aidf_buf_detach(struct aidf_buf *b, size_t *len);

#endif
