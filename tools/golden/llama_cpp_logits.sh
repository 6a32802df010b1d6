#!/usr/bin/env bash
# Golden logits from llama.cpp (node-llama-cpp's prebuilt CPU build, pinned in
# bench/llama_cpp/package.json) for the GGUF that smolc writes from
# `smolc synth --preset tiny --seed 7`. tests/frontend/test_gguf_llama_cpp.cpp
# checks smolc's reference engine against them: an independent truth for the
# GGUF reader, the writer and the Q/K row permutation.
#   tools/golden/llama_cpp_logits.sh [BUILD_DIR]
# Writes tests/data/gguf/stories260K_llama_cpp.npy (see the end) and
# tests/data/gguf/tiny_seed7[_TYPE]_llama_cpp.npy for the f32, q8_0 and
# q4_0 conversions: float32 [8, 3072], the logits of the 8 positions of TOKENS
# at vocabulary ids 0, 16, 32, ... (every 16th column, to keep the files
# small; 49152 / 16 = 3072).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
TOKENS="1,200,3000,17,45000,9,31337,2"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

cmake --build "$BUILD" --target smolc >/dev/null
"$BUILD/bin/smolc" synth --preset tiny --seed 7 -o "$TMP/tiny" >/dev/null
if [ ! -d "$ROOT/bench/llama_cpp/node_modules" ]; then (cd "$ROOT/bench/llama_cpp" && npm install --no-audit --no-fund); fi
for type in f32 q8_0 q4_0; do
  "$BUILD/bin/smolc" convert "$TMP/tiny" --to gguf --type $type -o "$TMP/tiny-$type.gguf" >/dev/null
  node "$ROOT/bench/llama_cpp/logits.mjs" "$TMP/tiny-$type.gguf" "$TOKENS" "$TMP/full-$type.npy"
  suffix=$([ $type = f32 ] && echo "" || echo "_$type")
  python3 - "$TMP/full-$type.npy" "$ROOT/tests/data/gguf/tiny_seed7${suffix}_llama_cpp.npy" <<'PY'
import sys
import numpy as np
full = np.load(sys.argv[1])
assert full.shape == (8, 49152), full.shape
np.save(sys.argv[2], np.ascontiguousarray(full[:, ::16], dtype="<f4"))
PY
done
echo "wrote tests/data/gguf/tiny_seed7*_llama_cpp.npy (tokens $TOKENS)"

# The real trained stories260K (llama2.c) model, converted to GGUF F32:
# all 512 logits of 8 positions.
"$BUILD/bin/smolc" convert "$ROOT/models/stories260K/stories260K.bin" --to gguf -o "$TMP/stories260K.gguf" >/dev/null
node "$ROOT/bench/llama_cpp/logits.mjs" "$TMP/stories260K.gguf" "1,300,400,500,42,7,260,100" \
  "$ROOT/tests/data/gguf/stories260K_llama_cpp.npy"
