/*
 * Terminal output helpers for the aidf CLI: the colour decision, status colours,
 * UTF-8-aware display width and truncation, aligned tables, boxes, the 25-character
 * phase bar and number formatting (thousands, money, durations).
 *
 * Untrusted text (anything from a report, a task or config file, git, the environment
 * or a server's or provider's message) is printed only through term_esc(), term_vis(),
 * term_fputs_vis() or a table cell, which write control characters as visible escapes
 * (aidf_buf_add_visible() in aidf/textutil.h): "\x1b]0;title\x07" shows as text and
 * does not act on the terminal.
 *
 * Ownership: functions that return `char *` return a new heap string (caller frees);
 * a struct term_table owns every cell copied into it.
 */
#ifndef AIDF_CLI_TERM_H
#define AIDF_CLI_TERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aidf/containers.h"
#include "aidf/report.h"

#define TERM_RESET  "\033[0m"
#define TERM_BOLD   "\033[1m"
#define TERM_DIM    "\033[2m"
#define TERM_RED    "\033[31m"
#define TERM_GREEN  "\033[32m"
#define TERM_YELLOW "\033[33m"
#define TERM_CYAN   "\033[36m"

/* Width of the phase bar in characters. */
#define TERM_BAR_WIDTH 25
/* Bytes a formatted bar needs: 25 three-byte characters and a NUL. */
#define TERM_BAR_SIZE (TERM_BAR_WIDTH * 3 + 1)

enum term_color_mode {
    TERM_COLOR_AUTO = 0,
    TERM_COLOR_ALWAYS,
    TERM_COLOR_NEVER,
};

/** Parse "auto" / "always" / "never"; returns the mode or -1. */
int term_parse_color_mode(const char *s);
/** Set the process-wide colour mode (from --color). */
void term_set_color_mode(enum term_color_mode m);

/**
 * The colour decision as a pure function: always → yes, never → no; auto → no when
 * NO_COLOR is set and not empty, else yes when FORCE_COLOR is set, not empty and not
 * "0" (even into a pipe or with TERM=dumb), else only when the stream is a TTY and TERM
 * is not "dumb". `no_color`, `force_color` and `term` are the variables' values or NULL.
 */
bool term_color_decide(enum term_color_mode m, bool is_tty, const char *no_color,
                       const char *force_color, const char *term);
/** The colour decision for `f` with the process-wide mode and the environment. */
bool term_use_color(FILE *f);

/** ANSI colour for a status: green completed, yellow blocked, red failed, "" otherwise. */
const char *term_status_color(enum aidf_status s);

/**
 * Display width of a UTF-8 string in terminal columns: East Asian wide characters
 * count 2, combining marks and controls 0, ANSI escape sequences 0, invalid bytes 1.
 */
size_t term_width(const char *s);
/** Copy of `s` cut to at most `maxw` columns, ending in "…" when cut. */
char *term_truncate(const char *s, size_t maxw);
/** A heap copy of `s` with control characters made visible (NULL for NULL); caller frees. */
char *term_esc(const char *s);
/**
 * `s` with control characters made visible, for a printf argument: `s` itself when it
 * needs no escaping, otherwise an escaped copy owned by `keep` (free them all with
 * aidf_strlist_release()). NULL gives NULL.
 */
const char *term_vis(struct aidf_strlist *keep, const char *s);
/** Write `s` to `f` with control characters made visible. */
void term_fputs_vis(const char *s, FILE *f);

/** Columns of the terminal behind `f`: $COLUMNS, else the TTY size, else 0 (unknown). */
int term_columns(FILE *f);

/** The phase bar: round(pct*25/100) of "█" then "░" (clamped to 0..25). */
void term_bar(double pct, char *out, size_t outlen);
/** A bar of `width` cells (round(pct*width/100) of "█" then "░"); `outlen` >= width*3+1. */
void term_bar_n(double pct, int width, char *out, size_t outlen);
/** A percentage: "<1%" when 0 < pct < 1, otherwise rounded, e.g. "78%". */
void term_pct(double pct, char *out, size_t outlen);
/** An integer with thousands separators: "12,345", "-1,000". */
void term_thousands(int64_t v, char *out, size_t outlen);
/** Money in USD: "$12.3456" under $100, "$1,234.57" from $100; NaN gives "unpriced". */
void term_money(double usd, char *out, size_t outlen);
/**
 * Money in `currency`: term_money() for "USD" (and NULL or ""), else the same figure
 * without "$" followed by the currency code with control characters made visible and
 * cut to 16 columns ("12.3456 EUR"). NaN gives "unpriced".
 */
void term_money_in(double amount, const char *currency, char *out, size_t outlen);
/** A duration via aidf_format_duration(); negative or NaN gives "-". */
void term_duration(double ms, char *out, size_t outlen);

enum term_align {
    TERM_LEFT = 0,
    TERM_RIGHT,
};

struct term_cell {
    char *text;
    const char *color; /* static string or NULL */
};

/** An aligned table: a header row, then rows of cells, columns separated by two spaces. */
struct term_table {
    size_t ncols, nrows, cap;
    const char *const *headers;   /* borrowed */
    const enum term_align *align; /* borrowed */
    size_t *maxw;                 /* per column, 0 = no limit */
    struct term_cell *cells;      /* nrows * ncols */
    size_t cur;                   /* cells filled in the current row */
};

/** Initialise a table; `headers` and `align` are borrowed and must outlive it. */
void term_table_init(struct term_table *t, size_t ncols, const char *const *headers,
                     const enum term_align *align);
/** Limit column `col` to `maxw` display columns (cells are cut with "…"). */
void term_table_set_max(struct term_table *t, size_t col, size_t maxw);
/** Start a new row; missing cells of the previous row stay empty. */
void term_table_row(struct term_table *t);
/**
 * Add the next cell of the current row: the text is copied with its control characters
 * made visible (so widths are those of what is printed); color may be NULL.
 */
void term_table_cell(struct term_table *t, const char *text, const char *color);
/** printf-style form of term_table_cell(). */
void term_table_cellf(struct term_table *t, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Natural width of column `col` (header and cells, after the column limit). */
size_t term_table_col_width(const struct term_table *t, size_t col);
/** Print the table to `f` with each line prefixed by `indent`. */
void term_table_print(const struct term_table *t, FILE *f, const char *indent, bool color);
/** Free the cells. */
void term_table_release(struct term_table *t);

/**
 * Draw a box ┌─ title ─┐ │ line │ └─┘ around `lines` (which may hold our ANSI colours:
 * untrusted text in them must have gone through term_vis() or term_esc()).
 */
void term_box(FILE *f, const char *title, const char *const *lines, size_t n, bool color);

/** Print `n` spaces. */
void term_pad(FILE *f, size_t n);

/**
 * Progress of a report index rebuild (an aidf_store_progress_fn): "aidf: indexing
 * reports: N of M" on stderr, rewritten in place and erased when done. Install it only
 * when stderr is a terminal; `ctx` is unused.
 */
void term_index_progress(size_t done, size_t total, void *ctx);

#endif
