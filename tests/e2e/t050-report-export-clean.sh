#!/usr/bin/env bash
# aidf report export (summary and --detailed CSV, stdout, --json, filters, atomic
# writes) and aidf report clean (dry run, --confirm, --json, date boundaries).
#
# Usage: t050-report-export-clean.sh <aidf> <tests/data dir>
. "$(dirname "$0")/cli-lib.sh" "$@"

small=$TMP/small
cp -r "$DATA/reportdirs/small" "$small"
all=$(slurp "$small")
header='run_id,timestamp,task,status,iterations,input_tokens,output_tokens,total_tokens,estimated_cost,duration_seconds,files_modified,provider,model,scope_violations,validation_failures,cache_read_tokens,cache_write_tokens,currency,project,actor,total_tokens_with_cache'
dheader='run_id,iteration,input_tokens,output_tokens,duration_ms,phase_ai_ms,phase_validation_ms,files_changed'

# csv_records FILE: records (CRLF-terminated lines) in a CSV without embedded newlines.
csv_records() { grep -c $'\r$' "$1"; }

# --- export: summary CSV ----------------------------------------------------------------------
csv=$TMP/out/runs.csv
mkdir -p "$TMP/out"
expect 0 "export exits 0" report export --csv "$csv" --reports-dir "$small"
check "export to a file prints nothing when stdout is not a TTY" out_empty
check "export writes nothing to stderr" err_empty
check "export header" [ "$(head -1 "$csv")" = "$header"$'\r' ]
check "export writes CRLF records: header + 6" [ "$(csv_records "$csv")" = 7 ]
check "export has no bare LF" [ "$(wc -l <"$csv")" = "$(csv_records "$csv")" ]
check "export rows are newest first" \
    [ "$(tail -n +2 "$csv" | cut -d, -f1 | tr -d '\r')" = "$(echo "$all" | jq -r 'sort_by(.timestamp) | reverse | .[].runId')" ]
check "export quotes commas and quotes" \
    grep -qF '77aa88bb-99cc-4dde-8eff-001122334455,2026-11-20T13:05:45.500Z,".ai/tasks/pending/005-fix, ""urgent"" bug.md",failed,1,5200,900,6100,' "$csv"
check "export: numbers are not quoted" grep -qE '^0f1e2d3c-[^,]*,[^,]*,[^,]*,completed,2,41000,12300,65300,1\.5375' "$csv"
check "export: unpriced cost is an empty cell" grep -qE '^9e8d7c6b-[^,]*,[^,]*,[^,]*,completed,1,3100,850,3950,,' "$csv"
# check_csv_values NAME CSV DIR: the CSV parses as RFC 4180 and holds the values of the reports
# in DIR, one row each, in the 21 columns.
check_csv_values() {
    want python3 || return 0
    check "$1: parses as RFC 4180 with the report values" python3 - "$2" "$3" <<'PY'
import csv, glob, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
head, body = rows[0], rows[1:]
assert len(head) == 21 and all(len(r) == 21 for r in body), "21 columns"
reports = {}
for p in glob.glob(sys.argv[2] + "/*/run-*.json"):
    r = json.load(open(p, encoding="utf-8"))
    reports[r["runId"]] = r
assert sorted(reports) == sorted(r[0] for r in body), "the same runs"
for row in body:
    d = dict(zip(head, row))
    r = reports[d["run_id"]]
    t = r["tokens"]
    assert d["task"] == r["taskPath"], d["task"]
    assert d["status"] == r["status"]
    assert int(d["iterations"]) == r["iterations"]
    assert int(d["input_tokens"]) == t["totalInput"]
    assert int(d["output_tokens"]) == t["totalOutput"]
    assert int(d["total_tokens"]) == t["totalTokens"]
    assert int(d["cache_read_tokens"]) == t.get("cacheRead", 0)
    assert int(d["cache_write_tokens"]) == t.get("cacheWrite", 0)
    assert int(d["total_tokens_with_cache"]) == t["totalTokens"] + t.get("cacheRead", 0) + t.get("cacheWrite", 0)
    cost = r["cost"].get("estimatedTotal")
    assert (d["estimated_cost"] == "") if cost is None else abs(float(d["estimated_cost"]) - cost) < 1e-6
    assert d["currency"] == (r["cost"].get("currency") or "USD"), d["currency"]
    assert d["project"] == r.get("project", {}).get("name", ""), d["project"]
    assert d["actor"] == r.get("actor", ""), d["actor"]
    assert abs(float(d["duration_seconds"]) - r["timing"]["totalDurationMs"] / 1000) < 0.001
    assert d["provider"] == r["provider"]["type"]
    assert d["model"] == r["provider"].get("model", "")
    assert int(d["scope_violations"]) == r.get("scope", {}).get("violations", 0)
    assert int(d["validation_failures"]) == r.get("validation", {}).get("failures", 0)
PY
}
check_csv_values "export" "$csv" "$small"

# A run priced in EUR, with a project and an actor, beside the USD ones.
mixed=$TMP/mixed
cp -r "$small" "$mixed"
mkdir -p "$mixed/2026-11-21"
cp "$DATA/reports/valid/cost-eur.json" "$mixed/2026-11-21/run-e0a1b2c3.json"
expect 0 "export with a EUR run" report export --csv "$TMP/out/mixed.csv" --reports-dir "$mixed"
check_csv_values "export with a EUR run" "$TMP/out/mixed.csv" "$mixed"
check "export: the EUR run's row names its currency, project and actor" grep -qF \
    'e0a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b,2026-11-21T08:30:00.000Z,.ai/tasks/completed/007-euro-pricing.md,completed,2,3000,1000,4000,4.500000,60.000,0,anthropic-api,claude-sonnet-4-5,0,0,20000,500,EUR,acme/billing,marie@example.eu,24500' \
    "$TMP/out/mixed.csv"
check "export: a run that names no project has empty project and actor cells" \
    grep -qE '^77aa88bb-.*,0,0,0,0,USD,,,6100.$' "$TMP/out/mixed.csv"

expect 0 "export --json" report export --csv "$csv" --json --reports-dir "$small"
check "export --json shape" jq_ok '.path == $p and .runs == 6 and .rows == 6' --arg p "$csv"
expect 0 "export to stdout" report export --csv - --reports-dir "$small"
check "export to stdout: header first" [ "$(head -1 "$OUT")" = "$header"$'\r' ]
check "export to stdout: 7 records" [ "$(csv_records "$OUT")" = 7 ]
check "export to stdout equals the file" cmp -s "$OUT" "$csv"

expect 0 "export with filters" report export --csv - --status failed --since 2026-11-18 --reports-dir "$small"
check "export --status failed: 2 rows" [ "$(csv_records "$OUT")" = 3 ]
check "export --status failed: only failed" [ "$(tail -n +2 "$OUT" | grep -c ',failed,')" = 2 ]
expect 0 "export --provider --json" report export --csv "$TMP/out/p.csv" --provider anthropic-api --json --reports-dir "$small"
check "export --provider: runs 2" jq_ok '.runs == 2 and .rows == 2'

# On a terminal the command says what it did.
if want script; then
    script -qec "'$AIDF' report export --csv '$TMP/out/tty.csv' --reports-dir '$small'" /dev/null \
        >"$OUT" 2>"$ERR"
    check "export on a TTY reports the count and path" grep -q "Exported 6 runs to $TMP/out/tty.csv" "$OUT"
fi

# --- export --detailed ----------------------------------------------------------------------
iters=$(echo "$all" | jq '[.[].timing.perIteration | length] | add')
expect 0 "export --detailed" report export --csv "$TMP/out/d.csv" --detailed --json --reports-dir "$small"
check "export --detailed --json counts runs and rows" jq_ok '.runs == 6 and .rows == $n' --argjson n "$iters"
check "export --detailed header" [ "$(head -1 "$TMP/out/d.csv")" = "$dheader"$'\r' ]
check "export --detailed: one row per iteration ($iters)" [ "$(csv_records "$TMP/out/d.csv")" = $((iters + 1)) ]
for id in $(echo "$all" | jq -r '.[].runId'); do
    n=$(echo "$all" | jq --arg id "$id" '.[] | select(.runId == $id) | .timing.perIteration | length')
    check "export --detailed: $n rows for ${id:0:8}" [ "$(grep -c "^$id," "$TMP/out/d.csv")" = "$n" ]
done
check "export --detailed: iteration values" \
    grep -qE '^5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f,4,5500,3850,102000,90250,10025,1'$'\r''$' "$TMP/out/d.csv"
expect 0 "export --detailed --status blocked to stdout" report export --csv - --detailed --status blocked --reports-dir "$small"
check "export --detailed --status blocked: 4 rows" [ "$(csv_records "$OUT")" = 5 ]

# --- export: atomic and failures -------------------------------------------------------------
printf 'old content that must disappear\n%.0s' {1..500} >"$TMP/out/replace.csv"
expect 0 "export replaces an existing file" report export --csv "$TMP/out/replace.csv" --reports-dir "$small"
check "the replaced file holds only the new CSV" bash -c "! grep -q 'old content' '$TMP/out/replace.csv' && [ \$(grep -c \$'\\r\$' '$TMP/out/replace.csv') = 7 ]"
check "no temporary files are left behind" \
    [ "$(find "$TMP/out" -type f | wc -l)" = "$(ls "$TMP/out" | wc -l)" ]
check "only the exported files exist" bash -c "[ -z \"\$(find '$TMP/out' -type f ! -name '*.csv')\" ]"
expect 1 "export into a missing directory exits 1" report export --csv "$TMP/missing/x.csv" --reports-dir "$small"
check "export failure says so" grep -q '^aidf: ' "$ERR"
check "export failure leaves no file" [ ! -e "$TMP/missing" ]
expect 1 "export onto a directory exits 1" report export --csv "$TMP/out" --reports-dir "$small"
check "the directory is untouched" [ -d "$TMP/out" ]

mkdir -p "$TMP/empty"
expect 0 "export of an empty directory" report export --csv - --reports-dir "$TMP/empty"
check "empty export is just the header" [ "$(cat "$OUT")" = "$header"$'\r' ]
expect 0 "export --json of an empty directory" report export --csv "$TMP/out/e.csv" --json --reports-dir "$TMP/empty"
check "empty export --json" jq_ok '.runs == 0 and .rows == 0'

# --- clean ----------------------------------------------------------------------------------
c=$TMP/clean
cp -r "$small" "$c"
expect 0 "clean dry run exits 0" report clean --before 2026-11-19 --reports-dir "$c"
check "dry run lists the first file" out_has "2026-11-18/run-a1b2c3d4.json"
check "dry run lists the second file" out_has "2026-11-18/run-a1b2ffff.json"
check "dry run lists only those" [ "$(grep -c 'run-' "$OUT")" = 2 ]
check "dry run says how to delete" out_has "Re-run with --confirm to delete 2 reports"
check "dry run deletes nothing" [ "$(find "$c" -name 'run-*.json' | wc -l)" = 6 ]
expect 0 "clean dry run --json" report clean --before 2026-11-19 --json --reports-dir "$c"
check "dry run --json shape" jq_ok '.count == 2 and (.wouldDelete | sort) == ["2026-11-18/run-a1b2c3d4.json", "2026-11-18/run-a1b2ffff.json"] and (has("deleted") | not)'
expect 0 "clean dry run with nothing to do" report clean --before 2026-01-01 --reports-dir "$c"
check "nothing to do says so" out_has "No reports before 2026-01-01."

expect 0 "clean --confirm exits 0" report clean --before 2026-11-19 --confirm --reports-dir "$c"
check "clean --confirm reports the count" out_has "Deleted 2 reports"
check "clean --confirm removed the files" [ ! -e "$c/2026-11-18/run-a1b2c3d4.json" ] 
check "clean --confirm removed the empty date directory" [ ! -e "$c/2026-11-18" ]
check "clean --confirm kept the rest" [ "$(find "$c" -name 'run-*.json' | wc -l)" = 4 ]
expect 0 "list after clean" report list --json --reports-dir "$c"
check "list after clean shows 4" jq_ok '.total == 4'
expect 1 "a cleaned run is gone" report show a1b2c3d4 --reports-dir "$c"

expect 0 "clean by timestamp --confirm --json" report clean --before 2026-11-19T12:00:00Z --confirm --json --reports-dir "$c"
check "clean by timestamp deletes one" jq_ok '.count == 1 and .deleted == ["2026-11-19/run-5c6d7e8f.json"] and (has("wouldDelete") | not)'
check "the other report of that day stays" [ -f "$c/2026-11-19/run-9e8d7c6b.json" ]
expect 0 "clean again deletes nothing" report clean --before 2026-11-19T12:00:00Z --confirm --json --reports-dir "$c"
check "clean again: count 0" jq_ok '.count == 0 and .deleted == []'
expect 0 "summary after clean" report summary --json --reports-dir "$c"
check "summary after clean counts 3" jq_ok '.runs == 3'

# Relative --before: everything here is older than a day.
expect 0 "clean --before 1d dry run" report clean --before 1d --json --reports-dir "$c"
check "clean --before 1d would delete the remaining 3" jq_ok '.count == 3'

mkdir -p "$TMP/empty2"
expect 0 "clean an empty directory" report clean --before 1d --confirm --json --reports-dir "$TMP/empty2"
check "clean an empty directory: 0" jq_ok '.count == 0'
expect 2 "clean without --before" report clean --confirm --reports-dir "$c"
check "clean without --before hint" err_has "Try 'aidf report clean --help'."
expect 2 "clean --before 2026-13-45" report clean --before 2026-13-45 --reports-dir "$c"
check "a bad --before deleted nothing" [ "$(find "$c" -name 'run-*.json' | wc -l)" = 3 ]

finish
