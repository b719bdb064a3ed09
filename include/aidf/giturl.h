/*
 * Git remote URLs: the forms `git remote` accepts, reduced to what a report may hold.
 *
 * Recognised forms: "scheme://[user[:password]@]host[:port]/path" (https, http, ssh, git,
 * file, ...), the scp-like "[user@]host:path", and local paths. A report stores the URL with
 * the credentials removed (a CI job often clones from "https://x-access-token:TOKEN@host/")
 * and groups runs by the repository's slug ("acme/widgets").
 *
 * Ownership: arguments are borrowed; results are new strings the caller frees.
 */
#ifndef AIDF_GITURL_H
#define AIDF_GITURL_H

/**
 * The URL without anything that can carry a secret: the user-info part of a scheme URL
 * ("user:password@"), its query and fragment, and a user with a password in the scp-like
 * form. A plain scp-like user ("git@github.com:acme/w.git") is kept: it cannot hold a
 * password. Returns NULL for NULL, an empty string, or a string with control characters or
 * white space (nothing a report should hold).
 */
char *aidf_giturl_redact(const char *url);

/**
 * The repository's path on its host, as forges name it: "acme/widgets" for
 * "https://github.com/acme/widgets.git", "git@github.com:acme/widgets", and
 * "ssh://git@host:2222/acme/widgets/"; "group/sub/project" for nested GitLab groups;
 * "org/project/repo" for Azure DevOps ".../org/project/_git/repo". Returns NULL for local
 * paths and file:// URLs (they name a directory, not a repository on a forge), for a URL
 * with no path, and for anything aidf_giturl_redact() refuses.
 */
char *aidf_giturl_slug(const char *url);

#endif
