#!/usr/bin/env bash
# The main job on the bundled default model (stories260K), from a fresh Debian
# machine: build smolc, compile the model into a static library, build
# examples/generate against it through find_package, and print the story
# (greedy). Prints only the story and a one-line summary.
#   tools/demo.sh [BUILD_DIR]     (default: build/; the demo goes to BUILD_DIR/demo)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$(realpath -m "${1:-$ROOT/build}")"
DEMO="$BUILD/demo"
LOG="$DEMO/log.txt"
mkdir -p "$DEMO"
: >"$LOG"

# Runs a step quietly; on failure shows its output and stops.
step() {
  if ! "$@" >>"$LOG" 2>&1; then
    echo "demo.sh: failed: $*" >&2
    tail -n 40 "$LOG" >&2
    exit 1
  fi
}

start=$(date +%s)
step "$ROOT/tools/build.sh" "$BUILD"
step "$BUILD/bin/smolc" compile "$ROOT/models/stories260K/stories260K.bin" \
  --tokenizer "$ROOT/models/stories260K/tok512.bin" --f32 --name stories260k_f32 -o "$DEMO/engine"
step cmake -S "$ROOT/examples/generate" -B "$DEMO/generate" -G Ninja \
  -DCMAKE_C_COMPILER="${CC:-clang-19}" -DCMAKE_BUILD_TYPE=Release \
  -DSMOLC_ENGINE=stories260k_f32 -DCMAKE_PREFIX_PATH="$DEMO/engine"
step cmake --build "$DEMO/generate"
"$DEMO/generate/generate" -n 256
lib_kb=$(( $(stat -c %s "$DEMO/engine/lib/libstories260k_f32.a") / 1024 ))
echo "demo: stories260K compiled (f32) into $DEMO/engine/lib/libstories260k_f32.a (${lib_kb} KiB), examples/generate linked through find_package; $(( $(date +%s) - start )) s in all" >&2
