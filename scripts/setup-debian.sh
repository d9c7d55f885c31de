#!/usr/bin/env bash
# Installs what a fresh Debian 12 (bookworm) machine lacks to build and test serverless-tidy.
# Idempotent: when every package is present it only checks and returns in about a second.
set -euo pipefail

PACKAGES=(
  # toolchain and build
  cmake ninja-build g++ python3 git
  # LLVM/Clang 19 (Debian bookworm main)
  llvm-19-dev libclang-19-dev clang-19 clang-tidy-19 clangd-19 llvm-19-tools
  # Debian's default clang-tidy (14): the plugin's version guard is tested against it
  clang-tidy-14
  # clang 19's sanitizer and libFuzzer runtimes (SERVERLESS_SANITIZE, SERVERLESS_FUZZ)
  libclang-rt-19-dev
  # libraries we link against
  nlohmann-json3-dev libcpp-httplib-dev libgrpc++-dev libprotobuf-dev libgtest-dev libgmock-dev
  libcurl4-openssl-dev
  # real peers and client libraries used by tests and examples
  redis-server postgresql libhiredis-dev libpq-dev libpqxx-dev librdkafka-dev libmongoc-dev
  # runtime-side measurements
  strace valgrind procps
  # the real-code soak (scripts/soak.sh): apt-get source unpacks with dpkg-source, bear records
  # builds, GNU time measures each TU
  dpkg-dev bear time
  # the precision corpus (scripts/precision-corpus.sh): compile flags of the installed libraries,
  # git to clone the pinned repositories
  pkg-config git
  # the tests validate SARIF with Microsoft's SARIF Multitool, installed from the npm registry
  nodejs npm
  # the Node.js runtime's end-to-end test installs npm aws-lambda-ric, whose install builds
  # libcurl (autoreconf: autoconf, automake, libtool) and aws-lambda-cpp (cmake)
  autoconf automake libtool
  # verify's --html page is rendered and screenshotted in headless Chromium (test_verify.py html)
  chromium
)

# A package counts as present when it is installed or an installed package provides it
# (NodeSource's nodejs provides npm and conflicts with Debian's).
provided() {
  dpkg-query -W -f='${db:Status-Abbrev}|${Provides}\n' 2>/dev/null | awk -F'|' -v p="$1" '
    $1 ~ /^ii/ { n = split($2, a, ","); for (i = 1; i <= n; i++) { sub(/^ +/, "", a[i]); sub(/[ (:].*/, "", a[i]); if (a[i] == p) found = 1 } }
    END { exit !found }'
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' && ! provided "$p"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's apt lists are empty: update before installing.
$SUDO apt-get update -qq
# Do not let package postinst scripts start services we start ourselves in tests.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
