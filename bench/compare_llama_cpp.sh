#!/usr/bin/env bash
# smolc vs llama.cpp on the same synthetic weights, format and thread count,
# interleaved (each smolc build, each llama.cpp peer, bandwidth probe, then
# again ...) in one run, so every engine sees the same machine load. Prints a
# table (tokens/s, ratio to llama.cpp built natively, fraction of the DRAM
# read-bandwidth ceiling) and appends every measurement as one JSON line to
# --out (for plot_performance.py).
#
#   bench/compare_llama_cpp.sh [--preset SmolLM2-135M] [--formats "f32 bf16 bf16a f16 q8 q4"]
#                              [--threads "1 2"] [--reps N] [--rounds K]
#                              [--target "native"] [--cxx "clang++-19"]
#                              [--peers "bench prebuilt"] [--out FILE.jsonl] [--work DIR]
#                              [--smolc PATH] [--rt] [--kv f32|f16]
#
# --target and --cxx take lists: every target x compiler pair is one smolc
# row, so `--target "avx512 avx2" --cxx "clang++-19 g++"` measures four smolc
# engines against the same peers in one interleaved run.
# --peers: `bench` is llama.cpp's own llama-bench built natively for this CPU
# (GGML_NATIVE=ON, CPU only) from the git bundle node-llama-cpp ships, by
# bench/llama_cpp/build_llama_cpp.sh into ~/.cache/smolc/llama.cpp-<commit>
# (outside the repository, built once); it is the primary peer, the one the
# ratios divide by. `prebuilt` drives node-llama-cpp's prebuilt libllama (the
# generic x86 CPU variants ggml picks at run time) from C++
# (bench/llama_cpp/native_speed.cpp); `node` uses speed.mjs, whose per-token
# JavaScript call costs llama.cpp decode speed. The first peer listed is the
# primary one.
#
# --kv sets the KV cache element type of every engine (default f32; llama.cpp's
# own default is f16). Flash attention is llama.cpp's default (auto) for every
# peer.
#
# --rt runs every timed process (engines and the probe) under
# `chrt -f 1` (SCHED_FIFO, needs root or CAP_SYS_NICE): on a machine shared with
# builds it preempts them, so each engine gets whole cores; the kernel's RT
# throttling still leaves the rest 5 % of the CPU.
#
# Formats: f32 bf16 f16 (checkpoint in that dtype, GGUF F32/BF16/F16), q8 (smolc
# --q8 vs GGUF Q8_0), q4 (smolc --q4, its lm_head/tied embedding in q8, vs
# GGUF Q4_0) and q4all (smolc --q4 --q4-all, everything q4, vs the same Q4_0
# GGUF); q16 (smolc --q16) has no GGUF counterpart: smolc and the probe only.
# Quantised formats start from the f32 checkpoint on both sides. bf16a is smolc
# --bf16 --bf16-activations (matmul inputs rounded to bf16 once, as llama.cpp
# does) against the same bf16 GGUF; with bf16 in --formats too, the peers are
# timed once, in the bf16 rows, and plot_performance.py divides bf16a by those.
#
# Needs: a built smolc (default build/bin/smolc, or --smolc / $SMOLC), node and
# bench/llama_cpp/node_modules (npm install there), cmake, git, clang++-19 and
# every --cxx compiler, /usr/bin/python3.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PRESET=SmolLM2-135M FORMATS="f32 bf16 f16" THREADS="1 2" REPS=5 ROUNDS=3 RT=() KV=f32 PEERS="bench prebuilt"
TARGETS=native CXXS=clang++-19
OUT="$ROOT/bench/results/compare.jsonl" WORK="${TMPDIR:-/tmp}/smolc-compare" SMOLC="${SMOLC:-$ROOT/build/bin/smolc}"
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) PRESET="$2"; shift 2 ;;
    --formats) FORMATS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    --smolc) SMOLC="$2"; shift 2 ;;
    --rt) RT=(chrt -f 1); shift ;;
    --kv) KV="$2"; shift 2 ;;
    --peers) PEERS="$2"; shift 2 ;;
    --target) TARGETS="$2"; shift 2 ;;
    --cxx) CXXS="$2"; shift 2 ;;
    -h|--help) sed -n '2,48p' "$0"; exit 0 ;;
    *) echo "compare_llama_cpp.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$KV" in f32|f16) ;; *) echo "compare_llama_cpp.sh: --kv '$KV' is not f32 or f16" >&2; exit 2 ;; esac
for p in $PEERS; do
  case "$p" in bench|prebuilt|node) ;; *) echo "compare_llama_cpp.sh: --peers: '$p' is not bench, prebuilt or node" >&2; exit 2 ;; esac
done
[ -n "$PEERS" ] || { echo "compare_llama_cpp.sh: --peers is empty (expected bench, prebuilt and/or node)" >&2; exit 2; }
[ -n "$TARGETS" ] || { echo "compare_llama_cpp.sh: --target is empty" >&2; exit 2; }
for c in $CXXS; do
  command -v "$c" >/dev/null || { echo "compare_llama_cpp.sh: --cxx: no compiler '$c' on PATH" >&2; exit 2; }
done
[ -n "$CXXS" ] || { echo "compare_llama_cpp.sh: --cxx is empty" >&2; exit 2; }
for n in $REPS $ROUNDS $THREADS; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "compare_llama_cpp.sh: '$n' is not a positive integer" >&2; exit 2; }
done
[ -x "$SMOLC" ] || { echo "compare_llama_cpp.sh: no smolc at $SMOLC (build it, or pass --smolc)" >&2; exit 2; }
[ -d "$ROOT/bench/llama_cpp/node_modules/node-llama-cpp" ] ||
  { echo "compare_llama_cpp.sh: run 'npm install' in bench/llama_cpp first (see its README)" >&2; exit 2; }

gguf_type() {  # smolc format -> llama.cpp GGUF type
  case "$1" in f32) echo f32 ;; bf16|bf16a) echo bf16 ;; f16) echo f16 ;; q8) echo q8_0 ;; q4|q4all) echo q4_0 ;;
    q16) echo none ;;  # no GGUF type holds int16 blocks: smolc and the probe only
    *) echo "compare_llama_cpp.sh: unknown format '$1' (f32 bf16 bf16a f16 q8 q4 q4all q16)" >&2; exit 2 ;; esac
}
smolc_flags() {  # smolc format -> its format flags
  case "$1" in q4all) echo "--q4 --q4-all" ;; bf16a) echo "--bf16 --bf16-activations" ;; *) echo "--$1" ;; esac
}
# Check every format before anything runs (gguf_type exits inside $(...) only).
for f in $FORMATS; do gguf_type "$f" >/dev/null || exit 2; done
mkdir -p "$WORK" "$(dirname "$OUT")"
# A private copy: the engine cache is keyed by the smolc binary, so a rebuild
# during the run must not make later rounds compile again.
cp -p "$SMOLC" "$WORK/smolc.run"  # -p: same size and mtime, same cache keys
SMOLC="$WORK/smolc.run"

# The read-bandwidth probe: bench/kernels/stream_read.cpp (the kernels team's
# STREAM-like sum) over 1 GiB split between T threads; wall-clock GB/s, median
# of 7 passes after one warm-up pass.
cat >"$WORK/read_bw.cpp" <<'CPP'
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>
#include "bench/kernels/stream_read.h"
int main(int argc, char** argv) {
  const int t = argc > 1 ? std::atoi(argv[1]) : 1;
  const size_t n = (size_t(1) << 30) / sizeof(float), part = n / size_t(t) / 64 * 64;
  std::vector<float> buf(n, 1.0f);
  std::vector<float> sums(static_cast<size_t>(t));
  std::vector<double> gbs;
  for (int pass = 0; pass < 8; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> th;
    for (int i = 0; i < t; ++i)
      th.emplace_back([&, i] { sums[size_t(i)] += smolc::bench::stream_read_sum(buf.data() + size_t(i) * part, part); });
    for (auto& x : th) x.join();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (pass > 0) gbs.push_back(double(part * size_t(t) * sizeof(float)) / s / 1e9);
  }
  std::sort(gbs.begin(), gbs.end());
  std::printf("{\"threads\":%d,\"read_gb_s\":%.3f,\"read_gb_s_max\":%.3f,\"check\":%g}\n", t, gbs[gbs.size() / 2],
              gbs.back(), double(sums[0]));
}
CPP
clang++-19 -std=c++17 -O2 -pthread -I"$ROOT" "$WORK/read_bw.cpp" "$ROOT/bench/kernels/stream_read.cpp" -o "$WORK/read_bw"

LLAMA_BINS="$ROOT/bench/llama_cpp/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
case " $PEERS " in *" prebuilt "*) NATIVE="$("$ROOT/bench/llama_cpp/build_native.sh" "$WORK/llama-native")" ;; esac
case " $PEERS " in *" bench "*) LLAMA_BENCH="$("$ROOT/bench/llama_cpp/build_llama_cpp.sh")" ;; esac
# llama-bench's JSON (one object per test) -> the speed JSON of native_speed:
# pp512 and tg128 from an empty context, tg128_d512 after a 512-token depth.
# Its own warm-up run precedes each test; -r repetitions are timed.
llama_bench_speed() {  # gguf threads
  local a b
  a="$("${RT[@]}" "$LLAMA_BENCH" -m "$1" -t "$2" -r "$REPS" -p 512 -n 128 -ctk "$KV" -ctv "$KV" -o json)"
  b="$("${RT[@]}" "$LLAMA_BENCH" -m "$1" -t "$2" -r "$REPS" -p 0 -n 128 -d 512 -ctk "$KV" -ctv "$KV" -o json)"
  /usr/bin/python3 - "$a" "$b" <<'PY'
import json, sys
tests = json.loads(sys.argv[1]) + json.loads(sys.argv[2])
out = {"engine": "llama.cpp llama-bench (native build %s)" % tests[0].get("build_commit", "?"),
       "system_info": tests[0].get("cpu_info", "")}
for t in tests:
    key = ("pp%d" % t["n_prompt"]) if t["n_prompt"] else ("tg%d" % t["n_gen"])
    if t.get("n_depth", 0):
        key += "_d%d" % t["n_depth"]
    out[key + "_tok_s"] = {"mean": t["avg_ts"], "stdev": t["stddev_ts"], "runs": t["samples_ts"]}
for k in ("pp512", "tg128", "tg128_d512"):
    if k + "_tok_s" not in out:
        sys.exit("compare_llama_cpp.sh: llama-bench gave no %s" % k)
print(json.dumps(out))
PY
}
llama_speed() {  # peer gguf threads -> speed JSON of llama.cpp
  case "$1" in
    bench) llama_bench_speed "$2" "$3" ;;
    prebuilt) "${RT[@]}" "$NATIVE" "$2" "$LLAMA_BINS" --threads "$3" --reps "$REPS" --kv "$KV" ;;
    node) "${RT[@]}" node "$ROOT/bench/llama_cpp/speed.mjs" "$2" --threads "$3" --reps "$REPS" --kv "$KV" ;;
  esac
}

# One checkpoint per format, stored in that dtype (f32 for f32), so smolc and
# the GGUF hold bit-identical weights; the GGUF is written by smolc convert.
declare -A CKPT GGUF
for f in $FORMATS; do
  t=$(gguf_type "$f")
  dtype=$f; case "$f" in bf16|f16) ;; bf16a) dtype=bf16 ;; *) dtype=f32 ;; esac
  CKPT[$f]="$WORK/$PRESET-$dtype"
  GGUF[$f]=""
  [ "$t" = none ] || GGUF[$f]="$WORK/$PRESET-$t.gguf"
  [ -f "${CKPT[$f]}/config.json" ] || "$SMOLC" synth --preset "$PRESET" --dtype "$dtype" --seed 1 -o "${CKPT[$f]}" >&2
  [ -z "${GGUF[$f]}" ] || [ -f "${GGUF[$f]}" ] || "$SMOLC" convert "${CKPT[$f]}" --to gguf --type "$t" -o "${GGUF[$f]}" >&2
  # smolc bench must know the format flags (q8/q4 arrived after f32/bf16/f16).
  # shellcheck disable=SC2046
  for flag in $(smolc_flags "$f"); do
    "$SMOLC" bench --help | grep -q -- "$flag" ||
      { echo "compare_llama_cpp.sh: this smolc has no $flag (format '$f')" >&2; exit 2; }
  done
done

RUN_ID="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
CPU="$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
FLAGS="$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|fma|f16c|avx512f|avx512_bf16|avx512_vnni)$' | tr '\n' ' ')"
emit() {  # engine variant format threads round json -> one JSON line with the run's context
  /usr/bin/python3 - "$@" "$RUN_ID" "$PRESET" "$CPU" "$FLAGS" "$(cut -d' ' -f1-3 /proc/loadavg)" "$([ -z "${GGUF[$3]}" ] && echo 0 || stat -c %s "${GGUF[$3]}")" "${RT:+fifo}" <<'PY' >>"$OUT"
import json, sys
engine, variant, fmt, threads, rnd, payload, run_id, preset, cpu, flags, load, gguf_bytes, sched = sys.argv[1:]
d = json.loads(payload)
if engine == "llama.cpp":
    d["gguf_mb"] = int(gguf_bytes) / 1e6  # what llama.cpp streams per token (plus metadata)
if "engine" in d:
    d["engine_detail"] = d.pop("engine")  # speed.mjs: "llama.cpp via node-llama-cpp VERSION"
if engine == "llama.cpp":
    d["peer"] = variant  # bench | prebuilt | node
elif engine == "smolc":
    d["cxx"] = variant  # smolc's target is in its own JSON
d.update(engine=engine, format=fmt, threads=int(threads), round=int(rnd), run=run_id, preset=preset, cpu=cpu,
         cpu_flags=flags.split(), loadavg=load, sched=sched)
print(json.dumps(d))
PY
}

[ ${#RT[@]} -eq 0 ] || "${RT[@]}" true || { echo "compare_llama_cpp.sh: --rt: chrt -f 1 is not permitted here" >&2; exit 2; }
echo "run $RUN_ID: $PRESET, formats [$FORMATS], threads [$THREADS], targets [$TARGETS], compilers [$CXXS], KV $KV, llama.cpp peers [$PEERS], $ROUNDS rounds x $REPS reps${RT:+, SCHED_FIFO}; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Compile every engine first so compile time never lands inside a round.
for f in $FORMATS; do
  for tg in $TARGETS; do
    for c in $CXXS; do
      # shellcheck disable=SC2046
      "$SMOLC" bench "${CKPT[$f]}" $(smolc_flags "$f") --target "$tg" --cxx "$c" --kv "$KV" --prepare >&2
    done
  done
done
for r in $(seq 1 "$ROUNDS"); do
  for f in $FORMATS; do
    for t in $THREADS; do
      echo "round $r/$ROUNDS: $f, $t thread(s)" >&2
      for tg in $TARGETS; do
        for c in $CXXS; do
          # shellcheck disable=SC2046
          emit smolc "$c" "$f" "$t" "$r" "$("${RT[@]}" "$SMOLC" bench "${CKPT[$f]}" $(smolc_flags "$f") --target "$tg" \
            --cxx "$c" --kv "$KV" --threads "$t" --reps "$REPS" --json)"
        done
      done
      if [ -n "${GGUF[$f]}" ] && ! { [ "$f" = bf16a ] && [[ " $FORMATS " == *" bf16 "* ]]; }; then
        for p in $PEERS; do emit llama.cpp "$p" "$f" "$t" "$r" "$(llama_speed "$p" "${GGUF[$f]}" "$t")"; done
      fi
      emit read_bw - "$f" "$t" "$r" "$("${RT[@]}" "$WORK/read_bw" "$t")"
    done
  done
done
/usr/bin/python3 "$ROOT/bench/plot_performance.py" "$OUT" --run "$RUN_ID" --table
