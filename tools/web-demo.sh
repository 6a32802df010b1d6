#!/usr/bin/env bash
# Compiles stories260K (or MODEL) for the browser with `smolc compile --web`
# and serves the page on 127.0.0.1 (tools/wasm/serve.mjs) until Ctrl-C.
# docs/targets.md#the-browser-page.
#
#   tools/web-demo.sh [--smolc PATH] [--dir DIR] [--port N] [--target wasm32-simd128|wasm32]
#                     [MODEL] [--FORMAT]
#
# Defaults: models/stories260K/stories260K.bin, --q8, wasm32-simd128,
# DIR build/web-demo, port 8000 (0: any free port). Open the printed URL.
# Environment: SMOLC_COMPILE_ARGS adds flags to `smolc compile` (e.g. --ctx 256).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="$ROOT/models/stories260K/stories260K.bin" format=--q8 target=wasm32-simd128
smolc="$ROOT/build/bin/smolc" dir="$ROOT/build/web-demo" port=8000
die() { echo "web-demo: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --smolc) [ $# -ge 2 ] || die "--smolc needs a value"; smolc="$2"; shift 2 ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --port) [ $# -ge 2 ] || die "--port needs a value"; port="$2"; shift 2 ;;
    --target) [ $# -ge 2 ] || die "--target needs a value"; target="$2"; shift 2 ;;
    --f32|--bf16|--f16|--q8|--q4|--q16) format="$1"; shift ;;
    -*) die "unknown option '$1'" ;;
    *) model="$1"; shift ;;
  esac
done
[ -x "$smolc" ] || die "no smolc at $smolc (tools/build.sh builds it, or give --smolc)"
command -v node >/dev/null || die "no node (tools/setup.sh installs nodejs)"
# shellcheck disable=SC2086  # SMOLC_COMPILE_ARGS is a list of flags
"$smolc" compile "$model" "$format" --target "$target" --web -o "$dir" ${SMOLC_COMPILE_ARGS:-}
echo "web-demo: serving $dir (Ctrl-C stops)"
exec node "$ROOT/tools/wasm/serve.mjs" "$dir" --port "$port"
