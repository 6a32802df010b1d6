#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-19, -fsanitize=fuzzer,address,undefined)
# and runs each for a bounded time on its seed corpus (tests/fuzz/corpus/,
# made by tests/fuzz/make_corpus.py; the tokenizer target is seeded from the
# golden tokenizer corpora). New inputs go to a scratch copy, never into the repo.
#   tools/fuzz.sh [BUILD_DIR] [SECONDS_PER_TARGET] [TARGET...]   (defaults: build-fuzz, 40, all)
# A long campaign: tools/fuzz.sh build-fuzz 3600 gguf   (docs/security.md, "Fuzzing").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build-fuzz}"
SECS="${2:-40}"
shift 2 2>/dev/null || shift $#
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(tokenizer gguf safetensors config tokenizer_json llama2c)
"$ROOT/tools/setup.sh"
CC=clang-19 CXX=clang++-19 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSMOLC_FUZZ=ON -DSMOLC_BUILD_TESTS=OFF >/dev/null
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

for t in "${TARGETS[@]}"; do
  WORK="$BUILD/fuzz-work/$t"
  rm -rf "$WORK" && mkdir -p "$WORK/corpus" "$WORK/tmp"
  if [ "$t" = tokenizer ]; then tokenizer_seeds "$WORK/corpus"; else cp "$ROOT/tests/fuzz/corpus/$t/"* "$WORK/corpus/"; fi
  MAXLEN=4096
  case "$t" in gguf) MAXLEN=131072 ;; safetensors|llama2c) MAXLEN=65536 ;; tokenizer_json) MAXLEN=262144 ;; esac
  echo "== fuzz_$t for ${SECS}s (max_len $MAXLEN)"
  (cd "$WORK" && TMPDIR="$WORK/tmp" ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$BUILD/bin/fuzz_$t" -max_total_time="$SECS" -max_len="$MAXLEN" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 "$WORK/corpus" 2>&1 | tail -n 25)
  # A finding leaves crash-*/timeout-*/oom-* files in $WORK.
  if compgen -G "$WORK/crash-*" >/dev/null || compgen -G "$WORK/timeout-*" >/dev/null || compgen -G "$WORK/oom-*" >/dev/null; then
    echo "fuzz_$t: finding(s) in $WORK" >&2
    exit 1
  fi
done
