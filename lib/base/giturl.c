/*
 * Git remote URLs reduced to what a report may hold: see include/aidf/giturl.h.
 */
#include "aidf/giturl.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "aidf/buf.h"
#include "aidf/xalloc.h"

/* The parts of a remote URL, as offsets into it. A part that is absent has len 0. */
struct span {
    size_t off, len;
};

struct giturl {
    bool scheme_form; /* scheme://... */
    bool local;       /* a path or file:// URL */
    struct span scheme, user, host, path;
};

static bool is_scheme_char(char c, bool first)
{
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (first)
        return alpha;
    return alpha || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '-';
}

/* Length of "scheme" when `s` starts with "scheme://", else 0. */
static size_t scheme_len(const char *s)
{
    size_t i = 0;
    while (s[i] && is_scheme_char(s[i], i == 0))
        i++;
    return (i > 0 && strncmp(s + i, "://", 3) == 0) ? i : 0;
}

static bool clean(const char *s)
{
    if (!s || !*s)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}

/* Split `s` into its parts; false for what is not a URL a report should hold. */
static bool parse(const char *s, struct giturl *u)
{
    memset(u, 0, sizeof(*u));
    if (!clean(s))
        return false;
    size_t n = strlen(s);
    size_t sl = scheme_len(s);
    if (sl) {
        u->scheme_form = true;
        u->scheme = (struct span){0, sl};
        size_t a = sl + 3;
        size_t auth_end = a + strcspn(s + a, "/?#");
        size_t at = auth_end;
        for (size_t i = a; i < auth_end; i++)
            if (s[i] == '@')
                at = i;
        size_t host = a;
        if (at < auth_end) {
            u->user = (struct span){a, at - a};
            host = at + 1;
        }
        u->host = (struct span){host, auth_end - host};
        size_t path_end = auth_end + strcspn(s + auth_end, "?#");
        u->path = (struct span){auth_end, path_end - auth_end};
        u->local = sl == 4 && strncmp(s, "file", 4) == 0;
        return true;
    }
    /* scp-like "[user@]host:path": a ':' before the first '/', and not a drive letter. */
    size_t first_slash = strcspn(s, "/");
    size_t at = first_slash;
    for (size_t i = 0; i < first_slash; i++)
        if (s[i] == '@')
            at = i;
    size_t host = at < first_slash ? at + 1 : 0;
    const char *colon = memchr(s + host, ':', first_slash - host);
    if (!colon || colon == s + host || (colon == s + host + 1 && host == 0)) {
        u->local = true;
        u->path = (struct span){0, n};
        return true;
    }
    if (at < first_slash)
        u->user = (struct span){0, at};
    size_t c = (size_t)(colon - s);
    u->host = (struct span){host, c - host};
    u->path = (struct span){c + 1, n - c - 1};
    return true;
}

char *aidf_giturl_redact(const char *url)
{
    struct giturl u;
    if (!parse(url, &u))
        return NULL;
    if (u.local && !u.scheme_form)
        return aidf_xstrdup(url);
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    if (u.scheme_form) {
        aidf_buf_add(&b, url, u.scheme.len);
        aidf_buf_addstr(&b, "://");
    } else if (u.user.len && !memchr(url + u.user.off, ':', u.user.len)) {
        aidf_buf_add(&b, url + u.user.off, u.user.len);
        aidf_buf_addstr(&b, "@");
    }
    aidf_buf_add(&b, url + u.host.off, u.host.len);
    if (!u.scheme_form)
        aidf_buf_addstr(&b, ":");
    aidf_buf_add(&b, url + u.path.off, u.path.len);
    return aidf_buf_detach(&b, NULL);
}

char *aidf_giturl_slug(const char *url)
{
    struct giturl u;
    if (!parse(url, &u) || u.local)
        return NULL;
    const char *p = url + u.path.off;
    size_t n = u.path.len;
    while (n && *p == '/')
        p++, n--;
    while (n && p[n - 1] == '/')
        n--;
    if (n >= 4 && strncmp(p + n - 4, ".git", 4) == 0)
        n -= 4;
    while (n && p[n - 1] == '/')
        n--;
    /* Azure DevOps over SSH: "git@ssh.dev.azure.com:v3/org/project/repo". */
    if (n > 3 && strncmp(p, "v3/", 3) == 0 && u.host.len >= 13 &&
        strncmp(url + u.host.off + u.host.len - 13, "dev.azure.com", 13) == 0)
        p += 3, n -= 3;
    if (!n)
        return NULL;
    struct aidf_buf b = AIDF_BUF_INIT(AIDF_BUF_NOLIMIT);
    /* Azure DevOps over HTTPS: "org/project/_git/repo" names the repository
     * "org/project/repo". */
    const char *git = NULL;
    for (size_t i = 0; i + 6 <= n; i++)
        if (strncmp(p + i, "/_git/", 6) == 0) {
            git = p + i;
            break;
        }
    if (git) {
        aidf_buf_add(&b, p, (size_t)(git - p));
        aidf_buf_add(&b, git + 5, n - (size_t)(git + 5 - p));
    } else {
        aidf_buf_add(&b, p, n);
    }
    return aidf_buf_detach(&b, NULL);
}
