#!/usr/bin/env bash
# Build aidf with warnings as errors and run every test (unit + end-to-end).
# Usage: scripts/test.sh [extra cmake args...]   env: BUILD_DIR (default build)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
build="${BUILD_DIR:-build}"
cmake -S . -B "$build" -DAIDF_WERROR=ON "$@" >/dev/null
cmake --build "$build" -j2
cd "$build"
ctest --output-on-failure -j2
