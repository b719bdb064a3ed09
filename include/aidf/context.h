/*
 * Execution context (reference/upstream-aidf.md §1.3–1.7, §2.3): what the executor loads
 * from `.ai/` before the loop — AGENTS.md, the role, the task, IMPLEMENTATION_PLAN.md and
 * the role's skills — and the size of each part in estimated tokens (ceil(chars / 4)).
 *
 * Ownership: struct aidf_context owns everything in it; aidf_context_release() frees it.
 * Arguments are borrowed.
 */
#ifndef AIDF_CONTEXT_H
#define AIDF_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/config.h"
#include "aidf/err.h"
#include "aidf/report.h"
#include "aidf/task.h"

/* Largest AGENTS.md, role, plan or skill file read (bytes). */
#define AIDF_CONTEXT_MAX_FILE ((size_t)1 << 20)

/** A skill (`<dir>/<name>/SKILL.md` with frontmatter). */
struct aidf_skill {
    char *name, *description, *version, *author; /* version/author NULL when absent */
    struct aidf_strlist tags, globs;
    char *body;   /* text after the frontmatter, trimmed */
    char *path;   /* the SKILL.md file */
    char *source; /* "project", "global" or "config" */
    struct aidf_strlist warnings; /* security-scan warnings ("line N: sudo"); logged */
};

struct aidf_context {
    char *root;      /* project root: the directory holding .ai/ */
    char *agents;    /* .ai/AGENTS.md, CRLF→LF */
    char *role_name; /* task.role ("developer" by default) */
    char *role;      /* .ai/roles/<role_name>.md, CRLF→LF */
    struct aidf_task task;
    char *plan;          /* .ai/IMPLEMENTATION_PLAN.md, CRLF→LF; NULL when absent */
    size_t n_skills;     /* skills injected into the prompt: those named aidf-<role_name> */
    struct aidf_skill *skills;
    char *skills_xml;    /* the <available_skills> block (§1.7); NULL when no skills */
    /* Estimated tokens, ceil(chars/4) of each part (chars = UTF-8 code points). */
    int64_t tok_agents, tok_role, tok_task, tok_plan, tok_skills, tok_total;
};

/**
 * Load the context of the task at `task_path` (absolute, or relative to the cwd) in the
 * project at `root`, with skills as `cfg->skills` says (enabled, block_suspicious,
 * directories; `cfg` may be NULL for defaults). `out` is initialised by this call and
 * must be released even on error. Errors: AIDF_ENOTFOUND with the upstream messages
 * ("AGENTS.md not found at <path>. Run `aidf init` first.", "Role file not found:
 * <path>. Available roles are in <dir>", "Task file not found: <path>"), AIDF_EINVAL /
 * AIDF_ETOOBIG for unreadable files. Skill problems are warnings, never errors.
 */
int aidf_context_load(const char *root, const char *task_path, const struct aidf_config *cfg,
                      struct aidf_context *out, struct aidf_error *err);

/** Free what `c` owns and zero it. NULL is a no-op. */
void aidf_context_release(struct aidf_context *c);

/** ceil(code points / 4) of a UTF-8 string (NULL: 0); the estimate used everywhere. */
int64_t aidf_estimate_tokens(const char *s);

/**
 * Discover every skill (project `.ai/skills/`, then `$HOME/.aidf/skills/`, then each of
 * `directories`), parse its frontmatter and run the security scan; skills with invalid
 * frontmatter are skipped, skills with a "danger" hit are skipped when
 * `block_suspicious`. `*out`/`*n` receive a new array (free with
 * aidf_skills_free()). Never fails.
 */
void aidf_skills_discover(const char *root, const struct aidf_strlist *directories,
                          bool block_suspicious, struct aidf_skill **out, size_t *n);

/** Free an array from aidf_skills_discover(). */
void aidf_skills_free(struct aidf_skill *skills, size_t n);

#endif
