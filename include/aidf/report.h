/*
 * The execution report: one JSON document per `aidf run`, as a C structure with JSON decoding and
 * encoding.
 *
 * Field names in JSON are camelCase exactly as the plan names them (`runId`,
 * `tokens.totalInput`, `timing.phases.aiExecution`, ...).
 *
 * Optional values: strings are NULL when absent; integers are AIDF_UNSET (INT64_MIN);
 * doubles are NaN (test with aidf_isset()); tri-state booleans are -1 / 0 / 1;
 * each block has `present` telling whether the block exists at all.
 *
 * Ownership: a struct aidf_report owns every string, array and the `extra` tree it
 * points to; aidf_report_release() frees them. Functions borrow their arguments unless
 * their name says otherwise.
 */
#ifndef AIDF_REPORT_H
#define AIDF_REPORT_H

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aidf/containers.h"
#include "aidf/err.h"
#include "aidf/kvlist.h"

#define AIDF_SCHEMA_VERSION 1
/* Reports larger than this are refused by the decoder (bytes). */
#define AIDF_REPORT_MAX_BYTES (16u * 1024 * 1024)
/* Objects/arrays nested deeper than this are refused (unknown fields included). */
#define AIDF_REPORT_MAX_DEPTH 32
/*
 * Limits of the parsed tree, checked by a linear scan of the text before any JSON value
 * is built (aidf_report_parse), so a body cannot cost more memory than these allow: a
 * jansson value costs 30 to 100 bytes, so 16 MB of "[0,0,...]" would be ~700 MB.
 * Values: every scalar, array and object, at any depth. A real report holds a few
 * hundred values plus one per changed file (files.modified/created/deleted), so 100,000
 * leaves room for a change of ~90,000 files. String bytes: the text inside every string
 * and key (escapes counted as written); 100,000 paths of 80 bytes are 8 MB, and 12 MiB
 * leaves room for long goals and error messages besides.
 */
#define AIDF_REPORT_MAX_VALUES       100000
#define AIDF_REPORT_MAX_STRING_BYTES (12u * 1024 * 1024)

/*
 * Bounds on numbers no real run produces, refused by the decoder and written as
 * minimum/maximum in api/execution-report.schema.json (keep both in step):
 * - counts (tokens, iterations, files, ...): integers 0 <= n <= 2^53 - 1, the largest
 *   integer every JSON reader (a double) holds exactly; a run of 2^53 tokens would take
 *   centuries at any provider's throughput;
 * - money (costs, rates per million tokens): finite, 0 <= x <= 1,000,000 USD. A run of
 *   the most expensive model at its output rate for 30 days costs about $10,000, so a
 *   million is far from any real figure while 2^53 runs at the bound still sum to a
 *   finite double;
 * - durations: finite, 0 <= ms <= 30 days (2,592,000,000 ms); runs are bounded by
 *   maxIterations times the iteration timeout, hours at most in practice;
 * - exit codes: integers of magnitude at most 2^53 - 1;
 * - timestamps: from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z once the zone
 *   offset is applied (the date directory of a report is a four-digit year).
 */
#define AIDF_REPORT_MAX_COUNT 9007199254740991LL
#define AIDF_REPORT_MAX_USD   1e6
#define AIDF_REPORT_MAX_MS    2592000000.0
#define AIDF_REPORT_MIN_TS_MS 0LL
#define AIDF_REPORT_MAX_TS_MS 253402300799999LL
/* Run ids are canonical UUID strings: 36 characters. */
#define AIDF_RUN_ID_LEN 36

#define AIDF_UNSET    INT64_MIN
#define aidf_isset(x) (!isnan(x))

enum aidf_status {
    AIDF_STATUS_UNKNOWN = 0,
    AIDF_STATUS_COMPLETED = 1,
    AIDF_STATUS_BLOCKED = 2,
    AIDF_STATUS_FAILED = 3,
};

/** "completed" / "blocked" / "failed" ("unknown" for anything else). */
const char *aidf_status_name(enum aidf_status s);
/** Parse a status name; AIDF_STATUS_UNKNOWN when it is not one of the three. */
enum aidf_status aidf_status_parse(const char *s);

/* The well-known phases, in display order. Phase maps stay open (any name). */
enum aidf_phase {
    AIDF_PHASE_CONTEXT_LOADING = 0,
    AIDF_PHASE_AI_EXECUTION,
    AIDF_PHASE_SCOPE_CHECKING,
    AIDF_PHASE_VALIDATION,
    AIDF_PHASE_GIT_OPERATIONS,
    AIDF_PHASE_OTHER,
    AIDF_PHASE_COUNT
};

/** JSON key of a well-known phase: "contextLoading", "aiExecution", ... */
const char *aidf_phase_key(enum aidf_phase p);
/** Human label: "Context loading", "AI execution", "Scope checking", "Validation",
 *  "Git operations", "Other". */
const char *aidf_phase_label(enum aidf_phase p);
/** Index of a well-known phase key, or -1. */
int aidf_phase_from_key(const char *key);

struct aidf_iter_tokens {
    int64_t iteration;
    int64_t input, output;                      /* input excludes cache tokens */
    int64_t cache_read, cache_write, reasoning; /* AIDF_UNSET when not reported */
    int estimated;                              /* -1 unset, 0, 1 */
};

struct aidf_iter_cost {
    int64_t iteration;
    double cost;
};

struct aidf_iter_timing {
    int64_t iteration;
    double duration_ms;
    struct aidf_num_map phases;
    int64_t files_changed; /* addition: files touched in this iteration */
};

struct aidf_validation_run {
    int64_t iteration;
    char *phase; /* e.g. "pre_commit" */
    char *command;
    int passed; /* -1 unset, 0, 1 */
    double duration_ms;
    int64_t exit_code;
};

struct aidf_report {
    int64_t schema_version;
    char *run_id;    /* required: canonical UUID */
    char *timestamp; /* required: ISO 8601 */
    char *task_path, *task_goal, *task_type, *role_name, *cwd, *aidf_version;
    char *task_name;         /* the task file's name: one task across pending/, blocked/... */
    char *agent_session_id;  /* the agent's own session id (Claude Code's session_id) */
    char *actor;             /* who ran it (aidf/run_identity.h); NULL: not recorded */
    struct aidf_kvlist tags; /* run tags (aidf/tags.h rules) */
    struct {
        bool present;
        char *name;                           /* "acme/widgets" */
        char *repository;                     /* the remote URL without credentials */
        char *branch, *commit, *commit_after; /* commit_after: HEAD at the end, if it moved */
    } project;
    struct {
        char *type, *model;
    } provider;

    enum aidf_status status; /* required */
    int64_t iterations, max_iterations, consecutive_failures;
    struct {
        char *message; /* NULL: no error block */
        char *category, *code;
    } error;
    char *blocked_reason;

    struct {
        bool present;
        int64_t context_tokens, total_input, total_output, total_tokens;
        int64_t cache_read, cache_write, reasoning;
        int estimated;
        size_t n_per_iteration;
        struct aidf_iter_tokens *per_iteration;
        struct aidf_num_map breakdown; /* ContextBreakdown: part → tokens */
        bool has_breakdown;
    } tokens;

    struct {
        bool present;
        double estimated_total; /* the figure summaries use; NaN when unpriced */
        char *currency;         /* "USD" */
        bool has_rates;
        struct aidf_rates rates;
        size_t n_per_iteration;
        struct aidf_iter_cost *per_iteration;
        char *source;    /* "provider" | "computed" */
        double reported; /* what the provider/CLI said, NaN if none */
        double computed; /* from our rate table, NaN if none */
        int unpriced;    /* -1 unset, 0, 1 */
    } cost;

    struct {
        bool present;
        char *started_at, *completed_at;
        double total_duration_ms;
        struct aidf_num_map phases; /* phase name → cumulative ms */
        size_t n_per_iteration;
        struct aidf_iter_timing *per_iteration;
    } timing;

    struct {
        bool present;
        struct aidf_strlist modified, created, deleted;
        int64_t total_count;
    } files;

    struct {
        bool present;
        size_t n_runs;
        struct aidf_validation_run *runs;
        int64_t total_runs, failures;
    } validation;

    struct {
        bool present;
        char *mode;
        int64_t violations;
        struct aidf_strlist blocked_files;
    } scope;

    struct {
        bool present;
        char *sandbox; /* "bwrap" | "landlock" | "none" | "off": how run_command was confined */
    } security;

    struct {
        bool present;
        char *os, *arch, *hostname, *aidf_version;
        int ci; /* -1 unset, 0, 1 */
        char *ci_provider, *ci_build_id, *ci_branch, *ci_commit, *ci_build_url;
        char *ci_repository, *ci_workflow, *ci_job, *ci_event, *ci_pull_request, *ci_attempt,
            *ci_actor;
    } environment;

    /*
     * Unknown fields met while decoding, at any depth, as a JSON tree that mirrors the
     * report's shape (e.g. {"x":1,"tokens":{"perIteration":[{},{"y":2}]}}). Encoding
     * merges it back so unknown fields survive a round trip. Owned; may be NULL.
     */
    json_t *extra;
};

/** Initialise every field to "absent". Allocates nothing. */
void aidf_report_init(struct aidf_report *r);
/** Free everything the report owns and re-initialise it. */
void aidf_report_release(struct aidf_report *r);

/** True when `s` is a canonical UUID string (8-4-4-4-12 hex digits). */
bool aidf_run_id_valid(const char *s);

/**
 * Decode and validate a report from a parsed JSON value. `out` must be initialised;
 * on failure it is left released. Required: runId (UUID), timestamp (ISO 8601),
 * status. Every present field is type-checked and range-checked (AIDF_REPORT_MAX_COUNT,
 * _USD, _MS, the timestamp range; reals in unknown fields at most 1e300 in magnitude).
 * Errors are AIDF_EINVAL with a message naming the field path, e.g.
 * "tokens.perIteration[2].input: expected a non-negative integer, got string".
 */
int aidf_report_from_json(const json_t *root, struct aidf_report *out, struct aidf_error *err);

/**
 * Parse bytes (not necessarily NUL-terminated) and decode as aidf_report_from_json().
 * Refuses input over AIDF_REPORT_MAX_BYTES, over AIDF_REPORT_MAX_VALUES values or over
 * AIDF_REPORT_MAX_STRING_BYTES string bytes (AIDF_ETOOBIG; checked before any tree is
 * built), nesting deeper than AIDF_REPORT_MAX_DEPTH (AIDF_EINVAL, also before parsing),
 * malformed JSON, duplicate keys, invalid UTF-8 and "\u0000" (AIDF_EINVAL, with
 * err->line/col for syntax errors).
 */
int aidf_report_parse(const char *data, size_t len, struct aidf_report *out,
                      struct aidf_error *err);

/** Encode the report (including `extra`) as a new JSON object reference. */
json_t *aidf_report_to_json(const struct aidf_report *r);

/**
 * Encode as text: pretty (2-space indent, trailing newline) or compact.
 * Returns a heap string (caller frees) and its length in `*len` when not NULL.
 */
char *aidf_report_dumps(const struct aidf_report *r, bool pretty, size_t *len);

#endif
