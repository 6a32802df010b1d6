#include "schedule/schedule.h"

#include <numeric>
#include <stdexcept>

namespace smolc::schedule {

const std::vector<TargetDesc>& target_table() {
  // Tile sizes are starting points; measured tuning replaces them.
  static const std::vector<TargetDesc> t = {
      {"scalar", Isa::Scalar, 4, 4, 16, 16, {}},
      // avx2: 16 rows x 6 tokens is the measured best gemm tile (docs/kernels.md:
      // 82-85 GFLOP/s vs 42-45 for 8x4); 48-token prefill steps are 8 whole tiles.
      {"avx2", Isa::AVX2, 16, 6, 48, 16, {"-mavx2", "-mfma", "-mf16c"}},
      {"avx512", Isa::AVX512, 16, 4, 32, 16,
       {"-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mavx512bf16", "-mfma", "-mf16c"}},
  };
  return t;
}

const TargetDesc& find_target(const std::string& name) {
  std::string want = name;
  if (want == "native") want = isa_name(detect_host_isa());
  for (const TargetDesc& t : target_table())
    if (t.name == want) return t;
  std::string names = "native";
  for (const TargetDesc& t : target_table()) names += ", " + t.name;
  throw std::invalid_argument("unknown target '" + name + "' (expected one of: " + names + ")");
}

Schedule make_schedule(const ir::Graph& g, const TargetDesc& t, WFormat fmt) {
  Schedule s;
  s.target = t;
  s.format = fmt;
  const int head_dim = static_cast<int>(g.cfg.head_dim);
  s.qkv_grain_heads = 1;
  s.swiglu_grain_blocks = 1;
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::MatMul && op.kind != ir::OpKind::LmHead) continue;
    KernelSpec k;
    k.fmt = fmt;
    k.isa = t.isa;
    k.M = op.weight.rows;
    k.K = op.weight.cols;
    k.tile_m = t.tile_m;
    k.tile_n = t.tile_n;
    s.matmul[op.name] = k;
    // The QKV epilogue hands whole heads to a thread, the SwiGLU one whole
    // gate/up block pairs: a work unit is as many of those as it takes to
    // start every thread's rows on a panel boundary.
    if (op.epilogue == ir::Epilogue::RopeKvWrite) s.qkv_grain_heads = t.tile_m / std::gcd(t.tile_m, head_dim);
    if (op.epilogue == ir::Epilogue::SwiGLU)
      s.swiglu_grain_blocks = t.tile_m / std::gcd(t.tile_m, static_cast<int>(2 * op.weight.interleave_block));
  }
  for (const ir::Op& op : g.ops) {
    if (op.kind != ir::OpKind::Embedding) continue;
    auto lm = s.matmul.find("lm_head");
    const ir::Op* head = nullptr;
    for (const ir::Op& o : g.ops)
      if (o.kind == ir::OpKind::LmHead) head = &o;
    if (head && lm != s.matmul.end() && head->weight == op.weight) {
      s.embedding = lm->second;  // tied: one packed matrix serves both
      s.embedding_tied = true;
    } else {
      KernelSpec k;
      k.fmt = fmt;
      k.isa = Isa::Scalar;
      k.M = op.weight.rows;
      k.K = op.weight.cols;
      k.tile_m = 1;
      k.tile_n = 1;
      s.embedding = k;
    }
  }
  return s;
}

}  // namespace smolc::schedule
