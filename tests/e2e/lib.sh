# The one scaffolding of the end-to-end tests. Sourced, not run: every tests/e2e/t*.sh
# sources it first, directly or through cli-lib.sh (and serve-lib.sh, run-lib.sh,
# receiver-lib.sh, which build on cli-lib.sh).
#
# Usage in a test:  . "$(dirname "$0")/lib.sh"
#
# It gives a test:
#   TMP            a fresh temporary directory, removed at exit (AIDF_TEST_KEEP=1 keeps it)
#   at_exit CMD    run CMD when the script exits (last registered first), before TMP is
#                  removed; use it instead of `trap ... EXIT`, which would replace the cleanup
#   ok NAME / not_ok NAME / check NAME COMMAND... / qcheck (check, command's stdout discarded)
#                  one line per check ("ok - NAME" / "not ok - NAME") and the counters;
#                  not_ok also prints the start of $OUT and $ERR when a test sets them
#   finish         prints "N passed, M failed" (", K skipped" when some part was skipped)
#                  and exits 0 only when nothing failed and at least one check ran
#   skips, which must never look like a pass:
#     need TOOL...          the whole test needs TOOL: without it, skip the test (exit 77,
#                           which ctest reports as skipped through SKIP_RETURN_CODE)
#     need_py MODULE...     the same for python3 modules
#     skip_test REASON      skip the whole test for another reason (exit 77)
#     want TOOL...          part of a test needs TOOL: 0 when all are there, otherwise
#                           records a skip of that part (see missing) and returns 1
#     missing REASON        a part of the test did not run because something is missing
#     skip REASON           a part of the test does not apply to this machine (running as
#                           root, no IPv6 loopback, ...): counted, never a failure
#   With AIDF_NO_SKIP=1 in the environment (scripts/test.sh sets it when CI=true) `need`,
#   `skip_test`, `want` and `missing` are failures: CI must run every test it expects to.
#   MULT, tmo SECONDS   timeouts scaled by AIDF_TEST_TIMEOUT_MULT (sanitizer builds: 3..5)
#   wait_file FILE [SECONDS] [PID]   wait (bounded) for FILE to be non-empty; gives up
#                  early when process PID has exited
#   free_port      a TCP port on 127.0.0.1 that was free a moment ago
#
# Test traffic never goes through a proxy: the proxy variables are unset here.

set -u

# A second `. lib.sh` (a test sourcing two helper libraries) must not make a second TMP.
if [ -z "${AIDF_E2E_LIB:-}" ]; then
    AIDF_E2E_LIB=1

    export LC_ALL=C.UTF-8
    unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
    export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

    TMP=$(mktemp -d "${TMPDIR:-/tmp}/aidf-e2e.XXXXXX") || exit 1
    PASS=0
    FAIL=0
    SKIPPED=0
    AT_EXIT=()

    MULT=${AIDF_TEST_TIMEOUT_MULT:-1}
    case $MULT in '' | *[!0-9.]*) MULT=1 ;; esac

    # at_exit CMD...: run CMD (one string, evaluated) at exit, before TMP is removed.
    at_exit() {
        AT_EXIT+=("$*")
    }

    e2e_exit() {
        local rc=$? i
        trap - EXIT
        for ((i = ${#AT_EXIT[@]} - 1; i >= 0; i--)); do
            eval "${AT_EXIT[i]}"
        done
        if [ "${AIDF_TEST_KEEP:-0}" = 1 ]; then
            echo "# kept $TMP"
        else
            rm -rf "$TMP"
        fi
        exit "$rc"
    }
    trap e2e_exit EXIT
    trap 'exit 130' INT TERM

    ok() {
        PASS=$((PASS + 1))
        echo "ok - $1"
    }

    not_ok() {
        FAIL=$((FAIL + 1))
        echo "not ok - $1"
        if [ -n "${OUT:-}" ] && [ -s "$OUT" ]; then head -n 25 "$OUT" | sed 's/^/#   stdout: /'; fi
        if [ -n "${ERR:-}" ] && [ -s "$ERR" ]; then head -n 15 "$ERR" | sed 's/^/#   stderr: /'; fi
    }

    # check NAME COMMAND...: a passing command is a passing check.
    check() {
        local name=$1
        shift
        if "$@"; then ok "$name"; else not_ok "$name"; fi
    }

    # qcheck NAME COMMAND...: check, with the command's stdout discarded.
    qcheck() {
        local name=$1
        shift
        if "$@" >/dev/null; then ok "$name"; else not_ok "$name"; fi
    }

    # skip REASON: a part of the test does not apply here (never a failure).
    skip() {
        SKIPPED=$((SKIPPED + 1))
        echo "SKIP - $1"
    }

    # missing REASON: a part of the test did not run because something is missing; a
    # failure under AIDF_NO_SKIP=1.
    missing() {
        if [ "${AIDF_NO_SKIP:-0}" = 1 ]; then
            not_ok "$1 (AIDF_NO_SKIP=1: nothing may be skipped)"
        else
            skip "$1"
        fi
    }

    # skip_test REASON: skip the whole test (exit 77: ctest reports it as skipped); a
    # failure (exit 1) under AIDF_NO_SKIP=1.
    skip_test() {
        if [ "${AIDF_NO_SKIP:-0}" = 1 ]; then
            echo "not ok - skipped: $1 (AIDF_NO_SKIP=1: nothing may be skipped)"
            exit 1
        fi
        echo "SKIP - the whole test: $1"
        exit 77
    }

    # need TOOL...: the test cannot run without these commands.
    need() {
        local t
        for t in "$@"; do
            command -v "$t" >/dev/null 2>&1 || skip_test "$t is not installed"
        done
    }

    # need_py MODULE...: the test cannot run without these python3 modules.
    need_py() {
        local m
        need python3
        for m in "$@"; do
            python3 -c "import $m" 2>/dev/null || skip_test "python3 module $m is not installed"
        done
    }

    # want TOOL...: 0 when every command is installed; otherwise `missing` and 1.
    want() {
        local t
        for t in "$@"; do
            if ! command -v "$t" >/dev/null 2>&1; then
                missing "$t is not installed: the checks that need it did not run"
                return 1
            fi
        done
        return 0
    }

    finish() {
        if [ "$PASS" -eq 0 ] && [ "$FAIL" -eq 0 ]; then
            not_ok "the test ran no check at all"
        fi
        if [ "$SKIPPED" -gt 0 ]; then
            echo "$PASS passed, $FAIL failed, $SKIPPED skipped"
        else
            echo "$PASS passed, $FAIL failed"
        fi
        [ "$FAIL" -eq 0 ]
        exit $?
    }

    # tmo SECONDS: SECONDS scaled by AIDF_TEST_TIMEOUT_MULT (rounded up, at least 1).
    tmo() {
        awk -v s="$1" -v m="$MULT" 'BEGIN { t = s * m; r = int(t); if (r < t) r++; if (r < 1) r = 1; print r }'
    }

    # wait_file FILE [SECONDS] [PID]: 0 once FILE is non-empty; 1 after SECONDS (default 10,
    # scaled by tmo) or as soon as process PID (when given) has exited.
    wait_file() {
        local f=$1 limit i pid=${3:-}
        limit=$(($(tmo "${2:-10}") * 20))
        for ((i = 0; i < limit; i++)); do
            [ -s "$f" ] && return 0
            if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
                [ -s "$f" ]
                return
            fi
            sleep 0.05
        done
        [ -s "$f" ]
    }

    # free_port: a port on 127.0.0.1 that was free a moment ago (bound, then closed).
    free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    }
fi
