#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "aidf/period.h"
#include "aidf/timeutil.h"

static void expect_key(enum aidf_interval iv, const char *zone, const char *iso, const char *want)
{
    struct aidf_error err = {0};
    const struct aidf_tz *tz = aidf_tz_get(zone, &err);
    assert_non_null(tz);
    int64_t ms;
    assert_int_equal(aidf_iso_parse(iso, &ms), AIDF_OK);
    char key[AIDF_PERIOD_MAX];
    size_t n = aidf_period_key(iv, tz, ms, key);
    if (strcmp(key, want) != 0)
        fail_msg("%s %s in %s: got %s, want %s", aidf_interval_name(iv), iso, zone, key, want);
    assert_int_equal(n, strlen(want));
}

static void test_intervals(void **state)
{
    (void)state;
    enum aidf_interval iv;
    assert_int_equal(aidf_interval_parse("week", &iv), AIDF_OK);
    assert_int_equal(iv, AIDF_INTERVAL_WEEK);
    assert_int_equal(aidf_interval_parse("none", &iv), AIDF_OK);
    assert_int_equal(iv, AIDF_INTERVAL_NONE);
    assert_int_equal(aidf_interval_parse("Day", &iv), AIDF_EINVAL);
    assert_int_equal(aidf_interval_parse("", &iv), AIDF_EINVAL);
    assert_int_equal(aidf_interval_parse(NULL, &iv), AIDF_EINVAL);
    assert_string_equal(aidf_interval_name(AIDF_INTERVAL_MONTH), "month");

    expect_key(AIDF_INTERVAL_HOUR, "UTC", "2026-11-03T14:59:59.999Z", "2026-11-03T14");
    expect_key(AIDF_INTERVAL_DAY, "UTC", "2026-11-03T23:59:59Z", "2026-11-03");
    expect_key(AIDF_INTERVAL_MONTH, "UTC", "2026-11-30T23:59:59Z", "2026-11");
    expect_key(AIDF_INTERVAL_NONE, "UTC", "2026-11-30T23:59:59Z", "");
    /* Local time decides: 02:00Z on Nov 3 is still Nov 2 in New York. */
    expect_key(AIDF_INTERVAL_DAY, "America/New_York", "2026-11-03T02:00:00Z", "2026-11-02");
    expect_key(AIDF_INTERVAL_HOUR, "Asia/Kolkata", "2026-11-03T02:00:00Z", "2026-11-03T07");
    expect_key(AIDF_INTERVAL_MONTH, "Pacific/Auckland", "2026-11-30T12:00:00Z", "2026-12");
    /* Before 1970. */
    expect_key(AIDF_INTERVAL_HOUR, "UTC", "1969-12-31T23:30:00Z", "1969-12-31T23");
}

/* The 23-hour and 25-hour days of 2026 in New York: the day's key changes at local
 * midnight, whatever the length of the day. */
static void test_dst_days(void **state)
{
    (void)state;
    const char *ny = "America/New_York";
    expect_key(AIDF_INTERVAL_DAY, ny, "2026-03-08T04:59:59Z", "2026-03-07"); /* EST */
    expect_key(AIDF_INTERVAL_DAY, ny, "2026-03-08T05:00:00Z", "2026-03-08");
    expect_key(AIDF_INTERVAL_HOUR, ny, "2026-03-08T06:59:59Z", "2026-03-08T01");
    expect_key(AIDF_INTERVAL_HOUR, ny, "2026-03-08T07:00:00Z", "2026-03-08T03"); /* no 02 */
    expect_key(AIDF_INTERVAL_DAY, ny, "2026-03-09T03:59:59Z", "2026-03-08");     /* 23 h later */
    expect_key(AIDF_INTERVAL_DAY, ny, "2026-03-09T04:00:00Z", "2026-03-09");
    expect_key(AIDF_INTERVAL_DAY, ny, "2026-11-01T03:59:59Z", "2026-10-31"); /* EDT */
    expect_key(AIDF_INTERVAL_DAY, ny, "2026-11-01T04:00:00Z", "2026-11-01");
    expect_key(AIDF_INTERVAL_HOUR, ny, "2026-11-01T05:30:00Z", "2026-11-01T01"); /* twice */
    expect_key(AIDF_INTERVAL_HOUR, ny, "2026-11-01T06:30:00Z", "2026-11-01T01");
    expect_key(AIDF_INTERVAL_DAY, ny, "2026-11-02T04:59:59Z", "2026-11-01"); /* 25 h later */
    expect_key(AIDF_INTERVAL_DAY, ny, "2026-11-02T05:00:00Z", "2026-11-02");
}

static void test_iso_weeks(void **state)
{
    (void)state;
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2026-01-01T12:00:00Z", "2026-W01"); /* Thursday */
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2025-12-29T00:00:00Z", "2026-W01"); /* Monday */
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2025-12-28T23:59:59Z", "2025-W52"); /* Sunday */
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2027-01-01T00:00:00Z", "2026-W53"); /* Friday */
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2027-01-03T23:59:59Z", "2026-W53"); /* Sunday */
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2027-01-04T00:00:00Z", "2027-W01");
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2021-01-03T00:00:00Z", "2020-W53");
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2024-12-30T00:00:00Z", "2025-W01");
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2026-11-03T00:00:00Z", "2026-W45");
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "1970-01-01T00:00:00Z", "1970-W01");
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "1969-12-29T00:00:00Z", "1970-W01");
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "1969-12-28T00:00:00Z", "1969-W52");
    /* Sunday night in Tokyo is Monday: the next week. */
    expect_key(AIDF_INTERVAL_WEEK, "Asia/Tokyo", "2026-11-01T16:00:00Z", "2026-W45");
    expect_key(AIDF_INTERVAL_WEEK, "UTC", "2026-11-01T16:00:00Z", "2026-W44");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intervals),
        cmocka_unit_test(test_dst_days),
        cmocka_unit_test(test_iso_weeks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
