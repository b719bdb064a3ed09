#!/usr/bin/env bash
# aidf serve: POST /runs and the security switches. New run -> 201 + Location + the file on
# disk; identical re-POST -> 200 (also when racing); different content under the same id ->
# 409; malformed JSON -> 400 invalid_json with line/column; every invalid fixture -> 400
# naming the field; wrong Content-Type -> 415; bearer token (401 + WWW-Authenticate, never
# logged), --auth-reads, --token-env, empty token = auth off; reports dropped into the
# directory by another process appear without a restart; the loopback rule for --listen.
#
# Usage: t120-serve-post.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

VALID=$DATA/reports/valid
INVALID=$DATA/reports/invalid
dir=$TMP/reports/not/yet/there
src=$VALID/completed-claude-cli.json

# files DIR: number of report files under DIR.
files() { find "$1" -name 'run-*.json' -type f 2>/dev/null | wc -l | tr -d ' '; }

serve_start open --reports-dir "$dir" || finish
check "the reports directory is created when missing" [ -d "$dir" ]
check "startup line on stderr" grep -qE "^aidf: listening on http://127\.0\.0\.1:$PORT \(0 runs in .*\)" "${SRV_LOG[open]}"

# --- a new run ---------------------------------------------------------------------------------
id1=11111111-2222-4333-8444-555555555555
r1=$TMP/r1.json
report_with_id "$src" "$id1" "2026-11-21T23:59:58.000Z" "$r1"
post_file "$r1"
hcheck "POST new run -> 201" [ "$STATUS" = 201 ]
hcheck "201 Location: /runs/<runId>" [ "$(hdr Location)" = "/runs/$id1" ]
hcheck "201 body names the run and its file" \
    bjq '.runId == $id and (.file | test("^2026-11-21/run-[0-9a-f-]+\\.json$"))' --arg id "$id1"
file1=$(jq -r .file "$B")
cp "$B" "$TMP/r1.created"
check "the file is on disk in the UTC date directory" [ -f "$dir/$file1" ]
check "the stored file is the posted report" bash -c "cmp -s <(jq -S . '$r1') <(jq -S . '$dir/$file1')"
check "no temporary file is left behind" [ -z "$(find "$dir" -type f ! -name 'run-*.json' ! -name '.index*' ! -name '.lock*' -print -quit)" ]
expect_http 200 "GET the Location" GET "/runs/$id1"
check "GET serves the stored file" cmp -s "$B" "$dir/$file1"

# Re-POST: identical -> 200 and the same body; nothing new on disk.
before=$(files "$dir")
post_file "$r1"
hcheck "re-POST identical -> 200" [ "$STATUS" = 200 ]
hcheck "re-POST body equals the 201 body" bash -c "cmp -s <(jq -S . '$TMP/r1.created') <(jq -S . '$B')"
check "re-POST writes no new file" [ "$(files "$dir")" = "$before" ]

# Same id, different content -> 409; the stored file is unchanged.
jq '.iterations = 99' "$r1" >"$TMP/r1b.json"
cp "$dir/$file1" "$TMP/r1.stored"
post_file "$TMP/r1b.json"
hcheck "same id, different content -> 409 conflict" \
    bash -c "[ '$STATUS' = 409 ] && jq -e '.error.code == \"conflict\"' '$B' >/dev/null"
check "409 leaves the stored file alone" cmp -s "$dir/$file1" "$TMP/r1.stored"
check "409 writes no new file" [ "$(files "$dir")" = "$before" ]

# Content-Type with parameters is JSON too; media types are case-insensitive.
id2=22222222-2222-4333-8444-555555555555
report_with_id "$src" "$id2" "2026-11-22T01:00:00Z" "$TMP/r2.json"
req POST /runs -H 'Content-Type: application/json; charset=utf-8' --data-binary "@$TMP/r2.json"
hcheck "Content-Type: application/json; charset=utf-8 -> 201" [ "$STATUS" = 201 ]
id3=33333333-2222-4333-8444-555555555555
report_with_id "$src" "$id3" "2026-11-22T02:00:00Z" "$TMP/r3.json"
req POST /runs -H 'Content-Type: Application/JSON' --data-binary "@$TMP/r3.json"
hcheck "Content-Type: Application/JSON -> 201" [ "$STATUS" = 201 ]

# --- every valid fixture ----------------------------------------------------------------------------
# The server stores the report as aidf writes it (decoded and re-encoded: nulls of optional
# fields dropped, a legacy error string as {"message"}, money rounded), so what it serves is
# compared with the file it wrote, and "identical" is the server's own judgement: the original
# and the served form both re-POST as 200.
bad=0
for f in "$VALID"/*.json; do
    name=$(basename "$f")
    post_file "$f"
    id=$(jq -r .runId "$f")
    if [ "$STATUS" != 201 ]; then
        bad=$((bad + 1))
        http_fail "POST $name -> 201"
        continue
    fi
    stored=$dir/$(jq -r .file "$B")
    loc=$(hdr Location)
    req GET "$loc"
    cp "$B" "$TMP/served.json"
    if [ "$loc" != "/runs/$id" ] || [ "$STATUS" != 200 ] || ! cmp -s "$B" "$stored"; then
        bad=$((bad + 1))
        http_fail "GET $name after POST: the stored file"
    elif ! jq -e --slurpfile o "$f" '.runId == $o[0].runId and .status == $o[0].status and
            .timestamp == $o[0].timestamp' "$B" >/dev/null; then
        bad=$((bad + 1))
        http_fail "GET $name after POST: runId, status and timestamp as posted"
    fi
    post_file "$f"
    [ "$STATUS" = 200 ] || { bad=$((bad + 1)); http_fail "re-POST $name -> 200"; }
    post_file "$TMP/served.json"
    [ "$STATUS" = 200 ] || { bad=$((bad + 1)); http_fail "POST of the served $name -> 200"; }
done
check "every valid fixture: 201, served as stored, re-POSTs (original and served) -> 200" [ "$bad" = 0 ]

# --- invalid bodies -----------------------------------------------------------------------------------
before=$(files "$dir")
bad=0
n=0
for f in "$INVALID"/*.json; do
    name=$(basename "$f" .json)
    want=$(cat "${f%.json}.err")
    post_file "$f"
    n=$((n + 1))
    if [ "$STATUS" != 400 ]; then
        bad=$((bad + 1))
        http_fail "POST invalid/$name -> 400"
        continue
    fi
    case $name in
    syntax-* | limit-*)
        if [[ $want =~ ^line\ ([0-9]+),\ column\ ([0-9]+) ]]; then
            # The position of the error is in members, the message may repeat it.
            if ! bjq '.error.code == "invalid_json" and .error.line == ($l | tonumber) and .error.column == ($c | tonumber)' \
                --arg l "${BASH_REMATCH[1]}" --arg c "${BASH_REMATCH[2]}"; then
                bad=$((bad + 1))
                http_fail "POST invalid/$name -> invalid_json at line ${BASH_REMATCH[1]}, column ${BASH_REMATCH[2]}"
            fi
        elif ! bjq '(.error.code == "invalid_json" or .error.code == "invalid_report") and (.error.message | ascii_downcase | contains($w | ascii_downcase))' --arg w "$want"; then
            bad=$((bad + 1))
            http_fail "POST invalid/$name -> 400 saying '$want'"
        fi
        ;;
    *)
        if ! bjq '.error.code == "invalid_report" and (.error.message | contains($w))' --arg w "$want"; then
            bad=$((bad + 1))
            http_fail "POST invalid/$name -> 400 invalid_report saying '$want'"
        fi
        ;;
    esac
done
check "all $n invalid fixtures -> 400 with the decoder's message" [ "$bad" = 0 ]
check "invalid bodies write nothing" [ "$(files "$dir")" = "$before" ]

printf '{\n  "runId": "44444444-2222-4333-8444-555555555555",\n  "status": oops\n}\n' >"$TMP/bad.json"
post_file "$TMP/bad.json"
hcheck "malformed JSON -> 400 invalid_json at line 3" \
    bjq '.error.code == "invalid_json" and .error.line == 3 and .error.column >= 1'
: >"$TMP/empty.json"
post_file "$TMP/empty.json"
hcheck "empty body -> 400 invalid_json" bjq '.error.code == "invalid_json" and has("error")'
hcheck "empty body status 400" [ "$STATUS" = 400 ]
jq '.status = "running"' "$r1" | jq '.runId = "55555555-2222-4333-8444-555555555555"' >"$TMP/bad2.json"
post_file "$TMP/bad2.json"
hcheck "invalid status -> 400 invalid_report naming status" \
    bash -c "[ '$STATUS' = 400 ] && jq -e '.error.code == \"invalid_report\" and (.error.message | contains(\"status\"))' '$B' >/dev/null"
jq 'del(.runId)' "$r1" >"$TMP/bad3.json"
post_file "$TMP/bad3.json"
hcheck "missing runId -> 400 invalid_report naming runId" \
    bash -c "[ '$STATUS' = 400 ] && jq -e '.error.code == \"invalid_report\" and (.error.message | contains(\"runId\"))' '$B' >/dev/null"

# Content types that are not JSON -> 415.
for ct in text/plain application/x-www-form-urlencoded text/json-ish application/xml multipart/form-data; do
    req POST /runs -H "Content-Type: $ct" --data-binary "@$TMP/r2.json"
    hcheck "Content-Type: $ct -> 415 unsupported_media_type" \
        bash -c "[ '$STATUS' = 415 ] && jq -e '.error.code == \"unsupported_media_type\"' '$B' >/dev/null"
done
req POST /runs -H 'Content-Type:' --data-binary "@$TMP/r2.json"
hcheck "no Content-Type -> 415" [ "$STATUS" = 415 ]

# --- idempotency under a race: 8 identical POSTs at once -> one 201, seven 200 ---------------------
id6=66666666-2222-4333-8444-555555555555
report_with_id "$src" "$id6" "2026-11-22T06:00:00Z" "$TMP/r6.json"
pids=()
for i in 1 2 3 4 5 6 7 8; do
    curl -s --max-time "$(tmo 10)" -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
        --data-binary "@$TMP/r6.json" "$BASE/runs" >"$TMP/race.$i" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
codes=$(cat "$TMP"/race.* | sort | uniq -c | awk '{print $2 "x" $1}' | tr '\n' ' ')
check "8 identical POSTs at once: one 201 and seven 200 ($codes)" [ "$codes" = "200x7 201x1 " ]
check "racing POSTs leave exactly one file for the run" \
    [ "$(grep -rl "$id6" "$dir" --include='run-*.json' | wc -l | tr -d ' ')" = 1 ]

# --- reports written by another process appear without a restart ------------------------------------
wait_for() { # wait_for SECONDS TARGET: GET until 200
    local i limit
    limit=$(($(tmo "$1") * 10))
    for ((i = 0; i < limit; i++)); do
        [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$BASE$2")" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}
total_runs() { curl -s --max-time "$(tmo 5)" "$BASE/runs?limit=1" | jq -r .total; }
t0=$(total_runs)
id7=77777777-2222-4333-8444-555555555555
report_with_id "$VALID/failed-auth-error.json" "$id7" "2026-11-23T07:00:00Z" "$TMP/r7.json"
mkdir -p "$dir/2026-11-23"
cp "$TMP/r7.json" "$dir/2026-11-23/.run-77777777.json.tmp" &&
    mv "$dir/2026-11-23/.run-77777777.json.tmp" "$dir/2026-11-23/run-77777777.json"
check "a report renamed into a new date directory appears within ~2 s" wait_for 3 "/runs/$id7"
id8=88888888-2222-4333-8444-555555555555
report_with_id "$VALID/blocked.json" "$id8" "2026-11-21T08:00:00Z" "$TMP/r8.json"
cp "$TMP/r8.json" "$dir/2026-11-21/run-88888888.json"
check "a report copied into an existing date directory appears within ~2 s" wait_for 3 "/runs/$id8"
check "/runs total counts both" [ "$(total_runs)" = $((t0 + 2)) ]
expect 0 "aidf report list --json over the directory" report list --json --limit 0 --reports-dir "$dir"
check "the CLI and the server count the same runs" jq_ok ".total == $(total_runs)"
req GET "/summary?status=failed"
cp "$B" "$TMP/srv-summary.json"
run report summary --json --status failed --reports-dir "$dir"
check "/summary includes the dropped-in report like the CLI" \
    bash -c "cmp -s <(jq -S . '$OUT') <(jq -S . '$TMP/srv-summary.json')"

# --- the log: access lines, no bodies -----------------------------------------------------------------
marker=never-log-this-$$-body
jq --arg m "$marker" '.runId = "99999999-2222-4333-8444-555555555555" | .taskGoal = $m' "$r1" >"$TMP/r9.json"
post_file "$TMP/r9.json"
hcheck "POST with a marker -> 201" [ "$STATUS" = 201 ]
check "access log line format" grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+ info req=[0-9]+ ip=127\.0\.0\.1 method=POST path=/runs status=201 bytes=[0-9]+ ms=[0-9.]+$' "${SRV_LOG[open]}"
check "request bodies are never logged" bash -c "! grep -qF '$marker' '${SRV_LOG[open]}'"
serve_stop open
check "the index is saved on SIGTERM" [ -e "$dir/.index" ]

# --port PORT on the default host; --log-level error: no access log.
p=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if serve_start quiet --port "$p" --reports-dir "$dir" --log-level error; then
    check "--port $p binds 127.0.0.1:$p" [ "$PORT" = "$p" ]
    expect_http 200 "--port: GET /runs" GET /runs
    hcheck "--port: the same directory" bjq '.total > 0'
    serve_stop quiet
    check "--log-level error: no access log lines" bash -c "! grep -q ' info req=' '${SRV_LOG[quiet]}'"
fi

# --- bearer token ------------------------------------------------------------------------------------------
tok='s3cret-Token-for-tests'
adir=$TMP/auth
AIDF_SERVER_TOKEN=$tok serve_start auth --reports-dir "$adir" || finish
ida=aaaaaaaa-2222-4333-8444-555555555555
report_with_id "$src" "$ida" "2026-11-22T10:00:00Z" "$TMP/ra.json"
auth_fail() {
    local name=$1
    shift
    post_file "$TMP/ra.json" "$@"
    hcheck "$name -> 401 unauthorized with WWW-Authenticate: Bearer" \
        bash -c "[ '$STATUS' = 401 ] && jq -e '.error.code == \"unauthorized\"' '$B' >/dev/null &&
                 grep -qiE '^www-authenticate: Bearer' '$H'"
}
auth_fail "POST without a token"
auth_fail "POST with a wrong token" -H "Authorization: Bearer wrong"
auth_fail "POST with a prefix of the token" -H "Authorization: Bearer ${tok:0:10}"
auth_fail "POST with the token plus a character" -H "Authorization: Bearer ${tok}x"
auth_fail "POST with Basic auth" -u "user:$tok"
auth_fail "POST with an empty bearer" -H "Authorization: Bearer "
check "401 writes nothing" [ "$(files "$adir")" = 0 ]
post_file "$TMP/ra.json" -H "Authorization: Bearer $tok"
hcheck "POST with the right token -> 201" [ "$STATUS" = 201 ]
expect_http 200 "GET /runs needs no token without --auth-reads" GET /runs
hcheck "GET /runs lists the run" bjq '.total == 1'
expect_http 200 "GET /runs/{id} needs no token" GET "/runs/$ida"
check "the token is never logged" bash -c "! grep -qF '$tok' '${SRV_LOG[auth]}'"
serve_stop auth

# --auth-reads: every endpoint but /healthz needs the token.
AIDF_SERVER_TOKEN=$tok serve_start reads --reports-dir "$adir" --auth-reads || finish
for t in /runs "/runs/$ida" /summary /export.csv "/runs?status=failed"; do
    req GET "$t"
    hcheck "--auth-reads: GET $t without a token -> 401" \
        bash -c "[ '$STATUS' = 401 ] && grep -qiE '^www-authenticate: Bearer' '$H'"
    req GET "$t" -H "Authorization: Bearer nope"
    hcheck "--auth-reads: GET $t with a wrong token -> 401" [ "$STATUS" = 401 ]
    req GET "$t" -H "Authorization: Bearer $tok"
    hcheck "--auth-reads: GET $t with the token -> 200" [ "$STATUS" = 200 ]
done
req HEAD /runs
hcheck "--auth-reads: HEAD /runs without a token -> 401" [ "$STATUS" = 401 ]
expect_http 200 "--auth-reads: /healthz needs no token" GET /healthz
serve_stop reads

# --token-env NAME reads the token from another variable.
MY_AIDF_TOK=other-token serve_start tokenv --reports-dir "$TMP/tokenv" --token-env MY_AIDF_TOK || finish
post_file "$TMP/ra.json"
hcheck "--token-env: POST without a token -> 401" [ "$STATUS" = 401 ]
post_file "$TMP/ra.json" -H "Authorization: Bearer other-token"
hcheck "--token-env: POST with that token -> 201" [ "$STATUS" = 201 ]
serve_stop tokenv

# An empty variable is no token: auth off.
AIDF_SERVER_TOKEN='' serve_start notok --reports-dir "$TMP/notok" || finish
post_file "$TMP/ra.json"
hcheck "empty AIDF_SERVER_TOKEN: POST without a token -> 201" [ "$STATUS" = 201 ]
serve_stop notok

# --- listen addresses ---------------------------------------------------------------------------------------
# Non-loopback without a token: refused with exit 2 before listening. No traffic is sent.
rc=0
timeout "$(tmo 10)" "$AIDF" serve --listen 0.0.0.0:0 --reports-dir "$TMP/remote" \
    --port-file "$TMP/remote.port" >"$OUT" 2>"$ERR" || rc=$?
check "--listen 0.0.0.0:0 without a token exits 2 (exit $rc)" [ "$rc" = 2 ]
check "the refusal says why" grep -qiE 'token|insecure|loopback' "$ERR"
check "the refusal writes no port file" [ ! -s "$TMP/remote.port" ]
rc=0
AIDF_SERVER_TOKEN='' timeout "$(tmo 10)" "$AIDF" serve --listen 0.0.0.0:0 --reports-dir "$TMP/remote" \
    --port-file "$TMP/remote.port" >"$OUT" 2>"$ERR" || rc=$?
check "--listen 0.0.0.0:0 with an empty token exits 2 (exit $rc)" [ "$rc" = 2 ]

# Non-loopback with --allow-insecure-remote, or with a token: starts (port file), stopped
# again at once without sending it anything.
start_quiet() { # start_quiet NAME ARGS...: start, wait for the port file, then SIGTERM -> 0
    local name=$1
    shift
    local pf=$TMP/$name.port log=$TMP/server-$name.log i limit
    "$AIDF" serve --port-file "$pf" "$@" >"$log" 2>&1 &
    SRV_PID[$name]=$!
    SRV_LOG[$name]=$log
    limit=$(($(tmo 10) * 10))
    for ((i = 0; i < limit; i++)); do
        [ -s "$pf" ] && break
        kill -0 "${SRV_PID[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    check "$name: starts and writes its port file" [ -s "$pf" ]
    serve_stop "$name"
}
start_quiet insecure --listen 0.0.0.0:0 --allow-insecure-remote --reports-dir "$TMP/remote"
AIDF_SERVER_TOKEN=$tok start_quiet remote-token --listen 0.0.0.0:0 --reports-dir "$TMP/remote"

# 127.0.0.2 is loopback too: starts without a token and answers there.
if serve_start lo2 --listen 127.0.0.2:0 --reports-dir "$adir"; then
    expect_http 200 "--listen 127.0.0.2:0: GET /healthz" GET /healthz
    check "bound to 127.0.0.2 only" grep -q "listening on http://127.0.0.2:" "${SRV_LOG[lo2]}"
    serve_stop lo2
fi
if grep -qE '^0{31}1 ' /proc/net/if_inet6 2>/dev/null; then
    if serve_start v6 --listen '[::1]:0' --reports-dir "$adir"; then
        expect_http 200 "--listen [::1]:0: GET /healthz" GET /healthz
        serve_stop v6
    fi
else
    skip "no IPv6 loopback"
fi

openapi_finish
finish
