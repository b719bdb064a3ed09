/*
 * Internal to the context module (lib/run/context.c, lib/run/skills.c): the pieces of the skill
 * loader that context.c and the unit tests reach directly.
 */
#ifndef AIDF_CONTEXT_INT_H
#define AIDF_CONTEXT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "aidf/context.h"

/* Number of security-scan patterns (the length of the array aidf_skill_scan() fills). */
#define AIDF_SCAN_NPATTERNS 17

/** One security-scan hit: the first line a pattern matched. */
struct aidf_scan_hit {
    const char *pattern;     /* short name, "sudo", "ignore previous instructions" (static) */
    const char *description; /* upstream's description (static) */
    bool danger;             /* danger (drops the skill) or warning (logged only) */
    int line;                /* 1-based line of the first match */
};

/**
 * Parse the frontmatter and body of one SKILL.md text (LF line ends, NUL-terminated at
 * `len`) into `out` (zeroed first): name, description, version, author, tags, globs and
 * body. path, source and warnings are left empty. AIDF_OK, or AIDF_EINVAL when there is
 * no frontmatter or it lacks name or description (`out` then holds nothing).
 */
int aidf_skill_parse(const char *text, size_t len, struct aidf_skill *out);

/**
 * Run the security scan over `text` (LF line ends). Fills `hits` (room for
 * AIDF_SCAN_NPATTERNS) with one entry per pattern that matched, in pattern order
 * (danger patterns first), and returns how many.
 */
size_t aidf_skill_scan(const char *text, size_t len, struct aidf_scan_hit *hits);

/** Free what one skill owns and zero it. */
void aidf_skill_release(struct aidf_skill *s);

/** The <available_skills> block for `n` skills (a new heap string); NULL when n is 0. */
char *aidf_skills_xml(const struct aidf_skill *skills, size_t n);

#endif
