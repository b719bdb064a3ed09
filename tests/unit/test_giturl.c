#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/giturl.h"

/* redact(url) == want and slug(url) == slug (NULL means "refused"). */
static void check(const char *url, const char *want, const char *slug)
{
    char *r = aidf_giturl_redact(url);
    char *s = aidf_giturl_slug(url);
    if (want) {
        assert_non_null(r);
        assert_string_equal(r, want);
    } else {
        assert_null(r);
    }
    if (slug) {
        assert_non_null(s);
        assert_string_equal(s, slug);
    } else {
        assert_null(s);
    }
    free(r);
    free(s);
}

static void test_https(void **state)
{
    (void)state;
    check("https://github.com/acme/widgets.git", "https://github.com/acme/widgets.git",
          "acme/widgets");
    check("https://github.com/acme/widgets", "https://github.com/acme/widgets", "acme/widgets");
    check("https://github.com/acme/widgets/", "https://github.com/acme/widgets/", "acme/widgets");
    check("https://gitlab.com/group/sub/project.git", "https://gitlab.com/group/sub/project.git",
          "group/sub/project");
    check("https://dev.azure.com/org/proj/_git/repo", "https://dev.azure.com/org/proj/_git/repo",
          "org/proj/repo");
    check("https://github.com", "https://github.com", NULL);
}

static void test_credentials_removed(void **state)
{
    (void)state;
    check("https://x-access-token:ghs_SECRET@github.com/acme/widgets.git",
          "https://github.com/acme/widgets.git", "acme/widgets");
    check("https://user@host.example:8443/a/b", "https://host.example:8443/a/b", "a/b");
    /* An '@' in the password: the last '@' of the authority ends the user info. */
    check("https://u:p@ss@github.com/acme/w", "https://github.com/acme/w", "acme/w");
    check("https://github.com/acme/w.git?private_token=SECRET#frag",
          "https://github.com/acme/w.git", "acme/w");
    check("ssh://git@host:2222/acme/widgets/", "ssh://host:2222/acme/widgets/", "acme/widgets");
    /* scp-like: a plain user stays (it holds no secret), a user with a password goes. */
    check("git@github.com:acme/widgets.git", "git@github.com:acme/widgets.git", "acme/widgets");
    check("bot:SECRET@github.com:acme/widgets.git", "github.com:acme/widgets.git", "acme/widgets");
    check("git@ssh.dev.azure.com:v3/org/proj/repo", "git@ssh.dev.azure.com:v3/org/proj/repo",
          "org/proj/repo");
}

static void test_local_and_refused(void **state)
{
    (void)state;
    check("/srv/git/widgets.git", "/srv/git/widgets.git", NULL);
    check("../widgets", "../widgets", NULL);
    check("./a:b", "./a:b", NULL);
    check("C:/repos/widgets", "C:/repos/widgets", NULL);
    check("file:///srv/git/widgets.git", "file:///srv/git/widgets.git", NULL);
    check(NULL, NULL, NULL);
    check("", NULL, NULL);
    check("https://github.com/acme/w\x1b]0;x\x07", NULL, NULL);
    check("https://github.com/acme w", NULL, NULL);
    check("https://github.com/acme/w\n", NULL, NULL);
    check(":", ":", NULL);
    check("@:", "@:", NULL);
    check("a@b:", "a@b:", NULL);
    check("https://", "https://", NULL);
    check("https://@", "https://", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_https),
        cmocka_unit_test(test_credentials_removed),
        cmocka_unit_test(test_local_and_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
