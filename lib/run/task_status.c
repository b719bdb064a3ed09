/*
 * Status sections in task files and the move to tasks/completed|blocked/. See
 * include/aidf/task_status.h.
 *
 * Every text edit works on an LF copy of the text (CRLF pairs become LF, as the parser
 * does) and converts back to CRLF at the end when the file used CRLF, so a Windows task
 * file keeps its line endings. Headings are matched at line starts only.
 */
#include "aidf/task_status.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/task.h"
#include "aidf/textutil.h"
#include "aidf/xalloc.h"

#define STATUS_HEAD  "## Status:"
#define HISTORY_HEAD "### Resume Attempt History\n"
#define DEV_LINE     "---\n@developer:"
#define ISSUE_CHARS  200

/* The buffers here have no limit (the allocator aborts on OOM), so appends cannot fail. */
static void putn(struct aidf_buf *b, const char *p, size_t n)
{
    (void)aidf_buf_add(b, p, n);
}

static void put(struct aidf_buf *b, const char *s)
{
    (void)aidf_buf_addstr(b, s);
}

static void putf(struct aidf_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void putf(struct aidf_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)aidf_buf_vaddf(b, fmt, ap);
    va_end(ap);
}

static char *detach(struct aidf_buf *b)
{
    return aidf_buf_detach(b, NULL);
}

/* End of the line holding `p` (its '\n' or `end`). */
static const char *line_end(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/*
 * First line in [from, end) that starts with `lit` (ASCII case-insensitive when `ci`). A
 * position counts as a line start when it is `text` or follows a '\n'. Linear in the
 * number of bytes plus lines times strlen(lit).
 */
static const char *find_line(const char *text, const char *from, const char *end, const char *lit,
                             bool ci)
{
    const char *p = from;
    if (p > text && p[-1] != '\n') {
        p = memchr(p, '\n', (size_t)(end - p));
        if (!p)
            return NULL;
        p++;
    }
    while (p < end) {
        if (aidf_text_has_prefix(p, end, lit, ci))
            return p;
        p = memchr(p, '\n', (size_t)(end - p));
        if (!p)
            return NULL;
        p++;
    }
    return NULL;
}

/* First occurrence of `lit` in [p, end). */
static const char *find_in(const char *p, const char *end, const char *lit)
{
    size_t m = strlen(lit);
    while ((size_t)(end - p) >= m) {
        const char *c = memchr(p, lit[0], (size_t)(end - p) - m + 1);
        if (!c)
            return NULL;
        if (!memcmp(c, lit, m))
            return c;
        p = c + 1;
    }
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Where the trailing blank lines of [lo, hi) start: just after the '\n' that ends the last
 * line holding a non-space byte, `lo` when there is none, or `hi` when that last line has
 * no '\n' (its trailing spaces stay).
 */
static const char *blank_tail(const char *lo, const char *hi)
{
    const char *q = hi;
    while (q > lo && is_space(q[-1]))
        q--;
    if (q == lo)
        return lo;
    const char *nl = memchr(q, '\n', (size_t)(hi - q));
    return nl ? nl + 1 : hi;
}

/* Append [lo, hi) without its trailing blank lines, ending in exactly one '\n'. */
static void put_trimmed_line(struct aidf_buf *b, const char *lo, const char *hi)
{
    const char *p = blank_tail(lo, hi);
    putn(b, lo, (size_t)(p - lo));
    if (p > lo && p[-1] != '\n')
        put(b, "\n");
}

/* Byte length of the first `chars` UTF-8 characters of s (never splits a sequence). */
static size_t utf8_prefix(const char *s, size_t chars)
{
    size_t i = 0;
    while (s[i] && chars) {
        i++;
        while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

/* ---- line endings ---- */

/* LF copy of `text`; *crlf tells whether its first line ends in CRLF. */
static char *to_lf(const char *text, bool *crlf)
{
    size_t n = strlen(text), k = 0;
    const char *nl = memchr(text, '\n', n);
    if (crlf)
        *crlf = nl && nl > text && nl[-1] == '\r';
    char *out = aidf_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '\r' && text[i + 1] == '\n')
            continue;
        out[k++] = text[i];
    }
    out[k] = '\0';
    return out;
}

/* Takes `lf` (heap); returns it, or a CRLF copy of it when `crlf`. */
static char *from_lf(char *lf, bool crlf)
{
    if (!crlf)
        return lf;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const char *p = lf;
    for (const char *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        putn(&b, p, (size_t)(nl - p));
        put(&b, "\r\n");
    }
    put(&b, p);
    free(lf);
    return detach(&b);
}

/* ---- the status block ---- */

/*
 * The status block of LF text `t`: from the first line starting with "## Status:" up to
 * the next "\n## " (exclusive) or the end. False when there is none.
 */
static bool status_block(const char *t, size_t len, const char **s, const char **e)
{
    const char *end = t + len;
    const char *h = find_line(t, t, end, STATUS_HEAD, false);
    if (!h)
        return false;
    const char *n = find_in(h, end, "\n## ");
    *s = h;
    *e = n ? n : end;
    return true;
}

/* The heading line of the block at `s` reads "## Status:" <white space> "BLOCKED". */
static bool block_is_blocked(const char *s, const char *e)
{
    const char *p = s + strlen(STATUS_HEAD);
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return aidf_text_has_prefix(p, e, "BLOCKED", true);
}

/* Rest of the first line in [lo, hi) starting with `label`, as a new string; or NULL. */
static char *labelled(const char *text, const char *lo, const char *hi, const char *label)
{
    const char *l = find_line(text, lo, hi, label, false);
    if (!l)
        return NULL;
    const char *v = l + strlen(label);
    return aidf_xstrndup(v, (size_t)(line_end(v, hi) - v));
}

/* ---- the section ---- */

static void put_grouped(struct aidf_buf *b, int64_t v)
{
    char digits[32];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    snprintf(digits, sizeof(digits), "%" PRIu64, u);
    if (v < 0)
        put(b, "-");
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i++) {
        putn(b, digits + i, 1);
        if (i + 1 < n && (n - i - 1) % 3 == 0)
            put(b, ",");
    }
}

static int64_t count_of(int64_t v)
{
    return v == AIDF_UNSET ? 0 : v;
}

/*
 * Fenced text: lines starting with "```" or '#' get one leading space so they can end
 * neither the fence nor the status block (the parser trims the first line's space away).
 */
static void put_fenced(struct aidf_buf *b, const char *text)
{
    put(b, "```\n");
    const char *p = text, *end = text + strlen(text);
    for (;;) {
        const char *le = line_end(p, end);
        if (aidf_text_has_prefix(p, le, "```", false) || (p < le && *p == '#'))
            put(b, " ");
        putn(b, p, (size_t)(le - p));
        if (le == end)
            break;
        put(b, "\n");
        p = le + 1;
    }
    put(b, "\n```");
}

static void put_files(struct aidf_buf *b, const struct aidf_strlist *files)
{
    put(b, "### Files Modified\n");
    if (!files || !files->n) {
        put(b, "_None_");
        return;
    }
    for (size_t i = 0; i < files->n; i++)
        putf(b, "%s- `%s`", i ? "\n" : "", files->items[i]);
}

/* Tokens (when known), cost (when set) and run id (when set) lines. */
static void put_extras(struct aidf_buf *b, const struct aidf_task_outcome *o, bool tokens)
{
    if (tokens && (o->tokens_in != AIDF_UNSET || o->tokens_out != AIDF_UNSET)) {
        int64_t in = count_of(o->tokens_in), out = count_of(o->tokens_out);
        put(b, "- **Tokens used:** ");
        put_grouped(b, in + out);
        put(b, " (input: ");
        put_grouped(b, in);
        put(b, " / output: ");
        put_grouped(b, out);
        put(b, ")\n");
    }
    if (!isnan(o->cost_usd))
        putf(b, "- **Cost:** $%.4f\n", o->cost_usd);
    if (o->run_id && *o->run_id)
        putf(b, "- **Run:** %s\n", o->run_id);
}

char *aidf_task_status_section(const struct aidf_task_outcome *o)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const char *started = o->started_at ? o->started_at : "N/A";
    const char *ended = o->ended_at ? o->ended_at : "N/A";
    int64_t iters = count_of(o->iterations);

    switch (o->status) {
    case AIDF_STATUS_BLOCKED:
        putf(&b,
             "## Status: BLOCKED\n\n### Execution Log\n- **Started:** %s\n"
             "- **Iterations:** %" PRId64 "\n- **Blocked at:** %s\n",
             started, iters, ended);
        put_extras(&b, o, false);
        put(&b, "\n### Blocking Issue\n");
        put_fenced(&b, o->reason ? o->reason : "No reason given");
        put(&b, "\n\n");
        put_files(&b, o->files);
        putf(&b,
             "\n\n---\n@developer: Review and provide guidance, then run "
             "`aidf run --resume %s`",
             o->resume_path ? o->resume_path : "<task file>");
        break;
    case AIDF_STATUS_COMPLETED:
        putf(&b,
             "## Status: \u2705 COMPLETED\n\n### Execution Log\n- **Started:** %s\n"
             "- **Completed:** %s\n- **Iterations:** %" PRId64 "\n"
             "- **Files modified:** %zu\n",
             started, ended, iters, o->files ? o->files->n : 0);
        put_extras(&b, o, true);
        put(&b, "\n");
        put_files(&b, o->files);
        break;
    default:
        putf(&b,
             "## Status: \u274c FAILED\n\n### Execution Log\n- **Started:** %s\n"
             "- **Failed at:** %s\n- **Iterations:** %" PRId64 "\n",
             started, ended, iters);
        put_extras(&b, o, true);
        put(&b, "\n### Error\n");
        put_fenced(&b, o->reason && *o->reason ? o->reason : "Unknown error");
        put(&b, "\n\n");
        put_files(&b, o->files);
        break;
    }
    return detach(&b);
}

/* ---- placement ---- */

static char *set_status_lf(const char *t, const char *sec)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    size_t len = strlen(t);
    const char *end = t + len, *s, *e;

    if (status_block(t, len, &s, &e)) {
        putn(&b, t, (size_t)(s - t));
        put(&b, sec);
        if (e < end) {
            put(&b, "\n"); /* e is the "\n" before the next heading: one blank line */
            put(&b, e);
        } else if (len && end[-1] == '\n') {
            put(&b, "\n");
        }
        return detach(&b);
    }

    const char *g = find_line(t, t, end, "## goal\n", true);
    if (g) {
        const char *c = g + strlen("## goal\n");
        const char *h = find_line(t, c, end, "## ", false);
        put_trimmed_line(&b, t, h ? h : end);
        putf(&b, "\n%s\n", sec);
        if (h) {
            put(&b, "\n");
            put(&b, h);
        }
        return detach(&b);
    }

    put_trimmed_line(&b, t, end);
    if (b.len)
        put(&b, "\n");
    putf(&b, "%s\n", sec);
    return detach(&b);
}

char *aidf_task_text_set_status(const char *text, const char *section)
{
    bool crlf;
    char *t = to_lf(text, &crlf);
    char *sec = to_lf(section, NULL);
    char *out = set_status_lf(t, sec);
    free(t);
    free(sec);
    return from_lf(out, crlf);
}

/* ---- resume ---- */

static char *record_resume_lf(const char *t, const char *rec)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    size_t len = strlen(t);
    const char *end = t + len, *s, *e, *at;

    if (!status_block(t, len, &s, &e))
        return aidf_xstrdup(t);

    if ((at = find_line(t, s, e, HISTORY_HEAD, false)) != NULL) {
        at += strlen(HISTORY_HEAD);
        putn(&b, t, (size_t)(at - t));
        putf(&b, "%s\n\n", rec);
        put(&b, at);
    } else if ((at = find_line(t, s, e, DEV_LINE, false)) != NULL) {
        putn(&b, t, (size_t)(at - t));
        if (!(at - s >= 2 && at[-1] == '\n' && at[-2] == '\n'))
            put(&b, "\n");
        putf(&b, "%s%s\n\n", HISTORY_HEAD, rec);
        put(&b, at);
    } else {
        put_trimmed_line(&b, t, e);
        putf(&b, "\n%s%s\n", HISTORY_HEAD, rec);
        if (e < end)
            put(&b, e);
    }
    return detach(&b);
}

char *aidf_task_text_record_resume(const char *text, const char *resumed_at, int64_t prev_iteration,
                                   const char *blocked_at)
{
    bool crlf;
    char *t = to_lf(text, &crlf);
    char *rec = NULL;
    struct aidf_buf r = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    putf(&r, "- **Resumed at:** %s\n- **Previous attempt:** Iteration %" PRId64 ", blocked at %s",
         resumed_at ? resumed_at : "N/A", count_of(prev_iteration),
         blocked_at ? blocked_at : "N/A");
    rec = detach(&r);
    char *out = record_resume_lf(t, rec);
    free(rec);
    free(t);
    return from_lf(out, crlf);
}

/* "- **Blocking issue:** ..." value: the first ISSUE_CHARS characters on one line. */
static void put_issue_snippet(struct aidf_buf *b, const char *issue)
{
    size_t n = utf8_prefix(issue, ISSUE_CHARS);
    for (size_t i = 0; i < n; i++) {
        char c = issue[i];
        if (c == '\r' && issue[i + 1] == '\n')
            continue;
        putn(b, (c == '\n' || c == '\r' || c == '\t') ? " " : &issue[i], 1);
    }
    put(b, "...");
}

static char *resume_completed_lf(const char *t, const char *completed_at, int64_t total,
                                 int64_t files)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    size_t len = strlen(t);
    const char *end = t + len, *s, *e;
    struct aidf_task task;
    char *resumed = NULL;

    memset(&task, 0, sizeof(task));
    if (!status_block(t, len, &s, &e) || !block_is_blocked(s, e) ||
        aidf_task_parse(s, (size_t)(e - s), NULL, &task, NULL) != AIDF_OK) {
        put(&b, t);
        goto out;
    }
    resumed = labelled(t, s, e, "- **Resumed at:** ");

    putn(&b, t, (size_t)(s - t));
    putf(&b,
         "## Execution History\n\n### Original Block\n- **Started:** %s\n"
         "- **Blocked at:** %s\n- **Iterations before block:** %d\n- **Blocking issue:** ",
         task.blocked.started_at ? task.blocked.started_at : "N/A",
         task.blocked.blocked_at ? task.blocked.blocked_at : "N/A",
         task.blocked.previous_iteration);
    put_issue_snippet(&b, task.blocked.blocking_issue ? task.blocked.blocking_issue : "");
    putf(&b,
         "\n\n### Resume and Completion\n- **Resumed at:** %s\n- **Completed at:** %s\n"
         "- **Total iterations:** %" PRId64 "\n- **Files modified:** %" PRId64 " files\n\n"
         "---\n\n## Status: \u2705 COMPLETED",
         resumed ? resumed : "N/A", completed_at ? completed_at : "N/A", count_of(total),
         count_of(files));
    if (e < end) {
        put(&b, "\n");
        put(&b, e);
    } else if (len && end[-1] == '\n') {
        put(&b, "\n");
    }

out:
    free(resumed);
    aidf_task_release(&task);
    return detach(&b);
}

char *aidf_task_text_resume_completed(const char *text, const char *completed_at,
                                      int64_t total_iterations, int64_t files_modified)
{
    bool crlf;
    char *t = to_lf(text, &crlf);
    char *out = resume_completed_lf(t, completed_at, total_iterations, files_modified);
    free(t);
    return from_lf(out, crlf);
}

/*
 * The "### Resume Attempt History" subsection of the status block of `t` (up to the
 * "---\n@developer:" line, the next "### " heading or the block end; no trailing blank
 * lines), with the attempt outcome added after its newest entry. NULL when there is none.
 */
static char *old_history(const char *t, const char *ended_at, int64_t iters)
{
    size_t len = strlen(t);
    const char *s, *e, *h;
    if (!status_block(t, len, &s, &e) || (h = find_line(t, s, e, HISTORY_HEAD, false)) == NULL)
        return NULL;
    const char *body = h + strlen(HISTORY_HEAD);
    const char *he = e, *x;
    if ((x = find_line(t, body, e, DEV_LINE, false)) != NULL && x < he)
        he = x;
    if ((x = find_line(t, body, e, "### ", false)) != NULL && x < he)
        he = x;
    he = blank_tail(h, he);
    if (he > h && he[-1] == '\n')
        he--;

    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    const char *r = find_line(t, body, he, "- **Resumed at:**", false);
    const char *at = he;
    if (r) {
        at = line_end(r, he);
        if (at < he && aidf_text_has_prefix(at + 1, he, "- **Previous attempt:**", false))
            at = line_end(at + 1, he);
    }
    putn(&b, h, (size_t)(at - h));
    if (at > h && at[-1] != '\n')
        put(&b, "\n");
    putf(&b,
         "- **Completed at:** %s\n- **Status:** blocked_again\n"
         "- **Iterations in this attempt:** %" PRId64,
         ended_at ? ended_at : "N/A", count_of(iters));
    if (at < he)
        putn(&b, at, (size_t)(he - at));
    return detach(&b);
}

char *aidf_task_text_blocked_again(const char *text, const char *new_section, const char *ended_at,
                                   int64_t iterations_this_attempt)
{
    bool crlf;
    char *t = to_lf(text, &crlf);
    char *sec = to_lf(new_section, NULL);
    char *hist = old_history(t, ended_at, iterations_this_attempt);
    char *out;

    if (hist) {
        struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
        const char *send = sec + strlen(sec);
        const char *d = find_line(sec, sec, send, DEV_LINE, false);
        put_trimmed_line(&b, sec, d ? d : send);
        putf(&b, "\n%s", hist);
        if (d) {
            put(&b, "\n\n");
            put(&b, d);
        }
        free(sec);
        sec = detach(&b);
    }
    out = set_status_lf(t, sec);
    free(hist);
    free(sec);
    free(t);
    return from_lf(out, crlf);
}

/* ---- files ---- */

int aidf_task_file_edit(const char *path, char *(*edit)(const char *text, void *ctx), void *ctx,
                        struct aidf_error *err)
{
    char *text = NULL, *out = NULL;
    size_t len = 0, olen;
    int rc = aidf_read_file(path, AIDF_TASK_MAX_BYTES, &text, &len, err);
    if (rc)
        goto out;
    if (memchr(text, '\0', len)) {
        rc = aidf_fail(err, AIDF_EINVAL, "task file '%s' contains NUL bytes", path);
        goto out;
    }
    out = edit(text, ctx);
    if (!out)
        goto out;
    olen = strlen(out);
    if (olen == len && !memcmp(out, text, len))
        goto out;
    if (olen > AIDF_TASK_MAX_BYTES) {
        rc =
            aidf_fail(err, AIDF_ETOOBIG, "task file '%s' would grow over %zu bytes; left unchanged",
                      path, AIDF_TASK_MAX_BYTES);
        goto out;
    }
    rc = aidf_write_file_atomic(path, out, olen, 0, err);
out:
    free(out);
    free(text);
    return rc;
}

/* rename(2) that never replaces `to`. */
static int move_noreplace(const char *from, const char *to, struct aidf_error *err)
{
    if (aidf_rename_noreplace(from, to) == 0)
        return AIDF_OK;
    if (errno == EEXIST)
        return aidf_fail(err, AIDF_ECONFLICT, "'%s' already exists", to);
    return aidf_fail(err, AIDF_EIO, "cannot move '%s' to '%s': %s", from, to, strerror(errno));
}

static bool is_task_folder(const char *p, size_t n)
{
    static const char *const names[] = {"pending", "completed", "blocked"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strlen(names[i]) == n && !memcmp(p, names[i], n))
            return true;
    return false;
}

int aidf_task_move(const char *path, const char *folder, char **new_path, struct aidf_error *err)
{
    int rc = AIDF_OK;
    char *dir = NULL, *target = NULL, *src_dir = NULL;

    *new_path = NULL;
    if (!*folder || strchr(folder, '/')) {
        rc = aidf_fail(err, AIDF_EINVAL, "bad task folder name '%s'", folder);
        goto out;
    }
    const char *slash = strrchr(path, '/');
    if (!slash) {
        *new_path = aidf_xstrdup(path); /* parent is "."; not a task folder */
        goto out;
    }
    const char *ps = slash;
    while (ps > path && ps[-1] != '/')
        ps--;
    size_t plen = (size_t)(slash - ps);
    if (!is_task_folder(ps, plen) || (strlen(folder) == plen && !memcmp(ps, folder, plen))) {
        *new_path = aidf_xstrdup(path);
        goto out;
    }

    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    putn(&b, path, (size_t)(ps - path));
    put(&b, folder);
    dir = detach(&b);
    putf(&b, "%s%s", dir, slash);
    target = detach(&b);
    src_dir = aidf_xstrndup(path, (size_t)(slash - path));

    if ((rc = aidf_mkdirs(dir, err)) != AIDF_OK)
        goto out;
    if ((rc = move_noreplace(path, target, err)) != AIDF_OK)
        goto out;
    /* Best effort: the move itself has happened. */
    (void)aidf_fsync_dir(dir);
    (void)aidf_fsync_dir(src_dir);
    *new_path = target;
    target = NULL;
out:
    free(dir);
    free(target);
    free(src_dir);
    return rc;
}
