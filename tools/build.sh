#!/usr/bin/env bash
# Configures and builds smolc (Release, clang-19) into build/ unless told otherwise.
#   tools/build.sh [BUILD_DIR] [extra cmake args...]
# SMOLC_BUILD_TARGETS: build only these CMake targets (default: all).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build}"; shift || true
"$ROOT/tools/setup.sh"
export CC="${CC:-clang-19}" CXX="${CXX:-clang++-19}"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
# shellcheck disable=SC2086  # a list of target names
cmake --build "$BUILD" -j"$(nproc)" ${SMOLC_BUILD_TARGETS:+--target $SMOLC_BUILD_TARGETS}
