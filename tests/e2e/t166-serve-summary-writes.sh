#!/usr/bin/env bash
# The unfiltered GET /summary is kept up to date by POSTs (an accumulator extended by each
# newest run) and must always say exactly what `aidf report summary --json` says over the
# same directory: after POSTs of newer runs, of an older run (a rebuild), a re-POST, and
# a file dropped in by another process.
#
# Usage: t166-serve-summary-writes.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

RD=$TMP/reports
cp -r "$DATA/reportdirs/small" "$RD"
SRC=$DATA/reports/valid/completed-claude-cli.json
serve_start main --reports-dir "$RD" --log-level debug || finish

# same NAME: GET /summary equals the CLI's summary of the directory, byte for byte.
same() {
    NOCHECK=1 req GET /summary
    run report summary --json --reports-dir "$RD"
    if [ "$STATUS" = 200 ] && cmp -s "$B" "$OUT"; then ok "$1"; else
        not_ok "$1"
        diff "$OUT" "$B" | head -n 20 | sed 's/^/#   /'
    fi
}

same "before any write"
n=0
for cost in 0.1 0.2 0.30000000000000004 1e-7 123.456789; do
    n=$((n + 1))
    id=$(printf 'aaaa%04d-0000-4000-8000-%012d' "$n" "$n")
    jq --arg id "$id" --arg ts "$(iso_ago $((100 - n)))" --argjson c "$cost" \
        '.runId = $id | .timestamp = $ts | .cost.estimatedTotal = $c | .cost.reported = $c' \
        "$SRC" >"$TMP/p$n.json"
    post_file "$TMP/p$n.json"
    check "POST newest run $n -> 201" [ "$STATUS" = 201 ]
    same "after POST $n of a newest run"
done

# Newest runs priced in EUR extend the accumulator too; they are never added to USD.
EUR=$DATA/reports/valid/cost-eur.json
for n in 6 7; do
    id=$(printf 'aaaa%04d-0000-4000-8000-%012d' "$n" "$n")
    jq --arg id "$id" --arg ts "$(iso_ago $((100 - n)))" '.runId = $id | .timestamp = $ts' \
        "$EUR" >"$TMP/p$n.json"
    post_file "$TMP/p$n.json"
    check "POST newest EUR run $n -> 201" [ "$STATUS" = 201 ]
    same "after POST $n of a newest EUR run"
done
NOCHECK=1 req GET /summary
check "the EUR runs are beside the USD total, not in it" jq -e '.cost.currency == "USD" and
    .costByCurrency.EUR.total == 9 and .costByCurrency.EUR.pricedRuns == 2 and
    .cost.total == .costByCurrency.USD.total' "$B"

check "the newest runs extended the accumulator (no rebuilds)" \
    [ "$(grep -c 'summary: accumulator extended by run aaaa' "${SRV_LOG[main]}")" = 7 ]
check "it was built once" [ "$(grep -c 'summary: accumulator rebuilt' "${SRV_LOG[main]}")" = 1 ]

# An older run (a backfill) is not the newest: the accumulator is rebuilt.
jq '.runId = "bbbb0001-0000-4000-8000-000000000001" | .timestamp = "2026-01-02T03:04:05.000Z"' \
    "$SRC" >"$TMP/old.json"
post_file "$TMP/old.json"
check "POST an older run -> 201" [ "$STATUS" = 201 ]
same "after POST of an older run"
check "an older run made it rebuild" [ "$(grep -c 'summary: accumulator rebuilt' "${SRV_LOG[main]}")" = 2 ]
post_file "$TMP/p5.json"
check "re-POST identical -> 200" [ "$STATUS" = 200 ]
same "after an identical re-POST"

# Another process drops a report in.
mkdir -p "$RD/2026-12-01"
jq '.runId = "cccc0001-0000-4000-8000-000000000001" | .timestamp = "2026-12-01T10:00:00.000Z"' \
    "$SRC" >"$RD/2026-12-01/run-cccc0001.json"
sleep 1.5
same "after a file dropped in by another process"

serve_stop main
finish
