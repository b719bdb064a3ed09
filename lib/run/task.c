/*
 * Task-file parser: upstream's regular expressions re-expressed as plain scans over
 * (pointer, length) spans, so the cost stays linear-ish and no byte is ever decoded.
 */
#include "aidf/task.h"

#include <limits.h>
#include <string.h>
#include <stdlib.h>

#include "aidf/fsutil.h"
#include "aidf/textutil.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

struct span {
    const char *p;
    size_t n;
};

static const char *span_end(struct span s)
{
    return s.p + s.n;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/*
 * First occurrence of `needle` in [h, h+n), ASCII case-insensitive when `ci`.
 * Naive on purpose: needles are short literals and inputs are capped at 1 MiB.
 */
static const char *find(const char *h, size_t n, const char *needle, bool ci)
{
    size_t m = strlen(needle);
    if (m > n)
        return NULL;
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        if (ci)
            while (k < m && lower(h[i + k]) == lower(needle[k]))
                k++;
        else
            while (k < m && h[i + k] == needle[k])
                k++;
        if (k == m)
            return h + i;
    }
    return NULL;
}

static const char *find_in(struct span s, const char *needle, bool ci)
{
    return find(s.p, s.n, needle, ci);
}

static struct span trim(struct span s)
{
    const char *b = s.p, *e = s.p + s.n;
    aidf_js_trim(&b, &e);
    return (struct span){b, (size_t)(e - b)};
}

static char *span_dup(struct span s)
{
    return aidf_xstrndup(s.p, s.n);
}

/*
 * "<heading>\n" (the whole heading literal includes the hashes), content up to the first
 * `stop` at or after the content start, or the end of `in`. Returns false when the
 * heading is absent; `*body` is then empty.
 */
static bool subsection(struct span in, const char *heading, bool ci, const char *stop,
                       struct span *body)
{
    char needle[64];
    size_t hl = strlen(heading);
    *body = (struct span){in.p + in.n, 0};
    if (hl + 2 > sizeof(needle))
        return false;
    memcpy(needle, heading, hl);
    needle[hl] = '\n';
    needle[hl + 1] = '\0';
    const char *h = find_in(in, needle, ci);
    if (!h)
        return false;
    const char *c = h + hl + 1;
    const char *e = find(c, (size_t)(span_end(in) - c), stop, false);
    *body = (struct span){c, (size_t)((e ? e : span_end(in)) - c)};
    return true;
}

/* extractSection(name): "## <name>\n" case-insensitive, lazily to "\n## ", trimmed. */
static struct span section(struct span text, const char *name)
{
    char heading[48] = "## ";
    size_t nl = strlen(name);
    struct span body;
    if (nl + 4 > sizeof(heading))
        return (struct span){text.p, 0};
    memcpy(heading + 3, name, nl + 1);
    if (!subsection(text, heading, true, "\n## ", &body))
        return (struct span){text.p, 0};
    return trim(body);
}

/* Split `s` on '\n'; call `fn` on every line. */
typedef void (*line_fn)(struct span line, struct aidf_strlist *out);

static void each_line(struct span s, line_fn fn, struct aidf_strlist *out)
{
    const char *p = s.p, *end = span_end(s);
    for (;;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        fn((struct span){p, (size_t)(le - p)}, out);
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* trimmed line starts with '-': drop "-\s*", trim. */
static bool dash_item(struct span line, struct span *item)
{
    struct span t = trim(line);
    if (!t.n || t.p[0] != '-')
        return false;
    *item = trim((struct span){t.p + 1, t.n - 1});
    return true;
}

static void role_line(struct span line, struct aidf_strlist *out)
{
    struct span item;
    if (!dash_item(line, &item))
        return;
    char *s = span_dup(item);
    aidf_strlist_add(out, s);
    free(s);
}

static void scope_line(struct span line, struct aidf_strlist *out)
{
    struct span item;
    if (!dash_item(line, &item))
        return;
    char *s = aidf_xmalloc(item.n + 1);
    size_t n = 0;
    for (size_t i = 0; i < item.n; i++)
        if (item.p[i] != '`')
            s[n++] = item.p[i];
    /* Dropping backticks can expose white space ("` x `"), so trim once more. */
    struct span t = trim((struct span){s, n});
    char *v = span_dup(t);
    aidf_strlist_add(out, v);
    free(v);
    free(s);
}

/* ^-\s*\[[ x]\] (case-insensitive) on the untrimmed line; the box goes, the rest trimmed. */
static void dod_line(struct span line, struct aidf_strlist *out)
{
    const char *p = line.p, *end = span_end(line);
    size_t k;
    if (p == end || *p != '-')
        return;
    p++;
    while ((k = aidf_js_space_len(p, end)) != 0)
        p += k;
    if (end - p < 3 || p[0] != '[' || (p[1] != ' ' && lower(p[1]) != 'x') || p[2] != ']')
        return;
    p += 3;
    char *s = span_dup(trim((struct span){p, (size_t)(end - p)}));
    aidf_strlist_add(out, s);
    free(s);
}

/* Rest of the line after `at` (JS `.+`: at least one byte other than \n and \r). */
static bool rest_of_line(const char *at, const char *end, struct span *out)
{
    const char *e = at;
    while (e < end && *e != '\n' && *e != '\r')
        e++;
    if (e == at)
        return false;
    *out = (struct span){at, (size_t)(e - at)};
    return true;
}

/* First "<label>(.+)" in `s`, trying later occurrences when one has an empty rest. */
static char *labelled_line(struct span s, const char *label)
{
    const char *p = s.p, *end = span_end(s);
    const char *hit;
    size_t ll = strlen(label);
    while ((hit = find(p, (size_t)(end - p), label, false)) != NULL) {
        struct span v;
        if (rest_of_line(hit + ll, end, &v))
            return span_dup(v);
        p = hit + 1;
    }
    return NULL;
}

/* First "**Iterations:** (\d+)"; 0 when absent, clamped to INT_MAX. */
static int iterations(struct span s)
{
    static const char label[] = "**Iterations:** ";
    const char *p = s.p, *end = span_end(s);
    const char *hit;
    while ((hit = find(p, (size_t)(end - p), label, false)) != NULL) {
        const char *d = hit + sizeof(label) - 1;
        if (d < end && *d >= '0' && *d <= '9') {
            long long v = 0;
            for (; d < end && *d >= '0' && *d <= '9'; d++)
                if (v <= INT_MAX)
                    v = v * 10 + (*d - '0');
            return v > INT_MAX ? INT_MAX : (int)v;
        }
        p = hit + 1;
    }
    return 0;
}

/* Every "- `path`" (regex /- `([^`]+)`/g) in `s`. */
static void backtick_items(struct span s, struct aidf_strlist *out)
{
    const char *p = s.p, *end = span_end(s);
    const char *hit;
    while ((hit = find(p, (size_t)(end - p), "- `", false)) != NULL) {
        const char *a = hit + 3;
        const char *b = memchr(a, '`', (size_t)(end - a));
        if (!b)
            break; /* no closing backtick anywhere: no later match either (keeps it linear) */
        if (b > a) {
            char *v = aidf_xstrndup(a, (size_t)(b - a));
            aidf_strlist_add(out, v);
            free(v);
            p = b + 1;
        } else {
            p = hit + 1;
        }
    }
}

/*
 * The BLOCKED block (resume). Only looked for when the text holds both "## Status:" and
 * "BLOCKED"; block = "## Status:\s*BLOCKED\n" (case-insensitive) up to "\n## " followed
 * by a byte other than '#', or the end.
 */
static void parse_blocked(struct span text, struct aidf_task *t)
{
    if (!find_in(text, "## Status:", false) || !find_in(text, "BLOCKED", false))
        return;
    const char *end = span_end(text), *p = text.p, *hit, *start = NULL;
    while ((hit = find(p, (size_t)(end - p), "## Status:", true)) != NULL) {
        const char *q = hit + 10;
        size_t k;
        while ((k = aidf_js_space_len(q, end)) != 0)
            q += k;
        if (aidf_text_has_prefix(q, end, "BLOCKED\n", true)) {
            start = q + 8;
            break;
        }
        p = hit + 1;
    }
    if (!start)
        return;
    const char *bend = end;
    for (const char *s = start; (s = find(s, (size_t)(end - s), "\n## ", false)) != NULL; s++) {
        if (s + 4 < end && s[4] != '#') {
            bend = s;
            break;
        }
    }
    struct span block = {start, (size_t)(bend - start)};

    const char *log = find_in(block, "### Execution Log", false);
    if (!log)
        return;
    const char *lc = log + strlen("### Execution Log");
    const char *le = find(lc, (size_t)(bend - lc), "\n### ", false);
    struct span logs = {lc, (size_t)((le ? le : bend) - lc)};

    t->blocked.present = true;
    t->blocked.previous_iteration = iterations(logs);
    t->blocked.started_at = labelled_line(logs, "**Started:** ");
    t->blocked.blocked_at = labelled_line(logs, "**Blocked at:** ");

    /* "### Blocking Issue\n```<info>\n<text>\n```" -> <text> trimmed. */
    const char *bi = find_in(block, "### Blocking Issue\n```", false);
    if (bi) {
        const char *c = bi + strlen("### Blocking Issue\n```");
        const char *nl = memchr(c, '\n', (size_t)(bend - c));
        if (nl) {
            c = nl + 1;
            /* The closing fence may follow directly when the text is empty. */
            const char *f = aidf_text_has_prefix(c, bend, "```", false)
                                ? c
                                : find(c, (size_t)(bend - c), "\n```", false);
            if (f)
                t->blocked.blocking_issue = span_dup(trim((struct span){c, (size_t)(f - c)}));
        }
    }

    const char *fm = find_in(block, "### Files Modified", false);
    if (fm) {
        const char *c = fm + strlen("### Files Modified");
        const char *e1 = find(c, (size_t)(bend - c), "\n---", false);
        const char *e2 = find(c, (size_t)(bend - c), "\n### ", false);
        const char *e = bend;
        if (e1 && e1 < e)
            e = e1;
        if (e2 && e2 < e)
            e = e2;
        backtick_items((struct span){c, (size_t)(e - c)}, &t->blocked.files_modified);
    }
}

static bool valid_type(const char *s)
{
    static const char *const types[] = {"component", "refactor",     "test",
                                        "docs",      "architecture", "bugfix"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (!strcmp(s, types[i]))
            return true;
    return false;
}

int aidf_task_parse(const char *text, size_t len, const char *path, struct aidf_task *out,
                    struct aidf_error *err)
{
    if (len > AIDF_TASK_MAX_BYTES)
        return aidf_fail(err, AIDF_ETOOBIG, "task file is larger than %zu bytes",
                         AIDF_TASK_MAX_BYTES);
    if (len && memchr(text, '\0', len))
        return aidf_fail(err, AIDF_EINVAL, "task file contains NUL bytes");
    size_t bad = aidf_utf8_invalid_at(text, len);
    if (bad < len)
        return aidf_fail(err, AIDF_EINVAL,
                         "task file is not valid UTF-8 (byte offset %zu); save it as UTF-8", bad);

    struct aidf_task t;
    memset(&t, 0, sizeof(t));

    /* CRLF -> LF; a lone CR stays, as with upstream's replace(/\r\n/g, '\n'). */
    char *raw = aidf_xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
            continue;
        raw[n++] = text[i];
    }
    raw[n] = '\0';
    t.raw = raw;
    t.path = aidf_xstrdup(path);
    struct span all = {raw, n};

    t.goal = span_dup(section(all, "Goal"));

    t.task_type = span_dup(section(all, "Task Type"));
    for (char *c = t.task_type; *c; c++)
        *c = lower(*c);
    if (!valid_type(t.task_type)) {
        free(t.task_type);
        t.task_type = aidf_xstrdup("component");
    }

    each_line(section(all, "Suggested Roles"), role_line, &t.suggested_roles);
    t.role = aidf_xstrdup(t.suggested_roles.n ? t.suggested_roles.items[0] : "developer");

    struct span scope = section(all, "Scope"), sub;
    if (subsection(scope, "### Allowed", false, "\n### ", &sub))
        each_line(sub, scope_line, &t.allowed);
    if (subsection(scope, "### Forbidden", false, "\n### ", &sub))
        each_line(sub, scope_line, &t.forbidden);
    t.has_ask_before = subsection(scope, "### Ask Before", false, "\n### ", &sub);
    if (t.has_ask_before)
        each_line(sub, scope_line, &t.ask_before);

    t.requirements = span_dup(section(all, "Requirements"));
    struct span notes = section(all, "Notes");
    t.notes = notes.n ? span_dup(notes) : NULL;

    each_line(section(all, "Definition of Done"), dod_line, &t.definition_of_done);

    parse_blocked(all, &t);

    *out = t;
    return AIDF_OK;
}

int aidf_task_load(const char *path, struct aidf_task *out, struct aidf_error *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = aidf_read_file(path, AIDF_TASK_MAX_BYTES, &text, &len, err);
    if (rc == AIDF_ENOTFOUND)
        return aidf_fail(err, rc, "Task file not found: %s", path);
    if (rc)
        return rc;
    rc = aidf_task_parse(text, len, path, out, err);
    free(text);
    return rc;
}

void aidf_task_release(struct aidf_task *t)
{
    if (!t)
        return;
    free(t->path);
    free(t->raw);
    free(t->goal);
    free(t->task_type);
    free(t->role);
    free(t->requirements);
    free(t->notes);
    aidf_strlist_release(&t->suggested_roles);
    aidf_strlist_release(&t->allowed);
    aidf_strlist_release(&t->forbidden);
    aidf_strlist_release(&t->ask_before);
    aidf_strlist_release(&t->definition_of_done);
    free(t->blocked.started_at);
    free(t->blocked.blocked_at);
    free(t->blocked.blocking_issue);
    aidf_strlist_release(&t->blocked.files_modified);
    memset(t, 0, sizeof(*t));
}

enum aidf_task_state aidf_task_state_from_buf(const char *text, size_t len)
{
    if (!text)
        return AIDF_TASK_PENDING;
    const char *s = find(text, len, "## Status:", false);
    if (!s)
        return AIDF_TASK_PENDING;
    size_t rest = len - (size_t)(s - text);
    /* The heading line decides first: a BLOCKED section may mention "Completed at" in its
     * resume history, which must not make the task look completed. */
    const char *nl = memchr(s, '\n', rest);
    struct span head = {s, nl ? (size_t)(nl - s) : rest};
    if (find_in(head, "completed", true))
        return AIDF_TASK_COMPLETED;
    if (find_in(head, "blocked", true))
        return AIDF_TASK_BLOCKED;
    const char *e = find(s + 10, rest - 10, "\n## ", false);
    struct span block = {s, e ? (size_t)(e - s) : rest};
    if (find_in(block, "completed", true))
        return AIDF_TASK_COMPLETED;
    if (find_in(block, "blocked", true))
        return AIDF_TASK_BLOCKED;
    if (find_in(block, "in progress", true) || find_in(block, "running", true))
        return AIDF_TASK_IN_PROGRESS;
    return AIDF_TASK_PENDING;
}

enum aidf_task_state aidf_task_state_from_text(const char *text)
{
    return aidf_task_state_from_buf(text, text ? strlen(text) : 0);
}

const char *aidf_task_state_name(enum aidf_task_state s)
{
    switch (s) {
    case AIDF_TASK_IN_PROGRESS:
        return "in_progress";
    case AIDF_TASK_COMPLETED:
        return "completed";
    case AIDF_TASK_BLOCKED:
        return "blocked";
    case AIDF_TASK_PENDING:
        break;
    }
    return "pending";
}

char *aidf_task_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = strlen(b);
    if (n > 3 && strcmp(b + n - 3, ".md") == 0)
        n -= 3;
    return aidf_xstrndup(b, n);
}
