/*
 * One run summary as JSON. See include/aidf/summary_json.h.
 */
#include "aidf/summary_json.h"

#include <math.h>
#include <string.h>

#include "aidf/jsonutil.h"
#include "aidf/timeutil.h"

/* An integer count, or null when unknown (AIDF_UNSET or negative). */
static json_t *count_or_null(int64_t v)
{
    return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

/* A string field of a summary: JSON null when absent or empty. */
#define NONEMPTY(s) ((s) && *(s) ? (s) : NULL)

/* Milliseconds: an integer when whole (the usual case), else a real; 0 when unknown. */
static json_t *ms_value(double ms)
{
    if (!isfinite(ms) || ms <= 0)
        return json_integer(0);
    if (ms == floor(ms) && ms < 9007199254740992.0)
        return json_integer((json_int_t)ms);
    return json_real(ms);
}

/* The tags ("key=value" lines) as an object. */
static json_t *tags_object(const char *tags)
{
    json_t *o = json_object();
    for (const char *p = tags ? tags : ""; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (eq)
            json_object_setn_new_nocheck(o, p, (size_t)(eq - p),
                                         json_stringn(eq + 1, n - (size_t)(eq - p) - 1));
        if (!eol)
            break;
        p = eol + 1;
    }
    return o;
}

/* The team dimensions and when the store first saw the run. */
static void add_dimensions(json_t *o, const struct aidf_run_summary *s)
{
    json_object_set_new(o, "taskName", aidf_json_str_or_null(NONEMPTY(s->task_name)));
    json_object_set_new(o, "taskType", aidf_json_str_or_null(NONEMPTY(s->task_type)));
    json_object_set_new(o, "project", aidf_json_str_or_null(NONEMPTY(s->project)));
    json_object_set_new(o, "actor", aidf_json_str_or_null(NONEMPTY(s->actor)));
    json_object_set_new(o, "branch", aidf_json_str_or_null(NONEMPTY(s->branch)));
    json_object_set_new(o, "tags", tags_object(s->tags));
    json_object_set_new(o, "ci", json_boolean(s->ci));
    json_object_set_new(o, "currency",
                        json_string(s->currency && *s->currency ? s->currency : "USD"));
    if (s->received_ms > 0) {
        char iso[AIDF_ISO_LEN];
        aidf_iso_format(s->received_ms, iso);
        json_object_set_new(o, "receivedAt", json_string(iso));
    } else {
        json_object_set_new(o, "receivedAt", json_null());
    }
}

json_t *aidf_run_summary_to_json(const struct aidf_run_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "runId", json_string(s->run_id));
    json_object_set_new(o, "timestamp", aidf_json_str_or_null(NONEMPTY(s->timestamp)));
    json_object_set_new(o, "taskPath", aidf_json_str_or_null(NONEMPTY(s->task_path)));
    json_object_set_new(o, "status", json_string(aidf_status_name(s->status)));
    json_object_set_new(o, "provider", aidf_json_str_or_null(NONEMPTY(s->provider)));
    json_object_set_new(o, "model", aidf_json_str_or_null(NONEMPTY(s->model)));
    json_object_set_new(o, "iterations", count_or_null(s->iterations));
    /* A limit of 0 means the report did not say. */
    json_object_set_new(o, "maxIterations",
                        s->max_iterations > 0 ? json_integer((json_int_t)s->max_iterations)
                                              : json_null());

    json_t *t = json_object();
    json_object_set_new(t, "input",
                        json_integer((json_int_t)(s->tokens_in > 0 ? s->tokens_in : 0)));
    json_object_set_new(t, "output",
                        json_integer((json_int_t)(s->tokens_out > 0 ? s->tokens_out : 0)));
    json_object_set_new(t, "total",
                        json_integer((json_int_t)(s->tokens_total > 0 ? s->tokens_total : 0)));
    json_object_set_new(t, "cacheRead",
                        json_integer((json_int_t)(s->cache_read > 0 ? s->cache_read : 0)));
    json_object_set_new(t, "cacheWrite",
                        json_integer((json_int_t)(s->cache_write > 0 ? s->cache_write : 0)));
    /* Input + output + cache read + cache write: what ccusage and the providers' consoles
     * call the total. Each part is below 2^53 (the report's bounds), so the sum fits. */
    int64_t with_cache = 0;
    const int64_t parts[] = {s->tokens_total, s->cache_read, s->cache_write};
    for (size_t i = 0; i < 3; i++)
        if (parts[i] > 0)
            with_cache += parts[i];
    json_object_set_new(t, "totalWithCache", json_integer((json_int_t)with_cache));
    json_object_set_new(t, "estimated", json_boolean(s->tokens_estimated));
    json_object_set_new(o, "tokens", t);

    bool priced = isfinite(s->cost) && !s->cost_unpriced;
    json_object_set_new(o, "cost", priced ? json_real(s->cost) : json_null());
    json_object_set_new(o, "unpriced", json_boolean(!priced));
    json_object_set_new(o, "durationMs", ms_value(s->duration_ms));
    json_object_set_new(o, "filesChanged", count_or_null(s->files_total));
    json_object_set_new(o, "scopeViolations", count_or_null(s->scope_violations));
    json_object_set_new(o, "validationFailures", count_or_null(s->validation_failures));
    if (s->error_category && *s->error_category)
        json_object_set_new(o, "errorCategory", json_string(s->error_category));
    json_object_set_new(o, "file", aidf_json_str_or_null(NONEMPTY(s->file)));
    add_dimensions(o, s);
    return o;
}
