#!/usr/bin/env bash
# Builds llama.cpp's own `llama-bench` natively for this CPU (GGML_NATIVE=ON,
# CPU backend only, no CURL, no GPU) from the git bundle node-llama-cpp ships
# (node_modules/node-llama-cpp/llama/gitRelease.bundle: the exact commit its
# prebuilt binaries come from). Source and build live outside the repository,
# in a cache keyed by that commit and this CPU's flags:
#   ${XDG_CACHE_HOME:-~/.cache}/smolc/llama.cpp-<commit>/{src,build-<cpu flags hash>}
# so a second call, or a call from another worktree, costs nothing. Nothing of
# llama.cpp enters the repository.
#
#   bench/llama_cpp/build_llama_cpp.sh [--jobs N]
#
# Prints the path of llama-bench. Needs `npm install` in bench/llama_cpp (for
# the bundle), git, cmake and a C/C++ compiler ($CC/$CXX, default gcc/g++:
# llama.cpp's own CI compiler on Linux).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JOBS="$(nproc)"
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) JOBS="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "build_llama_cpp.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || { echo "build_llama_cpp.sh: --jobs '$JOBS' is not a positive integer" >&2; exit 2; }
BUNDLE="$HERE/node_modules/node-llama-cpp/llama/gitRelease.bundle"
[ -f "$BUNDLE" ] || { echo "build_llama_cpp.sh: no $BUNDLE: run 'npm install' in $HERE" >&2; exit 2; }
COMMIT="$(git bundle list-heads "$BUNDLE" | awk '$2 == "HEAD" || NR == 1 {print $1; exit}')"
[[ "$COMMIT" =~ ^[0-9a-f]{40}$ ]] || { echo "build_llama_cpp.sh: $BUNDLE names no commit" >&2; exit 2; }
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/smolc/llama.cpp-${COMMIT:0:12}"
# GGML_NATIVE compiles for this CPU (-march=native): a build is only valid on
# a CPU with the same flags, so the flags name the build folder.
CPUKEY="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|f16c|avx512.*|amx.*|avx_vnni)$' |
  sort | tr '\n' ' ' | cksum | cut -d' ' -f1)"
BUILD="$CACHE/build-$CPUKEY"
EXE="$BUILD/bin/llama-bench"
if [ ! -x "$EXE" ]; then
  mkdir -p "$CACHE"
  if [ ! -f "$CACHE/src/CMakeLists.txt" ]; then
    rm -rf "$CACHE/src.tmp"
    git clone -q "$BUNDLE" "$CACHE/src.tmp" 2>/dev/null
    git -C "$CACHE/src.tmp" checkout -q "$COMMIT"
    mv "$CACHE/src.tmp" "$CACHE/src"
  fi
  echo "build_llama_cpp.sh: building llama-bench ${COMMIT:0:12} natively in $BUILD (once; minutes)" >&2
  cmake -S "$CACHE/src" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_CPU=ON -DGGML_CUDA=OFF \
    -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_OPENMP=ON -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DBUILD_SHARED_LIBS=OFF >"$CACHE/cmake.log" 2>&1 ||
    { echo "build_llama_cpp.sh: cmake failed, see $CACHE/cmake.log" >&2; exit 1; }
  cmake --build "$BUILD" --target llama-bench -j "$JOBS" >"$CACHE/build.log" 2>&1 ||
    { echo "build_llama_cpp.sh: build failed, see $CACHE/build.log" >&2; exit 1; }
fi
echo "$EXE"
