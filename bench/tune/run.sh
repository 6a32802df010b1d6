#!/usr/bin/env bash
# Tuned against default engines, side by side: `smolc tune` per target and
# format, then `smolc bench` of the default and the tuned engine interleaved
# (back to back in every round, the order swapped every other round), so both
# see the same machine load. Prints a table of medians over the rounds (pp512, tg128,
# tg128 @ d512; tokens/s; tuned / default) and keeps every raw output:
#   OUT/tune-TARGET-FORMAT.txt   the tuner's table (shape, default, best, choice)
#   OUT/tune-TARGET-FORMAT.json  the tuning file
#   OUT/bench.jsonl              one `smolc bench --json` object per line, with
#                                "variant" and "round" added
#   OUT/table.md                 the summary: what the tuner chose, then tuned
#                                against default (medians; per-round ratio range)
#   OUT/machine.txt              CPU, command, load average, and the minutes
#                                each phase took
#
#   bench/tune/run.sh [--preset SmolLM2-135M] [--formats "q8 q4 bf16"]
#                     [--targets "avx2 avx512"] [--threads "1 2"] [--reps N]
#                     [--rounds K] [--budget SECONDS] [--tune-threads N]
#                     [--out DIR] [--work DIR] [--smolc PATH] [--control]
#
# --control adds a third engine per target x format: the default schedule
# compiled again through a tuning file that keeps every default (the same
# code, another file), measured in the same rounds, so the table shows what
# two identical engines differ by on this machine (the noise floor). It
# costs half as much bench time again.
#
# The checkpoint is synthetic (`smolc synth --preset PRESET --seed 1`, bf16,
# half the bytes every `smolc bench` call hashes for its cache key): speed
# does not depend on the weights' values. A target this CPU cannot run
# is skipped with a note. The tuner times kernels at --tune-threads (default
# 1) threads' share of rows; the same tuned engine is benchmarked at every
# --threads count.
# The engines live in their own cache, WORK/cache (SMOLC_CACHE_DIR), capped
# at 16 GB unless SMOLC_CACHE_MAX_MB says otherwise: 12 engines of 135M (two
# targets x three formats x default and tuned) take about 6 GB, past the
# default 4 GB cap, which evicted engines the next round needed.
#
# The idle-machine run of docs/performance.md:
#   bench/tune/run.sh --targets "avx512 avx2" --formats "q8 q4 bf16" --threads "1 2" \
#                     --rounds 4 --reps 1 --budget 20 --out bench/results/tune-idle-DATE
# Estimated on this 2-core VM idle (from the CPU times of one tune and one
# compile on the loaded machine and the idle tokens/s of earlier runs):
# tuning ~2 min (6 x ~20 s) plus the tuner's verification, ~1.5 min per
# target x format (two engine compiles, 3 rounds x 2 thread counts x 2
# engines of one bench rep; a stage 2 adds as much again), so ~11 min;
# compiling ~2 min (the default engines are cached by the verification, the
# tuned ones are compiled again: the file's hash changed); ~2.5 min a round
# (24 bench calls); 3 rounds ~20 min. machine.txt records the real time of
# each phase.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

PRESET=SmolLM2-135M FORMATS="q8 q4 bf16" TARGETS="avx2 avx512" THREADS="1 2" REPS=3 ROUNDS=2 BUDGET=180 TUNE_THREADS=1 CONTROL=0
OUT="$ROOT/bench/results/tune-$(date -u +%Y%m%d)" WORK="${TMPDIR:-/tmp}/smolc-tune-bench" SMOLC="${SMOLC:-$ROOT/build/bin/smolc}"
die() { echo "bench/tune/run.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) PRESET="$2"; shift 2 ;;
    --formats) FORMATS="$2"; shift 2 ;;
    --targets) TARGETS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --budget) BUDGET="$2"; shift 2 ;;
    --tune-threads) TUNE_THREADS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --smolc) SMOLC="$2"; shift 2 ;;
    --control) CONTROL=1; shift ;;
    *) die "unknown option '$1'" ;;
  esac
done
[ -x "$SMOLC" ] || die "no smolc at $SMOLC (build it with tools/build.sh, or pass --smolc)"
# A smolc older than the sources would tune and compile with the old rules.
newer=$(find "$ROOT/compiler" "$ROOT/templates" "$ROOT/runtime" -newer "$SMOLC" -type f -print -quit 2>/dev/null || true)
[ -z "$newer" ] || die "$SMOLC is older than $newer: rebuild it (tools/build.sh) first"
for f in $FORMATS; do
  case "$f" in f32|bf16|f16|q8|q4|q16) ;; *) die "--formats: '$f' is not f32, bf16, f16, q8, q4 or q16" ;; esac
done
mkdir -p "$OUT" "$WORK"
MODEL="$WORK/bf16/$PRESET-synth"  # engine names as before: smollm2_135m_synth_FORMAT
mkdir -p "$(dirname "$MODEL")"
[ -f "$MODEL/config.json" ] || "$SMOLC" synth --preset "$PRESET" --seed 1 --dtype bf16 -o "$MODEL" >/dev/null
export SMOLC_CACHE_DIR="$WORK/cache" SMOLC_CACHE_MAX_MB="${SMOLC_CACHE_MAX_MB:-16384}"

# Targets this CPU runs (the bench runner executes here).
runs_here() {
  case "$1" in
    avx512) grep -qw avx512f /proc/cpuinfo && grep -qw avx512bw /proc/cpuinfo ;;
    avx2) grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo ;;
    *) true ;;
  esac
}
RUN_TARGETS=""
for t in $TARGETS; do
  if runs_here "$t"; then RUN_TARGETS="$RUN_TARGETS $t"; else echo "skipping $t: this CPU cannot run it" >&2; fi
done

START=$(date +%s)
{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "# nproc $(nproc), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# smolc $("$SMOLC" --version 2>/dev/null || true), source $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || true)"
  echo "# bench/tune/run.sh --preset '$PRESET' --formats '$FORMATS' --targets '$TARGETS' --threads '$THREADS' --reps $REPS --rounds $ROUNDS --budget $BUDGET --tune-threads $TUNE_THREADS$([ "$CONTROL" = 1 ] && echo ' --control')"
} >"$OUT/machine.txt"
phase() {  # NAME: the time since the start, into machine.txt
  local s=$(($(date +%s) - START))
  echo "# $1 at $(date -u +%H:%M:%SZ), $((s / 60)) min $((s % 60)) s after the start" >>"$OUT/machine.txt"
}

# 1. Tune every target x format.
for t in $RUN_TARGETS; do
  for f in $FORMATS; do
    if [ -f "$OUT/tune-$t-$f.json" ]; then  # a rerun into the same OUT keeps its tuning files
      echo "== tune $t $f: keeping $OUT/tune-$t-$f.json" >&2
      continue
    fi
    echo "== tune $t $f (budget $BUDGET s)" >&2
    # The tuner's end-to-end check benches both engines at every thread
    # count measured below, so no choice stays that is slower at one of them.
    "$SMOLC" tune "$MODEL" "--$f" --target "$t" --threads "$TUNE_THREADS" --budget "$BUDGET" \
      --verify-threads "${THREADS// /,}" \
      -o "$OUT/tune-$t-$f.json" --probe-dir "$WORK/probe-$t-$f" >"$OUT/tune-$t-$f.txt"
    cat "$OUT/tune-$t-$f.txt" >&2
  done
done

# --control: the tuning file with every choice set to its default.
if [ "$CONTROL" = 1 ]; then
  for t in $RUN_TARGETS; do
    for f in $FORMATS; do
      /usr/bin/python3 - "$OUT/tune-$t-$f.json" "$OUT/control-$t-$f.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
for s in t["shapes"]:
    s["tile_m"], s["tile_n"] = s["default_tile_m"], s["default_tile_n"]
t["prefill"]["tokens"] = t["prefill"]["default_tokens"]
a = t["attention"]
a["rows"], a["tokens"], a["decode_rows"] = a["default_rows"], a["default_tokens"], a["default_decode_rows"]
json.dump(t, open(sys.argv[2], "w"), indent=2)
PY
    done
  done
fi
phase "tuned"

# Where the tuner kept every default, the tuned engine is the default engine
# (the same kernels, only the cache key differs): there is nothing to
# compare, so neither is compiled or measured, and the table says "default
# kept" for it.
# The test of "every default kept" (tiles of every shape, the prefill step and
# the prefill and decode attention blocks), shared by all_default and the table.
KEPT_PY='
def kept(t):
    p, a = t.get("prefill", {}), t.get("attention", {})
    return all(s["tile_m"] == s["default_tile_m"] and s["tile_n"] == s["default_tile_n"] for s in t["shapes"]) \
        and p.get("tokens", 0) == p.get("default_tokens", 0) \
        and (a.get("rows", 0), a.get("tokens", 0)) == (a.get("default_rows", 0), a.get("default_tokens", 0)) \
        and a.get("decode_rows", 0) == a.get("default_decode_rows", 0)
'
export KEPT_PY
all_default() {  # TUNING_FILE
  /usr/bin/python3 -c 'import json,os,sys; exec(os.environ["KEPT_PY"]); sys.exit(0 if kept(json.load(open(sys.argv[1]))) else 1)' "$1"
}
variants() {  # TARGET FORMAT
  all_default "$OUT/tune-$1-$2.json" || { [ "$CONTROL" = 1 ] && echo default tuned control || echo default tuned; }
}

# 2. Compile every engine once (into the engine cache), outside the timed
# part, two at a time: an engine's compile has long one-thread stretches
# (weight packing, q8/q4 scale search, archiving and linking 270 MB).
bench_args() {  # TARGET FORMAT VARIANT
  local a=("$MODEL" "--$2" --target "$1")
  [ "$3" = tuned ] && a+=(--tune "$OUT/tune-$1-$2.json")
  [ "$3" = control ] && a+=(--tune "$OUT/control-$1-$2.json")
  printf '%s\n' "${a[@]}"
}
mkdir -p "$WORK/compile"
rm -f "$WORK/compile/"*.rc
for t in $RUN_TARGETS; do
  for f in $FORMATS; do
    for v in $(variants "$t" "$f"); do
      echo "== compile $t $f $v" >&2
      mapfile -t args < <(bench_args "$t" "$f" "$v")
      log="$WORK/compile/$t-$f-$v"
      { st=0; "$SMOLC" bench "${args[@]}" --prepare >/dev/null 2>"$log.err" || st=$?; echo "$st" >"$log.rc"; } &
      while [ "$(jobs -rp | wc -l)" -ge 2 ]; do sleep 1; done
    done
  done
done
wait
for rc in "$WORK/compile/"*.rc; do
  [ -e "$rc" ] || continue
  [ "$(cat "$rc")" = 0 ] || die "compiling ${rc%.rc} failed: $(cat "${rc%.rc}.err")"
done

phase "compiled"

# 3. Interleaved measurements: default and tuned back to back, every round.
: >"$OUT/bench.jsonl"
for r in $(seq 1 "$ROUNDS"); do
  for n in $THREADS; do
    for t in $RUN_TARGETS; do
      for f in $FORMATS; do
        # Odd rounds default first, even rounds tuned first: neither always
        # runs second (warm page cache, a load that builds up), ABBA style.
        order=$(variants "$t" "$f")
        [ $((r % 2)) -eq 0 ] && order=$(echo "$order" | tr ' ' '\n' | tac | tr '\n' ' ')
        for v in $order; do
          echo "== round $r: $t $f $v, $n thread(s)" >&2
          mapfile -t args < <(bench_args "$t" "$f" "$v")
          json=$("$SMOLC" bench "${args[@]}" --threads "$n" --reps "$REPS" --json)
          /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(variant=sys.argv[2], round=int(sys.argv[3])); print(json.dumps(d))' \
            "$json" "$v" "$r" >>"$OUT/bench.jsonl"
        done
      done
    done
  done
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
phase "measured"

# 4. The tables, ready for docs/performance.md: what the tuner chose; then
# tokens/s medians over the rounds, tuned / default, with the range of the
# per-round ratios (one round's default and tuned ran back to back).
/usr/bin/python3 - "$OUT/bench.jsonl" "$OUT/machine.txt" >"$OUT/table.md" <<'PY'
import glob, json, os, statistics, sys
exec(os.environ["KEPT_PY"])
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
tunings = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(os.path.dirname(sys.argv[1]), "tune-*.json")))]

def us(ns):
    return f"{ns / 1e3:.1f}"

print("**What the tuner chose** (probe times; a choice other than the default is 2 % faster where it changes the engine, no slower elsewhere; "
      "then the tuner's verification: a phase's choices stay only where the whole tuned engine is 2 % faster in that phase "
      "and no more than 2 % slower in the other, else they are the default's):")
print()
print("| target | format | prefill step (tokens) | decode attention block (rows; cold KV) | prefill attention block (rows x tokens) | kernel tiles | verification (whole engines, tuned / default) |")
print("|---|---|---|---|---|---|---|")
for t in tunings:
    p, a = t["prefill"], t["attention"]
    steps = {x["tokens"]: x["ns_per_token"] for x in p["steps"]}
    step = (f"{p['tokens']} (default {p['default_tokens']}): {us(steps[p['default_tokens']])} -> {us(steps[p['tokens']])} us/token"
            if p["tokens"] != p["default_tokens"] else f"{p['default_tokens']}: default kept")
    dec = {x["rows"]: x["decode_ns"] for x in a["candidates"]}
    pre = {(x["rows"], x["tokens"]): x["prefill_ns"] for x in a["candidates"]}
    dr, ddr = a["decode_rows"], a["default_decode_rows"]
    decode = (f"{dr} (default {ddr}): {us(dec[ddr])} -> {us(dec[dr])} us" if dr != ddr
              else f"{ddr}: default kept ({us(dec[ddr])} us)")
    pd, pc = (a["default_rows"], a["default_tokens"]), (a["rows"], a["tokens"])
    prefill = (f"{pc[0]} x {pc[1]} (default {pd[0]} x {pd[1]}): {us(pre[pd])} -> {us(pre[pc])} us" if pc != pd
               else f"{pd[0]} x {pd[1]}: default kept")
    tiles = [f"{s['M']}x{s['K']} {s['format']} {s['tile_m']}r{s['tile_n']}t (default {s['default_tile_m']}r{s['default_tile_n']}t)"
             for s in t["shapes"] if (s["tile_m"], s["tile_n"]) != (s["default_tile_m"], s["default_tile_n"])]
    v = t.get("verification", {})
    if v.get("ran"):
        ratios = lambda k: " then ".join(f"{x[k + '_ratio']:.3f}" for x in v["stages"])
        verified = (f"prefill {v['prefill']} ({ratios('prefill')}), decode {v['decode']} ({ratios('decode')}); "
                    f"{v['rounds']} rounds at {','.join(map(str, v['threads']))} threads")
    else:
        verified = f"not run: {v.get('note', 'no verification in the file')}"
    print(f"| {t['target']} | {t['format']} | {step} | {decode} | {prefill} | {'; '.join(tiles) or 'default kept'} | {verified} |")
print()
rounds = sorted({d["round"] for d in rows})
reps = rows[0]["reps"] if rows else 0
print(f"**Engines, tuned against default** (tokens/s, median of {len(rounds)} rounds x {reps} reps; ratio = tuned / default "
      "of the medians, in brackets the lowest and highest ratio of one round's back-to-back pair):")
print()
keys = {}
for d in rows:
    keys.setdefault((d["target"], d["format"], d["threads"]), {}).setdefault(d["variant"], {})[d["round"]] = d
print("| target | format | threads | pp512 default | pp512 tuned | ratio | tg128 default | tg128 tuned | ratio | tg128@d512 default | tg128@d512 tuned | ratio |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for (t, f, n), v in sorted(keys.items()):
    if "tuned" not in v or "default" not in v:
        continue
    cells = [t, f, str(n)]
    for m in ("pp512", "tg128", "tg128_d512"):
        de = statistics.median(x[m] for x in v["default"].values())
        tu = statistics.median(x[m] for x in v["tuned"].values())
        per = [v["tuned"][r][m] / v["default"][r][m] for r in v["tuned"] if r in v["default"]]
        cells += [f"{de:.1f}", f"{tu:.1f}", f"{tu / de:.3f} ({min(per):.2f}-{max(per):.2f})"]
    print("| " + " | ".join(cells) + " |")
if any("control" in v for v in keys.values()):
    print()
    print("**Control: the default engine against itself** (the default schedule compiled again, the same code in another "
          "file, measured in the same rounds; ratio = control / default, in brackets the per-round range):")
    print()
    print("| target | format | threads | pp512 ratio | tg128 ratio | tg128@d512 ratio |")
    print("|---|---|---|---|---|---|")
    for (t, f, n), v in sorted(keys.items()):
        if "control" not in v or "default" not in v:
            continue
        cells = [t, f, str(n)]
        for m in ("pp512", "tg128", "tg128_d512"):
            de = statistics.median(x[m] for x in v["default"].values())
            co = statistics.median(x[m] for x in v["control"].values())
            per = [v["control"][r][m] / v["default"][r][m] for r in v["control"] if r in v["default"]]
            cells.append(f"{co / de:.3f} ({min(per):.2f}-{max(per):.2f})")
        print("| " + " | ".join(cells) + " |")
for t in tunings:
    if kept(t):
        why = ("the verification reverted the search's choices" if t.get("verification", {}).get("ran")
               else "no choice beat it by 2 %")
        print(f"\n{t['target']} {t['format']}: the tuner kept every default ({why}): the tuned engine is the default engine, not measured.")
print()
print("```")
for line in open(sys.argv[2]):
    print(line.rstrip())
print("```")
PY
cat "$OUT/table.md"
