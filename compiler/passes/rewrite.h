// Helpers shared by the passes: dropping dead ops and renaming uses.
#pragma once
#include <vector>

#include "ir/graph.h"

namespace smolc::passes::detail {

// Removes the ops whose index is in `dead` (order kept).
void erase_ops(ir::Graph& g, const std::vector<int>& dead);
// Every read of value `from` becomes a read of `to`.
void replace_uses(ir::Graph& g, int from, int to);

}  // namespace smolc::passes::detail
