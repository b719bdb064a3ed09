#!/usr/bin/env bash
# aidf run with the fake Claude Code CLI: a task completed in one iteration and in three
# (session continued with --resume), the report checked field by field (tokens with cache,
# the CLI's cost, phases, files by kind, environment), the task file's status and folder,
# the git history, --json, --dry-run, a faked CI environment, --max-iterations, several
# tasks in one run, and usage errors.
#
# Usage: t400-run-basic.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"

need git jq python3

# --- usage ----------------------------------------------------------------------------------
new_project usage
expect 0 "run --help exits 0" run --help
check "help lists --report-server" out_has "--report-server URL"
check "help lists --resume" out_has "--resume"
expect 2 "unknown option is a usage error" run --bogus
expect 2 "bad --max-iterations" run --max-iterations 0
expect 2 "unknown provider" run --provider gpt-cli
expect 2 "--report-server needs a URL" run --report-server ftp://x
expect 1 "no pending task" run
check "it says there is no pending task" err_has "No task specified and no pending tasks found."
expect 1 "a missing task file" run nothing-here.md
check "it names the missing file" err_has "Task file not found: nothing-here.md"
check "no report without a task" [ "$(report_count)" = 0 ]
(cd "$TMP" && "$AIDF" run >"$OUT" 2>"$ERR")
check "outside a project it says to run init" err_has "Run \`aidf init\` first."

# --- one iteration ---------------------------------------------------------------------------
new_project one
add_task 001-hello "Create src/hello.c with a main function"
scenario <<'EOF'
[1]
write src/hello.c int main(void){return 0;}\n
say Wrote src/hello.c.\n<TASK_COMPLETE>
EOF
T0=$(date +%s%N)
expect 0 "a task completed in one iteration exits 0" run --json
T1=$(date +%s%N)
check "one report written" [ "$(report_count)" = 1 ]
last_report
check "--json prints the report that was written" \
    test "$(jq -S . "$OUT")" = "$(jq -S . "$REPORT")"
check "the report validates against the schema" python3 - "$SRC_DIR/api/execution-report.schema.json" "$REPORT" <<'PY'
import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
PY
check "report file is in a UTC date directory" \
    test "$(basename "$(dirname "$REPORT")")" = "$(date -u +%Y-%m-%d)"
rcheck "status completed" '.status == "completed"'
rcheck "one iteration" '.iterations == 1 and .maxIterations == 50'
rcheck "provider and model from the CLI" '.provider.type == "claude-cli" and .provider.model == "claude-opus-5-5"'
rcheck "task path relative to the project" '.taskPath == ".ai/tasks/pending/001-hello.md"'
rcheck "goal, type and role" '.taskGoal == "Create src/hello.c with a main function" and .taskType == "component" and .roleName == "developer"'
rcheck "exact input/output tokens" '.tokens.totalInput == 1534 and .tokens.totalOutput == 76'
rcheck "cache tokens" '.tokens.cacheRead == 1500 and .tokens.cacheWrite == 100'
rcheck "tokens are not estimated" '.tokens.estimated == false'
rcheck "per-iteration tokens" '.tokens.perIteration | length == 1 and .[0].iteration == 1 and .[0].input == 1534'
rcheck "context size estimated with a breakdown" '.tokens.contextTokens > 0 and .tokens.breakdown.agents > 0 and .tokens.breakdown.task > 0'
rcheck "cost is the CLI's own" '.cost.source == "provider" and (.cost.estimatedTotal - 0.008456 | fabs) < 1e-9 and .cost.currency == "USD"'
rcheck "the rate-table figure is there too" '.cost.computed > 0'
rcheck "files by kind" '.files.created == ["src/hello.c"] and .files.modified == [] and .files.deleted == [] and .files.totalCount == 1'
rcheck "no validation configured" '.validation.totalRuns == 0'
rcheck "no scope violations" '.scope.violations == 0'
rcheck "every phase measured" '.timing.phases | has("contextLoading") and has("aiExecution") and has("scopeChecking") and has("gitOperations")'
check "phases add up to no more than the wall time" phases_fit
WALL_MS=$(((T1 - T0) / 1000000))
rcheck "wall time within the command's" '.timing.totalDurationMs <= '"$WALL_MS"
rcheck "per-iteration timing" '.timing.perIteration | length == 1 and .[0].filesChanged == 1'
rcheck "not CI" '.environment.ci == false'
rcheck "host facts" '.environment.os != null and .environment.arch != null and .environment.aidfVersion != null'
rcheck "no error block" '.error == null'
check "the task moved to completed/" task_in completed 001-hello
check "the task file has the COMPLETED section" grep -q '^## Status: ✅ COMPLETED' .ai/tasks/completed/001-hello.md
check "the section lists the file" grep -qF -- '- `src/hello.c`' .ai/tasks/completed/001-hello.md
check "the section names the run" grep -qF "$(jq -r .runId "$REPORT")" .ai/tasks/completed/001-hello.md
check "the tokens line" grep -qF -- '- **Tokens used:** 1,610 (input: 1,534 / output: 76)' .ai/tasks/completed/001-hello.md
check "the agent's file is committed" test "$(git log -1 --format=%s -- src/hello.c)" = "aidf: Create src/hello.c with a main function"
check "the task move is committed" test "$(git log -1 --format=%s)" = "aidf: task 001-hello completed"
check "the work tree is clean" test -z "$(git status --porcelain)"
check "claude ran once" [ "$(ncalls)" = 1 ]
check "claude -p --output-format json" jq -e -s '.[0].argv | index("-p") and (.[index("--output-format") + 1] == "json")' "$CALLS"
check "no --resume on the first call" jq -e -s '.[0].argv | index("--resume") | not' "$CALLS"
if [ "$(id -u)" = 0 ]; then
    check "as root: no --dangerously-skip-permissions" jq -e -s '.[0].argv | index("--dangerously-skip-permissions") | not' "$CALLS"
    check "as root: --permission-mode acceptEdits" jq -e -s '.[0].argv | .[index("--permission-mode") + 1] == "acceptEdits"' "$CALLS"
else
    check "skip-permissions by default" jq -e -s '.[0].argv | index("--dangerously-skip-permissions")' "$CALLS"
fi
check "the prompt is the full prompt" sh -c "jq -r -s '.[0].prompt' '$CALLS' | head -n 1 | grep -qx '# AIDF Autonomous Execution - Iteration 1'"
check "the prompt carries AGENTS.md and the task" sh -c "jq -r -s '.[0].prompt' '$CALLS' | grep -q 'Create src/hello.c with a main function'"
check "the summary box" err_has "Task Completed"
check "summary shows the phase breakdown" err_has "Phase Breakdown:"
check "summary names the report" err_has "$(basename "$REPORT")"
expect 0 "aidf report show reads the run" report show "$(jq -r .runId "$REPORT" | cut -c1-8)"
check "report show shows the task" out_has "001-hello"

# --- three iterations, session continued ----------------------------------------------------------
new_project three
add_task 002-multi "Write the greeting module"
scenario <<'EOF'
[1]
write src/greet.c const char *greet(void);\n
say Started the module.
[2]
append src/greet.c const char *greet(void) { return "hi"; }\n
say Still working.
usage 800 40 2000 0 0.0042
[3]
write src/greet.h const char *greet(void);\n
say Done.\n<TASK_COMPLETE>
EOF
expect 0 "three iterations complete" run --verbose
last_report
rcheck "three iterations" '.iterations == 3'
rcheck "tokens summed over iterations" '.tokens.totalInput == (1534 + 800 + 1534) and .tokens.totalOutput == (76 + 40 + 76)'
rcheck "cache summed" '.tokens.cacheRead == (1500 + 2000 + 1500) and .tokens.cacheWrite == 200'
rcheck "cost summed from the CLI" '(.cost.estimatedTotal - (0.008456 * 2 + 0.0042) | fabs) < 1e-9'
rcheck "three per-iteration entries" '(.tokens.perIteration | length) == 3 and (.timing.perIteration | length) == 3 and (.cost.perIteration | length) == 3'
rcheck "files: created ones stay created" '.files.created == ["src/greet.c", "src/greet.h"] and .files.modified == []'
check "phases add up to no more than the wall time" phases_fit
check "call 2 continues the session" jq -e -s --arg s "$FAKE_CLAUDE_SESSION" '.[1].argv | .[index("--resume") + 1] == $s' "$CALLS"
check "call 2 gets the continuation prompt" sh -c "jq -r -s '.[1].prompt' '$CALLS' | head -n 1 | grep -qx '# Continuation — Iteration 2'"
check "the continuation shows the previous output" sh -c "jq -r -s '.[1].prompt' '$CALLS' | grep -qx 'Started the module.'"
check "verbose prints a [profile] line per iteration" test "$(grep -c '^\[profile\] AI execution: ' "$ERR")" = 3
check "one commit per iteration with changes" test "$(git log --format=%s | grep -c '^aidf: Write the greeting module')" = 3
check "the task moved to completed/" task_in completed 002-multi

# --- --model reaches the CLI ------------------------------------------------------------------
new_project model
add_task 010-model "Use a chosen model"
scenario <<'EOF'
[1]
say <TASK_COMPLETE>
EOF
expect 0 "--model is passed to claude" run --model claude-sonnet-4-5
check "claude got --model" jq -e -s '.[0].argv | .[index("--model") + 1] == "claude-sonnet-4-5"' "$CALLS"
last_report
rcheck "the report names the model" '.provider.model == "claude-sonnet-4-5"'

# --- never done: max iterations --------------------------------------------------------------------
new_project maxed
add_task 003-endless "Polish forever"
scenario <<'EOF'
[*]
say Still polishing.
EOF
expect 1 "hitting --max-iterations exits 1" run --max-iterations 2
last_report
rcheck "blocked at max iterations" '.status == "blocked" and .iterations == 2 and .maxIterations == 2'
rcheck "blocked reason" '.blockedReason == "Max iterations (2) reached"'
check "the task moved to blocked/" task_in blocked 003-endless
check "BLOCKED section written" grep -q '^## Status: BLOCKED' .ai/tasks/blocked/003-endless.md
check "it says how to resume" grep -qF 'aidf run --resume' .ai/tasks/blocked/003-endless.md
check "the task move is committed" test "$(git log -1 --format=%s)" = "aidf: task 003-endless blocked"

# --- dry run ---------------------------------------------------------------------------------------
new_project dry
add_task 004-dry "Do nothing for real"
scenario <<'EOF'
say <TASK_COMPLETE>
EOF
expect 0 "--dry-run exits 0" run --dry-run
check "it prints the first prompt" out_has "# AIDF Autonomous Execution - Iteration 1"
check "the prompt has the execution instructions" out_has "5. When ALL Definition of Done criteria are met, output: <TASK_COMPLETE>"
check "the agent was not called" [ "$(ncalls)" = 0 ]
check "no report for a dry run" [ "$(report_count)" = 0 ]
check "the task stays pending" test -f .ai/tasks/pending/004-dry.md
check "nothing changed in the work tree" git diff --quiet

# --- CI environment, several tasks in order ----------------------------------------------------------
new_project ci
add_task 005-a "First task"
add_task 006-b "Second task"
scenario <<'EOF'
[1]
write src/a.c int a;\n
say <TASK_COMPLETE>
[2]
write src/b.c int b;\n
say <TASK_COMPLETE>
EOF
GITHUB_ACTIONS=true GITHUB_RUN_ID=4242 GITHUB_REF_NAME=feature/x GITHUB_SHA=0123abcd \
    GITHUB_SERVER_URL=https://github.example GITHUB_REPOSITORY=team/demo \
    expect 0 "two tasks run one after another" run 005-a 006-b.md --quiet --json
check "two reports" [ "$(report_count)" = 2 ]
check "--json prints both" jq -e 'type == "array" and length == 2 and .[0].taskPath == ".ai/tasks/pending/005-a.md" and .[1].taskPath == ".ai/tasks/pending/006-b.md"' "$OUT"
check "CI detected" jq -e 'all(.[]; .environment.ci == true and .environment.ciProvider == "github-actions" and .environment.ciBuildId == "4242" and .environment.ciBranch == "feature/x" and .environment.ciCommit == "0123abcd")' "$OUT"
check "both completed" sh -c 'test -f .ai/tasks/completed/005-a.md && test -f .ai/tasks/completed/006-b.md'
check "quiet prints no progress lines" sh -c "! grep -q '^aidf: iteration' '$ERR'"

# --- the live status line on a terminal ------------------------------------------------------------
if want script; then
    new_project live
    add_task 007-live "Show progress"
    scenario <<'EOF'
[*]
sleep 1.5
write src/l.c int l;\n
say <TASK_COMPLETE>
EOF
    COLUMNS=120 script -qec "$AIDF run" /dev/null >"$OUT" 2>&1 </dev/null
    check "the live line shows the iteration and phase" grep -qa 'iter 1/50 · Executing AI' "$OUT"
    check "and the tokens and cost once known" grep -qa '1,610 tokens · \$0.0085' "$OUT"
    add_task 008-live "Show nothing"
    COLUMNS=120 script -qec "$AIDF run --quiet" /dev/null >"$OUT" 2>&1 </dev/null
    check "--quiet shows no live line" sh -c "! grep -qa 'Executing AI' '$OUT'"
fi

finish
