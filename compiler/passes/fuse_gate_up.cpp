#include <algorithm>
#include <stdexcept>

#include "passes/passes.h"
#include "passes/rewrite.h"

namespace smolc::passes {

ir::Graph fuse_gate_up(ir::Graph g, int64_t block) {
  if (block <= 0) throw std::invalid_argument("fuse_gate_up: block must be positive");
  for (size_t si = 0; si < g.ops.size(); ++si) {
    if (g.ops[si].kind != ir::OpKind::SwiGLU) continue;
    const int mg = g.producer(g.ops[si].inputs[0]), mu = g.producer(g.ops[si].inputs[1]);
    if (mg < 0 || mu < 0) continue;
    const ir::Op &gate = g.ops[static_cast<size_t>(mg)], &up = g.ops[static_cast<size_t>(mu)];
    if (gate.kind != ir::OpKind::MatMul || up.kind != ir::OpKind::MatMul || gate.epilogue != ir::Epilogue::None ||
        up.epilogue != ir::Epilogue::None || gate.inputs != up.inputs || gate.weight.col_gains != up.weight.col_gains ||
        gate.weight.rows != up.weight.rows || gate.weight.parts.size() != 1 || up.weight.parts.size() != 1 ||
        g.consumers(gate.output).size() != 1 || g.consumers(up.output).size() != 1)
      continue;
    ir::Op f;
    f.kind = ir::OpKind::MatMul;
    f.layer = gate.layer;
    f.product = gate.product;
    f.name = "layers." + std::to_string(gate.layer) + ".w13";
    f.inputs = gate.inputs;
    f.weight.parts = {gate.weight.parts[0], up.weight.parts[0]};
    f.weight.col_gains = gate.weight.col_gains;
    f.weight.interleave_block = block;
    f.weight.rows = 2 * gate.weight.rows;
    f.weight.cols = gate.weight.cols;
    f.epilogue = ir::Epilogue::SwiGLU;
    f.output = g.ops[si].output;  // h[n, H], as the SwiGLU produced it
    const int first = std::min(mg, mu);
    g.ops[static_cast<size_t>(first)] = f;
    detail::erase_ops(g, {std::max(mg, mu), static_cast<int>(si)});
    si = 0;
  }
  return g;
}

}  // namespace smolc::passes
