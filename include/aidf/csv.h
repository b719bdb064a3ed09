/*
 * CSV export: RFC 4180 (CRLF records; fields with ',', '"', CR or LF
 * quoted, '"' doubled), numbers never quoted, empty field for unknown values, and text
 * cells starting with '=', '+', '-', '@', TAB or CR neutralised against formula
 * injection by a leading single quote (OWASP). Control characters in text cells are
 * written as visible escapes (aidf_buf_add_visible()), except TAB, LF and CRLF, which
 * stay inside the quoted field: a file shown on a terminal cannot act on it.
 *
 * Output is appended to a caller-owned struct aidf_buf.
 */
#ifndef AIDF_CSV_H
#define AIDF_CSV_H

#include <stddef.h>

#include "aidf/buf.h"
#include "aidf/report.h"
#include "aidf/store.h"

/** Append one text cell (quoted/neutralised as needed), no separator. */
int aidf_csv_text(struct aidf_buf *out, const char *s);

/**
 * Header of the summary CSV + CRLF: the plan's fifteen columns run_id, timestamp, task,
 * status, iterations, input_tokens, output_tokens, total_tokens, estimated_cost,
 * duration_seconds, files_modified, provider, model, scope_violations,
 * validation_failures, then cache_read_tokens, cache_write_tokens, currency, project,
 * actor, total_tokens_with_cache (AIDF_CSV_SUMMARY_COLUMNS in all).
 */
int aidf_csv_summary_header(struct aidf_buf *out);
#define AIDF_CSV_SUMMARY_COLUMNS 21
/**
 * One summary row (AIDF_CSV_SUMMARY_COLUMNS cells, see aidf_csv_summary_header) + CRLF.
 * Token cells (cache ones and total_tokens_with_cache = total + cache read + cache
 * write included) are empty for a run without token figures; estimated_cost is empty
 * when unpriced and is in the row's `currency` ("USD" when the report names none).
 */
int aidf_csv_summary_row(struct aidf_buf *out, const struct aidf_run_summary *run);

/** Header of the detailed (per-iteration) CSV + CRLF. */
int aidf_csv_detailed_header(struct aidf_buf *out);
/** One row per iteration of `r` (+ CRLF each). A report without iterations adds none. */
int aidf_csv_detailed_rows(struct aidf_buf *out, const struct aidf_report *r);

#endif
