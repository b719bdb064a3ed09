#!/usr/bin/env bash
# The dashboard at 100k runs: its page weight (the page and every file it loads, raw and
# gzipped) and the time to the first useful paint of the overview in headless Chromium
# (performance marks, from navigation start: "aidf:overview-figures" once the summary's
# figures and tables are in the page, "aidf:overview" once the charts are too), the first
# load against a fresh server and the following ones warm. Goals (issue 12): under 150 KB
# gzipped, under 300 ms.
#
# Usage: bench/run-dashboard-bench.sh [--count N] [--loads L] [--help]
#   --count N   reports in the dataset (default 100000; shares bench/out/reports with the
#               other benchmarks when the parameters match)
#   --loads L   page loads (default 6: one cold, the rest warm)
# Environment: AIDF_BIN, AIDF_GEN_BIN (existing binaries; default: Release build in
#   build-bench/), BENCH_OUT (default bench/out), CHROMIUM (default: chromium on PATH).
#
# Run by hand on an idle machine, never in CI. Needs chromium, node and npm
# (scripts/deps.sh); puppeteer-core is installed from tests/browser/package-lock.json into
# $BENCH_OUT/browser. Results: stdout and $BENCH_OUT/dashboard-results.md. Exit status 0 when
# everything was measured (whether or not the goals are met), 1 on a failure, 2 on usage errors.
set -euo pipefail

count=100000
loads=6
seed=42
now="2026-11-24T12:00:00Z"
days=90

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }
die() {
    echo "run-dashboard-bench: $*" >&2
    exit 1
}
while [ $# -gt 0 ]; do
    case $1 in
    --count) count=${2:?}; shift 2 ;;
    --loads) loads=${2:?}; shift 2 ;;
    --help | -h) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
done
case $count$loads in *[!0-9]*) usage >&2; exit 2 ;; esac

root=$(cd "$(dirname "$0")/.." && pwd)
out=${BENCH_OUT:-$root/bench/out}
dir=$out/reports
mkdir -p "$out"
. "$root/bench/lib.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
[ -n "$CHROMIUM" ] || die "chromium is not installed (scripts/deps.sh)"
command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed (scripts/deps.sh)"
export CHROMIUM

bench_build_tools
bench_dataset

bdir=$out/browser
mkdir -p "$bdir"
if ! cmp -s "$root/tests/browser/package-lock.json" "$bdir/package-lock.json" || [ ! -d "$bdir/node_modules" ]; then
    cp "$root/tests/browser/package.json" "$root/tests/browser/package-lock.json" "$bdir/"
    (cd "$bdir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
fi
cp "$root/bench/dashboard-paint.mjs" "$bdir/"

work=$(mktemp -d /tmp/aidf-dash-bench.XXXXXX)
pid=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" && wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

echo "== starting aidf serve over $count reports" >&2
"$aidf" serve --listen 127.0.0.1:0 --port-file "$work/port" --reports-dir "$dir" --log-level warn \
    2>"$work/server.log" &
pid=$!
for _ in $(seq 1 1200); do
    [ -s "$work/port" ] && break
    kill -0 "$pid" 2>/dev/null || die "the server exited: $(tail -3 "$work/server.log")"
    sleep 0.1
done
[ -s "$work/port" ] || die "the server did not start within 120 s"
base=http://127.0.0.1:$(cat "$work/port")
runs=$(curl -fsS "$base/healthz" | jq .runs)
[ "$runs" = "$count" ] || die "the server has $runs runs, want $count"

# Page weight: the page, the files it names and the modules they import.
curl -fsS "$base/" -o "$work/index.html"
mapfile -t files < <({
    grep -oE '(src|href)="/assets/[^"]+"' "$work/index.html" | sed -E 's/^(src|href)="//; s/"$//'
})
declare -A seen=()
i=0
while [ $i -lt ${#files[@]} ]; do
    f=${files[$i]}
    i=$((i + 1))
    [ -z "${seen[$f]:-}" ] || continue
    seen[$f]=1
    curl -fsS "$base$f" -o "$work/asset"
    case $f in *.js)
        while read -r m; do files+=("/assets/$m"); done < <(grep -oE 'from "\./[^"]+"' "$work/asset" | sed -E 's/^from "\.\///; s/"$//')
        ;;
    esac
done
raw=$(wc -c <"$work/index.html")
gz=$(gzip -9 -c "$work/index.html" | wc -c)
for f in "${!seen[@]}"; do
    curl -fsS "$base$f" -o "$work/asset"
    raw=$((raw + $(wc -c <"$work/asset")))
    gz=$((gz + $(gzip -9 -c "$work/asset" | wc -c)))
done
nfiles=$((${#seen[@]} + 1))

echo "== $loads page loads in headless Chromium" >&2
node "$bdir/dashboard-paint.mjs" "$base" "$loads" >"$work/paint.jsonl" || die "the browser run failed"
# median KEY: the median of KEY over the warm loads.
median() {
    jq -s --arg k "$1" '[.[1:][][$k] | select(. != null)] | sort
        | if length == 0 then null else .[(length / 2 | floor)] | floor end' "$work/paint.jsonl"
}
cold_fig=$(jq -s '.[0].figuresMs | floor' "$work/paint.jsonl")
cold=$(jq -s '.[0].overviewMs | floor' "$work/paint.jsonl")
warm_fig=$(median figuresMs)
warm=$(median overviewMs)
fcp=$(median fcpMs)

{
    echo "# Dashboard benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs)"
    echo
    echo "| measure | value | goal |"
    echo "|---|---|---|"
    echo "| page weight ($nfiles files) | $raw bytes, $gz bytes gzipped | < 150 KB gzipped |"
    echo "| overview figures and tables, first load (server cold) | $cold_fig ms | < 300 ms |"
    echo "| overview with its charts, first load (server cold) | $cold ms | |"
    echo "| overview figures and tables, warm (median of $((loads - 1))) | $warm_fig ms | < 300 ms |"
    echo "| overview with its charts, warm (median of $((loads - 1))) | $warm ms | < 300 ms |"
    echo "| first contentful paint, warm (median) | $fcp ms | |"
    echo
    echo "$count runs; every load in a fresh tab with the browser cache disabled."
} | tee "$out/dashboard-results.md"
