// The generation loop shared by `smolc run` (one prompt) and `smolc run --chat`
// (many turns over one KV cache): feed tokens, sample, stream, stop.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "cli/engine.h"
#include "frontend/checkpoint.h"
#include "sampler/sampler.h"
#include "text/tokenizer.h"

namespace smolc::cli {

// What `smolc run` makes of a model's text, shared with the page of
// `smolc compile --web` (which must pick the same tokens for the same seed):
// the BOS id (the tokenizer's, else the config's; -1 none), the ids that end
// generation (llama2.c models end a story with BOS; HF models with EOS,
// <|im_end|>, <|endoftext|> or <|eot_id|>), and whether a -p text follows BOS
// (SentencePiece tokenizers; byte-level BPE prompts start with the text).
int32_t run_bos_id(const Checkpoint& ck, const Tokenizer& tok);
std::vector<int32_t> run_stop_ids(const Checkpoint& ck, const Tokenizer& tok);
bool prompt_text_after_bos(const Checkpoint& ck);

struct Generator {
  Generator(Engine& e, smolc_sampler& s, std::vector<int32_t> stops, std::vector<float>* dump_rows)
      : engine(e), sampler(s), stop_ids(std::move(stops)), dump(dump_rows) {}

  Engine& engine;
  smolc_sampler& sampler;
  std::vector<int32_t> stop_ids;       // sampled but never emitted nor fed
  std::vector<float>* dump = nullptr;  // if set, every evaluated row [vocab] is appended
  std::vector<int32_t> history;        // every id in the KV cache, oldest first (the penalty window)

  // Prompt-lookup speculation (docs/speculative.md): the longest guess, 0 off.
  // The emitted tokens are those of plain decoding whatever it is; it needs
  // an engine that can verify and no dump.
  int speculate = 0;
  // Checked after each emitted token: true stops generation there (the token
  // becomes pending()), for --stop strings and Ctrl-C in --chat.
  std::function<bool()> interrupted;
  struct SpecStats {
    int64_t steps = 0, drafted = 0, accepted = 0, generated = 0;
  } spec_stats;

  // Feeds `input` (at least one id) and then samples up to max_new tokens,
  // calling on_token for each one that is not a stop id. The last sampled
  // token is not fed (nothing would read its logits); the next call's input
  // should start with it when the conversation continues (see pending()).
  // Also stops when the KV cache is full. Returns the number of tokens emitted.
  // InputError when the input does not fit (check_fits) or a logit is NaN/Inf.
  int run(const std::vector<int32_t>& input, int max_new, const std::function<void(int32_t)>& on_token);

  // InputError (exit 2) unless n more tokens fit in e's KV cache: checked
  // before anything is printed or evaluated, the same on every engine.
  static void check_fits(const Engine& e, size_t n);

  // The emitted token that was not fed yet (-1 if none): run() leaves the
  // last one out of the cache.
  int32_t pending() const { return pending_; }
  // Forgets the conversation after the engine's cache was emptied.
  void restart() {
    history.clear();
    pending_ = -1;
  }
  // Whether the last run() stopped on a stop id (rather than -n or a full cache).
  bool stopped_on_stop_id() const { return stopped_; }

 private:
  int run_speculative(const float* logits, int max_new, const std::function<void(int32_t)>& on_token);
  bool is_stop(int32_t id) const { return std::find(stop_ids.begin(), stop_ids.end(), id) != stop_ids.end(); }
  int32_t sample(const float* logits);
  int32_t pending_ = -1;
  bool stopped_ = false;
};

}  // namespace smolc::cli
