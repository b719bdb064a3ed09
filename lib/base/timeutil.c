#include "aidf/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aidf/err.h"

int64_t aidf_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t aidf_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
int64_t aidf_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void aidf_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

int64_t aidf_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Write `v` (0 <= v < 10^n) as exactly n decimal digits. */
static void put_digits(char *out, int n, int v)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void aidf_iso_format(int64_t epoch_ms, char out[AIDF_ISO_LEN])
{
    int64_t days = aidf_floor_div(epoch_ms, 86400000);
    int64_t rem = epoch_ms - days * 86400000;
    int y, m, d;
    aidf_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) {
        snprintf(out, AIDF_ISO_LEN, "1970-01-01T00:00:00.000Z");
        return;
    }
    /* By hand rather than snprintf: the index formats one per run when it loads. */
    memcpy(out, "0000-00-00T00:00:00.000Z", AIDF_ISO_LEN);
    put_digits(out, 4, y);
    put_digits(out + 5, 2, m);
    put_digits(out + 8, 2, d);
    put_digits(out + 11, 2, (int)(rem / 3600000));
    put_digits(out + 14, 2, (int)(rem / 60000 % 60));
    put_digits(out + 17, 2, (int)(rem / 1000 % 60));
    put_digits(out + 20, 3, (int)(rem % 1000));
}

void aidf_date_format(int64_t epoch_ms, char out[11])
{
    char iso[AIDF_ISO_LEN];
    aidf_iso_format(epoch_ms, iso);
    memcpy(out, iso, 10);
    out[10] = '\0';
}

/* Read exactly n digits. */
static int digits(const char **p, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *v = x;
    return 0;
}

int aidf_days_in_month(int64_t y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

int aidf_iso_parse(const char *s, int64_t *epoch_ms)
{
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, se = 0, ms = 0;
    if (!s || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d))
        return AIDF_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > aidf_days_in_month(y, mo))
        return AIDF_EINVAL;
    int64_t offset_min = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return AIDF_EINVAL;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &se))
                return AIDF_EINVAL;
            if (*p == '.' || *p == ',') {
                p++;
                int n = 0;
                ms = 0;
                while (isdigit((unsigned char)*p)) {
                    if (n < 3)
                        ms = ms * 10 + (*p - '0');
                    n++;
                    p++;
                }
                if (n == 0)
                    return AIDF_EINVAL;
                for (; n < 3; n++)
                    ms *= 10;
            }
        }
        if (h > 23 || mi > 59 || se > 60)
            return AIDF_EINVAL;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int sign = *p == '-' ? -1 : 1, oh, om = 0;
            p++;
            if (digits(&p, 2, &oh))
                return AIDF_EINVAL;
            if (*p == ':')
                p++;
            if (*p && digits(&p, 2, &om))
                return AIDF_EINVAL;
            if (oh > 23 || om > 59)
                return AIDF_EINVAL;
            offset_min = sign * (oh * 60 + om);
        }
    }
    if (*p != '\0')
        return AIDF_EINVAL;
    int64_t days = aidf_days_from_civil(y, mo, d);
    *epoch_ms = ((days * 24 + h) * 60 + mi - offset_min) * 60000 + (int64_t)se * 1000 + ms;
    return AIDF_OK;
}

/* `months` calendar months before `t` (UTC), the day clamped to the target month's
 * length (2026-03-31 minus one month is 2026-02-28), the time of day kept. */
static int64_t months_before(int64_t t, int64_t months)
{
    int64_t days = aidf_floor_div(t, 86400000);
    int64_t rem = t - days * 86400000;
    int y, m, d;
    aidf_civil_from_days(days, &y, &m, &d);
    int64_t idx = (int64_t)y * 12 + (m - 1) - months;
    int64_t ny = aidf_floor_div(idx, 12);
    int nm = (int)(idx - ny * 12) + 1;
    int dim = aidf_days_in_month((int)ny, nm);
    return aidf_days_from_civil(ny, nm, d > dim ? dim : d) * 86400000 + rem;
}

const char *const aidf_when_units_help = "s, m (minutes), h, d, w, mo (calendar months), y";

int aidf_parse_when(const char *s, int64_t now_ms, bool end_of_day, int64_t *epoch_ms)
{
    if (!s || !*s)
        return AIDF_EINVAL;
    size_t n = strlen(s);
    size_t digits_len = strspn(s, "0123456789");
    const char *unit = s + digits_len;
    /* "<digits><letters>" is an age; anything else (2026-11-01T10:00Z) a date. */
    if (digits_len > 0 && *unit &&
        strspn(unit, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == n - digits_len) {
        if (digits_len > 6)
            return AIDF_EINVAL;
        int64_t v = strtoll(s, NULL, 10);
        static const struct {
            const char *name;
            int64_t ms; /* 0: calendar months (times `months`) */
            int months;
        } units[] = {{"s", 1000, 0},      {"m", 60000, 0}, {"h", 3600000, 0}, {"d", 86400000, 0},
                     {"w", 604800000, 0}, {"mo", 0, 1},    {"y", 0, 12}};
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strcmp(unit, units[i].name) != 0)
                continue;
            /* At most 100,000 of any unit (about 270 years of days): far past any report,
             * and small enough that no product overflows. */
            if (v > 100000)
                return AIDF_EINVAL;
            *epoch_ms =
                units[i].ms ? now_ms - v * units[i].ms : months_before(now_ms, v * units[i].months);
            return AIDF_OK;
        }
        return AIDF_EINVAL;
    }
    int64_t t;
    if (aidf_iso_parse(s, &t))
        return AIDF_EINVAL;
    if (end_of_day && n == 10)
        t += 86400000 - 1;
    *epoch_ms = t;
    return AIDF_OK;
}

void aidf_format_duration(double ms, char *out, size_t outlen)
{
    if (!(ms >= 0))
        ms = 0;
    if (ms < 1000) {
        snprintf(out, outlen, "%.0fms", ms);
    } else if (ms < 60000) {
        snprintf(out, outlen, "%.1fs", ms / 1000);
    } else if (ms < 3600000) {
        long s = (long)(ms / 1000);
        snprintf(out, outlen, "%ldm %02lds", s / 60, s % 60);
    } else {
        long m = (long)(ms / 60000);
        snprintf(out, outlen, "%ldh %02ldm", m / 60, m % 60);
    }
}
