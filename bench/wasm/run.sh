#!/usr/bin/env bash
# pp128 / tg128 of wasm32-simd128 against wasm32 (scalar kernels) against the
# native avx2 engine, in node and in headless Chromium, side by side in one
# run: stories260K and synthetic SmolLM2-135M (`smolc synth --preset
# SmolLM2-135M --seed 1`) at q8 and q4. One C harness (bench/wasm/pptg.c) is
# linked with every engine: natively for avx2, for wasm32-wasi otherwise, and
# the same .wasm runs in node (tools/wasm/wasi-node.mjs) and in a Web Worker
# of Chromium (bench/wasm/chromium.mjs). One thread everywhere (the wasm
# engines have one). docs/performance.md has a table from it.
#
#   bench/wasm/run.sh [--smolc PATH] [--work DIR] [--reps-small N] [--reps-large N] [-o RESULTS.jsonl] [--resume]
#
# Prints one JSON line per (model, format, target, runtime) with every timed
# repetition (tok/s) to RESULTS (default bench/results/wasm-<UTC date>.jsonl),
# then a table of medians and the ratios. Engines are compiled once into
# WORK (default build/bench-wasm) and reused. --resume keeps RESULTS and
# measures only what it lacks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
smolc="$ROOT/build/bin/smolc" work="$ROOT/build/bench-wasm" reps_small=20 reps_large=2
out="$ROOT/bench/results/wasm-$(date -u +%Y%m%d-%H%M).jsonl" resume=0
die() { echo "bench/wasm/run.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --smolc) [ $# -ge 2 ] || die "--smolc needs a value"; smolc="$2"; shift 2 ;;
    --work) [ $# -ge 2 ] || die "--work needs a value"; work="$2"; shift 2 ;;
    --reps-small) [ $# -ge 2 ] || die "--reps-small needs a value"; reps_small="$2"; shift 2 ;;
    --reps-large) [ $# -ge 2 ] || die "--reps-large needs a value"; reps_large="$2"; shift 2 ;;
    -o) [ $# -ge 2 ] || die "-o needs a value"; out="$2"; shift 2 ;;
    --resume) resume=1; shift ;;
    *) die "unknown argument '$1'" ;;
  esac
done
[ -x "$smolc" ] || die "no smolc at $smolc (tools/build.sh builds it)"
mkdir -p "$work" "$(dirname "$out")"
[ "$resume" = 1 ] || : >"$out"

synth="$work/synth135m"
[ -f "$synth/model.safetensors" ] || nice "$smolc" synth --preset SmolLM2-135M --seed 1 -o "$synth" >&2

# Compiles MODEL at FORMAT for TARGET into WORK/engines/KEY once (niced:
# the machine is shared), then links the harness there.
prepare() {
  local key="$1" model="$2" format="$3" target="$4"
  local dir="$work/engines/$key" name="${key//-/_}"
  if [ ! -f "$dir/engine.ok" ]; then
    rm -rf "$dir"
    nice "$smolc" compile "$model" "--$format" --target "$target" --weights external --ctx 256 --name "$name" -o "$dir" >&2
    touch "$dir/engine.ok"
  fi
  local flags=(-O2 -std=c11 -D_POSIX_C_SOURCE=200112L -Wall -Wextra -Werror "-DENGINE=$name"
               "-DENGINE_U=${name^^}" "-I$dir/include" -include "$name.h" "$ROOT/bench/wasm/pptg.c" "-L$dir/lib" "-l$name" -lm)
  case "$target" in
    wasm32*) clang-19 --target=wasm32-wasi "${flags[@]}" -o "$dir/pptg.wasm" ;;
    *) clang-19 "${flags[@]}" -lpthread -o "$dir/pptg" ;;
  esac
}

# Runs the harness of KEY in RUNTIME (native, node, chromium) and appends its line.
measure() {
  local key="$1" model_label="$2" format="$3" target="$4" runtime="$5" reps="$6"
  local dir="$work/engines/$key" name="${key//-/_}" json
  local tag="\"model\":\"$model_label\",\"format\":\"$format\",\"target\":\"$target\",\"runtime\":\"$runtime\""
  if [ "$resume" = 1 ] && grep -qF "$tag" "$out"; then return; fi
  # node 20.20 can crash on exit (SIGSEGV) after a large simd128 module has
  # printed its result: the line is kept when it is complete JSON.
  case "$runtime" in
    native) json="$("$dir/pptg" "$dir/$name.weights" "$reps")" ;;
    node) json="$(node --no-warnings "$ROOT/tools/wasm/wasi-node.mjs" "$dir/pptg.wasm" "$dir/$name.weights" "$reps" || true)" ;;
    chromium) json="$(node "$ROOT/bench/wasm/chromium.mjs" "$dir/pptg.wasm" "$dir/$name.weights" '{weights}' "$reps")" ;;
  esac
  printf '%s' "$json" | /usr/bin/python3 -c 'import json, sys; json.load(sys.stdin)' ||
    die "$key in $runtime printed no complete result"
  printf '{"model":"%s","format":"%s","target":"%s","runtime":"%s","reps":%d,"runs":%s}\n' \
    "$model_label" "$format" "$target" "$runtime" "$reps" "$json" | tee -a "$out" >&2
}

echo "bench/wasm/run.sh: $(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), node $(node --version), $("${CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null | head -1)" | tee -a "$out.txt" >&2
for model_label in stories260K SmolLM2-135M-synth; do
  case "$model_label" in
    stories260K) model="$ROOT/models/stories260K/stories260K.bin" reps="$reps_small" short=st ;;
    *) model="$synth" reps="$reps_large" short=s135 ;;
  esac
  for format in q8 q4; do
    for target in avx2 wasm32 wasm32-simd128; do
      key="$short-$format-$target"
      prepare "$key" "$model" "$format" "$target"
      case "$target" in
        avx2) measure "$key" "$model_label" "$format" "$target" native "$reps" ;;
        *) measure "$key" "$model_label" "$format" "$target" node "$reps"
           measure "$key" "$model_label" "$format" "$target" chromium "$reps" ;;
      esac
    done
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out.txt" >&2
/usr/bin/python3 "$ROOT/bench/wasm/table.py" "$out" | tee -a "$out.txt"
