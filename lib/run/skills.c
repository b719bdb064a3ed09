/*
 * Skills (as the original TypeScript aidf's core/skill-loader.ts does): discovery of
 * <dir>/<name>/SKILL.md, the frontmatter, the security scan and the <available_skills>
 * prompt block.
 *
 * The scan re-expresses upstream's regular expressions (tested line by line) as
 * hand-written matchers, each one forward scan over the whole text that never lets a
 * match cross a LF; the first match's line is the first matching line. Look-ahead and
 * look-behind are bounded, so a 1 MiB file costs a few linear passes per pattern whatever
 * its content (and no per-line call overhead). Matching follows JavaScript's rules: `\s`
 * is JavaScript's white-space set (ASCII plus the Unicode spaces, matched as UTF-8), `\b`
 * and the `i` flag are ASCII-only, and `.` stops at CR, U+2028 and U+2029 as well as LF.
 * Each pattern keeps upstream's case sensitivity: eval(, exec(, Function(, the sensitive
 * paths, --dangerously and rm -rf are case-sensitive, the others are not.
 */
#include "context_int.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aidf/buf.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/textutil.h"
#include "aidf/xalloc.h"

/* ---- character classes -------------------------------------------------------------- */

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* JavaScript's \w: [A-Za-z0-9_]. */
static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_b64(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/*
 * Length of the white-space character at p other than LF (0 if none). The patterns are
 * tested line by line upstream, so their \s never crosses a LF; here they run over the
 * whole text and use this.
 */
static size_t sp_len(const char *p, const char *end)
{
    return (p < end && *p == '\n') ? 0 : aidf_js_space_len(p, end);
}

/* Skip \s* from p within its line. */
static const char *skip_ws(const char *p, const char *end)
{
    size_t k;
    while ((k = sp_len(p, end)) != 0)
        p += k;
    return p;
}

/* Length of a line terminator at p (LF, CR, U+2028, U+2029), or 0. */
static size_t eol_len(const char *p, const char *end)
{
    const unsigned char *u = (const unsigned char *)p;
    if (p < end && (u[0] == '\n' || u[0] == '\r'))
        return 1;
    if (end - p >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
        return 3;
    return 0;
}

/* First occurrence of `lit` in [p, end). Needles are short literals. */
static const char *find(const char *p, const char *end, const char *lit, bool ci)
{
    size_t m = strlen(lit);
    char c0 = lit[0], c1 = ci ? lower(c0) : c0, c2 = c1;
    if (ci && c1 >= 'a' && c1 <= 'z')
        c2 = (char)(c1 - 'a' + 'A');
    for (; (size_t)(end - p) >= m; p++)
        if ((*p == c1 || *p == c2) && aidf_text_has_prefix(p, end, lit, ci))
            return p;
    return NULL;
}

/*
 * First occurrence of the word `w` in [p, end) with \b before it and, when `after`, \b
 * after it. A LF is no word character, so line starts and ends are boundaries too.
 */
static const char *find_word(const char *b, const char *p, const char *end, const char *w, bool ci,
                             bool after)
{
    size_t m = strlen(w);
    for (const char *q = p; (q = find(q, end, w, ci)) != NULL; q++) {
        if (q > b && is_word(q[-1]))
            continue;
        if (after && q + m < end && is_word(q[m]))
            continue;
        return q;
    }
    return NULL;
}

/* ---- the patterns -------------------------------------------------------------------- */

/*
 * A matcher returns the start of the first match in [b, e), or NULL. A match never
 * spans a LF, so the line of the first match is the first line that matches.
 */
typedef const char *(*match_fn)(const char *b, const char *e);

static const char *first_of(const char *x, const char *y)
{
    return (!x || (y && y < x)) ? y : x;
}

/* \s+instructions at p */
static bool ws_instructions(const char *p, const char *e)
{
    const char *q = skip_ws(p, e);
    return q > p && aidf_text_has_prefix(q, e, "instructions", true);
}

/* /ignore\s+(previous|above|all\s+previous)\s+instructions/i */
static const char *m_ignore(const char *b, const char *e)
{
    for (const char *p = b; (p = find(p, e, "ignore", true)) != NULL; p++) {
        const char *q = p + 6, *r = skip_ws(q, e);
        if (r == q)
            continue;
        if (aidf_text_has_prefix(r, e, "previous", true) && ws_instructions(r + 8, e))
            return p;
        if (aidf_text_has_prefix(r, e, "above", true) && ws_instructions(r + 5, e))
            return p;
        if (aidf_text_has_prefix(r, e, "all", true)) {
            const char *s = skip_ws(r + 3, e);
            if (s > r + 3 && aidf_text_has_prefix(s, e, "previous", true) &&
                ws_instructions(s + 8, e))
                return p;
        }
    }
    return NULL;
}

/*
 * /\bdisregard\b.*\b(instructions|rules|above|previous)\b/i: both words inside one
 * stretch without a line terminator (what `.` cannot cross). The first "disregard" of a
 * stretch leaves the most room after it, so a failed one skips its whole stretch.
 */
static const char *m_disregard(const char *b, const char *e)
{
    static const char *const kw[] = {"instructions", "rules", "above", "previous"};
    const char *p = b, *d;
    while ((d = find_word(b, p, e, "disregard", true, true)) != NULL) {
        const char *t = d + 9;
        while (t < e && !eol_len(t, e))
            t++;
        for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
            if (find_word(b, d + 9, t, kw[i], true, true))
                return d;
        p = t;
    }
    return NULL;
}

/* /\byou\s+are\s+now\b/i */
static const char *m_you_are_now(const char *b, const char *e)
{
    for (const char *p = b; (p = find_word(b, p, e, "you", true, false)) != NULL; p++) {
        const char *q = skip_ws(p + 3, e);
        if (q == p + 3 || !aidf_text_has_prefix(q, e, "are", true))
            continue;
        const char *r = skip_ws(q + 3, e);
        if (r == q + 3 || !aidf_text_has_prefix(r, e, "now", true))
            continue;
        if (r + 3 == e || !is_word(r[3]))
            return p;
    }
    return NULL;
}

/*
 * /^\s*system\s*:/im: "system" preceded, back to its line start, only by white space, or
 * by white space that includes a CR/U+2028/U+2029 (JavaScript's ^ in m mode follows any
 * line terminator, and those are white space themselves).
 */
static const char *m_system(const char *b, const char *e)
{
    for (const char *p = b; (p = find(p, e, "system", true)) != NULL; p++) {
        const char *q = skip_ws(p + 6, e);
        if (q >= e || *q != ':')
            continue;
        const char *s = p;
        bool start = false;
        size_t k;
        for (;;) {
            if (s == b || s[-1] == '\n') {
                start = true;
                break;
            }
            if ((k = aidf_js_space_back(b, s)) == 0)
                break;
            s -= k;
            if (eol_len(s, e)) {
                start = true;
                break;
            }
        }
        if (start)
            return p;
    }
    return NULL;
}

/* /<system>/i */
static const char *m_system_tag(const char *b, const char *e)
{
    return find(b, e, "<system>", true);
}

/* /\b<name>\s*\(/ (case-sensitive) */
static const char *call_of(const char *b, const char *e, const char *name)
{
    size_t m = strlen(name);
    for (const char *p = b; (p = find_word(b, p, e, name, false, false)) != NULL; p++) {
        const char *q = skip_ws(p + m, e);
        if (q < e && *q == '(')
            return p;
    }
    return NULL;
}

static const char *m_eval(const char *b, const char *e)
{
    return call_of(b, e, "eval");
}

static const char *m_exec(const char *b, const char *e)
{
    return call_of(b, e, "exec");
}

static const char *m_function(const char *b, const char *e)
{
    return call_of(b, e, "Function");
}

/* /[A-Za-z0-9+\/]{60,}={0,2}/ */
static const char *m_base64(const char *b, const char *e)
{
    size_t run = 0;
    for (const char *p = b; p < e; p++) {
        run = is_b64(*p) ? run + 1 : 0;
        if (run >= 60)
            return p - 59;
    }
    return NULL;
}

/*
 * /(?:0x[0-9a-fA-F]{2}[\s,]*){20,}/: a chain of 20 tokens. A chain that starts inside
 * another chain is one of its suffixes, so a failed chain is skipped as a whole.
 */
static const char *m_hex(const char *b, const char *e)
{
    const char *p = b;
    while (p < e) {
        int reps = 0;
        const char *q = p;
        while (e - q >= 4 && q[0] == '0' && q[1] == 'x' && is_hex(q[2]) && is_hex(q[3])) {
            if (++reps >= 20)
                return p;
            q += 4;
            for (;;) {
                size_t k = (q < e && *q == ',') ? 1 : sp_len(q, e);
                if (!k)
                    break;
                q += k;
            }
        }
        p = reps ? q : p + 1;
    }
    return NULL;
}

static const char *m_sudo(const char *b, const char *e)
{
    return find_word(b, b, e, "sudo", true, true);
}

static const char *m_chmod(const char *b, const char *e)
{
    return find_word(b, b, e, "chmod", true, true);
}

static const char *m_chown(const char *b, const char *e)
{
    return find_word(b, b, e, "chown", true, true);
}

/* One character of [^\s)>\]] at p. */
static bool url_char(const char *p, const char *e)
{
    return p < e && *p != ')' && *p != '>' && *p != ']' && aidf_js_space_len(p, e) == 0;
}

/* /https?:\/\/[^\s)>\]]+/i */
static const char *m_url(const char *b, const char *e)
{
    for (const char *p = b; (p = find(p, e, "http", true)) != NULL; p++) {
        const char *q = p + 4;
        if (aidf_text_has_prefix(q, e, "://", false) && url_char(q + 3, e))
            return p;
        if (q < e && lower(*q) == 's' && aidf_text_has_prefix(q + 1, e, "://", false) &&
            url_char(q + 4, e))
            return p;
    }
    return NULL;
}

/* /(?:^|\s)\.env\b|\/etc\/|~\/\.ssh/ (a LF before ".env" is a line start) */
static const char *m_sensitive(const char *b, const char *e)
{
    const char *env = NULL;
    for (const char *p = b; (p = find(p, e, ".env", false)) != NULL; p++)
        if ((p == b || aidf_js_space_back(b, p)) && (p + 4 == e || !is_word(p[4]))) {
            env = p;
            break;
        }
    return first_of(first_of(env, find(b, e, "/etc/", false)), find(b, e, "~/.ssh", false));
}

static const char *m_dangerously(const char *b, const char *e)
{
    return find(b, e, "--dangerously", false);
}

/* /\brm\s+-rf\b/ */
static const char *m_rm_rf(const char *b, const char *e)
{
    for (const char *p = b; (p = find_word(b, p, e, "rm", false, false)) != NULL; p++) {
        const char *q = skip_ws(p + 2, e);
        if (q > p + 2 && aidf_text_has_prefix(q, e, "-rf", false) && (q + 3 == e || !is_word(q[3])))
            return p;
    }
    return NULL;
}

struct pattern {
    const char *name, *description;
    bool danger;
    bool outside_code; /* checked with fenced code blocks blanked out */
    match_fn match;
};

static const struct pattern patterns[AIDF_SCAN_NPATTERNS] = {
    {"ignore previous instructions",
     "prompt injection attempt: tries to override previous instructions", true, false, m_ignore},
    {"disregard instructions", "prompt injection attempt: tries to disregard existing instructions",
     true, false, m_disregard},
    {"you are now", "role override attempt: tries to change AI identity mid-prompt", true, false,
     m_you_are_now},
    {"system:", "system prompt injection: attempts to inject system-level instructions", true,
     false, m_system},
    {"<system>", "system prompt injection: attempts to inject system-level XML block", true, false,
     m_system_tag},
    {"eval(", "code execution: eval() in instructions (outside code blocks)", true, true, m_eval},
    {"exec(", "code execution: exec() in instructions (outside code blocks)", true, true, m_exec},
    {"Function(", "code execution: Function constructor in instructions (outside code blocks)",
     true, true, m_function},
    {"base64 encoded content", "encoded content: possible base64-encoded payload detected", true,
     true, m_base64},
    {"hex string", "encoded content: long hex string detected, possible obfuscated payload", true,
     true, m_hex},
    {"sudo", "elevated privileges: sudo command found in instructions", false, true, m_sudo},
    {"chmod", "permission change: chmod command found in instructions", false, true, m_chmod},
    {"chown", "ownership change: chown command found in instructions", false, true, m_chown},
    {"external URL", "external URL: link to external domain found in instructions", false, true,
     m_url},
    {"sensitive file path",
     "sensitive path: instructions reference sensitive files (.env, /etc/, ~/.ssh)", false, true,
     m_sensitive},
    {"--dangerously flag", "dangerous flag: --dangerously flag found in instructions", false, true,
     m_dangerously},
    {"rm -rf", "destructive command: rm -rf found in instructions", false, true, m_rm_rf},
};

/*
 * Upstream's stripCodeBlocks: every non-overlapping ```…``` (lazy, may span lines or sit
 * inside one) is replaced by the newlines it contained, so line numbers survive. An
 * unclosed fence is left alone.
 */
static char *strip_fences(const char *text, size_t len, size_t *out_len)
{
    char *out = aidf_xmalloc(len + 1);
    const char *p = text, *end = text + len;
    size_t n = 0;
    for (;;) {
        const char *a = find(p, end, "```", false);
        const char *z = a ? find(a + 3, end, "```", false) : NULL;
        if (!z) {
            memcpy(out + n, p, (size_t)(end - p));
            n += (size_t)(end - p);
            break;
        }
        memcpy(out + n, p, (size_t)(a - p));
        n += (size_t)(a - p);
        for (const char *c = a; c < z; c++)
            if (*c == '\n')
                out[n++] = '\n';
        p = z + 3;
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* 1-based line of `at` in `text`. */
static int line_of(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(at - p))) != NULL; p++)
        if (line < INT_MAX)
            line++;
    return line;
}

size_t aidf_skill_scan(const char *text, size_t len, struct aidf_scan_hit *hits)
{
    size_t slen = 0, n = 0;
    char *stripped = strip_fences(text, len, &slen);
    for (size_t i = 0; i < AIDF_SCAN_NPATTERNS; i++) {
        const struct pattern *pt = &patterns[i];
        const char *src = pt->outside_code ? stripped : text;
        const char *at = pt->match(src, src + (pt->outside_code ? slen : len));
        if (!at)
            continue;
        int line = line_of(src, at);
        hits[n].pattern = pt->name;
        hits[n].description = pt->description;
        hits[n].danger = pt->danger;
        hits[n].line = line;
        n++;
    }
    free(stripped);
    return n;
}

/* ---- frontmatter --------------------------------------------------------------------- */

/* Comma list: items trimmed, empty ones dropped. */
static void comma_list(const char *b, const char *e, struct aidf_strlist *out)
{
    while (b <= e) {
        const char *c = memchr(b, ',', (size_t)(e - b));
        const char *ie = c ? c : e, *ib = b;
        aidf_js_trim(&ib, &ie);
        if (ie > ib) {
            char *item = aidf_xstrndup(ib, (size_t)(ie - ib));
            aidf_strlist_add(out, item);
            free(item);
        }
        if (!c)
            break;
        b = c + 1;
    }
}

int aidf_skill_parse(const char *text, size_t len, struct aidf_skill *out)
{
    memset(out, 0, sizeof(*out));
    const char *end = text + len;
    /* /^---\n([\s\S]*?)\n---/: the lazy group starts at offset 4 */
    if (len < 4 || memcmp(text, "---\n", 4) != 0)
        return AIDF_EINVAL;
    const char *close = find(text + 4, end, "\n---", false);
    if (!close)
        return AIDF_EINVAL;

    /* Each line split at its first ':'; both sides trimmed and non-empty; last one wins. */
    struct {
        const char *key;
        const char *b, *e;
    } keys[] = {{"name", NULL, NULL},   {"description", NULL, NULL}, {"version", NULL, NULL},
                {"author", NULL, NULL}, {"tags", NULL, NULL},        {"globs", NULL, NULL}};
    const size_t nkeys = sizeof(keys) / sizeof(keys[0]);
    for (const char *p = text + 4; p <= close;) {
        const char *nl = memchr(p, '\n', (size_t)(close - p));
        const char *le = nl ? nl : close;
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (colon) {
            const char *kb = p, *ke = colon, *vb = colon + 1, *ve = le;
            aidf_js_trim(&kb, &ke);
            aidf_js_trim(&vb, &ve);
            for (size_t i = 0; ke > kb && ve > vb && i < nkeys; i++)
                if (strlen(keys[i].key) == (size_t)(ke - kb) &&
                    memcmp(keys[i].key, kb, (size_t)(ke - kb)) == 0) {
                    keys[i].b = vb;
                    keys[i].e = ve;
                }
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (!keys[0].b || !keys[1].b)
        return AIDF_EINVAL;

    out->name = aidf_xstrndup(keys[0].b, (size_t)(keys[0].e - keys[0].b));
    out->description = aidf_xstrndup(keys[1].b, (size_t)(keys[1].e - keys[1].b));
    if (keys[2].b)
        out->version = aidf_xstrndup(keys[2].b, (size_t)(keys[2].e - keys[2].b));
    if (keys[3].b)
        out->author = aidf_xstrndup(keys[3].b, (size_t)(keys[3].e - keys[3].b));
    if (keys[4].b)
        comma_list(keys[4].b, keys[4].e, &out->tags);
    if (keys[5].b)
        comma_list(keys[5].b, keys[5].e, &out->globs);

    /* Body: /^---\n[\s\S]*?\n---\n([\s\S]*)/ trimmed; without that line the whole text. */
    const char *sep = find(text + 4, end, "\n---\n", false);
    if (sep) {
        const char *bb = sep + 5, *be = end;
        aidf_js_trim(&bb, &be);
        out->body = aidf_xstrndup(bb, (size_t)(be - bb));
    } else {
        out->body = aidf_xstrndup(text, len);
    }
    return AIDF_OK;
}

void aidf_skill_release(struct aidf_skill *s)
{
    if (!s)
        return;
    free(s->name);
    free(s->description);
    free(s->version);
    free(s->author);
    aidf_strlist_release(&s->tags);
    aidf_strlist_release(&s->globs);
    free(s->body);
    free(s->path);
    free(s->source);
    aidf_strlist_release(&s->warnings);
    memset(s, 0, sizeof(*s));
}

void aidf_skills_free(struct aidf_skill *skills, size_t n)
{
    for (size_t i = 0; skills && i < n; i++)
        aidf_skill_release(&skills[i]);
    free(skills);
}

/* ---- discovery ----------------------------------------------------------------------- */

struct skill_vec {
    struct aidf_skill *items;
    size_t n, cap;
};

/* Read, parse and scan one SKILL.md; append it to `v` unless it is skipped. */
static void load_one(const char *file, const char *source, bool block, struct skill_vec *v)
{
    struct aidf_error e;
    char *text = NULL;
    size_t len = 0;
    struct aidf_skill sk;
    memset(&sk, 0, sizeof(sk));

    int rc = aidf_read_file(file, AIDF_CONTEXT_MAX_FILE, &text, &len, &e);
    if (rc == AIDF_ENOTFOUND)
        return;
    if (rc) {
        aidf_warn("skill '%s' skipped: %s", file, e.msg);
        return;
    }
    if (memchr(text, '\0', len)) {
        aidf_warn("skill '%s' skipped: contains NUL bytes", file);
        goto out;
    }
    len = aidf_text_crlf_to_lf(text, len);
    if (aidf_skill_parse(text, len, &sk) != AIDF_OK) {
        aidf_warn("skill '%s' skipped: invalid frontmatter (a '---' block with name and "
                  "description is required)",
                  file);
        goto out;
    }
    sk.path = aidf_xstrdup(file);
    sk.source = aidf_xstrdup(source);

    struct aidf_scan_hit hits[AIDF_SCAN_NPATTERNS];
    size_t nh = aidf_skill_scan(text, len, hits), ndanger = 0;
    char item[160];
    for (size_t i = 0; i < nh; i++) {
        snprintf(item, sizeof(item), "line %d: %s%s", hits[i].line, hits[i].pattern,
                 hits[i].danger ? " (danger)" : "");
        aidf_strlist_add(&sk.warnings, item);
        if (hits[i].danger) {
            ndanger++;
            aidf_warn("skill '%s': danger: %s (line %d)", sk.name, hits[i].description,
                      hits[i].line);
        }
    }
    if (ndanger && block) {
        aidf_warn("skill '%s' blocked (skills.block_suspicious is on): %s", sk.name, file);
        goto out;
    }
    for (size_t i = 0; i < nh; i++)
        if (!hits[i].danger)
            aidf_warn("skill '%s': warning: %s (line %d)", sk.name, hits[i].description,
                      hits[i].line);

    v->items = aidf_xgrow(v->items, &v->cap, v->n + 1, sizeof(*v->items));
    v->items[v->n++] = sk;
    memset(&sk, 0, sizeof(sk));
out:
    aidf_skill_release(&sk);
    free(text);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every <dir>/<entry>/SKILL.md, entries in byte order (as Node's readdir gives them). */
static void scan_dir(const char *dir, const char *source, bool block, struct skill_vec *v)
{
    struct aidf_strlist names = {0, 0, NULL};
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            aidf_strlist_add(&names, de->d_name);
    closedir(d);
    if (names.n)
        qsort(names.items, names.n, sizeof(names.items[0]), cmp_str);

    for (size_t i = 0; i < names.n; i++) {
        char *sub = aidf_path_join(dir, names.items[i]);
        struct stat st;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            char *file = aidf_path_join(sub, "SKILL.md");
            load_one(file, source, block, v);
            free(file);
        }
        free(sub);
    }
    aidf_strlist_release(&names);
}

void aidf_skills_discover(const char *root, const struct aidf_strlist *directories,
                          bool block_suspicious, struct aidf_skill **out, size_t *n)
{
    struct skill_vec v = {NULL, 0, 0};
    if (root) {
        char *dir = aidf_path_join(root, ".ai/skills");
        scan_dir(dir, "project", block_suspicious, &v);
        free(dir);
    }
    const char *home = getenv("HOME");
    if (home && *home) {
        char *dir = aidf_path_join(home, ".aidf/skills");
        scan_dir(dir, "global", block_suspicious, &v);
        free(dir);
    }
    for (size_t i = 0; directories && i < directories->n; i++) {
        const char *d = directories->items[i];
        if (!d || !*d)
            continue;
        /* Relative entries are relative to the project root (upstream: the cwd). */
        char *dir = (d[0] == '/' || !root) ? aidf_xstrdup(d) : aidf_path_join(root, d);
        scan_dir(dir, "config", block_suspicious, &v);
        free(dir);
    }
    *out = v.items;
    *n = v.n;
}

/* ---- the prompt block ---------------------------------------------------------------- */

char *aidf_skills_xml(const struct aidf_skill *skills, size_t n)
{
    if (!n)
        return NULL;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_addstr(&b, "<available_skills>\n");
    for (size_t i = 0; i < n; i++) {
        const struct aidf_skill *s = &skills[i];
        aidf_buf_addstr(&b, "<skill name=\"");
        aidf_buf_add_escaped(&b, s->name, 0);
        aidf_buf_addstr(&b, "\">\n<description>");
        aidf_buf_add_escaped(&b, s->description, 0);
        aidf_buf_addstr(&b, "</description>\n");
        if (s->tags.n) {
            aidf_buf_addstr(&b, "<tags>");
            for (size_t t = 0; t < s->tags.n; t++) {
                if (t)
                    aidf_buf_addstr(&b, ", ");
                aidf_buf_add_escaped(&b, s->tags.items[t], 0);
            }
            aidf_buf_addstr(&b, "</tags>\n");
        }
        aidf_buf_addstr(&b, "<instructions>\n");
        aidf_buf_addstr(&b, s->body ? s->body : "");
        aidf_buf_addstr(&b, "\n</instructions>\n</skill>\n");
    }
    aidf_buf_addstr(&b, "</available_skills>");
    return aidf_buf_detach(&b, NULL);
}
