/*
 * Run tags: free-form key=value labels a team attaches to runs ("team=core",
 * "ticket=WID-42") from `aidf run --tag`, `observability.tags` in the config and the
 * AIDF_TAGS variable, and groups or filters by later.
 *
 * Rules (the same wherever a tag comes from): a key is 1 to 64 characters of
 * [A-Za-z0-9_.-]; a value is valid UTF-8 of at most 256 bytes with no control characters
 * (it may be empty); a run has at most 32 tags. Setting a key that is already present
 * replaces its value, so a later source overrides an earlier one.
 *
 * Ownership: the list (struct aidf_kvlist) owns its copies; arguments are borrowed.
 */
#ifndef AIDF_TAGS_H
#define AIDF_TAGS_H

#include <stdbool.h>

#include "aidf/err.h"
#include "aidf/kvlist.h"

#define AIDF_TAG_KEY_MAX   64
#define AIDF_TAG_VALUE_MAX 256
#define AIDF_TAGS_MAX      32

/** True when `key` is a valid tag key (see the rules above). */
bool aidf_tag_key_valid(const char *key);

/**
 * Why `value` is not a valid tag value ("is longer than 256 bytes", "is not valid UTF-8",
 * "contains a control character"), or NULL when it is valid.
 */
const char *aidf_tag_value_problem(const char *value);

/**
 * Set `key` to `value` in `tags`, replacing an earlier value of the same key. `source` names
 * where the tag came from for error messages ("--tag", "AIDF_TAGS", ".ai/config.yml").
 * Returns AIDF_OK, or AIDF_EINVAL (bad key or value) / AIDF_ETOOBIG (a 33rd tag) with a
 * message in `err`; `tags` is unchanged on error.
 */
int aidf_tags_set(struct aidf_kvlist *tags, const char *key, const char *value, const char *source,
                  struct aidf_error *err);

/**
 * Parse one "key=value" assignment (the first '=' separates; the value may contain '=') and
 * set it as aidf_tags_set() does. A missing '=' is AIDF_EINVAL.
 */
int aidf_tags_parse_assignment(struct aidf_kvlist *tags, const char *assignment, const char *source,
                               struct aidf_error *err);

/**
 * Parse a comma-separated list of assignments ("team=core,ticket=WID-42"; white space
 * around items is ignored, empty items are skipped) as AIDF_TAGS holds them. Values cannot
 * contain a comma in this form. On error `tags` keeps the items before the bad one.
 */
int aidf_tags_parse_list(struct aidf_kvlist *tags, const char *list, const char *source,
                         struct aidf_error *err);

#endif
