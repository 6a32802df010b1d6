#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine:
#   1. installs what is missing (tools/setup.sh),
#   2. Release build + every CTest test,
#   3. ASan+UBSan build + the importer, reference-engine and text tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JOBS="$(nproc)"

echo "== release build"
tools/build.sh "$ROOT/build"
echo "== tests (release)"
ctest --test-dir "$ROOT/build" -j"$JOBS" --output-on-failure --timeout 1200

echo "== sanitizer build (ASan + UBSan)"
tools/build.sh "$ROOT/build-asan" -DSMOLC_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests (ASan + UBSan): importers, reference engine, text runtime"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$ROOT/build-asan" -j"$JOBS" --output-on-failure --timeout 1800 \
  -L '^(frontend|reference|tokenizer|sampler|chat|cli)$'

echo "== fuzz: every loader, the tokenizer and the engine C API (libFuzzer + ASan + UBSan, SMOLC_FUZZ_SECONDS each, 7 x 40 s by default)"
tools/fuzz.sh "$ROOT/build-fuzz" "${SMOLC_FUZZ_SECONDS:-40}"
