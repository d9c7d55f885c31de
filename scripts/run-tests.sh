#!/usr/bin/env bash
# Builds everything and runs every test (lit through the plugin and the tool,
# unit tests, end-to-end runs with real redis-server/PostgreSQL). Ends with
# ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
cd "$BUILD_DIR"
exec ctest --output-on-failure -j 2 --timeout 600
