#!/usr/bin/env bash
# Getting a run's report off the box: `aidf run --report-server URL` against the real
# `aidf serve` (the run appears in GET /runs/<id>), a server that is down (the run still
# succeeds, the report waits in the outbox) and then up (the next run delivers the queue
# once), observability.server.url from config with a token, and the metrics webhook with a
# signature checked by an independent receiver.
#
# Usage: t440-run-delivery.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"
. "$(dirname "$0")/receiver-lib.sh"
. "$(dirname "$0")/run-lib.sh" "$@"

need git jq python3 curl

outbox_n() {
    local n
    n=$(find "$PROJ/.ai/reports/.outbox" -name '*.json' 2>/dev/null | wc -l)
    echo $((n + 0))
}

SRV_DIR=$TMP/server-reports
mkdir -p "$SRV_DIR"

# --- pushed to a running server ---------------------------------------------------------------
new_project pushed
add_task 001-push "Push my report"
scenario <<'EOF'
[*]
write src/p.c int p;\n
say <TASK_COMPLETE>
EOF
serve_start main --reports-dir "$SRV_DIR" || finish
URL=$BASE
expect 0 "run with --report-server completes" run --report-server "$URL"
last_report
ID=$(jq -r .runId "$REPORT")
check "it said the report was pushed" err_has "report pushed to $URL"
NOCHECK=1 req GET "/runs/$ID"
check "the server has the run" [ "$STATUS" = 200 ]
check "with the same content" test "$(jq -S . "$B")" = "$(jq -S . "$REPORT")"
check "nothing queued" [ "$(outbox_n)" = 0 ]

# --- server down: queued; next run delivers both --------------------------------------------------
new_project queued
add_task 002-down "Server is down"
add_task 003-up "Server is up again"
DOWN_PORT=$(free_port)
expect 0 "a run succeeds although the server is down" run 002-down --report-server "http://127.0.0.1:$DOWN_PORT"
last_report
ID_DOWN=$(jq -r .runId "$REPORT")
check "it warned and queued" err_has "queued"
check "one report in the outbox" [ "$(outbox_n)" = 1 ]
serve_start late --listen "127.0.0.1:$DOWN_PORT" --reports-dir "$SRV_DIR" || finish
expect 0 "the next run delivers its own report and the queue" run 003-up --report-server "http://127.0.0.1:$DOWN_PORT"
last_report
ID_UP=$(jq -r .runId "$REPORT")
check "the outbox is empty" [ "$(outbox_n)" = 0 ]
NOCHECK=1 req GET "/runs/$ID_DOWN"
check "the queued run reached the server" [ "$STATUS" = 200 ]
NOCHECK=1 req GET "/runs/$ID_UP"
check "the new run reached the server" [ "$STATUS" = 200 ]
NOCHECK=1 req GET "/runs?limit=100"
check "each run counted once" [ "$(jq --arg a "$ID_DOWN" --arg b "$ID_UP" '[.runs[] | select(.runId == $a or .runId == $b)] | length' "$B")" = 2 ]

# --- observability.server.url with a token --------------------------------------------------------
export AIDF_SERVER_TOKEN=s3cret-token
serve_start guarded --reports-dir "$TMP/guarded-reports" || finish
GUARDED=$BASE
new_project configured
write_config <<EOF
observability:
  server:
    url: $GUARDED
EOF
add_task 004-cfg "Push by config"
expect 0 "a run pushes to the configured server with the token" run
last_report
ID_CFG=$(jq -r .runId "$REPORT")
BASE=$GUARDED NOCHECK=1 req GET "/runs/$ID_CFG"
check "the guarded server accepted it" [ "$STATUS" = 200 ]
unset AIDF_SERVER_TOKEN

# --- the metrics webhook ------------------------------------------------------------------------
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
start_receiver hook --statuses 200 --secret "$SECRET" || finish
new_project hooked
write_config <<EOF
observability:
  webhook:
    enabled: true
    url: http://127.0.0.1:$RPORT/hooks/aidf
    events: [completed, blocked, failed]
    secret: $SECRET
EOF
add_task 005-hook "Tell the webhook"
expect 0 "a run with a webhook completes" run
last_report
check "the webhook got one request" wait_file "$RLOG"
check "exactly one" [ "$(nreq "$RLOG")" = 1 ]
check "X-AIDF-Event completed" jq -e -s '.[0].headers["x-aidf-event"] == "completed"' "$RLOG"
check "X-AIDF-Run-ID is the run" jq -e -s --arg id "$(jq -r .runId "$REPORT")" '.[0].headers["x-aidf-run-id"] == $id' "$RLOG"
check "the signature verifies independently" jq -e -s '.[0].sigValid == true' "$RLOG"
check "the body is the report without per-iteration arrays" jq -e -s '.[0].body | fromjson | .status == "completed" and (.tokens.perIteration == null)' "$RLOG"

finish
