/*
 * The validator: runs each validation command with `/bin/sh -c` in the
 * project directory under a time limit (the command's whole process group is stopped
 * on expiry), collects stdout + stderr, stops at the first failure when asked to, and
 * formats the markdown report that is fed back to the agent.
 */
#include "aidf/validate.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/err.h"
#include "aidf/proc.h"
#include "aidf/timeutil.h"
#include "aidf/xalloc.h"

/* Default limit per command (upstream: 300000 ms). */
#define DEFAULT_TIMEOUT_MS 300000
/* Output shown in the report per command. */
#define REPORT_OUTPUT_MAX 5000

/* Largest n <= max (and <= len) that does not split a UTF-8 sequence of s. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    for (int back = 0; back < 3 && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80; back++)
        n--;
    if (((unsigned char)s[n] & 0xC0) == 0x80)
        n = max; /* not UTF-8 after all: cut at the byte limit */
    return n;
}

/* The heap string of `b`, cut to AIDF_VALIDATE_MAX_OUTPUT bytes on a UTF-8 boundary. */
static char *take_output(struct aidf_buf *b)
{
    size_t len = 0;
    char *s = aidf_buf_detach(b, &len);
    size_t n = utf8_cut(s, strlen(s), AIDF_VALIDATE_MAX_OUTPUT);
    s[n] = '\0';
    return s;
}

/* Add `len` bytes of `s`, as much as fits under the buffer's cap. */
static void add_capped(struct aidf_buf *b, const char *s, size_t len)
{
    size_t room = b->max - b->len;
    aidf_buf_add(b, s, len < room ? len : room);
}

static void run_one(const char *command, const char *cwd, int64_t timeout_ms,
                    struct aidf_validation_cmd *c)
{
    memset(c, 0, sizeof(*c));
    c->command = aidf_xstrdup(command);
    c->exit_code = -1;

    struct aidf_proc_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.shell_cmd = command;
    spec.cwd = cwd;
    spec.max_output = AIDF_VALIDATE_MAX_OUTPUT;
    spec.timeout_ms = timeout_ms;

    struct aidf_proc_result r;
    struct aidf_error e;
    aidf_error_clear(&e);
    int64_t t0 = aidf_mono_ns();
    int rc = aidf_proc_run(&spec, &r, &e);
    c->duration_ms = (double)(aidf_mono_ns() - t0) / 1e6;

    /* Room for the longest prefix; the result is cut to the cap afterwards. */
    struct aidf_buf out = AIDF_BUF_INIT(AIDF_VALIDATE_MAX_OUTPUT + 256);
    if (rc != AIDF_OK || r.spawn_failed) {
        aidf_buf_addf(&out, "Failed to execute: %s", r.spawn_error[0] ? r.spawn_error : e.msg);
    } else if (r.timed_out) {
        c->timed_out = true;
        aidf_buf_addf(&out, "Command timed out after %" PRId64 "ms\n", timeout_ms);
        add_capped(&out, r.out, r.out_len);
        add_capped(&out, "\n", 1);
        add_capped(&out, r.err, r.err_len);
    } else {
        c->exit_code = r.term_signal ? -1 : r.exit_code;
        c->passed = r.term_signal == 0 && r.exit_code == 0;
        add_capped(&out, r.out, r.out_len);
        if (r.err_len) {
            add_capped(&out, "\n--- stderr ---\n", 16);
            add_capped(&out, r.err, r.err_len);
        }
    }
    c->output = take_output(&out);
    aidf_proc_result_release(&r);
}

/* "VALIDATION_PRE_COMMIT" and "Pre-commit" for phase "pre_commit", and so on. */
static void phase_names(const char *phase, char *code, size_t code_len, char *label,
                        size_t label_len)
{
    if (strcmp(phase, "pre_commit") == 0) {
        snprintf(code, code_len, "VALIDATION_PRE_COMMIT");
        snprintf(label, label_len, "Pre-commit");
    } else if (strcmp(phase, "pre_push") == 0) {
        snprintf(code, code_len, "VALIDATION_PRE_PUSH");
        snprintf(label, label_len, "Pre-push");
    } else if (strcmp(phase, "pre_pr") == 0) {
        snprintf(code, code_len, "VALIDATION_PRE_PR");
        snprintf(label, label_len, "Pre-PR");
    } else {
        /* Not an upstream phase: derive both from the name. */
        size_t n = (size_t)snprintf(code, code_len, "VALIDATION_");
        for (const char *p = phase; *p && n + 1 < code_len; p++)
            code[n++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
        code[n < code_len ? n : code_len - 1] = '\0';
        snprintf(label, label_len, "%s", phase[0] ? phase : "Validation");
    }
}

bool aidf_validate_run(const struct aidf_strlist *commands, const char *phase, const char *cwd,
                       double timeout_s, bool stop_on_first, struct aidf_validation *out)
{
    memset(out, 0, sizeof(*out));
    out->phase = aidf_xstrdup(phase ? phase : "");
    out->passed = true;
    size_t total = commands ? commands->n : 0;
    if (total == 0)
        return true;

    int64_t timeout_ms = DEFAULT_TIMEOUT_MS;
    if (timeout_s > 0) {
        double ms = timeout_s * 1000.0 + 0.5;
        timeout_ms = ms < 1 ? 1 : ms > 9.0e15 ? (int64_t)9e15 : (int64_t)ms;
    }

    int64_t t0 = aidf_mono_ns();
    out->cmds = aidf_xcalloc(total, sizeof(*out->cmds));
    for (size_t i = 0; i < total; i++) {
        struct aidf_validation_cmd *c = &out->cmds[out->n++];
        run_one(commands->items[i] ? commands->items[i] : "", cwd, timeout_ms, c);
        if (c->passed)
            continue;
        if (out->passed) {
            char code[96], label[64];
            phase_names(out->phase, code, sizeof(code), label, sizeof(label));
            struct aidf_buf msg = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
            aidf_buf_addf(&msg, "%s validation failed: \"%s\" exited with code %" PRId64, label,
                          c->command, c->exit_code);
            out->error_code = aidf_xstrdup(code);
            out->error_message = aidf_buf_detach(&msg, NULL);
        }
        out->passed = false;
        if (stop_on_first)
            break;
    }
    out->total_ms = (double)(aidf_mono_ns() - t0) / 1e6;
    return out->passed;
}

static bool has_text(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return true;
    return false;
}

char *aidf_validate_format(const struct aidf_validation *v)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    if (!v)
        return aidf_buf_detach(&b, NULL);
    const char *ok = "\xE2\x9C\x85", *bad = "\xE2\x9D\x8C"; /* ✅ ❌ */
    aidf_buf_addf(&b, "## %s Validation: %s\n\n", v->passed ? ok : bad, v->phase ? v->phase : "");
    aidf_buf_addf(&b, "**Status:** %s\n", v->passed ? "PASSED" : "FAILED");
    aidf_buf_addf(&b, "**Duration:** %.2fs\n\n", v->total_ms / 1000.0);
    if (v->n == 0) {
        aidf_buf_addstr(&b, "_No validation commands configured for this phase._\n");
        return aidf_buf_detach(&b, NULL);
    }
    aidf_buf_addstr(&b, "### Results\n\n");
    for (size_t i = 0; i < v->n; i++) {
        const struct aidf_validation_cmd *c = &v->cmds[i];
        const char *output = c->output ? c->output : "";
        aidf_buf_addf(&b, "#### %s `%s`\n\n", c->passed ? ok : bad, c->command ? c->command : "");
        aidf_buf_addf(&b, "- Exit code: %" PRId64 "\n", c->exit_code);
        aidf_buf_addf(&b, "- Duration: %.2fs\n", c->duration_ms / 1000.0);
        if (c->passed && !has_text(output))
            continue;
        aidf_buf_addstr(&b, "\n<details>\n<summary>Output</summary>\n\n```\n");
        size_t len = strlen(output);
        size_t n = utf8_cut(output, len, REPORT_OUTPUT_MAX);
        aidf_buf_add(&b, output, n);
        if (len > REPORT_OUTPUT_MAX)
            aidf_buf_addstr(&b, "\n... (truncated)");
        aidf_buf_addstr(&b, "\n```\n</details>\n\n");
    }
    return aidf_buf_detach(&b, NULL);
}

void aidf_validation_release(struct aidf_validation *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        free(v->cmds[i].command);
        free(v->cmds[i].output);
    }
    free(v->cmds);
    free(v->phase);
    free(v->error_code);
    free(v->error_message);
    memset(v, 0, sizeof(*v));
}
