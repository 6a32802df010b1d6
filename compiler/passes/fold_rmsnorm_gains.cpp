#include "passes/passes.h"

namespace smolc::passes {

ir::Graph fold_rmsnorm_gains(ir::Graph g) {
  for (ir::Op& norm : g.ops) {
    if (norm.kind != ir::OpKind::RmsNorm || norm.gain.empty()) continue;
    std::vector<int> readers = g.consumers(norm.output);
    bool foldable = !readers.empty();
    for (int r : readers) {
      const ir::Op& op = g.ops[static_cast<size_t>(r)];
      const bool projection = op.kind == ir::OpKind::MatMul || op.kind == ir::OpKind::LmHead;
      const bool shared_with_embedding = !op.weight.parts.empty() && op.weight.parts[0] == ir::kEmbed;
      if (!projection || shared_with_embedding) foldable = false;
    }
    if (!foldable) continue;
    for (int r : readers) g.ops[static_cast<size_t>(r)].weight.col_gains.push_back(norm.gain);
    norm.gain.clear();
  }
  return g;
}

}  // namespace smolc::passes
