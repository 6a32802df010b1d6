#!/usr/bin/env bash
# The same engine built by two (or more) C++ compilers: prefill / decode speed
# measured interleaved, and callgrind instruction counts of one prefill per
# function, with the ratio of every compiler to the first one listed.
#
#   bench/compilers/compare_cxx.sh [--smolc PATH] [--presets "tiny SmolLM2-135M"]
#       [--formats "q8 bf16"] [--targets "avx2 avx512"] [--cxx "clang++-19 g++"]
#       [--threads N] [--rounds K] [--reps R] [--tokens N] [--decode D] [--layers L]
#       [--no-time] [--no-callgrind] [--label TEXT] [--out FILE.jsonl] [--work DIR]
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
# function become one JSON line (kind "callgrind"). --decode D adds a second
# run that counts only inside NAME_decode: D greedy decode steps after the
# prefill (format "F decode" in the tables, per decoded token). Valgrind 3.19
# has no AVX-512, so avx512 engines are timed only. Instruction counts do not
# depend on the machine's load; timings do (summarise_cxx.py reports medians).
#
# The models are `smolc synth --preset P --seed 1 --dtype f32` checkpoints;
# every format is compiled from that f32 checkpoint. --layers L keeps only
# the first L decoder layers (same hidden sizes, vocabulary and lm_head): the
# per-layer code is the same, and engines compile and run under callgrind in
# a fraction of the time. Formats: f32 bf16 f16 q8 q4 q16, and bf16a
# (--bf16 --bf16-activations).
# --label tags every line (e.g. "before" / "after" a change) so one file holds
# both; summarise_cxx.py --label picks one. The table is printed at the end.
#
# Needs: a built smolc (default build/bin/smolc, or $SMOLC), every --cxx
# compiler, valgrind (tools/setup.sh), /usr/bin/python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/bench/compilers"

PRESETS="tiny SmolLM2-135M" FORMATS="q8 bf16" TARGETS="avx2 avx512" CXXS="clang++-19 g++"
THREADS=1 ROUNDS=3 REPS=3 TOKENS=128 DECODE=0 LAYERS=0 DO_TIME=1 DO_CG=1 LABEL=run
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
    --decode) DECODE="$2"; shift 2 ;;
    --layers) LAYERS="$2"; shift 2 ;;
    --no-time) DO_TIME=0; shift ;;
    --no-callgrind) DO_CG=0; shift ;;
    --label) LABEL="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    -h|--help) sed -n '2,37p' "$0"; exit 0 ;;
    *) echo "compare_cxx.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
die() { echo "compare_cxx.sh: $*" >&2; exit 2; }
[ -x "$SMOLC" ] || die "no smolc at '$SMOLC' (build it, or pass --smolc PATH)"
for c in $CXXS; do command -v "$c" >/dev/null || die "--cxx: no compiler '$c' on PATH"; done
for f in $FORMATS; do
  case "$f" in f32|bf16|bf16a|f16|q8|q4|q16) ;; *) die "--formats: '$f' is not f32, bf16, bf16a, f16, q8, q4 or q16" ;; esac
done
for t in $TARGETS; do case "$t" in avx2|avx512|scalar|native) ;; *) die "--targets: '$t' is not avx2, avx512, scalar or native" ;; esac; done
for n in "$THREADS" "$ROUNDS" "$REPS" "$TOKENS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--threads, --rounds, --reps and --tokens take positive integers (got '$n')"
done
for n in "$DECODE" "$LAYERS"; do
  [[ "$n" =~ ^[0-9]+$ ]] || die "--decode and --layers take non-negative integers (got '$n')"
done
[ $((TOKENS + DECODE)) -le 640 ] || die "--tokens + --decode must be at most 640 (the bench engine's context)"
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

model_of() { if [ "$LAYERS" = 0 ]; then echo "$WORK/model-$1"; else echo "$WORK/model-$1-${LAYERS}l"; fi; }
label_of() { if [ "$LAYERS" = 0 ]; then echo "$1"; else echo "$1-${LAYERS}l"; fi; }  # the preset in the JSON lines
flags_of() { if [ "$1" = bf16a ]; then echo "--bf16 --bf16-activations"; else echo "--$1"; fi; }
# The first L layers of a checkpoint: config.json's num_hidden_layers, and of
# the safetensors tensors model.layers.I.* only those with I < L.
TRIM_PY='
import json, struct, sys
src_dir, dst_dir, keep = sys.argv[1], sys.argv[2], int(sys.argv[3])
cfg = json.load(open(src_dir + "/config.json"))
if keep > cfg["num_hidden_layers"]:
    sys.exit("compare_cxx.sh: --layers %d: the model has only %d" % (keep, cfg["num_hidden_layers"]))
cfg["num_hidden_layers"] = keep
json.dump(cfg, open(dst_dir + "/config.json", "w"), indent=2)
src = open(src_dir + "/model.safetensors", "rb")
n = struct.unpack("<Q", src.read(8))[0]
head, base = json.loads(src.read(n)), 8 + n
out, blobs, off = {}, [], 0
for k, v in head.items():
    if k == "__metadata__":
        out[k] = v
        continue
    if k.startswith("model.layers.") and int(k.split(".")[2]) >= keep:
        continue
    a, b = v["data_offsets"]
    src.seek(base + a)
    blobs.append(src.read(b - a))
    out[k] = dict(v, data_offsets=[off, off + b - a])
    off += b - a
hj = json.dumps(out).encode()
hj += b" " * (-len(hj) % 8)
with open(dst_dir + "/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(hj)) + hj)
    for blob in blobs:
        f.write(blob)
'
for p in $PRESETS; do
  full="$WORK/model-$p"
  [ -f "$full/config.json" ] || "$SMOLC" synth --preset "$p" --seed 1 --dtype f32 -o "$full" >/dev/null
  m="$(model_of "$p")"
  if [ "$m" != "$full" ] && [ ! -f "$m/model.safetensors" ]; then
    mkdir -p "$m"
    cp "$full/tokenizer.json" "$m/" 2>/dev/null || true
    /usr/bin/python3 -c "$TRIM_PY" "$full" "$m" "$LAYERS"
  fi
done

if [ "$DO_TIME" = 1 ]; then
  for round in $(seq 1 "$ROUNDS"); do
    for p in $PRESETS; do for f in $FORMATS; do for t in $TARGETS; do for c in $CXXS; do
      echo "compare_cxx: round $round/$ROUNDS: $p $f $t $c" >&2
      # shellcheck disable=SC2046  # bf16a is two flags
      json="$("$SMOLC" bench "$(model_of "$p")" $(flags_of "$f") --target "$t" --cxx "$c" --threads "$THREADS" --reps "$REPS" --json)"
      printf '%s' "$json" | record time "$(label_of "$p")" "$f" "$t" "$c" "$round"
    done; done; done; done
  done
fi

if [ "$DO_CG" = 1 ]; then
  for p in $PRESETS; do for f in $FORMATS; do for c in $CXXS; do
    echo "compare_cxx: callgrind: $p $f avx2 $c, $TOKENS-token prefill" >&2
    # The bench's own avx2 engine (compiled once into smolc's engine cache).
    # shellcheck disable=SC2046  # bf16a is two flags
    eng="$("$SMOLC" bench "$(model_of "$p")" $(flags_of "$f") --target avx2 --cxx "$c" --prepare | tail -1)"
    name="$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$eng/manifest.json")"
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "engine name '$name' in $eng/manifest.json is not a C identifier"
    dir="$WORK/cg-$LABEL-$(label_of "$p")-$f-avx2-$(echo "$c" | tr -c 'A-Za-z0-9.+\n' _)"
    mkdir -p "$dir"
    # shellcheck disable=SC2086  # a --cxx value may carry flags
    $c -std=c++17 -O2 -DENGINE="$name" -DENGINE_U="${name^^}" -include "$eng/include/$name.h" -I"$eng/include" \
      "$HERE/prefill_driver.cpp" "$eng/lib/lib$name.a" -lpthread -o "$dir/prefill_driver"
    rm -f "$dir/callgrind.out"
    valgrind --tool=callgrind --toggle-collect="${name}_prefill" --callgrind-out-file="$dir/callgrind.out" \
      "$dir/prefill_driver" "$TOKENS" >"$dir/driver.txt" 2>"$dir/valgrind.txt"
    callgrind_annotate --inclusive=no --threshold=100 "$dir/callgrind.out" >"$dir/annotate.txt"
    /usr/bin/python3 "$HERE/summarise_cxx.py" --parse-annotate "$dir/annotate.txt" --tokens "$TOKENS" \
      --driver-output "$dir/driver.txt" | record callgrind "$(label_of "$p")" "$f" avx2 "$c"
    if [ "$DECODE" -gt 0 ]; then
      echo "compare_cxx: callgrind: $p $f avx2 $c, $DECODE decode steps after the prefill" >&2
      valgrind --tool=callgrind --toggle-collect="${name}_decode" --callgrind-out-file="$dir/callgrind-decode.out" \
        "$dir/prefill_driver" "$TOKENS" "$DECODE" >"$dir/driver-decode.txt" 2>"$dir/valgrind-decode.txt"
      callgrind_annotate --inclusive=no --threshold=100 "$dir/callgrind-decode.out" >"$dir/annotate-decode.txt"
      /usr/bin/python3 "$HERE/summarise_cxx.py" --parse-annotate "$dir/annotate-decode.txt" --tokens "$DECODE" \
        --driver-output "$dir/driver-decode.txt" | record callgrind "$(label_of "$p")" "$f decode" avx2 "$c"
    fi
  done; done; done
fi

/usr/bin/python3 "$HERE/summarise_cxx.py" "$OUT" --run "$RUN_ID"
