#!/usr/bin/env bash
# Checks that the folders already in the style of .clang-format stay in it
# (the ctest compiler/format). A folder joins FOLDERS once it has been
# formatted (clang-format-19 -i on its files), not before: the rest of the
# tree is converged folder by folder rather than in one reformat.
#   tools/check_format.sh [ROOT]    exit 0: formatted; 1: clang-format's diagnostics
set -euo pipefail
ROOT="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)"
FORMAT="${CLANG_FORMAT:-clang-format-19}"
FOLDERS=(compiler/lower compiler/driver compiler/target compiler/schedule compiler/passes compiler/ir compiler/common compiler/quantize compiler/reference compiler/synth compiler/text runtime/quant runtime/weights runtime/platform runtime/chat compiler/package compiler/bench compiler/emit runtime/speculate runtime/tokenizer runtime/sampler compiler/frontend)
if ! command -v "$FORMAT" >/dev/null; then
  echo "check_format: $FORMAT not found (tools/setup.sh installs clang-format-19)" >&2
  exit 1
fi
cd "$ROOT"
mapfile -t files < <(find "${FOLDERS[@]}" -type f \( -name '*.cpp' -o -name '*.h' \) | sort)
"$FORMAT" --dry-run --Werror --style=file "${files[@]}"
echo "format holds in ${FOLDERS[*]} (${#files[@]} files)"
