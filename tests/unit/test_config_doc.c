/*
 * docs/config.md against the config parser: every key the parser accepts
 * (aidf_config_keys) has exactly one row in the document's tables, with the same type,
 * range, default and words, and the document lists no key the parser does not know.
 *
 * A key row is a Markdown table line "| `dotted.key` | type | default | meaning |":
 *   type     "string", "boolean", "integer", "number", "enum", "list" or "mapping";
 *            integers and numbers with a finite range add " (min..max)"
 *   default  starts with the default in backticks (`50`, `ask`, `[]`), or with "unset"
 *   meaning  names each word of an enum or of a list of fixed words in backticks
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/config.h"
#include "testutil.h"

#define MAX_ROWS 256

struct row {
    const char *key, *type, *def, *line;
    bool matched;
};

struct doc {
    char *text;
    char *lines[MAX_ROWS]; /* owned copies of the rows' lines */
    struct row rows[MAX_ROWS];
    size_t n;
    int problems;
    bool quiet;
};

/* `s` without leading and trailing blanks, in place. */
static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    return s;
}

static void load_doc(struct doc *d)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/docs/config.md", AIDF_SOURCE_DIR);
    memset(d, 0, sizeof(*d));
    d->text = tu_read(path, NULL);
    assert_non_null(d->text);
    for (char *line = d->text; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (strncmp(line, "| `", 3) == 0) {
            assert_true(d->n < MAX_ROWS);
            struct row *r = &d->rows[d->n++];
            d->lines[d->n - 1] = strdup(line);
            r->line = d->lines[d->n - 1];
            char *cells[4] = {NULL};
            char *p = line + 1;
            for (int i = 0; i < 4 && p; i++) {
                char *bar = strchr(p, '|');
                if (bar)
                    *bar = '\0';
                cells[i] = trim(p);
                p = bar ? bar + 1 : NULL;
            }
            assert_non_null(cells[3]);
            size_t kl = strlen(cells[0]);
            assert_true(kl > 2 && cells[0][kl - 1] == '`');
            cells[0][kl - 1] = '\0';
            r->key = cells[0] + 1;
            r->type = cells[1];
            r->def = cells[2];
        }
        line = nl ? nl + 1 : NULL;
    }
}

static void free_doc(struct doc *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->lines[i]);
    free(d->text);
}

static void problem(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct doc *d, const char *fmt, ...)
{
    va_list ap;
    d->problems++;
    if (d->quiet)
        return;
    va_start(ap, fmt);
    fprintf(stderr, "docs/config.md: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static bool has_backticked(const char *line, const char *word)
{
    char want[256];
    snprintf(want, sizeof(want), "`%s`", word);
    return strstr(line, want) != NULL;
}

static void check_key(const struct aidf_config_key *k, void *ctx)
{
    struct doc *d = ctx;
    struct row *r = NULL;
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(d->rows[i].key, k->name) != 0)
            continue;
        if (r)
            problem(d, "`%s` has more than one row", k->name);
        r = &d->rows[i];
    }
    if (!r) {
        problem(d, "`%s` (a key of the config parser) has no row", k->name);
        return;
    }
    r->matched = true;

    char type[128];
    const char *tn = aidf_config_key_type_name(k->type);
    if ((k->type == AIDF_CONFIG_KEY_INT || k->type == AIDF_CONFIG_KEY_NUMBER) && !isinf(k->min) &&
        !isinf(k->max))
        snprintf(type, sizeof(type), "%s (%g..%g)", tn, k->min, k->max);
    else
        snprintf(type, sizeof(type), "%s", tn);
    if (strcmp(r->type, type) != 0)
        problem(d, "`%s`: type is \"%s\", the parser says \"%s\"", k->name, r->type, type);

    if (k->def) {
        char want[256];
        snprintf(want, sizeof(want), "`%s`", k->def);
        if (strncmp(r->def, want, strlen(want)) != 0)
            problem(d, "`%s`: default is \"%s\", the parser's is %s", k->name, r->def, want);
    } else if (strncmp(r->def, "unset", 5) != 0) {
        problem(d, "`%s`: default is \"%s\", the parser has none (write \"unset\")", k->name,
                r->def);
    }

    for (size_t i = 0; k->choices && k->choices[i]; i++)
        if (!has_backticked(r->line, k->choices[i]))
            problem(d, "`%s`: the accepted value `%s` is not named", k->name, k->choices[i]);
}

static void count_key(const struct aidf_config_key *k, void *ctx)
{
    (void)k;
    ++*(size_t *)ctx;
}

static void test_doc_matches_parser(void **state)
{
    (void)state;
    struct doc d;
    load_doc(&d);
    aidf_config_keys(check_key, &d);
    for (size_t i = 0; i < d.n; i++)
        if (!d.rows[i].matched)
            problem(&d, "`%s` is documented but the config parser does not accept it",
                    d.rows[i].key);
    int problems = d.problems;
    free_doc(&d);
    assert_int_equal(problems, 0);
}

/* The key list itself: dotted names, known types, and the defaults of the struct. */
static void test_key_list(void **state)
{
    (void)state;
    size_t n = 0;
    aidf_config_keys(count_key, &n);
    assert_true(n > 50);
    assert_string_equal(aidf_config_key_type_name(AIDF_CONFIG_KEY_MAPPING), "mapping");

    struct doc d;
    memset(&d, 0, sizeof(d));
    d.quiet = true;
    d.rows[0].key = "execution.max_iterations";
    d.rows[0].type = "integer (1..1000)";
    d.rows[0].def = "`50`";
    d.rows[0].line = "| `execution.max_iterations` |";
    d.n = 1;
    aidf_config_keys(check_key, &d);
    assert_true(d.rows[0].matched);
    /* Every other key is reported missing from this one-row document. */
    assert_int_equal(d.problems, (int)n - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_matches_parser),
        cmocka_unit_test(test_key_list),
    };
    return cmocka_run_group_tests_name("config_doc", tests, NULL, NULL);
}
