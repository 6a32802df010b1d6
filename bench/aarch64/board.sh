#!/usr/bin/env bash
# smolc against llama.cpp on a real aarch64 board over ssh: the same synthetic
# weights, format and thread count; prints both engines' pp512 and tg128 and
# the ratio smolc / llama.cpp. This is the measurement the llvm-mca model in
# docs/performance.md stands in for. NOT RUN HERE: this project has no board.
#
#   bench/aarch64/board.sh HOST [--format q8|q4|f32|bf16|f16] [--target aarch64|aarch64-dotprod]
#                          [--threads N] [--reps N] [--preset SmolLM2-135M] [--llama-bench PATH]
#                          [--smolc PATH] [--work DIR]
#
# HOST is anything ssh takes (pi@raspberrypi, an alias from ~/.ssh/config);
# keys, no password prompt. On this (x86) machine: a built smolc, node-llama-cpp
# (`npm install` in bench/llama_cpp, for llama.cpp's source bundle), the
# aarch64 cross toolchain (tools/setup.sh). On the board: a shell, tar, and,
# unless --llama-bench names a llama-bench already there, cmake and a C/C++
# compiler to build llama.cpp natively (-DGGML_NATIVE=ON, once, into
# ~/smolc-llama.cpp-<commit> on the board; the board's own CPU features).
#
# smolc: `smolc bench` compiles the engine here for --target and runs its
# static bench executable on the board through bench/aarch64/ssh_runner.sh HOST
# (scp, then ssh). llama.cpp: `smolc convert` writes the same weights as GGUF
# (q8 -> Q8_0, q4 -> Q4_0, f32/bf16/f16 alike), scp copies it to the board and
# llama-bench runs there with -p 512 -n 128 -t N -r N, an f32 KV cache as
# smolc bench uses. smolc reports medians, llama-bench means.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ $# -ge 1 ] && [ "${1#-}" = "$1" ] || { sed -n '7,10p' "$0" >&2; exit 2; }
HOST="$1"; shift
FORMAT=q8 TARGET=aarch64-dotprod THREADS=4 REPS=5 PRESET=SmolLM2-135M LLAMA_BENCH="" SMOLC="$ROOT/build/bin/smolc"
WORK="${TMPDIR:-/tmp}/smolc-board"
while [ $# -gt 0 ]; do
  case "$1" in
    --format) FORMAT="$2"; shift 2 ;;
    --target) TARGET="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --reps) REPS="$2"; shift 2 ;;
    --preset) PRESET="$2"; shift 2 ;;
    --llama-bench) LLAMA_BENCH="$2"; shift 2 ;;
    --smolc) SMOLC="$2"; shift 2 ;;
    --work) WORK="$2"; shift 2 ;;
    *) echo "board.sh: unknown argument '$1'" >&2; sed -n '7,10p' "$0" >&2; exit 2 ;;
  esac
done
case "$FORMAT" in q8) GGUF_TYPE=q8_0 DTYPE=f32 ;; q4) GGUF_TYPE=q4_0 DTYPE=f32 ;; f32|bf16|f16) GGUF_TYPE=$FORMAT DTYPE=$FORMAT ;;
  *) echo "board.sh: --format '$FORMAT' is not q8, q4, f32, bf16 or f16 (q16 has no GGUF type)" >&2; exit 2 ;; esac
case "$TARGET" in aarch64|aarch64-dotprod|aarch64-i8mm) ;; *) echo "board.sh: --target '$TARGET' is not an aarch64 target" >&2; exit 2 ;; esac
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || { echo "board.sh: --threads '$THREADS' is not a positive integer" >&2; exit 2; }
[[ "$REPS" =~ ^[1-9][0-9]*$ ]] || { echo "board.sh: --reps '$REPS' is not a positive integer" >&2; exit 2; }
[ -x "$SMOLC" ] || { echo "board.sh: no smolc at $SMOLC (tools/build.sh builds it)" >&2; exit 2; }
BUNDLE="$ROOT/bench/llama_cpp/node_modules/node-llama-cpp/llama/gitRelease.bundle"
ssh -o BatchMode=yes "$HOST" true || { echo "board.sh: cannot ssh to $HOST without a prompt" >&2; exit 2; }
ARCH="$(ssh "$HOST" uname -m)"
[ "$ARCH" = aarch64 ] || { echo "board.sh: $HOST is $ARCH, not aarch64" >&2; exit 2; }

# The weights, once per preset and dtype: smolc's checkpoint and its GGUF.
mkdir -p "$WORK"
CKPT="$WORK/$PRESET-$DTYPE" GGUF="$WORK/$PRESET-$GGUF_TYPE.gguf"
[ -f "$CKPT/config.json" ] || "$SMOLC" synth --preset "$PRESET" --dtype "$DTYPE" --seed 1 -o "$CKPT" >&2
[ -f "$GGUF" ] || "$SMOLC" convert "$CKPT" --to gguf --type "$GGUF_TYPE" -o "$GGUF" >&2

# llama-bench on the board: given, or built there from the bundle's commit.
if [ -z "$LLAMA_BENCH" ]; then
  [ -f "$BUNDLE" ] || { echo "board.sh: no $BUNDLE: run 'npm install' in bench/llama_cpp, or give --llama-bench" >&2; exit 2; }
  COMMIT="$(git bundle list-heads "$BUNDLE" | awk '$2 == "HEAD" || NR == 1 {print $1; exit}')"
  REMOTE="smolc-llama.cpp-${COMMIT:0:12}"
  LLAMA_BENCH="$REMOTE/build/bin/llama-bench"
  if ! ssh "$HOST" test -x "$LLAMA_BENCH"; then
    SRC="$WORK/llama.cpp-${COMMIT:0:12}"
    [ -d "$SRC/.git" ] || git clone -q "$BUNDLE" "$SRC" 2>/dev/null
    git -C "$SRC" checkout -q "$COMMIT"
    echo "board.sh: building llama-bench ${COMMIT:0:12} on $HOST in ~/$REMOTE (once; minutes)" >&2
    git -C "$SRC" archive --format=tar "$COMMIT" | ssh "$HOST" "mkdir -p '$REMOTE' && tar -x -C '$REMOTE'"
    ssh "$HOST" "cmake -S '$REMOTE' -B '$REMOTE/build' -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DGGML_CPU=ON \
      -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
      -DBUILD_SHARED_LIBS=OFF >/dev/null && cmake --build '$REMOTE/build' --target llama-bench -j \$(nproc) >/dev/null"
  fi
fi

# smolc: the engine compiled here, its bench executable run on the board.
SMOLC_JSON="$("$SMOLC" bench "$CKPT" "--$FORMAT" --target "$TARGET" --threads "$THREADS" --reps "$REPS" --json \
  --runner "$ROOT/bench/aarch64/ssh_runner.sh $HOST")"

# llama.cpp: the GGUF copied to the board, llama-bench there.
REMOTE_GGUF="/tmp/smolc-board-$(basename "$GGUF")"
scp -q "$GGUF" "$HOST:$REMOTE_GGUF"
LLAMA_JSON="$(ssh "$HOST" "'$LLAMA_BENCH' -m '$REMOTE_GGUF' -t $THREADS -r $REPS -p 512 -n 128 -ctk f32 -ctv f32 -o json")"

/usr/bin/python3 - "$SMOLC_JSON" "$LLAMA_JSON" "$HOST" "$FORMAT" "$TARGET" "$THREADS" <<'PY'
import json, sys
smolc, tests = json.loads(sys.argv[1]), json.loads(sys.argv[2])
host, fmt, target, threads = sys.argv[3:]
llama = {}
for t in tests:
    llama["pp%d" % t["n_prompt"] if t["n_prompt"] else "tg%d" % t["n_gen"]] = t["avg_ts"]
if smolc.get("emulated"):
    sys.exit("board.sh: smolc bench ran under an emulator; these are not board numbers")
print("board %s (%s), %s, %s thread(s); smolc %s (%s) vs llama.cpp llama-bench %s (%s)" %
      (host, tests[0].get("cpu_info", "?"), fmt, threads, target, smolc["engine"], tests[0].get("build_commit", "?"),
       tests[0].get("type_k", "?") + " KV"))
print("%-8s %14s %14s %8s" % ("test", "smolc tok/s", "llama tok/s", "ratio"))
for k in ("pp512", "tg128"):
    if k not in llama:
        sys.exit("board.sh: llama-bench gave no %s" % k)
    print("%-8s %14.1f %14.1f %7.2fx" % (k, smolc[k], llama[k], smolc[k] / llama[k]))
if smolc.get("lengths_scaled"):
    print("note: smolc measured scaled lengths %s (the model's context is short)" % smolc["lengths"])
PY
