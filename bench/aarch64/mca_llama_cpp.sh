#!/usr/bin/env bash
# llvm-mca model (NOT a measurement) of llama.cpp's NEON dot products next to
# smolc's aarch64 kernels: cycles per 32 multiply-adds on cortex-a76 and
# neoverse-v1 for the innermost loops of ggml_vec_dot_q8_0_q8_0 and
# ggml_vec_dot_q4_0_q8_0 (ggml/src/ggml-cpu/arch/arm/quants.c), and for
# smolc's f32, q8 and q4 gemv/gemm kernels (tools/kernels/mca_neon.py).
#
#   bench/aarch64/mca_llama_cpp.sh [SMOLC]        (default build/bin/smolc)
#
# llama.cpp's source is the git bundle node-llama-cpp ships
# (bench/llama_cpp/node_modules/node-llama-cpp/llama/gitRelease.bundle, after
# `npm install` in bench/llama_cpp): the commit its prebuilt binaries come
# from, cloned outside the repository into the cache that
# bench/llama_cpp/build_llama_cpp.sh uses,
# ${XDG_CACHE_HOME:-~/.cache}/smolc/llama.cpp-<commit>/src, and compiled into
# .../mca-aarch64/. Nothing of it enters this repository. quants.c is compiled to
# assembly for aarch64 at -O3 (llama.cpp's Release build) with clang-19
# --target=aarch64-linux-gnu and with aarch64-linux-gnu-gcc 12, once for
# ARMv8.0 (-march=armv8-a: ggml_vdotq_s32 is smull/smull2 + saddlp) and once
# for ARMv8.2 + dotprod (sdot), the two ISAs of smolc's aarch64 and
# aarch64-dotprod targets; repack.cpp's 4-row dotprod kernels likewise. smolc's kernels are built at -O2, as `smolc compile`
# builds them. Prints one markdown table; docs/performance.md has a run.
# Needs git, python3, clang-19, aarch64-linux-gnu-gcc/g++, llvm-mca-19 (tools/setup.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SMOLC="${1:-$ROOT/build/bin/smolc}"
BUNDLE="$ROOT/bench/llama_cpp/node_modules/node-llama-cpp/llama/gitRelease.bundle"
[ -f "$BUNDLE" ] || { echo "mca_llama_cpp.sh: no $BUNDLE: run 'npm install' in bench/llama_cpp" >&2; exit 2; }
[ -x "$SMOLC" ] || { echo "mca_llama_cpp.sh: no smolc at $SMOLC (tools/build.sh builds it)" >&2; exit 2; }
for tool in git python3 clang-19 clang++-19 aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ llvm-mca-19; do
  command -v "$tool" >/dev/null || { echo "mca_llama_cpp.sh: $tool is missing (tools/setup.sh installs it)" >&2; exit 2; }
done
COMMIT="$(git bundle list-heads "$BUNDLE" | awk '$2 == "HEAD" || NR == 1 {print $1; exit}')"
[[ "$COMMIT" =~ ^[0-9a-f]{40}$ ]] || { echo "mca_llama_cpp.sh: $BUNDLE names no commit" >&2; exit 2; }
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/smolc/llama.cpp-${COMMIT:0:12}"
SRC="$CACHE/src" OUT="$CACHE/mca-aarch64"
if [ ! -f "$SRC/CMakeLists.txt" ]; then  # as build_llama_cpp.sh clones it
  mkdir -p "$CACHE"
  rm -rf "$CACHE/src.tmp"
  git clone -q "$BUNDLE" "$CACHE/src.tmp" 2>/dev/null
  git -C "$CACHE/src.tmp" checkout -q "$COMMIT"
  mv "$CACHE/src.tmp" "$SRC"
fi
mkdir -p "$OUT"
QUANTS="$SRC/ggml/src/ggml-cpu/arch/arm/quants.c"
INC=(-I"$SRC/ggml/include" -I"$SRC/ggml/src" -I"$SRC/ggml/src/ggml-cpu")

# quants-COMPILER-ISA.s for both compilers and both ISAs.
asm_args=()
for isa in neon neondot; do
  march=armv8-a
  [ "$isa" = neondot ] && march=armv8.2-a+dotprod
  for cc in clang gcc; do
    s="$OUT/quants-$cc-$isa.s"
    if [ "$cc" = clang ]; then
      clang-19 --target=aarch64-linux-gnu -march="$march" -O3 -std=c11 -D_GNU_SOURCE "${INC[@]}" -S "$QUANTS" -o "$s"
    else
      aarch64-linux-gnu-gcc -march="$march" -O3 -std=c11 -D_GNU_SOURCE "${INC[@]}" -S "$QUANTS" -o "$s"
    fi
    for f in q8_0_q8_0 q4_0_q8_0; do
      asm_args+=(--asm "llama.cpp ggml_vec_dot_${f} ($isa)|$cc=$s:ggml_vec_dot_${f}")
    done
  done
done
# On a dotprod CPU without i8mm (Cortex-A76) llama.cpp repacks Q4_0 and Q8_0
# weights to 4 interleaved rows and runs these instead of ggml_vec_dot
# (ggml/src/ggml-cpu/repack.cpp picks q4_0_4x4 / q8_0_4x4). The q4_0 gemm is
# inline asm, which the loop finder does not see: not modelled.
for cc in clang gcc; do
  s="$OUT/repack-$cc-neondot.s"
  if [ "$cc" = clang ]; then
    clang++-19 --target=aarch64-linux-gnu -march=armv8.2-a+dotprod -O3 -std=c++17 -D_GNU_SOURCE "${INC[@]}" \
      -S "$SRC/ggml/src/ggml-cpu/arch/arm/repack.cpp" -o "$s"
  else
    aarch64-linux-gnu-g++ -march=armv8.2-a+dotprod -O3 -std=c++17 -D_GNU_SOURCE "${INC[@]}" \
      -S "$SRC/ggml/src/ggml-cpu/arch/arm/repack.cpp" -o "$s"
  fi
  for f in gemv_q4_0_4x4_q8_0 gemv_q8_0_4x4_q8_0 gemm_q8_0_4x4_q8_0; do
    asm_args+=(--asm "llama.cpp ggml_${f} (neondot, repacked)|$cc=$s:ggml_${f}")
  done
done

echo "llvm-mca-19 model, not a measurement. llama.cpp ${COMMIT:0:12} (node-llama-cpp's bundle);"
echo "$("$SMOLC" version 2>/dev/null | head -1). One llama.cpp loop iteration is two 32-weight blocks of one row."
echo
python3 "$ROOT/tools/kernels/mca_neon.py" "${asm_args[@]}"
python3 "$ROOT/tools/kernels/mca_neon.py" --no-header --kernels '^(f32|q8|q4)-.*-(neon|neondot)$' "$SMOLC"
