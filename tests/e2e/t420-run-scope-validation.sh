#!/usr/bin/env bash
# aidf run's safety rails: the scope guard in strict, ask and permissive modes (tracked
# files restored, new files deleted, violations in the report, completion with violations
# accepted once they are reverted, `ask` blocking without a terminal and asking on one),
# validation each iteration (stop on the first failure, the report fed back to the agent,
# fixed on the next iteration), and auto_commit off (files still tracked).
#
# Usage: t420-run-scope-validation.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"

need git jq python3

# --- strict: a forbidden new file and a tracked file outside the scope ----------------------------
new_project strict
write_config <<'EOF'
permissions:
  scope_enforcement: strict
EOF
add_task 001-strict "Stay in src"
scenario <<'EOF'
[1]
write src/ok.c int ok;\n
write secrets/key.txt hunter2\n
append README.md Changed by the agent.\n
say Did some things.
[2]
say All done.\n<TASK_COMPLETE>
EOF
BASE_SHA=$(git rev-parse HEAD)
expect 0 "a run with a reverted violation completes" run
last_report
rcheck "completed in two iterations" '.status == "completed" and .iterations == 2'
rcheck "two files blocked" '.scope.violations == 2 and (.scope.blockedFiles | sort) == ["README.md", "secrets/key.txt"]'
rcheck "scope mode in the report" '.scope.mode == "strict"'
rcheck "only the allowed file counts as changed" '.files.created == ["src/ok.c"] and .files.modified == []'
check "the new forbidden file was deleted" test ! -e secrets/key.txt
check "the tracked file was restored" test "$(cat README.md)" = "# Demo project"
check "the allowed file was committed" test "$(git log -1 --format=%s -- src/ok.c)" = "aidf: Stay in src"
check "nothing outside the scope was committed" test -z "$(git log --format= --name-only "$BASE_SHA"..HEAD | grep -E '^(README.md|secrets/)')"
check "the violation was reported" err_has "scope violation"
check "the work tree is clean" test -z "$(git status --porcelain)"

# --- a violation in the completing iteration: reverted, completion accepted ------------------------
new_project strict2
write_config <<'EOF'
permissions:
  scope_enforcement: strict
EOF
add_task 002-strict "Finish with a stray file"
scenario <<'EOF'
[1]
write src/x.c int x;\n
write secrets/stray.txt oops\n
say <TASK_COMPLETE>
EOF
expect 0 "completion with a violation is accepted after the revert" run
last_report
rcheck "completed in one iteration" '.status == "completed" and .iterations == 1 and .scope.violations == 1'
check "the stray file is gone" test ! -e secrets/stray.txt
check "the allowed file was committed" git cat-file -e HEAD~1:src/x.c

# --- ask without a terminal blocks ---------------------------------------------------------------
new_project ask
write_config <<'EOF'
permissions:
  scope_enforcement: ask
EOF
add_task 003-ask "Touch the docs"
scenario <<'EOF'
[1]
write src/y.c int y;\n
write docs/new.md # New page\n
say <TASK_COMPLETE>
EOF
setsid -w "$AIDF" run </dev/null >"$OUT" 2>"$ERR"
RC=$?
check "ask without a terminal exits 1" [ "$RC" = 1 ]
last_report
rcheck "the run is blocked for approval" '.status == "blocked" and (.blockedReason | test("Approval needed")) and (.blockedReason | test("docs/new.md"))'
check "the unapproved file was reverted" test ! -e docs/new.md
check "the task moved to blocked/" task_in blocked 003-ask
check "the BLOCKED section quotes the reason" grep -qF 'Approval needed' .ai/tasks/blocked/003-ask.md

# --- ask on a terminal: approved -------------------------------------------------------------------
if want script; then
    new_project askyes
    write_config <<'EOF'
permissions:
  scope_enforcement: ask
EOF
    add_task 004-askyes "Touch the docs, approved"
    scenario <<'EOF'
[1]
write docs/approved.md # Approved\n
say <TASK_COMPLETE>
EOF
    (sleep 3; printf 'y\n') | script -qec "$AIDF run" /dev/null >"$OUT" 2>"$ERR"
    last_report
    rcheck "approved on the terminal: completed" '.status == "completed" and .files.created == ["docs/approved.md"]'
    check "it asked" out_has "Allow these changes? [y/N]"
    check "the approved file was committed" git cat-file -e HEAD~1:docs/approved.md
fi

# --- permissive: outside allowed passes, forbidden does not --------------------------------------------
new_project permissive
write_config <<'EOF'
permissions:
  scope_enforcement: permissive
EOF
add_task 005-perm "Anything but secrets"
scenario <<'EOF'
[1]
write docs/extra.md # Extra\n
write secrets/no.txt no\n
say <TASK_COMPLETE>
EOF
expect 0 "permissive completes" run
last_report
rcheck "outside allowed is fine, forbidden is reverted" '.files.created == ["docs/extra.md"] and .scope.blockedFiles == ["secrets/no.txt"]'
check "the forbidden file is gone" test ! -e secrets/no.txt

# --- validation fails, the agent fixes it --------------------------------------------------------------
new_project validation
write_config <<'EOF'
validation:
  pre_commit:
    - "test -f src/fixed.c"
    - "echo second check"
EOF
add_task 006-val "Pass the checks"
scenario <<'EOF'
[1]
write src/a.c int a;\n
say <TASK_COMPLETE>
[2]
write src/fixed.c int fixed;\n
say Fixed.\n<TASK_COMPLETE>
EOF
expect 0 "validation fixed on the second iteration" run
last_report
rcheck "completed in two iterations" '.status == "completed" and .iterations == 2'
rcheck "three validation runs (stopped at the first failure)" '.validation.totalRuns == 3 and .validation.failures == 1'
rcheck "the failed run" '.validation.runs[0].iteration == 1 and .validation.runs[0].passed == false and .validation.runs[0].exitCode == 1 and .validation.runs[0].command == "test -f src/fixed.c" and .validation.runs[0].phase == "pre_commit"'
rcheck "the passing runs" '[.validation.runs[1:][] | .passed] == [true, true] and .validation.runs[2].command == "echo second check"'
rcheck "durations measured" 'all(.validation.runs[]; .durationMs >= 0)'
rcheck "validation phase timed" '.timing.phases.validation > 0'
check "the feedback reached the agent" sh -c "jq -r -s '.[1].prompt' '$CALLS' | grep -qF '## Previous Iteration Feedback'"
check "with the validator's report" sh -c "jq -r -s '.[1].prompt' '$CALLS' | grep -qF 'Validation: pre_commit'"
check "nothing committed before validation passed" test "$(git log --format=%s | grep -c '^aidf: Pass the checks')" = 1
check "both files in the one commit" test "$(git show --format= --name-only HEAD~1 | sort | tr '\n' ' ')" = "src/a.c src/fixed.c "

# --- auto_commit off: files are still tracked ---------------------------------------------------------
new_project nocommit
write_config <<'EOF'
permissions:
  auto_commit: false
EOF
add_task 007-nocommit "Change without committing"
scenario <<'EOF'
[1]
write src/n.c int n;\n
say step one
[2]
append src/app.c /* touched */\n
say <TASK_COMPLETE>
EOF
BEFORE=$(git rev-parse HEAD)
expect 0 "completes without committing" run
last_report
rcheck "files tracked without auto-commit" '.files.created == ["src/n.c"] and .files.modified == ["src/app.c"]'
check "no commit was made" test "$(git rev-parse HEAD)" = "$BEFORE"
check "the changes are in the work tree" sh -c 'test -f src/n.c && grep -q touched src/app.c'
check "the task file lists both files" sh -c 'grep -qF -- "- \`src/n.c\`" .ai/tasks/completed/007-nocommit.md && grep -qF -- "- \`src/app.c\`" .ai/tasks/completed/007-nocommit.md'

# --- a validation command over its time limit -----------------------------------------------------------
new_project valtimeout
write_config <<'EOF'
execution:
  max_consecutive_failures: 1
validation:
  command_timeout: 1
  pre_commit:
    - "sleep 20"
EOF
add_task 008-valto "Slow checks"
scenario <<'EOF'
[*]
write src/v.c int v;\n
say <TASK_COMPLETE>
EOF
T0=$(date +%s)
expect 1 "a validation timeout fails the iteration" run
T1=$(date +%s)
check "the command was stopped (< 10 s)" [ $((T1 - T0)) -lt 10 ]
last_report
rcheck "the validation run timed out" '.validation.runs[0].passed == false and .validation.runs[0].exitCode == -1 and .validation.runs[0].durationMs >= 900'
rcheck "the run is blocked by the failure limit" '.status == "blocked"'

finish
