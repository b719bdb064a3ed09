#!/usr/bin/env bash
# Team dimensions in the report: a run in a repository whose origin remote holds a token,
# in a simulated GitHub Actions pull-request build, with --tag, AIDF_TAGS and
# observability.tags. The report names the project (the CI's slug), the repository URL
# without credentials, branch, commits before and after, the actor, the tags, the task's
# file name, the agent's session id and the CI's workflow/job/event/pull request/attempt;
# no file or output holds the token. Then: the origin's slug outside CI, the config's
# override, observability.actor: false, and bad tags as usage errors.
#
# Usage: t475-run-dimensions.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"

need git jq python3

SECRET=ghs_Zq8SECRETtoken1234

# obs_config LINE...: add lines to the observability section of .ai/config.yml.
obs_config() {
    python3 - "$PROJ/.ai/config.yml" "$@" <<'PY'
import sys
path, lines = sys.argv[1], sys.argv[2:]
text = open(path).read().split("\n")
i = text.index("observability:")
text[i + 1:i + 1] = lines
open(path, "w").write("\n".join(text))
PY
}
github_env() {
    env GITHUB_ACTIONS=true GITHUB_RUN_ID=777 GITHUB_RUN_ATTEMPT=2 GITHUB_REPOSITORY=acme/widgets \
        GITHUB_SERVER_URL=https://github.com GITHUB_WORKFLOW=CI GITHUB_JOB=agent \
        GITHUB_EVENT_NAME=pull_request GITHUB_REF=refs/pull/42/merge GITHUB_HEAD_REF=feature/login \
        GITHUB_SHA=abc123 GITHUB_ACTOR=octocat "$@"
}

# --- CI run with tags -------------------------------------------------------------------------
new_project dims
git remote add origin "https://x-access-token:$SECRET@github.com/acme/widgets.git"
git checkout -q -b feature/login
obs_config '  tags: {team: platform, env: ci}'
git add -A && git commit -qm "tags in config"
add_task 001-add-login "Add a login page"
BEFORE=$(git rev-parse HEAD)
scenario <<'EOF2'
[1]
write src/login.c int login(void){return 0;}\n
say <TASK_COMPLETE>
EOF2
export AIDF_TAGS="ticket=WID-42,env=staging"
github_env "$AIDF" run --tag team=core --tag "note=café ✓" >"$OUT" 2>"$ERR"
check "the run completes" [ $? = 0 ]
unset AIDF_TAGS
last_report
check "the report validates against the schema" python3 - "$SRC_DIR/api/execution-report.schema.json" "$REPORT" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
rcheck "project name is the CI's repository slug" '.project.name == "acme/widgets"'
rcheck "repository URL without the token" '.project.repository == "https://github.com/acme/widgets.git"'
rcheck "branch from git" '.project.branch == "feature/login"'
rcheck "commit at start" '.project.commit == $c' --arg c "$BEFORE"
AFTER=$(git rev-parse HEAD)
check "the run committed (HEAD moved)" [ "$AFTER" != "$BEFORE" ]
rcheck "commitAfter is HEAD at the end" '.project.commitAfter == $c' --arg c "$AFTER"
rcheck "actor from the CI" '.actor == "octocat"'
rcheck "tags: config < AIDF_TAGS < --tag" \
    '.tags == {"team":"core","env":"staging","ticket":"WID-42","note":"café ✓"}'
rcheck "taskName is the file name" '.taskName == "001-add-login.md"'
rcheck "agentSessionId is the agent's session" '.agentSessionId == $s' --arg s "$FAKE_CLAUDE_SESSION"
rcheck "CI origin fields" '.environment.ciRepository == "acme/widgets" and .environment.ciWorkflow == "CI" and .environment.ciJob == "agent" and .environment.ciEvent == "pull_request" and .environment.ciPullRequest == "42" and .environment.ciAttempt == "2" and .environment.ciActor == "octocat"'
check "no report, index, log or output holds the token" \
    sh -c "! grep -rqF '$SECRET' .ai '$OUT' '$ERR'"
check "the task file's history holds no token" sh -c "! git log -p | grep -qF '$SECRET'"
RUN_ID=$(jq -r .runId "$REPORT")
expect 0 "report show of the run" report show "$RUN_ID"
check "show: project name" out_has "Name:         acme/widgets"
check "show: repository without the token" out_has "Repository:   https://github.com/acme/widgets.git"
check "show: actor and tags" sh -c "grep -q 'Actor:        octocat' '$OUT' && grep -q 'Tags:         team=core' '$OUT'"
check "show: pull request" out_has "Pull request: #42"
check "show holds no token" sh -c "! grep -qF '$SECRET' '$OUT' '$ERR'"

# --- outside CI: the origin's slug, git's e-mail; AIDF_ACTOR wins --------------------------------
new_project local
git remote add origin "git@gitlab.example.com:group/sub/widgets.git"
git config user.email dev@example.com
add_task 002-local "Local run"
scenario <<'EOF2'
[1]
say <TASK_COMPLETE>
EOF2
expect 0 "a local run completes" run
last_report
rcheck "project name is the origin's slug" '.project.name == "group/sub/widgets"'
rcheck "scp-like URL kept (no secret in it)" '.project.repository == "git@gitlab.example.com:group/sub/widgets.git"'
rcheck "actor is git's e-mail" '.actor == "dev@example.com"'
rcheck "no tags, no tags member" 'has("tags") | not'
rcheck "no commitAfter when HEAD did not move" '(.project.commitAfter // null) == null or .project.commitAfter != .project.commit'
rcheck "not CI" '.environment.ci == false and (.environment.ciRepository // null) == null'
add_task 003-actor "Actor override"
scenario <<'EOF2'
[1]
say <TASK_COMPLETE>
EOF2
AIDF_ACTOR=release-bot expect 0 "AIDF_ACTOR run" run 003-actor
last_report
rcheck "AIDF_ACTOR wins" '.actor == "release-bot"'

# --- config: observability.project and actor: false -----------------------------------------------
obs_config '  project: Widgets (mono)' '  actor: false'
git add -A && git commit -qm "identity config"
add_task 004-private "Private run"
scenario <<'EOF2'
[1]
say <TASK_COMPLETE>
EOF2
AIDF_ACTOR=someone expect 0 "run with actor: false" run 004-private
last_report
rcheck "observability.project overrides" '.project.name == "Widgets (mono)"'
rcheck "no actor recorded" 'has("actor") | not'

# --- bad tags ---------------------------------------------------------------------------------
expect 2 "--tag without '='" run --tag team
check "it says how a tag is written" err_has "key=value"
expect 2 "--tag with a bad key" run --tag "bad key=x"
check "it explains the key rule" err_has "invalid tag key"
expect 2 "--tag with a control character" run --tag "$(printf 'team=a\033[2Jb')"
check "it names the problem" err_has "control character"
N=$(report_count)
add_task 005-badtags "Bad tags"
AIDF_TAGS="novalue" expect 1 "a bad AIDF_TAGS fails the run" run 005-badtags
check "the failure names AIDF_TAGS" sh -c "grep -q AIDF_TAGS '$OUT' '$ERR'"
last_report
rcheck "reported as a config error" '.status == "failed" and .error.code == "CONFIG_INVALID"'
check "a report was still written" [ "$(report_count)" = $((N + 1)) ]
finish
