#!/usr/bin/env bash
# Installs what a fresh Debian 12 (bookworm) machine lacks to build and test serverless-tidy.
# Idempotent: when every package is present it only checks and returns in about a second.
set -euo pipefail

PACKAGES=(
  # toolchain and build
  cmake ninja-build g++ python3 git
  # LLVM/Clang 19 (Debian bookworm main)
  llvm-19-dev libclang-19-dev clang-19 clang-tidy-19 clangd-19 llvm-19-tools
  # libraries we link against
  nlohmann-json3-dev libcpp-httplib-dev libgrpc++-dev libprotobuf-dev libgtest-dev libgmock-dev
  libcurl4-openssl-dev
  # real peers and client libraries used by tests and examples
  redis-server postgresql libhiredis-dev libpq-dev libpqxx-dev librdkafka-dev libmongoc-dev
  # runtime-side measurements
  strace valgrind procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
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
