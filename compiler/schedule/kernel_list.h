// The one list of matrix-kernel variants (op x weight format x ISA x tile)
// that smolc can generate. The schedule picks from it, the kernel tests run
// every entry, the kernel benchmarks measure every entry.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "emit/kernel_api.h"

namespace smolc {

enum class KernelOp { Gemv, Gemm, Row };
const char* kernel_op_name(KernelOp op);  // "gemv", "gemm", "row"

struct KernelVariant {
  KernelOp op = KernelOp::Gemv;
  WFormat fmt = WFormat::F32;
  Isa isa = Isa::Scalar;
  int tile_m = 1;
  int tile_n = 1;  // gemm only (1 otherwise)
};

std::string variant_name(const KernelVariant& v);  // e.g. "bf16-gemm-32r8t-avx512"

// Every variant: per ISA and format gemv, gemm and row at the default tiles,
// then x86 gemv and gemm with one-vector panels.
const std::vector<KernelVariant>& kernel_variants();

// The tile_m to pack weights with for a format on an ISA: gemv, gemm and row
// variants of that (fmt, isa) in the list all use it, so one packed copy of
// each matrix serves decode, prefill and the embedding lookup.
int default_tile_m(WFormat fmt, Isa isa);
// The preferred gemm token tile for (fmt, isa).
int default_tile_n(WFormat fmt, Isa isa);

KernelSpec variant_spec(const KernelVariant& v, int64_t M, int64_t K);
KernelSource emit_variant(const KernelVariant& v, int64_t M, int64_t K, const std::string& prefix);

}  // namespace smolc
