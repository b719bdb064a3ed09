#!/usr/bin/env bash
# aidf serve: the read API against the CLI on the same directory. /healthz; /runs with every
# filter, limit/offset and cursor paging, bad parameters; /runs/{id} by full id and prefix,
# 404, 409 ambiguous with candidates, 400 invalid ids; /summary (and /stats) equal to
# `aidf report summary --json`; /export.csv equal to `aidf report export --csv -` (also
# detailed=1); HEAD; 405 with Allow; unknown paths. Every response is checked against
# api/openapi.yaml, and at the end every operation of the spec must have been exercised.
#
# Usage: t110-serve-api.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

dir=$TMP/reports
cp -r "$DATA/reportdirs/small" "$dir"
# A run priced in EUR: /summary and the CLI must agree on costByCurrency too.
mkdir -p "$dir/2026-11-21"
cp "$DATA/reports/valid/cost-eur.json" "$dir/2026-11-21/run-e0a1b2c3.json"
GEN=$BUILD/aidf-gen-reports
if [ -x "$GEN" ]; then
    # Recent runs (relative filters) with many providers and models; --now is the current
    # time so that "7d" means something.
    "$GEN" --dir "$dir" --count 40 --seed 11 --days 20 2>/dev/null ||
        not_ok "aidf-gen-reports failed"
else
    missing "aidf-gen-reports not built: only the 6 hand-written fixtures"
fi
nfiles=$(find "$dir" -name 'run-*.json' -type f | wc -l | tr -d ' ')

# The contract itself: api/openapi.yaml is a valid OpenAPI 3.1 document whose endpoints and
# error codes are those of docs/serve.md.
if "$PY" -c 'import yaml, jsonschema' 2>/dev/null; then
    if "$PY" "$CHECKER" --spec "$SPEC" lint --doc "$SRC_DIR/docs/serve.md" >"$TMP/lint.out" 2>&1; then
        ok "api/openapi.yaml lints and agrees with docs/serve.md"
    else
        not_ok "api/openapi.yaml lints and agrees with docs/serve.md"
        sed 's/^/#   /' "$TMP/lint.out"
    fi
fi

serve_start main --reports-dir "$dir" || finish

# urlq K=V...: a query string with the values percent-encoded.
urlq() {
    local s='' kv k v
    for kv in "$@"; do
        k=${kv%%=*}
        v=${kv#*=}
        s="$s&$k=$(urlenc "$v")"
    done
    [ -n "$s" ] && printf '?%s' "${s#&}"
}
# cliargs K=V...: the same filters as aidf options (into the array CLIARGS).
cliargs() {
    local kv
    CLIARGS=()
    for kv in "$@"; do
        CLIARGS+=("--${kv%%=*}" "${kv#*=}")
    done
}

# --- /healthz -------------------------------------------------------------------------------
expect_http 200 "GET /healthz" GET /healthz
version=$("$AIDF" --version | awk '{print $2}')
hcheck "healthz body" bjq '.status == "ok" and .version == $v and .runs == ($n | tonumber)' \
    --arg v "$version" --arg n "$nfiles"
hcheck "healthz is JSON utf-8" [ "$(hdr Content-Type)" = "application/json; charset=utf-8" ]
expect_http 200 "HEAD /healthz" HEAD /healthz
check "HEAD /healthz sends no body" [ "$(head_body_bytes /healthz)" = 0 ]

# --- /runs: default page ------------------------------------------------------------------------
run report list --json --limit 0 --reports-dir "$dir"
cp "$OUT" "$TMP/all.json"
expect_http 200 "GET /runs" GET /runs
hcheck "GET /runs: total, limit 20, offset 0" \
    bjq '.total == ($n | tonumber) and .limit == 20 and .offset == 0' --arg n "$nfiles"
hcheck "GET /runs: the 20 newest, as aidf report list --json prints them" \
    bjq '.runs == ($all[0].runs[0:20])' --slurpfile all "$TMP/all.json"
if [ "$nfiles" -gt 20 ]; then
    hcheck "GET /runs: nextCursor when there is more" bjq '(.nextCursor | type) == "string"'
fi
hcheck "GET /runs: newest first" bjq '[.runs[].timestamp] == ([.runs[].timestamp] | sort | reverse)'

# --- /runs: filters (against aidf report list --json) -----------------------------------------
filter_case() {
    local name=$1
    shift
    cliargs "$@"
    run report list --json --limit 0 --reports-dir "$dir" "${CLIARGS[@]}"
    cp "$OUT" "$TMP/cli.json"
    req GET "/runs$(urlq "$@" limit=1000)"
    if [ "$STATUS" = 200 ] && jq -e --slurpfile c "$TMP/cli.json" \
        '.total == $c[0].total and .runs == $c[0].runs and .limit == 1000 and .nextCursor == null' \
        "$B" >/dev/null 2>&1; then
        ok "GET /runs $name = aidf report list ($(jq .total "$TMP/cli.json") runs)"
    else
        http_fail "GET /runs $name = aidf report list (cli total $(jq .total "$TMP/cli.json"))"
    fi
}
FILTERS=(
    "status=failed|status=failed"
    "status=completed|status=completed"
    "status=blocked|status=blocked"
    "provider=claude-cli|provider=claude-cli"
    "provider=cursor-cli|provider=cursor-cli"
    "model=claude-*|model=claude-*"
    "model=gpt-4o|model=gpt-4o"
    "task=*login*|task=*login*"
    "task=basename|task=001-add-login.md"
    "since=date|since=2026-11-19"
    "until=bare date (whole day)|until=2026-11-18"
    "since+until one day|since=2026-11-19|until=2026-11-19"
    "since=timestamp|since=2026-11-19T12:00:00Z"
    "since=timestamp+02:00|since=2026-11-19T12:00:00+02:00"
    "since=7d|since=7d"
    "since=24h|since=24h"
    "since=2w|since=2w"
    "until=3d|until=3d"
    "combined|status=completed|provider=claude-cli|since=2026-11-18"
    "nothing matches|task=no-such-task"
)
for f in "${FILTERS[@]}"; do
    IFS='|' read -r -a parts <<<"$f"
    filter_case "${parts[0]}" "${parts[@]:1}"
done

# --- /runs: paging with limit/offset --------------------------------------------------------------
total=$(jq .total "$TMP/all.json")
pages=$TMP/pages.json
: >"$pages"
offset=0
bad=0
for ((i = 0; i < 20 && offset < total; i++)); do
    req GET "/runs?limit=7&offset=$offset"
    if [ "$STATUS" != 200 ] || ! bjq '.limit == 7 and .offset == ($o | tonumber) and .total == ($t | tonumber)' \
        --arg o "$offset" --arg t "$total"; then
        bad=1
        http_fail "GET /runs?limit=7&offset=$offset"
        break
    fi
    jq -c '.runs[]' "$B" >>"$pages"
    offset=$((offset + 7))
done
check "limit/offset pages concatenate to the whole list" \
    [ "$bad:$(jq -s -c . "$pages")" = "0:$(jq -c .runs "$TMP/all.json")" ]
expect_http 200 "offset past the end" GET "/runs?offset=$((total + 5))"
hcheck "offset past the end: empty page, total kept" \
    bjq '.runs == [] and .total == ($t | tonumber) and .nextCursor == null' --arg t "$total"
expect_http 200 "limit=1000" GET "/runs?limit=1000"
hcheck "limit=1000: all runs, no cursor" bjq '(.runs | length) == ($t | tonumber) and .nextCursor == null' --arg t "$total"
expect_http 200 "limit=1" GET "/runs?limit=1&status=failed"
hcheck "limit=1: one run" bjq '(.runs | length) == 1 and .limit == 1'

# --- /runs: cursor paging ------------------------------------------------------------------------
: >"$pages"
cursor=
bad=0
seen=0
for ((i = 0; i < 20; i++)); do
    if [ -z "$cursor" ]; then
        req GET "/runs?limit=7"
    else
        req GET "/runs$(urlq limit=7 "cursor=$cursor")"
    fi
    if [ "$STATUS" != 200 ] || ! bjq '.limit == 7 and .total == ($t | tonumber)' --arg t "$total"; then
        bad=1
        http_fail "cursor page $i"
        break
    fi
    jq -c '.runs[]' "$B" >>"$pages"
    seen=$((seen + 1))
    cursor=$(jq -r '.nextCursor // empty' "$B")
    [ -n "$cursor" ] || break
done
check "cursor pages concatenate to the whole list ($seen pages)" \
    [ "$bad:$(jq -s -c . "$pages")" = "0:$(jq -c .runs "$TMP/all.json")" ]
check "cursor paging took ceil(total/7) pages" [ "$seen" = $(((total + 6) / 7)) ]
# A cursor with filters: the second page of the failed runs.
run report list --json --limit 0 --status failed --reports-dir "$dir"
cp "$OUT" "$TMP/failed.json"
req GET "/runs?status=failed&limit=1"
cursor=$(jq -r '.nextCursor // empty' "$B")
if [ -n "$cursor" ]; then
    expect_http 200 "cursor with a filter" GET "/runs$(urlq status=failed limit=1 "cursor=$cursor")"
    hcheck "cursor with a filter: the second failed run" \
        bjq '.runs == $f[0].runs[1:2]' --slurpfile f "$TMP/failed.json"
else
    not_ok "a nextCursor for status=failed&limit=1 ($(jq .total "$TMP/failed.json") failed runs)"
fi

# --- /runs: bad parameters ------------------------------------------------------------------------
bad_param() {
    local param=$1 query=$2
    req GET "/runs?$query"
    if [ "$STATUS" = 400 ] && err_code invalid_parameter &&
        jq -e --arg p "$param" '.error.message | contains($p)' "$B" >/dev/null 2>&1; then
        ok "GET /runs?$query -> 400 invalid_parameter naming $param"
    else
        http_fail "GET /runs?$query -> 400 invalid_parameter naming $param"
    fi
}
bad_param limit "limit=0"
bad_param limit "limit=1001"
bad_param limit "limit=abc"
bad_param limit "limit=-3"
bad_param limit "limit=20x"
bad_param offset "offset=-1"
bad_param offset "offset=x"
bad_param status "status=bogus"
bad_param since "since=not-a-date"
bad_param until "until=2026-13-45"
bad_param since "since=7x"
bad_param cursor "cursor=%21%21not-a-cursor%21%21"
c1=$(curl -s --max-time "$(tmo 5)" "$BASE/runs?limit=2" | jq -r '.nextCursor // empty')
[ -n "$c1" ] && bad_param cursor "$(urlq "cursor=$c1" offset=2 | cut -c2-)"
for ep in /summary /export.csv /stats; do
    req GET "$ep?status=bogus"
    hcheck "GET $ep?status=bogus -> 400 invalid_parameter" \
        bash -c "[ '$STATUS' = 400 ] && jq -e '.error.code == \"invalid_parameter\"' '$B' >/dev/null"
    req GET "$ep?since=yesterday-ish"
    hcheck "GET $ep?since=yesterday-ish -> 400 invalid_parameter" \
        bash -c "[ '$STATUS' = 400 ] && jq -e '.error.code == \"invalid_parameter\"' '$B' >/dev/null"
done

# --- /runs/{id} -----------------------------------------------------------------------------------
small=$DATA/reportdirs/small
full=$(jq -r .runId "$small/2026-11-20/run-0f1e2d3c.json")
expect_http 200 "GET /runs/<full id>" GET "/runs/$full"
check "GET /runs/<full id> is the file as stored" cmp -s "$B" "$small/2026-11-20/run-0f1e2d3c.json"
expect_http 200 "GET /runs/<8-char prefix>" GET "/runs/${full:0:8}"
check "GET /runs/<prefix> is the file as stored" cmp -s "$B" "$small/2026-11-20/run-0f1e2d3c.json"
expect_http 200 "GET /runs/<4-char prefix>" GET "/runs/${full:0:4}"
check "GET /runs/<4-char prefix> is the file" cmp -s "$B" "$small/2026-11-20/run-0f1e2d3c.json"
expect_http 200 "GET /runs/<13-char prefix with ->" GET "/runs/${full:0:13}"
expect_http 200 "HEAD /runs/<id>" HEAD "/runs/$full"
hcheck "HEAD /runs/<id>: JSON type" grep -qi '^content-type: application/json; charset=utf-8' "$H"
check "HEAD /runs/<id> sends no body" [ "$(head_body_bytes "/runs/$full")" = 0 ]
# Every hand-written fixture by its id.
bad=0
for f in "$small"/*/run-*.json; do
    id=$(jq -r .runId "$f")
    req GET "/runs/$id"
    if [ "$STATUS" != 200 ] || ! cmp -s "$B" "$f"; then bad=$((bad + 1)); fi
done
check "every fixture served byte for byte by its id" [ "$bad" = 0 ]

a1=$(jq -r .runId "$small/2026-11-18/run-a1b2c3d4.json")
a2=$(jq -r .runId "$small/2026-11-18/run-a1b2ffff.json")
expect_http 409 "GET /runs/a1b2 (two runs) -> 409" GET /runs/a1b2
hcheck "409 ambiguous_id with both candidates" \
    bjq '.error.code == "ambiguous_id" and (.error.candidates | sort) == ([$a, $b] | sort)' \
    --arg a "$a1" --arg b "$a2"
expect_http 409 "GET /runs/<1-char prefix shared by many> -> 409" GET /runs/a
hcheck "candidates are at most 20 run ids starting with the prefix" \
    bjq '.error.code == "ambiguous_id" and (.error.candidates | length) >= 2 and (.error.candidates | length) <= 20 and all(.error.candidates[]; startswith("a"))'
expect_http 404 "GET /runs/ffffffff -> 404" GET /runs/ffffffff
hcheck "404 not_found" err_code not_found
expect_http 404 "GET /runs/<full unknown id> -> 404" GET /runs/00000000-0000-4000-8000-000000000000
hcheck "404 not_found" err_code not_found
for bad_id in zz 'a1b2c3d4.json' '..' '..%2f..%2fetc%2fpasswd' '%2e%2e' 'a1b2%00' \
    'a1b2c3d4-0000-0000-0000-0000000000000' "$(printf 'a%.0s' $(seq 1 40))" 'a%20b' '%2fetc' \
    'A1B2G3'; do
    expect_http 400 "GET /runs/$bad_id -> 400" GET "/runs/$bad_id"
    hcheck "GET /runs/$bad_id: invalid_id" err_code invalid_id
done

# --- /summary = aidf report summary --json ----------------------------------------------------------
summary_case() {
    local name=$1
    shift
    cliargs "$@"
    run report summary --json --reports-dir "$dir" "${CLIARGS[@]}"
    req GET "/summary$(urlq "$@")"
    if [ "$STATUS" = 200 ] && [ "$RC" = 0 ] && jq -e --slurpfile c "$OUT" '. == $c[0]' "$B" >/dev/null 2>&1; then
        ok "GET /summary $name = aidf report summary --json"
    else
        http_fail "GET /summary $name = aidf report summary --json"
        diff <(jq -S . "$OUT" 2>&1) <(jq -S . "$B" 2>&1) | head -n 20 | sed 's/^/#   /'
    fi
}
summary_case "(no filter)"
summary_case "status=failed" status=failed
summary_case "provider=claude-cli" provider=claude-cli
summary_case "model=claude-*" "model=claude-*"
summary_case "task=*login*" "task=*login*"
summary_case "since+until one day" since=2026-11-19 until=2026-11-19
summary_case "since=timestamp+02:00" since=2026-11-19T12:00:00+02:00
summary_case "combined" status=completed provider=claude-cli since=2026-11-18
summary_case "nothing matches" task=no-such-task
summary_case "since=7d" since=7d
summary_case "task=*euro* (one currency, EUR)" "task=*euro*"
req GET "/summary"
hcheck "GET /summary: USD and EUR are never added" jq -e '
    .costByCurrency.EUR.pricedRuns >= 1 and .costByCurrency.EUR.total >= 4.5 and
    (.costByCurrency | keys) == ["EUR", "USD"] and .cost.total == .costByCurrency[.cost.currency].total' "$B"
req GET "/summary?task=*euro*"
hcheck "GET /summary?task=*euro*: cost in EUR, no costByCurrency" \
    jq -e '.cost.currency == "EUR" and .cost.total == 4.5 and (has("costByCurrency") | not)' "$B"
expect_http 200 "HEAD /summary" HEAD /summary
check "HEAD /summary sends no body" [ "$(head_body_bytes /summary)" = 0 ]

# --- /stats = aidf report stats --json (t170 checks it in depth) ------------------------------------
run report stats --json --reports-dir "$dir" --tz UTC --by model --status completed
req GET "/stats?by=model&status=completed"
hcheck "GET /stats?by=model&status=completed = aidf report stats --json --tz UTC" \
    bash -c "[ '$STATUS' = 200 ] && [ '$RC' = 0 ] && cmp -s '$B' '$OUT'"
expect_http 200 "HEAD /stats" HEAD /stats

# --- /export.csv = aidf report export --csv - --------------------------------------------------------
csv_case() {
    local name=$1 detailed=$2
    shift 2
    cliargs "$@"
    local q extra=()
    if [ "$detailed" = 1 ]; then
        extra=(--detailed)
        q=$(urlq "$@" detailed=1)
    else
        q=$(urlq "$@")
    fi
    "$AIDF" report export --csv - "${extra[@]}" --reports-dir "$dir" "${CLIARGS[@]}" >"$TMP/cli.csv" 2>"$ERR"
    req GET "/export.csv$q"
    local fn=aidf-runs.csv
    [ "$detailed" = 1 ] && fn=aidf-runs-detailed.csv
    if [ "$STATUS" = 200 ] && cmp -s "$TMP/cli.csv" "$B"; then
        ok "GET /export.csv$q = aidf report export ($name)"
    else
        http_fail "GET /export.csv$q = aidf report export ($name)"
        diff "$TMP/cli.csv" "$B" | head -n 6 | sed 's/^/#   /'
    fi
    hcheck "GET /export.csv$q: text/csv and attachment $fn" bash -c "
        grep -qi '^content-type: text/csv; charset=utf-8' '$H' &&
        grep -qi '^content-disposition: attachment; filename=\"$fn\"' '$H'"
}
csv_case "all" 0
csv_case "failed" 0 status=failed
csv_case "claude models since 2026-11-18" 0 model=claude-* since=2026-11-18
csv_case "nothing" 0 task=no-such-task
req GET "/export.csv?task=*euro*"
hcheck "GET /export.csv: the EUR run's currency, project and actor columns" \
    grep -qF ',20000,500,EUR,acme/billing,marie@example.eu,24500' "$B"
csv_case "detailed" 1
csv_case "detailed, completed" 1 status=completed
expect_http 200 "detailed=0 is the plain export" GET "/export.csv?detailed=0"
check "detailed=0 = aidf report export" bash -c "'$AIDF' report export --csv - --reports-dir '$dir' | cmp -s - '$B'"
expect_http 200 "HEAD /export.csv" HEAD /export.csv
hcheck "HEAD /export.csv: Content-Disposition" grep -qi '^content-disposition: attachment' "$H"
check "HEAD /export.csv sends no body" [ "$(head_body_bytes /export.csv?detailed=1)" = 0 ]
expect_http 200 "HEAD /runs" HEAD "/runs?status=failed"
check "HEAD /runs sends no body" [ "$(head_body_bytes '/runs?status=failed')" = 0 ]

# --- POST (details in t120; here for the coverage of the contract) -------------------------------------
new=$TMP/new.json
report_with_id "$DATA/reports/valid/completed-claude-cli.json" \
    "c0ffee00-1111-4222-8333-444455556666" "2026-11-21T10:00:00Z" "$new"
post_file "$new"
hcheck "POST /runs -> 201" [ "$STATUS" = 201 ]
expect_http 200 "the posted run is served" GET /runs/c0ffee00
check "the posted run is served as posted (semantically)" \
    bash -c "jq -S . '$new' | cmp -s - <(jq -S . '$B')"
expect_http 200 "healthz counts the new run" GET /healthz
hcheck "healthz runs = files + 1" bjq '.runs == ($n | tonumber) + 1' --arg n "$nfiles"

# --- 405 and unknown paths --------------------------------------------------------------------------------
wrong_method() {
    local method=$1 path=$2 allow=$3
    req "$method" "$path"
    local got
    got=$(hdr Allow | tr -d ' ' | tr ',' '\n' | sort | tr '\n' ',')
    if [ "$STATUS" = 405 ] && err_code method_not_allowed && [ "$got" = "$allow" ]; then
        ok "$method $path -> 405 with Allow"
    else
        http_fail "$method $path -> 405 method_not_allowed, Allow $allow (got Allow '$(hdr Allow)')"
    fi
}
wrong_method DELETE /runs "GET,HEAD,OPTIONS,POST,"
wrong_method PUT /runs "GET,HEAD,OPTIONS,POST,"
wrong_method POST /summary "GET,HEAD,OPTIONS,"
wrong_method DELETE "/runs/$full" "GET,HEAD,OPTIONS,"
wrong_method POST "/runs/$full" "GET,HEAD,OPTIONS,"
wrong_method POST /healthz "GET,HEAD,OPTIONS,"
wrong_method PATCH /export.csv "GET,HEAD,OPTIONS,"
wrong_method POST /openapi.yaml "GET,HEAD,OPTIONS,"

# OPTIONS on every path (no --cors-origin here: a plain OPTIONS gets 204 with Allow, a
# preflight 403 origin_not_allowed); t180 tests CORS itself. GET /openapi.yaml is the file.
for p in /healthz /runs "/runs/$full" /summary /export.csv /stats /openapi.yaml / /assets/x.js; do
    expect_http 204 "OPTIONS $p -> 204" OPTIONS "$p"
    hcheck "OPTIONS $p: Allow names OPTIONS" bash -c "grep -qi '^Allow: .*OPTIONS' '$H'"
    expect_http 403 "preflight OPTIONS $p without --cors-origin -> 403" OPTIONS "$p" \
        -H 'Origin: https://elsewhere.example' -H 'Access-Control-Request-Method: GET'
    hcheck "preflight $p: origin_not_allowed, no CORS header" \
        bash -c "jq -e '.error.code == \"origin_not_allowed\"' '$B' >/dev/null && ! grep -qi '^Access-Control-' '$H'"
done
expect_http 200 "GET /openapi.yaml -> 200" GET /openapi.yaml
check "GET /openapi.yaml is api/openapi.yaml" cmp -s "$B" "$SPEC"
# The dashboard (t190 tests it in depth): the page, one of its files, the endpoint index.
expect_http 200 "GET / -> the dashboard's page" GET /
asset=$(grep -o -m1 '/assets/[^"]*\.js' "$B")
expect_http 200 "GET $asset -> 200" GET "$asset"
expect_http 404 "GET /assets/nope.js -> 404" GET /assets/nope.js
expect_http 200 "GET / (Accept: application/json) -> the endpoint index" GET / -H 'Accept: application/json'
for p in /nope /api/runs /summary/x /export.json /healthz/ /RUNS /runs.json /index.html; do
    expect_http 404 "GET $p -> 404" GET "$p"
    hcheck "GET $p: not_found" err_code not_found
done
# A path below a run: an unknown path (404) by the spec's templates; a server that takes all
# of the rest as the id answers 400 invalid_id. Either way, never the run.
NOCHECK=1 req GET "/runs/${full:0:8}/extra"
hcheck "GET /runs/<id>/extra -> 404 not_found or 400 invalid_id" \
    bash -c "{ [ '$STATUS' = 404 ] && jq -e '.error.code == \"not_found\"' '$B'; } ||
             { [ '$STATUS' = 400 ] && jq -e '.error.code == \"invalid_id\"' '$B'; }" >/dev/null

# --- the CLI and the server agree on the directory afterwards ----------------------------------------
expect 0 "aidf report list --json over the served directory" report list --json --limit 0 --reports-dir "$dir"
check "the CLI sees the posted run" jq_ok '.total == ($n | tonumber) + 1' --arg n "$nfiles"
check "the server is still healthy" healthy

openapi_finish coverage
serve_stop main
finish
