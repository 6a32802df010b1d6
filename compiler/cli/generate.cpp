#include "cli/generate.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "chat/chatml.h"
#include "frontend/error.h"
#include "speculate/smolc_speculate.h"

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

int32_t run_bos_id(const Checkpoint& ck, const Tokenizer& tok) {
  return tok.bos_id() >= 0 ? tok.bos_id() : static_cast<int32_t>(ck.cfg.bos_id);
}

std::vector<int32_t> run_stop_ids(const Checkpoint& ck, const Tokenizer& tok) {
  std::vector<int32_t> ids;
  auto add = [&](int64_t id) {
    if (id >= 0) ids.push_back(static_cast<int32_t>(id));
  };
  if (ck.format == "llama2c") {
    add(run_bos_id(ck, tok));
  } else {
    add(tok.eos_id());
    add(ck.cfg.eos_id);
    add(tok.token_id(SMOLC_CHATML_IM_END));
    add(tok.token_id(SMOLC_CHATML_ENDOFTEXT));
    add(tok.token_id("<|eot_id|>"));  // Llama-3's end of turn
  }
  return ids;
}

bool prompt_text_after_bos(const Checkpoint& ck) { return ck.tokenizer.kind == TokenizerData::Kind::SentencePieceBPE; }

void Generator::check_fits(const Engine& e, size_t n) {
  if (static_cast<int64_t>(n) > e.ctx() - e.position())
    throw InputError(
        "context", "position " + std::to_string(e.position()),
        std::to_string(n) + " more tokens do not fit in the context of " + std::to_string(e.ctx()) + " (raise --ctx)");
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
  if (speculate > 0 && !dump && engine.max_verify() >= 2)
    return max_new > 0 ? run_speculative(logits, max_new, on_token) : 0;

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
    if (emitted == max_new || engine.position() >= engine.ctx() || (interrupted && interrupted())) {
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

int32_t Generator::sample(const float* logits) {
  const int32_t t = smolc_sampler_sample(&sampler, logits, history.data(), static_cast<int32_t>(history.size()));
  if (t < 0) throw std::logic_error("sampler failed with code " + std::to_string(t));
  return t;
}

// The loop of run() with each fed token verified together with a guess of
// the tokens after it (the engine template's NAME_generate_ex does the same).
// Every token is sampled from the same logits with the same history in the
// same order as run()'s plain loop, so the result is the same; a sample that
// differs from the guess becomes the next token and the rest is rewound.
int Generator::run_speculative(const float* first, int max_new, const std::function<void(int32_t)>& on_token) {
  const int vocab = sampler.vocab;
  std::vector<float> rows(first, first + vocab);  // the logits to sample the next token from
  const float* logits = rows.data();
  const int max_draft = std::min(speculate, engine.max_verify() - 1);
  std::vector<int32_t> table(SMOLC_DRAFT_TABLE_ENTRIES(engine.ctx() + 1));
  smolc_drafter drafter;
  smolc_drafter_init(&drafter, table.data(), static_cast<uint32_t>(table.size()), max_draft);
  int emitted = 0;
  int32_t next = sample(logits);
  while (true) {
    if (is_stop(next)) {
      stopped_ = true;
      break;
    }
    on_token(next);
    ++emitted;
    ++spec_stats.generated;
    if (emitted == max_new || engine.position() >= engine.ctx() || (interrupted && interrupted())) {
      pending_ = next;
      break;
    }
    const int pos = engine.position();
    history.push_back(next);
    // Guessed tokens are fed, so each must be one plain decoding would feed:
    // not the last of -n and not past the context.
    const int room = std::min({max_draft, engine.ctx() - pos - 1, max_new - emitted - 1});
    std::vector<int32_t> batch(1 + static_cast<size_t>(std::max(room, 0)), next);
    const int drafted = room > 0 ? smolc_drafter_draft(&drafter, history.data(), static_cast<int32_t>(history.size()),
                                                       batch.data() + 1, room)
                                 : 0;
    ++spec_stats.steps;
    if (drafted == 0) {
      rows = engine.decode(next);
      logits = rows.data();
      next = sample(logits);
      continue;
    }
    rows = engine.verify(batch.data(), drafted + 1);
    int accepted = 0;
    next = sample(rows.data());
    while (accepted < drafted && next == batch[1 + accepted] && !is_stop(next)) {
      on_token(next);
      ++emitted;
      ++spec_stats.generated;
      history.push_back(next);
      ++accepted;
      next = sample(rows.data() + static_cast<size_t>(accepted) * vocab);
    }
    engine.rewind(pos + 1 + accepted);
    smolc_drafter_feedback(&drafter, drafted, accepted);
    spec_stats.drafted += drafted;
    spec_stats.accepted += accepted;
  }
  return emitted;
}

}  // namespace smolc::cli
