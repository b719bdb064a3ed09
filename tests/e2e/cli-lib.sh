# Helpers shared by the CLI end-to-end tests (t020..t060). Sourced, not run.
#
# Usage in a test:  . "$(dirname "$0")/cli-lib.sh" "$@"
# Arguments: <path to aidf> <tests/data dir>. Environment: AIDF_BUILD_DIR (build dir),
# AIDF_SOURCE_DIR; AIDF_TEST_KEEP=1 keeps the temporary directory.
#
# On top of lib.sh (checks, counters, skips, TMP and its cleanup): AIDF, DATA, BUILD, and
# run/expect, which run aidf with stdout in $OUT, stderr in $ERR and the status in $RC.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AIDF=${1:?usage: $0 <aidf> <tests/data dir>}
DATA=${2:?usage: $0 <aidf> <tests/data dir>}
case $AIDF in /*) ;; *) AIDF=$PWD/$AIDF ;; esac
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac
BUILD=${AIDF_BUILD_DIR:-$(dirname "$AIDF")}

export NO_COLOR=1
unset COLUMNS AIDF_SERVER_TOKEN

need jq

RC=0
OUT=$TMP/stdout
ERR=$TMP/stderr

# run ARGS...: run aidf, stdout to $OUT, stderr to $ERR, exit status in $RC.
# A sanitizer report or a crash (exit >= 128) always counts as a failure.
run() {
    "$AIDF" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    if [ "$RC" -ge 128 ] || grep -qE 'Sanitizer|runtime error:' "$ERR"; then
        not_ok "aidf $* crashed or tripped a sanitizer (exit $RC)"
    fi
}

# expect STATUS NAME ARGS...: run aidf and check its exit status.
expect() {
    local want=$1 name=$2
    shift 2
    run "$@"
    if [ "$RC" = "$want" ]; then ok "$name"; else not_ok "$name (exit $RC, want $want)"; fi
}

out_has() { grep -qF -- "$1" "$OUT"; }
err_has() { grep -qF -- "$1" "$ERR"; }
out_lacks() { ! grep -qF -- "$1" "$OUT"; }
out_empty() { [ ! -s "$OUT" ]; }
err_empty() { [ ! -s "$ERR" ]; }
# jq_ok EXPR [ARGS...]: the jq expression is true of stdout.
jq_ok() {
    local expr=$1
    shift
    jq -e "$@" "$expr" "$OUT" >/dev/null 2>&1
}
no_escapes() { ! grep -q $'\033' "$OUT"; }

# close A B [EPS]: two numbers differ by at most EPS (default 1e-6, relative for big values).
close() {
    awk -v a="$1" -v b="$2" -v e="${3:-0.000001}" 'BEGIN {
        d = a - b; if (d < 0) d = -d;
        m = (a < 0 ? -a : a); if (m < 1) m = 1;
        exit !(d <= e * m) }'
}

# slurp DIR: every run-*.json report under DIR as one JSON array on stdout.
slurp() {
    find "$1" -name 'run-*.json' -type f -print0 | sort -z | xargs -0 cat | jq -s .
}

# mkrep SRC DIR RUNID TIMESTAMP [JQ-FILTER]: copy a report with a new id and time
# (plus optional edits) into DIR/<date>/run-<id8>.json.
mkrep() {
    local src=$1 dir=$2 id=$3 ts=$4 filter=${5:-.}
    local day=${ts:0:10}
    mkdir -p "$dir/$day"
    jq --arg id "$id" --arg ts "$ts" \
        ".runId = \$id | .timestamp = \$ts | .timing.completedAt = \$ts | $filter" \
        "$src" >"$dir/$day/run-${id:0:8}.json"
}

# iso_ago SECONDS: an ISO timestamp that many seconds before now.
iso_ago() {
    date -u -d "@$(($(date +%s) - $1))" +%Y-%m-%dT%H:%M:%S.000Z
}

# width: display width of each line of stdin (bash counts characters in UTF-8).
widths() {
    local line
    while IFS= read -r line; do echo "${#line}"; done
}
