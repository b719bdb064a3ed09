/*
 * Command policy: blocked patterns, built-in dangerous commands and strict allow lists,
 * decided on the parsed command (aidf/shparse.h), one simple command at a time.
 *
 * The command line is cut into simple commands, including those inside $( ), backticks,
 * subshells and process substitutions; the string of `sh -c`, `eval` and `env -S` is
 * parsed in turn, one level deeper. For each simple command the command word is found by
 * skipping NAME=value assignments, reserved words ({ ! if then do ...) and wrapper
 * commands (env, nice, timeout 5, xargs, ...) with their options. Patterns from the
 * configuration are parsed the same way and compared word by word (see match_entry()).
 *
 * A false refusal costs the agent one retry; a false pass runs as the user. So what the
 * parser does not understand is refused in strict mode, and otherwise checked again on a
 * loose reading (loose_check()) that splits at every shell special byte.
 */
#include "aidf/cmdpolicy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/shparse.h"
#include "aidf/xalloc.h"

/* How much of a command a refusal message quotes. */
#define SHOW_MAX 200

/* ---- words ---------------------------------------------------------------------------- */

static const char *base_name(const char *s)
{
    const char *slash = strrchr(s, '/');
    return slash && slash[1] ? slash + 1 : s;
}

static bool in_list(const char *s, const char *const *names)
{
    for (; *names; names++)
        if (!strcmp(s, *names))
            return true;
    return false;
}

/* Basename of the command word i is one of `names` (false past the end). */
static bool cmd_is(const struct aidf_sh_cmd *c, size_t i, const char *const *names)
{
    return i < c->n && in_list(base_name(c->words[i].text), names);
}

static bool is_option(const char *s)
{
    return s[0] == '-' && s[1] != '\0';
}

/* ---- the command word ----------------------------------------------------------------- */

/* A wrapper runs the command that follows its options (and `positional` operands). */
struct wrapper {
    const char *name;
    const char *short_with_arg;       /* short options that take the next word */
    const char *const *long_with_arg; /* long options (no "--") that take the next word */
    int positional;                   /* operands before the command (timeout's duration) */
    bool privileged;                  /* runs as another user: a wrapper only for `blocked` */
};

static const char *const env_long[] = {"unset", "chdir", "split-string", NULL};
static const char *const nice_long[] = {"adjustment", NULL};
static const char *const timeout_long[] = {"signal", "kill-after", NULL};
static const char *const xargs_long[] = {"arg-file",         "delimiter", "eof",       "replace",
                                         "max-lines",        "max-args",  "max-procs", "max-chars",
                                         "process-slot-var", NULL};
static const char *const stdbuf_long[] = {"input", "output", "error", NULL};
static const char *const sudo_long[] = {"user", "group",      "close-from",      "chdir",
                                        "host", "prompt",     "chroot",          "role",
                                        "type", "other-user", "command-timeout", NULL};
static const char *const no_long[] = {NULL};

static const struct wrapper wrappers[] = {
    {"env", "uCS", env_long, 0, false},
    {"command", "", no_long, 0, false},
    {"builtin", "", no_long, 0, false},
    {"exec", "a", no_long, 0, false},
    {"nice", "n", nice_long, 0, false},
    {"ionice", "cnp", no_long, 0, false},
    {"nohup", "", no_long, 0, false},
    {"setsid", "", no_long, 0, false},
    {"time", "", no_long, 0, false},
    {"timeout", "sk", timeout_long, 1, false},
    {"xargs", "adEILnPs", xargs_long, 0, false},
    {"stdbuf", "ioe", stdbuf_long, 0, false},
    {"busybox", "", no_long, 0, false},
    {"sudo", "ugCDhpRrTU", sudo_long, 0, true},
    {"doas", "uC", no_long, 0, true},
};

static const struct wrapper *find_wrapper(const char *word, bool through_privileged)
{
    const char *b = base_name(word);
    for (size_t k = 0; k < sizeof(wrappers) / sizeof(wrappers[0]); k++)
        if (!strcmp(b, wrappers[k].name) && (through_privileged || !wrappers[k].privileged))
            return &wrappers[k];
    return NULL;
}

/* Unquoted reserved words that may stand before a command: `if sudo x`, `! rm`, `{ id; }`. */
static bool is_reserved(const struct aidf_sh_word *w)
{
    static const char *const reserved[] = {"{",     "}",     "!",    "if",     "then",
                                           "else",  "elif",  "fi",   "do",     "done",
                                           "while", "until", "time", "coproc", NULL};
    return !(w->flags & AIDF_SHW_QUOTED) && in_list(w->text, reserved);
}

/*
 * Index of word i's wrapper options' end: the first word after the options of wrapper
 * `wr` that starts at word i, with its positional operands skipped. `*split` gets the
 * index of env's -S string (or stays as it was).
 */
static size_t skip_wrapper(const struct aidf_sh_cmd *c, size_t i, const struct wrapper *wr,
                           size_t *split)
{
    size_t j = i + 1;
    bool is_env = !strcmp(wr->name, "env");
    while (j < c->n) {
        const char *s = c->words[j].text;
        if (!strcmp(s, "--")) {
            j++;
            break;
        }
        if (is_env && (c->words[j].flags & AIDF_SHW_ASSIGN)) {
            j++;
            continue;
        }
        if (!is_option(s))
            break;
        bool takes_next = false;
        if (s[1] == '-') {
            const char *name = s + 2;
            if (!strchr(name, '=') && in_list(name, wr->long_with_arg))
                takes_next = true;
            if (is_env && !strncmp(name, "split-string", 12))
                *split = name[12] == '=' ? j : j + 1;
        } else {
            for (const char *p = s + 1; *p; p++) {
                if (strchr(wr->short_with_arg, *p)) {
                    if (is_env && *p == 'S')
                        *split = p[1] ? j : j + 1;
                    takes_next = p[1] == '\0';
                    break;
                }
            }
        }
        j += takes_next ? 2 : 1;
    }
    for (int k = 0; k < wr->positional && j < c->n; k++)
        j++;
    return j;
}

/*
 * The command word of `c`: past assignments, reserved words and wrappers (and sudo/doas
 * with `through_privileged`). c->n when there is none (only assignments, a loop header).
 * `*split` (may be NULL) gets the index of env -S's string, or c->n.
 */
static size_t command_index(const struct aidf_sh_cmd *c, bool through_privileged, size_t *split)
{
    static const char *const headers[] = {"for", "select", "case", NULL};
    size_t sp = c->n, i = 0;
    while (i < c->n) {
        const struct aidf_sh_word *w = &c->words[i];
        if ((w->flags & AIDF_SHW_ASSIGN) || is_reserved(w)) {
            i++;
            continue;
        }
        if (!(w->flags & AIDF_SHW_QUOTED) && in_list(w->text, headers)) {
            i = c->n;
            break;
        }
        if (!(w->flags & AIDF_SHW_QUOTED) && !strcmp(w->text, "function")) {
            i += 2; /* function NAME { ...: the body's first command follows */
            continue;
        }
        const struct wrapper *wr = find_wrapper(w->text, through_privileged);
        if (!wr)
            break;
        i = skip_wrapper(c, i, wr, &sp);
    }
    if (split)
        *split = sp < c->n ? sp : c->n;
    return i;
}

/* ---- matching configured patterns ----------------------------------------------------- */

/* Does word `w` (before "--") carry short option letter `l`, or for rm its long form? */
static bool word_has_flag(const char *w, char l, bool rm)
{
    if (w[0] != '-' || w[1] == '\0')
        return false;
    if (w[1] == '-') {
        if (!rm)
            return false;
        return ((l == 'r' || l == 'R') && !strcmp(w, "--recursive")) ||
               (l == 'f' && !strcmp(w, "--force"));
    }
    for (const char *p = w + 1; *p; p++)
        if (*p == l || (rm && (l == 'r' || l == 'R') && (*p == 'r' || *p == 'R')))
            return true;
    return false;
}

/* Is option `opt` (a word of a pattern) present among the options of c after word `from`? */
static bool has_option(const struct aidf_sh_cmd *c, size_t from, const char *opt, bool rm)
{
    for (size_t j = from + 1; j < c->n; j++) {
        const char *w = c->words[j].text;
        if (!strcmp(w, "--"))
            break;
        if (opt[1] == '-') {
            size_t n = strlen(opt);
            if (!strcmp(w, opt) || (!strchr(opt, '=') && !strncmp(w, opt, n) && w[n] == '='))
                return true;
            if (rm && !strcmp(opt, "--recursive") && word_has_flag(w, 'r', true))
                return true;
            if (rm && !strcmp(opt, "--force") && word_has_flag(w, 'f', true))
                return true;
        } else {
            bool all = true;
            for (const char *p = opt + 1; *p && all; p++) {
                bool found = false;
                for (size_t k = from + 1; k < c->n && !found; k++) {
                    if (!strcmp(c->words[k].text, "--"))
                        break;
                    found = word_has_flag(c->words[k].text, *p, rm);
                }
                all = found;
            }
            return all;
        }
    }
    return false;
}

/* The operands of c after word `from`: words that are not options, and all after "--". */
static size_t operands(const struct aidf_sh_cmd *c, size_t from, const char **out, size_t max)
{
    size_t n = 0;
    bool opts = true;
    for (size_t j = from + 1; j < c->n && n < max; j++) {
        const char *w = c->words[j].text;
        if (opts && !strcmp(w, "--")) {
            opts = false;
            continue;
        }
        if (opts && is_option(w))
            continue;
        out[n++] = w;
    }
    return n;
}

/* Most operands a pattern may name; the rest of a longer pattern is ignored. */
#define PATTERN_MAX_OPERANDS 32

/*
 * Does pattern command `p` (its command word at pi) match command `c` at word ci?
 * The command words must be equal (by basename when `by_basename`), every option of the
 * pattern must be present in the command (short options in any grouping and order; for rm
 * -r/-R/--recursive and -f/--force are the same), and the pattern's operands must appear
 * in the command's operands: in order anywhere (`prefix` false) or as its first operands.
 */
static bool match_at(const struct aidf_sh_cmd *p, size_t pi, const struct aidf_sh_cmd *c, size_t ci,
                     bool by_basename, bool prefix)
{
    if (pi >= p->n || ci >= c->n)
        return false;
    const char *pw = p->words[pi].text, *cw = c->words[ci].text;
    if (by_basename ? strcmp(base_name(pw), base_name(cw)) : strcmp(pw, cw))
        return false;
    bool rm = !strcmp(base_name(cw), "rm");
    bool opts = true;
    for (size_t j = pi + 1; j < p->n; j++) {
        const char *w = p->words[j].text;
        if (!strcmp(w, "--")) {
            opts = false;
            continue;
        }
        if (opts && is_option(w) && !has_option(c, ci, w, rm))
            return false;
    }
    const char *pops[PATTERN_MAX_OPERANDS];
    size_t np = operands(p, pi, pops, PATTERN_MAX_OPERANDS);
    /* One pass over the command's operands finds a subsequence or a prefix. */
    size_t k = 0;
    bool opt_phase = true;
    for (size_t j = ci + 1; j < c->n && k < np; j++) {
        const char *w = c->words[j].text;
        if (opt_phase && !strcmp(w, "--")) {
            opt_phase = false;
            continue;
        }
        if (opt_phase && is_option(w))
            continue;
        if (!strcmp(w, pops[k]))
            k++;
        else if (prefix)
            return false;
    }
    return k == np;
}

/* A configured pattern, parsed. */
struct pattern {
    const char *text;
    struct aidf_sh_parse parse;
};

/* Parse `text` into `pt`; what the parser cannot read is read loosely (loose_text()). */
static char *loose_text(const char *s, size_t n);

static void pattern_init(struct pattern *pt, const char *text)
{
    pt->text = text;
    aidf_sh_parse_init(&pt->parse);
    if (!aidf_sh_parse_append(&pt->parse, text, strlen(text), 0)) {
        aidf_sh_parse_release(&pt->parse);
        char *l = loose_text(text, strlen(text));
        (void)aidf_sh_parse_append(&pt->parse, l, strlen(l), 0);
        free(l);
    }
}

/* Index of the first word of pattern command `p` that is not an assignment. */
static size_t pattern_start(const struct aidf_sh_cmd *p)
{
    size_t i = 0;
    while (i < p->n && (p->words[i].flags & AIDF_SHW_ASSIGN))
        i++;
    return i;
}

/* Does blocked pattern command `p` match `c` at any command word position? */
static bool blocked_match(const struct aidf_sh_cmd *p, const struct aidf_sh_cmd *c)
{
    size_t pi = pattern_start(p);
    if (pi >= p->n)
        return false;
    size_t last = command_index(c, true, NULL);
    for (size_t ci = 0; ci <= last && ci < c->n; ci++)
        if (!(c->words[ci].flags & AIDF_SHW_ASSIGN) && match_at(p, pi, c, ci, true, false))
            return true;
    return false;
}

/* Does allowed pattern command `p` match `c` (at its command word, exact name, prefix)? */
static bool allowed_match(const struct aidf_sh_cmd *p, const struct aidf_sh_cmd *c)
{
    size_t pi = pattern_start(p);
    return pi < p->n && match_at(p, pi, c, command_index(c, false, NULL), false, true);
}

/* ---- the checked command -------------------------------------------------------------- */

/* What the checker learned about one simple command. */
struct info {
    size_t cmd;          /* its word index of the command word (c->n: none) */
    bool transparent;    /* sh -c / eval / env -S whose string was parsed as commands */
    const char *unknown; /* why its command cannot be known before it runs, or NULL */
};

struct checked {
    struct aidf_sh_parse parse;
    struct info *info;
    size_t ninfo, cap;
    bool loose; /* the parse is of loose_text(): quoting and operators are lost */
};

static const char *const shells[] = {"sh",  "bash", "dash", "zsh",     "ksh", "mksh",
                                     "ash", "fish", "yash", "busybox", NULL};

/*
 * Is the command name `w` only known when the shell runs it: an expansion or substitution,
 * a glob (`/bin/su?o`) or a brace expansion (`{sudo,id}`)?
 */
static bool computed_name(const struct aidf_sh_word *w)
{
    const char *t = w->text;
    if (w->flags & AIDF_SHW_EXPANDED)
        return true;
    if (strpbrk(t, "*?") || (strchr(t, '[') && strchr(t, ']')))
        return true;
    return strchr(t, '{') && strchr(t, '}') && (strchr(t, ',') || strstr(t, ".."));
}

/* Index of the command string of `sh -c STRING` at word ci, or c->n. */
static size_t shell_c_string(const struct aidf_sh_cmd *c, size_t ci)
{
    bool has_c = false;
    size_t j = ci + 1;
    for (; j < c->n; j++) {
        const char *w = c->words[j].text;
        if (!strcmp(w, "--")) {
            j++;
            break;
        }
        if ((w[0] != '-' && w[0] != '+') || w[1] == '\0')
            break;
        if (!strcmp(w + 1, "o") || !strcmp(w + 1, "O") || !strcmp(w, "--rcfile") ||
            !strcmp(w, "--init-file")) {
            j++;
            continue;
        }
        if (w[0] == '-' && w[1] != '-' && strchr(w + 1, 'c'))
            has_c = true;
    }
    return has_c && j < c->n ? j : c->n;
}

/* Parse `text` as commands nested in command i (a failure is left in k->parse.error). */
static void parse_nested(struct checked *k, size_t i, const char *text)
{
    char *t = aidf_xstrdup(text);
    unsigned depth = k->parse.cmds[i].depth + 1;
    (void)aidf_sh_parse_append(&k->parse, t, strlen(t), depth);
    free(t);
}

/*
 * Fill the info of every command, parsing the strings of sh -c, eval and env -S as
 * commands (appended to the parse, so the loop also visits them). Bounded: the parse
 * holds at most AIDF_SH_MAX_CMDS commands and nests at most AIDF_SH_MAX_DEPTH deep.
 */
static void analyse(struct checked *k)
{
    static const char *const ev[] = {"eval", NULL};
    for (size_t i = 0; i < k->parse.n; i++) {
        k->info = aidf_xgrow(k->info, &k->cap, i + 1, sizeof(*k->info));
        k->ninfo = i + 1;
        struct info *in = &k->info[i];
        memset(in, 0, sizeof(*in));
        const struct aidf_sh_cmd *c = &k->parse.cmds[i];
        size_t split = c->n;
        size_t ci = command_index(c, false, &split);
        in->cmd = ci;
        if (k->loose)
            continue;
        if (split < c->n) {
            if (c->words[split].flags & AIDF_SHW_EXPANDED) {
                in->unknown = "env -S runs a string computed at run time";
            } else {
                in->transparent = ci >= c->n;
                parse_nested(k, i, c->words[split].text);
                c = &k->parse.cmds[i];
            }
        }
        if (ci >= c->n)
            continue;
        if (computed_name(&c->words[ci])) {
            in->unknown = "the command name is computed at run time";
        } else if (cmd_is(c, ci, shells)) {
            size_t s = shell_c_string(c, ci);
            if (s < c->n && (c->words[s].flags & AIDF_SHW_EXPANDED)) {
                in->unknown = "a shell runs a command string computed at run time";
            } else if (s < c->n) {
                in->transparent = true;
                parse_nested(k, i, c->words[s].text);
            }
        } else if (cmd_is(c, ci, ev)) {
            struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
            for (size_t j = ci + 1; j < c->n && !in->unknown; j++) {
                if (c->words[j].flags & AIDF_SHW_EXPANDED)
                    in->unknown = "eval runs a string computed at run time";
                aidf_buf_addf(&b, "%s%s", j > ci + 1 ? " " : "", c->words[j].text);
            }
            if (!in->unknown) {
                in->transparent = true;
                parse_nested(k, i, b.ptr);
            }
            aidf_buf_release(&b);
        }
    }
}

/*
 * The loose reading of a command line the parser could not read: backslashes dropped, and
 * every quote, operator, bracket and comment byte made a newline, so each piece between
 * them is read as a simple command of its own (like `bash -c "sudo x"` giving "sudo x").
 */
static char *loose_text(const char *s, size_t n)
{
    char *out = aidf_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '\\')
            continue;
        out[o++] = strchr(";&|()`{}<>'\"#\n$", ch) ? '\n' : ch;
    }
    out[o] = '\0';
    return out;
}

/* ---- messages ------------------------------------------------------------------------- */

/* `s` for a message: control bytes as '?', cut at SHOW_MAX bytes. */
static void add_shown(struct aidf_buf *b, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n && i < SHOW_MAX; i++) {
        unsigned char ch = (unsigned char)s[i];
        aidf_buf_addch(b, (char)(ch < 0x20 || ch == 0x7f ? '?' : ch));
    }
    if (n > SHOW_MAX)
        aidf_buf_addstr(b, "...");
}

/* The words of `c` joined by spaces, as parsed. */
static char *cmd_text(const struct aidf_sh_cmd *c)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    for (size_t i = 0; i < c->n && b.len <= SHOW_MAX; i++)
        aidf_buf_addf(&b, "%s%s", i ? " " : "", c->words[i].text);
    return aidf_buf_detach(&b, NULL);
}

/* `"<simple>"`, plus ` in "<whole>"` when the whole command line is more than it. */
static void add_where(struct aidf_buf *b, const struct aidf_sh_cmd *c, const char *whole)
{
    char *t = cmd_text(c);
    aidf_buf_addch(b, '"');
    add_shown(b, t);
    aidf_buf_addch(b, '"');
    if (strcmp(t, whole) != 0) {
        aidf_buf_addstr(b, " in \"");
        add_shown(b, whole);
        aidf_buf_addch(b, '"');
    }
    free(t);
}

/* ---- the built-in dangerous commands -------------------------------------------------- */

/* "/", "//", "/.", "/..", "~", "~/", "${HOME}", each also with "/" and "*" after it. */
static bool is_root_target(const char *t)
{
    static const char *const homes[] = {"~", "$HOME", "${HOME}", NULL};
    const char *rest = NULL;
    if (t[0] == '/') {
        rest = t;
    } else {
        for (size_t k = 0; homes[k] && !rest; k++) {
            size_t n = strlen(homes[k]);
            if (!strncmp(t, homes[k], n) && (t[n] == '\0' || t[n] == '/'))
                rest = t + n;
        }
    }
    if (!rest)
        return false;
    while (*rest == '/')
        rest++;
    size_t n = strcspn(rest, "/");
    if (!(n == 0 || (n == 1 && (rest[0] == '*' || rest[0] == '.')) ||
          (n == 2 && !strncmp(rest, "..", 2))))
        return false;
    for (rest += n; *rest == '/'; rest++)
        ;
    return *rest == '\0';
}

static bool rm_dangerous(const struct aidf_sh_cmd *c, size_t ci)
{
    bool recursive = false, root = false, opts = true;
    for (size_t j = ci + 1; j < c->n; j++) {
        const char *w = c->words[j].text;
        if (opts && !strcmp(w, "--")) {
            opts = false;
            continue;
        }
        if (opts && !strcmp(w, "--no-preserve-root"))
            return true;
        if (opts && is_option(w) && word_has_flag(w, 'r', true))
            recursive = true;
        else if (is_root_target(w))
            root = true;
    }
    return recursive && root;
}

/* A path of a block device: /dev/sd*, hd*, vd*, xvd*, nvme*, mmcblk*. */
static bool is_block_device(const char *p)
{
    static const char *const devs[] = {"sd", "hd", "vd", "xvd", "nvme", "mmcblk", NULL};
    if (strncmp(p, "/dev/", 5) != 0)
        return false;
    for (size_t k = 0; devs[k]; k++)
        if (!strncmp(p + 5, devs[k], strlen(devs[k])))
            return true;
    return false;
}

/*
 * Does the shell at word ci read its commands from standard input that is a pipe, a
 * here-document or a here-string? It does when it has no script operand (or has -s) and
 * no -c string.
 */
static bool reads_stdin_script(const struct aidf_sh_cmd *c, size_t ci)
{
    bool stdin_text = c->piped;
    for (size_t j = 0; j < c->nredir; j++)
        stdin_text = stdin_text || (c->redirs[j].flags & AIDF_SHW_HEREDOC);
    if (!stdin_text)
        return false;
    for (size_t j = ci + 1; j < c->n; j++) {
        const char *w = c->words[j].text;
        if (!strcmp(w, "--"))
            return j + 1 >= c->n;
        if ((w[0] == '-' || w[0] == '+') && w[1] != '\0') {
            if (w[1] != '-' && strchr(w + 1, 's'))
                return true;
            if (w[1] != '-' && strchr(w + 1, 'c'))
                return false;
            continue;
        }
        return false; /* a script file operand */
    }
    return true;
}

/* Which built-in rule command i breaks (static text), or NULL. `fetch`: a curl/wget is
 * anywhere in the command line. `whole`: the rule is about the command line, not i alone. */
static const char *dangerous_rule(const struct checked *k, size_t i, bool fetch, bool *whole)
{
    static const char *const su[] = {"sudo", "doas", "su", "pkexec", NULL};
    static const char *const rm[] = {"rm", NULL};
    static const char *const chmod[] = {"chmod", NULL};
    static const char *const dd[] = {"dd", NULL};
    static const char *const tee[] = {"tee", NULL};
    static const char *const ev[] = {"eval", NULL};
    static const char *const sourcing[] = {"source", ".", NULL};
    const struct aidf_sh_cmd *c = &k->parse.cmds[i];
    const struct info *in = &k->info[i];
    size_t ci = in->cmd;
    *whole = false;
    for (size_t j = 0; j < c->nredir; j++)
        if ((c->redirs[j].flags & AIDF_SHW_OUTPUT) && is_block_device(c->redirs[j].text))
            return "writes to a block device";
    if (in->unknown)
        return in->unknown;
    /* Privilege is looked for at every wrapper position: `nice sudo x`, `env doas x`. */
    for (size_t j = 0; j < c->n && j <= ci; j++)
        if (cmd_is(c, j, su) && !(c->words[j].flags & AIDF_SHW_ASSIGN))
            return "runs a command as another user (sudo, doas, su, pkexec)";
    if (ci >= c->n)
        return NULL;
    if (k->loose && cmd_is(c, ci, ev))
        return "eval";
    if (cmd_is(c, ci, rm) && rm_dangerous(c, ci))
        return "recursive rm of /, ~ or $HOME, or --no-preserve-root";
    if (cmd_is(c, ci, chmod))
        for (size_t j = ci + 1; j < c->n; j++)
            if (!strcmp(c->words[j].text, "777") || !strcmp(c->words[j].text, "0777"))
                return "chmod 777";
    if (cmd_is(c, ci, dd))
        for (size_t j = ci + 1; j < c->n; j++)
            if (!strncmp(c->words[j].text, "of=", 3) && is_block_device(c->words[j].text + 3))
                return "writes to a block device";
    if (cmd_is(c, ci, tee))
        for (size_t j = ci + 1; j < c->n; j++)
            if (is_block_device(c->words[j].text))
                return "writes to a block device";
    if (fetch && (cmd_is(c, ci, shells) || cmd_is(c, ci, sourcing))) {
        bool procsub = false;
        for (size_t j = ci + 1; j < c->n; j++)
            procsub = procsub || (c->words[j].flags & AIDF_SHW_PROCSUB);
        for (size_t j = 0; j < c->nredir; j++)
            procsub = procsub || (c->redirs[j].flags & AIDF_SHW_PROCSUB);
        if (c->piped || procsub || k->loose) {
            *whole = true;
            return "a download (curl, wget) is run by a shell";
        }
    }
    if (!k->loose && !in->transparent && cmd_is(c, ci, shells) && reads_stdin_script(c, ci))
        return "a shell runs commands from its standard input (a pipe, a here-document or a "
               "here-string), which cannot be checked";
    return NULL;
}

static bool any_fetch(const struct checked *k)
{
    static const char *const fetch[] = {"curl", "wget", NULL};
    for (size_t i = 0; i < k->parse.n; i++) {
        const struct aidf_sh_cmd *c = &k->parse.cmds[i];
        for (size_t j = 0; j < c->n && j <= k->info[i].cmd; j++)
            if (cmd_is(c, j, fetch))
                return true;
    }
    return false;
}

/* ---- the policy ----------------------------------------------------------------------- */

struct policy {
    struct pattern *allowed, *blocked;
    size_t nallowed, nblocked;
};

static void patterns_init(struct pattern **out, size_t *n, const struct aidf_strlist *l)
{
    *n = 0;
    *out = l && l->n ? aidf_xcalloc(l->n, sizeof(**out)) : NULL;
    for (size_t i = 0; l && i < l->n; i++) {
        const char *e = l->items[i];
        if (strspn(e, " \t\r\n\v\f") == strlen(e))
            continue; /* an empty entry would match everything: ignored */
        pattern_init(&(*out)[(*n)++], e);
    }
}

static void patterns_release(struct pattern *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        aidf_sh_parse_release(&p[i].parse);
    free(p);
}

/* The single-command allowed entry matching command c, or NULL. */
static const struct pattern *allowed_for(const struct policy *pol, const struct aidf_sh_cmd *c)
{
    for (size_t i = 0; i < pol->nallowed; i++) {
        const struct pattern *pt = &pol->allowed[i];
        if (pt->parse.n == 1 && allowed_match(&pt->parse.cmds[0], c))
            return pt;
    }
    return NULL;
}

/* Does a multi-command allowed entry match the whole command line, command by command? */
static bool allowed_whole(const struct policy *pol, const struct checked *k)
{
    for (size_t i = 0; i < pol->nallowed; i++) {
        const struct aidf_sh_parse *pp = &pol->allowed[i].parse;
        if (pp->n < 2 || pp->n != k->parse.n)
            continue;
        bool all = true;
        for (size_t j = 0; j < pp->n && all; j++)
            all = pp->cmds[j].piped == k->parse.cmds[j].piped &&
                  allowed_match(&pp->cmds[j], &k->parse.cmds[j]);
        if (all)
            return true;
    }
    return false;
}

/* Rule 1: a blocked pattern; writes the refusal to `why`. */
static bool check_blocked(const struct policy *pol, const struct checked *k, const char *whole,
                          struct aidf_buf *why)
{
    for (size_t b = 0; b < pol->nblocked; b++) {
        const struct aidf_sh_parse *pp = &pol->blocked[b].parse;
        /* every command of the pattern must match some command of the line */
        size_t first = k->parse.n;
        bool all = pp->n > 0;
        for (size_t j = 0; j < pp->n && all; j++) {
            bool found = false;
            for (size_t i = 0; i < k->parse.n && !found; i++) {
                if (blocked_match(&pp->cmds[j], &k->parse.cmds[i])) {
                    found = true;
                    if (first == k->parse.n)
                        first = i;
                }
            }
            all = found;
        }
        if (all) {
            aidf_buf_addstr(why, "Command blocked by policy: ");
            add_where(why, &k->parse.cmds[first], whole);
            aidf_buf_addstr(why, " matches blocked pattern \"");
            add_shown(why, pol->blocked[b].text);
            aidf_buf_addch(why, '"');
            return true;
        }
    }
    return false;
}

/* Rule 2: a built-in dangerous command not allowed by an entry. */
static bool check_dangerous(const struct policy *pol, const struct checked *k, const char *whole,
                            bool whole_allowed, struct aidf_buf *why)
{
    bool fetch = any_fetch(k);
    for (size_t i = 0; i < k->parse.n; i++) {
        bool is_whole = false;
        const char *rule = dangerous_rule(k, i, fetch, &is_whole);
        if (!rule || whole_allowed || (!is_whole && allowed_for(pol, &k->parse.cmds[i])))
            continue;
        if (why) {
            aidf_buf_addstr(why, "Command blocked by default security policy: ");
            add_where(why, &k->parse.cmds[i], whole);
            aidf_buf_addf(why, " matches a dangerous pattern (%s)", rule);
        }
        return true;
    }
    return false;
}

/* Rule 3: strict mode: every command with a command word matches an allowed entry. */
static bool check_strict(const struct policy *pol, const struct checked *k, const char *whole,
                         bool whole_allowed, struct aidf_buf *why)
{
    if (pol->nallowed == 0) {
        aidf_buf_addstr(
            why, "Command blocked: strict mode is enabled but no commands are in the allowed list");
        return true;
    }
    if (k->parse.error) {
        aidf_buf_addstr(why, "Command blocked: \"");
        add_shown(why, whole);
        aidf_buf_addf(why,
                      "\" cannot be checked (%s), and strict mode refuses what it cannot check",
                      k->parse.error);
        return true;
    }
    if (whole_allowed)
        return false;
    for (size_t i = 0; i < k->parse.n; i++) {
        const struct info *in = &k->info[i];
        const struct aidf_sh_cmd *c = &k->parse.cmds[i];
        if (in->transparent || (in->cmd >= c->n && !in->unknown))
            continue;
        if (!in->unknown && allowed_for(pol, c))
            continue;
        aidf_buf_addstr(why, "Command blocked: ");
        add_where(why, c, whole);
        aidf_buf_addstr(why, " is not in the allowed list (strict mode)");
        return true;
    }
    return false;
}

/* Parse `cmd` into `k` and analyse it; a parse error is kept in k->parse.error with the
 * commands found before it. */
static void checked_init(struct checked *k, const char *cmd, size_t n)
{
    memset(k, 0, sizeof(*k));
    aidf_sh_parse_init(&k->parse);
    (void)aidf_sh_parse_append(&k->parse, cmd, n, 0);
    analyse(k);
}

static void checked_release(struct checked *k)
{
    aidf_sh_parse_release(&k->parse);
    free(k->info);
    memset(k, 0, sizeof(*k));
}

/*
 * The loose reading of `cmd` (see loose_text()), line by line: each line is parsed and
 * checked against the blocked and dangerous rules. Returns the verdict (BLOCKED,
 * DANGEROUS, or ALLOW) with the reason in `why`; a line over the parser's limits is
 * refused as DANGEROUS ("too complex to check").
 */
static enum aidf_cmd_verdict loose_check(const struct policy *pol, const char *cmd,
                                         const char *whole, struct aidf_buf *why)
{
    char *t = loose_text(cmd, strlen(cmd));
    enum aidf_cmd_verdict v = AIDF_CMD_ALLOW;
    bool fetch = false, shell_seen = false;
    char *line = t;
    while (line && v == AIDF_CMD_ALLOW) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        struct checked k;
        memset(&k, 0, sizeof(k));
        k.loose = true;
        aidf_sh_parse_init(&k.parse);
        if (!aidf_sh_parse_append(&k.parse, line, n, 0)) {
            aidf_buf_addstr(why, "Command blocked: \"");
            add_shown(why, whole);
            aidf_buf_addf(why, "\" is too long or too complex to check (%s)", k.parse.error);
            v = AIDF_CMD_DANGEROUS;
        } else {
            analyse(&k);
            if (check_blocked(pol, &k, whole, why))
                v = AIDF_CMD_BLOCKED;
            else if (check_dangerous(pol, &k, whole, false, why))
                v = AIDF_CMD_DANGEROUS;
            fetch = fetch || any_fetch(&k);
            for (size_t i = 0; i < k.parse.n; i++)
                shell_seen = shell_seen || cmd_is(&k.parse.cmds[i], k.info[i].cmd, shells);
        }
        checked_release(&k);
        line = nl ? nl + 1 : NULL;
    }
    if (v == AIDF_CMD_ALLOW && fetch && shell_seen && strchr(cmd, '|')) {
        aidf_buf_addstr(why, "Command blocked by default security policy: \"");
        add_shown(why, whole);
        aidf_buf_addstr(why, "\" matches a dangerous pattern (a download (curl, wget) is run by "
                             "a shell)");
        v = AIDF_CMD_DANGEROUS;
    }
    free(t);
    return v;
}

/* Trimmed copy of `command` (NULL is ""). */
static char *trimmed(const char *command)
{
    const char *b = command ? command : "";
    while (isspace((unsigned char)*b))
        b++;
    size_t n = strlen(b);
    while (n > 0 && isspace((unsigned char)b[n - 1]))
        n--;
    return aidf_xstrndup(b, n);
}

bool aidf_cmdpolicy_is_dangerous(const char *command)
{
    return aidf_cmdpolicy_check(NULL, NULL, false, command, NULL) == AIDF_CMD_DANGEROUS;
}

enum aidf_cmd_verdict aidf_cmdpolicy_check(const struct aidf_strlist *allowed,
                                           const struct aidf_strlist *blocked, bool strict,
                                           const char *command, char **reason)
{
    char *cmd = trimmed(command);
    struct policy pol;
    struct checked k;
    struct aidf_buf why = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    enum aidf_cmd_verdict v = AIDF_CMD_ALLOW;
    patterns_init(&pol.allowed, &pol.nallowed, allowed);
    patterns_init(&pol.blocked, &pol.nblocked, blocked);
    checked_init(&k, cmd, strlen(cmd));
    bool whole_allowed = !k.parse.error && allowed_whole(&pol, &k);

    if (check_blocked(&pol, &k, cmd, &why))
        v = AIDF_CMD_BLOCKED;
    else if (check_dangerous(&pol, &k, cmd, whole_allowed, &why))
        v = AIDF_CMD_DANGEROUS;
    else if (k.parse.error)
        v = loose_check(&pol, cmd, cmd, &why);
    if (v == AIDF_CMD_ALLOW && strict && check_strict(&pol, &k, cmd, whole_allowed, &why))
        v = AIDF_CMD_STRICT;

    checked_release(&k);
    patterns_release(pol.allowed, pol.nallowed);
    patterns_release(pol.blocked, pol.nblocked);
    free(cmd);
    if (reason)
        *reason = v == AIDF_CMD_ALLOW ? NULL : aidf_buf_detach(&why, NULL);
    aidf_buf_release(&why);
    return v;
}
