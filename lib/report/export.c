/*
 * CSV export of runs. See include/aidf/export.h.
 */
#include "aidf/export.h"

#include "aidf/csv.h"
#include "aidf/log.h"
#include "aidf/report.h"

/* Records in CSV text: newlines outside quoted fields. */
static size_t count_records(const char *p, size_t len)
{
    size_t n = 0;
    bool quoted = false;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '"')
            quoted = !quoted;
        else if (p[i] == '\n' && !quoted)
            n++;
    }
    return n;
}

int aidf_export_csv(const struct aidf_store *s, const struct aidf_run_summary *const *runs,
                    size_t n, bool detailed, struct aidf_buf *out, size_t *rows)
{
    int rc;
    size_t body_start;

    if (detailed) {
        rc = aidf_csv_detailed_header(out);
        body_start = out->len;
        for (size_t i = 0; i < n && rc == AIDF_OK; i++) {
            struct aidf_report r;
            struct aidf_error err;
            aidf_report_init(&r);
            aidf_error_clear(&err);
            if (aidf_store_read_run(s, runs[i], &r, &err) != AIDF_OK) {
                aidf_warn("skipping run %.8s: %s", runs[i]->run_id, err.msg);
                continue;
            }
            rc = aidf_csv_detailed_rows(out, &r);
            aidf_report_release(&r);
        }
    } else {
        rc = aidf_csv_summary_header(out);
        body_start = out->len;
        for (size_t i = 0; i < n && rc == AIDF_OK; i++)
            rc = aidf_csv_summary_row(out, runs[i]);
    }
    if (rows)
        *rows = count_records(out->ptr + body_start, out->len - body_start);
    return rc;
}
