#!/usr/bin/env bash
# GET /stats and `aidf report stats --json` over a few thousand generated reports (several
# projects, actors, tags and currencies, spanning the DST changes of 2026-10-25 in Berlin
# and 2026-11-01 in New York, plus hand-made runs at the edges of those days): for several
# (interval, by, tz, filter) combinations the two give the same bytes, and both equal an
# independent computation in Python (zoneinfo) over the report files themselves. The
# shorthands (report daily/monthly), the CLI's local zone, the CSV, the cache across a
# POST, and malformed or hostile parameters (400s, exit 2). Every response is checked
# against api/openapi.yaml.
#
# Usage: t170-stats.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"
need_py zoneinfo

GEN=$BUILD/aidf-gen-reports
[ -x "$GEN" ] || skip_test "aidf-gen-reports not built"
RD=$TMP/reports
"$GEN" --dir "$RD" --count 3000 --seed 170 --days 16 --now 2026-11-06T12:00:00Z \
    2>"$TMP/gen.log" || {
    not_ok "aidf-gen-reports failed: $(head -3 "$TMP/gen.log")"
    finish
}

# Runs at the edges of the DST days (New York: 2026-11-01 has 25 hours, 2026-03-08 23;
# Berlin: 2026-10-25 has 25 hours), one with a hostile model name and a tag with an empty
# value, written as the store names files (UTC date directory).
SRC=$DATA/reports/valid/completed-claude-cli.json
n=0
for ts in 2026-11-01T03:59:59Z 2026-11-01T04:00:00Z 2026-11-01T05:30:00Z 2026-11-01T06:30:00Z \
    2026-11-02T04:59:59.999Z 2026-11-02T05:00:00Z 2026-03-08T04:59:59Z 2026-03-08T05:00:00Z \
    2026-03-09T03:59:59Z 2026-03-09T04:00:00Z 2026-10-24T21:59:59Z 2026-10-24T22:00:00Z \
    2026-10-25T00:59:59Z 2026-10-25T01:00:00Z 2026-10-25T22:59:59Z 2026-10-25T23:00:00Z \
    2026-12-31T23:30:00Z 2027-01-04T00:00:00Z; do
    n=$((n + 1))
    id=$(printf '170e%04x-0000-4000-8000-%012d' "$n" "$n")
    mkdir -p "$RD/${ts:0:10}"
    jq --arg id "$id" --arg ts "$ts" --argjson n "$n" '.runId = $id | .timestamp = $ts
        | .project = {name: "edge/dst", branch: "main"} | .actor = "edge"
        | .tags = {team: (if $n % 3 == 0 then "" else "core" end)}
        | .cost.currency = (if $n % 2 == 0 then "EUR" else "USD" end)
        | if $n == 5 then .provider.model = "evil\u001b[31m\u202e\u0085\"x\\y" else . end' \
        "$SRC" >"$RD/${ts:0:10}/run-${id:0:8}.json"
done
nfiles=$(find "$RD" -name 'run-*.json' -type f | wc -l | tr -d ' ')
check "$nfiles report files" [ "$nfiles" = 3018 ]

# The independent computation: stats.py DIR QUERY-JSON prints the expected document.
cat >"$TMP/stats.py" <<'PYEOF'
import datetime, fnmatch, glob, json, os, sys
from zoneinfo import ZoneInfo

root, q = sys.argv[1], json.loads(sys.argv[2])
interval, by, tz = q.get("interval", "day"), q.get("by", []), q.get("tz", "UTC")
zone = ZoneInfo(tz)

def when(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))

since = when(q["since"]) if "since" in q else None
until = when(q["until"]) if "until" in q else None

def nz(v):
    return v if isinstance(v, str) and v != "" else None

def dim(r, k):
    if k == "model":
        return nz((r.get("provider") or {}).get("model"))
    if k == "provider":
        return nz((r.get("provider") or {}).get("type"))
    if k == "project":
        return nz((r.get("project") or {}).get("name"))
    if k == "actor":
        return nz(r.get("actor"))
    if k == "status":
        return nz(r.get("status"))
    if k == "taskName":
        return nz(r.get("taskName")) or nz(os.path.basename(r.get("taskPath") or ""))
    if k == "taskType":
        return nz(r.get("taskType"))
    if k == "branch":
        p = r.get("project") or {}
        b = p["branch"] if p.get("branch") is not None else \
            (r.get("environment") or {}).get("ciBranch")
        return nz(b)
    if k.startswith("tag:"):
        v = (r.get("tags") or {}).get(k[4:])
        return v if isinstance(v, str) else None
    raise SystemExit("unknown key " + k)

def period(ts):
    l = ts.astimezone(zone)
    if interval == "hour":
        return l.strftime("%Y-%m-%dT%H")
    if interval == "day":
        return l.strftime("%Y-%m-%d")
    if interval == "week":
        y, w, _ = l.isocalendar()
        return "%04d-W%02d" % (y, w)
    if interval == "month":
        return l.strftime("%Y-%m")
    return None

groups = {}
for path in glob.glob(os.path.join(root, "*", "run-*.json")):
    with open(path, encoding="utf-8") as f:
        r = json.load(f)
    ts = when(r["timestamp"])
    if since and ts < since or until and ts > until:
        continue
    if "status" in q and r.get("status") != q["status"]:
        continue
    if "provider" in q and (r.get("provider") or {}).get("type") != q["provider"]:
        continue
    if "model" in q and not fnmatch.fnmatchcase((r.get("provider") or {}).get("model") or "",
                                                 q["model"]):
        continue
    if "task" in q:
        tp = r.get("taskPath") or ""
        if not (fnmatch.fnmatchcase(tp, q["task"]) or
                fnmatch.fnmatchcase(os.path.basename(tp), q["task"])):
            continue
    cost = r.get("cost") or {}
    cur = cost.get("currency") or "USD"
    key = (period(ts),) + tuple(dim(r, k) for k in by) + (cur,)
    g = groups.setdefault(key, {"runs": 0, "completed": 0, "blocked": 0, "failed": 0,
                                "input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0,
                                "total": 0, "cost": 0.0, "unpricedRuns": 0, "durationMs": 0.0})
    g["runs"] += 1
    st = r.get("status")
    if st in ("completed", "blocked", "failed"):
        g[st] += 1
    t = r.get("tokens")
    if t is not None:
        i, o = t.get("totalInput") or 0, t.get("totalOutput") or 0
        g["input"] += i
        g["output"] += o
        g["total"] += t["totalTokens"] if t.get("totalTokens") is not None else i + o
        g["cacheRead"] += t.get("cacheRead") or 0
        g["cacheWrite"] += t.get("cacheWrite") or 0
    if cost and cost.get("unpriced") is not True and cost.get("estimatedTotal") is not None:
        g["cost"] += cost["estimatedTotal"]
    else:
        g["unpricedRuns"] += 1
    g["durationMs"] += (r.get("timing") or {}).get("totalDurationMs") or 0

def sort_key(key):
    return tuple((1, "") if v is None else (0, v) for v in key)

rows = []
for key in sorted(groups, key=sort_key):
    g = groups[key]
    row = {}
    if interval != "none":
        row["period"] = key[0]
    for k, v in zip(by, key[1:-1]):
        row[k] = v
    row["currency"] = key[-1]
    for k in ("runs", "completed", "blocked", "failed"):
        row[k] = g[k]
    row["tokens"] = {"input": g["input"], "output": g["output"], "cacheRead": g["cacheRead"],
                     "cacheWrite": g["cacheWrite"], "total": g["total"],
                     "totalWithCache": g["total"] + g["cacheRead"] + g["cacheWrite"]}
    row["cost"] = g["cost"]
    row["unpricedRuns"] = g["unpricedRuns"]
    row["durationMs"] = g["durationMs"]
    rows.append(row)
json.dump({"interval": interval, "by": by, "tz": tz, "rows": rows}, sys.stdout)
PYEOF

# compare.py WANT GOT: the same document, costs within 1e-6 and durations within 0.1 (the
# server rounds them; the sums may be taken in another order).
cat >"$TMP/compare.py" <<'PYEOF'
import json, sys
want = json.load(open(sys.argv[1], encoding="utf-8"))
got = json.load(open(sys.argv[2], encoding="utf-8"))
def fail(msg):
    print("#   " + msg)
    sys.exit(1)
for k in ("interval", "by", "tz"):
    if want[k] != got[k]:
        fail("%s: want %r, got %r" % (k, want[k], got[k]))
if len(want["rows"]) != len(got["rows"]):
    fail("%d rows, want %d" % (len(got["rows"]), len(want["rows"])))
for i, (w, g) in enumerate(zip(want["rows"], got["rows"])):
    wc, gc = dict(w), dict(g)
    for k, tol in (("cost", 1.5e-6), ("durationMs", 0.11)):
        if abs(wc.pop(k) - gc.pop(k)) > tol * max(1.0, abs(w[k]) * 1e-9):
            fail("row %d %s: want %r, got %r (%r)" % (i, k, w[k], g[k], w))
    if wc != gc:
        fail("row %d: want %r\n#   got  %r" % (i, wc, gc))
print("# %d rows" % len(got["rows"]))
PYEOF

serve_start main --reports-dir "$RD" || finish

# stats_case NAME K=V...: GET /stats with these parameters, `aidf report stats --json` with
# the same options (--tz UTC when none is given: the server's default), and the Python
# computation: all three must agree.
stats_case() {
    local name=$1 kv k v qs='' qjson='{}' cli=(report stats --json --reports-dir "$RD")
    shift
    local tz=UTC
    for kv in "$@"; do
        k=${kv%%=*}
        v=${kv#*=}
        qs="$qs&$k=$(urlenc "$v")"
        case $k in
        by) qjson=$(jq -c --arg v "$v" '.by += ($v | split(","))' <<<"$qjson") ;;
        *) qjson=$(jq -c --arg k "$k" --arg v "$v" '.[$k] = $v' <<<"$qjson") ;;
        esac
        [ "$k" = tz ] && tz=$v
        cli+=("--$k" "$v")
    done
    qjson=$(jq -c --arg tz "$tz" '.tz = $tz | .by = (.by // [])' <<<"$qjson")
    [ "$tz" = UTC ] && [[ "$qs" != *"&tz="* ]] && cli+=(--tz UTC)
    req GET "/stats?${qs#&}"
    run "${cli[@]}"
    if [ "$STATUS" = 200 ] && [ "$RC" = 0 ] && cmp -s "$B" "$OUT"; then
        ok "$name: GET /stats = aidf report stats --json (same bytes)"
    else
        http_fail "$name: GET /stats = aidf report stats --json (same bytes)"
        diff "$OUT" "$B" | head -n 10 | sed 's/^/#   /'
    fi
    "$PY" "$TMP/stats.py" "$RD" "$qjson" >"$TMP/want.json" 2>"$TMP/py.err" ||
        sed 's/^/#   /' "$TMP/py.err"
    if "$PY" "$TMP/compare.py" "$TMP/want.json" "$B" >"$TMP/cmp.out" 2>&1; then
        ok "$name: equal to the Python computation ($(tr -d '# \n' <"$TMP/cmp.out"))"
    else
        not_ok "$name: equal to the Python computation"
        sed 's/^#*/#/' "$TMP/cmp.out" | head -n 12
    fi
}

stats_case "day by model in New York" interval=day by=model tz=America/New_York
stats_case "hour around the 25-hour day" interval=hour tz=America/New_York \
    since=2026-10-31T12:00:00Z until=2026-11-02T12:00:00Z
stats_case "day by project,tag:team in Berlin" interval=day by=project,tag:team tz=Europe/Berlin
stats_case "week by actor, failed runs" interval=week by=actor status=failed
stats_case "month by provider,status in Kolkata" interval=month by=provider,status \
    tz=Asia/Kolkata
stats_case "none by taskType,branch" interval=none by=taskType,branch
stats_case "day by tag:ticket,taskName, claude-cli" interval=day by=tag:ticket,taskName \
    provider=claude-cli tz=America/New_York
stats_case "week by model, model glob" interval=week by=model "model=gpt-*" tz=Europe/Berlin
stats_case "hour by currency only, task glob" interval=hour "task=*login*" tz=Australia/Lord_Howe
stats_case "default interval (day), no by" by=
stats_case "nothing matches" task=no-such-task by=model

# The DST days themselves (from the Python side too): New York's 2026-11-01 holds the edge
# runs from 04:00Z to 04:59:59.999Z of the next day, and 2026-03-08 ends at 03:59:59Z.
req GET "/stats?interval=day&tz=America/New_York&by=project&since=2026-03-01&until=2026-11-03"
hcheck "New York 2026-11-01 (25 h) has its 4 edge runs, 2026-10-31 one" \
    bjq '[.rows[] | select(.project == "edge/dst") | {(.period + .currency): .runs}] | add
         | .["2026-11-01USD"] + .["2026-11-01EUR"] == 4 and .["2026-10-31USD"] == 1'
hcheck "New York 2026-03-08 (23 h) has 2 edge runs, 2026-03-09 one" \
    bjq '[.rows[] | select(.project == "edge/dst") | {(.period + .currency): .runs}] | add
         | (.["2026-03-08USD"] // 0) + (.["2026-03-08EUR"] // 0) == 2
           and (.["2026-03-09USD"] // 0) + (.["2026-03-09EUR"] // 0) == 1'
req GET "/stats?interval=hour&tz=America/New_York&by=project&since=2026-11-01T05:00:00Z&until=2026-11-01T07:00:00Z"
hcheck "the repeated 01:00 hour in New York is one row of both runs" \
    bjq '[.rows[] | select(.project == "edge/dst")] as $r | ($r | map(.runs) | add) == 2
         and ($r | map(.period) | unique) == ["2026-11-01T01"]'
req GET "/stats?interval=day&tz=Europe/Berlin&by=actor&since=2026-10-24T20:00:00Z&until=2026-10-26T00:00:00Z"
hcheck "Berlin 2026-10-25 (25 h) has 4 edge runs, 2026-10-24 one, 2026-10-26 one" \
    bjq '[.rows[] | select(.actor == "edge")] | group_by(.period)
         | map({(.[0].period): (map(.runs) | add)}) | add
         == {"2026-10-24": 1, "2026-10-25": 4, "2026-10-26": 1}'
req GET "/stats?interval=week&by=actor&since=2026-12-01"
hcheck "ISO weeks at the year end: 2026-W53 then 2027-W01" \
    bjq '[.rows[] | select(.actor == "edge") | .period] == ["2026-W53", "2027-W01"]'
req GET "/stats?interval=day&by=model&tz=America/New_York&since=2026-11-02T04:59:59.999Z&until=2026-11-02T04:59:59.999Z"
hcheck "a hostile model name is one escaped JSON string" \
    bjq '(.rows | length) == 1 and .rows[0].model == "evil\u001b[31m\u202e\u0085\"x\\y"
         and .rows[0].period == "2026-11-01"'
check "no raw ESC, C1 or bidi control in the body" \
    bash -c "! LC_ALL=C grep -qaP '\\x1b|\\xc2\\x85|\\xe2\\x80\\xae' '$B'"

# --- defaults, the CLI's local zone and the shorthands --------------------------------------------
req GET /stats
hcheck "no parameters: interval day, no by, tz UTC" \
    bjq '.interval == "day" and .by == [] and .tz == "UTC" and (.rows | length) > 10'
TZ=Europe/Berlin run report stats --json --reports-dir "$RD"
req GET "/stats?tz=Europe/Berlin"
check "the CLI's default zone is the local one (TZ)" cmp -s "$OUT" "$B"
TZ=:America/New_York run report daily --breakdown --json --reports-dir "$RD"
req GET "/stats?interval=day&by=model&tz=America/New_York"
check "report daily --breakdown = interval=day&by=model" cmp -s "$OUT" "$B"
run report monthly --json --tz Asia/Tokyo --by actor --breakdown --reports-dir "$RD"
req GET "/stats?interval=month&by=model,actor&tz=Asia/Tokyo"
check "report monthly --breakdown --by actor = interval=month&by=model,actor" cmp -s "$OUT" "$B"
run report stats --interval week --by model --by tag:team --tz UTC --json --reports-dir "$RD"
req GET "/stats?interval=week&by=model&by=tag:team"
check "--by repeated = by repeated" cmp -s "$OUT" "$B"

# CSV: a header and one record per row, the same figures.
run report stats --interval month --by project --tz UTC --csv - --reports-dir "$RD"
req GET "/stats?interval=month&by=project"
check "--csv -: header then one record per row" \
    [ "$(head -n 1 "$OUT" | tr -d '\r')" = "period,project,currency,runs,completed,blocked,failed,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,total_tokens,total_with_cache_tokens,cost,unpriced_runs,duration_ms" ] \
    && [ "$(($(wc -l <"$OUT") - 1))" = "$(jq '.rows | length' "$B")" ]
check "--csv - runs column sums to the JSON's" \
    [ "$(tail -n +2 "$OUT" | awk -F, '{s += $4} END {print s}')" = "$(jq '[.rows[].runs] | add' "$B")" ]
run report stats --interval month --tz UTC --csv "$TMP/s.csv" --reports-dir "$RD"
check "--csv PATH writes the file and the table" \
    bash -c "[ '$RC' = 0 ] && [ -s '$TMP/s.csv' ] && grep -q '^Wrote ' '$OUT' && grep -q PERIOD '$OUT'"
run report stats --tz UTC --reports-dir "$RD" --by model --since 2026-11-05
check "the table has a bar per row and a total per currency" \
    bash -c "[ '$RC' = 0 ] && grep -q '█' '$OUT' && grep -q '^Total.*EUR' '$OUT' && grep -q '^Total.*USD' '$OUT'"
check "no colours when not on a terminal" no_escapes

# --- the cache follows the store ------------------------------------------------------------------
q="/stats?interval=day&by=model&tz=America/New_York&since=2026-11-06"
req GET "$q"
cp "$B" "$TMP/before.json"
req GET "$q"
check "a repeated query gives the same body (cached)" cmp -s "$B" "$TMP/before.json"
jq '.runId = "170ed9e0-9999-4000-8000-000000009999" | .timestamp = "2026-11-06T15:00:00Z"
    | .provider.model = "posted-model"' "$SRC" >"$TMP/post.json"
post_file "$TMP/post.json"
check "POST a run -> 201" [ "$STATUS" = 201 ]
req GET "$q"
hcheck "after the POST the series has the new run" \
    bjq '[.rows[] | select(.model == "posted-model")] | length == 1'
run report stats --json --reports-dir "$RD" --interval day --by model --tz America/New_York \
    --since 2026-11-06
check "and still equals the CLI" cmp -s "$OUT" "$B"

# --- malformed and hostile parameters ---------------------------------------------------------------
bad_stats() {
    local name=$1 query=$2 want=${3:-}
    req GET "/stats?$query"
    if [ "$STATUS" = 400 ] && bjq '.error.code == "invalid_parameter"' &&
        { [ -z "$want" ] || bjq '.error.message | contains($w)' --arg w "$want"; }; then
        ok "GET /stats?$name -> 400 invalid_parameter"
    else
        http_fail "GET /stats?$name -> 400 invalid_parameter${want:+ ($want)}"
    fi
}
bad_stats "tz=../../etc/passwd" "tz=..%2F..%2Fetc%2Fpasswd" "invalid time zone name"
bad_stats "tz=/etc/passwd" "tz=%2Fetc%2Fpasswd" "invalid time zone name"
bad_stats "tz=America (a directory)" "tz=America" "unknown time zone"
bad_stats "tz=Nowhere/Zone" "tz=Nowhere/Zone" "unknown time zone"
bad_stats "tz=zone.tab (not a zone file)" "tz=zone.tab" "invalid time zone name"
bad_stats "tz= (empty)" "tz=" "tz"
bad_stats "tz twice" "tz=UTC&tz=UTC" "given more than once"
bad_stats "tz=UTC%00x" "tz=UTC%00x" "invalid time zone name"
bad_stats "interval=year" "interval=year" "invalid interval"
bad_stats "interval=Day" "interval=Day" "invalid interval"
bad_stats "by=colour" "by=colour" "unknown by key 'colour'"
bad_stats "by=currency" "by=currency" "always split by currency"
bad_stats "by=model,model" "by=model,model" "given more than once"
bad_stats "by=model&by=model" "by=model&by=model" "given more than once"
bad_stats "by=9 keys" "by=model,provider,project,actor,status,taskName,taskType,branch,tag:x" \
    "too many by keys"
bad_stats "by=tag:a/b" "by=tag:a%2Fb" "tag key"
bad_stats "by=tag:<65 chars>" "by=tag:$(printf 'k%.0s' {1..65})"
huge=$(printf 'model,%.0s' {1..2000})
bad_stats "by=<2000 keys>" "by=$huge" "given more than once"
many=$(printf 'by=model&%.0s' {1..200})
bad_stats "200 by parameters" "${many%&}" "too many query parameters"
bad_stats "limit (not a /stats parameter)" "limit=5" "unknown parameter 'limit'"
bad_stats "unknown parameter" "colour=red" "unknown parameter"
bad_stats "bad filter" "status=bogus"
expect_http 405 "POST /stats -> 405" POST /stats -H 'Content-Type: application/json' --data '{}'
check "405 names the allowed methods" [ "$(hdr Allow)" = "GET, HEAD, OPTIONS" ]
check "the server still answers" healthy

expect 2 "report stats --tz ../../etc/passwd exits 2" report stats --tz ../../etc/passwd \
    --reports-dir "$RD"
check "it says why" err_has "invalid time zone name"
expect 2 "report stats --by colour exits 2" report stats --by colour --reports-dir "$RD"
check "it lists the keys" err_has "taskName"
expect 2 "report stats --interval year exits 2" report stats --interval year --reports-dir "$RD"
expect 2 "report daily takes no --interval" report daily --interval month --reports-dir "$RD"
expect 2 "--json with --csv - exits 2" report stats --json --csv - --reports-dir "$RD"
TZ=Nowhere/Zone run report stats --json --reports-dir "$RD"
check "a bad TZ falls back to UTC with a warning" \
    bash -c "[ '$RC' = 0 ] && grep -q 'unknown time zone' '$ERR' && jq -e '.tz == \"UTC\"' '$OUT' >/dev/null"

serve_stop main
openapi_finish
finish
