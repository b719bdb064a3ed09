/*
 * The files `aidf init` writes into .ai/: AGENTS.md, config.yml, the five roles and the
 * task templates, plus the lines it keeps in the project's .gitignore.
 *
 * The templates are the files under templates/ at the top of the source tree:
 * templates/X is written to .ai/X. At build time cmake/embed_templates.cmake turns them
 * into byte arrays in a generated source file (init_templates_data.c in the build
 * directory), which defines init_templates[] and init_template_count below; adding a
 * file under templates/ adds it to `aidf init` (hidden files and names ending in ~ are
 * left out).
 *
 * `{{NAME}}` placeholders are replaced by cmd_init.c:
 *   {{PROJECT_NAME}}              the project name as plain text (Markdown)
 *   {{PROJECT_NAME_YAML}}         the same as a double-quoted YAML string
 *   {{PROJECT_DESCRIPTION_YAML}}  package.json "description" or "", quoted
 *   {{VALIDATION_COMMANDS}}       the pre_commit / pre_push / pre_pr keys of config.yml
 *   {{DEV_COMMANDS}} {{QUALITY_COMMANDS}} {{BUILD_COMMANDS}}
 *                                 lines of the AGENTS.md bash blocks
 * Unknown placeholders are left as they are.
 */
#ifndef AIDF_CLI_INIT_TEMPLATES_H
#define AIDF_CLI_INIT_TEMPLATES_H

#include <stddef.h>

/** One generated file: `path` is relative to the .ai/ directory. */
struct init_template {
    const char *path;
    const unsigned char *data; /* `size` bytes, followed by a NUL */
    size_t size;
};

/** Every template file, sorted by path: the order they are written in. */
extern const struct init_template init_templates[];
/** Number of entries of init_templates[]. */
extern const size_t init_template_count;

/**
 * The AIDF block of .gitignore, NULL-terminated; the first line is the "# AIDF" marker
 * and the second the reports directory (the line added when only it is missing).
 */
extern const char *const init_gitignore_lines[];

#endif
