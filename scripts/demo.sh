#!/usr/bin/env bash
# Build aidf, make a demo project with generated execution reports, and show what
# `aidf report` and `aidf status` tell about them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build >/dev/null
cmake --build build -j2 --target aidf aidf-gen-reports >/dev/null
demo="${DEMO_DIR:-$(pwd)/build/demo}"
rm -rf "$demo"
mkdir -p "$demo/.ai/tasks/pending" "$demo/.ai/tasks/completed"
printf '# Demo project\n' >"$demo/.ai/AGENTS.md"
./build/aidf-gen-reports --dir "$demo/.ai/reports" --count 500 --seed 1 --days 30
aidf=$(pwd)/build/aidf
cd "$demo"
set -x
"$aidf" status --report
"$aidf" report list --limit 10
"$aidf" report summary
"$aidf" report show "$("$aidf" report list --limit 1 --json | jq -r '.runs[0].runId')"
"$aidf" report export --csv "$demo/runs.csv"
head -3 "$demo/runs.csv"
