#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-19, -fsanitize=fuzzer,address,undefined)
# and runs each for a bounded time on its seed corpus (tests/fuzz/corpus/,
# made by tests/fuzz/make_corpus.py; the tokenizer target is seeded from the
# golden tokenizer corpora; capi first emits and builds its engine). New inputs go to a scratch copy, never into the repo.
#   tools/fuzz.sh [BUILD_DIR] [SECONDS_PER_TARGET] [TARGET...]   (defaults: build-fuzz, 40, all)
# Targets run SMOLC_FUZZ_JOBS at a time (default nproc), each for the full time.
# A long campaign: tools/fuzz.sh build-fuzz 3600 gguf   (docs/security.md, "Fuzzing").
# SMOLC_FUZZ_TIMEOUT: seconds one input may take before it counts as a hang (default 10).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build-fuzz}"
SECS="${2:-40}"
shift 2 2>/dev/null || shift $#
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(tokenizer gguf safetensors config tokenizer_json llama2c capi)
"$ROOT/tools/setup.sh"
configure() {
  CC=clang-19 CXX=clang++-19 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSMOLC_FUZZ=ON -DSMOLC_BUILD_TESTS=OFF "$@" >/dev/null
}
configure

# fuzz_capi links a real engine: stories260K f32 for the scalar target with a
# 24-position context (so the context fills often), emitted by smolc and
# compiled by its own build.sh with the fuzzer's sanitizers. The smolc that
# emits it is $SMOLC_FUZZ_SMOLC when set (tools/test.sh passes its release
# build, which saves building the CLI with the fuzzer's instrumentation),
# else this build's own.
capi_engine() {
  local eng="$BUILD/fuzz-capi-engine" cxx="$BUILD/cxx-sanitized" smolc="${SMOLC_FUZZ_SMOLC:-}"
  if [ -z "$smolc" ]; then
    cmake --build "$BUILD" --target smolc
    smolc="$BUILD/bin/smolc"
  fi
  rm -rf "$eng"
  "$smolc" compile "$ROOT/models/stories260K/stories260K.bin" --tokenizer "$ROOT/models/stories260K/tok512.bin" \
    --f32 --target scalar --ctx 24 --name fzcapi -o "$eng" --emit-only >/dev/null
  printf '#!/bin/sh\nexec clang++-19 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all "$@"\n' >"$cxx"
  chmod +x "$cxx"
  CXX="$cxx" AR=llvm-ar-19 sh "$eng/src/build.sh"
  cp "$eng/src/libfzcapi.a" "$eng/lib/"
  configure -DSMOLC_FUZZ_CAPI_ENGINE="$eng"
}
[[ " ${TARGETS[*]} " == *" capi "* ]] && capi_engine
cmake --build "$BUILD" --target $(printf 'fuzz_%s ' "${TARGETS[@]}")

tokenizer_seeds() {
  python3 - "$ROOT/tests/data/tokenizer" "$1" <<'PY'
import json, pathlib, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
for f in sorted(src.glob("*.jsonl")):
    for line in f.read_text(encoding="utf-8").split("\n"):
        if not line:
            continue
        j = json.loads(line)
        data = bytes.fromhex(j["hex"]) if "hex" in j else j["text"].encode()
        if len(data) <= 4096:
            (out / f"seed{n:05d}").write_bytes(data)
            n += 1
PY
}

# One target: seeds, a bounded run, its log. Prints what it found and
# returns 1 when libFuzzer left a crash, timeout or oom input.
fuzz_one() {
  local t="$1" WORK="$BUILD/fuzz-work/$1" MAXLEN=4096
  rm -rf "$WORK" && mkdir -p "$WORK/corpus" "$WORK/tmp"
  if [ "$t" = tokenizer ]; then tokenizer_seeds "$WORK/corpus"; else cp "$ROOT/tests/fuzz/corpus/$t/"* "$WORK/corpus/"; fi
  case "$t" in gguf) MAXLEN=131072 ;; safetensors|llama2c) MAXLEN=65536 ;; tokenizer_json) MAXLEN=262144 ;; capi) MAXLEN=1024 ;; esac
  (cd "$WORK" && TMPDIR="$WORK/tmp" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$BUILD/bin/fuzz_$t" -max_total_time="$SECS" -max_len="$MAXLEN" -timeout="${SMOLC_FUZZ_TIMEOUT:-10}" -rss_limit_mb=4096 \
    -print_final_stats=1 "$WORK/corpus" >"$WORK/log.txt" 2>&1 || true)
  {
    echo "== fuzz_$t for ${SECS}s (max_len $MAXLEN)"
    # The finding's own message and sanitizer summary, then the final stats.
    grep -E '^(fuzz_[a-z_]+: |==[0-9]+==ERROR|SUMMARY)' "$WORK/log.txt" | head -n 5 || true
    tail -n 12 "$WORK/log.txt"
  } >"$WORK/summary.txt"
  # A finding leaves crash-*/timeout-*/oom-* files in $WORK.
  if compgen -G "$WORK/crash-*" >/dev/null || compgen -G "$WORK/timeout-*" >/dev/null || compgen -G "$WORK/oom-*" >/dev/null; then
    echo "fuzz_$t: finding(s) in $WORK" >>"$WORK/summary.txt"
    return 1
  fi
}

# Each libFuzzer process uses one core, so the targets run SMOLC_FUZZ_JOBS at
# a time (default: every core); each still gets its full SECS.
JOBS="${SMOLC_FUZZ_JOBS:-$(nproc)}"
declare -A PIDS=()
failed=0
reap() {  # waits for the oldest running target, prints its summary
  local t="$1"
  wait "${PIDS[$t]}" || failed=1
  cat "$BUILD/fuzz-work/$t/summary.txt"
  unset "PIDS[$t]"
}
ORDER=()
for t in "${TARGETS[@]}"; do
  if [ ${#ORDER[@]} -ge "$JOBS" ]; then reap "${ORDER[0]}"; ORDER=("${ORDER[@]:1}"); fi
  fuzz_one "$t" &
  PIDS[$t]=$!
  ORDER+=("$t")
done
for t in "${ORDER[@]}"; do reap "$t"; done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: findings above" >&2
  exit 1
fi
