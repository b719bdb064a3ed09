#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/run_identity.h"
#include "aidf/xalloc.h"

/* A fake environment: NULL-terminated name/value pairs. */
static const char *fake_getenv(const char *name, void *ctx)
{
    const char *const *v = ctx;
    for (size_t i = 0; v && v[i]; i += 2)
        if (!strcmp(v[i], name))
            return v[i + 1];
    return NULL;
}

static const char *tag(const struct aidf_run_identity *id, const char *key)
{
    for (size_t i = 0; i < id->tags.n; i++)
        if (!strcmp(id->tags.items[i].key, key))
            return id->tags.items[i].value;
    return NULL;
}

struct fixture {
    struct aidf_config cfg;
    struct aidf_ci_env ci;
    struct aidf_git_origin git;
    struct aidf_strlist cli;
    struct aidf_identity_inputs in;
};

static int setup(void **state)
{
    struct fixture *f = aidf_xcalloc(1, sizeof(*f));
    aidf_config_init_defaults(&f->cfg);
    f->cfg.project.name = aidf_xstrdup("widgets-checkout");
    f->git.branch = aidf_xstrdup("feature/login");
    f->git.head = aidf_xstrdup("1111111111111111111111111111111111111111");
    f->git.remote_url =
        aidf_xstrdup("https://x-access-token:ghs_SECRET@github.com/acme/widgets.git");
    f->git.user_email = aidf_xstrdup("dev@example.com");
    f->in.config = &f->cfg;
    f->in.getenv_fn = fake_getenv;
    f->in.git = &f->git;
    f->in.cli_tags = &f->cli;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    aidf_config_release(&f->cfg);
    aidf_ci_env_release(&f->ci);
    aidf_git_origin_release(&f->git);
    aidf_strlist_release(&f->cli);
    free(f);
    return 0;
}

static void resolve_ok(struct fixture *f, struct aidf_run_identity *id)
{
    struct aidf_error err = {0};
    int rc = aidf_run_identity_resolve(&f->in, id, &err);
    if (rc != AIDF_OK)
        fail_msg("resolve: %s", err.msg);
}

static void test_local_checkout(void **state)
{
    struct fixture *f = *state;
    struct aidf_run_identity id;
    resolve_ok(f, &id);
    /* The origin's slug, not the directory name; the URL without the token. */
    assert_string_equal(id.project_name, "acme/widgets");
    assert_string_equal(id.repository, "https://github.com/acme/widgets.git");
    assert_string_equal(id.branch, "feature/login");
    assert_string_equal(id.commit, "1111111111111111111111111111111111111111");
    assert_string_equal(id.actor, "dev@example.com");
    assert_int_equal(id.tags.n, 0);
    aidf_run_identity_release(&id);
    assert_null(id.project_name);
}

static void test_precedence(void **state)
{
    struct fixture *f = *state;
    struct aidf_run_identity id;
    /* The CI's slug and actor beat git's; AIDF_ACTOR beats the CI. */
    f->ci.ci = true;
    f->ci.repository = aidf_xstrdup("acme/widgets-ci");
    f->ci.actor = aidf_xstrdup("octocat");
    f->ci.branch = aidf_xstrdup("main");
    f->ci.commit = aidf_xstrdup("2222");
    f->in.ci = &f->ci;
    resolve_ok(f, &id);
    assert_string_equal(id.project_name, "acme/widgets-ci");
    assert_string_equal(id.actor, "octocat");
    assert_string_equal(id.branch, "feature/login"); /* git knows the branch */
    aidf_run_identity_release(&id);

    const char *env[] = {"AIDF_ACTOR", "release-bot", NULL};
    f->in.getenv_ctx = (void *)env;
    f->cfg.observability.project = aidf_xstrdup("Widgets");
    free(f->git.branch);
    f->git.branch = NULL; /* detached HEAD: the CI's branch */
    free(f->git.head);
    f->git.head = NULL;
    resolve_ok(f, &id);
    assert_string_equal(id.project_name, "Widgets");
    assert_string_equal(id.actor, "release-bot");
    assert_string_equal(id.branch, "main");
    assert_string_equal(id.commit, "2222");
    aidf_run_identity_release(&id);

    /* observability.actor: false records nobody, whatever the sources say. */
    f->cfg.observability.actor = false;
    resolve_ok(f, &id);
    assert_null(id.actor);
    aidf_run_identity_release(&id);
}

static void test_fallbacks(void **state)
{
    struct fixture *f = *state;
    struct aidf_run_identity id;
    /* A local remote has no slug: the config's project name. */
    free(f->git.remote_url);
    f->git.remote_url = aidf_xstrdup("/srv/git/widgets.git");
    resolve_ok(f, &id);
    assert_string_equal(id.project_name, "widgets-checkout");
    assert_string_equal(id.repository, "/srv/git/widgets.git");
    aidf_run_identity_release(&id);
    /* No repository at all. */
    f->in.git = NULL;
    free(f->cfg.project.name);
    f->cfg.project.name = NULL;
    resolve_ok(f, &id);
    assert_null(id.project_name);
    assert_null(id.repository);
    assert_null(id.branch);
    assert_null(id.actor);
    aidf_run_identity_release(&id);
}

static void test_hostile_values(void **state)
{
    struct fixture *f = *state;
    struct aidf_run_identity id;
    const char *env[] = {"AIDF_ACTOR", "ev\x1b]0;pwned\x07il\r\n\xff", NULL};
    f->in.getenv_ctx = (void *)env;
    char big[600];
    memset(big, 'p', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    f->cfg.observability.project = aidf_xstrdup(big);
    resolve_ok(f, &id);
    assert_string_equal(id.actor, "ev]0;pwnedil\xef\xbf\xbd");
    assert_int_equal(strlen(id.project_name), 256);
    aidf_run_identity_release(&id);
}

static void test_tags(void **state)
{
    struct fixture *f = *state;
    struct aidf_run_identity id;
    struct aidf_error err = {0};
    aidf_kvlist_add(&f->cfg.observability.tags, "team", "config");
    aidf_kvlist_add(&f->cfg.observability.tags, "env", "ci");
    const char *env[] = {"AIDF_TAGS", "team=env,ticket=WID-1", NULL};
    f->in.getenv_ctx = (void *)env;
    aidf_strlist_add(&f->cli, "team=core");
    resolve_ok(f, &id);
    assert_int_equal(id.tags.n, 3);
    assert_string_equal(tag(&id, "team"), "core");
    assert_string_equal(tag(&id, "env"), "ci");
    assert_string_equal(tag(&id, "ticket"), "WID-1");
    aidf_run_identity_release(&id);

    aidf_strlist_add(&f->cli, "bad tag=x");
    assert_int_equal(aidf_run_identity_resolve(&f->in, &id, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "--tag"));
    aidf_run_identity_release(&id);

    const char *bad_env[] = {"AIDF_TAGS", "novalue", NULL};
    f->in.getenv_ctx = (void *)bad_env;
    assert_int_equal(aidf_run_identity_resolve(&f->in, &id, &err), AIDF_EINVAL);
    assert_non_null(strstr(err.msg, "AIDF_TAGS"));
    aidf_run_identity_release(&id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_local_checkout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
