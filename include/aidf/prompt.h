/*
 * The prompts sent to the agent: the full prompt of an
 * iteration and the short continuation prompt used when the provider keeps a session.
 *
 * Ownership: arguments are borrowed; the functions return new heap strings.
 */
#ifndef AIDF_PROMPT_H
#define AIDF_PROMPT_H

#include <stdbool.h>
#include <stdint.h>

#include "aidf/context.h"

/** Per-iteration inputs. Strings may be NULL; an empty string counts as absent. */
struct aidf_prompt_opts {
    int64_t iteration;               /* 1-based */
    bool resume;                     /* include the "Resuming Blocked Task" block (from
                                        ctx->task.blocked) */
    const char *validation_feedback; /* the validator's report after a <TASK_COMPLETE>
                                        whose validation failed: "Previous Iteration
                                        Feedback" block */
    const char *previous_output;     /* continuation only: last 2000 bytes are shown
                                        (fewer when that would cut a UTF-8 character;
                                        upstream: 2000 UTF-16 units) */
};

/**
 * The full prompt of §2.5 for `ctx`, ending with one "\n": the plan when ctx->plan is
 * non-empty, the skills when ctx->n_skills and ctx->skills_xml, the resume block when
 * o->resume (blocking issue "" and iteration 0 when ctx->task.blocked has none).
 */
char *aidf_prompt_full(const struct aidf_context *ctx, const struct aidf_prompt_opts *o);

/** The continuation prompt of §2.5, ending with one "\n". */
char *aidf_prompt_continuation(const struct aidf_prompt_opts *o);

/**
 * The system prompt for API providers: who the agent is, the tools, the
 * scope rules and the signals, built from `ctx` (the task's allowed, forbidden and
 * ask-before lists; "everything not forbidden" when allowed is empty; `ctx` may be NULL).
 * The wording is ours (the original TypeScript aidf has none). New heap string.
 */
char *aidf_prompt_system(const struct aidf_context *ctx);

#endif
