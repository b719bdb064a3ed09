#include "aidf/ci.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aidf/xalloc.h"

struct lookup {
    aidf_getenv_fn fn;
    void *ctx;
};

/* A variable's value, or NULL when it is unset or empty. */
static const char *var(const struct lookup *l, const char *name)
{
    const char *v = l->fn ? l->fn(name, l->ctx) : getenv(name);
    return (v && *v) ? v : NULL;
}

/* The first set variable among `a` and `b` (`b` may be NULL). */
static const char *var2(const struct lookup *l, const char *a, const char *b)
{
    const char *v = var(l, a);
    return (v || !b) ? v : var(l, b);
}

static bool is_true(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static bool is_false(const char *v)
{
    return v && (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0);
}

/* Concatenate `n` parts into a new string; NULL when any part is missing. */
static char *join(const char *const *parts, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        if (!parts[i])
            return NULL;
        len += strlen(parts[i]);
    }
    char *s = aidf_xmalloc(len);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(parts[i]);
        memcpy(s + off, parts[i], k);
        off += k;
    }
    s[off] = '\0';
    return s;
}

#define JOIN(...)                            \
    join((const char *const[]){__VA_ARGS__}, \
         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void fill(struct aidf_ci_env *out, const char *provider, const char *id, const char *branch,
                 const char *commit)
{
    out->ci = true;
    out->provider = aidf_xstrdup(provider);
    out->build_id = aidf_xstrdup(id);
    out->branch = aidf_xstrdup(branch);
    out->commit = aidf_xstrdup(commit);
}

static bool detect_vendor(const struct lookup *l, struct aidf_ci_env *out)
{
    if (is_true(var(l, "GITHUB_ACTIONS"))) {
        const char *id = var(l, "GITHUB_RUN_ID");
        const char *server = var(l, "GITHUB_SERVER_URL");
        const char *repo = var(l, "GITHUB_REPOSITORY");
        fill(out, "github-actions", id, var2(l, "GITHUB_HEAD_REF", "GITHUB_REF_NAME"),
             var(l, "GITHUB_SHA"));
        out->build_url =
            JOIN(server ? server : "https://github.com", "/", repo, "/actions/runs/", id);
        return true;
    }
    if (is_true(var(l, "GITLAB_CI"))) {
        fill(out, "gitlab-ci", var2(l, "CI_PIPELINE_ID", "CI_JOB_ID"),
             var2(l, "CI_COMMIT_REF_NAME", "CI_COMMIT_BRANCH"), var(l, "CI_COMMIT_SHA"));
        out->build_url = aidf_xstrdup(var2(l, "CI_PIPELINE_URL", "CI_JOB_URL"));
        return true;
    }
    if (var(l, "JENKINS_URL")) {
        fill(out, "jenkins", var2(l, "BUILD_NUMBER", "BUILD_ID"),
             var2(l, "BRANCH_NAME", "GIT_BRANCH"), var(l, "GIT_COMMIT"));
        out->build_url = aidf_xstrdup(var(l, "BUILD_URL"));
        return true;
    }
    if (is_true(var(l, "CIRCLECI"))) {
        fill(out, "circleci", var(l, "CIRCLE_BUILD_NUM"), var(l, "CIRCLE_BRANCH"),
             var(l, "CIRCLE_SHA1"));
        out->build_url = aidf_xstrdup(var(l, "CIRCLE_BUILD_URL"));
        return true;
    }
    if (var(l, "BITBUCKET_BUILD_NUMBER") || var(l, "BITBUCKET_COMMIT") ||
        var(l, "BITBUCKET_PIPELINE_UUID")) {
        const char *num = var(l, "BITBUCKET_BUILD_NUMBER");
        fill(out, "bitbucket-pipelines", num, var(l, "BITBUCKET_BRANCH"),
             var(l, "BITBUCKET_COMMIT"));
        const char *repo = var(l, "BITBUCKET_REPO_FULL_NAME");
        out->build_url =
            JOIN("https://bitbucket.org/", repo, "/addon/pipelines/home#!/results/", num);
        return true;
    }
    if (is_true(var(l, "TF_BUILD"))) {
        const char *id = var(l, "BUILD_BUILDID");
        /* BUILD_SOURCEBRANCHNAME keeps only the last path segment ("x" of "feature/x"),
         * so the full ref minus refs/heads/ is preferred. */
        const char *full = var(l, "BUILD_SOURCEBRANCH");
        const char *branch = NULL;
        if (full && strncmp(full, "refs/heads/", 11) == 0)
            branch = full + 11;
        if (!branch)
            branch = var(l, "BUILD_SOURCEBRANCHNAME");
        if (!branch)
            branch = full;
        fill(out, "azure-pipelines", id, branch, var(l, "BUILD_SOURCEVERSION"));
        out->build_url = JOIN(var(l, "SYSTEM_COLLECTIONURI"), var(l, "SYSTEM_TEAMPROJECT"),
                              "/_build/results?buildId=", id);
        return true;
    }
    if (is_true(var(l, "BUILDKITE"))) {
        fill(out, "buildkite", var(l, "BUILDKITE_BUILD_NUMBER"), var(l, "BUILDKITE_BRANCH"),
             var(l, "BUILDKITE_COMMIT"));
        out->build_url = aidf_xstrdup(var(l, "BUILDKITE_BUILD_URL"));
        return true;
    }
    if (is_true(var(l, "TRAVIS"))) {
        fill(out, "travis-ci", var2(l, "TRAVIS_BUILD_NUMBER", "TRAVIS_BUILD_ID"),
             var(l, "TRAVIS_BRANCH"), var(l, "TRAVIS_COMMIT"));
        out->build_url = aidf_xstrdup(var(l, "TRAVIS_BUILD_WEB_URL"));
        return true;
    }
    return false;
}

bool aidf_ci_detect(aidf_getenv_fn getenv_fn, void *ctx, struct aidf_ci_env *out)
{
    struct lookup l = {getenv_fn, ctx};
    struct aidf_ci_env tmp;

    memset(&tmp, 0, sizeof(tmp));
    if (!detect_vendor(&l, &tmp)) {
        /* Generic CI: any value but false/0 (CI=false switches detection off). */
        const char *ci = var(&l, "CI");
        if (ci && !is_false(ci))
            fill(&tmp, "unknown", NULL, NULL, NULL);
    }
    bool ci = tmp.ci;
    if (out)
        *out = tmp;
    else
        aidf_ci_env_release(&tmp);
    return ci;
}

void aidf_ci_env_release(struct aidf_ci_env *e)
{
    if (!e)
        return;
    free(e->provider);
    free(e->build_id);
    free(e->branch);
    free(e->commit);
    free(e->build_url);
    memset(e, 0, sizeof(*e));
}
