#!/usr/bin/env bash
# Instructions per token of firmware engines under qemu-system-arm
# -icount shift=0 (examples/firmware -i), and the image's flash and RAM, as the
# markdown rows of docs/performance.md and docs/firmware.md. Instruction
# counts of the emulated core, deterministic; not cycles and not a speed.
#   tools/firmware-icount.sh [MODEL] [-- MACHINE:FORMAT ...]
# Default: stories260K; mps3-an547 and mps2-an386 at f32, q8 and q4.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="$ROOT/models/stories260K/stories260K.bin"
runs=(mps3-an547:f32 mps3-an547:q8 mps3-an547:q4 mps2-an386:f32 mps2-an386:q8 mps2-an386:q4)
if [ $# -gt 0 ] && [ "$1" != "--" ]; then model="$1"; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; runs=("$@"); fi
prompt="Once upon a time, there was a little girl named Lily."
steps=64
echo "| machine (core) | format | instructions / prompt token | instructions / decoded token | flash: code + rodata | flash: weights | RAM: engine state | RAM: whole image |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
for run in "${runs[@]}"; do
  machine="${run%%:*}" fmt="${run#*:}"
  dir="$ROOT/build/firmware/icount-$machine-$fmt"
  out=$("$ROOT/tools/firmware-demo.sh" --machine "$machine" --dir "$dir" "$model" "--$fmt" -- -n "$steps" -i "$prompt" | tail -n 1)
  # "instructions: prompt tokens P prefill X per prompt token Y decoded tokens D per decoded token Z"
  read -r -a w <<<"$out"
  [ "${w[0]}" = "instructions:" ] || { echo "firmware-icount: unexpected output: $out" >&2; exit 1; }
  per_prompt="${w[9]}" per_decode="${w[16]}"
  size=$(arm-none-eabi-size -A "$dir/firmware.elf")
  sec() { awk -v s="$1" '$1 == s {print $2}' <<<"$size"; }
  code=$(( $(sec .text) + $(sec .rodata) + $(sec .data) ))
  case "$machine" in mps3-an547) core=cortex-m55 ;; mps2-an386) core=cortex-m4 ;; *) core=cortex-m7 ;; esac
  # The engine's own state (the header's STATE_BYTES); the whole image adds
  # the example's sampler and tokenizer buffers, .data and .bss (stack not counted).
  state=$(sed -n 's/.*"state_bytes": \([0-9]*\).*/\1/p' "$dir/engine/manifest.json")
  ram=$(( $(sec .data) + $(sec .bss) + $(sec .smolc_state) ))
  kib() { echo $(( ($1 + 1023) / 1024 )); }
  printf '| %s (%s) | %s | %s | %s | %s KiB | %s KiB | %s KiB | %s KiB |\n' "$machine" "$core" "$fmt" \
    "$per_prompt" "$per_decode" "$(kib "$code")" "$(kib "$(sec .smolc_weights)")" "$(kib "$state")" "$(kib "$ram")"
done
