#!/usr/bin/env bash
# <BLOCKED: reason> blocks a task; `aidf run --resume` continues it from the task file
# (iterations numbered on, the resume recorded, the blocking issue in the prompt), blocked
# again keeps the history, and completion after a resume writes the execution history.
#
# Usage: t430-run-resume.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"

need git jq python3

new_project resume
add_task 001-key "Call the payments API"
TASK_BLOCKED=.ai/tasks/blocked/001-key.md

# --- blocked by the agent ---------------------------------------------------------------------
scenario <<'EOF'
[1]
write src/pay.c int pay(void);\n
say Wrote the client.
[2]
say I cannot continue.\n<BLOCKED: the API key for payments is missing>
EOF
expect 1 "a blocked task exits 1" run
last_report
rcheck "blocked with the agent's reason" '.status == "blocked" and .blockedReason == "the API key for payments is missing"'
rcheck "two iterations" '.iterations == 2'
rcheck "no error for a blocked task without failures" '.error == null'
check "the task moved to blocked/" task_in blocked 001-key
check "BLOCKED section" grep -q '^## Status: BLOCKED' "$TASK_BLOCKED"
check "the blocking issue is in the file" grep -qx 'the API key for payments is missing' "$TASK_BLOCKED"
check "iterations in the execution log" grep -qF -- '- **Iterations:** 2' "$TASK_BLOCKED"
check "the file written so far is listed" grep -qF -- '- `src/pay.c`' "$TASK_BLOCKED"
check "the work so far was committed" git cat-file -e HEAD:src/pay.c
check "the block is committed" test "$(git log -1 --format=%s)" = "aidf: task 001-key blocked"

# --- resumed, blocked again ---------------------------------------------------------------------
scenario <<'EOF'
[*]
say <BLOCKED: still no key>
EOF
expect 1 "--resume picks the blocked task and blocks again" run --resume
last_report
rcheck "iterations continue from the block" '.iterations == 3'
rcheck "blocked again with the new reason" '.status == "blocked" and .blockedReason == "still no key"'
check "the prompt resumes the blocked task" sh -c "jq -r -s '.[0].prompt' '$CALLS' | grep -qF '## Resuming Blocked Task'"
check "the prompt quotes the blocking issue" sh -c "jq -r -s '.[0].prompt' '$CALLS' | grep -qF 'the API key for payments is missing'"
check "the prompt numbers the iteration on" sh -c "jq -r -s '.[0].prompt' '$CALLS' | head -n 1 | grep -qx '# AIDF Autonomous Execution - Iteration 3'"
check "still in blocked/" task_in blocked 001-key
check "the new reason is in the file" grep -qx 'still no key' "$TASK_BLOCKED"
check "the resume history survives a second block" grep -qF '### Resume Attempt History' "$TASK_BLOCKED"
check "the history says blocked again" grep -qF 'blocked_again' "$TASK_BLOCKED"

# --- resumed, completed -----------------------------------------------------------------------------
scenario <<'EOF'
[1]
append src/pay.c int pay(void) { return 0; }\n
say Key found.\n<TASK_COMPLETE>
EOF
expect 0 "--resume TASK completes" run --resume "$TASK_BLOCKED"
last_report
rcheck "completed on iteration 4" '.status == "completed" and .iterations == 4'
rcheck "the resumed run changed src/pay.c" '.files.modified == ["src/pay.c"]'
check "the task moved to completed/" task_in completed 001-key
check "COMPLETED section" grep -q '^## Status: ✅ COMPLETED' .ai/tasks/completed/001-key.md
check "the execution history" grep -q '^## Execution History' .ai/tasks/completed/001-key.md
check "the task file parses as a task again" sh -c "grep -q '^## Goal' .ai/tasks/completed/001-key.md"
check "the move is committed" test "$(git log -1 --format=%s)" = "aidf: task 001-key completed"
expect 1 "nothing left to resume" run --resume
check "it says so" err_has "No blocked task found to resume."

# --- auto_push after completion ------------------------------------------------------------------------
new_project pushing
git init -q --bare "$TMP/remote.git"
git remote add origin "$TMP/remote.git"
BRANCH=$(git symbolic-ref --short HEAD)
git push -q -u origin "$BRANCH" 2>/dev/null
write_config <<'EOF'
permissions:
  auto_push: true
EOF
add_task 002-push "Publish the work"
scenario <<'EOF'
[1]
write src/pub.c int pub;\n
say <TASK_COMPLETE>
EOF
expect 0 "a completed task with auto_push" run
check "it said it pushed" err_has "pushed to the remote"
check "the remote has the agent's commit and the task move" \
    test "$(git --git-dir="$TMP/remote.git" log -1 --format=%s "$BRANCH")" = "aidf: task 002-push completed"
check "the remote has the file" git --git-dir="$TMP/remote.git" cat-file -e "$BRANCH~1:src/pub.c"

finish
