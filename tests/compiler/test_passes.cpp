// The IR builder and each fusion pass on their own, on the real stories260K
// checkpoint: structure of the rewritten graph and the exact numbers of the
// matrices the passes make (checked against plain row/column arithmetic on
// the checkpoint's tensors).
#include <catch2/catch.hpp>

#include "frontend/checkpoint.h"
#include "ir/graph.h"
#include "passes/passes.h"
#include "schedule/schedule.h"
#include "support/test_support.h"

using namespace smolc;

namespace {
Checkpoint stories() {
  return load_checkpoint(test::stories_dir() + "/stories260K.bin", test::stories_dir() + "/tok512.bin");
}
const ir::Op& find(const ir::Graph& g, const std::string& name) {
  for (const ir::Op& op : g.ops)
    if (op.name == name) return op;
  FAIL("no op " << name);
  return g.ops[0];
}
}  // namespace

TEST_CASE("the unfused LLaMA graph has one op per model step") {
  Checkpoint ck = stories();
  const int L = static_cast<int>(ck.cfg.n_layers);
  ir::Graph g = ir::build_llama_graph(ck.cfg);
  CHECK(g.count(ir::OpKind::Embedding) == 1);
  CHECK(g.count(ir::OpKind::RmsNorm) == 2 * L + 1);
  CHECK(g.count(ir::OpKind::MatMul) == 7 * L);
  CHECK(g.count(ir::OpKind::Rope) == 2 * L);
  CHECK(g.count(ir::OpKind::Attention) == L);
  CHECK(g.count(ir::OpKind::SwiGLU) == L);
  CHECK(g.count(ir::OpKind::Add) == 2 * L);
  CHECK(g.count(ir::OpKind::LmHead) == 1);
  const ir::Op& wq = find(g, "layers.2.wq");
  CHECK(wq.weight.rows == ck.cfg.q_dim());
  CHECK(wq.weight.cols == ck.cfg.dim);
  CHECK(g.values[static_cast<size_t>(wq.output)].shape == std::vector<int64_t>{ck.cfg.q_dim()});
}

TEST_CASE("fold_rmsnorm_gains scales the columns of every reader and skips the tied lm_head") {
  Checkpoint ck = stories();
  ir::Graph g = passes::fold_rmsnorm_gains(ir::build_llama_graph(ck.cfg));
  const ir::Op& wk = find(g, "layers.1.wk");
  REQUIRE(wk.weight.col_gains == std::vector<std::string>{hf_layer_tensor(1, "input_layernorm.weight")});
  CHECK(find(g, "layers.1.attn_norm").gain.empty());
  CHECK(find(g, "layers.1.w3").weight.col_gains.size() == 1);
  CHECK(find(g, "layers.1.wo").weight.col_gains.empty());
  // Tied: the final norm keeps its gain, lm_head stays the embedding.
  CHECK(find(g, "final_norm").gain == ir::kFinalNorm);
  CHECK(find(g, "lm_head").weight.col_gains.empty());
  // Numbers: W'[r, k] == W[r, k] * g[k] exactly.
  std::vector<float> folded = ir::materialize(ck, wk.weight);
  std::vector<float> W = ck.load_f32(hf_layer_tensor(1, "self_attn.k_proj.weight"));
  std::vector<float> gain = ck.load_f32(hf_layer_tensor(1, "input_layernorm.weight"));
  const size_t K = static_cast<size_t>(ck.cfg.dim);
  REQUIRE(folded.size() == W.size());
  for (size_t i = 0; i < W.size(); ++i) REQUIRE(folded[i] == W[i] * gain[i % K]);

  // Untied: the final norm folds into lm_head's columns.
  ModelConfig untied = ck.cfg;
  untied.tie_embeddings = false;
  ir::Graph u = passes::fold_rmsnorm_gains(ir::build_llama_graph(untied));
  CHECK(find(u, "final_norm").gain.empty());
  CHECK(find(u, "lm_head").weight.col_gains == std::vector<std::string>{ir::kFinalNorm});
}

TEST_CASE("fuse_qkv makes one projection with the RoPE and KV-write epilogue") {
  Checkpoint ck = stories();
  const int L = static_cast<int>(ck.cfg.n_layers);
  ir::Graph g = passes::fuse_qkv(passes::fold_rmsnorm_gains(ir::build_llama_graph(ck.cfg)));
  CHECK(g.count(ir::OpKind::Rope) == 0);
  CHECK(g.count(ir::OpKind::MatMul) == 5 * L);
  const ir::Op& qkv = find(g, "layers.3.wqkv");
  CHECK(qkv.epilogue == ir::Epilogue::RopeKvWrite);
  CHECK(qkv.weight.rows == ck.cfg.q_dim() + 2 * ck.cfg.kv_dim());
  CHECK(qkv.weight.col_gains.size() == 1);
  const ir::Op& att = find(g, "layers.3.attention");
  REQUIRE(att.inputs.size() == 1);
  CHECK(att.inputs[0] == qkv.output);
  // Rows are [q; k; v] of the folded matrices.
  std::vector<float> fused = ir::materialize(ck, qkv.weight);
  const size_t K = static_cast<size_t>(ck.cfg.dim), q = static_cast<size_t>(ck.cfg.q_dim()) * K;
  std::vector<float> wv = ck.load_f32(hf_layer_tensor(3, "self_attn.v_proj.weight"));
  std::vector<float> gain = ck.load_f32(hf_layer_tensor(3, "input_layernorm.weight"));
  const size_t v0 = q + static_cast<size_t>(ck.cfg.kv_dim()) * K;
  for (size_t i = 0; i < wv.size(); ++i) REQUIRE(fused[v0 + i] == wv[i] * gain[i % K]);
}

TEST_CASE("fuse_gate_up interleaves gate and up rows block by block with a SwiGLU epilogue") {
  Checkpoint ck = stories();
  const int64_t B = 16, H = ck.cfg.hidden_dim, K = ck.cfg.dim;
  ir::Graph g = passes::fuse_gate_up(ir::build_llama_graph(ck.cfg), B);
  CHECK(g.count(ir::OpKind::SwiGLU) == 0);
  const ir::Op& w13 = find(g, "layers.0.w13");
  CHECK(w13.epilogue == ir::Epilogue::SwiGLU);
  CHECK(w13.weight.rows == 2 * H);
  std::vector<float> fused = ir::materialize(ck, w13.weight);
  std::vector<float> gate = ck.load_f32(hf_layer_tensor(0, "mlp.gate_proj.weight"));
  std::vector<float> up = ck.load_f32(hf_layer_tensor(0, "mlp.up_proj.weight"));
  // Gate row j sits at 2*(j/B)*B + j%B, its up row nb further (nb = size of the block, short at the tail).
  for (int64_t j = 0; j < H; ++j) {
    const int64_t b = j / B, nb = std::min(B, H - b * B), gate_row = 2 * b * B + j % B;
    for (int64_t k = 0; k < K; ++k) {
      REQUIRE(fused[static_cast<size_t>(gate_row * K + k)] == gate[static_cast<size_t>(j * K + k)]);
      REQUIRE(fused[static_cast<size_t>((gate_row + nb) * K + k)] == up[static_cast<size_t>(j * K + k)]);
    }
  }
}

TEST_CASE("fuse_residual_add and fuse_final_norm_lm_head leave no Add and no final RmsNorm") {
  Checkpoint ck = stories();
  const int L = static_cast<int>(ck.cfg.n_layers);
  ir::Graph g = passes::run_all(ir::build_llama_graph(ck.cfg), 16);
  CHECK(g.count(ir::OpKind::Add) == 0);
  CHECK(g.count(ir::OpKind::RmsNorm) == 2 * L);
  CHECK(g.count(ir::OpKind::MatMul) == 4 * L);
  const ir::Op& wo = find(g, "layers.4.wo");
  CHECK(wo.epilogue == ir::Epilogue::ResidualAdd);
  REQUIRE(wo.inputs.size() == 2);
  CHECK(find(g, "layers.4.w2").epilogue == ir::Epilogue::ResidualAdd);
  const ir::Op& lm = find(g, "lm_head");
  CHECK(lm.normalize);
  CHECK(lm.gain == ir::kFinalNorm);  // tied: the gain is applied to the input
  // The schedule ties the embedding to lm_head's packed matrix.
  schedule::Schedule s = schedule::make_schedule(g, schedule::find_target("scalar"), Format::F32);
  CHECK(s.embedding_tied);
  CHECK(s.matmul.count("layers.0.wqkv") == 1);
  CHECK_THROWS_AS(schedule::find_target("sparc"), std::invalid_argument);
}
