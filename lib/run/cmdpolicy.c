/*
 * Command policy: blocked substrings, built-in dangerous patterns, strict allow lists.
 *
 * The dangerous checks are deliberately over-eager: the command is cut into pieces at
 * every shell control character *and* at quotes and brackets, so `bash -c "sudo x"` still
 * shows a piece starting with sudo. A false refusal costs the agent one retry; a false
 * pass runs as the user.
 */
#include "aidf/cmdpolicy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/xalloc.h"

#define MAX_WORDS 64

/* Copy s[0..n) folding whitespace runs into one space. */
static char *fold_ws(const char *s, size_t n)
{
    char *out = aidf_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i])) {
            if (o > 0 && out[o - 1] == ' ')
                continue;
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static bool has_control(const char *s)
{
    return strpbrk(s, ";&|`<>\n\r") != NULL || strstr(s, "$(") != NULL;
}

static bool is_allowed(const struct aidf_strlist *allowed, const char *cmd)
{
    size_t n = strlen(cmd);
    for (size_t i = 0; allowed && i < allowed->n; i++) {
        const char *e = allowed->items[i];
        size_t el = strlen(e);
        if (el == 0)
            continue;
        if (!strcmp(cmd, e))
            return true;
        if (n > el && !strncmp(cmd, e, el) && cmd[el] == ' ' && !has_control(cmd + el))
            return true;
    }
    return false;
}

struct words {
    const char *w[MAX_WORDS];
    size_t len[MAX_WORDS];
    size_t n;
};

static bool word_is(const struct words *w, size_t i, const char *s)
{
    return i < w->n && w->len[i] == strlen(s) && !memcmp(w->w[i], s, w->len[i]);
}

/* Index of the command word: skips VAR=value assignments and wrapper commands. */
static size_t command_word(const struct words *w)
{
    static const char *const wrappers[] = {"env",  "nohup",   "command", "exec",   "time",
                                           "nice", "builtin", "xargs",   "then",   "do",
                                           "else", "!",       "stdbuf",  "setsid", "timeout"};
    size_t i = 0;
    while (i < w->n) {
        const char *s = w->w[i];
        size_t n = w->len[i];
        const char *eq = memchr(s, '=', n);
        if (eq && eq > s && (isalpha((unsigned char)s[0]) || s[0] == '_')) {
            i++;
            continue;
        }
        /* wrapper options and their numbers: nice -n 5, env -i, timeout 5 */
        if (n > 0 && i > 0 && (s[0] == '-' || isdigit((unsigned char)s[0]))) {
            i++;
            continue;
        }
        bool wrapped = false;
        for (size_t k = 0; k < sizeof(wrappers) / sizeof(wrappers[0]); k++)
            wrapped = wrapped || word_is(w, i, wrappers[k]);
        if (!wrapped)
            break;
        i++;
    }
    return i;
}

/* Basename of word i equals one of `names`? */
static bool cmd_is(const struct words *w, size_t i, const char *const *names)
{
    if (i >= w->n)
        return false;
    const char *s = w->w[i];
    size_t n = w->len[i];
    for (size_t k = n; k > 0; k--) {
        if (s[k - 1] == '/') {
            n -= k;
            s += k;
            break;
        }
    }
    for (; *names; names++)
        if (strlen(*names) == n && !memcmp(*names, s, n))
            return true;
    return false;
}

static bool rm_dangerous(const struct words *w, size_t c)
{
    static const char *const targets[] = {"/",   "/*",    "/.",     "/..",     "~", "~/",
                                          "~/*", "$HOME", "$HOME/", "$HOME/*", NULL};
    bool recursive = false, root = false;
    for (size_t i = c + 1; i < w->n; i++) {
        const char *s = w->w[i];
        size_t n = w->len[i];
        if (word_is(w, i, "--recursive"))
            recursive = true;
        else if (word_is(w, i, "--no-preserve-root"))
            return true;
        else if (n > 1 && s[0] == '-' && s[1] != '-' &&
                 (memchr(s, 'r', n) != NULL || memchr(s, 'R', n) != NULL))
            recursive = true;
        for (size_t k = 0; targets[k]; k++)
            root = root || word_is(w, i, targets[k]);
    }
    return recursive && root;
}

static bool piece_dangerous(const struct words *w, bool *seen_fetch, bool after_pipe)
{
    static const char *const su[] = {"sudo", "doas", NULL};
    static const char *const rm[] = {"rm", NULL};
    static const char *const chmod[] = {"chmod", NULL};
    static const char *const ev[] = {"eval", NULL};
    static const char *const fetch[] = {"curl", "wget", NULL};
    static const char *const shells[] = {"sh", "bash", "zsh", "dash", "ksh", NULL};
    size_t c = command_word(w);
    if (c >= w->n)
        return false;
    if (cmd_is(w, c, su) || cmd_is(w, c, ev))
        return true;
    if (cmd_is(w, c, rm) && rm_dangerous(w, c))
        return true;
    if (cmd_is(w, c, chmod))
        for (size_t i = c + 1; i < w->n; i++)
            if (word_is(w, i, "777") || word_is(w, i, "0777"))
                return true;
    if (after_pipe && *seen_fetch && cmd_is(w, c, shells))
        return true;
    if (cmd_is(w, c, fetch))
        *seen_fetch = true;
    return false;
}

/* Is there a write to a block device: "> /dev/sdX" or "of=/dev/sdX"? */
static bool block_device_write(const char *s)
{
    static const char *const devs[] = {"sd", "hd", "vd", "xvd", "nvme", "mmcblk", NULL};
    for (const char *p = s; *p; p++) {
        const char *d = NULL;
        if (*p == '>') {
            d = p + 1;
            while (*d == '>' || *d == '|' || isspace((unsigned char)*d))
                d++;
        } else if (!strncmp(p, "of=", 3)) {
            d = p + 3;
        }
        if (!d || strncmp(d, "/dev/", 5) != 0)
            continue;
        for (size_t k = 0; devs[k]; k++)
            if (!strncmp(d + 5, devs[k], strlen(devs[k])))
                return true;
    }
    return false;
}

bool aidf_cmdpolicy_is_dangerous(const char *command)
{
    const char *s = command;
    if (strchr(s, '`') || strstr(s, "$(") || strstr(s, "<(") || strstr(s, ">("))
        return true;
    if (block_device_write(s))
        return true;
    /* Walk the pieces between separators, remembering whether a single '|' led in. */
    bool seen_fetch = false, after_pipe = false;
    const char *p = s;
    while (*p) {
        struct words w = {.n = 0};
        while (*p && !strchr(";&|\n\r(){}'\"", *p)) {
            while (*p && isspace((unsigned char)*p) && !strchr("\n\r", *p))
                p++;
            const char *b = p;
            while (*p && !isspace((unsigned char)*p) && !strchr(";&|(){}'\"", *p))
                p++;
            if (p > b && w.n < MAX_WORDS) {
                w.w[w.n] = b;
                w.len[w.n++] = (size_t)(p - b);
            }
        }
        if (piece_dangerous(&w, &seen_fetch, after_pipe))
            return true;
        if (!*p)
            break;
        after_pipe = p[0] == '|' && p[1] != '|' && (p == s || p[-1] != '|');
        p++;
    }
    return false;
}

enum aidf_cmd_verdict aidf_cmdpolicy_check(const struct aidf_strlist *allowed,
                                           const struct aidf_strlist *blocked, bool strict,
                                           const char *command, char **reason)
{
    const char *b = command ? command : "";
    while (isspace((unsigned char)*b))
        b++;
    size_t n = strlen(b);
    while (n > 0 && isspace((unsigned char)b[n - 1]))
        n--;
    char *cmd = aidf_xstrndup(b, n);
    char *folded = fold_ws(cmd, n);
    struct aidf_buf why = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    enum aidf_cmd_verdict v = AIDF_CMD_ALLOW;

    for (size_t i = 0; blocked && i < blocked->n && v == AIDF_CMD_ALLOW; i++) {
        const char *e = blocked->items[i];
        char *fe = fold_ws(e, strlen(e));
        /* An empty (or blank) entry would block everything; it is ignored. */
        if (fe[0] && strcmp(fe, " ") != 0 && strstr(folded, fe)) {
            v = AIDF_CMD_BLOCKED;
            (void)aidf_buf_addf(
                &why, "Command blocked by policy: \"%s\" matches blocked pattern \"%s\"", cmd, e);
        }
        free(fe);
    }
    if (v == AIDF_CMD_ALLOW && aidf_cmdpolicy_is_dangerous(cmd) && !is_allowed(allowed, cmd)) {
        v = AIDF_CMD_DANGEROUS;
        (void)aidf_buf_addf(
            &why, "Command blocked by default security policy: \"%s\" matches a dangerous pattern",
            cmd);
    }
    if (v == AIDF_CMD_ALLOW && strict) {
        if (!allowed || allowed->n == 0) {
            v = AIDF_CMD_STRICT;
            (void)aidf_buf_addstr(
                &why,
                "Command blocked: strict mode is enabled but no commands are in the allowed list");
        } else if (!is_allowed(allowed, cmd)) {
            v = AIDF_CMD_STRICT;
            (void)aidf_buf_addf(
                &why, "Command blocked: \"%s\" is not in the allowed list (strict mode)", cmd);
        }
    }
    free(cmd);
    free(folded);
    if (reason)
        *reason = v == AIDF_CMD_ALLOW ? NULL : aidf_buf_detach(&why, NULL);
    aidf_buf_release(&why);
    return v;
}
