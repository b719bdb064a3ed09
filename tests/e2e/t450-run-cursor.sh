#!/usr/bin/env bash
# aidf run with the cursor-cli provider against the fake Cursor agent: usage when the CLI
# prints it (exact, priced from our rate table: the CLI reports no cost), estimated and
# flagged when it does not, --resume <session_id> for continuation, --force only when
# permissions are skipped, and a failure (no JSON, message on stderr) counted as one.
#
# Usage: t450-run-cursor.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"

need git jq python3
[ -x "$FAKES/cursor-agent" ] || { not_ok "the fake cursor agent tests/fakes/cursor-agent is missing"; finish; }
export FAKE_CURSOR_SESSION=99999999-8888-4777-8666-555555555555

# --- with usage, two iterations --------------------------------------------------------------
new_project cursor
write_config <<'EOF'
provider:
  type: cursor-cli
  model: claude-sonnet-4-5
EOF
add_task 001-cur "Let Cursor do it"
cursor_scenario <<'EOF'
[1]
write src/c.c int c;\n
say First part.
usage 12000 340 8000 1200
[2]
say <TASK_COMPLETE>
usage 3000 100 0 0
EOF
expect 0 "cursor-cli completes" run
last_report
rcheck "provider and model" '.provider.type == "cursor-cli" and .provider.model == "claude-sonnet-4-5"'
rcheck "exact usage summed" '.tokens.totalInput == 15000 and .tokens.totalOutput == 440 and .tokens.cacheRead == 8000 and .tokens.cacheWrite == 1200'
rcheck "not estimated" '.tokens.estimated == false'
rcheck "priced from the rate table" '.cost.source == "computed" and .cost.estimatedTotal > 0 and .cost.reported == null'
rcheck "files" '.files.created == ["src/c.c"]'
check "two calls" [ "$(ncalls "$CURSOR_CALLS")" = 2 ]
check "json output requested" jq -e -s '.[0].argv | .[index("--output-format") + 1] == "json" and index("-p")' "$CURSOR_CALLS"
check "the model is passed" jq -e -s '.[0].argv | .[index("--model") + 1] == "claude-sonnet-4-5"' "$CURSOR_CALLS"
check "call 2 resumes the chat" jq -e -s --arg s "$FAKE_CURSOR_SESSION" '.[1].argv | .[index("--resume") + 1] == $s' "$CURSOR_CALLS"
check "--force when permissions are skipped" jq -e -s '.[0].argv | index("--force")' "$CURSOR_CALLS"

# --- without usage: estimated; permissions not skipped ----------------------------------------------
new_project nousage
write_config <<'EOF'
provider:
  type: cursor-cli
security:
  skip_permissions: false
EOF
add_task 002-est "No usage printed"
cursor_scenario <<'EOF'
[1]
nousage
write src/e.c int e;\n
say <TASK_COMPLETE>
EOF
expect 0 "cursor-cli without usage completes" run
last_report
rcheck "tokens estimated and flagged" '.tokens.estimated == true and .tokens.totalInput > 0 and .tokens.perIteration[0].estimated == true'
check "no --force without skip_permissions" jq -e -s '.[0].argv | index("--force") | not' "$CURSOR_CALLS"

# --- a failure: no JSON, message on stderr -------------------------------------------------------
new_project fails
write_config <<'EOF'
provider:
  type: cursor-cli
execution:
  max_consecutive_failures: 2
EOF
add_task 003-fail "Cursor fails"
cursor_scenario <<'EOF'
[*]
fail Error: not logged in to Cursor
EOF
expect 1 "cursor failures block the task" run
last_report
rcheck "two failed iterations" '.status == "blocked" and .iterations == 2'
rcheck "the CLI's stderr is the error" '.error.code == "PROVIDER_NO_RESULT" and (.error.message | test("not logged in"))'

# --- --provider on the command line overrides the config ------------------------------------------------
new_project override
add_task 004-ovr "Override the provider"
cursor_scenario <<'EOF'
[1]
say <TASK_COMPLETE>
EOF
scenario </dev/null
expect 0 "--provider cursor-cli overrides claude-cli" run --provider cursor-cli --model gpt-5
last_report
rcheck "the report says cursor-cli" '.provider.type == "cursor-cli" and .provider.model == "gpt-5"'
check "claude was not called" [ "$(ncalls)" = 0 ]

finish
