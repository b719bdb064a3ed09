#!/usr/bin/env bash
# aidf status: no project, an empty project, tasks in folders and legacy flat task
# files, config (defaults, a provider, a config error with file:line:col), the reports
# count, and --report (last run, trend) in text and JSON.
#
# Usage: t060-status.sh <aidf> <tests/data dir>
. "$(dirname "$0")/cli-lib.sh" "$@"

small=$DATA/reportdirs/small

# status_in DIR ARGS...: run aidf status from DIR.
status_in() {
    local dir=$1
    shift
    (cd "$dir" && "$AIDF" status "$@" >"$OUT" 2>"$ERR")
    RC=$?
    if [ "$RC" -ge 128 ] || grep -qE 'Sanitizer|runtime error:' "$ERR"; then
        not_ok "aidf status $* crashed (exit $RC)"
    fi
}

# --- no project ---------------------------------------------------------------------------
mkdir -p "$TMP/none/sub"
above=$(d=$TMP; while [ "$d" != / ]; do [ -d "$d/.ai" ] && echo "$d"; d=$(dirname "$d"); done)
if [ -n "$above" ]; then
    skip "a .ai/ directory exists above $TMP: no-project checks skipped"
else
    status_in "$TMP/none/sub"
    check "no project: exit 1" [ "$RC" = 1 ]
    check "no project: message" err_has 'No AIDF project found. Run `aidf init` first.'
    check "no project: nothing on stdout" out_empty
    status_in "$TMP/none/sub" --json
    check "no project --json: exit 1" [ "$RC" = 1 ]
    status_in "$TMP/none/sub" --report
    check "no project --report: exit 1" [ "$RC" = 1 ]
fi

# --- an empty project ---------------------------------------------------------------------
p=$TMP/proj
mkdir -p "$p/.ai" "$p/src/lib"
root=$(cd "$p" && pwd -P)
status_in "$p"
check "empty project: exit 0" [ "$RC" = 0 ]
check "empty project: nothing on stderr" err_empty
check "empty project: title" grep -q '^┌─ AIDF Status ─*┐$' "$OUT"
check "empty project: box lines all the same width" [ "$(widths <"$OUT" | sort -u | wc -l)" = 1 ]
check "empty project: root" grep -q "Project: *$root " "$OUT"
check "empty project: config defaults" grep -q 'Config: *defaults' "$OUT"
check "empty project: default provider" grep -q 'Provider: *claude-cli ' "$OUT"
for k in "Pending" "In progress" "Completed" "Blocked" "Total"; do
    check "empty project: $k 0" grep -qE "$k: +0 " "$OUT"
done
check "empty project: 0 reports" grep -q 'Reports: *0 in .ai/reports ' "$OUT"
check "empty project: no Last Run without --report" out_lacks "Last Run"
cp "$OUT" "$TMP/plain.txt"
status_in "$p" --report
check "empty project --report: exit 0" [ "$RC" = 0 ]
check "empty project --report: no reports" out_has "No execution reports found"
check "--report only appends to the plain output" \
    bash -c "head -n \$(wc -l <'$TMP/plain.txt') '$OUT' | cmp -s - '$TMP/plain.txt'"

status_in "$p/src/lib" --json
check "from a subdirectory: exit 0" [ "$RC" = 0 ]
check "from a subdirectory: root is the project" jq_ok '.root == $r' --arg r "$root"
check "--json: config" jq_ok '.config.path == null and .config.ok == true and (.config | has("error") | not)'
check "--json: provider" jq_ok '.provider.type == "claude-cli" and .provider.model == null'
check "--json: tasks" jq_ok '.tasks == {"pending":0,"inProgress":0,"completed":0,"blocked":0,"total":0}'
check "--json: no reports" jq_ok '.reports == 0 and .lastRun == null and .trend == null'
check "--json: keys" jq_ok 'keys == (["root","config","provider","tasks","reports","reportsDir","lastRun","trend"] | sort)'

# --- tasks ----------------------------------------------------------------------------------
t=$p/.ai/tasks
mkdir -p "$t/pending" "$t/completed" "$t/blocked"
touch "$t/pending/001-a.md" "$t/pending/002-b.md" "$t/pending/notes.txt" "$t/pending/.hidden.md"
mkdir -p "$t/pending/dir.md"
touch "$t/completed/003-c.md" "$t/completed/004-d.md" "$t/completed/005-e.md"
touch "$t/blocked/006-f.md"
# Legacy flat files, classified by their "## Status:" section.
printf '# Task\n\n## Goal\nx\n\n## Status: ✅ COMPLETED\n\n- done\n' >"$t/010-done.md"
printf '# Task\n\n## Status: BLOCKED\n\n### Blocking Issue\nneeds input\n' >"$t/011-blocked.md"
printf '# Task\n\n## Status: In Progress\n' >"$t/012-running.md"
printf '# Task\n\n## Goal\nNothing to see; the word completed appears in the goal only.\n' >"$t/013-plain.md"
printf '# Task\n\n## Status: pending\n\n## Notes\ncompleted later, blocked never\n' >"$t/014-pending.md"
printf '\xff\xfe\x00garbage\n## Status: \xc3\x28 running\n' >"$t/015-binary.md"
touch "$t/README.txt"
status_in "$p" --json
check "tasks: exit 0" [ "$RC" = 0 ]
check "tasks: pending = 2 folder + 2 flat" jq_ok '.tasks.pending == 4'
check "tasks: completed = 3 folder + 1 flat" jq_ok '.tasks.completed == 4'
check "tasks: blocked = 1 folder + 1 flat" jq_ok '.tasks.blocked == 2'
check "tasks: in progress = 2 flat" jq_ok '.tasks.inProgress == 2'
check "tasks: total" jq_ok '.tasks.total == 12'
status_in "$p"
check "tasks text: pending" grep -qE 'Pending: +4 ' "$OUT"
check "tasks text: in progress" grep -qE 'In progress: +2 ' "$OUT"
check "tasks text: completed" grep -qE 'Completed: +4 ' "$OUT"
check "tasks text: blocked" grep -qE 'Blocked: +2 ' "$OUT"
check "tasks text: total" grep -qE 'Total: +12 ' "$OUT"

# --- config ---------------------------------------------------------------------------------
printf 'provider:\n  type: anthropic-api\n  model: claude-sonnet-4-5\n' >"$p/.ai/config.yml"
status_in "$p"
check "config: exit 0" [ "$RC" = 0 ]
check "config: path shown" grep -q "Config: *$root/.ai/config.yml " "$OUT"
check "config: provider and model" grep -q 'Provider: *anthropic-api (model claude-sonnet-4-5)' "$OUT"
status_in "$p" --json
check "config --json" jq_ok '.config.ok and .config.path == ($r + "/.ai/config.yml") and .provider == {"type":"anthropic-api","model":"claude-sonnet-4-5"}' --arg r "$root"

printf 'provider:\n  type: openai-api\n  model: [unclosed\n' >"$p/.ai/config.yml"
status_in "$p"
check "config error: exit 1" [ "$RC" = 1 ]
check "config error: still prints the status" out_has "AIDF Status"
check "config error: marked in the box" grep -q 'Config: .*config.yml (error)' "$OUT"
check "config error: file:line:col on stderr" grep -qE "^aidf: $root/.ai/config.yml:[0-9]+:[0-9]+: " "$ERR"
status_in "$p" --json
check "config error --json: exit 1" [ "$RC" = 1 ]
check "config error --json: ok false with the error" jq_ok '.config.ok == false and (.config.error | test("config.yml:[0-9]+:[0-9]+: "))'
printf 'execution:\n  max_iterations: 0\n' >"$p/.ai/config.yml"
status_in "$p"
check "config range error: exit 1" [ "$RC" = 1 ]
check "config range error: names the file" err_has ".ai/config.yml:"
rm "$p/.ai/config.yml"

# --- reports and --report -------------------------------------------------------------------
cp -r "$small" "$p/.ai/reports"
status_in "$p"
check "reports: counted" grep -q 'Reports: *6 in .ai/reports ' "$OUT"
check "reports: no Last Run without --report" out_lacks "Last Run"
status_in "$p" --report
check "--report: exit 0" [ "$RC" = 0 ]
check "--report: Last Run box" grep -q '^┌─ Last Run ─*┐$' "$OUT"
lr=$(sed -n '/^┌─ Last Run/,/^└/p' "$OUT")
check "--report: box lines all the same width" [ "$(echo "$lr" | widths | sort -u | wc -l)" = 1 ]
check "--report: newest run" bash -c "echo \"\$1\" | grep -q 'Run: *77aa88bb (failed)'" _ "$lr"
check "--report: task" bash -c "echo \"\$1\" | grep -q 'Task: *.ai/tasks/pending/005-fix, \"urgent\" bug.md'" _ "$lr"
check "--report: when" bash -c "echo \"\$1\" | grep -qE 'When: *2026-11-20 13:05 UTC \\(([0-9]+[mhd] ago|just now|in the future)\\)'" _ "$lr"
check "--report: tokens" bash -c "echo \"\$1\" | grep -q 'Tokens: *6,100 (input 5,200, output 900)'" _ "$lr"
check "--report: cost" bash -c "echo \"\$1\" | grep -q 'Cost: *\\\$0.0291'" _ "$lr"
check "--report: duration" bash -c "echo \"\$1\" | grep -q 'Duration: *44.5s'" _ "$lr"
check "--report: iterations" bash -c "echo \"\$1\" | grep -q 'Iterations: *1 '" _ "$lr"

# The trend, computed independently: last run against up to 5 earlier ones (priced only
# for cost).
sorted=$(slurp "$p/.ai/reports" | jq 'sort_by(.timestamp) | reverse')
trend() { # FIELD-EXPR → "direction pct k"
    echo "$sorted" | jq -r "
        (.[0] | $1) as \$last | [.[1:6][] | $1 | select(. != null)] as \$prev |
        (\$prev | add / length) as \$avg | ((\$last - \$avg) * 100 / \$avg) as \$pct |
        \"\\(if (\$pct | round) >= 1 then \"up\" elif (\$pct | round) <= -1 then \"down\" else \"flat\" end) \\(\$pct | fabs | round) \\(\$prev | length)\""
}
read -r cdir cpct ck <<<"$(trend '.cost.estimatedTotal')"
read -r ddir dpct dk <<<"$(trend '.timing.totalDurationMs')"
arrow() { case $1 in up) echo "↑ " ;; down) echo "↓ " ;; *) echo "" ;; esac; }
check "--report: cost trend ($cdir $cpct% vs $ck)" \
    bash -c "echo \"\$1\" | grep -q 'cost $(arrow "$cdir")$cpct% vs previous $ck runs'" _ "$lr"
check "--report: duration trend ($ddir $dpct% vs $dk)" \
    bash -c "echo \"\$1\" | grep -q 'duration $(arrow "$ddir")$dpct% vs previous $dk runs'" _ "$lr"
status_in "$p" --report --json
check "--report --json: exit 0" [ "$RC" = 0 ]
check "--report --json: reports" jq_ok '.reports == 6'
check "--report --json: lastRun is the list summary" jq_ok '.lastRun.runId == "77aa88bb-99cc-4dde-8eff-001122334455" and .lastRun.status == "failed" and .lastRun.cost == 0.0291 and .lastRun.tokens.total == 6100'
check "--report --json: cost trend" jq_ok '.trend.cost.direction == $d and .trend.cost.previousRuns == ($k | tonumber) and ((.trend.cost.changePct | fabs | round) == ($p | tonumber))' --arg d "$cdir" --arg k "$ck" --arg p "$cpct"
check "--report --json: duration trend" jq_ok '.trend.duration.direction == $d and .trend.duration.previousRuns == ($k | tonumber)' --arg d "$ddir" --arg k "$dk"
check "--report --json: cost average" jq_ok '(.trend.cost.average - $a | fabs) < 0.000001' \
    --argjson a "$(echo "$sorted" | jq '[.[1:6][] | .cost.estimatedTotal | select(. != null)] | add / length')"

# Flat and up trends, and a single report (no trend).
tr=$TMP/trend
src=$small/2026-11-18/run-a1b2c3d4.json
mkrep "$src" "$tr" 10000000-0000-4000-8000-000000000001 2026-11-01T10:00:00.000Z
mkrep "$src" "$tr" 10000000-0000-4000-8000-000000000002 2026-11-02T10:00:00.000Z
mkrep "$src" "$tr" 10000000-0000-4000-8000-000000000003 2026-11-03T10:00:00.000Z
status_in "$p" --report --reports-dir "$tr"
check "flat: --reports-dir counts 3" grep -q 'Reports: *3 in ' "$OUT"
check "flat: cost flat" out_has "cost flat vs previous 2 runs"
check "flat: duration flat" out_has "duration flat vs previous 2 runs"
mkrep "$src" "$tr" 10000000-0000-4000-8000-000000000004 2026-11-04T10:00:00.000Z \
    '.cost.estimatedTotal = 0.469 | .timing.totalDurationMs = 42560'
status_in "$p" --report --reports-dir "$tr"
check "up: cost doubled" out_has "cost ↑ 100% vs previous 3 runs"
check "down: duration halved" out_has "duration ↓ 50% vs previous 3 runs"
status_in "$p" --report --json --reports-dir "$tr"
check "up --json" jq_ok '.trend.cost.direction == "up" and .trend.duration.direction == "down" and .trend.cost.previousRuns == 3'
for i in 5 6 7 8 9; do
    mkrep "$src" "$tr" 10000000-0000-4000-8000-00000000000$i 2026-11-0${i}T10:00:00.000Z
done
status_in "$p" --report --json --reports-dir "$tr"
check "at most 5 earlier runs are averaged" jq_ok '.reports == 9 and .trend.cost.previousRuns == 5'

one=$TMP/one
mkrep "$src" "$one" 20000000-0000-4000-8000-000000000001 2026-11-01T10:00:00.000Z
status_in "$p" --report --reports-dir "$one"
check "one report: Last Run" out_has "Last Run"
check "one report: no trend" out_lacks "Trend:"
status_in "$p" --report --json --reports-dir "$one"
check "one report --json: lastRun, no trend" jq_ok '.lastRun.runId == "20000000-0000-4000-8000-000000000001" and .trend == null'

unp=$TMP/unpriced
mkrep "$small/2026-11-19/run-9e8d7c6b.json" "$unp" 30000000-0000-4000-8000-000000000001 2026-11-01T10:00:00.000Z
mkrep "$small/2026-11-19/run-9e8d7c6b.json" "$unp" 30000000-0000-4000-8000-000000000002 2026-11-02T10:00:00.000Z
status_in "$p" --report --reports-dir "$unp"
check "unpriced: exit 0" [ "$RC" = 0 ]
check "unpriced: cost says unpriced" grep -q 'Cost: *unpriced' "$OUT"
check "unpriced: tokens estimated" grep -q 'Tokens: .*estimated' "$OUT"
check "unpriced: no cost trend" out_lacks "cost "
status_in "$p" --report --json --reports-dir "$unp"
check "unpriced --json: cost trend null" jq_ok '.trend.cost == null and .trend.duration.direction == "flat"'

# Corrupt reports do not break status.
cp -r "$DATA/reportdirs/corrupt" "$TMP/corrupt"
status_in "$p" --report --reports-dir "$TMP/corrupt"
check "corrupt: exit 0" [ "$RC" = 0 ]
check "corrupt: 1 report" grep -q 'Reports: *1 in ' "$OUT"
check "corrupt: warnings on stderr" grep -q '^aidf: warning: ' "$ERR"

finish
