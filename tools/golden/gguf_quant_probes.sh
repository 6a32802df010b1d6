#!/usr/bin/env bash
# Golden data for smolc's GGUF block decoders (Q4_0, Q5_0, Q8_0, Q4_K, Q6_K):
# tools/golden/make_gguf_quant_probes.py writes tiny llama GGUFs whose token
# embedding holds random blocks of each type, and llama.cpp (node-llama-cpp's
# prebuilt, bench/llama_cpp/logits.mjs) evaluates TOKENS on each. Its
# embedding lookup decodes the blocks exactly, so smolc's reference engine on
# the same files must give the same logits (tests/frontend/test_gguf_quant.cpp).
#   tools/golden/gguf_quant_probes.sh
# Writes tests/data/gguf/probe_<type>.gguf and probe_<type>_llama_cpp.npy ([6, 32] float32).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/tests/data/gguf"
TOKENS="0,5,31,7,7,12"
mkdir -p "$OUT"
if [ ! -d "$ROOT/bench/llama_cpp/node_modules" ]; then (cd "$ROOT/bench/llama_cpp" && npm install --no-audit --no-fund); fi
python3 "$ROOT/tools/golden/make_gguf_quant_probes.py" "$OUT"
for t in q4_0 q5_0 q8_0 q4_k q6_k; do
  node "$ROOT/bench/llama_cpp/logits.mjs" "$OUT/probe_$t.gguf" "$TOKENS" "$OUT/probe_${t}_llama_cpp.npy"
done
