#!/usr/bin/env bash
# Smoke test of `aidf serve`: start on a free port, hit every endpoint once, POST a
# report, check the status codes, stop with SIGTERM and expect a clean exit 0.
# (The full HTTP contract is covered by the other t1xx-serve tests.)
. "$(dirname "$0")/cli-lib.sh" "$@"
need curl

RD=$TMP/reports
PF=$TMP/port
LOG=$TMP/server.log
SRC=$DATA/reports/valid/completed-claude-cli.json
ID=$(jq -r .runId "$SRC")

"$AIDF" serve --port 0 --port-file "$PF" --reports-dir "$RD" --threads 2 >"$LOG" 2>&1 &
PID=$!
stop_server() {
    if [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null; fi
}
at_exit stop_server

if ! wait_file "$PF" 5 "$PID"; then
    not_ok "server wrote its port file"
    sed 's/^/#   log: /' "$LOG"
    finish
fi
ok "server wrote its port file"
PORT=$(cat "$PF")
BASE=http://127.0.0.1:$PORT
check "startup line names the address" grep -qF "listening on http://127.0.0.1:$PORT (0 runs in" "$LOG"

# req NAME WANT CURL-ARGS...: the status code is WANT; the body lands in $OUT.
req() {
    local name=$1 want=$2 code
    shift 2
    code=$(curl -sS --max-time "$(tmo 5)" -o "$OUT" -w '%{http_code}' "$@" 2>"$ERR")
    if [ "$code" = "$want" ]; then ok "$name"; else not_ok "$name (got $code, want $want)"; fi
}

req "GET /healthz" 200 "$BASE/healthz"
check "healthz body" jq_ok '.status == "ok" and .runs == 0'
req "POST /runs creates" 201 -H 'Content-Type: application/json' --data-binary "@$SRC" "$BASE/runs"
check "POST answer names the file" jq_ok '.runId == $id and (.file | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}/run-[0-9a-f]{8}\\.json$"))' --arg id "$ID"
check "the report is on disk" test -f "$RD/$(jq -r .file "$OUT")"
req "POST again is idempotent" 200 -H 'Content-Type: application/json' --data-binary "@$SRC" "$BASE/runs"
req "GET /runs" 200 "$BASE/runs"
check "runs lists the run" jq_ok '.total == 1 and .runs[0].runId == $id and .nextCursor == null' --arg id "$ID"
req "GET /runs/{prefix}" 200 "$BASE/runs/${ID:0:8}"
check "the report as stored" cmp -s "$OUT" "$RD/$(jq -r '.runs[0].file' <(curl -s "$BASE/runs"))"
req "GET /summary" 200 "$BASE/summary"
check "summary counts the run" jq_ok '.runs == 1'
req "GET /export.csv" 200 "$BASE/export.csv"
check "csv has header and one row" test "$(wc -l <"$OUT")" -eq 2
req "unknown id is 404" 404 "$BASE/runs/ffffffff"
req "bad id is 400" 400 --path-as-is "$BASE/runs/%2e%2e"
req "unknown path is 404" 404 "$BASE/nope"
req "wrong method is 405" 405 -X DELETE "$BASE/runs"
req "bad JSON is 400" 400 -H 'Content-Type: application/json' --data-binary '{"runId":' "$BASE/runs"
req "not JSON is 415" 415 -H 'Content-Type: text/plain' --data-binary '{}' "$BASE/runs"

kill -TERM "$PID"
RC=
for _ in $(seq $(($(tmo 10) * 10))); do
    if ! kill -0 "$PID" 2>/dev/null; then
        wait "$PID"
        RC=$?
        break
    fi
    sleep 0.1
done
PID=
if [ "$RC" = 0 ]; then ok "SIGTERM stops it with exit 0"; else not_ok "SIGTERM stops it with exit 0 (got '${RC:-still running}')"; fi
check "the index was saved" test -s "$RD/.index"
check "an access-log line per request" grep -qE ' info req=[0-9]+ ip=127\.0\.0\.1 method=GET path=/healthz status=200 bytes=[0-9]+ ms=' "$LOG"
if grep -qE 'Sanitizer|runtime error:' "$LOG"; then
    not_ok "no sanitizer report"
    sed 's/^/#   log: /' "$LOG" | head -40
else
    ok "no sanitizer report"
fi
finish
