#!/usr/bin/env bash
# aidf serve against slow and greedy clients:
#   (a) 34 connections dribbling a header line every second (inside --idle-timeout, which
#       restarts on every byte) are cut at --header-timeout; a normal client is served
#       meanwhile and afterwards;
#   (b) a body dribbled slower than its deadline (--body-timeout plus its size at 64 KiB/s)
#       is cut, a body at normal speed with the same options is stored;
#   (c) with a small --max-inflight-bytes, POSTs beyond it (Content-Length or chunked) get
#       503 server_busy with Retry-After while the others are stored; nothing acknowledged
#       is lost and later POSTs succeed (the budget was given back);
#   (d) /export.csv is streamed (chunked, the CLI's bytes) and 24 readers taking one byte a
#       second do not each hold the whole export in the server's memory.
#
# Usage: t136-serve-slow-clients.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

src=$DATA/reports/valid/completed-claude-cli.json
HT=2 # --header-timeout
BT=2 # --body-timeout

RAW=$TMP/slow.py
cat >"$RAW" <<'EOF'
import os, socket, sys, time

def connect(port, rcvbuf=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    return s

def closed_by_server(s):
    """True when the server ended the connection (EOF or reset) without a response."""
    s.setblocking(False)
    try:
        return s.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True

def read_response(s, limit):
    s.settimeout(limit)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep:
                n = 0
                for line in head.split(b"\r\n")[1:]:
                    k, _, v = line.partition(b":")
                    if k.strip().lower() == b"content-length":
                        n = int(v)
                if len(rest) >= n:
                    break
    except OSError:
        pass
    return data

def status_of(data):
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0

cmd, port = sys.argv[1], int(sys.argv[2])
if cmd == "headers":
    # headers PORT N EVERY LIMIT: N connections each sending a header line every EVERY
    # seconds; print "<cut> <seconds until the last cut>" after LIMIT seconds at most.
    n, every, limit = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    socks = [connect(port) for _ in range(n)]
    for s in socks:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    open("%s.ready" % sys.argv[6], "w").close()
    t0 = time.monotonic()
    alive = set(range(n))
    last = 0.0
    i = 0
    while alive and time.monotonic() - t0 < limit:
        for k in list(alive):
            if closed_by_server(socks[k]):
                alive.discard(k)
                last = time.monotonic() - t0
                continue
            try:
                socks[k].sendall(b"X-Slow-%d: %d\r\n" % (i, k))
            except OSError:
                alive.discard(k)
                last = time.monotonic() - t0
        i += 1
        time.sleep(every)
    print(n - len(alive), "%.2f" % last)
elif cmd == "body":
    # body PORT LENGTH EVERY LIMIT [METHOD]: a request (POST /runs, or METHOD /runs) whose
    # body comes one byte every EVERY seconds; print "<status> <how> <seconds>".
    length, every, limit = int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    method = sys.argv[6].encode() if len(sys.argv) > 6 else b"POST"
    s = connect(port)
    s.sendall(b"%s /runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % (method, length))
    t0 = time.monotonic()
    how = "timeout"
    for _ in range(length):
        if time.monotonic() - t0 > limit:
            break
        if closed_by_server(s):
            how = "cut"
            break
        try:
            s.sendall(b" ")
        except OSError:
            how = "cut"
            break
        time.sleep(every)
    data = b""
    if how == "timeout":
        data = read_response(s, 1)
    print(status_of(data), how, "%.2f" % (time.monotonic() - t0))
elif cmd == "hold":
    # hold PORT FILE N DIR: N POSTs of FILE with Content-Length; send all but the last 100
    # bytes, touch DIR/ready, wait for DIR/go, send the rest; print each status.
    body = open(sys.argv[3], "rb").read()
    n, d = int(sys.argv[4]), sys.argv[5]
    socks = []
    for _ in range(n):
        s = connect(port)
        s.sendall(b"POST /runs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body[:-100])
        socks.append(s)
    # Time for the server to read their headers (and reserve their bodies) first.
    time.sleep(0.3 * float(os.environ.get("AIDF_TEST_TIMEOUT_MULT", "1") or 1))
    open(os.path.join(d, "ready"), "w").close()
    end = time.monotonic() + 20
    while not os.path.exists(os.path.join(d, "go")) and time.monotonic() < end:
        time.sleep(0.05)
    for s in socks:
        s.sendall(body[-100:])
    print(" ".join(str(status_of(read_response(s, 10))) for s in socks))
elif cmd == "readers":
    # readers PORT N TARGET DIR: N connections GET TARGET and read one byte a second with
    # small receive buffers; touch DIR/ready once every one has its first byte, stop when
    # DIR/go exists; print how many got a first byte.
    n, target, d = int(sys.argv[3]), sys.argv[4], sys.argv[5]
    socks = []
    for _ in range(n):
        s = connect(port, rcvbuf=4096)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % target.encode())
        socks.append(s)
    got = 0
    for s in socks:
        s.settimeout(10)
        try:
            if s.recv(1):
                got += 1
        except OSError:
            pass
    open(os.path.join(d, "ready"), "w").close()
    end = time.monotonic() + 30
    tick = 0
    while not os.path.exists(os.path.join(d, "go")) and time.monotonic() < end:
        time.sleep(0.25)
        tick += 1
        for s in socks if tick % 4 == 0 else []:
            s.settimeout(0.01)
            try:
                s.recv(1)
            except OSError:
                pass
    print(got)
EOF
raw() { "$PY" "$RAW" "$@"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
# wait_for FILE SECONDS: until FILE exists.
wait_for() {
    local i limit=$(($2 * 20))
    for ((i = 0; i < limit; i++)); do
        [ -e "$1" ] && return 0
        sleep 0.05
    done
    return 1
}

# --- (a) header deadline -------------------------------------------------------------------
dir=$TMP/reports
mkdir -p "$dir"
cp -r "$DATA/reportdirs/small/." "$dir/"
serve_start slow --reports-dir "$dir" --header-timeout "$HT" --body-timeout "$BT" \
    --idle-timeout 3 --max-connections 40 --max-per-ip 64 --threads 2 || finish
SLOW=34
raw headers "$PORT" "$SLOW" 1 "$(tmo 8)" "$TMP/hdr" >"$TMP/hdr.out" 2>&1 &
hdr_pid=$!
wait_for "$TMP/hdr.ready" "$(tmo 5)"
expect_http 200 "a normal client is served while $SLOW connections dribble headers" GET /runs
wait "$hdr_pid"
read -r cut last <"$TMP/hdr.out"
check "all $SLOW header dribblers are cut (got ${cut:-?})" [ "${cut:-0}" = "$SLOW" ]
check "... at the header deadline ($HT s; last cut after ${last:-?} s)" \
    awk -v l="${last:-99}" -v m="$(tmo 2)" -v h="$HT" 'BEGIN { exit !(l >= h - 0.5 && l <= h + m) }'
expect_http 200 "a normal client is served afterwards" GET /summary
log=${SRV_LOG[slow]}
check "the log says why they were closed" grep -q 'request headers not complete after' "$log"

# A keep-alive client that waits between requests within --idle-timeout is not cut.
"$PY" - "$PORT" >"$TMP/ka.out" 2>&1 <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
st = []
for i in range(2):
    if i:
        time.sleep(2.5)  # more than --header-timeout, less than --idle-timeout
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    s.settimeout(5)
    d = s.recv(65536)
    st.append(d.split(b" ")[1].decode() if d else "eof")
print(" ".join(st))
EOF
check "a kept-alive client idling between requests (within --idle-timeout) is served" \
    grep -qx '200 200' "$TMP/ka.out"

# --- (b) body deadline ---------------------------------------------------------------------
out=$(raw body "$PORT" 2000 0.25 "$(tmo 8)")
read -r st how secs <<<"$out"
check "a body dribbled slower than its deadline is cut ($out)" [ "$how" = cut ]
check "... at the body deadline ($BT s + 2000 B at 64 KiB/s; after ${secs:-?} s)" \
    awk -v l="${secs:-99}" -v m="$(tmo 2)" -v b="$BT" 'BEGIN { exit !(l >= b - 0.5 && l <= b + m) }'
check "the log says the body was late" grep -q 'request body not complete after' "$log"
check "the access log marks the request end=deadline" grep -q 'method=POST path=/runs status=0 .*end=deadline' "$log"
out=$(raw body "$PORT" 2000 0.25 "$(tmo 8)" GET)
read -r st how secs <<<"$out"
check "a GET with a dribbled body is cut at the body deadline too ($out)" \
    awk -v h="$how" -v l="${secs:-99}" -v m="$(tmo 2)" -v b="$BT" 'BEGIN { exit !(h == "cut" && l <= b + m) }'
report_with_id "$src" 0b0d1e51-0000-4000-8000-000000000001 2026-11-25T10:00:00.000Z "$TMP/ok.json"
post_file "$TMP/ok.json"
check "a body at normal speed is stored with the same deadlines (status $STATUS)" [ "$STATUS" = 201 ]
serve_stop slow

# --- (c) the in-flight budget --------------------------------------------------------------
dir2=$TMP/reports2
mkdir -p "$dir2"
# ~250 kB of JSON: a report padded with whitespace (small once decoded).
big() { # big ID OUT
    report_with_id "$src" "$1" 2026-11-25T11:00:00.000Z "$2.tmp"
    { cat "$2.tmp"; head -c 250000 /dev/zero | tr '\0' ' '; } >"$2"
    rm -f "$2.tmp"
}
big 0b0d1e51-0000-4000-8000-00000000000a "$TMP/big-a.json"
serve_start budget --reports-dir "$dir2" --max-body 300000 --max-inflight-bytes 600000 \
    --threads 2 || finish
mkdir -p "$TMP/hold"
raw hold "$PORT" "$TMP/big-a.json" 2 "$TMP/hold" >"$TMP/hold.out" 2>&1 &
hold_pid=$!
wait_for "$TMP/hold/ready" "$(tmo 5)"
# Two bodies of ~250 kB are held; a third does not fit in 600000 bytes.
big 0b0d1e51-0000-4000-8000-00000000000b "$TMP/big-b.json"
post_file "$TMP/big-b.json"
hcheck "a POST beyond --max-inflight-bytes gets 503 (status $STATUS)" [ "$STATUS" = 503 ]
hcheck "... with the code server_busy" err_code server_busy
hcheck "... and Retry-After" eval '[ -n "$(hdr Retry-After)" ]'
post_file "$TMP/big-b.json" -H 'Transfer-Encoding: chunked'
hcheck "a chunked POST beyond it gets 503 server_busy too (status $STATUS)" \
    eval '[ "$STATUS" = 503 ] && err_code server_busy'
req GET /summary
hcheck "reads are served while the budget is full" [ "$STATUS" = 200 ]
touch "$TMP/hold/go"
wait "$hold_pid"
check "the held POSTs are answered (201 for the first, 200 for its identical re-POST)" \
    grep -qxE '201 200|200 201' "$TMP/hold.out"
expect_http 200 "the acknowledged run is stored" GET /runs/0b0d1e51-0000-4000-8000-00000000000a
expect_http 404 "the refused run is not" GET /runs/0b0d1e51-0000-4000-8000-00000000000b
post_file "$TMP/big-b.json"
check "a later POST succeeds: the budget was given back (status $STATUS)" [ "$STATUS" = 201 ]
big 0b0d1e51-0000-4000-8000-00000000000c "$TMP/big-c.json"
mkdir -p "$TMP/hold2"
touch "$TMP/hold2/go"
raw hold "$PORT" "$TMP/big-c.json" 2 "$TMP/hold2" >"$TMP/hold2.out" 2>&1
check "two more at once fit again ($(cat "$TMP/hold2.out"))" grep -qxE '201 200|200 201' "$TMP/hold2.out"
check "the busy answers are logged as warnings, not errors" grep -q 'warn req=.*status=503' "${SRV_LOG[budget]}"
expect 2 "--max-inflight-bytes below --max-body is refused" serve --reports-dir "$dir2" \
    --max-body 1000 --max-inflight-bytes 999
serve_stop budget

# --- (d) /export.csv streamed --------------------------------------------------------------
dir3=$TMP/reports3
"$PY" - "$src" "$dir3" 500 <<'EOF'
import json, os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
r = json.load(open(src))
d = os.path.join(out, "2026-11-20")
os.makedirs(d, exist_ok=True)
for i in range(n):
    r["runId"] = "%08x-0000-4000-8000-%012x" % (0x51000000 + i, i)
    r["timestamp"] = "2026-11-20T%02d:%02d:%02d.000Z" % (i // 3600, i // 60 % 60, i % 60)
    r["taskPath"] = ".ai/tasks/pending/%04d-%s.md" % (i, "x" * 8000)
    with open(os.path.join(d, "run-%08x.json" % (0x51000000 + i)), "w") as f:
        json.dump(r, f)
EOF
serve_start export --reports-dir "$dir3" --threads 4 || finish
req GET /export.csv
hcheck "/export.csv is sent chunked (not built in memory first)" \
    eval '[ "$STATUS" = 200 ] && [ "$(hdr Transfer-Encoding)" = chunked ]'
run report export --csv - --reports-dir "$dir3"
check "/export.csv is the CLI's bytes" cmp -s "$B" "$OUT"
size=$(wc -c <"$B")
req GET '/export.csv?detailed=1&status=completed'
run report export --csv - --detailed --status completed --reports-dir "$dir3"
check "the detailed, filtered export is the CLI's bytes too" cmp -s "$B" "$OUT"
check "a HEAD of /export.csv sends no body" [ "$(head_body_bytes /export.csv)" = 0 ]
spid=${SRV_PID[export]}
before=$(rss_kb "$spid")
mkdir -p "$TMP/rd"
raw readers "$PORT" 24 /export.csv "$TMP/rd" >"$TMP/rd.out" 2>&1 &
rd_pid=$!
wait_for "$TMP/rd/ready" "$(tmo 10)"
sleep 2
during=$(rss_kb "$spid")
healthy_now=no
healthy && healthy_now=yes
touch "$TMP/rd/go"
wait "$rd_pid"
grow=$((during - before))
bound=$((24 * size / 1024 / 4))
echo "# export $size bytes; server RSS $before kB before, $during kB with 24 slow readers (+$grow kB; bound $bound kB)"
check "24 slow readers got their first byte ($(cat "$TMP/rd.out"))" grep -qx 24 "$TMP/rd.out"
check "the server answers while they read" [ "$healthy_now" = yes ]
check "24 slow readers of a $((size / 1024)) kB export add less than a quarter of 24 copies (+$grow kB < $bound kB)" \
    [ "$grow" -lt "$bound" ]
serve_stop export

openapi_finish
finish
