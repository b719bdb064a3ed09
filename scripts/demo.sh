#!/usr/bin/env bash
# Build aidf and show it at work: `aidf init` in a fresh git repository, `aidf run` on a
# task (the agent is the test suite's faithful fake of the Claude Code CLI, since this
# machine has no network; put the real `claude` first on PATH to use it instead), the
# task file, the commits and the report it wrote; then `aidf report` and `aidf status`
# over 500 generated reports.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j2 --target aidf aidf-gen-reports >/dev/null
demo="${DEMO_DIR:-$(pwd)/build/demo}"
aidf=$(pwd)/build/aidf
fakes=$(pwd)/tests/fakes
rm -rf "$demo"
mkdir -p "$demo/src"

# 1. A real run in a git repository.
cd "$demo"
git init -q .
git config user.name "aidf demo"
git config user.email demo@example.com
printf 'int add(int a, int b) { return a + b; }\n' >src/math.c
git add -A && git commit -qm "initial"
"$aidf" init --yes
cat >.ai/tasks/pending/001-add-tests.md <<'EOF'
# TASK

## Goal
Add a unit test for add() in src/math_test.c

## Task Type
test

## Suggested Roles
- tester

## Scope

### Allowed
- `src/**`

### Forbidden
- `.env*`

## Requirements
One test file, compiled with the existing sources.

## Definition of Done
- [ ] src/math_test.c exists and checks add()
EOF
git add -A && git commit -qm "aidf init and a task"
scenario=$(mktemp /tmp/aidf-demo-agent.XXXXXX)
trap 'rm -f "$scenario" "$scenario.count"' EXIT
cat >"$scenario" <<'EOF'
[1]
write src/math_test.c #include <assert.h>\nint add(int, int);\nint main(void) { assert(add(2, 3) == 5); return 0; }\n
say Wrote src/math_test.c with a test for add().\n<TASK_COMPLETE>
EOF
set -x
PATH="$fakes:$PATH" FAKE_CLAUDE_SCENARIO="$scenario" "$aidf" run
set +x
git log --oneline
sed -n '/^## Status/,$p' .ai/tasks/completed/001-add-tests.md
"$aidf" report show "$("$aidf" report list --limit 1 --json | jq -r '.runs[0].runId')"

# 2. What a team sees after a month of runs.
team="$demo/team"
mkdir -p "$team/.ai/tasks/pending" "$team/.ai/tasks/completed"
printf '# Demo project\n' >"$team/.ai/AGENTS.md"
"$OLDPWD/build/aidf-gen-reports" --dir "$team/.ai/reports" --count 500 --seed 1 --days 30
cd "$team"
set -x
"$aidf" status --report
"$aidf" report list --limit 10
"$aidf" report summary
"$aidf" report export --csv "$team/runs.csv"
head -3 "$team/runs.csv"
