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
# Every engine and task is built and recorded first; then ROUNDS rounds
# (default 5) each run every (engine, task) once, interleaved, and each run is
# a plain and a speculative generation in both orders (plain first, then
# speculative first), so slow machine phases hit all rows and both sides.
# Medians are reported; the ratio is the median of the paired ratios.
#   SPEC_ONLY=s135|st  limits the run to one model; SPEC_TASKS="free sampled"
#   limits the tasks; SPEC_DRAFT=N is the longest draft (default 15: the
#   engines' verify steps hold 16 tokens; the drafter picks shorter drafts by
#   itself where a longer one would not pay, docs/speculative.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SMOLC="$(realpath "${1:-$ROOT/build/bin/smolc}")"
ROUNDS="${2:-5}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
TASKS="${SPEC_TASKS:-free repetitive sampled}"
DRAFT="${SPEC_DRAFT:-15}"
ROWS=()  # "LABEL|NAME|TASK|GEN_TOKENS|TEMP|PROMPT"
prepare() {  # LABEL MODEL ARGS NAME CTX PASSAGE_TOKENS GEN_TOKENS START...
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
    ROWS+=("$label|$name|$task|$ntok|$temp|$prompt")
  done
}
TOK="--tokenizer=$ROOT/models/stories260K/tok512.bin"
if [[ ${SPEC_ONLY:-st} == st ]]; then
  for f in q8 q4; do
    prepare "stories260K $f (real weights)" "$ROOT/models/stories260K/stories260K.bin" "--$f $TOK" "st_$f" 512 400 96 1 403 407
  done
fi
if [[ ${SPEC_ONLY:-s135} == s135 ]]; then
  "$SMOLC" synth --preset SmolLM2-135M --seed 1 --dtype f32 -o "$WORK/s135" >/dev/null
  for f in q8 q4; do
    prepare "synthetic SmolLM2-135M $f (upper bound)" "$WORK/s135" "--$f" "s135_$f" 1024 400 128 1 504 1023 77 9001 4242
  done
fi
for ((r = 0; r < ROUNDS; ++r)); do
  for i in "${!ROWS[@]}"; do
    IFS='|' read -r label name task ntok temp prompt <<<"${ROWS[$i]}"
    # 2 rounds of spec_bench: plain first, then speculative first.
    "$WORK/$name/bench" 1 "$ntok" 2 "$DRAFT" "$temp" $prompt >>"$WORK/row$i.jsonl"
  done
done
echo "| engine | task | plain tok/s | speculative tok/s | ratio | accepted | tokens/step | tokens | same tokens |"
echo "|---|---|---|---|---|---|---|---|---|"
for i in "${!ROWS[@]}"; do
  IFS='|' read -r label name task _ <<<"${ROWS[$i]}"
  python3 -c '
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[3])]
plain = [x for r in runs for x in r["plain"]]
spec = [x for r in runs for x in r["spec"]]
p, s = statistics.median(plain), statistics.median(spec)
ratio = statistics.median(b / a for a, b in zip(plain, spec))
a, d, st = (sum(r[k] for r in runs) for k in ("accepted", "drafted", "steps"))
g = sum(r["generated"] for r in runs)  # stats are the last speculative run of each call
acc = f"{100 * a / d:.0f}% ({a}/{d})" if d else "no drafts"
same = all(r["identical"] for r in runs)
n = runs[0]["generated"]
print(f"| {sys.argv[1]} | {sys.argv[2]} | {p:.1f} | {s:.1f} | {ratio:.3f}x | {acc} | {g / st:.2f} | {n} | {same} |")
' "$label" "$task" "$WORK/row$i.jsonl"
done
