// Measuring quantisation: a reference engine whose weight products run
// through the quantised weights and activations exactly as the kernels do
// (quant_matmul), compared with the f32 reference engine. Used by
// `smolc quant-eval`, tools/quant_quality.sh and tests/quant/.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "quantize/calibrate.h"
#include "quantize/quantize.h"
#include "reference/reference_engine.h"

namespace smolc::quant {

// A whole-model format choice. lm_head covers the classifier and, when tied,
// the embedding (the engine reads embedding rows from the packed lm_head).
struct Variant {
  std::string label;  // e.g. "q4", "q4 --q4-all"
  Format body;        // wq wk wv wo w1 w2 w3
  Format lm_head;
  // q4 matrices with llama.cpp's Q4_0 scale (QuantOptions::q4_0): the
  // "q4_0" variants.
  bool q4_0 = false;
  // Measurement only: fold the RMSNorm gains into the weights before
  // quantising. The compiled engine never does this for quantised formats
  // (schedule::fold_norm_gains): it applies the gains at run time, which
  // measured better (docs/quant-formats.md) and keeps GGUF blocks reusable.
  bool fold_gains = false;
};
// The variants of the quality table: q16, q8, q4 (lm_head q8), q4_0 (lm_head
// q8), q4 --q4-all, q4_0 all.
std::vector<Variant> standard_variants();

// w with the RMSNorm gains folded into the columns of the projections that
// read them (not into a tied lm_head), as passes::fold_rmsnorm_gains does for
// float formats; norms left as 1. Used when Variant::fold_gains is set.
RefWeights fold_norm_gains(const ModelConfig& cfg, RefWeights w);

// A reference engine computing with v's quantised weights (quantised from
// the checkpoint's weights, RMSNorm gains applied at run time as the compiled
// engine does). The q8/q4 scale searches weigh columns by cal's importance
// (the compiled engine's default) when cal is given and not empty, else by
// the reading norm's gain^2 (wo and w2: equally); with v.fold_gains by
// nothing. Throws InputError for non-finite weights unless opt.allow_nonfinite.
std::unique_ptr<ReferenceEngine> make_quant_engine(const ModelConfig& cfg, const RefWeights& w, const Variant& v,
                                                   int ctx, const QuantOptions& opt = {},
                                                   const Calibration* cal = nullptr);

struct LogitMetrics {
  double nmse = 0;     // sum (q - ref)^2 / sum ref^2 over all positions and logits
  double mean_kl = 0;  // mean over positions of KL(softmax(ref) || softmax(q)), nats
  double top1 = 0;     // fraction of positions whose argmax agrees
};
// ref, q: [positions, vocab].
LogitMetrics compare_logits(const std::vector<float>& ref, const std::vector<float>& q, int64_t vocab);

// Greedy continuation from `first`: up to `steps` tokens, stopping after a
// chosen token equal to `stop` (pass -1 for none). Starts from position 0.
std::vector<int32_t> greedy_tokens(ReferenceEngine& e, int32_t first, int steps, int32_t stop);

// Weight-only error of format f quantised with opt (allow_nonfinite is
// forced) over every layer matrix of w (gains folded first when fold_gains):
// sum (w - deq(q(w)))^2 / sum w^2.
double weight_nmse(const ModelConfig& cfg, const RefWeights& w, Format f, QuantOptions opt, bool fold_gains = false);

// Where a greedy continuation first leaves the f32 one.
struct Departure {
  int position = -1;      // index into the continuation; -1: none (identical)
  double f32_margin = 0;  // f32 top-1 minus top-2 logit there (a near-tie when small)
};
// f32_logits: [positions, vocab] of the f32 engine teacher-forced along `want`
// (position i's logits chose want[i]).
Departure first_departure(const std::vector<int32_t>& want, const std::vector<int32_t>& got,
                          const std::vector<float>& f32_logits, int64_t vocab);

}  // namespace smolc::quant
