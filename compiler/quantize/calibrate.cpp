#include "quantize/calibrate.h"

#include <algorithm>
#include <cmath>

namespace smolc::quant {
namespace {

// splitmix64: a fixed, platform-independent stream (std distributions are
// implementation-defined, which would make the calibration, and so the
// compiled weights, depend on the standard library).
struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
};

// A token drawn from softmax(logits) (temperature 1), in double.
int32_t sample(const std::vector<float>& logits, double u) {
  const double mx = *std::max_element(logits.begin(), logits.end());
  double total = 0;
  for (float z : logits) total += std::exp(static_cast<double>(z) - mx);
  double target = u * total, acc = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    acc += std::exp(static_cast<double>(logits[i]) - mx);
    if (acc > target) return static_cast<int32_t>(i);
  }
  return static_cast<int32_t>(logits.size() - 1);  // u * total rounded above the last partial sum
}

}  // namespace

std::vector<float> Calibration::importance(int layer, const std::string& name) const {
  const auto it = mean_sq.find({layer, name});
  if (it == mean_sq.end() || it->second.empty()) return {};
  std::vector<float> h = it->second;
  double mean = 0;
  for (float v : h) {
    // Non-finite statistics (a model with NaN/Inf weights, quantised under
    // --allow-nonfinite) carry no information: fall back to the gain rule.
    if (!std::isfinite(v)) return {};
    mean += v;
  }
  mean /= static_cast<double>(h.size());
  // All-zero inputs (never excited): no information, weigh columns equally.
  const float add = mean > 0 ? static_cast<float>(floor * mean) : 1.0f;
  for (float& v : h) v += add;
  return h;
}

Calibration calibrate(const ModelConfig& cfg, const RefWeights& w, int tokens, uint64_t seed,
                      const CalibrationProgress& progress) {
  Calibration cal;
  tokens = static_cast<int>(std::min<int64_t>(std::max(tokens, 0), cfg.max_seq_len));
  if (tokens == 0) return cal;
  std::map<std::pair<int, std::string>, std::vector<double>> sums;
  ReferenceEngine e(cfg, w, tokens);
  e.set_matmul_observer([&sums](int layer, const char* name, const float* x, int n, int64_t cols) {
    std::vector<double>& s = sums[{layer, name}];
    s.resize(static_cast<size_t>(cols), 0.0);
    for (int t = 0; t < n; ++t)
      for (int64_t k = 0; k < cols; ++k)
        s[static_cast<size_t>(k)] += static_cast<double>(x[t * cols + k]) * x[t * cols + k];
  });
  SplitMix64 rng{seed};
  int32_t tok = cfg.bos_id >= 0 ? static_cast<int32_t>(cfg.bos_id) : 0;
  for (int t = 0; t < tokens; ++t) {
    tok = sample(e.decode(tok), rng.uniform());
    cal.text.push_back(tok);
    if (progress) progress(static_cast<size_t>(t + 1), static_cast<size_t>(tokens));
  }
  cal.tokens = tokens;
  for (const auto& [key, s] : sums) {
    std::vector<float>& m = cal.mean_sq[key];
    m.resize(s.size());
    for (size_t k = 0; k < s.size(); ++k) m[k] = static_cast<float>(s[k] / tokens);
  }
  return cal;
}

}  // namespace smolc::quant
