#!/usr/bin/env bash
# aidf run when things go wrong: agent errors classified by subtype (max consecutive
# failures), a crash and a missing result line (partial data, estimated tokens), an
# iteration timeout that really stops the agent, an API auth error (fatal: failed, with
# category and code), a rate limit waited out, Ctrl-C, a config error and a missing agent
# CLI before the loop — each with its report on disk.
#
# Usage: t410-run-failures.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"

need git jq python3

# --- error subtypes until the failure limit --------------------------------------------------
new_project errors
add_task 001-err "Fail repeatedly"
scenario <<'EOF'
[*]
subtype error_during_execution
error The model ran out of ideas
usage 900 10 0 0 0.0031
EOF
expect 1 "three agent errors in a row exit 1" run
last_report
rcheck "blocked after max consecutive failures" '.status == "blocked" and .blockedReason == "Max consecutive failures (3) reached"'
rcheck "three iterations" '.iterations == 3 and .consecutiveFailures == 3'
rcheck "the last error with category and code" '.error.category == "provider" and .error.code == "AGENT_EXECUTION_ERROR"'
rcheck "the error names the subtype" '.error.message | test("error_during_execution")'
check "one call per iteration (no full-prompt retry after an agent error)" [ "$(ncalls)" = 3 ]
rcheck "partial usage of failed calls is kept" '.tokens.totalInput == 2700 and .tokens.estimated == false'
rcheck "their cost too" '(.cost.estimatedTotal - 0.0093 | fabs) < 1e-9'
check "the task moved to blocked/" task_in blocked 001-err
check "no commit of agent work" test "$(git log --format=%s | grep -c '^aidf: Fail')" = 0

# --- a crash, then a missing result line, then success ----------------------------------------------
new_project crash
add_task 002-crash "Survive a crash"
scenario <<'EOF'
[1]
crash
[2]
noresult
[3]
write src/ok.c int ok;\n
say <TASK_COMPLETE>
EOF
expect 0 "completes after a crash and a missing result" run
last_report
rcheck "completed on iteration 3" '.status == "completed" and .iterations == 3'
rcheck "the crashed and the empty call are estimated" '[.tokens.perIteration[] | select(.estimated == true) | .iteration] == [1, 2]'
rcheck "the report as a whole is flagged estimated" '.tokens.estimated == true'
rcheck "the good call has exact usage" '.tokens.perIteration[2].input == 1534 and .tokens.perIteration[2].estimated == false'
rcheck "a completed run has no error block" '.error == null'
check "the crash was reported as one" err_has "crashed"
check "the missing result was reported" err_has "printed no result"

# --- timeout: the agent is stopped for real ---------------------------------------------------------
new_project timeout
write_config <<'EOF'
execution:
  timeout_per_iteration: 1
  max_consecutive_failures: 1
EOF
add_task 003-slow "Take too long"
scenario <<'EOF'
[*]
sleep 30
say <TASK_COMPLETE>
EOF
T0=$(date +%s)
expect 1 "a timed-out iteration exits 1" run
T1=$(date +%s)
check "the run did not wait for the agent (< 12 s)" [ $((T1 - T0)) -lt 12 ]
check "no fake agent left running" no_fake_left
last_report
rcheck "timeout category and code" '.error.category == "timeout" and .error.code == "ITERATION_TIMEOUT"'
rcheck "blocked by the failure limit" '.status == "blocked" and .iterations == 1'
rcheck "tokens estimated for the lost call" '.tokens.estimated == true and .tokens.totalInput > 0'
rcheck "AI execution took about the timeout" '.timing.phases.aiExecution >= 900 and .timing.phases.aiExecution < 8000'

# --- an authentication error is fatal -------------------------------------------------------------
new_project auth
add_task 004-auth "Never authenticated"
scenario <<'EOF'
[*]
apierror 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}
EOF
expect 1 "an auth error fails the run" run
last_report
rcheck "failed, not blocked" '.status == "failed" and .iterations == 1'
rcheck "permission category" '.error.category == "permission" and .error.code == "PROVIDER_AUTH"'
check "one call only (not retried)" [ "$(ncalls)" = 1 ]
check "the task stays in pending/ with a FAILED section" grep -q '^## Status: ❌ FAILED' .ai/tasks/pending/004-auth.md
check "FAILED section has the error" grep -qF 'Authentication failed' .ai/tasks/pending/004-auth.md

# --- a rate limit is waited out, not counted ---------------------------------------------------------
new_project ratelimit
write_config <<'EOF'
execution:
  max_consecutive_failures: 1
EOF
add_task 005-rate "Be patient"
scenario <<'EOF'
[1]
apierror 429 {"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}
[2]
write src/r.c int r;\n
say <TASK_COMPLETE>
EOF
T0=$(date +%s%N)
expect 0 "completes after a rate limit" run
T1=$(date +%s%N)
last_report
rcheck "one iteration (the wait is not a failure)" '.status == "completed" and .iterations == 1'
check "two calls" [ "$(ncalls)" = 2 ]
check "it waited about a second" [ $(((T1 - T0) / 1000000)) -ge 900 ]
check "it said it was rate limited" err_has "rate limited"

# --- Ctrl-C ---------------------------------------------------------------------------------------
new_project sigint
add_task 006-int "Get interrupted"
scenario <<'EOF'
[*]
sleep 30
EOF
"$AIDF" run >"$OUT" 2>"$ERR" &
APID=$!
for _ in $(seq 1 50); do [ "$(ncalls)" -ge 1 ] && break; sleep 0.1; done
sleep 0.3
kill -INT "$APID"
wait "$APID"
RC=$?
check "Ctrl-C exits 1" [ "$RC" = 1 ]
check "no fake agent left running" no_fake_left
last_report
rcheck "an interrupted run is failed" '.status == "failed" and .error.category == "cancelled" and .error.code == "CANCELLED"'

# --- before the loop: a config error, a missing agent CLI ---------------------------------------------
new_project badconfig
add_task 007-cfg "Never starts"
write_config <<'EOF'
execution:
  max_iterations: many
EOF
scenario </dev/null
expect 1 "a config error exits 1" run
check "it names the file and the key" err_has "config.yml"
last_report
rcheck "a report for the config error" '.status == "failed" and .iterations == 0 and .error.category == "config" and .error.code == "CONFIG_INVALID"'
rcheck "it still knows the task" '.taskPath == ".ai/tasks/pending/007-cfg.md"'
check "the agent was not called" [ "$(ncalls)" = 0 ]

new_project nobinary
add_task 008-bin "No agent installed"
write_config <<'EOF'
provider:
  type: claude-cli
  binary: /nonexistent/claude
EOF
expect 1 "a missing agent CLI exits 1" run
check "it says the provider is not available" err_has "is not available"
last_report
rcheck "failed with PROVIDER_NOT_AVAILABLE" '.status == "failed" and .error.code == "PROVIDER_NOT_AVAILABLE" and .iterations == 0'
check "the task file says FAILED" grep -q '^## Status: ❌ FAILED' .ai/tasks/pending/008-bin.md

new_project unknownprov
add_task 009-prov "Unknown provider"
write_config <<'EOF'
provider:
  type: gemini-cli
EOF
expect 1 "an unknown provider type exits 1" run
last_report
rcheck "config error for the provider type" '.error.category == "config" and (.error.message | test("provider.type")) and (.error.message | test("gemini-cli"))'

new_project resumebad
add_task 010-notblocked "Not blocked"
expect 1 "--resume of a task that is not blocked exits 1" run --resume .ai/tasks/pending/010-notblocked.md
last_report
rcheck "it says the task is not blocked" '.status == "failed" and (.error.message | test("not blocked"))'

# A Latin-1 task file: refused before any agent call, with the byte offset (the APIs would
# get a prompt they refuse, and fail three iterations with a misleading error).
new_project latin1
add_task 011-latin1 "$(printf 'd\351j\340 vu')"
expect 1 "a task file that is not UTF-8 exits 1" run
last_report
rcheck "CONTEXT_INVALID with the byte offset" '.status == "failed" and .iterations == 0 and .error.code == "CONTEXT_INVALID" and (.error.message | test("not valid UTF-8 \\(byte offset [0-9]+\\)"))'
check "the agent was not called" [ "$(ncalls)" = 0 ]

finish
