#!/usr/bin/env bash
# Builds everything and runs every test (lit through the plugin and the tool,
# unit tests, end-to-end runs with real redis-server/PostgreSQL), then the
# sanitized run: an ASan+UBSan build (build-asan) with the unit and lit
# suites under it, a short run of each libFuzzer target and a slice of the
# real-code soak (scripts/soak.sh). Fails when either run fails.
# SANITIZE=0 skips the sanitized run. Time on 2 cores: docs/reliability.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
status=0
(cd "$BUILD_DIR" && ctest --output-on-failure -j 2 --timeout 600) || status=1

if [ "${SANITIZE:-1}" != 0 ]; then
  # Only what the sanitized suites need: the tool, the plugin, the unit
  # tests and the fuzzers (not serverless-clangd, the emulator's end-to-end
  # functions or the examples, which the plain run covers).
  ASAN_DIR=${ASAN_BUILD_DIR:-build-asan}
  BUILD_DIR=$ASAN_DIR \
    CMAKE_ARGS="-DSERVERLESS_SANITIZE=ON -DSERVERLESS_FUZZ=ON -DSERVERLESS_BUILD_CLANGD=OFF" \
    TARGETS="serverless-tidy ServerlessTidyPlugin serverless-unit-tests fuzz-model fuzz-runtime-api fuzz-ledger" \
    bash scripts/build.sh || status=1
  # The SARIF validator (npm) is the same in both trees: install it once.
  if [ -d "$BUILD_DIR/npm-tools" ] && [ ! -d "$ASAN_DIR/npm-tools" ]; then
    cp -a "$BUILD_DIR/npm-tools" "$ASAN_DIR/"
  fi
  # A slice of the real-code soak under the sanitizers: hiredis (fetched
  # once with apt-get source into the build tree). Without the network it is
  # skipped with a note (exit 3), never failed.
  soak=0
  bash scripts/soak.sh --build "$ASAN_DIR" --work "$ASAN_DIR/soak" --tu-seconds 120 hiredis || soak=$?
  case $soak in
    0) ;;
    3) echo "run-tests: the soak slice was skipped: hiredis's source could not be fetched" ;;
    *) status=1 ;;
  esac
  # Last, so the run ends with ctest's summary.
  (cd "$ASAN_DIR" && ctest --output-on-failure -j 2 --timeout 600 -L '^(unit|lit|fuzz)$') || status=1
fi
exit $status
