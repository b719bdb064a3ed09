#!/usr/bin/env bash
# GET /runs/<id> keeps small reports as ready responses: repeated reads answer the same
# bytes as the file, and a file that another process changes or deletes is served anew
# (or 404) once the server notices, within its refresh period, never stale for longer.
#
# Usage: t165-serve-run-cache.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

RD=$TMP/reports
cp -r "$DATA/reportdirs/small" "$RD"
A=a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d
AFILE=$RD/2026-11-18/run-a1b2c3d4.json
serve_start main --reports-dir "$RD" || finish

NOCHECK=1 req GET "/runs/$A"
check "first read: 200" [ "$STATUS" = 200 ]
check "first read: the file's bytes" cmp -s "$B" "$AFILE"
cp "$B" "$TMP/first"
NOCHECK=1 req GET "/runs/a1b2c3d4-5e6f"
check "a prefix read: the same bytes" cmp -s "$B" "$AFILE"
check "the content type" grep -qi '^content-type: application/json' "$H"
check "nosniff once" [ "$(grep -ci '^x-content-type-options: nosniff' "$H")" = 1 ]
for i in 1 2 3; do NOCHECK=1 req GET "/runs/$A"; done
check "repeated reads: the same bytes, one nosniff header" \
    sh -c "cmp -s '$B' '$AFILE' && [ \"\$(grep -ci '^x-content-type-options' '$H')\" = 1 ]"

# Another process rewrites the file (same run id, new content).
jq '.taskGoal = "changed behind the server"' "$AFILE" >"$TMP/new.json"
sleep 1.1 # a new mtime second
mv "$TMP/new.json" "$AFILE"
sleep 1.5
NOCHECK=1 req GET "/runs/$A"
check "a rewritten file is served anew" grep -q 'changed behind the server' "$B"

rm -f "$AFILE"
sleep 1.5
NOCHECK=1 req GET "/runs/$A"
check "a deleted file is gone" [ "$STATUS" = 404 ]

serve_stop main
finish
