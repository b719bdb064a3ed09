#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "aidf/err.h"
#include "aidf/timeutil.h"

static void test_iso_round_trip(void **state)
{
    (void)state;
    char out[AIDF_ISO_LEN];
    int64_t t = 0;
    aidf_iso_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    assert_int_equal(aidf_iso_parse("2024-02-29T23:59:59.999Z", &t), AIDF_OK);
    aidf_iso_format(t, out);
    assert_string_equal(out, "2024-02-29T23:59:59.999Z");
    assert_int_equal(aidf_iso_parse("2026-11-24", &t), AIDF_OK);
    aidf_iso_format(t, out);
    assert_string_equal(out, "2026-11-24T00:00:00.000Z");
    char date[11];
    aidf_date_format(t + 86399999, date);
    assert_string_equal(date, "2026-11-24");
}

static void test_iso_zones_and_fractions(void **state)
{
    (void)state;
    int64_t a, b;
    assert_int_equal(aidf_iso_parse("2026-01-01T10:00:00+02:00", &a), AIDF_OK);
    assert_int_equal(aidf_iso_parse("2026-01-01T08:00:00Z", &b), AIDF_OK);
    assert_int_equal(a, b);
    assert_int_equal(aidf_iso_parse("2026-01-01T08:00:00.5Z", &a), AIDF_OK);
    assert_int_equal(a - b, 500);
    assert_int_equal(aidf_iso_parse("2026-01-01T08:00:00.123456789Z", &a), AIDF_OK);
    assert_int_equal(a - b, 123);
    assert_int_equal(aidf_iso_parse("2026-01-01T08:00Z", &a), AIDF_OK);
    assert_int_equal(a, b);
    assert_int_equal(aidf_iso_parse("1969-12-31T23:59:59.000Z", &a), AIDF_OK);
    assert_int_equal(a, -1000);
}

static void test_iso_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"",
                         "2026",
                         "2026-13-01",
                         "2026-02-30",
                         "2025-02-29",
                         "2026-01-01T25:00:00Z",
                         "2026-01-01T10:00:00Zjunk",
                         "2026-01-01T10",
                         "2026-01-01T10:00:00.Z",
                         "20x6-01-01",
                         "2026-01-01T10:00:00+2",
                         "../../etc/passwd"};
    int64_t t = 42;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(aidf_iso_parse(bad[i], &t), AIDF_EINVAL);
        assert_int_equal(t, 42);
    }
    assert_int_equal(aidf_iso_parse(NULL, &t), AIDF_EINVAL);
}

static void test_parse_when(void **state)
{
    (void)state;
    int64_t now = 1700000000000, t;
    assert_int_equal(aidf_parse_when("7d", now, false, &t), AIDF_OK);
    assert_int_equal(now - t, 7 * 86400000LL);
    assert_int_equal(aidf_parse_when("24h", now, false, &t), AIDF_OK);
    assert_int_equal(now - t, 24 * 3600000LL);
    assert_int_equal(aidf_parse_when("2w", now, false, &t), AIDF_OK);
    assert_int_equal(now - t, 14 * 86400000LL);
    assert_int_equal(aidf_parse_when("2026-11-01", now, true, &t), AIDF_OK);
    char out[AIDF_ISO_LEN];
    aidf_iso_format(t, out);
    assert_string_equal(out, "2026-11-01T23:59:59.999Z");
    assert_int_equal(aidf_parse_when("2026-11-01T10:00:00Z", now, true, &t), AIDF_OK);
    aidf_iso_format(t, out);
    assert_string_equal(out, "2026-11-01T10:00:00.000Z");
    /* m is minutes, not months. */
    assert_int_equal(aidf_parse_when("30m", now, false, &t), AIDF_OK);
    assert_int_equal(now - t, 30 * 60000LL);
    assert_int_equal(aidf_parse_when("90s", now, false, &t), AIDF_OK);
    assert_int_equal(now - t, 90000);
    assert_int_equal(aidf_parse_when("0d", now, false, &t), AIDF_OK);
    assert_int_equal(t, now);
    /* Calendar months and years, the day clamped to the target month. */
    int64_t mar31;
    assert_int_equal(aidf_iso_parse("2026-03-31T10:20:30.400Z", &mar31), AIDF_OK);
    assert_int_equal(aidf_parse_when("1mo", mar31, false, &t), AIDF_OK);
    aidf_iso_format(t, out);
    assert_string_equal(out, "2026-02-28T10:20:30.400Z");
    assert_int_equal(aidf_parse_when("13mo", mar31, false, &t), AIDF_OK);
    aidf_iso_format(t, out);
    assert_string_equal(out, "2025-02-28T10:20:30.400Z");
    assert_int_equal(aidf_parse_when("1y", mar31 - 31LL * 86400000, false, &t), AIDF_OK);
    aidf_iso_format(t, out);
    assert_string_equal(out, "2025-02-28T10:20:30.400Z"); /* from 2026-02-28 */
    int64_t leap;
    assert_int_equal(aidf_iso_parse("2024-02-29T00:00:00Z", &leap), AIDF_OK);
    assert_int_equal(aidf_parse_when("4y", leap, false, &t), AIDF_OK);
    aidf_iso_format(t, out);
    assert_string_equal(out, "2020-02-29T00:00:00.000Z");
    assert_int_equal(aidf_parse_when("1y", leap, false, &t), AIDF_OK);
    aidf_iso_format(t, out);
    assert_string_equal(out, "2023-02-28T00:00:00.000Z");
    assert_non_null(strstr(aidf_when_units_help, "mo (calendar months)"));
    const char *bad[] = {"",         "d",  "7x",   "-7d", "7dd", "99999999999999999999d",
                         "1000000d", "7M", "7mon", "7 d", "7ms", "100001s",
                         "7d "};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(aidf_parse_when(bad[i], now, false, &t), AIDF_EINVAL);
}

static void test_format_duration(void **state)
{
    (void)state;
    char b[32];
    aidf_format_duration(850, b, sizeof(b));
    assert_string_equal(b, "850ms");
    aidf_format_duration(12300, b, sizeof(b));
    assert_string_equal(b, "12.3s");
    aidf_format_duration(245000, b, sizeof(b));
    assert_string_equal(b, "4m 05s");
    aidf_format_duration(7380000, b, sizeof(b));
    assert_string_equal(b, "2h 03m");
    aidf_format_duration(-5, b, sizeof(b));
    assert_string_equal(b, "0ms");
}

static void test_monotonic(void **state)
{
    (void)state;
    int64_t a = aidf_mono_ns(), b = aidf_mono_ns();
    assert_true(b >= a);
    assert_true(aidf_wall_ms() > 1600000000000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iso_round_trip),  cmocka_unit_test(test_iso_zones_and_fractions),
        cmocka_unit_test(test_iso_rejects),     cmocka_unit_test(test_parse_when),
        cmocka_unit_test(test_format_duration), cmocka_unit_test(test_monotonic),
    };
    return cmocka_run_group_tests_name("timeutil", tests, NULL, NULL);
}
