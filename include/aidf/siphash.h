/*
 * SipHash, the keyed pseudo-random function of Aumasson and Bernstein: with a secret
 * 128-bit key, an attacker who chooses the inputs cannot predict or force collisions
 * of the 64-bit outputs. The string map hashes with SipHash-1-3 under a per-process
 * random key, so task and model names sent to the server cannot flood one bucket.
 */
#ifndef AIDF_SIPHASH_H
#define AIDF_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define AIDF_SIPHASH_KEY_LEN 16

/**
 * SipHash-c-d of the `len` bytes at `data` under the 16-byte `key` (read little-endian
 * as in the reference): `c_rounds` compression rounds per 8-byte block and `d_rounds`
 * finalisation rounds (2 and 4 for SipHash-2-4, 1 and 3 for SipHash-1-3). Never fails.
 */
uint64_t aidf_siphash(unsigned c_rounds, unsigned d_rounds,
                      const unsigned char key[AIDF_SIPHASH_KEY_LEN], const void *data, size_t len);

#endif
