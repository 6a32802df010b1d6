#!/usr/bin/env bash
# Installs (with apt-get) whatever smolc's build, tests and demo need and this
# machine lacks. Safe to run again: it installs only what is missing.
set -euo pipefail
PKGS=(cmake ninja-build clang-19 clang-format-19 lld-19 llvm-19 libclang-rt-19-dev catch2 nlohmann-json3-dev libcli11-dev
      pkg-config python3 python3-numpy binutils libstdc++-12-dev-arm64-cross g++-aarch64-linux-gnu qemu-user
      gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm  # these three: Cortex-M firmware (docs/firmware.md)
      wasi-libc libclang-rt-19-dev-wasm32 libc++-19-dev-wasm32 libc++abi-19-dev-wasm32 nodejs  # wasm32 targets (docs/targets.md)
      chromium  # the browser page's tests (tests/web), screenshot and speed (docs/targets.md#the-browser-page)
      g++ valgrind)  # bench/compilers/compare_cxx.sh: engines built by g++, callgrind instruction counts
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# puppeteer-core (tools/node/package-lock.json) drives that chromium for
# tests/web; it downloads no browser of its own. Reinstalled when the lock
# file changes.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_DIR="$ROOT/tools/node"
if [ ! -f "$NODE_DIR/node_modules/.package-lock.json" ] || [ "$NODE_DIR/package-lock.json" -nt "$NODE_DIR/node_modules/.package-lock.json" ]; then
  echo "setup: npm ci in tools/node (puppeteer-core)"
  (cd "$NODE_DIR" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
