#include "passes/rewrite.h"

#include <algorithm>

namespace smolc::passes::detail {

void erase_ops(ir::Graph& g, const std::vector<int>& dead) {
  std::vector<ir::Op> kept;
  for (size_t i = 0; i < g.ops.size(); ++i)
    if (std::find(dead.begin(), dead.end(), static_cast<int>(i)) == dead.end()) kept.push_back(std::move(g.ops[i]));
  g.ops = std::move(kept);
}

void replace_uses(ir::Graph& g, int from, int to) {
  for (ir::Op& op : g.ops)
    for (int& in : op.inputs)
      if (in == from) in = to;
}

}  // namespace smolc::passes::detail
