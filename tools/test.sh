#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine:
#   1. installs what is missing (tools/setup.sh),
#   2. Release build + every CTest test,
#   3. ASan+UBSan build + the importer, reference-engine and text tests,
#   4. a bounded libFuzzer run of every loader (tools/fuzz.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
JOBS="$(nproc)"
# Each phase reports its wall time, so the CI budget (docs/testing.md) can be checked.
phase() { echo "== [$((SECONDS / 60)) min $((SECONDS % 60)) s] $*"; }

phase "release build"
tools/build.sh "$ROOT/build"
phase "tests (release)"
ctest --test-dir "$ROOT/build" -j"$JOBS" --output-on-failure --timeout 1200

# The sanitizer pass builds only smolc and the test areas it runs.
ASAN_AREAS=(frontend reference tokenizer sampler chat cli)
phase "sanitizer build (ASan + UBSan): smolc and the ${ASAN_AREAS[*]} tests"
SMOLC_BUILD_TARGETS="smolc ${ASAN_AREAS[*]/#/smolc_tests_}" \
  tools/build.sh "$ROOT/build-asan" -DSMOLC_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
phase "tests (ASan + UBSan): importers, reference engine, text runtime"
ASAN_LABELS="$(IFS='|'; echo "${ASAN_AREAS[*]}")"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$ROOT/build-asan" -j"$JOBS" --output-on-failure --timeout 1800 \
  -L "^($ASAN_LABELS)\$"

phase "fuzz: every loader, the tokenizer and the engine C API (libFuzzer + ASan + UBSan, SMOLC_FUZZ_SECONDS each, 7 x 30 s by default, one target per core)"
SMOLC_FUZZ_SMOLC="$ROOT/build/bin/smolc" tools/fuzz.sh "$ROOT/build-fuzz" "${SMOLC_FUZZ_SECONDS:-30}"
phase "done"
