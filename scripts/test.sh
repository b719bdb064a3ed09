#!/usr/bin/env bash
# Build aidf with warnings as errors and run every test (unit + end-to-end).
# Usage: scripts/test.sh [extra cmake args...]
# Environment: BUILD_DIR (default build); CTEST_ARGS (extra ctest arguments, e.g. "-L unit");
# CI=true or AIDF_NO_SKIP=1: a skipped test is a failure (an e2e script that cannot run here
# fails instead of exiting 77, and any test ctest reports as skipped fails the run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
build="${BUILD_DIR:-build}"
if [ "${CI:-}" = true ]; then
    export AIDF_NO_SKIP=1
fi
cmake -S . -B "$build" -DAIDF_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j2
cd "$build"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086 # CTEST_ARGS is a list of words
ctest --output-on-failure -j2 ${CTEST_ARGS:-} | tee "$log"
if [ "${AIDF_NO_SKIP:-0}" = 1 ] && grep -q '\*\*\*Skipped' "$log"; then
    echo "error: tests were skipped, and AIDF_NO_SKIP=1 (CI) requires every test to run:" >&2
    grep '\*\*\*Skipped' "$log" >&2
    exit 1
fi
