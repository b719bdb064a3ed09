#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidf/tz.h"

/* glibc's answer for zone `name` at `t`: the oracle this single-threaded test may use. */
static long libc_offset(const char *name, time_t t)
{
    setenv("TZ", name, 1);
    tzset();
    struct tm tm;
    assert_non_null(localtime_r(&t, &tm));
    return tm.tm_gmtoff;
}

static const char *const zones[] = {"UTC",
                                    "America/New_York",
                                    "Europe/London",
                                    "Europe/Paris",
                                    "Asia/Kolkata",
                                    "Australia/Sydney",
                                    "Australia/Lord_Howe",
                                    "Pacific/Chatham",
                                    "America/Sao_Paulo",
                                    "Africa/Casablanca",
                                    "America/St_Johns",
                                    "Asia/Tehran",
                                    "Pacific/Apia",
                                    "Europe/Dublin",
                                    "America/Godthab",
                                    "Etc/GMT-14",
                                    "Antarctica/Troll",
                                    "America/Santiago"};

/* Every zone against glibc at many instants from 1901 to 2199, and at every hour around
 * each transition of 2026 (DST days of 23 and 25 hours). */
static void test_against_libc(void **state)
{
    (void)state;
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        struct aidf_error err = {0};
        const struct aidf_tz *tz = aidf_tz_get(zones[z], &err);
        if (!tz)
            fail_msg("%s: %s", zones[z], err.msg);
        assert_ptr_equal(aidf_tz_get(zones[z], &err), tz); /* cached */
        uint64_t x = 88172645463325252ull + z;
        for (int i = 0; i < 4000; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            /* -2177452800 (1901) .. 7258118400 (2200) */
            int64_t t = -2177452800LL + (int64_t)(x % 9435571200ULL);
            long want = libc_offset(zones[z], (time_t)t);
            if (aidf_tz_offset(tz, t) != want)
                fail_msg("%s at %lld: got %d, libc %ld", zones[z], (long long)t,
                         aidf_tz_offset(tz, t), want);
        }
        for (int64_t t = 1767225600; t < 1798761600; t += 1800) { /* 2026, every 30 min */
            long want = libc_offset(zones[z], (time_t)t);
            if (aidf_tz_offset(tz, t) != want)
                fail_msg("%s at %lld: got %d, libc %ld", zones[z], (long long)t,
                         aidf_tz_offset(tz, t), want);
        }
    }
    unsetenv("TZ");
}

static void test_rules(void **state)
{
    (void)state;
    struct aidf_error err = {0};
    struct aidf_tz *tz = aidf_tz_from_rule("EST5EDT,M3.2.0,M11.1.0", &err);
    assert_non_null(tz);
    assert_int_equal(aidf_tz_offset(tz, 1772953199), -5 * 3600); /* 2026-03-08T06:59:59Z */
    assert_int_equal(aidf_tz_offset(tz, 1772953200), -4 * 3600); /* 2026-03-08T07:00:00Z */
    aidf_tz_free(tz);
    tz = aidf_tz_from_rule("<+0530>-5:30", &err);
    assert_non_null(tz);
    assert_int_equal(aidf_tz_offset(tz, 0), 19800);
    aidf_tz_free(tz);
    /* Southern hemisphere: DST across the new year. */
    tz = aidf_tz_from_rule("AEST-10AEDT,M10.1.0,M4.1.0/3", &err);
    assert_int_equal(aidf_tz_offset(tz, 1767225600), 11 * 3600); /* 2026-01-01 */
    assert_int_equal(aidf_tz_offset(tz, 1782864000), 10 * 3600); /* 2026-07-01 */
    aidf_tz_free(tz);
    static const char *const bad[] = {"",
                                      "E5",
                                      "EST",
                                      "EST5EDT,M13.1.0,M1.1.0",
                                      "EST5EDT,M3.6.0,M11.1.0",
                                      "EST5EDT,M3.2.7,M11.1.0",
                                      "EST5EDT,J0,J365",
                                      "EST5EDT,366,1",
                                      "EST5EDT,M3.2.0",
                                      "EST5EDT,M3.2.0,M11.1.0x",
                                      "EST25",
                                      "<AB>5",
                                      "EST5:60",
                                      "EST5EDT,M3.2.0/168,M11.1.0",
                                      "EST5EDT,M3.2.0,M11.1.0/"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tz = aidf_tz_from_rule(bad[i], &err);
        if (tz)
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(err.code, AIDF_EINVAL);
    }
}

static void test_names(void **state)
{
    (void)state;
    struct aidf_error err = {0};
    static const char *const bad[] = {
        "",
        "../../etc/passwd",
        "/etc/localtime",
        "America/",
        "America//New_York",
        "right/UTC",
        "Europe/Paris\n",
        "zone.tab",
        "a b",
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(aidf_tz_get(bad[i], &err));
        assert_int_equal(err.code, AIDF_EINVAL);
    }
    assert_null(aidf_tz_get(NULL, &err));
    assert_null(aidf_tz_get("Mars/Olympus_Mons", &err));
    assert_int_equal(err.code, AIDF_ENOTFOUND);
    assert_null(aidf_tz_get("America", &err)); /* a directory */
    assert_int_equal(err.code, AIDF_ENOTFOUND);
    const struct aidf_tz *utc = aidf_tz_get("UTC", &err);
    assert_non_null(utc);
    assert_string_equal(aidf_tz_name(utc), "UTC");
    assert_int_equal(aidf_tz_offset(utc, 1767225600), 0);
}

/* Truncated, corrupted and hostile TZif bytes: refused, never read out of bounds. */
static void test_hostile_files(void **state)
{
    (void)state;
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Paris", "rb");
    assert_non_null(f);
    unsigned char buf[16384];
    size_t len = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct aidf_error err = {0};
    struct aidf_tz *tz = aidf_tz_parse("Europe/Paris", buf, len, &err);
    assert_non_null(tz);
    assert_int_equal(aidf_tz_offset(tz, 1782864000), 7200);
    aidf_tz_free(tz);
    for (size_t cut = 0; cut < len; cut += (cut < 100 ? 1 : 37)) {
        unsigned char *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        tz = aidf_tz_parse("cut", copy, cut, &err);
        aidf_tz_free(tz); /* a cut inside the footer is refused; NULL is fine to free */
        free(copy);
    }
    uint64_t x = 42;
    for (int round = 0; round < 3000; round++) {
        unsigned char copy[16384];
        memcpy(copy, buf, len);
        for (int k = 0; k < 4; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            copy[x % len] = (unsigned char)(x >> 32);
        }
        tz = aidf_tz_parse("fuzz", copy, len, &err);
        if (tz) {
            (void)aidf_tz_offset(tz, (int64_t)(x >> 8) - (1LL << 50));
            (void)aidf_tz_offset(tz, 1782864000);
            aidf_tz_free(tz);
        }
    }
    assert_null(aidf_tz_parse("x", (const unsigned char *)"TZif", 4, &err));
}

/* The span of an offset holds that offset at both ends and in between, for every zone
 * (transition tables, rule footers, slim files) from 1901 to 2199. */
static void test_offset_span(void **state)
{
    (void)state;
    struct aidf_error err = {0};
    for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
        const struct aidf_tz *tz = aidf_tz_get(zones[z], &err);
        assert_non_null(tz);
        uint64_t x = 0x9e3779b97f4a7c15ull + z;
        for (int i = 0; i < 3000; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int64_t t = -2177452800LL + (int64_t)(x % 9435571200ULL), from, until;
            int32_t off = aidf_tz_offset_span(tz, t, &from, &until);
            assert_int_equal(off, aidf_tz_offset(tz, t));
            if (!(from <= t && t < until))
                fail_msg("%s at %lld: span [%lld, %lld) misses it", zones[z], (long long)t,
                         (long long)from, (long long)until);
            /* Ends and a few inner points (spans of a rule year or of a table entry); an
             * unbounded span (UTC, Etc/GMT-14) has none to probe. */
            if (from == INT64_MIN || until == INT64_MAX)
                continue;
            int64_t probes[4] = {from, until - 1, from + (until - from) / 3,
                                 from + 2 * ((until - from) / 3)};
            for (int k = 0; k < 4; k++) {
                if (aidf_tz_offset(tz, probes[k]) != off)
                    fail_msg("%s: offset at %lld differs inside the span of %lld", zones[z],
                             (long long)probes[k], (long long)t);
            }
        }
    }
    /* A rule zone: the span ends at the DST change (2026-03-08T07:00Z). */
    struct aidf_tz *r = aidf_tz_from_rule("EST5EDT,M3.2.0,M11.1.0", &err);
    assert_non_null(r);
    int64_t from, until;
    assert_int_equal(aidf_tz_offset_span(r, 1772900000, &from, &until), -5 * 3600);
    assert_int_equal(until, 1772953200);
    assert_int_equal(aidf_tz_offset_span(r, 1772953200, &from, &until), -4 * 3600);
    assert_int_equal(from, 1772953200);
    aidf_tz_free(r);
    /* UTC never changes. */
    assert_int_equal(aidf_tz_offset_span(aidf_tz_get("UTC", &err), 0, &from, &until), 0);
    assert_true(from == INT64_MIN && until == INT64_MAX);
}

/* The local zone from TZ in its forms; never NULL. */
static void test_local(void **state)
{
    (void)state;
    struct aidf_error err = {0};
    const char *saved = getenv("TZ");
    char *keep = saved ? strdup(saved) : NULL;

    setenv("TZ", "America/New_York", 1);
    assert_string_equal(aidf_tz_name(aidf_tz_local(&err)), "America/New_York");
    setenv("TZ", ":Europe/Berlin", 1);
    assert_string_equal(aidf_tz_name(aidf_tz_local(&err)), "Europe/Berlin");
    setenv("TZ", "/usr/share/zoneinfo/Asia/Tokyo", 1);
    assert_string_equal(aidf_tz_name(aidf_tz_local(&err)), "Asia/Tokyo");
    setenv("TZ", "", 1);
    assert_string_equal(aidf_tz_name(aidf_tz_local(&err)), "UTC");
    setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1);
    const struct aidf_tz *rule = aidf_tz_local(&err);
    assert_string_equal(aidf_tz_name(rule), "EST5EDT,M3.2.0,M11.1.0");
    assert_int_equal(aidf_tz_offset(rule, 1772953200), -4 * 3600);
    assert_ptr_equal(aidf_tz_local(&err), rule); /* kept */
    aidf_error_clear(&err);
    setenv("TZ", "Nowhere/Zone", 1);
    assert_string_equal(aidf_tz_name(aidf_tz_local(&err)), "UTC");
    assert_int_equal(err.code, AIDF_ENOTFOUND);
    aidf_error_clear(&err);
    setenv("TZ", "../../etc/passwd", 1);
    assert_string_equal(aidf_tz_name(aidf_tz_local(&err)), "UTC");
    assert_int_equal(err.code, AIDF_EINVAL);
    /* No TZ: /etc/localtime (or UTC), whatever this machine has. */
    unsetenv("TZ");
    assert_non_null(aidf_tz_local(&err));

    if (keep)
        setenv("TZ", keep, 1);
    free(keep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_libc), cmocka_unit_test(test_rules),
        cmocka_unit_test(test_names),        cmocka_unit_test(test_hostile_files),
        cmocka_unit_test(test_offset_span),  cmocka_unit_test(test_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
