/*
 * Run tags: validation and parsing (see include/aidf/tags.h).
 */
#include "aidf/tags.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/utf8.h"
#include "aidf/xalloc.h"

bool aidf_tag_key_valid(const char *key)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > AIDF_TAG_KEY_MAX)
        return false;
    return strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

const char *aidf_tag_value_problem(const char *value)
{
    size_t n = strlen(value);
    if (n > AIDF_TAG_VALUE_MAX)
        return "is longer than 256 bytes";
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = aidf_utf8_decode(value + i, n - i, &cp);
        if (!k)
            return "is not valid UTF-8";
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            return "contains a control character";
        i += k;
    }
    return NULL;
}

int aidf_tags_set(struct aidf_kvlist *tags, const char *key, const char *value, const char *source,
                  struct aidf_error *err)
{
    if (!aidf_tag_key_valid(key))
        return aidf_fail(err, AIDF_EINVAL,
                         "%s: invalid tag key: a key is 1 to 64 characters of letters, digits, "
                         "'_', '.' and '-'",
                         source);
    const char *why = value ? aidf_tag_value_problem(value) : "is missing";
    if (why)
        return aidf_fail(err, AIDF_EINVAL, "%s: the value of tag '%s' %s", source, key, why);
    for (size_t i = 0; i < tags->n; i++)
        if (strcmp(tags->items[i].key, key) == 0) {
            free(tags->items[i].value);
            tags->items[i].value = aidf_xstrdup(value);
            return AIDF_OK;
        }
    if (tags->n >= AIDF_TAGS_MAX)
        return aidf_fail(err, AIDF_ETOOBIG, "%s: more than %d tags (at tag '%s')", source,
                         AIDF_TAGS_MAX, key);
    aidf_kvlist_add(tags, key, value);
    return AIDF_OK;
}

int aidf_tags_parse_assignment(struct aidf_kvlist *tags, const char *assignment, const char *source,
                               struct aidf_error *err)
{
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return aidf_fail(err, AIDF_EINVAL, "%s: a tag is written key=value", source);
    size_t kn = (size_t)(eq - assignment);
    if (kn > AIDF_TAG_KEY_MAX)
        kn = AIDF_TAG_KEY_MAX + 1; /* long enough to be refused, short enough to copy */
    char key[AIDF_TAG_KEY_MAX + 2];
    memcpy(key, assignment, kn);
    key[kn] = '\0';
    return aidf_tags_set(tags, key, eq + 1, source, err);
}

int aidf_tags_parse_list(struct aidf_kvlist *tags, const char *list, const char *source,
                         struct aidf_error *err)
{
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        const char *b = p, *e = p + n;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e > b) {
            char *item = aidf_xstrndup(b, (size_t)(e - b));
            int rc = aidf_tags_parse_assignment(tags, item, source, err);
            free(item);
            if (rc != AIDF_OK)
                return rc;
        }
        p += n;
        if (*p == ',')
            p++;
    }
    return AIDF_OK;
}
