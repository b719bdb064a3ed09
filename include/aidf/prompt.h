/*
 * The prompts sent to the agent (reference/upstream-aidf.md §2.5): the full prompt of an
 * iteration and the short continuation prompt used when the provider keeps a session.
 *
 * Ownership: arguments are borrowed; the functions return new heap strings.
 */
#ifndef AIDF_PROMPT_H
#define AIDF_PROMPT_H

#include <stdbool.h>
#include <stdint.h>

#include "aidf/context.h"

/** Per-iteration inputs. Strings may be NULL. */
struct aidf_prompt_opts {
    int64_t iteration;              /* 1-based */
    bool resume;                    /* include the "Resuming Blocked Task" block (from
                                       ctx->task.blocked) */
    const char *validation_feedback; /* the validator's report after a <TASK_COMPLETE>
                                        whose validation failed: "Previous Iteration
                                        Feedback" block */
    const char *previous_output;     /* continuation only: last 2000 bytes are shown
                                        (cut on a UTF-8 boundary) */
};

/** The full prompt of §2.5 for `ctx`, ending with one "\n". */
char *aidf_prompt_full(const struct aidf_context *ctx, const struct aidf_prompt_opts *o);

/** The continuation prompt of §2.5, ending with one "\n". */
char *aidf_prompt_continuation(const struct aidf_prompt_opts *o);

/**
 * The system prompt for API providers (design.md §3): who the agent is, the tools, the
 * scope rules and the signals, built from `ctx` (scope lists from the task). New heap
 * string.
 */
char *aidf_prompt_system(const struct aidf_context *ctx);

#endif
