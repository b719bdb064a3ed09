#!/usr/bin/env bash
# aidf serve: the bounds of what POST /runs accepts (issue 10 §2.3, §2.4). Numbers no real run
# produces are refused with 400 invalid_report naming the field (2^63-1 tokens, 1e308 costs,
# negative counts, NaN-ish strings, a 30-day-plus duration, a timestamp before 1970); bodies that
# would parse into a huge tree are refused with 413 too_large before any tree is built (16 MB of
# [0,0,...] under an unknown member, one at a time and four at once, with the server's peak
# memory measured; a 13 MB string) or 400 (100,000 levels of nesting); an accepted report with a
# large unknown member is stored compact (no bigger than posted). Afterwards GET /summary and
# `aidf report summary --json` hold exactly the accepted runs, and a report past the bounds
# written into the directory by hand is skipped with a warning, not summed.
#
# Usage: t135-serve-ingest-bounds.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

dir=$TMP/reports
mkdir -p "$dir"
src=$DATA/reports/valid/completed-claude-cli.json
files() { find "$dir" -name 'run-*.json' -type f | wc -l | tr -d ' '; }

serve_start bounds --reports-dir "$dir" --threads 4 || finish
pid=${SRV_PID[bounds]}
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
rss0=$(kb VmRSS)

# A sanitizer build keeps freed memory in quarantine and shadows every byte: a looser bound
# there, still far below what building the tree cost (700 MB for one body, 2.8 GB for four).
limit_mb=150
if ldd "$AIDF" 2>/dev/null | grep -qE 'lib(a|t)san'; then limit_mb=600; fi

# mk ID TS JQ-EXPR: a valid report (the fixture with a new id and time) changed by JQ-EXPR.
mk() {
    jq --arg id "$1" --arg ts "$2" ".runId = \$id | .timestamp = \$ts | $3" "$src" >"$TMP/$1.json"
    echo "$TMP/$1.json"
}
# refused STATUS CODE FIELD NAME FILE: POST FILE, expect STATUS with CODE and FIELD in the message.
refused() {
    post_file "$5" --max-time "$(tmo 60)" # 16 MB bodies: more than req's 5 s on a slow machine
    hcheck "$4 -> $1 $2${3:+ naming $3}" \
        bjq '.error.code == $c and (.error.message | contains($f))' --arg c "$2" --arg f "$3"
    [ "$STATUS" = "$1" ] || not_ok "$4: status $STATUS, want $1"
}

# --- two good runs: what every summary below must add up to --------------------------------
n=0
for i in 1 2; do
    f=$(mk "aaaaaaaa-0000-4000-8000-00000000000$i" "2026-11-2${i}T10:00:00Z" \
        '.tokens = {totalInput: 1000, totalOutput: 100, totalTokens: 1100} | .cost.estimatedTotal = 0.25 | .timing.totalDurationMs = 60000')
    post_file "$f"
    hcheck "good run $i -> 201" [ "$STATUS" = 201 ]
    n=$((n + 1))
done

# --- numbers out of range (§2.3) ------------------------------------------------------------
# jq holds numbers as doubles: big integers and 1e308 are written in by sed.
f=$(mk bbbbbbbb-0000-4000-8000-000000000001 2026-11-23T10:00:00Z '.tokens.totalInput = 12345')
sed -i 's/12345/9223372036854775807/' "$f"
refused 400 invalid_report tokens.totalInput "totalInput 2^63-1" "$f"
refused 400 invalid_report tokens.totalTokens "totalTokens 2^53" \
    "$(mk bbbbbbbb-0000-4000-8000-000000000002 2026-11-23T10:00:00Z '.tokens.totalTokens = 9007199254740992')"
for i in 3 4; do
    mk "bbbbbbbb-0000-4000-8000-00000000000$i" 2026-11-23T10:00:00Z '.cost.estimatedTotal = 12345' >/dev/null
    sed -i 's/12345/1e308/' "$TMP/bbbbbbbb-0000-4000-8000-00000000000$i.json"
    refused 400 invalid_report cost.estimatedTotal "estimatedTotal 1e308 (run $i)" \
        "$TMP/bbbbbbbb-0000-4000-8000-00000000000$i.json"
done
refused 400 invalid_report cost.estimatedTotal "estimatedTotal over \$1M" \
    "$(mk bbbbbbbb-0000-4000-8000-000000000005 2026-11-23T10:00:00Z '.cost.estimatedTotal = 1000001')"
refused 400 invalid_report tokens.totalOutput "negative totalOutput" \
    "$(mk bbbbbbbb-0000-4000-8000-000000000006 2026-11-23T10:00:00Z '.tokens.totalOutput = -1')"
refused 400 invalid_report iterations "negative iterations" \
    "$(mk bbbbbbbb-0000-4000-8000-000000000007 2026-11-23T10:00:00Z '.iterations = -5')"
refused 400 invalid_report tokens.totalInput "totalInput \"NaN\"" \
    "$(mk bbbbbbbb-0000-4000-8000-000000000008 2026-11-23T10:00:00Z '.tokens.totalInput = "NaN"')"
refused 400 invalid_report cost.estimatedTotal "estimatedTotal \"Infinity\"" \
    "$(mk bbbbbbbb-0000-4000-8000-000000000009 2026-11-23T10:00:00Z '.cost.estimatedTotal = "Infinity"')"
f=$(mk bbbbbbbb-0000-4000-8000-00000000000a 2026-11-23T10:00:00Z '.cost.estimatedTotal = 12345')
sed -i 's/12345/NaN/' "$f"
refused 400 invalid_json "" "a bare NaN" "$f"
refused 400 invalid_report timing.totalDurationMs "a 31-day duration" \
    "$(mk bbbbbbbb-0000-4000-8000-00000000000b 2026-11-23T10:00:00Z '.timing.totalDurationMs = 2678400000')"
refused 400 invalid_report timestamp "a timestamp before 1970" \
    "$(mk bbbbbbbb-0000-4000-8000-00000000000c 1969-07-20T20:17:40Z '.')"

# --- trees too big to build (§2.4) ----------------------------------------------------------
# body.py KIND OUT: hostile bodies, each a valid report head plus one unknown member "extra".
cat >"$TMP/body.py" <<'EOF'
import sys
kind, out = sys.argv[1], sys.argv[2]
head = '{"runId":"%s","timestamp":"2026-11-24T10:00:00Z","status":"completed","extra":'
size = 16 * 1024 * 1024 - 200
if kind.startswith("zeros"):  # zeros-N: 16 MB of [0,0,...], run id N
    body = head % ("cccccccc-0000-4000-8000-%012d" % int(kind[6:])) + "[" + "0," * (size // 2) + "0]}"
elif kind == "deep":
    body = head % "cccccccc-0000-4000-8000-000000000010" + "[" * 100000 + "]" * 100000 + "}"
elif kind == "string":  # 13 MB in one string: over the 12 MiB of strings a report may hold
    body = head % "cccccccc-0000-4000-8000-000000000011" + '"' + "a" * (13 * 1024 * 1024) + '"}'
elif kind == "many":  # 90,000 values: under the limit, accepted
    body = head % "cccccccc-0000-4000-8000-000000000012" + "[" + ",".join(["0"] * 90000) + "]}"
open(out, "w").write(body)
EOF
for k in zeros-1 zeros-2 zeros-3 zeros-4 deep string many; do
    python3 "$TMP/body.py" "$k" "$TMP/$k.json"
done

refused 413 too_large "JSON values" "16 MB of [0,0,...] under an unknown member" "$TMP/zeros-1.json"
peak1=$(kb VmHWM)
check "one 16 MB [0,0,...] POST: peak RSS grew by < $limit_mb MB (from ${rss0} kB to ${peak1} kB)" \
    [ $(((peak1 - rss0) / 1024)) -lt "$limit_mb" ]

# Four at once.
par=()
for i in 1 2 3 4; do
    curl -s -o "$TMP/par$i.out" -w '%{http_code}' --max-time "$(tmo 60)" \
        -H 'Content-Type: application/json' --data-binary "@$TMP/zeros-$i.json" "$BASE/runs" \
        >"$TMP/par$i.code" &
    par+=($!)
done
wait "${par[@]}" # not a bare wait: the server is a child of this shell too
for i in 1 2 3 4; do
    check "concurrent 16 MB POST $i -> 413" [ "$(cat "$TMP/par$i.code")" = 413 ]
done
peak4=$(kb VmHWM)
check "four concurrent 16 MB POSTs: peak RSS grew by < $limit_mb MB (to ${peak4} kB)" \
    [ $(((peak4 - rss0) / 1024)) -lt "$limit_mb" ]

refused 400 invalid_report "nesting deeper than 32 levels" "100,000 levels of [" "$TMP/deep.json"
refused 413 too_large "bytes in strings" "a 13 MB string" "$TMP/string.json"

# Under the limits: stored, and compact (the 90,000 values are not spread over 90,000 lines).
post_file "$TMP/many.json"
hcheck "90,000 unknown values -> 201" [ "$STATUS" = 201 ]
n=$((n + 1))
stored=$dir/$(jq -r .file "$B")
posted=$(stat -c %s "$TMP/many.json")
ondisk=$(stat -c %s "$stored")
check "stored no bigger than posted + 4 kB ($ondisk bytes for $posted posted)" \
    [ "$ondisk" -le $((posted + 4096)) ]
check "the stored report keeps the unknown member" \
    jq -e '.extra | length == 90000' "$stored"

check "only the accepted runs are on disk ($n)" [ "$(files)" = "$n" ]

# --- the summaries add up exactly ------------------------------------------------------------
# The "many" report is the fixture's head only: no tokens, no cost.
want='.runs == 3 and .tokens.total == 2200 and .tokens.input == 2000
      and .cost.total == 0.5 and .cost.pricedRuns == 2 and (has("saturated") | not)'
expect_http 200 "GET /summary" GET /summary
hcheck "GET /summary: 3 runs, 2,200 tokens, \$0.50" bjq "$want"
run report summary --json --reports-dir "$dir"
check "report summary --json: the same figures" jq_ok "$want"
check "report summary --json equals GET /summary" \
    bash -c "cmp -s <(jq -S . '$OUT') <(jq -S . '$B')"

# A report past the bounds written into the directory by hand (or by an older version) is
# skipped with a warning at index load, like any invalid file, and never summed.
mkdir -p "$dir/2026-11-25"
jq '.runId = "dddddddd-0000-4000-8000-000000000001" | .timestamp = "2026-11-25T10:00:00Z"
    | .tokens.totalInput = 12345 | .tokens.totalTokens = 12345' "$src" |
    sed 's/12345/9223372036854775807/' >"$dir/2026-11-25/run-dddddddd.json"
run report summary --json --reports-dir "$dir"
check "a hand-written out-of-range report: skipped with a warning" \
    grep -q "skipping 2026-11-25/run-dddddddd.json: tokens.totalInput" "$ERR"
check "a hand-written out-of-range report: not summed" jq_ok "$want"
NO_COLOR=1 run report summary --reports-dir "$dir"
check "report summary (box): 2,200 tokens, \$0.50" bash -c "grep -q '2,200' '$OUT' && grep -q '\\\$0.50' '$OUT'"
check "report summary (box): no negative or infinite figure" bash -c "! grep -qiE -- '(^|[ \$(])-[0-9]|\binf\b|\bnan\b' '$OUT'"
expect_http 200 "GET /summary after the hand-written file" GET /summary
hcheck "GET /summary: still 3 runs, 2,200 tokens" bjq "$want"

check "the server still answers /healthz" healthy
serve_stop bounds
openapi_finish
finish
