#!/usr/bin/env bash
# The main job on the bundled default model (stories260K), from a fresh Debian
# machine: build smolc, then generate the story greedily.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="$ROOT/tools"
"$tools_dir/build.sh" "$ROOT/build" >/dev/null
"$ROOT/build/bin/smolc" run "$ROOT/models/stories260K/stories260K.bin" --reference --temp 0 -n 256 "$@"
