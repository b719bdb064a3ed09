/*
 * Which project a run belongs to, who ran it and how it is tagged: the report's `project`,
 * `actor` and `tags`, worked out once at run start from the config, the environment, the
 * CI and git. Pure: the inputs are passed in, so tests need no repository or environment.
 *
 * Project name, first found: observability.project (an explicit override); the CI's
 * repository slug; the origin remote's slug; the config's project.name. The repository
 * identity comes before the directory-derived name so that one repository checked out under
 * different directory names is one project on the server.
 * Actor, first found (none when observability.actor is false): AIDF_ACTOR; the CI's
 * actor; git's user.email.
 * Tags: observability.tags, then AIDF_TAGS, then --tag; a later source wins on a key.
 *
 * Ownership: inputs are borrowed; struct aidf_run_identity owns its strings and tags and
 * is freed with aidf_run_identity_release().
 */
#ifndef AIDF_RUN_IDENTITY_H
#define AIDF_RUN_IDENTITY_H

#include "aidf/ci.h"
#include "aidf/config.h"
#include "aidf/containers.h"
#include "aidf/err.h"
#include "aidf/git.h"
#include "aidf/kvlist.h"

struct aidf_identity_inputs {
    const struct aidf_config *config;
    aidf_getenv_fn getenv_fn; /* NULL: the process environment */
    void *getenv_ctx;
    const struct aidf_ci_env *ci;        /* may be NULL (not CI) */
    const struct aidf_git_origin *git;   /* may be NULL (not a repository) */
    const struct aidf_strlist *cli_tags; /* "key=value" items of --tag; may be NULL */
};

struct aidf_run_identity {
    char *project_name; /* NULL when nothing names it */
    char *repository;   /* the origin URL without credentials; NULL when none */
    char *branch;       /* git's branch, else the CI's (detached checkouts); may be NULL */
    char *commit;       /* HEAD at run start, else the CI's commit; may be NULL */
    char *actor;        /* NULL when unknown or not recorded */
    struct aidf_kvlist tags;
};

/**
 * Work out the identity of a run from `in`. Returns AIDF_OK, or AIDF_EINVAL /
 * AIDF_ETOOBIG for a bad tag in AIDF_TAGS or --tag (the message names the source; the
 * config's tags were checked when it was read). `out` is always initialised and must be
 * released, also on error.
 */
int aidf_run_identity_resolve(const struct aidf_identity_inputs *in, struct aidf_run_identity *out,
                              struct aidf_error *err);

/** Free the fields of `id` and zero it. NULL is a no-op. */
void aidf_run_identity_release(struct aidf_run_identity *id);

#endif
