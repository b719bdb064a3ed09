/*
 * The table-driven option parser and the --help it generates. See optparse.h.
 */
#include "optparse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/textutil.h"

/* Help texts start at least at this column, and at most at this one. */
#define HELP_COL_MIN 24
#define HELP_COL_MAX 30
/* Names longer than this get no suggestion (and the distance table stays small). */
#define SUGGEST_MAX_LEN 64

static const struct optp_opt help_opt = {
    .name = "help", .short_name = 'h', .kind = OPTP_FLAG, .help = "show this help"};

int optp_vusage_error(FILE *f, const char *cmd, const char *fmt, va_list ap)
{
    /* The message quotes the user's arguments: one line, control characters visible. */
    struct aidf_buf msg = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT), vis = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    aidf_buf_vaddf(&msg, fmt, ap);
    aidf_buf_add_visible(&vis, msg.ptr, msg.len, 0);
    fprintf(f, "aidf: %s\n", vis.ptr);
    aidf_buf_release(&msg);
    aidf_buf_release(&vis);
    if (cmd && *cmd)
        fprintf(f, "Try 'aidf %s --help'.\n", cmd);
    else
        fputs("Try 'aidf --help'.\n", f);
    return 2;
}

int optp_usage_error(FILE *f, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    optp_vusage_error(f, cmd, fmt, ap);
    va_end(ap);
    return 2;
}

/* Report a usage error for the command being parsed; returns OPTP_STOP. */
static int fail(struct optp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct optp *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    optp_vusage_error(p->err, p->cmd->name, fmt, ap);
    va_end(ap);
    p->status = 2;
    return OPTP_STOP;
}

void optp_init(struct optp *p, const struct optp_cmd *cmd, int argc, char **argv)
{
    memset(p, 0, sizeof(*p));
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    p->ind = 1;
    p->args = argv + 1;
    p->out = stdout;
    p->err = stderr;
}

const struct optp_opt *optp_find(const struct optp_cmd *cmd, const char *name)
{
    for (const struct optp_opt *o = cmd->opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static const struct optp_opt *find_short(const struct optp_cmd *cmd, char c)
{
    for (const struct optp_opt *o = cmd->opts; o && o->name; o++)
        if (o->short_name == c)
            return o;
    return NULL;
}

size_t optp_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
        return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    /* Three rows of the optimal-string-alignment table: i-2, i-1 and i. */
    size_t rows[3][SUGGEST_MAX_LEN + 1];
    size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (prev[j - 1] + cost < d)
                d = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb] > limit ? limit + 1 : prev[lb];
}

const char *optp_suggest(const char *typed, const char *const *names, size_t n)
{
    size_t tl = strlen(typed);
    if (tl == 0 || tl > SUGGEST_MAX_LEN)
        return NULL;
    size_t limit = tl / 3;
    if (limit < 1)
        limit = 1;
    if (limit > 3)
        limit = 3;
    const char *best = NULL;
    size_t best_d = limit + 2;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        /* A prefix ranks above every edit. */
        size_t d =
            strncmp(names[i], typed, tl) == 0 ? 0 : optp_distance(typed, names[i], limit) + 1;
        if (d < best_d) {
            best = names[i];
            best_d = d;
        }
    }
    return best_d <= limit + 1 ? best : NULL;
}

/* The closest visible long option of the command to `typed` (without "--"), or NULL. */
static const char *suggest_option(const struct optp_cmd *cmd, const char *typed)
{
    const char *names[128];
    size_t n = 0;
    for (const struct optp_opt *o = cmd->opts; o && o->name && n + 1 < 128; o++)
        if (!(o->flags & OPTP_HIDDEN))
            names[n++] = o->name;
    names[n++] = help_opt.name;
    return optp_suggest(typed, names, n);
}

/* Check the value of an option and return its id, or report a usage error. */
static int accept(struct optp *p, const struct optp_opt *o, const char *value)
{
    p->opt = o;
    p->arg = value;
    p->num = 0;
    if (o == &help_opt) {
        optp_print_help(p->cmd, p->out);
        p->status = 0;
        return OPTP_STOP;
    }
    if (o->kind == OPTP_INT) {
        char *end;
        errno = 0;
        long long v = isdigit((unsigned char)value[0]) ? strtoll(value, &end, 10) : -1;
        if (v < 0 || errno || *end != '\0' || v < o->min || v > o->max) {
            if (o->expect)
                return fail(p, "invalid --%s '%s' (expected %s)", o->name, value, o->expect);
            return fail(p, "invalid --%s '%s' (expected %lld..%lld)", o->name, value,
                        (long long)o->min, (long long)o->max);
        }
        p->num = v;
    }
    return o->id;
}

static int long_option(struct optp *p, const char *text)
{
    const char *eq = strchr(text, '=');
    size_t len = eq ? (size_t)(eq - text) : strlen(text);
    const struct optp_opt *o = NULL;
    for (const struct optp_opt *c = p->cmd->opts; c && c->name; c++)
        if (strlen(c->name) == len && strncmp(c->name, text, len) == 0)
            o = c;
    if (!o && len == 4 && strncmp(text, "help", 4) == 0)
        o = &help_opt;
    if (!o) {
        char name[SUGGEST_MAX_LEN + 1];
        const char *hint = NULL;
        if (len <= SUGGEST_MAX_LEN) {
            memcpy(name, text, len);
            name[len] = '\0';
            hint = suggest_option(p->cmd, name);
        }
        if (hint)
            return fail(p, "unknown option '--%.*s'; did you mean '--%s'?", (int)len, text, hint);
        return fail(p, "unknown option '--%.*s'", (int)len, text);
    }
    if (o->kind == OPTP_FLAG) {
        if (eq)
            return fail(p, "option '--%s' does not take an argument", o->name);
        return accept(p, o, NULL);
    }
    if (eq)
        return accept(p, o, eq + 1);
    if (p->ind >= p->argc)
        return fail(p, "option '--%s' requires an argument", o->name);
    return accept(p, o, p->argv[p->ind++]);
}

static int short_option(struct optp *p)
{
    char c = *p->bundle++;
    const struct optp_opt *o = c == 'h' ? &help_opt : find_short(p->cmd, c);
    if (!*p->bundle)
        p->bundle = NULL;
    if (!o) {
        if (isprint((unsigned char)c))
            return fail(p, "unknown option '-%c'", c);
        return fail(p, "unknown option '-\\x%02x'", (unsigned)(unsigned char)c);
    }
    if (o->kind == OPTP_FLAG)
        return accept(p, o, NULL);
    if (p->bundle) {
        const char *v = p->bundle;
        p->bundle = NULL;
        return accept(p, o, v);
    }
    if (p->ind >= p->argc)
        return fail(p, "option '-%c' requires an argument", c);
    return accept(p, o, p->argv[p->ind++]);
}

int optp_next(struct optp *p)
{
    if (p->bundle)
        return short_option(p);
    while (p->ind < p->argc) {
        char *a = p->argv[p->ind++];
        if (p->done || a[0] != '-' || a[1] == '\0') {
            if (p->stop_at_arg) {
                p->args = p->argv + p->ind - 1;
                p->nargs = p->argc - p->ind + 1;
                return OPTP_END;
            }
            /* Never ahead of the reader: slots before ind are consumed. */
            p->argv[1 + p->nargs++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            p->done = true;
            continue;
        }
        if (a[1] == '-')
            return long_option(p, a + 2);
        p->bundle = a + 1;
        return short_option(p);
    }
    p->args = p->argv + 1;
    return OPTP_END;
}

int optp_check(const struct optp_cmd *cmd, FILE *err)
{
    int bad = 0;
    const char *who = cmd->name && *cmd->name ? cmd->name : "aidf";
#define PROBLEM(...)                                       \
    do {                                                   \
        fprintf(err, "aidf: option table of '%s': ", who); \
        fprintf(err, __VA_ARGS__);                         \
        fputc('\n', err);                                  \
        bad++;                                             \
    } while (0)
    for (const struct optp_opt *o = cmd->opts; o && o->name; o++) {
        bool visible = !(o->flags & OPTP_HIDDEN);
        if (!*o->name || strcmp(o->name, "help") == 0)
            PROBLEM("option name '%s' is empty or reserved", o->name);
        if (o->id <= 0)
            PROBLEM("--%s has no id", o->name);
        if (o->short_name == 'h')
            PROBLEM("--%s uses -h, which is --help", o->name);
        for (const struct optp_opt *q = cmd->opts; q != o; q++) {
            if (strcmp(q->name, o->name) == 0)
                PROBLEM("--%s is listed twice", o->name);
            if (o->short_name && q->short_name == o->short_name)
                PROBLEM("-%c is used by --%s and --%s", o->short_name, q->name, o->name);
        }
        if (visible && (!o->help || !*o->help))
            PROBLEM("--%s has no help text", o->name);
        if (visible && o->kind != OPTP_FLAG && !o->value_name)
            PROBLEM("--%s takes a value but has no value name", o->name);
        if (o->kind == OPTP_INT && o->min > o->max)
            PROBLEM("--%s has an empty range", o->name);
        if (o->kind == OPTP_CHOICE && (!o->choices || !o->choices[0]))
            PROBLEM("--%s is a choice without choices", o->name);
    }
#undef PROBLEM
    return bad;
}

/* ---- help ------------------------------------------------------------------------------ */

/* "-v, --verbose" or "--limit N": the left column of an option line. */
static int option_label(const struct optp_opt *o, char *buf, size_t len)
{
    int n;
    if (o->short_name)
        n = snprintf(buf, len, "-%c, --%s", o->short_name, o->name);
    else
        n = snprintf(buf, len, "--%s", o->name);
    if (o->kind != OPTP_FLAG && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " %s", o->value_name ? o->value_name : "VALUE");
    return n < 0 ? 0 : n;
}

/* Print `text` at column `col` (the cursor is at `at`), continuation lines indented. */
static void print_at(FILE *f, int at, int col, const char *text)
{
    if (at > col - 2) {
        fputc('\n', f);
        at = 0;
    }
    fprintf(f, "%*s", col - at, "");
    for (const char *s = text; *s; s++) {
        fputc(*s, f);
        if (*s == '\n' && s[1])
            fprintf(f, "%*s", col, "");
    }
    fputc('\n', f);
}

/* The help column for `opts` and the built-in --help. */
static int help_column(const struct optp_opt *opts)
{
    char label[128];
    int col = HELP_COL_MIN;
    for (const struct optp_opt *o = opts; o && o->name; o++) {
        if (o->flags & OPTP_HIDDEN)
            continue;
        int w = 2 + option_label(o, label, sizeof(label)) + 2;
        if (w > col && w <= HELP_COL_MAX)
            col = w;
    }
    return col;
}

void optp_print_options(const struct optp_opt *opts, int col, FILE *f)
{
    char label[128];
    if (col <= 0)
        col = help_column(opts);
    for (const struct optp_opt *o = opts; o && o->name; o++) {
        if (o->flags & OPTP_HIDDEN)
            continue;
        int w = option_label(o, label, sizeof(label));
        fprintf(f, "  %s", label);
        print_at(f, 2 + w, col, o->help ? o->help : "");
    }
}

/* `text` followed by a newline unless it ends in one. */
static void put_block(FILE *f, const char *text)
{
    size_t n = strlen(text);
    fputs(text, f);
    if (n == 0 || text[n - 1] != '\n')
        fputc('\n', f);
}

void optp_print_help(const struct optp_cmd *cmd, FILE *f)
{
    const char *syn = cmd->synopsis ? cmd->synopsis : "[options]";
    const char *prefix = "usage:";
    while (*syn) {
        size_t len = strcspn(syn, "\n");
        fprintf(f, "%s aidf%s%s %.*s\n", prefix, *cmd->name ? " " : "", cmd->name, (int)len, syn);
        prefix = "      ";
        syn += len;
        if (*syn == '\n')
            syn++;
    }
    if (cmd->description) {
        fputc('\n', f);
        put_block(f, cmd->description);
    }
    int col = help_column(cmd->opts);
    if (cmd->more_help)
        cmd->more_help(f);
    if (cmd->args && cmd->args[0].name) {
        fputs("\nArguments:\n", f);
        for (const struct optp_arg *a = cmd->args; a->name; a++) {
            fprintf(f, "  %s", a->name);
            print_at(f, 2 + (int)strlen(a->name), col, a->help ? a->help : "");
        }
    }
    fputs("\nOptions:\n", f);
    optp_print_options(cmd->opts, col, f);
    fprintf(f, "  %-*s", col - 2, "-h, --help");
    fputs(help_opt.help, f);
    fputc('\n', f);
    if (cmd->epilog) {
        fputc('\n', f);
        put_block(f, cmd->epilog);
    }
}
