#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/tags.h"

static const char *get(const struct aidf_kvlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i].key, key))
            return l->items[i].value;
    return NULL;
}

static void test_keys(void **state)
{
    (void)state;
    assert_true(aidf_tag_key_valid("team"));
    assert_true(aidf_tag_key_valid("a.b-c_D9"));
    assert_false(aidf_tag_key_valid(""));
    assert_false(aidf_tag_key_valid(NULL));
    assert_false(aidf_tag_key_valid("has space"));
    assert_false(aidf_tag_key_valid("t:x"));
    assert_false(aidf_tag_key_valid("caf\xc3\xa9"));
    char k[70];
    memset(k, 'k', 64);
    k[64] = '\0';
    assert_true(aidf_tag_key_valid(k));
    k[64] = 'k';
    k[65] = '\0';
    assert_false(aidf_tag_key_valid(k));
}

static void test_assignment_and_override(void **state)
{
    (void)state;
    struct aidf_kvlist t = {0};
    struct aidf_error err;
    assert_int_equal(aidf_tags_parse_assignment(&t, "team=core", "--tag", &err), AIDF_OK);
    assert_int_equal(aidf_tags_parse_assignment(&t, "q=a=b", "--tag", &err), AIDF_OK);
    assert_int_equal(aidf_tags_parse_assignment(&t, "empty=", "--tag", &err), AIDF_OK);
    assert_int_equal(aidf_tags_parse_assignment(&t, "team=infra", "--tag", &err), AIDF_OK);
    assert_int_equal(t.n, 3);
    assert_string_equal(get(&t, "team"), "infra");
    assert_string_equal(get(&t, "q"), "a=b");
    assert_string_equal(get(&t, "empty"), "");
    assert_int_equal(aidf_tags_parse_assignment(&t, "noequals", "--tag", &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "key=value"));
    assert_int_equal(aidf_tags_parse_assignment(&t, "=v", "--tag", &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "--tag"));
    aidf_kvlist_release(&t);
}

static void test_bad_values(void **state)
{
    (void)state;
    struct aidf_kvlist t = {0};
    struct aidf_error err;
    assert_int_equal(aidf_tags_set(&t, "k", "a\x1b[2Jb", "AIDF_TAGS", &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "control"));
    assert_int_equal(aidf_tags_set(&t, "k", "a\r\nb", "AIDF_TAGS", &err), AIDF_EINVAL);
    assert_int_equal(aidf_tags_set(&t, "k", "\xc2\x9b", "AIDF_TAGS", &err), AIDF_EINVAL);
    assert_int_equal(aidf_tags_set(&t, "k", "\xe9t\xe9", "AIDF_TAGS", &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "UTF-8"));
    assert_int_equal(aidf_tags_set(&t, "k", NULL, "AIDF_TAGS", &err), AIDF_EINVAL);
    char v[300];
    memset(v, 'v', 256);
    v[256] = '\0';
    assert_int_equal(aidf_tags_set(&t, "k", v, "x", &err), AIDF_OK);
    v[256] = 'v';
    v[257] = '\0';
    assert_int_equal(aidf_tags_set(&t, "k", v, "x", &err), AIDF_EINVAL);
    assert_string_equal(get(&t, "k"), v + 1); /* unchanged: still the 256-byte value */
    assert_int_equal(aidf_tags_set(&t, "k", "caf\xc3\xa9 \xe2\x9c\x93", "x", &err), AIDF_OK);
    /* A key so long it could overflow a fixed buffer is refused, not truncated. */
    char longkey[1000];
    memset(longkey, 'k', sizeof(longkey) - 3);
    memcpy(longkey + sizeof(longkey) - 3, "=v", 3);
    assert_int_equal(aidf_tags_parse_assignment(&t, longkey, "x", &err), AIDF_EINVAL);
    aidf_kvlist_release(&t);
}

static void test_limit(void **state)
{
    (void)state;
    struct aidf_kvlist t = {0};
    struct aidf_error err;
    char key[16];
    for (int i = 0; i < AIDF_TAGS_MAX; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(aidf_tags_set(&t, key, "v", "x", &err), AIDF_OK);
    }
    assert_int_equal(aidf_tags_set(&t, "one-more", "v", "x", &err), AIDF_ETOOBIG);
    /* Replacing an existing key is still allowed at the limit. */
    assert_int_equal(aidf_tags_set(&t, "k0", "w", "x", &err), AIDF_OK);
    assert_int_equal(t.n, AIDF_TAGS_MAX);
    aidf_kvlist_release(&t);
}

static void test_list(void **state)
{
    (void)state;
    struct aidf_kvlist t = {0};
    struct aidf_error err;
    assert_int_equal(aidf_tags_parse_list(&t, " team=core , ticket=WID-42,,", "AIDF_TAGS", &err),
                     AIDF_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(get(&t, "team"), "core");
    assert_string_equal(get(&t, "ticket"), "WID-42");
    assert_int_equal(aidf_tags_parse_list(&t, "", "AIDF_TAGS", &err), AIDF_OK);
    assert_int_equal(aidf_tags_parse_list(&t, "a=1,bad,c=3", "AIDF_TAGS", &err), AIDF_EINVAL);
    assert_string_equal(get(&t, "a"), "1");
    assert_null(get(&t, "c"));
    aidf_kvlist_release(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),       cmocka_unit_test(test_assignment_and_override),
        cmocka_unit_test(test_bad_values), cmocka_unit_test(test_limit),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
