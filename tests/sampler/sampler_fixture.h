// Test helpers for the runtime sampler: a sampler with its own work buffer,
// and the independent double-precision truths the tests compare against.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

#include <nlohmann/json.hpp>
#include <string>

#include "sampler/sampler.h"
#include "support/test_support.h"

namespace smolc::test {

struct SamplerBox {
  std::vector<unsigned char> work;
  smolc_sampler s{};
  int init_rc = 0;
  SamplerBox(const smolc_sampler_params& p, int32_t vocab)
      : work(smolc_sampler_work_bytes(vocab)) {
    init_rc = smolc_sampler_init(&s, &p, vocab, work.data(), work.size());
  }
  int32_t sample(const std::vector<float>& logits, const std::vector<int32_t>& history = {}) {
    return smolc_sampler_sample(&s, logits.data(), history.data(), (int32_t)history.size());
  }
  // The kept ids in walk order (and their probabilities).
  std::vector<int32_t> kept(const std::vector<float>& logits, std::vector<float>* probs = nullptr,
                            const std::vector<int32_t>& history = {}) {
    std::vector<int32_t> ids(logits.size());
    std::vector<float> p(logits.size());
    int32_t n = smolc_sampler_candidates(&s, logits.data(), history.data(), (int32_t)history.size(),
                                         ids.data(), p.data(), (int32_t)ids.size());
    if (n < 0) return {};
    ids.resize(n);
    p.resize(n);
    if (probs) *probs = p;
    return ids;
  }
};

inline smolc_sampler_params make_params(float temperature, int32_t top_k = 0, float top_p = 1.0f,
                                        float min_p = 0.0f, uint64_t seed = 0) {
  smolc_sampler_params p = smolc_sampler_default_params();
  p.temperature = temperature;
  p.top_k = top_k;
  p.top_p = top_p;
  p.min_p = min_p;
  p.seed = seed;
  return p;
}

// softmax(logits / T) in double, computed here independently of the runtime.
inline std::vector<double> softmax_double(const std::vector<float>& logits, double temperature) {
  double m = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double z = 0;
  for (size_t i = 0; i < logits.size(); ++i) z += p[i] = std::exp((logits[i] - m) / temperature);
  for (double& x : p) x /= z;
  return p;
}

// Upper critical value of chi-square with `df` degrees of freedom at
// significance 0.001 (Wilson-Hilferty approximation, z = 3.0902).
inline double chi2_critical_001(int df) {
  const double z = 3.0902323061678132;
  double a = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - a + z * std::sqrt(a), 3.0);
}

// Pearson's chi-square of observed counts against expected probabilities
// (cells with expected count < 5 are pooled into one, the textbook rule).
struct ChiSquare {
  double stat = 0;
  int df = 0;
};
inline ChiSquare chi_square(const std::vector<long>& counts, const std::vector<double>& probs, long n) {
  ChiSquare r;
  double pool_obs = 0, pool_exp = 0;
  int cells = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    double e = probs[i] * (double)n;
    if (e < 5.0) {
      pool_obs += (double)counts[i];
      pool_exp += e;
      continue;
    }
    r.stat += (counts[i] - e) * (counts[i] - e) / e;
    ++cells;
  }
  if (pool_exp > 0) {
    r.stat += (pool_obs - pool_exp) * (pool_obs - pool_exp) / std::max(pool_exp, 1e-12);
    ++cells;
  }
  r.df = cells - 1;
  return r;
}

// One case of golden/draws.json (tools/sampler_golden/make_golden.py): the
// sampler's parameters, the logits, the penalty history and the expected ids.
struct GoldenDraw {
  std::string name;
  smolc_sampler_params params;
  std::vector<float> logits;
  std::vector<int32_t> history;
  std::vector<int32_t> expect;
};

// Logits of a case: integers over a power of two, exact in float, so both
// sides see the same values.
inline std::vector<float> golden_logits(const nlohmann::json& spec) {
  const int64_t v = spec["vocab"], a = spec["a"], b = spec["b"], m = spec["m"];
  const double scale = spec["scale"], offset = spec["offset"];
  std::vector<float> l((size_t)v);
  for (int64_t i = 0; i < v; ++i) l[(size_t)i] = (float)((double)((i * a + b) % m) / scale - offset);
  return l;
}

inline std::vector<GoldenDraw> golden_draws() {
  const auto golden = nlohmann::json::parse(read_file(source_dir() + "/tests/sampler/golden/draws.json"));
  std::vector<GoldenDraw> out;
  for (const auto& c : golden["cases"]) {
    const auto& jp = c["params"];
    GoldenDraw d;
    d.name = c["name"].get<std::string>();
    d.params = smolc_sampler_default_params();
    d.params.temperature = jp["temperature"];
    d.params.top_k = jp["top_k"];
    d.params.top_p = jp["top_p"];
    d.params.min_p = jp["min_p"];
    d.params.repeat_penalty = jp["repeat_penalty"];
    d.params.repeat_last_n = jp["repeat_last_n"];
    d.params.seed = std::stoull(jp["seed"].get<std::string>());
    d.logits = golden_logits(c["logits"]);
    d.history = c["history"].get<std::vector<int32_t>>();
    d.expect = c["expect"].get<std::vector<int32_t>>();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace smolc::test
