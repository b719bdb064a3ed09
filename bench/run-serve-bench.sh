#!/usr/bin/env bash
# Benchmark `aidf serve` side by side with nginx and with merely reading
# the files, on the same machine in the same run:
#   - cold start over N reports (exec -> port file -> /healthz 200 with every run loaded), with
#     and without the .index file, against `find -name '*.json' | xargs cat` over the same files;
#   - wrk against GET /runs/<id>, GET /runs?limit=20 and GET /summary, and against nginx serving
#     the same report file (same wrk settings);
#   - POST /runs ingest with 16 concurrent clients (wrk + bench/post.lua), durable reports/s;
#   - resident memory (VmRSS, VmHWM) of the server with N reports loaded.
#
# Usage: bench/run-serve-bench.sh [--count N] [--duration S] [--runs R] [--help]
#   --count N      reports in the dataset (default 100000; shares bench/out/reports with
#                  run-report-bench.sh when the parameters match)
#   --duration S   seconds per wrk run (default 10)
#   --runs R       cold starts per variant (default 3)
# Environment:
#   AIDF_BIN, AIDF_GEN_BIN  existing binaries (default: build Release into build-bench/)
#   BENCH_OUT               scratch directory (default bench/out; git-ignored)
#   WRK_THREADS, WRK_CONNS  wrk -t/-c for the GET runs (default 2 and 32)
#
# Run by hand on an idle machine, never in CI. Installs wrk and nginx with apt-get when missing
# (as root). Results: stdout and $BENCH_OUT/serve-results.md. Exit status: 0 when every
# measurement ran and the responses were right (whether or not the goals are met), 1 on a
# failure, 2 on usage errors.
set -euo pipefail

count=100000
duration=10
runs=3
seed=42
now="2026-11-24T12:00:00Z"
days=90
wt=${WRK_THREADS:-2}
wc_=${WRK_CONNS:-32}

usage() { sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; }
die() {
    echo "run-serve-bench: $*" >&2
    exit 1
}
while [ $# -gt 0 ]; do
    case "$1" in
    --count | --duration | --runs)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        case "$2" in '' | *[!0-9]* | 0) echo "run-serve-bench: bad $1 '$2'" >&2; exit 2 ;; esac
        case "$1" in --count) count=$2 ;; --duration) duration=$2 ;; --runs) runs=$2 ;; esac
        shift 2
        ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run-serve-bench: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${BENCH_OUT:-$root/bench/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
dir=$out/reports
work=$out/serve-work
rm -rf "$work"
mkdir -p "$work" "$work/nginx"

# ---- processes we start; all stopped by the trap ----
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
forget() { # forget PID: no longer ours to stop
    local p keep=()
    for p in "${pids[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    pids=(${keep[@]+"${keep[@]}"})
}

# ---- tools ----
need_pkgs=()
command -v wrk >/dev/null || need_pkgs+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_pkgs+=(nginx)
command -v curl >/dev/null || need_pkgs+=(curl)
command -v jq >/dev/null || need_pkgs+=(jq)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${need_pkgs[*]}: apt-get install -y ${need_pkgs[*]}"
    echo "== installing ${need_pkgs[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null ||
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null; } ||
        die "apt-get install ${need_pkgs[*]} failed"
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# ---- build ----
. "$root/bench/lib.sh"
bench_build_tools
"$aidf" serve --help >/dev/null 2>&1 || die "'$aidf' has no serve command"

# ---- dataset (the same stamp as run-report-bench.sh, so either script reuses it) ----
bench_dataset
bytes=$(du -sb --exclude=.index "$dir" | cut -f1)
sample=$(find "$dir" -name 'run-*.json' -type f | sort | sed -n "$((count / 2 + 1))p")
sample_id=$(jq -r .runId "$sample")
sample_rel=${sample#"$dir"/}

now_ns() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# ---- floor: reading every file ----
echo "== reading the files (page cache as left by earlier runs; nothing dropped)" >&2
read_cmd="find '$dir' -name '*.json' -print0 | xargs -0 cat >/dev/null"
bash -c "$read_cmd" # warm-up: the same cache state the server starts from
: >"$work/read.ms"
for ((k = 0; k < runs; k++)); do
    t0=$(now_ns)
    bash -c "$read_cmd"
    t1=$(now_ns)
    ms "$t0" "$t1" >>"$work/read.ms"
done
read_ms=$(median <"$work/read.ms")
cache_note=$(awk '/^Cached:/ { printf "%.1f GB cached", $2 / 1048576 }' /proc/meminfo)
echo "   read all files: $read_ms ms (median of $runs; $cache_note; $((bytes / 1048576)) MB of reports)" >&2

# ---- cold starts ----
# start_server NAME DIR [ARGS...]: start, wait for the port file and for /healthz to count
# every run; sets SRV_PID, SRV_PORT, START_MS.
start_server() {
    local name=$1 d=$2
    shift 2
    local pf=$work/$name.port log=$work/$name.log want t0 t1 i body
    want=$(find "$d" -name 'run-*.json' -type f | wc -l)
    rm -f "$pf"
    t0=$(now_ns)
    "$aidf" serve --listen 127.0.0.1:0 --port-file "$pf" --reports-dir "$d" --log-level warn "$@" \
        >>"$log" 2>&1 &
    SRV_PID=$!
    pids+=("$SRV_PID")
    for ((i = 0; i < 60000; i++)); do # bounded: 60000 x ~1-5 ms
        [ -s "$pf" ] && break
        kill -0 "$SRV_PID" 2>/dev/null || die "server $name exited (see $log)"
        sleep 0.001
    done
    [ -s "$pf" ] || die "server $name wrote no port file (see $log)"
    SRV_PORT=$(cat "$pf")
    for ((i = 0; i < 60000; i++)); do
        body=$(curl -s --max-time 5 "http://127.0.0.1:$SRV_PORT/healthz" || true)
        if [ -n "$body" ] && [ "$(jq -r '.runs // -1' <<<"$body" 2>/dev/null)" -ge "$want" ]; then
            break
        fi
        kill -0 "$SRV_PID" 2>/dev/null || die "server $name exited (see $log)"
        sleep 0.002
    done
    t1=$(now_ns)
    START_MS=$(ms "$t0" "$t1")
}
stop_server() {
    local p=$SRV_PID rc=0
    kill -TERM "$p"
    for _ in $(seq 1 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    wait "$p" || rc=$?
    forget "$p"
    [ "$rc" = 0 ] || die "server exited $rc on SIGTERM"
}
rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

echo "== cold start, $runs times each way" >&2
: >"$work/cold-noindex.ms"
: >"$work/cold-index.ms"
for ((k = 0; k < runs; k++)); do
    rm -rf "$dir/.index"
    start_server cold "$dir"
    echo "$START_MS" >>"$work/cold-noindex.ms"
    noidx_rss=$(rss_kb "$SRV_PID" VmRSS)
    stop_server
    [ -e "$dir/.index" ] || echo "   note: no .index after a clean stop" >&2
    start_server cold "$dir"
    echo "$START_MS" >>"$work/cold-index.ms"
    stop_server
done
cold_noidx=$(median <"$work/cold-noindex.ms")
cold_idx=$(median <"$work/cold-index.ms")
echo "   without .index: $cold_noidx ms, with .index: $cold_idx ms" >&2

# ---- the server under wrk ----
start_server main "$dir"
main_pid=$SRV_PID
base=http://127.0.0.1:$SRV_PORT
rss_loaded=$(rss_kb "$main_pid" VmRSS)

# Correctness before speed.
curl -s --max-time 10 "$base/runs/$sample_id" | cmp -s - "$sample" || die "GET /runs/$sample_id is not the file"
[ "$(curl -s --max-time 10 "$base/runs?limit=20" | jq '.runs | length')" = 20 ] || die "GET /runs?limit=20"
[ "$(curl -s --max-time 30 "$base/summary" | jq .runs)" = "$count" ] || die "GET /summary does not count $count runs"

# nginx over the same directory.
ngx_port=$(free_port)
ngx=$work/nginx
mkdir -p "$ngx/tmp"
user_line=
[ "$(id -u)" = 0 ] && user_line="user $(id -un) $(id -gn);"
cat >"$ngx/nginx.conf" <<EOF
# Written by bench/run-serve-bench.sh: static files of the reports directory.
$user_line
worker_processes 2;
daemon off;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types { application/json json; }
    default_type application/octet-stream;
    charset utf-8;
    charset_types application/json;
    client_body_temp_path $ngx/tmp/body;
    proxy_temp_path $ngx/tmp/proxy;
    fastcgi_temp_path $ngx/tmp/fastcgi;
    uwsgi_temp_path $ngx/tmp/uwsgi;
    scgi_temp_path $ngx/tmp/scgi;
    server {
        listen 127.0.0.1:$ngx_port;
        root $dir;
        location / { }
    }
}
EOF
"$NGINX" -p "$ngx" -c "$ngx/nginx.conf" >"$ngx/stdout.log" 2>&1 &
ngx_pid=$!
pids+=("$ngx_pid")
for _ in $(seq 1 100); do
    curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$ngx_port/$sample_rel" && break
    sleep 0.05
done
curl -s --max-time 5 "http://127.0.0.1:$ngx_port/$sample_rel" | cmp -s - "$sample" ||
    die "nginx does not serve $sample_rel (see $ngx/error.log)"

# run_wrk NAME URL [ARGS...]: wrk with the common settings; "<req/s> <p50 ms> <p99 ms>".
to_ms() { # wrk latency "1.23ms" / "456.00us" / "1.02s" -> ms
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else printf "%s", v }'
}
run_wrk() {
    local name=$1 url=$2
    shift 2
    echo "== wrk $name: $url" >&2
    wrk --latency -d "${duration}s" "$@" "$url" >"$work/wrk-$name.txt" 2>&1 || die "wrk $name failed"
    local rps p50 p99 errs
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$work/wrk-$name.txt")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$work/wrk-$name.txt")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk-$name.txt")")
    errs=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$work/wrk-$name.txt")
    [ -z "$errs" ] || echo "   warning: $errs non-2xx responses in $name" >&2
    echo "   $rps req/s, p50 $p50 ms, p99 $p99 ms" >&2
    echo "$rps $p50 $p99 ${errs:-0}"
}
W=(-t "$wt" -c "$wc_")
read -r id_rps id_p50 id_p99 id_err < <(run_wrk run-id "$base/runs/$sample_id" "${W[@]}")
read -r ngx_rps ngx_p50 ngx_p99 ngx_err < <(run_wrk nginx "http://127.0.0.1:$ngx_port/$sample_rel" "${W[@]}")
read -r list_rps list_p50 list_p99 list_err < <(run_wrk runs-limit20 "$base/runs?limit=20" "${W[@]}")
read -r sum_rps sum_p50 sum_p99 sum_err < <(run_wrk summary "$base/summary" "${W[@]}")
[ -n "${id_rps:-}" ] && [ -n "${ngx_rps:-}" ] && [ -n "${list_rps:-}" ] && [ -n "${sum_rps:-}" ] ||
    die "a wrk run gave no result (see $work/wrk-*.txt)"
rss_after=$(rss_kb "$main_pid" VmRSS)
hwm_after=$(rss_kb "$main_pid" VmHWM)
kill -QUIT "$ngx_pid" 2>/dev/null || true
wait "$ngx_pid" 2>/dev/null || true
forget "$ngx_pid"
SRV_PID=$main_pid
stop_server

# ---- POST ingest: 16 clients, a fresh directory ----
ingest=$work/ingest
mkdir -p "$ingest"
start_server ingest "$ingest"
ing_pid=$SRV_PID
echo "== wrk POST /runs, 16 connections, ${duration}s" >&2
wrk -t 2 -c 16 -d "${duration}s" --latency -s bench/post.lua "http://127.0.0.1:$SRV_PORT/runs" -- "$sample" \
    >"$work/wrk-post.txt" 2>&1 || die "wrk POST failed (see $work/wrk-post.txt)"
post_line=$(grep '^aidf-post:' "$work/wrk-post.txt" || true)
[ -n "$post_line" ] || die "no result line from bench/post.lua (see $work/wrk-post.txt)"
post_2xx=$(sed -n 's/.*2xx=\([0-9]*\).*/\1/p' <<<"$post_line")
post_other=$(sed -n 's/.*other=\([0-9]*\).*/\1/p' <<<"$post_line")
post_us=$(sed -n 's/.*duration_us=\([0-9]*\).*/\1/p' <<<"$post_line")
post_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$work/wrk-post.txt")")
SRV_PID=$ing_pid
stop_server
on_disk=$(find "$ingest" -name 'run-*.json' -type f | wc -l)
# wrk stops with up to 16 requests in flight: those may be stored without a counted answer.
[ "$on_disk" -ge "$post_2xx" ] || echo "   WARNING: $post_2xx answered 2xx but only $on_disk files on disk" >&2
post_rate=$(awk -v n="$on_disk" -v us="$post_us" 'BEGIN { printf "%.0f", n / (us / 1e6) }')
echo "   $post_2xx x 2xx, $post_other other, $on_disk files: $post_rate durable reports/s" >&2
rm -rf "$ingest"

# ---- the table ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "**not met**"; fi; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
cold_ratio=$(ratio "$cold_idx" "$read_ms")
cold_ratio_noidx=$(ratio "$cold_noidx" "$read_ms")
id_ratio=$(ratio "$id_rps" "$ngx_rps")
p99_ratio=$(ratio "$id_p99" "$ngx_p99")
{
    echo "# aidf serve benchmark"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, $(uname -sr), $count reports" \
        "($((bytes / 1048576)) MB), wrk -t$wt -c$wc_ -d${duration}s --latency;" \
        "server with default options and --log-level warn; nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), 2 workers, sendfile on, access_log off."
    echo "Page cache: not dropped ($cache_note); the files were read once before timing, so every"
    echo "cold start and the read floor start from the same warm cache. Medians of $runs runs."
    echo
    echo "| measurement | aidf serve | reference | ratio | goal | |"
    echo "|---|---:|---:|---:|---|---|"
    echo "| cold start with .index (exec → /healthz with all runs) | $cold_idx ms | read files: $read_ms ms | $cold_ratio | ≤ 1.5× reading the files | $(verdict "$cold_ratio <= 1.5") |"
    echo "| cold start without .index (rebuild) | $cold_noidx ms | read files: $read_ms ms | $cold_ratio_noidx | — | |"
    echo "| GET /runs/<id> throughput | $id_rps req/s | nginx, same file: $ngx_rps req/s | $id_ratio | ≥ 1× nginx | $(verdict "$id_ratio >= 1") |"
    echo "| GET /runs/<id> p50 / p99 | $id_p50 / $id_p99 ms | nginx: $ngx_p50 / $ngx_p99 ms | p99 $p99_ratio | — | |"
    echo "| GET /runs?limit=20 | $list_rps req/s, p50 $list_p50 ms, p99 $list_p99 ms | — | | — | |"
    echo "| GET /summary at $count runs, p99 | $sum_p99 ms ($sum_rps req/s, p50 $sum_p50 ms) | — | | < 10 ms | $(verdict "$sum_p99 < 10") |"
    echo "| POST /runs, 16 clients, durable (fsync'd) | $post_rate reports/s (p99 $post_p99 ms) | — | | ≥ 2,000/s | $(verdict "$post_rate >= 2000") |"
    echo "| resident memory, $count runs loaded | VmRSS $(mb "$rss_loaded") MB after start, $(mb "$rss_after") MB after the wrk runs | — | | < 64 MB | $(verdict "$rss_after < 65536") |"
    echo "| peak resident memory (VmHWM) | $(mb "$hwm_after") MB | — | | — | |"
    echo "| resident memory after an index rebuild | VmRSS $(mb "${noidx_rss:-0}") MB | — | | — | |"
    echo
    echo "Non-2xx responses under wrk: /runs/<id> $id_err, nginx $ngx_err, /runs $list_err, /summary $sum_err, POST $post_other."
    echo "Raw outputs: bench/out/serve-work/ (wrk-*.txt, *.ms, server logs)."
} >"$out/serve-results.md"
cat "$out/serve-results.md"
