/*
 * The template table compiled into aidf (generated from templates/ by
 * cmake/embed_templates.cmake) against the files themselves: the same files, byte for
 * byte, NUL-terminated, sorted by path, and only the placeholders cmd_init.c fills in.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aidf/fsutil.h"
#include "init_templates.h"
#include "testutil.h"

#define MAX_FILES 128

struct listing {
    char *paths[MAX_FILES];
    size_t n;
};

/* Every file under templates/ (relative paths), hidden files and names ending in ~ left
 * out as the embedding script does. */
static void list_dir(const char *root, const char *rel, struct listing *l)
{
    char *dir = aidf_path_join(root, rel);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        size_t nl = strlen(name);
        if (name[0] == '.' || name[nl - 1] == '~')
            continue;
        char *sub = *rel ? aidf_path_join(rel, name) : strdup(name);
        char *full = aidf_path_join(root, sub);
        struct stat st;
        assert_int_equal(stat(full, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            list_dir(root, sub, l);
            free(sub);
        } else {
            assert_true(l->n < MAX_FILES);
            l->paths[l->n++] = sub;
        }
        free(full);
    }
    closedir(d);
    free(dir);
}

static void test_table_matches_files(void **state)
{
    (void)state;
    char *root = aidf_path_join(AIDF_SOURCE_DIR, "templates");
    struct listing l = {{NULL}, 0};
    list_dir(root, "", &l);
    assert_int_equal(init_template_count, l.n);

    for (size_t i = 0; i < init_template_count; i++) {
        const struct init_template *t = &init_templates[i];
        if (i > 0)
            assert_true(strcmp(init_templates[i - 1].path, t->path) < 0);
        bool listed = false;
        for (size_t k = 0; k < l.n && !listed; k++)
            listed = strcmp(l.paths[k], t->path) == 0;
        if (!listed)
            fail_msg("%s is compiled in but not under templates/", t->path);

        char *path = aidf_path_join(root, t->path);
        size_t len = 0;
        char *text = tu_read(path, &len);
        assert_non_null(text);
        if (len != t->size || memcmp(text, t->data, len) != 0)
            fail_msg("%s differs from the compiled-in copy (%zu and %zu bytes)", t->path, len,
                     t->size);
        assert_int_equal(t->data[t->size], '\0');
        free(text);
        free(path);
    }
    for (size_t k = 0; k < l.n; k++)
        free(l.paths[k]);
    free(root);
}

/* Each {{NAME}} in a template is one that cmd_init.c fills in (a misspelt one would be
 * written to the project as it is). */
static void test_placeholders_are_known(void **state)
{
    (void)state;
    static const char *const known[] = {
        "PROJECT_NAME", "PROJECT_NAME_YAML", "PROJECT_DESCRIPTION_YAML", "VALIDATION_COMMANDS",
        "DEV_COMMANDS", "QUALITY_COMMANDS",  "BUILD_COMMANDS",
    };
    size_t used = 0;
    for (size_t i = 0; i < init_template_count; i++) {
        const char *s = (const char *)init_templates[i].data;
        while ((s = strstr(s, "{{")) != NULL) {
            const char *e = strstr(s + 2, "}}");
            assert_non_null(e);
            size_t n = (size_t)(e - s - 2);
            bool ok = false;
            for (size_t k = 0; k < sizeof(known) / sizeof(known[0]) && !ok; k++)
                ok = strlen(known[k]) == n && memcmp(known[k], s + 2, n) == 0;
            if (!ok)
                fail_msg("%s: unknown placeholder {{%.*s}}", init_templates[i].path, (int)n, s + 2);
            used++;
            s = e + 2;
        }
    }
    assert_true(used > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_matches_files),
        cmocka_unit_test(test_placeholders_are_known),
    };
    return cmocka_run_group_tests_name("init_templates", tests, NULL, NULL);
}
