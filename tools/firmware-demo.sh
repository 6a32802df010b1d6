#!/usr/bin/env bash
# Compiles a model for a Cortex-M target, links examples/firmware against the
# static library into a bare-metal image and runs it under qemu-system-arm
# (semihosting: the story appears on stdout). docs/firmware.md.
#
#   tools/firmware-demo.sh [--machine mps3-an547|mps2-an386|mps2-an500] [--smolc PATH] [--dir DIR]
#                          [--ld SCRIPT] [MODEL] [--FORMAT] [-- FIRMWARE-ARGS...]
#
# Defaults: mps3-an547 (cortex-m55), models/stories260K, --q8, and the
# firmware's default arguments (greedy, 256 tokens). FIRMWARE-ARGS are those of
# examples/firmware/main.c: [-n N] [-t TEMP] [-p TOP_P] [-s SEED] [-i] [PROMPT...] or
# -L FILE STEPS TOKEN... qemu runs with -icount shift=0, so runs are
# deterministic and -i reports instruction counts (not speeds).
# Environment: SMOLC_COMPILE_ARGS adds flags to `smolc compile` (e.g. --ctx 128).
# Exit status: the firmware's (0 ok, 2 bad input, 3 fault), 2 for bad
# arguments here, 124 when qemu ran past SMOLC_FIRMWARE_TIMEOUT seconds (600).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
machine=mps3-an547 model="$ROOT/models/stories260K/stories260K.bin" format=--q8
smolc="$ROOT/build/bin/smolc" dir="" ld=""
fw_args=()
die() { echo "firmware-demo: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --machine) [ $# -ge 2 ] || die "--machine needs a value"; machine="$2"; shift 2 ;;
    --smolc) [ $# -ge 2 ] || die "--smolc needs a value"; smolc="$2"; shift 2 ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; dir="$2"; shift 2 ;;
    --ld) [ $# -ge 2 ] || die "--ld needs a value"; ld="$2"; shift 2 ;;
    --f32|--bf16|--f16|--q8|--q4|--q16) format="$1"; shift ;;
    --) shift; fw_args=("$@"); break ;;
    -*) die "unknown option '$1'" ;;
    *) model="$1"; shift ;;
  esac
done

# The machine picks the core; the flags must be the target's unit flags
# (compiler/schedule/schedule.cpp) or the float ABI of the link breaks.
case "$machine" in
  mps3-an547) target=cortex-m55; cpu=(-mthumb -mcpu=cortex-m55 -mfloat-abi=hard) ;;
  mps2-an386) target=cortex-m4; cpu=(-mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard) ;;
  mps2-an500) target=cortex-m7; cpu=(-mthumb -mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard) ;;
  *) die "unknown machine '$machine' (expected mps3-an547, mps2-an386 or mps2-an500)" ;;
esac
[ -n "$ld" ] || ld="$ROOT/examples/firmware/$machine.ld"
[ -f "$ld" ] || die "no linker script '$ld'"
for tool in arm-none-eabi-gcc qemu-system-arm; do
  command -v "$tool" >/dev/null || "$ROOT/tools/setup.sh"
done
[ -x "$smolc" ] || "$ROOT/tools/build.sh" "$ROOT/build" >/dev/null
fmt="${format#--}"
[ -n "$dir" ] || dir="$ROOT/build/firmware/$machine-$fmt"
mkdir -p "$dir"
name=firmware_engine

# shellcheck disable=SC2086
"$smolc" compile "$model" "$format" --target "$target" --name "$name" -o "$dir/engine" ${SMOLC_COMPILE_ARGS:-} \
  >"$dir/compile.log" 2>&1 || { cat "$dir/compile.log" >&2; exit 2; }

fw="$ROOT/examples/firmware"
arm-none-eabi-gcc "${cpu[@]}" -std=c11 -O2 -Wall -Wextra -Werror -ffreestanding -ffunction-sections -fdata-sections \
  -DENGINE="$name" -DENGINE_U="$(echo "$name" | tr a-z A-Z)" -include "$name.h" -I"$dir/engine/include" \
  "$fw/main.c" "$fw/startup.c" "$fw/semihost.c" "$dir/engine/lib/lib$name.a" \
  -nostartfiles -T "$ld" -L "$fw" -Wl,--gc-sections -Wl,-z,noexecstack -Wl,-Map="$dir/firmware.map" -lm -lc -lgcc \
  -o "$dir/firmware.elf"

# Semihosting arguments: one arg= per word, commas doubled (qemu's option syntax).
sh_args="enable=on,target=native,arg=firmware"
for a in "${fw_args[@]}"; do sh_args+=",arg=${a//,/,,}"; done
set +e
timeout "${SMOLC_FIRMWARE_TIMEOUT:-600}" qemu-system-arm -M "$machine" -display none -monitor none -serial null \
  -icount shift=0 -semihosting-config "$sh_args" -kernel "$dir/firmware.elf" </dev/null
exit $?
