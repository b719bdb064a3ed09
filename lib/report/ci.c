#include "aidf/ci.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aidf/giturl.h"
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

/* Where the build came from and who started it (see struct aidf_ci_env); NULL arguments
 * leave a field unset. */
static void fill_origin(struct aidf_ci_env *out, const char *repository, const char *workflow,
                        const char *job, const char *event, const char *pull_request,
                        const char *attempt, const char *actor)
{
    out->repository = repository ? aidf_xstrdup(repository) : NULL;
    out->workflow = workflow ? aidf_xstrdup(workflow) : NULL;
    out->job = job ? aidf_xstrdup(job) : NULL;
    out->event = event ? aidf_xstrdup(event) : NULL;
    out->pull_request = pull_request ? aidf_xstrdup(pull_request) : NULL;
    out->attempt = attempt ? aidf_xstrdup(attempt) : NULL;
    out->actor = actor ? aidf_xstrdup(actor) : NULL;
}

/* A pull-request number, or NULL: CIs that have no pull request set the variable to
 * "false" (Travis, Buildkite) or leave it empty. */
static const char *pr_number(const char *v)
{
    if (!v || !*v || strspn(v, "0123456789") != strlen(v))
        return NULL;
    return v;
}

/* The number in GitHub's "refs/pull/<n>/merge" (or ".../head"); NULL for other refs. The
 * result is a new string. */
static char *github_pr(const char *ref)
{
    if (!ref || strncmp(ref, "refs/pull/", 10) != 0)
        return NULL;
    size_t n = strspn(ref + 10, "0123456789");
    if (!n || ref[10 + n] != '/')
        return NULL;
    char *s = aidf_xmalloc(n + 1);
    memcpy(s, ref + 10, n);
    s[n] = '\0';
    return s;
}

/* The last path segment of a CircleCI pull-request URL (".../pull/123"), when numeric. */
static const char *last_segment_number(const char *url)
{
    if (!url)
        return NULL;
    const char *slash = strrchr(url, '/');
    return pr_number(slash ? slash + 1 : url);
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
        char *pr = github_pr(var(l, "GITHUB_REF"));
        fill_origin(out, repo, var(l, "GITHUB_WORKFLOW"), var(l, "GITHUB_JOB"),
                    var(l, "GITHUB_EVENT_NAME"), pr, var(l, "GITHUB_RUN_ATTEMPT"),
                    var2(l, "GITHUB_TRIGGERING_ACTOR", "GITHUB_ACTOR"));
        free(pr);
        return true;
    }
    if (is_true(var(l, "GITLAB_CI"))) {
        fill(out, "gitlab-ci", var2(l, "CI_PIPELINE_ID", "CI_JOB_ID"),
             var2(l, "CI_COMMIT_REF_NAME", "CI_COMMIT_BRANCH"), var(l, "CI_COMMIT_SHA"));
        out->build_url = aidf_xstrdup(var2(l, "CI_PIPELINE_URL", "CI_JOB_URL"));
        fill_origin(out, var(l, "CI_PROJECT_PATH"), var(l, "CI_PIPELINE_NAME"),
                    var(l, "CI_JOB_NAME"), var(l, "CI_PIPELINE_SOURCE"),
                    pr_number(var(l, "CI_MERGE_REQUEST_IID")), NULL, var(l, "GITLAB_USER_LOGIN"));
        return true;
    }
    if (var(l, "JENKINS_URL")) {
        fill(out, "jenkins", var2(l, "BUILD_NUMBER", "BUILD_ID"),
             var2(l, "BRANCH_NAME", "GIT_BRANCH"), var(l, "GIT_COMMIT"));
        out->build_url = aidf_xstrdup(var(l, "BUILD_URL"));
        char *repo = aidf_giturl_slug(var(l, "GIT_URL"));
        fill_origin(out, repo, var(l, "JOB_NAME"), var(l, "STAGE_NAME"), NULL,
                    pr_number(var(l, "CHANGE_ID")), NULL,
                    var2(l, "BUILD_USER_ID", "CHANGE_AUTHOR"));
        free(repo);
        return true;
    }
    if (is_true(var(l, "CIRCLECI"))) {
        fill(out, "circleci", var(l, "CIRCLE_BUILD_NUM"), var(l, "CIRCLE_BRANCH"),
             var(l, "CIRCLE_SHA1"));
        out->build_url = aidf_xstrdup(var(l, "CIRCLE_BUILD_URL"));
        const char *user = var(l, "CIRCLE_PROJECT_USERNAME");
        const char *name = var(l, "CIRCLE_PROJECT_REPONAME");
        char *repo = (user && name) ? JOIN(user, "/", name) : NULL;
        const char *pr = pr_number(var(l, "CIRCLE_PR_NUMBER"));
        fill_origin(out, repo, var(l, "CIRCLE_WORKFLOW_ID"), var(l, "CIRCLE_JOB"), NULL,
                    pr ? pr : last_segment_number(var(l, "CIRCLE_PULL_REQUEST")), NULL,
                    var(l, "CIRCLE_USERNAME"));
        free(repo);
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
        fill_origin(out, repo, NULL, var(l, "BITBUCKET_STEP_UUID"), NULL,
                    pr_number(var(l, "BITBUCKET_PR_ID")), NULL, NULL);
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
        const char *pr = pr_number(var(l, "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"));
        fill_origin(out, var(l, "BUILD_REPOSITORY_NAME"), var(l, "BUILD_DEFINITIONNAME"),
                    var(l, "SYSTEM_JOBDISPLAYNAME"), var(l, "BUILD_REASON"),
                    pr ? pr : pr_number(var(l, "SYSTEM_PULLREQUEST_PULLREQUESTID")),
                    var(l, "SYSTEM_JOBATTEMPT"), var(l, "BUILD_REQUESTEDFOR"));
        return true;
    }
    if (is_true(var(l, "BUILDKITE"))) {
        fill(out, "buildkite", var(l, "BUILDKITE_BUILD_NUMBER"), var(l, "BUILDKITE_BRANCH"),
             var(l, "BUILDKITE_COMMIT"));
        out->build_url = aidf_xstrdup(var(l, "BUILDKITE_BUILD_URL"));
        char *repo = aidf_giturl_slug(var(l, "BUILDKITE_REPO"));
        /* BUILDKITE_RETRY_COUNT is 0 on the first attempt. */
        const char *retries = var(l, "BUILDKITE_RETRY_COUNT");
        char attempt[24] = "";
        if (retries && strspn(retries, "0123456789") == strlen(retries) && strlen(retries) < 12)
            snprintf(attempt, sizeof(attempt), "%ld", strtol(retries, NULL, 10) + 1);
        fill_origin(out, repo, var(l, "BUILDKITE_PIPELINE_SLUG"),
                    var2(l, "BUILDKITE_STEP_KEY", "BUILDKITE_LABEL"), var(l, "BUILDKITE_SOURCE"),
                    pr_number(var(l, "BUILDKITE_PULL_REQUEST")), attempt[0] ? attempt : NULL,
                    var2(l, "BUILDKITE_BUILD_CREATOR_EMAIL", "BUILDKITE_BUILD_CREATOR"));
        free(repo);
        return true;
    }
    if (is_true(var(l, "TRAVIS"))) {
        fill(out, "travis-ci", var2(l, "TRAVIS_BUILD_NUMBER", "TRAVIS_BUILD_ID"),
             var(l, "TRAVIS_BRANCH"), var(l, "TRAVIS_COMMIT"));
        out->build_url = aidf_xstrdup(var(l, "TRAVIS_BUILD_WEB_URL"));
        fill_origin(out, var(l, "TRAVIS_REPO_SLUG"), NULL, var(l, "TRAVIS_JOB_NAME"),
                    var(l, "TRAVIS_EVENT_TYPE"), pr_number(var(l, "TRAVIS_PULL_REQUEST")), NULL,
                    NULL);
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
    free(e->repository);
    free(e->workflow);
    free(e->job);
    free(e->event);
    free(e->pull_request);
    free(e->attempt);
    free(e->actor);
    memset(e, 0, sizeof(*e));
}
