/*
 * CI environment detection: GitHub
 * Actions, GitLab CI, Jenkins, CircleCI, Bitbucket Pipelines, Azure Pipelines
 * (TF_BUILD), Buildkite, Travis CI, and a generic CI=true ("unknown" provider).
 * CI=false (or 0) means "not CI" unless a vendor variable says otherwise.
 *
 * Pure: reads variables through a lookup function, so tests need no real environment.
 * Ownership: struct aidf_ci_env owns its strings; aidf_ci_env_release() frees them.
 */
#ifndef AIDF_CI_H
#define AIDF_CI_H

#include <stdbool.h>

struct aidf_ci_env {
    bool ci;
    char *provider; /* "github-actions", "gitlab-ci", "jenkins", "circleci",
                       "bitbucket-pipelines", "azure-pipelines", "buildkite",
                       "travis-ci", "unknown"; NULL when not CI */
    char *build_id, *branch, *commit, *build_url; /* NULL when unknown */
    /* Who and what started the build, where the CI says (NULL when it does not):
     * repository: the CI's repository slug ("acme/widgets"), never a URL with credentials;
     * workflow: the pipeline/workflow name; job: the job or step name; event: what
     * triggered it ("push", "pull_request", "schedule", ...); pull_request: the pull/merge
     * request number; attempt: the re-run attempt ("1", "2", ...); actor: the user who
     * triggered the build. */
    char *repository, *workflow, *job, *event, *pull_request, *attempt, *actor;
};

/** Variable lookup: returns the value or NULL (like getenv). */
typedef const char *(*aidf_getenv_fn)(const char *name, void *ctx);

/**
 * Detect the CI environment. `getenv_fn` NULL means the process environment.
 * Returns true when running in CI; `out` is always filled (ci=false, all NULL when not).
 */
bool aidf_ci_detect(aidf_getenv_fn getenv_fn, void *ctx, struct aidf_ci_env *out);
void aidf_ci_env_release(struct aidf_ci_env *e);

#endif
