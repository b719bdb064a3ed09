#!/usr/bin/env bash
# The summary index (.index) is a cache: when it cannot be saved, `aidf report list`,
# `show`, `summary` and `export` still answer (exit 0, the same output as with a saved
# index) with exactly one warning on stderr, and `aidf serve` starts and answers /runs.
#
# The save is made to fail in two ways: `.index` is a directory (the rename of the durable
# write fails; deterministic, for root and other users alike), and, where this machine
# lets us mount a small tmpfs (root with CAP_SYS_ADMIN), a really full disk (ENOSPC).
#
# Usage: t167-index-unsaved.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

# The answers of a directory whose index saves normally, to compare with.
REF=$TMP/ref
# -p keeps the file times: receivedAt (the file time of a run found on disk) is in the answers.
cp -rp "$DATA/reportdirs/small" "$REF"
for c in "list" "list --json" "show 77aa88bb" "summary" "summary --json"; do
    # shellcheck disable=SC2086 # the words of $c are the arguments
    "$AIDF" report $c --reports-dir "$REF" >"$TMP/ref-${c// /_}" 2>/dev/null
done
"$AIDF" report export --csv - --reports-dir "$REF" >"$TMP/ref-export" 2>/dev/null
check "the reference directory got its index" test -f "$REF/.index"

warned_once() {
    [ "$(grep -c 'warning: cannot save the report index' "$ERR")" = 1 ] &&
        [ "$(grep -vc 'warning: cannot save the report index' "$ERR")" = 0 ]
}

# cli_checks LABEL DIR: every read command answers from DIR as from the reference.
cli_checks() {
    local label=$1 dir=$2 c
    for c in "list" "list --json" "show 77aa88bb" "summary" "summary --json"; do
        # shellcheck disable=SC2086
        expect 0 "$label: report $c exits 0" report $c --reports-dir "$dir"
        check "$label: report $c answers as with a saved index" cmp -s "$OUT" "$TMP/ref-${c// /_}"
        check "$label: report $c warns once, and nothing else" warned_once
    done
    expect 0 "$label: report export --csv - exits 0" report export --csv - --reports-dir "$dir"
    check "$label: export has the header and 6 rows" [ "$(wc -l <"$OUT")" = 7 ]
    check "$label: export answers as with a saved index" cmp -s "$OUT" "$TMP/ref-export"
    check "$label: export warns once, and nothing else" warned_once
    check "$label: no temporary index file is left" \
        [ -z "$(find "$dir" -maxdepth 1 -name '.index.tmp.*' -print)" ]
}

# serve_checks LABEL DIR: the server starts over DIR, answers /runs, and stops cleanly.
serve_checks() {
    local label=$1 dir=$2
    if serve_start "$label" --reports-dir "$dir"; then
        ok "$label: aidf serve starts"
        req GET /runs
        check "$label: GET /runs -> 200" [ "$STATUS" = 200 ]
        qcheck "$label: GET /runs lists the 6 runs" jq -e '.total == 6 and (.runs | length) == 6' "$B"
        req GET /runs/77aa88bb
        check "$label: GET /runs/{id} -> 200" [ "$STATUS" = 200 ]
        check "$label: the report as stored" cmp -s "$B" "$dir/2026-11-20/run-77aa88bb.json"
        req GET /summary
        qcheck "$label: GET /summary counts the 6 runs" jq -e '.runs == 6' "$B"
        serve_stop "$label"
        check "$label: the server warned once that the index is not saved" \
            [ "$(grep -c ' warn cannot save the report index' "${SRV_LOG[$label]}")" = 1 ]
    fi
}

# --- .index is a directory --------------------------------------------------------------
D=$TMP/dirindex
cp -rp "$DATA/reportdirs/small" "$D"
rm -f "$D/.index" # an index a run by hand may have left in the source tree
mkdir "$D/.index"
cli_checks "index is a directory" "$D"
serve_checks "dirindex" "$D"
check "the directory is left as it was" [ -d "$D/.index" ]

# --- a full disk ------------------------------------------------------------------------
F=$TMP/full
mkdir "$F"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m,mode=0755 aidf-e2e-full "$F" 2>/dev/null; then
    at_exit "umount '$F' 2>/dev/null"
    cp -rp "$DATA/reportdirs/small/." "$F/"
    dd if=/dev/zero of="$F/filler" bs=4k 2>/dev/null
    check "the tmpfs is full" [ "$(df --output=avail -k "$F" | tail -n 1 | tr -d ' ')" = 0 ]
    check "writing there fails with ENOSPC" bash -c "! echo x >'$F/probe' 2>/dev/null"
    rm -f "$F/probe"
    cli_checks "full disk" "$F"
    check "full disk: the warning names the cause" err_has "No space left on device"
    serve_checks "full" "$F"
    check "full disk: no index was written" [ ! -e "$F/.index" ]
else
    skip "a really full disk: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"
fi

openapi_finish
finish
