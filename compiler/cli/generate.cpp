#include "cli/generate.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "frontend/error.h"

namespace smolc::cli {
namespace {

// A NaN/Inf logit means the model's numbers broke (weights let through with
// --allow-nonfinite, or activations that overflow): say so rather than let
// the sampler turn it into silence.
void check_logits(const Engine& e, const float* logits, int64_t vocab) {
  for (int64_t i = 0; i < vocab; ++i) {
    if (std::isfinite(logits[i])) continue;
    throw InputError(e.name(), "logits at position " + std::to_string(e.position() - 1),
                     "token " + std::to_string(i) + "'s logit is " + (std::isnan(logits[i]) ? "NaN" : "Inf") +
                         ": the model's weights or activations are not finite (weights refused by default are "
                         "only let through by --allow-nonfinite)");
  }
}

}  // namespace

void Generator::check_fits(const Engine& e, size_t n) {
  if (static_cast<int64_t>(n) > e.ctx() - e.position())
    throw InputError("context", "position " + std::to_string(e.position()),
                     std::to_string(n) + " more tokens do not fit in the context of " + std::to_string(e.ctx()) +
                         " (raise --ctx)");
}


int Generator::run(const std::vector<int32_t>& input, int max_new, const std::function<void(int32_t)>& on_token) {
  stopped_ = false;
  pending_ = -1;
  if (input.empty()) throw InputError("prompt", "", "is empty (no token to start from)");
  const int64_t vocab = static_cast<int64_t>(sampler.vocab);
  // Every row only when they are dumped: a compiled engine's batched step
  // gives the last row alone.
  check_fits(engine, input.size());
  const int n_in = static_cast<int>(input.size());
  std::vector<float> rows = dump ? engine.prefill(input.data(), n_in) : engine.prefill_last(input.data(), n_in);
  history.insert(history.end(), input.begin(), input.end());
  if (dump) dump->insert(dump->end(), rows.begin(), rows.end());
  const float* logits = rows.data() + static_cast<int64_t>(rows.size()) - vocab;
  check_logits(engine, logits, vocab);

  int emitted = 0;
  while (emitted < max_new) {
    const int32_t next = smolc_sampler_sample(&sampler, logits, history.data(), static_cast<int32_t>(history.size()));
    if (next < 0) throw std::logic_error("sampler failed with code " + std::to_string(next));
    if (std::find(stop_ids.begin(), stop_ids.end(), next) != stop_ids.end()) {
      stopped_ = true;
      break;
    }
    on_token(next);
    ++emitted;
    if (emitted == max_new || engine.position() >= engine.ctx()) {
      pending_ = next;
      break;
    }
    logits = engine.decode(next).data();
    check_logits(engine, logits, vocab);
    history.push_back(next);
    if (dump) dump->insert(dump->end(), logits, logits + vocab);
  }
  return emitted;
}

}  // namespace smolc::cli
