#!/usr/bin/env bash
# aidf report list and show over the hand-written fixtures (tests/data/reportdirs):
# ordering, filters, limits, the --json shape checked against the files, truncation,
# show by id/prefix, ambiguity, not found, corrupt files, empty directories and the
# project's default reports directory.
#
# Usage: t030-report-list-show.sh <aidf> <tests/data dir>
. "$(dirname "$0")/cli-lib.sh" "$@"

small=$TMP/small
cp -r "$DATA/reportdirs/small" "$small"
all=$(slurp "$small")

# Run id prefixes (8 chars) of the table rows, in order.
rows() { grep -oE '^[0-9a-fA-F]{8}  ' "$OUT" | cut -c1-8; }
nrows() { rows | wc -l | tr -d ' '; }

# --- list: table ------------------------------------------------------------------------
expect 0 "list exits 0" report list --reports-dir "$small"
check "list writes nothing to stderr" err_empty
check "list has the header" \
    grep -qE '^RUN +DATE \(UTC\) +STATUS +TASK +PROVIDER +MODEL +ITER +TOKENS +COST +DURATION$' "$OUT"
check "list shows 6 rows" [ "$(nrows)" = 6 ]
want=$(echo "$all" | jq -r 'sort_by(.timestamp) | reverse | .[].runId[0:8]')
check "list is newest first" [ "$(rows)" = "$want" ]
check "list footer" out_has "Showing 6 of 6 runs"
check "list shows dates as YYYY-MM-DD HH:MM" grep -q '^77aa88bb  2026-11-20 13:05  failed ' "$OUT"
check "list shows the task file name only" out_has '005-fix, "urgent" bug.md'
check "list shows tokens with separators" grep -qE '^0f1e2d3c .* 65,300 +\$1\.5375 +4m 30s$' "$OUT"
check "list marks estimated tokens and unpriced cost" grep -qE '^9e8d7c6b .*cursor-cli .* ~3,950 +unpriced ' "$OUT"
check "list right-aligns numbers" bash -c "
    a=\$(grep '^77aa88bb' '$OUT' | grep -bo '6,100' | cut -d: -f1)
    b=\$(grep '^0f1e2d3c' '$OUT' | grep -bo '65,300' | cut -d: -f1)
    [ \$((a + 5)) -eq \$((b + 6)) ]"
check "list has no colour escapes on a pipe" no_escapes

expect 0 "list --limit 2" report list --limit 2 --reports-dir "$small"
check "--limit 2 shows 2 rows" [ "$(nrows)" = 2 ]
check "--limit 2 shows the newest" [ "$(rows | tr '\n' ' ')" = "77aa88bb 0f1e2d3c " ]
check "--limit 2 footer" out_has "Showing 2 of 6 runs"

# --- list: filters ----------------------------------------------------------------------
filter_count() {
    local want=$1 name=$2
    shift 2
    expect 0 "list $name" report list --json --limit 0 --reports-dir "$small" "$@"
    check "list $name matches $want" jq_ok ".total == $want and (.runs | length) == $want"
}
filter_count 2 "--status failed" --status failed
check "--status failed returns only failed runs" jq_ok 'all(.runs[]; .status == "failed")'
filter_count 3 "--status completed" --status completed
filter_count 1 "--status blocked" --status blocked
filter_count 2 "--provider anthropic-api" --provider anthropic-api
filter_count 3 "--model claude-sonnet-4-5" --model claude-sonnet-4-5
filter_count 5 "--model 'claude-*'" --model 'claude-*'
filter_count 2 "--task '*login*'" --task '*login*'
filter_count 2 "--task by file name" --task 001-add-login.md
filter_count 6 "--task '.ai/tasks/*'" --task '.ai/tasks/*'
filter_count 0 "--task nothing" --task nothing
filter_count 2 "--since/--until one whole day" --since 2026-11-19 --until 2026-11-19
filter_count 3 "--since a timestamp" --since 2026-11-19T12:00:00Z
filter_count 2 "--until a bare date includes the day" --until 2026-11-18
filter_count 1 "--until a timestamp" --until 2026-11-18T12:00:00Z
filter_count 4 "--since with a zone" --since 2026-11-19T12:00:00+02:00
filter_count 1 "combined filters" --status completed --provider claude-cli --since 2026-11-18
filter_count 0 "--since after --until" --since 2026-11-20 --until 2026-11-18

expect 0 "list with a filter, table" report list --status failed --since 2026-11-01 --reports-dir "$small"
check "footer names the filters" out_has "Showing 2 of 2 runs (filters: since=2026-11-01, status=failed)"
expect 0 "list with no match exits 0" report list --task nothing --reports-dir "$small"
check "no match says so" out_has "No runs match the filters (task=nothing)."

# Relative dates need reports relative to now.
rel=$TMP/rel
src=$small/2026-11-18/run-a1b2c3d4.json
mkrep "$src" "$rel" 11111111-aaaa-4aaa-8aaa-aaaaaaaaaaaa "$(iso_ago 7200)"
mkrep "$src" "$rel" 22222222-aaaa-4aaa-8aaa-aaaaaaaaaaaa "$(iso_ago $((3 * 86400)))"
mkrep "$src" "$rel" 33333333-aaaa-4aaa-8aaa-aaaaaaaaaaaa "$(iso_ago $((10 * 86400)))"
# "m" is minutes (30m), "mo" calendar months.
for c in "1h 0" "24h 1" "7d 2" "2w 3" "1mo 3" "1y 3" "150m 1" "90m 0" "9000s 1"; do
    set -- $c
    expect 0 "list --since $1" report list --json --since "$1" --reports-dir "$rel"
    check "--since $1 matches $2" jq_ok ".total == $2"
done
expect 2 "an unknown unit is a usage error" report list --since 3months --reports-dir "$rel"
check "the error lists the units" err_has "units: s, m (minutes), h, d, w, mo (calendar months), y"
expect 0 "list --until 1d" report list --json --until 1d --reports-dir "$rel"
check "--until 1d matches 2" jq_ok ".total == 2"

# --- list --json --------------------------------------------------------------------------
expect 0 "list --json" report list --json --reports-dir "$small"
check "list --json writes nothing to stderr" err_empty
check "list --json shape" jq_ok '(.total | type) == "number" and (.runs | type) == "array"'
check "list --json total and runs" jq_ok '.total == 6 and (.runs | length) == 6'
check "list --json keys" jq_ok 'all(.runs[]; keys - ["errorCategory"] == (["runId","timestamp","taskPath","status","provider","model","iterations","maxIterations","tokens","cost","unpriced","durationMs","filesChanged","scopeViolations","validationFailures","file","taskName","taskType","project","actor","branch","tags","ci","currency","receivedAt"] | sort))'
check "list --json token keys" jq_ok 'all(.runs[]; (.tokens | keys) == (["input","output","total","cacheRead","cacheWrite","totalWithCache","estimated"] | sort))'
check "list --json totalWithCache adds the cache" jq_ok 'all(.runs[]; .tokens.totalWithCache == .tokens.total + .tokens.cacheRead + .tokens.cacheWrite)'
check "list --json newest first" jq_ok '[.runs[].runId] == $want' \
    --argjson want "$(echo "$all" | jq '[sort_by(.timestamp) | reverse | .[].runId]')"
check "list --json errorCategory only on runs with an error" \
    jq_ok '[.runs[] | select(has("errorCategory")) | .errorCategory] == ["execution","provider"]'
check "list --json unpriced run" \
    jq_ok '.runs[] | select(.runId | startswith("9e8d7c6b")) | .cost == null and .unpriced == true and .tokens.estimated == true and .provider == "cursor-cli" and .model == null'
# Every field against the file it came from.
mismatch=0
for i in $(seq 0 5); do
    run_json=$(jq ".runs[$i]" "$OUT")
    file=$small/$(echo "$run_json" | jq -r .file)
    if [ ! -f "$file" ]; then
        mismatch=$((mismatch + 1))
        continue
    fi
    jq -e --argjson r "$run_json" '
        $r.runId == .runId and $r.timestamp == .timestamp and $r.taskPath == .taskPath and
        $r.status == .status and $r.provider == .provider.type and
        $r.model == (.provider.model // null) and $r.iterations == .iterations and
        $r.maxIterations == .maxIterations and $r.tokens.input == .tokens.totalInput and
        $r.tokens.output == .tokens.totalOutput and $r.tokens.total == .tokens.totalTokens and
        $r.tokens.cacheRead == (.tokens.cacheRead // 0) and
        $r.tokens.cacheWrite == (.tokens.cacheWrite // 0) and
        $r.tokens.estimated == .tokens.estimated and
        $r.cost == .cost.estimatedTotal and $r.unpriced == (.cost.estimatedTotal == null) and
        $r.durationMs == .timing.totalDurationMs and $r.filesChanged == .files.totalCount and
        $r.scopeViolations == .scope.violations and
        $r.validationFailures == .validation.failures and
        ($r.errorCategory // null) == (.error.category // null)' "$file" >/dev/null ||
        mismatch=$((mismatch + 1))
done
check "list --json fields equal the report files ($mismatch mismatches)" [ "$mismatch" -eq 0 ]

expect 0 "list --json --limit 2" report list --json --limit 2 --reports-dir "$small"
check "--json total counts matches before the limit" jq_ok '.total == 6 and (.runs | length) == 2'
expect 0 "list --json --limit 0" report list --json --limit 0 --reports-dir "$small"
check "--json --limit 0 returns all" jq_ok '(.runs | length) == 6'

# --- truncation of long task names ---------------------------------------------------------
long=$TMP/long
cp -r "$small" "$long"
mkrep "$src" "$long" 44444444-bbbb-4bbb-8bbb-bbbbbbbbbbbb 2026-11-21T10:00:00.000Z \
    '.taskPath = ".ai/tasks/pending/099-a-really-long-task-name-that-goes-on-and-on-and-on-and-on-forever.md"'
expect 0 "list with a long task name" report list --reports-dir "$long"
task_cell=$(grep '^44444444' "$OUT" | sed -E 's/^.{39}//; s/ {2,}.*//')
check "a long task name is cut with an ellipsis" bash -c "[[ '$task_cell' == *… ]]"
check "a cut task name is 40 columns" [ "$(echo "$task_cell" | widths)" -eq 40 ]
COLUMNS=200 "$AIDF" report list --reports-dir "$long" >"$OUT" 2>"$ERR"
task_cell=$(grep '^44444444' "$OUT" | sed -E 's/^.{39}//; s/ {2,}.*//')
check "COLUMNS=200 allows up to 48 columns" [ "$(echo "$task_cell" | widths)" -eq 48 ]
COLUMNS=80 "$AIDF" report list --reports-dir "$long" >"$OUT" 2>"$ERR"
check "COLUMNS=80 keeps at least 12 columns of task" bash -c "grep '^44444444' '$OUT' | grep -q '099-a-reall… '"

# --- show ---------------------------------------------------------------------------------
full=a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d
f1=$small/2026-11-18/run-a1b2c3d4.json
expect 0 "show by full id" report show "$full" --reports-dir "$small"
check "show names the run" out_has "Run $full"
check "show writes nothing to stderr" err_empty
for s in Outcome Tokens Cost Iterations "Phase breakdown" Files Validation Scope Environment; do
    check "show has section '$s'" grep -qx "$s" "$OUT"
done
check "show task and goal" bash -c "grep -q 'Task: *.ai/tasks/completed/001-add-login.md' '$OUT' && grep -q 'Goal: *Add a login endpoint with rate limiting' '$OUT'"
check "show provider and model" grep -q 'Provider: *claude-cli (claude-sonnet-4-5)' "$OUT"
check "show status" grep -q 'Status: *completed' "$OUT"
check "show iterations and limit" grep -q 'Iterations: *3 of at most 50' "$OUT"
check "show tokens with separators" bash -c "grep -q 'Input: *12,450' '$OUT' && grep -q 'Cache read: *40,200' '$OUT' && grep -q 'Cache write: *6,100' '$OUT'"
check "show estimated flag" grep -q 'Estimated: *no' "$OUT"
check "show cost total and source" bash -c "grep -q 'Total: *\$0.2345 USD' '$OUT' && grep -q 'Source: *provider' '$OUT'"
check "show reported vs computed" bash -c "grep -q 'Reported: *\$0.2345' '$OUT' && grep -q 'Computed: *\$0.2340' '$OUT'"
check "show rates" grep -q 'Rates: *input \$3.00, output \$15.00, cache read \$0.30, cache write \$3.75 per 1M tokens' "$OUT"
check "show per-iteration table header" grep -qE '^ +ITER +INPUT +OUTPUT +COST +DURATION +FILES$' "$OUT"
check "show per-iteration rows" [ "$(sed -n '/^Iterations$/,/^$/p' "$OUT" | grep -cE '^ +[0-9]+ ')" = 3 ]
check "show files" bash -c "grep -q '  Created (1):' '$OUT' && grep -q '    src/middleware/rate-limit.ts' '$OUT' && grep -q '  Modified (2):' '$OUT'"
check "show validation summary" out_has "3 runs, 1 failure"
check "show a failed validation" grep -qE '^ +1 +pre_commit +npm test +FAILED +1 ' "$OUT"
check "show scope" grep -q 'Mode: *strict' "$OUT"

# Phase bars: 25 characters, sorted descending, filled = round(pct * 25 / 100).
phases=$(sed -n '/^Phase breakdown$/,/^$/p' "$OUT" | grep -v '^Phase breakdown$' | grep -v '^$')
check "show has 6 phase rows" [ "$(echo "$phases" | wc -l)" = 6 ]
check "every bar is 25 characters" bash -c "
    echo \"\$1\" | while IFS= read -r l; do
        b=\$(printf '%s' \"\$l\" | grep -o '[█░]' | wc -l); [ \"\$b\" = 25 ] || exit 1
    done" _ "$phases"
check "phases are sorted descending" bash -c "
    echo \"\$1\" | head -1 | grep -q 'AI execution' && echo \"\$1\" | sed -n 2p | grep -q 'Validation'" _ "$phases"
ai_pct=$(jq '.timing.phases.aiExecution * 100 / .timing.totalDurationMs' "$f1")
ai_fill=$(awk -v p="$ai_pct" 'BEGIN { x = p * 25 / 100; printf "%d", (x - int(x) >= 0.5) ? int(x) + 1 : int(x) }')
ai_line=$(echo "$phases" | grep 'AI execution')
check "AI execution bar has $ai_fill filled of 25" \
    [ "$(printf '%s' "$ai_line" | grep -o '█' | wc -l)" = "$ai_fill" ]
check "AI execution percentage" bash -c "printf '%s' '$ai_line' | grep -q \" $(printf '%.0f' "$ai_pct")%\""
check "tiny phases show <1%" bash -c "echo \"\$1\" | grep 'Scope checking' | grep -q '<1%'" _ "$phases"

expect 0 "show by 8-char prefix" report show 5c6d7e8f --reports-dir "$small"
check "show by prefix finds the run" out_has "Run 5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"
check "show blocked reason" grep -q 'Blocked: *Needs a decision on dropping the legacy_orders view' "$OUT"
check "show scope violations and blocked files" bash -c "grep -q 'Violations: *1' '$OUT' && grep -q 'package-lock.json' '$OUT'"
check "show deleted files" bash -c "grep -q '  Deleted (1):' '$OUT' && grep -q '    db/legacy.sql' '$OUT'"
expect 0 "show by short prefix" report show 5c6 --reports-dir "$small"
expect 0 "show by upper-case prefix" report show 5C6D7E8F --reports-dir "$small"
check "upper-case prefix finds the run" out_has "Run 5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f"

expect 0 "show a failed run" report show a1b2ffff --reports-dir "$small"
check "show error with category and code" grep -q 'Error: *\[provider/PROVIDER_OVERLOADED\] Anthropic API returned 529: overloaded' "$OUT"
check "show computed cost source" grep -q 'Source: *computed' "$OUT"

expect 0 "show the unpriced run" report show 9e8d --reports-dir "$small"
check "show unpriced" grep -q 'Total: *unpriced' "$OUT"
check "show estimated tokens" grep -q 'Estimated: *yes' "$OUT"
check "show marks estimated iteration tokens" grep -qE '^ +1 +~3,100 +~850 ' "$OUT"

expect 0 "show a CI run" report show 0f1e2d3c --reports-dir "$small"
check "show CI provider" grep -q 'CI: *gitlab-ci' "$OUT"
check "show CI branch and commit" bash -c "grep -q 'Branch: *main' '$OUT' && grep -q 'Commit: *4f1d2c3b' '$OUT'"

expect 0 "show --json" report show a1b2c3d4 --json --reports-dir "$small"
check "show --json is the report" bash -c "diff <(jq -S . '$f1') <(jq -S . '$OUT') >/dev/null"
check "show --json is pretty (2 spaces)" grep -q '^  "runId": ' "$OUT"
expect 0 "show --json before the id" report show --json 77aa88bb --reports-dir "$small"
check "show --json keeps awkward strings" jq_ok '.taskPath == ".ai/tasks/pending/005-fix, \"urgent\" bug.md"'

expect 1 "ambiguous prefix exits 1" report show a1b2 --reports-dir "$small"
check "ambiguous prefix lists both candidates" bash -c "grep -q a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d '$ERR' && grep -q a1b2ffff-0000-4111-8222-333344445555 '$ERR'"
check "ambiguous prefix says ambiguous" err_has "ambiguous"
check "ambiguous prefix prints nothing on stdout" out_empty
expect 1 "ambiguous prefix with --json exits 1" report show a1b2 --json --reports-dir "$small"
check "ambiguous --json prints nothing on stdout" out_empty
expect 1 "unknown id exits 1" report show ffffffff --reports-dir "$small"
check "unknown id message" err_has "aidf: no run matches 'ffffffff'"
check "unknown id prints nothing on stdout" out_empty
expect 1 "a path as id exits 1" report show ../2026-11-18/run-a1b2c3d4 --reports-dir "$small"

# --- corrupt files ---------------------------------------------------------------------------
corrupt=$TMP/corrupt
cp -r "$DATA/reportdirs/corrupt" "$corrupt"
expect 0 "corrupt dir: list exits 0" report list --reports-dir "$corrupt"
check "corrupt dir: warnings on stderr" [ "$(grep -c '^aidf: warning: ' "$ERR")" -ge 4 ]
for f in run-deadbeef run-0badf00d run-00000000 run-b1b1b1b1; do
    check "corrupt dir: warning names $f" err_has "$f.json"
done
check "corrupt dir: the valid report is listed" grep -q '^c0c0c0c0 ' "$OUT"
check "corrupt dir: footer counts 1" out_has "Showing 1 of 1 run"
check "corrupt dir: nothing else on stdout" [ "$(grep -c '^[0-9a-f]\{8\}  ' "$OUT")" = 1 ]
expect 0 "corrupt dir: list --json exits 0" report list --json --reports-dir "$corrupt"
check "corrupt dir: --json total is 1" jq_ok '.total == 1 and .runs[0].runId == "c0c0c0c0-1111-4222-8333-444455556666"'
expect 0 "corrupt dir: show the valid one" report show c0c0 --reports-dir "$corrupt"
expect 1 "corrupt dir: the broken ones are not found" report show deadbeef --reports-dir "$corrupt"
expect 0 "corrupt dir: summary exits 0" report summary --json --reports-dir "$corrupt"
check "corrupt dir: summary counts 1 run" jq_ok '.runs == 1'
check "corrupt dir: README untouched" [ -f "$corrupt/README.txt" ]

# --- empty and missing directories ------------------------------------------------------------
mkdir -p "$TMP/empty"
expect 0 "empty dir: list exits 0" report list --reports-dir "$TMP/empty"
check "empty dir: says so" out_has "No execution reports found."
expect 0 "empty dir: list --json" report list --json --reports-dir "$TMP/empty"
check "empty dir: --json is empty" jq_ok '.total == 0 and .runs == []'
expect 1 "empty dir: show exits 1" report show abcd --reports-dir "$TMP/empty"

# --- the project's reports directory ----------------------------------------------------------
proj=$TMP/proj
mkdir -p "$proj/.ai" "$proj/src/deep/er"
(cd "$proj/src/deep/er" && "$AIDF" report list >"$OUT" 2>"$ERR")
RC=$?
check "project without reports: exit 0" [ "$RC" = 0 ]
check "project without reports: says so" out_has "No execution reports found."
(cd "$proj/src/deep/er" && "$AIDF" report show abc >"$OUT" 2>"$ERR")
check "project without reports: show exits 1" [ $? = 1 ]
cp -r "$small" "$proj/.ai/reports"
(cd "$proj/src/deep/er" && "$AIDF" report list >"$OUT" 2>"$ERR")
check "project from a subdirectory: lists .ai/reports" out_has "Showing 6 of 6 runs"
(cd "$proj" && "$AIDF" report show 77aa >"$OUT" 2>"$ERR")
check "project: show by prefix" out_has "Run 77aa88bb-99cc-4dde-8eff-001122334455"

proj2=$TMP/proj2
mkdir -p "$proj2/.ai"
printf 'observability:\n  reports_dir: custom/reports\n' >"$proj2/.ai/config.yml"
mkdir -p "$proj2/custom"
cp -r "$small" "$proj2/custom/reports"
rm -rf "$proj2/custom/reports/2026-11-20"
(cd "$proj2" && "$AIDF" report list >"$OUT" 2>"$ERR")
check "config observability.reports_dir is used" out_has "Showing 4 of 4 runs"
(cd "$proj2" && "$AIDF" report list --reports-dir "$small" >"$OUT" 2>"$ERR")
check "--reports-dir overrides the config" out_has "Showing 6 of 6 runs"

finish
