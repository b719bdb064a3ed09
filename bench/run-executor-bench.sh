#!/usr/bin/env bash
# The executor's own cost: `aidf run` on tasks of 1 and 10 iterations with
# the fake Claude Code CLI, against the time the same fake calls and the same git
# commands take on their own, in the same run. What is left is aidf's bookkeeping
# (context, prompts, parsing, scope, report) plus process start-up.
# Also runs build/aidf-bench-collector for the per-transition and per-report figures.
#
# Usage: bench/run-executor-bench.sh [runs]   (default 10 runs per case)
# Env: AIDF_BIN (default: a Release build in build-bench/). Results: bench/out/executor.txt
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$root/bench/out
runs=${1:-10}
mkdir -p "$out"
die() { echo "run-executor-bench: $*" >&2; exit 1; }

aidf=${AIDF_BIN:-}
if [ -z "$aidf" ]; then
    echo "== building aidf and aidf-bench-collector (Release, build-bench/)" >&2
    cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DAIDF_TESTS=OFF >/dev/null
    cmake --build "$root/build-bench" -j2 --target aidf aidf-bench-collector >/dev/null
    aidf=$root/build-bench/aidf
fi
[ -x "$aidf" ] || die "no aidf binary at '$aidf'"
fake=$root/tests/fakes/claude
work=$(mktemp -d /tmp/aidf-exec-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export PATH="$root/tests/fakes:$PATH" NO_COLOR=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com
unset CI GITHUB_ACTIONS FAKE_CLAUDE_LOG

now_ms() { date +%s%3N; }

# project ITERATIONS: a fresh repository with one pending task the fake finishes after
# ITERATIONS calls, each writing one file.
project() {
    local n=$1 i
    rm -rf "$work/p"
    mkdir -p "$work/p" && cd "$work/p"
    git init -q . && "$aidf" init --yes >/dev/null 2>&1
    mkdir -p src && echo 'int x;' >src/x.c && git add -A && git commit -qm init
    printf '# TASK\n\n## Goal\nBench\n\n## Scope\n\n### Allowed\n- `src/**`\n\n## Definition of Done\n- [ ] done\n' \
        >.ai/tasks/pending/001-bench.md
    : >"$work/scen"
    for ((i = 1; i <= n; i++)); do
        printf '[%d]\nwrite src/f%d.c int f%d;\\n\nsay step %d%s\n' "$i" "$i" "$i" "$i" \
            "$([ "$i" = "$n" ] && echo '\n<TASK_COMPLETE>')" >>"$work/scen"
    done
    rm -f "$work/scen.count"
    export FAKE_CLAUDE_SCENARIO=$work/scen
}

# The same fake calls and git commands alone (what aidf cannot avoid).
baseline() {
    local n=$1 i
    rm -f "$work/scen.count"
    for ((i = 1; i <= n; i++)); do
        git status --porcelain=v1 -z --untracked-files=all >/dev/null
        echo "prompt" | "$fake" -p --output-format json --permission-mode acceptEdits >/dev/null
        git status --porcelain=v1 -z --untracked-files=all >/dev/null
        git add -A && git commit -qm "step $i" >/dev/null
    done
}

result() {
    local label=$1 iters=$2 total_aidf=0 total_base=0 r t0 t1
    for ((r = 0; r < runs; r++)); do
        project "$iters"
        t0=$(now_ms)
        "$aidf" run --quiet >/dev/null 2>&1 || die "aidf run failed"
        t1=$(now_ms)
        total_aidf=$((total_aidf + t1 - t0))
        project "$iters"
        t0=$(now_ms)
        baseline "$iters"
        t1=$(now_ms)
        total_base=$((total_base + t1 - t0))
    done
    awk -v l="$label" -v a="$total_aidf" -v b="$total_base" -v n="$runs" -v it="$iters" 'BEGIN {
        pa = a / n; pb = b / n;
        printf "%-14s aidf run %7.1f ms   fake+git alone %7.1f ms   overhead %6.1f ms per run (%.1f ms per iteration, ratio %.2fx)\n",
            l, pa, pb, pa - pb, (pa - pb) / it, pa / pb }'
}

{
    echo "# executor bench, $(date -u +%FT%TZ), $runs runs per case, $(nproc) cores"
    result "1 iteration" 1
    result "10 iterations" 10
    if [ -x "$root/build-bench/aidf-bench-collector" ]; then
        "$root/build-bench/aidf-bench-collector"
    fi
} | tee "$out/executor.txt"
