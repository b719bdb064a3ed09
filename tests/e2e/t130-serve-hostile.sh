#!/usr/bin/env bash
# aidf serve under hostile requests: malformed JSON, wrong types, bodies over --max-body
# (Content-Length and chunked) and at the limit, deep nesting, duplicate keys, huge numbers and
# strings, path tricks in ids (../, %2e%2e, %00, overlong), garbage request lines, huge headers,
# slow clients (closed after --idle-timeout), connections beyond --max-per-ip. Afterwards the
# server still answers, nothing bad was stored, and its log has no ERROR line or sanitizer report.
#
# Usage: t130-serve-hostile.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

dir=$TMP/reports
mkdir -p "$dir"
cp -r "$DATA/reportdirs/small/." "$dir/"
src=$DATA/reports/valid/completed-claude-cli.json
MAXB=65536
files() { find "$dir" -name 'run-*.json' -type f | wc -l | tr -d ' '; }

serve_start hostile --reports-dir "$dir" --max-body "$MAXB" --idle-timeout 2 --max-per-ip 8 \
    --max-connections 64 --threads 2 || finish
nfiles=$(files)

# Raw-socket helper: python3 (no third-party modules).
RAW=$TMP/raw.py
cat >"$RAW" <<'EOF'
import socket, sys, time

def connect(port, src=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s

def read_all(s, limit):
    """Read until EOF or `limit` seconds; return (bytes, 'eof'|'timeout'|'reset')."""
    s.settimeout(0.2)
    data = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return data, "reset"
        if not chunk:
            return data, "eof"
        data += chunk
    return data, "timeout"

def status_of(data):
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0

cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == "send":
    # send PORT HEX_REQUEST|- WAIT: send raw bytes (hex, or "-": stdin), print
    # "<status> <how> <seconds>".
    payload = sys.stdin.buffer.read() if sys.argv[3] == "-" else bytes.fromhex(sys.argv[3])
    s = connect(port)
    t0 = time.monotonic()
    try:
        s.sendall(payload)
    except (ConnectionResetError, BrokenPipeError):
        print("0 reset 0")
        sys.exit(0)
    data, how = read_all(s, float(sys.argv[4]))
    print(status_of(data), how, "%.2f" % (time.monotonic() - t0))
elif cmd == "slow":
    # slow PORT HEX_PARTIAL LIMIT: send part of a request, then nothing; print how and when
    # the server ended the connection.
    s = connect(port)
    t0 = time.monotonic()
    s.sendall(bytes.fromhex(sys.argv[3]))
    data, how = read_all(s, float(sys.argv[4]))
    print(status_of(data), how, "%.2f" % (time.monotonic() - t0))
elif cmd == "hold":
    # hold PORT N WAIT: open N idle connections, wait, print how many the server closed.
    socks = []
    for _ in range(int(sys.argv[3])):
        try:
            socks.append(connect(port))
        except OSError:
            pass
    time.sleep(float(sys.argv[4]))
    open_ = closed = 0
    for s in socks:
        s.settimeout(0.3)
        try:
            chunk = s.recv(1)
            if chunk:
                open_ += 1  # an error response: treat as served
            else:
                closed += 1
        except socket.timeout:
            open_ += 1
        except OSError:
            closed += 1
    print(open_, closed, len(socks))
    sys.stdout.flush()
    # Keep them open while the caller probes the server (stdin closes to release them).
    sys.stdin.read()
    for s in socks:
        s.close()
elif cmd == "bigheader":
    # bigheader PORT SIZE: one header of SIZE bytes; print "<status> <how>".
    s = connect(port)
    req = b"GET /runs HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * int(sys.argv[3]) + b"\r\n\r\n"
    try:
        s.sendall(req)
    except (ConnectionResetError, BrokenPipeError):
        print("0 reset")
        sys.exit(0)
    data, how = read_all(s, 5)
    print(status_of(data), how)
EOF
hex() { od -An -v -tx1 | tr -d ' \n'; }
raw() { "$PY" "$RAW" "$@"; }

# --- malformed and invalid bodies -------------------------------------------------------------------
post_raw() { # post_raw NAME DATA-FILE WANT-STATUS WANT-CODE...
    local name=$1 f=$2 want=$3
    shift 3
    post_file "$f"
    local codes
    codes=$(printf '"%s",' "$@")
    if [ "$STATUS" = "$want" ] && bjq ".error.code | IN(${codes%,})"; then
        ok "$name -> $want $*"
    else
        http_fail "$name -> $want $*"
    fi
}
body() { printf '%s' "$1" >"$TMP/body.json"; }
rid=12345678-1234-4234-8234-123456789abc
for b in '{' '{"runId":' '{"runId":"x",}' "{'runId':1}" '[1,2' '{"a":tru}' 'nul' '{"a":1}}' \
    '{"a":"\x"}' '{"a":"\ud800"}' '{"a":01}' '{"a":1.}' '{"a":NaN}' '{"a":Infinity}' '{"a":-}' \
    $'\xef\xbb\xbf{}' '"just a string"' '{"a":"unterminated'; do
    body "$b"
    post_raw "malformed JSON $(printf '%q' "$b")" "$TMP/body.json" 400 invalid_json invalid_report
done
printf '{"runId":"%s","timestamp":"2026-11-22T00:00:00Z","status":"completed","taskGoal":"caf\xe9"}' "$rid" >"$TMP/body.json"
post_raw "invalid UTF-8 in a string" "$TMP/body.json" 400 invalid_json invalid_report
printf '{"runId":"%s","timestamp":"2026-11-22T00:00:00Z","status":"completed","taskGoal":"a\\u0000b"}' "$rid" >"$TMP/body.json"
post_raw "\\u0000 in a string" "$TMP/body.json" 400 invalid_json invalid_report
wrong_type() { # wrong_type NAME JQ-FILTER FIELD
    jq --arg id "$rid" ".runId = \$id | $2" "$src" >"$TMP/body.json"
    post_file "$TMP/body.json"
    if [ "$STATUS" = 400 ] && bjq '.error.code == "invalid_report" and (.error.message | contains($f))' --arg f "$3"; then
        ok "wrong type: $1 -> 400 invalid_report naming $3"
    else
        http_fail "wrong type: $1 -> 400 invalid_report naming $3"
    fi
}
wrong_type "runId number" '.runId = 42' runId
wrong_type "status array" '.status = ["completed"]' status
wrong_type "iterations string" '.iterations = "3"' iterations
wrong_type "iterations negative" '.iterations = -1' iterations
wrong_type "tokens.totalInput huge" '.tokens.totalInput = 1e300' tokens.totalInput
wrong_type "timestamp garbage" '.timestamp = "yesterday"' timestamp
wrong_type "provider number" '.provider = 7' provider
wrong_type "files.modified object" '.files.modified = {}' files.modified
wrong_type "runId path traversal" '.runId = "../../../../etc/passwd"' runId
wrong_type "runId with a slash" '.runId = "12345678-1234-4234-8234-123456789ab/"' runId
printf '{"runId":"%s","timestamp":"2026-11-22T00:00:00Z","status":"completed","iterations":123456789012345678901234567890}' "$rid" >"$TMP/body.json"
post_raw "an integer beyond 64 bits" "$TMP/body.json" 400 invalid_json invalid_report
body '[]'
post_raw "a JSON array" "$TMP/body.json" 400 invalid_report invalid_json
body 'null'
post_raw "JSON null" "$TMP/body.json" 400 invalid_report invalid_json

# Duplicate keys, one pair and many.
printf '{"runId":"%s","runId":"%s","timestamp":"2026-11-22T00:00:00Z","status":"completed"}' "$rid" "$rid" >"$TMP/body.json"
post_raw "duplicate key runId" "$TMP/body.json" 400 invalid_json invalid_report
{
    printf '{"runId":"%s","timestamp":"2026-11-22T00:00:00Z","status":"completed","x":{' "$rid"
    for ((i = 0; i < 3000; i++)); do printf '"k":%d,' "$i"; done
    printf '"k":0}}'
} >"$TMP/body.json"
post_raw "3000 duplicate keys in a nested object" "$TMP/body.json" 400 invalid_json invalid_report

# Deep nesting: 33 levels in an unknown field, and 30000-deep arrays (well under --max-body).
deep() { printf "%${1}s" '' | tr ' ' '['; printf "%${1}s" '' | tr ' ' ']'; }
{
    printf '{"runId":"%s","timestamp":"2026-11-22T00:00:00Z","status":"completed","x":' "$rid"
    deep 33
    printf '}'
} >"$TMP/body.json"
post_raw "33-deep nesting in an unknown field" "$TMP/body.json" 400 invalid_json invalid_report
hcheck "the nesting error says so" bjq '.error.message | test("nest|deep|depth"; "i")'
deep 30000 >"$TMP/body.json"
t0=$(date +%s%N)
post_raw "30000-deep arrays" "$TMP/body.json" 400 invalid_json invalid_report
t1=$(date +%s%N)
check "30000-deep arrays refused within $(tmo 2) s" [ $(((t1 - t0) / 1000000)) -lt $(($(tmo 2) * 1000)) ]
{ printf "%10000s" '' | tr ' ' '{' | sed 's/{/{"a":/g'; } >"$TMP/body.json"
post_raw "10000-deep unterminated objects" "$TMP/body.json" 400 invalid_json invalid_report
check "nothing invalid was stored" [ "$(files)" = "$nfiles" ]
check "still healthy after bad bodies" healthy

# --- sizes: at the limit, over it with Content-Length and chunked ----------------------------------------
# sized SIZE ID OUT: a valid report padded with a taskGoal string to exactly SIZE bytes.
sized() {
    jq -c --arg id "$2" '.runId = $id | .taskGoal = ""' "$src" >"$3.base"
    local base pad
    base=$(($(wc -c <"$3.base") - 1)) # without jq's newline
    pad=$(($1 - base))
    jq -c --arg id "$2" --arg g "$(head -c "$pad" /dev/zero | tr '\0' 'g')" '.runId = $id | .taskGoal = $g' "$src" >"$3"
    truncate -s "$(($(wc -c <"$3") - 1))" "$3" # jq adds a newline
    [ "$(wc -c <"$3")" = "$1" ]
}
check "a $MAXB-byte report" sized "$MAXB" aaaa0001-1234-4234-8234-123456789abc "$TMP/at.json"
post_file "$TMP/at.json"
hcheck "a body of exactly --max-body bytes -> 201" [ "$STATUS" = 201 ]
check "a $((MAXB + 1))-byte report" sized $((MAXB + 1)) aaaa0002-1234-4234-8234-123456789abc "$TMP/over.json"
post_file "$TMP/over.json"
hcheck "--max-body + 1 with Content-Length -> 413 too_large" \
    bash -c "[ '$STATUS' = 413 ] && jq -e '.error.code == \"too_large\"' '$B' >/dev/null"
post_file "$TMP/over.json" -H 'Transfer-Encoding: chunked'
hcheck "--max-body + 1 chunked (no Content-Length) -> 413 too_large" \
    bash -c "[ '$STATUS' = 413 ] && jq -e '.error.code == \"too_large\"' '$B' >/dev/null"
check "a chunked $MAXB-byte report" sized "$MAXB" aaaa0003-1234-4234-8234-123456789abc "$TMP/at3.json"
post_file "$TMP/at3.json" -H 'Transfer-Encoding: chunked'
hcheck "a chunked body of exactly --max-body bytes -> 201" [ "$STATUS" = 201 ]
head -c $((4 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$TMP/huge.json"
post_file "$TMP/huge.json" -H 'Transfer-Encoding: chunked'
hcheck "4 MiB chunked -> 413" [ "$STATUS" = 413 ]
post_file "$TMP/huge.json"
hcheck "4 MiB with Content-Length -> 413" [ "$STATUS" = 413 ]
# A Content-Length of 10 GB with a tiny body: refused from the header, not after a wait.
req10g=$(printf 'POST /runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{}' | hex)
res=$(raw send "$PORT" "$req10g" "$(tmo 3)")
check "Content-Length: 10000000000 -> 413 at once (got: $res)" bash -c "[ '${res%% *}' = 413 ]"
# Bad Content-Length values.
for cl in -1 abc 99999999999999999999999; do
    r=$(printf 'POST /runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n{}' "$cl" | hex)
    res=$(raw send "$PORT" "$r" "$(tmo 4)")
    check "Content-Length: $cl -> refused with 400/413 or closed (got: $res)" \
        bash -c "case '${res%% *}' in 400|411|413|0) true ;; *) false ;; esac"
done
check "still healthy after big bodies" healthy
check "exactly the two at-limit reports were stored" [ "$(files)" = $((nfiles + 2)) ]

# --- path tricks in ids ------------------------------------------------------------------------------------
for t in '/runs/..' '/runs/%2e%2e' '/runs/%2E%2E' '/runs/%2e%2e%2f%2e%2e%2fetc%2fpasswd' \
    '/runs/..%2f..%2f..%2fetc%2fpasswd' '/runs/%00' '/runs/a1b2%00' '/runs/a1b2%00c3d4' \
    '/runs/a1b2c3d4%2f' '/runs/%252e%252e' '/runs/a1b2c3d4.json' '/runs/run-a1b2c3d4' \
    "/runs/$(printf '0%.0s' $(seq 1 37))" "/runs/$(printf 'f%.0s' $(seq 1 4096))" \
    '/runs/%ff%fe' '/runs/%' '/runs/%zz' '/runs/~root' '/runs/a1b2c3d4%20' '/runs/+'; do
    NOCHECK=1 req GET "$t"
    if [ "$STATUS" = 400 ] && err_code invalid_id; then
        ok "GET ${t:0:60} -> 400 invalid_id"
        printf '%s\t%s\t%s\t%s\t%s\n' GET "$t" "$STATUS" "$H" "$B" >>"$MANIFEST"
    else
        http_fail "GET ${t:0:60} -> 400 invalid_id"
    fi
done
# Raw paths with dot segments (curl --path-as-is): never a file outside the directory.
for t in '/runs/../../../../etc/passwd' '/../../../etc/passwd' '/runs/../healthz/../../etc/passwd' \
    '/%2e%2e/%2e%2e/etc/passwd' '/runs/./a1b2c3d4' '//etc/passwd' '/runs//a1b2c3d4'; do
    NOCHECK=1 req GET "$t"
    hcheck "GET $t: an error, never a file" \
        bash -c "case '$STATUS' in 400|404) ! grep -q 'root:' '$B' && jq -e '.error.code' '$B' >/dev/null ;; *) false ;; esac"
done
check "still healthy after path tricks" healthy

# --- query abuse ---------------------------------------------------------------------------------------------
for q in 'limit=99999999999999999999' 'limit=1e3' 'limit=%00' 'offset=99999999999999999999' \
    'since=%00' 'since=2026-11-18%00' 'status=failed%00' 'until=9999999999999d' 'cursor=%ff%fe'; do
    req GET "/runs?$q"
    hcheck "GET /runs?$q -> 400 invalid_parameter" \
        bash -c "[ '$STATUS' = 400 ] && jq -e '.error.code == \"invalid_parameter\"' '$B' >/dev/null"
done
long=$(printf 'x%.0s' $(seq 1 6000))
for q in "task=$long" 'task=%ff%fe' 'task=[[[[' 'model=**********************************' 'task=%2e%2e%2f*'; do
    NOCHECK=1 req GET "/runs?$q"
    hcheck "GET /runs?${q:0:40}: answered (200 or 400)" bash -c "case '$STATUS' in 200|400) true ;; *) false ;; esac"
done
check "still healthy after query abuse" healthy

# --- garbage on the wire -----------------------------------------------------------------------------------------
# Each case: the raw request, then the acceptable statuses (0: the server closed the connection).
garbage() {
    local r=$1 allowed=$2 res
    res=$(printf "$r" | hex)
    res=$(raw send "$PORT" "$res" "$(tmo 3)")
    check "garbage $(printf '%q' "${r:0:40}"): ${allowed// //} (got: $res)" \
        bash -c "case ' $allowed ' in *' ${res%% *} '*) true ;; *) false ;; esac"
}
ERRS='0 400 404 405 411 413 414 415 431 501 505'
garbage 'GARBAGE\r\n\r\n' "$ERRS"
garbage 'GET /runs HTTP/9.9\r\nHost: localhost\r\n\r\n' "$ERRS"
garbage 'GET\r\n\r\n' "$ERRS"
garbage 'GET /runs HTTP/1.1\r\nHost: localhost\r\nBad Header Line\r\n\r\n' "$ERRS"
garbage '\x00\x01\x02\xff\xfe\r\n\r\n' "$ERRS"
garbage 'POST /runs HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n' "$ERRS"
# Both Content-Length and chunked: RFC 9112 lets a server reject it or follow the chunking
# (then this is a valid empty GET).
garbage 'GET /runs HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' "$ERRS 200"
check "still healthy after garbage" healthy

# --- huge headers --------------------------------------------------------------------------------------------------
res=$(raw bigheader "$PORT" 65536)
check "a 64 KB header: refused (431/413/400 or closed; got: $res)" \
    bash -c "case '${res%% *}' in 0|400|413|431) true ;; *) false ;; esac"
res=$(raw bigheader "$PORT" 1048576)
check "a 1 MB header: refused (got: $res)" \
    bash -c "case '${res%% *}' in 0|400|413|431) true ;; *) false ;; esac"
{ printf 'GET /runs HTTP/1.1\r\nHost: localhost\r\n'; for ((i = 0; i < 2000; i++)); do printf 'X-H%d: %s\r\n' "$i" 'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvv'; done; printf '\r\n'; } >"$TMP/many.req"
res=$(raw send "$PORT" - "$(tmo 3)" <"$TMP/many.req")
check "2000 headers: refused or answered (got: $res)" \
    bash -c "case '${res%% *}' in 0|200|400|413|431) true ;; *) false ;; esac"
check "still healthy after huge headers" healthy

# --- slow clients: dropped after --idle-timeout 2 ---------------------------------------------------------------
lim=$(tmo 8)
# slow_probe NAME PARTIAL-REQUEST: in the background, result in $TMP/slow.NAME
slow_probe() {
    raw slow "$PORT" "$(printf "$2" | hex)" "$lim" >"$TMP/slow.$1" 2>&1
}
slow_result() { # slow_result NAME DESCRIPTION
    local res how secs
    res=$(cat "$TMP/slow.$1")
    how=$(echo "$res" | awk '{print $2}')
    secs=$(echo "$res" | awk '{print $3}')
    check "slow client ($2): closed by the server after ~2 s (got: $res)" \
        bash -c "[ -n '$how' ] && [ '$how' != timeout ] && awk -v s='$secs' 'BEGIN { exit !(s >= 1.5) }'"
}
# Three at once, and the server answers others meanwhile.
slow_probe line 'GET /ru' &
p1=$!
slow_probe headers 'GET /runs HTTP/1.1\r\nHost: localhost\r\n' &
p2=$!
slow_probe body 'POST /runs HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"runId":' &
p3=$!
sleep 0.5
check "healthy while slow clients hang" healthy
wait "$p1" "$p2" "$p3"
slow_result line "half a request line"
slow_result headers "headers never finished"
slow_result body "body shorter than Content-Length"
res=$(raw slow "$PORT" "" "$lim")
check "a connection that sends nothing is closed after ~2 s (got: $res)" \
    bash -c "[ '$(echo "$res" | awk '{print $2}')' != timeout ]"
check "still healthy after slow clients" healthy

# --- connections beyond --max-per-ip 8 ----------------------------------------------------------------------------
coproc HOLD { "$PY" "$RAW" hold "$PORT" 24 1.0; }
hold_pid=$HOLD_PID
read -r -t "$(tmo 10)" held_open held_closed held_total <&"${HOLD[0]}" || true
check "24 idle connections from one address: at most 8 kept (open ${held_open:-?}, closed ${held_closed:-?} of ${held_total:-?})" \
    bash -c "[ -n '${held_open:-}' ] && [ '${held_open:-99}' -le 8 ] && [ '${held_closed:-0}' -ge 16 ]"
hs=$(curl -s --max-time "$(tmo 5)" --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$BASE/healthz")
check "another client address is served meanwhile (got $hs)" [ "$hs" = 200 ]
hold_fd=${HOLD[1]}
eval "exec $hold_fd>&-"
wait "$hold_pid" 2>/dev/null
sleep 0.3
check "the first address is served again once its connections close" healthy

# A burst of 40 concurrent requests from several addresses: all answered or cleanly refused.
pids=()
for i in $(seq 1 40); do
    curl -s --max-time "$(tmo 10)" --interface "127.0.0.$((i % 4 + 1))" -o /dev/null -w '%{http_code}\n' \
        "$BASE/runs?limit=5" >"$TMP/burst.$i" 2>/dev/null &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
n200=$(cat "$TMP"/burst.* | grep -c '^200$')
nbad=$(cat "$TMP"/burst.* | grep -vcE '^(200|000|503)$')
check "a burst of 40 requests: most served ($n200), no wrong status ($nbad)" [ "$n200" -ge 20 -a "$nbad" = 0 ]

# --- DNS rebinding: a loopback server answers only loopback names -------------------------------------------------
# A web page that makes its own name resolve to 127.0.0.1 sends that name as Host: 421.
for h in evil.example "evil.example:$PORT" 127.0.0.1.evil.example "localhost.evil.example" "[::1]x"; do
    expect_http 421 "Host: $h -> 421" GET /runs -H "Host: $h"
    hcheck "Host: $h: misdirected_request" err_code misdirected_request
done
expect_http 421 "POST with Host: evil.example -> 421" POST /runs -H "Host: evil.example" \
    -H 'Content-Type: application/json' --data-binary '{}'
expect_http 421 "/healthz with Host: evil.example -> 421" GET /healthz -H "Host: evil.example"
for h in localhost "localhost:$PORT" LOCALHOST localhost. "127.0.0.1:$PORT" 127.9.9.9 "[::1]:$PORT" "[::1]"; do
    expect_http 200 "Host: $h -> 200" GET "/runs?limit=1" -H "Host: $h"
done
serve_start public --reports-dir "$dir" --public-host reports.example --public-host Other.Example
use_server public
expect_http 200 "--public-host: Host: reports.example -> 200" GET "/runs?limit=1" -H "Host: reports.example:$PORT"
expect_http 200 "--public-host names compare case-insensitively" GET "/runs?limit=1" -H "Host: other.example"
expect_http 421 "--public-host: other names still 421" GET /runs -H "Host: evil.example"
serve_stop public
expect 2 "--public-host with a port is a usage error" serve --public-host bad:1
use_server hostile

# --- afterwards -------------------------------------------------------------------------------------------------
check "GET /healthz still 200" healthy
expect 0 "aidf report list --json over the directory" report list --json --limit 0 --reports-dir "$dir"
check "the directory holds only the fixtures and the two at-limit reports" jq_ok ".total == $((nfiles + 2))"
check "no stray files in the reports directory" \
    [ -z "$(find "$dir" -type f ! -name 'run-*.json' ! -name '.index*' ! -name '.lock*' -print -quit)" ]
openapi_finish
serve_stop hostile
finish
