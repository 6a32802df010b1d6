#include "quantize/quant_eval.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <utility>

#include "quantize/quant_matmul.h"

namespace smolc::quant {
namespace {

// Columns of W [rows, cols] times gain [cols].
void scale_columns(std::vector<float>& W, const std::vector<float>& gain) {
  const size_t cols = gain.size();
  for (size_t i = 0; i < W.size(); ++i) W[i] *= gain[i % cols];
}

struct LayerMatrix {
  const char* name;
  std::vector<float> RefLayer::* member;
};
constexpr LayerMatrix kLayerMatrices[] = {{"wq", &RefLayer::wq}, {"wk", &RefLayer::wk}, {"wv", &RefLayer::wv},
                                          {"wo", &RefLayer::wo}, {"w1", &RefLayer::w1}, {"w2", &RefLayer::w2},
                                          {"w3", &RefLayer::w3}};

int64_t cols_of(const ModelConfig& c, const std::string& name) {
  if (name == "wo") return c.q_dim();
  if (name == "w2") return c.hidden_dim;
  return c.dim;
}

std::string tensor_label(int layer, const std::string& name) {
  return layer < 0 ? name : "layers." + std::to_string(layer) + "." + name;
}

std::vector<float> squared(const std::vector<float>& g) {
  std::vector<float> out(g.size());
  for (size_t i = 0; i < g.size(); ++i) out[i] = g[i] * g[i];
  return out;
}

// The importance of a projection's columns: the squared gain of the RMSNorm
// whose output it reads (empty for wo and w2, which read no norm).
std::vector<float> gain_importance(const RefLayer& L, const std::string& name) {
  if (name == "wq" || name == "wk" || name == "wv") return squared(L.attn_norm);
  if (name == "w1" || name == "w3") return squared(L.ffn_norm);
  return {};
}

}  // namespace

std::vector<Variant> standard_variants() {
  return {{"q16", Format::Q16, Format::Q16},       {"q8", Format::Q8, Format::Q8},
          {"q4", Format::Q4, Format::Q8},          {"q4_0", Format::Q4, Format::Q8, true},
          {"q4 --q4-all", Format::Q4, Format::Q4}, {"q4_0 all", Format::Q4, Format::Q4, true}};
}

RefWeights fold_norm_gains(const ModelConfig& cfg, RefWeights w) {
  for (RefLayer& L : w.layers) {
    for (auto* m : {&L.wq, &L.wk, &L.wv}) scale_columns(*m, L.attn_norm);
    for (auto* m : {&L.w1, &L.w3}) scale_columns(*m, L.ffn_norm);
    std::fill(L.attn_norm.begin(), L.attn_norm.end(), 1.0f);
    std::fill(L.ffn_norm.begin(), L.ffn_norm.end(), 1.0f);
  }
  if (!cfg.tie_embeddings) {
    scale_columns(w.lm_head, w.final_norm);
    std::fill(w.final_norm.begin(), w.final_norm.end(), 1.0f);
  }
  return w;
}

std::unique_ptr<ReferenceEngine> make_quant_engine(const ModelConfig& cfg, const RefWeights& w0, const Variant& v,
                                                   int ctx, const QuantOptions& opt0, const Calibration* cal) {
  RefWeights w = v.fold_gains ? fold_norm_gains(cfg, w0) : w0;
  QuantOptions opt = opt0;
  opt.q4_0 = v.q4_0;
  // Unfolded, a projection reading a norm's output sees column k scaled by
  // gain[k] at run time: the scale searches weigh column k's error by gain^2.
  const bool weigh = !v.fold_gains;
  const bool calibrated = weigh && cal != nullptr && !cal->empty();
  auto importance = [&](int layer, const std::string& name, std::vector<float> fallback) {
    if (!calibrated) return fallback;
    std::vector<float> h = cal->importance(layer, name);
    return h.empty() ? fallback : h;
  };
  auto mats = std::make_shared<std::map<std::pair<int, std::string>, QuantMatrix>>();
  for (size_t l = 0; l < w.layers.size(); ++l)
    for (const LayerMatrix& m : kLayerMatrices) {
      const std::vector<float>& W = w.layers[l].*m.member;
      const int64_t cols = cols_of(cfg, m.name);
      QuantOptions o = opt;
      if (weigh) o.col_importance = importance(static_cast<int>(l), m.name, gain_importance(w.layers[l], m.name));
      (*mats)[{static_cast<int>(l), m.name}] = quantize_matrix(v.body, W.data(), static_cast<int64_t>(W.size()) / cols,
                                                               cols, tensor_label(static_cast<int>(l), m.name), o);
    }
  const std::vector<float>& head = cfg.tie_embeddings ? w.embed : w.lm_head;
  QuantOptions ho = opt;
  if (weigh) ho.col_importance = importance(-1, "lm_head", squared(w.final_norm));
  QuantMatrix qhead = quantize_matrix(v.lm_head, head.data(), cfg.vocab_size, cfg.dim,
                                      cfg.tie_embeddings ? "embed (tied lm_head)" : "lm_head", ho);
  // Embedding rows come from the packed weights too (the tied lm_head, or the
  // embedding stored in the lm_head's format).
  w.embed = cfg.tie_embeddings
                ? dequantize(qhead)
                : dequantize(quantize_matrix(v.lm_head, w.embed.data(), cfg.vocab_size, cfg.dim, "embed", opt));
  (*mats)[{-1, "lm_head"}] = std::move(qhead);
  auto e = std::make_unique<ReferenceEngine>(cfg, std::move(w), ctx);
  e->set_matmul_hook([mats](int layer, const char* name, const float* x, int n, int64_t, int64_t, float* y) {
    quant_matmul(mats->at({layer, name}), x, n, y);
  });
  return e;
}

LogitMetrics compare_logits(const std::vector<float>& ref, const std::vector<float>& q, int64_t vocab) {
  LogitMetrics m;
  const size_t V = static_cast<size_t>(vocab);
  const size_t positions = ref.size() / V;
  if (positions == 0 || q.size() != ref.size()) return m;
  double num = 0, den = 0, kl = 0;
  int agree = 0;
  std::vector<double> lr(V), lq(V);
  for (size_t t = 0; t < positions; ++t) {
    const float* r = ref.data() + t * V;
    const float* p = q.data() + t * V;
    for (size_t i = 0; i < V; ++i) {
      num += (static_cast<double>(p[i]) - r[i]) * (static_cast<double>(p[i]) - r[i]);
      den += static_cast<double>(r[i]) * r[i];
    }
    // log-softmax in double.
    auto log_softmax = [V](const float* z, std::vector<double>& out) {
      double mx = z[0];
      for (size_t i = 1; i < V; ++i) mx = std::max(mx, static_cast<double>(z[i]));
      double s = 0;
      for (size_t i = 0; i < V; ++i) s += std::exp(z[i] - mx);
      const double lse = mx + std::log(s);
      for (size_t i = 0; i < V; ++i) out[i] = z[i] - lse;
    };
    log_softmax(r, lr);
    log_softmax(p, lq);
    for (size_t i = 0; i < V; ++i) kl += std::exp(lr[i]) * (lr[i] - lq[i]);
    agree += std::max_element(r, r + V) - r == std::max_element(p, p + V) - p;
  }
  m.nmse = den > 0 ? num / den : 0;
  m.mean_kl = kl / static_cast<double>(positions);
  m.top1 = static_cast<double>(agree) / static_cast<double>(positions);
  return m;
}

std::vector<int32_t> greedy_tokens(ReferenceEngine& e, int32_t first, int steps, int32_t stop) {
  e.reset();
  std::vector<int32_t> out;
  int32_t tok = first;
  for (int s = 0; s < steps && e.position() < e.ctx(); ++s) {
    const std::vector<float>& logits = e.decode(tok);
    tok = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(tok);
    if (tok == stop) break;
  }
  return out;
}

double weight_nmse(const ModelConfig& cfg, const RefWeights& w0, Format f, QuantOptions opt, bool fold_gains) {
  const RefWeights w = fold_gains ? fold_norm_gains(cfg, w0) : w0;
  opt.allow_nonfinite = true;
  double num = 0, den = 0;
  for (size_t l = 0; l < w.layers.size(); ++l)
    for (const LayerMatrix& m : kLayerMatrices) {
      const std::vector<float>& W = w.layers[l].*m.member;
      const int64_t cols = cols_of(cfg, m.name);
      const std::vector<float> d =
          dequantize(quantize_matrix(f, W.data(), static_cast<int64_t>(W.size()) / cols, cols, m.name, opt));
      for (size_t i = 0; i < W.size(); ++i) {
        num += (static_cast<double>(W[i]) - d[i]) * (static_cast<double>(W[i]) - d[i]);
        den += static_cast<double>(W[i]) * W[i];
      }
    }
  return den > 0 ? num / den : 0;
}

Departure first_departure(const std::vector<int32_t>& want, const std::vector<int32_t>& got,
                          const std::vector<float>& f32_logits, int64_t vocab) {
  Departure d;
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  if (i == want.size() && i == got.size()) return d;
  d.position = static_cast<int>(i);
  const size_t V = static_cast<size_t>(vocab);
  if ((i + 1) * V <= f32_logits.size() && V >= 2) {
    std::vector<float> top(f32_logits.begin() + static_cast<std::ptrdiff_t>(i * V),
                           f32_logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * V));
    std::partial_sort(top.begin(), top.begin() + 2, top.end(), std::greater<float>());
    d.f32_margin = static_cast<double>(top[0]) - top[1];
  }
  return d;
}

}  // namespace smolc::quant
