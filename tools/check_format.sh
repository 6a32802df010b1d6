#!/usr/bin/env bash
# Checks that every C++ file of the compiler and the runtime is in the style
# of .clang-format (the ctest compiler/format). Fix with
# clang-format-19 -i --style=file FILE...
#   tools/check_format.sh [ROOT]    exit 0: formatted; 1: clang-format's diagnostics
set -euo pipefail
ROOT="$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)"
FORMAT="${CLANG_FORMAT:-clang-format-19}"
FOLDERS=(compiler runtime)
if ! command -v "$FORMAT" >/dev/null; then
  echo "check_format: $FORMAT not found (tools/setup.sh installs clang-format-19)" >&2
  exit 1
fi
cd "$ROOT"
mapfile -t files < <(find "${FOLDERS[@]}" -type f \( -name '*.cpp' -o -name '*.h' \) | sort)
"$FORMAT" --dry-run --Werror --style=file "${files[@]}"
echo "format holds in ${FOLDERS[*]} (${#files[@]} files)"
