/*
 * Prompts (the original TypeScript aidf's buildIterationPrompt and
 * buildContinuationPrompt in core/providers/claude-cli.ts) and the system prompt of the
 * API providers. The wording of the first two is upstream's, byte for
 * byte; an empty optional string is left out as upstream's falsy checks do.
 */
#include "aidf/prompt.h"

#include <inttypes.h>
#include <string.h>

#include "aidf/buf.h"

/* How much of the previous output a continuation prompt repeats (bytes). */
#define PREVIOUS_OUTPUT_TAIL 2000

static bool has_text(const char *s)
{
    return s && *s;
}

static void add_feedback(struct aidf_buf *b, const char *report)
{
    if (!has_text(report))
        return;
    aidf_buf_addstr(b, "## Previous Iteration Feedback\n\n");
    aidf_buf_addstr(b, "\xE2\x9A\xA0 Your previous iteration signaled <TASK_COMPLETE> but "
                       "validation failed:\n\n");
    aidf_buf_addstr(b, "```\n");
    aidf_buf_addstr(b, report);
    aidf_buf_addstr(b, "\n```\n\n");
    aidf_buf_addstr(b, "Please fix the validation errors and signal <TASK_COMPLETE> again when "
                       "done.\n\n");
}

static void add_resume(struct aidf_buf *b, const struct aidf_task *t)
{
    aidf_buf_addstr(b, "## Resuming Blocked Task\n\n");
    aidf_buf_addf(b, "This task was previously blocked at iteration %d.\n\n",
                  t->blocked.previous_iteration);
    aidf_buf_addstr(b, "### Previous Blocking Issue\n\n");
    aidf_buf_addstr(b, t->blocked.blocking_issue ? t->blocked.blocking_issue : "");
    aidf_buf_addstr(b, "\n\n");
    aidf_buf_addstr(b, "### Files Modified in Previous Attempt\n\n");
    if (t->blocked.files_modified.n)
        for (size_t i = 0; i < t->blocked.files_modified.n; i++)
            aidf_buf_addf(b, "- `%s`\n", t->blocked.files_modified.items[i]);
    else
        aidf_buf_addstr(b, "_None_\n");
    aidf_buf_addstr(b, "\n");
    aidf_buf_addstr(b, "**IMPORTANT**: Review the blocking issue above. The problem has been "
                       "addressed or guidance provided. Continue from where it left off.\n\n");
    aidf_buf_addstr(b, "---\n\n");
}

static void add_part(struct aidf_buf *b, const char *heading, const char *text)
{
    aidf_buf_addstr(b, heading);
    aidf_buf_addstr(b, "\n\n");
    aidf_buf_addstr(b, text ? text : "");
    aidf_buf_addstr(b, "\n\n");
}

char *aidf_prompt_full(const struct aidf_context *ctx, const struct aidf_prompt_opts *o)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "# AIDF Autonomous Execution - Iteration %" PRId64 "\n\n", o->iteration);
    if (o->resume)
        add_resume(&b, &ctx->task);
    aidf_buf_addstr(&b, "You are executing a task autonomously. Follow the context below.\n\n");
    add_part(&b, "## Project Context (AGENTS.md)", ctx->agents);
    add_part(&b, "## Your Role", ctx->role);
    add_part(&b, "## Current Task", ctx->task.raw);
    if (has_text(ctx->plan))
        add_part(&b, "## Implementation Plan", ctx->plan);
    if (ctx->n_skills && has_text(ctx->skills_xml))
        add_part(&b, "## Available Skills", ctx->skills_xml);
    add_feedback(&b, o->validation_feedback);
    aidf_buf_addstr(&b, "## Execution Instructions\n\n"
                        "1. Read the task requirements carefully\n"
                        "2. Check the Definition of Done criteria\n"
                        "3. Make necessary code changes\n"
                        "4. Stay within the allowed scope\n"
                        "5. When ALL Definition of Done criteria are met, output: "
                        "<TASK_COMPLETE>\n"
                        "6. If you encounter a blocker, output: <BLOCKED: reason>\n\n");
    aidf_buf_addstr(&b, "**IMPORTANT:** Only modify files within the allowed scope. Do NOT "
                        "modify files in the forbidden scope.\n");
    return aidf_buf_detach(&b, NULL);
}

/*
 * The last PREVIOUS_OUTPUT_TAIL bytes of `s`, moved forward past UTF-8 continuation
 * bytes so no character is cut (upstream: the last 2000 UTF-16 units).
 */
static const char *tail(const char *s)
{
    size_t n = strlen(s);
    if (n <= PREVIOUS_OUTPUT_TAIL)
        return s;
    const char *p = s + n - PREVIOUS_OUTPUT_TAIL;
    for (int k = 0; k < 3 && ((unsigned char)*p & 0xC0) == 0x80; k++)
        p++;
    return p;
}

char *aidf_prompt_continuation(const struct aidf_prompt_opts *o)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addf(&b, "# Continuation \xE2\x80\x94 Iteration %" PRId64 "\n\n", o->iteration);
    aidf_buf_addstr(&b, "Continue working on the task from the previous iteration.\n\n");
    if (has_text(o->previous_output)) {
        aidf_buf_addstr(&b, "## Previous Iteration Output\n\n```\n");
        aidf_buf_addstr(&b, tail(o->previous_output));
        aidf_buf_addstr(&b, "\n```\n\n");
    }
    add_feedback(&b, o->validation_feedback);
    aidf_buf_addstr(&b, "## Reminder\n\n"
                        "- Stay within the allowed scope\n"
                        "- When ALL Definition of Done criteria are met, output: "
                        "<TASK_COMPLETE>\n"
                        "- If you encounter a blocker, output: <BLOCKED: reason>\n");
    return aidf_buf_detach(&b, NULL);
}

static void add_list(struct aidf_buf *b, const struct aidf_strlist *l, const char *none)
{
    if (!l || !l->n) {
        aidf_buf_addf(b, "- %s\n", none);
        return;
    }
    for (size_t i = 0; i < l->n; i++)
        aidf_buf_addf(b, "- `%s`\n", l->items[i]);
}

char *aidf_prompt_system(const struct aidf_context *ctx)
{
    const struct aidf_task *t = ctx ? &ctx->task : NULL;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b,
                    "You are an autonomous coding agent working on a task in a git repository. You "
                    "act only through the tools you are given: read_file, write_file, list_files, "
                    "run_command, task_complete and task_blocked. Nobody answers questions while "
                    "you work, so decide, act and check your work with the tools.\n\n");
    aidf_buf_addstr(&b, "## Paths\n\n"
                        "Every path is relative to the project root (the directory holding "
                        ".ai/). Do not use absolute paths or paths that leave the "
                        "project.\n\n");
    aidf_buf_addstr(&b, "## Scope\n\n"
                        "You may only write files inside the allowed scope; writes outside it "
                        "are refused or reverted.\n\n"
                        "Allowed:\n");
    add_list(&b, t ? &t->allowed : NULL, "everything not forbidden");
    aidf_buf_addstr(&b, "\nForbidden (neither readable nor writable; environment files such as "
                        ".env are not readable either unless the allowed scope names them):\n");
    add_list(&b, t ? &t->forbidden : NULL, "nothing");
    if (t && t->ask_before.n) {
        aidf_buf_addstr(&b, "\nAsk before changing (writes may be refused):\n");
        add_list(&b, &t->ask_before, "nothing");
    }
    aidf_buf_addstr(&b, "\n## Finishing\n\n"
                        "When every Definition of Done item of the task is met, call "
                        "task_complete. If you cannot continue, call task_blocked with the "
                        "reason. Do not stop without calling one of them.\n");
    return aidf_buf_detach(&b, NULL);
}
