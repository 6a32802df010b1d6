// The kernel variant list. Tiles are the measured best on Zen 4 (see
// docs/kernels.md); the list is the single place to add a variant.
#include "schedule/kernel_list.h"

#include <initializer_list>

namespace smolc {

const char* kernel_op_name(KernelOp op) {
  switch (op) {
    case KernelOp::Gemv: return "gemv";
    case KernelOp::Gemm: return "gemm";
    case KernelOp::Row: return "row";
  }
  return "?";
}

std::string variant_name(const KernelVariant& v) {
  std::string tile = std::to_string(v.tile_m) + "r";
  if (v.op == KernelOp::Gemm) tile += std::to_string(v.tile_n) + "t";
  return std::string(wformat_name(v.fmt)) + "-" + kernel_op_name(v.op) + "-" + tile + "-" + isa_name(v.isa);
}

int default_tile_m(WFormat f, Isa isa) {
  // q16 AVX2 (panel-interleaved since session 4): gemv hot 43-47 GB/s at 32 rows
  // against 42-46 at 16 and 39-43 at 8, gemm the same at all; the older
  // row-major kernel streamed 25-27 GB/s from DRAM at 32 rows against 18-22 at 16.
  // q8, q4: 16 rows at least as fast as 8 or 32. docs/kernels.md.
  if (f == WFormat::Q16 && isa == Isa::AVX2) return 32;
  switch (isa) {
    case Isa::Scalar: return 8;
    case Isa::AVX2: return 16;
    case Isa::AVX512: return 32;
    // NEON: 4 q registers of rows; not measured (no aarch64 board here).
    case Isa::NEON:
    case Isa::NEON_DOT:
    case Isa::NEON_I8MM: return 16;
    // SIMD128: 4 v128 of rows (2 row groups' units per decoded block fit the
    // 16 xmm registers V8 maps v128 to on x86).
    case Isa::WASM_SIMD128: return 16;
  }
  return 8;
}

int default_tile_n(WFormat, Isa isa) {
  switch (isa) {
    case Isa::Scalar: return 4;
    case Isa::AVX2: return 6;
    case Isa::AVX512: return 8;
    // NEON gemm: 16 rows x 4 tokens = 16 accumulators of the 32 q registers,
    // leaving room for the bf16 pair's 8 widened weights (not measured).
    case Isa::NEON:
    case Isa::NEON_DOT: return 4;
    // i8mm q8/q4 gemm: 2 token pairs (smmla takes 2 tokens x 8 bytes) x 16
    // rows; float formats as NEON (not measured).
    case Isa::NEON_I8MM: return 4;
    // SIMD128: 4 tokens (the wasm32-simd128 target's 8-row float panels make
    // 8 accumulators of the 16 xmm registers V8 maps v128 to on x86).
    case Isa::WASM_SIMD128: return 4;
  }
  return 4;
}

const std::vector<KernelVariant>& kernel_variants() {
  static const std::vector<KernelVariant> all = [] {
    std::vector<KernelVariant> v;
    for (Isa isa : {Isa::Scalar, Isa::AVX2, Isa::AVX512, Isa::NEON, Isa::NEON_DOT, Isa::WASM_SIMD128, Isa::NEON_I8MM}) {
      for (WFormat fmt : {WFormat::F32, WFormat::BF16, WFormat::F16}) {
        const int tm = default_tile_m(fmt, isa);
        v.push_back({KernelOp::Gemv, fmt, isa, tm, 1});
        v.push_back({KernelOp::Gemm, fmt, isa, tm, default_tile_n(fmt, isa)});
        v.push_back({KernelOp::Row, fmt, isa, tm, 1});
      }
    }
    // Quantised formats (block-group panels, templates/<op>/q-<op>-<isa>.cpp.in).
    const std::initializer_list<Isa> quant_isas = {Isa::Scalar,   Isa::AVX2,         Isa::AVX512,
                                                   Isa::NEON,     Isa::NEON_DOT,     Isa::WASM_SIMD128,
                                                   Isa::NEON_I8MM};  // <- ISAs with quantised kernels
    for (Isa isa : quant_isas) {
      for (WFormat fmt : {WFormat::Q8, WFormat::Q4, WFormat::Q16}) {
        const int tm = default_tile_m(fmt, isa);
        v.push_back({KernelOp::Gemv, fmt, isa, tm, 1});
        v.push_back({KernelOp::Gemm, fmt, isa, tm, default_tile_n(fmt, isa)});
        v.push_back({KernelOp::Row, fmt, isa, tm, 1});
      }
    }
    // One-vector panels (tile_m = vector width, 4-token gemm tiles): the
    // smallest x86 tiles, for matrices whose M is not a multiple of the
    // default panel and for schedules that pick them.
    for (Isa isa : {Isa::AVX2, Isa::AVX512}) {
      const int vw = isa == Isa::AVX512 ? 16 : 8;
      for (WFormat fmt : {WFormat::F32, WFormat::BF16, WFormat::F16}) {
        v.push_back({KernelOp::Gemv, fmt, isa, vw, 1});
        v.push_back({KernelOp::Gemm, fmt, isa, vw, 4});
      }
    }
    // Token-tile alternatives at the default panel, which `smolc tune`
    // measures against the default tile (docs/compiler.md, "Tuning"): 4
    // tokens on both, 12 on AVX-512 (32 registers hold 12 x 2 accumulators).
    for (Isa isa : {Isa::AVX2, Isa::AVX512}) {
      for (WFormat fmt : {WFormat::F32, WFormat::BF16, WFormat::F16, WFormat::Q8, WFormat::Q4, WFormat::Q16}) {
        for (int tn : {4, 12}) {
          if (tn == default_tile_n(fmt, isa) || (tn == 12 && isa != Isa::AVX512)) continue;
          v.push_back({KernelOp::Gemm, fmt, isa, default_tile_m(fmt, isa), tn});
        }
      }
    }
    return v;
  }();
  return all;
}

KernelSpec variant_spec(const KernelVariant& v, int64_t M, int64_t K) {
  KernelSpec s;
  s.fmt = v.fmt;
  s.isa = v.isa;
  s.M = M;
  s.K = K;
  s.tile_m = v.tile_m;
  s.tile_n = v.tile_n;
  return s;
}

KernelSource emit_variant(const KernelVariant& v, int64_t M, int64_t K, const std::string& prefix) {
  const KernelSpec s = variant_spec(v, M, K);
  switch (v.op) {
    case KernelOp::Gemv: return emit_gemv(s, prefix);
    case KernelOp::Gemm: return emit_gemm(s, prefix);
    case KernelOp::Row: return emit_row_unpack(s, prefix);
  }
  return {};
}

}  // namespace smolc
