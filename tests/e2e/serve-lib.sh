# Helpers shared by the `aidf serve` end-to-end tests (t110..t140). Sourced, not run.
#
# Usage in a test:  . "$(dirname "$0")/serve-lib.sh" "$@"
# Arguments and environment as for cli-lib.sh (which this sources), plus
#   AIDF_TEST_TIMEOUT_MULT   multiply every timeout (sanitizer builds: 3..5)
#   AIDF_TEST_KEEP=1         keep the temporary directory (server logs, responses)
#
# Servers: serve_start NAME ARGS... starts `aidf serve` on 127.0.0.1 port 0 (unless ARGS
# has --listen/--port) with --port-file, waits (bounded) for the file and for /healthz, and
# sets BASE to its URL. serve_stop NAME sends SIGTERM and checks a clean exit 0;
# serve_kill NAME sends SIGKILL. At exit (lib.sh's at_exit) any server still running is
# killed (only the PIDs started here) and the server logs are printed when a check failed.
#
# Requests: req METHOD TARGET [CURL ARGS...] sends one request to $BASE with curl
# (--max-time, --path-as-is), leaving the status in $STATUS, the header dump in $H and the
# body in $B; each response is added to $MANIFEST for a final openapi_check.py batch run
# (openapi_finish), unless NOCHECK=1.

. "$(dirname "${BASH_SOURCE[0]}")/cli-lib.sh" "$@"
need curl python3

SRC_DIR=${AIDF_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CHECKER=$SRC_DIR/tests/e2e/openapi_check.py
SPEC=$SRC_DIR/api/openapi.yaml
PY=${AIDF_PYTHON:-python3}

RESP=$TMP/resp
mkdir -p "$RESP"
MANIFEST=$TMP/openapi.manifest
OALOG=$TMP/openapi.log
: >"$MANIFEST"
NREQ=0
STATUS=000
H=/dev/null
B=/dev/null
BASE=
PORT=

declare -A SRV_PID=() SRV_LOG=() SRV_PORT=()

TMO5=$(tmo 5)

# urlenc STRING: percent-encode everything but unreserved characters (RFC 3986).
urlenc() {
    local LC_ALL=C s=$1 out='' c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
        [a-zA-Z0-9.~_-]) out+=$c ;;
        *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

serve_cleanup() {
    local name pid
    for name in "${!SRV_PID[@]}"; do
        pid=${SRV_PID[$name]}
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        fi
    done
    if [ "$FAIL" -gt 0 ] || [ "${AIDF_TEST_SHOW_LOGS:-0}" = 1 ]; then
        for name in "${!SRV_LOG[@]}"; do
            if [ -s "${SRV_LOG[$name]}" ]; then
                echo "# ---- server log '$name' (last 60 lines) ----"
                tail -n 60 "${SRV_LOG[$name]}" | sed 's/^/#   /'
            fi
        done
    fi
}
at_exit serve_cleanup

# serve_start NAME ARGS...: start a server; 0 when it answers /healthz.
# Extra environment for the server goes before the call (FOO=1 serve_start ...).
serve_start() {
    local name=$1
    shift
    local log=$TMP/server-$name.log portfile=$TMP/server-$name.port a listen=1
    for a in "$@"; do
        case $a in --listen | --listen=* | --port | --port=*) listen=0 ;; esac
    done
    rm -f "$portfile"
    if [ "$listen" = 1 ]; then
        set -- --listen 127.0.0.1:0 "$@"
    fi
    "$AIDF" serve --port-file "$portfile" "$@" >>"$log" 2>&1 &
    SRV_PID[$name]=$!
    SRV_LOG[$name]=$log
    local pid=${SRV_PID[$name]} i limit
    limit=$(($(tmo 10) * 10))
    for ((i = 0; i < limit; i++)); do
        [ -s "$portfile" ] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    if [ ! -s "$portfile" ]; then
        not_ok "server '$name' did not write its port file within $(tmo 10) s"
        tail -n 20 "$log" | sed 's/^/#   log: /'
        return 1
    fi
    PORT=$(tr -d ' \n\r' <"$portfile")
    case $PORT in '' | *[!0-9]*)
        not_ok "server '$name' wrote a bad port file: '$PORT'"
        return 1
        ;;
    esac
    SRV_PORT[$name]=$PORT
    local host=127.0.0.1 prev
    prev=
    for a in "$@"; do
        if [ "$prev" = --listen ]; then host=${a%:*}; fi
        case $a in --listen=*) host=${a#--listen=}; host=${host%:*} ;; esac
        prev=$a
    done
    case $host in 0.0.0.0 | '' | '*') host=127.0.0.1 ;; esac
    BASE=http://$host:$PORT
    for ((i = 0; i < limit; i++)); do
        if [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ]; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    not_ok "server '$name' does not answer GET /healthz with 200"
    return 1
}

# use_server NAME: direct later requests to that (running) server.
use_server() {
    PORT=${SRV_PORT[$1]}
    BASE=http://127.0.0.1:$PORT
}

# server_running NAME
server_running() {
    local pid=${SRV_PID[$1]:-}
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# serve_stop NAME: SIGTERM, wait (bounded) and check the exit status is 0.
serve_stop() {
    local name=$1 pid=${SRV_PID[$1]:-} i limit rc
    if [ -z "$pid" ]; then
        not_ok "stop '$name': no such server"
        return 1
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid" 2>/dev/null
        rc=$?
        SRV_PID[$name]=
        not_ok "server '$name' had already exited (status $rc) before SIGTERM"
        return 1
    fi
    kill -TERM "$pid"
    limit=$(($(tmo 10) * 10))
    for ((i = 0; i < limit; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        SRV_PID[$name]=
        not_ok "server '$name' did not exit within $(tmo 10) s of SIGTERM"
        return 1
    fi
    wait "$pid"
    rc=$?
    SRV_PID[$name]=
    if [ "$rc" = 0 ]; then
        ok "server '$name' exits 0 on SIGTERM"
    else
        not_ok "server '$name' exits $rc on SIGTERM, want 0"
    fi
    log_clean "$name"
}

# serve_kill NAME: SIGKILL (crash), reap it.
serve_kill() {
    local pid=${SRV_PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    SRV_PID[$1]=
}

# log_clean NAME: no sanitizer report, no crash, no ERROR line in the server log.
log_clean() {
    local log=${SRV_LOG[$1]}
    if grep -qE 'Sanitizer|runtime error:|LeakSanitizer' "$log"; then
        not_ok "server '$1' log has a sanitizer report"
        grep -m 5 -E 'Sanitizer|runtime error:' "$log" | sed 's/^/#   /'
    else
        ok "server '$1' log has no sanitizer report"
    fi
    # Log lines are "<ISO time> <level> <message>".
    local re='^[^ ]+ (error|ERROR) |^aidf: (error|ERROR)'
    if grep -qE "$re" "$log"; then
        not_ok "server '$1' log has ERROR lines"
        grep -m 5 -E "$re" "$log" | sed 's/^/#   /'
    else
        ok "server '$1' log has no ERROR line"
    fi
}

# req METHOD TARGET [CURL ARGS...]: one request to $BASE. Sets STATUS, H, B.
req() {
    local method=$1 target=$2
    shift 2
    NREQ=$((NREQ + 1))
    H=$RESP/$NREQ.h
    B=$RESP/$NREQ.b
    local mflag=(-X "$method") bodyout=$B
    # curl --head never reads a body (head_body_bytes checks there is none on the wire).
    if [ "$method" = HEAD ]; then
        mflag=(--head)
        bodyout=/dev/null
    fi
    : >"$B"
    STATUS=$(curl -sS -g --path-as-is --max-time "$TMO5" "${mflag[@]}" -D "$H" -o "$bodyout" \
        -w '%{http_code}' "$@" "$BASE$target" 2>"$RESP/$NREQ.err")
    [ -f "$H" ] || : >"$H"
    if [ "${NOCHECK:-0}" != 1 ] && [ "$STATUS" != 000 ]; then
        printf '%s\t%s\t%s\t%s\t%s\n' "$method" "$target" "$STATUS" "$H" "$B" >>"$MANIFEST"
    fi
}

# head_body_bytes TARGET: send a raw HEAD request (Connection: close) and print the number of
# bytes the server sent after the header block (must be 0).
head_body_bytes() {
    "$PY" - "$PORT" "$1" "$(tmo 5)" <<'PYEOF'
import socket, sys, time
port, target, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port), timeout=limit)
s.sendall(("HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" % target).encode())
data = b""
end = time.monotonic() + limit
while time.monotonic() < end:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        break
    data += chunk
head, sep, rest = data.partition(b"\r\n\r\n")
print(len(rest) if sep else -1)
PYEOF
}

# hdr NAME: the value of a response header of the last request (last response block).
hdr() {
    awk -v n="$1" 'BEGIN { n = tolower(n) }
        /^HTTP\// { v = ""; found = 0 }
        { line = $0; sub(/\r$/, "", line); i = index(line, ":");
          if (i > 0 && tolower(substr(line, 1, i - 1)) == n) {
              v = substr(line, i + 1); sub(/^[ \t]+/, "", v); found = 1 } }
        END { if (found) print v; else exit 1 }' "$H"
}

# bjq EXPR [JQ ARGS...]: the jq expression is true of the last response body.
bjq() {
    local expr=$1
    shift
    jq -e "$@" "$expr" "$B" >/dev/null 2>&1
}

# http_fail NAME: report a failed HTTP check with the response.
http_fail() {
    not_ok "$1"
    echo "#   status $STATUS"
    if [ -s "$B" ]; then head -c 600 "$B" | sed 's/^/#   body: /'; echo; fi
    if [ -s "$RESP/$NREQ.err" ]; then head -n 3 "$RESP/$NREQ.err" | sed 's/^/#   curl: /'; fi
}

# expect_http WANT NAME METHOD TARGET [CURL ARGS...]: request and check the status.
expect_http() {
    local want=$1 name=$2
    shift 2
    req "$@"
    if [ "$STATUS" = "$want" ]; then ok "$name"; else http_fail "$name (status $STATUS, want $want)"; fi
}

# hcheck NAME COMMAND...: a check about the last response (prints it on failure).
hcheck() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else http_fail "$name"; fi
}

# err_code CODE: the last body is an error object with that code.
err_code() { bjq '.error.code == $c and (.error.message | type) == "string"' --arg c "$1"; }

# healthy: GET /healthz answers 200 {"status":"ok"} (not added to the manifest).
healthy() {
    [ "$(curl -s --max-time "$(tmo 5)" "$BASE/healthz" | jq -r .status 2>/dev/null)" = ok ]
}

# openapi_finish [coverage]: check every recorded response against api/openapi.yaml
# (one failure per bad response); with "coverage", also that every operation was seen.
openapi_finish() {
    local out=$TMP/openapi.out
    if ! "$PY" -c 'import yaml, jsonschema' 2>/dev/null; then
        missing "openapi checks: python3-yaml/python3-jsonschema missing"
        return 0
    fi
    : >"$OALOG"
    "$PY" "$CHECKER" --spec "$SPEC" --log "$OALOG" batch "$MANIFEST" >"$out" 2>&1
    local bad
    bad=$(grep -c '^not ok' "$out")
    if [ "$bad" -eq 0 ] && grep -q '^# openapi: ' "$out"; then
        ok "all $(grep -c . "$MANIFEST") responses match api/openapi.yaml"
    else
        FAIL=$((FAIL + (bad > 0 ? bad : 1)))
        sed 's/^not ok/not ok/' "$out"
    fi
    if [ "${1:-}" = coverage ]; then
        "$PY" "$CHECKER" --spec "$SPEC" coverage "$OALOG" >"$out" 2>&1
        if [ $? -eq 0 ]; then
            ok "every operation of api/openapi.yaml was exercised"
            grep '^# coverage: .* not exercised' "$out"
        else
            not_ok "every operation of api/openapi.yaml was exercised"
            sed 's/^/#   /' "$out"
        fi
    fi
}

# post_file FILE [CURL ARGS...]: POST a report file as application/json.
post_file() {
    local f=$1
    shift
    req POST /runs -H 'Content-Type: application/json' --data-binary "@$f" "$@"
}

# report_with_id SRC ID TIMESTAMP OUT: a copy of a report with a new id and time.
report_with_id() {
    jq --arg id "$2" --arg ts "$3" '.runId = $id | .timestamp = $ts' "$1" >"$4"
}
