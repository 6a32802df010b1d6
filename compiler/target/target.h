// What smolc compiles for: weight formats, instruction sets and the target
// table. This is the lowest compiler stage after the IR (see
// docs/architecture.md): the schedule picks tiles from it, the kernel list is
// built from it, the kernel emitter takes its compiler flags from it and the
// engine emitter its engine flavour. Tile sizes and ISA flags exist here and
// nowhere else.
//
// Adding a target is one row of target_table() (targets.cpp), plus an IsaDesc
// row and kernel templates when it brings a new instruction set
// (docs/architecture.md, "How to add a target").
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "target/format.h"

namespace smolc {

// Instruction set of a generated kernel. A new one is added here, in
// isa_table() (targets.cpp) and in its templates; nothing outside templates/
// and the kernel emitters may assume x86 or aarch64.
//   NEON:     ARMv8.0-A Advanced SIMD (every aarch64 CPU: Cortex-A53 up).
//   NEON_DOT: ARMv8.2-A + dotprod (sdot/udot) + fp16 (Cortex-A55/A76 up).
//   NEON_I8MM: ARMv8.6-A + i8mm (smmla) + bf16 + dotprod + fp16 (Cortex-A510/A710/X2 up,
//             Neoverse V1/N2, Graviton 3).
//   WASM_SIMD128: WebAssembly fixed-width SIMD (128-bit; every current browser and node).
enum class Isa { Scalar, AVX2, AVX512, NEON, NEON_DOT, WASM_SIMD128, NEON_I8MM };
// Whether kernels of this ISA are aarch64 code (they cannot run on an x86 host).
bool isa_is_aarch64(Isa i);
// Whether kernels of this ISA are x86-64 host code (scalar, avx2, avx512); the x86 kernel tests run only these.
bool isa_is_x86(Isa i);

const char* isa_name(Isa i);  // "scalar", "avx2", "avx512", "neon", "neondot", "simd128", "i8mm"

// Host CPU: the best Isa whose kernels all run here (Scalar on non-x86).
Isa detect_host_isa();
bool host_supports(Isa i);

// One matrix product as the schedule picks it and a kernel emitter renders it
// (the packed layout is in lower/packed_layout.h, the signatures in
// emit/kernel_api.h).
struct KernelSpec {
  Format fmt = Format::F32;
  Isa isa = Isa::Scalar;
  int64_t M = 0;   // output rows
  int64_t K = 0;   // input features (the reduction)
  int tile_m = 1;  // rows per packed panel; row ranges handed to kernels are multiples of it (last may be the M tail)
  int tile_n = 1;  // tokens per prefill tile (gemm)
  // --bf16-activations: the product is W . bf16(x), x rounded to bf16 (round
  // to nearest even) once. The engine rounds every matmul input before its
  // kernels (so any kernel computes it); a kernel that reads x as bf16 itself
  // (reads_bf16_x in schedule/kernel_list.h) is a variant of its own.
  bool x_bf16 = false;
};

namespace target {

enum class IsaFamily { Scalar, X86, AArch64, Wasm };

// Everything smolc knows about one instruction set.
struct IsaDesc {
  Isa isa;
  const char* name;  // file and function names of kernels: identifier-safe
  IsaFamily family;
  int lanes;  // f32 lanes per vector register: panels hold whole vectors of rows
  // Flags of every gemv/gemm kernel unit of this ISA (row kernels use the
  // scalar template and need none), and the extra ones of block formats.
  std::vector<std::string> kernel_flags;
  std::vector<std::string> block_kernel_flags;
  // Flags of the engine unit (attention, elementwise loops).
  std::vector<std::string> engine_flags;
  // The engine's per-ISA fragments: templates/engine/dot-head-<X>.inc.in and
  // elementwise-<X>.inc.in.
  const char* engine_flavour;
};
const std::vector<IsaDesc>& isa_table();
const IsaDesc& isa_desc(Isa i);
// kernel_flags plus block_kernel_flags for a block format.
std::vector<std::string> kernel_flags(Isa i, Format f);

struct Tile {
  int m = 1;  // rows per packed panel (KernelSpec::tile_m)
  int n = 1;  // tokens per gemm tile (KernelSpec::tile_n)
};
// Default tiles by format (indexed by Format): float formats share one,
// q8 and q4 one, q16 its own.
using FormatTiles = std::array<Tile, kFormats>;
FormatTiles format_tiles(Tile floats, Tile q8_q4, Tile q16);

struct TargetDesc {
  std::string name;  // "--target" spelling: "scalar", "avx2", "avx512", "aarch64", ...
  Isa isa = Isa::Scalar;
  std::vector<Format> formats;  // weight formats this target has kernels for
  // Tiles the schedule uses before tuning, by format. gemv, gemm and row
  // kernels of one (format, target) share tile.m, so one packed copy of each
  // matrix serves decode, prefill and the embedding lookup.
  FormatTiles tiles{};
  int prefill_tokens = 16;  // tokens per forward step of a prefill (scratch is sized by it)
  int gate_up_block = 16;   // gate/up interleave block; a multiple of every tile.m
  // Cross targets: the triple the engine is built for; a clang compiler gets
  // --target=TRIPLE on every unit, any other (aarch64-linux-gnu-g++) is
  // trusted to be a cross compiler already. Empty: the host's.
  std::string triple;
  // Optimisation level and flags of every translation unit (engine, kernels,
  // runtime). Host targets build position-independent objects for
  // shared-library users; bare-metal targets name the core, FPU and ABI here
  // instead, which is why this is per target and not a constant of the build
  // driver (the x86 targets add -ffp-contract=off: targets.cpp).
  std::vector<std::string> unit_flags = {"-O2", "-fPIC"};
  // The compiler and archiver used when the user names none; bare-metal
  // targets also the GCC multilib the flags select and the qemu-system-arm
  // machine that runs an image for it (docs/firmware.md).
  std::string cxx = "clang++-19";
  std::string ar = "";  // "": llvm-ar-19 if present, else ar
  std::string multilib = "";
  std::string qemu_machine = "";

  Tile tile(Format f) const { return tiles[static_cast<size_t>(f)]; }
  const IsaDesc& isa_info() const { return isa_desc(isa); }
  // The engine unit's ISA flags (kernel units: kernel_flags()).
  const std::vector<std::string>& cxx_flags() const { return isa_info().engine_flags; }
  bool bare_metal() const { return triple.find("-none-") != std::string::npos; }
  // A WebAssembly target: the build links DIR/NAME.wasm, run and bench go
  // through node (docs/targets.md).
  bool wasm() const { return triple.rfind("wasm32", 0) == 0; }
};

// Every target smolc can compile for, "native" excluded.
const std::vector<TargetDesc>& target_table();
// "native" resolves to the best table entry the host runs; throws
// std::invalid_argument naming the valid spellings for an unknown name.
const TargetDesc& find_target(const std::string& name);
// find_target for the `--target` flag: InputError("command line", "--target", ...)
// for an unknown name and, with must_run_here (run, bench), for a target whose
// ISA this CPU lacks or that is not this machine at all (bare metal).
const TargetDesc& target_flag(const std::string& name, bool must_run_here);
// The first table row of an ISA: the host target of that ISA ("scalar",
// "avx2", "avx512", "aarch64", ...), whose tiles are that ISA's defaults
// wherever no target is named (kernel alternatives, `smolc kernel`).
const TargetDesc& isa_target(Isa i);

}  // namespace target
}  // namespace smolc
