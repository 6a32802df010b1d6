#include "cli/generate.h"

#include <algorithm>
#include <string>

#include "frontend/error.h"

namespace smolc::cli {

int Generator::run(const std::vector<int32_t>& input, int max_new, const std::function<void(int32_t)>& on_token) {
  stopped_ = false;
  pending_ = -1;
  if (input.empty()) throw InputError("prompt", "", "is empty (no token to start from)");
  const int64_t vocab = static_cast<int64_t>(sampler.vocab);
  // Every row only when they are dumped: a compiled engine's batched step
  // gives the last row alone.
  const int n_in = static_cast<int>(input.size());
  std::vector<float> rows = dump ? engine.prefill(input.data(), n_in) : engine.prefill_last(input.data(), n_in);
  history.insert(history.end(), input.begin(), input.end());
  if (dump) dump->insert(dump->end(), rows.begin(), rows.end());
  const float* logits = rows.data() + static_cast<int64_t>(rows.size()) - vocab;

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
    history.push_back(next);
    if (dump) dump->insert(dump->end(), logits, logits + vocab);
  }
  return emitted;
}

}  // namespace smolc::cli
