/*
 * A shell command line cut into simple commands and words, for the command policy
 * (aidf/cmdpolicy.h). It understands the part of POSIX sh / bash syntax that decides which
 * programs run: quote removal ('...', "...", $'...', backslashes), the list and pipeline
 * operators (; && || | |& & newline), ( ... ) subshells, $( ... ), `...` and <( ... ) /
 * >( ... ) (whose commands become simple commands of their own), redirections and
 * comments. It runs nothing and expands nothing: "$HOME" stays the text `$HOME` in its
 * word, with AIDF_SHW_EXPANDED set.
 *
 * What it does not understand it reports (`error`) instead of guessing: here-documents,
 * `$((` / `${` holding a substitution or quotes, a '(' inside a command (function
 * definitions, arrays), an unbalanced ')' (case patterns), unterminated quotes, and input
 * over the limits below. Parsing stops at the first such error.
 *
 * Termination: every loop consumes at least one byte of its input per iteration, the
 * nesting depth is bounded by AIDF_SH_MAX_DEPTH, and a nested text parsed on its own (the
 * inside of backticks) is strictly shorter than the text holding it.
 *
 * Ownership: the parse owns every string in it; free it with aidf_sh_parse_release().
 */
#ifndef AIDF_SHPARSE_H
#define AIDF_SHPARSE_H

#include <stdbool.h>
#include <stddef.h>

/** Deepest nesting of subshells and substitutions (a parse at depth 0 is the top). */
#define AIDF_SH_MAX_DEPTH 16
/** Most words (arguments and redirection targets) in one parse, all commands together. */
#define AIDF_SH_MAX_WORDS 8192
/** Most simple commands in one parse. */
#define AIDF_SH_MAX_CMDS 2048
/** Longest input accepted, in bytes. */
#define AIDF_SH_MAX_INPUT (256 * 1024)

/** Word flags. */
enum {
    AIDF_SHW_QUOTED = 1,   /* some part was quoted or backslash-escaped */
    AIDF_SHW_EXPANDED = 2, /* holds a $ expansion or a command substitution: value unknown */
    AIDF_SHW_PROCSUB = 4,  /* a <( ... ) or >( ... ) process substitution */
    AIDF_SHW_ASSIGN = 8,   /* NAME=value with NAME unquoted */
    AIDF_SHW_OUTPUT = 16,  /* (redirections) the target is written to */
    AIDF_SHW_HEREDOC = 32, /* (redirections) a here-document or here-string: standard input
                            * is this text (for a here-document `text` is the delimiter) */
};

/** One word after quote removal; `text` is NUL-terminated (a NUL from $'\0' ends it). */
struct aidf_sh_word {
    char *text;
    unsigned flags;
};

/** One simple command: its words in order and its redirection targets. */
struct aidf_sh_cmd {
    struct aidf_sh_word *words;
    size_t n, cap;
    struct aidf_sh_word *redirs;
    size_t nredir, redir_cap;
    bool piped;     /* its standard input is the pipe of the command before it */
    unsigned depth; /* nesting depth it was found at */
};

/** The commands of a command line, innermost substitutions before the command using them. */
struct aidf_sh_parse {
    struct aidf_sh_cmd *cmds;
    size_t n, cap;
    size_t words;      /* words in all commands, checked against AIDF_SH_MAX_WORDS */
    const char *error; /* static text saying what was not understood; NULL when all was */
};

/** Zero `p` (no allocation). */
void aidf_sh_parse_init(struct aidf_sh_parse *p);

/**
 * Parse `len` bytes of `s` (need not be NUL-terminated) at nesting depth `depth`, appending
 * its simple commands to `p` (which must have been initialised). Returns true when the
 * whole text was understood; false sets `p->error` (when not already set) and leaves the
 * commands found before the error in `p`. A parse that already has an error appends nothing.
 */
bool aidf_sh_parse_append(struct aidf_sh_parse *p, const char *s, size_t len, unsigned depth);

/** Free everything `p` owns and zero it; NULL is a no-op. */
void aidf_sh_parse_release(struct aidf_sh_parse *p);

#endif
