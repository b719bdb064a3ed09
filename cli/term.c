/*
 * Terminal formatting for the aidf CLI. See term.h.
 */
#include "term.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "aidf/buf.h"
#include "aidf/textutil.h"
#include "aidf/timeutil.h"
#include "aidf/utf8.h"
#include "aidf/xalloc.h"

static enum term_color_mode color_mode = TERM_COLOR_AUTO;

int term_parse_color_mode(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "auto") == 0)
        return TERM_COLOR_AUTO;
    if (strcmp(s, "always") == 0)
        return TERM_COLOR_ALWAYS;
    if (strcmp(s, "never") == 0)
        return TERM_COLOR_NEVER;
    return -1;
}

void term_set_color_mode(enum term_color_mode m)
{
    color_mode = m;
}

bool term_color_decide(enum term_color_mode m, bool is_tty, const char *no_color,
                       const char *force_color, const char *term)
{
    if (m == TERM_COLOR_ALWAYS)
        return true;
    if (m == TERM_COLOR_NEVER)
        return false;
    if (no_color && *no_color)
        return false;
    if (force_color && *force_color && strcmp(force_color, "0") != 0)
        return true;
    if (!is_tty)
        return false;
    if (term && strcmp(term, "dumb") == 0)
        return false;
    return true;
}

bool term_use_color(FILE *f)
{
    return term_color_decide(color_mode, isatty(fileno(f)) == 1, getenv("NO_COLOR"),
                             getenv("FORCE_COLOR"), getenv("TERM"));
}

const char *term_status_color(enum aidf_status s)
{
    switch (s) {
    case AIDF_STATUS_COMPLETED:
        return TERM_GREEN;
    case AIDF_STATUS_BLOCKED:
        return TERM_YELLOW;
    case AIDF_STATUS_FAILED:
        return TERM_RED;
    case AIDF_STATUS_UNKNOWN:
        break;
    }
    return "";
}

/*
 * Decode one UTF-8 sequence at `s` (a NUL-terminated string). Returns its length in
 * bytes (at least 1) and the code point in `*cp`, or -1 in `*cp` for a byte that does
 * not start a well-formed sequence (consumed alone).
 */
static size_t utf8_next(const char *s, int32_t *cp)
{
    uint32_t v;
    size_t n = aidf_utf8_decode(s, strnlen(s, 4), &v); /* 4: the longest sequence */
    if (n == 0) {
        *cp = -1;
        return 1;
    }
    *cp = (int32_t)v;
    return n;
}

static int cp_width(int32_t cp)
{
    if (cp < 0)
        return 1; /* an invalid byte shows as one replacement character */
    if (cp == 0 || cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
        return 0;
    /* Combining marks and zero-width characters. */
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
        (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x200B && cp <= 0x200F) ||
        (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
        (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0xFEFF)
        return 0;
    /* East Asian wide and fullwidth ranges, and the common emoji blocks. */
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
        (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F680 && cp <= 0x1F6FF) || (cp >= 0x1FA70 && cp <= 0x1FAFF) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

/* Length of an ANSI CSI escape sequence at `s` ("\033[...<final>"), or 0. */
static size_t ansi_len(const char *s)
{
    if (s[0] != '\033' || s[1] != '[')
        return 0;
    size_t i = 2;
    while (s[i] && !(s[i] >= 0x40 && s[i] <= 0x7E))
        i++;
    return s[i] ? i + 1 : i;
}

size_t term_width(const char *s)
{
    size_t w = 0;
    if (!s)
        return 0;
    while (*s) {
        size_t esc = ansi_len(s);
        if (esc) {
            s += esc;
            continue;
        }
        int32_t cp;
        s += utf8_next(s, &cp);
        w += (size_t)cp_width(cp);
    }
    return w;
}

char *term_truncate(const char *s, size_t maxw)
{
    if (!s)
        s = "";
    if (term_width(s) <= maxw)
        return aidf_xstrdup(s);
    if (maxw == 0)
        return aidf_xstrdup("");
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    size_t w = 0;
    const char *p = s;
    while (*p) {
        size_t esc = ansi_len(p);
        if (esc) {
            p += esc;
            continue;
        }
        int32_t cp;
        size_t n = utf8_next(p, &cp);
        size_t cw = (size_t)cp_width(cp);
        if (w + cw > maxw - 1)
            break;
        if (cp < 0)
            aidf_buf_addch(&b, '?');
        else
            aidf_buf_add(&b, p, n);
        w += cw;
        p += n;
    }
    aidf_buf_addstr(&b, "\xE2\x80\xA6"); /* … */
    return aidf_buf_detach(&b, NULL);
}

char *term_esc(const char *s)
{
    return aidf_visible_dup(s, 0);
}

const char *term_vis(struct aidf_strlist *keep, const char *s)
{
    if (!s || aidf_text_is_visible(s, strlen(s), 0))
        return s;
    char *e = aidf_visible_dup(s, 0);
    aidf_strlist_add(keep, e);
    free(e);
    return keep->items[keep->n - 1];
}

void term_fputs_vis(const char *s, FILE *f)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    if (!s)
        return;
    aidf_buf_add_visible(&b, s, strlen(s), 0);
    fputs(b.ptr, f);
    aidf_buf_release(&b);
}

int term_columns(FILE *f)
{
    const char *env = getenv("COLUMNS");
    if (env && *env) {
        char *end;
        errno = 0;
        long v = strtol(env, &end, 10);
        if (!errno && *end == '\0' && v >= 20 && v <= 10000)
            return (int)v;
    }
    struct winsize ws;
    if (isatty(fileno(f)) == 1 && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 0;
}

void term_bar_n(double pct, int width, char *out, size_t outlen)
{
    if (!(pct >= 0))
        pct = 0;
    if (pct > 100)
        pct = 100;
    if (width < 0)
        width = 0;
    long filled = lround(pct * width / 100.0);
    if (filled < 0)
        filled = 0;
    if (filled > width)
        filled = width;
    size_t off = 0;
    if (outlen == 0)
        return;
    for (long i = 0; i < width; i++) {
        const char *ch = i < filled ? "\xE2\x96\x88" : "\xE2\x96\x91"; /* █ ░ */
        if (off + 3 >= outlen)
            break;
        memcpy(out + off, ch, 3);
        off += 3;
    }
    out[off] = '\0';
}

void term_bar(double pct, char *out, size_t outlen)
{
    term_bar_n(pct, TERM_BAR_WIDTH, out, outlen);
}

void term_pct(double pct, char *out, size_t outlen)
{
    if (!(pct >= 0))
        pct = 0;
    if (pct > 0 && pct < 1)
        snprintf(out, outlen, "<1%%");
    else
        snprintf(out, outlen, "%.0f%%", pct);
}

/* Write the magnitude `v` with separators into out; returns out. */
static void thousands_u(uint64_t v, bool neg, char *out, size_t outlen)
{
    char digits[32], tmp[48];
    int n = snprintf(digits, sizeof(digits), "%" PRIu64, v);
    size_t o = 0;
    if (neg)
        tmp[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = '\0';
    snprintf(out, outlen, "%s", tmp);
}

void term_thousands(int64_t v, char *out, size_t outlen)
{
    bool neg = v < 0;
    uint64_t mag = neg ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    thousands_u(mag, neg, out, outlen);
}

void term_money(double usd, char *out, size_t outlen)
{
    if (isnan(usd)) {
        snprintf(out, outlen, "unpriced");
        return;
    }
    if (isinf(usd) || fabs(usd) >= 1e15) {
        snprintf(out, outlen, "$%.2e", usd);
        return;
    }
    const char *sign = usd < 0 ? "-" : "";
    double a = fabs(usd);
    /* Decide the format on the rounded value so $99.99996 prints as $100.00. */
    if (a < 100 && round(a * 10000) / 10000 < 100) {
        snprintf(out, outlen, "%s$%.4f", sign, a);
        return;
    }
    long long cents = llround(a * 100);
    char whole[32];
    thousands_u((uint64_t)(cents / 100), false, whole, sizeof(whole));
    /* Through a buffer that always fits, then cut to outlen like snprintf would. */
    char tmp[64];
    int n = snprintf(tmp, sizeof(tmp), "%s$%s.%02lld", sign, whole, cents % 100);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (outlen == 0)
        return;
    if (len >= outlen)
        len = outlen - 1;
    memcpy(out, tmp, len);
    out[len] = '\0';
}

void term_money_in(double amount, const char *currency, char *out, size_t outlen)
{
    if (!currency || !*currency || strcmp(currency, "USD") == 0 || isnan(amount)) {
        term_money(amount, out, outlen);
        return;
    }
    char m[64];
    term_money(amount, m, sizeof(m));
    char *d = strchr(m, '$');
    if (d)
        memmove(d, d + 1, strlen(d));
    char *vis = term_esc(currency);
    char *cut = term_truncate(vis, 16);
    snprintf(out, outlen, "%s %s", m, cut);
    free(cut);
    free(vis);
}

void term_duration(double ms, char *out, size_t outlen)
{
    if (!(ms >= 0)) {
        snprintf(out, outlen, "-");
        return;
    }
    aidf_format_duration(ms, out, outlen);
}

void term_pad(FILE *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputc(' ', f);
}

void term_table_init(struct term_table *t, size_t ncols, const char *const *headers,
                     const enum term_align *align)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    t->headers = headers;
    t->align = align;
    t->maxw = aidf_xcalloc(ncols, sizeof(*t->maxw));
    t->cur = ncols;
}

void term_table_set_max(struct term_table *t, size_t col, size_t maxw)
{
    if (col < t->ncols)
        t->maxw[col] = maxw;
}

void term_table_row(struct term_table *t)
{
    t->cells = aidf_xgrow(t->cells, &t->cap, (t->nrows + 1) * t->ncols, sizeof(*t->cells));
    memset(t->cells + t->nrows * t->ncols, 0, t->ncols * sizeof(*t->cells));
    t->nrows++;
    t->cur = 0;
}

void term_table_cell(struct term_table *t, const char *text, const char *color)
{
    if (t->nrows == 0 || t->cur >= t->ncols)
        return;
    struct term_cell *c = &t->cells[(t->nrows - 1) * t->ncols + t->cur];
    size_t maxw = t->maxw[t->cur];
    char *vis = term_esc(text ? text : "");
    c->text = maxw ? term_truncate(vis, maxw) : vis;
    if (maxw)
        free(vis);
    c->color = color;
    t->cur++;
}

void term_table_cellf(struct term_table *t, const char *color, const char *fmt, ...)
{
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    va_list ap;
    va_start(ap, fmt);
    aidf_buf_vaddf(&b, fmt, ap);
    va_end(ap);
    term_table_cell(t, b.ptr, color);
    aidf_buf_release(&b);
}

size_t term_table_col_width(const struct term_table *t, size_t col)
{
    size_t w = term_width(t->headers[col]);
    for (size_t r = 0; r < t->nrows; r++) {
        const char *s = t->cells[r * t->ncols + col].text;
        size_t cw = term_width(s);
        if (cw > w)
            w = cw;
    }
    return w;
}

static void print_cell(FILE *f, const char *text, const char *color, size_t width,
                       enum term_align align, bool last, bool use_color)
{
    size_t w = term_width(text);
    size_t pad = width > w ? width - w : 0;
    if (align == TERM_RIGHT)
        term_pad(f, pad);
    bool painted = use_color && color && *color;
    if (painted)
        fputs(color, f);
    fputs(text, f);
    if (painted)
        fputs(TERM_RESET, f);
    if (align == TERM_LEFT && !last)
        term_pad(f, pad);
}

void term_table_print(const struct term_table *t, FILE *f, const char *indent, bool color)
{
    size_t *w = aidf_xcalloc(t->ncols, sizeof(*w));
    for (size_t c = 0; c < t->ncols; c++)
        w[c] = term_table_col_width(t, c);
    fputs(indent, f);
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputs("  ", f);
        print_cell(f, t->headers[c], color ? TERM_BOLD : NULL, w[c], t->align[c], c + 1 == t->ncols,
                   color);
    }
    fputc('\n', f);
    for (size_t r = 0; r < t->nrows; r++) {
        fputs(indent, f);
        for (size_t c = 0; c < t->ncols; c++) {
            const struct term_cell *cell = &t->cells[r * t->ncols + c];
            if (c)
                fputs("  ", f);
            print_cell(f, cell->text ? cell->text : "", cell->color, w[c], t->align[c],
                       c + 1 == t->ncols, color);
        }
        fputc('\n', f);
    }
    free(w);
}

void term_table_release(struct term_table *t)
{
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    free(t->cells);
    free(t->maxw);
    memset(t, 0, sizeof(*t));
}

static void repeat(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fputs(s, f);
}

void term_box(FILE *f, const char *title, const char *const *lines, size_t n, bool color)
{
    size_t tw = title ? term_width(title) : 0;
    size_t inner = tw ? tw + 2 : 0;
    for (size_t i = 0; i < n; i++) {
        size_t w = term_width(lines[i]);
        if (w > inner)
            inner = w;
    }
    /* Top: "┌─ title ─…─┐", the dashes filling inner + 2 columns. */
    fputs("\xE2\x94\x8C", f);
    if (tw) {
        fputs("\xE2\x94\x80 ", f);
        if (color)
            fputs(TERM_BOLD, f);
        fputs(title, f);
        if (color)
            fputs(TERM_RESET, f);
        fputc(' ', f);
        repeat(f, "\xE2\x94\x80", inner + 2 - tw - 3);
    } else {
        repeat(f, "\xE2\x94\x80", inner + 2);
    }
    fputs("\xE2\x94\x90\n", f);
    for (size_t i = 0; i < n; i++) {
        fputs("\xE2\x94\x82 ", f);
        fputs(lines[i], f);
        term_pad(f, inner - term_width(lines[i]));
        fputs(" \xE2\x94\x82\n", f);
    }
    fputs("\xE2\x94\x94", f);
    repeat(f, "\xE2\x94\x80", inner + 2);
    fputs("\xE2\x94\x98\n", f);
}

void term_index_progress(size_t done, size_t total, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "\raidf: indexing reports: %zu of %zu", done, total);
    if (done >= total)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}
