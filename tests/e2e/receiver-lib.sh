# Helpers for tests that talk HTTP on 127.0.0.1 (t150 push, t160 webhook, t44x-t47x runs).
# Sourced after cli-lib.sh. Starts tests/e2e/receiver.py instances (python3: a test that
# sources this needs it) and kills exactly the processes it started when the script exits.

need python3

RECEIVER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/receiver.py
BG_PIDS=()

net_cleanup() {
    local p
    for p in "${BG_PIDS[@]}"; do
        kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
    done
}
at_exit net_cleanup

# start_receiver NAME [receiver.py options...]: start a receiver logging to
# $TMP/NAME.log; sets RPORT, RLOG and RPID. Returns non-zero when it did not come up.
start_receiver() {
    local name=$1
    shift
    RLOG=$TMP/$name.log
    rm -f "$TMP/$name.port" "$RLOG"
    : >"$RLOG"
    python3 "$RECEIVER" --port-file "$TMP/$name.port" --log "$RLOG" --lifetime 120 "$@" \
        >"$TMP/$name.out" 2>&1 &
    RPID=$!
    BG_PIDS+=("$RPID")
    if ! wait_file "$TMP/$name.port" 10 "$RPID"; then
        echo "# receiver $name did not start:"
        sed 's/^/#   /' "$TMP/$name.out"
        return 1
    fi
    RPORT=$(cat "$TMP/$name.port")
}

# stop_pid PID: stop one background process this script started.
stop_pid() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

# nreq LOG: number of requests a receiver recorded.
nreq() {
    local n
    n=$(wc -l <"$1")
    echo $((n + 0))
}

# gaps LOG: the seconds between consecutive requests, one per line.
gaps() {
    jq -s -r '[.[].t] | range(1; length) as $i | .[$i] - .[$i - 1]' "$1"
}

# gap LOG N: the gap before request N+1 (N from 1).
gap() {
    gaps "$1" | sed -n "${2}p"
}

# ge A B / le A B / lt A B: numeric comparisons of decimals.
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# now_s: wall clock in seconds with fractions.
now_s() { date +%s.%N; }
