/*
 * libFuzzer target for report decoding and validation: the path a `POST /runs` body
 * and every report file on disk go through.
 *
 * Any input may be refused; an accepted one must survive a round trip: encode
 * (compact), re-parse, re-encode, and the two encodings must be byte-identical. The
 * pretty encoding must parse too, and the index summary must be computable. Any
 * mismatch aborts so libFuzzer records the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/report.h"
#include "aidf/store.h"
#include "aidf/xalloc.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    aidf_xalloc_init_jansson();
    return 0;
}

static void fail(const char *what, const struct aidf_error *err, const char *text, size_t len)
{
    fprintf(stderr, "fuzz_report: %s%s%s\n", what, err ? ": " : "", err ? err->msg : "");
    if (text)
        fprintf(stderr, "encoding (%zu bytes): %.*s\n", len, (int)(len > 4000 ? 4000 : len), text);
    abort();
}

/* Touch every string of the summary so a dangling pointer shows up under ASan. */
static size_t summary_weight(const struct aidf_run_summary *s)
{
    const char *strs[] = {s->file,
#define STR(f) s->f,
                          AIDF_RUN_SUMMARY_STRINGS(STR)
#undef STR
    };
    size_t n = strlen(s->run_id);
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        if (strs[i])
            n += strlen(strs[i]);
    }
    for (size_t i = 0; s->changed_files && s->changed_files[i]; i++)
        n += strlen(s->changed_files[i]);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct aidf_report r1, r2, r3;
    struct aidf_error err;
    aidf_report_init(&r1);
    aidf_report_init(&r2);
    aidf_report_init(&r3);
    aidf_error_clear(&err);

    if (aidf_report_parse((const char *)data, size, &r1, &err) != AIDF_OK) {
        if (err.code == AIDF_OK)
            fail("parse failed without an error code", &err, NULL, 0);
        return 0;
    }
    if (!r1.run_id || !aidf_run_id_valid(r1.run_id) || !r1.timestamp)
        fail("accepted a report without a valid runId/timestamp", NULL, NULL, 0);

    struct aidf_run_summary sum;
    memset(&sum, 0, sizeof(sum));
    struct aidf_buf scratch = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_run_summary_from_report_buf(&r1, &sum, &scratch);
    volatile size_t weight = summary_weight(&sum);
    (void)weight;
    aidf_buf_release(&scratch);

    size_t len1 = 0, len2 = 0, plen = 0;
    char *enc1 = aidf_report_dumps(&r1, false, &len1);
    if (!enc1)
        fail("cannot encode an accepted report", NULL, NULL, 0);
    if (aidf_report_parse(enc1, len1, &r2, &err) != AIDF_OK)
        fail("own compact encoding does not parse", &err, enc1, len1);
    char *enc2 = aidf_report_dumps(&r2, false, &len2);
    if (!enc2)
        fail("cannot encode the re-parsed report", NULL, NULL, 0);
    if (len1 != len2 || memcmp(enc1, enc2, len1) != 0) {
        fprintf(stderr, "second encoding (%zu bytes): %.*s\n", len2,
                (int)(len2 > 4000 ? 4000 : len2), enc2);
        fail("round trip changed the encoding", NULL, enc1, len1);
    }

    char *pretty = aidf_report_dumps(&r1, true, &plen);
    if (!pretty)
        fail("cannot encode pretty", NULL, NULL, 0);
    if (aidf_report_parse(pretty, plen, &r3, &err) != AIDF_OK)
        fail("own pretty encoding does not parse", &err, pretty, plen);
    char *enc3 = aidf_report_dumps(&r3, false, &len2);
    if (!enc3 || len1 != len2 || memcmp(enc1, enc3, len1) != 0)
        fail("pretty round trip changed the encoding", NULL, enc3, len2);
    free(enc3);

    free(pretty);
    free(enc2);
    free(enc1);
    aidf_report_release(&r3);
    aidf_report_release(&r2);
    aidf_report_release(&r1);
    return 0;
}
