/*
 * CSV export: RFC 4180 quoting plus the OWASP formula-injection guard on text cells, and
 * control characters written as visible escapes.
 */
#include "aidf/csv.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/satadd.h"
#include "aidf/textutil.h"
#include "aidf/xalloc.h"

#define CRLF "\r\n"

/* Drop what was appended since `start` (a failed row leaves no half row behind). */
static void truncate_to(struct aidf_buf *out, size_t start)
{
    if (out->cap) {
        out->len = start;
        out->ptr[start] = '\0';
    }
}

/* Characters that make a spreadsheet read a cell as a formula (OWASP), plus LF. */
static bool needs_guard(const char *s)
{
    return s[0] && strchr("=+-@\t\r\n", s[0]) != NULL;
}

int aidf_csv_text(struct aidf_buf *out, const char *s)
{
    if (!s || !*s)
        return AIDF_OK;
    /* A CSV file is read on terminals (cat, less -r) as well as in spreadsheets: the
     * cell's control characters become visible escapes ("\x1b", "\u009b", "\r"), except
     * TAB, LF and CRLF, which stay inside the quoted field. */
    struct aidf_buf vis = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    size_t slen = strlen(s);
    if (!aidf_text_is_visible(s, slen, AIDF_VISIBLE_KEEP_TAB | AIDF_VISIBLE_KEEP_NEWLINE)) {
        aidf_buf_add_visible(&vis, s, slen, AIDF_VISIBLE_KEEP_TAB | AIDF_VISIBLE_KEEP_NEWLINE);
        s = vis.ptr;
    }
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    size_t start = out->len;
    int rc = AIDF_OK;
    if (quote)
        rc = aidf_buf_addch(out, '"');
    if (!rc && needs_guard(s))
        rc = aidf_buf_addch(out, '\'');
    for (const char *p = s; !rc && *p;) {
        const char *q = quote ? strchr(p, '"') : NULL;
        size_t n = q ? (size_t)(q - p) + 1 : strlen(p);
        rc = aidf_buf_add(out, p, n);
        if (!rc && q)
            rc = aidf_buf_addch(out, '"'); /* double the quote */
        p += n;
    }
    if (!rc && quote)
        rc = aidf_buf_addch(out, '"');
    if (rc)
        truncate_to(out, start);
    aidf_buf_release(&vis);
    return rc;
}

static int sep(struct aidf_buf *out)
{
    return aidf_buf_addch(out, ',');
}

static int int_cell(struct aidf_buf *out, int64_t v)
{
    if (v == AIDF_UNSET)
        return AIDF_OK;
    return aidf_buf_addf(out, "%" PRId64, v);
}

/* A number of milliseconds: integral values without decimals, others with up to 3. */
static int ms_cell(struct aidf_buf *out, double v)
{
    if (!isfinite(v))
        return AIDF_OK;
    if (v == floor(v) && fabs(v) < 1e15)
        return aidf_buf_addf(out, "%.0f", v);
    char tmp[64];
    int n = snprintf(tmp, sizeof(tmp), "%.3f", v);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return AIDF_OK;
    while (n > 0 && tmp[n - 1] == '0')
        tmp[--n] = '\0';
    if (n > 0 && tmp[n - 1] == '.')
        tmp[--n] = '\0';
    return aidf_buf_add(out, tmp, (size_t)n);
}

int aidf_csv_summary_header(struct aidf_buf *out)
{
    return aidf_buf_addstr(out, "run_id,timestamp,task,status,iterations,input_tokens,"
                                "output_tokens,total_tokens,estimated_cost,duration_seconds,"
                                "files_modified,provider,model,scope_violations,"
                                "validation_failures,cache_read_tokens,cache_write_tokens,"
                                "currency,project,actor,total_tokens_with_cache" CRLF);
}

int aidf_csv_summary_row(struct aidf_buf *out, const struct aidf_run_summary *run)
{
    size_t start = out->len;
    int rc = aidf_csv_text(out, run->run_id);
    rc = rc ? rc : sep(out);
    rc = rc ? rc : aidf_csv_text(out, run->timestamp);
    rc = rc ? rc : sep(out);
    rc = rc ? rc : aidf_csv_text(out, run->task_path);
    rc = rc ? rc : sep(out);
    if (!rc && run->status != AIDF_STATUS_UNKNOWN)
        rc = aidf_csv_text(out, aidf_status_name(run->status));
    rc = rc ? rc : sep(out);
    rc = rc ? rc : int_cell(out, run->iterations);
    rc = rc ? rc : sep(out);
    if (run->has_tokens) {
        rc = rc ? rc : int_cell(out, run->tokens_in);
        rc = rc ? rc : sep(out);
        rc = rc ? rc : int_cell(out, run->tokens_out);
        rc = rc ? rc : sep(out);
        rc = rc ? rc : int_cell(out, run->tokens_total);
        rc = rc ? rc : sep(out);
    } else {
        rc = rc ? rc : aidf_buf_addstr(out, ",,,");
    }
    if (!rc && !run->cost_unpriced && isfinite(run->cost))
        rc = aidf_buf_addf(out, "%.6f", run->cost);
    rc = rc ? rc : sep(out);
    if (!rc && isfinite(run->duration_ms))
        rc = aidf_buf_addf(out, "%.3f", run->duration_ms / 1000.0);
    rc = rc ? rc : sep(out);
    rc = rc ? rc : int_cell(out, run->files_total);
    rc = rc ? rc : sep(out);
    rc = rc ? rc : aidf_csv_text(out, run->provider);
    rc = rc ? rc : sep(out);
    rc = rc ? rc : aidf_csv_text(out, run->model);
    rc = rc ? rc : sep(out);
    rc = rc ? rc : int_cell(out, run->scope_violations);
    rc = rc ? rc : sep(out);
    rc = rc ? rc : int_cell(out, run->validation_failures);
    rc = rc ? rc : sep(out);
    if (run->has_tokens) {
        rc = rc ? rc : int_cell(out, run->cache_read);
        rc = rc ? rc : sep(out);
        rc = rc ? rc : int_cell(out, run->cache_write);
        rc = rc ? rc : sep(out);
    } else {
        rc = rc ? rc : aidf_buf_addstr(out, ",,");
    }
    rc = rc ? rc : aidf_csv_text(out, run->currency && *run->currency ? run->currency : "USD");
    rc = rc ? rc : sep(out);
    rc = rc ? rc : aidf_csv_text(out, run->project);
    rc = rc ? rc : sep(out);
    rc = rc ? rc : aidf_csv_text(out, run->actor);
    rc = rc ? rc : sep(out);
    if (run->has_tokens) {
        /* Each figure is bounded by the decoder; saturate anyway (hand-written indexes). */
        int64_t with_cache = run->tokens_total;
        aidf_sat_add_i64(&with_cache, run->cache_read, AIDF_REPORT_MAX_COUNT);
        aidf_sat_add_i64(&with_cache, run->cache_write, AIDF_REPORT_MAX_COUNT);
        rc = rc ? rc : int_cell(out, with_cache);
    }
    rc = rc ? rc : aidf_buf_addstr(out, CRLF);
    if (rc)
        truncate_to(out, start);
    return rc;
}

int aidf_csv_detailed_header(struct aidf_buf *out)
{
    return aidf_buf_addstr(out, "run_id,iteration,input_tokens,output_tokens,duration_ms,"
                                "phase_ai_ms,phase_validation_ms,files_changed" CRLF);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int aidf_csv_detailed_rows(struct aidf_buf *out, const struct aidf_report *r)
{
    size_t nt = r->tokens.n_per_iteration, nm = r->timing.n_per_iteration;
    int64_t *its = aidf_xmalloc((nt + nm + 1) * sizeof(*its));
    size_t n = 0, start = out->len;
    int rc = AIDF_OK;
    for (size_t i = 0; i < nt; i++)
        if (r->tokens.per_iteration[i].iteration != AIDF_UNSET)
            its[n++] = r->tokens.per_iteration[i].iteration;
    for (size_t i = 0; i < nm; i++)
        if (r->timing.per_iteration[i].iteration != AIDF_UNSET)
            its[n++] = r->timing.per_iteration[i].iteration;
    qsort(its, n, sizeof(*its), cmp_i64);

    for (size_t k = 0; k < n && !rc; k++) {
        if (k > 0 && its[k] == its[k - 1])
            continue;
        int64_t it = its[k];
        const struct aidf_iter_tokens *tk = NULL;
        const struct aidf_iter_timing *tm = NULL;
        for (size_t i = 0; i < nt && !tk; i++)
            if (r->tokens.per_iteration[i].iteration == it)
                tk = &r->tokens.per_iteration[i];
        for (size_t i = 0; i < nm && !tm; i++)
            if (r->timing.per_iteration[i].iteration == it)
                tm = &r->timing.per_iteration[i];

        rc = aidf_csv_text(out, r->run_id);
        rc = rc ? rc : aidf_buf_addf(out, ",%" PRId64 ",", it);
        rc = rc ? rc : (tk ? int_cell(out, tk->input) : AIDF_OK);
        rc = rc ? rc : sep(out);
        rc = rc ? rc : (tk ? int_cell(out, tk->output) : AIDF_OK);
        rc = rc ? rc : sep(out);
        rc = rc ? rc : (tm ? ms_cell(out, tm->duration_ms) : AIDF_OK);
        rc = rc ? rc : sep(out);
        rc = rc ? rc : (tm ? ms_cell(out, aidf_num_map_get(&tm->phases, "aiExecution")) : AIDF_OK);
        rc = rc ? rc : sep(out);
        rc = rc ? rc : (tm ? ms_cell(out, aidf_num_map_get(&tm->phases, "validation")) : AIDF_OK);
        rc = rc ? rc : sep(out);
        rc = rc ? rc : (tm ? int_cell(out, tm->files_changed) : AIDF_OK);
        rc = rc ? rc : aidf_buf_addstr(out, CRLF);
    }
    if (rc)
        truncate_to(out, start);
    free(its);
    return rc;
}
