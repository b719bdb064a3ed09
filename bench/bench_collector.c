/*
 * Micro-benchmark of the executor's bookkeeping: the cost of one phase
 * transition (start or end) and of building and encoding the report of a 50-iteration
 * run, and of writing it durably as the executor does. Not a test; prints its figures.
 *
 *   bench_collector [transitions] [reports]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aidf/collector.h"
#include "aidf/fsutil.h"
#include "aidf/log.h"
#include "aidf/store.h"
#include "aidf/timeutil.h"

static long arg(int argc, char **argv, int i, long dflt)
{
    if (argc <= i)
        return dflt;
    char *end;
    long v = strtol(argv[i], &end, 10);
    return (*end || v <= 0) ? dflt : v;
}

static const char *const phases[] = {"contextLoading", "aiExecution", "scopeChecking", "validation",
                                     "gitOperations"};

/* Record a plausible 50-iteration run. */
static struct aidf_collector *fifty_iterations(const struct aidf_rate_table *t)
{
    struct aidf_run_meta meta = {".ai/tasks/pending/042-refactor-auth.md",
                                 "Refactor the auth module",
                                 "refactor",
                                 "developer",
                                 "claude-cli",
                                 "claude-sonnet-4-5-20250929",
                                 "/home/dev/app",
                                 "0.8.0"};
    struct aidf_collector *c = aidf_collector_new(&meta, NULL);
    char path[64];
    aidf_collector_set_rates(c, t);
    aidf_collector_start_phase(c, "contextLoading");
    aidf_collector_end_phase(c, "contextLoading");
    aidf_collector_set_context_tokens(c, 12000, NULL);
    for (int i = 1; i <= 50; i++) {
        for (size_t k = 1; k < sizeof(phases) / sizeof(phases[0]); k++) {
            aidf_collector_start_phase(c, phases[k]);
            aidf_collector_end_phase(c, phases[k]);
        }
        aidf_collector_record_tokens(c, i, 3000 + i, 800 + i, 40000, 2000, AIDF_UNSET, false);
        aidf_collector_record_provider_cost(c, i, 0.03);
        aidf_collector_record_validation(c, i, "pre_commit", "npm test", i % 7 != 0, 1200, 0);
        snprintf(path, sizeof(path), "src/module%02d.ts", i % 20);
        aidf_collector_record_file_change(c, path, AIDF_FILE_MODIFIED);
        struct aidf_iteration_metrics m = {i, NAN, NULL, 1};
        aidf_collector_record_iteration(c, &m);
    }
    aidf_collector_set_scope_mode(c, "strict");
    aidf_collector_set_outcome(c, AIDF_STATUS_COMPLETED, 50, 50, 0, NULL);
    aidf_collector_fill_host(c);
    return c;
}

int main(int argc, char **argv)
{
    long transitions = arg(argc, argv, 1, 1000000);
    long reports = arg(argc, argv, 2, 200);

    /* Phase transitions: a start/end pair is two transitions, over the usual phases. */
    struct aidf_profiler p;
    aidf_profiler_init(&p, NULL, NULL);
    int64_t t0 = aidf_mono_ns();
    for (long i = 0; i < transitions; i++) {
        const char *name = phases[i % 5];
        aidf_profiler_start(&p, name);
        aidf_profiler_end(&p, name);
    }
    int64_t t1 = aidf_mono_ns();
    aidf_profiler_release(&p);
    double per_transition = (double)(t1 - t0) / (double)(transitions * 2);
    int64_t c0 = aidf_mono_ns();
    for (long i = 0; i < transitions; i++)
        (void)aidf_mono_ns();
    double clock_ns = (double)(aidf_mono_ns() - c0) / (double)transitions;

    /* Building and encoding a 50-iteration report. */
    struct aidf_rate_table t;
    aidf_rate_table_init_builtin(&t);
    double record_ns = 0, build_ns = 0, encode_ns = 0, write_ns = 0;
    char tmpl[] = "/tmp/aidf-bench-collector.XXXXXX";
    const char *dir = mkdtemp(tmpl);
    size_t bytes = 0;
    for (long i = 0; i < reports; i++) {
        int64_t a = aidf_mono_ns();
        struct aidf_collector *c = fifty_iterations(&t);
        int64_t b = aidf_mono_ns();
        struct aidf_report r;
        aidf_report_init(&r);
        aidf_collector_to_report(c, &r);
        int64_t d = aidf_mono_ns();
        char *json = aidf_report_dumps(&r, true, &bytes);
        int64_t e = aidf_mono_ns();
        free(json);
        /* What the executor does with it: a durable write (fsync) into the reports dir. */
        char *path = NULL;
        if (dir && aidf_store_write_new(dir, &r, &path, NULL) == AIDF_OK) {
            unlink(path);
            free(path);
        }
        int64_t w = aidf_mono_ns();
        write_ns += (double)(w - e);
        aidf_report_release(&r);
        aidf_collector_free(c);
        record_ns += (double)(b - a);
        build_ns += (double)(d - b);
        encode_ns += (double)(e - d);
    }
    aidf_rate_table_release(&t);

    printf("phase transitions: %ld pairs, %.1f ns per transition (clock read %.1f ns)\n",
           transitions, per_transition, clock_ns);
    printf("50-iteration report: record %.3f ms, to_report %.3f ms, encode %.3f ms, "
           "build+encode %.3f ms (%zu bytes, mean of %ld)\n",
           record_ns / 1e6 / (double)reports, build_ns / 1e6 / (double)reports,
           encode_ns / 1e6 / (double)reports, (build_ns + encode_ns) / 1e6 / (double)reports, bytes,
           reports);
    printf("per run: build+encode+durable write %.3f ms (write alone %.3f ms; goal < 10 ms)\n",
           (build_ns + encode_ns + write_ns) / 1e6 / (double)reports,
           write_ns / 1e6 / (double)reports);
    if (dir) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return 0;
}
