#!/usr/bin/env bash
# Builds and runs the sampler bench (Release flags: clang-19 -O3, as the
# CMake Release build) straight from the runtime sources.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-/tmp/smolc_bench_sampler}"
"${CXX:-clang++-19}" -std=c++17 -O3 -DNDEBUG -fno-exceptions -fno-rtti -Wall -Wextra -Werror \
  -I"$ROOT/runtime" "$ROOT/bench/sampler/bench_sampler.cpp" "$ROOT"/runtime/sampler/*.cpp -o "$OUT"
"$OUT"
