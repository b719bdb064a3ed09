#!/usr/bin/env bash
# Benchmark the 0.9 team goals (issue 11, design.md §9) side by side with merely reading
# the report files, on the same machine in the same run:
#   - the index: bytes per run of <reports>/.index;
#   - `aidf report summary --json` and `aidf report stats --interval day --by model --json`,
#     warm (index present) and cold (index deleted first), against `cat`-ing the files;
#   - `aidf serve`: GET /stats?interval=day&by=model and GET /summary, the first request
#     (computed) and p99 under wrk (cached until the store changes); resident memory after
#     start-up and its peak (VmHWM), with and without the .index file.
#
# Usage: bench/run-team-bench.sh [--count N] [--runs R] [--duration S] [--help]
#   --count N      reports in the dataset (default 100000; shares bench/out/reports with
#                  the other scripts when the parameters match)
#   --runs R       timed runs per CLI command (default 5; the median is reported)
#   --duration S   seconds per wrk run (default 5)
# Environment:
#   AIDF_BIN, AIDF_GEN_BIN  existing binaries (default: build Release into build-bench/)
#   BENCH_OUT               scratch directory (default bench/out; git-ignored)
#
# Run by hand on an idle machine, never in CI. Installs wrk, jq and curl with apt-get when
# missing (as root). Results: stdout and $BENCH_OUT/team-results.md. Exit status: 0 when
# every measurement ran and the answers agreed (whether or not the goals are met), 1 on a
# failure, 2 on usage errors.
set -euo pipefail

count=100000
runs=5
duration=5
seed=42
now="2026-11-24T12:00:00Z"
days=90

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
die() {
    echo "run-team-bench: $*" >&2
    exit 1
}
while [ $# -gt 0 ]; do
    case "$1" in
    --count | --runs | --duration)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        case "$2" in '' | *[!0-9]* | 0) echo "run-team-bench: bad $1 '$2'" >&2; exit 2 ;; esac
        case "$1" in --count) count=$2 ;; --runs) runs=$2 ;; --duration) duration=$2 ;; esac
        shift 2
        ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run-team-bench: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${BENCH_OUT:-$root/bench/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
dir=$out/reports
work=$out/team-work
rm -rf "$work"
mkdir -p "$work"

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need_pkgs=()
for t in wrk jq curl; do command -v "$t" >/dev/null || need_pkgs+=("$t"); done
[ -x /usr/bin/time ] || need_pkgs+=(time)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${need_pkgs[*]}: apt-get install -y ${need_pkgs[*]}"
    echo "== installing ${need_pkgs[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null; } ||
        die "apt-get install ${need_pkgs[*]} failed"
fi

. "$root/bench/lib.sh"
bench_build_tools
"$aidf" report stats --help >/dev/null 2>&1 || die "'$aidf' has no 'report stats' command"
bench_dataset

now_ns() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# timed NAME PREP CMD: run CMD $runs times (after PREP each time), median ms into $NAME.ms.
timed() {
    local name=$1 prep=$2 cmd=$3 t0 t1
    : >"$work/$name.ms"
    for ((k = 0; k < runs; k++)); do
        bash -c "$prep"
        t0=$(now_ns)
        bash -c "$cmd" >/dev/null
        t1=$(now_ns)
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }' >>"$work/$name.ms"
    done
    median <"$work/$name.ms"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
meets() { awk -v v="$1" -v g="$2" 'BEGIN { print (v <= g ? "yes" : "no") }'; }

summary="'$aidf' report summary --json --reports-dir '$dir'"
stats="'$aidf' report stats --interval day --by model --tz UTC --json --reports-dir '$dir'"
read_cmd="find '$dir' -name 'run-*.json' -print0 | xargs -0 cat >/dev/null"

echo "== reading the files" >&2
bash -c "$read_cmd"
cat_ms=$(timed cat true "$read_cmd")

echo "== cold (no index): summary, then the index size" >&2
cold_ms=$(timed cold "rm -f '$dir/.index'" "$summary")
idx_bytes=$(stat -c %s "$dir/.index")
per_run=$(awk -v b="$idx_bytes" -v n="$count" 'BEGIN { printf "%.1f", b / n }')

echo "== warm: summary and stats" >&2
bash -c "$summary" >"$work/summary.json"
warm_ms=$(timed warm true "$summary")
stats_ms=$(timed stats true "$stats")
/usr/bin/time -f %M -o "$work/summary.rss" bash -c "$summary" >/dev/null
/usr/bin/time -f %M -o "$work/stats.rss" bash -c "$stats" >"$work/stats-cli.json"

echo "== aidf serve" >&2
# start NAME: start a server on $dir; sets PID and PORT once /healthz counts every run.
start() {
    local pf=$work/$1.port
    rm -f "$pf"
    "$aidf" serve --listen 127.0.0.1:0 --port-file "$pf" --reports-dir "$dir" --log-level warn \
        >>"$work/$1.log" 2>&1 &
    PID=$!
    pids+=("$PID")
    for _ in $(seq 1 6000); do
        if [ -s "$pf" ] && curl -s --max-time 5 "http://127.0.0.1:$(cat "$pf")/healthz" |
            jq -e --argjson n "$count" '.runs >= $n' >/dev/null 2>&1; then
            PORT=$(cat "$pf")
            return
        fi
        kill -0 "$PID" 2>/dev/null || die "the server exited (see $work/$1.log)"
        sleep 0.05
    done
    die "the server did not load $count runs"
}
stop() {
    kill -TERM "$PID"
    wait "$PID" || die "the server did not exit 0 on SIGTERM"
}
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

rm -f "$dir/.index"
start cold
cold_peak=$(kb "$PID" VmHWM)
stop
start warm
warm_peak=$(kb "$PID" VmHWM)
base=http://127.0.0.1:$PORT
first_stats=$(curl -s -o "$work/stats-api.json" -w '%{time_total}' "$base/stats?interval=day&by=model&tz=UTC")
first_summary=$(curl -s -o /dev/null -w '%{time_total}' "$base/summary")
cmp -s "$work/stats-api.json" "$work/stats-cli.json" || die "GET /stats and report stats --json differ"
p99() { # wrk's p99 in ms
    wrk -t2 -c8 -d"${duration}s" --latency "$1" | awk '$1 == "99%" {
        v = $2; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) sub(/ms$/, "", v);
        else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }'
}
stats_p99=$(p99 "$base/stats?interval=day&by=model&tz=UTC")
summary_p99=$(p99 "$base/summary")
rss=$(kb "$PID" VmRSS)
stop

ms_of() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
{
    echo "## aidf team benchmark: $count reports ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
    echo
    echo "| measurement | value | goal | met |"
    echo "|---|---|---|---|"
    echo "| cat the report files | $cat_ms ms | (the floor) | |"
    echo "| index size | $per_run B/run ($((idx_bytes / 1048576)) MB) | ≤ 200 B/run | $(meets "$per_run" 200) |"
    echo "| report summary, warm | $warm_ms ms = $(ratio "$warm_ms" "$cat_ms")x cat, $(cat "$work/summary.rss") KB peak | ≤ 0.02x cat | $(meets "$(ratio "$warm_ms" "$cat_ms")" 0.02) |"
    echo "| report stats --by model, warm | $stats_ms ms = $(ratio "$stats_ms" "$cat_ms")x cat, $(cat "$work/stats.rss") KB peak | < 30 ms | $(meets "$stats_ms" 30) |"
    echo "| report summary, cold (no index) | $cold_ms ms = $(ratio "$cold_ms" "$cat_ms")x cat | ≤ 2x cat | $(meets "$(ratio "$cold_ms" "$cat_ms")" 2) |"
    echo "| GET /stats, first (computed) | $(ms_of "$first_stats") ms | | |"
    echo "| GET /stats p99, cached | $stats_p99 ms | < 10 ms | $(meets "$stats_p99" 10) |"
    echo "| GET /summary, first / p99 cached | $(ms_of "$first_summary") ms / $summary_p99 ms | p99 < 10 ms | $(meets "$summary_p99" 10) |"
    echo "| serve RSS, loaded | $((rss / 1024)) MB | < 64 MB | $(meets "$rss" 65536) |"
    echo "| serve start-up peak, with .index | $((warm_peak / 1024)) MB | < 80 MB | $(meets "$warm_peak" 81920) |"
    echo "| serve start-up peak, no .index (rebuild) | $((cold_peak / 1024)) MB | | |"
} | tee "$out/team-results.md"
