#!/usr/bin/env bash
# Runs the example functions through the emulated Lambda lifecycle with the
# resource ledger: the leaking one shows +1 fd/invocation, the fixed one none.
set -euo pipefail
BUILD_DIR=${1:-build}
for fn in fd_leak fd_ok; do
  echo "== serverless-tidy run --invocations 20 $BUILD_DIR/examples/$fn"
  "$BUILD_DIR/bin/serverless-tidy" run --invocations 20 --timeout 3 --fail-on none \
      "$BUILD_DIR/examples/$fn" || true
done
