#!/usr/bin/env bash
# aidf report webhook: the metrics webhook against a scripted receiver.
# Events filter, X-AIDF-* and configured ${VAR} headers, Standard Webhooks signature
# (verified independently by the receiver in Python), perIteration stripping, retries
# with growing gaps and a stable webhook-id, 410/4xx not retried, and the time bound
# timeout × attempts with a receiver that never answers in time.
#
# Usage: t160-webhook.sh <aidf> <tests/data dir>
. "$(dirname "$0")/cli-lib.sh" "$@"
. "$(dirname "$0")/receiver-lib.sh"


PROJ=$TMP/proj
mkdir -p "$PROJ/.ai"
cp -r "$DATA/reportdirs/small" "$PROJ/.ai/reports"
COMPLETED=a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d
FAILED=a1b2ffff-0000-4111-8222-333344445555
BLOCKED=5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f
SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
export HOOK_TOKEN=hook-token-42
cd "$PROJ" || exit 1

# config PORT [SECRET] [INCLUDE_ITERATIONS]: write .ai/config.yml for a receiver on PORT.
config() {
    cat >"$PROJ/.ai/config.yml" <<EOF
observability:
  webhook:
    enabled: true
    url: http://127.0.0.1:$1/hooks/aidf
    headers:
      Authorization: "Bearer \${HOOK_TOKEN}"
      X-Team: platform
    events: [failed, blocked]
    include_iterations: ${3:-false}
    retry: 2
    timeout: 500
    secret: ${2:-$SECRET}
EOF
}

# --- usage and configuration --------------------------------------------------------------------
expect 0 "webhook --help exits 0" report webhook --help
check "help mentions the events filter" out_has "observability.webhook.events"
expect 2 "webhook without ids is a usage error" report webhook
expect 1 "no webhook configured exits 1" report webhook "$FAILED"
check "it says the webhook is not enabled" err_has "not enabled"
printf 'observability:\n  webhook:\n    enabled: false\n    url: http://127.0.0.1:1/x\n' >"$PROJ/.ai/config.yml"
expect 1 "a disabled webhook exits 1" report webhook "$FAILED"

# --- filtered, then signed delivery ----------------------------------------------------------------
start_receiver hook --statuses 200 --secret "$SECRET" || exit 1
config "$RPORT"
expect 0 "a completed run is filtered out (exit 0)" report webhook "$COMPLETED"
check "it says skipped" out_has "skipped a1b2c3d4: event 'completed' is not in observability.webhook.events"
check "nothing was sent" [ "$(nreq "$RLOG")" = 0 ]

before=$(date +%s)
expect 0 "a failed run is sent" report webhook a1b2ffff
after=$(date +%s)
check "it says sent" out_has "sent a1b2ffff (failed): HTTP 200 after 1 attempt"
check "exactly one request" [ "$(nreq "$RLOG")" = 1 ]
rec=$TMP/rec.json
head -1 "$RLOG" >"$rec"
check "POST to the configured path" [ "$(jq -r '.method + " " + .path' "$rec")" = "POST /hooks/aidf" ]
check "Content-Type application/json" [ "$(jq -r '.headers["content-type"]' "$rec")" = application/json ]
check "X-AIDF-Event: failed" [ "$(jq -r '.headers["x-aidf-event"]' "$rec")" = failed ]
check "X-AIDF-Run-ID: the full run id" [ "$(jq -r '.headers["x-aidf-run-id"]' "$rec")" = "$FAILED" ]
check "configured header with \${VAR} expanded" [ "$(jq -r '.headers.authorization' "$rec")" = "Bearer hook-token-42" ]
check "configured plain header" [ "$(jq -r '.headers["x-team"]' "$rec")" = platform ]
check "webhook-id is msg_<runId>" [ "$(jq -r '.headers["webhook-id"]' "$rec")" = "msg_$FAILED" ]
ts=$(jq -r '.headers["webhook-timestamp"]' "$rec")
check "webhook-timestamp is the Unix time of the attempt ($ts)" eval '[ "$ts" -ge "$before" ] && [ "$ts" -le "$after" ]'
check "webhook-signature is v1,<base64>" jq -e >/dev/null '.headers["webhook-signature"] | test("^v1,[A-Za-z0-9+/]{43}=$")' "$rec"
check "the receiver verified the signature independently (hmac/hashlib/base64)" \
    [ "$(jq -r '.sigValid' "$rec")" = true ]
check "the body is compact JSON on one line" [ "$(jq -r '.body' "$rec" | wc -l)" = 1 ]
jq -r '.body' "$rec" >"$TMP/body.json"
src=$PROJ/.ai/reports/2026-11-18/run-a1b2ffff.json
check "perIteration stripped from tokens, cost and timing" \
    jq -e >/dev/null '(.tokens | has("perIteration") | not) and (.cost | has("perIteration") | not) and (.timing | has("perIteration") | not)' "$TMP/body.json"
check "the rest of the report is intact" \
    [ "$(jq -S 'del(.tokens.perIteration, .cost.perIteration, .timing.perIteration)' "$src")" = "$(jq -S . "$TMP/body.json")" ]
check "the secret never appears in the output" eval '! grep -q MfKQ9r8 "$OUT" "$ERR"'

expect 0 "a blocked run is sent" report webhook 5c6d --json
check "--json result" jq_ok '.results[0].runId == "'"$BLOCKED"'" and .results[0].event == "blocked" and .results[0].outcome == "sent" and .results[0].status == 200 and .results[0].attempts == 1'
check "blocked: X-AIDF-Event and valid signature" \
    [ "$(jq -s -r '.[1] | .headers["x-aidf-event"] + " " + (.sigValid | tostring)' "$RLOG")" = "blocked true" ]
stop_pid "$RPID"

# include_iterations: true keeps them
start_receiver iters --statuses 200 || exit 1
config "$RPORT" "$SECRET" true
expect 0 "include_iterations true: sent" report webhook "$FAILED"
check "perIteration kept" [ "$(jq -r '.body | fromjson | [.tokens.perIteration, .cost.perIteration, .timing.perIteration] | map(length) | join(",")' "$RLOG")" = "2,2,2" ]
stop_pid "$RPID"

# A secret without the whsec_ prefix is used as raw key bytes.
start_receiver raw --statuses 200 --secret plain-shared-secret || exit 1
config "$RPORT" plain-shared-secret
expect 0 "raw secret: sent" report webhook "$FAILED"
check "raw secret: the receiver verifies with the raw bytes" [ "$(jq -r '.sigValid' "$RLOG")" = true ]
stop_pid "$RPID"

# --- retries: 500, 500, 200 --------------------------------------------------------------------
start_receiver retry --statuses 500,500,200 --secret "$SECRET" || exit 1
config "$RPORT"
expect 0 "500,500,200 ends sent" report webhook "$FAILED" --retry-base 100
check "three attempts" [ "$(nreq "$RLOG")" = 3 ]
check "it says so" out_has "HTTP 200 after 3 attempts"
g1=$(gap "$RLOG" 1)
g2=$(gap "$RLOG" 2)
check "gaps grow (backoff $g1 s then $g2 s)" eval 'ge "$g1" 0.09 && ge "$g2" 0.19 && lt "$g1" "$g2"'
check "the same webhook-id on every attempt" [ "$(jq -r '.headers["webhook-id"]' "$RLOG" | sort -u)" = "msg_$FAILED" ]
check "every attempt is validly signed" [ "$(jq -r '.sigValid' "$RLOG" | sort -u)" = true ]
stop_pid "$RPID"

# With the default 1 s base the 1.5 s budget (timeout 500 × 3 attempts) leaves room for
# only one retry: the webhook never outlasts timeout × attempts.
start_receiver budget --statuses 500 || exit 1
config "$RPORT"
t0=$(now_s)
expect 1 "always 500 with the default backoff fails" report webhook "$FAILED"
el=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN{print b-a}')
check "two attempts fit in the budget" [ "$(nreq "$RLOG")" = 2 ]
check "first gap about 1 s ($(gap "$RLOG" 1))" eval 'ge "$(gap "$RLOG" 1)" 0.95 && lt "$(gap "$RLOG" 1)" 1.5'
check "within timeout × attempts ($el s)" lt "$el" 2.5
check "failure line" out_has "failed a1b2ffff (failed): HTTP 500 Internal Server Error after 2 attempts"
stop_pid "$RPID"

# --- final answers: 410 and 400 are not retried ----------------------------------------------------
for st in 410 400; do
    start_receiver "final$st" --statuses "$st,200" || exit 1
    config "$RPORT"
    expect 1 "$st exits 1" report webhook "$FAILED" --retry-base 10
    check "$st is not retried" [ "$(nreq "$RLOG")" = 1 ]
    stop_pid "$RPID"
done

# --- a receiver that never answers in time ---------------------------------------------------------
start_receiver slow --statuses 200 --delay 5 || exit 1
config "$RPORT"
t0=$(now_s)
expect 1 "a receiver slower than the timeout fails" report webhook "$FAILED" --retry-base 100
el=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN{print b-a}')
check "it says timed out" out_has "timed out"
check "about timeout × attempts, not hanging ($el s)" eval 'ge "$el" 1.0 && lt "$el" 2.5'
check "three attempts were made" [ "$(nreq "$RLOG")" = 3 ]
stop_pid "$RPID"

# --- nothing listening ---------------------------------------------------------------------------------
config "$(free_port)"
t0=$(now_s)
expect 1 "nothing listening fails" report webhook "$FAILED" --retry-base 10
el=$(awk -v a="$t0" -v b="$(now_s)" 'BEGIN{print b-a}')
check "connection refused" out_has "connection refused after 3 attempts"
check "quickly ($el s)" lt "$el" 2

finish
