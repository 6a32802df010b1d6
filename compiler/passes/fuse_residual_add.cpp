#include "passes/passes.h"
#include "passes/rewrite.h"

namespace smolc::passes {

ir::Graph fuse_residual_add(ir::Graph g) {
  for (size_t ai = 0; ai < g.ops.size(); ++ai) {
    if (g.ops[ai].kind != ir::OpKind::Add) continue;
    const ir::Op add = g.ops[ai];
    for (int side = 0; side < 2; ++side) {
      const int proj_value = add.inputs[static_cast<size_t>(side)], resid = add.inputs[static_cast<size_t>(1 - side)];
      const int m = g.producer(proj_value);
      if (m < 0) continue;
      ir::Op& mm = g.ops[static_cast<size_t>(m)];
      if (mm.kind != ir::OpKind::MatMul || mm.epilogue != ir::Epilogue::None || g.consumers(proj_value).size() != 1)
        continue;
      mm.epilogue = ir::Epilogue::ResidualAdd;
      mm.inputs.push_back(resid);
      mm.output = add.output;
      detail::erase_ops(g, {static_cast<int>(ai)});
      --ai;
      break;
    }
  }
  return g;
}

}  // namespace smolc::passes
