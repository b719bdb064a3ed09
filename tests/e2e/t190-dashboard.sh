#!/usr/bin/env bash
# The dashboard at `/` (web/, embedded in the binary), first over HTTP with curl: the page
# and its content-hashed assets with their headers (CSP, caching, content types, nosniff),
# HEAD, the JSON endpoint index for Accept: application/json, 404 for unknown assets.
# web/format.js against the CLI's formats at their edges (node). Then in headless Chromium
# (tests/browser/dashboard.mjs, puppeteer-core on the system's chromium) over 2000
# generated reports and one whose texts are markup: the overview's figures equal
# /summary's and are formatted as `aidf report summary` prints them; the cost chart has one
# series per model of /stats (asked in the browser's zone); filtering by a model changes
# them to /summary?model=…'s and the URL reproduces the view; the runs table pages with the
# cursor (and sorts by cost when the server takes `sort`); a run's detail shows its tokens,
# files, iterations and validation exit codes; markup in a report is shown as text; Tab
# reaches a link; no console error, no failed response, no request to another host; page
# weight under 150 KB gzipped. Last, --auth-reads: the page and its files stay public, the
# API does not, and in the browser (dashboard-auth.mjs) the page asks for the token once
# and sends it. Screenshots of the views go to $AIDF_BUILD_DIR/test-artifacts/dashboard/
# for a reviewer.
#
# Usage: t190-dashboard.sh <aidf> <tests/data dir>
# Environment: CHROMIUM (default: chromium on PATH).
. "$(dirname "$0")/serve-lib.sh" "$@"
need node npm jq
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$CHROMIUM" ] || skip_test "chromium is not installed (scripts/deps.sh installs it)"
export CHROMIUM

GEN=$BUILD/aidf-gen-reports
[ -x "$GEN" ] || skip_test "aidf-gen-reports not built"
RD=$TMP/reports
"$GEN" --dir "$RD" --count 2000 --seed 190 --days 21 --now 2026-11-20T12:00:00Z 2>"$TMP/gen.log" || {
    not_ok "aidf-gen-reports failed: $(head -3 "$TMP/gen.log")"
    finish
}

# One run whose texts are markup: the dashboard must show them as text.
HOSTILE_ID=190e0001-0000-4000-8000-000000000190
HOSTILE_TASK='<img src=x onerror="document.body.dataset.pwned=1">.md'
mkdir -p "$RD/2026-11-20"
jq --arg id "$HOSTILE_ID" --arg task "$HOSTILE_TASK" '.runId = $id | .timestamp = "2026-11-20T11:59:00Z"
    | .taskName = $task | .taskPath = (".ai/tasks/completed/" + $task)
    | .taskGoal = "<script>document.body.dataset.pwned=2</script> goal"
    | .files.modified = ["<b onmouseover=x>bold</b>.ts", "src/ok.ts"]
    | .status = "blocked" | .blockedReason = "<iframe src=\"https://example.com/\"></iframe>"' \
    "$DATA/reports/valid/completed-claude-cli.json" >"$RD/2026-11-20/run-190e0001.json"

serve_start dash --reports-dir "$RD" || finish

# ---- over HTTP --------------------------------------------------------------------------
req GET /
hcheck "GET / is the page (200, text/html)" [ "$STATUS" = 200 ]
hcheck "GET /: Content-Type text/html; charset=utf-8" [ "$(hdr Content-Type)" = "text/html; charset=utf-8" ]
csp=$(hdr Content-Security-Policy || true)
hcheck "GET /: CSP default-src 'self', nothing inline" \
    sh -c 'case "$1" in "default-src '"'self'"';"*) ! echo "$1" | grep -q unsafe ;; *) false ;; esac' - "$csp"
hcheck "GET /: Cache-Control no-cache, nosniff" \
    [ "$(hdr Cache-Control)" = no-cache ] && [ "$(hdr X-Content-Type-Options)" = nosniff ]
hcheck "GET /: no inline script or style" sh -c '! grep -qiE "<script>|<script [^>]*>[^<]|<style|style=" "$1"' - "$B"
mapfile -t assets < <(grep -oE '(src|href)="/assets/[^"]+"' "$B" | sed -E 's/^(src|href)="//; s/"$//')
check "GET /: the page refers to hashed assets (${#assets[@]})" [ "${#assets[@]}" -ge 3 ]
for a in "${assets[@]}"; do
    req GET "$a"
    ct=$(hdr Content-Type || true)
    case $a in
    *.js) want_ct="text/javascript; charset=utf-8" ;;
    *.css) want_ct="text/css; charset=utf-8" ;;
    *.svg) want_ct="image/svg+xml" ;;
    *) want_ct=? ;;
    esac
    hcheck "GET $a: 200 $want_ct, immutable, nosniff" \
        [ "$STATUS" = 200 ] && [ "$ct" = "$want_ct" ] &&
        [ "$(hdr Cache-Control)" = "public, max-age=31536000, immutable" ] &&
        [ "$(hdr X-Content-Type-Options)" = nosniff ]
    name=${a#/assets/}
    base=${name%%.*}
    ext=${name##*.}
    hash=${name#"$base".}
    hash=${hash%."$ext"}
    got=$(sha256sum "$B" | cut -c1-12)
    hcheck "$a: the name carries the hash of its content" [ "$hash" = "$got" ]
done
js=$(printf '%s\n' "${assets[@]}" | grep -m1 '\.js$')
req HEAD "$js"
hcheck "HEAD $js: 200 with its Content-Length, no body" \
    [ "$STATUS" = 200 ] && [ "$(head_body_bytes "$js")" = 0 ] && [ -n "$(hdr Content-Length)" ]
req HEAD /
hcheck "HEAD /: 200 text/html" [ "$STATUS" = 200 ] && [ "$(hdr Content-Type)" = "text/html; charset=utf-8" ]
expect_http 404 "unknown asset: 404" GET /assets/app.000000000000.js
hcheck "unknown asset: not_found" err_code not_found
expect_http 404 "/assets/ alone: 404" GET /assets/
expect_http 404 "/assets/../healthz: 404" GET /assets/../healthz
expect_http 404 "unhashed asset name: 404" GET /assets/app.js
expect_http 405 "POST /: 405" POST / -H 'Content-Type: application/json' --data '{}'
req GET / -H 'Accept: application/json'
hcheck "GET / with Accept: application/json: the endpoint index" \
    bjq '(.endpoints | length) >= 8 and all(.endpoints[]; (.name|type) == "string" and (.method|type) == "string"
        and (.path|startswith("/")) and (.description|type) == "string")
        and any(.endpoints[]; .path == "/stats") and any(.endpoints[]; .path == "/runs" and .method == "POST")'
hcheck "GET / (JSON): Vary names Accept" sh -c 'echo "$1" | grep -qE "(^|[ ,])Accept([ ,]|\$)"' - "$(hdr Vary)"

# ---- the browser ------------------------------------------------------------------------
# puppeteer-core from tests/browser/package-lock.json, installed once into the build
# directory (npm ci; the registry must be reachable the first time).
BDIR=$BUILD/browser-test
mkdir -p "$BDIR"
if ! cmp -s "$SRC_DIR/tests/browser/package-lock.json" "$BDIR/package-lock.json" ||
    [ ! -d "$BDIR/node_modules/puppeteer-core" ]; then
    cp "$SRC_DIR/tests/browser/package.json" "$SRC_DIR/tests/browser/package-lock.json" "$BDIR/"
    if ! (cd "$BDIR" && npm ci --no-audit --no-fund --loglevel=error) >"$TMP/npm.log" 2>&1; then
        not_ok "npm ci of tests/browser (puppeteer-core) failed"
        tail -n 15 "$TMP/npm.log" | sed 's/^/#   /'
        rm -f "$BDIR/package-lock.json"
        finish
    fi
fi
cp "$SRC_DIR/tests/browser/dashboard.mjs" "$SRC_DIR/tests/browser/dashboard-auth.mjs" "$BDIR/"

# browser_checks OUT ERR RC: the TAP lines of a browser script as checks of this test.
browser_checks() {
    local line
    while IFS= read -r line; do
        case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "browser: ${line#not ok - }" ;;
        "missing - "*) missing "${line#missing - }" ;;
        *) echo "$line" ;;
        esac
    done <"$1"
    if [ "$3" -ne 0 ] && ! grep -q '^not ok' "$1"; then
        not_ok "the browser script exited $3"
        tail -n 20 "$2" | sed 's/^/#   /'
    fi
}

# web/format.js at the edges of the CLI's formats (no browser needed).
node "$SRC_DIR/tests/browser/format-test.mjs" "$SRC_DIR/web/format.js" >"$TMP/format.out" 2>"$TMP/format.err"
browser_checks "$TMP/format.out" "$TMP/format.err" $?

# What the CLI prints, to compare the dashboard's strings with.
cli_box() {
    NO_COLOR=1 "$AIDF" report summary --reports-dir "$RD" "$@" | python3 -c '
import json, re, sys
out = {}
for line in sys.stdin:
    m = re.match(r"^\u2502 ([A-Z][A-Za-z ]+):\s+(.*?)\s*\u2502$", line.rstrip("\n"))
    if m:
        v = m.group(2)
        out[m.group(1)] = v.split(" (")[0] if m.group(1) in ("Tokens", "Total cost", "Avg duration") or m.group(1).startswith("Cost in ") else v
print(json.dumps(out))'
}
model=$(curl -s "$BASE/summary" | jq -r '.byModel[1].model')
jq -n --argjson cli "$(cli_box)" --argjson m "$(cli_box --model "$model")" --arg model "$model" \
    --arg hid "$HOSTILE_ID" --arg htask "$HOSTILE_TASK" \
    '{cli: $cli, cliModel: $m, model: $model, hostile: {id: $hid, task: $htask}}' >"$TMP/expect.json"
qcheck "the CLI's figures were read" jq -e '.cli.Runs == "2,001" and (.cliModel.Runs | length) > 0' "$TMP/expect.json"

ART=$BUILD/test-artifacts/dashboard
rm -rf "$ART"
mkdir -p "$ART"
timeout "$(tmo 90)" node "$BDIR/dashboard.mjs" "$BASE" "$ART" "$TMP/expect.json" >"$TMP/browser.out" 2>"$TMP/browser.err"
browser_checks "$TMP/browser.out" "$TMP/browser.err" $?
for shot in overview overview-filtered-dark runs run-detail run-detail-narrow; do
    check "screenshot $shot.png saved" [ -s "$ART/$shot.png" ]
done
echo "# screenshots: $ART"

# ---- --auth-reads: the page is public, the API is not -----------------------------------
AIDF_SERVER_TOKEN=s3cret serve_start auth --reports-dir "$RD" --auth-reads || finish
expect_http 200 "--auth-reads: GET / needs no token" GET /
expect_http 200 "--auth-reads: an asset needs no token" GET "$js"
expect_http 401 "--auth-reads: /summary still needs it" GET /summary
expect_http 200 "--auth-reads: /summary with the token" GET /summary -H 'Authorization: Bearer s3cret'
timeout "$(tmo 60)" node "$BDIR/dashboard-auth.mjs" "$BASE" s3cret "$ART" >"$TMP/auth.out" 2>"$TMP/auth.err"
browser_checks "$TMP/auth.out" "$TMP/auth.err" $?
check "screenshot token-form.png saved" [ -s "$ART/token-form.png" ]
serve_stop auth
use_server dash

openapi_finish
serve_stop dash
finish
