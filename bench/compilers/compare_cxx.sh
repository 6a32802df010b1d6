#!/usr/bin/env bash
# The same engine built by two (or more) C++ compilers: prefill / decode speed
# measured interleaved, and callgrind instruction counts of one prefill per
# function, with the ratio of every compiler to the first one listed.
#
#   bench/compilers/compare_cxx.sh [--smolc PATH] [--presets "tiny SmolLM2-135M"]
#       [--formats "q8 bf16"] [--targets "avx2 avx512"] [--cxx "clang++-19 g++"]
#       [--threads N] [--rounds K] [--reps R] [--tokens N] [--no-time] [--no-callgrind]
#       [--label TEXT] [--out FILE.jsonl] [--work DIR]
#
# Timing: each round runs `smolc bench MODEL --FORMAT --target T --cxx C
# --threads N --reps R --json` for every preset x format x target x compiler in
# turn, so every build sees the same machine load; one JSON line per bench
# (kind "time", with round and load average) is appended to --out. The bench
# engines live in smolc's engine cache, so only the first round compiles.
#
# Instruction counts: per preset x format x compiler, the bench's avx2 engine
# (`smolc bench --prepare`, context 640) is linked with prefill_driver.cpp,
# which runs one N-token prefill (N <= 640) on one thread under
# `valgrind --tool=callgrind`, counting only inside NAME_prefill
# (--toggle-collect); callgrind_annotate's self counts per
# function become one JSON line (kind "callgrind"). Valgrind 3.19 has no
# AVX-512, so avx512 engines are timed only. Instruction counts do not depend
# on the machine's load; timings do (summarise_cxx.py reports medians).
#
# The models are `smolc synth --preset P --seed 1 --dtype f32` checkpoints;
# every format is compiled from that f32 checkpoint.
# --label tags every line (e.g. "before" / "after" a change) so one file holds
# both; summarise_cxx.py --label picks one. The table is printed at the end.
#
# Needs: a built smolc (default build/bin/smolc, or $SMOLC), every --cxx
# compiler, valgrind (tools/setup.sh), /usr/bin/python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/compilers"

PRESETS="tiny SmolLM2-135M" FORMATS="q8 bf16" TARGETS="avx2 avx512" CXXS="clang++-19 g++"
THREADS=1 ROUNDS=3 REPS=3 TOKENS=128 DO_TIME=1 DO_CG=1 LABEL=run
OUT="$ROOT/bench/results/compare-cxx.jsonl" WORK="${TMPDIR:-/tmp}/smolc-compare-cxx" SMOLC="${SMOLC:-$ROOT/build/bin/smolc}"
while [ $# -gt 0 ]; do
  case "$1" in
    --smolc) SMOLC="$2"; shift 2 ;;
    --presets) PRESETS="$2"; shift 2 ;;
    --formats) FORMATS="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --cxx) CXXS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --tokens) TOKENS="$2"; shift 2 ;;
    --no-time) DO_TIME=0; shift ;;
    --no-callgrind) DO_CG=0; shift ;;
    --label) LABEL="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "compare_cxx.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
die() { echo "compare_cxx.sh: $*" >&2; exit 2; }
[ -x "$SMOLC" ] || die "no smolc at '$SMOLC' (build it, or pass --smolc PATH)"
for c in $CXXS; do command -v "$c" >/dev/null || die "--cxx: no compiler '$c' on PATH"; done
for f in $FORMATS; do
  case "$f" in f32|bf16|f16|q8|q4|q16) ;; *) die "--formats: '$f' is not f32, bf16, f16, q8, q4 or q16" ;; esac
done
for t in $TARGETS; do case "$t" in avx2|avx512|scalar|native) ;; *) die "--targets: '$t' is not avx2, avx512, scalar or native" ;; esac; done
for n in "$THREADS" "$ROUNDS" "$REPS" "$TOKENS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--threads, --rounds, --reps and --tokens take positive integers (got '$n')"
done
[[ "$LABEL" =~ ^[A-Za-z0-9._-]+$ ]] || die "--label '$LABEL': use letters, digits, '.', '_' or '-'"
if [ "$DO_CG" = 1 ]; then
  command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null || die "valgrind is missing (tools/setup.sh installs it)"
fi
mkdir -p "$WORK" "$(dirname "$OUT")"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"

# Appends one JSON line: the fields every line has, then the object on stdin.
RECORD_PY='
import json, os, sys
out, run, label, kind, preset, fmt, target, cxx = sys.argv[1:9]
extra = {"round": int(sys.argv[9])} if len(sys.argv) > 9 else {}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
line = {"run": run, "label": label, "kind": kind, "preset": preset, "format": fmt, "target": target, "cxx": cxx,
        **extra, "load": os.getloadavg()[0], "cpu": cpu, **json.loads(sys.stdin.read())}
with open(out, "a") as f:
    f.write(json.dumps(line) + "\n")
'
record() {  # kind preset format target cxx [round] < JSON object
  /usr/bin/python3 -c "$RECORD_PY" "$OUT" "$RUN_ID" "$LABEL" "$@"
}

model_of() { echo "$WORK/model-$1"; }
for p in $PRESETS; do
  m="$(model_of "$p")"
  [ -f "$m/config.json" ] || "$SMOLC" synth --preset "$p" --seed 1 --dtype f32 -o "$m" >/dev/null
done

if [ "$DO_TIME" = 1 ]; then
  for round in $(seq 1 "$ROUNDS"); do
    for p in $PRESETS; do for f in $FORMATS; do for t in $TARGETS; do for c in $CXXS; do
      echo "compare_cxx: round $round/$ROUNDS: $p $f $t $c" >&2
      json="$("$SMOLC" bench "$(model_of "$p")" "--$f" --target "$t" --cxx "$c" --threads "$THREADS" --reps "$REPS" --json)"
      printf '%s' "$json" | record time "$p" "$f" "$t" "$c" "$round"
    done; done; done; done
  done
fi

if [ "$DO_CG" = 1 ]; then
  for p in $PRESETS; do for f in $FORMATS; do for c in $CXXS; do
    echo "compare_cxx: callgrind: $p $f avx2 $c, $TOKENS-token prefill" >&2
    # The bench's own avx2 engine (compiled once into smolc's engine cache).
    eng="$("$SMOLC" bench "$(model_of "$p")" "--$f" --target avx2 --cxx "$c" --prepare | tail -1)"
    name="$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$eng/manifest.json")"
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "engine name '$name' in $eng/manifest.json is not a C identifier"
    dir="$WORK/cg-$LABEL-$p-$f-avx2-$(echo "$c" | tr -c 'A-Za-z0-9.+\n' _)"
    mkdir -p "$dir"
    # shellcheck disable=SC2086  # a --cxx value may carry flags
    $c -std=c++17 -O2 -DENGINE="$name" -DENGINE_U="${name^^}" -include "$eng/include/$name.h" -I"$eng/include" \
      "$HERE/prefill_driver.cpp" "$eng/lib/lib$name.a" -lpthread -o "$dir/prefill_driver"
    rm -f "$dir/callgrind.out"
    valgrind --tool=callgrind --toggle-collect="${name}_prefill" --callgrind-out-file="$dir/callgrind.out" \
      "$dir/prefill_driver" "$TOKENS" >"$dir/driver.txt" 2>"$dir/valgrind.txt"
    callgrind_annotate --inclusive=no --threshold=100 "$dir/callgrind.out" >"$dir/annotate.txt"
    /usr/bin/python3 "$HERE/summarise_cxx.py" --parse-annotate "$dir/annotate.txt" --tokens "$TOKENS" \
      --driver-output "$dir/driver.txt" | record callgrind "$p" "$f" avx2 "$c"
  done; done; done
fi

/usr/bin/python3 "$HERE/summarise_cxx.py" "$OUT" --run "$RUN_ID"
