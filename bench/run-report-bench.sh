#!/usr/bin/env bash
# Benchmark `aidf report summary` / `aidf report list` against the same work done with
# jq over the report files, and against merely reading the files (cat).
#
# Usage: bench/run-report-bench.sh [--count N] [--runs R] [--help]
#   --count N   reports in the dataset (default 100000)
#   --runs R    timed repetitions per command (default 3)
# Environment:
#   AIDF_BIN      an existing aidf binary (default: build Release into build-bench/)
#   AIDF_GEN_BIN  an existing aidf-gen-reports binary (default: build it likewise)
#   BENCH_OUT     scratch directory (default bench/out; git-ignored)
#
# Run by hand on an idle machine, never in CI. Results: stdout and $BENCH_OUT/results.md.
# Exit status: 0 when aidf and jq agree on the numbers (whether or not the goals are
# met), 1 when they disagree or a command fails, 2 on usage errors.
set -euo pipefail

count=100000
runs=3
seed=42
now="2026-11-24T12:00:00Z"
days=90

usage() {
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
}
die() {
    echo "run-report-bench: $*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
    --count)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        count=$2
        shift 2
        ;;
    --runs)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        runs=$2
        shift 2
        ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        echo "run-report-bench: unknown option '$1'" >&2
        usage >&2
        exit 2
        ;;
    esac
done
case "$count" in '' | *[!0-9]*) echo "run-report-bench: bad --count '$count'" >&2; exit 2 ;; esac
case "$runs" in '' | *[!0-9]* | 0) echo "run-report-bench: bad --runs '$runs'" >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${BENCH_OUT:-$root/bench/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
dir=$out/reports
work=$out/work
rm -rf "$work"
mkdir -p "$work"

# ---- tools ----
command -v jq >/dev/null || die "jq is required (apt-get install -y jq)"
[ -x /usr/bin/time ] || die "GNU time is required for peak RSS (apt-get install -y time)"
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

# ---- build ----
. "$root/bench/lib.sh"
bench_build_tools

# ---- dataset (reused when the same parameters produced it) ----
bench_dataset
bytes=$(du -sb "$dir" | cut -f1)

# ---- the commands ----
q_summary='{runs: length,
  completed: map(select(.status == "completed")) | length,
  cost: (map(.cost.estimatedTotal // 0) | add),
  input: (map(.tokens.totalInput // 0) | add),
  output: (map(.tokens.totalOutput // 0) | add)}'
q_list='sort_by(.timestamp) | reverse | .[0:20]
  | map({runId, timestamp, status, taskPath, provider: .provider.type, model: .provider.model,
         cost: .cost.estimatedTotal, durationMs: .timing.totalDurationMs})'
printf '%s\n' "$q_summary" >"$work/summary.jq"
printf '%s\n' "$q_list" >"$work/list.jq"

cmd_aidf_summary="'$aidf' report summary --json --reports-dir '$dir'"
cmd_aidf_list="'$aidf' report list --limit 20 --reports-dir '$dir'"
files="find '$dir' -name 'run-*.json' -print0 | xargs -0 cat"
cmd_jq_summary="$files | jq -s -f '$work/summary.jq'"
cmd_jq_list="$files | jq -s -f '$work/list.jq'"
cmd_cat="$files >/dev/null"
cold_prep="rm -rf '$dir/.index'"

# Parallel arrays: name, command, prepare (empty: none; those get one warm-up run).
names=("aidf summary (cold index)" "aidf summary (warm index)" "aidf list --limit 20 (warm)"
    "jq -s summary" "jq -s list (sort, top 20)" "cat all files (floor)")
cmds=("$cmd_aidf_summary" "$cmd_aidf_summary" "$cmd_aidf_list"
    "$cmd_jq_summary" "$cmd_jq_list" "$cmd_cat")
preps=("$cold_prep" "" "" "" "" "")

# ---- correctness first: aidf and jq must agree ----
echo "== checking that aidf and jq agree" >&2
bash -c "$cmd_aidf_summary" >"$work/aidf-summary.json" || die "aidf report summary failed"
bash -c "$cmd_jq_summary" >"$work/jq-summary.json" || die "jq summary failed"
"$aidf" report list --limit 20 --json --reports-dir "$dir" >"$work/aidf-list.json" ||
    die "aidf report list --json failed"
bash -c "$cmd_jq_list" >"$work/jq-list.json" || die "jq list failed"

jq -n --slurpfile a "$work/aidf-summary.json" --slurpfile j "$work/jq-summary.json" '
  def rel(x; y): if x == y then 0 else ((x - y) | fabs) / ([(x | fabs), (y | fabs)] | max) end;
  $a[0] as $a | $j[0] as $j
  | [ (if $a.runs != $j.runs then "runs: aidf \($a.runs), jq \($j.runs)" else empty end),
      (if $a.completed != $j.completed then "completed: aidf \($a.completed), jq \($j.completed)" else empty end),
      (if rel($a.cost.total; $j.cost) > 1e-6 then "cost: aidf \($a.cost.total), jq \($j.cost)" else empty end),
      (if $a.tokens.input != $j.input then "input tokens: aidf \($a.tokens.input), jq \($j.input)" else empty end),
      (if $a.tokens.output != $j.output then "output tokens: aidf \($a.tokens.output), jq \($j.output)" else empty end) ]
  | if length > 0 then error("summary mismatch: " + join("; ")) else empty end' ||
    die "MISMATCH between aidf report summary and jq (see $work/aidf-summary.json, $work/jq-summary.json)"
jq -n --slurpfile a "$work/aidf-list.json" --slurpfile j "$work/jq-list.json" '
  ($a[0].runs | map(.runId)) as $ai | ($j[0] | map(.runId)) as $ji
  | if $ai != $ji then error("list mismatch: aidf \($ai | join(",")) vs jq \($ji | join(","))")
    else empty end' ||
    die "MISMATCH between aidf report list and jq (see $work/aidf-list.json, $work/jq-list.json)"
[ "$(jq .runs "$work/aidf-summary.json")" -eq "$count" ] ||
    die "aidf counted $(jq .runs "$work/aidf-summary.json") runs, expected $count"
echo "   runs=$(jq .runs "$work/jq-summary.json") cost=$(jq .cost "$work/jq-summary.json")" \
    "input=$(jq .input "$work/jq-summary.json") output=$(jq .output "$work/jq-summary.json"): agree" >&2

# ---- timing ----
# Each command runs $runs times; cold runs delete the index before every run, warm
# runs get one untimed warm-up. Results: "<mean s> <stddev s>" in $work/<i>.time.
now_ns() { date +%s%N; }
time_loop() { # i cmd prep
    local i=$1 cmd=$2 prep=$3 t0 t1 k
    [ -n "$prep" ] || bash -c "$cmd" >/dev/null
    : >"$work/$i.samples"
    for ((k = 0; k < runs; k++)); do
        [ -z "$prep" ] || bash -c "$prep"
        t0=$(now_ns)
        bash -c "$cmd" >/dev/null
        t1=$(now_ns)
        echo "$(((t1 - t0) / 1000)) " >>"$work/$i.samples"
    done
    awk '{s += $1 / 1e6; q += ($1 / 1e6) ^ 2; n++}
         END {m = s / n; v = n > 1 ? (q - n * m * m) / (n - 1) : 0; if (v < 0) v = 0;
              printf "%.6f %.6f\n", m, sqrt(v)}' "$work/$i.samples" >"$work/$i.time"
}
time_hyperfine() { # i cmd prep
    local i=$1 cmd=$2 prep=$3
    local args=(--runs "$runs" --style none --export-json "$work/$i.hf.json")
    if [ -n "$prep" ]; then
        args+=(--prepare "$prep")
    else
        args+=(--warmup 1)
    fi
    hyperfine "${args[@]}" "$cmd" >/dev/null 2>"$work/$i.hf.err" ||
        die "hyperfine failed on: $cmd ($(cat "$work/$i.hf.err"))"
    jq -r '.results[0] | "\(.mean) \(.stddev // 0)"' "$work/$i.hf.json" >"$work/$i.time"
}
# Peak RSS (KB) of the largest process of the command: GNU time reports the maximum
# over the shell and the children it waited for (jq, for the pipelines).
peak_rss() { # i cmd prep
    local i=$1 cmd=$2 prep=$3
    [ -z "$prep" ] || bash -c "$prep"
    /usr/bin/time -f %M -o "$work/$i.rss" bash -c "$cmd" >/dev/null
}

for i in "${!names[@]}"; do
    name=${names[$i]} cmd=${cmds[$i]} prep=${preps[$i]}
    echo "== $name" >&2
    if [ $have_hyperfine -eq 1 ]; then
        time_hyperfine "$i" "$cmd" "$prep"
    else
        time_loop "$i" "$cmd" "$prep"
    fi
    peak_rss "$i" "$cmd" "$prep"
done

# ---- report ----
t() { cut -d' ' -f1 "$work/$1.time"; }
sd() { cut -d' ' -f2 "$work/$1.time"; }
rss() { tail -n 1 "$work/$1.rss"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf (b > 0 ? "%.1fx" : "n/a"), a / b}'; }
goal() { awk -v v="$1" -v g="$2" -v op="$3" 'BEGIN {ok = op == ">=" ? v >= g : v < g; printf ok ? "met" : "**MISSED**"}'; }

tool="hyperfine, $runs runs"
[ $have_hyperfine -eq 1 ] || tool="bash loop, $runs runs"
{
    echo "# aidf report benchmark"
    echo
    echo "- reports: $count ($(awk -v b="$bytes" 'BEGIN {printf "%.0f MB", b / 1e6}') on disk), seed $seed, generated by aidf-gen-reports"
    echo "- machine: $(nproc) CPUs, $(uname -sr), $(awk '/MemTotal/ {printf "%.1f GB RAM", $2 / 1048576}' /proc/meminfo)"
    echo "- aidf: $aidf ($("$aidf" --version 2>/dev/null | head -n 1 || echo unknown version))"
    echo "- jq: $(jq --version); timing: $tool; peak RSS: GNU time (largest process)"
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "| command | mean time | σ | peak RSS |"
    echo "|---|---:|---:|---:|"
    for i in "${!names[@]}"; do
        awk -v n="${names[$i]}" -v m="$(t "$i")" -v s="$(sd "$i")" -v r="$(rss "$i")" \
            'BEGIN {printf "| %s | %.3f s | %.3f s | %.1f MB |\n", n, m, s, r / 1024}'
    done
    echo
    echo "| comparison | jq time / aidf time | jq RSS / aidf RSS |"
    echo "|---|---:|---:|"
    echo "| summary, cold index | $(ratio "$(t 3)" "$(t 0)") | $(ratio "$(rss 3)" "$(rss 0)") |"
    echo "| summary, warm index | $(ratio "$(t 3)" "$(t 1)") | $(ratio "$(rss 3)" "$(rss 1)") |"
    echo "| list --limit 20, warm index | $(ratio "$(t 4)" "$(t 2)") | $(ratio "$(rss 4)" "$(rss 2)") |"
    echo "| summary cold vs cat (aidf / cat) | $(ratio "$(t 0)" "$(t 5)") | |"
    echo
    echo "Goals (the ratios are meant for 100k reports):"
    echo
    warm_ratio=$(awk -v a="$(t 3)" -v b="$(t 1)" 'BEGIN {print a / b}')
    cold_ratio=$(awk -v a="$(t 3)" -v b="$(t 0)" 'BEGIN {print a / b}')
    rss_ratio=$(awk -v a="$(rss 3)" -v b="$(rss 0)" 'BEGIN {print a / b}')
    warm_rss_ratio=$(awk -v a="$(rss 3)" -v b="$(rss 1)" 'BEGIN {print a / b}')
    echo "- summary at least 20x faster than jq: warm $(ratio "$(t 3)" "$(t 1)") ($(goal "$warm_ratio" 20 ">=")), cold $(ratio "$(t 3)" "$(t 0)") ($(goal "$cold_ratio" 20 ">="))"
    echo "- summary at least 5x less peak memory than jq: warm $(ratio "$(rss 3)" "$(rss 1)") ($(goal "$warm_rss_ratio" 5 ">=")), cold $(ratio "$(rss 3)" "$(rss 0)") ($(goal "$rss_ratio" 5 ">="))"
    echo "- warm summary under 0.5 s: $(awk -v m="$(t 1)" 'BEGIN {printf "%.3f s", m}') ($(goal "$(t 1)" 0.5 "<"))"
    echo
    echo "Agreement: runs, completed, total cost (1e-6 relative), input and output tokens of"
    echo "\`aidf report summary --json\` equal jq's; the 20 run ids of \`aidf report list --json\`"
    echo "equal jq's sort_by(.timestamp) | reverse | .[0:20]."
} >"$out/results.md"
cat "$out/results.md"
