/*
 * Unit tests for lib/base/strmap.c and lib/base/siphash.c: SipHash against the
 * reference vectors, the map's lookups, and that two processes (two random keys)
 * hash differently but behave the same from the outside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/siphash.h"
#include "aidf/strmap.h"

static void test_siphash_vectors(void **state)
{
    (void)state;
    unsigned char key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (unsigned char)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (unsigned char)i;
    /* SipHash-2-4, key 00..0f, message 00..(n-1): the reference's vectors. */
    assert_true(aidf_siphash(2, 4, key, msg, 0) == 0x726fdb47dd0e0e31ULL);
    assert_true(aidf_siphash(2, 4, key, msg, 15) == 0xa129ca6149be45e5ULL);
    /* Each length up to 64 gives its own value, and the key matters. */
    unsigned char key2[16];
    memcpy(key2, key, 16);
    key2[15] ^= 1;
    for (size_t n = 0; n < 64; n++) {
        uint64_t h = aidf_siphash(1, 3, key, msg, n);
        assert_true(h != aidf_siphash(1, 3, key, msg, n + 1));
        assert_true(h != aidf_siphash(1, 3, key2, msg, n));
        assert_true(h != aidf_siphash(2, 4, key, msg, n));
    }
}

/* Key i of a set: "task-<i>", "model-<i>" alternating, some sharing prefixes. */
static void key_of(size_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s-%zu", i % 2 ? "model" : "task", i);
}

enum { NKEYS = 20000 };

/*
 * Build a map of NKEYS keys, check every lookup, and return a digest of everything a
 * user can see (found values, stored key pointers, misses). Keys are kept in `store`.
 */
static uint64_t exercise(char (*store)[32])
{
    struct aidf_strmap m;
    aidf_strmap_init(&m);
    for (size_t i = 0; i < NKEYS; i++) {
        key_of(i, store[i], sizeof(store[i]));
        bool added = false;
        size_t *v = aidf_strmap_put(&m, store[i], strlen(store[i]), &added);
        assert_true(added);
        *v = i * 7;
    }
    assert_int_equal(m.n, NKEYS);
    uint64_t digest = 1469598103934665603ULL;
    for (size_t i = 0; i < NKEYS; i++) {
        char probe[32];
        key_of(i, probe, sizeof(probe)); /* another pointer, the same bytes */
        size_t *v = aidf_strmap_find(&m, probe, strlen(probe));
        assert_non_null(v);
        assert_int_equal(*v, i * 7);
        assert_ptr_equal(aidf_strmap_key(&m, probe, strlen(probe)), store[i]);
        bool added = true;
        assert_ptr_equal(aidf_strmap_put(&m, probe, strlen(probe), &added), v);
        assert_false(added);
        digest = (digest ^ *v) * 1099511628211ULL;
    }
    assert_null(aidf_strmap_find(&m, "absent", 6));
    assert_null(aidf_strmap_find(&m, "task-1", 6)); /* only odd numbers are models */
    assert_null(aidf_strmap_find(&m, "task-", 5));
    assert_null(aidf_strmap_key(&m, "model-3x", 8));
    /* Keys are bytes: an embedded NUL is part of the key. */
    assert_non_null(aidf_strmap_put(&m, "a\0b", 3, NULL));
    assert_non_null(aidf_strmap_find(&m, "a\0b", 3));
    assert_null(aidf_strmap_find(&m, "a", 1));
    aidf_strmap_reset(&m);
    assert_int_equal(m.n, 0);
    assert_null(aidf_strmap_find(&m, "task-0", 6));
    aidf_strmap_release(&m);
    return digest;
}

static void test_lookups(void **state)
{
    (void)state;
    char(*store)[32] = calloc(NKEYS, 32);
    exercise(store);
    free(store);
}

/* Run this test binary as a child: it prints "<hash of task-a> <digest>". */
static void child_says(uint64_t *hash, uint64_t *digest)
{
    char exe[4096], cmd[4200];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    snprintf(cmd, sizeof(cmd), "'%s' --child", exe);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%" SCNx64 " %" SCNx64, hash, digest), 2);
    assert_int_equal(pclose(f), 0);
}

static void test_two_processes(void **state)
{
    (void)state;
    uint64_t h1, d1, h2, d2;
    child_says(&h1, &d1);
    child_says(&h2, &d2);
    /* Different random keys: the same name hashes differently (a 2^-64 chance not). */
    assert_true(h1 != h2);
    /* The same behaviour from the outside. */
    assert_true(d1 == d2);
    /* Within one process the hash is a function. */
    assert_true(aidf_strmap_hash("task-a", 6) == aidf_strmap_hash("task-a", 6));
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--child") == 0) {
        char(*store)[32] = calloc(NKEYS, 32);
        uint64_t digest = exercise(store);
        free(store);
        printf("%" PRIx64 " %" PRIx64 "\n", aidf_strmap_hash("task-a", 6), digest);
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_siphash_vectors),
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_two_processes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
