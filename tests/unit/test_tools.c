/*
 * Unit tests for lib/run/tools.c: the tool schemas, argument checks, the path guard
 * (traversal, symlinks out of the root, .git), the scope check before writing, the
 * command policy, time limit and output cap, and the task signals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aidf/fsutil.h"
#include "aidf/scope.h"
#include "aidf/tools.h"
#include "aidf/xalloc.h"
#include "testutil.h"

struct fx {
    char *root, *outside;
    struct aidf_tool_ctx ctx;
    struct aidf_tool_outcome o;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->root = tu_mkdtemp();
    f->outside = tu_mkdtemp();
    f->ctx.root = f->root;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    aidf_tool_outcome_release(&f->o);
    tu_rmrf(f->root);
    tu_rmrf(f->outside);
    free(f->root);
    free(f->outside);
    free(f);
    return 0;
}

/* Run tool `name` with the JSON text `args` (NULL: no input at all). */
static struct aidf_tool_outcome *run(struct fx *f, const char *name, const char *args)
{
    aidf_tool_outcome_release(&f->o);
    json_t *in = NULL;
    if (args) {
        json_error_t je;
        in = json_loads(args, JSON_DECODE_ANY, &je);
        if (!in)
            fail_msg("bad test JSON %s: %s", args, je.text);
    }
    aidf_tool_run(&f->ctx, name, in, &f->o);
    json_decref(in);
    assert_non_null(f->o.result);
    return &f->o;
}

/* Run with a prebuilt input (stolen). */
static struct aidf_tool_outcome *run_json(struct fx *f, const char *name, json_t *in)
{
    aidf_tool_outcome_release(&f->o);
    aidf_tool_run(&f->ctx, name, in, &f->o);
    json_decref(in);
    assert_non_null(f->o.result);
    return &f->o;
}

static char *read_in(const char *dir, const char *rel)
{
    char *p = aidf_path_join(dir, rel);
    char *s = tu_read(p, NULL);
    free(p);
    return s;
}

static void link_in(const char *dir, const char *rel, const char *target)
{
    char *p = aidf_path_join(dir, rel);
    assert_int_equal(symlink(target, p), 0);
    free(p);
}

/* ---- schemas ---------------------------------------------------------------------- */

static void check_schema(const json_t *schema, const char *name)
{
    static const struct {
        const char *name, *required;
    } want[] = {
        {"read_file", "path"},      {"write_file", "path,content"}, {"list_files", ""},
        {"run_command", "command"}, {"task_complete", "summary"},   {"task_blocked", "reason"},
    };
    assert_string_equal(json_string_value(json_object_get(schema, "type")), "object");
    json_t *props = json_object_get(schema, "properties");
    json_t *req = json_object_get(schema, "required");
    assert_true(json_is_object(props));
    assert_true(json_is_array(req));
    const char *k;
    json_t *v;
    json_object_foreach(props, k, v)
    {
        assert_string_equal(json_string_value(json_object_get(v, "type")), "string");
        assert_true(strlen(json_string_value(json_object_get(v, "description"))) > 0);
    }
    char joined[128] = "";
    size_t i;
    json_array_foreach(req, i, v)
    {
        assert_non_null(json_object_get(props, json_string_value(v)));
        size_t n = strlen(joined);
        snprintf(joined + n, sizeof(joined) - n, "%s%s", i ? "," : "", json_string_value(v));
    }
    bool found = false;
    for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++)
        if (!strcmp(want[w].name, name)) {
            assert_string_equal(joined, want[w].required);
            found = true;
        }
    assert_true(found);
}

static void test_schemas(void **state)
{
    (void)state;
    static const char *const desc_start[] = {
        "Read contents of a file",          "Write content to a file",
        "List files in a directory",        "Run a shell command",
        "Signal that the task is complete", "Signal that the task is blocked and needs human input",
    };
    json_t *a = aidf_tools_anthropic();
    json_t *o = aidf_tools_openai();
    assert_int_equal(json_array_size(a), 6);
    assert_int_equal(json_array_size(o), 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *t = json_array_get(a, i);
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *desc = json_string_value(json_object_get(t, "description"));
        assert_non_null(name);
        assert_non_null(desc);
        assert_memory_equal(desc, desc_start[i], strlen(desc_start[i]));
        check_schema(json_object_get(t, "input_schema"), name);

        json_t *u = json_array_get(o, i);
        assert_string_equal(json_string_value(json_object_get(u, "type")), "function");
        json_t *fn = json_object_get(u, "function");
        assert_string_equal(json_string_value(json_object_get(fn, "name")), name);
        assert_string_equal(json_string_value(json_object_get(fn, "description")), desc);
        check_schema(json_object_get(fn, "parameters"), name);
        assert_true(
            json_equal(json_object_get(fn, "parameters"), json_object_get(t, "input_schema")));
    }
    json_decref(a);
    json_decref(o);
}

/* ---- arguments -------------------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
    struct fx *f = *state;
    struct aidf_tool_outcome *o = run(f, "read_file", NULL);
    assert_true(o->is_error);
    assert_string_equal(o->result, "Invalid arguments for read_file: expected a JSON object");
    o = run(f, "write_file", "[\"a\"]");
    assert_true(o->is_error);
    assert_non_null(strstr(o->result, "Invalid arguments for write_file"));

    o = run(f, "read_file", "{}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "Invalid arguments for read_file: 'path' must be a string");
    o = run(f, "read_file", "{\"path\": 42}");
    assert_string_equal(o->result, "Invalid arguments for read_file: 'path' must be a string");
    o = run(f, "write_file", "{\"path\": \"a.txt\"}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "Invalid arguments for write_file: 'content' must be a string");
    assert_false(tu_exists(f->root, "a.txt"));
    o = run(f, "write_file", "{\"path\": \"a.txt\", \"content\": null}");
    assert_string_equal(o->result, "Invalid arguments for write_file: 'content' must be a string");
    o = run(f, "list_files", "{\"pattern\": [1]}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "Invalid arguments for list_files: 'pattern' must be a string");
    o = run(f, "run_command", "{\"cmd\": \"ls\"}");
    assert_string_equal(o->result, "Invalid arguments for run_command: 'command' must be a string");
    o = run(f, "task_complete", "{\"summary\": true}");
    assert_true(o->is_error);
    assert_false(o->complete);
    assert_string_equal(o->result,
                        "Invalid arguments for task_complete: 'summary' must be a string");
    o = run(f, "task_blocked", "{\"reason\": \"r\", \"attempted\": 3}");
    assert_true(o->is_error);
    assert_false(o->blocked);
    assert_null(o->reason);
    assert_string_equal(o->result,
                        "Invalid arguments for task_blocked: 'attempted' must be a string");

    /* Empty paths and paths with NUL bytes. */
    o = run(f, "read_file", "{\"path\": \"\"}");
    assert_true(o->is_error);
    assert_non_null(strstr(o->result, "'path' must not be empty"));
    o = run(f, "list_files", "{\"path\": \"\"}");
    assert_true(o->is_error);
    json_t *in = json_object();
    json_object_set_new(in, "path", json_stringn("a\0b", 3));
    json_object_set_new(in, "content", json_string("x"));
    o = run_json(f, "write_file", in);
    assert_true(o->is_error);
    assert_non_null(strstr(o->result, "NUL"));
    assert_false(tu_exists(f->root, "a"));
    o = run(f, "run_command", "{\"command\": \"  \"}");
    assert_true(o->is_error);
}

/* ---- read_file -------------------------------------------------------------------- */

static void test_read_file(void **state)
{
    struct fx *f = *state;
    tu_write(f->root, "src/a.txt", "hello\nworld\n");
    struct aidf_tool_outcome *o = run(f, "read_file", "{\"path\": \"src/a.txt\"}");
    assert_false(o->is_error);
    assert_string_equal(o->result, "hello\nworld\n");
    assert_null(o->written);
    o = run(f, "read_file", "{\"path\": \"./src//a.txt\"}");
    assert_string_equal(o->result, "hello\nworld\n");

    /* Invalid UTF-8 and NUL become U+FFFD; the result is valid JSON text. */
    char *p = aidf_path_join(f->root, "bin.dat");
    FILE *fp = fopen(p, "wb");
    fwrite("a\xff"
           "b\0c\xe2\x82",
           1, 7, fp);
    fclose(fp);
    free(p);
    o = run(f, "read_file", "{\"path\": \"bin.dat\"}");
    assert_false(o->is_error);
    assert_string_equal(o->result, "a\xef\xbf\xbd"
                                   "b\xef\xbf\xbd"
                                   "c\xef\xbf\xbd\xef\xbf\xbd");
    json_t *js = json_string(o->result);
    assert_non_null(js);
    json_decref(js);

    o = run(f, "read_file", "{\"path\": \"nope.txt\"}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "Error: ENOENT: no such file or directory, open 'nope.txt'");
    o = run(f, "read_file", "{\"path\": \"src\"}");
    assert_true(o->is_error);
    assert_non_null(strstr(o->result, "is a directory"));
    o = run(f, "read_file", "{\"path\": \".\"}");
    assert_true(o->is_error);

    /* Exactly the limit is read; one byte more is refused. */
    char *big = malloc(AIDF_TOOL_MAX_FILE + 1);
    memset(big, 'x', AIDF_TOOL_MAX_FILE + 1);
    p = aidf_path_join(f->root, "big.txt");
    fp = fopen(p, "wb");
    fwrite(big, 1, AIDF_TOOL_MAX_FILE, fp);
    fclose(fp);
    o = run(f, "read_file", "{\"path\": \"big.txt\"}");
    assert_false(o->is_error);
    assert_int_equal(strlen(o->result), AIDF_TOOL_MAX_FILE);
    fp = fopen(p, "ab");
    fwrite("y", 1, 1, fp);
    fclose(fp);
    o = run(f, "read_file", "{\"path\": \"big.txt\"}");
    assert_true(o->is_error);
    assert_memory_equal(o->result, "File too large", 14);
    free(p);
    free(big);
}

/* ---- write_file ------------------------------------------------------------------- */

static void test_write_file(void **state)
{
    struct fx *f = *state;
    struct aidf_tool_outcome *o =
        run(f, "write_file", "{\"path\": \"src/deep/new.c\", \"content\": \"int x;\\n\"}");
    assert_false(o->is_error);
    assert_string_equal(o->result, "File written: src/deep/new.c");
    assert_string_equal(o->written, "src/deep/new.c");
    char *s = read_in(f->root, "src/deep/new.c");
    assert_string_equal(s, "int x;\n");
    free(s);
    char *p = aidf_path_join(f->root, "src/deep");
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    free(p);

    /* Overwrite; the result keeps the path as given, `written` is normalised. */
    o = run(f, "write_file", "{\"path\": \"./src/x/../deep//new.c\", \"content\": \"\"}");
    assert_false(o->is_error);
    assert_string_equal(o->result, "File written: ./src/x/../deep//new.c");
    assert_string_equal(o->written, "src/deep/new.c");
    s = read_in(f->root, "src/deep/new.c");
    assert_string_equal(s, "");
    free(s);
    assert_false(tu_exists(f->root, "src/x"));

    /* Writing over a directory or the root is refused. */
    o = run(f, "write_file", "{\"path\": \"src\", \"content\": \"x\"}");
    assert_true(o->is_error);
    assert_null(o->written);
    o = run(f, "write_file", "{\"path\": \".\", \"content\": \"x\"}");
    assert_true(o->is_error);

    /* Content over the limit is refused and nothing is written. */
    char *big = malloc(AIDF_TOOL_MAX_FILE + 1);
    memset(big, 'x', AIDF_TOOL_MAX_FILE + 1);
    json_t *in =
        json_pack("{s:s, s:s%}", "path", "big.txt", "content", big, AIDF_TOOL_MAX_FILE + 1);
    o = run_json(f, "write_file", in);
    assert_true(o->is_error);
    assert_null(o->written);
    assert_false(tu_exists(f->root, "big.txt"));
    in = json_pack("{s:s, s:s%}", "path", "big.txt", "content", big, AIDF_TOOL_MAX_FILE);
    o = run_json(f, "write_file", in);
    assert_false(o->is_error);
    free(big);
}

static void test_write_git_refused(void **state)
{
    struct fx *f = *state;
    tu_write(f->root, ".git/config", "[core]\n");
    static const char *const paths[] = {".git/config", ".git/hooks/pre-commit", ".git",
                                        "sub/.git/x",  ".GIT/config",           "a/../.git/HEAD"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        json_t *in = json_pack("{s:s, s:s}", "path", paths[i], "content", "evil");
        struct aidf_tool_outcome *o = run_json(f, "write_file", in);
        assert_true(o->is_error);
        assert_null(o->written);
        assert_non_null(strstr(o->result, ".git"));
    }
    char *s = read_in(f->root, ".git/config");
    assert_string_equal(s, "[core]\n");
    free(s);
    assert_false(tu_exists(f->root, ".git/hooks"));
    assert_false(tu_exists(f->root, "sub"));
    /* A symlink to .git does not get around it. */
    link_in(f->root, "g", ".git");
    struct aidf_tool_outcome *o =
        run(f, "write_file", "{\"path\": \"g/config\", \"content\": \"x\"}");
    assert_true(o->is_error);
    s = read_in(f->root, ".git/config");
    assert_string_equal(s, "[core]\n");
    free(s);
    /* Reading is fine. */
    o = run(f, "read_file", "{\"path\": \".git/config\"}");
    assert_false(o->is_error);
}

/* ---- the path guard --------------------------------------------------------------- */

static void assert_blocked(struct aidf_tool_outcome *o, const char *p)
{
    char want[512];
    snprintf(want, sizeof(want), "Path traversal blocked: \"%s\" resolves outside project root", p);
    assert_true(o->is_error);
    assert_string_equal(o->result, want);
    assert_null(o->written);
}

static void test_traversal(void **state)
{
    struct fx *f = *state;
    static const char *const bad[] = {
        "../x", "/etc/passwd", "a/../../x", "..", "/", "src/../../../etc/passwd", "/etc/passwd/x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *in = json_pack("{s:s}", "path", bad[i]);
        assert_blocked(run_json(f, "read_file", in), bad[i]);
        in = json_pack("{s:s, s:s}", "path", bad[i], "content", "x");
        assert_blocked(run_json(f, "write_file", in), bad[i]);
        in = json_pack("{s:s}", "path", bad[i]);
        assert_blocked(run_json(f, "list_files", in), bad[i]);
    }
    /* "../<root name>/x" comes back inside: allowed. */
    const char *base = strrchr(f->root, '/') + 1;
    char rel[512];
    snprintf(rel, sizeof(rel), "../%s/back.txt", base);
    json_t *in = json_pack("{s:s, s:s}", "path", rel, "content", "b");
    struct aidf_tool_outcome *o = run_json(f, "write_file", in);
    assert_false(o->is_error);
    assert_string_equal(o->written, "back.txt");

    /* An absolute path inside the root is allowed. */
    char *abs = aidf_path_join(f->root, "abs/file.txt");
    in = json_pack("{s:s, s:s}", "path", abs, "content", "A");
    o = run_json(f, "write_file", in);
    assert_false(o->is_error);
    assert_string_equal(o->written, "abs/file.txt");
    in = json_pack("{s:s}", "path", abs);
    o = run_json(f, "read_file", in);
    assert_false(o->is_error);
    assert_string_equal(o->result, "A");
    free(abs);

    /* A root given through a symlink: paths under either spelling work. */
    char *alias = aidf_path_join(f->outside, "rootlink");
    assert_int_equal(symlink(f->root, alias), 0);
    f->ctx.root = alias;
    o = run(f, "write_file", "{\"path\": \"via.txt\", \"content\": \"v\"}");
    assert_false(o->is_error);
    assert_string_equal(o->written, "via.txt");
    assert_true(tu_exists(f->root, "via.txt"));
    char *abs2 = aidf_path_join(alias, "via.txt");
    in = json_pack("{s:s}", "path", abs2);
    o = run_json(f, "read_file", in);
    assert_false(o->is_error);
    assert_string_equal(o->result, "v");
    f->ctx.root = f->root;
    free(abs2);
    free(alias);
}

static void test_symlinks_out(void **state)
{
    struct fx *f = *state;
    tu_write(f->outside, "secret.txt", "secret");
    char *target = aidf_path_join(f->outside, "secret.txt");
    link_in(f->root, "link", target);
    link_in(f->root, "ldir", f->outside);
    char *dangling = aidf_path_join(f->outside, "nothere.txt");
    link_in(f->root, "dang", dangling);

    assert_blocked(run(f, "read_file", "{\"path\": \"link\"}"), "link");
    assert_blocked(run(f, "write_file", "{\"path\": \"link\", \"content\": \"pwned\"}"), "link");
    assert_blocked(run(f, "read_file", "{\"path\": \"ldir/secret.txt\"}"), "ldir/secret.txt");
    assert_blocked(run(f, "write_file", "{\"path\": \"ldir/new.txt\", \"content\": \"x\"}"),
                   "ldir/new.txt");
    assert_blocked(run(f, "write_file", "{\"path\": \"ldir/a/b/new.txt\", \"content\": \"x\"}"),
                   "ldir/a/b/new.txt");
    assert_blocked(run(f, "list_files", "{\"path\": \"ldir\"}"), "ldir");
    struct aidf_tool_outcome *o = run(f, "write_file", "{\"path\": \"dang\", \"content\": \"x\"}");
    assert_true(o->is_error);
    assert_null(o->written);

    char *s = read_in(f->outside, "secret.txt");
    assert_string_equal(s, "secret");
    free(s);
    assert_false(tu_exists(f->outside, "new.txt"));
    assert_false(tu_exists(f->outside, "a"));
    assert_false(tu_exists(f->outside, "nothere.txt"));

    /* list_files does not follow the links. */
    o = run(f, "list_files", "{}");
    assert_false(o->is_error);
    assert_null(strstr(o->result, "secret"));

    /* A symlink that stays inside is followed; the target is what gets written. */
    tu_write(f->root, "src/a.txt", "old");
    link_in(f->root, "alias", "src/a.txt");
    o = run(f, "write_file", "{\"path\": \"alias\", \"content\": \"new\"}");
    assert_false(o->is_error);
    assert_string_equal(o->written, "src/a.txt");
    s = read_in(f->root, "src/a.txt");
    assert_string_equal(s, "new");
    free(s);
    o = run(f, "read_file", "{\"path\": \"alias\"}");
    assert_string_equal(o->result, "new");
    free(dangling);
    free(target);
}

/* ---- scope ------------------------------------------------------------------------ */

static void test_scope(void **state)
{
    struct fx *f = *state;
    struct aidf_scope sc;
    aidf_scope_init(&sc, AIDF_SCOPE_STRICT);
    aidf_strlist_add(&sc.forbidden, "secret/**");
    f->ctx.scope = &sc;

    struct aidf_tool_outcome *o =
        run(f, "write_file", "{\"path\": \"secret/key.pem\", \"content\": \"k\"}");
    assert_true(o->is_error);
    assert_null(o->written);
    assert_string_equal(o->result,
                        "SCOPE VIOLATION: Cannot write to \"secret/key.pem\". File is in "
                        "forbidden scope.\n\nAllowed paths: (none)\nForbidden paths: "
                        "secret/**\n\nPlease only modify files within the allowed scope.");
    assert_false(tu_exists(f->root, "secret"));
    /* Spelling it differently does not help. */
    o = run(f, "write_file", "{\"path\": \"./x/../secret/key.pem\", \"content\": \"k\"}");
    assert_true(o->is_error);
    assert_false(tu_exists(f->root, "secret"));
    /* Nor does a symlink into the forbidden directory. */
    tu_write(f->root, "secret/.keep", "");
    link_in(f->root, "pub", "secret");
    o = run(f, "write_file", "{\"path\": \"pub/key.pem\", \"content\": \"k\"}");
    assert_true(o->is_error);
    assert_non_null(strstr(o->result, "SCOPE VIOLATION"));
    assert_false(tu_exists(f->root, "secret/key.pem"));

    /* Strict: outside `allowed` is refused. */
    aidf_strlist_add(&sc.allowed, "src/**");
    aidf_strlist_add(&sc.allowed, "tests/**");
    o = run(f, "write_file", "{\"path\": \"docs/x.md\", \"content\": \"d\"}");
    assert_true(o->is_error);
    assert_string_equal(o->result,
                        "SCOPE VIOLATION: Cannot write to \"docs/x.md\". File is outside "
                        "allowed scope.\n\nAllowed paths: src/**, tests/**\nForbidden paths: "
                        "secret/**\n\nPlease only modify files within the allowed scope.");
    assert_false(tu_exists(f->root, "docs"));
    o = run(f, "write_file", "{\"path\": \"src/ok.c\", \"content\": \"c\"}");
    assert_false(o->is_error);
    assert_string_equal(o->written, "src/ok.c");

    /* Ask mode: written; the executor asks afterwards. */
    sc.mode = AIDF_SCOPE_ASK;
    o = run(f, "write_file", "{\"path\": \"docs/x.md\", \"content\": \"d\"}");
    assert_false(o->is_error);
    assert_string_equal(o->written, "docs/x.md");
    assert_true(tu_exists(f->root, "docs/x.md"));
    /* Forbidden stays forbidden in every mode. */
    sc.mode = AIDF_SCOPE_PERMISSIVE;
    o = run(f, "write_file", "{\"path\": \"secret/key.pem\", \"content\": \"k\"}");
    assert_true(o->is_error);
    assert_false(tu_exists(f->root, "secret/key.pem"));

    f->ctx.scope = NULL;
    aidf_scope_release(&sc);
}

/* read_file and list_files honour scope.forbidden, and refuse environment files (issue 10). */
static void test_read_scope(void **state)
{
    struct fx *f = *state;
    struct aidf_scope sc;
    aidf_scope_init(&sc, AIDF_SCOPE_PERMISSIVE);
    aidf_strlist_add(&sc.forbidden, "secret/**");
    aidf_strlist_add(&sc.forbidden, "**/*.pem");
    f->ctx.scope = &sc;
    tu_write(f->root, "secret/key.txt", "s3cret");
    tu_write(f->root, "keys/id.pem", "pem");
    tu_write(f->root, "src/a.c", "code");
    tu_write(f->root, ".env", "API_KEY=s3cret");
    tu_write(f->root, ".env.local", "API_KEY=s3cret");
    tu_write(f->root, "config/prod.env", "API_KEY=s3cret");
    tu_write(f->root, ".envrc", "export API_KEY=s3cret");
    tu_write(f->root, ".env.example", "API_KEY=");
    tu_write(f->root, "py/.env/lib/site.py", "venv"); /* a virtualenv named .env */

    struct aidf_tool_outcome *o = run(f, "read_file", "{\"path\": \"secret/key.txt\"}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "SCOPE VIOLATION: Cannot read \"secret/key.txt\". File is in "
                                   "forbidden scope.\n\nForbidden paths (neither read nor "
                                   "written): secret/**, **/*.pem");
    /* other spellings, a symlink into the forbidden directory, a symlink to a .env */
    static const char *const refused[] = {
        "./src/../secret/key.txt",
        "secret//key.txt",
        "keys/id.pem",
        "pub/key.txt",
        "cfg.txt",
        ".env",
        ".env.local",
        "config/prod.env",
        ".envrc",
        "secret/missing",
        "./.env",
    };
    link_in(f->root, "pub", "secret");
    link_in(f->root, "cfg.txt", ".env");
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        char args[128];
        snprintf(args, sizeof(args), "{\"path\": \"%s\"}", refused[i]);
        o = run(f, "read_file", args);
        if (!o->is_error || !strstr(o->result, "SCOPE VIOLATION"))
            print_error("read %s: %s\n", refused[i], o->result);
        assert_true(o->is_error);
        assert_non_null(strstr(o->result, "SCOPE VIOLATION: Cannot read"));
        assert_null(strstr(o->result, "s3cret"));
    }
    o = run(f, "read_file", "{\"path\": \".env\"}");
    assert_string_equal(o->result,
                        "SCOPE VIOLATION: Cannot read \".env\". Environment files (.env, .env.*, "
                        "*.env, .envrc) are not readable unless the task's allowed scope names "
                        "them.\n\nForbidden paths (neither read nor written): secret/**, **/*.pem");
    /* what is not forbidden reads as before */
    o = run(f, "read_file", "{\"path\": \"src/a.c\"}");
    assert_false(o->is_error);
    assert_string_equal(o->result, "code");
    o = run(f, "read_file", "{\"path\": \".env.example\"}");
    assert_false(o->is_error);
    o = run(f, "read_file", "{\"path\": \"py/.env/lib/site.py\"}");
    assert_false(o->is_error);

    /* list_files leaves out what read_file refuses, and says so (symbolic links are listed
     * as they are, never followed: cfg.txt is shown, reading it is refused above) */
    o = run(f, "list_files", "{}");
    assert_false(o->is_error);
    assert_string_equal(o->result,
                        ".env.example\ncfg.txt\npub\npy/.env/lib/site.py\nsrc/a.c\n(not listed: "
                        "paths forbidden by the task's scope, and environment files)");
    o = run(f, "list_files", "{\"path\": \"secret\"}");
    assert_true(o->is_error);
    assert_memory_equal(o->result, "SCOPE VIOLATION: Cannot list \"secret\". File is in forbidden",
                        59);
    o = run(f, "list_files", "{\"path\": \"secret/missing\"}"); /* no existence probe */
    assert_memory_equal(o->result, "SCOPE VIOLATION: Cannot list", 28);
    o = run(f, "list_files", "{\"path\": \"pub\"}"); /* the symlink to secret/ */
    assert_true(o->is_error);
    o = run(f, "list_files", "{\"path\": \"src\"}");
    assert_string_equal(o->result, "a.c");

    /* an allowed pattern that names environment files makes them readable; "**" does not */
    aidf_strlist_add(&sc.allowed, "**");
    o = run(f, "read_file", "{\"path\": \".env\"}");
    assert_true(o->is_error);
    aidf_strlist_add(&sc.allowed, ".env.local");
    o = run(f, "read_file", "{\"path\": \".env.local\"}");
    assert_false(o->is_error);
    o = run(f, "read_file", "{\"path\": \".env\"}");
    assert_true(o->is_error);
    aidf_strlist_add(&sc.allowed, "**/*.env");
    o = run(f, "read_file", "{\"path\": \"config/prod.env\"}");
    assert_false(o->is_error);
    /* but never a forbidden one */
    aidf_strlist_add(&sc.allowed, "secret/**");
    o = run(f, "read_file", "{\"path\": \"secret/key.txt\"}");
    assert_true(o->is_error);

    /* no task scope at all: .env is still refused */
    f->ctx.scope = NULL;
    o = run(f, "read_file", "{\"path\": \".env\"}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "SCOPE VIOLATION: Cannot read \".env\". Environment files "
                                   "(.env, .env.*, *.env, .envrc) are not readable unless the "
                                   "task's allowed scope names them.");
    o = run(f, "read_file", "{\"path\": \"secret/key.txt\"}");
    assert_false(o->is_error);
    aidf_scope_release(&sc);
}

/* ---- list_files ------------------------------------------------------------------- */

static void test_list_files(void **state)
{
    struct fx *f = *state;
    tu_write(f->root, "a.txt", "");
    tu_write(f->root, ".hidden", "");
    tu_write(f->root, "src/b.c", "");
    tu_write(f->root, "src/c.h", "");
    tu_write(f->root, "src/deep/d.c", "");
    tu_write(f->root, ".git/HEAD", "ref");
    tu_write(f->root, "src/.git/x", "");
    char *empty = aidf_path_join(f->root, "emptydir");
    assert_int_equal(aidf_mkdirs(empty, NULL), 0);
    free(empty);

    struct aidf_tool_outcome *o = run(f, "list_files", "{}");
    assert_false(o->is_error);
    assert_string_equal(o->result, ".hidden\na.txt\nsrc/b.c\nsrc/c.h\nsrc/deep/d.c");
    o = run(f, "list_files", "{\"path\": \".\", \"pattern\": \"**/*.c\"}");
    assert_string_equal(o->result, "src/b.c\nsrc/deep/d.c");
    o = run(f, "list_files", "{\"path\": \"src\", \"pattern\": \"*.c\"}");
    assert_string_equal(o->result, "b.c");
    o = run(f, "list_files", "{\"path\": \"src/\", \"pattern\": null}");
    assert_string_equal(o->result, "b.c\nc.h\ndeep/d.c");
    o = run(f, "list_files", "{\"pattern\": \"*.{txt,h}\"}");
    assert_string_equal(o->result, "a.txt");
    o = run(f, "list_files", "{\"pattern\": \"*.rs\"}");
    assert_false(o->is_error);
    assert_non_null(strstr(o->result, "no files match"));
    o = run(f, "list_files", "{\"path\": \"a.txt\"}");
    assert_true(o->is_error);
    o = run(f, "list_files", "{\"path\": \"missing\"}");
    assert_true(o->is_error);
    assert_non_null(strstr(o->result, "ENOENT"));

    /* The limit. */
    for (int i = 0; i < AIDF_TOOL_MAX_LIST + 5; i++) {
        char name[64];
        snprintf(name, sizeof(name), "many/f%05d", i);
        tu_write(f->root, name, "");
    }
    o = run(f, "list_files", "{\"path\": \"many\"}");
    assert_false(o->is_error);
    size_t lines = 1;
    for (const char *c = o->result; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, AIDF_TOOL_MAX_LIST + 1);
    assert_memory_equal(o->result, "f00000\nf00001\n", 14);
    const char *last = strrchr(o->result, '\n') + 1;
    assert_string_equal(last, "... (5 more)");
    assert_non_null(strstr(o->result, "\nf01999\n"));
}

/* ---- run_command ------------------------------------------------------------------ */

static void test_run_command(void **state)
{
    struct fx *f = *state;
    struct aidf_tool_outcome *o = run(f, "run_command", "{\"command\": \"echo hi\"}");
    assert_false(o->is_error);
    assert_string_equal(o->result, "Exit code: 0\nhi\n");
    assert_null(o->written);

    o = run(f, "run_command", "{\"command\": \"echo out; echo err >&2; exit 3\"}");
    assert_false(o->is_error); /* the model reads the code */
    assert_string_equal(o->result, "Exit code: 3\nout\nerr\n");

    /* cwd is the root; stdin is /dev/null (cat returns at once). */
    tu_write(f->root, "marker.txt", "m");
    o = run(f, "run_command", "{\"command\": \"cat marker.txt; cat; echo done\"}");
    assert_string_equal(o->result, "Exit code: 0\nmdone\n");

    /* Invalid UTF-8 in the output stays valid JSON text. */
    o = run(f, "run_command", "{\"command\": \"printf 'a\\\\377b'\"}");
    assert_string_equal(o->result, "Exit code: 0\na\xef\xbf\xbd"
                                   "b");
}

static void test_run_command_policy(void **state)
{
    struct fx *f = *state;
    struct aidf_tool_outcome *o = run(f, "run_command", "{\"command\": \"sudo rm -rf /\"}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "Command blocked by default security policy: \"sudo rm -rf "
                                   "/\" matches a dangerous pattern (runs a command as another "
                                   "user (sudo, doas, su, pkexec))");

    struct aidf_strlist blocked = {0}, allowed = {0};
    aidf_strlist_add(&blocked, "npm publish");
    f->ctx.cmd_blocked = &blocked;
    tu_write(f->root, "ran", "");
    o = run(f, "run_command", "{\"command\": \"npm publish --tag x; rm ran\"}");
    assert_true(o->is_error);
    assert_memory_equal(o->result, "Command blocked by policy: ", 27);
    assert_true(tu_exists(f->root, "ran"));

    f->ctx.cmd_strict = true;
    o = run(f, "run_command", "{\"command\": \"rm ran\"}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "Command blocked: strict mode is enabled but no commands "
                                   "are in the allowed list");
    assert_true(tu_exists(f->root, "ran"));
    aidf_strlist_add(&allowed, "echo");
    f->ctx.cmd_allowed = &allowed;
    o = run(f, "run_command", "{\"command\": \"echo ok\"}");
    assert_false(o->is_error);
    assert_string_equal(o->result, "Exit code: 0\nok\n");
    o = run(f, "run_command", "{\"command\": \"echo ok; rm ran\"}");
    assert_true(o->is_error);
    assert_true(tu_exists(f->root, "ran"));

    f->ctx.cmd_allowed = f->ctx.cmd_blocked = NULL;
    f->ctx.cmd_strict = false;
    aidf_strlist_release(&blocked);
    aidf_strlist_release(&allowed);
}

static void test_run_command_limits(void **state)
{
    struct fx *f = *state;
    f->ctx.cmd_timeout_ms = 300;
    double t0 = tu_now_s();
    struct aidf_tool_outcome *o = run(f, "run_command", "{\"command\": \"echo before; sleep 10\"}");
    double took = tu_now_s() - t0;
    assert_true(o->is_error);
    assert_string_equal(o->result, "Command timed out after 0.3s\nbefore\n");
    assert_true(took < 2.0 * tu_time_mult());
    f->ctx.cmd_timeout_ms = 0;

    f->ctx.cmd_output_cap = 100;
    o = run(f, "run_command", "{\"command\": \"yes | head -c 10000\"}");
    assert_false(o->is_error);
    assert_memory_equal(o->result, "Exit code: 0\n", 13);
    assert_true(strlen(o->result) < 200);
    const char *tail = "\n... (output truncated)";
    size_t n = strlen(o->result);
    assert_string_equal(o->result + n - strlen(tail), tail);
    o = run(f, "run_command", "{\"command\": \"printf 12345\"}");
    assert_string_equal(o->result, "Exit code: 0\n12345");
    f->ctx.cmd_output_cap = 0;

    /* Cancel stops a command at once. */
    volatile sig_atomic_t cancel = 1;
    f->ctx.cancel = &cancel;
    t0 = tu_now_s();
    o = run(f, "run_command", "{\"command\": \"sleep 10\"}");
    assert_true(tu_now_s() - t0 < 3.0 * tu_time_mult());
    assert_true(o->is_error);
    assert_non_null(strstr(o->result, "cancelled"));
    f->ctx.cancel = NULL;
}

/* ---- task signals and unknown tools ----------------------------------------------- */

static void test_task_signals(void **state)
{
    struct fx *f = *state;
    struct aidf_tool_outcome *o = run(f, "task_complete", "{\"summary\": \"Added the parser\"}");
    assert_false(o->is_error);
    assert_true(o->complete);
    assert_false(o->blocked);
    assert_string_equal(o->reason, "Added the parser");
    assert_string_equal(o->result, "Task completed: Added the parser");

    o = run(f, "task_blocked", "{\"reason\": \"Need an API key\"}");
    assert_false(o->is_error);
    assert_true(o->blocked);
    assert_false(o->complete);
    assert_string_equal(o->reason, "Need an API key");
    assert_string_equal(o->result, "Task blocked: Need an API key");

    o = run(f, "task_blocked",
            "{\"reason\": \"No DB\", \"attempted\": \"docker\", "
            "\"suggestion\": \"start postgres\"}");
    assert_true(o->blocked);
    assert_string_equal(o->reason, "No DB (attempted: docker) (suggestion: start postgres)");
    assert_string_equal(o->result,
                        "Task blocked: No DB (attempted: docker) (suggestion: start postgres)");
    o = run(f, "task_blocked", "{\"reason\": \"r\", \"attempted\": null, \"suggestion\": \"s\"}");
    assert_string_equal(o->reason, "r (suggestion: s)");
}

static void test_unknown_tool(void **state)
{
    struct fx *f = *state;
    struct aidf_tool_outcome *o = run(f, "delete_everything", "{}");
    assert_true(o->is_error);
    assert_string_equal(o->result, "Unknown tool: delete_everything");
    assert_false(o->complete);
    assert_false(o->blocked);
    o = run(f, NULL, NULL);
    assert_true(o->is_error);
    assert_memory_equal(o->result, "Unknown tool: ", 14);
    aidf_tool_outcome_release(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schemas),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_git_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_traversal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_command_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_command_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_tool, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
