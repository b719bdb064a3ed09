/*
 * Time buckets (see include/aidf/period.h).
 */
#include "aidf/period.h"

#include <stdio.h>
#include <string.h>

#include "aidf/timeutil.h"

static const char *const names[] = {"none", "hour", "day", "week", "month"};

int aidf_interval_parse(const char *s, enum aidf_interval *out)
{
    for (size_t i = 0; s && i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (enum aidf_interval)i;
            return AIDF_OK;
        }
    return AIDF_EINVAL;
}

const char *aidf_interval_name(enum aidf_interval iv)
{
    return (unsigned)iv < sizeof(names) / sizeof(names[0]) ? names[iv] : "none";
}

size_t aidf_period_key(enum aidf_interval iv, const struct aidf_tz *tz, int64_t epoch_ms,
                       char out[AIDF_PERIOD_MAX])
{
    int64_t t = aidf_floor_div(epoch_ms, 1000);
    int64_t local = t + aidf_tz_offset(tz, t);
    int64_t days = aidf_floor_div(local, 86400);
    int y, m, d;
    aidf_civil_from_days(days, &y, &m, &d);
    int n = 0;
    switch (iv) {
    case AIDF_INTERVAL_NONE:
        out[0] = '\0';
        return 0;
    case AIDF_INTERVAL_HOUR:
        n = snprintf(out, AIDF_PERIOD_MAX, "%04d-%02d-%02dT%02d", y, m, d,
                     (int)((local - days * 86400) / 3600));
        break;
    case AIDF_INTERVAL_DAY:
        n = snprintf(out, AIDF_PERIOD_MAX, "%04d-%02d-%02d", y, m, d);
        break;
    case AIDF_INTERVAL_WEEK: {
        /* ISO 8601: the week's Thursday decides its year. 1970-01-01 was a Thursday. */
        int wd = (int)(days + 3 - aidf_floor_div(days + 3, 7) * 7) + 1; /* Mon=1..Sun=7 */
        int64_t thursday = days + 4 - wd;
        int ty, tm, td;
        aidf_civil_from_days(thursday, &ty, &tm, &td);
        int64_t week = (thursday - aidf_days_from_civil(ty, 1, 1)) / 7 + 1;
        n = snprintf(out, AIDF_PERIOD_MAX, "%04d-W%02d", ty, (int)week);
        break;
    }
    case AIDF_INTERVAL_MONTH:
        n = snprintf(out, AIDF_PERIOD_MAX, "%04d-%02d", y, m);
        break;
    }
    return n > 0 ? (size_t)n : 0;
}
