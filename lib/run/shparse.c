/*
 * Shell command lines cut into simple commands and words (see aidf/shparse.h).
 *
 * One recursive-descent scanner over a byte range: parse_list() reads simple commands
 * until the end or a closing ')', parse_word() reads one word with its quoting, and the
 * substitutions inside a word call parse_list() again one level deeper. Every loop below
 * moves `pos` forward by at least one byte per iteration or returns; `p->error` stops
 * every level at once.
 */
#include "aidf/shparse.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/textutil.h"
#include "aidf/xalloc.h"

/* Most here-documents waiting for their body at one time. */
#define MAX_PENDING_HEREDOCS 16

/* A here-document whose body starts after the next newline. */
struct heredoc {
    char *delim;
    bool quoted;    /* the delimiter was quoted: the body is plain data */
    bool strip_tab; /* <<- : leading tabs are removed from each body line */
};

struct scanner {
    const char *s;
    size_t len, pos;
    struct aidf_sh_parse *out;
    struct heredoc pending[MAX_PENDING_HEREDOCS];
    size_t npending;
};

static bool fail(struct scanner *sc, const char *why)
{
    if (!sc->out->error)
        sc->out->error = why;
    return false;
}

static bool failed(const struct scanner *sc)
{
    return sc->out->error != NULL;
}

static int peek(const struct scanner *sc, size_t ahead)
{
    return sc->pos + ahead < sc->len ? (unsigned char)sc->s[sc->pos + ahead] : -1;
}

/* Blanks separate words; newline is an operator. Every other white-space byte (vertical
 * tab, form feed, carriage return) is a blank here, although sh treats it as a word byte:
 * splitting more words than sh does only adds candidates for the checks. */
static bool is_blank(int c)
{
    return c >= 0 && c != '\n' && isspace(c);
}

/* Bytes that end an unquoted word. */
static bool ends_word(int c)
{
    return c < 0 || isspace(c) || strchr(";&|<>()", c) != NULL;
}

static void word_release(struct aidf_sh_word *w)
{
    free(w->text);
    w->text = NULL;
}

static void cmd_release(struct aidf_sh_cmd *c)
{
    for (size_t i = 0; i < c->n; i++)
        word_release(&c->words[i]);
    for (size_t i = 0; i < c->nredir; i++)
        word_release(&c->redirs[i]);
    free(c->words);
    free(c->redirs);
    memset(c, 0, sizeof(*c));
}

/* Count one more word against the limit; false (error set) when over it. */
static bool count_word(struct scanner *sc)
{
    if (sc->out->words >= AIDF_SH_MAX_WORDS)
        return fail(sc, "more words than the checker reads");
    sc->out->words++;
    return true;
}

/* Append the finished command `c` (moved) unless it is empty. */
static void push_cmd(struct scanner *sc, struct aidf_sh_cmd *c)
{
    if (c->n == 0 && c->nredir == 0) {
        cmd_release(c);
        return;
    }
    if (sc->out->n >= AIDF_SH_MAX_CMDS) {
        fail(sc, "more commands than the checker reads");
        cmd_release(c);
        return;
    }
    struct aidf_sh_parse *p = sc->out;
    p->cmds = aidf_xgrow(p->cmds, &p->cap, p->n + 1, sizeof(*p->cmds));
    p->cmds[p->n++] = *c;
    memset(c, 0, sizeof(*c));
}

static bool parse_list(struct scanner *sc, unsigned depth, bool in_parens);

/* Free the delimiters still pending; a here-document with no body line is an error. */
static void finish_scanner(struct scanner *sc)
{
    if (sc->npending > 0)
        fail(sc, "here-document without a body");
    for (size_t k = 0; k < sc->npending; k++)
        free(sc->pending[k].delim);
    sc->npending = 0;
}

/* Parse the text `t` of `n` bytes (the inside of backticks) as a list one level deeper. */
static void parse_nested_text(struct scanner *sc, const char *t, size_t n, unsigned depth)
{
    struct scanner inner = {.s = t, .len = n, .pos = 0, .out = sc->out};
    (void)parse_list(&inner, depth, false);
    finish_scanner(&inner);
}

/*
 * At "$(" / "<(" / ">(" (sc->pos on the first byte): parse the commands up to the
 * matching ')' one level deeper and append the source text to `b`.
 */
static void parse_paren_subst(struct scanner *sc, struct aidf_buf *b, unsigned depth)
{
    size_t start = sc->pos;
    if (depth + 1 > AIDF_SH_MAX_DEPTH) {
        fail(sc, "substitutions nested too deeply");
        return;
    }
    sc->pos += 2;
    if (!parse_list(sc, depth + 1, true))
        return;
    if (peek(sc, 0) != ')') {
        fail(sc, "unterminated substitution");
        return;
    }
    sc->pos++;
    aidf_buf_add(b, sc->s + start, sc->pos - start);
}

/* At '`' (inside double quotes when `dq`): the command text with its escapes removed is
 * parsed one level deeper; the source text goes to `b`. */
static void parse_backticks(struct scanner *sc, struct aidf_buf *b, unsigned depth, bool dq)
{
    size_t start = sc->pos;
    struct aidf_buf inner = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    if (depth + 1 > AIDF_SH_MAX_DEPTH) {
        fail(sc, "substitutions nested too deeply");
        return;
    }
    sc->pos++;
    for (;;) {
        int c = peek(sc, 0);
        if (c < 0) {
            fail(sc, "unterminated backquote");
            goto out;
        }
        sc->pos++;
        if (c == '`')
            break;
        int d = peek(sc, 0);
        if (c == '\\' && d >= 0 && (strchr("$`\\", d) || (dq && d == '"'))) {
            aidf_buf_addch(&inner, (char)d);
            sc->pos++;
        } else {
            aidf_buf_addch(&inner, (char)c);
        }
    }
    parse_nested_text(sc, inner.ptr, inner.len, depth + 1);
    aidf_buf_add(b, sc->s + start, sc->pos - start);
out:
    aidf_buf_release(&inner);
}

/*
 * At "${" or "$((": skip to the matching close, refusing a substitution or quotes inside
 * (which could hide a command behind a close that is not one). The source text goes to `b`.
 */
static void skip_expansion(struct scanner *sc, struct aidf_buf *b, char open, char close, int level)
{
    size_t start = sc->pos;
    sc->pos += (size_t)(open == '(' ? 3 : 2);
    while (level > 0) {
        int c = peek(sc, 0);
        if (c < 0) {
            fail(sc, "unterminated ${ or $((");
            return;
        }
        if (c == '`' || c == '\'' || c == '"' || (c == '$' && peek(sc, 1) == '(')) {
            fail(sc, "substitution or quotes inside ${ or $((");
            return;
        }
        if (c == '\\' && peek(sc, 1) >= 0)
            sc->pos++;
        else if (c == open)
            level++;
        else if (c == close)
            level--;
        /* "$((a) ; b)" is a command substitution to bash: arithmetic ends with "))" */
        if (open == '(' && c == close && level == 1 && peek(sc, 1) != ')') {
            fail(sc, "$(( that is not arithmetic");
            return;
        }
        sc->pos++;
    }
    aidf_buf_add(b, sc->s + start, sc->pos - start);
}

static void add_utf8(struct aidf_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp > 0x10FFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    aidf_buf_add(b, u, n);
}

/* Read up to `max` digits of base 8 or 16 after the escape letter; the value or -1. */
static long read_digits(struct scanner *sc, int base, int max)
{
    long v = -1;
    for (int i = 0; i < max; i++) {
        int c = peek(sc, 0);
        int d = base == 16 ? aidf_hex_digit(c) : (c >= '0' && c <= '7' ? c - '0' : -1);
        if (d < 0)
            break;
        v = (v < 0 ? 0 : v) * base + d;
        sc->pos++;
    }
    return v;
}

/* At "$'": bash's ANSI-C quoting. A NUL ends the word's text, as it does in bash. */
static void parse_ansi_c(struct scanner *sc, struct aidf_buf *b, bool *nul)
{
    static const char from[] = "ntrabeEfv\\'\"?";
    static const char to[] = "\n\t\r\a\b\033\033\f\v\\'\"?";
    sc->pos += 2;
    for (;;) {
        int c = peek(sc, 0);
        if (c < 0) {
            fail(sc, "unterminated $' quote");
            return;
        }
        sc->pos++;
        if (c == '\'')
            return;
        long v = c;
        if (c == '\\') {
            int e = peek(sc, 0);
            if (e < 0) {
                fail(sc, "unterminated $' quote");
                return;
            }
            sc->pos++;
            const char *k = strchr(from, e);
            if (k && e) {
                v = (unsigned char)to[k - from];
            } else if (e >= '0' && e <= '7') {
                sc->pos--;
                v = read_digits(sc, 8, 3) & 0xFF;
            } else if (e == 'x') {
                v = read_digits(sc, 16, 2);
                if (v < 0) { /* "\x" with no digit stays as written */
                    v = '\\';
                    sc->pos--;
                }
            } else if (e == 'u' || e == 'U') {
                long cp = read_digits(sc, 16, e == 'u' ? 4 : 8);
                if (cp < 0) {
                    v = '\\';
                    sc->pos--;
                } else {
                    if (cp == 0)
                        *nul = true;
                    if (!*nul)
                        add_utf8(b, (uint32_t)cp);
                    continue;
                }
            } else if (e == 'c' && peek(sc, 0) >= 0) {
                v = peek(sc, 0) & 0x1F;
                sc->pos++;
            } else {
                aidf_buf_addch(b, '\\');
                v = e;
            }
        }
        if (v == 0)
            *nul = true;
        if (!*nul)
            aidf_buf_addch(b, (char)v);
    }
}

/* At '$' (not "$'" / "$\""): one expansion. Sets *flags EXPANDED when it is one. */
static void parse_dollar(struct scanner *sc, struct aidf_buf *b, unsigned *flags, unsigned depth)
{
    int d = peek(sc, 1);
    if (d == '(' && peek(sc, 2) == '(') {
        skip_expansion(sc, b, '(', ')', 2);
        *flags |= AIDF_SHW_EXPANDED;
    } else if (d == '(') {
        parse_paren_subst(sc, b, depth);
        *flags |= AIDF_SHW_EXPANDED;
    } else if (d == '{') {
        skip_expansion(sc, b, '{', '}', 1);
        *flags |= AIDF_SHW_EXPANDED;
    } else if (d >= 0 && (isalpha(d) || d == '_')) {
        size_t start = sc->pos++;
        while (peek(sc, 0) >= 0 && (isalnum(peek(sc, 0)) || peek(sc, 0) == '_'))
            sc->pos++;
        aidf_buf_add(b, sc->s + start, sc->pos - start);
        *flags |= AIDF_SHW_EXPANDED;
    } else if (d >= 0 && strchr("0123456789@*#?$!-", d)) {
        aidf_buf_add(b, sc->s + sc->pos, 2);
        sc->pos += 2;
        *flags |= AIDF_SHW_EXPANDED;
    } else {
        aidf_buf_addch(b, '$');
        sc->pos++;
    }
}

/* At '"': the double-quoted part of a word. */
static void parse_dquote(struct scanner *sc, struct aidf_buf *b, unsigned *flags, unsigned depth)
{
    sc->pos++;
    while (!failed(sc)) {
        int c = peek(sc, 0);
        if (c < 0) {
            fail(sc, "unterminated double quote");
            return;
        }
        if (c == '"') {
            sc->pos++;
            return;
        }
        if (c == '\\') {
            int e = peek(sc, 1);
            if (e == '\n') {
                sc->pos += 2;
            } else if (e >= 0 && strchr("$`\"\\", e)) {
                aidf_buf_addch(b, (char)e);
                sc->pos += 2;
            } else {
                aidf_buf_addch(b, '\\');
                sc->pos++;
            }
        } else if (c == '$') {
            parse_dollar(sc, b, flags, depth);
        } else if (c == '`') {
            parse_backticks(sc, b, depth, true);
            *flags |= AIDF_SHW_EXPANDED;
        } else {
            aidf_buf_addch(b, (char)c);
            sc->pos++;
        }
    }
}

/*
 * One word starting at sc->pos (not at a blank or an operator byte). Fills `w` (text on
 * the heap) and returns true, or false with the error set.
 */
static bool parse_word(struct scanner *sc, struct aidf_sh_word *w, unsigned depth)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    unsigned flags = 0;
    bool name_so_far = true, nul = false;
    size_t start = sc->pos;
    while (!failed(sc) && !ends_word(peek(sc, 0))) {
        int c = peek(sc, 0);
        if (c != '=' && !(isalnum(c) || c == '_'))
            name_so_far = false;
        if (c == '\\') {
            int e = peek(sc, 1);
            if (e < 0) {
                aidf_buf_addch(&b, '\\');
                sc->pos++;
            } else {
                if (e != '\n')
                    aidf_buf_addch(&b, (char)e);
                sc->pos += 2;
                flags |= AIDF_SHW_QUOTED;
            }
        } else if (c == '\'') {
            const char *q = memchr(sc->s + sc->pos + 1, '\'', sc->len - sc->pos - 1);
            if (!q) {
                fail(sc, "unterminated single quote");
                break;
            }
            aidf_buf_add(&b, sc->s + sc->pos + 1, (size_t)(q - (sc->s + sc->pos + 1)));
            sc->pos = (size_t)(q - sc->s) + 1;
            flags |= AIDF_SHW_QUOTED;
        } else if (c == '"') {
            parse_dquote(sc, &b, &flags, depth);
            flags |= AIDF_SHW_QUOTED;
        } else if (c == '$' && peek(sc, 1) == '\'') {
            parse_ansi_c(sc, &b, &nul);
            flags |= AIDF_SHW_QUOTED;
        } else if (c == '$' && peek(sc, 1) == '"') {
            sc->pos++;
            parse_dquote(sc, &b, &flags, depth);
            flags |= AIDF_SHW_QUOTED;
        } else if (c == '$') {
            parse_dollar(sc, &b, &flags, depth);
        } else if (c == '`') {
            parse_backticks(sc, &b, depth, false);
            flags |= AIDF_SHW_EXPANDED;
        } else {
            if (c == '=' && name_so_far && !(flags & (AIDF_SHW_ASSIGN | AIDF_SHW_QUOTED)) &&
                b.len > 0 && !isdigit((unsigned char)b.ptr[0]))
                flags |= AIDF_SHW_ASSIGN;
            if (c == '=')
                name_so_far = false;
            aidf_buf_addch(&b, (char)c);
            sc->pos++;
        }
        if (flags & AIDF_SHW_QUOTED)
            name_so_far = false;
    }
    if (sc->pos == start && !failed(sc))
        fail(sc, "unexpected byte"); /* callers never start at a word end; kept for safety */
    if (failed(sc)) {
        aidf_buf_release(&b);
        return false;
    }
    w->text = aidf_buf_detach(&b, NULL);
    w->flags = flags;
    return true;
}

/* At "<(" or ">(": a process substitution word. */
static bool parse_procsub(struct scanner *sc, struct aidf_sh_word *w, unsigned depth)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    parse_paren_subst(sc, &b, depth);
    if (failed(sc)) {
        aidf_buf_release(&b);
        return false;
    }
    w->text = aidf_buf_detach(&b, NULL);
    w->flags = AIDF_SHW_EXPANDED | AIDF_SHW_PROCSUB;
    return true;
}

static void add_word(struct aidf_sh_word **arr, size_t *n, size_t *cap, struct aidf_sh_word *w)
{
    *arr = aidf_xgrow(*arr, cap, *n + 1, sizeof(**arr));
    (*arr)[(*n)++] = *w;
}

/* After "<<": the delimiter word; the body is read at the next newline (read_heredocs). */
static bool parse_heredoc_op(struct scanner *sc, struct aidf_sh_cmd *c, unsigned depth)
{
    struct heredoc h = {0};
    sc->pos++;
    if (peek(sc, 0) == '-') {
        h.strip_tab = true;
        sc->pos++;
    }
    while (is_blank(peek(sc, 0)))
        sc->pos++;
    if (ends_word(peek(sc, 0)))
        return fail(sc, "here-document without a delimiter");
    if (sc->npending >= MAX_PENDING_HEREDOCS)
        return fail(sc, "too many here-documents");
    struct aidf_sh_word w = {0};
    if (!parse_word(sc, &w, depth))
        return false;
    if (w.flags & AIDF_SHW_EXPANDED) {
        word_release(&w);
        return fail(sc, "here-document delimiter with an expansion");
    }
    if (!count_word(sc)) {
        word_release(&w);
        return false;
    }
    h.delim = aidf_xstrdup(w.text);
    h.quoted = (w.flags & AIDF_SHW_QUOTED) != 0;
    sc->pending[sc->npending++] = h;
    w.flags |= AIDF_SHW_HEREDOC;
    add_word(&c->redirs, &c->nredir, &c->redir_cap, &w);
    return true;
}

/*
 * Right after a newline: the bodies of the pending here-documents, in order. A body runs
 * to a line equal to its delimiter (or to the end of the text, as bash does). The body of
 * an unquoted delimiter is expanded by the shell, so a substitution in it is refused.
 */
static bool read_heredocs(struct scanner *sc)
{
    for (size_t k = 0; k < sc->npending && !failed(sc); k++) {
        struct heredoc *h = &sc->pending[k];
        size_t dl = strlen(h->delim);
        while (sc->pos < sc->len) {
            const char *line = sc->s + sc->pos;
            const char *nl = memchr(line, '\n', sc->len - sc->pos);
            size_t n = nl ? (size_t)(nl - line) : sc->len - sc->pos;
            sc->pos += n + (nl ? 1 : 0);
            const char *l = line;
            size_t ln = n;
            while (h->strip_tab && ln > 0 && *l == '\t') {
                l++;
                ln--;
            }
            if (ln == dl && memcmp(l, h->delim, dl) == 0)
                break;
            if (!h->quoted && (memchr(l, '`', ln) || (ln > 1 && memmem(l, ln, "$(", 2))))
                fail(sc, "substitution in a here-document");
        }
    }
    for (size_t k = 0; k < sc->npending; k++)
        free(sc->pending[k].delim);
    sc->npending = 0;
    return !failed(sc);
}

/* At '<', '>' or "&>": a redirection and its target, added to `c`. */
static bool parse_redirection(struct scanner *sc, struct aidf_sh_cmd *c, unsigned depth)
{
    unsigned out = 0;
    if (peek(sc, 0) == '&') { /* &> and &>> */
        sc->pos++;
        out = AIDF_SHW_OUTPUT;
    }
    int op = peek(sc, 0);
    sc->pos++;
    if (op == '>')
        out = AIDF_SHW_OUTPUT;
    int n = peek(sc, 0);
    if (op == '<' && n == '<' && peek(sc, 1) != '<')
        return parse_heredoc_op(sc, c, depth);
    if (op == '<' && n == '<') {
        sc->pos += 2; /* <<< here-string: the word is data */
        out = AIDF_SHW_HEREDOC;
    } else if ((op == '>' && (n == '>' || n == '|' || n == '&')) ||
               (op == '<' && (n == '&' || n == '>'))) {
        sc->pos++;
        if (op == '>' && n == '>' && peek(sc, 0) == '&')
            return fail(sc, "unexpected redirection operator");
        if (n == '>')
            out = AIDF_SHW_OUTPUT;
    }
    while (is_blank(peek(sc, 0)))
        sc->pos++;
    int t = peek(sc, 0);
    struct aidf_sh_word w = {0};
    if ((t == '<' || t == '>') && peek(sc, 1) == '(') {
        if (!parse_procsub(sc, &w, depth))
            return false;
    } else if (ends_word(t)) {
        return fail(sc, "redirection without a target");
    } else if (!parse_word(sc, &w, depth)) {
        return false;
    }
    if (!count_word(sc)) {
        word_release(&w);
        return false;
    }
    w.flags |= out;
    add_word(&c->redirs, &c->nredir, &c->redir_cap, &w);
    return true;
}

/* Is the unquoted word an all-digit file descriptor number right before a redirection? */
static bool is_fd_prefix(const struct aidf_sh_word *w, int next)
{
    if (w->flags || (next != '<' && next != '>'))
        return false;
    for (const char *p = w->text; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return w->text[0] != '\0';
}

/*
 * Simple commands up to the end of the text or, `in_parens`, a ')' (left unconsumed).
 * False when an error stopped the parse.
 */
static bool parse_list(struct scanner *sc, unsigned depth, bool in_parens)
{
    struct aidf_sh_cmd cur = {.depth = depth};
    while (!failed(sc) && sc->pos < sc->len) {
        int c = peek(sc, 0);
        if (is_blank(c)) {
            sc->pos++;
            continue;
        }
        if (c == ')') {
            if (in_parens)
                break;
            fail(sc, "unbalanced ')'");
            break;
        }
        if (c == '\n' || c == ';' || c == '&' || c == '|') {
            bool pipe = false;
            if (c == '&' && peek(sc, 1) == '>') {
                if (!parse_redirection(sc, &cur, depth))
                    break;
                continue;
            }
            if (c == '|' && peek(sc, 1) != '|') {
                pipe = true;
                sc->pos += peek(sc, 1) == '&' ? 2 : 1;
            } else if ((c == '&' || c == '|' || c == ';') && peek(sc, 1) == c) {
                sc->pos += 2;
            } else {
                sc->pos++;
            }
            push_cmd(sc, &cur);
            cur.depth = depth;
            cur.piped = pipe;
            if (c == '\n' && sc->npending > 0 && !read_heredocs(sc))
                break;
            continue;
        }
        if (c == '(') {
            if (cur.n > 0) {
                fail(sc, "'(' inside a command (function definitions and arrays are not "
                         "supported)");
                break;
            }
            if (depth + 1 > AIDF_SH_MAX_DEPTH) {
                fail(sc, "subshells nested too deeply");
                break;
            }
            sc->pos++;
            if (!parse_list(sc, depth + 1, true))
                break;
            if (peek(sc, 0) != ')') {
                fail(sc, "unterminated '('");
                break;
            }
            sc->pos++;
            continue;
        }
        if (c == '#') { /* a comment starts at the start of a word */
            while (sc->pos < sc->len && sc->s[sc->pos] != '\n')
                sc->pos++;
            continue;
        }
        if ((c == '<' || c == '>') && peek(sc, 1) == '(') {
            struct aidf_sh_word w = {0};
            if (!parse_procsub(sc, &w, depth) || !count_word(sc)) {
                word_release(&w);
                break;
            }
            add_word(&cur.words, &cur.n, &cur.cap, &w);
            continue;
        }
        if (c == '<' || c == '>') {
            if (!parse_redirection(sc, &cur, depth))
                break;
            continue;
        }
        struct aidf_sh_word w = {0};
        if (!parse_word(sc, &w, depth))
            break;
        if (is_fd_prefix(&w, peek(sc, 0))) {
            word_release(&w);
            continue;
        }
        if (!count_word(sc)) {
            word_release(&w);
            break;
        }
        add_word(&cur.words, &cur.n, &cur.cap, &w);
    }
    if (failed(sc)) {
        cmd_release(&cur);
        return false;
    }
    push_cmd(sc, &cur);
    return !failed(sc);
}

void aidf_sh_parse_init(struct aidf_sh_parse *p)
{
    memset(p, 0, sizeof(*p));
}

bool aidf_sh_parse_append(struct aidf_sh_parse *p, const char *s, size_t len, unsigned depth)
{
    if (p->error)
        return false;
    struct scanner sc = {.s = s ? s : "", .len = s ? len : 0, .pos = 0, .out = p};
    if (len > AIDF_SH_MAX_INPUT)
        return fail(&sc, "longer than the checker reads");
    if (depth > AIDF_SH_MAX_DEPTH)
        return fail(&sc, "commands nested too deeply");
    (void)parse_list(&sc, depth, false);
    finish_scanner(&sc);
    return !p->error;
}

void aidf_sh_parse_release(struct aidf_sh_parse *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        cmd_release(&p->cmds[i]);
    free(p->cmds);
    memset(p, 0, sizeof(*p));
}
