/*
 * `aidf init`: create the .ai/ folder of a project (as the original TypeScript aidf does, with
 * fixes): the project guide AGENTS.md, a commented config.yml that loads without warnings, the five
 * roles, the task templates, the empty tasks/{pending,completed,blocked}/ and plans/ folders, and
 * the AIDF block of the project's .gitignore.
 *
 * Differences from the original: an existing .ai/ is refused unless --force (or a "y" at
 * the terminal prompt); --force rewrites only the template files and never touches
 * tasks or reports; no example task is created (the executor would pick it up); the
 * validation commands are detected from package.json, Makefile, Cargo.toml and go.mod.
 */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/config.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/report.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"
#include "init_templates.h"
#include "term.h"

enum { OPT_YES = 1200, OPT_FORCE };

static const struct optp_opt init_opts[] = {
    {.name = "yes",
     .short_name = 'y',
     .id = OPT_YES,
     .help = "never ask; use the defaults (an existing .ai/ is kept\nunless --force)"},
    {.name = "force",
     .short_name = 'f',
     .id = OPT_FORCE,
     .help = "overwrite the template files of an existing .ai/"},
    {.name = "json",
     .id = OPT_JSON,
     .help = "print {\"root\", \"project\", \"created\", \"skipped\",\n"
             "\"validation\", \"validationByStage\"} instead of the summary"},
    CLI_COLOR_OPTS,
    CLI_OPTS_END,
};

const struct optp_cmd cli_spec_init = {
    .name = "init",
    .synopsis = "[--yes] [--force] [--json]",
    .summary = "create the .ai/ folder: AGENTS.md, config, roles, task templates",
    .description =
        "Create the .ai/ folder that configures aidf for this project, at the top of the\n"
        "git work tree (or in the current directory outside git):\n"
        "\n"
        "  .ai/AGENTS.md                 project guide sent to the agent with every task\n"
        "  .ai/config.yml                configuration, every option commented\n"
        "  .ai/roles/*.md                architect, developer, documenter, reviewer, tester\n"
        "  .ai/templates/TASK.template.md and .ai/templates/tasks/*.template.md\n"
        "                                task templates (bug-fix, dependency-update,\n"
        "                                documentation, new-feature, refactor, test-coverage)\n"
        "  .ai/tasks/{pending,completed,blocked}/, .ai/plans/   empty folders (.gitkeep)\n"
        "\n"
        "The project name comes from package.json \"name\", else the directory name.\n"
        "Validation commands are detected and written to validation in config.yml:\n"
        "package.json scripts lint, typecheck (else type-check) and format (else prettier)\n"
        "as `npm run <script>`, `make check` (else `make test`) for a Makefile with that\n"
        "target, `cargo test` for Cargo.toml and `go test ./...` for go.mod run before each\n"
        "commit; the test script runs before pushes, the build script before pull requests.\n"
        "\n"
        "The .gitignore at the project root gets an \"# AIDF\" block ignoring .ai/reports/,\n"
        ".ai/tasks/*.log, .ai/tasks/*.tmp, .ai/.cache/ and .ai/config.local.yml (created if\n"
        "missing, appended once, never duplicated).\n"
        "\n"
        "When .ai/ already exists, init refuses unless --force is given (at a terminal it\n"
        "asks first, default no). --force rewrites the template files listed above, and\n"
        "never deletes or changes tasks or reports.",
    .opts = init_opts,
    .epilog = "Exit status: 0 done, 1 failed (or .ai/ exists without --force), 2 usage error.",
};

/* Manifests larger than this are not read. */
#define MANIFEST_MAX_BYTES (4u * 1024 * 1024)
/* A .gitignore larger than this is left alone (with an error). */
#define GITIGNORE_MAX_BYTES (4u * 1024 * 1024)

/* What init learned about the project. */
struct project {
    char *root;
    char *name;        /* printable UTF-8 */
    char *description; /* printable UTF-8, "" when none */
    struct aidf_strlist pre_commit, pre_push, pre_pr;
    struct aidf_strlist dev, build; /* AGENTS.md command blocks */
};

/* Paths (relative to the root) written and left alone. */
struct outcome {
    struct aidf_strlist created, updated, skipped;
};

/* ---- text helpers ---- */

/* Length of the well-formed UTF-8 sequence at `s` (`left` bytes remain) that YAML
 * accepts as text, or 0. */
static size_t utf8_ok(const char *s, size_t left)
{
    uint32_t cp;
    size_t n = aidf_utf8_decode(s, left, &cp);
    if (n == 0 || cp < 0x20 || cp == 0x7F)
        return 0;
    /* C1 controls (except NEL) and the non-characters U+FFFE/U+FFFF are not YAML text. */
    if ((cp >= 0x80 && cp <= 0x9F && cp != 0x85) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

/* A copy of `s` (at most 200 bytes of it) with control characters as spaces and
 * invalid UTF-8 bytes as '?', trimmed. */
static char *printable(const char *s)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (*p && b.len < 200) {
        size_t n = utf8_ok((const char *)p, left);
        if (n) {
            aidf_buf_add(&b, p, n);
        } else {
            aidf_buf_addch(&b, *p < 0x20 || *p == 0x7F ? ' ' : '?');
            n = 1;
        }
        p += n;
        left -= n;
    }
    char *out = aidf_buf_detach(&b, NULL);
    size_t len = strlen(out), start = 0;
    while (len > 0 && out[len - 1] == ' ')
        out[--len] = '\0';
    while (out[start] == ' ')
        start++;
    memmove(out, out + start, len - start + 1);
    return out;
}

/* `s` (printable) as a double-quoted YAML scalar; `$` doubled for the ${VAR} expansion. */
static void yaml_quote(struct aidf_buf *b, const char *s)
{
    aidf_buf_addch(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            aidf_buf_addch(b, '\\');
        else if (*s == '$')
            aidf_buf_addch(b, '$');
        aidf_buf_addch(b, *s);
    }
    aidf_buf_addch(b, '"');
}

static char *yaml_quoted(const char *s)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    yaml_quote(&b, s);
    return aidf_buf_detach(&b, NULL);
}

struct var {
    const char *name, *value;
};

/* The template text `t` (`tlen` bytes) with each {{NAME}} replaced by the value of `vars`. */
static char *render(const char *t, size_t tlen, const struct var *vars, size_t nvars, size_t *len)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const char *s = t, *end = t + tlen;
    for (;;) {
        const char *open = memmem(s, (size_t)(end - s), "{{", 2);
        const char *close = open ? memmem(open + 2, (size_t)(end - open - 2), "}}", 2) : NULL;
        if (!close) {
            aidf_buf_add(&b, s, (size_t)(end - s));
            break;
        }
        aidf_buf_add(&b, s, (size_t)(open - s));
        size_t nl = (size_t)(close - open - 2);
        const struct var *v = NULL;
        for (size_t i = 0; i < nvars && !v; i++)
            if (strlen(vars[i].name) == nl && memcmp(vars[i].name, open + 2, nl) == 0)
                v = &vars[i];
        if (v)
            aidf_buf_addstr(&b, v->value);
        else
            aidf_buf_add(&b, open, (size_t)(close + 2 - open));
        s = close + 2;
    }
    return aidf_buf_detach(&b, len);
}

static void add_unique(struct aidf_strlist *l, const char *s)
{
    if (!aidf_strlist_has(l, s))
        aidf_strlist_add(l, s);
}

/* ---- the project ---- */

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static bool file_in(const char *dir, const char *name)
{
    char *p = aidf_path_join(dir, name);
    struct stat st;
    bool ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
}

/* The top of the git work tree holding `dir` (the first directory upwards with a
 * `.git` entry, a directory or a worktree's file), or NULL. */
static bool has_script(const json_t *scripts, const char *name)
{
    const json_t *v = json_object_get(scripts, name);
    return v && json_is_string(v);
}

/* package.json: name, description, and the npm forms of its scripts. */
static void read_package_json(struct project *p)
{
    char *path = aidf_path_join(p->root, "package.json");
    char *text = NULL;
    size_t len = 0;
    struct aidf_error err = {0};
    int rc = aidf_read_file(path, MANIFEST_MAX_BYTES, &text, &len, &err);
    if (rc == AIDF_ENOTFOUND) {
        free(path);
        return;
    }
    aidf_strlist_add(&p->dev, "npm install");
    if (rc != AIDF_OK) {
        aidf_warn("%s; the project name and scripts are not read from it", err.msg);
        free(path);
        return;
    }
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    free(text);
    if (!j || !json_is_object(j)) {
        if (j)
            aidf_warn("%s: not a JSON object; the project name and scripts are not read from it",
                      path);
        else
            aidf_warn("%s:%d:%d: %s; the project name and scripts are not read from it", path,
                      je.line, je.column, je.text);
        json_decref(j);
        free(path);
        return;
    }
    free(path);

    const char *name = json_string_value(json_object_get(j, "name"));
    if (name) {
        char *n = printable(name);
        if (*n) {
            free(p->name);
            p->name = n;
        } else {
            free(n);
        }
    }
    const char *desc = json_string_value(json_object_get(j, "description"));
    if (desc) {
        free(p->description);
        p->description = printable(desc);
    }

    const json_t *s = json_object_get(j, "scripts");
    if (json_is_object(s)) {
        if (has_script(s, "lint"))
            aidf_strlist_add(&p->pre_commit, "npm run lint");
        if (has_script(s, "typecheck"))
            aidf_strlist_add(&p->pre_commit, "npm run typecheck");
        else if (has_script(s, "type-check"))
            aidf_strlist_add(&p->pre_commit, "npm run type-check");
        if (has_script(s, "format"))
            aidf_strlist_add(&p->pre_commit, "npm run format");
        else if (has_script(s, "prettier"))
            aidf_strlist_add(&p->pre_commit, "npm run prettier");
        if (has_script(s, "test"))
            aidf_strlist_add(&p->pre_push, "npm run test");
        if (has_script(s, "build")) {
            aidf_strlist_add(&p->pre_pr, "npm run build");
            aidf_strlist_add(&p->build, "npm run build");
        }
        if (has_script(s, "dev"))
            aidf_strlist_add(&p->dev, "npm run dev");
        else if (has_script(s, "start"))
            aidf_strlist_add(&p->dev, "npm start");
    }
    json_decref(j);
}

/* True when the makefile text defines `target` as a rule ("test:", "check test:"). */
static bool make_target(const char *text, const char *target)
{
    size_t tl = strlen(target);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const char *colon = memchr(line, ':', len);
        /* Recipes start with a tab; "x := y" and "x ::= y" are assignments. */
        if (colon && line[0] != '\t' && line[0] != '#' &&
            !memchr(line, '=', (size_t)(colon - line)) &&
            !(colon + 1 < line + len && colon[1] == '=') &&
            !(colon + 2 < line + len && colon[1] == ':' && colon[2] == '=')) {
            const char *t = line;
            while (t < colon) {
                while (t < colon && (*t == ' ' || *t == '\t'))
                    t++;
                const char *e = t;
                while (e < colon && *e != ' ' && *e != '\t')
                    e++;
                if ((size_t)(e - t) == tl && memcmp(t, target, tl) == 0)
                    return true;
                t = e;
            }
        }
        line = nl ? nl + 1 : NULL;
    }
    return false;
}

static void read_makefile(struct project *p)
{
    static const char *const names[] = {"GNUmakefile", "makefile", "Makefile"};
    for (size_t i = 0; i < 3; i++) {
        if (!file_in(p->root, names[i]))
            continue;
        char *path = aidf_path_join(p->root, names[i]);
        char *text = NULL;
        if (aidf_read_file(path, MANIFEST_MAX_BYTES, &text, NULL, NULL) == AIDF_OK) {
            if (make_target(text, "check"))
                aidf_strlist_add(&p->pre_commit, "make check");
            else if (make_target(text, "test"))
                aidf_strlist_add(&p->pre_commit, "make test");
            add_unique(&p->dev, "make");
            add_unique(&p->build, "make");
            free(text);
        }
        free(path);
        return;
    }
}

static void detect(struct project *p)
{
    const char *base = strrchr(p->root, '/');
    base = base && base[1] ? base + 1 : p->root;
    p->name = printable(base);
    if (!*p->name) {
        free(p->name);
        p->name = aidf_xstrdup("project");
    }
    p->description = aidf_xstrdup("");

    read_package_json(p);
    if (file_in(p->root, "Cargo.toml")) {
        aidf_strlist_add(&p->pre_commit, "cargo test");
        aidf_strlist_add(&p->dev, "cargo build");
        aidf_strlist_add(&p->build, "cargo build --release");
    }
    if (file_in(p->root, "go.mod")) {
        aidf_strlist_add(&p->pre_commit, "go test ./...");
        aidf_strlist_add(&p->dev, "go build ./...");
        aidf_strlist_add(&p->build, "go build ./...");
    }
    if (file_in(p->root, "CMakeLists.txt")) {
        /* No standard test command: validation stays for the user to fill in. */
        aidf_strlist_add(&p->dev, "cmake -S . -B build");
        aidf_strlist_add(&p->dev, "cmake --build build");
        aidf_strlist_add(&p->build, "cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release");
        aidf_strlist_add(&p->build, "cmake --build build-release");
    }
    read_makefile(p);
}

static void project_release(struct project *p)
{
    free(p->root);
    free(p->name);
    free(p->description);
    aidf_strlist_release(&p->pre_commit);
    aidf_strlist_release(&p->pre_push);
    aidf_strlist_release(&p->pre_pr);
    aidf_strlist_release(&p->dev);
    aidf_strlist_release(&p->build);
}

/* ---- generated text ---- */

static void yaml_list(struct aidf_buf *b, const char *key, const struct aidf_strlist *l)
{
    if (l->n == 0) {
        aidf_buf_addf(b, "  %s: []\n", key);
        return;
    }
    aidf_buf_addf(b, "  %s:\n", key);
    for (size_t i = 0; i < l->n; i++) {
        aidf_buf_addstr(b, "    - ");
        yaml_quote(b, l->items[i]);
        aidf_buf_addch(b, '\n');
    }
}

static char *validation_yaml(const struct project *p)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, "  # Run after each iteration, before its changes are committed.\n");
    yaml_list(&b, "pre_commit", &p->pre_commit);
    aidf_buf_addstr(&b, "  # Run before pushing (with permissions.auto_push).\n");
    yaml_list(&b, "pre_push", &p->pre_push);
    aidf_buf_addstr(&b, "  # Run before opening a pull request (with permissions.auto_pr).\n");
    yaml_list(&b, "pre_pr", &p->pre_pr);
    return aidf_buf_detach(&b, NULL);
}

/* Lines of an AGENTS.md bash block: the commands, or `placeholder` when there are none. */
static char *command_lines(const struct aidf_strlist *a, const struct aidf_strlist *b,
                           const char *placeholder)
{
    struct aidf_buf out = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    for (size_t i = 0; a && i < a->n; i++)
        aidf_buf_addf(&out, "%s\n", a->items[i]);
    for (size_t i = 0; b && i < b->n; i++)
        aidf_buf_addf(&out, "%s\n", b->items[i]);
    if (out.len == 0)
        aidf_buf_addstr(&out, placeholder);
    return aidf_buf_detach(&out, NULL);
}

/* Warnings while checking the generated config are counted, not printed. */
static void count_warning(int level, const char *line, void *ctx)
{
    (void)line;
    if (level <= AIDF_LOG_WARN)
        ++*(int *)ctx;
}

/* The generated config must load cleanly: a failure here is a bug in the template. */
static int check_config(const char *text, size_t len)
{
    struct aidf_config c;
    struct aidf_error err = {0};
    int warnings = 0;
    aidf_config_init_defaults(&c);
    aidf_log_set_sink(count_warning, &warnings);
    int rc = aidf_config_parse(text, len, ".ai/config.yml", 0, &c, &err);
    aidf_log_set_sink(NULL, NULL);
    aidf_config_release(&c);
    if (rc != AIDF_OK)
        return cli_fail("internal error: the generated config does not load: %s", err.msg);
    if (warnings)
        return cli_fail("internal error: the generated config loads with %d warning%s", warnings,
                        warnings == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

/* ---- writing ---- */

/* Write `rel` (relative to the root) unless it already holds exactly `data`. */
static int put_file(const struct project *p, const char *rel, const char *data, size_t len,
                    struct outcome *o)
{
    char *path = aidf_path_join(p->root, rel);
    char *old = NULL;
    size_t oldlen = 0;
    int rc = aidf_read_file(path, len + 1, &old, &oldlen, NULL);
    bool existed = rc != AIDF_ENOTFOUND;
    if (rc == AIDF_OK && oldlen == len && memcmp(old, data, len) == 0) {
        aidf_strlist_add(&o->skipped, rel);
        free(old);
        free(path);
        return CLI_EXIT_OK;
    }
    free(old);
    struct aidf_error err = {0};
    rc = aidf_write_file_atomic(path, data, len, 0, &err);
    free(path);
    if (rc != AIDF_OK)
        return cli_fail("%s", err.msg);
    aidf_strlist_add(existed ? &o->updated : &o->created, rel);
    return CLI_EXIT_OK;
}

/* An empty `.gitkeep` in `dir` (relative), left alone when it exists. */
static int put_keep(const struct project *p, const char *dir, struct outcome *o)
{
    char *rel = aidf_path_join(dir, ".gitkeep");
    char *path = aidf_path_join(p->root, rel);
    int rc = CLI_EXIT_OK;
    if (exists(path)) {
        aidf_strlist_add(&o->skipped, rel);
    } else {
        struct aidf_error err = {0};
        int w = aidf_write_file_atomic(path, "", 0, 1, &err);
        if (w == AIDF_OK)
            aidf_strlist_add(&o->created, rel);
        else if (w == AIDF_ECONFLICT)
            aidf_strlist_add(&o->skipped, rel);
        else
            rc = cli_fail("%s", err.msg);
    }
    free(path);
    free(rel);
    return rc;
}

/* The line at `s` (length `n`) without trailing blanks equals `want`. */
static bool line_is(const char *s, size_t n, const char *want)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n == strlen(want) && memcmp(s, want, n) == 0;
}

static bool is_reports_line(const char *s, size_t n)
{
    return line_is(s, n, ".ai/reports/") || line_is(s, n, ".ai/reports") ||
           line_is(s, n, "/.ai/reports/") || line_is(s, n, "/.ai/reports");
}

/*
 * .gitignore: created with the AIDF block; without an "# AIDF" line the block is
 * appended after a blank line; with one but no .ai/reports/ line, that line is added
 * right after the marker. Otherwise unchanged.
 */
static int put_gitignore(const struct project *p, struct outcome *o)
{
    char *path = aidf_path_join(p->root, ".gitignore");
    char *real = realpath(path, NULL); /* write through a symlinked .gitignore */
    char *text = NULL;
    size_t len = 0;
    struct aidf_error err = {0};
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    int rc = aidf_read_file(real ? real : path, GITIGNORE_MAX_BYTES, &text, &len, &err);
    bool existed = rc != AIDF_ENOTFOUND;

    if (rc != AIDF_OK && existed) {
        rc = cli_fail("%s", err.msg);
        goto out;
    }
    const char *marker_end = NULL; /* just after the "# AIDF" line */
    bool reports = false;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - text) - i : len - i;
        if (!marker_end && line_is(text + i, n, init_gitignore_lines[0]))
            marker_end = text + i + n;
        if (is_reports_line(text + i, n))
            reports = true;
        i += n + 1;
    }
    if (marker_end && reports) {
        aidf_strlist_add(&o->skipped, ".gitignore");
        rc = CLI_EXIT_OK;
        goto out;
    }
    if (marker_end) {
        size_t head = (size_t)(marker_end - text);
        aidf_buf_add(&b, text, head);
        aidf_buf_addch(&b, '\n');
        aidf_buf_addf(&b, "%s\n", init_gitignore_lines[1]);
        if (head < len)
            aidf_buf_add(&b, text + head + 1, len - head - 1);
    } else {
        aidf_buf_add(&b, text ? text : "", len);
        if (len > 0 && text[len - 1] != '\n')
            aidf_buf_addch(&b, '\n');
        if (len > 0)
            aidf_buf_addch(&b, '\n');
        for (size_t i = 0; init_gitignore_lines[i]; i++)
            aidf_buf_addf(&b, "%s\n", init_gitignore_lines[i]);
    }
    if (aidf_write_file_atomic(real ? real : path, b.ptr, b.len, 0, &err) != AIDF_OK) {
        rc = cli_fail("%s", err.msg);
        goto out;
    }
    aidf_strlist_add(existed ? &o->updated : &o->created, ".gitignore");
    rc = CLI_EXIT_OK;
out:
    aidf_buf_release(&b);
    free(text);
    free(real);
    free(path);
    return rc;
}

/* With --force: the .ai/config.yaml or .ai/config.json in use when there is no
 * .ai/config.yml (a new config.yml would silently replace it), else NULL. */
static const char *other_config(const char *root)
{
    static const char *const names[] = {".ai/config.yaml", ".ai/config.json"};
    char *yml = aidf_path_join(root, ".ai/config.yml");
    bool have_yml = exists(yml);
    free(yml);
    for (size_t i = 0; i < 2 && !have_yml; i++) {
        char *q = aidf_path_join(root, names[i]);
        bool found = exists(q);
        free(q);
        if (found)
            return names[i];
    }
    return NULL;
}

static int write_all(const struct project *p, struct outcome *o)
{
    static const char *const dirs[] = {
        ".ai/roles",           ".ai/templates/tasks", ".ai/tasks/pending",
        ".ai/tasks/completed", ".ai/tasks/blocked",   ".ai/plans",
    };
    static const char *const keeps[] = {
        ".ai/tasks/pending",
        ".ai/tasks/completed",
        ".ai/tasks/blocked",
        ".ai/plans",
    };
    struct aidf_error err = {0};
    int rc = CLI_EXIT_OK;

    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        char *d = aidf_path_join(p->root, dirs[i]);
        int m = aidf_mkdirs(d, &err);
        free(d);
        if (m != AIDF_OK)
            return cli_fail("%s", err.msg);
    }

    char *name_yaml = yaml_quoted(p->name);
    char *desc_yaml = yaml_quoted(p->description);
    char *validation = validation_yaml(p);
    char *dev = command_lines(&p->dev, NULL, "# [install dependencies; start the app]\n");
    char *quality =
        command_lines(&p->pre_commit, &p->pre_push,
                      "# [lint, type-check and test commands; list them in .ai/config.yml\n"
                      "# under validation.pre_commit so aidf runs them]\n");
    char *build = command_lines(&p->build, NULL, "# [build for production; package; deploy]\n");
    const struct var vars[] = {
        {"PROJECT_NAME", p->name},
        {"PROJECT_NAME_YAML", name_yaml},
        {"PROJECT_DESCRIPTION_YAML", desc_yaml},
        {"VALIDATION_COMMANDS", validation},
        {"DEV_COMMANDS", dev},
        {"QUALITY_COMMANDS", quality},
        {"BUILD_COMMANDS", build},
    };
    for (size_t i = 0; i < init_template_count && rc == CLI_EXIT_OK; i++) {
        const struct init_template *t = &init_templates[i];
        size_t len;
        char *text =
            render((const char *)t->data, t->size, vars, sizeof(vars) / sizeof(vars[0]), &len);
        char *rel = aidf_path_join(".ai", t->path);
        const char *other = NULL;
        if (strcmp(t->path, "config.yml") == 0) {
            rc = check_config(text, len);
            other = other_config(p->root);
        }
        if (rc == CLI_EXIT_OK && other) {
            aidf_warn("%s exists: %s is not written, as it would take precedence", other, rel);
            aidf_strlist_add(&o->skipped, rel);
        } else if (rc == CLI_EXIT_OK) {
            rc = put_file(p, rel, text, len, o);
        }
        free(rel);
        free(text);
    }
    free(name_yaml);
    free(desc_yaml);
    free(validation);
    free(dev);
    free(quality);
    free(build);

    for (size_t i = 0; i < sizeof(keeps) / sizeof(keeps[0]) && rc == CLI_EXIT_OK; i++)
        rc = put_keep(p, keeps[i], o);
    if (rc == CLI_EXIT_OK)
        rc = put_gitignore(p, o);
    return rc;
}

/* ---- output ---- */

static json_t *strlist_json(const struct aidf_strlist *a, const struct aidf_strlist *b)
{
    json_t *arr = json_array();
    for (size_t i = 0; a && i < a->n; i++)
        json_array_append_new(arr, json_string(a->items[i]));
    for (size_t i = 0; b && i < b->n; i++)
        json_array_append_new(arr, json_string(b->items[i]));
    return arr;
}

static int print_json(const struct project *p, const struct outcome *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "root", json_string(p->root));
    json_object_set_new(j, "project", json_string(p->name));
    json_object_set_new(j, "created", strlist_json(&o->created, &o->updated));
    json_object_set_new(j, "skipped", strlist_json(&o->skipped, NULL));
    json_object_set_new(j, "validation", strlist_json(&p->pre_commit, NULL));
    json_t *st = json_object();
    json_object_set_new(st, "pre_commit", strlist_json(&p->pre_commit, NULL));
    json_object_set_new(st, "pre_push", strlist_json(&p->pre_push, NULL));
    json_object_set_new(st, "pre_pr", strlist_json(&p->pre_pr, NULL));
    json_object_set_new(j, "validationByStage", st);
    return cli_print_json(j);
}

static void print_stage(const char *stage, const struct aidf_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        printf("  %-11s ", stage);
        term_fputs_vis(l->items[i], stdout); /* from the project's package.json */
        putchar('\n');
    }
}

static void print_text(const struct project *p, const struct outcome *o, bool color)
{
    const char *bold = color ? TERM_BOLD : "", *green = color ? TERM_GREEN : "";
    const char *yellow = color ? TERM_YELLOW : "", *dim = color ? TERM_DIM : "";
    const char *reset = color ? TERM_RESET : "";

    /* The name comes from the project's files, the root from the file system. */
    char *name = term_esc(p->name), *root = term_esc(p->root);
    printf("%sInitialized AIDF for \"%s\" in %s%s\n\n", bold, name, root, reset);
    free(name);
    free(root);
    for (size_t i = 0; i < o->created.n; i++)
        printf("  %screated%s  %s\n", green, reset, o->created.items[i]);
    for (size_t i = 0; i < o->updated.n; i++)
        printf("  %supdated%s  %s\n", yellow, reset, o->updated.items[i]);
    if (o->skipped.n)
        printf("  %s%zu file%s already up to date%s\n", dim, o->skipped.n,
               o->skipped.n == 1 ? "" : "s", reset);

    if (p->pre_commit.n + p->pre_push.n + p->pre_pr.n) {
        printf("\n%sValidation commands%s (validation in .ai/config.yml):\n", bold, reset);
        print_stage("pre_commit", &p->pre_commit);
        print_stage("pre_push", &p->pre_push);
        print_stage("pre_pr", &p->pre_pr);
    } else {
        printf("\nNo validation commands detected: add them to validation.pre_commit in\n"
               ".ai/config.yml so aidf checks every iteration.\n");
    }
    printf("\n%sNext steps:%s\n"
           "  1. Describe the project in .ai/AGENTS.md and review .ai/config.yml.\n"
           "  2. Create a task in .ai/tasks/pending/ from a template, e.g.\n"
           "       cp .ai/templates/TASK.template.md .ai/tasks/pending/001-my-task.md\n"
           "     (more in .ai/templates/tasks/), and fill it in.\n"
           "  3. Run it: aidf run\n",
           bold, reset);
}

/* ---- the command ---- */

/* "Overwrite? [y/N]" on the terminal; true only for y or yes. */
static bool ask_overwrite(const char *ai)
{
    char line[64];
    fprintf(stderr,
            "%s already exists. Overwrite its template files (tasks and reports are kept)? "
            "[y/N] ",
            ai);
    fflush(stderr);
    if (!fgets(line, sizeof(line), stdin)) {
        fputc('\n', stderr);
        return false;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return strcmp(line, "y") == 0 || strcmp(line, "Y") == 0 || strcmp(line, "yes") == 0 ||
           strcmp(line, "Yes") == 0 || strcmp(line, "YES") == 0;
}

int cmd_init(int argc, char **argv)
{
    struct cli_common co = {.cmd = "init"};
    bool yes = false, force = false;
    struct optp op;
    int id;

    optp_init(&op, &cli_spec_init, argc, argv);
    while ((id = optp_next(&op)) > 0) {
        if (id == OPT_YES)
            yes = true;
        else if (id == OPT_FORCE)
            force = true;
        else if (cli_common_opt(&co, id, op.arg) < 0)
            return CLI_EXIT_USAGE;
    }
    if (id == OPTP_STOP)
        return op.status;
    if (op.nargs > 0)
        return cli_usage_error(co.cmd, "unexpected argument '%s'", op.args[0]);

    char *cwd = getcwd(NULL, 0);
    if (!cwd)
        return cli_fail("cannot get the current directory: %s", strerror(errno));
    struct project p;
    memset(&p, 0, sizeof(p));
    p.root = aidf_find_upward(cwd, ".git", false);
    if (p.root)
        free(cwd);
    else
        p.root = cwd;

    int rc = CLI_EXIT_OK;
    char *ai = aidf_path_join(p.root, ".ai");
    struct stat st;
    if (lstat(ai, &st) == 0) {
        if (stat(ai, &st) != 0) {
            rc = cli_fail("cannot use '%s': %s", ai, strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            rc = cli_fail("'%s' exists and is not a directory", ai);
        } else if (!force) {
            if (!yes && !co.json && isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
                if (ask_overwrite(ai))
                    force = true;
                else
                    rc = cli_fail("initialization cancelled; nothing was changed");
            } else {
                rc = cli_fail("'%s' already exists; nothing was changed. Use --force to "
                              "rewrite its template files (tasks and reports are kept).",
                              ai);
            }
        }
    }
    free(ai);

    struct outcome o;
    memset(&o, 0, sizeof(o));
    if (rc == CLI_EXIT_OK) {
        detect(&p);
        rc = write_all(&p, &o);
    }
    if (rc == CLI_EXIT_OK) {
        if (co.json)
            rc = print_json(&p, &o);
        else
            print_text(&p, &o, term_use_color(stdout));
    }

    aidf_strlist_release(&o.created);
    aidf_strlist_release(&o.updated);
    aidf_strlist_release(&o.skipped);
    project_release(&p);
    return rc;
}
