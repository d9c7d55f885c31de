#!/usr/bin/env bash
# The main job on the bundled examples: installs what is missing, builds, and
# runs serverless-tidy over examples/ (and, when built, the lifecycle emulator),
# ending with `serverless-tidy verify` over the five incidents and its table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
echo "== serverless-tidy check over examples/ (one file at a time)"
mapfile -t sources < <(find examples -path examples/multi-file -prune -o -name '*.cpp' -print | sort)
"$BUILD_DIR/bin/serverless-tidy" check "${sources[@]}"
echo "== serverless-tidy check -p: examples/multi-file as a whole program"
# Ninja and clang++-19 are what setup-debian.sh installs (no make on a fresh machine).
cmake -S examples/multi-file -B "$BUILD_DIR/examples-multi-file" -G Ninja -DCMAKE_CXX_COMPILER=clang++-19 >/dev/null
# Exit 0 with findings (they are warnings); a real failure (exit 2) stops the script.
"$BUILD_DIR/bin/serverless-tidy" check -p "$BUILD_DIR/examples-multi-file"
if [ -x "$BUILD_DIR/bin/serverless-tidy" ] && [ -f examples/run-functions.sh ]; then
  echo "== serverless-tidy run over the example functions"
  bash examples/run-functions.sh "$BUILD_DIR"
fi
echo "== serverless-tidy verify over the five incidents (examples/incident-*, README.md in each)"
# examples/verify_examples.py starts each incident's peers on loopback
# (redis-server, PostgreSQL, an HTTP endpoint, a tarpit Kafka broker), runs
# verify over the bad and the fixed function and stops the peers; on Ctrl-C
# or SIGTERM here it is told to stop (it interrupts verify, which ends its
# run in order, then stops the peers), so nothing is left running.
python3 examples/verify_examples.py --build "$BUILD_DIR" &
verify_pid=$!
stop_verify() {
  if kill -0 "$verify_pid" 2>/dev/null; then
    kill -TERM "$verify_pid" 2>/dev/null || true
    wait "$verify_pid" 2>/dev/null || true
  fi
}
trap stop_verify EXIT
trap 'stop_verify; exit 130' INT TERM HUP
wait "$verify_pid"
