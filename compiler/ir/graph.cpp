#include "ir/graph.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "frontend/error.h"

namespace smolc::ir {

const char* op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::Embedding: return "embedding";
    case OpKind::RmsNorm: return "rmsnorm";
    case OpKind::MatMul: return "matmul";
    case OpKind::Rope: return "rope";
    case OpKind::Attention: return "attention";
    case OpKind::SwiGLU: return "swiglu";
    case OpKind::Add: return "add";
    case OpKind::LmHead: return "lm_head";
  }
  return "?";
}

const char* epilogue_name(Epilogue e) {
  switch (e) {
    case Epilogue::None: return "none";
    case Epilogue::RopeKvWrite: return "rope+kv_write";
    case Epilogue::SwiGLU: return "swiglu";
    case Epilogue::ResidualAdd: return "residual_add";
  }
  return "?";
}

int Graph::add_value(std::string name, std::vector<int64_t> shape) {
  values.push_back({std::move(name), std::move(shape)});
  return static_cast<int>(values.size()) - 1;
}

std::vector<int> Graph::consumers(int v) const {
  std::vector<int> out;
  for (size_t i = 0; i < ops.size(); ++i)
    for (int in : ops[i].inputs)
      if (in == v) {
        out.push_back(static_cast<int>(i));
        break;
      }
  return out;
}

int Graph::producer(int v) const {
  for (size_t i = 0; i < ops.size(); ++i)
    if (ops[i].output == v) return static_cast<int>(i);
  return -1;
}

int Graph::count(OpKind k) const {
  int n = 0;
  for (const Op& op : ops) n += op.kind == k;
  return n;
}

std::string Graph::dump() const {
  std::ostringstream s;
  auto shape = [&](int v) {
    std::string r = values[static_cast<size_t>(v)].name + "[n";
    for (int64_t d : values[static_cast<size_t>(v)].shape) r += "," + std::to_string(d);
    return r + "]";
  };
  for (const Op& op : ops) {
    s << op.name << " = " << op_kind_name(op.kind) << "(";
    for (size_t i = 0; i < op.inputs.size(); ++i) s << (i ? ", " : "") << shape(op.inputs[i]);
    s << ")";
    if (!op.weight.parts.empty()) {
      s << " W[" << op.weight.rows << "x" << op.weight.cols << "]";
      if (op.weight.interleave_block) s << " interleave " << op.weight.interleave_block;
      if (!op.weight.col_gains.empty()) s << " gains folded";
    }
    if (op.epilogue != Epilogue::None) s << " epilogue " << epilogue_name(op.epilogue);
    if (!op.gain.empty()) s << " gain";
    if (op.normalize) s << " normalize";
    s << " -> " << (op.output >= 0 ? shape(op.output) : "") << "\n";
  }
  return s.str();
}

static WeightRecipe recipe(const std::string& tensor, int64_t rows, int64_t cols) {
  WeightRecipe w;
  w.parts = {tensor};
  w.rows = rows;
  w.cols = cols;
  return w;
}

Graph build_llama_graph(const ModelConfig& c) {
  Graph g;
  g.cfg = c;
  const int64_t D = c.dim, H = c.hidden_dim, Q = c.q_dim(), KV = c.kv_dim();
  auto matmul = [&](const std::string& name, int layer, int in, const std::string& tensor, int64_t M, int64_t K) {
    Op op;
    op.kind = OpKind::MatMul;
    op.name = name;
    op.layer = layer;
    op.product = name.substr(name.rfind('.') + 1);
    op.inputs = {in};
    op.weight = recipe(tensor, M, K);
    op.output = g.add_value(name, {M});
    g.ops.push_back(op);
    return op.output;
  };
  auto unary = [&](OpKind k, const std::string& name, int layer, std::vector<int> in, std::vector<int64_t> shape) {
    Op op;
    op.kind = k;
    op.name = name;
    op.layer = layer;
    op.inputs = std::move(in);
    op.output = g.add_value(name, std::move(shape));
    g.ops.push_back(op);
    return static_cast<int>(g.ops.size()) - 1;
  };

  int tokens = g.add_value("tokens", {1});
  int e = unary(OpKind::Embedding, "embed", -1, {tokens}, {D});
  g.ops[static_cast<size_t>(e)].weight = recipe(kEmbed, c.vocab_size, D);
  int x = g.ops[static_cast<size_t>(e)].output;

  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    int n1 = unary(OpKind::RmsNorm, p + "attn_norm", l, {x}, {D});
    g.ops[static_cast<size_t>(n1)].gain = hf_layer_tensor(l, "input_layernorm.weight");
    int xn = g.ops[static_cast<size_t>(n1)].output;
    int q = matmul(p + "wq", l, xn, hf_layer_tensor(l, "self_attn.q_proj.weight"), Q, D);
    int k = matmul(p + "wk", l, xn, hf_layer_tensor(l, "self_attn.k_proj.weight"), KV, D);
    int v = matmul(p + "wv", l, xn, hf_layer_tensor(l, "self_attn.v_proj.weight"), KV, D);
    int rq = unary(OpKind::Rope, p + "rope_q", l, {q}, {Q});
    g.ops[static_cast<size_t>(rq)].heads = static_cast<int>(c.n_heads);
    int rk = unary(OpKind::Rope, p + "rope_k", l, {k}, {KV});
    g.ops[static_cast<size_t>(rk)].heads = static_cast<int>(c.n_kv_heads);
    int att = unary(OpKind::Attention, p + "attention", l,
                    {g.ops[static_cast<size_t>(rq)].output, g.ops[static_cast<size_t>(rk)].output, v}, {Q});
    int o = matmul(p + "wo", l, g.ops[static_cast<size_t>(att)].output, hf_layer_tensor(l, "self_attn.o_proj.weight"),
                   D, Q);
    int a1 = unary(OpKind::Add, p + "attn_residual", l, {x, o}, {D});
    x = g.ops[static_cast<size_t>(a1)].output;
    int n2 = unary(OpKind::RmsNorm, p + "ffn_norm", l, {x}, {D});
    g.ops[static_cast<size_t>(n2)].gain = hf_layer_tensor(l, "post_attention_layernorm.weight");
    int xn2 = g.ops[static_cast<size_t>(n2)].output;
    int gate = matmul(p + "w1", l, xn2, hf_layer_tensor(l, "mlp.gate_proj.weight"), H, D);
    int up = matmul(p + "w3", l, xn2, hf_layer_tensor(l, "mlp.up_proj.weight"), H, D);
    int sw = unary(OpKind::SwiGLU, p + "swiglu", l, {gate, up}, {H});
    int down =
        matmul(p + "w2", l, g.ops[static_cast<size_t>(sw)].output, hf_layer_tensor(l, "mlp.down_proj.weight"), D, H);
    int a2 = unary(OpKind::Add, p + "ffn_residual", l, {x, down}, {D});
    x = g.ops[static_cast<size_t>(a2)].output;
  }
  int fn = unary(OpKind::RmsNorm, "final_norm", -1, {x}, {D});
  g.ops[static_cast<size_t>(fn)].gain = kFinalNorm;
  int lm = unary(OpKind::LmHead, "lm_head", -1, {g.ops[static_cast<size_t>(fn)].output}, {c.vocab_size});
  g.ops[static_cast<size_t>(lm)].product = "lm_head";
  g.ops[static_cast<size_t>(lm)].weight = recipe(c.tie_embeddings ? kEmbed : kLmHead, c.vocab_size, D);
  return g;
}

std::vector<float> materialize(const Checkpoint& ck, const WeightRecipe& w) {
  const size_t cols = static_cast<size_t>(w.cols);
  std::vector<std::vector<float>> parts;
  int64_t total_rows = 0;
  for (const std::string& name : w.parts) {
    const TensorInfo& t = ck.get(name);
    if (t.shape.size() != 2 || t.shape[1] != w.cols)
      throw InputError(t.file, name, "expected a matrix with " + std::to_string(w.cols) + " columns");
    total_rows += t.shape[0];
    parts.push_back(ck.load_f32(name));
  }
  if (total_rows != w.rows)
    throw InputError(ck.path, w.parts.empty() ? "" : w.parts[0],
                     "rows add up to " + std::to_string(total_rows) + ", expected " + std::to_string(w.rows));
  std::vector<float> out(static_cast<size_t>(w.rows) * cols);
  if (w.interleave_block > 0) {
    if (parts.size() != 2 || parts[0].size() != parts[1].size())
      throw std::logic_error("materialize: interleaving needs two parts of equal shape");
    const int64_t half = w.rows / 2, B = w.interleave_block;
    int64_t dst = 0;
    for (int64_t b0 = 0; b0 < half; b0 += B) {
      const int64_t nb = std::min(B, half - b0);
      for (int p = 0; p < 2; ++p)
        for (int64_t r = 0; r < nb; ++r, ++dst)
          std::copy_n(parts[static_cast<size_t>(p)].data() + static_cast<size_t>(b0 + r) * cols, cols,
                      out.data() + static_cast<size_t>(dst) * cols);
    }
  } else {
    size_t at = 0;
    for (const auto& p : parts) {
      std::copy(p.begin(), p.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
      at += p.size();
    }
  }
  for (const std::string& gname : w.col_gains) {
    std::vector<float> gain = ck.load_f32(gname);
    if (gain.size() != cols) throw InputError(ck.path, gname, "expected " + std::to_string(cols) + " gains");
    for (size_t r = 0; r < static_cast<size_t>(w.rows); ++r)
      for (size_t k = 0; k < cols; ++k) out[r * cols + k] *= gain[k];
  }
  return out;
}

}  // namespace smolc::ir
