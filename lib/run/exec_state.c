/*
 * The executor's shared helpers: ending the run, remembering a failed iteration, phase
 * bookkeeping and the progress events. executor.c, executor_iter.c and executor_finish.c
 * all use them; they depend on none of those files.
 */
#include "executor_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/xalloc.h"

void exec_finish_with(struct exec *x, enum aidf_status status, const char *category,
                      const char *code, const char *reason)
{
    x->state = EXEC_DONE;
    x->status = status;
    free(x->reason);
    x->reason = reason ? aidf_xstrdup(reason) : NULL;
    if (status == AIDF_STATUS_FAILED)
        aidf_collector_record_error(x->col, reason ? reason : "Unknown error", category, code);
}

void exec_note_failure(struct exec *x, const char *msg, const char *category, const char *code)
{
    free(x->last_error);
    x->last_error = aidf_xstrdup(msg ? msg : "Unknown error");
    x->last_category = category;
    x->last_code = code;
}

void exec_phase_begin(struct exec *x, enum aidf_phase p, const char *label)
{
    aidf_collector_start_phase(x->col, aidf_phase_key(p));
    if (label && x->ev->phase)
        x->ev->phase(x->ev->ctx, x->iteration, x->max_iter, label);
}

void exec_phase_end(struct exec *x, enum aidf_phase p)
{
    aidf_collector_end_phase(x->col, aidf_phase_key(p));
}

char *exec_relative(const char *root, const char *path)
{
    size_t n = strlen(root);
    if (strncmp(path, root, n) == 0 && path[n] == '/')
        return aidf_xstrdup(path + n + 1);
    return aidf_xstrdup(path);
}

/* Format and hand one line to `hook` (skipped when there is no hook). */
__attribute__((format(printf, 3, 0))) static void emit(const struct aidf_run_events *ev,
                                                       void (*hook)(void *, const char *),
                                                       const char *fmt, va_list ap)
{
    if (!hook)
        return;
    char line[2048];
    vsnprintf(line, sizeof(line), fmt, ap);
    hook(ev->ctx, line);
}

void exec_say(struct exec *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(x->ev, x->ev->say, fmt, ap);
    va_end(ap);
}

void exec_detail(struct exec *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit(x->ev, x->ev->detail, fmt, ap);
    va_end(ap);
}
