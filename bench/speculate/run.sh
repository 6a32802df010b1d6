#!/usr/bin/env bash
# Prompt-lookup speculation, side by side (docs/performance.md, "Speculative decoding"):
#   bench/speculate/run.sh [SMOLC] [ROUNDS]
# For stories260K (real weights) and synthetic SmolLM2-135M, q8 and q4, 1
# thread: a repetitive task (the prompt holds a ~400-token passage the model
# wrote itself, recorded first by plain greedy decoding, then the passage's
# start again, so greedy decoding reproduces it: for synthetic weights this
# is the mechanism's upper bound), free generation (greedy), and for 135M
# free sampling at temperature 1 (seed 1): synthetic weights sample near-random
# tokens, so that row is the text-without-repetition case on the 135M shape.
# Plain and speculative runs alternate (order swapped every round) for ROUNDS
# rounds (default 5); medians are reported, and the ratio is the median of the
# per-round ratios (paired, so slow machine phases hit both runs of a round).
#   SPEC_ONLY=s135|st  limits the run to one model; SPEC_TASKS="free sampled"
#   limits the tasks.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SMOLC="$(realpath "${1:-$ROOT/build/bin/smolc}")"
ROUNDS="${2:-5}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$SMOLC" synth --preset SmolLM2-135M --seed 1 --dtype f32 -o "$WORK/s135" >/dev/null
TASKS="${SPEC_TASKS:-free repetitive sampled}"
bench() {  # LABEL MODEL ARGS NAME CTX PASSAGE_TOKENS GEN_TOKENS START...
  local label="$1" model="$2" args="$3" name="$4" ctx="$5" plen="$6" ntok="$7"; shift 7
  "$SMOLC" compile "$model" $args --target native --ctx "$ctx" --name "$name" -o "$WORK/$name" >/dev/null
  PKG_CONFIG_PATH="$WORK/$name/lib/pkgconfig" clang-19 -O2 -std=c11 -D_POSIX_C_SOURCE=200112L -Wall -Wextra -Werror -DENGINE="$name" \
    -DENGINE_U="${name^^}" -include "$name.h" "$ROOT/bench/speculate/spec_bench.c" \
    $(PKG_CONFIG_PATH="$WORK/$name/lib/pkgconfig" pkg-config --cflags --libs "$name") -o "$WORK/$name/bench"
  # Record the passage: plain greedy decoding from START.
  local passage
  passage=$("$WORK/$name/bench" 1 "$plen" 1 8 0 "$@" | python3 -c 'import json,sys; print(" ".join(map(str, json.load(sys.stdin)["tokens"])))')
  for task in $TASKS; do
    local prompt="$*" temp=0
    [[ $task == repetitive ]] && prompt="$* $passage $*"
    [[ $task == sampled ]] && { [[ $name == s135_* ]] || continue; temp=1; }
    "$WORK/$name/bench" 1 "$ntok" "$ROUNDS" 8 "$temp" $prompt | python3 -c '
import json, statistics, sys
r = json.load(sys.stdin)
p, s = statistics.median(r["plain"]), statistics.median(r["spec"])
ratio = statistics.median(b / a for a, b in zip(r["plain"], r["spec"]))
acc = r["accepted"] / r["drafted"] if r["drafted"] else 0.0
a, d, g, st, same = r["accepted"], r["drafted"], r["generated"], r["steps"], r["identical"]
print(f"| {sys.argv[1]} | {sys.argv[2]} | {p:.1f} | {s:.1f} | {ratio:.3f}x | {100 * acc:.0f}% ({a}/{d}) | {g / st:.2f} | {g} | {same} |")
' "$label" "$task"
  done
}
echo "| engine | task | plain tok/s | speculative tok/s | ratio | accepted | tokens/step | tokens | same tokens |"
echo "|---|---|---|---|---|---|---|---|---|"
TOK="--tokenizer=$ROOT/models/stories260K/tok512.bin"
for f in q8 q4; do
  [[ ${SPEC_ONLY:-st} == st ]] || break
  bench "stories260K $f (real weights)" "$ROOT/models/stories260K/stories260K.bin" "--$f $TOK" "st_$f" 512 400 96 1 403 407
done
for f in q8 q4; do
  [[ ${SPEC_ONLY:-s135} == s135 ]] || break
  bench "synthetic SmolLM2-135M $f (upper bound)" "$WORK/s135" "--$f" "s135_$f" 1024 400 128 1 504 1023 77 9001 4242
done
