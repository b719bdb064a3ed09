/*
 * SHA-256 through OpenSSL, the one wrapper of the project: of a buffer (the server's
 * token check, the outbox's server tag, git's content hashes) and of a file descriptor.
 */
#ifndef AIDF_SHA256_H
#define AIDF_SHA256_H

#include <stdbool.h>
#include <stddef.h>

#define AIDF_SHA256_LEN 32

/**
 * The SHA-256 digest of p[0..n) into `out`. Returns true; false when OpenSSL fails,
 * and `out` is then all zero bytes (so a caller that cannot fail gets a fixed value).
 */
bool aidf_sha256(const void *p, size_t n, unsigned char out[AIDF_SHA256_LEN]);

/**
 * The SHA-256 digest of everything read from `fd` until end of file (reads retried on
 * EINTR). Returns true; false on a read or OpenSSL error, and `out` is then all zero
 * bytes. The caller keeps and closes `fd`.
 */
bool aidf_sha256_fd(int fd, unsigned char out[AIDF_SHA256_LEN]);

#endif
