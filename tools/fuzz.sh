#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-19, -fsanitize=fuzzer,address,undefined)
# and fuzzes the tokenizers for a bounded time, seeded with the golden corpora.
#   tools/fuzz.sh [BUILD_DIR] [SECONDS]     (defaults: build-fuzz, 60)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${1:-$ROOT/build-fuzz}"
SECS="${2:-60}"
"$ROOT/tools/setup.sh"
CC=clang-19 CXX=clang++-19 cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSMOLC_FUZZ=ON -DSMOLC_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD" --target fuzz_tokenizer
SEEDS="$BUILD/fuzz-seeds/tokenizer"
rm -rf "$SEEDS" && mkdir -p "$SEEDS"
python3 - "$ROOT/tests/data/tokenizer" "$SEEDS" <<'PY'
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
echo "== fuzzing the tokenizers for ${SECS}s"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  "$BUILD/bin/fuzz_tokenizer" -max_total_time="$SECS" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
  -print_final_stats=1 "$SEEDS"
