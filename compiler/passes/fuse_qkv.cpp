#include <algorithm>
#include "passes/passes.h"
#include "passes/rewrite.h"

namespace smolc::passes {

namespace {
// The plain projection producing v (or -1).
int plain_matmul(const ir::Graph& g, int v) {
  int p = g.producer(v);
  if (p < 0) return -1;
  const ir::Op& op = g.ops[static_cast<size_t>(p)];
  return op.kind == ir::OpKind::MatMul && op.epilogue == ir::Epilogue::None && op.weight.interleave_block == 0 ? p : -1;
}
}  // namespace

ir::Graph fuse_qkv(ir::Graph g) {
  for (size_t ai = 0; ai < g.ops.size(); ++ai) {
    if (g.ops[ai].kind != ir::OpKind::Attention || g.ops[ai].inputs.size() != 3) continue;
    const int rq = g.producer(g.ops[ai].inputs[0]), rk = g.producer(g.ops[ai].inputs[1]);
    if (rq < 0 || rk < 0 || g.ops[static_cast<size_t>(rq)].kind != ir::OpKind::Rope ||
        g.ops[static_cast<size_t>(rk)].kind != ir::OpKind::Rope)
      continue;
    const int mq = plain_matmul(g, g.ops[static_cast<size_t>(rq)].inputs[0]);
    const int mk = plain_matmul(g, g.ops[static_cast<size_t>(rk)].inputs[0]);
    const int mv = plain_matmul(g, g.ops[ai].inputs[2]);
    if (mq < 0 || mk < 0 || mv < 0) continue;
    const ir::Op &q = g.ops[static_cast<size_t>(mq)], &k = g.ops[static_cast<size_t>(mk)],
                 &v = g.ops[static_cast<size_t>(mv)];
    if (q.inputs != k.inputs || q.inputs != v.inputs || q.weight.col_gains != k.weight.col_gains ||
        q.weight.col_gains != v.weight.col_gains)
      continue;
    // q, k and the rotated values must feed nothing but this attention.
    if (g.consumers(q.output).size() != 1 || g.consumers(k.output).size() != 1 || g.consumers(v.output).size() != 1 ||
        g.consumers(g.ops[static_cast<size_t>(rq)].output).size() != 1 ||
        g.consumers(g.ops[static_cast<size_t>(rk)].output).size() != 1)
      continue;

    ir::Op f;
    f.kind = ir::OpKind::MatMul;
    f.layer = q.layer;
    f.product = q.product;
    f.name = "layers." + std::to_string(q.layer) + ".wqkv";
    f.inputs = q.inputs;
    f.weight.parts = {q.weight.parts[0], k.weight.parts[0], v.weight.parts[0]};
    f.weight.col_gains = q.weight.col_gains;
    f.weight.rows = q.weight.rows + k.weight.rows + v.weight.rows;
    f.weight.cols = q.weight.cols;
    f.epilogue = ir::Epilogue::RopeKvWrite;
    f.output = g.add_value(f.name, {f.weight.rows});
    g.ops[ai].inputs = {f.output};
    // The fused op takes wq's place, before the attention.
    const int first = std::min({mq, mk, mv});
    g.ops[static_cast<size_t>(first)] = f;
    std::vector<int> dead = {rq, rk};
    for (int m : {mq, mk, mv})
      if (m != first) dead.push_back(m);
    detail::erase_ops(g, dead);
    ai = 0;  // indices moved; rescan (cheap: graphs have a few hundred ops)
  }
  return g;
}

}  // namespace smolc::passes
