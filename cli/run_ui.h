/*
 * What `aidf run` shows while it works: a live one-line status on a terminal (task,
 * iteration, phase, elapsed time, tokens, cost; redrawn a few times a second by a small
 * thread), progress lines elsewhere, the `[profile]` line after each iteration with
 * --verbose, the scope guard's `ask` question on the terminal, and the final summary box
 * with the phase breakdown. It is the terminal side of struct aidf_run_events: the run
 * engine reports, the UI shows.
 *
 * Everything goes to stderr (stdout is kept for --json and the --dry-run prompt). Log
 * lines from the core library are routed through the UI so they never garble the live
 * line.
 *
 * Ownership: the UI copies the strings it is given. Thread-safe.
 */
#ifndef AIDF_CLI_RUN_UI_H
#define AIDF_CLI_RUN_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "aidf/profiler.h"
#include "aidf/report.h"
#include "aidf/run_events.h"

struct run_ui;

/**
 * Start the UI for the task `label` (e.g. "001-add-login"). `quiet` prints only warnings
 * and errors; `verbose` adds details and the [profile] line. The live line appears only
 * when stderr is a terminal. Installs itself as the log sink. Never returns NULL.
 */
struct run_ui *run_ui_new(const char *label, bool quiet, bool verbose);

/** Stop the live line, restore the default log sink and free the UI. NULL is a no-op. */
void run_ui_free(struct run_ui *ui);

/**
 * Point every hook of `ev` at `ui` (phase, totals, say, detail, profile, ask, the dry-run
 * prompt, summary). `ui` must outlive the run.
 */
void run_ui_events(struct run_ui *ui, struct aidf_run_events *ev);

/** The iteration `iter` of `max` entered phase `phase` ("Executing AI", ...). */
void run_ui_phase(struct run_ui *ui, int64_t iter, int64_t max, const char *phase);

/** Running totals for the live line: tokens (input + output) and cost (NaN: unknown). */
void run_ui_totals(struct run_ui *ui, int64_t tokens, double cost_usd);

/** A progress line ("iteration 2: 3 files changed"), unless quiet. printf-style. */
void run_ui_say(struct run_ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** A detail line, only with --verbose. printf-style. */
void run_ui_detail(struct run_ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * With --verbose: "[profile] AI execution: 12.3s | Validation: 1.2s | Scope check: 0.05s |
 * Git: 0.8s" for the phase time `phases` of one iteration (well-known keys).
 */
void run_ui_profile(struct run_ui *ui, const struct aidf_num_map *phases);

/**
 * Ask on the terminal (/dev/tty) whether the changes to `files` may stay, after listing
 * them. AIDF_ASK_UNAVAILABLE when stdin is not a terminal or /dev/tty cannot be opened.
 */
enum aidf_ask_answer run_ui_ask(struct run_ui *ui, const struct aidf_strlist *files);

/**
 * The final box: title by status, task, iterations, files, tokens (with cache), cost and
 * its source, duration, the error or blocked reason, the report path, and the phase
 * breakdown bars. Printed even when quiet.
 */
void run_ui_summary(struct run_ui *ui, const struct aidf_report *r, const char *report_path);

#endif
