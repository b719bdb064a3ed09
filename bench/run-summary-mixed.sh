#!/usr/bin/env bash
# GET /summary while reports are being POSTed (goal: /summary at 100k reports under
# 10 ms at p99), for two aidf binaries side by side in the same run — typically the
# current build and an older one (AIDF_OLD_BIN) — each on its own copy of the dataset.
#
# Usage: bench/run-summary-mixed.sh [--duration S]
# Env: AIDF_BIN (default: Release build in build-bench/), AIDF_OLD_BIN (optional second
#      binary), BENCH_OUT (default bench/out; the dataset of run-serve-bench.sh is reused and
#      copied, never written to). Needs wrk. Run by hand on an idle machine, never in CI.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$root/bench/out}
duration=10
[ "${1:-}" = --duration ] && duration=$2
die() { echo "run-summary-mixed: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk is not installed (apt-get install wrk)"
[ -d "$out/reports" ] || die "no dataset in $out/reports (run bench/run-serve-bench.sh first)"
aidf=${AIDF_BIN:-$root/build-bench/aidf}
if [ -z "${AIDF_BIN:-}" ]; then
    cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DAIDF_TESTS=OFF >/dev/null
    cmake --build "$root/build-bench" -j2 --target aidf >/dev/null
fi
work=$(mktemp -d /tmp/aidf-summary-mixed.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
sample=$(find "$out/reports" -name 'run-*.json' -type f -print -quit)
n=$(find "$out/reports" -name 'run-*.json' -type f | wc -l)
to_ms() { awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v } else { sub(/s$/, "", v); printf "%.3f", v * 1000 } }'; }

# measure LABEL BINARY: /summary p99 alone, then beside a client POSTing new runs (one
# connection, each run timestamped later than the one before, as CI pushes them).
measure() {
    local label=$1 bin=$2
    rm -rf "$work/r" && cp -a "$out/reports" "$work/r"
    rm -f "$work/port"
    "$bin" serve --listen 127.0.0.1:0 --port-file "$work/port" --reports-dir "$work/r" \
        --log-level warn >"$work/$label.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do [ -s "$work/port" ] && break; sleep 0.1; done
    [ -s "$work/port" ] || die "$label: the server did not start"
    local url=http://127.0.0.1:$(cat "$work/port")
    curl -sf "$url/summary" >/dev/null
    wrk -t1 -c4 -d"${duration}s" --latency "$url/summary" >"$work/$label-alone.txt"
    wrk -t1 -c1 -d"${duration}s" -s "$root/bench/post.lua" "$url/runs" -- "$sample" now \
        >"$work/$label-post.txt" 2>&1 &
    local wpid=$!
    wrk -t1 -c4 -d"${duration}s" --latency "$url/summary" >"$work/$label-mixed.txt"
    wait "$wpid"
    kill "$pid" && wait "$pid" 2>/dev/null || true
    pid=
    local a m rps posts
    a=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/$label-alone.txt")")
    m=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/$label-mixed.txt")")
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/$label-mixed.txt")
    posts=$(sed -n 's/.*2xx=\([0-9]*\).*/\1/p' "$work/$label-post.txt")
    printf '| %s | %s ms | %s ms | %s | %s |\n' "$label" "$a" "$m" "$rps" "$posts"
}

echo "# /summary under POST load, $(date -u +%FT%TZ), $n reports, wrk -t1 -c4 -d${duration}s each"
echo "| binary | /summary p99 alone | /summary p99 during POSTs | /summary req/s during POSTs | POSTs stored |"
echo "|---|---:|---:|---:|---:|"
measure current "$aidf"
[ -n "${AIDF_OLD_BIN:-}" ] && measure old "$AIDF_OLD_BIN"
exit 0
