#!/usr/bin/env bash
# Prefill steps (tokens per forward step) side by side: the same engine with
# only its step changed, every other choice at the target's default, timed
# by `smolc bench` interleaved (every step in turn, in every round).
#
#   bench/tune/prefill_steps.sh [--preset SmolLM2-135M] [--formats "q8 bf16a f32"]
#       [--target avx512] [--steps "32 64 128"] [--threads "1 2"] [--cxx clang++-19]
#       [--rounds K] [--reps R] [--smolc PATH] [--work DIR] [--out FILE.jsonl]
#
# How: `smolc tune --no-verify` with a short budget writes a valid tuning
# file for the format; a copy per step sets prefill.tokens to that step and
# puts the kernel tiles and attention blocks back at their defaults, and
# `smolc compile --tune` (through `smolc bench --tune`) builds each. The
# default's own step is benched without a tuning file. One JSON line per
# bench (pp128, pp512, tg128, tg128 @ d512, state MB; step, round, format,
# threads) is appended to --out. Formats: f32 bf16 bf16a q8 q4 (bf16a = --bf16
# --bf16-activations). Needs a built smolc and /usr/bin/python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PRESET=SmolLM2-135M FORMATS="q8 bf16a f32" TARGET=avx512 STEPS="32 64 128" THREADS="1 2" CXX=clang++-19
ROUNDS=2 REPS=2 SMOLC="${SMOLC:-$ROOT/build/bin/smolc}" WORK="${TMPDIR:-/tmp}/smolc-prefill-steps"
OUT="$ROOT/bench/results/prefill-steps.jsonl"
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) PRESET="$2"; shift 2 ;;
    --formats) FORMATS="$2"; shift 2 ;;
    --target) TARGET="$2"; shift 2 ;;
    --steps) STEPS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --cxx) CXX="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --smolc) SMOLC="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "prefill_steps.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
for n in $STEPS $ROUNDS $REPS; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "prefill_steps.sh: '$n' is not a positive integer" >&2; exit 2; }
done
mkdir -p "$WORK" "$(dirname "$OUT")"
export SMOLC_CACHE_DIR="$WORK/cache" SMOLC_CACHE_MAX_MB="${SMOLC_CACHE_MAX_MB:-20000}"

# The model flags of a format; f32 checkpoints for all but bf16 / bf16a.
model_args() {
  case "$1" in
    f32) echo "$WORK/model-f32 --f32" ;;
    bf16) echo "$WORK/model-bf16 --bf16" ;;
    bf16a) echo "$WORK/model-bf16 --bf16 --bf16-activations" ;;
    q8|q4) echo "$WORK/model-f32 --$1" ;;
    *) echo "prefill_steps.sh: unknown format '$1' (f32 bf16 bf16a q8 q4)" >&2; exit 2 ;;
  esac
}
[ -d "$WORK/model-f32" ] || "$SMOLC" synth --preset "$PRESET" --seed 1 --dtype f32 -o "$WORK/model-f32" >/dev/null
[ -d "$WORK/model-bf16" ] || "$SMOLC" synth --preset "$PRESET" --seed 1 --dtype bf16 -o "$WORK/model-bf16" >/dev/null

DEFAULT_STEP=""
for f in $FORMATS; do
  # shellcheck disable=SC2046
  "$SMOLC" tune $(model_args "$f") --target "$TARGET" --budget 5 --no-verify --cxx "$CXX" \
      -o "$WORK/tune-$f.json" >"$WORK/tune-$f.txt"
  DEFAULT_STEP="$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prefill"]["default_tokens"])' "$WORK/tune-$f.json")"
  for n in $STEPS; do
    /usr/bin/python3 - "$WORK/tune-$f.json" "$n" "$WORK/tune-$f-$n.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
t["prefill"]["tokens"] = int(sys.argv[2])
a = t["attention"]
a["rows"], a["tokens"], a["decode_rows"] = a["default_rows"], a["default_tokens"], a["default_decode_rows"]
for s in t["shapes"]:
    s["tile_m"], s["tile_n"] = s["default_tile_m"], s["default_tile_n"]
json.dump(t, open(sys.argv[3], "w"), indent=1)
PY
  done
done

tune_flag() { [ "$2" = "$DEFAULT_STEP" ] && return 0; echo "--tune $WORK/tune-$1-$2.json"; }
for r in $(seq "$ROUNDS"); do
  for f in $FORMATS; do
    for t in $THREADS; do
      for n in $STEPS; do
        # shellcheck disable=SC2046
        "$SMOLC" bench $(model_args "$f") --target "$TARGET" --kv f16 --cxx "$CXX" --threads "$t" --reps "$REPS" \
            $(tune_flag "$f" "$n") --json 2>/dev/null |
          /usr/bin/python3 -c '
import json, sys
j = json.loads(sys.stdin.read())
keep = {k: j.get(k) for k in ("pp128", "pp512", "tg128", "tg128_d512", "state_mb", "target", "threads")}
keep.update(format=sys.argv[1], step=int(sys.argv[2]), round=int(sys.argv[3]), cxx=sys.argv[4])
print(json.dumps(keep))' "$f" "$n" "$r" "$CXX" >>"$OUT"
        echo "round $r/$ROUNDS: $f, $t thread(s), step $n"
      done
    done
  done
done
