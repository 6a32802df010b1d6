#!/usr/bin/env bash
# Builds native_speed (native_speed.cpp, ours) against the llama.cpp that
# node-llama-cpp ships prebuilt: its headers come from the git bundle of the
# exact llama.cpp commit the binaries were built from
# (node_modules/node-llama-cpp/llama/gitRelease.bundle), cloned into OUT_DIR,
# never into the repository; it links the prebuilt libllama / libggml.
#
#   bench/llama_cpp/build_native.sh [OUT_DIR]     (default: bench/llama_cpp/.native)
#
# Prints the path of the executable. Needs `npm install` in bench/llama_cpp,
# git and clang++-19.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-$HERE/.native}"
NLC="$HERE/node_modules/node-llama-cpp"
BINS="$HERE/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
BUNDLE="$NLC/llama/gitRelease.bundle"
[ -f "$BUNDLE" ] && [ -d "$BINS" ] ||
  { echo "build_native.sh: no node-llama-cpp with its linux-x64 binaries: run 'npm install' in $HERE" >&2; exit 2; }
LIBLLAMA="$(cd "$BINS" && ls libllama.v*.so | head -1)"
LIBGGML="$(cd "$BINS" && ls libggml.v*.so | head -1)"
mkdir -p "$OUT"
SRC="$OUT/llama.cpp-src"
if [ ! -f "$SRC/include/llama.h" ]; then
  rm -rf "$SRC"
  git clone -q "$BUNDLE" "$SRC" 2>/dev/null
fi
EXE="$OUT/native_speed"
if [ ! -x "$EXE" ] || [ "$HERE/native_speed.cpp" -nt "$EXE" ]; then
  clang++-19 -std=c++17 -O2 -Wall -Wextra -Werror "$HERE/native_speed.cpp" -I"$SRC/include" -I"$SRC/ggml/include" \
    -L"$BINS" -l:"$LIBLLAMA" -l:"$LIBGGML" -l:libggml-base.so -Wl,-rpath,"$BINS" -o "$EXE.tmp"
  mv "$EXE.tmp" "$EXE"
fi
echo "$EXE"
