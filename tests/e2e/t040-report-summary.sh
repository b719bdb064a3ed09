#!/usr/bin/env bash
# aidf report summary: the --json totals against an independent jq computation over the
# same files (the hand-written fixtures and 3,000 generated reports), the text layout
# (box, tables, phase bars), filters and --csv.
#
# Usage: t040-report-summary.sh <aidf> <tests/data dir>
. "$(dirname "$0")/cli-lib.sh" "$@"

small=$TMP/small
cp -r "$DATA/reportdirs/small" "$small"

# compare_with_jq NAME DIR [FILTER-ARGS...]: summary --json equals jq over the files.
# $JQ_SELECT picks the reports the filter args select.
compare_with_jq() {
    local name=$1 dir=$2
    shift 2
    local sel=${JQ_SELECT:-.}
    expect 0 "$name: summary --json exits 0" report summary --json --reports-dir "$dir" "$@"
    cp "$OUT" "$TMP/agg.json"
    # Slurp each directory once, keeping only the fields compared below.
    local cache=$TMP/slurp-$(echo "$dir" | tr / _).json
    if [ ! -f "$cache" ]; then
        slurp "$dir" | jq -c '[.[] | {status, timestamp, taskPath, iterations,
            taskKey: (.taskName // (.taskPath // "" | split("/") | last)),
            provider: {type: .provider.type},
            tokens: {totalInput: .tokens.totalInput, totalOutput: .tokens.totalOutput,
                     totalTokens: .tokens.totalTokens, cacheRead: .tokens.cacheRead,
                     cacheWrite: .tokens.cacheWrite, estimated: .tokens.estimated},
            cost: {estimatedTotal: .cost.estimatedTotal, unpriced: .cost.unpriced,
                   currency: .cost.currency},
            timing: {totalDurationMs: .timing.totalDurationMs},
            files: {totalCount: .files.totalCount},
            validation: {failures: .validation.failures}}]' >"$cache"
    fi
    jq "[.[] | select($sel)]" "$cache" >"$TMP/files.json"
    # One jq program over the files, one projection of the aggregate, same keys.
    # Costs in different currencies are never added: every cost figure is in the currency
    # with the most priced runs (ties: USD, then the first by name).
    jq -r '
        def sum(f): [.[] | f // 0] | add // 0;
        def cnt(f): [.[] | select(f)] | length;
        def cur: if (.cost.currency // "") == "" then "USD" else .cost.currency end;
        def priced: .cost.estimatedTotal != null and .cost.unpriced != true;
        (group_by(cur) | map({c: (.[0] | cur), p: cnt(priced)})
            | sort_by([-.p, (if .c == "USD" then 0 else 1 end), .c]) | .[0].c // "USD") as $h
        | [ ["runs", length],
          ["completed", cnt(.status == "completed")],
          ["blocked", cnt(.status == "blocked")],
          ["failed", cnt(.status == "failed")],
          ["successRate", (if length == 0 then null else cnt(.status == "completed") / length end)],
          ["tokens.input", sum(.tokens.totalInput)],
          ["tokens.output", sum(.tokens.totalOutput)],
          ["tokens.total", sum(.tokens.totalTokens)],
          ["tokens.cacheRead", sum(.tokens.cacheRead)],
          ["tokens.cacheWrite", sum(.tokens.cacheWrite)],
          ["tokens.estimatedRuns", cnt(.tokens.estimated == true)],
          ["cost.currency", $h],
          ["cost.total", ([.[] | select(priced and cur == $h) | .cost.estimatedTotal] | add // 0)],
          ["cost.unpricedRuns", cnt(priced | not)],
          ["cost.pricedRuns", cnt(priced and cur == $h)],
          ["currencies", ([.[] | cur] | unique | join(","))],
          ["costByCurrency", (if ([.[] | cur] | unique | length) < 2 then "-" else
              (group_by(cur) | map("\(.[0] | cur)=\(cnt(priced))/\(cnt(priced | not))/\([.[] | select(priced) | .cost.estimatedTotal] | add // 0 | . * 1e6 | round)") | join(",")) end)],
          ["averages.iterations", (if length == 0 then 0 else sum(.iterations) / length end)],
          ["averages.durationMs", (if length == 0 then 0 else sum(.timing.totalDurationMs) / length end)],
          ["totals.filesChanged", sum(.files.totalCount)],
          ["totals.validationFailures", sum(.validation.failures)],
          ["period", (if length == 0 then "-" else (map(.timestamp) | min) + "/" + (map(.timestamp) | max) end)],
          ["topTask", (if length == 0 then "-" else (group_by(.taskKey) | map({t: .[0].taskKey, c: ([.[] | select(priced and cur == $h) | .cost.estimatedTotal] | add // 0)}) | max_by(.c) | .t) end)]
        ] | .[] | "\(.[0])\t\(.[1])"' "$TMP/files.json" >"$TMP/want.tsv"
    jq -r '
        [ ["runs", .runs], ["completed", .completed], ["blocked", .blocked], ["failed", .failed],
          ["successRate", .successRate],
          ["tokens.input", .tokens.input], ["tokens.output", .tokens.output],
          ["tokens.total", .tokens.total], ["tokens.cacheRead", .tokens.cacheRead],
          ["tokens.cacheWrite", .tokens.cacheWrite],
          ["tokens.estimatedRuns", .tokens.estimatedRuns],
          ["cost.currency", .cost.currency],
          ["cost.total", .cost.total], ["cost.unpricedRuns", .cost.unpricedRuns],
          ["cost.pricedRuns", .cost.pricedRuns],
          ["currencies", (if .runs == 0 then "" else (.costByCurrency // {(.cost.currency): 0} | keys | join(",")) end)],
          ["costByCurrency", (if .costByCurrency == null then "-" else
              (.costByCurrency | to_entries | map("\(.key)=\(.value.pricedRuns)/\(.value.unpricedRuns)/\(.value.total * 1e6 | round)") | join(",")) end)],
          ["averages.iterations", .averages.iterations],
          ["averages.durationMs", .averages.durationMs],
          ["totals.filesChanged", .totals.filesChanged],
          ["totals.validationFailures", .totals.validationFailures],
          ["period", (if .runs == 0 then "-" else .period.first + "/" + .period.last end)],
          ["topTask", (if .runs == 0 then "-" else .topTasks[0].task end)]
        ] | .[] | "\(.[0])\t\(.[1])"' "$TMP/agg.json" >"$TMP/got.tsv"
    local key w g
    while IFS=$'\t' read -r key w; do
        g=$(awk -F'\t' -v k="$key" '$1 == k { print $2 }' "$TMP/got.tsv")
        case $key in
        successRate | averages.*)
            # The aggregate rounds rates and averages to 4 decimals; no runs: null.
            if [ "$g" = "$w" ]; then
                check "$name: $key = $w" true
            else
                check "$name: $key = $w (got $g)" close "$g" "$w" 0.0001
            fi ;;
        cost.total)
            check "$name: $key = $w (got $g)" close "$g" "$w" 0.000001 ;;
        *)
            check "$name: $key = $w (got $g)" [ "$g" = "$w" ] ;;
        esac
    done <"$TMP/want.tsv"
}

# --- the hand-written fixtures --------------------------------------------------------------
compare_with_jq "small" "$small"
check "small: success rate is 0.5" jq_ok '.successRate == 0.5'
JQ_SELECT='.status == "completed"' compare_with_jq "small --status completed" "$small" --status completed
JQ_SELECT='.provider.type == "claude-cli"' compare_with_jq "small --provider claude-cli" "$small" --provider claude-cli
JQ_SELECT='.timestamp >= "2026-11-19"' compare_with_jq "small --since 2026-11-19" "$small" --since 2026-11-19
JQ_SELECT='(.taskPath | test("login"))' compare_with_jq "small --task '*login*'" "$small" --task '*login*'
JQ_SELECT='false' compare_with_jq "small no match" "$small" --task nothing

# --- several currencies: never added together ----------------------------------------------------
# The small set (5 runs priced in USD, 1 unpriced) plus a run priced in EUR: USD stays the
# headline and EUR is listed beside it. Then six more EUR runs: EUR has the most priced runs.
eur=$DATA/reports/valid/cost-eur.json
mixed=$TMP/mixed
cp -r "$small" "$mixed"
mkdir -p "$mixed/2026-11-21"
cp "$eur" "$mixed/2026-11-21/run-e0a1b2c3.json"
compare_with_jq "mixed USD+EUR" "$mixed"
check "mixed: cost is USD only" jq_ok '.cost == {total: 2.6497, currency: "USD", pricedRuns: 5, unpricedRuns: 1, average: 0.52994}'
check "mixed: costByCurrency" jq_ok '.costByCurrency == {EUR: {total: 4.5, pricedRuns: 1, unpricedRuns: 0, average: 4.5}, USD: {total: 2.6497, pricedRuns: 5, unpricedRuns: 1, average: 0.52994}}'
check "mixed: a provider's cost is USD only, its EUR beside it" \
    jq_ok '.byProvider[] | select(.provider == "anthropic-api") | .cost == 2.304 and .costByCurrency.EUR.cost == 4.5 and .costByCurrency.USD.pricedRuns == 2'
check "mixed: every group and top task has costByCurrency" \
    jq_ok '[.byProvider[], .byModel[], .topTasks[]] | all(.costByCurrency | type == "object")'
JQ_SELECT='.cost.currency == "EUR"' compare_with_jq "mixed, only the EUR run" "$mixed" --task '*euro*'
check "one currency (EUR): named, no costByCurrency" \
    jq_ok '.cost.currency == "EUR" and .cost.total == 4.5 and (has("costByCurrency") | not) and ([.byModel[] | has("costByCurrency")] | any | not)'
expect 0 "mixed: summary text" report summary --reports-dir "$mixed"
check "mixed: the box's total is USD" grep -q 'Total cost: *\$2.6497 (5 priced runs, 1 unpriced, average \$0.5299)' "$OUT"
check "mixed: the box shows the EUR total beside it" grep -q 'Cost in EUR: *4.5000 EUR (1 priced run, average 4.5000 EUR)' "$OUT"
check "mixed: the box is still a box" [ "$(sed -n '/^┌/,/^└/p' "$OUT" | widths | sort -u | wc -l)" = 1 ]
check "mixed: a provider row lists both currencies" grep -qE '^  anthropic-api +3 +67% +103,600 +\$2.3040, 4.5000 EUR +\$1.1520, 4.5000 EUR ' "$OUT"
most=$TMP/mostly-eur # a new directory: compare_with_jq caches each directory's files
cp -r "$mixed" "$most"
for i in 1 2 3 4 5 6; do
    jq --arg id "e0a1b2c3-d4e5-4f60-8a7b-00000000000$i" --arg ts "2026-11-21T09:0$i:00.000Z" \
        '.runId = $id | .timestamp = $ts | .cost.estimatedTotal = 0.25' "$eur" \
        >"$most/2026-11-21/run-e0a1b2c3-d4e5-4f60-8a7b-00000000000$i.json"
done
compare_with_jq "mostly EUR" "$most"
check "mostly EUR: EUR is the headline" jq_ok '.cost.currency == "EUR" and .cost.total == 6 and .cost.pricedRuns == 7 and .cost.unpricedRuns == 1 and .costByCurrency.USD.total == 2.6497'
expect 0 "mostly EUR: summary text" report summary --reports-dir "$most"
check "mostly EUR: the box's total is EUR" grep -q 'Total cost: *6.0000 EUR (7 priced runs' "$OUT"
check "mostly EUR: the USD total beside it" grep -q 'Cost in USD: *\$2.6497 (5 priced runs, 1 unpriced' "$OUT"

# --- text layout ------------------------------------------------------------------------------
expect 0 "summary exits 0" report summary --reports-dir "$small"
check "summary writes nothing to stderr" err_empty
check "summary box title" grep -q '^┌─ Execution Summary ─*┐$' "$OUT"
box=$(sed -n '/^┌/,/^└/p' "$OUT")
check "summary box lines all have the same width" [ "$(echo "$box" | widths | sort -u | wc -l)" = 1 ]
check "summary box runs" bash -c "echo \"\$1\" | grep -q '│ Runs: *6 *│'" _ "$box"
check "summary box success rate" bash -c "echo \"\$1\" | grep -q 'Success rate: *50.0%'" _ "$box"
check "summary box status counts" bash -c "echo \"\$1\" | grep -q '3 completed, 1 blocked, 2 failed'" _ "$box"
check "summary box tokens" bash -c "echo \"\$1\" | grep -q 'Tokens: *214,630 (input 113,850, output 42,480)'" _ "$box"
check "summary box cache" bash -c "echo \"\$1\" | grep -q 'Cache: *read 50,200, write 8,100'" _ "$box"
check "summary box total cost with unpriced count" bash -c "echo \"\$1\" | grep -q 'Total cost: *\$2.6497 (1 unpriced run)'" _ "$box"
check "summary box average cost" bash -c "echo \"\$1\" | grep -q 'Average cost: *\$0.5299 per priced run'" _ "$box"
check "summary box average iterations" bash -c "echo \"\$1\" | grep -q 'Avg iterations: *2.2'" _ "$box"
check "summary box average duration" bash -c "echo \"\$1\" | grep -q 'Avg duration: *2m 50s'" _ "$box"
check "summary box period" bash -c "echo \"\$1\" | grep -q 'Period: *2026-11-18 09:14 UTC → 2026-11-20 13:05 UTC'" _ "$box"
for s in "Top 5 most expensive tasks" "Most changed files" "By provider" "By model" \
    "Average phase distribution"; do
    check "summary has '$s'" grep -qx "$s" "$OUT"
done
top=$(sed -n '/^Top 5 most expensive tasks$/,/^$/p' "$OUT")
check "top tasks: header" bash -c "echo \"\$1\" | grep -qE '^  TASK +RUNS +COST +TOKENS +AVG DURATION$'" _ "$top"
check "top tasks: 5 rows" [ "$(echo "$top" | grep -cE '^  [0-9]{3}-')" = 5 ]
check "top tasks: most expensive first" bash -c "echo \"\$1\" | sed -n 3p | grep -qE '001-add-login.md +2 +\\\$1.7720'" _ "$top"
check "top tasks: unpriced task says unpriced" bash -c "echo \"\$1\" | grep '004-update-docs' | grep -q unpriced" _ "$top"
check "most changed files: the file changed twice first" \
    bash -c "sed -n '/^Most changed files$/,/^$/p' '$OUT' | sed -n 3p | grep -qE 'src/routes/auth.ts +2$'"
prov=$(sed -n '/^By provider$/,/^$/p' "$OUT")
check "by provider: header" bash -c "echo \"\$1\" | grep -qE '^  PROVIDER +RUNS +SUCCESS +TOKENS +COST +AVG COST +AVG DURATION$'" _ "$prov"
check "by provider: anthropic-api" bash -c "echo \"\$1\" | grep -qE '^  anthropic-api +2 +50% +99,600 +\\\$2.3040 +\\\$1.1520 +3m 28s$'" _ "$prov"
check "by provider: cursor-cli unpriced" bash -c "echo \"\$1\" | grep -qE '^  cursor-cli +1 +100% +3,950 +unpriced +- +1m 10s$'" _ "$prov"
check "by model: three models" [ "$(sed -n '/^By model$/,/^$/p' "$OUT" | grep -cE '^  (claude-|\(none\))')" = 3 ]
phases=$(sed -n '/^Average phase distribution$/,$p' "$OUT" | tail -n +2)
check "phase distribution: 6 rows" [ "$(echo "$phases" | grep -c '[█░]')" = 6 ]
check "phase distribution: bars of 25" bash -c "
    echo \"\$1\" | while IFS= read -r l; do
        [ \"\$(printf '%s' \"\$l\" | grep -o '[█░]' | wc -l)\" = 25 ] || exit 1
    done" _ "$phases"
check "phase distribution: AI execution first" bash -c "echo \"\$1\" | head -1 | grep -q '^  AI execution '" _ "$phases"
run report summary --json --reports-dir "$small"
ai=$(jq '.phases.aiExecution.share' "$OUT")
fill=$(awk -v p="$ai" 'BEGIN { x = p * 25; printf "%d", (x - int(x) >= 0.5) ? int(x) + 1 : int(x) }')
check "phase distribution: AI execution bar has $fill filled" \
    [ "$(echo "$phases" | head -1 | grep -o '█' | wc -l)" = "$fill" ]
check "phase distribution: shares (0..1) sum to ~1" \
    jq_ok '[.phases[].share] | add | . > 0.999 and . < 1.001'

expect 0 "summary with a filter, text" report summary --status failed --reports-dir "$small"
check "filtered summary names the filters" grep -q 'Filters: *status=failed' "$OUT"
check "filtered summary counts 2" grep -q '│ Runs: *2 ' "$OUT"
expect 0 "summary with no match exits 0" report summary --task nothing --reports-dir "$small"
check "summary with no match says so" out_has "No runs match the filters (task=nothing)."

# --- --csv --------------------------------------------------------------------------------------
expect 0 "summary --csv" report summary --csv "$TMP/sum.csv" --reports-dir "$small"
check "summary --csv still prints the summary" out_has "Execution Summary"
check "summary --csv reports the file" out_has "Wrote 6 runs to $TMP/sum.csv"
check "summary --csv writes header + 6 rows" [ "$(grep -c $'\r$' "$TMP/sum.csv")" = 7 ]
check "summary --csv header" bash -c "head -1 '$TMP/sum.csv' | grep -q '^run_id,timestamp,task,status,'"
expect 0 "summary --json --csv" report summary --json --status failed --csv "$TMP/sum2.csv" --reports-dir "$small"
check "summary --json --csv prints only JSON" jq_ok '.runs == 2'
check "summary --csv honours the filters" [ "$(grep -c $'\r$' "$TMP/sum2.csv")" = 3 ]
expect 2 "summary --csv - is refused" report summary --csv - --reports-dir "$small"
expect 1 "summary --csv into a missing directory fails" report summary --csv "$TMP/nope/x.csv" --reports-dir "$small"
check "failed --csv leaves no file" [ ! -e "$TMP/nope/x.csv" ]

# --- empty directory --------------------------------------------------------------------------
mkdir -p "$TMP/empty"
expect 0 "empty: summary exits 0" report summary --reports-dir "$TMP/empty"
check "empty: says so" out_has "No execution reports found."
expect 0 "empty: summary --json" report summary --json --reports-dir "$TMP/empty"
check "empty: zero aggregate, no success rate" jq_ok '.runs == 0 and .successRate == null and .cost.total == 0 and (.phases | all(.[]; .share == null))'

# --- 3,000 generated reports ------------------------------------------------------------------
gen=$BUILD/aidf-gen-reports
if [ -x "$gen" ]; then
    big=$TMP/big
    if "$gen" --dir "$big" --count 3000 --seed 7 >"$TMP/gen.log" 2>&1; then
        ok "generated 3,000 reports"
        check "the generator wrote 3,000 files" [ "$(find "$big" -name 'run-*.json' | wc -l)" = 3000 ]
        compare_with_jq "big" "$big"
        JQ_SELECT='.status == "blocked"' compare_with_jq "big --status blocked" "$big" --status blocked
        p=$(jq -r '.provider.type' "$(find "$big" -name 'run-*.json' | sort | head -1)")
        JQ_SELECT=".provider.type == \"$p\"" compare_with_jq "big --provider $p" "$big" --provider "$p"

        expect 0 "big: list --json --limit 0" report list --json --limit 0 --reports-dir "$big"
        check "big: list returns 3,000" jq_ok '.total == 3000 and (.runs | length) == 3000'
        check "big: list is newest first" jq_ok '[.runs[].timestamp] as $t | $t == ($t | sort | reverse)'
        check "big: run ids are unique" jq_ok '[.runs[].runId] | unique | length == 3000'
        expect 0 "big: list table" report list --limit 5 --reports-dir "$big"
        check "big: footer with separators" out_has "Showing 5 of 3,000 runs"
        expect 0 "big: summary text" report summary --reports-dir "$big"
        check "big: box says 3,000 runs" grep -q '│ Runs: *3,000 ' "$OUT"

        # A reader that goes away early: EPIPE, not a crash.
        "$AIDF" report list --limit 0 --reports-dir "$big" 2>"$ERR" | head -n 1 >/dev/null
        rc=${PIPESTATUS[0]}
        check "big: list into a closed pipe exits 0 or 1 (got $rc)" [ "$rc" -le 1 ]
        "$AIDF" report export --csv - --reports-dir "$big" 2>"$ERR" | head -c 100 >/dev/null
        rc=${PIPESTATUS[0]}
        check "big: export into a closed pipe exits 0 or 1 (got $rc)" [ "$rc" -le 1 ]
    else
        not_ok "aidf-gen-reports failed: $(head -3 "$TMP/gen.log")"
    fi
else
    missing "$gen not built: the 3,000-report comparison did not run"
fi

finish
