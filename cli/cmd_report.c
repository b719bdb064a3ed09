/*
 * Helpers the report subcommands share: finding the reports directory, opening the
 * store, JSON and CSV output. (The subcommand table is in commands.c.)
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/config.h"
#include "aidf/export.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/textutil.h"
#include "aidf/xalloc.h"
#include "term.h"

int cli_reports_dir(const char *opt, char **dir_out, bool *explicit_dir)
{
    if (opt) {
        *dir_out = aidf_xstrdup(opt);
        *explicit_dir = true;
        return 0;
    }
    *explicit_dir = false;
    char *root = aidf_find_project_root(NULL);
    if (!root)
        return cli_fail("no AIDF project found (no .ai/ directory here or above); "
                        "run 'aidf init' or pass --reports-dir");
    struct aidf_config c;
    struct aidf_error err = {0};
    char *dir = NULL;
    int rc = aidf_config_load(root, 0, &c, &err);
    if (rc != AIDF_OK)
        aidf_warn("%s (using the default reports directory)", err.msg);
    else if (c.observability.reports_dir && *c.observability.reports_dir)
        dir = c.observability.reports_dir[0] == '/'
                  ? aidf_xstrdup(c.observability.reports_dir)
                  : aidf_path_join(root, c.observability.reports_dir);
    if (!dir)
        dir = aidf_path_join(root, ".ai/reports");
    aidf_config_release(&c);
    free(root);
    *dir_out = dir;
    return 0;
}

int cli_open_store(const char *dir, bool explicit_dir, struct aidf_store **out)
{
    struct aidf_error err = {0};
    *out = NULL;
    if (isatty(STDERR_FILENO))
        aidf_store_set_progress(term_index_progress, NULL);
    int rc = aidf_store_open(dir, 0, out, &err);
    aidf_store_set_progress(NULL, NULL);
    if (rc == AIDF_OK)
        return 0;
    *out = NULL;
    if (rc == AIDF_ENOTFOUND && !explicit_dir)
        return 0;
    if (err.msg[0])
        return cli_fail("%s", err.msg);
    return cli_fail("cannot open '%s': %s", dir, aidf_strerror(rc));
}

int cli_open_reports(const char *opt, char **dir_out, struct aidf_store **store)
{
    bool explicit_dir = false;
    char *dir = NULL;
    *dir_out = NULL;
    *store = NULL;
    if (cli_reports_dir(opt, &dir, &explicit_dir))
        return 1;
    if (cli_open_store(dir, explicit_dir, store)) {
        free(dir);
        return 1;
    }
    *dir_out = dir;
    return 0;
}

int cli_write_json_text(const char *text, size_t len)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_add_visible(&b, text, len, AIDF_VISIBLE_KEEP_NEWLINE | AIDF_VISIBLE_JSON);
    bool ok = fwrite(b.ptr, 1, b.len, stdout) == b.len;
    aidf_buf_release(&b);
    if (!ok || fflush(stdout) != 0)
        return cli_fail("cannot write to standard output: %s", strerror(errno));
    return 0;
}

int cli_print_json(json_t *v)
{
    char *text = json_dumps(v, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    json_decref(v);
    if (!text)
        return cli_fail("cannot encode the JSON output");
    int rc = cli_write_json_text(text, strlen(text));
    free(text);
    if (rc == 0 && (fputc('\n', stdout) == EOF || fflush(stdout) != 0))
        return cli_fail("cannot write to standard output: %s", strerror(errno));
    return rc;
}

int cli_write_csv(struct aidf_store *s, const struct aidf_run_summary *const *runs, size_t n,
                  bool detailed, const char *path, size_t *rows)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_export_csv(s, runs, n, detailed, &b, rows);
    int rc = cli_write_text(path, b.ptr, b.len);
    aidf_buf_release(&b);
    return rc;
}

int cli_write_text(const char *path, const char *text, size_t len)
{
    struct aidf_error err = {0};
    if (strcmp(path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
            return cli_fail("cannot write to standard output: %s", strerror(errno));
    } else if (aidf_write_file_atomic(path, text, len, 0, &err) != AIDF_OK) {
        return err.msg[0] ? cli_fail("%s", err.msg) : cli_fail("cannot write '%s'", path);
    }
    return 0;
}
