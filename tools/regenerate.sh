#!/usr/bin/env bash
# Regenerates generated/: the engine sources `smolc compile` emits for
# SmolLM2-135M-Instruct at bf16, for the avx512 and scalar targets (code only:
# no weights, no tokenizer table bytes, no runtime copy; see generated/README.md).
# The code depends only on the model's config and smolc, so random weights of
# the real shapes stand in for the checkpoint.
#   tools/regenerate.sh [--check] [SMOLC]
# --check: regenerate into a temporary directory and fail if generated/ differs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHECK=0
if [[ "${1:-}" == "--check" ]]; then CHECK=1; shift; fi
SMOLC="$(realpath "${1:-$ROOT/build/bin/smolc}")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$SMOLC" synth --preset SmolLM2-135M --seed 1 --dtype bf16 -o SmolLM2-135M-Instruct >/dev/null
cp "$ROOT/models/smollm2-135m-instruct/config.json" SmolLM2-135M-Instruct/config.json
OUT="$WORK/generated"
mkdir -p "$OUT"
for target in avx512 scalar; do
  "$SMOLC" compile SmolLM2-135M-Instruct --bf16 --target "$target" --ctx 2048 \
    --name smollm2_135m_instruct_bf16 -o "out-$target" --emit-only >/dev/null
  mkdir -p "$OUT/$target"
  (cd "out-$target/src" && cp smollm2_135m_instruct_bf16.h *.S build.sh COMMAND.txt "$OUT/$target/" &&
    cp *.cpp "$OUT/$target/")
done
cp "$ROOT/generated/README.md" "$OUT/README.md" 2>/dev/null || true
if [[ $CHECK == 1 ]]; then
  if ! diff -r "$ROOT/generated" "$OUT" >"$WORK/diff.txt"; then
    echo "generated/ is stale; run tools/regenerate.sh" >&2
    head -40 "$WORK/diff.txt" >&2
    exit 1
  fi
  echo "generated/ is up to date"
else
  mkdir -p "$ROOT/generated"
  for target in avx512 scalar; do rm -rf "$ROOT/generated/$target"; cp -r "$OUT/$target" "$ROOT/generated/$target"; done
  echo "regenerated $ROOT/generated"
fi
