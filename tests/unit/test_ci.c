#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/ci.h"

/* A fake environment: NULL-terminated name/value pairs. */
struct fake_env {
    const char *const *vars;
};

static const char *fake_getenv(const char *name, void *ctx)
{
    const struct fake_env *e = ctx;
    for (size_t i = 0; e->vars[i]; i += 2)
        if (strcmp(e->vars[i], name) == 0)
            return e->vars[i + 1];
    return NULL;
}

static bool detect(const char *const *vars, struct aidf_ci_env *out)
{
    struct fake_env e = {vars};
    return aidf_ci_detect(fake_getenv, &e, out);
}

static void expect_str(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

static void expect_env(const char *const *vars, const char *provider, const char *id,
                       const char *branch, const char *commit, const char *url)
{
    struct aidf_ci_env e;
    assert_true(detect(vars, &e));
    assert_true(e.ci);
    expect_str(e.provider, provider);
    expect_str(e.build_id, id);
    expect_str(e.branch, branch);
    expect_str(e.commit, commit);
    expect_str(e.build_url, url);
    aidf_ci_env_release(&e);
    assert_null(e.provider);
    assert_false(e.ci);
}

static void expect_none(const char *const *vars)
{
    struct aidf_ci_env e;
    assert_false(detect(vars, &e));
    assert_false(e.ci);
    assert_null(e.provider);
    assert_null(e.build_id);
    assert_null(e.branch);
    assert_null(e.commit);
    assert_null(e.build_url);
    aidf_ci_env_release(&e);
}

static void test_github(void **state)
{
    (void)state;
    const char *const push[] = {"CI",
                                "true",
                                "GITHUB_ACTIONS",
                                "true",
                                "GITHUB_RUN_ID",
                                "123456",
                                "GITHUB_REF_NAME",
                                "main",
                                "GITHUB_HEAD_REF",
                                "",
                                "GITHUB_SHA",
                                "abc123",
                                "GITHUB_SERVER_URL",
                                "https://github.com",
                                "GITHUB_REPOSITORY",
                                "acme/app",
                                NULL};
    expect_env(push, "github-actions", "123456", "main", "abc123",
               "https://github.com/acme/app/actions/runs/123456");
    /* Pull request: the head branch, not "42/merge". */
    const char *const pr[] = {"GITHUB_ACTIONS",
                              "true",
                              "GITHUB_RUN_ID",
                              "9",
                              "GITHUB_REF_NAME",
                              "42/merge",
                              "GITHUB_HEAD_REF",
                              "feature/x",
                              "GITHUB_SHA",
                              "def",
                              NULL};
    expect_env(pr, "github-actions", "9", "feature/x", "def", NULL);
}

static void test_gitlab(void **state)
{
    (void)state;
    const char *const v[] = {"CI",
                             "true",
                             "GITLAB_CI",
                             "true",
                             "CI_PIPELINE_ID",
                             "777",
                             "CI_JOB_ID",
                             "888",
                             "CI_COMMIT_REF_NAME",
                             "develop",
                             "CI_COMMIT_SHA",
                             "0badc0de",
                             "CI_PIPELINE_URL",
                             "https://gitlab.com/acme/app/-/pipelines/777",
                             NULL};
    expect_env(v, "gitlab-ci", "777", "develop", "0badc0de",
               "https://gitlab.com/acme/app/-/pipelines/777");
}

static void test_jenkins(void **state)
{
    (void)state;
    const char *const v[] = {"JENKINS_URL",
                             "https://ci.example.com/",
                             "BUILD_NUMBER",
                             "41",
                             "BUILD_ID",
                             "41",
                             "GIT_BRANCH",
                             "origin/main",
                             "BRANCH_NAME",
                             "main",
                             "GIT_COMMIT",
                             "c0ffee",
                             "BUILD_URL",
                             "https://ci.example.com/job/app/41/",
                             NULL};
    expect_env(v, "jenkins", "41", "main", "c0ffee", "https://ci.example.com/job/app/41/");
    /* Freestyle job: no BRANCH_NAME or BUILD_NUMBER. */
    const char *const old[] = {"JENKINS_URL", "https://ci/", "BUILD_ID", "7",
                               "GIT_BRANCH",  "origin/dev",  NULL};
    expect_env(old, "jenkins", "7", "origin/dev", NULL, NULL);
}

static void test_circleci(void **state)
{
    (void)state;
    const char *const v[] = {"CI",
                             "true",
                             "CIRCLECI",
                             "true",
                             "CIRCLE_BUILD_NUM",
                             "55",
                             "CIRCLE_BRANCH",
                             "main",
                             "CIRCLE_SHA1",
                             "feed",
                             "CIRCLE_BUILD_URL",
                             "https://circleci.com/gh/acme/app/55",
                             NULL};
    expect_env(v, "circleci", "55", "main", "feed", "https://circleci.com/gh/acme/app/55");
}

static void test_bitbucket(void **state)
{
    (void)state;
    const char *const v[] = {"CI",
                             "true",
                             "BITBUCKET_BUILD_NUMBER",
                             "12",
                             "BITBUCKET_BRANCH",
                             "main",
                             "BITBUCKET_COMMIT",
                             "beef",
                             "BITBUCKET_REPO_FULL_NAME",
                             "acme/app",
                             NULL};
    expect_env(v, "bitbucket-pipelines", "12", "main", "beef",
               "https://bitbucket.org/acme/app/addon/pipelines/home#!/results/12");
    const char *const commit_only[] = {"BITBUCKET_COMMIT", "beef", NULL};
    expect_env(commit_only, "bitbucket-pipelines", NULL, NULL, "beef", NULL);
    const char *const uuid_only[] = {"BITBUCKET_PIPELINE_UUID", "{1234}", NULL};
    expect_env(uuid_only, "bitbucket-pipelines", NULL, NULL, NULL, NULL);
}

static void test_azure(void **state)
{
    (void)state;
    const char *const v[] = {"TF_BUILD",
                             "True",
                             "BUILD_BUILDID",
                             "314",
                             "BUILD_SOURCEBRANCHNAME",
                             "main",
                             "BUILD_SOURCEBRANCH",
                             "refs/heads/main",
                             "BUILD_SOURCEVERSION",
                             "a1b2",
                             "SYSTEM_COLLECTIONURI",
                             "https://dev.azure.com/acme/",
                             "SYSTEM_TEAMPROJECT",
                             "app",
                             NULL};
    expect_env(v, "azure-pipelines", "314", "main", "a1b2",
               "https://dev.azure.com/acme/app/_build/results?buildId=314");
    /* Only the full ref: refs/heads/ is stripped; no collection URI means no URL. */
    const char *const ref[] = {
        "TF_BUILD", "true", "BUILD_BUILDID", "5", "BUILD_SOURCEBRANCH", "refs/heads/feature/y",
        NULL};
    expect_env(ref, "azure-pipelines", "5", "feature/y", NULL, NULL);
    /* Both set for a nested branch: the full name wins over the last segment. */
    const char *const nested[] = {"TF_BUILD",
                                  "true",
                                  "BUILD_SOURCEBRANCHNAME",
                                  "x",
                                  "BUILD_SOURCEBRANCH",
                                  "refs/heads/feature/x",
                                  NULL};
    expect_env(nested, "azure-pipelines", NULL, "feature/x", NULL, NULL);
    const char *const pr[] = {"TF_BUILD", "TRUE", "BUILD_SOURCEBRANCH", "refs/pull/3/merge", NULL};
    expect_env(pr, "azure-pipelines", NULL, "refs/pull/3/merge", NULL, NULL);
}

static void test_buildkite(void **state)
{
    (void)state;
    const char *const v[] = {"CI",
                             "true",
                             "BUILDKITE",
                             "true",
                             "BUILDKITE_BUILD_NUMBER",
                             "99",
                             "BUILDKITE_BRANCH",
                             "main",
                             "BUILDKITE_COMMIT",
                             "cafe",
                             "BUILDKITE_BUILD_URL",
                             "https://buildkite.com/acme/app/builds/99",
                             NULL};
    expect_env(v, "buildkite", "99", "main", "cafe", "https://buildkite.com/acme/app/builds/99");
}

static void test_travis(void **state)
{
    (void)state;
    const char *const v[] = {"CI",
                             "true",
                             "TRAVIS",
                             "true",
                             "TRAVIS_BUILD_NUMBER",
                             "1001",
                             "TRAVIS_BUILD_ID",
                             "555555",
                             "TRAVIS_BRANCH",
                             "master",
                             "TRAVIS_COMMIT",
                             "d00d",
                             "TRAVIS_BUILD_WEB_URL",
                             "https://app.travis-ci.com/acme/app/builds/555555",
                             NULL};
    expect_env(v, "travis-ci", "1001", "master", "d00d",
               "https://app.travis-ci.com/acme/app/builds/555555");
}

static void test_generic(void **state)
{
    (void)state;
    const char *const t[] = {"CI", "true", NULL};
    expect_env(t, "unknown", NULL, NULL, NULL, NULL);
    const char *const one[] = {"CI", "1", NULL};
    expect_env(one, "unknown", NULL, NULL, NULL, NULL);
    const char *const upper[] = {"CI", "TRUE", NULL};
    expect_env(upper, "unknown", NULL, NULL, NULL, NULL);
}

static void test_ci_false(void **state)
{
    (void)state;
    const char *const f[] = {"CI", "false", NULL};
    expect_none(f);
    const char *const zero[] = {"CI", "0", NULL};
    expect_none(zero);
    /* A vendor variable still wins over CI=false. */
    const char *const gh[] = {"CI", "false", "GITHUB_ACTIONS", "true", NULL};
    expect_env(gh, "github-actions", NULL, NULL, NULL, NULL);
}

static void test_not_ci(void **state)
{
    (void)state;
    const char *const nothing[] = {NULL};
    expect_none(nothing);
    /* AZURE_PIPELINE is not a real Azure variable. */
    const char *const azure[] = {"AZURE_PIPELINE", "true", NULL};
    expect_none(azure);
    /* Empty values count as unset; false-ish vendor flags do not detect. */
    const char *const empty[] = {
        "CI", "",         "GITHUB_ACTIONS", "",  "JENKINS_URL", "", "BITBUCKET_COMMIT",
        "",   "TF_BUILD", "False",          NULL};
    expect_none(empty);
    const char *const tf[] = {"TF_BUILD", "yes-ish", NULL};
    expect_none(tf);
}

static void test_null_out_and_real_env(void **state)
{
    (void)state;
    const char *const t[] = {"CI", "true", NULL};
    struct fake_env e = {t};
    assert_true(aidf_ci_detect(fake_getenv, &e, NULL));

    /* The process environment: a clean slate of the variables we read. */
    static const char *const names[] = {"CI",
                                        "GITHUB_ACTIONS",
                                        "GITLAB_CI",
                                        "JENKINS_URL",
                                        "CIRCLECI",
                                        "BITBUCKET_BUILD_NUMBER",
                                        "BITBUCKET_COMMIT",
                                        "BITBUCKET_PIPELINE_UUID",
                                        "TF_BUILD",
                                        "BUILDKITE",
                                        "TRAVIS"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unsetenv(names[i]);
    struct aidf_ci_env out;
    assert_false(aidf_ci_detect(NULL, NULL, &out));
    setenv("GITLAB_CI", "true", 1);
    setenv("CI_COMMIT_SHA", "1234", 1);
    assert_true(aidf_ci_detect(NULL, NULL, &out));
    assert_string_equal(out.provider, "gitlab-ci");
    assert_string_equal(out.commit, "1234");
    aidf_ci_env_release(&out);
    aidf_ci_env_release(NULL);
}

/* Where the build came from and who started it: one field set per vendor. */
struct origin_want {
    const char *repository, *workflow, *job, *event, *pull_request, *attempt, *actor;
};

static void expect_origin(const char *const *vars, struct origin_want w)
{
    struct aidf_ci_env e;
    assert_true(detect(vars, &e));
    expect_str(e.repository, w.repository);
    expect_str(e.workflow, w.workflow);
    expect_str(e.job, w.job);
    expect_str(e.event, w.event);
    expect_str(e.pull_request, w.pull_request);
    expect_str(e.attempt, w.attempt);
    expect_str(e.actor, w.actor);
    aidf_ci_env_release(&e);
    assert_null(e.repository);
    assert_null(e.actor);
}

static void test_origin_github(void **state)
{
    (void)state;
    const char *const v[] = {"GITHUB_ACTIONS",
                             "true",
                             "GITHUB_REPOSITORY",
                             "acme/widgets",
                             "GITHUB_WORKFLOW",
                             "CI",
                             "GITHUB_JOB",
                             "build",
                             "GITHUB_EVENT_NAME",
                             "pull_request",
                             "GITHUB_REF",
                             "refs/pull/42/merge",
                             "GITHUB_RUN_ATTEMPT",
                             "2",
                             "GITHUB_ACTOR",
                             "octocat",
                             "GITHUB_TRIGGERING_ACTOR",
                             "hubot",
                             NULL};
    expect_origin(
        v, (struct origin_want){"acme/widgets", "CI", "build", "pull_request", "42", "2", "hubot"});
    /* A push: no pull request; the actor when no triggering actor is given. */
    const char *const push[] = {"GITHUB_ACTIONS", "true",    "GITHUB_REF", "refs/heads/main",
                                "GITHUB_ACTOR",   "octocat", NULL};
    expect_origin(push, (struct origin_want){.actor = "octocat"});
    /* A malformed pull ref gives no number. */
    const char *const bad[] = {"GITHUB_ACTIONS", "true", "GITHUB_REF", "refs/pull/x1/merge", NULL};
    expect_origin(bad, (struct origin_want){0});
}

static void test_origin_others(void **state)
{
    (void)state;
    const char *const gl[] = {"GITLAB_CI",
                              "true",
                              "CI_PROJECT_PATH",
                              "acme/sub/widgets",
                              "CI_JOB_NAME",
                              "test",
                              "CI_PIPELINE_SOURCE",
                              "merge_request_event",
                              "CI_MERGE_REQUEST_IID",
                              "7",
                              "GITLAB_USER_LOGIN",
                              "alice",
                              NULL};
    expect_origin(gl, (struct origin_want){"acme/sub/widgets", NULL, "test", "merge_request_event",
                                           "7", NULL, "alice"});
    /* Buildkite names the repository by URL (credentials and all) and counts retries. */
    const char *const bk[] = {"BUILDKITE",
                              "true",
                              "BUILDKITE_REPO",
                              "https://bot:s3cret@github.com/acme/widgets.git",
                              "BUILDKITE_PIPELINE_SLUG",
                              "widgets",
                              "BUILDKITE_LABEL",
                              ":test:",
                              "BUILDKITE_SOURCE",
                              "webhook",
                              "BUILDKITE_PULL_REQUEST",
                              "false",
                              "BUILDKITE_RETRY_COUNT",
                              "1",
                              "BUILDKITE_BUILD_CREATOR",
                              "Bob",
                              NULL};
    expect_origin(
        bk, (struct origin_want){"acme/widgets", "widgets", ":test:", "webhook", NULL, "2", "Bob"});
    const char *const tr[] = {"TRAVIS",
                              "true",
                              "TRAVIS_REPO_SLUG",
                              "acme/widgets",
                              "TRAVIS_EVENT_TYPE",
                              "pull_request",
                              "TRAVIS_PULL_REQUEST",
                              "12",
                              NULL};
    expect_origin(
        tr, (struct origin_want){"acme/widgets", NULL, NULL, "pull_request", "12", NULL, NULL});
    const char *const az[] = {"TF_BUILD",
                              "True",
                              "BUILD_REPOSITORY_NAME",
                              "widgets",
                              "BUILD_DEFINITIONNAME",
                              "nightly",
                              "BUILD_REASON",
                              "Schedule",
                              "SYSTEM_JOBATTEMPT",
                              "3",
                              "BUILD_REQUESTEDFOR",
                              "Carol",
                              NULL};
    expect_origin(az,
                  (struct origin_want){"widgets", "nightly", NULL, "Schedule", NULL, "3", "Carol"});
    const char *const cc[] = {"CIRCLECI",
                              "true",
                              "CIRCLE_PROJECT_USERNAME",
                              "acme",
                              "CIRCLE_PROJECT_REPONAME",
                              "widgets",
                              "CIRCLE_PULL_REQUEST",
                              "https://github.com/acme/widgets/pull/99",
                              "CIRCLE_USERNAME",
                              "dan",
                              NULL};
    expect_origin(cc, (struct origin_want){"acme/widgets", NULL, NULL, NULL, "99", NULL, "dan"});
    /* A generic CI knows none of it. */
    const char *const gen[] = {"CI", "true", NULL};
    expect_origin(gen, (struct origin_want){0});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_github),        cmocka_unit_test(test_gitlab),
        cmocka_unit_test(test_jenkins),       cmocka_unit_test(test_circleci),
        cmocka_unit_test(test_bitbucket),     cmocka_unit_test(test_azure),
        cmocka_unit_test(test_buildkite),     cmocka_unit_test(test_travis),
        cmocka_unit_test(test_generic),       cmocka_unit_test(test_ci_false),
        cmocka_unit_test(test_not_ci),        cmocka_unit_test(test_origin_github),
        cmocka_unit_test(test_origin_others), cmocka_unit_test(test_null_out_and_real_env),
    };
    return cmocka_run_group_tests_name("ci", tests, NULL, NULL);
}
