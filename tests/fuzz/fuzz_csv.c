/*
 * libFuzzer target for the CSV writer (lib/base/csv.c). Arbitrary bytes become a text cell,
 * the text fields of a run summary (currency, project and actor included) and the run id
 * of a detailed row; a small
 * independent RFC 4180 reader parses the output back and checks that every text cell
 * reads back as its input with control characters made visible (with the leading-quote
 * formula guard accounted for) and
 * that numeric cells are never quoted or guarded.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/csv.h"
#include "aidf/report.h"
#include "aidf/store.h"
#include "aidf/textutil.h"

#define MAX_FIELDS 32

struct field {
    char *text;
    size_t len;
    bool quoted;
};

static void fail(const char *what, const char *csv)
{
    fprintf(stderr, "fuzz_csv: %s\n--- output ---\n%s\n", what, csv);
    abort();
}

/* Read one CRLF-terminated record starting at *pos; returns the number of fields. */
static size_t read_record(const char *csv, size_t len, size_t *pos, struct field *f)
{
    size_t i = *pos, n = 0;
    for (;;) {
        if (n == MAX_FIELDS)
            fail("too many fields", csv);
        struct field *cur = &f[n++];
        cur->text = malloc(len + 1);
        cur->len = 0;
        cur->quoted = false;
        if (i < len && csv[i] == '"') {
            cur->quoted = true;
            i++;
            for (;;) {
                if (i >= len)
                    fail("unterminated quoted field", csv);
                if (csv[i] == '"') {
                    if (i + 1 < len && csv[i + 1] == '"') {
                        cur->text[cur->len++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                cur->text[cur->len++] = csv[i++];
            }
        } else {
            while (i < len && csv[i] != ',' && csv[i] != '\r') {
                if (csv[i] == '"' || csv[i] == '\n')
                    fail("quote or LF in an unquoted field", csv);
                cur->text[cur->len++] = csv[i++];
            }
        }
        cur->text[cur->len] = '\0';
        if (i < len && csv[i] == ',') {
            i++;
            continue;
        }
        if (i + 1 < len && csv[i] == '\r' && csv[i + 1] == '\n') {
            *pos = i + 2;
            return n;
        }
        fail("field not followed by ',' or CRLF", csv);
    }
}

static void free_fields(struct field *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i].text);
}

/* A text cell must read back as `in` with its control characters and invalid UTF-8 made
 * visible (TAB, LF and CRLF kept), behind a ' when that text starts a formula. */
static void check_text(const struct field *f, const char *in, const char *csv)
{
    char *vis = aidf_visible_dup(in, AIDF_VISIBLE_KEEP_TAB | AIDF_VISIBLE_KEEP_NEWLINE);
    size_t n = strlen(vis);
    bool guard = n > 0 && strchr("=+-@\t\r\n", vis[0]) != NULL;
    size_t off = guard ? 1 : 0;
    if (guard && (f->len == 0 || f->text[0] != '\''))
        fail("formula guard missing", csv);
    if (f->len != n + off || memcmp(f->text + off, vis, n) != 0)
        fail("text cell does not read back", csv);
    free(vis);
}

static void check_number(const struct field *f, const char *csv)
{
    if (f->quoted)
        fail("numeric cell quoted", csv);
    for (size_t i = 0; i < f->len; i++)
        if (!strchr("0123456789.-", f->text[i]))
            fail("numeric cell has a non-numeric character", csv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Split the input on NUL into up to NPARTS strings. */
    enum { NPARTS = 8 };
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    const char *part[NPARTS] = {"", "", "", "", "", "", "", ""};
    size_t np = 0;
    for (size_t i = 0; np < NPARTS;) {
        part[np++] = copy + i;
        const char *z = memchr(copy + i, '\0', size + 1 - i);
        i = (size_t)(z - copy) + 1;
        if (i > size)
            break;
    }

    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    struct field f[MAX_FIELDS];
    size_t pos = 0, n;

    /* One text cell, as a record of its own. */
    aidf_csv_text(&b, part[0]);
    aidf_buf_addstr(&b, "\r\n");
    n = read_record(b.ptr, b.len, &pos, f);
    if (n != 1 || pos != b.len)
        fail("one cell must be one field", b.ptr);
    check_text(&f[0], part[0], b.ptr);
    free_fields(f, n);

    /* A summary row with fuzzed text fields. */
    struct aidf_run_summary s;
    memset(&s, 0, sizeof(s));
    snprintf(s.run_id, sizeof(s.run_id), "%s", part[4]);
    s.timestamp = part[3];
    s.task_path = part[0];
    s.provider = part[1];
    s.model = part[2];
    s.currency = part[5][0] ? part[5] : NULL; /* NULL and "" are written as USD */
    s.project = part[6];
    s.actor = part[7];
    s.error_category = s.file = "";
    s.status = (enum aidf_status)(size % 4);
    s.iterations = (int64_t)size - 3;
    s.has_tokens = size % 2;
    s.tokens_in = (int64_t)size * 7;
    s.tokens_total = (int64_t)size * 8;
    s.cache_read = (int64_t)size * 5;
    s.cache_write = (int64_t)size % 11;
    s.cost_unpriced = size % 3 == 0;
    s.cost = s.cost_unpriced ? 0 : -(double)size / 7.0;
    s.duration_ms = (double)size * 1.5;
    aidf_buf_reset(&b);
    pos = 0;
    aidf_csv_summary_header(&b);
    size_t hdr_end = b.len;
    aidf_csv_summary_row(&b, &s);
    n = read_record(b.ptr, b.len, &pos, f);
    if (n != AIDF_CSV_SUMMARY_COLUMNS || pos != hdr_end)
        fail("bad header", b.ptr);
    free_fields(f, n);
    n = read_record(b.ptr, b.len, &pos, f);
    if (n != AIDF_CSV_SUMMARY_COLUMNS || pos != b.len)
        fail("a summary row must have AIDF_CSV_SUMMARY_COLUMNS fields", b.ptr);
    check_text(&f[0], s.run_id, b.ptr);
    check_text(&f[1], s.timestamp, b.ptr);
    check_text(&f[2], s.task_path, b.ptr);
    check_text(&f[11], s.provider, b.ptr);
    check_text(&f[12], s.model, b.ptr);
    check_text(&f[17], s.currency ? s.currency : "USD", b.ptr);
    check_text(&f[18], s.project, b.ptr);
    check_text(&f[19], s.actor, b.ptr);
    static const int numeric[] = {4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 20};
    for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
        check_number(&f[numeric[i]], b.ptr);
    char want[64] = "";
    if (s.has_tokens)
        snprintf(want, sizeof(want), "%lld",
                 (long long)(s.tokens_total + s.cache_read + s.cache_write));
    if (strlen(want) != f[20].len || memcmp(f[20].text, want, f[20].len) != 0)
        fail("total_tokens_with_cache is not total + cache read + cache write", b.ptr);
    free_fields(f, n);

    /* Detailed rows: the run id is a text cell, the rest numbers. */
    struct aidf_report r;
    aidf_report_init(&r);
    r.run_id = part[0][0] ? (char *)(uintptr_t)part[0] : NULL;
    struct aidf_iter_tokens it[2] = {{.iteration = 2, .input = 5, .output = 6},
                                     {.iteration = (int64_t)(size % 5), .input = 1}};
    r.tokens.per_iteration = it;
    r.tokens.n_per_iteration = 2;
    aidf_buf_reset(&b);
    pos = 0;
    aidf_csv_detailed_rows(&b, &r);
    size_t rows = 0;
    while (pos < b.len) {
        n = read_record(b.ptr, b.len, &pos, f);
        if (n != 8)
            fail("a detailed row must have 8 fields", b.ptr);
        check_text(&f[0], part[0], b.ptr);
        for (size_t i = 1; i < 8; i++)
            check_number(&f[i], b.ptr);
        free_fields(f, n);
        rows++;
    }
    if (rows != (size % 5 == 2 ? 1u : 2u))
        fail("wrong number of detailed rows", b.ptr);

    aidf_buf_release(&b);
    free(copy);
    return 0;
}
