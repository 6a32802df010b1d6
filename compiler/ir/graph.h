// The model as a graph of ops in which every shape is a constant (except the
// token count n of a forward step, which is bounded by the prefill tile).
// The IR says WHAT the model computes; how each matrix product is tiled and
// which kernel runs it is the schedule's business (schedule/schedule.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "frontend/checkpoint.h"

namespace smolc::ir {

enum class OpKind {
  Embedding,  // tokens -> x[n, dim]: row lookup in `weight`
  RmsNorm,    // x[n, dim] -> x / rms(x) (* gain when `gain` is set)
  MatMul,     // x[n, K] -> y[n, M] = x . W^T, then `epilogue`
  Rope,       // q[n, heads*head_dim] -> rotated (HF rotate_half layout), at the step's positions
  Attention,  // causal GQA attention of layer `layer`
  SwiGLU,     // (gate[n, H], up[n, H]) -> silu(gate) * up
  Add,        // (a, b) -> a + b
  LmHead,     // x[n, dim] -> logits[vocab] of the last token (optionally normalising first)
};

enum class Epilogue {
  None,
  RopeKvWrite,  // output rows are [q; k; v]: RoPE on q and k, k and v written to the KV cache
  SwiGLU,       // rows are gate/up interleaved in blocks of weight.interleave_block; output h[n, H]
  ResidualAdd,  // inputs (x, resid): output = resid + x . W^T, written in place of resid
};

const char* op_kind_name(OpKind k);
const char* epilogue_name(Epilogue e);

// How a packed matrix is made from checkpoint tensors: rows of `parts`
// concatenated (or interleaved in blocks), columns multiplied by `col_gains`.
struct WeightRecipe {
  std::vector<std::string> parts;      // HF tensor names, [rows_i, cols] each
  std::vector<std::string> col_gains;  // 1-D HF tensors [cols], multiplied into every row
  int64_t interleave_block = 0;        // >0: two parts, rows interleaved B of part 0, B of part 1, ...
  int64_t rows = 0, cols = 0;
  bool operator==(const WeightRecipe&) const = default;
};

// [rows, cols] row-major f32, the exact numbers the kernels will use.
std::vector<float> materialize(const Checkpoint& ck, const WeightRecipe& w);

struct Value {
  std::string name;            // "x", "layers.3.q", ...
  std::vector<int64_t> shape;  // per token (the leading n is implicit), e.g. {576}
};

struct Op {
  OpKind kind = OpKind::MatMul;
  std::string name;         // "layers.3.wqkv"; unique, a C identifier after sanitising
  std::vector<int> inputs;  // value ids
  int output = -1;
  int layer = -1;
  // MatMul / LmHead: the reference engine's product whose input this op reads
  // (wq wk wv wo w1 w3 w2, lm_head); a fused op keeps its first part's, since
  // q|k|v and gate|up share their input. Calibration statistics are keyed by it.
  std::string product;
  WeightRecipe weight;     // Embedding, MatMul, LmHead
  std::string gain;        // RmsNorm / LmHead: HF gain tensor; empty: none (folded)
  bool normalize = false;  // LmHead: rms-normalise the input first (final norm fused)
  int heads = 0;           // Rope: heads rotated
  Epilogue epilogue = Epilogue::None;
};

struct Graph {
  ModelConfig cfg;
  std::vector<Value> values;
  std::vector<Op> ops;  // topological order

  int add_value(std::string name, std::vector<int64_t> shape);
  // Ops reading value v.
  std::vector<int> consumers(int v) const;
  // Index of the op producing v, or -1 (graph inputs).
  int producer(int v) const;
  int count(OpKind k) const;
  // One line per op, for tests and `--emit-only` inspection.
  std::string dump() const;
};

// HF tensor names.
inline constexpr const char* kEmbed = "model.embed_tokens.weight";
inline constexpr const char* kFinalNorm = "model.norm.weight";
inline constexpr const char* kLmHead = "lm_head.weight";

// The unfused LLaMA graph of `cfg` (HF LlamaForCausalLM semantics).
Graph build_llama_graph(const ModelConfig& cfg);

}  // namespace smolc::ir
