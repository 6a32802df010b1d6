// The scalar reference forward pass: HF LlamaForCausalLM semantics, written to
// be read, not to be fast. Every generated engine is tested against it.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "frontend/checkpoint.h"

namespace smolc {

struct RefLayer {
  std::vector<float> attn_norm;  // [dim]
  std::vector<float> wq;         // [n_heads*head_dim, dim]
  std::vector<float> wk;         // [n_kv_heads*head_dim, dim]
  std::vector<float> wv;         // [n_kv_heads*head_dim, dim]
  std::vector<float> wo;         // [dim, n_heads*head_dim]
  std::vector<float> ffn_norm;   // [dim]
  std::vector<float> w1;         // gate_proj [hidden_dim, dim]
  std::vector<float> w2;         // down_proj [dim, hidden_dim]
  std::vector<float> w3;         // up_proj   [hidden_dim, dim]
};

struct RefWeights {
  std::vector<float> embed;  // [vocab, dim]
  std::vector<RefLayer> layers;
  std::vector<float> final_norm;  // [dim]
  std::vector<float> lm_head;     // [vocab, dim]; empty when tied to embed
  static RefWeights from_checkpoint(const Checkpoint& ck);
};

class ReferenceEngine {
 public:
  ReferenceEngine(const ModelConfig& cfg, RefWeights w, int ctx);
  // Appends n tokens; returns logits for every one of them, [n, vocab].
  std::vector<float> prefill(const int32_t* tokens, int n);
  // Appends one token; returns its logits [vocab].
  const std::vector<float>& decode(int32_t token);
  int position() const { return pos_; }
  int ctx() const { return ctx_; }
  void reset() { pos_ = 0; }
  // Drops the tokens from position pos on (pos <= position()).
  void rewind(int pos) { pos_ = pos < pos_ ? (pos < 0 ? 0 : pos) : pos_; }
  const ModelConfig& config() const { return cfg_; }

  // Optional replacement of the weight products y[t, r] = W[r, :] . x[t, :]
  // (x [n, cols], y [n, rows]) for quantisation studies. layer >= 0 with name
  // wq wk wv wo w1 w2 w3, or layer -1 with name "lm_head" (also when tied).
  // Unset: the f32 product below.
  using MatmulHook =
      std::function<void(int layer, const char* name, const float* x, int n, int64_t rows, int64_t cols, float* y)>;
  void set_matmul_hook(MatmulHook hook) { matmul_hook_ = std::move(hook); }
  // Optional observer of every weight product's input x [n, cols] (same
  // layer/name convention), called before the product; it does not change
  // the result. Used to collect activation statistics (quantize/calibrate.h).
  using MatmulObserver = std::function<void(int layer, const char* name, const float* x, int n, int64_t cols)>;
  void set_matmul_observer(MatmulObserver observer) { matmul_observer_ = std::move(observer); }
  // --bf16-activations: every weight product's input x is rounded to bf16
  // (round to nearest even) once before the product (and before the hook and
  // observer see it), the semantics a compiled engine with the option has on
  // every target.
  void set_bf16_activations(bool on) { bf16_activations_ = on; }

 private:
  ModelConfig cfg_;
  RefWeights w_;
  int ctx_ = 0, pos_ = 0;
  std::vector<float> kcache_, vcache_;  // [layers, ctx, kv_dim]
  std::vector<float> logits_;
  MatmulHook matmul_hook_;
  MatmulObserver matmul_observer_;
  bool bf16_activations_ = false;
  void project(int layer, const char* name, const std::vector<float>& W, const float* x, int n, int64_t rows,
               int64_t cols, float* y) const;
};

}  // namespace smolc
