#!/usr/bin/env bash
# Install the Debian 12 packages aidf needs to build and test, when any is missing.
# Usage: scripts/deps.sh [--dev]   (--dev adds clang, sanitizer runtime and clang-format)
# bubblewrap is a runtime dependency: `aidf run` confines the API providers' run_command
# with it (security.sandbox), and the sandbox tests need it.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git ca-certificates
      libmicrohttpd-dev libjansson-dev libyaml-dev libcurl4-openssl-dev libssl-dev
      libcmocka-dev zlib1g-dev jq python3 python3-jsonschema python3-yaml curl zsh
      tzdata bubblewrap)
# script(1), which the terminal e2e test (t070) runs aidf under, is in bsdutils.
pkgs+=(bsdutils)
# The dashboard's browser test (t190) drives Debian's chromium with puppeteer-core (npm,
# installed by the test from tests/browser/package-lock.json). Node and npm count as
# present when their commands are: a Node.js from elsewhere (NodeSource's nodejs bundles
# npm and conflicts with Debian's npm package) will do.
pkgs+=(chromium)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
if [ "${1:-}" = "--dev" ]; then
    pkgs+=(clang libclang-rt-14-dev clang-format)
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
