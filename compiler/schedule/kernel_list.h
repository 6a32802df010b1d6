// The one list of matrix-kernel variants (op x weight format x ISA x tile)
// that smolc can generate. The schedule picks from it, the kernel tests run
// every entry, the kernel benchmarks measure every entry.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "target/target.h"

namespace smolc {

enum class KernelOp { Gemv, Gemm, Row };
const char* kernel_op_name(KernelOp op);  // "gemv", "gemm", "row"

struct KernelVariant {
  KernelOp op = KernelOp::Gemv;
  Format fmt = Format::F32;
  Isa isa = Isa::Scalar;
  int tile_m = 1;
  int tile_n = 1;       // gemm only (1 otherwise)
  bool x_bf16 = false;  // reads x as bf16 (KernelSpec::x_bf16; only where reads_bf16_x)
};

// e.g. "bf16-gemm-32r8t-avx512"; a kernel that reads x as bf16 names its
// format "bf16a" (bf16 weights, bf16 activations): "bf16a-gemm-32r8t-avx512".
std::string variant_name(const KernelVariant& v);

// Whether `op`'s kernel for a spec with x_bf16 set is a kernel of its own:
// the AVX-512 bf16 gemm, whose vdpbf16ps then takes x as one bf16 term (one
// instruction per weight pair) instead of the bf16 hi + lo split (two). Every
// other kernel computes W . x on the x the engine already rounded.
bool reads_bf16_x(KernelOp op, const KernelSpec& s);
// The format part of a kernel's file and function names: "bf16a" where
// reads_bf16_x, else the format's name.
std::string kernel_format_name(KernelOp op, const KernelSpec& s);

// Every variant: gemv, gemm and row of every target's formats at its default
// tiles (target/targets.cpp), then x86 gemv and gemm with one-vector panels
// and token-tile alternatives. The kernel source of one: emit/kernel_variant.h.
const std::vector<KernelVariant>& kernel_variants();

// Whether the list holds `op` at the spec's format, ISA and tiles (gemv and
// row: any tile_n).
bool listed(KernelOp op, const KernelSpec& s);

KernelSpec variant_spec(const KernelVariant& v, int64_t M, int64_t K);

}  // namespace smolc
