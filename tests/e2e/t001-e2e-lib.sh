#!/usr/bin/env bash
# The e2e scaffolding itself (tests/e2e/lib.sh): a skipped test exits 77 and ctest knows that
# code, AIDF_NO_SKIP=1 turns every kind of "could not run" into a failure, a test that checks
# nothing or fails a check does not pass, and the exit hooks run before TMP is removed.
#
# Usage: t001-e2e-lib.sh <aidf> <tests/data dir>   (aidf itself is not used here)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

# child NAME BODY: a script that sources lib.sh and then runs BODY.
child() {
    printf '. "%s/lib.sh"\n%s\n' "$HERE" "$2" >"$TMP/$1.sh"
}

# runs NAME WANT-STATUS [VAR=VALUE...]: run child NAME (AIDF_NO_SKIP unset unless given)
# with its output in $TMP/NAME.out, and check its exit status.
runs() {
    local name=$1 want=$2 rc
    shift 2
    env -u AIDF_NO_SKIP -u AIDF_TEST_KEEP "$@" bash "$TMP/$name.sh" >"$TMP/$name.out" 2>&1
    rc=$?
    if [ "$rc" = "$want" ]; then
        ok "$name${1:+ with $*}: exit $want"
    else
        not_ok "$name${1:+ with $*}: exit $rc, want $want"
        sed 's/^/#   /' "$TMP/$name.out"
    fi
}

# has NAME TEXT: the last run of child NAME printed TEXT.
has() { grep -qF -- "$2" "$TMP/$1.out"; }

child need 'ok "before"; need sh aidf-no-such-tool-1f3a; ok "after"; finish'
runs need 77
check "need: says which tool is missing" has need "aidf-no-such-tool-1f3a is not installed"
check "need: the test stops there" eval '! has need "ok - after"'
runs need 1 AIDF_NO_SKIP=1
check "need under AIDF_NO_SKIP=1: a 'not ok' line" has need "not ok - skipped: aidf-no-such-tool-1f3a"

child need_py 'need_py aidf_no_such_module_1f3a; ok "after"; finish'
runs need_py 77
runs need_py 1 AIDF_NO_SKIP=1

child skip_test 'skip_test "no loopback"; finish'
runs skip_test 77
runs skip_test 1 AIDF_NO_SKIP=1

child have 'need sh; ok "sh is there"; finish'
runs have 0
runs have 0 AIDF_NO_SKIP=1

child want 'if want aidf-no-such-tool-1f3a; then ok "ran"; fi; ok "rest"; finish'
runs want 0
check "want: the part is reported as skipped" has want "SKIP - aidf-no-such-tool-1f3a is not installed"
check "want: the summary counts the skip" has want "1 passed, 0 failed, 1 skipped"
runs want 1 AIDF_NO_SKIP=1
check "want under AIDF_NO_SKIP=1: counted as a failure" has want "1 passed, 1 failed"

child skip 'skip "running as root"; ok "rest"; finish'
runs skip 0 AIDF_NO_SKIP=1
check "skip: an environment skip is counted, not failed" has skip "1 passed, 0 failed, 1 skipped"

child nothing 'finish'
runs nothing 1
check "no check at all: not ok" has nothing "not ok - the test ran no check at all"

child fails 'ok "one"; check "two" false; finish'
runs fails 1
check "a failed check: the summary line" has fails "1 passed, 1 failed"

child hooks 'echo "$TMP" >"'"$TMP"'/hooks.tmp"
at_exit "echo first-registered"
at_exit "test -d \"\$TMP\" && echo tmp-still-there"
ok "one"
finish'
runs hooks 0
check "at_exit: hooks run last registered first, before TMP is removed" \
    test "$(grep -E '^(first-registered|tmp-still-there)$' "$TMP/hooks.out" | tr '\n' ' ')" = \
    "tmp-still-there first-registered "
check "TMP is removed at exit" test ! -e "$(cat "$TMP/hooks.tmp")"

# ctest maps exit 77 to "skipped" for every e2e test (SKIP_RETURN_CODE in tests/CMakeLists.txt).
if [ -n "${AIDF_BUILD_DIR:-}" ] && want ctest; then
    ctest --test-dir "$AIDF_BUILD_DIR" --show-only=json-v1 >"$TMP/ctest.json" 2>"$TMP/ctest.err"
    qcheck "ctest: every e2e test has SKIP_RETURN_CODE 77" jq -e '
        [.tests[] | select(.name | startswith("e2e_"))] as $e
        | ($e | length) > 0 and all($e[];
            any(.properties[]?; .name == "SKIP_RETURN_CODE" and .value == 77))' "$TMP/ctest.json"
    qcheck "ctest: e2e tests carry the e2e label, unit tests the unit label" jq -e '
        all(.tests[]; (.name | split("_")[0]) as $kind
            | ($kind != "e2e" and $kind != "unit")
              or any(.properties[]?; .name == "LABELS" and (.value | index($kind))))' "$TMP/ctest.json"
else
    missing "AIDF_BUILD_DIR unset or no ctest: the ctest properties were not checked"
fi

finish
