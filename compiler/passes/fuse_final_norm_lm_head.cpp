#include "passes/passes.h"
#include "passes/rewrite.h"

namespace smolc::passes {

ir::Graph fuse_final_norm_lm_head(ir::Graph g) {
  for (size_t li = 0; li < g.ops.size(); ++li) {
    if (g.ops[li].kind != ir::OpKind::LmHead || g.ops[li].normalize) continue;
    const int n = g.producer(g.ops[li].inputs[0]);
    if (n < 0 || g.ops[static_cast<size_t>(n)].kind != ir::OpKind::RmsNorm ||
        g.consumers(g.ops[static_cast<size_t>(n)].output).size() != 1)
      continue;
    ir::Op& lm = g.ops[li];
    lm.normalize = true;
    lm.gain = g.ops[static_cast<size_t>(n)].gain;  // empty when already folded into an untied lm_head
    lm.inputs = g.ops[static_cast<size_t>(n)].inputs;
    detail::erase_ops(g, {n});
    break;
  }
  return g;
}

ir::Graph run_all(ir::Graph g, int64_t gate_up_block, bool fold_gains) {
  if (fold_gains) g = fold_rmsnorm_gains(std::move(g));
  g = fuse_qkv(std::move(g));
  g = fuse_gate_up(std::move(g), gate_up_block);
  g = fuse_residual_add(std::move(g));
  g = fuse_final_norm_lm_head(std::move(g));
  return g;
}

}  // namespace smolc::passes
