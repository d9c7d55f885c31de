#!/usr/bin/env bash
# Configures and builds serverless-tidy into ./build (or $BUILD_DIR).
# CMAKE_ARGS: extra configure arguments (first configure only), TARGETS:
# what to build (default: everything).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
# Two cores and heavy LLVM links: two compile jobs, links serialised by CMake's job pool.
JOBS=${JOBS:-2}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  # shellcheck disable=SC2086
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-}
fi
# shellcheck disable=SC2086
cmake --build "$BUILD_DIR" -j "$JOBS" ${TARGETS:+--target $TARGETS}
