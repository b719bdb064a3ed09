/*
 * The command-line option parser of aidf: each command describes its options and
 * positional arguments in a static table (struct optp_cmd), and the same table drives
 * the parsing, the command's --help, the man page and the shell completions, so none of
 * them can drift from the others.
 *
 * Rules (the same for every command):
 *   - long options are matched by their exact name; a prefix is refused ("--lim" is not
 *     "--limit"), so adding an option later cannot change what an existing script means;
 *   - a value is given as "--name=value" or "--name value", "-n5" or "-n 5"; the next
 *     argument is taken as the value even when it starts with '-';
 *   - short flags can be bundled ("-vq");
 *   - "--" ends the options; a lone "-" is a positional argument;
 *   - options and positional arguments may be mixed in any order;
 *   - "-h" and "--help" print the help generated from the table and stop;
 *   - an unknown option is a usage error that names the closest known option
 *     ("did you mean '--limit'?") when one is close enough.
 *
 * Usage errors print "aidf: <message>" and "Try 'aidf <command> --help'." to the error
 * stream; the caller then exits with status 2.
 */
#ifndef AIDF_OPTPARSE_H
#define AIDF_OPTPARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The kind of value an option takes. All but OPTP_FLAG take exactly one value. */
enum optp_kind {
    OPTP_FLAG = 0, /* no value */
    OPTP_STRING,   /* any text, checked by the command */
    OPTP_INT,      /* a decimal in [min, max], checked here; the number is in optp.num */
    OPTP_DATE,     /* a date or an age (7d); checked by the command */
    OPTP_FILE,     /* a file name (completed as a file) */
    OPTP_DIR,      /* a directory name (completed as a directory) */
    OPTP_CHOICE,   /* one of `choices` (completed from them); checked by the command */
};

/* Option flags. */
#define OPTP_HIDDEN 1u /* accepted, but not in --help, the man page or the completions */

/** One option of a command. A table ends with an entry whose `name` is NULL. */
struct optp_opt {
    const char *name;           /* long name without "--" */
    char short_name;            /* single-letter form, or 0 */
    enum optp_kind kind;        /* the value it takes */
    int id;                     /* returned by optp_next(); > 0 */
    const char *value_name;     /* shown in help: "N", "DATE" (NULL for flags) */
    const char *help;           /* help text; '\n' starts a continuation line */
    const char *const *choices; /* NULL-terminated fixed values (completion), or NULL */
    int64_t min, max;           /* OPTP_INT: the accepted range */
    const char *expect;         /* OPTP_INT: what the error says is expected ("1..64") */
    unsigned flags;             /* OPTP_HIDDEN */
};

/** One positional argument of a command (for help, the man page and completions). */
struct optp_arg {
    const char *name; /* "ID...", "TASK..." ("..." means any number) */
    const char *help;
    enum optp_kind kind;        /* OPTP_FILE, OPTP_CHOICE or OPTP_STRING (no completion) */
    const char *const *choices; /* OPTP_CHOICE: the NULL-terminated values */
};

/** A command: its help texts, positional arguments and options. */
struct optp_cmd {
    const char *name;            /* "report list"; "" for aidf itself */
    const char *synopsis;        /* after "usage: aidf <name> "; '\n' starts another */
    const char *summary;         /* one line, for command lists */
    const char *description;     /* paragraphs between usage and options, or NULL */
    const struct optp_arg *args; /* ends with a NULL name; NULL when none */
    const struct optp_opt *opts; /* ends with a NULL name */
    const char *epilog;          /* text after the options (exit status...), or NULL */
    void (*more_help)(FILE *f);  /* prints sections after the arguments (a group's
                                    commands), or NULL */
};

/* optp_next() results besides an option id. */
#define OPTP_END  0  /* no more options: the positional arguments are in optp.args */
#define OPTP_STOP -1 /* --help was printed or a usage error was reported: exit with .status */

/** The state of one parse. Fill it with optp_init(). */
struct optp {
    const struct optp_cmd *cmd;
    int argc;
    char **argv;
    int ind;                    /* the next argv element to read */
    int nargs;                  /* positional arguments collected so far */
    const char *bundle;         /* the rest of a "-vq" bundle, or NULL */
    bool done;                  /* "--" seen: the rest is positional */
    bool stop_at_arg;           /* set by the caller: the first positional argument ends
                                   the options (for a command followed by subcommands) */
    const struct optp_opt *opt; /* the option just returned */
    const char *arg;            /* its value (NULL for flags) */
    int64_t num;                /* its value as a number (OPTP_INT) */
    char **args;                /* positional arguments (within argv), valid at OPTP_END */
    int status;                 /* exit status at OPTP_STOP: 0 after help, 2 on error */
    FILE *out, *err;            /* where help and errors go (stdout, stderr) */
};

/**
 * Start parsing `argv[1..argc)` (argv[0] is the command name) against `cmd`. The
 * positional arguments are gathered at the front of argv as parsing goes on; argv is
 * reordered but no string is changed.
 */
void optp_init(struct optp *p, const struct optp_cmd *cmd, int argc, char **argv);

/**
 * The next option: its id (> 0) with p->opt, p->arg and p->num set; OPTP_END when all
 * arguments are read (p->args and p->nargs hold the positional ones; with stop_at_arg,
 * the first positional argument and everything after it); or OPTP_STOP after printing
 * the help (p->status 0) or a usage error (p->status 2).
 */
int optp_next(struct optp *p);

/**
 * Print "aidf: <message>" and "Try 'aidf <cmd> --help'." (or "Try 'aidf --help'." when
 * `cmd` is NULL or empty) to `f`. Returns 2, the usage-error exit status.
 */
int optp_usage_error(FILE *f, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** The helper behind optp_usage_error(), with a va_list. Returns 2. */
int optp_vusage_error(FILE *f, const char *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/** Print the help of `cmd` (usage, description, arguments, options, epilog) to `f`. */
void optp_print_help(const struct optp_cmd *cmd, FILE *f);

/**
 * Print the option list of `opts` as in --help ("  -v, --verbose   text"), with the
 * help texts starting at column `col` (0: chosen from the longest option).
 */
void optp_print_options(const struct optp_opt *opts, int col, FILE *f);

/**
 * The edit distance between `a` and `b` (insertions, deletions, substitutions and swaps
 * of two neighbouring characters each count 1), or `limit` + 1 when it is over `limit`.
 */
size_t optp_distance(const char *a, const char *b, size_t limit);

/**
 * The name in `names` (`n` entries; NULL entries are skipped) that `typed` most likely
 * meant: one it is a prefix of, or the closest within a few edits (about a third of
 * its length). NULL when none is close enough.
 */
const char *optp_suggest(const char *typed, const char *const *names, size_t n);

/**
 * Check the table of `cmd` for mistakes the compiler cannot see: a missing name or id,
 * a long name or a short letter used twice (or -h, --help, which the parser owns), a
 * value without a value name, a visible option without help, an empty range, a choice
 * without choices. Prints one line per problem to `err`; returns the number of problems.
 */
int optp_check(const struct optp_cmd *cmd, FILE *err);

/** The option of `cmd` with the long name `name`, or NULL. */
const struct optp_opt *optp_find(const struct optp_cmd *cmd, const char *name);

#endif
