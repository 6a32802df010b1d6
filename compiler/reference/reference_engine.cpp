// The scalar reference forward pass (HF LlamaForCausalLM semantics).
//
// Precision (see docs/reference-engine.md): weights and activations are f32,
// as in HF with float32 weights. Every reduction (dot products, the RMSNorm
// mean of squares, the softmax sum) accumulates in double and rounds once, so
// the result does not depend on summation order: batched prefill and
// token-by-token decode give bit-identical logits, and the numpy golden
// (float64) agrees to ~1e-5. RoPE angles follow HF exactly: inv_freq and
// pos*inv_freq in f32, then cos/sin of that f32 angle.
#include "reference/reference_engine.h"

#include <algorithm>
#include <cmath>

#include "frontend/dequant.h"
#include "frontend/error.h"

namespace smolc {
namespace {

// y[t, r] = sum_k W[r, k] * x[t, k];  W [rows, cols], x [n, cols], y [n, rows].
void matmul(const std::vector<float>& W, const float* x, int n, int64_t rows, int64_t cols, float* y) {
  for (int t = 0; t < n; ++t)
    for (int64_t r = 0; r < rows; ++r) {
      const float* w = W.data() + r * cols;
      const float* xt = x + t * cols;
      double acc = 0.0;
      for (int64_t k = 0; k < cols; ++k) acc += static_cast<double>(w[k]) * xt[k];
      y[t * rows + r] = static_cast<float>(acc);
    }
}

// out[t] = x[t] * rsqrt(mean(x[t]^2) + eps) * weight;  x, out [n, dim].
void rmsnorm(const float* x, const std::vector<float>& weight, int n, int64_t dim, double eps, float* out) {
  for (int t = 0; t < n; ++t) {
    const float* xt = x + t * dim;
    double ss = 0.0;
    for (int64_t i = 0; i < dim; ++i) ss += static_cast<double>(xt[i]) * xt[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(dim) + eps));
    for (int64_t i = 0; i < dim; ++i) out[t * dim + i] = weight[static_cast<size_t>(i)] * (xt[i] * inv);
  }
}

// HF rotate_half RoPE on one head vector v [head_dim] at position pos:
// pairs (i, i + d/2) rotate by angle pos * theta^(-2i/d).
void rope(float* v, int64_t head_dim, int pos, const std::vector<float>& inv_freq) {
  const int64_t half = head_dim / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float angle = static_cast<float>(pos) * inv_freq[static_cast<size_t>(i)];
    const float c = std::cos(angle), s = std::sin(angle);
    const float a = v[i], b = v[i + half];
    v[i] = a * c - b * s;         // q*cos + (-x2)*sin
    v[i + half] = b * c + a * s;  // q*cos + x1*sin
  }
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

void check_size(const std::vector<float>& v, int64_t expect, const char* what) {
  if (static_cast<int64_t>(v.size()) != expect)
    throw InputError("reference engine", what,
                     "has " + std::to_string(v.size()) + " floats, expected " + std::to_string(expect));
}

}  // namespace

RefWeights RefWeights::from_checkpoint(const Checkpoint& ck) {
  RefWeights w;
  w.embed = ck.load_f32("model.embed_tokens.weight");
  w.layers.resize(static_cast<size_t>(ck.cfg.n_layers));
  for (int l = 0; l < ck.cfg.n_layers; ++l) {
    RefLayer& L = w.layers[static_cast<size_t>(l)];
    L.attn_norm = ck.load_f32(hf_layer_tensor(l, "input_layernorm.weight"));
    L.wq = ck.load_f32(hf_layer_tensor(l, "self_attn.q_proj.weight"));
    L.wk = ck.load_f32(hf_layer_tensor(l, "self_attn.k_proj.weight"));
    L.wv = ck.load_f32(hf_layer_tensor(l, "self_attn.v_proj.weight"));
    L.wo = ck.load_f32(hf_layer_tensor(l, "self_attn.o_proj.weight"));
    L.ffn_norm = ck.load_f32(hf_layer_tensor(l, "post_attention_layernorm.weight"));
    L.w1 = ck.load_f32(hf_layer_tensor(l, "mlp.gate_proj.weight"));
    L.w2 = ck.load_f32(hf_layer_tensor(l, "mlp.down_proj.weight"));
    L.w3 = ck.load_f32(hf_layer_tensor(l, "mlp.up_proj.weight"));
  }
  w.final_norm = ck.load_f32("model.norm.weight");
  if (!ck.cfg.tie_embeddings) w.lm_head = ck.load_f32("lm_head.weight");
  return w;
}

ReferenceEngine::ReferenceEngine(const ModelConfig& cfg, RefWeights w, int ctx)
    : cfg_(cfg), w_(std::move(w)), ctx_(ctx) {
  if (ctx < 1 || ctx > cfg.max_seq_len)
    throw InputError("context", "--ctx",
                     std::to_string(ctx) + " is out of range, expected 1.." + std::to_string(cfg.max_seq_len) +
                         " (the model's max_seq_len)");
  const int64_t dim = cfg.dim, hid = cfg.hidden_dim, qd = cfg.q_dim(), kvd = cfg.kv_dim();
  check_size(w_.embed, cfg.vocab_size * dim, "embed");
  if (static_cast<int64_t>(w_.layers.size()) != cfg.n_layers)
    throw InputError("reference engine", "layers", "weights and config disagree on n_layers");
  for (const RefLayer& L : w_.layers) {
    check_size(L.attn_norm, dim, "attn_norm");
    check_size(L.wq, qd * dim, "wq");
    check_size(L.wk, kvd * dim, "wk");
    check_size(L.wv, kvd * dim, "wv");
    check_size(L.wo, dim * qd, "wo");
    check_size(L.ffn_norm, dim, "ffn_norm");
    check_size(L.w1, hid * dim, "w1");
    check_size(L.w2, dim * hid, "w2");
    check_size(L.w3, hid * dim, "w3");
  }
  check_size(w_.final_norm, dim, "final_norm");
  if (!cfg.tie_embeddings) check_size(w_.lm_head, cfg.vocab_size * dim, "lm_head");
  kcache_.assign(static_cast<size_t>(cfg.n_layers * ctx * kvd), 0.0f);
  vcache_.assign(kcache_.size(), 0.0f);
}

void ReferenceEngine::project(int layer, const char* name, const std::vector<float>& W, const float* x, int n,
                              int64_t rows, int64_t cols, float* y) const {
  std::vector<float> rounded;
  if (bf16_activations_) {
    rounded.resize(static_cast<size_t>(n) * static_cast<size_t>(cols));
    for (size_t i = 0; i < rounded.size(); ++i) rounded[i] = bf16_to_f32(f32_to_bf16(x[i]));
    x = rounded.data();
  }
  if (matmul_observer_) matmul_observer_(layer, name, x, n, cols);
  if (matmul_hook_)
    matmul_hook_(layer, name, x, n, rows, cols, y);
  else
    matmul(W, x, n, rows, cols, y);
}

std::vector<float> ReferenceEngine::prefill(const int32_t* tokens, int n) {
  const ModelConfig& c = cfg_;
  const int64_t dim = c.dim, hd = c.head_dim, qd = c.q_dim(), kvd = c.kv_dim(), hid = c.hidden_dim;
  const int64_t V = c.vocab_size;
  if (n < 0 || n > ctx_ - pos_)
    throw InputError("context", "position " + std::to_string(pos_),
                     std::to_string(n) + " more tokens do not fit in the context of " + std::to_string(ctx_));
  for (int t = 0; t < n; ++t)
    if (tokens[t] < 0 || tokens[t] >= V)
      throw InputError("token id", std::to_string(tokens[t]), "is out of range, expected 0.." + std::to_string(V - 1));
  if (n == 0) return {};

  // HF: inv_freq[i] = 1 / theta^(2i/d), computed in f32.
  std::vector<float> inv_freq(static_cast<size_t>(hd / 2));
  for (int64_t i = 0; i < hd / 2; ++i)
    inv_freq[static_cast<size_t>(i)] =
        1.0f / std::pow(static_cast<float>(c.rope_theta), static_cast<float>(2 * i) / static_cast<float>(hd));

  std::vector<float> x(static_cast<size_t>(n * dim));        // residual stream [n, dim]
  std::vector<float> xn(x.size());                           // normed input    [n, dim]
  std::vector<float> q(static_cast<size_t>(n * qd));         // queries         [n, n_heads*hd]
  std::vector<float> k(static_cast<size_t>(n * kvd));        // new keys        [n, n_kv*hd]
  std::vector<float> v(k.size());                            // new values      [n, n_kv*hd]
  std::vector<float> att(q.size());                          // attention out   [n, n_heads*hd]
  std::vector<float> proj(x.size());                         // wo / w2 output  [n, dim]
  std::vector<float> gate(static_cast<size_t>(n * hid));     // w1 x            [n, hidden]
  std::vector<float> up(gate.size());                        // w3 x            [n, hidden]
  std::vector<double> score(static_cast<size_t>(pos_ + n));  // one head's scores [pos_+n]

  // Embedding lookup.
  for (int t = 0; t < n; ++t) std::copy_n(w_.embed.data() + tokens[t] * dim, dim, x.data() + t * dim);

  const int group = static_cast<int>(c.n_heads / c.n_kv_heads);
  const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
  for (int64_t l = 0; l < c.n_layers; ++l) {
    const RefLayer& L = w_.layers[static_cast<size_t>(l)];
    float* kc = kcache_.data() + l * ctx_ * kvd;  // [ctx, kv_dim]
    float* vc = vcache_.data() + l * ctx_ * kvd;  // [ctx, kv_dim]

    // Attention block: x += wo(attn(rope(wq xn), rope(wk xn), wv xn)).
    rmsnorm(x.data(), L.attn_norm, n, dim, c.rms_eps, xn.data());
    project(static_cast<int>(l), "wq", L.wq, xn.data(), n, qd, dim, q.data());
    project(static_cast<int>(l), "wk", L.wk, xn.data(), n, kvd, dim, k.data());
    project(static_cast<int>(l), "wv", L.wv, xn.data(), n, kvd, dim, v.data());
    for (int t = 0; t < n; ++t) {
      for (int64_t h = 0; h < c.n_heads; ++h) rope(q.data() + t * qd + h * hd, hd, pos_ + t, inv_freq);
      for (int64_t h = 0; h < c.n_kv_heads; ++h) rope(k.data() + t * kvd + h * hd, hd, pos_ + t, inv_freq);
    }
    // The cache holds keys after RoPE, so past positions are never re-rotated.
    std::copy(k.begin(), k.end(), kc + pos_ * kvd);
    std::copy(v.begin(), v.end(), vc + pos_ * kvd);

    // Causal attention: token t (at position pos_+t) sees positions 0..pos_+t.
    // GQA: query head h reads kv head h / (n_heads / n_kv_heads).
    for (int t = 0; t < n; ++t) {
      const int last = pos_ + t;
      for (int64_t h = 0; h < c.n_heads; ++h) {
        const float* qh = q.data() + t * qd + h * hd;
        const int64_t kvh = h / group;
        double max_score = -INFINITY;
        for (int s = 0; s <= last; ++s) {
          const float* ks = kc + s * kvd + kvh * hd;
          double dot = 0.0;
          for (int64_t i = 0; i < hd; ++i) dot += static_cast<double>(qh[i]) * ks[i];
          score[static_cast<size_t>(s)] = dot * scale;
          max_score = std::max(max_score, score[static_cast<size_t>(s)]);
        }
        double sum = 0.0;
        for (int s = 0; s <= last; ++s)
          sum += (score[static_cast<size_t>(s)] = std::exp(score[static_cast<size_t>(s)] - max_score));
        float* out = att.data() + t * qd + h * hd;
        for (int64_t i = 0; i < hd; ++i) {
          double acc = 0.0;
          for (int s = 0; s <= last; ++s) acc += score[static_cast<size_t>(s)] / sum * vc[s * kvd + kvh * hd + i];
          out[i] = static_cast<float>(acc);
        }
      }
    }
    project(static_cast<int>(l), "wo", L.wo, att.data(), n, dim, qd, proj.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += proj[i];

    // SwiGLU feed-forward: x += w2(silu(w1 xn) * w3 xn).
    rmsnorm(x.data(), L.ffn_norm, n, dim, c.rms_eps, xn.data());
    project(static_cast<int>(l), "w1", L.w1, xn.data(), n, hid, dim, gate.data());
    project(static_cast<int>(l), "w3", L.w3, xn.data(), n, hid, dim, up.data());
    for (size_t i = 0; i < gate.size(); ++i) gate[i] = silu(gate[i]) * up[i];
    project(static_cast<int>(l), "w2", L.w2, gate.data(), n, dim, hid, proj.data());
    for (size_t i = 0; i < x.size(); ++i) x[i] += proj[i];
  }

  // Final norm and classifier (lm_head, or the embedding when tied).
  rmsnorm(x.data(), w_.final_norm, n, dim, c.rms_eps, xn.data());
  std::vector<float> logits(static_cast<size_t>(n * V));  // [n, vocab]
  project(-1, "lm_head", c.tie_embeddings ? w_.embed : w_.lm_head, xn.data(), n, V, dim, logits.data());
  pos_ += n;
  return logits;
}

const std::vector<float>& ReferenceEngine::decode(int32_t token) {
  logits_ = prefill(&token, 1);
  return logits_;
}

}  // namespace smolc
