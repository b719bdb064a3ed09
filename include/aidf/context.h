/*
 * Execution context: what the executor loads
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
#include "aidf/containers.h"
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
    /* Security-scan hits, logged too: "line N: sudo" for a warning, "line N: you are now
     * (danger)" for a danger hit kept because block_suspicious is off. */
    struct aidf_strlist warnings;
};

struct aidf_context {
    char *root;      /* project root: the directory holding .ai/ */
    char *agents;    /* .ai/AGENTS.md, CRLF→LF */
    char *role_name; /* task.role; "developer" when the task names none (or an empty one) */
    char *role;      /* .ai/roles/<role_name>.md, CRLF→LF */
    struct aidf_task task;
    char *plan;      /* .ai/IMPLEMENTATION_PLAN.md, CRLF→LF; NULL when absent */
    size_t n_skills; /* skills injected into the prompt: those named aidf-<role_name> */
    struct aidf_skill *skills;
    char *skills_xml; /* the <available_skills> block (§1.7); NULL when no skills */
    /* Estimated tokens, ceil(chars/4) of each part (chars = UTF-8 code points); tok_skills
     * is that of skills_xml; tok_total is the sum. */
    int64_t tok_agents, tok_role, tok_task, tok_plan, tok_skills, tok_total;
};

/**
 * Load the context of the task at `task_path` (absolute, or relative to the cwd) in the
 * project at `root`, with skills as `cfg->skills` says (enabled, block_suspicious,
 * directories; `cfg` may be NULL for defaults). Files are read in upstream's order (task,
 * role, AGENTS.md, plan), so the first missing one is reported. `out` is initialised by
 * this call and must be released even on error. Errors: AIDF_ENOTFOUND with the upstream
 * messages ("Task file not found: <path>", "Role file not found: <path>. Available roles
 * are in <dir>", "AGENTS.md not found at <path>. Run `aidf init` first."); AIDF_EINVAL for
 * a role name that is not a plain file name (contains '/' or starts with '.') and for
 * files with NUL bytes; AIDF_ETOOBIG over AIDF_CONTEXT_MAX_FILE; AIDF_EIO when a file
 * cannot be read (a directory, permissions). A missing plan is no error. Skill problems
 * are warnings, never errors.
 */
int aidf_context_load(const char *root, const char *task_path, const struct aidf_config *cfg,
                      struct aidf_context *out, struct aidf_error *err);

/** Free what `c` owns and zero it. NULL is a no-op. */
void aidf_context_release(struct aidf_context *c);

/**
 * ceil(code points / 4) of a UTF-8 string (NULL: 0); the estimate used everywhere. Each
 * byte of a malformed sequence counts as one code point. (Upstream counts UTF-16 units,
 * so a character outside the BMP counts 1 here and 2 there.)
 */
int64_t aidf_estimate_tokens(const char *s);

/**
 * Discover every skill (`<root>/.ai/skills/`, then `$HOME/.aidf/skills/` when HOME is set,
 * then each of `directories`, where a relative entry is relative to `root`; `root` and
 * `directories` may be NULL), each directory's entries in byte order, as
 * `<entry>/SKILL.md`. Parse the frontmatter and run the security scan; skills that cannot
 * be read (over AIDF_CONTEXT_MAX_FILE, NUL bytes) or have invalid frontmatter are skipped,
 * skills with a "danger" hit are skipped when `block_suspicious`; each is logged with
 * aidf_warn(), as are the scan's warnings. `*out`/`*n` receive a new array (NULL/0 when
 * none; free with aidf_skills_free()). Never fails.
 */
void aidf_skills_discover(const char *root, const struct aidf_strlist *directories,
                          bool block_suspicious, struct aidf_skill **out, size_t *n);

/** Free an array from aidf_skills_discover(). */
void aidf_skills_free(struct aidf_skill *skills, size_t n);

#endif
