#!/usr/bin/env bash
# The main job on the bundled examples: installs what is missing, builds, and
# runs serverless-tidy over examples/ (and, when built, the lifecycle emulator).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
echo "== serverless-tidy check over examples/"
mapfile -t sources < <(find examples -name '*.cpp' | sort)
"$BUILD_DIR/bin/serverless-tidy" check "${sources[@]}"
if [ -x "$BUILD_DIR/bin/serverless-tidy" ] && [ -f examples/run-functions.sh ]; then
  echo "== serverless-tidy run over the example functions"
  bash examples/run-functions.sh "$BUILD_DIR"
fi
