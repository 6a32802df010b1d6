// Self-calibration of the q8/q4 scale searches: the expected squared error
// of a product's output row is sum_k E[x_k^2] (w_k - d q_k)^2 (plus cross
// terms), so the right column importance is the second moment of the
// product's INPUT per column (llama.cpp's "importance matrix"). Without
// calibration data, the model calibrates itself: the f32 reference engine
// runs on text the model samples from BOS (temperature 1, fixed seed), and
// the mean x^2 of every column of every product's input is collected.
// See docs/quant-formats.md ("Importance").
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "frontend/checkpoint.h"
#include "reference/reference_engine.h"

namespace smolc::quant {

// The default calibration: this many sampled tokens (measured, see
// docs/quant-formats.md), from this seed.
inline constexpr int kCalibrationTokens = 64;
inline constexpr uint64_t kCalibrationSeed = 0x5eed'ca1b'0000'0001ull;

struct Calibration {
  int tokens = 0;  // positions averaged over
  // The sampled text: text[i] was drawn from the logits at position i (the
  // input there was BOS for i = 0, else text[i - 1]). [tokens]
  std::vector<int32_t> text;
  // Mean x^2 per input column of each product: (layer, name) with the
  // reference engine's names (wq wk wv wo w1 w2 w3; layer -1 "lm_head").
  std::map<std::pair<int, std::string>, std::vector<float>> mean_sq;
  double floor = 0.1;  // see importance()
  bool empty() const { return mean_sq.empty(); }
  // The column importance of (layer, name)'s weight: mean x^2 plus a floor of
  // `floor` times its mean over the columns, so that a column the
  // few calibration tokens barely excited still counts (an estimate from tens
  // of tokens is noisy, and the search must not ignore a column entirely).
  // Empty when the product was never observed or its statistics are not finite.
  std::vector<float> importance(int layer, const std::string& name) const;
};

// Runs `tokens` decode steps of the f32 reference engine from BOS (token 0
// when the model has none), each next token sampled from softmax(logits) with
// a splitmix64 stream seeded by `seed`, and averages x^2 over those positions.
// tokens is clamped to the model's max_seq_len.
// `progress` (may be empty) hears (done, tokens) after each step: the
// step runs the whole f32 model, minutes for 360M.
using CalibrationProgress = std::function<void(size_t done, size_t total)>;
Calibration calibrate(const ModelConfig& cfg, const RefWeights& w, int tokens, uint64_t seed = kCalibrationSeed,
                      const CalibrationProgress& progress = {});

}  // namespace smolc::quant
