// The kernel variant list: every target's default tiles (target/targets.cpp)
// plus the alternatives `smolc tune` measures; the single place to add a
// variant.
#include "schedule/kernel_list.h"

namespace smolc {

const char* kernel_op_name(KernelOp op) {
  switch (op) {
    case KernelOp::Gemv: return "gemv";
    case KernelOp::Gemm: return "gemm";
    case KernelOp::Row: return "row";
  }
  return "?";
}

bool reads_bf16_x(KernelOp op, const KernelSpec& s) {
  return s.x_bf16 && op == KernelOp::Gemm && s.fmt == Format::BF16 && s.isa == Isa::AVX512;
}

std::string kernel_format_name(KernelOp op, const KernelSpec& s) {
  return reads_bf16_x(op, s) ? std::string("bf16a") : std::string(format_name(s.fmt));
}

std::string variant_name(const KernelVariant& v) {
  std::string tile = std::to_string(v.tile_m) + "r";
  if (v.op == KernelOp::Gemm) tile += std::to_string(v.tile_n) + "t";
  return kernel_format_name(v.op, variant_spec(v, 1, 1)) + "-" + kernel_op_name(v.op) + "-" + tile + "-" +
         isa_name(v.isa);
}

const std::vector<KernelVariant>& kernel_variants() {
  static const std::vector<KernelVariant> all = [] {
    std::vector<KernelVariant> v;
    auto add = [&](const KernelVariant& k) {
      for (const KernelVariant& o : v)
        if (o.op == k.op && o.fmt == k.fmt && o.isa == k.isa && o.tile_m == k.tile_m && o.tile_n == k.tile_n) return;
      v.push_back(k);
    };
    // What engines use: gemv, gemm and row of every target's formats at its
    // default tiles (target/targets.cpp), so the kernel tests cover every
    // tile a schedule picks before tuning. Float formats come before block
    // formats (the block ones: templates/<op>/q-<op>-<isa>.cpp.in).
    for (bool block : {false, true})
      for (const target::TargetDesc& t : target::target_table())
        for (Format fmt : t.formats) {
          if (is_quantized(fmt) != block) continue;
          const target::Tile tile = t.tile(fmt);
          add({KernelOp::Gemv, fmt, t.isa, tile.m, 1});
          add({KernelOp::Gemm, fmt, t.isa, tile.m, tile.n});
          add({KernelOp::Row, fmt, t.isa, tile.m, 1});
        }
    // One-vector panels (tile_m = vector width, 4-token gemm tiles): the
    // smallest x86 tiles, for matrices whose M is not a multiple of the
    // default panel and for schedules that pick them.
    for (Isa isa : {Isa::AVX2, Isa::AVX512}) {
      const int vw = target::isa_desc(isa).lanes;
      for (Format fmt : {Format::F32, Format::BF16, Format::F16}) {
        v.push_back({KernelOp::Gemv, fmt, isa, vw, 1});
        v.push_back({KernelOp::Gemm, fmt, isa, vw, 4});
      }
    }
    // Token-tile alternatives at the default panel, which `smolc tune`
    // measures against the default tile (docs/compiler.md, "Tuning"): 4
    // tokens on both, 12 on AVX-512 (32 registers hold 12 x 2 accumulators).
    for (Isa isa : {Isa::AVX2, Isa::AVX512}) {
      for (Format fmt : {Format::F32, Format::BF16, Format::F16, Format::Q8, Format::Q4, Format::Q16}) {
        for (int tn : {4, 12}) {
          const target::Tile def = target::isa_target(isa).tile(fmt);
          if (tn == def.n || (tn == 12 && isa != Isa::AVX512)) continue;
          v.push_back({KernelOp::Gemm, fmt, isa, def.m, tn});
        }
      }
    }
    // --bf16-activations on AVX-512 (reads_bf16_x): the bf16 gemm that takes
    // x as one bf16 term, at the default panel and the token tiles above.
    {
      const target::Tile def = target::isa_target(Isa::AVX512).tile(Format::BF16);
      for (int tn : {def.n, 4, 12}) v.push_back({KernelOp::Gemm, Format::BF16, Isa::AVX512, def.m, tn, true});
    }
    return v;
  }();
  return all;
}

bool listed(KernelOp op, const KernelSpec& s) {
  for (const KernelVariant& v : kernel_variants())
    if (v.op == op && v.fmt == s.fmt && v.isa == s.isa && v.tile_m == s.tile_m &&
        (op != KernelOp::Gemm || v.tile_n == s.tile_n) && v.x_bf16 == reads_bf16_x(op, s))
      return true;
  return false;
}

KernelSpec variant_spec(const KernelVariant& v, int64_t M, int64_t K) {
  KernelSpec s;
  s.fmt = v.fmt;
  s.isa = v.isa;
  s.M = M;
  s.K = K;
  s.tile_m = v.tile_m;
  s.tile_n = v.tile_n;
  s.x_bf16 = v.x_bf16;
  return s;
}

}  // namespace smolc
