#!/usr/bin/env bash
# aidf serve crash safety: 16 concurrent clients POST unique reports, the
# server is killed with SIGKILL in the middle, and restarted on the same directory. Every report
# that got a 2xx is listed and served equal to what was posted; every file in the date
# directories parses (no partial file); `aidf report list --json` over the directory parses;
# nothing but complete reports (no temporary file) is ever listed or served; re-POSTing every
# report afterwards gives 200 or 201, never 409.
#
# Usage: t140-serve-crash.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

GEN=$BUILD/aidf-gen-reports
[ -x "$GEN" ] || skip_test "aidf-gen-reports not built ($GEN)"
CLIENTS=16
COUNT=${AIDF_CRASH_COUNT:-480}
src=$TMP/src
dir=$TMP/reports
"$GEN" --dir "$src" --count "$COUNT" --seed 77 --now 2026-11-24T12:00:00Z --days 30 2>/dev/null ||
    { not_ok "aidf-gen-reports"; finish; }
find "$src" -name 'run-*.json' -type f | sort >"$TMP/all.list"
check "$COUNT source reports" [ "$(wc -l <"$TMP/all.list")" = "$COUNT" ]
# Run ids of the sources: id <TAB> file.
tr '\n' '\0' <"$TMP/all.list" | xargs -0 jq -r '[.runId, input_filename] | @tsv' >"$TMP/ids.tsv"
T10=$(tmo 10)

serve_start crash --reports-dir "$dir" --threads 4 --max-per-ip 64 || finish

# client N: POST every CLIENTS-th source file, one after the other on one keep-alive
# connection (one curl process, --next per report); "<status> <file>" per POST in posted.N.
client() {
    local n=$1 i=0 f args=()
    : >"$TMP/files.$n"
    while IFS= read -r f; do
        if [ $((i % CLIENTS)) = "$n" ]; then
            [ ${#args[@]} -eq 0 ] || args+=(--next)
            args+=(-s --max-time "$T10" -o /dev/null -w '%{http_code}\n'
                -H 'Content-Type: application/json' --data-binary "@$f" "$BASE/runs")
            echo "$f" >>"$TMP/files.$n"
        fi
        i=$((i + 1))
    done <"$TMP/all.list"
    curl "${args[@]}" >"$TMP/codes.$n" 2>/dev/null
    paste -d' ' "$TMP/codes.$n" "$TMP/files.$n" >"$TMP/posted.$n"
}
cpids=()
for ((n = 0; n < CLIENTS; n++)); do
    client "$n" &
    cpids+=($!)
done
# Kill the server once about a third of the POSTs were answered (its access log counts them).
target=$((COUNT / 3))
limit=$(($(tmo 30) * 50))
for ((i = 0; i < limit; i++)); do
    done_n=$(grep -c 'method=POST' "${SRV_LOG[crash]}")
    [ "$done_n" -ge "$target" ] && break
    server_running crash || break
    sleep 0.02
done
serve_kill crash
killed_at=$(grep -c 'method=POST' "${SRV_LOG[crash]}")
for p in "${cpids[@]}"; do wait "$p"; done
cat "$TMP"/posted.* >"$TMP/posted.all"
n2xx=$(grep -cE '^2[0-9][0-9] ' "$TMP/posted.all")
nfail=$(grep -cvE '^2[0-9][0-9] ' "$TMP/posted.all")
echo "# SIGKILL after $killed_at answered POSTs; $n2xx got 2xx, $nfail failed"
check "the kill came in the middle ($n2xx of $COUNT got 2xx before it)" [ "$n2xx" -gt 0 -a "$n2xx" -lt "$COUNT" ]
check "no POST got a non-2xx answer before the kill" \
    [ -z "$(grep -vE '^(2[0-9][0-9]|000) ' "$TMP/posted.all" | head -n 1)" ]

# --- on disk, before the restart ----------------------------------------------------------------------
# all_parse: every *.json in the date directories is a complete JSON object with a runId.
all_parse() {
    find "$dir" -path "$dir/[0-9]*" -name '*.json' -type f -print0 |
        xargs -0 -r jq -en '[inputs | type == "object" and (.runId | type) == "string"] | all' >/dev/null 2>&1
}
check "every *.json in the date directories parses as a report" all_parse
stray=$(find "$dir" -path "$dir/[0-9]*" -type f ! -name 'run-*.json' | wc -l | tr -d ' ')
echo "# $stray leftover non-report files in the date directories (temporary files of killed writes)"

# --- restart on the same directory ---------------------------------------------------------------------
serve_start again --reports-dir "$dir" --threads 4 --max-per-ip 64 || finish
req GET "/runs?limit=1000"
cp "$B" "$TMP/list1.json"
hcheck "GET /runs after the restart" [ "$STATUS" = 200 ]
total=$(jq .total "$TMP/list1.json")
check "every 2xx report is listed (total $total >= $n2xx)" [ "$total" -ge "$n2xx" ]
jq -r '.runs[].runId' "$TMP/list1.json" | sort >"$TMP/listed.ids"
# Run ids that got a 2xx.
awk -F'\t' 'NR == FNR { id[$2] = $1; next }
    { split($0, a, " "); if (a[1] ~ /^2[0-9][0-9]$/) print id[substr($0, length(a[1]) + 2)] }' \
    "$TMP/ids.tsv" "$TMP/posted.all" | sort >"$TMP/ok.ids"
missing=$(comm -23 "$TMP/ok.ids" "$TMP/listed.ids" | wc -l | tr -d ' ')
comm -23 "$TMP/ok.ids" "$TMP/listed.ids" | head -n 5 | sed 's/^/#   2xx but not listed: /'
check "every report that got a 2xx is listed ($(wc -l <"$TMP/ok.ids" | tr -d ' ') ids)" [ "$missing" = 0 ]

# Everything listed is a complete source report, from a report file name.
cut -f1 "$TMP/ids.tsv" | sort >"$TMP/src.ids"
bad=$(comm -23 "$TMP/listed.ids" "$TMP/src.ids" | wc -l | tr -d ' ')
comm -23 "$TMP/listed.ids" "$TMP/src.ids" | head -n 5 | sed 's/^/#   listed but never posted: /'
badf=$(jq -r '.runs[].file' "$TMP/list1.json" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}/run-[0-9a-fA-F-]+\.json$')
jq -r '.runs[].file' "$TMP/list1.json" | grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}/run-[0-9a-fA-F-]+\.json$' |
    head -n 5 | sed 's/^/#   listed from a non-report file: /'
bad=$((bad + badf))
check "only complete report files are listed (no temporary file)" [ "$bad" = 0 ]
# Every listed run (a superset of the 2xx ones) is served equal to its source: one curl for all.
mkdir -p "$TMP/got"
args=()
while read -r id; do
    args+=(-o "$TMP/got/$id" "$BASE/runs/$id")
done <"$TMP/listed.ids"
bad=0
bytes_equal=0
if [ ${#args[@]} -gt 0 ]; then
    curl -s --max-time "$(tmo 60)" -w '%{http_code}\n' "${args[@]}" >"$TMP/got.codes" 2>/dev/null
    [ "$(grep -c '^200$' "$TMP/got.codes")" = "$(wc -l <"$TMP/listed.ids" | tr -d ' ')" ] || {
        bad=$((bad + 1))
        echo "#   not every listed run answered 200: $(sort "$TMP/got.codes" | uniq -c | tr '\n' ' ')"
    }
fi
while IFS=$'\t' read -r id src_f; do
    got=$TMP/got/$id
    [ -f "$got" ] || continue
    if cmp -s "$src_f" "$got"; then
        bytes_equal=$((bytes_equal + 1))
    elif ! cmp -s <(jq -S . "$src_f") <(jq -S . "$got"); then
        bad=$((bad + 1))
        echo "#   GET /runs/$id is not equal to $src_f"
    fi
done <"$TMP/ids.tsv"
check "every listed run is served complete and equal to what was posted ($bytes_equal byte-equal)" [ "$bad" = 0 ]

expect 0 "aidf report list --json over the directory after the crash" report list --json --limit 0 --reports-dir "$dir"
check "aidf report list --json parses and agrees with the server" jq_ok ".total == $total"
expect 0 "aidf report summary --json after the crash" report summary --json --reports-dir "$dir"
req GET /summary
check "/summary after the restart = aidf report summary --json" \
    bash -c "cmp -s <(jq -S . '$OUT') <(jq -S . '$B')"

# --- re-POST everything: 200 for what is stored, 201 for the rest, never 409 ------------------------------
rm -f "$TMP"/posted.*
for ((n = 0; n < CLIENTS; n++)); do
    client "$n" &
    cpids[n]=$!
done
for p in "${cpids[@]}"; do wait "$p"; done
cat "$TMP"/posted.* >"$TMP/reposted.all"
codes=$(awk '{print $1}' "$TMP/reposted.all" | sort | uniq -c | awk '{printf "%sx%s ", $2, $1}')
check "re-POST of all $COUNT reports: only 200 and 201 ($codes)" \
    [ -z "$(grep -vE '^20[01] ' "$TMP/reposted.all" | head -n 1)" ]
n200=$(grep -c '^200 ' "$TMP/reposted.all")
check "re-POST: 200 for every run already stored ($n200 = $total)" [ "$n200" = "$total" ]
req GET /healthz
hcheck "all $COUNT runs are there now" bjq '.runs == ($n | tonumber)' --arg n "$COUNT"
check "every *.json in the date directories still parses" all_parse

openapi_finish
serve_stop again
finish
