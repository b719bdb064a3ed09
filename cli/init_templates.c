/*
 * What `aidf init` adds to the project's .gitignore. The template files themselves are
 * under templates/ and compiled in from the generated init_templates_data.c (see
 * init_templates.h). Task templates follow the task format lib/run/task.c parses:
 * "# TASK", then "## Goal", "## Task Type", "## Suggested Roles", "## Scope" with
 * "### Allowed", "### Forbidden" and optionally "### Ask Before", "## Requirements",
 * "## Definition of Done" ("- [ ] item") and "## Notes".
 */
#include "init_templates.h"

const char *const init_gitignore_lines[] = {
    "# AIDF",
    ".ai/reports/",
    ".ai/tasks/*.log",
    ".ai/tasks/*.tmp",
    ".ai/.cache/",
    ".ai/config.local.yml",
    NULL,
};
