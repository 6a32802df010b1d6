// The ISA and target tables: the one place that says which tiles, compiler
// flags, toolchain and engine flavour each target uses.
#include <stdexcept>

#include "frontend/error.h"
#include "target/target.h"

namespace smolc::target {

const std::vector<IsaDesc>& isa_table() {
  static const std::vector<IsaDesc> t = {
      {Isa::Scalar, "scalar", IsaFamily::Scalar, 1, {}, {}, {}, "scalar"},
      {Isa::AVX2, "avx2", IsaFamily::X86, 8, {"-mavx2", "-mfma", "-mf16c"}, {}, {"-mavx2", "-mfma", "-mf16c"}, "x86"},
      // vpdpbusd (VNNI) only in the q8/q4 kernels; float kernels do not need it.
      // The engine unit's list is the same set in another order (avx512f
      // implies avx2): kept as it is so that generated engines stay
      // byte-identical.
      {Isa::AVX512,
       "avx512",
       IsaFamily::X86,
       16,
       {"-mavx2", "-mfma", "-mf16c", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512bf16"},
       {"-mavx512vnni"},
       {"-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512bf16", "-mfma", "-mf16c"},
       "x86"},
      // Advanced SIMD is baseline ARMv8.0-A.
      {Isa::NEON, "neon", IsaFamily::AArch64, 4, {}, {}, {}, "scalar"},
      {Isa::NEON_DOT,
       "neondot",
       IsaFamily::AArch64,
       4,
       {"-march=armv8.2-a+dotprod+fp16"},
       {},
       {"-march=armv8.2-a+dotprod+fp16"},
       "scalar"},
      {Isa::WASM_SIMD128, "simd128", IsaFamily::Wasm, 4, {"-msimd128"}, {}, {"-msimd128"}, "scalar"},
      // ARMv8.6-A implies i8mm and bf16; named anyway so that the flag says
      // what the kernels use (clang-19 and aarch64-linux-gnu-g++ 12 accept it).
      {Isa::NEON_I8MM,
       "i8mm",
       IsaFamily::AArch64,
       4,
       {"-march=armv8.6-a+i8mm+bf16+dotprod+fp16"},
       {},
       {"-march=armv8.6-a+i8mm+bf16+dotprod+fp16"},
       "scalar"},
  };
  return t;
}

const IsaDesc& isa_desc(Isa i) {
  for (const IsaDesc& d : isa_table())
    if (d.isa == i) return d;
  throw std::logic_error("isa_desc: an Isa without a row in isa_table()");
}

std::vector<std::string> kernel_flags(Isa i, Format f) {
  const IsaDesc& d = isa_desc(i);
  std::vector<std::string> fl = d.kernel_flags;
  if (is_quantized(f)) fl.insert(fl.end(), d.block_kernel_flags.begin(), d.block_kernel_flags.end());
  return fl;
}

FormatTiles format_tiles(Tile floats, Tile q8_q4, Tile q16) { return {floats, floats, floats, q8_q4, q8_q4, q16}; }

namespace {

// bf16 takes 5-token tiles on avx2. At 6 tokens its 12 accumulators and the
// two columns' 4 weight vectors fill the 16 ymm registers, and g++ 12 kept two
// accumulators on the stack (0.67x clang's speed). At 4 tokens the 8
// accumulators each carry two dependent FMAs per column pair, 8 chains of 8
// cycles for 16 FMAs: latency-bound, and clang's schedule ran at 0.90x g++'s.
// 5 tokens fit both compilers (docs/performance.md, "bf16 on avx2, 5-token
// tiles").
FormatTiles avx2_tiles() {
  FormatTiles t = format_tiles({16, 6}, {16, 6}, {32, 6});
  t[static_cast<size_t>(Format::BF16)] = {16, 5};
  return t;
}

TargetDesc host(const std::string& name, Isa isa, FormatTiles tiles, int prefill, const std::string& triple = "") {
  TargetDesc t;
  t.name = name;
  t.isa = isa;
  t.formats.assign(kAllFormats.begin(), kAllFormats.end());
  t.tiles = tiles;
  t.prefill_tokens = prefill;
  t.triple = triple;
  return t;
}

// The x86 SIMD targets: their engine and kernel code writes every fused
// multiply-add it means as an intrinsic (the elementwise loops fuse exactly
// where clang contracts the portable expressions), so -ffp-contract=off keeps
// g++ (C++ default -ffp-contract=fast) from fusing anything else, and an
// engine built by g++ computes the same bits as one built by clang, whose
// output the flag leaves unchanged (docs/compiler.md, "Compilers"). Not on
// the targets whose portable code relies on clang's contraction within an
// expression to match those intrinsics (aarch64: off moved the 135M q8
// engine's logits NMSE 6e-5 away from the x86 engine's), nor on bare metal,
// whose scalar kernels rely on GCC fusing into the FPU's VFMA.
TargetDesc x86(const std::string& name, Isa isa, FormatTiles tiles, int prefill) {
  TargetDesc t = host(name, isa, tiles, prefill);
  t.unit_flags.push_back("-ffp-contract=off");
  return t;
}

// Bare-metal Cortex-M (docs/firmware.md): the scalar kernels (with Helium
// paths where the core has MVE) compiled for the core by arm-none-eabi-g++
// against newlib's headers. The engine needs nothing of the C library beyond
// mem* and libm, so the units are freestanding; -fbuiltin undoes the
// -fno-builtin that -ffreestanding implies, or every 2-byte memcpy of a block
// scale becomes a library call (measured: most of a q8 decode step), and
// -fno-math-errno keeps sqrtf one VSQRT.
// tile_m of float formats (block formats keep the scalar 8): 16 rows on the
// M55 are four Helium accumulators per column of x, 8 on the M4/M7 eight FPU
// ones (fewer instructions per token than 4 rows on both; the counts are in
// docs/performance-notes.md, "Tile measurements behind target_table").
TargetDesc cortex_m(const std::string& name, int float_tile_m, std::vector<std::string> cpu,
                    const std::string& multilib, const std::string& machine) {
  // 4-token prefill steps (one gemm tile): the state holds a logits row per
  // step token (vocab floats each), 3 MiB of RAM for SmolLM2's vocabulary at
  // 16 tokens, 0.75 MiB at 4.
  TargetDesc t = host(name, Isa::Scalar, format_tiles({float_tile_m, 4}, {8, 4}, {8, 4}), 4, "arm-none-eabi");
  // -O3: GCC's -O2 does not completely unroll the kernels' kTileM row loops,
  // so the accumulators live in memory, a load and a store per multiply-add
  // (half the instructions per token at -O3; docs/performance-notes.md).
  t.unit_flags = {"-O3", "-mthumb"};
  t.unit_flags.insert(t.unit_flags.end(), cpu.begin(), cpu.end());
  for (const char* f : {"-ffreestanding", "-fbuiltin", "-fno-math-errno", "-ffunction-sections", "-fdata-sections"})
    t.unit_flags.push_back(f);
  t.cxx = "arm-none-eabi-g++";
  t.ar = "arm-none-eabi-ar";
  t.multilib = multilib;
  t.qemu_machine = machine;
  return t;
}

// WebAssembly (docs/targets.md#wasm32-and-wasm32-simd128): clang-19 for
// wasm32-wasi against Debian's wasi-libc (the engine uses only mem* and libm
// of it). One thread (the serial platform: the runtime sees no __unix__);
// -O2 without -fPIC, which on wasm asks for a dynamic-linking module. Weights
// are always the external DIR/NAME.weights file (the module and the page
// fetch it; no per-toolchain .S). Float tile_m 8: 8-row x 4-token gemm tiles
// keep 8 accumulators in the 16 xmm registers V8 maps v128 to on x86.
TargetDesc wasm(const std::string& name, Isa isa, Tile q8_q4) {
  TargetDesc t = host(name, isa, format_tiles({8, 4}, q8_q4, q8_q4), 16, "wasm32-wasi");
  t.unit_flags = {"-O2"};
  return t;
}

}  // namespace

const std::vector<TargetDesc>& target_table() {
  // Tile sizes are starting points; `smolc tune` measures alternatives.
  static const std::vector<TargetDesc> t = {
      // scalar: block formats at 8 rows.
      host("scalar", Isa::Scalar, format_tiles({4, 4}, {8, 4}, {8, 4}), 16),
      // avx2: 16 rows x 6 tokens is the fastest measured gemm tile; 48-token
      // prefill steps are 8 whole tiles (bf16: 9, and 3 tokens). q16 (panel-interleaved) gemv is
      // fastest at 32 rows; q8, q4 at 16 (docs/performance-notes.md, "Tile
      // measurements behind target_table").
      x86("avx2", Isa::AVX2, avx2_tiles(), 48),
      // avx512: 64-token prefill steps, the step `smolc tune` chose for q8,
      // q4 and bf16 in both idle runs (each step streams every weight once;
      // docs/performance.md, "Prefill step").
      x86("avx512", Isa::AVX512, format_tiles({32, 8}, {32, 8}, {32, 8}), 64),
      // aarch64: 16 rows (4 q registers) x 4 tokens = 16 accumulators of the
      // 32 q registers, leaving room for the bf16 pair's 8 widened weights;
      // 32-token prefill steps; not measured (no board here), see docs/targets.md.
      host("aarch64", Isa::NEON, format_tiles({16, 4}, {16, 4}, {16, 4}), 32, "aarch64-linux-gnu"),
      host("aarch64-dotprod", Isa::NEON_DOT, format_tiles({16, 4}, {16, 4}, {16, 4}), 32, "aarch64-linux-gnu"),
      // aarch64-i8mm: decode as aarch64-dotprod (sdot), q8/q4 prefill by
      // smmla: 2 token pairs (smmla takes 2 tokens x 8 bytes) x 16 rows.
      host("aarch64-i8mm", Isa::NEON_I8MM, format_tiles({16, 4}, {16, 4}, {16, 4}), 32, "aarch64-linux-gnu"),
      cortex_m("cortex-m55", 16, {"-mcpu=cortex-m55", "-mfloat-abi=hard"}, "thumb/v8-m.main+dp/hard", "mps3-an547"),
      cortex_m("cortex-m7", 8, {"-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mfloat-abi=hard"}, "thumb/v7e-m+dp/hard",
               "mps2-an500"),
      cortex_m("cortex-m4", 8, {"-mcpu=cortex-m4", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"}, "thumb/v7e-m+fp/hard",
               "mps2-an386"),
      wasm("wasm32", Isa::Scalar, {8, 4}),
      // SIMD128 block formats: 4 v128 of rows (2 row groups' units per
      // decoded block fit the 16 xmm registers V8 maps v128 to on x86).
      wasm("wasm32-simd128", Isa::WASM_SIMD128, {16, 4}),
  };
  return t;
}

const TargetDesc& find_target(const std::string& name) {
  if (name == "native") return isa_target(detect_host_isa());
  for (const TargetDesc& t : target_table())
    if (t.name == name) return t;
  std::string names = "native";
  for (const TargetDesc& t : target_table()) names += ", " + t.name;
  throw std::invalid_argument("unknown target '" + name + "' (expected one of: " + names + ")");
}

const TargetDesc& isa_target(Isa i) {
  for (const TargetDesc& t : target_table())
    if (t.isa == i) return t;
  throw std::logic_error(std::string("isa_target: no target of ISA ") + isa_name(i));
}

const TargetDesc& target_flag(const std::string& name, bool must_run_here) {
  const TargetDesc* t = nullptr;
  try {
    t = &find_target(name);
  } catch (const std::invalid_argument& e) {
    throw InputError("command line", "--target", e.what());
  }
  if (must_run_here && t->bare_metal())
    throw InputError("command line", "--target",
                     "'" + t->name + "' is a bare-metal " + t->triple +
                         " target; build an image with tools/firmware-demo.sh and run it "
                         "under qemu-system-arm -M " +
                         t->qemu_machine);
  if (must_run_here && !host_supports(t->isa))
    throw InputError("command line", "--target",
                     "'" + t->name + "' cannot run on this CPU (host ISA: " + isa_name(detect_host_isa()) + ")");
  return *t;
}

}  // namespace smolc::target
