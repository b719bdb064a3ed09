#!/usr/bin/env bash
# The HTTP that dashboards and scripts need, with curl against live servers: CORS (allowed
# and other origins, `*` for reads only, preflights, none by default), gzip (q-values,
# sizes, Vary, the streamed CSV, cached answers), ETag/304 on every endpoint (a POST
# changes the tags of /summary and /runs), `Link: rel="next"` followed to the end in every
# sort order (each run once, in the order Python finds in the report files), GET
# /openapi.yaml, query strings in the access log (secrets redacted), HEAD everywhere, and
# hostile headers. Every response is checked against api/openapi.yaml.
#
# Usage: t180-serve-http.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

GEN=$BUILD/aidf-gen-reports
[ -x "$GEN" ] || skip_test "aidf-gen-reports not built"
RD=$TMP/reports
"$GEN" --dir "$RD" --count 400 --seed 180 --days 12 --now 2026-11-06T12:00:00Z \
    2>"$TMP/gen.log" || {
    not_ok "aidf-gen-reports failed: $(head -3 "$TMP/gen.log")"
    finish
}
# Ties and gaps for the orders: runs with the same time, cost, tokens and duration (ties go
# by run id), unpriced runs (last in both directions) and a run without token figures.
SRC=$DATA/reports/valid/completed-claude-cli.json
for n in 1 2 3 4 5 6 7 8 9; do
    id=$(printf '180e%04x-0000-4000-8000-%012d' "$((10 - n))" "$n")
    mkdir -p "$RD/2026-11-01"
    jq --arg id "$id" --argjson n "$n" '.runId = $id | .timestamp = "2026-11-01T10:00:00Z"
        | .tokens.totalTokens = 5000 | .timing.totalDurationMs = 60000
        | if $n <= 3 then .cost.unpriced = true
          elif $n <= 6 then .cost.estimatedTotal = 0.5 | .cost.unpriced = false
          else del(.tokens) end' "$SRC" >"$RD/2026-11-01/run-${id:0:8}.json"
done

serve_start main --reports-dir "$RD" --cors-origin https://dash.example \
    --cors-origin http://localhost:3000 || finish
MAIN=$BASE
LOG=${SRV_LOG[main]}
nruns=$(find "$RD" -name 'run-*.json' | wc -l)
check "the server indexed every report" [ "$(curl -s "$BASE/healthz" | jq .runs)" = "$nruns" ]

# ---- CORS ------------------------------------------------------------------------------
req GET /summary -H 'Origin: https://dash.example'
hcheck "allowed origin: Access-Control-Allow-Origin echoes it" \
    [ "$(hdr Access-Control-Allow-Origin)" = https://dash.example ]
hcheck "allowed origin: Vary names Origin" bash -c "grep -qi '^Vary: .*Origin' '$H'"
hcheck "allowed origin: ETag and Link are exposed" \
    bash -c "grep -qi '^Access-Control-Expose-Headers: .*ETag.*Link' '$H'"
hcheck "never Allow-Credentials" bash -c "! grep -qi '^Access-Control-Allow-Credentials' '$H'"
req GET /summary -H 'Origin: https://evil.example'
hcheck "other origin: no CORS header, still Vary: Origin" \
    bash -c "! grep -qi '^Access-Control-' '$H' && grep -qi '^Vary: .*Origin' '$H'"
req GET /summary -H 'Origin: https://dash.example.evil'
hcheck "a longer origin is another origin" bash -c "! grep -qi '^Access-Control-' '$H'"

expect_http 204 "preflight POST /runs from an allowed origin -> 204" OPTIONS /runs \
    -H 'Origin: http://localhost:3000' -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: authorization, content-type'
hcheck "preflight: Allow-Origin, -Methods with POST, -Headers, Max-Age" bash -c "
    grep -qi '^Access-Control-Allow-Origin: http://localhost:3000' '$H' &&
    grep -qi '^Access-Control-Allow-Methods: .*POST' '$H' &&
    grep -qi '^Access-Control-Allow-Headers: .*Authorization.*Content-Type' '$H' &&
    grep -qi '^Access-Control-Max-Age: [0-9]' '$H'"
hcheck "preflight: no body" [ ! -s "$B" ]
expect_http 204 "preflight GET /runs/{id} -> 204" OPTIONS /runs/180e0001 \
    -H 'Origin: https://dash.example' -H 'Access-Control-Request-Method: GET'
expect_http 403 "preflight from another origin -> 403" OPTIONS /summary \
    -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: GET'
hcheck "refused preflight: origin_not_allowed and no CORS header" \
    bash -c "jq -e '.error.code == \"origin_not_allowed\"' '$B' >/dev/null && ! grep -qi '^Access-Control-' '$H'"
expect_http 403 "preflight for a method the path does not take -> 403" OPTIONS /summary \
    -H 'Origin: https://dash.example' -H 'Access-Control-Request-Method: DELETE'
expect_http 404 "OPTIONS on an unknown path -> 404" OPTIONS /nope \
    -H 'Origin: https://dash.example' -H 'Access-Control-Request-Method: GET'

# `*`: any origin reads, nobody writes; preflights need no token even with --auth-reads.
# (its own copy of the reports: it stores a POST, which the main server must not see)
cp -r "$RD" "$TMP/reports-star"
AIDF_SERVER_TOKEN=t0ken serve_start star --reports-dir "$TMP/reports-star" --cors-origin '*' \
    --auth-reads || finish
STAR=$BASE
req GET /summary -H 'Origin: https://anyone.example' -H 'Authorization: Bearer t0ken'
hcheck "'*': a GET from any origin gets Access-Control-Allow-Origin: *" \
    [ "$(hdr Access-Control-Allow-Origin)" = '*' ]
hcheck "'*' alone: no Vary: Origin" bash -c "! grep -qi '^Vary: .*Origin' '$H'"
expect_http 204 "'*': preflight GET without a token -> 204" OPTIONS /runs \
    -H 'Origin: https://anyone.example' -H 'Access-Control-Request-Method: GET' \
    -H 'Access-Control-Request-Headers: authorization'
hcheck "'*': preflight allows GET, HEAD only" [ "$(hdr Access-Control-Allow-Methods)" = "GET, HEAD" ]
expect_http 403 "'*': preflight POST -> 403" OPTIONS /runs \
    -H 'Origin: https://anyone.example' -H 'Access-Control-Request-Method: POST'
post_file "$SRC" -H 'Origin: https://anyone.example' -H 'Authorization: Bearer t0ken'
hcheck "'*': a POST gets no CORS header" \
    bash -c "[ '$STATUS' = 201 ] && ! grep -qi '^Access-Control-' '$H'"
expect_http 401 "'*' with --auth-reads: a GET still needs the token" GET /summary \
    -H 'Origin: https://anyone.example'
hcheck "the 401 carries the CORS header (the page can read the error)" \
    [ "$(hdr Access-Control-Allow-Origin)" = '*' ]
serve_stop star

serve_start plain --reports-dir "$RD" || finish
req GET /summary -H 'Origin: https://dash.example'
hcheck "no --cors-origin: no CORS header, no Vary: Origin" \
    bash -c "! grep -qi '^Access-Control-' '$H' && ! grep -qi '^Vary: .*Origin' '$H'"
expect_http 403 "no --cors-origin: a preflight -> 403" OPTIONS /summary \
    -H 'Origin: https://dash.example' -H 'Access-Control-Request-Method: GET'
serve_stop plain
BASE=$MAIN
use_server main

# ---- gzip ------------------------------------------------------------------------------
A_ID=$(curl -s "$BASE/runs?limit=1" | jq -r '.runs[0].runId')
for target in "/summary" "/runs?limit=50" "/stats?by=model" "/runs/$A_ID" "/openapi.yaml" \
    "/export.csv"; do
    req GET "$target"
    plain=$TMP/plain.body
    cp "$B" "$plain"
    hcheck "$target without Accept-Encoding: not compressed" \
        bash -c "! grep -qi '^Content-Encoding' '$H'"
    hcheck "$target: Vary: Accept-Encoding" bash -c "grep -qi '^Vary: .*Accept-Encoding' '$H'"
    req GET "$target" -H 'Accept-Encoding: gzip'
    hcheck "$target with gzip: Content-Encoding: gzip" [ "$(hdr Content-Encoding)" = gzip ]
    hcheck "$target: gzip decodes to the same bytes" bash -c "gzip -dc '$B' | cmp -s - '$plain'"
    zs=$(wc -c <"$B")
    ps=$(wc -c <"$plain")
    hcheck "$target: smaller gzipped ($zs < $ps bytes)" [ "$zs" -lt "$ps" ]
    req GET "$target" --compressed
    hcheck "$target with curl --compressed: the same bytes" cmp -s "$B" "$plain"
done
# The cached gzip form: the same bytes twice.
req GET /summary -H 'Accept-Encoding: gzip'
cp "$B" "$TMP/gz1"
req GET /summary -H 'Accept-Encoding: gzip'
hcheck "/summary: the cached gzip form is served again" cmp -s "$B" "$TMP/gz1"
for ae in 'gzip;q=0' 'identity' 'br' 'gzip;q=0, *' 'gzip;q=2' 'gzip;;' ',,,;q=1' \
    'gzip;q=0.0000001' "$(printf 'x%.0s' {1..3000})"; do
    req GET /summary -H "Accept-Encoding: $ae"
    hcheck "Accept-Encoding '${ae:0:20}': 200, not compressed" \
        bash -c "[ '$STATUS' = 200 ] && ! grep -qi '^Content-Encoding' '$H' && jq -e .runs '$B' >/dev/null"
done
for ae in 'deflate, gzip;q=0.5' '*' 'GZIP' 'br;q=1, x-gzip;q=0.1' ' gzip ; q=1.000 '; do
    req GET /summary -H "Accept-Encoding: $ae"
    hcheck "Accept-Encoding '$ae': gzip" [ "$(hdr Content-Encoding)" = gzip ]
done
req GET /healthz -H 'Accept-Encoding: gzip'
hcheck "a body under 1 KiB is sent as it is" bash -c "! grep -qi '^Content-Encoding' '$H'"
req GET /export.csv -H 'Accept-Encoding: gzip'
hcheck "/export.csv gzipped: chunked, no Content-Length" \
    bash -c "grep -qi '^Transfer-Encoding: chunked' '$H' && ! grep -qi '^Content-Length' '$H'"
req GET '/export.csv?detailed=1' -H 'Accept-Encoding: gzip'
cp "$B" "$TMP/det.gz"
req GET '/export.csv?detailed=1'
hcheck "/export.csv?detailed=1 gzipped decodes to the plain stream" \
    bash -c "gzip -dc '$TMP/det.gz' | cmp -s - '$B' && [ \$(wc -l <'$B') -gt $nruns ]"

# ---- ETag and 304 ----------------------------------------------------------------------
# etag_of TARGET [CURL ARGS]: TAG gets the ETag of the answer (not in a subshell: req
# numbers its files).
etag_of() {
    local t=$1
    shift
    req GET "$t" "$@"
    TAG=$(hdr ETag) || TAG=
}
for target in "/runs" "/runs?limit=5&sort=-cost&status=completed" "/runs/$A_ID" \
    "/runs/${A_ID:0:8}" "/summary" "/summary?model=gpt-5" "/stats?interval=week&by=model" \
    "/export.csv" "/export.csv?detailed=1" "/openapi.yaml"; do
    etag_of "$target"
tag=$TAG
    hcheck "$target: a strong ETag" bash -c "[[ '$tag' =~ ^\\\"[0-9a-f]{32}\\\"$ ]]"
    hcheck "$target: Cache-Control: no-cache" [ "$(hdr Cache-Control)" = no-cache ]
    expect_http 304 "$target: If-None-Match -> 304" GET "$target" -H "If-None-Match: $tag"
    hcheck "$target: 304 has the ETag, no body" bash -c "[ '$(hdr ETag)' = '$tag' ] && [ ! -s '$B' ]"
    expect_http 304 "$target: in a list, weak -> 304" GET "$target" \
        -H "If-None-Match: \"nope\", W/$tag"
    expect_http 304 "$target: HEAD with If-None-Match -> 304" HEAD "$target" -H "If-None-Match: $tag"
    expect_http 304 "$target: '*' -> 304" GET "$target" -H 'If-None-Match: *'
    expect_http 200 "$target: another tag -> 200" GET "$target" -H 'If-None-Match: "0000"'
    etag_of "$target" -H 'Accept-Encoding: gzip'
gztag=$TAG
    hcheck "$target: the gzip form has its own tag" [ "$gztag" = "${tag%\"}-gz\"" ]
    expect_http 200 "$target: the plain tag does not revalidate the gzip form" GET "$target" \
        -H 'Accept-Encoding: gzip' -H "If-None-Match: $tag"
    expect_http 304 "$target: the gzip tag does" GET "$target" -H 'Accept-Encoding: gzip' \
        -H "If-None-Match: $gztag"
done
f=$(find "$RD" -name "run-${A_ID:0:8}.json")
want="\"$(sha256sum "$f" | cut -c1-32)\""
etag_of "/runs/$A_ID"
check "the tag of /runs/<id> is the SHA-256 of its bytes" [ "$TAG" = "$want" ]

etag_of /summary
s_tag=$TAG
etag_of "/runs?limit=5"
r_tag=$TAG
etag_of /stats
st_tag=$TAG
etag_of /export.csv
x_tag=$TAG
etag_of "/runs/$A_ID"
one_tag=$TAG
report_with_id "$SRC" 180f0000-0000-4000-8000-000000000001 2026-11-05T00:00:00Z "$TMP/new.json"
post_file "$TMP/new.json"
hcheck "POST a new run -> 201" [ "$STATUS" = 201 ]
for pair in "/summary $s_tag" "/runs?limit=5 $r_tag" "/stats $st_tag" "/export.csv $x_tag"; do
    t=${pair%% *}
    old=${pair#* }
    expect_http 200 "after the POST, $t's old tag -> 200" GET "$t" -H "If-None-Match: $old"
    hcheck "after the POST, $t has a new tag" [ "$(hdr ETag)" != "$old" ]
done
expect_http 304 "after the POST, an unchanged report keeps its tag" GET "/runs/$A_ID" \
    -H "If-None-Match: $one_tag"
nruns=$((nruns + 1))

# Hostile conditionals: a long list, garbage, a huge value. Never a crash, never a wrong 304.
long=$(for i in $(seq 1 600); do printf '"%032x", ' "$i"; done)
expect_http 200 "a 600-tag If-None-Match without ours -> 200" GET /summary -H "If-None-Match: $long\"x\""
etag_of /summary
tag=$TAG
expect_http 304 "a 600-tag If-None-Match ending with ours -> 304" GET /summary \
    -H "If-None-Match: $long$tag"
for inm in '"' '""' 'W/' ',,,,' '*, "x"' "$(printf '"%.0s' {1..20000})" "$(printf 'W/%.0s' {1..9000})"; do
    req GET /summary -H "If-None-Match: $inm"
    hcheck "If-None-Match '${inm:0:12}...': a 200 (or 431 for an oversized header)" \
        bash -c "[ '$STATUS' = 200 ] || [ '$STATUS' = 431 ]"
done
NOCHECK=1 req GET /summary -H "If-None-Match: $(head -c 40000 /dev/zero | tr '\0' '"')"
hcheck "an If-None-Match larger than the header memory: refused, not served" \
    bash -c "[ '$STATUS' != 200 ] && [ '$STATUS' != 304 ]"
NOCHECK=1 req GET /summary -H "Origin: https://$(head -c 20000 /dev/zero | tr '\0' a)"
hcheck "a huge Origin: answered without CORS headers" \
    bash -c "! grep -qi '^Access-Control-' '$H'"
check "the server is still healthy after hostile headers" healthy

# ---- paging: Link rel=next in every order ----------------------------------------------
# The expected order of the report files, computed here from the files themselves.
"$PY" - "$RD" >"$TMP/expected.tsv" <<'PYEOF'
import datetime, glob, json, math, os, sys
runs = []
for p in glob.glob(os.path.join(sys.argv[1], "*", "run-*.json")):
    with open(p, encoding="utf-8") as f:
        r = json.load(f)
    ts = datetime.datetime.fromisoformat(r["timestamp"].replace("Z", "+00:00"))
    ms = int(ts.timestamp() * 1000 + 0.5)
    c = r.get("cost") or {}
    cost = None if c.get("unpriced") is True or not isinstance(c.get("estimatedTotal"), (int, float)) \
        else float(c["estimatedTotal"])
    t = r.get("tokens")
    tok = 0
    if isinstance(t, dict):
        tok = t["totalTokens"] if "totalTokens" in t else t.get("totalInput", 0) + t.get("totalOutput", 0)
    dur = float((r.get("timing") or {}).get("totalDurationMs", 0) or 0)
    runs.append({"id": r["runId"], "timestamp": ms, "cost": cost, "tokens": tok, "durationMs": dur})
for field in ("timestamp", "cost", "tokens", "durationMs"):
    for desc in (False, True):
        def key(x):
            v = x[field]
            if v is None:
                return (1, 0, x["id"].lower())
            return (0, -v if desc else v, x["id"].lower())
        order = sorted(runs, key=key)
        print("%s%s\t%s" % ("-" if desc else "", field, " ".join(x["id"] for x in order)))
PYEOF
check "expected orders computed" [ "$(wc -l <"$TMP/expected.tsv")" = 8 ]

# follow TARGET OUT: GET TARGET, then every Link rel="next", appending the run ids to OUT
# and counting the pages in PAGES; checks each page's Link against its nextCursor.
follow() {
    local target=$1 out=$2 pages=0 link cur
    : >"$out"
    while [ -n "$target" ] && [ "$pages" -lt 500 ]; do
        req GET "$target"
        pages=$((pages + 1))
        [ "$STATUS" = 200 ] || { http_fail "page $pages of $1"; return 1; }
        jq -r '.runs[].runId' "$B" >>"$out"
        cur=$(jq -r '.nextCursor // empty' "$B")
        link=$(hdr Link) || link=
        if [ -z "$cur" ]; then
            [ -z "$link" ] || { http_fail "a Link on the last page of $1"; return 1; }
            target=
        else
            case $link in
            "</runs?"*"cursor=$cur>; rel=\"next\"") ;;
            *) http_fail "page $pages of $1: Link '$link' does not carry nextCursor"; return 1 ;;
            esac
            target=${link#<}
            target=${target%%>*}
        fi
    done
    PAGES=$pages
}
while IFS=$'\t' read -r sort ids; do
    follow "/runs?limit=37&sort=$sort" "$TMP/got-$sort" || continue
    pages=$PAGES
    tr ' ' '\n' <<<"$ids" >"$TMP/want-$sort"
    if cmp -s "$TMP/got-$sort" "$TMP/want-$sort"; then
        ok "sort=$sort: Link followed to the end ($pages pages) gives every run once, in order"
    else
        not_ok "sort=$sort: the pages differ from the files' order"
        diff "$TMP/want-$sort" "$TMP/got-$sort" | head -5 | sed 's/^/#   /'
    fi
    # The CLI's --sort takes the same words and gives the same order.
    "$AIDF" report list --json --limit 0 --sort "$sort" --reports-dir "$RD" 2>"$TMP/cli.err" |
        jq -r '.runs[].runId' >"$TMP/cli-$sort"
    check "aidf report list --sort $sort: the same order" cmp -s "$TMP/cli-$sort" "$TMP/want-$sort"
done <"$TMP/expected.tsv"
expect 2 "aidf report list --sort price: a usage error" report list --sort price --reports-dir "$RD"
check "the usage error names the orders" err_has "timestamp, cost, tokens or durationMs"
# With filters: Link keeps them (re-encoded), the pages are the filtered order.
follow "/runs?limit=7&sort=-cost&status=completed,failed&model=claude-*" "$TMP/got-f"
pages=$PAGES
curl -s "$BASE/runs?limit=1000&sort=-cost&status=completed,failed&model=claude-*" |
    jq -r '.runs[].runId' >"$TMP/want-f"
check "filtered -cost pages ($pages) give the one-page answer" cmp -s "$TMP/got-f" "$TMP/want-f"
check "filtered pages: more than one run, more than one page" \
    bash -c "[ \$(wc -l <'$TMP/want-f') -gt 7 ]"
req GET "/runs?limit=3&model=claude-*&status=completed"
hcheck "Link keeps the filters, re-encoded" \
    bash -c "grep -qi '^Link: </runs?limit=3&model=claude-%2A&status=completed&cursor=' '$H'"
req GET "/runs?limit=1000"
hcheck "no Link on a single page" bash -c "! grep -qi '^Link:' '$H'"
req GET "/runs?limit=2&offset=4&sort=tokens"
hcheck "an offset page's Link pages by cursor from there" \
    bash -c "grep -qi '^Link: </runs?limit=2&sort=tokens&cursor=' '$H'"

expect_http 400 "sort=price -> 400" GET "/runs?sort=price"
hcheck "sort=price: invalid_parameter naming sort" \
    bash -c "jq -e '.error.code == \"invalid_parameter\" and (.error.message | test(\"sort\"))' '$B' >/dev/null"
expect_http 400 "sort twice -> 400" GET "/runs?sort=cost&sort=cost"
expect_http 400 "sort on /summary -> 400" GET "/summary?sort=cost"
cur=$(curl -s "$BASE/runs?limit=2&sort=cost" | jq -r .nextCursor)
expect_http 400 "a cost cursor with sort=-cost -> 400" GET "/runs?sort=-cost&cursor=$cur"
expect_http 400 "a cost cursor without sort -> 400" GET "/runs?cursor=$cur"
expect_http 200 "a cost cursor with sort=cost -> 200" GET "/runs?sort=cost&cursor=$cur"

# ---- /openapi.yaml, HEAD everywhere, the access log --------------------------------------
req GET /openapi.yaml
hcheck "GET /openapi.yaml: the contract's bytes" cmp -s "$B" "$SPEC"
hcheck "GET /openapi.yaml: application/yaml" \
    bash -c "grep -qi '^Content-Type: application/yaml' '$H'"

for target in /healthz "/runs?limit=3" "/runs?sort=cost" "/runs/$A_ID" /summary /stats \
    /export.csv "/export.csv?detailed=1" /openapi.yaml; do
    NOCHECK=1 req GET "$target"
    get_tag=$(hdr ETag || true)
    get_len=$(hdr Content-Length || true)
    get_status=$STATUS
    req HEAD "$target"
    hcheck "HEAD $target: the GET's status, ETag and length" \
        bash -c "[ '$STATUS' = '$get_status' ] && [ '$(hdr ETag || true)' = '$get_tag' ] &&
                 { [ -z '$get_len' ] || [ '$(hdr Content-Length || true)' = '$get_len' ]; }"
    n=$(head_body_bytes "$target")
    check "HEAD $target: no body on the wire" [ "$n" = 0 ]
done
req HEAD "/runs/$A_ID" -H 'Accept-Encoding: gzip'
hcheck "HEAD with gzip: the gzip headers" [ "$(hdr Content-Encoding)" = gzip ]

NOCHECK=1 req GET "/summary?token=s3cr3tvalue&model=a%20b"
NOCHECK=1 req GET "/runs?limit=37&sort=-durationMs" -H 'Authorization: Bearer h34derSecret'
sleep 0.3
check "the access log shows the query string" \
    grep -q 'path=/runs?limit=37&sort=-durationMs status=200' "$LOG"
check "the access log keeps the query encoded" grep -q 'path=/summary?token=REDACTED&model=a%20b' "$LOG"
check "a token in the query is never logged" bash -c "! grep -q s3cr3tvalue '$LOG'"
check "the Authorization header is never logged" bash -c "! grep -q h34derSecret '$LOG'"
NOCHECK=1 req GET "/runs?model=$(urlenc $'x\ny')"
sleep 0.3
check "control bytes in the query stay escaped in the log" grep -q 'path=/runs?model=x%0Ay ' "$LOG"

check "the server is healthy at the end" healthy
serve_stop main
openapi_finish
finish
