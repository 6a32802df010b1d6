#!/usr/bin/env bash
# Builds the tokenizer bench (clang-19 -O3, as the Release build) and runs it
# and the HF JS reference on the same English corpus.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-/tmp/smolc_bench_tokenizer}"
CORPUS="$("$ROOT/bench/tokenizer/make_corpus.sh")"
JSON="$ROOT/models/smollm2-135m-instruct/tokenizer.json"
"${CXX:-clang++-19}" -std=c++20 -O3 -DNDEBUG -Wall -Wextra -Werror -I"$ROOT/compiler" -I"$ROOT" -I"$ROOT/runtime" \
  "$ROOT/bench/tokenizer/bench_tokenizer.cpp" "$ROOT"/runtime/tokenizer/*.cpp "$ROOT/compiler/text/tokenizer_tables.cpp" \
  "$ROOT/compiler/frontend/hf_tokenizer_json.cpp" "$ROOT/compiler/frontend/json_file.cpp" \
  "$ROOT/compiler/frontend/mapped_file.cpp" -o "$OUT"
"$OUT" "$JSON" "$CORPUS"
if [ -d "$ROOT/tools/tokenizer_golden/node_modules/@huggingface/tokenizers" ]; then
  node "$ROOT/bench/tokenizer/bench_hf.mjs" "$JSON" "$CORPUS"
else
  echo "(run 'npm ci' in tools/tokenizer_golden for the HF reference numbers)"
fi
