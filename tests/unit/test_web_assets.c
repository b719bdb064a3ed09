/*
 * Unit tests for the dashboard's embedded files (server/web_assets.h): the table that
 * cmake/embed_web.cmake generates from web/ is sorted, every served name is its source's
 * name with the first 12 hex digits of the SHA-256 of its content, the page refers only
 * to names in the table, and the lookup finds each name and nothing else. Linked against
 * aidf_server, which holds the generated table and the lookup (web_assets.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "aidf/sha256.h"

#include "web_assets.h"

static void test_table_sorted_and_hashed(void **state)
{
    (void)state;
    assert_true(aidf_web_asset_count >= 3);
    for (size_t i = 0; i < aidf_web_asset_count; i++) {
        const struct aidf_web_asset *a = &aidf_web_assets[i];
        if (i > 0)
            assert_true(strcmp(aidf_web_assets[i - 1].name, a->name) < 0);
        unsigned char sum[AIDF_SHA256_LEN];
        assert_true(aidf_sha256(a->data, a->size, sum));
        char hex[13];
        for (int k = 0; k < 6; k++)
            snprintf(hex + 2 * k, 3, "%02x", sum[k]);
        const char *dot = strrchr(a->source, '.');
        assert_non_null(dot);
        char want[256];
        snprintf(want, sizeof(want), "%.*s.%s%s", (int)(dot - a->source), a->source, hex, dot);
        assert_string_equal(a->name, want);
        assert_int_equal(a->data[a->size], 0);
        assert_ptr_equal(aidf_web_asset_find(a->name), a);
    }
}

static void test_index_refers_to_table(void **state)
{
    (void)state;
    const char *html = (const char *)aidf_web_index.data;
    assert_string_equal(aidf_web_index.content_type, "text/html; charset=utf-8");
    size_t refs = 0;
    for (const char *p = strstr(html, "\"/assets/"); p; p = strstr(p + 1, "\"/assets/")) {
        char name[128];
        const char *b = p + 9, *e = strchr(b, '"');
        assert_non_null(e);
        assert_true((size_t)(e - b) < sizeof(name));
        memcpy(name, b, (size_t)(e - b));
        name[e - b] = '\0';
        assert_non_null(aidf_web_asset_find(name));
        refs++;
    }
    assert_true(refs >= 3);
    /* No inline script or style: the CSP allows none. */
    assert_null(strstr(html, "<style"));
    assert_null(strstr(html, "style="));
    assert_null(strstr(html, "<script>"));
}

static void test_find_misses(void **state)
{
    (void)state;
    assert_null(aidf_web_asset_find(""));
    assert_null(aidf_web_asset_find("app.js"));
    assert_null(aidf_web_asset_find("index.html"));
    assert_null(aidf_web_asset_find("../index.html"));
    assert_null(aidf_web_asset_find("zzz"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_sorted_and_hashed),
        cmocka_unit_test(test_index_refers_to_table),
        cmocka_unit_test(test_find_misses),
    };
    return cmocka_run_group_tests_name("web_assets", tests, NULL, NULL);
}
