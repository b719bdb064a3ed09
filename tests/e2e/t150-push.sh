#!/usr/bin/env bash
# aidf report push: delivery to a scripted receiver (201, 200, retries after 503 with
# backoff, 429 + Retry-After in both forms, 409 not retried, 401 kept in the outbox,
# timeouts), the outbox (server down → queued, --pending delivers once, a second
# --pending sends nothing, the store ignores .outbox), and — when this build has
# `aidf serve` — the same down → up flow against the real server.
#
# Usage: t150-push.sh <aidf> <tests/data dir>
. "$(dirname "$0")/cli-lib.sh" "$@"
. "$(dirname "$0")/receiver-lib.sh"


REP=$TMP/reports
cp -r "$DATA/reportdirs/small" "$REP"
A=a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d
AFILE=$REP/2026-11-18/run-a1b2c3d4.json
cd "$TMP" || exit 1

# outbox_n: entries in the outbox.
outbox_n() {
    local n
    n=$(find "$REP/.outbox" -name '*.json' 2>/dev/null | wc -l)
    echo $((n + 0))
}

# --- usage --------------------------------------------------------------------------------
expect 0 "push --help exits 0" report push --help
check "push --help names --pending" out_has "--pending"
expect 0 "aidf report help push" report help push
expect 2 "push without ids, --all or --pending is a usage error" report push --server http://127.0.0.1:1 --reports-dir "$REP"
expect 2 "push without a server is a usage error" report push --all --reports-dir "$REP"
check "it says how to set the server" err_has "observability.server.url"
expect 2 "ids with --all is a usage error" report push a1b2c3d4 --all --server http://127.0.0.1:1 --reports-dir "$REP"
expect 2 "bad --retries" report push --all --retries x --server http://127.0.0.1:1 --reports-dir "$REP"
expect 1 "unknown id fails before pushing" report push deadbeef --server http://127.0.0.1:1 --reports-dir "$REP"
check "unknown id message" err_has "no run matches 'deadbeef'"
expect 1 "ambiguous prefix fails" report push a1b2 --server http://127.0.0.1:1 --reports-dir "$REP"
check "ambiguous prefix lists candidates" err_has "a1b2ffff-0000-4111-8222-333344445555"

# --- 201: delivered, exact bytes, headers -----------------------------------------------------
start_receiver ok --statuses 201 || exit 1
expect 0 "push to a 201 receiver exits 0" report push a1b2c3d4 --server "http://127.0.0.1:$RPORT/" --reports-dir "$REP"
check "prints delivered" out_has "delivered a1b2c3d4"
check "one request" [ "$(nreq "$RLOG")" = 1 ]
check "POST /runs (trailing slash of --server dropped)" \
    [ "$(jq -r '.method + " " + .path' "$RLOG")" = "POST /runs" ]
check "Content-Type application/json" [ "$(jq -r '.headers["content-type"]' "$RLOG")" = application/json ]
check "no Authorization without a token" [ "$(jq -r '.headers.authorization // "none"' "$RLOG")" = none ]
check "body is the report file's exact bytes" python3 -c '
import json, sys
rec = json.loads(open(sys.argv[1]).readline())
sys.exit(rec["body"] != open(sys.argv[2], encoding="utf-8").read())' "$RLOG" "$AFILE"
check "nothing queued" [ "$(outbox_n)" = 0 ]

AIDF_SERVER_TOKEN=tok-123 run report push a1b2c3d4 --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
check "AIDF_SERVER_TOKEN is sent as a bearer token" \
    [ "$(jq -s -r '.[1].headers.authorization' "$RLOG")" = "Bearer tok-123" ]
MYTOK=other run report push a1b2c3d4 --token-env MYTOK --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
check "--token-env names the variable" [ "$(jq -s -r '.[2].headers.authorization' "$RLOG")" = "Bearer other" ]
check "the token never appears in the output" eval '! grep -q other "$OUT" "$ERR"'

expect 0 "push --json exits 0" report push 5c6d --json --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
check "--json: delivered 1, outcome delivered, status 201" \
    jq_ok '.delivered == 1 and .results[0].outcome == "delivered" and .results[0].status == 201 and .results[0].runId == "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f" and .pending == 0'
stop_pid "$RPID"

# --- 200: already there ---------------------------------------------------------------------
start_receiver already --statuses 200 || exit 1
expect 0 "a 200 answer exits 0" report push a1b2c3d4 --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
check "prints already on server" out_has "already on server a1b2c3d4"
stop_pid "$RPID"

# --- 503, 503, 201: retried with growing backoff ----------------------------------------------
start_receiver retry --statuses 503,503,201 || exit 1
expect 0 "503,503,201 ends delivered" report push a1b2c3d4 --retry-base 200 --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
check "three attempts" [ "$(nreq "$RLOG")" = 3 ]
g1=$(gap "$RLOG" 1)
g2=$(gap "$RLOG" 2)
check "first wait about the base (0.2 s; got $g1)" eval 'ge "$g1" 0.18 && lt "$g1" 1.5'
check "second wait about twice as long (got $g2)" eval 'ge "$g2" 0.38 && lt "$g2" 2.5 && lt "$g1" "$g2"'
check "retried delivery is not queued" [ "$(outbox_n)" = 0 ]
stop_pid "$RPID"

# --- 429 with Retry-After (seconds and HTTP-date) ----------------------------------------------
start_receiver ra --statuses 429,201 --retry-after 2 || exit 1
expect 0 "429 then 201 ends delivered" report push a1b2c3d4 --retry-base 50 --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
g1=$(gap "$RLOG" 1)
check "Retry-After: 2 is honoured over the 50 ms backoff (waited $g1 s)" eval 'ge "$g1" 1.9 && lt "$g1" 4'
stop_pid "$RPID"

start_receiver radate --statuses 503,201 --retry-after date:2 || exit 1
expect 0 "503 with an HTTP-date Retry-After then 201" report push a1b2c3d4 --retry-base 50 --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
g1=$(gap "$RLOG" 1)
check "an HTTP-date Retry-After is honoured (waited $g1 s; date has 1 s resolution)" eval 'ge "$g1" 0.9 && lt "$g1" 4'
stop_pid "$RPID"

# --- 409: conflict, not retried, not queued ---------------------------------------------------
start_receiver conflict --statuses 409 || exit 1
expect 1 "409 exits 1" report push a1b2c3d4 --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
check "prints conflict" out_has "conflict a1b2c3d4:"
check "409 is not retried" [ "$(nreq "$RLOG")" = 1 ]
check "409 is not queued" [ "$(outbox_n)" = 0 ]
stop_pid "$RPID"

# --- 401: rejected, kept in the outbox, delivered by --pending once fixed --------------------------
start_receiver auth --statuses 401,201 || exit 1
expect 1 "401 exits 1" report push a1b2c3d4 --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
check "prints rejected with the status" out_has "rejected a1b2c3d4: HTTP 401"
check "401 is not retried" [ "$(nreq "$RLOG")" = 1 ]
check "401 keeps the report in the outbox" [ "$(outbox_n)" = 1 ]
entry=$(find "$REP/.outbox" -name "$A-*.json" | head -1)
check "outbox entry fields" jq -e >/dev/null --arg id "$A" --arg s "http://127.0.0.1:$RPORT" \
    '.runId == $id and .server == $s and .file == "2026-11-18/run-a1b2c3d4.json" and .attempts == 1 and (.lastError | test("401")) and (.firstQueuedAt | test("Z$")) and (.lastAttemptAt | type) == "string"' "$entry"
expect 0 "--pending delivers it once the server accepts" report push --pending --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
check "prints delivered" out_has "delivered a1b2c3d4"
check "outbox empty after delivery" [ "$(outbox_n)" = 0 ]
stop_pid "$RPID"

# --- server down → queued; --pending against a receiver on that port → delivered once ------------
port=$(free_port)
DOWN=http://127.0.0.1:$port
t0=$(now_s)
expect 1 "push --all to a dead port exits 1" report push --all --retry-base 20 --server "$DOWN" --reports-dir "$REP"
t1=$(now_s)
check "six queued lines" [ "$(grep -c '^queued .*: connection refused (will retry with --pending)$' "$OUT")" = 6 ]
check "summary line" out_has "6 failed; 6 pending in the outbox for $DOWN"
check "six outbox entries" [ "$(outbox_n)" = 6 ]
check "entries count three attempts each" \
    [ "$(cat "$REP"/.outbox/*.json | jq -s '[.[] | select(.attempts == 3 and .lastError == "connection refused")] | length')" = 6 ]
check "down server costs little time ($(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}') s)" lt "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" 10
run report list --json --reports-dir "$REP"
check "the store ignores .outbox (still 6 runs, no warnings)" \
    eval 'jq_ok "(if type == \"array\" then length else .total end) == 6" && ! grep -q outbox "$ERR"'

expect 1 "--pending while still down exits 1" report push --pending --retries 0 --server "$DOWN" --reports-dir "$REP"
check "--pending stops after the first unreachable attempt" [ "$(grep -c 'not tried, the server is unreachable' "$OUT")" = 5 ]
check "still six entries" [ "$(outbox_n)" = 6 ]

start_receiver up --port "$port" --statuses 201 || exit 1
expect 0 "--pending against the receiver now up exits 0" report push --pending --server "$DOWN" --reports-dir "$REP"
check "six delivered lines" [ "$(grep -c '^delivered ' "$OUT")" = 6 ]
check "six requests" [ "$(nreq "$RLOG")" = 6 ]
check "each run delivered exactly once" \
    [ "$(jq -r '.body | fromjson | .runId' "$RLOG" | sort -u | wc -l)" = 6 ]
check "outbox empty" [ "$(outbox_n)" = 0 ]
expect 0 "a second --pending exits 0" report push --pending --server "$DOWN" --reports-dir "$REP"
check "it says nothing is pending" out_has "Nothing pending for $DOWN."
check "and sends nothing" [ "$(nreq "$RLOG")" = 6 ]
stop_pid "$RPID"

# --- corrupt outbox entries: set aside in .outbox/failed/ once, counted, never warned again -----
# One entry really pending (the server is down again), five corrupt files named like entries.
expect 1 "push to the server down again queues one" report push a1b2c3d4 --retries 0 --server "$DOWN" --reports-dir "$REP"
CB=0f1e2d3c-4b5a-4968-8776-655443322110
printf '{not json' >"$REP/.outbox/$CB-00000001.json"
echo '[1, 2]' >"$REP/.outbox/$CB-00000002.json"
echo '{"hello": "world"}' >"$REP/.outbox/$CB-00000003.json"
jq '.file = "../../../etc/passwd"' "$(find "$REP/.outbox" -name "$A-*.json")" >"$REP/.outbox/$CB-00000004.json"
cp "$(find "$REP/.outbox" -name "$A-*.json")" "$REP/.outbox/$CB-00000005.json" # the wrong name
echo "not an entry name: ignored" >"$REP/.outbox/notes.txt"
check "six entry files in the outbox" [ "$(outbox_n)" = 6 ]
FAILED=$REP/.outbox/failed
expect 1 "--pending with corrupt entries (server down) exits 1" report push --pending --retries 0 --server "$DOWN" --reports-dir "$REP"
check "one warning per corrupt entry" [ "$(grep -c '^aidf: warning: corrupt outbox entry .*; moved to ' "$ERR")" = 5 ]
check "the summary counts the one pending entry" out_has "1 failed; 1 pending in the outbox for $DOWN"
check "it counts the corrupt entries and says where they are" \
    out_has "5 corrupt outbox entries set aside in $FAILED/"
check "each moved under its own name" \
    [ "$(cd "$FAILED" && ls | tr '\n' ' ')" = "$CB-00000001.json $CB-00000002.json $CB-00000003.json $CB-00000004.json $CB-00000005.json " ]
check "the moved files are unchanged" [ "$(cat "$FAILED/$CB-00000001.json")" = '{not json' ]
check "the valid entry and the foreign file stay" \
    eval '[ -f "$(find "$REP/.outbox" -maxdepth 1 -name "$A-*.json")" ] && [ -f "$REP/.outbox/notes.txt" ]'
expect 1 "a later --pending" report push --pending --retries 0 --server "$DOWN" --reports-dir "$REP"
check "does not warn again" err_empty
check "still says how many are set aside" out_has "5 corrupt outbox entries set aside in $FAILED/"
run report push --pending --retries 0 --json --server "$DOWN" --reports-dir "$REP"
check "--json counts them and names the directory" \
    jq_ok '.pending == 1 and .corrupt == 5 and .corruptDir == $d' --arg d "$FAILED"
rm -rf "$REP/.outbox"
expect 0 "with an empty outbox --pending says nothing of corrupt entries" report push --pending --server "$DOWN" --reports-dir "$REP"
check "no corrupt line" out_lacks "corrupt"

# --- timeouts ---------------------------------------------------------------------------------------
start_receiver slow --statuses 201 --delay 5 || exit 1
t0=$(now_s)
expect 1 "a receiver slower than --timeout fails" report push a1b2c3d4 --timeout 300 --retries 1 --retry-base 50 --server "http://127.0.0.1:$RPORT" --reports-dir "$REP"
el=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN{print b-a}')
check "it says timed out and queues" out_has "queued a1b2c3d4: timed out after 300 ms"
check "two attempts" [ "$(nreq "$RLOG")" = 2 ]
check "bounded by the timeouts, not the receiver ($el s)" lt "$el" 3
stop_pid "$RPID"
rm -rf "$REP/.outbox"

# --- against the real server ------------------------------------------------------------------------
if "$AIDF" serve --help >/dev/null 2>&1; then
    SRV=$TMP/server-reports
    mkdir -p "$SRV"
    port=$(free_port)
    URL=http://127.0.0.1:$port
    expect 1 "real server down: push --all queues" report push --all --retry-base 20 --server "$URL" --reports-dir "$REP"
    check "six queued for the real server" [ "$(outbox_n)" = 6 ]
    "$AIDF" serve --listen "127.0.0.1:$port" --reports-dir "$SRV" --port-file "$TMP/serve.port" \
        >"$TMP/serve.out" 2>&1 &
    SPID=$!
    BG_PIDS+=("$SPID")
    if wait_file "$TMP/serve.port"; then
        expect 0 "real server up: --pending delivers" report push --pending --server "$URL" --reports-dir "$REP"
        check "six delivered" [ "$(grep -c '^delivered ' "$OUT")" = 6 ]
        check "outbox empty" [ "$(outbox_n)" = 0 ]
        expect 0 "pushing everything again is idempotent" report push --all --server "$URL" --reports-dir "$REP"
        check "six already on server" [ "$(grep -c '^already on server ' "$OUT")" = 6 ]
        curl -sS --max-time 5 "$URL/runs?limit=100" >"$OUT" 2>"$ERR"
        check "the server lists exactly six runs" jq_ok '.total == 6 and ([.runs[].runId] | unique | length) == 6'
        check "one report file per run on the server side" \
            [ "$(find "$SRV" -name 'run-*.json' | wc -l)" = 6 ]
        # A different report under an existing id is a conflict.
        jq '.iterations = 99' "$AFILE" >"$TMP/changed.json"
        mkdir -p "$TMP/other/2026-11-18"
        cp "$TMP/changed.json" "$TMP/other/2026-11-18/run-a1b2c3d4.json"
        expect 1 "a changed report under the same id is a conflict" report push a1b2c3d4 --server "$URL" --reports-dir "$TMP/other"
        check "prints conflict" out_has "conflict a1b2c3d4:"
    else
        not_ok "aidf serve did not start"
        sed 's/^/#   /' "$TMP/serve.out"
    fi
    stop_pid "$SPID"
else
    not_ok "aidf serve --help fails: the real-server flow did not run"
fi

finish
