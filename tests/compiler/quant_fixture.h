// The quantised reference engine as the truth for compiled q8/q4/q16 engines
// (tests/compiler/test_quant_engine.cpp, tests/aarch64/test_format_engines.cpp).
#pragma once
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engine_fixture.h"
#include "quantize/quant_eval.h"

namespace smolc::test {

inline quant::Variant variant(const std::string& label) {
  for (const quant::Variant& v : quant::standard_variants())
    if (v.label == label) return v;
  FAIL("no quant variant " << label);
  return {};
}

// Logits of the reference engine running `v`, fed the same tokens as `run`.
inline std::vector<std::vector<float>> quant_reference(const Checkpoint& ck, const quant::Variant& v,
                                                       const std::vector<int32_t>& prompt,
                                                       const std::vector<int32_t>& picks, int ctx) {
  // Calibrated as `smolc compile` calibrates by default (quantize/calibrate.h).
  const RefWeights w = RefWeights::from_checkpoint(ck);
  const quant::Calibration cal = quant::calibrate(ck.cfg, w, quant::kCalibrationTokens);
  auto e = quant::make_quant_engine(ck.cfg, w, v, ctx, {}, &cal);
  std::vector<std::vector<float>> out;
  const size_t V = static_cast<size_t>(ck.cfg.vocab_size);
  std::vector<float> all = e->prefill(prompt.data(), static_cast<int>(prompt.size()));
  out.emplace_back(all.end() - static_cast<std::ptrdiff_t>(V), all.end());
  for (int32_t t : picks) out.push_back(e->decode(t));
  return out;
}

// NMSE over every step of `run` against `ref` (same step count).
inline double nmse_all(const EngineRun& run, const std::vector<std::vector<float>>& ref) {
  const size_t V = ref.at(0).size();
  REQUIRE(run.logits.size() == ref.size() * V);
  double num = 0, den = 0;
  for (size_t s = 0; s < ref.size(); ++s)
    for (size_t i = 0; i < V; ++i) {
      const double d = double(run.logits[s * V + i]) - ref[s][i];
      num += d * d;
      den += double(ref[s][i]) * ref[s][i];
    }
  return num / den;
}

}  // namespace smolc::test
