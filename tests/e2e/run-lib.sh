# Helpers shared by the executor end-to-end tests (t400..t450). Sourced, not run.
#
# Usage in a test:  . "$(dirname "$0")/run-lib.sh" "$@"
# Arguments and environment as for cli-lib.sh (which this sources).
#
# Projects: new_project NAME creates a git repository $TMP/NAME with a few committed files,
# runs `aidf init --yes` in it, commits that, and cd's into it (PROJ is its path).
# write_config YAML replaces .ai/config.yml; add_task NAME [ALLOWED] [FORBIDDEN] writes
# .ai/tasks/pending/NAME.md (scope lists are space-separated globs).
#
# The fake agents (tests/fakes/claude and cursor-agent) are first on PATH. scenario FILE-TEXT
# (stdin) scripts the fake claude for the next run (counter reset, call log in $CALLS);
# cursor_scenario does the same for the fake cursor agent.
#
# Reports: report_file prints the newest report's path; rq EXPR checks a jq expression
# against it (REPORT is set by last_report).

# serve-lib.sh may have loaded cli-lib.sh already (one $TMP, one set of counters).
if ! declare -F expect >/dev/null; then
    . "$(dirname "${BASH_SOURCE[0]}")/cli-lib.sh" "$@"
fi

SRC_DIR=${AIDF_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FAKES=$SRC_DIR/tests/fakes
export PATH="$FAKES:$PATH"

# Tests must not see the CI they run in (CI=true, GITHUB_ACTIONS, ...): they fake it.
unset CI GITHUB_ACTIONS GITLAB_CI JENKINS_URL CIRCLECI BITBUCKET_PIPELINE_UUID TF_BUILD \
    BUILDKITE TRAVIS BUILD_ID BUILD_NUMBER GITHUB_RUN_ID GITHUB_REF_NAME GITHUB_SHA
unset FAKE_CLAUDE_SCENARIO FAKE_CLAUDE_COUNTER FAKE_CLAUDE_LOG FAKE_CLAUDE_RESULT \
    FAKE_CLAUDE_SUBTYPE FAKE_CLAUDE_USAGE FAKE_CLAUDE_ROOT FAKE_CLAUDE_UUID
unset FAKE_CURSOR_SCENARIO FAKE_CURSOR_COUNTER FAKE_CURSOR_LOG FAKE_CURSOR_RESULT \
    FAKE_CURSOR_USAGE
unset AIDF_SERVER_TOKEN ANTHROPIC_API_KEY OPENAI_API_KEY
unset AIDF_ACTOR AIDF_TAGS GITHUB_ACTOR GITHUB_TRIGGERING_ACTOR GITHUB_REPOSITORY GITHUB_WORKFLOW \
    GITHUB_JOB GITHUB_EVENT_NAME GITHUB_REF GITHUB_RUN_ATTEMPT GITLAB_USER_LOGIN CI_PROJECT_PATH
export GIT_AUTHOR_NAME=tester GIT_AUTHOR_EMAIL=tester@example.com
export GIT_COMMITTER_NAME=tester GIT_COMMITTER_EMAIL=tester@example.com
export FAKE_CLAUDE_SESSION=11111111-2222-4333-8444-555555555555

CALLS=$TMP/calls.ndjson
CURSOR_CALLS=$TMP/cursor-calls.ndjson
REPORT=

# new_project NAME: a git repository with src/app.c, README.md and docs/guide.md, initialised
# with `aidf init --yes`, committed; cd into it.
new_project() {
    PROJ=$TMP/$1
    rm -rf "$PROJ"
    mkdir -p "$PROJ/src" "$PROJ/docs"
    cd "$PROJ" || exit 1
    git init -q -b main . 2>/dev/null || git init -q .
    printf 'int app(void) { return 1; }\n' >src/app.c
    printf '# Demo project\n' >README.md
    printf '# Guide\n' >docs/guide.md
    if ! "$AIDF" init --yes >"$TMP/init.out" 2>&1; then
        not_ok "aidf init --yes in $1"
        sed 's/^/#   /' "$TMP/init.out"
    fi
    git add -A && git commit -qm "initial"
}

# write_config: .ai/config.yml from stdin.
write_config() {
    cat >"$PROJ/.ai/config.yml"
    git -C "$PROJ" add .ai/config.yml && git -C "$PROJ" commit -qm "config" >/dev/null
}

# add_task NAME GOAL [ALLOWED] [FORBIDDEN] [ASK]: a pending task (committed).
add_task() {
    local name=$1 goal=$2 allowed=${3:-src/**} forbidden=${4:-secrets/**} ask=${5:-}
    local f=$PROJ/.ai/tasks/pending/$name.md p
    local -
    set -f # the scope globs are words, not patterns for the shell
    mkdir -p "$PROJ/.ai/tasks/pending"
    {
        printf '# TASK\n\n## Goal\n%s\n\n## Task Type\ncomponent\n\n## Suggested Roles\n- developer\n\n' "$goal"
        printf '## Scope\n\n### Allowed\n'
        for p in $allowed; do printf -- '- `%s`\n' "$p"; done
        printf '\n### Forbidden\n'
        for p in $forbidden; do printf -- '- `%s`\n' "$p"; done
        if [ -n "$ask" ]; then
            printf '\n### Ask Before\n'
            for p in $ask; do printf -- '- `%s`\n' "$p"; done
        fi
        printf '\n## Requirements\nDo what the goal says.\n\n## Definition of Done\n- [ ] It works\n'
    } >"$f"
    git -C "$PROJ" add "$f" && git -C "$PROJ" commit -qm "task $name" >/dev/null
}

# scenario: the fake claude's scenario from stdin; resets its call counter and log.
scenario() {
    cat >"$TMP/claude.scen"
    rm -f "$TMP/claude.scen.count" "$CALLS"
    export FAKE_CLAUDE_SCENARIO=$TMP/claude.scen FAKE_CLAUDE_LOG=$CALLS
}

# cursor_scenario: the same for the fake cursor agent.
cursor_scenario() {
    cat >"$TMP/cursor.scen"
    rm -f "$TMP/cursor.scen.count" "$CURSOR_CALLS"
    export FAKE_CURSOR_SCENARIO=$TMP/cursor.scen FAKE_CURSOR_LOG=$CURSOR_CALLS
}

# ncalls [LOG]: how many times the fake was called.
ncalls() {
    local f=${1:-$CALLS} n
    [ -f "$f" ] || { echo 0; return; }
    n=$(wc -l <"$f")
    echo $((n + 0))
}

# call_argv N: argv of call N as one JSON array.
call_argv() { jq -c -s ".[$(($1 - 1))].argv" "$CALLS"; }
# call_prompt N: the prompt of call N.
call_prompt() { jq -r -s ".[$(($1 - 1))].prompt" "$CALLS"; }

# report_count: reports on disk.
report_count() {
    local n
    n=$(find "$PROJ/.ai/reports" -name 'run-*.json' -type f 2>/dev/null | wc -l)
    echo $((n + 0))
}

# last_report: set REPORT to the newest report file (by modification time).
last_report() {
    REPORT=$(find "$PROJ/.ai/reports" -name 'run-*.json' -type f -printf '%T@ %p\n' 2>/dev/null |
        sort -n | tail -n 1 | cut -d' ' -f2-)
    [ -n "$REPORT" ]
}

# rq EXPR [JQ ARGS...]: the jq expression is true of $REPORT.
rq() {
    local expr=$1
    shift
    jq -e "$@" "$expr" "$REPORT" >/dev/null 2>&1
}

# rcheck NAME EXPR [JQ ARGS...]: a named check of a jq expression against $REPORT.
rcheck() {
    local name=$1
    shift
    if rq "$@"; then ok "$name"; else
        not_ok "$name: $1"
        jq -c "$1" "$REPORT" 2>&1 | head -c 600 | sed 's/^/#   got: /'
        echo
    fi
}

# phases_fit: the phases of $REPORT add up to no more than its wall time.
phases_fit() {
    rq '([.timing.phases[]] | add // 0) <= .timing.totalDurationMs + 0.5'
}

# no_fake_left: no fake agent started by this test is still running (found by this test's
# own scenario path in the process environment: other tests run their fakes in parallel).
no_fake_left() {
    local f
    for f in /proc/[0-9]*/environ; do
        if { tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qxF "FAKE_CLAUDE_SCENARIO=$TMP/claude.scen"; then
            return 1
        fi
    done
    return 0
}

# task_in FOLDER NAME: the task file is in .ai/tasks/FOLDER/ (and nowhere else).
task_in() {
    local d
    [ -f "$PROJ/.ai/tasks/$1/$2.md" ] || return 1
    for d in pending completed blocked; do
        [ "$d" = "$1" ] && continue
        [ ! -e "$PROJ/.ai/tasks/$d/$2.md" ] || return 1
    done
}
