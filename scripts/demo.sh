#!/usr/bin/env bash
# Build aidf and show it at work: `aidf init` in a fresh git repository, `aidf run` on a
# task (the agent is the test suite's faithful fake of the Claude Code CLI, since this
# machine has no network; put the real `claude` first on PATH to use it instead), the
# task file, the commits and the report it wrote; then `aidf report` (list, summary, daily
# and monthly time series, CSV export) and `aidf status`
# over 500 generated reports; last, the web dashboard over them (and the real run's
# report): `aidf serve` on 127.0.0.1:7070 (or a free port when 7070 is taken). Run in a
# terminal, the demo keeps serving until Ctrl-C; otherwise (CI, a pipe) it checks that the
# dashboard answers, stops the server and prints the command that starts it again. The
# last line printed is the dashboard's URL.
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
server_pid=
cleanup() {
    rm -f "$scenario" "$scenario.count"
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT
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
"$aidf" report daily --since 7d --tz UTC
"$aidf" report monthly --by project
"$aidf" report export --csv "$team/runs.csv"
head -3 "$team/runs.csv"
set +x

# 3. The dashboard over the team's reports and the real run's.
cp -R "$demo/.ai/reports/." "$team/.ai/reports/"
port=${DEMO_PORT:-7070}
portfile=$(mktemp /tmp/aidf-demo-port.XXXXXX)
rm -f "$portfile"
for listen in "127.0.0.1:$port" 127.0.0.1:0; do
    "$aidf" serve --listen "$listen" --port-file "$portfile" --log-level warn 2>"$team/serve.log" &
    server_pid=$!
    for _ in $(seq 1 100); do
        [ -s "$portfile" ] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ -s "$portfile" ] && break
    wait "$server_pid" 2>/dev/null || true
    server_pid=
done
[ -s "$portfile" ] || { cat "$team/serve.log" >&2; echo "demo: aidf serve did not start" >&2; exit 1; }
port=$(cat "$portfile")
rm -f "$portfile"
url=http://127.0.0.1:$port/
curl -fsS -o /dev/null "$url" && curl -fsS -o /dev/null "${url}summary"
if [ -t 0 ] && [ -t 1 ]; then
    echo "Serving the dashboard until Ctrl-C ($aidf serve in $team)."
    echo "Dashboard: $url"
    trap 'echo; exit 0' INT
    wait "$server_pid"
else
    kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
    server_pid=
    echo "Not a terminal: the server is stopped. Start it again with:"
    echo "  cd $team && $aidf serve --listen 127.0.0.1:$port"
    echo "Dashboard: $url"
fi
